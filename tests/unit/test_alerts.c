/*
 * test_alerts.c - alert rules and decisions (src/server/alerts.c,
 * docs/ALERTS.md): the rules file parser (every error names its line and
 * what was expected), the state machine per (rule, group) driven by an
 * injected evaluator and clock (thresholds, min_n, significant change and
 * its direction, by-group, firing -> resolved, repeat, cooldown, errors,
 * the stateless one-shot), the payloads, and the default evaluator over a
 * real store with values and a p-value worked out by hand.
 *
 * alerts.c belongs to the cxm executable, not to the engine library the
 * unit tests link, so it is compiled into this test by inclusion (its
 * delivery half, alerts_run.c with libcurl, is covered by
 * tests/e2e/alerts.sh).
 * Sizes: a few rules and groups per test; runs in well under a second.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "server/alerts.c"
#include "stats/stats.h"
#include "store/store.h"

/* ---- helpers ---------------------------------------------------------------------- */

#define HOOK "webhook = http://127.0.0.1:9/hook\n"
#define T0   ((cxm_time)1717200000000) /* 2024-06-01T00:00:00Z */
#define MIN  ((cxm_time)60000)
#define HOUR (60 * MIN)

static cxm_alert_set *load(const char *text) {
    cxm_diag d;
    memset(&d, 0, sizeof d);
    cxm_alert_set *s = NULL;
    int rc = cxm_alert_set_parse(text, strlen(text), "rules.ini", &s, &d);
    if (rc) fprintf(stderr, "unexpected: %s:%llu: %s\n", d.file, (unsigned long long)d.line, d.msg);
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

/* The text must fail with CXM_EPARSE (or code) at line, the message containing want. */
static void fails_code(const char *text, int code, uint64_t line, const char *want) {
    cxm_diag d;
    memset(&d, 0, sizeof d);
    cxm_alert_set *s = (cxm_alert_set *)1;
    int rc = cxm_alert_set_parse(text, strlen(text), "rules.ini", &s, &d);
    if (rc != code || d.line != line || !strstr(d.msg, want))
        fprintf(stderr, "got rc %d at %s:%llu: %s\nwanted rc %d at line %llu: ...%s...\n", rc, d.file,
                (unsigned long long)d.line, d.msg, code, (unsigned long long)line, want);
    assert_int_equal(rc, code);
    assert_null(s);
    assert_string_equal(d.file, "rules.ini");
    assert_int_equal(d.line, line);
    assert_non_null(strstr(d.msg, want));
}
static void fails(const char *text, uint64_t line, const char *want) {
    fails_code(text, CXM_EPARSE, line, want);
}

/* An evaluator whose groups the test sets. */
typedef struct fake {
    cxm_alert_obs obs[8];
    size_t n;
    int fail;
    int calls;
    cxm_time from, to;
} fake;

static int fake_eval(void *ud, const cxm_alert_rule *r, cxm_time from, cxm_time to, cxm_alert_obs **obs, size_t *nobs,
                     cxm_diag *d) {
    fake *f = ud;
    f->calls++;
    f->from = from;
    f->to = to;
    if (f->fail) return cxm_diag_set(d, CXM_EDATA, NULL, 0, 0, NULL, "the store is unreadable");
    *obs = malloc(sizeof f->obs);
    assert_non_null(*obs);
    memcpy(*obs, f->obs, sizeof f->obs);
    *nobs = f->n;
    return 0;
}

static void set_obs(fake *f, size_t i, const char *group, double value, int64_t n) {
    cxm_alert_obs *o = &f->obs[i];
    memset(o, 0, sizeof *o);
    snprintf(o->group, sizeof o->group, "%s", group);
    o->value = value;
    o->n = n;
    o->has_ci = 1;
    o->ci_low = value - 1;
    o->ci_high = value + 1;
    snprintf(o->unit, sizeof o->unit, "seconds");
    if (i >= f->n) f->n = i + 1;
}

static void set_change(fake *f, size_t i, const char *group, double value, int64_t n, double change, double p,
                       int64_t prev_n) {
    set_obs(f, i, group, value, n);
    cxm_alert_obs *o = &f->obs[i];
    o->has_compare = 1;
    o->previous = value - change;
    o->previous_n = prev_n;
    o->change = change;
    o->p_value = p;
    snprintf(o->test, sizeof o->test, "two_prop_z");
    snprintf(o->unit, sizeof o->unit, "percent");
}

/* Evaluates at now; returns the events as "kind group; kind group; ..." (static buffer). */
static cxm_alert_events last;
static const char *step(cxm_alert_set *s, fake *f, cxm_time now, int stateless) {
    static char out[2048];
    cxm_alert_events_free(&last);
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_alerts_evaluate(s, now, fake_eval, f, stateless, &last, &d), 0);
    out[0] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < last.n; i++) {
        json_t *j = json_loads(last.v[i].json, 0, NULL);
        assert_non_null(j);
        json_t *g = json_object_get(j, "group");
        char *gs = g ? json_dumps(g, JSON_COMPACT) : NULL;
        int n = snprintf(out + k, sizeof out - k, "%s%s%s%s", k ? "; " : "",
                         last.v[i].kind == CXM_ALERT_REPEAT ? "repeat" : cxm_alert_kind_name(last.v[i].kind),
                         gs ? " " : "", gs ? gs : "");
        free(gs);
        json_decref(j);
        k += (size_t)n;
    }
    return out;
}

static json_t *event_json(size_t i) {
    assert_true(i < last.n);
    json_t *j = json_loads(last.v[i].json, 0, NULL);
    assert_non_null(j);
    return j;
}

static int teardown_events(void **state) {
    (void)state;
    cxm_alert_events_free(&last);
    return 0;
}

/* ---- the rules file: what it holds -------------------------------------------------- */

static void test_parses_a_rule_with_every_key(void **state) {
    (void)state;
    cxm_alert_set *s = load("# comment\n"
                            "; another\n"
                            "[slow-frt]\n"
                            "metric = frt\n"
                            "stat = p90          # trailing comment\n"
                            "target = x\n"
                            "where = channel=email\n"
                            "where = team!=Bots\n"
                            "by = team , channel\n"
                            "above = 1h30m\n"
                            "min_n = 5\n"
                            "window = 7d\n"
                            "webhook = https://hooks.example.com/a#frag\n"
                            "repeat = 2h\n"
                            "cooldown = 90s\n"
                            "tz = Europe/Berlin\n"
                            "preset = zendesk\n"
                            "sla = sla.csv\n"
                            "calendar = /abs/cal.ini\n"
                            "time = business\n");
    assert_int_equal(cxm_alert_set_count(s), 1);
    const cxm_alert_rule *r = cxm_alert_set_rule(s, 0);
    assert_string_equal(r->name, "slow-frt");
    assert_int_equal(r->line, 3);
    assert_string_equal(r->metric, "frt");
    assert_string_equal(r->stat, "p90");
    assert_string_equal(r->target, "x");
    assert_int_equal(r->nwhere, 2);
    assert_string_equal(r->where[0], "channel=email");
    assert_string_equal(r->where[1], "team!=Bots");
    assert_string_equal(r->by, "team,channel");
    assert_int_equal(r->cond, CXM_ALERT_ABOVE);
    assert_true(r->threshold == 5400.0);
    assert_int_equal(r->min_n, 5);
    assert_int_equal(r->window_ms, 7 * 86400000LL);
    assert_string_equal(r->webhook, "https://hooks.example.com/a#frag");
    assert_int_equal(r->repeat_ms, 2 * 3600000LL);
    assert_int_equal(r->cooldown_ms, 90000);
    assert_string_equal(r->tz, "Europe/Berlin");
    assert_string_equal(r->preset, "zendesk");
    assert_string_equal(r->sla, "sla.csv"); /* "rules.ini" has no directory */
    assert_string_equal(r->calendar, "/abs/cal.ini");
    assert_string_equal(r->time_basis, "business");
    cxm_alert_set_free(s);
}

