/*
 * ingest.c - options into a run context, and the per-row pipeline shared by
 * reports and exports (see engine.h). The loop runs once per input row:
 * filters on raw text first (cheap), then parsing, de-duplication, the
 * merge with message facts, and the derivation of durations.
 */
#include "metrics/engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/diag.h"
#include "core/limits.h"
#include "metrics/catalog.h"
#include "store/store.h"

void cxm_ctx_warn(cxm_ctx *c, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->warnings && cxm_buf_append(c->warnings, msg, strlen(msg) + 1) == CXM_OK) c->nwarn++;
    if (c->o->log) c->o->log(c->o->ud, msg);
}

static char *xstrdup(const char *s) {
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p) memcpy(p, s, n + 1);
    return p;
}

static int file_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static char *join_path(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

/* dir/stem.csv, else dir/stem.ndjson, else dir/stem.jsonl; NULL if none. */
static char *find_stream(const char *dir, const char *stem) {
    static const char *const ext[] = {".csv", ".ndjson", ".jsonl"};
    char name[64];
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "%s%s", stem, ext[i]);
        char *p = join_path(dir, name);
        if (p && file_exists(p)) return p;
        free(p);
    }
    return NULL;
}

static int parse_bound(cxm_ctx *c, const char *s, const char *opt, int is_to, cxm_time *out) {
    const char *why = NULL;
    size_t n = strlen(s);
    if (cxm_parse_time(s, n, c->tz, CXM_DATE_YMD, out, &why))
        return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "%s '%s': expected a date (2024-03-01) or an instant (2024-03-01T09:00:00Z)%s%s",
                            opt, s, why ? ": " : "", why ? why : "");
    if (is_to && n == 10) { /* a plain date: the whole day is included */
        int64_t local = cxm_tz_to_local(c->tz, cxm_floordiv(*out, 1000));
        int64_t day = cxm_floordiv(local, 86400) + 1;
        *out = cxm_tz_from_local(c->tz, day * 86400) * 1000;
    }
    return CXM_OK;
}

static int parse_where(cxm_ctx *c, const char *s, cxm_where *w) {
    memset(w, 0, sizeof *w);
    w->src = -1;
    const char *eq = strchr(s, '=');
    if (!eq || eq == s)
        return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "--where '%s': expected COLUMN=VALUE[,VALUE...] or COLUMN!=VALUE", s);
    const char *colend = eq;
    if (eq > s && eq[-1] == '!') {
        w->negate = 1;
        colend = eq - 1;
    }
    w->col = malloc((size_t)(colend - s) + 1);
    if (!w->col) return CXM_ENOMEM;
    memcpy(w->col, s, (size_t)(colend - s));
    w->col[colend - s] = 0;
    const char *v = eq + 1;
    size_t cap = 1;
    for (const char *p = v; *p; p++) cap += *p == ',';
    w->values = calloc(cap, sizeof *w->values);
    if (!w->values) return CXM_ENOMEM;
    while (1) {
        const char *comma = strchr(v, ',');
        size_t len = comma ? (size_t)(comma - v) : strlen(v);
        char *val = malloc(len + 1);
        if (!val) return CXM_ENOMEM;
        memcpy(val, v, len);
        val[len] = 0;
        w->values[w->nvalues++] = val;
        if (!comma) break;
        v = comma + 1;
    }
    return CXM_OK;
}

static int parse_by(cxm_ctx *c, const char *list) {
    if (!list || !*list) return CXM_OK;
    size_t cap = 1;
    for (const char *p = list; *p; p++) cap += *p == ',';
    if (cap > CXM_MAX_GROUP_KEYS)
        return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--by: at most %u terms",
                            (unsigned)CXM_MAX_GROUP_KEYS);
    c->by = calloc(cap, sizeof *c->by);
    if (!c->by) return CXM_ENOMEM;
    const char *v = list;
    while (1) {
        const char *comma = strchr(v, ',');
        size_t len = comma ? (size_t)(comma - v) : strlen(v);
        cxm_byterm *t = &c->by[c->nby];
        t->name = malloc(len + 1);
        if (!t->name) return CXM_ENOMEM;
        memcpy(t->name, v, len);
        t->name[len] = 0;
        t->src = -1;
        cxm_dict_init(&t->dict, CXM_MAX_DICT_VALUES);
        c->nby++;
        static const char *const tn[] = {"day", "week", "month", "quarter", "year"};
        for (int k = 0; k < 5; k++) {
            if (!strcmp(t->name, tn[k])) {
                if (c->time_term >= 0)
                    return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                        "--by: only one time bucket (day, week, month, quarter or year) at a time");
                t->is_time = 1;
                t->bucket = (cxm_bucket)k;
                c->time_term = (int)(c->nby - 1);
            }
        }
        if (!len)
            return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--by '%s': empty term", list);
        for (size_t i = 0; i + 1 < c->nby; i++)
            if (!strcmp(c->by[i].name, t->name))
                return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--by: '%s' given twice", t->name);
        if (!comma) break;
        v = comma + 1;
    }
    return CXM_OK;
}

