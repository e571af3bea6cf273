/*
 * quantile.c - sorting doubles and order statistics (see stats.h).
 *
 * cxm_sort_doubles is an LSD radix sort on 64-bit keys made from the IEEE-754
 * bits of each value by an order-preserving map: for a value with the sign
 * bit clear, set the sign bit; for a value with the sign bit set, flip every
 * bit. Unsigned comparison of the keys is then IEEE "totalOrder" on the
 * non-NaN doubles: -inf < ... < -0.0 < +0.0 < ... < +inf. So -0.0 sorts
 * before +0.0 (qsort with "<" would leave them in unspecified order). NaN
 * is not allowed by the contract; if present, a NaN with its sign bit clear
 * lands after +inf and one with its sign bit set before -inf (no UB, no crash).
 *
 * The sort makes one pass to transform the values into keys and count all
 * digit histograms at once, then one scatter pass per 8-bit digit (eight
 * digits), skipping a digit when every key has the same value
 * there (common: durations in whole seconds have zero low mantissa bits, and
 * values of one sign and similar magnitude share the top digit), then
 * transforms the keys back. Keys live in the caller's double arrays as bit
 * patterns, always moved as uint64_t through memcpy (no aliasing violation,
 * and no floating-point load that could quiet a key that looks like a
 * signaling NaN). Below 64 values an
 * insertion sort on the same keys is used, so -0.0/+0.0 order is the same
 * at every size.
 *
 * Sizes: tens of millions of values (durations in seconds). Histograms are
 * 8 x 256 size_t counters (16 KiB on the stack). 8-bit digits measured faster
 * than 11-bit ones here (2048 scatter streams thrash the TLB); numbers in
 * docs/internals/stats.md.
 *
 * cxm_quantile_sorted is numpy's default "linear" method (Hyndman & Fan type
 * 7). cxm_quantile_select finds the order statistic floor(h) by introselect
 * (Hoare partition around a median of three; after 2*log2(n)+8 rounds it falls
 * back to heapsort of the remaining range, so adversarial input costs
 * O(n log n), not O(n^2)), then the next order statistic is the minimum of
 * the part above it.
 */
#include "stats/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef DIGIT_BITS /* overridable only to re-run the measurement */
#define DIGIT_BITS 8u
#endif
#define NDIGITS ((64u + DIGIT_BITS - 1u) / DIGIT_BITS)
#define RADIX (1u << DIGIT_BITS)
#define DIGIT_MASK ((uint64_t)RADIX - 1u)
#define SMALL_SORT 64u

/* ---- keys -------------------------------------------------------------- */

