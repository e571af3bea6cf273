/*
 * parse.c - timestamps, durations, booleans and numbers as found in exported
 * files (the forms are listed in parse.h).
 *
 * This is the normalizer's hot path: it runs once per cell of every time,
 * duration, boolean or number column, tens of millions of times a run. So:
 * hand-written digit scanning over s[0..n) (never NUL-terminated input, no
 * sscanf/strptime, no allocation, no locale), and calendar arithmetic from
 * civil.c. Error messages are built only on the failure path.
 *
 * Invariants:
 *  - A value is accepted only if every byte (after trimming spaces, tabs,
 *    CR and LF at both ends) belongs to one of the documented forms, and
 *    every field is within range (month 1-12, day within its month, hour
 *    0-23 or 24:00:00, minute 0-59, second 0-60, offset within +-18:00).
 *  - *why points to a static string or to a thread-local buffer that stays
 *    valid until the next cxm_parse_time call on the same thread.
 *  - Results are exact: fractions of a second are truncated to the
 *    millisecond; durations are computed in integers (never via double).
 * Sizes: a timestamp is at most ~40 bytes; longer input fails on the first
 * byte that fits no form. Numbers longer than NUM_MAX bytes are rejected.
 */
#include "time/parse.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "time/civil.h"

#define NUM_MAX 256 /* bytes of a decimal number handed to strtod */

static _Thread_local char why_buf[160];

static const char *const month_names[12] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};

static int fail(const char **why, const char *msg) {
    if (why) *why = msg;
    return CXM_EPARSE;
}

static int failf(const char **why, const char *fmt, ...) CXM_PRINTF(2, 3);
static int failf(const char **why, const char *fmt, ...) {
    if (why) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why_buf, sizeof why_buf, fmt, ap);
        va_end(ap);
        *why = why_buf;
    }
    return CXM_EPARSE;
}

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }
static inline int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static inline char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static void trim(const char **s, size_t *n) {
    const char *p = *s, *e = *s + *n;
    while (p < e && is_space(*p)) p++;
    while (e > p && is_space(e[-1])) e--;
    *s = p;
    *n = (size_t)(e - p);
}

/* Reads up to max digits at *p (stopping at e); returns the count. */
static inline int digits(const char **p, const char *e, int max, int *val) {
    int v = 0, k = 0;
    const char *q = *p;
    while (q < e && k < max && is_digit(*q)) {
        v = v * 10 + (*q - '0');
        q++;
        k++;
    }
    *p = q;
    *val = v;
    return k;
}

/* Case-insensitive match of the literal lit (lower case) at p. */
static int match_ci(const char *p, const char *e, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(e - p) < n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != lit[i]) return 0;
    return 1;
}

/* ---- timestamps ---------------------------------------------------------- */

typedef struct fields {
    int year, month, day;
    int hour, minute, second, ms;
    int has_off;
    int32_t off; /* seconds east */
} fields;

static int check_date(const fields *f, const char **why) {
    if (f->month < 1 || f->month > 12) return failf(why, "month %d out of range 1-12", f->month);
    if (f->day < 1 || f->day > 31) return failf(why, "day %d out of range 1-31", f->day);
    int dim = cxm_days_in_month(f->year, f->month);
    if (f->day > dim)
        return failf(why, "day %d out of range for %s %04d", f->day, month_names[f->month - 1], f->year);
    return 0;
}

