/*
 * test_qcache.c - the query cache of `cxm serve` (src/server/qcache.h):
 * keys are normalised queries; a miss computes once however many requests
 * ask (single-flight); a current answer is served as is; a stale one within
 * the bound is served at once and refreshed in the background, beyond the
 * bound (or with the bound 0) computed on the request; entries are evicted
 * least-recently-used first by bytes; a snapshot is removed only when its
 * last reader lets go; writes seen through the version callback count as
 * changes; warm keys are refreshed without a request; failures are not
 * cached. The clock is injected (a variable the test moves); the compute
 * and snapshot callbacks are fakes that count their calls.
 * qcache.c belongs to the cxm executable, not the library: it is compiled
 * into this test by inclusion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/qcache.c"

typedef struct fake {
    _Atomic int64_t now;      /* the injected clock, ms */
    atomic_int computes;      /* compute calls */
    atomic_int snapshots;     /* snapshot calls */
    atomic_int removed;       /* directories removed */
    atomic_int in_compute;    /* computations under way */
    atomic_int release;       /* a "slow" computation waits until this is 1 */
    _Atomic uint64_t version; /* what the version callback reports */
    int sleep_ms;             /* each computation sleeps this long (real time) */
    size_t body_pad;          /* bytes of padding in each body */
    char last_dir[4096];      /* the directory of the last computation (under the test's lock) */
    cxm_snapshot_opts req[16]; /* what the first snapshots were asked for (streams; reuse below) */
    char reuse[16][3][256];   /* their reuse directories, "" for none */
    char dirs[16][256];       /* the directories they made */
    pthread_mutex_t mu;
} fake;

static int64_t f_clock(void *ud) {
    return atomic_load(&((fake *)ud)->now);
}

static int f_snapshot(void *ud, const cxm_snapshot_opts *req, char *dir, size_t cap, unsigned *have, unsigned *linked,
                      cxm_diag *d) {
    (void)d;
    fake *f = ud;
    snprintf(dir, cap, "/tmp/cxm-qc-test-XXXXXX");
    if (!mkdtemp(dir)) return CXM_EIO;
    int n = atomic_fetch_add(&f->snapshots, 1);
    *have = req->streams;
    *linked = 0;
    pthread_mutex_lock(&f->mu);
    if (n < 16) { /* what each snapshot was asked for, in order */
        f->req[n].streams = req->streams;
        for (int i = 0; i < 3; i++) {
            snprintf(f->reuse[n][i], sizeof f->reuse[n][i], "%s", req->reuse[i] ? req->reuse[i] : "");
            if (req->reuse[i]) *linked |= 1u << i;
        }
        snprintf(f->dirs[n], sizeof f->dirs[n], "%s", dir);
    }
    pthread_mutex_unlock(&f->mu);
    return CXM_OK;
}

/* The plan: keys naming "survey" read the responses, "join" the three
 * streams, the rest tickets and messages. */
static int f_plan(void *ud, const char *key, unsigned *streams) {
    (void)ud;
    *streams = strstr(key, "survey") ? CXM_SNAP_RESPONSES
               : strstr(key, "join") ? CXM_SNAP_ALL
                                     : CXM_SNAP_TICKETS | CXM_SNAP_MESSAGES;
    return CXM_OK;
}

static void f_remove(void *ud, const char *dir) {
    fake *f = ud;
    if (rmdir(dir) == 0) atomic_fetch_add(&f->removed, 1);
}

static int f_version(void *ud, uint64_t *v) {
    *v = atomic_load(&((fake *)ud)->version);
    return CXM_OK;
}

static int f_compute(void *ud, const char *key, const char *dir, unsigned *status, char **body, size_t *len) {
    fake *f = ud;
    int n = atomic_fetch_add(&f->computes, 1) + 1;
    atomic_fetch_add(&f->in_compute, 1);
    pthread_mutex_lock(&f->mu);
    snprintf(f->last_dir, sizeof f->last_dir, "%s", dir);
    pthread_mutex_unlock(&f->mu);
    if (strstr(key, "slow"))
        while (!atomic_load(&f->release))
            usleep(1000);
    if (f->sleep_ms) usleep((useconds_t)f->sleep_ms * 1000);
    atomic_fetch_sub(&f->in_compute, 1);
    if (strstr(key, "fail")) {
        *status = 500;
        *body = NULL;
        return CXM_EIO;
    }
    size_t cap = 128 + strlen(key) + f->body_pad;
    *body = malloc(cap);
    if (!*body) return CXM_ENOMEM;
    int w = snprintf(*body, cap, "{\"key\":\"%s\",\"n\":%d,\"pad\":\"%*s\"}", key, n, (int)f->body_pad, "");
    *len = (size_t)w;
    *status = 200;
    return CXM_OK;
}

