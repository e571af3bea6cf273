/*
 * diag.h - filling a cxm_diag (internal).
 */
#ifndef CXM_DIAG_H
#define CXM_DIAG_H
#include "cxm.h"

/* Sets every field of d (d may be NULL: then nothing happens). file and
 * colname may be NULL. Returns code, so callers can write
 *   return cxm_diag_set(d, CXM_EPARSE, file, line, col, NULL, "...");   */
int cxm_diag_set(cxm_diag *d, int code, const char *file, uint64_t line,
                 uint32_t column, const char *colname, const char *fmt, ...)
    CXM_PRINTF(7, 8);

#endif
