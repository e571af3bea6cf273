/*
 * phrases.c - a corpus of comments: each comment's themes and language,
 * and RAKE-like key phrases over the whole corpus (definitions in text.h).
 *
 * Words: a cxm_dict of normalised word strings -> dense ids, with per id
 * RAKE freq and deg and the stop-list mask (computed once, when the word is
 * first seen). A run of katakana tokens with nothing between them is one
 * word: ICU's dictionary cuts unknown katakana loanwords into fragments
 * (カスタマーエクスペリエンス -> カス|タマ|ー|エ|クス|ペ|リ|エン|ス), and in
 * Japanese writing such a run is one compound noun anyway.
 *
 * Phrases: open addressing over (word ids, length) -> entry {ids, count,
 * docs, last comment}; ~40 bytes a phrase plus 8-16 bytes of table. A
 * million hotel-review-sized comments give ~10^6-10^7 distinct phrases.
 *
 * Adding a comment is two passes: the first interns its words and phrases
 * (new ones with zero counts; a limit or allocation failure stops here and
 * leaves every count as it was, zero-count entries being invisible), the
 * second adds the counts. Merging does the same with a whole corpus.
 *
 * Invariants: words.count == number of word ids with freq/deg/stop slots;
 * every phrase has 1..max_words ids; toff has n + 1 entries when themes
 * are attached; theme ids per comment ascend.
 */
#include "text/text.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/dict.h"
#include "core/limits.h"

typedef struct phrase {
    uint32_t w[CXM_MAX_KEYPHRASE_WORDS];
    uint32_t n;
    uint32_t last; /* 1 + index of the last comment that counted it in docs */
    uint64_t count;
    uint64_t docs;
} phrase;

struct cxm_corpus {
    cxm_corpus_opts o;
    const cxm_themes *themes;
    size_t nthemes;
    /* comments */
    uint64_t n;
    uint8_t *lang;
    size_t caplang;
    uint64_t *toff; /* n + 1 offsets into tids (themes only) */
    size_t captoff;
    uint32_t *tids;
    size_t ntids, captids;
    uint64_t *theme_n;     /* comments per theme */
    uint32_t *scratch_ids; /* nthemes */
    /* words */
    cxm_dict words;
    uint64_t *freq, *deg;
    uint8_t *stop; /* cxm_text_stop_mask bits */
    size_t capw;
    /* phrases */
    phrase *ph;
    size_t nph, capph;
    uint64_t *slot; /* (hash high 32 bits) << 32 | (index + 1); 0 = empty */
    size_t nslots;
    /* one comment's candidates, pass 1 -> pass 2 */
    uint32_t *cand;
    size_t ncand, capcand;
    /* the last top() */
    cxm_phrase *top;
    cxm_arena top_arena;
};

static int grow(void **p, size_t *cap, size_t need, size_t sz) {
    if (need <= *cap) return CXM_OK;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * sz);
    if (!q) return CXM_ENOMEM;
    *p = q;
    *cap = nc;
    return CXM_OK;
}

int cxm_corpus_new(const cxm_corpus_opts *o, const cxm_themes *themes, cxm_corpus **out, cxm_diag *diag) {
    *out = NULL;
    cxm_corpus_opts op = o ? *o : (cxm_corpus_opts){0, 0, CXM_RANK_WEIGHTED};
    if (!op.max_words) op.max_words = 4;
    if (!op.min_count) op.min_count = 2;
    if (op.max_words > CXM_MAX_KEYPHRASE_WORDS)
        return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "max_words %u: at most CXM_MAX_KEYPHRASE_WORDS (%u)",
                            op.max_words, CXM_MAX_KEYPHRASE_WORDS);
    if (op.rank != CXM_RANK_WEIGHTED && op.rank != CXM_RANK_SCORE)
        return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "unknown ranking %d", op.rank);
    cxm_corpus *c = calloc(1, sizeof *c);
    if (!c) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    c->o = op;
    c->themes = themes;
    c->nthemes = cxm_themes_count(themes);
    cxm_dict_init(&c->words, CXM_MAX_TEXT_WORDS);
    cxm_arena_init(&c->top_arena);
    if (c->nthemes) {
        c->theme_n = calloc(c->nthemes, sizeof *c->theme_n);
        c->scratch_ids = malloc(c->nthemes * sizeof *c->scratch_ids);
        c->toff = calloc(64, sizeof *c->toff);
        c->captoff = 64;
        if (!c->theme_n || !c->scratch_ids || !c->toff) {
            cxm_corpus_free(c);
            return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        }
    }
    *out = c;
    return CXM_OK;
}

