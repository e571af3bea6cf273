/*
 * preset.c - the presets (see preset.h and docs/PRESETS.md), and the
 * first-contact rules that need more than a ticket's counts (one_teammate:
 * the teammates of its messages, model/messages.c).
 */
#include "metrics/preset.h"

#include <string.h>

#include "model/messages.h"
#include "model/ticket.h"

const char *const cxm_preset_names[] = {"cxm", "zendesk", "intercom", "helpscout", "chatwoot",
                                        "freshdesk", NULL};

/* docs/PRESETS.md gives the vendor's rule and its source for each cell. */
static const cxm_defs presets[] = {
    /* name       bots cust biz  fcr            max report_date  first  stats */
    {"cxm",       0,   0,   0,   FCR_ONE_TOUCH, 1,  RD_CREATED,  0,     "mean,median,p90"},
    {"zendesk",   0,   0,   0,   FCR_ONE_TOUCH, 1,  RD_RESOLVED, 0,     "median,mean,p90"},
    {"intercom",  0,   1,   0,   FCR_ONE_TEAMMATE, 1, RD_CREATED, 0,    "median,mean,p90"},
    {"helpscout", 0,   1,   0,   FCR_REPLIES,   1,  RD_EVENT,    1,     "mean,median,p90"},
    {"chatwoot",  0,   0,   0,   FCR_ONE_TOUCH, 1,  RD_EVENT,    0,     "mean"},
    {"freshdesk", 0,   0,   1,   FCR_NO_FOLLOWUP, 1, RD_EVENT,   0,     "mean"},
};

int cxm_defs_preset(const char *name, cxm_defs *d) {
    if (!name) name = "cxm";
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (!strcmp(presets[i].name, name)) {
            *d = presets[i];
            return CXM_OK;
        }
    }
    return CXM_ENOTFOUND;
}

int cxm_fcr_one_teammate(const struct cxm_ticket *t) {
    /* no teammates known (no messages, no agent column): undetermined even
     * when reopened, so a report without the column has no value at all */
    if (!t->facts || t->facts->teammates < 0 || t->reopens < 0) return -1;
    if (t->reopens > 0) return 0; /* closed more than once, whoever replied */
    return cxm_msg_one_teammate(t->facts);
}

int cxm_fcr_one_teammate_supported(int have_msgs, int msgs_have_agent, const char **reason) {
    if (have_msgs && msgs_have_agent) return 1;
    *reason = have_msgs ? "needs an agent column in the messages (who wrote each reply): one_teammate counts teammates"
                        : "needs messages with an agent column (--messages FILE): one_teammate counts teammates";
    return 0;
}

const char *cxm_fcr_unknown_why(cxm_fcr_rule r) {
    switch (r) {
    case FCR_NO_FOLLOWUP: return "their customer_replies are unknown";
    case FCR_ONE_TEAMMATE:
        return "their reopens or teammates are unknown (no messages, or public agent replies with an empty agent)";
    default: return "their agent_replies or reopens are unknown";
    }
}
