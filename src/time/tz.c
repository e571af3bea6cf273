/*
 * tz.c - IANA time zones: a TZif reader (RFC 8536, versions 1-4) with a
 * POSIX TZ footer evaluator, fixed-offset zones, and a fast offset lookup.
 *
 * Representation (docs/internals/time.md): a zone is one immutable block of
 *   times[0..n)   instants (UTC seconds) where the offset changes, strictly
 *                 ascending: the file's transitions, then transitions
 *                 generated from the footer rule for 400 years after the
 *                 last one (a POSIX rule repeats every 400 Gregorian years,
 *                 146097 days, a whole number of weeks);
 *   offs[0..n]    offs[k] is the offset (seconds east) in force from
 *                 times[k-1] (inclusive) to times[k] (exclusive); offs[0]
 *                 rules before the first transition (time type 0, RFC 8536);
 *   tab[0..ntab)  for the bucket of 2^20 seconds (~12 days) starting at
 *                 tab_lo + (b << 20), the number of transitions at or
 *                 before the bucket's start (years 1900-2200).
 * cxm_tz_offset is then: one bucket lookup, usually zero or one comparison
 * with times[k] (no zone has two changes 12 days apart in practice; the loop
 * handles it anyway). Outside 1900-2200 it binary-searches; past the
 * generated 400 years a rule zone folds the instant back by whole 400-year
 * cycles. Zones are never modified after cxm_tz_load returns, so any number
 * of threads may share one.
 *
 * Sizes: a TZif file has at most CXM_MAX_TZ_TRANSITIONS transitions (real
 * files: up to ~240 in fat form, a dozen in slim form) plus ~800 generated,
 * so indexes fit uint16_t; the table is ~9000 entries (18 KB per zone).
 * Leap-second ("right/") files are rejected: cxm instants are POSIX seconds.
 */
#include "time/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/limits.h"
#include "time/civil.h"

#define TAB_SHIFT 20
#define TAB_LO (-2208988800LL)  /* 1900-01-01T00:00:00Z */
#define TAB_HI 7258118400LL     /* 2200-01-01T00:00:00Z */
#define CYCLE_DAYS 146097LL     /* 400 Gregorian years */
#define CYCLE_SECS (CYCLE_DAYS * 86400LL)
#define MAX_UTOFF 93599         /* 25:59:59, RFC 8536 recommended bound */
#define MAX_ABS_TIME (1LL << 60) /* transition instants beyond this are garbage */
#define TZ_NAME_MAX 255
#define FOOTER_MAX 255
/* A TZif file cannot legitimately be larger than this (derived from the
 * transition cap: two data blocks of 13 bytes a transition, plus 256 types,
 * designations and the footer). */
#define TZIF_MAX_BYTES (65536u + CXM_MAX_TZ_TRANSITIONS * 16u)
#define GEN_MAX 1000u           /* generated footer transitions (<= ~806) */

struct cxm_tz {
    const int64_t *times; /* n, ascending */
    const int32_t *offs;  /* n + 1 */
    const uint16_t *tab;  /* ntab */
    uint32_t n, ntab;
    int64_t tab_lo, tab_hi; /* fast path covers [tab_lo, tab_hi) */
    int cyclic;             /* footer with DST: fold instants by 400 years */
    int cyc_everywhere;     /* ... in both directions (no file transitions) */
    int64_t cyc_from;       /* the footer alone rules from here on */
    int64_t cyc_end;        /* cyc_from + CYCLE_SECS */
    int is_static;
    int32_t fixed;          /* storage for offs when n == 0 */
    char name[TZ_NAME_MAX + 1];
};

static const cxm_tz utc_zone = {
    .times = NULL, .offs = &utc_zone.fixed, .tab = NULL, .n = 0, .ntab = 0,
    .tab_lo = 1, .tab_hi = 0, .cyclic = 0, .cyc_everywhere = 0, .cyc_from = 0,
    .cyc_end = 0, .is_static = 1, .fixed = 0, .name = "UTC"};

const cxm_tz *cxm_tz_utc(void) { return &utc_zone; }

const char *cxm_tz_name(const cxm_tz *tz) { return tz ? tz->name : utc_zone.name; }

void cxm_tz_free(cxm_tz *tz) {
    if (!tz || tz->is_static) return;
    free(tz);
}

/* ---- lookup ------------------------------------------------------------ */

