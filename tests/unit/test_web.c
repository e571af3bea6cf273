/*
 * test_web.c - the dashboard's server side (src/server/web.h, src/store/dims.h):
 * embedded asset lookup, content types, cache headers and ETag matching; the
 * query parsing of GET /v1/tickets and /v1/comments; the windows of rows they
 * answer; the filter choices of a store; the previous period; the static page
 * of `cxm report --format html` and its escaping. Linked with web.c and the
 * generated assets (CMakeLists.txt: test_web).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/limits.h"
#include "server/web.h"
#include "store/dims.h"
#include "store/store.h"

/* ---- embedded files ------------------------------------------------------------------- */

static void test_asset_paths_map_to_embedded_files(void **state) {
    (void)state;
    assert_string_equal(cxm_web_asset_for_path("/")->name, "index.html");
    assert_string_equal(cxm_web_asset_for_path("/index.html")->name, "index.html");
    assert_string_equal(cxm_web_asset_for_path("/assets/app.js")->name, "app.js");
    assert_string_equal(cxm_web_asset_for_path("/assets/app.css")->name, "app.css");
}

static void test_asset_paths_refuse_everything_else(void **state) {
    (void)state;
    assert_null(cxm_web_asset_for_path(NULL));
    assert_null(cxm_web_asset_for_path(""));
    assert_null(cxm_web_asset_for_path("/assets/"));
    assert_null(cxm_web_asset_for_path("/assets/nope.js"));
    assert_null(cxm_web_asset_for_path("/assets/sub/app.js"));
    assert_null(cxm_web_asset_for_path("/assets/../app.js"));
    assert_null(cxm_web_asset_for_path("/assets/..app.js"));
    assert_null(cxm_web_asset_for_path("/assets/index.html")); /* one address for the page */
    assert_null(cxm_web_asset_for_path("/app.js"));
    assert_null(cxm_web_asset_for_path("/v1/metrics"));
    assert_null(cxm_web_file_find(NULL));
    assert_null(cxm_web_file_find("missing"));
}

static void test_embedded_files_are_terminated_and_tagged(void **state) {
    (void)state;
    size_t n = 0;
    for (const cxm_web_file *f = cxm_web_files; f->name; f++, n++) {
        assert_true(f->len > 0);
        assert_int_equal(f->data[f->len], 0);
        assert_int_equal(strlen(f->etag), 18); /* "16 hex digits" with quotes */
        assert_int_equal(f->etag[0], '"');
        assert_int_equal(f->etag[17], '"');
        for (int i = 1; i < 17; i++)
            assert_non_null(strchr("0123456789abcdef", f->etag[i]));
    }
    assert_int_equal(n, 3);
}

static void test_page_has_the_markers_the_static_report_replaces(void **state) {
    (void)state;
    const char *page = (const char *)cxm_web_file_find("index.html")->data;
    assert_non_null(strstr(page, "<!--cxm:css-->"));
    assert_non_null(strstr(page, "<!--/cxm:css-->"));
    assert_non_null(strstr(page, "<!--cxm:js-->"));
    assert_non_null(strstr(page, "<!--/cxm:js-->"));
    assert_null(strstr(page, "http://"));
    assert_null(strstr(page, "https://"));
    assert_true(cxm_web_file_find("app.js")->len > 10000); /* the bundle, not the placeholder */
}

