/*
 * survey.h - the pure core of the survey metrics (CSAT, CES, NPS, eNPS,
 * ESAT, score distribution): a mergeable per-group state, the named
 * definitions with their formulas, intervals, period comparisons and the
 * minimum-n flag. No I/O, no allocation: every function works on
 * caller-owned structs. Design note: docs/internals/survey.md.
 *
 * State. A cxm_survey_state is a histogram of integer scores on one scale
 * [min, max] with 0 <= min < max <= CXM_MAX_SURVEY_SCORE (100): count[s] is
 * the number of answers with score s, n their total. Invariants:
 *   - count[s] == 0 for s outside [min, max];  n == sum of count[];
 *   - n <= CXM_MAX_SURVEY_ANSWERS (2^53), so n, every count and the sum of
 *     scores (<= 100 n < 2^60) are exact in uint64_t and n in a double.
 * Size: 8 + 8 + 101 x 8 = 824 bytes, fixed, whatever the scale; one per
 * (group, survey). Adding is O(1); merging and every computation O(101).
 * Two states merge (partial files, threads, stored states) into exactly the
 * state one pass over all answers gives: the histogram is a sufficient
 * statistic for every variant here, so merged results are bit-identical.
 *
 * Scores are integers. A decimal score (3.5) is not binned: it is a bad row
 * for the caller (cxm_survey_score_from_double returns CXM_EDATA), as is a
 * score outside the scale (cxm_survey_add returns CXM_EDATA and changes
 * nothing). Counting bad rows is the caller's business.
 *
 * Definitions. A cxm_survey_def names one metric and one variant plus its
 * settings (boxes, CES polarity and threshold, NPS buckets, interval method,
 * confidence, minimum n). Settings left at CXM_SURVEY_AUTO are resolved
 * against the state's scale when computing, so one definition serves 1-5
 * and 1-10 states alike. The formulas, with their seed references
 * (docs/SEEDS.md), are in survey.c beside the code and in the design note.
 *
 * Units. Shares (top_box, agree_pct, bucket shares, distribution shares)
 * and pct_of_max are percentages 0..100; NPS is -100..100; means are in
 * score units. Intervals are in the value's unit. A comparison's change is
 * current - previous in the same unit (percentage points for shares).
 *
 * Ownership: all structs are plain values owned by the caller; strings in
 * results (null_reason, test) are static. Nothing to free.
 */
#ifndef CXM_SURVEY_H
#define CXM_SURVEY_H
#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "cxm.h"

#define CXM_SURVEY_NBOXES (CXM_MAX_SURVEY_SCORE + 1)
#define CXM_SURVEY_AUTO   (-1) /* "the default for the scale" in a definition */

/* ---- scale and state ------------------------------------------------ */

typedef struct cxm_survey_scale {
    int min, max; /* 0 <= min < max <= CXM_MAX_SURVEY_SCORE */
} cxm_survey_scale;

typedef struct cxm_survey_state {
    cxm_survey_scale scale;
    uint64_t n;                        /* answers counted */
    uint64_t count[CXM_SURVEY_NBOXES]; /* count[score] */
} cxm_survey_state;

/* CXM_EUSAGE unless 0 <= min < max <= CXM_MAX_SURVEY_SCORE; diag says why. */
int cxm_survey_scale_check(cxm_survey_scale sc, cxm_diag *diag) CXM_WUR;
/* The default scale of a survey name (issue 3): csat and esat 1-5, ces 1-7,
 * nps and enps 0-10. CXM_ENOTFOUND for any other name (the caller then needs
 * scale_min/scale_max). name borrowed. */
int cxm_survey_scale_default(const char *name, cxm_survey_scale *out) CXM_WUR;

/* Empties *s and sets its scale. CXM_EUSAGE for an invalid scale (s is
 * then left empty on the scale 0-1, still safe to use). s caller-owned. */
int cxm_survey_init(cxm_survey_state *s, cxm_survey_scale sc, cxm_diag *diag) CXM_WUR;
/* Counts one answer. CXM_EDATA if score is outside s's scale (nothing
 * changes: a bad row), CXM_ELIMIT past CXM_MAX_SURVEY_ANSWERS. */
int cxm_survey_add(cxm_survey_state *s, int score) CXM_WUR;
/* Counts `count` answers of one score (stored histograms, tests); the same
 * errors. count 0 is a no-op. */
int cxm_survey_add_n(cxm_survey_state *s, int score, uint64_t count) CXM_WUR;
/* a += b. CXM_EUSAGE if the scales differ, CXM_ELIMIT if the total would
 * pass CXM_MAX_SURVEY_ANSWERS; a is unchanged on error. b borrowed (may be a). */
int cxm_survey_merge(cxm_survey_state *a, const cxm_survey_state *b, cxm_diag *diag) CXM_WUR;
/* A parsed numeric score as an integer: CXM_EDATA for NaN, infinities, a
 * fraction (3.5: not binned, a bad row) or a value outside 0..100. The
 * scale check is cxm_survey_add's. */
