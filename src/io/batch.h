/*
 * batch.h - batches of records and the two-stage pipeline every stream
 * reader shares (tickets in metrics/ingest.c, survey answers in
 * metrics/surveys.c).
 *
 * A filler (stage A: scan, parse, check each record alone) writes good
 * records into a batch: its own per-record values in the owner's array
 * (batch->user), plus copies of the source fields stage B reads, and the
 * bad records it met, with their place among the good ones. A consumer
 * (stage B: everything that depends on order or shared state) takes the
 * batches in order. With a worker thread the two stages run on two cores
 * over a ring of CXM_PIPE_NBATCH batches; without one they alternate in
 * the caller's thread. Either way rows, warnings and results keep the
 * file's order.
 *
 * Sizes: batches of thousands of records; the bytes of one batch are
 * capped at UINT32_MAX (CXM_ELIMIT).
 */
#ifndef CXM_BATCH_H
#define CXM_BATCH_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "cxm.h"
#include "io/rows.h"

enum { CXM_PIPE_NBATCH = 3 };

typedef struct cxm_badrec {
    size_t at; /* index of the next good record in the batch */
    cxm_diag d;
} cxm_badrec;

typedef struct cxm_batch {
    size_t n;                  /* good records */
    uint32_t *foff, *flen;     /* n x nkeep kept fields; flen UINT32_MAX: missing */
    size_t fcap;               /* records foff/flen hold */
    char *bytes;               /* the kept fields' (and the owner's) bytes */
    size_t nbytes, cap;
    cxm_badrec *bad;           /* bad records met, in order */
    size_t nbad, badcap;
    uint64_t rows;             /* records read, good or bad */
    uint64_t done, total;      /* progress of the source after this batch */
    int eof, rc;               /* end of input; a fatal error (see diag) */
    cxm_diag diag;
    void *user;                /* the owner's per-record values for this slot */
} cxm_batch;

/* Empties b for refilling (keeps its memory). */
void cxm_batch_reset(cxm_batch *b);
/* Room for rows records of nkeep kept fields. */
int cxm_batch_fields(cxm_batch *b, size_t rows, size_t nkeep) CXM_WUR;
/* Makes room for n more bytes (the slow path of cxm_batch_bytes). */
int cxm_batch_grow(cxm_batch *b, size_t n) CXM_WUR;
/* Appends p[0..n) to the batch's bytes; *off gets its offset. Called for a
 * few fields of every record, so the common case (room left) is inline. */
static inline int cxm_batch_bytes(cxm_batch *b, const char *p, size_t n, uint32_t *off) {
    if (b->nbytes + n > b->cap) {
        int rc = cxm_batch_grow(b, n);
        if (rc) return rc;
    }
    if (n) memcpy(b->bytes + b->nbytes, p, n);
    *off = (uint32_t)b->nbytes;
    b->nbytes += n;
    return CXM_OK;
}
/* Records a bad record before the batch's next good one. */
int cxm_batch_bad(cxm_batch *b, const cxm_diag *d) CXM_WUR;
/* Copies the kept source fields keep[0..nkeep) of f as record b->n's. */
int cxm_batch_keep(cxm_batch *b, const int *keep, size_t nkeep, const cxm_field *f, size_t nf) CXM_WUR;
/* Record i's kept fields back into fields[keep[k]] (others untouched). */
void cxm_batch_view(const cxm_batch *b, size_t i, const int *keep, size_t nkeep, cxm_field *fields);
void cxm_batch_free(cxm_batch *b); /* b may be NULL */

/* Fills b (after cxm_batch_reset) from the source, stopping at eof or rc. */
typedef void (*cxm_fill_fn)(void *ud, cxm_batch *b);

typedef struct cxm_pipeline {
    cxm_batch b[CXM_PIPE_NBATCH];
    cxm_fill_fn fill;
    void *ud;
    int threaded, sync;
    pthread_t th;
    pthread_mutex_t mu;        /* guards filled, drained, stop */
    pthread_cond_t cv;
    size_t filled, drained, next;
    int stop;
} cxm_pipeline;

/* Prepares p (its batches must already be set up by the owner: fields,
 * user) and starts the worker thread when threaded (falling back to the
 * caller's thread if none can be started). */
void cxm_pipeline_start(cxm_pipeline *p, int threaded, cxm_fill_fn fill, void *ud);
/* The next batch in order: filled by the worker, or here. Borrowed until
 * cxm_pipeline_release. */
cxm_batch *cxm_pipeline_next(cxm_pipeline *p);
/* Done with the batch cxm_pipeline_next gave; stop asks the worker to end. */
void cxm_pipeline_release(cxm_pipeline *p, int stop);
/* Joins the worker; frees the batches' memory (not their user arrays). */
void cxm_pipeline_finish(cxm_pipeline *p);

#endif