int cxm_ctx_init(cxm_ctx *c, const cxm_report_opts *o, cxm_buf *warnings, cxm_diag *diag) {
    memset(c, 0, sizeof *c);
    c->o = o;
    c->diag = diag;
    c->warnings = warnings;
    c->time_term = -1;
    c->need = CXM_NEED_ALL;
    c->from = c->to = c->as_of = CXM_TIME_NULL;
    c->max_time = c->min_created = CXM_TIME_NULL;
    cxm_dict_init(&c->ids, CXM_MAX_DICT_VALUES);
    cxm_idset_init(&c->seen, CXM_MAX_RECORDS);
    cxm_dict_init(&c->slakey, CXM_MAX_DICT_VALUES);
    int rc;
    if (cxm_defs_preset(o->preset, &c->defs))
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "--preset '%s': expected cxm, zendesk, intercom, helpscout, chatwoot or freshdesk",
                            o->preset);
    if (o->fcr_rule) {
        if (!strcmp(o->fcr_rule, "one_touch")) {
            c->defs.fcr_rule = FCR_ONE_TOUCH;
            c->defs.fcr_max_replies = 1;
        } else if (!strcmp(o->fcr_rule, "no_reopen")) c->defs.fcr_rule = FCR_NO_REOPEN;
        else if (!strcmp(o->fcr_rule, "no_followup")) c->defs.fcr_rule = FCR_NO_FOLLOWUP;
        else if (!strcmp(o->fcr_rule, "one_teammate")) c->defs.fcr_rule = FCR_ONE_TEAMMATE;
        else if (!strncmp(o->fcr_rule, "replies:", 8) && o->fcr_rule[8] >= '0' && o->fcr_rule[8] <= '9') {
            int64_t n;
            if (cxm_parse_int(o->fcr_rule + 8, strlen(o->fcr_rule + 8), &n) || n < 0 || n > 1000)
                return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--fcr-rule: replies:N needs N in 0..1000");
            c->defs.fcr_rule = FCR_REPLIES;
            c->defs.fcr_max_replies = (int)n;
        } else
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "--fcr-rule '%s': expected one_touch, no_reopen, replies:N, no_followup or "
                                "one_teammate",
                                o->fcr_rule);
    }
    if (o->fcr_denominator) {
        if (!strcmp(o->fcr_denominator, "contacts")) c->fcr_all_contacts = 1;
        else if (strcmp(o->fcr_denominator, "resolved"))
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "--fcr-denominator '%s': expected resolved or contacts", o->fcr_denominator);
    }
    c->confidence = o->confidence > 0 ? o->confidence : 0.95;
    if (!(c->confidence > 0 && c->confidence < 1))
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--confidence: expected a level between 0 and 1");
    if ((rc = cxm_tz_load(o->tz ? o->tz : "UTC", &c->tz, diag))) return rc == CXM_ENOTFOUND ? CXM_EUSAGE : rc;
    if ((rc = cxm_tz_load(o->input_tz ? o->input_tz : "UTC", &c->input_tz, diag)))
        return rc == CXM_ENOTFOUND ? CXM_EUSAGE : rc;
    c->order = CXM_DATE_YMD;
    if (o->date_order) {
        if (!strcmp(o->date_order, "dmy")) c->order = CXM_DATE_DMY;
        else if (!strcmp(o->date_order, "mdy")) c->order = CXM_DATE_MDY;
        else if (strcmp(o->date_order, "ymd"))
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--date-order: expected ymd, dmy or mdy");
    }
    /* files */
    if (o->store && (rc = cxm_store_snapshot_paths(o, &c->tickets_path, &c->messages_path, &c->responses_path, diag)))
        return rc; /* --store: the streams as CSV in a temporary directory (src/store/report_store.c) */
    if (o->tickets) c->tickets_path = xstrdup(o->tickets);
    else if (o->data_dir) c->tickets_path = find_stream(o->data_dir, "tickets");
    if (o->responses) c->responses_path = xstrdup(o->responses);
    else if (o->data_dir) c->responses_path = find_stream(o->data_dir, "responses");
    if (!c->tickets_path && !c->responses_path)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            o->data_dir ? "--data %s: no tickets.csv or responses.csv (or .ndjson, .jsonl) there"
                                        : "no input: give --tickets FILE, --responses FILE or --data DIR%s",
                            o->data_dir ? o->data_dir : "");
    if (o->messages) c->messages_path = xstrdup(o->messages);
    else if (o->data_dir) c->messages_path = find_stream(o->data_dir, "messages");
    if (o->calendar) {
        if ((rc = cxm_calset_load(o->calendar, c->tz, &c->cals, diag)))
            return rc == CXM_ENOTFOUND ? CXM_EUSAGE : rc;
    }
    if (o->time_basis) {
        if (!strcmp(o->time_basis, "business")) c->business = 1;
        else if (strcmp(o->time_basis, "calendar"))
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--time: expected calendar or business");
    } else if (c->defs.business_when_calendar && c->cals) {
        c->business = 1;
    }
    if (c->business && !c->cals)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "--time business needs --calendar FILE (docs/DATA.md, 'Calendar files')");
    if (o->sla) {
        if ((rc = cxm_sla_load(o->sla, &c->sla, diag))) return rc;
        for (size_t i = 0; i < c->sla->n; i++) /* the columns some rule names (sla_rules keys on them only) */
            c->sla_keys |= (c->sla->rules[i].priority ? 1u : 0u) | (c->sla->rules[i].channel ? 2u : 0u);
        for (size_t i = 0; i < c->sla->n; i++)
            if (c->sla->rules[i].business && !c->cals)
                return cxm_diag_set(diag, CXM_EUSAGE, o->sla, c->sla->rules[i].line, 0, NULL,
                                    "this rule counts business time, but no --calendar FILE was given");
    }
    if (o->from && (rc = parse_bound(c, o->from, "--from", 0, &c->from))) return rc;
    if (o->to && (rc = parse_bound(c, o->to, "--to", 1, &c->to))) return rc;
    if (o->as_of) {
        if ((rc = parse_bound(c, o->as_of, "--as-of", 0, &c->as_of))) return rc;
        c->as_of_given = 1;
    }
    if (c->from != CXM_TIME_NULL && c->to != CXM_TIME_NULL && c->to <= c->from)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--to must be after --from");
    if (o->nwhere > CXM_MAX_WHERE)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "at most %u --where terms", (unsigned)CXM_MAX_WHERE);
    if (o->nwhere) {
        c->where = calloc(o->nwhere, sizeof *c->where);
        if (!c->where) return CXM_ENOMEM;
        for (size_t i = 0; i < o->nwhere; i++) {
            c->nwhere++;
            if ((rc = parse_where(c, o->where[i], &c->where[i]))) return rc;
        }
    }
    return parse_by(c, o->by);
}

void cxm_ctx_free(cxm_ctx *c) {
    if (!c) return;
    cxm_tz_free(c->tz);
    cxm_tz_free(c->input_tz);
    cxm_calset_free(c->cals);
    cxm_sla_free(c->sla);
    cxm_store_snapshot_release(c->o, c->tickets_path, c->messages_path, c->responses_path);
    free(c->tickets_path);
    free(c->messages_path);
    free(c->responses_path);
    cxm_dict_free(&c->ids);
    cxm_idset_free(&c->seen);
    cxm_msgset_free(&c->msgs);
    cxm_colmap_free(&c->map);
    for (size_t i = 0; i < c->nwhere; i++) {
        free(c->where[i].col);
        for (size_t k = 0; k < c->where[i].nvalues; k++) free(c->where[i].values[k]);
        free(c->where[i].values);
    }
    free(c->where);
    for (size_t i = 0; i < c->nby; i++) {
        free(c->by[i].name);
        cxm_dict_free(&c->by[i].dict);
    }
    free(c->by);
    cxm_dict_free(&c->slakey);
    free((void *)c->slacache);
    memset(c, 0, sizeof *c);
}

int cxm_ctx_part_init(cxm_ctx *part, const cxm_ctx *c) {
    *part = *c; /* settings shared, read only */
    part->warnings = NULL;
    part->nwarn = part->bad_logged = 0;
    part->diag = &part->part_diag;
    part->parts = NULL;
    part->rows = part->kept = part->bad_rows = part->dup_rows = part->fcr_unknown = 0;
    part->max_time = part->min_created = CXM_TIME_NULL;
    cxm_idset_init(&part->seen, CXM_MAX_RECORDS);
    cxm_dict_init(&part->slakey, CXM_MAX_DICT_VALUES);
    part->slacache = NULL;
    part->slacache_cap = 0;
    memset(part->slamemo, 0, sizeof part->slamemo);
    part->by = NULL;
    if (!c->nby) return CXM_OK;
    if (!(part->by = malloc(c->nby * sizeof *part->by))) return CXM_ENOMEM;
    for (size_t i = 0; i < c->nby; i++) { /* names shared; values and memo the part's */
        part->by[i] = c->by[i];
        cxm_dict_init(&part->by[i].dict, CXM_MAX_DICT_VALUES);
        memset(part->by[i].memo, 0, sizeof part->by[i].memo);
    }
    return CXM_OK;
}

void cxm_ctx_part_free(cxm_ctx *part) {
    if (!part) return;
    cxm_idset_free(&part->seen);
    cxm_dict_free(&part->slakey);
    free((void *)part->slacache);
    for (size_t i = 0; part->by && i < part->nby; i++) cxm_dict_free(&part->by[i].dict);
    free(part->by);
    part->by = NULL;
    part->slacache = NULL;
}

int cxm_ctx_time_bucket(const cxm_ctx *c, cxm_bucket b, cxm_time t, int64_t *day) {
    int64_t local = cxm_tz_to_local(c->tz, cxm_floordiv(t, 1000));
    *day = cxm_bucket_start(b, cxm_floordiv(local, 86400));
    return CXM_OK;
}

