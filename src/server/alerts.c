/*
 * alerts.c - alert rules (the INI file of docs/ALERTS.md), the default
 * evaluator over a store, and the per-(rule, group) state machine that
 * turns values into firing / resolved events with their JSON payloads
 * (alerts.h). No threads and no network here: alerts_run.c delivers.
 *
 * Rules file: "[name]" starts a rule, "key = value" lines fill it, '#' or
 * ';' start a comment line, " #" starts a trailing comment. An optional
 * [defaults] section before the first rule gives webhook, secret, window, min_n,
 * repeat, cooldown, confidence and the engine options to every rule. Keys
 * are checked as they come (unknown key, bad value, duplicate) and each
 * rule as a whole when its section ends (missing metric, condition, window,
 * webhook; stat against the metric's kind; threshold against its unit).
 *
 * State: an array of (rule, group JSON text) entries, looked up linearly;
 * only groups that are firing, or resolved within their rule's cooldown,
 * have an entry (the others are forgotten at the start of each
 * evaluation), up to CXM_MAX_ALERT_STATES.
 * Sizes: a rules file up to CXM_MAX_ALERT_FILE_BYTES, CXM_MAX_ALERT_RULES
 * rules; one evaluation runs one report per rule over one snapshot of the
 * store (a significant-change rule's report adds the engine's --compare).
 */
#include "alerts.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/diag.h"
#include "../core/limits.h"
#include "../store/store.h"

typedef struct astate {
    size_t rule;
    char *group; /* owned JSON text */
    int firing;
    int seen;              /* met by an observation in the current evaluation */
    int suppressed_logged; /* a SUPPRESSED event was given for the current cooldown */
    cxm_time fired_at;     /* last ok -> firing, CXM_TIME_NULL if never */
    cxm_time last_post;    /* last firing or repeat post */
} astate;

struct cxm_alert_set {
    cxm_alert_rule *rules;
    size_t n;
    astate *st;
    size_t nst, capst;
};