static fake *fake_new(void) {
    fake *f = calloc(1, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    atomic_store(&f->now, 1000000);
    return f;
}

static cxm_qcache *cache_new_with(fake *f, int64_t staleness_ms, size_t max_bytes, int64_t wait_ms, int plan) {
    cxm_qcache_opts o;
    memset(&o, 0, sizeof o);
    o.max_staleness_ms = staleness_ms;
    o.max_bytes = max_bytes;
    o.max_wait_ms = wait_ms;
    if (plan) o.plan = f_plan;
    o.compute = f_compute;
    o.snapshot = f_snapshot;
    o.remove = f_remove;
    o.clock = f_clock;
    o.version = f_version;
    o.ud = f;
    cxm_qcache *qc = NULL;
    cxm_diag d;
    assert_int_equal(cxm_qcache_new(&o, &qc, &d), 0);
    return qc;
}

static cxm_qcache *cache_new(fake *f, int64_t staleness_ms, size_t max_bytes) {
    return cache_new_with(f, staleness_ms, max_bytes, 0, 0);
}

static void fake_free(fake *f) {
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* get key: returns the "n" of the body (which computation made it) and how. */
static int get_n(cxm_qcache *qc, const char *key, cxm_qcache_how *how) {
    cxm_qcache_answer a;
    assert_int_equal(cxm_qcache_get(qc, key, &a), 0);
    const char *p = a.body ? strstr(a.body, "\"n\":") : NULL;
    int n = p ? (int)strtol(p + 4, NULL, 10) : -1;
    if (how) *how = a.how;
    free(a.body);
    return n;
}

/* ---- keys ---------------------------------------------------------------------------- */

static char *key_of(const char *query) {
    cxm_qcache_key k;
    memset(&k, 0, sizeof k);
    char *out = NULL;
    int rc = cxm_qcache_key_parse(&k, query);
    if (!rc) rc = cxm_qcache_key_finish(&k, &out);
    cxm_qcache_key_free(&k);
    return rc ? NULL : out;
}

static void key_sorts_parameters_and_ignores_their_order(void **state) {
    (void)state;
    char *a = key_of("metrics=frt,fcr&by=week,channel&tz=Asia/Singapore");
    char *b = key_of("?tz=Asia%2FSingapore&by=week,channel&metrics=frt,fcr");
    char *c = key_of("/v1/metrics?by=week,channel&metrics=frt,fcr&tz=Asia/Singapore");
    assert_non_null(a);
    assert_string_equal(a, "by=week,channel&metrics=frt,fcr&tz=Asia/Singapore");
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    free(a);
    free(b);
    free(c);
}

static void key_sorts_repeated_where_and_encodes_values(void **state) {
    (void)state;
    char *a = key_of("where=team%3DAPAC&where=channel=email&lang=ja");
    char *b = key_of("where=channel%3Demail&lang=ja&where=team=APAC");
    assert_non_null(a);
    assert_string_equal(a, "lang=ja&where=channel%3Demail&where=team%3DAPAC");
    assert_string_equal(a, b);
    char *sp = key_of("where=agent%3Dann+lee");
    assert_string_equal(sp, "where=agent%3Dann%20lee");
    free(a);
    free(b);
    free(sp);
}

static void key_keeps_the_last_of_a_repeated_parameter(void **state) {
    (void)state;
    char *a = key_of("by=week&by=month");
    assert_string_equal(a, "by=month");
    free(a);
}

static void key_refuses_unknown_parameters_and_missing_values(void **state) {
    (void)state;
    cxm_qcache_key k;
    memset(&k, 0, sizeof k);
    assert_int_equal(cxm_qcache_key_parse(&k, "metrics=frt&bogus=1"), CXM_EUSAGE);
    assert_non_null(strstr(k.bad, "unknown parameter 'bogus'"));
    cxm_qcache_key_free(&k);
    memset(&k, 0, sizeof k);
    assert_int_equal(cxm_qcache_key_parse(&k, "by"), CXM_EUSAGE);
    assert_non_null(strstr(k.bad, "needs a value"));
    cxm_qcache_key_free(&k);
}

static void key_round_trips_through_parse(void **state) {
    (void)state;
    char *a = key_of("where=subject%3Da%26b%25c&from=2024-01-01");
    char *b = key_of(a); /* a key is itself a query string */
    assert_string_equal(a, b);
    free(a);
    free(b);
}

/* ---- single flight ---------------------------------------------------------------------- */

typedef struct getter {
    cxm_qcache *qc;
    const char *key;
    int n;
    unsigned status;
} getter;

static void *getter_run(void *arg) {
    getter *g = arg;
    cxm_qcache_answer a;
    if (cxm_qcache_get(g->qc, g->key, &a) == 0) {
        const char *p = a.body ? strstr(a.body, "\"n\":") : NULL;
        g->n = p ? (int)strtol(p + 4, NULL, 10) : -1;
        g->status = a.status;
        free(a.body);
    }
    return NULL;
}

static void concurrent_misses_of_one_key_compute_once(void **state) {
    (void)state;
    fake *f = fake_new();
    f->sleep_ms = 150;
    cxm_qcache *qc = cache_new(f, 5000, 0);
    enum { N = 16 };
    pthread_t t[N];
    getter g[N];
    for (int i = 0; i < N; i++) {
        g[i] = (getter){qc, "metrics=frt", 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, getter_run, &g[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&f->computes), 1);
    assert_int_equal(atomic_load(&f->snapshots), 1);
    for (int i = 0; i < N; i++) {
        assert_int_equal(g[i].status, 200);
        assert_int_equal(g[i].n, 1);
    }
    cxm_qcache_stats st;
    cxm_qcache_get_stats(qc, &st);
    assert_int_equal(st.misses + st.hits, N); /* a thread starting late finds the answer cached */
    assert_true(st.misses >= 1);
    cxm_qcache_free(qc);
    assert_int_equal(atomic_load(&f->removed), 1); /* the snapshot went with the cache */
    fake_free(f);
}

static void different_keys_share_one_snapshot_of_a_generation(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 0, 0);
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    assert_int_equal(get_n(qc, "by=month", NULL), 2);
    assert_int_equal(atomic_load(&f->snapshots), 1);
    cxm_qcache_bump(qc);
    assert_int_equal(get_n(qc, "by=week", NULL), 3);
    assert_int_equal(atomic_load(&f->snapshots), 2);
    cxm_qcache_free(qc);
    assert_int_equal(atomic_load(&f->removed), 2);
    fake_free(f);
}

/* ---- staleness -------------------------------------------------------------------------- */

static void a_current_answer_is_served_without_computing(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 5000, 0);
    cxm_qcache_how how;
    assert_int_equal(get_n(qc, "by=week", &how), 1);
    assert_int_equal(how, CXM_QCACHE_MISS);
    atomic_fetch_add(&f->now, 3600 * 1000); /* an hour later, no change: still current */
    assert_int_equal(get_n(qc, "by=week", &how), 1);
    assert_int_equal(how, CXM_QCACHE_FRESH);
    assert_int_equal(atomic_load(&f->computes), 1);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void a_stale_answer_within_the_bound_comes_at_once_then_refreshes(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 5000, 0);
    cxm_qcache_how how;
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    cxm_qcache_bump(qc);
    atomic_fetch_add(&f->now, 4000); /* 4 s <= 5 s */
    cxm_qcache_answer a;
    assert_int_equal(cxm_qcache_get(qc, "by=week", &a), 0);
    assert_int_equal(a.how, CXM_QCACHE_STALE);
    assert_int_equal(a.generation, 0);
    assert_int_equal(a.current, 1);
    assert_int_equal(a.data_age_ms, 4000);
    assert_int_equal(a.stale_ms, 4000);
    assert_non_null(strstr(a.body, "\"n\":1"));
    free(a.body);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0); /* the one background refresh */
    assert_int_equal(atomic_load(&f->computes), 2);
    assert_int_equal(get_n(qc, "by=week", &how), 2);
    assert_int_equal(how, CXM_QCACHE_FRESH);
    cxm_qcache_stats st;
    cxm_qcache_get_stats(qc, &st);
    assert_int_equal(st.refreshes, 1);
    assert_int_equal(st.stale_hits, 1);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void many_stale_requests_schedule_one_refresh(void **state) {
    (void)state;
    fake *f = fake_new();
    f->sleep_ms = 100;
    cxm_qcache *qc = cache_new(f, 5000, 0);
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    cxm_qcache_bump(qc);
    atomic_fetch_add(&f->now, 1000);
    enum { N = 16 };
    pthread_t t[N];
    getter g[N];
    for (int i = 0; i < N; i++) {
        g[i] = (getter){qc, "by=week", 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, getter_run, &g[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    assert_int_equal(atomic_load(&f->computes), 2);
    for (int i = 0; i < N; i++) /* the old answer, or the refreshed one if it was already there */
        assert_true(g[i].n == 1 || g[i].n == 2);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void staleness_counts_from_the_first_change_not_from_the_snapshot(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 5000, 0);
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    atomic_fetch_add(&f->now, 3600 * 1000); /* current for an hour */
    cxm_qcache_bump(qc);                    /* then new data */
    atomic_fetch_add(&f->now, 2000);
    cxm_qcache_answer a;
    assert_int_equal(cxm_qcache_get(qc, "by=week", &a), 0);
    assert_int_equal(a.how, CXM_QCACHE_STALE); /* 2 s stale, not an hour */
    assert_int_equal(a.stale_ms, 2000);
    assert_int_equal(a.data_age_ms, 3600 * 1000 + 2000);
    free(a.body);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void a_stale_answer_past_the_bound_is_computed_on_the_request(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 5000, 0);
    cxm_qcache_how how;
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    cxm_qcache_bump(qc);
    atomic_fetch_add(&f->now, 5001);
    assert_int_equal(get_n(qc, "by=week", &how), 2);
    assert_int_equal(how, CXM_QCACHE_MISS);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void staleness_zero_is_always_exact(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 0, 0);
    cxm_qcache_how how;
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    assert_int_equal(get_n(qc, "by=week", &how), 1);
    assert_int_equal(how, CXM_QCACHE_FRESH);
    cxm_qcache_bump(qc);
    atomic_fetch_add(&f->now, 1); /* 1 ms later: already too stale */
    assert_int_equal(get_n(qc, "by=week", &how), 2);
    assert_int_equal(how, CXM_QCACHE_MISS);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void a_write_by_another_process_is_a_change(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 0, 0);
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    uint64_t g = cxm_qcache_generation(qc);
    atomic_store(&f->version, 7); /* PRAGMA data_version moved */
    assert_int_equal(get_n(qc, "by=week", NULL), 2);
    assert_int_equal(cxm_qcache_generation(qc), g + 1);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void the_version_is_polled_at_most_every_check_interval(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 5000, 0); /* check_ms: CXM_QCACHE_CHECK_MS = 100 */
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    atomic_store(&f->version, 3);
    atomic_fetch_add(&f->now, 50); /* before the next poll is due: not seen yet */
    assert_int_equal(cxm_qcache_generation(qc), 0);
    cxm_qcache_how how;
    (void)get_n(qc, "by=week", &how);
    assert_int_equal(how, CXM_QCACHE_FRESH);
    atomic_fetch_add(&f->now, 60); /* 110 ms after the last poll */
    (void)get_n(qc, "by=week", &how);
    assert_int_equal(how, CXM_QCACHE_STALE);
    assert_int_equal(cxm_qcache_generation(qc), 1);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    cxm_qcache_free(qc);
    fake_free(f);
}

/* ---- eviction ----------------------------------------------------------------------------- */

static void entries_are_evicted_least_recently_used_first_by_bytes(void **state) {
    (void)state;
    fake *f = fake_new();
    f->body_pad = 10000;
    /* room for three entries of ~10 kB, not four */
    cxm_qcache *qc = cache_new(f, 5000, 3 * 10000 + 3 * 600);
    assert_int_equal(get_n(qc, "by=day", NULL), 1);
    assert_int_equal(get_n(qc, "by=week", NULL), 2);
    assert_int_equal(get_n(qc, "by=month", NULL), 3);
    assert_int_equal(get_n(qc, "by=day", NULL), 1); /* day is now the most recent; week the least */
    assert_int_equal(get_n(qc, "by=year", NULL), 4);
    cxm_qcache_stats st;
    cxm_qcache_get_stats(qc, &st);
    assert_int_equal(st.evictions, 1);
    assert_int_equal(st.entries, 3);
    assert_true(st.bytes <= 3 * 10000 + 3 * 600);
    assert_int_equal(get_n(qc, "by=day", NULL), 1);   /* kept */
    assert_int_equal(get_n(qc, "by=month", NULL), 3); /* kept */
    assert_int_equal(get_n(qc, "by=week", NULL), 5);  /* evicted: computed again */
    cxm_qcache_free(qc);
    fake_free(f);
}

static void an_answer_larger_than_the_budget_is_served_but_not_kept(void **state) {
    (void)state;
    fake *f = fake_new();
    f->body_pad = 5000;
    cxm_qcache *qc = cache_new(f, 5000, 1000);
    assert_int_equal(get_n(qc, "by=day", NULL), 1);
    assert_int_equal(get_n(qc, "by=day", NULL), 2);
    cxm_qcache_stats st;
    cxm_qcache_get_stats(qc, &st);
    assert_int_equal(st.entries, 0);
    cxm_qcache_free(qc);
    fake_free(f);
}

/* ---- snapshots ---------------------------------------------------------------------------- */

static void *slow_getter(void *arg) {
    return getter_run(arg);
}

static void a_snapshot_in_use_is_not_removed_when_replaced(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 0, 0);
    getter g = {qc, "by=slow", 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_getter, &g), 0);
    while (atomic_load(&f->in_compute) == 0)
        usleep(1000);
    char first[4096];
    pthread_mutex_lock(&f->mu);
    snprintf(first, sizeof first, "%s", f->last_dir);
    pthread_mutex_unlock(&f->mu);
    cxm_qcache_bump(qc);
    assert_int_equal(get_n(qc, "by=week", NULL), 2); /* needs a new snapshot: the first is replaced */
    assert_int_equal(atomic_load(&f->snapshots), 2);
    struct stat sb;
    assert_int_equal(atomic_load(&f->removed), 0); /* the slow computation still reads it */
    assert_int_equal(stat(first, &sb), 0);
    atomic_store(&f->release, 1);
    pthread_join(t, NULL);
    assert_int_equal(g.status, 200);
    assert_int_equal(atomic_load(&f->removed), 1); /* gone with its last reader */
    assert_int_not_equal(stat(first, &sb), 0);
    cxm_qcache_free(qc);
    assert_int_equal(atomic_load(&f->removed), 2);
    fake_free(f);
}

/* ---- warm keys, failures ------------------------------------------------------------------- */

static void a_warm_key_is_computed_and_refreshed_without_requests(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 5000, 1); /* a budget of one byte: warm keys stay anyway */
    assert_int_equal(cxm_qcache_warm(qc, "by=week"), 0);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    assert_int_equal(atomic_load(&f->computes), 1);
    cxm_qcache_bump(qc);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    assert_int_equal(atomic_load(&f->computes), 2);
    cxm_qcache_how how;
    assert_int_equal(get_n(qc, "by=week", &how), 2);
    assert_int_equal(how, CXM_QCACHE_FRESH);
    atomic_store(&f->version, 9); /* another process wrote: the refresher's own poll sees it */
    atomic_fetch_add(&f->now, 1000);
    for (int i = 0; i < 300 && atomic_load(&f->computes) < 3; i++)
        usleep(10000);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    assert_int_equal(atomic_load(&f->computes), 3);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void a_failed_computation_is_answered_but_not_cached(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 5000, 0);
    cxm_qcache_answer a;
    assert_int_equal(cxm_qcache_get(qc, "by=fail", &a), 0);
    assert_int_equal(a.status, 500);
    assert_non_null(strstr(a.body, "{\"error\":"));
    free(a.body);
    assert_int_equal(cxm_qcache_get(qc, "by=fail", &a), 0);
    assert_int_equal(a.status, 500);
    free(a.body);
    assert_int_equal(atomic_load(&f->computes), 2);
    cxm_qcache_stats st;
    cxm_qcache_get_stats(qc, &st);
    assert_int_equal(st.failures, 2);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void a_warm_file_pins_each_query(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new(f, 5000, 0);
    char path[] = "/tmp/cxm-qc-warm-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# dashboard defaults\nmetrics=frt,fcr&by=week,channel\n\n?by=month\nby=month\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    size_t n = 0;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_qcache_warm_file(qc, path, &n, &d), 0);
    assert_int_equal(n, 3);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    assert_int_equal(atomic_load(&f->computes), 2); /* ?by=month and by=month are one key */
    FILE *w = fopen(path, "w");
    fputs("by=week\nbogus=1\n", w);
    fclose(w);
    assert_int_equal(cxm_qcache_warm_file(qc, path, &n, &d), CXM_EUSAGE);
    assert_int_equal(d.line, 2);
    unlink(path);
    cxm_qcache_free(qc);
    fake_free(f);
}

/* ---- stream sets and reused files ---------------------------------------------------------- */

static void a_query_snapshots_only_the_streams_its_plan_names(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 0, 0, 0, 1);
    assert_int_equal(get_n(qc, "by=survey1", NULL), 1);
    assert_int_equal(get_n(qc, "by=week", NULL), 2);
    assert_int_equal(get_n(qc, "by=survey2", NULL), 3); /* shares the responses' snapshot */
    assert_int_equal(atomic_load(&f->snapshots), 2);
    assert_int_equal(f->req[0].streams, CXM_SNAP_RESPONSES);
    assert_int_equal(f->req[1].streams, CXM_SNAP_TICKETS | CXM_SNAP_MESSAGES);
    cxm_qcache_free(qc);
    assert_int_equal(atomic_load(&f->removed), 2);
    fake_free(f);
}

static void a_snapshot_of_a_larger_set_serves_a_smaller_one(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 0, 0, 0, 1);
    assert_int_equal(get_n(qc, "by=join", NULL), 1);
    assert_int_equal(get_n(qc, "by=survey", NULL), 2);
    assert_int_equal(get_n(qc, "by=week", NULL), 3);
    assert_int_equal(atomic_load(&f->snapshots), 1);
    assert_int_equal(f->req[0].streams, CXM_SNAP_ALL);
    cxm_qcache_free(qc);
    fake_free(f);
}

