/*
 * sla.h - service-level targets from an SLA file (docs/DATA.md, "SLA files"):
 * a CSV with columns target,priority,channel,time,threshold, e.g.
 *
 *   target,priority,channel,time,threshold
 *   first_response,urgent,*,business,1h
 *   first_response,*,chat,calendar,5m
 *   next_reply,*,*,business,8h
 *   resolution,high,email,business,2d
 *
 * target is first_response, next_reply or resolution; priority and channel
 * are values of those ticket columns or * for any; time is calendar or
 * business; threshold is a duration (seconds, HH:MM:SS, or 1h30m / 2d).
 * For a ticket the most specific matching rule of a target applies: exact
 * priority and channel, then exact priority, then exact channel, then * *;
 * a later line with the same target, priority and channel is an error.
 * Tickets no rule matches have no target (not counted).
 */
#ifndef CXM_SLA_H
#define CXM_SLA_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"

enum { SLA_FIRST_RESPONSE, SLA_NEXT_REPLY, SLA_RESOLUTION, SLA_NTARGETS };
extern const char *const cxm_sla_target_names[SLA_NTARGETS];

typedef struct cxm_sla_rule {
    int target;
    char *priority; /* NULL = any */
    char *channel;  /* NULL = any */
    int business;   /* 1: business time */
    int64_t threshold_ms;
    uint64_t line;  /* where it was defined */
} cxm_sla_rule;

typedef struct cxm_sla {
    cxm_sla_rule *rules;
    size_t n;
    int has_target[SLA_NTARGETS];
} cxm_sla;

/* Loads an SLA file. *out owned: cxm_sla_free. */
int cxm_sla_load(const char *path, cxm_sla **out, cxm_diag *diag) CXM_WUR;
/* The rule for target given a ticket's priority and channel text (either
 * may be NULL/empty), or NULL. Borrowed. */
const cxm_sla_rule *cxm_sla_match(const cxm_sla *s, int target, const char *priority,
                                  size_t plen, const char *channel, size_t clen);
void cxm_sla_free(cxm_sla *s);

#endif
