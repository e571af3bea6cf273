/*
 * import.c - `cxm import`: load records into a store (src/store/store.h),
 * and `cxm import --check`: a store's integrity and row counts.
 *
 * The store's API is in src/store/store.h, which includes only cxm.h and
 * is written to move into it; the front end includes it by relative path
 * (the cxm target sees include/ only).
 *
 * Output: one line of counts per file on stdout ("tickets: read N, inserted
 * N, updated N, unchanged N, rejected N (FILE)"); on stderr, each committed
 * batch as it becomes durable ("... batch K committed: R rows, A
 * acknowledged"), so a supervisor (or tests/e2e/store.sh) knows what a
 * crash cannot take back, and the first CXM_MAX_BAD_ROW_MESSAGES bad rows.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../store/store.h"
#include "cli.h"

enum { MAX_BAD_SHOWN = 20 }; /* as a report: the first bad rows verbatim, the rest counted */

static void help(void) {
    printf("usage: cxm import STREAM FILE... --store FILE [OPTIONS]\n"
           "       cxm import --data DIR --store FILE [OPTIONS]\n"
           "       cxm import --check --store FILE\n"
           "\n"
           "Loads records into a store: one SQLite file (WAL mode) that 'cxm report\n"
           "--store FILE' reads like files. STREAM is tickets, messages or responses;\n"
           "--data DIR loads tickets, messages and responses (.csv, .ndjson, .jsonl) from DIR.\n"
           "Importing is idempotent: a record already stored with the same values is\n"
           "'unchanged', one with other values replaces it ('updated'). Rows are checked\n"
           "as a report checks them; bad rows are reported (file, line, column) and left\n"
           "out. Rows are committed in batches, each durable (fsync'ed) before it is\n"
           "announced on stderr; a crash loses no announced batch and leaves no partial one.\n"
           "\n"
           "  --store FILE         the store (created if missing)\n"
           "  --map [STREAM.]CANON=SOURCE  read column SOURCE as CANON (repeatable)\n"
           "  --delimiter C        CSV delimiter (default ','; 'tab' for TAB)\n"
           "  --format FMT         csv or ndjson (default: by the file's extension)\n"
           "  --input-tz ZONE      zone of timestamps without an offset, for the checks\n"
           "                       (values are stored as given: report with the same zone)\n"
           "  --date-order ORDER   ymd (default), dmy or mdy, for the checks (likewise)\n"
           "  --batch N            rows per transaction (default %u)\n"
           "  --strict             the first bad row is an error (exit 2): its batch is\n"
           "                       rolled back, batches already committed stay\n"
           "  --check              check the store's integrity and count its rows\n"
           "  --quiet              no batch lines or warnings on stderr\n"
           "\n"
           "example:\n"
           "  cxm import tickets tickets.csv --store cx.db\n"
           "  cxm import messages messages.csv --store cx.db\n"
           "  cxm report --store cx.db --by week\n"
           "\n"
           "docs: docs/STORE.md\n"
           "exit status: 0 success, 1 usage error, 2 data error, 3 internal error\n",
           CXM_STORE_BATCH_ROWS);
}

typedef struct import_ui {
    const char *stream;
    const char *file;
    uint64_t bad_shown;
} import_ui;

static void on_bad_row(void *ud, const cxm_diag *d) {
    import_ui *ui = ud;
    if (cli_quiet || ui->bad_shown++ >= MAX_BAD_SHOWN) return;
    char msg[1200];
    cxm_diag_format(d, msg, sizeof msg);
    cli_log(NULL, msg);
}

static void on_committed(void *ud, uint64_t batch, uint64_t rows, uint64_t acknowledged) {
    const import_ui *ui = ud;
    if (cli_quiet) return;
    cli_progress_end();
    fprintf(stderr, "cxm import: %s: batch %llu committed: %llu rows, %llu acknowledged\n", ui->stream,
            (unsigned long long)batch, (unsigned long long)rows, (unsigned long long)acknowledged);
}

static int import_one(cxm_store *s, cxm_import_opts *o, const char *stream, const char *file) {
    import_ui ui = {stream, file, 0};
    o->stream = stream;
    o->path = file;
    o->ud = &ui;
    cxm_store_counts n;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_store_import(s, o, &n, &d);
    cli_progress_end();
    if (!cli_quiet && ui.bad_shown > MAX_BAD_SHOWN)
        fprintf(stderr, "cxm: warning: %s: %llu more bad rows not shown\n", file,
                (unsigned long long)(ui.bad_shown - MAX_BAD_SHOWN));
    if (rc) {
        if (n.batches)
            fprintf(stderr, "cxm import: %s: %llu rows in %llu batches were committed before the error\n", stream,
                    (unsigned long long)(n.inserted + n.updated + n.unchanged), (unsigned long long)n.batches);
        return cli_fail("import", rc, &d);
    }
    printf("%s: read %llu, inserted %llu, updated %llu, unchanged %llu, rejected %llu (%s)\n", stream,
           (unsigned long long)n.read, (unsigned long long)n.inserted, (unsigned long long)n.updated,
           (unsigned long long)n.unchanged, (unsigned long long)n.rejected, file);
    fflush(stdout);
    return EXIT_OK;
}

/* DIR/stem.csv, .ndjson or .jsonl into buf; 0 if none. */
static int find_stream(const char *dir, const char *stem, char *buf, size_t cap) {
    static const char *const ext[] = {".csv", ".ndjson", ".jsonl"};
    for (int i = 0; i < 3; i++) {
        int n = snprintf(buf, cap, "%s/%s%s", dir, stem, ext[i]);
        struct stat st;
        if (n > 0 && (size_t)n < cap && stat(buf, &st) == 0 && S_ISREG(st.st_mode)) return 1;
    }
    return 0;
}