/* one of the server's imports into stream (changed rows or not); outside:
 * another writer also commits meanwhile (seen through a real store: a second
 * connection commits while the import's own one watches) */
static void ingest(cxm_qcache *qc, fake *f, const char *stream, int changed, int outside) {
    char dir[] = "/tmp/cxm-qc-store-XXXXXX", db[64];
    cxm_store *st = NULL, *other = NULL;
    cxm_diag d;
    if (outside) {
        assert_non_null(mkdtemp(dir));
        snprintf(db, sizeof db, "%s/s.db", dir);
        assert_int_equal(cxm_store_open(db, CXM_STORE_CREATE, &st, &d), 0);
        assert_int_equal(cxm_store_open(db, 0, &other, &d), 0);
    }
    cxm_qcache_ingest in;
    cxm_qcache_ingest_begin(qc, &in, st);
    if (changed) atomic_fetch_add(&f->version, 1); /* its own commit moves the version */
    if (outside) {
        char tok[CXM_TOKEN_LEN + 1];
        assert_int_equal(cxm_store_token_create(other, CXM_SCOPE_READ, tok, sizeof tok, NULL, &d), 0);
    }
    cxm_qcache_ingest_end(qc, &in, st, stream, changed);
    if (outside) {
        cxm_store_close(st);
        cxm_store_close(other);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

static void overlapping_imports_dirty_every_stream(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 0, 0, 0, 1);
    assert_int_equal(get_n(qc, "by=join", NULL), 1);
    cxm_qcache_ingest a, b;
    cxm_qcache_ingest_begin(qc, &a, NULL);
    cxm_qcache_ingest_begin(qc, &b, NULL); /* a second import while the first runs */
    atomic_fetch_add(&f->version, 2);
    cxm_qcache_ingest_end(qc, &b, NULL, "responses", 1);
    cxm_qcache_ingest_end(qc, &a, NULL, "responses", 1);
    assert_int_equal(get_n(qc, "by=join", NULL), 2);
    for (int i = 0; i < 3; i++)
        assert_string_equal(f->reuse[1][i], "");
    /* one at a time again: reuse is back */
    ingest(qc, f, "responses", 1, 0);
    assert_int_equal(get_n(qc, "by=join", NULL), 3);
    assert_string_equal(f->reuse[2][0], f->dirs[1]);
    assert_string_equal(f->reuse[2][2], "");
    cxm_qcache_free(qc);
    fake_free(f);
}

static void a_forced_poll_waits_for_the_imports_under_way(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 0, 0, 0, 1);
    assert_int_equal(get_n(qc, "by=join", NULL), 1);
    cxm_qcache_ingest a;
    cxm_qcache_ingest_begin(qc, &a, NULL);
    atomic_fetch_add(&f->version, 1); /* committed, not yet ended */
    getter g = {qc, "by=join", 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, getter_run, &g), 0);
    usleep(100 * 1000);
    assert_int_equal(g.status, 0); /* S = 0: its poll waits for the import */
    cxm_qcache_ingest_end(qc, &a, NULL, "responses", 1);
    pthread_join(t, NULL);
    assert_int_equal(g.n, 2);
    assert_int_equal(cxm_qcache_generation(qc), 1); /* one change, the import's */
    assert_string_equal(f->reuse[1][0], f->dirs[0]);  /* tickets reused */
    cxm_qcache_free(qc);
    fake_free(f);
}

