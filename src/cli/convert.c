/*
 * convert.c - `cxm convert`: turn an export whose shape --map cannot
 * express (several columns make one, events make tickets, one row holds
 * several survey answers) into canonical tickets.csv (and messages.csv), or
 * responses.csv for the survey profiles, with an import profile
 * (docs/IMPORT.md). Bad source rows are warned about on stderr and left
 * out; a one-line summary follows (rows read, rows written, bad rows,
 * warnings). The survey profiles' options (--question, --comment, --id,
 * --at, --scale) reach the library as "KEY=VALUE" settings, in order.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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
           "       cxm convert --profile typeform --in FILE --out DIR\n"
           "                   --question SURVEY=COLUMN... [--comment [SURVEY=]COLUMN]\n"
           "                   [--id COLUMN] [--at COLUMN] [--scale SURVEY=MIN-MAX]\n"
           "\n"
           "Converts an export into canonical tickets.csv (and messages.csv) in DIR,\n"
           "or responses.csv for the survey profiles (delighted, typeform), ready for\n"
           "'cxm report --data DIR'. Every output row has a source_line column\n"
           "pointing back to the input. Bad source rows are reported (file, line,\n"
           "column, what was expected), listed in DIR/rejected.csv (survey profiles:\n"
           "DIR/rejected_responses.csv) and left out; a summary line follows on stderr.\n"
           "  --profile NAME   the export's shape (below)\n"
           "  --in FILE|DIR    the export file (a directory of tables for zendesk)\n"
           "  --out DIR        output directory (created if missing)\n"
           "  --strict         the first bad row is an error (exit 2), nothing is written\n"
           "  --delimiter C    input delimiter (default ','; 'tab' for TAB)\n"
           "  --quiet          no warnings or summary on stderr\n"
           "survey profiles:\n"
           "  --question SURVEY=COLUMN  typeform: the column of SURVEY's answers (repeat\n"
           "                   for each survey; csat, ces, nps, enps, esat or any name)\n"
           "  --comment [SURVEY=]COLUMN  typeform: the column of SURVEY's comment\n"
           "                   (without SURVEY=: of the first question answered)\n"
           "  --id COLUMN      typeform: the submission id (default '#', 'Response ID')\n"
           "  --at COLUMN      typeform: the submission instant (default 'Submit Date (UTC)')\n"
           "  --scale SURVEY=MIN-MAX  a survey's scale (e.g. ces=1-5; needed for names\n"
           "                   other than csat, esat 1-5, ces 1-7, nps, enps 0-10)\n"
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
           "  cxm convert --profile typeform --in responses.csv --out ./survey \\\n"
           "      --question \"nps=How likely are you to recommend us?\" \\\n"
           "      --comment \"What could we do better?\"\n"
           "  cxm report --data ./survey --metrics nps --by month\n"
           "\n"
           "docs: docs/IMPORT.md (each data set's defects and the numbers cxm reports)\n"
           "exit status: 0 success, 1 usage error, 2 data error, 3 internal error\n");
}

static int run(const cxm_convert_opts *o, const cxm_convert_counts *counts, int argc, char **argv);

int cmd_convert(int argc, char **argv) {
    enum { O_PROFILE = 256, O_IN, O_OUT, O_STRICT, O_DELIM, O_QUIET, O_QUESTION, O_COMMENT, O_ID, O_AT, O_SCALE };
    static const struct option longopts[] = {
        {"profile", required_argument, 0, O_PROFILE},   {"in", required_argument, 0, O_IN},
        {"out", required_argument, 0, O_OUT},           {"strict", no_argument, 0, O_STRICT},
        {"delimiter", required_argument, 0, O_DELIM},   {"quiet", no_argument, 0, O_QUIET},
        {"question", required_argument, 0, O_QUESTION}, {"comment", required_argument, 0, O_COMMENT},
        {"id", required_argument, 0, O_ID},             {"at", required_argument, 0, O_AT},
        {"scale", required_argument, 0, O_SCALE},       {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    static const char *const setting_key[] = {"question", "comment", "id", "at", "scale"};
    cxm_convert_opts o;
    cxm_convert_counts counts;
    memset(&o, 0, sizeof o);
    memset(&counts, 0, sizeof counts);
    o.log = cli_log;
    o.counts = &counts;
    /* settings: at most one per argument; owned here, freed on every return */
    char **settings = calloc((size_t)(argc > 0 ? argc : 1), sizeof *settings);
    size_t nsettings = 0;
    if (!settings) return cli_fail("convert", CXM_ENOMEM, NULL);
    int status = -1;
    opterr = 0;
    optind = 1;
    int ch;
    while (status < 0 && (ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_QUESTION:
        case O_COMMENT:
        case O_ID:
        case O_AT:
        case O_SCALE: {
            const char *key = setting_key[ch - O_QUESTION];
            size_t n = strlen(key) + 1 + strlen(optarg) + 1;
            char *v = malloc(n);
            if (!v) {
                status = cli_fail("convert", CXM_ENOMEM, NULL);
                break;
            }
            snprintf(v, n, "%s=%s", key, optarg);
            settings[nsettings++] = v;
            break;
        }
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
                status = EXIT_USAGE;
            }
            break;
        case 'h':
            help();
            status = EXIT_OK;
            break;
        case ':':
            cli_usage_error("convert", "option '%s' needs a value", argv[optind - 1]);
            status = EXIT_USAGE;
            break;
        default:
            cli_usage_error("convert", "unknown option '%s'", argv[optind - 1]);
            status = EXIT_USAGE;
            break;
        }
    }
    o.settings = (const char *const *)settings;
    o.nsettings = nsettings;
    if (status < 0) status = run(&o, &counts, argc, argv);
    for (size_t i = 0; i < nsettings; i++) free(settings[i]);
    free(settings);
    return status;
}

