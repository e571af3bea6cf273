/*
 * test_sla.c - SLA files: parsing, errors with line and column, and the
 * most-specific-rule match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/sla.h"

static char path[64];

static void write_file(const char *text) {
    snprintf(path, sizeof path, "/tmp/cxm-test-sla-%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static cxm_sla *load_ok(const char *text) {
    write_file(text);
    cxm_sla *s = NULL;
    cxm_diag d;
    int rc = cxm_sla_load(path, &s, &d);
    if (rc) fprintf(stderr, "%s\n", d.msg);
    assert_int_equal(rc, CXM_OK);
    unlink(path);
    return s;
}

static void load_fails(const char *text, uint64_t line, uint32_t col, const char *fragment) {
    write_file(text);
    cxm_sla *s = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_not_equal(cxm_sla_load(path, &s, &d), CXM_OK);
    assert_null(s);
    assert_int_equal(d.line, line);
    assert_int_equal(d.column, col);
    if (!strstr(d.msg, fragment)) fail_msg("'%s' lacks '%s'", d.msg, fragment);
    unlink(path);
}

static const char *HEAD = "target,priority,channel,time,threshold\n";

static void most_specific_rule_wins(void **state) {
    (void)state;
    char text[512];
    snprintf(text, sizeof text,
             "%sfirst_response,*,*,calendar,8h\nfirst_response,urgent,*,calendar,1h\n"
             "first_response,*,chat,calendar,5m\nfirst_response,urgent,chat,business,2m\n",
             HEAD);
    cxm_sla *s = load_ok(text);
    const cxm_sla_rule *r;
    r = cxm_sla_match(s, SLA_FIRST_RESPONSE, "urgent", 6, "chat", 4);
    assert_int_equal(r->threshold_ms, 120000);
    assert_true(r->business);
    r = cxm_sla_match(s, SLA_FIRST_RESPONSE, "urgent", 6, "email", 5);
    assert_int_equal(r->threshold_ms, 3600000);
    r = cxm_sla_match(s, SLA_FIRST_RESPONSE, "low", 3, "chat", 4); /* exact channel beats * * */
    assert_int_equal(r->threshold_ms, 300000);
    r = cxm_sla_match(s, SLA_FIRST_RESPONSE, NULL, 0, NULL, 0);
    assert_int_equal(r->threshold_ms, 8 * 3600000);
    assert_null(cxm_sla_match(s, SLA_RESOLUTION, "urgent", 6, "chat", 4)); /* no target */
    assert_true(s->has_target[SLA_FIRST_RESPONSE]);
    assert_false(s->has_target[SLA_NEXT_REPLY]);
    cxm_sla_free(s);
}

static void priority_beats_channel(void **state) {
    (void)state;
    char text[256];
    snprintf(text, sizeof text, "%sresolution,high,*,calendar,1d\nresolution,*,email,calendar,2d\n", HEAD);
    cxm_sla *s = load_ok(text);
    assert_int_equal(cxm_sla_match(s, SLA_RESOLUTION, "high", 4, "email", 5)->threshold_ms, 86400000);
    cxm_sla_free(s);
}

static void thresholds_in_every_form(void **state) {
    (void)state;
    char text[256];
    snprintf(text, sizeof text,
             "%snext_reply,a,*,calendar,90\nnext_reply,b,*,calendar,01:30:00\nnext_reply,c,*,calendar,1h30m\n", HEAD);
    cxm_sla *s = load_ok(text);
    assert_int_equal(cxm_sla_match(s, SLA_NEXT_REPLY, "a", 1, NULL, 0)->threshold_ms, 90000);
    assert_int_equal(cxm_sla_match(s, SLA_NEXT_REPLY, "b", 1, NULL, 0)->threshold_ms, 5400000);
    assert_int_equal(cxm_sla_match(s, SLA_NEXT_REPLY, "c", 1, NULL, 0)->threshold_ms, 5400000);
    cxm_sla_free(s);
}

static void errors_name_line_and_column(void **state) {
    (void)state;
    char text[256];
    snprintf(text, sizeof text, "%sfirst_reply,*,*,calendar,1h\n", HEAD);
    load_fails(text, 2, 1, "expected first_response, next_reply or resolution");
    snprintf(text, sizeof text, "%sresolution,*,*,calendar,soon\n", HEAD);
    load_fails(text, 2, 5, "expected a positive duration");
    snprintf(text, sizeof text, "%sresolution,*,*,calendar,0\n", HEAD);
    load_fails(text, 2, 5, "expected a positive duration");
    snprintf(text, sizeof text, "%sresolution,*,*,nightly,1h\n", HEAD);
    load_fails(text, 2, 4, "expected calendar or business");
    snprintf(text, sizeof text, "%sresolution,*,*,calendar,1h\nresolution,*,*,business,2h\n", HEAD);
    load_fails(text, 3, 0, "repeats the target, priority and channel of line 2");
    load_fails("target,priority,time,threshold\n", 1, 0, "'channel' is missing");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(most_specific_rule_wins),
        cmocka_unit_test(priority_beats_channel),
        cmocka_unit_test(thresholds_in_every_form),
        cmocka_unit_test(errors_name_line_and_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
