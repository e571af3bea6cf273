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
 * Sizes: ~0.4 MB of tickets and ~0.6 MB of messages; runs in well under a
 * second (also under valgrind, in a few seconds).
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

#define N_TICKETS 2000
#define MAX_FIELDS 32
#define START_DAY 19723 /* 2024-01-01 */
#define DAYS 366        /* through 2024-12-31: covers 02-29, 03-31, 10-27 */

enum { C_ID, C_CREATED, C_FIRST_RESPONSE, C_FIRST_RESOLVED, C_RESOLVED, C_CLOSED, C_ANSWERED,
       C_CHANNEL, C_AGENT, C_TEAM, C_PRIORITY, C_STATUS, C_CUSTOMER, C_REOPENS, C_AGENT_REPLIES,
       C_CUSTOMER_REPLIES, C_HANDLE, C_ABANDONED, C_COMPLAINT, C_TAGS, C_NCOLS };
static const char *const COLUMNS[C_NCOLS] = {
    "ticket_id", "created_at", "first_response_at", "first_resolved_at", "resolved_at",
    "closed_at", "answered_at", "channel", "agent", "team", "priority", "status",
    "customer_id", "reopens", "agent_replies", "customer_replies", "handle_seconds",
    "abandoned", "complaint", "tags"};
enum { M_ID, M_AT, M_AUTHOR, M_PUBLIC, M_STATUS, M_NCOLS };

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
        for (int j = 0; j < t->rows[i].n; j++) free(t->rows[i].f[j]);
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

static char g_dir[64];
static uint64_t g_seed = 42; /* CXM_TEST_SEED overrides: to sweep seeds by hand */
static table g_tickets, g_messages;

static void path_in(char *out, size_t cap, const char *dir, const char *name) {
    snprintf(out, cap, "%s/%s", dir, name);
}

static void remove_dir(const char *dir) {
    char p[256];
    path_in(p, sizeof p, dir, "tickets.csv");
    remove(p);
    path_in(p, sizeof p, dir, "messages.csv");
    remove(p);
    rmdir(dir);
}

static int write_sample(const char *dir, uint64_t n, uint64_t seed, int messages) {
    cxm_sample_opts o;
    cxm_sample_defaults(&o);
    o.dir = dir;
    o.tickets = n;
    o.seed = seed;
    o.messages = messages;
    o.start_day = START_DAY;
    o.days = DAYS;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    return cxm_sample_write(&o, &d);
}

static int group_setup(void **state) {
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/cxm_test_sample_XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    const char *env = getenv("CXM_TEST_SEED");
    if (env && env[0]) g_seed = strtoull(env, NULL, 10);
    if (write_sample(g_dir, N_TICKETS, g_seed, 1) != 0) return -1;
    char p[256];
    path_in(p, sizeof p, g_dir, "tickets.csv");
    parse_csv(p, &g_tickets);
    path_in(p, sizeof p, g_dir, "messages.csv");
    parse_csv(p, &g_messages);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    table_free(&g_tickets);
    table_free(&g_messages);
    remove_dir(g_dir);
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

static const row *ticket(size_t i) { return &g_tickets.rows[i + 1]; }

/* ---- tickets.csv ------------------------------------------------------- */

static void test_header_lists_the_canonical_columns_in_order(void **state) {
    (void)state;
    const row *h = &g_tickets.rows[0];
    assert_int_equal(h->n, C_NCOLS);
    for (int i = 0; i < C_NCOLS; i++) assert_string_equal(h->f[i], COLUMNS[i]);
    const row *mh = &g_messages.rows[0];
    assert_int_equal(mh->n, M_NCOLS);
    assert_string_equal(mh->f[M_ID], "ticket_id");
    assert_string_equal(mh->f[M_AT], "at");
    assert_string_equal(mh->f[M_AUTHOR], "author");
    assert_string_equal(mh->f[M_PUBLIC], "public");
    assert_string_equal(mh->f[M_STATUS], "status");
}

static void test_one_row_per_ticket_with_every_field(void **state) {
    (void)state;
    assert_int_equal(g_tickets.n, N_TICKETS + 1);
    for (size_t i = 0; i < N_TICKETS; i++) assert_int_equal(ticket(i)->n, C_NCOLS);
    for (size_t i = 1; i < g_messages.n; i++) assert_int_equal(g_messages.rows[i].n, M_NCOLS);
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
    static const int cols[] = {C_CREATED, C_FIRST_RESPONSE, C_FIRST_RESOLVED,
                               C_RESOLVED, C_CLOSED, C_ANSWERED};
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
    for (int j = 0; j < 5; j++) assert_true(seen[j] > 0);
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
            if (r->f[C_RESOLVED][0])
                assert_string_equal(r->f[C_FIRST_RESOLVED], r->f[C_RESOLVED]);
            continue;
        }
        reopened++;
        assert_true(reopens <= 2);
        assert_true(r->f[C_FIRST_RESOLVED][0] != 0);
        if (r->f[C_RESOLVED][0])
            assert_true(instant(r->f[C_FIRST_RESOLVED]) < instant(r->f[C_RESOLVED]));
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
    assert_in_range(complaints, 20, 150);          /* ~4% */
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
    for (size_t i = 0; i < N_TICKETS; i++) ids[i] = ticket(i)->f[C_CUSTOMER];
    qsort(ids, N_TICKETS, sizeof *ids, cmp_str);
    size_t distinct = 1;
    for (size_t i = 1; i < N_TICKETS; i++) distinct += strcmp(ids[i - 1], ids[i]) != 0;
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
                if (x->first_agent_public == T_NULL || t < x->first_agent_public)
                    x->first_agent_public = t;
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
        notes += !strcmp(g_messages.rows[i].f[M_AUTHOR], "agent") &&
                 !is_true(g_messages.rows[i].f[M_PUBLIC]) && !g_messages.rows[i].f[M_STATUS][0];
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

static void test_messages_are_grouped_by_ticket_in_time_order(void **state) {
    (void)state;
    for (size_t i = 2; i < g_messages.n; i++) {
        const row *a = &g_messages.rows[i - 1], *b = &g_messages.rows[i];
        long ka = ticket_number(a->f[M_ID]), kb = ticket_number(b->f[M_ID]);
        assert_true(ka <= kb);
        if (ka == kb) assert_true(instant(a->f[M_AT]) <= instant(b->f[M_AT]));
    }
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
        cmocka_unit_test(test_messages_are_grouped_by_ticket_in_time_order),
        cmocka_unit_test(test_same_seed_gives_the_same_bytes),
        cmocka_unit_test(test_another_seed_gives_other_bytes),
        cmocka_unit_test(test_no_messages_writes_tickets_only),
        cmocka_unit_test(test_missing_directories_are_created),
        cmocka_unit_test(test_zero_tickets_writes_the_header_only),
        cmocka_unit_test(test_progress_is_reported_every_percent),
        cmocka_unit_test(test_defaults_are_documented_values),
        cmocka_unit_test(test_bad_options_are_rejected_with_a_message),
        cmocka_unit_test(test_unwritable_directory_is_an_io_error),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
