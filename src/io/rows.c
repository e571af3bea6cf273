/*
 * rows.c - record sources (see rows.h): the read buffer shared by both
 * formats, the CSV header and record checks around the scanner in csv.c,
 * and the NDJSON reader (jansson).
 *
 * The read buffer: a file is read with read(2) into a window that starts at
 * 1 MiB (less for a smaller regular file) and grows, doubling, only when one
 * record (CSV) or line (NDJSON) does not fit, up to CXM_MAX_RECORD_BYTES; so
 * a 1 GB input costs about 1 MiB of memory. When the scanner needs more
 * bytes the unconsumed tail is moved to the front and the window is filled
 * until full or end of input (so a partial record is rescanned at most once
 * per window, and a record that grows the window is rescanned a logarithmic
 * number of times). A memory source is its own window and is never copied.
 *
 * CSV records are scanned ahead, up to ~4,096 fields at a time, by the
 * scanner's block kernel (cxm_csv_scan_many) into a batch handed out one
 * record per cxm_rows_next; what the kernel refuses goes through
 * cxm_csv_scan. A range reader (cxm_rows_open_range) seeks to its start and
 * stops at the first record that begins at or after its end.
 *
 * Invariants: data[pos, end) is unconsumed input; base is the input offset
 * of data[0]; the window is refilled only when the batch is exhausted;
 * fields returned by cxm_rows_next point into data, into the CSV scanner's
 * scratch, into the current jansson value or into nd_join, all of which
 * stay put until the next call.
 *
 * NDJSON numbers keep their source text: jansson parses the line, and a
 * small scanner over the same (by then known valid) text finds each member's
 * value in source order, which jansson >= 2.8 preserves when iterating.
 * jansson's own depth limit is 2048, so lines nested deeper than
 * CXM_MAX_JSON_DEPTH are rejected by a quick pre-scan before jansson sees
 * them (accepted rows never nest deeper than 2 anyway).
 */
#include "io/rows.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/dict.h"
#include "core/limits.h"
#include "io/csv.h"

#define ROWS_WINDOW_START ((size_t)1 << 20)
#define ROWS_WINDOW_MIN   ((size_t)4096)
/* CSV records scanned ahead at a time: about ROWS_BATCH_FIELDS fields
 * (64 KiB of cxm_field), at most ROWS_BATCH_MAX records. */
#define ROWS_BATCH_FIELDS 4096u
#define ROWS_BATCH_MAX    256u

typedef struct nd_span {
    const char *p;
    size_t n;
} nd_span;

struct cxm_rows {
    cxm_rows_format format;
    char *name;           /* owned */
    int fd;               /* -1 for a memory source */
    int close_fd;         /* 0 for standard input */
    const char *data;     /* the window: own, or the borrowed memory */
    char *own;            /* owned window of a file source, cap bytes */
    size_t cap, pos, end; /* data[pos, end) is unconsumed */
    int eof;              /* nothing follows data[end] */
    uint64_t base;        /* input offset of data[0] */
    uint64_t total;       /* input size, 0 if unknown */
    uint64_t rec_line;    /* line of the record last returned or rejected */

    cxm_field *hdr; /* ncols names, owned (strings in names or in keys) */
    size_t ncols, hdrcap;
    cxm_arena names; /* CSV header names */

    cxm_csv csv; /* CSV scanner state */
    /* CSV records scanned ahead by cxm_csv_scan_many: record k is
     * bat[k * ncols, (k + 1) * ncols), starting on line bline[k] and
     * ending at data + bstop[k]; bi are returned so far, bn stored.
     * Only between two refills of the window (fill() runs with bn == 0). */
    cxm_field *bat;
    uint64_t *bline;
    size_t *bstop;
    size_t bcap, bn, bi;
    /* Range readers (cxm_rows_open_range): no record that begins at or after
     * input offset limit is read (UINT64_MAX for other readers); rstart is
     * where reading began, first where its first record began and stop
     * where the first record it left began (both input offsets). */
    uint64_t limit, rstart, first, stop;
    uint64_t first_line, stop_line; /* the lines there */
    int have_first;

    /* NDJSON */
    uint64_t nd_line; /* number of the next line to read */
    cxm_dict keys;    /* key -> column index */
    json_t *root;     /* the current record's value, owned */
    cxm_field *ndf;   /* fields of the current record, ndfcap entries */
    size_t ndfcap;
    nd_span *spans; /* member value texts of the current line */
    size_t spancap;
    nd_span *espans; /* element texts of one array member */
    size_t espancap;
    cxm_buf join;     /* arrays joined with ';' */
    cxm_csv_fix *fix; /* fields whose ptr is join.data + off */
    size_t nfix, fixcap;
    int pending; /* the first record was read at open */
    int pending_rc;
    cxm_diag pending_diag;
};

