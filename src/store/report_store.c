/*
 * report_store.c - `cxm report --store FILE`: the store's streams written
 * back as canonical CSV files in a private temporary directory, which the
 * normal report then reads as --data DIR (see store.h). The pre-aggregated
 * fast path that makes this unnecessary for dashboards is the next step
 * (docs/internals/store.md).
 *
 * Invariants:
 *  - every stream is read inside one read transaction (BEGIN ... COMMIT on
 *    one connection in WAL mode): the files are one consistent state of the
 *    store, whatever an import does meanwhile;
 *  - a stream's file has the columns listed for it in `columns`, in their
 *    first-seen order (at least two: every stream requires two columns, so
 *    no row is an empty line), and its rows in first-seen (rowid) order; values are
 *    the stored text, quoted only when they hold the delimiter, a quote, CR
 *    or LF, so an imported canonical CSV file comes back byte for byte;
 *  - the directory is created with mkdtemp (mode 0700) and named
 *    cxm-snapshot-XXXXXX; cxm_store_snapshot_remove deletes only such a
 *    directory and only the three stream files in it (and its owner file);
 *  - a snapshot holds the streams asked for (cxm_store_snapshot_some; a
 *    report asks for what it reads: src/metrics/needs.h), each file either
 *    exported or hard-linked (link(2)) from an older snapshot whose file the
 *    caller knows to be current. Files are never written after the
 *    snapshot is made, so a linked file is the same bytes in both
 *    directories, and removing one directory unlinks only its own names:
 *    the data lives until its last link goes.
 *
 * Sizes: a snapshot costs the streams' size in temporary disk space (about
 * 170 bytes a ticket) and one pass over the tables.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/limits.h"
#include "metrics/needs.h"
#include "store/store_int.h"

#define SNAP_PREFIX "cxm-snapshot-"
#define SNAP_OWNER "owner" /* the creating process's pid, one line */

/* ---- CSV ------------------------------------------------------------------ */

/* A write buffer over a file descriptor. A snapshot writes about 500 bytes
 * a ticket with its messages; stdio's per-call locking and bookkeeping were
 * a quarter of its time (perf, 1M tickets), this is a memcpy per field. */
typedef struct wbuf {
    int fd;
    char *p; /* cap bytes */
    size_t len, cap;
    int err; /* errno of the first failed write, or 0 */
} wbuf;

static void wb_write(wbuf *w, const char *s, size_t n) {
    while (n && !w->err) {
        ssize_t k = write(w->fd, s, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            w->err = errno;
            return;
        }
        s += k;
        n -= (size_t)k;
    }
}

static void wb_flush(wbuf *w) {
    wb_write(w, w->p, w->len);
    w->len = 0;
}

