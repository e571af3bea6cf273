/*
 * calendar.c - business-hours calendars: the calendar-file parser and
 * business-time arithmetic (see calendar.h and docs/internals/calendar.md).
 *
 * Model. A calendar is a week of working intervals in local wall-clock
 * seconds [start, end) with 0 <= start < end <= 86400 (at most
 * CXM_MAX_SHIFTS_PER_DAY a day, sorted, non-overlapping), a sorted set of
 * holiday day numbers (whole local dates off, at most CXM_MAX_HOLIDAYS) and
 * a zone. The working time of local day d is, for each interval,
 * [from_local(d*86400 + start), from_local(d*86400 + end)) in UTC, clipped
 * to the day's span [S(d), S(d+1)) with S(d) = from_local(d*86400) and to
 * the previous interval's end. Clipping makes the intervals of all days
 * disjoint and ordered even where from_local is not monotonic (a time in a
 * DST gap maps past the gap's end), so "business time before t", A(t), is
 * a non-decreasing function and business_ms(from, to) = A(to) - A(from).
 *
 * The lazy table. Only local days DAY_MIN (0001-01-01) .. DAY_MAX
 * (10000-01-01, exclusive) count; they are cut into chunks of CHUNK_DAYS
 * (1024) days from DAY_MIN (about 3,570 chunks). B(d), the business ms from
 * an anchor to the start of day d, is dir[k] + slot(k).p[i] where k, i are
 * d's chunk and index in it:
 *   - dir[k] (cumulative at chunk starts, relative to the first chunk ever
 *     queried) is known on a contiguous range [klo, khi] that grows toward
 *     each query; 8 bytes a chunk, at most ~28 KiB, allocated on first use;
 *   - p[] is a per-day prefix inside one chunk, kept in a direct-mapped
 *     cache of CACHE_SLOTS chunks (k mod CACHE_SLOTS; CXM_MAX_CALENDAR_
 *     CACHED_DAYS days in all, 8 KiB a chunk), refilled on a miss.
 * A query costs O(intervals a day) time-zone look-ups plus O(1) table
 * reads once the chunks it touches are known; reaching a chunk for the
 * first time costs 1024 days of work per chunk between it and the known
 * range (1990 -> 2030 is 15 chunks; 0001 -> 9999 about 3,570, once).
 * The table is guarded by a mutex: the query functions are thread-safe.
 *
 * Sizes: a calendar is ~1 KiB of week plus 8 bytes a holiday; files hold a
 * few calendars with tens of holidays each.
 */
#include "time/calendar.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"
#include "time/civil.h"

#define SECS_PER_DAY 86400
#define MS_PER_SEC 1000
#define CHUNK_DAYS 1024
#define CACHE_SLOTS (CXM_MAX_CALENDAR_CACHED_DAYS / CHUNK_DAYS)
#define NAME_MAX_LEN 63
#define ZONE_MAX_LEN 255
#define NSHIFT CXM_MAX_SHIFTS_PER_DAY

_Static_assert(CACHE_SLOTS >= 2, "need at least two cached chunks");

