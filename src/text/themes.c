/*
 * themes.c - themes from keyword rules: the theme file parser and the
 * matcher (file format and matching rule in text.h).
 *
 * Representation: every item of the file is normalised and segmented like
 * a comment, and its tokens are joined into a key by cxm_text_join_space
 * ("money back", "退款申请"). The keys live in one byte trie; a node that
 * ends a key lists the themes whose items end there (CSR arrays, built
 * once at the end of parsing). Trie edges are an open-addressing table
 * keyed by (node, byte): ~1 node per key byte, so a file of 10^4 items of
 * ~10 bytes is ~10^5 nodes, a few MiB at most.
 *
 * Matching a comment: from each token, walk the trie through the token's
 * bytes, then (if no boundary follows) a joining space or nothing and the
 * next token's bytes, and so on; at each token end a terminal node yields
 * its themes. So an item matches exactly a run of whole consecutive tokens
 * whose joined text equals its key: it must begin and end on token
 * boundaries, but how the dictionary split CJK text *inside* the item does
 * not matter (ICU splits 客服 as 客|服 and カスタマー in context as
 * カス|タマ|ー; both still match). Cost per comment: O(tokens x the bytes
 * walked), in practice 1-3 table probes per token. Themes seen are kept in
 * a bitset on the stack (CXM_MAX_THEMES bits), so matching never
 * allocates and a cxm_themes can be shared by threads.
 *
 * Prefix items ("refund*") end at a node listed in the second CSR pair
 * (pterm_*): that node yields its themes as soon as the walk reaches it,
 * even in the middle of a token, so the item's last word matches any word
 * that starts with it. Exclusions ("exclude = not rude") are items like
 * the others whose terminal entries carry EXCLUDE_BIT; a comment's themes
 * are the themes it matches minus the themes it excludes.
 *
 * Invariants: node 0 is the root; ids are dense in file order; each theme
 * has at least one "words" item; term_off and pterm_off have nnodes + 1
 * entries; entries are theme ids, ORed with EXCLUDE_BIT for exclusions.
 */
#include "text/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/dict.h"
#include "core/limits.h"

struct cxm_themes {
    cxm_dict names; /* theme name -> id (ids in file order) */
    uint32_t nnodes, capnodes;
    uint64_t *ekey;   /* edge slot: (node << 8 | byte) + 1, 0 = empty */
    uint32_t *echild; /* edge slot -> child node */
    size_t nslots, nedges;
    uint32_t *term_off;  /* node -> first index in term_ids (nnodes + 1) */
    uint32_t *term_ids;  /* theme ids (| EXCLUDE_BIT) ending at each node on a token end, ascending */
    uint32_t *pterm_off; /* the same for prefix items ("refund*"): */
    uint32_t *pterm_ids; /* they end anywhere, even inside a token */
    uint32_t *nitems;    /* theme id -> "words" items */
};

/* A terminal entry of an exclusion (theme ids are < CXM_MAX_THEMES). */
#define EXCLUDE_BIT 0x80000000u
/* Characters a prefix item's stem has at least ("re*" is too broad). */
#define MIN_PREFIX_CHARS 2

/* ---- trie ----------------------------------------------------------- */

static size_t edge_hash(uint64_t key, size_t mask) {
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}

static uint32_t step(const cxm_themes *th, uint32_t node, unsigned char b) {
    uint64_t key = ((uint64_t)node << 8 | b) + 1;
    size_t mask = th->nslots - 1, j = edge_hash(key, mask);
    for (;;) {
        uint64_t k = th->ekey[j];
        if (k == key) return th->echild[j];
        if (!k) return 0; /* 0 is the root: never a child */
        j = (j + 1) & mask;
    }
}

static int edges_grow(cxm_themes *th) {
    size_t ns = th->nslots ? th->nslots * 2 : 1024;
    uint64_t *k = calloc(ns, sizeof *k);
    uint32_t *c = malloc(ns * sizeof *c);
    if (!k || !c) {
        free(k);
        free(c);
        return CXM_ENOMEM;
    }
    for (size_t i = 0; i < th->nslots; i++) {
        if (!th->ekey[i]) continue;
        size_t j = edge_hash(th->ekey[i], ns - 1);
        while (k[j])
            j = (j + 1) & (ns - 1);
        k[j] = th->ekey[i];
        c[j] = th->echild[i];
    }
    free(th->ekey);
    free(th->echild);
    th->ekey = k;
    th->echild = c;
    th->nslots = ns;
    return CXM_OK;
}

