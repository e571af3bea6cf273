/*
 * civil.c - proleptic Gregorian calendar arithmetic on day numbers.
 *
 * A day number counts days since 1970-01-01 (day 0, a Thursday); negative
 * numbers are days before it. The conversions are Howard Hinnant's
 * days_from_civil / civil_from_days ("chrono-Compatible Low-Level Date
 * Algorithms"): a year is shifted to start on March 1 so the leap day is the
 * last day of the shifted year, and 400-year eras (146097 days, a whole
 * number of weeks) make the arithmetic branch-free and exact for negative
 * years too.
 *
 * Invariants: every function is pure and defined (no overflow, no undefined
 * behaviour) for every input. The documented range is years -1e6..1e6;
 * beyond it cxm_days_from_civil clamps the year to +-1e12 and
 * cxm_civil_from_days works for every int64 day number.
 *
 * Sizes and frequency: cxm_civil_from_days and cxm_days_from_civil run once
 * per parsed timestamp and per bucketed row (tens of millions of calls), so
 * they stay a few integer divisions each, inlined where it matters.
 */
#include "time/civil.h"

#include <stdio.h>
#include <string.h>

#define DAYS_PER_ERA 146097 /* days in 400 Gregorian years */
#define EPOCH_SHIFT 719468  /* days from 0000-03-01 to 1970-01-01 */
#define YEAR_CLAMP 1000000000000LL

int64_t cxm_days_from_civil(int64_t y, int m, int d) {
    if (m < 1 || m > 12) {
        /* Normalise any month into 1..12 by carrying into the year, so that
         * a caller's month 13 means January of the next year (never UB). */
        int64_t m64 = (int64_t)m - 1;
        if (y > YEAR_CLAMP) y = YEAR_CLAMP;
        if (y < -YEAR_CLAMP) y = -YEAR_CLAMP;
        y += cxm_floordiv(m64, 12);
        m = (int)(cxm_floormod(m64, 12) + 1);
    }
    if (y > YEAR_CLAMP) y = YEAR_CLAMP;
    if (y < -YEAR_CLAMP) y = -YEAR_CLAMP;
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);                      /* [0, 399] */
    unsigned doy = (153u * (unsigned)(m > 2 ? m - 3 : m + 9) + 2) / 5; /* [0, 365] */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * DAYS_PER_ERA + (int64_t)doe - EPOCH_SHIFT + ((int64_t)d - 1);
}

void cxm_civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
    /* era/doe computed without adding EPOCH_SHIFT to days first, so that
     * days near INT64_MAX cannot overflow. */
    int64_t era = cxm_floordiv(days, DAYS_PER_ERA);
    int64_t doe = cxm_floormod(days, DAYS_PER_ERA) + EPOCH_SHIFT;
    era += doe / DAYS_PER_ERA;
    doe %= DAYS_PER_ERA;                                              /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                  /* [0, 11] */
    int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    if (y) *y = yoe + era * 400 + (mm <= 2);
    if (m) *m = mm;
    if (d) *d = dd;
}

int cxm_weekday(int64_t days) {
    /* Day 0 was a Thursday (3 with Monday = 0). */
    return (int)((cxm_floormod(days, 7) + 3) % 7);
}

int cxm_is_leap(int64_t y) {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int cxm_days_in_month(int64_t y, int m) {
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && cxm_is_leap(y) ? 29 : dim[m - 1];
}

int64_t cxm_bucket_start(cxm_bucket b, int64_t local_day) {
    int64_t y;
    int m, d;
    switch (b) {
    case CXM_BUCKET_DAY:
        return local_day;
    case CXM_BUCKET_WEEK:
        return local_day - cxm_weekday(local_day);
    case CXM_BUCKET_MONTH:
        cxm_civil_from_days(local_day, &y, &m, &d);
        return local_day - (d - 1);
    case CXM_BUCKET_QUARTER:
        cxm_civil_from_days(local_day, &y, &m, &d);
        return cxm_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
    case CXM_BUCKET_YEAR:
        cxm_civil_from_days(local_day, &y, &m, &d);
        return cxm_days_from_civil(y, 1, 1);
    }
    return local_day;
}

/*
 * Years 0000..9999 are written as four digits ("0042-01-05"). Other years use
 * the ISO 8601 expanded form: an explicit sign and at least four digits
 * ("-0001-12-31" is 2 BC, "+10000-01-01"). The result is NUL-terminated and
 * truncated to cap-1 bytes if cap is too small (cap >= 16 always fits years
 * within +-1e8); returns the number of bytes written, excluding the NUL.
 */
int cxm_format_date(int64_t days, char *buf, size_t cap) {
    char tmp[32];
    int64_t y;
    int m, d, n;
    if (!buf || cap == 0) return 0;
    cxm_civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999) {
        int yy = (int)y;
        tmp[0] = (char)('0' + yy / 1000);
        tmp[1] = (char)('0' + yy / 100 % 10);
        tmp[2] = (char)('0' + yy / 10 % 10);
        tmp[3] = (char)('0' + yy % 10);
        tmp[4] = '-';
        tmp[5] = (char)('0' + m / 10);
        tmp[6] = (char)('0' + m % 10);
        tmp[7] = '-';
        tmp[8] = (char)('0' + d / 10);
        tmp[9] = (char)('0' + d % 10);
        n = 10;
    } else {
        unsigned long long ay = y < 0 ? 0ull - (unsigned long long)y : (unsigned long long)y;
        n = snprintf(tmp, sizeof tmp, "%c%04llu-%02d-%02d", y < 0 ? '-' : '+', ay, m, d);
        if (n < 0) n = 0;
        if ((size_t)n >= sizeof tmp) n = (int)sizeof tmp - 1;
    }
    if ((size_t)n >= cap) n = (int)(cap - 1);
    memcpy(buf, tmp, (size_t)n);
    buf[n] = '\0';
    return n;
}
