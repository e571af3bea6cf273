/*
 * report_html.c - `cxm report --format html`: the dashboard as one
 * self-contained file (docs/DASHBOARD.md, static mode). Runs the reports
 * the dashboard's views read, under the names the web app asks for
 * (web/src/queries.js):
 *   kpi:   the period's figures with the percentile profile and, for survey
 *          metrics, --compare previous (when --from and --to are dates);
 *   prev:  the support figures over the period before (same length);
 *   trend: the figures by the first time term of --by (default week);
 * and writes index.html with the bundle inlined and the results embedded
 * (src/server/web.c cxm_web_render_html). The user's filters (--from, --to,
 * --tz, --where, --preset, --sla, --calendar, ...) apply to every run;
 * --metrics and --stats are the dashboard's own.
 * Sizes: three reports over the input; the page is the bundle (~0.5 MiB)
 * plus the results' JSON.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/web.h"
#include "cli.h"
#include "opts.h"

#define SUPPORT "volume,backlog,frt,resolution_time,fcr,resolution_rate,reopen_rate"
#define SURVEY  "csat,nps,ces,distribution"
#define PROFILE "mean,min,p25,p50,p75,p90,p95,p99,max"

static int is_date(const char *s) {
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
    return 1;
}

/* The first time term of --by (day, week, month, quarter, year), or "week". */
static void pick_gran(const char *by, char *out, size_t cap) {
    static const char *const words[] = {"day", "week", "month", "quarter", "year"};
    snprintf(out, cap, "week");
    if (!by) return;
    const char *p = by;
    while (*p) {
        size_t n = strcspn(p, ",");
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            if (strlen(words[i]) == n && !strncmp(p, words[i], n)) {
                snprintf(out, cap, "%s", words[i]);
                return;
            }
        p += n;
        if (*p == ',') p++;
    }
}

/* {"from":..,"to":..,"tz":..,"gran":..,"where":{COL:VALUE,..}} owned (free). */
static char *filters_json(const cxm_report_opts *r, const char *gran) {
    json_t *f = json_object();
    if (!f) return NULL;
    if (r->from) json_object_set_new(f, "from", json_string(r->from));
    if (r->to) json_object_set_new(f, "to", json_string(r->to));
    json_object_set_new(f, "tz", json_string(r->tz ? r->tz : "UTC"));
    json_object_set_new(f, "gran", json_string(gran));
    json_t *w = json_object();
    for (size_t i = 0; i < r->nwhere; i++) {
        const char *eq = strchr(r->where[i], '=');
        if (!eq || eq == r->where[i]) continue;
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - r->where[i]), r->where[i]);
        json_object_set_new(w, key, json_string(eq + 1));
    }
    json_object_set_new(f, "where", w);
    char *s = json_dumps(f, JSON_COMPACT);
    json_decref(f);
    return s;
}

static int run(const cxm_report_opts *r, cxm_result_set **rs, const char *what) {
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_report_run(r, rs, &d);
    cli_progress_end();
    if (rc) return cli_fail(what, rc, &d);
    return EXIT_OK;
}

int cli_report_html(const cli_opts *o, FILE *out) {
    int surveys = o->r.responses || o->r.store;
    if (!surveys && o->r.data_dir) {
        static const char *const names[] = {"responses.csv", "responses.ndjson", "responses.jsonl"};
        for (size_t i = 0; i < 3 && !surveys; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", o->r.data_dir, names[i]);
            FILE *f = fopen(path, "r");
            if (f) {
                surveys = 1;
                fclose(f);
            }
        }
    }
    int tickets = o->r.tickets || o->r.data_dir || o->r.store;
    int period = is_date(o->r.from) && is_date(o->r.to);
    char gran[16];
    pick_gran(o->r.by, gran, sizeof gran);
    char metrics[256], trend_metrics[256];
    snprintf(metrics, sizeof metrics, "%s%s%s%s", tickets ? SUPPORT : "", tickets && surveys ? "," : "",
             surveys ? SURVEY : "", o->r.sla && tickets ? ",sla_compliance" : "");
    snprintf(trend_metrics, sizeof trend_metrics, "%s%s%s%s", tickets ? "volume,backlog,frt,fcr" : "",
             tickets && surveys ? "," : "", surveys ? "csat,nps" : "", o->r.sla && tickets ? ",sla_compliance" : "");

    cxm_result_set *kpi = NULL, *prev = NULL, *trend = NULL;
    cxm_report_opts r = o->r;
    r.metrics = metrics;
    r.by = NULL;
    r.stats = PROFILE;
    r.compare = period ? "previous" : NULL;
    int ec = run(&r, &kpi, "report");
    char pf[16], pt[16];
    if (!ec && period && tickets && !cxm_web_previous_period(o->r.from, o->r.to, pf, pt, sizeof pf)) {
        r = o->r;
        r.metrics = SUPPORT;
        r.by = NULL;
        r.stats = "p50";
        r.compare = NULL;
        r.from = pf;
        r.to = pt;
        r.log = NULL; /* its warnings repeat the main run's */
        ec = run(&r, &prev, "report (previous period)");
    }
    if (!ec) {
        r = o->r;
        r.metrics = trend_metrics;
        r.by = gran;
        r.stats = "p50";
        r.compare = NULL;
        r.log = NULL;
        ec = run(&r, &trend, "report (trend)");
    }
    if (!ec) {
        char *fj = filters_json(&o->r, gran);
        const cxm_web_dataset sets[] = {{"kpi", kpi}, {"prev", prev}, {"trend", trend}};
        cxm_diag d;
        memset(&d, 0, sizeof d);
        int rc = fj ? cxm_web_render_html(out, sets, 3, o->lang, fj, &d) : CXM_ENOMEM;
        free(fj);
        if (rc) ec = cli_fail("report", rc, d.msg[0] ? &d : NULL);
    }
    cxm_result_set_free(kpi);
    cxm_result_set_free(prev);
    cxm_result_set_free(trend);
    return ec;
}
