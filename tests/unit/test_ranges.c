/*
 * test_ranges.c - reading by byte ranges (metrics/ingest.c run_ranges for
 * tickets, metrics/surveys.c run_ranges for responses) gives exactly the
 * results of the ordered pipeline.
 *
 * The oracle is the pipeline itself: each test writes one set of records
 * in several files that must report alike, whatever reads them:
 *   - the records in id order (read by ranges, ids ascending in each part),
 *   - the same with a duplicate of an early record appended (a row to
 *     report: the range attempt gives up and the ordered pipeline reads
 *     the file; only the warnings and the bad-row count may differ),
 *   - the same records shuffled (ranges whose ids do not ascend: the id
 *     sets are joined at the merge),
 *   - the same with the ids of the later records renamed to sort first
 *     (a part's ids stop ascending in the middle: it reads its range again
 *     to remember the earlier ones).
 * Reports are compared as rendered CSV (values printed round-trip exact);
 * warnings are compared where the files have no row to report.
 *
 * Files are ~0.5-1 MB (past the 64 KiB a part needs), written into a
 * fresh temporary directory; a machine with one core reads them in one
 * part and the tests still hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cxm.h"

enum { NTICKETS = 4000, NANSWERS = 12000 };

static char dir[64];

static uint64_t rng = 88172645463325252ull;
static uint32_t next_rand(void) { /* xorshift64: deterministic records */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* Writes lines[order[i]] (with prefix prefixed from index from on) to name. */
static const char *write_file(const char *name, const char *header, char **lines, const size_t *order, size_t n,
                              size_t rename_from, const char *extra) {
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", header);
    for (size_t i = 0; i < n; i++) fprintf(f, "%s%s\n", i >= rename_from ? "A" : "", lines[order[i]]);
    if (extra) fprintf(f, "%s\n", extra);
    fclose(f);
    return path;
}

/* The report rendered as CSV (no warnings in it); *nwarn its warnings. */
static char *run(cxm_report_opts *o, size_t *nwarn, uint64_t *bad) {
    cxm_result_set *rs = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_report_run(o, &rs, &d);
    if (rc) fail_msg("report: %d %s", rc, d.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(cxm_result_render(rs, CXM_FORMAT_CSV, NULL, m), 0);
    fclose(m);
    *nwarn = cxm_result_warning_count(rs);
    *bad = cxm_result_bad_rows(rs);
    cxm_result_set_free(rs);
    return buf;
}

/* The records lines[order[..]] (renamed from rename_from on) read by
 * ranges report exactly as the same records with dup appended, which the
 * ordered pipeline reads (a duplicate to report); *path is set to each
 * file in turn. Returns the report (CSV), owned. */
static char *check_alike(cxm_report_opts *o, const char **path, const char *stem, const char *hdr, char **lines,
                         const size_t *order, size_t n, size_t rename_from, const char *dup) {
    char name[64];
    size_t w;
    uint64_t b;
    snprintf(name, sizeof name, "%s_dup.csv", stem);
    *path = write_file(name, hdr, lines, order, n, rename_from, dup);
    char *want = run(o, &w, &b);
    assert_int_equal(b, 1);
    snprintf(name, sizeof name, "%s.csv", stem);
    *path = write_file(name, hdr, lines, order, n, rename_from, NULL);
    char *got = run(o, &w, &b);
    assert_int_equal(b, 0);
    assert_int_equal(w, 0);
    assert_string_equal(got, want);
    free(want);
    return got;
}

static void shuffle(size_t *order, size_t n) {
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = next_rand() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static void test_tickets_report_alike_by_ranges_and_in_order(void **state) {
    (void)state;
    static const char *const ch[] = {"email", "chat", "phone", "web"}, *const pr[] = {"low", "normal", "high",
                                                                                          "urgent"};
    char **lines = calloc(NTICKETS, sizeof *lines);
    size_t *order = calloc(NTICKETS, sizeof *order);
    assert_true(lines && order);
    for (size_t i = 0; i < NTICKETS; i++) {
        char *l = malloc(400);
        assert_non_null(l);
        unsigned day = 1 + (unsigned)(i * 60 / NTICKETS), h = next_rand() % 24, frt = next_rand() % 50000,
                 res = frt + next_rand() % 400000, resolved = next_rand() % 5 != 0;
        long base = 1704067200L + (long)day * 86400 + h * 3600;
        char created[32], first[32], done[32];
        time_t t0 = (time_t)base, t1 = (time_t)(base + frt), t2 = (time_t)(base + res);
        struct tm tm;
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t0, &tm));
        strftime(first, sizeof first, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t1, &tm));
        strftime(done, sizeof done, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t2, &tm));
        snprintf(l, 400, "T%07zu,%s,%s,%s,%s,agent_%02u,%s,%u,%u,%u,x%050u", i + 1, created, first,
                 resolved ? done : "", ch[next_rand() % 4], next_rand() % 30, pr[next_rand() % 4],
                 next_rand() % 3 == 0, 1 + next_rand() % 4, 1 + next_rand() % 3, next_rand());
        lines[i] = l;
        order[i] = i;
    }
    const char *hdr = "ticket_id,created_at,first_response_at,resolved_at,channel,agent,priority,reopens,"
                      "agent_replies,customer_replies,notes";
    char sla[128];
    snprintf(sla, sizeof sla, "%s/sla.csv", dir);
    FILE *f = fopen(sla, "w");
    assert_non_null(f);
    fputs("target,priority,channel,time,threshold\nfirst_response,urgent,*,calendar,1h\n"
          "first_response,high,*,calendar,4h\nfirst_response,normal,*,calendar,8h\n"
          "first_response,low,*,calendar,24h\n",
          f);
    fclose(f);
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.metrics = "volume,frt,resolution_time,fcr,reopen_rate,sla_compliance,backlog";
    o.by = "week,channel";
    o.sla = sla;
    o.stats = "mean,median,p90,min,max";
    char dup[400];
    snprintf(dup, sizeof dup, "%s", lines[5]);
    char *want = check_alike(&o, &o.tickets, "t_order", hdr, lines, order, NTICKETS, SIZE_MAX, dup);
    /* the same tickets in any order or under other ids report alike */
    shuffle(order, NTICKETS);
    char *got = check_alike(&o, &o.tickets, "t_shuffled", hdr, lines, order, NTICKETS, SIZE_MAX, dup);
    assert_string_equal(got, want);
    free(got);
    for (size_t i = 0; i < NTICKETS; i++) order[i] = i;
    got = check_alike(&o, &o.tickets, "t_break", hdr, lines, order, NTICKETS, NTICKETS / 5, dup);
    assert_string_equal(got, want);
    free(got);
    free(want);
    for (size_t i = 0; i < NTICKETS; i++) free(lines[i]);
    free(lines);
    free(order);
}

