/*
 * csv_speed.c - how fast cxm_rows reads CSV, against libcsv.
 *
 * Generates ~200 MB of ticket-like CSV (id, timestamps, channel, agent,
 * priority, status, CSAT, a subject quoted now and then, tags) in memory
 * and in a temporary file, then times, 5 runs each, reporting the median:
 *   cxm mem   cxm_rows_open_mem + cxm_rows_next over every record
 *   cxm file  cxm_rows_open on the temp file (read(2) from the page cache)
 *   libcsv    csv_parse over the same memory, counting fields in callbacks
 * Every reader counts records and fields and sums field lengths, and the
 * counts must agree. A second data shape, "text", has a quoted free-text
 * description of ~300 bytes (commas, doubled quotes, line breaks) per row.
 *
 * Not built by CMake. From the repository root:
 *   gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Isrc \
 *       bench/csv_speed.c src/io/csv.c src/io/rows.c src/core/arena.c src/core/buf.c \
 *       src/core/diag.c src/core/dict.c src/core/err.c \
 *       -o /tmp/csv_speed -ljansson -lxxhash -lcsv -lm
 *   /tmp/csv_speed            # or: /tmp/csv_speed MB  (default 200)
 * Results go in docs/internals/csv.md.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static int run_cxm_mem(const char *p, size_t n, counts *c) {
    cxm_rows *r;
    cxm_diag d;
    if (cxm_rows_open_mem(&r, "bench", p, n, CXM_ROWS_CSV, ',', &d)) return -1;
    return drain(r, c);
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

static void bench(const char *shape, const char *p, size_t n, const char *path) {
    const char *names[] = {"cxm mem", "cxm file", "libcsv"};
    counts first[3];
    for (int k = 0; k < 3; k++) {
        double t[RUNS];
        for (int i = 0; i < RUNS; i++) {
            counts c = {0, 0, 0};
            double t0 = now();
            int rc = k == 0 ? run_cxm_mem(p, n, &c) : k == 1 ? run_cxm_file(path, &c) : run_libcsv(p, n, &c);
            t[i] = now() - t0;
            if (rc) {
                fprintf(stderr, "%s failed\n", names[k]);
                exit(1);
            }
            first[k] = c;
        }
        qsort(t, RUNS, sizeof t[0], cmp);
        printf("%-6s %-9s %7.1f MB  %9llu records  median %.3f s  %.2f GB/s  (min %.3f max %.3f)\n", shape, names[k],
               (double)n / 1e6, first[k].records, t[RUNS / 2], (double)n / t[RUNS / 2] / 1e9, t[0], t[RUNS - 1]);
    }
    /* cxm counts only present fields; header-wide rows have them all. */
    if (first[0].records != first[2].records || first[1].records != first[2].records ||
        first[0].bytes != first[2].bytes || first[1].bytes != first[2].bytes) {
        fprintf(stderr, "readers disagree: records %llu %llu %llu, bytes %llu %llu %llu\n", first[0].records,
                first[1].records, first[2].records, first[0].bytes, first[1].bytes, first[2].bytes);
        exit(1);
    }
}

int main(int argc, char **argv) {
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