static int has_col(const cxm_ctx *c, int canon) { return c->map.src[canon] >= 0; }

int cxm_ctx_supports(const cxm_ctx *c, int m, const char **reason) {
    int msgs = c->have_msgs;
    int resolved = has_col(c, TK_RESOLVED_AT) || msgs;
    *reason = NULL;
    switch (m) {
    case M_VOLUME: return 1;
    case M_BACKLOG:
    case M_RESOLUTION_TIME:
    case M_RESOLUTION_RATE:
        if (!resolved) *reason = "needs a resolved_at column or messages";
        return resolved;
    case M_FRT:
        if (has_col(c, TK_FIRST_RESPONSE_AT) || msgs) return 1;
        *reason = "needs a first_response_at column or messages";
        return 0;
    case M_REPLY_TIME:
        if (msgs) return 1;
        *reason = "needs messages (--messages FILE)";
        return 0;
    case M_FIRST_RESOLUTION_TIME:
        if (has_col(c, TK_FIRST_RESOLVED_AT) || resolved) return 1;
        *reason = "needs a first_resolved_at or resolved_at column or messages";
        return 0;
    case M_COMPLAINT_RESOLUTION_TIME:
        if (has_col(c, TK_COMPLAINT) && resolved) return 1;
        *reason = "needs complaint and resolved_at columns";
        return 0;
    case M_AHT:
        if (has_col(c, TK_HANDLE_SECONDS)) return 1;
        *reason = "needs a handle_seconds column";
        return 0;
    case M_ASA:
        if (has_col(c, TK_ANSWERED_AT)) return 1;
        *reason = "needs an answered_at column";
        return 0;
    case M_FCR: {
        if (c->defs.fcr_rule == FCR_ONE_TEAMMATE) /* teammates: messages with an agent column */
            return cxm_fcr_one_teammate_supported(msgs, c->msgs.has_agent, reason);
        int replies = has_col(c, TK_AGENT_REPLIES) || msgs, reopens = has_col(c, TK_REOPENS) || msgs;
        if (c->defs.fcr_rule == FCR_NO_FOLLOWUP) {
            int ok = resolved && (has_col(c, TK_CUSTOMER_REPLIES) || msgs);
            if (!ok) *reason = "needs resolved_at with a customer_replies column (or messages)";
            return ok;
        }
        int ok = resolved && (c->defs.fcr_rule == FCR_ONE_TOUCH   ? replies && reopens
                              : c->defs.fcr_rule == FCR_NO_REOPEN ? reopens
                                                                  : replies);
        if (!ok) *reason = "needs resolved_at with agent_replies and reopens columns (or messages)";
        return ok;
    }
    case M_REOPEN_RATE:
        if (resolved && (has_col(c, TK_REOPENS) || msgs)) return 1;
        *reason = "needs resolved_at and reopens columns (or messages)";
        return 0;
    case M_ABANDONMENT_RATE:
        if (has_col(c, TK_ABANDONED)) return 1;
        *reason = "needs an abandoned column";
        return 0;
    case M_SLA_COMPLIANCE:
        if (c->sla) return 1;
        *reason = "needs targets: --sla FILE";
        return 0;
    }
    *reason = "unknown metric";
    return 0;
}

/* ---- per-row work ------------------------------------------------------ */

static int fld_eq(const cxm_field *f, const char *s) {
    size_t n = strlen(s);
    if (!f->ptr) return n == 0;
    return f->len == n && !memcmp(f->ptr, s, n);
}

int cxm_tags_contain(const cxm_field *f, const char *tag) {
    if (!f->ptr) return 0;
    size_t n = strlen(tag), i = 0;
    while (i <= f->len) {
        size_t j = i;
        while (j < f->len && f->ptr[j] != ';') j++;
        size_t a = i, b = j;
        while (a < b && f->ptr[a] == ' ') a++;
        while (b > a && f->ptr[b - 1] == ' ') b--;
        if (b - a == n && !memcmp(f->ptr + a, tag, n)) return 1;
        i = j + 1;
    }
    return 0;
}

static int where_pass(const cxm_ctx *c, const cxm_field *f, size_t nf) {
    static const cxm_field empty = {NULL, 0};
    for (size_t i = 0; i < c->nwhere; i++) {
        const cxm_where *w = &c->where[i];
        if (w->src < 0 && c->columns_elsewhere) continue; /* a responses' column */
        const cxm_field *v = (w->src >= 0 && (size_t)w->src < nf) ? &f[w->src] : &empty;
        int hit = 0;
        for (size_t k = 0; k < w->nvalues && !hit; k++)
            hit = w->tags ? cxm_tags_contain(v, w->values[k]) : fld_eq(v, w->values[k]);
        if (hit == w->negate) return 0;
    }
    return 1;
}

static int resolve_columns(cxm_ctx *c, int final) {
    for (size_t i = 0; i < c->nwhere; i++) {
        cxm_where *w = &c->where[i];
        w->src = cxm_colmap_find(&c->map, c->names, c->ncols, w->col);
        w->tags = w->src >= 0 && w->src == c->map.src[TK_TAGS];
        if (w->src < 0 && final && !c->columns_elsewhere)
            return cxm_diag_set(c->diag, CXM_EUSAGE, c->tickets_path, 1, 0, NULL,
                                "--where: the tickets have no column '%s'", w->col);
    }
    for (size_t i = 0; i < c->nby; i++) {
        cxm_byterm *t = &c->by[i];
        if (t->is_time) continue;
        t->src = cxm_colmap_find(&c->map, c->names, c->ncols, t->name);
        if (t->src < 0 && final && !c->columns_elsewhere) {
            char cols[600];
            size_t n = 0;
            cols[0] = 0;
            for (size_t k = 0; k < c->ncols && n + 40 < sizeof cols; k++) {
                int w = snprintf(cols + n, sizeof cols - n, "%s%.*s", k ? ", " : "",
                                 (int)(c->names[k].len > 30 ? 30 : c->names[k].len), c->names[k].ptr);
                if (w > 0) n += (size_t)w;
            }
            return cxm_diag_set(c->diag, CXM_EUSAGE, c->tickets_path, 1, 0, NULL,
                                "--by: the tickets have no column '%s' (columns: %s; time buckets: day, week, "
                                "month, quarter, year)",
                                t->name, cols);
        }
    }
    return CXM_OK;
}

static const cxm_calendar *pick_calendar(const cxm_ctx *c, const cxm_field *f, size_t nf) {
    if (!c->cals) return NULL;
    size_t n = cxm_calset_count(c->cals);
    for (size_t i = 0; i < n; i++) {
        const cxm_calendar *cal = cxm_calset_get(c->cals, i);
        const char *const *cols, *const *vals;
        size_t nm;
        cxm_calendar_matches(cal, &cols, &vals, &nm);
        for (size_t k = 0; k < nm; k++) {
            int src = cxm_colmap_find(&c->map, c->names, c->ncols, cols[k]);
            if (src >= 0 && (size_t)src < nf && fld_eq(&f[src], vals[k])) return cal;
        }
    }
    return cxm_calset_default(c->cals);
}

static double secs(cxm_time a, cxm_time b) {
    if (a == CXM_TIME_NULL || b == CXM_TIME_NULL) return NAN;
    return (double)(b - a) / 1000.0;
}