/* ---- small helpers ---------------------------------------------------------- */

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A JSON string of s; bytes that are not valid UTF-8 become '?'. */
static json_t *jstr(const char *s) {
    json_t *j = json_string(s ? s : "");
    if (j) return j;
    size_t n = strlen(s);
    char *t = malloc(n + 1);
    if (!t) return NULL;
    for (size_t i = 0; i <= n; i++)
        t[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    j = json_string(t);
    free(t);
    return j;
}

static void trim(const char **s, size_t *n) {
    while (*n && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

static int64_t floordiv64(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* ms -> "2024-06-01T10:00:00Z" (".123" before the Z when ms are not 0); cap >= 32. */
static void fmt_time(cxm_time t, char *buf, size_t cap) {
    int64_t secs = floordiv64(t, 1000);
    int ms = (int)(t - secs * 1000);
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, cap, "1970-01-01T00:00:00Z");
        return;
    }
    char day[24];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    if (ms)
        snprintf(buf, cap, "%.19s.%03dZ", day, ms);
    else
        snprintf(buf, cap, "%.19sZ", day);
}

/* A number (strtod syntax, finite) filling all of s[0..n). */
static int parse_num(const char *s, size_t n, double *out) {
    char tmp[64];
    if (!n || n >= sizeof tmp) return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (tmp[0] != '-' && tmp[0] != '+' && tmp[0] != '.' && (tmp[0] < '0' || tmp[0] > '9')) return -1;
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (errno || *end || !isfinite(v)) return -1;
    for (size_t i = 0; i < n; i++)
        if (tmp[i] == 'x' || tmp[i] == 'X') return -1; /* no hex */
    *out = v;
    return 0;
}

/* Durations: "90" (seconds), "90s", "30m", "1h30m", "1.5h", "7d"; units in
 * descending order, each once. Result in ms, > 0 and at most 10 years. */
static int parse_dur(const char *s, size_t n, int64_t *out) {
    static const struct {
        char c;
        double ms;
    } units[] = {{'d', 86400e3}, {'h', 3600e3}, {'m', 60e3}, {'s', 1e3}};
    trim(&s, &n);
    if (!n) return -1;
    double acc = 0;
    size_t i = 0;
    int last = -1;
    while (i < n) {
        size_t j = i;
        while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.'))
            j++;
        double v;
        if (j == i || parse_num(s + i, j - i, &v)) return -1;
        if (j == n) {
            if (last >= 0) return -1; /* "1h30": a unit is missing */
            acc += v * 1e3;
            i = j;
            break;
        }
        int u = -1;
        for (int k = 0; k < 4; k++)
            if (s[j] == units[k].c) u = k;
        if (u < 0 || u <= last) return -1;
        last = u;
        acc += v * units[u].ms;
        i = j + 1;
    }
    if (!(acc >= 1) || acc > 3650.0 * 86400e3) return -1;
    *out = (int64_t)llround(acc);
    return 0;
}

static int is_distribution(const cxm_metric_info *m) {
    return m && m->kind == CXM_KIND_DISTRIBUTION;
}

static int valid_stat(const char *s) {
    static const char *const ok[] = {"mean", "median", "min", "max", "p25", "p50", "p75", "p90", "p95", "p99"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(s, ok[i])) return 1;
    return 0;
}

/* The engine's --compare has a significance test for the metric: the
 * two-proportion z test (rates), the NPS z test (scores) or Welch's t (a
 * distribution's mean); medians, percentiles and counts get none
 * (docs/METRICS.md, "Comparing periods"). */
static int change_testable(const cxm_metric_info *m, const char *stat) {
    if (!m) return 0;
    if (m->kind == CXM_KIND_RATE || m->kind == CXM_KIND_SCORE) return 1;
    return m->kind == CXM_KIND_DISTRIBUTION && !strcmp(stat, "mean");
}

/* ---- the rules file ------------------------------------------------------------ */

enum key {
    K_METRIC,
    K_STAT,
    K_TARGET,
    K_WHERE,
    K_BY,
    K_ABOVE,
    K_BELOW,
    K_CHANGE,
    K_DIRECTION,
    K_CONFIDENCE,
    K_MIN_N,
    K_WINDOW,
    K_WEBHOOK,
    K_REPEAT,
    K_COOLDOWN,
    K_TZ,
    K_PRESET,
    K_SLA,
    K_CALENDAR,
    K_TIME,
    K_SECRET,
    K_COUNT
};
static const char *const key_names[K_COUNT] = {
    "metric", "stat",   "target",  "where",  "by",       "above", "below",  "change", "direction", "confidence",
    "min_n",  "window", "webhook", "repeat", "cooldown", "tz",    "preset", "sla",    "calendar",  "time",
    "secret"};
/* keys a [defaults] section may give */
static int key_defaultable(enum key k) {
    return k == K_WEBHOOK || k == K_WINDOW || k == K_MIN_N || k == K_REPEAT || k == K_COOLDOWN || k == K_CONFIDENCE ||
           k == K_TZ || k == K_PRESET || k == K_SLA || k == K_CALENDAR || k == K_TIME || k == K_SECRET;
}

typedef struct parser {
    const char *path; /* for messages */
    char dir[1024];   /* the rules file's directory with a trailing '/', "" for cwd */
    cxm_diag *diag;
    cxm_alert_set *set;
    cxm_alert_rule def; /* the [defaults] */
    uint64_t def_seen[K_COUNT];
    cxm_alert_rule *cur;    /* the section being read: a rule, &def, or NULL */
    uint64_t seen[K_COUNT]; /* line of each key in the current section, 0 = not given */
    char threshold[64];     /* above/below text, parsed at the end of the section (needs the unit) */
} parser;

static int perr(parser *p, uint64_t line, const char *fmt, ...) CXM_PRINTF(3, 4);
static int perr(parser *p, uint64_t line, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cxm_diag_set(p->diag, CXM_EPARSE, p->path, line, 0, NULL, "%s", msg);
}

/* Copies v[0..n) into dst (cap bytes) or fails with a message. */
static int copy_val(parser *p, uint64_t line, const char *key, char *dst, size_t cap, const char *v, size_t n) {
    if (n >= cap) return perr(p, line, "%s: value longer than %zu bytes", key, cap - 1);
    memcpy(dst, v, n);
    dst[n] = '\0';
    return 0;
}

static int copy_path(parser *p, uint64_t line, const char *key, char *dst, size_t cap, const char *v, size_t n) {
    if (v[0] == '/' || !p->dir[0]) return copy_val(p, line, key, dst, cap, v, n);
    size_t dl = strlen(p->dir);
    if (dl + n >= cap) return perr(p, line, "%s: path longer than %zu bytes", key, cap - 1);
    memcpy(dst, p->dir, dl);
    memcpy(dst + dl, v, n);
    dst[dl + n] = '\0';
    return 0;
}

static int set_key(parser *p, uint64_t line, const char *k, size_t kn, const char *v, size_t vn) {
    cxm_alert_rule *r = p->cur;
    int is_def = r == &p->def;
    enum key key = K_COUNT;
    for (int i = 0; i < K_COUNT; i++)
        if (strlen(key_names[i]) == kn && !memcmp(key_names[i], k, kn)) key = (enum key)i;
    if (key == K_COUNT)
        return perr(p, line,
                    "unknown key '%.*s' (expected metric, stat, target, where, by, above, below, change, direction, "
                    "confidence, min_n, window, webhook, repeat, cooldown, tz, preset, sla, calendar, time or secret)",
                    (int)(kn > 64 ? 64 : kn), k);
    const char *name = key_names[key];
    if (is_def && !key_defaultable(key))
        return perr(p, line,
                    "'%s' cannot be given in [defaults] (expected webhook, window, min_n, repeat, cooldown, "
                    "confidence, tz, preset, sla, calendar, time or secret)",
                    name);
    if (!vn) return perr(p, line, "'%s' needs a value", name);
    if (key != K_WHERE && p->seen[key])
        return perr(p, line, "'%s' given twice (first on line %llu)", name, (unsigned long long)p->seen[key]);
    if (key == K_ABOVE || key == K_BELOW || key == K_CHANGE) {
        for (int c = K_ABOVE; c <= K_CHANGE; c++)
            if (p->seen[c])
                return perr(p, line,
                            "'%s': the rule already has a condition ('%s' on line %llu); expected one of "
                            "above, below or change per rule",
                            name, key_names[c], (unsigned long long)p->seen[c]);
    }
    p->seen[key] = line;
    if (is_def) p->def_seen[key] = line;
    double d;
    switch (key) {
    case K_METRIC: {
        if (copy_val(p, line, name, r->metric, sizeof r->metric, v, vn)) return CXM_EPARSE;
        if (!cxm_catalog_find(r->metric))
            return perr(p, line,
                        "unknown metric '%s' (expected a catalog id such as frt, fcr, sla_compliance, "
                        "csat, nps; cxm metrics lists them)",
                        r->metric);
        return 0;
    }
    case K_STAT:
        if (copy_val(p, line, name, r->stat, sizeof r->stat, v, vn) || !valid_stat(r->stat))
            return perr(p, line, "stat '%.*s': expected mean, median, min, max, p25, p50, p75, p90, p95 or p99",
                        (int)(vn > 32 ? 32 : vn), v);
        return 0;
    case K_TARGET: return copy_val(p, line, name, r->target, sizeof r->target, v, vn); /* checked with the data */
    case K_WHERE: {
        if (r->nwhere == CXM_ALERT_MAX_WHERE)
            return cxm_diag_set(p->diag, CXM_ELIMIT, p->path, line, 0, NULL, "more than %u where lines in one rule",
                                CXM_ALERT_MAX_WHERE);
        const char *eq = memchr(v, '=', vn);
        if (!eq || eq == v || (eq == v + 1 && v[0] == '!') || eq == v + vn - 1)
            return perr(p, line, "where '%.*s': expected COLUMN=VALUE or COLUMN!=VALUE (e.g. channel=email)",
                        (int)(vn > 64 ? 64 : vn), v);
        return copy_val(p, line, name, r->where[r->nwhere++], sizeof r->where[0], v, vn);
    }
    case K_BY: {
        if (copy_val(p, line, name, r->by, sizeof r->by, v, vn)) return CXM_EPARSE;
        static const char *const buckets[] = {"day", "week", "month", "quarter", "year"};
        char tmp[256], norm[256];
        size_t nn = 0;
        snprintf(tmp, sizeof tmp, "%s", r->by);
        for (const char *t = tmp; t;) { /* each term, trimmed, into norm */
            const char *comma = strchr(t, ',');
            const char *ts = t;
            size_t tn = comma ? (size_t)(comma - t) : strlen(t);
            t = comma ? comma + 1 : NULL;
            trim(&ts, &tn);
            if (!tn) return perr(p, line, "by '%s': expected a comma list of columns (e.g. team,channel)", r->by);
            for (size_t i = 0; i < sizeof buckets / sizeof buckets[0]; i++)
                if (strlen(buckets[i]) == tn && !memcmp(ts, buckets[i], tn))
                    return perr(p, line,
                                "by '%s': a rule checks one window; expected columns (team, channel, "
                                "priority...), not the time bucket '%s'",
                                r->by, buckets[i]);
            if (nn) norm[nn++] = ',';
            memcpy(norm + nn, ts, tn); /* never longer than tmp */
            nn += tn;
        }
        norm[nn] = '\0';
        memcpy(r->by, norm, nn + 1);
        return 0;
    }
    case K_ABOVE:
    case K_BELOW:
        r->cond = key == K_ABOVE ? CXM_ALERT_ABOVE : CXM_ALERT_BELOW;
        return copy_val(p, line, name, p->threshold, sizeof p->threshold, v, vn);
    case K_CHANGE:
        if (!(vn == 11 && !memcmp(v, "significant", 11)))
            return perr(p, line, "change '%.*s': expected change = significant", (int)(vn > 32 ? 32 : vn), v);
        r->cond = CXM_ALERT_CHANGE;
        return 0;
    case K_DIRECTION: {
        static const char *const dirs[] = {"any", "up", "down", "worse"};
        for (int i = 0; i < 4; i++)
            if (strlen(dirs[i]) == vn && !memcmp(v, dirs[i], vn)) {
                r->direction = (cxm_alert_dir)i;
                return 0;
            }
        return perr(p, line, "direction '%.*s': expected any, up, down or worse", (int)(vn > 32 ? 32 : vn), v);
    }
    case K_CONFIDENCE:
        if (parse_num(v, vn, &d) || !(d >= 0.5 && d < 1))
            return perr(p, line, "confidence '%.*s': expected a level between 0.5 and 1, e.g. 0.95",
                        (int)(vn > 32 ? 32 : vn), v);
        r->confidence = d;
        return 0;
    case K_MIN_N:
        if (parse_num(v, vn, &d) || d < 0 || d > 1e15 || d != floor(d) || memchr(v, '.', vn))
            return perr(p, line, "min_n '%.*s': expected a whole number >= 0", (int)(vn > 32 ? 32 : vn), v);
        r->min_n = (int64_t)d;
        return 0;
    case K_WINDOW:
    case K_REPEAT:
    case K_COOLDOWN: {
        int64_t ms;
        if (parse_dur(v, vn, &ms))
            return perr(p, line, "%s '%.*s': expected a duration such as 15m, 1h, 24h or 7d (units d, h, m, s)", name,
                        (int)(vn > 32 ? 32 : vn), v);
        if (key == K_WINDOW && ms < 60000)
            return perr(p, line, "window '%.*s': expected at least 1m", (int)(vn > 32 ? 32 : vn), v);
        *(key == K_WINDOW ? &r->window_ms : key == K_REPEAT ? &r->repeat_ms : &r->cooldown_ms) = ms;
        return 0;
    }
    case K_WEBHOOK: {
        int http = vn > 7 && !strncmp(v, "http://", 7), https = vn > 8 && !strncmp(v, "https://", 8);
        if (!http && !https)
            return perr(p, line, "webhook '%.*s': expected an http:// or https:// URL", (int)(vn > 64 ? 64 : vn), v);
        for (size_t i = 0; i < vn; i++)
            if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f)
                return perr(p, line, "webhook: a URL has no spaces or control characters (column %zu)", i + 1);
        return copy_val(p, line, name, r->webhook, sizeof r->webhook, v, vn);
    }
    case K_SECRET: {
        /* env:NAME keeps the secret out of the file; it is read at load */
        if (vn > 4 && !memcmp(v, "env:", 4)) {
            char var[128];
            if (copy_val(p, line, name, var, sizeof var, v + 4, vn - 4)) return CXM_EPARSE;
            const char *e = getenv(var);
            if (!e || !*e) return perr(p, line, "secret: the environment variable %s is not set or empty", var);
            v = e;
            vn = strlen(e);
        }
        if (vn < CXM_ALERT_MIN_SECRET)
            return perr(p, line, "secret: expected at least %u characters (e.g. openssl rand -hex 32)",
                        (unsigned)CXM_ALERT_MIN_SECRET);
        for (size_t i = 0; i < vn; i++)
            if ((unsigned char)v[i] < ' ' || v[i] == 0x7f)
                return perr(p, line, "secret: no control characters (column %zu)", i + 1);
        return copy_val(p, line, name, r->secret, sizeof r->secret, v, vn);
    }
    case K_TZ: return copy_val(p, line, name, r->tz, sizeof r->tz, v, vn);
    case K_PRESET: return copy_val(p, line, name, r->preset, sizeof r->preset, v, vn);
    case K_SLA: return copy_path(p, line, name, r->sla, sizeof r->sla, v, vn);
    case K_CALENDAR: return copy_path(p, line, name, r->calendar, sizeof r->calendar, v, vn);
    case K_TIME:
        if (!((vn == 8 && !memcmp(v, "calendar", 8)) || (vn == 8 && !memcmp(v, "business", 8))))
            return perr(p, line, "time '%.*s': expected calendar or business", (int)(vn > 32 ? 32 : vn), v);
        return copy_val(p, line, name, r->time_basis, sizeof r->time_basis, v, vn);
    case K_COUNT: break;
    }
    return perr(p, line, "internal: key %d", (int)key);
}

/* Checks the rule of the section that just ended. */
static int finish_rule(parser *p) {
    cxm_alert_rule *r = p->cur;
    if (!r || r == &p->def) return 0;
    uint64_t l = r->line;
    if (!p->seen[K_METRIC])
        return perr(p, l, "rule '%s' has no metric: expected metric = ID (cxm metrics lists them)", r->name);
    const cxm_metric_info *m = cxm_catalog_find(r->metric);
    if (is_distribution(m) && !r->stat[0])
        return perr(p, l,
                    "rule '%s': %s is a distribution: expected stat = mean, median, p90 (or min, max, p25, "
                    "p50, p75, p95, p99)",
                    r->name, r->metric);
    if (!is_distribution(m) && r->stat[0])
        return perr(p, p->seen[K_STAT],
                    "rule '%s': stat is for distributions (frt, aht...); %s is a %s: leave "
                    "stat out",
                    r->name, r->metric, cxm_kind_name(m->kind));
    if (!p->seen[K_ABOVE] && !p->seen[K_BELOW] && !p->seen[K_CHANGE])
        return perr(p, l, "rule '%s' has no condition: expected above = N, below = N or change = significant", r->name);
    if (p->seen[K_ABOVE] || p->seen[K_BELOW]) {
        uint64_t tl = p->seen[K_ABOVE] ? p->seen[K_ABOVE] : p->seen[K_BELOW];
        const char *t = p->threshold;
        size_t tn = strlen(t);
        int ok;
        if (m->unit == CXM_UNIT_SECONDS) {
            int64_t ms;
            ok = !parse_dur(t, tn, &ms);
            r->threshold = (double)ms / 1000.0;
            if (!ok && !parse_num(t, tn, &r->threshold)) ok = 1; /* 0 or negative seconds */
            if (!ok)
                return perr(p, tl,
                            "threshold '%s': %s is in seconds: expected a number of seconds or a duration "
                            "such as 90s, 30m, 4h",
                            t, r->metric);
        } else {
            if (m->unit == CXM_UNIT_PERCENT && tn > 1 && t[tn - 1] == '%') tn--;
            if (parse_num(t, tn, &r->threshold))
                return perr(p, tl, "threshold '%s': expected a number in the metric's unit (%s)%s", t,
                            cxm_unit_name(m->unit), m->unit == CXM_UNIT_PERCENT ? ", e.g. 80 or 80%" : "");
        }
        if (p->seen[K_DIRECTION])
            return perr(p, p->seen[K_DIRECTION], "direction is for change = significant; above and below have one");
    } else if (!change_testable(m, r->stat)) {
        return perr(p, p->seen[K_CHANGE],
                    "rule '%s': change = significant needs a metric with a significance test "
                    "(a rate, a score, or a distribution with stat = mean); %s%s%s is not one: use above or below",
                    r->name, r->metric, r->stat[0] ? " " : "", r->stat);
    }
    if (!p->seen[K_WINDOW] && !p->def_seen[K_WINDOW])
        return perr(p, l, "rule '%s' has no window: expected window = DURATION (e.g. 1h, 24h, 7d)", r->name);
    if (!p->seen[K_WEBHOOK] && !p->def_seen[K_WEBHOOK])
        return perr(p, l,
                    "rule '%s' has no webhook: expected webhook = http://... or https://... (here or in "
                    "[defaults])",
                    r->name);
    return 0;
}

static int valid_name(const char *s, size_t n) {
    if (!n) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return 0;
    }
    return 1;
}