int cxm_survey_score_from_double(double x, int *out) CXM_WUR;

/* ---- box sets --------------------------------------------------------- */

/* A set of scores (bit s of bits[s / 64] = score s belongs). */
typedef struct cxm_survey_boxes {
    uint64_t bits[2];
} cxm_survey_boxes;

/* Parses "4,5", "9-10", "1,3-5" (integers 0..100, commas, inclusive ranges,
 * spaces around items allowed) into *out. CXM_EUSAGE for anything else or an
 * empty set; diag->column is the 1-based byte where it went wrong. text
 * borrowed, NUL-terminated. */
int cxm_survey_boxes_parse(const char *text, cxm_survey_boxes *out, cxm_diag *diag) CXM_WUR;
/* The set {lo..hi} (empty if lo > hi; clipped to 0..100). */
cxm_survey_boxes cxm_survey_boxes_range(int lo, int hi);
int cxm_survey_boxes_has(const cxm_survey_boxes *b, int score);
/* Writes the set as "4-5" / "1,3-5" (runs of 2 or more as ranges) into buf
 * (always NUL-terminated when cap > 0). Returns the length it needed. */
size_t cxm_survey_boxes_format(const cxm_survey_boxes *b, char *buf, size_t cap);
/* The default satisfied boxes of a scale (CSAT/ESAT top_box): the top two
 * boxes on a scale of 4 to 11 points (1-5: 4,5; 1-7: 6,7; 1-10 and 0-10:
 * 9,10), the top box on 2 or 3 points. CXM_EUSAGE on more than 11 points
 * (e.g. 0-100): there is no agreed default, the boxes must be given. */
int cxm_survey_boxes_default(cxm_survey_scale sc, cxm_survey_boxes *out, cxm_diag *diag) CXM_WUR;

/* ---- definitions ------------------------------------------------------ */

typedef enum cxm_survey_metric {
    CXM_SURVEY_CSAT,
    CXM_SURVEY_CES,
    CXM_SURVEY_NPS,
    CXM_SURVEY_ENPS, /* NPS of employees: identical formula */
    CXM_SURVEY_ESAT, /* employee satisfaction: CSAT's variants */
    CXM_SURVEY_NMETRICS
} cxm_survey_metric;

typedef enum cxm_survey_variant {
    CXM_SURVEY_DEFAULT = -1, /* csat/esat: top_box, ces: agree_pct, nps/enps: nps */
    CXM_SURVEY_TOP_BOX,      /* csat, esat */
    CXM_SURVEY_MEAN,         /* csat, esat, ces */
    CXM_SURVEY_PCT_OF_MAX,   /* csat, esat */
    CXM_SURVEY_AGREE_PCT,    /* ces */
    CXM_SURVEY_NET,          /* nps, enps ("nps") */
    CXM_SURVEY_NVARIANTS
} cxm_survey_variant;

typedef enum cxm_survey_polarity {
    CXM_SURVEY_AGREEMENT, /* "it was easy": a high answer is good */
    CXM_SURVEY_EFFORT     /* "how much effort": a high answer is bad */
} cxm_survey_polarity;

typedef enum cxm_survey_nps_ci {
    CXM_SURVEY_NPS_WALD,         /* NPS +- z sqrt((p + d - (p - d)^2) / n) */
    CXM_SURVEY_NPS_ADJUSTED_WALD /* n + 3, P + 3/4, D + 3/4 (Rocks 2016) */
} cxm_survey_nps_ci;

typedef struct cxm_survey_def {
    cxm_survey_metric metric;
    cxm_survey_variant variant; /* never CXM_SURVEY_DEFAULT after def_init */
    /* csat/esat top_box: the satisfied boxes; has_boxes 0 = the scale's
     * default (cxm_survey_boxes_default). */
    int has_boxes;
    cxm_survey_boxes boxes;
    /* ces: polarity (default agreement) and agree_pct threshold: agreement
     * counts answers >= threshold, effort answers <= threshold;
     * CXM_SURVEY_AUTO = strictly above (agreement) or below (effort) the
     * scale's midpoint: 1-7 -> 5..7 or 1..3, 1-5 -> 4..5 or 1..2. */
    cxm_survey_polarity polarity;
    int threshold;
    /* nps/enps: detractors <= detractor_max < passives < promoter_min <=
     * promoters; CXM_SURVEY_AUTO = 6 and 9. */
    int detractor_max, promoter_min;
    cxm_survey_nps_ci nps_ci; /* default CXM_SURVEY_NPS_WALD */
    double confidence;        /* interval and test level; default 0.95 (0 also means 0.95) */
    uint64_t min_n;           /* below it results are flagged; default 30, 0 = off */
} cxm_survey_def;

/* Fills *d with metric, variant (CXM_SURVEY_DEFAULT picks the metric's
 * default) and every default above. CXM_EUSAGE if the variant does not
 * belong to the metric. d caller-owned. */
int cxm_survey_def_init(cxm_survey_def *d, cxm_survey_metric metric, cxm_survey_variant variant,
                        cxm_diag *diag) CXM_WUR;
