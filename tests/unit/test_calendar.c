/*
 * test_calendar.c - business-hours calendars (src/time/calendar.c): the
 * file format and its errors, business time, due times, DST days.
 *
 * Expected values are worked out by hand in the comments (instants are
 * written in UTC; a zone's local times are converted by hand beside them).
 * The differential test compares against a brute-force oracle written
 * here: every minute of 2023-2025 is classified open/closed from its local
 * wall-clock time (cxm_tz_to_local + civil arithmetic), never through the
 * calendar code, and prefix counts of open minutes answer any [from, to).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "time/calendar.h"
#include "time/civil.h"
#include "time/tz.h"

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL

/* ---- helpers -------------------------------------------------------- */

/* UTC instant y-mo-d h:mi in ms. */
static cxm_time U(int y, int mo, int d, int h, int mi) {
    return (cxm_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static cxm_calset *parse_ok(const char *text) {
    cxm_calset *s = NULL;
    cxm_diag dg;
    memset(&dg, 0, sizeof dg);
    int rc = cxm_calset_parse("t.ini", text, strlen(text), NULL, &s, &dg);
    if (rc) fail_msg("parse failed (%d): %s:%llu:%u: %s", rc, dg.file, (unsigned long long)dg.line,
                     dg.column, dg.msg);
    assert_non_null(s);
    return s;
}

static int tz_available(const char *name) {
    cxm_tz *tz = NULL;
    cxm_diag dg;
    if (cxm_tz_load(name, &tz, &dg)) return 0;
    cxm_tz_free(tz);
    return 1;
}

/* Parses text expecting failure; checks code, line, column and that the
 * message contains each of the NULL-terminated fragments. */
static void expect_error(const char *text, int code, uint64_t line, uint32_t col, ...) {
    cxm_calset *s = NULL;
    cxm_diag dg;
    memset(&dg, 0, sizeof dg);
    int rc = cxm_calset_parse("bad.ini", text, strlen(text), NULL, &s, &dg);
    if (rc != code || dg.line != line || dg.column != col)
        fail_msg("expected %d at %llu:%u, got %d at %llu:%u: %s", code, (unsigned long long)line,
                 col, rc, (unsigned long long)dg.line, dg.column, dg.msg);
    assert_null(s);
    assert_string_equal(dg.file, "bad.ini");
    va_list ap;
    va_start(ap, col);
    for (const char *frag; (frag = va_arg(ap, const char *));)
        if (!strstr(dg.msg, frag)) fail_msg("message '%s' lacks '%s'", dg.msg, frag);
    va_end(ap);
}

static const char *NINE_TO_FIVE = "[default]\nmon-fri = 09:00-17:00\n";

/* ---- business time, UTC --------------------------------------------- */

static void friday_afternoon_to_monday_morning_is_two_hours(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    /* Fri 2024-03-01 16:00 -> Mon 2024-03-04 10:00: 1 h Friday + 1 h Monday */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 1, 16, 0), U(2024, 3, 4, 10, 0)),
                     2 * HOUR_MS);
    cxm_calset_free(s);
}

static void split_shift_lunch_break_does_not_count(void **st) {
    (void)st;
    cxm_calset *s = parse_ok("[default]\nmon-fri = 09:00-12:00, 13:00-17:00\n");
    const cxm_calendar *c = cxm_calset_default(s);
    /* Mon 2024-03-04 11:30 -> 13:30: 11:30-12:00 + 13:00-13:30 = 60 min */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 11, 30), U(2024, 3, 4, 13, 30)),
                     60 * MIN_MS);
    /* starting inside the break: 12:15 -> 13:30 = 30 min */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 12, 15), U(2024, 3, 4, 13, 30)),
                     30 * MIN_MS);
    /* wholly inside the break: 0 */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 12, 0), U(2024, 3, 4, 13, 0)), 0);
    cxm_calset_free(s);
}

static void both_ends_outside_hours_count_whole_days(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    /* Mon 07:00 -> Mon 20:00: the whole 8 h day */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 7, 0), U(2024, 3, 4, 20, 0)),
                     8 * HOUR_MS);
    /* Sat 2024-03-02 12:00 -> Tue 2024-03-05 08:00: only Monday, 8 h */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 2, 12, 0), U(2024, 3, 5, 8, 0)),
                     8 * HOUR_MS);
    /* Sat -> Sun: nothing */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 2, 0, 0), U(2024, 3, 4, 0, 0)), 0);
    cxm_calset_free(s);
}

static void same_day_and_empty_ranges(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    /* Mon 10:15 -> 14:45 = 4 h 30 min */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 10, 15), U(2024, 3, 4, 14, 45)),
                     270 * MIN_MS);
    /* one millisecond inside */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 10, 0), U(2024, 3, 4, 10, 0) + 1), 1);
    /* to == from and to < from give 0; CXM_TIME_NULL gives 0 */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 10, 0), U(2024, 3, 4, 10, 0)), 0);
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 12, 0), U(2024, 3, 4, 10, 0)), 0);
    assert_int_equal(cxm_calendar_business_ms(c, CXM_TIME_NULL, U(2024, 3, 4, 10, 0)), 0);
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 10, 0), CXM_TIME_NULL), 0);
    cxm_calset_free(s);
}

static void spanning_weeks_counts_each_working_day(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    /* Mon 2024-03-04 09:00 -> Mon 2024-03-18 09:00: 10 working days x 8 h */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 9, 0), U(2024, 3, 18, 9, 0)),
                     80 * HOUR_MS);
    /* Wed 2024-01-03 13:00 -> Wed 2025-01-01 13:00: 2024 has 262 weekdays
     * (366 days = 52 weeks + Mon and Tue); from Wed 01-03 13:00 drops Mon 1,
     * Tue 2 and 4 h of Wed 3; to Wed 2025-01-01 13:00 adds 4 h:
     * (262 - 2) * 8 h - 4 h + 4 h = 2080 h */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 1, 3, 13, 0), U(2025, 1, 1, 13, 0)),
                     2080 * HOUR_MS);
    cxm_calset_free(s);
}

static void single_holiday_is_skipped(void **st) {
    (void)st;
    cxm_calset *s = parse_ok("[default]\nmon-fri = 09:00-17:00\nholiday = 2024-12-25\n");
    const cxm_calendar *c = cxm_calset_default(s);
    /* Tue 12-24 16:00 -> Thu 12-26 10:00: 1 h + (Wed off) + 1 h */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 12, 24, 16, 0), U(2024, 12, 26, 10, 0)),
                     2 * HOUR_MS);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 12, 25, 10, 0)), 0);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 12, 24, 10, 0)), 1);
    cxm_calset_free(s);
}

