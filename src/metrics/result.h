/*
 * result.h - the result set (internal layout). Strings (group keys and
 * values, reasons) live in the set's arena; warnings are copied in.
 */
#ifndef CXM_RESULT_H
#define CXM_RESULT_H
#include "core/arena.h"
#include "core/buf.h"
#include "cxm.h"

struct cxm_result_set {
    cxm_result *rows;
    size_t n, cap;
    char **warnings;
    size_t nwarn;
    uint64_t bad_rows;
    cxm_arena arena;
};

int cxm_rs_new(cxm_result_set **out) CXM_WUR;
/* Appends a copy of r (pointers inside r must outlive rs: use rs->arena). */
int cxm_rs_push(cxm_result_set *rs, const cxm_result *r) CXM_WUR;
/* Moves NUL-separated warnings from buf (count n) into rs. */
int cxm_rs_take_warnings(cxm_result_set *rs, const cxm_buf *buf, size_t n) CXM_WUR;

#endif
