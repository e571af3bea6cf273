/*
 * test_messages.c - the teammates a ticket's messages name (model/messages.c)
 * and the one_teammate first-contact rule built on them (metrics/preset.c).
 *
 * Each test writes a messages file of a few rows, worked out by hand, to a
 * temporary directory, loads it with cxm_msgset_load and reads the facts of
 * one ticket: teammates (distinct non-empty agent values of public agent
 * messages, -1 without an agent column) and unnamed_replies (public agent
 * messages with an empty agent). The rule is then checked on tickets made
 * from those facts with cxm_ticket_merge, as a report makes them.
 * Sizes: a handful of rows per test; the file runs in milliseconds.
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

#include "core/dict.h"
#include "core/limits.h"
#include "metrics/preset.h"
#include "model/messages.h"
#include "model/ticket.h"

static char dir[64], path[128];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cxm_test_messages_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/messages.csv", dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

/* A loaded messages file: the id dict and the facts. */
typedef struct loaded {
    cxm_dict ids;
    cxm_msgset ms;
} loaded;

static void load(loaded *l, const char *csv, int bots_respond) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(csv, f);
    fclose(f);
    cxm_dict_init(&l->ids, CXM_MAX_DICT_VALUES);
    cxm_msg_opts o;
    memset(&o, 0, sizeof o);
    o.path = path;
    o.bots_respond = bots_respond;
    o.strict = 1;
    cxm_diag d;
    int rc = cxm_msgset_load(&o, &l->ids, &l->ms, &d);
    if (rc) fprintf(stderr, "load: %s\n", d.msg);
    assert_int_equal(rc, CXM_OK);
}

static void unload(loaded *l) {
    cxm_msgset_free(&l->ms);
    cxm_dict_free(&l->ids);
}

static const cxm_msg_facts *facts(const loaded *l, const char *id) {
    uint32_t code;
    assert_true(cxm_dict_find(&l->ids, id, strlen(id), &code));
    assert_true(code < l->ms.nfacts);
    return &l->ms.facts[code];
}

#define HDR "ticket_id,at,author,public,status,agent\n"

/* ---- the teammates of a ticket --------------------------------------------- */

static void distinct_agents_of_public_replies_are_counted_once(void **state) {
    (void)state;
    loaded l;
    load(&l,
         HDR "T1,2024-05-06T09:00:00Z,customer,true,new,\n"
             "T1,2024-05-06T09:10:00Z,agent,true,,ann\n"
             "T1,2024-05-06T09:20:00Z,agent,true,,ann\n"
             "T1,2024-05-06T09:30:00Z,agent,true,,ben\n"
             "T1,2024-05-06T09:40:00Z,agent,true,solved,ann\n"
             "T2,2024-05-06T10:00:00Z,customer,true,new,\n"
             "T2,2024-05-06T10:10:00Z,agent,true,solved,ann\n",
         0);
    assert_true(l.ms.has_agent);
    assert_int_equal(facts(&l, "T1")->teammates, 2); /* ann, ben */
    assert_int_equal(facts(&l, "T1")->agent_replies, 4);
    assert_int_equal(facts(&l, "T1")->unnamed_replies, 0);
    /* the same agent on another ticket counts there again */
    assert_int_equal(facts(&l, "T2")->teammates, 1);
    unload(&l);
}

static void rows_out_of_order_and_interleaved_count_the_same(void **state) {
    (void)state;
    loaded l;
    load(&l,
         HDR "T2,2024-05-06T10:10:00Z,agent,true,solved,cal\n"
             "T1,2024-05-06T09:40:00Z,agent,true,solved,ann\n"
             "T2,2024-05-06T10:00:00Z,customer,true,new,\n"
             "T1,2024-05-06T09:00:00Z,customer,true,new,\n"
             "T1,2024-05-06T09:10:00Z,agent,true,,ann\n",
         0);
    assert_int_equal(facts(&l, "T1")->teammates, 1);
    assert_int_equal(facts(&l, "T2")->teammates, 1);
    unload(&l);
}

static void bots_and_system_events_never_count_whatever_their_agent(void **state) {
    (void)state;
    loaded l;
    /* bots_respond: the bot's reply is a response, still not a teammate */
    load(&l,
         HDR "T1,2024-05-06T09:00:00Z,customer,true,new,\n"
             "T1,2024-05-06T09:00:05Z,bot,true,,fin\n"
             "T1,2024-05-06T09:10:00Z,agent,true,,ann\n"
             "T1,2024-05-06T12:00:00Z,system,false,solved,zed\n"
             "T1,2024-05-06T12:00:01Z,system,true,,zed\n",
         1);
    assert_int_equal(facts(&l, "T1")->agent_replies, 2); /* the bot's and ann's */
    assert_int_equal(facts(&l, "T1")->teammates, 1);
    assert_int_equal(facts(&l, "T1")->unnamed_replies, 0);
    unload(&l);
}

