/*
 * fuzz_report.c - libFuzzer target for the whole report path through the
 * public API: the input is written to a temporary file and read as a
 * tickets CSV (first byte odd: NDJSON), with every metric, grouped by week
 * and channel, rendered in every format. Whatever the bytes, cxm_report_run
 * returns a code and never crashes, leaks or reads out of bounds.
 * Build: see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cxm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    char path[128];
    snprintf(path, sizeof path, "/tmp/cxm-fuzz-%d.%s", (int)getpid(), (data[0] & 1) ? "ndjson" : "csv");
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    if (fwrite(data + 1, 1, size - 1, f) != size - 1) {
        fclose(f);
        return 0;
    }
    fclose(f);
    cxm_report_opts o = {0};
    o.tickets = path;
    o.by = (data[0] & 2) ? "week,channel" : NULL;
    o.stats = "mean,median,p90,min,max";
    cxm_result_set *rs = NULL;
    cxm_diag d;
    if (cxm_report_run(&o, &rs, &d) == 0) {
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull) {
            for (int k = 0; k < 4; k++)
                (void)cxm_result_render(rs, (cxm_format)k, (data[0] & 4) ? "ja" : NULL, devnull);
            fclose(devnull);
        }
        cxm_result_set_free(rs);
    }
    unlink(path);
    return 0;
}
