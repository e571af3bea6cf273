/*
 * compare.h - `--compare`: the comparison period of a report and the
 * support metrics' side of it (internal; the survey family compares its
 * own histograms in surveys.c with the same period rules).
 *
 * Periods (docs/METRICS.md "Comparing periods"):
 *   previous, with a time bucket in --by: each group against the same
 *     group one bucket earlier (the first bucket of the range has none);
 *   previous, without one: the window of the same length ending where
 *     --from starts (needs --from and --to);
 *   FROM..TO: that window (a plain-date TO includes the day), against
 *     each group of the report without its time term.
 */
#ifndef CXM_COMPARE_H
#define CXM_COMPARE_H
#include "metrics/report.h"

enum { CXM_COMPARE_NONE = 0, CXM_COMPARE_BUCKET = 1, CXM_COMPARE_WINDOW = 2 };

typedef struct cxm_compare_spec {
    int mode;             /* CXM_COMPARE_* */
    cxm_time from, to;    /* the window [from, to) in CXM_COMPARE_WINDOW */
} cxm_compare_spec;

/* Parses o->compare (NULL: mode NONE) against c's zone, time term and
 * --from/--to. CXM_EUSAGE with diag on a bad spec. */
int cxm_compare_parse(const cxm_ctx *c, const char *spec, cxm_compare_spec *out, cxm_diag *diag) CXM_WUR;

/* Fills the compare fields of R's support-metric rows (survey rows are
 * left as they are): the previous value and n, the change (value minus
 * previous: points for rates, seconds for durations) and, where a test
 * applies, its two-sided p-value: two-proportion z for rates, Welch t for
 * means; none for medians, percentiles and counts (p_value NaN, test
 * NULL). A window comparison runs the report a second time over the
 * window (o is the report's own options). */
int cxm_compare_support(report *R, const cxm_report_opts *o, const cxm_compare_spec *spec, cxm_diag *diag) CXM_WUR;

#endif