static int check_store(const char *path) {
    cxm_store *s = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_store_open(path, 0, &s, &d);
    if (rc) return cli_fail("import", rc, &d);
    cxm_store_info info;
    rc = cxm_store_check(s, &info, &d);
    cxm_store_close(s);
    if (rc) return cli_fail("import", rc, &d);
    printf("store %s\nschema_version %d\njournal_mode %s\nintegrity %s\n", path, info.schema_version, info.journal_mode,
           info.integrity);
    for (int i = 0; cxm_store_streams[i]; i++)
        printf("%s %llu\n", cxm_store_streams[i], (unsigned long long)info.rows[i]);
    printf("tokens %llu\n", (unsigned long long)info.tokens);
    return info.integrity_ok ? EXIT_OK : EXIT_DATA;
}

int cmd_import(int argc, char **argv) {
    enum { O_STORE = 256, O_MAP, O_DELIM, O_FORMAT, O_INTZ, O_DORDER, O_BATCH, O_STRICT, O_CHECK, O_QUIET, O_DATA };
    static const struct option longopts[] = {{"store", required_argument, 0, O_STORE},
                                             {"map", required_argument, 0, O_MAP},
                                             {"delimiter", required_argument, 0, O_DELIM},
                                             {"format", required_argument, 0, O_FORMAT},
                                             {"input-tz", required_argument, 0, O_INTZ},
                                             {"date-order", required_argument, 0, O_DORDER},
                                             {"batch", required_argument, 0, O_BATCH},
                                             {"strict", no_argument, 0, O_STRICT},
                                             {"check", no_argument, 0, O_CHECK},
                                             {"quiet", no_argument, 0, O_QUIET},
                                             {"data", required_argument, 0, O_DATA},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    const char *map[64];
    const char *store = NULL, *data = NULL;
    int check = 0;
    o.map = map;
    o.bad_row = on_bad_row;
    o.committed = on_committed;
    o.progress = cli_progress;
    opterr = 0;
    optind = 1;
    int ch;
    /* "-" permutes into the operands: a file name for standard input */
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_STORE: store = optarg; break;
        case O_DATA: data = optarg; break;
        case O_MAP:
            if (o.nmap == sizeof map / sizeof map[0]) {
                cli_usage_error("import", "too many --map options");
                return EXIT_USAGE;
            }
            map[o.nmap++] = optarg;
            break;
        case O_DELIM:
            if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t"))
                o.delimiter = '\t';
            else if (strlen(optarg) == 1 && optarg[0] != '"' && optarg[0] != '\n' && optarg[0] != '\r')
                o.delimiter = optarg[0];
            else {
                cli_usage_error("import", "--delimiter '%s': expected one character or 'tab'", optarg);
                return EXIT_USAGE;
            }
            break;
        case O_FORMAT:
            if (strcmp(optarg, "csv") && strcmp(optarg, "ndjson")) {
                cli_usage_error("import", "--format '%s': expected csv or ndjson", optarg);
                return EXIT_USAGE;
            }
            o.format = optarg;
            break;
        case O_INTZ: o.input_tz = optarg; break;
        case O_DORDER: o.date_order = optarg; break;
        case O_BATCH: {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 100000000) {
                cli_usage_error("import", "--batch '%s': expected a whole number of rows from 1 to 100000000", optarg);
                return EXIT_USAGE;
            }
            o.batch_rows = (size_t)v;
            break;
        }
        case O_STRICT: o.strict = 1; break;
        case O_CHECK: check = 1; break;
        case O_QUIET: cli_quiet = 1; break;
        case 'h': help(); return EXIT_OK;
        case ':': cli_usage_error("import", "option '%s' needs a value", argv[optind - 1]); return EXIT_USAGE;
        default: cli_usage_error("import", "unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
        }
    }
    if (!store) {
        cli_usage_error("import", "--store FILE is required");
        return EXIT_USAGE;
    }
    int nargs = argc - optind;
    if (check) {
        if (nargs || data) {
            cli_usage_error("import", "--check takes only --store FILE");
            return EXIT_USAGE;
        }
        return check_store(store);
    }
    if (data ? nargs != 0 : nargs < 2) {
        cli_usage_error("import", data ? "--data DIR takes no STREAM FILE arguments"
                                       : "expected STREAM FILE... (tickets, messages or responses, then files)");
        return EXIT_USAGE;
    }
    const char *stream = data ? NULL : argv[optind];
    if (stream && strcmp(stream, "tickets") && strcmp(stream, "messages") && strcmp(stream, "responses")) {
        cli_usage_error("import", "stream '%s': expected tickets, messages or responses", stream);
        return EXIT_USAGE;
    }
    cxm_store *s = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_store_open(store, CXM_STORE_CREATE, &s, &d);
    if (rc) return cli_fail("import", rc, &d);
    int status = EXIT_OK;
    if (data) {
        char path[4096];
        int found = 0;
        for (int i = 0; cxm_store_streams[i] && status == EXIT_OK; i++) {
            if (!find_stream(data, cxm_store_streams[i], path, sizeof path)) continue;
            found = 1;
            status = import_one(s, &o, cxm_store_streams[i], path);
        }
        if (!found) {
            cli_usage_error("import", "--data %s: no tickets, messages or responses (.csv, .ndjson, .jsonl) there",
                            data);
            status = EXIT_USAGE;
        }
    } else {
        for (int i = optind + 1; i < argc && status == EXIT_OK; i++)
            status = import_one(s, &o, stream, argv[i]);
    }
    cxm_store_close(s);
    return status;
}
