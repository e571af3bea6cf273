/*
 * qcache.h - the query cache of `cxm serve` (GET /v1/metrics): a snapshot of
 * the store shared by every query of a data generation, and a result cache
 * with single-flight computation, stale-while-refresh answers under a
 * staleness bound, background refresh and warm (pinned) queries.
 * The user's view: docs/SERVER.md "Freshness and caching"; the design:
 * docs/internals/store.md.
 *
 * Words:
 *  - generation: a counter of data changes. cxm_qcache_bump (the server
 *    calls it after each ingest that changed rows) and writes by other
 *    processes (seen through the version callback, e.g. SQLite's
 *    PRAGMA data_version, polled at most every check_ms) increment it.
 *  - snapshot: a directory of some of the store's streams as CSV
 *    (report_store.c), taken inside one read transaction; it is labelled
 *    with the generation read *before* it was taken (so a label is never
 *    newer than the data). A query reads the streams its plan names (the
 *    engine's rule, src/metrics/needs.h: a survey query needs only the
 *    responses); snapshots are shared by (generation, stream set): a query
 *    takes the newest snapshot good enough for it whose set holds its own.
 *    Reference-counted: a computation holds it; the cache holds the newest
 *    one of each stream set; a replaced snapshot is removed when its last
 *    holder lets go.
 *  - stream files are reused: the cache knows which stream each of the
 *    server's own imports wrote (cxm_qcache_ingest_begin/_end); a stream
 *    nobody wrote since a live snapshot read it is hard-linked from there
 *    instead of exported again. A change the cache cannot attribute (a
 *    write by another process, seen through the version callback, or
 *    cxm_qcache_bump) makes every stream dirty.
 *  - key: the normalised query (cxm_qcache_key_*: parameters sorted, values
 *    percent-encoded); the token is never part of it.
 *  - an entry: key -> answer (HTTP status, JSON body), the generation and
 *    the instant (data_ms) of the snapshot it was computed from.
 *
 * Rules (S = max_staleness_ms):
 *  - an answer is *current* when its generation is the current one: served
 *    at once;
 *  - *stale* (the data changed since) but the first change it lacks (the
 *    start of the generation after its own) came at most S before the
 *    request arrived: served at once (or, for a request that waited for a
 *    computation, when it ends), and one background refresh is scheduled.
 *    An answer that stayed current for an hour is not "an hour stale" the
 *    moment new data arrives; every record it lacks was acknowledged less
 *    than S before the request (plus the poll interval for other processes);
 *  - too old, S > 0 and a wait bound W (max_wait_ms, `cxm serve
 *    --max-wait`): a refresh is scheduled and requests wait for it until W
 *    (real time) after the first of them began to wait for that refresh;
 *    when it has not come by then, the stale answer is served with `late`
 *    set (the server adds a Warning header): a reader never waits longer
 *    than W for an answer the cache holds, and while a refresh longer than
 *    W runs, the requests after the first W are answered at once;
 *  - otherwise (missing, or too old with W = 0, or S = 0 and stale):
 *    computed on the request; concurrent requests for the key wait for that one computation
 *    (single-flight) and take its answer when it satisfies them (its
 *    snapshot was taken after they arrived, or it is current, or young
 *    enough); the computing request always takes its own answer.
 *  - at most one computation per key at a time; background refreshes run
 *    on `refreshers` threads (1 by default), so at most that many at once.
 *  - entries are evicted least-recently-used first when the bytes held
 *    (keys, bodies, bookkeeping) pass max_bytes; warm entries, entries
 *    being computed or waited for are never evicted.
 *
 * Thread safety: every function may be called from any thread, except
 * cxm_qcache_free (once, when no other call is under way). One mutex
 * guards all the state; computations, snapshots and version checks run
 * outside it.
 *
 * Live reports (the default compute only): a key keeps its report's
 * mergeable state (cxm_live) when, at one of its computations, every
 * change since its previous computation was one of the server's own
 * imports that only inserted rows into the streams it reads
 * (cxm_qcache_ingest.appended; updates, failed or overlapping imports,
 * writes by others and cxm_qcache_bump do not qualify), the report is
 * mergeable (no messages, themes or comparison window: live.h) and one of
 * max_live places is free (else the live report of the least recently
 * used key that is not computing is dropped; a warm key's only for
 * another warm key). It is built from an export of every row of those
 * streams (cxm_store_snapshot_since), which remembers each stream's last
 * rowid. While only such inserts follow, a computation of the key exports
 * only the rows after the last rowid, adds them and answers from the
 * state: the same bytes as a report over a full snapshot (rows are
 * exported in rowid order and an update keeps its rowid). The bulk of
 * the new rows is exported while imports go on, the rest with the import
 * gate closed and the data version read before and after that export;
 * under the gate the version is polled and rlast checked again, so every
 * commit the first export may have seen is accounted for: a write by
 * another process makes the computation take the snapshot path. Any
 * other change drops the state. A snapshot
 * labelled older than the newest generation a live report answered at is
 * no longer good enough for any computation, so answers never go back
 * behind one another. A live report holds 8 bytes a value of each
 * distribution metric and 16-26 bytes an id (about 150 MB at two million
 * tickets with the default metrics), outside max_bytes.
 *
 * Sizes: up to a few thousand entries (max_bytes, CXM_QCACHE_MAX_BYTES
 * = 256 MiB by default); a key is at most CXM_QCACHE_MAX_KEY bytes; one
 * snapshot on disk per stream set in use (at most 8; another while a
 * replaced one is still read; linked files take their space once).
 */
