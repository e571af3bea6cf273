/*
 * convert_itsm.c - the `itsm` import profile: a ServiceNow-style incident
 * event log (the UCI "incident management process enriched event log":
 * one row per update of an incident, `?` for missing values, DD-MM-YYYY
 * HH:MM instants) into tickets.csv (one row per incident) and messages.csv
 * (one status event per source row).
 *
 * Mapping (docs/IMPORT.md):
 *   messages: ticket_id = number, at = sys_updated_at, author = system,
 *     public = false, status = incident_state mapped (New, Active, In
 *     Progress, On Hold, Awaiting * -> open; Resolved -> solved; Closed ->
 *     closed), state = incident_state as given, source_line. No agent
 *     column: every event is a system status change, and assigned_to says
 *     who held the incident, not who wrote to the caller (an empty column
 *     would make --fcr-rule one_teammate read "no teammate replied"; without
 *     it the rule has no value and says why).
 *   tickets: ticket_id = number, created_at = opened_at, and from the
 *     incident's latest event (by sys_updated_at, file order breaking ties):
 *     channel = contact_type, team = assignment_group, agent = assigned_to,
 *     priority, customer_id = caller_id, status (mapped state), state,
 *     category, subcategory, impact, urgency, made_sla, reassignment_count,
 *     and the log's own reopen_count, resolved_at and closed_at under
 *     log_* names. first_resolved_at, resolved_at, closed_at and reopens
 *     are NOT written: a non-empty ticket column would win over the state
 *     history, and the history is the one source for all of them.
 *
 * Defects. An event row is bad (left out alone) when its number is empty,
 * its state unknown or its sys_updated_at missing or unreadable. An
 * incident is bad (left out with all its events, reported at the line of
 * the defect) when its opened_at is missing or unreadable or changes
 * between events, when the history resolves it before it was opened, or
 * when the log's resolved_at or closed_at is before opened_at. Events out
 * of time order are fine (the derivation sorts them). Warnings, each with
 * a count and the first ids: events dated before opened_at; derived reopens
 * differing from the log's reopen_count; the log's resolved_at differing
 * from the derived latest resolution (entry into the final resolved state)
 * or missing; unreadable log resolved_at/closed_at (written empty).
 *
 * Memory: 24 bytes per event plus, per incident, its latest values (one
 * block) and a few instants; the full UCI log (141,712 events, 24,918
 * incidents) needs a few MB.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/dict.h"
#include "core/limits.h"
#include "io/convert.h"
#include "time/parse.h"

enum {
    IT_NUMBER, IT_STATE, IT_UPDATED, IT_OPENED, /* required */
    IT_CONTACT, IT_GROUP, IT_ASSIGNED, IT_PRIORITY, IT_CALLER, IT_CATEGORY, IT_SUBCATEGORY, IT_IMPACT,
    IT_URGENCY, IT_MADE_SLA, IT_REASSIGN, IT_REOPEN, IT_RESOLVED, IT_CLOSED, IT_N
};
static const char *const IN_COLS[IT_N] = {
    "number",   "incident_state", "sys_updated_at", "opened_at", "contact_type", "assignment_group",
    "assigned_to", "priority",    "caller_id",      "category",  "subcategory",  "impact",
    "urgency",  "made_sla",       "reassignment_count", "reopen_count", "resolved_at", "closed_at"};
#define REQUIRED ((1u << IT_NUMBER) | (1u << IT_STATE) | (1u << IT_UPDATED) | (1u << IT_OPENED))
/* the latest event's values kept per incident: IN_COLS[SNAP_FIRST..IT_N) and the state */
#define SNAP_FIRST IT_CONTACT
#define SNAP_STATE (IT_N - SNAP_FIRST)
#define NSNAP (SNAP_STATE + 1)

static const char *const TICKET_COLS[] = {
    "ticket_id", "created_at", "channel",     "team",   "agent",   "priority", "status",
    "customer_id", "category", "subcategory", "impact", "urgency", "made_sla", "reassignment_count",
    "state",     "log_reopen_count", "log_resolved_at", "log_closed_at", "source_line"};
static const char *const MESSAGE_COLS[] = {"ticket_id", "at", "author", "public", "status", "state", "source_line"};

enum { ST_OPEN, ST_SOLVED, ST_CLOSED };
static const char *const ST_NAME[] = {"open", "solved", "closed"};