/* ---- the window ------------------------------------------------------ */

/* Makes room and reads more: returns 0, 1 if the window is full and at its
 * cap (nothing could be added), or a negative CXM_E* code. */
static int fill(cxm_rows *r, cxm_diag *diag) {
    if (r->eof) return CXM_OK;
    if (r->pos > 0) {
        size_t keep = r->end - r->pos;
        if (keep) memmove(r->own, r->own + r->pos, keep);
        r->base += r->pos;
        r->end = keep;
        r->pos = 0;
    }
    if (r->end == r->cap) {
        if (r->cap >= CXM_MAX_RECORD_BYTES) return 1;
        size_t cap = r->cap * 2;
        if (cap > CXM_MAX_RECORD_BYTES) cap = CXM_MAX_RECORD_BYTES;
        char *p = realloc(r->own, cap);
        if (!p) return cxm_diag_set(diag, CXM_ENOMEM, r->name, 0, 0, NULL, "out of memory");
        r->own = p;
        r->data = p;
        r->cap = cap;
    }
    while (r->end < r->cap) {
        ssize_t n = read(r->fd, r->own + r->end, r->cap - r->end);
        if (n < 0) {
            if (errno == EINTR) continue;
            return cxm_diag_set(diag, CXM_EIO, r->name, 0, 0, NULL, "cannot read: %s", strerror(errno));
        }
        if (n == 0) {
            r->eof = 1;
            break;
        }
        r->end += (size_t)n;
    }
    return CXM_OK;
}

/* ---- CSV ------------------------------------------------------------- */

/* Scans the next record, refilling as needed: CXM_CSV_RECORD, CXM_CSV_BAD,
 * CXM_CSV_END or a negative code (diag filled). */
/* r->limit as an offset into the window, for the scanner's stop_at. */
static size_t window_limit(const cxm_rows *r) {
    if (r->limit == UINT64_MAX) return SIZE_MAX;
    if (r->limit <= r->base) return 0;
    uint64_t off = r->limit - r->base;
    return off > SIZE_MAX ? SIZE_MAX : (size_t)off;
}

static int csv_scan_next(cxm_rows *r, cxm_diag *diag) {
    int capped = 0;
    for (;;) {
        int mode = capped ? CXM_CSV_WINDOW_CAP : r->eof ? CXM_CSV_WINDOW_EOF : CXM_CSV_WINDOW_OPEN;
        size_t pos = r->pos;
        r->csv.stop_at = window_limit(r);
        int rc = cxm_csv_scan(&r->csv, r->data, &pos, r->end, mode);
        r->pos = pos;
        if (rc == CXM_CSV_MORE && !capped) {
            rc = fill(r, diag);
            if (rc < 0) return rc;
            if (rc == 1) capped = 1;
            continue;
        }
        if (rc == CXM_CSV_LONG || rc == CXM_CSV_MORE)
            return cxm_diag_set(diag, CXM_ELIMIT, r->name, r->csv.line, 0, NULL,
                                "record longer than the limit of %u MiB", (unsigned)(CXM_MAX_RECORD_BYTES >> 20));
        if (rc == CXM_ELIMIT)
            return cxm_diag_set(diag, rc, r->name, r->csv.rec_line, 0, NULL,
                                "quoted fields of one record longer than the limit of %u MiB",
                                (unsigned)(CXM_MAX_RECORD_BYTES >> 20));
        if (rc < 0) return cxm_diag_set(diag, rc, r->name, r->csv.rec_line, 0, NULL, "out of memory");
        if (rc != CXM_CSV_END) r->rec_line = r->csv.rec_line;
        return rc;
    }
}

static const char *col_name(const cxm_rows *r, uint32_t col) {
    return col >= 1 && col <= r->ncols ? r->hdr[col - 1].ptr : NULL;
}

