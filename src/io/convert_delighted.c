/*
 * convert_delighted.c - the `delighted` import profile: Delighted survey
 * responses, as its API lists them (GET /v1/survey_responses.json), into
 * responses.csv.
 *
 * Input: a JSON array of response objects, several arrays one after the
 * other (pages appended to one file), or one object per line (NDJSON); a
 * UTF-8 byte-order mark is skipped. "-" reads standard input (copied to a
 * temporary file, since the file is read twice).
 *
 * Mapping (docs/IMPORT.md "delighted"):
 *   response_id = id;  at = created_at (Unix seconds, or any instant
 *   docs/DATA.md accepts);  score;  comment;
 *   customer_id = person (the id string, or person.id when the API was asked
 *     to expand it; the email and name are not carried);
 *   survey = survey_type, mapped: nps, enps 0-10; csat 1-5; ces 1-7
 *     (Delighted's default CES scale; 5-point projects: --scale ces=1-5);
 *     five_star, smileys -> csat 1-5; thumbs 0-1; pmf 1-3. A missing
 *     survey_type reads as nps (Delighted's first and default type), with a
 *     warning. --scale SURVEY=MIN-MAX overrides a scale; naming a Delighted
 *     type itself (--scale five_star=1-5) keeps it as its own survey; an
 *     unknown type needs one;
 *   survey_type = the type as given; response_tags = tags joined with ';'
 *     (a column only when some response has tags);
 *   each person_properties key -> one dimension column, named by
 *     cxm_cvt_names_add (lower case, '_' for spaces and punctuation: "Purchase
 *     Experience" -> purchase_experience); a key that names one of the
 *     columns above gets the prefix property_; keys that become ticket_id,
 *     agent or channel are the canonical columns (ticket_id joins the answer
 *     to its ticket). Columns in first-seen order.
 *   Not read: notes, permalink, updated_at, additional_answers.
 *
 * Defects: a record is bad (left out, listed in rejected_responses.csv with
 * the line where it starts and, inside an array, its position) when it is
 * not an object or not valid JSON, has no id, an unreadable created_at, a
 * score that is missing, not a whole number or off its survey's scale, an
 * unknown survey_type without --scale, or an id seen before. Warnings:
 * missing survey_type (read as nps); person_properties that is not an
 * object (ignored); every CES answer (20 or more) at 5 or under on the
 * default 1-7 scale (a 5-point project? --scale ces=1-5).
 * A malformed element inside an array whose brackets still balance is a bad
 * record and reading goes on after it; one that leaves the array unclosed,
 * or a raw line break inside a string within an array, stops the
 * conversion (CXM_EPARSE, with line and column). On NDJSON lines a broken
 * line is a bad record.
 *
 * Two passes over the file: the first collects the property keys (the
 * header needs them all) by walking each object's bytes (scan_keys; the
 * parser only for records it cannot walk, such as escaped keys), the second
 * parses each record with jansson and writes it; the second pass checks
 * that every key it meets was collected. Keys of a record that turns out
 * bad still make their (then empty) columns. Memory: one record at a time
 * (a record is capped at CXM_MAX_RECORD_BYTES) plus the ids seen (about 26
 * bytes each) and the property names. Exports hold thousands to millions of
 * responses; 500,000 responses (170 MB) convert in about 6 s, most of it
 * jansson building the records.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/dict.h"
#include "core/idset.h"
#include "core/limits.h"
#include "io/convert.h"
#include "time/parse.h"

/* ---- a stream of JSON values ------------------------------------------- */

#define CHUNK (1u << 20)

typedef struct jstream {
    FILE *f;        /* owned */
    const char *in; /* the input's name, for diagnostics (borrowed) */
    char *buf;      /* owned: buf[pos..len) not yet consumed */
    size_t len, pos, cap;
    int eof;
    uint64_t line;   /* 1-based line of buf[pos] */
    uint64_t col;    /* 1-based byte column of buf[pos] */
    int in_array;    /* inside a top-level array */
    uint64_t index;  /* elements begun in the current array */
    uint64_t arrays; /* arrays begun */
    uint64_t array_line;
    int raw; /* return objects unparsed (rec->raw), for the first pass */
} jstream;

/* One value read. */
typedef struct jrec {
    json_t *v;       /* owned (json_decref); NULL for a bad record, and in raw mode */
    const char *raw; /* raw mode: the object's bytes, valid until the next js_next */
    size_t rawlen;
    uint64_t line;  /* where it starts */
    uint64_t index; /* its position in its array (1-based), 0 outside arrays */
    uint64_t array; /* which array (1-based), 0 outside arrays */
} jrec;

enum { J_END = 0, J_RECORD = 1, J_BAD = 2 };

static void js_reset(jstream *js) {
    js->len = js->pos = 0;
    js->eof = 0;
    js->line = js->col = 1;
    js->in_array = 0;
    js->index = js->arrays = js->array_line = 0;
}

