/*
 * surveys.c - the survey family of a report: reads the responses stream,
 * aggregates a mergeable score histogram (metrics/survey.h) per group and
 * survey, and emits CSAT, CES, NPS, eNPS, ESAT, the response rate and the
 * score distribution with their intervals, minimum-n flags and, with
 * --compare, the previous period's value, the change and its significance.
 *
 * Groups use the report's --by terms: the time bucket of `at`, and each
 * column from the response row, or, when the responses lack it, from the
 * ticket the answer is about (ticket_id), recorded while the tickets are
 * read. A survey's scale is its first row's (scale_min/scale_max, else the
 * default for its name); a row with another scale is a bad row.
 *
 * CSV responses are read by two threads (see "reading" below): a worker
 * parses rows into batches, the caller's thread applies them in file
 * order, so results and warnings are those of a single-threaded read.
 *
 * Sizes: tens of millions of answers, thousands of groups; one 824-byte
 * histogram per (group, survey) in use; three batches of 4096 rows in
 * flight (their bytes grow to the kept columns of 4096 rows).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/diag.h"
#include "core/idset.h"
#include "core/limits.h"
#include "metrics/compare.h"
#include "metrics/report.h"
#include "metrics/result.h"
#include "metrics/survey.h"
#include "text/text.h"
#include "stats/stats.h"

enum { MAX_SURVEYS = 64 };

typedef struct survey_kind {
    char name[32];             /* lower case */
    char raw[32];              /* the spelling last found for it (kind_of's memo) */
    size_t rawlen;
    const char *kept;          /* name copied into the result set (results outlive S) */
    cxm_survey_scale scale;
    int metric;                /* cxm_survey_metric, or -1 for other names */
} survey_kind;

typedef struct join_term {
    const char *name;          /* borrowed from the report's options */
    int by;                    /* index of the --by term, or -1 (a --where column) */
    int tsrc;                  /* source column in the tickets */
    cxm_dict dict;             /* values of --where columns */
    uint32_t *code;            /* ticket code -> value code (UINT32_MAX missing) */
    size_t cap;
} join_term;

typedef struct sv_state {
    cxm_survey_state h;
    uint64_t unanswered;       /* rows without a score: sent, not answered */
    uint64_t commented;        /* answers with a comment (theme shares' denominator) */
} sv_state;

struct cxm_surveys {
    report *R;
    char *path;                /* owned */
    cxm_survey_def defs[CXM_SURVEY_NMETRICS];
    survey_kind kinds[MAX_SURVEYS];
    size_t nkinds;
    gtable g;                  /* groups (full --by key) */
    gtable gp;                 /* comparison window groups (key without the time term) */
    cxm_dict skey;             /* (group code, kind, window) -> state index */
    sv_state *st;
    size_t nst, stcap;
    int compare;               /* 0 none, 1 previous bucket, 2 window */
    cxm_time cmp_from, cmp_to; /* window mode */
    /* columns */
    cxm_colmap map;
    int by_src[CXM_MAX_GROUP_KEYS];    /* response column of each --by term, -1 */
    int by_join[CXM_MAX_GROUP_KEYS];   /* join term of each --by term, -1 */
    int where_src[CXM_MAX_WHERE];
    int where_join[CXM_MAX_WHERE];
    join_term joins[CXM_MAX_GROUP_KEYS + CXM_MAX_WHERE];
    size_t njoins;
    cxm_dict tids;             /* ticket ids seen by the tickets pass */
    int any_unanswered;
    uint64_t bad_rows, rows;
    cxm_idset seen;
    /* themes (--themes): matched in each answer's comment */
    cxm_text *text;
    cxm_themes *themes;
    uint32_t *tids_buf;        /* CXM_MAX_THEMES matches of one comment */
    const char **theme_kept;   /* theme names copied into the result set */
    /* Duplicate checks run 16 rows behind the parser so each row's id-set
     * slot can be prefetched (the set holds tens of millions of ids: a
     * cache miss a row otherwise; the survey benchmark went from 2.55 s to
     * 1.28 s on 5M answers). Rows wait in the ring with their group key;
     * a bad row first settles every pending one, so warnings keep file
     * order. Used when no comment or comparison work follows the check. */
    int defer, draining;
    struct pend {
        cxm_idkey k;
        uint64_t line;
        uint64_t key[CXM_MAX_GROUP_KEYS];
        int inwin, sc, asc;
        size_t kidx;
        char id[80];
        int idlen;
    } ring[16];
    size_t rhead, rcount;
    struct smemo {
        uint64_t key[CXM_MAX_GROUP_KEYS];
        size_t kidx, ix;
        int ok;
    } smemo[256];
};

static void lower_copy(char *dst, size_t cap, const char *s, size_t n) {
    if (n >= cap) n = cap - 1;
    for (size_t i = 0; i < n; i++) dst[i] = (char)tolower((unsigned char)s[i]);
    dst[n] = 0;
}

static int opt_def(struct cxm_surveys *S, cxm_diag *diag) {
    const cxm_report_opts *o = S->R->c.o;
    int rc;
    for (int m = 0; m < CXM_SURVEY_NMETRICS; m++) {
        cxm_survey_variant v = CXM_SURVEY_DEFAULT;
        const char *vname = NULL;
        if ((m == CXM_SURVEY_CSAT || m == CXM_SURVEY_ESAT) && o->csat_variant) vname = o->csat_variant;
        if (m == CXM_SURVEY_CES && o->ces_variant) vname = o->ces_variant;
        if (vname && cxm_survey_variant_parse(vname, &v))
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "unknown survey variant '%s'", vname);
        if ((rc = cxm_survey_def_init(&S->defs[m], (cxm_survey_metric)m, v, diag))) return CXM_EUSAGE;
        cxm_survey_def *d = &S->defs[m];
        d->confidence = S->R->c.confidence;
        d->min_n = o->min_n < 0 ? 0 : o->min_n == 0 ? 30 : (uint64_t)o->min_n;
        if ((m == CXM_SURVEY_CSAT || m == CXM_SURVEY_ESAT) && o->csat_boxes) {
            if ((rc = cxm_survey_boxes_parse(o->csat_boxes, &d->boxes, diag))) return CXM_EUSAGE;
            d->has_boxes = 1;
        }
        if (m == CXM_SURVEY_CES) {
            if (o->ces_polarity) {
                if (!strcmp(o->ces_polarity, "effort")) d->polarity = CXM_SURVEY_EFFORT;
                else if (strcmp(o->ces_polarity, "agreement"))
                    return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                        "--ces-polarity '%s': expected agreement or effort", o->ces_polarity);
            }
            if (o->ces_threshold) d->threshold = o->ces_threshold;
        }
        if (m == CXM_SURVEY_NPS || m == CXM_SURVEY_ENPS) {
            if (o->nps_buckets) {
                int a, b;
                char tail;
                if (sscanf(o->nps_buckets, "%d,%d%c", &a, &b, &tail) != 2 || a < 0 || b <= a + 0)
                    return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                        "--nps-buckets '%s': expected D,P with detractors up to D and promoters from "
                                        "P, e.g. 6,9",
                                        o->nps_buckets);
                d->detractor_max = a;
                d->promoter_min = b;
            }
            if (o->nps_ci) {
                if (!strcmp(o->nps_ci, "adjusted_wald")) d->nps_ci = CXM_SURVEY_NPS_ADJUSTED_WALD;
                else if (strcmp(o->nps_ci, "wald"))
                    return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                        "--nps-ci '%s': expected wald or adjusted_wald", o->nps_ci);
            }
        }
    }
    return CXM_OK;
}

/* --compare: the period rules are shared with the support metrics (compare.h). */
static int parse_compare(struct cxm_surveys *S, cxm_diag *diag) {
    cxm_compare_spec spec;
    int rc = cxm_compare_parse(&S->R->c, S->R->c.o->compare, &spec, diag);
    if (rc) return rc;
    S->compare = spec.mode;
    S->cmp_from = spec.from;
    S->cmp_to = spec.to;
    return CXM_OK;
}

static int resolve_header(struct cxm_surveys *S, cxm_rows *r);

static int needs_surveys(const report *R) {
    for (size_t i = 0; i < R->norder; i++)
        if (cxm_is_survey_metric(R->order[i])) return 1;
    return 0;
}

int cxm_surveys_init(report *R) {
    cxm_ctx *c = &R->c;
    if (!needs_surveys(R)) return CXM_OK;
    struct cxm_surveys *S = calloc(1, sizeof *S);
    if (!S) return CXM_ENOMEM;
    R->sv = S;
    S->R = R;
    cxm_gtable_init(&S->g, 1);
    cxm_gtable_init(&S->gp, 1);
    cxm_dict_init(&S->skey, CXM_MAX_GROUPS);
    cxm_dict_init(&S->tids, CXM_MAX_DICT_VALUES);
    cxm_idset_init(&S->seen, CXM_MAX_RECORDS);
    int rc;
    if ((rc = opt_def(S, c->diag)) || (rc = parse_compare(S, c->diag))) return rc;
    if (c->o->themes) {
        if ((rc = cxm_text_new(&S->text, c->diag)) || (rc = cxm_themes_load(S->text, c->o->themes, &S->themes, c->diag)))
            return rc == CXM_ENOTFOUND || rc == CXM_EIO ? CXM_EIO : rc == CXM_ENOMEM ? rc : CXM_EDATA;
        if (!(S->tids_buf = malloc((cxm_themes_count(S->themes) + 1) * sizeof *S->tids_buf))) return CXM_ENOMEM;
    }
    if (!c->responses_path) return CXM_OK; /* every survey metric is then null with a reason */
    size_t n = strlen(c->responses_path);
    if (!(S->path = malloc(n + 1))) return CXM_ENOMEM;
    memcpy(S->path, c->responses_path, n + 1);
    if (R->live) return CXM_OK; /* each file's header is read as it is added (cxm_surveys_read_file) */
    /* the header: which columns come from the responses, which from tickets */
    cxm_rows *r = NULL;
    rc = cxm_rows_open(&r, S->path, cxm_rows_guess_format(S->path), c->o->delimiter ? c->o->delimiter : ',',
                       c->diag);
    if (rc) return rc;
    rc = resolve_header(S, r);
    cxm_rows_free(r);
    return rc;
}

/* The responses' header (r's): the column map, and which --by/--where
 * columns come from the responses, which from the tickets (joins). */
