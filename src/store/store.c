/*
 * store.c - the embedded store (see store.h): opening a SQLite file in WAL
 * mode, the schema and its migrations, and ingest (rows read with the
 * normal readers, checked, upserted in batches, one transaction each).
 * Design note: docs/internals/store.md.
 *
 * Invariants:
 *  - meta.schema_version is the number of migrations applied; migrations
 *    run in order, all of those a file lacks in one IMMEDIATE transaction,
 *    so a file is always at exactly one version.
 *  - Each stream table has a PRIMARY KEY (ticket_id; response_id; for
 *    messages (ticket_id, msg_key), msg_key being XXH3-128 of the event's
 *    identity, the canonical fields ticket_id, at, author, public, status
 *    (not agent: who wrote an event is a value of it, so a changed agent
 *    updates the event), and of the row's occurrence among rows of its
 *    input with the same identity), the stream's canonical columns as TEXT
 *    (NULL: the input had no value; messages.agent: no value or empty),
 *    `extra` (a JSON object of the other columns' non-empty values, keys
 *    sorted, or NULL), row_hash (XXH3-64 of every value: equal hashes mean
 *    an unchanged record; an absent messages.agent adds nothing to it, so
 *    the hashes of rows stored before migration 3 stay valid) and version
 *    (1 when inserted, +1 each time a changed record replaced it). The
 *    rowid keeps first-seen order, which a snapshot reproduces.
 *  - `columns` lists, per stream, every column name any import's header
 *    had (canonical names after --map, other names as given), numbered in
 *    first-seen order. It is written in the same transaction as the rows.
 *  - A batch is one transaction: BEGIN IMMEDIATE, upserts, COMMIT; the
 *    `committed` callback runs only after COMMIT returned SQLITE_OK with
 *    synchronous=FULL, i.e. after the WAL was fsync'ed.
 *  - The batches of one process take turns in arrival order (a ticket
 *    lock, held from BEGIN IMMEDIATE to COMMIT or ROLLBACK): the threads of
 *    `cxm serve` queue here instead of at SQLite's write lock, whose busy
 *    handler sleeps up to 100 ms between tries while the store sits idle.
 *    Other processes still meet at SQLite's lock (busy timeout).
 *  - During an import the handle checkpoints the WAL itself, after its
 *    turn is over, once the WAL holds CXM_STORE_CHECKPOINT_PAGES pages
 *    (SQLite's automatic checkpoint would run inside COMMIT, every 1,000
 *    pages, while the next writer waits). Checkpoints change nothing of
 *    what is durable: a committed batch is in the fsync'ed WAL already.
 *
 * Sizes: rows arrive by the million; per row the cost is the checks (as a
 * report pays them), one XXH3 pass, and one prepared upsert (cached on the
 * handle). Memory is the reader's window plus a JSON buffer for one row,
 * and for messages 26 bytes per row of the input (the occurrence set).
 */
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/idset.h"
#include "core/limits.h"
#include "io/rows.h"
#include "metrics/survey.h"
#include "model/messages.h"
#include "model/schema.h"
#include "model/ticket.h"
#include "store/store_int.h"
#include "time/parse.h"
#include "time/tz.h"

#define CXM_STORE_APP_ID 0x43584d31 /* "CXM1" in the SQLite header's application_id */
/* WAL pages (4 KiB) after which an importing handle checkpoints (passive) */
#define CXM_STORE_CHECKPOINT_PAGES      8192
#define CXM_STORE_SQLITE_AUTOCHECKPOINT 1000 /* SQLite's default, restored after an import */

const char *const cxm_store_streams[] = {"tickets", "messages", "responses", NULL};

/* Per stream: its definition, key column and primary key. */
const cxm_store_stream cxm_store_stream_defs[CXM_STORE_NSTREAMS] = {
    {"tickets", &cxm_stream_tickets, "ticket_id", 0, "ticket_id"},
    {"messages", &cxm_stream_messages, "msg_key", -1, "ticket_id, msg_key"},
    {"responses", &cxm_stream_responses, "response_id", 0, "response_id"},
};

/* ---- schema ---------------------------------------------------------------- */

/* Migration k (1-based) takes a file from version k-1 to k. Never edit one
 * that has shipped: add the next. tests/unit/test_store.c checks that each
 * table has every canonical column of its stream (src/model/schema.c). */
static const char *const migrations[] = {
    /* 1: the streams, their column lists, meta */
    "CREATE TABLE meta(key TEXT NOT NULL PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    /* key columns first: SQLite 3.40's integrity_check misreads a WITHOUT
     * ROWID table whose other columns come before its key ("NULL value") */
    "CREATE TABLE columns(stream TEXT NOT NULL, name TEXT NOT NULL, pos INTEGER NOT NULL,"
    " PRIMARY KEY(stream, name)) WITHOUT ROWID;"
    "CREATE TABLE tickets(ticket_id TEXT NOT NULL PRIMARY KEY, created_at TEXT,"
    " first_response_at TEXT, first_resolved_at TEXT, resolved_at TEXT, closed_at TEXT,"
    " answered_at TEXT, channel TEXT, agent TEXT, team TEXT, priority TEXT, status TEXT,"
    " customer_id TEXT, reopens TEXT, agent_replies TEXT, customer_replies TEXT,"
    " handle_seconds TEXT, abandoned TEXT, complaint TEXT, tags TEXT,"
    " extra TEXT, row_hash INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1);"
    /* messages: the key leads with ticket_id, so inserts of a file
     * grouped by ticket touch neighbouring index pages (a random 128-bit
     * key alone made the index a random-write workload: 3x slower), and
     * a ticket's messages are one index range */
    "CREATE TABLE messages(msg_key BLOB NOT NULL, ticket_id TEXT NOT NULL, at TEXT,"
    " author TEXT, public TEXT, status TEXT,"
    " extra TEXT, row_hash INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1,"
    " PRIMARY KEY(ticket_id, msg_key));"
    "CREATE TABLE responses(response_id TEXT NOT NULL PRIMARY KEY, at TEXT, survey TEXT,"
    " score TEXT, scale_min TEXT, scale_max TEXT, ticket_id TEXT, customer_id TEXT, agent TEXT,"
    " channel TEXT, comment TEXT, sent TEXT,"
    " extra TEXT, row_hash INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1);",
    /* 2: API tokens (only SHA-256 hashes are stored) */
    "CREATE TABLE tokens(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),"
    " scopes TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);",
    /* 3: messages.agent, the teammate who wrote the event (a canonical
     * column since schema 3; before, a messages file's agent column went
     * to `extra`): the column, then migrate_agent moves the values */
    "ALTER TABLE messages ADD COLUMN agent TEXT;",
};
_Static_assert(sizeof migrations / sizeof migrations[0] == CXM_STORE_SCHEMA_VERSION,
               "one migration per schema version");

static int migrate_agent(cxm_store *s, cxm_diag *diag);
/* Work a migration does in C after its SQL, in the same transaction
 * (NULL: none). Same rule: never edit one that has shipped. */
