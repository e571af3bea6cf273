/*
 * test_survey.c - specification of src/metrics/survey.h: the survey state
 * (scales, adding, merging), box sets, definitions, every variant of CSAT,
 * CES, NPS, eNPS and ESAT, the distribution, every interval, every period
 * test, the minimum-n flag and the edge cases (empty state, n = 1, all
 * promoters, all detractors).
 *
 * Expected values are worked by hand in the comments, or come from an
 * independent oracle: a Python script using statistics.NormalDist (its own
 * inverse normal, Wichura's AS241) and the closed form of the Student t cdf
 * for even df (Abramowitz & Stegun 26.7.3, inverted by bisection), written
 * from the textbook formulas and not from survey.c:
 *
 *   from statistics import NormalDist; from math import sqrt, atan, sin, cos
 *   z95 = NormalDist().inv_cdf(0.975)               # 1.9599639845400536
 *   def wilson(k, n, z):
 *       p = k/n; c = (p + z*z/(2*n))/(1 + z*z/n)
 *       h = z/(1 + z*z/n)*sqrt(p*(1-p)/n + z*z/(4*n*n)); return c-h, c+h
 *   def t_cdf_even(t, df):                          # A&S 26.7.3
 *       th = atan(t/sqrt(df)); s, c = sin(th), cos(th); term = tot = 1.0
 *       for j in range(1, df//2): term *= (2*j-1)/(2*j)*c*c; tot += term
 *       return 0.5 + 0.5*s*tot
 *   def nps(P, Pa, D, z, adj=False):
 *       n = P + Pa + D
 *       if adj: n += 3; P += .75; D += .75
 *       p, d = P/n, D/n; se = sqrt((p + d - (p-d)**2)/n)
 *       return 100*(p-d), 100*se, 100*(p-d-z*se), 100*(p-d+z*se)
 *
 * Quoted oracle outputs carry "(oracle)" beside them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics/survey.h"

/* ---- helpers ------------------------------------------------------------ */

/* |got - want| <= tol * max(1, |want|); equal infinities pass. */
static void check_close_(double got, double want, double tol, const char *what, int line) {
    if (got == want) return;
    double scale = fabs(want) > 1 ? fabs(want) : 1;
    if (!(fabs(got - want) <= tol * scale)) {
        print_error("line %d: %s = %.17g, want %.17g (tol %g)\n", line, what, got, want, tol);
        fail();
    }
}
#define check_close(got, want, tol) check_close_((got), (want), (tol), #got, __LINE__)

static const cxm_survey_scale S15 = {1, 5}, S17 = {1, 7}, S010 = {0, 10}, S110 = {1, 10};

/* A state on sc holding the listed scores (list ends at -1). */
static cxm_survey_state state_of(cxm_survey_scale sc, const int *scores) {
    cxm_survey_state s;
    assert_int_equal(cxm_survey_init(&s, sc, NULL), 0);
    for (; *scores >= 0; scores++)
        assert_int_equal(cxm_survey_add(&s, *scores), 0);
    return s;
}

/* An NPS state on 0-10 with P tens, Pa eights and D fives. */
static cxm_survey_state nps_state(uint64_t P, uint64_t Pa, uint64_t D) {
    cxm_survey_state s;
    assert_int_equal(cxm_survey_init(&s, S010, NULL), 0);
    assert_int_equal(cxm_survey_add_n(&s, 10, P), 0);
    assert_int_equal(cxm_survey_add_n(&s, 8, Pa), 0);
    assert_int_equal(cxm_survey_add_n(&s, 5, D), 0);
    return s;
}

static cxm_survey_def def_of(cxm_survey_metric m, cxm_survey_variant v) {
    cxm_survey_def d;
    assert_int_equal(cxm_survey_def_init(&d, m, v, NULL), 0);
    return d;
}

static cxm_survey_result run(const cxm_survey_state *s, const cxm_survey_def *d) {
    cxm_survey_result r;
    cxm_diag diag;
    memset(&diag, 0, sizeof diag);
    int rc = cxm_survey_compute(s, d, &r, &diag);
    if (rc) print_error("compute: %s\n", diag.msg);
    assert_int_equal(rc, 0);
    return r;
}

/* The seed 003 example (l.71-76): neutral, satisfied, dissatisfied, very
 * satisfied, neutral on the 1-5 scale of l.63-67. */
static const int SEED003[] = {3, 4, 2, 5, 3, -1};

/* ---- scales and the state ----------------------------------------------- */

static void scale_bounds_are_0_to_100_with_min_below_max(void **st) {
    (void)st;
    cxm_diag d;
    assert_int_equal(cxm_survey_scale_check(S15, NULL), 0);
    assert_int_equal(cxm_survey_scale_check((cxm_survey_scale){0, 100}, NULL), 0);
    assert_int_equal(cxm_survey_scale_check((cxm_survey_scale){0, 1}, NULL), 0);
    assert_int_equal(cxm_survey_scale_check((cxm_survey_scale){5, 5}, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "5-5"));
    assert_int_equal(cxm_survey_scale_check((cxm_survey_scale){5, 1}, NULL), CXM_EUSAGE);
    assert_int_equal(cxm_survey_scale_check((cxm_survey_scale){-1, 5}, NULL), CXM_EUSAGE);
    assert_int_equal(cxm_survey_scale_check((cxm_survey_scale){0, 101}, NULL), CXM_EUSAGE);
}

static void default_scales_follow_the_issue(void **st) {
    (void)st;
    cxm_survey_scale sc;
    assert_int_equal(cxm_survey_scale_default("csat", &sc), 0);
    assert_true(sc.min == 1 && sc.max == 5);
    assert_int_equal(cxm_survey_scale_default("esat", &sc), 0);
    assert_true(sc.min == 1 && sc.max == 5);
    assert_int_equal(cxm_survey_scale_default("ces", &sc), 0);
    assert_true(sc.min == 1 && sc.max == 7);
    assert_int_equal(cxm_survey_scale_default("nps", &sc), 0);
    assert_true(sc.min == 0 && sc.max == 10);
    assert_int_equal(cxm_survey_scale_default("enps", &sc), 0);
    assert_true(sc.min == 0 && sc.max == 10);
    assert_int_equal(cxm_survey_scale_default("onboarding", &sc), CXM_ENOTFOUND);
    assert_int_equal(cxm_survey_scale_default(NULL, &sc), CXM_ENOTFOUND);
}

static void init_with_a_bad_scale_fails_and_leaves_a_safe_empty_state(void **st) {
    (void)st;
    cxm_survey_state s;
    assert_int_equal(cxm_survey_init(&s, (cxm_survey_scale){3, 2}, NULL), CXM_EUSAGE);
    assert_int_equal(s.n, 0);
    assert_int_equal(cxm_survey_add(&s, 1), 0); /* the fallback scale 0-1 */
    assert_int_equal(cxm_survey_add(&s, 2), CXM_EDATA);
}

static void add_counts_scores_on_the_scale(void **st) {
    (void)st;
    cxm_survey_state s = state_of(S15, SEED003);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.count[1], 0);
    assert_int_equal(s.count[2], 1);
    assert_int_equal(s.count[3], 2);
    assert_int_equal(s.count[4], 1);
    assert_int_equal(s.count[5], 1);
}

static void add_rejects_a_score_off_the_scale_and_changes_nothing(void **st) {
    (void)st;
    cxm_survey_state s = state_of(S15, SEED003);
    cxm_survey_state before = s;
    assert_int_equal(cxm_survey_add(&s, 0), CXM_EDATA);
    assert_int_equal(cxm_survey_add(&s, 6), CXM_EDATA);
    assert_int_equal(cxm_survey_add(&s, -1), CXM_EDATA);
    assert_int_equal(cxm_survey_add(&s, 1000), CXM_EDATA);
    assert_int_equal(cxm_survey_add_n(&s, 7, 3), CXM_EDATA);
    assert_memory_equal(&s, &before, sizeof s);
}

static void add_n_adds_many_and_zero_is_a_no_op(void **st) {
    (void)st;
    cxm_survey_state s;
    assert_int_equal(cxm_survey_init(&s, S010, NULL), 0);
    assert_int_equal(cxm_survey_add_n(&s, 9, 50), 0);
    assert_int_equal(cxm_survey_add_n(&s, 0, 0), 0);
    assert_int_equal(s.n, 50);
    assert_int_equal(s.count[9], 50);
    assert_int_equal(s.count[0], 0);
}