static void test_content_types_follow_the_extension(void **state) {
    (void)state;
    assert_string_equal(cxm_web_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(cxm_web_content_type("app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(cxm_web_content_type("app.css"), "text/css; charset=utf-8");
    assert_string_equal(cxm_web_content_type("x.json"), "application/json");
    assert_string_equal(cxm_web_content_type("logo.svg"), "image/svg+xml");
    assert_string_equal(cxm_web_content_type("a.png"), "image/png");
    assert_string_equal(cxm_web_content_type("favicon.ico"), "image/x-icon");
    assert_string_equal(cxm_web_content_type("notes.txt"), "text/plain; charset=utf-8");
    assert_string_equal(cxm_web_content_type("app.js.map2"), "application/octet-stream");
    assert_string_equal(cxm_web_content_type("Makefile"), "application/octet-stream");
    assert_string_equal(cxm_web_content_type(NULL), "application/octet-stream");
}

static void test_page_is_revalidated_and_assets_cached(void **state) {
    (void)state;
    assert_string_equal(cxm_web_cache_control("index.html"), "no-cache");
    assert_string_equal(cxm_web_cache_control("app.js"), "public, max-age=3600");
}

static void test_if_none_match_matches_tag_list_star_and_weak(void **state) {
    (void)state;
    const char *tag = "\"0123456789abcdef\"";
    assert_true(cxm_web_etag_matches("\"0123456789abcdef\"", tag));
    assert_true(cxm_web_etag_matches("W/\"0123456789abcdef\"", tag));
    assert_true(cxm_web_etag_matches("\"x\", \"0123456789abcdef\"", tag));
    assert_true(cxm_web_etag_matches("  \"0123456789abcdef\"  ", tag));
    assert_true(cxm_web_etag_matches("*", tag));
    assert_false(cxm_web_etag_matches("\"0123456789abcde\"", tag));
    assert_false(cxm_web_etag_matches("0123456789abcdef", tag)); /* unquoted */
    assert_false(cxm_web_etag_matches("\"x\",\"y\"", tag));
    assert_false(cxm_web_etag_matches("", tag));
    assert_false(cxm_web_etag_matches(",,", tag));
    assert_false(cxm_web_etag_matches(NULL, tag));
}

/* ---- GET /v1/tickets and /v1/comments: query parsing ----------------------------------------- */

static void test_tickets_query_defaults(void **state) {
    (void)state;
    cxm_web_tickets_query q;
    cxm_web_tickets_query_init(&q, "cx.db");
    assert_int_equal(q.limit, CXM_WEB_DEFAULT_LIMIT);
    assert_int_equal(q.offset, 0);
    assert_string_equal(q.o.store, "cx.db");
    assert_ptr_equal(q.o.where, q.where);
    assert_null(q.has);
    assert_null(q.missing);
    assert_string_equal(q.bad, "");
}

static void test_tickets_query_takes_each_parameter(void **state) {
    (void)state;
    cxm_web_tickets_query q;
    cxm_web_tickets_query_init(&q, "cx.db");
    assert_int_equal(cxm_web_tickets_arg(&q, "from", "2024-03-01"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "to", "2024-03-07"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "tz", "Asia/Tokyo"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "as_of", "2024-04-01"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "preset", "zendesk"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "time_basis", "business"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "fcr_rule", "no_reopen"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "where", "channel=email"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "where", "team!=Billing"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "has", "frt_seconds"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "missing", "resolved_at"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "limit", "1000"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "offset", "250"), 0);
    assert_string_equal(q.o.from, "2024-03-01");
    assert_string_equal(q.o.to, "2024-03-07");
    assert_string_equal(q.o.tz, "Asia/Tokyo");
    assert_string_equal(q.o.as_of, "2024-04-01");
    assert_string_equal(q.o.preset, "zendesk");
    assert_string_equal(q.o.time_basis, "business");
    assert_string_equal(q.o.fcr_rule, "no_reopen");
    assert_int_equal(q.o.nwhere, 2);
    assert_string_equal(q.o.where[1], "team!=Billing");
    assert_string_equal(q.has, "frt_seconds");
    assert_string_equal(q.missing, "resolved_at");
    assert_int_equal(q.limit, 1000);
    assert_int_equal(q.offset, 250);
    assert_string_equal(q.bad, "");
}

static void expect_bad(const char *key, const char *value, const char *words) {
    cxm_web_tickets_query q;
    cxm_web_tickets_query_init(&q, "cx.db");
    assert_int_equal(cxm_web_tickets_arg(&q, key, value), -1);
    if (!strstr(q.bad, words)) fail_msg("%s=%s: '%s' lacks '%s'", key, value ? value : "(null)", q.bad, words);
}

static void test_tickets_query_refuses_bad_values(void **state) {
    (void)state;
    expect_bad("limit", "0", "from 1 to 1000");
    expect_bad("limit", "1001", "from 1 to 1000");
    expect_bad("limit", "-1", "from 1 to 1000");
    expect_bad("limit", "10x", "from 1 to 1000");
    expect_bad("limit", "", "from 1 to 1000");
    expect_bad("limit", "99999999999999999999999", "from 1 to 1000");
    expect_bad("offset", "-5", "whole number");
    expect_bad("offset", "1e3", "whole number");
    expect_bad("has", "frt seconds", "field name");
    expect_bad("has", "", "field name");
    expect_bad("missing", "Resolved", "field name");
    expect_bad("metrics", "frt", "unknown parameter 'metrics'");
    expect_bad("from", NULL, "needs a value");
}

static void test_tickets_query_caps_where_and_keeps_the_first_problem(void **state) {
    (void)state;
    cxm_web_tickets_query q;
    cxm_web_tickets_query_init(&q, "cx.db");
    for (unsigned i = 0; i < CXM_WEB_MAX_WHERE; i++)
        assert_int_equal(cxm_web_tickets_arg(&q, "where", "channel=email"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "where", "channel=email"), -1);
    assert_non_null(strstr(q.bad, "more than 32 where"));
    assert_int_equal(cxm_web_tickets_arg(&q, "bogus", "1"), -1);
    assert_non_null(strstr(q.bad, "more than 32 where")); /* the first problem stays */
}

static void test_comments_query_takes_its_parameters_only(void **state) {
    (void)state;
    cxm_web_comments_query q;
    cxm_web_comments_query_init(&q);
    assert_int_equal(q.limit, CXM_WEB_DEFAULT_LIMIT);
    assert_int_equal(cxm_web_comments_arg(&q, "survey", "csat"), 0);
    assert_int_equal(cxm_web_comments_arg(&q, "bucket", "detractors"), 0);
    assert_int_equal(cxm_web_comments_arg(&q, "from", "2024-03-01"), 0);
    assert_int_equal(cxm_web_comments_arg(&q, "to", "2024-03-07"), 0);
    assert_int_equal(cxm_web_comments_arg(&q, "tz", "UTC"), 0);
    assert_int_equal(cxm_web_comments_arg(&q, "limit", "5"), 0);
    assert_int_equal(cxm_web_comments_arg(&q, "offset", "10"), 0);
    assert_string_equal(q.o.survey, "csat");
    assert_string_equal(q.o.bucket, "detractors");
    assert_int_equal(q.limit, 5);
    assert_int_equal(q.offset, 10);
    assert_int_equal(cxm_web_comments_arg(&q, "where", "channel=email"), -1);
    assert_non_null(strstr(q.bad, "unknown parameter 'where'"));
    cxm_web_comments_query_init(&q);
    assert_int_equal(cxm_web_comments_arg(&q, "limit", "0"), -1);
    cxm_web_comments_query_init(&q);
    assert_int_equal(cxm_web_comments_arg(&q, "survey", NULL), -1);
}

/* ---- the rows ------------------------------------------------------------------------------------ */

typedef struct fixture {
    char dir[64];
    char tickets[128];
} fixture;

static const char tickets_csv[] = "ticket_id,created_at,first_response_at,resolved_at,channel\n"
                                  "A,2024-03-01T09:00:00Z,2024-03-01T09:30:00Z,2024-03-01T10:00:00Z,email\n"
                                  "B,2024-03-02T09:00:00Z,,,chat\n"
                                  "C,2024-03-03T09:00:00Z,2024-03-03T09:05:00Z,,email\n"
                                  "D,2024-03-09T09:00:00Z,2024-03-09T09:05:00Z,2024-03-09T10:00:00Z,<b>\n";

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cxm-test-web-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->tickets, sizeof f->tickets, "%s/tickets.csv", f->dir);
    FILE *o = fopen(f->tickets, "w");
    fputs(tickets_csv, o);
    fclose(o);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/cx.db", f->dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/cx.db-wal", f->dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/cx.db-shm", f->dir);
    unlink(p);
    unlink(f->tickets);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Runs q as it is and parses the answer (owned). */
static json_t *run_store_tickets(cxm_web_tickets_query *q) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_web_tickets_run(q, m, &d);
    fclose(m);
    if (rc) fail_msg("tickets run: %d %s", rc, d.msg);
    json_error_t err;
    json_t *j = json_loadb(buf, len, 0, &err);
    if (!j) fail_msg("not JSON: %s (%s)", err.text, buf);
    free(buf);
    return j;
}

/* Runs q on the fixture's file, not a store. */
static json_t *run_tickets(cxm_web_tickets_query *q, const fixture *f) {
    q->o.store = NULL;
    q->o.tickets = f->tickets;
    return run_store_tickets(q);
}

static const char *ids(json_t *ans, char *out, size_t cap) {
    out[0] = '\0';
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(ans, "rows"), i, row) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", i ? "," : "", json_string_value(json_object_get(row, "ticket_id")));
    }
    return out;
}

