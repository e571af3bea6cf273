/*
 * test_sample.c - the synthetic data generator (src/model/sample.c).
 *
 * Writes 2,000 tickets (seed 42, or $CXM_TEST_SEED; with messages) into a temporary directory
 * once, parses both files with libcsv (the oracle; strict RFC 4180) and
 * timestamps with timegm (an independent oracle for the calendar), then
 * checks the promises of cxm_sample_write one behaviour per test: the
 * header, one row per ticket, unique ids, RFC 3339 instants inside the
 * range, the ordering of instants, abandoned calls, statuses agreeing with
 * instants, messages agreeing with tickets, tickets in the DST-change hours
 * and on 29 February, determinism, the progress callback and the errors.
 * Survey answers: the fixture also asks for 350 answers about those tickets
 * (with comments and unanswered rows), checked against tickets.csv; 60,000
 * standalone answers (--tickets 0) check the survey mix, the score
 * distributions against the documented shares, the seasonal drift of NPS
 * and the comment languages.
 * Sizes: ~0.4 MB of tickets, ~0.6 MB of messages, ~3.5 MB of standalone
 * answers; runs in about a second (under valgrind, in under a minute).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cxm.h"

#define N_TICKETS  2000
#define MAX_FIELDS 32
#define START_DAY  19723 /* 2024-01-01 */
#define DAYS       366   /* through 2024-12-31: covers 02-29, 03-31, 10-27 */

enum {
    C_ID,
    C_CREATED,
    C_FIRST_RESPONSE,
    C_FIRST_RESOLVED,
    C_RESOLVED,
    C_CLOSED,
    C_ANSWERED,
    C_CHANNEL,
    C_AGENT,
    C_TEAM,
    C_PRIORITY,
    C_STATUS,
    C_CUSTOMER,
    C_REOPENS,
    C_AGENT_REPLIES,
    C_CUSTOMER_REPLIES,
    C_HANDLE,
    C_ABANDONED,
    C_COMPLAINT,
    C_TAGS,
    C_NCOLS
};
static const char *const COLUMNS[C_NCOLS] = {"ticket_id",      "created_at", "first_response_at", "first_resolved_at",
                                             "resolved_at",    "closed_at",  "answered_at",       "channel",
                                             "agent",          "team",       "priority",          "status",
                                             "customer_id",    "reopens",    "agent_replies",     "customer_replies",
                                             "handle_seconds", "abandoned",  "complaint",         "tags"};
enum { M_ID, M_AT, M_AUTHOR, M_PUBLIC, M_STATUS, M_AGENT, M_NCOLS };
enum { R_ID, R_AT, R_SURVEY, R_SCORE, R_TICKET, R_CHANNEL, R_AGENT, R_COMMENT, R_NCOLS };
static const char *const R_COLUMNS[R_NCOLS] = {"response_id", "at",      "survey", "score",
                                               "ticket_id",   "channel", "agent",  "comment"};
#define N_RESPONSES  350   /* about the 2,000 tickets: ~20% of the resolved ones */
#define N_STANDALONE 60000 /* --tickets 0: enough for shares within a few points */

/* ---- a CSV file parsed by libcsv --------------------------------------- */

typedef struct row {
    int n;
    char *f[MAX_FIELDS];
} row;

typedef struct table {
    row *rows; /* rows[0] is the header */
    size_t n, cap;
    row cur;
} table;

static void on_field(void *s, size_t len, void *data) {
    table *t = data;
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, s ? s : "", len);
    copy[len] = 0;
    if (t->cur.n < MAX_FIELDS)
        t->cur.f[t->cur.n++] = copy;
    else
        free(copy);
}

static void on_record(int c, void *data) {
    (void)c;
    table *t = data;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->rows = realloc(t->rows, t->cap * sizeof *t->rows);
        assert_non_null(t->rows);
    }
    t->rows[t->n++] = t->cur;
    memset(&t->cur, 0, sizeof t->cur);
}

static void table_free(table *t) {
    for (size_t i = 0; i < t->n; i++)
        for (int j = 0; j < t->rows[i].n; j++)
            free(t->rows[i].f[j]);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = 0;
    *len = got;
    return buf;
}

static void parse_csv(const char *path, table *t) {
    size_t len = 0;
    char *buf = slurp(path, &len);
    assert_non_null(buf);
    struct csv_parser p;
    assert_int_equal(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL), 0);
    memset(t, 0, sizeof *t);
    assert_int_equal(csv_parse(&p, buf, len, on_field, on_record, t), len);
    assert_int_equal(csv_fini(&p, on_field, on_record, t), 0);
    csv_free(&p);
    free(buf);
}

/* ---- fixtures ---------------------------------------------------------- */

static char g_dir[64], g_solo_dir[64];
static uint64_t g_seed = 42; /* CXM_TEST_SEED overrides: to sweep seeds by hand */
static table g_tickets, g_messages, g_responses, g_solo;

static void path_in(char *out, size_t cap, const char *dir, const char *name) {
    snprintf(out, cap, "%s/%s", dir, name);
}

static void remove_dir(const char *dir) {
    char p[256];
    path_in(p, sizeof p, dir, "tickets.csv");
    remove(p);
    path_in(p, sizeof p, dir, "messages.csv");
    remove(p);
    path_in(p, sizeof p, dir, "responses.csv");
    remove(p);
    rmdir(dir);
}

/* responses > 0 also asks for answers, with comments and unanswered rows
 * when flags has ANSWER_COMMENTS / ANSWER_UNANSWERED. */
enum { ANSWER_COMMENTS = 1, ANSWER_UNANSWERED = 2 };
static int write_sample_answers(const char *dir, uint64_t n, uint64_t seed, int messages, uint64_t responses, int flags,
                                cxm_diag *d) {
    cxm_sample_opts o;
    cxm_sample_defaults(&o);
    o.dir = dir;
    o.tickets = n;
    o.seed = seed;
    o.messages = messages;
    o.start_day = START_DAY;
    o.days = DAYS;
    o.responses = responses;
    o.comments = (flags & ANSWER_COMMENTS) != 0;
    o.unanswered = (flags & ANSWER_UNANSWERED) != 0;
    memset(d, 0, sizeof *d);
    return cxm_sample_write(&o, d);
}

static int write_sample(const char *dir, uint64_t n, uint64_t seed, int messages) {
    cxm_diag d;
    return write_sample_answers(dir, n, seed, messages, 0, 0, &d);
}

