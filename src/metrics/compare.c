/*
 * compare.c - `--compare` for the support metrics (compare.h), and the
 * period parser the survey family shares.
 *
 * The support kernels keep no per-period state of their own: a comparison
 * is computed from the result rows. Bucket mode finds, for each row, the
 * row of the same metric, statistic, target and group one time bucket
 * earlier (a hash of those strings to row numbers: O(rows)). Window mode
 * runs the report again over the window, grouped by the report's terms
 * without the time term, and matches rows the same way; so it reads the
 * tickets twice, and the previous values are exactly what `cxm report
 * --from A --to B` prints for the window.
 *
 * Tests: rates (unit percent) by the pooled two-proportion z test on the
 * counts behind them (k = value * n / 100, exact for any n below 2^50);
 * means by Welch's t on (mean, sd, n) (the sd the kernel keeps in the
 * row); nothing for medians and percentiles (a median test needs both
 * samples, which the rows do not hold) nor for counts: those rows carry the
 * previous value and the change with p_value NaN (rendered null).
 *
 * Sizes: rows x (key bytes ~ 100) of scratch.
 */
#include "metrics/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dict.h"
#include "core/diag.h"
#include "metrics/result.h"
#include "stats/stats.h"
#include "time/civil.h"
#include "time/parse.h"
#include "time/tz.h"

int cxm_compare_parse(const cxm_ctx *c, const char *spec, cxm_compare_spec *out, cxm_diag *diag) {
    memset(out, 0, sizeof *out);
    if (!spec) return CXM_OK;
    if (!strcmp(spec, "previous")) {
        if (c->time_term >= 0) {
            out->mode = CXM_COMPARE_BUCKET;
            return CXM_OK;
        }
        if (c->from == CXM_TIME_NULL || c->to == CXM_TIME_NULL)
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "--compare previous needs a time bucket in --by, or --from and --to");
        out->mode = CXM_COMPARE_WINDOW;
        out->to = c->from;
        out->from = c->from - (c->to - c->from);
        return CXM_OK;
    }
    const char *dots = strstr(spec, "..");
    if (!dots) return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--compare '%s': expected previous or FROM..TO", spec);
    char a[64], b[64];
    size_t na = (size_t)(dots - spec), nb = strlen(dots + 2);
    if (!na || !nb || na >= sizeof a || nb >= sizeof b)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--compare '%s': expected FROM..TO", spec);
    memcpy(a, spec, na);
    a[na] = 0;
    memcpy(b, dots + 2, nb + 1);
    const char *why = NULL;
    if (cxm_parse_time(a, na, c->tz, CXM_DATE_YMD, &out->from, &why) ||
        cxm_parse_time(b, nb, c->tz, CXM_DATE_YMD, &out->to, &why))
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--compare '%s': %s", spec, why ? why : "expected dates");
    if (nb == 10) { /* a plain date ends the window inclusively */
        int64_t local = cxm_tz_to_local(c->tz, cxm_floordiv(out->to, 1000));
        out->to = cxm_tz_from_local(c->tz, (cxm_floordiv(local, 86400) + 1) * 86400) * 1000;
    }
    if (out->to <= out->from)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--compare: the window ends before it starts");
    out->mode = CXM_COMPARE_WINDOW;
    return CXM_OK;
}

/* ---- matching rows ---------------------------------------------------- */

static int is_support_row(const cxm_result *r) {
    int m = cxm_catalog_index(r->metric);
    return m >= 0 && !cxm_is_survey_metric(m);
}

/* The key of a row: metric, stat, target and its group values, the group
 * value at index skip left out (-1: none) or replaced by over (not NULL). */
static int row_key(cxm_buf *k, const cxm_result *r, int skip, const char *over) {
    cxm_buf_reset(k);
    const char *parts[3] = {r->metric, r->stat, r->target};
    for (int i = 0; i < 3; i++)
        if ((parts[i] && cxm_buf_append(k, parts[i], strlen(parts[i]))) || cxm_buf_putc(k, '\x1f'))
            return CXM_ENOMEM;
    for (size_t g = 0; g < r->ngroup; g++) {
        if ((int)g == skip && !over) continue;
        const char *v = (int)g == skip ? over : r->group_values[g];
        if (v && cxm_buf_append(k, v, strlen(v))) return CXM_ENOMEM;
        if (cxm_buf_putc(k, v ? '\x1e' : '\x1d')) return CXM_ENOMEM; /* missing differs from "" */
    }
    return CXM_OK;
}