static void test_defaults_apply_to_every_rule_unless_overridden(void **state) {
    (void)state;
    cxm_alert_set *s = load("[defaults]\n" HOOK "window = 1h\nmin_n = 10\nconfidence = 0.99\n"
                            "[a]\nmetric = fcr\nbelow = 70%\n"
                            "[b]\nmetric = nps\nchange = significant\ndirection = worse\nwindow = 2h\nmin_n = 0\n"
                            "webhook = http://other/x\n");
    assert_int_equal(cxm_alert_set_count(s), 2);
    const cxm_alert_rule *a = cxm_alert_set_rule(s, 0), *b = cxm_alert_set_rule(s, 1);
    assert_int_equal(a->window_ms, 3600000);
    assert_int_equal(a->min_n, 10);
    assert_true(a->threshold == 70.0);
    assert_int_equal(a->cond, CXM_ALERT_BELOW);
    assert_string_equal(a->webhook, "http://127.0.0.1:9/hook");
    assert_true(a->confidence == 0.99);
    assert_int_equal(b->window_ms, 7200000);
    assert_int_equal(b->min_n, 0);
    assert_int_equal(b->cond, CXM_ALERT_CHANGE);
    assert_int_equal(b->direction, CXM_ALERT_WORSE);
    assert_string_equal(b->webhook, "http://other/x");
    cxm_alert_set_free(s);
}

static void test_built_in_defaults_are_min_n_30_and_95_percent(void **state) {
    (void)state;
    cxm_alert_set *s = load("[r]\nmetric = csat\nchange = significant\nwindow = 1d\n" HOOK);
    const cxm_alert_rule *r = cxm_alert_set_rule(s, 0);
    assert_int_equal(r->min_n, 30);
    assert_true(r->confidence == 0.95);
    assert_int_equal(r->direction, CXM_ALERT_ANY);
    assert_int_equal(r->repeat_ms, 0);
    assert_int_equal(r->cooldown_ms, 0);
    cxm_alert_set_free(s);
}

static void test_thresholds_in_the_metric_unit(void **state) {
    (void)state;
    cxm_alert_set *s = load("[a]\nmetric = aht\nstat = mean\nabove = 754\nwindow = 1h\n" HOOK
                            "[b]\nmetric = aht\nstat = mean\nabove = 1.5h\nwindow = 1h\n" HOOK
                            "[c]\nmetric = sla_compliance\nbelow = 92.5\nwindow = 1h\n" HOOK
                            "[d]\nmetric = nps\nbelow = -10\nwindow = 1h\n" HOOK
                            "[e]\nmetric = volume\nabove = 1000\nwindow = 1h\n" HOOK);
    assert_true(cxm_alert_set_rule(s, 0)->threshold == 754.0);
    assert_true(cxm_alert_set_rule(s, 1)->threshold == 5400.0);
    assert_true(cxm_alert_set_rule(s, 2)->threshold == 92.5);
    assert_true(cxm_alert_set_rule(s, 3)->threshold == -10.0);
    assert_true(cxm_alert_set_rule(s, 4)->threshold == 1000.0);
    cxm_alert_set_free(s);
}

static void test_relative_paths_are_read_from_the_rules_file_directory(void **state) {
    (void)state;
    const char *text = "[r]\nmetric = sla_compliance\nbelow = 90\nwindow = 1h\nsla = sla.csv\n"
                       "calendar = ../cal.ini\n" HOOK;
    cxm_alert_set *s = NULL;
    cxm_diag d;
    assert_int_equal(cxm_alert_set_parse(text, strlen(text), "/etc/cxm/alerts.ini", &s, &d), 0);
    assert_string_equal(cxm_alert_set_rule(s, 0)->sla, "/etc/cxm/sla.csv");
    assert_string_equal(cxm_alert_set_rule(s, 0)->calendar, "/etc/cxm/../cal.ini");
    cxm_alert_set_free(s);
}

