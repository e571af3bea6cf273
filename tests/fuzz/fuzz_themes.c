/*
 * fuzz_themes.c - libFuzzer target for theme files and matching
 * (src/text/themes.c): the input is split at its first NUL byte (or in the
 * middle when there is none) into a theme file and a comment. The file is
 * parsed; when valid, the comment is matched and the invariants checked:
 * ids ascending, distinct and below the theme count, and matching the same
 * comment twice gives the same ids (matching keeps no state). Build: see
 * tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cxm_text *seg; /* one segmenter for the whole run (ICU objects are slow to open) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cxm_diag d;
    if (!seg && cxm_text_new(&seg, &d)) abort();
    const uint8_t *nul = memchr(data, 0, size);
    size_t flen = nul ? (size_t)(nul - data) : size / 2;
    const char *file = (const char *)data, *comment = (const char *)data + flen + (nul ? 1 : 0);
    size_t clen = size - flen - (nul ? 1 : 0);
    cxm_themes *th = NULL;
    if (cxm_themes_parse(seg, "fuzz.ini", file, flen, &th, &d) != 0) return 0;
    size_t n = cxm_themes_count(th), n1 = 0, n2 = 0;
    uint32_t *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    if (!a || !b) abort();
    if (cxm_themes_match(th, seg, comment, clen, CXM_TEXT_AUTO, a, n, &n1, &d) == 0) {
        for (size_t i = 0; i < n1; i++)
            if (a[i] >= n || (i && a[i] <= a[i - 1])) abort();
        if (cxm_themes_match(th, seg, comment, clen, CXM_TEXT_AUTO, b, n, &n2, &d) != 0 || n2 != n1 ||
            memcmp(a, b, n1 * sizeof *a))
            abort();
    }
    free(a);
    free(b);
    cxm_themes_free(th);
    return 0;
}
