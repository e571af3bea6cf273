/*
 * dims_cache.c - the kept answer of GET /v1/dimensions (dims_cache.h has
 * the rules and why).
 *
 * Shape: one mutex (mu) and one condition variable (done, broadcast when a
 * computation finishes). A computation runs without the lock, on a request
 * thread (no answer yet) or on the cache's own thread (refresh, warm-up);
 * `computing` makes it the only one. seq counts finished computations, so
 * a request waiting for one knows when it is over and takes its outcome
 * (the new body, or last_rc and last_diag).
 */
#include "dims_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/diag.h"

struct cxm_dims_cache {
    cxm_dims_compute_fn fn;
    cxm_dims_version_fn version;
    void *ud;
    int64_t max_age, sync_ms;
    int64_t (*now)(void);
    pthread_mutex_t mu;
    pthread_cond_t done;
    char *body; /* owned, NULL until a computation succeeds */
    size_t len;
    int64_t at;   /* start of the computation that made body */
    int64_t took; /* its duration */
    uint64_t ver; /* the data version read before it started */
    int computing;
    uint64_t seq;
    int last_rc;
    cxm_diag last_diag;
    int have_th; /* th was started and not joined */
    pthread_t th;
    cxm_dims_cache_stats st;
};

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One computation: called and returns with mu held and computing set; it
 * clears computing, counts, keeps the body on success, and wakes waiters. */
static int compute(cxm_dims_cache *c) {
    int64_t start = c->now();
    uint64_t ver = c->version ? c->version(c->ud) : 0;
    c->st.computations++;
    pthread_mutex_unlock(&c->mu);
    char *buf = NULL;
    size_t len = 0;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = c->fn(c->ud, &buf, &len, &d);
    pthread_mutex_lock(&c->mu);
    if (!rc) {
        free(c->body);
        c->body = buf;
        c->len = len;
        c->at = start;
        c->took = c->now() - start;
        c->ver = ver;
    } else {
        free(buf);
        c->st.failures++;
    }
    c->last_rc = rc;
    c->last_diag = d;
    c->computing = 0;
    c->seq++;
    pthread_cond_broadcast(&c->done);
    return rc;
}

static void *background(void *arg) {
    cxm_dims_cache *c = arg;
    pthread_mutex_lock(&c->mu);
    (void)compute(c);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* With mu held and no computation under way: one on the cache's thread.
 * The previous thread has finished its computation (computing was
 * cleared), so joining it only waits for its return. */
static int start_background(cxm_dims_cache *c) {
    if (c->have_th) {
        pthread_join(c->th, NULL);
        c->have_th = 0;
    }
    c->computing = 1;
    if (pthread_create(&c->th, NULL, background, c)) {
        c->computing = 0;
        return CXM_ENOMEM;
    }
    c->have_th = 1;
    return CXM_OK;
}

int cxm_dims_cache_new(cxm_dims_compute_fn fn, cxm_dims_version_fn version, void *ud, int64_t max_age_ms,
                       int64_t sync_ms, int64_t (*now_ms)(void), cxm_dims_cache **out) {
    *out = NULL;
    if (!fn || max_age_ms < 0 || sync_ms < 0) return CXM_EINVAL;
    cxm_dims_cache *c = calloc(1, sizeof *c);
    if (!c) return CXM_ENOMEM;
    c->fn = fn;
    c->version = version;
    c->ud = ud;
    c->max_age = max_age_ms;
    c->sync_ms = sync_ms;
    c->now = now_ms ? now_ms : mono_ms;
    if (pthread_mutex_init(&c->mu, NULL)) {
        free(c);
        return CXM_ENOMEM;
    }
    if (pthread_cond_init(&c->done, NULL)) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return CXM_ENOMEM;
    }
    *out = c;
    return CXM_OK;
}

/* The kept answer is current (mu held; the version read without it is
 * a counter that only grows). */
static int current(const cxm_dims_cache *c) {
    return c->body && c->now() - c->at < c->max_age && (!c->version || c->version(c->ud) == c->ver);
}

int cxm_dims_cache_warm(cxm_dims_cache *c) {
    int rc = CXM_OK;
    pthread_mutex_lock(&c->mu);
    if (!c->computing && !current(c)) rc = start_background(c);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* A copy of the kept body (mu held). */
static int copy_body(const cxm_dims_cache *c, char **body, size_t *len, int64_t *age_ms) {
    char *p = malloc(c->len ? c->len : 1);
    if (!p) return CXM_ENOMEM;
    memcpy(p, c->body, c->len);
    *body = p;
    *len = c->len;
    if (age_ms) *age_ms = c->now() - c->at;
    return CXM_OK;
}

int cxm_dims_cache_get(cxm_dims_cache *c, char **body, size_t *len, int64_t *age_ms, cxm_diag *diag) {
    *body = NULL;
    *len = 0;
    pthread_mutex_lock(&c->mu);
    int rc;
    if (c->body && current(c)) {
        c->st.fresh++;
    } else if (c->body && c->took >= c->sync_ms) {
        c->st.stale++;
        if (!c->computing) (void)start_background(c); /* no thread: the next request tries again */
    } else if (c->computing) {
        c->st.waited++;
        uint64_t seq = c->seq;
        while (c->seq == seq) pthread_cond_wait(&c->done, &c->mu);
    } else {
        if (c->body) c->st.sync_refreshes++;
        c->computing = 1;
        (void)compute(c);
    }
    if (c->body) {
        rc = copy_body(c, body, len, age_ms);
        if (rc) cxm_diag_set(diag, rc, NULL, 0, 0, NULL, "out of memory");
    } else {
        rc = c->last_rc ? c->last_rc : CXM_EIO;
        if (diag) *diag = c->last_diag;
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void cxm_dims_cache_get_stats(cxm_dims_cache *c, cxm_dims_cache_stats *out) {
    pthread_mutex_lock(&c->mu);
    *out = c->st;
    pthread_mutex_unlock(&c->mu);
}

void cxm_dims_cache_free(cxm_dims_cache *c) {
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    while (c->computing) pthread_cond_wait(&c->done, &c->mu);
    int joined = c->have_th;
    c->have_th = 0;
    pthread_mutex_unlock(&c->mu);
    if (joined) pthread_join(c->th, NULL);
    free(c->body);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
