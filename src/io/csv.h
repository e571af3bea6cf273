/*
 * csv.h - the CSV record scanner behind cxm_rows (internal to src/io).
 *
 * The scanner knows nothing about files: it is handed a window of bytes
 * buf[*pos, end) and scans one record from it, leaving fields as views into
 * the window (or into its own scratch buffer for quoted fields that hold
 * doubled quotes). rows.c owns the window: it refills and compacts it when
 * the scanner says CXM_CSV_MORE, so a record is always scanned from one
 * contiguous window and a partial record is rescanned from its start after a
 * refill (once per buffer refill, so the cost is amortised).
 * cxm_csv_scan_many scans many common records at once for rows.c (the
 * block kernels, CXM_CSV_KERNEL_*, read exactly as the field scanner does).
 *
 * Rules (docs/internals/csv.md has the reasons):
 *  - a field that starts with '"' is quoted: it ends at a '"' not followed by
 *    another '"'; inside it the delimiter, CR and LF are data and '""' is one
 *    '"'. After the closing quote must come the delimiter, a line end or the
 *    end of input, else the record is bad (CXM_CSV_BAD).
 *  - elsewhere a '"' is literal data (a stray quote in an unquoted field).
 *  - a record ends at LF, CRLF or a lone CR (all three are physical line ends
 *    and advance the line count, inside quoted fields too).
 *  - empty lines are skipped; they are not records.
 *  - a field longer than CXM_MAX_FIELD_BYTES makes the record bad.
 *  - an unterminated quoted field (no closing quote before the end of input,
 *    or before the window cap) makes the record bad and the scanner resumes
 *    after the physical line on which the quote opened.
 * The scanner stores at most maxfields fields; it counts the rest in nfields
 * so the caller can report a record with too many fields.
 *
 * Sizes: records are typically 100 B - 2 KiB; windows 1 MiB - 64 MiB.
 */
#ifndef CXM_IO_CSV_H
#define CXM_IO_CSV_H
#include <stddef.h>
#include <stdint.h>

#include "io/rows.h"

/* cxm_csv_scan results (CXM_CSV_*) besides negative CXM_E* codes. */
enum {
    CXM_CSV_END = 0,    /* no record left: end of input */
    CXM_CSV_RECORD = 1, /* a record: fields[0 .. min(nfields, maxfields)) */
    CXM_CSV_MORE = 2,   /* the record at *pos runs past end: refill, call again */
    CXM_CSV_BAD = 3,    /* a bad record, skipped; bad_* say where and why */
    CXM_CSV_LONG = 4    /* (only when eof == CXM_CSV_WINDOW_CAP) the record at
                         *pos does not fit in the window */
};

/* The eof argument of cxm_csv_scan. */
enum {
    CXM_CSV_WINDOW_OPEN = 0, /* more bytes may follow end */
    CXM_CSV_WINDOW_EOF = 1,  /* end is the end of input */
    CXM_CSV_WINDOW_CAP = 2   /* the window is as large as it may grow */
};

typedef struct cxm_csv_fix {
    size_t field, off; /* fields[field].ptr = scratch + off once scanned */
} cxm_csv_fix;

typedef struct cxm_csv {
    char delim;
    size_t maxfields;  /* fields stored at most (the header's width) */
    cxm_field *fields; /* fcap entries, owned; grows up to maxfields */
    size_t fcap;
    size_t nfields;     /* fields in the last record, stored or not */
    uint64_t line;      /* physical line of the next unscanned byte, 1-based */
    uint64_t rec_line;  /* line where the last record (or bad record) began */
    size_t rec_off;     /* offset in buf where it began (after skipped empty lines) */
    size_t stop_at;     /* no record that begins at or after this offset of buf is
                         * scanned: CXM_CSV_END there (range readers; SIZE_MAX) */
    uint64_t over_line; /* line where field maxfields+1 began, if any */
    int cr_pending;     /* a CR ended the window: skip one LF that follows */
    char *scratch;      /* unescaped quoted fields, owned */
    size_t slen, scap;
    cxm_csv_fix *fix; /* pending scratch pointers of this record, owned */
    size_t nfix, fixcap;
    /* set with CXM_CSV_BAD (the first error in the record wins) */
    uint32_t bad_col;  /* 1-based field index */
    uint64_t bad_line; /* physical line of the error */
    char bad_msg[200];
    int kernel; /* CXM_CSV_KERNEL_* in effect (never BEST) */
} cxm_csv;