static int32_t offset_search(const cxm_tz *tz, int64_t t) {
    if (tz->cyclic && (t >= tz->cyc_end || (tz->cyc_everywhere && t < tz->cyc_from))) {
        /* Fold into [cyc_from, cyc_end): written so that nothing overflows. */
        int64_t r = cxm_floormod(cxm_floormod(t, CYCLE_SECS) - cxm_floormod(tz->cyc_from, CYCLE_SECS),
                                 CYCLE_SECS);
        t = tz->cyc_from + r;
    }
    uint32_t lo = 0, hi = tz->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tz->times[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return tz->offs[lo];
}

int32_t cxm_tz_offset(const cxm_tz *tz, int64_t t) {
    if (!tz) return 0;
    if (t >= tz->tab_lo && t < tz->tab_hi) {
        uint32_t k = tz->tab[(uint64_t)(t - tz->tab_lo) >> TAB_SHIFT];
        while (k < tz->n && tz->times[k] <= t) k++;
        return tz->offs[k];
    }
    if (tz->n == 0) return tz->offs[0];
    return offset_search(tz, t);
}

/*
 * Local wall-clock seconds -> UTC. The offsets a day before and a day after
 * bracket any single transition near `local` (transitions are assumed to be
 * more than two days apart, true of every IANA zone since 1970):
 *  - both candidates valid (overlap, clocks went back): the earlier instant;
 *  - one valid: that one;
 *  - none valid (gap, clocks went forward): local - offset_before, i.e. the
 *    wall time moved forward by the length of the gap.
 */
int64_t cxm_tz_from_local(const cxm_tz *tz, int64_t local) {
    const int64_t lim = INT64_C(1) << 62;
    if (!tz) return local;
    if (local > lim) local = lim;
    if (local < -lim) local = -lim;
    int32_t oa = cxm_tz_offset(tz, local - 86400);
    int32_t ob = cxm_tz_offset(tz, local + 86400);
    int64_t ta = local - oa, tb = local - ob;
    int va = cxm_tz_offset(tz, ta) == oa;
    if (oa == ob) {
        if (va) return ta;
        /* Two transitions inside the window: try the offset in force there. */
        int32_t oc = cxm_tz_offset(tz, ta);
        int64_t tc = local - oc;
        return cxm_tz_offset(tz, tc) == oc ? tc : ta;
    }
    int vb = cxm_tz_offset(tz, tb) == ob;
    if (va && vb) return ta < tb ? ta : tb;
    if (vb) return tb;
    return ta; /* valid, or a gap: read with the offset before it */
}

/* ---- POSIX TZ strings (the TZif footer) --------------------------------- */

typedef struct rule_date {
    char kind; /* 'J' (Jn, 1-365, no Feb 29), 'N' (n, 0-365), 'M' (Mm.w.d) */
    int a, b, c;
    int32_t time; /* local seconds after midnight, may be < 0 or > 86400 (v3) */
} rule_date;

typedef struct posix_tz {
    int32_t std_off, dst_off; /* seconds east */
    int has_dst;
    rule_date start, end;
} posix_tz;

typedef struct cursor {
    const char *p, *end;
} cursor;

static int cur_digit(const cursor *c) { return c->p < c->end && *c->p >= '0' && *c->p <= '9'; }

static int parse_num(cursor *c, int maxdigits, long min, long max, long *out) {
    long v = 0;
    int nd = 0;
    while (cur_digit(c) && nd < maxdigits) {
        v = v * 10 + (*c->p - '0');
        c->p++;
        nd++;
    }
    if (nd == 0 || cur_digit(c) || v < min || v > max) return -1;
    *out = v;
    return 0;
}

static int is_alpha(char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'); }

static int parse_tzname(cursor *c) {
    const char *s = c->p;
    if (c->p < c->end && *c->p == '<') {
        c->p++;
        s = c->p;
        while (c->p < c->end && *c->p != '>') {
            char ch = *c->p;
            if (!(is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '+' || ch == '-')) return -1;
            c->p++;
        }
        if (c->p >= c->end || c->p - s < 3) return -1;
        c->p++; /* '>' */
        return 0;
    }
    while (c->p < c->end && is_alpha(*c->p)) c->p++;
    return c->p - s >= 3 ? 0 : -1;
}

/* [+-]hh[:mm[:ss]] with hh <= maxh; the value as signed seconds. */
static int parse_hms(cursor *c, long maxh, int32_t *out) {
    long sign = 1, h, m = 0, s = 0;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-')) {
        if (*c->p == '-') sign = -1;
        c->p++;
    }
    if (parse_num(c, 3, 0, maxh, &h)) return -1;
    if (c->p < c->end && *c->p == ':') {
        c->p++;
        if (parse_num(c, 2, 0, 59, &m)) return -1;
        if (c->p < c->end && *c->p == ':') {
            c->p++;
            if (parse_num(c, 2, 0, 59, &s)) return -1;
        }
    }
    *out = (int32_t)(sign * (h * 3600 + m * 60 + s));
    return 0;
}

static int parse_rule_date(cursor *c, rule_date *r) {
    long a, b, d;
    if (c->p >= c->end) return -1;
    if (*c->p == 'J') {
        c->p++;
        if (parse_num(c, 3, 1, 365, &a)) return -1;
        r->kind = 'J';
        r->a = (int)a;
    } else if (*c->p == 'M') {
        c->p++;
        if (parse_num(c, 2, 1, 12, &a)) return -1;
        if (c->p >= c->end || *c->p != '.') return -1;
        c->p++;
        if (parse_num(c, 1, 1, 5, &b)) return -1;
        if (c->p >= c->end || *c->p != '.') return -1;
        c->p++;
        if (parse_num(c, 1, 0, 6, &d)) return -1;
        r->kind = 'M';
        r->a = (int)a;
        r->b = (int)b;
        r->c = (int)d;
    } else {
        if (parse_num(c, 3, 0, 365, &a)) return -1;
        r->kind = 'N';
        r->a = (int)a;
    }
    r->time = 7200;
    if (c->p < c->end && *c->p == '/') {
        c->p++;
        if (parse_hms(c, 167, &r->time)) return -1; /* RFC 8536 v3: -167..167 h */
    }
    return 0;
}

/* Parses a POSIX TZ string (e.g. "CET-1CEST,M3.5.0,M10.5.0/3"). */
static int parse_posix_tz(const char *s, size_t n, posix_tz *tz) {
    cursor c = {s, s + n};
    int32_t off;
    memset(tz, 0, sizeof *tz);
    if (parse_tzname(&c)) return -1;
    if (parse_hms(&c, 24, &off)) return -1;
    tz->std_off = -off; /* POSIX offsets are positive west of Greenwich */
    if (c.p == c.end) return 0;
    if (parse_tzname(&c)) return -1;
    tz->has_dst = 1;
    tz->dst_off = tz->std_off + 3600;
    if (c.p < c.end && *c.p != ',') {
        if (parse_hms(&c, 24, &off)) return -1;
        tz->dst_off = -off;
    }
    if (c.p == c.end) {
        /* No rule: tzcode's default (US rules since 2007). */
        tz->start = (rule_date){'M', 3, 2, 0, 7200};
        tz->end = (rule_date){'M', 11, 1, 0, 7200};
        return 0;
    }
    if (*c.p != ',') return -1;
    c.p++;
    if (parse_rule_date(&c, &tz->start)) return -1;
    if (c.p >= c.end || *c.p != ',') return -1;
    c.p++;
    if (parse_rule_date(&c, &tz->end)) return -1;
    return c.p == c.end ? 0 : -1;
}

/* The local day number on which rule r falls in year y. */
static int64_t rule_day(const rule_date *r, int64_t y) {
    int64_t jan1 = cxm_days_from_civil(y, 1, 1);
    switch (r->kind) {
    case 'J':
        return jan1 + r->a - 1 + (cxm_is_leap(y) && r->a >= 60);
    case 'N':
        return jan1 + r->a;
    default: {
        int64_t first = cxm_days_from_civil(y, r->a, 1);
        int wd_sun0 = (cxm_weekday(first) + 1) % 7; /* 0 = Sunday */
        int64_t day = first + (r->c - wd_sun0 + 7) % 7 + (int64_t)(r->b - 1) * 7;
        int64_t last = first + cxm_days_in_month(y, r->a) - 1;
        while (day > last) day -= 7;
        return day;
    }
    }
}

/* ---- building a zone ---------------------------------------------------- */

typedef struct event {
    int64_t t;
    int32_t off;
} event;

/* Stable insertion sort: the generated events are nearly sorted already. */
static void sort_events(event *e, size_t n) {
    for (size_t i = 1; i < n; i++) {
        event x = e[i];
        size_t j = i;
        while (j > 0 && e[j - 1].t > x.t) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = x;
    }
}

/*
 * Builds the immutable zone from the file's transitions (ftimes/foffs, nf
 * of them; foffs[k] is the offset after ftimes[k]), the offset before the
 * first one, and the footer rule (NULL if none).
 */
static int build_zone(const char *name, const int64_t *ftimes, const int32_t *foffs, uint32_t nf,
                      int32_t before, const posix_tz *rule, int have_rule, cxm_tz **out,
                      cxm_diag *diag) {
    event *ev = NULL;
    size_t nev = 0;
    int cyclic = have_rule && rule->has_dst;
    int everywhere = cyclic && nf == 0;
    int64_t from = nf ? ftimes[nf - 1] : 0;
    int32_t footer_at_from = 0;
    int64_t cyc_from = from;

    /* RFC 8536: with no transitions, a non-empty footer rules every instant. */
    if (have_rule && !rule->has_dst && nf == 0) before = rule->std_off;
    if (cyclic) {
        int64_t y0, y1;
        int mm, dd;
        cxm_civil_from_days(cxm_floordiv(from, 86400), &y0, &mm, &dd);
        cxm_civil_from_days(cxm_floordiv(from + CYCLE_SECS, 86400), &y1, &mm, &dd);
        y0 -= 2;
        y1 += 4; /* the fold may start up to a year after `from` */
        ev = malloc(sizeof *ev * (size_t)(y1 - y0 + 1) * 2);
        if (!ev) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory loading zone %s", name);
        for (int64_t y = y0; y <= y1; y++) {
            ev[nev].t = rule_day(&rule->start, y) * 86400 + rule->start.time - rule->std_off;
            ev[nev++].off = rule->dst_off;
            ev[nev].t = rule_day(&rule->end, y) * 86400 + rule->end.time - rule->dst_off;
            ev[nev++].off = rule->std_off;
        }
        sort_events(ev, nev);
        /* Between the file's last transition and the footer's first event
         * after it, the last transition's type rules (zic relies on this in
         * slim files), so the 400-year fold starts at that first event. */
        for (size_t i = 0; i < nev; i++)
            if (ev[i].t > from) {
                cyc_from = everywhere ? from : ev[i].t;
                break;
            }
        /* The footer's own offset at `from` (used when there are no file
         * transitions): the last event at or before it. */
        footer_at_from = rule->std_off;
        for (size_t i = 0; i < nev && ev[i].t <= from; i++) footer_at_from = ev[i].off;
    }

    /* Upper bound on the combined count, then allocate one block. */
    size_t ncap = (size_t)nf + nev + 1;
    if (ncap > 65535u) {
        free(ev);
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL, "zone %s: too many transitions", name);
    }
    int64_t tlo = TAB_LO, thi = TAB_HI;
    if (cyclic && thi > cyc_from + CYCLE_SECS) thi = cyc_from + CYCLE_SECS;
    if (everywhere && tlo < from) tlo = from;
    int use_tab = thi > tlo && (nf > 0 || cyclic);
    uint32_t ntab = use_tab ? (uint32_t)(((uint64_t)(thi - tlo) + (1u << TAB_SHIFT) - 1) >> TAB_SHIFT) : 0;
    size_t bytes = sizeof(cxm_tz) + 8 + ncap * sizeof(int64_t) + (ncap + 1) * sizeof(int32_t) +
                   (size_t)ntab * sizeof(uint16_t);
    cxm_tz *tz = malloc(bytes);
    if (!tz) {
        free(ev);
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory loading zone %s", name);
    }
    memset(tz, 0, sizeof *tz);
    unsigned char *mem = (unsigned char *)(tz + 1);
    mem += (8 - ((uintptr_t)mem & 7)) & 7;
    int64_t *times = (int64_t *)(void *)mem;
    int32_t *offs = (int32_t *)(void *)(times + ncap);
    uint16_t *tab = (uint16_t *)(void *)(offs + ncap + 1);

    /* Merge: file transitions, then footer events after the last one (or
     * all of them for a footer-only zone), dropping changes to the same
     * offset and keeping the last of equal instants. */
    uint32_t n = 0;
    int32_t cur = everywhere ? footer_at_from : before;
    offs[0] = cur;
    for (uint32_t i = 0; i < nf + (uint32_t)nev; i++) {
        int64_t t;
        int32_t o;
        if (i < nf) {
            t = ftimes[i];
            o = foffs[i];
        } else {
            const event *e = &ev[i - nf];
            /* events at or before `from` are the file's (or, for a
             * footer-only zone, folded into offs[0]) */
            if (e->t <= from || e->t > cyc_from + CYCLE_SECS + 2 * 86400 * 366LL) continue;
            t = e->t;
            o = e->off;
        }
        if (n > 0 && times[n - 1] == t) {
            offs[n] = o;
            if (offs[n] == offs[n - 1]) n--; /* became a no-op */
            cur = offs[n];
            continue;
        }
        if (o == cur) continue;
        times[n] = t;
        offs[n + 1] = o;
        n++;
        cur = o;
    }
    free(ev);

    tz->times = times;
    tz->offs = offs;
    tz->n = n;
    tz->cyclic = cyclic;
    tz->cyc_everywhere = everywhere;
    tz->cyc_from = cyc_from;
    tz->cyc_end = cyc_from + CYCLE_SECS;
    if (use_tab && n > 0) {
        uint32_t k = 0;
        for (uint32_t b = 0; b < ntab; b++) {
            int64_t s = tlo + ((int64_t)b << TAB_SHIFT);
            while (k < n && times[k] <= s) k++;
            tab[b] = (uint16_t)k;
        }
        tz->tab = tab;
        tz->ntab = ntab;
        tz->tab_lo = tlo;
        tz->tab_hi = tlo + ((int64_t)ntab << TAB_SHIFT);
        if (tz->tab_hi > thi) tz->tab_hi = thi;
    } else {
        tz->tab_lo = 1; /* empty range: never taken */
        tz->tab_hi = 0;
    }
    snprintf(tz->name, sizeof tz->name, "%s", name);
    *out = tz;
    return 0;
}

