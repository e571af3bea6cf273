/*
 * log.h - the server's structured log: one JSON object a line on stderr,
 * {"ts":"2026-11-23T15:04:05.123Z",<members>}, written with one fwrite so
 * lines of concurrent threads never interleave. Used by the HTTP service
 * (requests, errors) and the alert watcher (docs/SERVER.md, ALERTS.md).
 */
#ifndef CXM_SERVER_LOG_H
#define CXM_SERVER_LOG_H
#include "cxm.h"

/* fmt (printf-style) gives the members after "ts", without braces, e.g.
 * "\"event\":\"listening\",\"port\":%u". A line longer than 8 KiB is cut
 * (still one line). */
void cxm_server_log(const char *fmt, ...) CXM_PRINTF(1, 2);

#endif
