/*
 * test_live.c - live reports (src/metrics/live.h): files added one by one
 * answer exactly what one report over their concatenation answers.
 *
 * The oracle is cxm_report_run itself, over the concatenation written to
 * disk under the same name the live report's options give the stream: the
 * JSON both render must be equal byte for byte (rows, values, intervals,
 * warnings with their file names and line numbers, the bad-row count).
 * Data: `cxm sample` (600 tickets over a year, 150 answers, some unanswered)
 * cut into 1, 2 and 5 files, in file order and shuffled, one file with its
 * columns in another order and one with a header only; after each file the
 * live results are compared with the report over the files so far. Bad
 * rows (unparsable instants, too many fields), duplicate ids across files
 * (tickets and answers) and more bad rows than are listed verbatim are
 * checked the same way; then what a live report refuses, and how a failed
 * add leaves it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cxm.h"
#include "metrics/live.h"

static char dir[256];

/* ---- files -------------------------------------------------------------------------- */

typedef struct lines {
    char *header;
    char **row;
    size_t n;
} lines;

static char *dupn(const char *s, size_t n) {
    char *p = malloc(n + 1);
    assert_non_null(p);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static void read_lines(const char *path, lines *l) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    memset(l, 0, sizeof *l);
    while ((got = getline(&line, &cap, f)) > 0) {
        while (got && (line[got - 1] == '\n' || line[got - 1] == '\r')) got--;
        char *s = dupn(line, (size_t)got);
        if (!l->header) {
            l->header = s;
            continue;
        }
        l->row = realloc(l->row, (l->n + 1) * sizeof *l->row);
        assert_non_null(l->row);
        l->row[l->n++] = s;
    }
    free(line);
    fclose(f);
}

static void free_lines(lines *l) {
    free(l->header);
    for (size_t i = 0; i < l->n; i++) free(l->row[i]);
    free(l->row);
}

static void path_of(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", dir, name); }

/* line with its comma-separated fields rotated left by one (no quotes in the data). */
static void put_rotated(FILE *f, const char *line) {
    const char *comma = strchr(line, ',');
    if (!comma) {
        fprintf(f, "%s\n", line);
        return;
    }
    fprintf(f, "%s,%.*s\n", comma + 1, (int)(comma - line), line);
}

/* Writes rows[from, to) of l to name with l's header (rotated: every line's
 * columns in another order). */
static void write_piece(const lines *l, char **rows, size_t from, size_t to, const char *name, int rotated) {
    char p[512];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    if (rotated) put_rotated(f, l->header);
    else fprintf(f, "%s\n", l->header);
    for (size_t i = from; i < to; i++) {
        if (rotated) put_rotated(f, rows[i]);
        else fprintf(f, "%s\n", rows[i]);
    }
    fclose(f);
}

/* ---- running both --------------------------------------------------------------------- */

typedef struct answer {
    int rc;
    char *json;      /* rendered results, or NULL */
    char msg[600];   /* the error, formatted */
} answer;

static void render(cxm_result_set *rs, answer *a) {
    size_t len = 0;
    FILE *f = open_memstream(&a->json, &len);
    assert_non_null(f);
    assert_int_equal(cxm_result_render(rs, CXM_FORMAT_JSON, NULL, f), CXM_OK);
    fclose(f);
}

/* a from what one run returned (rc, rs freed here, d). */
static void take(answer *a, int rc, cxm_result_set *rs, const cxm_diag *d) {
    memset(a, 0, sizeof *a);
    a->rc = rc;
    if (rc) cxm_diag_format(d, a->msg, sizeof a->msg);
    else render(rs, a);
    cxm_result_set_free(rs);
}

static void full_report(const cxm_report_opts *o, answer *a) {
    cxm_result_set *rs = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_report_run(o, &rs, &d);
    take(a, rc, rs, &d);
}

static void live_results(cxm_live *lv, answer *a) {
    cxm_result_set *rs = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_live_results(lv, &rs, &d);
    take(a, rc, rs, &d);
}

static void assert_same(const answer *full, const answer *live, const char *what) {
    if (full->rc != live->rc || (full->json && (!live->json || strcmp(full->json, live->json)))) {
        fprintf(stderr, "case %s: report rc %d (%s), live rc %d (%s)\n", what, full->rc, full->msg, live->rc,
                live->msg);
        if (full->json && live->json) {
            size_t i = 0;
            while (full->json[i] && full->json[i] == live->json[i]) i++;
            size_t from = i > 200 ? i - 200 : 0;
            fprintf(stderr, "first difference at byte %zu\nreport: ...%.400s\nlive:   ...%.400s\n", i,
                    full->json + from, live->json + from);
        }
        fail_msg("live results differ from the report over the concatenation (%s)", what);
    }
}

static void free_answer(answer *a) { free(a->json); }

/* One way to cut a stream: the files' row counts (summing to the rows),
 * which file has its columns rotated (-1 none), shuffled rows. */
typedef struct cut {
    size_t nfiles;
    size_t sizes[6];
    int rotated;
    int shuffle;
} cut;

/* rows of l in the cut's order (shuffled deterministically, or as they are). */
static char **order_rows(const lines *l, int shuffle) {
    char **r = malloc((l->n ? l->n : 1) * sizeof *r);
    assert_non_null(r);
    memcpy(r, l->row, l->n * sizeof *r);
    if (shuffle) {
        uint64_t x = 0x9E3779B97F4A7C15ull;
        for (size_t i = l->n; i > 1; i--) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            size_t j = (size_t)(x % i);
            char *t = r[i - 1];
            r[i - 1] = r[j];
            r[j] = t;
        }
    }
    return r;
}