/* ---- TZif -------------------------------------------------------------- */

typedef struct tzif_hdr {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
    char version;
} tzif_hdr;

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
    uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
    return (int64_t)v; /* two's complement on every supported target */
}

static int read_hdr(const unsigned char *p, size_t len, tzif_hdr *h) {
    if (len < 44 || memcmp(p, "TZif", 4) != 0) return -1;
    h->version = (char)p[4];
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return 0;
}

static uint64_t block_size(const tzif_hdr *h, unsigned tsize) {
    return (uint64_t)h->timecnt * tsize + h->timecnt + (uint64_t)h->typecnt * 6 + h->charcnt +
           (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

#define PARSE_ERR(...) cxm_diag_set(diag, CXM_EPARSE, path, 0, 0, NULL, __VA_ARGS__)

static int parse_tzif(const char *name, const char *path, const unsigned char *buf, size_t len,
                      cxm_tz **out, cxm_diag *diag) {
    tzif_hdr h;
    if (read_hdr(buf, len, &h)) return PARSE_ERR("zone %s: not a TZif file (no 'TZif' header)", name);
    if (h.version != 0 && h.version < '2')
        return PARSE_ERR("zone %s: unsupported TZif version byte 0x%02x", name, (unsigned char)h.version);
    size_t pos = 44;
    unsigned tsize = 4;
    if (h.version >= '2') {
        uint64_t skip = block_size(&h, 4);
        if (skip > len - pos) return PARSE_ERR("zone %s: truncated TZif file (version 1 data block)", name);
        pos += (size_t)skip;
        if (read_hdr(buf + pos, len - pos, &h)) return PARSE_ERR("zone %s: missing version 2+ header", name);
        pos += 44;
        tsize = 8;
    }
    if (h.leapcnt != 0)
        return PARSE_ERR("zone %s: leap-second (\"right/\") zones are not supported", name);
    if (h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0 || h.charcnt > 65536 ||
        (h.isutcnt != 0 && h.isutcnt != h.typecnt) || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt))
        return PARSE_ERR("zone %s: inconsistent TZif counts", name);
    if (h.timecnt > CXM_MAX_TZ_TRANSITIONS)
        return cxm_diag_set(diag, CXM_ELIMIT, path, 0, 0, NULL,
                            "zone %s: %u transitions exceed CXM_MAX_TZ_TRANSITIONS (%u)", name,
                            h.timecnt, CXM_MAX_TZ_TRANSITIONS);
    if (block_size(&h, tsize) > len - pos) return PARSE_ERR("zone %s: truncated TZif data block", name);

    const unsigned char *tp = buf + pos;
    const unsigned char *ip = tp + (size_t)h.timecnt * tsize;
    const unsigned char *ttp = ip + h.timecnt;
    pos += (size_t)block_size(&h, tsize);

    int32_t utoff[256];
    for (uint32_t i = 0; i < h.typecnt; i++) {
        const unsigned char *q = ttp + 6 * i;
        int32_t o = (int32_t)be32(q);
        if (o < -MAX_UTOFF || o > MAX_UTOFF)
            return PARSE_ERR("zone %s: UT offset %ld of type %u out of range", name, (long)o, i);
        if (q[4] > 1 || q[5] >= h.charcnt) return PARSE_ERR("zone %s: malformed time type %u", name, i);
        utoff[i] = o;
    }

    int64_t *ft = NULL;
    int32_t *fo = NULL;
    if (h.timecnt) {
        ft = malloc(sizeof *ft * h.timecnt);
        fo = malloc(sizeof *fo * h.timecnt);
        if (!ft || !fo) {
            free(ft);
            free(fo);
            return cxm_diag_set(diag, CXM_ENOMEM, path, 0, 0, NULL, "out of memory loading zone %s", name);
        }
    }
    int rc = 0;
    for (uint32_t i = 0; i < h.timecnt; i++) {
        int64_t t = tsize == 8 ? be64(tp + 8 * (size_t)i) : (int64_t)(int32_t)be32(tp + 4 * (size_t)i);
        if (t < -MAX_ABS_TIME || t > MAX_ABS_TIME) {
            rc = PARSE_ERR("zone %s: transition %u at an impossible instant", name, i);
            break;
        }
        if (i > 0 && t <= ft[i - 1]) {
            rc = PARSE_ERR("zone %s: transitions not in ascending order at %u", name, i);
            break;
        }
        if (ip[i] >= h.typecnt) {
            rc = PARSE_ERR("zone %s: transition %u names type %u of %u", name, i, ip[i], h.typecnt);
            break;
        }
        ft[i] = t;
        fo[i] = utoff[ip[i]];
    }

    posix_tz rule;
    int have_rule = 0;
    if (rc == 0 && tsize == 8) {
        /* Footer: '\n' TZ-string '\n' (the string may be empty). */
        if (pos >= len || buf[pos] != '\n') {
            rc = PARSE_ERR("zone %s: missing TZif footer", name);
        } else {
            size_t s = pos + 1, e = s;
            while (e < len && e - s <= FOOTER_MAX && buf[e] != '\n') e++;
            if (e >= len || buf[e] != '\n') {
                rc = PARSE_ERR("zone %s: unterminated or overlong TZif footer", name);
            } else if (e > s) {
                if (parse_posix_tz((const char *)buf + s, e - s, &rule))
                    rc = PARSE_ERR("zone %s: malformed POSIX TZ footer \"%.*s\"", name, (int)(e - s),
                                   (const char *)buf + s);
                else
                    have_rule = 1;
            }
        }
    }
    if (rc == 0)
        rc = build_zone(name, ft, fo, h.timecnt, utoff[0], &rule, have_rule, out, diag);
    free(ft);
    free(fo);
    return rc;
}

/* ---- names -------------------------------------------------------------- */

/* "+08:00", "-0530", "+08", "+8" after an optional "UTC": seconds east. */
static int parse_fixed(const char *s, int32_t *off) {
    int sign;
    if (*s == '+')
        sign = 1;
    else if (*s == '-')
        sign = -1;
    else
        return -1;
    s++;
    int nd = 0;
    int v = 0;
    while (s[nd] >= '0' && s[nd] <= '9' && nd < 5) {
        v = v * 10 + (s[nd] - '0');
        nd++;
    }
    int h, m = 0;
    if (nd == 1 || nd == 2) {
        h = v;
        if (s[nd] == ':') {
            const char *q = s + nd + 1;
            if (!(q[0] >= '0' && q[0] <= '9' && q[1] >= '0' && q[1] <= '9') || q[2] != '\0') return -1;
            m = (q[0] - '0') * 10 + (q[1] - '0');
        } else if (s[nd] != '\0') {
            return -1;
        }
    } else if (nd == 4 && s[4] == '\0') {
        h = v / 100;
        m = v % 100;
    } else {
        return -1;
    }
    if (m > 59 || h * 60 + m > 18 * 60) return -1;
    *off = (int32_t)(sign * (h * 3600 + m * 60));
    return 0;
}

static int ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return 0;
    }
    return *a == *b;
}

