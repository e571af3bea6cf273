/*
 * server.c - the HTTP service of `cxm serve` (server.h; the user's view:
 * docs/SERVER.md). libmicrohttpd with one thread per connection; each
 * request opens its own store handle (SQLite connection) and closes it when
 * it completes, so no handle is shared between threads.
 *
 * Request life (access handler, called several times per request):
 *   1st call: route, check the token and its scope, check Content-Type and
 *             Content-Length of a POST; answer at once on any refusal
 *             (libmicrohttpd then closes the connection without reading the
 *             body, and a client sending "Expect: 100-continue" never sends it).
 *   middle:   append the body to the request's buffer (never past max_body:
 *             the rest is dropped and the answer is 413).
 *   last:     import the body (store.h, cxm_store_import with data/len: no
 *             temporary file) or run the report, answer, log one JSON line.
 * Invariants: every answer is JSON with Content-Type application/json; every
 * request logs exactly one line on stderr; a record is counted "accepted"
 * only when its batch has committed (durable).
 * Sizes: a body up to max_body bytes (64 MiB by default) in memory per
 * request; a report answer is the size of `cxm report --format json`.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../core/json.h"
#include "log.h"
#include "../metrics/sla.h"
#include "../store/store.h"
#include "../time/calendar.h"
#include "alerts.h"
#include "dims_cache.h"
#include "qcache.h"
#include "web.h"

/* R_WEB .. R_DIMENSIONS: the dashboard (web.h, docs/DASHBOARD.md) */
enum route { R_NONE, R_HEALTH, R_CATALOG, R_METRICS, R_INGEST, R_WEB, R_TICKETS, R_COMMENTS, R_DIMENSIONS };

/* A token bucket of one token's requests. */
typedef struct rate_slot {
    int64_t token_id; /* 0: free (token ids start at 1) */
    double level;     /* requests that may come now, <= burst */
    double last;      /* seconds (monotonic) of the last refill */
} rate_slot;

/* A recently verified token: SHA-256 of the token (never the token), its
 * id and scopes, valid until `until` (monotonic seconds). Checking a token
 * in the store costs a connection and a query (~a quarter of a cached
 * /v1/metrics answer's CPU); a token seen within TOKEN_TTL_S is taken from
 * here instead, so a revocation takes effect within that time. Only
 * verified tokens are kept: a wrong token always goes to the store. */
#define TOKEN_SLOTS 64 /* direct-mapped by the hash's first byte */
#define TOKEN_TTL_S 1.0
typedef struct token_slot {
    unsigned char hash[32];
    int64_t id;
    unsigned scopes;
    double until; /* 0: empty */
} token_slot;

/* GET /v1/dimensions' kept answer (dims_cache.h; docs/SERVER.md): current
 * while the data generation is unchanged and for at most DIMS_MAX_AGE_MS
 * (writes by other processes); recomputed on the request when it took less
 * than DIMS_SYNC_MS, else in the background while the old one is served. */
#define DIMS_MAX_AGE_MS 60000
#define DIMS_SYNC_MS    1000

typedef struct server {
    const char *store;
    size_t max_body;
    size_t max_rows;
    double rate, burst; /* rate 0: no limit */
    pthread_mutex_t mu; /* guards active and slots */
    unsigned active;    /* requests between their first call and their completion */
    rate_slot slots[CXM_SERVER_RATE_SLOTS];
    cxm_alerts *alerts; /* the alert watcher (--alerts), or NULL */
    cxm_qcache *qc;     /* GET /v1/metrics answers (qcache.h): shared snapshot, result cache */
    cxm_dims_cache *dims; /* GET /v1/dimensions' kept answer (dims_cache.h) */
    const char *sla, *calendar; /* --sla, --calendar: every report's and drill-down's, or NULL */
    token_slot tokens[TOKEN_SLOTS]; /* guarded by mu */
} server;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Takes one request from token id's bucket: 1 when allowed, 0 when over
 * the rate (*wait_s gets the seconds until the next one is allowed). */
static int rate_take(server *sv, int64_t id, double *wait_s) {
    if (sv->rate <= 0) return 1;
    double now = now_seconds();
    pthread_mutex_lock(&sv->mu);
    rate_slot *slot = NULL, *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < CXM_SERVER_RATE_SLOTS && !slot; i++) {
        rate_slot *e = &sv->slots[i];
        if (e->token_id == id)
            slot = e;
        else if (e->token_id == 0) {
            if (!free_slot) free_slot = e;
        } else if (!oldest || e->last < oldest->last) {
            oldest = e;
        }
    }
    if (!slot) { /* a new token (or an evicted one): a full bucket */
        slot = free_slot ? free_slot : oldest;
        slot->token_id = id;
        slot->level = sv->burst;
        slot->last = now;
    }
    slot->level += (now - slot->last) * sv->rate;
    if (slot->level > sv->burst) slot->level = sv->burst;
    slot->last = now;
    int ok = slot->level >= 1.0;
    if (ok)
        slot->level -= 1.0;
    else
        *wait_s = (1.0 - slot->level) / sv->rate;
    pthread_mutex_unlock(&sv->mu);
    return ok;
}

/* Lines of a body: newlines, plus one for a last line without one. */
static size_t count_lines(const char *p, size_t len) {
    size_t n = 0;
    const char *end = p + len;
    for (const char *q = p; q < end && (q = memchr(q, '\n', (size_t)(end - q))); q++)
        n++;
    if (len && p[len - 1] != '\n') n++;
    return n;
}