static int group_setup(void **state) {
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/cxm_test_sample_XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    const char *env = getenv("CXM_TEST_SEED");
    if (env && env[0]) g_seed = strtoull(env, NULL, 10);
    cxm_diag d;
    if (write_sample_answers(g_dir, N_TICKETS, g_seed, 1, N_RESPONSES, ANSWER_COMMENTS | ANSWER_UNANSWERED, &d))
        return -1;
    char p[256];
    path_in(p, sizeof p, g_dir, "tickets.csv");
    parse_csv(p, &g_tickets);
    path_in(p, sizeof p, g_dir, "messages.csv");
    parse_csv(p, &g_messages);
    path_in(p, sizeof p, g_dir, "responses.csv");
    parse_csv(p, &g_responses);
    snprintf(g_solo_dir, sizeof g_solo_dir, "/tmp/cxm_test_sample_XXXXXX");
    if (!mkdtemp(g_solo_dir)) return -1;
    if (write_sample_answers(g_solo_dir, 0, g_seed, 1, N_STANDALONE, ANSWER_COMMENTS, &d)) return -1;
    path_in(p, sizeof p, g_solo_dir, "responses.csv");
    parse_csv(p, &g_solo);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    table_free(&g_tickets);
    table_free(&g_messages);
    table_free(&g_responses);
    table_free(&g_solo);
    remove_dir(g_dir);
    remove_dir(g_solo_dir);
    return 0;
}

/* ---- helpers ----------------------------------------------------------- */

#define T_NULL INT64_MIN

/* Strict YYYY-MM-DDTHH:MM:SSZ -> Unix seconds via timegm; "" -> T_NULL;
 * anything else fails the test. */
static int64_t instant(const char *s) {
    if (!s[0]) return T_NULL;
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    assert_int_equal(strlen(s), 20);
    for (int i = 0; i < 20; i++) {
        if (shape[i] == 'd')
            assert_true(s[i] >= '0' && s[i] <= '9');
        else
            assert_int_equal(s[i], shape[i]);
    }
#define NUM(a, b) (int)strtol((char[]){s[a], s[a + 1], 0}, NULL, 10)
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = NUM(0, 1) * 100 + NUM(2, 3) - 1900;
    tm.tm_mon = NUM(5, 6) - 1;
    tm.tm_mday = NUM(8, 9);
    tm.tm_hour = NUM(11, 12);
    tm.tm_min = NUM(14, 15);
    tm.tm_sec = NUM(17, 18);
    int mon = tm.tm_mon, mday = tm.tm_mday;
    time_t t = timegm(&tm);
    /* timegm normalises out-of-range fields: a real date comes back unchanged */
    assert_int_equal(tm.tm_mon, mon);
    assert_int_equal(tm.tm_mday, mday);
    assert_true(tm.tm_hour < 24 && tm.tm_min < 60 && tm.tm_sec < 60);
#undef NUM
    return (int64_t)t;
}

static long ticket_number(const char *id) {
    assert_int_equal(id[0], 'T');
    char *end = NULL;
    long v = strtol(id + 1, &end, 10);
    assert_int_equal(*end, 0);
    return v;
}

static int is_true(const char *s) {
    if (strcmp(s, "true") == 0) return 1;
    assert_string_equal(s, "false");
    return 0;
}

static long count(const char *s) {
    char *end = NULL;
    assert_true(s[0] >= '0' && s[0] <= '9');
    long v = strtol(s, &end, 10);
    assert_int_equal(*end, 0);
    return v;
}

static const row *ticket(size_t i) {
    return &g_tickets.rows[i + 1];
}

/* ---- tickets.csv ------------------------------------------------------- */

static void test_header_lists_the_canonical_columns_in_order(void **state) {
    (void)state;
    const row *h = &g_tickets.rows[0];
    assert_int_equal(h->n, C_NCOLS);
    for (int i = 0; i < C_NCOLS; i++)
        assert_string_equal(h->f[i], COLUMNS[i]);
    const row *mh = &g_messages.rows[0];
    assert_int_equal(mh->n, M_NCOLS);
    assert_string_equal(mh->f[M_ID], "ticket_id");
    assert_string_equal(mh->f[M_AT], "at");
    assert_string_equal(mh->f[M_AUTHOR], "author");
    assert_string_equal(mh->f[M_PUBLIC], "public");
    assert_string_equal(mh->f[M_STATUS], "status");
    assert_string_equal(mh->f[M_AGENT], "agent");
}

static void test_one_row_per_ticket_with_every_field(void **state) {
    (void)state;
    assert_int_equal(g_tickets.n, N_TICKETS + 1);
    for (size_t i = 0; i < N_TICKETS; i++)
        assert_int_equal(ticket(i)->n, C_NCOLS);
    for (size_t i = 1; i < g_messages.n; i++)
        assert_int_equal(g_messages.rows[i].n, M_NCOLS);
}

static void test_ticket_ids_are_unique_padded_and_ascending(void **state) {
    (void)state;
    for (size_t i = 0; i < N_TICKETS; i++) {
        const char *id = ticket(i)->f[C_ID];
        assert_int_equal(strlen(id), 7); /* T + 6 digits for 2,000 tickets */
        assert_int_equal(ticket_number(id), (long)i + 1);
    }
}

static void test_created_at_never_decreases_with_the_id(void **state) {
    (void)state;
    for (size_t i = 1; i < N_TICKETS; i++)
        assert_true(instant(ticket(i - 1)->f[C_CREATED]) <= instant(ticket(i)->f[C_CREATED]));
}

static void test_every_instant_is_rfc3339_utc_inside_the_range(void **state) {
    (void)state;
    const int64_t lo = (int64_t)START_DAY * 86400, hi = (int64_t)(START_DAY + DAYS) * 86400;
    static const int cols[] = {C_CREATED, C_FIRST_RESPONSE, C_FIRST_RESOLVED, C_RESOLVED, C_CLOSED, C_ANSWERED};
    for (size_t i = 0; i < N_TICKETS; i++) {
        assert_true(ticket(i)->f[C_CREATED][0] != 0);
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            int64_t t = instant(ticket(i)->f[cols[c]]);
            if (t != T_NULL) assert_true(t >= lo && t < hi);
        }
    }
    for (size_t i = 1; i < g_messages.n; i++) {
        int64_t t = instant(g_messages.rows[i].f[M_AT]);
        assert_true(t >= lo && t < hi);
    }
}

static void test_instants_are_ordered(void **state) {
    (void)state;
    for (size_t i = 0; i < N_TICKETS; i++) {
        const row *r = ticket(i);
        int64_t cr = instant(r->f[C_CREATED]), fr = instant(r->f[C_FIRST_RESPONSE]);
        int64_t f1 = instant(r->f[C_FIRST_RESOLVED]), rs = instant(r->f[C_RESOLVED]);
        int64_t cl = instant(r->f[C_CLOSED]), an = instant(r->f[C_ANSWERED]);
        if (fr != T_NULL) assert_true(cr <= fr);
        if (fr != T_NULL && f1 != T_NULL) assert_true(fr <= f1);
        if (f1 != T_NULL) assert_true(cr <= f1);
        if (rs != T_NULL) {
            assert_true(f1 != T_NULL && f1 <= rs);
        }
        if (cl != T_NULL) assert_true(cr <= cl);
        if (cl != T_NULL && rs != T_NULL) assert_true(rs <= cl);
        if (an != T_NULL) {
            assert_true(cr <= an);
            if (fr != T_NULL) assert_true(an <= fr);
        }
    }
}