static double bsecs(const cxm_calendar *cal, cxm_time a, cxm_time b) {
    if (!cal || a == CXM_TIME_NULL || b == CXM_TIME_NULL) return NAN;
    return (double)cxm_calendar_business_ms((cxm_calendar *)cal, a, b) / 1000.0;
}

/* The SLA rules of a ticket, cached per (priority, channel) text pair: one
 * dictionary lookup per ticket, the rule scan once per distinct pair. */
/* sla_rules' miss: the pair interned, its rules matched once, the memo
 * entry e filled (out of line: the hit path needs no key buffer). */
__attribute__((noinline)) static const cxm_sla_rule **sla_rules_miss(cxm_ctx *c, cxm_memo *e, const cxm_field *pf,
                                                                     const cxm_field *cf) {
    char key[256];
    uint32_t code;
    int added;
    size_t klen = pf->len + 1 + cf->len;
    if (pf->len) memcpy(key, pf->ptr, pf->len);
    key[pf->len] = 0; /* the separator: values may not hold NUL in a rule file */
    if (cf->len) memcpy(key + pf->len + 1, cf->ptr, cf->len);
    if (cxm_dict_intern(&c->slakey, key, klen, &code, &added)) return NULL;
    e->s = cxm_dict_str(&c->slakey, code);
    e->len = (uint32_t)klen;
    e->code = code;
    if (code >= c->slacache_cap) {
        size_t cap = c->slacache_cap ? c->slacache_cap * 2 : 64;
        while (cap <= code) cap *= 2;
        const cxm_sla_rule **p = realloc((void *)c->slacache, cap * SLA_NTARGETS * sizeof *p);
        if (!p) return NULL;
        c->slacache = p;
        c->slacache_cap = cap;
    }
    const cxm_sla_rule **r = &c->slacache[(size_t)code * SLA_NTARGETS];
    if (added)
        for (int t = 0; t < SLA_NTARGETS; t++)
            r[t] = cxm_sla_match(c->sla, t, pf->ptr, pf->len, cf->ptr, cf->len);
    return r;
}

static const cxm_sla_rule **sla_rules(cxm_ctx *c, const cxm_field *f, size_t nf) {
    static const cxm_field empty = {NULL, 0};
    /* a column no rule names cannot change the match: keyed as empty */
    int ps = c->sla_keys & 1u ? c->map.src[TK_PRIORITY] : -1, cs = c->sla_keys & 2u ? c->map.src[TK_CHANNEL] : -1;
    const cxm_field *pf = ps >= 0 && (size_t)ps < nf && f[ps].ptr ? &f[ps] : &empty;
    const cxm_field *cf = cs >= 0 && (size_t)cs < nf && f[cs].ptr ? &f[cs] : &empty;
    size_t klen = pf->len + 1 + cf->len;
    if (klen > 256) return NULL; /* no rule names such a value */
    /* a direct-mapped memo of recent pairs skips the dictionary's hash and
     * probe; it is looked up in place (the pair is copied into a key only
     * on a miss) */
    uint64_t h = cxm_hash_short(pf->ptr, pf->len);
    if (cf->len) h = h * 0x9e3779b97f4a7c15ull ^ cxm_hash_short(cf->ptr, cf->len);
    cxm_memo *e = &c->slamemo[(h ^ (h >> 32)) & (CXM_BYTERM_MEMO - 1)];
    if (e->s && e->len == klen && cxm_same_short(e->s, pf->ptr, pf->len) && !e->s[pf->len] &&
        cxm_same_short(e->s + pf->len + 1, cf->ptr, cf->len))
        return &c->slacache[(size_t)e->code * SLA_NTARGETS];
    return sla_rules_miss(c, e, pf, cf);
}

static cxm_time due_of(const cxm_sla_rule *r, const cxm_calendar *cal, cxm_time start) {
    if (r->business && cal) return cxm_calendar_add_business((cxm_calendar *)cal, start, r->threshold_ms);
    return start + r->threshold_ms;
}

static int sla_outcome(const cxm_sla_rule *r, const cxm_calendar *cal, cxm_time start, cxm_time end,
                       cxm_time *due) {
    *due = CXM_TIME_NULL;
    if (end == CXM_TIME_NULL) {
        *due = due_of(r, cal, start);
        return SLA_OPEN;
    }
    int64_t ms = r->business && cal ? cxm_calendar_business_ms((cxm_calendar *)cal, start, end) : end - start;
    return ms <= r->threshold_ms ? SLA_MET : SLA_BREACHED;
}

static void derive(cxm_ctx *c, const cxm_ticket *t, const cxm_field *f, size_t nf, cxm_derived *d) {
    const cxm_calendar *cal = pick_calendar(c, f, nf);
    d->cal = cal;
    d->frt_start = t->created;
    if (c->defs.frt_from_customer_msg && t->first_customer_msg != CXM_TIME_NULL &&
        t->first_customer_msg > t->created)
        d->frt_start = t->first_customer_msg;
    cxm_time first_res = t->first_resolved;
    if (first_res == CXM_TIME_NULL && t->resolved != CXM_TIME_NULL && t->reopens == 0) first_res = t->resolved;
    d->frt_cal = secs(d->frt_start, t->first_response);
    d->first_res_cal = secs(t->created, first_res);
    d->res_cal = secs(t->created, t->resolved);
    d->frt_bus = bsecs(cal, d->frt_start, t->first_response);
    d->first_res_bus = bsecs(cal, t->created, first_res);
    d->res_bus = bsecs(cal, t->created, t->resolved);
    if (c->business) {
        d->frt = d->frt_bus;
        d->first_res = d->first_res_bus;
        d->res = d->res_bus;
    } else {
        d->frt = d->frt_cal;
        d->first_res = d->first_res_cal;
        d->res = d->res_cal;
    }
    d->res_at = t->resolved;
    if (c->defs.resolution_first) { /* helpscout: a conversation is resolved once */
        d->res = d->first_res;
        d->res_at = first_res;
    }
    d->asa = secs(t->created, t->answered);
    d->aht = t->handle_ms >= 0 ? (double)t->handle_ms / 1000.0 : NAN;
    /* first contact resolution, over resolved tickets */
    d->fcr = -1;
    if (t->resolved != CXM_TIME_NULL && t->abandoned != 1) {
        switch (c->defs.fcr_rule) {
        case FCR_ONE_TOUCH:
        case FCR_REPLIES:
            if (t->agent_replies >= 0 && (c->defs.fcr_rule == FCR_REPLIES || t->reopens >= 0))
                d->fcr = t->agent_replies <= c->defs.fcr_max_replies &&
                         (c->defs.fcr_rule == FCR_REPLIES || t->reopens == 0);
            break;
        case FCR_NO_REOPEN:
            if (t->reopens >= 0) d->fcr = t->reopens == 0;
            break;
        case FCR_ONE_TEAMMATE: d->fcr = cxm_fcr_one_teammate(t); break;
        case FCR_NO_FOLLOWUP: /* the opening message is not a follow-up */
            if (t->customer_replies >= 0) d->fcr = t->customer_replies <= 1;
            break;
        }
    } else if (c->fcr_all_contacts && t->abandoned != 1) {
        d->fcr = 0; /* --fcr-denominator contacts: an unresolved contact was not resolved at first contact */
    }
    for (int k = 0; k < SLA_NTARGETS; k++) {
        d->sla[k] = SLA_NONE;
        d->sla_due[k] = CXM_TIME_NULL;
    }
    d->nr_met = d->nr_breached = 0;
    d->nr_open_due = CXM_TIME_NULL;
    if (c->sla && t->abandoned != 1) {
        const cxm_sla_rule **r = sla_rules(c, f, nf);
        if (r) {
            if (r[SLA_FIRST_RESPONSE])
                d->sla[SLA_FIRST_RESPONSE] = sla_outcome(r[SLA_FIRST_RESPONSE], cal, d->frt_start,
                                                         t->first_response, &d->sla_due[SLA_FIRST_RESPONSE]);
            if (r[SLA_RESOLUTION])
                d->sla[SLA_RESOLUTION] =
                    sla_outcome(r[SLA_RESOLUTION], cal, t->created, t->resolved, &d->sla_due[SLA_RESOLUTION]);
            if (r[SLA_NEXT_REPLY] && t->has_messages) {
                cxm_time due;
                for (uint32_t i = 0; i < t->nreplies; i++) {
                    int o = sla_outcome(r[SLA_NEXT_REPLY], cal, t->replies[2 * i], t->replies[2 * i + 1], &due);
                    if (o == SLA_MET) d->nr_met++;
                    else d->nr_breached++;
                }
                if (t->open_turn != CXM_TIME_NULL)
                    d->nr_open_due = due_of(r[SLA_NEXT_REPLY], cal, t->open_turn);
                d->sla[SLA_NEXT_REPLY] = d->nr_breached ? SLA_BREACHED
                                         : d->nr_open_due != CXM_TIME_NULL ? SLA_OPEN
                                         : d->nr_met ? SLA_MET : SLA_NONE;
            }
        }
    }
}