static void holiday_range_is_skipped_inclusive(void **st) {
    (void)st;
    cxm_calset *s = parse_ok("[default]\nmon-fri = 09:00-17:00\n"
                             "holiday = 2024-12-24..2024-12-26, 2025-01-01\n");
    const cxm_calendar *c = cxm_calset_default(s);
    /* Mon 12-23 16:00 -> Fri 12-27 10:00: 1 h Mon, Tue-Thu off, 1 h Fri */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 12, 23, 16, 0), U(2024, 12, 27, 10, 0)),
                     2 * HOUR_MS);
    /* Tue 2024-12-31 09:00 -> Thu 2025-01-02 09:00: Tue only (Wed 01-01 off) */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 12, 31, 9, 0), U(2025, 1, 2, 9, 0)),
                     8 * HOUR_MS);
    cxm_calset_free(s);
}

static void leap_day_is_an_ordinary_working_day(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    /* Wed 2024-02-28 16:00 -> Fri 2024-03-01 10:00: 1 h + Thu 02-29 8 h + 1 h */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 2, 28, 16, 0), U(2024, 3, 1, 10, 0)),
                     10 * HOUR_MS);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 2, 29, 12, 0)), 1);
    cxm_calset_free(s);
}

static void interval_ending_at_midnight_24_00(void **st) {
    (void)st;
    cxm_calset *s = parse_ok("[default]\nfri = 20:00-24:00\nsat = 00:00-02:00\n");
    const cxm_calendar *c = cxm_calset_default(s);
    /* Fri 2024-03-01 23:00 -> Sat 01:00: 1 h + 1 h across midnight */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 1, 23, 0), U(2024, 3, 2, 1, 0)),
                     2 * HOUR_MS);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 2, 0, 0) - 1), 1);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 2, 0, 0)), 1);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 2, 2, 0)), 0);
    /* a whole week: 4 h + 2 h */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 0, 0), U(2024, 3, 11, 0, 0)),
                     6 * HOUR_MS);
    cxm_calset_free(s);
}

static void is_open_start_inclusive_end_exclusive(void **st) {
    (void)st;
    cxm_calset *s = parse_ok("[default]\nmon-fri = 09:00-12:00, 13:00-17:00\n");
    const cxm_calendar *c = cxm_calset_default(s);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 4, 9, 0)), 1);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 4, 9, 0) - 1), 0);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 4, 12, 0) - 1), 1);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 4, 12, 0)), 0);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 4, 13, 0)), 1);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 4, 17, 0)), 0);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 2, 10, 0)), 0); /* Saturday */
    assert_int_equal(cxm_calendar_is_open(c, CXM_TIME_NULL), 0);
    assert_int_equal(cxm_calendar_is_open(c, INT64_MAX), 0);
    cxm_calset_free(s);
}

/* ---- due times ------------------------------------------------------ */

static void add_business_carries_over_the_weekend(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    /* Fri 16:00 + 2 h = Mon 10:00 */
    assert_int_equal(cxm_calendar_add_business(c, U(2024, 3, 1, 16, 0), 2 * HOUR_MS),
                     U(2024, 3, 4, 10, 0));
    /* Fri 16:00 + 1 h = Fri 17:00, the earliest instant (not Mon 09:00) */
    assert_int_equal(cxm_calendar_add_business(c, U(2024, 3, 1, 16, 0), HOUR_MS),
                     U(2024, 3, 1, 17, 0));
    /* from outside hours the clock starts at the next opening: Sat + 30 min */
    assert_int_equal(cxm_calendar_add_business(c, U(2024, 3, 2, 12, 0), 30 * MIN_MS),
                     U(2024, 3, 4, 9, 30));
    /* + 3 working weeks from Mon 09:00 = Mon 09:00 + 21 days, minus the
     * closing hours of the last day: 15 days x 8 h ends Fri 03-22 17:00 */
    assert_int_equal(cxm_calendar_add_business(c, U(2024, 3, 4, 9, 0), 120 * HOUR_MS),
                     U(2024, 3, 22, 17, 0));
    cxm_calset_free(s);
}

static void add_business_zero_negative_and_null(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    assert_int_equal(cxm_calendar_add_business(c, U(2024, 3, 2, 12, 0), 0), U(2024, 3, 2, 12, 0));
    assert_true(cxm_calendar_add_business(c, U(2024, 3, 2, 12, 0), -1) == CXM_TIME_NULL);
    assert_true(cxm_calendar_add_business(c, CXM_TIME_NULL, HOUR_MS) == CXM_TIME_NULL);
    cxm_calset_free(s);
}

static void add_business_null_when_no_business_time_follows(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    /* Fri 9999-12-31 16:00 + 1 h = 17:00, but + 2 h would need year 10000 */
    assert_int_equal(cxm_calendar_add_business(c, U(9999, 12, 31, 16, 0), HOUR_MS),
                     U(9999, 12, 31, 17, 0));
    assert_true(cxm_calendar_add_business(c, U(9999, 12, 31, 16, 0), 2 * HOUR_MS) == CXM_TIME_NULL);
    assert_true(cxm_calendar_add_business(c, U(2024, 1, 1, 0, 0), INT64_MAX) == CXM_TIME_NULL);
    assert_true(cxm_calendar_add_business(c, INT64_MAX, 1) == CXM_TIME_NULL);
    cxm_calset_free(s);
}

static void add_business_is_the_inverse_of_business_ms(void **st) {
    (void)st;
    cxm_calset *s = parse_ok("[default]\nmon-fri = 09:00-12:00, 13:00-17:00\nsat = 10:00-14:00\n"
                             "holiday = 2024-05-01, 2024-12-24..2024-12-26\n");
    const cxm_calendar *c = cxm_calset_default(s);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    cxm_time lo = U(2024, 1, 1, 0, 0);
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        cxm_time from = lo + (cxm_time)(x % (366ull * 86400000ull));
        int64_t ms = (int64_t)((x >> 20) % (200ull * 3600000ull)) + 1;
        cxm_time due = cxm_calendar_add_business(c, from, ms);
        assert_true(due != CXM_TIME_NULL && due > from);
        assert_int_equal(cxm_calendar_business_ms(c, from, due), ms);
        assert_int_equal(cxm_calendar_business_ms(c, from, due - 1), ms - 1); /* earliest */
        assert_int_equal(cxm_calendar_is_open(c, due - 1), 1);
    }
    cxm_calset_free(s);
}

