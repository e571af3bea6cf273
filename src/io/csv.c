/*
 * csv.c - the CSV record scanner (see csv.h for the rules it implements).
 *
 * Why hand-written: libcsv, the obvious library, feeds every byte through a
 * per-character state machine and a callback per field; it measures about
 * 0.2 GB/s. The product has to read 10 million tickets (~1.9 GB) in well
 * under a second, so the scan must run at memory-ish speed. Two layers:
 *  - block kernels (SSE2, and AVX2 chosen at run time) take a common record
 *    whole from 64-byte bit masks of delimiter/LF (and quote/CR) positions,
 *    quoted regions masked by a prefix XOR: ~12 instructions a field; they
 *    refuse anything they cannot prove the field scanner reads alike;
 *  - the field-by-field scanner (the reference, and the only layer off
 *    x86-64) takes everything else: per unquoted field a 64-byte SSE2 mask
 *    (SWAR elsewhere), per quoted field memchr, every rule checked.
 * On the 2M-ticket benchmark file: 7.1 instructions a byte before the
 * kernels, 2.9 with AVX2 (docs/internals/csv.md has the measurements).
 * No field is copied unless it holds doubled quotes. libcsv stays as the
 * oracle of the differential test in test_csv.c.
 *
 * Invariants:
 *  - nothing is read outside buf[*pos, end);
 *  - a record is consumed only when it is complete (or bad); on
 *    CXM_CSV_MORE only skipped empty lines are consumed, so a rescan after a
 *    refill starts from the record's first byte with the same line number;
 *  - scratch holds only this record's (cxm_csv_scan) or this batch's
 *    (cxm_csv_scan_many) unescaped fields; their pointers are patched in at
 *    the end (scratch may move while growing);
 *  - a block kernel that refuses a record has consumed nothing of it.
 *
 * Sizes: fields average 5-50 bytes in ticket exports, free-text fields up
 * to a few KiB; records 100 B - 2 KiB; scratch stays at the size of the
 * largest escaped fields of one record or batch.
 */
#include "io/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#if defined(__GNUC__)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x)   __builtin_expect(!!(x), 1)
#else
#define UNLIKELY(x) (x)
#define LIKELY(x)   (x)
#endif

#if defined(__SSE2__) && !defined(CXM_CSV_NO_SIMD)
#include <emmintrin.h>
#define CXM_CSV_SSE2 1
#endif

static int best_kernel(void);

void cxm_csv_init(cxm_csv *s, char delim, size_t maxfields) {
    memset(s, 0, sizeof *s);
    s->delim = delim;
    s->maxfields = maxfields;
    s->line = 1;
    s->stop_at = SIZE_MAX;
    s->kernel = best_kernel();
}

void cxm_csv_free(cxm_csv *s) {
    if (!s) return;
    free(s->fields);
    free(s->scratch);
    free(s->fix);
    s->fields = NULL;
    s->scratch = NULL;
    s->fix = NULL;
    s->fcap = s->scap = s->fixcap = 0;
}

static int grow_fields(cxm_csv *s, size_t need) {
    if (need <= s->fcap) return CXM_OK;
    size_t cap = s->fcap ? s->fcap : 16;
    while (cap < need)
        cap *= 2;
    if (cap > s->maxfields && need <= s->maxfields) cap = s->maxfields;
    cxm_field *f = realloc(s->fields, cap * sizeof *f);
    if (!f) return CXM_ENOMEM;
    s->fields = f;
    s->fcap = cap;
    return CXM_OK;
}

int cxm_csv_reserve(cxm_csv *s, size_t n) {
    s->maxfields = n;
    return grow_fields(s, n);
}

/* The first byte in [p, end) equal to d, CR or LF; end if none. */
static inline const char *find_special(const char *p, const char *end, char d) {
#if defined(CXM_CSV_SSE2)
    const __m128i vd = _mm_set1_epi8(d);
    const __m128i vl = _mm_set1_epi8('\n');
    const __m128i vr = _mm_set1_epi8('\r');
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vl)), _mm_cmpeq_epi8(x, vr));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return p + __builtin_ctz(mask);
        p += 16;
    }
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* SWAR: a byte of w ^ pattern is zero where w matches; the lowest flagged
     * byte of haszero() is exact (false flags only appear above a true one). */
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const uint64_t pd = ones * (unsigned char)d, pl = ones * '\n', pr = ones * '\r';
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t a = w ^ pd, b = w ^ pl, c = w ^ pr;
        uint64_t m = ((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c);
        m &= highs;
        if (m) return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
#endif
    while (p < end) {
        char c = *p;
        if (c == d || c == '\n' || c == '\r') return p;
        p++;
    }
    return end;
}