/* Cuts sizes for n rows into k files (some uneven, one empty when k >= 5). */
static cut make_cut(size_t n, size_t k, int shuffle, int rotated) {
    cut c;
    memset(&c, 0, sizeof c);
    c.nfiles = k;
    c.shuffle = shuffle;
    c.rotated = rotated;
    if (k == 1) c.sizes[0] = n;
    else if (k == 2) {
        c.sizes[0] = n / 3;
        c.sizes[1] = n - n / 3;
    } else {
        c.sizes[0] = n / 2;
        c.sizes[1] = 1;
        c.sizes[2] = 0; /* a header only */
        c.sizes[3] = n / 5;
        c.sizes[4] = n - c.sizes[0] - 1 - n / 5;
    }
    return c;
}

/* Writes the pieces of stream `stem` (stem_0.csv ...) and returns the rows in order. */
static char **write_cut(const lines *l, const cut *c, const char *stem) {
    char **rows = order_rows(l, c->shuffle);
    size_t at = 0;
    for (size_t k = 0; k < c->nfiles; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s_%zu.csv", stem, k);
        write_piece(l, rows, at, at + c->sizes[k], name, (int)k == c->rotated);
        at += c->sizes[k];
    }
    return rows;
}

/* The concatenation of the first `upto` pieces, as the stream's file `name`. */
static void write_concat(const lines *l, char **rows, const cut *c, size_t upto, const char *name) {
    size_t n = 0;
    for (size_t k = 0; k < upto; k++) n += c->sizes[k];
    write_piece(l, rows, 0, n, name, 0);
}

typedef struct data {
    lines tk, rs;
} data;

static data D;

/* Adds the pieces of both streams (tickets first, or interleaved) and after
 * every add compares the live results with the report over the files so far
 * (the streams' concatenations: tickets.csv and responses.csv in dir). */
