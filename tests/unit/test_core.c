/*
 * test_core.c - the core containers: arena, capped buffer, dictionary,
 * id fingerprint set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/dict.h"
#include "core/idset.h"

static void arena_strings_survive_growth(void **state) {
    (void)state;
    cxm_arena a;
    cxm_arena_init(&a);
    char *first = cxm_arena_strndup(&a, "first", 5);
    for (int i = 0; i < 10000; i++) assert_non_null(cxm_arena_alloc(&a, 100));
    char *big = cxm_arena_alloc(&a, 3u << 20); /* larger than a block */
    assert_non_null(big);
    memset(big, 'x', 3u << 20);
    assert_string_equal(first, "first");
    assert_true(((uintptr_t)cxm_arena_alloc(&a, 3) & 7) == 0);
    cxm_arena_free(&a);
    cxm_arena_free(NULL);
}

static void buf_appends_and_formats(void **state) {
    (void)state;
    cxm_buf b;
    cxm_buf_init(&b, 1 << 20);
    assert_int_equal(cxm_buf_append(&b, "ab", 2), CXM_OK);
    assert_int_equal(cxm_buf_putc(&b, 'c'), CXM_OK);
    assert_int_equal(cxm_buf_printf(&b, "%d-%s", 42, "x"), CXM_OK);
    assert_string_equal(b.data, "abc42-x");
    char long_text[1000];
    memset(long_text, 'y', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    assert_int_equal(cxm_buf_printf(&b, "%s", long_text), CXM_OK); /* past the 256-byte fast path */
    assert_int_equal(b.len, 7 + 999);
    cxm_buf_reset(&b);
    assert_int_equal(b.len, 0);
    cxm_buf_free(&b);
    cxm_buf_free(NULL);
}

static void buf_refuses_past_its_cap(void **state) {
    (void)state;
    cxm_buf b;
    cxm_buf_init(&b, 16);
    assert_int_equal(cxm_buf_append(&b, "0123456789", 10), CXM_OK);
    assert_int_equal(cxm_buf_append(&b, "0123456789", 10), CXM_ELIMIT);
    assert_int_equal(b.len, 10); /* nothing half-written */
    cxm_buf_free(&b);
}

static void dict_codes_are_dense_and_stable(void **state) {
    (void)state;
    cxm_dict d;
    cxm_dict_init(&d, 1000000);
    uint32_t code;
    int added;
    char key[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(cxm_dict_intern(&d, key, (size_t)n, &code, &added), CXM_OK);
        assert_int_equal(code, i);
        assert_true(added);
    }
    assert_int_equal(cxm_dict_intern(&d, "k77", 3, &code, &added), CXM_OK);
    assert_int_equal(code, 77);
    assert_false(added);
    assert_string_equal(cxm_dict_str(&d, 99999), "k99999");
    assert_true(cxm_dict_find(&d, "k5", 2, &code));
    assert_int_equal(code, 5);
    assert_false(cxm_dict_find(&d, "k", 1, &code));
    /* embedded NUL bytes and the empty string are keys like any other */
    assert_int_equal(cxm_dict_intern(&d, "a\0b", 3, &code, &added), CXM_OK);
    assert_true(added);
    assert_int_equal(cxm_dict_intern(&d, "a", 1, &code, &added), CXM_OK);
    assert_true(added);
    assert_int_equal(cxm_dict_intern(&d, "", 0, &code, &added), CXM_OK);
    assert_true(added);
    cxm_dict_free(&d);
}

static void dict_refuses_past_its_cap(void **state) {
    (void)state;
    cxm_dict d;
    cxm_dict_init(&d, 2);
    uint32_t code;
    assert_int_equal(cxm_dict_intern(&d, "a", 1, &code, NULL), CXM_OK);
    assert_int_equal(cxm_dict_intern(&d, "b", 1, &code, NULL), CXM_OK);
    assert_int_equal(cxm_dict_intern(&d, "c", 1, &code, NULL), CXM_ELIMIT);
    assert_int_equal(cxm_dict_intern(&d, "a", 1, &code, NULL), CXM_OK); /* old ones still found */
    cxm_dict_free(&d);
}

static void idset_reports_the_first_line_of_a_duplicate(void **state) {
    (void)state;
    cxm_idset s;
    cxm_idset_init(&s, 10000000);
    uint64_t first;
    char key[32];
    for (int i = 0; i < 200000; i++) {
        int n = snprintf(key, sizeof key, "T%09d", i);
        assert_int_equal(cxm_idset_add(&s, cxm_idset_key(key, (size_t)n), (uint64_t)i + 2, &first), CXM_OK);
        assert_int_equal(first, 0);
    }
    assert_int_equal(cxm_idset_add(&s, cxm_idset_key("T000001234", 10), 999999, &first), CXM_OK);
    assert_int_equal(first, 1236);
    assert_int_equal(s.count, 200000);
    cxm_idset_free(&s);
}

static void idset_reserve_keeps_members(void **state) {
    (void)state;
    cxm_idset s;
    cxm_idset_init(&s, 1000);
    uint64_t first;
    assert_int_equal(cxm_idset_add(&s, cxm_idset_key("x", 1), 7, &first), CXM_OK);
    assert_int_equal(cxm_idset_reserve(&s, 1u << 20), CXM_OK); /* capped at max */
    assert_int_equal(cxm_idset_add(&s, cxm_idset_key("x", 1), 9, &first), CXM_OK);
    assert_int_equal(first, 7);
    cxm_idset_free(&s);
    cxm_idset_free(NULL);
}

static void idset_ascending_ids_skip_the_table_until_the_order_breaks(void **state) {
    (void)state;
    cxm_idset s;
    cxm_idset_init(&s, 1000000);
    cxm_idset_expect(&s, 1000);
    uint64_t first;
    char key[32];
    for (int i = 0; i < 500; i++) { /* ascending: listed, no table */
        int n = snprintf(key, sizeof key, "T%05d", i);
        int asc = cxm_idset_ascends(&s, key, (size_t)n);
        assert_true(asc);
        assert_int_equal(cxm_idset_add_ordered(&s, cxm_idset_key(key, (size_t)n), (uint64_t)i + 2, asc, &first), CXM_OK);
        assert_int_equal(first, 0);
    }
    assert_int_equal(s.nslots, 0);
    /* a repeat breaks the order: the list moves into the table, the repeat is found */
    int asc = cxm_idset_ascends(&s, "T00007", 6);
    assert_false(asc);
    assert_int_equal(cxm_idset_add_ordered(&s, cxm_idset_key("T00007", 6), 900, asc, &first), CXM_OK);
    assert_int_equal(first, 9);
    assert_true(s.nslots >= 1000);
    /* the order never comes back, even for a greater id */
    assert_false(cxm_idset_ascends(&s, "T99999", 6));
    assert_int_equal(cxm_idset_add_ordered(&s, cxm_idset_key("T99999", 6), 901, 0, &first), CXM_OK);
    assert_int_equal(first, 0);
    assert_int_equal(s.count, 501);
    /* a prefix is smaller than its extension: "T1" after "T10" breaks the order */
    cxm_idset t;
    cxm_idset_init(&t, 100);
    assert_true(cxm_idset_ascends(&t, "T10", 3));
    assert_false(cxm_idset_ascends(&t, "T1", 2));
    cxm_idset_free(&t);
    cxm_idset_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_strings_survive_growth),
        cmocka_unit_test(buf_appends_and_formats),
        cmocka_unit_test(buf_refuses_past_its_cap),
        cmocka_unit_test(dict_codes_are_dense_and_stable),
        cmocka_unit_test(dict_refuses_past_its_cap),
        cmocka_unit_test(idset_reports_the_first_line_of_a_duplicate),
        cmocka_unit_test(idset_reserve_keeps_members),
        cmocka_unit_test(idset_ascending_ids_skip_the_table_until_the_order_breaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
