/*
 * fuzz_calendar.c - libFuzzer target for calendar files (src/time/calendar.c):
 * parses the input; when it is a valid calendar set, asks every calendar
 * business-time questions derived from the input's bytes and checks the
 * invariants: business time is never negative nor longer than the elapsed
 * time, and adding the business time between a and b to a never lands
 * after b. Build: see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "time/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size ? size : 1);
    if (!s) return 0;
    memcpy(s, data, size);
    cxm_calset *set = NULL;
    cxm_diag d;
    if (cxm_calset_parse("fuzz.ini", s, size, NULL, &set, &d) == 0) {
        uint64_t seed = 1469598103934665603ull;
        for (size_t i = 0; i < size; i++) seed = (seed ^ data[i]) * 1099511628211ull;
        for (size_t k = 0; k < cxm_calset_count(set); k++) {
            const cxm_calendar *cal = cxm_calset_get(set, k);
            for (int q = 0; q < 8; q++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                /* instants in 2000..2040, spans up to ~60 days */
                cxm_time a = 946684800000 + (cxm_time)(seed >> 24) % 1262304000000;
                cxm_time b = a + (cxm_time)(seed % 5184000000ull);
                int64_t bt = cxm_calendar_business_ms(cal, a, b);
                if (bt < 0 || bt > b - a) abort();
                cxm_time at = cxm_calendar_add_business(cal, a, bt);
                if (bt > 0 && at != CXM_TIME_NULL && at > b) abort();
                (void)cxm_calendar_is_open(cal, a);
            }
        }
        cxm_calset_free(set);
    }
    free(s);
    return 0;
}
