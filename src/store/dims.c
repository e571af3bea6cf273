/*
 * dims.c - the filter choices of a store (dims.h; GET /v1/dimensions).
 *
 * Canonical columns are table columns; other columns live in the row's
 * `extra` JSON object and are read with json_extract. Column names come
 * from the `columns` table (any text a header had), so they are never
 * pasted into SQL: canonical ones are matched against the stream's
 * definition and quoted from it, extra ones are bound as a JSON path
 * parameter ($."name", names holding '"' or '\' are skipped).
 * Sizes: max_values + 1 rows read per dimension; one GROUP BY pass each.
 */
#include "store/dims.h"

#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
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

int cxm_store_dimensions_json(cxm_store *s, size_t max_values, FILE *out, cxm_diag *diag) {
    int rc = cxm_store_exec(s, "BEGIN", "starting a read", diag);
    if (rc) return rc;
    fputc('{', out);
    int first_stream = 1;
    for (int si = 0; si < CXM_STORE_NSTREAMS && !rc; si++) {
        char **names = NULL;
        size_t n = 0;
        rc = load_names(s, si, &names, &n, diag);
        uint64_t rows = 0;
        if (!rc && n) rc = cxm_store_count(s, si, &rows, diag);
        if (rc || !n) {
            free_names(names, n);
            continue;
        }
        fprintf(out, "%s\"%s\":{\"rows\":%llu,\"columns\":[", first_stream ? "" : ",", cxm_store_stream_defs[si].name,
                (unsigned long long)rows);
        first_stream = 0;
        for (size_t i = 0; i < n; i++) {
            if (i) fputc(',', out);
            cxm_json_fputs(out, names[i]);
        }
        fputs("],\"dimensions\":{", out);
        int first = 1;
        char trunc[CXM_MAX_COLUMNS / 8 + 1];
        memset(trunc, 0, sizeof trunc);
        for (size_t i = 0; i < n && !rc; i++) {
            if (!cxm_store_is_dimension(cxm_store_stream_defs[si].name, names[i])) continue;
            int t = 0;
            rc = one_dimension(s, si, names[i], max_values, out, &first, &t, diag);
            if (t) trunc[i / 8] = (char)(trunc[i / 8] | (1 << (i % 8)));
        }
        fputs("},\"truncated\":[", out);
        int ft = 1;
        for (size_t i = 0; i < n; i++) {
            if (!(trunc[i / 8] & (1 << (i % 8)))) continue;
            if (!ft) fputc(',', out);
            ft = 0;
            cxm_json_fputs(out, names[i]);
        }
        fputs("]}", out);
        free_names(names, n);
    }
    fputc('}', out);
    int rc2 = cxm_store_exec(s, "COMMIT", "ending a read", rc ? NULL : diag);
    return rc ? rc : rc2;
}