typedef struct event {
    int64_t at;
    uint64_t line;
    uint32_t inc;   /* incident code */
    uint16_t state; /* code of the raw state text */
    uint8_t status; /* ST_* */
} event;

typedef struct incident {
    uint64_t first_line, nevents;
    cxm_time opened;        /* CXM_TIME_NULL until read */
    uint64_t opened_line;
    cxm_time snap_at;
    uint64_t snap_line;
    uint8_t snap_status;
    uint32_t *snap;         /* owned: NSNAP + 1 offsets, then the bytes */
    /* the first defect that makes the incident bad, or bad_line == 0 */
    uint64_t bad_line;
    int bad_col;            /* IN_COLS index */
    char *bad_msg;          /* owned */
} incident;

typedef struct itsm {
    cxm_cvt *c;
    int idx[IT_N];
    cxm_dict ids, states;
    incident *incs;
    size_t ninc, inc_cap;
    event *ev;
    size_t nev, ev_cap;
} itsm;

static int ieq_prefix(cxm_field f, const char *p, int whole) {
    size_t n = strlen(p);
    if (f.len < n || (whole && f.len != n)) return 0;
    for (size_t i = 0; i < n; i++) {
        char a = f.ptr[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (a != p[i]) return 0;
    }
    return 1;
}

static int map_state(cxm_field f, uint8_t *out) {
    if (cxm_cvt_empty(f)) return -1;
    if (ieq_prefix(f, "resolved", 1)) *out = ST_SOLVED;
    else if (ieq_prefix(f, "closed", 1)) *out = ST_CLOSED;
    else if (ieq_prefix(f, "new", 1) || ieq_prefix(f, "active", 1) || ieq_prefix(f, "in progress", 1) ||
             ieq_prefix(f, "on hold", 1) || ieq_prefix(f, "awaiting", 0))
        *out = ST_OPEN;
    else return -1;
    return 0;
}

/* The log's "?" means missing. */
static cxm_field val(const itsm *s, const cxm_field *f, size_t nf, int k) {
    cxm_field v = cxm_cvt_field(f, nf, s->idx[k]);
    if (v.len == 1 && v.ptr[0] == '?') v.len = 0;
    return v;
}

static int parse_when(cxm_field v, cxm_time *out, const char **why) {
    *why = NULL;
    if (cxm_cvt_empty(v)) return -1;
    return cxm_parse_time(v.ptr, v.len, NULL, CXM_DATE_DMY, out, why) ? -1 : 0;
}

static cxm_field snap_get(const incident *in, int k) {
    cxm_field r = {NULL, 0};
    if (!in->snap) return r;
    const char *base = (const char *)(in->snap + NSNAP + 1);
    r.ptr = base + in->snap[k];
    r.len = in->snap[k + 1] - in->snap[k];
    return r;
}

static int take_snapshot(itsm *s, incident *in, const cxm_field *f, size_t nf, cxm_field state) {
    cxm_field v[NSNAP];
    size_t total = 0;
    for (int k = 0; k < SNAP_STATE; k++) {
        v[k] = val(s, f, nf, SNAP_FIRST + k);
        total += v[k].len;
    }
    v[SNAP_STATE] = state;
    total += state.len;
    if (total > CXM_MAX_RECORD_BYTES) return CXM_ELIMIT;
    uint32_t *p = malloc((NSNAP + 1) * sizeof *p + total + 1);
    if (!p) return CXM_ENOMEM;
    char *base = (char *)(p + NSNAP + 1);
    uint32_t off = 0;
    for (int k = 0; k < NSNAP; k++) {
        p[k] = off;
        if (v[k].len) memcpy(base + off, v[k].ptr, v[k].len);
        off += (uint32_t)v[k].len;
    }
    p[NSNAP] = off;
    free(in->snap);
    in->snap = p;
    return CXM_OK;
}

static int mark_bad(incident *in, uint64_t line, int col, const char *fmt, ...) CXM_PRINTF(4, 5);
static int mark_bad(incident *in, uint64_t line, int col, const char *fmt, ...) {
    if (in->bad_line) return CXM_OK; /* the first defect is the one reported */
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t n = strlen(msg);
    in->bad_msg = malloc(n + 1);
    if (!in->bad_msg) return CXM_ENOMEM;
    memcpy(in->bad_msg, msg, n + 1);
    in->bad_line = line;
    in->bad_col = col;
    return CXM_OK;
}

static double hours(cxm_time a, cxm_time b) { return (double)(b - a) / 3600000.0; }

#define COL(k) ((uint32_t)s->idx[k] + 1), IN_COLS[k]

/* Reads one event row: 1 kept, 0 reported bad, < 0 error. */
static int read_event(itsm *s, const cxm_field *f, size_t nf, uint64_t line) {
    cxm_cvt *c = s->c;
    char show[96], t1[48];
    const char *why;
    int rc;
    cxm_field num = val(s, f, nf, IT_NUMBER), st = val(s, f, nf, IT_STATE), up = val(s, f, nf, IT_UPDATED);
    event e;
    memset(&e, 0, sizeof e);
    e.line = line;
    if (cxm_cvt_empty(num))
        return (rc = cxm_cvt_bad(c, line, COL(IT_NUMBER), 1, "expected an incident number, found '%s'",
                                 cxm_cvt_show(cxm_cvt_field(f, nf, s->idx[IT_NUMBER]), show, sizeof show)))
                   ? rc
                   : 0;
    if (map_state(st, &e.status))
        return (rc = cxm_cvt_bad(c, line, COL(IT_STATE), 1,
                                 "expected New, Active, In Progress, On Hold, Awaiting ..., Resolved or Closed, "
                                 "found '%s'",
                                 cxm_cvt_show(st, show, sizeof show)))
                   ? rc
                   : 0;
    if (parse_when(up, &e.at, &why))
        return (rc = cxm_cvt_bad(c, line, COL(IT_UPDATED), 1,
                                 "expected an instant such as 29-02-2016 01:16, found '%s'%s%s",
                                 cxm_cvt_show(cxm_cvt_field(f, nf, s->idx[IT_UPDATED]), show, sizeof show),
                                 why ? ": " : "", why ? why : ""))
                   ? rc
                   : 0;
    uint32_t code, scode;
    int added;
    if ((rc = cxm_dict_intern(&s->ids, num.ptr, num.len, &code, &added)) ||
        (rc = cxm_dict_intern(&s->states, st.ptr, st.len, &scode, NULL)))
        return cxm_diag_set(c->diag, rc, c->in, line, 0, NULL, "too many distinct incidents or states");
    if (scode > UINT16_MAX)
        return cxm_diag_set(c->diag, CXM_ELIMIT, c->in, line, (uint32_t)s->idx[IT_STATE] + 1, NULL,
                            "more than %u distinct incident_state texts", (unsigned)UINT16_MAX);
    e.inc = code;
    e.state = (uint16_t)scode;
    if (added) {
        if (s->ninc == s->inc_cap) {
            size_t cap = s->inc_cap ? s->inc_cap * 2 : 1024;
            incident *p = realloc(s->incs, cap * sizeof *p);
            if (!p) return CXM_ENOMEM;
            s->incs = p;
            s->inc_cap = cap;
        }
        incident *in = &s->incs[s->ninc++];
        memset(in, 0, sizeof *in);
        in->first_line = line;
        in->opened = in->snap_at = CXM_TIME_NULL;
    }
    incident *in = &s->incs[code];
    /* opened_at: one value per incident */
    cxm_field op = val(s, f, nf, IT_OPENED);
    cxm_time opened;
    if (parse_when(op, &opened, &why)) {
        if ((rc = mark_bad(in, line, IT_OPENED, "expected an instant such as 29-02-2016 01:16, found '%s'%s%s",
                           cxm_cvt_show(cxm_cvt_field(f, nf, s->idx[IT_OPENED]), show, sizeof show),
                           why ? ": " : "", why ? why : "")))
            return rc;
    } else if (in->opened == CXM_TIME_NULL) {
        in->opened = opened;
        in->opened_line = line;
    } else if (opened != in->opened) {
        cxm_cvt_format_time(in->opened, t1, sizeof t1);
        if ((rc = mark_bad(in, line, IT_OPENED,
                           "opened_at changes within the incident: '%s' here, %s on line %llu: expected one value",
                           cxm_cvt_show(op, show, sizeof show), t1, (unsigned long long)in->opened_line)))
            return rc;
    }
    if (in->snap_at == CXM_TIME_NULL || e.at >= in->snap_at) {
        if ((rc = take_snapshot(s, in, f, nf, st)))
            return cxm_diag_set(c->diag, rc, c->in, line, 0, NULL, "cannot keep the incident's values");
        in->snap_at = e.at;
        in->snap_line = line;
        in->snap_status = e.status;
    }
    in->nevents++;
    if (s->nev == s->ev_cap) {
        if (s->nev >= CXM_MAX_RECORDS)
            return cxm_diag_set(c->diag, CXM_ELIMIT, c->in, line, 0, NULL, "more than %llu events",
                                (unsigned long long)CXM_MAX_RECORDS);
        size_t cap = s->ev_cap ? s->ev_cap * 2 : 4096;
        event *p = realloc(s->ev, cap * sizeof *p);
        if (!p) return CXM_ENOMEM;
        s->ev = p;
        s->ev_cap = cap;
    }
    s->ev[s->nev++] = e;
    return 1;
}

static int cmp_event(const void *a, const void *b) {
    const event *x = a, *y = b;
    if (x->at != y->at) return x->at < y->at ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* What the state history says about one incident (model/messages.c rules). */
typedef struct history {
    cxm_time first_at, first_resolved, resolved, closed;
    uint64_t first_resolved_line;
    int32_t reopens;
} history;

static void derive(const event *ev, size_t n, history *h) {
    int resolved_state = 0;
    cxm_time last = CXM_TIME_NULL;
    h->first_at = n ? ev[0].at : CXM_TIME_NULL;
    h->first_resolved = h->resolved = h->closed = CXM_TIME_NULL;
    h->first_resolved_line = 0;
    h->reopens = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].status == ST_SOLVED || ev[i].status == ST_CLOSED) {
            if (!resolved_state) {
                resolved_state = 1;
                last = ev[i].at;
                if (h->first_resolved == CXM_TIME_NULL) {
                    h->first_resolved = ev[i].at;
                    h->first_resolved_line = ev[i].line;
                }
            }
            if (ev[i].status == ST_CLOSED && h->closed == CXM_TIME_NULL) h->closed = ev[i].at;
        } else if (resolved_state) {
            resolved_state = 0;
            h->reopens++;
        }
    }
    h->resolved = resolved_state ? last : CXM_TIME_NULL;
}

