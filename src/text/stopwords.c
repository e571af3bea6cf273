/*
 * stopwords.c - stop-word lookup over the curated lists of stopwords.inc
 * (where they come from is written there).
 *
 * Invariants: each list is sorted by bytes and duplicate-free, entries are
 * normalised tokens (test_text.c checks). A lookup is a binary search per
 * list, ~8 comparisons for ~150 words; the corpus calls it once per
 * distinct word (the result is kept with the word), the detector once per
 * Latin token of an undetermined comment.
 */
#include "text/text.h"

#include <string.h>

#include "text/stopwords.inc"

#define COUNT(a) (sizeof(a) / sizeof *(a))

typedef struct stoplist {
    const char *const *w;
    size_t n;
} stoplist;

static const stoplist lists[CXM_TEXT_NLANG] = {
    [CXM_TEXT_EN] = {stop_en, COUNT(stop_en)},
    [CXM_TEXT_MS] = {stop_ms, COUNT(stop_ms)},
    [CXM_TEXT_ZH_HANS] = {stop_zh_hans, COUNT(stop_zh_hans)},
    [CXM_TEXT_ZH_HANT] = {stop_zh_hant, COUNT(stop_zh_hant)},
    [CXM_TEXT_JA] = {stop_ja, COUNT(stop_ja)},
};

/* Byte comparison of w[0..n) with the NUL-terminated s. */
static int cmp(const char *w, size_t n, const char *s) {
    size_t m = strlen(s);
    int c = memcmp(w, s, n < m ? n : m);
    if (c) return c;
    return n < m ? -1 : n > m;
}

static int in_list(const stoplist *l, const char *w, size_t n) {
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp(w, n, l->w[mid]);
        if (!c) return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

unsigned cxm_text_stop_mask(const char *w, size_t n) {
    unsigned m = 0;
    if (!w || !n) return 0;
    /* Latin-script words cannot be in the CJK lists and vice versa. */
    if ((unsigned char)w[0] < 0x80) {
        if (in_list(&lists[CXM_TEXT_EN], w, n)) m |= 1u << CXM_TEXT_EN;
        if (in_list(&lists[CXM_TEXT_MS], w, n)) m |= 1u << CXM_TEXT_MS;
        return m;
    }
    for (int l = CXM_TEXT_ZH_HANS; l <= CXM_TEXT_JA; l++)
        if (in_list(&lists[l], w, n)) m |= 1u << l;
    return m;
}

unsigned cxm_text_stop_lists(cxm_text_lang lang) {
    const unsigned en = 1u << CXM_TEXT_EN, zh = (1u << CXM_TEXT_ZH_HANS) | (1u << CXM_TEXT_ZH_HANT);
    switch (lang) {
    case CXM_TEXT_EN: return en;
    case CXM_TEXT_MS: return en | (1u << CXM_TEXT_MS);
    case CXM_TEXT_ZH_HANS:
    case CXM_TEXT_ZH_HANT: return en | zh;
    case CXM_TEXT_JA: return en | (1u << CXM_TEXT_JA);
    default: return en;
    }
}

int cxm_text_is_stop(const char *w, size_t n, cxm_text_lang lang) {
    return (cxm_text_stop_mask(w, n) & cxm_text_stop_lists(lang)) != 0;
}

size_t cxm_text_stop_count(cxm_text_lang lang) {
    return (unsigned)lang < CXM_TEXT_NLANG ? lists[lang].n : 0;
}

const char *cxm_text_stop_word(cxm_text_lang lang, size_t i) {
    if ((unsigned)lang >= CXM_TEXT_NLANG || i >= lists[lang].n) return NULL;
    return lists[lang].w[i];
}
