/*
 * serve.c - `cxm serve`: the HTTP service over a store (src/server/server.h;
 * docs/SERVER.md). Parses the options and runs the server until SIGTERM or
 * SIGINT. Sizes: a handful of options; the server's own limits are in
 * server.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/server.h"
#include "cli.h"

static void help(void) {
    printf("usage: cxm serve --store FILE [--listen HOST:PORT] [--max-body BYTES] [--max-rows N] [--rate R]\n"
           "                 [--alerts FILE [--alert-interval SECONDS]]\n"
           "                 [--max-staleness SECONDS] [--max-wait SECONDS] [--warm FILE]\n"
           "                 [--sla FILE] [--calendar FILE]\n"
           "\n"
           "Serves a store over HTTP (docs/SERVER.md):\n"
           "  GET  /healthz                            {\"status\":\"ok\"} (no token)\n"
           "  GET  /v1/catalog                         the metric catalog (read scope)\n"
           "  GET  /v1/metrics?metrics=..&by=..&from=..&to=..&tz=..&preset=..&stats=..\n"
           "                                           the JSON of 'cxm report --store FILE --format json'\n"
           "  POST /v1/tickets|messages|responses      NDJSON (application/x-ndjson) or CSV (text/csv)\n"
           "                                           records into the store (ingest scope)\n"
           "  GET  /                                   the dashboard (docs/DASHBOARD.md; it asks for a read token)\n"
           "  GET  /v1/tickets?from=..&to=..&where=..&limit=..&offset=..\n"
           "                                           the records behind a number (read scope)\n"
           "  GET  /v1/comments?survey=..  /v1/dimensions   verbatims, filter choices (read scope)\n"
           "Requests carry 'Authorization: Bearer TOKEN' (cxm token create --store FILE).\n"
           "\n"
           "  --store FILE         the store (created if missing)\n"
           "  --listen HOST:PORT   IPv4 address and port (default 127.0.0.1:8080; port 0: any free\n"
           "                       port, announced in the first log line)\n"
           "  --max-body BYTES     largest POST body (default 67108864, 64 MiB); larger: 413\n"
           "  --max-rows N         most lines in a POST body (default 1000000); more: 413\n"
           "  --rate R             requests a second per token, in bursts of up to R (default 0:\n"
           "                       no limit); more: 429 with Retry-After\n"
           "  --alerts FILE        alert rules (docs/ALERTS.md, examples/alerts.ini), checked after\n"
           "                       ingest and every minute; firing and resolved alerts are posted to\n"
           "                       the rules' webhooks and logged\n"
           "  --alert-interval S   at most one alert check every S seconds (default 10)\n"
           "  --max-staleness S    GET /v1/metrics answers from a cache: after new data, a cached\n"
           "                       answer at most S seconds stale is served at once while one\n"
           "                       background refresh runs; for a staler one the request waits\n"
           "                       for the refresh up to --max-wait (default 5; 0: always exact,\n"
           "                       every request waits). Headers: X-Cxm-Cache (fresh|stale|miss),\n"
           "                       X-Cxm-Generation, X-Cxm-Stale-Ms, X-Cxm-Data-Age-Ms, Age\n"
           "  --max-wait S         how long a request waits for the refresh of an answer staler\n"
           "                       than --max-staleness; then it gets the stale answer with\n"
           "                       'Warning: 110' and X-Cxm-Stale-Ms saying how stale; counted\n"
           "                       from the first request waiting for that refresh, so during a\n"
           "                       long refresh later requests are answered at once (default 2;\n"
           "                       0: never wait). A query never answered before waits for its\n"
           "                       first answer (see --warm)\n"
           "  --warm FILE          /v1/metrics query strings, one a line (e.g.\n"
           "                       metrics=frt,fcr&by=week,channel): computed at start and\n"
           "                       refreshed in the background after each change\n"
           "  --sla FILE           SLA targets (docs/DATA.md) for sla_compliance in /v1/metrics, the\n"
           "                       dashboard's SLA view and drill-downs; checked at start\n"
           "  --calendar FILE      business hours (docs/DATA.md) for time_basis=business and\n"
           "                       business-time SLA targets; checked at start\n"
           "\n"
           "Logs one JSON line per request on stderr. SIGTERM or SIGINT: stops accepting,\n"
           "lets requests under way finish, exits 0.\n"
           "\n"
           "exit status: 0 stopped by a signal, 1 usage error, 2 store or address error\n");
}

int cmd_serve(int argc, char **argv) {
    const char *store = NULL, *listen = "127.0.0.1:8080";
    size_t max_body = 0, max_rows = 0;
    double rate = 0, alert_interval = 0, max_staleness = 5, max_wait = 2;
    const char *alerts = NULL, *warm = NULL, *sla = NULL, *calendar = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return EXIT_OK;
        } else if (!strcmp(a, "--store") && i + 1 < argc) {
            store = argv[++i];
        } else if (!strcmp(a, "--listen") && i + 1 < argc) {
            listen = argv[++i];
        } else if (!strcmp(a, "--max-body") && i + 1 < argc) {
            const char *v = argv[++i];
            char *end;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            if (errno || *end || end == v || n == 0 || v[0] == '-' || n > (unsigned long long)1 << 40) {
                cli_usage_error("serve", "--max-body '%s': expected a number of bytes (1 .. 2^40)", v);
                return EXIT_USAGE;
            }
            max_body = (size_t)n;
        } else if (!strcmp(a, "--max-rows") && i + 1 < argc) {
            const char *v = argv[++i];
            char *end;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            if (errno || *end || end == v || n == 0 || v[0] == '-' || n > (unsigned long long)1 << 40) {
                cli_usage_error("serve", "--max-rows '%s': expected a number of lines (1 .. 2^40)", v);
                return EXIT_USAGE;
            }
            max_rows = (size_t)n;
        } else if (!strcmp(a, "--rate") && i + 1 < argc) {
            const char *v = argv[++i];
            char *end;
            errno = 0;
            rate = strtod(v, &end);
            if (errno || *end || end == v || !(rate >= 0 && rate <= 1e9)) {
                cli_usage_error("serve", "--rate '%s': expected requests a second per token (0: no limit)", v);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--max-staleness") && i + 1 < argc) {
            const char *v = argv[++i];
            char *end;
            errno = 0;
            max_staleness = strtod(v, &end);
            if (errno || *end || end == v || !(max_staleness >= 0 && max_staleness <= 86400)) {
                cli_usage_error("serve", "--max-staleness '%s': expected seconds between 0 and 86400", v);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--max-wait") && i + 1 < argc) {
            const char *v = argv[++i];
            char *end;
            errno = 0;
            max_wait = strtod(v, &end);
            if (errno || *end || end == v || !(max_wait >= 0 && max_wait <= 86400)) {
                cli_usage_error("serve", "--max-wait '%s': expected seconds between 0 and 86400", v);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--warm") && i + 1 < argc) {
            warm = argv[++i];
        } else if (!strcmp(a, "--sla") && i + 1 < argc) {
            sla = argv[++i];
        } else if (!strcmp(a, "--calendar") && i + 1 < argc) {
            calendar = argv[++i];
        } else if (!strcmp(a, "--alerts") && i + 1 < argc) {
            alerts = argv[++i];
        } else if (!strcmp(a, "--alert-interval") && i + 1 < argc) {
            const char *v = argv[++i];
            char *end;
            errno = 0;
            alert_interval = strtod(v, &end);
            if (errno || *end || end == v || !(alert_interval >= 0.1 && alert_interval <= 86400)) {
                cli_usage_error("serve", "--alert-interval '%s': expected seconds between 0.1 and 86400", v);
                return EXIT_USAGE;
            }
        } else {
            cli_usage_error("serve", "unknown argument '%s'", a);
            return EXIT_USAGE;
        }
    }
    if (!store) {
        cli_usage_error("serve", "no store: give --store FILE");
        return EXIT_USAGE;
    }
    cxm_server_opts o;
    memset(&o, 0, sizeof o);
    char host[64];
    cxm_diag d;
    memset(&d, 0, sizeof d);
    if (cxm_server_parse_listen(listen, host, sizeof host, &o.port, &d)) {
        cli_usage_error("serve", "%s", d.msg);
        return EXIT_USAGE;
    }
    o.store = store;
    o.host = host;
    o.max_body = max_body;
    o.max_rows = max_rows;
    o.rate = rate;
    o.alerts = alerts;
    o.alert_interval = alert_interval;
    o.max_staleness = max_staleness;
    o.max_wait = max_wait > 0 ? max_wait : -1; /* --max-wait 0: answer at once */
    o.warm = warm;
    o.sla = sla;
    o.calendar = calendar;
    int rc = cxm_server_run(&o, &d);
    if (rc) return cli_fail("serve", rc, &d);
    return EXIT_OK;
}
