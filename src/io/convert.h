/*
 * convert.h - the machinery the import profiles share (internal; the public
 * entry point is cxm_convert in cxm.h, the profiles are io/convert_*.c).
 *
 * A profile reads one export (or a directory of them) and writes canonical
 * streams into the output directory: tickets.csv, optionally messages.csv,
 * and rejected.csv listing every source record it left out (file,
 * source_line, column, rows, reason); a survey profile (delighted,
 * typeform) writes responses.csv and rejected_responses.csv instead, so that
 * tickets and survey answers converted into one directory keep their own
 * lists of rejects (and `cxm report --data DIR` joins them). Output files
 * are written under temporary names and renamed into place only when the
 * whole conversion succeeds, so a failed run never leaves half a data set
 * (and a stale file from an earlier run is replaced or removed).
 *
 * Invariants every profile keeps (tests/unit/test_convert.c checks them):
 *  - every output row has a source_line column: the 1-based physical line
 *    of the source record it comes from;
 *  - rows_read = records written from it + bad_rows, where a record is the
 *    profile's unit (a call, an event): a record left out is counted once,
 *    reported through the log (file, line, column, what was expected; the
 *    first CXM_MAX_BAD_ROW_MESSAGES verbatim, the rest counted) and listed
 *    in rejected.csv;
 *  - a defect that does not make a record unusable is a warning: counted,
 *    with the first few ids, sent through the log once per kind;
 *  - instants are written as RFC 3339 UTC ("2021-01-01T09:12:58Z").
 *
 * Sizes: exports of up to millions of records; a row being written is
 * capped at CXM_MAX_RECORD_BYTES.
 */
#ifndef CXM_CONVERT_H
#define CXM_CONVERT_H
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "cxm.h"
#include "io/rows.h"

/* One output file being written. Errors are sticky: the first failure is
 * kept in err and returned by cxm_cvt_end_row and cxm_cvt_finish. */
typedef struct cxm_cvt_out {
    FILE *f;          /* owned; NULL when not open */
    char *tmp_path;   /* owned: DIR/.NAME.tmp */
    char *final_path; /* owned: DIR/NAME */
    cxm_buf row;      /* the row being assembled */
    size_t nfields;   /* fields in the row so far */
    uint64_t rows;    /* data rows written */
    int err;
} cxm_cvt_out;

/* A kind of warning: how often it happened and the first few examples. */
typedef struct cxm_cvt_tally {
    uint64_t n;
    char first[400]; /* "A, B, C" */
} cxm_cvt_tally;

typedef struct cxm_cvt {
    const cxm_convert_opts *o; /* borrowed */
    const char *in;            /* the input path, for diagnostics (borrowed) */
    char delim;                /* input delimiter */
    cxm_diag *diag;            /* borrowed, may be NULL */
    cxm_cvt_out tickets, messages, rejected;
    uint64_t rows_read, bad_rows, bad_logged, warnings;
    cxm_cvt_out responses;     /* survey profiles */
    const char *rejected_name; /* "rejected.csv" or "rejected_responses.csv" (static) */
} cxm_cvt;

/* ---- output ------------------------------------------------------------ */
/* Opens DIR/name for writing (under a temporary name) and writes the header. */
int cxm_cvt_open(cxm_cvt *c, cxm_cvt_out *w, const char *name, const char *const *header,
                 size_t ncols) CXM_WUR;
/* Appends one field to the row being built (CSV-quoted when needed). s may
 * be NULL (empty field); n is its length. */
void cxm_cvt_put(cxm_cvt_out *w, const char *s, size_t n);
void cxm_cvt_puts(cxm_cvt_out *w, const char *s);
/* An instant as RFC 3339 UTC (milliseconds only when not whole); empty
 * for CXM_TIME_NULL. */
void cxm_cvt_put_time(cxm_cvt_out *w, cxm_time t);
void cxm_cvt_put_int(cxm_cvt_out *w, int64_t v);
/* A duration in ms as seconds ("143", or "12.5" when not whole). */
void cxm_cvt_put_secs(cxm_cvt_out *w, int64_t ms);
/* Ends the row and writes it. Returns the sticky error, if any. */
int cxm_cvt_end_row(cxm_cvt_out *w) CXM_WUR;
/* cxm_cvt_end_row, filling c's diag (file, what failed) on error. */
int cxm_cvt_write_row(cxm_cvt *c, cxm_cvt_out *w) CXM_WUR;

/* Formats an instant as RFC 3339 UTC into buf (cap >= 32). Returns length. */
size_t cxm_cvt_format_time(cxm_time t, char *buf, size_t cap);

/* ---- defects ----------------------------------------------------------- */
/*
 * Reports nrows source records as left out: a bad record (or a bad ticket
 * made of nrows events) found at line/column of the input, column name
 * colname (may be NULL), why in fmt. Under --strict returns CXM_EDATA with
 * diag filled; otherwise logs (capped), lists it in rejected.csv, counts it
 * and returns 0 (or an output error).
 */