/*
 * The next special byte of an unquoted field, with the 64-byte block around
 * it classified once: a record's fields (~10 bytes each) are then found by
 * shifting a mask instead of reloading and recomparing per field, which
 * also avoids a hard-to-predict loop exit per field. The last 63 bytes of a
 * window go through find_special.
 */
#if defined(CXM_CSV_SSE2) && !defined(CXM_CSV_NO_BLOCKS)
typedef struct finder {
    const char *base; /* mask covers [base, base + 64) */
    uint64_t mask;    /* bit i: base[i] is the delimiter, CR or LF */
    __m128i vd, vl, vr;
    char d;
} finder;

static inline void finder_init(finder *f, const char *end, char d) {
    f->base = end; /* p - base is then never < 64 until the first block */
    f->mask = 0;
    f->vd = _mm_set1_epi8(d);
    f->vl = _mm_set1_epi8('\n');
    f->vr = _mm_set1_epi8('\r');
    f->d = d;
}

static inline uint64_t classify64(const finder *f, const char *p) {
    uint64_t m = 0;
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        __m128i e =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, f->vd), _mm_cmpeq_epi8(x, f->vl)), _mm_cmpeq_epi8(x, f->vr));
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(e) << (16 * i);
    }
    return m;
}

static inline const char *next_special(finder *f, const char *p, const char *end) {
    for (;;) {
        size_t off = (size_t)(p - f->base); /* huge when p < base */
        if (off < 64) {
            uint64_t m = f->mask >> off;
            if (m) return p + __builtin_ctzll(m);
            p = f->base + 64;
        }
        if (end - p < 64) return find_special(p, end, f->d);
        f->base = p;
        f->mask = classify64(f, p);
    }
}
#else
typedef struct finder {
    char d;
} finder;
static inline void finder_init(finder *f, const char *end, char d) {
    (void)end;
    f->d = d;
}
static inline const char *next_special(finder *f, const char *p, const char *end) {
    return find_special(p, end, f->d);
}
#endif

/* Physical line ends in [p, e): every LF, and every CR not followed by LF
 * (a CR as the last byte counts: the caller's e is a closing quote). */
static uint64_t count_lines(const char *p, const char *e) {
    uint64_t n = 0;
    const char *q = p;
    while (q < e && (q = memchr(q, '\n', (size_t)(e - q))) != NULL) {
        n++;
        q++;
    }
    q = p;
    while (q < e && (q = memchr(q, '\r', (size_t)(e - q))) != NULL) {
        q++;
        if (q == e || *q != '\n') n++;
    }
    return n;
}

/* Records the first error of the record. */
static void note_bad(cxm_csv *s, int *bad, size_t col, uint64_t line, const char *msg) {
    if (*bad) return;
    *bad = 1;
    s->bad_col = col > UINT32_MAX ? UINT32_MAX : (uint32_t)col;
    s->bad_line = line;
    size_t n = strlen(msg);
    if (n >= sizeof s->bad_msg) n = sizeof s->bad_msg - 1;
    memcpy(s->bad_msg, msg, n);
    s->bad_msg[n] = 0;
}

/* Stores field nf (ptr may be NULL when a scratch fix-up will fill it): the
 * slow path of PUT_FIELD below, for a field past the room in s->fields. */
static int put_field(cxm_csv *s, size_t nf, const char *ptr, size_t len, uint64_t line) {
    if (nf < s->maxfields) {
        if (nf >= s->fcap) {
            int rc = grow_fields(s, nf + 1);
            if (rc) return rc;
        }
        s->fields[nf].ptr = ptr;
        s->fields[nf].len = len;
        return CXM_OK;
    }
    if (nf == s->maxfields) s->over_line = line;
    return CXM_OK;
}

/* Copies the quoted content [a, e) with "" -> " into scratch for field nf;
 * *len receives the unescaped length. */
