/*
 * test_qcache_live.c - the query cache's live reports (src/server/qcache.h
 * "Live reports") on a real store with the default callbacks: the cache
 * keeps a key's report state from its second computation on and, after
 * imports that only inserted rows, adds the rows after the last one it
 * read; every answer equals byte for byte the JSON of `cxm report --store`
 * (cxm_report_run with opts.store) at that point. An update, a write by
 * another connection or a failed import drop it; at most max_live
 * keys keep one (the least recently used is dropped); a state is built
 * when the changes since the key's last computation were only inserts; a query that is not
 * mergeable (a --compare window) never keeps one.
 * Data: `cxm sample` (800 tickets, 200 answers), imported in pieces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cxm.h"
#include "server/qcache.c" /* (the server's sources are the cxm executable's, as test_qcache) */
#include "store/store.h"

static char dir[256], db[300];

static void path_of(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", dir, name); }

/* Writes records [from, to) (0-based) of the sample's stream to name. */
static void piece(const char *stream, size_t from, size_t to, const char *name) {
    char src[400], dst[400], cmd[2000];
    snprintf(src, sizeof src, "%s/sample/%s.csv", dir, stream);
    path_of(dst, sizeof dst, name);
    snprintf(cmd, sizeof cmd, "head -1 '%s' > '%s' && sed -n '%zu,%zup' '%s' >> '%s'", src, dst, from + 2, to + 1, src,
             dst);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cxm_test_qcache_live_%d", (int)getpid());
    mkdir(dir, 0700);
    char sd[300];
    snprintf(sd, sizeof sd, "%s/sample", dir);
    cxm_sample_opts so;
    cxm_sample_defaults(&so);
    so.dir = sd;
    so.tickets = 800;
    so.messages = 0;
    so.responses = 200;
    so.unanswered = 1;
    cxm_diag d;
    if (cxm_sample_write(&so, &d)) return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh store and a cache on it (--max-staleness 0). */
static cxm_qcache *fresh_cache(int max_live) {
    snprintf(db, sizeof db, "%s/s.db", dir);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -f '%s' '%s-wal' '%s-shm'", db, db, db);
    assert_int_equal(system(cmd), 0);
    cxm_store *st = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open(db, CXM_STORE_CREATE, &st, &d), CXM_OK);
    cxm_store_close(st);
    cxm_qcache_opts o;
    memset(&o, 0, sizeof o);
    o.store = db;
    o.max_live = max_live;
    cxm_qcache *qc = NULL;
    assert_int_equal(cxm_qcache_new(&o, &qc, &d), CXM_OK);
    return qc;
}

/* One of the server's imports (as server.c brackets it); own = 0: another
 * writer, the cache not told. Returns the rows updated. */
static uint64_t import(cxm_qcache *qc, const char *stream, const char *name, int own) {
    char p[400];
    path_of(p, sizeof p, name);
    cxm_store *st = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open(db, 0, &st, &d), CXM_OK);
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    o.stream = stream;
    o.path = p;
    cxm_store_counts n;
    memset(&n, 0, sizeof n);
    cxm_qcache_ingest in;
    if (own) cxm_qcache_ingest_begin(qc, &in, st);
    int rc = cxm_store_import(st, &o, &n, &d);
    if (own) {
        in.appended = !rc && !n.updated;
        cxm_qcache_ingest_end(qc, &in, st, stream, n.inserted + n.updated > 0 || rc);
    }
    assert_int_equal(rc, CXM_OK);
    cxm_store_close(st);
    return n.updated;
}