static void note_time(cxm_ctx *c, cxm_time t) {
    if (t != CXM_TIME_NULL && (c->max_time == CXM_TIME_NULL || t > c->max_time)) c->max_time = t;
}

int cxm_ctx_bad_row(cxm_ctx *c, const cxm_diag *d) {
    cxm_diag moved;
    if (c->col_remap && d->column && d->column <= c->ncol_remap) { /* a live report's file (see engine.h) */
        moved = *d;
        moved.column = c->col_remap[d->column - 1];
        d = &moved;
    }
    c->bad_rows++;
    if (c->o->strict) {
        *c->diag = *d;
        return CXM_EDATA;
    }
    if (c->bad_logged < CXM_MAX_BAD_ROW_MESSAGES) {
        char msg[1024];
        cxm_diag_format(d, msg, sizeof msg);
        cxm_ctx_warn(c, "%s (row skipped)", msg);
        c->bad_logged++;
    }
    return CXM_OK;
}

/* Messages are read before tickets; under --strict the loader stops on its
 * own, so the code returned here is not needed. */
static void msg_bad_row(void *ud, const cxm_diag *d) {
    if (cxm_ctx_bad_row(ud, d)) return;
}

/* Duplicate ids, in file order (the id set's ascending fast path applies:
 * see core/idset.h). */
static int mark_seen(cxm_ctx *c, const cxm_ticket *t, cxm_idkey key, uint64_t line, cxm_diag *rowdiag,
                     int *dup) {
    uint64_t first;
    *dup = 0;
    int asc = cxm_idset_ascends(&c->seen, t->id, t->idlen);
    int rc = cxm_idset_add_ordered(&c->seen, key, line, asc, &first);
    if (rc) return cxm_diag_set(c->diag, rc, c->tickets_path, line, 0, NULL, "too many distinct ticket ids");
    if (first) {
        *dup = 1;
        int src = c->map.src[TK_TICKET_ID];
        cxm_diag_set(rowdiag, CXM_EPARSE, c->tickets_path, line, (uint32_t)src + 1, "ticket_id",
                     "duplicate ticket_id '%.*s' (first seen on line %llu): expected each ticket once",
                     (int)(t->idlen > 80 ? 80 : t->idlen), t->id, (unsigned long long)first);
    }
    return CXM_OK;
}

/* ---- the pipeline ---------------------------------------------------------
 *
 * Reading is split in two stages over batches of rows, so that two cores
 * share the work while the order of rows (and so of warnings, duplicate
 * detection and every result) stays exactly that of the file:
 *
 *   stage A (a worker thread): scan records, apply --where, parse and check
 *     each ticket, copy the id and the fields later stages read;
 *   stage B (the caller's thread): duplicates, the merge with messages,
 *     derivation and the consumer (report kernels or the export).
 *
 * Batches circulate through io/batch.h's ring; stage A fills one while B
 * drains another. NDJSON input, whose header may grow, runs both stages in
 * the caller's thread.
 */
#include "io/batch.h"

enum { BATCH_ROWS = 4096 };

/* A batch slot's ticket values (cxm_batch.user). */
typedef struct tk_recs {
    cxm_ticket t[BATCH_ROWS];
    uint64_t line[BATCH_ROWS];
    cxm_idkey key[BATCH_ROWS]; /* id fingerprints */
} tk_recs;

typedef struct pipe {
    cxm_ctx *c;
    cxm_rows *r;
    cxm_parse_ctx pc;
    int *keep;                 /* source columns stage B reads */
    size_t nkeep;
    size_t batch_rows;         /* BATCH_ROWS, or 1 for NDJSON */
    int keep_all;              /* NDJSON: stage B reads every column */
    tk_recs rec[CXM_PIPE_NBATCH];
    cxm_pipeline pl;
} pipe_t;

/* NDJSON (one row a batch): stage B sees every column of the current header. */
static int keep_all_columns(pipe_t *P) {
    size_t n = P->c->ncols ? P->c->ncols : 1;
    int *keep = realloc(P->keep, n * sizeof *keep);
    if (!keep) return CXM_ENOMEM;
    P->keep = keep;
    P->nkeep = P->c->ncols;
    for (size_t i = 0; i < P->nkeep; i++) P->keep[i] = (int)i;
    for (int k = 0; k < CXM_PIPE_NBATCH; k++) {
        int rc = cxm_batch_fields(&P->pl.b[k], P->batch_rows, n);
        if (rc) return rc;
    }
    return CXM_OK;
}

/* Stage A: fills b with up to batch_rows good rows (and the bad ones met). */
static void fill(void *ud, cxm_batch *b) {
    pipe_t *P = ud;
    cxm_ctx *c = P->c;
    tk_recs *rec = b->user;
    const cxm_field *f;
    size_t nf;
    cxm_diag rowdiag;
    while (b->n < P->batch_rows) {
        int got = cxm_rows_next(P->r, &f, &nf, &rowdiag);
        if (got == 0) {
            b->eof = 1;
            break;
        }
        if (got < 0 && got != CXM_EPARSE) {
            b->rc = got;
            b->diag = rowdiag;
            break;
        }
        b->rows++;
        uint64_t line = cxm_rows_line(P->r) + c->line_offset;
        if (got == CXM_EPARSE) {
            cxm_ctx_stream_diag(c, c->tickets_path, &rowdiag);
            if ((b->rc = cxm_batch_bad(b, &rowdiag))) break;
            continue;
        }
        if (nf != c->ncols) { /* NDJSON met a new key (single-threaded mode only) */
            cxm_rows_header(P->r, &c->names, &c->ncols);
            cxm_colmap_free(&c->map);
            if ((b->rc = cxm_colmap_resolve(&c->map, &cxm_stream_tickets, c->tickets_path, c->names, c->ncols,
                                            c->o->map, c->o->nmap, &b->diag)) ||
                (b->rc = resolve_columns(c, 0))) {
                if (b->rc == CXM_EUSAGE || b->rc == CXM_EDATA) b->diag = *c->diag;
                break;
            }
            if (P->keep_all && (b->rc = keep_all_columns(P))) break;
        }
        if (c->nwhere && !where_pass(c, f, nf)) continue;
        cxm_ticket *t = &rec->t[b->n];
        if (cxm_ticket_parse(&P->pc, f, nf, line, t, &rowdiag)) {
            if ((b->rc = cxm_batch_bad(b, &rowdiag))) break;
            continue;
        }
        uint32_t off;
        rec->key[b->n] = cxm_idset_key(t->id, t->idlen);
        if ((b->rc = cxm_batch_bytes(b, t->id, t->idlen, &off))) break;
        t->id = (const char *)(uintptr_t)off; /* an offset until stage B */
        if ((b->rc = cxm_batch_keep(b, P->keep, P->nkeep, f, nf))) break;
        rec->line[b->n] = line;
        b->n++;
    }
    cxm_rows_progress(P->r, &b->done, &b->total);
}