typedef struct tallies {
    cxm_cvt_tally early, reopen, res_differs, res_missing, unreadable;
} tallies;

/* Checks an incident against its history; warnings into t. */
static int check_incident(incident *in, const history *h, const char *id, tallies *t) {
    char a[48], b[48];
    const char *why;
    if (in->bad_line) return CXM_OK;
    if (h->first_resolved != CXM_TIME_NULL && h->first_resolved < in->opened) {
        cxm_cvt_format_time(h->first_resolved, a, sizeof a);
        cxm_cvt_format_time(in->opened, b, sizeof b);
        return mark_bad(in, h->first_resolved_line, IT_UPDATED,
                        "resolved at %s, %.3f hours before it was opened (opened_at %s): expected "
                        "resolution at or after opening",
                        a, hours(h->first_resolved, in->opened), b);
    }
    cxm_time logres = CXM_TIME_NULL, logclo = CXM_TIME_NULL;
    cxm_field fr = snap_get(in, IT_RESOLVED - SNAP_FIRST), fc = snap_get(in, IT_CLOSED - SNAP_FIRST);
    if (!cxm_cvt_empty(fr) && parse_when(fr, &logres, &why)) {
        logres = CXM_TIME_NULL;
        cxm_cvt_tally_add(&t->unreadable, "%s resolved_at line %llu", id, (unsigned long long)in->snap_line);
    }
    if (!cxm_cvt_empty(fc) && parse_when(fc, &logclo, &why)) {
        logclo = CXM_TIME_NULL;
        cxm_cvt_tally_add(&t->unreadable, "%s closed_at line %llu", id, (unsigned long long)in->snap_line);
    }
    if (logres != CXM_TIME_NULL && logres < in->opened) {
        cxm_cvt_format_time(in->opened, b, sizeof b);
        return mark_bad(in, in->snap_line, IT_RESOLVED,
                        "resolved_at is %.3f hours before opened_at (%s): expected it at or after",
                        hours(logres, in->opened), b);
    }
    if (logclo != CXM_TIME_NULL && logclo < in->opened) {
        cxm_cvt_format_time(in->opened, b, sizeof b);
        return mark_bad(in, in->snap_line, IT_CLOSED,
                        "closed_at is %.3f hours before opened_at (%s): expected it at or after",
                        hours(logclo, in->opened), b);
    }
    /* usable: compare with the log's own fields */
    if (h->first_at < in->opened) cxm_cvt_tally_add(&t->early, "%s", id);
    cxm_field fro = snap_get(in, IT_REOPEN - SNAP_FIRST);
    int64_t logreo;
    if (!cxm_cvt_empty(fro) && cxm_parse_int(fro.ptr, fro.len, &logreo) == CXM_OK && logreo != h->reopens)
        cxm_cvt_tally_add(&t->reopen, "%s derived %d, log %lld", id, (int)h->reopens, (long long)logreo);
    if (h->resolved != CXM_TIME_NULL && logres == CXM_TIME_NULL && cxm_cvt_empty(fr))
        cxm_cvt_tally_add(&t->res_missing, "%s", id);
    else if (logres != CXM_TIME_NULL && logres != h->resolved) {
        cxm_cvt_format_time(logres, a, sizeof a);
        if (h->resolved != CXM_TIME_NULL) cxm_cvt_format_time(h->resolved, b, sizeof b);
        else snprintf(b, sizeof b, "unresolved");
        cxm_cvt_tally_add(&t->res_differs, "%s log %s, derived %s", id, a, b);
    }
    return CXM_OK;
}

