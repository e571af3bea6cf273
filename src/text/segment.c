/*
 * segment.c - normalising and segmenting one comment into word tokens with
 * ICU (see text.h for the pipeline and the token rules), language tags and
 * the cheap language detector.
 *
 * Design note: reuse of ICU objects. Opening a word break iterator costs
 * tens of microseconds and some kilobytes (the rules are loaded once per
 * process and shared, but each instance builds its own state); a survey
 * export has millions of comments. A cxm_text therefore opens each
 * language's iterator once, on first use, and points it at each new comment
 * with ubrk_setText, which only resets the iterator. The NFKC_Casefold
 * normaliser is a process-wide singleton owned by ICU (never closed).
 * Scratch buffers (UTF-16 in, UTF-16 normalised, UTF-8 out, tokens) grow
 * geometrically and are kept between comments, so a steady stream of
 * comments allocates nothing. One cxm_text per thread.
 *
 * Why the break iterator reads the normalised UTF-16 rather than a UText
 * over the caller's UTF-8: normalisation must come first (a full-width
 * "ＲＥＦＵＮＤ" has to become "refund" before it is segmented and matched),
 * and ICU's C API normalises UTF-16 only; breaking the UTF-16 result
 * directly saves a round trip through UTF-8. Tokens are then re-encoded to
 * UTF-8 in one forward pass that follows the boundaries.
 *
 * Why NFKC_Casefold (one unorm2 pass) rather than NFKC then u_strToLower:
 * it does both at once and also deletes default-ignorable characters
 * (ZERO WIDTH SPACE, soft hyphen, variation selectors) that would otherwise
 * hide inside words ("退\u200B款" != "退款"). For our five languages case
 * folding and lower-casing agree (they differ for ß, final sigma, Cherokee).
 *
 * Locales: ICU 72's word rules are the same for root, en, ms, zh and ja
 * (dictionary segmentation of Han and kana is not locale-dependent); the
 * iterators are still opened per language so a tailoring in a later ICU
 * is picked up. Detection therefore segments before it knows the Latin
 * language (en and ms share rules) and decides CJK before segmenting.
 *
 * Sizes: a comment is usually < 1 KiB; the buffers grow to the largest
 * comment seen (NFKC may expand text, e.g. U+FDFA is 18 UTF-16 units).
 */
#include "text/text.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "core/diag.h"
#include "core/limits.h"

struct cxm_text {
    UBreakIterator *bi[CXM_TEXT_NLANG]; /* opened on first use */
    const UNormalizer2 *nfkc_cf;        /* ICU's singleton: not closed */
    UChar *u16;                         /* the comment in UTF-16 */
    size_t cap16;
    UChar *n16; /* normalised */
    size_t capn16;
    char *u8; /* normalised UTF-8, NUL-terminated */
    size_t cap8;
    cxm_token *tok;
    size_t captok;
};

/* ---- language tags -------------------------------------------------- */

static const char *const lang_names[CXM_TEXT_NLANG] = {"auto", "en", "ms", "zh-Hans", "zh-Hant", "ja", "und"};
/* ICU locale ids of the iterators. */
static const char *const lang_locales[CXM_TEXT_NLANG] = {"", "en", "ms", "zh_Hans", "zh_Hant", "ja", ""};

const char *cxm_text_lang_name(cxm_text_lang lang) {
    return (unsigned)lang < CXM_TEXT_NLANG ? lang_names[lang] : "und";
}

/* ASCII lower-cased, '_' as '-', into buf (cap 32); 0 if too long or not ASCII. */
static int fold_tag(const char *s, size_t n, char *buf) {
    if (n >= 32) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80 || ch < 0x20) return 0;
        if (ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch + 32);
        if (ch == '_') ch = '-';
        buf[i] = (char)ch;
    }
    buf[n] = 0;
    return 1;
}

static int has_prefix_tag(const char *tag, const char *p) {
    size_t n = strlen(p);
    return strncmp(tag, p, n) == 0 && (tag[n] == 0 || tag[n] == '-');
}

