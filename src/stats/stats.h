/*
 * stats.h - the statistics every metric shares: order statistics,
 * confidence intervals, significance tests and the distributions behind
 * them. Pure functions over caller-owned arrays; no allocation unless said.
 */
#ifndef CXM_STATS_H
#define CXM_STATS_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"

/* Sorts v ascending in place (LSD radix sort on the IEEE bits; NaN not allowed).
 * tmp is scratch of n doubles, or NULL to allocate. Returns CXM_ENOMEM. */
int cxm_sort_doubles(double *v, size_t n, double *tmp) CXM_WUR;

/* Quantile q in [0,1] of sorted v[0..n), linear interpolation between the
 * closest ranks (numpy's default, "type 7"): h = (n-1)q, v[floor h] +
 * (h - floor h)(v[floor h + 1] - v[floor h]). n must be > 0. */
double cxm_quantile_sorted(const double *v, size_t n, double q);
/* The same without sorting all of v: quickselect, reorders v. */
double cxm_quantile_select(double *v, size_t n, double q);

/* Standard normal: cdf, and its inverse (Acklam + one Newton step: |err| < 1e-12). */
double cxm_norm_cdf(double x);
double cxm_norm_ppf(double p);
/* Student t: cdf and inverse for df > 0 (regularized incomplete beta). */
double cxm_t_cdf(double t, double df);
double cxm_t_ppf(double p, double df);

/* Binomial cdf P(B <= k), B ~ Binomial(n, p) (regularized incomplete beta). */
double cxm_binom_cdf(double k, double n, double p);
/* z for a two-sided interval at `confidence` (0.95 -> 1.959964). */
double cxm_z_for(double confidence);

/* Wilson score interval for k successes of n at confidence; n > 0. */
void cxm_ci_wilson(double k, double n, double confidence, double *lo, double *hi);
/* t interval for a mean: mean +- t(df=n-1) * sd / sqrt(n); n >= 2. */
void cxm_ci_mean_t(double mean, double sd, double n, double confidence, double *lo, double *hi);

/* Distribution-free interval for the q-quantile (0 < q < 1) of a sample of
 * n: the indices *lo <= *hi into the sorted sample of the order statistics
 * x(j), x(k) bounding it with coverage >= confidence (ci.c). CXM_ENOTFOUND
 * when n is too small for that coverage (e.g. n < 6 for a 95% median),
 * CXM_EINVAL on bad arguments. */
int cxm_ci_quantile_ranks(size_t n, double q, double confidence, size_t *lo, size_t *hi) CXM_WUR;

/* Welford accumulator: mergeable (Chan et al.). */
typedef struct cxm_moments { double n, mean, m2; } cxm_moments;
static inline void cxm_moments_add(cxm_moments *m, double x) {
    m->n += 1; double d = x - m->mean; m->mean += d / m->n; m->m2 += d * (x - m->mean);
}
void cxm_moments_merge(cxm_moments *a, const cxm_moments *b);
void cxm_moments_of(cxm_moments *m, const double *v, size_t n); /* two-pass, v borrowed */
double cxm_moments_sd(const cxm_moments *m); /* sample sd (n-1); NaN if n < 2 */

/* Two-proportion z-test (pooled), two-sided p-value. */
double cxm_test_two_prop(double k1, double n1, double k2, double n2, double *z);
/* Welch t-test, two-sided p-value; *t and *df receive the statistic. */
double cxm_test_welch(double m1, double sd1, double n1, double m2, double sd2, double n2,
                      double *t, double *df);

#endif
