/*
 * store.h - the embedded store: one SQLite file (WAL mode) holding the
 * canonical streams (tickets, messages, responses), the API tokens of the
 * HTTP service, and a schema version with its migrations.
 * Design note: docs/internals/store.md; the user's view: docs/STORE.md.
 *
 * This header includes only cxm.h and declares only opaque handles and plain
 * structs, so the front ends (src/cli/import.c, src/cli/token.c, later the
 * server) can use it as they use cxm.h; it is written to move into cxm.h
 * as it stands.
 *
 * What the store promises:
 *  - Idempotent ingest. A record's identity is its id (ticket_id,
 *    response_id; for messages, which have none, the ticket_id and a
 *    128-bit hash of the canonical fields and of the row's occurrence among
 *    identical rows of its input: see docs/internals/store.md). The same record twice
 *    is stored once ("unchanged"); a record whose values differ replaces the
 *    old one ("updated"), and a report computes from the new values.
 *  - Durability. Rows are written in batches (10,000 by default), one
 *    transaction each, with synchronous=FULL: when a batch's commit returns
 *    (and cxm_import_opts.committed is called) its rows are in the WAL on
 *    disk. A crash at any moment loses no committed batch and shows no part
 *    of an uncommitted one.
 *  - Concurrency. WAL mode: readers (reports) see the last committed state
 *    while a writer keeps going; writers wait for each other (busy timeout).
 *  - Faithful values. Canonical columns are stored as TEXT exactly as read
 *    (after --map renames), other columns in a JSON object (`extra`), and
 *    the columns each stream was given in, in first-seen order; a snapshot
 *    (cxm_store_snapshot) writes the streams back as CSV files a report
 *    reads like the originals.
 *
 * Sizes: millions of rows a stream (about 200 bytes a ticket row on disk);
 * a handful of tokens. One cxm_store handle per thread (SQLite connection).
 *
 * Errors: functions return 0 or a negative CXM_E* code with diag filled:
 * CXM_EIO (no such store, cannot open, disk full, locked past the busy timeout),
 * CXM_EDATA (not a cxm store, a newer schema, a bad row under strict),
 * CXM_EUSAGE (bad options), CXM_ENOTFOUND (no such token).
 */
#ifndef CXM_STORE_H
#define CXM_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "cxm.h"

/* The schema this code writes; cxm_store_open migrates older files to it. */
#define CXM_STORE_SCHEMA_VERSION 3
#define CXM_STORE_BATCH_ROWS     10000u /* rows per transaction by default */
#define CXM_STORE_BUSY_MS        30000  /* how long a writer waits for another */

typedef struct cxm_store cxm_store;

enum {
    CXM_STORE_CREATE = 1 /* create the file if it does not exist */
};

/* Opens the store at path (flags: CXM_STORE_CREATE or 0: must exist, else
 * CXM_EIO, as for a missing input file), sets WAL mode, synchronous=FULL and the busy timeout, and
 * applies the migrations the file lacks (in one transaction). *out owned:
 * free with cxm_store_close. */
int cxm_store_open(const char *path, int flags, cxm_store **out, cxm_diag *diag) CXM_WUR;
/* Same, migrating only up to schema version `version` (1..CXM_STORE_SCHEMA_VERSION):
 * for tests of the migrations. */
int cxm_store_open_version(const char *path, int flags, int version, cxm_store **out, cxm_diag *diag) CXM_WUR;
void cxm_store_close(cxm_store *s); /* s may be NULL */
/* The schema version of the open file. */
int cxm_store_schema_version(const cxm_store *s);
/* The path the store was opened with (borrowed). */
const char *cxm_store_path(const cxm_store *s);

/* The streams the store holds, in this order; NULL-terminated. */
extern const char *const cxm_store_streams[];

/* ---- ingest ------------------------------------------------------------ */
typedef struct cxm_store_counts {
    uint64_t read;      /* records read (bad ones included) */
    uint64_t inserted;  /* new ids */
    uint64_t updated;   /* known ids whose values changed: the new row replaced the old */
    uint64_t unchanged; /* known ids with the same values */
    uint64_t rejected;  /* bad rows, not stored */
    uint64_t batches;   /* transactions committed */
} cxm_store_counts;