int cxm_text_lang_parse(const char *s, size_t n, cxm_text_lang *out) {
    char tag[32];
    if (!s && n) return CXM_EINVAL;
    if (!fold_tag(s ? s : "", n, tag)) return CXM_ENOTFOUND;
    cxm_text_lang l;
    if (!tag[0] || !strcmp(tag, "auto"))
        l = CXM_TEXT_AUTO;
    else if (has_prefix_tag(tag, "en"))
        l = CXM_TEXT_EN;
    else if (has_prefix_tag(tag, "ms") || has_prefix_tag(tag, "zsm"))
        l = CXM_TEXT_MS;
    else if (has_prefix_tag(tag, "ja"))
        l = CXM_TEXT_JA;
    else if (!strcmp(tag, "und"))
        l = CXM_TEXT_UND;
    else if (has_prefix_tag(tag, "zh-hant") || !strcmp(tag, "zh-tw") || !strcmp(tag, "zh-hk") || !strcmp(tag, "zh-mo"))
        l = CXM_TEXT_ZH_HANT;
    else if (has_prefix_tag(tag, "zh"))
        l = CXM_TEXT_ZH_HANS; /* zh, zh-Hans*, zh-CN, zh-SG */
    else
        return CXM_ENOTFOUND;
    *out = l;
    return CXM_OK;
}

/* ---- scripts -------------------------------------------------------- */

int cxm_text_script(uint32_t c) {
    if (c < 0x80) return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? CXM_SCRIPT_LATIN : CXM_SCRIPT_OTHER;
    if (c < 0x3000) {
        if ((c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x1E00 && c <= 0x1EFF))
            return CXM_SCRIPT_LATIN;
        if (c >= 0x2E80 && c <= 0x2FDF) return CXM_SCRIPT_HAN; /* radicals */
        return CXM_SCRIPT_OTHER;
    }
    if (c == 0x3005 || c == 0x3007) return CXM_SCRIPT_HAN; /* 々 〇 */
    if ((c >= 0x3041 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) || (c >= 0xFF66 && c <= 0xFF9F) ||
        (c >= 0x1B000 && c <= 0x1B16F))
        return CXM_SCRIPT_KANA;
    if ((c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0x20000 && c <= 0x3134F))
        return CXM_SCRIPT_HAN;
    return CXM_SCRIPT_OTHER;
}

int cxm_text_join_space(int last_script_prev, int first_script_next) {
    return !(last_script_prev == CXM_SCRIPT_HAN || last_script_prev == CXM_SCRIPT_KANA ||
             first_script_next == CXM_SCRIPT_HAN || first_script_next == CXM_SCRIPT_KANA);
}

/* Simplified-only / Traditional-only ideographs (bitmaps; source and
 * curation in hanzi.inc). */
#include "text/hanzi.inc"

static int in_bitmap(const uint64_t *bm, UChar32 c) {
    if ((uint32_t)c < HANZI_LO || (uint32_t)c > HANZI_HI) return 0;
    uint32_t i = (uint32_t)c - HANZI_LO;
    return (int)((bm[i >> 6] >> (i & 63)) & 1u);
}

/* Script census of normalised UTF-16 for detection. */
typedef struct census {
    size_t kana, han, latin, hans, hant;
} census;

static void take_census(const UChar *s, int32_t n, census *cs) {
    memset(cs, 0, sizeof *cs);
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U16_NEXT(s, i, n, c);
        if (c < 0x80) {
            if ((((uint32_t)c | 0x20) - 'a') < 26u) cs->latin++;
            continue;
        }
        switch (cxm_text_script((uint32_t)c)) {
        case CXM_SCRIPT_KANA: cs->kana++; break;
        case CXM_SCRIPT_LATIN: cs->latin++; break;
        case CXM_SCRIPT_HAN:
            cs->han++;
            cs->hans += (size_t)in_bitmap(hanzi_hans_only, c);
            cs->hant += (size_t)in_bitmap(hanzi_hant_only, c);
            break;
        default: break;
        }
    }
}

