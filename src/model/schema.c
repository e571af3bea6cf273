/*
 * schema.c - the canonical streams as data (see schema.h).
 */
#include "model/schema.h"

#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

static const cxm_coldef ticket_cols[] = {
    {"ticket_id", CXM_COL_ID, 1, "Unique id of the ticket, conversation, chat or call."},
    {"created_at", CXM_COL_TIME, 1, "When the customer's request arrived."},
    {"first_response_at", CXM_COL_TIME, 0, "First public reply by an agent (derived from messages when empty)."},
    {"first_resolved_at", CXM_COL_TIME, 0, "First time the ticket was solved (derived when empty)."},
    {"resolved_at", CXM_COL_TIME, 0, "Latest resolution; empty while unresolved."},
    {"closed_at", CXM_COL_TIME, 0, "When the ticket was closed for good."},
    {"answered_at", CXM_COL_TIME, 0, "Calls and chats: when an agent picked up."},
    {"channel", CXM_COL_DIM, 0, "email, chat, phone, web, social, ... (any text)."},
    {"agent", CXM_COL_DIM, 0, "Assignee."},
    {"team", CXM_COL_DIM, 0, "Group or team."},
    {"priority", CXM_COL_DIM, 0, "low, normal, high, urgent, ... (any text; SLA rules match it)."},
    {"status", CXM_COL_DIM, 0, "Current status: new, open, pending, hold, solved, closed."},
    {"customer_id", CXM_COL_DIM, 0, "The requester; used by the customer-based FCR rule."},
    {"reopens", CXM_COL_INT, 0, "Times the ticket went from solved back to open (derived when empty)."},
    {"agent_replies", CXM_COL_INT, 0, "Public agent replies (derived when empty)."},
    {"customer_replies", CXM_COL_INT, 0, "Public customer messages (derived when empty)."},
    {"handle_seconds", CXM_COL_SECONDS, 0, "Agent handle time: seconds, HH:MM:SS or 1h30m."},
    {"abandoned", CXM_COL_BOOL, 0, "Calls and chats: the customer left before an answer."},
    {"complaint", CXM_COL_BOOL, 0, "The ticket is a complaint."},
    {"tags", CXM_COL_TAGS, 0, "';'-separated tags."},
};
const cxm_stream_def cxm_stream_tickets = {"tickets", "tickets.csv", ticket_cols,
                                           sizeof ticket_cols / sizeof ticket_cols[0]};

static const cxm_coldef message_cols[] = {
    {"ticket_id", CXM_COL_ID, 1, "The ticket this event belongs to."},
    {"at", CXM_COL_TIME, 1, "When the event happened."},
    {"author", CXM_COL_AUTHOR, 1, "customer, agent, bot or system."},
    {"public", CXM_COL_BOOL, 0, "Visible to the customer (default true); private notes never count as replies."},
    {"status", CXM_COL_DIM, 0, "The status this event sets: open, pending, hold, solved, closed (empty: none)."},
    {"agent", CXM_COL_DIM, 0, "The teammate who wrote the event (author agent); FCR one_teammate counts them."},
};
const cxm_stream_def cxm_stream_messages = {"messages", "messages.csv", message_cols,
                                            sizeof message_cols / sizeof message_cols[0]};

static const cxm_coldef response_cols[] = {
    {"response_id", CXM_COL_ID, 1, "Unique id of the answer (or of the survey sent)."},
    {"at", CXM_COL_TIME, 1, "When it was answered (or sent, for unanswered surveys)."},
    {"survey", CXM_COL_DIM, 1, "csat, ces, nps, enps, esat, or any name (with scale_min/scale_max)."},
    {"score", CXM_COL_NUMBER, 0, "The answer, a whole number on the scale; empty: sent, not answered."},
    {"scale_min", CXM_COL_INT, 0, "Lowest score of the scale (default by survey: csat 1, ces 1, nps 0)."},
    {"scale_max", CXM_COL_INT, 0, "Highest score (default: csat 5, ces 7, nps and enps 10)."},
    {"ticket_id", CXM_COL_DIM, 0, "The ticket answered about: joins the ticket's agent, team and channel."},
    {"customer_id", CXM_COL_DIM, 0, "Who answered."},
    {"agent", CXM_COL_DIM, 0, "Agent rated (else the ticket's)."},
    {"channel", CXM_COL_DIM, 0, "Channel (else the ticket's)."},
    {"comment", CXM_COL_DIM, 0, "Free text: themes and key phrases."},
    {"sent", CXM_COL_BOOL, 0, "The row stands for a survey sent (for response_rate)."},
};
const cxm_stream_def cxm_stream_responses = {"responses", "responses.csv", response_cols,
                                             sizeof response_cols / sizeof response_cols[0]};

