/*
 * preset.c - the presets (see preset.h and docs/PRESETS.md).
 */
#include "metrics/preset.h"

#include <string.h>

const char *const cxm_preset_names[] = {"cxm", "zendesk", "intercom", "helpscout", "chatwoot",
                                        "freshdesk", NULL};

/* docs/PRESETS.md gives the vendor's rule and its source for each cell. */
static const cxm_defs presets[] = {
    /* name       bots cust biz  fcr            max report_date  first  stats */
    {"cxm",       0,   0,   0,   FCR_ONE_TOUCH, 1,  RD_CREATED,  0,     "mean,median,p90"},
    {"zendesk",   0,   0,   0,   FCR_ONE_TOUCH, 1,  RD_RESOLVED, 0,     "median,mean,p90"},
    {"intercom",  0,   1,   0,   FCR_NO_REOPEN, 1,  RD_CREATED,  0,     "median,mean,p90"},
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
