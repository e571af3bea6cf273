/*
 * test_store_ingest.c - ingest into the store from several threads of one
 * process (as `cxm serve` does: one store handle per request thread), and
 * the WAL checkpoints an import makes itself (src/store/store.c, "the
 * writers' turns"): batches of different handles take turns, nothing is
 * lost or counted twice, an import started from inside another import's
 * callback does not deadlock, and a long import keeps the WAL bounded.
 *
 * Expected counts are worked out from the inputs (ids are distinct per
 * thread, or the same for every thread); SQLite itself, through a separate
 * connection, is the independent view of what the store holds.
 * Sizes: a few thousand rows; the WAL test writes ~60 MB of rows (about a
 * second; skipped with CXM_TEST_LIGHT=1, as under valgrind).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cxm.h"
#include "store/store.h"

/* ---- fixture ---------------------------------------------------------------- */

static char dir[256], db[320], db2[320];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cxm_test_store_ingest_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/s.db", dir);
    snprintf(db2, sizeof db2, "%s/other.db", dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* SELECT count(*) (or any one integer) through a connection of our own. */
static int64_t query_int(const char *path, const char *sql) {
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* A tickets CSV of ids PREFIX<first>..PREFIX<first+n-1> (malloc'ed). */
static char *tickets_csv(const char *prefix, int first, int n) {
    size_t cap = 64 + (size_t)n * 96;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t len = (size_t)snprintf(s, cap, "ticket_id,created_at,channel\n");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%d,2024-03-%02dT10:00:00Z,%s\n", prefix, first + i,
                                1 + (first + i) % 28, (i % 2) ? "chat" : "email");
    assert_true(len < cap);
    return s;
}

/* ---- several threads, one store --------------------------------------------------- */

typedef struct job {
    const char *path;
    char *csv; /* owned */
    size_t batch;
    int rc;
    cxm_store_counts n;
    char msg[sizeof((cxm_diag *)0)->msg];
} job;

static void *run_job(void *ud) {
    job *j = ud;
    cxm_store *s = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    j->rc = cxm_store_open(j->path, CXM_STORE_CREATE, &s, &d);
    if (!j->rc) {
        cxm_import_opts o;
        memset(&o, 0, sizeof o);
        o.stream = "tickets";
        o.path = "t.csv";
        o.data = j->csv;
        o.len = strlen(j->csv);
        o.batch_rows = j->batch;
        j->rc = cxm_store_import(s, &o, &j->n, &d);
    }
    if (j->rc) snprintf(j->msg, sizeof j->msg, "%s", d.msg);
    cxm_store_close(s);
    return NULL;
}

enum { NTHREADS = 4, PER_THREAD = 600, BATCH = 50 };

/* The store exists (schema applied) before threads race to open it. */
static void create_store(const char *path) {
    cxm_store *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open(path, CXM_STORE_CREATE, &s, &d), CXM_OK);
    cxm_store_close(s);
}

static void run_all(job *jobs, int n) {
    pthread_t th[NTHREADS];
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < n; i++) {
        if (jobs[i].rc) fprintf(stderr, "thread %d: %s\n", i, jobs[i].msg);
        assert_int_equal(jobs[i].rc, CXM_OK);
        free(jobs[i].csv);
    }
}

static void threads_with_distinct_ids_store_every_row_once(void **state) {
    (void)state;
    create_store(db);
    job jobs[NTHREADS];
    memset(jobs, 0, sizeof jobs);
    char prefix[NTHREADS][8];
    for (int i = 0; i < NTHREADS; i++) {
        snprintf(prefix[i], sizeof prefix[i], "W%d-", i);
        jobs[i].path = db;
        jobs[i].csv = tickets_csv(prefix[i], 1, PER_THREAD);
        jobs[i].batch = BATCH;
    }
    run_all(jobs, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(jobs[i].n.read, PER_THREAD);
        assert_int_equal(jobs[i].n.inserted, PER_THREAD);
        assert_int_equal(jobs[i].n.updated + jobs[i].n.unchanged + jobs[i].n.rejected, 0);
        assert_int_equal(jobs[i].n.batches, PER_THREAD / BATCH); /* 12 */
    }
    assert_int_equal(query_int(db, "SELECT count(*) FROM tickets"), NTHREADS * PER_THREAD);
    assert_int_equal(query_int(db, "SELECT count(DISTINCT ticket_id) FROM tickets"), NTHREADS * PER_THREAD);
    assert_int_equal(query_int(db, "SELECT max(version) FROM tickets"), 1);
    /* every thread's rows are there, in its own order: rowids increase along each thread's ids */
    assert_int_equal(
        query_int(db, "SELECT count(*) FROM tickets a JOIN tickets b"
                      " ON substr(a.ticket_id, 1, 3) = substr(b.ticket_id, 1, 3)"
                      " AND CAST(substr(a.ticket_id, 4) AS INTEGER) + 1 = CAST(substr(b.ticket_id, 4) AS INTEGER)"
                      " WHERE b.rowid < a.rowid"),
        0);
}

