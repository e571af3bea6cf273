/*
 * dims.c - the filter choices of a store (dims.h; GET /v1/dimensions).
 *
 * Canonical columns are table columns; other columns live in the row's
 * `extra` JSON object and are read with json_extract. Column names come
 * from the `columns` table (any text a header had), so they are never
 * pasted into SQL: canonical ones are matched against the stream's
 * definition and quoted from it, extra ones are bound as a JSON path
 * parameter ($."name", names holding '"' or '\' are skipped).
 *
 * How: one pass over each stream's table (a SELECT of its dimension
 * columns) counts every column's values in C, a dictionary per column with
 * a memo in front; on 10M rows that is one table scan (about 4 s here)
 * instead of a GROUP BY per column (a sort of 10M rows each, 9-14 s). A
 * column with more than CXM_MAX_DIMS_SCAN_VALUES distinct values in the
 * pass, and the columns past the first CXM_MAX_DIMS_SCAN_COLUMNS, are
 * listed by their own GROUP BY instead (SQLite sorts on disk, memory stays
 * small). Both ways give the same lists: most rows first, ties by bytes.
 *
 * The tickets' `tags` column is a list per ticket (';'-separated), listed as
 * a multi-valued dimension (named in "multi"): its values are the single
 * tags, cut exactly as the engine's `--where tags=X` matches them
 * (src/metrics/ingest.c tags_contain: split on ';', spaces (only ' ')
 * trimmed at both ends, bytes compared as they are, so case counts; empty
 * pieces are never a tag here), each counted once per ticket that has it
 * (what the filter keeps). The pass counts the distinct lists (few: the
 * same few tags recur), then each distinct list is split once and its
 * count added to each of its tags.
 *
 * Sizes: per column in the pass, a dictionary of at most
 * CXM_MAX_DIMS_SCAN_VALUES values; a GROUP BY listing reads max_values + 1
 * rows (tags: one row per distinct list); the tags' own dictionary holds
 * the distinct tags (CXM_MAX_DICT_VALUES at most).
 */
#include "store/dims.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/dict.h"
#include "core/json.h"
#include "core/limits.h"
#include "store/store_int.h"

/* Canonical columns that are not dimensions (ids, instants, numbers,
 * flags, tags, free text). */
static const char *const not_dims[] = {"ticket_id",
                                       "created_at",
                                       "first_response_at",
                                       "first_resolved_at",
                                       "resolved_at",
                                       "closed_at",
                                       "answered_at",
                                       "customer_id",
                                       "reopens",
                                       "agent_replies",
                                       "customer_replies",
                                       "handle_seconds",
                                       "abandoned",
                                       "complaint",
                                       "tags",
                                       "at",
                                       "author",
                                       "public",
                                       "response_id",
                                       "score",
                                       "scale_min",
                                       "scale_max",
                                       "comment",
                                       "sent",
                                       "source_line",
                                       NULL};

int cxm_store_is_dimension(const char *stream, const char *name) {
    if (!stream || !name || !name[0]) return 0;
    if (!strcmp(stream, "messages")) return 0; /* events: nothing to filter a report by */
    for (size_t i = 0; not_dims[i]; i++)
        if (!strcmp(name, not_dims[i])) return 0;
    size_t n = strlen(name);
    if (n > 3 && (!strcmp(name + n - 3, "_at") || !strcmp(name + n - 3, "_id"))) return 0;
    return 1;
}

/* 1 if name is a canonical column of stream si. */
static int is_canonical(int si, const char *name) {
    const cxm_stream_def *def = cxm_store_stream_defs[si].def;
    for (size_t i = 0; i < def->ncols; i++)
        if (!strcmp(def->cols[i].name, name)) return 1;
    return 0;
}

/* The values of one dimension column: writes "COL":[...] (with a leading
 * comma when *first is 0) and sets *truncated. */
