/*
 * messages.h - the messages stream: one row per event of a ticket (a
 * customer message, an agent or bot reply, a private note, a status
 * change). Read whole, grouped by ticket (counting sort on the ticket's id
 * code, then by time), and reduced to per-ticket facts (ticket.h).
 *
 * Sizes: millions of events; 24 bytes each while reading, then the facts
 * (one cxm_msg_facts per ticket) and the reply pairs (16 bytes per reply).
 */
#ifndef CXM_MESSAGES_H
#define CXM_MESSAGES_H
#include "core/dict.h"
#include "model/ticket.h"

typedef struct cxm_msgset {
    cxm_msg_facts *facts; /* indexed by id code in the shared id dict */
    size_t nfacts;
    int64_t *replies;     /* (start, end) pairs */
    size_t nreplies;
    uint64_t events, bad_rows;
    cxm_time max_time;    /* latest instant seen */
    int has_agent;        /* the file has an agent column (facts count teammates) */
} cxm_msgset;

typedef struct cxm_msg_opts {
    const char *path;
    char delimiter;
    const char *const *map;
    size_t nmap;
    const cxm_tz *naive_tz;
    cxm_date_order order;
    int bots_respond;
    int strict;
    /* bad-row callback: called for each bad row with its diag */
    void (*bad_row)(void *ud, const cxm_diag *d);
    void *ud;
} cxm_msg_opts;

/* The words a message's author and status may be (any case): customer
 * (end-user, requester), agent (admin, user, staff), bot (automation, ai,
 * assistant), system (trigger); statuses open/pending/hold/new/..., solved,
 * closed. *kind gets the CXM_AUTHOR_ / CXM_STATUS_ value; 0, or -1 for an
 * unknown word. An empty status is CXM_STATUS_NONE. */
enum { CXM_AUTHOR_CUSTOMER, CXM_AUTHOR_AGENT, CXM_AUTHOR_BOT, CXM_AUTHOR_SYSTEM };
enum { CXM_STATUS_NONE, CXM_STATUS_OPEN, CXM_STATUS_RESOLVED, CXM_STATUS_CLOSED };
int cxm_msg_author(const cxm_field *f, uint8_t *kind);
int cxm_msg_status(const cxm_field *f, uint8_t *kind);

/* Reads messages into ms, interning ticket ids into ids (shared with the
 * tickets reader so a ticket finds its facts by code). In strict mode the
 * first bad row is an error (CXM_EDATA). */
int cxm_msgset_load(const cxm_msg_opts *o, cxm_dict *ids, cxm_msgset *ms, cxm_diag *diag) CXM_WUR;
void cxm_msgset_free(cxm_msgset *ms);

/* Whether exactly one teammate replied in public, from a ticket's facts
 * (borrowed; NULL: no messages): 1 yes, 0 no, -1 undetermined (no
 * messages, no agent column, or unnamed replies that could change the
 * answer: one named teammate and an unnamed reply, or two unnamed replies
 * and no name). A single unnamed reply with no named teammate is one
 * teammate; two named teammates are two whoever wrote the unnamed ones. */
int cxm_msg_one_teammate(const cxm_msg_facts *f);

#endif