/* Optional zone after a time: [' '] ( Z | z | UTC | GMT | +HH[:MM] | +HHMM ). */
static int parse_zone(const char *p, const char *e, fields *f, const char **why) {
    if (p == e) return 0;
    if (*p == ' ' && e - p > 1) p++;
    if (e - p == 1 && (*p == 'Z' || *p == 'z')) {
        f->has_off = 1;
        f->off = 0;
        return 0;
    }
    if (e - p == 3 && (match_ci(p, e, "utc") || match_ci(p, e, "gmt"))) {
        f->has_off = 1;
        f->off = 0;
        return 0;
    }
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, hh, mm = 0;
        const char *q = p + 1;
        if (digits(&q, e, 2, &hh) != 2) return fail(why, "unknown time-zone offset");
        if (q < e) {
            if (*q == ':') q++;
            if (digits(&q, e, 2, &mm) != 2 || q != e) return fail(why, "unknown time-zone offset");
        }
        if (mm > 59) return failf(why, "offset minutes %d out of range 0-59", mm);
        if (hh * 60 + mm > 18 * 60)
            return failf(why, "offset %c%02d:%02d out of range +-18:00", sign < 0 ? '-' : '+', hh, mm);
        f->has_off = 1;
        f->off = (int32_t)(sign * (hh * 3600 + mm * 60));
        return 0;
    }
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) return fail(why, "unknown time-zone offset");
    return fail(why, "unexpected text after the time");
}

/*
 * [H]H:MM[:SS[.f{1,9}]] [ ]AM|PM then an optional zone, up to e.
 */
static int parse_clock(const char *p, const char *e, fields *f, const char **why) {
    int v, k;
    k = digits(&p, e, 3, &v);
    if (k < 1 || k > 2 || p >= e || *p != ':') return fail(why, "expected a time HH:MM[:SS] after the date");
    f->hour = v;
    p++;
    if (digits(&p, e, 3, &v) != 2) return fail(why, "expected two-digit minutes in HH:MM");
    f->minute = v;
    int frac_nonzero = 0;
    if (p < e && *p == ':') {
        p++;
        if (digits(&p, e, 3, &v) != 2) return fail(why, "expected two-digit seconds in HH:MM:SS");
        f->second = v;
        if (p < e && (*p == '.' || *p == ',')) {
            p++;
            int nf = 0, ms = 0;
            while (p < e && is_digit(*p)) {
                if (nf < 3) ms = ms * 10 + (*p - '0');
                if (*p != '0') frac_nonzero = 1;
                nf++;
                p++;
            }
            if (nf == 0) return fail(why, "expected digits after the decimal point of the seconds");
            if (nf > 9) return fail(why, "more than 9 fractional digits in the seconds");
            for (int i = nf; i < 3; i++) ms *= 10;
            f->ms = ms;
        }
    }
    /* AM/PM */
    const char *q = p;
    if (q < e && *q == ' ') q++;
    if (e - q >= 2 && (lower(q[0]) == 'a' || lower(q[0]) == 'p') && lower(q[1]) == 'm' &&
        (e - q == 2 || !((q[2] >= 'a' && q[2] <= 'z') || (q[2] >= 'A' && q[2] <= 'Z')))) {
        if (f->hour < 1 || f->hour > 12) return failf(why, "hour %d out of range 1-12 with AM/PM", f->hour);
        int pm = lower(q[0]) == 'p';
        f->hour = f->hour % 12 + (pm ? 12 : 0);
        p = q + 2;
    }
    if (f->minute > 59) return failf(why, "minute %d out of range 0-59", f->minute);
    if (f->second > 60) return failf(why, "second %d out of range 0-60", f->second);
    if (f->hour == 24) {
        if (f->minute || f->second || frac_nonzero) return fail(why, "hour 24 is only allowed as 24:00:00");
    } else if (f->hour > 23) {
        return failf(why, "hour %d out of range 0-23", f->hour);
    }
    if (f->second == 60) { /* leap second: the last representable instant of the minute */
        f->second = 59;
        f->ms = 999;
    }
    return parse_zone(p, e, f, why);
}