/*
 * How cxm_csv_scan finds fields. Every kernel gives the same results; the
 * block kernels take a record whole, 64 bytes at a time (bit masks of the
 * delimiter, LF, CR and quote positions; quoted regions masked out with a
 * prefix XOR), and hand anything unusual to the field-by-field scanner.
 */
enum {
    CXM_CSV_KERNEL_BEST = 0,  /* the fastest this CPU runs (what cxm_csv_init picks) */
    CXM_CSV_KERNEL_FIELD = 1, /* field by field only: the reference; the only kernel off x86-64 */
    CXM_CSV_KERNEL_SSE2 = 2,  /* 64-byte blocks with SSE2 (every x86-64) */
    CXM_CSV_KERNEL_AVX2 = 3   /* 64-byte blocks with AVX2, BMI1 and POPCNT (checked at run time) */
};

/* Prepares s for delim (not '"', CR or LF; the caller checks), with the
 * best kernel for this CPU. */
void cxm_csv_init(cxm_csv *s, char delim, size_t maxfields);
/* Chooses s's kernel (CXM_CSV_KERNEL_*; tests and benchmarks compare them).
 * One this build or CPU lacks falls back to the best one below it. Returns
 * the kernel in effect. */
int cxm_csv_set_kernel(cxm_csv *s, int kernel);
/* Frees what s owns (fields, scratch); s may be NULL. */
void cxm_csv_free(cxm_csv *s);
/* Sets maxfields and makes sure fields has room for n entries. */
int cxm_csv_reserve(cxm_csv *s, size_t n) CXM_WUR;

/*
 * Scans the next record from buf[*pos, end) (buf is borrowed; fields point
 * into it and into s->scratch until the next call). Advances *pos past what
 * it consumed: on CXM_CSV_RECORD and CXM_CSV_BAD past the record and its
 * line end, on CXM_CSV_MORE past skipped empty lines only. eof is one of
 * CXM_CSV_WINDOW_*. Returns a CXM_CSV_* result or CXM_ENOMEM/CXM_ELIMIT;
 * CXM_CSV_END also when the next record begins at or after s->stop_at
 * (with *pos at its first byte).
 */
int cxm_csv_scan(cxm_csv *s, const char *buf, size_t *pos, size_t end, int eof) CXM_WUR;

/*
 * Scans up to max whole records straight into out, as cxm_csv_scan would
 * return them: record k's fields are out[k * width, (k + 1) * width), a
 * short record padded with missing fields (ptr NULL); lines[k] receives the
 * line where record k starts and stops[k] the offset just past its line
 * end. Skips empty lines (LF) between records. Takes no record that begins
 * at or after s->stop_at. Stops before the first
 * record a block kernel does not take (one with more than width fields, a
 * lone CR, a bad one, one within 64 bytes of end, ...;
 * the rules are in csv.c) and leaves it to cxm_csv_scan, which reads it
 * the same way; with CXM_CSV_KERNEL_FIELD it takes none. Advances *pos and
 * s->line past what it consumed; leaves s->fields alone. Fields point into
 * buf (borrowed) and, for quoted fields with doubled quotes, into
 * s->scratch, until the next call of either function. Returns the number
 * of records stored (0 .. max).
 */
size_t cxm_csv_scan_many(cxm_csv *s, const char *buf, size_t *pos, size_t end, cxm_field *out, size_t width, size_t max,
                         uint64_t *lines, size_t *stops);

#endif
