/*
 * live.c - a report that takes its streams file by file (see live.h).
 *
 * The kept state is a report (report.h) set up once from the options, as
 * cxm_report_run sets one up. Each added file is read by the ordered
 * pipeline of its stream straight into that state: rows in file order,
 * duplicates checked in the id set every file before filled (so a repeat
 * in a later file is found, and named with the line where the id was
 * first seen, exactly as in one file), --by values interned in the same
 * dictionaries, kernels adding to the same groups. No part and no merge
 * are needed: one pass over the concatenation does exactly this, file
 * after file. The range readers are not used: their parts remember no id
 * while ids ascend, and the next file needs them.
 *
 * What the concatenation would say differently is kept apart and put
 * together at each cxm_live_results:
 *   - names and lines: the file read is c->read_path, but every message
 *     names the stream's path, and lines are shifted by the data lines
 *     (records' physical lines) of the stream's files before;
 *   - warnings: a report warns about the tickets' bad rows (the first
 *     CXM_MAX_BAD_ROW_MESSAGES verbatim, then how many), then the
 *     responses' (verbatim while the shared cap allows, then their count),
 *     then the metrics the data cannot support. Files of the two streams
 *     may come in any order, so each stream's bad-row messages, counts and
 *     cap are kept in its own buffer and the summary is written at the end
 *     (cxm_ctx_warn_bad_rows, cxm_surveys_warn_bad_rows);
 *   - the default --as-of, the latest instant so far; results strings live
 *     in each result set (group names, survey names: forgotten before the
 *     next); R->order, which finishing compacts, is restored.
 * Value vectors sorted for results are marked unsorted after each add (the
 * new values are appended behind).
 *
 * Sizes: as a report (live.h). An add of n rows costs a report over n rows
 * plus the id lookups in the kept set; results cost the sorts of the kept
 * vectors (already sorted but for the values added since) and the output.
 */
#include "metrics/live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/limits.h"
#include "io/rows.h"
#include "metrics/compare.h"
#include "metrics/report.h"
#include "metrics/result.h"

/* A file's header: its names in order (each NUL-terminated, one block)
 * and sorted (each a 4-byte length then its bytes), to compare shapes. */
typedef struct header {
    char *names;           /* owned: n names, NUL-terminated, in order */
    size_t n;
    char *sorted;          /* owned */
    size_t sorted_len;
} header;

static void header_free(header *h) {
    free(h->names);
    free(h->sorted);
    memset(h, 0, sizeof *h);
}

/* One stream's files so far. */
typedef struct live_stream {
    size_t files;          /* files added */
    uint64_t lines;        /* data lines so far: the next file's line offset */
    header first;          /* the first file's header */
    cxm_buf warn;          /* its bad-row messages, NUL-separated */
    size_t nwarn;
    uint64_t bad_rows, bad_logged;
} live_stream;

struct cxm_live {
    cxm_report_opts o;     /* the caller's options (strings borrowed) */
    cxm_report_opts quiet; /* the same without log and progress: finishing */
    report *R;
    cxm_compare_spec cmp;
    cxm_diag diag;         /* R's diag (the context keeps a pointer) */
    cxm_buf setup_warn;    /* where setup's warnings would go (none expected) */
    live_stream s[2];      /* CXM_LIVE_TICKETS, CXM_LIVE_RESPONSES */
    int failed;            /* an add failed: fail_rc and diag say how */
    int fail_rc;
};

int cxm_live_supported(const cxm_report_opts *o, const char **why) {
    *why = NULL;
    if (o->store) *why = "it reads a store: give the streams as files (--tickets, --responses)";
    else if (o->data_dir) *why = "--data: name each stream (--tickets, --responses)";
    else if (o->messages) *why = "a messages stream changes the facts of tickets already counted";
    else if (o->themes) *why = "survey themes (--themes)";
    else if (!o->tickets && !o->responses) *why = "no stream: give --tickets or --responses";
    else if ((o->tickets && !strcmp(o->tickets, "-")) || (o->responses && !strcmp(o->responses, "-")))
        *why = "a stream from standard input";
    return *why == NULL;
}

static void fail(cxm_live *L, int rc) {
    if (!L->failed) {
        L->failed = 1;
        L->fail_rc = rc;
    }
}

/* rc with the live report's diag copied to the caller's. */
static int give(cxm_live *L, int rc, cxm_diag *diag) {
    if (rc && diag) *diag = L->diag;
    return rc;
}