static void check_case(const cxm_report_opts *base, const cut *ct, const cut *cr, int interleave, const char *what) {
    char tpath[512], rpath[512];
    path_of(tpath, sizeof tpath, "tickets.csv");
    path_of(rpath, sizeof rpath, "responses.csv");
    cxm_report_opts o = *base;
    o.tickets = base->tickets ? tpath : NULL;
    o.responses = base->responses ? rpath : NULL;
    char **trows = write_cut(&D.tk, ct, "t");
    char **rrows = write_cut(&D.rs, cr, "r");
    cxm_live *lv = NULL;
    cxm_diag d;
    assert_int_equal(cxm_live_new(&o, &lv, &d), CXM_OK);
    /* the order of adds: tickets pieces then responses pieces, or alternating */
    struct step { int stream; size_t k; } steps[16];
    size_t ns = 0, ti = 0, ri = 0;
    size_t nt = o.tickets ? ct->nfiles : 0, nr = o.responses ? cr->nfiles : 0;
    while (ti < nt || ri < nr) {
        if (ti < nt && (!interleave || ri >= nr || ti <= ri)) steps[ns++] = (struct step){CXM_LIVE_TICKETS, ti++};
        else steps[ns++] = (struct step){CXM_LIVE_RESPONSES, ri++};
    }
    size_t tdone = 0, rdone = 0;
    for (size_t i = 0; i < ns; i++) {
        char name[64], p[512];
        snprintf(name, sizeof name, "%s_%zu.csv", steps[i].stream == CXM_LIVE_TICKETS ? "t" : "r", steps[i].k);
        path_of(p, sizeof p, name);
        int rc = cxm_live_add(lv, (cxm_live_stream)steps[i].stream, p, &d);
        if (rc) fail_msg("%s: add %s: %s", what, name, d.msg);
        if (steps[i].stream == CXM_LIVE_TICKETS) tdone++;
        else rdone++;
        if ((o.tickets && !tdone) || (o.responses && !rdone)) continue; /* a stream not yet begun */
        if (o.tickets) write_concat(&D.tk, trows, ct, tdone, "tickets.csv");
        if (o.responses) write_concat(&D.rs, rrows, cr, rdone, "responses.csv");
        answer full, live;
        full_report(&o, &full);
        live_results(lv, &live);
        char label[200];
        snprintf(label, sizeof label, "%s, after %zu tickets and %zu responses files", what, tdone, rdone);
        assert_same(&full, &live, label);
        free_answer(&full);
        free_answer(&live);
    }
    cxm_live_free(lv);
    free(trows);
    free(rrows);
}