#ifndef CXM_QCACHE_H
#define CXM_QCACHE_H
#include <stddef.h>
#include <stdint.h>

#include "cxm.h"
#include "../store/store.h"

#define CXM_QCACHE_MAX_BYTES            ((size_t)256 << 20) /* bytes of cached answers by default */
#define CXM_QCACHE_MAX_KEY              8192u               /* bytes of a normalised query */
#define CXM_QCACHE_MAX_PARAMS           64u                 /* parameters of one query */
#define CXM_QCACHE_CHECK_MS             100                 /* data_version poll interval by default */
#define CXM_QCACHE_MAX_WARM             256u                /* lines of a --warm file */
#define CXM_QCACHE_DEFAULT_STALENESS_MS 5000                /* `cxm serve --max-staleness` default (5 s) */
#define CXM_QCACHE_DEFAULT_WAIT_MS      2000                /* `cxm serve --max-wait` default (2 s) */
#define CXM_QCACHE_NO_WAIT              (-1)                /* max_wait_ms: answer past the bound at once */
#define CXM_QCACHE_DEFAULT_LIVE         4                   /* live reports kept (max_live) by default */

typedef struct cxm_qcache cxm_qcache;

/* Computes the answer of key (borrowed) on the snapshot in dir (borrowed):
 * *status and *body (malloc'ed, owned by the cache afterwards), *len. A
 * return of 0 means the answer is deterministic for this data (200, 400):
 * it is cached; a negative CXM_E* means a failure (the answer, if *body
 * is set, goes to the requester only and is not cached). */
typedef int (*cxm_qcache_compute_fn)(void *ud, const char *key, const char *dir, unsigned *status, char **body,
                                     size_t *len);
/* Takes a snapshot of the streams req->streams (CXM_SNAP_* bits), each
 * hard-linked from req->reuse[i] when set (see cxm_store_snapshot_some):
 * dir_out (cap >= 64) gets a new directory, *have the bits of the files
 * written, *linked those linked. */
typedef int (*cxm_qcache_snapshot_fn)(void *ud, const cxm_snapshot_opts *req, char *dir_out, size_t cap,
                                      unsigned *have, unsigned *linked, cxm_diag *diag);
/* The streams (CXM_SNAP_* bits) the answer of key reads; a failure means
 * every stream. */
typedef int (*cxm_qcache_plan_fn)(void *ud, const char *key, unsigned *streams);
/* Removes a snapshot directory made by the snapshot callback. */
typedef void (*cxm_qcache_remove_fn)(void *ud, const char *dir);
/* Milliseconds on a monotonic clock. */
typedef int64_t (*cxm_qcache_clock_fn)(void *ud);
/* The data version of the store: any change between two calls means the
 * data changed (0 when unchanged or unknown). */
typedef int (*cxm_qcache_version_fn)(void *ud, uint64_t *version);

