/*
 * ticket.h - one ticket as typed values, parsed and validated from a row of
 * the tickets stream, and the facts derived from a ticket's messages.
 *
 * Parsing checks each value's syntax and the order of its instants; a
 * violation makes the row bad (CXM_EPARSE, diag: file, line, column and
 * what was expected) and the caller skips and counts it.
 */
#ifndef CXM_TICKET_H
#define CXM_TICKET_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"
#include "io/rows.h"
#include "model/schema.h"
#include "time/parse.h"

typedef struct cxm_ticket {
    const char *id;
    size_t idlen;
    cxm_time created, first_response, first_resolved, resolved, closed, answered;
    int32_t reopens, agent_replies, customer_replies; /* -1 unknown */
    int64_t handle_ms;                                /* -1 unknown */
    int8_t abandoned, complaint;                      /* -1 unknown */
    /* from messages (when given) */
    cxm_time first_customer_msg;                      /* CXM_TIME_NULL if none */
    cxm_time open_turn;                               /* customer waiting since, or NULL */
    const int64_t *replies;                           /* nreplies (start, end) pairs */
    uint32_t nreplies;
    int has_messages;
    const struct cxm_msg_facts *facts;                /* the messages' facts (borrowed), NULL if none */
} cxm_ticket;

/* Facts derived from one ticket's messages (model/messages.c). */
typedef struct cxm_msg_facts {
    cxm_time first_customer, first_response, first_resolved, resolved, closed, open_turn;
    int32_t reopens, agent_replies, customer_replies;
    uint32_t reply_off, nreplies; /* into the replies array of (start, end) pairs */
    /* distinct non-empty agent values of public agent messages, -1 when the
     * messages have no agent column; public agent messages with an empty
     * agent (see cxm_msg_one_teammate in messages.h) */
    int32_t teammates, unnamed_replies;
    int present;
} cxm_msg_facts;

typedef struct cxm_parse_ctx {
    const char *file;
    const cxm_colmap *map;
    const cxm_field *names; /* header, for column names in messages */
    const cxm_tz *naive_tz;
    cxm_date_order order;
    uint32_t need;          /* bit k set: parse and check column TK_k (others stay unknown) */
} cxm_parse_ctx;

#define CXM_NEED_ALL UINT32_MAX

/* Parses row f[0..nf) into t (views into f stay borrowed). ticket_id and
 * created_at are always parsed; other columns only when ctx->need says so:
 * a report reads (and so checks) only the columns its metrics use. On an
 * error (nonzero) *t is unspecified and must not be read. */
int cxm_ticket_parse(const cxm_parse_ctx *ctx, const cxm_field *f, size_t nf, uint64_t line,
                     cxm_ticket *t, cxm_diag *diag) CXM_WUR;
/* Fills the ticket's empty values from its messages' facts (a non-empty
 * ticket column wins), then checks the order of the merged instants. */
int cxm_ticket_merge(cxm_ticket *t, const cxm_msg_facts *mf, const int64_t *replies,
                     const cxm_parse_ctx *ctx, uint64_t line, cxm_diag *diag) CXM_WUR;

#endif