static void test_tickets_window_counts_all_and_returns_a_page(void **state) {
    fixture *f = *state;
    cxm_web_tickets_query q;
    cxm_web_tickets_query_init(&q, NULL);
    q.limit = 2;
    q.offset = 1;
    json_t *a = run_tickets(&q, f);
    char buf[128];
    assert_string_equal(ids(a, buf, sizeof buf), "B,C");
    assert_int_equal(json_integer_value(json_object_get(a, "total")), 4);
    assert_int_equal(json_integer_value(json_object_get(a, "offset")), 1);
    assert_int_equal(json_integer_value(json_object_get(a, "limit")), 2);
    json_decref(a);
    q.offset = 10; /* past the end: no rows, the total still */
    a = run_tickets(&q, f);
    assert_string_equal(ids(a, buf, sizeof buf), "");
    assert_int_equal(json_integer_value(json_object_get(a, "total")), 4);
    json_decref(a);
}

static void test_tickets_filters_period_where_has_and_missing(void **state) {
    fixture *f = *state;
    char buf[128];
    cxm_web_tickets_query q;
    cxm_web_tickets_query_init(&q, NULL);
    cxm_web_tickets_arg(&q, "from", "2024-03-01");
    cxm_web_tickets_arg(&q, "to", "2024-03-07"); /* D (03-09) is after */
    json_t *a = run_tickets(&q, f);
    assert_string_equal(ids(a, buf, sizeof buf), "A,B,C");
    json_decref(a);
    cxm_web_tickets_arg(&q, "has", "frt_seconds"); /* B has no first response */
    a = run_tickets(&q, f);
    assert_string_equal(ids(a, buf, sizeof buf), "A,C");
    json_decref(a);
    cxm_web_tickets_arg(&q, "missing", "resolved_at"); /* A is resolved */
    a = run_tickets(&q, f);
    assert_string_equal(ids(a, buf, sizeof buf), "C");
    assert_int_equal(json_integer_value(json_object_get(a, "total")), 1);
    json_decref(a);
    cxm_web_tickets_query_init(&q, NULL);
    cxm_web_tickets_arg(&q, "where", "channel=email");
    a = run_tickets(&q, f);
    assert_string_equal(ids(a, buf, sizeof buf), "A,C");
    json_decref(a);
}

