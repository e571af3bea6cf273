/*
 * fuzz_rows.c - libFuzzer target for the record readers (src/io/rows.c,
 * src/io/csv.c). See README.md in this directory for how to build and run.
 *
 * The first input byte picks the CSV delimiter and the window step; the
 * rest is the document. Each input is:
 *  1. read as CSV and as NDJSON through cxm_rows_open_mem, draining every
 *     record (bad rows are skipped, as a caller would) and checking the
 *     contract: nfields == the header's ncols, the header never shrinks,
 *     line numbers never go back, progress never passes the total, a bad
 *     row always comes with a diagnostic;
 *  2. scanned by the bare CSV scanner twice: over the whole buffer, and
 *     through a window that grows a few bytes per CXM_CSV_MORE, each time
 *     an exact-size heap copy (so a read past the window's end is caught by
 *     AddressSanitizer). Both scans must give the same records, fields,
 *     line numbers and bad-row diagnostics.
 * Inputs are capped at 64 KiB (-max_len) so the quadratic window copies of
 * step 2 stay cheap.
 *
 * With -DFUZZ_STANDALONE it builds as a plain program that runs the files
 * named on its command line (for replaying a crash without libFuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "io/rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_rows: contract broken: %s\n", what);
        abort();
    }
}

static void drain(const char *doc, size_t n, cxm_rows_format format, char delim) {
    cxm_rows *r = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_rows_open_mem(&r, "fuzz", doc, n, format, delim, &d);
    if (rc) {
        check(r == NULL, "open failed but returned a handle");
        check(d.msg[0] != 0, "open failed without a message");
        return;
    }
    const cxm_field *h;
    size_t nh, prev_cols;
    cxm_rows_header(r, &h, &nh);
    prev_cols = nh;
    for (size_t i = 0; i < nh; i++)
        check(h[i].ptr != NULL, "header name is NULL");
    uint64_t prev_line = 0;
    for (;;) {
        const cxm_field *f = NULL;
        size_t nf = 0;
        memset(&d, 0, sizeof d);
        rc = cxm_rows_next(r, &f, &nf, &d);
        if (rc == 0) break;
        uint64_t line = cxm_rows_line(r);
        check(line >= prev_line, "line number went back");
        prev_line = line;
        uint64_t done, total;
        cxm_rows_progress(r, &done, &total);
        check(done <= total && total == n, "progress past the total");
        if (rc == CXM_EPARSE) {
            check(d.msg[0] != 0 && d.line >= 1, "bad row without a diagnostic");
            continue;
        }
        if (rc < 0) {
            check(d.msg[0] != 0, "fatal error without a message");
            break;
        }
        check(rc == 1, "unexpected return code");
        cxm_rows_header(r, &h, &nh);
        check(nh >= prev_cols, "header shrank");
        prev_cols = nh;
        check(nf == nh, "nfields != ncols");
        volatile size_t sum = 0;
        for (size_t i = 0; i < nf; i++) {
            if (!f[i].ptr) {
                check(f[i].len == 0, "missing field with a length");
                continue;
            }
            for (size_t j = 0; j < f[i].len; j++)
                sum += (unsigned char)f[i].ptr[j];
        }
        (void)sum;
    }
    cxm_rows_free(r);
}

typedef struct scanned {
    int rc;
    uint64_t rec_line, line;
    size_t nfields;
    uint32_t bad_col;
    uint64_t bad_line;
    char bad_msg[200];
    size_t nstored;
    char *text; /* the stored fields, each as 8-byte length + bytes */
    size_t textlen;
} scanned;