static void private_notes_never_count(void **state) {
    (void)state;
    loaded l;
    load(&l,
         HDR "T1,2024-05-06T09:00:00Z,customer,true,new,\n"
             "T1,2024-05-06T09:05:00Z,agent,false,,ben\n"
             "T1,2024-05-06T09:06:00Z,agent,false,,\n"
             "T1,2024-05-06T09:10:00Z,agent,true,,ann\n"
             "T1,2024-05-06T09:20:00Z,agent,no,solved,cal\n",
         0);
    assert_int_equal(facts(&l, "T1")->teammates, 1);
    assert_int_equal(facts(&l, "T1")->unnamed_replies, 0);
    unload(&l);
}

static void an_empty_agent_on_a_public_reply_is_an_unnamed_reply(void **state) {
    (void)state;
    loaded l;
    load(&l,
         HDR "T1,2024-05-06T09:00:00Z,customer,true,new,\n"
             "T1,2024-05-06T09:10:00Z,agent,true,,\n"
             "T1,2024-05-06T09:20:00Z,agent,true,,ann\n"
             "T1,2024-05-06T09:30:00Z,agent,true,solved,\n",
         0);
    assert_int_equal(facts(&l, "T1")->teammates, 1);
    assert_int_equal(facts(&l, "T1")->unnamed_replies, 2);
    unload(&l);
}

static void agent_values_are_compared_byte_for_byte(void **state) {
    (void)state;
    loaded l;
    load(&l,
         HDR "T1,2024-05-06T09:10:00Z,agent,true,,Ann\n"
             "T1,2024-05-06T09:20:00Z,agent,true,,ann\n"
             "T1,2024-05-06T09:30:00Z,agent,true,solved,\"ann \"\n",
         0);
    assert_int_equal(facts(&l, "T1")->teammates, 3);
    unload(&l);
}

static void without_an_agent_column_teammates_are_unknown(void **state) {
    (void)state;
    loaded l;
    load(&l,
         "ticket_id,at,author,public,status\n"
         "T1,2024-05-06T09:00:00Z,customer,true,new\n"
         "T1,2024-05-06T09:10:00Z,agent,true,solved\n",
         0);
    assert_false(l.ms.has_agent);
    assert_int_equal(facts(&l, "T1")->teammates, -1);
    assert_int_equal(facts(&l, "T1")->agent_replies, 1);
    assert_int_equal(cxm_msg_one_teammate(facts(&l, "T1")), -1);
    unload(&l);
}

static void a_renamed_column_feeds_agent(void **state) {
    (void)state;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("ticket_id,at,author,status,admin_id\n"
          "T1,2024-05-06T09:10:00Z,agent,,7\n"
          "T1,2024-05-06T09:20:00Z,agent,solved,8\n",
          f);
    fclose(f);
    loaded l;
    cxm_dict_init(&l.ids, CXM_MAX_DICT_VALUES);
    const char *map[] = {"messages.agent=admin_id"};
    cxm_msg_opts o;
    memset(&o, 0, sizeof o);
    o.path = path;
    o.map = map;
    o.nmap = 1;
    cxm_diag d;
    assert_int_equal(cxm_msgset_load(&o, &l.ids, &l.ms, &d), CXM_OK);
    assert_true(l.ms.has_agent);
    assert_int_equal(facts(&l, "T1")->teammates, 2);
    unload(&l);
}

/* ---- exactly one teammate, from the facts ------------------------------------- */

static cxm_msg_facts made(int32_t named, int32_t unnamed) {
    cxm_msg_facts f;
    memset(&f, 0, sizeof f);
    f.present = 1;
    f.teammates = named;
    f.unnamed_replies = unnamed;
    return f;
}

static void unnamed_replies_decide_only_where_they_cannot_change_the_answer(void **state) {
    (void)state;
    struct {
        int32_t named, unnamed;
        int want;
    } cases[] = {
        {1, 0, 1},  {0, 1, 1},  /* one teammate: named, or the single reply's unnamed author */
        {0, 0, 0},  {2, 0, 0},  /* nobody replied; two teammates */
        {2, 3, 0},  {5, 1, 0},  /* two named already: the unnamed ones cannot undo it */
        {1, 1, -1}, {1, 4, -1}, /* the unnamed reply may be the named one's or another's */
        {0, 2, -1}, {0, 9, -1}, /* two unnamed replies: one teammate or two */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cxm_msg_facts f = made(cases[i].named, cases[i].unnamed);
        assert_int_equal(cxm_msg_one_teammate(&f), cases[i].want);
    }
    cxm_msg_facts none = made(-1, 0); /* no agent column */
    assert_int_equal(cxm_msg_one_teammate(&none), -1);
    assert_int_equal(cxm_msg_one_teammate(NULL), -1);
    cxm_msg_facts absent = made(1, 0);
    absent.present = 0;
    assert_int_equal(cxm_msg_one_teammate(&absent), -1);
}

/* ---- the rule on a ticket: closed once and one teammate ---------------------------- */