typedef struct cxm_qcache_opts {
    const char *store;        /* store path: the defaults below use it; borrowed, outlives the cache */
    int64_t max_staleness_ms; /* S; 0 = always exact */
    size_t max_bytes;         /* 0 = CXM_QCACHE_MAX_BYTES */
    int64_t max_wait_ms;      /* W: how long requests wait for a refresh of an answer past the bound
                                 before they get the stale one (`late`), counted from the first
                                 request that waits for that refresh; 0 = as long as it takes;
                                 CXM_QCACHE_NO_WAIT = not at all; unused when S = 0 */
    unsigned refreshers;      /* background threads; 0 = 1 */
    int64_t check_ms;         /* version poll interval; 0 = CXM_QCACHE_CHECK_MS (always polled when S = 0) */
    /* NULL = the defaults: a report (cxm_report_run + JSON) on the snapshot;
     * cxm_store_snapshot of store; cxm_store_snapshot_remove; CLOCK_MONOTONIC;
     * PRAGMA data_version on one long-lived read-only connection to store */
    cxm_qcache_compute_fn compute;
    cxm_qcache_snapshot_fn snapshot;
    cxm_qcache_remove_fn remove;
    cxm_qcache_clock_fn clock;
    cxm_qcache_version_fn version;
    cxm_qcache_plan_fn plan; /* optional: NULL with the callbacks above given = every stream; with the
                                defaults, the report's own rule on the store (cxm_store_snapshot_needs) */
    void *ud;                /* for the callbacks */
    const char *sla;      /* the default compute: SLA file of every report (cxm serve --sla), or NULL */
    const char *calendar; /* and its calendar file (--calendar), or NULL; both borrowed, outlive the cache */
    /* live reports (src/metrics/live.h; default compute and snapshot only):
     * at most this many keys keep their report's state and answer a
     * refresh after inserts by adding the new rows (0 =
     * CXM_QCACHE_DEFAULT_LIVE; negative: none). See "Live reports" below. */
    int max_live;
} cxm_qcache_opts;

/* How an answer was found. */
typedef enum cxm_qcache_how {
    CXM_QCACHE_MISS = 0,  /* computed for this request (or waited for) */
    CXM_QCACHE_FRESH = 1, /* cached and current */
    CXM_QCACHE_STALE = 2  /* cached, the data changed since, within the bound; a refresh is on its way */
} cxm_qcache_how;

typedef struct cxm_qcache_answer {
    unsigned status;
    char *body; /* owned: free() */
    size_t len;
    cxm_qcache_how how;
    uint64_t generation; /* of the snapshot the answer was computed from */
    uint64_t current;    /* the current generation */
    int64_t data_age_ms; /* how long ago that snapshot was taken */
    int64_t stale_ms;    /* how long ago the first change it lacks came (0: current; -1: longer
                            ago than the cache remembers) */
    int64_t computed_ms; /* how long the computation took */
    int late;            /* 1: staler than the bound: the refresh did not come within max_wait_ms */
    int64_t bound_ms;    /* the bound S */
} cxm_qcache_answer;

/* Creates the cache and starts its refresher threads. *out owned: free
 * with cxm_qcache_free. CXM_ENOMEM, CXM_EIO (the version connection). */
int cxm_qcache_new(const cxm_qcache_opts *o, cxm_qcache **out, cxm_diag *diag) CXM_WUR;
/* Stops the refreshers (waits for a computation under way), frees the
 * entries and removes the snapshots. qc may be NULL. */
void cxm_qcache_free(cxm_qcache *qc);

/* The data changed (call after an ingest committed rows): every stream is
 * dirty. The server's own imports use the pair below instead. */
void cxm_qcache_bump(cxm_qcache *qc);
/* One of the server's own imports, bracketed: cxm_qcache_ingest_begin
 * before it (it may wait while a forced version poll runs; it polls the
 * version first when no other import is under way, so earlier writes by
 * others count as theirs and reads PRAGMA data_version on st, the import's
 * connection), cxm_qcache_ingest_end after it with the stream written (a
 * cxm_store_streams name; unknown: every stream) and changed (rows were
 * inserted or updated, or the import failed part-way: 1). A change is a new
 * generation (as cxm_qcache_bump) that dirties only the stream written,
 * unless st's data_version moved during the import (another connection
 * committed: another process, or) another import of the server overlapped
 * it: then every stream, since the commits cannot be told apart. Imports do
 * not wait for each other here. st may be NULL: the caller vouches that no
 * other writer committed (tests). qc may be NULL. */
typedef struct cxm_qcache_ingest {
    uint64_t epoch, dv0;
    int overlap, dv_ok;
    int appended; /* set by the caller before _end: 1 if the import only inserted rows (no update,
                     no failure): live reports of the stream then take the new rows */
} cxm_qcache_ingest;
void cxm_qcache_ingest_begin(cxm_qcache *qc, cxm_qcache_ingest *in, cxm_store *st);
void cxm_qcache_ingest_end(cxm_qcache *qc, cxm_qcache_ingest *in, cxm_store *st, const char *stream, int changed);
/* The current generation. */
uint64_t cxm_qcache_generation(cxm_qcache *qc);

