/*
 * survey.c - survey metrics over a score histogram (see survey.h): CSAT,
 * CES, NPS, eNPS, ESAT, the distribution, intervals and period tests.
 *
 * Invariants (survey.h): a state's histogram is zero outside its scale,
 * n is the histogram's total and never passes CXM_MAX_SURVEY_ANSWERS
 * (2^53), so n, every count and the sum of scores (<= 100 n < 2^60) are
 * exact in uint64_t. Every computation is one pass over at most 101 boxes;
 * nothing allocates. Numbers below are fractions p in [0, 1] until the
 * result, where shares become percentages.
 *
 * Formulas (seed references are docs/SEEDS.md's article:line):
 *
 *   CSAT / ESAT
 *     top_box     100 k / n, k = answers in the satisfied boxes
 *                 (000:48-49 "4 or 5 on 5 points, 9 or 10 on 10";
 *                  001:14; 003:69 and its example 003:71-76).
 *     mean        sum(score) / n                       (000:46-47, 002:27)
 *     pct_of_max  100 sum(score) / (n max)             (004:52)
 *   CES
 *     agree_pct   100 k / n, k = answers >= threshold on an agreement
 *                 scale (000:59-60: 4-5 of 1-5), <= threshold on an effort
 *                 scale (001:38-39: "very low" and "low" effort).
 *     mean        sum(score) / n, polarity reported     (003:84, 004:114)
 *   NPS / eNPS
 *     NPS = 100 (P - D) / n, promoters >= 9, detractors <= 6
 *                 (001:18-19, 003:91-94, 004:70-76; never 000:66's 1-3/8-10).
 *
 * Intervals at confidence c, z = cxm_z_for(c):
 *   shares      Wilson (cxm_ci_wilson), times 100.
 *   means       mean +- t_{(1+c)/2, n-1} sd / sqrt(n) (cxm_ci_mean_t), with
 *               sd = sqrt(sum count_s (s - mean)^2 / (n - 1)) from the
 *               histogram (two passes, exact sums); pct_of_max scales it
 *               by 100 / max.
 *   NPS Wald    p = P/n, d = D/n, se = sqrt((p + d - (p - d)^2) / n),
 *               100 ((p - d) +- z se), clamped to [-100, 100].
 *   NPS adjusted-Wald (B. Rocks, "Interval estimation for the 'Net
 *               Promoter Score'", The American Statistician 70(4), 2016;
 *               J. Lewis, J. Sauro, measuringu.com/nps-confidence-intervals
 *               and /nps-three-confidence-intervals, 2021): n' = n + 3,
 *               p' = (P + 3/4) / n', d' = (D + 3/4) / n', the same formula
 *               around 100 (p' - d') with se' from p', d', n'; clamped.
 *
 * Tests (two-sided):
 *   shares      pooled two-proportion z (cxm_test_two_prop).
 *   means       Welch t (cxm_test_welch) on the means; pct_of_max's
 *               statistic is the mean's (a linear rescaling).
 *   NPS         z = (nps1 - nps2) / sqrt(se1^2 + se2^2), fractions, each se
 *               by the definition's interval method (adjusted-Wald uses the
 *               adjusted estimates after Lewis & Sauro's test,
 *               measuringu.com/nps-significance-test; the adjusted numerator
 *               is our reading, see docs/internals/survey.md).
 */
#include "metrics/survey.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/diag.h"
#include "stats/stats.h"

/* ---- scale and state ------------------------------------------------ */

int cxm_survey_scale_check(cxm_survey_scale sc, cxm_diag *diag) {
    if (sc.min < 0 || sc.max > CXM_MAX_SURVEY_SCORE || sc.min >= sc.max)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "survey scale %d-%d: expected integers 0 <= min < max <= %d "
                            "(CXM_MAX_SURVEY_SCORE)",
                            sc.min, sc.max, CXM_MAX_SURVEY_SCORE);
    return CXM_OK;
}

/* name borrowed; out caller-owned. */
int cxm_survey_scale_default(const char *name, cxm_survey_scale *out) {
    static const struct {
        const char *name;
        int min, max;
    } tab[] = {{"csat", 1, 5}, {"esat", 1, 5}, {"ces", 1, 7}, {"nps", 0, 10}, {"enps", 0, 10}};
    if (!name) return CXM_ENOTFOUND;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(name, tab[i].name)) {
            out->min = tab[i].min;
            out->max = tab[i].max;
            return CXM_OK;
        }
    return CXM_ENOTFOUND;
}