static int start_section(parser *p, uint64_t line, const char *s, size_t n) {
    if (!valid_name(s, n))
        return perr(p, line, "section '[%.*s]': expected a rule name of letters, digits, '-', '_' or '.'",
                    (int)(n > 64 ? 64 : n), s);
    if (n >= sizeof p->def.name) return perr(p, line, "rule name longer than %zu bytes", sizeof p->def.name - 1);
    memset(p->seen, 0, sizeof p->seen);
    p->threshold[0] = '\0';
    if (n == 8 && !memcmp(s, "defaults", 8)) {
        if (p->set->n || p->def.line) return perr(p, line, "[defaults] must come once, before the first rule");
        p->def.line = line;
        p->cur = &p->def;
        return 0;
    }
    cxm_alert_set *set = p->set;
    for (size_t i = 0; i < set->n; i++)
        if (strlen(set->rules[i].name) == n && !memcmp(set->rules[i].name, s, n))
            return perr(p, line, "rule '%.*s' defined twice (first on line %llu)", (int)n, s,
                        (unsigned long long)set->rules[i].line);
    if (set->n == CXM_MAX_ALERT_RULES)
        return cxm_diag_set(p->diag, CXM_ELIMIT, p->path, line, 0, NULL, "more than %u rules in one file",
                            CXM_MAX_ALERT_RULES);
    cxm_alert_rule *r = &set->rules[set->n++];
    *r = p->def;
    r->nwhere = 0;
    memcpy(r->name, s, n);
    r->name[n] = '\0';
    r->line = line;
    p->cur = r;
    return 0;
}

