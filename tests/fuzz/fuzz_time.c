/*
 * fuzz_time.c - libFuzzer target for the value parsers of src/time/parse.c:
 * timestamps (every date order, naive times in a DST zone), durations,
 * numbers, integers and booleans. Checks that a parsed timestamp is
 * reproducible and that nothing reads outside the input (the input is an
 * exact-size heap copy). Build: see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "time/parse.h"
#include "time/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static cxm_tz *berlin;
    if (!berlin) {
        cxm_diag d;
        if (cxm_tz_load("Europe/Berlin", &berlin, &d)) abort();
    }
    char *s = malloc(size ? size : 1);
    if (!s) return 0;
    memcpy(s, data, size);
    for (int order = 0; order < 3; order++) {
        cxm_time a, b;
        const char *why;
        int ra = cxm_parse_time(s, size, berlin, (cxm_date_order)order, &a, &why);
        int rb = cxm_parse_time(s, size, berlin, (cxm_date_order)order, &b, &why);
        if (ra != rb || (!ra && a != b)) abort();
        if (ra && !why) abort(); /* every rejection says why */
        (void)cxm_parse_time(s, size, NULL, (cxm_date_order)order, &a, NULL);
    }
    /* what the memoised "...Z" path accepts, the general one ("+00:00"
     * instead of "Z") accepts with the same instant */
    cxm_time z;
    if (size == 20 && s[19] == 'Z' && cxm_parse_time_z(s, &z)) {
        char g[25];
        memcpy(g, s, 19);
        memcpy(g + 19, "+00:00", 6);
        cxm_time b = 0;
        if (cxm_parse_time(g, 25, NULL, CXM_DATE_YMD, &b, NULL) || b != z) abort();
    }
    int64_t ms, i;
    double x;
    int bv;
    (void)cxm_parse_duration(s, size, &ms);
    if (cxm_parse_double(s, size, &x) == 0 && x != x) abort(); /* never NaN */
    (void)cxm_parse_int(s, size, &i);
    (void)cxm_parse_bool(s, size, &bv);
    free(s);
    return 0;
}
