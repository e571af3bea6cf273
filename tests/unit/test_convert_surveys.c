/*
 * test_convert_surveys.c - the survey import profiles (src/io/convert_
 * delighted.c, convert_typeform.c) and the survey pieces of the convert
 * machinery (settings, scales, dimension names; src/io/convert.c).
 *
 * Each test writes a small hand-made export into a fresh temporary
 * directory, converts it with cxm_convert and checks one rule from the
 * profiles' header comments and docs/IMPORT.md: the exact responses.csv
 * written (worked out by hand: epoch 1709251200 is 2024-03-01T00:00:00Z),
 * or a bad record's line, column and reason, or a warning, or a usage
 * error. A few conversions feed cxm_report_run to check that what is
 * written gives the NPS and CSAT the rows hold. The committed golden
 * fixtures (tests/golden/convert_delighted, convert_typeform) must be
 * exactly what converting their inputs gives (skipped without
 * $CXM_SOURCE_DIR).
 * Sizes: inputs of a few records, but for one of 30,000 records and one
 * with a 3 MB comment (read chunks are 1 MiB); well under a second.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cxm.h"
#include "io/convert.h"

/* ---- fixture: a temporary directory per test ---------------------------- */

static char dir[256], outdir[300];
static char logbuf[32768];
static size_t loglen;
static int nlog;

