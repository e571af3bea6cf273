/*
 * report.c - cxm_report_run: the support kernels and the result set.
 *
 * Each requested metric owns one or more slots per group; a slot is a
 * mergeable state: a count (n), a proportion (k of n), the values of a
 * distribution, and for SLA targets the due instants of targets still
 * open (judged against --as-of once the data is read). Groups are keyed
 * by the --by terms (a time bucket's first local day, dictionary codes of
 * column values) and interned in a hash table.
 *
 * Backlog keeps per group (without the time term) the creation and
 * resolution instants, so the backlog at any instant T is
 * #created <= T - #resolved <= T, evaluated at the end of every bucket.
 */
#define _GNU_SOURCE /* qsort_r */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"
#include "metrics/catalog.h"
#include "metrics/engine.h"
#include "metrics/report.h"
#include "metrics/compare.h"
#include "metrics/result.h"
#include "stats/stats.h"

enum { ST_MEAN = -1, ST_MIN = 0, ST_MAX = 1000 };


int cxm_dvec_push(dvec *v, double x) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        double *p = realloc(v->v, cap * sizeof *p);
        if (!p) return CXM_ENOMEM;
        v->v = p;
        v->cap = cap;
    }
    v->v[v->n++] = x;
    return CXM_OK;
}

/* cxm_sort_doubles' order as an unsigned key (IEEE totalOrder: see stats/quantile.c). */
static inline uint64_t order_key(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u >> 63 ? ~u : u | (1ull << 63);
}

int cxm_dvec_sort(dvec *v) {
    if (v->sorted) return CXM_OK;
    size_t ns = v->nsorted, m = v->n - ns;
    int rc = CXM_OK;
    if (ns && ns < v->n && m < ns) { /* a sorted prefix: sort the tail, merge from the back */
        double *tail = malloc(m * sizeof *tail);
        if (!tail) return CXM_ENOMEM;
        memcpy(tail, v->v + ns, m * sizeof *tail);
        if ((rc = cxm_sort_doubles(tail, m, NULL))) {
            free(tail);
            return rc;
        }
        size_t i = ns, j = m, k = v->n;
        while (j) {
            if (i && order_key(v->v[i - 1]) > order_key(tail[j - 1])) v->v[--k] = v->v[--i];
            else v->v[--k] = tail[--j];
        }
        free(tail);
    } else if (v->n > 1 && ns < v->n) {
        rc = cxm_sort_doubles(v->v, v->n, NULL);
    }
    if (!rc) {
        v->sorted = 1;
        v->nsorted = v->n;
    }
    return rc;
}

void cxm_gtable_init(gtable *g, size_t nslots) {
    memset(g, 0, sizeof *g);
    cxm_dict_init(&g->keys, CXM_MAX_GROUPS);
    g->nslots = nslots;
}

void cxm_gtable_free(gtable *g) {
    if (g->slots) {
        for (size_t i = 0; i < g->keys.count * g->nslots; i++) {
            free(g->slots[i].d.v);
            free(g->slots[i].pend.v);
        }
    }
    free(g->slots);
    cxm_dict_free(&g->keys);
}

/* The group code of key[0..nkey), the group created on first sight. Slot
 * pointers are invalidated by a new group: index g->slots by code. */
int cxm_gtable_code(gtable *g, const uint64_t *key, size_t nkey, uint32_t *out) {
    uint32_t code;
    int added;
    int rc = cxm_dict_intern(&g->keys, (const char *)key, nkey * sizeof *key, &code, &added);
    if (rc) return rc;
    if (added && code >= g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        slot *p = realloc(g->slots, cap * g->nslots * sizeof *p);
        if (!p) return CXM_ENOMEM;
        memset(p + g->cap * g->nslots, 0, (cap - g->cap) * g->nslots * sizeof *p);
        g->slots = p;
        g->cap = cap;
    }
    *out = code;
    return CXM_OK;
}

#define KEY_MISSING UINT64_MAX

/* The time bucket (first local day) of instant t, as cxm_ctx_time_bucket,
 * with the local-seconds range of the last bucket remembered: rows cluster
 * in time, so most rows need only the zone offset and two comparisons
 * (callgrind: 98 -> ~35 instructions a row). The range [day, next day) in
 * local seconds is exact in any zone. */
int64_t cxm_report_bucket(report *R, cxm_bucket b, cxm_time t) {
    const cxm_ctx *c = &R->c;
    int64_t local = cxm_tz_to_local(c->tz, cxm_floordiv(t, 1000));
    if (local >= R->tb_lo && local < R->tb_hi && b == R->tb_bucket) return R->tb_day;
    int64_t day = cxm_bucket_start(b, cxm_floordiv(local, 86400)), next = cxm_next_bucket(b, day);
    if (day < INT64_MAX / 86400 && day > INT64_MIN / 86400 && next < INT64_MAX / 86400) {
        R->tb_lo = day * 86400;
        R->tb_hi = next * 86400;
        R->tb_bucket = b;
        R->tb_day = day;
    }
    return day;
}

/* The dictionary code of value v[0..n) (n > 0) of column term t, through
 * the term's direct-mapped memo. */
static inline int term_code(cxm_ctx *c, cxm_byterm *t, const char *v, size_t n, uint64_t *out) {
    cxm_memo *e = &t->memo[cxm_hash_short(v, n) & (CXM_BYTERM_MEMO - 1)];
    if (!(e->s && e->len == n && cxm_same_short(e->s, v, n))) {
        uint32_t code;
        int rc = cxm_dict_intern(&t->dict, v, n, &code, NULL);
        if (rc) return cxm_diag_set(c->diag, rc, NULL, 0, 0, t->name, "too many distinct values to group by");
        e->s = cxm_dict_str(&t->dict, code);
        e->len = (uint32_t)n;
        e->code = code;
    }
    *out = e->code;
    return CXM_OK;
}