static void test_answered_at_only_on_phone_and_chat(void **state) {
    (void)state;
    int answered = 0;
    for (size_t i = 0; i < N_TICKETS; i++) {
        const row *r = ticket(i);
        int sync = !strcmp(r->f[C_CHANNEL], "phone") || !strcmp(r->f[C_CHANNEL], "chat");
        if (r->f[C_ANSWERED][0]) {
            assert_true(sync);
            answered++;
        }
        if (!strcmp(r->f[C_CHANNEL], "phone") && r->f[C_ANSWERED][0])
            assert_string_equal(r->f[C_ANSWERED], r->f[C_FIRST_RESPONSE]); /* pickup = response */
    }
    assert_true(answered > N_TICKETS / 3); /* ~45% of tickets are calls and chats */
}

static void test_abandoned_calls_have_no_answer_and_no_response(void **state) {
    (void)state;
    int abandoned = 0;
    for (size_t i = 0; i < N_TICKETS; i++) {
        const row *r = ticket(i);
        if (!is_true(r->f[C_ABANDONED])) continue;
        abandoned++;
        assert_true(!strcmp(r->f[C_CHANNEL], "phone") || !strcmp(r->f[C_CHANNEL], "chat"));
        assert_string_equal(r->f[C_ANSWERED], "");
        assert_string_equal(r->f[C_FIRST_RESPONSE], "");
        assert_string_equal(r->f[C_RESOLVED], "");
        assert_string_equal(r->f[C_AGENT], "");
        assert_string_equal(r->f[C_HANDLE], "");
        assert_string_equal(r->f[C_AGENT_REPLIES], "0");
        assert_string_equal(r->f[C_STATUS], "closed");
    }
    /* ~6% of the ~900 calls and chats */
    assert_in_range(abandoned, 20, 110);
}

static void test_status_agrees_with_the_instants(void **state) {
    (void)state;
    int seen[5] = {0};
    static const char *const names[5] = {"new", "open", "pending", "solved", "closed"};
    for (size_t i = 0; i < N_TICKETS; i++) {
        const row *r = ticket(i);
        const char *st = r->f[C_STATUS];
        int k = -1;
        for (int j = 0; j < 5; j++)
            if (!strcmp(st, names[j])) k = j;
        assert_true(k >= 0);
        seen[k]++;
        int resolved = r->f[C_RESOLVED][0] != 0, closed = r->f[C_CLOSED][0] != 0;
        if (k <= 2) assert_false(resolved || closed);                /* backlog */
        if (k == 0) assert_string_equal(r->f[C_FIRST_RESPONSE], ""); /* new: never answered */
        if (k == 3) assert_true(resolved && !closed);
        if (k == 4) assert_true(closed && (resolved || is_true(r->f[C_ABANDONED])));
    }
    for (int j = 0; j < 5; j++)
        assert_true(seen[j] > 0);
    /* backlog ~10%, more among recent tickets */
    int backlog = seen[0] + seen[1] + seen[2];
    assert_in_range(backlog, N_TICKETS / 20, N_TICKETS / 5);
}

static void test_reopened_tickets_were_resolved_twice(void **state) {
    (void)state;
    int reopened = 0;
    for (size_t i = 0; i < N_TICKETS; i++) {
        const row *r = ticket(i);
        long reopens = count(r->f[C_REOPENS]);
        if (reopens == 0) {
            if (r->f[C_RESOLVED][0]) assert_string_equal(r->f[C_FIRST_RESOLVED], r->f[C_RESOLVED]);
            continue;
        }
        reopened++;
        assert_true(reopens <= 2);
        assert_true(r->f[C_FIRST_RESOLVED][0] != 0);
        if (r->f[C_RESOLVED][0]) assert_true(instant(r->f[C_FIRST_RESOLVED]) < instant(r->f[C_RESOLVED]));
    }
    assert_in_range(reopened, N_TICKETS / 50, N_TICKETS / 6); /* ~8% of resolved */
}