/* ---- DST ------------------------------------------------------------ */

static const char *BERLIN_SUNDAYS = "[allday]\nzone = Europe/Berlin\nsun = 00:00-24:00\n"
                                    "[night]\nzone = Europe/Berlin\nsun = 01:00-04:00\n"
                                    "[office]\nzone = Europe/Berlin\nsun = 09:00-17:00\n"
                                    "[gap]\nzone = Europe/Berlin\nsun = 02:30-05:00\n";

static void berlin_spring_forward_day_is_23_hours(void **st) {
    (void)st;
    if (!tz_available("Europe/Berlin")) skip();
    cxm_calset *s = parse_ok(BERLIN_SUNDAYS);
    /* Sun 2024-03-31: 00:00 CET = 03-30 23:00Z, 24:00 CEST = 03-31 22:00Z.
     * Query Sat 12:00Z -> Mon 12:00Z to cover the whole day. */
    cxm_time a = U(2024, 3, 30, 12, 0), b = U(2024, 4, 1, 12, 0);
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 0), a, b), 23 * HOUR_MS);
    /* 01:00 CET = 00:00Z .. 04:00 CEST = 02:00Z: 2 h of real time */
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 1), a, b), 2 * HOUR_MS);
    /* 09:00-17:00 CEST is still 8 h */
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 2), a, b), 8 * HOUR_MS);
    /* 02:30 does not exist; from_local moves it forward by the gap to 03:30
     * CEST = 01:30Z; 05:00 CEST = 03:00Z: 1 h 30 min */
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 3), a, b), 90 * MIN_MS);
    /* the exact span of the day */
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 0), U(2024, 3, 30, 23, 0),
                                              U(2024, 3, 31, 22, 0)), 23 * HOUR_MS);
    assert_int_equal(cxm_calendar_is_open(cxm_calset_get(s, 0), U(2024, 3, 30, 23, 0) - 1), 0);
    assert_int_equal(cxm_calendar_is_open(cxm_calset_get(s, 0), U(2024, 3, 31, 22, 0) - 1), 1);
    assert_int_equal(cxm_calendar_is_open(cxm_calset_get(s, 0), U(2024, 3, 31, 22, 0)), 0);
    cxm_calset_free(s);
}

static void berlin_fall_back_day_is_25_hours(void **st) {
    (void)st;
    if (!tz_available("Europe/Berlin")) skip();
    cxm_calset *s = parse_ok(BERLIN_SUNDAYS);
    /* Sun 2024-10-27: 00:00 CEST = 10-26 22:00Z, 24:00 CET = 10-27 23:00Z */
    cxm_time a = U(2024, 10, 26, 12, 0), b = U(2024, 10, 28, 12, 0);
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 0), a, b), 25 * HOUR_MS);
    /* 01:00 CEST = 10-26 23:00Z .. 04:00 CET = 03:00Z: 4 h */
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 1), a, b), 4 * HOUR_MS);
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 2), a, b), 8 * HOUR_MS);
    /* the repeated 02:xx hour is open both times in the 01:00-04:00 calendar */
    assert_int_equal(cxm_calendar_is_open(cxm_calset_get(s, 1), U(2024, 10, 27, 0, 30)), 1);
    assert_int_equal(cxm_calendar_is_open(cxm_calset_get(s, 1), U(2024, 10, 27, 1, 30)), 1);
    /* due time across the fall-back: Sat 12:00Z + 3 h in 01:00-04:00 ->
     * 23:00Z + 3 h = 02:00Z (local 03:00 CET) */
    assert_int_equal(cxm_calendar_add_business(cxm_calset_get(s, 1), a, 3 * HOUR_MS),
                     U(2024, 10, 27, 2, 0));
    cxm_calset_free(s);
}

static void boundaries_inside_a_dst_gap_never_double_count(void **st) {
    (void)st;
    if (!tz_available("Europe/Berlin")) skip();
    cxm_calset *s = parse_ok("[split]\nzone = Europe/Berlin\nsun = 00:00-02:30, 03:00-05:00\n"
                             "[ghost]\nzone = Europe/Berlin\nsun = 02:15-02:45\n"
                             "[fold]\nzone = Europe/Berlin\nsun = 00:00-02:30, 02:30-05:00\n");
    /* Sun 2024-03-31: 00:00 CET = 23:00Z; 02:30 moves to 03:30 CEST = 01:30Z;
     * 03:00 CEST = 01:00Z; 05:00 CEST = 03:00Z. The second interval's start
     * is clipped to the first one's end: [23:00Z, 01:30Z) + [01:30Z, 03:00Z)
     * = 4 h, the real time from local 00:00 to 05:00 (not 4 h 30). */
    cxm_time a = U(2024, 3, 30, 12, 0), b = U(2024, 4, 1, 12, 0);
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 0), a, b), 4 * HOUR_MS);
    assert_int_equal(cxm_calendar_add_business(cxm_calset_get(s, 0), a, 4 * HOUR_MS),
                     U(2024, 3, 31, 3, 0));
    /* 02:15-02:45 never shows on that day's clock: 30 min (01:15Z-01:45Z)
     * by the move-forward rule, the same as 03:15-03:45 CEST */
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 1), a, b), 30 * MIN_MS);
    /* Sun 2024-10-27 (fall back, 02:00-03:00 twice): 00:00 CEST = 22:00Z,
     * 02:30 = the earlier 00:30Z, 05:00 CET = 04:00Z: 2 h 30 + 3 h 30 = 6 h;
     * the second 02:15 (01:15Z) is open */
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 2), U(2024, 10, 26, 12, 0),
                                              U(2024, 10, 28, 12, 0)), 6 * HOUR_MS);
    assert_int_equal(cxm_calendar_is_open(cxm_calset_get(s, 2), U(2024, 10, 27, 1, 15)), 1);
    cxm_calset_free(s);
}