int cxm_alert_set_parse(const char *text, size_t len, const char *path, cxm_alert_set **out, cxm_diag *diag) {
    *out = NULL;
    if (!path) path = "<rules>";
    if (len > CXM_MAX_ALERT_FILE_BYTES)
        return cxm_diag_set(diag, CXM_ELIMIT, path, 0, 0, NULL, "larger than %u bytes", CXM_MAX_ALERT_FILE_BYTES);
    parser *p = calloc(1, sizeof *p);
    cxm_alert_set *set = calloc(1, sizeof *set);
    cxm_alert_rule *rules = calloc(CXM_MAX_ALERT_RULES, sizeof *rules);
    if (!p || !set || !rules) {
        free(p);
        free(set);
        free(rules);
        return cxm_diag_set(diag, CXM_ENOMEM, path, 0, 0, NULL, "out of memory");
    }
    set->rules = rules;
    p->path = path;
    p->diag = diag;
    p->set = set;
    const char *slash = strrchr(path, '/');
    if (slash && (size_t)(slash - path) + 2 < sizeof p->dir) {
        memcpy(p->dir, path, (size_t)(slash - path) + 1);
        p->dir[slash - path + 1] = '\0';
    }
    p->def.confidence = 0.95;
    p->def.min_n = 30;
    p->def.direction = CXM_ALERT_ANY;
    int rc = 0;
    uint64_t line = 0;
    const char *end = text + len;
    for (const char *q = text; q < end && !rc;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *le = nl ? nl : end;
        const char *s = q;
        size_t n = (size_t)(le - q);
        q = nl ? nl + 1 : end;
        line++;
        if (memchr(s, '\0', n)) {
            rc = perr(p, line, "a NUL byte: expected a text file");
            break;
        }
        trim(&s, &n);
        if (!n || s[0] == '#' || s[0] == ';') continue;
        for (size_t i = 1; i < n; i++) /* a trailing comment: " # ..." */
            if (s[i] == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
                n = i;
                trim(&s, &n);
                break;
            }
        if (s[0] == '[') {
            if (s[n - 1] != ']') {
                rc = perr(p, line, "expected ']' to close the section header");
                break;
            }
            const char *name = s + 1;
            size_t nn = n - 2;
            trim(&name, &nn);
            if ((rc = finish_rule(p))) break;
            rc = start_section(p, line, name, nn);
            continue;
        }
        const char *eq = memchr(s, '=', n);
        if (!eq) {
            rc = perr(p, line, "expected 'key = value' or a [rule name] header, found '%.*s'", (int)(n > 60 ? 60 : n),
                      s);
            break;
        }
        const char *k = s, *v = eq + 1;
        size_t kn = (size_t)(eq - s), vn = (size_t)(s + n - v);
        trim(&k, &kn);
        trim(&v, &vn);
        if (!kn) {
            rc = perr(p, line, "expected a key before '='");
            break;
        }
        if (!p->cur) {
            rc = perr(p, line, "'%.*s' before any section: expected a [rule name] header first",
                      (int)(kn > 60 ? 60 : kn), k);
            break;
        }
        rc = set_key(p, line, k, kn, v, vn);
    }
    if (!rc) rc = finish_rule(p);
    if (!rc && set->n == 0)
        rc = cxm_diag_set(diag, CXM_EPARSE, path, 0, 0, NULL, "no rules: expected a [rule name] section");
    free(p);
    if (rc) {
        cxm_alert_set_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

int cxm_alert_set_load(const char *path, cxm_alert_set **out, cxm_diag *diag) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    char *buf = malloc(CXM_MAX_ALERT_FILE_BYTES + 1);
    if (!buf) {
        fclose(f);
        return cxm_diag_set(diag, CXM_ENOMEM, path, 0, 0, NULL, "out of memory");
    }
    size_t n = fread(buf, 1, CXM_MAX_ALERT_FILE_BYTES + 1, f);
    int err = ferror(f);
    fclose(f);
    int rc;
    if (err)
        rc = cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot read");
    else if (n > CXM_MAX_ALERT_FILE_BYTES)
        rc = cxm_diag_set(diag, CXM_ELIMIT, path, 0, 0, NULL, "larger than %u bytes", CXM_MAX_ALERT_FILE_BYTES);
    else
        rc = cxm_alert_set_parse(buf, n, path, out, diag);
    free(buf);
    return rc;
}

void cxm_alert_set_free(cxm_alert_set *s) {
    if (!s) return;
    for (size_t i = 0; i < s->nst; i++)
        free(s->st[i].group);
    free(s->st);
    free(s->rules);
    free(s);
}

size_t cxm_alert_set_count(const cxm_alert_set *s) {
    return s ? s->n : 0;
}
const cxm_alert_rule *cxm_alert_set_rule(const cxm_alert_set *s, size_t i) {
    return s && i < s->n ? &s->rules[i] : NULL;
}

/* ---- the default evaluator: reports over a store ---------------------------------- */

/* The group of result x as JSON text into out (cap bytes). */
static int group_json(const cxm_alert_rule *rule, const cxm_result *x, char *out, size_t cap) {
    json_t *g = json_object();
    if (!g) return CXM_ENOMEM;
    int bad = 0;
    for (size_t i = 0; i < x->ngroup; i++)
        bad |= json_object_set_new(g, x->group_keys[i], jstr(x->group_values[i]));
    if (!rule->stat[0] && x->stat) bad |= json_object_set_new(g, "stat", jstr(x->stat));
    if (!rule->target[0] && x->target) bad |= json_object_set_new(g, "target", jstr(x->target));
    size_t n = bad ? 0 : json_dumpb(g, out, cap, JSON_COMPACT);
    json_decref(g);
    if (bad || n == 0) return CXM_ENOMEM;
    if (n >= cap) return CXM_ELIMIT;
    out[n] = '\0';
    return 0;
}

typedef struct report_args {
    cxm_report_opts o;
    const char *where[CXM_ALERT_MAX_WHERE];
    char from[40], to[40], compare[90];
} report_args;

/* src: where the records are: a store (is_dir 0) or a snapshot directory (1). */
typedef struct source {
    const char *path;
    int is_dir;
} source;

static void fill_opts(report_args *a, const source *src, const cxm_alert_rule *r, cxm_time from, cxm_time to) {
    memset(a, 0, sizeof *a);
    fmt_time(from, a->from, sizeof a->from);
    fmt_time(to, a->to, sizeof a->to);
    cxm_report_opts *o = &a->o;
    if (src->is_dir)
        o->data_dir = src->path;
    else
        o->store = src->path;
    o->metrics = r->metric;
    o->stats = r->stat[0] ? r->stat : NULL;
    o->by = r->by[0] ? r->by : NULL;
    for (size_t i = 0; i < r->nwhere; i++)
        a->where[i] = r->where[i];
    o->where = a->where;
    o->nwhere = r->nwhere;
    o->from = a->from;
    o->to = a->to;
    o->as_of = a->to;
    o->tz = r->tz[0] ? r->tz : NULL;
    o->preset = r->preset[0] ? r->preset : NULL;
    o->sla = r->sla[0] ? r->sla : NULL;
    o->calendar = r->calendar[0] ? r->calendar : NULL;
    o->time_basis = r->time_basis[0] ? r->time_basis : NULL;
    o->confidence = r->confidence > 0 ? r->confidence : 0.95;
    o->min_n = -1; /* the rule's min_n decides */
}

static int keep_result(const cxm_alert_rule *rule, const cxm_result *x) {
    if (strcmp(x->metric, rule->metric)) return 0;
    if (rule->stat[0] && (!x->stat || strcmp(x->stat, rule->stat))) return 0;
    if (rule->target[0] && (!x->target || strcmp(x->target, rule->target))) return 0;
    return 1;
}

/* A rule's results as observations; *obs malloc'ed. */
static int collect(const cxm_alert_rule *rule, const cxm_result_set *rs, cxm_alert_obs **obs, size_t *nobs,
                   cxm_diag *diag) {
    size_t cnt = cxm_result_count(rs), k = 0;
    const char *other_target = NULL; /* a target the rule's target left out */
    cxm_alert_obs *v = calloc(cnt ? cnt : 1, sizeof *v);
    if (!v) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    for (size_t i = 0; i < cnt; i++) {
        const cxm_result *x = cxm_result_get(rs, i);
        if (!keep_result(rule, x)) {
            if (!other_target && rule->target[0] && x->target && !strcmp(x->metric, rule->metric))
                other_target = x->target;
            continue;
        }
        cxm_alert_obs *o = &v[k];
        int rc = group_json(rule, x, o->group, sizeof o->group);
        if (rc) {
            free(v);
            return cxm_diag_set(diag, rc, NULL, 0, 0, NULL, "rule '%s': a group longer than %zu bytes of JSON",
                                rule->name, sizeof o->group - 1);
        }
        o->is_null = x->is_null;
        o->value = x->value;
        o->n = x->n;
        o->has_ci = x->has_ci;
        o->ci_low = x->ci_low;
        o->ci_high = x->ci_high;
        if (x->has_compare) {
            o->has_compare = 1;
            o->previous = x->previous;
            o->previous_n = x->previous_n;
            o->change = x->change;
            o->p_value = x->p_value;
            snprintf(o->test, sizeof o->test, "%s", x->test ? x->test : "");
        }
        snprintf(o->unit, sizeof o->unit, "%s", cxm_unit_name(x->unit));
        k++;
    }
    if (!k && rule->target[0] && (other_target || cnt)) { /* a target the metric never reports */
        int rc = cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "rule '%s': %s reports no target '%s'%s%s%s",
                              rule->name, rule->metric, rule->target, other_target ? " (it has '" : "",
                              other_target ? other_target : "", other_target ? "', ...)" : "");
        free(v);
        return rc;
    }
    *obs = v;
    *nobs = k;
    return 0;
}