typedef struct cxm_import_opts {
    const char *stream; /* "tickets", "messages" or "responses" */
    const char *path;   /* file ("-" = stdin); with data: the name in diagnostics */
    const char *data;   /* NULL, or an in-memory body (borrowed) of len bytes */
    size_t len;
    const char *format;     /* "csv", "ndjson", or NULL: by path's extension */
    char delimiter;         /* CSV delimiter, 0 = ',' */
    const char *const *map; /* "[stream.]canonical=source" renames (borrowed) */
    size_t nmap;
    const char *input_tz;   /* zone of naive timestamps for validation; NULL = UTC */
    const char *date_order; /* "ymd" (default), "dmy", "mdy" */
    size_t batch_rows;      /* rows per transaction; 0 = CXM_STORE_BATCH_ROWS */
    int strict;             /* the first bad row is an error: the open batch is rolled
                               back (committed ones stay), CXM_EDATA */
    /* every bad row (not capped), with file, line, column, what was expected */
    void (*bad_row)(void *ud, const cxm_diag *d);
    /* after each commit: batch number (1-based), its rows, rows acknowledged
     * so far in this call (durable on return of the commit) */
    void (*committed)(void *ud, uint64_t batch, uint64_t rows, uint64_t acknowledged);
    cxm_progress_fn progress; /* bytes read of the input, throttled by the caller */
    void *ud;
} cxm_import_opts;

/* Reads o's input with the normal readers, checks each row as a report
 * would (syntax, order of instants; see docs/STORE.md for what is left to
 * the report), and upserts the good ones in batches. *counts (may be NULL)
 * gets the totals of committed batches, and of the rolled-back batch's
 * reading on error. */
int cxm_store_import(cxm_store *s, const cxm_import_opts *o, cxm_store_counts *counts, cxm_diag *diag) CXM_WUR;

/* ---- inspection ----------------------------------------------------------- */
typedef struct cxm_store_info {
    int schema_version;
    uint64_t rows[3];      /* per cxm_store_streams[i] */
    uint64_t tokens;       /* tokens, revoked ones included */
    int integrity_ok;      /* PRAGMA integrity_check said "ok" */
    char integrity[256];   /* its first message */
    char journal_mode[16]; /* "wal" */
} cxm_store_info;
/* Row counts and PRAGMA integrity_check (reads the whole file). */
int cxm_store_check(cxm_store *s, cxm_store_info *info, cxm_diag *diag) CXM_WUR;

/* ---- snapshots (cxm report --store) -------------------------------------- */
/* Writes every stream the store holds (columns were imported for it) as
 * canonical CSV (tickets.csv, messages.csv, responses.csv) into a new
 * private directory (mode 0700, under $TMPDIR or /tmp), all inside one read
 * transaction: a consistent state while ingest goes on. dir_out gets the
 * directory (cap >= 64). Remove it with cxm_store_snapshot_remove. */
int cxm_store_snapshot(const char *store, char *dir_out, size_t cap, cxm_diag *diag) CXM_WUR;
/* Same on an open store. */
int cxm_store_snapshot_to(cxm_store *s, char *dir_out, size_t cap, cxm_diag *diag) CXM_WUR;

/* Stream bits of the snapshot functions: 1 << i for cxm_store_streams[i]
 * (the CXM_NEED_* bits of src/metrics/needs.h). */
#define CXM_SNAP_TICKETS   1u
#define CXM_SNAP_MESSAGES  2u
#define CXM_SNAP_RESPONSES 4u
#define CXM_SNAP_ALL       7u

typedef struct cxm_snapshot_opts {
    unsigned streams;   /* CXM_SNAP_* bits of the streams to write (those the store holds) */
    /* per stream i: a snapshot directory (borrowed) whose file of stream i
     * still holds exactly what the store holds (nobody wrote the stream
     * since that snapshot read it; the caller knows, e.g. the query cache of
     * cxm serve): the file is hard-linked from there instead of exported.
     * NULL: exported. A link that fails (no such file, another file system)
     * falls back to the export. */
    const char *reuse[3];
} cxm_snapshot_opts;

/* cxm_store_snapshot_to for the streams o asks for, reusing files as o
 * says. *have (may be NULL) gets the bits of the files written (asked for
 * and held by the store), *linked (may be NULL) those hard-linked. Each
 * file of the directory has its own link count: cxm_store_snapshot_remove
 * of one snapshot leaves a file another snapshot links to. */
int cxm_store_snapshot_some(cxm_store *s, const cxm_snapshot_opts *o, char *dir_out, size_t cap, unsigned *have,
                            unsigned *linked, cxm_diag *diag) CXM_WUR;
/* A snapshot of the rows added since an earlier one (the query cache's
 * live reports): for each stream of `streams` the store holds, the rows
 * whose rowid is greater than after[i] (0: every row) in rowid order, with
 * the header of a full snapshot, so a full snapshot's file followed by the
 * records of the later ones is the full snapshot of the later state as
 * long as rows were only inserted (an update keeps its rowid). last[i]
 * gets the stream's greatest rowid in the same read transaction (0 when
 * empty or not held). *have (may be NULL): the files written. Remove with
 * cxm_store_snapshot_remove. */
