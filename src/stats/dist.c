/*
 * dist.c - the standard normal and Student t distributions (see stats.h).
 *
 * Pure functions of doubles; no state, no allocation, thread-safe (lgamma is
 * avoided because it writes the global signgam; tgamma/log/erfc are used).
 * Out-of-domain arguments (NaN, p outside [0,1], df <= 0) give NaN; p of 0
 * or 1 gives -inf/+inf; df = +inf gives the normal distribution.
 *
 * Normal:  cdf(x) = erfc(-x/sqrt 2)/2 (accurate in the lower tail, where
 *          1 - cdf would cancel). ppf: Acklam's rational approximation
 *          (relative error < 1.15e-9) refined by one Halley step against the
 *          cdf, computed on the lower half (p > 1/2 uses -ppf(1-p), 1-p being
 *          exact there) and, in the central region, as erf(x/sqrt 2)/2 - (p -
 *          1/2) so the correction keeps full relative precision near 0.
 * Student t: P(T > t) = I_x(df/2, 1/2)/2 with x = df/(df + t^2), I the
 *          regularized incomplete beta function, evaluated by its continued
 *          fraction with the modified Lentz method (on whichever of I_x(a,b)
 *          and 1 - I_{1-x}(b,a) converges fast). ppf: closed forms for df 1
 *          and 2; otherwise a bracket [0, hi] by doubling, then Newton steps
 *          with bisection whenever a step leaves the bracket, until a Newton
 *          step is below 1e-14 relative (so the error is about its square).
 *          For df >= 50 and t^2 <= (e-1) df the continued fraction is
 *          ill-conditioned (error ~ df * DBL_EPSILON) and an asymptotic
 *          expansion in incomplete gamma functions is used instead.
 *
 * Expected sizes: called a few times per reported interval or test, so
 * clarity and accuracy come before speed; the continued fraction takes
 * tens of terms for moderate t and at most CF_MAX_ITER.
 */
#include "stats/stats.h"

#include <float.h>
#include <math.h>

#define SQRT1_2 0.70710678118654752440     /* 1/sqrt(2) */
#define SQRT_2PI 2.50662827463100050242    /* sqrt(2 pi) */
#define LN_SQRT_2PI 0.91893853320467274178 /* log(sqrt(2 pi)) */
#define PI 3.14159265358979323846
#define CF_MAX_ITER 10000
#define TINY 1e-300

/* ---- normal --------------------------------------------------------------- */

double cxm_norm_cdf(double x) {
    if (isnan(x)) return NAN;
    return 0.5 * erfc(-x * SQRT1_2);
}

static double norm_pdf(double x) { return exp(-0.5 * x * x) / SQRT_2PI; }

/* Acklam's coefficients (P. J. Acklam, "An algorithm for computing the
 * inverse normal cumulative distribution function", 2003). */
static const double ack_a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00};
static const double ack_b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01};
static const double ack_c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00,  2.938163982698783e+00};
static const double ack_d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00};
#define ACK_PLOW 0.02425

/* Quantile for 0 < p <= 1/2 (so the result is <= 0). */
static double norm_ppf_lower(double p) {
    double x, e;
    if (p < ACK_PLOW) {
        double q = sqrt(-2.0 * log(p));
        x = (((((ack_c[0] * q + ack_c[1]) * q + ack_c[2]) * q + ack_c[3]) * q + ack_c[4]) * q +
             ack_c[5]) /
            ((((ack_d[0] * q + ack_d[1]) * q + ack_d[2]) * q + ack_d[3]) * q + 1.0);
        e = 0.5 * erfc(-x * SQRT1_2) - p;
    } else {
        double q = p - 0.5; /* exact: p in [0.02425, 0.5] */
        double r = q * q;
        x = (((((ack_a[0] * r + ack_a[1]) * r + ack_a[2]) * r + ack_a[3]) * r + ack_a[4]) * r +
             ack_a[5]) *
            q /
            (((((ack_b[0] * r + ack_b[1]) * r + ack_b[2]) * r + ack_b[3]) * r + ack_b[4]) * r +
             1.0);
        e = 0.5 * erf(x * SQRT1_2) - q;
    }
    /* Halley: x -= u / (1 + x u / 2), u = (cdf(x) - p) / pdf(x). */
    double pdf = norm_pdf(x);
    if (pdf > 0) {
        double u = e / pdf;
        if (isfinite(u)) x -= u / (1.0 + 0.5 * x * u);
    }
    return x;
}