static int (*const migration_code[])(cxm_store *, cxm_diag *) = {NULL, NULL, migrate_agent};
_Static_assert(sizeof migration_code / sizeof migration_code[0] == CXM_STORE_SCHEMA_VERSION,
               "one entry per schema version");

/* ---- errors ---------------------------------------------------------------- */

int cxm_store_fail(cxm_store *s, int src, const char *what, cxm_diag *diag) {
    int code;
    switch (src & 0xff) {
    case SQLITE_NOMEM: code = CXM_ENOMEM; break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: code = CXM_EDATA; break;
    default: code = CXM_EIO; break;
    }
    const char *msg = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(src);
    const char *hint = "";
    if ((src & 0xff) == SQLITE_BUSY || (src & 0xff) == SQLITE_LOCKED)
        hint = " (another process held the store's write lock past the busy timeout)";
    else if ((src & 0xff) == SQLITE_NOTADB)
        hint = " (not a cxm store)";
    return cxm_diag_set(diag, code, s ? s->path : NULL, 0, 0, NULL, "%s: %s%s", what, msg, hint);
}

int cxm_store_exec(cxm_store *s, const char *sql, const char *what, cxm_diag *diag) {
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? CXM_OK : cxm_store_fail(s, rc, what, diag);
}

/* ---- open, migrate, close -------------------------------------------------- */

static char *xstrdup(const char *p) {
    size_t n = strlen(p) + 1;
    char *q = malloc(n);
    if (q) memcpy(q, p, n);
    return q;
}

/* One integer from a query with no parameters; *found 0 when no row. */
static int query_int(cxm_store *s, const char *sql, int64_t *out, int *found, cxm_diag *diag) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return cxm_store_fail(s, rc, "reading the store", diag);
    *found = 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        *found = 1;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CXM_OK : cxm_store_fail(s, rc, "reading the store", diag);
}

/* The file's schema version: 0 for an empty file; CXM_EDATA for a SQLite
 * file that has tables but is no cxm store. */
static int read_version(cxm_store *s, int *version, cxm_diag *diag) {
    int64_t v = 0, n = 0;
    int found = 0, rc;
    if ((rc = query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'", &n, &found,
                        diag)))
        return rc;
    if (n == 0) {
        if ((rc = query_int(s, "SELECT count(*) FROM sqlite_master", &n, &found, diag))) return rc;
        if (n > 0)
            return cxm_diag_set(diag, CXM_EDATA, s->path, 0, 0, NULL,
                                "a SQLite file that is not a cxm store (it has tables but no 'meta' table)");
        *version = 0;
        return CXM_OK;
    }
    if ((rc = query_int(s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'", &v, &found, diag)))
        return rc;
    if (!found || v < 0 || v > 1000000)
        return cxm_diag_set(diag, CXM_EDATA, s->path, 0, 0, NULL, "not a cxm store: no schema_version in 'meta'");
    *version = (int)v;
    return CXM_OK;
}

/* version: the file's version as read at open (without a lock: read again
 * under the write lock before migrating). */
static int migrate(cxm_store *s, int target, int version, cxm_diag *diag) {
    int rc;
    if (version > CXM_STORE_SCHEMA_VERSION)
        return cxm_diag_set(diag, CXM_EDATA, s->path, 0, 0, NULL,
                            "the store has schema version %d; this cxm (%s) knows up to %d: use a newer cxm", version,
                            CXM_VERSION_STRING, CXM_STORE_SCHEMA_VERSION);
    if (version >= target) {
        s->version = version;
        return CXM_OK;
    }
    /* the write lock first, then look again: another process may have
     * migrated the file meanwhile */
    if ((rc = cxm_store_exec(s, "BEGIN IMMEDIATE", "starting the schema migration", diag))) return rc;
    if ((rc = read_version(s, &version, diag))) goto fail;
    for (int v = version + 1; v <= target; v++) {
        char what[64];
        snprintf(what, sizeof what, "applying migration %d", v);
        if ((rc = cxm_store_exec(s, migrations[v - 1], what, diag))) goto fail;
        if (migration_code[v - 1] && (rc = migration_code[v - 1](s, diag))) goto fail;
    }
    if (version < target) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "INSERT INTO meta(key, value) VALUES('schema_version', '%d')"
                 " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 target);
        if ((rc = cxm_store_exec(s, sql, "recording the schema version", diag))) goto fail;
        if (version == 0) {
            snprintf(sql, sizeof sql, "PRAGMA application_id = %d", CXM_STORE_APP_ID);
            if ((rc = cxm_store_exec(s, sql, "marking the file", diag)) ||
                (rc = cxm_store_exec(s,
                                     "INSERT INTO meta(key, value) VALUES('created_by', 'cxm " CXM_VERSION_STRING "')",
                                     "recording the creator", diag)))
                goto fail;
        }
    }
    if ((rc = cxm_store_exec(s, "COMMIT", "committing the schema migration", diag))) goto fail;
    s->version = version > target ? version : target;
    return CXM_OK;
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int cxm_store_open_version(const char *path, int flags, int version, cxm_store **out, cxm_diag *diag) {
    *out = NULL;
    if (!path || !*path) return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--store: expected a file name");
    if (version < 1 || version > CXM_STORE_SCHEMA_VERSION)
        return cxm_diag_set(diag, CXM_EINVAL, path, 0, 0, NULL, "schema version %d out of range", version);
    struct stat st;
    if (!(flags & CXM_STORE_CREATE) && stat(path, &st) != 0)
        return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL,
                            "no store here (%s); create one with 'cxm import STREAM FILE --store %s'", strerror(errno),
                            path);
    cxm_store *s = calloc(1, sizeof *s);
    if (!s) return CXM_ENOMEM;
    s->path = xstrdup(path);
    if (!s->path) {
        free(s);
        return CXM_ENOMEM;
    }
    int rc = sqlite3_open_v2(
        path, &s->db,
        SQLITE_OPEN_READWRITE | ((flags & CXM_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = cxm_store_fail(s, rc, "opening the store", diag);
        cxm_store_close(s);
        return rc;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, CXM_STORE_BUSY_MS);
    int64_t app = 0;
    int found = 0;
    /* the first read: a file that is not SQLite fails here (SQLITE_NOTADB) */
    rc = query_int(s, "PRAGMA application_id", &app, &found, diag);
    if (!rc && app != 0 && app != CXM_STORE_APP_ID)
        rc =
            cxm_diag_set(diag, CXM_EDATA, path, 0, 0, NULL,
                         "a SQLite file of another application (application_id %lld), not a cxm store", (long long)app);
    int version0 = 0;
    if (!rc) rc = read_version(s, &version0, diag); /* refuse another application's file before changing it */
    if (!rc) {
        /* WAL: readers never block the writer nor see its open transaction */
        sqlite3_stmt *jm = NULL;
        rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &jm, NULL);
        if (rc == SQLITE_OK) rc = sqlite3_step(jm);
        if (rc == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(jm, 0);
            rc = mode && !strcmp(mode, "wal")
                     ? CXM_OK
                     : cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL,
                                    "could not switch the store to WAL mode (journal mode '%s'): is the file on a "
                                    "file system without shared memory (NFS)?",
                                    mode ? mode : "?");
        } else {
            rc = cxm_store_fail(s, rc, "setting WAL mode", diag);
        }
        sqlite3_finalize(jm);
    }
    /* FULL: the WAL is fsync'ed at every commit, so a committed batch
     * survives a power cut, not just a crash of the process */
    if (!rc) rc = cxm_store_exec(s, "PRAGMA synchronous = FULL", "setting synchronous = FULL", diag);
    if (!rc) rc = cxm_store_exec(s, "PRAGMA cache_size = -32768", "setting the cache size", diag);
    if (!rc) rc = migrate(s, version, version0, diag); /* a current file: no more queries */
    if (rc) {
        cxm_store_close(s);
        return rc;
    }
    *out = s;
    return CXM_OK;
}

int cxm_store_open(const char *path, int flags, cxm_store **out, cxm_diag *diag) {
    return cxm_store_open_version(path, flags, CXM_STORE_SCHEMA_VERSION, out, diag);
}

void cxm_store_close(cxm_store *s) {
    if (!s) return;
    for (size_t i = 0; i < CXM_STORE_NSTREAMS; i++)
        sqlite3_finalize(s->upsert[i]);
    sqlite3_finalize(s->colreg);
    sqlite3_close(s->db); /* every statement is finalized: closes now */
    free(s->path);
    free(s);
}

int cxm_store_schema_version(const cxm_store *s) {
    return s ? s->version : 0;
}
const char *cxm_store_path(const cxm_store *s) {
    return s ? s->path : NULL;
}

int cxm_store_stream_index(const char *name) {
    for (int i = 0; i < CXM_STORE_NSTREAMS; i++)
        if (name && !strcmp(cxm_store_stream_defs[i].name, name)) return i;
    return -1;
}

/* ---- JSON of the extra columns ------------------------------------------ */

/* 1 if p[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int cxm_store_utf8_valid(const char *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned min;
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= k) return 0; /* truncated sequence */
        unsigned cp = c & (0x3fu >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        i += k + 1;
    }
    return 1;
}