static void test_the_example_file_parses(void **state) {
    (void)state;
    const char *src = getenv("CXM_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/alerts.ini", src ? src : ".");
    if (access(path, R_OK)) {
        skip();
    }
    cxm_alert_set *s = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_alert_set_load(path, &s, &d);
    if (rc) fprintf(stderr, "%s:%llu: %s\n", d.file, (unsigned long long)d.line, d.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(cxm_alert_set_count(s), 5);
    assert_string_equal(cxm_alert_set_rule(s, 0)->name, "email-first-reply-slow");
    assert_true(cxm_alert_set_rule(s, 0)->threshold == 4 * 3600.0);
    cxm_alert_set_free(s);
}

/* ---- the rules file: every error names its line ---------------------------------------- */

static void test_error_key_before_any_section(void **state) {
    (void)state;
    fails("\n# c\nmetric = frt\n", 3, "'metric' before any section: expected a [rule name] header first");
}
static void test_error_line_without_equals(void **state) {
    (void)state;
    fails("[r]\nmetric frt\n", 2, "expected 'key = value' or a [rule name] header, found 'metric frt'");
}
static void test_error_unclosed_section(void **state) {
    (void)state;
    fails("[r\n", 1, "expected ']' to close the section header");
}
static void test_error_bad_rule_name(void **state) {
    (void)state;
    fails("[my rule]\n", 1, "section '[my rule]': expected a rule name of letters, digits");
    fails("[]\n", 1, "expected a rule name");
}
static void test_error_rule_defined_twice(void **state) {
    (void)state;
    fails("[r]\nmetric = fcr\nbelow = 1\nwindow = 1h\n" HOOK "[r]\n", 6, "rule 'r' defined twice (first on line 1)");
}
static void test_error_unknown_key(void **state) {
    (void)state;
    fails("[r]\nmetrik = frt\n", 2, "unknown key 'metrik' (expected metric, stat,");
}
static void test_error_key_without_value(void **state) {
    (void)state;
    fails("[r]\nmetric =\n", 2, "'metric' needs a value");
}
static void test_error_key_twice(void **state) {
    (void)state;
    fails("[r]\nmetric = frt\n\nmetric = fcr\n", 4, "'metric' given twice (first on line 2)");
}
static void test_error_two_conditions(void **state) {
    (void)state;
    fails("[r]\nmetric = fcr\nabove = 1\nbelow = 2\n", 4,
          "'below': the rule already has a condition ('above' on line 3); expected one of above, below or change");
}
static void test_error_unknown_metric(void **state) {
    (void)state;
    fails("[r]\nmetric = frtt\n", 2, "unknown metric 'frtt' (expected a catalog id");
}
static void test_error_bad_stat(void **state) {
    (void)state;
    fails("[r]\nmetric = frt\nstat = average\n", 3, "stat 'average': expected mean, median, min, max, p25");
}
static void test_error_stat_on_a_rate(void **state) {
    (void)state;
    fails("[r]\nmetric = fcr\nstat = mean\nbelow = 50\nwindow = 1h\n" HOOK, 3,
          "rule 'r': stat is for distributions (frt, aht...); fcr is a rate: leave stat out");
}
static void test_error_distribution_without_stat(void **state) {
    (void)state;
    fails("\n[r]\nmetric = frt\nabove = 1h\nwindow = 1h\n" HOOK, 2,
          "rule 'r': frt is a distribution: expected stat = mean, median, p90");
}
static void test_error_no_condition(void **state) {
    (void)state;
    fails("[r]\nmetric = fcr\nwindow = 1h\n" HOOK "[s]\n", 1,
          "rule 'r' has no condition: expected above = N, below = N or change = significant");
}
static void test_error_bad_threshold(void **state) {
    (void)state;
    fails("[r]\nmetric = frt\nstat = mean\nabove = soon\nwindow = 1h\n" HOOK, 4,
          "threshold 'soon': frt is in seconds: expected a number of seconds or a duration such as 90s, 30m, 4h");
    fails("[r]\nmetric = fcr\nbelow = 50 percent\nwindow = 1h\n" HOOK, 3,
          "threshold '50 percent': expected a number in the metric's unit (percent), e.g. 80 or 80%");
    fails("[r]\nmetric = fcr\nbelow = 0x10\nwindow = 1h\n" HOOK, 3, "threshold '0x10'");
}
static void test_error_change_not_significant(void **state) {
    (void)state;
    fails("[r]\nmetric = fcr\nchange = big\n", 3, "change 'big': expected change = significant");
}
static void test_error_change_on_a_metric_without_a_test(void **state) {
    (void)state;
    fails("[r]\nmetric = volume\nchange = significant\nwindow = 1h\n" HOOK, 3,
          "change = significant needs a metric with a significance test");
    fails("[r]\nmetric = frt\nstat = median\nchange = significant\nwindow = 1h\n" HOOK, 4,
          "frt median is not one: use above or below");
}
static void test_error_direction(void **state) {
    (void)state;
    fails("[r]\nmetric = fcr\nchange = significant\ndirection = sideways\n", 4,
          "direction 'sideways': expected any, up, down or worse");
    fails("[r]\nmetric = fcr\nbelow = 3\ndirection = up\nwindow = 1h\n" HOOK, 4,
          "direction is for change = significant");
}
static void test_error_confidence(void **state) {
    (void)state;
    fails("[r]\nconfidence = 95\n", 2, "confidence '95': expected a level between 0.5 and 1, e.g. 0.95");
    fails("[r]\nconfidence = 1\n", 2, "confidence '1'");
}
static void test_error_min_n(void **state) {
    (void)state;
    fails("[r]\nmin_n = -1\n", 2, "min_n '-1': expected a whole number >= 0");
    fails("[r]\nmin_n = 2.5\n", 2, "min_n '2.5'");
    fails("[r]\nmin_n = lots\n", 2, "min_n 'lots'");
}
static void test_error_durations(void **state) {
    (void)state;
    fails("[r]\nwindow = 1 week\n", 2, "window '1 week': expected a duration such as 15m, 1h, 24h or 7d");
    fails("[r]\nwindow = 30s\n", 2, "window '30s': expected at least 1m");
    fails("[r]\nrepeat = 30m1h\n", 2, "repeat '30m1h': expected a duration");
    fails("[r]\ncooldown = 0\n", 2, "cooldown '0': expected a duration");
    fails("[r]\nwindow = 1h30\n", 2, "window '1h30'");
}
static void test_error_webhook(void **state) {
    (void)state;
    fails("[r]\nwebhook = ftp://x/y\n", 2, "webhook 'ftp://x/y': expected an http:// or https:// URL");
    fails("[r]\nwebhook = http://\n", 2, "expected an http:// or https:// URL");
    fails("[r]\nwebhook = http://a b/\n", 2, "webhook: a URL has no spaces or control characters (column 9)");
}
static void test_error_where(void **state) {
    (void)state;
    fails("[r]\nwhere = channel\n", 2, "where 'channel': expected COLUMN=VALUE or COLUMN!=VALUE");
    fails("[r]\nwhere = =email\n", 2, "where '=email'");
    fails("[r]\nwhere = channel=\n", 2, "where 'channel='");
    char text[4096];
    size_t k = (size_t)snprintf(text, sizeof text, "[r]\n");
    for (int i = 0; i < 17; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "where = a=b\n");
    fails_code(text, CXM_ELIMIT, 18, "more than 16 where lines in one rule");
}
static void test_error_by_time_bucket(void **state) {
    (void)state;
    fails("[r]\nby = team,week\n", 2,
          "a rule checks one window; expected columns (team, channel, priority...), "
          "not the time bucket 'week'");
    fails("[r]\nby = team,,channel\n", 2, "by 'team,,channel': expected a comma list of columns");
}
static void test_error_time_basis(void **state) {
    (void)state;
    fails("[r]\ntime = wall\n", 2, "time 'wall': expected calendar or business");
}
static void test_error_missing_metric_window_webhook(void **state) {
    (void)state;
    fails("[r]\nbelow = 1\n", 1, "rule 'r' has no metric: expected metric = ID");
    fails("[r]\nmetric = fcr\nbelow = 1\n" HOOK, 1, "rule 'r' has no window: expected window = DURATION");
    fails("[r]\nmetric = fcr\nbelow = 1\nwindow = 1h\n", 1, "rule 'r' has no webhook: expected webhook = http://");
}
static void test_error_defaults_misplaced_or_misused(void **state) {
    (void)state;
    fails("[r]\nmetric = fcr\nbelow = 1\nwindow = 1h\n" HOOK "[defaults]\n", 6,
          "[defaults] must come once, before the first rule");
    fails("[defaults]\nmetric = fcr\n", 2, "'metric' cannot be given in [defaults] (expected webhook, window");
}
static void test_error_empty_file_has_no_rules(void **state) {
    (void)state;
    fails("# nothing\n", 0, "no rules: expected a [rule name] section");
    fails("[defaults]\n" HOOK, 0, "no rules");
}
static void test_error_nul_byte(void **state) {
    (void)state;
    cxm_diag d;
    cxm_alert_set *s = NULL;
    const char text[] = "[r]\nmetric = f\0rt\n";
    assert_int_equal(cxm_alert_set_parse(text, sizeof text - 1, "rules.ini", &s, &d), CXM_EPARSE);
    assert_int_equal(d.line, 2);
    assert_non_null(strstr(d.msg, "a NUL byte: expected a text file"));
}
static void test_error_too_many_rules(void **state) {
    (void)state;
    size_t cap = 300 * 96;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t k = 0;
    for (int i = 0; i <= 256; i++)
        k += (size_t)snprintf(text + k, cap - k, "[r%d]\nmetric = fcr\nbelow = 1\nwindow = 1h\n" HOOK, i);
    fails_code(text, CXM_ELIMIT, 256 * 5 + 1, "more than 256 rules in one file");
    free(text);
}
static void test_error_unreadable_file(void **state) {
    (void)state;
    cxm_diag d;
    cxm_alert_set *s = NULL;
    assert_int_equal(cxm_alert_set_load("/nonexistent/alerts.ini", &s, &d), CXM_EIO);
    assert_null(s);
    assert_string_equal(d.file, "/nonexistent/alerts.ini");
    assert_non_null(strstr(d.msg, "cannot open"));
}

/* ---- decisions ------------------------------------------------------------------------ */

static const char *frt_rule =
    "[slow]\nmetric = frt\nstat = mean\nby = team\nabove = 30m\nwindow = 2h\nmin_n = 3\n" HOOK;

static void test_window_ends_now_on_a_whole_second(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    assert_string_equal(step(s, &f, T0 + 1234, 0), "");
    assert_int_equal(f.calls, 1);
    assert_int_equal(f.to, T0 + 1000);
    assert_int_equal(f.from, T0 + 1000 - 2 * HOUR);
    cxm_alert_set_free(s);
}

static void test_above_fires_once_then_stays_quiet_while_it_holds(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 3000, 3);
    assert_string_equal(step(s, &f, T0, 0), "firing {\"team\":\"A\"}");
    assert_int_equal(cxm_alerts_firing_count(s), 1);
    assert_string_equal(step(s, &f, T0 + MIN, 0), "");
    set_obs(&f, 0, "{\"team\":\"A\"}", 4000, 5); /* worse, still firing: no new post */
    assert_string_equal(step(s, &f, T0 + 2 * MIN, 0), "");
    cxm_alert_set_free(s);
}

