/*
 * catalog.h - the metric catalog (internal view). One table drives
 * `cxm metrics`, docs/METRICS.md (checked by tests/unit/test_catalog.c),
 * validation of --metrics and the renderers' labels.
 */
#ifndef CXM_CATALOG_H
#define CXM_CATALOG_H
#include "cxm.h"

/* Support metric ids as indexes into the catalog (order of the table). */
enum {
    M_VOLUME, M_BACKLOG, M_FRT, M_REPLY_TIME, M_FIRST_RESOLUTION_TIME,
    M_RESOLUTION_TIME, M_COMPLAINT_RESOLUTION_TIME, M_AHT, M_ASA, M_FCR,
    M_RESOLUTION_RATE, M_REOPEN_RATE, M_ABANDONMENT_RATE, M_SLA_COMPLIANCE,
    M_NSUPPORT,
    /* survey family (the responses stream) */
    M_CSAT = M_NSUPPORT, M_CES, M_NPS, M_ENPS, M_ESAT, M_RESPONSE_RATE, M_DISTRIBUTION,
    M_THEME_SHARE, M_THEME_SCORE, M_THEME_IMPACT,
    M_NALL
};

int cxm_catalog_index(const char *id); /* -1 if unknown */

#endif