/* Opens path ("-" = standard input, copied to a temporary file) into the
 * caller's js; js_close frees what it holds (also after a failed open). */
static int js_open(jstream *js, const char *path, cxm_diag *diag) {
    memset(js, 0, sizeof *js);
    js->in = path;
    js_reset(js);
    if (strcmp(path, "-") != 0) {
        js->f = fopen(path, "rb");
        if (!js->f) return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
        return CXM_OK;
    }
    js->f = tmpfile();
    if (!js->f) return cxm_diag_set(diag, CXM_EIO, "-", 0, 0, NULL, "cannot make a temporary copy of standard input");
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, stdin)) > 0)
        if (fwrite(tmp, 1, n, js->f) != n)
            return cxm_diag_set(diag, CXM_EIO, "-", 0, 0, NULL, "cannot copy standard input to a temporary file");
    if (ferror(stdin)) return cxm_diag_set(diag, CXM_EIO, "-", 0, 0, NULL, "cannot read standard input");
    rewind(js->f);
    return CXM_OK;
}

static int js_rewind(jstream *js, cxm_diag *diag) {
    js_reset(js);
    if (fseek(js->f, 0, SEEK_SET) != 0)
        return cxm_diag_set(diag, CXM_EIO, js->in, 0, 0, NULL, "cannot read it a second time: %s", strerror(errno));
    clearerr(js->f);
    return CXM_OK;
}

static void js_close(jstream *js) {
    if (js->f) fclose(js->f);
    free(js->buf);
    memset(js, 0, sizeof *js);
}

/* Reads more input after buf[len) (moving the unread part to the front).
 * Returns 0 (js->eof set at the end), CXM_ELIMIT when the unread part
 * passes CXM_MAX_RECORD_BYTES, CXM_EIO or CXM_ENOMEM. */
static int js_fill(jstream *js, cxm_diag *diag) {
    if (js->eof) return CXM_OK;
    if (js->pos) {
        memmove(js->buf, js->buf + js->pos, js->len - js->pos);
        js->len -= js->pos;
        js->pos = 0;
    }
    if (js->len > CXM_MAX_RECORD_BYTES)
        return cxm_diag_set(diag, CXM_ELIMIT, js->in, js->line, (uint32_t)(js->col > UINT32_MAX ? 0 : js->col), NULL,
                            "a JSON record longer than %u bytes (CXM_MAX_RECORD_BYTES)",
                            (unsigned)CXM_MAX_RECORD_BYTES);
    if (js->cap - js->len < CHUNK) {
        size_t cap = js->cap ? js->cap * 2 : 2 * (size_t)CHUNK;
        while (cap - js->len < CHUNK)
            cap *= 2;
        char *p = realloc(js->buf, cap + 1);
        if (!p) return CXM_ENOMEM;
        js->buf = p;
        js->cap = cap;
    }
    size_t n = fread(js->buf + js->len, 1, js->cap - js->len, js->f);
    if (n == 0) {
        if (ferror(js->f)) return cxm_diag_set(diag, CXM_EIO, js->in, js->line, 0, NULL, "read error");
        js->eof = 1;
    }
    js->len += n;
    return CXM_OK;
}

/* Consumes n bytes, keeping line and column. */
static void js_advance(jstream *js, size_t n) {
    const char *p = js->buf + js->pos, *end = p + n;
    const char *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        js->line++;
        js->col = 1;
        p = nl + 1;
    }
    js->col += (uint64_t)(end - p);
    js->pos += n;
}

/* Makes at least `need` unread bytes available unless the input ends first. */
static int js_want(jstream *js, size_t need, cxm_diag *diag) {
    while (js->len - js->pos < need && !js->eof) {
        int rc = js_fill(js, diag);
        if (rc) return rc;
    }
    return CXM_OK;
}

/* Skips through the end of the current line. */
static int js_skip_line(jstream *js, cxm_diag *diag) {
    for (;;) {
        const char *nl = memchr(js->buf + js->pos, '\n', js->len - js->pos);
        if (nl) {
            js_advance(js, (size_t)(nl - (js->buf + js->pos)) + 1);
            return CXM_OK;
        }
        js_advance(js, js->len - js->pos);
        if (js->eof) return CXM_OK;
        int rc = js_fill(js, diag);
        if (rc) return rc;
    }
}

static const char *where(const jrec *r, char *buf, size_t cap);

/* Fills diag for a bad record starting at rec->line, col (where it is in its
 * array appended) and returns J_BAD. */
static int bad_at(jstream *js, cxm_diag *diag, const jrec *rec, uint64_t col, const char *fmt, ...) CXM_PRINTF(5, 6);
static int bad_at(jstream *js, cxm_diag *diag, const jrec *rec, uint64_t col, const char *fmt, ...) {
    char msg[400], wh[80];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cxm_diag_set(diag, CXM_EPARSE, js->in, rec->line, (uint32_t)(col > UINT32_MAX ? 0 : col), NULL, "%s%s", msg,
                 where(rec, wh, sizeof wh));
    return J_BAD;
}