static int resolve_header(struct cxm_surveys *S, cxm_rows *r) {
    cxm_ctx *c = &S->R->c;
    const cxm_field *names;
    size_t ncols;
    cxm_rows_header(r, &names, &ncols);
    int rc = cxm_colmap_resolve(&S->map, &cxm_stream_responses, S->path, names, ncols, c->o->map, c->o->nmap,
                                c->diag);
    for (size_t i = 0; !rc && i < c->nby; i++) {
        S->by_src[i] = S->by_join[i] = -1;
        if (c->by[i].is_time) continue;
        S->by_src[i] = cxm_colmap_find(&S->map, names, ncols, c->by[i].name);
        if (S->by_src[i] < 0) {
            join_term *j = &S->joins[S->njoins];
            j->name = c->by[i].name;
            j->by = (int)i;
            cxm_dict_init(&j->dict, CXM_MAX_DICT_VALUES);
            S->by_join[i] = (int)S->njoins++;
        }
    }
    for (size_t i = 0; !rc && i < c->nwhere; i++) {
        S->where_src[i] = cxm_colmap_find(&S->map, names, ncols, c->where[i].col);
        S->where_join[i] = -1;
        if (S->where_src[i] < 0) {
            join_term *j = &S->joins[S->njoins];
            j->name = c->where[i].col;
            j->by = -1;
            cxm_dict_init(&j->dict, CXM_MAX_DICT_VALUES);
            S->where_join[i] = (int)S->njoins++;
        }
    }
    if (!rc && S->njoins && (S->map.src[RS_TICKET_ID] < 0 || !c->tickets_path)) {
        const char *col = S->njoins ? S->joins[0].name : "";
        rc = cxm_diag_set(c->diag, CXM_EUSAGE, S->path, 1, 0, NULL,
                          "the responses have no column '%s'%s", col,
                          S->map.src[RS_TICKET_ID] < 0 ? " and no ticket_id to take it from the tickets"
                                                       : " (give --tickets to take it from each answer's ticket)");
    }
    return rc;
}

int cxm_surveys_need_tickets(const report *R) { return R->sv && R->sv->njoins; }

int cxm_surveys_note_ticket(report *R, const cxm_ticket *t, const cxm_field *f, size_t nf) {
    struct cxm_surveys *S = R->sv;
    cxm_ctx *c = &R->c;
    uint32_t code;
    int added, rc;
    if ((rc = cxm_dict_intern(&S->tids, t->id, t->idlen, &code, &added))) return rc;
    for (size_t k = 0; k < S->njoins; k++) {
        join_term *j = &S->joins[k];
        if (j->tsrc == 0 && j->code == NULL) /* first ticket: find the column */
            j->tsrc = cxm_colmap_find(&c->map, c->names, c->ncols, j->name) + 1;
        int src = j->tsrc - 1;
        if (code >= j->cap) {
            size_t cap = j->cap ? j->cap * 2 : 1024;
            while (cap <= code) cap *= 2;
            uint32_t *p = realloc(j->code, cap * sizeof *p);
            if (!p) return CXM_ENOMEM;
            memset(p + j->cap, 0xff, (cap - j->cap) * sizeof *p);
            j->code = p;
            j->cap = cap;
        }
        uint32_t v = UINT32_MAX;
        if (src >= 0 && (size_t)src < nf && f[src].ptr && f[src].len) {
            cxm_dict *d = j->by >= 0 ? &c->by[j->by].dict : &j->dict;
            if ((rc = cxm_dict_intern(d, f[src].ptr, f[src].len, &v, NULL))) return rc;
        }
        j->code[code] = v;
    }
    return CXM_OK;
}

/* The kind of a survey name (n > 0) among kinds[0..nkinds), or NULL if
 * new. Each kind remembers the spelling last found for it, so names mixed
 * row by row (nps, csat, ...) are matched by their bytes without lowering
 * them. */
static survey_kind *kind_of(survey_kind *kinds, size_t nkinds, const char *name, size_t n) {
    for (size_t i = 0; i < nkinds; i++)
        if (kinds[i].rawlen == n && !memcmp(kinds[i].raw, name, n)) return &kinds[i];
    char low[32];
    lower_copy(low, sizeof low, name, n);
    for (size_t i = 0; i < nkinds; i++)
        if (!strcmp(kinds[i].name, low)) {
            if (n < sizeof kinds[i].raw) {
                memcpy(kinds[i].raw, name, n);
                kinds[i].rawlen = n;
            }
            return &kinds[i];
        }
    return NULL;
}

static int drain(struct cxm_surveys *S, size_t keep);

static int bad_row(struct cxm_surveys *S, const cxm_diag *d) {
    cxm_ctx *c = &S->R->c;
    if (!S->draining && S->rcount) {
        cxm_diag copy = *d;
        int rc0 = drain(S, 0);
        if (rc0) return rc0;
        return bad_row(S, &copy);
    }
    S->bad_rows++;
    return cxm_ctx_bad_row(c, d);
}

/* The key of a state: group, survey kind, window (0 report, 1 comparison)
 * and theme (0: all answers; t + 1: answers whose comment mentions theme t). */
typedef struct skey {
    uint32_t group, kind, window, theme;
} skey;

static int state_of_theme(struct cxm_surveys *S, uint32_t group, size_t kind, int window, uint32_t theme,
                          sv_state **out) {
    skey k = {group, (uint32_t)kind, (uint32_t)window, theme};
    uint32_t code;
    int added;
    int rc = cxm_dict_intern(&S->skey, (const char *)&k, sizeof k, &code, &added);
    if (rc) return rc;
    if (added) {
        if (S->nst == S->stcap) {
            size_t cap = S->stcap ? S->stcap * 2 : 64;
            sv_state *p = realloc(S->st, cap * sizeof *p);
            if (!p) return CXM_ENOMEM;
            S->st = p;
            S->stcap = cap;
        }
        memset(&S->st[S->nst], 0, sizeof S->st[S->nst]);
        if ((rc = cxm_survey_init(&S->st[S->nst].h, S->kinds[kind].scale, NULL))) return rc;
        S->nst++;
    }
    *out = &S->st[code];
    return CXM_OK;
}

static int state_of(struct cxm_surveys *S, uint32_t group, size_t kind, int window, sv_state **out) {
    return state_of_theme(S, group, kind, window, 0, out);
}

static int find_state_theme(const struct cxm_surveys *S, uint32_t group, size_t kind, int window, uint32_t theme,
                            const sv_state **out) {
    skey k = {group, (uint32_t)kind, (uint32_t)window, theme};
    uint32_t code;
    if (!cxm_dict_find(&S->skey, (const char *)&k, sizeof k, &code)) return 0;
    *out = &S->st[code];
    return 1;
}

static int find_state(const struct cxm_surveys *S, uint32_t group, size_t kind, int window, const sv_state **out) {
    return find_state_theme(S, group, kind, window, 0, out);
}

static int field_text(const cxm_field *f, size_t nf, int src, cxm_field *out) {
    if (src < 0 || (size_t)src >= nf || !f[src].ptr || !f[src].len) {
        *out = (cxm_field){NULL, 0};
        return 0;
    }
    *out = f[src];
    return 1;
}

/* The value of each --by term for a response row: its own column, else the
 * answer's ticket's (have_ticket: tcode is the ticket's code). */
static void by_values(const struct cxm_surveys *S, const cxm_field *f, size_t nf, int have_ticket, uint32_t tcode,
                      cxm_field *vals) {
    const cxm_ctx *c = &S->R->c;
    for (size_t i = 0; i < c->nby; i++) {
        vals[i] = (cxm_field){NULL, 0};
        if (c->by[i].is_time) continue;
        if (S->by_src[i] >= 0) field_text(f, nf, S->by_src[i], &vals[i]);
        else if (have_ticket) {
            const join_term *j = &S->joins[S->by_join[i]];
            uint32_t vc = tcode < j->cap ? j->code[tcode] : UINT32_MAX;
            if (vc != UINT32_MAX) {
                const char *s = cxm_dict_str(&c->by[i].dict, vc);
                vals[i] = (cxm_field){s, strlen(s)};
            }
        }
    }
}

/* What stage A learns of a response row from the row alone (no shared
 * state): its line, time, id fingerprint and score digits. */
typedef struct srow {
    uint64_t line;
    cxm_time t;                /* `at` in the input zone */
    cxm_idkey k;               /* fingerprint of response_id */
    int digits;                /* a score of one or two plain digits, else -1 (empty or to parse) */
} srow;

/* Stage A of a response row: the checks that depend on the row alone, in
 * on_row's order (id, at, survey; every later check needs shared state).
 * Reads S's column map and the context's zone only, so it may run on the
 * reading thread. Returns 0, or CXM_EPARSE with *d describing the bad row. */
static int parse_row(const struct cxm_surveys *S, const cxm_field *f, size_t nf, uint64_t line, srow *out,
                     cxm_diag *d) {
    const cxm_ctx *c = &S->R->c;
    const cxm_colmap *m = &S->map;
    cxm_field id, at, sv, score;
    const char *why = NULL;
#define COL(k) ((uint32_t)m->src[k] + 1)
    if (!field_text(f, nf, m->src[RS_RESPONSE_ID], &id))
        return cxm_diag_set(d, CXM_EPARSE, S->path, line, COL(RS_RESPONSE_ID), "response_id",
                            "expected a response id, found an empty field");
    if (!field_text(f, nf, m->src[RS_AT], &at) ||
        cxm_parse_time(at.ptr, at.len, c->input_tz, c->order, &out->t, &why))
        return cxm_diag_set(d, CXM_EPARSE, S->path, line, COL(RS_AT), "at",
                            "expected a timestamp such as 2024-03-05T14:07:00Z, found '%.*s'%s%s",
                            at.ptr ? (int)(at.len > 80 ? 80 : at.len) : 0, at.ptr ? at.ptr : "", why ? ": " : "",
                            why ? why : "");
    if (!field_text(f, nf, m->src[RS_SURVEY], &sv))
        return cxm_diag_set(d, CXM_EPARSE, S->path, line, COL(RS_SURVEY), "survey",
                            "expected a survey name (csat, ces, nps, enps, esat, ...), found an empty field");
#undef COL
    out->line = line;
    out->k = cxm_idset_key(id.ptr, id.len);
    out->digits = -1;
    if (field_text(f, nf, m->src[RS_SCORE], &score) && score.len <= 2 && (unsigned)(score.ptr[0] - '0') < 10 &&
        (score.len == 1 || (unsigned)(score.ptr[1] - '0') < 10))
        out->digits = score.len == 1 ? score.ptr[0] - '0' : (score.ptr[0] - '0') * 10 + score.ptr[1] - '0';
    return CXM_OK;
}