static void an_unwritten_stream_is_linked_from_the_last_snapshot_that_read_it(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 0, 0, 0, 1);
    assert_int_equal(get_n(qc, "by=join", NULL), 1);
    ingest(qc, f, "responses", 1, 0);
    assert_int_equal(get_n(qc, "by=join", NULL), 2);
    assert_int_equal(atomic_load(&f->snapshots), 2);
    /* tickets and messages from the first snapshot, responses exported */
    assert_string_equal(f->reuse[1][0], f->dirs[0]);
    assert_string_equal(f->reuse[1][1], f->dirs[0]);
    assert_string_equal(f->reuse[1][2], "");
    ingest(qc, f, "tickets", 1, 0);
    assert_int_equal(get_n(qc, "by=join", NULL), 3);
    /* the first snapshot is gone: messages and responses from the second */
    assert_string_equal(f->reuse[2][0], "");
    assert_string_equal(f->reuse[2][1], f->dirs[1]);
    assert_string_equal(f->reuse[2][2], f->dirs[1]);
    cxm_qcache_stats st;
    cxm_qcache_get_stats(qc, &st);
    assert_int_equal(st.files_written, 3 + 1 + 1);
    assert_int_equal(st.files_linked, 2 + 2);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void an_import_that_changed_nothing_is_no_new_generation(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 0, 0, 0, 1);
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    ingest(qc, f, "tickets", 0, 0);
    cxm_qcache_how how;
    assert_int_equal(get_n(qc, "by=week", &how), 1);
    assert_int_equal(how, CXM_QCACHE_FRESH);
    assert_int_equal(cxm_qcache_generation(qc), 0);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void an_import_own_version_change_is_one_generation(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 0, 0, 0, 1);
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    ingest(qc, f, "tickets", 1, 0); /* the version moved inside the bracket: absorbed */
    assert_int_equal(cxm_qcache_generation(qc), 1);
    assert_int_equal(get_n(qc, "by=week", NULL), 2);
    cxm_qcache_how how;
    assert_int_equal(get_n(qc, "by=week", &how), 2); /* the poll (S = 0: every request) sees nothing new */
    assert_int_equal(how, CXM_QCACHE_FRESH);
    assert_int_equal(cxm_qcache_generation(qc), 1);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void writes_the_cache_cannot_attribute_dirty_every_stream(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 0, 0, 0, 1);
    assert_int_equal(get_n(qc, "by=join", NULL), 1);
    atomic_store(&f->version, 100); /* another process wrote */
    assert_int_equal(get_n(qc, "by=join", NULL), 2);
    ingest(qc, f, "responses", 1, 1); /* another writer committed during the import */
    assert_int_equal(get_n(qc, "by=join", NULL), 3);
    cxm_qcache_bump(qc); /* a change without a stream */
    assert_int_equal(get_n(qc, "by=join", NULL), 4);
    ingest(qc, f, "bogus", 1, 0); /* an unknown stream */
    assert_int_equal(get_n(qc, "by=join", NULL), 5);
    assert_int_equal(atomic_load(&f->snapshots), 5);
    for (int n = 1; n < 5; n++)
        for (int i = 0; i < 3; i++)
            assert_string_equal(f->reuse[n][i], "");
    cxm_qcache_free(qc);
    fake_free(f);
}

