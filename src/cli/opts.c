/*
 * opts.c - option parsing shared by report and tickets (getopt_long).
 */
#include "opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cli_data_help[] =
    "input:\n"
    "  --tickets FILE       tickets (CSV, or NDJSON by .ndjson/.jsonl); '-' = stdin\n"
    "  --messages FILE      messages: one row per event of a ticket (optional)\n"
    "  --data DIR           a directory with tickets.csv, messages.csv (or .ndjson)\n"
    "  --store FILE         a store written by 'cxm import' (instead of the files above)\n"
    "  --map CANON=SOURCE   read column SOURCE as CANON (repeatable), e.g. --map ticket_id=Id\n"
    "  --delimiter C        CSV delimiter (default ','; 'tab' for TAB)\n"
    "  --input-tz ZONE      zone of timestamps without an offset (default UTC)\n"
    "  --date-order ORDER   ymd (default), dmy or mdy for dates like 05/03/2024\n"
    "  --where COL=V[,V]    keep rows whose COL is one of the values (COL!=V excludes;\n"
    "                       on tags: has the tag); repeatable, all must hold\n"
    "  --strict             the first bad row is an error (default: skip, warn, count)\n"
    "  --responses FILE     survey answers: CSAT, CES, NPS, eNPS, ESAT (docs/DATA.md)\n"
    "  --themes FILE        themes to find in comments (examples/themes.ini)\n"
    "definitions:\n"
    "  --preset NAME        cxm (default), zendesk, intercom, helpscout, chatwoot, freshdesk\n"
    "  --time BASIS         calendar (default) or business (needs --calendar)\n"
    "  --calendar FILE      business hours, holidays, zones (docs/DATA.md)\n"
    "  --sla FILE           SLA targets per priority and channel (docs/DATA.md)\n"
    "  --fcr-rule RULE      one_touch (default), no_reopen, replies:N, no_followup, one_teammate\n"
    "  --fcr-denominator D  resolved (default) or contacts (every contact not abandoned)\n"
    "  --tz ZONE            report zone for buckets and dates (IANA name; default UTC)\n"
    "  --from DATE, --to DATE   report window (dates inclusive, or instants)\n"
    "  --as-of INSTANT      what 'now' means for open SLA targets and backlog\n"
    "                       (default: the latest creation,\n"
    "                       response or resolution in the data)\n";

static int set_format(const char *cmd, const char *v, cli_opts *o) {
    o->html = 0;
    if (!strcmp(cmd, "report") && !strcmp(v, "html")) { /* the dashboard page: report_html.c */
        o->html = 1;
        o->format = CXM_FORMAT_JSON;
        return 0;
    }
    if (cxm_format_parse(v, &o->format)) {
        cli_usage_error(cmd, "--format '%s': expected table, csv, json, md%s", v,
                        strcmp(cmd, "report") ? "" : " or html");
        return -1;
    }
    return 0;
}

