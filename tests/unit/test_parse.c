/*
 * test_parse.c - timestamps, durations, booleans and numbers (parse.h).
 *
 * Expected instants are worked by hand from day numbers and checked with
 * GNU date (`date -u -d 2024-03-05T14:07:00Z +%s`):
 *   2024-01-01 = day 19723; 2024-03-05 = 19723 + 31 + 29 + 4 = 19787
 *   -> 19787 * 86400 = 1709596800 s; 14:07:00 adds 50820 -> 1709647620 s.
 * Europe/Berlin is +01:00 in early March and from the last Sunday of
 * October, +02:00 in between (2024: March 31 and October 27, 01:00 UTC).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "time/parse.h"

#define T_0305_1407 INT64_C(1709647620000) /* 2024-03-05T14:07:00Z in ms */
#define T_0305 INT64_C(1709596800000)      /* 2024-03-05T00:00:00Z */

static cxm_tz *berlin;

static int setup(void **state) {
    (void)state;
    cxm_diag d;
    return cxm_tz_load("Europe/Berlin", &berlin, &d);
}

static int teardown(void **state) {
    (void)state;
    cxm_tz_free(berlin);
    return 0;
}

/* Parses s and checks the instant. */
static void ok_in(const char *s, const cxm_tz *tz, cxm_date_order order, cxm_time want) {
    cxm_time got = 0;
    const char *why = NULL;
    int rc = cxm_parse_time(s, strlen(s), tz, order, &got, &why);
    if (rc != 0) fail_msg("\"%s\" rejected: %s", s, why ? why : "(no reason)");
    if (got != want) fail_msg("\"%s\" -> %lld, expected %lld", s, (long long)got, (long long)want);
}

static void ok(const char *s, cxm_time want) { ok_in(s, NULL, CXM_DATE_YMD, want); }

/* Checks that s is rejected with exactly the reason want. */
static void bad_in(const char *s, cxm_date_order order, const char *want) {
    cxm_time got = 0;
    const char *why = NULL;
    int rc = cxm_parse_time(s, strlen(s), NULL, order, &got, &why);
    if (rc != CXM_EPARSE) fail_msg("\"%s\" accepted as %lld", s, (long long)got);
    if (!why || strcmp(why, want) != 0) fail_msg("\"%s\": why \"%s\", expected \"%s\"", s, why ? why : "(null)", want);
}

static void bad(const char *s, const char *want) { bad_in(s, CXM_DATE_YMD, want); }

/* ---- timestamps: accepted forms ------------------------------------------ */

static void rfc3339_with_z(void **state) {
    (void)state;
    ok("2024-03-05T14:07:00Z", T_0305_1407);
    ok("2024-03-05T14:07:00z", T_0305_1407);
    ok("2024-03-05t14:07:00Z", T_0305_1407);
    ok("2024-03-05T14:07Z", T_0305_1407); /* seconds optional */
    ok("2024-03-05 14:07:00Z", T_0305_1407); /* one space instead of T */
    ok("2024-03-05T14:07:00 UTC", T_0305_1407);
    ok("  2024-03-05T14:07:00Z \t", T_0305_1407); /* surrounding blanks */
}

static void rfc3339_with_offsets(void **state) {
    (void)state;
    /* 14:07 at +08:00 is 06:07 UTC: 1709647620 - 28800 = 1709618820 */
    ok("2024-03-05T14:07:00.123+08:00", INT64_C(1709618820123));
    ok("2024-03-05T14:07:00+0800", INT64_C(1709618820000));
    ok("2024-03-05T14:07:00+08", INT64_C(1709618820000));
    /* 14:07 at -05:00 is 19:07 UTC: 1709647620 + 18000 */
    ok("2024-03-05T14:07:00-05:00", INT64_C(1709665620000));
    ok("2024-03-05T14:07:00+05:45", T_0305_1407 - (5 * 3600 + 45 * 60) * 1000);
    ok("2024-03-05T14:07:00-18:00", T_0305_1407 + 18 * 3600 * 1000);
    ok("2024-03-05 14:07:00 +0800", INT64_C(1709618820000));
    /* an explicit offset wins over the naive zone */
    ok_in("2024-03-05T14:07:00Z", berlin, CXM_DATE_YMD, T_0305_1407);
}