static void test_counts_and_flags_are_well_formed(void **state) {
    (void)state;
    int fcr = 0, resolved = 0, complaints = 0;
    for (size_t i = 0; i < N_TICKETS; i++) {
        const row *r = ticket(i);
        long ar = count(r->f[C_AGENT_REPLIES]);
        assert_true(count(r->f[C_CUSTOMER_REPLIES]) >= 1); /* the opening message */
        if (r->f[C_HANDLE][0]) assert_true(count(r->f[C_HANDLE]) > 0);
        if (ar > 0) assert_true(r->f[C_AGENT][0] != 0 && r->f[C_HANDLE][0] != 0);
        assert_int_equal(r->f[C_FIRST_RESPONSE][0] != 0, ar > 0);
        complaints += is_true(r->f[C_COMPLAINT]);
        assert_int_equal(r->f[C_CUSTOMER][0], 'C');
        if (r->f[C_RESOLVED][0]) {
            resolved++;
            if (ar == 1 && count(r->f[C_REOPENS]) == 0) fcr++;
        }
        if (r->f[C_AGENT][0]) {
            assert_memory_equal(r->f[C_AGENT], "agent_", 6);
            assert_int_equal(strlen(r->f[C_AGENT]), 9);
        }
    }
    assert_in_range(complaints, 20, 150);                 /* ~4% */
    assert_in_range(fcr, resolved / 3, resolved * 3 / 4); /* ~55% */
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_customers_come_back(void **state) {
    (void)state;
    /* ~n/3 distinct customers: count distinct ids with a sort */
    const char **ids = malloc(N_TICKETS * sizeof *ids);
    assert_non_null(ids);
    for (size_t i = 0; i < N_TICKETS; i++)
        ids[i] = ticket(i)->f[C_CUSTOMER];
    qsort(ids, N_TICKETS, sizeof *ids, cmp_str);
    size_t distinct = 1;
    for (size_t i = 1; i < N_TICKETS; i++)
        distinct += strcmp(ids[i - 1], ids[i]) != 0;
    free(ids);
    assert_in_range(distinct, N_TICKETS / 5, N_TICKETS / 2);
}

static void test_dst_change_hours_and_leap_day_have_tickets(void **state) {
    (void)state;
    int march = 0, october = 0, leap = 0;
    for (size_t i = 0; i < N_TICKETS; i++) {
        const char *c = ticket(i)->f[C_CREATED];
        /* Europe/Berlin: 2024-03-31 01:00Z clocks jump 02:00 -> 03:00 local;
         * 2024-10-27 01:00Z they fall back 03:00 -> 02:00 (an hour twice). */
        if (!strncmp(c, "2024-03-31T00", 13) || !strncmp(c, "2024-03-31T01", 13)) march++;
        if (!strncmp(c, "2024-10-27T00", 13) || !strncmp(c, "2024-10-27T01", 13)) october++;
        if (!strncmp(c, "2024-02-29", 10)) leap++;
    }
    assert_true(march >= 2);
    assert_true(october >= 2);
    assert_true(leap >= 2);
}

/* ---- messages.csv ------------------------------------------------------ */

typedef struct summary {
    int64_t first_any, first_customer, first_agent_public, first_solved, last_solved, closed;
    long agent_public, customers;
    int last_status; /* index into statuses, -1 none */
} summary;

static void test_messages_agree_with_tickets(void **state) {
    (void)state;
    static const char *const statuses[] = {"new", "open", "pending", "solved", "closed"};
    summary *s = calloc(N_TICKETS + 1, sizeof *s);
    assert_non_null(s);
    for (size_t i = 0; i <= N_TICKETS; i++) {
        s[i].first_any = s[i].first_customer = s[i].first_agent_public = T_NULL;
        s[i].first_solved = s[i].last_solved = s[i].closed = T_NULL;
        s[i].last_status = -1;
    }
    for (size_t i = 1; i < g_messages.n; i++) {
        const row *m = &g_messages.rows[i];
        long k = ticket_number(m->f[M_ID]);
        assert_in_range(k, 1, N_TICKETS);
        summary *x = &s[k];
        int64_t t = instant(m->f[M_AT]);
        const char *au = m->f[M_AUTHOR];
        int pub = is_true(m->f[M_PUBLIC]);
        if (x->first_any == T_NULL || t < x->first_any) x->first_any = t;
        if (!strcmp(au, "customer")) {
            assert_true(pub);
            x->customers++;
            if (x->first_customer == T_NULL || t < x->first_customer) x->first_customer = t;
        } else if (!strcmp(au, "agent")) {
            if (pub) {
                x->agent_public++;
                if (x->first_agent_public == T_NULL || t < x->first_agent_public) x->first_agent_public = t;
            }
        } else {
            assert_true(!strcmp(au, "bot") || !strcmp(au, "system"));
        }
        const char *st = m->f[M_STATUS];
        if (!st[0]) continue;
        int idx = -1;
        for (int j = 0; j < 5; j++)
            if (!strcmp(st, statuses[j])) idx = j;
        assert_true(idx >= 0);
        x->last_status = idx; /* rows are in time order within a ticket */
        if (idx == 3) {
            if (x->first_solved == T_NULL || t < x->first_solved) x->first_solved = t;
            if (x->last_solved == T_NULL || t > x->last_solved) x->last_solved = t;
        }
        if (idx == 4) {
            assert_string_equal(au, "system");
            x->closed = t;
        }
    }
    int bots = 0, notes = 0;
    for (size_t i = 1; i < g_messages.n; i++) {
        bots += !strcmp(g_messages.rows[i].f[M_AUTHOR], "bot");
        notes += !strcmp(g_messages.rows[i].f[M_AUTHOR], "agent") && !is_true(g_messages.rows[i].f[M_PUBLIC]) &&
                 !g_messages.rows[i].f[M_STATUS][0];
    }
    assert_true(bots > 0 && notes > 0);
    for (size_t i = 0; i < N_TICKETS; i++) {
        const row *r = ticket(i);
        const summary *x = &s[i + 1];
        int64_t created = instant(r->f[C_CREATED]);
        assert_true(x->first_customer == created);
        assert_true(x->first_any == created);
        assert_true(x->first_agent_public == instant(r->f[C_FIRST_RESPONSE]));
        assert_int_equal(x->agent_public, count(r->f[C_AGENT_REPLIES]));
        assert_int_equal(x->customers, count(r->f[C_CUSTOMER_REPLIES]));
        assert_true(x->first_solved == instant(r->f[C_FIRST_RESOLVED]));
        if (r->f[C_RESOLVED][0]) assert_true(x->last_solved == instant(r->f[C_RESOLVED]));
        assert_true(x->closed == instant(r->f[C_CLOSED]));
        assert_true(x->last_status >= 0);
        assert_string_equal(statuses[x->last_status], r->f[C_STATUS]);
    }
    free(s);
}

/* Who wrote each event: agent events name a teammate of the ticket's team
 * (agent_NNN), the first public reply is the assignee's (tickets.csv's
 * agent), other authors name nobody; some tickets change hands (a second
 * teammate replies in public) and some private notes are a colleague's, so
 * FCR one_teammate differs from no_reopen on sample data. */
static void test_messages_name_the_teammate_of_each_agent_event(void **state) {
    (void)state;
    long handovers = 0, consults = 0, tickets_with_replies = 0;
    const char *assignee = NULL, *first_public = NULL;
    long cur = -1;
    int two = 0;
    for (size_t i = 1; i <= g_messages.n; i++) {
        const row *m = i < g_messages.n ? &g_messages.rows[i] : NULL;
        long k = m ? ticket_number(m->f[M_ID]) : -2;
        if (k != cur) { /* the previous ticket is complete (rows are grouped by ticket) */
            handovers += two;
            tickets_with_replies += first_public != NULL;
            if (first_public) assert_string_equal(first_public, assignee);
            if (!m) break;
            cur = k;
            assignee = ticket((size_t)k - 1)->f[C_AGENT];
            first_public = NULL;
            two = 0;
        }
        const char *who = m->f[M_AGENT];
        if (strcmp(m->f[M_AUTHOR], "agent")) {
            assert_string_equal(who, "");
            continue;
        }
        assert_int_equal(strncmp(who, "agent_", 6), 0);
        assert_int_equal(strlen(who), 9);
        if (is_true(m->f[M_PUBLIC])) {
            if (!first_public) first_public = who;
            else if (strcmp(who, first_public)) two = 1;
        } else if (strcmp(who, assignee)) {
            consults++;
        }
    }
    assert_true(tickets_with_replies > N_TICKETS / 2);
    /* about 12% of tickets with two public replies or more (more on
     * complaints and reopens): well above 2%, well below 30% of all */
    assert_true(handovers > tickets_with_replies / 50 && handovers < tickets_with_replies * 3 / 10);
    assert_true(consults > 0);
}

static void test_messages_are_grouped_by_ticket_in_time_order(void **state) {
    (void)state;
    for (size_t i = 2; i < g_messages.n; i++) {
        const row *a = &g_messages.rows[i - 1], *b = &g_messages.rows[i];
        long ka = ticket_number(a->f[M_ID]), kb = ticket_number(b->f[M_ID]);
        assert_true(ka <= kb);
        if (ka == kb) assert_true(instant(a->f[M_AT]) <= instant(b->f[M_AT]));
    }
}

/* ---- responses.csv ----------------------------------------------------- */

static int same_file(const char *a, const char *b);

static const row *answer(size_t i) {
    return &g_responses.rows[i + 1];
}
static const row *solo(size_t i) {
    return &g_solo.rows[i + 1];
}

/* The survey's scale: nps 0-10, csat 1-5, ces 1-7; fails on other names. */
static void scale_of(const char *survey, int *lo, int *hi) {
    if (!strcmp(survey, "nps")) {
        *lo = 0;
        *hi = 10;
    } else if (!strcmp(survey, "csat")) {
        *lo = 1;
        *hi = 5;
    } else {
        assert_string_equal(survey, "ces");
        *lo = 1;
        *hi = 7;
    }
}

/* A score field: "" (-1) or a whole number on the survey's scale. */
static int score_of(const row *r) {
    const char *s = r->f[R_SCORE];
    if (!s[0]) return -1;
    int lo, hi;
    scale_of(r->f[R_SURVEY], &lo, &hi);
    long v = count(s);
    assert_in_range(v, lo, hi);
    assert_true(strlen(s) == 1 || (s[0] != '0' && strlen(s) == 2)); /* no padding, no decimals */
    return (int)v;
}

static void check_response_header(const table *t) {
    const row *h = &t->rows[0];
    assert_int_equal(h->n, R_NCOLS);
    for (int i = 0; i < R_NCOLS; i++)
        assert_string_equal(h->f[i], R_COLUMNS[i]);
}

static void test_responses_header_lists_the_canonical_columns(void **state) {
    (void)state;
    check_response_header(&g_responses);
    check_response_header(&g_solo);
}

static void test_exactly_the_answers_asked_for_with_every_field(void **state) {
    (void)state;
    assert_int_equal(g_responses.n, N_RESPONSES + 1);
    assert_int_equal(g_solo.n, N_STANDALONE + 1);
    for (size_t i = 0; i < N_RESPONSES; i++)
        assert_int_equal(answer(i)->n, R_NCOLS);
    for (size_t i = 0; i < N_STANDALONE; i++)
        assert_int_equal(solo(i)->n, R_NCOLS);
}

static void test_response_ids_are_padded_and_ascending(void **state) {
    (void)state;
    char want[16];
    for (size_t i = 0; i < N_RESPONSES; i++) {
        snprintf(want, sizeof want, "R%06zu", i + 1); /* R + 6 digits for 350 answers */
        assert_string_equal(answer(i)->f[R_ID], want);
    }
    for (size_t i = 0; i < N_STANDALONE; i++) {
        snprintf(want, sizeof want, "R%06zu", i + 1);
        assert_string_equal(solo(i)->f[R_ID], want);
    }
}

static void test_answers_follow_the_resolution_of_distinct_tickets(void **state) {
    (void)state;
    const int64_t now = (int64_t)(START_DAY + DAYS) * 86400;
    char *used = calloc(N_TICKETS + 1, 1);
    assert_non_null(used);
    long last = 0;
    for (size_t i = 0; i < N_RESPONSES; i++) {
        const row *a = answer(i);
        long k = ticket_number(a->f[R_TICKET]);
        assert_in_range(k, 1, N_TICKETS);
        assert_true(k > last); /* in ticket order, one answer per ticket */
        last = k;
        assert_false(used[k]);
        used[k] = 1;
        const row *t = ticket((size_t)k - 1);
        assert_string_equal(t->f[C_ID], a->f[R_TICKET]);
        assert_true(t->f[C_RESOLVED][0] != 0); /* only resolved tickets are surveyed */
        int64_t at = instant(a->f[R_AT]);
        assert_true(at > instant(t->f[C_RESOLVED]));
        assert_true(at <= instant(t->f[C_RESOLVED]) + 14 * 86400);
        assert_true(at < now);
        assert_string_equal(a->f[R_CHANNEL], t->f[C_CHANNEL]);
        assert_string_equal(a->f[R_AGENT], t->f[C_AGENT]);
    }
    free(used);
}

static void test_scores_lie_on_each_surveys_scale(void **state) {
    (void)state;
    for (size_t i = 0; i < N_RESPONSES; i++)
        score_of(answer(i));
    for (size_t i = 0; i < N_STANDALONE; i++)
        assert_true(score_of(solo(i)) >= 0); /* all answered */
}

static void test_unanswered_rows_have_no_score_and_no_comment(void **state) {
    (void)state;
    int sent_only = 0, comments = 0;
    for (size_t i = 0; i < N_RESPONSES; i++) {
        const row *a = answer(i);
        if (score_of(a) < 0) {
            sent_only++;
            assert_string_equal(a->f[R_COMMENT], "");
        }
        comments += a->f[R_COMMENT][0] != 0;
    }
    assert_in_range(sent_only, 10, 70); /* ~10% of 350 */
    assert_in_range(comments, 60, 200); /* ~35% of the answered */
}

static void test_standalone_answers_have_no_ticket_and_draw_channel_and_agent(void **state) {
    (void)state;
    static const char *const channels[] = {"email", "chat", "phone", "web", "social"};
    int per_channel[5] = {0};
    const int64_t lo = (int64_t)START_DAY * 86400, hi = (int64_t)(START_DAY + DAYS) * 86400;
    int64_t prev = lo;
    for (size_t i = 0; i < N_STANDALONE; i++) {
        const row *a = solo(i);
        assert_string_equal(a->f[R_TICKET], "");
        int c = -1;
        for (int j = 0; j < 5; j++)
            if (!strcmp(a->f[R_CHANNEL], channels[j])) c = j;
        assert_true(c >= 0);
        per_channel[c]++;
        assert_int_equal(strlen(a->f[R_AGENT]), 9);
        assert_memory_equal(a->f[R_AGENT], "agent_", 6);
        long ag = count(a->f[R_AGENT] + 6);
        assert_in_range(ag, 1, 60);
        int64_t at = instant(a->f[R_AT]);
        assert_true(at >= prev && at < hi); /* ids ascend with the instant */
        prev = at;
    }
    /* the tickets' channel mix 40/25/20/10/5 %, within 2 points */
    static const double share[5] = {0.40, 0.25, 0.20, 0.10, 0.05};
    for (int j = 0; j < 5; j++)
        assert_in_range(per_channel[j], (int)((share[j] - 0.02) * N_STANDALONE),
                        (int)((share[j] + 0.02) * N_STANDALONE));
    /* only responses.csv */
    char p[256];
    path_in(p, sizeof p, g_solo_dir, "tickets.csv");
    assert_int_equal(access(p, F_OK), -1);
    path_in(p, sizeof p, g_solo_dir, "messages.csv");
    assert_int_equal(access(p, F_OK), -1);
}

/* Counts of each score of a survey among the standalone answers, optionally
 * restricted to answers whose `at` starts with month ("2024-05"). */
static long tally(const char *survey, const char *month, long counts[11]) {
    long n = 0;
    memset(counts, 0, 11 * sizeof *counts);
    for (size_t i = 0; i < N_STANDALONE; i++) {
        const row *a = solo(i);
        if (strcmp(a->f[R_SURVEY], survey)) continue;
        if (month && strncmp(a->f[R_AT], month, strlen(month))) continue;
        counts[score_of(a)]++;
        n++;
    }
    return n;
}

static void test_survey_mix_is_half_nps_two_fifths_csat(void **state) {
    (void)state;
    long c[11];
    long nps = tally("nps", NULL, c), csat = tally("csat", NULL, c), ces = tally("ces", NULL, c);
    assert_int_equal(nps + csat + ces, N_STANDALONE);
    /* 50 / 40 / 10 %, within 1.5 points (the standard error is ~0.2) */
    assert_in_range(nps, (long)(0.485 * N_STANDALONE), (long)(0.515 * N_STANDALONE));
    assert_in_range(csat, (long)(0.385 * N_STANDALONE), (long)(0.415 * N_STANDALONE));
    assert_in_range(ces, (long)(0.085 * N_STANDALONE), (long)(0.115 * N_STANDALONE));
}

static void test_nps_answers_are_mostly_promoters_and_passives(void **state) {
    (void)state;
    long c[11];
    double n = (double)tally("nps", NULL, c);
    double det = 0, pas = (double)(c[7] + c[8]), pro = (double)(c[9] + c[10]);
    for (int s = 0; s <= 6; s++)
        det += (double)c[s];
    /* 45 / 30 / 25 % moved by the average mood (+0.0125 for the channel
     * mix, +0.015 for the trend): ~48 / 30 / 22 % */
    assert_true(pro / n > 0.44 && pro / n < 0.52);
    assert_true(pas / n > 0.27 && pas / n < 0.33);
    assert_true(det / n > 0.18 && det / n < 0.26);
    /* detractors lean to 5 and 6, with a bump at 0 above 1 and 2 */
    assert_true(c[6] > c[5] && c[5] > c[4]);
    assert_true(c[0] > c[1] && c[0] > c[2]);
    for (int s = 0; s <= 10; s++)
        assert_true(c[s] > 0);
}

static void test_csat_is_skewed_high_and_ces_agrees_mostly(void **state) {
    (void)state;
    long c[11];
    double n = (double)tally("csat", NULL, c);
    double top2 = (double)(c[4] + c[5]) / n; /* 80% + 0.8 x mood ~ 82% */
    assert_true(top2 > 0.78 && top2 < 0.86);
    assert_true(c[5] > c[4] && c[4] > c[3]);
    n = (double)tally("ces", NULL, c);
    double agree = (double)(c[5] + c[6] + c[7]) / n; /* 72% + 0.8 x mood ~ 74% */
    assert_true(agree > 0.69 && agree < 0.79);
    assert_int_equal(c[0], 0);
}

static double nps_of_month(const char *month, long *n) {
    long c[11];
    *n = tally("nps", month, c);
    double det = 0;
    for (int s = 0; s <= 6; s++)
        det += (double)c[s];
    return 100.0 * ((double)(c[9] + c[10]) - det) / (double)*n;
}

static void test_nps_drifts_with_the_season(void **state) {
    (void)state;
    /* mood = 0.045 cos(2 pi (doy - 135) / 365.24) + 0.03 x (time through
     * the range): May (~+0.05) and November (~-0.02) differ by ~14 NPS
     * points; with ~2,500 NPS answers a month the difference has a standard
     * error of ~2.6 points */
    long n5, n11;
    double may = nps_of_month("2024-05", &n5), nov = nps_of_month("2024-11", &n11);
    assert_true(n5 > 1500 && n11 > 1500);
    assert_true(may - nov > 4.0);
    assert_true(may - nov < 25.0);
}

/* Which script a comment is in: 'k' kana (Japanese), 'h' Han without kana
 * (Chinese), 'a' ASCII (English or Malay); fails on anything else. */
static char script_of(const char *s) {
    int han = 0, kana = 0, ascii = 1;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            assert_true(*p >= 0x20 && *p != ',' && *p != '"');
            p++;
            continue;
        }
        ascii = 0;
        assert_int_equal(*p & 0xF0, 0xE0); /* BMP, 3 bytes: U+0800..U+FFFF */
        assert_int_equal(p[1] & 0xC0, 0x80);
        assert_int_equal(p[2] & 0xC0, 0x80);
        unsigned cp = (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (unsigned)(p[2] & 0x3F);
        if (cp >= 0x3040 && cp <= 0x30FF)
            kana = 1;
        else if (cp >= 0x4E00 && cp <= 0x9FFF)
            han = 1;
        p += 3;
    }
    if (kana) return 'k';
    if (han) return 'h';
    assert_true(ascii);
    return 'a';
}