/* s caller-owned, fully overwritten. */
int cxm_survey_init(cxm_survey_state *s, cxm_survey_scale sc, cxm_diag *diag) {
    memset(s, 0, sizeof *s);
    int rc = cxm_survey_scale_check(sc, diag);
    if (rc) {
        s->scale.min = 0;
        s->scale.max = 1;
        return rc;
    }
    s->scale = sc;
    return CXM_OK;
}

/* s caller-owned. */
int cxm_survey_add_n(cxm_survey_state *s, int score, uint64_t count) {
    if (score < s->scale.min || score > s->scale.max) return CXM_EDATA;
    if (count > CXM_MAX_SURVEY_ANSWERS - s->n) return CXM_ELIMIT;
    s->count[score] += count;
    s->n += count;
    return CXM_OK;
}

int cxm_survey_add(cxm_survey_state *s, int score) {
    return cxm_survey_add_n(s, score, 1);
}

/* a caller-owned; b borrowed, may alias a (then a doubles). */
int cxm_survey_merge(cxm_survey_state *a, const cxm_survey_state *b, cxm_diag *diag) {
    if (a->scale.min != b->scale.min || a->scale.max != b->scale.max)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "survey states on different scales (%d-%d and %d-%d) cannot be merged", a->scale.min,
                            a->scale.max, b->scale.min, b->scale.max);
    uint64_t bn = b->n;
    if (bn > CXM_MAX_SURVEY_ANSWERS - a->n)
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL,
                            "merged survey state would pass CXM_MAX_SURVEY_ANSWERS (2^53 answers)");
    for (int sc = a->scale.min; sc <= a->scale.max; sc++)
        a->count[sc] += b->count[sc];
    a->n += bn;
    return CXM_OK;
}

/* out caller-owned, written on success only. */
int cxm_survey_score_from_double(double x, int *out) {
    if (!(x >= 0) || !(x <= CXM_MAX_SURVEY_SCORE) || x != floor(x)) return CXM_EDATA;
    *out = (int)x;
    return CXM_OK;
}

/* ---- box sets --------------------------------------------------------- */

static void boxes_add(cxm_survey_boxes *b, int s) {
    b->bits[s >> 6] |= 1ull << (s & 63);
}

int cxm_survey_boxes_has(const cxm_survey_boxes *b, int score) {
    if (score < 0 || score > CXM_MAX_SURVEY_SCORE) return 0;
    return (int)((b->bits[score >> 6] >> (score & 63)) & 1u);
}

cxm_survey_boxes cxm_survey_boxes_range(int lo, int hi) {
    cxm_survey_boxes b = {{0, 0}};
    if (lo < 0) lo = 0;
    if (hi > CXM_MAX_SURVEY_SCORE) hi = CXM_MAX_SURVEY_SCORE;
    for (int s = lo; s <= hi; s++)
        boxes_add(&b, s);
    return b;
}

static int boxes_empty(const cxm_survey_boxes *b) {
    return !b->bits[0] && !b->bits[1];
}

/* 1 if every box of b lies in [sc.min, sc.max]. */
static int boxes_inside(const cxm_survey_boxes *b, cxm_survey_scale sc) {
    cxm_survey_boxes r = cxm_survey_boxes_range(sc.min, sc.max);
    return !(b->bits[0] & ~r.bits[0]) && !(b->bits[1] & ~r.bits[1]);
}

/* Reads an integer 0..100 at text[*i] (digits only). */
static int parse_box(const char *text, size_t *i, int *out) {
    size_t j = *i;
    int v = 0;
    if (text[j] < '0' || text[j] > '9') return -1;
    while (text[j] >= '0' && text[j] <= '9') {
        v = v * 10 + (text[j] - '0');
        if (v > CXM_MAX_SURVEY_SCORE) return -1;
        j++;
    }
    *i = j;
    *out = v;
    return 0;
}

static size_t skip_spaces(const char *t, size_t i) {
    while (t[i] == ' ' || t[i] == '\t')
        i++;
    return i;
}