/* ---- fixtures ------------------------------------------------------------------------- */

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cxm_test_live_%d", (int)getpid());
    mkdir(dir, 0700);
    cxm_sample_opts so;
    cxm_sample_defaults(&so);
    so.dir = dir;
    so.tickets = 600;
    so.messages = 0;
    so.responses = 150;
    so.unanswered = 1;
    so.seed = 7;
    cxm_diag d;
    if (cxm_sample_write(&so, &d)) return -1;
    char p[512];
    path_of(p, sizeof p, "tickets.csv");
    read_lines(p, &D.tk);
    path_of(p, sizeof p, "responses.csv");
    read_lines(p, &D.rs);
    path_of(p, sizeof p, "sla.csv");
    FILE *f = fopen(p, "w");
    if (!f) return -1;
    fputs("target,priority,channel,time,threshold\nfirst_response,urgent,*,calendar,1h\n"
          "first_response,*,*,calendar,8h\nresolution,high,*,calendar,1d\nresolution,*,email,calendar,3d\n",
          f);
    fclose(f);
    path_of(p, sizeof p, "calendar.ini");
    f = fopen(p, "w");
    if (!f) return -1;
    fputs("[default]\nzone = Europe/Berlin\nmon-fri = 09:00-12:00, 13:00-17:00\nholiday = 2024-04-01\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free_lines(&D.tk);
    free_lines(&D.rs);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- equality over many option sets --------------------------------------------------- */

/* The option sets, each as the command line would give it. */
typedef struct option_set {
    const char *metrics, *by, *where, *from, *to, *tz, *preset, *stats, *compare, *csat_variant, *nps_buckets,
        *fcr_denominator, *as_of, *time_basis;
    int sla, calendar, no_tickets;
    int64_t min_n;
} option_set;

static const option_set cases[] = {
    {0}, /* every metric the data supports */
    {.metrics = "volume,frt,resolution_time,first_resolution_time,fcr,backlog", .by = "week,channel",
     .stats = "mean,median,p90,p99,min,max"},
    {.metrics = "frt,resolution_rate,backlog,csat,nps", .by = "month,channel", .where = "channel=email,chat",
     .from = "2024-02-01", .to = "2024-09-30", .tz = "America/New_York"},
    {.preset = "zendesk", .by = "day", .metrics = "frt,resolution_time,fcr,reopen_rate"},
    {.sla = 1, .metrics = "sla_compliance,frt,backlog", .by = "channel"},
    {.metrics = "csat,nps,ces,response_rate,distribution", .by = "week,channel", .min_n = 5},
    {.compare = "previous", .by = "month", .metrics = "frt,resolution_rate,csat,nps"},
    {.calendar = 1, .time_basis = "business", .metrics = "frt,resolution_time", .by = "quarter"},
    {.where = "channel!=phone", .by = "priority,agent",
     .metrics = "aht,asa,abandonment_rate,reopen_rate,complaint_resolution_time"},
    {.csat_variant = "mean", .nps_buckets = "6,9", .by = "quarter", .metrics = "csat,nps", .no_tickets = 1},
    {.preset = "helpscout", .fcr_denominator = "contacts", .as_of = "2024-06-30T00:00:00Z",
     .metrics = "fcr,backlog,resolution_time", .by = "year,team"},
    {.metrics = "csat,ces", .by = "channel"}, /* only survey metrics: the tickets are never read */
};

static void options_of(const option_set *c, cxm_report_opts *o, const char **where, char *sla, char *cal) {
    memset(o, 0, sizeof *o);
    o->tickets = c->no_tickets ? NULL : "t";
    o->responses = "r";
    o->metrics = c->metrics;
    o->by = c->by;
    *where = c->where;
    o->where = c->where ? where : NULL;
    o->nwhere = c->where ? 1 : 0;
    o->from = c->from;
    o->to = c->to;
    o->tz = c->tz;
    o->preset = c->preset;
    o->stats = c->stats;
    o->compare = c->compare;
    o->csat_variant = c->csat_variant;
    o->nps_buckets = c->nps_buckets;
    o->fcr_denominator = c->fcr_denominator;
    o->as_of = c->as_of;
    o->time_basis = c->time_basis;
    o->sla = c->sla ? sla : NULL;
    o->calendar = c->calendar ? cal : NULL;
    o->min_n = c->min_n;
}

static void live_results_equal_the_report_over_the_concatenation(void **state) {
    (void)state;
    char sla[512], cal[512];
    path_of(sla, sizeof sla, "sla.csv");
    path_of(cal, sizeof cal, "calendar.ini");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cxm_report_opts o;
        const char *where;
        options_of(&cases[i], &o, &where, sla, cal);
        static const struct { size_t k; int shuffle, rotated, interleave; } ways[] = {
            {1, 0, -1, 0}, {2, 0, 1, 0}, {2, 1, -1, 1}, {5, 0, 3, 0}, {5, 1, 0, 1}};
        for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
            cut ct = make_cut(D.tk.n, ways[w].k, ways[w].shuffle, ways[w].rotated);
            cut cr = make_cut(D.rs.n, ways[w].k == 5 ? 2 : ways[w].k, ways[w].shuffle, ways[w].rotated > 1 ? -1 : ways[w].rotated);
            char what[80];
            snprintf(what, sizeof what, "options %zu, cut %zu", i, w);
            check_case(&o, &ct, &cr, ways[w].interleave, what);
        }
    }
}