static void record(scanned *out, const cxm_csv *s, int rc) {
    memset(out, 0, sizeof *out);
    out->rc = rc;
    out->rec_line = s->rec_line;
    out->line = s->line;
    out->nfields = s->nfields;
    if (rc == CXM_CSV_BAD) {
        out->bad_col = s->bad_col;
        out->bad_line = s->bad_line;
        memcpy(out->bad_msg, s->bad_msg, sizeof out->bad_msg);
        return;
    }
    out->nstored = s->nfields < s->maxfields ? s->nfields : s->maxfields;
    size_t len = 0;
    for (size_t i = 0; i < out->nstored; i++)
        len += 8 + s->fields[i].len;
    out->text = malloc(len ? len : 1);
    for (size_t i = 0; i < out->nstored; i++) {
        uint64_t l = s->fields[i].len;
        memcpy(out->text + out->textlen, &l, 8);
        out->textlen += 8;
        if (l) memcpy(out->text + out->textlen, s->fields[i].ptr, (size_t)l);
        out->textlen += (size_t)l;
    }
}

static int same(const scanned *a, const scanned *b) {
    return a->rc == b->rc && a->rec_line == b->rec_line && a->line == b->line && a->nfields == b->nfields &&
           a->bad_col == b->bad_col && a->bad_line == b->bad_line && strcmp(a->bad_msg, b->bad_msg) == 0 &&
           a->nstored == b->nstored && a->textlen == b->textlen &&
           (a->textlen == 0 || memcmp(a->text, b->text, a->textlen) == 0);
}

/* Scans doc whole (step 0) or through growing windows; returns the records. */
static size_t scan_all(const char *doc, size_t n, char delim, size_t step, scanned **out) {
    cxm_csv s;
    cxm_csv_init(&s, delim, 8);
    size_t cap = 16, k = 0;
    *out = malloc(cap * sizeof **out);
    size_t base = 0, pos = 0, wlen = step ? 0 : n;
    char *win = malloc(wlen ? wlen : 1);
    if (wlen) memcpy(win, doc, wlen);
    for (;;) {
        int eof = base + wlen == n ? CXM_CSV_WINDOW_EOF : CXM_CSV_WINDOW_OPEN;
        int rc = cxm_csv_scan(&s, win, &pos, wlen, eof);
        if (rc == CXM_CSV_MORE) {
            check(eof == CXM_CSV_WINDOW_OPEN, "MORE at end of input");
            base += pos;
            wlen -= pos;
            pos = 0;
            size_t grow = step;
            if (base + wlen + grow > n) grow = n - base - wlen;
            wlen += grow;
            char *nw = malloc(wlen ? wlen : 1);
            if (wlen) memcpy(nw, doc + base, wlen);
            free(win);
            win = nw;
            continue;
        }
        check(rc >= 0, "scanner failed");
        if (rc == CXM_CSV_END) break;
        check(rc == CXM_CSV_RECORD || rc == CXM_CSV_BAD, "unexpected scanner result");
        if (k == cap) {
            cap *= 2;
            *out = realloc(*out, cap * sizeof **out);
        }
        record(&(*out)[k++], &s, rc);
    }
    free(win);
    cxm_csv_free(&s);
    return k;
}

static void scan_both_ways(const char *doc, size_t n, char delim, size_t step) {
    scanned *a, *b;
    size_t na = scan_all(doc, n, delim, 0, &a);
    size_t nb = scan_all(doc, n, delim, step, &b);
    check(na == nb, "windowed scan found a different number of records");
    for (size_t i = 0; i < na; i++)
        check(same(&a[i], &b[i]), "windowed scan differs");
    for (size_t i = 0; i < na; i++)
        free(a[i].text);
    for (size_t i = 0; i < nb; i++)
        free(b[i].text);
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char delims[] = {',', ';', '|', '\t'};
    if (size < 1 || size > 65536) return 0;
    char delim = delims[data[0] & 3];
    size_t step = 1 + ((data[0] >> 2) & 15);
    const char *doc = (const char *)data + 1;
    size_t n = size - 1;
    /* A heap copy of exactly n bytes, so over-reads are caught. */
    char *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, doc, n);
    drain(copy, n, CXM_ROWS_CSV, delim);
    drain(copy, n, CXM_ROWS_NDJSON, 0);
    scan_both_ways(copy, n, delim, step);
    free(copy);
    return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        static uint8_t buf[65537];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    return 0;
}
#endif
