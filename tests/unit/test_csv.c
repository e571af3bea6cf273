/*
 * test_csv.c - the CSV side of cxm_rows (src/io/rows.c, src/io/csv.c), as a
 * specification: one test per rule of rows.h / csv.h, each with a small
 * literal input and the fields, line numbers and diagnostics worked out by
 * hand; then a differential test against libcsv (strict mode) over a few
 * thousand seeded random documents, the same documents scanned through
 * windows that grow a few bytes at a time (every refill boundary), file and
 * standard-input reading, the limits; the block kernels (SSE2, AVX2, and
 * cxm_csv_scan_many) against the field-by-field scanner over random
 * documents made to hit their edges; and the real data sets when
 * $CXM_DATASETS is set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"
#include "io/csv.h"
#include "io/rows.h"

#define MISSING ((const char *)0)

/* ---- helpers ---------------------------------------------------------- */

static cxm_rows *open_text(const char *text, char delim) {
    cxm_rows *r = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_rows_open_mem(&r, "t.csv", text, strlen(text), CXM_ROWS_CSV, delim, &d);
    if (rc) fail_msg("open failed: %d %s", rc, d.msg);
    return r;
}

static int open_fails(const char *text, char delim, cxm_diag *d) {
    cxm_rows *r = NULL;
    memset(d, 0, sizeof *d);
    int rc = cxm_rows_open_mem(&r, "t.csv", text, strlen(text), CXM_ROWS_CSV, delim, d);
    assert_null(r);
    return rc;
}

static void expect_header_(cxm_rows *r, size_t n, const char *const *want) {
    const cxm_field *h;
    size_t nh;
    cxm_rows_header(r, &h, &nh);
    assert_int_equal(nh, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(h[i].len, strlen(want[i]));
        assert_true(memcmp(h[i].ptr, want[i], h[i].len) == 0);
    }
}
#define EXPECT_HEADER(r, ...)                                                                                          \
    do {                                                                                                               \
        const char *const w_[] = {__VA_ARGS__};                                                                        \
        expect_header_(r, sizeof w_ / sizeof w_[0], w_);                                                               \
    } while (0)

/* The next record must be exactly want[0..n) (MISSING = ptr NULL) and must
 * start on physical line `line`. */
static const cxm_field *expect_record_(cxm_rows *r, uint64_t line, size_t n, const char *const *want) {
    const cxm_field *f = NULL;
    size_t nf = 0;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_rows_next(r, &f, &nf, &d);
    if (rc != 1)
        fail_msg("expected a record, got %d: line %llu col %u: %s", rc, (unsigned long long)d.line, d.column, d.msg);
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

/* The next record must be bad: the record starts on rec_line, the diag
 * names line, column and contains msg. */
static void expect_bad(cxm_rows *r, uint64_t rec_line, uint64_t line, uint32_t column, const char *msg) {
    const cxm_field *f;
    size_t nf;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_rows_next(r, &f, &nf, &d);
    if (rc != CXM_EPARSE) fail_msg("expected a bad row, got %d", rc);
    assert_string_equal(d.file, "t.csv");
    assert_int_equal(cxm_rows_line(r), rec_line);
    assert_int_equal(d.line, line);
    assert_int_equal(d.column, column);
    if (!strstr(d.msg, msg)) fail_msg("diag \"%s\" lacks \"%s\"", d.msg, msg);
}

static void expect_end(cxm_rows *r) {
    const cxm_field *f;
    size_t nf;
    cxm_diag d;
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), 0);
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), 0); /* and stays there */
}