/* The cache's answer to query and `cxm report --store` with the same options: equal. */
static void answer_equals_the_report(cxm_qcache *qc, const char *query, const cxm_report_opts *ro) {
    cxm_qcache_key k;
    memset(&k, 0, sizeof k);
    char *key = NULL;
    assert_int_equal(cxm_qcache_key_parse(&k, query), CXM_OK);
    assert_int_equal(cxm_qcache_key_finish(&k, &key), CXM_OK);
    cxm_qcache_key_free(&k);
    cxm_qcache_answer a;
    assert_int_equal(cxm_qcache_get(qc, key, &a), CXM_OK);
    free(key);
    assert_int_equal(a.status, 200);
    cxm_report_opts o = *ro;
    o.store = db;
    cxm_result_set *rs = NULL;
    cxm_diag d;
    assert_int_equal(cxm_report_run(&o, &rs, &d), CXM_OK);
    char *want = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&want, &len);
    assert_non_null(f);
    assert_int_equal(cxm_result_render(rs, CXM_FORMAT_JSON, NULL, f), CXM_OK);
    fclose(f);
    cxm_result_set_free(rs);
    if (strcmp(a.body, want)) fail_msg("%s: the cache's answer differs from the report:\n%.300s\n%.300s", query, a.body, want);
    free(want);
    free(a.body);
}

static cxm_qcache_stats stats(cxm_qcache *qc) {
    cxm_qcache_stats s;
    cxm_qcache_get_stats(qc, &s);
    return s;
}

static const char *const Q1 = "metrics=volume,frt,resolution_time,backlog&by=month,channel";
static cxm_report_opts R1(void) {
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.metrics = "volume,frt,resolution_time,backlog";
    o.by = "month,channel";
    return o;
}

static void inserts_are_added_to_the_kept_state_and_answer_as_a_full_report(void **state) {
    (void)state;
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%d.csv", i);
        piece("tickets", (size_t)i * 160, (size_t)i * 160 + 160, name);
    }
    cxm_qcache *qc = fresh_cache(0);
    cxm_report_opts ro = R1();
    import(qc, "tickets", "t0.csv", 1);
    answer_equals_the_report(qc, Q1, &ro); /* first computation: a snapshot */
    assert_int_equal(stats(qc).live_builds, 0);
    import(qc, "tickets", "t1.csv", 1);
    answer_equals_the_report(qc, Q1, &ro); /* the second: the state is built */
    assert_int_equal(stats(qc).live_builds, 1);
    for (int i = 2; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%d.csv", i);
        import(qc, "tickets", name, 1);
        answer_equals_the_report(qc, Q1, &ro);
        assert_int_equal(stats(qc).live_adds, (uint64_t)i - 1);
    }
    assert_int_equal(stats(qc).live_builds, 1);
    assert_int_equal(stats(qc).snapshots, 1);
    cxm_qcache_free(qc);
}

static void an_update_or_a_write_by_another_connection_drops_the_state(void **state) {
    (void)state;
    piece("tickets", 0, 300, "a.csv");
    piece("tickets", 300, 450, "b.csv");
    piece("tickets", 450, 550, "c.csv");
    piece("tickets", 550, 700, "d.csv");
    piece("tickets", 700, 800, "e.csv");
    cxm_qcache *qc = fresh_cache(0);
    cxm_report_opts ro = R1();
    import(qc, "tickets", "a.csv", 1);
    answer_equals_the_report(qc, Q1, &ro);
    import(qc, "tickets", "b.csv", 1);
    answer_equals_the_report(qc, Q1, &ro);
    assert_int_equal(stats(qc).live_builds, 1);
    /* a changed ticket of a.csv: its channel */
    char p[400], cmd[1400];
    path_of(p, sizeof p, "u.csv");
    snprintf(cmd, sizeof cmd,
             "head -2 '%s/a.csv' | sed '2s/,email,/,phone,/; 2s/,chat,/,phone,/; 2s/,web,/,phone,/' > '%s'", dir, p);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(import(qc, "tickets", "u.csv", 1), 1);
    answer_equals_the_report(qc, Q1, &ro); /* the snapshot path: the state is dropped */
    assert_int_equal(stats(qc).live_builds, 1);
    assert_int_equal(stats(qc).live_adds, 0);
    import(qc, "tickets", "c.csv", 1);
    answer_equals_the_report(qc, Q1, &ro); /* only inserts since: built again */
    assert_int_equal(stats(qc).live_builds, 2);
    import(qc, "tickets", "d.csv", 0); /* another writer */
    answer_equals_the_report(qc, Q1, &ro);
    assert_int_equal(stats(qc).live_builds, 2);
    assert_int_equal(stats(qc).live_adds, 0);
    import(qc, "tickets", "e.csv", 1);
    answer_equals_the_report(qc, Q1, &ro);
    assert_int_equal(stats(qc).live_builds, 3);
    cxm_qcache_free(qc);
}

