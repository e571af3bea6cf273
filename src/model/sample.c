/*
 * sample.c - the synthetic support data behind `cxm sample`.
 *
 * Writes DIR/tickets.csv (one row per ticket, the canonical ticket columns)
 * and, when asked, DIR/messages.csv (one row per ticket event). The data is
 * meant to look like a real help desk (weekday and hour seasonality, channel
 * and priority dependent response times, business hours, backlog, reopens,
 * abandoned calls) and to exercise the engine's edge cases (tickets solved
 * without a public reply, private notes before the first reply, tickets
 * created in the Europe/Berlin DST-change hours and on 29 February).
 * With o->responses > 0 it also writes DIR/responses.csv: survey answers
 * (NPS, CSAT, CES) in the canonical responses columns, either about the
 * generated tickets (each answering a distinct resolved ticket after its
 * resolution, with the ticket's channel and agent) or, with tickets = 0,
 * standalone (no ticket_id; only responses.csv is written).
 * The distributions and why they were chosen: docs/internals/sample.md.
 *
 * How a ticket is made: its creation instant comes from a stratified walk
 * over an hourly arrival intensity (so ticket ids ascend with created_at);
 * then its life is simulated as a list of events (customer messages, agent
 * replies, private notes, bot messages, status changes) in time order; the
 * list is cut at "now" (the end of the range, start_day + days at 00:00Z);
 * every ticket column is then DERIVED from the events that survived the cut.
 * That is what keeps tickets.csv and messages.csv consistent by construction:
 *   first_response_at = the first public agent event
 *   agent_replies     = public agent events; customer_replies = customer events
 *                       (the opening message counts)
 *   first_resolved_at = the first event setting "solved"
 *   resolved_at       = the last event setting "solved", if the final status
 *                       is solved or closed
 *   reopens           = transitions solved -> open
 *   closed_at         = the system event setting "closed"
 *   status            = the last status set
 * messages.csv's agent column names who wrote each agent event: the
 * ticket's assignee (tickets.csv's agent), except that on some tickets a
 * second teammate of the same team takes over from a later public reply
 * on (a handover, likelier after a reopen or on a complaint) and some
 * private notes are a colleague's; empty for the other authors.
 *
 * Invariants: every instant is >= the ticket's created_at and < now; a
 * status is written on a message only when it changes the ticket's status;
 * created_at never decreases with the ticket id; the same options (seed
 * included) give byte-identical files. Each ticket draws from its own PRNG
 * stream (xoshiro256** seeded by splitmix64 from (seed, ticket number)).
 *
 * Answers about tickets: a first pass regenerates every ticket (same
 * streams, nothing written) to count the resolved tickets whose answer
 * would fall before now; the writing pass then picks exactly o->responses
 * of them by selection sampling (Knuth's algorithm S, its own stream), so
 * the file has exactly the rows asked for. Each answer draws from its own
 * stream (seed, RESP_STREAM + ticket or answer number): the tickets' bytes
 * do not depend on whether answers are written. Who wrote each agent event
 * draws from a third stream (seed, TEAMMATE_STREAM + ticket number), so
 * tickets.csv does not depend on it either.
 *
 * Sizes: a ticket row is ~190 bytes, so 10 million tickets are ~1.9 GB;
 * a ticket has at most SAMPLE_MAX_EVENTS events (about 6 on average), a
 * messages row is ~52 bytes, a responses row ~55 bytes without a comment
 * (50 million standalone answers: ~2.7 GB, ~10 s). Nothing grows with the
 * row counts: the only allocations are three fixed output buffers. The
 * arrival intensity is evaluated hour by hour (days * 24 evaluations,
 * three passes) and never stored.
 *
 * Output: RFC 4180 CSV with LF line ends; no field ever needs quoting (no
 * comma, quote or line break in any value). Instants are RFC 3339 UTC with
 * second precision ("2024-03-05T14:07:00Z"); an empty field means missing.
 * Files are written under a temporary name and renamed when complete.
 */
#include "cxm.h"
#include "core/diag.h"
#include "core/limits.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ---- vocabularies ------------------------------------------------------ */

enum { CH_EMAIL, CH_CHAT, CH_PHONE, CH_WEB, CH_SOCIAL, CH_N };
enum { TEAM_BILLING, TEAM_TECHNICAL, TEAM_ACCOUNTS, TEAM_APAC, TEAM_N };
enum { PR_LOW, PR_NORMAL, PR_HIGH, PR_URGENT, PR_N };
enum { ST_NONE, ST_NEW, ST_OPEN, ST_PENDING, ST_SOLVED, ST_CLOSED };
enum { AU_CUSTOMER, AU_AGENT, AU_BOT, AU_SYSTEM };

static const char *const CHANNEL_NAME[CH_N] = {"email", "chat", "phone", "web", "social"};
static const char *const TEAM_NAME[TEAM_N] = {"Billing", "Technical", "Accounts", "APAC"};
static const char *const PRIO_NAME[PR_N] = {"low", "normal", "high", "urgent"};
static const char *const STATUS_NAME[] = {"", "new", "open", "pending", "solved", "closed"};
static const char *const AUTHOR_NAME[] = {"customer", "agent", "bot", "system"};

/* Cumulative shares (percent): channel 40/25/20/10/5, priority 30/50/15/5. */
static const double CHANNEL_CUM[CH_N] = {0.40, 0.65, 0.85, 0.95, 1.0};
static const double PRIO_CUM[PR_N] = {0.30, 0.80, 0.95, 1.0};

/* 60 agents: Billing 18, Technical 24, Accounts 12, APAC 6. */
#define SAMPLE_AGENTS 60
static const int TEAM_FIRST_AGENT[TEAM_N] = {0, 18, 42, 54};
static const int TEAM_SIZE[TEAM_N] = {18, 24, 12, 6};
/* Team by the local hour: APAC takes most night tickets (~10% overall). */
static const double TEAM_CUM_DAY[TEAM_N] = {0.32, 0.75, 0.95, 1.0};
static const double TEAM_CUM_NIGHT[TEAM_N] = {0.17, 0.40, 0.55, 1.0};

/* Tags: one word from the team's list, sometimes one generic word. */
static const char *const TEAM_TAGS[TEAM_N][4] = {{"billing", "refund", "invoice", "payment"},
                                                 {"bug", "login", "outage", "api"},
                                                 {"password", "account", "cancel", "gdpr"},
                                                 {"billing", "login", "account", "bug"}};
static const char *const GENERIC_TAGS[2] = {"vip", "feature_request"};

/* Arrival seasonality, Europe/Berlin local time: Monday .. Sunday, hours. */
static const double WEEKDAY_W[7] = {1.25, 1.15, 1.05, 1.00, 0.90, 0.42, 0.38};
static const double HOUR_W[24] = {0.10, 0.07, 0.05, 0.05, 0.06, 0.10, 0.25, 0.55, 0.95, 1.30, 1.45, 1.40,
                                  1.15, 1.20, 1.35, 1.30, 1.15, 0.95, 0.70, 0.50, 0.40, 0.32, 0.22, 0.15};

/* Median first reply of the asynchronous channels, in BUSINESS seconds,
 * for a normal-priority ticket; multiplied by the priority factor. */
static const double FRT_MEDIAN[CH_N] = {2.0 * 3600, 0, 0, 2.4 * 3600, 1.0 * 3600};
static const double PRIO_FACTOR[PR_N] = {1.8, 1.0, 0.4, 0.15};
/* Median gap from a customer message to the agent's next reply (business s). */
static const double AGENT_GAP_MEDIAN[PR_N] = {3.0 * 3600, 1.5 * 3600, 2700, 1200};
/* Share of tickets resolved in one agent reply, by channel (before reopens). */
static const double FCR_P[CH_N] = {0.50, 0.68, 0.72, 0.50, 0.60};
/* Median agent work per public reply, by channel (seconds). */
static const double WORK_MEDIAN[CH_N] = {300, 480, 330, 300, 180};

