/*
 * convert_callcentre.c - the `callcentre` import profile: one row per
 * phone call (the PwC call-centre data set's columns) into tickets.csv.
 *
 * Mapping (docs/IMPORT.md):
 *   ticket_id      = Call Id
 *   created_at     = Date + Time (naive, read as UTC; written RFC 3339 Z)
 *   channel        = phone
 *   agent          = Agent; topic = Topic; satisfaction = Satisfaction rating
 *   abandoned      = not Answered
 *   answered_at    = created_at + Speed of answer in seconds (answered calls)
 *   handle_seconds = AvgTalkDuration (HH:MM:SS, per call despite the name)
 *   resolved_at    = answered_at + talk time, when Resolved = Y
 *   agent_replies = 1, reopens = 0 for answered calls: a call is one contact
 *     and cannot be reopened (a repeat call is a new row we cannot link).
 *
 * Rule for defects: a row whose values contradict each other or leave the
 * call's instants unknown is bad (left out, with line and column): an
 * unparsable value, an empty Call Id or Answered, a duplicate Call Id, an
 * answered call without speed or talk time or with an empty Resolved, an
 * unanswered call that is resolved or has a non-zero speed or talk time
 * (zeros and empties are both "none" for unanswered calls). A defect that
 * leaves the call usable is a warning: a satisfaction rating on an
 * unanswered call, or one that is not a whole number from 1 to 5 (both kept
 * as text, since satisfaction is only a dimension here).
 *
 * One pass, constant memory per row plus the set of ids seen (24 bytes per
 * call); the data set has 5,000 calls.
 */
#include <string.h>

#include "core/diag.h"
#include "core/diag.h"
#include "core/idset.h"
#include "core/limits.h"
#include "io/convert.h"
#include "time/parse.h"

enum { CC_ID, CC_AGENT, CC_DATE, CC_TIME, CC_TOPIC, CC_ANSWERED, CC_RESOLVED, CC_SPEED, CC_TALK, CC_SAT, CC_N };

static const char *const IN_COLS[CC_N] = {"Call Id", "Agent", "Date", "Time", "Topic", "Answered (Y/N)",
                                          "Resolved", "Speed of answer in seconds", "AvgTalkDuration",
                                          "Satisfaction rating"};
#define REQUIRED                                                                                           \
    ((1u << CC_ID) | (1u << CC_DATE) | (1u << CC_TIME) | (1u << CC_ANSWERED) | (1u << CC_RESOLVED) |       \
     (1u << CC_SPEED) | (1u << CC_TALK))

static const char *const OUT_COLS[] = {"ticket_id",  "created_at",    "answered_at",   "resolved_at", "channel",
                                       "agent",      "abandoned",     "handle_seconds", "agent_replies",
                                       "reopens",    "topic",         "satisfaction",  "source_line"};

typedef struct call {
    cxm_field id, agent, topic, sat;
    cxm_time created;
    int answered, resolved;
    int64_t speed_ms, talk_ms; /* -1 when empty */
} call;

typedef struct ccstate {
    cxm_cvt *c;
    int idx[CC_N];
    cxm_idset seen;
    cxm_cvt_tally sat_unanswered, sat_range;
} ccstate;

#define COL(k) ((uint32_t)s->idx[k] + 1), IN_COLS[k]
/* A wait or a talk longer than this is a typo (and would overflow instants). */
#define MAX_CALL_MS (366LL * 86400 * 1000)

/* Parses and checks one row. Returns 1 when the row is usable, 0 when it
 * was reported as bad, or a negative error. */
