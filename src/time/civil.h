/*
 * civil.h - proleptic Gregorian calendar arithmetic on day numbers.
 * A "day number" is days since 1970-01-01 (which is day 0, a Thursday).
 * Pure functions, no time zones (see tz.h), valid for years -1e6..1e6.
 */
#ifndef CXM_CIVIL_H
#define CXM_CIVIL_H
#include <stddef.h>
#include <stdint.h>

int64_t cxm_days_from_civil(int64_t y, int m, int d);       /* m 1-12, d 1-31 */
void cxm_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int cxm_weekday(int64_t days);                              /* 0 = Monday .. 6 = Sunday */
int cxm_is_leap(int64_t y);
int cxm_days_in_month(int64_t y, int m);
/* floor division helpers for negative instants */
static inline int64_t cxm_floordiv(int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q; }
static inline int64_t cxm_floormod(int64_t a, int64_t b) { int64_t r = a % b; return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r; } /* no overflow even for INT64_MIN */

/* Time buckets over local day numbers: the first local day of the bucket. */
typedef enum cxm_bucket { CXM_BUCKET_DAY, CXM_BUCKET_WEEK /* ISO, Monday */, CXM_BUCKET_MONTH,
                          CXM_BUCKET_QUARTER, CXM_BUCKET_YEAR } cxm_bucket;
int64_t cxm_bucket_start(cxm_bucket b, int64_t local_day);
/* Formats a day number as YYYY-MM-DD into buf (cap >= 16). Returns length. */
int cxm_format_date(int64_t days, char *buf, size_t cap);

#endif