void cxm_corpus_free(cxm_corpus *c) {
    if (!c) return;
    free(c->lang);
    free(c->toff);
    free(c->tids);
    free(c->theme_n);
    free(c->scratch_ids);
    cxm_dict_free(&c->words);
    free(c->freq);
    free(c->deg);
    free(c->stop);
    free(c->ph);
    free(c->slot);
    free(c->cand);
    free(c->top);
    cxm_arena_free(&c->top_arena);
    free(c);
}

/* ---- words and phrases ---------------------------------------------- */

static int limit(cxm_diag *diag, int rc, const char *what) {
    if (rc == CXM_ELIMIT)
        return cxm_diag_set(diag, rc, NULL, 0, 0, NULL, "more distinct %s than the corpus allows (%s)", what,
                            !strcmp(what, "words") ? "CXM_MAX_TEXT_WORDS" : "CXM_MAX_TEXT_PHRASES");
    return cxm_diag_set(diag, rc, NULL, 0, 0, NULL, "out of memory");
}

/* The id of word w[0..n), interned with its stop mask if new. The per-word
 * arrays are grown first, so an interned word always has its slots. */
static int word_id(cxm_corpus *c, const char *w, size_t n, uint32_t *id) {
    size_t need = c->words.count + 1;
    if (need > c->capw) {
        size_t c1 = c->capw, c2 = c->capw, c3 = c->capw;
        if (grow((void **)&c->freq, &c1, need, sizeof *c->freq) || grow((void **)&c->deg, &c2, need, sizeof *c->deg) ||
            grow((void **)&c->stop, &c3, need, 1))
            return CXM_ENOMEM; /* capw unchanged: the next call grows again */
        c->capw = c1;
    }
    int added;
    int rc = cxm_dict_intern(&c->words, w, n, id, &added);
    if (rc) return rc;
    if (added) {
        c->freq[*id] = 0;
        c->deg[*id] = 0;
        c->stop[*id] = (uint8_t)cxm_text_stop_mask(w, n);
    }
    return CXM_OK;
}

static uint64_t phrase_hash(const uint32_t *w, uint32_t n) {
    return cxm_hash(w, n * sizeof *w);
}

static int slots_grow(cxm_corpus *c) {
    size_t ns = c->nslots ? c->nslots * 2 : 1024;
    uint64_t *s = calloc(ns, sizeof *s);
    if (!s) return CXM_ENOMEM;
    for (size_t i = 0; i < c->nslots; i++) {
        uint64_t v = c->slot[i];
        if (!v) continue;
        const phrase *p = &c->ph[(v & 0xFFFFFFFFu) - 1];
        size_t j = phrase_hash(p->w, p->n) & (ns - 1);
        while (s[j])
            j = (j + 1) & (ns - 1);
        s[j] = v;
    }
    free(c->slot);
    c->slot = s;
    c->nslots = ns;
    return CXM_OK;
}

