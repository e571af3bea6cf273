/*
 * test_store.c - the embedded store (src/store): schema and migrations,
 * idempotent and durable ingest, snapshots, API tokens.
 *
 * Each test works in a fresh temporary directory with hand-made inputs of a
 * few rows, whose expected counts, stored values and snapshot bytes are
 * worked out by hand. SQLite is queried directly (a second connection) as
 * the independent view of what the store holds; OpenSSL's SHA-256 is the
 * oracle for the stored token hashes.
 * Sizes: a few rows per test; the file runs in about a second.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "cxm.h"
#include "model/schema.h"
#include "store/store.h"
#include "store/store_int.h"

/* ---- fixture ---------------------------------------------------------------- */

static char dir[256], db[320];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cxm_test_store_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/s.db", dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static cxm_store *open_store(void) {
    cxm_store *s = NULL;
    cxm_diag d;
    int rc = cxm_store_open(db, CXM_STORE_CREATE, &s, &d);
    if (rc) fprintf(stderr, "open: %s\n", d.msg);
    assert_int_equal(rc, CXM_OK);
    return s;
}

/* Records every callback of an import. */
typedef struct trace {
    int nbad;
    cxm_diag bad[8];
    int ncommit;
    uint64_t commit[16][3]; /* batch, rows, acknowledged */
    /* while a batch is open: what a second connection sees */
    int peek;
    uint64_t peeked;
} trace;

static uint64_t count_rows(const char *table);

static void on_bad(void *ud, const cxm_diag *d) {
    trace *t = ud;
    if (t->nbad < 8) t->bad[t->nbad] = *d;
    t->nbad++;
    if (t->peek) t->peeked = count_rows("tickets");
}

static void on_commit(void *ud, uint64_t batch, uint64_t rows, uint64_t ack) {
    trace *t = ud;
    if (t->ncommit < 16) {
        t->commit[t->ncommit][0] = batch;
        t->commit[t->ncommit][1] = rows;
        t->commit[t->ncommit][2] = ack;
    }
    t->ncommit++;
}

/* Imports text (CSV unless name ends in .ndjson) into stream. */
static int import_text(cxm_store *s, const char *stream, const char *name, const char *text, size_t batch, int strict,
                       cxm_store_counts *n, trace *t, cxm_diag *d) {
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    o.stream = stream;
    o.path = name;
    o.data = text;
    o.len = strlen(text);
    o.batch_rows = batch;
    o.strict = strict;
    o.bad_row = on_bad;
    o.committed = on_commit;
    o.ud = t;
    return cxm_store_import(s, &o, n, d);
}

static void import_ok(cxm_store *s, const char *stream, const char *text, cxm_store_counts *n) {
    trace t;
    memset(&t, 0, sizeof t);
    cxm_diag d;
    int rc = import_text(s, stream, "in.csv", text, 0, 0, n, &t, &d);
    if (rc) fprintf(stderr, "import: %s\n", d.msg);
    assert_int_equal(rc, CXM_OK);
}

/* An independent connection to the file. */
static sqlite3 *raw(void) {
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return h;
}

static uint64_t count_rows(const char *table) {
    sqlite3 *h = raw();
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    uint64_t n = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* The text of one value (first column, first row) of sql, or "(null)". */
static void query_text(const char *sql, char *out, size_t cap) {
    sqlite3 *h = raw();
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    else
        snprintf(out, cap, "(null)");
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return b;
}

static void assert_counts(const cxm_store_counts *n, uint64_t read, uint64_t ins, uint64_t upd, uint64_t same,
                          uint64_t rej) {
    assert_int_equal(n->read, read);
    assert_int_equal(n->inserted, ins);
    assert_int_equal(n->updated, upd);
    assert_int_equal(n->unchanged, same);
    assert_int_equal(n->rejected, rej);
}

static const char tickets3[] = "ticket_id,created_at,channel,resolved_at\n"
                               "T1,2024-01-01T10:00:00Z,email,2024-01-02T10:00:00Z\n"
                               "T2,2024-01-03T10:00:00Z,chat,\n"
                               "T3,2024-01-04T10:00:00Z,phone,2024-01-04T11:00:00Z\n";

/* ---- schema and migrations ------------------------------------------------------ */

static void migrations_from_empty_reach_the_current_version(void **state) {
    (void)state;
    cxm_store *s = open_store();
    assert_int_equal(cxm_store_schema_version(s), CXM_STORE_SCHEMA_VERSION);
    cxm_store_close(s);
    char v[64];
    query_text("SELECT value FROM meta WHERE key = 'schema_version'", v, sizeof v);
    assert_string_equal(v, "3");
    query_text("PRAGMA journal_mode", v, sizeof v);
    assert_string_equal(v, "wal");
    query_text("PRAGMA application_id", v, sizeof v);
    assert_string_equal(v, "1129860401"); /* 0x43584d31, "CXM1" */
    for (const char *const *t = (const char *const[]){"tickets", "messages", "responses", "columns", "tokens", NULL};
         *t; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", *t);
        query_text(sql, v, sizeof v);
        assert_string_equal(v, "1");
    }
}

static void reopening_a_current_store_changes_nothing(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets", tickets3, &n);
    cxm_store_close(s);
    s = open_store();
    assert_int_equal(cxm_store_schema_version(s), 3);
    cxm_store_close(s);
    assert_int_equal(count_rows("tickets"), 3);
}

static void a_version_1_store_migrates_keeping_its_rows(void **state) {
    (void)state;
    cxm_store *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open_version(db, CXM_STORE_CREATE, 1, &s, &d), CXM_OK);
    assert_int_equal(cxm_store_schema_version(s), 1);
    cxm_store_counts n;
    import_ok(s, "tickets", tickets3, &n);
    cxm_store_close(s);
    char v[64];
    query_text("SELECT count(*) FROM sqlite_master WHERE name = 'tokens'", v, sizeof v);
    assert_string_equal(v, "0"); /* migration 2 not applied yet */
    s = open_store();
    assert_int_equal(cxm_store_schema_version(s), CXM_STORE_SCHEMA_VERSION);
    char tok[CXM_TOKEN_LEN + 1];
    assert_int_equal(cxm_store_token_create(s, CXM_SCOPE_READ, tok, sizeof tok, NULL, &d), CXM_OK);
    cxm_store_close(s);
    assert_int_equal(count_rows("tickets"), 3);
    assert_int_equal(count_rows("tokens"), 1);
}