static void test_tickets_bad_zone_is_a_usage_error(void **state) {
    fixture *f = *state;
    cxm_web_tickets_query q;
    cxm_web_tickets_query_init(&q, NULL);
    cxm_web_tickets_arg(&q, "tz", "Mars/Olympus");
    q.o.tickets = f->tickets;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_web_tickets_run(&q, m, &d);
    fclose(m);
    free(buf);
    assert_true(rc == CXM_EUSAGE || rc == CXM_ENOTFOUND);
    assert_non_null(strstr(d.msg, "Mars/Olympus"));
}

/* ---- dimensions -------------------------------------------------------------------------------- */

static void test_dimension_columns_exclude_ids_instants_numbers_and_text(void **state) {
    (void)state;
    assert_true(cxm_store_is_dimension("tickets", "channel"));
    assert_true(cxm_store_is_dimension("tickets", "team"));
    assert_true(cxm_store_is_dimension("tickets", "agent"));
    assert_true(cxm_store_is_dimension("tickets", "priority"));
    assert_true(cxm_store_is_dimension("tickets", "region")); /* an extra column */
    assert_true(cxm_store_is_dimension("responses", "survey"));
    assert_false(cxm_store_is_dimension("tickets", "ticket_id"));
    assert_false(cxm_store_is_dimension("tickets", "created_at"));
    assert_false(cxm_store_is_dimension("tickets", "escalated_at")); /* extra, but an instant */
    assert_false(cxm_store_is_dimension("tickets", "order_id"));
    assert_false(cxm_store_is_dimension("tickets", "handle_seconds"));
    assert_false(cxm_store_is_dimension("tickets", "tags"));
    assert_false(cxm_store_is_dimension("responses", "comment"));
    assert_false(cxm_store_is_dimension("responses", "score"));
    assert_false(cxm_store_is_dimension("messages", "author"));
    assert_false(cxm_store_is_dimension("tickets", ""));
    assert_false(cxm_store_is_dimension(NULL, "channel"));
}

/* Imports csv[0..len) as stream into the store at db (created when missing). */
static void import_csv(const char *db, const char *stream, const char *csv, size_t len) {
    cxm_store *st = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_store_open(db, CXM_STORE_CREATE, &st, &d), 0);
    cxm_import_opts o;
    memset(&o, 0, sizeof o);
    o.stream = stream;
    o.path = "body";
    o.data = csv;
    o.len = len;
    o.format = "csv";
    cxm_store_counts n;
    if (cxm_store_import(st, &o, &n, &d)) fail_msg("import: %s", d.msg);
    cxm_store_close(st);
}

/* GET /v1/dimensions of the store at db, parsed (owned). */
static json_t *dimensions_of(const char *db) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_web_dimensions_run(db, 0, m, &d);
    fclose(m);
    if (rc) fail_msg("dimensions: %d %s", rc, d.msg);
    json_error_t err;
    json_t *j = json_loadb(buf, len, 0, &err);
    if (!j) fail_msg("not JSON: %s", buf);
    free(buf);
    return j;
}

/* "V:N,V:N,..." of the first max values of one dimension's list. */
static const char *value_counts(json_t *list, size_t max, char *out, size_t cap) {
    out[0] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        if (i == max) break;
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s:%lld", i ? "," : "", json_string_value(json_object_get(v, "value")),
                 (long long)json_integer_value(json_object_get(v, "n")));
    }
    return out;
}