/* ---- bad rows and duplicates ---------------------------------------------------------- */

/* A copy of l with extra rows spliced in after row `at` (lines[] NULL-terminated). */
static void splice(lines *out, const lines *l, size_t at, const char *const *extra) {
    memset(out, 0, sizeof *out);
    out->header = dupn(l->header, strlen(l->header));
    size_t ne = 0;
    while (extra[ne]) ne++;
    out->row = malloc((l->n + ne) * sizeof *out->row);
    assert_non_null(out->row);
    for (size_t i = 0; i < l->n; i++) {
        out->row[out->n++] = dupn(l->row[i], strlen(l->row[i]));
        if (i + 1 == at)
            for (size_t k = 0; k < ne; k++) out->row[out->n++] = dupn(extra[k], strlen(extra[k]));
    }
}

static void bad_rows_and_duplicates_across_files_read_as_in_one_file(void **state) {
    (void)state;
    /* tickets: a repeat of the first ticket's id late in the file (another
     * piece), an unparsable instant, a record with too many fields */
    char dup[1024];
    snprintf(dup, sizeof dup, "%s", D.tk.row[0]);
    const char *const textra[] = {dup, "T999991,not-a-time,,,,,,,email,a,APAC,normal,closed,C1,0,1,1,1,false,false,x",
                                  "T999992,2024-03-01T00:00:00Z,,,,,,email,a,APAC,normal,closed,C1,0,1,1,1,false,false,x,extra,more",
                                  NULL};
    char rdup[1024];
    snprintf(rdup, sizeof rdup, "%s", D.rs.row[1]);
    const char *const rextra[] = {rdup, "R999991,2024-03-01T00:00:00Z,csat,9,,email,a,", "R999992,,csat,4,,email,a,",
                                  NULL};
    lines tk = D.tk, rs = D.rs, tk2, rs2;
    splice(&tk2, &tk, tk.n - 40, textra);
    splice(&rs2, &rs, rs.n - 10, rextra);
    D.tk = tk2;
    D.rs = rs2;
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.tickets = "t";
    o.responses = "r";
    o.metrics = "volume,frt,csat,nps";
    o.by = "month";
    cut ct = make_cut(D.tk.n, 5, 0, 4), cr = make_cut(D.rs.n, 2, 0, -1);
    check_case(&o, &ct, &cr, 0, "bad rows");
    /* and the warnings name the concatenation's lines */
    char tpath[512];
    path_of(tpath, sizeof tpath, "tickets.csv");
    o.tickets = tpath;
    char rpath[512];
    path_of(rpath, sizeof rpath, "responses.csv");
    o.responses = rpath;
    answer full;
    full_report(&o, &full);
    assert_non_null(full.json);
    char want[700];
    snprintf(want, sizeof want, "%s:%zu:1: column 'ticket_id': duplicate ticket_id", tpath, tk.n - 40 + 2);
    assert_non_null(strstr(full.json, want));
    assert_non_null(strstr(full.json, "(first seen on line 2)"));
    assert_non_null(strstr(full.json, "duplicate response_id"));
    free_answer(&full);
    free_lines(&tk2);
    free_lines(&rs2);
    D.tk = tk;
    D.rs = rs;
}