int cxm_report_key(report *R, const cxm_field *vals, cxm_time anchor, uint64_t *key, int with_time) {
    cxm_ctx *c = &R->c;
    size_t k = 0;
    for (size_t i = 0; i < c->nby; i++) {
        cxm_byterm *t = &c->by[i];
        if (t->is_time) {
            if (!with_time) continue;
            key[k++] = (uint64_t)cxm_report_bucket(R, t->bucket, anchor);
        } else if (!vals[i].ptr || !vals[i].len) {
            key[k++] = KEY_MISSING;
        } else {
            int rc = term_code(c, t, vals[i].ptr, vals[i].len, &key[k++]);
            if (rc) return rc;
        }
    }
    return CXM_OK;
}

/* The --by key of a tickets row: cxm_report_key over the row's columns,
 * in one loop. */
static int make_key(report *R, const cxm_field *f, size_t nf, cxm_time anchor, uint64_t *key, int with_time) {
    cxm_ctx *c = &R->c;
    size_t k = 0;
    for (size_t i = 0; i < c->nby; i++) {
        cxm_byterm *t = &c->by[i];
        int src = t->src;
        if (t->is_time) {
            if (with_time) key[k++] = (uint64_t)cxm_report_bucket(R, t->bucket, anchor);
        } else if (src < 0 || (size_t)src >= nf || !f[src].ptr || !f[src].len) {
            key[k++] = KEY_MISSING;
        } else {
            int rc = term_code(c, t, f[src].ptr, f[src].len, &key[k++]);
            if (rc) return rc;
        }
    }
    return CXM_OK;
}

int cxm_report_in_window(const cxm_ctx *c, cxm_time t) {
    if (t == CXM_TIME_NULL) return 0;
    if (c->from != CXM_TIME_NULL && t < c->from) return 0;
    if (c->to != CXM_TIME_NULL && t >= c->to) return 0;
    return 1;
}

/* Which instant a metric's ticket is reported under (see cxm_report_date). */
static int anchor_of(const report *R, int m) {
    cxm_report_date rd = R->c.defs.report_date;
    if (rd == RD_CREATED) return 0;
    if (m == M_FIRST_RESOLUTION_TIME || m == M_RESOLUTION_TIME || m == M_COMPLAINT_RESOLUTION_TIME ||
        m == M_FCR || m == M_REOPEN_RATE)
        return 1;
    if (rd == RD_EVENT && m == M_FRT) return 2;
    return 0;
}

static int add_value(slot *s, double v) {
    if (isnan(v)) return CXM_OK;
    return cxm_dvec_push(&s->d, v);
}

static void add_prop(slot *s, int hit) {
    s->n++;
    s->k += hit != 0;
}

static int observe(report *R, int m, slot *gs, const cxm_ticket *t, const cxm_derived *d) {
    slot *s = &gs[R->slot_of[m]];
    switch (m) {
    case M_VOLUME: s->n++; return CXM_OK;
    case M_FRT: return add_value(s, d->frt);
    case M_REPLY_TIME:
        for (uint32_t i = 0; i < t->nreplies; i++) {
            cxm_time a = t->replies[2 * i], b = t->replies[2 * i + 1];
            double v = R->c.business ? (d->cal ? (double)cxm_calendar_business_ms((cxm_calendar *)d->cal, a, b) / 1000.0 : NAN)
                                     : (double)(b - a) / 1000.0;
            int rc = add_value(s, v);
            if (rc) return rc;
        }
        return CXM_OK;
    case M_FIRST_RESOLUTION_TIME: return add_value(s, d->first_res);
    case M_RESOLUTION_TIME: return add_value(s, d->res);
    case M_COMPLAINT_RESOLUTION_TIME: return t->complaint == 1 ? add_value(s, d->res) : CXM_OK;
    case M_AHT: return add_value(s, d->aht);
    case M_ASA: return add_value(s, d->asa);
    case M_FCR:
        if (d->fcr >= 0) add_prop(s, d->fcr);
        else if (t->resolved != CXM_TIME_NULL && t->abandoned != 1) R->c.fcr_unknown++;
        return CXM_OK;
    case M_RESOLUTION_RATE:
        if (t->abandoned != 1) add_prop(s, t->resolved != CXM_TIME_NULL);
        return CXM_OK;
    case M_REOPEN_RATE:
        if (t->resolved != CXM_TIME_NULL && t->reopens >= 0) add_prop(s, t->reopens > 0);
        return CXM_OK;
    case M_ABANDONMENT_RATE:
        if (t->abandoned >= 0) add_prop(s, t->abandoned);
        return CXM_OK;
    case M_SLA_COMPLIANCE:
        for (int k = 0; k < SLA_NTARGETS; k++) {
            slot *ks = s + k;
            if (k == SLA_NEXT_REPLY) {
                ks->n += d->nr_met + d->nr_breached;
                ks->k += d->nr_met;
                if (d->nr_open_due != CXM_TIME_NULL) {
                    int rc = cxm_dvec_push(&ks->pend, (double)d->nr_open_due);
                    if (rc) return rc;
                }
                continue;
            }
            if (d->sla[k] == SLA_MET || d->sla[k] == SLA_BREACHED) add_prop(ks, d->sla[k] == SLA_MET);
            else if (d->sla[k] == SLA_OPEN) {
                int rc = cxm_dvec_push(&ks->pend, (double)d->sla_due[k]);
                if (rc) return rc;
            }
        }
        return CXM_OK;
    }
    return CXM_OK;
}

#define NO_GROUP UINT32_MAX

/* gtable_code for the full --by key, through a direct-mapped memo of
 * recent keys: a report has few groups alive at any time (a week's worth
 * of channels), so nearly every row skips the dictionary's XXH3 hash,
 * probe and memcmp (callgrind: ~145 -> ~25 instructions a row). */