/* The child of node by b, created if missing. */
static int child(cxm_themes *th, uint32_t node, unsigned char b, uint32_t *out) {
    if ((th->nedges + 1) * 2 > th->nslots && edges_grow(th)) return CXM_ENOMEM;
    uint64_t key = ((uint64_t)node << 8 | b) + 1;
    size_t mask = th->nslots - 1, j = edge_hash(key, mask);
    while (th->ekey[j]) {
        if (th->ekey[j] == key) {
            *out = th->echild[j];
            return CXM_OK;
        }
        j = (j + 1) & mask;
    }
    if (th->nnodes == UINT32_MAX) return CXM_ELIMIT;
    th->ekey[j] = key;
    th->echild[j] = th->nnodes++;
    th->nedges++;
    *out = th->echild[j];
    return CXM_OK;
}

/* ---- parser --------------------------------------------------------- */

typedef struct term {
    uint32_t node, theme; /* theme | EXCLUDE_BIT for an exclusion */
    int prefix;           /* 1: a prefix item ("refund*") */
} term;

typedef struct parser {
    cxm_text *t;
    const char *file;
    cxm_diag *diag;
    cxm_themes *th;
    uint64_t line;
    const char *ls;    /* start of the current line */
    int have;          /* a theme is open */
    uint32_t cur;      /* its id */
    uint64_t cur_line; /* the line of its [name] */
    term *terms;       /* (end node, theme) of every item */
    size_t nterms, capterms;
    cxm_buf key; /* scratch: an item's key */
} parser;

/* 1-based character column of p on the current line. */
static uint32_t column_of(const parser *ps, const char *p) {
    uint32_t col = 1;
    for (const char *q = ps->ls; q < p; q++)
        if (((unsigned char)*q & 0xC0) != 0x80 && col < UINT32_MAX) col++;
    return col;
}

static int perr(parser *ps, const char *at, int code, const char *fmt, ...) CXM_PRINTF(4, 5);
static int perr(parser *ps, const char *at, int code, const char *fmt, ...) {
    char msg[sizeof ps->diag->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cxm_diag_set(ps->diag, code, ps->file, ps->line, at ? column_of(ps, at) : 0, NULL, "%s", msg);
}

/* Length of a valid UTF-8 sequence at p (< end), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, min = 0x10000;
    else
        return 0;
    if ((size_t)(end - p) < n) return 0;
    unsigned cp = c & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/* Blank: space, tab or U+3000 (E3 80 80); returns its length or 0. */
static size_t blank_at(const char *p, const char *end) {
    if (p < end && (*p == ' ' || *p == '\t')) return 1;
    if (end - p >= 3 && (unsigned char)p[0] == 0xE3 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x80)
        return 3;
    return 0;
}
static size_t blank_before(const char *start, const char *end) {
    if (end > start && (end[-1] == ' ' || end[-1] == '\t')) return 1;
    if (end - start >= 3 && (unsigned char)end[-3] == 0xE3 && (unsigned char)end[-2] == 0x80 &&
        (unsigned char)end[-1] == 0x80)
        return 3;
    return 0;
}
static void trim(const char **p, const char **end) {
    size_t k;
    while ((k = blank_at(*p, *end)))
        *p += k;
    while ((k = blank_before(*p, *end)))
        *end -= k;
}

/* Item separator: ',' or '，' (EF BC 8C) or '、' (E3 80 81); its length or 0. */
static size_t sep_at(const char *p, const char *end) {
    if (*p == ',') return 1;
    if (end - p >= 3) {
        const unsigned char *u = (const unsigned char *)p;
        if (u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x8C) return 3;
        if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x81) return 3;
    }
    return 0;
}

/* Shown text is cut to 60 bytes on a character boundary: "%.*s", SHOWN(p, n). */
static int shown(const char *p, size_t n) {
    if (n <= 60) return (int)n;
    size_t k = 60;
    while (k && ((unsigned char)p[k] & 0xC0) == 0x80)
        k--;
    return (int)k;
}

static int close_theme(parser *ps) {
    if (!ps->have || ps->th->nitems[ps->cur]) return CXM_OK;
    return cxm_diag_set(ps->diag, CXM_EPARSE, ps->file, ps->cur_line, 1, NULL,
                        "theme [%s] has no words: expected a 'words = ...' line after it",
                        cxm_dict_str(&ps->th->names, ps->cur));
}