static void fractional_seconds_are_truncated_to_the_millisecond(void **state) {
    (void)state;
    ok("2024-03-05T14:07:00.1Z", T_0305_1407 + 100);
    ok("2024-03-05T14:07:00.12Z", T_0305_1407 + 120);
    ok("2024-03-05T14:07:00.123Z", T_0305_1407 + 123);
    ok("2024-03-05T14:07:00.1239Z", T_0305_1407 + 123);
    ok("2024-03-05T14:07:00.999999999Z", T_0305_1407 + 999);
    ok("2024-03-05T14:07:00,5Z", T_0305_1407 + 500); /* ISO 8601 decimal comma */
}

static void naive_times_are_read_in_the_naive_zone(void **state) {
    (void)state;
    ok("2024-03-05 14:07:00", T_0305_1407); /* NULL zone = UTC */
    ok("2024-03-05T14:07:00", T_0305_1407);
    ok("2024/03/05 14:07", T_0305_1407);
    ok("2024/3/5 14:07:00.250", T_0305_1407 + 250);
    ok_in("2024-03-05 14:07:00", berlin, CXM_DATE_YMD, T_0305_1407 - 3600000); /* CET */
    ok_in("2024-07-05 14:07:00", berlin, CXM_DATE_YMD,
          T_0305_1407 + (INT64_C(122) * 86400 - 7200) * 1000); /* CEST; Mar 5 + 122 days */
}

static void plain_dates_are_naive_midnight(void **state) {
    (void)state;
    ok("2024-03-05", T_0305);
    ok("2024/03/05", T_0305);
    ok_in("2024-03-05", berlin, CXM_DATE_YMD, T_0305 - 3600000);
}

static void naive_times_in_a_dst_gap_move_forward(void **state) {
    (void)state;
    /* 2024-03-31 02:30 does not exist in Berlin: 03:30 CEST = 01:30 UTC,
     * 19813 * 86400 + 5400 = 1711848600 */
    ok_in("2024-03-31 02:30", berlin, CXM_DATE_YMD, INT64_C(1711848600000));
    /* 2024-10-27 02:30 happens twice: the first (CEST) = 00:30 UTC,
     * 20023 * 86400 + 1800 = 1729989000 */
    ok_in("2024-10-27 02:30", berlin, CXM_DATE_YMD, INT64_C(1729989000000));
}

static void leap_days_and_leap_seconds(void **state) {
    (void)state;
    ok("2024-02-29", INT64_C(1709164800000)); /* 19723 + 31 + 28 = 19782 */
    ok("2000-02-29T00:00:00Z", INT64_C(951782400000));
    bad("2023-02-29", "day 29 out of range for February 2023");
    bad("1900-02-29", "day 29 out of range for February 1900");
    /* 23:59:60 clamps to 23:59:59.999 (2017-01-01 = 1483228800) */
    ok("2016-12-31T23:59:60Z", INT64_C(1483228799999));
    ok("2016-12-31T23:59:60.5Z", INT64_C(1483228799999));
    /* 24:00:00 is the next midnight */
    ok("2024-03-05T24:00:00Z", INT64_C(1709683200000));
    ok("2024-03-05T24:00Z", INT64_C(1709683200000));
    ok("2024-12-31T24:00:00Z", INT64_C(1735689600000)); /* 2025-01-01 */
}

static void day_first_and_month_first_dates(void **state) {
    (void)state;
    ok_in("05/03/2024", NULL, CXM_DATE_DMY, T_0305);
    ok_in("05-03-2024", NULL, CXM_DATE_DMY, T_0305);
    ok_in("5.3.2024", NULL, CXM_DATE_DMY, T_0305);
    ok_in("05.03.2024 14:07", NULL, CXM_DATE_DMY, T_0305_1407);
    ok_in("05/03/2024 14:07:00", NULL, CXM_DATE_DMY, T_0305_1407);
    ok_in("3/5/2024", NULL, CXM_DATE_MDY, T_0305);
    ok_in("03/05/2024 14:07:00", NULL, CXM_DATE_MDY, T_0305_1407);
    ok_in("3/5/2024, 2:07 PM", NULL, CXM_DATE_MDY, T_0305_1407);
    ok_in("05.03.2024 14:07", berlin, CXM_DATE_DMY, T_0305_1407 - 3600000);
    /* the date order does not affect ISO dates */
    ok_in("2024-03-05", NULL, CXM_DATE_DMY, T_0305);
    ok_in("2024-03-05", NULL, CXM_DATE_MDY, T_0305);
}