static void test_the_threshold_itself_does_not_fire(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 1800, 3);
    assert_string_equal(step(s, &f, T0, 0), "");
    set_obs(&f, 0, "{\"team\":\"A\"}", 1800.001, 3);
    assert_string_equal(step(s, &f, T0, 0), "firing {\"team\":\"A\"}");
    cxm_alert_set_free(s);
}

static void test_below_fires_under_the_threshold(void **state) {
    (void)state;
    cxm_alert_set *s = load("[low-fcr]\nmetric = fcr\nbelow = 60%\nwindow = 1d\nmin_n = 1\n" HOOK);
    fake f = {0};
    set_obs(&f, 0, "{}", 60, 10);
    assert_string_equal(step(s, &f, T0, 0), "");
    set_obs(&f, 0, "{}", 59.9, 10);
    assert_string_equal(step(s, &f, T0, 0), "firing {}");
    cxm_alert_set_free(s);
}

static void test_min_n_keeps_small_samples_quiet(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 99999, 2); /* n = 2 < min_n 3 */
    assert_string_equal(step(s, &f, T0, 0), "");
    set_obs(&f, 0, "{\"team\":\"A\"}", 99999, 3);
    assert_string_equal(step(s, &f, T0 + MIN, 0), "firing {\"team\":\"A\"}");
    set_obs(&f, 0, "{\"team\":\"A\"}", 99999, 2); /* too few again: no evidence, resolved */
    assert_string_equal(step(s, &f, T0 + 2 * MIN, 0), "resolved {\"team\":\"A\"}");
    cxm_alert_set_free(s);
}

static void test_a_null_value_never_fires(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 99999, 50);
    f.obs[0].is_null = 1;
    assert_string_equal(step(s, &f, T0, 0), "");
    cxm_alert_set_free(s);
}

static void test_each_group_has_its_own_state(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 3000, 3);
    set_obs(&f, 1, "{\"team\":\"B\"}", 600, 3);
    assert_string_equal(step(s, &f, T0, 0), "firing {\"team\":\"A\"}");
    set_obs(&f, 1, "{\"team\":\"B\"}", 2000, 4);
    assert_string_equal(step(s, &f, T0 + MIN, 0), "firing {\"team\":\"B\"}");
    set_obs(&f, 0, "{\"team\":\"A\"}", 1000, 6);
    assert_string_equal(step(s, &f, T0 + 2 * MIN, 0), "resolved {\"team\":\"A\"}");
    assert_int_equal(cxm_alerts_firing_count(s), 1);
    cxm_alert_set_free(s);
}

static void test_resolved_payload_carries_the_value_and_since(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 3000, 3);
    step(s, &f, T0, 0);
    set_obs(&f, 0, "{\"team\":\"A\"}", 1530, 6);
    assert_string_equal(step(s, &f, T0 + 5 * MIN, 0), "resolved {\"team\":\"A\"}");
    json_t *j = event_json(0);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "resolved");
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 1530);
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 6);
    assert_string_equal(json_string_value(json_object_get(j, "firing_since")), "2024-06-01T00:00:00Z");
    assert_string_equal(json_string_value(json_object_get(j, "at")), "2024-06-01T00:05:00Z");
    json_decref(j);
    cxm_alert_set_free(s);
}

static void test_a_firing_group_without_data_resolves_with_null(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 3000, 3);
    step(s, &f, T0, 0);
    f.n = 0; /* the window slid past team A's tickets */
    assert_string_equal(step(s, &f, T0 + 3 * HOUR, 0), "resolved {\"team\":\"A\"}");
    json_t *j = event_json(0);
    assert_true(json_is_null(json_object_get(j, "value")));
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 0);
    assert_true(json_is_null(json_object_get(j, "ci")));
    json_decref(j);
    assert_string_equal(step(s, &f, T0 + 4 * HOUR, 0), "");
    cxm_alert_set_free(s);
}

static void test_firing_payload_has_every_member(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 3000, 3);
    step(s, &f, T0 + 30 * MIN, 0);
    json_t *j = event_json(0);
    json_t *expect =
        json_loads("{\"rule\":\"slow\",\"state\":\"firing\",\"metric\":\"frt\",\"stat\":\"mean\","
                   "\"group\":{\"team\":\"A\"},\"value\":3000,\"unit\":\"seconds\",\"condition\":\"above\","
                   "\"threshold\":1800,\"n\":3,\"min_n\":3,\"ci\":[2999,3001],"
                   "\"window\":{\"from\":\"2024-05-31T22:30:00Z\",\"to\":\"2024-06-01T00:30:00Z\"},"
                   "\"at\":\"2024-06-01T00:30:00Z\"}",
                   0, NULL);
    assert_non_null(expect);
    if (!json_equal(j, expect)) fprintf(stderr, "payload: %s\n", last.v[0].json);
    assert_true(json_equal(j, expect));
    json_decref(expect);
    json_decref(j);
    cxm_alert_set_free(s);
}

static void test_repeat_reposts_while_firing(void **state) {
    (void)state;
    cxm_alert_set *s = load("[r]\nmetric = fcr\nbelow = 50\nwindow = 1h\nmin_n = 1\nrepeat = 1h\n" HOOK);
    fake f = {0};
    set_obs(&f, 0, "{}", 40, 10);
    assert_string_equal(step(s, &f, T0, 0), "firing {}");
    assert_string_equal(step(s, &f, T0 + 59 * MIN, 0), "");
    assert_string_equal(step(s, &f, T0 + HOUR, 0), "repeat {}");
    json_t *j = event_json(0);
    assert_true(json_is_true(json_object_get(j, "repeat")));
    assert_string_equal(json_string_value(json_object_get(j, "state")), "firing");
    assert_string_equal(json_string_value(json_object_get(j, "firing_since")), "2024-06-01T00:00:00Z");
    json_decref(j);
    assert_string_equal(step(s, &f, T0 + HOUR + 30 * MIN, 0), "");
    assert_string_equal(step(s, &f, T0 + 2 * HOUR, 0), "repeat {}");
    cxm_alert_set_free(s);
}

static void test_cooldown_suppresses_a_new_firing_soon_after_the_last(void **state) {
    (void)state;
    cxm_alert_set *s = load("[r]\nmetric = fcr\nbelow = 50\nwindow = 1h\nmin_n = 1\ncooldown = 1h\n" HOOK);
    fake f = {0};
    set_obs(&f, 0, "{}", 40, 10);
    assert_string_equal(step(s, &f, T0, 0), "firing {}");
    set_obs(&f, 0, "{}", 60, 10);
    assert_string_equal(step(s, &f, T0 + 10 * MIN, 0), "resolved {}");
    set_obs(&f, 0, "{}", 40, 10);
    assert_string_equal(step(s, &f, T0 + 20 * MIN, 0), "suppressed {}"); /* logged once */
    assert_string_equal(step(s, &f, T0 + 30 * MIN, 0), "");
    assert_int_equal(cxm_alerts_firing_count(s), 0);
    assert_string_equal(step(s, &f, T0 + HOUR, 0), "firing {}"); /* the cooldown is over */
    cxm_alert_set_free(s);
}

/* ---- state across restarts (cxm_alerts_state_save/_load) ---------------------------- */

static void state_path(char *out, size_t cap) {
    snprintf(out, cap, "/tmp/cxm-test-alert-state-%d.json", (int)getpid());
}

