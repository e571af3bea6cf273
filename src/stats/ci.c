/*
 * ci.c - confidence intervals, moments and significance tests (see stats.h).
 *
 * Pure functions of doubles; no allocation. Counts are doubles so weighted
 * or very large counts pass through unchanged. Invalid input (n <= 0, k
 * outside [0, n], confidence outside (0, 1), NaN) gives NaN results rather
 * than an error code: these are leaves of metric formulas, and NaN renders as
 * "no value" downstream.
 *
 * Formulas (derivations and references in docs/internals/stats.md):
 *   Wilson:   (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n),
 *             p = k/n, z = cxm_z_for(confidence); clamped to [0, 1], with
 *             lo = 0 exactly when k = 0 and hi = 1 exactly when k = n.
 *   t mean:   mean +- t_{(1+c)/2, n-1} sd / sqrt(n).
 *   moments:  Welford updates (stats.h); merge by Chan, Golub & LeVeque:
 *             n = na + nb, d = mean_b - mean_a, mean = mean_a + d nb/n,
 *             m2 = m2a + m2b + d^2 na nb / n.
 *   two-prop: pooled p = (k1+k2)/(n1+n2), z = (p1-p2)/sqrt(p(1-p)(1/n1+1/n2)),
 *             two-sided p-value 2 Phi(-|z|).
 *   Welch:    v_i = sd_i^2/n_i, t = (m1-m2)/sqrt(v1+v2),
 *             df = (v1+v2)^2 / (v1^2/(n1-1) + v2^2/(n2-1)) (Welch-Satterthwaite),
 *             two-sided p-value 2 P(T_df > |t|).
 *   quantile: distribution-free interval from order statistics: with
 *             B ~ Binomial(n, q) and F its cdf, P(x(j) <= xi_q < x(k)) =
 *             F(k-1) - F(j-1), so j = the largest rank with F(j-1) <=
 *             alpha/2 and k = the smallest with F(k-1) >= 1 - alpha/2
 *             cover with probability >= confidence (Conover, Practical
 *             Nonparametric Statistics, 3rd ed., 3.2). F summed term by
 *             term for n <= CXM_QCI_EXACT_N; above, the normal
 *             approximation with continuity correction gives a start and
 *             cxm_binom_cdf (incomplete beta) the exact ranks around it.
 */
#include "stats/stats.h"

#include <math.h>

/* Out-parameters lo, hi: caller-owned, written always. */
void cxm_ci_wilson(double k, double n, double confidence, double *lo, double *hi) {
    *lo = *hi = NAN;
    if (!(n > 0) || !(k >= 0) || !(k <= n) || !(confidence > 0) || !(confidence < 1)) return;
    double z = cxm_z_for(confidence);
    double p = k / n, z2n = z * z / n;
    double denom = 1 + z2n;
    double center = (p + 0.5 * z2n) / denom;
    double half = z / denom * sqrt(p * (1 - p) / n + 0.25 * z2n / n);
    double l = center - half, h = center + half;
    if (k == 0 || l < 0) l = 0;
    if (k == n || h > 1) h = 1;
    *lo = l;
    *hi = h;
}

/* Out-parameters lo, hi: caller-owned, written always. */
void cxm_ci_mean_t(double mean, double sd, double n, double confidence, double *lo, double *hi) {
    *lo = *hi = NAN;
    if (!(n >= 2) || !(sd >= 0) || isnan(mean) || !(confidence > 0) || !(confidence < 1)) return;
    double t = cxm_t_ppf(0.5 * (1 + confidence), n - 1);
    double half = t * sd / sqrt(n);
    *lo = mean - half;
    *hi = mean + half;
}

/* a: caller-owned, updated; b: borrowed (may equal a). */
void cxm_moments_merge(cxm_moments *a, const cxm_moments *b) {
    cxm_moments B = *b;
    if (B.n == 0) return;
    if (a->n == 0) {
        *a = B;
        return;
    }
    double n = a->n + B.n;
    double d = B.mean - a->mean;
    a->mean += d * (B.n / n);
    a->m2 += B.m2 + d * d * (a->n * B.n / n);
    a->n = n;
}

/* The moments of v[0, n) (borrowed) in two passes: the mean from a sum,
 * then the squared deviations from it. Same accuracy as Welford's updates
 * (better than one-pass sums of squares) without a division per value:
 * those divisions were ~40 ms of the single-threaded tail of a 2M-ticket
 * report. Four accumulators let the compiler keep the adds in flight. */
void cxm_moments_of(cxm_moments *m, const double *v, size_t n) {
    m->n = (double)n;
    m->mean = m->m2 = 0;
    if (!n) return;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += v[i];
        s1 += v[i + 1];
        s2 += v[i + 2];
        s3 += v[i + 3];
    }
    for (; i < n; i++) s0 += v[i];
    double mean = ((s0 + s1) + (s2 + s3)) / (double)n;
    double q0 = 0, q1 = 0, q2 = 0, q3 = 0, c0 = 0;
    for (i = 0; i + 4 <= n; i += 4) {
        double d0 = v[i] - mean, d1 = v[i + 1] - mean, d2 = v[i + 2] - mean, d3 = v[i + 3] - mean;
        q0 += d0 * d0;
        q1 += d1 * d1;
        q2 += d2 * d2;
        q3 += d3 * d3;
        c0 += (d0 + d1) + (d2 + d3);
    }
    for (; i < n; i++) {
        double d = v[i] - mean;
        q0 += d * d;
        c0 += d;
    }
    /* c0: the rounding error of the mean (corrected two-pass, Chan et al.) */
    m->mean = mean + c0 / (double)n;
    m->m2 = ((q0 + q1) + (q2 + q3)) - c0 * c0 / (double)n;
    if (m->m2 < 0) m->m2 = 0;
}