static void test_dimensions_of_a_store_list_values_by_count(void **state) {
    fixture *f = *state;
    char db[160];
    snprintf(db, sizeof db, "%s/cx.db", f->dir);
    static const char csv[] = "ticket_id,created_at,channel,region\n"
                              "1,2024-03-01T09:00:00Z,email,north\n"
                              "2,2024-03-01T10:00:00Z,chat,\n"
                              "3,2024-03-01T11:00:00Z,email,south\n"
                              "4,2024-03-01T12:00:00Z,phone,south\n";
    import_csv(db, "tickets", csv, sizeof csv - 1);
    cxm_diag d;
    memset(&d, 0, sizeof d);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(cxm_web_dimensions_run(db, 1, m, &d), 0);
    fclose(m);
    json_error_t err;
    json_t *j = json_loadb(buf, len, 0, &err);
    if (!j) fail_msg("not JSON: %s", buf);
    json_t *t = json_object_get(json_object_get(j, "streams"), "tickets");
    assert_int_equal(json_integer_value(json_object_get(t, "rows")), 4);
    assert_int_equal(json_array_size(json_object_get(t, "columns")), 4);
    json_t *dims = json_object_get(t, "dimensions");
    assert_int_equal(json_object_size(dims), 2); /* channel, region: not ticket_id, created_at */
    json_t *ch = json_object_get(dims, "channel");
    assert_int_equal(json_array_size(ch), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 0), "value")), "email");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ch, 0), "n")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 1), "value")), "chat"); /* ties by value */
    json_t *rg = json_object_get(dims, "region"); /* extra column: from the JSON, empty left out */
    assert_int_equal(json_array_size(rg), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rg, 0), "value")), "south");
    assert_true(json_is_true(json_object_get(j, "sla")));
    assert_null(json_object_get(json_object_get(j, "streams"), "responses"));
    json_decref(j);
    free(buf);
}

static void test_dimensions_list_at_most_the_cap_and_name_the_truncated(void **state) {
    fixture *f = *state;
    char db[160];
    snprintf(db, sizeof db, "%s/cx.db", f->dir);
    /* agent: CXM_WEB_MAX_DIM_VALUES + 1 distinct values; channel: one */
    char *csv = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&csv, &len);
    fputs("ticket_id,created_at,agent,channel\n", m);
    for (unsigned i = 0; i <= CXM_WEB_MAX_DIM_VALUES; i++)
        fprintf(m, "%u,2024-03-01T09:00:00Z,agent_%03u,email\n", i, i);
    fclose(m);
    import_csv(db, "tickets", csv, len);
    free(csv);
    json_t *j = dimensions_of(db);
    json_t *t = json_object_get(json_object_get(j, "streams"), "tickets");
    json_t *agents = json_object_get(json_object_get(t, "dimensions"), "agent");
    assert_int_equal(json_array_size(agents), CXM_WEB_MAX_DIM_VALUES);
    assert_string_equal(json_string_value(json_object_get(json_array_get(agents, 0), "value")), "agent_000");
    json_t *tr = json_object_get(t, "truncated");
    assert_int_equal(json_array_size(tr), 1);
    assert_string_equal(json_string_value(json_array_get(tr, 0)), "agent");
    assert_false(json_is_true(json_object_get(j, "sla")));
    json_decref(j);
}

/* Tags as the engine's --where tags=X cuts them: split on ';', spaces (not
 * tabs) trimmed, case kept, empty pieces no tag, twice in a list once. */
static const char tags_csv[] = "ticket_id,created_at,channel,tags\n"
                               "1,2024-03-01T09:00:00Z,email,billing;refund\n"
                               "2,2024-03-01T10:00:00Z,chat,refund; billing\n"
                               "3,2024-03-01T11:00:00Z,email,\" vip ;vip\"\n"
                               "4,2024-03-01T12:00:00Z,phone,Billing\n"
                               "5,2024-03-01T13:00:00Z,email,login;;\n"
                               "6,2024-03-01T14:00:00Z,chat,\n"
                               "7,2024-03-01T15:00:00Z,chat,\"a,b;login\"\n"
                               "8,2024-03-01T16:00:00Z,email,billing;refund\n"
                               "9,2024-03-01T17:00:00Z,email,\"\ttab\"\n";