static void test_a_restart_keeps_firing_groups_quiet_and_resolves_them_later(void **state) {
    (void)state;
    char path[128];
    state_path(path, sizeof path);
    unlink(path);
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 3000, 3);
    set_obs(&f, 1, "{\"team\":\"B\"}", 100, 3);
    assert_string_equal(step(s, &f, T0, 0), "firing {\"team\":\"A\"}");
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_alerts_state_save(s, path, &d), 0);
    cxm_alert_set_free(s);
    /* the restarted server: a fresh set from the same rules, its state read back */
    s = load(frt_rule);
    size_t kept = 99;
    assert_int_equal(cxm_alerts_state_load(s, path, &kept, &d), 0);
    assert_int_equal(kept, 1);
    assert_int_equal(cxm_alerts_firing_count(s), 1);
    assert_string_equal(step(s, &f, T0 + MIN, 0), ""); /* still firing: no second post */
    set_obs(&f, 0, "{\"team\":\"A\"}", 100, 3);
    assert_string_equal(step(s, &f, T0 + 2 * MIN, 0), "resolved {\"team\":\"A\"}");
    json_t *j = event_json(0); /* since when, as before the restart */
    assert_string_equal(json_string_value(json_object_get(j, "firing_since")), "2024-06-01T00:00:00Z");
    json_decref(j);
    cxm_alert_set_free(s);
    unlink(path);
}

static void test_a_missing_state_is_none_and_a_gone_rule_is_dropped(void **state) {
    (void)state;
    char path[128];
    state_path(path, sizeof path);
    unlink(path);
    cxm_alert_set *s = load(frt_rule);
    cxm_diag d;
    memset(&d, 0, sizeof d);
    size_t kept = 99;
    assert_int_equal(cxm_alerts_state_load(s, path, &kept, &d), 0); /* the first start */
    assert_int_equal(kept, 0);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("{\"version\":1,\"states\":[{\"rule\":\"renamed\",\"group\":\"{}\",\"firing\":true,"
          "\"fired_at\":1,\"last_post\":1,\"suppressed_logged\":false}]}\n", fp);
    fclose(fp);
    assert_int_equal(cxm_alerts_state_load(s, path, &kept, &d), 0);
    assert_int_equal(kept, 0);
    assert_int_equal(cxm_alerts_firing_count(s), 0);
    cxm_alert_set_free(s);
    unlink(path);
}

static void test_a_damaged_state_is_an_error_naming_the_file(void **state) {
    (void)state;
    char path[128];
    state_path(path, sizeof path);
    static const char *const bad[] = {"{\"version\":1,\"states\":[", "{\"version\":2,\"states\":[]}",
                                      "{\"version\":1,\"states\":[{\"rule\":\"slow\"}]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(bad[i], fp);
        fclose(fp);
        cxm_alert_set *s = load(frt_rule);
        cxm_diag d;
        memset(&d, 0, sizeof d);
        assert_int_equal(cxm_alerts_state_load(s, path, NULL, &d), CXM_EPARSE);
        assert_string_equal(d.file, path);
        assert_int_equal(cxm_alerts_firing_count(s), 0);
        cxm_alert_set_free(s);
    }
    unlink(path);
}

static void test_resolved_groups_are_forgotten_unless_cooling(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 3000, 3);
    set_obs(&f, 1, "{\"team\":\"B\"}", 100, 3);
    step(s, &f, T0, 0);
    assert_int_equal(s->nst, 1); /* only the group that fired has a state */
    set_obs(&f, 0, "{\"team\":\"A\"}", 100, 3);
    assert_string_equal(step(s, &f, T0 + MIN, 0), "resolved {\"team\":\"A\"}");
    assert_string_equal(step(s, &f, T0 + 2 * MIN, 0), "");
    assert_int_equal(s->nst, 0);
    cxm_alert_set_free(s);
    /* with a cooldown the state stays until it is over */
    s = load("[r]\nmetric = fcr\nbelow = 50\nwindow = 1h\nmin_n = 1\ncooldown = 1h\n" HOOK);
    set_obs(&f, 0, "{}", 40, 10);
    f.n = 1;
    step(s, &f, T0, 0);
    set_obs(&f, 0, "{}", 60, 10);
    step(s, &f, T0 + MIN, 0);
    step(s, &f, T0 + 59 * MIN, 0);
    assert_int_equal(s->nst, 1);
    step(s, &f, T0 + HOUR, 0);
    assert_int_equal(s->nst, 0);
    cxm_alert_set_free(s);
}

static const char *change_rule(const char *extra) {
    static char buf[512];
    snprintf(buf, sizeof buf, "[chg]\nmetric = fcr\nchange = significant\nwindow = 7d\nmin_n = 20\n%s" HOOK, extra);
    return buf;
}

static void test_significant_change_fires_below_the_p_value_cut(void **state) {
    (void)state;
    cxm_alert_set *s = load(change_rule(""));
    fake f = {0};
    set_change(&f, 0, "{}", 90, 100, 10, 0.0501, 100); /* p >= 0.05: not significant */
    assert_string_equal(step(s, &f, T0, 0), "");
    set_change(&f, 0, "{}", 90, 100, 10, 0.0499, 100);
    assert_string_equal(step(s, &f, T0 + MIN, 0), "firing {}");
    json_t *j = event_json(0);
    assert_string_equal(json_string_value(json_object_get(j, "condition")), "significant_change");
    assert_int_equal(json_integer_value(json_object_get(j, "previous")), 80);
    assert_int_equal(json_integer_value(json_object_get(j, "change")), 10);
    assert_true(json_real_value(json_object_get(j, "p_value")) == 0.0499);
    assert_int_equal(json_integer_value(json_object_get(j, "previous_n")), 100);
    assert_string_equal(json_string_value(json_object_get(j, "test")), "two_prop_z");
    assert_true(json_real_value(json_object_get(j, "confidence")) == 0.95);
    assert_null(json_object_get(j, "threshold"));
    json_decref(j);
    set_change(&f, 0, "{}", 81, 100, 1, 0.8, 100);
    assert_string_equal(step(s, &f, T0 + 2 * MIN, 0), "resolved {}");
    cxm_alert_set_free(s);
}

static void test_significant_change_needs_min_n_in_both_windows(void **state) {
    (void)state;
    cxm_alert_set *s = load(change_rule(""));
    fake f = {0};
    set_change(&f, 0, "{}", 90, 100, 40, 0.001, 19);
    assert_string_equal(step(s, &f, T0, 0), "");
    set_change(&f, 0, "{}", 90, 19, 40, 0.001, 100);
    assert_string_equal(step(s, &f, T0, 0), "");
    set_change(&f, 0, "{}", 90, 20, 40, 0.001, 20);
    assert_string_equal(step(s, &f, T0, 0), "firing {}");
    cxm_alert_set_free(s);
}

static void test_no_comparison_no_change_alert(void **state) {
    (void)state;
    cxm_alert_set *s = load(change_rule(""));
    fake f = {0};
    set_obs(&f, 0, "{}", 90, 100); /* no previous window */
    assert_string_equal(step(s, &f, T0, 0), "");
    cxm_alert_set_free(s);
}

static void test_direction_up_down_and_worse(void **state) {
    (void)state;
    fake f = {0};
    cxm_alert_set *up = load(change_rule("direction = up\n"));
    cxm_alert_set *down = load(change_rule("direction = down\n"));
    cxm_alert_set *worse = load(change_rule("direction = worse\n")); /* fcr: higher is better */
    set_change(&f, 0, "{}", 70, 100, -10, 0.001, 100);
    assert_string_equal(step(up, &f, T0, 0), "");
    assert_string_equal(step(down, &f, T0, 0), "firing {}");
    assert_string_equal(step(worse, &f, T0, 0), "firing {}");
    set_change(&f, 0, "{}", 90, 100, 10, 0.001, 100);
    assert_string_equal(step(up, &f, T0, 0), "firing {}");
    assert_string_equal(step(down, &f, T0, 0), "resolved {}");
    assert_string_equal(step(worse, &f, T0, 0), "resolved {}");
    cxm_alert_set_free(up);
    cxm_alert_set_free(down);
    cxm_alert_set_free(worse);
    /* frt: lower is better, so worse is up */
    cxm_alert_set *frt = load("[f]\nmetric = frt\nstat = mean\nchange = significant\ndirection = worse\n"
                              "window = 1d\nmin_n = 1\n" HOOK);
    set_change(&f, 0, "{}", 900, 100, -300, 0.001, 100);
    assert_string_equal(step(frt, &f, T0, 0), "");
    set_change(&f, 0, "{}", 1500, 100, 300, 0.001, 100);
    assert_string_equal(step(frt, &f, T0, 0), "firing {}");
    cxm_alert_set_free(frt);
}