/* The --where filters of a response row: its own columns, or its ticket's
 * through the join (*have_ticket, *tcode: the ticket's code). Reads S
 * only, so it may run on any thread. 1 if the row is kept. */
static int where_keep(const struct cxm_surveys *S, const cxm_field *f, size_t nf, int *have_ticket,
                      uint32_t *tcode) {
    const cxm_ctx *c = &S->R->c;
    cxm_field tid;
    *tcode = UINT32_MAX;
    *have_ticket = field_text(f, nf, S->map.src[RS_TICKET_ID], &tid) && S->njoins &&
                   cxm_dict_find(&S->tids, tid.ptr, tid.len, tcode);
    for (size_t i = 0; i < c->nwhere; i++) {
        const cxm_where *w = &c->where[i];
        cxm_field v = {NULL, 0};
        if (S->where_src[i] >= 0) field_text(f, nf, S->where_src[i], &v);
        else if (*have_ticket) {
            const join_term *j = &S->joins[S->where_join[i]];
            uint32_t vc = *tcode < j->cap ? j->code[*tcode] : UINT32_MAX;
            const cxm_dict *dd = j->by >= 0 ? &c->by[j->by].dict : &j->dict;
            if (vc != UINT32_MAX) v = (cxm_field){cxm_dict_str(dd, vc), strlen(cxm_dict_str(dd, vc))};
        }
        /* the ticket's tags (joined): has the tag, as on the tickets */
        int tags = w->tags && S->where_src[i] < 0, hit = 0;
        for (size_t k = 0; k < w->nvalues && !hit; k++)
            hit = tags ? cxm_tags_contain(&v, w->values[k])
                       : strlen(w->values[k]) == v.len && (!v.len || !memcmp(w->values[k], v.ptr, v.len));
        if (hit == w->negate) return 0;
    }
    return 1;
}

/* The survey kind of a kept response row (sv: its survey name) and its
 * score (*sc, -1 when empty: sent, not answered), in on_row's order of
 * checks: the scale columns, the kind (a new name joins kinds[0..*nkinds)
 * with the row's scale or its name's default), the score against the
 * kind's scale. Returns 0, or CXM_EPARSE with *d describing the bad row
 * (kinds unchanged then). Reads S's column map only: any thread, each with
 * its own kinds. */
static int row_kind(const struct cxm_surveys *S, survey_kind *kinds, size_t *nkinds, const cxm_field *f, size_t nf,
                    const srow *pr, cxm_field sv, survey_kind **out, int *scp, cxm_diag *d) {
    const cxm_colmap *m = &S->map;
    uint64_t line = pr->line;
    cxm_field score;
#define COL(k) ((uint32_t)m->src[k] + 1)
    survey_kind *kind = kind_of(kinds, *nkinds, sv.ptr, sv.len);
    cxm_survey_scale scale = {0, 0};
    int64_t lo = -1, hi = -1;
    cxm_field smin, smax;
    int has_min = field_text(f, nf, m->src[RS_SCALE_MIN], &smin), has_max = field_text(f, nf, m->src[RS_SCALE_MAX], &smax);
    if ((has_min && (cxm_parse_int(smin.ptr, smin.len, &lo) || lo < 0 || lo > CXM_MAX_SURVEY_SCORE)) ||
        (has_max && (cxm_parse_int(smax.ptr, smax.len, &hi) || hi < 0 || hi > CXM_MAX_SURVEY_SCORE)))
        return cxm_diag_set(d, CXM_EPARSE, S->path, line, has_min && lo < 0 ? COL(RS_SCALE_MIN) : COL(RS_SCALE_MAX),
                            has_min && lo < 0 ? "scale_min" : "scale_max", "expected a whole number from 0 to %d",
                            CXM_MAX_SURVEY_SCORE);
    char low[32] = ""; /* the name of a new kind */
    if (!kind) lower_copy(low, sizeof low, sv.ptr, sv.len);
    if (has_min != has_max)
        return cxm_diag_set(d, CXM_EPARSE, S->path, line, COL(has_min ? RS_SCALE_MAX : RS_SCALE_MIN),
                            has_min ? "scale_max" : "scale_min", "expected scale_min and scale_max together");
    if (has_min) {
        scale.min = (int)lo;
        scale.max = (int)hi;
        cxm_diag sd;
        if (cxm_survey_scale_check(scale, &sd))
            return cxm_diag_set(d, CXM_EPARSE, S->path, line, COL(RS_SCALE_MIN), "scale_min", "%s", sd.msg);
    } else if (kind) {
        scale = kind->scale;
    } else if (cxm_survey_scale_default(low, &scale)) {
        return cxm_diag_set(d, CXM_EPARSE, S->path, line, COL(RS_SURVEY), "survey",
                            "survey '%s' has no default scale: give scale_min and scale_max "
                            "(defaults exist for csat, ces, nps, enps and esat)",
                            low);
    }
    if (!kind) {
        if (*nkinds == MAX_SURVEYS)
            return cxm_diag_set(d, CXM_EPARSE, S->path, line, COL(RS_SURVEY), "survey", "more than %d survey names",
                                MAX_SURVEYS);
        kind = &kinds[(*nkinds)++];
        snprintf(kind->name, sizeof kind->name, "%s", low);
        kind->scale = scale;
        cxm_survey_metric sm;
        kind->metric = cxm_survey_metric_parse(low, &sm) ? -1 : (int)sm;
    } else if (scale.min != kind->scale.min || scale.max != kind->scale.max) {
        return cxm_diag_set(d, CXM_EPARSE, S->path, line, COL(RS_SCALE_MIN), "scale_min",
                            "survey '%s' was on the scale %d-%d in earlier rows, not %d-%d", kind->name,
                            kind->scale.min, kind->scale.max, scale.min, scale.max);
    }
    /* the score: empty = sent, not answered */
    int sc = -1;
    if (field_text(f, nf, m->src[RS_SCORE], &score)) {
        double x;
        int fast = pr->digits >= 0;
        if (fast) sc = pr->digits;
        if ((!fast && (cxm_parse_double(score.ptr, score.len, &x) || cxm_survey_score_from_double(x, &sc))) ||
            sc < kind->scale.min || sc > kind->scale.max)
            return cxm_diag_set(d, CXM_EPARSE, S->path, line, COL(RS_SCORE), "score",
                                "expected a whole number from %d to %d (the %s scale), found '%.*s'",
                                kind->scale.min, kind->scale.max, kind->name,
                                (int)(score.len > 40 ? 40 : score.len), score.ptr);
    }
#undef COL
    *out = kind;
    *scp = sc;
    return CXM_OK;
}

/* Stage B of a response row that passed parse_row (pr): the where filters,
 * the survey's kind and scale, the score, the duplicate check and the
 * state updates. Bad rows are reported and skipped. f holds at least the
 * columns the stage reads (see plan_keep). */
static int on_row(struct cxm_surveys *S, const cxm_field *f, size_t nf, const srow *pr) {
    report *R = S->R;
    cxm_ctx *c = &R->c;
    const cxm_colmap *m = &S->map;
    cxm_diag d;
    cxm_field id, sv;
    uint64_t line = pr->line;
    cxm_time t = pr->t;
#define COL(k) ((uint32_t)m->src[k] + 1)
    field_text(f, nf, m->src[RS_RESPONSE_ID], &id);
    field_text(f, nf, m->src[RS_SURVEY], &sv);
    uint32_t tcode;
    int have_ticket;
    if (!where_keep(S, f, nf, &have_ticket, &tcode)) return CXM_OK;
    survey_kind *kind = NULL;
    int sc = -1;
    if (row_kind(S, S->kinds, &S->nkinds, f, nf, pr, sv, &kind, &sc, &d)) return bad_row(S, &d);
    int asc = cxm_idset_ascends(&S->seen, id.ptr, id.len); /* in file order: see core/idset.h */
    if (S->defer) {
        struct pend *p = &S->ring[(S->rhead + S->rcount) % 16];
        p->k = pr->k;
        p->asc = asc;
        cxm_idset_prefetch(&S->seen, p->k);
        p->line = line;
        p->sc = sc;
        p->kidx = (size_t)(kind - S->kinds);
        p->idlen = (int)(id.len > 80 ? 80 : id.len);
        memcpy(p->id, id.ptr, (size_t)p->idlen);
        cxm_field vals[CXM_MAX_GROUP_KEYS];
        by_values(S, f, nf, have_ticket, tcode, vals);
        p->inwin = cxm_report_in_window(c, t);
        int rc1;
        if (p->inwin && (rc1 = cxm_report_key(R, vals, t, p->key, 1))) return rc1;
        S->rcount++;
        return S->rcount == 16 ? drain(S, 15) : CXM_OK;
    }
    uint64_t first;
    int rc = cxm_idset_add_ordered(&S->seen, pr->k, line, asc, &first);
    if (rc) return rc;
    if (first)
        return bad_row(S, (cxm_diag_set(&d, CXM_EPARSE, S->path, line, COL(RS_RESPONSE_ID), "response_id",
                                        "duplicate response_id '%.*s' (first seen on line %llu): expected each "
                                        "answer once",
                                        (int)(id.len > 80 ? 80 : id.len), id.ptr, (unsigned long long)first),
                           &d));
#undef COL
    /* the group key */
    cxm_field vals[CXM_MAX_GROUP_KEYS];
    by_values(S, f, nf, have_ticket, tcode, vals);
    size_t kidx = (size_t)(kind - S->kinds);
    uint64_t key[CXM_MAX_GROUP_KEYS];
    uint32_t g;
    sv_state *st;
    if (cxm_report_in_window(c, t)) {
        if ((rc = cxm_report_key(R, vals, t, key, 1)) || (rc = cxm_gtable_code(&S->g, key, c->nby, &g)) ||
            (rc = state_of(S, g, kidx, 0, &st)))
            return rc;
        if (sc < 0) {
            st->unanswered++;
            S->any_unanswered = 1;
        } else if ((rc = cxm_survey_add(&st->h, sc))) {
            return rc;
        }
        cxm_field cm;
        if (S->themes && sc >= 0 && field_text(f, nf, m->src[RS_COMMENT], &cm)) {
            st->commented++;
            size_t nids = 0;
            cxm_diag td;
            if ((rc = cxm_themes_match(S->themes, S->text, cm.ptr, cm.len, CXM_TEXT_AUTO, S->tids_buf,
                                       cxm_themes_count(S->themes) + 1, &nids, &td))) {
                if (rc == CXM_ENOMEM) return rc;
                nids = 0; /* text ICU cannot read: counted as commented, no theme */
            }
            for (size_t i = 0; i < nids; i++) {
                sv_state *ts;
                if ((rc = state_of_theme(S, g, kidx, 0, S->tids_buf[i] + 1, &ts)) || (rc = cxm_survey_add(&ts->h, sc)))
                    return rc;
            }
        }
    }
    if (S->compare == CXM_COMPARE_WINDOW && t >= S->cmp_from && t < S->cmp_to && sc >= 0) {
        if ((rc = cxm_report_key(R, vals, t, key, 0)) ||
            (rc = cxm_gtable_code(&S->gp, key, c->nby - (c->time_term >= 0), &g)) ||
            (rc = state_of(S, g, kidx, 1, &st)) || (rc = cxm_survey_add(&st->h, sc)))
            return rc;
    }
    S->rows++;
    return CXM_OK;
}