static void threads_sending_the_same_records_insert_each_once(void **state) {
    (void)state;
    create_store(db);
    job jobs[NTHREADS];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < NTHREADS; i++) {
        jobs[i].path = db;
        jobs[i].csv = tickets_csv("S", 1, PER_THREAD);
        jobs[i].batch = BATCH;
    }
    run_all(jobs, NTHREADS);
    uint64_t inserted = 0, unchanged = 0;
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(jobs[i].n.updated + jobs[i].n.rejected, 0);
        assert_int_equal(jobs[i].n.inserted + jobs[i].n.unchanged, PER_THREAD);
        inserted += jobs[i].n.inserted;
        unchanged += jobs[i].n.unchanged;
    }
    /* whoever came first inserted a record; everyone after found it unchanged */
    assert_int_equal(inserted, PER_THREAD);
    assert_int_equal(unchanged, (NTHREADS - 1) * PER_THREAD);
    assert_int_equal(query_int(db, "SELECT count(*) FROM tickets"), PER_THREAD);
    assert_int_equal(query_int(db, "SELECT max(version) FROM tickets"), 1);
}

/* ---- an import inside another import's callback ------------------------------------- */

typedef struct nested {
    int calls;
    int rc;
    cxm_store_counts n;
} nested;

/* Runs inside the open batch of the outer import (its turn held). */
static void import_elsewhere(void *ud, const cxm_diag *d) {
    (void)d;
    nested *x = ud;
    x->calls++;
    cxm_store *s = NULL;
    cxm_diag dd;
    x->rc = cxm_store_open(db2, CXM_STORE_CREATE, &s, &dd);
    if (!x->rc) {
        cxm_import_opts o;
        memset(&o, 0, sizeof o);
        o.stream = "tickets";
        o.path = "inner.csv";
        const char *text = "ticket_id,created_at\nI1,2024-01-01T00:00:00Z\nI2,2024-01-02T00:00:00Z\n";
        o.data = text;
        o.len = strlen(text);
        x->rc = cxm_store_import(s, &o, &x->n, &dd);
    }
    cxm_store_close(s);
}

static void an_import_started_from_a_callback_of_another_does_not_deadlock(void **state) {
    (void)state;
    cxm_store *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open(db, CXM_STORE_CREATE, &s, &d), CXM_OK);
    nested x;
    memset(&x, 0, sizeof x);
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    o.stream = "tickets";
    o.path = "outer.csv";
    /* O1 opens the batch; the bad row's callback runs inside it */
    const char *text = "ticket_id,created_at\nO1,2024-01-01T00:00:00Z\nO2,never\nO3,2024-01-03T00:00:00Z\n";
    o.data = text;
    o.len = strlen(text);
    o.bad_row = import_elsewhere;
    o.ud = &x;
    cxm_store_counts n;
    assert_int_equal(cxm_store_import(s, &o, &n, &d), CXM_OK);
    cxm_store_close(s);
    assert_int_equal(x.calls, 1);
    assert_int_equal(x.rc, CXM_OK);
    assert_int_equal(x.n.inserted, 2);
    assert_int_equal(n.inserted, 2);
    assert_int_equal(n.rejected, 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM tickets"), 2);
    assert_int_equal(query_int(db2, "SELECT count(*) FROM tickets"), 2);
    /* the turn was given back: another import in this thread goes ahead */
    job j;
    memset(&j, 0, sizeof j);
    j.path = db;
    j.csv = tickets_csv("A", 1, 10);
    run_job(&j);
    free(j.csv);
    assert_int_equal(j.rc, CXM_OK);
    assert_int_equal(j.n.inserted, 10);
}