static int csv_read_header(cxm_rows *r, cxm_diag *diag) {
    int rc = csv_scan_next(r, diag);
    if (rc < 0) return rc;
    if (rc == CXM_CSV_END)
        return cxm_diag_set(diag, CXM_EPARSE, r->name, r->csv.line, 0, NULL,
                            "empty input (expected a header line with column names)");
    if (r->csv.nfields > CXM_MAX_COLUMNS)
        return cxm_diag_set(diag, CXM_ELIMIT, r->name, r->rec_line, CXM_MAX_COLUMNS + 1, NULL,
                            "header has %zu columns, more than the limit of %u", r->csv.nfields, CXM_MAX_COLUMNS);
    if (rc == CXM_CSV_BAD)
        return cxm_diag_set(diag, CXM_EPARSE, r->name, r->csv.bad_line, r->csv.bad_col, NULL, "in the header: %s",
                            r->csv.bad_msg);
    size_t n = r->csv.nfields;
    r->hdr = malloc(n * sizeof *r->hdr);
    if (!r->hdr) return cxm_diag_set(diag, CXM_ENOMEM, r->name, 0, 0, NULL, "out of memory");
    r->hdrcap = n;
    cxm_dict seen;
    cxm_dict_init(&seen, CXM_MAX_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        const cxm_field *f = &r->csv.fields[i];
        uint32_t col = (uint32_t)(i + 1);
        char *s = cxm_arena_strndup(&r->names, f->ptr, f->len);
        if (!s) {
            rc = cxm_diag_set(diag, CXM_ENOMEM, r->name, 0, 0, NULL, "out of memory");
            break;
        }
        r->hdr[i].ptr = s;
        r->hdr[i].len = f->len;
        r->ncols = i + 1;
        if (f->len == 0) {
            rc = cxm_diag_set(diag, CXM_EPARSE, r->name, r->rec_line, col, NULL,
                              "column %u of the header has an empty name (expected a "
                              "non-empty column name)",
                              col);
            break;
        }
        uint32_t code;
        int added;
        rc = cxm_dict_intern(&seen, f->ptr, f->len, &code, &added);
        if (rc) {
            rc = cxm_diag_set(diag, rc, r->name, 0, 0, NULL, "out of memory");
            break;
        }
        if (!added) {
            rc = cxm_diag_set(diag, CXM_EPARSE, r->name, r->rec_line, col, s,
                              "duplicate column name \"%s\" in the header (also column %u; "
                              "expected unique names)",
                              s, code + 1);
            break;
        }
    }
    cxm_dict_free(&seen);
    if (rc < 0) return rc;
    rc = cxm_csv_reserve(&r->csv, n);
    if (rc) return cxm_diag_set(diag, rc, r->name, 0, 0, NULL, "out of memory");
    size_t bcap = ROWS_BATCH_FIELDS / n;
    if (bcap > ROWS_BATCH_MAX) bcap = ROWS_BATCH_MAX;
    if (bcap >= 2) { /* (else scanning ahead gains nothing) */
        r->bat = malloc(bcap * n * sizeof *r->bat);
        r->bline = malloc(bcap * sizeof *r->bline);
        r->bstop = malloc(bcap * sizeof *r->bstop);
        if (!r->bat || !r->bline || !r->bstop)
            return cxm_diag_set(diag, CXM_ENOMEM, r->name, 0, 0, NULL, "out of memory");
        r->bcap = bcap;
    }
    return CXM_OK;
}

static int csv_next(cxm_rows *r, const cxm_field **fields, size_t *nfields, cxm_diag *diag) {
    if (r->bi == r->bn && r->bcap && r->have_first && r->csv.kernel >= CXM_CSV_KERNEL_SSE2) {
        /* scan ahead what the block kernel takes */
        size_t pos = r->pos;
        r->bi = 0;
        r->csv.stop_at = window_limit(r);
        r->bn = cxm_csv_scan_many(&r->csv, r->data, &pos, r->end, r->bat, r->ncols, r->bcap, r->bline, r->bstop);
        r->pos = pos;
    }
    if (r->bi < r->bn) { /* the common case */
        *fields = r->bat + r->bi * r->ncols;
        *nfields = r->ncols;
        r->rec_line = r->bline[r->bi];
        r->bi++;
        return 1;
    }
    int rc = csv_scan_next(r, diag);
    if (rc < 0) return rc;
    if (rc == CXM_CSV_END) {
        r->stop = r->base + r->pos;
        r->stop_line = r->csv.line;
        if (!r->have_first) {
            r->first = r->stop;
            r->first_line = r->stop_line;
        }
        r->have_first = 1;
        return 0;
    }
    cxm_csv *s = &r->csv;
    if (!r->have_first) {
        r->first = r->base + s->rec_off;
        r->first_line = s->rec_line;
        r->have_first = 1;
    }
    if (s->nfields > r->ncols && (rc == CXM_CSV_RECORD || s->bad_col > r->ncols)) {
        uint32_t col = r->ncols + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(r->ncols + 1);
        return cxm_diag_set(diag, CXM_EPARSE, r->name, s->over_line, col, NULL,
                            "expected %zu fields as in the header, found %zu", r->ncols, s->nfields);
    }
    if (rc == CXM_CSV_BAD)
        return cxm_diag_set(diag, CXM_EPARSE, r->name, s->bad_line, s->bad_col, col_name(r, s->bad_col), "%s",
                            s->bad_msg);
    for (size_t i = s->nfields; i < r->ncols; i++) {
        s->fields[i].ptr = NULL;
        s->fields[i].len = 0;
    }
    *fields = s->fields;
    *nfields = r->ncols;
    return 1;
}