int cxm_live_new(const cxm_report_opts *o, cxm_live **out, cxm_diag *diag) {
    *out = NULL;
    const char *why;
    if (!cxm_live_supported(o, &why))
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "not mergeable: %s", why);
    cxm_live *L = calloc(1, sizeof *L);
    if (!L) return CXM_ENOMEM;
    L->o = *o;
    L->quiet = *o;
    L->quiet.log = NULL;
    L->quiet.progress = NULL;
    cxm_buf_init(&L->setup_warn, 1u << 16);
    for (int k = 0; k < 2; k++) cxm_buf_init(&L->s[k].warn, 1u << 20);
    int rc = CXM_OK;
    if (!(L->R = calloc(1, sizeof *L->R))) rc = CXM_ENOMEM;
    if (!rc) {
        L->R->live = 1;
        rc = cxm_report_setup(L->R, &L->o, &L->setup_warn, &L->cmp, &L->diag);
    }
    if (!rc) { /* each results call makes its own set */
        cxm_result_set_free(L->R->rs);
        L->R->rs = NULL;
    }
    if (!rc && L->cmp.mode == CXM_COMPARE_WINDOW)
        rc = cxm_diag_set(&L->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                          "not mergeable: --compare with a window (a second report over it)");
    if (rc) {
        if (diag) *diag = L->diag;
        cxm_live_free(L);
        return rc;
    }
    *out = L;
    return CXM_OK;
}

/* ---- a file's shape -------------------------------------------------------- */

typedef struct name_ref {
    const char *p;
    size_t n;
} name_ref;

static int cmp_name(const void *a, const void *b) {
    const name_ref *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int r = memcmp(x->p, y->p, n);
    return r ? r : x->n < y->n ? -1 : x->n > y->n;
}

/* The header of path. A name holding a line break is refused: lines are
 * counted as if the header were one line. */
static int header_of(cxm_live *L, const char *path, header *h) {
    memset(h, 0, sizeof *h);
    cxm_rows *r = NULL;
    int rc = cxm_rows_open(&r, path, CXM_ROWS_CSV, L->o.delimiter ? L->o.delimiter : ',', &L->diag);
    if (rc) return rc;
    const cxm_field *names;
    size_t n, total = 0;
    cxm_rows_header(r, &names, &n);
    name_ref *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) rc = CXM_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        v[i].p = names[i].ptr ? names[i].ptr : "";
        v[i].n = names[i].ptr ? names[i].len : 0;
        if (memchr(v[i].p, '\n', v[i].n) || memchr(v[i].p, 0, v[i].n) || v[i].n > UINT32_MAX)
            rc = cxm_diag_set(&L->diag, CXM_EUSAGE, path, 1, (uint32_t)i + 1, NULL,
                              "a column name holding a line break or a NUL byte");
        total += 4 + v[i].n;
    }
    if (!rc && (!(h->names = malloc(total + 1)) || !(h->sorted = malloc(total + 1)))) rc = CXM_ENOMEM;
    if (!rc) {
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(h->names + at, v[i].p, v[i].n);
            h->names[at + v[i].n] = 0;
            at += v[i].n + 1;
        }
        h->n = n;
        qsort(v, n, sizeof *v, cmp_name);
        at = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t len = (uint32_t)v[i].n;
            memcpy(h->sorted + at, &len, 4);
            memcpy(h->sorted + at + 4, v[i].p, v[i].n);
            at += 4 + v[i].n;
        }
        h->sorted_len = at;
    }
    free(v);
    cxm_rows_free(r);
    if (rc) header_free(h);
    return rc;
}

/* Where each column of h is in first (same names, another order): *remap
 * gets h->n 1-based positions (owned), or NULL when the order is the same.
 * A name given twice maps to its occurrences in turn. */
static int remap_of(const header *first, const header *h, uint32_t **remap) {
    *remap = NULL;
    uint32_t *m = malloc((h->n ? h->n : 1) * sizeof *m);
    char *used = calloc(first->n ? first->n : 1, 1);
    if (!m || !used) {
        free(m);
        free(used);
        return CXM_ENOMEM;
    }
    const char *a = h->names;
    for (size_t i = 0; i < h->n; i++, a += strlen(a) + 1) {
        const char *b = first->names;
        m[i] = (uint32_t)i + 1;
        for (size_t j = 0; j < first->n; j++, b += strlen(b) + 1)
            if (!used[j] && !strcmp(a, b)) {
                used[j] = 1;
                m[i] = (uint32_t)j + 1;
                break;
            }
    }
    free(used);
    int same = 1;
    for (size_t i = 0; i < h->n; i++) same &= m[i] == (uint32_t)i + 1;
    if (same) free(m);
    else *remap = m;
    return CXM_OK;
}