/*
 * Finds the end of the object or array starting at buf[pos] ('{' or '['):
 * *end gets its length. Returns 1 when found, 0 when the input ends first
 * (*why set), 2 at a raw line break inside a string (*end = its offset), or
 * a negative error.
 */
static int js_scan(jstream *js, size_t *end, const char **why, cxm_diag *diag) {
    size_t off = 0;
    uint32_t depth = 0;
    int in_str = 0, esc = 0;
    for (;;) {
        if (js->pos + off >= js->len) {
            if (js->eof) {
                *why = in_str ? "a string is not closed" : "it is not closed";
                return 0;
            }
            int rc = js_fill(js, diag);
            if (rc) return rc;
            continue;
        }
        char ch = js->buf[js->pos + off];
        if (in_str) {
            if (esc)
                esc = 0;
            else if (ch == '\\')
                esc = 1;
            else if (ch == '"')
                in_str = 0;
            else if (ch == '\n') {
                *end = off;
                return 2;
            }
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (--depth == 0) {
                *end = off + 1;
                return 1;
            }
        }
        off++;
    }
}

/* Describes a scalar's first bytes for a message. */
static const char *scalar_show(const jstream *js, char *buf, size_t cap) {
    size_t n = 0;
    while (js->pos + n < js->len && n < 40 && n + 1 < cap) {
        char ch = js->buf[js->pos + n];
        if (ch == ',' || ch == ']' || ch == '\n' || ch == '\r') break;
        buf[n] = ch;
        n++;
    }
    buf[n] = 0;
    return buf;
}

/*
 * Next value: J_RECORD with rec->v an object (owned by the caller), J_BAD
 * for a bad record (diag filled, already skipped), J_END, or a negative
 * error (a file that cannot be read on: diag filled).
 */
static int js_next(jstream *js, jrec *rec, cxm_diag *diag) {
    memset(rec, 0, sizeof *rec);
    for (;;) {
        int rc = js_want(js, 1, diag);
        if (rc) return rc;
        if (js->pos == js->len) {
            if (js->in_array)
                return cxm_diag_set(diag, CXM_EPARSE, js->in, js->array_line, 0, NULL,
                                    "the array that starts here is not closed: expected ']' before the end of the "
                                    "file");
            return J_END;
        }
        char ch = js->buf[js->pos];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || (js->in_array && ch == ',')) {
            js_advance(js, 1);
            continue;
        }
        if (js->line == 1 && js->col == 1 && (unsigned char)ch == 0xEF) {
            if ((rc = js_want(js, 3, diag))) return rc;
            if (js->len - js->pos >= 3 && !memcmp(js->buf + js->pos, "\xEF\xBB\xBF", 3)) {
                js->pos += 3; /* the byte-order mark does not count as a column */
                continue;
            }
        }
        if (ch == '[' && !js->in_array) {
            js->in_array = 1;
            js->index = 0;
            js->arrays++;
            js->array_line = js->line;
            js_advance(js, 1);
            continue;
        }
        if (ch == ']' && js->in_array) {
            js->in_array = 0;
            js_advance(js, 1);
            continue;
        }
        break;
    }
    rec->line = js->line;
    uint64_t col = js->col;
    if (js->in_array) {
        rec->index = ++js->index;
        rec->array = js->arrays;
    }
    char ch = js->buf[js->pos];
    char show[64];
    if (ch != '{' && ch != '[') { /* a scalar, or stray text */
        scalar_show(js, show, sizeof show);
        if (!js->in_array) {
            int rc = js_skip_line(js, diag);
            if (rc) return rc;
            return bad_at(js, diag, rec, col, "expected a response object, found '%s'", show);
        }
        /* inside an array: skip to the next ',' or ']' outside a string */
        int in_str = 0, esc = 0;
        for (;;) {
            int rc = js_want(js, 1, diag);
            if (rc) return rc;
            if (js->pos == js->len) break;
            char c2 = js->buf[js->pos];
            if (in_str) {
                if (esc)
                    esc = 0;
                else if (c2 == '\\')
                    esc = 1;
                else if (c2 == '"')
                    in_str = 0;
            } else if (c2 == '"') {
                in_str = 1;
            } else if (c2 == ',' || c2 == ']' || c2 == '{' || c2 == '[') {
                break;
            }
            js_advance(js, 1);
        }
        return bad_at(js, diag, rec, col, "expected a response object, found '%s'", show);
    }
    size_t end = 0;
    const char *why = NULL;
    int found = js_scan(js, &end, &why, diag);
    if (found < 0) return found;
    if (found == 0) {
        if (js->in_array)
            return cxm_diag_set(diag, CXM_EPARSE, js->in, rec->line, (uint32_t)(col > UINT32_MAX ? 0 : col), NULL,
                                "a JSON value that starts here runs to the end of the file: %s", why);
        js_advance(js, js->len - js->pos);
        return bad_at(js, diag, rec, col, "not valid JSON: %s before the end of the file", why);
    }
    if (found == 2) { /* a raw line break inside a string */
        js_advance(js, end);
        if (js->in_array)
            return cxm_diag_set(diag, CXM_EPARSE, js->in, js->line, (uint32_t)(js->col > UINT32_MAX ? 0 : js->col),
                                NULL, "not valid JSON: a line break inside a string (write it as \\n)");
        int rc = js_skip_line(js, diag);
        if (rc) return rc;
        return bad_at(js, diag, rec, col, "%s", "not valid JSON: a line break inside a string");
    }
    if (js->raw && js->buf[js->pos] == '{') {
        rec->raw = js->buf + js->pos;
        rec->rawlen = end;
        js_advance(js, end); /* the bytes stay in place until the next read */
        return J_RECORD;
    }
    json_error_t e;
    json_t *v = json_loadb(js->buf + js->pos, end, JSON_ALLOW_NUL, &e);
    if (!v) {
        uint64_t eline = rec->line + (e.line > 1 ? (uint64_t)e.line - 1 : 0);
        uint64_t ecol =
            e.line > 1 ? (uint64_t)(e.column > 0 ? e.column : 0) : col + (uint64_t)(e.column > 1 ? e.column - 1 : 0);
        js_advance(js, end);
        char msg[300];
        snprintf(msg, sizeof msg, "not valid JSON at line %llu, column %llu: %s", (unsigned long long)eline,
                 (unsigned long long)ecol, e.text);
        return bad_at(js, diag, rec, col, "%s", msg);
    }
    js_advance(js, end);
    if (!json_is_object(v)) {
        json_decref(v);
        return bad_at(js, diag, rec, col, "expected a response object, found %s", "an array");
    }
    rec->v = v;
    return J_RECORD;
}