double cxm_moments_sd(const cxm_moments *m) {
    if (!(m->n >= 2)) return NAN;
    double var = m->m2 / (m->n - 1);
    return var > 0 ? sqrt(var) : 0.0;
}

/* z: caller-owned out-parameter, may be NULL. Returns the two-sided p-value;
 * when every observation is a success or every one a failure, z = 0, p = 1. */
double cxm_test_two_prop(double k1, double n1, double k2, double n2, double *z) {
    if (z) *z = NAN;
    if (!(n1 > 0) || !(n2 > 0) || !(k1 >= 0) || !(k1 <= n1) || !(k2 >= 0) || !(k2 <= n2))
        return NAN;
    double p1 = k1 / n1, p2 = k2 / n2;
    double p = (k1 + k2) / (n1 + n2);
    double se = sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
    double zz = se > 0 ? (p1 - p2) / se : 0.0;
    if (z) *z = zz;
    return se > 0 ? 2 * cxm_norm_cdf(-fabs(zz)) : 1.0;
}

/* t, df: caller-owned out-parameters, may be NULL. Needs n1, n2 >= 2 and
 * sd1, sd2 >= 0. If both standard errors are 0: equal means give t = 0,
 * p = 1, different means t = +-inf, p = 0; df is NaN in both cases. */
double cxm_test_welch(double m1, double sd1, double n1, double m2, double sd2, double n2,
                      double *t, double *df) {
    if (t) *t = NAN;
    if (df) *df = NAN;
    if (!(n1 >= 2) || !(n2 >= 2) || !(sd1 >= 0) || !(sd2 >= 0) || isnan(m1) || isnan(m2) ||
        isinf(sd1) || isinf(sd2))
        return NAN;
    double v1 = sd1 * sd1 / n1, v2 = sd2 * sd2 / n2;
    double v = v1 + v2;
    double diff = m1 - m2;
    if (!(v > 0)) {
        if (diff == 0) {
            if (t) *t = 0;
            return 1.0;
        }
        if (t) *t = diff > 0 ? INFINITY : -INFINITY;
        return isnan(diff) ? NAN : 0.0;
    }
    double tt = diff / sqrt(v);
    double dof = v * v / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1));
    if (t) *t = tt;
    if (df) *df = dof;
    if (isnan(tt)) return NAN;
    return 2 * cxm_t_cdf(-fabs(tt), dof);
}

/* n up to which the binomial cdf is summed exactly (O(n) per interval). */
#define CXM_QCI_EXACT_N 100

int cxm_ci_quantile_ranks(size_t n, double q, double confidence, size_t *lo, size_t *hi) {
    if (n == 0 || !(q > 0 && q < 1) || !(confidence > 0 && confidence < 1)) return CXM_EINVAL;
    double a2 = 0.5 * (1.0 - confidence);
    double j1, k1; /* j - 1 and k - 1: the 0-based indices of x(j) and x(k) */
    if (n <= CXM_QCI_EXACT_N) {
        /* log pmf(i+1) = log pmf(i) + log((n-i)/(i+1)) + log(q/(1-q)) */
        double lp = (double)n * log1p(-q), lr = log(q) - log1p(-q), F = 0;
        j1 = k1 = -1; /* -1: no such rank */
        for (size_t i = 0; i < n; i++) { /* F = F(i) after the add */
            F += exp(lp);
            if (F <= a2) j1 = (double)i; /* F(j-1) <= a/2 holds for j - 1 = i */
            if (F >= 1 - a2) {
                k1 = (double)i; /* the first i with F(i) >= 1 - a/2 */
                break;
            }
            lp += log((double)(n - i) / (double)(i + 1)) + lr;
        }
    } else {
        /* start from the normal approximation with continuity correction,
         * then step to the exact ranks with the binomial cdf (a few steps) */
        double nd = (double)n, m = nd * q, sd = sqrt(nd * q * (1 - q)), z = cxm_z_for(confidence);
        j1 = floor(m - 0.5 - z * sd); /* largest j-1 with Phi((j-1 + .5 - m)/sd) <= a/2 */
        k1 = ceil(m - 0.5 + z * sd);  /* smallest k-1 with Phi((k-1 + .5 - m)/sd) >= 1 - a/2 */
        while (j1 >= 0 && cxm_binom_cdf(j1, nd, q) > a2)
            j1--;
        while (j1 + 1 < nd && cxm_binom_cdf(j1 + 1, nd, q) <= a2)
            j1++;
        while (k1 < nd && cxm_binom_cdf(k1, nd, q) < 1 - a2)
            k1++;
        while (k1 > 0 && cxm_binom_cdf(k1 - 1, nd, q) >= 1 - a2)
            k1--;
    }
    if (j1 < 0 || k1 < 0 || k1 > (double)(n - 1) || j1 > k1) return CXM_ENOTFOUND;
    *lo = (size_t)j1;
    *hi = (size_t)k1;
    return CXM_OK;
}
