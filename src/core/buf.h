/*
 * buf.h - a growable byte buffer with a cap (after curl's dynbuf): appending
 * past the cap fails with CXM_ELIMIT instead of growing without bound.
 */
#ifndef CXM_BUF_H
#define CXM_BUF_H
#include <stdarg.h>
#include <stddef.h>
#include "cxm.h"

typedef struct cxm_buf {
    char *data; /* NUL-terminated when len > 0 or after any append */
    size_t len, cap, max;
} cxm_buf;

void cxm_buf_init(cxm_buf *b, size_t max);
int cxm_buf_append(cxm_buf *b, const void *p, size_t n) CXM_WUR;
int cxm_buf_putc(cxm_buf *b, char c) CXM_WUR;
int cxm_buf_printf(cxm_buf *b, const char *fmt, ...) CXM_PRINTF(2, 3) CXM_WUR;
int cxm_buf_vprintf(cxm_buf *b, const char *fmt, va_list ap) CXM_WUR;
void cxm_buf_reset(cxm_buf *b); /* len = 0, keeps memory */
void cxm_buf_free(cxm_buf *b);  /* b may be NULL */

#endif