static void answers_are_capped_at_2_to_the_53(void **st) {
    (void)st;
    cxm_survey_state s, t;
    assert_int_equal(cxm_survey_init(&s, S15, NULL), 0);
    assert_int_equal(cxm_survey_add_n(&s, 5, CXM_MAX_SURVEY_ANSWERS), 0);
    assert_int_equal(cxm_survey_add(&s, 5), CXM_ELIMIT);
    assert_int_equal(s.n, CXM_MAX_SURVEY_ANSWERS);
    assert_int_equal(cxm_survey_init(&t, S15, NULL), 0);
    assert_int_equal(cxm_survey_add(&t, 1), 0);
    cxm_diag d;
    assert_int_equal(cxm_survey_merge(&s, &t, &d), CXM_ELIMIT);
    assert_non_null(strstr(d.msg, "CXM_MAX_SURVEY_ANSWERS"));
    assert_int_equal(s.count[1], 0); /* unchanged */
    /* the sum of scores, 5 * 2^53, still fits: the mean is exact */
    cxm_survey_def def = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_MEAN);
    cxm_survey_result r = run(&s, &def);
    assert_true(r.value == 5.0);
    assert_true(r.sd == 0.0);
}

static void decimal_scores_are_rejected_not_binned(void **st) {
    (void)st;
    int v = -7;
    assert_int_equal(cxm_survey_score_from_double(4.0, &v), 0);
    assert_int_equal(v, 4);
    assert_int_equal(cxm_survey_score_from_double(0.0, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(cxm_survey_score_from_double(100.0, &v), 0);
    assert_int_equal(v, 100);
    v = -7;
    assert_int_equal(cxm_survey_score_from_double(3.5, &v), CXM_EDATA);
    assert_int_equal(cxm_survey_score_from_double(4.000001, &v), CXM_EDATA);
    assert_int_equal(cxm_survey_score_from_double(-1.0, &v), CXM_EDATA);
    assert_int_equal(cxm_survey_score_from_double(101.0, &v), CXM_EDATA);
    assert_int_equal(cxm_survey_score_from_double(NAN, &v), CXM_EDATA);
    assert_int_equal(cxm_survey_score_from_double(INFINITY, &v), CXM_EDATA);
    assert_int_equal(cxm_survey_score_from_double(1e300, &v), CXM_EDATA);
    assert_int_equal(v, -7); /* untouched on error */
}

/* splitmix64, fixed seed: repeatable pseudo-random scores */
static uint64_t rng_state;
static uint64_t rng(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void merge_of_any_split_equals_one_pass(void **st) {
    (void)st;
    enum { N = 400 };
    int scores[N];
    rng_state = 42;
    for (int i = 0; i < N; i++)
        scores[i] = (int)(rng() % 11); /* 0..10 */
    cxm_survey_state whole;
    assert_int_equal(cxm_survey_init(&whole, S010, NULL), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(cxm_survey_add(&whole, scores[i]), 0);
    cxm_survey_def defs[4] = {def_of(CXM_SURVEY_NPS, CXM_SURVEY_DEFAULT), def_of(CXM_SURVEY_CSAT, CXM_SURVEY_MEAN),
                              def_of(CXM_SURVEY_CSAT, CXM_SURVEY_PCT_OF_MAX),
                              def_of(CXM_SURVEY_CES, CXM_SURVEY_AGREE_PCT)};
    for (int split = 0; split <= N; split += 7) {
        cxm_survey_state a, b;
        assert_int_equal(cxm_survey_init(&a, S010, NULL), 0);
        assert_int_equal(cxm_survey_init(&b, S010, NULL), 0);
        for (int i = 0; i < split; i++)
            assert_int_equal(cxm_survey_add(&a, scores[i]), 0);
        for (int i = split; i < N; i++)
            assert_int_equal(cxm_survey_add(&b, scores[i]), 0);
        assert_int_equal(cxm_survey_merge(&a, &b, NULL), 0);
        assert_memory_equal(&a, &whole, sizeof a);
        for (int k = 0; k < 4; k++) {
            cxm_survey_result r1 = run(&a, &defs[k]), r2 = run(&whole, &defs[k]);
            assert_memory_equal(&r1, &r2, sizeof r1); /* bit-identical */
        }
    }
}

static void merge_into_and_from_an_empty_state(void **st) {
    (void)st;
    cxm_survey_state s = state_of(S15, SEED003), e, copy = s;
    assert_int_equal(cxm_survey_init(&e, S15, NULL), 0);
    assert_int_equal(cxm_survey_merge(&s, &e, NULL), 0);
    assert_memory_equal(&s, &copy, sizeof s);
    assert_int_equal(cxm_survey_merge(&e, &s, NULL), 0);
    assert_memory_equal(&e, &copy, sizeof s);
}

static void merge_with_itself_doubles(void **st) {
    (void)st;
    cxm_survey_state s = state_of(S15, SEED003);
    assert_int_equal(cxm_survey_merge(&s, &s, NULL), 0);
    assert_int_equal(s.n, 10);
    assert_int_equal(s.count[3], 4);
    assert_int_equal(s.count[5], 2);
}

static void merge_refuses_different_scales(void **st) {
    (void)st;
    cxm_survey_state a = state_of(S15, SEED003), b, copy = a;
    assert_int_equal(cxm_survey_init(&b, S17, NULL), 0);
    cxm_diag d;
    assert_int_equal(cxm_survey_merge(&a, &b, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "1-5 and 1-7"));
    assert_memory_equal(&a, &copy, sizeof a);
}

/* ---- box sets ------------------------------------------------------------ */

static void box_sets_parse_lists_and_ranges(void **st) {
    (void)st;
    cxm_survey_boxes b;
    assert_int_equal(cxm_survey_boxes_parse("4,5", &b, NULL), 0);
    assert_true(cxm_survey_boxes_has(&b, 4) && cxm_survey_boxes_has(&b, 5));
    assert_false(cxm_survey_boxes_has(&b, 3));
    assert_int_equal(cxm_survey_boxes_parse("9-10", &b, NULL), 0);
    assert_true(cxm_survey_boxes_has(&b, 9) && cxm_survey_boxes_has(&b, 10) && !cxm_survey_boxes_has(&b, 8));
    assert_int_equal(cxm_survey_boxes_parse(" 1 , 3 - 5 ", &b, NULL), 0);
    char txt[32];
    assert_int_equal(cxm_survey_boxes_format(&b, txt, sizeof txt), strlen("1,3-5"));
    assert_string_equal(txt, "1,3-5");
    assert_int_equal(cxm_survey_boxes_parse("0,64,100", &b, NULL), 0); /* both words of the bit set */
    assert_true(cxm_survey_boxes_has(&b, 0) && cxm_survey_boxes_has(&b, 64) && cxm_survey_boxes_has(&b, 100));
    assert_false(cxm_survey_boxes_has(&b, 63) || cxm_survey_boxes_has(&b, 101) || cxm_survey_boxes_has(&b, -1));
    assert_int_equal(cxm_survey_boxes_parse("5,4,4-5", &b, NULL), 0); /* order and repeats don't matter */
    cxm_survey_boxes_format(&b, txt, sizeof txt);
    assert_string_equal(txt, "4-5");
}

static void box_sets_reject_malformed_text_with_the_byte(void **st) {
    (void)st;
    cxm_survey_boxes b;
    cxm_diag d;
    assert_int_equal(cxm_survey_boxes_parse("", &b, &d), CXM_EUSAGE);
    assert_int_equal(d.column, 1);
    assert_int_equal(cxm_survey_boxes_parse("4,", &b, &d), CXM_EUSAGE);
    assert_int_equal(d.column, 3);
    assert_int_equal(cxm_survey_boxes_parse("4;5", &b, &d), CXM_EUSAGE);
    assert_int_equal(d.column, 2);
    assert_int_equal(cxm_survey_boxes_parse("5-4", &b, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "backwards"));
    assert_int_equal(cxm_survey_boxes_parse("101", &b, &d), CXM_EUSAGE);
    assert_int_equal(cxm_survey_boxes_parse("99999999999999999999", &b, &d), CXM_EUSAGE);
    assert_int_equal(cxm_survey_boxes_parse("-3", &b, &d), CXM_EUSAGE);
    assert_int_equal(cxm_survey_boxes_parse("4.5", &b, &d), CXM_EUSAGE);
    assert_int_equal(cxm_survey_boxes_parse("4-", &b, &d), CXM_EUSAGE);
    assert_int_equal(cxm_survey_boxes_parse(NULL, &b, &d), CXM_EUSAGE);
}

static void box_format_truncates_safely_and_reports_the_length(void **st) {
    (void)st;
    cxm_survey_boxes b = cxm_survey_boxes_range(9, 10);
    char txt[4];
    assert_int_equal(cxm_survey_boxes_format(&b, txt, sizeof txt), 4); /* "9-10" */
    assert_string_equal(txt, "9-1");
    assert_int_equal(cxm_survey_boxes_format(&b, NULL, 0), 4);
    cxm_survey_boxes e = cxm_survey_boxes_range(5, 4);
    assert_int_equal(cxm_survey_boxes_format(&e, txt, sizeof txt), 0);
    assert_string_equal(txt, "");
    cxm_survey_boxes odd = cxm_survey_boxes_range(-5, 1000); /* clipped to 0..100 */
    char big[16];
    cxm_survey_boxes_format(&odd, big, sizeof big);
    assert_string_equal(big, "0-100");
}

static void default_satisfied_boxes_are_the_top_two_up_to_11_points(void **st) {
    (void)st;
    char txt[16];
    cxm_survey_boxes b;
    static const struct {
        int min, max;
        const char *want;
    } cases[] = {
        {1, 5, "4-5"},   /* 000:48-49, 001:14, 003:69 */
        {1, 7, "6-7"},   /* decision: top two */
        {1, 10, "9-10"}, /* 000:49 "9 or 10 on a 10-point scale" */
        {0, 10, "9-10"}, /* = NPS promoters */
        {1, 4, "3-4"},   /* 4 points: top two */
        {1, 3, "3"},     /* 3 points: top box only */
        {0, 1, "1"},     /* yes/no */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(cxm_survey_boxes_default((cxm_survey_scale){cases[i].min, cases[i].max}, &b, NULL), 0);
        cxm_survey_boxes_format(&b, txt, sizeof txt);
        assert_string_equal(txt, cases[i].want);
    }
    cxm_diag d;
    assert_int_equal(cxm_survey_boxes_default((cxm_survey_scale){0, 100}, &b, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "101 points"));
    assert_int_equal(cxm_survey_boxes_default((cxm_survey_scale){0, 11}, &b, NULL), CXM_EUSAGE);
}

/* ---- definitions --------------------------------------------------------- */

static void definitions_default_per_metric(void **st) {
    (void)st;
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_DEFAULT);
    assert_int_equal(d.variant, CXM_SURVEY_TOP_BOX);
    assert_int_equal(d.has_boxes, 0);
    assert_true(d.confidence == 0.95);
    assert_int_equal(d.min_n, 30);
    assert_int_equal(d.nps_ci, CXM_SURVEY_NPS_WALD);
    d = def_of(CXM_SURVEY_ESAT, CXM_SURVEY_DEFAULT);
    assert_int_equal(d.variant, CXM_SURVEY_TOP_BOX);
    d = def_of(CXM_SURVEY_CES, CXM_SURVEY_DEFAULT);
    assert_int_equal(d.variant, CXM_SURVEY_AGREE_PCT);
    assert_int_equal(d.polarity, CXM_SURVEY_AGREEMENT);
    assert_int_equal(d.threshold, CXM_SURVEY_AUTO);
    d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_DEFAULT);
    assert_int_equal(d.variant, CXM_SURVEY_NET);
    assert_int_equal(d.detractor_max, CXM_SURVEY_AUTO);
    assert_int_equal(d.promoter_min, CXM_SURVEY_AUTO);
    d = def_of(CXM_SURVEY_ENPS, CXM_SURVEY_DEFAULT);
    assert_int_equal(d.variant, CXM_SURVEY_NET);
}

static void a_variant_of_another_metric_is_refused(void **st) {
    (void)st;
    cxm_survey_def d;
    cxm_diag g;
    assert_int_equal(cxm_survey_def_init(&d, CXM_SURVEY_NPS, CXM_SURVEY_MEAN, &g), CXM_EUSAGE);
    assert_non_null(strstr(g.msg, "nps has no variant mean"));
    assert_int_equal(cxm_survey_def_init(&d, CXM_SURVEY_CSAT, CXM_SURVEY_AGREE_PCT, NULL), CXM_EUSAGE);
    assert_int_equal(cxm_survey_def_init(&d, CXM_SURVEY_CES, CXM_SURVEY_TOP_BOX, NULL), CXM_EUSAGE);
    assert_int_equal(cxm_survey_def_init(&d, CXM_SURVEY_CES, CXM_SURVEY_PCT_OF_MAX, NULL), CXM_EUSAGE);
    assert_int_equal(cxm_survey_def_init(&d, (cxm_survey_metric)99, CXM_SURVEY_DEFAULT, NULL), CXM_EUSAGE);
    assert_int_equal(cxm_survey_def_init(&d, CXM_SURVEY_CSAT, (cxm_survey_variant)42, NULL), CXM_EUSAGE);
}

static void names_round_trip(void **st) {
    (void)st;
    for (int m = 0; m < CXM_SURVEY_NMETRICS; m++) {
        cxm_survey_metric back;
        assert_int_equal(cxm_survey_metric_parse(cxm_survey_metric_id((cxm_survey_metric)m), &back), 0);
        assert_int_equal(back, m);
    }
    for (int v = 0; v < CXM_SURVEY_NVARIANTS; v++) {
        cxm_survey_variant back;
        assert_int_equal(cxm_survey_variant_parse(cxm_survey_variant_name((cxm_survey_variant)v), &back), 0);
        assert_int_equal(back, v);
    }
    assert_string_equal(cxm_survey_metric_id(CXM_SURVEY_ENPS), "enps");
    assert_string_equal(cxm_survey_variant_name(CXM_SURVEY_PCT_OF_MAX), "pct_of_max");
    assert_string_equal(cxm_survey_variant_name(CXM_SURVEY_NET), "nps");
    assert_string_equal(cxm_survey_polarity_name(CXM_SURVEY_EFFORT), "effort");
    assert_string_equal(cxm_survey_polarity_name(CXM_SURVEY_AGREEMENT), "agreement");
    assert_string_equal(cxm_survey_metric_id((cxm_survey_metric)77), "?");
    cxm_survey_variant v;
    assert_int_equal(cxm_survey_variant_parse("top2", &v), CXM_ENOTFOUND);
    cxm_survey_metric m;
    assert_int_equal(cxm_survey_metric_parse("NPS", &m), CXM_ENOTFOUND); /* ids are lower case */
    assert_int_equal(cxm_survey_metric_parse(NULL, &m), CXM_ENOTFOUND);
}

static void definition_check_names_the_bad_setting(void **st) {
    (void)st;
    cxm_diag g;
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    d.has_boxes = 1;
    assert_int_equal(cxm_survey_boxes_parse("9,10", &d.boxes, NULL), 0);
    assert_int_equal(cxm_survey_def_check(&d, S110, NULL), 0);
    assert_int_equal(cxm_survey_def_check(&d, S15, &g), CXM_EUSAGE);
    assert_non_null(strstr(g.msg, "satisfied boxes 9-10 are not all on the scale 1-5"));
    d.boxes = cxm_survey_boxes_range(3, 2); /* empty */
    assert_int_equal(cxm_survey_def_check(&d, S15, &g), CXM_EUSAGE);
    assert_non_null(strstr(g.msg, "empty"));

    d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_MEAN);
    d.confidence = 1.0;
    assert_int_equal(cxm_survey_def_check(&d, S15, &g), CXM_EUSAGE);
    assert_non_null(strstr(g.msg, "confidence"));
    d.confidence = NAN;
    assert_int_equal(cxm_survey_def_check(&d, S15, NULL), CXM_EUSAGE);
    d.confidence = 0; /* 0 means 0.95, as in cxm_report_opts */
    assert_int_equal(cxm_survey_def_check(&d, S15, NULL), 0);

    d = def_of(CXM_SURVEY_CES, CXM_SURVEY_AGREE_PCT);
    d.threshold = 8;
    assert_int_equal(cxm_survey_def_check(&d, S17, &g), CXM_EUSAGE);
    assert_non_null(strstr(g.msg, "threshold 8"));
    d.polarity = (cxm_survey_polarity)5;
    assert_int_equal(cxm_survey_def_check(&d, S17, NULL), CXM_EUSAGE);

    d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    assert_int_equal(cxm_survey_def_check(&d, (cxm_survey_scale){0, 5}, &g), CXM_EUSAGE);
    assert_non_null(strstr(g.msg, "do not fit the scale 0-5"));
    d.detractor_max = 7;
    d.promoter_min = 7;
    assert_int_equal(cxm_survey_def_check(&d, S010, NULL), CXM_EUSAGE);
    assert_int_equal(cxm_survey_def_check(&d, (cxm_survey_scale){3, 2}, NULL), CXM_EUSAGE);
}

static void compute_with_a_bad_definition_fails_with_a_null_result(void **st) {
    (void)st;
    cxm_survey_state s = state_of(S15, SEED003);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    d.has_boxes = 1;
    d.boxes = cxm_survey_boxes_range(9, 10);
    cxm_survey_result r;
    cxm_diag g;
    assert_int_equal(cxm_survey_compute(&s, &d, &r, &g), CXM_EUSAGE);
    assert_true(r.is_null);
    assert_true(isnan(r.value));
    assert_string_equal(r.null_reason, "invalid definition");
    assert_non_null(strstr(g.msg, "9-10"));
}

/* ---- CSAT ---------------------------------------------------------------- */

static void csat_top_box_of_seed_003_is_40(void **st) {
    (void)st;
    /* 3,4,2,5,3: the satisfied boxes 4,5 hold 2 of 5 -> 40 (003:71-76).
     * Wilson 2/5 at 95 % = [0.11762077423264794, 0.769275718723987] (oracle). */
    cxm_survey_state s = state_of(S15, SEED003);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_DEFAULT);
    cxm_survey_result r = run(&s, &d);
    assert_false(r.is_null);
    assert_null(r.null_reason);
    check_close(r.value, 40.0, 1e-12);
    assert_int_equal(r.k, 2);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.unit, CXM_UNIT_PERCENT);
    assert_int_equal(r.higher_is_better, 1);
    assert_true(r.has_ci);
    check_close(r.ci_low, 11.762077423264794, 1e-10);
    check_close(r.ci_high, 76.9275718723987, 1e-10);
    assert_false(r.ci_degenerate);
    assert_true(cxm_survey_boxes_has(&r.boxes, 4) && cxm_survey_boxes_has(&r.boxes, 5));
    assert_false(cxm_survey_boxes_has(&r.boxes, 3));
    assert_true(r.below_min_n); /* 5 < 30 */
}