static const char *const DAY_ABBR[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const DAY_FULL[7] = {"monday", "tuesday", "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};

typedef struct shift {
    int32_t start, end; /* seconds since local midnight, 0 <= start < end <= 86400 */
} shift;

typedef struct chunk_slot {
    int64_t k;                   /* chunk held, -1 if none */
    int64_t p[CHUNK_DAYS + 1];   /* p[i] = business ms in the chunk's days [0, i) */
} chunk_slot;

struct cxm_calendar {
    char *name;                  /* owned */
    uint64_t line;               /* line of the section header */
    const cxm_tz *tz;            /* borrowed (default zone) or == own_tz */
    cxm_tz *own_tz;              /* owned, NULL if the zone is borrowed */
    shift week[7][NSHIFT];       /* by cxm_weekday: 0 = Monday */
    uint32_t nshift[7];
    int64_t *hol;                /* owned, sorted unique local day numbers */
    size_t nhol, caphol;
    char **mcol, **mval;         /* owned arrays of owned strings */
    size_t nmatch, capmatch;
    int64_t tmin, tmax;          /* ms: S(DAY_MIN), S(DAY_MAX) */
    /* lazy table, guarded by mu */
    pthread_mutex_t mu;
    int mu_ok;
    int64_t *dir;                /* NCHUNKS + 1 entries, known on [klo, khi] */
    int64_t klo, khi;
    chunk_slot *slot[CACHE_SLOTS];
};

struct cxm_calset {
    cxm_calendar **cal;          /* owned */
    size_t n, cap;
    size_t def;
};

/* ---- day range ------------------------------------------------------ */

static int64_t day_min(void) { return cxm_days_from_civil(1, 1, 1); }
static int64_t day_max(void) { return cxm_days_from_civil(10000, 1, 1); }
static int64_t nchunks(void) { return (day_max() - day_min()) / CHUNK_DAYS + 1; }

/* ---- one day's working time ---------------------------------------- */

typedef struct dayv {
    int64_t s0, s1;              /* ms: the day's span [S(d), S(d+1)) */
    uint32_t n;
    int64_t a[NSHIFT], b[NSHIFT];/* ms: clipped working intervals */
} dayv;

static int64_t start_ms(const cxm_calendar *c, int64_t d) {
    return cxm_tz_from_local(c->tz, d * SECS_PER_DAY) * MS_PER_SEC;
}

static int is_holiday(const cxm_calendar *c, int64_t d) {
    size_t lo = 0, hi = c->nhol;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->hol[mid] < d) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->nhol && c->hol[lo] == d;
}

/* Fills v with day d's span and clipped working intervals. s0 is S(d) in
 * ms if the caller knows it, else INT64_MIN. */
static void day_load(const cxm_calendar *c, int64_t d, int64_t s0, dayv *v) {
    v->s0 = s0 != INT64_MIN ? s0 : start_ms(c, d);
    v->s1 = start_ms(c, d + 1);
    if (v->s1 < v->s0) v->s1 = v->s0; /* never for real zones */
    v->n = 0;
    int w = cxm_weekday(d);
    if (c->nshift[w] == 0 || is_holiday(c, d)) return;
    int64_t prev = v->s0, base = d * SECS_PER_DAY;
    for (uint32_t i = 0; i < c->nshift[w]; i++) {
        const shift *sh = &c->week[w][i];
        int64_t a = cxm_tz_from_local(c->tz, base + sh->start) * MS_PER_SEC;
        int64_t b = sh->end == SECS_PER_DAY ? v->s1
                                            : cxm_tz_from_local(c->tz, base + sh->end) * MS_PER_SEC;
        if (a < prev) a = prev;
        if (a > v->s1) a = v->s1;
        if (b < a) b = a;
        if (b > v->s1) b = v->s1;
        prev = b;
        if (b > a) {
            v->a[v->n] = a;
            v->b[v->n] = b;
            v->n++;
        }
    }
}

static int64_t day_total(const dayv *v) {
    int64_t s = 0;
    for (uint32_t i = 0; i < v->n; i++) s += v->b[i] - v->a[i];
    return s;
}

/* Business ms of day v before instant t. */
static int64_t day_before(const dayv *v, int64_t t) {
    int64_t s = 0;
    for (uint32_t i = 0; i < v->n && v->a[i] < t; i++) s += (t < v->b[i] ? t : v->b[i]) - v->a[i];
    return s;
}

/* The local day d with S(d) <= t < S(d+1), for tmin <= t < tmax. */
static int64_t day_of(const cxm_calendar *c, int64_t t) {
    int64_t d = cxm_floordiv(cxm_tz_to_local(c->tz, cxm_floordiv(t, MS_PER_SEC)), SECS_PER_DAY);
    for (int i = 0; i < 4 && start_ms(c, d) > t; i++) d--;
    for (int i = 0; i < 4 && start_ms(c, d + 1) <= t; i++) d++;
    return d;
}

/* Where instant t sits: its day (clamped to [DAY_MIN, DAY_MAX]) and the
 * business ms of that day before t. No table, no lock. */
static void locate(const cxm_calendar *c, int64_t t, int64_t *day, int64_t *before) {
    *before = 0;
    if (t <= c->tmin) { *day = day_min(); return; }
    if (t >= c->tmax) { *day = day_max(); return; }
    int64_t d = day_of(c, t);
    if (d < day_min()) { *day = day_min(); return; }
    if (d >= day_max()) { *day = day_max(); return; }
    dayv v;
    day_load(c, d, INT64_MIN, &v);
    *day = d;
    *before = day_before(&v, t);
}

/* ---- the lazy table (caller holds c->mu) ---------------------------- */

static chunk_slot *get_slot(cxm_calendar *c, int64_t k) {
    size_t si = (size_t)(k % CACHE_SLOTS);
    chunk_slot *s = c->slot[si];
    if (!s) {
        s = malloc(sizeof *s);
        if (!s) return NULL;
        s->k = -1;
        c->slot[si] = s;
    }
    if (s->k == k) return s;
    int64_t d0 = day_min() + k * CHUNK_DAYS, s0 = INT64_MIN;
    s->p[0] = 0;
    for (int64_t i = 0; i < CHUNK_DAYS; i++) {
        dayv v;
        day_load(c, d0 + i, s0, &v);
        s->p[i + 1] = s->p[i] + day_total(&v);
        s0 = v.s1;
    }
    s->k = k;
    return s;
}

/* Makes dir[k] known (0 <= k <= nchunks()). */
static int ensure_dir(cxm_calendar *c, int64_t k) {
    if (!c->dir) {
        c->dir = malloc((size_t)(nchunks() + 1) * sizeof *c->dir);
        if (!c->dir) return CXM_ENOMEM;
        c->klo = c->khi = k;
        c->dir[k] = 0;
    }
    while (c->khi < k) {
        chunk_slot *s = get_slot(c, c->khi);
        if (!s) return CXM_ENOMEM;
        c->dir[c->khi + 1] = c->dir[c->khi] + s->p[CHUNK_DAYS];
        c->khi++;
    }
    while (c->klo > k) {
        chunk_slot *s = get_slot(c, c->klo - 1);
        if (!s) return CXM_ENOMEM;
        c->dir[c->klo - 1] = c->dir[c->klo] - s->p[CHUNK_DAYS];
        c->klo--;
    }
    return 0;
}

/* B(d) for DAY_MIN <= d <= DAY_MAX into *out. */
static int prefix(cxm_calendar *c, int64_t d, int64_t *out) {
    int64_t idx = d - day_min(), k = idx / CHUNK_DAYS, i = idx % CHUNK_DAYS;
    int rc = ensure_dir(c, k);
    if (rc) return rc;
    chunk_slot *s = get_slot(c, k);
    if (!s) return CXM_ENOMEM;
    *out = c->dir[k] + s->p[i];
    return 0;
}

/* The lazy table is not part of the calendar's value: the query functions
 * take const and mutate only under the mutex. Calendars are always
 * malloc'ed by this file, never defined const, so the cast is defined. */
static cxm_calendar *mut(const cxm_calendar *c) { return (cxm_calendar *)(uintptr_t)c; }

/* ---- queries -------------------------------------------------------- */

int64_t cxm_calendar_business_ms(const cxm_calendar *c, cxm_time from, cxm_time to) {
    if (!c || from == CXM_TIME_NULL || to == CXM_TIME_NULL || to <= from) return 0;
    int64_t df, pf, dt, pt;
    locate(c, from, &df, &pf);
    locate(c, to, &dt, &pt);
    if (df == dt) return pt - pf;
    cxm_calendar *m = mut(c);
    int64_t bf = 0, bt = 0;
    pthread_mutex_lock(&m->mu);
    int rc = prefix(m, df, &bf);
    if (!rc) rc = prefix(m, dt, &bt);
    pthread_mutex_unlock(&m->mu);
    if (rc) return rc;
    return (bt - bf) + (pt - pf);
}

cxm_time cxm_calendar_add_business(const cxm_calendar *c, cxm_time from, int64_t ms) {
    if (!c || from == CXM_TIME_NULL || ms < 0) return CXM_TIME_NULL;
    if (ms == 0) return from;
    if (from >= c->tmax) return CXM_TIME_NULL;
    int64_t df, pf;
    locate(c, from, &df, &pf);
    /* Fast path: the due time falls later the same day. */
    if (df < day_max()) {
        dayv v;
        day_load(c, df, INT64_MIN, &v);
        int64_t need = pf + (ms < day_total(&v) ? ms : day_total(&v) + 1);
        for (uint32_t i = 0; i < v.n; i++) {
            int64_t len = v.b[i] - v.a[i];
            if (need <= len) return v.a[i] + need;
            need -= len;
        }
    }
    cxm_calendar *m = mut(c);
    cxm_time result = CXM_TIME_NULL;
    pthread_mutex_lock(&m->mu);
    int64_t base;
    if (prefix(m, df, &base)) goto out;
    if (base + pf > 0 && ms > INT64_MAX - (base + pf)) goto out;
    int64_t target = base + pf + ms;
    int64_t last = nchunks() - 1;
    for (int64_t k = (df - day_min()) / CHUNK_DAYS; k <= last; k++) {
        if (ensure_dir(m, k + 1)) goto out;
        if (m->dir[k + 1] < target) continue;
        chunk_slot *s = get_slot(m, k);
        if (!s) goto out;
        /* smallest i with dir[k] + p[i + 1] >= target */
        int64_t lo = 0, hi = CHUNK_DAYS - 1, need0 = target - m->dir[k];
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (s->p[mid + 1] >= need0) hi = mid;
            else lo = mid + 1;
        }
        int64_t d = day_min() + k * CHUNK_DAYS + lo;
        if (d >= day_max()) goto out;
        int64_t need = need0 - s->p[lo];
        dayv v;
        day_load(c, d, INT64_MIN, &v);
        for (uint32_t i = 0; i < v.n; i++) {
            int64_t len = v.b[i] - v.a[i];
            if (need <= len) { result = v.a[i] + need; goto out; }
            need -= len;
        }
        goto out; /* unreachable: the day holds at least `need` */
    }
out:
    pthread_mutex_unlock(&m->mu);
    return result;
}

