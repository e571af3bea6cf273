/*
 * preset.h - definition choices, named. Where vendors disagree on what a
 * metric counts, the choice is a field here with a documented default, and
 * a preset bundles the choices one product makes (docs/PRESETS.md gives the
 * evidence for each).
 */
#ifndef CXM_PRESET_H
#define CXM_PRESET_H
#include "cxm.h"

/* one_touch: at most one public agent reply and no reopen; no_reopen:
 * closed once; replies:N: at most N public agent replies; no_followup: at
 * most one public customer message (the opening one: the customer never
 * wrote again), whatever the agents sent (Freshworks' rule); one_teammate:
 * closed once and exactly one teammate sent public replies, however many
 * (Intercom's "closed once with one participating teammate"; needs
 * messages with an agent column). */
typedef enum { FCR_ONE_TOUCH, FCR_NO_REOPEN, FCR_REPLIES, FCR_NO_FOLLOWUP, FCR_ONE_TEAMMATE } cxm_fcr_rule;
/* created: every metric under the ticket's creation date; resolved:
 * resolution metrics (first/full/complaint resolution time, fcr, reopen
 * rate) under the resolution date; event: those, and frt under the first
 * response's date. */
typedef enum { RD_CREATED, RD_RESOLVED, RD_EVENT } cxm_report_date;

typedef struct cxm_defs {
    const char *name;
    int bots_respond;           /* a bot's public reply is a response */
    int frt_from_customer_msg;  /* FRT starts at the first customer message (messages given) */
    int business_when_calendar; /* durations in business time when a calendar is given */
    cxm_fcr_rule fcr_rule;
    int fcr_max_replies;        /* one_touch: 1; replies:N: N */
    cxm_report_date report_date; /* the date a ticket's metric is reported under */
    int resolution_first;       /* resolution_time measures the first resolution */
    const char *default_stats;  /* e.g. "mean,median,p90" */
} cxm_defs;

/* Fills d with preset name (NULL = "cxm"); CXM_ENOTFOUND if unknown. */
int cxm_defs_preset(const char *name, cxm_defs *d) CXM_WUR;
/* The preset names, NULL-terminated (for --help and docs). */
extern const char *const cxm_preset_names[];

struct cxm_ticket;
/* The one_teammate rule for a resolved ticket t (borrowed): 1 first
 * contact, 0 not (reopened, no public teammate reply, or two teammates or
 * more), -1 undetermined (no messages or no agent column, even when
 * reopened; reopens unknown; unnamed replies that could change the
 * answer: cxm_msg_one_teammate). */
int cxm_fcr_one_teammate(const struct cxm_ticket *t);
/* Whether the one_teammate rule can be computed at all: it needs messages
 * (have_msgs) with an agent column (msgs_have_agent). 1, or 0 with *reason
 * (static text) saying what is missing. */
int cxm_fcr_one_teammate_supported(int have_msgs, int msgs_have_agent, const char **reason);
/* Why a resolved ticket's FCR is unknown under rule r (static text, for
 * the warning "fcr: N resolved tickets left out: <why>"). */
const char *cxm_fcr_unknown_why(cxm_fcr_rule r);

#endif