static void csat_mean_of_seed_003_is_3_4_with_a_t_interval(void **st) {
    (void)st;
    /* sum 17, n 5 -> 3.4. Deviations -0.4 0.6 -1.4 1.6 -0.4, squares
     * 0.16 0.36 1.96 2.56 0.16 = 5.2; var 5.2/4 = 1.3, sd = sqrt 1.3.
     * t(0.975, 4) = 2.776445105197799 (A&S 26.7.3 closed form, oracle);
     * half = t sqrt(1.3)/sqrt 5 -> [1.984285223017729, 4.81571477698227]. */
    cxm_survey_state s = state_of(S15, SEED003);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_MEAN);
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 3.4, 1e-15);
    check_close(r.mean, 3.4, 1e-15);
    check_close(r.sd, sqrt(1.3), 1e-15);
    assert_int_equal(r.unit, CXM_UNIT_SCORE);
    assert_true(r.has_ci);
    check_close(r.ci_low, 1.984285223017729, 1e-12);
    check_close(r.ci_high, 4.81571477698227, 1e-12);
}

static void csat_pct_of_max_of_seed_003_is_68(void **st) {
    (void)st;
    /* 004:52: total 17 / (5 answers x max 5) x 100 = 68. The interval is
     * the mean's x 100/5: [39.68570446035458, 96.3142955396454]. */
    cxm_survey_state s = state_of(S15, SEED003);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_PCT_OF_MAX);
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 68.0, 1e-13);
    check_close(r.mean, 3.4, 1e-15);
    assert_int_equal(r.unit, CXM_UNIT_PERCENT);
    check_close(r.ci_low, 39.68570446035458, 1e-11);
    check_close(r.ci_high, 96.3142955396454, 1e-11);
}

