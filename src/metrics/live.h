/*
 * live.h - a live report (internal): a report that takes its streams one
 * CSV file at a time and answers after each, without reading the files
 * before again. The server keeps one for a cached query whose store only
 * gained rows (docs/internals/engine.md, "Live reports").
 *
 * The report's state is mergeable (counts add, value vectors append,
 * survey histograms add, --by values are interned by their text): reading
 * one more file into it gives the state one report over all the files
 * would have. So after files F1..Fk of a stream have been added,
 * cxm_live_results gives byte for byte what cxm_report_run gives on the
 * concatenation of F1..Fk (the first file's header, then every file's
 * records, each file ending with a newline), named as the path the options
 * give for that stream: the same rows, groups, values, warnings (their
 * text and order: file names and line numbers are those of the
 * concatenation) and bad-row count. Each file has its own header; its
 * columns may come in another order, but it has the same column names as
 * the stream's first file (else CXM_EUSAGE).
 *
 * Supported options: everything cxm_report_run takes except those below:
 * --tickets and --responses (both, or one) name the streams (the files
 * need not exist: files are added); --metrics, --by (a time bucket and
 * columns of the stream itself), --where, --from/--to, --as-of (default:
 * the latest instant added so far), --tz, --input-tz, --date-order,
 * --calendar, --sla, --preset, --stats, --time, --fcr-rule,
 * --fcr-denominator, --confidence, --strict, the survey variants, boxes,
 * polarity, threshold, buckets and intervals, --min-n, --map, --delimiter,
 * and --compare previous with a time bucket in --by (each bucket against
 * the one before: computed from the answers).
 *
 * Refused (CXM_EUSAGE, the diag beginning "not mergeable:" and saying
 * why; cxm_live_supported says so up front), so that the caller runs the
 * whole report instead:
 *   - a messages stream (--messages, or --data): a message changes the
 *     facts (first response, replies, reopens) of tickets counted before;
 *   - --themes: survey themes;
 *   - --compare with a window (FROM..TO, or previous without a time
 *     bucket): a second report over the window;
 *   - --store, --data: the streams are named files here;
 *   - standard input ("-") for a stream, NDJSON files (the header may
 *     grow row by row);
 *   - at the first responses file: a --by or --where column the responses
 *     lack, which comes from each answer's ticket (the join needs every
 *     ticket before the answers).
 *
 * Errors: any failed add (an unreadable file, a header that differs, a bad
 * row under --strict, no memory) leaves the live report failed: every
 * later add and results call returns that error again (the state may hold
 * part of the file). Rebuild it from the start. Under --strict the error
 * names the first bad row in the order files were added, which is the
 * concatenation's when each stream's files are added in order and the
 * tickets come before the responses.
 *
 * Sizes: the state is a report's: 8 bytes per value of each distribution
 * metric (frt, resolution times, ...) and per creation and resolution for
 * backlog, one id fingerprint (16 bytes, 26 once in the hash table) per
 * ticket and answer, 824 bytes per (group, survey). Two million tickets
 * with the default metrics hold about 150 MB. Not thread-safe: one caller
 * at a time.
 */
#ifndef CXM_LIVE_H
#define CXM_LIVE_H
#include "cxm.h"

typedef struct cxm_live cxm_live;

typedef enum cxm_live_stream { CXM_LIVE_TICKETS, CXM_LIVE_RESPONSES } cxm_live_stream;

/* 1 if a live report can take these options; else 0 with *why (static
 * text) saying what is not mergeable. The --compare period and the
 * responses' joins are only known in cxm_live_new and at the first
 * responses file. */
int cxm_live_supported(const cxm_report_opts *o, const char **why);

/* A live report of o with nothing added yet. o and every string it points
 * to are borrowed and must outlive *out; o->log hears bad rows as files are
 * added. CXM_EUSAGE on bad options or what cxm_live_supported refuses
 * (diag says which). *out owned: free with cxm_live_free. */
int cxm_live_new(const cxm_report_opts *o, cxm_live **out, cxm_diag *diag) CXM_WUR;

/* Reads one more CSV file of stream (path borrowed, read at once) into the
 * kept state, with the checks of a report over the concatenation: bad rows
 * (warned, or under --strict the error) and duplicate ids against every
 * file added before. A stream the report does not read (responses without
 * a survey metric, tickets with survey metrics only) is left unread. */
int cxm_live_add(cxm_live *live, cxm_live_stream stream, const char *path, cxm_diag *diag) CXM_WUR;

/* The results of everything added so far (*out owned: cxm_result_set_free).
 * The state is kept: sorts values in place; later adds append. Every
 * stream the report reads needs a file first (CXM_EUSAGE). */
int cxm_live_results(cxm_live *live, cxm_result_set **out, cxm_diag *diag) CXM_WUR;

void cxm_live_free(cxm_live *live); /* live may be NULL */

#endif