static void on_log(void *ud, const char *msg) {
    (void)ud;
    nlog++;
    int w = snprintf(logbuf + loglen, sizeof logbuf - loglen, "%s\n", msg);
    if (w > 0 && loglen + (size_t)w < sizeof logbuf) loglen += (size_t)w;
}

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cxm_test_convert_surveys_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    loglen = 0;
    logbuf[0] = 0;
    nlog = 0;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static const char *path_in(const char *base, const char *name) {
    static char p[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", base, name);
    return p[k];
}

static void write_bytes(const char *path, const char *text, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_file(const char *path, const char *text) {
    write_bytes(path, text, strlen(text));
}

/* The file's bytes (owned, NUL-terminated), or NULL when it does not exist. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

static void assert_file(const char *name, const char *want) {
    char *got = slurp(path_in(outdir, name));
    if (!got) fail_msg("%s was not written; log:\n%s", name, logbuf);
    if (strcmp(got, want)) fail_msg("%s is\n%s\nexpected\n%s", name, got, want);
    free(got);
}

static void assert_file_has(const char *name, const char *text) {
    char *got = slurp(path_in(outdir, name));
    assert_non_null(got);
    if (!strstr(got, text)) fail_msg("%s lacks \"%s\":\n%s", name, text, got);
    free(got);
}

static void assert_no_file(const char *name) {
    struct stat st;
    assert_int_not_equal(stat(path_in(outdir, name), &st), 0);
}

static void assert_log_has(const char *text) {
    if (!strstr(logbuf, text)) fail_msg("log lacks \"%s\"; log:\n%s", text, logbuf);
}

typedef struct run {
    int rc;
    uint64_t rows, bad;
    cxm_convert_counts counts;
    cxm_diag diag;
} run;

/* Converts input (written to DIR/export.<ext>) with the given settings
 * (NULL-terminated list of "KEY=VALUE"). */
static run convert_n(const char *profile, const char *input, size_t len, const char *const *settings, int strict) {
    run r;
    memset(&r, 0, sizeof r);
    const char *in = path_in(dir, strcmp(profile, "typeform") ? "export.json" : "export.csv");
    write_bytes(in, input, len);
    cxm_convert_opts o;
    memset(&o, 0, sizeof o);
    o.profile = profile;
    o.input = in;
    o.out_dir = outdir;
    o.strict = strict;
    o.log = on_log;
    o.counts = &r.counts;
    size_t n = 0;
    while (settings && settings[n])
        n++;
    o.settings = settings;
    o.nsettings = n;
    r.rc = cxm_convert(&o, &r.rows, &r.bad, &r.diag);
    return r;
}

static run convert_s(const char *profile, const char *input, const char *const *settings) {
    return convert_n(profile, input, strlen(input), settings, 0);
}

static run delighted(const char *input) {
    return convert_s("delighted", input, NULL);
}

/* One survey metric of a report over DIR/out (responses.csv, and
 * tickets.csv when there). by may be NULL. */
static cxm_result_set *report(const char *metrics, const char *by) {
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.data_dir = outdir;
    o.metrics = metrics;
    o.by = by;
    o.min_n = -1;
    cxm_result_set *rs = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_report_run(&o, &rs, &d);
    if (rc) fail_msg("report: %s", d.msg);
    return rs;
}

static void assert_near(double got, double want) {
    if (fabs(got - want) > 1e-9 * fmax(1, fabs(want))) fail_msg("got %.17g, expected %.17g", got, want);
}

/* ---- delighted: mapping ------------------------------------------------- */

#define DL_HEADER "response_id,at,survey,score,scale_min,scale_max,customer_id,comment,survey_type"

static void dl_api_array_becomes_response_rows(void **state) {
    (void)state;
    run r =
        delighted("[\n"
                  "  {\"id\": \"1\", \"person\": \"10\", \"survey_type\": \"nps\", \"score\": 9,\n"
                  "   \"comment\": \"Quick, kind\", \"permalink\": \"https://x\", \"created_at\": 1709251200,\n"
                  "   \"updated_at\": null, \"person_properties\": null, \"notes\": [], \"tags\": [],\n"
                  "   \"additional_answers\": []},\n"
                  "  {\"id\": \"2\", \"person\": \"11\", \"survey_type\": \"nps\", \"score\": 0, \"comment\": null,\n"
                  "   \"created_at\": 1709254861}\n"
                  "]\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",source_line\n"
                                           "1,2024-03-01T00:00:00Z,nps,9,0,10,10,\"Quick, kind\",nps,2\n"
                                           "2,2024-03-01T01:01:01Z,nps,0,0,10,11,,nps,6\n");
    assert_int_equal(r.rows, 2);
    assert_int_equal(r.counts.responses, 2);
    assert_int_equal(r.counts.tickets, 0);
    assert_int_equal(r.counts.rows_read, 2);
    assert_int_equal(r.bad, 0);
    assert_int_equal(nlog, 0);
    assert_no_file("rejected_responses.csv");
    assert_no_file("rejected.csv");
    assert_no_file("tickets.csv");
}

static void dl_expanded_person_gives_its_id_and_no_email(void **state) {
    (void)state;
    run r = delighted("[{\"id\":\"1\",\"person\":{\"id\":\"77\",\"email\":\"a@b.c\",\"name\":\"A\"},"
                      "\"survey_type\":\"csat\",\"score\":4,\"created_at\":1709251200},"
                      "{\"id\":2,\"person\":78,\"survey_type\":\"csat\",\"score\":\"5\",\"created_at\":\"2024-03-01T10:"
                      "00:00+02:00\"},"
                      "{\"id\":\"3\",\"survey_type\":\"csat\",\"score\":1,\"created_at\":1709251200}]");
    assert_int_equal(r.rc, CXM_OK);
    /* integer ids and persons are written in decimal; a string score and an
     * ISO created_at are read too; no person, no customer_id */
    assert_file("responses.csv", DL_HEADER ",source_line\n"
                                           "1,2024-03-01T00:00:00Z,csat,4,1,5,77,,csat,1\n"
                                           "2,2024-03-01T08:00:00Z,csat,5,1,5,78,,csat,1\n"
                                           "3,2024-03-01T00:00:00Z,csat,1,1,5,,,csat,1\n");
}

static void dl_ndjson_lines_are_read_one_response_each(void **state) {
    (void)state;
    run r = delighted("{\"id\":\"1\",\"survey_type\":\"nps\",\"score\":10,\"created_at\":1709251200}\n"
                      "\n"
                      "{\"id\":\"2\",\"survey_type\":\"nps\",\"score\":7,\"created_at\":1709251200}\r\n"
                      "{\"id\":\"3\",\"survey_type\":\"nps\",\"score\":6,\"created_at\":1709251200}");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",source_line\n"
                                           "1,2024-03-01T00:00:00Z,nps,10,0,10,,,nps,1\n"
                                           "2,2024-03-01T00:00:00Z,nps,7,0,10,,,nps,3\n"
                                           "3,2024-03-01T00:00:00Z,nps,6,0,10,,,nps,4\n");
}

static void dl_pages_appended_to_one_file_are_all_read(void **state) {
    (void)state;
    run r = delighted("\xEF\xBB\xBF[{\"id\":\"1\",\"survey_type\":\"nps\",\"score\":10,\"created_at\":1709251200}]\n"
                      "[{\"id\":\"2\",\"survey_type\":\"nps\",\"score\":7,\"created_at\":1709251200},\n"
                      " {\"id\":\"3\",\"survey_type\":\"nps\",\"score\":70,\"created_at\":1709251200}][]\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_int_equal(r.rows, 2);
    assert_int_equal(r.bad, 1);
    assert_int_equal(r.counts.rows_read, 3);
    assert_log_has("export.json:3: column 'score': expected a whole number from 0 to 10 (the nps scale), found "
                   "'70' (response 2 of array 2) (row skipped)");
}

static void dl_survey_types_map_to_surveys_and_scales(void **state) {
    (void)state;
    run r = delighted("{\"id\":\"a\",\"survey_type\":\"nps\",\"score\":10,\"created_at\":1709251200}\n"
                      "{\"id\":\"b\",\"survey_type\":\"enps\",\"score\":0,\"created_at\":1709251200}\n"
                      "{\"id\":\"c\",\"survey_type\":\"csat\",\"score\":5,\"created_at\":1709251200}\n"
                      "{\"id\":\"d\",\"survey_type\":\"ces\",\"score\":7,\"created_at\":1709251200}\n"
                      "{\"id\":\"e\",\"survey_type\":\"five_star\",\"score\":1,\"created_at\":1709251200}\n"
                      "{\"id\":\"f\",\"survey_type\":\"5-Star\",\"score\":2,\"created_at\":1709251200}\n"
                      "{\"id\":\"g\",\"survey_type\":\"smileys\",\"score\":3,\"created_at\":1709251200}\n"
                      "{\"id\":\"h\",\"survey_type\":\"thumbs\",\"score\":1,\"created_at\":1709251200}\n"
                      "{\"id\":\"i\",\"survey_type\":\"PMF\",\"score\":3,\"created_at\":1709251200}\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",source_line\n"
                                           "a,2024-03-01T00:00:00Z,nps,10,0,10,,,nps,1\n"
                                           "b,2024-03-01T00:00:00Z,enps,0,0,10,,,enps,2\n"
                                           "c,2024-03-01T00:00:00Z,csat,5,1,5,,,csat,3\n"
                                           "d,2024-03-01T00:00:00Z,ces,7,1,7,,,ces,4\n"
                                           "e,2024-03-01T00:00:00Z,csat,1,1,5,,,five_star,5\n"
                                           "f,2024-03-01T00:00:00Z,csat,2,1,5,,,5-Star,6\n"
                                           "g,2024-03-01T00:00:00Z,csat,3,1,5,,,smileys,7\n"
                                           "h,2024-03-01T00:00:00Z,thumbs,1,0,1,,,thumbs,8\n"
                                           "i,2024-03-01T00:00:00Z,pmf,3,1,3,,,PMF,9\n");
}

static void dl_missing_survey_type_reads_as_nps_with_a_warning(void **state) {
    (void)state;
    run r = delighted("{\"id\":\"a\",\"score\":8,\"created_at\":1709251200}\n"
                      "{\"id\":\"b\",\"survey_type\":null,\"score\":9,\"created_at\":1709251200}\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",source_line\n"
                                           "a,2024-03-01T00:00:00Z,nps,8,0,10,,,,1\n"
                                           "b,2024-03-01T00:00:00Z,nps,9,0,10,,,,2\n");
    assert_int_equal(r.counts.warnings, 1);
    assert_log_has("export.json: 2 responses have no survey_type: read as nps, Delighted's default (first: line 1, "
                   "line 2)");
}

static void dl_scale_setting_changes_a_surveys_scale(void **state) {
    (void)state;
    static const char *const set[] = {"scale=CES=1-5", NULL};
    run r = convert_s("delighted",
                      "{\"id\":\"a\",\"survey_type\":\"ces\",\"score\":5,\"created_at\":1709251200}\n"
                      "{\"id\":\"b\",\"survey_type\":\"ces\",\"score\":6,\"created_at\":1709251200}\n",
                      set);
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",source_line\na,2024-03-01T00:00:00Z,ces,5,1,5,,,ces,1\n");
    assert_log_has("export.json:2: column 'score': expected a whole number from 1 to 5 (the ces scale), found '6'");
}

static void dl_scale_naming_a_type_keeps_it_as_its_own_survey(void **state) {
    (void)state;
    static const char *const set[] = {"scale=five_star=1-5", "scale=thumbs=1-2", NULL};
    run r = convert_s("delighted",
                      "{\"id\":\"a\",\"survey_type\":\"five_star\",\"score\":5,\"created_at\":1709251200}\n"
                      "{\"id\":\"b\",\"survey_type\":\"thumbs\",\"score\":2,\"created_at\":1709251200}\n"
                      "{\"id\":\"c\",\"survey_type\":\"smileys\",\"score\":2,\"created_at\":1709251200}\n",
                      set);
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",source_line\n"
                                           "a,2024-03-01T00:00:00Z,five_star,5,1,5,,,five_star,1\n"
                                           "b,2024-03-01T00:00:00Z,thumbs,2,1,2,,,thumbs,2\n"
                                           "c,2024-03-01T00:00:00Z,csat,2,1,5,,,smileys,3\n");
}

