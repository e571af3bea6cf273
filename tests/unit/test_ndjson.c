/*
 * test_ndjson.c - the NDJSON side of cxm_rows (src/io/rows.c), as a
 * specification: one JSON object per line, keys become columns in
 * first-seen order and the header only grows, strings are fields, numbers
 * keep their source text, true/false are text, null and absent keys are
 * missing, arrays of scalars are joined with ';', anything nested is a bad
 * row, blank lines are skipped. Expected values are worked out by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/limits.h"
#include "io/rows.h"

#define MISSING ((const char *)0)

static cxm_rows *open_text(const char *text) {
    cxm_rows *r = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_rows_open_mem(&r, "t.ndjson", text, strlen(text), CXM_ROWS_NDJSON, 0, &d);
    if (rc) fail_msg("open failed: %d %s", rc, d.msg);
    return r;
}

static void expect_header_(cxm_rows *r, size_t n, const char *const *want) {
    const cxm_field *h;
    size_t nh;
    cxm_rows_header(r, &h, &nh);
    assert_int_equal(nh, n);
    for (size_t i = 0; i < n; i++) {
        if (h[i].len != strlen(want[i]) || memcmp(h[i].ptr, want[i], h[i].len) != 0)
            fail_msg("column %zu: expected \"%s\", got \"%.*s\"", i + 1, want[i], (int)h[i].len, h[i].ptr);
    }
}
#define EXPECT_HEADER(r, ...)                                                                                          \
    do {                                                                                                               \
        const char *const w_[] = {__VA_ARGS__};                                                                        \
        expect_header_(r, sizeof w_ / sizeof w_[0], w_);                                                               \
    } while (0)

static void expect_ncols(cxm_rows *r, size_t n) {
    const cxm_field *h;
    size_t nh;
    cxm_rows_header(r, &h, &nh);
    assert_int_equal(nh, n);
}

static const cxm_field *expect_record_(cxm_rows *r, uint64_t line, size_t n, const char *const *want) {
    const cxm_field *f = NULL;
    size_t nf = 0;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_rows_next(r, &f, &nf, &d);
    if (rc != 1) fail_msg("expected a record, got %d: line %llu: %s", rc, (unsigned long long)d.line, d.msg);
    assert_int_equal(nf, n);
    for (size_t i = 0; i < n; i++) {
        if (!want[i]) {
            if (f[i].ptr) fail_msg("field %zu: expected missing, got \"%.*s\"", i + 1, (int)f[i].len, f[i].ptr);
            continue;
        }
        if (!f[i].ptr) fail_msg("field %zu: expected \"%s\", got missing", i + 1, want[i]);
        if (f[i].len != strlen(want[i]) || memcmp(f[i].ptr, want[i], f[i].len) != 0)
            fail_msg("field %zu: expected \"%s\", got \"%.*s\"", i + 1, want[i], (int)f[i].len, f[i].ptr);
    }
    assert_int_equal(cxm_rows_line(r), line);
    return f;
}
#define EXPECT_RECORD(r, line, ...)                                                                                    \
    do {                                                                                                               \
        const char *const w_[] = {__VA_ARGS__};                                                                        \
        (void)expect_record_(r, line, sizeof w_ / sizeof w_[0], w_);                                                   \
    } while (0)

static void expect_bad(cxm_rows *r, uint64_t line, uint32_t column, const char *colname, const char *msg) {
    const cxm_field *f;
    size_t nf;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_rows_next(r, &f, &nf, &d);
    if (rc != CXM_EPARSE) fail_msg("expected a bad row, got %d", rc);
    assert_string_equal(d.file, "t.ndjson");
    assert_int_equal(d.line, line);
    assert_int_equal(cxm_rows_line(r), line);
    assert_int_equal(d.column, column);
    assert_string_equal(d.column_name, colname);
    if (!strstr(d.msg, msg)) fail_msg("diag \"%s\" lacks \"%s\"", d.msg, msg);
}

static void expect_end(cxm_rows *r) {
    const cxm_field *f;
    size_t nf;
    cxm_diag d;
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), 0);
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), 0);
}

/* ---- the rules -------------------------------------------------------- */

