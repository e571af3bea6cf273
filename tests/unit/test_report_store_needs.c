/*
 * test_report_store_needs.c - snapshots of the store that hold only what a
 * report reads (src/metrics/needs.h, src/store/report_store.c):
 *  - the rule, case by case, on the stream sets and column lists written
 *    out by hand (cxm_needs_streams is a pure function);
 *  - cxm_store_snapshot_some writes the streams asked for and hard-links
 *    the files it is told to reuse: same inode, two links; removing one
 *    snapshot leaves the other's file whole; a link that cannot be made
 *    falls back to the export;
 *  - the oracle for the rule: `cxm report --store` (which now snapshots only
 *    the streams the report needs) gives byte for byte the JSON of the same
 *    report over a snapshot of every stream, for survey-only, joined,
 *    support-only, filtered and default queries over `cxm sample` data
 *    (300 tickets with messages, 200 answers linked to tickets).
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
#include "metrics/needs.h"
#include "store/store.h"

enum { T = CXM_NEED_TICKETS, M = CXM_NEED_MESSAGES, R = CXM_NEED_RESPONSES };

static const char *const resp_cols[] = {"response_id", "at", "survey", "score", "ticket_id", "channel", "agent",
                                        "comment"};
#define NRESP (sizeof resp_cols / sizeof resp_cols[0])

static unsigned needs(const char *metrics, const char *by, const char *where, unsigned have) {
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.metrics = metrics;
    o.by = by;
    const char *w[1] = {where};
    if (where) {
        o.where = w;
        o.nwhere = 1;
    }
    return cxm_needs_streams(&o, have, resp_cols, NRESP);
}

/* ---- the rule ----------------------------------------------------------------------- */

static void survey_metrics_need_only_the_responses(void **state) {
    (void)state;
    assert_int_equal(needs("csat,nps", NULL, NULL, T | M | R), R);
    assert_int_equal(needs("csat", "month", NULL, T | M | R), R);
    assert_int_equal(needs("csat", "week,channel", "agent=agent_001", T | M | R), R);
}

static void a_survey_grouped_by_a_ticket_column_needs_the_tickets_and_their_messages(void **state) {
    (void)state;
    assert_int_equal(needs("csat", "month,priority", NULL, T | M | R), T | M | R);
    assert_int_equal(needs("nps", NULL, "team=APAC", T | M | R), T | M | R);
    assert_int_equal(needs("nps", NULL, "team!=APAC", T | R), T | R);
}

static void support_metrics_need_the_tickets_and_every_message(void **state) {
    (void)state;
    assert_int_equal(needs("frt,fcr", "week,channel", NULL, T | M | R), T | M);
    assert_int_equal(needs("volume", NULL, NULL, T | M | R), T | M); /* messages may change what is derived */
    assert_int_equal(needs("reply_time", NULL, NULL, T | M | R), T | M);
    assert_int_equal(needs("frt", NULL, NULL, T | R), T);
    assert_int_equal(needs("frt,csat", NULL, NULL, T | M | R), T | M | R);
}

static void the_default_metrics_and_unknown_ones_need_everything_present(void **state) {
    (void)state;
    assert_int_equal(needs(NULL, NULL, NULL, T | M | R), T | M | R);
    assert_int_equal(needs(NULL, "week", NULL, T | R), T | R);
    assert_int_equal(needs("frt,bogus", NULL, NULL, T | M | R), T | M | R);
}

static void a_report_whose_streams_are_absent_still_gets_one_to_start(void **state) {
    (void)state;
    assert_int_equal(needs("csat", NULL, NULL, T | M), T); /* csat: null, "needs responses" */
    assert_int_equal(needs("frt", NULL, NULL, R), R);      /* frt: null, "needs tickets" */
    assert_int_equal(needs("frt", NULL, NULL, 0), 0);      /* an empty store: the report says so */
}

/* ---- a store ------------------------------------------------------------------------- */

