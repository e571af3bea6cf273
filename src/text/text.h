/*
 * text.h - what customers write: word segmentation, stop words, keyword
 * themes and RAKE-like key-phrase discovery over free-text comments
 * (survey `comment`, later social mentions) in English, Malay, Simplified
 * and Traditional Chinese and Japanese (internal; docs/internals/text.md).
 *
 * Pipeline for one comment (segment.c):
 *   UTF-8 bytes -> UTF-16 (invalid bytes become U+FFFD) -> NFKC_Casefold,
 *   one ICU normaliser doing NFKC (full-width Latin and digits to
 *   half-width, half-width katakana to full-width, ligatures split) plus
 *   lower-casing plus deleting default-ignorables (zero-width space, soft
 *   hyphen) -> clean-up (’ and ʼ become ', URLs and @handles become a line
 *   break) -> ICU word break iterator (dictionary segmentation for Han and
 *   kana, UAX #29 rules elsewhere) -> tokens over a UTF-8 copy of the
 *   normalised text. Pure-ASCII comments skip ICU's normaliser (NFKC is the
 *   identity there, case folding is A-Z -> a-z) but use the same iterator.
 *
 * Tokens are the break iterator's word segments (rule status LETTER, KANA,
 * IDEO -> CXM_TOK_WORD; NUMBER -> CXM_TOK_NUMBER). White space between
 * words is nothing; any other non-word segment (punctuation, symbols, emoji,
 * U+FFFD, a line break) is a *boundary*: the next token has brk = 1, and
 * neither a theme phrase nor a key phrase spans it. Exception: a single
 * hyphen (U+002D, U+2010, U+2011) directly between two words joins like a
 * space, so "money-back" and "money back" are the same two words.
 *
 * Language (cxm_text_lang): given per comment, or CXM_TEXT_AUTO to detect it
 * cheaply from the normalised text: any hiragana or katakana -> ja; else any
 * Han -> zh-Hant if more traditional-only than simplified-only characters
 * (~2,800 / ~2,500 from ICU's Hans-Hant data, hanzi.inc), else zh-Hans; else Latin letters ->
 * ms if more tokens are Malay-only stop words than English-only ones, en if
 * fewer, on a tie ms if a word ends in -nya or -kan, else en; no letters ->
 * und. The language picks the break iterator (one per language, opened
 * lazily and reused: ubrk_setText per comment) and the stop lists.
 *
 * Threads: a cxm_text (ICU objects + scratch) belongs to one thread at a
 * time. A cxm_themes is immutable after parsing and may be shared by
 * threads. A cxm_corpus belongs to one thread; per-thread corpora combine
 * with cxm_corpus_merge.
 *
 * Sizes: comments are typically 10-500 bytes, at most CXM_MAX_FIELD_BYTES;
 * theme files tens to thousands of phrases; a corpus up to ~10^7 comments,
 * ~10^6 distinct words and ~10^7 distinct candidate phrases (caps in
 * src/core/limits.h).
 */
#ifndef CXM_TEXT_H
#define CXM_TEXT_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"

/* ---- languages ------------------------------------------------------ */
typedef enum cxm_text_lang {
    CXM_TEXT_AUTO = 0, /* detect from the text (as an input only) */
    CXM_TEXT_EN,       /* English */
    CXM_TEXT_MS,       /* Malay */
    CXM_TEXT_ZH_HANS,  /* Simplified Chinese */
    CXM_TEXT_ZH_HANT,  /* Traditional Chinese */
    CXM_TEXT_JA,       /* Japanese */
    CXM_TEXT_UND,      /* anything else / undetermined: root rules, no stop words */
    CXM_TEXT_NLANG
} cxm_text_lang;

/* Parses a language tag, ASCII case-insensitive, '-' or '_': "" or "auto"
 * -> AUTO; en, en-*; ms, ms-*, zsm; zh, zh-Hans, zh-CN, zh-SG, zh-Hans-*
 * -> ZH_HANS; zh-Hant, zh-TW, zh-HK, zh-MO, zh-Hant-* -> ZH_HANT; ja, ja-*;
 * und. Others: CXM_ENOTFOUND (*out untouched). */