static inline uint64_t key_of(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

static inline double double_of(uint64_t k) {
    uint64_t u = (k >> 63) ? (k & 0x7fffffffffffffffull) : ~k;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static inline uint64_t load_u(const double *p) {
    uint64_t u;
    memcpy(&u, p, sizeof u);
    return u;
}

static inline void store_u(double *p, uint64_t u) { memcpy(p, &u, sizeof u); }

/* Insertion sort by key, for n < SMALL_SORT. */
static void insertion_sort_keys(double *v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        uint64_t kx = key_of(x);
        size_t j = i;
        while (j > 0 && key_of(v[j - 1]) > kx) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Digit counts c[0, r) -> each digit's first output index. */
static void starts_of(size_t *c, unsigned r) {
    size_t sum = 0;
    for (unsigned b = 0; b < r; b++) {
        size_t t = c[b];
        c[b] = sum;
        sum += t;
    }
}

/* The radix passes proper. v holds values on entry and on return, n >= 2;
 * tmp is scratch of n doubles. */
static void radix_sort(double *v, size_t n, double *tmp) {
    size_t cnt[NDIGITS][RADIX];
    memset(cnt, 0, sizeof cnt);
    /* transform to keys and count every digit in one pass */
    for (size_t i = 0; i < n; i++) {
        uint64_t k = key_of(v[i]);
        store_u(&v[i], k);
        for (unsigned d = 0; d < NDIGITS; d++) cnt[d][(k >> (d * DIGIT_BITS)) & DIGIT_MASK]++;
    }
    double *src = v, *dst = tmp;
    uint64_t k0 = load_u(&v[0]);
    for (unsigned d = 0; d < NDIGITS; d++) {
        size_t *c = cnt[d];
        unsigned shift = d * DIGIT_BITS;
        if (c[(k0 >> shift) & DIGIT_MASK] == n) continue; /* all keys share it */
        starts_of(c, RADIX);
        for (size_t i = 0; i < n; i++) {
            uint64_t k = load_u(&src[i]);
            store_u(&dst[c[(k >> shift) & DIGIT_MASK]++], k);
        }
        double *sw = src;
        src = dst;
        dst = sw;
    }
    for (size_t i = 0; i < n; i++) v[i] = double_of(load_u(&src[i]));
}

/* Whole numbers in [0, 2^32) (durations in seconds, counts: nearly every
 * vector a report sorts) sort as 32-bit keys: three 11-bit digits instead
 * of eight 8-bit ones, half the bytes moved per pass, and the top digit is
 * skipped below 2^22 (48 days in seconds). keys: scratch of 2n uint32.
 * Returns 0, v untouched, at the first value that is not such a number
 * (negative zero included, so its sign survives). */
#define U32_BITS 11u
#define U32_RADIX (1u << U32_BITS)
static int radix_sort_u32(double *v, size_t n, uint32_t *keys) {
    size_t cnt[3][U32_RADIX];
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        if (!(x >= 0 && x < 4294967296.0) || signbit(x)) return 0;
        uint32_t k = (uint32_t)x;
        if ((double)k != x) return 0;
        keys[i] = k;
        cnt[0][k & (U32_RADIX - 1)]++;
        cnt[1][(k >> U32_BITS) & (U32_RADIX - 1)]++;
        cnt[2][k >> (2 * U32_BITS)]++;
    }
    uint32_t *src = keys, *dst = keys + n;
    for (unsigned d = 0; d < 3; d++) {
        size_t *c = cnt[d];
        unsigned shift = d * U32_BITS;
        if (c[(src[0] >> shift) & (U32_RADIX - 1)] == n) continue; /* all keys share it */
        starts_of(c, U32_RADIX);
        for (size_t i = 0; i < n; i++) {
            uint32_t k = src[i];
            dst[c[(k >> shift) & (U32_RADIX - 1)]++] = k;
        }
        uint32_t *sw = src;
        src = dst;
        dst = sw;
    }
    for (size_t i = 0; i < n; i++) v[i] = (double)src[i];
    return 1;
}

/* Borrowed v (sorted in place) and tmp (scratch, contents clobbered); when
 * tmp is NULL a scratch array is allocated and freed here. */
int cxm_sort_doubles(double *v, size_t n, double *tmp) {
    if (n < 2) return CXM_OK;
    if (n < SMALL_SORT) {
        insertion_sort_keys(v, n);
        return CXM_OK;
    }
    double *own = NULL;
    if (!tmp) {
        if (n > SIZE_MAX / sizeof(double)) return CXM_ENOMEM;
        own = malloc(n * sizeof(double));
        if (!own) return CXM_ENOMEM;
        tmp = own;
    }
    /* tmp's 8n bytes are the 2n keys of the 32-bit sort */
    if (!radix_sort_u32(v, n, (uint32_t *)(void *)tmp)) radix_sort(v, n, tmp);
    free(own);
    return CXM_OK;
}

/* ---- quantiles ------------------------------------------------------------ */

/* h = (n-1)q split into floor and fraction; q is clamped to [0,1]. */
static void rank_of(size_t n, double q, size_t *lo, double *frac) {
    if (q <= 0) {
        *lo = 0;
        *frac = 0;
        return;
    }
    if (q >= 1) {
        *lo = n - 1;
        *frac = 0;
        return;
    }
    double h = (double)(n - 1) * q;
    double f = floor(h);
    size_t i = (size_t)f;
    if (i >= n - 1) {
        *lo = n - 1;
        *frac = 0;
        return;
    }
    *lo = i;
    *frac = h - f;
}

/* a + frac (b - a) for a <= b and 0 <= frac < 1, returning a exactly when
 * frac is 0 or a == b (ties give the value itself). With an infinite end
 * the limit is taken: -inf below any finite b, +inf above any finite a;
 * between -inf and +inf it is NaN (numpy gives NaN or -inf there). */
static double lerp(double a, double b, double frac) {
    if (frac == 0 || a == b) return a;
    if (isinf(a)) return isinf(b) ? NAN : a;
    if (isinf(b)) return b;
    return a + frac * (b - a);
}

/* Borrowed v, sorted ascending. NaN if n == 0 or q is NaN. */
double cxm_quantile_sorted(const double *v, size_t n, double q) {
    if (n == 0 || isnan(q)) return NAN;
    size_t lo;
    double frac;
    rank_of(n, q, &lo, &frac);
    if (frac == 0) return v[lo];
    return lerp(v[lo], v[lo + 1], frac);
}

static inline void swapd(double *a, double *b) {
    double t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(double *v, size_t root, size_t n) {
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n) return;
        if (c + 1 < n && v[c] < v[c + 1]) c++;
        if (!(v[root] < v[c])) return;
        swapd(&v[root], &v[c]);
        root = c;
    }
}

static void heap_sort(double *v, size_t n) {
    if (n < 2) return;
    for (size_t i = n / 2; i-- > 0;) sift_down(v, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        swapd(&v[0], &v[end]);
        sift_down(v, 0, end);
    }
}

static void insertion_sort_lt(double *v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        size_t j = i;
        while (j > 0 && x < v[j - 1]) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Reorders v[0..n) so that v[k] is the k-th smallest, everything before it
 * is <= v[k] and everything after it >= v[k]. k < n. */
static void select_kth(double *v, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1; /* inclusive range that holds position k */
    unsigned budget = 8;
    for (size_t m = n; m > 1; m >>= 1) budget += 2;
    while (hi > lo) {
        size_t len = hi - lo + 1;
        if (len <= 16) {
            insertion_sort_lt(v + lo, len);
            return;
        }
        if (budget-- == 0) {
            heap_sort(v + lo, len);
            return;
        }
        /* median of three: afterwards v[lo] <= v[mid] <= v[hi] */
        size_t mid = lo + len / 2;
        if (v[mid] < v[lo]) swapd(&v[mid], &v[lo]);
        if (v[hi] < v[mid]) {
            swapd(&v[hi], &v[mid]);
            if (v[mid] < v[lo]) swapd(&v[mid], &v[lo]);
        }
        double p = v[mid];
        /* Hoare partition. Both scans stop at v[mid] on the first round, so
         * lo <= j < hi: each side is non-empty and the range shrinks. */
        size_t i = lo, j = hi;
        for (;;) {
            while (v[i] < p) i++;
            while (p < v[j]) j--;
            if (i >= j) break;
            swapd(&v[i], &v[j]);
            i++;
            j--;
        }
        /* now v[lo..j] <= p <= v[j+1..hi] */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
}

/* Borrowed v, reordered. NaN if n == 0 or q is NaN. */
double cxm_quantile_select(double *v, size_t n, double q) {
    if (n == 0 || isnan(q)) return NAN;
    size_t lo;
    double frac;
    rank_of(n, q, &lo, &frac);
    select_kth(v, n, lo);
    if (frac == 0) return v[lo];
    double next = v[lo + 1];
    for (size_t i = lo + 2; i < n; i++)
        if (v[i] < next) next = v[i];
    return lerp(v[lo], next, frac);
}