static void dl_unknown_survey_type_is_bad_unless_a_scale_names_it(void **state) {
    (void)state;
    const char *in = "{\"id\":\"a\",\"survey_type\":\"likert\",\"score\":4,\"created_at\":1709251200}\n";
    run r = delighted(in);
    assert_int_equal(r.rc, CXM_OK);
    assert_int_equal(r.bad, 1);
    assert_log_has("export.json:1: column 'survey_type': survey type 'likert' is not one cxm knows (nps, enps, csat, "
                   "ces, five_star, smileys, thumbs, pmf): give its scale with --scale likert=MIN-MAX (row skipped)");
    static const char *const set[] = {"scale=likert=1-7", NULL};
    r = convert_s("delighted", in, set);
    assert_int_equal(r.rc, CXM_OK);
    assert_int_equal(r.bad, 0);
    assert_file("responses.csv", DL_HEADER ",source_line\na,2024-03-01T00:00:00Z,likert,4,1,7,,,likert,1\n");
}

static void dl_person_properties_become_dimension_columns(void **state) {
    (void)state;
    /* first-seen order; names lower-cased with '_'; ticket_id, agent and
     * channel are the canonical columns; a key that names one of the
     * profile's own columns gets property_; two keys that make the same name
     * get _2; values of other types are written as text */
    run r = delighted(
        "[{\"id\":\"1\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200,\n"
        "  \"person_properties\":{\"Purchase Experience\":\"Mobile App\",\"Ticket ID\":\"T1\",\"score\":\"x\"}},\n"
        " {\"id\":\"2\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200,\n"
        "  \"person_properties\":{\"agent\":\"Ann\",\"purchase-experience\":\"dup\",\"Seats\":12,"
        "\"Paid\":true,\"Ratio\":0.5,\"Langs\":[\"en\",\"ms\"],\"Deep\":{\"a\":1},\"Null\":null,"
        "\"\xe5\xae\xa2\xe6\x88\xb7 (VIP)\":\"\xe6\x98\xaf\"}},\n"
        " {\"id\":\"3\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200}]");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv",
                DL_HEADER ",purchase_experience,ticket_id,property_score,agent,purchase_experience_2,seats,paid,ratio,"
                          "langs,deep,null,\xe5\xae\xa2\xe6\x88\xb7_vip,source_line\n"
                          "1,2024-03-01T00:00:00Z,nps,9,0,10,,,nps,Mobile App,T1,x,,,,,,,,,,1\n"
                          "2,2024-03-01T00:00:00Z,nps,9,0,10,,,nps,,,,Ann,dup,12,true,0.5,en;ms,\"{\"\"a\"\":1}\",,"
                          "\xe6\x98\xaf,3\n"
                          "3,2024-03-01T00:00:00Z,nps,9,0,10,,,nps,,,,,,,,,,,,,5\n");
}

/* The first pass finds the property keys without building each record; it
 * must find exactly the keys the parser gives (the second pass checks:
 * a key it did not see is an internal error). */
static void dl_first_pass_finds_the_keys_the_parser_finds(void **state) {
    (void)state;
    run r =
        delighted("{ \"comment\" : \"{\\\"person_properties\\\": {\\\"no\\\": 1}}\" ,\n"
                  "  \"person_properties\" : { \"a\\u00e9\" : \"x\", \"q\\\"k\" : {\"n\":[1,{\"m\":\"}\"}]},\n"
                  "  \"caf\xc3\xa9\" :\t[ ] , \"z\": null } , \"id\":\"1\",\"score\":9,\"created_at\":1709251200,"
                  "\"tags\" : [ ] }\n"
                  "{\"person_\\u0070roperties\":{\"esc\":\"1\"},\"id\":\"2\",\"score\":9,\"created_at\":1709251200}\n"
                  "{\"person_properties\":{\"w\":\"1\"},\"person_properties\":{\"v\":\"2\"},\"id\":\"3\",\"score\":9,"
                  "\"created_at\":1709251200}\n"
                  "{\"person_properties\":{},\"tags\":[\"t\"],\"id\":\"4\",\"score\":9,\"created_at\":1709251200}\n");
    assert_int_equal(r.rc, CXM_OK);
    /* a duplicate key: the parser keeps the last value (v), the first pass
     * saw both (w stays an empty column) */
    assert_file("responses.csv",
                DL_HEADER ",response_tags,a\xc3\xa9,q_k,caf\xc3\xa9,z,esc,w,v,source_line\n"
                          "1,2024-03-01T00:00:00Z,nps,9,0,10,,\"{\"\"person_properties\"\": {\"\"no\"\": 1}}\","
                          ",,x,\"{\"\"n\"\":[1,{\"\"m\"\":\"\"}\"\"}]}\",,,,,,1\n"
                          "2,2024-03-01T00:00:00Z,nps,9,0,10,,,,,,,,,1,,,4\n"
                          "3,2024-03-01T00:00:00Z,nps,9,0,10,,,,,,,,,,,2,5\n"
                          "4,2024-03-01T00:00:00Z,nps,9,0,10,,,,t,,,,,,,,6\n");
}

static void dl_tags_make_a_column_only_when_some_response_has_them(void **state) {
    (void)state;
    run r = delighted(
        "{\"id\":\"1\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200,\"tags\":[]}\n"
        "{\"id\":\"2\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200,\"tags\":[\"a\",\"b c\"]}\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",response_tags,source_line\n"
                                           "1,2024-03-01T00:00:00Z,nps,9,0,10,,,nps,,1\n"
                                           "2,2024-03-01T00:00:00Z,nps,9,0,10,,,nps,a;b c,2\n");
}