static void survey_answers_are_added_too(void **state) {
    (void)state;
    piece("responses", 0, 80, "r0.csv");
    piece("responses", 80, 150, "r1.csv");
    piece("responses", 150, 200, "r2.csv");
    piece("tickets", 0, 800, "all.csv");
    cxm_qcache *qc = fresh_cache(0);
    cxm_report_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.metrics = "csat,nps,response_rate";
    ro.by = "week";
    const char *q = "metrics=csat,nps,response_rate&by=week";
    import(qc, "tickets", "all.csv", 1);
    import(qc, "responses", "r0.csv", 1);
    answer_equals_the_report(qc, q, &ro);
    import(qc, "responses", "r1.csv", 1);
    answer_equals_the_report(qc, q, &ro);
    import(qc, "responses", "r2.csv", 1);
    answer_equals_the_report(qc, q, &ro);
    assert_int_equal(stats(qc).live_builds, 1);
    assert_int_equal(stats(qc).live_adds, 1);
    cxm_qcache_free(qc);
}

static void only_max_live_keys_keep_a_state_the_least_recently_used_is_dropped(void **state) {
    (void)state;
    piece("tickets", 0, 300, "a.csv");
    piece("tickets", 300, 500, "b.csv");
    piece("tickets", 500, 800, "c.csv");
    cxm_qcache *qc = fresh_cache(1);
    cxm_report_opts r1 = R1(), r2;
    memset(&r2, 0, sizeof r2);
    r2.metrics = "frt,fcr";
    r2.by = "week";
    const char *q2 = "metrics=frt,fcr&by=week";
    import(qc, "tickets", "a.csv", 1);
    answer_equals_the_report(qc, Q1, &r1);
    answer_equals_the_report(qc, q2, &r2);
    import(qc, "tickets", "b.csv", 1);
    answer_equals_the_report(qc, Q1, &r1); /* built */
    answer_equals_the_report(qc, q2, &r2); /* built: Q1's is dropped */
    assert_int_equal(stats(qc).live_builds, 2);
    assert_int_equal(stats(qc).live_drops, 1);
    import(qc, "tickets", "c.csv", 1);
    answer_equals_the_report(qc, q2, &r2); /* added */
    assert_int_equal(stats(qc).live_adds, 1);
    cxm_qcache_free(qc);
}

static void a_query_that_is_not_mergeable_never_keeps_a_state(void **state) {
    (void)state;
    piece("tickets", 0, 400, "a.csv");
    piece("tickets", 400, 800, "b.csv");
    cxm_qcache *qc = fresh_cache(0);
    cxm_report_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.metrics = "frt";
    ro.compare = "2024-01-01..2024-03-01";
    const char *q = "metrics=frt&compare=2024-01-01..2024-03-01";
    import(qc, "tickets", "a.csv", 1);
    answer_equals_the_report(qc, q, &ro);
    import(qc, "tickets", "b.csv", 1);
    answer_equals_the_report(qc, q, &ro);
    import(qc, "tickets", "a.csv", 1); /* (unchanged: no new generation) */
    answer_equals_the_report(qc, q, &ro);
    assert_int_equal(stats(qc).live_builds, 0);
    cxm_qcache_free(qc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inserts_are_added_to_the_kept_state_and_answer_as_a_full_report),
        cmocka_unit_test(an_update_or_a_write_by_another_connection_drops_the_state),
        cmocka_unit_test(survey_answers_are_added_too),
        cmocka_unit_test(only_max_live_keys_keep_a_state_the_least_recently_used_is_dropped),
        cmocka_unit_test(a_query_that_is_not_mergeable_never_keeps_a_state),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