static void a_write_before_an_import_is_not_taken_for_the_import(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 5000, 0, 0, 1); /* polls every 100 ms of the clock */
    assert_int_equal(get_n(qc, "by=join", NULL), 1);
    atomic_store(&f->version, 100); /* another process, not yet polled */
    ingest(qc, f, "responses", 1, 0);
    atomic_fetch_add(&f->now, 1);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    cxm_qcache_how how;
    (void)get_n(qc, "by=join", &how);
    assert_int_equal(how, CXM_QCACHE_STALE);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    assert_int_equal(atomic_load(&f->snapshots), 2);
    for (int i = 0; i < 3; i++)
        assert_string_equal(f->reuse[1][i], "");
    cxm_qcache_free(qc);
    fake_free(f);
}

/* ---- waiting at most max_wait ------------------------------------------------------------------ */

static int64_t real_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void past_the_bound_a_request_waits_at_most_max_wait_then_gets_the_stale_answer(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 1000, 0, 150, 0);
    atomic_store(&f->release, 1);
    assert_int_equal(get_n(qc, "by=slow", NULL), 1);
    atomic_store(&f->release, 0); /* the next computation hangs */
    cxm_qcache_bump(qc);
    atomic_fetch_add(&f->now, 2000); /* 2 s stale: past the bound of 1 s */
    int64_t t0 = real_ms();
    cxm_qcache_answer a;
    assert_int_equal(cxm_qcache_get(qc, "by=slow", &a), 0);
    int64_t waited = real_ms() - t0;
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "\"n\":1"));
    assert_int_equal(a.how, CXM_QCACHE_STALE);
    assert_int_equal(a.late, 1);
    assert_int_equal(a.stale_ms, 2000);
    assert_int_equal(a.bound_ms, 1000);
    assert_true(waited >= 140 && waited < 3000);
    free(a.body);
    /* the refresh still runs: the next request does not wait again */
    t0 = real_ms();
    assert_int_equal(cxm_qcache_get(qc, "by=slow", &a), 0);
    assert_true(real_ms() - t0 < 100);
    assert_int_equal(a.late, 1);
    free(a.body);
    atomic_store(&f->release, 1); /* the refresh ends */
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0);
    cxm_qcache_how how;
    assert_int_equal(get_n(qc, "by=slow", &how), 2);
    assert_int_equal(how, CXM_QCACHE_FRESH);
    cxm_qcache_stats st;
    cxm_qcache_get_stats(qc, &st);
    assert_int_equal(st.late, 2);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void with_no_wait_an_answer_past_the_bound_comes_at_once(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 1000, 0, CXM_QCACHE_NO_WAIT, 0);
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    cxm_qcache_bump(qc);
    atomic_fetch_add(&f->now, 5000);
    cxm_qcache_answer a;
    assert_int_equal(cxm_qcache_get(qc, "by=week", &a), 0);
    assert_non_null(strstr(a.body, "\"n\":1"));
    assert_int_equal(a.late, 1);
    assert_int_equal(a.stale_ms, 5000);
    free(a.body);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0); /* the refresh it scheduled */
    assert_int_equal(get_n(qc, "by=week", NULL), 2);
    cxm_qcache_free(qc);
    fake_free(f);
}