static void test_an_evaluator_error_is_an_event_and_keeps_the_state(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 3000, 3);
    step(s, &f, T0, 0);
    f.fail = 1;
    assert_string_equal(step(s, &f, T0 + MIN, 0), "error");
    json_t *j = event_json(0);
    assert_string_equal(json_string_value(json_object_get(j, "rule")), "slow");
    assert_string_equal(json_string_value(json_object_get(j, "error")), "the store is unreadable");
    json_decref(j);
    assert_int_equal(cxm_alerts_firing_count(s), 1); /* not resolved by a failure */
    f.fail = 0;
    assert_string_equal(step(s, &f, T0 + 2 * MIN, 0), "");
    cxm_alert_set_free(s);
}

static void test_one_bad_rule_does_not_stop_the_others(void **state) {
    (void)state;
    cxm_alert_set *s = load("[a]\nmetric = fcr\nbelow = 50\nwindow = 1h\nmin_n = 1\n" HOOK
                            "[b]\nmetric = fcr\nbelow = 50\nwindow = 2h\nmin_n = 1\n" HOOK);
    fake f = {0};
    set_obs(&f, 0, "{}", 40, 10);
    assert_string_equal(step(s, &f, T0, 0), "firing {}; firing {}");
    assert_int_equal(last.v[0].rule, 0);
    assert_int_equal(last.v[1].rule, 1);
    cxm_alert_set_free(s);
}

static void test_stateless_reports_every_holding_condition_each_time(void **state) {
    (void)state;
    cxm_alert_set *s = load(frt_rule);
    fake f = {0};
    set_obs(&f, 0, "{\"team\":\"A\"}", 3000, 3);
    set_obs(&f, 1, "{\"team\":\"B\"}", 100, 3);
    assert_string_equal(step(s, &f, T0, 1), "firing {\"team\":\"A\"}");
    assert_string_equal(step(s, &f, T0, 1), "firing {\"team\":\"A\"}");
    f.n = 0;
    assert_string_equal(step(s, &f, T0, 1), ""); /* never "resolved" */
    assert_int_equal(cxm_alerts_firing_count(s), 0);
    cxm_alert_set_free(s);
}

static void test_parse_time_for_now(void **state) {
    (void)state;
    cxm_time t;
    cxm_diag d;
    assert_int_equal(cxm_alerts_parse_time("2024-06-01T00:00:00Z", &t, &d), 0);
    assert_int_equal(t, T0);
    assert_int_equal(cxm_alerts_parse_time("2024-06-01", &t, &d), 0);
    assert_int_equal(t, T0);
    assert_int_equal(cxm_alerts_parse_time("2024-06-01T08:30+08:00", &t, &d), 0);
    assert_int_equal(t, T0 + 30 * MIN);
    assert_int_equal(cxm_alerts_parse_time("2024-06-01T00:00:01.5Z", &t, &d), 0);
    assert_int_equal(t, T0 + 1500);
    assert_int_equal(cxm_alerts_parse_time("2024-02-29T00:00:00Z", &t, &d), 0);
    assert_int_equal(cxm_alerts_parse_time("2023-02-29", &t, &d), CXM_EUSAGE);
    assert_int_equal(cxm_alerts_parse_time("2024-06-31", &t, &d), CXM_EUSAGE);
    assert_int_equal(cxm_alerts_parse_time("2024-06-01T10:00:00", &t, &d), CXM_EUSAGE);
    assert_int_equal(cxm_alerts_parse_time("yesterday", &t, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "expected an instant such as 2024-06-01T10:00:00Z"));
}

/* ---- the default evaluator over a store --------------------------------------------- */

static char tdir[64], tdb[96];

static void store_fixture(void) {
    snprintf(tdir, sizeof tdir, "/tmp/cxm_test_alerts_XXXXXX");
    assert_non_null(mkdtemp(tdir));
    snprintf(tdb, sizeof tdb, "%s/s.db", tdir);
    /* Previous week (2024-06-03): 10 resolved tickets, 3 resolved on first
     * contact (one reply, no reopen). This week (2024-06-10): 9 of 10.
     * First replies this week: 10 tickets at 10..100 minutes (mean 55 min);
     * the previous week: 20..200 minutes (mean 110 min). */
    char csv[4096];
    size_t k = (size_t)snprintf(csv, sizeof csv,
                                "ticket_id,created_at,first_response_at,resolved_at,agent_replies,reopens,team\n");
    for (int i = 0; i < 10; i++)
        k += (size_t)snprintf(csv + k, sizeof csv - k,
                              "P%d,2024-06-03T09:00:00Z,2024-06-03T%02d:%02d:00Z,2024-06-03T13:00:00Z,%d,0,A\n", i,
                              9 + (20 * (i + 1)) / 60, (20 * (i + 1)) % 60, i < 3 ? 1 : 3);
    for (int i = 0; i < 10; i++)
        k += (size_t)snprintf(csv + k, sizeof csv - k,
                              "C%d,2024-06-10T09:00:00Z,2024-06-10T%02d:%02d:00Z,2024-06-10T12:00:00Z,%d,0,%s\n", i,
                              9 + (10 * (i + 1)) / 60, (10 * (i + 1)) % 60, i < 9 ? 1 : 3, i < 5 ? "A" : "B");
    cxm_store *st = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_store_open(tdb, CXM_STORE_CREATE, &st, &d), 0);
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    o.stream = "tickets";
    o.path = "fixture";
    o.data = csv;
    o.len = k;
    o.format = "csv";
    cxm_store_counts n;
    int rc = cxm_store_import(st, &o, &n, &d);
    if (rc) fprintf(stderr, "import: %s:%llu: %s\n", d.file, (unsigned long long)d.line, d.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(n.inserted, 20);
    cxm_store_close(st);
}

static void store_cleanup(void) {
    char p[160];
    const char *names[] = {"s.db", "s.db-wal", "s.db-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", tdir, names[i]);
        unlink(p);
    }
    rmdir(tdir);
}

/* cxm-snapshot-* directories left in the test's TMPDIR. */
static int snapshots_left(void) {
    DIR *dp = opendir(tdir);
    assert_non_null(dp);
    int n = 0;
    for (struct dirent *e; (e = readdir(dp));)
        n += !strncmp(e->d_name, "cxm-snapshot-", 13);
    closedir(dp);
    return n;
}

static void test_an_empty_or_missing_store_is_one_error_per_rule(void **state) {
    (void)state;
    snprintf(tdir, sizeof tdir, "/tmp/cxm_test_alerts_XXXXXX");
    assert_non_null(mkdtemp(tdir));
    snprintf(tdb, sizeof tdb, "%s/s.db", tdir);
    setenv("TMPDIR", tdir, 1);
    cxm_alert_set *s =
        load("[a]\nmetric = fcr\nbelow = 1\nwindow = 1d\n" HOOK "[b]\nmetric = nps\nbelow = 1\nwindow = 1d\n" HOOK);
    cxm_alert_events ev = {0};
    cxm_diag d;
    assert_int_equal(cxm_alerts_evaluate_store(s, T0, tdb, 0, &ev, &d), 0); /* no such file */
    assert_int_equal(ev.n, 2);
    assert_int_equal(ev.v[0].kind, CXM_ALERT_ERROR);
    assert_int_equal(ev.v[1].kind, CXM_ALERT_ERROR);
    assert_int_equal(ev.v[1].rule, 1);
    cxm_alert_events_free(&ev);
    cxm_store *st = NULL;
    assert_int_equal(cxm_store_open(tdb, CXM_STORE_CREATE, &st, &d), 0);
    cxm_store_close(st);
    assert_int_equal(cxm_alerts_evaluate_store(s, T0, tdb, 0, &ev, &d), 0); /* empty */
    assert_int_equal(ev.n, 2);
    assert_non_null(strstr(ev.v[0].json, "the store holds no records yet"));
    assert_int_equal(snapshots_left(), 0);
    cxm_alert_events_free(&ev);
    cxm_alert_set_free(s);
    store_cleanup();
}