/* Physical lines of path after its (one-line) header: a last line without
 * a line break counts (the concatenation ends each file with one). */
static int data_lines(cxm_live *L, const char *path, uint64_t *out) {
    FILE *f = fopen(path, "rb");
    if (!f) return cxm_diag_set(&L->diag, CXM_EIO, path, 0, 0, NULL, "cannot open the file to count its lines");
    enum { CHUNK = 1 << 16 };
    char *buf = malloc(CHUNK);
    if (!buf) {
        fclose(f);
        return CXM_ENOMEM;
    }
    uint64_t lines = 0;
    size_t got;
    char last = '\n';
    while ((got = fread(buf, 1, CHUNK, f)) > 0) {
        for (const char *p = buf, *e = buf + got; (p = memchr(p, '\n', (size_t)(e - p))); p++) lines++;
        last = buf[got - 1];
    }
    int err = ferror(f);
    fclose(f);
    free(buf);
    if (err) return cxm_diag_set(&L->diag, CXM_EIO, path, 0, 0, NULL, "read error while counting lines");
    if (last != '\n') lines++;
    *out = lines ? lines - 1 : 0;
    return CXM_OK;
}

static int is_ndjson(const char *path) { return cxm_rows_guess_format(path) != CXM_ROWS_CSV; }

/* ---- adding a file ------------------------------------------------------------ */

/* Every value vector of g marked unsorted: values added since a results
 * call were appended behind its sorted ones. */
static void mark_unsorted(gtable *g) {
    if (!g->slots) return;
    for (size_t i = 0; i < (size_t)g->keys.count * g->nslots; i++) g->slots[i].d.sorted = g->slots[i].pend.sorted = 0;
}

int cxm_live_add(cxm_live *L, cxm_live_stream stream, const char *path, cxm_diag *diag) {
    if (L->failed) return give(L, L->fail_rc, diag);
    if ((stream != CXM_LIVE_TICKETS && stream != CXM_LIVE_RESPONSES) || !path)
        return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "cxm_live_add: no such stream or no path");
    report *R = L->R;
    cxm_ctx *c = &R->c;
    live_stream *s = &L->s[stream];
    const char *name = stream == CXM_LIVE_TICKETS ? c->tickets_path : c->responses_path;
    if (!name)
        return cxm_diag_set(diag, CXM_EUSAGE, path, 0, 0, NULL, "the report has no %s stream (--%s)",
                            stream == CXM_LIVE_TICKETS ? "tickets" : "responses",
                            stream == CXM_LIVE_TICKETS ? "tickets" : "responses");
    if (!strcmp(path, "-") || is_ndjson(path))
        return cxm_diag_set(diag, CXM_EUSAGE, path, 0, 0, NULL,
                            "not mergeable: a live report adds CSV files (not standard input or NDJSON)");
    int reads = stream == CXM_LIVE_TICKETS ? cxm_report_reads_tickets(R) : R->sv != NULL;
    header h;
    uint32_t *remap = NULL;
    uint64_t lines = 0;
    int rc = header_of(L, path, &h);
    if (!rc && s->files && (h.sorted_len != s->first.sorted_len || memcmp(h.sorted, s->first.sorted, h.sorted_len)))
        rc = cxm_diag_set(&L->diag, CXM_EUSAGE, path, 1, 0, NULL,
                          "the columns differ from those of the stream's first file (%s): a live report adds files "
                          "of one shape",
                          name);
    if (!rc && s->files) rc = remap_of(&s->first, &h, &remap);
    if (!rc) rc = data_lines(L, path, &lines);
    if (rc) { /* nothing read: the state is unchanged */
        header_free(&h);
        return give(L, rc, diag);
    }
    if (!s->files) s->first = h;
    else header_free(&h);
    if (reads) {
        /* this stream's warnings and bad-row counts (see the file comment) */
        cxm_buf *w0 = c->warnings;
        size_t nw0 = c->nwarn;
        uint64_t bad0 = c->bad_rows, logged0 = c->bad_logged;
        c->warnings = &s->warn;
        c->nwarn = s->nwarn;
        c->bad_rows = s->bad_rows;
        c->bad_logged = s->bad_logged;
        c->read_path = path;
        c->line_offset = s->lines;
        c->col_remap = remap;
        c->ncol_remap = remap ? s->first.n : 0;
        rc = stream == CXM_LIVE_TICKETS ? cxm_report_read_file(R) : cxm_surveys_read_file(R);
        c->read_path = NULL;
        c->line_offset = 0;
        c->col_remap = NULL;
        c->ncol_remap = 0;
        s->nwarn = c->nwarn;
        s->bad_rows = c->bad_rows;
        s->bad_logged = c->bad_logged;
        c->warnings = w0;
        c->nwarn = nw0;
        c->bad_rows = bad0;
        c->bad_logged = logged0;
        mark_unsorted(&R->g);
        mark_unsorted(&R->bl);
        if (rc) {
            free(remap);
            fail(L, rc);
            return give(L, rc, diag);
        }
    }
    free(remap);
    s->files++;
    s->lines += lines;
    return CXM_OK;
}