/* Appends s[0..n) as a JSON string (UTF-8 kept, controls escaped). */
static int json_str(cxm_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    int rc = cxm_buf_putc(b, '"');
    size_t run = 0; /* bytes copied as they are, pending */
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        if (run) rc = cxm_buf_append(b, s + i - run, run);
        run = 0;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (!rc) {
            if (c == '"' || c == '\\') {
                esc[1] = (char)c;
                rc = cxm_buf_append(b, esc, 2);
            } else if (c == '\n')
                rc = cxm_buf_append(b, "\\n", 2);
            else if (c == '\t')
                rc = cxm_buf_append(b, "\\t", 2);
            else if (c == '\r')
                rc = cxm_buf_append(b, "\\r", 2);
            else
                rc = cxm_buf_append(b, esc, 6);
        }
    }
    if (!rc && run) rc = cxm_buf_append(b, s + n - run, run);
    if (!rc) rc = cxm_buf_putc(b, '"');
    return rc;
}

/* ---- the writers' turns ------------------------------------------------------- */

/* A ticket lock over every import batch of the process (see the header
 * comment): turn_take waits until every batch that asked before it is
 * done. Re-entrant for the thread that holds it (an import started from a
 * callback of another one meets SQLite's lock as before). */
static pthread_mutex_t turn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cv = PTHREAD_COND_INITIALIZER;
static uint64_t turn_next, turn_serving; /* tickets handed out; the ticket served */
static pthread_t turn_owner;
static unsigned turn_depth; /* > 0 while turn_owner holds the turn */

static void turn_take(void) {
    pthread_mutex_lock(&turn_mu);
    if (turn_depth && pthread_equal(turn_owner, pthread_self())) {
        turn_depth++;
    } else {
        uint64_t mine = turn_next++;
        while (mine != turn_serving)
            pthread_cond_wait(&turn_cv, &turn_mu);
        turn_owner = pthread_self();
        turn_depth = 1;
    }
    pthread_mutex_unlock(&turn_mu);
}

static void turn_give(void) {
    pthread_mutex_lock(&turn_mu);
    if (--turn_depth == 0) {
        turn_serving++;
        pthread_cond_broadcast(&turn_cv);
    }
    pthread_mutex_unlock(&turn_mu);
}

/* SQLite's WAL hook during an import: remembers the WAL's size after each
 * commit (instead of checkpointing inside COMMIT). */
static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames) {
    (void)db;
    (void)name;
    *(int *)ud = frames;
    return SQLITE_OK;
}

/* ---- ingest ---------------------------------------------------------------- */

typedef struct survey_seen {
    char name[32];
    cxm_survey_scale scale;
} survey_seen;

enum { MAX_SURVEY_NAMES = 256 };

typedef struct importer {
    cxm_store *s;
    const cxm_import_opts *o;
    int si; /* stream index */
    const cxm_store_stream *st;
    const char *file; /* name in diagnostics */
    cxm_rows *r;
    const cxm_field *names; /* header, borrowed from r */
    size_t ncols;
    cxm_colmap map;
    int *extra; /* source indexes of the extra columns, sorted by name */
    size_t nextra;
    int header_dirty; /* column names not yet written to `columns` */
    cxm_tz *tz;
    cxm_date_order order;
    cxm_buf json;       /* the extra object of one row */
    cxm_idset occ;      /* messages: the keys of this input, for repeated rows */
    unsigned char *rec; /* the hashing record of one row (rec_field), owned */
    size_t rec_cap;
    survey_seen seen[MAX_SURVEY_NAMES];
    size_t nseen;
    int in_txn;                /* a batch is open (and this thread has the turn) */
    int wal_frames;            /* pages in the WAL after the last commit (wal_hook) */
    uint64_t batch_rows;       /* rows in the open transaction */
    cxm_store_counts tot, cur; /* committed totals; the open batch */
    cxm_diag *diag;
} importer;

static int field_eq(const cxm_field *f, const char *s) {
    size_t n = strlen(s);
    return f->ptr && f->len == n && !memcmp(f->ptr, s, n);
}

static int cmp_names(const cxm_field *a, const cxm_field *b) {
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->ptr, b->ptr, n) : 0;
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Resolves the current header: canonical columns (after --map), and the
 * extra columns, sorted by name. Refuses a header the store cannot keep
 * faithfully: a name twice, a canonical name shadowed by a rename, a name
 * that is not UTF-8. */