static void test_dimensions_list_each_tag_as_the_engine_matches_it(void **state) {
    fixture *f = *state;
    char db[160], buf[512];
    snprintf(db, sizeof db, "%s/cx.db", f->dir);
    import_csv(db, "tickets", tags_csv, sizeof tags_csv - 1);
    json_t *j = dimensions_of(db);
    json_t *t = json_object_get(json_object_get(j, "streams"), "tickets");
    json_t *tags = json_object_get(json_object_get(t, "dimensions"), "tags");
    /* billing 1,2,8; refund 1,2,8; login 5,7; then one each, ties by bytes:
     * "\ttab" (0x09) < "Billing" < "a,b" < "vip" (3: twice in its list) */
    assert_string_equal(value_counts(tags, 99, buf, sizeof buf),
                        "billing:3,refund:3,login:2,\ttab:1,Billing:1,a,b:1,vip:1");
    json_t *multi = json_object_get(t, "multi");
    assert_int_equal(json_array_size(multi), 1);
    assert_string_equal(json_string_value(json_array_get(multi, 0)), "tags");
    assert_int_equal(json_array_size(json_object_get(t, "truncated")), 0);
    assert_string_equal(value_counts(json_object_get(json_object_get(t, "dimensions"), "channel"), 99, buf, sizeof buf),
                        "email:5,chat:3,phone:1");
    /* each count is what the filter keeps: GET /v1/tickets?where=tags=X */
    size_t i;
    json_t *v;
    json_array_foreach(tags, i, v) {
        const char *tag = json_string_value(json_object_get(v, "value"));
        if (strchr(tag, ',')) continue; /* a comma separates where's values */
        char where[64];
        snprintf(where, sizeof where, "tags=%s", tag);
        cxm_web_tickets_query q;
        cxm_web_tickets_query_init(&q, db);
        assert_int_equal(cxm_web_tickets_arg(&q, "where", where), 0);
        json_t *a = run_store_tickets(&q);
        assert_int_equal(json_integer_value(json_object_get(a, "total")), json_integer_value(json_object_get(v, "n")));
        json_decref(a);
    }
    json_decref(j);
}

static void test_tickets_where_tags_keeps_any_of_the_tags_or_none(void **state) {
    fixture *f = *state;
    char db[160], buf[128];
    snprintf(db, sizeof db, "%s/cx.db", f->dir);
    import_csv(db, "tickets", tags_csv, sizeof tags_csv - 1);
    cxm_web_tickets_query q;
    cxm_web_tickets_query_init(&q, db);
    assert_int_equal(cxm_web_tickets_arg(&q, "where", "tags=vip,login"), 0); /* has any of them */
    json_t *a = run_store_tickets(&q);
    assert_string_equal(ids(a, buf, sizeof buf), "3,5,7");
    json_decref(a);
    cxm_web_tickets_query_init(&q, db);
    assert_int_equal(cxm_web_tickets_arg(&q, "where", "tags!=billing,refund"), 0); /* has none of them */
    a = run_store_tickets(&q);
    assert_string_equal(ids(a, buf, sizeof buf), "3,4,5,6,7,9");
    json_decref(a);
    cxm_web_tickets_query_init(&q, db);
    assert_int_equal(cxm_web_tickets_arg(&q, "where", "tags=billing"), 0);
    assert_int_equal(cxm_web_tickets_arg(&q, "where", "channel=chat"), 0); /* and another filter */
    a = run_store_tickets(&q);
    assert_string_equal(ids(a, buf, sizeof buf), "2");
    json_decref(a);
}

/* Past CXM_MAX_DIMS_SCAN_VALUES distinct values (tags: lists) a column is
 * listed by its own GROUP BY: the same answer. */
static void test_dimensions_with_many_distinct_values_are_listed_by_sql(void **state) {
    fixture *f = *state;
    char db[160], buf[512];
    snprintf(db, sizeof db, "%s/cx.db", f->dir);
    const unsigned n = CXM_MAX_DIMS_SCAN_VALUES + 1;
    char *csv = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&csv, &len);
    fputs("ticket_id,created_at,agent,channel,tags\n", m);
    for (unsigned i = 0; i < n; i++)
        fprintf(m, "%u,2024-03-01T09:00:00Z,a%05u,email,t%05u; common\n", i, n - 1 - i, i);
    fclose(m);
    import_csv(db, "tickets", csv, len);
    free(csv);
    json_t *j = dimensions_of(db);
    json_t *t = json_object_get(json_object_get(j, "streams"), "tickets");
    json_t *dims = json_object_get(t, "dimensions");
    json_t *tags = json_object_get(dims, "tags");
    assert_int_equal(json_array_size(tags), CXM_WEB_MAX_DIM_VALUES);
    assert_string_equal(value_counts(tags, 3, buf, sizeof buf), "common:65537,t00000:1,t00001:1");
    json_t *agents = json_object_get(dims, "agent");
    assert_int_equal(json_array_size(agents), CXM_WEB_MAX_DIM_VALUES);
    assert_string_equal(value_counts(agents, 2, buf, sizeof buf), "a00000:1,a00001:1");
    assert_string_equal(value_counts(json_object_get(dims, "channel"), 9, buf, sizeof buf), "email:65537");
    json_t *tr = json_object_get(t, "truncated");
    assert_int_equal(json_array_size(tr), 2); /* in column order */
    assert_string_equal(json_string_value(json_array_get(tr, 0)), "agent");
    assert_string_equal(json_string_value(json_array_get(tr, 1)), "tags");
    assert_string_equal(json_string_value(json_array_get(json_object_get(t, "multi"), 0)), "tags");
    json_decref(j);
}