/* After a date: end, or 'T'/'t'/' '/", " and a clock. */
static int parse_after_date(const char *p, const char *e, fields *f, int allow_comma, const char **why) {
    if (p == e) return 0;
    if (*p == 'T' || *p == 't')
        p++;
    else if (*p == ' ')
        p++;
    else if (allow_comma && *p == ',' && e - p > 1 && p[1] == ' ')
        p += 2;
    else
        return fail(why, "unexpected text after the date (expected 'T' or a space and a time)");
    if (p == e || !is_digit(*p)) return fail(why, "expected a time HH:MM[:SS] after the date");
    return parse_clock(p, e, f, why);
}

/* Timestamps in a file cluster in time: remember the last month's first day
 * (per thread) instead of recomputing it for every value. */
static _Thread_local int64_t cache_ym = -1, cache_days;

static int finish(const fields *f, const cxm_tz *naive_tz, cxm_time *out) {
    int64_t ym = (int64_t)f->year * 16 + f->month, days;
    if (ym == cache_ym && f->year >= 0) {
        days = cache_days + f->day - 1;
    } else {
        days = cxm_days_from_civil(f->year, f->month, f->day);
        cache_ym = f->year >= 0 ? ym : -1;
        cache_days = days - f->day + 1;
    }
    int64_t local = days * 86400 + f->hour * 3600 + f->minute * 60 + f->second;
    int64_t utc;
    if (f->has_off)
        utc = local - f->off;
    else if (naive_tz)
        utc = cxm_tz_from_local(naive_tz, local);
    else
        utc = local;
    *out = utc * 1000 + f->ms;
    return 0;
}

/* p[0..nd) are digits whose value (nd <= 13 here) is v. */
static int parse_epoch(const char *p, const char *e, int nd, int64_t v, cxm_time *out, const char **why) {
    const char *q = p + nd;
    if (nd == 13) {
        if (q != e) return fail(why, "epoch milliseconds (13 digits) take no fraction");
        *out = v;
        return 0;
    }
    if (nd < 9 || nd > 11)
        return failf(why, "%d digits: not a timestamp (epoch seconds have 9-11 digits, "
                          "epoch milliseconds 13)", nd);
    int64_t ms = 0;
    if (q < e) {
        q++; /* '.' */
        int nf = 0;
        while (q < e && is_digit(*q)) {
            if (nf < 3) ms = ms * 10 + (*q - '0');
            nf++;
            q++;
        }
        if (nf == 0 || q != e) return fail(why, "expected digits after the decimal point of epoch seconds");
        if (nf > 9) return fail(why, "more than 9 fractional digits in epoch seconds");
        for (int i = nf; i < 3; i++) ms *= 10;
    }
    *out = v * 1000 + ms;
    return 0;
}

static inline unsigned dig(char c) { return (unsigned)(unsigned char)c - '0'; }

