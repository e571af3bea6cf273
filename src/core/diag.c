/*
 * diag.c - filling a cxm_diag.
 */
#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cxm_diag_set(cxm_diag *d, int code, const char *file, uint64_t line,
                 uint32_t column, const char *colname, const char *fmt, ...) {
    if (!d) return code;
    snprintf(d->file, sizeof d->file, "%s", file ? file : "");
    d->line = line;
    d->column = column;
    snprintf(d->column_name, sizeof d->column_name, "%s", colname ? colname : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return code;
}
