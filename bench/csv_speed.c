/*
 * csv_speed.c - how fast cxm_rows reads CSV, against libcsv.
 *
 * Generates ~200 MB of ticket-like CSV (id, timestamps, channel, agent,
 * priority, status, CSAT, a subject quoted now and then, tags) in memory
 * and in a temporary file, then times, 5 runs each, reporting the median:
 *   mem best   cxm_rows_open_mem + cxm_rows_next over every record, with
 *              the best kernel of this CPU (AVX2 or SSE2 blocks)
 *   mem sse2   the same with the SSE2 block kernel
 *   mem field  the same with the field-by-field scanner (the block
 *              kernels off: what cxm did before them)
 *   file       cxm_rows_open on the temp file (read(2) from the page cache)
 *   file 2x    two threads, each a range reader of one half of the file
 *              (cxm_rows_open_range; wall time for both)
 *   libcsv     csv_parse over the same memory, counting fields in callbacks
 * Every reader counts records and fields and sums field lengths, and the
 * counts must agree. A second data shape, "text", has a quoted free-text
 * description of ~300 bytes (commas, doubled quotes, line breaks) per row.
 * Given a file name instead of a size, times the same readers on it.
 *
 * Not built by CMake. From the repository root:
 *   gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Isrc \
 *       bench/csv_speed.c src/io/csv.c src/io/rows.c src/core/arena.c src/core/buf.c \
 *       src/core/diag.c src/core/dict.c src/core/err.c \
 *       -o /tmp/csv_speed -ljansson -lxxhash -lcsv -lm -lpthread
 *   /tmp/csv_speed            # or: /tmp/csv_speed MB  (default 200), or a file
 * Results go in docs/internals/csv.md.
 */
#include <csv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/csv.h"
#include "io/rows.h"

#define RUNS 5

typedef struct counts {
    unsigned long long records, fields, bytes;
} counts;

static unsigned long long rng = 0x243F6A8885A308D3ull;
static unsigned rnd(unsigned n) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (unsigned)((rng * 0x2545F4914F6CDD1Dull) >> 33) % n;
}