/* The index of phrase w[0..n), created with zero counts if new. */
static int phrase_id(cxm_corpus *c, const uint32_t *w, uint32_t n, uint32_t *idx) {
    if ((c->nph + 1) * 2 > c->nslots && slots_grow(c)) return CXM_ENOMEM;
    uint64_t h = phrase_hash(w, n);
    size_t mask = c->nslots - 1, j = h & mask;
    uint64_t tag = h >> 32 << 32;
    while (c->slot[j]) {
        uint64_t v = c->slot[j];
        if ((v & ~0xFFFFFFFFull) == tag) {
            const phrase *p = &c->ph[(v & 0xFFFFFFFFu) - 1];
            if (p->n == n && !memcmp(p->w, w, n * sizeof *w)) {
                *idx = (uint32_t)((v & 0xFFFFFFFFu) - 1);
                return CXM_OK;
            }
        }
        j = (j + 1) & mask;
    }
    if (c->nph >= CXM_MAX_TEXT_PHRASES) return CXM_ELIMIT;
    if (grow((void **)&c->ph, &c->capph, c->nph + 1, sizeof *c->ph)) return CXM_ENOMEM;
    phrase *p = &c->ph[c->nph];
    memset(p, 0, sizeof *p);
    memcpy(p->w, w, n * sizeof *w);
    p->n = n;
    c->slot[j] = tag | (uint64_t)(c->nph + 1);
    *idx = (uint32_t)c->nph++;
    return CXM_OK;
}

/* ---- adding comments ------------------------------------------------ */

/* 1 if t[0..n) is katakana only (U+30A1-U+30FA, U+30FC-U+30FF, U+31F0-U+31FF). */
static int all_katakana(const unsigned char *t, size_t n) {
    if (!n || n % 3) return 0;
    for (size_t i = 0; i < n; i += 3) {
        if (t[i] != 0xE3) return 0;
        unsigned cp = (t[i + 1] & 0x3Fu) << 6 | (t[i + 2] & 0x3Fu);
        cp |= 0x3000u;
        if (!((cp >= 0x30A1 && cp <= 0x30FA) || (cp >= 0x30FC && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF)))
            return 0;
    }
    return 1;
}

/* Ends the current run: a candidate unless empty or longer than max_words. */
static int end_run(cxm_corpus *c, const uint32_t *run, uint32_t *nrun, int *overlong, cxm_diag *diag) {
    int rc = CXM_OK;
    if (*nrun && !*overlong) {
        uint32_t idx;
        if ((rc = phrase_id(c, run, *nrun, &idx))) return limit(diag, rc, "phrases");
        if (grow((void **)&c->cand, &c->capcand, c->ncand + 1, sizeof *c->cand))
            return limit(diag, CXM_ENOMEM, "phrases");
        c->cand[c->ncand++] = idx;
    }
    *nrun = 0;
    *overlong = 0;
    return rc;
}

/* Pass 1 over one comment: candidate phrase indices into c->cand. */
static int candidates(cxm_corpus *c, const cxm_segmented *seg, cxm_diag *diag) {
    const unsigned mask = cxm_text_stop_lists(seg->lang);
    const cxm_token *tok = seg->tok;
    const unsigned char *text = (const unsigned char *)seg->text;
    uint32_t run[CXM_MAX_KEYPHRASE_WORDS];
    uint32_t nrun = 0;
    int overlong = 0, rc;
    c->ncand = 0;
    for (size_t i = 0;; i++) {
        if (i == seg->ntok || tok[i].brk || tok[i].kind != CXM_TOK_WORD) {
            if ((rc = end_run(c, run, &nrun, &overlong, diag))) return rc;
            if (i == seg->ntok) return CXM_OK;
            if (tok[i].kind != CXM_TOK_WORD) continue; /* a number ends a run */
        }
        /* one Han character glued to a number is its unit or counter
         * (2008年, 5月, 300元, 3个, 5時): part of the number, not a word */
        if (i && tok[i - 1].kind == CXM_TOK_NUMBER && tok[i].len == 3 && tok[i].script == CXM_SCRIPT_HAN &&
            tok[i - 1].off + tok[i - 1].len == tok[i].off) {
            if ((rc = end_run(c, run, &nrun, &overlong, diag))) return rc;
            continue;
        }
        /* a word: one token, or a run of adjacent katakana tokens */
        size_t off = tok[i].off, len = tok[i].len;
        if (all_katakana(text + off, len))
            while (i + 1 < seg->ntok && !tok[i + 1].brk && tok[i + 1].off == off + len &&
                   all_katakana(text + tok[i + 1].off, tok[i + 1].len))
                len += tok[++i].len;
        uint32_t id = 0;
        int stop = len > CXM_MAX_TEXT_WORD_BYTES; /* an over-long token is no word */
        if (!stop) {
            if ((rc = word_id(c, seg->text + off, len, &id))) return limit(diag, rc, "words");
            stop = (c->stop[id] & mask) != 0;
        }
        if (stop) {
            if ((rc = end_run(c, run, &nrun, &overlong, diag))) return rc;
        } else if (nrun == c->o.max_words) {
            overlong = 1;
        } else {
            run[nrun++] = id;
        }
    }
}