int cxm_calendar_is_open(const cxm_calendar *c, cxm_time t) {
    if (!c || t == CXM_TIME_NULL || t < c->tmin || t >= c->tmax) return 0;
    int64_t d = day_of(c, t);
    if (d < day_min() || d >= day_max()) return 0;
    dayv v;
    day_load(c, d, INT64_MIN, &v);
    for (uint32_t i = 0; i < v.n; i++)
        if (v.a[i] <= t && t < v.b[i]) return 1;
    return 0;
}

/* ---- accessors ------------------------------------------------------ */

size_t cxm_calset_count(const cxm_calset *s) { return s ? s->n : 0; }

const cxm_calendar *cxm_calset_get(const cxm_calset *s, size_t i) {
    return s && i < s->n ? s->cal[i] : NULL;
}

const cxm_calendar *cxm_calset_default(const cxm_calset *s) {
    return s && s->n ? s->cal[s->def] : NULL;
}

const char *cxm_calendar_name(const cxm_calendar *c) { return c ? c->name : NULL; }

void cxm_calendar_matches(const cxm_calendar *c, const char *const **columns,
                          const char *const **values, size_t *n) {
    *columns = c ? (const char *const *)c->mcol : NULL;
    *values = c ? (const char *const *)c->mval : NULL;
    *n = c ? c->nmatch : 0;
}