/* text borrowed (NUL-terminated); out caller-owned, written on success. */
int cxm_survey_boxes_parse(const char *text, cxm_survey_boxes *out, cxm_diag *diag) {
    cxm_survey_boxes b = {{0, 0}};
    if (!text) text = "";
    size_t i = 0;
    for (;;) {
        i = skip_spaces(text, i);
        int lo, hi;
        if (parse_box(text, &i, &lo))
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, (uint32_t)(i + 1), NULL,
                                "box set \"%s\": expected a score 0..%d at byte %zu", text, CXM_MAX_SURVEY_SCORE,
                                i + 1);
        hi = lo;
        i = skip_spaces(text, i);
        if (text[i] == '-') {
            i = skip_spaces(text, i + 1);
            if (parse_box(text, &i, &hi))
                return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, (uint32_t)(i + 1), NULL,
                                    "box set \"%s\": expected the end of a range (0..%d) at byte %zu", text,
                                    CXM_MAX_SURVEY_SCORE, i + 1);
            if (hi < lo)
                return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, (uint32_t)i, NULL,
                                    "box set \"%s\": range %d-%d runs backwards", text, lo, hi);
            i = skip_spaces(text, i);
        }
        for (int s = lo; s <= hi; s++)
            boxes_add(&b, s);
        if (text[i] == ',') {
            i++;
            continue;
        }
        if (text[i] == '\0') break;
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, (uint32_t)(i + 1), NULL,
                            "box set \"%s\": expected ',' or '-' at byte %zu", text, i + 1);
    }
    *out = b;
    return CXM_OK;
}

/* buf caller-owned (cap bytes). */
size_t cxm_survey_boxes_format(const cxm_survey_boxes *b, char *buf, size_t cap) {
    size_t len = 0;
    if (cap) buf[0] = '\0';
    for (int s = 0; s <= CXM_MAX_SURVEY_SCORE; s++) {
        if (!cxm_survey_boxes_has(b, s)) continue;
        int e = s;
        while (e < CXM_MAX_SURVEY_SCORE && cxm_survey_boxes_has(b, e + 1))
            e++;
        char item[16];
        int w = e > s ? snprintf(item, sizeof item, "%s%d-%d", len ? "," : "", s, e)
                      : snprintf(item, sizeof item, "%s%d", len ? "," : "", s);
        size_t iw = (size_t)w;
        if (cap && len < cap - 1) {
            size_t room = cap - 1 - len, c = iw < room ? iw : room;
            memcpy(buf + len, item, c);
            buf[len + c] = '\0';
        }
        len += iw;
        s = e;
    }
    return len;
}

/* out caller-owned, written on success. */
int cxm_survey_boxes_default(cxm_survey_scale sc, cxm_survey_boxes *out, cxm_diag *diag) {
    int rc = cxm_survey_scale_check(sc, diag);
    if (rc) return rc;
    int points = sc.max - sc.min + 1;
    if (points <= 3)
        *out = cxm_survey_boxes_range(sc.max, sc.max);
    else if (points <= 11)
        *out = cxm_survey_boxes_range(sc.max - 1, sc.max);
    else
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "scale %d-%d has %d points: no default satisfied boxes beyond 11 points; "
                            "give them (e.g. --csat-boxes)",
                            sc.min, sc.max, points);
    return CXM_OK;
}

/* ---- definitions ------------------------------------------------------ */

static const char *const metric_ids[CXM_SURVEY_NMETRICS] = {"csat", "ces", "nps", "enps", "esat"};
static const char *const variant_names[CXM_SURVEY_NVARIANTS] = {"top_box", "mean", "pct_of_max", "agree_pct", "nps"};

const char *cxm_survey_metric_id(cxm_survey_metric m) {
    return (unsigned)m < CXM_SURVEY_NMETRICS ? metric_ids[m] : "?";
}
const char *cxm_survey_variant_name(cxm_survey_variant v) {
    return (unsigned)v < CXM_SURVEY_NVARIANTS ? variant_names[v] : "?";
}
const char *cxm_survey_polarity_name(cxm_survey_polarity p) {
    return p == CXM_SURVEY_EFFORT ? "effort" : p == CXM_SURVEY_AGREEMENT ? "agreement" : "?";
}

int cxm_survey_metric_parse(const char *name, cxm_survey_metric *out) {
    for (int i = 0; name && i < CXM_SURVEY_NMETRICS; i++)
        if (!strcmp(name, metric_ids[i])) {
            *out = (cxm_survey_metric)i;
            return CXM_OK;
        }
    return CXM_ENOTFOUND;
}