static void am_pm(void **state) {
    (void)state;
    ok_in("3/5/2024 2:07 PM", NULL, CXM_DATE_MDY, T_0305_1407);
    ok_in("3/5/2024 2:07:00 pm", NULL, CXM_DATE_MDY, T_0305_1407);
    ok_in("3/5/2024 2:07PM", NULL, CXM_DATE_MDY, T_0305_1407);
    ok_in("3/5/2024 12:00 AM", NULL, CXM_DATE_MDY, T_0305);                  /* midnight */
    ok_in("3/5/2024 12:00 PM", NULL, CXM_DATE_MDY, INT64_C(1709640000000));  /* noon */
    ok_in("3/5/2024 12:30 am", NULL, CXM_DATE_MDY, T_0305 + 1800000);
    ok("2024-03-05 2:07 PM", T_0305_1407);
    bad_in("3/5/2024 13:00 PM", CXM_DATE_MDY, "hour 13 out of range 1-12 with AM/PM");
    bad_in("3/5/2024 0:30 AM", CXM_DATE_MDY, "hour 0 out of range 1-12 with AM/PM");
}

static void epoch_seconds_and_milliseconds(void **state) {
    (void)state;
    ok("1700000000", INT64_C(1700000000000));
    ok("1700000000.5", INT64_C(1700000000500));
    ok("1700000000.123456", INT64_C(1700000000123));
    ok("123456789", INT64_C(123456789000));     /* 9 digits: 1973 */
    ok("10000000000", INT64_C(10000000000000)); /* 11 digits: 2286 */
    ok("1700000000123", INT64_C(1700000000123)); /* 13 digits: ms */
    ok(" 1700000000 ", INT64_C(1700000000000));
    bad("12345678", "8 digits: not a timestamp (epoch seconds have 9-11 digits, epoch milliseconds 13)");
    bad("170000000012", "12 digits: not a timestamp (epoch seconds have 9-11 digits, epoch milliseconds 13)");
    bad("1700000000123.5", "epoch milliseconds (13 digits) take no fraction");
    bad("1700000000.", "expected digits after the decimal point of epoch seconds");
}

/* ---- timestamps: rejected, with the reason ------------------------------- */

static void out_of_range_fields_say_which_and_why(void **state) {
    (void)state;
    bad("2024-13-01", "month 13 out of range 1-12");
    bad("2024-00-10", "month 0 out of range 1-12");
    bad("2023-02-30", "day 30 out of range for February 2023");
    bad("2024-04-31", "day 31 out of range for April 2024");
    bad("2024-04-31T00:00:00Z", "day 31 out of range for April 2024");
    bad("2023-02-29 12:00:00", "day 29 out of range for February 2023");
    bad("2024-01-32", "day 32 out of range 1-31");
    bad("2024-01-00", "day 0 out of range 1-31");
    bad("2024-03-05T25:00:00Z", "hour 25 out of range 0-23");
    bad("2024-03-05 24:00:01", "hour 24 is only allowed as 24:00:00");
    bad("2024-03-05T24:00:00.001Z", "hour 24 is only allowed as 24:00:00");
    bad("2024-03-05T12:60:00Z", "minute 60 out of range 0-59");
    bad("2024-03-05T12:00:61Z", "second 61 out of range 0-60");
    bad("2024-03-05T12:00:00+19:00", "offset +19:00 out of range +-18:00");
    bad("2024-03-05T12:00:00-18:30", "offset -18:30 out of range +-18:00");
    bad("2024-03-05T12:00:00+05:60", "offset minutes 60 out of range 0-59");
    bad_in("31/02/2024", CXM_DATE_DMY, "day 31 out of range for February 2024");
    bad_in("13/25/2024", CXM_DATE_MDY, "month 13 out of range 1-12");
}