static void dl_a_nul_in_a_string_is_dropped(void **state) {
    (void)state;
    run r = delighted("{\"id\":\"1\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200,"
                      "\"comment\":\"a\\u0000b\"}\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",source_line\n1,2024-03-01T00:00:00Z,nps,9,0,10,,ab,nps,1\n");
}

/* ---- delighted: defects ------------------------------------------------- */

/* One good record, then `bad` (one line of an array): the bad one is left
 * out, reported at line 3 with column and reason, and listed. */
static void dl_expect_bad(const char *bad, const char *column, const char *reason) {
    char input[2048];
    snprintf(input, sizeof input,
             "[\n{\"id\":\"ok\",\"survey_type\":\"nps\",\"score\":5,\"created_at\":1709251200},\n%s\n]\n", bad);
    loglen = 0;
    logbuf[0] = 0;
    run r = delighted(input);
    assert_int_equal(r.rc, CXM_OK);
    assert_int_equal(r.rows, 1);
    assert_int_equal(r.bad, 1);
    assert_int_equal(r.counts.rows_read, 2);
    char want[1024];
    if (column)
        snprintf(want, sizeof want, "export.json:3: column '%s': %s (response 2 of the array) (row skipped)", column,
                 reason);
    else
        snprintf(want, sizeof want, "export.json:3:1: %s (response 2 of the array) (row skipped)", reason);
    assert_log_has(want);
    snprintf(want, sizeof want, "export.json,3,%s,1,", column ? column : "");
    assert_file_has("rejected_responses.csv", want);
}

static void dl_a_response_without_a_usable_id_is_bad(void **state) {
    (void)state;
    dl_expect_bad("{\"survey_type\":\"nps\",\"score\":5,\"created_at\":1709251200}", "id",
                  "expected a response id (a string), found none");
    dl_expect_bad("{\"id\":\"\",\"survey_type\":\"nps\",\"score\":5,\"created_at\":1709251200}", "id",
                  "expected a response id (a string), found ''");
    dl_expect_bad("{\"id\":{\"x\":1},\"survey_type\":\"nps\",\"score\":5,\"created_at\":1709251200}", "id",
                  "expected a response id (a string), found an object");
    dl_expect_bad("{\"id\":\"ok\",\"survey_type\":\"nps\",\"score\":5,\"created_at\":1709251200}", "id",
                  "duplicate id 'ok' (first on line 2): expected each response once");
}

static void dl_an_unreadable_created_at_is_bad(void **state) {
    (void)state;
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"nps\",\"score\":5}", "created_at",
                  "expected Unix seconds or an instant, found none");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"nps\",\"score\":5,\"created_at\":1709251200.5e30}", "created_at",
                  "expected Unix seconds or an instant, found '1.7092512005e+39'");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"nps\",\"score\":5,\"created_at\":\"2024-02-30\"}", "created_at",
                  "expected Unix seconds or an instant, found '2024-02-30': day 30 out of range for February 2024");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"nps\",\"score\":5,\"created_at\":12}", "created_at",
                  "expected Unix seconds or an instant, found '12': 2 digits: not a timestamp (epoch seconds have "
                  "9-11 digits, epoch milliseconds 13)");
}

static void dl_a_score_missing_not_whole_or_off_the_scale_is_bad(void **state) {
    (void)state;
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"nps\",\"created_at\":1709251200}", "score",
                  "expected a whole number from 0 to 10 (the nps scale), found none");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"nps\",\"score\":null,\"created_at\":1709251200}", "score",
                  "expected a whole number from 0 to 10 (the nps scale), found null");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"nps\",\"score\":8.5,\"created_at\":1709251200}", "score",
                  "expected a whole number from 0 to 10 (the nps scale), found '8.5'");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"nps\",\"score\":\"nine\",\"created_at\":1709251200}", "score",
                  "expected a whole number from 0 to 10 (the nps scale), found 'nine'");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"nps\",\"score\":-1,\"created_at\":1709251200}", "score",
                  "expected a whole number from 0 to 10 (the nps scale), found '-1'");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"csat\",\"score\":0,\"created_at\":1709251200}", "score",
                  "expected a whole number from 1 to 5 (the csat scale), found '0'");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":\"thumbs\",\"score\":2,\"created_at\":1709251200}", "score",
                  "expected a whole number from 0 to 1 (the thumbs scale), found '2'");
    dl_expect_bad("{\"id\":\"b\",\"survey_type\":7,\"score\":2,\"created_at\":1709251200}", "survey_type",
                  "expected a survey type such as nps or csat (under 32 bytes), found '7'");
}

static void dl_elements_that_are_not_objects_or_not_json_are_bad(void **state) {
    (void)state;
    dl_expect_bad("42", NULL, "expected a response object, found '42'");
    dl_expect_bad("\"x, y\"", NULL, "expected a response object, found '\"x'");
    dl_expect_bad("[1, 2]", NULL, "expected a response object, found an array");
    /* brackets balance, so reading goes on after it */
    dl_expect_bad("{\"id\":\"b\",\"score\": tru}", NULL,
                  "not valid JSON at line 3, column 22: invalid token near 'tru'");
    dl_expect_bad("{\"id\":\"b\" \"score\":1}", NULL,
                  "not valid JSON at line 3, column 17: '}' expected near '\"score\"'");
}

static void dl_a_broken_ndjson_line_is_a_bad_record(void **state) {
    (void)state;
    run r = delighted("{\"id\":\"1\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200}\n"
                      "{\"id\":\"2\",\"comment\":\"a line\n"
                      "break\",\"score\":9}\n"
                      "oops\n"
                      "{\"id\":\"3\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200}\n"
                      "{\"id\":\"4\",\"score\":\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",source_line\n"
                                           "1,2024-03-01T00:00:00Z,nps,9,0,10,,,nps,1\n"
                                           "3,2024-03-01T00:00:00Z,nps,9,0,10,,,nps,5\n");
    /* the rest of a line broken inside a string is read as the next record */
    assert_log_has("export.json:2:1: not valid JSON: a line break inside a string (row skipped)");
    assert_log_has("export.json:3:1: expected a response object, found 'break\"'");
    assert_log_has("export.json:4:1: expected a response object, found 'oops' (row skipped)");
    assert_log_has("export.json:6:1: not valid JSON: it is not closed before the end of the file (row skipped)");
    assert_int_equal(r.bad, 4);
    assert_int_equal(r.counts.rows_read, 6);
}

static void dl_an_array_that_cannot_be_read_on_stops_the_conversion(void **state) {
    (void)state;
    run r = delighted("[\n{\"id\":\"1\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200},\n"
                      "{\"id\":\"2\",\"score\":9\n");
    assert_int_equal(r.rc, CXM_EPARSE);
    assert_int_equal(r.diag.line, 3);
    assert_non_null(strstr(r.diag.msg, "a JSON value that starts here runs to the end of the file"));
    assert_no_file("responses.csv");
    r = delighted("[{\"id\":\"1\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200}\n");
    assert_int_equal(r.rc, CXM_EPARSE);
    assert_int_equal(r.diag.line, 1);
    assert_non_null(strstr(r.diag.msg, "the array that starts here is not closed: expected ']'"));
    r = delighted("[{\"id\":\"1\",\"comment\":\"a\nb\"}]\n");
    assert_int_equal(r.rc, CXM_EPARSE);
    assert_int_equal(r.diag.line, 1);
    assert_non_null(strstr(r.diag.msg, "a line break inside a string"));
    assert_no_file("responses.csv");
}

