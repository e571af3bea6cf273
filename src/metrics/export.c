/*
 * export.c - cxm_tickets_export: one row per ticket with every derived
 * field, from the same pipeline as reports (so a drill-down shows exactly
 * the numbers a report aggregates). Written as it streams (GET /v1/tickets
 * serves the JSON rows). Columns: `cols` below, in that order (docs/CLI.md
 * lists them, tests/unit/test_export.c pins them); a value that is unknown
 * is an empty CSV field or JSON null, never 0.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics/engine.h"
#include "metrics/report.h"
#include "metrics/sla.h"

typedef struct exporter {
    cxm_ctx c;
    FILE *out;
    int json;
} exporter;

static void put_time(FILE *o, cxm_time t, int json) {
    if (t == CXM_TIME_NULL) {
        if (json) fputs("null", o);
        return;
    }
    int64_t s = cxm_floordiv(t, 1000), ms = cxm_floormod(t, 1000);
    int64_t days = cxm_floordiv(s, 86400), sod = cxm_floormod(s, 86400);
    char date[32];
    cxm_format_date(days, date, sizeof date);
    if (ms)
        fprintf(o, "%s%sT%02d:%02d:%02d.%03dZ%s", json ? "\"" : "", date, (int)(sod / 3600), (int)(sod / 60 % 60),
                (int)(sod % 60), (int)ms, json ? "\"" : "");
    else
        fprintf(o, "%s%sT%02d:%02d:%02dZ%s", json ? "\"" : "", date, (int)(sod / 3600), (int)(sod / 60 % 60),
                (int)(sod % 60), json ? "\"" : "");
}

static void put_num(FILE *o, double v, int json) {
    if (isnan(v)) {
        if (json) fputs("null", o);
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) fprintf(o, "%.0f", v);
    else fprintf(o, "%.3f", v);
}

static void put_int(FILE *o, int64_t v, int json) {
    if (v < 0) {
        if (json) fputs("null", o);
        return;
    }
    fprintf(o, "%lld", (long long)v);
}

static void put_text(FILE *o, const char *s, size_t n, int json) {
    if (!s) {
        if (json) fputs("null", o);
        return;
    }
    if (json) {
        fputc('"', o);
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)s[i];
            if (ch == '"' || ch == '\\') fprintf(o, "\\%c", ch);
            else if (ch < 0x20) fprintf(o, "\\u%04x", ch);
            else fputc(ch, o);
        }
        fputc('"', o);
        return;
    }
    int q = memchr(s, ',', n) || memchr(s, '"', n) || memchr(s, '\n', n) || memchr(s, '\r', n);
    if (q) fputc('"', o);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', o);
        fputc(s[i], o);
    }
    if (q) fputc('"', o);
}

static const char *sla_word(int s) {
    switch (s) {
    case SLA_MET: return "met";
    case SLA_BREACHED: return "breached";
    case SLA_OPEN: return "open";
    default: return NULL;
    }
}

static const char *const cols[] = {
    "ticket_id", "created_at", "first_response_at", "first_resolved_at", "resolved_at", "closed_at",
    "answered_at", "channel", "agent", "team", "priority", "status", "reopens", "agent_replies",
    "customer_replies", "replies", "teammates", "unnamed_replies", "frt_seconds", "frt_business_seconds",
    "first_resolution_seconds", "first_resolution_business_seconds", "resolution_seconds",
    "resolution_business_seconds", "asa_seconds", "handle_seconds", "abandoned", "complaint", "fcr",
    "sla_first_response", "sla_first_response_due", "sla_resolution", "sla_resolution_due",
    "sla_next_reply_met", "sla_next_reply_breached"};
enum { NCOLS = sizeof cols / sizeof cols[0] };

static int on_ticket(cxm_ctx *c, const cxm_ticket *t, const cxm_derived *d, const cxm_field *f, size_t nf) {
    if (!cxm_report_in_window(c, t->created)) return CXM_OK; /* --from/--to: on the creation date, as volume */
    exporter *E = (exporter *)c;
    FILE *o = E->out;
    int json = E->json;
    int k = 0;