/* Checks the remaining arguments and runs the conversion. o borrowed. */
static int run(const cxm_convert_opts *o, const cxm_convert_counts *counts, int argc, char **argv) {
    if (optind < argc) {
        cli_usage_error("convert", "unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (!o->profile || !o->input || !o->out_dir) {
        cli_usage_error("convert", "--profile NAME, --in FILE|DIR and --out DIR are required");
        return EXIT_USAGE;
    }
    if (!cxm_convert_describe(o->profile)) {
        char names[256];
        size_t n = 0;
        names[0] = 0;
        for (size_t i = 0; cxm_convert_profiles[i]; i++) {
            int w = snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", cxm_convert_profiles[i]);
            if (w > 0 && (size_t)w < sizeof names - n) n += (size_t)w;
        }
        cli_usage_error("convert", "--profile '%s': expected one of %s", o->profile, names);
        return EXIT_USAGE;
    }
    cxm_diag d;
    memset(&d, 0, sizeof d);
    uint64_t rows = 0, bad = 0;
    int rc = cxm_convert(o, &rows, &bad, &d);
    cli_progress_end();
    if (rc) return cli_fail("convert", rc, &d);
    if (cli_quiet) return EXIT_OK;
    const char *desc = cxm_convert_describe(o->profile);
    if (desc && strstr(desc, "-> responses.csv")) /* a survey profile */
        fprintf(stderr,
                "cxm convert: %s: %llu rows read, %llu responses written, %llu bad rows left out, %llu warnings -> %s\n",
                o->profile, (unsigned long long)counts->rows_read, (unsigned long long)counts->responses,
                (unsigned long long)bad, (unsigned long long)counts->warnings, o->out_dir);
    else
        fprintf(stderr,
                "cxm convert: %s: %llu rows read, %llu tickets and %llu messages written, %llu bad rows left out, "
                "%llu warnings -> %s\n",
                o->profile, (unsigned long long)counts->rows_read, (unsigned long long)rows,
                (unsigned long long)counts->messages, (unsigned long long)bad, (unsigned long long)counts->warnings,
                o->out_dir);
    return EXIT_OK;
}