static int group_code(report *R, const uint64_t *key, uint32_t *out) {
    size_t nkey = R->c.nby;
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < nkey; i++) h = (h ^ key[i]) * 0xff51afd7ed558ccdull;
    gmemo *e = &R->gm[(h ^ (h >> 29)) & (GMEMO - 1)];
    int hit = e->code != NO_GROUP;
    for (size_t i = 0; hit && i < nkey; i++) hit = e->key[i] == key[i];
    if (hit) {
        *out = e->code;
        return CXM_OK;
    }
    int rc = cxm_gtable_code(&R->g, key, nkey, out);
    if (rc) return rc;
    memcpy(e->key, key, nkey * sizeof *key);
    e->code = *out;
    return CXM_OK;
}

/* The group code of the ticket reported under instant at, or NO_GROUP when
 * at is outside the window. */
static int group_of(report *R, const cxm_field *f, size_t nf, cxm_time at, uint32_t *code) {
    uint64_t key[CXM_MAX_GROUP_KEYS];
    *code = NO_GROUP;
    if (!cxm_report_in_window(&R->c, at)) return CXM_OK;
    int rc = make_key(R, f, nf, at, key, 1);
    if (!rc) rc = group_code(R, key, code);
    if (!rc && R->c.time_term >= 0) {
        int64_t day = (int64_t)key[R->c.time_term];
        if (day < R->min_bucket) R->min_bucket = day;
        if (day > R->max_bucket) R->max_bucket = day;
    }
    return rc;
}

static int on_ticket(cxm_ctx *c, const cxm_ticket *t, const cxm_derived *d, const cxm_field *f, size_t nf) {
    report *R = (report *)c;
    uint32_t g[3] = {NO_GROUP, NO_GROUP, NO_GROUP}; /* created, resolved, first response */
    int rc;
    if (cxm_surveys_need_tickets(R) && (rc = cxm_surveys_note_ticket(R, t, f, nf))) return rc;
    if ((rc = group_of(R, f, nf, t->created, &g[0]))) return rc;
    if (c->defs.report_date != RD_CREATED && (rc = group_of(R, f, nf, d->res_at, &g[1]))) return rc;
    if (c->defs.report_date == RD_EVENT && (rc = group_of(R, f, nf, t->first_response, &g[2]))) return rc;
    for (size_t i = 0; i < R->nplan; i++) { /* (R->unsupported is only known after the run) */
        uint32_t code = g[R->plan[i].anchor];
        if (code != NO_GROUP && (rc = observe(R, R->plan[i].m, &R->g.slots[(size_t)code * R->g.nslots], t, d)))
            return rc;
    }
    if (R->want[M_BACKLOG] && !R->unsupported[M_BACKLOG] && t->abandoned != 1) {
        uint64_t key[CXM_MAX_GROUP_KEYS];
        uint32_t code;
        if ((rc = make_key(R, f, nf, t->created, key, 0)) ||
            (rc = cxm_gtable_code(&R->bl, key, c->nby - (c->time_term >= 0), &code)))
            return rc;
        slot *bs = &R->bl.slots[code];
        if ((rc = cxm_dvec_push(&bs->d, (double)t->created))) return rc;
        if (t->resolved != CXM_TIME_NULL && (rc = cxm_dvec_push(&bs->pend, (double)t->resolved))) return rc;
        if (c->time_term >= 0) {
            int64_t day;
            cxm_ctx_time_bucket(c, c->by[c->time_term].bucket, t->created, &day);
            if (day < R->min_bucket) R->min_bucket = day;
            if (day > R->max_bucket) R->max_bucket = day;
        }
    }
    return CXM_OK;
}

/* ---- parts: the tickets read by ranges (metrics/ingest.c) -------------------
 *
 * A part is a copy of the report with its own groups (g, bl), memos, time
 * bucket and run state (cxm_ctx_part_init); on_ticket fills it as it
 * fills the report. Merging adds counts and proportions and appends value
 * vectors: every output is computed from sorted vectors or sums, so the
 * result does not depend on which part saw a ticket. Group and dictionary
 * codes may differ from one pass's; groups are output sorted by their
 * values, not by code. */
static cxm_ctx *part_new(cxm_ctx *c) {
    report *R = (report *)c, *P = malloc(sizeof *P);
    if (!P) return NULL;
    *P = *R;
    if (cxm_ctx_part_init(&P->c, &R->c)) {
        cxm_ctx_part_free(&P->c);
        free(P);
        return NULL;
    }
    cxm_gtable_init(&P->g, R->g.nslots);
    cxm_gtable_init(&P->bl, R->bl.nslots);
    for (size_t i = 0; i < GMEMO; i++) P->gm[i].code = NO_GROUP;
    P->tb_lo = P->tb_hi = P->tb_day = 0;
    P->min_bucket = INT64_MAX;
    P->max_bucket = INT64_MIN;
    P->rs = NULL;
    P->sv = NULL;
    return &P->c;
}

static void part_free(cxm_ctx *c) {
    if (!c) return;
    report *P = (report *)c;
    cxm_gtable_free(&P->g);
    cxm_gtable_free(&P->bl);
    cxm_ctx_part_free(&P->c);
    free(P);
}

/* b's values after a's (b emptied when a was: its array moves). */
static int dvec_append(dvec *a, dvec *b) {
    if (!b->n) return CXM_OK;
    if (!a->n) {
        free(a->v);
        *a = *b;
        b->v = NULL;
        b->n = b->cap = 0;
        return CXM_OK;
    }
    if (a->n + b->n > a->cap) {
        size_t cap = a->cap;
        while (cap < a->n + b->n) cap *= 2;
        double *p = realloc(a->v, cap * sizeof *p);
        if (!p) return CXM_ENOMEM;
        a->v = p;
        a->cap = cap;
    }
    memcpy(a->v + a->n, b->v, b->n * sizeof *b->v);
    a->n += b->n;
    return CXM_OK;
}

/* The groups of part table pg into table g: keys translated term by term
 * (map[i]: the part's value codes -> the report's; NULL for the time
 * term), slots added. with_time 0: keys without the time term (backlog). */