/* ---- freeing -------------------------------------------------------- */

static void calendar_free(cxm_calendar *c) {
    if (!c) return;
    free(c->name);
    cxm_tz_free(c->own_tz);
    free(c->hol);
    for (size_t i = 0; i < c->nmatch; i++) {
        free(c->mcol[i]);
        free(c->mval[i]);
    }
    free(c->mcol);
    free(c->mval);
    free(c->dir);
    for (size_t i = 0; i < CACHE_SLOTS; i++) free(c->slot[i]);
    if (c->mu_ok) pthread_mutex_destroy(&c->mu);
    free(c);
}

void cxm_calset_free(cxm_calset *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) calendar_free(s->cal[i]);
    free(s->cal);
    free(s);
}

/* ---- parser --------------------------------------------------------- */

typedef struct parser {
    const char *file;            /* for diagnostics */
    cxm_diag *diag;
    const cxm_tz *deftz;
    cxm_calset *set;
    cxm_calendar *cur;           /* owned by set once created */
    uint64_t zone_line;          /* line of cur's zone, 0 if none */
    uint64_t line;
    const char *ls;              /* start of the current line */
} parser;

typedef struct span { const char *p; size_t n; } span;

static int perr(parser *ps, const char *at, int code, const char *fmt, ...) CXM_PRINTF(4, 5);
static int perr(parser *ps, const char *at, int code, const char *fmt, ...) {
    char msg[sizeof ps->diag->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t col = at && ps->ls && at >= ps->ls ? (size_t)(at - ps->ls) + 1 : 0;
    if (col > UINT32_MAX) col = UINT32_MAX;
    return cxm_diag_set(ps->diag, code, ps->file, ps->line, (uint32_t)col, NULL, "%s", msg);
}

/* Shown text is cut to 40 bytes: "%.*s" with SHOWN(s). */
#define SHOWN(s) (int)((s).n > 40 ? 40 : (s).n), (s).p

static int is_blank(char ch) { return ch == ' ' || ch == '\t'; }

static span trim(span s) {
    while (s.n && is_blank(s.p[0])) { s.p++; s.n--; }
    while (s.n && is_blank(s.p[s.n - 1])) s.n--;
    return s;
}

static int lower(int ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; }

static int eq_ci(span s, const char *word) {
    size_t n = strlen(word);
    if (s.n != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s.p[i]) != word[i]) return 0;
    return 1;
}

/* Splits s at the first ch: *head before it, *rest after it (rest.p NULL
 * if ch is absent, head then being all of s). */
static void split(span s, char ch, span *head, span *rest) {
    const char *q = s.n ? memchr(s.p, ch, s.n) : NULL;
    if (!q) {
        *head = s;
        rest->p = NULL;
        rest->n = 0;
        return;
    }
    head->p = s.p;
    head->n = (size_t)(q - s.p);
    rest->p = q + 1;
    rest->n = s.n - head->n - 1;
}

static int weekday_of(span s) {
    for (int i = 0; i < 7; i++)
        if (eq_ci(s, DAY_ABBR[i]) || eq_ci(s, DAY_FULL[i])) return i;
    return -1;
}

/* Does s begin like a weekday ("thurs", "tues")? For a better message. */
static int looks_like_weekday(span s) {
    if (s.n < 3) return 0;
    span h = {s.p, 3};
    return weekday_of(h) >= 0;
}

static int digits(span s, size_t i, size_t n, int *out) {
    int v = 0;
    if (i + n > s.n) return 0;
    for (size_t j = i; j < i + n; j++) {
        if (s.p[j] < '0' || s.p[j] > '9') return 0;
        v = v * 10 + (s.p[j] - '0');
    }
    *out = v;
    return 1;
}

/* Day selector "mon-fri, sun" -> bit mask of cxm_weekday numbers. */
static int parse_days(parser *ps, span key, unsigned *mask) {
    *mask = 0;
    span rest = key;
    while (rest.p) {
        span item, next, a, b;
        split(rest, ',', &item, &next);
        item = trim(item);
        if (!item.n)
            return perr(ps, item.p, CXM_EPARSE,
                        "expected a weekday (mon tue wed thu fri sat sun) in '%.*s'", SHOWN(key));
        split(item, '-', &a, &b);
        a = trim(a);
        int da = weekday_of(a), db;
        if (da < 0)
            return perr(ps, a.p, CXM_EPARSE,
                        "unknown weekday '%.*s' (expected mon tue wed thu fri sat sun or a full name)",
                        SHOWN(a));
        if (b.p) {
            b = trim(b);
            db = weekday_of(b);
            if (db < 0)
                return perr(ps, b.p, CXM_EPARSE,
                            "unknown weekday '%.*s' (expected mon tue wed thu fri sat sun or a full name)",
                            SHOWN(b));
        } else {
            db = da;
        }
        for (int d = da;; d = (d + 1) % 7) {
            *mask |= 1u << d;
            if (d == db) break;
        }
        rest = next;
    }
    return 0;
}