static int resolve_header(importer *im) {
    cxm_rows_header(im->r, &im->names, &im->ncols);
    cxm_colmap_free(&im->map);
    int rc =
        cxm_colmap_resolve(&im->map, im->st->def, im->file, im->names, im->ncols, im->o->map, im->o->nmap, im->diag);
    if (rc) return rc;
    free(im->extra);
    im->nextra = 0;
    im->extra = malloc((im->ncols ? im->ncols : 1) * sizeof *im->extra);
    if (!im->extra) return CXM_ENOMEM;
    for (size_t i = 0; i < im->ncols; i++) {
        const cxm_field *n = &im->names[i];
        if (!cxm_store_utf8_valid(n->ptr ? n->ptr : "", n->len))
            return cxm_diag_set(im->diag, CXM_EDATA, im->file, 1, (uint32_t)i + 1, NULL,
                                "column %zu's name is not UTF-8 text: the store keeps names as UTF-8", i + 1);
        if (im->map.canon_of_src[i] >= 0) continue;
        for (size_t c = 0; c < im->st->def->ncols; c++)
            if (field_eq(n, im->st->def->cols[c].name))
                return cxm_diag_set(im->diag, CXM_EUSAGE, im->file, 1, (uint32_t)i + 1, NULL,
                                    "the column '%s' is also the target of a --map rename: the store keeps one "
                                    "column of each name (rename or drop one)",
                                    im->st->def->cols[c].name);
        /* insertion sort by name: headers are short */
        size_t k = im->nextra++;
        while (k > 0 && cmp_names(&im->names[im->extra[k - 1]], n) > 0) {
            im->extra[k] = im->extra[k - 1];
            k--;
        }
        im->extra[k] = (int)i;
        if (k > 0 && !cmp_names(&im->names[im->extra[k - 1]], n))
            return cxm_diag_set(im->diag, CXM_EDATA, im->file, 1, (uint32_t)i + 1, NULL,
                                "the header names the column '%.*s' twice: the store keeps one column of each name",
                                (int)(n->len > 80 ? 80 : n->len), n->ptr ? n->ptr : "");
        if (k + 1 < im->nextra && !cmp_names(&im->names[im->extra[k + 1]], n))
            return cxm_diag_set(im->diag, CXM_EDATA, im->file, 1, (uint32_t)i + 1, NULL,
                                "the header names the column '%.*s' twice: the store keeps one column of each name",
                                (int)(n->len > 80 ? 80 : n->len), n->ptr ? n->ptr : "");
    }
    im->header_dirty = 1;
    return CXM_OK;
}

/* Writes the header's column names to `columns` (inside the open transaction). */
static int register_columns(importer *im) {
    cxm_store *s = im->s;
    int rc;
    if (!s->colreg) {
        rc = sqlite3_prepare_v2(s->db,
                                "INSERT OR IGNORE INTO columns(stream, pos, name)"
                                " SELECT ?1, coalesce(max(pos), 0) + 1, ?2 FROM columns WHERE stream = ?1",
                                -1, &s->colreg, NULL);
        if (rc != SQLITE_OK) return cxm_store_fail(s, rc, "preparing the column list", im->diag);
    }
    for (size_t i = 0; i < im->ncols; i++) {
        int canon = im->map.canon_of_src[i];
        const char *name = canon >= 0 ? im->st->def->cols[canon].name : im->names[i].ptr;
        int len = canon >= 0 ? -1 : (int)im->names[i].len;
        sqlite3_bind_text(s->colreg, 1, im->st->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->colreg, 2, name ? name : "", name ? len : 0, SQLITE_STATIC);
        rc = sqlite3_step(s->colreg);
        sqlite3_reset(s->colreg);
        if (rc != SQLITE_DONE) return cxm_store_fail(s, rc, "recording the columns", im->diag);
    }
    im->header_dirty = 0;
    return CXM_OK;
}

/* The upsert of stream si, prepared once per handle. Parameters: [msg_key]
 * canonical columns..., extra, row_hash. A record with the same row_hash
 * is left alone (no change), another one replaces the old values. */
static int upsert_stmt(cxm_store *s, int si, sqlite3_stmt **out, cxm_diag *diag) {
    if (s->upsert[si]) {
        *out = s->upsert[si];
        return CXM_OK;
    }
    const cxm_store_stream *st = &cxm_store_stream_defs[si];
    cxm_buf q;
    cxm_buf_init(&q, 1u << 16);
    int rc = cxm_buf_printf(&q, "INSERT INTO %s(", st->name);
    size_t np = 0;
    if (!rc && st->key_canon < 0) rc = cxm_buf_printf(&q, "%s, ", st->key), np++;
    for (size_t c = 0; c < st->def->ncols && !rc; c++)
        rc = cxm_buf_printf(&q, "\"%s\", ", st->def->cols[c].name), np++;
    if (!rc) rc = cxm_buf_printf(&q, "extra, row_hash) VALUES(");
    np += 2;
    for (size_t i = 1; i <= np && !rc; i++)
        rc = cxm_buf_printf(&q, "%s?%zu", i > 1 ? ", " : "", i);
    if (!rc) rc = cxm_buf_printf(&q, ") ON CONFLICT(%s) DO UPDATE SET ", st->conflict);
    for (size_t c = 0; c < st->def->ncols && !rc; c++)
        rc = cxm_buf_printf(&q, "\"%s\" = excluded.\"%s\", ", st->def->cols[c].name, st->def->cols[c].name);
    if (!rc)
        rc = cxm_buf_printf(&q, "extra = excluded.extra, row_hash = excluded.row_hash, version = version + 1"
                                " WHERE row_hash IS NOT excluded.row_hash");
    if (rc) {
        cxm_buf_free(&q);
        return rc;
    }
    rc = sqlite3_prepare_v2(s->db, q.data, -1, &s->upsert[si], NULL);
    cxm_buf_free(&q);
    if (rc != SQLITE_OK) return cxm_store_fail(s, rc, "preparing the upsert", diag);
    *out = s->upsert[si];
    return CXM_OK;
}

static const cxm_field *fld(const importer *im, const cxm_field *f, size_t nf, int canon) {
    int src = im->map.src[canon];
    return src >= 0 && (size_t)src < nf && f[src].ptr ? &f[src] : NULL;
}

static uint32_t col1(const importer *im, int canon) {
    return im->map.src[canon] >= 0 ? (uint32_t)im->map.src[canon] + 1 : 0;
}

static int check_time(const importer *im, const cxm_field *v, int canon, uint64_t line, cxm_diag *d) {
    const char *why = NULL;
    cxm_time t;
    if (v && v->len && !cxm_parse_time(v->ptr, v->len, im->tz, im->order, &t, &why)) return CXM_OK;
    return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, canon), im->st->def->cols[canon].name,
                        "expected a timestamp such as 2024-03-05T14:07:00Z, found '%.*s'%s%s",
                        v ? (int)(v->len > 80 ? 80 : v->len) : 0, v ? v->ptr : "", why ? ": " : "", why ? why : "");
}