/* The answer for key (borrowed, a cxm_qcache_key_* result) under the
 * rules above; *a filled (a->body owned by the caller). Errors: CXM_ENOMEM;
 * a failed computation gives its own answer (status 5xx) and returns 0. */
int cxm_qcache_get(cxm_qcache *qc, const char *key, cxm_qcache_answer *a) CXM_WUR;
/* The same with this request's own wait bound instead of max_wait_ms
 * (CXM_QCACHE_NO_WAIT: a client that accepts a stale answer, e.g. with
 * `Cache-Control: max-stale`, is answered at once; the refresh is still
 * scheduled). */
int cxm_qcache_get_wait(cxm_qcache *qc, const char *key, int64_t max_wait_ms, cxm_qcache_answer *a) CXM_WUR;

/* Pins key: computed in the background now, refreshed in the background
 * after every change, never evicted. CXM_ENOMEM; CXM_ELIMIT past
 * CXM_QCACHE_MAX_WARM keys. */
int cxm_qcache_warm(cxm_qcache *qc, const char *key) CXM_WUR;
/* Waits until no computation is pending or under way (tests, start-up
 * logs); up to timeout_ms of real time. 0 when idle, CXM_EIO on timeout. */
int cxm_qcache_wait_idle(cxm_qcache *qc, int64_t timeout_ms) CXM_WUR;

typedef struct cxm_qcache_stats {
    uint64_t hits, stale_hits, misses, computations, refreshes, snapshots, evictions, failures;
    uint64_t late;                   /* stale answers past the bound (counted in stale_hits too) */
    uint64_t files_written, files_linked; /* stream files of the snapshots: exported, hard-linked */
    uint64_t live_builds, live_adds;  /* live reports built from every row; refreshes that added new rows */
    uint64_t live_drops;              /* live reports dropped to make room (max_live) */
    size_t entries, bytes;
} cxm_qcache_stats;
void cxm_qcache_get_stats(cxm_qcache *qc, cxm_qcache_stats *st);

/* ---- keys: normalised queries ------------------------------------------------ */
/* A query being normalised: parameters collected one by one, then sorted
 * and encoded. Zero-initialise it; free with cxm_qcache_key_free. */
typedef struct cxm_qcache_key {
    char *names[CXM_QCACHE_MAX_PARAMS];  /* owned */
    char *values[CXM_QCACHE_MAX_PARAMS]; /* owned */
    size_t n;
    char bad[256]; /* the first problem, "" if none */
} cxm_qcache_key;

/* Adds one decoded parameter (borrowed, copied). Unknown names (anything
 * but metrics, by, from, to, tz, preset, stats, as_of, compare, time_basis,
 * fcr_rule, where, lang), a missing value (NULL), more than 32 `where` or
 * a name repeated (other than where) fill k->bad and return CXM_EUSAGE. */
int cxm_qcache_key_add(cxm_qcache_key *k, const char *name, const char *value) CXM_WUR;
/* Adds every parameter of a query string "a=1&b=x%2Cy" (an optional
 * leading "/v1/metrics?" or "?"; '+' is a space; %XX decoded). */
int cxm_qcache_key_parse(cxm_qcache_key *k, const char *query) CXM_WUR;
/* The normalised key: parameters sorted by name then value, joined as
 * name=value with '&', values percent-encoded (every byte but
 * [A-Za-z0-9._~,:/-]). *out owned (free()). CXM_ELIMIT past
 * CXM_QCACHE_MAX_KEY, CXM_EUSAGE when k->bad is set. */
int cxm_qcache_key_finish(cxm_qcache_key *k, char **out) CXM_WUR;
void cxm_qcache_key_free(cxm_qcache_key *k);

/* Reads a --warm file: one query string a line ('#' comments and blank
 * lines skipped), each normalised and pinned with cxm_qcache_warm.
 * *nkeys (may be NULL) gets the count. CXM_EIO (unreadable), CXM_EUSAGE
 * (a bad line: diag has the file and line), CXM_ELIMIT. */
int cxm_qcache_warm_file(cxm_qcache *qc, const char *path, size_t *nkeys, cxm_diag *diag) CXM_WUR;

#endif