static char *temp_file(const void *data, size_t len) {
    char *path = strdup("/tmp/cxm_test_csv_XXXXXX");
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

static void drop_file(char *path) {
    unlink(path);
    free(path);
}

/* ---- the rules, one test each ----------------------------------------- */

static void test_header_is_the_first_record(void **state) {
    (void)state;
    cxm_rows *r = open_text("id,channel,created\n1,email,2024-01-02\n", 0);
    EXPECT_HEADER(r, "id", "channel", "created");
    EXPECT_RECORD(r, 2, "1", "email", "2024-01-02");
    expect_end(r);
    assert_string_equal(cxm_rows_name(r), "t.csv");
    cxm_rows_free(r);
}

static void test_lf_line_ends(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b\n1,2\n3,4\n", ',');
    EXPECT_RECORD(r, 2, "1", "2");
    EXPECT_RECORD(r, 3, "3", "4");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_crlf_line_ends(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b\r\n1,2\r\n3,4\r\n", ',');
    EXPECT_HEADER(r, "a", "b");
    EXPECT_RECORD(r, 2, "1", "2");
    EXPECT_RECORD(r, 3, "3", "4");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_lone_cr_is_a_line_end(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b\r1,2\r3,4", ',');
    EXPECT_HEADER(r, "a", "b");
    EXPECT_RECORD(r, 2, "1", "2");
    EXPECT_RECORD(r, 3, "3", "4");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_last_record_needs_no_line_end(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b\n1,2", ',');
    EXPECT_RECORD(r, 2, "1", "2");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_utf8_bom_is_skipped(void **state) {
    (void)state;
    /* Only at the start of input; elsewhere the bytes are data. */
    cxm_rows *r = open_text("\xEF\xBB\xBFid,name\n\xEF\xBB\xBF"
                            "1,x\n",
                            ',');
    EXPECT_HEADER(r, "id", "name");
    EXPECT_RECORD(r, 2,
                  "\xEF\xBB\xBF"
                  "1",
                  "x");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_quoted_field_holds_the_delimiter(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b\n\"x,y\",\"\"\n", ',');
    EXPECT_RECORD(r, 2, "x,y", "");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_quoted_field_holds_line_ends_and_they_count_as_lines(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b\n"
                            "1,\"two\nlines\"\n"          /* lines 2-3 */
                            "2,\"crlf\r\nand cr\rend\"\n" /* lines 4-6 */
                            "3,x\n",                      /* line 7 */
                            ',');
    EXPECT_RECORD(r, 2, "1", "two\nlines");
    EXPECT_RECORD(r, 4, "2", "crlf\r\nand cr\rend");
    EXPECT_RECORD(r, 7, "3", "x");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_doubled_quotes_are_unescaped(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b,c\n\"say \"\"hi\"\"\",\"\"\"\",\"\"\"x\"\"\"\n", ',');
    EXPECT_RECORD(r, 2, "say \"hi\"", "\"", "\"x\"");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_fields_without_doubled_quotes_are_views_into_the_input(void **state) {
    (void)state;
    const char *text = "a,b,c\nplain,\"quoted, no escapes\",\"with \"\"escape\"\"\"\n";
    cxm_rows *r = open_text(text, ',');
    const char *const w[] = {"plain", "quoted, no escapes", "with \"escape\""};
    const cxm_field *f = expect_record_(r, 2, 3, w);
    const char *end = text + strlen(text);
    assert_true(f[0].ptr >= text && f[0].ptr < end);
    assert_true(f[1].ptr >= text && f[1].ptr < end);
    assert_true(f[2].ptr < text || f[2].ptr >= end); /* unescaped copy */
    cxm_rows_free(r);
}

static void test_semicolon_delimiter(void **state) {
    (void)state;
    cxm_rows *r = open_text("date;country\n2018-12-01;\"A;B\"\n", ';');
    EXPECT_HEADER(r, "date", "country");
    EXPECT_RECORD(r, 2, "2018-12-01", "A;B");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_pipe_delimiter(void **state) {
    (void)state;
    cxm_rows *r = open_text("id|ua\n7|Mozilla/5.0 (X11, Linux)\n", '|');
    EXPECT_RECORD(r, 2, "7", "Mozilla/5.0 (X11, Linux)");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_tab_delimiter(void **state) {
    (void)state;
    cxm_rows *r = open_text("text\tid\n a b ,c\t9\n", '\t');
    EXPECT_HEADER(r, "text", "id");
    EXPECT_RECORD(r, 2, " a b ,c", "9"); /* spaces are data */
    expect_end(r);
    cxm_rows_free(r);
}

static void test_delimiter_must_not_be_quote_cr_or_lf(void **state) {
    (void)state;
    cxm_diag d;
    assert_int_equal(open_fails("a\n", '"', &d), CXM_EUSAGE);
    assert_int_equal(open_fails("a\n", '\n', &d), CXM_EUSAGE);
    assert_int_equal(open_fails("a\n", '\r', &d), CXM_EUSAGE);
}

static void test_empty_lines_are_skipped(void **state) {
    (void)state;
    cxm_rows *r = open_text("\n\r\na,b\n\n1,2\r\n\r\n\r\n3,4\n\n", ',');
    EXPECT_HEADER(r, "a", "b");
    EXPECT_RECORD(r, 5, "1", "2");
    EXPECT_RECORD(r, 8, "3", "4");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_empty_field_is_present_with_length_zero(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b,c\n,,\n\"\",x,\n", ',');
    const char *const w1[] = {"", "", ""};
    const cxm_field *f = expect_record_(r, 2, 3, w1);
    for (int i = 0; i < 3; i++)
        assert_non_null(f[i].ptr);
    EXPECT_RECORD(r, 3, "", "x", "");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_short_record_is_padded_with_missing_fields(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b,c\n1\n1,\n\"\"\n", ',');
    EXPECT_RECORD(r, 2, "1", MISSING, MISSING);
    EXPECT_RECORD(r, 3, "1", "", MISSING);
    EXPECT_RECORD(r, 4, "", MISSING, MISSING);
    expect_end(r);
    cxm_rows_free(r);
}

static void test_long_record_is_a_bad_row_naming_the_first_extra_field(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b,c\n1,2,3,4,5\n6,7,8\n", ',');
    expect_bad(r, 2, 2, 4, "expected 3 fields as in the header, found 5");
    EXPECT_RECORD(r, 3, "6", "7", "8"); /* recovers at the next record */
    expect_end(r);
    cxm_rows_free(r);
}

static void test_long_record_with_quoted_line_ends_resyncs_after_the_record(void **state) {
    (void)state;
    /* The extra field starts on line 3; the record ends on line 4. */
    cxm_rows *r = open_text("a,b\n\"x\ny\",2,\"p\nq\"\nok,1\n", ',');
    expect_bad(r, 2, 3, 3, "expected 2 fields as in the header, found 3");
    EXPECT_RECORD(r, 5, "ok", "1");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_long_record_whose_extra_field_never_closes(void **state) {
    (void)state;
    /* The too-many report wins (it is the first problem in the record); the
     * unterminated quote decides where reading resumes: after line 2. */
    cxm_rows *r = open_text("a,b\n1,2,\"open\n3,4\n", ',');
    expect_bad(r, 2, 2, 3, "expected 2 fields as in the header, found 3");
    EXPECT_RECORD(r, 3, "3", "4");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_text_after_a_closing_quote_is_a_bad_row(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b,c\n1,\"abc\"x,3\n4,5,6\n", ',');
    expect_bad(r, 2, 2, 2, "unexpected 'x' after a closing quote");
    EXPECT_RECORD(r, 3, "4", "5", "6");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_bad_row_names_the_header_column(void **state) {
    (void)state;
    cxm_rows *r = open_text("id,subject\n1,\"re: \"x\"\n", ',');
    const cxm_field *f;
    size_t nf;
    cxm_diag d;
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), CXM_EPARSE);
    assert_int_equal(d.column, 2);
    assert_string_equal(d.column_name, "subject");
    cxm_rows_free(r);
}

static void test_resync_after_junk_respects_later_quotes(void **state) {
    (void)state;
    /* After the junk, the quoted field holding a newline is still one field,
     * so the next record starts on line 4. */
    cxm_rows *r = open_text("a,b\n\"a\"b,\"c\nd\"\n1,2\n", ',');
    expect_bad(r, 2, 2, 1, "after a closing quote");
    EXPECT_RECORD(r, 4, "1", "2");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_unterminated_quote_is_a_bad_row_naming_the_line_it_opened(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b\n1,2\n3,\"never closed\n5,6\n7,8\n", ',');
    EXPECT_RECORD(r, 2, "1", "2");
    expect_bad(r, 3, 3, 2, "quoted field opened on line 3 is not closed");
    /* Resumes after the line on which the quote opened. */
    EXPECT_RECORD(r, 4, "5", "6");
    EXPECT_RECORD(r, 5, "7", "8");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_unterminated_quote_on_a_later_line_of_the_record(void **state) {
    (void)state;
    /* The record starts on line 2; its second quoted field opens on line 3. */
    cxm_rows *r = open_text("a,b\n\"p\nq\",\"open\r\nx,y\r\n", ',');
    expect_bad(r, 2, 3, 2, "opened on line 3");
    EXPECT_RECORD(r, 4, "x", "y");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_unterminated_quote_on_the_last_line(void **state) {
    (void)state;
    cxm_rows *r = open_text("a\n\"", ',');
    expect_bad(r, 2, 2, 1, "not closed");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_stray_quote_inside_an_unquoted_field_is_literal(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b\n5\" screen,ab\"c\"\n", ',');
    EXPECT_RECORD(r, 2, "5\" screen", "ab\"c\"");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_header_with_a_duplicate_name_is_an_error_naming_it(void **state) {
    (void)state;
    cxm_diag d;
    assert_int_equal(open_fails("id,name,id\n1,2,3\n", ',', &d), CXM_EPARSE);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.column, 3);
    assert_string_equal(d.column_name, "id");
    assert_non_null(strstr(d.msg, "duplicate column name \"id\""));
    assert_non_null(strstr(d.msg, "column 1"));
}

static void test_header_with_an_empty_name_is_an_error_naming_the_column(void **state) {
    (void)state;
    cxm_diag d;
    assert_int_equal(open_fails("\n\nid,,x\n", ',', &d), CXM_EPARSE);
    assert_int_equal(d.line, 3);
    assert_int_equal(d.column, 2);
    assert_non_null(strstr(d.msg, "column 2 of the header has an empty name"));
}

static void test_bad_header_is_an_error(void **state) {
    (void)state;
    cxm_diag d;
    assert_int_equal(open_fails("a,\"b\"c\n", ',', &d), CXM_EPARSE);
    assert_int_equal(d.column, 2);
    assert_non_null(strstr(d.msg, "in the header"));
}

static void test_empty_input_is_an_error(void **state) {
    (void)state;
    cxm_diag d;
    assert_int_equal(open_fails("", ',', &d), CXM_EPARSE);
    assert_non_null(strstr(d.msg, "expected a header"));
    assert_int_equal(open_fails("\r\n\n", ',', &d), CXM_EPARSE);
    cxm_rows *r = NULL;
    assert_int_equal(cxm_rows_open_mem(&r, "x", NULL, 0, CXM_ROWS_CSV, ',', &d), CXM_EPARSE);
    assert_null(r);
}

static void test_header_only_input_has_no_records(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b", ',');
    EXPECT_HEADER(r, "a", "b");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_trailing_delimiter_at_end_of_input_is_an_empty_field(void **state) {
    (void)state;
    cxm_rows *r = open_text("a,b\n1,", ',');
    EXPECT_RECORD(r, 2, "1", "");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_field_longer_than_the_limit_is_a_bad_row(void **state) {
    (void)state;
    size_t big = (size_t)CXM_MAX_FIELD_BYTES + 1;
    char *text = malloc(big + 64);
    size_t n = 0;
    memcpy(text, "a,b\n1,", 6);
    n = 6;
    memset(text + n, 'x', big);
    n += big;
    memcpy(text + n, "\n2,3\n", 6);
    cxm_rows *r = open_text(text, ',');
    expect_bad(r, 2, 2, 2, "field longer than the limit");
    EXPECT_RECORD(r, 3, "2", "3");
    expect_end(r);
    cxm_rows_free(r);
    free(text);
}

/* The same with more records after it (the block kernels see whole
 * 64-byte blocks there), unquoted and quoted. */
static void test_field_longer_than_the_limit_is_a_bad_row_mid_file(void **state) {
    (void)state;
    size_t big = (size_t)CXM_MAX_FIELD_BYTES + 1;
    char *text = malloc(big + 256);
    for (int quoted = 0; quoted < 2; quoted++) {
        size_t n = 0;
        memcpy(text, "a,b\n1,", 6);
        n = 6;
        if (quoted) text[n++] = '"';
        memset(text + n, 'x', big);
        n += big;
        if (quoted) text[n++] = '"';
        text[n++] = '\n';
        for (int i = 0; i < 20; i++) {
            memcpy(text + n, "2,3\n", 4);
            n += 4;
        }
        text[n] = 0;
        cxm_rows *r = open_text(text, ',');
        expect_bad(r, 2, 2, 2, "field longer than the limit");
        for (uint64_t line = 3; line < 23; line++)
            EXPECT_RECORD(r, line, "2", "3");
        expect_end(r);
        cxm_rows_free(r);
    }
    free(text);
}

static void test_line_numbers_count_physical_lines(void **state) {
    (void)state;
    cxm_rows *r = open_text("h\n\n\"1\n2\n3\"\n\nx\r\ny\rz\n", ',');
    EXPECT_RECORD(r, 3, "1\n2\n3");
    EXPECT_RECORD(r, 7, "x");
    EXPECT_RECORD(r, 8, "y");
    EXPECT_RECORD(r, 9, "z");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_guess_format_from_the_file_name(void **state) {
    (void)state;
    assert_int_equal(cxm_rows_guess_format("t.ndjson"), CXM_ROWS_NDJSON);
    assert_int_equal(cxm_rows_guess_format("dir/t.JSONL"), CXM_ROWS_NDJSON);
    assert_int_equal(cxm_rows_guess_format("t.json"), CXM_ROWS_NDJSON);
    assert_int_equal(cxm_rows_guess_format("t.csv"), CXM_ROWS_CSV);
    assert_int_equal(cxm_rows_guess_format("t.txt"), CXM_ROWS_CSV);
    assert_int_equal(cxm_rows_guess_format("json"), CXM_ROWS_CSV);
    assert_int_equal(cxm_rows_guess_format(".json"), CXM_ROWS_CSV); /* no stem */
    assert_int_equal(cxm_rows_guess_format("-"), CXM_ROWS_CSV);
}

static void test_free_accepts_null(void **state) {
    (void)state;
    cxm_rows_free(NULL);
}

/* ---- files, standard input, the window -------------------------------- */

static void test_reads_a_file_and_reports_progress(void **state) {
    (void)state;
    const char *text = "a,b\n1,2\n3,\"x\ny\"\n";
    char *path = temp_file(text, strlen(text));
    cxm_rows *r = NULL;
    cxm_diag d;
    assert_int_equal(cxm_rows_open(&r, path, CXM_ROWS_CSV, ',', &d), 0);
    assert_string_equal(cxm_rows_name(r), path);
    uint64_t done, total;
    cxm_rows_progress(r, &done, &total);
    assert_int_equal(total, strlen(text));
    assert_int_equal(done, 4); /* the header */
    EXPECT_RECORD(r, 2, "1", "2");
    EXPECT_RECORD(r, 3, "3", "x\ny");
    expect_end(r);
    cxm_rows_progress(r, &done, &total);
    assert_int_equal(done, total);
    cxm_rows_free(r);
    drop_file(path);
}

static void test_missing_file_is_an_io_error(void **state) {
    (void)state;
    cxm_rows *r = NULL;
    cxm_diag d;
    assert_int_equal(cxm_rows_open(&r, "/nonexistent/x.csv", CXM_ROWS_CSV, ',', &d), CXM_EIO);
    assert_null(r);
    assert_string_equal(d.file, "/nonexistent/x.csv");
}

static void test_dash_reads_standard_input_even_from_a_pipe(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *text = "\xEF\xBB\xBF"
                       "a;b\r\n1;2\r\n";
    assert_int_equal(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fds[1]);
    int saved = dup(0);
    assert_int_equal(dup2(fds[0], 0), 0);
    close(fds[0]);
    cxm_rows *r = NULL;
    cxm_diag d;
    int rc = cxm_rows_open(&r, "-", CXM_ROWS_CSV, ';', &d);
    dup2(saved, 0);
    close(saved);
    assert_int_equal(rc, 0);
    assert_string_equal(cxm_rows_name(r), "<stdin>");
    EXPECT_HEADER(r, "a", "b");
    EXPECT_RECORD(r, 2, "1", "2");
    expect_end(r);
    uint64_t done, total;
    cxm_rows_progress(r, &done, &total);
    assert_int_equal(total, 0); /* unknown for a pipe */
    assert_int_equal(done, strlen(text));
    cxm_rows_free(r);
}

static void test_window_grows_for_a_record_longer_than_it(void **state) {
    (void)state;
    size_t big = 3u << 20; /* 3 MiB field: the 1 MiB window doubles twice */
    char *text = malloc(big + 64);
    size_t n = 0;
    memcpy(text, "a,b\n1,\"", 7);
    n = 7;
    for (size_t i = 0; i < big; i++)
        text[n++] = (i % 1000 == 999) ? '\n' : 'q';
    memcpy(text + n, "\"\n2,3\n", 6);
    n += 6;
    char *path = temp_file(text, n);
    cxm_rows *r = NULL;
    cxm_diag d;
    assert_int_equal(cxm_rows_open(&r, path, CXM_ROWS_CSV, ',', &d), 0);
    const cxm_field *f;
    size_t nf;
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), 1);
    assert_int_equal(f[1].len, big);
    assert_true(memcmp(f[1].ptr, text + 7, big) == 0);
    EXPECT_RECORD(r, 3 + big / 1000, "2", "3");
    expect_end(r);
    cxm_rows_free(r);
    drop_file(path);
    free(text);
}

static void test_unquoted_record_longer_than_the_limit_is_fatal(void **state) {
    (void)state;
    size_t big = (size_t)CXM_MAX_RECORD_BYTES + 100;
    char *text = malloc(big + 8);
    memcpy(text, "a\n", 2);
    memset(text + 2, 'x', big);
    text[2 + big] = '\n';
    char *path = temp_file(text, big + 3);
    free(text);
    cxm_rows *r = NULL;
    cxm_diag d;
    assert_int_equal(cxm_rows_open(&r, path, CXM_ROWS_CSV, ',', &d), 0);
    const cxm_field *f;
    size_t nf;
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), CXM_ELIMIT);
    assert_non_null(strstr(d.msg, "record longer than the limit"));
    cxm_rows_free(r);
    drop_file(path);
}

static void test_quote_unclosed_within_the_record_limit_is_a_bad_row(void **state) {
    (void)state;
    /* Line 2 opens a quote that never closes; 64 MiB later the window is at
     * its cap. The row is bad and reading resumes at line 3. */
    char line[64];
    memset(line, 'y', sizeof line);
    line[0] = 'x';
    line[1] = ',';
    line[63] = '\n';
    size_t nlines = ((size_t)CXM_MAX_RECORD_BYTES / 64) + 100;
    size_t n = 0, cap = nlines * 64 + 64;
    char *text = malloc(cap);
    memcpy(text, "a,b\n1,\"open\n", 12);
    n = 12;
    for (size_t i = 0; i < nlines; i++, n += 64)
        memcpy(text + n, line, 64);
    char *path = temp_file(text, n);
    free(text);
    cxm_rows *r = NULL;
    cxm_diag d;
    assert_int_equal(cxm_rows_open(&r, path, CXM_ROWS_CSV, ',', &d), 0);
    const cxm_field *f;
    size_t nf;
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), CXM_EPARSE);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.column, 2);
    assert_non_null(strstr(d.msg, "not closed within the record limit"));
    size_t count = 0;
    int rc;
    while ((rc = cxm_rows_next(r, &f, &nf, &d)) == 1) {
        if (count == 0) assert_int_equal(cxm_rows_line(r), 3);
        count++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(count, nlines);
    cxm_rows_free(r);
    drop_file(path);
}

/* ---- the oracle: libcsv ----------------------------------------------- */

typedef struct ofield {
    char *p;
    size_t n;
} ofield;
typedef struct orow {
    ofield *f;
    size_t n, cap;
} orow;
typedef struct oracle {
    orow *rows;
    size_t n, cap;
    orow cur;
} oracle;

static void o_field(void *s, size_t len, void *data) {
    oracle *o = data;
    if (o->cur.n == o->cur.cap) {
        o->cur.cap = o->cur.cap ? o->cur.cap * 2 : 8;
        o->cur.f = realloc(o->cur.f, o->cur.cap * sizeof *o->cur.f);
    }
    ofield *f = &o->cur.f[o->cur.n++];
    f->p = malloc(len + 1);
    if (len) memcpy(f->p, s, len);
    f->n = len;
}

static void o_row(int c, void *data) {
    (void)c;
    oracle *o = data;
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 64;
        o->rows = realloc(o->rows, o->cap * sizeof *o->rows);
    }
    o->rows[o->n++] = o->cur;
    memset(&o->cur, 0, sizeof o->cur);
}

static int o_no_space(unsigned char c) {
    (void)c;
    return 0;
}

/* Parses doc with libcsv in strict mode (no space trimming); 0 if it
 * accepted the document. */
static int o_parse(oracle *o, const char *doc, size_t len, char delim) {
    memset(o, 0, sizeof *o);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) return -1;
    csv_set_delim(&p, (unsigned char)delim);
    csv_set_space_func(&p, o_no_space);
    int rc = 0;
    if (csv_parse(&p, doc, len, o_field, o_row, o) != len) rc = -1;
    if (!rc && csv_fini(&p, o_field, o_row, o) != 0) rc = -1;
    csv_free(&p);
    return rc;
}

static void o_free(oracle *o) {
    for (size_t i = 0; i < o->n; i++) {
        for (size_t j = 0; j < o->rows[i].n; j++)
            free(o->rows[i].f[j].p);
        free(o->rows[i].f);
    }
    for (size_t j = 0; j < o->cur.n; j++)
        free(o->cur.f[j].p);
    free(o->cur.f);
    free(o->rows);
}

/* ---- random documents -------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void) {
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}
static size_t rndn(size_t n) {
    return (size_t)(rnd() % n);
}

typedef struct doc {
    char *p;
    size_t n, cap;
    size_t starts[512]; /* byte offset where each data record starts */
    size_t nrec;
} doc;

static void d_put(doc *d, const char *s, size_t n) {
    if (d->n + n > d->cap) {
        d->cap = (d->n + n) * 2 + 256;
        d->p = realloc(d->p, d->cap);
    }
    memcpy(d->p + d->n, s, n);
    d->n += n;
}
static void d_puts(doc *d, const char *s) {
    d_put(d, s, strlen(s));
}

/* Plain text: never the delimiter, a quote, CR or LF (any of , ; | TAB). */
static void gen_plain(doc *d, size_t minlen) {
    static const char *const bits[] = {
        "a",    "Z",    "0", "7", " ", "-", ".", ":", "/", "x y", "\xC3\xA9", "\xE6\xBC\xA2", "\xF0\x9F\x98\x80",
        "\xFF", "\x80", "@"};
    size_t n = minlen + rndn(12);
    for (size_t i = 0; i < n; i++) {
        if (rndn(200) == 0) {
            d_put(d, "", 1); /* a NUL byte */
            continue;
        }
        d_puts(d, bits[rndn(sizeof bits / sizeof bits[0])]);
    }
}

static void gen_quoted(doc *d, char delim) {
    static const char *const bits[] = {"a",    "b c", "\xC3\xA9", ",",  ";",        "|", "\t",
                                       "\"\"", "\n",  "\r\n",     "\r", "\"\"\"\"", " ", "\x01"};
    char dl[2] = {delim, 0};
    d_puts(d, "\"");
    size_t n = rndn(10);
    for (size_t i = 0; i < n; i++) {
        if (rndn(8) == 0)
            d_puts(d, dl);
        else
            d_puts(d, bits[rndn(sizeof bits / sizeof bits[0])]);
    }
    d_puts(d, "\"");
}

static void gen_field(doc *d, char delim, int nonempty) {
    size_t k = rndn(8);
    if (k == 0 && !nonempty) return; /* empty */
    if (k <= 3)
        gen_plain(d, 1);
    else
        gen_quoted(d, delim);
}

static void gen_eol(doc *d) {
    size_t k = rndn(20);
    d_puts(d, k < 10 ? "\n" : k < 17 ? "\r\n" : "\r");
}

static void gen_doc(doc *d, char delim, size_t ncols, size_t nrows) {
    d->n = 0;
    d->nrec = 0;
    char dl[2] = {delim, 0};
    if (rndn(10) == 0) gen_eol(d); /* leading empty line */
    for (size_t c = 0; c < ncols; c++) {
        if (c) d_puts(d, dl);
        char h[32];
        snprintf(h, sizeof h, "h%zu", c);
        if (rndn(2)) {
            d_puts(d, h);
            gen_plain(d, 0);
        } else {
            d_puts(d, "\"");
            d_puts(d, h);
            size_t save = d->n;
            gen_quoted(d, delim);
            /* "h1 + "...": drop gen_quoted's opening quote */
            memmove(d->p + save, d->p + save + 1, d->n - save - 1);
            d->n--;
        }
    }
    for (size_t r = 0; r < nrows; r++) {
        gen_eol(d);
        if (rndn(15) == 0) gen_eol(d); /* an empty line */
        size_t nf = ncols;
        if (ncols > 1 && rndn(7) == 0) nf = 1 + rndn(ncols - 1);
        d->starts[d->nrec++] = d->n;
        for (size_t c = 0; c < nf; c++) {
            if (c) d_puts(d, dl);
            gen_field(d, delim, nf == 1);
        }
    }
    if (rndn(3)) gen_eol(d);
}

/* Physical line of byte offset off: 1 + LFs + CRs not followed by LF before it. */
static uint64_t line_of(const doc *d, size_t off) {
    uint64_t line = 1;
    for (size_t i = 0; i < off; i++)
        if (d->p[i] == '\n' || (d->p[i] == '\r' && (i + 1 >= d->n || d->p[i + 1] != '\n'))) line++;
    return line;
}

static void compare_fields(const cxm_field *f, size_t nf, const orow *o, size_t width, size_t docno, size_t recno) {
    if (nf != width) fail_msg("doc %zu record %zu: %zu fields, want %zu", docno, recno, nf, width);
    for (size_t j = 0; j < width; j++) {
        if (j >= o->n) {
            if (f[j].ptr) fail_msg("doc %zu record %zu field %zu: expected missing", docno, recno, j);
            continue;
        }
        if (!f[j].ptr || f[j].len != o->f[j].n || memcmp(f[j].ptr, o->f[j].p, f[j].len) != 0)
            fail_msg("doc %zu record %zu field %zu: got \"%.*s\" want \"%.*s\"", docno, recno, j, (int)f[j].len,
                     f[j].ptr ? f[j].ptr : "(null)", (int)o->f[j].n, o->f[j].p);
    }
}

/* Scans d with the bare scanner through a window that starts empty and grows
 * by a few bytes at each CXM_CSV_MORE (an exact-size copy each time, so a
 * read past the window end is caught by the sanitizers and valgrind); the
 * records must equal the oracle's rows. */
static void scan_in_small_windows(const doc *d, char delim, const oracle *o, size_t docno) {
    cxm_csv s;
    cxm_csv_init(&s, delim, 64);
    size_t base = 0, pos = 0, wlen = 0, row = 0;
    char *win = malloc(1);
    for (;;) {
        int eof = base + wlen == d->n ? CXM_CSV_WINDOW_EOF : CXM_CSV_WINDOW_OPEN;
        int rc = cxm_csv_scan(&s, win, &pos, wlen, eof);
        if (rc == CXM_CSV_MORE) {
            base += pos;
            wlen -= pos;
            pos = 0;
            size_t grow = 1 + rndn(9);
            if (base + wlen + grow > d->n) grow = d->n - base - wlen;
            wlen += grow;
            free(win);
            win = malloc(wlen ? wlen : 1);
            memcpy(win, d->p + base, wlen);
            continue;
        }
        if (rc == CXM_CSV_END) break;
        if (rc != CXM_CSV_RECORD) fail_msg("doc %zu: scanner returned %d", docno, rc);
        assert_true(row < o->n);
        compare_fields(s.fields, s.nfields, &o->rows[row], o->rows[row].n, docno, row);
        if (row > 0) assert_int_equal(s.rec_line, line_of(d, d->starts[row - 1]));
        row++;
    }
    assert_int_equal(row, o->n);
    free(win);
    cxm_csv_free(&s);
}

static void test_agrees_with_libcsv_on_random_documents(void **state) {
    (void)state;
    static const char delims[] = {',', ';', '|', '\t'};
    rng_state = 0x9E3779B97F4A7C15ull;
    doc d;
    memset(&d, 0, sizeof d);
    size_t ndocs = 3000, nrecords = 0;
    for (size_t k = 0; k < ndocs; k++) {
        char delim = delims[k % 4];
        size_t ncols = 1 + rndn(6);
        gen_doc(&d, delim, ncols, rndn(40));
        oracle o;
        if (o_parse(&o, d.p, d.n, delim) != 0) fail_msg("libcsv rejected doc %zu", k);
        assert_int_equal(o.n, d.nrec + 1);

        cxm_rows *r = NULL;
        cxm_diag dg;
        if (cxm_rows_open_mem(&r, "t.csv", d.p, d.n, CXM_ROWS_CSV, delim, &dg) != 0)
            fail_msg("doc %zu: open: %s", k, dg.msg);
        const cxm_field *h;
        size_t nh;
        cxm_rows_header(r, &h, &nh);
        compare_fields(h, nh, &o.rows[0], ncols, k, 0);
        const cxm_field *f;
        size_t nf;
        size_t i = 1;
        int rc;
        while ((rc = cxm_rows_next(r, &f, &nf, &dg)) == 1) {
            assert_true(i < o.n);
            compare_fields(f, nf, &o.rows[i], ncols, k, i);
            assert_int_equal(cxm_rows_line(r), line_of(&d, d.starts[i - 1]));
            i++;
        }
        if (rc != 0) fail_msg("doc %zu: rc %d: %s", k, rc, dg.msg);
        assert_int_equal(i, o.n);
        nrecords += i - 1;
        cxm_rows_free(r);
        if (k % 10 == 0) scan_in_small_windows(&d, delim, &o, k);
        o_free(&o);
    }
    assert_true(nrecords > 40000);
    print_message("%zu documents, %zu records compared with libcsv\n", ndocs, nrecords);
    free(d.p);
}

static void test_file_reading_equals_memory_reading_across_window_refills(void **state) {
    (void)state;
    /* ~3 MiB of random records: the 1 MiB window is refilled mid-record. */
    rng_state = 12345;
    doc d;
    memset(&d, 0, sizeof d);
    doc all;
    memset(&all, 0, sizeof all);
    d_puts(&all, "a,b,c,d,e\n");
    while (all.n < (3u << 20)) {
        gen_doc(&d, ',', 5, 300);
        /* drop d's header line: keep from its first record */
        size_t from = d.nrec ? d.starts[0] : d.n;
        d_put(&all, d.p + from, d.n - from);
        d_puts(&all, "\n");
    }
    oracle o;
    assert_int_equal(o_parse(&o, all.p, all.n, ','), 0);
    char *path = temp_file(all.p, all.n);
    cxm_rows *fr = NULL, *mr = NULL;
    cxm_diag dg;
    assert_int_equal(cxm_rows_open(&fr, path, CXM_ROWS_CSV, ',', &dg), 0);
    assert_int_equal(cxm_rows_open_mem(&mr, "m", all.p, all.n, CXM_ROWS_CSV, ',', &dg), 0);
    const cxm_field *ff, *mf;
    size_t fn, mn, i = 1;
    int frc, mrc;
    for (;;) {
        frc = cxm_rows_next(fr, &ff, &fn, &dg);
        mrc = cxm_rows_next(mr, &mf, &mn, &dg);
        assert_int_equal(frc, mrc);
        if (frc != 1) break;
        assert_int_equal(cxm_rows_line(fr), cxm_rows_line(mr));
        assert_true(i < o.n);
        compare_fields(ff, fn, &o.rows[i], 5, 0, i);
        compare_fields(mf, mn, &o.rows[i], 5, 0, i);
        i++;
    }
    assert_int_equal(frc, 0);
    assert_int_equal(i, o.n);
    uint64_t done, total;
    cxm_rows_progress(fr, &done, &total);
    assert_int_equal(done, all.n);
    assert_int_equal(total, all.n);
    cxm_rows_free(fr);
    cxm_rows_free(mr);
    o_free(&o);
    drop_file(path);
    free(d.p);
    free(all.p);
}

/* ---- the block kernels ------------------------------------------------ */

/* Everything one scanner call tells about a record, copied out. */
typedef struct kres {
    int rc;
    uint64_t rec_line, line_after;
    size_t nfields, pos_after;
    uint32_t bad_col;
    uint64_t bad_line;
    char msg[200];
    char *text; /* the stored fields: 8-byte length (or ~0 for missing) + bytes each */
    size_t textlen;
} kres;

typedef struct kscan {
    kres *r;
    size_t n, cap;
    int fatal; /* a negative code ended the scan */
} kscan;

static kres *kpush(kscan *k) {
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 64;
        k->r = realloc(k->r, k->cap * sizeof *k->r);
    }
    kres *r = &k->r[k->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static void kfields(kres *r, const cxm_field *f, size_t n) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += 8 + (f[i].ptr ? f[i].len : 0);
    r->text = malloc(len ? len : 1);
    for (size_t i = 0; i < n; i++) {
        uint64_t l = f[i].ptr ? f[i].len : ~(uint64_t)0;
        memcpy(r->text + r->textlen, &l, 8);
        r->textlen += 8;
        if (f[i].ptr && f[i].len) memcpy(r->text + r->textlen, f[i].ptr, f[i].len);
        if (f[i].ptr) r->textlen += f[i].len;
    }
}

static void kfree(kscan *k) {
    for (size_t i = 0; i < k->n; i++)
        free(k->r[i].text);
    free(k->r);
}

/*
 * Scans text (n bytes) with kernel, width fields at most, the way rows.c
 * does when many (cxm_csv_scan_many first, cxm_csv_scan for what it leaves)
 * or with cxm_csv_scan alone; through the whole buffer (step 0) or windows
 * that grow step bytes at each MORE (exact-size copies). Short records are
 * compared as stored, without padding.
 */
static void kscan_doc(kscan *k, const char *text, size_t n, char delim, size_t width, int kernel, int many,
                      size_t step) {
    memset(k, 0, sizeof *k);
    cxm_csv s;
    cxm_csv_init(&s, delim, width);
    assert_int_equal(cxm_csv_reserve(&s, width), 0);
    (void)cxm_csv_set_kernel(&s, kernel);
    cxm_field *out = malloc(8 * width * sizeof *out);
    uint64_t lines[8];
    size_t stops[8];
    size_t base = 0, pos = 0, wlen = step ? 0 : n;
    char *win = malloc(wlen ? wlen : 1);
    if (wlen) memcpy(win, text, wlen);
    for (;;) {
        int eof = base + wlen == n ? CXM_CSV_WINDOW_EOF : CXM_CSV_WINDOW_OPEN;
        if (many) {
            size_t got = cxm_csv_scan_many(&s, win, &pos, wlen, out, width, 1 + rndn(8), lines, stops);
            for (size_t i = 0; i < got; i++) {
                kres *r = kpush(k);
                r->rc = CXM_CSV_RECORD;
                r->rec_line = lines[i];
                r->pos_after = base + stops[i];
                size_t nf = width;
                while (nf > 0 && !out[i * width + nf - 1].ptr)
                    nf--;
                r->nfields = nf;
                kfields(r, out + i * width, nf);
            }
            if (got) continue; /* (s.line is past any empty lines it skipped too) */
        }
        int rc = cxm_csv_scan(&s, win, &pos, wlen, eof);
        if (rc == CXM_CSV_MORE) {
            assert_int_equal(eof, CXM_CSV_WINDOW_OPEN);
            base += pos;
            wlen -= pos;
            pos = 0;
            size_t grow = step;
            if (base + wlen + grow > n) grow = n - base - wlen;
            wlen += grow;
            free(win);
            win = malloc(wlen ? wlen : 1);
            if (wlen) memcpy(win, text + base, wlen);
            continue;
        }
        if (rc < 0) {
            k->fatal = rc;
            break;
        }
        if (rc == CXM_CSV_END) break;
        kres *r = kpush(k);
        r->rc = rc;
        r->rec_line = s.rec_line;
        r->line_after = s.line;
        r->pos_after = base + pos;
        r->nfields = s.nfields;
        r->bad_col = rc == CXM_CSV_BAD ? s.bad_col : 0;
        r->bad_line = rc == CXM_CSV_BAD ? s.bad_line : 0;
        if (rc == CXM_CSV_BAD) memcpy(r->msg, s.bad_msg, sizeof r->msg);
        if (rc == CXM_CSV_RECORD) kfields(r, s.fields, s.nfields < width ? s.nfields : width);
    }
    free(win);
    free(out);
    cxm_csv_free(&s);
}

/* b must equal the reference a (line_after only where both know it). */
static void kcompare(const kscan *a, const kscan *b, size_t docno, const char *what) {
    if (a->n != b->n || a->fatal != b->fatal)
        fail_msg("doc %zu (%s): %zu records (fatal %d), want %zu (fatal %d)", docno, what, b->n, b->fatal, a->n,
                 a->fatal);
    for (size_t i = 0; i < a->n; i++) {
        const kres *x = &a->r[i], *y = &b->r[i];
        if (x->rc != y->rc || x->rec_line != y->rec_line || x->pos_after != y->pos_after || x->bad_col != y->bad_col ||
            x->bad_line != y->bad_line || strcmp(x->msg, y->msg) != 0)
            fail_msg("doc %zu (%s) record %zu: rc %d line %llu end %zu, want rc %d line %llu end %zu", docno, what, i,
                     y->rc, (unsigned long long)y->rec_line, y->pos_after, x->rc, (unsigned long long)x->rec_line,
                     x->pos_after);
        if (x->rc == CXM_CSV_RECORD &&
            (x->nfields != y->nfields || x->textlen != y->textlen || memcmp(x->text, y->text, x->textlen) != 0))
            fail_msg("doc %zu (%s) record %zu (line %llu): fields differ (%zu vs %zu)", docno, what, i,
                     (unsigned long long)x->rec_line, y->nfields, x->nfields);
        if (y->line_after && x->line_after != y->line_after)
            fail_msg("doc %zu (%s) record %zu: next line %llu, want %llu", docno, what, i,
                     (unsigned long long)y->line_after, (unsigned long long)x->line_after);
    }
}

/* Records made to hit the kernels' edges: long plain and quoted fields
 * (crossing 64-byte blocks) holding delimiters, LF, CR, CRLF and doubled
 * quotes; stray quotes, text after closing quotes, lone CRs, CRLF, empty
 * lines, short and long records, now and then an unterminated quote. */
static void gen_wild(doc *d, char delim, size_t nrec) {
    static const char plain[] = "abcdefgh0123456789 -:.@TZ";
    char dl[2] = {delim, 0};
    d->n = 0;
    d->nrec = 0;
    for (size_t r = 0; r < nrec; r++) {
        size_t nf = 1 + rndn(9);
        for (size_t f = 0; f < nf; f++) {
            if (f) d_puts(d, dl);
            size_t k = rndn(12), len = rndn(4) ? rndn(12) : rndn(150);
            if (k == 0) continue; /* empty */
            if (k <= 5 || k == 9) {
                for (size_t i = 0; i < len; i++) {
                    char c = plain[rndn(sizeof plain - 1)];
                    if (k == 9 && rndn(8) == 0) c = '"'; /* a stray quote */
                    d_put(d, &c, 1);
                }
                continue;
            }
            d_puts(d, "\"");
            for (size_t i = 0; i < len; i++) {
                size_t c = rndn(40);
                if (c == 0)
                    d_puts(d, "\"\"");
                else if (c == 1)
                    d_puts(d, "\n");
                else if (c == 2)
                    d_puts(d, "\r");
                else if (c == 3)
                    d_puts(d, "\r\n");
                else if (c <= 6)
                    d_puts(d, dl);
                else
                    d_put(d, &plain[rndn(sizeof plain - 1)], 1);
            }
            if (k != 11 || rndn(30)) d_puts(d, "\"");
            if (k == 10 && rndn(3) == 0) d_puts(d, "x"); /* text after the closing quote */
        }
        size_t e = rndn(40);
        if (r + 1 == nrec && rndn(2)) break;
        d_puts(d, e < 28 ? "\n" : e < 34 ? "\r\n" : e < 36 ? "\r" : e < 38 ? "\n\n" : "\r\n\r\n");
    }
}

static void test_block_kernels_agree_with_the_field_scanner(void **state) {
    (void)state;
    static const char delims[] = {',', ';', '|', '\t'};
    rng_state = 0xC0FFEE1234567ull;
    doc d;
    memset(&d, 0, sizeof d);
    size_t ndocs = 1500, nrec = 0, nbad = 0;
    for (size_t k = 0; k < ndocs; k++) {
        char delim = delims[k % 4];
        gen_wild(&d, delim, 1 + rndn(60));
        size_t width = 1 + rndn(10);
        kscan ref;
        kscan_doc(&ref, d.p, d.n, delim, width, CXM_CSV_KERNEL_FIELD, 0, 0);
        for (int kernel = CXM_CSV_KERNEL_SSE2; kernel <= CXM_CSV_KERNEL_AVX2; kernel++) {
            kscan got;
            kscan_doc(&got, d.p, d.n, delim, width, kernel, 0, 0);
            kcompare(&ref, &got, k, kernel == CXM_CSV_KERNEL_SSE2 ? "sse2" : "avx2");
            kfree(&got);
            kscan_doc(&got, d.p, d.n, delim, width, kernel, 1, 0);
            kcompare(&ref, &got, k, kernel == CXM_CSV_KERNEL_SSE2 ? "sse2, many" : "avx2, many");
            kfree(&got);
            if (k % 5 == 0) {
                kscan_doc(&got, d.p, d.n, delim, width, kernel, 1, 1 + rndn(100));
                kcompare(&ref, &got, k, "many, windows");
                kfree(&got);
            }
        }
        nrec += ref.n;
        for (size_t i = 0; i < ref.n; i++)
            nbad += ref.r[i].rc == CXM_CSV_BAD;
        kfree(&ref);
    }
    assert_true(nrec > 30000);
    assert_true(nbad > 1000);
    print_message("%zu documents, %zu records (%zu bad) read alike by every kernel\n", ndocs, nrec, nbad);
    free(d.p);
}

static void test_every_kernel_can_be_chosen(void **state) {
    (void)state;
    cxm_csv s;
    cxm_csv_init(&s, ',', 4);
    int best = s.kernel;
    assert_true(best >= CXM_CSV_KERNEL_FIELD && best <= CXM_CSV_KERNEL_AVX2);
    assert_int_equal(cxm_csv_set_kernel(&s, CXM_CSV_KERNEL_FIELD), CXM_CSV_KERNEL_FIELD);
    assert_int_equal(cxm_csv_set_kernel(&s, CXM_CSV_KERNEL_BEST), best);
    assert_int_equal(cxm_csv_set_kernel(&s, 99), best);
    int sse2 = cxm_csv_set_kernel(&s, CXM_CSV_KERNEL_SSE2);
    assert_true(sse2 <= CXM_CSV_KERNEL_SSE2 && sse2 <= best);
    cxm_csv_free(&s);
}

/* A plain 64-byte record of three fields, so the kernels see whole blocks. */
#define PAD64    "01234567890123456789012345678901234567890123456789012345678,x,y\n"
#define PAD64_F1 "01234567890123456789012345678901234567890123456789012345678"

static void test_block_kernel_reads_a_quoted_field_across_blocks(void **state) {
    (void)state;
    /* field 2 holds an LF, a CRLF, a lone CR, a delimiter and doubled
     * quotes, and crosses two 64-byte block boundaries; the record starts on
     * line 3 and ends on line 6 */
    const char *text = "a,b,c\n" PAD64 "1,\"x,\ny\"\"z\r\nw\rq"
                       "01234567890123456789012345678901234567890123456789012345678901234567890123456789"
                       "\"\"\",end\n" PAD64 PAD64;
    cxm_rows *r = open_text(text, ',');
    EXPECT_RECORD(r, 2, PAD64_F1, "x", "y");
    EXPECT_RECORD(r, 3, "1",
                  "x,\ny\"z\r\nw\rq01234567890123456789012345678901234567890123456789012345678901234567890123456789\"",
                  "end");
    EXPECT_RECORD(r, 7, PAD64_F1, "x", "y");
    EXPECT_RECORD(r, 8, PAD64_F1, "x", "y");
    expect_end(r);
    cxm_rows_free(r);
}

static void test_scan_many_stops_before_a_record_it_does_not_take(void **state) {
    (void)state;
    const char *text = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,1\n" /* 0: 72 bytes */
                       "bbb,\"2\"\n"              /* 72: a quoted field without doubled quotes */
                       "ccc,\"say \"\"hi\"\"\"\n" /* 80: doubled quotes, unescaped into scratch */
                       "c\"c,x\n"                 /* 97: a stray quote: left to cxm_csv_scan */
                       "\n"                       /* 103: an empty line */
                       "ddd,4\n"                  /* 104 */
                       "eee\n"                    /* 110: a short record */
        PAD64                                     /* 114: three fields, too many for width 2 */
                       "fff,6\n";                 /* 178: within 64 bytes of the end */
    size_t n = strlen(text);
    assert_int_equal(n, 184);
    cxm_csv s;
    cxm_csv_init(&s, ',', 2);
    assert_int_equal(cxm_csv_reserve(&s, 2), 0);
    if (s.kernel == CXM_CSV_KERNEL_FIELD) {
        cxm_csv_free(&s);
        skip();
    }
    cxm_field out[8 * 2];
    uint64_t lines[8];
    size_t stops[8], pos = 0;
    assert_int_equal(cxm_csv_scan_many(&s, text, &pos, n, out, 2, 8, lines, stops), 3);
    assert_int_equal(lines[0], 1);
    assert_int_equal(lines[1], 2);
    assert_int_equal(lines[2], 3);
    assert_int_equal(stops[0], 72);
    assert_int_equal(stops[1], 80);
    assert_int_equal(stops[2], 97);
    assert_int_equal(pos, 97);
    assert_int_equal(s.line, 4);
    assert_int_equal(out[2].len, 3);
    assert_ptr_equal(out[3].ptr, text + 77); /* a view into the input */
    assert_int_equal(out[3].len, 1);
    assert_int_equal(out[5].len, 8);
    assert_memory_equal(out[5].ptr, "say \"hi\"", 8);

    assert_int_equal(cxm_csv_scan_many(&s, text, &pos, n, out, 2, 8, lines, stops), 0);
    assert_int_equal(cxm_csv_scan(&s, text, &pos, n, CXM_CSV_WINDOW_EOF), CXM_CSV_RECORD);
    assert_int_equal(s.rec_line, 4);
    assert_int_equal(s.fields[0].len, 3);
    assert_memory_equal(s.fields[0].ptr, "c\"c", 3);
    assert_int_equal(pos, 103);

    /* the empty line is skipped; "eee" is padded with a missing field */
    assert_int_equal(cxm_csv_scan_many(&s, text, &pos, n, out, 2, 8, lines, stops), 2);
    assert_int_equal(lines[0], 6);
    assert_int_equal(lines[1], 7);
    assert_int_equal(stops[1], 114);
    assert_int_equal(out[2].len, 3);
    assert_null(out[3].ptr);
    assert_int_equal(out[3].len, 0);
    assert_int_equal(pos, 114);
    assert_int_equal(s.line, 8);

    /* the record with too many fields is for cxm_csv_scan (rows.c calls it bad) */
    assert_int_equal(cxm_csv_scan_many(&s, text, &pos, n, out, 2, 8, lines, stops), 0);
    assert_int_equal(cxm_csv_scan(&s, text, &pos, n, CXM_CSV_WINDOW_EOF), CXM_CSV_RECORD);
    assert_int_equal(s.nfields, 3);
    assert_int_equal(s.over_line, 8);
    assert_int_equal(pos, 178);
    assert_int_equal(cxm_csv_scan_many(&s, text, &pos, n, out, 2, 8, lines, stops), 0);
    assert_int_equal(pos, 178);
    assert_int_equal(cxm_csv_scan(&s, text, &pos, n, CXM_CSV_WINDOW_EOF), CXM_CSV_RECORD);
    assert_int_equal(s.rec_line, 9);
    assert_int_equal(cxm_csv_scan(&s, text, &pos, n, CXM_CSV_WINDOW_EOF), CXM_CSV_END);
    cxm_csv_free(&s);
}

/* ---- range readers ----------------------------------------------------- */

/* One record as a whole-file reader returns it: line + fields. */
typedef struct rrec {
    uint64_t line;
    char *text;
    size_t len;
} rrec;

static void rrec_put(rrec *x, uint64_t line, const cxm_field *f, size_t nf) {
    kres k;
    memset(&k, 0, sizeof k);
    kfields(&k, f, nf);
    x->line = line;
    x->text = k.text;
    x->len = k.textlen;
}

/* Reads range [start, end) of path, appending its records to *out (lines
 * as the range counts them); returns its bounds. */
static cxm_rows_bounds read_range(const char *path, uint64_t start, uint64_t end, rrec **out, size_t *n, size_t *cap) {
    cxm_rows *r = NULL;
    cxm_diag d;
    if (cxm_rows_open_range(&r, path, ',', start, end, &d) != 0) fail_msg("open_range: %s", d.msg);
    const cxm_field *f;
    size_t nf;
    int rc;
    while ((rc = cxm_rows_next(r, &f, &nf, &d)) == 1) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *out = realloc(*out, *cap * sizeof **out);
        }
        rrec_put(&(*out)[(*n)++], cxm_rows_line(r), f, nf);
    }
    if (rc != 0)
        fail_msg("range [%llu, %llu): rc %d: %s", (unsigned long long)start, (unsigned long long)end, rc, d.msg);
    assert_int_equal(cxm_rows_next(r, &f, &nf, &d), 0); /* stays at its end */
    uint64_t done, total;
    cxm_rows_progress(r, &done, &total);
    assert_true(done <= total);
    cxm_rows_bounds b;
    cxm_rows_range_bounds(r, &b);
    cxm_rows_free(r);
    return b;
}

static void rrec_free(rrec *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(x[i].text);
    free(x);
}

/* A file of ~1.3 MB (past the 1 MiB window, so ranges seek): plain records of 20-400 bytes (so the block kernels
 * run), quoted fields with delimiters and doubled quotes (no line breaks),
 * empty lines, CRLF and LF line ends. */
static char *range_doc(size_t *len) {
    doc d;
    memset(&d, 0, sizeof d);
    d_puts(&d, "id,a,b\n");
    for (unsigned i = 0; d.n < 1300000; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "r%u,", i);
        d_puts(&d, buf);
        size_t k = rndn(5);
        if (k == 0) {
            d_puts(&d, "\"q,\"\"x\"\"\"");
        } else {
            size_t m = rndn(k == 1 ? 400 : 30);
            for (size_t j = 0; j < m; j++)
                d_put(&d, &"abcdefghij"[rndn(10)], 1);
        }
        d_puts(&d, rndn(4) ? ",z" : "");
        d_puts(&d, rndn(10) == 0 ? "\r\n" : rndn(20) == 0 ? "\n\n\n" : "\n");
    }
    *len = d.n;
    return d.p;
}

static void test_ranges_read_every_record_once(void **state) {
    (void)state;
    rng_state = 777;
    size_t len;
    char *text = range_doc(&len);
    char *path = temp_file(text, len);
    rrec *whole = NULL;
    size_t nwhole = 0, capw = 0;
    cxm_rows_bounds all = read_range(path, 0, UINT64_MAX, &whole, &nwhole, &capw);
    assert_int_equal(all.first, 7);
    assert_int_equal(all.stop, len);
    for (int trial = 0; trial < 30; trial++) {
        /* 1-6 cuts, anywhere: in the header, at record starts, mid-record,
         * among empty lines, at and past the end */
        uint64_t cuts[8];
        size_t nc = 1 + rndn(6);
        cuts[0] = 0;
        for (size_t i = 1; i <= nc; i++) {
            size_t k = rndn(10);
            cuts[i] = k == 0 ? rndn(10) : k == 1 ? len + rndn(3) : rndn(len);
            if (k == 2) { /* just after an LF: a record (or empty line) starts there */
                const char *nl = memchr(text + cuts[i], '\n', len - cuts[i]);
                cuts[i] = nl ? (uint64_t)(nl + 1 - text) : len;
            }
        }
        for (size_t i = 1; i <= nc; i++) /* sort */
            for (size_t j = i; j > 1 && cuts[j - 1] > cuts[j]; j--) {
                uint64_t t = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = t;
            }
        cuts[nc + 1] = UINT64_MAX;
        rrec *got = NULL;
        size_t ngot = 0, capg = 0;
        uint64_t shift = 0;
        cxm_rows_bounds prev = {0, 0, 0, 0};
        for (size_t i = 0; i <= nc; i++) {
            size_t from = ngot;
            cxm_rows_bounds b = read_range(path, cuts[i], cuts[i + 1], &got, &ngot, &capg);
            if (i > 0) {
                assert_int_equal(b.first, prev.stop); /* no quoted line breaks: every cut is clean */
                shift = prev.stop_line - b.first_line;
                for (size_t k = from; k < ngot; k++)
                    got[k].line += shift;
                b.stop_line += shift;
            }
            prev = b;
        }
        assert_int_equal(prev.stop, len);
        assert_int_equal(ngot, nwhole);
        for (size_t k = 0; k < ngot; k++) {
            assert_int_equal(got[k].line, whole[k].line);
            assert_int_equal(got[k].len, whole[k].len);
            assert_memory_equal(got[k].text, whole[k].text, got[k].len);
        }
        rrec_free(got, ngot);
    }
    rrec_free(whole, nwhole);
    drop_file(path);
    free(text);
}

static void test_range_cut_inside_a_quoted_line_break_is_detected(void **state) {
    (void)state;
    /*        0         1           2         3
     *        0123 45678901 2345678 90 12345 678 9 */
    const char *text = "a,b\n1,\"x\ny\"\n2,3\n4,5\n";
    size_t len = strlen(text);
    char *path = temp_file(text, len);
    rrec *got = NULL;
    size_t n = 0, cap = 0;
    /* cut at 9, just after the quoted LF: the second range starts mid-record */
    cxm_rows_bounds b1 = read_range(path, 0, 9, &got, &n, &cap);
    assert_int_equal(n, 1);
    assert_int_equal(b1.first, 4);
    assert_int_equal(b1.stop, 12);
    cxm_rows_bounds b2 = read_range(path, 9, UINT64_MAX, &got, &n, &cap);
    assert_int_equal(b2.first, 9); /* "y\"" read as a record: the cut was wrong */
    assert_true(b2.first != b1.stop);
    rrec_free(got, n);
    got = NULL;
    n = cap = 0;
    /* reading on from the first range's stop gives the right records */
    cxm_rows_bounds b3 = read_range(path, b1.stop, UINT64_MAX, &got, &n, &cap);
    assert_int_equal(b3.first, 12);
    assert_int_equal(b3.stop, len);
    assert_int_equal(n, 2);
    assert_int_equal(b3.first_line, 1);
    assert_int_equal(b1.stop_line, 4);
    assert_int_equal(got[0].line + b1.stop_line - b3.first_line, 4);
    assert_int_equal(got[1].line + b1.stop_line - b3.first_line, 5);
    rrec_free(got, n);
    drop_file(path);
}

static void test_range_of_standard_input_is_refused(void **state) {
    (void)state;
    cxm_rows *r = NULL;
    cxm_diag d;
    assert_int_equal(cxm_rows_open_range(&r, "-", ',', 0, 10, &d), CXM_EUSAGE);
    assert_null(r);
}

/* ---- the real data sets ----------------------------------------------- */

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    *len = fread(p, 1, (size_t)n, f);
    fclose(f);
    return p;
}

