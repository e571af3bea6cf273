/*
 * test_err.c - the messages of a failure (src/core/err.c): cxm_diag_format
 * puts file, line, column and column name before the message, leaving out
 * what is absent; cxm_diag_explain falls back to the code's text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cxm.h"

static void format_names_file_line_column_and_column_name(void **state) {
    (void)state;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    snprintf(d.file, sizeof d.file, "tickets.csv");
    d.line = 12;
    d.column = 3;
    snprintf(d.column_name, sizeof d.column_name, "created_at");
    snprintf(d.msg, sizeof d.msg, "expected a timestamp");
    char buf[256];
    cxm_diag_format(&d, buf, sizeof buf);
    assert_string_equal(buf, "tickets.csv:12:3: column 'created_at': expected a timestamp");
    d.column = 0;
    d.column_name[0] = 0;
    cxm_diag_format(&d, buf, sizeof buf);
    assert_string_equal(buf, "tickets.csv:12: expected a timestamp");
    char small[8];
    cxm_diag_format(&d, small, sizeof small); /* cut, still a string */
    assert_string_equal(small, "tickets");
}

static void explain_uses_the_message_else_the_code(void **state) {
    (void)state;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    char buf[256];
    cxm_diag_explain(&d, CXM_ENOMEM, buf, sizeof buf);
    assert_string_equal(buf, cxm_strerror(CXM_ENOMEM));
    cxm_diag_explain(NULL, CXM_EIO, buf, sizeof buf);
    assert_string_equal(buf, cxm_strerror(CXM_EIO));
    snprintf(d.msg, sizeof d.msg, "the store is locked");
    cxm_diag_explain(&d, CXM_EIO, buf, sizeof buf);
    assert_string_equal(buf, "the store is locked");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_names_file_line_column_and_column_name),
        cmocka_unit_test(explain_uses_the_message_else_the_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