int cxm_text_lang_parse(const char *s, size_t n, cxm_text_lang *out) CXM_WUR;
/* "auto", "en", "ms", "zh-Hans", "zh-Hant", "ja", "und". Borrowed, static. */
const char *cxm_text_lang_name(cxm_text_lang lang);

/* ---- segmentation (segment.c) --------------------------------------- */
typedef struct cxm_text cxm_text;

enum { CXM_TOK_WORD = 1, CXM_TOK_NUMBER = 2 };
/* Script of a token's first character, used to join words into phrases
 * (no space between two CJK words). */
enum { CXM_SCRIPT_OTHER = 0, CXM_SCRIPT_LATIN = 1, CXM_SCRIPT_HAN = 2, CXM_SCRIPT_KANA = 3 };

typedef struct cxm_token {
    uint32_t off, len;   /* bytes of the normalised UTF-8 text */
    uint8_t kind;        /* CXM_TOK_WORD or CXM_TOK_NUMBER */
    uint8_t brk;         /* 1: a boundary precedes it (always 1 for the first token) */
    uint8_t script;      /* CXM_SCRIPT_* of its first character */
    uint8_t last_script; /* CXM_SCRIPT_* of its last character */
} cxm_token;

typedef struct cxm_segmented {
    const char *text;     /* normalised UTF-8, NUL-terminated */
    size_t len;           /* bytes of text */
    const cxm_token *tok; /* ntok tokens in text order */
    size_t ntok;
    cxm_text_lang lang; /* as given, or detected when AUTO was given */
} cxm_segmented;

/* A segmenter: ICU break iterators (one per language, opened on first use)
 * and growable scratch buffers. *out owned: cxm_text_free. */
int cxm_text_new(cxm_text **out, cxm_diag *diag) CXM_WUR;
void cxm_text_free(cxm_text *t); /* t may be NULL */

/* Normalises and segments s[0..n) (any bytes; invalid UTF-8 is replaced)
 * in lang (AUTO = detect). out's pointers are borrowed from t and valid
 * until the next call on t. Errors: CXM_ELIMIT when n > CXM_MAX_FIELD_BYTES,
 * CXM_ENOMEM, CXM_EIO when ICU fails (its error name in diag). */
int cxm_text_segment(cxm_text *t, const char *s, size_t n, cxm_text_lang lang, cxm_segmented *out,
                     cxm_diag *diag) CXM_WUR;

/* CXM_SCRIPT_* of a code point: Latin letters (ASCII, Latin-1, Latin
 * Extended) -> LATIN; CJK ideographs (URO, Ext A-H, compatibility) and
 * U+3005 々 -> HAN; hiragana, katakana (incl. phonetic extensions, U+30FC
 * ー) -> KANA; anything else -> OTHER. */
int cxm_text_script(uint32_t cp);
/* How words are joined into a phrase's text (theme phrases and key
 * phrases alike): with one space, unless the script of the last character
 * of the first or of the first character of the second is HAN or KANA, then
 * with nothing ("money back", "退款申请", "wifi很慢"). Returns 1 for a space. */
int cxm_text_join_space(int last_script_prev, int first_script_next);

/* ---- stop words (stopwords.c) --------------------------------------- */
/* Bit (1u << lang) of the mask is set when the list of lang holds w.
 * w is a normalised token (NFKC, lower case), w[0..n). */
unsigned cxm_text_stop_mask(const char *w, size_t n);
/* The lists a comment in lang is filtered with: its own, plus English for
 * ms/zh/ja/und (mixing in English is common), plus both Chinese lists for
 * either Chinese. */
unsigned cxm_text_stop_lists(cxm_text_lang lang);
/* 1 if w[0..n) is a stop word for a comment in lang. */
int cxm_text_is_stop(const char *w, size_t n, cxm_text_lang lang);
/* The curated list of lang, sorted by bytes (for tests and docs). */
size_t cxm_text_stop_count(cxm_text_lang lang);
const char *cxm_text_stop_word(cxm_text_lang lang, size_t i); /* borrowed, static */