static char dir[256], db[320], data[320];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cxm_test_needs_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/s.db", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    setenv("TMPDIR", dir, 1); /* snapshots go here and go with it */
    cxm_sample_opts so;
    cxm_sample_defaults(&so);
    so.dir = data;
    so.tickets = 300;
    so.responses = 200;
    so.seed = 3;
    cxm_diag d;
    assert_int_equal(cxm_sample_write(&so, &d), 0);
    cxm_store *s = NULL;
    assert_int_equal(cxm_store_open(db, CXM_STORE_CREATE, &s, &d), 0);
    for (int i = 0; cxm_store_streams[i]; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s.csv", data, cxm_store_streams[i]);
        cxm_import_opts io;
        memset(&io, 0, sizeof io);
        io.stream = cxm_store_streams[i];
        io.path = path;
        cxm_store_counts n;
        int rc = cxm_store_import(s, &io, &n, &d);
        if (rc) fprintf(stderr, "import %s: %s\n", path, d.msg);
        assert_int_equal(rc, 0);
    }
    cxm_store_close(s);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    unsetenv("TMPDIR");
    return 0;
}

static int file_in(const char *d, const char *name, struct stat *st) {
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", d, name);
    return stat(p, st) == 0;
}

/* The bytes of d/name (owned), NULL when absent. */
static char *slurp(const char *d, const char *name) {
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", d, name);
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, k, m);
    fclose(f);
    fclose(m);
    return buf;
}

static cxm_store *open_db(void) {
    cxm_store *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open(db, 0, &s, &d), 0);
    return s;
}

static void a_snapshot_holds_only_the_streams_asked_for(void **state) {
    (void)state;
    cxm_store *s = open_db();
    cxm_diag d;
    cxm_snapshot_opts o = {CXM_SNAP_RESPONSES, {NULL, NULL, NULL}};
    char snap[4096];
    unsigned have = 0, linked = 9;
    assert_int_equal(cxm_store_snapshot_some(s, &o, snap, sizeof snap, &have, &linked, &d), 0);
    assert_int_equal(have, CXM_SNAP_RESPONSES);
    assert_int_equal(linked, 0);
    struct stat st;
    assert_true(file_in(snap, "responses.csv", &st));
    assert_false(file_in(snap, "tickets.csv", &st));
    assert_false(file_in(snap, "messages.csv", &st));
    cxm_store_snapshot_remove(snap);
    assert_int_not_equal(stat(snap, &st), 0);
    cxm_store_close(s);
}

static void a_reused_file_is_a_hard_link_that_outlives_the_first_snapshot(void **state) {
    (void)state;
    cxm_store *s = open_db();
    cxm_diag d;
    char a[4096], b[4096];
    cxm_snapshot_opts all = {CXM_SNAP_ALL, {NULL, NULL, NULL}};
    assert_int_equal(cxm_store_snapshot_some(s, &all, a, sizeof a, NULL, NULL, &d), 0);
    cxm_snapshot_opts reuse = {CXM_SNAP_ALL, {a, a, NULL}};
    unsigned have = 0, linked = 0;
    assert_int_equal(cxm_store_snapshot_some(s, &reuse, b, sizeof b, &have, &linked, &d), 0);
    assert_int_equal(have, CXM_SNAP_ALL);
    assert_int_equal(linked, CXM_SNAP_TICKETS | CXM_SNAP_MESSAGES);
    struct stat sa, sb;
    assert_true(file_in(a, "tickets.csv", &sa) && file_in(b, "tickets.csv", &sb));
    assert_true(sa.st_ino == sb.st_ino && sb.st_nlink == 2);
    assert_true(file_in(a, "responses.csv", &sa) && file_in(b, "responses.csv", &sb));
    assert_true(sa.st_ino != sb.st_ino && sb.st_nlink == 1); /* exported again */
    char *before = slurp(a, "tickets.csv");
    assert_non_null(before);
    cxm_store_snapshot_remove(a);
    assert_int_not_equal(stat(a, &sa), 0);
    char *after = slurp(b, "tickets.csv");
    assert_non_null(after);
    assert_string_equal(before, after);
    assert_true(file_in(b, "tickets.csv", &sb) && sb.st_nlink == 1);
    free(before);
    free(after);
    cxm_store_snapshot_remove(b);
    cxm_store_close(s);
}