int cxm_corpus_add_segmented(cxm_corpus *c, const cxm_segmented *seg, cxm_diag *diag) {
    if (c->n >= CXM_MAX_RECORDS)
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL, "more comments than CXM_MAX_RECORDS");
    /* room first, so nothing below fails after counts change */
    if (grow((void **)&c->lang, &c->caplang, c->n + 1, 1) ||
        (c->nthemes && (grow((void **)&c->toff, &c->captoff, c->n + 2, sizeof *c->toff) ||
                        grow((void **)&c->tids, &c->captids, c->ntids + c->nthemes, sizeof *c->tids))))
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    int rc = candidates(c, seg, diag);
    if (rc) return rc;

    uint32_t doc = (uint32_t)(c->n + 1);
    for (size_t k = 0; k < c->ncand; k++) {
        phrase *p = &c->ph[c->cand[k]];
        p->count++;
        if (p->last != doc) {
            p->last = doc;
            p->docs++;
        }
        for (uint32_t w = 0; w < p->n; w++) {
            c->freq[p->w[w]]++;
            c->deg[p->w[w]] += p->n;
        }
    }
    if (c->nthemes) {
        size_t m = cxm_themes_match_segmented(c->themes, seg, c->tids + c->ntids);
        for (size_t k = 0; k < m; k++)
            c->theme_n[c->tids[c->ntids + k]]++;
        c->ntids += m;
        c->toff[c->n + 1] = c->ntids;
    }
    c->lang[c->n++] = (uint8_t)seg->lang;
    return CXM_OK;
}

int cxm_corpus_add(cxm_corpus *c, cxm_text *t, const char *s, size_t n, cxm_text_lang lang, cxm_diag *diag) {
    cxm_segmented seg;
    int rc = cxm_text_segment(t, s, n, lang, &seg, diag);
    return rc ? rc : cxm_corpus_add_segmented(c, &seg, diag);
}

/* ---- queries -------------------------------------------------------- */

uint64_t cxm_corpus_count(const cxm_corpus *c) {
    return c ? c->n : 0;
}

void cxm_corpus_themes(const cxm_corpus *c, uint64_t i, const uint32_t **ids, size_t *n) {
    *ids = NULL;
    *n = 0;
    if (!c || i >= c->n || !c->nthemes) return;
    *ids = c->tids + c->toff[i];
    *n = (size_t)(c->toff[i + 1] - c->toff[i]);
}

cxm_text_lang cxm_corpus_lang(const cxm_corpus *c, uint64_t i) {
    return c && i < c->n ? (cxm_text_lang)c->lang[i] : CXM_TEXT_UND;
}

uint64_t cxm_corpus_theme_count(const cxm_corpus *c, uint32_t id) {
    return c && id < c->nthemes ? c->theme_n[id] : 0;
}

int cxm_corpus_word(const cxm_corpus *c, const char *w, size_t n, uint64_t *deg, uint64_t *freq) {
    uint32_t id;
    if (!c || !cxm_dict_find(&c->words, w, n, &id) || !c->freq[id]) return 0;
    *deg = c->deg[id];
    *freq = c->freq[id];
    return 1;
}

/* ---- top phrases ---------------------------------------------------- */

typedef struct ranked {
    uint32_t idx;
    double rank, score;
} ranked;