static void test_store_evaluator_rate_change_by_two_proportion_z(void **state) {
    (void)state;
    store_fixture();
    setenv("TMPDIR", tdir, 1);
    cxm_alert_set *s = load("[fcr-moved]\nmetric = fcr\nchange = significant\nwindow = 7d\nmin_n = 10\n" HOOK);
    cxm_alert_events ev = {0};
    cxm_diag d;
    memset(&d, 0, sizeof d);
    cxm_time now = T0 + 14 * 86400000LL; /* 2024-06-15: this week is [06-08, 06-15), the previous [06-01, 06-08) */
    assert_int_equal(cxm_alerts_evaluate(s, now, cxm_alert_eval_store, tdb, 1, &ev, &d), 0);
    if (ev.n != 1 || ev.v[0].kind != CXM_ALERT_FIRING) fprintf(stderr, "%s\n", ev.n ? ev.v[0].json : "no event");
    assert_int_equal(ev.n, 1);
    json_t *j = json_loads(ev.v[0].json, 0, NULL);
    assert_non_null(j);
    /* 9/10 against 3/10: pooled p = 12/20, SE = sqrt(0.6 * 0.4 * (1/10 + 1/10)) = 0.219089,
     * z = 0.6 / SE = 2.738613, p = erfc(z / sqrt 2) = 0.0061699 (python: math.erfc) */
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 90);
    assert_int_equal(json_integer_value(json_object_get(j, "previous")), 30);
    assert_int_equal(json_integer_value(json_object_get(j, "change")), 60);
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 10);
    assert_int_equal(json_integer_value(json_object_get(j, "previous_n")), 10);
    assert_true(fabs(json_real_value(json_object_get(j, "p_value")) - 0.006169899320544167) < 1e-9);
    assert_string_equal(json_string_value(json_object_get(j, "test")), "two_prop_z");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "window"), "from")),
                        "2024-06-08T00:00:00Z");
    json_decref(j);
    cxm_alert_events_free(&ev);
    cxm_alert_set_free(s);
    store_cleanup();
}

static void test_store_evaluator_threshold_per_team(void **state) {
    (void)state;
    store_fixture();
    setenv("TMPDIR", tdir, 1);
    /* team A: replies after 10..50 min, mean 30 min = 1800 s; team B: 60..100, mean 80 min = 4800 s */
    cxm_alert_set *s =
        load("[slow]\nmetric = frt\nstat = mean\nby = team\nabove = 45m\nwindow = 7d\nmin_n = 5\n" HOOK
             "[slow-a]\nmetric = frt\nstat = mean\nwhere = team=A\nabove = 29m\nwindow = 7d\nmin_n = 5\n" HOOK);
    cxm_alert_events ev = {0};
    cxm_diag d;
    cxm_time now = T0 + 14 * 86400000LL;
    assert_int_equal(cxm_alerts_evaluate_store(s, now, tdb, 0, &ev, &d), 0);
    assert_int_equal(ev.n, 2);
    json_t *j = json_loads(ev.v[0].json, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "group"), "team")), "B");
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 4800);
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 5);
    json_decref(j);
    j = json_loads(ev.v[1].json, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "rule")), "slow-a");
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 1800);
    assert_int_equal(json_object_size(json_object_get(j, "group")), 0);
    json_decref(j);
    cxm_alert_events_free(&ev);
    assert_int_equal(snapshots_left(), 0); /* the one snapshot of the evaluation is gone */
    /* a rule the engine refuses (unknown zone) is an error event naming it */
    cxm_alert_set *bad = load("[z]\nmetric = fcr\nbelow = 1\nwindow = 1d\ntz = Mars/Olympus\n" HOOK);
    assert_int_equal(cxm_alerts_evaluate(bad, now, cxm_alert_eval_store, tdb, 0, &ev, &d), 0);
    assert_int_equal(ev.n, 1);
    assert_int_equal(ev.v[0].kind, CXM_ALERT_ERROR);
    assert_non_null(strstr(ev.v[0].json, "Mars/Olympus"));
    cxm_alert_events_free(&ev);
    cxm_alert_set_free(bad);
    /* a target the metric never reports would silently never fire: an error */
    bad = load("[t]\nmetric = fcr\ntarget = resolution\nbelow = 1\nwindow = 7d\n" HOOK);
    assert_int_equal(cxm_alerts_evaluate_store(bad, now, tdb, 0, &ev, &d), 0);
    assert_int_equal(ev.n, 1);
    assert_int_equal(ev.v[0].kind, CXM_ALERT_ERROR);
    assert_non_null(strstr(ev.v[0].json, "rule 't': fcr reports no target 'resolution'"));
    cxm_alert_events_free(&ev);
    cxm_alert_set_free(bad);
    cxm_alert_set_free(s);
    store_cleanup();
}

static void test_store_evaluator_mean_change_by_welch(void **state) {
    (void)state;
    store_fixture();
    setenv("TMPDIR", tdir, 1);
    cxm_alert_set *s =
        load("[frt-moved]\nmetric = frt\nstat = mean\nchange = significant\nwindow = 7d\nmin_n = 5\n" HOOK);
    cxm_alert_events ev = {0};
    cxm_diag d;
    assert_int_equal(cxm_alerts_evaluate(s, T0 + 14 * 86400000LL, cxm_alert_eval_store, tdb, 1, &ev, &d), 0);
    assert_int_equal(ev.n, 1);
    json_t *j = json_loads(ev.v[0].json, 0, NULL);
    /* this week 600, 1200, ..., 6000 s: mean 3300, sd 600 * sd(1..10) = 600 * 3.0276504 = 1816.5902;
     * the previous week twice that: mean 6600, sd 3633.1804. The engine's --compare runs Welch's
     * test; the same test on the hand-computed means and sds is the oracle. */
    double sd1 = 600 * 3.0276503540974917, sd2 = 2 * sd1, t, df;
    double p = cxm_test_welch(3300, sd1, 10, 6600, sd2, 10, &t, &df);
    assert_true(p < 0.05);
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 3300);
    assert_int_equal(json_integer_value(json_object_get(j, "previous")), 6600);
    assert_int_equal(json_integer_value(json_object_get(j, "change")), -3300);
    assert_string_equal(json_string_value(json_object_get(j, "test")), "welch_t");
    double got = json_real_value(json_object_get(j, "p_value"));
    if (fabs(got - p) > 1e-9 * p) fprintf(stderr, "p %.17g, expected %.17g\n", got, p);
    assert_true(fabs(got - p) <= 1e-9 * p);
    json_decref(j);
    cxm_alert_events_free(&ev);
    cxm_alert_set_free(s);
    store_cleanup();
}

/* ---- webhook secrets and signatures ---------------------------------------------------- */