static void dl_empty_input_writes_a_header_only(void **state) {
    (void)state;
    run r = delighted("");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", DL_HEADER ",source_line\n");
    r = delighted(" [ ]\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_int_equal(r.counts.rows_read, 0);
}

static void dl_five_point_ces_answers_on_the_seven_point_default_warn(void **state) {
    (void)state;
    char in[8192];
    size_t n = 0;
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(in + n, sizeof in - n,
                              "{\"id\":\"%d\",\"survey_type\":\"ces\",\"score\":%d,\"created_at\":1709251200}\n", i,
                              1 + i % 5);
    run r = delighted(in);
    assert_int_equal(r.rc, CXM_OK);
    assert_int_equal(r.counts.warnings, 1);
    assert_log_has("all 20 CES answers are 5 or under on the default 1-7 scale: if this is a 5-point CES project, "
                   "convert again with --scale ces=1-5");
    /* 19 answers, or one 6, or an explicit scale: no warning */
    static const char *const set[] = {"scale=ces=1-7", NULL};
    nlog = 0;
    r = convert_s("delighted", in, set);
    assert_int_equal(r.counts.warnings, 0);
    assert_int_equal(nlog, 0);
}

static void dl_strict_stops_at_the_first_bad_record(void **state) {
    (void)state;
    const char *in = "{\"id\":\"1\",\"survey_type\":\"nps\",\"score\":9,\"created_at\":1709251200}\n"
                     "{\"id\":\"2\",\"survey_type\":\"nps\",\"score\":99,\"created_at\":1709251200}\n";
    run r = convert_n("delighted", in, strlen(in), NULL, 1);
    assert_int_equal(r.rc, CXM_EDATA);
    assert_int_equal(r.diag.line, 2);
    assert_string_equal(r.diag.column_name, "score");
    assert_no_file("responses.csv");
    assert_no_file("rejected_responses.csv");
}

static void dl_takes_only_scale_settings(void **state) {
    (void)state;
    static const char *const q[] = {"question=nps=Q", NULL};
    run r = convert_s("delighted", "", q);
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "profile 'delighted' does not take 'question=nps=Q': it takes --scale"));
    static const char *const bad[][2] = {{"scale=ces", NULL},     {"scale=ces=5-1", NULL}, {"scale=ces=1-101", NULL},
                                         {"scale==1-5", NULL},    {"scale=ces=a-5", NULL}, {"scale=ces=1-", NULL},
                                         {"scale=ces=-1-5", NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = convert_s("delighted", "", bad[i]);
        assert_int_equal(r.rc, CXM_EUSAGE);
        assert_non_null(strstr(r.diag.msg, "expected SURVEY=MIN-MAX with whole numbers 0 <= MIN < MAX <= 100"));
    }
    /* a ticket profile takes no settings at all */
    static const char *const sc[] = {"scale=ces=1-5", NULL};
    r = convert_s("callcentre", "", sc);
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "profile 'callcentre' takes no settings"));
}

/* Records that straddle the 1 MiB read chunks, and one longer than a chunk. */
static void dl_records_across_read_chunks_and_longer_than_one(void **state) {
    (void)state;
    size_t cap = 8u << 20, n = 0;
    char *in = malloc(cap);
    assert_non_null(in);
    n += (size_t)snprintf(in + n, cap - n, "[");
    for (int i = 0; i < 30000; i++)
        n += (size_t)snprintf(in + n, cap - n,
                              "%s{\"id\":\"r%05d\",\"survey_type\":\"nps\",\"score\":%d,\"created_at\":%d,"
                              "\"comment\":\"\\u00e9t\\u00e9 \\\"%d\\\"\"}",
                              i ? ",\n" : "", i, i % 11, 1709251200 + i, i);
    n += (size_t)snprintf(in + n, cap - n,
                          ",\n{\"id\":\"big\",\"survey_type\":\"nps\",\"score\":10,"
                          "\"created_at\":1709251200,\"comment\":\"");
    memset(in + n, 'x', 3u << 20);
    n += 3u << 20;
    n += (size_t)snprintf(in + n, cap - n, "\"}]\n");
    run r = convert_n("delighted", in, n, NULL, 0);
    free(in);
    assert_int_equal(r.rc, CXM_OK);
    assert_int_equal(r.rows, 30001);
    assert_int_equal(r.bad, 0);
    /* NPS over scores i % 11: of every 11, 2 promoters (9, 10) and 7
     * detractors (0-6); 30000 = 2727 * 11 + 3 (scores 0, 1, 2), plus the 10 */
    cxm_result_set *rs = report("nps", NULL);
    const cxm_result *x = cxm_result_get(rs, 0);
    assert_int_equal(x->n, 30001);
    assert_int_equal(x->promoters, 2727 * 2 + 1);
    assert_int_equal(x->detractors, 2727 * 7 + 3);
    assert_near(x->value, 100.0 * (2727 * 2 + 1 - (2727 * 7 + 3)) / 30001);
    cxm_result_set_free(rs);
    assert_file_has("responses.csv",
                    "r29999,2024-03-01T08:19:59Z,nps,2,0,10,,\"\xc3\xa9t\xc3\xa9 \"\"29999\"\"\",nps,30000\n");
}

/* ---- typeform ----------------------------------------------------------- */

#define TF_HEADER                                                                                                      \
    "#,How likely are you to recommend us?,How satisfied were you?,What could we do better?,ticket_id,Start Date "     \
    "(UTC),Submit Date (UTC),Network ID\n"
#define TF_OUT "response_id,at,survey,score,scale_min,scale_max"
static const char *const TF_SET[] = {"question=nps=How likely are you to recommend us?",
                                     "question=CSAT=How satisfied were you?", "comment=What could we do better?", NULL};

static run typeform(const char *rows) {
    char in[8192];
    snprintf(in, sizeof in, TF_HEADER "%s", rows);
    return convert_s("typeform", in, TF_SET);
}

static void tf_each_answered_question_becomes_a_row(void **state) {
    (void)state;
    run r = typeform("a1,10,5,\"Nothing, really\",T1,2024-03-01 09:58:00,2024-03-01 10:00:00,n1\n"
                     "a2,6,2,,T2,2024-03-01 11:00:00,2024-03-01 11:02:03,n2\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv",
                TF_OUT ",comment,submission_id,ticket_id,start_date_utc,network_id,source_line\n"
                       "a1:nps,2024-03-01T10:00:00Z,nps,10,0,10,\"Nothing, really\",a1,T1,2024-03-01 09:58:00,n1,2\n"
                       "a1:csat,2024-03-01T10:00:00Z,csat,5,1,5,,a1,T1,2024-03-01 09:58:00,n1,2\n"
                       "a2:nps,2024-03-01T11:02:03Z,nps,6,0,10,,a2,T2,2024-03-01 11:00:00,n2,3\n"
                       "a2:csat,2024-03-01T11:02:03Z,csat,2,1,5,,a2,T2,2024-03-01 11:00:00,n2,3\n");
    assert_int_equal(r.counts.rows_read, 2);
    assert_int_equal(r.counts.responses, 4);
    assert_int_equal(r.rows, 4);
    assert_int_equal(nlog, 0);
    assert_no_file("rejected_responses.csv");
}