/* Eight bytes at p as a little-endian word (memcpy: no alignment needed). */
static inline uint64_t load8(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

#define ONES8 0x0101010101010101ull

/* 1 if every byte of x is an ASCII digit (SWAR: a byte below '0' wraps
 * past 0x80 when 0x30 is subtracted; one above '9' reaches 0x80 when 0x46
 * is added; carries and borrows only start at such a byte). */
static inline int all_digits8(uint64_t x) {
    return !(((x + 0x46 * ONES8) | (x - 0x30 * ONES8)) & 0x80 * ONES8);
}

/* Byte i of the result is the two-digit number at bytes i, i+1 of x (all
 * digits): d*10 + (d >> 8) never carries between bytes (at most 99). */
static inline uint64_t pairs8(uint64_t x) {
    uint64_t d = x - 0x30 * ONES8;
    return d * 10 + (d >> 8);
}
#define PAIR(v, i) ((int)(((v) >> (8 * (i))) & 0xff))

/*
 * The common shape "YYYY-MM-DD[T ]HH:MM:SS" then an optional fraction and
 * "", "Z" or "+HH:MM": fixed positions, no loops over the date. Returns 1
 * and sets *out if s[0..n) is exactly that and every field is in range;
 * anything else (including every error) is left to the general parser,
 * which produces the messages.
 *
 * Speed: this runs for 2-4 columns of every row. The digits are checked and
 * combined eight at a time (SWAR) and the result is computed here directly
 * (no fields struct): about 60 instructions a value, down from about 250
 * (callgrind, 100,000 calls). An earlier version also tested the digits
 * with (d0 | d1 | ...) > 9, which is true for most real timestamps (2 | 8
 * is 10), so they all took the general parser: 3x slower still.
 */
static int parse_fast(const char *s, size_t n, const cxm_tz *naive_tz, cxm_time *out) {
    if (n < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return 0;
    /* "YYYY-MM-" and "DDTHH:MM" with the separators replaced by '0' */
    uint64_t a = (load8(s) & ~(0xffull << 32 | 0xffull << 56)) | (0x30ull << 32 | 0x30ull << 56);
    uint64_t b = (load8(s + 8) & ~(0xffull << 16 | 0xffull << 40)) | (0x30ull << 16 | 0x30ull << 40);
    unsigned s0 = dig(s[17]), s1 = dig(s[18]);
    if (!all_digits8(a) || !all_digits8(b) || s0 > 9 || s1 > 9) return 0;
    uint64_t pa = pairs8(a), pb = pairs8(b);
    int year = PAIR(pa, 0) * 100 + PAIR(pa, 2), month = PAIR(pa, 5), day = PAIR(pb, 0);
    int hour = PAIR(pb, 3), minute = PAIR(pb, 6), second = (int)(s0 * 10 + s1);
    /* errors and the rare 24:00:00 and leap second take the general path */
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return 0;
    if (day > 28 && day > cxm_days_in_month(year, month)) return 0;
    const char *p = s + 19, *e = s + n;
    int ms = 0;
    if (p < e && *p == '.') {
        p++;
        const char *q = p;
        unsigned v = 0;
        while (p < e && dig(*p) <= 9 && p - q < 3) v = v * 10 + dig(*p++);
        if (p == q) return 0;
        for (ptrdiff_t k = p - q; k < 3; k++) v *= 10;
        while (p < e && dig(*p) <= 9 && p - q < 9) p++;
        if (p < e && dig(*p) <= 9) return 0;
        ms = (int)v;
    }
    int has_off = 0;
    int32_t off = 0;
    if (p == e) {
    } else if (e - p == 1 && (*p == 'Z' || *p == 'z')) {
        has_off = 1;
    } else if (e - p == 6 && (*p == '+' || *p == '-') && p[3] == ':') {
        unsigned a1 = dig(p[1]), b1 = dig(p[2]), c1 = dig(p[4]), d1 = dig(p[5]);
        if ((a1 > 9) | (b1 > 9) | (c1 > 9) | (d1 > 9)) return 0;
        unsigned hh = a1 * 10 + b1, mm = c1 * 10 + d1;
        if (mm > 59 || hh * 60 + mm > 18 * 60) return 0;
        has_off = 1;
        off = (int32_t)((*p == '-' ? -1 : 1) * (int)(hh * 3600 + mm * 60));
    } else {
        return 0;
    }
    /* the month cache of finish() (year >= 0 here) */
    int64_t ym = (int64_t)year * 16 + month, days;
    if (ym == cache_ym) {
        days = cache_days + day - 1;
    } else {
        days = cxm_days_from_civil(year, month, day);
        cache_ym = ym;
        cache_days = days - day + 1;
    }
    int64_t local = days * 86400 + hour * 3600 + minute * 60 + second, utc;
    if (has_off) utc = local - off;
    else if (naive_tz) utc = cxm_tz_from_local(naive_tz, local);
    else utc = local;
    *out = utc * 1000 + ms;
    return 1;
}

static int parse_general(const char *s, size_t n, const cxm_tz *naive_tz, cxm_date_order order, cxm_time *out,
                         const char **why) __attribute__((noinline));

/*
 * "YYYY-MM-DDTHH:MM:SSZ", the spelling of nearly every export (and of
 * `cxm sample`): the date part is looked up in a memo of recent dates
 * (direct-mapped on the day's last digit: a ticket's created, response and
 * resolution dates hit different slots), so a repeated date costs two
 * compares and the time of day one SWAR check of eight bytes. A miss, a bad
 * field or the rare 24:00:00 and leap second go on to parse_fast and the
 * general parser. Callgrind, 200,000 tickets with three timestamps each:
 * 167 instructions a call before, about 45 with the memo.
 */
typedef struct zmemo {
    uint64_t k8[8]; /* "YYYY-MM-", as loaded; 0 = empty (not a date) */
    uint16_t k2[8]; /* "DD" */
    int64_t days[8];
} zmemo;
static _Thread_local zmemo zm;

/* The time of day of a "YYYY-MM-DDTHH:MM:SSZ" text on the given day. */
static inline int z_time(const char *s, int64_t days, cxm_time *out) {
    uint64_t t = load8(s + 11); /* "HH:MM:SS" */
    if (s[10] != 'T' || ((t >> 16) & 0xff) != ':' || ((t >> 40) & 0xff) != ':') return 0;
    t = (t & ~(0xffull << 16 | 0xffull << 40)) | (0x30ull << 16 | 0x30ull << 40);
    if (!all_digits8(t)) return 0;
    uint64_t pt = pairs8(t);
    int hour = PAIR(pt, 0), minute = PAIR(pt, 3), second = PAIR(pt, 6);
    if (hour > 23 || minute > 59 || second > 59) return 0;
    *out = (days * 86400 + hour * 3600 + minute * 60 + second) * 1000;
    return 1;
}

/* A date missing from the memo: the whole text through parse_fast (the
 * checks of every field), then its day remembered in its slot. Out of
 * line and reached by a tail call, so that a hit needs no stack frame. */
__attribute__((noinline)) static int z_miss(const char *s, cxm_time *out) {
    if (s[4] != '-' || s[7] != '-' || !parse_fast(s, 20, NULL, out)) return 0;
    unsigned slot = (unsigned)(unsigned char)s[9] & 7u;
    zm.k8[slot] = load8(s);
    memcpy(&zm.k2[slot], s + 8, 2);
    int64_t sec = *out / 1000; /* whole seconds: no fraction in this form */
    zm.days[slot] = (sec - ((sec % 86400) + 86400) % 86400) / 86400;
    return 1;
}

int cxm_parse_time_z(const char *s, cxm_time *out) {
    uint64_t k8 = load8(s);
    uint16_t k2;
    memcpy(&k2, s + 8, 2);
    unsigned slot = (unsigned)(unsigned char)s[9] & 7u;
    if (!(zm.k8[slot] == k8 && zm.k2[slot] == k2 && k8)) return z_miss(s, out); /* (an empty slot holds 0) */
    return z_time(s, zm.days[slot], out);
}

/* Every form but the memoised one: out of line, so that cxm_parse_time's
 * common case saves no registers (13 instructions a call). */
__attribute__((noinline)) static int parse_other(const char *s, size_t n, const cxm_tz *naive_tz,
                                                 cxm_date_order order, cxm_time *out, const char **why) {
    if (why) *why = NULL;
    if (!s || !out) return fail(why, "no input");
    if (n && (is_space(s[0]) || is_space(s[n - 1]))) trim(&s, &n);
    if (n == 0) return fail(why, "empty timestamp");
    if (parse_fast(s, n, naive_tz, out)) return 0;
    return parse_general(s, n, naive_tz, order, out, why);
}

int cxm_parse_time(const char *s, size_t n, const cxm_tz *naive_tz, cxm_date_order order, cxm_time *out,
                   const char **why) {
    if (n == 20 && s && out && s[19] == 'Z' && cxm_parse_time_z(s, out)) {
        if (why) *why = NULL;
        return 0;
    }
    return parse_other(s, n, naive_tz, order, out, why);
}

/* Every other form, and every error message (kept out of line so that the
 * fast path above needs no stack frame). */
static int parse_general(const char *s, size_t n, const cxm_tz *naive_tz, cxm_date_order order, cxm_time *out,
                         const char **why) {
    fields f;
    memset(&f, 0, sizeof f);
    const char *p = s, *e = s + n;

    int nd = 0;
    int64_t lead = 0; /* value of the leading digits while there are at most 18 */
    int maxd = (int)(n < 64 ? n : 64);
    while (nd < maxd && is_digit(s[nd])) {
        if (nd < 18) lead = lead * 10 + (s[nd] - '0');
        nd++;
    }
    char sep = nd < (int)n ? s[nd] : '\0';

    if (nd == 4 && (sep == '-' || sep == '/')) {
        /* YYYY-MM-DD or YYYY/MM/DD */
        int v;
        digits(&p, e, 4, &f.year);
        p++;
        int k = digits(&p, e, 3, &v);
        if (k < 1 || k > 2 || p >= e || *p != sep)
            return failf(why, "expected a date YYYY%cMM%cDD", sep, sep);
        f.month = v;
        p++;
        k = digits(&p, e, 3, &v);
        if (k < 1 || k > 2) return failf(why, "expected a date YYYY%cMM%cDD", sep, sep);
        f.day = v;
        int rc = check_date(&f, why);
        if (rc) return rc;
        rc = parse_after_date(p, e, &f, 0, why);
        if (rc) return rc;
        return finish(&f, naive_tz, out);
    }
    if ((nd == 1 || nd == 2) && (sep == '-' || sep == '/' || sep == '.')) {
        /* DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY, M/D/YYYY */
        int a, b, k;
        if (order != CXM_DATE_DMY && order != CXM_DATE_MDY)
            return fail(why, "ambiguous day/month order: use --date-order dmy or mdy");
        digits(&p, e, 2, &a);
        p++;
        k = digits(&p, e, 3, &b);
        if (k < 1 || k > 2 || p >= e || *p != sep)
            return failf(why, order == CXM_DATE_DMY ? "expected a date DD%cMM%cYYYY" : "expected a date MM%cDD%cYYYY",
                         sep, sep);
        p++;
        k = digits(&p, e, 5, &f.year);
        if (k == 2) return fail(why, "two-digit year: expected a four-digit year");
        if (k != 4)
            return failf(why, order == CXM_DATE_DMY ? "expected a date DD%cMM%cYYYY" : "expected a date MM%cDD%cYYYY",
                         sep, sep);
        f.day = order == CXM_DATE_DMY ? a : b;
        f.month = order == CXM_DATE_DMY ? b : a;
        int rc = check_date(&f, why);
        if (rc) return rc;
        rc = parse_after_date(p, e, &f, 1, why);
        if (rc) return rc;
        return finish(&f, naive_tz, out);
    }
    if (nd == (int)n || (nd > 0 && sep == '.' && nd >= 9)) {
        if (nd == (int)n && nd > 13)
            return failf(why, "%d digits: not a timestamp (epoch seconds have 9-11 digits, "
                              "epoch milliseconds 13)", nd);
        return parse_epoch(s, e, nd, lead, out, why);
    }
    return fail(why, "expected a timestamp: YYYY-MM-DD[THH:MM[:SS]][zone], a day-first or month-first "
                     "date, or epoch seconds/milliseconds");
}

/* ---- booleans, integers, numbers ---------------------------------------- */

int cxm_parse_bool(const char *s, size_t n, int *out) {
    static const char *const yes[] = {"true", "yes", "y", "t", "1"};
    static const char *const no[] = {"false", "no", "n", "f", "0"};
    if (!s || !out) return CXM_EPARSE;
    trim(&s, &n);
    if (n == 0 || n > 5) return CXM_EPARSE;
    for (size_t i = 0; i < 5; i++) {
        if (strlen(yes[i]) == n && match_ci(s, s + n, yes[i])) {
            *out = 1;
            return 0;
        }
        if (strlen(no[i]) == n && match_ci(s, s + n, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return CXM_EPARSE;
}

int cxm_parse_int(const char *s, size_t n, int64_t *out) {
    if (!s || !out) return CXM_EPARSE;
    trim(&s, &n);
    const char *p = s, *e = s + n;
    int neg = 0;
    if (p < e && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }
    if (p == e) return CXM_EPARSE;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; p < e; p++) {
        if (!is_digit(*p)) return CXM_EPARSE;
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10) return CXM_EPARSE; /* v * 10 + d > limit */
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale = (locale_t)0;
static void c_locale_init(void) { c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0); }

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * [+-] digits [. digits] [(e|E) [+-] digits], at least one mantissa digit.
 * Short values take Clinger's exact fast path (mantissa < 2^53 and a power
 * of ten up to 1e22 are both exact doubles, so one multiplication or
 * division rounds correctly); the rest go to strtod in the "C" locale.
 */
int cxm_parse_double(const char *s, size_t n, double *out) {
    if (!s || !out) return CXM_EPARSE;
    trim(&s, &n);
    const char *p = s, *e = s + n;
    int neg = 0;
    if (p < e && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }
    uint64_t mant = 0;
    int sig = 0, mdigits = 0, exp10 = 0, exact = 1;
    while (p < e && is_digit(*p)) {
        mdigits++;
        if (sig < 19) {
            mant = mant * 10 + (uint64_t)(*p - '0');
            if (mant) sig++;
        } else {
            exact = 0;
        }
        p++;
    }
    if (p < e && *p == '.') {
        p++;
        while (p < e && is_digit(*p)) {
            mdigits++;
            if (sig < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (mant) sig++;
                exp10--;
            } else {
                exact = 0;
            }
            p++;
        }
    }
    if (mdigits == 0) return CXM_EPARSE;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0, ev = 0, ed = 0;
        if (p < e && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        while (p < e && is_digit(*p)) {
            if (ev < 100000) ev = ev * 10 + (*p - '0');
            ed++;
            p++;
        }
        if (ed == 0) return CXM_EPARSE;
        exp10 += eneg ? -ev : ev;
    }
    if (p != e) return CXM_EPARSE;
    if (exact && mant < (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return 0;
    }
    if (n >= NUM_MAX) return CXM_EPARSE;
    char buf[NUM_MAX];
    memcpy(buf, s, n);
    buf[n] = '\0';
    pthread_once(&c_locale_once, c_locale_init);
    locale_t old = (locale_t)0;
    if (c_locale) old = uselocale(c_locale);
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    int err = errno;
    if (c_locale) uselocale(old);
    if (end != buf + n || !isfinite(v) || (err == ERANGE && fabs(v) > 1.0)) return CXM_EPARSE;
    *out = v;
    return 0;
}

/* ---- durations ----------------------------------------------------------- */

/* digits [. digits]: integer part and the fraction as ms of one unit. */
static int dur_number(const char **pp, const char *e, int64_t *ip, int64_t *frac_num, int64_t *frac_den) {
    const char *p = *pp;
    int64_t v = 0;
    int nd = 0;
    while (p < e && is_digit(*p)) {
        if (nd >= 15) return -1;
        v = v * 10 + (*p - '0');
        nd++;
        p++;
    }
    int64_t num = 0, den = 1;
    int nf = 0;
    if (p < e && *p == '.') {
        p++;
        while (p < e && is_digit(*p)) {
            if (nf < 9) {
                num = num * 10 + (*p - '0');
                den *= 10;
            }
            nf++;
            p++;
        }
        if (nf == 0) return -1;
    }
    if (nd == 0 && nf == 0) return -1;
    *ip = v;
    *frac_num = num;
    *frac_den = den;
    *pp = p;
    return 0;
}

/* ip + num/den units of unit_ms each, truncated to the ms; -1 on overflow. */
static int dur_add(int64_t *acc, int64_t ip, int64_t num, int64_t den, int64_t unit_ms) {
    if (ip > (INT64_MAX - *acc) / unit_ms) return -1;
    int64_t v = ip * unit_ms;
    /* num < den <= 1e9 and unit_ms <= 86400000: num * unit_ms < 8.7e16 */
    v += num * unit_ms / den;
    if (v > INT64_MAX - *acc) return -1;
    *acc += v;
    return 0;
}

static int dur_clock(const char *p, const char *e, int64_t *out_ms) {
    int64_t part[3];
    int np = 0, nd_last = 0;
    int64_t frac_ms = 0;
    while (1) {
        int64_t v = 0;
        int nd = 0;
        while (p < e && is_digit(*p)) {
            if (nd >= 12) return CXM_EPARSE;
            v = v * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0 || np == 3) return CXM_EPARSE;
        part[np++] = v;
        nd_last = nd;
        if (p < e && *p == ':') {
            p++;
            if (np > 1 && nd != 2) return CXM_EPARSE; /* minutes in H:MM:SS */
            continue;
        }
        break;
    }
    if (np < 2 || nd_last != 2) return CXM_EPARSE;
    if (p < e && (*p == '.' || *p == ',')) {
        p++;
        int nf = 0;
        while (p < e && is_digit(*p)) {
            if (nf < 3) frac_ms = frac_ms * 10 + (*p - '0');
            nf++;
            p++;
        }
        if (nf == 0 || nf > 9) return CXM_EPARSE;
        for (int i = nf; i < 3; i++) frac_ms *= 10;
    }
    if (p != e) return CXM_EPARSE;
    int64_t h = np == 3 ? part[0] : 0, m = part[np - 2], sec = part[np - 1];
    if (sec > 59 || (np == 3 && m > 59)) return CXM_EPARSE;
    *out_ms = ((h * 60 + m) * 60 + sec) * 1000 + frac_ms;
    return 0;
}

int cxm_parse_duration(const char *s, size_t n, int64_t *out_ms) {
    if (!s || !out_ms) return CXM_EPARSE;
    trim(&s, &n);
    const char *p = s, *e = s + n;
    if (n == 0) return CXM_EPARSE;
    if (memchr(s, ':', n)) return dur_clock(p, e, out_ms);

    int64_t ip, num, den, acc = 0;
    if (dur_number(&p, e, &ip, &num, &den)) return CXM_EPARSE;
    if (p == e) { /* plain seconds */
        if (dur_add(&acc, ip, num, den, 1000)) return CXM_EPARSE;
        *out_ms = acc;
        return 0;
    }
    /* units, strictly descending: d h m s ms */
    static const int64_t unit_ms[5] = {86400000, 3600000, 60000, 1000, 1};
    int last = -1;
    while (1) {
        while (p < e && *p == ' ') p++;
        int u;
        char c = p < e ? lower(*p) : '\0';
        if (c == 'd')
            u = 0;
        else if (c == 'h')
            u = 1;
        else if (c == 'm' && p + 1 < e && lower(p[1]) == 's')
            u = 4;
        else if (c == 'm')
            u = 2;
        else if (c == 's')
            u = 3;
        else
            return CXM_EPARSE;
        p += u == 4 ? 2 : 1;
        if (u <= last) return CXM_EPARSE;
        last = u;
        if (dur_add(&acc, ip, num, den, unit_ms[u])) return CXM_EPARSE;
        while (p < e && *p == ' ') p++;
        if (p == e) break;
        if (dur_number(&p, e, &ip, &num, &den)) return CXM_EPARSE;
    }
    *out_ms = acc;
    return 0;
}