static void test_a_secret_signs_posts_and_defaults_give_it_to_every_rule(void **state) {
    (void)state;
    cxm_alert_set *s = load("[defaults]\n" HOOK "window = 1h\nsecret = 0123456789abcdef-default\n"
                            "[a]\nmetric = fcr\nbelow = 70%\n"
                            "[b]\nmetric = fcr\nbelow = 60%\nsecret = 0123456789abcdef-own #comment\n");
    assert_string_equal(cxm_alert_set_rule(s, 0)->secret, "0123456789abcdef-default");
    assert_string_equal(cxm_alert_set_rule(s, 1)->secret, "0123456789abcdef-own");
    cxm_alert_set_free(s);
    s = load("[a]\nmetric = fcr\nbelow = 70%\nwindow = 1h\n" HOOK);
    assert_string_equal(cxm_alert_set_rule(s, 0)->secret, ""); /* unsigned */
    cxm_alert_set_free(s);
}

static void test_a_secret_may_come_from_the_environment(void **state) {
    (void)state;
    setenv("CXM_TEST_HOOK_SECRET", "from-the-environment-42", 1);
    cxm_alert_set *s = load("[a]\nmetric = fcr\nbelow = 70%\nwindow = 1h\n" HOOK "secret = env:CXM_TEST_HOOK_SECRET\n");
    assert_string_equal(cxm_alert_set_rule(s, 0)->secret, "from-the-environment-42");
    cxm_alert_set_free(s);
    unsetenv("CXM_TEST_HOOK_SECRET");
    fails("[a]\nsecret = env:CXM_TEST_HOOK_SECRET\n", 2,
          "secret: the environment variable CXM_TEST_HOOK_SECRET is not set or empty");
}

static void test_error_secret_too_short(void **state) {
    (void)state;
    fails("[a]\nsecret = short\n", 2, "secret: expected at least 16 characters");
}

/* The oracle: Python's hmac.new(b"0123456789abcdef-test-secret",
 * b'1700000000.{"rule":"r"}', hashlib.sha256).hexdigest(). */
static void test_the_signature_is_hmac_sha256_of_timestamp_dot_body(void **state) {
    (void)state;
    char hex[65];
    const char *body = "{\"rule\":\"r\"}";
    assert_int_equal(cxm_webhook_sign("0123456789abcdef-test-secret", 1700000000, body, strlen(body), hex, sizeof hex),
                     0);
    assert_string_equal(hex, "a78236d476f3599a46b054ed87f0654972148367d7fa5ca30a12d5252b5c3477");
    char other[65];
    assert_int_equal(cxm_webhook_sign("0123456789abcdef-test-secret", 1700000001, body, strlen(body), other,
                                      sizeof other),
                     0);
    assert_string_not_equal(hex, other); /* the timestamp is signed */
    assert_int_equal(cxm_webhook_sign("k", 1, body, strlen(body), hex, 64), CXM_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_a_rule_with_every_key),
        cmocka_unit_test(test_defaults_apply_to_every_rule_unless_overridden),
        cmocka_unit_test(test_built_in_defaults_are_min_n_30_and_95_percent),
        cmocka_unit_test(test_thresholds_in_the_metric_unit),
        cmocka_unit_test(test_relative_paths_are_read_from_the_rules_file_directory),
        cmocka_unit_test(test_the_example_file_parses),
        cmocka_unit_test(test_error_key_before_any_section),
        cmocka_unit_test(test_error_line_without_equals),
        cmocka_unit_test(test_error_unclosed_section),
        cmocka_unit_test(test_error_bad_rule_name),
        cmocka_unit_test(test_error_rule_defined_twice),
        cmocka_unit_test(test_error_unknown_key),
        cmocka_unit_test(test_error_key_without_value),
        cmocka_unit_test(test_error_key_twice),
        cmocka_unit_test(test_error_two_conditions),
        cmocka_unit_test(test_error_unknown_metric),
        cmocka_unit_test(test_error_bad_stat),
        cmocka_unit_test(test_error_stat_on_a_rate),
        cmocka_unit_test(test_error_distribution_without_stat),
        cmocka_unit_test(test_error_no_condition),
        cmocka_unit_test(test_error_bad_threshold),
        cmocka_unit_test(test_error_change_not_significant),
        cmocka_unit_test(test_error_change_on_a_metric_without_a_test),
        cmocka_unit_test(test_error_direction),
        cmocka_unit_test(test_error_confidence),
        cmocka_unit_test(test_error_min_n),
        cmocka_unit_test(test_error_durations),
        cmocka_unit_test(test_error_webhook),
        cmocka_unit_test(test_error_where),
        cmocka_unit_test(test_error_by_time_bucket),
        cmocka_unit_test(test_error_time_basis),
        cmocka_unit_test(test_error_missing_metric_window_webhook),
        cmocka_unit_test(test_error_defaults_misplaced_or_misused),
        cmocka_unit_test(test_error_empty_file_has_no_rules),
        cmocka_unit_test(test_error_nul_byte),
        cmocka_unit_test(test_error_too_many_rules),
        cmocka_unit_test(test_error_unreadable_file),
        cmocka_unit_test_teardown(test_window_ends_now_on_a_whole_second, teardown_events),
        cmocka_unit_test_teardown(test_above_fires_once_then_stays_quiet_while_it_holds, teardown_events),
        cmocka_unit_test_teardown(test_the_threshold_itself_does_not_fire, teardown_events),
        cmocka_unit_test_teardown(test_below_fires_under_the_threshold, teardown_events),
        cmocka_unit_test_teardown(test_min_n_keeps_small_samples_quiet, teardown_events),
        cmocka_unit_test_teardown(test_a_null_value_never_fires, teardown_events),
        cmocka_unit_test_teardown(test_each_group_has_its_own_state, teardown_events),
        cmocka_unit_test_teardown(test_resolved_payload_carries_the_value_and_since, teardown_events),
        cmocka_unit_test_teardown(test_a_firing_group_without_data_resolves_with_null, teardown_events),
        cmocka_unit_test_teardown(test_firing_payload_has_every_member, teardown_events),
        cmocka_unit_test_teardown(test_repeat_reposts_while_firing, teardown_events),
        cmocka_unit_test_teardown(test_resolved_groups_are_forgotten_unless_cooling, teardown_events),
        cmocka_unit_test_teardown(test_cooldown_suppresses_a_new_firing_soon_after_the_last, teardown_events),
        cmocka_unit_test_teardown(test_a_restart_keeps_firing_groups_quiet_and_resolves_them_later, teardown_events),
        cmocka_unit_test_teardown(test_a_missing_state_is_none_and_a_gone_rule_is_dropped, teardown_events),
        cmocka_unit_test_teardown(test_a_damaged_state_is_an_error_naming_the_file, teardown_events),
        cmocka_unit_test_teardown(test_significant_change_fires_below_the_p_value_cut, teardown_events),
        cmocka_unit_test_teardown(test_significant_change_needs_min_n_in_both_windows, teardown_events),
        cmocka_unit_test_teardown(test_no_comparison_no_change_alert, teardown_events),
        cmocka_unit_test_teardown(test_direction_up_down_and_worse, teardown_events),
        cmocka_unit_test_teardown(test_an_evaluator_error_is_an_event_and_keeps_the_state, teardown_events),
        cmocka_unit_test_teardown(test_one_bad_rule_does_not_stop_the_others, teardown_events),
        cmocka_unit_test_teardown(test_stateless_reports_every_holding_condition_each_time, teardown_events),
        cmocka_unit_test(test_parse_time_for_now),
        cmocka_unit_test(test_store_evaluator_rate_change_by_two_proportion_z),
        cmocka_unit_test(test_store_evaluator_threshold_per_team),
        cmocka_unit_test(test_store_evaluator_mean_change_by_welch),
        cmocka_unit_test(test_an_empty_or_missing_store_is_one_error_per_rule),
        cmocka_unit_test(test_a_secret_signs_posts_and_defaults_give_it_to_every_rule),
        cmocka_unit_test(test_a_secret_may_come_from_the_environment),
        cmocka_unit_test(test_error_secret_too_short),
        cmocka_unit_test(test_the_signature_is_hmac_sha256_of_timestamp_dot_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
