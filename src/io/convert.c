/*
 * convert.c - cxm_convert: the profile registry and the machinery profiles
 * share (see convert.h): output files written under temporary names and
 * renamed into place on success, CSV quoting, RFC 3339 instants, bad-row
 * and warning reporting, header lookup; for the survey profiles, their
 * settings, scales and dimension names.
 *
 * Invariants: the library never prints (everything goes through o->log);
 * a failed conversion removes its temporary files and leaves the output
 * directory as it was; bad-row messages are capped at
 * CXM_MAX_BAD_ROW_MESSAGES, the rest are counted (rejected.csv lists all).
 * Per-row work is one buffer append per field and one fwrite per row.
 */
#include "io/convert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/limits.h"
#include "metrics/survey.h"
#include "time/civil.h"

/* ---- the registry ------------------------------------------------------ */

typedef struct profile {
    const char *name;
    const char *desc;
    char delim;
    int writes_messages;
    int (*run)(cxm_cvt *c);
    int survey; /* writes responses.csv (and rejected_responses.csv) */
} profile;

static const profile PROFILES[] = {
    {"callcentre",
     "one row per call (Call Id, Agent, Date, Time, Topic, Answered (Y/N), Resolved, Speed of answer in "
     "seconds, AvgTalkDuration, Satisfaction rating) -> tickets.csv: channel phone, answered_at = start + "
     "speed, resolved_at = end of a resolved call, handle_seconds = talk time, abandoned = not answered",
     ',', 0, cxm_convert_callcentre, 0},
    {"itsm",
     "ServiceNow-style incident event log (number, incident_state, sys_updated_at, opened_at, DD-MM-YYYY "
     "HH:MM, '?' = missing) -> tickets.csv (one per incident, latest values) + messages.csv (one status "
     "event per row, so resolutions and reopens derive from the state history)",
     ',', 1, cxm_convert_itsm, 0},
    {"zendesk",
     "a directory of Zendesk tables as Fivetran syncs them (--in DIR: ticket_data.csv, and optionally "
     "user_data.csv, ticket_comment_data.csv, ticket_field_history_data.csv) -> tickets.csv + messages.csv "
     "(comments with the author's role and, for agents, their user id as agent; status changes as status "
     "events)",
     ',', 1, cxm_convert_zendesk, 0},
    {"delighted",
     "Delighted survey responses as the API lists them (--in FILE: a JSON array, several arrays, or one "
     "object per line) -> responses.csv: response_id = id, at = created_at, survey = survey_type (nps, "
     "enps, csat, ces 1-7, five_star and smileys as csat 1-5, thumbs 0-1, pmf 1-3), score, customer_id = "
     "person, comment, each person_properties key a dimension (ticket_id links to tickets); --scale "
     "SURVEY=MIN-MAX overrides a scale (ces=1-5 for 5-point CES projects)",
     ',', 0, cxm_convert_delighted, 1},
    {"typeform",
     "a Typeform-style wide CSV, one row per submission and one column per question -> responses.csv, one "
     "row per answered question named with --question SURVEY=COLUMN (repeatable): response_id = the "
     "submission's '#' (or --id COLUMN) + ':' + SURVEY, at = Submit Date (UTC) (or --at COLUMN), score; "
     "--comment [SURVEY=]COLUMN, --scale SURVEY=MIN-MAX; every other column a dimension",
     ',', 0, cxm_convert_typeform, 1},
};
#define NPROFILES (sizeof PROFILES / sizeof PROFILES[0])

const char *const cxm_convert_profiles[] = {"callcentre", "itsm", "zendesk", "delighted", "typeform", NULL};

static const profile *find_profile(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < NPROFILES; i++)
        if (!strcmp(PROFILES[i].name, name)) return &PROFILES[i];
    return NULL;
}

const char *cxm_convert_describe(const char *name) {
    const profile *p = find_profile(name);
    return p ? p->desc : NULL;
}

/* ---- paths ------------------------------------------------------------- */