/* Past CXM_MAX_DIMS_SCAN_COLUMNS dimension columns the rest are listed by
 * a GROUP BY each (tags too): the same lists. */
static void test_dimensions_past_the_pass_columns_are_listed_by_sql(void **state) {
    fixture *f = *state;
    char db[160], buf[256];
    snprintf(db, sizeof db, "%s/cx.db", f->dir);
    const unsigned ncol = CXM_MAX_DIMS_SCAN_COLUMNS + 6;
    char *csv = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&csv, &len);
    fputs("ticket_id,created_at", m);
    for (unsigned c = 0; c < ncol; c++)
        fprintf(m, ",x%02u", c);
    fputs(",tags\n", m);
    for (unsigned r = 0; r < 3; r++) { /* values: v1 twice, v2 once in every column */
        fprintf(m, "%u,2024-03-01T09:00:00Z", r);
        for (unsigned c = 0; c < ncol; c++)
            fprintf(m, ",v%u", r ? 1u : 2u);
        fputs(r ? ",vip;billing\n" : ",billing\n", m);
    }
    fclose(m);
    import_csv(db, "tickets", csv, len);
    free(csv);
    json_t *j = dimensions_of(db);
    json_t *dims = json_object_get(json_object_get(json_object_get(j, "streams"), "tickets"), "dimensions");
    assert_int_equal(json_object_size(dims), ncol + 1);
    assert_string_equal(value_counts(json_object_get(dims, "x00"), 9, buf, sizeof buf), "v1:2,v2:1"); /* the pass */
    char last[8];
    snprintf(last, sizeof last, "x%02u", ncol - 1);
    assert_string_equal(value_counts(json_object_get(dims, last), 9, buf, sizeof buf), "v1:2,v2:1"); /* SQL */
    assert_string_equal(value_counts(json_object_get(dims, "tags"), 9, buf, sizeof buf), "billing:3,vip:2");
    json_decref(j);
}

static void test_dimensions_of_a_missing_store_fail(void **state) {
    fixture *f = *state;
    char db[160];
    snprintf(db, sizeof db, "%s/none.db", f->dir);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_web_dimensions_run(db, 0, m, &d), CXM_EIO);
    fclose(m);
    free(buf);
    assert_int_equal(access(db, F_OK), -1); /* not created */
}

/* ---- the previous period --------------------------------------------------------------------- */

static void expect_prev(const char *from, const char *to, const char *pf, const char *pt) {
    char a[16], b[16];
    assert_int_equal(cxm_web_previous_period(from, to, a, b, sizeof a), 0);
    assert_string_equal(a, pf);
    assert_string_equal(b, pt);
}

static void test_previous_period_is_as_long_and_just_before(void **state) {
    (void)state;
    expect_prev("2024-03-01", "2024-03-31", "2024-01-30", "2024-02-29"); /* 31 days back over a leap Feb */
    expect_prev("2024-03-01", "2024-03-07", "2024-02-23", "2024-02-29");
    expect_prev("2024-01-01", "2024-01-07", "2023-12-25", "2023-12-31");
    expect_prev("2023-03-01", "2023-03-01", "2023-02-28", "2023-02-28"); /* one day */
    expect_prev("2000-03-01", "2000-12-31", "1999-04-30", "2000-02-29");
}

static void test_previous_period_refuses_non_dates(void **state) {
    (void)state;
    char a[16], b[16];
    assert_int_equal(cxm_web_previous_period("2024-03-07", "2024-03-01", a, b, sizeof a), CXM_EUSAGE);
    assert_int_equal(cxm_web_previous_period("2023-02-29", "2023-03-01", a, b, sizeof a), CXM_EUSAGE);
    assert_int_equal(cxm_web_previous_period("2024-13-01", "2024-13-02", a, b, sizeof a), CXM_EUSAGE);
    assert_int_equal(cxm_web_previous_period("2024-03-01T00:00:00Z", "2024-03-02", a, b, sizeof a), CXM_EUSAGE);
    assert_int_equal(cxm_web_previous_period("2024/03/01", "2024-03-02", a, b, sizeof a), CXM_EUSAGE);
    assert_int_equal(cxm_web_previous_period(NULL, "2024-03-02", a, b, sizeof a), CXM_EUSAGE);
    assert_int_equal(cxm_web_previous_period("2024-03-01", "2024-03-02", a, b, 10), CXM_EUSAGE);
    assert_int_equal(cxm_web_previous_period("0001-01-01", "0001-01-02", a, b, sizeof a), CXM_EUSAGE);
}