static void a_file_that_cannot_be_linked_is_exported(void **state) {
    (void)state;
    cxm_store *s = open_db();
    cxm_diag d;
    char missing[300], b[4096];
    snprintf(missing, sizeof missing, "%s/cxm-snapshot-gone", dir);
    cxm_snapshot_opts reuse = {CXM_SNAP_TICKETS, {missing, NULL, NULL}};
    unsigned have = 0, linked = 9;
    assert_int_equal(cxm_store_snapshot_some(s, &reuse, b, sizeof b, &have, &linked, &d), 0);
    assert_int_equal(have, CXM_SNAP_TICKETS);
    assert_int_equal(linked, 0);
    char *t = slurp(b, "tickets.csv");
    assert_non_null(t);
    assert_non_null(strstr(t, "T000300"));
    free(t);
    cxm_store_snapshot_remove(b);
    cxm_store_close(s);
}

/* ---- the oracle: the same JSON with every stream --------------------------------------------- */

/* The JSON of a report over the store (only the streams it needs) or over
 * dir (every stream). Owned. */
static char *report_json(const char *metrics, const char *by, const char *where, const char *data_dir) {
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    if (data_dir)
        o.data_dir = data_dir;
    else
        o.store = db;
    o.metrics = metrics;
    o.by = by;
    const char *w[1] = {where};
    if (where) {
        o.where = w;
        o.nwhere = 1;
    }
    cxm_result_set *rs = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_report_run(&o, &rs, &d);
    if (rc) fprintf(stderr, "report: %s\n", d.msg);
    assert_int_equal(rc, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(cxm_result_render(rs, CXM_FORMAT_JSON, NULL, f), 0);
    fclose(f);
    cxm_result_set_free(rs);
    return buf;
}

static void a_report_on_the_streams_it_needs_equals_the_report_on_every_stream(void **state) {
    (void)state;
    cxm_store *s = open_db();
    cxm_diag d;
    char full[4096];
    assert_int_equal(cxm_store_snapshot_to(s, full, sizeof full, &d), 0);
    cxm_store_close(s);
    static const char *const q[][3] = {
        {"csat,nps", "month", NULL},       {"csat", "month,priority", NULL}, {"nps", NULL, "team=APAC"},
        {"csat", "channel", "agent!=x"},   {"frt,fcr,resolution_time", "week,channel", NULL},
        {"volume,reply_time", NULL, NULL}, {NULL, "month", NULL},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        char *a = report_json(q[i][0], q[i][1], q[i][2], NULL);
        char *b = report_json(q[i][0], q[i][1], q[i][2], full);
        if (strcmp(a, b)) fprintf(stderr, "query %zu differs:\n%s\n---\n%s\n", i, a, b);
        assert_string_equal(a, b);
        assert_non_null(strstr(a, "\"value\""));
        free(a);
        free(b);
    }
    cxm_store_snapshot_remove(full);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(survey_metrics_need_only_the_responses),
        cmocka_unit_test(a_survey_grouped_by_a_ticket_column_needs_the_tickets_and_their_messages),
        cmocka_unit_test(support_metrics_need_the_tickets_and_every_message),
        cmocka_unit_test(the_default_metrics_and_unknown_ones_need_everything_present),
        cmocka_unit_test(a_report_whose_streams_are_absent_still_gets_one_to_start),
        cmocka_unit_test_setup_teardown(a_snapshot_holds_only_the_streams_asked_for, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reused_file_is_a_hard_link_that_outlives_the_first_snapshot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_file_that_cannot_be_linked_is_exported, setup, teardown),
        cmocka_unit_test_setup_teardown(a_report_on_the_streams_it_needs_equals_the_report_on_every_stream, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