/* "HH:MM" at the start of s; *used = bytes read. Returns seconds or -1. */
static int32_t parse_hhmm(span s, size_t *used) {
    int h, m;
    size_t hl = 0;
    while (hl < s.n && hl < 3 && s.p[hl] >= '0' && s.p[hl] <= '9') hl++;
    if (hl < 1 || hl > 2 || !digits(s, 0, hl, &h) || hl >= s.n || s.p[hl] != ':' ||
        !digits(s, hl + 1, 2, &m))
        return -1;
    if (hl + 3 < s.n && s.p[hl + 3] >= '0' && s.p[hl + 3] <= '9') return -1;
    *used = hl + 3;
    if (h > 24 || m > 59) return -2;
    return (int32_t)(h * 3600 + m * 60);
}

static void fmt_hhmm(int32_t sec, char *buf, size_t cap) {
    snprintf(buf, cap, "%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60));
}

static int cmp_shift(const void *x, const void *y) {
    const shift *a = x, *b = y;
    return (a->start > b->start) - (a->start < b->start);
}

/* Day value: "closed" or "HH:MM-HH:MM, ...". */
static int parse_shifts(parser *ps, span val, shift *out, uint32_t *n) {
    const char *at[NSHIFT];
    *n = 0;
    if (eq_ci(val, "closed")) return 0;
    span rest = val;
    while (rest.p) {
        span item, next;
        split(rest, ',', &item, &next);
        item = trim(item);
        size_t u1 = 0, u2 = 0;
        int32_t a = parse_hhmm(item, &u1), b = -1;
        if (a != -1) {
            span tail = {item.p + u1, item.n - u1};
            tail = trim(tail);
            if (tail.n && tail.p[0] == '-') {
                span t2 = {tail.p + 1, tail.n - 1};
                t2 = trim(t2);
                b = parse_hhmm(t2, &u2);
                if (b != -1 && u2 != t2.n) b = -1;
            }
        }
        if (a == -1 || b == -1)
            return perr(ps, item.p, CXM_EPARSE, "expected HH:MM-HH:MM or 'closed', found '%.*s'",
                        SHOWN(item));
        if (a == -2 || b == -2)
            return perr(ps, item.p, CXM_EPARSE,
                        "time out of range in '%.*s': expected hours 00-23 (24:00 only as an end) "
                        "and minutes 00-59", SHOWN(item));
        if (a >= SECS_PER_DAY)
            return perr(ps, item.p, CXM_EPARSE,
                        "interval '%.*s' starts at 24:00: 24:00 may only end an interval", SHOWN(item));
        if (b > SECS_PER_DAY)
            return perr(ps, item.p, CXM_EPARSE,
                        "time out of range in '%.*s': 24:00 is the latest end", SHOWN(item));
        char sa[16], sb[16];
        fmt_hhmm(a, sa, sizeof sa);
        fmt_hhmm(b, sb, sizeof sb);
        if (b < a)
            return perr(ps, item.p, CXM_EPARSE,
                        "interval %s-%s ends before it starts: write two intervals or end at 24:00",
                        sa, sb);
        if (b == a) return perr(ps, item.p, CXM_EPARSE, "interval %s-%s is empty", sa, sb);
        if (*n >= NSHIFT)
            return perr(ps, item.p, CXM_ELIMIT,
                        "more than %u intervals in one day (limit CXM_MAX_SHIFTS_PER_DAY)",
                        (unsigned)NSHIFT);
        at[*n] = item.p;
        out[*n].start = a;
        out[*n].end = b;
        (*n)++;
        rest = next;
    }
    /* Overlap check in start order; report at the later-written interval. */
    for (uint32_t i = 0; i < *n; i++)
        for (uint32_t j = i + 1; j < *n; j++)
            if (out[i].start < out[j].end && out[j].start < out[i].end) {
                char a1[16], b1[16], a2[16], b2[16];
                fmt_hhmm(out[i].start, a1, sizeof a1);
                fmt_hhmm(out[i].end, b1, sizeof b1);
                fmt_hhmm(out[j].start, a2, sizeof a2);
                fmt_hhmm(out[j].end, b2, sizeof b2);
                return perr(ps, at[j], CXM_EPARSE,
                            "intervals %s-%s and %s-%s overlap: expected intervals of one day "
                            "not to overlap", a1, b1, a2, b2);
            }
    qsort(out, *n, sizeof *out, cmp_shift);
    return 0;
}

/* "YYYY-MM-DD" exactly; -1 bad syntax, -2 out of range (msg in why). */
static int parse_date(span s, int64_t *day, char *why, size_t cap) {
    int y, m, d;
    if (s.n != 10 || !digits(s, 0, 4, &y) || s.p[4] != '-' || !digits(s, 5, 2, &m) ||
        s.p[7] != '-' || !digits(s, 8, 2, &d))
        return -1;
    if (y < 1) { snprintf(why, cap, "year 0000 out of range 0001-9999"); return -2; }
    if (m < 1 || m > 12) { snprintf(why, cap, "month %02d out of range 01-12", m); return -2; }
    int dim = cxm_days_in_month(y, m);
    if (d < 1 || d > dim) {
        snprintf(why, cap, "day %02d out of range 01-%02d for %04d-%02d", d, dim, y, m);
        return -2;
    }
    *day = cxm_days_from_civil(y, m, d);
    return 0;
}

static int add_holidays(parser *ps, const char *at, int64_t a, int64_t b) {
    cxm_calendar *c = ps->cur;
    uint64_t count = (uint64_t)(b - a) + 1;
    if (count > CXM_MAX_HOLIDAYS - c->nhol)
        return perr(ps, at, CXM_ELIMIT,
                    "more than %u holiday dates in calendar '%s' (limit CXM_MAX_HOLIDAYS)",
                    (unsigned)CXM_MAX_HOLIDAYS, c->name);
    if (c->nhol + count > c->caphol) {
        size_t cap = c->caphol ? c->caphol : 16;
        while (cap < c->nhol + count) cap *= 2;
        if (cap > CXM_MAX_HOLIDAYS) cap = CXM_MAX_HOLIDAYS;
        int64_t *h = realloc(c->hol, cap * sizeof *h);
        if (!h) return perr(ps, at, CXM_ENOMEM, "out of memory storing holidays");
        c->hol = h;
        c->caphol = cap;
    }
    for (int64_t d = a; d <= b; d++) c->hol[c->nhol++] = d;
    return 0;
}

static int parse_holiday(parser *ps, span val) {
    span rest = val;
    char why[96];
    while (rest.p) {
        span item, next;
        split(rest, ',', &item, &next);
        item = trim(item);
        const char *dots = NULL;
        for (size_t i = 0; i + 1 < item.n; i++)
            if (item.p[i] == '.' && item.p[i + 1] == '.') { dots = item.p + i; break; }
        span sa = item, sb = {NULL, 0};
        if (dots) {
            sa.n = (size_t)(dots - item.p);
            sb.p = dots + 2;
            sb.n = item.n - sa.n - 2;
            sa = trim(sa);
            sb = trim(sb);
        }
        int64_t da = 0, db = 0;
        int ra = parse_date(sa, &da, why, sizeof why);
        if (ra == -2) return perr(ps, sa.p, CXM_EPARSE, "%s in holiday '%.*s'", why, SHOWN(item));
        int rb = ra == 0 && dots ? parse_date(sb, &db, why, sizeof why) : 0;
        if (rb == -2) return perr(ps, sb.p, CXM_EPARSE, "%s in holiday '%.*s'", why, SHOWN(item));
        if (ra == -1 || rb == -1)
            return perr(ps, item.p, CXM_EPARSE,
                        "expected a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD, found '%.*s'",
                        SHOWN(item));
        if (!dots) db = da;
        if (db < da)
            return perr(ps, sb.p, CXM_EPARSE,
                        "holiday range end before start: %.*s is before %.*s (expected "
                        "START..END with END on or after START)", SHOWN(sb), SHOWN(sa));
        int rc = add_holidays(ps, item.p, da, db);
        if (rc) return rc;
        rest = next;
    }
    return 0;
}

static char *dup_span(span s) {
    char *p = malloc(s.n + 1);
    if (!p) return NULL;
    if (s.n) memcpy(p, s.p, s.n);
    p[s.n] = 0;
    return p;
}

static int parse_match(parser *ps, span val) {
    cxm_calendar *c = ps->cur;
    span col, v;
    split(val, ':', &col, &v);
    col = trim(col);
    v = trim(v);
    if (!v.p || !col.n || !v.n)
        return perr(ps, val.p, CXM_EPARSE, "expected COLUMN:VALUE (e.g. team:APAC), found '%.*s'",
                    SHOWN(val));
    if (c->nmatch >= CXM_MAX_CALENDAR_MATCHES)
        return perr(ps, val.p, CXM_ELIMIT,
                    "more than %u match lines in calendar '%s' (limit CXM_MAX_CALENDAR_MATCHES)",
                    (unsigned)CXM_MAX_CALENDAR_MATCHES, c->name);
    if (c->nmatch == c->capmatch) {
        size_t cap = c->capmatch ? c->capmatch * 2 : 4;
        char **a = realloc(c->mcol, cap * sizeof *a);
        if (!a) return perr(ps, val.p, CXM_ENOMEM, "out of memory");
        c->mcol = a;
        char **b = realloc(c->mval, cap * sizeof *b);
        if (!b) return perr(ps, val.p, CXM_ENOMEM, "out of memory");
        c->mval = b;
        c->capmatch = cap;
    }
    char *sc = dup_span(col), *sv = dup_span(v);
    if (!sc || !sv) {
        free(sc);
        free(sv);
        return perr(ps, val.p, CXM_ENOMEM, "out of memory");
    }
    c->mcol[c->nmatch] = sc;
    c->mval[c->nmatch] = sv;
    c->nmatch++;
    return 0;
}

static int parse_zone(parser *ps, span val) {
    cxm_calendar *c = ps->cur;
    if (ps->zone_line)
        return perr(ps, val.p, CXM_EPARSE,
                    "zone given twice in calendar '%s' (first at line %llu): expected one zone line",
                    c->name, (unsigned long long)ps->zone_line);
    char name[ZONE_MAX_LEN + 1];
    if (val.n > ZONE_MAX_LEN)
        return perr(ps, val.p, CXM_EPARSE, "zone name longer than %d bytes: '%.*s'", ZONE_MAX_LEN,
                    SHOWN(val));
    memcpy(name, val.p, val.n);
    name[val.n] = 0;
    cxm_diag tzd;
    memset(&tzd, 0, sizeof tzd);
    cxm_tz *tz = NULL;
    int rc = cxm_tz_load(name, &tz, &tzd);
    if (rc == CXM_ENOTFOUND)
        return perr(ps, val.p, rc,
                    "unknown zone '%s': expected an IANA name such as Europe/Berlin or an offset "
                    "such as +08:00 (zone loader: %s)", name, tzd.msg[0] ? tzd.msg : "not found");
    if (rc)
        return perr(ps, val.p, rc, "cannot load zone '%s': %s", name,
                    tzd.msg[0] ? tzd.msg : cxm_strerror(rc));
    c->own_tz = tz;
    c->tz = tz;
    ps->zone_line = ps->line;
    return 0;
}

/* Checks and completes the calendar being parsed. */
static int finish_calendar(parser *ps) {
    cxm_calendar *c = ps->cur;
    if (!c) return 0;
    ps->cur = NULL;
    uint32_t total = 0;
    for (int d = 0; d < 7; d++) total += c->nshift[d];
    if (!total) {
        uint64_t l = ps->line;
        ps->line = c->line;
        int rc = perr(ps, NULL, CXM_EDATA,
                      "calendar '%s' has no working interval: expected at least one day such as "
                      "'mon-fri = 09:00-17:00' (nothing would ever count)", c->name);
        ps->line = l;
        return rc;
    }
    /* sort and deduplicate holidays (insertion order is the file's) */
    if (c->nhol > 1) {
        int64_t *h = c->hol;
        /* shell sort keeps this dependency-free and fast for <= 65536 */
        for (size_t gap = c->nhol / 2; gap > 0; gap /= 2)
            for (size_t i = gap; i < c->nhol; i++) {
                int64_t x = h[i];
                size_t j = i;
                while (j >= gap && h[j - gap] > x) { h[j] = h[j - gap]; j -= gap; }
                h[j] = x;
            }
        size_t w = 1;
        for (size_t i = 1; i < c->nhol; i++)
            if (h[i] != h[w - 1]) h[w++] = h[i];
        c->nhol = w;
    }
    c->tmin = start_ms(c, day_min());
    c->tmax = start_ms(c, day_max());
    return 0;
}

static int is_name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '.';
}

