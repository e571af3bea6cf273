/*
 * alerts.h - alert rules checked as data arrives (docs/ALERTS.md). A front
 * end module of the cxm executable (`cxm serve --alerts FILE`, `cxm alerts
 * check`), not of the engine library: it computes its values with the
 * public cxm_report_run over a store.
 *
 * Three layers, each usable alone (the unit tests inject the lower ones):
 *   1. rules (alerts.c): an INI file, one [rule] section each, parsed into a
 *      cxm_alert_set; every error names file:line and what was expected.
 *   2. decisions (alerts.c): cxm_alerts_evaluate runs an evaluator (by
 *      default cxm_alert_eval_store: cxm_report_run over the rule's window)
 *      for every rule at a given "now" and moves a state machine per (rule,
 *      group): ok -> firing, firing -> ok ("resolved"), firing -> firing
 *      again after `repeat`; a new firing within `cooldown` of the last one
 *      is suppressed. Each step that the outside world must hear of is an
 *      event with its JSON payload.
 *   3. delivery (alerts_run.c): webhook POSTs with libcurl (timeout,
 *      retries, backoff), JSON log lines on stderr, and the watcher thread
 *      of `cxm serve` (woken after each committed ingest batch, debounced,
 *      and on a timer).
 *
 * Invariants: a set's rules never change after loading; state lives in the
 * set and is touched only by the thread calling cxm_alerts_evaluate (the
 * watcher holds it alone). Sizes: up to CXM_MAX_ALERT_RULES rules, up to
 * CXM_MAX_ALERT_STATES (rule, group) states (linear lookup: a few thousand
 * groups evaluate in well under a millisecond per rule); a payload is under
 * 4 KiB.
 */
#ifndef CXM_ALERTS_H
#define CXM_ALERTS_H
#include <stddef.h>
#include <stdint.h>

#include "cxm.h"

#define CXM_ALERT_MAX_WHERE  16u  /* where lines in one rule */
#define CXM_ALERT_TIMEOUT_S  5L   /* one webhook attempt, connection included */
#define CXM_ALERT_ATTEMPTS   3    /* webhook attempts before a post is logged as failed */
#define CXM_ALERT_TICK_S     60.0 /* the watcher evaluates at least this often (time-based windows) */
#define CXM_ALERT_INTERVAL_S 10.0 /* default --alert-interval: at most one evaluation this often */
#define CXM_ALERT_MIN_SECRET 16u  /* characters of a webhook secret at least */

typedef enum cxm_alert_cond { CXM_ALERT_ABOVE, CXM_ALERT_BELOW, CXM_ALERT_CHANGE } cxm_alert_cond;
typedef enum cxm_alert_dir { CXM_ALERT_ANY, CXM_ALERT_UP, CXM_ALERT_DOWN, CXM_ALERT_WORSE } cxm_alert_dir;

/* One rule: a [section] of the rules file. Plain data, no pointers. */
typedef struct cxm_alert_rule {
    char name[128];
    uint64_t line;   /* line of the [name] header */
    char metric[64]; /* catalog id */
    char stat[8];    /* distributions: mean, median, p90...; else "" */
    char target[64]; /* only results with this target (sla_compliance...); "" = every target */
    char by[256];    /* comma list of columns, "" = one group */
    char where[CXM_ALERT_MAX_WHERE][256];
    size_t nwhere;
    cxm_alert_cond cond;
    double threshold;                        /* ABOVE/BELOW, in the metric's unit (seconds, percent...) */
    cxm_alert_dir direction;                 /* CHANGE */
    double confidence;                       /* CHANGE: significant when p < 1 - confidence; default 0.95 */
    int64_t min_n;                           /* below it the condition is not met; default 30 */
    int64_t window_ms;                       /* the window [now - window, now) */
    int64_t repeat_ms;                       /* 0: post firing once; else again every repeat_ms while firing */
    int64_t cooldown_ms;                     /* 0: none; else a new firing this soon after the last one is suppressed */
    char webhook[1024];                      /* http:// or https:// URL */
    char secret[256];                        /* "" = posts unsigned; else the HMAC-SHA256 key of
                                                X-Cxm-Signature (the value, or $NAME's at load for
                                                secret = env:NAME); never logged */
    char tz[64], preset[32], time_basis[16]; /* engine options, "" = default */
    char sla[1024], calendar[1024];          /* paths, resolved against the rules file's directory */
} cxm_alert_rule;

typedef struct cxm_alert_set cxm_alert_set;