/* Settles pending rows, oldest first, until keep are left. */
static int drain(struct cxm_surveys *S, size_t keep) {
    cxm_ctx *c = &S->R->c;
    int rc = CXM_OK;
    S->draining = 1;
    while (S->rcount > keep && !rc) {
        struct pend *p = &S->ring[S->rhead];
        S->rhead = (S->rhead + 1) % 16;
        S->rcount--;
        uint64_t first;
        if ((rc = cxm_idset_add_ordered(&S->seen, p->k, p->line, p->asc, &first))) break;
        if (first) {
            cxm_diag d;
            cxm_diag_set(&d, CXM_EPARSE, S->path, p->line, (uint32_t)S->map.src[RS_RESPONSE_ID] + 1, "response_id",
                         "duplicate response_id '%.*s' (first seen on line %llu): expected each answer once", p->idlen,
                         p->id, (unsigned long long)first);
            rc = bad_row(S, &d);
            continue;
        }
        if (p->inwin) {
            uint32_t g;
            sv_state *st;
            uint64_t h = p->kidx * 0x9E3779B97F4A7C15ull;
            for (size_t i = 0; i < c->nby; i++) h = (h ^ p->key[i]) * 0xBF58476D1CE4E5B9ull;
            struct smemo *e = &S->smemo[h >> 56];
            if (e->ok && e->kidx == p->kidx && !memcmp(e->key, p->key, c->nby * sizeof *p->key)) {
                st = &S->st[e->ix];
            } else {
                if ((rc = cxm_gtable_code(&S->g, p->key, c->nby, &g)) || (rc = state_of(S, g, p->kidx, 0, &st))) break;
                memcpy(e->key, p->key, c->nby * sizeof *p->key);
                e->kidx = p->kidx;
                e->ix = (size_t)(st - S->st);
                e->ok = 1;
            }
            if (p->sc < 0) {
                st->unanswered++;
                S->any_unanswered = 1;
            } else if ((rc = cxm_survey_add(&st->h, p->sc))) {
                break;
            }
        }
        S->rows++;
    }
    S->draining = 0;
    return rc;
}

/* ---- reading: a two-stage pipeline -----------------------------------------
 *
 * As for tickets (metrics/ingest.c), CSV responses are read in two stages
 * over batches of rows, so two cores share the work while rows (and so
 * warnings, duplicate checks and every result) keep the file's order:
 *
 *   stage A (a worker thread): cxm_rows_next, then parse_row (the checks
 *     that need the row alone, the time, the id fingerprint, the score
 *     digits), copying the columns stage B reads into the batch's bytes;
 *   stage B (the caller's thread): on_row for each row, and the bad rows
 *     stage A met, reported at their place among the good ones.
 *
 * Batches circulate through io/batch.h's ring: A fills one while B
 * drains another. NDJSON input, whose header may grow between rows, runs
 * parse_row and on_row in turn on the caller's thread.
 */
#include "io/batch.h"

enum { SV_BATCH_ROWS = 4096, SV_AHEAD = 48 };

typedef struct sv_pipe {
    const struct cxm_surveys *S; /* read-only while the worker runs */
    cxm_rows *r;               /* borrowed; read by stage A only */
    int keep[RS_NCOLS + CXM_MAX_GROUP_KEYS + CXM_MAX_WHERE]; /* source columns stage B reads */
    size_t nkeep;
    srow rows[CXM_PIPE_NBATCH][SV_BATCH_ROWS]; /* each slot's parsed rows (cxm_batch.user) */
    cxm_pipeline pl;
} sv_pipe;

/* The source columns on_row reads: id, survey, scale, score, the ticket id
 * of joins, the comment for themes, and the --by and --where columns. The
 * `at` column is not kept: stage A parses it. */
static int plan_keep(sv_pipe *P) {
    const struct cxm_surveys *S = P->S;
    const cxm_ctx *c = &S->R->c;
    size_t ns = S->map.nsrc;
    char *want = calloc(ns ? ns : 1, 1);
    if (!want) return CXM_ENOMEM;
    int cols[RS_NCOLS + CXM_MAX_GROUP_KEYS + CXM_MAX_WHERE];
    size_t n = 0;
    cols[n++] = S->map.src[RS_RESPONSE_ID];
    cols[n++] = S->map.src[RS_SURVEY];
    cols[n++] = S->map.src[RS_SCALE_MIN];
    cols[n++] = S->map.src[RS_SCALE_MAX];
    cols[n++] = S->map.src[RS_SCORE];
    if (S->njoins) cols[n++] = S->map.src[RS_TICKET_ID];
    if (S->themes) cols[n++] = S->map.src[RS_COMMENT];
    for (size_t i = 0; i < c->nby; i++) cols[n++] = c->by[i].is_time ? -1 : S->by_src[i];
    for (size_t i = 0; i < c->nwhere; i++) cols[n++] = S->where_src[i];
    for (size_t i = 0; i < n; i++)
        if (cols[i] >= 0 && (size_t)cols[i] < ns) want[cols[i]] = 1;
    for (size_t i = 0; i < ns; i++)
        if (want[i]) P->keep[P->nkeep++] = (int)i;
    free(want);
    for (int k = 0; k < CXM_PIPE_NBATCH; k++) {
        P->pl.b[k].user = P->rows[k];
        int rc = cxm_batch_fields(&P->pl.b[k], SV_BATCH_ROWS, P->nkeep);
        if (rc) return rc;
    }
    return CXM_OK;
}

/* Stage A: fills b with up to SV_BATCH_ROWS good rows (and the bad ones met). */
static void fill(void *ud, cxm_batch *b) {
    sv_pipe *P = ud;
    srow *rows = b->user;
    const cxm_field *f;
    size_t nf;
    cxm_diag rowdiag;
    while (b->n < SV_BATCH_ROWS) {
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
        const cxm_ctx *c = &P->S->R->c;
        if (got == CXM_EPARSE) cxm_ctx_stream_diag(c, P->S->path, &rowdiag);
        if (got == CXM_EPARSE ||
            parse_row(P->S, f, nf, cxm_rows_line(P->r) + c->line_offset, &rows[b->n], &rowdiag)) {
            if ((b->rc = cxm_batch_bad(b, &rowdiag))) break;
            continue;
        }
        if ((b->rc = cxm_batch_keep(b, P->keep, P->nkeep, f, nf))) break;
        b->n++;
    }
    cxm_rows_progress(P->r, &b->done, &b->total);
}

/* Sizes the id set once, from the bytes per record read so far. */
static int reserve_ids(struct cxm_surveys *S, uint64_t rows, uint64_t done, uint64_t total) {
    double est = done && total ? (double)total * (double)rows / (double)done * 1.05 : 0;
    if (est > 0 && est < 1e10) cxm_idset_expect(&S->seen, (size_t)est); /* the table is built if ids stop ascending */
    return CXM_OK;
}

/* Stage B: every row of b, in order; fields (S->map.nsrc, zeroed by the
 * caller) is the row view handed to on_row, rebuilt for the kept columns. */
static int take(struct cxm_surveys *S, sv_pipe *P, cxm_batch *b, cxm_field *fields) {
    cxm_ctx *c = &S->R->c;
    srow *rows = b->user;
    const cxm_report_opts *o = c->o;
    int rc = CXM_OK;
    size_t nb = 0;
    if (!S->seen.expect && b->n && (rc = reserve_ids(S, b->rows, b->done, b->total))) return rc;
    for (size_t i = 0; i < SV_AHEAD && i < b->n; i++) cxm_idset_prefetch(&S->seen, rows[i].k);
    for (size_t i = 0; i <= b->n && !rc; i++) {
        while (nb < b->nbad && b->bad[nb].at == i && !rc) rc = bad_row(S, &b->bad[nb++].d);
        if (rc || i == b->n) break;
        cxm_batch_view(b, i, P->keep, P->nkeep, fields);
        if (i + SV_AHEAD < b->n) cxm_idset_prefetch(&S->seen, rows[i + SV_AHEAD].k);
        rc = on_row(S, fields, S->map.nsrc, &rows[i]);
    }
    if (!rc && b->rc) {
        *c->diag = b->diag;
        rc = b->rc;
    }
    if (!rc && o->progress) o->progress(o->ud, "responses", b->done, b->total);
    return rc;
}

/* CSV: both stages, on two threads (on one if no thread can be started). */
static int run_csv(struct cxm_surveys *S, cxm_rows *r) {
    sv_pipe *P = calloc(1, sizeof *P);
    cxm_field *fields = calloc(S->map.nsrc + 1, sizeof *fields);
    int rc = !P || !fields ? CXM_ENOMEM : CXM_OK;
    if (!rc) {
        P->S = S;
        P->r = r;
        rc = plan_keep(P);
    }
    if (!rc) cxm_pipeline_start(&P->pl, 1, fill, P);
    while (!rc) {
        cxm_batch *b = cxm_pipeline_next(&P->pl);
        rc = take(S, P, b, fields);
        int last = b->eof || b->rc;
        cxm_pipeline_release(&P->pl, rc != 0);
        if (last) break;
    }
    if (P) cxm_pipeline_finish(&P->pl);
    free(fields);
    free(P);
    return rc;
}