/* Stage B: every row of b, in order. */
static int drain(pipe_t *P, cxm_batch *b, cxm_ticket_fn fn, cxm_field *fields) {
    cxm_ctx *c = P->c;
    tk_recs *rec = b->user;
    const cxm_report_opts *o = c->o;
    int rc = CXM_OK;
    size_t nb = 0;
    cxm_diag rowdiag;
    c->rows += b->rows;
    /* The id set's size, estimated once from the first batch's bytes per row. */
    if (!c->seen.expect && b->n && b->total && b->done) {
        double est = (double)b->total * (double)b->rows / (double)b->done * 1.05;
        cxm_idset_expect(&c->seen, est < 1e10 ? (size_t)est : 0);
    }
    enum { AHEAD = 12 };
    for (size_t i = 0; i < AHEAD && i < b->n; i++) cxm_idset_prefetch(&c->seen, rec->key[i]);
    for (size_t i = 0; i <= b->n && !rc; i++) {
        while (nb < b->nbad && b->bad[nb].at == i && !rc) rc = cxm_ctx_bad_row(c, &b->bad[nb++].d);
        if (rc || i == b->n) break;
        cxm_ticket *t = &rec->t[i];
        uint64_t line = rec->line[i];
        t->id = b->bytes + (uintptr_t)t->id;
        cxm_batch_view(b, i, P->keep, P->nkeep, fields);
        if (i + AHEAD < b->n) cxm_idset_prefetch(&c->seen, rec->key[i + AHEAD]);
        int dup;
        if ((rc = mark_seen(c, t, rec->key[i], line, &rowdiag, &dup))) break;
        if (dup) {
            c->dup_rows++;
            rc = cxm_ctx_bad_row(c, &rowdiag);
            continue;
        }
        if (c->have_msgs) {
            uint32_t code;
            if (cxm_dict_find(&c->ids, t->id, t->idlen, &code) && code < c->msgs.nfacts &&
                cxm_ticket_merge(t, &c->msgs.facts[code], c->msgs.replies, &P->pc, line, &rowdiag)) {
                rc = cxm_ctx_bad_row(c, &rowdiag);
                continue;
            }
        }
        /* the default --as-of: the latest creation, response or resolution
         * (the columns every report that depends on it reads) */
        note_time(c, t->created);
        note_time(c, t->first_response);
        note_time(c, t->resolved);
        if (c->min_created == CXM_TIME_NULL || t->created < c->min_created) c->min_created = t->created;
        c->kept++;
        cxm_derived d;
        derive(c, t, fields, c->ncols, &d);
        rc = fn(c, t, &d, fields, c->ncols);
    }
    if (!rc && b->rc) {
        *c->diag = b->diag;
        rc = b->rc;
    }
    if (!rc && o->progress) o->progress(o->ud, "tickets", b->done, b->total);
    return rc;
}

/* The source columns stage B reads: dimensions of --by, calendar matches,
 * SLA keys and the export's columns. */
static int plan_keep(pipe_t *P) {
    cxm_ctx *c = P->c;
    P->keep = malloc((c->ncols ? c->ncols : 1) * sizeof *P->keep);
    char *want = calloc(c->ncols ? c->ncols : 1, 1);
    if (!P->keep || !want) {
        free(want);
        return CXM_ENOMEM;
    }
    /* Each kept column is copied for every row: a report keeps only what it
     * reads (callgrind: 6 -> 3 copies a row for --by week,channel with SLA). */
    static const int canon[] = {TK_CHANNEL, TK_AGENT, TK_TEAM, TK_PRIORITY, TK_STATUS};
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++)
        if (!c->lean_fields && c->map.src[canon[i]] >= 0) want[c->map.src[canon[i]]] = 1;
    if (c->sla) /* sla_rules: priority and channel */
        for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++)
            if ((canon[i] == TK_PRIORITY || canon[i] == TK_CHANNEL) && c->map.src[canon[i]] >= 0)
                want[c->map.src[canon[i]]] = 1;
    for (size_t i = 0; i < c->nby; i++)
        if (c->by[i].src >= 0) want[c->by[i].src] = 1;
    /* --where runs on the raw row in stage A, but an answer joined to its
     * ticket takes the ticket's value in stage B (surveys.c where_keep):
     * without the copy every joined answer missed its ticket's value */
    for (size_t i = 0; i < c->nwhere; i++)
        if (c->where[i].src >= 0) want[c->where[i].src] = 1;
    if (c->cals) {
        for (size_t i = 0; i < cxm_calset_count(c->cals); i++) {
            const char *const *cols, *const *vals;
            size_t nm;
            cxm_calendar_matches(cxm_calset_get(c->cals, i), &cols, &vals, &nm);
            for (size_t k = 0; k < nm; k++) {
                int src = cxm_colmap_find(&c->map, c->names, c->ncols, cols[k]);
                if (src >= 0) want[src] = 1;
            }
        }
    }
    for (size_t i = 0; i < c->ncols; i++)
        if (want[i]) P->keep[P->nkeep++] = (int)i;
    free(want);
    for (int k = 0; k < CXM_PIPE_NBATCH; k++) {
        P->pl.b[k].user = &P->rec[k];
        int rc = cxm_batch_fields(&P->pl.b[k], P->batch_rows, P->nkeep);
        if (rc) return rc;
    }
    return CXM_OK;
}

/* ---- reading by ranges: every core parses, derives and aggregates -------------
 *
 * The pipeline keeps the file's order at a price: stage B runs on one core
 * while stage A parses on the other, and the slower of the two sets the
 * pace (on the benchmark they are about even, so neither core can take on
 * the other's work). When the consumer can merge parts (the report: its
 * aggregates are counts, proportions and value vectors, see
 * cxm_part_ops) and the tickets are CSV in a regular file, the file is cut
 * into one byte range per core (cxm_rows_open_range) and each thread does
 * both stages for its range, on a part context of its own (ids seen,
 * --by dictionaries, SLA cache, counters, and the consumer's groups). The
 * parts are then merged in file order. Settings, messages, calendars
 * (thread-safe: their tables fill under a mutex) and SLA rules are shared
 * and only read.
 *
 * What depends on the rows before is checked before the merge: the cuts
 * fall between records (cxm_rows_range_bounds), and no id is in two parts
 * (each part's ids ascend and begin after the previous part's last, else
 * each part's ids are looked up in the earlier parts' sets:
 * cxm_idset_meets). A part that meets a row to
 * report (bad, duplicate) or any error stops every part; the ranges are
 * then discarded, and the ordered pipeline reads the file again and
 * reports exactly what it always did. Such files pay the range attempt
 * up to the first anomaly.
 */