static int make_fixed(const char *name, int32_t off, cxm_tz **out, cxm_diag *diag) {
    cxm_tz *tz = calloc(1, sizeof *tz);
    if (!tz) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory loading zone %s", name);
    tz->fixed = off;
    tz->offs = &tz->fixed;
    tz->tab_lo = 1;
    tz->tab_hi = 0;
    snprintf(tz->name, sizeof tz->name, "%s", name);
    *out = tz;
    return 0;
}

static int valid_zone_name(const char *name) {
    if (!name[0] || name[0] == '/' || strstr(name, "..")) return 0;
    for (const char *p = name; *p; p++) {
        char ch = *p;
        if (!(is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' || ch == '-' ||
              ch == '+' || ch == '.'))
            return 0;
    }
    return 1;
}

int cxm_tz_load(const char *name, cxm_tz **out, cxm_diag *diag) {
    if (!out) return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "cxm_tz_load: out is NULL");
    *out = NULL;
    if (!name || !name[0])
        return cxm_diag_set(diag, CXM_ENOTFOUND, NULL, 0, 0, NULL, "empty time-zone name");
    size_t nlen = strlen(name);
    if (nlen > TZ_NAME_MAX)
        return cxm_diag_set(diag, CXM_ENOTFOUND, NULL, 0, 0, NULL, "time-zone name longer than %d bytes",
                            TZ_NAME_MAX);
    int32_t off;
    if (ieq(name, "UTC") || ieq(name, "Etc/UTC") || ieq(name, "Z")) return make_fixed(name, 0, out, diag);
    if (name[0] == '+' || name[0] == '-' ||
        ((name[0] == 'U' || name[0] == 'u') && (name[1] == 'T' || name[1] == 't') &&
         (name[2] == 'C' || name[2] == 'c') && (name[3] == '+' || name[3] == '-'))) {
        const char *s = name[0] == '+' || name[0] == '-' ? name : name + 3;
        if (parse_fixed(s, &off))
            return cxm_diag_set(diag, CXM_ENOTFOUND, NULL, 0, 0, NULL,
                                "malformed fixed offset \"%s\": expected +HH:MM, +HHMM, +HH or UTC+H "
                                "within +-18:00", name);
        return make_fixed(name, off, out, diag);
    }
    if (!valid_zone_name(name))
        return cxm_diag_set(diag, CXM_ENOTFOUND, NULL, 0, 0, NULL,
                            "invalid time-zone name \"%s\" (expected an IANA name such as "
                            "Europe/Berlin; no '..', no absolute path)", name);

    const char *dir = getenv("TZDIR");
    if (!dir || !dir[0]) dir = "/usr/share/zoneinfo";
    char path[4096];
    int pn = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (pn < 0 || (size_t)pn >= sizeof path)
        return cxm_diag_set(diag, CXM_ENOTFOUND, NULL, 0, 0, NULL, "zone path for %s too long", name);

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR || e == ELOOP || e == ENAMETOOLONG)
            return cxm_diag_set(diag, CXM_ENOTFOUND, path, 0, 0, NULL, "unknown time zone \"%s\"", name);
        return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot open zone file: %s", strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cxm_diag_set(diag, CXM_ENOTFOUND, path, 0, 0, NULL, "unknown time zone \"%s\" (not a zone file)",
                            name);
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > TZIF_MAX_BYTES) {
        close(fd);
        return cxm_diag_set(diag, CXM_EPARSE, path, 0, 0, NULL, "zone %s: file too large for a TZif file",
                            name);
    }
    size_t cap = (size_t)st.st_size;
    unsigned char *buf = malloc(cap ? cap : 1);
    if (!buf) {
        close(fd);
        return cxm_diag_set(diag, CXM_ENOMEM, path, 0, 0, NULL, "out of memory loading zone %s", name);
    }
    size_t len = 0;
    while (len < cap) {
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot read zone file: %s", strerror(e));
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    int rc = parse_tzif(name, path, buf, len, out, diag);
    free(buf);
    return rc;
}
