/*
 * result.c - the result set's accessors (see cxm.h and result.h).
 */
#include "metrics/result.h"

#include <stdlib.h>
#include <string.h>

int cxm_rs_new(cxm_result_set **out) {
    cxm_result_set *rs = calloc(1, sizeof *rs);
    if (!rs) return CXM_ENOMEM;
    cxm_arena_init(&rs->arena);
    *out = rs;
    return CXM_OK;
}

int cxm_rs_push(cxm_result_set *rs, const cxm_result *r) {
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 64;
        cxm_result *p = realloc(rs->rows, cap * sizeof *p);
        if (!p) return CXM_ENOMEM;
        rs->rows = p;
        rs->cap = cap;
    }
    rs->rows[rs->n++] = *r;
    return CXM_OK;
}

int cxm_rs_take_warnings(cxm_result_set *rs, const cxm_buf *buf, size_t n) {
    if (!n) return CXM_OK;
    char **w = realloc(rs->warnings, (rs->nwarn + n) * sizeof *w);
    if (!w) return CXM_ENOMEM;
    rs->warnings = w;
    const char *p = buf->data;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(p);
        char *s = cxm_arena_strndup(&rs->arena, p, len);
        if (!s) return CXM_ENOMEM;
        rs->warnings[rs->nwarn++] = s;
        p += len + 1;
    }
    return CXM_OK;
}

size_t cxm_result_count(const cxm_result_set *rs) { return rs ? rs->n : 0; }
const cxm_result *cxm_result_get(const cxm_result_set *rs, size_t i) {
    return rs && i < rs->n ? &rs->rows[i] : NULL;
}
size_t cxm_result_warning_count(const cxm_result_set *rs) { return rs ? rs->nwarn : 0; }
const char *cxm_result_warning(const cxm_result_set *rs, size_t i) {
    return rs && i < rs->nwarn ? rs->warnings[i] : NULL;
}
uint64_t cxm_result_bad_rows(const cxm_result_set *rs) { return rs ? rs->bad_rows : 0; }

void cxm_result_set_free(cxm_result_set *rs) {
    if (!rs) return;
    free(rs->rows);
    free(rs->warnings);
    cxm_arena_free(&rs->arena);
    free(rs);
}