static void test_comments_are_short_phrases_in_four_languages(void **state) {
    (void)state;
    static const char *const malay[] = {"lambat", "pelanggan", "Terima", "mesra",  "berbaloi",
                                        "tahan",  "Tunggu",    "Harga",  "Barang", "Bayaran"};
    long with = 0, kana = 0, han = 0, en = 0, ms = 0;
    for (size_t i = 0; i < N_STANDALONE; i++) {
        const char *c = solo(i)->f[R_COMMENT];
        if (!c[0]) continue;
        with++;
        assert_true(strlen(c) < 160);
        char s = script_of(c);
        kana += s == 'k';
        han += s == 'h';
        if (s == 'a') {
            int is_ms = 0;
            for (size_t j = 0; j < sizeof malay / sizeof malay[0]; j++)
                is_ms |= strstr(c, malay[j]) != NULL;
            ms += is_ms;
            en += !is_ms;
        }
    }
    /* ~35% of answers carry a comment: en 55, ms 15, zh 20, ja 10 % */
    assert_true(with > N_STANDALONE / 4 && with < N_STANDALONE / 2);
    assert_true(en > with / 2 - with / 10 && en < with / 2 + with / 10);
    assert_true(ms > with / 10 && ms < with / 5);
    assert_true(han > with / 7 && han < with / 4);
    assert_true(kana > with / 15 && kana < with / 7);
}