static int unescape(cxm_csv *s, size_t nf, const char *a, const char *e, size_t *len) {
    size_t need = (size_t)(e - a);
    if (need > CXM_MAX_RECORD_BYTES - s->slen) return CXM_ELIMIT;
    if (s->slen + need > s->scap) {
        size_t cap = s->scap ? s->scap : 4096;
        while (cap < s->slen + need)
            cap *= 2;
        char *ns = realloc(s->scratch, cap);
        if (!ns) return CXM_ENOMEM;
        s->scratch = ns;
        s->scap = cap;
    }
    if (s->nfix == s->fixcap) {
        size_t cap = s->fixcap ? s->fixcap * 2 : 16;
        cxm_csv_fix *nf2 = realloc(s->fix, cap * sizeof *nf2);
        if (!nf2) return CXM_ENOMEM;
        s->fix = nf2;
        s->fixcap = cap;
    }
    char *o = s->scratch + s->slen;
    while (a < e) {
        const char *q = memchr(a, '"', (size_t)(e - a));
        if (!q) {
            memcpy(o, a, (size_t)(e - a));
            o += e - a;
            break;
        }
        memcpy(o, a, (size_t)(q - a + 1)); /* up to and including one quote */
        o += q - a + 1;
        a = q + 2; /* inside a closed quoted field every quote is doubled */
    }
    size_t n = (size_t)(o - (s->scratch + s->slen));
    s->fix[s->nfix].field = nf;
    s->fix[s->nfix].off = s->slen;
    s->nfix++;
    s->slen += n;
    *len = n;
    return CXM_OK;
}

/* ---- block kernels ------------------------------------------------------
 *
 * The common record (a few hundred bytes, no quotes, LF line ends) is taken
 * whole: 64 bytes at a time become bit masks of the delimiter and LF
 * positions (plus quote and CR masks when the block has any), and each set
 * delimiter bit below the record's line end is a field end: a count of
 * trailing zeros, two stores and a clear-lowest-bit per field, instead of a
 * search per field. Quoted fields are handled with the prefix-XOR trick:
 * bit i of prefix_xor(quotes) is set when an odd number of quotes lies at
 * or before i, i.e. inside a quoted region (its opening quote included, its
 * closing one not), so delimiters, CRs and LFs there are masked out; a
 * doubled quote closes and at once reopens, which leaves the parity right.
 *
 * The kernel only accepts a record it can prove the field-by-field scanner
 * reads the same way, and returns 0 (nothing consumed) for anything else,
 * which that scanner then takes from the record's first byte:
 *  - every quote that opens a region stands at a field start (the record's
 *    first byte, or after an unmasked delimiter) or right after a closing
 *    quote (the second quote of a pair); so a stray quote inside an
 *    unquoted field (literal data) goes to the general scanner;
 *  - every closing quote is followed by a quote, an unmasked delimiter or a
 *    line end (else: text after a closing quote, a bad record);
 *  - the line end lies within whole 64-byte blocks of the window (a record
 *    that runs into the last 63 bytes, or past the window, or never ends: an
 *    unterminated quote);
 *  - no more fields than room, no record longer than CXM_MAX_FIELD_BYTES
 *    (so no field can be), no CR at the last byte of a block (whether it
 *    pairs with an LF is not known there), no failure to unescape.
 * Under these conditions each field is delimited exactly where the general
 * scanner delimits it: a quoted field's closing quote is the last quote
 * before the unmasked delimiter or line end that follows it; an unquoted
 * field holds no quote at all. Lines: the record's line end plus, inside
 * quotes, every LF and every CR not followed by an LF.
 */
#if defined(CXM_CSV_SSE2) && !defined(CXM_CSV_NO_BLOCKS)
#define CXM_CSV_BLOCKS 1
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CXM_CSV_AVX2 1
#endif
#if defined(__GNUC__)
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define ALWAYS_INLINE
#endif

/* Bits of the 64 bytes at b equal to the delimiter (*dm) and to LF (*lm);
 * returns nonzero when any of them is a quote or a CR. */
static inline ALWAYS_INLINE int classify_sse2(const char *b, char d, uint64_t *dm, uint64_t *lm) {
    const __m128i vd = _mm_set1_epi8(d), vl = _mm_set1_epi8('\n');
    const __m128i vq = _mm_set1_epi8('"'), vr = _mm_set1_epi8('\r');
    uint64_t dd = 0, ll = 0;
    __m128i odd = _mm_setzero_si128();
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * i));
        dd |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd)) << (16 * i);
        ll |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vl)) << (16 * i);
        odd = _mm_or_si128(odd, _mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vr)));
    }
    *dm = dd;
    *lm = ll;
    return _mm_movemask_epi8(odd);
}

