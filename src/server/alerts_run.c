/*
 * alerts_run.c - delivering alerts (alerts.h, docs/ALERTS.md): webhook
 * POSTs with libcurl, JSON log lines on stderr, and the watcher thread of
 * `cxm serve --alerts FILE`.
 *
 * The watcher: one thread owns the rule set and its state. Ingest calls
 * cxm_alerts_notify (a flag under a mutex and a condition signal: the
 * request thread never waits for an evaluation or a post). The thread
 * evaluates when notified, at most once every interval seconds (a burst of
 * ingests is one evaluation), and at least every CXM_ALERT_TICK_S seconds
 * so that windows sliding past old data resolve without new data. Posts
 * run on the watcher thread after the evaluation; a stop request aborts a
 * transfer under way (curl's progress callback) and the backoff sleeps.
 *
 * Invariants: the set is touched only by the watcher thread once started;
 * `stop` is written under the mutex and read by curl callbacks without it
 * (a volatile int: a late read costs one more poll, never a wrong post).
 * A rule with a secret signs each post (X-Cxm-Timestamp, X-Cxm-Signature:
 * HMAC-SHA256 over "<timestamp>.<body>", cxm_webhook_sign in alerts.c; the
 * receiver's recipe is in docs/ALERTS.md); the secret is never logged.
 * Sizes: one evaluation runs one report per rule; a payload is a few
 * hundred bytes; a post takes at most CXM_ALERT_ATTEMPTS * 5 s + 3.5 s.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/diag.h"
#include "alerts.h"
#include "curl_dl.h"
#include "log.h"

/* libcurl's functions, set by cxm_webhook_init (curl_dl.h: loaded on first
 * use, not linked). */
static const cxm_curl_api *K;

/* ---- log lines ------------------------------------------------------------------ */


/* The members of a JSON object text (without its braces), for a log line. */
static void members(const char *json, const char **p, int *n) {
    size_t len = strlen(json);
    if (len >= 2 && json[0] == '{' && json[len - 1] == '}') {
        *p = json + 1;
        *n = (int)(len - 2);
    } else {
        *p = "";
        *n = 0;
    }
}

/* The URL's scheme and host for the logs (paths often carry secrets). */
static void url_host(const char *url, char *out, size_t cap) {
    const char *s = strstr(url, "://");
    s = s ? s + 3 : url;
    const char *at = NULL;
    size_t n = strcspn(s, "/?#");
    for (size_t i = 0; i < n; i++)
        if (s[i] == '@') at = s + i;
    if (at) { /* drop user:password@ */
        n -= (size_t)(at + 1 - s);
        s = at + 1;
    }
    size_t scheme = (size_t)(strstr(url, "://") ? strstr(url, "://") - url + 3 : 0);
    snprintf(out, cap, "%.*s%.*s", (int)scheme, url, (int)n, s);
    for (char *c = out; *c; c++)
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = '?';
}

/* ---- the webhook -------------------------------------------------------------- */

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    const volatile int *stop = ud;
    return stop && *stop ? 1 : 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    (void)p;
    (void)ud;
    return size * n; /* the receiver's answer is not read */
}