/* One request; owned by libmicrohttpd's con_cls, freed in on_completed. */
typedef struct req {
    struct timespec t0;
    enum route route;
    const char *stream; /* R_INGEST: a cxm_store_streams entry */
    const char *format; /* R_INGEST: "ndjson" or "csv" */
    cxm_store *st;      /* open from the token check to completion, or NULL */
    int64_t token_id;   /* -1: none */
    char *body;         /* owned; len bytes used of cap */
    size_t len, cap;
    int too_large;        /* body went past max_body: answer 413 */
    int answered;         /* a response was queued */
    unsigned retry_after; /* 429: seconds for the Retry-After header */
    unsigned status;
    size_t bytes_out;
    char method[8]; /* for the log line, truncated */
    char path[128]; /* the URL's path, JSON-escaped and truncated, for the log line */
    char note[160]; /* extra JSON members for the log line (",\"accepted\":N...") */
} req;

/* ---- small helpers ---------------------------------------------------------- */

static void set_diag(cxm_diag *d, const char *fmt, ...) CXM_PRINTF(2, 3);
static void set_diag(cxm_diag *d, const char *fmt, ...) {
    if (!d) return;
    memset(d, 0, sizeof *d);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
}

/* Copies s into out (cap > 6) escaped for a JSON string (no quotes),
 * truncated at a whole character escape. */
static void json_escape_to(const char *s, char *out, size_t cap) {
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char e[8];
        int n;
        if (*p == '"' || *p == '\\')
            n = snprintf(e, sizeof e, "\\%c", *p);
        else if (*p < 0x20)
            n = snprintf(e, sizeof e, "\\u%04x", *p);
        else
            n = snprintf(e, sizeof e, "%c", *p);
        if (n < 0 || j + (size_t)n >= cap) break;
        memcpy(out + j, e, (size_t)n);
        j += (size_t)n;
    }
    out[j] = '\0';
}

static double ms_since(const struct timespec *t0) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}


/* libmicrohttpd's own messages (bind failures, broken connections), as JSON log lines. */
static void mhd_log(void *cls, const char *fmt, va_list ap) CXM_PRINTF(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char msg[512], esc[700];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    json_escape_to(msg, esc, sizeof esc);
    cxm_server_log("\"event\":\"httpd\",\"message\":\"%s\"", esc);
}

/* Queues body (malloc'ed, len bytes; ownership passes to libmicrohttpd, freed
 * here on failure) with status. */
static enum MHD_Result answer(struct MHD_Connection *c, req *r, unsigned status, char *body, size_t len) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (status == MHD_HTTP_UNAUTHORIZED) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    if (status == MHD_HTTP_TOO_MANY_REQUESTS) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", r->retry_after ? r->retry_after : 1u);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    r->answered = 1;
    r->status = status;
    r->bytes_out = len;
    return ret;
}

/* {"error":"<msg>"} with status. */
static enum MHD_Result answer_error(struct MHD_Connection *c, req *r, unsigned status, const char *fmt, ...)
    CXM_PRINTF(4, 5);
static enum MHD_Result answer_error(struct MHD_Connection *c, req *r, unsigned status, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return MHD_NO;
    fputs("{\"error\":", f);
    cxm_json_fputs(f, msg);
    fputs("}\n", f);
    if (fclose(f)) {
        free(buf);
        return MHD_NO;
    }
    return answer(c, r, status, buf, len);
}

static enum MHD_Result answer_text(struct MHD_Connection *c, req *r, unsigned status, const char *text) {
    size_t len = strlen(text);
    char *buf = malloc(len + 1);
    if (!buf) return MHD_NO;
    memcpy(buf, text, len + 1);
    return answer(c, r, status, buf, len);
}

/* ---- GET /v1/catalog: the JSON of `cxm metrics --format json` (cxm_catalog_render) ---- */

static enum MHD_Result do_catalog(struct MHD_Connection *c, req *r) {
    const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    if (lang && !cxm_lang_supported(lang))
        return answer_error(c, r, MHD_HTTP_BAD_REQUEST, "lang '%s': expected en, zh-Hans, zh-Hant, ja or ms", lang);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    (void)!cxm_catalog_render(f, CXM_FORMAT_JSON, lang, NULL); /* a write error shows in fclose */
    if (fclose(f)) {
        free(buf);
        return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    }
    return answer(c, r, MHD_HTTP_OK, buf, len);
}

/* ---- GET /v1/metrics ------------------------------------------------------------ */