/* Byte order of the phrases' word sequences (the final tie-break). */
static int words_cmp(const cxm_corpus *c, const phrase *a, const phrase *b) {
    uint32_t n = a->n < b->n ? a->n : b->n;
    for (uint32_t i = 0; i < n; i++) {
        if (a->w[i] == b->w[i]) continue;
        uint32_t la = c->words.lens[a->w[i]], lb = c->words.lens[b->w[i]];
        int r = memcmp(c->words.strs[a->w[i]], c->words.strs[b->w[i]], la < lb ? la : lb);
        if (r) return r;
        return la < lb ? -1 : 1;
    }
    return (a->n > b->n) - (a->n < b->n);
}

/* 1 if x ranks before y. */
static int before(const cxm_corpus *c, const ranked *x, const ranked *y) {
    if (x->rank != y->rank) return x->rank > y->rank;
    const phrase *a = &c->ph[x->idx], *b = &c->ph[y->idx];
    if (a->count != b->count) return a->count > b->count;
    return words_cmp(c, a, b) < 0;
}

/* Min-heap on "before": the root is the worst of the kept k. */
static void sift_down(const cxm_corpus *c, ranked *h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && before(c, &h[w], &h[l])) w = l;
        if (r < n && before(c, &h[w], &h[r])) w = r;
        if (w == i) return;
        ranked t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}