int cxm_survey_variant_parse(const char *name, cxm_survey_variant *out) {
    for (int i = 0; name && i < CXM_SURVEY_NVARIANTS; i++)
        if (!strcmp(name, variant_names[i])) {
            *out = (cxm_survey_variant)i;
            return CXM_OK;
        }
    return CXM_ENOTFOUND;
}

static int is_csat_like(cxm_survey_metric m) {
    return m == CXM_SURVEY_CSAT || m == CXM_SURVEY_ESAT;
}
static int is_nps_like(cxm_survey_metric m) {
    return m == CXM_SURVEY_NPS || m == CXM_SURVEY_ENPS;
}

static int variant_belongs(cxm_survey_metric m, cxm_survey_variant v) {
    if (is_csat_like(m)) return v == CXM_SURVEY_TOP_BOX || v == CXM_SURVEY_MEAN || v == CXM_SURVEY_PCT_OF_MAX;
    if (m == CXM_SURVEY_CES) return v == CXM_SURVEY_AGREE_PCT || v == CXM_SURVEY_MEAN;
    if (is_nps_like(m)) return v == CXM_SURVEY_NET;
    return 0;
}

/* d caller-owned, fully overwritten. */
int cxm_survey_def_init(cxm_survey_def *d, cxm_survey_metric metric, cxm_survey_variant variant, cxm_diag *diag) {
    memset(d, 0, sizeof *d);
    if ((unsigned)metric >= CXM_SURVEY_NMETRICS)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "unknown survey metric %d", (int)metric);
    if (variant == CXM_SURVEY_DEFAULT)
        variant = is_csat_like(metric)       ? CXM_SURVEY_TOP_BOX
                  : metric == CXM_SURVEY_CES ? CXM_SURVEY_AGREE_PCT
                                             : CXM_SURVEY_NET;
    d->metric = metric;
    d->variant = variant;
    d->has_boxes = 0;
    d->polarity = CXM_SURVEY_AGREEMENT;
    d->threshold = CXM_SURVEY_AUTO;
    d->detractor_max = CXM_SURVEY_AUTO;
    d->promoter_min = CXM_SURVEY_AUTO;
    d->nps_ci = CXM_SURVEY_NPS_WALD;
    d->confidence = 0.95;
    d->min_n = 30;
    if (!variant_belongs(metric, variant))
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "%s has no variant %s (expected %s)",
                            metric_ids[metric], cxm_survey_variant_name(variant),
                            is_csat_like(metric)       ? "top_box, mean or pct_of_max"
                            : metric == CXM_SURVEY_CES ? "agree_pct or mean"
                                                       : "nps");
    return CXM_OK;
}

/* A definition resolved against one scale. */
typedef struct resolved {
    cxm_survey_boxes boxes; /* top_box / agree_pct */
    int threshold;          /* agree_pct */
    int dmax, pmin;         /* nps */
    double confidence;
} resolved;

