/*
 * batch.c - record batches and the two-stage pipeline (see batch.h).
 */
#include "io/batch.h"

#include <stdlib.h>
#include <string.h>

void cxm_batch_reset(cxm_batch *b) {
    b->n = b->nbytes = b->nbad = 0;
    b->rows = 0;
    b->eof = b->rc = 0;
}

int cxm_batch_fields(cxm_batch *b, size_t rows, size_t nkeep) {
    size_t n = rows * nkeep + 1;
    uint32_t *o = realloc(b->foff, n * sizeof *o);
    if (o) b->foff = o;
    uint32_t *l = realloc(b->flen, n * sizeof *l);
    if (l) b->flen = l;
    if (!o || !l) return CXM_ENOMEM;
    b->fcap = rows;
    return CXM_OK;
}

int cxm_batch_grow(cxm_batch *b, size_t n) {
    size_t cap = b->cap ? b->cap : 1u << 16;
    while (cap < b->nbytes + n) cap *= 2;
    if (cap > UINT32_MAX) return CXM_ELIMIT;
    char *nb = realloc(b->bytes, cap);
    if (!nb) return CXM_ENOMEM;
    b->bytes = nb;
    b->cap = cap;
    return CXM_OK;
}

int cxm_batch_bad(cxm_batch *b, const cxm_diag *d) {
    if (b->nbad == b->badcap) {
        size_t cap = b->badcap ? b->badcap * 2 : 16;
        cxm_badrec *nb = realloc(b->bad, cap * sizeof *nb);
        if (!nb) return CXM_ENOMEM;
        b->bad = nb;
        b->badcap = cap;
    }
    b->bad[b->nbad].at = b->n;
    b->bad[b->nbad].d = *d;
    b->nbad++;
    return CXM_OK;
}

int cxm_batch_keep(cxm_batch *b, const int *keep, size_t nkeep, const cxm_field *f, size_t nf) {
    size_t base = b->n * nkeep;
    for (size_t k = 0; k < nkeep; k++) {
        size_t src = (size_t)keep[k];
        if (src >= nf || !f[src].ptr) {
            b->foff[base + k] = 0;
            b->flen[base + k] = UINT32_MAX; /* missing */
            continue;
        }
        int rc = cxm_batch_bytes(b, f[src].ptr, f[src].len, &b->foff[base + k]);
        if (rc) return rc;
        b->flen[base + k] = (uint32_t)f[src].len;
    }
    return CXM_OK;
}

void cxm_batch_view(const cxm_batch *b, size_t i, const int *keep, size_t nkeep, cxm_field *fields) {
    for (size_t k = 0; k < nkeep; k++) {
        cxm_field *fk = &fields[keep[k]];
        uint32_t len = b->flen[i * nkeep + k];
        fk->ptr = len == UINT32_MAX ? NULL : b->bytes + b->foff[i * nkeep + k];
        fk->len = len == UINT32_MAX ? 0 : len;
    }
}

void cxm_batch_free(cxm_batch *b) {
    if (!b) return;
    free(b->foff);
    free(b->flen);
    free(b->bytes);
    free(b->bad);
    b->foff = b->flen = NULL;
    b->bytes = NULL;
    b->bad = NULL;
}

static void *worker(void *arg) {
    cxm_pipeline *p = arg;
    for (size_t i = 0;; i++) {
        pthread_mutex_lock(&p->mu);
        while (!p->stop && p->filled - p->drained >= CXM_PIPE_NBATCH) pthread_cond_wait(&p->cv, &p->mu);
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop) break;
        cxm_batch *b = &p->b[i % CXM_PIPE_NBATCH];
        cxm_batch_reset(b);
        p->fill(p->ud, b);
        pthread_mutex_lock(&p->mu);
        p->filled++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (b->eof || b->rc) break;
    }
    return NULL;
}

void cxm_pipeline_start(cxm_pipeline *p, int threaded, cxm_fill_fn fill, void *ud) {
    p->fill = fill;
    p->ud = ud;
    p->filled = p->drained = p->next = 0;
    p->stop = 0;
    p->threaded = p->sync = 0;
    if (!threaded) return;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->sync = 1;
    p->threaded = !pthread_create(&p->th, NULL, worker, p);
}

cxm_batch *cxm_pipeline_next(cxm_pipeline *p) {
    cxm_batch *b = &p->b[p->next % CXM_PIPE_NBATCH];
    if (p->threaded) {
        pthread_mutex_lock(&p->mu);
        while (p->filled <= p->next) pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
    } else {
        cxm_batch_reset(b);
        p->fill(p->ud, b);
    }
    p->next++;
    return b;
}

void cxm_pipeline_release(cxm_pipeline *p, int stop) {
    if (!p->threaded) return;
    pthread_mutex_lock(&p->mu);
    p->drained++;
    if (stop) p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void cxm_pipeline_finish(cxm_pipeline *p) {
    if (p->threaded) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->th, NULL);
    }
    if (p->sync) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
    }
    p->threaded = p->sync = 0;
    for (int k = 0; k < CXM_PIPE_NBATCH; k++) cxm_batch_free(&p->b[k]);
}
