/*
 * parse.h - timestamps, durations and booleans as found in exported files.
 *
 * Timestamps accepted (leading/trailing spaces ignored):
 *   RFC 3339 / ISO 8601: 2024-03-05T14:07:00Z, 2024-03-05T14:07:00.123+08:00,
 *     2024-03-05T14:07:00+0800, 2024-03-05T14:07Z, 'T' or one space between
 *     date and time, 1 to 9 fractional digits (kept to the millisecond,
 *     truncated), "Z"/"z"/"+HH:MM"/"+HHMM"/"+HH" offsets, " UTC" suffix.
 *   YYYY-MM-DD HH:MM[:SS[.fff]] and YYYY/MM/DD ... (naive: in naive_tz).
 *   Plain dates YYYY-MM-DD (naive midnight).
 *   Day-first / month-first dates DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY and
 *     M/D/YYYY, with optional [ H]H:MM[:SS] and optional AM/PM, only when
 *     the order is CXM_DATE_DMY or CXM_DATE_MDY (ambiguous otherwise).
 *   Unix epoch seconds: an all-digit value of 9 to 11 digits, optionally
 *     with a fraction (1700000000, 1700000000.5); 13 digits are epoch ms.
 * Validates ranges: month 1-12, day within month (Feb 29 only in leap
 * years), hour 0-23 (24:00:00 accepted as next midnight), minute 0-59,
 * second 0-60 (60 clamps to 59.999), offset within +-18:00.
 */
#ifndef CXM_PARSE_H
#define CXM_PARSE_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"
#include "time/tz.h"

typedef enum cxm_date_order { CXM_DATE_YMD = 0, CXM_DATE_DMY, CXM_DATE_MDY } cxm_date_order;

/*
 * Parses s[0..n) into *out (ms since epoch, UTC). Naive times are read in
 * naive_tz (NULL = UTC). Returns 0, or CXM_EPARSE with a short reason in
 * *why (why may be NULL) such as "month 13 out of range 1-12": a static or
 * thread-local string, valid until this thread's next cxm_parse_time call.
 */
int cxm_parse_time(const char *s, size_t n, const cxm_tz *naive_tz,
                   cxm_date_order order, cxm_time *out, const char **why) CXM_WUR;

/*
 * The common case of cxm_parse_time as a leaf function for hot loops: s
 * holds 20 bytes "YYYY-MM-DDTHH:MM:SSZ" (the caller checked the length and
 * the Z). Returns 1 with *out set, or 0 (out untouched) when cxm_parse_time
 * must decide (another form, a bad field, 24:00:00, a leap second).
 */
int cxm_parse_time_z(const char *s, cxm_time *out);

/* Booleans: true/false, yes/no, y/n, t/f, 1/0 in any case. */
int cxm_parse_bool(const char *s, size_t n, int *out) CXM_WUR;
/* Integers (optional sign, digits, no overflow). */
int cxm_parse_int(const char *s, size_t n, int64_t *out) CXM_WUR;
/* Decimal numbers (strtod syntax, finite only, no hex, no inf/nan). */
int cxm_parse_double(const char *s, size_t n, double *out) CXM_WUR;
/*
 * Durations in seconds: plain number of seconds ("754", "12.5"),
 * clock form [H:]MM:SS or HH:MM:SS(.fff), or units "1h30m", "45m", "2d",
 * "90s", "1.5h". Result in ms.
 */
int cxm_parse_duration(const char *s, size_t n, int64_t *out_ms) CXM_WUR;

#endif