static void pct_of_max_divides_by_the_scale_max_even_from_0(void **st) {
    (void)st;
    /* 0-10 scale, answers 0 and 10: total 10 / (2 x 10) = 50 %. Answers
     * 0,0: 0 %; the floor is 0 here (on 1-5 it is 20 %, 004:48's "1-100%"
     * notwithstanding). */
    static const int a[] = {0, 10, -1}, b[] = {0, 0, -1}, c[] = {1, 1, -1};
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_PCT_OF_MAX);
    cxm_survey_state s = state_of(S010, a);
    check_close(run(&s, &d).value, 50.0, 1e-13);
    s = state_of(S010, b);
    check_close(run(&s, &d).value, 0.0, 1e-13);
    s = state_of(S15, c);
    check_close(run(&s, &d).value, 20.0, 1e-13);
}

static void csat_wilson_for_45_of_50_is_the_issue_golden(void **st) {
    (void)st;
    /* Issue 3: 45 of 50 -> about [0.786, 0.957];
     * [0.7863976856252035, 0.9565242350681096] (oracle). */
    cxm_survey_state s;
    assert_int_equal(cxm_survey_init(&s, S15, NULL), 0);
    assert_int_equal(cxm_survey_add_n(&s, 5, 30), 0);
    assert_int_equal(cxm_survey_add_n(&s, 4, 15), 0);
    assert_int_equal(cxm_survey_add_n(&s, 2, 5), 0);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 90.0, 1e-13);
    check_close(r.ci_low, 78.63976856252035, 1e-11);
    check_close(r.ci_high, 95.65242350681096, 1e-11);
    assert_false(r.below_min_n); /* 50 >= 30 */
}

static void csat_custom_boxes_replace_the_default(void **st) {
    (void)st;
    /* Only "very satisfied" (5): 1 of 5 in seed 003's example -> 20 %. */
    cxm_survey_state s = state_of(S15, SEED003);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    d.has_boxes = 1;
    assert_int_equal(cxm_survey_boxes_parse("5", &d.boxes, NULL), 0);
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 20.0, 1e-13);
    assert_int_equal(r.k, 1);
    /* "3-5": 4 of 5 -> 80 % */
    assert_int_equal(cxm_survey_boxes_parse("3-5", &d.boxes, NULL), 0);
    check_close(run(&s, &d).value, 80.0, 1e-13);
}

static void csat_top_box_on_1_7_and_1_10_and_0_10(void **st) {
    (void)st;
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    /* 1-7: boxes 6,7. 7,6,5,4 -> 2 of 4 = 50 % */
    static const int a[] = {7, 6, 5, 4, -1};
    cxm_survey_state s = state_of(S17, a);
    check_close(run(&s, &d).value, 50.0, 1e-13);
    /* 1-10: boxes 9,10. 10,9,8,1,9 -> 3 of 5 = 60 % */
    static const int b[] = {10, 9, 8, 1, 9, -1};
    s = state_of(S110, b);
    check_close(run(&s, &d).value, 60.0, 1e-13);
    /* 0-10: boxes 9,10. 0,10,8,7 -> 1 of 4 = 25 % */
    static const int c[] = {0, 10, 8, 7, -1};
    s = state_of(S010, c);
    check_close(run(&s, &d).value, 25.0, 1e-13);
    /* 0-100 has no default: the definition is refused ... */
    cxm_survey_state big;
    assert_int_equal(cxm_survey_init(&big, (cxm_survey_scale){0, 100}, NULL), 0);
    assert_int_equal(cxm_survey_add(&big, 85), 0);
    assert_int_equal(cxm_survey_add(&big, 60), 0);
    cxm_survey_result r;
    assert_int_equal(cxm_survey_compute(&big, &d, &r, NULL), CXM_EUSAGE);
    /* ... until boxes are given: 80-100 -> 1 of 2 */
    d.has_boxes = 1;
    assert_int_equal(cxm_survey_boxes_parse("80-100", &d.boxes, NULL), 0);
    check_close(run(&big, &d).value, 50.0, 1e-13);
}

static void esat_is_csat_for_employees(void **st) {
    (void)st;
    cxm_survey_state s = state_of(S15, SEED003);
    for (int v = CXM_SURVEY_TOP_BOX; v <= CXM_SURVEY_PCT_OF_MAX; v++) {
        cxm_survey_def dc = def_of(CXM_SURVEY_CSAT, (cxm_survey_variant)v);
        cxm_survey_def de = def_of(CXM_SURVEY_ESAT, (cxm_survey_variant)v);
        cxm_survey_result rc = run(&s, &dc), re = run(&s, &de);
        assert_int_equal(re.metric, CXM_SURVEY_ESAT);
        assert_true(rc.value == re.value && rc.ci_low == re.ci_low && rc.ci_high == re.ci_high);
    }
}

/* ---- CES ----------------------------------------------------------------- */

static void ces_agree_pct_counts_5_to_7_on_a_1_7_agreement_scale(void **st) {
    (void)st;
    /* Threshold above the midpoint 4: 5,6,7. Answers 7,5,4,3,6,5,2,1 ->
     * 4 of 8 = 50 %. Wilson 4/8: p = 1/2, centre exactly 1/2. */
    static const int a[] = {7, 5, 4, 3, 6, 5, 2, 1, -1};
    cxm_survey_state s = state_of(S17, a);
    cxm_survey_def d = def_of(CXM_SURVEY_CES, CXM_SURVEY_DEFAULT);
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 50.0, 1e-13);
    assert_int_equal(r.k, 4);
    assert_int_equal(r.polarity, CXM_SURVEY_AGREEMENT);
    assert_int_equal(r.higher_is_better, 1);
    check_close((r.ci_low + r.ci_high) / 2, 50.0, 1e-12);
    char txt[16];
    cxm_survey_boxes_format(&r.boxes, txt, sizeof txt);
    assert_string_equal(txt, "5-7");
}

