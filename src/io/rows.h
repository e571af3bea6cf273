/*
 * rows.h - a source of records as text fields: the one interface every
 * reader (CSV, NDJSON, later the store) offers to the normalizer.
 *
 * A source has a header (column names) and yields records whose fields are
 * aligned to it. Fields are views into the reader's buffers, valid until the
 * next call to cxm_rows_next; the normalizer copies what it keeps.
 *
 * CSV (RFC 4180): quoted fields may hold the delimiter, CR, LF and doubled
 * quotes; a UTF-8 BOM is skipped; LF and CRLF line ends; any single-byte
 * delimiter. A record with fewer fields than the header is padded with
 * missing fields and one with more is an error (a bad row).
 *
 * NDJSON: one JSON object per line; keys become columns in first-seen order
 * (the header only grows: re-read it with cxm_rows_header when ncols grows);
 * strings are fields, numbers keep their source text, true/false become
 * "true"/"false", null and absent keys are missing, an array of scalars is
 * joined with ';' (tags). Nested objects are a bad row. Blank lines skip.
 */
#ifndef CXM_ROWS_H
#define CXM_ROWS_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"

typedef struct cxm_field {
    const char *ptr; /* not NUL-terminated; NULL when missing */
    size_t len;
} cxm_field;

typedef enum cxm_rows_format { CXM_ROWS_CSV, CXM_ROWS_NDJSON } cxm_rows_format;

typedef struct cxm_rows cxm_rows;

/*
 * Opens path ("-" for standard input) as format; delim is the CSV delimiter
 * (',' by default; ignored for NDJSON). Reads the header (CSV: first record)
 * at once. On error fills diag (file, line, column, what was expected).
 * *out is owned: free with cxm_rows_free.
 */
int cxm_rows_open(cxm_rows **out, const char *path, cxm_rows_format format, char delim, cxm_diag *diag) CXM_WUR;

/* Same, over an in-memory buffer (borrowed; must outlive the source).
 * name labels diagnostics. */
int cxm_rows_open_mem(cxm_rows **out, const char *name, const char *data, size_t len, cxm_rows_format format,
                      char delim, cxm_diag *diag) CXM_WUR;

/*
 * Opens the CSV file path to read only the records that begin in the byte
 * range [start, end) of it, so that parts of one file can be read in
 * parallel (ranges [0, a), [a, b), [b, size) read every record once).
 * The header is read from the file's beginning as usual. The first record
 * read: the first after the header when start lies within it, else the
 * first after the first LF at or after start - 1 (so a record that begins
 * exactly at start is this range's). The last: the last one that begins
 * before end; it is read whole, however far past end it runs.
 *
 * The cut assumes that LF is not inside a quoted field. To verify it,
 * drain the reader of the range before the cut (cxm_rows_next returns 0),
 * then compare with cxm_rows_range_bounds: its stop must equal the first
 * of the range after it. When equal, the second range read exactly the
 * records a whole-file reader reads from there; when not, the cut fell
 * inside a quoted field (or the file ends lines with a lone CR): discard
 * the second range's records and read on from the first one's stop
 * (cxm_rows_open_range(path, stop, ...) starts exactly there).
 *
 * Lines: a range that begins after the header counts lines from 1 where it
 * begins reading; add stop_line of the range before minus first_line of
 * this one (from cxm_rows_range_bounds, once the cut is verified) to get
 * the file's line numbers. Progress counts the bytes of [start, end).
 * Standard input and other non-regular files cannot be read by ranges
 * (CXM_EUSAGE). *out is owned: free with cxm_rows_free.
 */
int cxm_rows_open_range(cxm_rows **out, const char *path, char delim, uint64_t start, uint64_t end,
                        cxm_diag *diag) CXM_WUR;

typedef struct cxm_rows_bounds {
    uint64_t first;      /* input offset where the reader's first record began (== stop when none) */
    uint64_t stop;       /* where the first record it did not read begins (the file size at the end) */
    uint64_t first_line; /* the lines there, as this reader counts them */
    uint64_t stop_line;
} cxm_rows_bounds;

/* What a CSV reader covered, once cxm_rows_next has returned 0 (see
 * cxm_rows_open_range; whole-file readers too). */
void cxm_rows_range_bounds(const cxm_rows *r, cxm_rows_bounds *b);

/* Chooses the CSV scanner's kernel (CXM_CSV_KERNEL_* of src/io/csv.h; for
 * benchmarks and tests: every kernel reads alike). Returns the kernel in
 * effect, or 0 for an NDJSON source. */
int cxm_rows_set_csv_kernel(cxm_rows *r, int kernel);

/* The header: column names, borrowed until cxm_rows_free. */
void cxm_rows_header(const cxm_rows *r, const cxm_field **names, size_t *ncols);

/*
 * Next record. Returns 1 with *fields and *nfields set (nfields == current ncols),
 * 0 at end of input, or a negative code. CXM_EPARSE means this one record is
 * bad (diag says where and why) and the source has skipped past it: the
 * caller may count it and call again. Any other negative code is fatal.
 */
int cxm_rows_next(cxm_rows *r, const cxm_field **fields, size_t *nfields, cxm_diag *diag) CXM_WUR;

/* 1-based physical line where the record last returned (or rejected) starts. */
uint64_t cxm_rows_line(const cxm_rows *r);
/* Bytes consumed so far and total size (0 when unknown, e.g. a pipe): progress. */
void cxm_rows_progress(const cxm_rows *r, uint64_t *done, uint64_t *total);
const char *cxm_rows_name(const cxm_rows *r); /* borrowed */
void cxm_rows_free(cxm_rows *r);              /* r may be NULL */

/* Picks a format from a file name: .ndjson/.jsonl/.json -> NDJSON, else CSV. */
cxm_rows_format cxm_rows_guess_format(const char *path);

#endif
