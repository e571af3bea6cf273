/*
 * ranges.c - one CSV file read on every core (see ranges.h). The read loop
 * checks the stop flag and publishes progress every 4,096 records, so a
 * part stops within 4,096 records of another's failure and the progress
 * callback (called from the caller's thread only, by part 0) costs
 * nothing per record.
 */
#include "io/ranges.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

size_t cxm_range_plan(const char *path, uint64_t *size) {
    struct stat sb;
    if (!path || stat(path, &sb) || !S_ISREG(sb.st_mode)) return 0;
    *size = (uint64_t)sb.st_size;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = ncpu < 1 ? 1 : ncpu > CXM_RANGE_MAX_PARTS ? CXM_RANGE_MAX_PARTS : (size_t)ncpu;
    while (n > 1 && *size / n < CXM_RANGE_MIN_BYTES)
        n--;
    return n;
}

int cxm_range_open(cxm_range_job *j) {
    atomic_init(&j->stop, 0);
    int ok = 1;
    for (size_t k = 0; k < j->n; k++) {
        cxm_range *g = cxm_range_at(j, k);
        g->start = j->size / j->n * k;
        g->end = k + 1 == j->n ? j->size : j->size / j->n * (k + 1);
        atomic_init(&g->done, 0);
        cxm_diag d;
        if (ok && cxm_rows_open_range(&g->r, j->path, j->delimiter ? j->delimiter : ',', g->start, g->end, &d))
            ok = 0;
    }
    return ok ? 0 : -1;
}

typedef struct part_arg {
    cxm_range_job *j;
    size_t k;
} part_arg;

static void *read_part(void *arg) {
    const part_arg *a = arg;
    cxm_range_job *j = a->j;
    cxm_range *g = cxm_range_at(j, a->k);
    const cxm_field *f;
    size_t nf;
    cxm_diag d;
    uint64_t n = 0, done, total;
    while (!g->status) {
        int got = cxm_rows_next(g->r, &f, &nf, &d);
        if (got == 0) {
            cxm_rows_range_bounds(g->r, &g->bounds);
            break;
        }
        if (got < 0) { /* a bad record or an error: the ordered pass reports it */
            g->status = CXM_RANGE_FALLBACK;
            break;
        }
        g->status = j->row(g, f, nf);
        if ((++n & 4095) == 0) {
            cxm_rows_progress(g->r, &done, &total);
            atomic_store_explicit(&g->done, done, memory_order_relaxed);
            if (n == 4096 && done && j->expect) { /* the records of the range, from the bytes per record so far */
                double est = (double)total * (double)n / (double)done * 1.05;
                if (est < 1e10) j->expect(g, (size_t)est);
            }
            if (atomic_load_explicit(&j->stop, memory_order_relaxed)) break; /* another part failed */
            if (a->k == 0 && j->progress && (n & 0xffff) == 0) { /* the caller's thread */
                uint64_t sum = 0;
                for (size_t k = 0; k < j->n; k++)
                    sum += atomic_load_explicit(&cxm_range_at(j, k)->done, memory_order_relaxed);
                j->progress(j->ud, j->what, sum, j->size);
            }
        }
    }
    if (g->status) atomic_store_explicit(&j->stop, 1, memory_order_relaxed);
    return NULL;
}

void cxm_range_run(cxm_range_job *j) {
    part_arg args[CXM_RANGE_MAX_PARTS];
    for (size_t k = 0; k < j->n; k++)
        args[k] = (part_arg){j, k};
    for (size_t k = 1; k < j->n; k++) {
        cxm_range *g = cxm_range_at(j, k);
        g->threaded = !pthread_create(&g->th, NULL, read_part, &args[k]);
    }
    read_part(&args[0]);
    for (size_t k = 1; k < j->n; k++) {
        cxm_range *g = cxm_range_at(j, k);
        if (g->threaded)
            pthread_join(g->th, NULL);
        else
            read_part(&args[k]);
    }
}

void cxm_range_close(cxm_range *g) {
    if (!g) return;
    cxm_rows_free(g->r);
    g->r = NULL;
}

int cxm_range_reserve_ids(const cxm_range *g, uint64_t nids, cxm_idset *seen) {
    if (!seen->expect) { /* early (random ids): size the table from the bytes per row so far */
        uint64_t done, total;
        cxm_rows_progress(g->r, &done, &total);
        double est = done ? (double)total * (double)(nids + 1) / (double)done * 1.3 : 0;
        if (est > 0 && est < 1e10) cxm_idset_expect(seen, (size_t)est);
    }
    return seen->expect ? cxm_idset_reserve(seen, seen->expect) : CXM_OK;
}