static unsigned status_for(int rc) {
    switch (rc) {
    case CXM_EUSAGE:
    case CXM_ENOTFOUND:
    case CXM_EPARSE:
    case CXM_EDATA:
    case CXM_ELIMIT: return MHD_HTTP_BAD_REQUEST;
    default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

static enum MHD_Result on_arg(void *ud, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    return cxm_qcache_key_add(ud, key, value) ? MHD_NO : MHD_YES; /* the first problem stops */
}

/* 1 if a Cache-Control request header value holds the max-stale
 * directive without a value (any staleness accepted); directive names are
 * case-blind, separated by commas. max-stale=N is not honoured (the bound
 * stays --max-staleness). */
static int max_stale(const char *v) {
    while (*v) {
        while (*v == ' ' || *v == '\t' || *v == ',') v++;
        const char *t = v;
        while (*v && *v != ',' && *v != ' ' && *v != '\t' && *v != '=') v++;
        if (v - t == 9 && !strncasecmp(t, "max-stale", 9) && *v != '=') return 1;
        while (*v && *v != ',') v++;
    }
    return 0;
}

/* The report's JSON for the normalised query, through the query cache
 * (qcache.h: docs/SERVER.md "Freshness and caching"), with headers saying
 * how fresh it is. */
static enum MHD_Result do_metrics(struct MHD_Connection *c, req *r, const server *sv) {
    cxm_qcache_key k;
    memset(&k, 0, sizeof k);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_arg, &k);
    char *key = NULL;
    int rc = cxm_qcache_key_finish(&k, &key);
    if (rc) {
        enum MHD_Result ret =
            k.bad[0] ? answer_error(c, r, MHD_HTTP_BAD_REQUEST, "%s", k.bad)
                     : answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        cxm_qcache_key_free(&k);
        return ret;
    }
    cxm_qcache_key_free(&k);
    cxm_qcache_answer a;
    /* Cache-Control: max-stale (RFC 9111 5.2.1.2): the client takes a stale
     * answer rather than wait for the refresh (the dashboard sends it) */
    const char *cc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CACHE_CONTROL);
    rc = cc && max_stale(cc) ? cxm_qcache_get_wait(sv->qc, key, CXM_QCACHE_NO_WAIT, &a)
                             : cxm_qcache_get(sv->qc, key, &a);
    free(key);
    if (rc) return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    struct MHD_Response *resp = MHD_create_response_from_buffer(a.len, a.body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(a.body);
        return MHD_NO;
    }
    static const char *const hows[] = {"miss", "fresh", "stale"};
    char v[32];
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, "X-Cxm-Cache", hows[a.how]);
    snprintf(v, sizeof v, "%llu", (unsigned long long)a.generation);
    MHD_add_response_header(resp, "X-Cxm-Generation", v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)a.current);
    MHD_add_response_header(resp, "X-Cxm-Current-Generation", v);
    snprintf(v, sizeof v, "%lld", (long long)a.data_age_ms);
    MHD_add_response_header(resp, "X-Cxm-Data-Age-Ms", v);
    snprintf(v, sizeof v, "%lld", (long long)(a.data_age_ms / 1000));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_AGE, v);
    snprintf(v, sizeof v, "%lld", (long long)a.stale_ms);
    MHD_add_response_header(resp, "X-Cxm-Stale-Ms", v);
    snprintf(v, sizeof v, "%lld", (long long)a.computed_ms);
    MHD_add_response_header(resp, "X-Cxm-Compute-Ms", v);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    if (a.late) { /* past --max-staleness: the refresh did not come within --max-wait */
        char w[200], behind[40] = "long";
        if (a.stale_ms >= 0) snprintf(behind, sizeof behind, "%lld ms", (long long)a.stale_ms);
        snprintf(w, sizeof w, "110 cxm \"Response is Stale: %s behind the data, past the bound of %lld ms\"", behind,
                 (long long)a.bound_ms);
        MHD_add_response_header(resp, "Warning", w);
    }
    enum MHD_Result ret = MHD_queue_response(c, a.status, resp);
    MHD_destroy_response(resp);
    r->answered = 1;
    r->status = a.status;
    r->bytes_out = a.len;
    snprintf(r->note, sizeof r->note, ",\"cache\":\"%s\",\"generation\":%llu,\"data_age_ms\":%lld%s", hows[a.how],
             (unsigned long long)a.generation, (long long)a.data_age_ms, a.late ? ",\"late\":true" : "");
    return ret;
}

/* ---- POST /v1/{stream} ------------------------------------------------------------ */

typedef struct bad_rows {
    FILE *f;        /* the "errors" array being written */
    unsigned shown; /* entries written, <= CXM_SERVER_MAX_ERRORS */
} bad_rows;

static void on_bad_row(void *ud, const cxm_diag *d) {
    bad_rows *b = ud;
    if (b->shown == CXM_SERVER_MAX_ERRORS) return;
    fprintf(b->f, "%s{\"line\":%llu,\"column\":%u,", b->shown ? "," : "", (unsigned long long)d->line,
            (unsigned)d->column);
    if (d->column_name[0]) {
        fputs("\"field\":", b->f);
        cxm_json_fputs(b->f, d->column_name);
        fputc(',', b->f);
    }
    fputs("\"message\":", b->f);
    cxm_json_fputs(b->f, d->msg);
    fputc('}', b->f);
    b->shown++;
}