static void ces_agree_pct_counts_4_and_5_on_1_5(void **st) {
    (void)st;
    /* 000:59-60: "found it easy" = 4 or 5 of 1-5. Seed 003's answers
     * 3,4,2,5,3 -> 2 of 5 = 40 %. */
    cxm_survey_state s = state_of(S15, SEED003);
    cxm_survey_def d = def_of(CXM_SURVEY_CES, CXM_SURVEY_AGREE_PCT);
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 40.0, 1e-13);
    char txt[16];
    cxm_survey_boxes_format(&r.boxes, txt, sizeof txt);
    assert_string_equal(txt, "4-5");
}

static void ces_effort_scale_counts_answers_at_or_below_the_low_threshold(void **st) {
    (void)st;
    /* 001:38-39: share of "very low" and "low" effort = 1,2 on 1-5 (below
     * the midpoint 3). Answers 1,2,2,3,5 -> 3 of 5 = 60 %; labelled effort,
     * and still higher is better (it is the low-effort share). */
    static const int a[] = {1, 2, 2, 3, 5, -1};
    cxm_survey_state s = state_of(S15, a);
    cxm_survey_def d = def_of(CXM_SURVEY_CES, CXM_SURVEY_AGREE_PCT);
    d.polarity = CXM_SURVEY_EFFORT;
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 60.0, 1e-13);
    assert_int_equal(r.polarity, CXM_SURVEY_EFFORT);
    assert_int_equal(r.higher_is_better, 1);
    char txt[16];
    cxm_survey_boxes_format(&r.boxes, txt, sizeof txt);
    assert_string_equal(txt, "1-2");
    /* 1-7 effort: 1..3 (mirror of 5..7) */
    static const int b[] = {1, 3, 4, 7, -1};
    s = state_of(S17, b);
    r = run(&s, &d);
    cxm_survey_boxes_format(&r.boxes, txt, sizeof txt);
    assert_string_equal(txt, "1-3");
    check_close(r.value, 50.0, 1e-13);
}

static void ces_explicit_threshold(void **st) {
    (void)st;
    /* agreement, threshold 6 on 1-7: 7,6 of 7,5,4,3,6,5,2,1 -> 2 of 8 */
    static const int a[] = {7, 5, 4, 3, 6, 5, 2, 1, -1};
    cxm_survey_state s = state_of(S17, a);
    cxm_survey_def d = def_of(CXM_SURVEY_CES, CXM_SURVEY_AGREE_PCT);
    d.threshold = 6;
    check_close(run(&s, &d).value, 25.0, 1e-13);
    /* effort, threshold 4: 4,3,2,1 -> 4 of 8 */
    d.polarity = CXM_SURVEY_EFFORT;
    d.threshold = 4;
    check_close(run(&s, &d).value, 50.0, 1e-13);
}

static void ces_default_thresholds_on_other_scales(void **st) {
    (void)st;
    /* strictly above / below the midpoint: 1-10 (5.5) -> 6..10 / 1..5;
     * 0-10 (5) -> 6..10 / 0..4; 1-4 (2.5) -> 3..4 / 1..2 */
    static const struct {
        int min, max;
        const char *agree, *effort;
    } cases[] = {{1, 10, "6-10", "1-5"}, {0, 10, "6-10", "0-4"}, {1, 4, "3-4", "1-2"}, {0, 1, "1", "0"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cxm_survey_state s;
        assert_int_equal(cxm_survey_init(&s, (cxm_survey_scale){cases[i].min, cases[i].max}, NULL), 0);
        assert_int_equal(cxm_survey_add(&s, cases[i].max), 0);
        cxm_survey_def d = def_of(CXM_SURVEY_CES, CXM_SURVEY_AGREE_PCT);
        char txt[16];
        cxm_survey_result r = run(&s, &d);
        cxm_survey_boxes_format(&r.boxes, txt, sizeof txt);
        assert_string_equal(txt, cases[i].agree);
        d.polarity = CXM_SURVEY_EFFORT;
        r = run(&s, &d);
        cxm_survey_boxes_format(&r.boxes, txt, sizeof txt);
        assert_string_equal(txt, cases[i].effort);
    }
}

static void ces_mean_reports_its_polarity(void **st) {
    (void)st;
    /* 003:84 mean on 1-7: 7,5,4,3,6,5,2,1 -> 33/8 = 4.125. On an effort
     * scale the same mean is reported as is, lower is better. */
    static const int a[] = {7, 5, 4, 3, 6, 5, 2, 1, -1};
    cxm_survey_state s = state_of(S17, a);
    cxm_survey_def d = def_of(CXM_SURVEY_CES, CXM_SURVEY_MEAN);
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 4.125, 1e-15);
    assert_int_equal(r.polarity, CXM_SURVEY_AGREEMENT);
    assert_int_equal(r.higher_is_better, 1);
    d.polarity = CXM_SURVEY_EFFORT;
    r = run(&s, &d);
    check_close(r.value, 4.125, 1e-15);
    assert_int_equal(r.polarity, CXM_SURVEY_EFFORT);
    assert_int_equal(r.higher_is_better, 0);
    /* sd: deviations from 4.125 squared sum to sum x^2 - n m^2 =
     * 165 - 8 * 17.015625 = 28.875; var 28.875/7 = 4.125 */
    check_close(r.sd, sqrt(4.125), 1e-14);
}

/* ---- NPS ----------------------------------------------------------------- */

static void nps_50_30_20_is_30_with_the_issue_interval(void **st) {
    (void)st;
    /* p = 0.5, d = 0.2: NPS = 100 (0.5 - 0.2) = 30. se = sqrt((0.7 - 0.09)/100)
     * = sqrt(0.0061) = 0.07810249675906654; 30 +- 100 z se with z =
     * 1.9599639845400536 -> [14.692191924957331, 45.307808075042665] (oracle),
     * the issue's "about [14.7, 45.3]". */
    cxm_survey_state s = nps_state(50, 30, 20);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_DEFAULT);
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 30.0, 1e-13);
    assert_int_equal(r.unit, CXM_UNIT_SCORE);
    assert_int_equal(r.promoters, 50);
    assert_int_equal(r.passives, 30);
    assert_int_equal(r.detractors, 20);
    check_close(r.promoter_pct, 50.0, 1e-13);
    check_close(r.passive_pct, 30.0, 1e-13);
    check_close(r.detractor_pct, 20.0, 1e-13);
    assert_int_equal(r.detractor_max, 6);
    assert_int_equal(r.promoter_min, 9);
    check_close(r.se, 7.810249675906654, 1e-12);
    check_close(r.ci_low, 14.692191924957331, 1e-11);
    check_close(r.ci_high, 45.307808075042665, 1e-11);
    assert_false(r.ci_degenerate);
    assert_false(r.below_min_n);
}

static void nps_adjusted_wald_adds_3_to_n_and_3_4_to_each_tail_bucket(void **st) {
    (void)st;
    /* Rocks 2016; Lewis & Sauro 2021: n' = 103, p' = 50.75/103, d' = 20.75/103,
     * centre 100 (p' - d') = 29.126213592233007, se' = 7.6915104218147565,
     * interval [14.051130178761609, 44.20129700570441] (oracle). The value
     * stays the plain NPS 30. */
    cxm_survey_state s = nps_state(50, 30, 20);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    d.nps_ci = CXM_SURVEY_NPS_ADJUSTED_WALD;
    cxm_survey_result r = run(&s, &d);
    check_close(r.value, 30.0, 1e-13);
    check_close(r.se, 7.6915104218147565, 1e-12);
    check_close(r.ci_low, 14.051130178761609, 1e-11);
    check_close(r.ci_high, 44.20129700570441, 1e-11);
}

static void nps_interval_at_90_percent(void **st) {
    (void)st;
    /* z90 = 1.6448536269514715: [17.153282493188385, 42.846717506811615] (oracle) */
    cxm_survey_state s = nps_state(50, 30, 20);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    d.confidence = 0.90;
    cxm_survey_result r = run(&s, &d);
    check_close(r.ci_low, 17.153282493188385, 1e-11);
    check_close(r.ci_high, 42.846717506811615, 1e-11);
}

static void nps_all_promoters_is_100_with_a_degenerate_wald_interval(void **st) {
    (void)st;
    /* p = 1, d = 0: var = 1 + 0 - 1 = 0, so the Wald interval is [100, 100],
     * flagged ci_degenerate. Adjusted-Wald, n = 10: n' 13, p' 10.75/13,
     * d' 0.75/13, centre 76.92307692307692, se' 15.010237744338253,
     * [47.503551544790206, 106.34...] clamped to 100 (oracle). */
    cxm_survey_state s = nps_state(10, 0, 0);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    cxm_survey_result r = run(&s, &d);
    assert_true(r.value == 100.0);
    assert_true(r.has_ci);
    assert_true(r.ci_low == 100.0 && r.ci_high == 100.0);
    assert_true(r.se == 0.0);
    assert_true(r.ci_degenerate);
    d.nps_ci = CXM_SURVEY_NPS_ADJUSTED_WALD;
    r = run(&s, &d);
    assert_true(r.value == 100.0);
    assert_false(r.ci_degenerate);
    check_close(r.ci_low, 47.503551544790206, 1e-11);
    assert_true(r.ci_high == 100.0);
}