static void new_york_spring_forward(void **st) {
    (void)st;
    if (!tz_available("America/New_York")) skip();
    cxm_calset *s = parse_ok("[allday]\nzone = America/New_York\nsun = 00:00-24:00\n"
                             "[night]\nzone = America/New_York\nsun = 01:00-04:00\n"
                             "[office]\nzone = America/New_York\nmon-fri = 09:00-17:00\n");
    /* Sun 2024-03-10: 00:00 EST = 05:00Z, 24:00 EDT = 03-11 04:00Z: 23 h;
     * 01:00 EST = 06:00Z .. 04:00 EDT = 08:00Z: 2 h */
    cxm_time a = U(2024, 3, 9, 12, 0), b = U(2024, 3, 11, 12, 0);
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 0), a, b), 23 * HOUR_MS);
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 1), a, b), 2 * HOUR_MS);
    /* Fri 03-08 16:00 EST = 21:00Z -> Mon 03-11 10:00 EDT = 14:00Z: 2 h */
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_get(s, 2), U(2024, 3, 8, 21, 0),
                                              U(2024, 3, 11, 14, 0)), 2 * HOUR_MS);
    cxm_calset_free(s);
}

/* ---- far-apart dates and the table ---------------------------------- */

static void far_apart_dates_1990_to_2030(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    int64_t d0 = cxm_days_from_civil(1990, 1, 1), d1 = cxm_days_from_civil(2030, 1, 1), weekdays = 0;
    for (int64_t d = d0; d < d1; d++) weekdays += cxm_weekday(d) < 5;
    assert_int_equal(cxm_calendar_business_ms(c, U(1990, 1, 1, 0, 0), U(2030, 1, 1, 0, 0)),
                     weekdays * 8 * HOUR_MS);
    /* and back again in the other order of table growth */
    assert_int_equal(cxm_calendar_business_ms(c, U(1950, 1, 1, 0, 0), U(1990, 1, 1, 0, 0)) +
                         cxm_calendar_business_ms(c, U(1990, 1, 1, 0, 0), U(2030, 1, 1, 0, 0)),
                     cxm_calendar_business_ms(c, U(1950, 1, 1, 0, 0), U(2030, 1, 1, 0, 0)));
    cxm_calset_free(s);
}

static void business_time_is_additive_across_centuries(void **st) {
    (void)st;
    /* spans of up to 400 years touch far more chunks than the cache holds */
    const char *zone = tz_available("Europe/Berlin") ? "Europe/Berlin" : "UTC";
    char text[256];
    snprintf(text, sizeof text, "[default]\nzone = %s\nmon-fri = 09:00-17:00\nsun = 00:00-24:00\n"
             "holiday = 2000-01-01..2000-12-31\n", zone);
    cxm_calset *s = parse_ok(text);
    const cxm_calendar *c = cxm_calset_default(s);
    uint64_t x = 88172645463325252ull;
    cxm_time lo = U(1800, 1, 1, 0, 0), span = U(2200, 1, 1, 0, 0) - lo;
    for (int i = 0; i < 300; i++) {
        cxm_time t[3];
        for (int j = 0; j < 3; j++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            t[j] = lo + (cxm_time)(x % (uint64_t)span);
        }
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2 - j; k++)
                if (t[k] > t[k + 1]) { cxm_time y = t[k]; t[k] = t[k + 1]; t[k + 1] = y; }
        int64_t ab = cxm_calendar_business_ms(c, t[0], t[1]), bc = cxm_calendar_business_ms(c, t[1], t[2]);
        assert_true(ab >= 0 && bc >= 0);
        assert_int_equal(ab + bc, cxm_calendar_business_ms(c, t[0], t[2]));
    }
    /* the year 2000 is all holiday: nothing counts */
    assert_int_equal(cxm_calendar_business_ms(c, U(2000, 1, 1, 0, 0) - 1, U(2001, 1, 1, 0, 0) - 1 - 3600000), 0);
    cxm_calset_free(s);
}

static void extreme_instants_are_clamped_not_crashing(void **st) {
    (void)st;
    cxm_calset *s = parse_ok(NINE_TO_FIVE);
    const cxm_calendar *c = cxm_calset_default(s);
    /* before 0001-01-01 nothing counts: [-inf, 0001-01-01) is 0 */
    assert_int_equal(cxm_calendar_business_ms(c, INT64_MIN + 1, U(1, 1, 1, 0, 0)), 0);
    /* 0001-01-01 is a Monday (proleptic Gregorian): its 8 h count */
    assert_int_equal(cxm_weekday(cxm_days_from_civil(1, 1, 1)), 0);
    assert_int_equal(cxm_calendar_business_ms(c, INT64_MIN + 1, U(1, 1, 2, 0, 0)), 8 * HOUR_MS);
    /* the whole range once: every weekday of 0001..9999 */
    int64_t whole = cxm_calendar_business_ms(c, INT64_MIN + 1, INT64_MAX);
    int64_t days = cxm_days_from_civil(10000, 1, 1) - cxm_days_from_civil(1, 1, 1);
    /* 9999 years = 24 cycles of 400 years (146097 days = 20871 weeks) + 399 years */
    int64_t weekdays = 0;
    for (int64_t d = cxm_days_from_civil(1, 1, 1); d < cxm_days_from_civil(10000, 1, 1); d++)
        weekdays += cxm_weekday(d) < 5;
    assert_true(days > 0);
    assert_int_equal(whole, weekdays * 8 * HOUR_MS);
    assert_int_equal(cxm_calendar_business_ms(c, U(9999, 12, 31, 16, 0), INT64_MAX), HOUR_MS);
    cxm_calset_free(s);
}

typedef struct thread_arg {
    const cxm_calendar *c;
    cxm_time base;
    int64_t expect[64];
    int ok;
} thread_arg;

static void *query_thread(void *p) {
    thread_arg *a = p;
    a->ok = 1;
    for (int round = 0; round < 4; round++)
        for (int i = 0; i < 64; i++) {
            cxm_time from = a->base + (cxm_time)i * 97 * 86400000LL;
            if (cxm_calendar_business_ms(a->c, from, from + 400LL * 86400000LL) != a->expect[i]) a->ok = 0;
        }
    return NULL;
}

static void concurrent_queries_on_one_calendar_agree(void **st) {
    (void)st;
    const char *text = "[default]\nmon-fri = 09:00-17:00\nholiday = 2024-12-24..2024-12-26\n";
    cxm_calset *ref = parse_ok(text), *s = parse_ok(text);
    thread_arg args[4];
    for (int t = 0; t < 4; t++) {
        args[t].c = cxm_calset_default(s);
        args[t].base = U(1900 + 60 * t, 1, 1, 0, 0);
        for (int i = 0; i < 64; i++) {
            cxm_time from = args[t].base + (cxm_time)i * 97 * 86400000LL;
            args[t].expect[i] = cxm_calendar_business_ms(cxm_calset_default(ref), from,
                                                         from + 400LL * 86400000LL);
        }
    }
    pthread_t th[4];
    for (int t = 0; t < 4; t++) assert_int_equal(pthread_create(&th[t], NULL, query_thread, &args[t]), 0);
    for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
    for (int t = 0; t < 4; t++) assert_true(args[t].ok);
    cxm_calset_free(ref);
    cxm_calset_free(s);
}