static enum MHD_Result do_ingest(struct MHD_Connection *c, req *r, const server *sv) {
    if (r->too_large) return answer_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "body larger than the limit");
    if (r->len == 0) return answer_error(c, r, MHD_HTTP_BAD_REQUEST, "empty body: expected %s records", r->format);
    size_t lines = count_lines(r->body, r->len);
    if (lines > sv->max_rows)
        return answer_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "%zu lines: more than the limit of %zu a request", lines,
                            sv->max_rows);
    char *ebuf = NULL;
    size_t elen = 0;
    bad_rows b = {open_memstream(&ebuf, &elen), 0};
    if (!b.f) return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    o.stream = r->stream;
    o.path = "body";
    o.data = r->body;
    o.len = r->len;
    o.format = r->format;
    o.bad_row = on_bad_row;
    o.ud = &b;
    cxm_store_counts n;
    memset(&n, 0, sizeof n);
    cxm_diag d;
    memset(&d, 0, sizeof d);
    /* the cache learns which stream this import wrote (and whether another
     * writer committed meanwhile): an unwritten stream's snapshot file is
     * then reused (qcache.h) */
    cxm_qcache_ingest in;
    cxm_qcache_ingest_begin(sv->qc, &in, r->st);
    int rc = cxm_store_import(r->st, &o, &n, &d);
    in.appended = !rc && !n.updated; /* only inserts: live reports add the new rows (qcache.h) */
    /* a new data generation, before the answer */
    cxm_qcache_ingest_end(sv->qc, &in, r->st, r->stream, n.inserted + n.updated > 0 || rc);
    if (fclose(b.f)) {
        free(ebuf);
        return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    }
    uint64_t accepted = n.inserted + n.updated + n.unchanged;
    if (n.inserted + n.updated) cxm_alerts_notify(sv->alerts); /* committed data: alerts re-check (not here) */
    snprintf(r->note, sizeof r->note, ",\"stream\":\"%s\",\"accepted\":%llu,\"rejected\":%llu", r->stream,
             (unsigned long long)accepted, (unsigned long long)n.rejected);
    if (rc) {
        /* the body as a whole could not be read (or the store failed): what
         * committed before stays, and is reported */
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) {
            free(ebuf);
            return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        }
        fputs("{\"error\":", f);
        cxm_json_fputs(f, d.msg[0] ? d.msg : cxm_strerror(rc));
        fprintf(f, ",\"line\":%llu,\"column\":%u,\"accepted\":%llu,\"rejected\":%llu,\"errors\":[%s]}\n",
                (unsigned long long)d.line, (unsigned)d.column, (unsigned long long)accepted,
                (unsigned long long)n.rejected, ebuf ? ebuf : "");
        free(ebuf);
        if (fclose(f)) {
            free(buf);
            return MHD_NO;
        }
        return answer(c, r, status_for(rc), buf, len);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        free(ebuf);
        return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    }
    fprintf(
        f,
        "{\"accepted\":%llu,\"inserted\":%llu,\"updated\":%llu,\"unchanged\":%llu,\"rejected\":%llu,\"errors\":[%s]}\n",
        (unsigned long long)accepted, (unsigned long long)n.inserted, (unsigned long long)n.updated,
        (unsigned long long)n.unchanged, (unsigned long long)n.rejected, ebuf ? ebuf : "");
    free(ebuf);
    if (fclose(f)) {
        free(buf);
        return MHD_NO;
    }
    /* nothing usable in the body: a client error, with the lines */
    unsigned status = accepted == 0 && n.rejected > 0 ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK;
    return answer(c, r, status, buf, len);
}

/* ---- the dashboard: GET /, /assets/..., /v1/tickets, /v1/comments, /v1/dimensions ---- */

/* An embedded file (web.h), no token: ETag and Cache-Control, 304 when
 * If-None-Match holds the tag. The bytes are static (MHD_RESPMEM_PERSISTENT). */
static enum MHD_Result do_web(struct MHD_Connection *c, req *r, const char *url) {
    const cxm_web_file *f = cxm_web_asset_for_path(url);
    if (!f) return answer_error(c, r, MHD_HTTP_NOT_FOUND, "no such file");
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    int same = cxm_web_etag_matches(inm, f->etag);
    size_t blen = same ? 0 : f->len;
    void *bytes = same ? NULL : (void *)(uintptr_t)f->data; /* static bytes, never written */
    struct MHD_Response *resp = MHD_create_response_from_buffer(blen, bytes, MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    if (!same) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, cxm_web_content_type(f->name));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, f->etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cxm_web_cache_control(f->name));
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (!strcmp(f->name, "index.html"))
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'");
    unsigned status = same ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    r->answered = 1;
    r->status = status;
    r->bytes_out = same ? 0 : f->len;
    return ret;
}

static enum MHD_Result on_tickets_arg(void *ud, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    return cxm_web_tickets_arg(ud, key, value) ? MHD_NO : MHD_YES;
}

static enum MHD_Result on_comments_arg(void *ud, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    return cxm_web_comments_arg(ud, key, value) ? MHD_NO : MHD_YES;
}

/* GET /v1/dimensions through the kept answer (dims_cache.h), with its age. */
static enum MHD_Result do_dimensions(struct MHD_Connection *c, req *r, const server *sv) {
    cxm_diag d;
    memset(&d, 0, sizeof d);
    char *buf = NULL;
    size_t len = 0;
    int64_t age = 0;
    int rc = cxm_dims_cache_get(sv->dims, &buf, &len, &age, &d);
    if (rc) {
        char msg[1200];
        cxm_diag_explain(&d, rc, msg, sizeof msg);
        return answer_error(c, r, status_for(rc), "%s", msg);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(buf);
        return MHD_NO;
    }
    char v[32];
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    snprintf(v, sizeof v, "%lld", (long long)age);
    MHD_add_response_header(resp, "X-Cxm-Data-Age-Ms", v);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    r->answered = 1;
    r->status = MHD_HTTP_OK;
    r->bytes_out = len;
    snprintf(r->note, sizeof r->note, ",\"data_age_ms\":%lld", (long long)age);
    return ret;
}