static int start_calendar(parser *ps, span name) {
    if (!name.n || name.n > NAME_MAX_LEN)
        return perr(ps, name.p, CXM_EPARSE, "expected a calendar name of 1-%d characters in [...]",
                    NAME_MAX_LEN);
    for (size_t i = 0; i < name.n; i++)
        if (!is_name_char(name.p[i]))
            return perr(ps, name.p + i, CXM_EPARSE,
                        "expected a calendar name of letters, digits, '_', '-' or '.', found '%.*s'",
                        SHOWN(name));
    cxm_calset *s = ps->set;
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->cal[i]->name) == name.n && !memcmp(s->cal[i]->name, name.p, name.n))
            return perr(ps, name.p, CXM_EPARSE,
                        "duplicate calendar name '%.*s' (first at line %llu): expected unique names",
                        SHOWN(name), (unsigned long long)s->cal[i]->line);
    if (s->n >= CXM_MAX_CALENDARS)
        return perr(ps, name.p, CXM_ELIMIT,
                    "more than %u calendars in one file (limit CXM_MAX_CALENDARS)",
                    (unsigned)CXM_MAX_CALENDARS);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        cxm_calendar **a = realloc(s->cal, cap * sizeof *a);
        if (!a) return perr(ps, name.p, CXM_ENOMEM, "out of memory");
        s->cal = a;
        s->cap = cap;
    }
    cxm_calendar *c = calloc(1, sizeof *c);
    if (!c) return perr(ps, name.p, CXM_ENOMEM, "out of memory");
    c->name = dup_span(name);
    if (!c->name) { free(c); return perr(ps, name.p, CXM_ENOMEM, "out of memory"); }
    if (pthread_mutex_init(&c->mu, NULL)) {
        free(c->name);
        free(c);
        return perr(ps, name.p, CXM_ENOMEM, "cannot create a mutex");
    }
    c->mu_ok = 1;
    c->line = ps->line;
    c->tz = ps->deftz ? ps->deftz : cxm_tz_utc();
    s->cal[s->n++] = c;
    if (name.n == 7 && !memcmp(name.p, "default", 7)) s->def = s->n - 1;
    ps->cur = c;
    ps->zone_line = 0;
    return 0;
}