static int write_ticket(itsm *s, const incident *in, const char *id, size_t idlen) {
    cxm_cvt_out *w = &s->c->tickets;
    cxm_cvt_put(w, id, idlen);
    cxm_cvt_put_time(w, in->opened);
    static const int dims[] = {IT_CONTACT, IT_GROUP, IT_ASSIGNED, IT_PRIORITY};
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
        cxm_field v = snap_get(in, dims[i] - SNAP_FIRST);
        cxm_cvt_put(w, v.ptr, v.len);
    }
    cxm_cvt_puts(w, ST_NAME[in->snap_status]);
    static const int dims2[] = {IT_CALLER,  IT_CATEGORY, IT_SUBCATEGORY, IT_IMPACT,
                                IT_URGENCY, IT_MADE_SLA, IT_REASSIGN};
    for (size_t i = 0; i < sizeof dims2 / sizeof dims2[0]; i++) {
        cxm_field v = snap_get(in, dims2[i] - SNAP_FIRST);
        cxm_cvt_put(w, v.ptr, v.len);
    }
    cxm_field v = snap_get(in, SNAP_STATE);
    cxm_cvt_put(w, v.ptr, v.len);
    v = snap_get(in, IT_REOPEN - SNAP_FIRST);
    cxm_cvt_put(w, v.ptr, v.len);
    for (int k = IT_RESOLVED; k <= IT_CLOSED; k++) {
        cxm_time t;
        const char *why;
        v = snap_get(in, k - SNAP_FIRST);
        cxm_cvt_put_time(w, parse_when(v, &t, &why) ? CXM_TIME_NULL : t);
    }
    cxm_cvt_put_int(w, (int64_t)in->first_line);
    return cxm_cvt_write_row(s->c, w);
}