/* The language when CJK decides it; AUTO when the Latin vote must. */
static cxm_text_lang lang_from_census(const census *cs) {
    if (cs->kana) return CXM_TEXT_JA;
    if (cs->han) return cs->hant > cs->hans ? CXM_TEXT_ZH_HANT : CXM_TEXT_ZH_HANS;
    if (cs->latin) return CXM_TEXT_AUTO;
    return CXM_TEXT_UND;
}

/* en or ms by a vote of tokens in exactly one of the two stop lists; a tie
 * goes to the side with more words ending in the Malay suffixes -nya, -kan
 * (rare in English: "kenya"), then to en. */
static cxm_text_lang latin_vote(const char *text, const cxm_token *tok, size_t ntok) {
    const unsigned en = 1u << CXM_TEXT_EN, ms = 1u << CXM_TEXT_MS;
    size_t ven = 0, vms = 0, suffix = 0;
    for (size_t i = 0; i < ntok; i++) {
        if (tok[i].kind != CXM_TOK_WORD || tok[i].script != CXM_SCRIPT_LATIN) continue;
        const char *w = text + tok[i].off;
        uint32_t n = tok[i].len;
        unsigned m = cxm_text_stop_mask(w, n) & (en | ms);
        if (m == en)
            ven++;
        else if (m == ms)
            vms++;
        if (n > 5 && (!memcmp(w + n - 3, "nya", 3) || !memcmp(w + n - 3, "kan", 3))) suffix++;
    }
    if (vms != ven) return vms > ven ? CXM_TEXT_MS : CXM_TEXT_EN;
    return suffix ? CXM_TEXT_MS : CXM_TEXT_EN;
}

/* ---- the segmenter -------------------------------------------------- */

int cxm_text_new(cxm_text **out, cxm_diag *diag) {
    *out = NULL;
    cxm_text *t = calloc(1, sizeof *t);
    if (!t) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    UErrorCode st = U_ZERO_ERROR;
    t->nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    if (U_FAILURE(st)) {
        free(t);
        return cxm_diag_set(diag, CXM_EIO, NULL, 0, 0, NULL, "ICU NFKC_Casefold normaliser unavailable: %s",
                            u_errorName(st));
    }
    *out = t;
    return CXM_OK;
}

void cxm_text_free(cxm_text *t) {
    if (!t) return;
    for (int i = 0; i < CXM_TEXT_NLANG; i++)
        if (t->bi[i]) ubrk_close(t->bi[i]);
    free(t->u16);
    free(t->n16);
    free(t->u8);
    free(t->tok);
    free(t);
}

/* Grows *p (elements of size sz) to hold need elements. */
static int grow(void **p, size_t *cap, size_t need, size_t sz) {
    if (need <= *cap) return CXM_OK;
    size_t nc = *cap ? *cap : 256;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * sz);
    if (!q) return CXM_ENOMEM;
    *p = q;
    *cap = nc;
    return CXM_OK;
}

static int icu_fail(cxm_diag *diag, const char *what, UErrorCode st) {
    return cxm_diag_set(diag, CXM_EIO, NULL, 0, 0, NULL, "ICU %s failed: %s", what, u_errorName(st));
}

static UBreakIterator *iterator(cxm_text *t, cxm_text_lang lang, cxm_diag *diag, int *rc) {
    if (!t->bi[lang]) {
        UErrorCode st = U_ZERO_ERROR;
        t->bi[lang] = ubrk_open(UBRK_WORD, lang_locales[lang], NULL, 0, &st);
        if (U_FAILURE(st)) {
            t->bi[lang] = NULL;
            *rc = icu_fail(diag, "ubrk_open(UBRK_WORD)", st);
            return NULL;
        }
    }
    return t->bi[lang];
}

static int is_hyphen(UChar c) {
    return c == 0x2D || c == 0x2010 || c == 0x2011;
}
static int is_line_break(UChar32 c) {
    return (c >= 0x0A && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029;
}
static int is_ascii_alnum(UChar c) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

/* 1 if s[0..n) is only white space other than line breaks: such a segment
 * is nothing; a line break is a boundary (comments often separate their
 * points with new lines instead of punctuation). */
static int all_space(const UChar *s, int32_t n) {
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U16_NEXT(s, i, n, c);
        if (!u_isUWhiteSpace(c) || is_line_break(c)) return 0;
    }
    return 1;
}

