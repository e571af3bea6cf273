/*
 * json.h - writing a JSON string: the one escaper every JSON writer of the
 * project uses (the report's renderer, the server's answers and logs, the
 * store's dimension lists). Reading JSON is jansson's (src/io/rows.c).
 */
#ifndef CXM_JSON_H
#define CXM_JSON_H
#include <stdio.h>

/* Writes s (UTF-8, NUL-terminated; borrowed) to f as a JSON string, quotes
 * included: '"' and '\\' escaped, \n \r \t by name, other control
 * characters as \u00XX; everything else, UTF-8 included, as it is. */
void cxm_json_fputs(FILE *f, const char *s);

#endif
