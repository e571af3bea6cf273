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
 * Exactly what is accepted (docs/internals/calendar.md has the long form):
 *  - UTF-8 text; an optional BOM; LF or CRLF lines; '#' to the end of the
 *    line is a comment (so '#' cannot appear in a value); spaces and tabs
 *    around names, keys, values, ',', '-', ':' and '..' are ignored; other
 *    control bytes are errors.
 *  - "[name]": name is 1-63 of A-Z a-z 0-9 _ - . (case-sensitive, unique in
 *    the file). Every "key = value" line belongs to the section above it.
 *  - Keys are case-insensitive: zone (at most once), match, holiday, or a
 *    day selector.
 *  - Day selector: a ','-separated list of days or ranges "A-B". A day is
 *    mon tue wed thu fri sat sun or monday ... sunday (any case). A range
 *    takes A, A+1, ..., B in the order mon..sun and may wrap (sat-mon is
 *    sat, sun, mon). "sat, sun = closed" and "mon-wed, fri = ..." work.
 *  - Day value: "closed", or a ','-separated list of intervals "HH:MM-HH:MM"
 *    (hour 1 or 2 digits 0-23, minute 2 digits 0-59; the end may be 24:00).
 *    An interval must end after it starts (no overnight wrap: write two
 *    intervals or end at 24:00); intervals of one day must not overlap
 *    (touching is fine); at most CXM_MAX_SHIFTS_PER_DAY per day. A later
 *    line naming a day replaces what an earlier line set for it.
 *  - holiday: a ','-separated list of dates YYYY-MM-DD (years 0001-9999)
 *    and inclusive ranges YYYY-MM-DD..YYYY-MM-DD; at most CXM_MAX_HOLIDAYS
 *    dates per calendar, each date of a range counting.
 *  - match: COLUMN:VALUE split at the first ':', both non-empty; at most
 *    CXM_MAX_CALENDAR_MATCHES per calendar.
 *  - At most CXM_MAX_CALENDARS sections; a file of at most
 *    CXM_MAX_CALENDAR_FILE_BYTES.
 *
 * Business time between two instants is the length of the overlap of
 * [from, to) with working intervals (local wall clock, DST-correct:
 * a 09:00-17:00 day is 8 hours of business time even on a DST-change day
 * unless the change falls inside the interval, where real elapsed time
 * counts). Each interval of local date D is [from_local(D HH:MM),
 * from_local(D HH:MM)) (cxm_tz_from_local: a time in a gap moves forward
 * by the gap, an ambiguous one takes the earlier instant), clipped to the
 * day and to the previous interval's end. Only local dates 0001-01-01 to
 * 9999-12-31 count; instants outside are clamped to that range.
 * O(1) per query after a lazy per-day prefix table.
 *
 * Threads: a calendar is logically immutable; the lazy table inside is
 * guarded by a mutex, so the query functions may be called from several
 * threads on the same calendar (they take const for that reason).
 */
#ifndef CXM_CALENDAR_H
#define CXM_CALENDAR_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"
#include "time/tz.h"

typedef struct cxm_calendar cxm_calendar;   /* one calendar */
typedef struct cxm_calset cxm_calset;       /* the calendars of one file */

/* Parses a calendar file. default_tz (borrowed, may be NULL = UTC; must
 * outlive *out) is the zone of calendars without a zone line. *out owned:
 * cxm_calset_free. name (borrowed) names the text in diagnostics. On error
 * *out is NULL and diag says file, line, column and what was expected. */
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
 * Business milliseconds in [from_ms, to_ms) (0 if to <= from or either is
 * CXM_TIME_NULL). The prefix table is filled lazily under the calendar's
 * mutex. Returns CXM_ENOMEM (negative) if the table cannot be allocated.
 */
int64_t cxm_calendar_business_ms(const cxm_calendar *c, cxm_time from_ms, cxm_time to_ms);
/* The earliest instant t with business_ms(from, t) == ms (for SLA due
 * times): if `from` is outside business hours the clock starts at the next
 * opening; a result may be the end of an interval. ms == 0 gives from.
 * CXM_TIME_NULL if from is CXM_TIME_NULL, ms < 0, no such instant exists
 * before 10000-01-01, or memory runs out. */
cxm_time cxm_calendar_add_business(const cxm_calendar *c, cxm_time from, int64_t ms);
/* 1 if instant t falls inside a working interval (not a holiday), else 0. */
int cxm_calendar_is_open(const cxm_calendar *c, cxm_time t);

#endif