/* The message checks of model/messages.c (its own vocabulary functions). */
static int check_message(const importer *im, const cxm_field *f, size_t nf, uint64_t line, cxm_diag *d) {
    uint8_t kind;
    const cxm_field *id = fld(im, f, nf, MS_TICKET_ID), *au = fld(im, f, nf, MS_AUTHOR),
                    *pub = fld(im, f, nf, MS_PUBLIC), *stt = fld(im, f, nf, MS_STATUS);
    if (!id || !id->len)
        return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, MS_TICKET_ID), "ticket_id",
                            "expected a ticket id, found an empty field");
    int rc = check_time(im, fld(im, f, nf, MS_AT), MS_AT, line, d);
    if (rc) return rc;
    if (!au || !au->ptr || cxm_msg_author(au, &kind))
        return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, MS_AUTHOR), "author",
                            "expected customer, agent, bot or system, found '%.*s'",
                            au ? (int)(au->len > 80 ? 80 : au->len) : 0, au ? au->ptr : "");
    int b;
    if (pub && pub->len && cxm_parse_bool(pub->ptr, pub->len, &b))
        return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, MS_PUBLIC), "public",
                            "expected true/false, yes/no or 1/0, found '%.*s'", (int)(pub->len > 80 ? 80 : pub->len),
                            pub->ptr);
    if (stt && stt->len && cxm_msg_status(stt, &kind))
        return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, MS_STATUS), "status",
                            "expected open, pending, hold, solved or closed, found '%.*s'",
                            (int)(stt->len > 80 ? 80 : stt->len), stt->ptr);
    return CXM_OK;
}

/* The per-row checks of the report's survey reader that do not depend on
 * other rows (a survey keeping one scale is checked by the report). */
static int check_response(importer *im, const cxm_field *f, size_t nf, uint64_t line, cxm_diag *d) {
    const cxm_field *id = fld(im, f, nf, RS_RESPONSE_ID), *sv = fld(im, f, nf, RS_SURVEY),
                    *smin = fld(im, f, nf, RS_SCALE_MIN), *smax = fld(im, f, nf, RS_SCALE_MAX),
                    *score = fld(im, f, nf, RS_SCORE);
    if (!id || !id->len)
        return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, RS_RESPONSE_ID), "response_id",
                            "expected a response id, found an empty field");
    int rc = check_time(im, fld(im, f, nf, RS_AT), RS_AT, line, d);
    if (rc) return rc;
    if (!sv || !sv->len)
        return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, RS_SURVEY), "survey",
                            "expected a survey name (csat, ces, nps, enps, esat, ...), found an empty field");
    int has_min = smin && smin->len, has_max = smax && smax->len;
    int64_t lo = -1, hi = -1;
    if ((has_min && (cxm_parse_int(smin->ptr, smin->len, &lo) || lo < 0 || lo > CXM_MAX_SURVEY_SCORE)) ||
        (has_max && (cxm_parse_int(smax->ptr, smax->len, &hi) || hi < 0 || hi > CXM_MAX_SURVEY_SCORE))) {
        int bad_min = has_min && (lo < 0 || lo > CXM_MAX_SURVEY_SCORE);
        return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, bad_min ? RS_SCALE_MIN : RS_SCALE_MAX),
                            bad_min ? "scale_min" : "scale_max", "expected a whole number from 0 to %d",
                            CXM_MAX_SURVEY_SCORE);
    }
    if (has_min != has_max)
        return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, has_min ? RS_SCALE_MAX : RS_SCALE_MIN),
                            has_min ? "scale_max" : "scale_min", "expected scale_min and scale_max together");
    char low[32];
    size_t n = sv->len < sizeof low - 1 ? sv->len : sizeof low - 1;
    for (size_t i = 0; i < n; i++) {
        char c = sv->ptr[i];
        low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    low[n] = 0;
    cxm_survey_scale scale = {0, 0};
    int known = 0;
    if (has_min) {
        scale.min = (int)lo;
        scale.max = (int)hi;
        cxm_diag sd;
        if (cxm_survey_scale_check(scale, &sd))
            return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, RS_SCALE_MIN), "scale_min", "%s", sd.msg);
        known = 1;
        /* remember it: later rows of this survey may leave the scale out */
        size_t k = 0;
        while (k < im->nseen && strcmp(im->seen[k].name, low))
            k++;
        if (k == im->nseen && im->nseen < MAX_SURVEY_NAMES) {
            snprintf(im->seen[k].name, sizeof im->seen[k].name, "%s", low);
            im->seen[k].scale = scale;
            im->nseen++;
        }
    } else {
        for (size_t k = 0; k < im->nseen && !known; k++)
            if (!strcmp(im->seen[k].name, low)) scale = im->seen[k].scale, known = 1;
        if (!known) known = !cxm_survey_scale_default(low, &scale);
    }
    if (score && score->len) {
        double x;
        int sc;
        int lo_ok = known ? scale.min : 0, hi_ok = known ? scale.max : CXM_MAX_SURVEY_SCORE;
        if (cxm_parse_double(score->ptr, score->len, &x) || cxm_survey_score_from_double(x, &sc) || sc < lo_ok ||
            sc > hi_ok)
            return cxm_diag_set(d, CXM_EPARSE, im->file, line, col1(im, RS_SCORE), "score",
                                "expected a whole number from %d to %d%s%s%s, found '%.*s'", lo_ok, hi_ok,
                                known ? " (the " : "", known ? low : "", known ? " scale)" : "",
                                (int)(score->len > 40 ? 40 : score->len), score->ptr);
    }
    return CXM_OK;
}

static int check_row(importer *im, const cxm_field *f, size_t nf, uint64_t line, cxm_diag *d) {
    int rc;
    switch (im->si) {
    case 0: {
        cxm_parse_ctx pc = {im->file, &im->map, im->names, im->tz, im->order, CXM_NEED_ALL};
        cxm_ticket t;
        rc = cxm_ticket_parse(&pc, f, nf, line, &t, d);
        break;
    }
    case 1: rc = check_message(im, f, nf, line, d); break;
    default: rc = check_response(im, f, nf, line, d); break;
    }
    if (rc) return rc;
    /* the store keeps other columns in JSON: UTF-8 only */
    for (size_t k = 0; k < im->nextra; k++) {
        int src = im->extra[k];
        if ((size_t)src < nf && f[src].ptr && !cxm_store_utf8_valid(f[src].ptr, f[src].len))
            return cxm_diag_set(d, CXM_EPARSE, im->file, line, (uint32_t)src + 1, NULL,
                                "column '%.*s': expected UTF-8 text (the store keeps this column in JSON)",
                                (int)(im->names[src].len > 60 ? 60 : im->names[src].len),
                                im->names[src].ptr ? im->names[src].ptr : "");
    }
    return CXM_OK;
}

/* Appends v to the row's hashing record: a presence byte, then for a
 * present value its length (4 bytes, little-endian) and its bytes, so no
 * two different rows give the same record. The caller has reserved room. */
static inline unsigned char *rec_field(unsigned char *w, const cxm_field *v) {
    if (!v) {
        *w++ = 0;
        return w;
    }
    size_t n = v->len; /* < 2^32: fields and records are capped far below */
    w[0] = 1;
    w[1] = (unsigned char)n;
    w[2] = (unsigned char)(n >> 8);
    w[3] = (unsigned char)(n >> 16);
    w[4] = (unsigned char)(n >> 24);
    if (n) memcpy(w + 5, v->ptr, n);
    return w + 5 + n;
}