static char *join(const char *dir, const char *prefix, const char *name, const char *suffix) {
    size_t a = strlen(dir), b = strlen(prefix), n = strlen(name), s = strlen(suffix);
    char *p = malloc(a + b + n + s + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, prefix, b);
    memcpy(p + a + 1 + b, name, n);
    memcpy(p + a + 1 + b + n, suffix, s + 1);
    return p;
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

/* mkdir -p: creates dir and its missing parents. */
static int make_dirs(const char *dir, cxm_diag *diag) {
    size_t n = strlen(dir);
    if (!n) return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--out: expected a directory, found ''");
    char *p = malloc(n + 1);
    if (!p) return CXM_ENOMEM;
    memcpy(p, dir, n + 1);
    int rc = CXM_OK;
    for (size_t i = 1; i <= n && !rc; i++) {
        if (p[i] != '/' && p[i] != 0) continue;
        char keep = p[i];
        p[i] = 0;
        if (!is_dir(p) && mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = cxm_diag_set(diag, CXM_EIO, p, 0, 0, NULL, "cannot create the output directory: %s",
                              strerror(errno));
        p[i] = keep;
    }
    if (!rc && !is_dir(dir))
        rc = cxm_diag_set(diag, CXM_EIO, dir, 0, 0, NULL, "exists and is not a directory");
    free(p);
    return rc;
}

/* ---- output ------------------------------------------------------------ */

int cxm_cvt_open(cxm_cvt *c, cxm_cvt_out *w, const char *name, const char *const *header, size_t ncols) {
    memset(w, 0, sizeof *w);
    cxm_buf_init(&w->row, CXM_MAX_RECORD_BYTES);
    w->tmp_path = join(c->o->out_dir, ".", name, ".tmp");
    w->final_path = join(c->o->out_dir, "", name, "");
    if (!w->tmp_path || !w->final_path) return CXM_ENOMEM;
    w->f = fopen(w->tmp_path, "wb");
    if (!w->f)
        return cxm_diag_set(c->diag, CXM_EIO, w->tmp_path, 0, 0, NULL, "cannot write: %s", strerror(errno));
    for (size_t i = 0; i < ncols; i++) cxm_cvt_puts(w, header[i]);
    int rc = cxm_cvt_end_row(w);
    w->rows = 0; /* the header is not a data row */
    if (rc) return cxm_diag_set(c->diag, rc, w->tmp_path, 0, 0, NULL, "cannot write the header");
    return CXM_OK;
}

static void put_raw(cxm_cvt_out *w, const char *s, size_t n) {
    if (!w->err) w->err = cxm_buf_append(&w->row, s, n);
}

void cxm_cvt_put(cxm_cvt_out *w, const char *s, size_t n) {
    if (w->nfields++) put_raw(w, ",", 1);
    if (!s || !n) return;
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        put_raw(w, s, n);
        return;
    }
    put_raw(w, "\"", 1);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '"') continue;
        put_raw(w, s + from, i + 1 - from); /* through the quote, then double it */
        put_raw(w, "\"", 1);
        from = i + 1;
    }
    put_raw(w, s + from, n - from);
    put_raw(w, "\"", 1);
}

void cxm_cvt_puts(cxm_cvt_out *w, const char *s) { cxm_cvt_put(w, s, s ? strlen(s) : 0); }

size_t cxm_cvt_format_time(cxm_time t, char *buf, size_t cap) {
    if (!cap) return 0;
    buf[0] = 0;
    if (t == CXM_TIME_NULL) return 0;
    int64_t days = cxm_floordiv(t, 86400000), ms = cxm_floormod(t, 86400000);
    int64_t y;
    int m, d;
    cxm_civil_from_days(days, &y, &m, &d);
    int hh = (int)(ms / 3600000), mi = (int)(ms / 60000 % 60), ss = (int)(ms / 1000 % 60), frac = (int)(ms % 1000);
    int n = frac ? snprintf(buf, cap, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, m, d, hh, mi, ss, frac)
                 : snprintf(buf, cap, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d, hh, mi, ss);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

void cxm_cvt_put_time(cxm_cvt_out *w, cxm_time t) {
    char buf[48];
    size_t n = cxm_cvt_format_time(t, buf, sizeof buf);
    cxm_cvt_put(w, buf, n);
}

void cxm_cvt_put_int(cxm_cvt_out *w, int64_t v) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    cxm_cvt_put(w, buf, n > 0 ? (size_t)n : 0);
}

void cxm_cvt_put_secs(cxm_cvt_out *w, int64_t ms) {
    char buf[48];
    int n;
    if (ms % 1000 == 0) n = snprintf(buf, sizeof buf, "%lld", (long long)(ms / 1000));
    else {
        n = snprintf(buf, sizeof buf, "%s%lld.%03lld", ms < 0 ? "-" : "", (long long)(llabs(ms) / 1000),
                     (long long)(llabs(ms) % 1000));
        while (n > 0 && buf[n - 1] == '0') n--; /* 12.500 -> 12.5 */
    }
    cxm_cvt_put(w, buf, n > 0 ? (size_t)n : 0);
}