/* ---- differential oracle -------------------------------------------- */

typedef struct ocal {
    const char *zone;
    const char *week[7];         /* value per day: "closed" or intervals */
    const char *holidays;        /* holiday line value or NULL */
} ocal;

static int parse_min(const char *p) { return ((p[0] - '0') * 10 + (p[1] - '0')) * 60 + (p[3] - '0') * 10 + (p[4] - '0'); }

/* Is local second-of-day sod of a weekday w inside one of o's intervals?
 * Reads the same strings as the file, with its own little reader. */
static int oracle_in(const ocal *o, int w, int64_t sod) {
    const char *v = o->week[w];
    if (!strcmp(v, "closed")) return 0;
    for (const char *p = v; *p;) {
        int a = parse_min(p), b = parse_min(p + 6);
        if (sod >= a * 60 && sod < b * 60) return 1;
        p += 11;
        while (*p == ',' || *p == ' ') p++;
    }
    return 0;
}

static int num(const char *p, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (p[i] - '0');
    return v;
}

/* "YYYY-MM-DD" at p as a day number */
static int64_t oracle_date(const char *p) { return cxm_days_from_civil(num(p, 4), num(p + 5, 2), num(p + 8, 2)); }

static int oracle_holiday(const ocal *o, int64_t day) {
    if (!o->holidays) return 0;
    for (const char *p = o->holidays; *p;) {
        int64_t a = oracle_date(p), b = a;
        p += 10;
        if (p[0] == '.' && p[1] == '.') {
            b = oracle_date(p + 2);
            p += 12;
        }
        if (day >= a && day <= b) return 1;
        while (*p == ',' || *p == ' ') p++;
    }
    return 0;
}

static const char *DAYS[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static void check_against_oracle(const ocal *o, int pairs) {
    cxm_tz *tz = NULL;
    cxm_diag dg;
    if (cxm_tz_load(o->zone, &tz, &dg)) {
        print_message("  (zone %s unavailable: skipped)\n", o->zone);
        return;
    }
    char text[2048];
    size_t n = (size_t)snprintf(text, sizeof text, "[oracle]\nzone = %s\n", o->zone);
    for (int w = 0; w < 7; w++) n += (size_t)snprintf(text + n, sizeof text - n, "%s = %s\n", DAYS[w], o->week[w]);
    if (o->holidays) n += (size_t)snprintf(text + n, sizeof text - n, "holiday = %s\n", o->holidays);
    cxm_calset *s = parse_ok(text);
    const cxm_calendar *c = cxm_calset_default(s);

    cxm_time t0 = U(2023, 1, 1, 0, 0), t1 = U(2026, 1, 1, 0, 0);
    size_t nmin = (size_t)((t1 - t0) / MIN_MS);
    unsigned char *open = malloc(nmin);
    int64_t *pre = malloc((nmin + 1) * sizeof *pre);
    assert_non_null(open);
    assert_non_null(pre);
    pre[0] = 0;
    for (size_t m = 0; m < nmin; m++) {
        int64_t utc = (t0 + (cxm_time)m * MIN_MS) / 1000;
        int64_t local = cxm_tz_to_local(tz, utc);
        int64_t day = cxm_floordiv(local, 86400), sod = local - day * 86400;
        open[m] = (unsigned char)(!oracle_holiday(o, day) && oracle_in(o, cxm_weekday(day), sod));
        pre[m + 1] = pre[m] + open[m];
    }
    /* business ms before t (t0 <= t <= t1): whole minutes + part of one */
#define ORACLE_A(t) ((t) >= t1 ? pre[nmin] * MIN_MS : \
    pre[((t) - t0) / MIN_MS] * MIN_MS + open[((t) - t0) / MIN_MS] * (((t) - t0) % MIN_MS))
    uint64_t x = 0x2545F4914F6CDD1Dull ^ (uint64_t)strlen(o->zone);
    int mismatches = 0;
    for (int i = 0; i < pairs && mismatches < 5; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        cxm_time from = t0 + (cxm_time)(x % (uint64_t)(t1 - t0));
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        cxm_time to;
        switch (i % 4) {
        case 0: to = t0 + (cxm_time)(x % (uint64_t)(t1 - t0)); break;        /* anywhere */
        case 1: to = from + (cxm_time)(x % (uint64_t)(3 * 86400000LL)); break; /* days */
        case 2: to = from + (cxm_time)(x % (uint64_t)(86400000LL)); break;     /* same day-ish */
        default: to = from + (cxm_time)(x % (uint64_t)(60 * 86400000LL)); break; /* weeks */
        }
        if (to > t1) to = t1;
        if (to < from) { cxm_time y = from; from = to; to = y; }
        if (i % 16 == 0) { from -= from % MIN_MS; to -= to % (60 * MIN_MS); if (to < from) to = from; }
        int64_t want = ORACLE_A(to) - ORACLE_A(from);
        int64_t got = cxm_calendar_business_ms(c, from, to);
        int open_want = open[(from - t0) / MIN_MS], open_got = cxm_calendar_is_open(c, from);
        if (got != want || open_want != open_got) {
            print_error("%s: [%lld, %lld): business %lld want %lld; open %d want %d\n", o->zone,
                        (long long)from, (long long)to, (long long)got, (long long)want, open_got,
                        open_want);
            mismatches++;
            continue;
        }
        if (want > 0) {
            cxm_time due = cxm_calendar_add_business(c, from, want);
            if (due == CXM_TIME_NULL || due > to || ORACLE_A(due) - ORACLE_A(from) != want ||
                ORACLE_A(due - 1) - ORACLE_A(from) != want - 1) {
                print_error("%s: add_business(%lld, %lld) = %lld (to %lld)\n", o->zone,
                            (long long)from, (long long)want, (long long)due, (long long)to);
                mismatches++;
            }
        }
    }
#undef ORACLE_A
    assert_int_equal(mismatches, 0);
    free(open);
    free(pre);
    cxm_calset_free(s);
    cxm_tz_free(tz);
}