/* NDJSON: the stages in turn, row by row, following the growing header. */
static int run_ndjson(struct cxm_surveys *S, cxm_rows *r) {
    cxm_ctx *c = &S->R->c;
    const cxm_report_opts *o = c->o;
    const cxm_field *f;
    size_t nf;
    cxm_diag rowdiag;
    uint64_t done, total, records = 0;
    int reserved = 0, rc = CXM_OK;
    while (!rc) {
        int got = cxm_rows_next(r, &f, &nf, &rowdiag);
        if (got == 0) break;
        if (got < 0 && got != CXM_EPARSE) {
            *c->diag = rowdiag;
            rc = got;
            break;
        }
        records++;
        if (got == CXM_EPARSE) {
            rc = bad_row(S, &rowdiag);
            continue;
        }
        if (nf != S->map.nsrc && (rc = drain(S, 0))) break;
        if (nf != S->map.nsrc) { /* NDJSON met a new key */
            const cxm_field *names;
            size_t ncols;
            cxm_rows_header(r, &names, &ncols);
            cxm_colmap_free(&S->map);
            if ((rc = cxm_colmap_resolve(&S->map, &cxm_stream_responses, S->path, names, ncols, o->map, o->nmap,
                                         c->diag)))
                break;
            for (size_t i = 0; i < c->nby; i++)
                if (!c->by[i].is_time && S->by_join[i] < 0) S->by_src[i] = cxm_colmap_find(&S->map, names, ncols, c->by[i].name);
            for (size_t i = 0; i < c->nwhere; i++)
                if (S->where_join[i] < 0) S->where_src[i] = cxm_colmap_find(&S->map, names, ncols, c->where[i].col);
        }
        if (!reserved && records >= 4096) {
            reserved = 1;
            cxm_rows_progress(r, &done, &total);
            if ((rc = reserve_ids(S, records, done, total))) break;
        }
        srow pr;
        rc = parse_row(S, f, nf, cxm_rows_line(r), &pr, &rowdiag) ? bad_row(S, &rowdiag) : on_row(S, f, nf, &pr);
        if (o->progress && (records & 0xffff) == 0) {
            cxm_rows_progress(r, &done, &total);
            o->progress(o->ud, "responses", done, total);
        }
    }
    return rc;
}

/* ---- reading by ranges: every core parses and aggregates --------------------
 *
 * The pipeline above keeps one core busy with stage B while stage A
 * parses: the faster of the two waits. When nothing in a row's treatment
 * needs the rows before it (no themes, no comparison window, CSV from a
 * regular file), the file is instead cut into one byte range per core
 * (cxm_rows_open_range), and each thread reads its range whole: parse,
 * filters, kind, score, duplicate check and aggregation into its own
 * part (its own kinds, --by value dictionaries, states and id set; only
 * S and the context are shared, and only read). The parts are then merged
 * in file order: kinds by first appearance, states replayed in the order
 * each part created them (so dictionary codes, group codes and states are
 * created in the order one pass would create them), histograms added
 * (cxm_survey_merge: exact). The results are those of one ordered pass.
 *
 * What depends on earlier rows is checked at the merge: each cut falls
 * between records (cxm_rows_range_bounds); a kind found in two parts has
 * one scale; no id repeats across parts (each part's ids ascend and
 * the next part's first id is greater than the previous part's last, else
 * every id is looked up in the first part's set). A part that meets
 * anything order-dependent to report (a bad row, a duplicate, a scale
 * conflict) or any error stops every part; the ranges are then
 * discarded and the ordered pipeline reads the file again and reports it
 * exactly as before. Such files pay the range attempt up to the first
 * anomaly (the parts stop within 4,096 rows of it).
 */
#include "io/ranges.h"

enum { RG_MAX_PARTS = CXM_RANGE_MAX_PARTS, RG_FALLBACK = CXM_RANGE_FALLBACK, RG_SMEMO = 256 };

typedef struct rg_state {
    uint64_t key[CXM_MAX_GROUP_KEYS]; /* time: bucket day; columns: the part's codes */
    size_t kind;                      /* the part's kind index */
    sv_state st;
} rg_state;

typedef struct rg_part rg_part;
struct rg_part {
    cxm_range g;                      /* first: the range, its reader and status (io/ranges.h) */
    const struct cxm_surveys *S;      /* shared, read only */
    survey_kind kinds[MAX_SURVEYS];
    size_t nkinds;
    cxm_dict term[CXM_MAX_GROUP_KEYS]; /* values of column terms -> the part's codes */
    cxm_memo memo[CXM_MAX_GROUP_KEYS][CXM_BYTERM_MEMO];
    int64_t tb_lo, tb_hi, tb_day;     /* the last time bucket (local seconds) */
    int tb_ok;
    cxm_dict skey;                    /* (key, kind) -> state index */
    rg_state *st;
    size_t nst, stcap;
    struct smemo smemo[RG_SMEMO];
    cxm_idset seen;
    char *first_id;                   /* the first id added to seen */
    size_t first_len;
    uint64_t rows;
    int any_unanswered;
    int plain;                        /* no scale columns: a kind's scale is its first row's */
    int lazy;                         /* ids only checked for order so far (rg_materialize) */
    uint64_t nids;                    /* ids seen while lazy */
    size_t nf;                        /* fields of a record (the header's) */
    int ix[4 + CXM_MAX_GROUP_KEYS];   /* id, at, survey, score, --by columns: index < nf, or -1 */
};

/* cxm_report_bucket with the part's own memo. */
static int64_t rg_bucket(rg_part *P, cxm_bucket b, cxm_time t) {
    const cxm_ctx *c = &P->S->R->c;
    int64_t local = cxm_tz_to_local(c->tz, cxm_floordiv(t, 1000));
    if (P->tb_ok && local >= P->tb_lo && local < P->tb_hi) return P->tb_day;
    int64_t day = cxm_bucket_start(b, cxm_floordiv(local, 86400)), next = cxm_next_bucket(b, day);
    if (day < INT64_MAX / 86400 && day > INT64_MIN / 86400 && next < INT64_MAX / 86400) {
        P->tb_lo = day * 86400;
        P->tb_hi = next * 86400;
        P->tb_day = day;
        P->tb_ok = 1;
    }
    return day;
}

/* The part's state of (key, kind), created on first sight. */
static int rg_state_of(rg_part *P, const uint64_t *key, size_t nby, size_t kidx, rg_state **out) {
    uint64_t h = kidx * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < nby; i++) h = (h ^ key[i]) * 0xBF58476D1CE4E5B9ull;
    struct smemo *e = &P->smemo[h >> 56];
    int hit = e->ok && e->kidx == kidx;
    for (size_t i = 0; hit && i < nby; i++) hit = e->key[i] == key[i];
    if (hit) {
        *out = &P->st[e->ix];
        return CXM_OK;
    }
    uint64_t kb[CXM_MAX_GROUP_KEYS + 1];
    memcpy(kb, key, nby * sizeof *key);
    kb[nby] = kidx;
    uint32_t code;
    int added, rc = cxm_dict_intern(&P->skey, (const char *)kb, (nby + 1) * sizeof *kb, &code, &added);
    if (rc) return rc;
    if (added) {
        if (P->nst == P->stcap) {
            size_t cap = P->stcap ? P->stcap * 2 : 64;
            rg_state *p = realloc(P->st, cap * sizeof *p);
            if (!p) return CXM_ENOMEM;
            P->st = p;
            P->stcap = cap;
        }
        rg_state *ns = &P->st[P->nst];
        memset(ns, 0, sizeof *ns);
        memcpy(ns->key, key, nby * sizeof *key);
        ns->kind = kidx;
        if ((rc = cxm_survey_init(&ns->st.h, P->kinds[kidx].scale, NULL))) return rc;
        P->nst++;
    }
    memcpy(e->key, key, nby * sizeof *key);
    e->kidx = kidx;
    e->ix = code;
    e->ok = 1;
    *out = &P->st[code];
    return CXM_OK;
}

/* Field src of a record, {NULL, 0} when missing or empty (field_text). */
static inline cxm_field fget(const cxm_field *f, size_t nf, int src) {
    if (src < 0 || (size_t)src >= nf || !f[src].ptr || !f[src].len) return (cxm_field){NULL, 0};
    return f[src];
}

/* The part's ids so far (P->nids, all ascending) into its id set, which
 * until now only tracked their order: while a part's ids ascend none can
 * repeat, so rg_row remembers none of them (no fingerprint, no list: 16
 * bytes an id, 800 MB and a fifth of the time on 50M answers). At the first
 * id out of order, or at the merge when parts must be compared, the
 * range is read again up to there: the same rows pass --where and give
 * the same ids. Returns 0, RG_FALLBACK (a repeat: the ordered pass
 * reports it) or a negative code. */
static int rg_materialize(rg_part *P) {
    const struct cxm_surveys *S = P->S;
    const cxm_ctx *c = &S->R->c;
    cxm_rows *r = NULL;
    cxm_diag d;
    const cxm_field *f;
    size_t nf;
    uint64_t n = 0, first;
    int rc = CXM_OK;
    P->lazy = 0;
    if (!P->nids) return CXM_OK;
    if (cxm_rows_open_range(&r, S->path, c->o->delimiter ? c->o->delimiter : ',', P->g.start, P->g.end, &d))
        return RG_FALLBACK;
    rc = cxm_range_reserve_ids(&P->g, P->nids, &P->seen);
    while (!rc && n < P->nids) {
        if (cxm_rows_next(r, &f, &nf, &d) != 1) {
            rc = RG_FALLBACK; /* (cannot happen: the same bytes read alike) */
            break;
        }
        cxm_field id = fget(f, nf, S->map.src[RS_RESPONSE_ID]);
        uint32_t tcode;
        int have_ticket;
        if (!id.ptr || ((c->nwhere || S->njoins) && !where_keep(S, f, nf, &have_ticket, &tcode))) continue;
        if ((rc = cxm_idset_add(&P->seen, cxm_idset_key(id.ptr, id.len), cxm_rows_line(r), &first))) break;
        if (first) rc = RG_FALLBACK;
        n++;
    }
    cxm_rows_free(r);
    return rc;
}

/* Field ix of a record of P->nf fields (ix < P->nf, or -1 when missing),
 * as fget: {NULL, 0} when missing or empty (a missing field has len 0). */
static inline cxm_field fcol(const cxm_field *f, int ix) {
    if (ix < 0 || !f[ix].len) return (cxm_field){NULL, 0};
    return f[ix];
}

/* One record of the part: parse_row's and on_row's checks and work (no
 * comparison window, no themes) on the part's own state, in their order;
 * the common case (a known survey name spelled as before, no scale
 * columns, a score of at most two digits) without their general code.
 * 0, RG_FALLBACK when the row is bad or repeats an id, or a negative code. */
