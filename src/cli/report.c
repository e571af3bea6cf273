/*
 * report.c - `cxm report`: compute metrics and render them.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

static void help(void) {
    printf("usage: cxm report [--tickets FILE | --data DIR] [OPTIONS]\n"
           "\n"
           "Computes support metrics from raw tickets (and optionally their messages).\n"
           "\n"
           "what to compute:\n"
           "  --metrics LIST       catalog ids, e.g. frt,resolution_time,fcr (default: all\n"
           "                       the data supports; 'cxm metrics' lists them)\n"
           "  --by LIST            day, week (ISO, Monday), month, quarter, year, or any column\n"
           "  --stats LIST         of mean,median,min,max,p25,p50,p75,p90,p95,p99\n"
           "                       (default mean,median,p90)\n"
           "  --confidence LEVEL   interval level (default 0.95)\n"
           "%s"
           "output:\n"
           "  --format FMT         table (default), csv, json, md\n"
           "  --lang LANG          labels: en, zh-Hans, zh-Hant, ja, ms\n"
           "  -o, --output FILE    write there instead of standard output\n"
           "  --quiet              no progress or warnings on stderr\n"
           "\n"
           "example:\n"
           "  cxm report --data ./export --by week,channel --metrics frt,fcr --format json\n"
           "\n"
           "exit status: 0 success, 1 usage error, 2 data error, 3 internal error\n",
           cli_data_help);
}

int cmd_report(int argc, char **argv) {
    cli_opts o;
    if (cli_parse_opts("report", argc, argv, &o, 1)) return EXIT_USAGE;
    if (o.help) {
        help();
        return EXIT_OK;
    }
    if (!o.r.tickets && !o.r.data_dir) {
        cli_usage_error("report", "no input: give --tickets FILE or --data DIR");
        return EXIT_USAGE;
    }
    cxm_diag d;
    memset(&d, 0, sizeof d);
    cxm_result_set *rs = NULL;
    int rc = cxm_report_run(&o.r, &rs, &d);
    cli_progress_end();
    if (rc) return cli_fail("report", rc, &d);
    FILE *out = stdout;
    if (o.output && strcmp(o.output, "-") && !(out = fopen(o.output, "w"))) {
        cxm_result_set_free(rs);
        fprintf(stderr, "cxm report: cannot write %s\n", o.output);
        return EXIT_DATA;
    }
    rc = cxm_result_render(rs, o.format, o.lang, out);
    if (out != stdout) {
        if (fclose(out) && !rc) rc = CXM_EIO;
    } else if (fflush(stdout) && !rc) {
        rc = CXM_EIO;
    }
    cxm_result_set_free(rs);
    if (rc) return cli_fail("report", rc, NULL);
    return EXIT_OK;
}