/* Row index by key over the support rows of rs. */
typedef struct rowmap {
    cxm_dict keys;
    size_t *row; /* key code -> row */
} rowmap;

static void rowmap_free(rowmap *m) {
    cxm_dict_free(&m->keys);
    free(m->row);
}

static int rowmap_build(rowmap *m, const cxm_result_set *rs, int skip, cxm_buf *k) {
    cxm_dict_init(&m->keys, rs->n + 1);
    m->row = malloc((rs->n ? rs->n : 1) * sizeof *m->row);
    if (!m->row) return CXM_ENOMEM;
    for (size_t i = 0; i < rs->n; i++) {
        const cxm_result *r = &rs->rows[i];
        if (!is_support_row(r)) continue;
        uint32_t code;
        int added, rc;
        if ((rc = row_key(k, r, skip, NULL)) || (rc = cxm_dict_intern(&m->keys, k->data, k->len, &code, &added)))
            return rc;
        if (added) m->row[code] = i;
    }
    return CXM_OK;
}

/* Fills cur's compare fields from prev (same metric, stat, target). */
static void fill(cxm_result *cur, const cxm_result *prev, double confidence) {
    if (cur->is_null || prev->is_null) return;
    cur->has_compare = 1;
    cur->previous = prev->value;
    cur->previous_n = prev->n;
    cur->change = cur->value - prev->value;
    cur->p_value = NAN;
    cur->test = NULL;
    cur->significant = 0;
    if (cur->unit == CXM_UNIT_PERCENT && cur->n > 0 && prev->n > 0) {
        double k1 = round(cur->value * (double)cur->n / 100.0), k2 = round(prev->value * (double)prev->n / 100.0);
        double z;
        cur->p_value = cxm_test_two_prop(k1, (double)cur->n, k2, (double)prev->n, &z);
        cur->test = "two_prop_z";
    } else if (cur->stat && !strcmp(cur->stat, "mean") && cur->n >= 2 && prev->n >= 2 && !isnan(cur->sd) &&
               !isnan(prev->sd)) {
        double t, df;
        cur->p_value = cxm_test_welch(cur->value, cur->sd, (double)cur->n, prev->value, prev->sd, (double)prev->n, &t, &df);
        cur->test = "welch_t";
    }
    if (!isnan(cur->p_value)) cur->significant = cur->p_value < 1.0 - confidence;
}

/* The group value string of the bucket before the one starting at ymd. */
static int previous_bucket(cxm_bucket b, const char *ymd, char *out, size_t cap) {
    long long yy;
    int64_t y;
    int mo, d;
    if (!ymd || strlen(ymd) != 10 || sscanf(ymd, "%4lld-%2d-%2d", &yy, &mo, &d) != 3) return 0;
    int64_t day = cxm_bucket_start(b, cxm_days_from_civil(yy, mo, d) - 1);
    cxm_civil_from_days(day, &y, &mo, &d);
    snprintf(out, cap, "%04lld-%02d-%02d", (long long)y, mo, d);
    return 1;
}

static int compare_buckets(report *R, cxm_buf *k) {
    cxm_result_set *rs = R->rs;
    int tt = R->c.time_term;
    cxm_bucket b = R->c.by[tt].bucket;
    rowmap m;
    memset(&m, 0, sizeof m);
    int rc = rowmap_build(&m, rs, -1, k);
    for (size_t i = 0; !rc && i < rs->n; i++) {
        cxm_result *r = &rs->rows[i];
        char prev[16];
        uint32_t code;
        if (!is_support_row(r) || (size_t)tt >= r->ngroup || !previous_bucket(b, r->group_values[tt], prev, sizeof prev))
            continue;
        if ((rc = row_key(k, r, tt, prev))) break;
        if (cxm_dict_find(&m.keys, k->data, k->len, &code)) fill(r, &rs->rows[m.row[code]], R->c.confidence);
    }
    rowmap_free(&m);
    return rc;
}