/* ---- NDJSON ---------------------------------------------------------- */

static int js_ws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *js_skip_ws(const char *p, const char *e) {
    while (p < e && js_ws(*p))
        p++;
    return p;
}

/* p is at '"': returns the byte after the closing quote (or e). */
static const char *js_skip_string(const char *p, const char *e) {
    p++;
    while (p < e) {
        if (*p == '\\') {
            p += e - p >= 2 ? 2 : 1;
            continue;
        }
        if (*p++ == '"') return p;
    }
    return e;
}

/* Skips one value starting at p (valid JSON): returns the byte after it. */
static const char *js_skip_value(const char *p, const char *e) {
    if (p >= e) return e;
    if (*p == '"') return js_skip_string(p, e);
    if (*p == '{' || *p == '[') {
        size_t depth = 0;
        while (p < e) {
            char c = *p;
            if (c == '"') {
                p = js_skip_string(p, e);
                continue;
            }
            p++;
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return p;
            }
        }
        return e;
    }
    while (p < e && *p != ',' && *p != '}' && *p != ']' && !js_ws(*p))
        p++;
    return p;
}

/* Deepest nesting of [ and { in [p, e), outside strings. */
static size_t js_depth(const char *p, const char *e) {
    size_t d = 0, max = 0;
    while (p < e) {
        const char *q = p;
        while (q < e && *q != '"' && *q != '{' && *q != '[' && *q != '}' && *q != ']')
            q++;
        if (q == e) break;
        char c = *q;
        if (c == '"') {
            p = js_skip_string(q, e);
            continue;
        }
        p = q + 1;
        if (c == '{' || c == '[') {
            if (++d > max) max = d;
        } else if (d) {
            d--;
        }
    }
    return max;
}

/* The value texts of the members (object) or elements (array) of the
 * container at p, in source order, into *arr (*cap entries, grown as
 * needed); *n receives the count. */
static int js_spans(nd_span **arr, size_t *cap, const char *p, const char *e, int object, size_t *n) {
    size_t k = 0;
    p = js_skip_ws(p, e);
    if (p < e) p++; /* { or [ */
    for (;;) {
        p = js_skip_ws(p, e);
        if (p >= e || *p == '}' || *p == ']') break;
        if (object) {
            p = js_skip_string(p, e);
            p = js_skip_ws(p, e);
            if (p < e) p++; /* : */
            p = js_skip_ws(p, e);
        }
        const char *v = p;
        p = js_skip_value(p, e);
        if (k == *cap) {
            size_t nc = *cap ? *cap * 2 : 32;
            nd_span *ns = realloc(*arr, nc * sizeof *ns);
            if (!ns) return CXM_ENOMEM;
            *arr = ns;
            *cap = nc;
        }
        (*arr)[k].p = v;
        (*arr)[k].n = (size_t)(p - v);
        k++;
        p = js_skip_ws(p, e);
        if (p < e && *p == ',') p++;
    }
    *n = k;
    return CXM_OK;
}

static const char *js_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return "null";
    }
}

static int nd_push_fix(cxm_rows *r, size_t field, size_t off) {
    if (r->nfix == r->fixcap) {
        size_t cap = r->fixcap ? r->fixcap * 2 : 16;
        cxm_csv_fix *nf = realloc(r->fix, cap * sizeof *nf);
        if (!nf) return CXM_ENOMEM;
        r->fix = nf;
        r->fixcap = cap;
    }
    r->fix[r->nfix].field = field;
    r->fix[r->nfix].off = off;
    r->nfix++;
    return CXM_OK;
}

/* Joins the scalars of array v (source text src) with ';' into r->join for
 * field col; null elements are left out. */