/* -1 bad, 0 neutral, 1 good: the sentiment a comment's phrases follow. */
static int sentiment(const row *a) {
    int sc = score_of(a);
    const char *sv = a->f[R_SURVEY];
    if (!strcmp(sv, "nps")) return sc <= 6 ? -1 : sc <= 8 ? 0 : 1;
    if (!strcmp(sv, "csat")) return sc <= 2 ? -1 : sc == 3 ? 0 : 1;
    return sc <= 3 ? -1 : sc == 4 ? 0 : 1;
}

static void test_comments_follow_the_score(void **state) {
    (void)state;
    static const char *const bad[] = {"rude",          "Still waiting for my refund",
                                      "never arrived", "Too expensive",
                                      "态度不好",      "退款还没到账",
                                      "態度が悪い",    "Layanan buruk"};
    static const char *const good[] = {"friendly agent", "Great customer service", "Good value", "客服服务很好",
                                       "親切",           "Cepat dan mesra"};
    long nbad = 0, ngood = 0;
    for (size_t i = 0; i < N_STANDALONE; i++) {
        const row *a = solo(i);
        const char *c = a->f[R_COMMENT];
        if (!c[0]) continue;
        for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++)
            if (strstr(c, bad[j])) {
                assert_int_equal(sentiment(a), -1);
                nbad++;
            }
        for (size_t j = 0; j < sizeof good / sizeof good[0]; j++)
            if (strstr(c, good[j])) {
                assert_int_equal(sentiment(a), 1);
                ngood++;
            }
    }
    assert_true(nbad > 100 && ngood > 100);
}