/* ---- themes from keyword rules (themes.c) --------------------------- */
/*
 * Theme file (docs/internals/text.md; examples/themes.ini):
 *
 *   # a comment line ('#' or ';' as the first non-blank character)
 *   [refund]                      # a theme: its name is the section name
 *   words = refund, money back, 退款, 返金, bayaran balik
 *   words = 退錢, 払い戻し         # repeatable; the lists add up
 *   words = reimburse*            # '*' ending an item: its last word is a prefix
 *   exclude = refund policy       # a comment with an exclusion is not in the theme
 *
 * UTF-8 (optional BOM; LF or CRLF). Names: 1-127 bytes, no control
 * characters or ']', unique, case-sensitive; ids 0, 1, ... in file order.
 * Keys "words" and "exclude" (ASCII case-insensitive). Items are separated by ',' '，' or
 * '、'; blanks (space, tab, U+3000) around items are ignored. Each item
 * is normalised and segmented like a comment; it matches a comment when its
 * words occur consecutively in the comment's tokens with no boundary
 * between them (so on word boundaries: 退款 matches 申请退款 because ICU
 * segments that as 申请|退款, but "refund" never matches "refunded").
 * An item ending in '*' matches when its last word is a prefix of the
 * comment's word ("refund*" matches refund, refunds, refunded; "money
 * back*" matches "money backed"); the word before '*' has at least 2
 * characters and '*' appears nowhere else. Key "exclude" (repeatable) lists
 * items, with the same syntax, that take a comment out of the theme
 * wherever they occur in it ("not rude" for [rude], "refund policy" for
 * [refund]); a theme needs at least one "words" item.
 * Errors (CXM_EPARSE, with 1-based line and character column): text before
 * the first section, an unknown key, a missing '=', an empty or duplicate
 * name, an empty item, an item with no word, an item with punctuation
 * between its words (it could never match), an item longer than
 * CXM_MAX_THEME_PHRASE_BYTES once normalised and joined (a byte cap, not a
 * word cap: ICU may cut one katakana word into 9 tokens), a theme with no
 * words, invalid UTF-8;
 * CXM_ELIMIT past CXM_MAX_THEMES, CXM_MAX_THEME_PHRASES,
 * CXM_MAX_THEME_FILE_BYTES.
 */
typedef struct cxm_themes cxm_themes;

/* Parses text[0..len); name (borrowed) names it in diagnostics; t
 * (borrowed) segments the items. *out owned: cxm_themes_free. */
int cxm_themes_parse(cxm_text *t, const char *name, const char *text, size_t len, cxm_themes **out,
                     cxm_diag *diag) CXM_WUR;
/* Reads and parses the file at path (CXM_EIO if unreadable). */
int cxm_themes_load(cxm_text *t, const char *path, cxm_themes **out, cxm_diag *diag) CXM_WUR;
void cxm_themes_free(cxm_themes *th); /* th may be NULL */

size_t cxm_themes_count(const cxm_themes *th);
const char *cxm_themes_name(const cxm_themes *th, uint32_t id); /* borrowed from th; NULL if out of range */
/* 1 and *id when a theme is called name[0..n), else 0. */
int cxm_themes_find(const cxm_themes *th, const char *name, size_t n, uint32_t *id);

/* The themes a segmented comment mentions: their ids, ascending and
 * distinct, into ids (caller's, room for cxm_themes_count(th) ids).
 * Returns how many. Does not allocate; safe from several threads. */
size_t cxm_themes_match_segmented(const cxm_themes *th, const cxm_segmented *seg, uint32_t *ids);
/* Segments s[0..n) with t, then as above; *nids receives the count.
 * CXM_EINVAL if cap < cxm_themes_count(th). */
int cxm_themes_match(const cxm_themes *th, cxm_text *t, const char *s, size_t n, cxm_text_lang lang, uint32_t *ids,
                     size_t cap, size_t *nids, cxm_diag *diag) CXM_WUR;