/* "a,b,c": the support metrics of R in order; by: the --by terms without
 * the time term. */
static int window_opts(const report *R, cxm_buf *metrics, cxm_buf *by) {
    for (size_t i = 0; i < R->norder; i++) {
        int m = R->order[i];
        if (cxm_is_survey_metric(m) || R->unsupported[m]) continue;
        const char *id = cxm_catalog_get((size_t)m)->id;
        if ((metrics->len && cxm_buf_putc(metrics, ',')) || cxm_buf_append(metrics, id, strlen(id))) return CXM_ENOMEM;
    }
    for (size_t i = 0; i < R->c.nby; i++) {
        if ((int)i == R->c.time_term) continue;
        const char *n = R->c.by[i].name;
        if ((by->len && cxm_buf_putc(by, ',')) || cxm_buf_append(by, n, strlen(n))) return CXM_ENOMEM;
    }
    if (cxm_buf_putc(metrics, 0) || cxm_buf_putc(by, 0)) return CXM_ENOMEM;
    return CXM_OK;
}

/* t as 2024-06-01T00:00:00.000Z (an instant, never read as a plain date). */
static void iso_ms(cxm_time t, char *out, size_t cap) {
    int64_t ms = cxm_floormod(t, 1000), sec = cxm_floordiv(t, 1000), day = cxm_floordiv(sec, 86400),
            sod = sec - day * 86400, y;
    int mo, d;
    cxm_civil_from_days(day, &y, &mo, &d);
    snprintf(out, cap, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, mo, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60), (int)ms);
}

static int compare_window(report *R, const cxm_report_opts *o, const cxm_compare_spec *spec, cxm_buf *k,
                          cxm_diag *diag) {
    cxm_buf metrics, by;
    cxm_buf_init(&metrics, 1u << 16);
    cxm_buf_init(&by, 1u << 16);
    int rc = window_opts(R, &metrics, &by);
    if (rc || metrics.len <= 1) { /* no support metric to compare */
        cxm_buf_free(&metrics);
        cxm_buf_free(&by);
        return rc;
    }
    cxm_report_opts w = *o;
    char from[40], to[40];
    iso_ms(spec->from, from, sizeof from);
    iso_ms(spec->to, to, sizeof to); /* an instant: --to excludes it */
    w.from = from;
    w.to = to;
    w.compare = NULL;
    w.metrics = metrics.data;
    w.by = by.len > 1 ? by.data : NULL;
    w.progress = NULL;
    w.log = NULL;
    cxm_result_set *prev = NULL;
    rc = cxm_report_run(&w, &prev, diag);
    rowmap m;
    memset(&m, 0, sizeof m);
    if (!rc) rc = rowmap_build(&m, prev, -1, k);
    int tt = R->c.time_term;
    for (size_t i = 0; !rc && i < R->rs->n; i++) {
        cxm_result *r = &R->rs->rows[i];
        uint32_t code;
        if (!is_support_row(r)) continue;
        if ((rc = row_key(k, r, tt, NULL))) break;
        if (cxm_dict_find(&m.keys, k->data, k->len, &code)) fill(r, &prev->rows[m.row[code]], R->c.confidence);
    }
    rowmap_free(&m);
    cxm_result_set_free(prev);
    cxm_buf_free(&metrics);
    cxm_buf_free(&by);
    return rc;
}

int cxm_compare_support(report *R, const cxm_report_opts *o, const cxm_compare_spec *spec, cxm_diag *diag) {
    if (spec->mode == CXM_COMPARE_NONE) return CXM_OK;
    cxm_buf k;
    cxm_buf_init(&k, 1u << 20);
    int rc = spec->mode == CXM_COMPARE_BUCKET ? compare_buckets(R, &k) : compare_window(R, o, spec, &k, diag);
    cxm_buf_free(&k);
    if (rc == CXM_ENOMEM) cxm_diag_set(diag, rc, NULL, 0, 0, NULL, "out of memory comparing periods");
    return rc;
}