static void test_without_comments_every_comment_is_empty(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    cxm_diag d;
    assert_int_equal(write_sample_answers(dir, 0, g_seed, 0, 2000, 0, &d), 0);
    char p[256];
    path_in(p, sizeof p, dir, "responses.csv");
    table t;
    parse_csv(p, &t);
    assert_int_equal(t.n, 2001);
    for (size_t i = 1; i < t.n; i++) {
        assert_string_equal(t.rows[i].f[R_COMMENT], "");
        assert_true(t.rows[i].f[R_SCORE][0] != 0); /* and no unanswered rows */
    }
    table_free(&t);
    remove_dir(dir);
}

static void test_asking_for_answers_leaves_the_tickets_unchanged(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(write_sample(dir, N_TICKETS, g_seed, 1), 0);
    char a[256], b[256];
    path_in(a, sizeof a, g_dir, "tickets.csv");
    path_in(b, sizeof b, dir, "tickets.csv");
    assert_true(same_file(a, b));
    path_in(a, sizeof a, g_dir, "messages.csv");
    path_in(b, sizeof b, dir, "messages.csv");
    assert_true(same_file(a, b));
    path_in(b, sizeof b, dir, "responses.csv"); /* none asked for: none written */
    assert_int_equal(access(b, F_OK), -1);
    remove_dir(dir);
}

static void test_same_seed_gives_the_same_answers(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    cxm_diag d;
    assert_int_equal(
        write_sample_answers(dir, N_TICKETS, g_seed, 0, N_RESPONSES, ANSWER_COMMENTS | ANSWER_UNANSWERED, &d), 0);
    char a[256], b[256];
    path_in(a, sizeof a, g_dir, "responses.csv");
    path_in(b, sizeof b, dir, "responses.csv");
    assert_true(same_file(a, b));
    assert_int_equal(
        write_sample_answers(dir, N_TICKETS, g_seed + 1, 0, N_RESPONSES, ANSWER_COMMENTS | ANSWER_UNANSWERED, &d), 0);
    assert_false(same_file(a, b));
    remove_dir(dir);
}

static void test_more_answers_than_answerable_tickets_is_a_usage_error(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    cxm_diag d;
    /* 100 tickets, fewer than 100 resolved: one answer per ticket cannot work */
    assert_int_equal(write_sample_answers(dir, 100, 1, 1, 100, 0, &d), CXM_EUSAGE);
    assert_non_null(strstr(d.msg, "resolved"));
    char p[256];
    path_in(p, sizeof p, dir, "tickets.csv"); /* nothing written */
    assert_int_equal(access(p, F_OK), -1);
    path_in(p, sizeof p, dir, "responses.csv");
    assert_int_equal(access(p, F_OK), -1);
    remove_dir(dir);
}

static void test_files_of_an_earlier_run_that_would_not_match_are_removed(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    cxm_diag d;
    char p[256];
    assert_int_equal(write_sample_answers(dir, 200, 1, 1, 30, 0, &d), 0);
    assert_int_equal(write_sample(dir, 200, 1, 1), 0); /* no answers now */
    path_in(p, sizeof p, dir, "responses.csv");
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(write_sample_answers(dir, 0, 1, 1, 30, 0, &d), 0); /* standalone */
    path_in(p, sizeof p, dir, "tickets.csv");
    assert_int_equal(access(p, F_OK), -1);
    path_in(p, sizeof p, dir, "messages.csv");
    assert_int_equal(access(p, F_OK), -1);
    path_in(p, sizeof p, dir, "responses.csv");
    assert_int_equal(access(p, F_OK), 0);
    remove_dir(dir);
}

/* ---- determinism, options, errors -------------------------------------- */

static int same_file(const char *a, const char *b) {
    size_t la = 0, lb = 0;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    assert_non_null(x);
    assert_non_null(y);
    int same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static void test_same_seed_gives_the_same_bytes(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(write_sample(dir, N_TICKETS, g_seed, 1), 0);
    char a[256], b[256];
    path_in(a, sizeof a, g_dir, "tickets.csv");
    path_in(b, sizeof b, dir, "tickets.csv");
    assert_true(same_file(a, b));
    path_in(a, sizeof a, g_dir, "messages.csv");
    path_in(b, sizeof b, dir, "messages.csv");
    assert_true(same_file(a, b));
    remove_dir(dir);
}

static void test_another_seed_gives_other_bytes(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(write_sample(dir, N_TICKETS, g_seed + 1, 1), 0);
    char a[256], b[256];
    path_in(a, sizeof a, g_dir, "tickets.csv");
    path_in(b, sizeof b, dir, "tickets.csv");
    assert_false(same_file(a, b));
    remove_dir(dir);
}

static void test_no_messages_writes_tickets_only(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(write_sample(dir, 100, 42, 1), 0);
    assert_int_equal(write_sample(dir, 100, 42, 0), 0); /* the stale messages.csv goes */
    char p[256];
    path_in(p, sizeof p, dir, "messages.csv");
    assert_int_equal(access(p, F_OK), -1);
    path_in(p, sizeof p, dir, "tickets.csv");
    table t;
    parse_csv(p, &t);
    assert_int_equal(t.n, 101);
    table_free(&t);
    remove_dir(dir);
}

static void test_missing_directories_are_created(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[128], subsub[160];
    snprintf(sub, sizeof sub, "%s/a", dir);
    snprintf(subsub, sizeof subsub, "%s/b", sub);
    assert_int_equal(write_sample(subsub, 10, 1, 0), 0);
    char p[256];
    path_in(p, sizeof p, subsub, "tickets.csv");
    assert_int_equal(access(p, F_OK), 0);
    remove_dir(subsub);
    rmdir(sub);
    rmdir(dir);
}

static void test_zero_tickets_writes_the_header_only(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(write_sample(dir, 0, 1, 1), 0);
    char p[256];
    path_in(p, sizeof p, dir, "tickets.csv");
    table t;
    parse_csv(p, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.rows[0].n, C_NCOLS);
    table_free(&t);
    remove_dir(dir);
}

typedef struct progress_log {
    int calls;
    uint64_t last_done, total;
    int monotonic;
} progress_log;

static void on_progress(void *ud, uint64_t done, uint64_t total) {
    progress_log *l = ud;
    if (done < l->last_done) l->monotonic = 0;
    l->calls++;
    l->last_done = done;
    l->total = total;
}

static void test_progress_is_reported_every_percent(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    cxm_sample_opts o;
    cxm_sample_defaults(&o);
    o.dir = dir;
    o.tickets = 1000;
    o.messages = 0;
    progress_log l = {0, 0, 0, 1};
    o.progress = on_progress;
    o.ud = &l;
    cxm_diag d;
    assert_int_equal(cxm_sample_write(&o, &d), 0);
    assert_int_equal(l.calls, 100); /* every 10 tickets */
    assert_int_equal(l.last_done, 1000);
    assert_int_equal(l.total, 1000);
    assert_true(l.monotonic);
    remove_dir(dir);
}

static void test_progress_counts_answers_and_both_ticket_passes(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    cxm_sample_opts o;
    cxm_sample_defaults(&o);
    o.dir = dir;
    o.tickets = 0;
    o.responses = 1000;
    progress_log l = {0, 0, 0, 1};
    o.progress = on_progress;
    o.ud = &l;
    cxm_diag d;
    assert_int_equal(cxm_sample_write(&o, &d), 0);
    assert_int_equal(l.calls, 100);
    assert_int_equal(l.last_done, 1000);
    assert_int_equal(l.total, 1000);
    /* answers about tickets: the counting pass, then the writing pass */
    o.tickets = 500;
    o.responses = 50;
    o.messages = 0;
    memset(&l, 0, sizeof l);
    l.monotonic = 1;
    assert_int_equal(cxm_sample_write(&o, &d), 0);
    assert_int_equal(l.calls, 100);
    assert_int_equal(l.last_done, 1000);
    assert_int_equal(l.total, 1000);
    assert_true(l.monotonic);
    remove_dir(dir);
}

static void test_defaults_are_documented_values(void **state) {
    (void)state;
    cxm_sample_opts o;
    memset(&o, 0xAB, sizeof o);
    cxm_sample_defaults(&o);
    assert_int_equal(o.tickets, 1000);
    assert_int_equal(o.seed, 1);
    assert_int_equal(o.messages, 1);
    assert_int_equal(o.start_day, 19723); /* 2024-01-01 */
    assert_int_equal(o.days, 365);
    assert_null(o.progress);
    assert_int_equal(o.responses, 0); /* no answers unless asked */
    assert_int_equal(o.comments, 0);
    assert_int_equal(o.unanswered, 0);
    cxm_sample_defaults(NULL); /* no crash */
}

static void test_bad_options_are_rejected_with_a_message(void **state) {
    (void)state;
    cxm_sample_opts o;
    cxm_diag d;
    cxm_sample_defaults(&o);
    o.dir = NULL;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_sample_write(&o, &d), CXM_EINVAL);
    assert_int_equal(cxm_sample_write(NULL, &d), CXM_EINVAL);

    cxm_sample_defaults(&o);
    o.dir = "/nonexistent-never-created";
    o.days = 0;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_sample_write(&o, &d), CXM_EUSAGE);
    assert_true(d.msg[0] != 0);

    cxm_sample_defaults(&o);
    o.dir = "/nonexistent-never-created";
    o.tickets = 2000000000ull;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_sample_write(&o, &d), CXM_ELIMIT);
    assert_non_null(strstr(d.msg, "limit"));

    cxm_sample_defaults(&o);
    o.dir = "/nonexistent-never-created";
    o.responses = 2000000000ull;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_sample_write(&o, &d), CXM_ELIMIT);
    assert_non_null(strstr(d.msg, "--responses"));

    cxm_sample_defaults(&o);
    o.dir = "/nonexistent-never-created";
    o.start_day = -1;
    assert_int_equal(cxm_sample_write(&o, &d), CXM_EUSAGE);
    o.start_day = 2932897 - 10; /* would run past 9999-12-31 */
    o.days = 11;
    assert_int_equal(cxm_sample_write(&o, &d), CXM_EUSAGE);
    assert_int_equal(access("/nonexistent-never-created", F_OK), -1);
}