static int nd_join(cxm_rows *r, size_t col, const json_t *v, const char *src, size_t srclen, size_t *len) {
    size_t n = 0, off = r->join.len;
    int rc = CXM_OK;
    if (src && json_array_size(v) && (rc = js_spans(&r->espans, &r->espancap, src, src + srclen, 0, &n))) return rc;
    if (n != json_array_size(v)) n = 0;
    int first = 1;
    for (size_t i = 0; i < json_array_size(v) && !rc; i++) {
        const json_t *e = json_array_get(v, i);
        const char *t;
        size_t tl;
        switch (json_typeof(e)) {
        case JSON_STRING:
            t = json_string_value(e);
            tl = json_string_length(e);
            break;
        case JSON_INTEGER:
        case JSON_REAL:
            if (!n) return CXM_EPARSE; /* the spans did not line up */
            t = r->espans[i].p;
            tl = r->espans[i].n;
            break;
        case JSON_TRUE: t = "true", tl = 4; break;
        case JSON_FALSE: t = "false", tl = 5; break;
        default: continue;
        }
        if (!first) rc = cxm_buf_putc(&r->join, ';');
        if (!rc) rc = cxm_buf_append(&r->join, t, tl);
        first = 0;
    }
    if (rc) return rc;
    *len = r->join.len - off;
    return nd_push_fix(r, col, off);
}