static void wb_put(wbuf *w, const char *s, size_t n) {
    if (n > w->cap - w->len) {
        wb_flush(w);
        if (n > w->cap) {
            wb_write(w, s, n);
            return;
        }
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void wb_byte(wbuf *w, char c) {
    if (w->len == w->cap) wb_flush(w);
    w->p[w->len++] = c;
}

/* the bytes that make a field quoted */
static const unsigned char needs_quote[256] = {[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1};

static void put_field(wbuf *f, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n && !needs_quote[u[i]])
        i++;
    if (i == n) {
        if (n) wb_put(f, s, n);
        return;
    }
    wb_byte(f, '"');
    size_t run = 0;
    for (i = 0; i < n; i++) {
        run++;
        if (s[i] == '"') { /* write through the quote, then double it */
            wb_put(f, s + i + 1 - run, run);
            wb_byte(f, '"');
            run = 0;
        }
    }
    if (run) wb_put(f, s + n - run, run);
    wb_byte(f, '"');
}

/* The columns listed for stream si, in order: names[i] owned (free each),
 * canon[i] the canonical index or -1 for an extra column. */
typedef struct colset {
    char **names;
    size_t *lens;
    int *canon;
    size_t n;
} colset;

static void colset_free(colset *c) {
    for (size_t i = 0; i < c->n; i++)
        free(c->names[i]);
    free(c->names);
    free(c->lens);
    free(c->canon);
    memset(c, 0, sizeof *c);
}

static int load_columns(cxm_store *s, int si, colset *cs, cxm_diag *diag) {
    memset(cs, 0, sizeof *cs);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT name FROM columns WHERE stream = ?1 ORDER BY pos", -1, &st, NULL);
    if (rc != SQLITE_OK) return cxm_store_fail(s, rc, "reading the column list", diag);
    sqlite3_bind_text(st, 1, cxm_store_stream_defs[si].name, -1, SQLITE_STATIC);
    size_t cap = 0;
    int err = CXM_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !err) {
        if (cs->n == CXM_MAX_COLUMNS) {
            err = cxm_diag_set(diag, CXM_ELIMIT, s->path, 0, 0, NULL, "more than %u columns in stream %s",
                               (unsigned)CXM_MAX_COLUMNS, cxm_store_stream_defs[si].name);
            break;
        }
        if (cs->n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(cs->names, cap * sizeof *nn);
            if (nn) cs->names = nn;
            size_t *nl = realloc(cs->lens, cap * sizeof *nl);
            if (nl) cs->lens = nl;
            int *nc = realloc(cs->canon, cap * sizeof *nc);
            if (nc) cs->canon = nc;
            if (!nn || !nl || !nc) {
                err = CXM_ENOMEM;
                break;
            }
        }
        const char *name = (const char *)sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        char *copy = malloc(len + 1);
        if (!copy) {
            err = CXM_ENOMEM;
            break;
        }
        if (len) memcpy(copy, name, len);
        copy[len] = 0;
        const cxm_stream_def *def = cxm_store_stream_defs[si].def;
        int canon = -1;
        for (size_t c = 0; c < def->ncols; c++)
            if (strlen(def->cols[c].name) == len && !memcmp(def->cols[c].name, copy, len)) canon = (int)c;
        cs->names[cs->n] = copy;
        cs->lens[cs->n] = len;
        cs->canon[cs->n++] = canon;
    }
    sqlite3_finalize(st);
    if (err) return err;
    return rc == SQLITE_DONE ? CXM_OK : cxm_store_fail(s, rc, "reading the column list", diag);
}

/* Writes stream si to path as CSV: every row, or (after > 0) those whose
 * rowid is greater. */
static int write_stream(cxm_store *s, int si, const colset *cs, int64_t after, const char *path, cxm_diag *diag) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot create: %s", strerror(errno));
    wbuf wb = {fd, malloc(1u << 20), 0, 1u << 20, 0};
    wbuf *f = &wb;
    if (!wb.p) {
        close(fd);
        return CXM_ENOMEM;
    }
    /* SELECT <canonical columns in list order>, extra FROM stream ORDER BY rowid */
    cxm_buf q;
    cxm_buf_init(&q, 1u << 16);
    int rc = cxm_buf_printf(&q, "SELECT ");
    int nextra = 0;
    for (size_t i = 0; i < cs->n && !rc; i++) {
        if (cs->canon[i] >= 0)
            rc = cxm_buf_printf(&q, "\"%s\", ", cxm_store_stream_defs[si].def->cols[cs->canon[i]].name);
        else
            nextra++;
    }
    if (!rc) rc = cxm_buf_printf(&q, "extra FROM %s", cxm_store_stream_defs[si].name);
    if (!rc && after > 0) rc = cxm_buf_printf(&q, " WHERE rowid > %lld", (long long)after);
    if (!rc) rc = cxm_buf_printf(&q, " ORDER BY rowid");
    sqlite3_stmt *st = NULL;
    if (!rc) {
        int src = sqlite3_prepare_v2(s->db, q.data, -1, &st, NULL);
        if (src != SQLITE_OK) rc = cxm_store_fail(s, src, "reading a stream", diag);
    }
    cxm_buf_free(&q);
    for (size_t i = 0; i < cs->n && !rc; i++) {
        if (i) wb_byte(f, ',');
        put_field(f, cs->names[i], cs->lens[i]);
    }
    wb_byte(f, '\n');
    int src = SQLITE_DONE;
    int xcol = 0;
    for (size_t i = 0; i < cs->n; i++)
        xcol += cs->canon[i] >= 0;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *extra = NULL;
        if (nextra && sqlite3_column_type(st, xcol) != SQLITE_NULL) {
            json_error_t jerr;
            extra = json_loadb((const char *)sqlite3_column_blob(st, xcol), (size_t)sqlite3_column_bytes(st, xcol),
                               JSON_ALLOW_NUL, &jerr);
            if (!json_is_object(extra)) {
                json_decref(extra);
                rc = cxm_diag_set(diag, CXM_EDATA, s->path, 0, 0, NULL,
                                  "stream %s: a row's 'extra' column is not a JSON object (%s)",
                                  cxm_store_stream_defs[si].name, jerr.text);
                break;
            }
        }
        int k = 0;
        for (size_t i = 0; i < cs->n; i++) {
            if (i) wb_byte(f, ',');
            if (cs->canon[i] >= 0) {
                const char *v = (const char *)sqlite3_column_blob(st, k);
                size_t n = (size_t)sqlite3_column_bytes(st, k);
                k++;
                if (v) put_field(f, v, n);
            } else if (extra) {
                json_t *v = json_object_getn(extra, cs->names[i], cs->lens[i]);
                if (json_is_string(v)) put_field(f, json_string_value(v), json_string_length(v));
            }
        }
        wb_byte(f, '\n');
        json_decref(extra);
    }
    if (!rc && src != SQLITE_DONE) rc = cxm_store_fail(s, src, "reading a stream", diag);
    sqlite3_finalize(st);
    wb_flush(f);
    if (wb.err && !rc) rc = cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(wb.err));
    if (close(fd) != 0 && !rc) rc = cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot write: %s", strerror(errno));
    free(wb.p);
    return rc;
}