/* CXM_EUSAGE (diag says which setting) unless d is valid on scale sc: the
 * variant belongs to the metric, boxes are non-empty and inside the scale,
 * the threshold is inside it, min <= detractor_max < promoter_min <= max,
 * confidence in (0, 1). compute and compare call it themselves. */
int cxm_survey_def_check(const cxm_survey_def *d, cxm_survey_scale sc, cxm_diag *diag) CXM_WUR;

/* Names (static strings): "csat", "ces", "nps", "enps", "esat"; "top_box",
 * "mean", "pct_of_max", "agree_pct", "nps"; "agreement", "effort". */
const char *cxm_survey_metric_id(cxm_survey_metric m);
const char *cxm_survey_variant_name(cxm_survey_variant v);
const char *cxm_survey_polarity_name(cxm_survey_polarity p);
/* Reverse lookups; CXM_ENOTFOUND for an unknown name. name borrowed. */
int cxm_survey_metric_parse(const char *name, cxm_survey_metric *out) CXM_WUR;
int cxm_survey_variant_parse(const char *name, cxm_survey_variant *out) CXM_WUR;

/* ---- results ---------------------------------------------------------- */

typedef struct cxm_survey_result {
    cxm_survey_metric metric;
    cxm_survey_variant variant;
    cxm_unit unit;                /* PERCENT (shares, pct_of_max), SCORE (mean, NPS) */
    int higher_is_better;         /* 0 only for a mean on an effort scale */
    cxm_survey_polarity polarity; /* ces; AGREEMENT for the others */
    int is_null;                  /* 1: value is NaN, null_reason says why */
    double value;
    const char *null_reason; /* static; NULL when is_null is 0 */
    uint64_t n;              /* answers behind the value */
    int below_min_n;         /* 1: 0 < n < min_n; value reported, caller warns */
    int has_ci;              /* 0: no interval (n = 0; a mean with n = 1) */
    double ci_low, ci_high;  /* in the value's unit; NaN when has_ci is 0 */
    int ci_degenerate;       /* 1: the interval has zero width (see survey.md) */
    /* top_box / agree_pct: the boxes counted and the answers in them. */
    cxm_survey_boxes boxes;
    uint64_t k;
    /* mean / pct_of_max: the mean score and its sample sd (NaN if n < 2). */
    double mean, sd;
    /* nps/enps: bucket bounds used, counts, shares (percent) and the
     * standard error of the NPS in points (Wald, or adjusted-Wald's). */
    int detractor_max, promoter_min;
    uint64_t promoters, passives, detractors;
    double promoter_pct, passive_pct, detractor_pct;
    double se;
} cxm_survey_result;

/* Computes d over s into *out (always fully written). Returns 0 with a
 * result (possibly is_null) or CXM_EUSAGE when d is invalid on s's scale.
 * s and d borrowed; out caller-owned. */
int cxm_survey_compute(const cxm_survey_state *s, const cxm_survey_def *d, cxm_survey_result *out,
                       cxm_diag *diag) CXM_WUR;

/* The distribution: for each score of the scale, in order, its count, its
 * share (percent; NaN when n = 0) and the Wilson interval of the share at
 * `confidence` (0 = 0.95). out has room for cap bins; *nout gets the scale's
 * number of points (max - min + 1). CXM_ELIMIT if cap is too small (nothing
 * is written), CXM_EUSAGE for a bad confidence. */
typedef struct cxm_survey_bin {
    int score;
    uint64_t count;
    double pct, ci_low, ci_high;
} cxm_survey_bin;
int cxm_survey_distribution(const cxm_survey_state *s, double confidence, cxm_survey_bin *out, size_t cap, size_t *nout,
                            cxm_diag *diag) CXM_WUR;

/* ---- period comparison ------------------------------------------------ */

typedef struct cxm_survey_compare {
    int is_null;              /* 1: no test possible, null_reason says why */
    const char *null_reason;  /* static or NULL */
    const char *test;         /* "two_prop_z", "welch_t", "nps_z" (static) */
    double current, previous; /* the two values (cxm_survey_compute's) */
    double change;            /* current - previous, value's unit */
    double statistic;         /* z or t */
    double df;                /* Welch degrees of freedom; NaN for z tests */
    double p_value;           /* two-sided */
    int significant;          /* p_value < 1 - confidence */
} cxm_survey_compare_result;

/* Tests current against previous under d: top_box/agree_pct by the pooled
 * two-proportion z test, mean/pct_of_max by Welch's t test on the means,
 * nps by z = (NPS1 - NPS2) / sqrt(se1^2 + se2^2) with d's interval method.
 * *out always fully written. CXM_EUSAGE if d is invalid or the two scales
 * differ. cur, prev, d borrowed. */
int cxm_survey_compare(const cxm_survey_state *cur, const cxm_survey_state *prev, const cxm_survey_def *d,
                       cxm_survey_compare_result *out, cxm_diag *diag) CXM_WUR;

#endif