static void more_bad_rows_than_are_listed_keep_the_cap_across_streams(void **state) {
    (void)state;
    /* 15 bad tickets and 12 bad answers: 20 messages in all, tickets first */
    const char *te[16], *re[13];
    char tb[15][128], rb[12][128];
    for (int i = 0; i < 15; i++) {
        snprintf(tb[i], sizeof tb[i], "T88%04d,2024-13-45,,,,,,,email,a,APAC,normal,closed,C1,0,1,1,1,false,false,x", i);
        te[i] = tb[i];
    }
    te[15] = NULL;
    for (int i = 0; i < 12; i++) {
        snprintf(rb[i], sizeof rb[i], "R88%04d,2024-03-01T00:00:00Z,nps,%d,,email,a,", i, 11 + i);
        re[i] = rb[i];
    }
    re[12] = NULL;
    lines tk = D.tk, rs = D.rs, tk2, rs2;
    splice(&tk2, &tk, tk.n / 2, te);
    splice(&rs2, &rs, rs.n / 3, re);
    D.tk = tk2;
    D.rs = rs2;
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.tickets = "t";
    o.responses = "r";
    o.metrics = "volume,nps";
    cut ct = make_cut(D.tk.n, 5, 1, -1), cr = make_cut(D.rs.n, 2, 1, -1);
    check_case(&o, &ct, &cr, 1, "capped bad rows"); /* (responses between the tickets) */
    answer full; /* (check_case left the whole concatenations on disk) */
    char tpath[512], rpath[512];
    path_of(tpath, sizeof tpath, "tickets.csv");
    path_of(rpath, sizeof rpath, "responses.csv");
    o.tickets = tpath;
    o.responses = rpath;
    full_report(&o, &full);
    assert_non_null(full.json);
    size_t listed = 0, answers = 0;
    for (const char *p = full.json; (p = strstr(p, "(row skipped)")); p++) listed++;
    for (const char *p = full.json; (p = strstr(p, "responses.csv:")); p++) answers++;
    assert_int_equal(listed, 20); /* 15 tickets, then 5 of the 12 answers */
    assert_int_equal(answers, 5 + 1); /* (and the answers' summary) */
    assert_non_null(strstr(full.json, "12 bad rows skipped"));
    free_answer(&full);
    free_lines(&tk2);
    free_lines(&rs2);
    D.tk = tk;
    D.rs = rs;
}

/* ---- what a live report refuses, and failures -------------------------------------------- */

static int live_new_rc(const cxm_report_opts *o, cxm_diag *d) {
    cxm_live *lv = NULL;
    int rc = cxm_live_new(o, &lv, d);
    cxm_live_free(lv);
    return rc;
}

static void options_that_are_not_mergeable_are_refused_with_the_reason(void **state) {
    (void)state;
    cxm_report_opts o;
    cxm_diag d;
    const char *why;
    memset(&o, 0, sizeof o);
    o.tickets = "tickets.csv";
    assert_true(cxm_live_supported(&o, &why));
    o.messages = "messages.csv";
    assert_false(cxm_live_supported(&o, &why));
    assert_int_equal(live_new_rc(&o, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "not mergeable: a messages stream"));
    o.messages = NULL;
    o.themes = "themes.txt";
    assert_int_equal(live_new_rc(&o, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "themes"));
    o.themes = NULL;
    o.data_dir = "somewhere";
    assert_int_equal(live_new_rc(&o, &d), CXM_EUSAGE);
    o.data_dir = NULL;
    o.store = "x.cxm";
    assert_int_equal(live_new_rc(&o, &d), CXM_EUSAGE);
    o.store = NULL;
    o.tickets = "-";
    assert_int_equal(live_new_rc(&o, &d), CXM_EUSAGE);
    o.tickets = "tickets.csv";
    o.compare = "2024-01-01..2024-01-31";
    assert_int_equal(live_new_rc(&o, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "not mergeable: --compare with a window"));
    o.compare = "previous"; /* without a time bucket: the window before --from */
    o.from = "2024-02-01";
    o.to = "2024-02-29";
    assert_int_equal(live_new_rc(&o, &d), CXM_EUSAGE);
    o.by = "week"; /* with one: bucket against bucket, mergeable */
    assert_int_equal(live_new_rc(&o, &d), CXM_OK);
}