static int parse_line(parser *ps, span ln) {
    /* '#' comment, control bytes */
    const char *hash = ln.n ? memchr(ln.p, '#', ln.n) : NULL;
    if (hash) ln.n = (size_t)(hash - ln.p);
    if (ln.n && ln.p[ln.n - 1] == '\r') ln.n--;
    for (size_t i = 0; i < ln.n; i++) {
        unsigned char ch = (unsigned char)ln.p[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return perr(ps, ln.p + i, CXM_EPARSE,
                        "unexpected control byte 0x%02x: expected text", (unsigned)ch);
    }
    ln = trim(ln);
    if (!ln.n) return 0;
    if (ln.p[0] == '[') {
        if (ln.p[ln.n - 1] != ']')
            return perr(ps, ln.p + ln.n, CXM_EPARSE, "expected ']' to close the section name");
        int rc = finish_calendar(ps);
        if (rc) return rc;
        span name = {ln.p + 1, ln.n - 2};
        return start_calendar(ps, trim(name));
    }
    span key, val;
    split(ln, '=', &key, &val);
    if (!val.p)
        return perr(ps, ln.p, CXM_EPARSE, "expected 'key = value', '[name]' or a comment, found '%.*s'",
                    SHOWN(ln));
    key = trim(key);
    val = trim(val);
    if (!key.n) return perr(ps, ln.p, CXM_EPARSE, "expected a key before '='");
    if (!ps->cur)
        return perr(ps, key.p, CXM_EPARSE,
                    "expected a [name] section header before '%.*s'", SHOWN(key));
    if (!val.n) {
        const char *at = val.p ? val.p : ln.p + ln.n;
        return perr(ps, at, CXM_EPARSE, "expected a value after '%.*s ='", SHOWN(key));
    }
    if (eq_ci(key, "zone")) return parse_zone(ps, val);
    if (eq_ci(key, "match")) return parse_match(ps, val);
    if (eq_ci(key, "holiday")) return parse_holiday(ps, val);
    int selector = weekday_of(key) >= 0 || memchr(key.p, ',', key.n) || memchr(key.p, '-', key.n) ||
                   looks_like_weekday(key);
    if (!selector)
        return perr(ps, key.p, CXM_EPARSE,
                    "unknown key '%.*s' (expected zone, match, holiday or days such as mon, "
                    "mon-fri, 'sat, sun')", SHOWN(key));
    unsigned mask;
    int rc = parse_days(ps, key, &mask);
    if (rc) return rc;
    shift sh[NSHIFT];
    uint32_t n;
    rc = parse_shifts(ps, val, sh, &n);
    if (rc) return rc;
    for (int d = 0; d < 7; d++)
        if (mask & (1u << d)) {
            memcpy(ps->cur->week[d], sh, n * sizeof *sh);
            ps->cur->nshift[d] = n;
        }
    return 0;
}

int cxm_calset_parse(const char *name, const char *text, size_t len, const cxm_tz *default_tz,
                     cxm_calset **out, cxm_diag *diag) {
    *out = NULL;
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.file = name ? name : "<calendar>";
    ps.diag = diag;
    ps.deftz = default_tz;
    if (!text && len) return cxm_diag_set(diag, CXM_EINVAL, ps.file, 0, 0, NULL, "no text");
    if (len > CXM_MAX_CALENDAR_FILE_BYTES)
        return cxm_diag_set(diag, CXM_ELIMIT, ps.file, 0, 0, NULL,
                            "calendar file larger than %u bytes (limit CXM_MAX_CALENDAR_FILE_BYTES)",
                            (unsigned)CXM_MAX_CALENDAR_FILE_BYTES);
    ps.set = calloc(1, sizeof *ps.set);
    if (!ps.set) return cxm_diag_set(diag, CXM_ENOMEM, ps.file, 0, 0, NULL, "out of memory");
    size_t pos = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) pos = 3;
    int rc = 0;
    while (pos < len && !rc) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        ps.line++;
        ps.ls = text + pos;
        span ln = {text + pos, end - pos};
        rc = parse_line(&ps, ln);
        pos = end + 1;
    }
    if (!rc) {
        ps.ls = NULL;
        rc = finish_calendar(&ps);
    }
    if (!rc && ps.set->n == 0)
        rc = cxm_diag_set(diag, CXM_EDATA, ps.file, 0, 0, NULL,
                          "no calendar in the file: expected a [name] section with working hours");
    if (rc) {
        cxm_calset_free(ps.set);
        return rc;
    }
    *out = ps.set;
    return 0;
}

int cxm_calset_load(const char *path, const cxm_tz *default_tz, cxm_calset **out, cxm_diag *diag) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot open calendar file");
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        if (len == cap) {
            if (cap > CXM_MAX_CALENDAR_FILE_BYTES) break; /* parse reports the limit */
            size_t ncap = cap * 2 > (size_t)CXM_MAX_CALENDAR_FILE_BYTES + 1
                              ? (size_t)CXM_MAX_CALENDAR_FILE_BYTES + 1 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    if (!buf) rc = cxm_diag_set(diag, CXM_ENOMEM, path, 0, 0, NULL, "out of memory reading file");
    else if (ferror(f)) rc = cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "read error");
    fclose(f);
    if (!rc) rc = cxm_calset_parse(path, buf, len, default_tz, out, diag);
    free(buf);
    return rc;
}
