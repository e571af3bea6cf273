/*
 * err.c - error names and diagnostic formatting.
 */
#include "cxm.h"

#include <stdio.h>
#include <string.h>

const char *cxm_strerror(int code) {
    switch (code) {
    case CXM_OK: return "ok";
    case CXM_ENOMEM: return "out of memory";
    case CXM_EIO: return "input/output error";
    case CXM_EPARSE: return "parse error";
    case CXM_EUSAGE: return "usage error";
    case CXM_ELIMIT: return "limit reached";
    case CXM_ENOTFOUND: return "not found";
    case CXM_EDATA: return "data error";
    case CXM_EINVAL: return "invalid argument";
    default: return "unknown error";
    }
}

void cxm_diag_explain(const cxm_diag *d, int rc, char *buf, size_t cap) {
    if (d && d->msg[0])
        cxm_diag_format(d, buf, cap);
    else if (cap)
        snprintf(buf, cap, "%s", cxm_strerror(rc));
}

void cxm_diag_format(const cxm_diag *d, char *buf, size_t cap) {
    if (!cap) return;
    buf[0] = 0;
    size_t n = 0;
    int w;
#define APPEND(...)                                                            \
    do {                                                                       \
        if (n < cap) {                                                         \
            w = snprintf(buf + n, cap - n, __VA_ARGS__);                       \
            if (w > 0) n += (size_t)w;                                         \
        }                                                                      \
    } while (0)
    if (d->file[0]) APPEND("%s:", d->file);
    if (d->line) APPEND("%llu:", (unsigned long long)d->line);
    if (d->column) APPEND("%u:", (unsigned)d->column);
    if (n) APPEND(" ");
    if (d->column_name[0]) APPEND("column '%s': ", d->column_name);
    APPEND("%s", d->msg);
#undef APPEND
}