static int section(parser *ps, const char *p, const char *end) {
    int rc = close_theme(ps);
    if (rc) return rc;
    const char *open = p++;
    const char *close = memchr(p, ']', (size_t)(end - p));
    if (!close) return perr(ps, open, CXM_EPARSE, "expected ']' to close the theme name");
    const char *after = close + 1, *aend = end;
    trim(&after, &aend);
    if (after < aend) return perr(ps, after, CXM_EPARSE, "unexpected text after ']'");
    const char *ns = p, *ne = close;
    trim(&ns, &ne);
    if (ns == ne) return perr(ps, open, CXM_EPARSE, "empty theme name: expected [name]");
    if (ne - ns > 127) return perr(ps, ns, CXM_EPARSE, "theme name longer than 127 bytes");
    for (const char *q = ns; q < ne; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7F) return perr(ps, q, CXM_EPARSE, "control character in theme name");
    uint32_t id;
    if (cxm_dict_find(&ps->th->names, ns, (size_t)(ne - ns), &id))
        return perr(ps, ns, CXM_EPARSE, "duplicate theme [%.*s]: theme names must be unique", (int)(ne - ns), ns);
    if (ps->th->names.count >= CXM_MAX_THEMES)
        return perr(ps, open, CXM_ELIMIT, "more than CXM_MAX_THEMES (%u) themes", CXM_MAX_THEMES);
    int added;
    rc = cxm_dict_intern(&ps->th->names, ns, (size_t)(ne - ns), &id, &added);
    if (rc) return perr(ps, open, rc, "out of memory");
    uint32_t *ni = realloc(ps->th->nitems, (id + 1) * sizeof *ni);
    if (!ni) return perr(ps, open, CXM_ENOMEM, "out of memory");
    ps->th->nitems = ni;
    ni[id] = 0;
    ps->have = 1;
    ps->cur = id;
    ps->cur_line = ps->line;
    return CXM_OK;
}

/* One item p[0..n) of the current theme; exclude: from an "exclude" line. */
static int item(parser *ps, const char *p, size_t n, int exclude) {
    cxm_segmented seg;
    cxm_diag d;
    int prefix = 0;
    if (n && p[n - 1] == '*') { /* "refund*": the last word is a prefix */
        prefix = 1;
        if (n >= 2 && (p[n - 2] == ' ' || p[n - 2] == '\t' || p[n - 2] == '*'))
            return perr(ps, p + n - 1, CXM_EPARSE,
                        "'*' must follow a word directly (e.g. 'refund*'): it matches any word that starts with it");
        n--;
    }
    for (size_t k = 0; k < n; k++)
        if (p[k] == '*')
            return perr(ps, p + k, CXM_EPARSE,
                        "'*' may only end an item (e.g. 'refund*', 'money back*'): it matches any word that starts "
                        "with the last word");
    int rc = cxm_text_segment(ps->t, p, n, CXM_TEXT_AUTO, &seg, &d);
    if (rc) return perr(ps, p, rc, "%s", d.msg);
    if (!seg.ntok) return perr(ps, p, CXM_EPARSE, "'%.*s' has no word (only punctuation or symbols)", shown(p, n), p);
    if (prefix) {
        const cxm_token *last = &seg.tok[seg.ntok - 1];
        size_t chars = 0;
        for (uint32_t k = 0; k < last->len; k++)
            chars += ((unsigned char)seg.text[last->off + k] & 0xC0) != 0x80;
        if (last->off + last->len != seg.len || chars < MIN_PREFIX_CHARS)
            return perr(ps, p, CXM_EPARSE,
                        "'%.*s*': the word before '*' needs at least %d characters (a shorter prefix matches too much)",
                        shown(p, n), p, MIN_PREFIX_CHARS);
    }
    for (size_t k = 1; k < seg.ntok; k++)
        if (seg.tok[k].brk)
            return perr(ps, p, CXM_EPARSE,
                        "'%.*s' has punctuation between its words, so it could never match "
                        "(a phrase matches words not separated by punctuation); "
                        "write the parts as separate items",
                        shown(p, n), p);
    cxm_buf_reset(&ps->key);
    for (size_t k = 0; k < seg.ntok; k++) {
        if (k && cxm_text_join_space(seg.tok[k - 1].last_script, seg.tok[k].script) && cxm_buf_putc(&ps->key, ' '))
            return perr(ps, p, CXM_ENOMEM, "out of memory");
        if (cxm_buf_append(&ps->key, seg.text + seg.tok[k].off, seg.tok[k].len))
            return perr(ps, p, CXM_ENOMEM, "out of memory");
    }
    if (ps->key.len > CXM_MAX_THEME_PHRASE_BYTES)
        return perr(ps, p, CXM_EPARSE,
                    "'%.*s' is %zu bytes long once normalised; at most CXM_MAX_THEME_PHRASE_BYTES (%u)", shown(p, n), p,
                    ps->key.len, CXM_MAX_THEME_PHRASE_BYTES);
    uint32_t node = 0;
    for (size_t k = 0; k < ps->key.len; k++) {
        rc = child(ps->th, node, (unsigned char)ps->key.data[k], &node);
        if (rc) return perr(ps, p, rc, rc == CXM_ENOMEM ? "out of memory" : "too many trie nodes");
    }
    if (ps->nterms >= CXM_MAX_THEME_PHRASES)
        return perr(ps, p, CXM_ELIMIT, "more than CXM_MAX_THEME_PHRASES (%u) items in the file", CXM_MAX_THEME_PHRASES);
    if (ps->nterms == ps->capterms) {
        size_t nc = ps->capterms ? ps->capterms * 2 : 64;
        term *q = realloc(ps->terms, nc * sizeof *q);
        if (!q) return perr(ps, p, CXM_ENOMEM, "out of memory");
        ps->terms = q;
        ps->capterms = nc;
    }
    ps->terms[ps->nterms++] = (term){node, ps->cur | (exclude ? EXCLUDE_BIT : 0), prefix};
    if (!exclude) ps->th->nitems[ps->cur]++;
    return CXM_OK;
}