static int one_dimension(cxm_store *s, int si, const char *col, size_t max_values, FILE *out, int *first,
                         int *truncated, cxm_diag *diag) {
    char sql[256], path[160];
    int canon = is_canonical(si, col);
    if (canon) {
        snprintf(sql, sizeof sql,
                 "SELECT \"%s\" AS v, count(*) AS n FROM %s WHERE v IS NOT NULL AND v <> ''"
                 " GROUP BY v ORDER BY n DESC, v LIMIT ?1",
                 col, cxm_store_stream_defs[si].name);
    } else {
        if (strpbrk(col, "\"\\") || strlen(col) > 120) return CXM_OK;
        snprintf(path, sizeof path, "$.\"%s\"", col);
        snprintf(sql, sizeof sql,
                 "SELECT CAST(json_extract(extra, ?2) AS TEXT) AS v, count(*) AS n FROM %s"
                 " WHERE v IS NOT NULL AND v <> '' GROUP BY v ORDER BY n DESC, v LIMIT ?1",
                 cxm_store_stream_defs[si].name);
    }
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (src != SQLITE_OK) return cxm_store_fail(s, src, "listing a dimension", diag);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)max_values + 1);
    if (!canon) sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    fprintf(out, "%s", *first ? "" : ",");
    *first = 0;
    cxm_json_fputs(out, col);
    fputs(":[", out);
    size_t k = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == max_values) {
            *truncated = 1;
            break;
        }
        const char *v = (const char *)sqlite3_column_text(st, 0);
        fprintf(out, "%s{\"value\":", k ? "," : "");
        cxm_json_fputs(out, v ? v : "");
        fprintf(out, ",\"n\":%lld}", (long long)sqlite3_column_int64(st, 1));
        k++;
    }
    fputc(']', out);
    int rc = CXM_OK;
    if (src != SQLITE_ROW && src != SQLITE_DONE) rc = cxm_store_fail(s, src, "listing a dimension", diag);
    sqlite3_finalize(st);
    return rc;
}

/* ---- counting in C ----------------------------------------------------------- */

/* Distinct values and how many rows have each: a dictionary with a small
 * direct-mapped memo in front (the values of a dimension repeat row after
 * row). For tags, `last` remembers the list that last counted a tag, so a
 * tag twice in one list counts once. */
typedef struct counter {
    cxm_dict dict;
    uint64_t *n;    /* code -> rows */
    uint64_t *last; /* code -> list number + 1 (tags only) */
    size_t cap;     /* of n and last */
    cxm_memo memo[64];
} counter;

static void counter_init(counter *c, size_t max) {
    memset(c, 0, sizeof *c);
    cxm_dict_init(&c->dict, max);
}

static void counter_free(counter *c) {
    cxm_dict_free(&c->dict);
    free(c->n);
    free(c->last);
    memset(c, 0, sizeof *c);
}

/* The code of v[0..len) (borrowed; the dictionary keeps a copy), added
 * (with n = 0) when new. CXM_ELIMIT past the dictionary's max. */
static int counter_code(counter *c, const char *v, size_t len, uint32_t *code) {
    cxm_memo *m = &c->memo[cxm_hash_short(v, len) & 63];
    if (m->s && m->len == len && cxm_same_short(m->s, v, len)) {
        *code = m->code;
        return CXM_OK;
    }
    int added;
    int rc = cxm_dict_intern(&c->dict, v, len, code, &added);
    if (rc) return rc;
    if (*code >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        uint64_t *nn = realloc(c->n, cap * sizeof *nn);
        if (!nn) return CXM_ENOMEM;
        c->n = nn;
        uint64_t *nl = realloc(c->last, cap * sizeof *nl);
        if (!nl) return CXM_ENOMEM;
        c->last = nl;
        c->cap = cap;
    }
    if (added) c->n[*code] = c->last[*code] = 0;
    *m = (cxm_memo){c->dict.strs[*code], (uint32_t)len, *code};
    return CXM_OK;
}

/* Adds `rows` (the tickets holding list p[0..len), list number k) to each
 * distinct tag of the list: the pieces between ';' with the spaces at both
 * ends trimmed, as tags_contain cuts them; empty pieces are no tag. */
static int split_tags(counter *tags, const char *p, size_t len, uint64_t k, uint64_t rows) {
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && p[j] != ';')
            j++;
        size_t a = i, b = j;
        while (a < b && p[a] == ' ')
            a++;
        while (b > a && p[b - 1] == ' ')
            b--;
        i = j + 1;
        if (a == b) continue;
        uint32_t code;
        int rc = counter_code(tags, p + a, b - a, &code);
        if (rc) return rc;
        if (tags->last[code] == k + 1) continue; /* twice in one list */
        tags->last[code] = k + 1;
        tags->n[code] += rows;
    }
    return CXM_OK;
}