/* ---- snapshots ------------------------------------------------------------ */

static int stream_file(char *buf, size_t cap, const char *dir, int si) {
    int n = snprintf(buf, cap, "%s/%s.csv", dir, cxm_store_stream_defs[si].name);
    return n > 0 && (size_t)n < cap ? CXM_OK : CXM_ELIMIT;
}

void cxm_store_snapshot_remove(const char *dir) {
    if (!dir) return;
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    if (strncmp(base, SNAP_PREFIX, strlen(SNAP_PREFIX)) != 0) return; /* not ours */
    char path[4096];
    for (int si = 0; si < CXM_STORE_NSTREAMS; si++)
        if (stream_file(path, sizeof path, dir, si) == CXM_OK) unlink(path);
    int n = snprintf(path, sizeof path, "%s/" SNAP_OWNER, dir);
    if (n > 0 && (size_t)n < sizeof path) unlink(path);
    rmdir(dir);
}

/* The pid in dir's owner file, or 0 (none, unreadable, not a number). */
static long snapshot_owner(const char *dir) {
    char path[4096], buf[32];
    int n = snprintf(path, sizeof path, "%s/" SNAP_OWNER, dir);
    if (n < 0 || (size_t)n >= sizeof path) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (got <= 0) return 0;
    buf[got] = 0;
    char *end;
    errno = 0;
    long pid = strtol(buf, &end, 10);
    return errno || end == buf || (*end && *end != '\n') || pid <= 0 ? 0 : pid;
}

size_t cxm_store_snapshot_sweep(void) {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    DIR *d = opendir(tmp);
    if (!d) return 0;
    size_t removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, SNAP_PREFIX, strlen(SNAP_PREFIX)) != 0) continue;
        char dir[4096];
        struct stat st;
        int n = snprintf(dir, sizeof dir, "%s/%s", tmp, e->d_name);
        if (n < 0 || (size_t)n >= sizeof dir || lstat(dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
            continue;
        long pid = snapshot_owner(dir);
        /* only a snapshot whose owner is known and gone: a live process
         * (or a reused pid) keeps it, an older snapshot without owner too */
        if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            cxm_store_snapshot_remove(dir);
            removed++;
        }
    }
    closedir(d);
    return removed;
}