static int merge_table(report *R, gtable *g, gtable *pg, uint32_t *const *map, int with_time) {
    const cxm_ctx *c = &R->c;
    size_t nk = c->nby - (!with_time && c->time_term >= 0), ns = g->nslots;
    for (uint32_t code = 0; code < pg->keys.count; code++) {
        uint64_t key[CXM_MAX_GROUP_KEYS];
        memcpy(key, cxm_dict_str(&pg->keys, code), nk * sizeof *key);
        for (size_t i = 0, k = 0; i < c->nby; i++) {
            if (c->by[i].is_time && !with_time) continue;
            if (map[i] && key[k] != KEY_MISSING) key[k] = map[i][key[k]];
            k++;
        }
        uint32_t gc;
        int rc = cxm_gtable_code(g, key, nk, &gc);
        if (rc) return rc;
        for (size_t j = 0; j < ns; j++) {
            slot *a = &g->slots[(size_t)gc * ns + j], *b = &pg->slots[(size_t)code * ns + j];
            a->k += b->k;
            a->n += b->n;
            if ((rc = dvec_append(&a->d, &b->d)) || (rc = dvec_append(&a->pend, &b->pend))) return rc;
        }
    }
    return CXM_OK;
}

static int part_merge(cxm_ctx *c, cxm_ctx *part) {
    report *R = (report *)c, *P = (report *)part;
    uint32_t *map[CXM_MAX_GROUP_KEYS] = {NULL};
    int rc = CXM_OK;
    for (size_t i = 0; i < c->nby && !rc; i++) { /* the part's values, in the order it met them */
        const cxm_dict *pd = &P->c.by[i].dict;
        if (c->by[i].is_time || !pd->count) continue;
        if (!(map[i] = malloc(pd->count * sizeof *map[i]))) rc = CXM_ENOMEM;
        for (uint32_t v = 0; !rc && v < pd->count; v++)
            if ((rc = cxm_dict_intern(&c->by[i].dict, cxm_dict_str(pd, v), pd->lens[v], &map[i][v], NULL)))
                cxm_diag_set(c->diag, rc, NULL, 0, 0, c->by[i].name, "too many distinct values to group by");
    }
    if (!rc) rc = merge_table(R, &R->g, &P->g, map, 1);
    if (!rc) rc = merge_table(R, &R->bl, &P->bl, map, 0);
    if (P->min_bucket < R->min_bucket) R->min_bucket = P->min_bucket;
    if (P->max_bucket > R->max_bucket) R->max_bucket = P->max_bucket;
    for (size_t i = 0; i < c->nby; i++) free(map[i]);
    return rc;
}

static const cxm_part_ops report_parts = {part_new, part_merge, part_free};

/* The ticket columns the requested metrics read: only those are parsed
 * (and so checked), as a database reads only the columns a query names. */
static uint32_t columns_needed(const report *R) {
#define B(k) (1u << (k))
    uint32_t need = B(TK_TICKET_ID) | B(TK_CREATED_AT);
    uint32_t res = B(TK_RESOLVED_AT) | B(TK_ABANDONED);
    if (R->c.defs.resolution_first) res |= B(TK_FIRST_RESOLVED_AT) | B(TK_REOPENS);
    for (size_t i = 0; i < R->norder; i++) {
        switch (R->order[i]) {
        case M_VOLUME: break;
        case M_BACKLOG: need |= res | B(TK_FIRST_RESPONSE_AT); break; /* all --as-of reads */
        case M_FRT: need |= B(TK_FIRST_RESPONSE_AT); break;
        case M_REPLY_TIME: break;
        case M_FIRST_RESOLUTION_TIME: need |= res | B(TK_FIRST_RESOLVED_AT) | B(TK_REOPENS); break;
        case M_RESOLUTION_TIME: need |= res; break;
        case M_COMPLAINT_RESOLUTION_TIME: need |= res | B(TK_COMPLAINT); break;
        case M_AHT: need |= B(TK_HANDLE_SECONDS); break;
        case M_ASA: need |= B(TK_ANSWERED_AT); break;
        case M_FCR: need |= res | B(TK_AGENT_REPLIES) | B(TK_REOPENS) | B(TK_CUSTOMER_REPLIES); break;
        case M_RESOLUTION_RATE: need |= res; break;
        case M_REOPEN_RATE: need |= res | B(TK_REOPENS); break;
        case M_ABANDONMENT_RATE: need |= B(TK_ABANDONED); break;
        case M_SLA_COMPLIANCE: need |= res | B(TK_FIRST_RESPONSE_AT); break;
        }
    }
    return need;
#undef B
}

/* ---- options ----------------------------------------------------------- */

static int parse_metrics(report *R, const char *list) {
    cxm_ctx *c = &R->c;
    if (!list) {
        for (int m = 0; m < M_NSUPPORT; m++) {
            const char *why;
            if (cxm_ctx_supports(c, m, &why)) {
                R->want[m] = 1;
                R->order[R->norder++] = m;
            }
        }
        return CXM_OK;
    }
    const char *v = list;
    while (1) {
        const char *comma = strchr(v, ',');
        size_t len = comma ? (size_t)(comma - v) : strlen(v);
        char id[64];
        if (len == 0 || len >= sizeof id)
            return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--metrics '%s': empty or overlong id", list);
        memcpy(id, v, len);
        id[len] = 0;
        int m = cxm_catalog_index(id);
        if (m < 0 || m >= M_NALL)
            return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "--metrics: unknown metric '%s' (cxm metrics lists them)", id);
        if (!R->want[m]) {
            R->want[m] = 1;
            R->order[R->norder++] = m;
        }
        if (!comma) break;
        v = comma + 1;
    }
    return CXM_OK;
}

