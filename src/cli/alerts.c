/*
 * alerts.c - `cxm alerts check`: one evaluation of an alert rules file over
 * a store (src/server/alerts.h; docs/ALERTS.md), for cron jobs and tests.
 * Stateless: every group whose condition holds is printed (one JSON line
 * each on stdout, the webhook payload) and, unless --dry-run, posted as
 * "firing"; nothing is remembered between runs, so nothing "resolves".
 * Sizes: one snapshot of the store, one report per rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../server/alerts.h"
#include "cli.h"

static void help(void) {
    printf("usage: cxm alerts check --store FILE --rules FILE [--dry-run] [--now TIME]\n"
           "\n"
           "Evaluates the alert rules (docs/ALERTS.md, examples/alerts.ini) once over a store\n"
           "and prints one JSON line per group whose condition holds (the webhook payload,\n"
           "\"state\":\"firing\"). Each rule's window ends at --now. Without --dry-run the\n"
           "payloads are also posted to the rules' webhooks (5 s timeout, 3 attempts).\n"
           "No state is kept between runs: a condition that still holds is reported again,\n"
           "and nothing is reported as resolved ('cxm serve --alerts' keeps state).\n"
           "\n"
           "  --store FILE    the store (cxm import)\n"
           "  --rules FILE    the rules file\n"
           "  --dry-run       print, post nothing\n"
           "  --now TIME      the instant windows end at (2024-06-01T10:00:00Z, +HH:MM offsets,\n"
           "                  or a date: its midnight UTC); default: the current time\n"
           "\n"
           "Logs (stderr): one JSON line per alert, post and rule that could not be evaluated.\n"
           "exit status: 0 evaluated (whether or not anything fired), 1 usage error,\n"
           "2 a bad rules file, a rule that could not be evaluated, or a post that failed\n");
}

int cmd_alerts(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "check")) {
        cli_usage_error("alerts", "unknown subcommand '%s' (expected check)", argv[1]);
        return EXIT_USAGE;
    }
    const char *store = NULL, *rules = NULL, *now_s = NULL;
    int dry_run = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return EXIT_OK;
        } else if (!strcmp(a, "--store") && i + 1 < argc) {
            store = argv[++i];
        } else if (!strcmp(a, "--rules") && i + 1 < argc) {
            rules = argv[++i];
        } else if (!strcmp(a, "--now") && i + 1 < argc) {
            now_s = argv[++i];
        } else if (!strcmp(a, "--dry-run")) {
            dry_run = 1;
        } else {
            cli_usage_error("alerts", "unknown argument '%s'", a);
            return EXIT_USAGE;
        }
    }
    if (!store || !rules) {
        cli_usage_error("alerts", "give --store FILE and --rules FILE");
        return EXIT_USAGE;
    }
    cxm_diag d;
    memset(&d, 0, sizeof d);
    cxm_time now;
    if (now_s) {
        if (cxm_alerts_parse_time(now_s, &now, &d)) {
            cli_usage_error("alerts", "--now %s", d.msg);
            return EXIT_USAGE;
        }
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (cxm_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    cxm_alert_set *set = NULL;
    int rc = cxm_alert_set_load(rules, &set, &d);
    if (rc) return cli_fail("alerts", rc, &d);
    cxm_alert_events ev;
    memset(&ev, 0, sizeof ev);
    rc = cxm_alerts_evaluate_store(set, now, store, 1, &ev, &d);
    if (rc) {
        cxm_alert_events_free(&ev);
        cxm_alert_set_free(set);
        return cli_fail("alerts", rc, &d);
    }
    size_t errors = 0, failed = 0;
    for (size_t i = 0; i < ev.n; i++) {
        if (ev.v[i].kind == CXM_ALERT_ERROR)
            errors++;
        else if (ev.v[i].kind == CXM_ALERT_FIRING)
            printf("%s\n", ev.v[i].json);
    }
    fflush(stdout);
    char why[300] = "";
    int init = !dry_run && cxm_webhook_init(why, sizeof why) == 0;
    if (!dry_run && !init) {
        fprintf(stderr, "cxm alerts: cannot initialise libcurl (%s): nothing posted\n", why);
        failed = 1;
    }
    if (dry_run || init) {
        size_t nf = 0;
        cxm_alerts_deliver(set, &ev, dry_run, NULL, &nf);
        failed += nf;
    }
    if (init) cxm_webhook_cleanup();
    cxm_alert_events_free(&ev);
    cxm_alert_set_free(set);
    return errors || failed ? EXIT_DATA : EXIT_OK;
}