/* A request's own bound (cxm_qcache_get_wait: the server's Cache-Control:
 * max-stale) overrides the cache's: with a 5 s --max-wait and a refresh
 * that hangs, that request is answered at once; one without still waits. */
static void a_request_that_accepts_stale_answers_never_waits(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 1000, 0, 5000, 0);
    atomic_store(&f->release, 1);
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    atomic_store(&f->release, 0); /* the refresh hangs */
    cxm_qcache_bump(qc);
    atomic_fetch_add(&f->now, 3000);
    int64_t t0 = real_ms();
    cxm_qcache_answer a;
    assert_int_equal(cxm_qcache_get_wait(qc, "by=week", CXM_QCACHE_NO_WAIT, &a), 0);
    assert_true(real_ms() - t0 < 1000);
    assert_non_null(strstr(a.body, "\"n\":1"));
    assert_int_equal(a.how, CXM_QCACHE_STALE);
    assert_int_equal(a.late, 1);
    assert_int_equal(a.stale_ms, 3000);
    free(a.body);
    atomic_store(&f->release, 1);
    assert_int_equal(cxm_qcache_wait_idle(qc, 5000), 0); /* the refresh it scheduled */
    assert_int_equal(get_n(qc, "by=week", NULL), 2);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void past_the_bound_a_refresh_within_max_wait_is_taken(void **state) {
    (void)state;
    fake *f = fake_new();
    f->sleep_ms = 20;
    cxm_qcache *qc = cache_new_with(f, 1000, 0, 5000, 0);
    assert_int_equal(get_n(qc, "by=week", NULL), 1);
    cxm_qcache_bump(qc);
    atomic_fetch_add(&f->now, 2000);
    cxm_qcache_answer a;
    assert_int_equal(cxm_qcache_get(qc, "by=week", &a), 0);
    assert_non_null(strstr(a.body, "\"n\":2"));
    assert_int_equal(a.how, CXM_QCACHE_MISS);
    assert_int_equal(a.late, 0);
    assert_int_equal(a.stale_ms, 0);
    free(a.body);
    cxm_qcache_free(qc);
    fake_free(f);
}

