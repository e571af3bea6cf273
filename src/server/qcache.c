/*
 * qcache.c - the query cache of `cxm serve` (qcache.h has the rules; the
 * user's view: docs/SERVER.md "Freshness and caching").
 *
 * Shape: one mutex (mu) guards every field of struct cxm_qcache and of its
 * entries and snapshots except the immutable ones (an entry's key, a
 * snapshot's dir, gen, seq, taken_ms) and a blob's reference count (C11
 * atomic, so a body is copied out of the cache without the lock). One
 * condition variable (done) is broadcast whenever a computation or a
 * snapshot finishes, another (work) wakes the refresher threads. The
 * version connection has its own mutex (vmu), held only for a read, never
 * with mu. The server's imports run between cxm_qcache_ingest_begin and
 * _end (own_active); a version poll runs only while none does (a forced
 * one closes the gate and waits for them: gatecv), so a change a poll sees
 * is never the server's own. Computations, snapshots, version checks and directory removals run with
 * mu released; an entry is kept alive meanwhile by `computing` or its pin
 * count (pins: requests waiting on it, a place in the refresh queue).
 *
 * Invariants:
 *  - an entry is in the hash table and in the LRU list exactly while it is
 *    in the cache; it is freed only with pins == 0, !computing, !queued,
 *    !warm;
 *  - at most one computation per entry (computing), at most `refreshers`
 *    background computations (one per thread);
 *  - cur[m] is the newest snapshot of stream set m; every live snapshot is
 *    on the snaps list with refs > 0 (the cache's own reference for cur[m],
 *    one per snapshot being linked from); a snapshot whose
 *    refs drop to 0 moves to the dead list and its directory is removed by
 *    reap() outside the lock;
 *  - bytes = the sum of every entry's accounted size;
 *  - a snapshot's file of stream i holds the store's stream i as of any
 *    instant while wlast[i] <= its stamp[i]: every write the cache learns
 *    of ticks wclock and sets wlast of the streams it may touch, and a
 *    stamp is the wclock read before the snapshot's transaction began;
 *  - an entry's live report (live_state) is used and changed only by the
 *    computation of that entry (computing set), and dropped only while no
 *    computation of it runs; nlive counts them (and places being built),
 *    at most max_live; its state holds the streams as of its stamp while
 *    rlast[i] <= stamp for each stream it reads.
 *
 * Sizes: a hash table of QC_BUCKETS chains (entries: a few thousand);
 * bodies are the JSON of a report (kilobytes to a few megabytes).
 */
#include "qcache.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../core/diag.h"
#include "../core/json.h"
#include "../metrics/live.h"
#include "../store/store.h"

#define QC_BUCKETS      4096u
#define QC_MAX_THREADS  8u
#define QC_TICK_MS      100 /* the refreshers' poll of the data version when idle */
#define QC_REFRESH_NICE 10  /* the refreshers' scheduling priority (nice) */
#define QC_MAX_WHERE    32u
#define QC_RING         65536u /* generations whose start is remembered (20 min at 50 a second) */
#define QC_SETS         8u     /* stream sets: subsets of CXM_SNAP_ALL */

/* A cached body, shared by the cache and the requests copying it. */
typedef struct blob {
    atomic_uint refs;
    size_t len;
    char *data; /* owned */
} blob;

typedef struct snap {
    struct snap *next; /* snaps or dead list */
    uint64_t gen, seq;
    int64_t taken_ms;
    unsigned refs;
    unsigned mask;      /* the stream set asked for (CXM_SNAP_* bits): its place in cur[] */
    unsigned have;      /* the streams whose file it holds */
    uint64_t stamp[3];  /* per stream: the write clock when its file's data was read from the store */
    char dir[4096];
} snap;

typedef struct entry {
    struct entry *hnext;       /* hash chain */
    struct entry *prev, *next; /* LRU list, head = most recently used */
    struct entry *qnext;       /* refresh queue */
    char *key;                 /* owned, immutable */
    size_t keylen;
    uint64_t hash;
    blob *body; /* NULL until computed */
    unsigned status;
    uint64_t gen, snap_seq;
    int64_t data_ms;    /* when its snapshot was taken */
    int64_t compute_ms; /* how long the computation took */
    int computing, queued, warm;
    int wait_set;                /* wait_until holds: requests past the bound wait until then */
    struct timespec wait_until;  /* (CLOCK_MONOTONIC) for the refresh under way; cleared when it ends */
    unsigned pins;
    size_t bytes; /* accounted in qc->bytes */
    struct live_state *live; /* its live report, or NULL (qc->nlive counts them) */
    int live_refused;        /* the report is not mergeable: never live */
    int computed;            /* computed at least once: stamp holds */
    uint64_t stamp;          /* the write clock when its last computation began */
} entry;

struct cxm_qcache {
    cxm_qcache_opts o;
    pthread_mutex_t mu, vmu;
    pthread_cond_t done, work;
    pthread_cond_t gatecv; /* own_active fell or gate opened */
    unsigned own_active;   /* the server's imports under way (between _ingest_begin and _end) */
    uint64_t own_epoch;    /* counts their beginnings: an import that sees it move overlapped another */
    unsigned gate;         /* version polls waiting or reading: imports wait to begin */
    uint64_t gen;
    /* when generation g began (the first change after every snapshot
     * labelled g - 1): ring_ms[g % QC_RING], valid while ring_gen[] == g */
    uint64_t ring_gen[QC_RING];
    int64_t ring_ms[QC_RING];
    int64_t last_check_ms;
    uint64_t last_version;
    int version_known;
    sqlite3 *vdb; /* default version callback's connection, under vmu */
    snap *cur[QC_SETS], *snaps, *dead; /* cur[m]: the newest snapshot of stream set m */
    uint64_t snap_seq;
    unsigned making; /* bit m: a snapshot of stream set m is being made */
    /* the write clock: ticks at each write the cache learns of; wlast[i] is
     * its value at the last write to stream i (a file read at a stamp >=
     * wlast[i] still holds the stream) */
    uint64_t wclock, wlast[3];
    /* rlast[i]: the write clock at the last write to stream i that was not
     * an insert-only import of the server's (a live report that read the
     * stream at a stamp >= rlast[i] may add the rows after its last one) */
    uint64_t rlast[3];
    unsigned nlive; /* entries with a live report (or building one) */
    uint64_t live_floor; /* the newest generation a live report answered at: older snapshots
                            are not good enough (answers never go back behind one another) */
    int live_ok;    /* the default compute and snapshot: live reports possible */
    entry *buckets[QC_BUCKETS];
    entry *lru_head, *lru_tail;
    entry *q_head, *q_tail;
    entry *warm[CXM_QCACHE_MAX_WARM];
    size_t nwarm;
    size_t bytes, nentries;
    unsigned busy; /* computations under way */
    int stop;
    pthread_t threads[QC_MAX_THREADS];
    unsigned nthreads;
    cxm_qcache_stats st;
};

/* ---- defaults ------------------------------------------------------------------ */

/* The CLOCK_MONOTONIC instant ms milliseconds from now (the condition
 * variables' clock). */
