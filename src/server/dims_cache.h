/*
 * dims_cache.h - the answer of `GET /v1/dimensions` (the dashboard's
 * filter choices), kept between requests.
 *
 * Why: the choices are one pass over every ticket and answer of the store
 * (src/store/dims.c): 0.1 s at 100k tickets, 2 s at 1M, 13-16 s at 10M
 * (docs/DASHBOARD.md), and every page load asks for them. They need not be
 * exact to the last record (a new channel shows up in the list a minute
 * later; a filter on any value works whether listed or not), so an
 * answer is *current* while the data version (the server's generation) is
 * the one read before it was computed and it is younger than max_age (a
 * bound for writers the version does not see); then:
 *  - a current answer is served as is;
 *  - a stale one whose computation took less than sync_ms (small stores) is
 *    computed again on the request, so small stores always answer exactly;
 *  - a stale one that took longer is served at once, and one background
 *    computation replaces it (stale-while-revalidate);
 *  - with no answer yet, the first request computes it and the others
 *    wait for that same computation (single flight); a failed computation
 *    is returned to the requests that waited for it, and the next request
 *    tries again;
 *  - the server warms it at start, so the first page load at 10M does not
 *    wait for the pass.
 *
 * Invariants: one mutex guards every field; at most one computation runs
 * (computing); the background thread is joined before the next one starts
 * and at free; body is replaced only by a successful computation.
 * Sizes: a body is a few KiB to a few hundred KiB (200 values a column).
 */
#ifndef CXM_SERVER_DIMS_CACHE_H
#define CXM_SERVER_DIMS_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "cxm.h"

typedef struct cxm_dims_cache cxm_dims_cache;

/* Computes the body into *out (malloc'd, *len bytes) or fails with diag;
 * ud is the cache's user data. Runs without the cache's lock. */
typedef int (*cxm_dims_compute_fn)(void *ud, char **out, size_t *len, cxm_diag *diag);

/* The data's version (changes whenever the data does), ud as above. */
typedef uint64_t (*cxm_dims_version_fn)(void *ud);

/* A cache under the rules above: max_age_ms >= 0 (0: never current),
 * sync_ms >= 0 (0: never on the request); version may be NULL (then only the age counts). now_ms: a
 * monotonic clock in milliseconds (NULL: CLOCK_MONOTONIC), for tests.
 * *out owned: cxm_dims_cache_free. */
int cxm_dims_cache_new(cxm_dims_compute_fn fn, cxm_dims_version_fn version, void *ud, int64_t max_age_ms,
                       int64_t sync_ms, int64_t (*now_ms)(void), cxm_dims_cache **out) CXM_WUR;

/* Starts a background computation if none runs and the answer is not
 * current (the server's start). CXM_ENOMEM when no thread starts. */
int cxm_dims_cache_warm(cxm_dims_cache *c) CXM_WUR;

/* A copy of the answer into *body (malloc'd, *len bytes; the caller frees)
 * and its age in *age_ms (from the start of the computation that made it),
 * following the rules above; or the error of the computation this request
 * waited for. */
int cxm_dims_cache_get(cxm_dims_cache *c, char **body, size_t *len, int64_t *age_ms, cxm_diag *diag) CXM_WUR;

/* Counters for tests and logs. */
typedef struct cxm_dims_cache_stats {
    uint64_t fresh, stale, waited, computations, failures, sync_refreshes;
} cxm_dims_cache_stats;
void cxm_dims_cache_get_stats(cxm_dims_cache *c, cxm_dims_cache_stats *out);

/* Waits for a computation under way, then frees. NULL is fine. */
void cxm_dims_cache_free(cxm_dims_cache *c);

#endif