/* ---- corpus: themes per comment and key phrases (phrases.c) --------- */
/*
 * RAKE (Rose et al. 2010) over a whole corpus. Candidate phrases are the
 * runs of word tokens of a comment between boundaries, numbers and stop
 * words of the comment's language (cxm_text_stop_lists); runs longer than
 * max_words are not candidates (their words are not counted either), as in
 * common RAKE implementations. Two CJK rules: adjacent katakana tokens are
 * one word (ICU cuts unknown loanwords into fragments), and one Han
 * character glued to a number is its unit (2008年, 300元), not a word.
 * Tokens longer than CXM_MAX_TEXT_WORD_BYTES end a run like stop words.
 * Over all candidates of the corpus:
 *   freq(w)   = occurrences of w in candidates,
 *   deg(w)    = sum over those occurrences of the candidate's length in words,
 *   score(w)  = deg(w) / freq(w),     score(p) = sum of score(w) for w in p,
 *   count(p)  = occurrences of p as a candidate, docs(p) = comments with p.
 * Ranking: CXM_RANK_WEIGHTED (default) by count(p) * score(p), which favours
 * phrases many customers write; CXM_RANK_SCORE by score(p), classic RAKE
 * (long, rare phrases first). Both keep only phrases with count >= min_count
 * and break ties by count, then by phrase bytes.
 */
enum { CXM_RANK_WEIGHTED = 0, CXM_RANK_SCORE = 1 };

typedef struct cxm_corpus_opts {
    uint32_t max_words; /* longest candidate in words, 1..CXM_MAX_KEYPHRASE_WORDS; 0 = 4 */
    uint32_t min_count; /* 0 = 2 */
    int rank;           /* CXM_RANK_* */
} cxm_corpus_opts;

typedef struct cxm_phrase {
    const char *text; /* words joined by ' ', or by nothing between two CJK words */
    uint32_t nwords;
    uint64_t count, docs;
    double score; /* RAKE score(p) */
    double rank;  /* the ranking key: count*score or score */
} cxm_phrase;

typedef struct cxm_corpus cxm_corpus;

/* o may be NULL (defaults). themes (borrowed, may be NULL) must outlive
 * *out. *out owned: cxm_corpus_free. CXM_EINVAL on a bad option. */
int cxm_corpus_new(const cxm_corpus_opts *o, const cxm_themes *themes, cxm_corpus **out, cxm_diag *diag) CXM_WUR;
void cxm_corpus_free(cxm_corpus *c); /* c may be NULL */

/* Segments s[0..n) with t (lang AUTO = detect), records the themes it
 * mentions as comment number cxm_corpus_count(c) - 1 and adds its candidate
 * phrases. CXM_ELIMIT past CXM_MAX_RECORDS comments, CXM_MAX_TEXT_WORDS
 * words or CXM_MAX_TEXT_PHRASES phrases; CXM_ENOMEM. On error no count
 * and no comment is added (words or phrases interned before the failure
 * stay with zero counts, which no result shows). */
int cxm_corpus_add(cxm_corpus *c, cxm_text *t, const char *s, size_t n, cxm_text_lang lang, cxm_diag *diag) CXM_WUR;
/* The same for an already segmented comment (borrowed). */
int cxm_corpus_add_segmented(cxm_corpus *c, const cxm_segmented *seg, cxm_diag *diag) CXM_WUR;

uint64_t cxm_corpus_count(const cxm_corpus *c);
/* Comment i's theme ids (ascending; borrowed from c, valid until the next
 * add or merge) and its language (given or detected). */
void cxm_corpus_themes(const cxm_corpus *c, uint64_t i, const uint32_t **ids, size_t *n);
cxm_text_lang cxm_corpus_lang(const cxm_corpus *c, uint64_t i);
/* Comments that mention theme id. */
uint64_t cxm_corpus_theme_count(const cxm_corpus *c, uint32_t id);

/* RAKE numbers of one word (normalised): 1 and *deg, *freq if seen. */
int cxm_corpus_word(const cxm_corpus *c, const char *w, size_t n, uint64_t *deg, uint64_t *freq);

/* The top k phrases by the ranking (fewer if fewer qualify). *out is
 * borrowed from c, valid until the next call of top, add, merge or free. */
int cxm_corpus_top(cxm_corpus *c, size_t k, const cxm_phrase **out, size_t *n, cxm_diag *diag) CXM_WUR;

/* Appends src's comments (after dst's) and adds its word and phrase counts
 * into dst, as if dst had seen them itself. Both must use the same themes
 * and options (CXM_EINVAL otherwise). src is unchanged. */
int cxm_corpus_merge(cxm_corpus *dst, const cxm_corpus *src, cxm_diag *diag) CXM_WUR;

#endif
