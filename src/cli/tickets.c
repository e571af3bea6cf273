/*
 * tickets.c - `cxm tickets`: one row per ticket with every derived field.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

static void help(void) {
    printf("usage: cxm tickets [--tickets FILE | --data DIR] [OPTIONS]\n"
           "\n"
           "Writes one row per ticket with every derived field: first response, reply\n"
           "counts, reopens, calendar and business durations, FCR and SLA outcomes, for\n"
           "drill-down and export. Bad rows are skipped and reported on stderr.\n"
           "\n"
           "%s"
           "output:\n"
           "  --format FMT         csv (default) or json (one object per line)\n"
           "  -o, --output FILE    write there instead of standard output\n"
           "  --quiet              no progress or warnings on stderr\n"
           "\n"
           "exit status: 0 success, 1 usage error, 2 data error, 3 internal error\n",
           cli_data_help);
}

int cmd_tickets(int argc, char **argv) {
    cli_opts o;
    if (cli_parse_opts("tickets", argc, argv, &o, 0)) return EXIT_USAGE;
    if (o.help) {
        help();
        return EXIT_OK;
    }
    if (o.format != CXM_FORMAT_CSV && o.format != CXM_FORMAT_JSON) {
        cli_usage_error("tickets", "--format: expected csv or json");
        return EXIT_USAGE;
    }
    if (!o.r.tickets && !o.r.data_dir && !o.r.store) {
        cli_usage_error("tickets", "no input: give --tickets FILE, --data DIR or --store FILE");
        return EXIT_USAGE;
    }
    FILE *out = stdout;
    if (o.output && strcmp(o.output, "-") && !(out = fopen(o.output, "w"))) {
        fprintf(stderr, "cxm tickets: cannot write %s\n", o.output);
        return EXIT_DATA;
    }
    cxm_diag d;
    memset(&d, 0, sizeof d);
    uint64_t bad = 0;
    int rc = cxm_tickets_export(&o.r, o.format, out, &bad, &d);
    cli_progress_end();
    if (out != stdout) {
        if (fclose(out) && !rc) rc = CXM_EIO;
    } else if (fflush(stdout) && !rc) {
        rc = CXM_EIO;
    }
    if (rc) return cli_fail("tickets", rc, &d);
    return EXIT_OK;
}