int cxm_cvt_end_row(cxm_cvt_out *w) {
    put_raw(w, "\n", 1); /* LF line ends */
    if (!w->err && w->f && fwrite(w->row.data, 1, w->row.len, w->f) != w->row.len) w->err = CXM_EIO;
    cxm_buf_reset(&w->row);
    w->nfields = 0;
    if (!w->err) w->rows++;
    return w->err;
}

int cxm_cvt_write_row(cxm_cvt *c, cxm_cvt_out *w) {
    int rc = cxm_cvt_end_row(w);
    if (rc == CXM_ELIMIT)
        return cxm_diag_set(c->diag, rc, w->final_path, w->rows + 2, 0, NULL, "a row longer than %u bytes",
                            (unsigned)CXM_MAX_RECORD_BYTES);
    if (rc) return cxm_diag_set(c->diag, rc, w->tmp_path, 0, 0, NULL, "cannot write: %s", cxm_strerror(rc));
    return CXM_OK;
}

/* Closes w; on success renames it into place, else removes it. */
static int out_finish(cxm_cvt *c, cxm_cvt_out *w, int ok) {
    int rc = w->err;
    if (w->f) {
        if (fclose(w->f) != 0 && !rc) rc = CXM_EIO;
        w->f = NULL;
        int err = 0;
        if (ok && !rc && rename(w->tmp_path, w->final_path) != 0) {
            rc = CXM_EIO;
            err = errno;
        }
        if (!ok || rc) unlink(w->tmp_path);
        if (ok && rc)
            cxm_diag_set(c->diag, rc, w->final_path, 0, 0, NULL, "cannot write%s%s", err ? ": " : "",
                         err ? strerror(err) : "");
    }
    cxm_buf_free(&w->row);
    free(w->tmp_path);
    free(w->final_path);
    w->tmp_path = w->final_path = NULL;
    return ok ? rc : CXM_OK;
}

/* ---- defects ----------------------------------------------------------- */

static void logf_(cxm_cvt *c, const char *fmt, ...) CXM_PRINTF(2, 3);
static void logf_(cxm_cvt *c, const char *fmt, ...) {
    if (!c->o->log) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->o->log(c->o->ud, msg);
}

static int bad(cxm_cvt *c, const cxm_diag *d, uint64_t nrows) {
    if (c->o->strict) {
        if (c->diag) *c->diag = *d;
        c->bad_rows += nrows;
        return CXM_EDATA;
    }
    c->bad_rows += nrows;
    char msg[1024];
    cxm_diag_format(d, msg, sizeof msg);
    if (c->bad_logged < CXM_MAX_BAD_ROW_MESSAGES) {
        if (nrows == 1) logf_(c, "%s (row skipped)", msg);
        else logf_(c, "%s (%llu rows skipped)", msg, (unsigned long long)nrows);
    }
    c->bad_logged++;
    cxm_cvt_out *w = &c->rejected;
    if (!w->f) {
        static const char *const hdr[] = {"file", "source_line", "column", "rows", "reason"};
        int rc = cxm_cvt_open(c, w, c->rejected_name ? c->rejected_name : "rejected.csv", hdr, 5);
        if (rc) return rc;
    }
    const char *base = strrchr(d->file, '/');
    cxm_cvt_puts(w, base ? base + 1 : d->file);
    cxm_cvt_put_int(w, (int64_t)d->line);
    cxm_cvt_puts(w, d->column_name);
    cxm_cvt_put_int(w, (int64_t)nrows);
    cxm_cvt_puts(w, d->msg);
    return cxm_cvt_write_row(c, w);
}

int cxm_cvt_bad(cxm_cvt *c, uint64_t line, uint32_t column, const char *colname, uint64_t nrows,
                const char *fmt, ...) {
    cxm_diag d;
    memset(&d, 0, sizeof d);
    snprintf(d.file, sizeof d.file, "%s", c->in);
    d.line = line;
    d.column = column;
    snprintf(d.column_name, sizeof d.column_name, "%s", colname ? colname : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d.msg, sizeof d.msg, fmt, ap);
    va_end(ap);
    return bad(c, &d, nrows);
}

int cxm_cvt_bad_diag(cxm_cvt *c, const cxm_diag *d) { return bad(c, d, 1); }

void cxm_cvt_warn(cxm_cvt *c, const char *fmt, ...) {
    c->warnings++;
    if (!c->o->log) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->o->log(c->o->ud, msg);
}