static void matches_brute_force_oracle_over_three_years(void **st) {
    (void)st;
    /* Interval ends avoid the inside of DST transition windows (there the
     * wall-clock oracle and from_local deliberately differ; the rule is
     * tested by hand in berlin_spring_forward_day_is_23_hours). */
    static const ocal cals[] = {
        {"UTC", {"09:00-17:00", "09:00-17:00", "09:00-17:00", "09:00-17:00", "09:00-17:00", "closed", "closed"},
         "2024-12-24..2024-12-26, 2025-01-01"},
        {"Europe/Berlin",
         {"09:00-12:30, 13:30-18:00", "09:00-12:30, 13:30-18:00", "09:00-12:30, 13:30-18:00",
          "09:00-12:30, 13:30-18:00", "09:00-12:30, 13:30-18:00", "10:00-14:00", "00:00-24:00"},
         "2023-04-07, 2023-04-10, 2023-12-24..2023-12-26, 2024-03-29, 2024-04-01, 2024-05-01, "
         "2024-10-03, 2024-12-24..2024-12-26, 2025-04-18..2025-04-21, 2025-10-26"},
        {"America/New_York",
         {"08:00-12:00, 12:30-20:00", "08:00-12:00, 12:30-20:00", "08:00-12:00, 12:30-20:00",
          "08:00-12:00, 12:30-20:00", "08:00-12:00, 12:30-20:00", "22:00-24:00", "00:00-01:00, 03:00-07:00"},
         "2024-07-04, 2024-11-28..2024-11-29, 2025-11-02"},
        {"Asia/Tokyo",
         {"09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-18:00, 19:00-24:00",
          "00:00-03:00", "closed"},
         "2024-01-01..2024-01-03, 2025-01-01..2025-01-03"},
        {"Australia/Lord_Howe",
         {"06:00-22:00", "06:00-22:00", "06:00-22:00", "06:00-22:00", "06:00-22:00", "06:00-22:00",
          "00:00-24:00"}, NULL},
    };
    for (size_t i = 0; i < sizeof cals / sizeof cals[0]; i++) check_against_oracle(&cals[i], 4000);
}

/* ---- the file format ------------------------------------------------ */

static void day_selectors_lists_ranges_full_names_and_wrap(void **st) {
    (void)st;
    cxm_calset *s = parse_ok("# comment line\n[default]\r\n"
                             "MON-Wed, friday = 09:00-10:00   # one hour\n"
                             "Thursday = 09:00 - 11:00\n"
                             "sat-mon = 20:00-21:00\n"        /* sat, sun, mon */
                             "sun = closed\n");               /* replaces sun */
    const cxm_calendar *c = cxm_calset_default(s);
    /* week of Mon 2024-03-04: Mon 20:00 replaced 09-10 by sat-mon; Tue, Wed,
     * Fri 1 h; Thu 2 h; Sat 1 h; Sun closed: 1 + 1 + 1 + 2 + 1 + 1 = 7 h */
    assert_int_equal(cxm_calendar_business_ms(c, U(2024, 3, 4, 0, 0), U(2024, 3, 11, 0, 0)),
                     7 * HOUR_MS);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 4, 20, 30)), 1);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 4, 9, 30)), 0);
    assert_int_equal(cxm_calendar_is_open(c, U(2024, 3, 10, 20, 30)), 0);
    cxm_calset_free(s);
}

static void multiple_calendars_with_match_rules(void **st) {
    (void)st;
    cxm_calset *s = parse_ok("[emea]\nmon-fri = 09:00-17:00\n"
                             "[apac]\nmatch = team:APAC\nmatch = channel : phone \n"
                             "match = tag:a:b\nmon-fri = 09:00-18:00\n");
    assert_int_equal(cxm_calset_count(s), 2);
    assert_string_equal(cxm_calendar_name(cxm_calset_get(s, 0)), "emea");
    const cxm_calendar *apac = cxm_calset_get(s, 1);
    assert_string_equal(cxm_calendar_name(apac), "apac");
    assert_null(cxm_calset_get(s, 2));
    const char *const *cols, *const *vals;
    size_t n;
    cxm_calendar_matches(apac, &cols, &vals, &n);
    assert_int_equal(n, 3);
    assert_string_equal(cols[0], "team");
    assert_string_equal(vals[0], "APAC");
    assert_string_equal(cols[1], "channel");
    assert_string_equal(vals[1], "phone");
    assert_string_equal(cols[2], "tag");
    assert_string_equal(vals[2], "a:b");
    cxm_calendar_matches(cxm_calset_get(s, 0), &cols, &vals, &n);
    assert_int_equal(n, 0);
    cxm_calset_free(s);
}

static void default_is_the_section_named_default_else_the_first(void **st) {
    (void)st;
    cxm_calset *s = parse_ok("[apac]\nmon = 09:00-10:00\n[default]\ntue = 09:00-10:00\n");
    assert_string_equal(cxm_calendar_name(cxm_calset_default(s)), "default");
    cxm_calset_free(s);
    s = parse_ok("[apac]\nmon = 09:00-10:00\n[emea]\ntue = 09:00-10:00\n");
    assert_string_equal(cxm_calendar_name(cxm_calset_default(s)), "apac");
    cxm_calset_free(s);
}

static void zone_defaults_to_the_callers_zone(void **st) {
    (void)st;
    cxm_tz *tokyo = NULL;
    cxm_diag dg;
    if (cxm_tz_load("Asia/Tokyo", &tokyo, &dg)) skip();
    const char *text = "[default]\nmon-fri = 09:00-17:00\n";
    cxm_calset *s = NULL;
    assert_int_equal(cxm_calset_parse("t", text, strlen(text), tokyo, &s, &dg), 0);
    /* Mon 2024-03-04 09:00 JST = 00:00Z */
    assert_int_equal(cxm_calendar_is_open(cxm_calset_default(s), U(2024, 3, 4, 0, 0)), 1);
    assert_int_equal(cxm_calendar_is_open(cxm_calset_default(s), U(2024, 3, 4, 8, 0)), 0);
    cxm_calset_free(s);
    cxm_tz_free(tokyo);
}

