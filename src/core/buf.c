/*
 * buf.c - capped growable buffer (see buf.h).
 */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cxm_buf_init(cxm_buf *b, size_t max) {
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

static int grow(cxm_buf *b, size_t need) {
    if (need > b->max) return CXM_ELIMIT;
    if (need <= b->cap) return CXM_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    if (cap > b->max) cap = b->max;
    char *p = realloc(b->data, cap);
    if (!p) return CXM_ENOMEM;
    b->data = p;
    b->cap = cap;
    return CXM_OK;
}

int cxm_buf_append(cxm_buf *b, const void *p, size_t n) {
    int rc = grow(b, b->len + n + 1);
    if (rc) return rc;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return CXM_OK;
}

int cxm_buf_putc(cxm_buf *b, char c) { return cxm_buf_append(b, &c, 1); }

int cxm_buf_vprintf(cxm_buf *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap2);
    va_end(ap2);
    if (n < 0) return CXM_EINVAL;
    if ((size_t)n < sizeof tmp) return cxm_buf_append(b, tmp, (size_t)n);
    int rc = grow(b, b->len + (size_t)n + 1);
    if (rc) return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return CXM_OK;
}

int cxm_buf_printf(cxm_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = cxm_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void cxm_buf_reset(cxm_buf *b) {
    b->len = 0;
    if (b->data) b->data[0] = 0;
}

void cxm_buf_free(cxm_buf *b) {
    if (!b) return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
