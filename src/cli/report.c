/*
 * report.c - `cxm report`: compute metrics and render them.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

static void help(void) {
    printf("usage: cxm report [--tickets FILE] [--responses FILE] [--data DIR] [OPTIONS]\n"
           "\n"
           "Computes support metrics from raw tickets (and optionally their messages) and\n"
           "survey metrics (CSAT, CES, NPS, eNPS, ESAT) from survey answers.\n"
           "\n"
           "what to compute:\n"
           "  --metrics LIST       catalog ids, e.g. frt,resolution_time,fcr (default: all\n"
           "                       the data supports; 'cxm metrics' lists them)\n"
           "  --by LIST            day, week (ISO, Monday), month, quarter, year, or any column\n"
           "  --stats LIST         of mean,median,min,max,p25,p50,p75,p90,p95,p99\n"
           "                       (default mean,median,p90)\n"
           "  --confidence LEVEL   interval level (default 0.95)\n"
           "%s"
           "surveys (with --responses):\n"
           "  --csat-variant V     top_box (default), mean, pct_of_max\n"
           "  --csat-boxes LIST    satisfied boxes, e.g. 4,5 (default: the scale's top two)\n"
           "  --ces-variant V      agree_pct (default), mean\n"
           "  --ces-polarity P     agreement (high is easy; default) or effort (low is easy)\n"
           "  --ces-threshold N    agreement from N up (effort: up to N)\n"
           "  --nps-buckets D,P    detractors up to D, promoters from P (default 6,9)\n"
           "  --nps-ci METHOD      wald (default) or adjusted_wald\n"
           "  --min-n N            values on fewer answers are flagged (default 30; -1 off)\n"
           "  --compare previous|FROM..TO   add the previous value, the change and its p-value\n"
           "output:\n"
           "  --format FMT         table (default), csv, json, md, or html: the dashboard as one\n"
           "                       self-contained page (docs/DASHBOARD.md; --metrics and --stats\n"
           "                       are the page's own, the first time term of --by its interval)\n"
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
    if (!o.r.tickets && !o.r.data_dir && !o.r.responses && !o.r.store) {
        cli_usage_error("report", "no input: give --tickets FILE, --responses FILE, --data DIR or --store FILE");
        return EXIT_USAGE;
    }
    if (o.html) { /* the dashboard as one file (report_html.c) */
        FILE *hout = stdout;
        if (o.output && strcmp(o.output, "-") && !(hout = fopen(o.output, "w"))) {
            fprintf(stderr, "cxm report: cannot write %s\n", o.output);
            return EXIT_DATA;
        }
        int ec = cli_report_html(&o, hout);
        if (hout != stdout) {
            if (fclose(hout) && !ec) ec = cli_fail("report", CXM_EIO, NULL);
        } else if (fflush(stdout) && !ec) {
            ec = cli_fail("report", CXM_EIO, NULL);
        }
        return ec;
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