static int read_call(ccstate *s, const cxm_field *f, size_t nf, uint64_t line, call *k) {
    cxm_cvt *c = s->c;
    char show[96];
    const char *why = NULL;
    int rc;
    memset(k, 0, sizeof *k);
    k->id = cxm_cvt_field(f, nf, s->idx[CC_ID]);
    k->agent = cxm_cvt_field(f, nf, s->idx[CC_AGENT]);
    k->topic = cxm_cvt_field(f, nf, s->idx[CC_TOPIC]);
    k->sat = cxm_cvt_field(f, nf, s->idx[CC_SAT]);
    cxm_field date = cxm_cvt_field(f, nf, s->idx[CC_DATE]), time = cxm_cvt_field(f, nf, s->idx[CC_TIME]);
    cxm_field ans = cxm_cvt_field(f, nf, s->idx[CC_ANSWERED]), res = cxm_cvt_field(f, nf, s->idx[CC_RESOLVED]);
    cxm_field speed = cxm_cvt_field(f, nf, s->idx[CC_SPEED]), talk = cxm_cvt_field(f, nf, s->idx[CC_TALK]);

    if (cxm_cvt_empty(k->id))
        return (rc = cxm_cvt_bad(c, line, COL(CC_ID), 1, "expected a call id, found an empty field")) ? rc : 0;
    cxm_time day;
    if (cxm_cvt_empty(date) || cxm_parse_time(date.ptr, date.len, NULL, CXM_DATE_YMD, &day, &why))
        return (rc = cxm_cvt_bad(c, line, COL(CC_DATE), 1, "expected a date such as 2021-01-31, found '%s'%s%s",
                                 cxm_cvt_show(date, show, sizeof show), why ? ": " : "", why ? why : ""))
                   ? rc
                   : 0;
    char when[128];
    why = NULL;
    if (cxm_cvt_empty(time) || date.len + time.len + 1 >= sizeof when)
        return (rc = cxm_cvt_bad(c, line, COL(CC_TIME), 1, "expected a time of day such as 09:12:58, found '%s'",
                                 cxm_cvt_show(time, show, sizeof show)))
                   ? rc
                   : 0;
    memcpy(when, date.ptr, date.len);
    when[date.len] = ' ';
    memcpy(when + date.len + 1, time.ptr, time.len);
    if (cxm_parse_time(when, date.len + 1 + time.len, NULL, CXM_DATE_YMD, &k->created, &why))
        return (rc = cxm_cvt_bad(c, line, COL(CC_TIME), 1, "expected a time of day such as 09:12:58, found '%s'%s%s",
                                 cxm_cvt_show(time, show, sizeof show), why ? ": " : "", why ? why : ""))
                   ? rc
                   : 0;
    if (cxm_cvt_empty(ans) || cxm_parse_bool(ans.ptr, ans.len, &k->answered))
        return (rc = cxm_cvt_bad(c, line, COL(CC_ANSWERED), 1, "expected Y or N, found '%s'",
                                 cxm_cvt_show(ans, show, sizeof show)))
                   ? rc
                   : 0;
    k->resolved = -1;
    if (!cxm_cvt_empty(res) && cxm_parse_bool(res.ptr, res.len, &k->resolved))
        return (rc = cxm_cvt_bad(c, line, COL(CC_RESOLVED), 1, "expected Y or N, found '%s'",
                                 cxm_cvt_show(res, show, sizeof show)))
                   ? rc
                   : 0;
    k->speed_ms = k->talk_ms = -1;
    if (!cxm_cvt_empty(speed) && (cxm_parse_duration(speed.ptr, speed.len, &k->speed_ms) || k->speed_ms < 0 ||
                                  k->speed_ms > MAX_CALL_MS))
        return (rc = cxm_cvt_bad(c, line, COL(CC_SPEED), 1, "expected seconds from 0 to a year, found '%s'",
                                 cxm_cvt_show(speed, show, sizeof show)))
                   ? rc
                   : 0;
    if (!cxm_cvt_empty(talk) && (cxm_parse_duration(talk.ptr, talk.len, &k->talk_ms) || k->talk_ms < 0 ||
                                 k->talk_ms > MAX_CALL_MS))
        return (rc = cxm_cvt_bad(c, line, COL(CC_TALK), 1,
                                 "expected a duration such as 00:02:23 (under a year), found '%s'",
                                 cxm_cvt_show(talk, show, sizeof show)))
                   ? rc
                   : 0;
    if (k->answered) {
        if (k->speed_ms < 0)
            return (rc = cxm_cvt_bad(c, line, COL(CC_SPEED), 1,
                                     "answered call without a speed of answer: expected the seconds it waited"))
                       ? rc
                       : 0;
        if (k->talk_ms < 0)
            return (rc = cxm_cvt_bad(c, line, COL(CC_TALK), 1,
                                     "answered call without a talk duration: expected HH:MM:SS"))
                       ? rc
                       : 0;
        if (k->resolved < 0)
            return (rc = cxm_cvt_bad(c, line, COL(CC_RESOLVED), 1,
                                     "answered call with an empty Resolved: expected Y or N"))
                       ? rc
                       : 0;
    } else {
        if (k->resolved == 1)
            return (rc = cxm_cvt_bad(c, line, COL(CC_RESOLVED), 1,
                                     "resolved but not answered: expected Resolved = N when Answered = N"))
                       ? rc
                       : 0;
        if (k->speed_ms > 0)
            return (rc = cxm_cvt_bad(c, line, COL(CC_SPEED), 1,
                                     "unanswered call with a speed of answer ('%s'): expected it empty",
                                     cxm_cvt_show(speed, show, sizeof show)))
                       ? rc
                       : 0;
        if (k->talk_ms > 0)
            return (rc = cxm_cvt_bad(c, line, COL(CC_TALK), 1,
                                     "unanswered call with a talk duration ('%s'): expected it empty",
                                     cxm_cvt_show(talk, show, sizeof show)))
                       ? rc
                       : 0;
        k->resolved = 0;
    }
    uint64_t first = 0;
    if ((rc = cxm_idset_add(&s->seen, cxm_idset_key(k->id.ptr, k->id.len), line, &first)))
        return cxm_diag_set(c->diag, rc, c->in, line, 0, NULL, "too many calls (limit %llu)",
                            (unsigned long long)CXM_MAX_RECORDS);
    if (first)
        return (rc = cxm_cvt_bad(c, line, COL(CC_ID), 1, "duplicate Call Id '%s' (first on line %llu): expected each call once",
                                 cxm_cvt_show(k->id, show, sizeof show), (unsigned long long)first))
                   ? rc
                   : 0;
    /* usable; warnings */
    if (!cxm_cvt_empty(k->sat)) {
        int64_t v;
        if (!k->answered) cxm_cvt_tally_add(&s->sat_unanswered, "line %llu", (unsigned long long)line);
        if (cxm_parse_int(k->sat.ptr, k->sat.len, &v) || v < 1 || v > 5)
            cxm_cvt_tally_add(&s->sat_range, "line %llu '%s'", (unsigned long long)line,
                              cxm_cvt_show(k->sat, show, sizeof show));
    }
    return 1;
}