static int parse_stats(report *R, const char *list) {
    if (!list) list = R->c.defs.default_stats;
    const char *v = list;
    while (1) {
        const char *comma = strchr(v, ',');
        size_t len = comma ? (size_t)(comma - v) : strlen(v);
        static const struct { const char *name; int q; } known[] = {
            {"mean", ST_MEAN}, {"median", 500}, {"min", ST_MIN}, {"max", ST_MAX}, {"p25", 250},
            {"p50", 500}, {"p75", 750}, {"p90", 900}, {"p95", 950}, {"p99", 990}};
        int found = -1;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            if (strlen(known[k].name) == len && !memcmp(known[k].name, v, len)) found = (int)k;
        if (found < 0)
            return cxm_diag_set(R->c.diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "--stats '%.*s': expected mean, median, min, max, p25, p50, p75, p90, p95 or p99",
                                (int)len, v);
        int dup = 0;
        for (size_t k = 0; k < R->nstats; k++) dup |= !strcmp(R->stat_names[k], known[found].name);
        if (!dup) {
            if (R->nstats == NSTATS_MAX)
                return cxm_diag_set(R->c.diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--stats: too many");
            R->stats[R->nstats] = known[found].q;
            R->stat_names[R->nstats++] = known[found].name;
        }
        if (!comma) break;
        v = comma + 1;
    }
    return CXM_OK;
}

/* ---- results ----------------------------------------------------------- */

typedef struct sortctx {
    const report *R;
    int skip_time;
} sortctx;

static int cmp_gref(const void *a, const void *b, void *arg) {
    const gref *x = a, *y = b;
    const sortctx *sc = arg;
    const cxm_ctx *c = &sc->R->c;
    size_t k = 0;
    for (size_t i = 0; i < c->nby; i++) {
        const cxm_byterm *t = &c->by[i];
        if (t->is_time && sc->skip_time) continue;
        uint64_t u = x->key[k], v = y->key[k];
        k++;
        if (u == v) continue;
        if (t->is_time) return (int64_t)u < (int64_t)v ? -1 : 1;
        if (u == KEY_MISSING) return 1;
        if (v == KEY_MISSING) return -1;
        int r = strcmp(cxm_dict_str(&t->dict, (uint32_t)u), cxm_dict_str(&t->dict, (uint32_t)v));
        if (r) return r;
    }
    return 0;
}

int cxm_report_sorted_groups(const report *R, const gtable *g, int skip_time, gref **out) {
    size_t n = g->keys.count;
    gref *r = malloc((n ? n : 1) * sizeof *r);
    if (!r) return CXM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        r[i].code = (uint32_t)i;
        r[i].key = (const uint64_t *)(const void *)cxm_dict_str(&g->keys, (uint32_t)i);
    }
    sortctx sc = {R, skip_time};
    qsort_r(r, n, sizeof *r, cmp_gref, &sc);
    *out = r;
    return CXM_OK;
}

/* Fills res->group_* from key (time term given separately when skip_time). */
int cxm_report_set_group(report *R, cxm_result *res, const uint64_t *key, int skip_time, int64_t time_day) {
    cxm_ctx *c = &R->c;
    cxm_arena *a = &R->rs->arena;
    res->ngroup = c->nby;
    if (!c->nby) {
        res->group_keys = res->group_values = NULL;
        return CXM_OK;
    }
    const char **keys = cxm_arena_alloc(a, c->nby * sizeof *keys);
    const char **vals = cxm_arena_alloc(a, c->nby * sizeof *vals);
    if (!keys || !vals) return CXM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < c->nby; i++) {
        const cxm_byterm *t = &c->by[i];
        if (!R->keyname[i] && !(R->keyname[i] = cxm_arena_strndup(a, t->name, strlen(t->name))))
            return CXM_ENOMEM;
        keys[i] = R->keyname[i];
        if (t->is_time) {
            int64_t day = skip_time ? time_day : (int64_t)key[k++];
            char buf[32];
            int n = cxm_format_date(day, buf, sizeof buf);
            vals[i] = cxm_arena_strndup(a, buf, (size_t)n);
            if (!vals[i]) return CXM_ENOMEM;
        } else {
            uint64_t v = key[k++];
            if (v == KEY_MISSING) {
                vals[i] = NULL;
            } else {
                const char *sv = cxm_dict_str(&t->dict, (uint32_t)v);
                if (!(vals[i] = cxm_arena_strndup(a, sv, strlen(sv)))) return CXM_ENOMEM;
            }
        }
    }
    res->group_keys = keys;
    res->group_values = vals;
    return CXM_OK;
}

static const char *empty_reason(int m) {
    switch (m) {
    case M_FRT: return "no ticket in this group has a first response";
    case M_REPLY_TIME: return "no customer turn in this group was answered";
    case M_FIRST_RESOLUTION_TIME:
        return "no ticket in this group has a known first resolution (first_resolved_at, or resolved_at with "
               "reopens 0)";
    case M_RESOLUTION_TIME: return "no ticket in this group is resolved";
    case M_COMPLAINT_RESOLUTION_TIME: return "no resolved complaint in this group";
    case M_AHT: return "no ticket in this group has a handle time";
    case M_ASA: return "no answered call or chat in this group";
    case M_FCR: return "no resolved ticket in this group with known replies and reopens";
    case M_RESOLUTION_RATE: return "no ticket in this group";
    case M_REOPEN_RATE: return "no resolved ticket in this group with a known reopen count";
    case M_ABANDONMENT_RATE: return "no call or chat in this group records abandonment";
    case M_SLA_COMPLIANCE: return "no target in this group was met or breached";
    }
    return "no data in this group";
}