static void nps_all_detractors_is_minus_100(void **st) {
    (void)st;
    cxm_survey_state s = nps_state(0, 0, 12);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    cxm_survey_result r = run(&s, &d);
    assert_true(r.value == -100.0);
    assert_true(r.ci_low == -100.0 && r.ci_high == -100.0);
    assert_true(r.ci_degenerate);
    assert_int_equal(r.detractors, 12);
    check_close(r.detractor_pct, 100.0, 1e-13);
    assert_true(r.promoter_pct == 0.0 && r.passive_pct == 0.0);
    /* all passives: NPS 0, also degenerate */
    s = nps_state(0, 7, 0);
    r = run(&s, &d);
    assert_true(r.value == 0.0 && r.ci_low == 0.0 && r.ci_high == 0.0 && r.ci_degenerate);
}

static void nps_buckets_cover_every_score_of_0_to_10(void **st) {
    (void)st;
    /* one answer per score 0..10: detractors 0-6 (7), passives 7-8 (2),
     * promoters 9-10 (2): NPS = 100 (2 - 7)/11 = -500/11 */
    cxm_survey_state s;
    assert_int_equal(cxm_survey_init(&s, S010, NULL), 0);
    for (int i = 0; i <= 10; i++)
        assert_int_equal(cxm_survey_add(&s, i), 0);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    cxm_survey_result r = run(&s, &d);
    assert_int_equal(r.detractors, 7);
    assert_int_equal(r.passives, 2);
    assert_int_equal(r.promoters, 2);
    check_close(r.value, -500.0 / 11.0, 1e-13);
}

static void nps_custom_buckets(void **st) {
    (void)st;
    /* detractors <= 5, promoters >= 8 over one answer per score 0..10:
     * D 6, passives 6,7 (2), P 8,9,10 (3): NPS 100 (3 - 6)/11 */
    cxm_survey_state s;
    assert_int_equal(cxm_survey_init(&s, S010, NULL), 0);
    for (int i = 0; i <= 10; i++)
        assert_int_equal(cxm_survey_add(&s, i), 0);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    d.detractor_max = 5;
    d.promoter_min = 8;
    cxm_survey_result r = run(&s, &d);
    assert_int_equal(r.detractors, 6);
    assert_int_equal(r.passives, 2);
    assert_int_equal(r.promoters, 3);
    check_close(r.value, -300.0 / 11.0, 1e-13);
    assert_int_equal(r.detractor_max, 5);
    assert_int_equal(r.promoter_min, 8);
    /* no passives at all: promoter_min = detractor_max + 1 */
    d.detractor_max = 6;
    d.promoter_min = 7;
    r = run(&s, &d);
    assert_int_equal(r.passives, 0);
    assert_int_equal(r.promoters, 4);
}

static void nps_on_a_1_10_scale_keeps_the_standard_buckets(void **st) {
    (void)st;
    /* 003:88 and 004:64 ask on 1-10: detractors are then 1-6. 1,6,7,9,10 ->
     * D 2, Pa 1, P 2: NPS 0 */
    static const int a[] = {1, 6, 7, 9, 10, -1};
    cxm_survey_state s = state_of(S110, a);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    cxm_survey_result r = run(&s, &d);
    assert_int_equal(r.detractors, 2);
    assert_int_equal(r.passives, 1);
    assert_int_equal(r.promoters, 2);
    assert_true(r.value == 0.0);
}

static void enps_is_nps_for_employees(void **st) {
    (void)st;
    cxm_survey_state s = nps_state(50, 30, 20);
    cxm_survey_def dn = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET), de = def_of(CXM_SURVEY_ENPS, CXM_SURVEY_NET);
    cxm_survey_result rn = run(&s, &dn), re = run(&s, &de);
    assert_int_equal(re.metric, CXM_SURVEY_ENPS);
    re.metric = rn.metric;
    assert_memory_equal(&rn, &re, sizeof rn);
}

/* ---- empty state, n = 1, minimum n -------------------------------------- */

static void an_empty_state_gives_null_values_for_every_variant(void **st) {
    (void)st;
    static const struct {
        cxm_survey_metric m;
        cxm_survey_variant v;
        cxm_survey_scale sc;
    } cases[] = {{CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX, {1, 5}},    {CXM_SURVEY_CSAT, CXM_SURVEY_MEAN, {1, 5}},
                 {CXM_SURVEY_CSAT, CXM_SURVEY_PCT_OF_MAX, {1, 5}}, {CXM_SURVEY_CES, CXM_SURVEY_AGREE_PCT, {1, 7}},
                 {CXM_SURVEY_CES, CXM_SURVEY_MEAN, {1, 7}},        {CXM_SURVEY_NPS, CXM_SURVEY_NET, {0, 10}},
                 {CXM_SURVEY_ENPS, CXM_SURVEY_NET, {0, 10}},       {CXM_SURVEY_ESAT, CXM_SURVEY_TOP_BOX, {1, 5}}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cxm_survey_state s;
        assert_int_equal(cxm_survey_init(&s, cases[i].sc, NULL), 0);
        cxm_survey_def d = def_of(cases[i].m, cases[i].v);
        cxm_survey_result r = run(&s, &d);
        assert_true(r.is_null);
        assert_true(isnan(r.value));
        assert_string_equal(r.null_reason, "no answers");
        assert_int_equal(r.n, 0);
        assert_false(r.has_ci);
        assert_true(isnan(r.ci_low) && isnan(r.ci_high));
        assert_false(r.below_min_n);
    }
}

static void one_answer_gives_a_value_and_what_interval_it_can(void **st) {
    (void)st;
    static const int one[] = {5, -1};
    cxm_survey_state s = state_of(S15, one);
    /* top_box: 1 of 1 = 100 %, Wilson [n/(n+z^2), 1] = [0.20654931437723745, 1] */
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    cxm_survey_result r = run(&s, &d);
    assert_true(r.value == 100.0);
    check_close(r.ci_low, 20.654931437723745, 1e-11);
    assert_true(r.ci_high == 100.0);
    assert_true(r.below_min_n);
    /* mean: 5, no sd and no interval */
    d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_MEAN);
    r = run(&s, &d);
    assert_true(r.value == 5.0);
    assert_false(r.is_null);
    assert_true(isnan(r.sd));
    assert_false(r.has_ci);
    assert_true(isnan(r.ci_low));
    /* NPS of a single 10: 100, degenerate Wald */
    cxm_survey_state t = nps_state(1, 0, 0);
    d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    r = run(&t, &d);
    assert_true(r.value == 100.0 && r.ci_degenerate);
}

static void identical_answers_give_a_zero_width_mean_interval(void **st) {
    (void)st;
    static const int same[] = {4, 4, 4, -1};
    cxm_survey_state s = state_of(S15, same);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_MEAN);
    cxm_survey_result r = run(&s, &d);
    assert_true(r.value == 4.0 && r.sd == 0.0);
    assert_true(r.has_ci && r.ci_low == 4.0 && r.ci_high == 4.0);
    assert_true(r.ci_degenerate);
}

static void values_below_the_minimum_n_are_flagged_not_hidden(void **st) {
    (void)st;
    cxm_survey_state s = nps_state(20, 5, 4); /* n = 29 */
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    cxm_survey_result r = run(&s, &d);
    assert_true(r.below_min_n);
    check_close(r.value, 100.0 * 16 / 29, 1e-13);
    assert_true(r.has_ci);
    assert_int_equal(cxm_survey_add(&s, 10), 0); /* n = 30 */
    r = run(&s, &d);
    assert_false(r.below_min_n);
    d.min_n = 100;
    assert_true(run(&s, &d).below_min_n);
    d.min_n = 0; /* off */
    cxm_survey_state one = nps_state(1, 0, 0);
    assert_false(run(&one, &d).below_min_n);
}

/* ---- distribution ------------------------------------------------------- */

static void distribution_lists_every_score_of_the_scale(void **st) {
    (void)st;
    /* seed 003: 1:0 2:1 3:2 4:1 5:1 of 5 -> 0, 20, 40, 20, 20 %.
     * Wilson 2/5 -> [11.762077423264794, 76.9275718723987] (oracle);
     * 0 of 5: [0, z^2/(5+z^2)] = [0, 43.448...] */
    cxm_survey_state s = state_of(S15, SEED003);
    cxm_survey_bin bins[CXM_SURVEY_NBOXES];
    size_t n = 0;
    assert_int_equal(cxm_survey_distribution(&s, 0.95, bins, CXM_SURVEY_NBOXES, &n, NULL), 0);
    assert_int_equal(n, 5);
    static const uint64_t want[] = {0, 1, 2, 1, 1};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(bins[i].score, (int)i + 1);
        assert_int_equal(bins[i].count, want[i]);
        check_close(bins[i].pct, 20.0 * (double)want[i], 1e-13);
    }
    check_close(bins[2].ci_low, 11.762077423264794, 1e-11);
    check_close(bins[2].ci_high, 76.9275718723987, 1e-11);
    double z = 1.9599639845400536;
    assert_true(bins[0].ci_low == 0.0);
    check_close(bins[0].ci_high, 100 * z * z / (5 + z * z), 1e-11);
}