int cli_parse_opts(const char *cmd, int argc, char **argv, cli_opts *o, int is_report) {
    enum {
        O_TICKETS = 256, O_MESSAGES, O_DATA, O_MAP, O_DELIM, O_METRICS, O_BY, O_WHERE, O_FROM, O_TO,
        O_ASOF, O_TZ, O_INTZ, O_DORDER, O_CAL, O_SLA, O_PRESET, O_STATS, O_TIME, O_FCR, O_CONF,
        O_STRICT, O_FORMAT, O_LANG, O_QUIET, O_RESPONSES, O_CSATV, O_CSATB, O_CESV, O_CESP, O_CEST, O_NPSB,
        O_NPSCI, O_MINN, O_COMPARE, O_FCRDEN, O_THEMES, O_STORE
    };
    static const struct option longopts[] = {
        {"tickets", required_argument, 0, O_TICKETS}, {"messages", required_argument, 0, O_MESSAGES},
        {"data", required_argument, 0, O_DATA}, {"map", required_argument, 0, O_MAP},
        {"delimiter", required_argument, 0, O_DELIM}, {"metrics", required_argument, 0, O_METRICS},
        {"by", required_argument, 0, O_BY}, {"where", required_argument, 0, O_WHERE},
        {"from", required_argument, 0, O_FROM}, {"to", required_argument, 0, O_TO},
        {"as-of", required_argument, 0, O_ASOF}, {"tz", required_argument, 0, O_TZ},
        {"input-tz", required_argument, 0, O_INTZ}, {"date-order", required_argument, 0, O_DORDER},
        {"calendar", required_argument, 0, O_CAL}, {"sla", required_argument, 0, O_SLA},
        {"preset", required_argument, 0, O_PRESET}, {"stats", required_argument, 0, O_STATS},
        {"time", required_argument, 0, O_TIME}, {"fcr-rule", required_argument, 0, O_FCR},
        {"confidence", required_argument, 0, O_CONF}, {"strict", no_argument, 0, O_STRICT},
        {"format", required_argument, 0, O_FORMAT}, {"lang", required_argument, 0, O_LANG},
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, O_QUIET},
        {"responses", required_argument, 0, O_RESPONSES}, {"csat-variant", required_argument, 0, O_CSATV},
        {"csat-boxes", required_argument, 0, O_CSATB}, {"ces-variant", required_argument, 0, O_CESV},
        {"ces-polarity", required_argument, 0, O_CESP}, {"ces-threshold", required_argument, 0, O_CEST},
        {"nps-buckets", required_argument, 0, O_NPSB}, {"nps-ci", required_argument, 0, O_NPSCI},
        {"min-n", required_argument, 0, O_MINN}, {"compare", required_argument, 0, O_COMPARE},
        {"fcr-denominator", required_argument, 0, O_FCRDEN}, {"themes", required_argument, 0, O_THEMES},
        {"store", required_argument, 0, O_STORE},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->format = is_report ? CXM_FORMAT_TABLE : CXM_FORMAT_CSV;
    o->r.map = o->map;
    o->r.where = o->where;
    o->r.progress = cli_progress;
    o->r.log = cli_log;
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_TICKETS: o->r.tickets = optarg; break;
        case O_MESSAGES: o->r.messages = optarg; break;
        case O_DATA: o->r.data_dir = optarg; break;
        case O_STORE: o->r.store = optarg; break;
        case O_MAP:
            if (o->r.nmap == sizeof o->map / sizeof o->map[0]) {
                cli_usage_error(cmd, "too many --map options");
                return -1;
            }
            o->map[o->r.nmap++] = optarg;
            break;
        case O_DELIM:
            if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t")) o->r.delimiter = '\t';
            else if (strlen(optarg) == 1 && optarg[0] != '"' && optarg[0] != '\n' && optarg[0] != '\r')
                o->r.delimiter = optarg[0];
            else {
                cli_usage_error(cmd, "--delimiter '%s': expected one character (or 'tab')", optarg);
                return -1;
            }
            break;
        case O_METRICS: o->r.metrics = optarg; break;
        case O_BY: o->r.by = optarg; break;
        case O_WHERE:
            if (o->r.nwhere == sizeof o->where / sizeof o->where[0]) {
                cli_usage_error(cmd, "too many --where options");
                return -1;
            }
            o->where[o->r.nwhere++] = optarg;
            break;
        case O_FROM: o->r.from = optarg; break;
        case O_TO: o->r.to = optarg; break;
        case O_ASOF: o->r.as_of = optarg; break;
        case O_TZ: o->r.tz = optarg; break;
        case O_INTZ: o->r.input_tz = optarg; break;
        case O_DORDER: o->r.date_order = optarg; break;
        case O_CAL: o->r.calendar = optarg; break;
        case O_SLA: o->r.sla = optarg; break;
        case O_PRESET: o->r.preset = optarg; break;
        case O_STATS: o->r.stats = optarg; break;
        case O_TIME: o->r.time_basis = optarg; break;
        case O_FCR: o->r.fcr_rule = optarg; break;
        case O_FCRDEN: o->r.fcr_denominator = optarg; break;
        case O_THEMES: o->r.themes = optarg; break;
        case O_CONF: {
            char *end;
            double v = strtod(optarg, &end);
            if (*end || !(v > 0 && v < 100)) {
                cli_usage_error(cmd, "--confidence '%s': expected a level such as 0.95 or 95", optarg);
                return -1;
            }
            o->r.confidence = v >= 1 ? v / 100.0 : v;
            break;
        }
        case O_STRICT: o->r.strict = 1; break;
        case O_RESPONSES: o->r.responses = optarg; break;
        case O_CSATV: o->r.csat_variant = optarg; break;
        case O_CSATB: o->r.csat_boxes = optarg; break;
        case O_CESV: o->r.ces_variant = optarg; break;
        case O_CESP: o->r.ces_polarity = optarg; break;
        case O_NPSB: o->r.nps_buckets = optarg; break;
        case O_NPSCI: o->r.nps_ci = optarg; break;
        case O_COMPARE: o->r.compare = optarg; break;
        case O_CEST:
        case O_MINN: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < (ch == O_MINN ? -1 : 1) || v > 1000000000) {
                cli_usage_error(cmd, "%s '%s': expected a whole number", ch == O_MINN ? "--min-n" : "--ces-threshold",
                                optarg);
                return -1;
            }
            if (ch == O_MINN) o->r.min_n = v;
            else o->r.ces_threshold = (int)v;
            break;
        }
        case O_FORMAT:
            if (set_format(cmd, optarg, o)) return -1;
            break;
        case O_LANG:
            if (!cxm_lang_supported(optarg)) {
                cli_usage_error(cmd, "--lang '%s': expected en, zh-Hans, zh-Hant, ja or ms", optarg);
                return -1;
            }
            o->lang = optarg;
            break;
        case 'o': o->output = optarg; break;
        case O_QUIET: cli_quiet = 1; break;
        case 'h': o->help = 1; return 0;
        case ':': cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]); return -1;
        default: cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]); return -1;
        }
    }
    if (optind < argc) {
        cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return 0;
}