/* Turns line [lp, lp+ll) (not blank) into the current record. */
static int nd_record(cxm_rows *r, const char *lp, size_t ll, uint64_t ln, cxm_diag *diag) {
    const char *le = lp + ll;
    if (js_depth(lp, le) > CXM_MAX_JSON_DEPTH)
        return cxm_diag_set(diag, CXM_EPARSE, r->name, ln, 0, NULL,
                            "JSON nested deeper than the limit of %u levels (expected one "
                            "flat object per line)",
                            CXM_MAX_JSON_DEPTH);
    json_error_t err;
    /* INT_AS_REAL: integers past int64 parse too (their text is what we keep). */
    json_t *root =
        json_loadb(lp, ll, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
    if (!root)
        return cxm_diag_set(diag, CXM_EPARSE, r->name, ln, err.column > 0 ? (uint32_t)err.column : 0, NULL,
                            "invalid JSON: %s (expected one JSON object per line)", err.text);
    r->root = root;
    if (!json_is_object(root))
        return cxm_diag_set(diag, CXM_EPARSE, r->name, ln, 1, NULL, "expected a JSON object, found %s", js_kind(root));

    /* Pass 1: check every member before the header may grow. */
    int has_num = 0;
    size_t nmem = 0;
    for (void *it = json_object_iter(root); it; it = json_object_iter_next(root, it), nmem++) {
        const char *key = json_object_iter_key(it);
        const json_t *v = json_object_iter_value(it);
        if (json_object_iter_key_len(it) == 0)
            return cxm_diag_set(diag, CXM_EPARSE, r->name, ln, 0, NULL, "empty key (expected a non-empty column name)");
        switch (json_typeof(v)) {
        case JSON_OBJECT:
            return cxm_diag_set(diag, CXM_EPARSE, r->name, ln, 0, key,
                                "nested object under key \"%s\" (expected a string, number, "
                                "true, false, null or an array of those)",
                                key);
        case JSON_ARRAY:
            for (size_t i = 0; i < json_array_size(v); i++) {
                const json_t *e = json_array_get(v, i);
                if (json_is_object(e) || json_is_array(e))
                    return cxm_diag_set(diag, CXM_EPARSE, r->name, ln, 0, key,
                                        "array under key \"%s\" holds a nested object or "
                                        "array (expected strings, numbers, true, false or "
                                        "null)",
                                        key);
                if (json_is_number(e)) has_num = 1;
            }
            break;
        case JSON_INTEGER:
        case JSON_REAL: has_num = 1; break;
        default: break;
        }
    }
    size_t nspan = 0;
    if (has_num) {
        int rc = js_spans(&r->spans, &r->spancap, lp, le, 1, &nspan);
        if (rc) return cxm_diag_set(diag, rc, r->name, ln, 0, NULL, "out of memory");
        if (nspan != nmem)
            return cxm_diag_set(diag, CXM_EPARSE, r->name, ln, 0, NULL, "could not locate the members' source text");
    }

    /* Pass 2: map keys to columns (growing the header). */
    for (void *it = json_object_iter(root); it; it = json_object_iter_next(root, it)) {
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        uint32_t code;
        int added;
        int rc = cxm_dict_intern(&r->keys, key, klen, &code, &added);
        if (rc == CXM_ELIMIT)
            return cxm_diag_set(diag, rc, r->name, ln, 0, key, "more than %u distinct keys (the column limit)",
                                CXM_MAX_COLUMNS);
        if (rc) return cxm_diag_set(diag, rc, r->name, ln, 0, NULL, "out of memory");
        if (!added) continue;
        if (r->ncols == r->hdrcap) {
            size_t cap = r->hdrcap ? r->hdrcap * 2 : 16;
            cxm_field *nh = realloc(r->hdr, cap * sizeof *nh);
            if (!nh) return cxm_diag_set(diag, CXM_ENOMEM, r->name, 0, 0, NULL, "out of memory");
            r->hdr = nh;
            r->hdrcap = cap;
        }
        r->hdr[r->ncols].ptr = cxm_dict_str(&r->keys, code);
        r->hdr[r->ncols].len = klen;
        r->ncols++;
    }
    if (r->ndfcap < r->ncols) {
        size_t cap = r->ndfcap ? r->ndfcap : 16;
        while (cap < r->ncols)
            cap *= 2;
        cxm_field *nf = realloc(r->ndf, cap * sizeof *nf);
        if (!nf) return cxm_diag_set(diag, CXM_ENOMEM, r->name, 0, 0, NULL, "out of memory");
        r->ndf = nf;
        r->ndfcap = cap;
    }
    for (size_t i = 0; i < r->ncols; i++) {
        r->ndf[i].ptr = NULL;
        r->ndf[i].len = 0;
    }

    /* Pass 3: the fields. */
    cxm_buf_reset(&r->join);
    r->nfix = 0;
    size_t k = 0;
    for (void *it = json_object_iter(root); it; it = json_object_iter_next(root, it), k++) {
        const char *key = json_object_iter_key(it);
        const json_t *v = json_object_iter_value(it);
        uint32_t code = 0;
        (void)cxm_dict_find(&r->keys, key, json_object_iter_key_len(it), &code);
        cxm_field *f = &r->ndf[code];
        switch (json_typeof(v)) {
        case JSON_STRING:
            f->ptr = json_string_value(v);
            f->len = json_string_length(v);
            break;
        case JSON_INTEGER:
        case JSON_REAL:
            f->ptr = r->spans[k].p;
            f->len = r->spans[k].n;
            break;
        case JSON_TRUE:
            f->ptr = "true";
            f->len = 4;
            break;
        case JSON_FALSE:
            f->ptr = "false";
            f->len = 5;
            break;
        case JSON_ARRAY: {
            const char *src = has_num ? r->spans[k].p : NULL;
            size_t srclen = has_num ? r->spans[k].n : 0;
            size_t len = 0;
            int rc = nd_join(r, code, v, src, srclen, &len);
            if (rc == CXM_ELIMIT)
                return cxm_diag_set(diag, rc, r->name, ln, 0, key, "joined array longer than the limit of %u MiB",
                                    (unsigned)(CXM_MAX_RECORD_BYTES >> 20));
            if (rc == CXM_EPARSE)
                return cxm_diag_set(diag, rc, r->name, ln, 0, key, "could not locate the array's source text");
            if (rc) return cxm_diag_set(diag, rc, r->name, ln, 0, NULL, "out of memory");
            f->ptr = ""; /* patched below; non-NULL even when empty */
            f->len = len;
            break;
        }
        default: break; /* null: missing */
        }
    }
    for (size_t i = 0; i < r->nfix; i++)
        r->ndf[r->fix[i].field].ptr = r->join.data ? r->join.data + r->fix[i].off : "";
    return 1;
}

/* The next line: 1 with [*lp, *lp + *ll), 0 at end of input, or < 0. */
static int nd_line(cxm_rows *r, const char **lp, size_t *ll, cxm_diag *diag) {
    for (;;) {
        const char *p = r->data + r->pos;
        size_t avail = r->end - r->pos;
        const char *nl = avail ? memchr(p, '\n', avail) : NULL;
        if (nl) {
            *lp = p;
            *ll = (size_t)(nl - p);
            r->pos += *ll + 1;
            return 1;
        }
        if (r->eof) {
            if (!avail) return 0;
            *lp = p;
            *ll = avail;
            r->pos = r->end;
            return 1;
        }
        int rc = fill(r, diag);
        if (rc < 0) return rc;
        if (rc == 1)
            return cxm_diag_set(diag, CXM_ELIMIT, r->name, r->nd_line, 0, NULL, "line longer than the limit of %u MiB",
                                (unsigned)(CXM_MAX_RECORD_BYTES >> 20));
    }
}

static int nd_next(cxm_rows *r, cxm_diag *diag) {
    json_decref(r->root);
    r->root = NULL;
    for (;;) {
        const char *lp = NULL;
        size_t ll = 0;
        int rc = nd_line(r, &lp, &ll, diag);
        if (rc <= 0) return rc;
        uint64_t ln = r->nd_line++;
        size_t i = 0;
        while (i < ll && (lp[i] == ' ' || lp[i] == '\t' || lp[i] == '\r'))
            i++;
        if (i == ll) continue; /* blank line */
        r->rec_line = ln;
        return nd_record(r, lp, ll, ln, diag);
    }
}

/* ---- opening and closing --------------------------------------------- */

static int rows_new(cxm_rows **out, const char *name, cxm_rows_format format, char delim, cxm_diag *diag) {
    *out = NULL;
    if (format != CXM_ROWS_CSV && format != CXM_ROWS_NDJSON)
        return cxm_diag_set(diag, CXM_EINVAL, name, 0, 0, NULL, "unknown record format %d", (int)format);
    if (delim == 0) delim = ',';
    if (format == CXM_ROWS_CSV && (delim == '"' || delim == '\r' || delim == '\n'))
        return cxm_diag_set(diag, CXM_EUSAGE, name, 0, 0, NULL, "the CSV delimiter cannot be a quote, CR or LF");
    cxm_rows *r = calloc(1, sizeof *r);
    if (!r) return cxm_diag_set(diag, CXM_ENOMEM, name, 0, 0, NULL, "out of memory");
    size_t n = strlen(name);
    r->name = malloc(n + 1);
    if (!r->name) {
        free(r);
        return cxm_diag_set(diag, CXM_ENOMEM, name, 0, 0, NULL, "out of memory");
    }
    memcpy(r->name, name, n + 1);
    r->format = format;
    r->fd = -1;
    r->data = "";
    r->nd_line = 1;
    r->limit = UINT64_MAX;
    cxm_arena_init(&r->names);
    cxm_csv_init(&r->csv, delim, CXM_MAX_COLUMNS);
    cxm_dict_init(&r->keys, CXM_MAX_COLUMNS);
    cxm_buf_init(&r->join, CXM_MAX_RECORD_BYTES);
    *out = r;
    return CXM_OK;
}

/* Skips a BOM, then reads the header (CSV) or the first record (NDJSON). */
static int rows_start(cxm_rows *r, cxm_diag *diag) {
    if (r->end - r->pos >= 3 && memcmp(r->data + r->pos, "\xEF\xBB\xBF", 3) == 0) r->pos += 3;
    if (r->format == CXM_ROWS_CSV) return csv_read_header(r, diag);
    int rc = nd_next(r, &r->pending_diag);
    if (rc < 0 && rc != CXM_EPARSE) {
        if (diag) *diag = r->pending_diag;
        return rc;
    }
    r->pending = 1;
    r->pending_rc = rc;
    return CXM_OK;
}

int cxm_rows_open(cxm_rows **out, const char *path, cxm_rows_format format, char delim, cxm_diag *diag) {
    if (!out || !path) return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "no path");
    int is_stdin = strcmp(path, "-") == 0;
    cxm_rows *r;
    int rc = rows_new(&r, is_stdin ? "<stdin>" : path, format, delim, diag);
    if (rc) return rc;
    if (is_stdin) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            rc = cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
            cxm_rows_free(r);
            return rc;
        }
        r->close_fd = 1;
    }
    size_t cap = ROWS_WINDOW_START;
    struct stat st;
    if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        r->total = st.st_size > 0 ? (uint64_t)st.st_size : 0;
        if (r->total + 1 < cap) cap = (size_t)r->total + 1;
        if (cap < ROWS_WINDOW_MIN) cap = ROWS_WINDOW_MIN;
    }
    r->own = malloc(cap);
    if (!r->own) {
        rc = cxm_diag_set(diag, CXM_ENOMEM, r->name, 0, 0, NULL, "out of memory");
        cxm_rows_free(r);
        return rc;
    }
    r->data = r->own;
    r->cap = cap;
    rc = fill(r, diag);
    if (!rc) rc = rows_start(r, diag);
    if (rc < 0) {
        cxm_rows_free(r);
        return rc;
    }
    *out = r;
    return CXM_OK;
}