static void tf_a_skipped_question_writes_no_row_and_is_counted(void **state) {
    (void)state;
    /* a2 skipped NPS: its comment goes to its first answered question */
    run r = typeform("a1,9,,,T1,,2024-03-01 10:00:00,\n"
                     "a2,,4,Great,T2,,2024-03-01 10:00:00,\n"
                     "a3,,3,,T3,,2024-03-01 10:00:00,\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", TF_OUT ",comment,submission_id,ticket_id,start_date_utc,network_id,source_line\n"
                                        "a1:nps,2024-03-01T10:00:00Z,nps,9,0,10,,a1,T1,,,2\n"
                                        "a2:csat,2024-03-01T10:00:00Z,csat,4,1,5,Great,a2,T2,,,3\n"
                                        "a3:csat,2024-03-01T10:00:00Z,csat,3,1,5,,a3,T3,,,4\n");
    assert_int_equal(r.bad, 0);
    assert_int_equal(r.counts.warnings, 2);
    assert_log_has("export.csv: 2 submissions left question 'nps' (How likely are you to recommend us?) empty: no "
                   "row written for them (a skipped question is not an unanswered survey) (first: line 3, line 4)");
    assert_log_has("export.csv: 1 submissions left question 'csat' (How satisfied were you?) empty");
}

static void tf_expect_bad(const char *row, const char *where, const char *reason) {
    char rows[1024];
    snprintf(rows, sizeof rows, "ok,9,4,,T,,2024-03-01 10:00:00,\n%s\n", row);
    loglen = 0;
    logbuf[0] = 0;
    run r = typeform(rows);
    assert_int_equal(r.rc, CXM_OK);
    assert_int_equal(r.rows, 2);
    assert_int_equal(r.bad, 1);
    assert_int_equal(r.counts.rows_read, 2);
    char want[1024];
    snprintf(want, sizeof want, "export.csv:3:%s: %s (row skipped)", where, reason);
    assert_log_has(want);
}

static void tf_a_submission_with_a_defect_is_left_out_whole(void **state) {
    (void)state;
    tf_expect_bad("b,11,4,,T,,2024-03-01 10:00:00,", "2: column 'How likely are you to recommend us?'",
                  "expected a whole number from 0 to 10 (the nps scale), found '11'");
    tf_expect_bad("b,9,4.5,,T,,2024-03-01 10:00:00,", "3: column 'How satisfied were you?'",
                  "expected a whole number from 1 to 5 (the csat scale), found '4.5'");
    tf_expect_bad("b,9,0,,T,,2024-03-01 10:00:00,", "3: column 'How satisfied were you?'",
                  "expected a whole number from 1 to 5 (the csat scale), found '0'");
    tf_expect_bad("b,,,words only,T,,2024-03-01 10:00:00,", "2: column 'How likely are you to recommend us?'",
                  "the submission answers none of the questions named with --question (nps, csat): nothing to write");
    tf_expect_bad(" ,9,4,,T,,2024-03-01 10:00:00,", "1: column '#'", "expected a submission id, found an empty field");
    tf_expect_bad("ok,9,4,,T,,2024-03-01 10:00:00,", "1: column '#'",
                  "duplicate submission id 'ok' (first on line 2): expected each submission once");
    tf_expect_bad("b,9,4,,T,2024-03-01 09:00:00,,", "7: column 'Submit Date (UTC)'",
                  "expected the submission's instant, found an empty field (a partial response has no submit date: "
                  "--at names another column)");
    tf_expect_bad(
        "b,9,4,,T,,01/03/2024 10:00,", "7: column 'Submit Date (UTC)'",
        "expected an instant such as 2024-03-05 14:07:00, found '01/03/2024 10:00': ambiguous day/month order: "
        "use --date-order dmy or mdy");
    tf_expect_bad("b,9,4,,T,,2024-03-01 10:00:00,,extra", "9", "expected 8 fields as in the header, found 9");
}

static void tf_id_and_instant_columns_have_defaults_and_options(void **state) {
    (void)state;
    static const char *const set[] = {"question=nps=Q", NULL};
    run r = convert_s("typeform", "Response ID,Q,Submitted At\nx,7,2024-03-01T10:00:00Z\n", set);
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", TF_OUT ",submission_id,source_line\nx:nps,2024-03-01T10:00:00Z,nps,7,0,10,x,2\n");
    static const char *const set2[] = {"question=nps=Q", "id=token", "at=Landed", NULL};
    r = convert_s("typeform", "#,token,Q,Landed\n1,x,7,2024-03-01 10:00\n", set2);
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv",
                TF_OUT ",submission_id,field,source_line\nx:nps,2024-03-01T10:00:00Z,nps,7,0,10,x,1,2\n");
    r = convert_s("typeform", "Q,Submit Date (UTC)\n7,2024-03-01 10:00\n", set);
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "no column holds a submission id (looked for '#', 'Response ID', ...): name it "
                                       "with --id COLUMN; the header has: 'Q', 'Submit Date (UTC)'"));
    r = convert_s("typeform", "#,Q\n1,7\n", set);
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "no column holds a submission instant"));
    r = convert_s("typeform", "#,Q,Submitted At\n1,7,2024-03-01 10:00\n", set2);
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "--id 'token': no such column; the header has: '#', 'Q', 'Submitted At'"));
}

static void tf_comments_go_to_their_survey(void **state) {
    (void)state;
    static const char *const set[] = {"question=nps=Q1", "question=ces=Q2", "comment=ces=Why2", "comment=Why", NULL};
    run r = convert_s("typeform",
                      "#,Q1,Why,Q2,Why2,Submit Date (UTC)\n"
                      "a,9,because,6,easy,2024-03-01 10:00\n"
                      "b,,skipped nps,7,,2024-03-01 10:00\n",
                      set);
    assert_int_equal(r.rc, CXM_OK);
    /* b: the comment without a survey goes to nps, the first question with no
     * comment column of its own; b skipped nps, and ces has its own: lost */
    assert_file("responses.csv", TF_OUT ",comment,submission_id,source_line\n"
                                        "a:nps,2024-03-01T10:00:00Z,nps,9,0,10,because,a,2\n"
                                        "a:ces,2024-03-01T10:00:00Z,ces,6,1,7,easy,a,2\n"
                                        "b:ces,2024-03-01T10:00:00Z,ces,7,1,7,,b,3\n");
}