/* One listed value. */
typedef struct dim_row {
    const char *s;
    uint32_t len;
    uint64_t n;
} dim_row;

/* Most rows first, ties by the value's bytes (SQLite's BINARY collation,
 * the order of the SQL listing). */
static int dim_row_cmp(const void *pa, const void *pb) {
    const dim_row *a = pa, *b = pb;
    if (a->n != b->n) return a->n > b->n ? -1 : 1;
    size_t m = a->len < b->len ? a->len : b->len;
    int c = m ? memcmp(a->s, b->s, m) : 0;
    if (c) return c;
    return (a->len > b->len) - (a->len < b->len);
}

/* Writes "COL":[{"value":V,"n":N},..] from a counter (col and c borrowed;
 * leading comma when *first is 0): its first max_values values by
 * dim_row_cmp; *truncated when it has more. */
static int write_counter(const char *col, const counter *c, size_t max_values, FILE *out, int *first,
                         int *truncated) {
    size_t nv = c->dict.count;
    dim_row *rows = nv ? malloc(nv * sizeof *rows) : NULL;
    if (nv && !rows) return CXM_ENOMEM;
    for (size_t i = 0; i < nv; i++)
        rows[i] = (dim_row){c->dict.strs[i], c->dict.lens[i], c->n[i]};
    if (nv) qsort(rows, nv, sizeof *rows, dim_row_cmp);
    fputs(*first ? "" : ",", out);
    *first = 0;
    cxm_json_fputs(out, col);
    fputs(":[", out);
    size_t shown = nv < max_values ? nv : max_values;
    for (size_t i = 0; i < shown; i++) {
        fputs(i ? ",{\"value\":" : "{\"value\":", out);
        cxm_json_fputs(out, rows[i].s);
        fprintf(out, ",\"n\":%llu}", (unsigned long long)rows[i].n);
    }
    fputc(']', out);
    *truncated = nv > max_values;
    free(rows);
    return CXM_OK;
}

/* The tags of lists (a counter of distinct lists) into a counter of tags
 * (initialised here; the caller frees it). */
static int tags_of_lists(const counter *lists, counter *tags, cxm_store *s, cxm_diag *diag) {
    counter_init(tags, CXM_MAX_DICT_VALUES);
    int rc = CXM_OK;
    for (size_t k = 0; k < lists->dict.count && !rc; k++)
        rc = split_tags(tags, lists->dict.strs[k], lists->dict.lens[k], k, lists->n[k]);
    if (rc == CXM_ELIMIT)
        rc = cxm_diag_set(diag, CXM_ELIMIT, s->path, 0, 0, NULL, "more than %u distinct tags",
                          (unsigned)CXM_MAX_DICT_VALUES);
    return rc;
}

/* ---- the SQL listing: columns the pass does not count ------------------------- */

/* The tickets' tags when their distinct lists are too many for the pass:
 * SQLite groups the lists (sorting on disk), C splits each once. */
static int tags_by_sql(cxm_store *s, size_t max_values, FILE *out, int *first, int *truncated, cxm_diag *diag) {
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(s->db,
                                 "SELECT tags, count(*) FROM tickets WHERE tags IS NOT NULL AND tags <> ''"
                                 " GROUP BY tags",
                                 -1, &st, NULL);
    if (src != SQLITE_OK) return cxm_store_fail(s, src, "listing the tags", diag);
    counter tags;
    counter_init(&tags, CXM_MAX_DICT_VALUES);
    int rc = CXM_OK;
    uint64_t k = 0;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        sqlite3_int64 n = sqlite3_column_int64(st, 1);
        if (v) rc = split_tags(&tags, v, len, k++, n > 0 ? (uint64_t)n : 0);
    }
    if (rc == CXM_ELIMIT)
        rc = cxm_diag_set(diag, CXM_ELIMIT, s->path, 0, 0, NULL, "more than %u distinct tags",
                          (unsigned)CXM_MAX_DICT_VALUES);
    else if (!rc && src != SQLITE_DONE)
        rc = cxm_store_fail(s, src, "listing the tags", diag);
    sqlite3_finalize(st);
    if (!rc) rc = write_counter("tags", &tags, max_values, out, first, truncated);
    counter_free(&tags);
    return rc;
}

/* ---- one pass over a stream --------------------------------------------------- */

