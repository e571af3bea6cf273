/*
 * test_civil.c - the proleptic Gregorian calendar on day numbers (civil.h).
 *
 * Expected day numbers were worked out by hand from 1970-01-01 = 0 and
 * cross-checked with Python's date.toordinal() (an independent
 * implementation): e.g. 2000-02-29 = 10957 (2000-01-01) + 31 + 28 = 11016.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "time/civil.h"

static void assert_civil(int64_t days, int64_t y, int m, int d) {
    int64_t yy;
    int mm, dd;
    cxm_civil_from_days(days, &yy, &mm, &dd);
    assert_int_equal(yy, y);
    assert_int_equal(mm, m);
    assert_int_equal(dd, d);
    assert_int_equal(cxm_days_from_civil(y, m, d), days);
}

static void epoch_is_day_zero(void **state) {
    (void)state;
    assert_civil(0, 1970, 1, 1);
    assert_civil(-1, 1969, 12, 31);
    assert_civil(1, 1970, 1, 2);
}

static void known_dates_have_known_day_numbers(void **state) {
    (void)state;
    assert_civil(11016, 2000, 2, 29);    /* 10957 + 31 + 28 */
    assert_civil(-25508, 1900, 3, 1);    /* 1900 is not leap: Feb 28 is followed by Mar 1 */
    assert_civil(-25509, 1900, 2, 28);
    assert_civil(2932896, 9999, 12, 31); /* the last four-digit year */
    assert_civil(19723, 2024, 1, 1);
    assert_civil(19950, 2024, 8, 15);
    assert_civil(-719162, 1, 1, 1);
    assert_civil(-135081, 1600, 2, 29);  /* 1600 is divisible by 400: leap */
    assert_civil(-141427, 1582, 10, 15); /* proleptic: no Julian switch */
}

static void negative_years_are_proleptic(void **state) {
    (void)state;
    /* Year 0 (1 BC) is a leap year: 0000-01-01 = 0001-01-01 - 366. */
    assert_civil(-719162 - 366, 0, 1, 1);
    assert_civil(-719468, 0, 3, 1); /* Hinnant's epoch shift constant */
    assert_civil(-719162 - 367, -1, 12, 31);
    /* 400-year cycles are exactly 146097 days, also below zero. */
    assert_int_equal(cxm_days_from_civil(-400, 1, 1), cxm_days_from_civil(0, 1, 1) - 146097);
    assert_int_equal(cxm_days_from_civil(-1000000, 3, 1) + 2500 * 146097, cxm_days_from_civil(0, 3, 1));
}

static void round_trip_over_a_range_of_days(void **state) {
    (void)state;
    /* Every day from 1700 to 2300, consecutive days advance the calendar
     * by exactly one day. */
    int64_t y0, y;
    int m0, d0, m, d;
    int64_t lo = cxm_days_from_civil(1700, 1, 1), hi = cxm_days_from_civil(2300, 1, 1);
    cxm_civil_from_days(lo, &y0, &m0, &d0);
    for (int64_t day = lo + 1; day <= hi; day++) {
        cxm_civil_from_days(day, &y, &m, &d);
        assert_int_equal(cxm_days_from_civil(y, m, d), day);
        if (d0 < cxm_days_in_month(y0, m0)) {
            assert_true(y == y0 && m == m0 && d == d0 + 1);
        } else if (m0 < 12) {
            assert_true(y == y0 && m == m0 + 1 && d == 1);
        } else {
            assert_true(y == y0 + 1 && m == 1 && d == 1);
        }
        y0 = y;
        m0 = m;
        d0 = d;
    }
    /* Sparse check over years -1e6..1e6. */
    for (int64_t day = -366000000; day <= 366000000; day += 9973) {
        cxm_civil_from_days(day, &y, &m, &d);
        assert_int_equal(cxm_days_from_civil(y, m, d), day);
    }
}