static void tf_other_columns_are_dimensions_with_column_names(void **state) {
    (void)state;
    static const char *const set[] = {"question=nps=Q", NULL};
    run r = convert_s("typeform",
                      "#,Q,Submit Date (UTC),Plan Type,score,plan-type,Agent,(?),\xe6\x88\x91\xe4\xbb\xac\n"
                      "a,9,2024-03-01 10:00,Pro,x,y,Ann,e,zh\n",
                      set);
    assert_int_equal(r.rc, CXM_OK);
    assert_file("responses.csv", TF_OUT ",submission_id,plan_type,field_score,plan_type_2,agent,field,"
                                        "\xe6\x88\x91\xe4\xbb\xac,source_line\n"
                                        "a:nps,2024-03-01T10:00:00Z,nps,9,0,10,a,Pro,x,y,Ann,e,zh,2\n");
}

static void tf_settings_are_checked_before_reading(void **state) {
    (void)state;
    static const struct {
        const char *set[4];
        const char *msg;
    } cases[] = {
        {{"comment=Why", NULL}, "profile 'typeform' needs at least one --question SURVEY=COLUMN"},
        {{"question=Q", NULL}, "--question 'Q': expected SURVEY=COLUMN"},
        {{"question=nps=", NULL}, "--question 'nps=': expected SURVEY=COLUMN"},
        {{"question=nps=Q", "question=NPS=R", NULL}, "survey 'nps' is named twice"},
        {{"question=likert=Q", NULL},
         "survey 'likert' has no default scale (csat, esat 1-5, ces 1-7, nps, enps 0-10): "
         "give it with --scale likert=MIN-MAX"},
        {{"question=nps=Q", "scale=csat=1-5", NULL}, "--scale 'csat=1-5': no --question names survey 'csat'"},
        {{"question=nps=Q", "comment=nps=A", "comment=nps=B"}, "survey nps already has the comment column 'A'"},
        {{"question=nps=Q", "bogus=1", NULL},
         "profile 'typeform' does not take 'bogus=1': it takes --question, "
         "--comment, --id, --at, --scale"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r = convert_s("typeform", "#,Q,R,Submit Date (UTC)\n", cases[i].set);
        assert_int_equal(r.rc, CXM_EUSAGE);
        if (!strstr(r.diag.msg, cases[i].msg)) fail_msg("case %zu: %s", i, r.diag.msg);
    }
    assert_no_file("responses.csv");
}

static void tf_columns_must_exist_once_and_have_one_role(void **state) {
    (void)state;
    static const char *const set[] = {"question=nps=Why?", NULL};
    run r = convert_s("typeform", "#,Why?,why? ,Submit Date (UTC)\n", set);
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "--question nps: the header has column 'Why?' twice (columns 2 and 3)"));
    static const char *const set2[] = {"question=nps=Missing", NULL};
    r = convert_s("typeform", "#,Q,Submit Date (UTC)\n", set2);
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "--question nps: no column 'Missing'; the header has: '#', 'Q', "));
    static const char *const set3[] = {"question=nps=Q", "comment=Q", NULL};
    r = convert_s("typeform", "#,Q,Submit Date (UTC)\n", set3);
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "column 'Q' is named for two roles"));
    static const char *const set4[] = {"question=nps=#", NULL};
    r = convert_s("typeform", "#,Q,Submit Date (UTC)\n", set4);
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "column '#' is named for two roles"));
}

static void tf_strict_and_delimiter(void **state) {
    (void)state;
    static const char *const set[] = {"question=nps=Q", NULL};
    const char *in = "#;Q;Submit Date (UTC)\na;9;2024-03-01 10:00\nb;x;2024-03-01 10:00\n";
    run r;
    memset(&r, 0, sizeof r);
    write_file(path_in(dir, "semi.csv"), in);
    cxm_convert_opts o;
    memset(&o, 0, sizeof o);
    o.profile = "typeform";
    o.input = path_in(dir, "semi.csv");
    o.out_dir = outdir;
    o.delimiter = ';';
    o.settings = set;
    o.nsettings = 1;
    o.counts = &r.counts;
    o.log = on_log;
    assert_int_equal(cxm_convert(&o, &r.rows, &r.bad, &r.diag), CXM_OK);
    assert_int_equal(r.rows, 1);
    assert_int_equal(r.bad, 1);
    assert_file_has("rejected_responses.csv", "semi.csv,3,Q,1,\"expected a whole number from 0 to 10");
    o.strict = 1;
    assert_int_equal(cxm_convert(&o, &r.rows, &r.bad, &r.diag), CXM_EDATA);
    assert_int_equal(r.diag.line, 3);
    assert_int_equal(r.diag.column, 2);
}

/* ---- both: the output directory ---------------------------------------- */

