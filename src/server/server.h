/*
 * server.h - the HTTP service of `cxm serve` (a front end: compiled into the
 * cxm executable, not into the engine library; it uses include/cxm.h and
 * src/store/store.h only). libmicrohttpd, one thread per connection.
 *
 * Endpoints (docs/SERVER.md):
 *   GET  /healthz                       {"status":"ok"}, no token
 *   GET  /v1/catalog                    the catalog, as `cxm metrics --format json`
 *   GET  /v1/metrics?metrics=..&by=..   the JSON of `cxm report --store FILE --format json`
 *   POST /v1/{tickets|messages|responses}  NDJSON or CSV body -> store import
 * Every endpoint but /healthz needs "Authorization: Bearer TOKEN" (401 when
 * missing or unknown, 403 without the scope: read for GET, ingest for POST).
 *
 * Invariants: a request body is held in memory up to max_body bytes (413
 * beyond); a request's store handle is its own (SQLite: one connection per
 * thread), opened for the request and closed when it completes; a record is
 * acknowledged (counted in "accepted") only once its batch has committed.
 * Request rates are tracked for the CXM_SERVER_RATE_SLOTS most recently
 * seen tokens (a token evicted from the table starts with a full bucket).
 * Sizes: bodies up to CXM_SERVER_MAX_BODY (64 MiB) by default, at most
 * CXM_SERVER_MAX_CONNECTIONS concurrent connections.
 */
#ifndef CXM_SERVER_H
#define CXM_SERVER_H
#include <stddef.h>
#include <stdint.h>

#include "cxm.h"

#define CXM_SERVER_MAX_BODY        ((size_t)64 << 20) /* bytes of a POST body by default */
#define CXM_SERVER_MAX_CONNECTIONS 64u                /* concurrent connections */
#define CXM_SERVER_MAX_ERRORS      100u               /* rejected rows listed in an ingest answer */
#define CXM_SERVER_DRAIN_SECONDS   60                 /* shutdown waits this long for requests */
#define CXM_SERVER_MAX_ROWS        1000000u           /* lines of a POST body by default */
#define CXM_SERVER_RATE_SLOTS      256u               /* tokens whose request rate is tracked at once */

typedef struct cxm_server_opts {
    const char *store; /* store path (created and migrated at start if missing); borrowed */
    const char *host;  /* IPv4 address to listen on, e.g. "127.0.0.1"; borrowed */
    uint16_t port;     /* 0: any free port (announced in the "listening" log line) */
    size_t max_body;   /* 0 = CXM_SERVER_MAX_BODY */
    size_t max_rows;   /* lines of a POST body (a CSV record spanning lines counts for each,
                          the header too); 0 = CXM_SERVER_MAX_ROWS; beyond: 413 */
    double rate;       /* requests a second per token (bursts of up to max(rate, 1)); 0 = no limit;
                          beyond: 429 with Retry-After */
    const char *alerts;    /* alert rules file (docs/ALERTS.md), checked after each committed ingest; NULL = none */
    double alert_interval; /* seconds: at most one alert evaluation this often; 0 = CXM_ALERT_INTERVAL_S (10) */
    double max_staleness;  /* GET /v1/metrics may answer from data this many seconds old while a refresh
                              runs (qcache.h); 0 = always exact (`cxm serve` defaults to 5) */
    double max_wait;       /* seconds a GET /v1/metrics waits for the refresh of an answer past max_staleness
                              before getting the stale one (qcache.h); 0 = as long as it takes; < 0 = not at
                              all (`cxm serve` defaults to 2; its --max-wait 0 is -1 here) */
    const char *warm;      /* file of /v1/metrics query strings kept computed (--warm), or NULL */
    const char *sla;       /* SLA targets file every report and drill-down uses (--sla), or NULL */
    const char *calendar;  /* business-hours calendar file they use (--calendar), or NULL */
} cxm_server_opts;

/* Splits "HOST:PORT" (IPv4 dotted quad, port 0..65535) into host_out (cap
 * >= 16) and *port. CXM_EUSAGE with diag on anything else. */
int cxm_server_parse_listen(const char *text, char *host_out, size_t cap, uint16_t *port, cxm_diag *diag) CXM_WUR;

/* Opens (creating if missing) the store, starts listening, logs
 * {"event":"listening","host":..,"port":..} on stderr, serves until SIGTERM
 * or SIGINT, then stops accepting, lets in-flight requests finish (up to
 * CXM_SERVER_DRAIN_SECONDS) and returns 0. Blocks SIGTERM and SIGINT in the
 * calling thread (and so in the server's threads). Errors: CXM_EIO (store,
 * address in use), CXM_EUSAGE (bad address), with diag filled. */
int cxm_server_run(const cxm_server_opts *o, cxm_diag *diag) CXM_WUR;

#endif