int cxm_rows_open_mem(cxm_rows **out, const char *name, const char *data, size_t len, cxm_rows_format format,
                      char delim, cxm_diag *diag) {
    if (!out || (!data && len)) return cxm_diag_set(diag, CXM_EINVAL, name, 0, 0, NULL, "no data");
    cxm_rows *r;
    int rc = rows_new(&r, name ? name : "<memory>", format, delim, diag);
    if (rc) return rc;
    r->data = data ? data : "";
    r->end = len;
    r->total = len;
    r->eof = 1;
    rc = rows_start(r, diag);
    if (rc < 0) {
        cxm_rows_free(r);
        return rc;
    }
    *out = r;
    return CXM_OK;
}

int cxm_rows_open_range(cxm_rows **out, const char *path, char delim, uint64_t start, uint64_t end, cxm_diag *diag) {
    if (!out || !path) return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "no path");
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return cxm_diag_set(diag, CXM_EUSAGE, "<stdin>", 0, 0, NULL, "standard input cannot be read by ranges");
    cxm_rows *r;
    int rc = cxm_rows_open(&r, path, CXM_ROWS_CSV, delim, diag);
    if (rc) return rc;
    struct stat st;
    if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        cxm_rows_free(r);
        return cxm_diag_set(diag, CXM_EUSAGE, path, 0, 0, NULL, "not a regular file: cannot be read by ranges");
    }
    if (start > r->total) start = r->total;
    uint64_t at = r->base + r->pos; /* just past the header */
    if (start > at) {               /* begin after the first LF at or after start - 1 */
        if (start - 1 <= r->base + r->end) {
            r->pos = (size_t)(start - 1 - r->base);
        } else if (lseek(r->fd, (off_t)(start - 1), SEEK_SET) < 0) {
            rc = cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot seek: %s", strerror(errno));
        } else {
            r->base = start - 1;
            r->pos = r->end = 0;
            r->eof = 0;
        }
        while (!rc) {
            const char *nl = memchr(r->data + r->pos, '\n', r->end - r->pos);
            if (nl) {
                r->pos = (size_t)(nl + 1 - r->data);
                break;
            }
            r->pos = r->end;
            if (r->eof) break;
            rc = fill(r, diag); /* (with pos == end the window only slides on) */
        }
        if (rc) {
            cxm_rows_free(r);
            return rc;
        }
        r->csv.line = 1; /* not known: see cxm_rows_range_bounds */
        r->csv.cr_pending = 0;
    }
    r->rstart = r->base + r->pos;
    r->limit = end;
    *out = r;
    return CXM_OK;
}