static void test_unwritable_directory_is_an_io_error(void **state) {
    (void)state;
    char dir[64] = "/tmp/cxm_test_sample_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[128], below[160];
    snprintf(file, sizeof file, "%s/plain", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(below, sizeof below, "%s/sub", file); /* a directory under a file */
    cxm_sample_opts o;
    cxm_sample_defaults(&o);
    o.dir = below;
    o.tickets = 10;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(cxm_sample_write(&o, &d), CXM_EIO);
    assert_true(d.msg[0] != 0);
    remove(file);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_lists_the_canonical_columns_in_order),
        cmocka_unit_test(test_one_row_per_ticket_with_every_field),
        cmocka_unit_test(test_ticket_ids_are_unique_padded_and_ascending),
        cmocka_unit_test(test_created_at_never_decreases_with_the_id),
        cmocka_unit_test(test_every_instant_is_rfc3339_utc_inside_the_range),
        cmocka_unit_test(test_instants_are_ordered),
        cmocka_unit_test(test_answered_at_only_on_phone_and_chat),
        cmocka_unit_test(test_abandoned_calls_have_no_answer_and_no_response),
        cmocka_unit_test(test_status_agrees_with_the_instants),
        cmocka_unit_test(test_reopened_tickets_were_resolved_twice),
        cmocka_unit_test(test_counts_and_flags_are_well_formed),
        cmocka_unit_test(test_customers_come_back),
        cmocka_unit_test(test_dst_change_hours_and_leap_day_have_tickets),
        cmocka_unit_test(test_messages_agree_with_tickets),
        cmocka_unit_test(test_messages_name_the_teammate_of_each_agent_event),
        cmocka_unit_test(test_messages_are_grouped_by_ticket_in_time_order),
        cmocka_unit_test(test_responses_header_lists_the_canonical_columns),
        cmocka_unit_test(test_exactly_the_answers_asked_for_with_every_field),
        cmocka_unit_test(test_response_ids_are_padded_and_ascending),
        cmocka_unit_test(test_answers_follow_the_resolution_of_distinct_tickets),
        cmocka_unit_test(test_scores_lie_on_each_surveys_scale),
        cmocka_unit_test(test_unanswered_rows_have_no_score_and_no_comment),
        cmocka_unit_test(test_standalone_answers_have_no_ticket_and_draw_channel_and_agent),
        cmocka_unit_test(test_survey_mix_is_half_nps_two_fifths_csat),
        cmocka_unit_test(test_nps_answers_are_mostly_promoters_and_passives),
        cmocka_unit_test(test_csat_is_skewed_high_and_ces_agrees_mostly),
        cmocka_unit_test(test_nps_drifts_with_the_season),
        cmocka_unit_test(test_comments_are_short_phrases_in_four_languages),
        cmocka_unit_test(test_comments_follow_the_score),
        cmocka_unit_test(test_without_comments_every_comment_is_empty),
        cmocka_unit_test(test_asking_for_answers_leaves_the_tickets_unchanged),
        cmocka_unit_test(test_same_seed_gives_the_same_answers),
        cmocka_unit_test(test_more_answers_than_answerable_tickets_is_a_usage_error),
        cmocka_unit_test(test_files_of_an_earlier_run_that_would_not_match_are_removed),
        cmocka_unit_test(test_same_seed_gives_the_same_bytes),
        cmocka_unit_test(test_another_seed_gives_other_bytes),
        cmocka_unit_test(test_no_messages_writes_tickets_only),
        cmocka_unit_test(test_missing_directories_are_created),
        cmocka_unit_test(test_zero_tickets_writes_the_header_only),
        cmocka_unit_test(test_progress_is_reported_every_percent),
        cmocka_unit_test(test_progress_counts_answers_and_both_ticket_passes),
        cmocka_unit_test(test_defaults_are_documented_values),
        cmocka_unit_test(test_bad_options_are_rejected_with_a_message),
        cmocka_unit_test(test_unwritable_directory_is_an_io_error),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