static int field_eq(const cxm_field *f, const char *s, size_t n) {
    return f->ptr && f->len == n && memcmp(f->ptr, s, n) == 0;
}

int cxm_colmap_find(const cxm_colmap *m, const cxm_field *names, size_t n, const char *name) {
    for (size_t c = 0; c < m->stream->ncols; c++)
        if (!strcmp(m->stream->cols[c].name, name)) return m->src[c];
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (field_eq(&names[i], name, len)) return (int)i;
    return -1;
}

int cxm_colmap_resolve(cxm_colmap *m, const cxm_stream_def *s, const char *file,
                       const cxm_field *names, size_t n, const char *const *map,
                       size_t nmap, cxm_diag *diag) {
    memset(m, 0, sizeof *m);
    m->stream = s;
    m->nsrc = n;
    for (size_t c = 0; c < 64; c++) m->src[c] = -1;
    m->canon_of_src = malloc((n ? n : 1) * sizeof *m->canon_of_src);
    if (!m->canon_of_src) return CXM_ENOMEM;
    for (size_t i = 0; i < n; i++) m->canon_of_src[i] = -1;
    /* renames first: they win over a same-named column */
    for (size_t k = 0; k < nmap; k++) {
        const char *eq = strchr(map[k], '=');
        if (!eq || eq == map[k] || !eq[1])
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "--map '%s': expected [STREAM.]CANONICAL=SOURCE", map[k]);
        /* "responses.ticket_id=x" applies to one stream; an unprefixed rename
         * applies to every stream that has the canonical column, and is
         * required to match only in the tickets (the primary stream) */
        const char *canon_name = map[k];
        const char *dot = memchr(map[k], '.', (size_t)(eq - map[k]));
        int prefixed = 0;
        if (dot) {
            size_t sl = (size_t)(dot - map[k]);
            if (!(strlen(s->name) == sl && !memcmp(s->name, map[k], sl))) continue; /* another stream's */
            canon_name = dot + 1;
            prefixed = 1;
        }
        size_t clen = (size_t)(eq - canon_name);
        int canon = -1;
        for (size_t c = 0; c < s->ncols; c++)
            if (strlen(s->cols[c].name) == clen && !memcmp(s->cols[c].name, canon_name, clen)) canon = (int)c;
        if (canon < 0) {
            if (prefixed)
                return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--map %s: %s has no canonical column '%.*s'",
                                    map[k], s->name, (int)clen, canon_name);
            continue; /* belongs to another stream's map */
        }
        const char *src = eq + 1;
        int found = -1;
        for (size_t i = 0; i < n; i++)
            if (field_eq(&names[i], src, strlen(src))) found = (int)i;
        if (found < 0 && !prefixed && s != &cxm_stream_tickets) continue;
        if (found < 0)
            return cxm_diag_set(diag, CXM_EUSAGE, file, 1, 0, NULL,
                                "--map %s: the header has no column '%s'", map[k], src);
        m->src[canon] = found;
        m->canon_of_src[found] = canon;
    }
    for (size_t c = 0; c < s->ncols; c++) {
        if (m->src[c] >= 0) continue;
        size_t len = strlen(s->cols[c].name);
        for (size_t i = 0; i < n; i++) {
            if (m->canon_of_src[i] < 0 && field_eq(&names[i], s->cols[c].name, len)) {
                m->src[c] = (int)i;
                m->canon_of_src[i] = (int)c;
                break;
            }
        }
        if (m->src[c] < 0 && s->cols[c].required)
            return cxm_diag_set(diag, CXM_EDATA, file, 1, 0, NULL,
                                "%s needs a column '%s' (use --map %s=YOUR_COLUMN)",
                                s->name, s->cols[c].name, s->cols[c].name);
    }
    return CXM_OK;
}

void cxm_colmap_free(cxm_colmap *m) {
    if (!m) return;
    free(m->canon_of_src);
    m->canon_of_src = NULL;
}
