/*
 * test_dims_cache.c - the kept answer of GET /v1/dimensions
 * (src/server/dims_cache.h): fresh answers, stale-while-revalidate, single
 * flight, failures, warm-up. A fake computation (counted, optionally held
 * at a gate, optionally failing) and an injected clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/dims_cache.c"

static int64_t fake_now;
static int64_t now_fake(void) { return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST); }
static void advance(int64_t ms) { __atomic_add_fetch(&fake_now, ms, __ATOMIC_SEQ_CST); }

typedef struct fake {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls;   /* computations started */
    int hold;    /* 1: computations wait at the gate until released */
    int inside;  /* computations waiting at the gate */
    int fail;    /* the next computations fail while > 0 */
    int64_t takes; /* fake milliseconds a computation lasts */
    uint64_t version;
} fake;

static uint64_t version_fake(void *ud) { return __atomic_load_n(&((fake *)ud)->version, __ATOMIC_SEQ_CST); }

static int compute_fake(void *ud, char **out, size_t *len, cxm_diag *diag) {
    fake *f = ud;
    pthread_mutex_lock(&f->mu);
    int n = ++f->calls;
    f->inside++;
    pthread_cond_broadcast(&f->cv);
    while (f->hold) pthread_cond_wait(&f->cv, &f->mu);
    f->inside--;
    int fail = f->fail > 0;
    if (fail) f->fail--;
    __atomic_add_fetch(&fake_now, f->takes, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&f->mu);
    if (fail) return cxm_diag_set(diag, CXM_EIO, "store.db", 0, 0, NULL, "the store is locked");
    char buf[32];
    int k = snprintf(buf, sizeof buf, "{\"v\":%d}", n);
    *out = malloc((size_t)k);
    if (!*out) return CXM_ENOMEM;
    memcpy(*out, buf, (size_t)k);
    *len = (size_t)k;
    return CXM_OK;
}

static fake F;

static int setup(void **state) {
    (void)state;
    memset(&F, 0, sizeof F);
    pthread_mutex_init(&F.mu, NULL);
    pthread_cond_init(&F.cv, NULL);
    fake_now = 1000000;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    pthread_cond_destroy(&F.cv);
    pthread_mutex_destroy(&F.mu);
    return 0;
}

static void expect_body(cxm_dims_cache *c, const char *want, int64_t want_age) {
    char *b = NULL;
    size_t n = 0;
    int64_t age = -1;
    cxm_diag d;
    assert_int_equal(cxm_dims_cache_get(c, &b, &n, &age, &d), CXM_OK);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(b, want, n);
    if (want_age >= 0) assert_int_equal(age, want_age);
    free(b);
}

static void wait_calls_done(cxm_dims_cache *c, uint64_t computations) {
    for (int i = 0; i < 5000; i++) {
        pthread_mutex_lock(&c->mu);
        int done = c->st.computations >= computations && !c->computing;
        pthread_mutex_unlock(&c->mu);
        if (done) return;
        usleep(1000);
    }
    fail_msg("the background computation did not finish");
}

static void first_request_computes_and_later_ones_within_the_age_are_served(void **state) {
    (void)state;
    cxm_dims_cache *c;
    assert_int_equal(cxm_dims_cache_new(compute_fake, NULL, &F, 60000, 0, now_fake, &c), CXM_OK);
    expect_body(c, "{\"v\":1}", 0);
    advance(59999);
    expect_body(c, "{\"v\":1}", 59999);
    cxm_dims_cache_stats st;
    cxm_dims_cache_get_stats(c, &st);
    assert_int_equal(st.computations, 1);
    assert_int_equal(st.fresh, 1);
    assert_int_equal(st.stale, 0);
    cxm_dims_cache_free(c);
}

static void an_old_answer_is_served_at_once_and_replaced_in_the_background(void **state) {
    (void)state;
    cxm_dims_cache *c;
    assert_int_equal(cxm_dims_cache_new(compute_fake, NULL, &F, 60000, 0, now_fake, &c), CXM_OK);
    expect_body(c, "{\"v\":1}", 0);
    advance(60000);
    F.hold = 1; /* the refresh waits at the gate: the stale answer must not */
    expect_body(c, "{\"v\":1}", 60000);
    expect_body(c, "{\"v\":1}", 60000); /* one refresh, not two */
    pthread_mutex_lock(&F.mu);
    while (F.inside == 0) pthread_cond_wait(&F.cv, &F.mu);
    F.hold = 0;
    pthread_cond_broadcast(&F.cv);
    pthread_mutex_unlock(&F.mu);
    wait_calls_done(c, 2);
    expect_body(c, "{\"v\":2}", 0);
    cxm_dims_cache_stats st;
    cxm_dims_cache_get_stats(c, &st);
    assert_int_equal(st.computations, 2);
    assert_int_equal(st.stale, 2);
    cxm_dims_cache_free(c);
}