static void unknown_offsets_and_malformed_text(void **state) {
    (void)state;
    bad("2024-03-05T12:00:00 EST", "unknown time-zone offset");
    bad("2024-03-05T12:00:00+5", "unknown time-zone offset");
    bad("2024-03-05T12:00:00+05:3", "unknown time-zone offset");
    bad("2024-03-05T12:00:00Europe/Berlin", "unknown time-zone offset");
    bad("2024-03-05T12:00:00#", "unexpected text after the time");
    bad("2024-03-05X", "unexpected text after the date (expected 'T' or a space and a time)");
    bad("2024-03-05T", "expected a time HH:MM[:SS] after the date");
    bad("2024-03-05T1", "expected a time HH:MM[:SS] after the date");
    bad("2024-03-05T12:5", "expected two-digit minutes in HH:MM");
    bad("2024-03-05T12:05:1", "expected two-digit seconds in HH:MM:SS");
    bad("2024-03-05T12:00:00.Z", "expected digits after the decimal point of the seconds");
    bad("2024-03-05T12:00:00.1234567891Z", "more than 9 fractional digits in the seconds");
    bad("2024-3", "expected a date YYYY-MM-DD");
    bad("2024/03-05", "expected a date YYYY/MM/DD");
    bad("", "empty timestamp");
    bad("   ", "empty timestamp");
    bad("yesterday", "expected a timestamp: YYYY-MM-DD[THH:MM[:SS]][zone], a day-first or month-first "
                     "date, or epoch seconds/milliseconds");
    bad("-1700000000", "expected a timestamp: YYYY-MM-DD[THH:MM[:SS]][zone], a day-first or month-first "
                       "date, or epoch seconds/milliseconds");
}

static void day_month_order_must_be_given(void **state) {
    (void)state;
    bad("05/03/2024", "ambiguous day/month order: use --date-order dmy or mdy");
    bad("25.12.2024", "ambiguous day/month order: use --date-order dmy or mdy");
    bad_in("3/5/24", CXM_DATE_MDY, "two-digit year: expected a four-digit year");
    bad_in("3/5/202", CXM_DATE_MDY, "expected a date MM/DD/YYYY");
    bad_in("05-03-2024x", CXM_DATE_DMY, "unexpected text after the date (expected 'T' or a space and a time)");
}

/* The common shape "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)" has a fixed-position
 * fast path; a lower-case 't' or an offset without a colon takes the general
 * parser. Both must agree on every value and every error. */
static void fast_and_general_paths_agree(void **state) {
    (void)state;
    uint64_t x = 0x2545F4914F6CDD1Dull;
    static const char *const tails[][2] = {{"Z", "z"}, {"", ""}, {"+08:00", "+0800"}, {"-18:00", "-1800"},
                                           {"+18:01", "+1801"}, {".5Z", ".5z"}, {".123456789+01:30", ".123456789+0130"},
                                           {".1234567890Z", ".1234567890z"}, {"+05:60", "+0560"}};
    for (int i = 0; i < 300000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int y = 1900 + (int)(x % 300), mo = (int)((x >> 9) % 14), d = (int)((x >> 13) % 33),
            h = (int)((x >> 19) % 26), mi = (int)((x >> 24) % 61), sec = (int)((x >> 30) % 62);
        const char *const *t = tails[(x >> 36) % (sizeof tails / sizeof tails[0])];
        char a[64], b[64];
        snprintf(a, sizeof a, "%04d-%02d-%02dT%02d:%02d:%02d%s", y, mo, d, h, mi, sec, t[0]);
        snprintf(b, sizeof b, "%04d-%02d-%02dt%02d:%02d:%02d%s", y, mo, d, h, mi, sec, t[1]);
        cxm_time ta = 1, tb = 2;
        const char *wa = NULL, *wb = NULL;
        int ra = cxm_parse_time(a, strlen(a), berlin, CXM_DATE_YMD, &ta, &wa);
        char wa_copy[200];
        snprintf(wa_copy, sizeof wa_copy, "%s", wa ? wa : "");
        int rb = cxm_parse_time(b, strlen(b), berlin, CXM_DATE_YMD, &tb, &wb);
        if (ra != rb || (ra == 0 && ta != tb) || strcmp(wa_copy, wb ? wb : "") != 0)
            fail_msg("\"%s\" -> %d %lld (%s) but \"%s\" -> %d %lld (%s)", a, ra, (long long)ta, wa_copy, b, rb,
                     (long long)tb, wb ? wb : "");
    }
}