int cxm_cvt_bad(cxm_cvt *c, uint64_t line, uint32_t column, const char *colname, uint64_t nrows,
                const char *fmt, ...) CXM_PRINTF(6, 7) CXM_WUR;
/* Same, from a diag the reader filled (a record that is not valid CSV). */
int cxm_cvt_bad_diag(cxm_cvt *c, const cxm_diag *d) CXM_WUR;
/* A warning through the log (printf-style), counted. */
void cxm_cvt_warn(cxm_cvt *c, const char *fmt, ...) CXM_PRINTF(2, 3);
/* Counts one occurrence; the first five examples (printf-style) are kept. */
void cxm_cvt_tally_add(cxm_cvt_tally *t, const char *fmt, ...) CXM_PRINTF(2, 3);
/* If t->n > 0, warns "<n> <what> (first: <examples>)". */
void cxm_cvt_tally_warn(cxm_cvt *c, const cxm_cvt_tally *t, const char *what);

/* ---- input ------------------------------------------------------------- */
/*
 * Finds each of names[0..n) in the header (case-insensitive, surrounding
 * spaces ignored) and stores its index in idx (-1 when absent). A name
 * listed in required (a bitmask over names' indexes) that is absent is an
 * error (CXM_EDATA, line 1) naming it and the columns the file has.
 */
int cxm_cvt_columns(cxm_cvt *c, const cxm_rows *r, const char *const *names, size_t n,
                    uint64_t required, int *idx) CXM_WUR;
/* The field of column idx in f (an empty field when idx < 0 or past nf),
 * with surrounding spaces trimmed. */
cxm_field cxm_cvt_field(const cxm_field *f, size_t nf, int idx);
/* 1 if f is empty (or NULL). */
static inline int cxm_cvt_empty(cxm_field f) { return !f.ptr || !f.len; }
/* Copies at most 80 bytes of f into buf for messages ("" when empty). */
const char *cxm_cvt_show(cxm_field f, char *buf, size_t cap);

/* ---- survey profiles --------------------------------------------------- */
/*
 * The responses.csv a survey profile writes starts with these columns, in
 * this order (docs/DATA.md "responses"); the profile's own columns and its
 * dimensions follow, then source_line.
 */
#define CXM_CVT_RESPONSE_COLS "response_id", "at", "survey", "score", "scale_min", "scale_max"
#define CXM_CVT_NRESPONSE_COLS 6u

/* A survey name (lower case, as written to responses.csv) and its scale. */
typedef struct cxm_cvt_scale {
    char survey[32];
    int min, max;
} cxm_cvt_scale;

/*
 * The value of setting i (o->settings[i], "KEY=VALUE") if its key is key,
 * else NULL. Borrowed from the options. A setting whose key is not in keys
 * (NULL-terminated) makes cxm_cvt_check_settings fail with CXM_EUSAGE
 * naming it and the keys the profile takes.
 */
const char *cxm_cvt_setting(const cxm_cvt *c, size_t i, const char *key);
int cxm_cvt_check_settings(cxm_cvt *c, const char *const *keys) CXM_WUR;
/* Parses "SURVEY=MIN-MAX" (a scale setting) into *out: the name lower-cased,
 * 0 <= MIN < MAX <= CXM_MAX_SURVEY_SCORE. CXM_EUSAGE with diag otherwise. */
int cxm_cvt_parse_scale(cxm_cvt *c, const char *value, cxm_cvt_scale *out) CXM_WUR;

/*
 * A set of output column names (the dimensions a survey profile carries),
 * each made from a source name by cxm_cvt_names_add: ASCII letters lower-
 * cased, every run of other ASCII bytes (spaces, punctuation) one '_',
 * leading and trailing '_' dropped, bytes of UTF-8 sequences kept, cut to
 * 63 bytes at a character boundary; "field" when nothing is left. A name
 * in reserved (NULL-terminated: the columns the profile writes itself) gets
 * prefix in front ("property_score"); a name already in the set gets "_2",
 * "_3", ... Owned by the set; at most CXM_MAX_COLUMNS names.
 */
typedef struct cxm_cvt_names {
    char (*name)[64];
    size_t n, cap;
} cxm_cvt_names;
/* Adds the name made from src[0..len) and stores its index in *idx. */
int cxm_cvt_names_add(cxm_cvt_names *s, const char *src, size_t len, const char *const *reserved,
                      const char *prefix, size_t *idx) CXM_WUR;
void cxm_cvt_names_free(cxm_cvt_names *s); /* s may be NULL */

/* ---- profiles ---------------------------------------------------------- */
int cxm_convert_callcentre(cxm_cvt *c) CXM_WUR;
int cxm_convert_itsm(cxm_cvt *c) CXM_WUR;
int cxm_convert_zendesk(cxm_cvt *c) CXM_WUR;
int cxm_convert_delighted(cxm_cvt *c) CXM_WUR;
int cxm_convert_typeform(cxm_cvt *c) CXM_WUR;

#endif