/* Checks d on scale sc and resolves its CXM_SURVEY_AUTO settings. */
static int resolve(const cxm_survey_def *d, cxm_survey_scale sc, resolved *r, cxm_diag *diag) {
    int rc = cxm_survey_scale_check(sc, diag);
    if (rc) return rc;
    memset(r, 0, sizeof *r);
    if ((unsigned)d->metric >= CXM_SURVEY_NMETRICS || !variant_belongs(d->metric, d->variant))
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "survey metric %d has no variant %d", (int)d->metric,
                            (int)d->variant);
    r->confidence = d->confidence == 0 ? 0.95 : d->confidence;
    if (!(r->confidence > 0 && r->confidence < 1))
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "confidence %g: expected a level in (0, 1)",
                            d->confidence);
    if (d->variant == CXM_SURVEY_TOP_BOX) {
        if (d->has_boxes)
            r->boxes = d->boxes;
        else if ((rc = cxm_survey_boxes_default(sc, &r->boxes, diag)))
            return rc;
        char txt[400];
        if (boxes_empty(&r->boxes))
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "%s: the satisfied box set is empty",
                                metric_ids[d->metric]);
        if (!boxes_inside(&r->boxes, sc)) {
            (void)cxm_survey_boxes_format(&r->boxes, txt, sizeof txt);
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "%s: satisfied boxes %s are not all on the scale %d-%d", metric_ids[d->metric], txt,
                                sc.min, sc.max);
        }
    }
    if (d->metric == CXM_SURVEY_CES) {
        if (d->polarity != CXM_SURVEY_AGREEMENT && d->polarity != CXM_SURVEY_EFFORT)
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "ces: unknown polarity %d", (int)d->polarity);
    }
    if (d->variant == CXM_SURVEY_AGREE_PCT) {
        int t = d->threshold;
        if (t == CXM_SURVEY_AUTO)
            t = d->polarity == CXM_SURVEY_AGREEMENT ? (sc.min + sc.max) / 2 + 1      /* above the midpoint */
                                                    : (sc.min + sc.max + 1) / 2 - 1; /* below it */
        if (t < sc.min || t > sc.max)
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "ces: threshold %d is not on the scale %d-%d", t,
                                sc.min, sc.max);
        r->threshold = t;
        r->boxes =
            d->polarity == CXM_SURVEY_AGREEMENT ? cxm_survey_boxes_range(t, sc.max) : cxm_survey_boxes_range(sc.min, t);
    }
    if (is_nps_like(d->metric)) {
        r->dmax = d->detractor_max == CXM_SURVEY_AUTO ? 6 : d->detractor_max;
        r->pmin = d->promoter_min == CXM_SURVEY_AUTO ? 9 : d->promoter_min;
        if (!(sc.min <= r->dmax && r->dmax < r->pmin && r->pmin <= sc.max))
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "%s: buckets detractors <= %d, promoters >= %d do not fit the scale %d-%d "
                                "(expected min <= detractor_max < promoter_min <= max)",
                                metric_ids[d->metric], r->dmax, r->pmin, sc.min, sc.max);
    }
    return CXM_OK;
}

/* d borrowed. */
int cxm_survey_def_check(const cxm_survey_def *d, cxm_survey_scale sc, cxm_diag *diag) {
    resolved r;
    return resolve(d, sc, &r, diag);
}

/* ---- computing -------------------------------------------------------- */

static uint64_t count_in(const cxm_survey_state *s, const cxm_survey_boxes *b) {
    uint64_t k = 0;
    for (int sc = s->scale.min; sc <= s->scale.max; sc++)
        if (cxm_survey_boxes_has(b, sc)) k += s->count[sc];
    return k;
}

/* Mean and sample sd of the histogram (n > 0): exact integer sum, then the
 * centred second moment in a second pass (no cancellation). */
static void histogram_moments(const cxm_survey_state *s, double *mean, double *sd, uint64_t *sum_out) {
    uint64_t sum = 0;
    for (int sc = s->scale.min; sc <= s->scale.max; sc++)
        sum += (uint64_t)sc * s->count[sc];
    double n = (double)s->n;
    double m = (double)sum / n;
    double m2 = 0;
    for (int sc = s->scale.min; sc <= s->scale.max; sc++)
        if (s->count[sc]) {
            double dv = (double)sc - m;
            m2 += (double)s->count[sc] * dv * dv;
        }
    *mean = m;
    *sd = s->n >= 2 ? sqrt(m2 / (n - 1)) : NAN;
    if (sum_out) *sum_out = sum;
}

/* NPS parts as fractions: the estimate (plain or adjusted, per method),
 * its standard error; counts from the state. */
typedef struct nps_parts {
    uint64_t P, D, n;
    double nps, center, se; /* nps plain; center and se by the method */
} nps_parts;

static nps_parts nps_of(const cxm_survey_state *s, int dmax, int pmin, cxm_survey_nps_ci method) {
    nps_parts q;
    q.P = q.D = 0;
    q.n = s->n;
    for (int sc = s->scale.min; sc <= s->scale.max; sc++) {
        if (sc >= pmin) q.P += s->count[sc];
        if (sc <= dmax) q.D += s->count[sc];
    }
    double n = (double)q.n, P = (double)q.P, D = (double)q.D;
    q.nps = (P - D) / n;
    if (method == CXM_SURVEY_NPS_ADJUSTED_WALD) {
        n += 3;
        P += 0.75;
        D += 0.75;
    }
    double p = P / n, d = D / n;
    double var = p + d - (p - d) * (p - d);
    if (var < 0) var = 0; /* rounding when every answer is in one bucket */
    q.center = p - d;
    q.se = sqrt(var / n);
    return q;
}

static double clamp(double x, double lo, double hi) {
    return x < lo ? lo : x > hi ? hi : x;
}