/* ---- results ------------------------------------------------------------------ */

/* The first n NUL-separated strings of b into w (counted in *nw). */
static int copy_warnings(cxm_buf *w, size_t *nw, const cxm_buf *b, size_t n) {
    const char *p = b->data;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(p) + 1;
        if (cxm_buf_append(w, p, len)) return CXM_ENOMEM;
        (*nw)++;
        p += len;
    }
    return CXM_OK;
}

int cxm_live_results(cxm_live *L, cxm_result_set **out, cxm_diag *diag) {
    *out = NULL;
    if (L->failed) return give(L, L->fail_rc, diag);
    report *R = L->R;
    cxm_ctx *c = &R->c;
    live_stream *tk = &L->s[CXM_LIVE_TICKETS], *rs = &L->s[CXM_LIVE_RESPONSES];
    int reads_tk = cxm_report_reads_tickets(R), reads_rs = R->sv && c->responses_path;
    if ((reads_tk && !tk->files) || (reads_rs && !rs->files))
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "no %s file added yet",
                            reads_tk && !tk->files ? "tickets" : "responses");
    cxm_buf w;
    cxm_buf_init(&w, 1u << 20);
    size_t nw = 0;
    int order[M_NALL];
    size_t norder = R->norder;
    memcpy(order, R->order, sizeof order);
    memset((void *)R->unsupported, 0, sizeof R->unsupported);
    memset((void *)R->keyname, 0, sizeof R->keyname);
    cxm_surveys_forget_kept(R);
    /* the warnings in the order one report over the concatenation gives them */
    int rc = copy_warnings(&w, &nw, &tk->warn, tk->nwarn);
    const cxm_report_opts *o0 = c->o;
    c->o = &L->quiet;
    c->warnings = &w;
    c->nwarn = nw;
    c->bad_rows = tk->bad_rows;
    c->bad_logged = tk->bad_logged;
    if (!rc && reads_tk) {
        if (!c->as_of_given) c->as_of = c->max_time;
        cxm_ctx_warn_bad_rows(c);
    }
    size_t room = CXM_MAX_BAD_ROW_MESSAGES > tk->bad_logged ? CXM_MAX_BAD_ROW_MESSAGES - (size_t)tk->bad_logged : 0;
    if (!rc) rc = copy_warnings(&w, &c->nwarn, &rs->warn, rs->nwarn < room ? rs->nwarn : room);
    c->bad_rows = tk->bad_rows + rs->bad_rows;
    if (!rc && reads_rs) cxm_surveys_warn_bad_rows(R);
    if (!rc) rc = cxm_rs_new(&R->rs);
    if (!rc) rc = cxm_report_finish(R, &L->quiet, &L->cmp, &L->diag);
    if (!rc) rc = cxm_rs_take_warnings(R->rs, &w, c->nwarn);
    if (!rc) {
        R->rs->bad_rows = c->bad_rows;
        *out = R->rs;
        R->rs = NULL;
    }
    cxm_result_set_free(R->rs);
    R->rs = NULL;
    memcpy(R->order, order, sizeof order);
    R->norder = norder;
    memset((void *)R->unsupported, 0, sizeof R->unsupported); /* (as while a report reads) */
    c->o = o0;
    c->warnings = NULL;
    c->nwarn = 0;
    c->bad_rows = c->bad_logged = 0;
    cxm_buf_free(&w);
    if (rc == CXM_ENOMEM) cxm_diag_set(&L->diag, rc, NULL, 0, 0, NULL, "out of memory writing the results");
    return give(L, rc, diag);
}

void cxm_live_free(cxm_live *L) {
    if (!L) return;
    if (L->R) {
        L->R->c.warnings = NULL;
        cxm_report_release(L->R);
        free(L->R);
    }
    for (int k = 0; k < 2; k++) {
        header_free(&L->s[k].first);
        cxm_buf_free(&L->s[k].warn);
    }
    cxm_buf_free(&L->setup_warn);
    free(L);
}