static int rg_row(rg_part *P, const cxm_field *f, size_t nf) {
    const struct cxm_surveys *S = P->S;
    const cxm_ctx *c = &S->R->c;
    const cxm_colmap *m = &S->map;
    srow pr;
    cxm_diag d;
    const char *why;
    cxm_field id, at, sv, score;
    if (nf == P->nf) { /* the usual record: its columns' indexes checked once */
        id = fcol(f, P->ix[0]);
        at = fcol(f, P->ix[1]);
        sv = fcol(f, P->ix[2]);
        score = fcol(f, P->ix[3]);
    } else {
        id = fget(f, nf, m->src[RS_RESPONSE_ID]);
        at = fget(f, nf, m->src[RS_AT]);
        sv = fget(f, nf, m->src[RS_SURVEY]);
        score = fget(f, nf, m->src[RS_SCORE]);
    }
    if (!id.ptr || !at.ptr || cxm_parse_time(at.ptr, at.len, c->input_tz, c->order, &pr.t, &why) || !sv.ptr)
        return RG_FALLBACK; /* parse_row's bad rows */
    pr.line = 0;
    pr.digits = -1;
    if (score.ptr && score.len <= 2 && (unsigned)(score.ptr[0] - '0') < 10 &&
        (score.len == 1 || (unsigned)(score.ptr[1] - '0') < 10))
        pr.digits = score.len == 1 ? score.ptr[0] - '0' : (score.ptr[0] - '0') * 10 + score.ptr[1] - '0';
    uint32_t tcode = UINT32_MAX;
    int have_ticket = 0;
    if ((c->nwhere || S->njoins) && !where_keep(S, f, nf, &have_ticket, &tcode)) return CXM_OK;
    survey_kind *kind = NULL;
    int sc = pr.digits;
    if (P->plain) /* row_kind's outcome when the name was seen spelled so */
        for (size_t i = 0; i < P->nkinds; i++)
            if (P->kinds[i].rawlen == sv.len && cxm_same_short(P->kinds[i].raw, sv.ptr, sv.len)) {
                kind = &P->kinds[i];
                break;
            }
    if (!kind || (score.ptr && (sc < kind->scale.min || sc > kind->scale.max))) {
        kind = NULL; /* (sc < 0 with a score: not plain digits) */
        if (row_kind(S, P->kinds, &P->nkinds, f, nf, &pr, sv, &kind, &sc, &d)) return RG_FALLBACK;
    } else if (!score.ptr) {
        sc = -1;
    }
    int asc = cxm_idset_ascends(&P->seen, id.ptr, id.len), rc;
    if (!P->first_id) {
        if (!(P->first_id = malloc(id.len))) return CXM_ENOMEM;
        memcpy(P->first_id, id.ptr, id.len);
        P->first_len = id.len;
    }
    if (asc && P->lazy) {
        P->nids++; /* after every earlier id, so new: nothing to remember (see rg_materialize) */
    } else {
        uint64_t first;
        if (P->lazy && (rc = rg_materialize(P))) return rc;
        if ((rc = cxm_idset_add_ordered(&P->seen, cxm_idset_key(id.ptr, id.len), 1, asc, &first))) return rc;
        if (first) return RG_FALLBACK;
    }
    if (pr.t != CXM_TIME_NULL && (c->from == CXM_TIME_NULL || pr.t >= c->from) &&
        (c->to == CXM_TIME_NULL || pr.t < c->to)) { /* cxm_report_in_window */
        cxm_field vals[CXM_MAX_GROUP_KEYS];
        uint64_t key[CXM_MAX_GROUP_KEYS];
        if (S->njoins) by_values(S, f, nf, have_ticket, tcode, vals);
        for (size_t i = 0; i < c->nby; i++) {
            const cxm_byterm *t = &c->by[i];
            if (t->is_time) {
                key[i] = (uint64_t)rg_bucket(P, t->bucket, pr.t);
                continue;
            }
            cxm_field v = S->njoins ? vals[i] : nf == P->nf ? fcol(f, P->ix[4 + i]) : fget(f, nf, S->by_src[i]);
            if (!v.ptr || !v.len) {
                key[i] = KEY_MISSING;
                continue;
            }
            cxm_memo *e = &P->memo[i][cxm_hash_short(v.ptr, v.len) & (CXM_BYTERM_MEMO - 1)];
            if (!(e->s && e->len == v.len && cxm_same_short(e->s, v.ptr, v.len))) {
                uint32_t code;
                if ((rc = cxm_dict_intern(&P->term[i], v.ptr, v.len, &code, NULL))) return rc;
                e->s = cxm_dict_str(&P->term[i], code);
                e->len = (uint32_t)v.len;
                e->code = code;
            }
            key[i] = e->code;
        }
        rg_state *st;
        if ((rc = rg_state_of(P, key, c->nby, (size_t)(kind - P->kinds), &st))) return rc;
        if (sc < 0) {
            st->st.unanswered++;
            P->any_unanswered = 1;
        } else if ((rc = cxm_survey_add(&st->st.h, sc))) {
            return rc;
        }
    }
    P->rows++;
    return CXM_OK;
}

/* A part's thread (or the caller's, for the first part): reads its range. */
/* io/ranges' callbacks: a record, and the size estimate for the id set. */
static int rg_record(void *part, const cxm_field *f, size_t nf) {
    return rg_row(part, f, nf);
}

static void rg_expect(void *part, size_t records) {
    rg_part *P = part;
    cxm_idset_expect(&P->seen, records);
}

/* 1 if no id of parts[1..n) is in an earlier part (each part has none
 * twice): every part ascends and begins after the one before ends, or
 * every later id is looked up in (and added to) the first part's set. */
static int rg_ids_distinct(rg_part *parts, size_t n, int *rc) {
    int ordered = 1, dup = 0;
    const rg_part *prev = NULL;
    for (size_t k = 0; k < n && ordered; k++) {
        const rg_part *P = &parts[k];
        if (!P->first_id) continue;
        ordered = P->seen.ascending && (!prev || cxm_idset_before(&prev->seen, P->first_id, P->first_len));
        prev = P;
    }
    for (size_t k = 0; !ordered && k < n && !*rc; k++)
        if (parts[k].lazy && (*rc = rg_materialize(&parts[k]))) return 0;
    /* each part's ids looked up in the earlier parts' tables (read only) */
    for (size_t k = 1; !ordered && k < n && !dup; k++)
        for (size_t j = 0; j < k && !dup; j++)
            dup = parts[j].seen.nlist ? 1 /* (not in range mode: the ordered pass decides) */
                                      : cxm_idset_meets(&parts[j].seen, &parts[k].seen);
    return !dup;
}

/* The parts into S, in file order, once every check passed: 1 merged, 0
 * when the ordered pass must read the file instead; *rc a fatal error. */
static int rg_merge(struct cxm_surveys *S, rg_part *parts, size_t n, int *rc) {
    cxm_ctx *c = &S->R->c;
    *rc = CXM_OK;
    for (size_t k = 0; k < n; k++)
        if (parts[k].g.status || (k + 1 < n && parts[k].g.bounds.stop != parts[k + 1].g.bounds.first)) return 0;
    /* kinds, by first appearance; one scale each */
    survey_kind kinds[MAX_SURVEYS];
    size_t nk = 0, map[RG_MAX_PARTS][MAX_SURVEYS];
    uint64_t ids = 0;
    for (size_t k = 0; k < n; k++) {
        ids += parts[k].lazy ? parts[k].nids : parts[k].seen.count + parts[k].seen.nlist;
        for (size_t i = 0; i < parts[k].nkinds; i++) {
            const survey_kind *pk = &parts[k].kinds[i];
            size_t g = 0;
            while (g < nk && strcmp(kinds[g].name, pk->name)) g++;
            if (g == nk) {
                if (nk == MAX_SURVEYS) return 0;
                kinds[nk++] = *pk;
            } else if (kinds[g].scale.min != pk->scale.min || kinds[g].scale.max != pk->scale.max) {
                return 0;
            }
            map[k][i] = g;
        }
    }
    int idrc = CXM_OK; /* a failed check (no memory) leaves it to the ordered pass */
    if (ids >= S->seen.max || !rg_ids_distinct(parts, n, &idrc) || idrc) return 0;
    memcpy(S->kinds, kinds, nk * sizeof *kinds);
    S->nkinds = nk;
    for (size_t k = 0; k < n && !*rc; k++) {
        rg_part *P = &parts[k];
        for (size_t i = 0; i < P->nst && !*rc; i++) {
            const rg_state *ls = &P->st[i];
            uint64_t key[CXM_MAX_GROUP_KEYS];
            for (size_t t = 0; t < c->nby && !*rc; t++) {
                key[t] = ls->key[t];
                if (c->by[t].is_time || key[t] == KEY_MISSING) continue;
                uint32_t code, lc = (uint32_t)key[t];
                if ((*rc = cxm_dict_intern(&c->by[t].dict, cxm_dict_str(&P->term[t], lc), P->term[t].lens[lc], &code,
                                           NULL)))
                    cxm_diag_set(c->diag, *rc, NULL, 0, 0, c->by[t].name, "too many distinct values to group by");
                key[t] = code;
            }
            uint32_t g;
            sv_state *st;
            cxm_diag d;
            if (*rc || (*rc = cxm_gtable_code(&S->g, key, c->nby, &g)) ||
                (*rc = state_of(S, g, map[k][ls->kind], 0, &st)))
                break;
            if ((*rc = cxm_survey_merge(&st->h, &ls->st.h, &d))) {
                *c->diag = d;
                break;
            }
            st->unanswered += ls->st.unanswered;
        }
        S->any_unanswered |= P->any_unanswered;
        S->rows += P->rows;
    }
    return 1;
}

static void rg_part_free(rg_part *P) {
    cxm_range_close(&P->g);
    for (size_t i = 0; i < CXM_MAX_GROUP_KEYS; i++) cxm_dict_free(&P->term[i]);
    cxm_dict_free(&P->skey);
    free(P->st);
    cxm_idset_free(&P->seen);
    free(P->first_id);
}

/* Reads the CSV file by ranges on every core. 1 when its results are in
 * S; 0 when the ordered pipeline must read it (nothing in S changed); *rc
 * a fatal error. */