/* s, d borrowed; out caller-owned, always fully written. */
int cxm_survey_compute(const cxm_survey_state *s, const cxm_survey_def *d, cxm_survey_result *out, cxm_diag *diag) {
    cxm_survey_result *r = out;
    memset(r, 0, sizeof *r);
    r->value = r->ci_low = r->ci_high = r->mean = r->sd = r->se = NAN;
    r->promoter_pct = r->passive_pct = r->detractor_pct = NAN;
    r->metric = d->metric;
    r->variant = d->variant;
    r->polarity = d->metric == CXM_SURVEY_CES ? d->polarity : CXM_SURVEY_AGREEMENT;
    r->higher_is_better = !(d->variant == CXM_SURVEY_MEAN && r->polarity == CXM_SURVEY_EFFORT);
    r->unit = d->variant == CXM_SURVEY_MEAN || d->variant == CXM_SURVEY_NET ? CXM_UNIT_SCORE : CXM_UNIT_PERCENT;
    resolved rv;
    int rc = resolve(d, s->scale, &rv, diag);
    if (rc) {
        r->is_null = 1;
        r->null_reason = "invalid definition";
        return rc;
    }
    r->n = s->n;
    r->below_min_n = s->n > 0 && s->n < d->min_n;
    if (is_nps_like(d->metric)) {
        r->detractor_max = rv.dmax;
        r->promoter_min = rv.pmin;
    }
    if (d->variant == CXM_SURVEY_TOP_BOX || d->variant == CXM_SURVEY_AGREE_PCT) r->boxes = rv.boxes;
    if (s->n == 0) {
        r->is_null = 1;
        r->null_reason = "no answers";
        r->below_min_n = 0;
        return CXM_OK;
    }
    double n = (double)s->n;
    double z = cxm_z_for(rv.confidence);
    switch (d->variant) {
    case CXM_SURVEY_TOP_BOX:
    case CXM_SURVEY_AGREE_PCT:
        r->k = count_in(s, &rv.boxes);
        r->value = 100.0 * (double)r->k / n;
        cxm_ci_wilson((double)r->k, n, rv.confidence, &r->ci_low, &r->ci_high);
        r->ci_low *= 100.0;
        r->ci_high *= 100.0;
        r->has_ci = 1;
        break;
    case CXM_SURVEY_MEAN:
    case CXM_SURVEY_PCT_OF_MAX: {
        uint64_t sum;
        histogram_moments(s, &r->mean, &r->sd, &sum);
        double scale = d->variant == CXM_SURVEY_MEAN ? 1.0 : 100.0 / (double)s->scale.max;
        /* pct_of_max = 100 sum / (n max): from the exact integer sum. */
        r->value = d->variant == CXM_SURVEY_MEAN ? r->mean : 100.0 * (double)sum / (n * (double)s->scale.max);
        if (s->n >= 2) {
            double lo, hi;
            cxm_ci_mean_t(r->mean, r->sd, n, rv.confidence, &lo, &hi);
            r->ci_low = lo * scale;
            r->ci_high = hi * scale;
            r->has_ci = 1;
            r->ci_degenerate = r->sd == 0;
        }
        break;
    }
    case CXM_SURVEY_NET: {
        nps_parts q = nps_of(s, rv.dmax, rv.pmin, d->nps_ci);
        r->promoters = q.P;
        r->detractors = q.D;
        r->passives = s->n - q.P - q.D;
        r->promoter_pct = 100.0 * (double)q.P / n;
        r->detractor_pct = 100.0 * (double)q.D / n;
        r->passive_pct = 100.0 * (double)r->passives / n;
        r->value = 100.0 * q.nps;
        r->se = 100.0 * q.se;
        r->ci_low = clamp(100.0 * (q.center - z * q.se), -100, 100);
        r->ci_high = clamp(100.0 * (q.center + z * q.se), -100, 100);
        r->has_ci = 1;
        r->ci_degenerate = q.se == 0;
        break;
    }
    default: break;
    }
    return CXM_OK;
}

