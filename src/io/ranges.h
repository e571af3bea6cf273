/*
 * ranges.h - reading one CSV file on every core: the file cut into byte
 * ranges (cxm_rows_open_range), one part a range, each part's records
 * passed to the consumer's row callback on its own thread, progress and a
 * shared stop flag. The consumers (the tickets reader in
 * src/metrics/ingest.c, the survey reader in src/metrics/surveys.c) keep
 * their own per-part state and do their own merging; this module is the
 * part they had in common.
 *
 * A consumer's part struct begins with a cxm_range (so a pointer to the
 * part is a pointer to its range); the job describes the array of parts.
 *
 * Rules: part k reads [size/n*k, size/n*(k+1)) (the last to the end);
 * part 0 runs on the calling thread, the others on threads of their own
 * (inline, one after the other, when a thread cannot be started). A part
 * stops at the end of its range (bounds filled for the cut check), at a
 * record the reader rejects (status CXM_RANGE_FALLBACK: the ordered
 * pipeline will report it), at a non-zero status from the row callback, or
 * when another part has stopped with a status. Sizes: at most
 * CXM_RANGE_MAX_PARTS parts, none smaller than CXM_RANGE_MIN_BYTES.
 */
#ifndef CXM_RANGES_H
#define CXM_RANGES_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/idset.h"
#include "io/rows.h"

enum { CXM_RANGE_MAX_PARTS = 8, CXM_RANGE_MIN_BYTES = 1u << 16, CXM_RANGE_FALLBACK = 1 };

typedef struct cxm_range {
    uint64_t start, end;    /* the byte range */
    cxm_rows *r;            /* owned: cxm_range_close */
    int status;             /* 0, CXM_RANGE_FALLBACK, a row callback's non-zero return */
    cxm_rows_bounds bounds; /* set when the range was read to its end (status 0) */
    _Atomic uint64_t done;  /* bytes of the range read, for progress */
    pthread_t th;
    int threaded;
} cxm_range;

typedef struct cxm_range_job {
    const char *path;
    char delimiter;
    size_t n;          /* parts */
    uint64_t size;     /* bytes of the file */
    void *parts;       /* n parts of stride bytes, each beginning with its cxm_range */
    size_t stride;
    /* per record: 0 to go on, non-zero to stop (becomes the part's status) */
    int (*row)(void *part, const cxm_field *f, size_t nf);
    /* after the first 4,096 records: the records the range likely holds (NULL: none) */
    void (*expect)(void *part, size_t records);
    const char *what;  /* progress: "tickets", "responses" */
    cxm_progress_fn progress;
    void *ud;
    atomic_int stop;   /* set by the first part that stops with a status */
} cxm_range_job;

/* The parts this machine reads path with (1..CXM_RANGE_MAX_PARTS, fewer
 * for small files) and *size; 0 when path is not a regular file. */
size_t cxm_range_plan(const char *path, uint64_t *size);
/* With j's fields set (path .. ud) and the parts zeroed or set up by the
 * consumer past their cxm_range: gives each part its range and opens its
 * reader. 0, or -1 when a reader cannot be opened (the caller falls back
 * to the ordered pipeline; cxm_range_close each part either way). */
int cxm_range_open(cxm_range_job *j) CXM_WUR;
/* Reads every part (part 0 here, the others on threads) and returns when
 * all are done. Progress is reported while reading; the final 100% is the
 * consumer's to report (its merge may still fall back). */
void cxm_range_run(cxm_range_job *j);
/* The part's range: k's [start, end) (for reading it again). */
static inline cxm_range *cxm_range_at(const cxm_range_job *j, size_t k) {
    return (cxm_range *)(void *)((char *)j->parts + k * j->stride);
}
void cxm_range_close(cxm_range *g); /* g may be NULL */

/* Before a part's ids go into seen (a part that remembered none while its
 * ids ascended, now reading its range again up to its nids-th row):
 * reserves seen for the whole range, estimated from the rows g read so far
 * (x1.3) when nothing set an expectation (cxm_idset_expect). */
int cxm_range_reserve_ids(const cxm_range *g, uint64_t nids, cxm_idset *seen) CXM_WUR;

#endif