/* The date memo of the "...Z" fast path answers only for the same ten
 * bytes: dates sharing a slot, an empty slot's zero bytes, bad dates. */
static void memoised_dates_answer_only_for_the_same_date(void **state) {
    (void)state;
    cxm_time t = 0;
    ok("2024-03-05T14:07:00Z", T_0305_1407);
    ok("2024-03-15T14:07:00Z", T_0305_1407 + 10 * 86400000ll); /* same slot (last digit 5) */
    ok("2024-03-05T14:07:00Z", T_0305_1407);
    ok("2024-04-05T14:07:00Z", T_0305_1407 + 31 * 86400000ll);
    ok("2025-03-05T14:07:00Z", T_0305_1407 + 365 * 86400000ll);
    ok("2024-03-05T00:00:00Z", T_0305);
    ok("2024-03-05T23:59:59Z", T_0305 + 86399000ll);
    static const char zeros[20] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'T', '0', '0', ':', '0', '0', ':', '0', '0', 'Z'};
    assert_int_equal(cxm_parse_time(zeros, 20, NULL, CXM_DATE_YMD, &t, NULL), CXM_EPARSE);
    bad("2024-02-30T00:00:00Z", "day 30 out of range for February 2024");
    bad("2024-03-05T24:00:01Z", "hour 24 is only allowed as 24:00:00");
    bad("2024-03-05T14:60:00Z", "minute 60 out of range 0-59");
    ok("2024-03-05T24:00:00Z", T_0305 + 86400000ll); /* the general path's end of day */
    ok("2024-03-05T14:07:00Z", T_0305_1407);
}

static void input_is_bounded_by_n_not_by_nul(void **state) {
    (void)state;
    const char *s = "2024-03-05T14:07:00Zgarbage";
    cxm_time t = 0;
    const char *why = NULL;
    assert_int_equal(cxm_parse_time(s, 20, NULL, CXM_DATE_YMD, &t, &why), 0);
    assert_int_equal(t, T_0305_1407);
    assert_int_equal(cxm_parse_time(s, 10, NULL, CXM_DATE_YMD, &t, NULL), 0); /* why may be NULL */
    assert_int_equal(t, T_0305);
    assert_int_equal(cxm_parse_time(s, 0, NULL, CXM_DATE_YMD, &t, NULL), CXM_EPARSE);
}

/* ---- durations ----------------------------------------------------------- */

static void dur_ok(const char *s, int64_t want) {
    int64_t got = -1;
    if (cxm_parse_duration(s, strlen(s), &got) != 0) fail_msg("duration \"%s\" rejected", s);
    if (got != want) fail_msg("duration \"%s\" -> %lld ms, expected %lld", s, (long long)got, (long long)want);
}

static void dur_bad(const char *s) {
    int64_t got = -1;
    if (cxm_parse_duration(s, strlen(s), &got) != CXM_EPARSE)
        fail_msg("duration \"%s\" accepted as %lld", s, (long long)got);
}

static void durations_in_plain_seconds(void **state) {
    (void)state;
    dur_ok("754", 754000);
    dur_ok("12.5", 12500);
    dur_ok("0", 0);
    dur_ok("0.0005", 0); /* truncated to the ms */
    dur_ok(" 60 ", 60000);
}

static void durations_in_clock_form(void **state) {
    (void)state;
    dur_ok("00:02:23", 143000);
    dur_ok("2:23", 143000);          /* M:SS */
    dur_ok("1:02:03", 3723000);
    dur_ok("1:02:03.5", 3723500);
    dur_ok("36:00:00", 129600000);   /* hours are not capped at 24 */
    dur_ok("90:00", 5400000);        /* MM:SS: minutes are not capped */
    dur_bad("1:60:00");
    dur_bad("1:00:60");
    dur_bad("1:2");
    dur_bad("1:2:3");
    dur_bad("1:02:03:04");
    dur_bad(":30");
}

