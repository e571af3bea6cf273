/*
 * comments.c - `cxm comments`: the verbatims behind a theme or a score
 * bucket, or the key phrases customers use.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void) {
    printf("usage: cxm comments --responses FILE [--themes FILE] [--theme NAME] [--survey NAME]\n"
           "                    [--bucket B] [--from DATE] [--to DATE] [--phrases K] [OPTIONS]\n"
           "\n"
           "Lists the survey comments behind a number: those mentioning a theme, those of\n"
           "a survey or a score bucket; or, with --phrases K, the K key phrases customers\n"
           "use most (Chinese and Japanese segmented with ICU; stop words per language).\n"
           "\n"
           "  --responses FILE     survey answers with a comment column\n"
           "  --themes FILE        theme file (examples/themes.ini)\n"
           "  --theme NAME         only comments mentioning this theme\n"
           "  --survey NAME        only answers to this survey (csat, nps, ...)\n"
           "  --bucket B           promoters, passives, detractors, a score N or a range N-M\n"
           "  --from, --to DATE    window on the answer's time (dates inclusive)\n"
           "  --tz, --input-tz Z   zones of the window's dates and of naive timestamps\n"
           "  --phrases K          the top K key phrases instead of the comments\n"
           "  --map CANON=SOURCE   column renames (repeatable); --delimiter C\n"
           "  --format FMT         csv (default) or json (one object per line)\n"
           "  -o, --output FILE    write there instead of standard output\n"
           "  --quiet              no warnings on stderr\n"
           "\n"
           "example:\n"
           "  cxm comments --responses r.csv --themes examples/themes.ini --theme refund --bucket detractors\n"
           "\n"
           "exit status: 0 success, 1 usage error, 2 data error, 3 internal error\n");
}

int cmd_comments(int argc, char **argv) {
    enum { O_RESP = 256, O_THEMES, O_THEME, O_SURVEY, O_BUCKET, O_FROM, O_TO, O_TZ, O_INTZ, O_PHRASES, O_MAP,
           O_DELIM, O_FORMAT, O_QUIET };
    static const struct option longopts[] = {
        {"responses", required_argument, 0, O_RESP}, {"themes", required_argument, 0, O_THEMES},
        {"theme", required_argument, 0, O_THEME}, {"survey", required_argument, 0, O_SURVEY},
        {"bucket", required_argument, 0, O_BUCKET}, {"from", required_argument, 0, O_FROM},
        {"to", required_argument, 0, O_TO}, {"tz", required_argument, 0, O_TZ},
        {"input-tz", required_argument, 0, O_INTZ}, {"phrases", required_argument, 0, O_PHRASES},
        {"map", required_argument, 0, O_MAP}, {"delimiter", required_argument, 0, O_DELIM},
        {"format", required_argument, 0, O_FORMAT}, {"output", required_argument, 0, 'o'},
        {"quiet", no_argument, 0, O_QUIET}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    cxm_comments_opts o;
    memset(&o, 0, sizeof o);
    const char *map[64];
    const char *output = NULL;
    cxm_format format = CXM_FORMAT_CSV;
    o.map = map;
    o.log = cli_log;
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_RESP: o.responses = optarg; break;
        case O_THEMES: o.themes = optarg; break;
        case O_THEME: o.theme = optarg; break;
        case O_SURVEY: o.survey = optarg; break;
        case O_BUCKET: o.bucket = optarg; break;
        case O_FROM: o.from = optarg; break;
        case O_TO: o.to = optarg; break;
        case O_TZ: o.tz = optarg; break;
        case O_INTZ: o.input_tz = optarg; break;
        case O_PHRASES: {
            char *end;
            long k = strtol(optarg, &end, 10);
            if (*end || k < 1 || k > 100000) {
                cli_usage_error("comments", "--phrases '%s': expected a count from 1 to 100000", optarg);
                return EXIT_USAGE;
            }
            o.phrases = (size_t)k;
            break;
        }
        case O_MAP:
            if (o.nmap == sizeof map / sizeof map[0]) {
                cli_usage_error("comments", "too many --map options");
                return EXIT_USAGE;
            }
            map[o.nmap++] = optarg;
            break;
        case O_DELIM:
            if (!strcmp(optarg, "tab")) o.delimiter = '\t';
            else if (strlen(optarg) == 1) o.delimiter = optarg[0];
            else {
                cli_usage_error("comments", "--delimiter '%s': expected one character (or 'tab')", optarg);
                return EXIT_USAGE;
            }
            break;
        case O_FORMAT:
            if (cxm_format_parse(optarg, &format) || (format != CXM_FORMAT_CSV && format != CXM_FORMAT_JSON)) {
                cli_usage_error("comments", "--format '%s': expected csv or json", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o': output = optarg; break;
        case O_QUIET: cli_quiet = 1; break;
        case 'h': help(); return EXIT_OK;
        case ':': cli_usage_error("comments", "option '%s' needs a value", argv[optind - 1]); return EXIT_USAGE;
        default: cli_usage_error("comments", "unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_usage_error("comments", "unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (!o.responses) {
        cli_usage_error("comments", "no input: give --responses FILE");
        return EXIT_USAGE;
    }
    FILE *out = stdout;
    if (output && strcmp(output, "-") && !(out = fopen(output, "w"))) {
        fprintf(stderr, "cxm comments: cannot write %s\n", output);
        return EXIT_DATA;
    }
    cxm_diag d;
    memset(&d, 0, sizeof d);
    uint64_t bad = 0;
    int rc = cxm_comments_run(&o, format, out, &bad, &d);
    if (out != stdout) {
        if (fclose(out) && !rc) rc = CXM_EIO;
    } else if (fflush(stdout) && !rc) {
        rc = CXM_EIO;
    }
    if (rc) return cli_fail("comments", rc, &d);
    return EXIT_OK;
}