void cxm_cvt_tally_add(cxm_cvt_tally *t, const char *fmt, ...) {
    if (t->n++ >= 5) return;
    size_t n = strnlen(t->first, sizeof t->first);
    if (n + 4 >= sizeof t->first) return;
    if (n) {
        memcpy(t->first + n, ", ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->first + n, sizeof t->first - n, fmt, ap);
    va_end(ap);
}

void cxm_cvt_tally_warn(cxm_cvt *c, const cxm_cvt_tally *t, const char *what) {
    if (!t->n) return;
    cxm_cvt_warn(c, "%s: %llu %s (first: %s%s)", c->in, (unsigned long long)t->n, what, t->first,
                 t->n > 5 ? ", ..." : "");
}

/* ---- input ------------------------------------------------------------- */

cxm_field cxm_cvt_field(const cxm_field *f, size_t nf, int idx) {
    cxm_field r = {NULL, 0};
    if (idx < 0 || (size_t)idx >= nf || !f[idx].ptr) return r;
    r = f[idx];
    while (r.len && (r.ptr[0] == ' ' || r.ptr[0] == '\t')) {
        r.ptr++;
        r.len--;
    }
    while (r.len && (r.ptr[r.len - 1] == ' ' || r.ptr[r.len - 1] == '\t')) r.len--;
    return r;
}

const char *cxm_cvt_show(cxm_field f, char *buf, size_t cap) {
    if (!cap) return "";
    size_t n = f.ptr ? f.len : 0;
    if (n > 80) n = 80;
    if (n >= cap) n = cap - 1;
    if (n) memcpy(buf, f.ptr, n);
    buf[n] = 0;
    return buf;
}

static int name_eq(const cxm_field *h, const char *name) {
    cxm_field t = cxm_cvt_field(h, 1, 0);
    size_t n = strlen(name);
    if (t.len != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char a = t.ptr[i], b = name[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

int cxm_cvt_columns(cxm_cvt *c, const cxm_rows *r, const char *const *names, size_t n, uint64_t required,
                    int *idx) {
    const cxm_field *h;
    size_t nh;
    cxm_rows_header(r, &h, &nh);
    for (size_t k = 0; k < n; k++) {
        idx[k] = -1;
        for (size_t i = 0; i < nh && idx[k] < 0; i++)
            if (name_eq(&h[i], names[k])) idx[k] = (int)i;
        if (idx[k] >= 0 || k >= 64 || !(required >> k & 1)) continue;
        char cols[600];
        size_t len = 0;
        cols[0] = 0;
        for (size_t i = 0; i < nh && len + 40 < sizeof cols; i++) {
            int w = snprintf(cols + len, sizeof cols - len, "%s%.*s", i ? ", " : "",
                             (int)(h[i].len > 30 ? 30 : h[i].len), h[i].ptr ? h[i].ptr : "");
            if (w > 0) len += (size_t)w;
        }
        return cxm_diag_set(c->diag, CXM_EDATA, c->in, 1, 0, NULL,
                            "profile '%s' needs a column '%s'; the header has: %s", c->o->profile, names[k],
                            cols);
    }
    return CXM_OK;
}

/* ---- survey profiles --------------------------------------------------- */

const char *cxm_cvt_setting(const cxm_cvt *c, size_t i, const char *key) {
    if (i >= c->o->nsettings || !c->o->settings || !c->o->settings[i]) return NULL;
    const char *s = c->o->settings[i];
    size_t n = strlen(key);
    return !strncmp(s, key, n) && s[n] == '=' ? s + n + 1 : NULL;
}

int cxm_cvt_check_settings(cxm_cvt *c, const char *const *keys) {
    for (size_t i = 0; i < c->o->nsettings; i++) {
        int known = 0;
        for (size_t k = 0; keys[k] && !known; k++) known = cxm_cvt_setting(c, i, keys[k]) != NULL;
        if (known) continue;
        char list[200];
        size_t n = 0;
        list[0] = 0;
        for (size_t k = 0; keys[k]; k++) {
            int w = snprintf(list + n, sizeof list - n, "%s--%s", k ? ", " : "", keys[k]);
            if (w > 0 && (size_t)w < sizeof list - n) n += (size_t)w;
        }
        const char *s = c->o->settings ? c->o->settings[i] : NULL;
        return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL, "profile '%s' does not take '%s': it takes %s",
                            c->o->profile, s ? s : "(null)", list);
    }
    return CXM_OK;
}

/* Parses the whole of s[0..n) as a number 0..CXM_MAX_SURVEY_SCORE. */
static int small_int(const char *s, size_t n, int *out) {
    if (!n || n > 3) return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > CXM_MAX_SURVEY_SCORE) return -1;
    *out = v;
    return 0;
}

int cxm_cvt_parse_scale(cxm_cvt *c, const char *value, cxm_cvt_scale *out) {
    memset(out, 0, sizeof *out);
    const char *eq = strchr(value, '=');
    const char *dash = eq ? strchr(eq + 1, '-') : NULL;
    size_t nlen = eq ? (size_t)(eq - value) : 0;
    if (!eq || !dash || !nlen || nlen >= sizeof out->survey ||
        small_int(eq + 1, (size_t)(dash - eq - 1), &out->min) || small_int(dash + 1, strlen(dash + 1), &out->max) ||
        out->min >= out->max)
        return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "--scale '%s': expected SURVEY=MIN-MAX with whole numbers 0 <= MIN < MAX <= %d, "
                            "such as ces=1-5",
                            value, CXM_MAX_SURVEY_SCORE);
    for (size_t i = 0; i < nlen; i++) {
        char ch = value[i];
        out->survey[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    out->survey[nlen] = 0;
    return CXM_OK;
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static void cut_utf8(char *s, size_t max) {
    size_t n = strlen(s);
    if (n <= max) return;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--; /* s[n] continues a sequence */
    s[n] = 0;
}

/* The column name made from src[0..len) (see convert.h) into buf[64]. */
static void dim_name(const char *src, size_t len, char *buf) {
    char tmp[128];
    size_t n = 0;
    int gap = 0;
    for (size_t i = 0; i < len && n < sizeof tmp - 2; i++) {
        unsigned char ch = (unsigned char)src[i];
        int keep = ch >= 0x80 || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        if (!keep) {
            gap = n > 0;
            continue;
        }
        if (gap) tmp[n++] = '_';
        gap = 0;
        tmp[n++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : (char)ch;
    }
    tmp[n] = 0;
    cut_utf8(tmp, 63);
    n = strlen(tmp);
    while (n > 0 && tmp[n - 1] == '_') tmp[--n] = 0;
    if (!n) memcpy(tmp, "field", 6);
    memcpy(buf, tmp, strlen(tmp) + 1);
}

static int names_has(const cxm_cvt_names *s, const char *const *reserved, const char *name) {
    for (size_t i = 0; reserved && reserved[i]; i++)
        if (!strcmp(reserved[i], name)) return 1;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name)) return 1;
    return 0;
}

int cxm_cvt_names_add(cxm_cvt_names *s, const char *src, size_t len, const char *const *reserved,
                      const char *prefix, size_t *idx) {
    if (s->n >= CXM_MAX_COLUMNS) return CXM_ELIMIT;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        if (cap > CXM_MAX_COLUMNS) cap = CXM_MAX_COLUMNS;
        char(*p)[64] = realloc(s->name, cap * sizeof *p);
        if (!p) return CXM_ENOMEM;
        s->name = p;
        s->cap = cap;
    }
    char base[64], name[96];
    dim_name(src, len, base);
    for (size_t i = 0; reserved && reserved[i]; i++)
        if (!strcmp(reserved[i], base)) {
            snprintf(name, sizeof name, "%s%s", prefix ? prefix : "", base);
            cut_utf8(name, 63);
            memcpy(base, name, strlen(name) + 1);
            break;
        }
    snprintf(name, sizeof name, "%s", base);
    for (unsigned k = 2; names_has(s, reserved, name); k++) {
        char suffix[16];
        int w = snprintf(suffix, sizeof suffix, "_%u", k);
        snprintf(name, sizeof name, "%s", base);
        cut_utf8(name, 63 - (size_t)(w > 0 ? w : 0));
        size_t m = strlen(name);
        memcpy(name + m, suffix, (size_t)(w > 0 ? w : 0) + 1);
    }
    memcpy(s->name[s->n], name, strlen(name) + 1);
    *idx = s->n++;
    return CXM_OK;
}

void cxm_cvt_names_free(cxm_cvt_names *s) {
    if (!s) return;
    free(s->name);
    s->name = NULL;
    s->n = s->cap = 0;
}

/* ---- the entry point --------------------------------------------------- */

/* A stream file the profile will not write but `cxm report --data DIR`
 * would read: refuse rather than leave a mixed data set. A survey profile
 * writes another stream than tickets and messages, so those may stay (a
 * directory holding converted tickets and survey answers is the way to
 * join them); only another copy of the responses stream is refused. */
static int check_stale(cxm_cvt *c, int writes_messages, int survey) {
    static const char *const names[] = {"tickets.ndjson", "tickets.jsonl", "messages.csv", "messages.ndjson",
                                        "messages.jsonl"};
    static const char *const rnames[] = {"responses.ndjson", "responses.jsonl"};
    const char *const *list = survey ? rnames : names;
    size_t n = survey ? sizeof rnames / sizeof rnames[0] : sizeof names / sizeof names[0];
    for (size_t i = 0; i < n; i++) {
        if (!survey && writes_messages && i == 2) continue;
        char *p = join(c->o->out_dir, "", list[i], "");
        if (!p) return CXM_ENOMEM;
        int e = exists(p);
        free(p);
        if (e)
            return cxm_diag_set(c->diag, CXM_EUSAGE, c->o->out_dir, 0, 0, NULL,
                                "already holds %s, which profile '%s' does not write but 'cxm report --data' "
                                "would read: remove it or choose another --out",
                                list[i], c->o->profile);
    }
    return CXM_OK;
}

int cxm_convert(const cxm_convert_opts *o, uint64_t *rows_out, uint64_t *bad_rows, cxm_diag *diag) {
    if (rows_out) *rows_out = 0;
    if (bad_rows) *bad_rows = 0;
    if (o && o->counts) memset(o->counts, 0, sizeof *o->counts);
    if (!o) return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "no options");
    const profile *p = find_profile(o->profile);
    if (!p) {
        char names[200];
        size_t n = 0;
        names[0] = 0;
        for (size_t i = 0; i < NPROFILES; i++) {
            int w = snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", PROFILES[i].name);
            if (w > 0 && (size_t)w < sizeof names - n) n += (size_t)w;
        }
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--profile '%s': expected one of %s",
                            o->profile ? o->profile : "", names);
    }
    if (!o->input || !*o->input)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "no input: give --in FILE");
    if (!o->out_dir || !*o->out_dir)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "no output directory: give --out DIR");
    cxm_cvt c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.in = o->input;
    c.delim = o->delimiter ? o->delimiter : p->delim;
    c.diag = diag;
    c.rejected_name = p->survey ? "rejected_responses.csv" : "rejected.csv";
    int rc = p->survey || !o->nsettings
                 ? CXM_OK
                 : cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "profile '%s' takes no settings (found '%s'): --question, --comment, --id, --at and "
                                "--scale are for the survey profiles",
                                p->name, o->settings && o->settings[0] ? o->settings[0] : "");
    if (!rc) rc = make_dirs(o->out_dir, diag);
    if (!rc) rc = check_stale(&c, p->writes_messages, p->survey);
    if (!rc) rc = p->run(&c);
    if (!rc && c.bad_logged > CXM_MAX_BAD_ROW_MESSAGES)
        logf_(&c, "%llu more bad rows not listed (all are in %s/%s)",
              (unsigned long long)(c.bad_logged - CXM_MAX_BAD_ROW_MESSAGES), o->out_dir, c.rejected_name);
    int ok = rc == CXM_OK;
    int rc2 = out_finish(&c, &c.tickets, ok);
    if (!rc2) rc2 = out_finish(&c, &c.messages, ok);
    else (void)out_finish(&c, &c.messages, 0);
    if (!rc2) rc2 = out_finish(&c, &c.responses, ok);
    else (void)out_finish(&c, &c.responses, 0);
    int had_rejects = c.rejected.f != NULL;
    int rc3 = out_finish(&c, &c.rejected, ok && !rc2);
    if (ok && !rc2 && !rc3 && !had_rejects) { /* no stale list from an earlier run */
        char *stale = join(o->out_dir, "", c.rejected_name, "");
        if (stale) unlink(stale);
        free(stale);
    }
    if (!rc) rc = rc2 ? rc2 : rc3;
    if (o->counts) {
        o->counts->rows_read = c.rows_read;
        o->counts->tickets = c.tickets.rows;
        o->counts->messages = c.messages.rows;
        o->counts->bad_rows = c.bad_rows;
        o->counts->warnings = c.warnings;
        o->counts->responses = c.responses.rows;
    }
    if (rows_out) *rows_out = p->survey ? c.responses.rows : c.tickets.rows;
    if (bad_rows) *bad_rows = c.bad_rows;
    return rc;
}