#define SEP()                                                                                                  \
    do {                                                                                                       \
        if (json) fprintf(o, "%s\"%s\":", k ? "," : "{", cols[k]);                                            \
        else if (k) fputc(',', o);                                                                             \
        k++;                                                                                                   \
    } while (0)
    SEP(); put_text(o, t->id, t->idlen, json);
    SEP(); put_time(o, t->created, json);
    SEP(); put_time(o, t->first_response, json);
    SEP(); put_time(o, t->first_resolved, json);
    SEP(); put_time(o, t->resolved, json);
    SEP(); put_time(o, t->closed, json);
    SEP(); put_time(o, t->answered, json);
    static const int dims[] = {TK_CHANNEL, TK_AGENT, TK_TEAM, TK_PRIORITY, TK_STATUS};
    for (size_t i = 0; i < 5; i++) {
        int src = c->map.src[dims[i]];
        SEP();
        if (src >= 0 && (size_t)src < nf && f[src].ptr && f[src].len) put_text(o, f[src].ptr, f[src].len, json);
        else put_text(o, NULL, 0, json);
    }
    SEP(); put_int(o, t->reopens, json);
    SEP(); put_int(o, t->agent_replies, json);
    SEP(); put_int(o, t->customer_replies, json);
    SEP(); put_int(o, t->has_messages ? (int64_t)t->nreplies : -1, json);
    /* who replied (one_teammate's evidence): unknown without messages or
     * without an agent column in them (teammates < 0) */
    const cxm_msg_facts *mf = t->facts && t->facts->present && t->facts->teammates >= 0 ? t->facts : NULL;
    SEP(); put_int(o, mf ? mf->teammates : -1, json);
    SEP(); put_int(o, mf ? mf->unnamed_replies : -1, json);
    SEP(); put_num(o, d->frt_cal, json);
    SEP(); put_num(o, d->frt_bus, json);
    SEP(); put_num(o, d->first_res_cal, json);
    SEP(); put_num(o, d->first_res_bus, json);
    SEP(); put_num(o, d->res_cal, json);
    SEP(); put_num(o, d->res_bus, json);
    SEP(); put_num(o, d->asa, json);
    SEP(); put_num(o, d->aht, json);
    SEP(); put_text(o, t->abandoned < 0 ? NULL : t->abandoned ? "true" : "false", t->abandoned ? 4 : 5, json && 0);
    if (json && t->abandoned < 0) fputs("null", o);
    SEP(); put_text(o, t->complaint < 0 ? NULL : t->complaint ? "true" : "false", t->complaint ? 4 : 5, json && 0);
    if (json && t->complaint < 0) fputs("null", o);
    SEP(); put_text(o, d->fcr < 0 ? NULL : d->fcr ? "true" : "false", d->fcr ? 4 : 5, json && 0);
    if (json && d->fcr < 0) fputs("null", o);
    const char *w = sla_word(d->sla[SLA_FIRST_RESPONSE]);
    SEP(); put_text(o, w, w ? strlen(w) : 0, json);
    SEP(); put_time(o, d->sla_due[SLA_FIRST_RESPONSE], json);
    w = sla_word(d->sla[SLA_RESOLUTION]);
    SEP(); put_text(o, w, w ? strlen(w) : 0, json);
    SEP(); put_time(o, d->sla_due[SLA_RESOLUTION], json);
    int nr = d->sla[SLA_NEXT_REPLY] != SLA_NONE;
    SEP(); put_int(o, nr ? d->nr_met : -1, json);
    SEP(); put_int(o, nr ? d->nr_breached : -1, json);
#undef SEP
    fputs(json ? "}\n" : "\n", o);
    return ferror(o) ? CXM_EIO : CXM_OK;
}

int cxm_tickets_export(const cxm_report_opts *opts, cxm_format format, FILE *out, uint64_t *bad_rows,
                       cxm_diag *diag) {
    if (format != CXM_FORMAT_CSV && format != CXM_FORMAT_JSON) return CXM_EUSAGE;
    exporter E;
    memset(&E, 0, sizeof E);
    E.out = out;
    E.json = format == CXM_FORMAT_JSON;
    int rc = cxm_ctx_init(&E.c, opts, NULL, diag);
    if (!rc) {
        if (!E.json) {
            for (size_t i = 0; i < NCOLS; i++) fprintf(out, "%s%s", i ? "," : "", cols[i]);
            fputc('\n', out);
        }
        rc = cxm_ctx_run(&E.c, on_ticket);
    }
    if (bad_rows) *bad_rows = E.c.bad_rows;
    cxm_ctx_free(&E.c);
    return rc;
}