static void test_objects_are_records_and_the_first_object_seeds_the_header(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"id\":\"T1\",\"channel\":\"email\"}\n"
                            "{\"id\":\"T2\",\"channel\":\"chat\"}\n");
    EXPECT_HEADER(r, "id", "channel"); /* known right after open */
    EXPECT_RECORD(r, 1, "T1", "email");
    EXPECT_RECORD(r, 2, "T2", "chat");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_keys_are_columns_in_first_seen_order(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"zeta\":\"1\",\"alpha\":\"2\",\"mid\":\"3\"}\n"
                            "{\"mid\":\"c\",\"zeta\":\"a\",\"alpha\":\"b\"}\n");
    EXPECT_HEADER(r, "zeta", "alpha", "mid");
    EXPECT_RECORD(r, 1, "1", "2", "3");
    EXPECT_RECORD(r, 2, "a", "b", "c");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_absent_keys_are_missing(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"a\":\"1\",\"b\":\"2\"}\n{\"b\":\"3\"}\n{}\n");
    EXPECT_RECORD(r, 1, "1", "2");
    EXPECT_RECORD(r, 2, MISSING, "3");
    EXPECT_RECORD(r, 3, MISSING, MISSING);
    expect_end(r);
    cxm_rows_free(r);
}

static void test_header_grows_with_new_keys(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"a\":\"1\"}\n{\"c\":\"3\",\"a\":\"2\",\"b\":\"x\"}\n{\"a\":\"4\"}\n");
    EXPECT_HEADER(r, "a");
    EXPECT_RECORD(r, 1, "1");
    EXPECT_RECORD(r, 2, "2", "3", "x"); /* nfields == the grown ncols */
    EXPECT_HEADER(r, "a", "c", "b");
    EXPECT_RECORD(r, 3, "4", MISSING, MISSING);
    expect_end(r);
    cxm_rows_free(r);
}

static void test_null_is_missing_and_empty_string_is_present(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"a\":null,\"b\":\"\"}\n");
    const char *const w[] = {MISSING, ""};
    const cxm_field *f = expect_record_(r, 1, 2, w);
    assert_non_null(f[1].ptr);
    expect_end(r);
    cxm_rows_free(r);
}

static void test_strings_are_unescaped(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"s\":\"a\\\"b\\\\c\\nd\\u00e9\\ud83d\\ude00\"}\n");
    EXPECT_RECORD(r, 1, "a\"b\\c\nd\xC3\xA9\xF0\x9F\x98\x80");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_string_with_a_nul_keeps_its_length(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"s\":\"a\\u0000b\"}\n");
    const cxm_field *f;
    size_t nf;
    cxm_diag d;
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), 1);
    assert_int_equal(f[0].len, 3);
    assert_memory_equal(f[0].ptr, "a\0b", 3);
    cxm_rows_free(r);
}

static void test_numbers_keep_their_source_text(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"a\":1.50,\"b\":-0,\"c\":1e3,\"d\":12345678901234567890,"
                            "\"e\":  7 ,\"f\":0.1000000000000000055511151231257827}\n");
    EXPECT_RECORD(r, 1, "1.50", "-0", "1e3", "12345678901234567890", "7", "0.1000000000000000055511151231257827");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_true_and_false_become_text(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"t\":true,\"f\":false}\n");
    EXPECT_RECORD(r, 1, "true", "false");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_arrays_of_scalars_are_joined_with_semicolons(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"tags\":[\"vip\",\"refund\"],\"mix\":[1,2.50,true,null,\"x\",false],"
                            "\"none\":[],\"nulls\":[null]}\n");
    const char *const w[] = {"vip;refund", "1;2.50;true;x;false", "", ""};
    const cxm_field *f = expect_record_(r, 1, 4, w);
    assert_non_null(f[2].ptr); /* an empty array is present, empty */
    assert_non_null(f[3].ptr);
    expect_end(r);
    cxm_rows_free(r);
}