typedef struct getter {
    cxm_dims_cache *c;
    int rc;
    char body[32];
} getter;

static void *get_thread(void *arg) {
    getter *g = arg;
    char *b = NULL;
    size_t n = 0;
    cxm_diag d;
    g->rc = cxm_dims_cache_get(g->c, &b, &n, NULL, &d);
    if (!g->rc) snprintf(g->body, sizeof g->body, "%.*s", (int)n, b);
    free(b);
    return NULL;
}

static void concurrent_first_requests_share_one_computation(void **state) {
    (void)state;
    cxm_dims_cache *c;
    assert_int_equal(cxm_dims_cache_new(compute_fake, NULL, &F, 60000, 0, now_fake, &c), CXM_OK);
    F.hold = 1;
    enum { N = 4 };
    getter g[N];
    pthread_t th[N];
    g[0].c = c;
    assert_int_equal(pthread_create(&th[0], NULL, get_thread, &g[0]), 0);
    pthread_mutex_lock(&F.mu);
    while (F.inside == 0) pthread_cond_wait(&F.cv, &F.mu); /* the first one computes */
    pthread_mutex_unlock(&F.mu);
    for (int i = 1; i < N; i++) {
        g[i].c = c;
        assert_int_equal(pthread_create(&th[i], NULL, get_thread, &g[i]), 0);
    }
    for (int i = 0; i < 2000; i++) { /* the others wait for it */
        cxm_dims_cache_stats st;
        cxm_dims_cache_get_stats(c, &st);
        if (st.waited == N - 1) break;
        usleep(1000);
    }
    pthread_mutex_lock(&F.mu);
    F.hold = 0;
    pthread_cond_broadcast(&F.cv);
    pthread_mutex_unlock(&F.mu);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(g[i].rc, CXM_OK);
        assert_string_equal(g[i].body, "{\"v\":1}");
    }
    cxm_dims_cache_stats st;
    cxm_dims_cache_get_stats(c, &st);
    assert_int_equal(st.computations, 1);
    assert_int_equal(st.waited, N - 1);
    cxm_dims_cache_free(c);
}

static void a_failure_is_returned_and_the_next_request_tries_again(void **state) {
    (void)state;
    cxm_dims_cache *c;
    assert_int_equal(cxm_dims_cache_new(compute_fake, NULL, &F, 60000, 0, now_fake, &c), CXM_OK);
    F.fail = 1;
    char *b = NULL;
    size_t n = 0;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_dims_cache_get(c, &b, &n, NULL, &d), CXM_EIO);
    assert_null(b);
    assert_non_null(strstr(d.msg, "the store is locked"));
    expect_body(c, "{\"v\":2}", 0);
    cxm_dims_cache_free(c);
}

static void a_failed_refresh_keeps_the_old_answer(void **state) {
    (void)state;
    cxm_dims_cache *c;
    assert_int_equal(cxm_dims_cache_new(compute_fake, NULL, &F, 1000, 0, now_fake, &c), CXM_OK);
    expect_body(c, "{\"v\":1}", 0);
    advance(1000);
    F.fail = 1;
    expect_body(c, "{\"v\":1}", 1000); /* starts the refresh, which fails */
    wait_calls_done(c, 2);
    expect_body(c, "{\"v\":1}", 1000); /* still the old one; another refresh starts */
    wait_calls_done(c, 3);
    expect_body(c, "{\"v\":3}", 0);
    cxm_dims_cache_stats st;
    cxm_dims_cache_get_stats(c, &st);
    assert_int_equal(st.failures, 1);
    cxm_dims_cache_free(c);
}