#if defined(CXM_CSV_AVX2)
__attribute__((target("avx2"))) static inline int classify_avx2(const char *b, char d, uint64_t *dm, uint64_t *lm) {
    const __m256i vd = _mm256_set1_epi8(d), vl = _mm256_set1_epi8('\n');
    const __m256i vq = _mm256_set1_epi8('"'), vr = _mm256_set1_epi8('\r');
    __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)b);
    __m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(b + 32));
    *dm = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, vd)) |
          (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, vd)) << 32;
    *lm = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, vl)) |
          (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, vl)) << 32;
    __m256i odd = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(x0, vq), _mm256_cmpeq_epi8(x0, vr)),
                                  _mm256_or_si256(_mm256_cmpeq_epi8(x1, vq), _mm256_cmpeq_epi8(x1, vr)));
    return !_mm256_testz_si256(odd, odd);
}
#endif

/* Quote (*qm) and CR (*cm) bits of the 64 bytes at b (the rare blocks). */
static void classify_qc(const char *b, uint64_t *qm, uint64_t *cm) {
    const __m128i vq = _mm_set1_epi8('"'), vr = _mm_set1_epi8('\r');
    uint64_t q = 0, c = 0;
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * i));
        q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vq)) << (16 * i);
        c |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vr)) << (16 * i);
    }
    *qm = q;
    *cm = c;
}