static int write_message(itsm *s, const event *e) {
    cxm_cvt_out *w = &s->c->messages;
    const char *id = cxm_dict_str(&s->ids, e->inc);
    cxm_cvt_put(w, id, s->ids.lens[e->inc]);
    cxm_cvt_put_time(w, e->at);
    cxm_cvt_puts(w, "system");
    cxm_cvt_puts(w, "false");
    cxm_cvt_puts(w, ST_NAME[e->status]);
    cxm_cvt_put(w, cxm_dict_str(&s->states, e->state), s->states.lens[e->state]);
    cxm_cvt_put_int(w, (int64_t)e->line);
    return cxm_cvt_write_row(s->c, w);
}

/* After reading: sort each incident's events by time, check, write. */
static int finish(itsm *s) {
    cxm_cvt *c = s->c;
    int rc = CXM_OK;
    size_t *start = calloc(s->ninc + 1, sizeof *start);
    event *sorted = malloc((s->nev ? s->nev : 1) * sizeof *sorted);
    if (!start || !sorted) {
        free(start);
        free(sorted);
        return CXM_ENOMEM;
    }
    for (size_t i = 0; i < s->nev; i++) start[s->ev[i].inc + 1]++;
    for (size_t k = 0; k < s->ninc; k++) start[k + 1] += start[k];
    for (size_t i = 0; i < s->nev; i++) sorted[start[s->ev[i].inc]++] = s->ev[i];
    /* start[k] is now the end of incident k's run */
    tallies t;
    memset(&t, 0, sizeof t);
    size_t b = 0;
    for (size_t k = 0; k < s->ninc && !rc; k++) {
        size_t e = start[k];
        if (e - b > 1) qsort(sorted + b, e - b, sizeof *sorted, cmp_event);
        history h;
        derive(sorted + b, e - b, &h);
        rc = check_incident(&s->incs[k], &h, cxm_dict_str(&s->ids, (uint32_t)k), &t);
        b = e;
    }
    free(start);
    free(sorted);
    /* bad incidents, then the good ones */
    for (size_t k = 0; k < s->ninc && !rc; k++) {
        incident *in = &s->incs[k];
        if (!in->bad_line) continue;
        rc = cxm_cvt_bad(c, in->bad_line, (uint32_t)s->idx[in->bad_col] + 1, IN_COLS[in->bad_col], in->nevents,
                         "incident %s: %s", cxm_dict_str(&s->ids, (uint32_t)k), in->bad_msg);
    }
    if (!rc) rc = cxm_cvt_open(c, &c->tickets, "tickets.csv", TICKET_COLS, sizeof TICKET_COLS / sizeof TICKET_COLS[0]);
    if (!rc) rc = cxm_cvt_open(c, &c->messages, "messages.csv", MESSAGE_COLS, sizeof MESSAGE_COLS / sizeof MESSAGE_COLS[0]);
    for (size_t k = 0; k < s->ninc && !rc; k++)
        if (!s->incs[k].bad_line)
            rc = write_ticket(s, &s->incs[k], cxm_dict_str(&s->ids, (uint32_t)k), s->ids.lens[k]);
    for (size_t i = 0; i < s->nev && !rc; i++)
        if (!s->incs[s->ev[i].inc].bad_line) rc = write_message(s, &s->ev[i]);
    if (!rc) {
        cxm_cvt_tally_warn(c, &t.reopen,
                           "incidents whose reopens derived from the state history differ from the log's "
                           "reopen_count (cxm uses the history)");
        cxm_cvt_tally_warn(c, &t.res_differs,
                           "incidents whose log resolved_at differs from the derived latest resolution (entry "
                           "into the final Resolved/Closed state, which cxm uses)");
        cxm_cvt_tally_warn(c, &t.res_missing,
                           "resolved incidents with no resolved_at in the log (cxm uses the state history)");
        cxm_cvt_tally_warn(c, &t.early, "incidents have events dated before their opened_at (kept)");
        cxm_cvt_tally_warn(c, &t.unreadable, "unreadable log resolved_at/closed_at values (written empty)");
    }
    return rc;
}