/* Makes room for need bytes of record in *rec (*cap bytes; owned by the
 * caller), capped by the record limit. */
static int rec_reserve(unsigned char **rec, size_t *rcap, size_t need) {
    if (need <= *rcap) return CXM_OK;
    if (need > 3 * (size_t)CXM_MAX_RECORD_BYTES) return CXM_ELIMIT;
    size_t cap = *rcap ? *rcap : 4096;
    while (cap < need)
        cap *= 2;
    unsigned char *p = realloc(*rec, cap);
    if (!p) return CXM_ENOMEM;
    *rec = p;
    *rcap = cap;
    return CXM_OK;
}

/* The hashing record of a row of stream si: its canonical values v[0..n)
 * (NULL: absent), then its extra object x (NULL: none), into *rec. For
 * messages, *key_len gets the length of the identity's part (the columns
 * before agent: what msg_key hashes), and an absent agent adds nothing
 * (rows stored before migration 3 hash as they did). *len: the whole. */
static int rec_row(unsigned char **rec, size_t *rcap, int si, const cxm_field *const *v, size_t n,
                   const cxm_field *x, size_t *key_len, size_t *len) {
    int msgs = cxm_store_stream_defs[si].key_canon < 0;
    size_t need = 5 * (n + 1) + (x ? x->len : 0);
    for (size_t c = 0; c < n; c++)
        need += v[c] ? v[c]->len : 0;
    int rc = rec_reserve(rec, rcap, need);
    if (rc) return rc;
    unsigned char *w = *rec;
    *key_len = 0;
    for (size_t c = 0; c < n; c++) {
        if (msgs && c == MS_AGENT) {
            *key_len = (size_t)(w - *rec);
            if (!v[c]) continue;
        }
        w = rec_field(w, v[c]);
    }
    if (!msgs) *key_len = (size_t)(w - *rec);
    w = rec_field(w, x);
    *len = (size_t)(w - *rec);
    return CXM_OK;
}

/* The value of canonical column c of a row, NULL when absent; a message's
 * empty agent is absent too (a teammate nobody named, stored NULL). */
static const cxm_field *canon_value(const importer *im, const cxm_field *f, size_t nf, int c) {
    const cxm_field *v = fld(im, f, nf, c);
    return v && !v->len && im->st->key_canon < 0 && c == MS_AGENT ? NULL : v;
}