/* A column the pass counts. */
typedef struct dimcol {
    size_t name;  /* index into the stream's names */
    int canon;    /* a table column (else read from extra) */
    int multi;    /* the tickets' tags: counter holds the distinct lists */
    int overflow; /* more distinct values than the pass keeps: listed by SQL */
    counter c;
} dimcol;

/* Counts the values of cols[0..n) in one pass over stream si (a SELECT of
 * those columns; NULL and empty values skipped) into their counters (owned
 * by cols; an overflowing one is freed and marked), and the stream's rows.
 * names borrowed. */
static int scan(cxm_store *s, int si, char **names, dimcol *cols, size_t n, uint64_t *rows, cxm_diag *diag) {
    *rows = 0;
    cxm_buf sql;
    cxm_buf_init(&sql, 64u * (CXM_MAX_DIMS_SCAN_COLUMNS + 1));
    int rc = cxm_buf_append(&sql, "SELECT ", 7);
    for (size_t k = 0; k < n && !rc; k++) {
        const char *sep = k ? ", " : "";
        if (cols[k].canon)
            rc = cxm_buf_printf(&sql, "%s\"%s\"", sep, names[cols[k].name]); /* a name of the stream's definition */
        else
            rc = cxm_buf_printf(&sql, "%sCAST(json_extract(extra, ?%zu) AS TEXT)", sep, k + 1);
    }
    if (!rc) rc = cxm_buf_printf(&sql, " FROM %s", cxm_store_stream_defs[si].name);
    if (rc) {
        cxm_buf_free(&sql);
        return rc;
    }
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(s->db, sql.data, -1, &st, NULL);
    cxm_buf_free(&sql);
    if (src != SQLITE_OK) return cxm_store_fail(s, src, "listing the dimensions", diag);
    char path[160];
    for (size_t k = 0; k < n; k++)
        if (!cols[k].canon) {
            snprintf(path, sizeof path, "$.\"%s\"", names[cols[k].name]);
            sqlite3_bind_text(st, (int)k + 1, path, -1, SQLITE_TRANSIENT);
        }
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        (*rows)++;
        for (size_t k = 0; k < n && !rc; k++) {
            dimcol *d = &cols[k];
            if (d->overflow) continue;
            const char *v = (const char *)sqlite3_column_text(st, (int)k);
            size_t len = v ? (size_t)sqlite3_column_bytes(st, (int)k) : 0;
            if (!len) continue;
            uint32_t code;
            rc = counter_code(&d->c, v, len, &code);
            if (rc == CXM_ELIMIT) { /* too many to keep: its own GROUP BY lists it */
                counter_free(&d->c);
                d->overflow = 1;
                rc = CXM_OK;
                continue;
            }
            if (!rc) d->c.n[code]++;
        }
    }
    if (!rc && src != SQLITE_DONE) rc = cxm_store_fail(s, src, "listing the dimensions", diag);
    sqlite3_finalize(st);
    return rc;
}

/* The column names of stream si, in order: names owned (free each and the array). */
static int load_names(cxm_store *s, int si, char ***names, size_t *n, cxm_diag *diag) {
    *names = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(s->db, "SELECT name FROM columns WHERE stream = ?1 ORDER BY pos", -1, &st, NULL);
    if (src != SQLITE_OK) return cxm_store_fail(s, src, "reading the columns", diag);
    sqlite3_bind_text(st, 1, cxm_store_stream_defs[si].name, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc = CXM_OK;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == CXM_MAX_COLUMNS) {
            rc = cxm_diag_set(diag, CXM_ELIMIT, s->path, 0, 0, NULL, "more than %u columns in stream %s",
                              CXM_MAX_COLUMNS, cxm_store_stream_defs[si].name);
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            char **p = realloc(*names, cap * sizeof *p);
            if (!p) {
                rc = CXM_ENOMEM;
                break;
            }
            *names = p;
        }
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (!((*names)[*n] = strdup(v ? v : ""))) {
            rc = CXM_ENOMEM;
            break;
        }
        (*n)++;
    }
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW) rc = cxm_store_fail(s, src, "reading the columns", diag);
    sqlite3_finalize(st);
    return rc;
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Where a column of the stream is listed from. */
#define NOT_LISTED SIZE_MAX       /* not a dimension */
#define BY_SQL     (SIZE_MAX - 1) /* past the pass's columns: its own GROUP BY */