static void distribution_of_an_empty_state_has_counts_but_no_shares(void **st) {
    (void)st;
    cxm_survey_state s;
    assert_int_equal(cxm_survey_init(&s, S010, NULL), 0);
    cxm_survey_bin bins[11];
    size_t n = 0;
    assert_int_equal(cxm_survey_distribution(&s, 0, bins, 11, &n, NULL), 0);
    assert_int_equal(n, 11);
    for (size_t i = 0; i < 11; i++) {
        assert_int_equal(bins[i].score, (int)i);
        assert_int_equal(bins[i].count, 0);
        assert_true(isnan(bins[i].pct) && isnan(bins[i].ci_low) && isnan(bins[i].ci_high));
    }
}

static void distribution_needs_room_for_the_whole_scale(void **st) {
    (void)st;
    cxm_survey_state s = state_of(S17, (const int[]){1, -1});
    cxm_survey_bin bins[6];
    size_t n = 0;
    cxm_diag d;
    assert_int_equal(cxm_survey_distribution(&s, 0.95, bins, 6, &n, &d), CXM_ELIMIT);
    assert_int_equal(n, 7);
    assert_int_equal(cxm_survey_distribution(&s, 1.5, bins, 6, &n, NULL), CXM_EUSAGE);
}

/* ---- period comparison -------------------------------------------------- */

static void csat_change_is_tested_with_two_proportions(void **st) {
    (void)st;
    /* current 45 of 50 satisfied, previous 35 of 50. Pooled p = 80/100 = 0.8;
     * se = sqrt(0.8 * 0.2 * (1/50 + 1/50)) = sqrt(0.0064) = 0.08;
     * z = (0.9 - 0.7) / 0.08 = 2.5; p = 2 Phi(-2.5) = 0.012419330651552318
     * (oracle) < 0.05: significant. Change 90 - 70 = 20 points. */
    cxm_survey_state cur, prev;
    assert_int_equal(cxm_survey_init(&cur, S15, NULL), 0);
    assert_int_equal(cxm_survey_init(&prev, S15, NULL), 0);
    assert_int_equal(cxm_survey_add_n(&cur, 5, 45), 0);
    assert_int_equal(cxm_survey_add_n(&cur, 1, 5), 0);
    assert_int_equal(cxm_survey_add_n(&prev, 4, 35), 0);
    assert_int_equal(cxm_survey_add_n(&prev, 3, 15), 0);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    cxm_survey_compare_result c;
    assert_int_equal(cxm_survey_compare(&cur, &prev, &d, &c, NULL), 0);
    assert_false(c.is_null);
    assert_string_equal(c.test, "two_prop_z");
    check_close(c.current, 90.0, 1e-13);
    check_close(c.previous, 70.0, 1e-13);
    check_close(c.change, 20.0, 1e-12);
    check_close(c.statistic, 2.5, 1e-12);
    assert_true(isnan(c.df));
    check_close(c.p_value, 0.012419330651552318, 1e-12);
    assert_true(c.significant);
    /* at 99 % the same p is not significant (0.0124 > 0.01) */
    d.confidence = 0.99;
    assert_int_equal(cxm_survey_compare(&cur, &prev, &d, &c, NULL), 0);
    assert_false(c.significant);
    /* reversed: the change and z flip sign, p is the same */
    d.confidence = 0.95;
    assert_int_equal(cxm_survey_compare(&prev, &cur, &d, &c, NULL), 0);
    check_close(c.change, -20.0, 1e-12);
    check_close(c.statistic, -2.5, 1e-12);
    check_close(c.p_value, 0.012419330651552318, 1e-12);
}

static void ces_agree_pct_change_uses_the_same_test(void **st) {
    (void)st;
    /* effort scale 1-5, low effort = 1,2: current 45 of 50 (1s), previous
     * 35 of 50 (2s) -> the same z = 2.5 as above */
    cxm_survey_state cur, prev;
    assert_int_equal(cxm_survey_init(&cur, S15, NULL), 0);
    assert_int_equal(cxm_survey_init(&prev, S15, NULL), 0);
    assert_int_equal(cxm_survey_add_n(&cur, 1, 45), 0);
    assert_int_equal(cxm_survey_add_n(&cur, 5, 5), 0);
    assert_int_equal(cxm_survey_add_n(&prev, 2, 35), 0);
    assert_int_equal(cxm_survey_add_n(&prev, 4, 15), 0);
    cxm_survey_def d = def_of(CXM_SURVEY_CES, CXM_SURVEY_AGREE_PCT);
    d.polarity = CXM_SURVEY_EFFORT;
    cxm_survey_compare_result c;
    assert_int_equal(cxm_survey_compare(&cur, &prev, &d, &c, NULL), 0);
    check_close(c.statistic, 2.5, 1e-12);
    assert_true(c.significant);
}

static void mean_change_is_tested_with_welch(void **st) {
    (void)st;
    /* current 4,4,5,5: mean 4.5, var (4 x 0.25)/3 = 1/3; previous 3,3,4,4:
     * mean 3.5, var 1/3. v1 = v2 = (1/3)/4 = 1/12; t = 1/sqrt(1/6) = sqrt 6
     * = 2.449489742783178; df = (1/6)^2 / (2 (1/12)^2 / 3) = (1/36)/(1/216) = 6.
     * For even df = 6, A&S 26.7.3 with theta = atan(sqrt6/sqrt6) = pi/4:
     * P(|T| < t) = sin th (1 + cos^2 th/2 + 3 cos^4 th/8)
     *            = (sqrt2/2)(1 + 1/4 + 3/32) = 43 sqrt2 / 64,
     * p = 1 - 43 sqrt2/64 = 0.04982526278057675 < 0.05: significant. */
    static const int a[] = {4, 4, 5, 5, -1}, b[] = {3, 3, 4, 4, -1};
    cxm_survey_state cur = state_of(S15, a), prev = state_of(S15, b);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_MEAN);
    cxm_survey_compare_result c;
    assert_int_equal(cxm_survey_compare(&cur, &prev, &d, &c, NULL), 0);
    assert_string_equal(c.test, "welch_t");
    check_close(c.current, 4.5, 1e-15);
    check_close(c.previous, 3.5, 1e-15);
    check_close(c.change, 1.0, 1e-15);
    check_close(c.statistic, sqrt(6.0), 1e-13);
    check_close(c.df, 6.0, 1e-12);
    check_close(c.p_value, 1 - 43 * sqrt(2.0) / 64, 1e-12);
    assert_true(c.significant);
    /* pct_of_max: the same t and p, the change in points: (4.5 - 3.5)/5 x 100 = 20 */
    d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_PCT_OF_MAX);
    assert_int_equal(cxm_survey_compare(&cur, &prev, &d, &c, NULL), 0);
    check_close(c.change, 20.0, 1e-12);
    check_close(c.statistic, sqrt(6.0), 1e-13);
    check_close(c.p_value, 1 - 43 * sqrt(2.0) / 64, 1e-12);
    /* CES mean: same test */
    d = def_of(CXM_SURVEY_CES, CXM_SURVEY_MEAN);
    cxm_survey_state c7 = state_of(S17, a), p7 = state_of(S17, b);
    assert_int_equal(cxm_survey_compare(&c7, &p7, &d, &c, NULL), 0);
    check_close(c.statistic, sqrt(6.0), 1e-13);
}

static void nps_change_is_a_z_test_on_the_difference(void **st) {
    (void)st;
    /* current 50/30/20: NPS .3, se1^2 = .61/100 = .0061; previous 40/30/30:
     * NPS .1, var .7 - .01 = .69, se2^2 = .0069. se = sqrt(.013) =
     * 0.11401754250991379; z = .2/se = 1.7541160386140582; p = 2 Phi(-z) =
     * 0.07941062599894233 (oracle): not significant at 95 %. Change 20. */
    cxm_survey_state cur = nps_state(50, 30, 20), prev = nps_state(40, 30, 30);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    cxm_survey_compare_result c;
    assert_int_equal(cxm_survey_compare(&cur, &prev, &d, &c, NULL), 0);
    assert_string_equal(c.test, "nps_z");
    check_close(c.current, 30.0, 1e-13);
    check_close(c.previous, 10.0, 1e-13);
    check_close(c.change, 20.0, 1e-12);
    check_close(c.statistic, 1.7541160386140582, 1e-12);
    check_close(c.p_value, 0.07941062599894233, 1e-12);
    assert_false(c.significant);
    /* at 90 %: 0.079 < 0.10, significant */
    d.confidence = 0.90;
    assert_int_equal(cxm_survey_compare(&cur, &prev, &d, &c, NULL), 0);
    assert_true(c.significant);
    /* adjusted-Wald: adjusted estimates and se's, z = 1.732324132696044,
     * p = 0.08321586753157129 (oracle); the change stays 30 - 10 */
    d.confidence = 0.95;
    d.nps_ci = CXM_SURVEY_NPS_ADJUSTED_WALD;
    assert_int_equal(cxm_survey_compare(&cur, &prev, &d, &c, NULL), 0);
    check_close(c.change, 20.0, 1e-12);
    check_close(c.statistic, 1.732324132696044, 1e-12);
    check_close(c.p_value, 0.08321586753157129, 1e-12);
}