/* Binds one good row, steps the upsert, counts the outcome. */
static int store_row(importer *im, sqlite3_stmt *up, const cxm_field *f, size_t nf) {
    const cxm_stream_def *def = im->st->def;
    int p = 1, rc = CXM_OK;
    const cxm_field *val[64]; /* canonical values (schema.h: at most 64 columns) */
    for (size_t c = 0; c < def->ncols; c++)
        val[c] = canon_value(im, f, nf, (int)c);
    /* extra: {"name":"value",...}, names sorted, empty values left out */
    cxm_buf_reset(&im->json);
    size_t nput = 0;
    for (size_t k = 0; k < im->nextra && !rc; k++) {
        int src = im->extra[k];
        if ((size_t)src >= nf || !f[src].ptr || !f[src].len) continue;
        rc = cxm_buf_putc(&im->json, nput++ ? ',' : '{');
        if (!rc) rc = json_str(&im->json, im->names[src].ptr ? im->names[src].ptr : "", im->names[src].len);
        if (!rc) rc = cxm_buf_putc(&im->json, ':');
        if (!rc) rc = json_str(&im->json, f[src].ptr, f[src].len);
    }
    if (!rc && nput) rc = cxm_buf_putc(&im->json, '}');
    cxm_field xj = {im->json.data, im->json.len};
    /* the record of the canonical fields, then of the extra object: one
     * XXH3 call each (streaming XXH3 over 20 small pieces costs 4x more) */
    size_t key_len = 0, total = 0;
    if (!rc) rc = rec_row(&im->rec, &im->rec_cap, im->si, val, def->ncols, nput ? &xj : NULL, &key_len, &total);
    if (rc) return cxm_diag_set(im->diag, rc, im->file, cxm_rows_line(im->r), 0, NULL, "the row is too long to store");
    if (im->st->key_canon < 0) {
        /* messages: the key is a hash of the canonical fields and of the
         * occurrence of those fields in this input (the k-th identical row
         * is another event: seed k-1), so a file's n identical rows are n
         * events, and importing the file again finds the same n keys */
        XXH128_hash_t k = XXH3_128bits(im->rec, key_len);
        for (uint64_t occ = 1;; occ++) {
            uint64_t first = 0;
            cxm_idkey ik = {k.low64, (uint32_t)k.high64};
            if ((rc = cxm_idset_add(&im->occ, ik, cxm_rows_line(im->r), &first)))
                return cxm_diag_set(im->diag, rc, im->file, cxm_rows_line(im->r), 0, NULL,
                                    "too many messages in one file");
            if (!first) break;
            k = XXH3_128bits_withSeed(im->rec, key_len, occ);
        }
        unsigned char key[16];
        for (int i = 0; i < 8; i++) {
            key[i] = (unsigned char)(k.high64 >> (56 - 8 * i));
            key[8 + i] = (unsigned char)(k.low64 >> (56 - 8 * i));
        }
        sqlite3_bind_blob(up, p++, key, 16, SQLITE_TRANSIENT);
    }
    for (size_t c = 0; c < def->ncols; c++, p++) {
        const cxm_field *v = val[c];
        if (v)
            sqlite3_bind_text(up, p, v->len ? v->ptr : "", (int)v->len, SQLITE_STATIC);
        else
            sqlite3_bind_null(up, p);
    }
    if (nput)
        sqlite3_bind_text(up, p++, im->json.data, (int)im->json.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(up, p++);
    sqlite3_bind_int64(up, p, (sqlite3_int64)XXH3_64bits(im->rec, total));
    /* the outcome without a RETURNING clause (which halves the speed): no
     * change is an unchanged record; a change with a new rowid an insert
     * (the UPDATE branch of an upsert leaves last_insert_rowid alone).
     * Every parameter is bound again for each row: no clear_bindings. */
    sqlite3_set_last_insert_rowid(im->s->db, 0);
    rc = sqlite3_step(up);
    if (rc == SQLITE_DONE) {
        if (sqlite3_changes(im->s->db) == 0)
            im->cur.unchanged++;
        else if (sqlite3_last_insert_rowid(im->s->db) != 0)
            im->cur.inserted++;
        else
            im->cur.updated++;
    }
    sqlite3_reset(up);
    if (rc != SQLITE_DONE) return cxm_store_fail(im->s, rc, "storing a row", im->diag);
    return CXM_OK;
}

static int begin_batch(importer *im) {
    turn_take();
    int rc = cxm_store_exec(im->s, "BEGIN IMMEDIATE", "starting a batch", im->diag);
    if (rc) {
        turn_give();
        return rc;
    }
    im->in_txn = 1;
    im->batch_rows = 0;
    return CXM_OK;
}

static int commit_batch(importer *im) {
    int rc = CXM_OK;
    if (im->header_dirty) rc = register_columns(im);
    if (!rc) rc = cxm_store_exec(im->s, "COMMIT", "committing a batch", im->diag);
    if (rc) return rc; /* still open: the caller rolls back */
    im->in_txn = 0;
    turn_give();
    /* a passive checkpoint never waits for anyone; one that cannot finish
     * now (readers, another checkpointer) is retried after the next commit */
    if (im->wal_frames >= CXM_STORE_CHECKPOINT_PAGES)
        (void)sqlite3_wal_checkpoint_v2(im->s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    /* the batch is durable: count it, then acknowledge it */
    im->tot.inserted += im->cur.inserted;
    im->tot.updated += im->cur.updated;
    im->tot.unchanged += im->cur.unchanged;
    im->cur.inserted = im->cur.updated = im->cur.unchanged = 0;
    if (im->batch_rows) {
        im->tot.batches++;
        if (im->o->committed)
            im->o->committed(im->o->ud, im->tot.batches, im->batch_rows,
                             im->tot.inserted + im->tot.updated + im->tot.unchanged);
    }
    im->batch_rows = 0;
    return CXM_OK;
}

static void rollback_batch(importer *im) {
    if (!im->in_txn) return;
    sqlite3_exec(im->s->db, "ROLLBACK", NULL, NULL, NULL);
    im->in_txn = 0;
    turn_give();
    im->cur.inserted = im->cur.updated = im->cur.unchanged = 0;
}

static int import_rows(importer *im) {
    const cxm_import_opts *o = im->o;
    size_t batch = o->batch_rows ? o->batch_rows : CXM_STORE_BATCH_ROWS;
    sqlite3_stmt *up = NULL;
    int rc = upsert_stmt(im->s, im->si, &up, im->diag);
    if (!rc) rc = resolve_header(im);
    const cxm_field *f;
    size_t nf;
    cxm_diag rowdiag;
    uint64_t tick = 0;
    while (!rc) {
        int got = cxm_rows_next(im->r, &f, &nf, &rowdiag);
        if (got == 0) break;
        if (got < 0 && got != CXM_EPARSE) {
            *im->diag = rowdiag;
            rc = got;
            break;
        }
        im->tot.read++;
        uint64_t line = cxm_rows_line(im->r);
        if (got == 1 && nf != im->ncols && (rc = resolve_header(im))) break; /* NDJSON met a new key */
        if (got == CXM_EPARSE || check_row(im, f, nf, line, &rowdiag)) {
            im->tot.rejected++;
            if (o->strict) {
                *im->diag = rowdiag;
                rc = CXM_EDATA;
                break;
            }
            if (o->bad_row) o->bad_row(o->ud, &rowdiag);
            continue;
        }
        if (!im->in_txn && (rc = begin_batch(im))) break;
        if ((rc = store_row(im, up, f, nf))) break;
        if (++im->batch_rows >= batch && (rc = commit_batch(im))) break;
        if (o->progress && (++tick & 4095) == 0) {
            uint64_t done, total;
            cxm_rows_progress(im->r, &done, &total);
            o->progress(o->ud, "import", done, total);
        }
    }
    if (!rc && (im->in_txn || im->header_dirty)) { /* the last batch, or a header with no good row */
        if (!im->in_txn) rc = begin_batch(im);
        if (!rc) rc = commit_batch(im);
    }
    if (rc) rollback_batch(im);
    return rc;
}

int cxm_store_import(cxm_store *s, const cxm_import_opts *o, cxm_store_counts *counts, cxm_diag *diag) {
    if (counts) memset(counts, 0, sizeof *counts);
    if (!s || !o) return CXM_EINVAL;
    importer im;
    memset(&im, 0, sizeof im);
    im.s = s;
    im.o = o;
    im.diag = diag;
    im.si = cxm_store_stream_index(o->stream);
    if (im.si < 0)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "stream '%s': expected tickets, messages or responses",
                            o->stream ? o->stream : "");
    im.st = &cxm_store_stream_defs[im.si];
    im.file = o->path ? o->path : "-";
    cxm_buf_init(&im.json, CXM_MAX_RECORD_BYTES);
    cxm_idset_init(&im.occ, CXM_MAX_RECORDS);
    int rc = CXM_OK;
    im.order = CXM_DATE_YMD;
    if (o->date_order) {
        if (!strcmp(o->date_order, "dmy"))
            im.order = CXM_DATE_DMY;
        else if (!strcmp(o->date_order, "mdy"))
            im.order = CXM_DATE_MDY;
        else if (strcmp(o->date_order, "ymd"))
            rc = cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--date-order: expected ymd, dmy or mdy");
    }
    if (!rc && (rc = cxm_tz_load(o->input_tz ? o->input_tz : "UTC", &im.tz, diag)) == CXM_ENOTFOUND) rc = CXM_EUSAGE;
    cxm_rows_format fmt = CXM_ROWS_CSV;
    if (!rc) {
        if (!o->format)
            fmt = cxm_rows_guess_format(im.file);
        else if (!strcmp(o->format, "ndjson") || !strcmp(o->format, "jsonl"))
            fmt = CXM_ROWS_NDJSON;
        else if (strcmp(o->format, "csv"))
            rc = cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "format '%s': expected csv or ndjson", o->format);
    }
    char delim = o->delimiter ? o->delimiter : ',';
    if (!rc)
        rc = o->data ? cxm_rows_open_mem(&im.r, im.file, o->data, o->len, fmt, delim, diag)
                     : cxm_rows_open(&im.r, im.file, fmt, delim, diag);
    if (!rc) {
        sqlite3_wal_hook(s->db, wal_hook, &im.wal_frames); /* replaces the automatic checkpoint */
        rc = import_rows(&im);
        sqlite3_wal_autocheckpoint(s->db, CXM_STORE_SQLITE_AUTOCHECKPOINT); /* and back */
    }
    if (counts) {
        *counts = im.tot;
    }
    cxm_rows_free(im.r);
    cxm_colmap_free(&im.map);
    free(im.extra);
    cxm_buf_free(&im.json);
    free(im.rec);
    cxm_idset_free(&im.occ);
    cxm_tz_free(im.tz);
    return rc;
}

/* ---- migration 3: messages.agent out of extra ------------------------------ */

/* The end of the JSON string token starting at p[i] (a quote): the index
 * after its closing quote, or 0 when there is none. */