static int eval_source(const source *store, const cxm_alert_rule *rule, cxm_time from, cxm_time to, cxm_alert_obs **obs,
                       size_t *nobs, cxm_diag *diag) {
    *obs = NULL;
    *nobs = 0;
    report_args *a = malloc(sizeof *a);
    if (!a) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    fill_opts(a, store, rule, from, to);
    if (rule->cond == CXM_ALERT_CHANGE) { /* the engine's --compare: the window before, its test */
        char pf[40];
        fmt_time(from - rule->window_ms, pf, sizeof pf);
        snprintf(a->compare, sizeof a->compare, "%s..%s", pf, a->from);
        a->o.compare = a->compare;
    }
    cxm_result_set *rs = NULL;
    int rc = cxm_report_run(&a->o, &rs, diag);
    if (!rc) rc = collect(rule, rs, obs, nobs, diag);
    cxm_result_set_free(rs);
    free(a);
    if (rc) {
        free(*obs);
        *obs = NULL;
        *nobs = 0;
    }
    return rc;
}

int cxm_alert_eval_store(void *ud, const cxm_alert_rule *rule, cxm_time from, cxm_time to, cxm_alert_obs **obs,
                         size_t *nobs, cxm_diag *diag) {
    source src = {ud, 0};
    return eval_source(&src, rule, from, to, obs, nobs, diag);
}

static int eval_dir(void *ud, const cxm_alert_rule *rule, cxm_time from, cxm_time to, cxm_alert_obs **obs, size_t *nobs,
                    cxm_diag *diag) {
    source src = {ud, 1};
    return eval_source(&src, rule, from, to, obs, nobs, diag);
}

/* ---- decisions -------------------------------------------------------------------- */

const char *cxm_alert_kind_name(cxm_alert_kind k) {
    switch (k) {
    case CXM_ALERT_FIRING: return "firing";
    case CXM_ALERT_REPEAT: return "firing";
    case CXM_ALERT_RESOLVED: return "resolved";
    case CXM_ALERT_SUPPRESSED: return "suppressed";
    case CXM_ALERT_ERROR: return "error";
    }
    return "?";
}

void cxm_alert_events_free(cxm_alert_events *e) {
    if (!e) return;
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i].json);
    free(e->v);
    memset(e, 0, sizeof *e);
}

/* Takes json (owned, may be NULL: then CXM_ENOMEM). */
static int push_event(cxm_alert_events *e, size_t rule, cxm_alert_kind kind, char *json) {
    if (!json) return CXM_ENOMEM;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        cxm_alert_event *v = realloc(e->v, cap * sizeof *v);
        if (!v) {
            free(json);
            return CXM_ENOMEM;
        }
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n].rule = rule;
    e->v[e->n].kind = kind;
    e->v[e->n].json = json;
    e->n++;
    return 0;
}