/* Sleeps ms milliseconds in 50 ms steps, returning early when *stop. */
static void nap(long ms, const volatile int *stop) {
    for (long t = 0; t < ms && !(stop && *stop); t += 50) {
        struct timespec ts = {0, 50L * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int cxm_webhook_init(char *err, size_t cap) {
    const cxm_curl_api *api = cxm_curl_api_get(err, cap);
    if (!api) return CXM_EIO;
    if (api->global_init(CURL_GLOBAL_DEFAULT)) {
        if (err && cap) snprintf(err, cap, "libcurl's curl_global_init failed");
        return CXM_EIO;
    }
    K = api;
    return 0;
}
void cxm_webhook_cleanup(void) {
    if (K) K->global_cleanup();
}

int cxm_webhook_post(const char *url, const char *secret, const char *body, size_t len, const volatile int *stop,
                     int *attempts, char *err, size_t cap) {
    if (attempts) *attempts = 0;
    if (err && cap) err[0] = '\0';
    /* signed: the instant of the post and the HMAC over it and the body
     * (one for every attempt: retries end within ~20 s) */
    char sig[120] = "", stamp[48] = "";
    if (secret && *secret) {
        int64_t ts = (int64_t)time(NULL);
        char hex[65];
        if (cxm_webhook_sign(secret, ts, body, len, hex, sizeof hex)) {
            if (err) snprintf(err, cap, "cannot sign the post (libcrypto)");
            return CXM_EIO;
        }
        snprintf(stamp, sizeof stamp, "X-Cxm-Timestamp: %lld", (long long)ts);
        snprintf(sig, sizeof sig, "X-Cxm-Signature: sha256=%s", hex);
    }
    CURL *c = K->easy_init();
    if (!c) {
        if (err) snprintf(err, cap, "cannot start libcurl");
        return CXM_ENOMEM;
    }
    struct curl_slist *h = K->slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *h2 = h ? K->slist_append(h, "Expect:") : NULL; /* no 100-continue round trip */
    if (h2 && sig[0]) h2 = K->slist_append(h2, stamp) ? K->slist_append(h2, sig) : NULL;
    if (!h2) {
        K->slist_free_all(h);
        K->easy_cleanup(c);
        if (err) snprintf(err, cap, "out of memory");
        return CXM_ENOMEM;
    }
    h = h2;
    K->easy_setopt(c, CURLOPT_URL, url);
    K->easy_setopt(c, CURLOPT_POST, 1L);
    K->easy_setopt(c, CURLOPT_POSTFIELDS, body);
    K->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    K->easy_setopt(c, CURLOPT_HTTPHEADER, h);
    K->easy_setopt(c, CURLOPT_USERAGENT, "cxm/" CXM_VERSION_STRING " (alerts)");
    K->easy_setopt(c, CURLOPT_TIMEOUT, CXM_ALERT_TIMEOUT_S);
    K->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CXM_ALERT_TIMEOUT_S);
    K->easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    K->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    K->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    K->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    K->easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    K->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    K->easy_setopt(c, CURLOPT_XFERINFODATA, (void *)(uintptr_t)stop);
    int rc = CXM_EIO;
    long backoff = 500;
    for (int i = 0; i < CXM_ALERT_ATTEMPTS; i++) {
        if (stop && *stop) {
            if (err) snprintf(err, cap, "stopped before delivery");
            break;
        }
        if (attempts) *attempts = i + 1;
        CURLcode cc = K->easy_perform(c);
        long status = 0;
        if (cc == CURLE_OK) {
            K->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
            if (status >= 200 && status < 300) {
                rc = 0;
                break;
            }
            if (err) snprintf(err, cap, "HTTP %ld", status);
        } else if (err) {
            snprintf(err, cap, "%s", cc == CURLE_ABORTED_BY_CALLBACK ? "stopped" : K->easy_strerror(cc));
        }
        if (i + 1 < CXM_ALERT_ATTEMPTS) {
            nap(backoff, stop);
            backoff *= 2;
        }
    }
    K->slist_free_all(h);
    K->easy_cleanup(c);
    return rc;
}

void cxm_alerts_deliver(const cxm_alert_set *s, const cxm_alert_events *e, int dry_run, const volatile int *stop,
                        size_t *failed) {
    size_t nfail = 0;
    for (size_t i = 0; i < e->n; i++) {
        const cxm_alert_event *ev = &e->v[i];
        const cxm_alert_rule *r = cxm_alert_set_rule(s, ev->rule);
        const char *p;
        int n;
        members(ev->json, &p, &n);
        switch (ev->kind) {
        case CXM_ALERT_ERROR: cxm_server_log("\"event\":\"alert_error\",%.*s", n, p); continue;
        case CXM_ALERT_SUPPRESSED: cxm_server_log("\"event\":\"alert_suppressed\",%.*s", n, p); continue;
        case CXM_ALERT_FIRING:
        case CXM_ALERT_REPEAT:
        case CXM_ALERT_RESOLVED: break;
        }
        cxm_server_log("\"event\":\"alert\",%.*s", n, p);
        if (dry_run || !r) continue;
        char err[256], host[256];
        int attempts = 0;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = cxm_webhook_post(r->webhook, r->secret, ev->json, strlen(ev->json), stop, &attempts, err, sizeof err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        url_host(r->webhook, host, sizeof host);
        for (char *c = err; *c; c++)
            if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = '\'';
        if (rc) {
            nfail++;
            cxm_server_log("\"event\":\"alert_post_failed\",\"rule\":\"%s\",\"state\":\"%s\",\"webhook\":\"%s\","
                           "\"attempts\":%d,\"ms\":%.1f,\"error\":\"%s\"",
                           r->name, cxm_alert_kind_name(ev->kind), host, attempts, ms, err);
        } else {
            cxm_server_log("\"event\":\"alert_posted\",\"rule\":\"%s\",\"state\":\"%s\",\"webhook\":\"%s\","
                           "\"attempts\":%d,\"ms\":%.1f",
                           r->name, cxm_alert_kind_name(ev->kind), host, attempts, ms);
        }
    }
    if (failed) *failed = nfail;
}

/* ---- the watcher ---------------------------------------------------------------- */

struct cxm_alerts {
    cxm_alert_set *set;
    const char *store;
    char state[4200]; /* the states across restarts: STORE.alerts-state.json */
    double interval; /* seconds between evaluations at most */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    int dirty;         /* data arrived since the last evaluation */
    volatile int stop;
};

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static cxm_time wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (cxm_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void deadline(struct timespec *ts, double at) {
    ts->tv_sec = (time_t)at;
    ts->tv_nsec = (long)((at - (double)ts->tv_sec) * 1e9);
    if (ts->tv_nsec >= 1000000000L) ts->tv_nsec = 999999999L;
}

/* Drops ERROR events that repeat the rule's previous error (errs: one
 * malloc'ed string or NULL per rule), so a broken rule logs once, not every
 * minute; an evaluation without error clears the rule's entry. */
static void dedupe_errors(const cxm_alert_set *s, cxm_alert_events *e, char **errs) {
    size_t nr = cxm_alert_set_count(s);
    unsigned char *had = calloc(nr ? nr : 1, 1);
    size_t k = 0;
    for (size_t i = 0; i < e->n; i++) {
        cxm_alert_event *ev = &e->v[i];
        if (ev->kind == CXM_ALERT_ERROR && had) {
            had[ev->rule] = 1;
            if (errs[ev->rule] && !strcmp(errs[ev->rule], ev->json)) {
                free(ev->json);
                continue;
            }
            char *copy = strdup(ev->json);
            if (copy) {
                free(errs[ev->rule]);
                errs[ev->rule] = copy;
            }
        }
        e->v[k++] = *ev;
    }
    e->n = k;
    for (size_t r = 0; had && r < nr; r++)
        if (!had[r]) {
            free(errs[r]);
            errs[r] = NULL;
        }
    free(had);
}

static void *watch(void *ud) {
    cxm_alerts *a = ud;
    size_t nr = cxm_alert_set_count(a->set);
    char **errs = calloc(nr ? nr : 1, sizeof *errs);
    double last = -1e18; /* evaluate at once */
    pthread_mutex_lock(&a->mu);
    while (!a->stop) {
        double now = mono();
        double due = a->dirty ? last + a->interval : last + CXM_ALERT_TICK_S;
        if (now < due) {
            struct timespec ts;
            deadline(&ts, due);
            pthread_cond_timedwait(&a->cv, &a->mu, &ts);
            continue;
        }
        a->dirty = 0;
        pthread_mutex_unlock(&a->mu);
        last = mono();
        cxm_alert_events ev;
        memset(&ev, 0, sizeof ev);
        cxm_diag d;
        memset(&d, 0, sizeof d);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = cxm_alerts_evaluate_store(a->set, wall_ms(), a->store, 0, &ev, &d);
        if (rc) cxm_server_log("\"event\":\"alert_error\",\"error\":\"%s\"", cxm_strerror(rc));
        if (errs) dedupe_errors(a->set, &ev, errs);
        cxm_alerts_deliver(a->set, &ev, 0, &a->stop, NULL);
        int moved = 0; /* a state changed: keep it for a restart */
        for (size_t i = 0; i < ev.n; i++) moved |= ev.v[i].kind != CXM_ALERT_ERROR;
        int src = moved ? cxm_alerts_state_save(a->set, a->state, &d) : 0;
        if (src)
            cxm_server_log("\"event\":\"alert_error\",\"error\":\"cannot save the alert state: %s\"",
                           cxm_strerror(src));
        cxm_alert_events_free(&ev);
        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    for (size_t i = 0; errs && i < nr; i++)
        free(errs[i]);
    free(errs);
    return NULL;
}

int cxm_alerts_start(cxm_alert_set *s, const char *store_path, double interval_s, cxm_alerts **out, cxm_diag *diag) {
    *out = NULL;
    cxm_alerts *a = calloc(1, sizeof *a);
    if (!a) {
        cxm_alert_set_free(s);
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    a->set = s;
    a->store = store_path;
    /* the states a previous server left (a missing file: none; a bad one is
     * logged and replaced at the next change rather than stopping the start) */
    size_t kept = 0;
    cxm_diag sd;
    memset(&sd, 0, sizeof sd);
    snprintf(a->state, sizeof a->state, "%s.alerts-state.json", store_path);
    int src = cxm_alerts_state_load(s, a->state, &kept, &sd);
    if (src)
        cxm_server_log("\"event\":\"alert_error\",\"error\":\"the alert state could not be read (%s): starting "
                       "without it\"",
                       cxm_strerror(src));
    else if (kept)
        cxm_server_log("\"event\":\"alert_state\",\"restored\":%zu", kept);
    a->interval = interval_s > 0 ? interval_s : CXM_ALERT_INTERVAL_S;
    char why[300];
    if (cxm_webhook_init(why, sizeof why)) {
        cxm_alert_set_free(s);
        free(a);
        return cxm_diag_set(diag, CXM_EIO, NULL, 0, 0, NULL, "cannot initialise libcurl: %s", why);
    }
    pthread_condattr_t ca;
    int ok = !pthread_condattr_init(&ca);
    ok = ok && !pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    ok = ok && !pthread_cond_init(&a->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!ok || pthread_mutex_init(&a->mu, NULL)) {
        if (ok) pthread_cond_destroy(&a->cv);
        cxm_webhook_cleanup();
        cxm_alert_set_free(s);
        free(a);
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "cannot create the alert watcher's lock");
    }
    if (pthread_create(&a->th, NULL, watch, a)) {
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        cxm_webhook_cleanup();
        cxm_alert_set_free(s);
        free(a);
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "cannot start the alert watcher");
    }
    cxm_server_log("\"event\":\"alerts\",\"rules\":%zu,\"interval\":%g,\"tick\":%g", cxm_alert_set_count(s),
                   a->interval, CXM_ALERT_TICK_S);
    *out = a;
    return 0;
}

void cxm_alerts_notify(cxm_alerts *a) {
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    a->dirty = 1;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void cxm_alerts_stop(cxm_alerts *a) {
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    cxm_webhook_cleanup();
    cxm_alert_set_free(a->set);
    free(a);
}