/* Bit i: the parity of the set bits of x at or below i. */
static inline uint64_t prefix_xor(uint64_t x) {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/* Set bits of x (SWAR: the SSE2 kernel may not use POPCNT). */
static inline unsigned popcount64(uint64_t x, int hw) {
    if (hw) return (unsigned)__builtin_popcountll(x);
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* A quoted field [fs, fe) (fs and fe - 1 are its quotes) stored at *f
 * (field nf): a view of its content, or with esc, a scratch copy when it
 * holds doubled quotes. 0, or -1 when the general scanner must take the
 * record (doubled quotes without esc, or unescape failed). */
static int block_quoted(cxm_csv *esc, size_t nf, const char *fs, const char *fe, cxm_field *f) {
    const char *a = fs + 1;
    size_t len = (size_t)(fe - 1 - a);
    if (memchr(a, '"', len)) {
        if (!esc || unescape(esc, nf, a, fe - 1, &len)) return -1;
        a = NULL; /* patched in from scratch when the record is done */
    }
    f->ptr = a;
    f->len = len;
    return 0;
}

typedef struct brec {
    const char *next; /* the byte after the record's line end */
    uint64_t lines;   /* physical line ends in the record, its own included */
    cxm_field *fend;  /* one past the last field stored */
} brec;

/* The fields ending at the set bits of dd (offsets from b), the first one
 * starting at *fs, into fo; returns the next free slot. No quoted fields. */
static inline ALWAYS_INLINE cxm_field *emit_plain(cxm_field *fo, const char **fs, const char *b, uint64_t dd) {
    const char *s = *fs;
    while (dd) {
        const char *fe = b + __builtin_ctzll(dd);
        fo->ptr = s;
        fo->len = (size_t)(fe - s);
        fo++;
        s = fe + 1;
        dd &= dd - 1;
    }
    *fs = s;
    return fo;
}

/* The same where fields may be quoted; NULL when the general scanner must
 * take the record. */
static inline cxm_field *emit_quoted(cxm_csv *esc, cxm_field *fix0, cxm_field *fo, const char **fs, const char *b,
                                     uint64_t dd) {
    const char *s = *fs;
    while (dd) {
        const char *fe = b + __builtin_ctzll(dd);
        fo->ptr = s;
        fo->len = (size_t)(fe - s);
        if (*s == '"' && block_quoted(esc, (size_t)(fo - fix0), s, fe, fo)) return NULL;
        fo++;
        s = fe + 1;
        dd &= dd - 1;
    }
    *fs = s;
    return fo;
}

/*
 * The record at p (not at a line end) into f0[0, room): 1 with *o filled,
 * or 0 when the general scanner must take it (see above). Reads only whole
 * 64-byte blocks of [p, end). esc: the scanner whose scratch takes
 * unescaped fields (their fix-ups index fields from fix0), or NULL to
 * refuse doubled quotes.
 */
static inline ALWAYS_INLINE int block_record(cxm_csv *esc, cxm_field *fix0, char d, const char *p, const char *end,
                                             cxm_field *f0, size_t room, brec *o, int avx2) {
    cxm_field *fo = f0;
    const char *b = p, *fs = p;
    uint64_t lines = 0;
    uint64_t inside = 0; /* all ones: a quoted region runs on from the previous block */
    uint64_t prev = 1;   /* bit 0: a field may open at b (record start, or after a delimiter or closing quote) */
    uint64_t follow = 0; /* 1: b[-1] closed a quote, so b[0] must be a quote, delimiter or line end */
    int quotes = 0;      /* a quote met so far: fields may be quoted */
    while (end - b >= 64) {
        uint64_t dm, lm, qm = 0, cm = 0;
        int odd;
#if defined(CXM_CSV_AVX2)
        if (avx2)
            odd = classify_avx2(b, d, &dm, &lm);
        else
#endif
            odd = classify_sse2(b, d, &dm, &lm);
        if (UNLIKELY(odd)) classify_qc(b, &qm, &cm);
        uint64_t x = 0; /* bit i: b[i] is inside quotes (an opening quote included) */
        const int q = (qm | inside | follow) != 0;
        if (UNLIKELY(q)) x = prefix_xor(qm) ^ inside;
        const uint64_t eol = (lm | cm) & ~x;
        const uint64_t region = eol ? eol ^ (eol - 1) : ~(uint64_t)0; /* up to the line end */
        const uint64_t dd = dm & ~x & region;
        if (UNLIKELY(q)) {
            quotes = 1;
            const uint64_t opens = qm & x, closes = qm & ~x & region;
            const uint64_t bound = (dm & ~x) | closes;         /* a field may open after these */
            const uint64_t after = qm | ((dm | lm | cm) & ~x); /* may follow a closing quote */
            if ((opens & region & ~((bound << 1) | prev)) || (follow & ~after) ||
                (closes & ~(after >> 1) & (~(uint64_t)0 >> 1)))
                return 0;
            follow = closes >> 63;
            const uint64_t il = lm & x & region, ic = cm & x & region;
            if (ic) {
                if (ic >> 63) return 0;
                lines += popcount64(ic & ~(lm >> 1), avx2);
            }
            if (il) lines += popcount64(il, avx2);
            prev = bound >> 63;
            inside = (uint64_t)0 - (x >> 63);
        } else {
            prev = dm >> 63;
        }
        /* room for every field this block ends */
        if (UNLIKELY(popcount64(dd, avx2) + (eol != 0) > (size_t)(f0 + room - fo))) return 0;
        if (LIKELY(!quotes)) {
            fo = emit_plain(fo, &fs, b, dd);
        } else {
            fo = emit_quoted(esc, fix0, fo, &fs, b, dd);
            if (!fo) return 0;
        }
        if (eol) {
            const unsigned e = (unsigned)__builtin_ctzll(eol);
            const char *fe = b + e;
            fo->ptr = fs;
            fo->len = (size_t)(fe - fs);
            if (UNLIKELY(quotes) && *fs == '"' && block_quoted(esc, (size_t)(fo - fix0), fs, fe, fo)) return 0;
            fo++;
            const char *next = fe + 1;
            if (UNLIKELY(*fe == '\r')) {
                if (e == 63) return 0;
                next += (lm >> (e + 1)) & 1; /* CRLF */
            }
            if (UNLIKELY((size_t)(next - p) > CXM_MAX_FIELD_BYTES)) return 0;
            o->next = next;
            o->lines = lines + 1;
            o->fend = fo;
            return 1;
        }
        b += 64;
    }
    return 0;
}

/* cxm_csv_scan_many's loop over records (see csv.h). */
static inline ALWAYS_INLINE size_t block_records(cxm_csv *s, const char *buf, size_t *ppos, size_t endoff,
                                                 cxm_field *out, size_t width, size_t max, uint64_t *lines,
                                                 size_t *stops, int avx2) {
    const char *p = buf + *ppos, *const end = buf + endoff;
    const char d = s->delim;
    uint64_t line = s->line;
    size_t n = 0;
    cxm_field *row = out;
    s->nfix = 0; /* scratch holds the batch's unescaped fields */
    s->slen = 0;
    while (n < max && end - p >= 64) {
        if (UNLIKELY(*p == '\n')) { /* an empty line */
            p++;
            line++;
            continue;
        }
        brec br;
        const size_t nfix = s->nfix, slen = s->slen;
        if ((size_t)(p - buf) >= s->stop_at || *p == '\r' || !block_record(s, out, d, p, end, row, width, &br, avx2)) {
            s->nfix = nfix; /* (what the refused record unescaped) */
            s->slen = slen;
            break;
        }
        for (cxm_field *f = br.fend; f < row + width; f++) { /* a short record */
            f->ptr = NULL;
            f->len = 0;
        }
        lines[n] = line;
        line += br.lines;
        p = br.next;
        stops[n] = (size_t)(p - buf);
        row += width;
        n++;
    }
    for (size_t i = 0; i < s->nfix; i++)
        out[s->fix[i].field].ptr = s->scratch + s->fix[i].off;
    s->line = line;
    *ppos = (size_t)(p - buf);
    return n;
}

static int block_record_sse2(cxm_csv *s, const char *p, const char *end, size_t room, brec *o) {
    return block_record(s, s->fields, s->delim, p, end, s->fields, room, o, 0);
}

static size_t block_records_sse2(cxm_csv *s, const char *buf, size_t *ppos, size_t end, cxm_field *out, size_t width,
                                 size_t max, uint64_t *lines, size_t *stops) {
    return block_records(s, buf, ppos, end, out, width, max, lines, stops, 0);
}

#if defined(CXM_CSV_AVX2)
#define AVX2_KERNEL __attribute__((target("avx2,bmi,popcnt")))
AVX2_KERNEL static int block_record_avx2(cxm_csv *s, const char *p, const char *end, size_t room, brec *o) {
    return block_record(s, s->fields, s->delim, p, end, s->fields, room, o, 1);
}

AVX2_KERNEL static size_t block_records_avx2(cxm_csv *s, const char *buf, size_t *ppos, size_t end, cxm_field *out,
                                             size_t width, size_t max, uint64_t *lines, size_t *stops) {
    return block_records(s, buf, ppos, end, out, width, max, lines, stops, 1);
}
#endif
#endif /* CXM_CSV_BLOCKS */

static int best_kernel(void) {
#if defined(CXM_CSV_AVX2)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt"))
        return CXM_CSV_KERNEL_AVX2;
#endif
#if defined(CXM_CSV_BLOCKS)
    return CXM_CSV_KERNEL_SSE2;
#else
    return CXM_CSV_KERNEL_FIELD;
#endif
}

int cxm_csv_set_kernel(cxm_csv *s, int kernel) {
    int best = best_kernel();
    if (kernel <= CXM_CSV_KERNEL_BEST || kernel > best) kernel = best;
    s->kernel = kernel;
    return kernel;
}

size_t cxm_csv_scan_many(cxm_csv *s, const char *buf, size_t *pos, size_t end, cxm_field *out, size_t width, size_t max,
                         uint64_t *lines, size_t *stops) {
    if (s->cr_pending || !width) return 0;
#if defined(CXM_CSV_AVX2)
    if (s->kernel == CXM_CSV_KERNEL_AVX2) return block_records_avx2(s, buf, pos, end, out, width, max, lines, stops);
#endif
#if defined(CXM_CSV_BLOCKS)
    if (s->kernel == CXM_CSV_KERNEL_SSE2) return block_records_sse2(s, buf, pos, end, out, width, max, lines, stops);
#else
    (void)buf, (void)pos, (void)end, (void)out, (void)max, (void)lines, (void)stops;
#endif
    return 0;
}

/*
 * The record's quoted field nf + 1, opened at p on line qline, has no closing
 * quote before end (the end of input, or the window cap): the record is bad
 * and scanning resumes after the physical line on which the quote opened.
 */
static int scan_unterminated(cxm_csv *s, const char *buf, size_t *ppos, const char *p, const char *end, size_t nf,
                             uint64_t qline, int eof, int bad) {
    char msg[160];
    if (eof == CXM_CSV_WINDOW_EOF)
        snprintf(msg, sizeof msg,
                 "quoted field opened on line %llu is not closed (expected a closing "
                 "quote before the end of input)",
                 (unsigned long long)qline);
    else
        snprintf(msg, sizeof msg,
                 "quoted field opened on line %llu is not closed within the record "
                 "limit of %u MiB",
                 (unsigned long long)qline, (unsigned)(CXM_MAX_RECORD_BYTES >> 20));
    note_bad(s, &bad, nf + 1, qline, msg);
    if (nf == s->maxfields) s->over_line = qline; /* this field is the first extra one */
    const char *a = p + 1;
    const char *nl = memchr(a, '\n', (size_t)(end - a));
    const char *cr = memchr(a, '\r', (size_t)((nl ? nl : end) - a));
    const char *e = cr ? cr : nl;
    uint64_t line = qline;
    if (!e) {
        if (eof == CXM_CSV_WINDOW_CAP) return CXM_CSV_LONG; /* the line itself is too long */
        p = end;
    } else if (*e == '\r') {
        if (e + 1 < end) {
            p = e + (e[1] == '\n' ? 2 : 1);
        } else {
            p = end;
            if (eof == CXM_CSV_WINDOW_CAP) s->cr_pending = 1;
        }
        line = qline + 1;
    } else {
        p = e + 1;
        line = qline + 1;
    }
    s->nfields = nf + 1;
    s->line = line;
    *ppos = (size_t)(p - buf);
    return CXM_CSV_BAD;
}

int cxm_csv_scan(cxm_csv *s, const char *buf, size_t *ppos, size_t endoff, int eof) {
    const char *p = buf + *ppos;
    const char *const end = buf + endoff;
    const char d = s->delim;
    uint64_t line = s->line;
    int rc;

    if (s->cr_pending) {
        if (p == end && eof == CXM_CSV_WINDOW_OPEN) return CXM_CSV_MORE;
        if (p < end && *p == '\n') p++;
        s->cr_pending = 0;
    }
    /* Empty lines are not records: skip them, committing as we go. */
    for (;;) {
        if (p == end) {
            *ppos = (size_t)(p - buf);
            s->line = line;
            if (eof == CXM_CSV_WINDOW_CAP) return CXM_CSV_LONG; /* (a full window is a record) */
            return eof == CXM_CSV_WINDOW_OPEN ? CXM_CSV_MORE : CXM_CSV_END;
        }
        if (*p == '\n') {
            p++;
            line++;
        } else if (*p == '\r') {
            if (p + 1 == end) {
                if (eof == CXM_CSV_WINDOW_OPEN) {
                    *ppos = (size_t)(p - buf);
                    s->line = line;
                    return CXM_CSV_MORE;
                }
                if (eof == CXM_CSV_WINDOW_CAP) s->cr_pending = 1;
                p++;
            } else {
                p += p[1] == '\n' ? 2 : 1;
            }
            line++;
        } else {
            break;
        }
    }
    *ppos = (size_t)(p - buf);
    s->line = line;
    if (UNLIKELY(*ppos >= s->stop_at)) return CXM_CSV_END; /* the next range's record */
    s->rec_line = line;
    s->rec_off = *ppos;
    s->nfix = 0;
    s->slen = 0;
    s->over_line = 0;

    size_t nf = 0;
    int bad = 0;
    /* Kept in locals: stores into fields[] could otherwise alias them. */
    cxm_field *fields = s->fields;
    size_t room = s->fcap < s->maxfields ? s->fcap : s->maxfields;
#define PUT_FIELD(ptr_, len_, line_)                                                                                   \
    do {                                                                                                               \
        if (LIKELY(nf < room)) {                                                                                       \
            fields[nf].ptr = (ptr_);                                                                                   \
            fields[nf].len = (len_);                                                                                   \
        } else {                                                                                                       \
            rc = put_field(s, nf, (ptr_), (len_), (line_));                                                            \
            if (rc) return rc;                                                                                         \
            fields = s->fields;                                                                                        \
            room = s->fcap < s->maxfields ? s->fcap : s->maxfields;                                                    \
        }                                                                                                              \
    } while (0)
#if defined(CXM_CSV_BLOCKS)
    if (LIKELY(s->kernel >= CXM_CSV_KERNEL_SSE2) && end - p >= 64 && room) {
        brec br;
        int ok;
#if defined(CXM_CSV_AVX2)
        if (s->kernel == CXM_CSV_KERNEL_AVX2)
            ok = block_record_avx2(s, p, end, room, &br);
        else
#endif
            ok = block_record_sse2(s, p, end, room, &br);
        if (LIKELY(ok)) {
            nf = (size_t)(br.fend - s->fields);
            p = br.next;
            line += br.lines;
            goto done;
        }
        s->nfix = 0; /* the general scanner starts the record afresh */
        s->slen = 0;
    }
#endif
    finder fd;
    finder_init(&fd, end, d);
    for (;;) { /* one field per iteration; p is at the field's first byte */
        if (UNLIKELY(p < end && *p == '"')) {
            const uint64_t qline = line;
            const char *q = p + 1, *hit;
            int esc = 0;
            for (;;) {
                hit = memchr(q, '"', (size_t)(end - q));
                if (!hit) goto unterminated;
                if (hit + 1 == end) {
                    if (eof == CXM_CSV_WINDOW_OPEN) goto more;
                    if (eof == CXM_CSV_WINDOW_CAP) return CXM_CSV_LONG;
                    break;
                }
                if (hit[1] != '"') break;
                esc = 1;
                q = hit + 2;
            }
            const char *fs = p + 1;
            size_t len = (size_t)(hit - fs);
            line += count_lines(fs, hit);
            if (len > CXM_MAX_FIELD_BYTES) {
                note_bad(s, &bad, nf + 1, qline, "field longer than the limit of 16 MiB");
            } else if (esc && nf < s->maxfields) {
                rc = unescape(s, nf, fs, hit, &len);
                if (rc) return rc;
                fs = NULL;
            }
            PUT_FIELD(fs, len, qline);
            nf++;
            p = hit + 1;
            if (p == end) goto done; /* eof: the window is the input */
            if (*p == d) {
                p++;
                continue;
            }
            if (*p == '\n' || *p == '\r') goto eol;
            {
                char msg[128];
                unsigned char c = (unsigned char)*p;
                if (c >= 0x20 && c < 0x7f)
                    snprintf(msg, sizeof msg,
                             "unexpected '%c' after a closing quote (expected the "
                             "delimiter or a line end)",
                             c);
                else
                    snprintf(msg, sizeof msg,
                             "unexpected byte 0x%02x after a closing quote (expected "
                             "the delimiter or a line end)",
                             c);
                note_bad(s, &bad, nf, line, msg);
            }
            /* Resynchronise: the rest of the field is junk up to the next
             * delimiter or line end, then the record goes on as usual. */
            p = next_special(&fd, p, end);
            if (p == end) {
                if (eof == CXM_CSV_WINDOW_OPEN) goto more;
                if (eof == CXM_CSV_WINDOW_CAP) return CXM_CSV_LONG;
                goto done;
            }
            if (*p == d) {
                p++;
                continue;
            }
            goto eol;
        }
        const char *fs = p;
        p = next_special(&fd, p, end);
        if (UNLIKELY(p == end) && eof != CXM_CSV_WINDOW_EOF) {
            if (eof == CXM_CSV_WINDOW_OPEN) goto more;
            return CXM_CSV_LONG;
        }
        size_t len = (size_t)(p - fs);
        if (UNLIKELY(len > CXM_MAX_FIELD_BYTES))
            note_bad(s, &bad, nf + 1, line, "field longer than the limit of 16 MiB");
        PUT_FIELD(fs, len, line);
        nf++;
        if (UNLIKELY(p == end)) goto done;
        if (LIKELY(*p == d)) {
            p++;
            continue;
        }
        goto eol;
    }

eol: /* p is at the CR or LF that ends the record */
    if (*p == '\r') {
        if (p + 1 == end) {
            if (eof == CXM_CSV_WINDOW_OPEN) goto more;
            if (eof == CXM_CSV_WINDOW_CAP) s->cr_pending = 1;
            p++;
        } else {
            p += p[1] == '\n' ? 2 : 1;
        }
    } else {
        p++;
    }
    line++;
#undef PUT_FIELD
done:
    for (size_t i = 0; i < s->nfix; i++)
        s->fields[s->fix[i].field].ptr = s->scratch + s->fix[i].off;
    s->nfields = nf;
    s->line = line;
    *ppos = (size_t)(p - buf);
    return bad ? CXM_CSV_BAD : CXM_CSV_RECORD;

more: /* nothing of the record is consumed; *ppos is at its first byte */
    return CXM_CSV_MORE;

unterminated: /* p is at the opening quote of field nf + 1 */
    if (eof == CXM_CSV_WINDOW_OPEN) goto more;
    return scan_unterminated(s, buf, ppos, p, end, nf, line, eof, bad);
}