/* A JSON number, as an integer when it is one (50, not 50.0), null when not finite. */
static json_t *num(double v) {
    if (!isfinite(v)) return json_null();
    if (v == floor(v) && fabs(v) < 9007199254740992.0) return json_integer((json_int_t)v);
    return json_real(v);
}

static const char *dir_name(cxm_alert_dir d) {
    static const char *const names[] = {"any", "up", "down", "worse"};
    return names[d];
}

/* 1 when the observation meets the rule's condition. */
static int condition_met(const cxm_alert_rule *r, const cxm_alert_obs *o) {
    if (o->is_null || !isfinite(o->value) || o->n < r->min_n) return 0;
    switch (r->cond) {
    case CXM_ALERT_ABOVE: return o->value > r->threshold;
    case CXM_ALERT_BELOW: return o->value < r->threshold;
    case CXM_ALERT_CHANGE: {
        if (!o->has_compare || !isfinite(o->p_value) || !(o->p_value < 1 - r->confidence)) return 0;
        if (o->previous_n < r->min_n) return 0;
        switch (r->direction) {
        case CXM_ALERT_ANY: return o->change != 0;
        case CXM_ALERT_UP: return o->change > 0;
        case CXM_ALERT_DOWN: return o->change < 0;
        case CXM_ALERT_WORSE: {
            const cxm_metric_info *m = cxm_catalog_find(r->metric);
            if (!m || m->higher_is_better < 0) return o->change != 0;
            return m->higher_is_better ? o->change < 0 : o->change > 0;
        }
        }
        return 0;
    }
    }
    return 0;
}

/* The payload of a post: one line of JSON, malloc'ed (NULL on failure). */
static char *payload(const cxm_alert_rule *r, const char *state, const char *group, const cxm_alert_obs *o,
                     cxm_time from, cxm_time now, cxm_time since, int repeat) {
    char tb[40];
    json_t *j = json_object();
    if (!j) return NULL;
    json_object_set_new(j, "rule", json_string(r->name));
    json_object_set_new(j, "state", json_string(state));
    json_object_set_new(j, "metric", json_string(r->metric));
    if (r->stat[0]) json_object_set_new(j, "stat", json_string(r->stat));
    if (r->target[0]) json_object_set_new(j, "target", jstr(r->target));
    json_t *g = json_loads(group, 0, NULL);
    json_object_set_new(j, "group", g ? g : json_object());
    json_object_set_new(j, "value", o && !o->is_null ? num(o->value) : json_null());
    const cxm_metric_info *m = cxm_catalog_find(r->metric);
    json_object_set_new(j, "unit", json_string(o && o->unit[0] ? o->unit : m ? cxm_unit_name(m->unit) : ""));
    if (r->cond == CXM_ALERT_CHANGE) {
        json_object_set_new(j, "condition", json_string("significant_change"));
        json_object_set_new(j, "direction", json_string(dir_name(r->direction)));
        int c = o && o->has_compare;
        json_object_set_new(j, "previous", c ? num(o->previous) : json_null());
        json_object_set_new(j, "previous_n", json_integer(c ? (json_int_t)o->previous_n : 0));
        json_object_set_new(j, "change", c ? num(o->change) : json_null());
        json_object_set_new(j, "p_value", c ? num(o->p_value) : json_null());
        json_object_set_new(j, "test", c && o->test[0] ? json_string(o->test) : json_null());
        json_object_set_new(j, "confidence", num(r->confidence));
    } else {
        json_object_set_new(j, "condition", json_string(r->cond == CXM_ALERT_ABOVE ? "above" : "below"));
        json_object_set_new(j, "threshold", num(r->threshold));
    }
    json_object_set_new(j, "n", json_integer(o ? (json_int_t)o->n : 0));
    json_object_set_new(j, "min_n", json_integer((json_int_t)r->min_n));
    if (o && o->has_ci && !o->is_null)
        json_object_set_new(j, "ci", json_pack("[oo]", num(o->ci_low), num(o->ci_high)));
    else
        json_object_set_new(j, "ci", json_null());
    json_t *w = json_object();
    fmt_time(from, tb, sizeof tb);
    json_object_set_new(w, "from", json_string(tb));
    fmt_time(now, tb, sizeof tb);
    json_object_set_new(w, "to", json_string(tb));
    json_object_set_new(j, "window", w);
    json_object_set_new(j, "at", json_string(tb));
    if (since != CXM_TIME_NULL) {
        fmt_time(since, tb, sizeof tb);
        json_object_set_new(j, "firing_since", json_string(tb));
    }
    if (repeat) json_object_set_new(j, "repeat", json_true());
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)); /* 0.6, not 0.59999999999999998 */
    json_decref(j);
    return s;
}

/* A log object {"rule":..,"error":..} or {"rule":..,"group":..,"value":..,"reason":..}. */
static char *note(const cxm_alert_rule *r, const char *group, const cxm_alert_obs *o, const char *key,
                  const char *msg) {
    json_t *j = json_object();
    if (!j) return NULL;
    json_object_set_new(j, "rule", json_string(r->name));
    if (group) {
        json_t *g = json_loads(group, 0, NULL);
        json_object_set_new(j, "group", g ? g : json_object());
    }
    if (o) {
        json_object_set_new(j, "value", o->is_null ? json_null() : num(o->value));
        json_object_set_new(j, "n", json_integer((json_int_t)o->n));
    }
    json_object_set_new(j, key, jstr(msg));
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
    json_decref(j);
    return s;
}

static astate *find_state(cxm_alert_set *s, size_t rule, const char *group) {
    for (size_t i = 0; i < s->nst; i++)
        if (s->st[i].rule == rule && !strcmp(s->st[i].group, group)) return &s->st[i];
    return NULL;
}

static int add_state(cxm_alert_set *s, size_t rule, const char *group, astate **out, cxm_diag *diag) {
    if (s->nst == CXM_MAX_ALERT_STATES)
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL, "more than %u alerting groups", CXM_MAX_ALERT_STATES);
    if (s->nst == s->capst) {
        size_t cap = s->capst ? s->capst * 2 : 16;
        astate *v = realloc(s->st, cap * sizeof *v);
        if (!v) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        s->st = v;
        s->capst = cap;
    }
    astate *a = &s->st[s->nst];
    memset(a, 0, sizeof *a);
    a->rule = rule;
    a->group = strdup(group);
    if (!a->group) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    a->fired_at = a->last_post = CXM_TIME_NULL;
    s->nst++;
    *out = a;
    return 0;
}

/* Forgets the groups that are not firing and whose cooldown (if any) is
 * over: they behave as never seen. Keeps the states to firing and cooling
 * groups, so CXM_MAX_ALERT_STATES bounds those, not every group that ever
 * fired. */
static void prune(cxm_alert_set *s, cxm_time now) {
    size_t k = 0;
    for (size_t i = 0; i < s->nst; i++) {
        astate *a = &s->st[i];
        int64_t cool = s->rules[a->rule].cooldown_ms;
        if (!a->firing && (!cool || a->fired_at == CXM_TIME_NULL || now - a->fired_at >= cool)) {
            free(a->group);
            continue;
        }
        s->st[k++] = *a;
    }
    s->nst = k;
}