/* The dims cache's data version: the query cache's generation. */
static uint64_t dims_version(void *ud) { return cxm_qcache_generation(((const server *)ud)->qc); }

/* The dims cache's computation: the choices as web.c writes them. */
static int compute_dimensions(void *ud, char **out, size_t *len, cxm_diag *diag) {
    const server *sv = ud;
    *out = NULL;
    *len = 0;
    FILE *f = open_memstream(out, len);
    if (!f) {
        set_diag(diag, "out of memory");
        return CXM_ENOMEM;
    }
    int rc = cxm_web_dimensions_run(sv->store, 0, f, diag);
    if (fclose(f) && !rc) {
        set_diag(diag, "out of memory");
        rc = CXM_ENOMEM;
    }
    return rc;
}

/* GET /v1/tickets (drill-down rows), /v1/comments (verbatims): the work is
 * in web.c; here the query and the answer. */
static enum MHD_Result do_dashboard_data(struct MHD_Connection *c, req *r, const server *sv) {
    cxm_diag d;
    memset(&d, 0, sizeof d);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    int rc = CXM_OK;
    const char *bad = NULL;
    cxm_web_tickets_query tq;
    cxm_web_comments_query cq;
    if (r->route == R_TICKETS) {
        cxm_web_tickets_query_init(&tq, sv->store);
        tq.o.sla = sv->sla;
        tq.o.calendar = sv->calendar;
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_tickets_arg, &tq);
        if (tq.bad[0])
            bad = tq.bad;
        else
            rc = cxm_web_tickets_run(&tq, f, &d);
    } else if (r->route == R_COMMENTS) {
        cxm_web_comments_query_init(&cq);
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_comments_arg, &cq);
        if (cq.bad[0])
            bad = cq.bad;
        else
            rc = cxm_web_comments_run(sv->store, &cq, f, &d);
    }
    if (fclose(f) || bad || rc) {
        free(buf);
        if (bad) return answer_error(c, r, MHD_HTTP_BAD_REQUEST, "%s", bad);
        if (!rc) return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        char msg[1200];
        cxm_diag_explain(&d, rc, msg, sizeof msg);
        return answer_error(c, r, status_for(rc), "%s", msg);
    }
    return answer(c, r, MHD_HTTP_OK, buf, len);
}

/* ---- routing, authentication ------------------------------------------------- */

static enum route route_of(const char *url, const char **stream) {
    if (!strcmp(url, "/healthz")) return R_HEALTH;
    if (!strcmp(url, "/") || !strcmp(url, "/index.html") || !strncmp(url, "/assets/", 8)) return R_WEB;
    if (!strcmp(url, "/v1/comments")) return R_COMMENTS;
    if (!strcmp(url, "/v1/dimensions")) return R_DIMENSIONS;
    if (!strcmp(url, "/v1/catalog")) return R_CATALOG;
    if (!strcmp(url, "/v1/metrics")) return R_METRICS;
    if (!strncmp(url, "/v1/", 4)) {
        for (size_t i = 0; cxm_store_streams[i]; i++) {
            if (!strcmp(url + 4, cxm_store_streams[i])) {
                *stream = cxm_store_streams[i];
                return R_INGEST;
            }
        }
    }
    return R_NONE;
}

/* Checks the bearer token; on refusal queues the answer and returns 0. */
/* 1 and *info when hash's token was verified within TOKEN_TTL_S. */
static int token_cached(server *sv, const unsigned char hash[32], cxm_token_info *info) {
    double now = now_seconds();
    int hit = 0;
    pthread_mutex_lock(&sv->mu);
    token_slot *t = &sv->tokens[hash[0] % TOKEN_SLOTS];
    if (t->until > now && !CRYPTO_memcmp(t->hash, hash, 32)) {
        memset(info, 0, sizeof *info);
        info->id = t->id;
        info->scopes = t->scopes;
        hit = 1;
    }
    pthread_mutex_unlock(&sv->mu);
    return hit;
}

static void token_remember(server *sv, const unsigned char hash[32], const cxm_token_info *info) {
    double now = now_seconds();
    pthread_mutex_lock(&sv->mu);
    token_slot *t = &sv->tokens[hash[0] % TOKEN_SLOTS];
    memcpy(t->hash, hash, 32);
    t->id = info->id;
    t->scopes = info->scopes;
    t->until = now + TOKEN_TTL_S;
    pthread_mutex_unlock(&sv->mu);
}

/* Checks the request's bearer token for scope (and the rate). need_store:
 * leave the store open in r->st (ingest uses it); else it is opened only
 * when the token is not in the recent-token cache. */
