/*
 * convert.c - `cxm convert`: turn an export whose shape --map cannot
 * express (several columns make one, events make tickets) into canonical
 * tickets.csv (and messages.csv) with an import profile (docs/IMPORT.md).
 * Bad source rows are warned about on stderr and left out; a one-line
 * summary follows (rows read, tickets, messages, bad rows, warnings).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Prints text wrapped at width, each line indented by indent spaces. */
static void wrap(const char *text, int indent, int width) {
    int col = indent;
    printf("%*s", indent, "");
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        const char *e = p;
        while (*e && *e != ' ') e++;
        int len = (int)(e - p);
        if (!len) break;
        if (col > indent && col + 1 + len > width) {
            printf("\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            putchar(' ');
            col++;
        }
        printf("%.*s", len, p);
        col += len;
        p = e;
    }
    putchar('\n');
}

static void help(void) {
    printf("usage: cxm convert --profile NAME --in FILE|DIR --out DIR [--strict]\n"
           "                   [--delimiter C] [--quiet]\n"
           "\n"
           "Converts an export into canonical tickets.csv (and messages.csv) in DIR,\n"
           "ready for 'cxm report --data DIR'. Every output row has a source_line\n"
           "column pointing back to the input. Bad source rows are reported (file,\n"
           "line, column, what was expected), listed in DIR/rejected.csv and left out;\n"
           "a summary line follows on stderr.\n"
           "  --profile NAME   the export's shape (below)\n"
           "  --in FILE|DIR    the export file (a directory of tables for zendesk)\n"
           "  --out DIR        output directory (created if missing)\n"
           "  --strict         the first bad row is an error (exit 2), nothing is written\n"
           "  --delimiter C    input delimiter (default ','; 'tab' for TAB)\n"
           "  --quiet          no warnings or summary on stderr\n"
           "\n"
           "profiles:\n");
    for (size_t i = 0; cxm_convert_profiles[i]; i++) {
        const char *d = cxm_convert_describe(cxm_convert_profiles[i]);
        printf("  %s\n", cxm_convert_profiles[i]);
        wrap(d ? d : "", 4, 78);
    }
    printf("\n"
           "example:\n"
           "  cxm convert --profile itsm --in incident_event_log.csv --out ./itsm\n"
           "  cxm report --data ./itsm --metrics volume,resolution_time,reopen_rate\n"
           "\n"
           "docs: docs/IMPORT.md (each data set's defects and the numbers cxm reports)\n"
           "exit status: 0 success, 1 usage error, 2 data error, 3 internal error\n");
}

int cmd_convert(int argc, char **argv) {
    enum { O_PROFILE = 256, O_IN, O_OUT, O_STRICT, O_DELIM, O_QUIET };
    static const struct option longopts[] = {
        {"profile", required_argument, 0, O_PROFILE}, {"in", required_argument, 0, O_IN},
        {"out", required_argument, 0, O_OUT},         {"strict", no_argument, 0, O_STRICT},
        {"delimiter", required_argument, 0, O_DELIM}, {"quiet", no_argument, 0, O_QUIET},
        {"help", no_argument, 0, 'h'},                {0, 0, 0, 0}};
    cxm_convert_opts o;
    cxm_convert_counts counts;
    memset(&o, 0, sizeof o);
    memset(&counts, 0, sizeof counts);
    o.log = cli_log;
    o.counts = &counts;
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_PROFILE: o.profile = optarg; break;
        case O_IN: o.input = optarg; break;
        case O_OUT: o.out_dir = optarg; break;
        case O_STRICT: o.strict = 1; break;
        case O_QUIET: cli_quiet = 1; break;
        case O_DELIM:
            if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t")) o.delimiter = '\t';
            else if (strlen(optarg) == 1 && optarg[0] != '"' && optarg[0] != '\n' && optarg[0] != '\r')
                o.delimiter = optarg[0];
            else {
                cli_usage_error("convert", "--delimiter '%s': expected one character or 'tab'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h': help(); return EXIT_OK;
        case ':': cli_usage_error("convert", "option '%s' needs a value", argv[optind - 1]); return EXIT_USAGE;
        default: cli_usage_error("convert", "unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_usage_error("convert", "unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (!o.profile || !o.input || !o.out_dir) {
        cli_usage_error("convert", "--profile NAME, --in FILE|DIR and --out DIR are required");
        return EXIT_USAGE;
    }
    if (!cxm_convert_describe(o.profile)) {
        char names[256];
        size_t n = 0;
        names[0] = 0;
        for (size_t i = 0; cxm_convert_profiles[i]; i++) {
            int w = snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", cxm_convert_profiles[i]);
            if (w > 0 && (size_t)w < sizeof names - n) n += (size_t)w;
        }
        cli_usage_error("convert", "--profile '%s': expected one of %s", o.profile, names);
        return EXIT_USAGE;
    }
    cxm_diag d;
    memset(&d, 0, sizeof d);
    uint64_t tickets = 0, bad = 0;
    int rc = cxm_convert(&o, &tickets, &bad, &d);
    cli_progress_end();
    if (rc) return cli_fail("convert", rc, &d);
    if (!cli_quiet)
        fprintf(stderr,
                "cxm convert: %s: %llu rows read, %llu tickets and %llu messages written, %llu bad rows left out, "
                "%llu warnings -> %s\n",
                o.profile, (unsigned long long)counts.rows_read, (unsigned long long)tickets,
                (unsigned long long)counts.messages, (unsigned long long)bad, (unsigned long long)counts.warnings,
                o.out_dir);
    return EXIT_OK;
}