static void test_number_text_is_found_past_tricky_strings(void **state) {
    (void)state;
    /* Keys and strings holding quotes, brackets, commas and colons must not
     * throw off the scanner that finds each number's text. */
    cxm_rows *r = open_text("{\"k\\\"}\":\"v],:{\\\"\",\"n\":42,\"arr\":[\"]\",3.0,\"\\\\\",-1],"
                            "\"m\" : 5e-1 }\n");
    EXPECT_HEADER(r, "k\"}", "n", "arr", "m");
    EXPECT_RECORD(r, 1, "v],:{\"", "42", "];3.0;\\;-1", "5e-1");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_nested_object_is_a_bad_row_naming_the_key(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"a\":\"1\"}\n{\"a\":\"2\",\"user\":{\"id\":1}}\n{\"a\":\"3\"}\n");
    EXPECT_RECORD(r, 1, "1");
    expect_bad(r, 2, 0, "user", "nested object under key \"user\"");
    EXPECT_HEADER(r, "a"); /* a bad row adds no columns */
    EXPECT_RECORD(r, 3, "3");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_array_holding_an_object_or_array_is_a_bad_row(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"t\":[\"a\",{\"b\":1}]}\n{\"t\":[[1]]}\n{\"t\":[\"ok\"]}\n");
    expect_bad(r, 1, 0, "t", "holds a nested object or array");
    expect_bad(r, 2, 0, "t", "holds a nested object or array");
    EXPECT_RECORD(r, 3, "ok");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_non_object_line_is_a_bad_row(void **state) {
    (void)state;
    cxm_rows *r = open_text("[1,2]\n\"s\"\n3\nnull\n{\"a\":\"x\"}\n");
    expect_bad(r, 1, 1, "", "expected a JSON object, found an array");
    expect_bad(r, 2, 1, "", "expected a JSON object, found a string");
    expect_bad(r, 3, 1, "", "expected a JSON object, found a number");
    expect_bad(r, 4, 1, "", "expected a JSON object, found null");
    EXPECT_RECORD(r, 5, "x");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_invalid_json_is_a_bad_row_with_line_and_column(void **state) {
    (void)state;
    /* jansson's column is the 1-based column where the bad token ends:
     * line 2 "{"a":1,}" fails at the '}' in column 8; line 3 at "tru",
     * which ends in column 9; line 4 at the trailing x in column 9. */
    cxm_rows *r = open_text("{\"a\":\"ok\"}\n{\"a\":1,}\n{\"a\": tru}\n{\"a\":1} x\n{\"a\":\"z\"}\n");
    EXPECT_RECORD(r, 1, "ok");
    expect_bad(r, 2, 8, "", "invalid JSON");
    expect_bad(r, 3, 9, "", "invalid token");
    expect_bad(r, 4, 9, "", "end of file expected");
    EXPECT_RECORD(r, 5, "z");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_duplicate_key_is_a_bad_row(void **state) {
    (void)state;
    /* jansson stops at the second "a", which ends in column 12. */
    cxm_rows *r = open_text("{\"a\":\"1\",\"a\":\"2\"}\n");
    expect_bad(r, 1, 12, "", "duplicate");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_empty_key_is_a_bad_row(void **state) {
    (void)state;
    cxm_rows *r = open_text("{\"\":\"1\"}\n{\"a\":\"2\"}\n");
    expect_bad(r, 1, 0, "", "empty key");
    expect_ncols(r, 0); /* the bad first line added no column */
    EXPECT_RECORD(r, 2, "2");
    cxm_rows_free(r);
}

static void test_nesting_deeper_than_the_limit_is_a_bad_row(void **state) {
    (void)state;
    char text[512];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n, "{\"a\":");
    for (unsigned i = 0; i < CXM_MAX_JSON_DEPTH; i++)
        text[n++] = '[';
    for (unsigned i = 0; i < CXM_MAX_JSON_DEPTH; i++)
        text[n++] = ']';
    n += (size_t)snprintf(text + n, sizeof text - n, "}\n{\"a\":\"[[[[\"}\n");
    cxm_rows *r = open_text(text);
    expect_bad(r, 1, 0, "", "nested deeper than the limit of 64");
    EXPECT_RECORD(r, 2, "[[[["); /* brackets in strings do not count */
    expect_end(r);
    cxm_rows_free(r);
}

static void test_blank_lines_are_skipped_and_counted(void **state) {
    (void)state;
    cxm_rows *r = open_text("\n  \t\n{\"a\":\"1\"}\r\n\r\n\n{\"a\":\"2\"}");
    EXPECT_RECORD(r, 3, "1");
    EXPECT_RECORD(r, 6, "2"); /* the last line needs no line end */
    expect_end(r);
    cxm_rows_free(r);
}

static void test_bad_first_line_is_reported_by_the_first_next(void **state) {
    (void)state;
    cxm_rows *r = open_text("not json\n{\"a\":\"1\"}\n");
    expect_ncols(r, 0);
    expect_bad(r, 1, 3, "", "invalid JSON");
    EXPECT_RECORD(r, 2, "1");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_empty_input_has_no_columns_and_no_records(void **state) {
    (void)state;
    cxm_rows *r = open_text("");
    expect_ncols(r, 0);
    expect_end(r);
    cxm_rows_free(r);
    r = open_text("\n\n  \n");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_utf8_bom_is_skipped(void **state) {
    (void)state;
    cxm_rows *r = open_text("\xEF\xBB\xBF{\"a\":\"1\"}\n");
    EXPECT_RECORD(r, 1, "1");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_too_many_distinct_keys_is_fatal(void **state) {
    (void)state;
    size_t cap = (CXM_MAX_COLUMNS + 2) * 16 + 16;
    char *text = malloc(cap);
    size_t n = 0;
    for (unsigned i = 0; i <= CXM_MAX_COLUMNS; i++)
        n += (size_t)snprintf(text + n, cap - n, "{\"k%u\":\"v\"}\n", i);
    cxm_rows *r = open_text(text);
    const cxm_field *f;
    size_t nf;
    cxm_diag d;
    int rc;
    size_t count = 0;
    while ((rc = cxm_rows_next(r, &f, &nf, &d)) == 1)
        count++;
    assert_int_equal(rc, CXM_ELIMIT);
    assert_int_equal(count, CXM_MAX_COLUMNS);
    assert_non_null(strstr(d.msg, "distinct keys"));
    cxm_rows_free(r);
    free(text);
}

/* ---- files ------------------------------------------------------------ */

static char *temp_file(const void *data, size_t len) {
    char *path = strdup("/tmp/cxm_test_ndjson_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return path;
}

static void test_file_reading_across_window_refills_and_long_lines(void **state) {
    (void)state;
    /* ~2.5 MiB: 30000 short lines, then one 1.5 MiB line (the window grows),
     * then a last line. */
    size_t cap = 4u << 20;
    char *text = malloc(cap);
    size_t n = 0;
    for (unsigned i = 0; i < 30000; i++)
        n += (size_t)snprintf(text + n, cap - n, "{\"id\":%u,\"s\":\"line %u\"}\n", i, i);
    size_t big = 3u << 19;
    n += (size_t)snprintf(text + n, cap - n, "{\"id\":-1,\"s\":\"");
    memset(text + n, 'q', big);
    n += big;
    n += (size_t)snprintf(text + n, cap - n, "\"}\n{\"id\":1e2}\n");
    char *path = temp_file(text, n);
    cxm_rows *r = NULL;
    cxm_diag d;
    assert_int_equal(cxm_rows_open(&r, path, CXM_ROWS_NDJSON, 0, &d), 0);
    const cxm_field *f;
    size_t nf;
    char want[64];
    for (unsigned i = 0; i < 30000; i++) {
        assert_int_equal(cxm_rows_next(r, &f, &nf, &d), 1);
        assert_int_equal(cxm_rows_line(r), i + 1);
        int wl = snprintf(want, sizeof want, "%u", i);
        assert_int_equal(f[0].len, (size_t)wl);
        assert_memory_equal(f[0].ptr, want, (size_t)wl);
        wl = snprintf(want, sizeof want, "line %u", i);
        assert_int_equal(f[1].len, (size_t)wl);
        assert_memory_equal(f[1].ptr, want, (size_t)wl);
    }
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), 1);
    assert_int_equal(f[1].len, big);
    EXPECT_RECORD(r, 30002, "1e2", MISSING);
    expect_end(r);
    uint64_t done, total;
    cxm_rows_progress(r, &done, &total);
    assert_int_equal(done, n);
    assert_int_equal(total, n);
    cxm_rows_free(r);
    unlink(path);
    free(path);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_objects_are_records_and_the_first_object_seeds_the_header),
        cmocka_unit_test(test_keys_are_columns_in_first_seen_order),
        cmocka_unit_test(test_absent_keys_are_missing),
        cmocka_unit_test(test_header_grows_with_new_keys),
        cmocka_unit_test(test_null_is_missing_and_empty_string_is_present),
        cmocka_unit_test(test_strings_are_unescaped),
        cmocka_unit_test(test_string_with_a_nul_keeps_its_length),
        cmocka_unit_test(test_numbers_keep_their_source_text),
        cmocka_unit_test(test_true_and_false_become_text),
        cmocka_unit_test(test_arrays_of_scalars_are_joined_with_semicolons),
        cmocka_unit_test(test_number_text_is_found_past_tricky_strings),
        cmocka_unit_test(test_nested_object_is_a_bad_row_naming_the_key),
        cmocka_unit_test(test_array_holding_an_object_or_array_is_a_bad_row),
        cmocka_unit_test(test_non_object_line_is_a_bad_row),
        cmocka_unit_test(test_invalid_json_is_a_bad_row_with_line_and_column),
        cmocka_unit_test(test_duplicate_key_is_a_bad_row),
        cmocka_unit_test(test_empty_key_is_a_bad_row),
        cmocka_unit_test(test_nesting_deeper_than_the_limit_is_a_bad_row),
        cmocka_unit_test(test_blank_lines_are_skipped_and_counted),
        cmocka_unit_test(test_bad_first_line_is_reported_by_the_first_next),
        cmocka_unit_test(test_empty_input_has_no_columns_and_no_records),
        cmocka_unit_test(test_utf8_bom_is_skipped),
        cmocka_unit_test(test_too_many_distinct_keys_is_fatal),
        cmocka_unit_test(test_file_reading_across_window_refills_and_long_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