static int authorize(struct MHD_Connection *c, req *r, server *sv, unsigned scope, int need_store,
                     enum MHD_Result *ret) {
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h) {
        *ret = answer_error(c, r, MHD_HTTP_UNAUTHORIZED, "missing token: send 'Authorization: Bearer TOKEN'");
        return 0;
    }
    if (strncasecmp(h, "Bearer ", 7)) {
        *ret = answer_error(c, r, MHD_HTTP_UNAUTHORIZED, "expected 'Authorization: Bearer TOKEN'");
        return 0;
    }
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    cxm_token_info info;
    unsigned char hash[32];
    unsigned hlen = 0;
    int hashed = EVP_Digest(tok, strlen(tok), hash, &hlen, EVP_sha256(), NULL) == 1 && hlen == 32;
    int cached = hashed && token_cached(sv, hash, &info);
    if (!cached || need_store) {
        int rc = cxm_store_open(sv->store, 0, &r->st, &d);
        if (rc) {
            cxm_server_log("\"event\":\"error\",\"what\":\"cannot open the store\",\"code\":%d", rc);
            *ret = answer_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "the store cannot be opened");
            return 0;
        }
    }
    if (!cached) {
        if (cxm_store_token_verify(r->st, tok, strlen(tok), &info)) {
            *ret = answer_error(c, r, MHD_HTTP_UNAUTHORIZED, "invalid or revoked token");
            return 0;
        }
        if (hashed) token_remember(sv, hash, &info);
    }
    r->token_id = info.id;
    if (!(info.scopes & scope)) {
        *ret = answer_error(c, r, MHD_HTTP_FORBIDDEN, "token lacks the '%s' scope",
                            scope == CXM_SCOPE_INGEST ? "ingest" : "read");
        return 0;
    }
    double wait_s = 0;
    if (!rate_take(sv, info.id, &wait_s)) {
        r->retry_after = (unsigned)wait_s + 1;
        *ret =
            answer_error(c, r, MHD_HTTP_TOO_MANY_REQUESTS, "more than %g requests a second with this token", sv->rate);
        return 0;
    }
    return 1;
}

/* Content-Type -> import format, or NULL. */
static const char *format_of(const char *ct) {
    static const struct {
        const char *type, *format;
    } types[] = {{"application/x-ndjson", "ndjson"},  {"application/ndjson", "ndjson"},
                 {"application/jsonlines", "ndjson"}, {"application/x-jsonlines", "ndjson"},
                 {"application/jsonl", "ndjson"},     {"text/csv", "csv"}};
    if (!ct) return NULL;
    size_t n = strcspn(ct, ";");
    while (n && ct[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].type) == n && !strncasecmp(ct, types[i].type, n)) return types[i].format;
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    (void)version;
    server *sv = cls;
    req *r = *con_cls;
    if (!r) { /* first call: headers only */
        r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        r->token_id = -1;
        json_escape_to(method, r->method, sizeof r->method);
        json_escape_to(url, r->path, sizeof r->path);
        *con_cls = r;
        pthread_mutex_lock(&sv->mu);
        sv->active++;
        pthread_mutex_unlock(&sv->mu);
        r->route = route_of(url, &r->stream);
        int is_get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
        int is_post = !strcmp(method, MHD_HTTP_METHOD_POST);
        if (r->route == R_INGEST && is_get && !strcmp(r->stream, "tickets")) r->route = R_TICKETS; /* drill-down */
        enum MHD_Result ret = MHD_YES;
        switch (r->route) {
        case R_NONE: return answer_error(c, r, MHD_HTTP_NOT_FOUND, "no such endpoint");
        case R_HEALTH:
            if (!is_get) return answer_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "expected GET");
            return answer_text(c, r, MHD_HTTP_OK, "{\"status\":\"ok\"}\n");
        case R_CATALOG:
        case R_METRICS:
            if (!is_get) return answer_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "expected GET");
            if (!authorize(c, r, sv, CXM_SCOPE_READ, 0, &ret)) return ret;
            cxm_store_close(r->st); /* only the token needed it: a report reads a snapshot */
            r->st = NULL;
            return r->route == R_CATALOG ? do_catalog(c, r) : do_metrics(c, r, sv);
        case R_WEB:
            if (!is_get) return answer_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "expected GET");
            return do_web(c, r, url);
        case R_TICKETS:
        case R_COMMENTS:
        case R_DIMENSIONS:
            if (!is_get) return answer_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "expected GET");
            if (!authorize(c, r, sv, CXM_SCOPE_READ, 0, &ret)) return ret;
            cxm_store_close(r->st); /* each reads its own snapshot or connection */
            r->st = NULL;
            return r->route == R_DIMENSIONS ? do_dimensions(c, r, sv) : do_dashboard_data(c, r, sv);
        case R_INGEST: {
            if (!is_post) return answer_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "expected POST");
            if (!authorize(c, r, sv, CXM_SCOPE_INGEST, 1, &ret)) return ret;
            const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
            r->format = format_of(ct);
            if (!r->format)
                return answer_error(c, r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                    "Content-Type '%s': expected application/x-ndjson or text/csv", ct ? ct : "");
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            if (cl) {
                char *end;
                errno = 0;
                unsigned long long v = strtoull(cl, &end, 10);
                if (errno || *end || end == cl || v > sv->max_body)
                    return answer_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "body larger than the limit (%zu bytes)",
                                        sv->max_body);
            }
            return MHD_YES;
        }
        }
        return MHD_NO;
    }
    if (r->answered) { /* a refusal was queued: drop whatever comes */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) { /* a piece of the body */
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->too_large) return MHD_YES;
        if (n > sv->max_body - r->len) {
            r->too_large = 1;
            free(r->body);
            r->body = NULL;
            r->len = r->cap = 0;
            return MHD_YES;
        }
        if (r->len + n > r->cap) {
            size_t cap = r->cap ? r->cap : 64 * 1024;
            while (cap < r->len + n)
                cap = cap > sv->max_body / 2 ? sv->max_body : cap * 2;
            char *p = realloc(r->body, cap);
            if (!p) return MHD_NO;
            r->body = p;
            r->cap = cap;
        }
        memcpy(r->body + r->len, upload_data, n);
        r->len += n;
        return MHD_YES;
    }
    return do_ingest(c, r, sv); /* the whole body is in */
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    server *sv = cls;
    req *r = *con_cls;
    if (!r) return;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char addr[INET_ADDRSTRLEN] = "";
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr, addr, sizeof addr);
    static const char *const names[] = {"",    "health",  "catalog",  "metrics",   "ingest",
                                        "web", "tickets", "comments", "dimensions"};
    char tok[32] = "null";
    if (r->token_id >= 0) snprintf(tok, sizeof tok, "%lld", (long long)r->token_id);
    cxm_server_log("\"event\":\"request\",\"client\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"route\":\"%s\",\"status\":%u,"
             "\"ms\":%.3f,\"bytes_in\":%zu,"
             "\"bytes_out\":%zu,\"token\":%s,\"completed\":%s%s",
             addr, r->method, r->path, names[r->route], r->status, ms_since(&r->t0), r->len, r->bytes_out, tok,
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "true" : "false", r->note);
    cxm_store_close(r->st);
    free(r->body);
    free(r);
    *con_cls = NULL;
    pthread_mutex_lock(&sv->mu);
    sv->active--;
    pthread_mutex_unlock(&sv->mu);
}