/* ---- the static page ------------------------------------------------------------------------------ */

static void test_static_page_inlines_the_bundle_and_escapes_the_data(void **state) {
    fixture *f = *state;
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.tickets = f->tickets;
    o.metrics = "volume";
    o.by = "channel";
    cxm_result_set *rs = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_report_run(&o, &rs, &d), 0);
    const cxm_web_dataset sets[] = {{"kpi", rs}, {"prev", NULL}};
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(cxm_web_render_html(m, sets, 2, "ja", "{\"note\":\"</script><b>\"}", &d), 0);
    fclose(m);
    cxm_result_set_free(rs);
    assert_non_null(strstr(buf, "<style>"));
    assert_null(strstr(buf, "assets/app.js"));
    assert_null(strstr(buf, "assets/app.css"));
    assert_null(strstr(buf, "<!--cxm:"));
    const char *data = strstr(buf, "<script type=\"application/json\" id=\"cxm-data\">");
    assert_non_null(data);
    data += strlen("<script type=\"application/json\" id=\"cxm-data\">");
    const char *end = strstr(data, "</script>");
    assert_non_null(end);
    char *json = strndup(data, (size_t)(end - data));
    assert_null(strchr(json, '<')); /* the channel "<b>" and the note are \u003c... */
    json_error_t err;
    json_t *j = json_loads(json, 0, &err);
    if (!j) fail_msg("embedded data is not JSON: %s", err.text);
    assert_string_equal(json_string_value(json_object_get(j, "mode")), "static");
    assert_string_equal(json_string_value(json_object_get(j, "lang")), "ja");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "filters"), "note")), "</script><b>");
    json_t *data_sets = json_object_get(j, "data");
    assert_int_equal(json_object_size(data_sets), 1); /* prev was absent */
    json_t *results = json_object_get(json_object_get(data_sets, "kpi"), "results");
    int found = 0;
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r) {
        if (!strcmp(json_string_value(json_object_get(json_object_get(r, "group"), "channel")), "<b>")) found = 1;
    }
    assert_true(found);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(j, "labels"), "zh-Hans"), "volume")),
        "客户请求量");
    assert_true(
        json_is_null(json_object_get(json_object_get(json_object_get(j, "meta"), "volume"), "higher_is_better")));
    assert_false(json_is_true(json_object_get(j, "sla")));
    json_decref(j);
    free(json);
    /* the one script element after the data is the app, closed once */
    const char *app = strstr(end + 9, "<script>");
    assert_non_null(app);
    const char *close = strstr(app, "</script>");
    assert_non_null(close);
    assert_non_null(strstr(close, "</body>"));
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asset_paths_map_to_embedded_files),
        cmocka_unit_test(test_asset_paths_refuse_everything_else),
        cmocka_unit_test(test_embedded_files_are_terminated_and_tagged),
        cmocka_unit_test(test_page_has_the_markers_the_static_report_replaces),
        cmocka_unit_test(test_content_types_follow_the_extension),
        cmocka_unit_test(test_page_is_revalidated_and_assets_cached),
        cmocka_unit_test(test_if_none_match_matches_tag_list_star_and_weak),
        cmocka_unit_test(test_tickets_query_defaults),
        cmocka_unit_test(test_tickets_query_takes_each_parameter),
        cmocka_unit_test(test_tickets_query_refuses_bad_values),
        cmocka_unit_test(test_tickets_query_caps_where_and_keeps_the_first_problem),
        cmocka_unit_test(test_comments_query_takes_its_parameters_only),
        cmocka_unit_test_setup_teardown(test_tickets_window_counts_all_and_returns_a_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tickets_filters_period_where_has_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tickets_bad_zone_is_a_usage_error, setup, teardown),
        cmocka_unit_test(test_dimension_columns_exclude_ids_instants_numbers_and_text),
        cmocka_unit_test_setup_teardown(test_dimensions_of_a_store_list_values_by_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dimensions_list_at_most_the_cap_and_name_the_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dimensions_list_each_tag_as_the_engine_matches_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tickets_where_tags_keeps_any_of_the_tags_or_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dimensions_with_many_distinct_values_are_listed_by_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dimensions_past_the_pass_columns_are_listed_by_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dimensions_of_a_missing_store_fail, setup, teardown),
        cmocka_unit_test(test_previous_period_is_as_long_and_just_before),
        cmocka_unit_test(test_previous_period_refuses_non_dates),
        cmocka_unit_test_setup_teardown(test_static_page_inlines_the_bundle_and_escapes_the_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