#include "io/ranges.h"

enum { TK_FALLBACK = CXM_RANGE_FALLBACK };

typedef struct tk_part tk_part;
struct tk_part {
    cxm_range g;               /* first: the range, its reader and status (io/ranges.h) */
    cxm_ctx *c;                /* the consumer's part context (owned through part_free) */
    cxm_ticket_fn fn;
    cxm_parse_ctx pc;
    char *first_id;            /* the part's first ticket id (owned) */
    size_t first_len;
    int lazy;                  /* ids only checked for order so far (part_materialize) */
    uint64_t nids;             /* ids seen while lazy */
};

/* The part's ticket ids so far (P->nids, all ascending) into its id set,
 * which until now only tracked their order: while a part's ids ascend
 * none can repeat, so part_row remembers none (no fingerprint, no 16-byte
 * list entry). At the first id out of order, or at the merge when parts
 * must be compared, the range is read again up to there: the same rows
 * pass --where and hold the same ids (cxm_ticket_parse takes the field as
 * it is). 0, TK_FALLBACK (a repeat: the ordered pass reports it) or a
 * negative code. */
static int part_materialize(tk_part *P) {
    cxm_ctx *c = P->c;
    cxm_rows *r = NULL;
    cxm_diag d;
    const cxm_field *f;
    size_t nf;
    uint64_t n = 0, first;
    int rc = CXM_OK, src = c->map.src[TK_TICKET_ID];
    P->lazy = 0;
    if (!P->nids) return CXM_OK;
    if (src < 0 ||
        cxm_rows_open_range(&r, c->tickets_path, c->o->delimiter ? c->o->delimiter : ',', P->g.start, P->g.end, &d))
        return TK_FALLBACK;
    rc = cxm_range_reserve_ids(&P->g, P->nids, &c->seen);
    while (!rc && n < P->nids) {
        if (cxm_rows_next(r, &f, &nf, &d) != 1 || (size_t)src >= nf) {
            rc = TK_FALLBACK; /* (cannot happen: the same bytes read alike) */
            break;
        }
        if ((c->nwhere && !where_pass(c, f, nf)) || !f[src].len) continue;
        if ((rc = cxm_idset_add(&c->seen, cxm_idset_key(f[src].ptr, f[src].len), cxm_rows_line(r), &first))) break;
        if (first) rc = TK_FALLBACK;
        n++;
    }
    cxm_rows_free(r);
    return rc;
}

/* One record of a part: fill()'s and drain()'s work for it. 0,
 * TK_FALLBACK for a row to report, or a negative code. */
static int part_row(tk_part *P, const cxm_field *f, size_t nf) {
    cxm_ctx *c = P->c;
    cxm_diag d;
    if (c->nwhere && !where_pass(c, f, nf)) return CXM_OK;
    uint64_t line = cxm_rows_line(P->g.r);
    cxm_ticket t;
    if (cxm_ticket_parse(&P->pc, f, nf, line, &t, &d)) return TK_FALLBACK;
    int asc = cxm_idset_ascends(&c->seen, t.id, t.idlen), rc;
    if (!P->first_id) {
        if (!(P->first_id = malloc(t.idlen ? t.idlen : 1))) return CXM_ENOMEM;
        memcpy(P->first_id, t.id, t.idlen);
        P->first_len = t.idlen;
    }
    if (asc && P->lazy) {
        P->nids++; /* after every earlier id, so new: nothing to remember (see part_materialize) */
    } else {
        uint64_t first;
        if (P->lazy && (rc = part_materialize(P))) return rc;
        if ((rc = cxm_idset_add_ordered(&c->seen, cxm_idset_key(t.id, t.idlen), line, asc, &first))) return rc;
        if (first) return TK_FALLBACK;
    }
    if (c->have_msgs) {
        uint32_t code;
        if (cxm_dict_find(&c->ids, t.id, t.idlen, &code) && code < c->msgs.nfacts &&
            cxm_ticket_merge(&t, &c->msgs.facts[code], c->msgs.replies, &P->pc, line, &d))
            return TK_FALLBACK;
    }
    note_time(c, t.created);
    note_time(c, t.first_response);
    note_time(c, t.resolved);
    if (c->min_created == CXM_TIME_NULL || t.created < c->min_created) c->min_created = t.created;
    c->kept++;
    cxm_derived dv;
    derive(c, &t, f, nf, &dv);
    return P->fn(c, &t, &dv, f, nf);
}

/* io/ranges' callbacks: a record (one the header's width, else the
 * ordered pass reports it), and the size estimate for the id set. */
static int part_record(void *part, const cxm_field *f, size_t nf) {
    tk_part *P = part;
    if (nf != P->c->ncols) return TK_FALLBACK;
    P->c->rows++;
    return part_row(P, f, nf);
}

static void part_expect(void *part, size_t records) {
    tk_part *P = part;
    cxm_idset_expect(&P->c->seen, records);
}

/* 1 if every part read its range, the cuts fell between records and no id
 * is in two parts; *rc a failed check (then 0 too). */
static int parts_agree(tk_part *parts, size_t n, int *rc) {
    uint64_t ids = 0;
    for (size_t k = 0; k < n; k++) {
        if (parts[k].g.status || (k + 1 < n && parts[k].g.bounds.stop != parts[k + 1].g.bounds.first)) return 0;
        ids += parts[k].lazy ? parts[k].nids : parts[k].c->seen.count + parts[k].c->seen.nlist;
    }
    if (ids >= parts[0].c->seen.max) return 0; /* the ordered pass says so */
    int ordered = 1, dup = 0;
    const tk_part *prev = NULL;
    for (size_t k = 0; k < n && ordered; k++) {
        if (!parts[k].first_id) continue;
        ordered = parts[k].c->seen.ascending &&
                  (!prev || cxm_idset_before(&prev->c->seen, parts[k].first_id, parts[k].first_len));
        prev = &parts[k];
    }
    for (size_t k = 0; !ordered && k < n && !*rc; k++)
        if (parts[k].lazy && (*rc = part_materialize(&parts[k]))) return 0;
    /* each part's ids looked up in the earlier parts' tables (read only) */
    for (size_t k = 1; !ordered && k < n && !dup; k++)
        for (size_t j = 0; j < k && !dup; j++)
            dup = parts[j].c->seen.nlist ? 1 /* (not in range mode: the ordered pass decides) */
                                         : cxm_idset_meets(&parts[j].c->seen, &parts[k].c->seen);
    return !dup && !*rc;
}

/* Reads the CSV tickets by ranges on every core. 1 when the consumer's
 * results are in c; 0 when the ordered pipeline must read the file
 * (nothing in c changed); *rc a fatal error. */