static struct timespec deadline_after(int64_t ms) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static int64_t mono_ms(void *ud) {
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int default_snapshot(void *ud, const cxm_snapshot_opts *req, char *dir_out, size_t cap, unsigned *have,
                            unsigned *linked, cxm_diag *diag) {
    const cxm_qcache *qc = ud;
    cxm_store *st = NULL;
    int rc = cxm_store_open(qc->o.store, 0, &st, diag);
    if (!rc) rc = cxm_store_snapshot_some(st, req, dir_out, cap, have, linked, diag);
    cxm_store_close(st);
    return rc;
}

static void default_remove(void *ud, const char *dir) {
    (void)ud;
    cxm_store_snapshot_remove(dir);
}

/* PRAGMA data_version on one long-lived connection (called under vmu):
 * SQLite changes it whenever another connection, in this process or
 * another, commits. */
static int default_version(void *ud, uint64_t *v) {
    cxm_qcache *qc = ud;
    if (!qc->vdb) {
        if (sqlite3_open_v2(qc->o.store, &qc->vdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
            sqlite3_close(qc->vdb);
            qc->vdb = NULL;
            return CXM_EIO;
        }
        sqlite3_busy_timeout(qc->vdb, 1000);
    }
    sqlite3_stmt *st = NULL;
    int rc = CXM_EIO;
    if (sqlite3_prepare_v2(qc->vdb, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *v = (uint64_t)sqlite3_column_int64(st, 0);
        rc = CXM_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- JSON and report (the default compute) ----------------------------------------- */

/* {"error":msg} as a malloc'ed body. */
static int error_body(const char *msg, char **body, size_t *len) {
    FILE *f = open_memstream(body, len);
    if (!f) return CXM_ENOMEM;
    fputs("{\"error\":", f);
    cxm_json_fputs(f, msg);
    fputs("}\n", f);
    if (fclose(f)) {
        free(*body);
        *body = NULL;
        return CXM_ENOMEM;
    }
    return CXM_OK;
}

static unsigned status_for(int rc) {
    switch (rc) {
    case CXM_EUSAGE:
    case CXM_ENOTFOUND:
    case CXM_EPARSE:
    case CXM_EDATA:
    case CXM_ELIMIT: return 400;
    default: return 500;
    }
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes of s (%XX, '+' = space) into a new string (owned). */
static char *decode(const char *s, size_t n) {
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            out[j++] = ' ';
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

static int file_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* A key's report options: the strings of o point into k, o.where into
 * where (so a key_opts is not copied). Free with cxm_qcache_key_free(&k). */
typedef struct key_opts {
    cxm_qcache_key k;
    cxm_report_opts o;
    const char *where[QC_MAX_WHERE];
    const char *lang;
} key_opts;

/* Parses key into ko (zeroed here). A bad key: CXM_EUSAGE, ko->k.bad says why. */
static int key_opts_parse(const cxm_qcache *qc, const char *key, key_opts *ko) {
    memset(ko, 0, sizeof *ko);
    int rc = cxm_qcache_key_parse(&ko->k, key);
    if (rc) return rc;
    cxm_report_opts *op = &ko->o;
    op->sla = qc->o.sla;
    op->calendar = qc->o.calendar;
    op->where = ko->where;
    for (size_t i = 0; i < ko->k.n; i++) {
        const char *n = ko->k.names[i], *v = ko->k.values[i];
        if (!strcmp(n, "metrics"))
            op->metrics = v;
        else if (!strcmp(n, "by"))
            op->by = v;
        else if (!strcmp(n, "from"))
            op->from = v;
        else if (!strcmp(n, "to"))
            op->to = v;
        else if (!strcmp(n, "tz"))
            op->tz = v;
        else if (!strcmp(n, "preset"))
            op->preset = v;
        else if (!strcmp(n, "stats"))
            op->stats = v;
        else if (!strcmp(n, "as_of"))
            op->as_of = v;
        else if (!strcmp(n, "compare"))
            op->compare = v;
        else if (!strcmp(n, "time_basis"))
            op->time_basis = v;
        else if (!strcmp(n, "fcr_rule"))
            op->fcr_rule = v;
        else if (!strcmp(n, "lang"))
            ko->lang = v;
        else if (!strcmp(n, "where") && op->nwhere < QC_MAX_WHERE)
            ko->where[op->nwhere++] = v;
    }
    return CXM_OK;
}

/* The default plan: the streams the report of key reads from the store
 * (the engine's rule: cxm_store_snapshot_needs, src/metrics/needs.h). */
static int default_plan(void *ud, const char *key, unsigned *streams) {
    const cxm_qcache *qc = ud;
    *streams = CXM_SNAP_ALL;
    key_opts ko;
    int rc = key_opts_parse(qc, key, &ko);
    cxm_store *st = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    if (!rc) rc = cxm_store_open(qc->o.store, 0, &st, &d);
    if (!rc) rc = cxm_store_snapshot_needs(st, &ko.o, streams, &d);
    if (rc) *streams = CXM_SNAP_ALL;
    cxm_store_close(st);
    cxm_qcache_key_free(&ko.k);
    return rc;
}

/* The default compute: the key's report options on the snapshot's files,
 * rendered as `cxm report --format json` renders them. */
static int default_compute(void *ud, const char *key, const char *dir, unsigned *status, char **body, size_t *len) {
    const cxm_qcache *qc = ud;
    key_opts ko;
    int rc = key_opts_parse(qc, key, &ko);
    cxm_qcache_key k = ko.k;
    if (rc) {
        *status = 400;
        rc = error_body(k.bad, body, len);
        cxm_qcache_key_free(&k);
        return rc;
    }
    cxm_report_opts o = ko.o;
    const char *lang = ko.lang;
    char paths[3][4200];
    const char *names[3] = {"tickets", "messages", "responses"};
    for (int i = 0; i < 3; i++) {
        int n = snprintf(paths[i], sizeof paths[i], "%s/%s.csv", dir, names[i]);
        if (n < 0 || (size_t)n >= sizeof paths[i] || !file_exists(paths[i])) paths[i][0] = '\0';
    }
    o.tickets = paths[0][0] ? paths[0] : NULL;
    o.messages = paths[1][0] ? paths[1] : NULL;
    o.responses = paths[2][0] ? paths[2] : NULL;
    char msg[1200];
    if (lang && !cxm_lang_supported(lang)) {
        *status = 400;
        snprintf(msg, sizeof msg, "lang '%s': expected en, zh-Hans, zh-Hant, ja or ms", lang);
        rc = error_body(msg, body, len);
        cxm_qcache_key_free(&k);
        return rc;
    }
    if (!o.tickets && !o.responses) {
        *status = 400;
        snprintf(msg, sizeof msg,
                 "%s: the store holds no tickets or responses yet (cxm import tickets FILE --store %s)",
                 qc->o.store ? qc->o.store : "store", qc->o.store ? qc->o.store : "FILE");
        rc = error_body(msg, body, len);
        cxm_qcache_key_free(&k);
        return rc;
    }
    cxm_diag d;
    memset(&d, 0, sizeof d);
    cxm_result_set *rs = NULL;
    rc = cxm_report_run(&o, &rs, &d);
    if (rc) {
        cxm_diag_explain(&d, rc, msg, sizeof msg);
        *status = status_for(rc);
        int erc = error_body(msg, body, len);
        cxm_qcache_key_free(&k);
        if (erc) return erc;
        return *status >= 500 ? rc : CXM_OK;
    }
    FILE *f = open_memstream(body, len);
    if (!f) {
        cxm_result_set_free(rs);
        cxm_qcache_key_free(&k);
        return CXM_ENOMEM;
    }
    rc = cxm_result_render(rs, CXM_FORMAT_JSON, lang, f);
    cxm_result_set_free(rs);
    cxm_qcache_key_free(&k);
    if (fclose(f) || rc) {
        free(*body);
        *body = NULL;
        *status = 500;
        if (error_body("cannot render the report", body, len)) return CXM_ENOMEM;
        return rc ? rc : CXM_ENOMEM;
    }
    *status = 200;
    return CXM_OK;
}

/* ---- keys ------------------------------------------------------------------------ */

static const char *const known_params[] = {"metrics", "by",      "from",       "to",       "tz",    "preset", "stats",
                                           "as_of",   "compare", "time_basis", "fcr_rule", "where", "lang",   NULL};

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

int cxm_qcache_key_add(cxm_qcache_key *k, const char *name, const char *value) {
    if (k->bad[0]) return CXM_EUSAGE;
    int known = 0;
    for (size_t i = 0; known_params[i]; i++)
        known |= !strcmp(name, known_params[i]);
    if (!known) {
        snprintf(k->bad, sizeof k->bad,
                 "unknown parameter '%.60s' (expected metrics, by, from, to, tz, preset, stats, as_of, compare, "
                 "time_basis, fcr_rule, where, lang)",
                 name);
        return CXM_EUSAGE;
    }
    if (!value) {
        snprintf(k->bad, sizeof k->bad, "parameter '%.60s' needs a value", name);
        return CXM_EUSAGE;
    }
    int is_where = !strcmp(name, "where");
    if (is_where) {
        size_t nw = 0;
        for (size_t i = 0; i < k->n; i++)
            nw += !strcmp(k->names[i], "where");
        if (nw == QC_MAX_WHERE) {
            snprintf(k->bad, sizeof k->bad, "more than %u where parameters", QC_MAX_WHERE);
            return CXM_EUSAGE;
        }
    } else {
        for (size_t i = 0; i < k->n; i++) { /* the last one wins, as an option given twice */
            if (!strcmp(k->names[i], name)) {
                char *v = dupstr(value);
                if (!v) return CXM_ENOMEM;
                free(k->values[i]);
                k->values[i] = v;
                return CXM_OK;
            }
        }
    }
    if (k->n == CXM_QCACHE_MAX_PARAMS) {
        snprintf(k->bad, sizeof k->bad, "more than %u parameters", CXM_QCACHE_MAX_PARAMS);
        return CXM_EUSAGE;
    }
    char *n = dupstr(name), *v = dupstr(value);
    if (!n || !v) {
        free(n);
        free(v);
        return CXM_ENOMEM;
    }
    k->names[k->n] = n;
    k->values[k->n++] = v;
    return CXM_OK;
}

int cxm_qcache_key_parse(cxm_qcache_key *k, const char *query) {
    static const char prefix[] = "/v1/metrics";
    if (!strncmp(query, prefix, sizeof prefix - 1)) query += sizeof prefix - 1;
    if (*query == '?') query++;
    const char *p = query;
    while (*p) {
        size_t n = strcspn(p, "&");
        if (n) {
            const char *eq = memchr(p, '=', n);
            char *name = decode(p, eq ? (size_t)(eq - p) : n);
            char *value = eq ? decode(eq + 1, n - (size_t)(eq - p) - 1) : NULL;
            int rc = name && (!eq || value) ? cxm_qcache_key_add(k, name, value) : CXM_ENOMEM;
            free(name);
            free(value);
            if (rc) return rc;
        }
        p += n;
        if (*p == '&') p++;
    }
    return CXM_OK;
}

static int cmp_param(const void *a, const void *b) {
    const char *const *x = a, *const *y = b;
    int c = strcmp(x[0], y[0]);
    return c ? c : strcmp(x[1], y[1]);
}

int cxm_qcache_key_finish(cxm_qcache_key *k, char **out) {
    *out = NULL;
    if (k->bad[0]) return CXM_EUSAGE;
    const char *pairs[CXM_QCACHE_MAX_PARAMS][2];
    for (size_t i = 0; i < k->n; i++) {
        pairs[i][0] = k->names[i];
        pairs[i][1] = k->values[i];
    }
    qsort(pairs, k->n, sizeof pairs[0], cmp_param);
    size_t cap = CXM_QCACHE_MAX_KEY, j = 0;
    char *s = malloc(cap);
    if (!s) return CXM_ENOMEM;
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < k->n; i++) {
        /* name=value&: a name is a known (plain) word */
        size_t nl = strlen(pairs[i][0]);
        if (j + nl + 2 >= cap) goto too_long;
        if (i) s[j++] = '&';
        memcpy(s + j, pairs[i][0], nl);
        j += nl;
        s[j++] = '=';
        for (const unsigned char *v = (const unsigned char *)pairs[i][1]; *v; v++) {
            int plain = (*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
                        strchr("._~,:/-", *v);
            if (j + 4 >= cap) goto too_long;
            if (plain) {
                s[j++] = (char)*v;
            } else {
                s[j++] = '%';
                s[j++] = hex[*v >> 4];
                s[j++] = hex[*v & 15];
            }
        }
    }
    s[j] = '\0';
    *out = s;
    return CXM_OK;
too_long:
    free(s);
    snprintf(k->bad, sizeof k->bad, "the query is longer than %u bytes", CXM_QCACHE_MAX_KEY);
    return CXM_ELIMIT;
}

void cxm_qcache_key_free(cxm_qcache_key *k) {
    if (!k) return;
    for (size_t i = 0; i < k->n; i++) {
        free(k->names[i]);
        free(k->values[i]);
    }
    k->n = 0;
}

/* ---- blobs, entries, snapshots (mu held unless said) ---------------------------------- */

static void blob_release(blob *b) {
    if (b && atomic_fetch_sub(&b->refs, 1) == 1) {
        free(b->data);
        free(b);
    }
}

static uint64_t hash_key(const char *s, size_t n) { /* FNV-1a */
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static entry *find(cxm_qcache *qc, const char *key, size_t n, uint64_t h) {
    for (entry *e = qc->buckets[h % QC_BUCKETS]; e; e = e->hnext)
        if (e->hash == h && e->keylen == n && !memcmp(e->key, key, n)) return e;
    return NULL;
}

static void lru_unlink(cxm_qcache *qc, entry *e) {
    if (e->prev)
        e->prev->next = e->next;
    else
        qc->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        qc->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(cxm_qcache *qc, entry *e) {
    e->prev = NULL;
    e->next = qc->lru_head;
    if (qc->lru_head) qc->lru_head->prev = e;
    qc->lru_head = e;
    if (!qc->lru_tail) qc->lru_tail = e;
}

static void account(cxm_qcache *qc, entry *e) {
    qc->bytes -= e->bytes;
    e->bytes = sizeof *e + e->keylen + 1 + (e->body ? e->body->len + sizeof(blob) : 0);
    qc->bytes += e->bytes;
}

static entry *create(cxm_qcache *qc, const char *key, size_t n, uint64_t h) {
    entry *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->key = malloc(n + 1);
    if (!e->key) {
        free(e);
        return NULL;
    }
    memcpy(e->key, key, n);
    e->key[n] = '\0';
    e->keylen = n;
    e->hash = h;
    e->hnext = qc->buckets[h % QC_BUCKETS];
    qc->buckets[h % QC_BUCKETS] = e;
    lru_front(qc, e);
    qc->nentries++;
    account(qc, e);
    return e;
}

struct live_state;
static void live_free(struct live_state *L);

static void destroy(cxm_qcache *qc, entry *e) {
    entry **pp = &qc->buckets[e->hash % QC_BUCKETS];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(qc, e);
    qc->bytes -= e->bytes;
    qc->nentries--;
    blob_release(e->body);
    if (e->live) {
        live_free(e->live);
        qc->nlive--;
    }
    free(e->key);
    free(e);
}

/* Drops least recently used entries while over the byte budget. */
static void evict(cxm_qcache *qc) {
    entry *e = qc->lru_tail;
    while (qc->bytes > qc->o.max_bytes && e) {
        entry *prev = e->prev;
        if (!e->pins && !e->computing && !e->queued && !e->warm) {
            destroy(qc, e);
            qc->st.evictions++;
        }
        e = prev;
    }
}

static void snap_unref(cxm_qcache *qc, snap *s) {
    if (--s->refs) return;
    snap **pp = &qc->snaps;
    while (*pp != s)
        pp = &(*pp)->next;
    *pp = s->next;
    s->next = qc->dead;
    qc->dead = s;
}

/* Removes dead snapshots' directories; mu NOT held. */
static void reap(cxm_qcache *qc) {
    pthread_mutex_lock(&qc->mu);
    snap *d = qc->dead;
    qc->dead = NULL;
    pthread_mutex_unlock(&qc->mu);
    while (d) {
        snap *next = d->next;
        qc->o.remove(qc->o.ud, d->dir);
        free(d);
        d = next;
    }
}

/* Refresh queue: e gets a place (and a pin) unless it is computing or queued. */
static void schedule(cxm_qcache *qc, entry *e) {
    if (e->computing || e->queued) return;
    e->queued = 1;
    e->pins++;
    e->qnext = NULL;
    if (qc->q_tail)
        qc->q_tail->qnext = e;
    else
        qc->q_head = e;
    qc->q_tail = e;
    pthread_cond_signal(&qc->work);
}

/* The data changed: a new generation; warm entries go to the refreshers. */
static void changed(cxm_qcache *qc) {
    qc->gen++;
    qc->ring_gen[qc->gen % QC_RING] = qc->gen;
    qc->ring_ms[qc->gen % QC_RING] = qc->o.clock(qc->o.ud);
    for (size_t i = 0; i < qc->nwarm; i++)
        if (qc->warm[i]->body && qc->warm[i]->gen != qc->gen) schedule(qc, qc->warm[i]);
}

/* Since when an answer computed at generation g misses data: the start of
 * generation g + 1 (INT64_MAX: it does not, g is current; INT64_MIN: too
 * long ago to be remembered). Every record it lacks was acknowledged after
 * that instant, so (t - stale_since) is how stale it is at time t. */
static int64_t stale_since(const cxm_qcache *qc, uint64_t g) {
    if (g >= qc->gen) return INT64_MAX;
    uint64_t n = g + 1;
    return qc->ring_gen[n % QC_RING] == n ? qc->ring_ms[n % QC_RING] : INT64_MIN;
}

/* t - since without overflow: how stale at t (0 when current). */
static int64_t staleness(int64_t t, int64_t since) {
    if (since == INT64_MAX) return 0;
    if (since == INT64_MIN) return INT64_MAX;
    return t > since ? t - since : 0;
}

/* Streams in mask were (or may have been) written: the write clock ticks.
 * rewritten: not (only) by inserts the cache was told of (rlast). */
static void dirty_how(cxm_qcache *qc, unsigned mask, int rewritten) {
    qc->wclock++;
    for (int i = 0; i < 3; i++)
        if (mask & (1u << i)) {
            qc->wlast[i] = qc->wclock;
            if (rewritten) qc->rlast[i] = qc->wclock;
        }
}

static void dirty(cxm_qcache *qc, unsigned mask) { dirty_how(qc, mask, 1); }

/* Reads the version (mu not held; vmu taken here, only for the read): a
 * change nobody announced is a write by someone else (another process, or
 * this one outside cxm_qcache_ingest_*): a new generation, every stream
 * dirty. Callers make sure no import of the server is under way (gate). */
static void poll_locked(cxm_qcache *qc, int64_t now) {
    uint64_t v = 0;
    pthread_mutex_lock(&qc->vmu);
    int rc = qc->o.version(qc->o.ud, &v);
    pthread_mutex_unlock(&qc->vmu);
    pthread_mutex_lock(&qc->mu);
    qc->last_check_ms = now;
    if (!rc) {
        if (qc->version_known && v != qc->last_version) {
            changed(qc);
            dirty(qc, CXM_SNAP_ALL);
        }
        qc->last_version = v;
        qc->version_known = 1;
    }
    pthread_mutex_unlock(&qc->mu);
}

/* Polls the data version when due (force: now). mu NOT held. A change
 * seen while one of the server's imports is under way could be its own, so
 * a poll runs only when none is: one that is merely due (not forced, S > 0)
 * is skipped (the import's end reads the version); a forced one closes the
 * gate (imports starting now wait) until those under way have ended. */
static void poll_version(cxm_qcache *qc, int force) {
    if (!qc->o.version) return;
    int64_t now = qc->o.clock(qc->o.ud);
    pthread_mutex_lock(&qc->mu);
    int must = force || qc->o.max_staleness_ms == 0 || !qc->version_known;
    int due = must || now - qc->last_check_ms >= qc->o.check_ms;
    if (!due || (!must && qc->own_active)) {
        pthread_mutex_unlock(&qc->mu);
        return;
    }
    qc->gate++;
    while (qc->own_active)
        pthread_cond_wait(&qc->gatecv, &qc->mu);
    pthread_mutex_unlock(&qc->mu);
    poll_locked(qc, now);
    pthread_mutex_lock(&qc->mu);
    qc->gate--;
    pthread_cond_broadcast(&qc->gatecv);
    pthread_mutex_unlock(&qc->mu);
}

/* 1 if snapshot c is good enough for a computation (see acquire). */
static int good_enough(cxm_qcache *qc, const snap *c, uint64_t after_seq, int64_t t_req, int64_t now) {
    int64_t S = qc->o.max_staleness_ms;
    if (c->seq <= after_seq) return 0;
    if (c->gen == qc->gen) return 1;
    if (c->gen < qc->live_floor) return 0;
    if (t_req) return c->taken_ms > t_req || (S > 0 && staleness(now, stale_since(qc, c->gen)) <= S / 2);
    return S > 0;
}

/* A snapshot holding the streams in mask for a computation (mu held on
 * entry and return, released meanwhile): the newest current snapshot of a
 * stream set holding mask that is newer than after_seq and good enough (a
 * request, t_req > 0: current, or taken after the request came, or at most
 * S/2 old; a refresh: current, or with S > 0 anything newer than the
 * entry's), else a new one of mask (one per set at a time: others wait for
 * it), its files hard-linked from live snapshots where the stream was not
 * written since they read it. *out gets a reference. */
static int acquire(cxm_qcache *qc, unsigned mask, uint64_t after_seq, int64_t t_req, snap **out, cxm_diag *diag) {
    for (;;) {
        snap *best = NULL;
        int64_t now = qc->o.clock(qc->o.ud);
        for (unsigned m = 0; m < QC_SETS; m++) {
            snap *c = qc->cur[m];
            if (c && (m & mask) == mask && good_enough(qc, c, after_seq, t_req, now) && (!best || c->seq > best->seq))
                best = c;
        }
        if (best) {
            best->refs++;
            *out = best;
            return CXM_OK;
        }
        if (qc->making & (1u << mask)) {
            pthread_cond_wait(&qc->done, &qc->mu);
            continue;
        }
        qc->making |= 1u << mask;
        pthread_mutex_unlock(&qc->mu);
        poll_version(qc, 1);
        pthread_mutex_lock(&qc->mu);
        uint64_t g0 = qc->gen; /* read before the snapshot: the label is never newer than the data */
        int64_t t0 = qc->o.clock(qc->o.ud);
        uint64_t w0 = qc->wclock;
        /* a live snapshot's file of a stream nobody wrote since it was read
         * (the newest such), held while it is linked */
        cxm_snapshot_opts req = {mask, {NULL, NULL, NULL}};
        snap *src[3] = {NULL, NULL, NULL};
        uint64_t src_stamp[3] = {0, 0, 0};
        for (int i = 0; i < 3; i++) {
            if (!(mask & (1u << i))) continue;
            for (snap *c = qc->snaps; c; c = c->next)
                if ((c->have & (1u << i)) && qc->wlast[i] <= c->stamp[i] && (!src[i] || c->stamp[i] > src_stamp[i])) {
                    src[i] = c;
                    src_stamp[i] = c->stamp[i];
                }
            if (src[i]) {
                src[i]->refs++;
                req.reuse[i] = src[i]->dir;
            }
        }
        pthread_mutex_unlock(&qc->mu);
        snap *n = calloc(1, sizeof *n);
        unsigned have = 0, linked = 0;
        int rc = n ? qc->o.snapshot(qc->o.ud, &req, n->dir, sizeof n->dir, &have, &linked, diag) : CXM_ENOMEM;
        pthread_mutex_lock(&qc->mu);
        qc->making &= ~(1u << mask);
        pthread_cond_broadcast(&qc->done);
        for (int i = 0; i < 3; i++)
            if (src[i]) snap_unref(qc, src[i]);
        if (rc) {
            free(n);
            return rc;
        }
        n->gen = g0;
        n->seq = ++qc->snap_seq;
        n->taken_ms = t0;
        n->mask = mask;
        n->have = have;
        for (int i = 0; i < 3; i++) {
            n->stamp[i] = (linked & (1u << i)) ? src_stamp[i] : w0;
            if (have & (1u << i)) {
                if (linked & (1u << i))
                    qc->st.files_linked++;
                else
                    qc->st.files_written++;
            }
        }
        n->refs = 2; /* the cache's (as cur) and the caller's */
        n->next = qc->snaps;
        qc->snaps = n;
        snap *old = qc->cur[mask];
        qc->cur[mask] = n;
        if (old) snap_unref(qc, old);
        qc->st.snapshots++;
        *out = n;
        return CXM_OK;
    }
}

/* ---- live reports (qcache.h "Live reports") ---------------------------------------- */

enum { QC_LIVE_SKIP = 1 }; /* live_answer: take the snapshot path */

typedef struct live_state {
    cxm_live *lv;
    key_opts ko;           /* the options the live report borrows */
    char names[2][4200];   /* its streams' names: the first export's files (never read again) */
    unsigned mask;         /* the streams it reads (CXM_SNAP_* bits) */
    uint64_t stamp;        /* the write clock read before its last export */
    int64_t last[3];       /* per stream: the last rowid it holds */
} live_state;

static void live_free(live_state *L) {
    if (!L) return;
    cxm_live_free(L->lv);
    cxm_qcache_key_free(&L->ko.k);
    free(L);
}

/* Drops the live report of the least recently used entry that has one and
 * is not computing (a warm entry's only for a warm one). mu held. 1 if one
 * was dropped. */
static int live_make_room(cxm_qcache *qc, int for_warm) {
    for (entry *x = qc->lru_tail; x; x = x->prev)
        if (x->live && !x->computing && (!x->warm || for_warm)) {
            live_free(x->live);
            x->live = NULL;
            qc->nlive--;
            qc->st.live_drops++;
            return 1;
        }
    return 0;
}

/* Adds the files of dir L reads (have: the streams there). mu not held. */
static int live_add_files(live_state *L, const char *dir, unsigned have, cxm_diag *d) {
    static const struct { unsigned bit; cxm_live_stream stream; const char *name; } st[2] = {
        {CXM_SNAP_TICKETS, CXM_LIVE_TICKETS, "tickets"}, {CXM_SNAP_RESPONSES, CXM_LIVE_RESPONSES, "responses"}};
    int rc = CXM_OK;
    for (int i = 0; i < 2 && !rc; i++) {
        if (!(have & st[i].bit) || !(st[i].stream == CXM_LIVE_TICKETS ? L->ko.o.tickets : L->ko.o.responses)) continue;
        char path[4300];
        snprintf(path, sizeof path, "%s/%s.csv", dir, st[i].name);
        rc = cxm_live_add(L->lv, st[i].stream, path, d);
    }
    return rc;
}

/* The report's JSON from L's state after adding the files of dir it reads
 * (have: the streams there). mu not held. */
static int live_add_and_render(live_state *L, const char *dir, unsigned have, char **body, size_t *len,
                               cxm_diag *d) {
    int rc = live_add_files(L, dir, have, d);
    cxm_result_set *rs = NULL;
    if (!rc) rc = cxm_live_results(L->lv, &rs, d);
    if (rc) return rc;
    FILE *f = open_memstream(body, len);
    if (!f) rc = CXM_ENOMEM;
    else {
        rc = cxm_result_render(rs, CXM_FORMAT_JSON, L->ko.lang, f);
        if (fclose(f) && !rc) rc = CXM_ENOMEM;
        if (rc) {
            free(*body);
            *body = NULL;
        }
    }
    cxm_result_set_free(rs);
    return rc;
}

/* Exports the rows of L's streams after `after` (NULL: every row) in one
 * read transaction: *dir gets the directory, *have its files, last[] the
 * streams' last rowids. mu not held. */
static int live_export(cxm_qcache *qc, const live_state *L, const int64_t *after, char *dir, size_t cap,
                       unsigned *have, int64_t last[3], cxm_diag *d) {
    static const int64_t zero[3] = {0, 0, 0};
    cxm_store *st = NULL;
    int rc = cxm_store_open(qc->o.store, 0, &st, d);
    if (!rc) rc = cxm_store_snapshot_since(st, L->mask, after ? after : zero, dir, cap, have, last, d);
    cxm_store_close(st);
    return rc;
}

/* The answer of e from its live report (mu held on entry and return,
 * released meanwhile): the rows inserted since added to the state kept,
 * or a state built from every row. 0 with *body (status 200), *gen, *data_ms
 * (the label and instant read before the export) and *ms (how long it
 * took), or QC_LIVE_SKIP: compute on a snapshot as usual. */
static int live_answer(cxm_qcache *qc, entry *e, unsigned mask, char **body, size_t *len, uint64_t *gen,
                       int64_t *data_ms, int64_t *ms) {
    cxm_diag d;
    memset(&d, 0, sizeof d);
    live_state *L = e->live;
    int ok = L && L->mask == mask;
    for (int i = 0; ok && i < 3; i++)
        if (mask & (1u << i)) ok = qc->rlast[i] <= L->stamp;
    char dir[4096], dir1[4096];
    unsigned have = 0, have1 = 0;
    int64_t last[3], last1[3];
    int rc;
    if (ok) {
        /* only inserts since: first the bulk of the new rows with imports
         * going on (phase 1: what it read is vouched for below), then the
         * rest with no import of the server's under way (the gate) and no
         * write by another process during that export (the version before
         * and after). Every commit phase 1 may have seen came before the
         * gate closed: the imports' ends (append or not) and the poll
         * under the gate (others' writes) are in rlast by then. */
        pthread_mutex_unlock(&qc->mu);
        int rc1 = live_export(qc, L, L->last, dir1, sizeof dir1, &have1, last1, &d);
        pthread_mutex_lock(&qc->mu);
        if (rc1) have1 = 0;
        int64_t after[3];
        for (int i = 0; i < 3; i++) after[i] = (have1 & (1u << i)) ? last1[i] : L->last[i];
        qc->gate++;
        while (qc->own_active)
            pthread_cond_wait(&qc->gatecv, &qc->mu);
        pthread_mutex_unlock(&qc->mu);
        poll_locked(qc, qc->o.clock(qc->o.ud));
        pthread_mutex_lock(&qc->mu);
        for (int i = 0; ok && i < 3; i++)
            if (mask & (1u << i)) ok = qc->rlast[i] <= L->stamp;
        uint64_t g = qc->gen, w = qc->wclock, v0 = qc->last_version, v1 = 0;
        int known = qc->version_known;
        int64_t t0 = qc->o.clock(qc->o.ud);
        pthread_mutex_unlock(&qc->mu);
        rc = ok ? live_export(qc, L, after, dir, sizeof dir, &have, last, &d) : QC_LIVE_SKIP;
        if (!rc) {
            pthread_mutex_lock(&qc->vmu);
            int vrc = qc->o.version(qc->o.ud, &v1);
            pthread_mutex_unlock(&qc->vmu);
            if (vrc || !known || v1 != v0) { /* another writer committed meanwhile: maybe half seen */
                qc->o.remove(qc->o.ud, dir);
                rc = QC_LIVE_SKIP;
            }
        }
        pthread_mutex_lock(&qc->mu);
        qc->gate--;
        pthread_cond_broadcast(&qc->gatecv);
        if (!rc) {
            pthread_mutex_unlock(&qc->mu);
            rc = have1 ? live_add_files(L, dir1, have1, &d) : CXM_OK;
            if (!rc) rc = live_add_and_render(L, dir, have, body, len, &d);
            qc->o.remove(qc->o.ud, dir);
            pthread_mutex_lock(&qc->mu);
            if (!rc) {
                if (!rc1) {
                    pthread_mutex_unlock(&qc->mu);
                    qc->o.remove(qc->o.ud, dir1);
                    pthread_mutex_lock(&qc->mu);
                }
                L->stamp = w;
                for (int i = 0; i < 3; i++)
                    if (have & (1u << i)) L->last[i] = last[i];
                qc->st.live_adds++;
                if (g > qc->live_floor) qc->live_floor = g;
                *gen = g;
                *data_ms = t0;
                *ms = qc->o.clock(qc->o.ud) - t0;
                return CXM_OK;
            }
            free(*body);
            *body = NULL;
        }
        if (!rc1) {
            pthread_mutex_unlock(&qc->mu);
            qc->o.remove(qc->o.ud, dir1);
            pthread_mutex_lock(&qc->mu);
        }
        if (rc != QC_LIVE_SKIP || !ok) { /* failed or no longer good: rebuilt below */
            live_free(e->live);
            e->live = NULL;
            qc->nlive--;
            L = NULL;
        }
        if (rc == QC_LIVE_SKIP && ok) return QC_LIVE_SKIP; /* a write by others: the snapshot path this time */
    } else if (L) {
        live_free(L);
        e->live = NULL;
        qc->nlive--;
    }
    /* build: when every change since the key's last computation was an
     * insert-only import of the server's (it is likely to pay off: one
     * rebuilt at every refresh would cost more than the snapshot path) */
    int clean = e->computed && !(mask & CXM_SNAP_MESSAGES);
    for (int i = 0; clean && i < 3; i++)
        if (mask & (1u << i)) clean = qc->rlast[i] <= e->stamp;
    if (e->live_refused || !clean || (qc->nlive >= (unsigned)qc->o.max_live && !live_make_room(qc, e->warm)))
        return QC_LIVE_SKIP;
    qc->nlive++; /* the place, held while building */
    pthread_mutex_unlock(&qc->mu);
    poll_version(qc, 1);
    pthread_mutex_lock(&qc->mu);
    uint64_t g = qc->gen, w = qc->wclock;
    int64_t t0 = qc->o.clock(qc->o.ud);
    pthread_mutex_unlock(&qc->mu);
    L = calloc(1, sizeof *L);
    rc = L ? key_opts_parse(qc, e->key, &L->ko) : CXM_ENOMEM;
    const char *why;
    int refused = 0;
    if (!rc) { /* (the streams are named once exported) */
        cxm_report_opts named = L->ko.o;
        named.tickets = "tickets.csv";
        if ((L->ko.lang && !cxm_lang_supported(L->ko.lang)) || !cxm_live_supported(&named, &why)) {
            rc = QC_LIVE_SKIP;
            refused = 1;
        }
    }
    if (!rc) {
        L->mask = mask;
        rc = live_export(qc, L, NULL, dir, sizeof dir, &have, last, &d);
    }
    if (!rc) {
        if (!(have & (CXM_SNAP_TICKETS | CXM_SNAP_RESPONSES))) rc = QC_LIVE_SKIP; /* no data: its own answer */
        if (!rc && (have & CXM_SNAP_TICKETS)) {
            snprintf(L->names[0], sizeof L->names[0], "%s/tickets.csv", dir);
            L->ko.o.tickets = L->names[0];
        }
        if (!rc && (have & CXM_SNAP_RESPONSES)) {
            snprintf(L->names[1], sizeof L->names[1], "%s/responses.csv", dir);
            L->ko.o.responses = L->names[1];
        }
        if (!rc && cxm_live_new(&L->ko.o, &L->lv, &d)) { /* not mergeable (a --compare window) or bad options */
            rc = QC_LIVE_SKIP;
            refused = 1;
        }
        if (!rc) rc = live_add_and_render(L, dir, have, body, len, &d);
        if (rc == CXM_EUSAGE) refused = 1; /* (a bad query: its answer is the snapshot path's 400) */
        qc->o.remove(qc->o.ud, dir);
    }
    int64_t t1 = qc->o.clock(qc->o.ud);
    pthread_mutex_lock(&qc->mu);
    if (rc) {
        if (L) cxm_qcache_key_free(&L->ko.k);
        if (L) cxm_live_free(L->lv);
        free(L);
        qc->nlive--;
        if (refused) e->live_refused = 1;
        return QC_LIVE_SKIP; /* (errors get their answer from the snapshot path) */
    }
    L->stamp = w;
    memcpy(L->last, last, sizeof L->last);
    e->live = L;
    qc->st.live_builds++;
    if (g > qc->live_floor) qc->live_floor = g;
    *gen = g;
    *data_ms = t0;
    *ms = t1 - t0;
    return CXM_OK;
}

/* Computes e (mu held, e->computing set by the caller; cleared here).
 * On failure *fail (may be NULL) gets the failed answer's blob and status. */
static int compute(cxm_qcache *qc, entry *e, int64_t t_req, blob **fail, unsigned *fail_status) {
    qc->busy++;
    qc->st.computations++;
    snap *s = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    /* the streams it reads: planned before the snapshot's label is read, so
     * a stream that appears meanwhile makes the answer look stale, never
     * current without it */
    uint64_t g_plan = qc->gen;
    unsigned mask = CXM_SNAP_ALL;
    if (qc->o.plan) {
        pthread_mutex_unlock(&qc->mu);
        if (qc->o.plan(qc->o.ud, e->key, &mask)) mask = CXM_SNAP_ALL;
        pthread_mutex_lock(&qc->mu);
        mask &= CXM_SNAP_ALL;
    }
    unsigned status = 0;
    char *body = NULL;
    size_t len = 0;
    uint64_t lgen = 0, stamp = qc->wclock;
    int64_t ldata_ms = 0, lms = 0;
    int lrc = qc->live_ok ? live_answer(qc, e, mask, &body, &len, &lgen, &ldata_ms, &lms) : QC_LIVE_SKIP;
    int rc = lrc == QC_LIVE_SKIP ? acquire(qc, mask, t_req ? 0 : e->snap_seq, t_req, &s, &d) : CXM_OK;
    pthread_mutex_unlock(&qc->mu);
    int64_t t0 = qc->o.clock(qc->o.ud);
    if (lrc != QC_LIVE_SKIP) {
        status = 200;
        t0 -= lms; /* (computed_ms: the live report's time) */
    } else if (rc) {
        char msg[600];
        snprintf(msg, sizeof msg, "cannot snapshot the store: %s", d.msg[0] ? d.msg : cxm_strerror(rc));
        status = 503;
        if (error_body(msg, &body, &len)) body = NULL;
    } else {
        rc = qc->o.compute(qc->o.ud, e->key, s->dir, &status, &body, &len);
        if (!rc && !body) rc = CXM_ENOMEM;
        if (rc && !body) { /* a failure without its own answer */
            char msg[200];
            snprintf(msg, sizeof msg, "cannot compute the answer: %s", cxm_strerror(rc));
            status = 500;
            if (error_body(msg, &body, &len)) body = NULL;
        }
    }
    int64_t t1 = qc->o.clock(qc->o.ud);
    blob *b = NULL;
    if (body) {
        b = malloc(sizeof *b);
        if (b) {
            atomic_init(&b->refs, 1);
            b->data = body;
            b->len = len;
        } else {
            free(body);
            if (!rc) rc = CXM_ENOMEM;
        }
    }
    pthread_mutex_lock(&qc->mu);
    if (!rc) {
        blob_release(e->body);
        e->body = b;
        e->status = status;
        uint64_t g = s ? s->gen : lgen;
        e->gen = g < g_plan ? g : g_plan;
        e->snap_seq = s ? s->seq : ++qc->snap_seq; /* (a later snapshot path needs newer data) */
        e->data_ms = s ? s->taken_ms : ldata_ms;
        e->stamp = stamp;
        e->computed = 1;
        e->compute_ms = t1 - t0;
        account(qc, e);
    } else {
        qc->st.failures++;
        if (fail && b) {
            *fail = b;
            *fail_status = status ? status : 500;
        } else {
            blob_release(b);
        }
    }
    if (s) snap_unref(qc, s);
    e->computing = 0;
    e->wait_set = 0; /* the next refresh gets its own wait */
    qc->busy--;
    /* the data changed while it computed: a warm key goes round again */
    if (!rc && e->warm && e->gen != qc->gen) schedule(qc, e);
    pthread_cond_broadcast(&qc->done);
    return rc;
}

/* ---- refreshers ---------------------------------------------------------------------- */

static void *refresher(void *arg) {
    cxm_qcache *qc = arg;
#ifdef SYS_gettid
    /* background work yields the CPU to requests and ingest (Linux: nice
     * applies to this thread alone); a failure leaves the default */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), QC_REFRESH_NICE);
#endif
    pthread_mutex_lock(&qc->mu);
    for (;;) {
        while (!qc->stop && !qc->q_head) {
            struct timespec ts = deadline_after(QC_TICK_MS);
            int w = pthread_cond_timedwait(&qc->work, &qc->mu, &ts);
            if (w == ETIMEDOUT && !qc->stop && qc->nwarm) { /* writes by other processes reach warm keys too */
                pthread_mutex_unlock(&qc->mu);
                poll_version(qc, 0);
                pthread_mutex_lock(&qc->mu);
            }
        }
        if (qc->stop) break;
        entry *e = qc->q_head;
        qc->q_head = e->qnext;
        if (!qc->q_head) qc->q_tail = NULL;
        e->qnext = NULL;
        e->queued = 0;
        if (!e->computing && (!e->body || e->gen != qc->gen)) {
            e->computing = 1;
            qc->st.refreshes++;
            (void)compute(qc, e, 0, NULL, NULL);
        }
        e->pins--;
        evict(qc);
        pthread_cond_broadcast(&qc->done); /* wait_idle */
        pthread_mutex_unlock(&qc->mu);
        reap(qc);
        pthread_mutex_lock(&qc->mu);
    }
    pthread_mutex_unlock(&qc->mu);
    return NULL;
}

/* ---- public ---------------------------------------------------------------------------- */

int cxm_qcache_new(const cxm_qcache_opts *o, cxm_qcache **out, cxm_diag *diag) {
    *out = NULL;
    cxm_qcache *qc = calloc(1, sizeof *qc);
    if (!qc) return CXM_ENOMEM;
    qc->o = *o;
    if (!qc->o.max_bytes) qc->o.max_bytes = CXM_QCACHE_MAX_BYTES;
    if (!qc->o.refreshers) qc->o.refreshers = 1;
    if (qc->o.refreshers > QC_MAX_THREADS) qc->o.refreshers = QC_MAX_THREADS;
    if (qc->o.check_ms <= 0) qc->o.check_ms = CXM_QCACHE_CHECK_MS;
    if (qc->o.max_staleness_ms < 0) qc->o.max_staleness_ms = 0;
    if (qc->o.max_wait_ms < 0) qc->o.max_wait_ms = CXM_QCACHE_NO_WAIT;
    if (!qc->o.clock) qc->o.clock = mono_ms;
    int defaults = !o->compute || !o->snapshot || !o->remove || !o->version;
    if (defaults && !o->store) {
        free(qc);
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "the query cache needs a store path");
    }
    /* the defaults take the cache itself as their ud */
    if (!o->compute || !o->snapshot || !o->remove || !o->version) {
        if (o->compute || o->snapshot || o->remove || o->version) {
            free(qc);
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "give all of compute, snapshot, remove and version, or none");
        }
        qc->o.compute = default_compute;
        qc->o.snapshot = default_snapshot;
        qc->o.remove = default_remove;
        qc->o.version = default_version;
        qc->o.plan = default_plan;
        qc->o.ud = qc;
        if (!qc->o.max_live) qc->o.max_live = CXM_QCACHE_DEFAULT_LIVE;
        qc->live_ok = qc->o.max_live > 0;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&qc->mu, NULL);
    pthread_mutex_init(&qc->vmu, NULL);
    pthread_cond_init(&qc->done, &ca);
    pthread_cond_init(&qc->work, &ca);
    pthread_cond_init(&qc->gatecv, &ca);
    pthread_condattr_destroy(&ca);
    poll_version(qc, 1); /* the baseline */
    for (unsigned i = 0; i < qc->o.refreshers; i++) {
        if (pthread_create(&qc->threads[i], NULL, refresher, qc)) {
            cxm_qcache_free(qc);
            return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "cannot start the cache's refresher thread");
        }
        qc->nthreads++;
    }
    *out = qc;
    return CXM_OK;
}

void cxm_qcache_free(cxm_qcache *qc) {
    if (!qc) return;
    pthread_mutex_lock(&qc->mu);
    qc->stop = 1;
    pthread_cond_broadcast(&qc->work);
    pthread_mutex_unlock(&qc->mu);
    for (unsigned i = 0; i < qc->nthreads; i++)
        pthread_join(qc->threads[i], NULL);
    pthread_mutex_lock(&qc->mu);
    while (qc->q_head) {
        entry *e = qc->q_head;
        qc->q_head = e->qnext;
        e->queued = 0;
        e->pins--;
    }
    qc->q_tail = NULL;
    while (qc->lru_head)
        destroy(qc, qc->lru_head);
    for (unsigned m = 0; m < QC_SETS; m++) {
        if (qc->cur[m]) snap_unref(qc, qc->cur[m]);
        qc->cur[m] = NULL;
    }
    while (qc->snaps) { /* nobody else holds one now */
        snap *s = qc->snaps;
        s->refs = 1;
        snap_unref(qc, s);
    }
    pthread_mutex_unlock(&qc->mu);
    reap(qc);
    sqlite3_close(qc->vdb);
    pthread_cond_destroy(&qc->done);
    pthread_cond_destroy(&qc->work);
    pthread_cond_destroy(&qc->gatecv);
    pthread_mutex_destroy(&qc->mu);
    pthread_mutex_destroy(&qc->vmu);
    free(qc);
}

void cxm_qcache_bump(cxm_qcache *qc) {
    if (!qc) return;
    pthread_mutex_lock(&qc->mu);
    changed(qc);
    dirty(qc, CXM_SNAP_ALL);
    pthread_mutex_unlock(&qc->mu);
}

void cxm_qcache_ingest_begin(cxm_qcache *qc, cxm_qcache_ingest *in, cxm_store *st) {
    memset(in, 0, sizeof *in);
    if (!qc) return;
    pthread_mutex_lock(&qc->mu);
    while (qc->gate)
        pthread_cond_wait(&qc->gatecv, &qc->mu);
    int alone = qc->own_active == 0;
    qc->own_active++;
    in->epoch = ++qc->own_epoch;
    in->overlap = !alone;
    pthread_mutex_unlock(&qc->mu);
    /* what others committed before this import is theirs (when another
     * import is under way its commits would look like theirs too: the
     * overlap makes this import dirty every stream anyway) */
    if (alone && qc->o.version) poll_locked(qc, qc->o.clock(qc->o.ud));
    in->dv_ok = st && cxm_store_data_version(st, &in->dv0, NULL) == CXM_OK;
}

void cxm_qcache_ingest_end(cxm_qcache *qc, cxm_qcache_ingest *in, cxm_store *st, const char *stream,
                           int changed_rows) {
    if (!qc) return;
    uint64_t v = 0, dv1 = 0;
    int vrc = CXM_EIO;
    if (qc->o.version) {
        pthread_mutex_lock(&qc->vmu);
        vrc = qc->o.version(qc->o.ud, &v);
        pthread_mutex_unlock(&qc->vmu);
    }
    /* read after v: a commit by another connection that v holds shows here */
    int outside = st && (!in->dv_ok || cxm_store_data_version(st, &dv1, NULL) != CXM_OK || dv1 != in->dv0);
    int si = -1;
    for (int i = 0; stream && i < 3 && cxm_store_streams[i]; i++)
        if (!strcmp(stream, cxm_store_streams[i])) si = i;
    pthread_mutex_lock(&qc->mu);
    int overlap = in->overlap || qc->own_epoch != in->epoch; /* another import ran meanwhile */
    int moved = vrc || (qc->version_known && v != qc->last_version);
    if (!vrc) { /* absorbed: announced below */
        qc->last_version = v;
        qc->version_known = 1;
        qc->last_check_ms = qc->o.clock(qc->o.ud);
    }
    if (changed_rows || moved) {
        changed(qc);
        int alone = !(overlap || outside || vrc || si < 0);
        dirty_how(qc, alone ? 1u << si : CXM_SNAP_ALL, !(alone && in->appended));
    }
    qc->own_active--;
    pthread_cond_broadcast(&qc->gatecv);
    pthread_mutex_unlock(&qc->mu);
}

uint64_t cxm_qcache_generation(cxm_qcache *qc) {
    pthread_mutex_lock(&qc->mu);
    uint64_t g = qc->gen;
    pthread_mutex_unlock(&qc->mu);
    return g;
}

int cxm_qcache_get(cxm_qcache *qc, const char *key, cxm_qcache_answer *a) {
    return cxm_qcache_get_wait(qc, key, qc->o.max_wait_ms, a);
}

int cxm_qcache_get_wait(cxm_qcache *qc, const char *key, int64_t max_wait_ms, cxm_qcache_answer *a) {
    memset(a, 0, sizeof *a);
    int64_t t_req = qc->o.clock(qc->o.ud);
    int64_t S = qc->o.max_staleness_ms;
    poll_version(qc, 0);
    size_t n = strlen(key);
    uint64_t h = hash_key(key, n);
    pthread_mutex_lock(&qc->mu);
    entry *e = find(qc, key, n, h);
    if (!e && !(e = create(qc, key, n, h))) {
        pthread_mutex_unlock(&qc->mu);
        return CXM_ENOMEM;
    }
    lru_unlink(qc, e);
    lru_front(qc, e);
    e->pins++;
    int own = 0, waited = 0, late = 0;
    int64_t W = max_wait_ms;
    blob *take = NULL, *fail = NULL;
    unsigned fail_status = 0;
    for (;;) {
        if (e->body) {
            if (e->gen == qc->gen || own || e->data_ms > t_req) {
                a->how = own || waited ? CXM_QCACHE_MISS : CXM_QCACHE_FRESH;
                break;
            }
            /* the bound is measured from the request's arrival: a request that
             * waited for a computation takes it when its data is young enough
             * for that request (no herd of recomputations) */
            if (S > 0 && staleness(t_req, stale_since(qc, e->gen)) <= S) {
                a->how = CXM_QCACHE_STALE;
                schedule(qc, e);
                break;
            }
            /* past the bound with a wait bound: the refresh runs in the
             * background; requests wait for it until W (real time) after
             * the first of them began to, then take what the cache holds:
             * during a refresh longer than W only the first W wait */
            if (S > 0 && W != 0) {
                schedule(qc, e); /* nothing when it is computing or queued */
                if (W > 0 && !e->wait_set) {
                    e->wait_until = deadline_after(W);
                    e->wait_set = 1;
                }
                if (W < 0 || pthread_cond_timedwait(&qc->done, &qc->mu, &e->wait_until) == ETIMEDOUT) {
                    if (e->body && !(e->gen == qc->gen || e->data_ms > t_req)) {
                        a->how = CXM_QCACHE_STALE;
                        late = 1;
                        break;
                    }
                }
                waited = 1;
                continue;
            }
        }
        if (own) break; /* failed: fail holds its answer */
        if (e->computing) {
            waited = 1;
            pthread_cond_wait(&qc->done, &qc->mu);
            continue;
        }
        e->computing = 1;
        own = 1;
        (void)compute(qc, e, t_req, &fail, &fail_status);
    }
    int rc = CXM_OK;
    if (fail) {
        take = fail;
        a->status = fail_status;
        a->how = CXM_QCACHE_MISS;
        a->generation = qc->gen;
    } else if (e->body) {
        take = e->body;
        atomic_fetch_add(&take->refs, 1);
        a->late = late;
        qc->st.late += (uint64_t)late;
        a->status = e->status;
        a->generation = e->gen;
        int64_t now = qc->o.clock(qc->o.ud);
        a->data_age_ms = now - e->data_ms;
        int64_t st = staleness(now, stale_since(qc, e->gen));
        a->stale_ms = st == INT64_MAX ? -1 : st;
        a->computed_ms = e->compute_ms;
    }
    a->current = qc->gen;
    a->bound_ms = S;
    if (a->how == CXM_QCACHE_FRESH)
        qc->st.hits++;
    else if (a->how == CXM_QCACHE_STALE)
        qc->st.stale_hits++;
    else
        qc->st.misses++;
    e->pins--;
    evict(qc);
    pthread_mutex_unlock(&qc->mu);
    reap(qc);
    if (!take) return CXM_ENOMEM;
    a->body = malloc(take->len + 1);
    if (a->body) {
        memcpy(a->body, take->data, take->len);
        a->body[take->len] = '\0';
        a->len = take->len;
    } else {
        rc = CXM_ENOMEM;
    }
    blob_release(take);
    return rc;
}

int cxm_qcache_warm(cxm_qcache *qc, const char *key) {
    size_t n = strlen(key);
    uint64_t h = hash_key(key, n);
    pthread_mutex_lock(&qc->mu);
    entry *e = find(qc, key, n, h);
    if (e && e->warm) {
        pthread_mutex_unlock(&qc->mu);
        return CXM_OK;
    }
    if (qc->nwarm == CXM_QCACHE_MAX_WARM) {
        pthread_mutex_unlock(&qc->mu);
        return CXM_ELIMIT;
    }
    if (!e && !(e = create(qc, key, n, h))) {
        pthread_mutex_unlock(&qc->mu);
        return CXM_ENOMEM;
    }
    e->warm = 1;
    qc->warm[qc->nwarm++] = e;
    if (!e->body || e->gen != qc->gen) schedule(qc, e);
    pthread_mutex_unlock(&qc->mu);
    return CXM_OK;
}

int cxm_qcache_wait_idle(cxm_qcache *qc, int64_t timeout_ms) {
    struct timespec ts = deadline_after(timeout_ms);
    int rc = CXM_OK;
    pthread_mutex_lock(&qc->mu);
    while (qc->q_head || qc->busy || qc->making) {
        if (pthread_cond_timedwait(&qc->done, &qc->mu, &ts) == ETIMEDOUT) {
            rc = CXM_EIO;
            break;
        }
    }
    pthread_mutex_unlock(&qc->mu);
    return rc;
}

void cxm_qcache_get_stats(cxm_qcache *qc, cxm_qcache_stats *st) {
    pthread_mutex_lock(&qc->mu);
    *st = qc->st;
    st->entries = qc->nentries;
    st->bytes = qc->bytes;
    pthread_mutex_unlock(&qc->mu);
}

int cxm_qcache_warm_file(cxm_qcache *qc, const char *path, size_t *nkeys, cxm_diag *diag) {
    if (nkeys) *nkeys = 0;
    FILE *f = fopen(path, "r");
    if (!f) return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    char line[CXM_QCACHE_MAX_KEY];
    uint64_t lineno = 0;
    int rc = CXM_OK;
    size_t count = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            rc = cxm_diag_set(diag, CXM_ELIMIT, path, lineno, 0, NULL, "a line longer than %u bytes",
                              CXM_QCACHE_MAX_KEY);
            break;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#') continue;
        cxm_qcache_key k;
        memset(&k, 0, sizeof k);
        char *key = NULL;
        rc = cxm_qcache_key_parse(&k, p);
        if (!rc) rc = cxm_qcache_key_finish(&k, &key);
        if (rc) {
            rc = cxm_diag_set(diag, rc == CXM_ENOMEM ? CXM_ENOMEM : CXM_EUSAGE, path, lineno, 0, NULL, "%s",
                              k.bad[0] ? k.bad : "out of memory");
        } else if ((rc = cxm_qcache_warm(qc, key)) != 0) {
            rc = cxm_diag_set(diag, rc, path, lineno, 0, NULL, "%s",
                              rc == CXM_ELIMIT ? "more warm queries than the limit" : "out of memory");
        } else {
            count++;
        }
        free(key);
        cxm_qcache_key_free(&k);
    }
    fclose(f);
    if (nkeys) *nkeys = count;
    return rc;
}