/* One rule's observations through the state machine. */
static int decide(cxm_alert_set *s, size_t ri, const cxm_alert_obs *obs, size_t nobs, cxm_time from, cxm_time now,
                  int stateless, cxm_alert_events *out, cxm_diag *diag) {
    const cxm_alert_rule *r = &s->rules[ri];
    int rc = 0;
    for (size_t i = 0; i < s->nst; i++)
        if (s->st[i].rule == ri) s->st[i].seen = 0;
    for (size_t i = 0; i < nobs && !rc; i++) {
        const cxm_alert_obs *o = &obs[i];
        int met = condition_met(r, o);
        if (stateless) {
            if (met)
                rc = push_event(out, ri, CXM_ALERT_FIRING,
                                payload(r, "firing", o->group, o, from, now, CXM_TIME_NULL, 0));
            continue;
        }
        astate *a = find_state(s, ri, o->group);
        if (!a && !met) continue;
        if (!a && (rc = add_state(s, ri, o->group, &a, diag))) break;
        a->seen = 1;
        if (met && !a->firing) {
            if (r->cooldown_ms && a->fired_at != CXM_TIME_NULL && now - a->fired_at < r->cooldown_ms) {
                if (!a->suppressed_logged) {
                    a->suppressed_logged = 1;
                    rc = push_event(out, ri, CXM_ALERT_SUPPRESSED, note(r, o->group, o, "reason", "cooldown"));
                }
                continue;
            }
            a->firing = 1;
            a->suppressed_logged = 0;
            a->fired_at = a->last_post = now;
            rc = push_event(out, ri, CXM_ALERT_FIRING, payload(r, "firing", o->group, o, from, now, CXM_TIME_NULL, 0));
        } else if (met) {
            if (r->repeat_ms && now - a->last_post >= r->repeat_ms) {
                a->last_post = now;
                rc =
                    push_event(out, ri, CXM_ALERT_REPEAT, payload(r, "firing", o->group, o, from, now, a->fired_at, 1));
            }
        } else if (a->firing) {
            a->firing = 0;
            rc =
                push_event(out, ri, CXM_ALERT_RESOLVED, payload(r, "resolved", o->group, o, from, now, a->fired_at, 0));
        }
    }
    /* a firing group without data in the window any more: resolved */
    for (size_t i = 0; i < s->nst && !rc && !stateless; i++) {
        astate *a = &s->st[i];
        if (a->rule != ri || a->seen || !a->firing) continue;
        a->firing = 0;
        cxm_alert_obs none;
        memset(&none, 0, sizeof none);
        none.is_null = 1;
        rc =
            push_event(out, ri, CXM_ALERT_RESOLVED, payload(r, "resolved", a->group, &none, from, now, a->fired_at, 0));
    }
    if (rc == CXM_ENOMEM) cxm_diag_set(diag, rc, NULL, 0, 0, NULL, "out of memory");
    return rc;
}

int cxm_alerts_evaluate(cxm_alert_set *s, cxm_time now, cxm_alert_eval_fn eval, void *ud, int stateless,
                        cxm_alert_events *out, cxm_diag *diag) {
    now = floordiv64(now, 1000) * 1000; /* windows end on a whole second */
    if (!stateless) prune(s, now);
    for (size_t ri = 0; ri < s->n; ri++) {
        const cxm_alert_rule *r = &s->rules[ri];
        cxm_time from = now - r->window_ms;
        cxm_alert_obs *obs = NULL;
        size_t nobs = 0;
        cxm_diag d;
        memset(&d, 0, sizeof d);
        int rc = eval(ud, r, from, now, &obs, &nobs, &d);
        if (rc) {
            char msg[1200];
            cxm_diag_explain(&d, rc, msg, sizeof msg);
            free(obs);
            if ((rc = push_event(out, ri, CXM_ALERT_ERROR, note(r, NULL, NULL, "error", msg))))
                return cxm_diag_set(diag, rc, NULL, 0, 0, NULL, "out of memory");
            continue;
        }
        rc = decide(s, ri, obs, nobs, from, now, stateless, out, diag);
        free(obs);
        if (rc) return rc;
    }
    return 0;
}

/* Every rule fails with msg: one ERROR event each. */
static int all_fail(cxm_alert_set *s, const char *msg, cxm_alert_events *out, cxm_diag *diag) {
    for (size_t ri = 0; ri < s->n; ri++) {
        int rc = push_event(out, ri, CXM_ALERT_ERROR, note(&s->rules[ri], NULL, NULL, "error", msg));
        if (rc) return cxm_diag_set(diag, rc, NULL, 0, 0, NULL, "out of memory");
    }
    return 0;
}

int cxm_alerts_evaluate_store(cxm_alert_set *s, cxm_time now, const char *store, int stateless, cxm_alert_events *out,
                              cxm_diag *diag) {
    char dir[512], msg[1200];
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_store_snapshot(store, dir, sizeof dir, &d);
    if (rc) {
        if (d.msg[0])
            cxm_diag_format(&d, msg, sizeof msg);
        else
            snprintf(msg, sizeof msg, "%s: %s", store, cxm_strerror(rc));
        return all_fail(s, msg, out, diag);
    }
    static const char *const files[] = {"tickets.csv", "messages.csv", "responses.csv"};
    int any = 0;
    for (size_t i = 0; i < 3 && !any; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        any = access(p, R_OK) == 0;
    }
    if (!any) {
        cxm_store_snapshot_remove(dir);
        snprintf(msg, sizeof msg, "%s: the store holds no records yet", store);
        return all_fail(s, msg, out, diag);
    }
    rc = cxm_alerts_evaluate(s, now, eval_dir, dir, stateless, out, diag);
    cxm_store_snapshot_remove(dir);
    return rc;
}

size_t cxm_alerts_firing_count(const cxm_alert_set *s) {
    size_t n = 0;
    for (size_t i = 0; s && i < s->nst; i++)
        n += s->st[i].firing != 0;
    return n;
}

int cxm_alerts_parse_time(const char *s, cxm_time *out, cxm_diag *diag) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0, off = 0;
    size_t n = s ? strlen(s) : 0;
    const char *p = s;
    char tail[32] = "";
    int ok = 0;
    int digits_ok = n >= 10;
    for (size_t i = 0; i < 10 && i < n; i++) /* YYYY-MM-DD, digits where digits go */
        digits_ok &= (i == 4 || i == 7) ? s[i] == '-' : (s[i] >= '0' && s[i] <= '9');
    for (size_t i = 11; i < 16 && i < n; i++)
        digits_ok &= i == 13 ? s[i] == ':' : (s[i] >= '0' && s[i] <= '9');
    if (!digits_ok) {
        /* fall through to the error */
    } else if (n == 10 && sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) == 3) {
        ok = 1;
    } else if (n >= 17 && n < 40 && sscanf(s, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) == 5 && s[4] == '-' &&
               s[7] == '-' && s[10] == 'T' && s[13] == ':') {
        p = s + 16;
        if (*p == ':' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9') {
            sec = (p[1] - '0') * 10 + (p[2] - '0');
            p += 3;
            if (*p == '.') {
                int digits = 0;
                for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                    if (digits < 3) ms = ms * 10 + (*p - '0');
                for (; digits > 0 && digits < 3; digits++)
                    ms *= 10;
            }
        }
        snprintf(tail, sizeof tail, "%s", p);
        if (!strcmp(tail, "Z")) {
            ok = 1;
        } else if ((tail[0] == '+' || tail[0] == '-') && strlen(tail) == 6 && tail[3] == ':') {
            int oh = (tail[1] - '0') * 10 + (tail[2] - '0'), om = (tail[4] - '0') * 10 + (tail[5] - '0');
            if (oh >= 0 && oh <= 18 && om >= 0 && om < 60) {
                off = (tail[0] == '-' ? -1 : 1) * (oh * 60 + om);
                ok = 1;
            }
        }
    }
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (ok &&
        (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59 || y < 1970 || y > 9999))
        ok = 0;
    if (ok && mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) ok = 0;
    if (!ok)
        return cxm_diag_set(
            diag, CXM_EUSAGE, NULL, 0, 0, NULL,
            "'%.40s': expected an instant such as 2024-06-01T10:00:00Z (or +08:00) or a date 2024-06-01", s ? s : "");
    /* days from civil (Howard Hinnant's algorithm) */
    int64_t yy = mo <= 2 ? y - 1 : y;
    int64_t era = floordiv64(yy, 400);
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    *out = ((days * 86400 + h * 3600 + mi * 60 + sec) - (int64_t)off * 60) * 1000 + ms;
    return 0;
}