static void extreme_day_numbers_do_not_overflow(void **state) {
    (void)state;
    int64_t y;
    int m, d;
    cxm_civil_from_days(INT64_MAX, &y, &m, &d);
    assert_true(y > 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
    cxm_civil_from_days(INT64_MIN, &y, &m, &d);
    assert_true(y < 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
    /* month outside 1-12 carries into the year instead of misbehaving */
    assert_int_equal(cxm_days_from_civil(2023, 13, 1), cxm_days_from_civil(2024, 1, 1));
    assert_int_equal(cxm_days_from_civil(2024, 0, 1), cxm_days_from_civil(2023, 12, 1));
}

static void weekday_counts_from_monday(void **state) {
    (void)state;
    assert_int_equal(cxm_weekday(0), 3);      /* 1970-01-01 Thursday */
    assert_int_equal(cxm_weekday(-1), 2);     /* 1969-12-31 Wednesday */
    assert_int_equal(cxm_weekday(19723), 0);  /* 2024-01-01 Monday */
    assert_int_equal(cxm_weekday(18630), 6);  /* 2021-01-03 Sunday */
    assert_int_equal(cxm_weekday(11016), 1);  /* 2000-02-29 Tuesday */
    assert_int_equal(cxm_weekday(-719162), 0); /* 0001-01-01 Monday */
    for (int64_t day = -1000; day < 1000; day++) assert_int_equal(cxm_weekday(day + 7), cxm_weekday(day));
    assert_true(cxm_weekday(INT64_MIN) >= 0 && cxm_weekday(INT64_MAX) <= 6);
}

static void leap_years_follow_the_gregorian_rule(void **state) {
    (void)state;
    assert_false(cxm_is_leap(1900));
    assert_true(cxm_is_leap(2000));
    assert_true(cxm_is_leap(2024));
    assert_false(cxm_is_leap(2023));
    assert_false(cxm_is_leap(2100));
    assert_true(cxm_is_leap(0));
    assert_true(cxm_is_leap(-4));
    assert_false(cxm_is_leap(-100));
    assert_true(cxm_is_leap(-400));
}

static void days_in_month(void **state) {
    (void)state;
    assert_int_equal(cxm_days_in_month(2023, 2), 28);
    assert_int_equal(cxm_days_in_month(2024, 2), 29);
    assert_int_equal(cxm_days_in_month(1900, 2), 28);
    assert_int_equal(cxm_days_in_month(2024, 4), 30);
    assert_int_equal(cxm_days_in_month(2024, 12), 31);
    assert_int_equal(cxm_days_in_month(2024, 0), 0);
    assert_int_equal(cxm_days_in_month(2024, 13), 0);
}

static void iso_week_starts_on_monday(void **state) {
    (void)state;
    /* 2021-01-03 is a Sunday: its ISO week began Monday 2020-12-28. */
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_WEEK, 18630), 18624);
    /* A Monday is its own week start; Thursday 1970-01-01 -> 1969-12-29. */
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_WEEK, 19723), 19723);
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_WEEK, 0), -3);
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_WEEK, -1), -3);
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_WEEK, -4), -10);
}

static void month_quarter_year_and_day_starts(void **state) {
    (void)state;
    int64_t aug15 = 19950; /* 2024-08-15 */
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_DAY, aug15), aug15);
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_MONTH, aug15), 19936);   /* 2024-08-01 */
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_QUARTER, aug15), 19905); /* 2024-07-01 */
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_YEAR, aug15), 19723);    /* 2024-01-01 */
    /* 1969-12-31 (day -1): December, Q4 and the year 1969 */
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_MONTH, -1), -31);
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_QUARTER, -1), -92);
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_YEAR, -1), -365);
    /* quarter starts are Jan 1, Apr 1, Jul 1, Oct 1 */
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_QUARTER, cxm_days_from_civil(2024, 3, 31)),
                     cxm_days_from_civil(2024, 1, 1));
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_QUARTER, cxm_days_from_civil(2024, 4, 1)),
                     cxm_days_from_civil(2024, 4, 1));
    assert_int_equal(cxm_bucket_start(CXM_BUCKET_QUARTER, cxm_days_from_civil(2024, 12, 31)),
                     cxm_days_from_civil(2024, 10, 1));
}

static void format_date_as_iso(void **state) {
    (void)state;
    char buf[32];
    assert_int_equal(cxm_format_date(0, buf, sizeof buf), 10);
    assert_string_equal(buf, "1970-01-01");
    cxm_format_date(11016, buf, sizeof buf);
    assert_string_equal(buf, "2000-02-29");
    cxm_format_date(2932896, buf, sizeof buf);
    assert_string_equal(buf, "9999-12-31");
    cxm_format_date(-719162 - 366, buf, sizeof buf);
    assert_string_equal(buf, "0000-01-01");
    cxm_format_date(cxm_days_from_civil(42, 1, 5), buf, sizeof buf);
    assert_string_equal(buf, "0042-01-05");
}

static void format_date_outside_four_digit_years_uses_a_sign(void **state) {
    (void)state;
    char buf[32];
    assert_int_equal(cxm_format_date(2932897, buf, sizeof buf), 12);
    assert_string_equal(buf, "+10000-01-01");
    cxm_format_date(-719162 - 367, buf, sizeof buf);
    assert_string_equal(buf, "-0001-12-31");
    cxm_format_date(cxm_days_from_civil(-999999, 6, 30), buf, 16);
    assert_string_equal(buf, "-999999-06-30");
    /* a too-small buffer is truncated, never overrun */
    char small[5];
    assert_int_equal(cxm_format_date(0, small, sizeof small), 4);
    assert_string_equal(small, "1970");
    cxm_format_date(INT64_MAX, buf, 16);
    assert_int_equal(strlen(buf), 15);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(epoch_is_day_zero),
        cmocka_unit_test(known_dates_have_known_day_numbers),
        cmocka_unit_test(negative_years_are_proleptic),
        cmocka_unit_test(round_trip_over_a_range_of_days),
        cmocka_unit_test(extreme_day_numbers_do_not_overflow),
        cmocka_unit_test(weekday_counts_from_monday),
        cmocka_unit_test(leap_years_follow_the_gregorian_rule),
        cmocka_unit_test(days_in_month),
        cmocka_unit_test(iso_week_starts_on_monday),
        cmocka_unit_test(month_quarter_year_and_day_starts),
        cmocka_unit_test(format_date_as_iso),
        cmocka_unit_test(format_date_outside_four_digit_years_uses_a_sign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