/* s borrowed; out caller-owned (cap bins); nout caller-owned. */
int cxm_survey_distribution(const cxm_survey_state *s, double confidence, cxm_survey_bin *out, size_t cap, size_t *nout,
                            cxm_diag *diag) {
    int rc = cxm_survey_scale_check(s->scale, diag);
    if (rc) return rc;
    if (confidence == 0) confidence = 0.95;
    if (!(confidence > 0 && confidence < 1))
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "confidence %g: expected a level in (0, 1)",
                            confidence);
    size_t points = (size_t)(s->scale.max - s->scale.min + 1);
    *nout = points;
    if (cap < points)
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL,
                            "distribution of a %zu-point scale needs %zu bins, got room for %zu", points, points, cap);
    for (size_t i = 0; i < points; i++) {
        cxm_survey_bin *b = &out[i];
        b->score = s->scale.min + (int)i;
        b->count = s->count[b->score];
        b->pct = b->ci_low = b->ci_high = NAN;
        if (s->n) {
            b->pct = 100.0 * (double)b->count / (double)s->n;
            cxm_ci_wilson((double)b->count, (double)s->n, confidence, &b->ci_low, &b->ci_high);
            b->ci_low *= 100.0;
            b->ci_high *= 100.0;
        }
    }
    return CXM_OK;
}

/* ---- period comparison ------------------------------------------------ */

/* cur, prev, d borrowed; out caller-owned, always fully written. */
int cxm_survey_compare(const cxm_survey_state *cur, const cxm_survey_state *prev, const cxm_survey_def *d,
                       cxm_survey_compare_result *out, cxm_diag *diag) {
    cxm_survey_compare_result *c = out;
    memset(c, 0, sizeof *c);
    c->current = c->previous = c->change = c->statistic = c->df = c->p_value = NAN;
    c->test = d->variant == CXM_SURVEY_NET                                           ? "nps_z"
              : d->variant == CXM_SURVEY_MEAN || d->variant == CXM_SURVEY_PCT_OF_MAX ? "welch_t"
                                                                                     : "two_prop_z";
    if (cur->scale.min != prev->scale.min || cur->scale.max != prev->scale.max) {
        c->is_null = 1;
        c->null_reason = "periods on different scales";
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "cannot compare survey states on different scales (%d-%d and %d-%d)", cur->scale.min,
                            cur->scale.max, prev->scale.min, prev->scale.max);
    }
    resolved rv;
    cxm_survey_result a, b;
    int rc = resolve(d, cur->scale, &rv, diag);
    if (!rc) rc = cxm_survey_compute(cur, d, &a, diag);
    if (!rc) rc = cxm_survey_compute(prev, d, &b, diag);
    if (rc) {
        c->is_null = 1;
        c->null_reason = "invalid definition";
        return rc;
    }
    c->current = a.value;
    c->previous = b.value;
    if (a.is_null || b.is_null) {
        c->is_null = 1;
        c->null_reason = a.is_null ? "no answers in the current period" : "no answers in the previous period";
        return CXM_OK;
    }
    c->change = a.value - b.value;
    switch (d->variant) {
    case CXM_SURVEY_TOP_BOX:
    case CXM_SURVEY_AGREE_PCT:
        c->p_value = cxm_test_two_prop((double)a.k, (double)a.n, (double)b.k, (double)b.n, &c->statistic);
        break;
    case CXM_SURVEY_MEAN:
    case CXM_SURVEY_PCT_OF_MAX:
        if (a.n < 2 || b.n < 2) {
            c->is_null = 1;
            c->null_reason = "fewer than 2 answers in a period: no t test";
            return CXM_OK;
        }
        c->p_value = cxm_test_welch(a.mean, a.sd, (double)a.n, b.mean, b.sd, (double)b.n, &c->statistic, &c->df);
        break;
    case CXM_SURVEY_NET: {
        nps_parts p1 = nps_of(cur, rv.dmax, rv.pmin, d->nps_ci);
        nps_parts p2 = nps_of(prev, rv.dmax, rv.pmin, d->nps_ci);
        double diff = p1.center - p2.center;
        double se = sqrt(p1.se * p1.se + p2.se * p2.se);
        if (se > 0) {
            c->statistic = diff / se;
            c->p_value = 2 * cxm_norm_cdf(-fabs(c->statistic));
        } else if (diff == 0) { /* both periods entirely in one and the same bucket */
            c->statistic = 0;
            c->p_value = 1;
        } else { /* e.g. all promoters vs all detractors: no sampling variance */
            c->statistic = diff > 0 ? INFINITY : -INFINITY;
            c->p_value = 0;
        }
        break;
    }
    default: break;
    }
    c->significant = c->p_value < 1 - rv.confidence;
    return CXM_OK;
}