static void nps_comparison_without_sampling_variance(void **st) {
    (void)st;
    /* all promoters in both periods: no difference, z = 0, p = 1 */
    cxm_survey_state a = nps_state(10, 0, 0), b = nps_state(20, 0, 0), c0 = nps_state(0, 0, 5);
    cxm_survey_def d = def_of(CXM_SURVEY_NPS, CXM_SURVEY_NET);
    cxm_survey_compare_result c;
    assert_int_equal(cxm_survey_compare(&a, &b, &d, &c, NULL), 0);
    assert_true(c.statistic == 0.0 && c.p_value == 1.0 && !c.significant);
    /* all promoters vs all detractors: z = +inf, p = 0 */
    assert_int_equal(cxm_survey_compare(&a, &c0, &d, &c, NULL), 0);
    assert_true(c.statistic == INFINITY && c.p_value == 0.0 && c.significant);
    assert_true(c.change == 200.0);
    assert_int_equal(cxm_survey_compare(&c0, &a, &d, &c, NULL), 0);
    assert_true(c.statistic == -INFINITY);
    /* adjusted-Wald never has zero variance: a finite z */
    d.nps_ci = CXM_SURVEY_NPS_ADJUSTED_WALD;
    assert_int_equal(cxm_survey_compare(&a, &c0, &d, &c, NULL), 0);
    assert_true(isfinite(c.statistic) && c.statistic > 0);
}

static void comparison_needs_answers_in_both_periods(void **st) {
    (void)st;
    cxm_survey_state cur = state_of(S15, SEED003), empty, one = state_of(S15, (const int[]){5, -1});
    assert_int_equal(cxm_survey_init(&empty, S15, NULL), 0);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    cxm_survey_compare_result c;
    assert_int_equal(cxm_survey_compare(&cur, &empty, &d, &c, NULL), 0);
    assert_true(c.is_null);
    assert_string_equal(c.null_reason, "no answers in the previous period");
    check_close(c.current, 40.0, 1e-13);
    assert_true(isnan(c.previous) && isnan(c.change) && isnan(c.p_value));
    assert_false(c.significant);
    assert_int_equal(cxm_survey_compare(&empty, &cur, &d, &c, NULL), 0);
    assert_string_equal(c.null_reason, "no answers in the current period");
    /* Welch needs 2 answers in each period */
    d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_MEAN);
    assert_int_equal(cxm_survey_compare(&cur, &one, &d, &c, NULL), 0);
    assert_true(c.is_null);
    assert_non_null(strstr(c.null_reason, "fewer than 2"));
    check_close(c.change, 3.4 - 5.0, 1e-14); /* the change is still known */
    /* proportions work with one answer */
    d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    assert_int_equal(cxm_survey_compare(&cur, &one, &d, &c, NULL), 0);
    assert_false(c.is_null);
}

static void comparison_refuses_different_scales_and_bad_definitions(void **st) {
    (void)st;
    cxm_survey_state a = state_of(S15, SEED003), b = state_of(S17, SEED003);
    cxm_survey_def d = def_of(CXM_SURVEY_CSAT, CXM_SURVEY_TOP_BOX);
    cxm_survey_compare_result c;
    cxm_diag g;
    assert_int_equal(cxm_survey_compare(&a, &b, &d, &c, &g), CXM_EUSAGE);
    assert_true(c.is_null);
    assert_non_null(strstr(g.msg, "different scales"));
    d.confidence = 2;
    assert_int_equal(cxm_survey_compare(&a, &a, &d, &c, &g), CXM_EUSAGE);
    assert_true(c.is_null);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scale_bounds_are_0_to_100_with_min_below_max),
        cmocka_unit_test(default_scales_follow_the_issue),
        cmocka_unit_test(init_with_a_bad_scale_fails_and_leaves_a_safe_empty_state),
        cmocka_unit_test(add_counts_scores_on_the_scale),
        cmocka_unit_test(add_rejects_a_score_off_the_scale_and_changes_nothing),
        cmocka_unit_test(add_n_adds_many_and_zero_is_a_no_op),
        cmocka_unit_test(answers_are_capped_at_2_to_the_53),
        cmocka_unit_test(decimal_scores_are_rejected_not_binned),
        cmocka_unit_test(merge_of_any_split_equals_one_pass),
        cmocka_unit_test(merge_into_and_from_an_empty_state),
        cmocka_unit_test(merge_with_itself_doubles),
        cmocka_unit_test(merge_refuses_different_scales),
        cmocka_unit_test(box_sets_parse_lists_and_ranges),
        cmocka_unit_test(box_sets_reject_malformed_text_with_the_byte),
        cmocka_unit_test(box_format_truncates_safely_and_reports_the_length),
        cmocka_unit_test(default_satisfied_boxes_are_the_top_two_up_to_11_points),
        cmocka_unit_test(definitions_default_per_metric),
        cmocka_unit_test(a_variant_of_another_metric_is_refused),
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(definition_check_names_the_bad_setting),
        cmocka_unit_test(compute_with_a_bad_definition_fails_with_a_null_result),
        cmocka_unit_test(csat_top_box_of_seed_003_is_40),
        cmocka_unit_test(csat_mean_of_seed_003_is_3_4_with_a_t_interval),
        cmocka_unit_test(csat_pct_of_max_of_seed_003_is_68),
        cmocka_unit_test(pct_of_max_divides_by_the_scale_max_even_from_0),
        cmocka_unit_test(csat_wilson_for_45_of_50_is_the_issue_golden),
        cmocka_unit_test(csat_custom_boxes_replace_the_default),
        cmocka_unit_test(csat_top_box_on_1_7_and_1_10_and_0_10),
        cmocka_unit_test(esat_is_csat_for_employees),
        cmocka_unit_test(ces_agree_pct_counts_5_to_7_on_a_1_7_agreement_scale),
        cmocka_unit_test(ces_agree_pct_counts_4_and_5_on_1_5),
        cmocka_unit_test(ces_effort_scale_counts_answers_at_or_below_the_low_threshold),
        cmocka_unit_test(ces_explicit_threshold),
        cmocka_unit_test(ces_default_thresholds_on_other_scales),
        cmocka_unit_test(ces_mean_reports_its_polarity),
        cmocka_unit_test(nps_50_30_20_is_30_with_the_issue_interval),
        cmocka_unit_test(nps_adjusted_wald_adds_3_to_n_and_3_4_to_each_tail_bucket),
        cmocka_unit_test(nps_interval_at_90_percent),
        cmocka_unit_test(nps_all_promoters_is_100_with_a_degenerate_wald_interval),
        cmocka_unit_test(nps_all_detractors_is_minus_100),
        cmocka_unit_test(nps_buckets_cover_every_score_of_0_to_10),
        cmocka_unit_test(nps_custom_buckets),
        cmocka_unit_test(nps_on_a_1_10_scale_keeps_the_standard_buckets),
        cmocka_unit_test(enps_is_nps_for_employees),
        cmocka_unit_test(an_empty_state_gives_null_values_for_every_variant),
        cmocka_unit_test(one_answer_gives_a_value_and_what_interval_it_can),
        cmocka_unit_test(identical_answers_give_a_zero_width_mean_interval),
        cmocka_unit_test(values_below_the_minimum_n_are_flagged_not_hidden),
        cmocka_unit_test(distribution_lists_every_score_of_the_scale),
        cmocka_unit_test(distribution_of_an_empty_state_has_counts_but_no_shares),
        cmocka_unit_test(distribution_needs_room_for_the_whole_scale),
        cmocka_unit_test(csat_change_is_tested_with_two_proportions),
        cmocka_unit_test(ces_agree_pct_change_uses_the_same_test),
        cmocka_unit_test(mean_change_is_tested_with_welch),
        cmocka_unit_test(nps_change_is_a_z_test_on_the_difference),
        cmocka_unit_test(nps_comparison_without_sampling_variance),
        cmocka_unit_test(comparison_needs_answers_in_both_periods),
        cmocka_unit_test(comparison_refuses_different_scales_and_bad_definitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