static int key_value(parser *ps, const char *p, const char *end) {
    const char *eq = memchr(p, '=', (size_t)(end - p));
    if (!eq) return perr(ps, p, CXM_EPARSE, "expected '[theme name]' or 'words = ...'");
    const char *ks = p, *ke = eq;
    trim(&ks, &ke);
    int exclude = ke - ks == 7 && !strncasecmp(ks, "exclude", 7);
    if (!exclude && (ke - ks != 5 || strncasecmp(ks, "words", 5) != 0))
        return perr(ps, ks, CXM_EPARSE, "unknown key '%.*s': expected 'words' or 'exclude'",
                    shown(ks, (size_t)(ke - ks)), ks);
    if (!ps->have)
        return perr(ps, ks, CXM_EPARSE, "'%s' before any theme: expected a '[theme name]' line first",
                    exclude ? "exclude" : "words");
    const char *v = eq + 1, *vend = end;
    trim(&v, &vend);
    if (v == vend) return perr(ps, eq + 1, CXM_EPARSE, "no words after '=': expected a list like 'refund, money back'");
    const char *q = v;
    for (;;) {
        const char *s = q;
        size_t k = 0;
        while (q < vend && !(k = sep_at(q, vend)))
            q++;
        const char *is = s, *ie = q;
        trim(&is, &ie);
        if (is == ie) return perr(ps, is, CXM_EPARSE, "empty item: expected a word or phrase between separators");
        int rc = item(ps, is, (size_t)(ie - is), exclude);
        if (rc) return rc;
        if (q == vend) return CXM_OK;
        q += k;
    }
}

static int term_cmp(const void *a, const void *b) {
    const term *x = a, *y = b;
    if (x->prefix != y->prefix) return x->prefix - y->prefix;
    if (x->node != y->node) return x->node < y->node ? -1 : 1;
    return (x->theme > y->theme) - (x->theme < y->theme);
}

/* One CSR pair (off: nnodes + 1 entries, ids) from terms[0..n), sorted by
 * node then theme; duplicates dropped. */
static int csr(const cxm_themes *th, const term *terms, size_t n, uint32_t **off, uint32_t **ids) {
    *off = calloc((size_t)th->nnodes + 1, sizeof **off);
    *ids = malloc((n ? n : 1) * sizeof **ids);
    if (!*off || !*ids) return CXM_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && terms[i].node == terms[i - 1].node && terms[i].theme == terms[i - 1].theme) continue;
        (*ids)[m++] = terms[i].theme;
        (*off)[terms[i].node + 1]++;
    }
    for (uint32_t k = 0; k < th->nnodes; k++)
        (*off)[k + 1] += (*off)[k];
    return CXM_OK;
}

