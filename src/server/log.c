/*
 * log.c - the server's JSON log lines (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

/* "2026-11-23T15:04:05.123Z" into buf (cap >= 48). */
static void utc_stamp(char *buf, size_t cap) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    time_t t = ts.tv_sec;
    gmtime_r(&t, &tm);
    char day[24];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, cap, "%.20s.%03dZ", day, (int)(ts.tv_nsec / 1000000L % 1000));
}

void cxm_server_log(const char *fmt, ...) {
    char stamp[48];
    utc_stamp(stamp, sizeof stamp);
    char body[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    char line[8300];
    n = snprintf(line, sizeof line, "{\"ts\":\"%s\",%s}\n", stamp, body);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if ((size_t)n >= sizeof line) line[len - 1] = '\n'; /* truncated: still one line */
    fwrite(line, 1, len, stderr);
}