void cxm_rows_range_bounds(const cxm_rows *r, cxm_rows_bounds *b) {
    b->first = r->first;
    b->stop = r->stop;
    b->first_line = r->first_line;
    b->stop_line = r->stop_line;
}

int cxm_rows_set_csv_kernel(cxm_rows *r, int kernel) {
    return r->format == CXM_ROWS_CSV ? cxm_csv_set_kernel(&r->csv, kernel) : 0;
}

void cxm_rows_header(const cxm_rows *r, const cxm_field **names, size_t *ncols) {
    *names = r->hdr;
    *ncols = r->ncols;
}

int cxm_rows_next(cxm_rows *r, const cxm_field **fields, size_t *nfields, cxm_diag *diag) {
    if (r->format == CXM_ROWS_CSV) return csv_next(r, fields, nfields, diag);
    int rc;
    if (r->pending) {
        r->pending = 0;
        rc = r->pending_rc;
        if (rc < 0 && diag) *diag = r->pending_diag;
    } else {
        rc = nd_next(r, diag);
    }
    if (rc == 1) {
        *fields = r->ndf;
        *nfields = r->ncols;
    }
    return rc;
}

uint64_t cxm_rows_line(const cxm_rows *r) {
    return r->rec_line;
}

void cxm_rows_progress(const cxm_rows *r, uint64_t *done, uint64_t *total) {
    uint64_t at = r->base + (r->bn ? r->bstop[r->bi - 1] : r->pos);
    if (r->limit != UINT64_MAX) { /* a range: bytes of [rstart, limit) */
        uint64_t len = r->limit > r->rstart ? r->limit - r->rstart : 0;
        at = at > r->rstart ? at - r->rstart : 0;
        if (done) *done = at < len ? at : len;
        if (total) *total = len;
        return;
    }
    if (done) *done = at;
    if (total) *total = r->total;
}

const char *cxm_rows_name(const cxm_rows *r) {
    return r->name;
}

void cxm_rows_free(cxm_rows *r) {
    if (!r) return;
    if (r->close_fd && r->fd >= 0) close(r->fd);
    free(r->own);
    free(r->name);
    free(r->hdr);
    cxm_arena_free(&r->names);
    cxm_csv_free(&r->csv);
    free(r->bat);
    free(r->bline);
    free(r->bstop);
    cxm_dict_free(&r->keys);
    json_decref(r->root);
    free(r->ndf);
    free(r->spans);
    free(r->espans);
    cxm_buf_free(&r->join);
    free(r->fix);
    free(r);
}

cxm_rows_format cxm_rows_guess_format(const char *path) {
    static const char *const exts[] = {".ndjson", ".jsonl", ".json"};
    size_t n = path ? strlen(path) : 0;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t m = strlen(exts[i]);
        if (n > m && strcasecmp(path + n - m, exts[i]) == 0) return CXM_ROWS_NDJSON;
    }
    return CXM_ROWS_CSV;
}