static void durations_with_units(void **state) {
    (void)state;
    dur_ok("1h30m", 5400000);
    dur_ok("45m", 2700000);
    dur_ok("2d", 172800000);
    dur_ok("90s", 90000);
    dur_ok("1.5h", 5400000);
    dur_ok("1h 30m 15s", 5415000);
    dur_ok("250ms", 250);
    dur_ok("1m30s", 90000);
    dur_ok("2D3H", 183600000);
    dur_bad("1h1h");   /* a unit twice */
    dur_bad("30m1h");  /* units must descend */
    dur_bad("5x");
    dur_bad("h");
    dur_bad("1.h");
    dur_bad("");
    dur_bad("-5");
    dur_bad("1e3");
    dur_bad("abc");
    dur_bad("99999999999999999999");
    dur_bad("999999999999999d");  /* overflows int64 ms */
}

/* ---- booleans, integers, numbers ----------------------------------------- */

static void booleans_in_any_case(void **state) {
    (void)state;
    static const char *const yes[] = {"true", "TRUE", "True", "yes", "YES", "y", "Y", "t", "T", "1", " yes "};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "n", "N", "f", "F", "0"};
    static const char *const neither[] = {"", "2", "on", "off", "truth", "yess", "nope", "-1", "tru e"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        int b = -1;
        assert_int_equal(cxm_parse_bool(yes[i], strlen(yes[i]), &b), 0);
        assert_int_equal(b, 1);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        int b = -1;
        assert_int_equal(cxm_parse_bool(no[i], strlen(no[i]), &b), 0);
        assert_int_equal(b, 0);
    }
    for (size_t i = 0; i < sizeof neither / sizeof neither[0]; i++) {
        int b = -1;
        assert_int_equal(cxm_parse_bool(neither[i], strlen(neither[i]), &b), CXM_EPARSE);
    }
}

static void integers_with_overflow_rejected(void **state) {
    (void)state;
    static const struct {
        const char *s;
        int64_t v;
    } good[] = {{"0", 0}, {"42", 42}, {"-17", -17}, {"+5", 5}, {" 12 ", 12}, {"007", 7},
                {"9223372036854775807", INT64_MAX}, {"-9223372036854775808", INT64_MIN}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t v = 0;
        assert_int_equal(cxm_parse_int(good[i].s, strlen(good[i].s), &v), 0);
        assert_int_equal(v, good[i].v);
    }
    static const char *const badv[] = {"9223372036854775808", "-9223372036854775809", "99999999999999999999",
                                       "", "-", "+", "1.5", "1e3", "0x10", "12a", "1 2", "--1"};
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
        int64_t v = 0;
        if (cxm_parse_int(badv[i], strlen(badv[i]), &v) != CXM_EPARSE) fail_msg("int \"%s\" accepted", badv[i]);
    }
}

static void decimal_numbers_finite_only(void **state) {
    (void)state;
    static const struct {
        const char *s;
        double v;
    } good[] = {{"3.14", 3.14},   {"-0.5", -0.5},   {"1e3", 1000.0}, {"2.5E-3", 0.0025}, {".5", 0.5},
                {"5.", 5.0},      {"+7", 7.0},      {"0", 0.0},      {"1e308", 1e308},   {" 42 ", 42.0},
                {"4.9e-324", 4.9e-324}, /* the smallest denormal, via strtod */
                {"0.1000000000000000055511151231257827", 0.1},
                {"123456789012345678901234567890", 123456789012345678901234567890.0}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double v = -1;
        if (cxm_parse_double(good[i].s, strlen(good[i].s), &v) != 0) fail_msg("\"%s\" rejected", good[i].s);
        if (v != good[i].v) fail_msg("\"%s\" -> %.17g, expected %.17g", good[i].s, v, good[i].v);
    }
    static const char *const badv[] = {"1e309", "-1e309", "inf", "-inf", "nan", "NaN", "infinity",
                                       "0x1p3", "0x10", "", ".", "e5", "1e", "1.2.3", "1,5", "--1",
                                       "1e+", "5 5", "abc"};
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
        double v = 0;
        if (cxm_parse_double(badv[i], strlen(badv[i]), &v) != CXM_EPARSE)
            fail_msg("number \"%s\" accepted as %g", badv[i], v);
    }
}