static int emit_dist(report *R, int m, slot *s, cxm_result *base) {
    int rc;
    dvec *v = &s->d;
    if ((rc = cxm_dvec_sort(v))) return rc;
    cxm_moments mo;
    cxm_moments_of(&mo, v->v, v->n);
    for (size_t k = 0; k < R->nstats; k++) {
        cxm_result r = *base;
        r.stat = R->stat_names[k];
        r.n = (int64_t)v->n;
        if (!v->n) {
            r.is_null = 1;
            r.null_reason = R->unsupported[m] ? R->unsupported[m] : empty_reason(m);
        } else if (R->stats[k] == ST_MEAN) {
            r.value = mo.mean;
            r.sd = cxm_moments_sd(&mo);
            if (v->n >= 2) {
                r.has_ci = 1;
                cxm_ci_mean_t(mo.mean, cxm_moments_sd(&mo), (double)v->n, R->c.confidence, &r.ci_low, &r.ci_high);
            }
        } else {
            double q = R->stats[k] / 1000.0;
            size_t lo, hi;
            r.value = cxm_quantile_sorted(v->v, v->n, q);
            /* order-statistic interval (stats.h): none at min/max or when n is too small */
            if (cxm_ci_quantile_ranks(v->n, q, R->c.confidence, &lo, &hi) == CXM_OK) {
                r.has_ci = 1;
                r.ci_low = v->v[lo];
                r.ci_high = v->v[hi];
            }
        }
        if ((rc = cxm_rs_push(R->rs, &r))) return rc;
    }
    return CXM_OK;
}

static int emit_prop(report *R, int m, int64_t k, int64_t n, cxm_result *base) {
    cxm_result r = *base;
    r.n = n;
    if (!n) {
        r.is_null = 1;
        r.null_reason = R->unsupported[m] ? R->unsupported[m] : empty_reason(m);
    } else {
        r.value = 100.0 * (double)k / (double)n;
        r.has_ci = 1;
        cxm_ci_wilson((double)k, (double)n, R->c.confidence, &r.ci_low, &r.ci_high);
        r.ci_low *= 100.0;
        r.ci_high *= 100.0;
    }
    return cxm_rs_push(R->rs, &r);
}

/* gs: the group's slots (all metrics); the metric's own start at slot_of[m]. */
static int emit_metric(report *R, int m, slot *gs, cxm_result *base) {
    const cxm_metric_info *mi = cxm_catalog_get((size_t)m);
    slot *s = gs + R->slot_of[m];
    base->metric = mi->id;
    base->unit = mi->unit;
    if (m == M_VOLUME) {
        cxm_result r = *base;
        r.value = (double)s->n;
        r.n = s->n;
        return cxm_rs_push(R->rs, &r);
    }
    if (mi->kind == CXM_KIND_DISTRIBUTION) return emit_dist(R, m, s, base);
    if (m == M_SLA_COMPLIANCE && !R->c.sla) /* no targets (--sla): null, with the reason */
        return emit_prop(R, m, 0, 0, base);
    if (m == M_SLA_COMPLIANCE) {
        for (int k = 0; k < SLA_NTARGETS; k++) {
            if (!R->c.sla->has_target[k]) continue;
            slot *ks = s + k;
            int64_t breached_open = 0;
            for (size_t i = 0; i < ks->pend.n; i++)
                if (R->c.as_of != CXM_TIME_NULL && ks->pend.v[i] < (double)R->c.as_of) breached_open++;
            cxm_result b = *base;
            b.target = cxm_sla_target_names[k];
            int rc;
            if (k == SLA_NEXT_REPLY && !R->c.have_msgs) {
                cxm_result r = b;
                r.is_null = 1;
                r.null_reason = "next_reply targets need messages (--messages FILE)";
                rc = cxm_rs_push(R->rs, &r);
            } else {
                rc = emit_prop(R, m, ks->k, ks->n + breached_open, &b);
            }
            if (rc) return rc;
        }
        return CXM_OK;
    }
    return emit_prop(R, m, s->k, s->n, base);
}

static int count_le(const dvec *v, double x) { /* v sorted */
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->v[mid] <= x) lo = mid + 1;
        else hi = mid;
    }
    return (int)lo;
}

int64_t cxm_next_bucket(cxm_bucket b, int64_t day) {
    int64_t y;
    int m, d;
    switch (b) {
    case CXM_BUCKET_DAY: return day + 1;
    case CXM_BUCKET_WEEK: return day + 7;
    case CXM_BUCKET_MONTH:
        cxm_civil_from_days(day, &y, &m, &d);
        return m == 12 ? cxm_days_from_civil(y + 1, 1, 1) : cxm_days_from_civil(y, m + 1, 1);
    case CXM_BUCKET_QUARTER:
        cxm_civil_from_days(day, &y, &m, &d);
        return m >= 10 ? cxm_days_from_civil(y + 1, 1, 1) : cxm_days_from_civil(y, m + 3, 1);
    case CXM_BUCKET_YEAR:
        cxm_civil_from_days(day, &y, &m, &d);
        return cxm_days_from_civil(y + 1, 1, 1);
    }
    return day + 1;
}

static int emit_backlog(report *R, cxm_result *base) {
    cxm_ctx *c = &R->c;
    gref *gs;
    int rc = cxm_report_sorted_groups(R, &R->bl, 1, &gs);
    if (rc) return rc;
    const cxm_metric_info *mi = cxm_catalog_get(M_BACKLOG);
    base->metric = mi->id;
    base->unit = mi->unit;
    base->stat = NULL;
    base->target = NULL;
    for (size_t gi = 0; gi < R->bl.keys.count && !rc; gi++) {
        slot *s = &R->bl.slots[(size_t)gs[gi].code * R->bl.nslots];
        if ((rc = cxm_dvec_sort(&s->d)) || (rc = cxm_dvec_sort(&s->pend)))
            break;
        if (c->time_term < 0) {
            cxm_time at = c->as_of;
            if (c->to != CXM_TIME_NULL && (at == CXM_TIME_NULL || c->to - 1 < at)) at = c->to - 1;
            cxm_result r = *base;
            if ((rc = cxm_report_set_group(R, &r, gs[gi].key, 1, 0))) break;
            int64_t v = at == CXM_TIME_NULL ? 0 : count_le(&s->d, (double)at) - count_le(&s->pend, (double)at);
            r.value = (double)v;
            r.n = v;
            rc = cxm_rs_push(R->rs, &r);
            continue;
        }
        cxm_bucket b = c->by[c->time_term].bucket;
        int64_t first = R->min_bucket, last = R->max_bucket;
        if (c->as_of != CXM_TIME_NULL) {
            int64_t d;
            cxm_ctx_time_bucket(c, b, c->as_of, &d);
            if (d > last) last = d;
        }
        if (c->from != CXM_TIME_NULL) {
            int64_t d;
            cxm_ctx_time_bucket(c, b, c->from, &d);
            if (d > first) first = d;
        }
        if (c->to != CXM_TIME_NULL) {
            int64_t d;
            cxm_ctx_time_bucket(c, b, c->to - 1, &d);
            if (d < last) last = d;
        }
        for (int64_t day = first; day <= last && !rc; day = cxm_next_bucket(b, day)) {
            cxm_time end = cxm_tz_from_local(c->tz, cxm_next_bucket(b, day) * 86400) * 1000 - 1;
            if (c->as_of != CXM_TIME_NULL && end > c->as_of) end = c->as_of;
            cxm_result r = *base;
            if ((rc = cxm_report_set_group(R, &r, gs[gi].key, 1, day))) break;
            int64_t v = count_le(&s->d, (double)end) - count_le(&s->pend, (double)end);
            r.value = (double)v;
            r.n = v;
            rc = cxm_rs_push(R->rs, &r);
        }
    }
    free(gs);
    return rc;
}