int cxm_store_dimensions_json(cxm_store *s, size_t max_values, FILE *out, cxm_diag *diag) {
    int rc = cxm_store_exec(s, "BEGIN", "starting a read", diag);
    if (rc) return rc;
    fputc('{', out);
    int first_stream = 1;
    for (int si = 0; si < CXM_STORE_NSTREAMS && !rc; si++) {
        const char *stream = cxm_store_stream_defs[si].name;
        char **names = NULL;
        size_t n = 0;
        rc = load_names(s, si, &names, &n, diag);
        if (rc || !n) {
            free_names(names, n);
            continue;
        }
        /* which columns are listed, and the pass's slot of each */
        size_t *slot = malloc(n * sizeof *slot);
        dimcol *cols = calloc(n < CXM_MAX_DIMS_SCAN_COLUMNS ? n : CXM_MAX_DIMS_SCAN_COLUMNS, sizeof *cols);
        size_t ncols = 0;
        if (!slot || !cols) rc = CXM_ENOMEM;
        for (size_t i = 0; i < n && !rc; i++) {
            int multi = !strcmp(stream, "tickets") && !strcmp(names[i], "tags");
            int canon = is_canonical(si, names[i]);
            if (!multi && (!cxm_store_is_dimension(stream, names[i]) ||
                           (!canon && (strpbrk(names[i], "\"\\") || strlen(names[i]) > 120)))) {
                slot[i] = NOT_LISTED;
                continue;
            }
            if (ncols == CXM_MAX_DIMS_SCAN_COLUMNS) {
                slot[i] = BY_SQL;
                continue;
            }
            cols[ncols].name = i;
            cols[ncols].canon = canon;
            cols[ncols].multi = multi;
            counter_init(&cols[ncols].c, CXM_MAX_DIMS_SCAN_VALUES);
            slot[i] = ncols++;
        }
        uint64_t rows = 0;
        if (!rc) rc = ncols ? scan(s, si, names, cols, ncols, &rows, diag) : cxm_store_count(s, si, &rows, diag);
        if (!rc) {
            fprintf(out, "%s\"%s\":{\"rows\":%llu,\"columns\":[", first_stream ? "" : ",", stream,
                    (unsigned long long)rows);
            first_stream = 0;
            for (size_t i = 0; i < n; i++) {
                if (i) fputc(',', out);
                cxm_json_fputs(out, names[i]);
            }
            fputs("],\"dimensions\":{", out);
        }
        int first = 1, has_multi = 0;
        char trunc[CXM_MAX_COLUMNS / 8 + 1];
        memset(trunc, 0, sizeof trunc);
        for (size_t i = 0; i < n && !rc; i++) {
            if (slot[i] == NOT_LISTED) continue;
            dimcol *d = slot[i] == BY_SQL ? NULL : &cols[slot[i]];
            int multi = d ? d->multi : !strcmp(stream, "tickets") && !strcmp(names[i], "tags");
            int t = 0;
            if (d && !d->overflow && multi) {
                counter tags;
                rc = tags_of_lists(&d->c, &tags, s, diag);
                if (!rc) rc = write_counter(names[i], &tags, max_values, out, &first, &t);
                counter_free(&tags);
            } else if (d && !d->overflow)
                rc = write_counter(names[i], &d->c, max_values, out, &first, &t);
            else if (multi)
                rc = tags_by_sql(s, max_values, out, &first, &t, diag);
            else
                rc = one_dimension(s, si, names[i], max_values, out, &first, &t, diag);
            has_multi |= multi;
            if (t) trunc[i / 8] = (char)(trunc[i / 8] | (1 << (i % 8)));
        }
        if (!rc) {
            fputs("},\"truncated\":[", out);
            int ft = 1;
            for (size_t i = 0; i < n; i++) {
                if (!(trunc[i / 8] & (1 << (i % 8)))) continue;
                if (!ft) fputc(',', out);
                ft = 0;
                cxm_json_fputs(out, names[i]);
            }
            /* the dimensions whose values are members of a list per row */
            fputs(has_multi ? "],\"multi\":[\"tags\"]}" : "],\"multi\":[]}", out);
        }
        for (size_t k = 0; k < ncols; k++)
            counter_free(&cols[k].c);
        free(cols);
        free(slot);
        free_names(names, n);
    }
    fputc('}', out);
    int rc2 = cxm_store_exec(s, "COMMIT", "ending a read", rc ? NULL : diag);
    return rc ? rc : rc2;
}