static int run_ranges(struct cxm_surveys *S, int *rc) {
    cxm_ctx *c = &S->R->c;
    const cxm_report_opts *o = c->o;
    *rc = CXM_OK;
    cxm_range_job j = {.path = S->path, .delimiter = o->delimiter, .stride = sizeof(rg_part), .row = rg_record,
                       .expect = rg_expect, .what = "responses", .progress = o->progress, .ud = o->ud};
    if (!(j.n = cxm_range_plan(S->path, &j.size))) return 0;
    size_t n = j.n;
    rg_part *parts = calloc(n, sizeof *parts);
    if (!parts) return 0;
    j.parts = parts;
    for (size_t k = 0; k < n; k++) {
        rg_part *P = &parts[k];
        P->S = S;
        P->plain = S->map.src[RS_SCALE_MIN] < 0 && S->map.src[RS_SCALE_MAX] < 0;
        P->lazy = 1;
        P->nf = S->map.nsrc;
        int cols[4 + CXM_MAX_GROUP_KEYS] = {S->map.src[RS_RESPONSE_ID], S->map.src[RS_AT], S->map.src[RS_SURVEY],
                                            S->map.src[RS_SCORE]};
        for (size_t i = 0; i < c->nby; i++) cols[4 + i] = c->by[i].is_time ? -1 : S->by_src[i];
        for (size_t i = 0; i < 4 + c->nby; i++) P->ix[i] = cols[i] >= 0 && (size_t)cols[i] < P->nf ? cols[i] : -1;
        for (size_t i = 0; i < CXM_MAX_GROUP_KEYS; i++) cxm_dict_init(&P->term[i], CXM_MAX_DICT_VALUES);
        cxm_dict_init(&P->skey, CXM_MAX_GROUPS);
        cxm_idset_init(&P->seen, CXM_MAX_RECORDS);
    }
    int ok = !cxm_range_open(&j);
    if (ok) {
        cxm_range_run(&j);
        if (o->progress) o->progress(o->ud, "responses", j.size, j.size);
        ok = rg_merge(S, parts, n, rc);
    }
    for (size_t k = 0; k < n; k++) rg_part_free(&parts[k]);
    free(parts);
    return ok;
}

int cxm_surveys_run(report *R) {
    struct cxm_surveys *S = R->sv;
    if (!S || !S->path) return CXM_OK;
    cxm_ctx *c = &R->c;
    const cxm_report_opts *o = c->o;
    for (size_t k = 0; k < S->njoins; k++) {
        join_term *j = &S->joins[k];
        if (!j->tsrc && c->tickets_path && c->ncols)
            j->tsrc = cxm_colmap_find(&c->map, c->names, c->ncols, j->name) + 1;
        if (!j->tsrc && c->ncols)
            return cxm_diag_set(c->diag, CXM_EUSAGE, S->path, 1, 0, NULL,
                                "neither the responses nor the tickets have a column '%s'", j->name);
    }
    cxm_rows *r = NULL;
    cxm_rows_format fmt = cxm_rows_guess_format(S->path);
    int rc = cxm_rows_open(&r, S->path, fmt, o->delimiter ? o->delimiter : ',', c->diag);
    if (rc) return rc;
    S->defer = !S->themes && S->compare != CXM_COMPARE_WINDOW;
    if (fmt == CXM_ROWS_CSV && S->defer && run_ranges(S, &rc)) {
        cxm_rows_free(r);
        return rc;
    }
    if (!rc) rc = fmt == CXM_ROWS_CSV ? run_csv(S, r) : run_ndjson(S, r);
    if (!rc) rc = drain(S, 0);
    cxm_rows_free(r);
    if (!rc) cxm_surveys_warn_bad_rows(R);
    return rc;
}

void cxm_surveys_warn_bad_rows(report *R) {
    struct cxm_surveys *S = R->sv;
    if (S && S->bad_rows) cxm_ctx_warn(&R->c, "%s: %llu bad rows skipped", S->path, (unsigned long long)S->bad_rows);
}

int cxm_surveys_read_file(report *R) {
    struct cxm_surveys *S = R->sv;
    if (!S || !S->path) return CXM_OK; /* no survey metric: a report reads no answers */
    cxm_ctx *c = &R->c;
    const char *path = c->read_path ? c->read_path : S->path;
    cxm_rows *r = NULL;
    int rc = cxm_rows_open(&r, path, CXM_ROWS_CSV, c->o->delimiter ? c->o->delimiter : ',', c->diag);
    if (rc) return rc;
    for (size_t k = 0; k < S->njoins; k++) cxm_dict_free(&S->joins[k].dict);
    S->njoins = 0;
    cxm_colmap_free(&S->map);
    rc = resolve_header(S, r);
    if (!rc && S->njoins)
        rc = cxm_diag_set(c->diag, CXM_EUSAGE, S->path, 1, 0, NULL,
                          "not mergeable: the responses have no column '%s', which comes from each answer's "
                          "ticket (that join needs every ticket before the answers)",
                          S->joins[0].name);
    S->defer = !S->themes && S->compare != CXM_COMPARE_WINDOW;
    if (!rc) rc = run_csv(S, r);
    if (!rc) rc = drain(S, 0);
    cxm_rows_free(r);
    return rc;
}

void cxm_surveys_forget_kept(report *R) {
    struct cxm_surveys *S = R->sv;
    if (!S) return;
    for (size_t k = 0; k < S->nkinds; k++) S->kinds[k].kept = NULL;
    S->theme_kept = NULL;
}

/* ---- results --------------------------------------------------------------- */

static const char *variant_of(const struct cxm_surveys *S, int sm) {
    return cxm_survey_variant_name(S->defs[sm].variant);
}

/* The comparison state of group code g (key) and kind k, or NULL. */
static const sv_state *previous_of(struct cxm_surveys *S, const uint64_t *key, size_t kind) {
    report *R = S->R;
    cxm_ctx *c = &R->c;
    uint64_t pk[CXM_MAX_GROUP_KEYS];
    uint32_t code;
    const sv_state *st;
    if (S->compare == CXM_COMPARE_BUCKET) {
        memcpy(pk, key, c->nby * sizeof *pk);
        int64_t day = (int64_t)pk[c->time_term];
        pk[c->time_term] = (uint64_t)cxm_bucket_start(c->by[c->time_term].bucket, day - 1);
        if (!cxm_dict_find(&S->g.keys, (const char *)pk, c->nby * sizeof *pk, &code)) return NULL;
        return find_state(S, code, kind, 0, &st) ? st : NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < c->nby; i++)
        if (!c->by[i].is_time) pk[k++] = key[i];
    if (!cxm_dict_find(&S->gp.keys, (const char *)pk, k * sizeof *pk, &code)) return NULL;
    return find_state(S, code, kind, 1, &st) ? st : NULL;
}

/* Strings in results must outlive the surveys' state: copy them into the
 * result set's arena once. */
static const char *kept_name(struct cxm_surveys *S, size_t kind) {
    survey_kind *sk = &S->kinds[kind];
    if (!sk->kept) sk->kept = cxm_arena_strndup(&S->R->rs->arena, sk->name, strlen(sk->name));
    return sk->kept;
}

static const char *kept_theme(struct cxm_surveys *S, uint32_t t) {
    if (!S->theme_kept) {
        S->theme_kept = cxm_arena_alloc(&S->R->rs->arena, cxm_themes_count(S->themes) * sizeof *S->theme_kept + 1);
        if (!S->theme_kept) return NULL;
        memset((void *)S->theme_kept, 0, cxm_themes_count(S->themes) * sizeof *S->theme_kept);
    }
    if (!S->theme_kept[t]) {
        const char *n = cxm_themes_name(S->themes, t);
        S->theme_kept[t] = cxm_arena_strndup(&S->R->rs->arena, n, strlen(n));
    }
    return S->theme_kept[t];
}

static int emit_one(struct cxm_surveys *S, int m, const cxm_result *base, const sv_state *st, size_t kind,
                    const uint64_t *key, int *below) {
    report *R = S->R;
    const survey_kind *sk = &S->kinds[kind];
    const char *kname = kept_name(S, kind);
    if (!kname) return CXM_ENOMEM;
    cxm_result r = *base;
    cxm_diag d;
    int rc;
    if (m == M_RESPONSE_RATE) {
        r.target = kname;
        uint64_t sent = st->h.n + st->unanswered;
        r.n = (int64_t)sent;
        if (!S->any_unanswered) {
            r.is_null = 1;
            r.null_reason = "no unanswered survey in the data: include the surveys sent with an empty score";
        } else if (!sent) {
            r.is_null = 1;
            r.null_reason = "no survey sent in this group";
        } else {
            r.value = 100.0 * (double)st->h.n / (double)sent;
            r.has_ci = 1;
            cxm_ci_wilson((double)st->h.n, (double)sent, R->c.confidence, &r.ci_low, &r.ci_high);
            r.ci_low *= 100;
            r.ci_high *= 100;
        }
        return cxm_rs_push(R->rs, &r);
    }
    if (m == M_DISTRIBUTION) {
        cxm_survey_bin bins[CXM_SURVEY_NBOXES];
        size_t nb;
        if ((rc = cxm_survey_distribution(&st->h, R->c.confidence, bins, CXM_SURVEY_NBOXES, &nb, &d))) return rc;
        for (size_t i = 0; i < nb; i++) {
            cxm_result x = r;
            char sbuf[16];
            int len = snprintf(sbuf, sizeof sbuf, "%d", bins[i].score);
            x.target = kname;
            x.unit = CXM_UNIT_PERCENT;
            x.stat = cxm_arena_strndup(&R->rs->arena, sbuf, (size_t)len);
            if (!x.stat) return CXM_ENOMEM;
            x.n = (int64_t)st->h.n;
            if (!st->h.n) {
                x.is_null = 1;
                x.null_reason = "no answers in this group";
            } else {
                x.value = bins[i].pct;
                x.has_ci = 1;
                x.ci_low = bins[i].ci_low;
                x.ci_high = bins[i].ci_high;
            }
            if ((rc = cxm_rs_push(R->rs, &x))) return rc;
        }
        return CXM_OK;
    }
    int sm = sk->metric;
    cxm_survey_result res;
    if ((rc = cxm_survey_def_check(&S->defs[sm], sk->scale, &d)) ||
        (rc = cxm_survey_compute(&st->h, &S->defs[sm], &res, &d))) {
        *R->c.diag = d;
        return rc;
    }
    r.variant = variant_of(S, sm);
    r.unit = res.unit;
    r.n = (int64_t)res.n;
    if (res.is_null) {
        r.is_null = 1;
        r.null_reason = res.null_reason;
    } else {
        r.value = res.value;
        r.has_ci = res.has_ci;
        r.ci_low = res.ci_low;
        r.ci_high = res.ci_high;
    }
    r.below_min_n = res.below_min_n;
    *below += res.below_min_n;
    if (sm == CXM_SURVEY_NPS || sm == CXM_SURVEY_ENPS) {
        r.has_buckets = 1;
        r.promoters = (int64_t)res.promoters;
        r.passives = (int64_t)res.passives;
        r.detractors = (int64_t)res.detractors;
    }
    if (S->compare) {
        const sv_state *prev = previous_of(S, key, kind);
        cxm_survey_compare_result cr;
        if (prev && (rc = cxm_survey_compare(&st->h, &prev->h, &S->defs[sm], &cr, &d)) == CXM_OK && !cr.is_null) {
            r.has_compare = 1;
            r.previous = cr.previous;
            r.change = cr.change;
            r.p_value = cr.p_value;
            r.significant = cr.significant;
            r.test = cr.test;
            r.previous_n = (int64_t)prev->h.n;
        }
    }
    return cxm_rs_push(R->rs, &r);
}