double cxm_norm_ppf(double p) {
    if (isnan(p) || p < 0 || p > 1) return NAN;
    if (p == 0) return -INFINITY;
    if (p == 1) return INFINITY;
    if (p == 0.5) return 0.0;
    if (p > 0.5) return -norm_ppf_lower(1.0 - p);
    return norm_ppf_lower(p);
}

double cxm_z_for(double confidence) {
    if (isnan(confidence) || confidence < 0 || confidence > 1) return NAN;
    return -cxm_norm_ppf(0.5 * (1.0 - confidence));
}

/* ---- log gamma and log beta ------------------------------------------------ */

/* Stirling's series tail: lnGamma(x) - [(x - 1/2) ln x - x + ln sqrt(2 pi)],
 * for x >= 20 (truncation error below 1e-19 there). */
static double stirling_tail(double x) {
    double r = 1.0 / x, r2 = r * r;
    return r * (1.0 / 12 +
                r2 * (-1.0 / 360 +
                      r2 * (1.0 / 1260 +
                            r2 * (-1.0 / 1680 + r2 * (1.0 / 1188 + r2 * (-691.0 / 360360))))));
}

/* ln Gamma(x) for x > 0. */
static double lgam(double x) {
    if (x < 1e-300) return -log(x); /* Gamma(x) = 1/x - gamma + O(x) */
    if (x < 20) return log(tgamma(x));
    return (x - 0.5) * log(x) - x + LN_SQRT_2PI + stirling_tail(x);
}

/* ln Gamma(x) - ln Gamma(x + y) for x >= 20, y > 0, written so that the
 * large terms cancel analytically rather than numerically. */
static double lgam_diff(double x, double y) {
    return -(x - 0.5) * log1p(y / x) - y * log(x + y) + y + stirling_tail(x) -
           stirling_tail(x + y);
}

/* ln B(a, b) for a, b > 0. */
static double lbeta(double a, double b) {
    double lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo + hi <= 100 && lo >= 1e-100) return log(tgamma(lo) * (tgamma(hi) / tgamma(lo + hi)));
    if (hi >= 20) return lgam(lo) + lgam_diff(hi, lo);
    return lgam(lo) + lgam(hi) - lgam(lo + hi);
}

/* ---- regularized incomplete beta -------------------------------------------- */

/* The continued fraction for I_x(a,b) = x^a y^b / (a B(a,b)) * cf, with
 *   cf = 1/(1 + d1/(1 + d2/(1 + ...))),
 *   d(2m+1) = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),
 *   d(2m)   = m(b-m) x / ((a+2m-1)(a+2m)),
 * evaluated forward by the modified Lentz method (f = C D products, with
 * zero denominators replaced by TINY). Converges fast for x < (a+1)/(a+b+2). */
static double ibeta_cf(double a, double b, double x) {
    double f = 1.0, C = 1.0, D = 1.0 - (a + b) * x / (a + 1.0); /* term d1 */
    if (fabs(D) < TINY) D = TINY;
    D = 1.0 / D;
    f = D;
    for (int m = 1; m <= CF_MAX_ITER; m++) {
        double dm = m;
        double even = dm * (b - dm) * x / ((a + 2 * dm - 1) * (a + 2 * dm));
        D = 1.0 + even * D;
        C = 1.0 + even / C;
        if (fabs(D) < TINY) D = TINY;
        if (fabs(C) < TINY) C = TINY;
        D = 1.0 / D;
        f *= C * D;
        double odd = -(a + dm) * (a + b + dm) * x / ((a + 2 * dm) * (a + 2 * dm + 1));
        D = 1.0 + odd * D;
        C = 1.0 + odd / C;
        if (fabs(D) < TINY) D = TINY;
        if (fabs(C) < TINY) C = TINY;
        D = 1.0 / D;
        double delta = C * D;
        f *= delta;
        if (fabs(delta - 1.0) < DBL_EPSILON) break;
    }
    return f;
}

/* I_x(a, b) and its complement 1 - I_x(a, b), the smaller-error one
 * computed directly, the other by subtraction. x + y = 1 and lx = ln x,
 * ly = ln y are all given so the caller can supply accurate ones: the
 * prefactor exp(a ln x + b ln y) amplifies an error in ln x by a, which for
 * df = 1000 would otherwise cost 1e-13; and x may underflow to 0 while
 * ln x is still finite. a, b > 0, 0 <= x <= 1. */