static size_t json_skip_string(const char *p, size_t n, size_t i) {
    if (i >= n || p[i] != '"') return 0;
    for (i++; i < n; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Splits an `extra` object as store_row writes it ({"k":"v",...}, no
 * spaces) into its "agent" value (decoded into *agent, owned, NULL if the
 * key is absent) and the other pairs, copied byte for byte into out (empty
 * when none are left), so the result is what store_row writes for the
 * same row with agent canonical. -1 if x is not in that form. */
static int split_agent(const char *x, size_t n, cxm_buf *out, json_t **agent) {
    *agent = NULL;
    cxm_buf_reset(out);
    if (n < 2 || x[0] != '{' || x[n - 1] != '}' || cxm_buf_putc(out, '{')) return -1;
    size_t i = 1, npairs = 0;
    while (i < n - 1) {
        size_t ke = json_skip_string(x, n - 1, i);
        if (!ke || ke >= n - 1 || x[ke] != ':') goto bad;
        size_t ve = json_skip_string(x, n - 1, ke + 1);
        if (!ve) goto bad;
        if (ke - i == 7 && !memcmp(x + i, "\"agent\"", 7)) {
            json_error_t err;
            if (*agent) goto bad; /* twice: not ours */
            *agent = json_loadb(x + ke + 1, ve - ke - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
            if (!json_is_string(*agent)) goto bad;
        } else if ((npairs++ && cxm_buf_putc(out, ',')) || cxm_buf_append(out, x + i, ve - i)) {
            goto bad;
        }
        i = ve;
        if (i < n - 1 && x[i++] != ',') goto bad;
    }
    if (!npairs)
        cxm_buf_reset(out);
    else if (cxm_buf_putc(out, '}'))
        goto bad;
    return 0;
bad:
    json_decref(*agent);
    *agent = NULL;
    return -1;
}

/* A column of the current row as a field (NULL for SQL NULL). */
static const cxm_field *col_field(sqlite3_stmt *st, int i, cxm_field *f) {
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return NULL;
    f->ptr = (const char *)sqlite3_column_blob(st, i);
    f->len = (size_t)sqlite3_column_bytes(st, i);
    if (!f->ptr) f->ptr = "";
    return f;
}

/* Moves each message's agent from `extra` into the agent column (added by
 * migration 3), writes `extra` again without it (NULL when nothing is
 * left) and row_hash as store_row now computes it, so importing the same
 * file again finds every row unchanged. Rows whose extra holds no agent
 * keep their hash (an absent agent adds nothing to the record); a row
 * whose extra is not in store_row's form is left as it is. Runs inside
 * the migration's transaction; one pass over the rows that mention
 * "agent". */
static int migrate_agent(cxm_store *s, cxm_diag *diag) {
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int src = sqlite3_prepare_v2(s->db,
                                 "SELECT rowid, ticket_id, at, author, public, status, extra FROM messages"
                                 " WHERE instr(extra, '\"agent\":') > 0",
                                 -1, &sel, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(s->db, "UPDATE messages SET agent = ?1, extra = ?2, row_hash = ?3 WHERE rowid = ?4",
                                 -1, &upd, NULL);
    if (src != SQLITE_OK) {
        sqlite3_finalize(sel);
        return cxm_store_fail(s, src, "migration 3: reading the messages", diag);
    }
    cxm_buf rest;
    cxm_buf_init(&rest, 3 * (size_t)CXM_MAX_RECORD_BYTES);
    unsigned char *rec = NULL;
    size_t rcap = 0;
    int rc = CXM_OK;
    while (!rc && (src = sqlite3_step(sel)) == SQLITE_ROW) {
        cxm_field fv[MS_NCOLS], xf;
        const cxm_field *v[MS_NCOLS];
        for (int c = 0; c < MS_AGENT; c++)
            v[c] = col_field(sel, 1 + c, &fv[c]); /* ticket_id .. status, in schema order */
        if (!col_field(sel, 6, &xf)) continue;
        json_t *agent = NULL;
        if (split_agent(xf.ptr, xf.len, &rest, &agent) || !agent) continue;
        fv[MS_AGENT].ptr = json_string_value(agent);
        fv[MS_AGENT].len = json_string_length(agent);
        v[MS_AGENT] = fv[MS_AGENT].len ? &fv[MS_AGENT] : NULL;
        cxm_field xr = {rest.data, rest.len};
        size_t key_len, len;
        rc = rec_row(&rec, &rcap, 1, v, MS_NCOLS, rest.len ? &xr : NULL, &key_len, &len);
        if (!rc) {
            if (v[MS_AGENT])
                sqlite3_bind_text(upd, 1, fv[MS_AGENT].ptr, (int)fv[MS_AGENT].len, SQLITE_STATIC);
            else
                sqlite3_bind_null(upd, 1);
            if (rest.len)
                sqlite3_bind_text(upd, 2, rest.data, (int)rest.len, SQLITE_STATIC);
            else
                sqlite3_bind_null(upd, 2);
            sqlite3_bind_int64(upd, 3, (sqlite3_int64)XXH3_64bits(rec, len));
            sqlite3_bind_int64(upd, 4, sqlite3_column_int64(sel, 0));
            src = sqlite3_step(upd);
            sqlite3_reset(upd);
            if (src != SQLITE_DONE) rc = cxm_store_fail(s, src, "migration 3: moving messages.agent", diag);
        } else {
            rc = cxm_diag_set(diag, rc, s->path, 0, 0, NULL, "migration 3: a message row is too long");
        }
        json_decref(agent);
    }
    if (!rc && src != SQLITE_DONE) rc = cxm_store_fail(s, src, "migration 3: reading the messages", diag);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    cxm_buf_free(&rest);
    free(rec);
    return rc;
}

/* ---- inspection ------------------------------------------------------------ */

int cxm_store_count(cxm_store *s, int si, uint64_t *n, cxm_diag *diag) {
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", cxm_store_stream_defs[si].name);
    int64_t v = 0;
    int found;
    int rc = query_int(s, sql, &v, &found, diag);
    *n = (uint64_t)(v < 0 ? 0 : v);
    return rc;
}

int cxm_store_check(cxm_store *s, cxm_store_info *info, cxm_diag *diag) {
    memset(info, 0, sizeof *info);
    info->schema_version = s->version;
    int rc = cxm_store_exec(s, "BEGIN", "starting a read", diag); /* one snapshot for every count */
    for (int i = 0; i < CXM_STORE_NSTREAMS && !rc; i++)
        rc = cxm_store_count(s, i, &info->rows[i], diag);
    int64_t v = 0;
    int found;
    if (!rc && (rc = query_int(s, "SELECT count(*) FROM tokens", &v, &found, diag)) == CXM_OK)
        info->tokens = (uint64_t)v;
    sqlite3_stmt *st = NULL;
    if (!rc) {
        int src = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL);
        if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
            const char *m = (const char *)sqlite3_column_text(st, 0);
            snprintf(info->integrity, sizeof info->integrity, "%s", m ? m : "");
            info->integrity_ok = m && !strcmp(m, "ok");
        } else {
            rc = cxm_store_fail(s, src, "checking integrity", diag);
        }
        sqlite3_finalize(st);
    }
    if (!rc) {
        int src = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL);
        if (src == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            const char *m = (const char *)sqlite3_column_text(st, 0);
            snprintf(info->journal_mode, sizeof info->journal_mode, "%s", m ? m : "");
        }
        sqlite3_finalize(st);
    }
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}