static int write_call(cxm_cvt *c, const call *k, uint64_t line) {
    cxm_cvt_out *w = &c->tickets;
    cxm_time answered = k->answered ? k->created + k->speed_ms : CXM_TIME_NULL;
    cxm_time resolved = k->answered && k->resolved == 1 ? answered + k->talk_ms : CXM_TIME_NULL;
    cxm_cvt_put(w, k->id.ptr, k->id.len);
    cxm_cvt_put_time(w, k->created);
    cxm_cvt_put_time(w, answered);
    cxm_cvt_put_time(w, resolved);
    cxm_cvt_puts(w, "phone");
    cxm_cvt_put(w, k->agent.ptr, k->agent.len);
    cxm_cvt_puts(w, k->answered ? "false" : "true");
    if (k->answered) {
        cxm_cvt_put_secs(w, k->talk_ms);
        cxm_cvt_puts(w, "1");
        cxm_cvt_puts(w, "0");
    } else {
        cxm_cvt_put(w, NULL, 0);
        cxm_cvt_put(w, NULL, 0);
        cxm_cvt_put(w, NULL, 0);
    }
    cxm_cvt_put(w, k->topic.ptr, k->topic.len);
    cxm_cvt_put(w, k->sat.ptr, k->sat.len);
    cxm_cvt_put_int(w, (int64_t)line);
    return cxm_cvt_write_row(c, w);
}

int cxm_convert_callcentre(cxm_cvt *c) {
    ccstate s;
    memset(&s, 0, sizeof s);
    s.c = c;
    cxm_idset_init(&s.seen, CXM_MAX_RECORDS);
    cxm_rows *r = NULL;
    int rc = cxm_rows_open(&r, c->in, CXM_ROWS_CSV, c->delim, c->diag);
    if (!rc) rc = cxm_cvt_columns(c, r, IN_COLS, CC_N, REQUIRED, s.idx);
    if (!rc) rc = cxm_cvt_open(c, &c->tickets, "tickets.csv", OUT_COLS, sizeof OUT_COLS / sizeof OUT_COLS[0]);
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
        uint64_t line = cxm_rows_line(r);
        call k;
        int ok = read_call(&s, f, nf, line, &k);
        if (ok < 0) rc = ok;
        else if (ok) rc = write_call(c, &k, line);
    }
    if (!rc) {
        cxm_cvt_tally_warn(c, &s.sat_unanswered, "unanswered calls carry a satisfaction rating (kept)");
        cxm_cvt_tally_warn(c, &s.sat_range, "satisfaction ratings are not a whole number from 1 to 5 (kept as text)");
    }
    cxm_idset_free(&s.seen);
    cxm_rows_free(r);
    return rc;
}