static char *gen(size_t target, int text, size_t *len) {
    static const char *const channels[] = {"email", "chat", "phone", "web", "social"};
    static const char *const agents[] = {"Diane", "Becky", "Stewart", "Greg", "Joe", "Martha", "Dan", "Jim"};
    static const char *const prio[] = {"low", "normal", "high", "urgent"};
    static const char *const status[] = {"open", "pending", "solved", "closed"};
    static const char *const subjects[] = {
        "Refund request", "Cannot log in", "\"Billing, again\"",  "Delivery late", "\"Says \"\"broken\"\" on arrival\"",
        "Account locked", "Product setup", "Cancellation request"};
    size_t cap = target + 4096;
    char *p = malloc(cap);
    size_t n = (size_t)snprintf(p, cap,
                                "ticket_id,created_at,first_response_at,solved_at,channel,"
                                "agent,priority,status,csat,subject,tags%s\n",
                                text ? ",description" : "");
    unsigned long id = 1;
    while (n < target) {
        unsigned day = 1 + rnd(28), h = rnd(24), m = rnd(60), s = rnd(60);
        n += (size_t)snprintf(p + n, cap - n,
                              "T%07lu,2024-03-%02uT%02u:%02u:%02uZ,2024-03-%02uT%02u:%02u:%02uZ,"
                              "2024-03-%02uT%02u:%02u:%02uZ,%s,%s,%s,%s,%u,%s,%s",
                              id++, day, h, m, s, day, h, (m + 7) % 60, s, day, (h + 3) % 24, m, s, channels[rnd(5)],
                              agents[rnd(8)], prio[rnd(4)], status[rnd(4)], 1 + rnd(5), subjects[rnd(8)],
                              rnd(3) ? "billing;vip" : "");
        if (text) {
            n += (size_t)snprintf(p + n, cap - n,
                                  ",\"I'm having an issue with the product, order %u. It was "
                                  "working fine until yesterday.\n\nI tried restarting it and "
                                  "the \"\"reset\"\" button, but nothing changed. Please "
                                  "advise, this is urgent for our team of %u people and we "
                                  "have a deadline coming up.\"",
                                  rnd(100000), 2 + rnd(50));
        }
        p[n++] = '\n';
    }
    *len = n;
    return p;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int drain(cxm_rows *r, counts *c) {
    const cxm_field *f;
    size_t nf;
    cxm_diag d;
    int rc;
    cxm_rows_header(r, &f, &nf); /* libcsv counts the header's bytes too */
    for (size_t i = 0; i < nf; i++)
        c->bytes += f[i].len;
    while ((rc = cxm_rows_next(r, &f, &nf, &d)) == 1) {
        c->records++;
        for (size_t i = 0; i < nf; i++) {
            if (!f[i].ptr) continue;
            c->fields++;
            c->bytes += f[i].len;
        }
    }
    if (rc) fprintf(stderr, "cxm_rows: %s\n", d.msg);
    cxm_rows_free(r);
    return rc;
}

static int run_cxm_mem(const char *p, size_t n, int kernel, counts *c) {
    cxm_rows *r;
    cxm_diag d;
    if (cxm_rows_open_mem(&r, "bench", p, n, CXM_ROWS_CSV, ',', &d)) return -1;
    if (cxm_rows_set_csv_kernel(r, kernel) != kernel && kernel != CXM_CSV_KERNEL_BEST) {
        cxm_rows_free(r);
        return 1; /* not on this CPU */
    }
    return drain(r, c);
}

typedef struct half {
    const char *path;
    uint64_t start, end;
    counts c;
    cxm_rows_bounds b;
    int rc;
} half;

static void *run_half(void *arg) {
    half *h = arg;
    cxm_rows *r;
    cxm_diag d;
    h->rc = cxm_rows_open_range(&r, h->path, ',', h->start, h->end, &d);
    if (h->rc) return NULL;
    const cxm_field *f;
    size_t nf;
    int rc;
    while ((rc = cxm_rows_next(r, &f, &nf, &d)) == 1) {
        h->c.records++;
        for (size_t i = 0; i < nf; i++) {
            if (!f[i].ptr) continue;
            h->c.fields++;
            h->c.bytes += f[i].len;
        }
    }
    cxm_rows_range_bounds(r, &h->b);
    if (h->start == 0) { /* count the header as drain() does */
        cxm_rows_header(r, &f, &nf);
        for (size_t i = 0; i < nf; i++)
            h->c.bytes += f[i].len;
    }
    cxm_rows_free(r);
    h->rc = rc;
    return NULL;
}

/* Two range readers of path (size n) in two threads. */
static int run_cxm_halves(const char *path, size_t n, counts *c) {
    half h[2] = {{path, 0, n / 2, {0, 0, 0}, {0, 0, 0, 0}, 0}, {path, n / 2, UINT64_MAX, {0, 0, 0}, {0, 0, 0, 0}, 0}};
    pthread_t th;
    if (pthread_create(&th, NULL, run_half, &h[1])) return -1;
    run_half(&h[0]);
    pthread_join(th, NULL);
    if (h[0].rc || h[1].rc) return -1;
    if (h[0].b.stop != h[1].b.first) {
        fprintf(stderr, "the cut at %zu fell inside a quoted field (stop %llu, first %llu): not timed\n", n / 2,
                (unsigned long long)h[0].b.stop, (unsigned long long)h[1].b.first);
        return 1;
    }
    c->records = h[0].c.records + h[1].c.records;
    c->fields = h[0].c.fields + h[1].c.fields;
    c->bytes = h[0].c.bytes + h[1].c.bytes;
    return 0;
}

static int run_cxm_file(const char *path, counts *c) {
    cxm_rows *r;
    cxm_diag d;
    if (cxm_rows_open(&r, path, CXM_ROWS_CSV, ',', &d)) return -1;
    return drain(r, c);
}

static void cb_field(void *s, size_t len, void *data) {
    (void)s;
    counts *c = data;
    c->fields++;
    c->bytes += len;
}
static void cb_row(int ch, void *data) {
    (void)ch;
    ((counts *)data)->records++;
}
static int no_space(unsigned char ch) {
    (void)ch;
    return 0;
}

static int run_libcsv(const char *p, size_t n, counts *c) {
    struct csv_parser cp;
    if (csv_init(&cp, CSV_STRICT)) return -1;
    csv_set_space_func(&cp, no_space);
    int rc = csv_parse(&cp, p, n, cb_field, cb_row, c) == n ? 0 : -1;
    csv_fini(&cp, cb_field, cb_row, c);
    csv_free(&cp);
    /* libcsv also counts the header */
    c->records--;
    return rc;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

enum { R_MEM_BEST, R_MEM_SSE2, R_MEM_FIELD, R_FILE, R_HALVES, R_LIBCSV, NREADERS };

static void bench(const char *shape, const char *p, size_t n, const char *path) {
    static const char *const names[] = {"mem best", "mem sse2", "mem field", "file", "file 2x", "libcsv"};
    counts first[NREADERS];
    int ran[NREADERS] = {0};
    for (int k = 0; k < NREADERS; k++) {
        double t[RUNS];
        int skipped = 0;
        for (int i = 0; i < RUNS && !skipped; i++) {
            counts c = {0, 0, 0};
            double t0 = now();
            int rc = k == R_MEM_BEST    ? run_cxm_mem(p, n, CXM_CSV_KERNEL_BEST, &c)
                     : k == R_MEM_SSE2  ? run_cxm_mem(p, n, CXM_CSV_KERNEL_SSE2, &c)
                     : k == R_MEM_FIELD ? run_cxm_mem(p, n, CXM_CSV_KERNEL_FIELD, &c)
                     : k == R_FILE      ? run_cxm_file(path, &c)
                     : k == R_HALVES    ? run_cxm_halves(path, n, &c)
                                        : run_libcsv(p, n, &c);
            t[i] = now() - t0;
            if (rc < 0) {
                fprintf(stderr, "%s failed\n", names[k]);
                exit(1);
            }
            skipped = rc > 0;
            first[k] = c;
        }
        if (skipped) continue;
        ran[k] = 1;
        qsort(t, RUNS, sizeof t[0], cmp);
        printf("%-6s %-9s %7.1f MB  %9llu records  median %.3f s  %.2f GB/s  (min %.3f max %.3f)\n", shape, names[k],
               (double)n / 1e6, first[k].records, t[RUNS / 2], (double)n / t[RUNS / 2] / 1e9, t[0], t[RUNS - 1]);
        fflush(stdout);
    }
    /* cxm counts only present fields; header-wide rows have them all. */
    for (int k = 0; k < NREADERS; k++) {
        if (!ran[k]) continue;
        if (first[k].records != first[R_LIBCSV].records || first[k].bytes != first[R_LIBCSV].bytes) {
            fprintf(stderr, "%s disagrees with libcsv: records %llu vs %llu, bytes %llu vs %llu\n", names[k],
                    first[k].records, first[R_LIBCSV].records, first[k].bytes, first[R_LIBCSV].bytes);
            exit(1);
        }
    }
}

/* The whole of path in memory; NULL on error. */
static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, len = 0;
    char *p = malloc(cap);
    size_t got;
    while (p && (got = fread(p + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *q = realloc(p, cap *= 2);
            if (!q) free(p);
            p = q;
        }
    }
    fclose(f);
    *n = len;
    return p;
}

int main(int argc, char **argv) {
    if (argc > 1 && (argv[1][0] < '0' || argv[1][0] > '9')) { /* a file */
        size_t n;
        char *p = slurp(argv[1], &n);
        if (!p) {
            perror(argv[1]);
            return 1;
        }
        bench("file", p, n, argv[1]);
        free(p);
        return 0;
    }
    size_t mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 200;
    for (int text = 0; text <= 1; text++) {
        size_t n;
        char *p = gen(mb * 1000000, text, &n);
        char path[] = "/tmp/csv_speed_XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0 || write(fd, p, n) != (ssize_t)n) {
            perror("temp file");
            return 1;
        }
        close(fd);
        bench(text ? "text" : "simple", p, n, path);
        unlink(path);
        free(p);
    }
    return 0;
}