static void a_store_from_a_newer_cxm_is_refused(void **state) {
    (void)state;
    cxm_store_close(open_store());
    sqlite3 *h = raw();
    assert_int_equal(sqlite3_exec(h, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    cxm_store *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open(db, 0, &s, &d), CXM_EDATA);
    assert_null(s);
    assert_non_null(strstr(d.msg, "schema version 99"));
}

static void files_that_are_not_stores_are_refused(void **state) {
    (void)state;
    cxm_store *s = NULL;
    cxm_diag d;
    /* another application's SQLite file */
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(cxm_store_open(db, 0, &s, &d), CXM_EDATA);
    assert_non_null(strstr(d.msg, "not a cxm store"));
    /* a text file */
    char txt[400];
    snprintf(txt, sizeof txt, "%s/t.csv", dir);
    FILE *f = fopen(txt, "w");
    assert_non_null(f);
    fputs("ticket_id,created_at\nT1,2024-01-01T00:00:00Z\n-- padding the file past one page of header bytes --\n", f);
    fclose(f);
    assert_int_equal(cxm_store_open(txt, 0, &s, &d), CXM_EDATA);
    assert_null(s);
}

static void a_missing_store_is_not_created_by_readers(void **state) {
    (void)state;
    cxm_store *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open(db, 0, &s, &d), CXM_EIO); /* as a missing input file */
    struct stat st;
    assert_int_not_equal(stat(db, &st), 0);
}

static void every_canonical_column_has_a_store_column(void **state) {
    (void)state;
    cxm_store_close(open_store());
    const cxm_stream_def *defs[] = {&cxm_stream_tickets, &cxm_stream_messages, &cxm_stream_responses};
    for (int i = 0; i < 3; i++) {
        for (size_t c = 0; c < defs[i]->ncols; c++) {
            char sql[256], v[32];
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s' AND type = 'TEXT'", defs[i]->name,
                     defs[i]->cols[c].name);
            query_text(sql, v, sizeof v);
            if (strcmp(v, "1"))
                fprintf(stderr, "missing %s.%s: add a migration\n", defs[i]->name, defs[i]->cols[c].name);
            assert_string_equal(v, "1");
        }
    }
}

/* ---- migration 3: messages.agent --------------------------------------------- */

/* A messages file with an agent column, as a user exported it: an empty
 * agent (M1's customer), a plain one, one needing CSV and JSON escapes,
 * another extra column (channel), and two identical events (M2). */
static const char msgs_with_agent[] = "ticket_id,at,author,public,status,agent,channel\n"
                                      "M1,2024-05-06T09:00:00Z,customer,true,new,,email\n"
                                      "M1,2024-05-06T09:10:00Z,agent,true,,ann,email\n"
                                      "M1,2024-05-06T09:20:00Z,agent,true,solved,\"b\"\"o,b\",\n"
                                      "M2,2024-05-06T10:00:00Z,customer,true,new,,\n"
                                      "M2,2024-05-06T10:00:00Z,customer,true,new,,\n";

/* What cxm with schema 2 stored for those rows (agent was no canonical
 * column of messages then: it went to `extra`, empty values left out). */
static const struct {
    const char *v[5]; /* ticket_id, at, author, public, status */
    const char *extra;
    int occurrence; /* the k-th row with the same five values */
} v2_rows[] = {
    {{"M1", "2024-05-06T09:00:00Z", "customer", "true", "new"}, "{\"channel\":\"email\"}", 1},
    {{"M1", "2024-05-06T09:10:00Z", "agent", "true", ""}, "{\"agent\":\"ann\",\"channel\":\"email\"}", 1},
    {{"M1", "2024-05-06T09:20:00Z", "agent", "true", "solved"}, "{\"agent\":\"b\\\"o,b\"}", 1},
    {{"M2", "2024-05-06T10:00:00Z", "customer", "true", "new"}, NULL, 1},
    {{"M2", "2024-05-06T10:00:00Z", "customer", "true", "new"}, NULL, 2},
};

/* The store's hashing record (docs/internals/store.md): per value a
 * presence byte, then for a present value its length (4 bytes,
 * little-endian) and its bytes. Written here from the documentation, as
 * the oracle of the keys and hashes the schema-2 code computed. */
static size_t put_rec(unsigned char *w, const char *v) {
    if (!v) {
        w[0] = 0;
        return 1;
    }
    size_t n = strlen(v);
    w[0] = 1;
    for (int i = 0; i < 4; i++) w[1 + i] = (unsigned char)(n >> (8 * i));
    memcpy(w + 5, v, n);
    return 5 + n;
}

/* Record of the five identity values, then (when with_rest) an optional
 * agent (left out when NULL: schema 3) and the extra object. */
static size_t record(unsigned char *w, const char *const *v, int with_rest, const char *agent, const char *extra) {
    size_t n = 0;
    for (int c = 0; c < 5; c++) n += put_rec(w + n, v[c]);
    if (!with_rest) return n;
    if (agent) n += put_rec(w + n, agent);
    return n + put_rec(w + n, extra);
}

static void msg_key(const char *const *v, int occurrence, unsigned char key[16]) {
    unsigned char rec[512];
    size_t n = record(rec, v, 0, NULL, NULL);
    XXH128_hash_t k = occurrence == 1 ? XXH3_128bits(rec, n) : XXH3_128bits_withSeed(rec, n, (uint64_t)occurrence - 1);
    for (int i = 0; i < 8; i++) {
        key[i] = (unsigned char)(k.high64 >> (56 - 8 * i));
        key[8 + i] = (unsigned char)(k.low64 >> (56 - 8 * i));
    }
}

static int64_t row_hash(const char *const *v, const char *agent, const char *extra) {
    unsigned char rec[512];
    return (int64_t)XXH3_64bits(rec, record(rec, v, 1, agent, extra));
}