/* ---- public -------------------------------------------------------------------- */

int cxm_server_parse_listen(const char *text, char *host_out, size_t cap, uint16_t *port, cxm_diag *diag) {
    const char *colon = text ? strrchr(text, ':') : NULL;
    if (!colon || (size_t)(colon - text) >= cap || colon == text) {
        set_diag(diag, "--listen '%s': expected HOST:PORT, e.g. 127.0.0.1:8080", text ? text : "");
        return CXM_EUSAGE;
    }
    memcpy(host_out, text, (size_t)(colon - text));
    host_out[colon - text] = '\0';
    struct in_addr a;
    if (inet_pton(AF_INET, host_out, &a) != 1) {
        set_diag(diag, "--listen '%s': expected an IPv4 address such as 127.0.0.1 before the ':'", text);
        return CXM_EUSAGE;
    }
    char *end;
    errno = 0;
    long v = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || v < 0 || v > 65535) {
        set_diag(diag, "--listen '%s': expected a port 0..65535 after the ':'", text);
        return CXM_EUSAGE;
    }
    *port = (uint16_t)v;
    return CXM_OK;
}

/* Starts the query cache (--max-staleness, --warm); *staleness_ms and
 * *nwarm get its settings for the "listening" log line. */
static int start_cache(server *sv, const cxm_server_opts *o, int64_t *staleness_ms, size_t *nwarm, cxm_diag *diag) {
    cxm_qcache_opts qo;
    memset(&qo, 0, sizeof qo);
    qo.store = o->store;
    qo.sla = o->sla;
    qo.calendar = o->calendar;
    qo.max_staleness_ms = o->max_staleness > 0 ? (int64_t)(o->max_staleness * 1000.0 + 0.5) : 0;
    qo.max_wait_ms = o->max_wait > 0   ? (int64_t)(o->max_wait * 1000.0 + 0.5)
                     : o->max_wait < 0 ? CXM_QCACHE_NO_WAIT
                                       : 0;
    int rc = cxm_qcache_new(&qo, &sv->qc, diag);
    if (rc) return rc;
    *staleness_ms = qo.max_staleness_ms;
    *nwarm = 0;
    if (o->warm && (rc = cxm_qcache_warm_file(sv->qc, o->warm, nwarm, diag))) {
        cxm_qcache_free(sv->qc);
        sv->qc = NULL;
        return rc;
    }
    return CXM_OK;
}