static void error_interval_syntax(void **st) {
    (void)st;
    expect_error("[default]\nmon = 9-17\n", CXM_EPARSE, 2, 7, "expected HH:MM-HH:MM", "'9-17'", NULL);
    expect_error("[default]\nmon = 09:00-17:00, 13h\n", CXM_EPARSE, 2, 20, "found '13h'", NULL);
    expect_error("[default]\nmon = 09:00-25:00\n", CXM_EPARSE, 2, 7, "out of range", NULL);
    expect_error("[default]\nmon = 09:00-17:60\n", CXM_EPARSE, 2, 7, "out of range", NULL);
    expect_error("[default]\nmon = 24:00-24:00\n", CXM_EPARSE, 2, 7, "24:00 may only end", NULL);
    expect_error("[default]\nmon = 09:00-24:30\n", CXM_EPARSE, 2, 7, "24:00 is the latest", NULL);
    expect_error("[default]\nmon =\n", CXM_EPARSE, 2, 6, "expected a value", NULL);
}

static void error_interval_ends_before_it_starts(void **st) {
    (void)st;
    expect_error("[default]\nmon = 18:00-09:00\n", CXM_EPARSE, 2, 7,
                 "interval 18:00-09:00 ends before it starts: write two intervals or end at 24:00",
                 NULL);
    expect_error("[default]\nmon = 09:00-09:00\n", CXM_EPARSE, 2, 7, "is empty", NULL);
}

static void error_overlapping_intervals(void **st) {
    (void)st;
    expect_error("[default]\nmon = 09:00-13:00, 12:00-17:00\n", CXM_EPARSE, 2, 20,
                 "intervals 09:00-13:00 and 12:00-17:00 overlap", NULL);
    /* touching is fine */
    cxm_calset *s = parse_ok("[default]\nmon = 12:00-17:00, 09:00-12:00\n");
    assert_int_equal(cxm_calendar_business_ms(cxm_calset_default(s), U(2024, 3, 4, 0, 0),
                                              U(2024, 3, 5, 0, 0)), 8 * HOUR_MS);
    cxm_calset_free(s);
}

static void error_unknown_weekday(void **st) {
    (void)st;
    expect_error("[default]\nthurs = 09:00-17:00\n", CXM_EPARSE, 2, 1, "unknown weekday 'thurs'", NULL);
    expect_error("[default]\nmon, thurs = 09:00-17:00\n", CXM_EPARSE, 2, 6, "unknown weekday 'thurs'", NULL);
    expect_error("[default]\nmon-frid = 09:00-17:00\n", CXM_EPARSE, 2, 5, "unknown weekday 'frid'", NULL);
}

static void error_unknown_key_and_bad_lines(void **st) {
    (void)st;
    expect_error("[default]\nmon-fri = 09:00-17:00\ncolour = red\n", CXM_EPARSE, 3, 1,
                 "unknown key 'colour'", NULL);
    expect_error("[default]\n  just words\n", CXM_EPARSE, 2, 3, "expected 'key = value'", NULL);
    expect_error("mon = 09:00-17:00\n", CXM_EPARSE, 1, 1, "expected a [name] section", NULL);
    expect_error("[default\n", CXM_EPARSE, 1, 9, "expected ']'", NULL);
    expect_error("[two words]\n", CXM_EPARSE, 1, 5, "expected a calendar name", NULL);
    expect_error("[default]\nmon = 09:00-\x01" "17:00\n", CXM_EPARSE, 2, 13, "control byte", NULL);
    expect_error("[default]\nmatch = team\nmon = 09:00-17:00\n", CXM_EPARSE, 2, 9,
                 "expected COLUMN:VALUE", NULL);
}

static void error_holidays(void **st) {
    (void)st;
    expect_error("[default]\nmon = 09:00-17:00\nholiday = 2024-12-26..2024-12-24\n", CXM_EPARSE, 3,
                 23, "holiday range end before start", NULL);
    expect_error("[default]\nmon = 09:00-17:00\nholiday = 2025-02-29\n", CXM_EPARSE, 3, 11,
                 "day 29 out of range 01-28 for 2025-02", NULL);
    expect_error("[default]\nmon = 09:00-17:00\nholiday = 2024-12-25, 25.12.2024\n", CXM_EPARSE, 3,
                 23, "expected a date YYYY-MM-DD", NULL);
    /* a range longer than the cap: 0001-01-01..9999-12-31 */
    expect_error("[default]\nmon = 09:00-17:00\nholiday = 0001-01-01..9999-12-31\n", CXM_ELIMIT, 3,
                 11, "CXM_MAX_HOLIDAYS", NULL);
}

static void error_unknown_zone_carries_the_zone_message(void **st) {
    (void)st;
    expect_error("[default]\nzone = Mars/Olympus_Mons\nmon = 09:00-17:00\n", CXM_ENOTFOUND, 2, 8,
                 "unknown zone 'Mars/Olympus_Mons'", NULL);
    if (tz_available("Asia/Tokyo"))
        expect_error("[default]\nzone = Asia/Tokyo\nzone = UTC\nmon = 09:00-17:00\n", CXM_EPARSE, 3, 8,
                     "zone given twice", "line 2", NULL);
}

static void error_duplicate_calendar_names(void **st) {
    (void)st;
    expect_error("[apac]\nmon = 09:00-17:00\n\n[apac]\ntue = 09:00-17:00\n", CXM_EPARSE, 4, 2,
                 "duplicate calendar name 'apac'", "line 1", NULL);
}

static void error_calendar_without_intervals(void **st) {
    (void)st;
    expect_error("[default]\nmon = 09:00-17:00\n[empty]\nsat, sun = closed\nholiday = 2024-01-01\n",
                 CXM_EDATA, 3, 0, "calendar 'empty' has no working interval", NULL);
    expect_error("# nothing\n\n", CXM_EDATA, 0, 0, "no calendar", NULL);
    expect_error("", CXM_EDATA, 0, 0, "no calendar", NULL);
}

static void error_limits(void **st) {
    (void)st;
    /* CXM_MAX_SHIFTS_PER_DAY + 1 intervals in a day */
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text, "[default]\nmon = ");
    for (unsigned i = 0; i <= CXM_MAX_SHIFTS_PER_DAY; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%02u:00-%02u:30", i ? ", " : "", i, i);
    snprintf(text + n, sizeof text - n, "\n");
    expect_error(text, CXM_ELIMIT, 2, 7 + 13 * CXM_MAX_SHIFTS_PER_DAY, "CXM_MAX_SHIFTS_PER_DAY", NULL);
    /* CXM_MAX_CALENDARS + 1 sections */
    size_t cap = (CXM_MAX_CALENDARS + 1) * 40 + 1;
    char *big = malloc(cap);
    assert_non_null(big);
    n = 0;
    for (unsigned i = 0; i <= CXM_MAX_CALENDARS; i++)
        n += (size_t)snprintf(big + n, cap - n, "[c%u]\nmon = 09:00-17:00\n", i);
    expect_error(big, CXM_ELIMIT, 2u * CXM_MAX_CALENDARS + 1, 2, "CXM_MAX_CALENDARS", NULL);
    free(big);
}