static void staleness_zero_waits_for_the_exact_answer_whatever_max_wait(void **state) {
    (void)state;
    fake *f = fake_new();
    cxm_qcache *qc = cache_new_with(f, 0, 0, 50, 0);
    atomic_store(&f->release, 1);
    assert_int_equal(get_n(qc, "by=slow", NULL), 1);
    atomic_store(&f->release, 0);
    cxm_qcache_bump(qc);
    getter g = {qc, "by=slow", 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, getter_run, &g), 0);
    usleep(300 * 1000);
    assert_int_equal(g.status, 0); /* still waiting, well past max_wait */
    atomic_store(&f->release, 1);
    pthread_join(t, NULL);
    assert_int_equal(g.n, 2);
    cxm_qcache_free(qc);
    fake_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_sorts_parameters_and_ignores_their_order),
        cmocka_unit_test(key_sorts_repeated_where_and_encodes_values),
        cmocka_unit_test(key_keeps_the_last_of_a_repeated_parameter),
        cmocka_unit_test(key_refuses_unknown_parameters_and_missing_values),
        cmocka_unit_test(key_round_trips_through_parse),
        cmocka_unit_test(concurrent_misses_of_one_key_compute_once),
        cmocka_unit_test(different_keys_share_one_snapshot_of_a_generation),
        cmocka_unit_test(a_current_answer_is_served_without_computing),
        cmocka_unit_test(a_stale_answer_within_the_bound_comes_at_once_then_refreshes),
        cmocka_unit_test(many_stale_requests_schedule_one_refresh),
        cmocka_unit_test(staleness_counts_from_the_first_change_not_from_the_snapshot),
        cmocka_unit_test(a_stale_answer_past_the_bound_is_computed_on_the_request),
        cmocka_unit_test(staleness_zero_is_always_exact),
        cmocka_unit_test(a_write_by_another_process_is_a_change),
        cmocka_unit_test(the_version_is_polled_at_most_every_check_interval),
        cmocka_unit_test(entries_are_evicted_least_recently_used_first_by_bytes),
        cmocka_unit_test(an_answer_larger_than_the_budget_is_served_but_not_kept),
        cmocka_unit_test(a_snapshot_in_use_is_not_removed_when_replaced),
        cmocka_unit_test(a_warm_key_is_computed_and_refreshed_without_requests),
        cmocka_unit_test(a_failed_computation_is_answered_but_not_cached),
        cmocka_unit_test(a_warm_file_pins_each_query),
        cmocka_unit_test(a_query_snapshots_only_the_streams_its_plan_names),
        cmocka_unit_test(a_snapshot_of_a_larger_set_serves_a_smaller_one),
        cmocka_unit_test(an_unwritten_stream_is_linked_from_the_last_snapshot_that_read_it),
        cmocka_unit_test(an_import_that_changed_nothing_is_no_new_generation),
        cmocka_unit_test(an_import_own_version_change_is_one_generation),
        cmocka_unit_test(writes_the_cache_cannot_attribute_dirty_every_stream),
        cmocka_unit_test(a_write_before_an_import_is_not_taken_for_the_import),
        cmocka_unit_test(overlapping_imports_dirty_every_stream),
        cmocka_unit_test(a_forced_poll_waits_for_the_imports_under_way),
        cmocka_unit_test(past_the_bound_a_request_waits_at_most_max_wait_then_gets_the_stale_answer),
        cmocka_unit_test(past_the_bound_a_refresh_within_max_wait_is_taken),
        cmocka_unit_test(with_no_wait_an_answer_past_the_bound_comes_at_once),
        cmocka_unit_test(a_request_that_accepts_stale_answers_never_waits),
        cmocka_unit_test(staleness_zero_waits_for_the_exact_answer_whatever_max_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