static void test_responses_report_alike_by_ranges_and_in_order(void **state) {
    (void)state;
    static const char *const ch[] = {"email", "chat", "phone", ""}, *const sv[] = {"nps", "csat", "CSAT", "ces"};
    char **lines = calloc(NANSWERS, sizeof *lines);
    size_t *order = calloc(NANSWERS, sizeof *order);
    assert_true(lines && order);
    for (size_t i = 0; i < NANSWERS; i++) {
        char *l = malloc(160);
        assert_non_null(l);
        const char *s = sv[next_rand() % 4];
        unsigned score = s[0] == 'n' ? next_rand() % 11 : s[1] == 'e' ? 1 + next_rand() % 7 : 1 + next_rand() % 5;
        unsigned month = 1 + (unsigned)(i * 12 / NANSWERS), day = 1 + next_rand() % 28;
        char sc[8] = "";
        if (next_rand() % 10) snprintf(sc, sizeof sc, "%u", score); /* some sent, not answered */
        snprintf(l, 160, "R%07zu,2024-%02u-%02uT%02u:%02u:00Z,%s,%s,%s,agent_%02u", i + 1, month, day,
                 next_rand() % 24, next_rand() % 60, s, sc, ch[next_rand() % 4], next_rand() % 20);
        lines[i] = l;
        order[i] = i;
    }
    const char *hdr = "response_id,at,survey,score,channel,agent";
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.metrics = "nps,csat,ces,response_rate,distribution";
    o.by = "month,channel";
    o.min_n = -1;
    char dup[160];
    snprintf(dup, sizeof dup, "%s", lines[3]);
    free(check_alike(&o, &o.responses, "r_order", hdr, lines, order, NANSWERS, SIZE_MAX, dup));
    /* (survey kinds are output in order of first appearance: a shuffled
     * file has its own reference) */
    shuffle(order, NANSWERS);
    free(check_alike(&o, &o.responses, "r_shuffled", hdr, lines, order, NANSWERS, SIZE_MAX, dup));
    for (size_t i = 0; i < NANSWERS; i++) order[i] = i;
    free(check_alike(&o, &o.responses, "r_break", hdr, lines, order, NANSWERS, NANSWERS / 3, dup));
    /* --where and a day bucket */
    o.where = (const char *const[]){"channel!=chat"};
    o.nwhere = 1;
    o.by = "day,agent";
    for (size_t i = 0; strstr(dup, ",chat,"); i++) snprintf(dup, sizeof dup, "%s", lines[i]); /* one it keeps */
    free(check_alike(&o, &o.responses, "r_order", hdr, lines, order, NANSWERS, SIZE_MAX, dup));
    for (size_t i = 0; i < NANSWERS; i++) free(lines[i]);
    free(lines);
    free(order);
}

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cxm_ranges_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    static const char *const names[] = {"t_order.csv", "t_order_dup.csv", "t_shuffled.csv", "t_shuffled_dup.csv",
                                        "t_break.csv", "t_break_dup.csv", "sla.csv", "r_order.csv",
                                        "r_order_dup.csv", "r_shuffled.csv", "r_shuffled_dup.csv", "r_break.csv",
                                        "r_break_dup.csv"};
    char p[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tickets_report_alike_by_ranges_and_in_order),
        cmocka_unit_test(test_responses_report_alike_by_ranges_and_in_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