int cxm_store_snapshot_since(cxm_store *s, unsigned streams, const int64_t after[3], char *dir_out, size_t cap,
                             unsigned *have, int64_t last[3], cxm_diag *diag) CXM_WUR;
/* The streams (CXM_SNAP_* bits) a report with options o (borrowed) reads
 * from store s: cxm_needs_streams (src/metrics/needs.h) over the streams the
 * store holds and its responses' columns, read in one transaction. */
int cxm_store_snapshot_needs(cxm_store *s, const cxm_report_opts *o, unsigned *streams, cxm_diag *diag) CXM_WUR;
/* PRAGMA data_version of s's connection: it changes exactly when another
 * connection (this process's or another's) committed since the last call.
 * The server brackets its own imports with it to tell other writers'
 * commits from its own (the query cache's file reuse). */
int cxm_store_data_version(cxm_store *s, uint64_t *version, cxm_diag *diag) CXM_WUR;
/* Removes a snapshot directory and the stream files in it; refuses (does
 * nothing) for a directory not named like a snapshot. dir may be NULL. */
void cxm_store_snapshot_remove(const char *dir);
/* Removes the snapshot directories in TMPDIR (or /tmp) that belong to this
 * user and whose creating process is gone (a server or report killed
 * before it could remove its own; each snapshot records its pid in a file
 * named owner). Directories without an owner file, or whose owner's pid is
 * alive, stay. Returns how many were removed. cxm serve calls it at start. */
size_t cxm_store_snapshot_sweep(void);

/* For cxm_ctx_init (src/metrics/ingest.c) with o->store set: snapshots the
 * store and sets *tickets, *messages, *responses to owned paths of the files
 * written (NULL for a stream the store lacks). --store excludes --tickets,
 * --messages, --responses and --data (CXM_EUSAGE); an empty store is
 * CXM_EUSAGE. */
int cxm_store_snapshot_paths(const cxm_report_opts *o, char **tickets, char **messages, char **responses,
                             cxm_diag *diag) CXM_WUR;
/* For cxm_ctx_free: when o->store is set, removes the snapshot the paths
 * point into (files and directory). Does not free the paths. */
void cxm_store_snapshot_release(const cxm_report_opts *o, const char *tickets, const char *messages,
                                const char *responses);

/* ---- API tokens --------------------------------------------------------- */
/* A token is "cxm_" followed by 64 hex digits: 256 bits from getrandom(2).
 * The store keeps its SHA-256 (OpenSSL libcrypto), never the token. */
enum { CXM_SCOPE_INGEST = 1, CXM_SCOPE_READ = 2, CXM_SCOPE_ADMIN = 4 };
#define CXM_TOKEN_LEN 68 /* characters, without the NUL */

typedef struct cxm_token_info {
    int64_t id;
    unsigned scopes;    /* CXM_SCOPE_* bits */
    int64_t created_ms; /* ms since the epoch */
    int64_t revoked_ms; /* 0 while valid */
} cxm_token_info;

/* "ingest,read" -> bits (any order, no repeats, at least one). CXM_EUSAGE
 * with diag naming the bad word. */
int cxm_token_scopes_parse(const char *text, unsigned *out, cxm_diag *diag) CXM_WUR;
/* Bits -> "ingest,read,admin" (that order) into buf (cap >= 24). */
void cxm_token_scopes_format(unsigned scopes, char *buf, size_t cap);

/* Creates a token with scopes: token_out gets it (cap > CXM_TOKEN_LEN,
 * shown once: only its hash is stored), *id its id (may be NULL). */
int cxm_store_token_create(cxm_store *s, unsigned scopes, char *token_out, size_t cap, int64_t *id,
                           cxm_diag *diag) CXM_WUR;
/* Every token, oldest first. *out owned (free()), *n entries. */
int cxm_store_token_list(cxm_store *s, cxm_token_info **out, size_t *n, cxm_diag *diag) CXM_WUR;
/* Revokes token id (again: no change). CXM_ENOTFOUND for an unknown id. */
int cxm_store_token_revoke(cxm_store *s, int64_t id, cxm_diag *diag) CXM_WUR;
/* Checks a presented token (len bytes, borrowed): 0 and *info filled when it
 * is a valid, unrevoked token; CXM_ENOTFOUND otherwise (malformed, unknown
 * or revoked: the caller answers 401 alike). The stored and computed hashes
 * are compared in constant time. info may be NULL. */
int cxm_store_token_verify(cxm_store *s, const char *token, size_t len, cxm_token_info *info) CXM_WUR;

#endif
