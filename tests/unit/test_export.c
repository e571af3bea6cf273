/*
 * test_export.c - the per-ticket export (cxm tickets, GET /v1/tickets;
 * metrics/export.c): its columns, in order, and the who-replied fields a
 * drill-down from an fcr number needs: teammates (distinct named teammates
 * with a public reply) and unnamed_replies (public agent replies with an
 * empty agent), unknown (empty in CSV, null in JSON) when the ticket has no
 * messages or the messages have no agent column.
 *
 * Each test writes a tickets file and a messages file of a few rows, worked
 * out by hand, exports them with the intercom preset (fcr rule
 * one_teammate) and reads the fields by column name from the output.
 * Sizes: a handful of rows; the file runs in milliseconds.
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

#include "cxm.h"

static char dir[64], tickets[128], messages[128];
static char out[16384];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cxm_test_export_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(tickets, sizeof tickets, "%s/tickets.csv", dir);
    snprintf(messages, sizeof messages, "%s/messages.csv", dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    unlink(tickets);
    unlink(messages);
    rmdir(dir);
    return 0;
}

static void write_file(const char *p, const char *text) {
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Exports tickets (and messages when msgs is not NULL) into out. */
static void export(const char *msgs, cxm_format format) {
    write_file(tickets, "ticket_id,created_at,channel\n"
                        "E1,2024-06-03T09:00:00Z,email\n"
                        "E2,2024-06-03T10:00:00Z,email\n"
                        "E3,2024-06-03T11:00:00Z,chat\n"
                        "E4,2024-06-03T12:00:00Z,chat\n"
                        "E5,2024-06-03T13:00:00Z,web\n");
    if (msgs) write_file(messages, msgs);
    cxm_report_opts o;
    memset(&o, 0, sizeof o);
    o.tickets = tickets;
    o.messages = msgs ? messages : NULL;
    o.preset = "intercom";
    FILE *f = tmpfile();
    assert_non_null(f);
    cxm_diag d;
    uint64_t bad = 99;
    assert_int_equal(cxm_tickets_export(&o, format, f, &bad, &d), CXM_OK);
    assert_int_equal(bad, 0);
    rewind(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    fclose(f);
}

/* The value of column col on the CSV row of ticket id ("" when empty). The
 * values tested here never hold commas or quotes. */
static const char *csv_value(const char *id, const char *col) {
    static char v[64];
    const char *hdr_end = strchr(out, '\n');
    assert_non_null(hdr_end);
    int k = 0, want = -1;
    for (const char *p = out; p < hdr_end; k++) {
        const char *e = memchr(p, ',', (size_t)(hdr_end - p));
        if (!e) e = hdr_end;
        if ((size_t)(e - p) == strlen(col) && !memcmp(p, col, strlen(col))) want = k;
        p = e + 1;
    }
    if (want < 0) fail_msg("no column %s in the header", col);
    char key[16];
    snprintf(key, sizeof key, "\n%s,", id);
    const char *row = strstr(out, key);
    if (!row) fail_msg("no row for %s", id);
    row++;
    for (k = 0; k < want; k++) row = strchr(row, ',') + 1;
    size_t len = strcspn(row, ",\n");
    assert_true(len < sizeof v);
    memcpy(v, row, len);
    v[len] = 0;
    return v;
}

/* Messages with an agent column, worked by hand per ticket:
 *   E1 ann answers twice, solved          teammates 1, unnamed 0, fcr true
 *   E2 ann then ben answer, solved        teammates 2, unnamed 0, fcr false
 *   E3 ann and an unnamed reply, solved   teammates 1, unnamed 1, fcr unknown
 *      (the unnamed one may or may not be ann)
 *   E4 ben's private note, a bot reply naming ann (bots never count), one
 *      unnamed public agent reply, solved: teammates 0, unnamed 1, fcr true
 *      (a single unnamed reply is one teammate)
 *   E5 no messages                        unknown, unknown, fcr unknown */
static const char MSGS[] = "ticket_id,at,author,public,status,agent\n"
                           "E1,2024-06-03T09:00:00Z,customer,true,new,\n"
                           "E1,2024-06-03T09:10:00Z,agent,true,pending,ann\n"
                           "E1,2024-06-03T09:20:00Z,customer,true,open,\n"
                           "E1,2024-06-03T09:30:00Z,agent,true,solved,ann\n"
                           "E2,2024-06-03T10:00:00Z,customer,true,new,\n"
                           "E2,2024-06-03T10:10:00Z,agent,true,pending,ann\n"
                           "E2,2024-06-03T10:40:00Z,agent,true,solved,ben\n"
                           "E3,2024-06-03T11:00:00Z,customer,true,new,\n"
                           "E3,2024-06-03T11:10:00Z,agent,true,pending,ann\n"
                           "E3,2024-06-03T11:20:00Z,agent,true,solved,\n"
                           "E4,2024-06-03T12:00:00Z,customer,true,new,\n"
                           "E4,2024-06-03T12:05:00Z,agent,false,,ben\n"
                           "E4,2024-06-03T12:06:00Z,bot,true,,ann\n"
                           "E4,2024-06-03T12:10:00Z,agent,true,solved,\n";

static void the_columns_are_pinned_in_order(void **state) {
    (void)state;
    export(MSGS, CXM_FORMAT_CSV);
    const char *want = "ticket_id,created_at,first_response_at,first_resolved_at,resolved_at,closed_at,answered_at,"
                       "channel,agent,team,priority,status,reopens,agent_replies,customer_replies,replies,teammates,"
                       "unnamed_replies,frt_seconds,frt_business_seconds,first_resolution_seconds,"
                       "first_resolution_business_seconds,resolution_seconds,resolution_business_seconds,asa_seconds,"
                       "handle_seconds,abandoned,complaint,fcr,sla_first_response,sla_first_response_due,"
                       "sla_resolution,sla_resolution_due,sla_next_reply_met,sla_next_reply_breached\n";
    assert_memory_equal(out, want, strlen(want));
}

static void teammates_count_distinct_named_public_agent_replies(void **state) {
    (void)state;
    export(MSGS, CXM_FORMAT_CSV);
    assert_string_equal(csv_value("E1", "teammates"), "1");
    assert_string_equal(csv_value("E1", "agent_replies"), "2");
    assert_string_equal(csv_value("E2", "teammates"), "2");
    assert_string_equal(csv_value("E2", "unnamed_replies"), "0");
}

static void unnamed_replies_explain_an_undetermined_fcr(void **state) {
    (void)state;
    export(MSGS, CXM_FORMAT_CSV);
    assert_string_equal(csv_value("E3", "teammates"), "1");
    assert_string_equal(csv_value("E3", "unnamed_replies"), "1");
    assert_string_equal(csv_value("E3", "fcr"), "");
}

static void notes_and_bots_are_not_teammates(void **state) {
    (void)state;
    export(MSGS, CXM_FORMAT_CSV);
    assert_string_equal(csv_value("E4", "teammates"), "0");
    assert_string_equal(csv_value("E4", "unnamed_replies"), "1");
    assert_string_equal(csv_value("E4", "fcr"), "true");
}

static void the_fcr_column_follows_the_teammates(void **state) {
    (void)state;
    export(MSGS, CXM_FORMAT_CSV);
    assert_string_equal(csv_value("E1", "fcr"), "true");
    assert_string_equal(csv_value("E2", "fcr"), "false");
}

static void a_ticket_without_messages_has_unknown_teammates(void **state) {
    (void)state;
    export(MSGS, CXM_FORMAT_CSV);
    assert_string_equal(csv_value("E5", "teammates"), "");
    assert_string_equal(csv_value("E5", "unnamed_replies"), "");
    export(MSGS, CXM_FORMAT_JSON);
    assert_non_null(strstr(out, "{\"ticket_id\":\"E5\","));
    assert_non_null(strstr(strstr(out, "\"E5\""), "\"replies\":null,\"teammates\":null,\"unnamed_replies\":null,"));
}

static void json_rows_carry_the_counts_after_replies(void **state) {
    (void)state;
    export(MSGS, CXM_FORMAT_JSON);
    /* E2: 2 agent replies, 1 customer message, 1 answered turn */
    assert_non_null(strstr(out, "\"agent_replies\":2,\"customer_replies\":1,\"replies\":1,\"teammates\":2,"
                                "\"unnamed_replies\":0,"));
}

static void messages_without_an_agent_column_leave_teammates_unknown(void **state) {
    (void)state;
    /* E1's messages as above minus the column: replies are known, who wrote
     * them is not (not zero teammates) */
    export("ticket_id,at,author,public,status\n"
           "E1,2024-06-03T09:00:00Z,customer,true,new\n"
           "E1,2024-06-03T09:10:00Z,agent,true,solved\n",
           CXM_FORMAT_JSON);
    const char *e1 = strstr(out, "{\"ticket_id\":\"E1\",");
    assert_non_null(e1);
    assert_non_null(strstr(e1, "\"agent_replies\":1,\"customer_replies\":1,\"replies\":1,\"teammates\":null,"
                               "\"unnamed_replies\":null,"));
    assert_non_null(strstr(e1, "\"fcr\":null,"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(the_columns_are_pinned_in_order),
        T(teammates_count_distinct_named_public_agent_replies),
        T(unnamed_replies_explain_an_undetermined_fcr),
        T(notes_and_bots_are_not_teammates),
        T(the_fcr_column_follows_the_teammates),
        T(a_ticket_without_messages_has_unknown_teammates),
        T(json_rows_carry_the_counts_after_replies),
        T(messages_without_an_agent_column_leave_teammates_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