/* Makes the directory and its owner file. */
static int make_dir(char *dir_out, size_t cap, cxm_diag *diag) {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    int n = snprintf(dir_out, cap, "%s/" SNAP_PREFIX "XXXXXX", tmp);
    if (n < 0 || (size_t)n + 32 > cap || (size_t)n + 32 > 4096)
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL, "TMPDIR is too long a path");
    if (!mkdtemp(dir_out))
        return cxm_diag_set(diag, CXM_EIO, dir_out, 0, 0, NULL, "cannot create a temporary directory: %s",
                            strerror(errno));
    /* the owner's pid: a snapshot left by a killed process is swept later */
    char path[4096], pid[32];
    int k = snprintf(path, sizeof path, "%s/" SNAP_OWNER, dir_out);
    int fd = k > 0 && (size_t)k < sizeof path ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) {
        int m = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        ssize_t w = write(fd, pid, (size_t)m);
        close(fd);
        (void)w;
    }
    return CXM_OK;
}

/* 1 if stream si's file could be hard-linked from dir `from` into `to`. */
static int link_stream(const char *from, const char *to, int si) {
    char src[4096], dst[4096];
    if (stream_file(src, sizeof src, from, si) || stream_file(dst, sizeof dst, to, si)) return 0;
    return link(src, dst) == 0;
}

/* The greatest rowid of stream si (0 when empty). */
static int max_rowid(cxm_store *s, int si, int64_t *out, cxm_diag *diag) {
    char q[128];
    snprintf(q, sizeof q, "SELECT max(rowid) FROM %s", cxm_store_stream_defs[si].name);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, q, -1, &st, NULL);
    if (rc != SQLITE_OK) return cxm_store_fail(s, rc, "reading a stream's last row", diag);
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? CXM_OK : cxm_store_fail(s, rc, "reading a stream's last row", diag);
}

/* cxm_store_snapshot_some and cxm_store_snapshot_since: after (may be
 * NULL) the rowids to start after, last (may be NULL) gets each stream's
 * greatest rowid. */
static int snapshot(cxm_store *s, const cxm_snapshot_opts *o, const int64_t *after, char *dir_out, size_t cap,
                    unsigned *have, unsigned *linked, int64_t *last, cxm_diag *diag) {
    if (have) *have = 0;
    if (linked) *linked = 0;
    int rc = make_dir(dir_out, cap, diag);
    if (rc) return rc;
    /* one read transaction: every stream from the same committed state */
    rc = cxm_store_exec(s, "BEGIN", "starting the snapshot", diag);
    for (int si = 0; si < CXM_STORE_NSTREAMS && !rc; si++) {
        if (last) last[si] = 0;
        if (!(o->streams & (1u << si))) continue;
        colset cs;
        rc = load_columns(s, si, &cs, diag);
        if (!rc && cs.n && last) rc = max_rowid(s, si, &last[si], diag);
        if (!rc && cs.n) {
            if (o->reuse[si] && link_stream(o->reuse[si], dir_out, si)) {
                if (linked) *linked |= 1u << si;
            } else {
                char path[4096];
                rc = stream_file(path, sizeof path, dir_out, si);
                if (!rc) rc = write_stream(s, si, &cs, after ? after[si] : 0, path, diag);
            }
            if (!rc && have) *have |= 1u << si;
        }
        colset_free(&cs);
    }
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL); /* ends the read; nothing to write */
    if (rc) {
        cxm_store_snapshot_remove(dir_out);
        dir_out[0] = 0;
    }
    return rc;
}

int cxm_store_snapshot_some(cxm_store *s, const cxm_snapshot_opts *o, char *dir_out, size_t cap, unsigned *have,
                            unsigned *linked, cxm_diag *diag) {
    return snapshot(s, o, NULL, dir_out, cap, have, linked, NULL, diag);
}

int cxm_store_snapshot_since(cxm_store *s, unsigned streams, const int64_t after[3], char *dir_out, size_t cap,
                             unsigned *have, int64_t last[3], cxm_diag *diag) {
    cxm_snapshot_opts o = {streams, {NULL, NULL, NULL}};
    return snapshot(s, &o, after, dir_out, cap, have, NULL, last, diag);
}

int cxm_store_snapshot_to(cxm_store *s, char *dir_out, size_t cap, cxm_diag *diag) {
    cxm_snapshot_opts o = {CXM_SNAP_ALL, {NULL, NULL, NULL}};
    return cxm_store_snapshot_some(s, &o, dir_out, cap, NULL, NULL, diag);
}