static void survey_profiles_share_a_directory_with_converted_tickets(void **state) {
    (void)state;
    /* tickets converted earlier, with their own rejects: both stay */
    assert_int_equal(mkdir(outdir, 0777), 0);
    write_file(path_in(outdir, "tickets.csv"), "ticket_id,created_at,agent\nT1,2024-03-01T09:00:00Z,Ann\n"
                                               "T2,2024-03-01T09:00:00Z,Bob\nT3,2024-03-01T09:00:00Z,Ann\n");
    write_file(path_in(outdir, "messages.csv"), "ticket_id,at,author\n");
    write_file(path_in(outdir, "rejected.csv"), "file,source_line,column,rows,reason\nx.csv,9,,1,kept\n");
    run r = typeform("a,10,5,,T1,,2024-03-01 10:00:00,\n"
                     "b,3,2,,T2,,2024-03-01 10:00:00,\n"
                     "c,9,4,,T3,,2024-03-01 10:00:00,\n"
                     "d,x,4,,T3,,2024-03-01 10:00:00,\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_file("rejected.csv", "file,source_line,column,rows,reason\nx.csv,9,,1,kept\n");
    assert_file_has("rejected_responses.csv", "export.csv,5,How likely are you to recommend us?,1,");
    /* answers are grouped by their ticket's agent: Ann has T1 (10, 5) and
     * T3 (9, 4): NPS 100, CSAT 100 %; Bob has T2 (3, 2): NPS -100, CSAT 0 % */
    cxm_result_set *rs = report("nps,csat", "agent");
    assert_int_equal(cxm_result_count(rs), 4);
    static const double want[] = {100, -100, 100, 0};
    static const char *const agent[] = {"Ann", "Bob", "Ann", "Bob"};
    for (size_t i = 0; i < 4; i++) {
        const cxm_result *x = cxm_result_get(rs, i);
        assert_string_equal(x->metric, i < 2 ? "nps" : "csat");
        assert_string_equal(x->group_values[0], agent[i]);
        assert_near(x->value, want[i]);
        assert_int_equal(x->n, i % 2 ? 1 : 2);
    }
    cxm_result_set_free(rs);
    /* a rerun without bad rows removes its own list only */
    r = typeform("a,10,5,,T1,,2024-03-01 10:00:00,\n");
    assert_int_equal(r.rc, CXM_OK);
    assert_no_file("rejected_responses.csv");
    assert_file("rejected.csv", "file,source_line,column,rows,reason\nx.csv,9,,1,kept\n");
}

static void another_copy_of_the_responses_stream_is_refused(void **state) {
    (void)state;
    assert_int_equal(mkdir(outdir, 0777), 0);
    write_file(path_in(outdir, "responses.ndjson"), "{}\n");
    run r = delighted("");
    assert_int_equal(r.rc, CXM_EUSAGE);
    assert_non_null(strstr(r.diag.msg, "already holds responses.ndjson, which profile 'delighted' does not write"));
}

/* ---- dimension names ---------------------------------------------------- */

static void dimension_names_are_lower_case_words_joined_by_underscores(void **state) {
    (void)state;
    cxm_cvt_names s;
    memset(&s, 0, sizeof s);
    static const char *const reserved[] = {"score", "score_2", NULL};
    static const struct {
        const char *src, *want;
    } cases[] = {
        {"  Purchase Experience ", "purchase_experience"},
        {"purchase-experience", "purchase_experience_2"},
        {"Score", "p_score"},
        {"#", "field"},
        {"", "field_2"},
        {"caf\xc3\xa9 (Paris)", "caf\xc3\xa9_paris"},
        {"ABC123...xyz__", "abc123_xyz"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t idx = 99;
        assert_int_equal(cxm_cvt_names_add(&s, cases[i].src, strlen(cases[i].src), reserved, "p_", &idx), CXM_OK);
        assert_int_equal(idx, i);
        assert_string_equal(s.name[i], cases[i].want);
    }
    /* 70 bytes of two-byte characters: cut at 62, a character boundary */
    char longname[128];
    for (int i = 0; i < 35; i++)
        memcpy(longname + 2 * i, "\xc3\xa9", 2);
    size_t idx;
    assert_int_equal(cxm_cvt_names_add(&s, longname, 70, NULL, NULL, &idx), CXM_OK);
    assert_int_equal(strlen(s.name[idx]), 62);
    assert_int_equal(cxm_cvt_names_add(&s, longname, 70, NULL, NULL, &idx), CXM_OK);
    assert_int_equal(strlen(s.name[idx]), 62); /* 60 bytes + "_2" */
    assert_string_equal(s.name[idx] + 60, "_2");
    cxm_cvt_names_free(&s);
    cxm_cvt_names_free(NULL);
}

/* ---- the committed golden fixtures are what the converter writes --------- */

static void check_fixture(const char *name, const char *profile, const char *input, const char *const *settings) {
    const char *src = getenv("CXM_SOURCE_DIR");
    if (!src) {
        skip();
        return;
    }
    char base[512];
    snprintf(base, sizeof base, "%s/tests/golden/%s", src, name);
    cxm_convert_opts o;
    memset(&o, 0, sizeof o);
    o.profile = profile;
    o.input = path_in(base, input);
    o.out_dir = outdir;
    o.settings = settings;
    while (settings && settings[o.nsettings])
        o.nsettings++;
    cxm_diag d;
    uint64_t n, bad;
    assert_int_equal(cxm_convert(&o, &n, &bad, &d), CXM_OK);
    static const char *const files[] = {"responses.csv", "rejected_responses.csv", NULL};
    for (size_t i = 0; files[i]; i++) {
        char *want = slurp(path_in(base, files[i]));
        char *got = slurp(path_in(outdir, files[i]));
        assert_non_null(want);
        assert_non_null(got);
        if (strcmp(want, got)) fail_msg("%s/%s differs from what the converter writes now:\n%s", name, files[i], got);
        free(want);
        free(got);
    }
}

static void golden_delighted_fixture_is_the_converters_output(void **state) {
    (void)state;
    check_fixture("convert_delighted", "delighted", "export.json", NULL);
}

static void golden_typeform_fixture_is_the_converters_output(void **state) {
    (void)state;
    static const char *const set[] = {"question=nps=How likely are you to recommend Acme to a friend?",
                                      "question=csat=How satisfied are you with our support?",
                                      "comment=What could we do better?", NULL};
    check_fixture("convert_typeform", "typeform", "typeform.csv", set);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(dl_api_array_becomes_response_rows),
        T(dl_expanded_person_gives_its_id_and_no_email),
        T(dl_ndjson_lines_are_read_one_response_each),
        T(dl_pages_appended_to_one_file_are_all_read),
        T(dl_survey_types_map_to_surveys_and_scales),
        T(dl_missing_survey_type_reads_as_nps_with_a_warning),
        T(dl_scale_setting_changes_a_surveys_scale),
        T(dl_scale_naming_a_type_keeps_it_as_its_own_survey),
        T(dl_unknown_survey_type_is_bad_unless_a_scale_names_it),
        T(dl_person_properties_become_dimension_columns),
        T(dl_first_pass_finds_the_keys_the_parser_finds),
        T(dl_tags_make_a_column_only_when_some_response_has_them),
        T(dl_a_nul_in_a_string_is_dropped),
        T(dl_a_response_without_a_usable_id_is_bad),
        T(dl_an_unreadable_created_at_is_bad),
        T(dl_a_score_missing_not_whole_or_off_the_scale_is_bad),
        T(dl_elements_that_are_not_objects_or_not_json_are_bad),
        T(dl_a_broken_ndjson_line_is_a_bad_record),
        T(dl_an_array_that_cannot_be_read_on_stops_the_conversion),
        T(dl_empty_input_writes_a_header_only),
        T(dl_five_point_ces_answers_on_the_seven_point_default_warn),
        T(dl_strict_stops_at_the_first_bad_record),
        T(dl_takes_only_scale_settings),
        T(dl_records_across_read_chunks_and_longer_than_one),
        T(tf_each_answered_question_becomes_a_row),
        T(tf_a_skipped_question_writes_no_row_and_is_counted),
        T(tf_a_submission_with_a_defect_is_left_out_whole),
        T(tf_id_and_instant_columns_have_defaults_and_options),
        T(tf_comments_go_to_their_survey),
        T(tf_other_columns_are_dimensions_with_column_names),
        T(tf_settings_are_checked_before_reading),
        T(tf_columns_must_exist_once_and_have_one_role),
        T(tf_strict_and_delimiter),
        T(survey_profiles_share_a_directory_with_converted_tickets),
        T(another_copy_of_the_responses_stream_is_refused),
        T(dimension_names_are_lower_case_words_joined_by_underscores),
        T(golden_delighted_fixture_is_the_converters_output),
        T(golden_typeform_fixture_is_the_converters_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