/* Parses the rules file at path. *out owned: free with cxm_alert_set_free.
 * CXM_EIO unreadable, CXM_EPARSE (diag: file, line, what was expected),
 * CXM_ELIMIT too many rules or too large a file. */
int cxm_alert_set_load(const char *path, cxm_alert_set **out, cxm_diag *diag) CXM_WUR;
/* The same from text in memory; path names it in messages and anchors
 * relative sla/calendar paths (may be NULL: "<rules>", cwd). */
int cxm_alert_set_parse(const char *text, size_t len, const char *path, cxm_alert_set **out, cxm_diag *diag) CXM_WUR;
void cxm_alert_set_free(cxm_alert_set *s); /* s may be NULL */
size_t cxm_alert_set_count(const cxm_alert_set *s);
const cxm_alert_rule *cxm_alert_set_rule(const cxm_alert_set *s, size_t i); /* borrowed */

/* One group's value in one evaluation of a rule (what an evaluator gives). */
typedef struct cxm_alert_obs {
    char group[512]; /* the group as a JSON object text, e.g. {"team":"Billing"}; "{}" for one group */
    int is_null;
    double value;
    int64_t n;
    int has_ci;
    double ci_low, ci_high;
    int has_compare; /* CHANGE: against the previous window */
    double previous, change, p_value;
    int64_t previous_n;
    char test[24]; /* "two_prop_z", "welch_t", "nps_z" */
    char unit[16]; /* "seconds", "percent", ... */
} cxm_alert_obs;

/* Computes rule's groups over [from, to) (ms). *obs malloc'ed (free()),
 * *nobs entries; 0 or a CXM_E* code with diag filled. */
typedef int (*cxm_alert_eval_fn)(void *ud, const cxm_alert_rule *rule, cxm_time from, cxm_time to, cxm_alert_obs **obs,
                                 size_t *nobs, cxm_diag *diag);

/* The default evaluator: cxm_report_run on the store at ud (a path, const
 * char *) with the rule's metric, stat, where, by and engine options, from
 * = from, to = to, as_of = to. CHANGE rules add the engine's --compare
 * over the previous window [from - window, from): previous value, change,
 * p-value and test per group. */
int cxm_alert_eval_store(void *ud, const cxm_alert_rule *rule, cxm_time from, cxm_time to, cxm_alert_obs **obs,
                         size_t *nobs, cxm_diag *diag) CXM_WUR;

typedef enum cxm_alert_kind {
    CXM_ALERT_FIRING,     /* ok -> firing (post) */
    CXM_ALERT_REPEAT,     /* still firing, repeat interval passed (post) */
    CXM_ALERT_RESOLVED,   /* firing -> ok (post) */
    CXM_ALERT_SUPPRESSED, /* the condition holds but the cooldown runs (log only) */
    CXM_ALERT_ERROR       /* the rule could not be evaluated (log only, state kept) */
} cxm_alert_kind;

typedef struct cxm_alert_event {
    size_t rule; /* index in the set */
    cxm_alert_kind kind;
    char *json; /* owned: the payload (FIRING/REPEAT/RESOLVED) or a log object; one line */
} cxm_alert_event;

typedef struct cxm_alert_events {
    cxm_alert_event *v;
    size_t n, cap;
} cxm_alert_events;
void cxm_alert_events_free(cxm_alert_events *e);   /* frees the payloads and the array; e may be NULL */
const char *cxm_alert_kind_name(cxm_alert_kind k); /* "firing", "resolved"... */

/*
 * Evaluates every rule at now (ms; the window ends there) with eval/ud and
 * appends the events to *out (caller-owned, zeroed before the first use).
 * stateless = 1 (the one-shot command): no state is read or kept, every
 * group whose condition holds is one FIRING event. Returns CXM_ENOMEM or
 * CXM_ELIMIT (more than CXM_MAX_ALERT_STATES states); a rule whose
 * evaluator fails is an ERROR event, not a failure of the call.
 */
int cxm_alerts_evaluate(cxm_alert_set *s, cxm_time now, cxm_alert_eval_fn eval, void *ud, int stateless,
                        cxm_alert_events *out, cxm_diag *diag) CXM_WUR;
/* cxm_alerts_evaluate over the store at path store (borrowed) with one
 * snapshot of it for every rule (cxm_store_snapshot: one consistent state,
 * written once instead of once per report), removed before returning. A
 * store that cannot be read, or holds no records, is one ERROR event per
 * rule. */
int cxm_alerts_evaluate_store(cxm_alert_set *s, cxm_time now, const char *store, int stateless, cxm_alert_events *out,
                              cxm_diag *diag) CXM_WUR;
