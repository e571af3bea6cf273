/*
 * sla.c - SLA files (see sla.h). Files hold tens of rules; matching is a
 * scan, cached per (priority, channel) pair by the caller.
 */
#include "metrics/sla.h"

#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"
#include "io/rows.h"
#include "time/parse.h"

const char *const cxm_sla_target_names[SLA_NTARGETS] = {"first_response", "next_reply", "resolution"};

static int feq(const cxm_field *f, const char *s) {
    size_t n = strlen(s);
    return f->ptr && f->len == n && !memcmp(f->ptr, s, n);
}

static char *dup_any(const cxm_field *f) {
    if (!f->ptr || !f->len || (f->len == 1 && f->ptr[0] == '*')) return NULL;
    char *p = malloc(f->len + 1);
    if (p) {
        memcpy(p, f->ptr, f->len);
        p[f->len] = 0;
    }
    return p;
}

void cxm_sla_free(cxm_sla *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->rules[i].priority);
        free(s->rules[i].channel);
    }
    free(s->rules);
    free(s);
}

static int same(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return !strcmp(a, b);
}

int cxm_sla_load(const char *path, cxm_sla **out, cxm_diag *diag) {
    *out = NULL;
    cxm_rows *r = NULL;
    int rc = cxm_rows_open(&r, path, CXM_ROWS_CSV, ',', diag);
    if (rc) return rc;
    const char *want[5] = {"target", "priority", "channel", "time", "threshold"};
    int idx[5];
    const cxm_field *names;
    size_t ncols;
    cxm_rows_header(r, &names, &ncols);
    for (int k = 0; k < 5; k++) {
        idx[k] = -1;
        for (size_t i = 0; i < ncols; i++)
            if (feq(&names[i], want[k])) idx[k] = (int)i;
        if (idx[k] < 0) {
            rc = cxm_diag_set(diag, CXM_EDATA, path, 1, 0, NULL,
                              "an SLA file needs the columns target,priority,channel,time,threshold; '%s' is missing",
                              want[k]);
            cxm_rows_free(r);
            return rc;
        }
    }
    cxm_sla *s = calloc(1, sizeof *s);
    if (!s) {
        cxm_rows_free(r);
        return CXM_ENOMEM;
    }
    size_t cap = 0;
    const cxm_field *f;
    size_t nf;
    while ((rc = cxm_rows_next(r, &f, &nf, diag)) == 1) {
        uint64_t line = cxm_rows_line(r);
        const cxm_field *ft = &f[idx[0]], *ftime = &f[idx[3]], *fth = &f[idx[4]];
        int target = -1;
        for (int t = 0; t < SLA_NTARGETS; t++)
            if (feq(ft, cxm_sla_target_names[t])) target = t;
        if (target < 0) {
            rc = cxm_diag_set(diag, CXM_EDATA, path, line, (uint32_t)idx[0] + 1, "target",
                              "expected first_response, next_reply or resolution, found '%.*s'",
                              (int)(ft->ptr ? ft->len : 0), ft->ptr ? ft->ptr : "");
            break;
        }
        int business;
        if (feq(ftime, "business")) business = 1;
        else if (feq(ftime, "calendar") || !ftime->ptr || !ftime->len) business = 0;
        else {
            rc = cxm_diag_set(diag, CXM_EDATA, path, line, (uint32_t)idx[3] + 1, "time",
                              "expected calendar or business, found '%.*s'", (int)ftime->len, ftime->ptr);
            break;
        }
        int64_t ms;
        if (!fth->ptr || cxm_parse_duration(fth->ptr, fth->len, &ms) || ms <= 0) {
            rc = cxm_diag_set(diag, CXM_EDATA, path, line, (uint32_t)idx[4] + 1, "threshold",
                              "expected a positive duration such as 3600, 01:00:00 or 1h, found '%.*s'",
                              (int)(fth->ptr ? fth->len : 0), fth->ptr ? fth->ptr : "");
            break;
        }
        if (s->n >= CXM_MAX_SLA_RULES) {
            rc = cxm_diag_set(diag, CXM_ELIMIT, path, line, 0, NULL, "more than %u SLA rules",
                              (unsigned)CXM_MAX_SLA_RULES);
            break;
        }
        if (s->n == cap) {
            cap = cap ? cap * 2 : 16;
            cxm_sla_rule *nr = realloc(s->rules, cap * sizeof *nr);
            if (!nr) {
                rc = CXM_ENOMEM;
                break;
            }
            s->rules = nr;
        }
        cxm_sla_rule *rule = &s->rules[s->n];
        memset(rule, 0, sizeof *rule);
        rule->target = target;
        rule->business = business;
        rule->threshold_ms = ms;
        rule->line = line;
        rule->priority = dup_any(&f[idx[1]]);
        rule->channel = dup_any(&f[idx[2]]);
        s->n++;
        for (size_t i = 0; i + 1 < s->n; i++) {
            const cxm_sla_rule *o = &s->rules[i];
            if (o->target == target && same(o->priority, rule->priority) && same(o->channel, rule->channel)) {
                rc = cxm_diag_set(diag, CXM_EDATA, path, line, 0, NULL,
                                  "this rule repeats the target, priority and channel of line %llu",
                                  (unsigned long long)o->line);
                break;
            }
        }
        if (rc < 0) break;
        s->has_target[target] = 1;
    }
    cxm_rows_free(r);
    if (rc < 0) {
        if (rc == CXM_EPARSE) rc = CXM_EDATA;
        cxm_sla_free(s);
        return rc;
    }
    *out = s;
    return CXM_OK;
}

static int eqn(const char *rule, const char *s, size_t n) {
    return s && strlen(rule) == n && !memcmp(rule, s, n);
}

const cxm_sla_rule *cxm_sla_match(const cxm_sla *s, int target, const char *priority,
                                  size_t plen, const char *channel, size_t clen) {
    const cxm_sla_rule *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < s->n; i++) {
        const cxm_sla_rule *r = &s->rules[i];
        if (r->target != target) continue;
        int score = 0;
        if (r->priority) {
            if (!eqn(r->priority, priority, plen)) continue;
            score += 2;
        }
        if (r->channel) {
            if (!eqn(r->channel, channel, clen)) continue;
            score += 1;
        }
        if (score > best_score) {
            best = r;
            best_score = score;
        }
    }
    return best;
}