static void fast_path_numbers_agree_with_strtod(void **state) {
    (void)state;
    /* Clinger's fast path must round exactly like strtod. */
    uint64_t x = 88172645463325252ull;
    char buf[64];
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int mant_digits = 1 + (int)(x % 16), frac = (int)((x >> 8) % (unsigned)(mant_digits + 1));
        uint64_t m = (x >> 16) % 10000000000000000ull;
        int n = snprintf(buf, sizeof buf, "%0*llu", mant_digits, (unsigned long long)(m % 10000000000000000ull));
        n = mant_digits < n ? mant_digits : n;
        buf[n] = '\0';
        if (frac > 0 && frac < n) {
            memmove(buf + n - frac + 1, buf + n - frac, (size_t)frac + 1);
            buf[n - frac] = '.';
            n++;
        }
        if (x & 0x100000) n += snprintf(buf + n, sizeof buf - (size_t)n, "e%d", (int)((x >> 40) % 45) - 22);
        double want = strtod(buf, NULL), got = -1;
        if (cxm_parse_double(buf, (size_t)n, &got) != 0) fail_msg("\"%s\" rejected", buf);
        if (got != want) fail_msg("\"%s\" -> %.17g, strtod %.17g", buf, got, want);
    }
}

static void numbers_ignore_the_process_locale(void **state) {
    (void)state;
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        print_message("    (no comma-decimal locale installed: skipped)\n");
        return;
    }
    double v = 0;
    const char *s = "0.1000000000000000055511151231257827"; /* the strtod path */
    assert_int_equal(cxm_parse_double(s, strlen(s), &v), 0);
    assert_true(v == 0.1);
    assert_int_equal(cxm_parse_double("1,5", 3, &v), CXM_EPARSE);
    setlocale(LC_NUMERIC, "C");
}

/* ---- speed --------------------------------------------------------------- */

static double now_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void parsing_is_fast(void **state) {
    (void)state;
    static const char *const forms[] = {"2024-03-05T14:07:00.123Z", "2024-03-05 14:07:00", "1700000000"};
    static const char *const label[] = {"RFC 3339 with ms, Z", "naive in Europe/Berlin", "epoch seconds"};
    enum { N = 2000000 };
    for (int f = 0; f < 3; f++) {
        size_t len = strlen(forms[f]);
        cxm_time sum = 0, t = 0;
        double t0 = now_sec();
        for (int i = 0; i < N; i++) {
            if (cxm_parse_time(forms[f], len, f == 1 ? berlin : NULL, CXM_DATE_YMD, &t, NULL) != 0) fail();
            sum += t;
        }
        double ns = (now_sec() - t0) * 1e9 / N;
        print_message("    cxm_parse_time, %s: %.1f ns/call (checksum %lld)\n", label[f], ns, (long long)sum);
        assert_true(ns < 2000.0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc3339_with_z),
        cmocka_unit_test(rfc3339_with_offsets),
        cmocka_unit_test(fractional_seconds_are_truncated_to_the_millisecond),
        cmocka_unit_test(naive_times_are_read_in_the_naive_zone),
        cmocka_unit_test(plain_dates_are_naive_midnight),
        cmocka_unit_test(naive_times_in_a_dst_gap_move_forward),
        cmocka_unit_test(leap_days_and_leap_seconds),
        cmocka_unit_test(day_first_and_month_first_dates),
        cmocka_unit_test(am_pm),
        cmocka_unit_test(epoch_seconds_and_milliseconds),
        cmocka_unit_test(out_of_range_fields_say_which_and_why),
        cmocka_unit_test(unknown_offsets_and_malformed_text),
        cmocka_unit_test(day_month_order_must_be_given),
        cmocka_unit_test(fast_and_general_paths_agree),
        cmocka_unit_test(input_is_bounded_by_n_not_by_nul),
        cmocka_unit_test(memoised_dates_answer_only_for_the_same_date),
        cmocka_unit_test(durations_in_plain_seconds),
        cmocka_unit_test(durations_in_clock_form),
        cmocka_unit_test(durations_with_units),
        cmocka_unit_test(booleans_in_any_case),
        cmocka_unit_test(integers_with_overflow_rejected),
        cmocka_unit_test(decimal_numbers_finite_only),
        cmocka_unit_test(fast_path_numbers_agree_with_strtod),
        cmocka_unit_test(numbers_ignore_the_process_locale),
        cmocka_unit_test(parsing_is_fast),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