/* Builds at db the file schema-2 cxm left after importing msgs_with_agent. */
static void make_v2_store_with_messages(void) {
    cxm_store *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_store_open_version(db, CXM_STORE_CREATE, 2, &s, &d), CXM_OK);
    cxm_store_close(s);
    sqlite3 *h = raw();
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "INSERT INTO messages(msg_key, ticket_id, at, author, public, status, extra,"
                                        " row_hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                        -1, &ins, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < sizeof v2_rows / sizeof v2_rows[0]; i++) {
        unsigned char key[16];
        msg_key(v2_rows[i].v, v2_rows[i].occurrence, key);
        sqlite3_bind_blob(ins, 1, key, 16, SQLITE_TRANSIENT);
        for (int c = 0; c < 5; c++) sqlite3_bind_text(ins, 2 + c, v2_rows[i].v[c], -1, SQLITE_STATIC);
        if (v2_rows[i].extra)
            sqlite3_bind_text(ins, 7, v2_rows[i].extra, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 7);
        /* schema 2: the five canonical values, then the extra object */
        sqlite3_bind_int64(ins, 8, row_hash(v2_rows[i].v, NULL, v2_rows[i].extra));
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    assert_int_equal(sqlite3_exec(h,
                                  "INSERT INTO columns(stream, name, pos) VALUES('messages', 'ticket_id', 1),"
                                  " ('messages', 'at', 2), ('messages', 'author', 3), ('messages', 'public', 4),"
                                  " ('messages', 'status', 5), ('messages', 'agent', 6), ('messages', 'channel', 7)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
}

static void a_version_2_file_is_what_cxm_2_wrote(void **state) {
    (void)state;
    /* the fixture's oracle, checked on rows the current code stores without
     * an agent column: their keys and hashes are schema 2's */
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "messages",
              "ticket_id,at,author,public,status,channel\nM1,2024-05-06T09:00:00Z,customer,true,new,email\n", &n);
    cxm_store_close(s);
    unsigned char key[16];
    msg_key(v2_rows[0].v, 1, key);
    char want[64], got[64];
    for (int i = 0; i < 16; i++) snprintf(want + 2 * i, 3, "%02X", key[i]);
    query_text("SELECT hex(msg_key) FROM messages", got, sizeof got);
    assert_string_equal(got, want);
    snprintf(want, sizeof want, "%lld", (long long)row_hash(v2_rows[0].v, NULL, v2_rows[0].extra));
    query_text("SELECT row_hash FROM messages", got, sizeof got);
    assert_string_equal(got, want);
}

static void migration_3_moves_agent_out_of_extra_keeping_keys(void **state) {
    (void)state;
    make_v2_store_with_messages();
    char v[64];
    query_text("SELECT count(*) FROM pragma_table_info('messages') WHERE name = 'agent'", v, sizeof v);
    assert_string_equal(v, "0");
    cxm_store_close(open_store()); /* migrates */
    query_text("SELECT value FROM meta WHERE key = 'schema_version'", v, sizeof v);
    assert_string_equal(v, "3");
    static const char *const agent[] = {NULL, "ann", "b\"o,b", NULL, NULL};
    static const char *const extra[] = {"{\"channel\":\"email\"}", "{\"channel\":\"email\"}", NULL, NULL, NULL};
    sqlite3 *h = raw();
    sqlite3_stmt *st;
    const char *sql = "SELECT msg_key, agent, extra, row_hash, version FROM messages ORDER BY rowid";
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        unsigned char key[16];
        msg_key(v2_rows[i].v, v2_rows[i].occurrence, key);
        assert_int_equal(sqlite3_column_bytes(st, 0), 16);
        assert_memory_equal(sqlite3_column_blob(st, 0), key, 16); /* the same key */
        if (agent[i])
            assert_string_equal((const char *)sqlite3_column_text(st, 1), agent[i]);
        else
            assert_int_equal(sqlite3_column_type(st, 1), SQLITE_NULL);
        if (extra[i])
            assert_string_equal((const char *)sqlite3_column_text(st, 2), extra[i]);
        else
            assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
        /* the hash of schema 3: the agent after the five values; rows
         * without one keep schema 2's hash */
        assert_int_equal(sqlite3_column_int64(st, 3), row_hash(v2_rows[i].v, agent[i], extra[i]));
        if (!agent[i]) assert_int_equal(sqlite3_column_int64(st, 3), row_hash(v2_rows[i].v, NULL, v2_rows[i].extra));
        assert_int_equal(sqlite3_column_int(st, 4), 1); /* not a new version of the event */
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static void the_same_file_after_migration_3_is_unchanged(void **state) {
    (void)state;
    make_v2_store_with_messages();
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "messages", msgs_with_agent, &n);
    assert_counts(&n, 5, 0, 0, 5, 0);
    /* and the snapshot gives the file back, byte for byte */
    char snap[4096], path[4200];
    cxm_diag d;
    assert_int_equal(cxm_store_snapshot_to(s, snap, sizeof snap, &d), CXM_OK);
    snprintf(path, sizeof path, "%s/messages.csv", snap);
    char *got = read_file(path, NULL);
    assert_non_null(got);
    assert_string_equal(got, msgs_with_agent);
    free(got);
    cxm_store_snapshot_remove(snap);
    cxm_store_close(s);
}

static void a_changed_agent_updates_the_same_event(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "messages", msgs_with_agent, &n);
    assert_counts(&n, 5, 5, 0, 0, 0);
    char before[64], after[64];
    query_text("SELECT hex(msg_key) FROM messages WHERE agent = 'ann'", before, sizeof before);
    /* ann's reply was cal's: the same event (same key), a new version;
     * the customer's row is unchanged */
    import_ok(s, "messages",
              "ticket_id,at,author,public,status,agent,channel\n"
              "M1,2024-05-06T09:00:00Z,customer,true,new,,email\n"
              "M1,2024-05-06T09:10:00Z,agent,true,,cal,email\n",
              &n);
    assert_counts(&n, 2, 0, 1, 1, 0);
    query_text("SELECT hex(msg_key) FROM messages WHERE agent = 'cal'", after, sizeof after);
    assert_string_equal(after, before);
    query_text("SELECT version FROM messages WHERE agent = 'cal'", after, sizeof after);
    assert_string_equal(after, "2");
    assert_int_equal(count_rows("messages"), 5);
    /* a file without the column: the event's agent is now unknown, an
     * update as for any other column a file lacks */
    import_ok(s, "messages", "ticket_id,at,author,public,status\nM1,2024-05-06T09:10:00Z,agent,true,\n", &n);
    assert_counts(&n, 1, 0, 1, 0, 0);
    query_text("SELECT count(*) FROM messages WHERE agent IS NULL", after, sizeof after);
    assert_string_equal(after, "4");
    assert_int_equal(count_rows("messages"), 5);
    cxm_store_close(s);
}

/* ---- idempotent ingest -------------------------------------------------------- */

static void a_first_import_inserts_every_good_row(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets", tickets3, &n);
    assert_counts(&n, 3, 3, 0, 0, 0);
    assert_int_equal(n.batches, 1);
    cxm_store_close(s);
    char v[64];
    query_text("SELECT channel FROM tickets WHERE ticket_id = 'T2'", v, sizeof v);
    assert_string_equal(v, "chat");
    query_text("SELECT resolved_at FROM tickets WHERE ticket_id = 'T2'", v, sizeof v);
    assert_string_equal(v, ""); /* an empty field is kept as given */
    query_text("SELECT first_response_at FROM tickets WHERE ticket_id = 'T2'", v, sizeof v);
    assert_string_equal(v, "(null)"); /* a column the file lacks */
    query_text("SELECT version FROM tickets WHERE ticket_id = 'T2'", v, sizeof v);
    assert_string_equal(v, "1");
}