#define SAMPLE_MAX_EVENTS  64          /* events of one ticket (at most 43 are made) */
#define SAMPLE_OUT_BUF     (1u << 20)  /* bytes buffered per output file */
#define SAMPLE_MAX_ROW     1024        /* bytes one row can take (~300 used) */
#define SAMPLE_CLOSE_AFTER (4 * 86400) /* solved -> closed by the system */
#define SAMPLE_DAY_LIMIT   2932897     /* 10000-01-01: RFC 3339 years are 4 digits */
#define BIZ_OPEN           (8 * 3600)  /* business hours, local, Monday-Friday */
#define BIZ_CLOSE          (18 * 3600)

/* ---- PRNG: splitmix64 seeds xoshiro256** -------------------------------- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* One independent stream per (seed, stream number). */
static void rng_init(rng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed;
    uint64_t base = splitmix64(&x);
    x = base ^ ((stream + 1) * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl64(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in (0, 1), never 0 or 1 (safe for logs and the normal quantile). */
static inline double rng_u01(rng *r) {
    return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* Uniform integer in [0, n), 1 <= n <= 2^32 (Lemire's multiply-shift). */
static inline uint64_t rng_below(rng *r, uint64_t n) {
    if (n > (1ull << 32)) n = 1ull << 32; /* callers stay far below */
    return ((rng_next(r) >> 32) * n) >> 32;
}

static inline int rng_bern(rng *r, double p) {
    return rng_u01(r) < p;
}

static int rng_pick(rng *r, const double *cum, int n) {
    double u = rng_u01(r);
    for (int i = 0; i < n - 1; i++)
        if (u < cum[i]) return i;
    return n - 1;
}

/* Standard normal quantile (Acklam's rational approximation, rel. error
 * 1.2e-9); the central 95% costs no log or sqrt. p in (0, 1). */
static double norm_quantile(double p) {
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                                1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                3.754408661907416e+00};
    const double plow = 0.02425;
    if (p < plow || p > 1 - plow) {
        double q = sqrt(-2 * log(p < plow ? p : 1 - p));
        double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                   ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        return p < plow ? x : -x;
    }
    double q = p - 0.5, rr = q * q;
    return (((((a[0] * rr + a[1]) * rr + a[2]) * rr + a[3]) * rr + a[4]) * rr + a[5]) * q /
           (((((b[0] * rr + b[1]) * rr + b[2]) * rr + b[3]) * rr + b[4]) * rr + 1);
}

/* Lognormal with the given median and log-scale sigma, rounded to whole
 * seconds and clamped to [lo, hi]. */
static int64_t rng_lognormal(rng *r, double median, double sigma, int64_t lo, int64_t hi) {
    double v = median * exp(sigma * norm_quantile(rng_u01(r)));
    if (!(v >= (double)lo)) return lo; /* also catches NaN */
    if (v >= (double)hi) return hi;
    return (int64_t)(v + 0.5);
}

/* Geometric count of extra steps: P(k) = (1-p)^k p, capped at cap. */
static int rng_geometric(rng *r, double p, int cap) {
    int k = 0;
    while (k < cap && !rng_bern(r, p))
        k++;
    return k;
}

/* ---- civil time and the Europe/Berlin rule ----------------------------- */

static int64_t floordiv64(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Howard Hinnant's civil_from_days / days_from_civil (day 0 = 1970-01-01). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = floordiv64(z, 146097);
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = floordiv64(y, 400);
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int weekday_of(int64_t days) { /* 0 = Monday .. 6 = Sunday */
    return (int)(days + 3 - floordiv64(days + 3, 7) * 7);
}

static int64_t last_sunday(int64_t y, unsigned m) { /* March and October have 31 days */
    int64_t last = days_from_civil(y, m, 31);
    return last - (weekday_of(last) + 1) % 7;
}

/* Europe/Berlin by today's EU rule, applied to every year: UTC+1, and
 * UTC+2 from the last Sunday of March 01:00Z to the last Sunday of October
 * 01:00Z. Caches one year's transition instants. */
typedef struct zone {
    int64_t year_lo, year_hi; /* UTC seconds of the cached year [lo, hi) */
    int64_t dst_on, dst_off;
} zone;

static int64_t zone_offset(zone *z, int64_t t) {
    if (t < z->year_lo || t >= z->year_hi) {
        int64_t y;
        unsigned m, d;
        civil_from_days(floordiv64(t, 86400), &y, &m, &d);
        z->year_lo = days_from_civil(y, 1, 1) * 86400;
        z->year_hi = days_from_civil(y + 1, 1, 1) * 86400;
        z->dst_on = last_sunday(y, 3) * 86400 + 3600;
        z->dst_off = last_sunday(y, 10) * 86400 + 3600;
    }
    return (t >= z->dst_on && t < z->dst_off) ? 7200 : 3600;
}

/* The local day containing t, and the UTC instant of that day's 08:00 and
 * 18:00 (the offset at local noon is the offset of the whole business day:
 * transitions happen at 01:00Z on Sundays). */
static int64_t local_day(zone *z, int64_t t) {
    return floordiv64(t + zone_offset(z, t), 86400);
}
static int64_t biz_open_utc(zone *z, int64_t ld) {
    return ld * 86400 + BIZ_OPEN - zone_offset(z, ld * 86400 + 11 * 3600);
}

/* t plus secs of business time (Monday-Friday 08:00-18:00 local). */
static int64_t biz_add(zone *z, int64_t t, int64_t secs) {
    for (int guard = 0; guard < 20000; guard++) {
        int64_t ld = local_day(z, t);
        int64_t open = biz_open_utc(z, ld), close = open + (BIZ_CLOSE - BIZ_OPEN);
        if (weekday_of(ld) >= 5 || t >= close) {
            t = biz_open_utc(z, ld + 1);
            continue;
        }
        if (t < open) t = open;
        if (secs <= close - t) return t + secs;
        secs -= close - t;
        t = biz_open_utc(z, ld + 1);
    }
    return t + secs; /* unreachable for the clamped inputs used here */
}

/* ---- arrival intensity -------------------------------------------------- */

typedef struct gen {
    const cxm_sample_opts *o;
    zone z;
    int64_t start, now; /* UTC seconds: first creation day 00:00Z, range end */
    uint64_t ncust;     /* customer pool */
    int idw, custw;     /* zero-padding widths of ticket and customer ids */
    char agent_name[SAMPLE_AGENTS][12];
} gen;

/* Relative arrival rate of the UTC hour starting at t. */
static double hour_weight(gen *g, int64_t t) {
    int64_t mid = t + 1800;
    int64_t lt = mid + zone_offset(&g->z, mid);
    int64_t ld = floordiv64(lt, 86400);
    int h = (int)((lt - ld * 86400) / 3600);
    double w = WEEKDAY_W[weekday_of(ld)] * HOUR_W[h];
    w *= 1.0 + 0.15 * (double)(t - g->start) / (double)(g->now - g->start); /* growth */
    int64_t y;
    unsigned m, d;
    civil_from_days(ld, &y, &m, &d);
    if ((m == 12 && (d == 24 || d == 25 || d == 26 || d == 31)) || (m == 1 && d == 1)) w *= 0.35; /* holidays */
    return w;
}

/* Hours that must get tickets: the two UTC hours around each Europe/Berlin
 * DST change (00:00Z-02:00Z on the last Sundays of March and October), and
 * 09:00Z-11:00Z on every 29 February. */
static int special_hour(int64_t t) {
    int64_t day = floordiv64(t, 86400);
    int h = (int)((t - day * 86400) / 3600);
    int64_t y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    if (m == 2 && d == 29) return h == 9 || h == 10;
    if ((m == 3 || m == 10) && (h == 0 || h == 1)) return day == last_sunday(y, m);
    return 0;
}

/* ---- one ticket's life ------------------------------------------------- */

typedef struct event {
    int64_t t;
    uint32_t work; /* agent seconds spent on this event */
    uint8_t author, pub, status;
} event;

typedef struct ticket {
    uint64_t num; /* 1-based */
    int64_t created, answered;
    int ch, team, prio, agent, complaint, sync, abandoned;
    uint64_t cust;
    char tags[64];
    event e[SAMPLE_MAX_EVENTS];
    int ne;
    uint8_t cur; /* status after the last status-bearing event pushed */
    int64_t t;   /* the conversation clock */
    /* derived after the cut */
    int64_t first_response, first_resolved, resolved, closed;
    uint32_t reopens, agent_replies, customer_replies;
    uint64_t handle;
    int has_agent;
    uint8_t status;
} ticket;

static void push(ticket *k, int64_t t, int author, int pub, int status, int64_t work) {
    if (k->ne >= SAMPLE_MAX_EVENTS) return; /* unreachable: at most 43 */
    event *e = &k->e[k->ne++];
    e->t = t;
    e->author = (uint8_t)author;
    e->pub = (uint8_t)pub;
    e->work = (uint32_t)(work < 0 ? 0 : work > 86400 ? 86400 : work);
    if (status != ST_NONE && status == k->cur) status = ST_NONE;
    if (status != ST_NONE) k->cur = (uint8_t)status;
    e->status = (uint8_t)status;
}

static int64_t customer_gap(rng *r, const ticket *k) {
    /* Customers answer in hours on async channels, by the next day on a
     * follow-up of a call or chat. */
    return rng_lognormal(r, k->sync ? 6 * 3600.0 : 3 * 3600.0, 1.2, 60, 10 * 86400);
}

static int64_t agent_reply_time(gen *g, rng *r, const ticket *k, int64_t t) {
    int64_t gap = rng_lognormal(r, AGENT_GAP_MEDIAN[k->prio], 1.0, 60, 15 * 86400);
    if (k->team == TEAM_APAC || rng_bern(r, 0.25)) return t + gap; /* round the clock */
    return biz_add(&g->z, t, gap);
}

static int64_t reply_work(rng *r, const ticket *k) {
    return rng_lognormal(r, WORK_MEDIAN[k->ch], 0.6, 20, 4 * 3600);
}

/* n more public agent replies, each usually answering a customer message. */
static void converse(gen *g, rng *r, ticket *k, int n, int customer_first) {
    for (int j = 0; j < n; j++) {
        if ((j > 0 || customer_first) && rng_bern(r, 0.85)) {
            k->t += customer_gap(r, k);
            push(k, k->t, AU_CUSTOMER, 1, ST_OPEN, 0);
        }
        k->t = agent_reply_time(g, r, k, k->t);
        push(k, k->t, AU_AGENT, 1, ST_PENDING, reply_work(r, k));
    }
}

/* Ends a cycle with "solved": on the last reply itself, after a customer's
 * thank-you, or as a later status change without a message. */
static void solve(rng *r, ticket *k) {
    double u = rng_u01(r);
    event *last = &k->e[k->ne - 1];
    if (u < 0.6 && last->author == AU_AGENT && last->pub) {
        last->status = ST_SOLVED; /* the cycle always leaves "solved" unset */
        k->cur = ST_SOLVED;
        return;
    }
    if (u < 0.8) {
        k->t += rng_lognormal(r, 1800, 1.0, 60, 2 * 86400);
        push(k, k->t, AU_CUSTOMER, 1, ST_OPEN, 0);
    }
    k->t += rng_lognormal(r, 2700, 1.0, 30, 2 * 86400);
    push(k, k->t, AU_AGENT, 0, ST_SOLVED, rng_lognormal(r, 45, 0.5, 5, 600));
}

static void add_notes(rng *r, ticket *k) {
    double u = rng_u01(r);
    int n = u < 0.70 ? 0 : u < 0.92 ? 1 : 2;
    if (k->complaint) n++;
    int64_t last = k->t > k->created + 1 ? k->t : k->created + 60;
    for (int i = 0; i < n; i++) {
        int64_t at = k->created + 1 + (int64_t)rng_below(r, (uint64_t)(last - k->created));
        push(k, at, AU_AGENT, 0, ST_NONE, rng_lognormal(r, 60, 0.5, 5, 1800));
    }
}

static void gen_tags(rng *r, ticket *k) {
    double u = rng_u01(r);
    char *p = k->tags;
    p[0] = 0;
    if (u < 0.5) return;
    const char *a = TEAM_TAGS[k->team][rng_below(r, 4)];
    size_t la = strlen(a);
    memcpy(p, a, la);
    p += la;
    const char *b = NULL;
    if (k->complaint && rng_bern(r, 0.5))
        b = "escalated";
    else if (u >= 0.85)
        b = GENERIC_TAGS[rng_below(r, 2)];
    if (b) {
        size_t lb = strlen(b);
        *p++ = ';';
        memcpy(p, b, lb);
        p += lb;
    }
    *p = 0;
}

static void gen_ticket(gen *g, rng *r, ticket *k) {
    k->ne = 0;
    k->cur = ST_NONE;
    k->answered = CXM_TIME_NULL;
    k->abandoned = 0;
    k->ch = rng_pick(r, CHANNEL_CUM, CH_N);
    k->prio = rng_pick(r, PRIO_CUM, PR_N);
    int64_t lt = k->created + zone_offset(&g->z, k->created);
    int lh = (int)((lt - floordiv64(lt, 86400) * 86400) / 3600);
    int night = lh < 7 || lh >= 20;
    k->team = rng_pick(r, night ? TEAM_CUM_NIGHT : TEAM_CUM_DAY, TEAM_N);
    k->agent = TEAM_FIRST_AGENT[k->team] + (int)((double)TEAM_SIZE[k->team] * pow(rng_u01(r), 1.4));
    k->cust = rng_bern(r, 0.3) ? rng_below(r, g->ncust / 20 + 1) : rng_below(r, g->ncust);
    k->complaint = rng_bern(r, 0.04);
    k->sync = k->ch == CH_CHAT || k->ch == CH_PHONE;
    gen_tags(r, k);

    double age_days = (double)(g->now - k->created) / 86400.0;
    int unresolved = rng_bern(r, 0.08 + 0.40 * exp(-age_days / 4.0));
    double fcr_p = FCR_P[k->ch] * (k->complaint ? 0.5 : 1.0);
    int fcr = rng_bern(r, fcr_p);
    int extra = 1 + rng_geometric(r, 0.55, 8); /* agent replies after the first */

    k->t = k->created;
    push(k, k->created, AU_CUSTOMER, 1, ST_NEW, 0);
    double bot_p = k->ch == CH_CHAT ? 0.8 : k->ch == CH_PHONE ? 0.0 : k->ch == CH_SOCIAL ? 0.1 : 0.5;
    if (rng_bern(r, bot_p)) push(k, k->created + 1 + (int64_t)rng_below(r, 5), AU_BOT, 1, ST_NONE, 0);

    if (k->sync) {
        if (rng_bern(r, 0.06)) { /* the caller hung up before an agent answered */
            k->abandoned = 1;
            k->t = k->created + rng_lognormal(r, 75, 0.8, 5, 1800);
            push(k, k->t, AU_SYSTEM, 0, ST_CLOSED, 0);
            return;
        }
        k->answered = k->created + rng_lognormal(r, k->ch == CH_PHONE ? 35 : 50, 0.9, 1, 3600);
        int64_t fr = k->answered + (k->ch == CH_CHAT ? 3 + (int64_t)rng_below(r, 25) : 0);
        int64_t talk = rng_lognormal(r, k->ch == CH_PHONE ? 330 : 420, 0.55, 30, 4 * 3600);
        push(k, fr, AU_AGENT, 1, ST_OPEN, talk);
        k->t = k->answered + talk; /* end of the call or chat session */
        if (fcr && !unresolved) {
            push(k, k->t, AU_AGENT, 0, ST_SOLVED, 0);
        } else {
            converse(g, r, k, extra, 0); /* the agent follows up */
            if (unresolved) goto backlog;
            solve(r, k);
        }
    } else {
        if (rng_bern(r, 0.03)) { /* never answered in public */
            if (!unresolved && rng_bern(r, 0.5)) {
                /* solved without a public reply (duplicate, spam, self-help) */
                k->t = k->created + rng_lognormal(r, 20 * 3600.0, 1.0, 600, 20 * 86400);
                push(k, k->t, AU_AGENT, 0, ST_SOLVED, rng_lognormal(r, 90, 0.5, 10, 1800));
                goto closing;
            }
            if (rng_bern(r, 0.35)) { /* the customer chases; the status stays new */
                k->t = k->created + rng_lognormal(r, 2 * 86400.0, 0.7, 3600, 30 * 86400);
                push(k, k->t, AU_CUSTOMER, 1, ST_NONE, 0);
            }
            return;
        }
        int64_t frt = rng_lognormal(r, FRT_MEDIAN[k->ch] * PRIO_FACTOR[k->prio], 1.1, 30, 20 * 86400);
        int64_t fr = (k->team == TEAM_APAC || rng_bern(r, 0.2)) ? k->created + frt : biz_add(&g->z, k->created, frt);
        push(k, fr, AU_AGENT, 1, ST_PENDING, reply_work(r, k));
        k->t = fr;
        if (!fcr || unresolved) converse(g, r, k, extra, 1);
        if (unresolved) goto backlog;
        solve(r, k);
    }

    /* solved: maybe reopened by the customer (before the system closes it) */
    for (int round = 0; round < 2; round++) {
        double p = round == 0 ? (k->complaint ? 0.20 : 0.075) : 0.15;
        if (!rng_bern(r, p)) break;
        k->t += rng_lognormal(r, 18 * 3600.0, 1.0, 600, SAMPLE_CLOSE_AFTER - 3600);
        push(k, k->t, AU_CUSTOMER, 1, ST_OPEN, 0);
        converse(g, r, k, 1 + rng_geometric(r, 0.6, 2), 0);
        solve(r, k);
    }
closing:
    add_notes(r, k);
    push(k, k->t + SAMPLE_CLOSE_AFTER + (int64_t)rng_below(r, 3600), AU_SYSTEM, 0, ST_CLOSED, 0);
    return;
backlog:
    if (rng_bern(r, 0.5)) { /* the customer wrote last */
        k->t += customer_gap(r, k);
        push(k, k->t, AU_CUSTOMER, 1, ST_OPEN, 0);
    }
    add_notes(r, k);
}

/* Sorts the events by time (stable: ties keep the order they were made in,
 * which puts a note after a status event of the same second), cuts them at
 * now and derives the ticket columns. */
static void settle(gen *g, ticket *k) {
    for (int i = 1; i < k->ne; i++) {
        event e = k->e[i];
        int j = i;
        while (j > 0 && k->e[j - 1].t > e.t) {
            k->e[j] = k->e[j - 1];
            j--;
        }
        k->e[j] = e;
    }
    while (k->ne > 0 && k->e[k->ne - 1].t >= g->now)
        k->ne--;
    k->first_response = k->first_resolved = k->resolved = k->closed = CXM_TIME_NULL;
    k->reopens = k->agent_replies = k->customer_replies = 0;
    k->handle = 0;
    k->has_agent = 0;
    uint8_t st = ST_NONE;
    int64_t last_solved = CXM_TIME_NULL;
    for (int i = 0; i < k->ne; i++) {
        const event *e = &k->e[i];
        if (e->author == AU_AGENT) {
            k->has_agent = 1;
            k->handle += e->work;
            if (e->pub) {
                if (k->first_response == CXM_TIME_NULL) k->first_response = e->t;
                k->agent_replies++;
            }
        } else if (e->author == AU_CUSTOMER) {
            k->customer_replies++;
        }
        switch (e->status) {
        case ST_SOLVED:
            if (k->first_resolved == CXM_TIME_NULL) k->first_resolved = e->t;
            last_solved = e->t;
            break;
        case ST_OPEN:
            if (st == ST_SOLVED) k->reopens++;
            break;
        case ST_CLOSED: k->closed = e->t; break;
        default: break;
        }
        if (e->status != ST_NONE) st = e->status;
    }
    k->status = st;
    if (st == ST_SOLVED || st == ST_CLOSED) k->resolved = last_solved;
    if (k->answered != CXM_TIME_NULL && k->answered >= g->now) k->answered = CXM_TIME_NULL;
}

/* ---- formatting ------------------------------------------------------- */

static const char DIGITS2[] = "00010203040506070809101112131415161718192021222324"
                              "25262728293031323334353637383940414243444546474849"
                              "50515253545556575859606162636465666768697071727374"
                              "75767778798081828384858687888990919293949596979899";

typedef struct tsfmt {
    int64_t day;
    char date[11]; /* "YYYY-MM-DDT" for day */
} tsfmt;

static char *put_str(char *p, const char *s) {
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* v in decimal, left-padded with zeros to at least width digits (<= 20). */
static char *put_u64(char *p, uint64_t v, int width) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    while (n < width && n < 20)
        tmp[n++] = '0';
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* An instant 0 <= t < year 10000 as YYYY-MM-DDTHH:MM:SSZ; nothing if NULL. */
static char *put_time(tsfmt *c, char *p, int64_t t) {
    if (t == CXM_TIME_NULL) return p;
    int64_t day = t / 86400;
    int s = (int)(t - day * 86400);
    if (day != c->day) {
        int64_t y;
        unsigned m, d;
        civil_from_days(day, &y, &m, &d);
        char *q = put_u64(c->date, (uint64_t)y, 4);
        *q++ = '-';
        memcpy(q, DIGITS2 + 2 * m, 2);
        q[2] = '-';
        memcpy(q + 3, DIGITS2 + 2 * d, 2);
        q[5] = 'T';
        c->day = day;
    }
    memcpy(p, c->date, 11);
    memcpy(p + 11, DIGITS2 + 2 * (s / 3600), 2);
    p[13] = ':';
    memcpy(p + 14, DIGITS2 + 2 * (s / 60 % 60), 2);
    p[16] = ':';
    memcpy(p + 17, DIGITS2 + 2 * (s % 60), 2);
    p[19] = 'Z';
    return p + 20;
}

static const char TICKETS_HEADER[] = "ticket_id,created_at,first_response_at,first_resolved_at,resolved_at,closed_at,"
                                     "answered_at,channel,agent,team,priority,status,customer_id,reopens,agent_replies,"
                                     "customer_replies,handle_seconds,abandoned,complaint,tags\n";
static const char MESSAGES_HEADER[] = "ticket_id,at,author,public,status,agent\n";

/* ---- output files ------------------------------------------------------ */

typedef struct outfile {
    FILE *f;
    char *buf;
    size_t len;
    char path[4096], tmp[4096];
} outfile;

static int out_flush(outfile *w, cxm_diag *diag) {
    if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len)
        return cxm_diag_set(diag, CXM_EIO, w->tmp, 0, 0, NULL, "cannot write: %s", strerror(errno));
    w->len = 0;
    return 0;
}

/* Makes room for one more row; the caller writes at w->buf + w->len. */
static int out_room(outfile *w, cxm_diag *diag) {
    return w->len + SAMPLE_MAX_ROW > SAMPLE_OUT_BUF ? out_flush(w, diag) : 0;
}

static int out_open(outfile *w, const char *dir, const char *name, cxm_diag *diag) {
    int n1 = snprintf(w->path, sizeof w->path, "%s/%s", dir, name);
    int n2 = snprintf(w->tmp, sizeof w->tmp, "%s/.%s.tmp", dir, name);
    if (n1 < 0 || n2 < 0 || (size_t)n2 >= sizeof w->tmp) {
        w->tmp[0] = 0; /* never remove a truncated name */
        return cxm_diag_set(diag, CXM_EUSAGE, dir, 0, 0, NULL, "output path too long");
    }
    w->buf = malloc(SAMPLE_OUT_BUF);
    if (!w->buf) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    w->len = 0;
    w->f = fopen(w->tmp, "wb");
    if (!w->f) return cxm_diag_set(diag, CXM_EIO, w->tmp, 0, 0, NULL, "cannot create: %s", strerror(errno));
    return 0;
}

/* Flushes and closes the temporary file. */
static int out_finish(outfile *w, cxm_diag *diag) {
    if (!w->f) return 0;
    int rc = out_flush(w, diag);
    if (fclose(w->f) != 0 && rc == 0)
        rc = cxm_diag_set(diag, CXM_EIO, w->tmp, 0, 0, NULL, "cannot write: %s", strerror(errno));
    w->f = NULL;
    return rc;
}

/* Renames a finished temporary file into place. */
static int out_commit(outfile *w, cxm_diag *diag) {
    if (!w->tmp[0]) return 0;
    if (rename(w->tmp, w->path) != 0)
        return cxm_diag_set(diag, CXM_EIO, w->path, 0, 0, NULL, "cannot rename %s: %s", w->tmp, strerror(errno));
    w->tmp[0] = 0;
    return 0;
}

/* Closes and removes whatever is left of a failed write; frees the buffer. */
static void out_discard(outfile *w) {
    if (w->f) fclose(w->f);
    w->f = NULL;
    if (w->tmp[0]) remove(w->tmp);
    w->tmp[0] = 0;
    free(w->buf);
    w->buf = NULL;
}

/* mkdir -p */
static int make_dirs(const char *dir, cxm_diag *diag) {
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "output directory name is empty or too long");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != 0) continue;
        char saved = path[i];
        path[i] = 0;
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot create directory: %s", strerror(errno));
        path[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cxm_diag_set(diag, CXM_EIO, dir, 0, 0, NULL, "not a directory");
    return 0;
}

static int digits_of(uint64_t v) {
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* ---- rows -------------------------------------------------------------- */

static char *put_ticket_row(gen *g, tsfmt *c, char *p, const ticket *k, const char *id) {
    p = put_str(p, id);
    *p++ = ',';
    p = put_time(c, p, k->created);
    *p++ = ',';
    p = put_time(c, p, k->first_response);
    *p++ = ',';
    p = put_time(c, p, k->first_resolved);
    *p++ = ',';
    p = put_time(c, p, k->resolved);
    *p++ = ',';
    p = put_time(c, p, k->closed);
    *p++ = ',';
    p = put_time(c, p, k->answered);
    *p++ = ',';
    p = put_str(p, CHANNEL_NAME[k->ch]);
    *p++ = ',';
    if (k->has_agent) p = put_str(p, g->agent_name[k->agent]);
    *p++ = ',';
    p = put_str(p, TEAM_NAME[k->team]);
    *p++ = ',';
    p = put_str(p, PRIO_NAME[k->prio]);
    *p++ = ',';
    p = put_str(p, STATUS_NAME[k->status]);
    *p++ = ',';
    *p++ = 'C';
    p = put_u64(p, k->cust + 1, g->custw);
    *p++ = ',';
    p = put_u64(p, k->reopens, 1);
    *p++ = ',';
    p = put_u64(p, k->agent_replies, 1);
    *p++ = ',';
    p = put_u64(p, k->customer_replies, 1);
    *p++ = ',';
    if (k->has_agent) p = put_u64(p, k->handle, 1);
    *p++ = ',';
    p = put_str(p, k->abandoned ? "true," : "false,");
    p = put_str(p, k->complaint ? "true," : "false,");
    p = put_str(p, k->tags);
    *p++ = '\n';
    return p;
}

/* ---- the arrival walk --------------------------------------------------- */

/* Stratified placement of n items over the hourly arrival intensity: item i
 * goes to the quantile (i + u) / n of the running total. Special hours are
 * lifted to at least 4 items' worth when n >= 1000 (stratified sampling then
 * puts >= 2 items there). */
typedef struct walk {
    double lift, unit, cum, w;
    int64_t h, hours;
} walk;

static double walk_weight(gen *g, const walk *wk, int64_t h) {
    int64_t t = g->start + h * 3600;
    double w = hour_weight(g, t);
    if (w < wk->lift && special_hour(t)) w = wk->lift;
    return w;
}

static void walk_init(gen *g, walk *wk, uint64_t n) {
    memset(wk, 0, sizeof *wk);
    wk->hours = (int64_t)g->o->days * 24;
    double total = 0;
    for (int64_t h = 0; h < wk->hours; h++)
        total += hour_weight(g, g->start + h * 3600);
    wk->lift = n >= 1000 ? 4.0 * total / (double)n : 0.0;
    if (wk->lift > 0) {
        total = 0;
        for (int64_t h = 0; h < wk->hours; h++)
            total += walk_weight(g, wk, h);
    }
    wk->unit = n ? total / (double)n : 0;
    wk->w = walk_weight(g, wk, 0);
}

/* The instant (UTC seconds) of item i, u uniform in (0, 1); i ascends. */
static int64_t walk_next(gen *g, walk *wk, uint64_t i, double u) {
    double target = ((double)i + u) * wk->unit;
    while (wk->cum + wk->w <= target && wk->h + 1 < wk->hours) {
        wk->cum += wk->w;
        wk->h++;
        wk->w = walk_weight(g, wk, wk->h);
    }
    double frac = (target - wk->cum) / wk->w;
    int64_t sec = frac <= 0 ? 0 : frac >= 1 ? 3599 : (int64_t)(frac * 3600.0);
    if (sec > 3599) sec = 3599;
    return g->start + wk->h * 3600 + sec;
}

/* ---- survey answers ------------------------------------------------------ */

enum { SV_NPS, SV_CSAT, SV_CES, SV_N };
enum { SENT_NEG, SENT_NEUTRAL, SENT_POS, SENT_N };
enum { LANG_EN, LANG_MS, LANG_ZH, LANG_JA, LANG_N };

static const char *const SURVEY_NAME[SV_N] = {"nps", "csat", "ces"};
/* nps 50, csat 40, ces 10 % */
static const double SURVEY_CUM[SV_N] = {0.50, 0.90, 1.0};
/* Scores within a bucket: NPS detractors 0..6 (a bump at 0, most at 5-6). */
static const double NPS_DET_CUM[7] = {0.10, 0.13, 0.17, 0.23, 0.32, 0.58, 1.0};
/* Mood (shift of the good share) by channel: calls and chats please most. */
static const double CHANNEL_MOOD[CH_N] = {0.0, 0.03, 0.05, -0.02, -0.06};
/* Comments: share of answers with one, by sentiment; languages en/ms/zh/ja. */
static const double COMMENT_P[SENT_N] = {0.55, 0.25, 0.30};
static const double LANG_CUM[LANG_N] = {0.55, 0.70, 0.90, 1.0};

#define SAMPLE_SEASON_AMP   0.045    /* mood swing over the year: NPS +-9 points */
#define SAMPLE_TREND        0.03     /* mood gain from the first day to the last */
#define SAMPLE_YEAR         365.2425 /* days of the mean Gregorian year */
#define SAMPLE_TWO_PI       6.283185307179586
#define SAMPLE_UNANSWERED_P 0.10 /* --unanswered: surveys sent, never answered */
#define SAMPLE_MAX_PHRASES  8
#define RESP_STREAM         (1ull << 62)       /* answer streams: RESP_STREAM + number */
#define SELECT_STREAM       ((1ull << 62) - 1) /* the selection of answered tickets */
#define TEAMMATE_STREAM     (1ull << 61)       /* who wrote agent events: TEAMMATE_STREAM + number */
#define SAMPLE_HANDOVER_P   0.12               /* a second teammate takes over (x3 complaint, x4 reopened) */
#define SAMPLE_CONSULT_P    0.25               /* a private note is a colleague's */

/* Who wrote each event of k (settled): who[j] is an agent index for an
 * agent event, -1 for the others. See the header comment. */
static void assign_teammates(rng *r, const ticket *k, int *who) {
    int npub = 0;
    for (int j = 0; j < k->ne; j++)
        npub += k->e[j].author == AU_AGENT && k->e[j].pub;
    const int first = TEAM_FIRST_AGENT[k->team], size = TEAM_SIZE[k->team];
    double p = SAMPLE_HANDOVER_P * (k->reopens ? 4 : k->complaint ? 3 : 1);
    int from = npub >= 2 && rng_bern(r, p) ? 1 + (int)rng_below(r, (uint64_t)(npub - 1)) : -1;
    int second = first + (int)rng_below(r, (uint64_t)(size - 1)); /* another of the team */
    if (second >= k->agent) second++;
    int pub = 0, cur = k->agent;
    for (int j = 0; j < k->ne; j++) {
        const event *e = &k->e[j];
        who[j] = -1;
        if (e->author != AU_AGENT) continue;
        if (e->pub && pub++ == from) cur = second;
        who[j] = cur;
        if (!e->pub && e->status == ST_NONE && rng_bern(r, SAMPLE_CONSULT_P)) { /* a colleague's note */
            int c = first + (int)rng_below(r, (uint64_t)(size - 1));
            who[j] = c >= cur ? c + 1 : c;
        }
    }
}

/* Short comments, none with a comma, a quote or a line break (so no field
 * needs quoting), many naming a theme of examples/themes.ini. */
static const char *const PHRASES[LANG_N][SENT_N][SAMPLE_MAX_PHRASES] = {
    {{"Waited three days for a reply", "Still waiting for my refund", "The agent was rude and unhelpful",
      "Too expensive for what you get", "My order never arrived", "Had to explain the problem three times",
      "Login still does not work", "Customer service took far too long"},
     {"It was okay", "Solved in the end but slow", "Average support experience", "The price is fair",
      "Delivery was a bit late", NULL, NULL, NULL},
     {"Fast reply and friendly agent", "Quick refund thank you", "Great customer service",
      "Problem solved on the first call", "Very helpful support team", "Good value for money", NULL, NULL}},
    {{"Tunggu lama untuk jawapan", "Bayaran balik belum diterima", "Layanan buruk dan tidak mesra",
      "Harga terlalu mahal", "Barang belum sampai", "Khidmat pelanggan sangat lambat", NULL, NULL},
     {"Boleh tahan", "Masalah selesai tapi lambat", "Penghantaran lambat sedikit", NULL, NULL, NULL, NULL, NULL},
     {"Cepat dan mesra", "Khidmat pelanggan yang bagus", "Masalah selesai dengan cepat", "Sangat berbaloi",
      "Terima kasih atas bantuan", NULL, NULL, NULL}},
    {{"等了三天才回复", "退款还没到账", "客服态度不好", "价格太贵了", "快递还没到", "问题一直没解决", NULL, NULL},
     {"还可以", "问题解决了但是有点慢", "物流慢了一点", NULL, NULL, NULL, NULL, NULL},
     {"回复很快，客服很耐心", "退款很快，谢谢", "客服服务很好", "一次就解决了问题", "性价比很高", NULL, NULL, NULL}},
    {{"返信が遅い", "返金がまだです", "対応の態度が悪い", "値段が高い", "商品がまだ届いていない", "問題が解決しない",
      NULL, NULL},
     {"普通でした", "解決したが時間がかかった", NULL, NULL, NULL, NULL, NULL, NULL},
     {"迅速な対応ありがとうございます", "サポートがとても親切でした", "すぐに解決しました", "コスパが良い", NULL, NULL,
      NULL, NULL}}};
/* What joins two phrases of one comment. */
static const char *const PHRASE_SEP[LANG_N] = {". ", ". ", "。", "。"};

static int pick_u(double u, const double *cum, int n) {
    for (int i = 0; i < n - 1; i++)
        if (u < cum[i]) return i;
    return n - 1;
}

/* The shift of the good share on day `day` (days since 1970): a yearly
 * cycle (best in May, worst in November) plus a slow gain over the range. */
static double season_mood(const gen *g, int64_t day) {
    double doy = fmod((double)day, SAMPLE_YEAR); /* day of the year within a day, 0 = 1 Jan */
    double span = (double)(g->now - g->start) / 86400.0;
    double rel = span > 0 ? ((double)day - (double)g->start / 86400.0) / span : 0;
    return SAMPLE_SEASON_AMP * cos(SAMPLE_TWO_PI * (doy - 135.0) / SAMPLE_YEAR) + SAMPLE_TREND * rel;
}

/* A score on the survey's scale (nps 0-10, csat 1-5, ces 1-7); mood moves
 * the good share up (promoters, satisfied boxes) and the bad share down. */
static int draw_score(rng *r, int survey, double mood) {
    double u = rng_u01(r), v = rng_u01(r);
    switch (survey) {
    case SV_NPS: {
        double p = 0.45 + mood, d = 0.25 - mood; /* passives stay at 30 % */
        if (u < d) return pick_u(v, NPS_DET_CUM, 7);
        if (u < 1.0 - p) return v < 0.45 ? 7 : 8;
        return v < 0.42 ? 9 : 10;
    }
    case SV_CSAT:
        if (u < 0.80 + 0.8 * mood) return v < 0.62 ? 5 : 4;
        return v < 0.30 ? 1 : v < 0.50 ? 2 : 3;
    default: /* ces, an agreement scale: 5-7 agree */
        if (u < 0.72 + 0.8 * mood) return v < 0.30 ? 5 : v < 0.70 ? 6 : 7;
        return v < 0.20 ? 1 : v < 0.35 ? 2 : v < 0.60 ? 3 : 4;
    }
}

static int sentiment_of(int survey, int score) {
    switch (survey) {
    case SV_NPS: return score <= 6 ? SENT_NEG : score <= 8 ? SENT_NEUTRAL : SENT_POS;
    case SV_CSAT: return score <= 2 ? SENT_NEG : score == 3 ? SENT_NEUTRAL : SENT_POS;
    default: return score <= 3 ? SENT_NEG : score == 4 ? SENT_NEUTRAL : SENT_POS;
    }
}

static int phrase_count(int lang, int sent) {
    int n = 0;
    while (n < SAMPLE_MAX_PHRASES && PHRASES[lang][sent][n])
        n++;
    return n;
}

/* Writes a comment of one or two phrases (or nothing) at p. */
static char *put_comment(rng *r, char *p, int survey, int score) {
    int sent = sentiment_of(survey, score);
    if (!rng_bern(r, COMMENT_P[sent])) return p;
    int lang = pick_u(rng_u01(r), LANG_CUM, LANG_N);
    int n = phrase_count(lang, sent);
    int a = (int)rng_below(r, (uint64_t)n);
    p = put_str(p, PHRASES[lang][sent][a]);
    if (n > 1 && rng_bern(r, 0.2)) {
        int b = (a + 1 + (int)rng_below(r, (uint64_t)(n - 1))) % n;
        p = put_str(p, PHRASE_SEP[lang]);
        p = put_str(p, PHRASES[lang][sent][b]);
    }
    return p;
}

/* The part of an answer row after ticket_id: survey,score,ticket_id,
 * channel,agent,comment. The id and instant are written by the caller. */
static char *put_answer(gen *g, rng *r, char *p, double mood, const char *ticket_id, int ch, int agent) {
    int survey = pick_u(rng_u01(r), SURVEY_CUM, SV_N);
    int sent_only = g->o->unanswered && rng_bern(r, SAMPLE_UNANSWERED_P);
    int score = draw_score(r, survey, mood);
    p = put_str(p, SURVEY_NAME[survey]);
    *p++ = ',';
    if (!sent_only) p = put_u64(p, (uint64_t)score, 1);
    *p++ = ',';
    if (ticket_id) p = put_str(p, ticket_id);
    *p++ = ',';
    p = put_str(p, CHANNEL_NAME[ch]);
    *p++ = ',';
    if (agent >= 0) p = put_str(p, g->agent_name[agent]);
    *p++ = ',';
    if (g->o->comments && !sent_only) p = put_comment(r, p, survey, score);
    *p++ = '\n';
    return p;
}

/* How the ticket went, as a mood shift: complaints, reopens and long waits
 * hurt; a one-touch resolution helps. */
static double ticket_mood(const ticket *k) {
    double m = 0;
    if (k->complaint) m -= 0.15;
    if (k->reopens > 0) m -= 0.10;
    if (k->resolved != CXM_TIME_NULL && k->resolved - k->created > 3 * 86400) m -= 0.06;
    if (k->agent_replies <= 1 && k->reopens == 0) m += 0.04;
    return m;
}

static double clamp_mood(double m) {
    return m < -0.20 ? -0.20 : m > 0.20 ? 0.20 : m;
}

/* When the customer answers the survey sent at the ticket's resolution
 * (median 3 h, within 14 days), or CXM_TIME_NULL if the ticket is not
 * resolved or the answer would come at or after now. r: the ticket's
 * answer stream, fresh; this is its first draw. */
static int64_t answer_time(gen *g, rng *r, const ticket *k) {
    int64_t delay = rng_lognormal(r, 3 * 3600.0, 1.5, 60, 14 * 86400);
    if (k->resolved == CXM_TIME_NULL) return CXM_TIME_NULL;
    int64_t at = k->resolved + delay;
    return at < g->now ? at : CXM_TIME_NULL;
}

static const char RESPONSES_HEADER[] = "response_id,at,survey,score,ticket_id,channel,agent,comment\n";

/* Creation instant, life and derived columns of ticket i (0-based); r is
 * left after the ticket's draws. */
static void make_ticket(gen *g, walk *wk, rng *r, ticket *k, uint64_t i) {
    rng_init(r, g->o->seed, i);
    k->num = i + 1;
    k->created = walk_next(g, wk, i, rng_u01(r));
    gen_ticket(g, r, k);
    settle(g, k);
}

/* Overwrites every field of o (NULL: nothing happens); dir points to a
 * static ".". */
void cxm_sample_defaults(cxm_sample_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->dir = ".";
    o->tickets = 1000;
    o->seed = 1;
    o->messages = 1;
    o->start_day = 19723; /* 2024-01-01 */
    o->days = 365;
    o->responses = 0;
    o->comments = 0;
    o->unanswered = 0;
}

static void remove_in(const char *dir, const char *name) {
    char p[4200];
    int n = snprintf(p, sizeof p, "%s/%s", dir, name);
    if (n > 0 && (size_t)n < sizeof p) remove(p);
}

/* Counts the tickets an answer could be about (resolved, answer before
 * now): the first pass of the ticket-linked mode. Reports progress as the
 * first half of the work. */
static uint64_t count_answerable(gen *g, ticket *k, uint64_t *done, uint64_t total, uint64_t step) {
    const cxm_sample_opts *o = g->o;
    walk wk;
    walk_init(g, &wk, o->tickets);
    uint64_t e = 0;
    for (uint64_t i = 0; i < o->tickets; i++) {
        rng r, ra;
        make_ticket(g, &wk, &r, k, i);
        rng_init(&ra, o->seed, RESP_STREAM + i);
        e += answer_time(g, &ra, k) != CXM_TIME_NULL;
        ++*done;
        if (o->progress && (*done % step == 0 || *done == total)) o->progress(o->ud, *done, total);
    }
    return e;
}

/* Borrows o (and o->dir) for the call; fills diag on error. Owns and frees
 * everything it allocates; on error no partial file is left behind (a
 * previous complete file of the same name is kept). */
int cxm_sample_write(const cxm_sample_opts *o, cxm_diag *diag) {
    if (!o || !o->dir) return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "no options or no directory");
    if (o->tickets > CXM_MAX_SAMPLE_ROWS)
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL,
                            "--tickets %llu is above the limit of %llu (CXM_MAX_SAMPLE_ROWS)",
                            (unsigned long long)o->tickets, (unsigned long long)CXM_MAX_SAMPLE_ROWS);
    if (o->responses > CXM_MAX_SAMPLE_ROWS)
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL,
                            "--responses %llu is above the limit of %llu (CXM_MAX_SAMPLE_ROWS)",
                            (unsigned long long)o->responses, (unsigned long long)CXM_MAX_SAMPLE_ROWS);
    if (o->days < 1)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "the range must span at least one day (got %d)",
                            o->days);
    if (o->start_day < 0 || o->start_day > SAMPLE_DAY_LIMIT - o->days)
        return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "the range must lie within 1970-01-01..9999-12-31");
    int rc = make_dirs(o->dir, diag);
    if (rc) return rc;

    /* which files: tickets unless only standalone answers are asked for */
    const uint64_t n = o->tickets, nresp = o->responses;
    const int write_tickets = n > 0 || nresp == 0;
    const int write_messages = write_tickets && o->messages;
    const int linked = n > 0 && nresp > 0;

    gen *g = calloc(1, sizeof *g);
    ticket *k = calloc(1, sizeof *k);
    outfile tw, mw, rw;
    memset(&tw, 0, sizeof tw);
    memset(&mw, 0, sizeof mw);
    memset(&rw, 0, sizeof rw);
    if (!g || !k) {
        rc = cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        goto done;
    }
    g->o = o;
    g->z.year_lo = g->z.year_hi = 0;
    g->start = o->start_day * 86400;
    g->now = (o->start_day + o->days) * 86400;
    g->ncust = n / 3 > 0 ? n / 3 : 1;
    g->idw = digits_of(n) > 6 ? digits_of(n) : 6;
    g->custw = digits_of(g->ncust) > 5 ? digits_of(g->ncust) : 5;
    for (int a = 0; a < SAMPLE_AGENTS; a++) {
        char *q = put_str(g->agent_name[a], "agent_");
        q = put_u64(q, (uint64_t)a + 1, 3);
        *q = 0;
    }
    const int rw_width = digits_of(nresp) > 6 ? digits_of(nresp) : 6;

    /* progress: the counting pass and the tickets, or the standalone answers */
    uint64_t total = write_tickets ? n + (linked ? n : 0) : nresp, done_units = 0;
    uint64_t step = total / 100 ? total / 100 : 1;

    uint64_t answerable = 0;
    if (linked) {
        answerable = count_answerable(g, k, &done_units, total, step);
        if (answerable < nresp) {
            rc = cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                              "--responses %llu: only %llu of the %llu tickets are resolved early enough to be "
                              "answered (one answer per ticket); ask for at most that many (about 20%% of "
                              "them, %llu, is a realistic response rate)",
                              (unsigned long long)nresp, (unsigned long long)answerable, (unsigned long long)n,
                              (unsigned long long)(answerable / 5));
            goto done;
        }
    }

    if (write_tickets) {
        rc = out_open(&tw, o->dir, "tickets.csv", diag);
        if (!rc && write_messages) rc = out_open(&mw, o->dir, "messages.csv", diag);
        if (rc) goto done;
        memcpy(tw.buf, TICKETS_HEADER, sizeof TICKETS_HEADER - 1);
        tw.len = sizeof TICKETS_HEADER - 1;
        if (write_messages) {
            memcpy(mw.buf, MESSAGES_HEADER, sizeof MESSAGES_HEADER - 1);
            mw.len = sizeof MESSAGES_HEADER - 1;
        }
    }
    if (nresp) {
        if ((rc = out_open(&rw, o->dir, "responses.csv", diag))) goto done;
        memcpy(rw.buf, RESPONSES_HEADER, sizeof RESPONSES_HEADER - 1);
        rw.len = sizeof RESPONSES_HEADER - 1;
    }

    tsfmt tc = {.day = -1}, mc = {.day = -1}, rfmt = {.day = -1};
    char id[32];
    if (write_tickets) {
        walk wk;
        walk_init(g, &wk, n);
        rng sel;
        rng_init(&sel, o->seed, SELECT_STREAM);
        uint64_t need = nresp, left = answerable, rnum = 0;
        for (uint64_t i = 0; i < n; i++) {
            rng r;
            make_ticket(g, &wk, &r, k, i);
            char *ie = put_u64(id + 1, k->num, g->idw);
            id[0] = 'T';
            *ie = 0;
            if ((rc = out_room(&tw, diag)) != 0) goto done;
            char *p = put_ticket_row(g, &tc, tw.buf + tw.len, k, id);
            tw.len = (size_t)(p - tw.buf);
            if (write_messages) {
                int who[SAMPLE_MAX_EVENTS];
                rng rt;
                rng_init(&rt, o->seed, TEAMMATE_STREAM + i);
                assign_teammates(&rt, k, who);
                for (int j = 0; j < k->ne; j++) {
                    const event *e = &k->e[j];
                    if ((rc = out_room(&mw, diag)) != 0) goto done;
                    p = mw.buf + mw.len;
                    p = put_str(p, id);
                    *p++ = ',';
                    p = put_time(&mc, p, e->t);
                    *p++ = ',';
                    p = put_str(p, AUTHOR_NAME[e->author]);
                    p = put_str(p, e->pub ? ",true," : ",false,");
                    p = put_str(p, STATUS_NAME[e->status]);
                    *p++ = ',';
                    if (who[j] >= 0) p = put_str(p, g->agent_name[who[j]]);
                    *p++ = '\n';
                    mw.len = (size_t)(p - mw.buf);
                }
            }
            if (linked && need > 0) {
                rng ra;
                rng_init(&ra, o->seed, RESP_STREAM + i);
                int64_t at = answer_time(g, &ra, k);
                /* algorithm S: pick need of the left answerable tickets */
                if (at != CXM_TIME_NULL) {
                    if ((double)left * rng_u01(&sel) < (double)need) {
                        if ((rc = out_room(&rw, diag)) != 0) goto done;
                        p = rw.buf + rw.len;
                        *p++ = 'R';
                        p = put_u64(p, ++rnum, rw_width);
                        *p++ = ',';
                        p = put_time(&rfmt, p, at);
                        *p++ = ',';
                        double mood = season_mood(g, floordiv64(at, 86400)) + CHANNEL_MOOD[k->ch] + ticket_mood(k);
                        p = put_answer(g, &ra, p, clamp_mood(mood), id, k->ch, k->agent);
                        rw.len = (size_t)(p - rw.buf);
                        need--;
                    }
                    left--;
                }
            }
            ++done_units;
            if (o->progress && (done_units % step == 0 || done_units == total)) o->progress(o->ud, done_units, total);
        }
    } else {
        /* standalone answers: instants from the arrival walk, channel and
         * agent drawn as a ticket's would be */
        walk wk;
        walk_init(g, &wk, nresp);
        int64_t mood_day = INT64_MIN;
        double day_mood = 0;
        for (uint64_t i = 0; i < nresp; i++) {
            rng r;
            rng_init(&r, o->seed, RESP_STREAM + i);
            int64_t at = walk_next(g, &wk, i, rng_u01(&r));
            int ch = rng_pick(&r, CHANNEL_CUM, CH_N);
            int64_t lt = at + zone_offset(&g->z, at);
            int lh = (int)((lt - floordiv64(lt, 86400) * 86400) / 3600);
            int team = rng_pick(&r, lh < 7 || lh >= 20 ? TEAM_CUM_NIGHT : TEAM_CUM_DAY, TEAM_N);
            int agent = TEAM_FIRST_AGENT[team] + (int)((double)TEAM_SIZE[team] * pow(rng_u01(&r), 1.4));
            int64_t day = floordiv64(at, 86400);
            if (day != mood_day) {
                mood_day = day;
                day_mood = season_mood(g, day);
            }
            if ((rc = out_room(&rw, diag)) != 0) goto done;
            char *p = rw.buf + rw.len;
            *p++ = 'R';
            p = put_u64(p, i + 1, rw_width);
            *p++ = ',';
            p = put_time(&rfmt, p, at);
            *p++ = ',';
            p = put_answer(g, &r, p, clamp_mood(day_mood + CHANNEL_MOOD[ch]), NULL, ch, agent);
            rw.len = (size_t)(p - rw.buf);
            ++done_units;
            if (o->progress && (done_units % step == 0 || done_units == total)) o->progress(o->ud, done_units, total);
        }
    }
    if (total == 0 && o->progress) o->progress(o->ud, 0, 0);

done:
    if (rc == 0) rc = out_finish(&tw, diag);
    if (rc == 0) rc = out_finish(&mw, diag);
    if (rc == 0) rc = out_finish(&rw, diag);
    if (rc == 0) rc = out_commit(&tw, diag);
    if (rc == 0) rc = out_commit(&mw, diag);
    if (rc == 0) rc = out_commit(&rw, diag);
    out_discard(&tw); /* after a commit this only frees the buffer */
    out_discard(&mw);
    out_discard(&rw);
    if (rc == 0) {
        /* files left from an earlier run would not match this data set */
        if (!write_tickets) remove_in(o->dir, "tickets.csv");
        if (!write_messages) remove_in(o->dir, "messages.csv");
        if (!nresp) remove_in(o->dir, "responses.csv");
    }
    free(g);
    free(k);
    return rc;
}