static void ibeta(double a, double b, double x, double y, double lx, double ly, double *I,
                  double *Ic) {
    if (lx == -INFINITY) {
        *I = 0;
        *Ic = 1;
        return;
    }
    if (ly == -INFINITY) {
        *I = 1;
        *Ic = 0;
        return;
    }
    double front = exp(a * lx + b * ly - lbeta(a, b));
    if (x < (a + 1) / (a + b + 2)) {
        *I = front / a * ibeta_cf(a, b, x);
        *Ic = 1.0 - *I;
    } else {
        *Ic = front / b * ibeta_cf(b, a, y);
        *I = 1.0 - *Ic;
    }
}

/* ---- binomial ---------------------------------------------------------------- */

/* P(B <= k) for B ~ Binomial(n, p): I_{1-p}(n - k, k + 1) (Abramowitz &
 * Stegun 26.5.24), through the continued fraction above (O(sqrt n) terms
 * near the centre). */
double cxm_binom_cdf(double k, double n, double p) {
    if (!(n >= 0) || !(p >= 0 && p <= 1) || isnan(k)) return NAN;
    k = floor(k);
    if (k < 0) return 0;
    if (k >= n) return 1;
    double I, Ic;
    ibeta(n - k, k + 1, 1 - p, p, log1p(-p), log(p), &I, &Ic);
    return I;
}

/* ---- Student t ------------------------------------------------------------- */

/* Coefficients c_n of (sinh(w/2)/(w/2))^(-1/2) = sum c_n w^(2n): with
 * ln(sinh(w/2)/(w/2)) = sum_k B_2k w^2k / (2k (2k)!) =: sum g_k w^2k (B the
 * Bernoulli numbers), c_0 = 1 and n c_n = sum_{k=1..n} k (-g_k/2) c_(n-k),
 * evaluated in exact rationals (1, -1/48, 1/2560, -61/7741440, ...). */
static const double asym_c[20] = {
    1.0, -0.020833333333333332, 0.000390625, -7.879670965608466e-06,
    1.6967665791721782e-07, -3.805064191721906e-09, 8.748377596315407e-11,
    -2.044523359411974e-12, 4.833351797967704e-14, -1.152434101767386e-15,
    2.76605204359937e-17, -6.67428195089166e-19, 1.61745507718158e-20,
    -3.93397792009138e-22, 9.597634062586047e-24, -2.347690291162632e-25,
    5.7558703875442666e-27, -1.414008810826549e-28, 3.479869365059028e-30,
    -8.577466165340376e-32};

/* I_x(a, 1/2) for large a and x near 1, where the continued fraction is
 * ill-conditioned (its first denominators cancel to about 1/a and the
 * relative error grows like a * DBL_EPSILON: 3e-7 at df = 1e10).
 * With t = e^-w and T = a - 1/4,
 *   B(a,1/2) I_x(a,1/2) = int_xi^inf e^(-a w) (1 - e^-w)^(-1/2) dw
 *                       = int_xi^inf e^(-T w) w^(-1/2) (sinh(w/2)/(w/2))^(-1/2) dw
 *                       = sum_n c_n T^(-1/2-2n) Gamma(1/2 + 2n, T xi),   xi = -ln x,
 * the expansion of DiDonato & Morris's BGRAT (ACM TOMS 708) for b = 1/2,
 * derived here directly. Gamma(1/2, u) = sqrt(pi) erfc(sqrt u) and
 * Gamma(s+1, u) = s Gamma(s, u) + u^s e^-u. Used for a >= 25 and xi <= 1,
 * where the terms fall by at least (1/2pi)^2 each. Returns I; nxi = -xi. */
static double ibeta_half_large_a(double a, double nxi) {
    double T = a - 0.25, u = -T * nxi, T2 = T * T;
    double G = 1.7724538509055160273 * erfc(sqrt(u)); /* Gamma(1/2, u) */
    double P = sqrt(u) * exp(-u);                      /* u^s e^-u / T^2n */
    double s = 0.5, sum = G;
    for (int n = 1; n < 20; n++) {
        /* Gamma(s+2, u) = (s+1) s Gamma(s, u) + ((s+1) + u) u^s e^-u */
        G = ((s + 1) * s * G + (s + 1 + u) * P) / T2;
        P *= u * u / T2;
        s += 2;
        double term = asym_c[n] * G;
        sum += term;
        if (fabs(term) <= 0.25 * DBL_EPSILON * sum) break;
    }
    return exp(-lbeta(a, 0.5) - 0.5 * log(T)) * sum;
}