/* ---- webhook signatures (alerts_run.c signs each post of a rule with a secret) ---- */

int cxm_webhook_sign(const char *secret, int64_t ts, const char *body, size_t len, char *hex, size_t cap) {
    if (cap < 65) return CXM_EINVAL;
    hex[0] = '\0';
    char head[32];
    int hn = snprintf(head, sizeof head, "%lld.", (long long)ts);
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t maclen = 0;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *x = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0), OSSL_PARAM_construct_end()};
    int ok = x && EVP_MAC_init(x, (const unsigned char *)secret, strlen(secret), params) == 1 &&
             EVP_MAC_update(x, (const unsigned char *)head, (size_t)hn) == 1 &&
             EVP_MAC_update(x, (const unsigned char *)body, len) == 1 &&
             EVP_MAC_final(x, mac, &maclen, sizeof mac) == 1 && maclen == 32;
    EVP_MAC_CTX_free(x);
    EVP_MAC_free(m);
    if (!ok) return CXM_EIO;
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < maclen; i++) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 15];
    }
    hex[2 * maclen] = '\0';
    return CXM_OK;
}

/* ---- state across restarts --------------------------------------------------------------
 *
 * The watcher's states (firing groups, and resolved ones still cooling)
 * are written after every evaluation that changed one, so a restarted
 * server neither posts "firing" again for a group its receiver already
 * knows is firing, nor forgets to post "resolved" for it. The file is JSON,
 * {"version":1,"states":[{"rule":NAME,"group":GROUP_JSON_TEXT,"firing":B,
 * "fired_at":MS,"last_post":MS,"suppressed_logged":B}...]}, written to a
 * temporary file, fsync'ed and renamed over the old one (a crash leaves the
 * old or the new file, never half of one). Rules are matched by name: a
 * state whose rule is gone or renamed is dropped at load. */

int cxm_alerts_state_save(const cxm_alert_set *s, const char *path, cxm_diag *diag) {
    json_t *arr = json_array(), *root = json_object();
    int bad = !arr || !root;
    for (size_t i = 0; !bad && i < s->nst; i++) {
        const astate *a = &s->st[i];
        json_t *o = json_pack("{s:s,s:s,s:b,s:I,s:I,s:b}", "rule", s->rules[a->rule].name, "group", a->group,
                              "firing", a->firing, "fired_at", (json_int_t)a->fired_at, "last_post",
                              (json_int_t)a->last_post, "suppressed_logged", a->suppressed_logged);
        bad = !o || json_array_append_new(arr, o);
    }
    if (!bad) bad = json_object_set_new(root, "version", json_integer(1)) || json_object_set(root, "states", arr);
    char *text = bad ? NULL : json_dumps(root, JSON_COMPACT);
    json_decref(arr);
    json_decref(root);
    if (!text) return cxm_diag_set(diag, CXM_ENOMEM, path, 0, 0, NULL, "out of memory");
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        free(text);
        return cxm_diag_set(diag, CXM_EUSAGE, path, 0, 0, NULL, "path too long");
    }
    FILE *f = fopen(tmp, "w");
    int rc = 0;
    if (!f) {
        rc = cxm_diag_set(diag, CXM_EIO, tmp, 0, 0, NULL, "cannot write the alert state: %s", strerror(errno));
    } else {
        int werr = fputs(text, f) < 0 || fputc('\n', f) == EOF || fflush(f) || fsync(fileno(f));
        if (fclose(f) || werr)
            rc = cxm_diag_set(diag, CXM_EIO, tmp, 0, 0, NULL, "cannot write the alert state: %s", strerror(errno));
        else if (rename(tmp, path))
            rc = cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot replace the alert state: %s", strerror(errno));
        if (rc) unlink(tmp);
    }
    free(text);
    return rc;
}

int cxm_alerts_state_load(cxm_alert_set *s, const char *path, size_t *loaded, cxm_diag *diag) {
    if (loaded) *loaded = 0;
    if (access(path, F_OK) != 0 && errno == ENOENT) return 0; /* first start: nothing kept */
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return cxm_diag_set(diag, CXM_EPARSE, path, (uint64_t)(je.line > 0 ? je.line : 0),
                            (uint32_t)(je.column > 0 ? je.column : 0), NULL, "the alert state is not JSON: %s",
                            je.text);
    json_t *states = json_object_get(root, "states");
    json_t *ver = json_object_get(root, "version");
    int rc = 0;
    if (!json_is_integer(ver) || json_integer_value(ver) != 1 || !json_is_array(states))
        rc = cxm_diag_set(diag, CXM_EPARSE, path, 0, 0, NULL,
                          "expected an alert state of version 1 ({\"version\":1,\"states\":[...]})");
    size_t i;
    json_t *o;
    json_array_foreach(states, i, o) {
        if (rc) break;
        const char *rule = NULL, *group = NULL;
        int firing = 0, sup = 0;
        json_int_t fired = 0, last = 0;
        if (json_unpack(o, "{s:s,s:s,s:b,s:I,s:I,s:b}", "rule", &rule, "group", &group, "firing", &firing,
                        "fired_at", &fired, "last_post", &last, "suppressed_logged", &sup)) {
            rc = cxm_diag_set(diag, CXM_EPARSE, path, 0, 0, NULL, "state %zu: expected rule, group, firing, "
                              "fired_at, last_post and suppressed_logged", i + 1);
            break;
        }
        size_t ri = 0;
        while (ri < s->n && strcmp(s->rules[ri].name, rule)) ri++;
        if (ri == s->n || find_state(s, ri, group)) continue; /* the rule is gone; or listed twice */
        astate *a;
        if ((rc = add_state(s, ri, group, &a, diag))) break;
        a->firing = firing != 0;
        a->suppressed_logged = sup != 0;
        a->fired_at = (cxm_time)fired;
        a->last_post = (cxm_time)last;
        if (loaded) (*loaded)++;
    }
    json_decref(root);
    return rc;
}
