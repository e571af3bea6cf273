/*
 * convert.c - cxm_convert: the profile registry and the machinery profiles
 * share (see convert.h): output files written under temporary names and
 * renamed into place on success, CSV quoting, RFC 3339 instants, bad-row
 * and warning reporting, header lookup.
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
#include "time/civil.h"

/* ---- the registry ------------------------------------------------------ */

typedef struct profile {
    const char *name;
    const char *desc;
    char delim;
    int writes_messages;
    int (*run)(cxm_cvt *c);
} profile;

static const profile PROFILES[] = {
    {"callcentre",
     "one row per call (Call Id, Agent, Date, Time, Topic, Answered (Y/N), Resolved, Speed of answer in "
     "seconds, AvgTalkDuration, Satisfaction rating) -> tickets.csv: channel phone, answered_at = start + "
     "speed, resolved_at = end of a resolved call, handle_seconds = talk time, abandoned = not answered",
     ',', 0, cxm_convert_callcentre},
    {"itsm",
     "ServiceNow-style incident event log (number, incident_state, sys_updated_at, opened_at, DD-MM-YYYY "
     "HH:MM, '?' = missing) -> tickets.csv (one per incident, latest values) + messages.csv (one status "
     "event per row, so resolutions and reopens derive from the state history)",
     ',', 1, cxm_convert_itsm},
    {"zendesk",
     "a directory of Zendesk tables as Fivetran syncs them (--in DIR: ticket_data.csv, and optionally "
     "user_data.csv, ticket_comment_data.csv, ticket_field_history_data.csv) -> tickets.csv + messages.csv "
     "(comments with the author's role, status changes as status events)",
     ',', 1, cxm_convert_zendesk},
};
#define NPROFILES (sizeof PROFILES / sizeof PROFILES[0])

const char *const cxm_convert_profiles[] = {"callcentre", "itsm", "zendesk", NULL};

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
        int rc = cxm_cvt_open(c, w, "rejected.csv", hdr, 5);
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

/* ---- the entry point --------------------------------------------------- */

/* A stream file the profile will not write but `cxm report --data DIR`
 * would read: refuse rather than leave a mixed data set. */
static int check_stale(cxm_cvt *c, int writes_messages) {
    static const char *const names[] = {"tickets.ndjson", "tickets.jsonl", "messages.csv", "messages.ndjson",
                                        "messages.jsonl"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (writes_messages && i == 2) continue;
        char *p = join(c->o->out_dir, "", names[i], "");
        if (!p) return CXM_ENOMEM;
        int e = exists(p);
        free(p);
        if (e)
            return cxm_diag_set(c->diag, CXM_EUSAGE, c->o->out_dir, 0, 0, NULL,
                                "already holds %s, which profile '%s' does not write but 'cxm report --data' "
                                "would read: remove it or choose another --out",
                                names[i], c->o->profile);
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
    int rc = make_dirs(o->out_dir, diag);
    if (!rc) rc = check_stale(&c, p->writes_messages);
    if (!rc) rc = p->run(&c);
    if (!rc && c.bad_logged > CXM_MAX_BAD_ROW_MESSAGES)
        logf_(&c, "%llu more bad rows not listed (all are in %s/rejected.csv)",
                     (unsigned long long)(c.bad_logged - CXM_MAX_BAD_ROW_MESSAGES), o->out_dir);
    int ok = rc == CXM_OK;
    int rc2 = out_finish(&c, &c.tickets, ok);
    if (!rc2) rc2 = out_finish(&c, &c.messages, ok);
    else (void)out_finish(&c, &c.messages, 0);
    int had_rejects = c.rejected.f != NULL;
    int rc3 = out_finish(&c, &c.rejected, ok && !rc2);
    if (ok && !rc2 && !rc3 && !had_rejects) { /* no stale list from an earlier run */
        char *stale = join(o->out_dir, "", "rejected.csv", "");
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
    }
    if (rows_out) *rows_out = c.tickets.rows;
    if (bad_rows) *bad_rows = c.bad_rows;
    return rc;
}
