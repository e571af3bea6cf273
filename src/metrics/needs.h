/*
 * needs.h - which canonical streams a report reads: the rule a snapshot of
 * the store (src/store/report_store.c: `cxm report --store`, the query
 * cache of `cxm serve`) uses to export only those streams.
 *
 * The rule is a superset of what cxm_report_run reads (report.c, surveys.c,
 * ingest.c): a report given the streams named here gives the same answer
 * as the report given every stream the store holds. It is decided from the
 * options alone and two facts about the data (which streams exist, the
 * responses' column names), in microseconds; tests/unit/
 * test_report_store_needs.c checks the equality on real reports.
 *  - tickets: any metric of the tickets or messages streams in --metrics
 *    (no --metrics: every metric the data supports, so tickets whenever
 *    present), or a survey metric with a --by column or --where column the
 *    responses lack (the report takes it from each answer's ticket);
 *  - messages: with tickets, whenever present (first response, replies,
 *    reopens and resolutions derive from them);
 *  - responses: any survey metric in --metrics (no --metrics: whenever
 *    present).
 * A --metrics list naming an unknown metric gives every stream present
 * (the report then reports the error itself); a report whose metrics need
 * no stream present still gets one to start from (responses, else
 * tickets), its metrics then null with the same reasons.
 */
#ifndef CXM_NEEDS_H
#define CXM_NEEDS_H
#include <stddef.h>

#include "cxm.h"

/* Stream bits, in the order of the store's streams (cxm_store_streams). */
#define CXM_NEED_TICKETS   1u
#define CXM_NEED_MESSAGES  2u
#define CXM_NEED_RESPONSES 4u
#define CXM_NEED_ALL       7u

/* The streams (CXM_NEED_* bits, a subset of have) a report with options o
 * (borrowed; its metrics, by and where are read) reads when the data holds
 * the streams in have and the responses have the columns resp_cols[0..n)
 * (borrowed; their names after any --map). */
unsigned cxm_needs_streams(const cxm_report_opts *o, unsigned have, const char *const *resp_cols, size_t n);

#endif