static void a_failed_batch_gives_the_turn_back(void **state) {
    (void)state;
    /* strict mode: the second batch is rolled back; later imports still run */
    cxm_store *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open(db, CXM_STORE_CREATE, &s, &d), CXM_OK);
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    o.stream = "tickets";
    o.path = "t.csv";
    const char *text = "ticket_id,created_at\nF1,2024-01-01\nF2,2024-01-01\nF3,2024-01-01\nF4,never\n";
    o.data = text;
    o.len = strlen(text);
    o.batch_rows = 2;
    o.strict = 1;
    cxm_store_counts n;
    assert_int_equal(cxm_store_import(s, &o, &n, &d), CXM_EDATA);
    assert_int_equal(n.inserted, 2);
    cxm_store_close(s);
    job jobs[2];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 2; i++) {
        jobs[i].path = db;
        jobs[i].csv = tickets_csv(i ? "G" : "H", 1, 100);
        jobs[i].batch = 10;
    }
    run_all(jobs, 2);
    assert_int_equal(jobs[0].n.inserted + jobs[1].n.inserted, 200);
    assert_int_equal(query_int(db, "SELECT count(*) FROM tickets"), 202);
}

/* ---- the WAL during a long import -------------------------------------------------- */

static void a_long_import_keeps_the_wal_bounded(void **state) {
    (void)state;
    const char *light = getenv("CXM_TEST_LIGHT");
    if (light && *light && strcmp(light, "0")) {
        skip();
        return;
    }
    /* 20,000 rows of ~3 KB (an extra column): ~60 MB written through the WAL
     * in 40 batches. The import checkpoints once the WAL holds 8,192 pages
     * (32 MiB), after which writers start over at its beginning: the file
     * stays near 32 MiB plus a batch instead of growing to the whole 60 MB. */
    enum { ROWS = 20000, PAD = 3000 };
    size_t cap = 64 + (size_t)ROWS * (PAD + 64);
    char *csv = malloc(cap);
    assert_non_null(csv);
    char *pad = malloc(PAD + 1);
    assert_non_null(pad);
    memset(pad, 'x', PAD);
    pad[PAD] = 0;
    size_t len = (size_t)snprintf(csv, cap, "ticket_id,created_at,note\n");
    for (int i = 0; i < ROWS; i++)
        len += (size_t)snprintf(csv + len, cap - len, "L%d,2024-01-01T00:00:00Z,%s%d\n", i, pad, i);
    free(pad);
    cxm_store *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open(db, CXM_STORE_CREATE, &s, &d), CXM_OK);
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    o.stream = "tickets";
    o.path = "wide.csv";
    o.data = csv;
    o.len = len;
    o.batch_rows = 500;
    cxm_store_counts n;
    assert_int_equal(cxm_store_import(s, &o, &n, &d), CXM_OK);
    assert_int_equal(n.inserted, ROWS);
    char wal[400];
    snprintf(wal, sizeof wal, "%s-wal", db);
    struct stat st;
    assert_int_equal(stat(wal, &st), 0);
    /* rows alone are > 60 MB; the WAL must be well under that */
    assert_true(st.st_size > 0);
    assert_true(st.st_size < 48 * 1024 * 1024);
    cxm_store_close(s);
    free(csv);
    assert_int_equal(query_int(db, "SELECT count(*) FROM tickets"), ROWS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(threads_with_distinct_ids_store_every_row_once, setup, teardown),
        cmocka_unit_test_setup_teardown(threads_sending_the_same_records_insert_each_once, setup, teardown),
        cmocka_unit_test_setup_teardown(an_import_started_from_a_callback_of_another_does_not_deadlock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_failed_batch_gives_the_turn_back, setup, teardown),
        cmocka_unit_test_setup_teardown(a_long_import_keeps_the_wal_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