/* Builds the CSR arrays from ps->terms: whole-word items, then prefix items. */
static int finish(parser *ps) {
    cxm_themes *th = ps->th;
    qsort(ps->terms, ps->nterms, sizeof *ps->terms, term_cmp);
    size_t whole = 0;
    while (whole < ps->nterms && !ps->terms[whole].prefix)
        whole++;
    if (csr(th, ps->terms, whole, &th->term_off, &th->term_ids) ||
        csr(th, ps->terms + whole, ps->nterms - whole, &th->pterm_off, &th->pterm_ids))
        return cxm_diag_set(ps->diag, CXM_ENOMEM, ps->file, 0, 0, NULL, "out of memory");
    return CXM_OK;
}

int cxm_themes_parse(cxm_text *t, const char *name, const char *text, size_t len, cxm_themes **out, cxm_diag *diag) {
    *out = NULL;
    if (!t || (!text && len)) return cxm_diag_set(diag, CXM_EINVAL, name, 0, 0, NULL, "no segmenter or no text");
    if (len > CXM_MAX_THEME_FILE_BYTES)
        return cxm_diag_set(diag, CXM_ELIMIT, name, 0, 0, NULL,
                            "theme file of %zu bytes exceeds CXM_MAX_THEME_FILE_BYTES (%u)", len,
                            CXM_MAX_THEME_FILE_BYTES);
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.t = t;
    ps.file = name;
    ps.diag = diag;
    cxm_buf_init(&ps.key, CXM_MAX_FIELD_BYTES);
    ps.th = calloc(1, sizeof *ps.th);
    if (!ps.th) return cxm_diag_set(diag, CXM_ENOMEM, name, 0, 0, NULL, "out of memory");
    cxm_dict_init(&ps.th->names, CXM_MAX_THEMES);
    ps.th->nnodes = 1;
    int rc = edges_grow(ps.th) ? cxm_diag_set(diag, CXM_ENOMEM, name, 0, 0, NULL, "out of memory") : CXM_OK;

    const char *p = text ? text : "", *end = p + len;
    if (end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3;
    while (!rc && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        ps.line++;
        ps.ls = p;
        if (le > p && le[-1] == '\r') le--;
        for (const char *q = p; q < le && !rc;) {
            size_t k = utf8_len((const unsigned char *)q, (const unsigned char *)le);
            if (!k)
                rc = perr(&ps, q, CXM_EPARSE, "invalid UTF-8 byte 0x%02X", (unsigned char)*q);
            else if ((unsigned char)*q < 0x20 && *q != '\t')
                rc = perr(&ps, q, CXM_EPARSE, "control character 0x%02X", (unsigned char)*q);
            q += k ? k : 1;
        }
        if (rc) break;
        const char *s = p, *e = le;
        trim(&s, &e);
        if (s < e && *s != '#' && *s != ';') rc = *s == '[' ? section(&ps, s, e) : key_value(&ps, s, e);
        p = nl ? nl + 1 : end;
    }
    if (!rc) rc = close_theme(&ps);
    if (!rc && !ps.th->names.count)
        rc = cxm_diag_set(diag, CXM_EPARSE, name, ps.line ? ps.line : 1, 1, NULL,
                          "no theme: expected a '[theme name]' line followed by 'words = ...'");
    if (!rc) rc = finish(&ps);
    free(ps.terms);
    cxm_buf_free(&ps.key);
    if (rc) {
        cxm_themes_free(ps.th);
        return rc;
    }
    *out = ps.th;
    return CXM_OK;
}

int cxm_themes_load(cxm_text *t, const char *path, cxm_themes **out, cxm_diag *diag) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot open theme file: %s", strerror(errno));
    cxm_buf b;
    cxm_buf_init(&b, CXM_MAX_THEME_FILE_BYTES);
    char chunk[65536];
    size_t n;
    int rc = CXM_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        rc = cxm_buf_append(&b, chunk, n);
        if (rc) {
            rc = cxm_diag_set(diag, rc, path, 0, 0, NULL,
                              rc == CXM_ELIMIT ? "theme file exceeds CXM_MAX_THEME_FILE_BYTES (%u bytes)"
                                               : "out of memory (%u)",
                              CXM_MAX_THEME_FILE_BYTES);
            break;
        }
    }
    if (!rc && ferror(f))
        rc = cxm_diag_set(diag, CXM_EIO, path, 0, 0, NULL, "cannot read theme file: %s", strerror(errno));
    fclose(f);
    if (!rc) rc = cxm_themes_parse(t, path, b.data, b.len, out, diag);
    cxm_buf_free(&b);
    return rc;
}

