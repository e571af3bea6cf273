/*
 * main.c - the cxm command: dispatch to subcommands, shared error and
 * progress reporting.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_quiet;

static void usage(FILE *o) {
    fputs("cxm " CXM_VERSION_STRING " - customer-experience metrics from raw records\n"
          "\n"
          "usage: cxm COMMAND [OPTIONS]\n"
          "\n"
          "commands:\n"
          "  report    compute metrics (FRT, resolution time, FCR, SLA, CSAT, NPS, ...)\n"
          "  tickets   one row per ticket with every derived field (drill-down, export)\n"
          "  metrics   list the metric catalog with definitions\n"
          "  comments  the survey comments behind a theme or score, or their key phrases\n"
          "  sample    write a realistic synthetic data set\n"
          "  convert   turn an export (call centre, ITSM, Zendesk, Delighted, Typeform) into streams\n"
          "  import    load records into a store (SQLite): idempotent, durable, concurrent\n"
          "  token     create, list or revoke the HTTP service's API tokens in a store\n"
          "  serve     the HTTP service over a store: ingest, metrics, catalog (docs/SERVER.md)\n"
          "  alerts    check alert rules over a store once, post to webhooks (docs/ALERTS.md)\n"
          "  help      this text; 'cxm COMMAND --help' for a command's options\n"
          "  version   print the version\n"
          "\n"
          "exit status: 0 success, 1 usage error, 2 data error, 3 internal error\n"
          "docs: docs/CLI.md, docs/DATA.md, docs/METRICS.md\n",
          o);
}

int cli_exit_code(int rc) {
    switch (rc) {
    case CXM_OK: return EXIT_OK;
    case CXM_EUSAGE:
    case CXM_ENOTFOUND: return EXIT_USAGE;
    case CXM_EDATA:
    case CXM_EPARSE:
    case CXM_EIO:
    case CXM_ELIMIT: return EXIT_DATA;
    default: return EXIT_INTERNAL;
    }
}

int cli_fail(const char *what, int rc, const cxm_diag *d) {
    cli_progress_end();
    char buf[1200];
    cxm_diag_explain(d, rc, buf, sizeof buf);
    fprintf(stderr, "cxm %s: %s\n", what, buf);
    return cli_exit_code(rc);
}

void cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "cxm %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'cxm %s --help'.\n", cmd);
}

static int progress_shown;

void cli_progress(void *ud, const char *what, uint64_t done, uint64_t total) {
    (void)ud;
    if (cli_quiet || !isatty(2)) return;
    static struct timespec last;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double dt = (double)(now.tv_sec - last.tv_sec) + (double)(now.tv_nsec - last.tv_nsec) / 1e9;
    if (dt < 0.1 && done != total) return;
    last = now;
    if (total)
        fprintf(stderr, "\r%s: %3.0f%% (%.1f of %.1f MB)   ", what, 100.0 * (double)done / (double)total,
                (double)done / 1e6, (double)total / 1e6);
    else
        fprintf(stderr, "\r%s: %.1f MB   ", what, (double)done / 1e6);
    progress_shown = 1;
}

void cli_progress_end(void) {
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
}

void cli_log(void *ud, const char *msg) {
    (void)ud;
    if (cli_quiet) return;
    cli_progress_end();
    fprintf(stderr, "cxm: warning: %s\n", msg);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "report")) return cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "tickets")) return cmd_tickets(argc - 1, argv + 1);
    if (!strcmp(cmd, "metrics")) return cmd_metrics(argc - 1, argv + 1);
    if (!strcmp(cmd, "sample")) return cmd_sample(argc - 1, argv + 1);
    if (!strcmp(cmd, "comments")) return cmd_comments(argc - 1, argv + 1);
    if (!strcmp(cmd, "convert")) return cmd_convert(argc - 1, argv + 1);
    if (!strcmp(cmd, "import")) return cmd_import(argc - 1, argv + 1);
    if (!strcmp(cmd, "token")) return cmd_token(argc - 1, argv + 1);
    if (!strcmp(cmd, "serve")) return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(cmd, "alerts")) return cmd_alerts(argc - 1, argv + 1);
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("cxm %s\n", CXM_VERSION_STRING);
        return EXIT_OK;
    }
    fprintf(stderr, "cxm: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