/* ---- sorting for output on both cores -------------------------------------
 *
 * Quantiles need each group's values sorted. Once the data is read the
 * parsing thread is idle, so the vectors are dealt to two threads, largest
 * first, each taking the next into the lighter hand (callgrind on the 2M
 * benchmark: the sorts were ~60 ms of a single thread's tail). */
typedef struct sorthand {
    dvec **v;
    size_t n;
    int rc;
} sorthand;

static void *sort_hand(void *arg) {
    sorthand *h = arg;
    for (size_t i = 0; i < h->n && !h->rc; i++) {
        h->rc = cxm_dvec_sort(h->v[i]);
    }
    return NULL;
}

static int cmp_dvec_size(const void *a, const void *b) {
    const dvec *x = *(dvec *const *)a, *y = *(dvec *const *)b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

static int presort(report *R) {
    size_t cap = 0, n = 0;
    for (size_t i = 0; i < R->norder; i++) {
        int m = R->order[i];
        if (m < M_NSUPPORT && cxm_catalog_get((size_t)m)->kind == CXM_KIND_DISTRIBUTION) cap += R->g.keys.count;
    }
    if (R->want[M_BACKLOG]) cap += 2 * R->bl.keys.count;
    if (!cap) return CXM_OK;
    dvec **all = malloc(cap * sizeof *all);
    sorthand hand[2] = {{NULL, 0, 0}, {NULL, 0, 0}};
    hand[0].v = malloc(cap * sizeof *all);
    hand[1].v = malloc(cap * sizeof *all);
    int rc = CXM_OK;
    if (!all || !hand[0].v || !hand[1].v) rc = CXM_ENOMEM;
    for (size_t i = 0; !rc && i < R->norder; i++) {
        int m = R->order[i];
        if (m >= M_NSUPPORT || R->unsupported[m] || cxm_catalog_get((size_t)m)->kind != CXM_KIND_DISTRIBUTION) continue;
        for (size_t g = 0; g < R->g.keys.count; g++) {
            dvec *v = &R->g.slots[g * R->g.nslots + (size_t)R->slot_of[m]].d;
            if (v->n > 1 && !v->sorted) all[n++] = v;
        }
    }
    for (size_t g = 0; !rc && R->want[M_BACKLOG] && g < R->bl.keys.count; g++) {
        if (R->bl.slots[g].d.n > 1) all[n++] = &R->bl.slots[g].d;
        if (R->bl.slots[g].pend.n > 1) all[n++] = &R->bl.slots[g].pend;
    }
    if (!rc && n) {
        qsort(all, n, sizeof *all, cmp_dvec_size);
        size_t load[2] = {0, 0};
        for (size_t i = 0; i < n; i++) {
            int k = load[1] < load[0];
            hand[k].v[hand[k].n++] = all[i];
            load[k] += all[i]->n;
        }
        pthread_t th;
        int threaded = hand[1].n && pthread_create(&th, NULL, sort_hand, &hand[1]) == 0;
        sort_hand(&hand[0]);
        if (threaded) pthread_join(th, NULL);
        else sort_hand(&hand[1]);
        rc = hand[0].rc ? hand[0].rc : hand[1].rc;
    }
    free(all);
    free(hand[0].v);
    free(hand[1].v);
    return rc;
}

static int build_results(report *R) {
    cxm_ctx *c = &R->c;
    int prc = presort(R);
    if (prc) return prc;
    gref *gs = NULL;
    int rc = cxm_report_sorted_groups(R, &R->g, 0, &gs);
    if (rc) return rc;
    /* With no ticket at all, an ungrouped report still answers (nulls and 0). */
    slot *empty = NULL;
    if (R->g.keys.count == 0 && c->nby == 0) {
        empty = calloc(R->g.nslots ? R->g.nslots : 1, sizeof *empty);
        if (!empty) {
            free(gs);
            return CXM_ENOMEM;
        }
    }
    for (size_t i = 0; i < R->norder && !rc; i++) {
        int m = R->order[i];
        cxm_result base;
        memset(&base, 0, sizeof base);
        if (cxm_is_survey_metric(m)) {
            rc = cxm_surveys_emit(R, m);
            continue;
        }
        if (m == M_BACKLOG) {
            if (R->unsupported[m]) {
                base.metric = "backlog";
                base.unit = CXM_UNIT_COUNT;
                base.is_null = 1;
                base.null_reason = R->unsupported[m];
                rc = cxm_rs_push(R->rs, &base);
            } else {
                rc = emit_backlog(R, &base);
            }
            continue;
        }
        if (empty) {
            rc = emit_metric(R, m, empty, &base);
            continue;
        }
        for (size_t gi = 0; gi < R->g.keys.count && !rc; gi++) {
            memset(&base, 0, sizeof base);
            if ((rc = cxm_report_set_group(R, &base, gs[gi].key, 0, 0))) break;
            rc = emit_metric(R, m, &R->g.slots[(size_t)gs[gi].code * R->g.nslots], &base);
        }
    }
    free(empty);
    free(gs);
    return rc;
}

int cxm_report_setup(report *R, const cxm_report_opts *o, cxm_buf *warnings, cxm_compare_spec *cmp,
                     cxm_diag *diag) {
    R->min_bucket = INT64_MAX;
    for (size_t i = 0; i < GMEMO; i++) R->gm[i].code = UINT32_MAX; /* NO_GROUP: empty */
    R->max_bucket = INT64_MIN;
    int rc = cxm_ctx_init(&R->c, o, warnings, diag);
    if (!rc) rc = cxm_compare_parse(&R->c, o->compare, cmp, diag);
    if (!rc) rc = cxm_rs_new(&R->rs);
    if (!rc) rc = parse_stats(R, o->stats);
    if (!rc && o->metrics) rc = parse_metrics(R, o->metrics);
    if (!rc) {
        /* slots: sla_compliance takes one per target; the rest one each */
        size_t ns = 0;
        for (int m = 0; m < M_NSUPPORT; m++) {
            R->slot_of[m] = (int)ns;
            ns += m == M_SLA_COMPLIANCE ? SLA_NTARGETS : 1;
        }
        cxm_gtable_init(&R->g, ns);
        cxm_gtable_init(&R->bl, 1);
        /* With no --metrics, every metric is observed and only those the
         * data supports are kept once it is read. */
        if (!o->metrics)
            for (int m = 0; m < M_NALL; m++) {
                if (cxm_is_survey_metric(m) && (!R->c.responses_path || m == M_DISTRIBUTION ||
                                                ((m == M_THEME_SCORE || m == M_THEME_IMPACT ||
                                                  m == M_THEME_SHARE) && !o->themes)))
                    continue;
                R->want[m] = 1;
                R->order[R->norder++] = m;
            }
        if (o->metrics) R->c.need = columns_needed(R);
        R->c.lean_fields = 1;
        rc = cxm_surveys_init(R);
        if (!rc && R->sv && R->c.responses_path) R->c.columns_elsewhere = 1;
    }
    if (!rc) {
        /* the kernels each ticket feeds, and under which of its instants */
        for (size_t i = 0; i < R->norder; i++) {
            int m = R->order[i];
            if (m == M_BACKLOG || m >= M_NSUPPORT) continue;
            R->plan[R->nplan].m = m;
            R->plan[R->nplan++].anchor = anchor_of(R, m);
        }
        /* by ranges on every core unless the answers' join needs the tickets in order */
        if (!cxm_surveys_need_tickets(R)) R->c.parts = &report_parts;
    }
    return rc;
}

int cxm_report_reads_tickets(const report *R) {
    int support = 0;
    for (size_t i = 0; i < R->norder; i++) support |= !cxm_is_survey_metric(R->order[i]);
    return R->c.tickets_path && (support || cxm_surveys_need_tickets(R));
}

int cxm_report_read_file(report *R) { return cxm_ctx_read_file(&R->c, on_ticket); }

int cxm_report_finish(report *R, const cxm_report_opts *o, const cxm_compare_spec *cmp, cxm_diag *diag) {
    /* metrics the data cannot support */
    size_t keep = 0;
    for (size_t i = 0; i < R->norder; i++) {
        int m = R->order[i];
        const char *why = NULL;
        if (cxm_is_survey_metric(m)) {
            if (!o->metrics && !cxm_surveys_has_data(R, m)) continue;
        } else if (!R->c.tickets_path || !cxm_ctx_supports(&R->c, m, &why)) {
            if (!R->c.tickets_path) why = "needs tickets (--tickets FILE)";
            if (!o->metrics) continue; /* default list: only what the data supports */
            R->unsupported[m] = why;
            cxm_ctx_warn(&R->c, "%s: %s", cxm_catalog_get((size_t)m)->id, why);
        }
        R->order[keep++] = m;
    }
    R->norder = keep;
    if (R->c.fcr_unknown && R->want[M_FCR] && !R->unsupported[M_FCR])
        cxm_ctx_warn(&R->c, "fcr: %llu resolved tickets left out: %s", (unsigned long long)R->c.fcr_unknown,
                     cxm_fcr_unknown_why(R->c.defs.fcr_rule));
    int rc = build_results(R);
    if (!rc) rc = cxm_compare_support(R, o, cmp, diag);
    return rc;
}

void cxm_report_release(report *R) {
    cxm_result_set_free(R->rs);
    R->rs = NULL;
    cxm_surveys_free(R);
    cxm_gtable_free(&R->g);
    cxm_gtable_free(&R->bl);
    cxm_ctx_free(&R->c);
}

int cxm_report_run(const cxm_report_opts *o, cxm_result_set **out, cxm_diag *diag) {
    *out = NULL;
    report *R = calloc(1, sizeof *R);
    if (!R) return CXM_ENOMEM;
    cxm_buf warnings;
    cxm_buf_init(&warnings, 1u << 20);
    cxm_compare_spec cmp;
    int rc = cxm_report_setup(R, o, &warnings, &cmp, diag);
    if (!rc && cxm_report_reads_tickets(R)) rc = cxm_ctx_run(&R->c, on_ticket);
    if (!rc) rc = cxm_surveys_run(R);
    if (!rc) rc = cxm_report_finish(R, o, &cmp, diag);
    if (!rc) rc = cxm_rs_take_warnings(R->rs, &warnings, R->c.nwarn);
    if (!rc) {
        R->rs->bad_rows = R->c.bad_rows;
        *out = R->rs;
        R->rs = NULL;
    }
    cxm_report_release(R);
    cxm_buf_free(&warnings);
    free(R);
    return rc;
}