/* ---- the profile ------------------------------------------------------- */

/* Delighted's survey types: the survey cxm writes and its scale. */
static const struct {
    const char *type, *survey;
    int min, max;
} TYPES[] = {
    {"nps", "nps", 0, 10},       {"enps", "enps", 0, 10},  {"csat", "csat", 1, 5},     {"ces", "ces", 1, 7},
    {"five_star", "csat", 1, 5}, {"5_star", "csat", 1, 5}, {"star", "csat", 1, 5},     {"stars", "csat", 1, 5},
    {"smileys", "csat", 1, 5},   {"smiley", "csat", 1, 5}, {"thumbs", "thumbs", 0, 1}, {"pmf", "pmf", 1, 3},
};
#define NTYPES (sizeof TYPES / sizeof TYPES[0])

/* The columns written before the dimensions; a property key that would
 * take one of these names is prefixed with property_. */
static const char *const RESERVED[] = {CXM_CVT_RESPONSE_COLS, "customer_id", "comment", "survey_type",
                                       "response_tags",       "source_line", NULL};
#define NFIXED (CXM_CVT_NRESPONSE_COLS + 3)

#define MAX_SCALES 64

typedef struct dstate {
    cxm_cvt *c;
    cxm_cvt_scale scales[MAX_SCALES];
    size_t nscales;
    cxm_dict keys;       /* property key -> dimension index (first-seen order) */
    cxm_cvt_names dims;  /* the dimension columns' names */
    const json_t **vals; /* per record: dimension index -> value (borrowed) */
    int has_tags;
    cxm_idset seen;
    cxm_buf scratch;
    cxm_cvt_tally no_type, props_not_object;
    uint64_t ces_default_n;
    int ces_default_max;
} dstate;

/* The text of a scalar value: strings as they are, integers in decimal,
 * reals, true and false; 1 when there is one, 0 for null or absent, -1 for
 * arrays and objects. *p borrowed from v or tmp. */