static void the_same_file_twice_is_stored_once(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts a, b;
    import_ok(s, "tickets", tickets3, &a);
    import_ok(s, "tickets", tickets3, &b);
    assert_counts(&a, 3, 3, 0, 0, 0);
    assert_counts(&b, 3, 0, 0, 3, 0);
    cxm_store_close(s);
    assert_int_equal(count_rows("tickets"), 3);
}

static void a_changed_record_replaces_the_old_one(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets", tickets3, &n);
    /* T2 moves to email and gets resolved; T1 and T3 as before; T4 is new */
    import_ok(s, "tickets",
              "ticket_id,created_at,channel,resolved_at\n"
              "T1,2024-01-01T10:00:00Z,email,2024-01-02T10:00:00Z\n"
              "T2,2024-01-03T10:00:00Z,email,2024-01-05T10:00:00Z\n"
              "T3,2024-01-04T10:00:00Z,phone,2024-01-04T11:00:00Z\n"
              "T4,2024-01-06T10:00:00Z,chat,\n",
              &n);
    assert_counts(&n, 4, 1, 1, 2, 0);
    cxm_store_close(s);
    assert_int_equal(count_rows("tickets"), 4);
    char v[64];
    query_text("SELECT channel || ' ' || resolved_at || ' v' || version FROM tickets WHERE ticket_id = 'T2'", v,
               sizeof v);
    assert_string_equal(v, "email 2024-01-05T10:00:00Z v2");
}

static void a_repeated_id_in_one_file_keeps_the_last_values(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets",
              "ticket_id,created_at,channel\n"
              "T1,2024-01-01T10:00:00Z,email\n"
              "T1,2024-01-01T10:00:00Z,email\n"
              "T1,2024-01-01T10:00:00Z,chat\n",
              &n);
    assert_counts(&n, 3, 1, 1, 1, 0);
    cxm_store_close(s);
    char v[64];
    query_text("SELECT channel FROM tickets", v, sizeof v);
    assert_string_equal(v, "chat");
}

static void messages_are_keyed_by_their_canonical_fields(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    const char *m = "ticket_id,at,author,public,status,via\n"
                    "T1,2024-01-01T10:00:00Z,customer,true,new,web\n"
                    "T1,2024-01-01T11:00:00Z,agent,true,pending,web\n"
                    "T1,2024-01-01T11:00:00Z,agent,false,,web\n";
    import_ok(s, "messages", m, &n);
    assert_counts(&n, 3, 3, 0, 0, 0); /* same instant and author, other fields: two events */
    import_ok(s, "messages", m, &n);
    assert_counts(&n, 3, 0, 0, 3, 0);
    /* only a non-canonical column differs: the same event, updated */
    import_ok(s, "messages", "ticket_id,at,author,public,status,via\nT1,2024-01-01T10:00:00Z,customer,true,new,email\n",
              &n);
    assert_counts(&n, 1, 0, 1, 0, 0);
    cxm_store_close(s);
    assert_int_equal(count_rows("messages"), 3);
    char v[64];
    query_text("SELECT extra FROM messages WHERE status = 'new'", v, sizeof v);
    assert_string_equal(v, "{\"via\":\"email\"}");
}

static void identical_message_rows_in_one_file_are_distinct_events(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    const char *m = "ticket_id,at,author\n"
                    "T1,2024-01-01T10:00:00Z,agent\n"
                    "T1,2024-01-01T10:00:00Z,agent\n"
                    "T1,2024-01-01T10:00:00Z,agent\n";
    import_ok(s, "messages", m, &n);
    assert_counts(&n, 3, 3, 0, 0, 0); /* as a report counts them: three replies */
    import_ok(s, "messages", m, &n);
    assert_counts(&n, 3, 0, 0, 3, 0);
    /* a later export holding two of them: both already stored */
    import_ok(s, "messages", "ticket_id,at,author\nT1,2024-01-01T10:00:00Z,agent\nT1,2024-01-01T10:00:00Z,agent\n", &n);
    assert_counts(&n, 2, 0, 0, 2, 0);
    cxm_store_close(s);
    assert_int_equal(count_rows("messages"), 3);
}

/* ---- checks ------------------------------------------------------------------------ */

static void bad_rows_are_rejected_with_file_line_and_column(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    trace t;
    memset(&t, 0, sizeof t);
    cxm_diag d;
    int rc = import_text(s, "tickets", "t.csv",
                         "ticket_id,created_at,channel,resolved_at\n"
                         "T1,2024-01-01T10:00:00Z,email,\n"
                         "T2,2024-13-01T10:00:00Z,email,\n"                    /* month 13 */
                         "T3,2024-01-02T10:00:00Z,chat,2024-01-01T00:00:00Z\n" /* resolved before created */
                         ",2024-01-02T10:00:00Z,chat,\n",                      /* no id */
                         0, 0, &n, &t, &d);
    assert_int_equal(rc, CXM_OK);
    assert_counts(&n, 4, 1, 0, 0, 3);
    assert_int_equal(t.nbad, 3);
    assert_string_equal(t.bad[0].file, "t.csv");
    assert_int_equal(t.bad[0].line, 3);
    assert_int_equal(t.bad[0].column, 2);
    assert_string_equal(t.bad[0].column_name, "created_at");
    assert_int_equal(t.bad[1].line, 4);
    assert_int_equal(t.bad[2].line, 5);
    assert_int_equal(t.bad[2].column, 1);
    cxm_store_close(s);
    assert_int_equal(count_rows("tickets"), 1);
}