static void an_answer_grouped_by_its_tickets_column_is_refused_at_the_first_responses_file(void **state) {
    (void)state;
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    char t[512], r[512];
    path_of(t, sizeof t, "tickets.csv");
    path_of(r, sizeof r, "responses.csv");
    o.tickets = t;
    o.responses = r;
    o.metrics = "csat";
    o.by = "team"; /* the responses have no team: it comes from each answer's ticket */
    write_piece(&D.rs, D.rs.row, 0, D.rs.n, "r_all.csv", 0);
    char p[512];
    path_of(p, sizeof p, "r_all.csv");
    cxm_live *lv = NULL;
    cxm_diag d;
    assert_int_equal(cxm_live_new(&o, &lv, &d), CXM_OK);
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_RESPONSES, p, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "not mergeable"));
    cxm_result_set *rs = NULL;
    assert_int_equal(cxm_live_results(lv, &rs, &d), CXM_EUSAGE); /* failed for good */
    assert_null(rs);
    cxm_live_free(lv);
}

static void files_of_another_shape_or_format_are_refused_and_leave_the_state_whole(void **state) {
    (void)state;
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    char t[512], p[512], q[512];
    path_of(t, sizeof t, "tickets.csv");
    o.tickets = t;
    o.metrics = "volume";
    write_piece(&D.tk, D.tk.row, 0, 10, "t_a.csv", 0);
    path_of(p, sizeof p, "t_a.csv");
    path_of(q, sizeof q, "t_b.csv");
    FILE *f = fopen(q, "w");
    assert_non_null(f);
    fputs("ticket_id,created_at\nX1,2024-01-01T00:00:00Z\n", f);
    fclose(f);
    cxm_live *lv = NULL;
    cxm_diag d;
    cxm_result_set *rs = NULL;
    assert_int_equal(cxm_live_new(&o, &lv, &d), CXM_OK);
    assert_int_equal(cxm_live_results(lv, &rs, &d), CXM_EUSAGE); /* nothing added yet */
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, p, &d), CXM_OK);
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, q, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "the columns differ"));
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, "x.ndjson", &d), CXM_EUSAGE);
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, "/nonexistent/t.csv", &d), CXM_EIO);
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_RESPONSES, p, &d), CXM_EUSAGE); /* no responses stream */
    assert_int_equal(cxm_live_results(lv, &rs, &d), CXM_OK);
    assert_int_equal(cxm_result_count(rs), 1);
    assert_true(cxm_result_get(rs, 0)->value == 10.0);
    cxm_result_set_free(rs);
    /* the same state answers again, and takes more */
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, p, &d), CXM_OK); /* the same ids again: all duplicates */
    assert_int_equal(cxm_live_results(lv, &rs, &d), CXM_OK);
    assert_true(cxm_result_get(rs, 0)->value == 10.0);
    assert_int_equal(cxm_result_bad_rows(rs), 10);
    cxm_result_set_free(rs);
    cxm_live_free(lv);
}

static void under_strict_the_first_bad_row_fails_the_live_report_for_good(void **state) {
    (void)state;
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    char t[512], p[512];
    path_of(t, sizeof t, "tickets.csv");
    o.tickets = t;
    o.metrics = "volume";
    o.strict = 1;
    write_piece(&D.tk, D.tk.row, 0, 10, "t_a.csv", 0);
    path_of(p, sizeof p, "t_a.csv");
    cxm_live *lv = NULL;
    cxm_diag d;
    cxm_result_set *rs = NULL;
    assert_int_equal(cxm_live_new(&o, &lv, &d), CXM_OK);
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, p, &d), CXM_OK);
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, p, &d), CXM_EDATA); /* line 2 of the second = 12 */
    char want[600];
    snprintf(want, sizeof want, "%s", t);
    assert_string_equal(d.file, want);
    assert_int_equal(d.line, 12);
    assert_non_null(strstr(d.msg, "first seen on line 2"));
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_live_results(lv, &rs, &d), CXM_EDATA);
    assert_int_equal(d.line, 12);
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, p, &d), CXM_EDATA);
    cxm_live_free(lv);
    cxm_live_free(NULL);
}