static cxm_ticket ticket_with(const cxm_msg_facts *f, int32_t reopens) {
    cxm_ticket t;
    memset(&t, 0, sizeof t);
    t.reopens = reopens;
    t.facts = f;
    return t;
}

static void the_rule_needs_one_teammate_and_no_reopen(void **state) {
    (void)state;
    cxm_msg_facts one = made(1, 0), two = made(2, 0), open_question = made(1, 1), unknown = made(-1, 0);
    cxm_ticket t = ticket_with(&one, 0);
    assert_int_equal(cxm_fcr_one_teammate(&t), 1);
    t = ticket_with(&one, 1); /* closed twice */
    assert_int_equal(cxm_fcr_one_teammate(&t), 0);
    t = ticket_with(&two, 0);
    assert_int_equal(cxm_fcr_one_teammate(&t), 0);
    t = ticket_with(&open_question, 2); /* the reopen decides, whoever replied */
    assert_int_equal(cxm_fcr_one_teammate(&t), 0);
    t = ticket_with(&open_question, 0);
    assert_int_equal(cxm_fcr_one_teammate(&t), -1);
    t = ticket_with(&one, -1); /* reopens unknown */
    assert_int_equal(cxm_fcr_one_teammate(&t), -1);
    /* no messages, or no agent column: no value at all, even when reopened
     * (a report without the column must not show 0%) */
    t = ticket_with(NULL, 3);
    assert_int_equal(cxm_fcr_one_teammate(&t), -1);
    t = ticket_with(&unknown, 3);
    assert_int_equal(cxm_fcr_one_teammate(&t), -1);
}

static void a_merged_ticket_carries_its_facts(void **state) {
    (void)state;
    loaded l;
    load(&l,
         HDR "T1,2024-05-06T09:00:00Z,customer,true,new,\n"
             "T1,2024-05-06T09:10:00Z,agent,true,pending,ann\n"
             "T1,2024-05-06T10:00:00Z,customer,true,open,\n"
             "T1,2024-05-06T10:10:00Z,agent,true,solved,ann\n",
         0);
    cxm_ticket t;
    memset(&t, 0, sizeof t);
    t.created = facts(&l, "T1")->first_customer;
    t.first_response = t.first_resolved = t.resolved = t.closed = t.answered = CXM_TIME_NULL;
    t.reopens = t.agent_replies = t.customer_replies = -1;
    cxm_parse_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.file = path;
    cxm_diag d;
    assert_int_equal(cxm_ticket_merge(&t, facts(&l, "T1"), l.ms.replies, &pc, 2, &d), CXM_OK);
    assert_ptr_equal(t.facts, facts(&l, "T1"));
    assert_int_equal(t.reopens, 0);
    assert_int_equal(t.agent_replies, 2); /* two replies, one teammate: Intercom's first contact */
    assert_int_equal(cxm_fcr_one_teammate(&t), 1);
    unload(&l);
}

/* ---- the rule's names and texts ------------------------------------------------- */

static void the_intercom_preset_uses_one_teammate(void **state) {
    (void)state;
    cxm_defs d;
    assert_int_equal(cxm_defs_preset("intercom", &d), CXM_OK);
    assert_int_equal(d.fcr_rule, FCR_ONE_TEAMMATE);
    assert_int_equal(cxm_defs_preset("cxm", &d), CXM_OK);
    assert_int_equal(d.fcr_rule, FCR_ONE_TOUCH);
    const char *why = NULL;
    assert_int_equal(cxm_fcr_one_teammate_supported(1, 1, &why), 1);
    assert_int_equal(cxm_fcr_one_teammate_supported(1, 0, &why), 0);
    assert_non_null(strstr(why, "agent column"));
    assert_int_equal(cxm_fcr_one_teammate_supported(0, 0, &why), 0);
    assert_non_null(strstr(why, "--messages"));
    assert_non_null(strstr(cxm_fcr_unknown_why(FCR_ONE_TEAMMATE), "teammates"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(distinct_agents_of_public_replies_are_counted_once, setup, teardown),
        cmocka_unit_test_setup_teardown(rows_out_of_order_and_interleaved_count_the_same, setup, teardown),
        cmocka_unit_test_setup_teardown(bots_and_system_events_never_count_whatever_their_agent, setup, teardown),
        cmocka_unit_test_setup_teardown(private_notes_never_count, setup, teardown),
        cmocka_unit_test_setup_teardown(an_empty_agent_on_a_public_reply_is_an_unnamed_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(agent_values_are_compared_byte_for_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(without_an_agent_column_teammates_are_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(a_renamed_column_feeds_agent, setup, teardown),
        cmocka_unit_test(unnamed_replies_decide_only_where_they_cannot_change_the_answer),
        cmocka_unit_test(the_rule_needs_one_teammate_and_no_reopen),
        cmocka_unit_test_setup_teardown(a_merged_ticket_carries_its_facts, setup, teardown),
        cmocka_unit_test(the_intercom_preset_uses_one_teammate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