static int starts_with(const UChar *s, int32_t n, const char *p) {
    int32_t i = 0;
    for (; p[i]; i++)
        if (i >= n || s[i] != (UChar)p[i]) return 0;
    return 1;
}

/* In place on normalised text: apostrophes U+2019 and U+02BC become '\''
 * (so "don’t" is "don't"); a URL (http://, https://, www. at a word start,
 * up to the next white space) and an @handle (@ at a word start followed by
 * [a-z0-9_]) become a line break followed by spaces: a boundary, no words. */
static void clean_debris(UChar *s, int32_t n) {
    for (int32_t i = 0; i < n; i++) {
        UChar c = s[i];
        if (c == 0x2019 || c == 0x02BC) {
            s[i] = '\'';
            continue;
        }
        if (c != 'h' && c != 'w' && c != '@') continue;
        if (i > 0 && (is_ascii_alnum(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '/')) continue;
        int hit = c == '@' ? i + 1 < n && is_ascii_alnum(s[i + 1])
                           : starts_with(s + i, n - i, "http://") || starts_with(s + i, n - i, "https://") ||
                                 starts_with(s + i, n - i, "www.");
        if (!hit) continue;
        int32_t j = i;
        while (j < n && !u_isUWhiteSpace(s[j]))
            j++;
        s[i] = '\n';
        for (int32_t k = i + 1; k < j; k++)
            s[k] = ' ';
        i = j;
    }
}

/* s[0..n) to normalised UTF-16 in t->n16; *len gets its length. */
static int normalise(cxm_text *t, const char *s, size_t n, int32_t *len, cxm_diag *diag) {
    size_t i = 0;
    while (i < n && (unsigned char)s[i] < 0x80)
        i++;
    if (grow((void **)&t->n16, &t->capn16, n + 1, sizeof(UChar)))
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    if (i == n) { /* ASCII: NFKC is the identity, case folding is A-Z -> a-z */
        for (i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)s[i];
            t->n16[i] = (UChar)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        }
        *len = (int32_t)n;
        clean_debris(t->n16, *len);
        return CXM_OK;
    }
    if (grow((void **)&t->u16, &t->cap16, n + 1, sizeof(UChar)))
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    UErrorCode st = U_ZERO_ERROR;
    int32_t n16 = 0, nsub = 0;
    u_strFromUTF8WithSub(t->u16, (int32_t)t->cap16, &n16, s, (int32_t)n, 0xFFFD, &nsub, &st);
    if (U_FAILURE(st)) return icu_fail(diag, "u_strFromUTF8WithSub", st);
    for (;;) {
        st = U_ZERO_ERROR;
        int32_t m = unorm2_normalize(t->nfkc_cf, t->u16, n16, t->n16, (int32_t)t->capn16, &st);
        if (st == U_BUFFER_OVERFLOW_ERROR) {
            if ((size_t)m + 1 > (size_t)INT32_MAX)
                return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL, "normalised comment too long");
            if (grow((void **)&t->n16, &t->capn16, (size_t)m + 1, sizeof(UChar)))
                return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            continue;
        }
        if (U_FAILURE(st)) return icu_fail(diag, "unorm2_normalize(NFKC_Casefold)", st);
        *len = m;
        clean_debris(t->n16, m);
        return CXM_OK;
    }
}

/* Appends s[0..n) as UTF-8 at dst + *o (room was reserved: 3 bytes per
 * unit). When first/last are given they get the scripts of the first and
 * last characters. */