static int run_ranges(cxm_ctx *c, cxm_ticket_fn fn, int *rc) {
    const cxm_report_opts *o = c->o;
    *rc = CXM_OK;
    cxm_range_job j = {.path = c->tickets_path, .delimiter = o->delimiter, .stride = sizeof(tk_part),
                       .row = part_record, .expect = part_expect, .what = "tickets", .progress = o->progress,
                       .ud = o->ud};
    if (!(j.n = cxm_range_plan(c->tickets_path, &j.size))) return 0;
    tk_part *parts = calloc(j.n, sizeof *parts);
    if (!parts) return 0;
    j.parts = parts;
    size_t n = j.n;
    int ok = 1;
    for (size_t k = 0; k < n && ok; k++) {
        tk_part *P = &parts[k];
        P->fn = fn;
        P->lazy = 1;
        if (!(P->c = c->parts->part_new(c))) ok = 0;
        else P->pc = (cxm_parse_ctx){c->tickets_path, &c->map, c->names, c->input_tz, c->order, c->need};
    }
    if (ok && cxm_range_open(&j)) ok = 0;
    if (ok) {
        cxm_range_run(&j);
        int crc = CXM_OK; /* a failed check (no memory) leaves it to the ordered pass */
        ok = parts_agree(parts, n, &crc);
    }
    for (size_t k = 0; ok && k < n && !*rc; k++) {
        const cxm_ctx *p = parts[k].c;
        c->rows += p->rows;
        c->kept += p->kept;
        c->fcr_unknown += p->fcr_unknown;
        note_time(c, p->max_time);
        if (p->min_created != CXM_TIME_NULL && (c->min_created == CXM_TIME_NULL || p->min_created < c->min_created))
            c->min_created = p->min_created;
        *rc = c->parts->part_merge(c, parts[k].c);
    }
    if (ok && !*rc && o->progress) o->progress(o->ud, "tickets", j.size, j.size);
    for (size_t k = 0; k < n; k++) {
        cxm_range_close(&parts[k].g);
        free(parts[k].first_id);
        c->parts->part_free(parts[k].c);
    }
    free(parts);
    return ok;
}

static int finish_run(cxm_ctx *c);
static int read_tickets(cxm_ctx *c, cxm_ticket_fn fn, int finish);

void cxm_ctx_stream_diag(const cxm_ctx *c, const char *stream_path, cxm_diag *d) {
    if (!c->read_path) return;
    snprintf(d->file, sizeof d->file, "%s", stream_path);
    if (d->line) d->line += c->line_offset;
}

int cxm_ctx_read_file(cxm_ctx *c, cxm_ticket_fn fn) {
    cxm_colmap_free(&c->map); /* this file's header maps anew */
    const cxm_part_ops *parts = c->parts;
    c->parts = NULL; /* in order, so that the id set keeps every id */
    int rc = read_tickets(c, fn, 0);
    c->parts = parts;
    c->names = NULL; /* (borrowed from the reader, now freed) */
    c->ncols = 0;
    return rc;
}

int cxm_ctx_run(cxm_ctx *c, cxm_ticket_fn fn) {
    const cxm_report_opts *o = c->o;
    int rc;
    if (c->messages_path) {
        cxm_msg_opts mo = {c->messages_path, o->delimiter, o->map, o->nmap, c->input_tz, c->order,
                           c->defs.bots_respond, o->strict, msg_bad_row, c};
        if (o->progress) o->progress(o->ud, "messages", 0, 0);
        rc = cxm_msgset_load(&mo, &c->ids, &c->msgs, c->diag);
        if (rc) return rc;
        c->have_msgs = 1;
        if (c->msgs.bad_rows)
            cxm_ctx_warn(c, "%s: %llu bad rows skipped", c->messages_path, (unsigned long long)c->msgs.bad_rows);
    }
    return read_tickets(c, fn, 1);
}

/* The tickets file (c->read_path, else c->tickets_path) to fn; finish: then
 * the end-of-run checks and summary (finish_run). */
static int read_tickets(cxm_ctx *c, cxm_ticket_fn fn, int finish) {
    const cxm_report_opts *o = c->o;
    const char *path = c->read_path ? c->read_path : c->tickets_path;
    cxm_rows *r = NULL;
    cxm_rows_format fmt = cxm_rows_guess_format(path);
    int rc = cxm_rows_open(&r, path, fmt, o->delimiter ? o->delimiter : ',', c->diag);
    if (rc) return rc;
    cxm_rows_header(r, &c->names, &c->ncols);
    if ((rc = cxm_colmap_resolve(&c->map, &cxm_stream_tickets, c->tickets_path, c->names, c->ncols, o->map,
                                 o->nmap, c->diag)) ||
        (rc = resolve_columns(c, fmt == CXM_ROWS_CSV))) {
        cxm_rows_free(r);
        return rc;
    }
    if (fmt == CXM_ROWS_CSV && c->parts && run_ranges(c, fn, &rc)) {
        if (!rc && finish) rc = finish_run(c); /* (reads the header: before the reader is freed) */
        cxm_rows_free(r);
        return rc;
    }
    pipe_t *P = calloc(1, sizeof *P);
    cxm_field *fields = NULL;
    size_t nfields = 0;
    if (!P) {
        cxm_rows_free(r);
        return CXM_ENOMEM;
    }
    P->c = c;
    P->r = r;
    P->pc = (cxm_parse_ctx){c->tickets_path, &c->map, c->names, c->input_tz, c->order, c->need};
    int threaded = fmt == CXM_ROWS_CSV;
    P->batch_rows = threaded ? BATCH_ROWS : 1;
    P->keep_all = !threaded;
    rc = plan_keep(P);
    if (!rc && P->keep_all) rc = keep_all_columns(P);
    if (!rc) cxm_pipeline_start(&P->pl, threaded, fill, P);
    while (!rc) {
        cxm_batch *b = cxm_pipeline_next(&P->pl);
        if (c->ncols + 1 > nfields) { /* NDJSON may have grown the header */
            cxm_field *nf = realloc(fields, (c->ncols + 1) * sizeof *nf);
            if (!nf) rc = CXM_ENOMEM;
            else {
                memset(nf + nfields, 0, (c->ncols + 1 - nfields) * sizeof *nf);
                fields = nf;
                nfields = c->ncols + 1;
            }
        }
        if (!rc) rc = drain(P, b, fn, fields);
        int last = b->eof || b->rc;
        cxm_pipeline_release(&P->pl, rc != 0);
        if (last) break;
    }
    cxm_pipeline_finish(&P->pl);
    free(fields);
    free(P->keep);
    free(P);
    if (!rc && finish) rc = finish_run(c); /* (reads the header: before the reader is freed) */
    cxm_rows_free(r);
    return rc;
}

/* After the last row: final column checks, --as-of, the bad-row summary. */
static int finish_run(cxm_ctx *c) {
    int rc = resolve_columns(c, 1);
    if (rc) return rc;
    if (c->have_msgs) note_time(c, c->msgs.max_time);
    if (!c->as_of_given) c->as_of = c->max_time;
    cxm_ctx_warn_bad_rows(c);
    return CXM_OK;
}

void cxm_ctx_warn_bad_rows(cxm_ctx *c) {
    if (c->bad_rows > c->bad_logged)
        cxm_ctx_warn(c, "%llu more bad rows not listed", (unsigned long long)(c->bad_rows - c->bad_logged));
    if (c->bad_rows)
        cxm_ctx_warn(c, "%s: %llu of %llu rows were bad and skipped (%llu duplicates); --strict makes the first one an error",
                     c->tickets_path, (unsigned long long)c->bad_rows, (unsigned long long)c->rows,
                     (unsigned long long)c->dup_rows);
}