int cxm_convert_itsm(cxm_cvt *c) {
    itsm s;
    memset(&s, 0, sizeof s);
    s.c = c;
    cxm_dict_init(&s.ids, CXM_MAX_DICT_VALUES);
    cxm_dict_init(&s.states, CXM_MAX_DICT_VALUES);
    cxm_rows *r = NULL;
    int rc = cxm_rows_open(&r, c->in, CXM_ROWS_CSV, c->delim, c->diag);
    if (!rc) rc = cxm_cvt_columns(c, r, IN_COLS, IT_N, REQUIRED, s.idx);
    while (!rc) {
        const cxm_field *f;
        size_t nf;
        cxm_diag rowdiag;
        int got = cxm_rows_next(r, &f, &nf, &rowdiag);
        if (got == 0) break;
        if (got < 0 && got != CXM_EPARSE) {
            if (c->diag) *c->diag = rowdiag;
            rc = got;
            break;
        }
        c->rows_read++;
        if (got == CXM_EPARSE) {
            rc = cxm_cvt_bad_diag(c, &rowdiag);
            continue;
        }
        int ok = read_event(&s, f, nf, cxm_rows_line(r));
        if (ok < 0) rc = ok;
    }
    cxm_rows_free(r);
    if (!rc) rc = finish(&s);
    for (size_t k = 0; k < s.ninc; k++) {
        free(s.incs[k].snap);
        free(s.incs[k].bad_msg);
    }
    free(s.incs);
    free(s.ev);
    cxm_dict_free(&s.ids);
    cxm_dict_free(&s.states);
    return rc;
}