static void message_and_response_rows_are_checked_as_a_report_checks_them(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    trace t;
    memset(&t, 0, sizeof t);
    cxm_diag d;
    assert_int_equal(import_text(s, "messages", "m.csv",
                                 "ticket_id,at,author,public,status\n"
                                 "T1,2024-01-01T10:00:00Z,End-User,yes,open\n" /* accepted spellings */
                                 "T1,2024-01-01T10:00:00Z,robot,true,\n"       /* author */
                                 "T1,2024-01-01T10:00:00Z,agent,maybe,\n"      /* public */
                                 "T1,2024-01-01T10:00:00Z,agent,true,lost\n",  /* status */
                                 0, 0, &n, &t, &d),
                     CXM_OK);
    assert_counts(&n, 4, 1, 0, 0, 3);
    assert_string_equal(t.bad[0].column_name, "author");
    assert_string_equal(t.bad[1].column_name, "public");
    assert_string_equal(t.bad[2].column_name, "status");
    memset(&t, 0, sizeof t);
    assert_int_equal(import_text(s, "responses", "r.csv",
                                 "response_id,at,survey,score,scale_min,scale_max\n"
                                 "R1,2024-01-01T10:00:00Z,nps,10,,\n"
                                 "R2,2024-01-01T10:00:00Z,nps,11,,\n"     /* off the 0-10 scale */
                                 "R3,2024-01-01T10:00:00Z,csat,4.5,,\n"   /* not whole */
                                 "R4,2024-01-01T10:00:00Z,effort,3,1,5\n" /* a named scale */
                                 "R5,2024-01-01T10:00:00Z,effort,5,,\n"   /* its scale, remembered */
                                 "R6,2024-01-01T10:00:00Z,effort,6,,\n"   /* off it */
                                 "R7,2024-01-01T10:00:00Z,csat,,,\n",     /* sent, not answered */
                                 0, 0, &n, &t, &d),
                     CXM_OK);
    assert_counts(&n, 7, 4, 0, 0, 3);
    assert_int_equal(t.bad[0].line, 3);
    assert_int_equal(t.bad[1].line, 4);
    assert_int_equal(t.bad[2].line, 7);
    assert_string_equal(t.bad[2].column_name, "score");
    cxm_store_close(s);
}

static void extra_columns_must_be_utf8(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    trace t;
    memset(&t, 0, sizeof t);
    cxm_diag d;
    assert_int_equal(import_text(s, "tickets", "t.csv",
                                 "ticket_id,created_at,note\n"
                                 "T1,2024-01-01T10:00:00Z,caf\xc3\xa9\n"
                                 "T2,2024-01-01T10:00:00Z,caf\xe9\n", /* Latin-1 */
                                 0, 0, &n, &t, &d),
                     CXM_OK);
    assert_counts(&n, 2, 1, 0, 0, 1);
    assert_int_equal(t.bad[0].column, 3);
    cxm_store_close(s);
}

static void headers_the_store_cannot_keep_are_refused(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    trace t;
    memset(&t, 0, sizeof t);
    cxm_diag d;
    assert_int_equal(
        import_text(s, "tickets", "t.csv", "ticket_id,created_at,x,x\nT1,2024-01-01T10:00:00Z,1,2\n", 0, 0, &n, &t, &d),
        CXM_EPARSE); /* the reader's own check */
    assert_non_null(strstr(d.msg, "duplicate column name"));
    /* --map ticket_id=Id while the file also has a ticket_id column */
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    const char *map[] = {"ticket_id=Id"};
    const char *text = "Id,ticket_id,created_at\nA,B,2024-01-01T10:00:00Z\n";
    o.stream = "tickets";
    o.path = "t.csv";
    o.data = text;
    o.len = strlen(text);
    o.map = map;
    o.nmap = 1;
    assert_int_equal(cxm_store_import(s, &o, &n, &d), CXM_EUSAGE);
    cxm_store_close(s);
    assert_int_equal(count_rows("tickets"), 0);
}

/* ---- durability and batches --------------------------------------------------------- */

static void batches_commit_in_order_and_are_acknowledged(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    trace t;
    memset(&t, 0, sizeof t);
    cxm_diag d;
    assert_int_equal(import_text(s, "tickets", "t.csv",
                                 "ticket_id,created_at\nT1,2024-01-01\nT2,2024-01-01\nbad\nT3,2024-01-01\n"
                                 "T4,2024-01-01\nT5,2024-01-01\n",
                                 2, 0, &n, &t, &d),
                     CXM_OK);
    assert_counts(&n, 6, 5, 0, 0, 1); /* "bad" has no created_at */
    assert_int_equal(t.ncommit, 3);
    uint64_t want[3][3] = {{1, 2, 2}, {2, 2, 4}, {3, 1, 5}};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            assert_int_equal(t.commit[i][k], want[i][k]);
    assert_int_equal(n.batches, 3);
    cxm_store_close(s);
}

static void strict_mode_rolls_back_the_open_batch_only(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    trace t;
    memset(&t, 0, sizeof t);
    cxm_diag d;
    assert_int_equal(import_text(s, "tickets", "t.csv",
                                 "ticket_id,created_at\nT1,2024-01-01\nT2,2024-01-01\nT3,2024-01-01\nT4,yesterday\n", 2,
                                 1, &n, &t, &d),
                     CXM_EDATA);
    assert_int_equal(d.line, 5);
    assert_int_equal(t.ncommit, 1); /* T1, T2 acknowledged; T3 was in the open batch */
    assert_int_equal(n.inserted, 2);
    cxm_store_close(s);
    assert_int_equal(count_rows("tickets"), 2);
}

static void a_reader_never_sees_an_open_batch(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    trace t;
    memset(&t, 0, sizeof t);
    t.peek = 1; /* the bad row's callback runs inside the open batch holding T4 */
    cxm_diag d;
    assert_int_equal(import_text(s, "tickets", "t.csv",
                                 "ticket_id,created_at\nT1,2024-01-01\nT2,2024-01-01\nT3,2024-01-01\nT4,2024-01-01\n"
                                 "T5,never\nT6,2024-01-01\n",
                                 3, 0, &n, &t, &d),
                     CXM_OK);
    assert_int_equal(t.peeked, 3);
    cxm_store_close(s);
    assert_int_equal(count_rows("tickets"), 5);
}

static void a_snapshot_taken_during_ingest_is_the_committed_state(void **state) {
    (void)state;
    /* the writer holds its write lock (open batch) while another handle snapshots */
    cxm_store *w = open_store(), *r = open_store();
    cxm_store_counts n;
    import_ok(w, "tickets", tickets3, &n);
    cxm_diag d;
    assert_int_equal(cxm_store_exec(w, "BEGIN IMMEDIATE", "test", &d), CXM_OK);
    assert_int_equal(cxm_store_exec(w, "DELETE FROM tickets", "test", &d), CXM_OK);
    char snap[4096];
    assert_int_equal(cxm_store_snapshot_to(r, snap, sizeof snap, &d), CXM_OK);
    assert_int_equal(cxm_store_exec(w, "ROLLBACK", "test", &d), CXM_OK);
    char path[4200];
    snprintf(path, sizeof path, "%s/tickets.csv", snap);
    char *got = read_file(path, NULL);
    assert_non_null(got);
    assert_string_equal(got, tickets3);
    free(got);
    cxm_store_snapshot_remove(snap);
    cxm_store_close(r);
    cxm_store_close(w);
}