/* Reads $CXM_DATASETS/rel with cxm_rows (from the file): no bad rows, the
 * record count is `want` (0: don't know) and equals libcsv's. */
static void check_dataset(const char *rel, char delim, size_t want, size_t want_cols) {
    const char *dir = getenv("CXM_DATASETS");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    size_t len;
    char *text = slurp(path, &len);
    if (!text) {
        print_message("skipping %s: not found\n", path);
        return;
    }
    oracle o;
    size_t skip = (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
    assert_int_equal(o_parse(&o, text + skip, len - skip, delim), 0);

    cxm_rows *r = NULL;
    cxm_diag d;
    if (cxm_rows_open(&r, path, CXM_ROWS_CSV, delim, &d) != 0) fail_msg("%s: %s", rel, d.msg);
    const cxm_field *h;
    size_t nh;
    cxm_rows_header(r, &h, &nh);
    assert_int_equal(nh, want_cols);
    const cxm_field *f;
    size_t nf, count = 0, bad = 0;
    int rc;
    while ((rc = cxm_rows_next(r, &f, &nf, &d)) != 0) {
        if (rc == CXM_EPARSE) {
            bad++;
            print_message("%s: %s\n", rel, d.msg);
            continue;
        }
        assert_int_equal(rc, 1);
        if (count + 1 < o.n) compare_fields(f, nf, &o.rows[count + 1], nh, 0, count + 1);
        count++;
    }
    assert_int_equal(bad, 0);
    assert_int_equal(count, o.n - 1);
    if (want) assert_int_equal(count, want);
    print_message("%s: %zu records, %zu columns (libcsv: %zu)\n", rel, count, nh, o.n - 1);
    cxm_rows_free(r);
    o_free(&o);
    free(text);
}

static void test_reads_the_real_data_sets(void **state) {
    (void)state;
    if (!getenv("CXM_DATASETS")) {
        print_message("skipping: CXM_DATASETS is not set\n");
        return;
    }
    check_dataset("support_tickets_kaggle/customer_support_tickets.csv", ',', 8469, 17);
    check_dataset("callcentre_pwc/call_center_dataset.csv", ',', 5000, 10);
    check_dataset("airbnb_sessions/airbnb-session-data.txt", '|', 0, 11);
    check_dataset("web_analytics_ga/google-analytics.csv", ';', 0, 6);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_is_the_first_record),
        cmocka_unit_test(test_lf_line_ends),
        cmocka_unit_test(test_crlf_line_ends),
        cmocka_unit_test(test_lone_cr_is_a_line_end),
        cmocka_unit_test(test_last_record_needs_no_line_end),
        cmocka_unit_test(test_utf8_bom_is_skipped),
        cmocka_unit_test(test_quoted_field_holds_the_delimiter),
        cmocka_unit_test(test_quoted_field_holds_line_ends_and_they_count_as_lines),
        cmocka_unit_test(test_doubled_quotes_are_unescaped),
        cmocka_unit_test(test_fields_without_doubled_quotes_are_views_into_the_input),
        cmocka_unit_test(test_semicolon_delimiter),
        cmocka_unit_test(test_pipe_delimiter),
        cmocka_unit_test(test_tab_delimiter),
        cmocka_unit_test(test_delimiter_must_not_be_quote_cr_or_lf),
        cmocka_unit_test(test_empty_lines_are_skipped),
        cmocka_unit_test(test_empty_field_is_present_with_length_zero),
        cmocka_unit_test(test_short_record_is_padded_with_missing_fields),
        cmocka_unit_test(test_long_record_is_a_bad_row_naming_the_first_extra_field),
        cmocka_unit_test(test_long_record_with_quoted_line_ends_resyncs_after_the_record),
        cmocka_unit_test(test_long_record_whose_extra_field_never_closes),
        cmocka_unit_test(test_text_after_a_closing_quote_is_a_bad_row),
        cmocka_unit_test(test_bad_row_names_the_header_column),
        cmocka_unit_test(test_resync_after_junk_respects_later_quotes),
        cmocka_unit_test(test_unterminated_quote_is_a_bad_row_naming_the_line_it_opened),
        cmocka_unit_test(test_unterminated_quote_on_a_later_line_of_the_record),
        cmocka_unit_test(test_unterminated_quote_on_the_last_line),
        cmocka_unit_test(test_stray_quote_inside_an_unquoted_field_is_literal),
        cmocka_unit_test(test_header_with_a_duplicate_name_is_an_error_naming_it),
        cmocka_unit_test(test_header_with_an_empty_name_is_an_error_naming_the_column),
        cmocka_unit_test(test_bad_header_is_an_error),
        cmocka_unit_test(test_empty_input_is_an_error),
        cmocka_unit_test(test_header_only_input_has_no_records),
        cmocka_unit_test(test_trailing_delimiter_at_end_of_input_is_an_empty_field),
        cmocka_unit_test(test_field_longer_than_the_limit_is_a_bad_row),
        cmocka_unit_test(test_field_longer_than_the_limit_is_a_bad_row_mid_file),
        cmocka_unit_test(test_line_numbers_count_physical_lines),
        cmocka_unit_test(test_guess_format_from_the_file_name),
        cmocka_unit_test(test_free_accepts_null),
        cmocka_unit_test(test_reads_a_file_and_reports_progress),
        cmocka_unit_test(test_missing_file_is_an_io_error),
        cmocka_unit_test(test_dash_reads_standard_input_even_from_a_pipe),
        cmocka_unit_test(test_window_grows_for_a_record_longer_than_it),
        cmocka_unit_test(test_unquoted_record_longer_than_the_limit_is_fatal),
        cmocka_unit_test(test_quote_unclosed_within_the_record_limit_is_a_bad_row),
        cmocka_unit_test(test_agrees_with_libcsv_on_random_documents),
        cmocka_unit_test(test_file_reading_equals_memory_reading_across_window_refills),
        cmocka_unit_test(test_every_kernel_can_be_chosen),
        cmocka_unit_test(test_block_kernel_reads_a_quoted_field_across_blocks),
        cmocka_unit_test(test_scan_many_stops_before_a_record_it_does_not_take),
        cmocka_unit_test(test_block_kernels_agree_with_the_field_scanner),
        cmocka_unit_test(test_ranges_read_every_record_once),
        cmocka_unit_test(test_range_cut_inside_a_quoted_line_break_is_detected),
        cmocka_unit_test(test_range_of_standard_input_is_refused),
        cmocka_unit_test(test_reads_the_real_data_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