static void load_reads_a_file_and_reports_missing_ones(void **st) {
    (void)st;
    char path[] = "/tmp/cxm_test_calendar_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("\xEF\xBB\xBF[default]\nmon-fri = 09:00-17:00\n", f);
    fclose(f);
    cxm_calset *s = NULL;
    cxm_diag dg;
    assert_int_equal(cxm_calset_load(path, NULL, &s, &dg), 0);
    assert_int_equal(cxm_calset_count(s), 1);
    cxm_calset_free(s);
    remove(path);
    assert_int_equal(cxm_calset_load(path, NULL, &s, &dg), CXM_EIO);
    assert_null(s);
    assert_string_equal(dg.file, path);
    cxm_calset_free(NULL);
}

static void example_file_parses_and_behaves(void **st) {
    (void)st;
    const char *src = getenv("CXM_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/calendar.ini", src ? src : ".");
    FILE *f = fopen(path, "r");
    if (!f) skip();
    fclose(f);
    if (!tz_available("Europe/Berlin") || !tz_available("Asia/Tokyo")) skip();
    cxm_calset *s = NULL;
    cxm_diag dg;
    int rc = cxm_calset_load(path, NULL, &s, &dg);
    if (rc) fail_msg("%s:%llu:%u: %s", dg.file, (unsigned long long)dg.line, dg.column, dg.msg);
    const cxm_calendar *d = cxm_calset_default(s);
    assert_string_equal(cxm_calendar_name(d), "default");
    /* Mon 2025-03-03 (CET, +1): 12:00 local = 11:00Z open, 13:00 local = 12:00Z lunch */
    assert_int_equal(cxm_calendar_is_open(d, U(2025, 3, 3, 11, 0)), 1);
    assert_int_equal(cxm_calendar_is_open(d, U(2025, 3, 3, 12, 0)), 0);
    /* a working day is 3 h 30 + 4 h 30 = 8 h */
    assert_int_equal(cxm_calendar_business_ms(d, U(2025, 3, 3, 0, 0), U(2025, 3, 4, 0, 0)), 8 * HOUR_MS);
    /* Sat 10:00-14:00: 4 h; Sun closed */
    assert_int_equal(cxm_calendar_business_ms(d, U(2025, 3, 8, 0, 0), U(2025, 3, 10, 0, 0)), 4 * HOUR_MS);
    /* Christmas Eve to Boxing Day 2024 closed, Good Friday 2025 closed */
    assert_int_equal(cxm_calendar_business_ms(d, U(2024, 12, 23, 23, 0), U(2024, 12, 26, 23, 0)), 0);
    assert_int_equal(cxm_calendar_is_open(d, U(2025, 4, 18, 9, 0)), 0);
    /* apac: Tokyo, team:APAC */
    const cxm_calendar *apac = NULL;
    for (size_t i = 0; i < cxm_calset_count(s); i++)
        if (!strcmp(cxm_calendar_name(cxm_calset_get(s, i)), "apac")) apac = cxm_calset_get(s, i);
    assert_non_null(apac);
    const char *const *cols, *const *vals;
    size_t n;
    cxm_calendar_matches(apac, &cols, &vals, &n);
    assert_true(n >= 1);
    assert_string_equal(cols[0], "team");
    assert_string_equal(vals[0], "APAC");
    /* Mon 2025-03-03 09:00 JST = 00:00Z */
    assert_int_equal(cxm_calendar_is_open(apac, U(2025, 3, 3, 0, 0)), 1);
    assert_int_equal(cxm_calendar_is_open(apac, U(2025, 3, 2, 23, 59)), 0);
    cxm_calset_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(friday_afternoon_to_monday_morning_is_two_hours),
        cmocka_unit_test(split_shift_lunch_break_does_not_count),
        cmocka_unit_test(both_ends_outside_hours_count_whole_days),
        cmocka_unit_test(same_day_and_empty_ranges),
        cmocka_unit_test(spanning_weeks_counts_each_working_day),
        cmocka_unit_test(single_holiday_is_skipped),
        cmocka_unit_test(holiday_range_is_skipped_inclusive),
        cmocka_unit_test(leap_day_is_an_ordinary_working_day),
        cmocka_unit_test(interval_ending_at_midnight_24_00),
        cmocka_unit_test(is_open_start_inclusive_end_exclusive),
        cmocka_unit_test(add_business_carries_over_the_weekend),
        cmocka_unit_test(add_business_zero_negative_and_null),
        cmocka_unit_test(add_business_null_when_no_business_time_follows),
        cmocka_unit_test(add_business_is_the_inverse_of_business_ms),
        cmocka_unit_test(berlin_spring_forward_day_is_23_hours),
        cmocka_unit_test(berlin_fall_back_day_is_25_hours),
        cmocka_unit_test(boundaries_inside_a_dst_gap_never_double_count),
        cmocka_unit_test(new_york_spring_forward),
        cmocka_unit_test(far_apart_dates_1990_to_2030),
        cmocka_unit_test(business_time_is_additive_across_centuries),
        cmocka_unit_test(extreme_instants_are_clamped_not_crashing),
        cmocka_unit_test(concurrent_queries_on_one_calendar_agree),
        cmocka_unit_test(matches_brute_force_oracle_over_three_years),
        cmocka_unit_test(day_selectors_lists_ranges_full_names_and_wrap),
        cmocka_unit_test(multiple_calendars_with_match_rules),
        cmocka_unit_test(default_is_the_section_named_default_else_the_first),
        cmocka_unit_test(zone_defaults_to_the_callers_zone),
        cmocka_unit_test(error_interval_syntax),
        cmocka_unit_test(error_interval_ends_before_it_starts),
        cmocka_unit_test(error_overlapping_intervals),
        cmocka_unit_test(error_unknown_weekday),
        cmocka_unit_test(error_unknown_key_and_bad_lines),
        cmocka_unit_test(error_holidays),
        cmocka_unit_test(error_unknown_zone_carries_the_zone_message),
        cmocka_unit_test(error_duplicate_calendar_names),
        cmocka_unit_test(error_calendar_without_intervals),
        cmocka_unit_test(error_limits),
        cmocka_unit_test(load_reads_a_file_and_reports_missing_ones),
        cmocka_unit_test(example_file_parses_and_behaves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