static int metric_kind(int m) {
    switch (m) {
    case M_CSAT: return CXM_SURVEY_CSAT;
    case M_CES: return CXM_SURVEY_CES;
    case M_NPS: return CXM_SURVEY_NPS;
    case M_ENPS: return CXM_SURVEY_ENPS;
    case M_ESAT: return CXM_SURVEY_ESAT;
    default: return -1;
    }
}

int cxm_surveys_has_data(const report *R, int m) {
    const struct cxm_surveys *S = R->sv;
    if (!S) return 0;
    if (m == M_THEME_SHARE || m == M_THEME_SCORE || m == M_THEME_IMPACT) return S->themes && S->nkinds;
    if (m == M_RESPONSE_RATE) return S->any_unanswered;
    int sm = metric_kind(m);
    for (size_t k = 0; k < S->nkinds; k++)
        if (sm < 0 || S->kinds[k].metric == sm) return 1;
    return 0;
}

static const char *missing_reason(const struct cxm_surveys *S) {
    return S && S->path ? "no answers to this survey in the data" : "needs survey answers (--responses FILE)";
}

/* The standard error of a survey value in its own unit, for the theme
 * impact's interval: NPS its (Wald) SE; a share sqrt(p(1-p)/n); a mean
 * sd/sqrt(n) (pct_of_max scaled to percent of the maximum). NaN when
 * undefined (n < 2 for a mean). */
static double impact_se(const cxm_survey_result *r) {
    if (r->is_null || !r->n) return NAN;
    double n = (double)r->n;
    if (r->metric == CXM_SURVEY_NPS || r->metric == CXM_SURVEY_ENPS) return r->se;
    if (r->variant == CXM_SURVEY_MEAN) return r->sd / sqrt(n);
    if (r->variant == CXM_SURVEY_PCT_OF_MAX) return r->value / r->mean * r->sd / sqrt(n);
    double p = (double)r->k / n;
    return 100.0 * sqrt(p * (1 - p) / n);
}

static int emit_themes(struct cxm_surveys *S, int m, const cxm_result *base0) {
    report *R = S->R;
    gref *gs;
    int rc = cxm_report_sorted_groups(R, &S->g, 0, &gs);
    if (rc) return rc;
    size_t nt = cxm_themes_count(S->themes);
    cxm_diag d;
    for (size_t gi = 0; gi < S->g.keys.count && !rc; gi++) {
        cxm_result gb = *base0;
        if ((rc = cxm_report_set_group(R, &gb, gs[gi].key, 0, 0))) break;
        for (uint32_t t = 0; t < nt && !rc; t++) {
            cxm_result b = gb;
            if (!(b.target = kept_theme(S, t))) {
                rc = CXM_ENOMEM;
                break;
            }
            if (m == M_THEME_SHARE) {
                uint64_t mentions = 0, commented = 0;
                for (size_t k = 0; k < S->nkinds; k++) {
                    const sv_state *all, *with;
                    if (find_state(S, gs[gi].code, k, 0, &all)) commented += all->commented;
                    if (find_state_theme(S, gs[gi].code, k, 0, t + 1, &with)) mentions += with->h.n;
                }
                b.n = (int64_t)commented;
                if (!commented) {
                    b.is_null = 1;
                    b.null_reason = "no answer with a comment in this group";
                } else {
                    b.value = 100.0 * (double)mentions / (double)commented;
                    b.has_ci = 1;
                    cxm_ci_wilson((double)mentions, (double)commented, R->c.confidence, &b.ci_low, &b.ci_high);
                    b.ci_low *= 100;
                    b.ci_high *= 100;
                }
                rc = cxm_rs_push(R->rs, &b);
                continue;
            }
            for (size_t k = 0; k < S->nkinds && !rc; k++) {
                int sm = S->kinds[k].metric;
                const sv_state *all, *with;
                if (sm < 0 || !find_state(S, gs[gi].code, k, 0, &all)) continue;
                cxm_result r = b;
                if (!(r.stat = kept_name(S, k))) {
                    rc = CXM_ENOMEM;
                    break;
                }
                r.variant = variant_of(S, sm);
                cxm_survey_state w0;
                if (!find_state_theme(S, gs[gi].code, k, 0, t + 1, &with)) {
                    if ((rc = cxm_survey_init(&w0, S->kinds[k].scale, NULL))) break;
                    with = NULL;
                }
                const cxm_survey_state *wh = with ? &with->h : &w0;
                cxm_survey_result res;
                if ((rc = cxm_survey_def_check(&S->defs[sm], S->kinds[k].scale, &d))) {
                    *R->c.diag = d;
                    break;
                }
                if (m == M_THEME_SCORE) {
                    if ((rc = cxm_survey_compute(wh, &S->defs[sm], &res, &d))) break;
                    r.unit = res.unit;
                    r.n = (int64_t)res.n;
                    if (res.is_null) {
                        r.is_null = 1;
                        r.null_reason = "no answer mentions this theme";
                    } else {
                        r.value = res.value;
                        r.has_ci = res.has_ci;
                        r.ci_low = res.ci_low;
                        r.ci_high = res.ci_high;
                        r.below_min_n = res.below_min_n;
                    }
                } else { /* impact: all minus all-without-the-theme */
                    cxm_survey_state without = all->h;
                    for (int sc = without.scale.min; sc <= without.scale.max; sc++) without.count[sc] -= wh->count[sc];
                    without.n -= wh->n;
                    cxm_survey_result ra, rw;
                    if ((rc = cxm_survey_compute(&all->h, &S->defs[sm], &ra, &d)) ||
                        (rc = cxm_survey_compute(&without, &S->defs[sm], &rw, &d)))
                        break;
                    r.unit = ra.unit;
                    r.n = (int64_t)ra.n;
                    if (ra.is_null || rw.is_null || !wh->n) {
                        r.is_null = 1;
                        r.null_reason = !wh->n ? "no answer mentions this theme"
                                               : "every answer mentions this theme: nothing to compare with";
                    } else {
                        r.value = ra.value - rw.value;
                        /* interval: impact = w (M_with - M_without) with w the
                         * share mentioning the theme (every variant is linear
                         * in the score histogram), the two samples disjoint:
                         * SE = w sqrt(SE_with^2 + SE_without^2), w held fixed */
                        cxm_survey_result rt;
                        if ((rc = cxm_survey_compute(wh, &S->defs[sm], &rt, &d))) break;
                        double se_t = impact_se(&rt), se_w = impact_se(&rw);
                        if (!isnan(se_t) && !isnan(se_w)) {
                            double w = (double)wh->n / (double)all->h.n,
                                   h = cxm_z_for(R->c.confidence) * w * sqrt(se_t * se_t + se_w * se_w);
                            r.has_ci = 1;
                            r.ci_low = r.value - h;
                            r.ci_high = r.value + h;
                        }
                    }
                }
                rc = cxm_rs_push(R->rs, &r);
            }
        }
    }
    free(gs);
    return rc;
}

int cxm_surveys_emit(report *R, int m) {
    struct cxm_surveys *S = R->sv;
    const cxm_metric_info *mi = cxm_catalog_get((size_t)m);
    cxm_result base;
    memset(&base, 0, sizeof base);
    base.metric = mi->id;
    base.unit = mi->unit;
    /* which kinds this metric reads */
    int sm = metric_kind(m);
    if (m == M_THEME_SHARE || m == M_THEME_SCORE || m == M_THEME_IMPACT) {
        if (S && S->themes && S->nkinds) return emit_themes(S, m, &base);
        base.is_null = 1;
        base.null_reason = !S || !S->path ? "needs survey answers (--responses FILE)"
                           : !S->themes  ? "needs a theme file (--themes FILE)"
                                         : "no answers in the data";
        cxm_ctx_warn(&R->c, "%s: %s", mi->id, base.null_reason);
        return cxm_rs_push(R->rs, &base);
    }
    int any = 0;
    for (size_t k = 0; S && k < S->nkinds; k++) any |= sm < 0 || S->kinds[k].metric == sm;
    if (!any) { /* one null row says why */
        base.is_null = 1;
        base.null_reason = missing_reason(S);
        if (sm >= 0 && S) base.variant = variant_of(S, sm);
        cxm_ctx_warn(&R->c, "%s: %s", mi->id, base.null_reason);
        return cxm_rs_push(R->rs, &base);
    }
    gref *gs;
    int rc = cxm_report_sorted_groups(R, &S->g, 0, &gs);
    if (rc) return rc;
    int below = 0;
    for (size_t gi = 0; gi < S->g.keys.count && !rc; gi++) {
        for (size_t k = 0; k < S->nkinds && !rc; k++) {
            if (sm >= 0 && S->kinds[k].metric != sm) continue;
            const sv_state *st;
            if (!find_state(S, gs[gi].code, k, 0, &st)) continue;
            cxm_result b = base;
            if ((rc = cxm_report_set_group(R, &b, gs[gi].key, 0, 0))) break;
            rc = emit_one(S, m, &b, st, k, gs[gi].key, &below);
        }
    }
    free(gs);
    if (!rc && below)
        cxm_ctx_warn(&R->c, "%s: %d values rest on fewer than %llu answers (below_min_n); read them with care", mi->id,
                     below, (unsigned long long)S->defs[sm >= 0 ? sm : 0].min_n);
    return rc;
}

void cxm_surveys_free(report *R) {
    struct cxm_surveys *S = R->sv;
    if (!S) return;
    free(S->path);
    cxm_gtable_free(&S->g);
    cxm_gtable_free(&S->gp);
    cxm_dict_free(&S->skey);
    cxm_dict_free(&S->tids);
    cxm_idset_free(&S->seen);
    cxm_colmap_free(&S->map);
    for (size_t k = 0; k < S->njoins; k++) {
        cxm_dict_free(&S->joins[k].dict);
        free(S->joins[k].code);
    }
    free(S->st);
    free(S->tids_buf);
    cxm_themes_free(S->themes);
    cxm_text_free(S->text);
    free(S);
    R->sv = NULL;
}