static void sift_up(const cxm_corpus *c, ranked *h, size_t i) {
    while (i) {
        size_t p = (i - 1) / 2;
        if (!before(c, &h[p], &h[i])) return;
        ranked t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

/* First / last code point of UTF-8 s[0..n) (n >= 1, produced by segment.c). */
static uint32_t first_cp(const unsigned char *s, size_t n) {
    if (s[0] < 0x80 || n < 2) return s[0];
    if (s[0] < 0xE0) return (s[0] & 0x1Fu) << 6 | (s[1] & 0x3Fu);
    if (s[0] < 0xF0 || n < 4) return n < 3 ? 0xFFFD : (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
    return (s[0] & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
}
static uint32_t last_cp(const unsigned char *s, size_t n) {
    size_t i = n - 1;
    while (i && (s[i] & 0xC0) == 0x80)
        i--;
    return first_cp(s + i, n - i);
}

int cxm_corpus_top(cxm_corpus *c, size_t k, const cxm_phrase **out, size_t *n, cxm_diag *diag) {
    *out = NULL;
    *n = 0;
    free(c->top);
    c->top = NULL;
    cxm_arena_free(&c->top_arena);
    if (k > c->nph) k = c->nph;
    if (!k) return CXM_OK;
    ranked *h = malloc(k * sizeof *h);
    if (!h) return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    size_t nh = 0;
    for (size_t i = 0; i < c->nph; i++) {
        const phrase *p = &c->ph[i];
        if (p->count < c->o.min_count) continue;
        double score = 0;
        for (uint32_t w = 0; w < p->n; w++)
            score += (double)c->deg[p->w[w]] / (double)c->freq[p->w[w]];
        ranked r = {(uint32_t)i, c->o.rank == CXM_RANK_SCORE ? score : (double)p->count * score, score};
        if (nh < k) {
            h[nh] = r;
            sift_up(c, h, nh++);
        } else if (before(c, &r, &h[0])) {
            h[0] = r;
            sift_down(c, h, nh, 0);
        }
    }
    /* heap -> best first: repeatedly move the worst to the end */
    for (size_t m = nh; m > 1; m--) {
        ranked t = h[0];
        h[0] = h[m - 1];
        h[m - 1] = t;
        sift_down(c, h, m - 1, 0);
    }
    c->top = calloc(nh ? nh : 1, sizeof *c->top);
    if (!c->top) {
        free(h);
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    }
    for (size_t i = 0; i < nh; i++) {
        const phrase *p = &c->ph[h[i].idx];
        size_t len = 0;
        for (uint32_t w = 0; w < p->n; w++)
            len += c->words.lens[p->w[w]] + 1;
        char *s = cxm_arena_alloc(&c->top_arena, len + 1);
        if (!s) {
            free(h);
            return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
        }
        size_t o = 0;
        for (uint32_t w = 0; w < p->n; w++) {
            const unsigned char *ws = (const unsigned char *)c->words.strs[p->w[w]];
            size_t wl = c->words.lens[p->w[w]];
            if (w) {
                const unsigned char *ps = (const unsigned char *)c->words.strs[p->w[w - 1]];
                if (cxm_text_join_space(cxm_text_script(last_cp(ps, c->words.lens[p->w[w - 1]])),
                                        cxm_text_script(first_cp(ws, wl))))
                    s[o++] = ' ';
            }
            memcpy(s + o, ws, wl);
            o += wl;
        }
        s[o] = 0;
        c->top[i] = (cxm_phrase){s, p->n, p->count, p->docs, h[i].score, h[i].rank};
    }
    free(h);
    *out = c->top;
    *n = nh;
    return CXM_OK;
}

/* ---- merging -------------------------------------------------------- */

int cxm_corpus_merge(cxm_corpus *dst, const cxm_corpus *src, cxm_diag *diag) {
    if (!dst || !src || dst == src || dst->themes != src->themes || dst->o.max_words != src->o.max_words ||
        dst->o.min_count != src->o.min_count || dst->o.rank != src->o.rank)
        return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "corpora with different themes or options");
    if (dst->n + src->n > CXM_MAX_RECORDS)
        return cxm_diag_set(diag, CXM_ELIMIT, NULL, 0, 0, NULL, "more comments than CXM_MAX_RECORDS");
    if (grow((void **)&dst->lang, &dst->caplang, dst->n + src->n + 1, 1) ||
        (dst->nthemes && (grow((void **)&dst->toff, &dst->captoff, dst->n + src->n + 2, sizeof *dst->toff) ||
                          grow((void **)&dst->tids, &dst->captids, dst->ntids + src->ntids + 1, sizeof *dst->tids))))
        return cxm_diag_set(diag, CXM_ENOMEM, NULL, 0, 0, NULL, "out of memory");
    /* pass 1: ids in dst of src's words and phrases */
    uint32_t *wmap = malloc((src->words.count ? src->words.count : 1) * sizeof *wmap);
    uint32_t *pmap = malloc((src->nph ? src->nph : 1) * sizeof *pmap);
    int rc = wmap && pmap ? CXM_OK : CXM_ENOMEM;
    for (size_t i = 0; !rc && i < src->words.count; i++)
        rc = word_id(dst, src->words.strs[i], src->words.lens[i], &wmap[i]);
    if (rc) rc = limit(diag, rc, "words");
    for (size_t i = 0; !rc && i < src->nph; i++) {
        uint32_t w[CXM_MAX_KEYPHRASE_WORDS];
        for (uint32_t j = 0; j < src->ph[i].n; j++)
            w[j] = wmap[src->ph[i].w[j]];
        rc = phrase_id(dst, w, src->ph[i].n, &pmap[i]);
        if (rc) rc = limit(diag, rc, "phrases");
    }
    if (rc) {
        free(wmap);
        free(pmap);
        return rc;
    }
    /* pass 2: counts */
    for (size_t i = 0; i < src->words.count; i++) {
        dst->freq[wmap[i]] += src->freq[i];
        dst->deg[wmap[i]] += src->deg[i];
    }
    for (size_t i = 0; i < src->nph; i++) {
        dst->ph[pmap[i]].count += src->ph[i].count;
        dst->ph[pmap[i]].docs += src->ph[i].docs;
    }
    free(wmap);
    free(pmap);
    if (dst->nthemes) {
        memcpy(dst->tids + dst->ntids, src->tids, src->ntids * sizeof *src->tids);
        for (uint64_t i = 1; i <= src->n; i++)
            dst->toff[dst->n + i] = dst->ntids + src->toff[i];
        dst->ntids += src->ntids;
        for (size_t t = 0; t < dst->nthemes; t++)
            dst->theme_n[t] += src->theme_n[t];
    }
    if (src->n) memcpy(dst->lang + dst->n, src->lang, src->n);
    dst->n += src->n;
    return CXM_OK;
}