static void warm_up_computes_before_the_first_request_which_waits_for_it(void **state) {
    (void)state;
    cxm_dims_cache *c;
    assert_int_equal(cxm_dims_cache_new(compute_fake, NULL, &F, 60000, 0, now_fake, &c), CXM_OK);
    F.hold = 1;
    assert_int_equal(cxm_dims_cache_warm(c), CXM_OK);
    assert_int_equal(cxm_dims_cache_warm(c), CXM_OK); /* under way: no second one */
    pthread_mutex_lock(&F.mu);
    while (F.inside == 0) pthread_cond_wait(&F.cv, &F.mu);
    F.hold = 0;
    pthread_cond_broadcast(&F.cv);
    pthread_mutex_unlock(&F.mu);
    expect_body(c, "{\"v\":1}", -1);
    cxm_dims_cache_stats st;
    cxm_dims_cache_get_stats(c, &st);
    assert_int_equal(st.computations, 1);
    assert_int_equal(cxm_dims_cache_warm(c), CXM_OK); /* fresh: nothing to do */
    cxm_dims_cache_get_stats(c, &st);
    assert_int_equal(st.computations, 1);
    cxm_dims_cache_free(c);
}

/* The data's version: a change makes the answer stale whatever its age;
 * a cheap computation (under sync_ms) is redone on the request, so a
 * small store answers exactly right after an import. */
static void a_data_change_is_answered_exactly_when_the_computation_is_cheap(void **state) {
    (void)state;
    cxm_dims_cache *c;
    F.takes = 5;
    assert_int_equal(cxm_dims_cache_new(compute_fake, version_fake, &F, 60000, 1000, now_fake, &c), CXM_OK);
    expect_body(c, "{\"v\":1}", 5);
    expect_body(c, "{\"v\":1}", 5); /* same version, young: current */
    F.version = 1;                    /* an import */
    expect_body(c, "{\"v\":2}", 5);  /* recomputed on this request */
    cxm_dims_cache_stats st;
    cxm_dims_cache_get_stats(c, &st);
    assert_int_equal(st.computations, 2);
    assert_int_equal(st.sync_refreshes, 1);
    assert_int_equal(st.stale, 0);
    cxm_dims_cache_free(c);
}

/* An expensive computation (a large store): after a change the old answer
 * is served at once and replaced in the background. */
static void a_data_change_serves_the_old_answer_when_the_computation_is_long(void **state) {
    (void)state;
    cxm_dims_cache *c;
    F.takes = 15000; /* 15 s: a 10M store */
    assert_int_equal(cxm_dims_cache_new(compute_fake, version_fake, &F, 60000, 1000, now_fake, &c), CXM_OK);
    expect_body(c, "{\"v\":1}", 15000);
    F.version = 1;
    F.hold = 1;
    expect_body(c, "{\"v\":1}", 15000); /* at once, though stale */
    pthread_mutex_lock(&F.mu);
    while (F.inside == 0) pthread_cond_wait(&F.cv, &F.mu);
    F.hold = 0;
    pthread_cond_broadcast(&F.cv);
    pthread_mutex_unlock(&F.mu);
    wait_calls_done(c, 2);
    expect_body(c, "{\"v\":2}", 15000);
    cxm_dims_cache_stats st;
    cxm_dims_cache_get_stats(c, &st);
    assert_int_equal(st.stale, 1);
    assert_int_equal(st.sync_refreshes, 0);
    cxm_dims_cache_free(c);
}

static void free_waits_for_a_refresh_under_way(void **state) {
    (void)state;
    cxm_dims_cache *c;
    assert_int_equal(cxm_dims_cache_new(compute_fake, NULL, &F, 0, 0, now_fake, &c), CXM_OK);
    expect_body(c, "{\"v\":1}", 0); /* max age 0: this starts a refresh at once */
    expect_body(c, "{\"v\":1}", 0);
    cxm_dims_cache_free(c); /* joins it (valgrind/ASan: nothing leaks) */
    cxm_dims_cache_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(first_request_computes_and_later_ones_within_the_age_are_served, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_old_answer_is_served_at_once_and_replaced_in_the_background, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(concurrent_first_requests_share_one_computation, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failure_is_returned_and_the_next_request_tries_again, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_refresh_keeps_the_old_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(warm_up_computes_before_the_first_request_which_waits_for_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_data_change_is_answered_exactly_when_the_computation_is_cheap, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_data_change_serves_the_old_answer_when_the_computation_is_long, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(free_waits_for_a_refresh_under_way, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