int cxm_store_snapshot(const char *store, char *dir_out, size_t cap, cxm_diag *diag) {
    cxm_store *s = NULL;
    int rc = cxm_store_open(store, 0, &s, diag);
    if (!rc) rc = cxm_store_snapshot_to(s, dir_out, cap, diag);
    cxm_store_close(s);
    return rc;
}

int cxm_store_snapshot_needs(cxm_store *s, const cxm_report_opts *o, unsigned *streams, cxm_diag *diag) {
    *streams = 0;
    int rc = cxm_store_exec(s, "BEGIN", "reading the column lists", diag);
    unsigned held = 0;
    colset resp;
    memset(&resp, 0, sizeof resp);
    for (int si = 0; si < CXM_STORE_NSTREAMS && !rc; si++) {
        colset cs;
        rc = load_columns(s, si, &cs, diag);
        if (!rc && cs.n) held |= 1u << si;
        if (!rc && si == 2)
            resp = cs;
        else
            colset_free(&cs);
    }
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (!rc) /* with --map the report renames columns: every --by or --where column may then need the tickets */
        *streams = cxm_needs_streams(o, held, (const char *const *)resp.names, o->nmap ? 0 : resp.n);
    colset_free(&resp);
    return rc;
}

int cxm_store_data_version(cxm_store *s, uint64_t *version, cxm_diag *diag) {
    *version = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *version = (uint64_t)sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? CXM_OK : cxm_store_fail(s, rc, "reading the data version", diag);
}

static int file_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int cxm_store_snapshot_paths(const cxm_report_opts *o, char **tickets, char **messages, char **responses,
                             cxm_diag *diag) {
    *tickets = *messages = *responses = NULL;
    if (o->tickets || o->messages || o->responses || o->data_dir)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "--store reads every stream from the store: leave out --tickets, --messages, --responses "
                            "and --data");
    /* only the streams this report reads (needs.h), decided and written in
     * one read transaction each; a stream can only appear in between, and
     * the report then reads it from the next snapshot */
    char dir[4096];
    cxm_store *s = NULL;
    cxm_snapshot_opts so = {0, {NULL, NULL, NULL}};
    int rc = cxm_store_open(o->store, 0, &s, diag);
    if (!rc) rc = cxm_store_snapshot_needs(s, o, &so.streams, diag);
    if (!rc) rc = cxm_store_snapshot_some(s, &so, dir, sizeof dir, NULL, NULL, diag);
    cxm_store_close(s);
    if (rc) return rc;
    char **out[CXM_STORE_NSTREAMS] = {tickets, messages, responses};
    for (int si = 0; si < CXM_STORE_NSTREAMS && !rc; si++) {
        char path[4096];
        if (stream_file(path, sizeof path, dir, si) || !file_exists(path)) continue;
        size_t n = strlen(path) + 1;
        if (!(*out[si] = malloc(n)))
            rc = CXM_ENOMEM;
        else
            memcpy(*out[si], path, n);
    }
    if (!rc && !*tickets && !*responses)
        rc = cxm_diag_set(diag, CXM_EUSAGE, o->store, 0, 0, NULL,
                          "the store holds no tickets or responses yet (cxm import tickets FILE --store %s)", o->store);
    if (rc) {
        for (int si = 0; si < CXM_STORE_NSTREAMS; si++) {
            free(*out[si]);
            *out[si] = NULL;
        }
        cxm_store_snapshot_remove(dir);
    }
    return rc;
}

void cxm_store_snapshot_release(const cxm_report_opts *o, const char *tickets, const char *messages,
                                const char *responses) {
    if (!o || !o->store) return;
    const char *p = tickets ? tickets : messages ? messages : responses;
    if (!p) return;
    char dir[4096];
    const char *slash = strrchr(p, '/');
    if (!slash || (size_t)(slash - p) >= sizeof dir) return;
    memcpy(dir, p, (size_t)(slash - p));
    dir[slash - p] = 0;
    cxm_store_snapshot_remove(dir);
}