/* The watcher's states to path (atomically: a temporary file, fsync,
 * rename) and back, so that a restart neither re-posts a firing group nor
 * loses its "resolved" (alerts.c says how). Load: a missing file is no
 * state (0); states of rules no longer in s are dropped; *loaded (may be
 * NULL) counts the states restored. CXM_EIO, CXM_EPARSE with diag. */
int cxm_alerts_state_save(const cxm_alert_set *s, const char *path, cxm_diag *diag) CXM_WUR;
int cxm_alerts_state_load(cxm_alert_set *s, const char *path, size_t *loaded, cxm_diag *diag) CXM_WUR;

/* (rule, group) pairs currently firing. */
size_t cxm_alerts_firing_count(const cxm_alert_set *s);

/* Parses an instant for --now: 2024-06-01T10:00:00Z (seconds optional,
 * ".fff" allowed, Z or +HH:MM / -HH:MM), or a date 2024-06-01 (midnight
 * UTC). CXM_EUSAGE with diag on anything else. */
int cxm_alerts_parse_time(const char *s, cxm_time *out, cxm_diag *diag) CXM_WUR;

/* ---- delivery (alerts_run.c) ------------------------------------------- */

/* libcurl's global state, once per process before any thread posts
 * (cxm_alerts_start does it itself): libcurl is loaded here (curl_dl.h).
 * CXM_EIO when it cannot be loaded or started, with the reason in
 * err[0, cap) (err may be NULL). */
int cxm_webhook_init(char *err, size_t cap) CXM_WUR;
void cxm_webhook_cleanup(void);

/* The signature of a post: hex (cap >= 65) gets the lower-case hex of
 * HMAC-SHA256 keyed with secret over "<ts>.<body>" (ts: Unix seconds in
 * decimal, as sent in X-Cxm-Timestamp; body: the len bytes posted), the
 * scheme Stripe and Slack use. CXM_EIO when libcrypto fails, CXM_ENOMEM. */
int cxm_webhook_sign(const char *secret, int64_t ts, const char *body, size_t len, char *hex, size_t cap) CXM_WUR;
/* POSTs body (len bytes, JSON) to url with Content-Type application/json
 * (and, when secret is not NULL or "", X-Cxm-Timestamp: the Unix seconds
 * of the post, and X-Cxm-Signature: sha256=<cxm_webhook_sign>):
 * CXM_ALERT_ATTEMPTS attempts of at most CXM_ALERT_TIMEOUT_S seconds each,
 * 0.5 s then 1 s, 2 s... between them; any 2xx is success. *stop (may be
 * NULL), when it becomes nonzero, aborts at once. Returns 0, or CXM_EIO
 * with a short reason in err (cap bytes) and the attempts made in
 * *attempts (may be NULL). cxm_webhook_init must have run. */
int cxm_webhook_post(const char *url, const char *secret, const char *body, size_t len, const volatile int *stop,
                     int *attempts, char *err, size_t cap) CXM_WUR;

/* Delivers events: logs each on stderr ({"event":"alert",...} with the
 * payload's members), and, unless dry_run, posts FIRING/REPEAT/RESOLVED
 * payloads to the rule's webhook, logging a failure as
 * {"event":"alert_post_failed",...}. *failed (may be NULL) gets the posts
 * that failed. */
void cxm_alerts_deliver(const cxm_alert_set *s, const cxm_alert_events *e, int dry_run, const volatile int *stop,
                        size_t *failed);

/* The watcher of `cxm serve --alerts`: a thread that evaluates s (taken:
 * freed by cxm_alerts_stop, also on failure) over the store at store_path
 * (borrowed, must outlive the watcher) when notified, at most once every
 * interval_s seconds, and at least every CXM_ALERT_TICK_S seconds; and
 * delivers the events. Start it after blocking the signals the process
 * handles (the thread inherits the mask). */
typedef struct cxm_alerts cxm_alerts;
int cxm_alerts_start(cxm_alert_set *s, const char *store_path, double interval_s, cxm_alerts **out,
                     cxm_diag *diag) CXM_WUR;
/* Data arrived: evaluate soon. Takes a mutex for a few instructions, never
 * waits for an evaluation; a may be NULL (no alerts). */
void cxm_alerts_notify(cxm_alerts *a);
/* Stops the watcher (aborting a post under way), joins it, frees all. a may be NULL. */
void cxm_alerts_stop(cxm_alerts *a);

#endif
