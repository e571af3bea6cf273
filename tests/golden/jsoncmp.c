/*
 * jsoncmp.c - compares an expected JSON document with an actual one for the
 * golden tests. Objects compare by key (the actual may have extra keys only
 * where the expected object has "...": true), arrays element by element,
 * numbers with a relative tolerance of 1e-9 (absolute 1e-9 near zero), so
 * hand-worked values like 1/3 can be written with enough digits. The
 * expected string "..." matches any value (for text the case does not pin).
 * Usage: jsoncmp EXPECTED ACTUAL. Exit 0 when they match, 1 with the path of
 * the first difference otherwise.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *path, const char *what) {
    fprintf(stderr, "jsoncmp: at %s: %s\n", path[0] ? path : "$", what);
    return 1;
}

static int cmp(json_t *e, json_t *a, const char *path) {
    char sub[1024], msg[1200];
    if (json_is_string(e) && !strcmp(json_string_value(e), "...")) return 0; /* anything */
    if (json_is_number(e) && json_is_number(a)) {
        double x = json_number_value(e), y = json_number_value(a);
        double tol = 1e-9 * fmax(1.0, fmax(fabs(x), fabs(y)));
        if (fabs(x - y) > tol) {
            snprintf(msg, sizeof msg, "expected %.17g, got %.17g", x, y);
            return fail(path, msg);
        }
        return 0;
    }
    if (json_typeof(e) != json_typeof(a)) {
        char *es = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT), *as = json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(msg, sizeof msg, "expected %.500s, got %.500s", es ? es : "?", as ? as : "?");
        free(es); free(as);
        return fail(path, msg);
    }
    switch (json_typeof(e)) {
    case JSON_OBJECT: {
        const char *k; json_t *v;
        int open = json_is_true(json_object_get(e, "..."));
        json_object_foreach(e, k, v) {
            if (!strcmp(k, "...")) continue;
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            json_t *av = json_object_get(a, k);
            if (!av) return fail(sub, "missing in actual");
            if (cmp(v, av, sub)) return 1;
        }
        if (!open) {
            json_object_foreach(a, k, v) {
                if (!json_object_get(e, k)) {
                    snprintf(sub, sizeof sub, "%s.%s", path, k);
                    return fail(sub, "unexpected key in actual");
                }
            }
        }
        return 0;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(e);
        if (n != json_array_size(a)) {
            snprintf(msg, sizeof msg, "expected %zu elements, got %zu", n, json_array_size(a));
            return fail(path, msg);
        }
        for (size_t i = 0; i < n; i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if (cmp(json_array_get(e, i), json_array_get(a, i), sub)) return 1;
        }
        return 0;
    }
    case JSON_STRING:
        if (strcmp(json_string_value(e), json_string_value(a))) {
            snprintf(msg, sizeof msg, "expected \"%.500s\", got \"%.500s\"", json_string_value(e), json_string_value(a));
            return fail(path, msg);
        }
        return 0;
    default: return 0; /* true/false/null: same type is equal */
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: jsoncmp EXPECTED ACTUAL\n"); return 2; }
    json_error_t err;
    json_t *e = json_load_file(argv[1], JSON_DECODE_ANY, &err);
    if (!e) { fprintf(stderr, "jsoncmp: %s:%d: %s\n", argv[1], err.line, err.text); return 2; }
    json_t *a = json_load_file(argv[2], JSON_DECODE_ANY, &err);
    if (!a) { fprintf(stderr, "jsoncmp: actual output is not JSON: line %d: %s\n", err.line, err.text); json_decref(e); return 1; }
    int rc = cmp(e, a, "");
    json_decref(e); json_decref(a);
    return rc;
}
