/*
 * calendar.h - business-hours calendars: weekly working intervals (several
 * a day: split shifts; an interval may end at 24:00), holidays (single
 * dates and inclusive ranges, whole local days off) and a time zone, one
 * calendar per team or channel plus a default.
 *
 * File format (docs/DATA.md, "Calendar files"); '#' starts a comment:
 *
 *   [default]                     # a calendar; its name is the section name
 *   zone = Europe/Berlin          # IANA zone (default: the report's --tz)
 *   mon = 09:00-12:30, 13:30-18:00
 *   tue-fri = 09:00-17:00         # a weekday range sets each day
 *   sat = closed                  # (days not named are closed)
 *   holiday = 2024-12-25
 *   holiday = 2024-12-24..2024-12-26
 *
 *   [apac]
 *   zone = Asia/Tokyo
 *   match = team:APAC             # which tickets use it: COLUMN:VALUE,
 *   match = channel:phone         # repeatable (any one matching selects it)
 *   mon-fri = 09:00-18:00
 *
 * A file with no [default] section makes its first calendar the default.
 * A calendar with no interval at all is an error (nothing would ever count).
 *
 * Business time between two instants is the length of the overlap of
 * [from, to) with working intervals (local wall clock, DST-correct:
 * a 09:00-17:00 day is 8 hours of business time even on a DST-change day
 * unless the change falls inside the interval, where real elapsed time
 * counts). O(1) per query after a lazy per-day prefix table.
 */
#ifndef CXM_CALENDAR_H
#define CXM_CALENDAR_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"
#include "time/tz.h"

typedef struct cxm_calendar cxm_calendar;   /* one calendar */
typedef struct cxm_calset cxm_calset;       /* the calendars of one file */

/* Parses a calendar file. default_tz (borrowed, may be NULL = UTC) is the
 * zone of calendars without a zone line. *out owned: cxm_calset_free. */
int cxm_calset_load(const char *path, const cxm_tz *default_tz, cxm_calset **out,
                    cxm_diag *diag) CXM_WUR;
int cxm_calset_parse(const char *name, const char *text, size_t len,
                     const cxm_tz *default_tz, cxm_calset **out, cxm_diag *diag) CXM_WUR;
void cxm_calset_free(cxm_calset *s);

size_t cxm_calset_count(const cxm_calset *s);
const cxm_calendar *cxm_calset_get(const cxm_calset *s, size_t i);  /* borrowed */
const cxm_calendar *cxm_calset_default(const cxm_calset *s);        /* borrowed */
const char *cxm_calendar_name(const cxm_calendar *c);
/* The match rules of calendar c: *n pairs (column, value), borrowed. */
void cxm_calendar_matches(const cxm_calendar *c, const char *const **columns,
                          const char *const **values, size_t *n);

/*
 * Business milliseconds in [from_ms, to_ms) (0 if to <= from). Thread-safe
 * only if the caller serialises: the prefix table is filled lazily.
 */
int64_t cxm_calendar_business_ms(cxm_calendar *c, cxm_time from_ms, cxm_time to_ms);
/* The instant when `ms` business milliseconds have elapsed after `from`
 * (for SLA due times). */
cxm_time cxm_calendar_add_business(cxm_calendar *c, cxm_time from, int64_t ms);
/* 1 if instant t falls inside a working interval. */
int cxm_calendar_is_open(cxm_calendar *c, cxm_time t);

#endif