/* ---- measurement (opt-in) -------------------------------------------------------------
 *
 * CXM_LIVE_BENCH=FILE (a tickets CSV, e.g. `cxm sample --tickets 2010000
 * --seed 1 --no-messages --out DIR`) and optionally CXM_LIVE_BENCH_ADD=N
 * (10000) and CXM_LIVE_BENCH_BY (a --by list): holds all rows but the last
 * N as one file and the last N as another, then times the live report's
 * first add and results, the add of the N rows and the results after it,
 * and one report over the whole FILE; the two answers must be equal. */
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void measure_an_add_against_a_full_report(void **state) {
    (void)state;
    const char *file = getenv("CXM_LIVE_BENCH");
    if (!file || !*file) {
        skip();
        return;
    }
    size_t nadd = getenv("CXM_LIVE_BENCH_ADD") ? (size_t)strtoul(getenv("CXM_LIVE_BENCH_ADD"), NULL, 10) : 10000;
    char head[512], tail[512];
    path_of(head, sizeof head, "bench_head.csv");
    path_of(tail, sizeof tail, "bench_tail.csv");
    /* split with the shell's tools: the header, then rows */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "n=$(($(wc -l < '%s') - 1)); keep=$((n - %zu)); head -n $((keep + 1)) '%s' > '%s' && "
             "{ head -n 1 '%s'; tail -n %zu '%s'; } > '%s'",
             file, nadd, file, head, file, nadd, file, tail);
    assert_int_equal(system(cmd), 0);
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.tickets = file;
    o.by = getenv("CXM_LIVE_BENCH_BY");
    cxm_live *lv = NULL;
    cxm_diag d;
    answer live, full;
    assert_int_equal(cxm_live_new(&o, &lv, &d), CXM_OK);
    double t0 = now_s();
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, head, &d), CXM_OK);
    double t1 = now_s();
    live_results(lv, &live);
    double t2 = now_s();
    free_answer(&live);
    assert_int_equal(cxm_live_add(lv, CXM_LIVE_TICKETS, tail, &d), CXM_OK);
    double t3 = now_s();
    cxm_result_set *rs = NULL;
    assert_int_equal(cxm_live_results(lv, &rs, &d), CXM_OK);
    double t4 = now_s();
    memset(&live, 0, sizeof live);
    render(rs, &live);
    cxm_result_set_free(rs);
    double t5 = now_s();
    cxm_result_set *frs = NULL;
    assert_int_equal(cxm_report_run(&o, &frs, &d), CXM_OK);
    double t6 = now_s();
    memset(&full, 0, sizeof full);
    render(frs, &full);
    cxm_result_set_free(frs);
    double t7 = now_s();
    assert_same(&full, &live, "bench");
    fprintf(stderr,
            "live: first add %.3f s, results+JSON %.3f s; add of %zu rows %.3f s + results %.3f s (+ JSON %.3f s); "
            "full report %.3f s (+ JSON %.3f s)\n",
            t1 - t0, t2 - t1, nadd, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6);
    free_answer(&live);
    free_answer(&full);
    cxm_live_free(lv);
    remove(head);
    remove(tail);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(live_results_equal_the_report_over_the_concatenation),
        cmocka_unit_test(bad_rows_and_duplicates_across_files_read_as_in_one_file),
        cmocka_unit_test(more_bad_rows_than_are_listed_keep_the_cap_across_streams),
        cmocka_unit_test(options_that_are_not_mergeable_are_refused_with_the_reason),
        cmocka_unit_test(an_answer_grouped_by_its_tickets_column_is_refused_at_the_first_responses_file),
        cmocka_unit_test(files_of_another_shape_or_format_are_refused_and_leave_the_state_whole),
        cmocka_unit_test(under_strict_the_first_bad_row_fails_the_live_report_for_good),
        cmocka_unit_test(measure_an_add_against_a_full_report),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