static int scalar_text(const json_t *v, char *tmp, size_t cap, const char **p, size_t *n) {
    *p = NULL;
    *n = 0;
    if (!v || json_is_null(v)) return 0;
    int w = -1;
    switch (json_typeof(v)) {
    case JSON_STRING:
        *p = json_string_value(v);
        *n = json_string_length(v);
        return 1;
    case JSON_INTEGER: w = snprintf(tmp, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: w = snprintf(tmp, cap, "%.15g", json_real_value(v)); break;
    case JSON_TRUE: w = snprintf(tmp, cap, "true"); break;
    case JSON_FALSE: w = snprintf(tmp, cap, "false"); break;
    default: return -1;
    }
    *p = tmp;
    *n = w > 0 ? (size_t)w : 0;
    return 1;
}

/* Writes s[0..n) as one field, dropping NUL bytes (JSON's \u0000). */
static void put_text(dstate *s, cxm_cvt_out *w, const char *p, size_t n) {
    if (!p || !memchr(p, 0, n)) {
        cxm_cvt_put(w, p, n);
        return;
    }
    cxm_buf_reset(&s->scratch);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        if (p[i]) rc = cxm_buf_putc(&s->scratch, p[i]);
    if (rc && !w->err) w->err = rc;
    cxm_cvt_put(w, s->scratch.data, rc ? 0 : s->scratch.len);
}

/* Writes any value: scalars as text, arrays of scalars joined with ';',
 * anything else as compact JSON. */
static void put_value(dstate *s, cxm_cvt_out *w, const json_t *v) {
    char tmp[64];
    const char *p;
    size_t n;
    int k = scalar_text(v, tmp, sizeof tmp, &p, &n);
    if (k >= 0) {
        put_text(s, w, p, n);
        return;
    }
    cxm_buf_reset(&s->scratch);
    int rc = 0, flat = json_is_array(v);
    for (size_t i = 0; flat && i < json_array_size(v); i++)
        flat = scalar_text(json_array_get(v, i), tmp, sizeof tmp, &p, &n) >= 0;
    if (flat) {
        for (size_t i = 0; i < json_array_size(v) && !rc; i++) {
            scalar_text(json_array_get(v, i), tmp, sizeof tmp, &p, &n);
            if (i) rc = cxm_buf_putc(&s->scratch, ';');
            for (size_t j = 0; j < n && !rc; j++)
                if (p[j]) rc = cxm_buf_putc(&s->scratch, p[j]);
        }
    } else {
        char *j = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        rc = j ? cxm_buf_append(&s->scratch, j, strlen(j)) : CXM_ENOMEM;
        free(j);
    }
    if (rc && !w->err) w->err = rc;
    cxm_cvt_put(w, s->scratch.data, rc ? 0 : s->scratch.len);
}

/* What a value is, for messages: none, null, an array, an object, or its
 * text quoted ('9.5', 'abc', cut at 60 bytes). */
static const char *describe(const json_t *v, char *buf, size_t cap) {
    char tmp[64];
    const char *p;
    size_t n;
    if (!v) return "none";
    int k = scalar_text(v, tmp, sizeof tmp, &p, &n);
    if (k == 0) return "null";
    if (k < 0) return json_is_array(v) ? "an array" : "an object";
    snprintf(buf, cap, "'%.*s%s'", (int)(n > 60 ? 60 : n), p, n > 60 ? "..." : "");
    return buf;
}

/* Where a record is, for messages: " (response 3 of the array)". */
static const char *where(const jrec *r, char *buf, size_t cap) {
    if (!r->index)
        buf[0] = 0;
    else if (r->array > 1)
        snprintf(buf, cap, " (response %llu of array %llu)", (unsigned long long)r->index,
                 (unsigned long long)r->array);
    else
        snprintf(buf, cap, " (response %llu of the array)", (unsigned long long)r->index);
    return buf;
}

static const cxm_cvt_scale *find_scale(const dstate *s, const char *name) {
    for (size_t i = 0; i < s->nscales; i++)
        if (!strcmp(s->scales[i].survey, name)) return &s->scales[i];
    return NULL;
}

/* The survey and scale of a Delighted type (normalized: lower case, '_' for
 * '-' and ' '). Returns 0, or -1 when the type is unknown and no --scale
 * names it. *from_default is 1 when the scale is the table's. */
static int survey_of(const dstate *s, const char *type, const char **survey, int *min, int *max, int *from_default) {
    *from_default = 0;
    const cxm_cvt_scale *sc = find_scale(s, type);
    if (sc) { /* a --scale naming the type itself keeps it as its own survey */
        *survey = sc->survey;
        *min = sc->min;
        *max = sc->max;
        return 0;
    }
    for (size_t i = 0; i < NTYPES; i++)
        if (!strcmp(TYPES[i].type, type)) {
            *survey = TYPES[i].survey;
            sc = find_scale(s, TYPES[i].survey);
            *min = sc ? sc->min : TYPES[i].min;
            *max = sc ? sc->max : TYPES[i].max;
            *from_default = !sc;
            return 0;
        }
    return -1;
}

#define BAD(key, ...) ((rc = cxm_cvt_bad(c, r->line, 0, key, 1, __VA_ARGS__)) ? rc : 0)

/* A property key becomes a dimension column the first time it is seen. */
static int add_key(dstate *s, const char *k, size_t klen) {
    uint32_t code;
    int added = 0;
    int rc = cxm_dict_intern(&s->keys, k, klen, &code, &added);
    if (rc || !added) return rc;
    size_t idx;
    if ((rc = cxm_cvt_names_add(&s->dims, k, klen, RESERVED, "property_", &idx)))
        return rc == CXM_ELIMIT
                   ? cxm_diag_set(s->c->diag, rc, s->c->in, 0, 0, NULL,
                                  "more than %u person_properties keys (CXM_MAX_COLUMNS)", (unsigned)CXM_MAX_COLUMNS)
                   : rc;
    return CXM_OK;
}

/* Pass 1 on a parsed record: the property keys become dimension columns. */
static int collect_keys(dstate *s, const json_t *o) {
    const json_t *tags = json_object_get(o, "tags");
    if (json_is_array(tags) && json_array_size(tags) > 0) s->has_tags = 1;
    const json_t *props = json_object_get(o, "person_properties");
    if (!json_is_object(props)) return CXM_OK;
    void *it = json_object_iter((json_t *)props);
    for (; it; it = json_object_iter_next((json_t *)props, it)) {
        const char *k = json_object_iter_key(it);
        int rc = add_key(s, k, strlen(k));
        if (rc) return rc;
    }
    return CXM_OK;
}

/* ---- pass 1's fast path: property keys without building the record ---- */

static size_t skip_ws(const char *p, size_t n, size_t i) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

/* Past the string starting at p[i] == '"', or SIZE_MAX. */
static size_t skip_string(const char *p, size_t n, size_t i) {
    for (i++; i < n; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return SIZE_MAX;
}

/* Past the value starting at p[i], or SIZE_MAX. */
static size_t skip_value(const char *p, size_t n, size_t i) {
    if (i >= n) return SIZE_MAX;
    if (p[i] == '"') return skip_string(p, n, i);
    if (p[i] == '{' || p[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char ch = p[i];
            if (ch == '"') {
                i = skip_string(p, n, i);
                if (i == SIZE_MAX) return i;
                continue;
            }
            if (ch == '{' || ch == '[')
                depth++;
            else if ((ch == '}' || ch == ']') && --depth == 0)
                return i + 1;
            i++;
        }
        return SIZE_MAX;
    }
    size_t start = i;
    while (i < n && !strchr(",}] \t\r\n", p[i]))
        i++;
    return i > start ? i : SIZE_MAX;
}

/* A key at p[i] == '"' without escapes: *k, *klen, past it in *i. 0, or
 * -1 when the full parser must decide (an escape, anything unexpected). */
static int raw_key(const char *p, size_t n, size_t *i, const char **k, size_t *klen) {
    if (*i >= n || p[*i] != '"') return -1;
    size_t j = *i + 1;
    while (j < n && p[j] != '"' && p[j] != '\\')
        j++;
    if (j >= n || p[j] != '"') return -1;
    *k = p + *i + 1;
    *klen = j - *i - 1;
    *i = skip_ws(p, n, j + 1);
    if (*i >= n || p[*i] != ':') return -1;
    *i = skip_ws(p, n, *i + 1);
    return 0;
}

static int add_key(dstate *s, const char *k, size_t klen);

/*
 * Collects the person_properties keys and whether tags are present from an
 * object's bytes without building it (jansson allocates every value; this
 * makes the first pass several times cheaper). Returns 1 when done, 0 when
 * the record needs the full parser (an escaped key, or bytes this walk does
 * not expect: the parser then decides), or a negative error. Keys added
 * before a fallback are added again by the parser (no change) or belong to
 * a record that is bad anyway (an empty column at worst).
 */
static int scan_keys(dstate *s, const char *p, size_t n) {
    size_t i = skip_ws(p, n, 0);
    if (i >= n || p[i] != '{') return 0;
    i = skip_ws(p, n, i + 1);
    if (i < n && p[i] == '}') return 1;
    for (;;) {
        const char *k;
        size_t klen;
        if (raw_key(p, n, &i, &k, &klen)) return 0;
        if (klen == 17 && !memcmp(k, "person_properties", 17) && i < n && p[i] == '{') {
            i = skip_ws(p, n, i + 1);
            if (i < n && p[i] == '}')
                i++;
            else
                for (;;) {
                    const char *pk;
                    size_t pklen;
                    if (raw_key(p, n, &i, &pk, &pklen)) return 0;
                    int rc = add_key(s, pk, pklen);
                    if (rc) return rc;
                    i = skip_ws(p, n, skip_value(p, n, i));
                    if (i >= n) return 0;
                    if (p[i] == '}') {
                        i++;
                        break;
                    }
                    if (p[i] != ',') return 0;
                    i = skip_ws(p, n, i + 1);
                }
        } else {
            if (klen == 4 && !memcmp(k, "tags", 4) && i < n && p[i] == '[' && skip_ws(p, n, i + 1) < n &&
                p[skip_ws(p, n, i + 1)] != ']')
                s->has_tags = 1;
            i = skip_value(p, n, i);
        }
        i = skip_ws(p, n, i);
        if (i >= n) return 0;
        if (p[i] == '}') return 1;
        if (p[i] != ',') return 0;
        i = skip_ws(p, n, i + 1);
    }
}

/* Pass 2: checks one record and writes it. Returns 0 (written or reported
 * as bad) or a negative error. */
static int convert_record(dstate *s, const jrec *r) {
    cxm_cvt *c = s->c;
    const json_t *o = r->v;
    char wh[80], tmp[64], show[96];
    const char *p;
    size_t n;
    int rc;
    where(r, wh, sizeof wh);

    /* id */
    const json_t *jid = json_object_get(o, "id");
    char idbuf[64];
    const char *id;
    size_t idlen;
    if (!(json_is_string(jid) || json_is_integer(jid)) || scalar_text(jid, idbuf, sizeof idbuf, &id, &idlen) <= 0 ||
        !idlen)
        return BAD("id", "expected a response id (a string), found %s%s", describe(jid, show, sizeof show), wh);

    /* created_at */
    const json_t *jat = json_object_get(o, "created_at");
    cxm_time at;
    const char *why = NULL;
    if (!(json_is_string(jat) || json_is_integer(jat)) || scalar_text(jat, tmp, sizeof tmp, &p, &n) <= 0 ||
        cxm_parse_time(p, n, NULL, CXM_DATE_YMD, &at, &why))
        return BAD("created_at", "expected Unix seconds or an instant, found %s%s%s%s",
                   describe(jat, show, sizeof show), why ? ": " : "", why ? why : "", wh);

    /* survey_type */
    const json_t *jt = json_object_get(o, "survey_type");
    char type[32];
    if (!jt || json_is_null(jt)) {
        snprintf(type, sizeof type, "nps");
        cxm_cvt_tally_add(&s->no_type, "line %llu", (unsigned long long)r->line);
    } else if (!json_is_string(jt) || json_string_length(jt) == 0 || json_string_length(jt) >= sizeof type) {
        return BAD("survey_type", "expected a survey type such as nps or csat (under %u bytes), found %s%s",
                   (unsigned)sizeof type, describe(jt, show, sizeof show), wh);
    } else {
        const char *t = json_string_value(jt);
        size_t tn = json_string_length(jt);
        for (size_t i = 0; i < tn; i++) {
            char ch = t[i];
            type[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch == '-' || ch == ' ' ? '_' : ch;
        }
        type[tn] = 0;
    }
    const char *survey;
    int smin, smax, from_default;
    if (survey_of(s, type, &survey, &smin, &smax, &from_default))
        return BAD("survey_type",
                   "survey type '%s' is not one cxm knows (nps, enps, csat, ces, five_star, smileys, thumbs, pmf): "
                   "give its scale with --scale %s=MIN-MAX%s",
                   type, type, wh);

    /* score */
    const json_t *jsc = json_object_get(o, "score");
    int64_t score = 0;
    if (!(json_is_integer(jsc) || json_is_string(jsc)) || scalar_text(jsc, tmp, sizeof tmp, &p, &n) <= 0 ||
        cxm_parse_int(p, n, &score) || score < smin || score > smax)
        return BAD("score", "expected a whole number from %d to %d (the %s scale), found %s%s", smin, smax, survey,
                   describe(jsc, show, sizeof show), wh);

    /* duplicates */
    uint64_t first = 0;
    if ((rc = cxm_idset_add(&s->seen, cxm_idset_key(id, idlen), r->line, &first)))
        return cxm_diag_set(c->diag, rc, c->in, r->line, 0, NULL, "too many responses (limit %llu)",
                            (unsigned long long)CXM_MAX_RECORDS);
    if (first)
        return BAD("id", "duplicate id '%.*s' (first on line %llu): expected each response once%s",
                   (int)(idlen > 80 ? 80 : idlen), id, (unsigned long long)first, wh);

    /* usable */
    if (!strcmp(survey, "ces") && from_default) {
        s->ces_default_n++;
        if (score > s->ces_default_max) s->ces_default_max = (int)score;
    }
    const json_t *props = json_object_get(o, "person_properties");
    if (props && !json_is_null(props) && !json_is_object(props))
        cxm_cvt_tally_add(&s->props_not_object, "line %llu", (unsigned long long)r->line);
    for (size_t i = 0; i < s->dims.n; i++)
        s->vals[i] = NULL;
    if (json_is_object(props)) {
        void *it = json_object_iter((json_t *)props);
        for (; it; it = json_object_iter_next((json_t *)props, it)) {
            const char *key = json_object_iter_key(it);
            uint32_t code;
            if (!cxm_dict_find(&s->keys, key, strlen(key), &code) || code >= s->dims.n)
                return cxm_diag_set(c->diag, CXM_EINVAL, c->in, r->line, 0, "person_properties",
                                    "internal error: property '%.80s' was not seen by the first pass", key);
            s->vals[code] = json_object_iter_value(it);
        }
    }
    const json_t *person = json_object_get(o, "person");
    if (json_is_object(person)) person = json_object_get(person, "id");

    cxm_cvt_out *w = &c->responses;
    put_text(s, w, id, idlen);
    cxm_cvt_put_time(w, at);
    cxm_cvt_puts(w, survey);
    cxm_cvt_put_int(w, score);
    cxm_cvt_put_int(w, smin);
    cxm_cvt_put_int(w, smax);
    if (json_is_string(person) || json_is_integer(person))
        put_value(s, w, person);
    else
        cxm_cvt_put(w, NULL, 0);
    put_value(s, w, json_object_get(o, "comment"));
    if (jt && json_is_string(jt))
        put_text(s, w, json_string_value(jt), json_string_length(jt));
    else
        cxm_cvt_put(w, NULL, 0);
    if (s->has_tags) put_value(s, w, json_object_get(o, "tags"));
    for (size_t i = 0; i < s->dims.n; i++)
        put_value(s, w, s->vals[i]);
    cxm_cvt_put_int(w, (int64_t)r->line);
    return cxm_cvt_write_row(c, w);
}

#undef BAD

static int read_settings(dstate *s) {
    cxm_cvt *c = s->c;
    static const char *const keys[] = {"scale", NULL};
    int rc = cxm_cvt_check_settings(c, keys);
    for (size_t i = 0; !rc && i < c->o->nsettings; i++) {
        const char *v = cxm_cvt_setting(c, i, "scale");
        if (!v) continue;
        cxm_cvt_scale sc;
        if ((rc = cxm_cvt_parse_scale(c, v, &sc))) break;
        cxm_cvt_scale *old = (cxm_cvt_scale *)find_scale(s, sc.survey);
        if (old)
            *old = sc; /* the last one wins */
        else if (s->nscales == MAX_SCALES)
            rc = cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL, "more than %d --scale settings", MAX_SCALES);
        else
            s->scales[s->nscales++] = sc;
    }
    return rc;
}

int cxm_convert_delighted(cxm_cvt *c) {
    dstate s;
    memset(&s, 0, sizeof s);
    s.c = c;
    cxm_dict_init(&s.keys, CXM_MAX_COLUMNS);
    cxm_idset_init(&s.seen, CXM_MAX_RECORDS);
    cxm_buf_init(&s.scratch, CXM_MAX_FIELD_BYTES);
    jstream js;
    memset(&js, 0, sizeof js);
    int rc = read_settings(&s);
    if (!rc) rc = js_open(&js, c->in, c->diag);
    js.raw = 1;
    /* pass 1: the dimension columns */
    while (!rc) {
        jrec r;
        cxm_diag d;
        int got = js_next(&js, &r, &d);
        if (got == J_END) break;
        if (got < 0) {
            if (c->diag) *c->diag = d;
            rc = got;
            break;
        }
        if (got != J_RECORD) continue;
        int done = scan_keys(&s, r.raw, r.rawlen);
        if (done < 0) rc = done;
        if (done) continue;
        json_t *v = json_loadb(r.raw, r.rawlen, JSON_ALLOW_NUL, NULL);
        if (v && json_is_object(v)) rc = collect_keys(&s, v);
        json_decref(v);
    }
    js.raw = 0;
    if (!rc) rc = js_rewind(&js, c->diag);
    if (!rc && s.dims.n && !(s.vals = calloc(s.dims.n, sizeof *s.vals))) rc = CXM_ENOMEM;
    if (!rc) {
        size_t ncols = NFIXED + (size_t)s.has_tags + s.dims.n + 1, k = 0;
        const char **hdr = calloc(ncols, sizeof *hdr);
        if (!hdr)
            rc = CXM_ENOMEM;
        else {
            for (size_t i = 0; i < NFIXED; i++)
                hdr[k++] = RESERVED[i];
            if (s.has_tags) hdr[k++] = "response_tags";
            for (size_t i = 0; i < s.dims.n; i++)
                hdr[k++] = s.dims.name[i];
            hdr[k++] = "source_line";
            rc = cxm_cvt_open(c, &c->responses, "responses.csv", hdr, k);
            free(hdr);
        }
    }
    /* pass 2: the rows */
    while (!rc) {
        jrec r;
        cxm_diag d;
        int got = js_next(&js, &r, &d);
        if (got == J_END) break;
        if (got < 0) {
            if (c->diag) *c->diag = d;
            rc = got;
            break;
        }
        c->rows_read++;
        if (got == J_BAD) {
            rc = cxm_cvt_bad_diag(c, &d);
            continue;
        }
        rc = convert_record(&s, &r);
        json_decref(r.v);
    }
    if (!rc) {
        cxm_cvt_tally_warn(c, &s.no_type, "responses have no survey_type: read as nps, Delighted's default");
        cxm_cvt_tally_warn(c, &s.props_not_object,
                           "responses have a person_properties that is not an object (ignored)");
        if (s.ces_default_n >= 20 && s.ces_default_max <= 5)
            cxm_cvt_warn(c,
                         "%s: all %llu CES answers are 5 or under on the default 1-7 scale: if this is a 5-point "
                         "CES project, convert again with --scale ces=1-5",
                         c->in, (unsigned long long)s.ces_default_n);
    }
    js_close(&js);
    free(s.vals);
    cxm_buf_free(&s.scratch);
    cxm_idset_free(&s.seen);
    cxm_cvt_names_free(&s.dims);
    cxm_dict_free(&s.keys);
    return rc;
}