/* A snapshot records its owner's pid; the sweep removes the snapshots of
 * processes that are gone, never a live one's nor one without an owner. */
static void the_sweep_removes_only_snapshots_of_dead_processes(void **state) {
    (void)state;
    char tmp[300], live[4096], dead[4096], anon[600], path[4200], keep_tmp[4096] = "";
    const char *old = getenv("TMPDIR");
    if (old) snprintf(keep_tmp, sizeof keep_tmp, "%s", old);
    snprintf(tmp, sizeof tmp, "%s/tmp", dir);
    assert_int_equal(mkdir(tmp, 0700), 0);
    setenv("TMPDIR", tmp, 1);
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets", tickets3, &n);
    cxm_diag d;
    assert_int_equal(cxm_store_snapshot_to(s, live, sizeof live, &d), CXM_OK); /* ours: alive */
    assert_int_equal(cxm_store_snapshot_to(s, dead, sizeof dead, &d), CXM_OK);
    /* make dead's owner a process that has exited */
    pid_t child = fork();
    if (child == 0) _exit(0);
    assert_true(child > 0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    snprintf(path, sizeof path, "%s/owner", dead);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%ld\n", (long)child);
    fclose(f);
    snprintf(anon, sizeof anon, "%s/cxm-snapshot-old", tmp); /* made before owners were recorded */
    assert_int_equal(mkdir(anon, 0700), 0);
    assert_int_equal(cxm_store_snapshot_sweep(), 1);
    struct stat st;
    assert_int_not_equal(stat(dead, &st), 0);
    assert_int_equal(stat(live, &st), 0);
    assert_int_equal(stat(anon, &st), 0);
    assert_int_equal(cxm_store_snapshot_sweep(), 0); /* nothing more */
    cxm_store_snapshot_remove(live);
    assert_int_not_equal(stat(live, &st), 0); /* the owner file goes with it */
    rmdir(anon);
    cxm_store_close(s);
    if (keep_tmp[0]) setenv("TMPDIR", keep_tmp, 1);
    else unsetenv("TMPDIR");
}

/* ---- snapshots ---------------------------------------------------------------------- */

static void a_snapshot_reproduces_canonical_csv_byte_for_byte(void **state) {
    (void)state;
    const char *tickets = "ticket_id,created_at,region,channel,resolved_at,note\n"
                          "T1,2024-01-01T10:00:00Z,EMEA,email,2024-01-02T10:00:00Z,\"has, comma\"\n"
                          "T2,2024-01-03T10:00:00Z,,chat,,\"quote \"\"x\"\" and\nnewline\"\n"
                          "T3,2024-01-04T10:00:00Z,APAC,phone,,\xc3\xbcn\xc3\xaf \xe4\xb8\xad\xe6\x96\x87\ttab\\\n";
    const char *messages = "ticket_id,at,author,public,status\n"
                           "T1,2024-01-01T10:00:00Z,customer,true,new\n"
                           "T1,2024-01-01T11:00:00Z,agent,true,solved\n";
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets", tickets, &n);
    import_ok(s, "messages", messages, &n);
    char snap[4096];
    cxm_diag d;
    assert_int_equal(cxm_store_snapshot_to(s, snap, sizeof snap, &d), CXM_OK);
    cxm_store_close(s);
    assert_non_null(strstr(snap, "/cxm-snapshot-"));
    char path[4200];
    snprintf(path, sizeof path, "%s/tickets.csv", snap);
    char *got = read_file(path, NULL);
    assert_non_null(got);
    assert_string_equal(got, tickets);
    free(got);
    snprintf(path, sizeof path, "%s/messages.csv", snap);
    got = read_file(path, NULL);
    assert_string_equal(got, messages);
    free(got);
    snprintf(path, sizeof path, "%s/responses.csv", snap); /* never imported: no file */
    assert_null(read_file(path, NULL));
    struct stat st;
    assert_int_equal(stat(snap, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    cxm_store_snapshot_remove(snap);
    assert_int_not_equal(stat(snap, &st), 0);
}

static void a_snapshot_has_every_imported_column_in_first_seen_order(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets", "ticket_id,created_at,team\nT1,2024-01-01T10:00:00Z,A\n", &n);
    import_ok(s, "tickets", "ticket_id,priority,created_at\nT2,high,2024-01-02T10:00:00Z\n", &n);
    char snap[4096];
    cxm_diag d;
    assert_int_equal(cxm_store_snapshot_to(s, snap, sizeof snap, &d), CXM_OK);
    cxm_store_close(s);
    char path[4200];
    snprintf(path, sizeof path, "%s/tickets.csv", snap);
    char *got = read_file(path, NULL);
    assert_string_equal(got, "ticket_id,created_at,team,priority\n"
                             "T1,2024-01-01T10:00:00Z,A,\n"
                             "T2,2024-01-02T10:00:00Z,,high\n");
    free(got);
    cxm_store_snapshot_remove(snap);
}

static void ndjson_and_renamed_columns_are_stored_as_canonical(void **state) {
    (void)state;
    cxm_store *s = open_store();
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    const char *map[] = {"ticket_id=Id"};
    /* the second line brings a new key: the header grows */
    const char *text = "{\"Id\":\"A1\",\"created_at\":\"2024-01-01T10:00:00Z\",\"tags\":[\"x\",\"y\"]}\n"
                       "{\"Id\":\"A2\",\"created_at\":\"2024-01-02T10:00:00Z\",\"team\":\"B\",\"score\":1.50}\n";
    o.stream = "tickets";
    o.path = "t.ndjson";
    o.data = text;
    o.len = strlen(text);
    o.map = map;
    o.nmap = 1;
    cxm_store_counts n;
    cxm_diag d;
    assert_int_equal(cxm_store_import(s, &o, &n, &d), CXM_OK);
    assert_counts(&n, 2, 2, 0, 0, 0);
    char snap[4096];
    assert_int_equal(cxm_store_snapshot_to(s, snap, sizeof snap, &d), CXM_OK);
    cxm_store_close(s);
    char path[4200];
    snprintf(path, sizeof path, "%s/tickets.csv", snap);
    char *got = read_file(path, NULL);
    assert_string_equal(got, "ticket_id,created_at,tags,team,score\n"
                             "A1,2024-01-01T10:00:00Z,x;y,,\n"
                             "A2,2024-01-02T10:00:00Z,,B,1.50\n");
    free(got);
    cxm_store_snapshot_remove(snap);
}

static void extra_values_round_trip_through_json(void **state) {
    (void)state;
    /* quotes, backslashes, controls, non-ASCII, a key needing escapes */
    const char *tickets = "ticket_id,created_at,\"k\"\"ey\\\"\n"
                          "T1,2024-01-01T10:00:00Z,\"a\"\"b\\c\x01\x1f\r\nd \xf0\x9f\x98\x80\"\n";
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets", tickets, &n);
    char snap[4096];
    cxm_diag d;
    assert_int_equal(cxm_store_snapshot_to(s, snap, sizeof snap, &d), CXM_OK);
    cxm_store_close(s);
    char v[128];
    query_text("SELECT extra FROM tickets", v, sizeof v);
    assert_string_equal(v, "{\"k\\\"ey\\\\\":\"a\\\"b\\\\c\\u0001\\u001f\\r\\nd \xf0\x9f\x98\x80\"}");
    char path[4200];
    snprintf(path, sizeof path, "%s/tickets.csv", snap);
    char *got = read_file(path, NULL);
    assert_string_equal(got, tickets);
    free(got);
    cxm_store_snapshot_remove(snap);
}

static void report_opts_with_store_exclude_files(void **state) {
    (void)state;
    cxm_store_close(open_store());
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.store = db;
    o.tickets = "t.csv";
    char *t, *m, *r;
    cxm_diag d;
    assert_int_equal(cxm_store_snapshot_paths(&o, &t, &m, &r, &d), CXM_EUSAGE);
    o.tickets = NULL; /* an empty store: nothing to report on */
    assert_int_equal(cxm_store_snapshot_paths(&o, &t, &m, &r, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "no tickets or responses"));
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets", tickets3, &n);
    cxm_store_close(s);
    assert_int_equal(cxm_store_snapshot_paths(&o, &t, &m, &r, &d), CXM_OK);
    assert_non_null(t);
    assert_null(m);
    assert_null(r);
    struct stat st;
    assert_int_equal(stat(t, &st), 0);
    cxm_store_snapshot_release(&o, t, m, r);
    assert_int_not_equal(stat(t, &st), 0);
    free(t);
}

static void a_report_on_the_store_equals_the_report_on_the_file(void **state) {
    (void)state;
    char path[400];
    snprintf(path, sizeof path, "%s/tickets.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(tickets3, f);
    fclose(f);
    cxm_store *s = open_store();
    cxm_store_counts n;
    import_ok(s, "tickets", tickets3, &n);
    cxm_store_close(s);
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.metrics = "volume,resolution_time";
    o.stats = "mean";
    cxm_result_set *a = NULL, *b = NULL;
    cxm_diag d;
    o.tickets = path;
    assert_int_equal(cxm_report_run(&o, &a, &d), CXM_OK);
    o.tickets = NULL;
    o.store = db;
    assert_int_equal(cxm_report_run(&o, &b, &d), CXM_OK);
    assert_int_equal(cxm_result_count(a), cxm_result_count(b));
    for (size_t i = 0; i < cxm_result_count(a); i++) {
        const cxm_result *x = cxm_result_get(a, i), *y = cxm_result_get(b, i);
        assert_string_equal(x->metric, y->metric);
        assert_int_equal(x->n, y->n);
        assert_true(x->value == y->value);
    }
    /* by hand: 3 tickets; resolved T1 in 24 h and T3 in 1 h: mean 45,000 s */
    assert_true(cxm_result_get(b, 0)->value == 3);
    assert_true(cxm_result_get(b, 1)->value == 45000);
    cxm_result_set_free(a);
    cxm_result_set_free(b);
}

/* ---- tokens -------------------------------------------------------------------------- */

static void scopes_parse_and_format(void **state) {
    (void)state;
    unsigned v;
    cxm_diag d;
    assert_int_equal(cxm_token_scopes_parse("read, ingest", &v, &d), CXM_OK);
    assert_int_equal(v, CXM_SCOPE_READ | CXM_SCOPE_INGEST);
    char buf[32];
    cxm_token_scopes_format(v | CXM_SCOPE_ADMIN, buf, sizeof buf);
    assert_string_equal(buf, "ingest,read,admin");
    assert_int_equal(cxm_token_scopes_parse("read,write", &v, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "'write'"));
    assert_int_equal(cxm_token_scopes_parse("read,read", &v, &d), CXM_EUSAGE);
    assert_int_equal(cxm_token_scopes_parse("", &v, &d), CXM_EUSAGE);
}

static void a_created_token_verifies_with_its_scopes(void **state) {
    (void)state;
    cxm_store *s = open_store();
    char tok[CXM_TOKEN_LEN + 1];
    int64_t id = 0;
    cxm_diag d;
    assert_int_equal(cxm_store_token_create(s, CXM_SCOPE_INGEST | CXM_SCOPE_READ, tok, sizeof tok, &id, &d), CXM_OK);
    assert_int_equal(id, 1);
    assert_int_equal(strlen(tok), 68);
    assert_memory_equal(tok, "cxm_", 4);
    for (size_t i = 4; i < 68; i++)
        assert_non_null(strchr("0123456789abcdef", tok[i]));
    cxm_token_info t;
    assert_int_equal(cxm_store_token_verify(s, tok, strlen(tok), &t), CXM_OK);
    assert_int_equal(t.id, 1);
    assert_int_equal(t.scopes, CXM_SCOPE_INGEST | CXM_SCOPE_READ);
    assert_int_equal(t.revoked_ms, 0);
    assert_true(t.created_ms > 1700000000000LL);
    char tok2[CXM_TOKEN_LEN + 1];
    assert_int_equal(cxm_store_token_create(s, CXM_SCOPE_ADMIN, tok2, sizeof tok2, &id, &d), CXM_OK);
    assert_int_equal(id, 2);
    assert_string_not_equal(tok, tok2);
    cxm_store_close(s);
}

static void wrong_malformed_and_revoked_tokens_do_not_verify(void **state) {
    (void)state;
    cxm_store *s = open_store();
    char tok[CXM_TOKEN_LEN + 1];
    int64_t id;
    cxm_diag d;
    assert_int_equal(cxm_store_token_create(s, CXM_SCOPE_READ, tok, sizeof tok, &id, &d), CXM_OK);
    char bad[CXM_TOKEN_LEN + 1];
    memcpy(bad, tok, sizeof bad);
    bad[40] = bad[40] == 'a' ? 'b' : 'a'; /* one digit off */
    assert_int_equal(cxm_store_token_verify(s, bad, CXM_TOKEN_LEN, NULL), CXM_ENOTFOUND);
    assert_int_equal(cxm_store_token_verify(s, tok, CXM_TOKEN_LEN - 1, NULL), CXM_ENOTFOUND); /* truncated */
    assert_int_equal(cxm_store_token_verify(s, "", 0, NULL), CXM_ENOTFOUND);
    memcpy(bad, tok, sizeof bad);
    bad[0] = 'X';
    assert_int_equal(cxm_store_token_verify(s, bad, CXM_TOKEN_LEN, NULL), CXM_ENOTFOUND);
    assert_int_equal(cxm_store_token_revoke(s, id, &d), CXM_OK);
    assert_int_equal(cxm_store_token_verify(s, tok, CXM_TOKEN_LEN, NULL), CXM_ENOTFOUND);
    assert_int_equal(cxm_store_token_revoke(s, id, &d), CXM_OK); /* again: no change */
    assert_int_equal(cxm_store_token_revoke(s, 99, &d), CXM_ENOTFOUND);
    cxm_token_info *v;
    size_t n;
    assert_int_equal(cxm_store_token_list(s, &v, &n, &d), CXM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, id);
    assert_int_equal(v[0].scopes, CXM_SCOPE_READ);
    assert_true(v[0].revoked_ms >= v[0].created_ms);
    free(v);
    cxm_store_close(s);
}

static void the_store_keeps_the_hash_never_the_token(void **state) {
    (void)state;
    cxm_store *s = open_store();
    char tok[CXM_TOKEN_LEN + 1];
    cxm_diag d;
    assert_int_equal(cxm_store_token_create(s, CXM_SCOPE_READ, tok, sizeof tok, NULL, &d), CXM_OK);
    cxm_store_close(s); /* checkpoints the WAL into the file */
    unsigned char h[32];
    unsigned int hl = 0;
    assert_int_equal(EVP_Digest(tok, strlen(tok), h, &hl, EVP_sha256(), NULL), 1);
    char hex[65], sql[200], v[80];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02X", h[i]);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM tokens WHERE hash = X'%s'", hex);
    query_text(sql, v, sizeof v);
    assert_string_equal(v, "1");
    /* neither the token nor its hex digits appear anywhere in the files */
    const char *suffix[] = {"", "-wal"};
    for (int i = 0; i < 2; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s%s", db, suffix[i]);
        size_t len;
        char *b = read_file(path, &len);
        if (!b) continue;
        for (size_t k = 0; k + 32 <= len; k++)
            assert_true(memcmp(b + k, tok + 4, 32) != 0);
        free(b);
    }
}

static double time_compare(const unsigned char *a, const unsigned char *b, size_t n, int reps) {
    struct timespec t0, t1;
    volatile int sink = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < reps; i++)
        sink += cxm_store_ct_equal(a, b, n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    (void)sink;
    return (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
}

static void hash_comparison_takes_the_same_time_wherever_it_differs(void **state) {
    (void)state;
    enum { N = 1 << 14 };
    unsigned char *a = calloc(N, 1), *b = calloc(N, 1), *c = calloc(N, 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    c[0] = 1; /* differs in the first byte: memcmp would stop at once */
    assert_true(cxm_store_ct_equal(a, b, N));
    assert_false(cxm_store_ct_equal(a, c, N));
    b[N - 1] = 1;
    assert_false(cxm_store_ct_equal(a, b, N)); /* differs in the last byte */
    double late = 1e30, early = 1e30;          /* best of 7: noise only adds */
    for (int r = 0; r < 7; r++) {
        double x = time_compare(a, b, N, 200), y = time_compare(a, c, N, 200);
        if (x < late) late = x;
        if (y < early) early = y;
    }
    /* a short-circuiting compare would be ~1000 times faster on c */
    assert_true(early > late / 3);
    free(a);
    free(b);
    free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrations_from_empty_reach_the_current_version, setup, teardown),
        cmocka_unit_test_setup_teardown(reopening_a_current_store_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_version_1_store_migrates_keeping_its_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(a_store_from_a_newer_cxm_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(files_that_are_not_stores_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_missing_store_is_not_created_by_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(every_canonical_column_has_a_store_column, setup, teardown),
        cmocka_unit_test_setup_teardown(a_version_2_file_is_what_cxm_2_wrote, setup, teardown),
        cmocka_unit_test_setup_teardown(migration_3_moves_agent_out_of_extra_keeping_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(the_same_file_after_migration_3_is_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(a_changed_agent_updates_the_same_event, setup, teardown),
        cmocka_unit_test_setup_teardown(a_first_import_inserts_every_good_row, setup, teardown),
        cmocka_unit_test_setup_teardown(the_same_file_twice_is_stored_once, setup, teardown),
        cmocka_unit_test_setup_teardown(a_changed_record_replaces_the_old_one, setup, teardown),
        cmocka_unit_test_setup_teardown(a_repeated_id_in_one_file_keeps_the_last_values, setup, teardown),
        cmocka_unit_test_setup_teardown(messages_are_keyed_by_their_canonical_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(identical_message_rows_in_one_file_are_distinct_events, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_rows_are_rejected_with_file_line_and_column, setup, teardown),
        cmocka_unit_test_setup_teardown(message_and_response_rows_are_checked_as_a_report_checks_them, setup, teardown),
        cmocka_unit_test_setup_teardown(extra_columns_must_be_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(headers_the_store_cannot_keep_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(batches_commit_in_order_and_are_acknowledged, setup, teardown),
        cmocka_unit_test_setup_teardown(strict_mode_rolls_back_the_open_batch_only, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reader_never_sees_an_open_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(a_snapshot_taken_during_ingest_is_the_committed_state, setup, teardown),
        cmocka_unit_test_setup_teardown(a_snapshot_reproduces_canonical_csv_byte_for_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(a_snapshot_has_every_imported_column_in_first_seen_order, setup, teardown),
        cmocka_unit_test_setup_teardown(ndjson_and_renamed_columns_are_stored_as_canonical, setup, teardown),
        cmocka_unit_test_setup_teardown(extra_values_round_trip_through_json, setup, teardown),
        cmocka_unit_test_setup_teardown(report_opts_with_store_exclude_files, setup, teardown),
        cmocka_unit_test_setup_teardown(a_report_on_the_store_equals_the_report_on_the_file, setup, teardown),
        cmocka_unit_test(scopes_parse_and_format),
        cmocka_unit_test_setup_teardown(a_created_token_verifies_with_its_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_malformed_and_revoked_tokens_do_not_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(the_store_keeps_the_hash_never_the_token, setup, teardown),
        cmocka_unit_test_setup_teardown(the_sweep_removes_only_snapshots_of_dead_processes, setup, teardown),
        cmocka_unit_test(hash_comparison_takes_the_same_time_wherever_it_differs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