void cxm_themes_free(cxm_themes *th) {
    if (!th) return;
    cxm_dict_free(&th->names);
    free(th->ekey);
    free(th->echild);
    free(th->term_off);
    free(th->term_ids);
    free(th->pterm_off);
    free(th->pterm_ids);
    free(th->nitems);
    free(th);
}

size_t cxm_themes_count(const cxm_themes *th) {
    return th ? th->names.count : 0;
}

const char *cxm_themes_name(const cxm_themes *th, uint32_t id) {
    return th && id < th->names.count ? cxm_dict_str(&th->names, id) : NULL;
}

int cxm_themes_find(const cxm_themes *th, const char *name, size_t n, uint32_t *id) {
    return th && name ? cxm_dict_find(&th->names, name, n, id) : 0;
}

/* ---- matching ------------------------------------------------------- */

/* Marks node's entries of one CSR pair: themes in seen, exclusions in excl. */
static void mark(const uint32_t *off, const uint32_t *tids, uint32_t node, uint64_t *seen, uint64_t *excl) {
    for (uint32_t a = off[node], z = off[node + 1]; a < z; a++) {
        uint32_t v = tids[a], id = v & ~EXCLUDE_BIT;
        (v & EXCLUDE_BIT ? excl : seen)[id >> 6] |= 1ull << (id & 63);
    }
}

size_t cxm_themes_match_segmented(const cxm_themes *th, const cxm_segmented *seg, uint32_t *ids) {
    uint64_t seen[(CXM_MAX_THEMES + 63) / 64], excl[(CXM_MAX_THEMES + 63) / 64];
    int any = 0;
    const cxm_token *tok = seg->tok;
    const unsigned char *text = (const unsigned char *)seg->text;
    for (size_t i = 0; i < seg->ntok; i++) {
        uint32_t node = 0;
        for (size_t j = i; j < seg->ntok; j++) {
            if (j > i) {
                if (tok[j].brk) break;
                if (cxm_text_join_space(tok[j - 1].last_script, tok[j].script) && !(node = step(th, node, ' '))) break;
            }
            const unsigned char *b = text + tok[j].off;
            uint32_t k = 0;
            while (k < tok[j].len && (node = step(th, node, b[k]))) {
                k++;
                if (th->pterm_off[node] != th->pterm_off[node + 1]) { /* a prefix item ends here */
                    if (!any) {
                        memset(seen, 0, sizeof seen);
                        memset(excl, 0, sizeof excl);
                        any = 1;
                    }
                    mark(th->pterm_off, th->pterm_ids, node, seen, excl);
                }
            }
            if (k < tok[j].len) break;
            if (th->term_off[node] == th->term_off[node + 1]) continue;
            if (!any) {
                memset(seen, 0, sizeof seen);
                memset(excl, 0, sizeof excl);
                any = 1;
            }
            mark(th->term_off, th->term_ids, node, seen, excl);
        }
    }
    if (!any) return 0;
    size_t n = 0, words = (th->names.count + 63) / 64;
    for (size_t w = 0; w < words; w++)
        for (uint64_t m = seen[w] & ~excl[w]; m; m &= m - 1)
            ids[n++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(m));
    return n;
}

int cxm_themes_match(const cxm_themes *th, cxm_text *t, const char *s, size_t n, cxm_text_lang lang, uint32_t *ids,
                     size_t cap, size_t *nids, cxm_diag *diag) {
    *nids = 0;
    if (cap < cxm_themes_count(th))
        return cxm_diag_set(diag, CXM_EINVAL, NULL, 0, 0, NULL, "room for %zu theme ids, need %zu", cap,
                            cxm_themes_count(th));
    cxm_segmented seg;
    int rc = cxm_text_segment(t, s, n, lang, &seg, diag);
    if (rc) return rc;
    *nids = cxm_themes_match_segmented(th, &seg, ids);
    return CXM_OK;
}
