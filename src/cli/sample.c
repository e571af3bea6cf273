/*
 * sample.c - `cxm sample`: a realistic synthetic data set (tickets,
 * messages and survey answers). Parses the options into cxm_sample_opts
 * and calls cxm_sample_write; no state beyond one call.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void) {
    printf("usage: cxm sample --out DIR [--tickets N] [--seed S] [--no-messages]\n"
           "                  [--start YYYY-MM-DD] [--days N]\n"
           "                  [--responses N [--comments] [--unanswered]]\n"
           "\n"
           "Writes DIR/tickets.csv and DIR/messages.csv in the canonical columns\n"
           "(docs/DATA.md), deterministic for a seed: for demos, tests and benchmarks.\n"
           "  --tickets N      number of tickets (default 1000)\n"
           "  --seed S         random seed (default 1)\n"
           "  --no-messages    tickets only\n"
           "  --start DATE     first creation date (default 2024-01-01)\n"
           "  --days N         creation dates span N days (default 365)\n"
           "  --responses N    also DIR/responses.csv: N survey answers (nps, csat, ces),\n"
           "                   each about a distinct resolved ticket; about 18%% of\n"
           "                   --tickets is a realistic response rate. With --tickets 0:\n"
           "                   N standalone answers, and responses.csv only\n"
           "  --comments       short comments (en, ms, zh, ja) on some answers\n"
           "  --unanswered     ~10%% of the rows are surveys sent and not answered\n"
           "                   (empty score), for response_rate\n");
}

static int parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s || s[0] == '-') return -1;
    *out = v;
    return 0;
}

static void progress(void *ud, uint64_t done, uint64_t total) {
    cli_progress(ud, "sample", done, total);
}

int cmd_sample(int argc, char **argv) {
    static const struct option longopts[] = {{"out", required_argument, 0, 'O'},
                                             {"tickets", required_argument, 0, 'n'},
                                             {"seed", required_argument, 0, 's'},
                                             {"no-messages", no_argument, 0, 'M'},
                                             {"start", required_argument, 0, 'S'},
                                             {"days", required_argument, 0, 'd'},
                                             {"responses", required_argument, 0, 'r'},
                                             {"comments", no_argument, 0, 'c'},
                                             {"unanswered", no_argument, 0, 'u'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    cxm_sample_opts o;
    cxm_sample_defaults(&o);
    o.progress = progress;
    opterr = 0;
    optind = 1;
    int ch;
    uint64_t v;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'O': o.dir = optarg; break;
        case 'n':
            if (parse_u64(optarg, &v)) goto bad_number;
            o.tickets = v;
            break;
        case 's':
            if (parse_u64(optarg, &v)) goto bad_number;
            o.seed = v;
            break;
        case 'M': o.messages = 0; break;
        case 'r':
            if (parse_u64(optarg, &v)) goto bad_number;
            o.responses = v;
            break;
        case 'c': o.comments = 1; break;
        case 'u': o.unanswered = 1; break;
        case 'd':
            if (parse_u64(optarg, &v) || v == 0 || v > 36500) goto bad_number;
            o.days = (int)v;
            break;
        case 'S': {
            int y, m, d;
            char tail;
            if (sscanf(optarg, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
                cli_usage_error("sample", "--start '%s': expected YYYY-MM-DD", optarg);
                return EXIT_USAGE;
            }
            /* days from civil (Hinnant), to stay on the public API */
            int64_t yy = m <= 2 ? y - 1 : y;
            int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
            int64_t yoe = yy - era * 400;
            int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
            int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            o.start_day = era * 146097 + doe - 719468;
            break;
        }
        case 'h': help(); return EXIT_OK;
        case ':': cli_usage_error("sample", "option '%s' needs a value", argv[optind - 1]); return EXIT_USAGE;
        default: cli_usage_error("sample", "unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
        }
    }
    if (!o.dir) {
        cli_usage_error("sample", "--out DIR is required");
        return EXIT_USAGE;
    }
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_sample_write(&o, &d);
    cli_progress_end();
    if (rc) return cli_fail("sample", rc, &d);
    return EXIT_OK;
bad_number:
    cli_usage_error("sample", "'%s' is not a valid number here", optarg);
    return EXIT_USAGE;
}