int cxm_server_run(const cxm_server_opts *o, cxm_diag *diag) {
    server sv;
    memset(&sv, 0, sizeof sv);
    sv.store = o->store;
    sv.sla = o->sla;
    sv.calendar = o->calendar;
    sv.max_body = o->max_body ? o->max_body : CXM_SERVER_MAX_BODY;
    sv.max_rows = o->max_rows ? o->max_rows : CXM_SERVER_MAX_ROWS;
    sv.rate = o->rate > 0 ? o->rate : 0;
    sv.burst = sv.rate > 1 ? sv.rate : 1;
    /* the store exists and is migrated before the first request */
    cxm_store *st = NULL;
    int rc = cxm_store_open(o->store, CXM_STORE_CREATE, &st, diag);
    if (rc) return rc;
    cxm_store_close(st);
    size_t swept = cxm_store_snapshot_sweep(); /* left by a killed server or report */
    if (swept) cxm_server_log("\"event\":\"snapshots_swept\",\"removed\":%zu", swept);
    /* --sla and --calendar: checked before listening, so a bad file stops
     * the start with its line and column rather than failing every query */
    if (o->sla) {
        cxm_sla *sla = NULL;
        if ((rc = cxm_sla_load(o->sla, &sla, diag))) return rc;
        cxm_sla_free(sla);
    }
    if (o->calendar) {
        cxm_calset *cals = NULL;
        if ((rc = cxm_calset_load(o->calendar, NULL, &cals, diag))) return rc;
        cxm_calset_free(cals);
    }
    cxm_alert_set *rules = NULL; /* --alerts: read (and checked) before listening */
    if (o->alerts && (rc = cxm_alert_set_load(o->alerts, &rules, diag))) return rc;

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(o->port);
    if (inet_pton(AF_INET, o->host, &sa.sin_addr) != 1) {
        cxm_alert_set_free(rules);
        set_diag(diag, "'%s' is not an IPv4 address", o->host);
        return CXM_EUSAGE;
    }
    /* SIGTERM and SIGINT are taken by sigwait below; blocked before any
     * thread starts, so every thread inherits the mask */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    signal(SIGPIPE, SIG_IGN);
    if (pthread_mutex_init(&sv.mu, NULL)) {
        cxm_alert_set_free(rules);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return CXM_ENOMEM;
    }
    /* the alert watcher starts with the signals blocked (its thread inherits the mask) */
    if (rules && (rc = cxm_alerts_start(rules, o->store, o->alert_interval, &sv.alerts, diag))) {
        pthread_mutex_destroy(&sv.mu);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return rc;
    }
    /* the query cache: its refresher thread inherits the blocked signals too */
    int64_t staleness_ms = 0;
    size_t nwarm = 0;
    if ((rc = start_cache(&sv, o, &staleness_ms, &nwarm, diag))) {
        cxm_alerts_stop(sv.alerts);
        pthread_mutex_destroy(&sv.mu);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return rc;
    }
    /* the filter choices: computed now in the background, kept DIMS_MAX_AGE_MS */
    if ((rc = cxm_dims_cache_new(compute_dimensions, dims_version, &sv, DIMS_MAX_AGE_MS, DIMS_SYNC_MS, NULL,
                                 &sv.dims)) ||
        (rc = cxm_dims_cache_warm(sv.dims))) {
        cxm_dims_cache_free(sv.dims);
        cxm_alerts_stop(sv.alerts);
        cxm_qcache_free(sv.qc);
        pthread_mutex_destroy(&sv.mu);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        set_diag(diag, "cannot start the dimensions cache (%s)", cxm_strerror(rc));
        return rc;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, on_request, &sv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CXM_SERVER_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &sv, MHD_OPTION_END);
    if (!d) {
        cxm_alerts_stop(sv.alerts);
        cxm_dims_cache_free(sv.dims);
        cxm_qcache_free(sv.qc);
        pthread_mutex_destroy(&sv.mu);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        set_diag(diag, "cannot listen on %s:%u (address in use or not local?)", o->host, (unsigned)o->port);
        return CXM_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : o->port;
    cxm_server_log("\"event\":\"listening\",\"host\":\"%s\",\"port\":%u,\"max_body\":%zu,\"max_rows\":%zu,\"rate\":%g,"
             "\"max_staleness_ms\":%lld,\"max_wait_ms\":%lld,\"warm\":%zu",
             o->host, port, sv.max_body, sv.max_rows, sv.rate, (long long)staleness_ms,
             (long long)(o->max_wait >= 0 ? (int64_t)(o->max_wait * 1000.0 + 0.5) : 0), nwarm);
    int sig = 0;
    while (sigwait(&sigs, &sig) != 0) {
    }
    cxm_server_log("\"event\":\"stopping\",\"signal\":\"%s\"", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    /* stop accepting, let the requests under way finish (their batches commit) */
    MHD_socket ls = MHD_quiesce_daemon(d);
    for (int i = 0; i < CXM_SERVER_DRAIN_SECONDS * 100; i++) {
        pthread_mutex_lock(&sv.mu);
        unsigned n = sv.active;
        pthread_mutex_unlock(&sv.mu);
        if (!n) break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    cxm_alerts_stop(sv.alerts); /* after the last ingest: aborts a webhook post under way */
    cxm_dims_cache_free(sv.dims); /* after the last request: waits for a computation under way */
    /* what the query cache did, for the operator and bench/serve.sh: on the stopped line */
    cxm_qcache_stats cs;
    memset(&cs, 0, sizeof cs);
    if (sv.qc) cxm_qcache_get_stats(sv.qc, &cs);
    cxm_qcache_free(sv.qc); /* after the last request: waits for a refresh under way */
    pthread_mutex_destroy(&sv.mu);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    cxm_server_log("\"event\":\"stopped\",\"cache\":{\"hits\":%llu,\"stale_hits\":%llu,\"late\":%llu,\"misses\":%llu,"
                   "\"computations\":%llu,\"refreshes\":%llu,\"snapshots\":%llu,\"files_written\":%llu,"
                   "\"files_linked\":%llu,\"live_builds\":%llu,\"live_adds\":%llu,\"live_drops\":%llu}",
                   (unsigned long long)cs.hits, (unsigned long long)cs.stale_hits, (unsigned long long)cs.late,
                   (unsigned long long)cs.misses, (unsigned long long)cs.computations,
                   (unsigned long long)cs.refreshes, (unsigned long long)cs.snapshots,
                   (unsigned long long)cs.files_written, (unsigned long long)cs.files_linked,
                   (unsigned long long)cs.live_builds, (unsigned long long)cs.live_adds,
                   (unsigned long long)cs.live_drops);
    return CXM_OK;
}