/* P(T > t) for t >= 0 (tail) and P(T < t) (= 1 - tail), df finite > 0. */
static void t_tails(double t, double df, double *tail, double *body) {
    double x, y, lx, ly;
    double t2 = t * t;
    if (t2 >= df) {
        double lr = log(df) - 2 * log(t); /* t^2 may overflow, its log not */
        double r = exp(lr);               /* may underflow: x = 0, lx finite */
        x = r / (1 + r);
        y = 1 / (1 + r);
        ly = -log1p(r);
        lx = lr + ly;
    } else {
        double s = t2 / df; /* s may underflow to 0: y = 0 */
        x = 1 / (1 + s);
        y = s / (1 + s);
        lx = -log1p(s);
        ly = log(s) + lx;
    }
    double I, Ic;
    if (df >= 50 && lx >= -1) {
        I = ibeta_half_large_a(0.5 * df, lx);
        Ic = 1 - I;
    } else {
        ibeta(0.5 * df, 0.5, x, y, lx, ly, &I, &Ic);
    }
    *tail = 0.5 * I;
    *body = 0.5 + 0.5 * Ic;
}

double cxm_t_cdf(double t, double df) {
    if (isnan(t) || isnan(df) || !(df > 0)) return NAN;
    if (isinf(df)) return cxm_norm_cdf(t);
    if (t == 0) return 0.5;
    if (df == 1) return t < 0 ? atan(1 / -t) / PI : 1.0 - atan(1 / t) / PI;
    double tail, body;
    t_tails(fabs(t), df, &tail, &body);
    return t < 0 ? tail : body;
}

/* Density of t with df degrees of freedom, df finite > 0. */
static double t_pdf(double t, double df) {
    return exp(-lbeta(0.5 * df, 0.5) - 0.5 * log(df) - 0.5 * (df + 1) * log1p(t * t / df));
}

/* The t >= 0 with P(T > t) = q, for 0 < q < 1/2, df finite > 0. */
static double t_upper_quantile(double q, double df) {
    if (df == 1) return 1.0 / tan(PI * q);             /* Cauchy */
    if (df == 2) return (1 - 2 * q) / sqrt(2 * q * (1 - q)); /* closed form */
    double tail, body;
    /* start from the normal quantile with the first Cornish-Fisher terms */
    double z = -cxm_norm_ppf(q);
    double g = z + (z * z * z + z) / (4 * df) +
               (5 * z * z * z * z * z + 16 * z * z * z + 3 * z) / (96 * df * df);
    if (!(g > 0) || !isfinite(g)) g = 1;
    /* bracket: f(t) = P(T > t) - q is decreasing, f(lo) >= 0 > f(hi) */
    double lo = 0, hi = g;
    for (int i = 0; i < 2100; i++) {
        t_tails(hi, df, &tail, &body);
        if (tail < q) break;
        lo = hi;
        hi *= 2;
        if (isinf(hi)) return INFINITY;
    }
    double t = g < hi ? g : 0.5 * (lo + hi);
    for (int it = 0; it < 400; it++) {
        t_tails(t, df, &tail, &body);
        double f = tail - q;
        if (f == 0) return t;
        if (f > 0)
            lo = t;
        else
            hi = t;
        double pdf = t_pdf(t, df);
        double step = pdf > 0 ? f / pdf : NAN;
        if (fabs(step) <= 1e-14 * t) return t + step; /* quadratic: done */
        double next = t + step;
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi); /* bisect */
        t = next;
        if (hi - lo <= 4 * DBL_EPSILON * hi) break;
    }
    return t;
}

double cxm_t_ppf(double p, double df) {
    if (isnan(p) || isnan(df) || !(df > 0) || p < 0 || p > 1) return NAN;
    if (isinf(df)) return cxm_norm_ppf(p);
    if (p == 0) return -INFINITY;
    if (p == 1) return INFINITY;
    if (p == 0.5) return 0.0;
    if (p < 0.5) return -t_upper_quantile(p, df);
    return t_upper_quantile(1.0 - p, df);
}