static void encode(char *dst, size_t *o, const UChar *s, int32_t n, uint8_t *first, uint8_t *last) {
    size_t p = *o;
    int sc = CXM_SCRIPT_OTHER;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U16_NEXT(s, i, n, c);
        if (U_IS_SURROGATE(c)) c = 0xFFFD;
        uint32_t u = (uint32_t)c;
        if (u < 0x80) {
            dst[p++] = (char)u;
        } else if (u < 0x800) {
            dst[p++] = (char)(0xC0 | (u >> 6));
            dst[p++] = (char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            dst[p++] = (char)(0xE0 | (u >> 12));
            dst[p++] = (char)(0x80 | ((u >> 6) & 0x3F));
            dst[p++] = (char)(0x80 | (u & 0x3F));
        } else {
            dst[p++] = (char)(0xF0 | (u >> 18));
            dst[p++] = (char)(0x80 | ((u >> 12) & 0x3F));
            dst[p++] = (char)(0x80 | ((u >> 6) & 0x3F));
            dst[p++] = (char)(0x80 | (u & 0x3F));
        }
        if (last) {
            sc = cxm_text_script(u);
            if (first) {
                *first = (uint8_t)sc;
                first = NULL;
            }
        }
    }
    if (last) *last = (uint8_t)sc;
    *o = p;
}

int cxm_text_segment(cxm_text *t, const char *s, size_t n, cxm_text_lang lang, cxm_segmented *out, cxm_diag *diag) {
    memset(out, 0, sizeof *out);
    out->text = "";
    if ((unsigned)lang >= CXM_TEXT_NLANG)
        return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "language %d out of range", (int)lang);
    if (!s && n) return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "no text");
    if (n > CXM_MAX_FIELD_BYTES)
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL, "comment of %zu bytes exceeds CXM_MAX_FIELD_BYTES (%u)",
                            n, CXM_MAX_FIELD_BYTES);
    int32_t len = 0;
    int rc = normalise(t, s, n, &len, diag);
    if (rc) return rc;

    cxm_text_lang use = lang;
    if (lang == CXM_TEXT_AUTO) {
        census cs;
        take_census(t->n16, len, &cs);
        use = lang_from_census(&cs);
    }
    /* Latin text of unknown language is segmented with the English rules
     * (identical to Malay's), then voted on. */
    UBreakIterator *bi = iterator(t, use == CXM_TEXT_AUTO ? CXM_TEXT_EN : use, diag, &rc);
    if (!bi) return rc;

    /* UTF-8 needs at most 3 bytes per UTF-16 unit (4 per surrogate pair). */
    if (grow((void **)&t->u8, &t->cap8, (size_t)len * 3 + 1, 1))
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    UErrorCode st = U_ZERO_ERROR;
    ubrk_setText(bi, t->n16, len, &st);
    if (U_FAILURE(st)) return icu_fail(diag, "ubrk_setText", st);

    size_t o = 0, ntok = 0;
    int brk = 1;      /* a boundary since the last token */
    int prev_tok = 0; /* the previous segment was a token */
    int hyphen = 0;   /* the previous segment was a joining hyphen */
    int32_t a = ubrk_first(bi);
    for (int32_t b = ubrk_next(bi); b != UBRK_DONE; a = b, b = ubrk_next(bi)) {
        int32_t status = ubrk_getRuleStatus(bi);
        size_t start = o;
        if (status >= UBRK_WORD_NUMBER) {
            if (grow((void **)&t->tok, &t->captok, ntok + 1, sizeof *t->tok))
                return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
            cxm_token *k = &t->tok[ntok++];
            encode(t->u8, &o, t->n16 + a, b - a, &k->script, &k->last_script);
            k->off = (uint32_t)start;
            k->len = (uint32_t)(o - start);
            k->kind = status < UBRK_WORD_LETTER ? CXM_TOK_NUMBER : CXM_TOK_WORD;
            k->brk = (uint8_t)brk;
            brk = 0;
            prev_tok = 1;
            hyphen = 0;
            continue;
        }
        encode(t->u8, &o, t->n16 + a, b - a, NULL, NULL);
        if (b - a == 1 && is_hyphen(t->n16[a]) && prev_tok && !brk) {
            hyphen = 1; /* joins if a token follows at once */
        } else {
            if (hyphen || !all_space(t->n16 + a, b - a)) brk = 1;
            hyphen = 0;
        }
        prev_tok = 0;
    }
    if (hyphen) brk = 1;
    t->u8[o] = 0;

    out->text = t->u8;
    out->len = o;
    out->tok = t->tok;
    out->ntok = ntok;
    out->lang = use == CXM_TEXT_AUTO ? latin_vote(t->u8, t->tok, ntok) : use;
    return CXM_OK;
}
