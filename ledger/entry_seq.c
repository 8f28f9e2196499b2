/* ledger/entry_seq.c: an entry's own top-level "seq", found by a scan rather than by building
 * the object (parsing every entry was 70% of a verify: bench/scale.sh). The scan follows
 * strings with their escapes and the nesting of objects and arrays, and allows between tokens
 * only what JSON does (structure, white space, numbers, true, false, null). Table-driven: a
 * byte costs one load and one compare, where strcspn's set-up for each of an entry's ~40
 * short strings cost more than the bytes (a quarter of a verify's CPU). */
#include "ledger/verify_walk.h"

#include <limits.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { BAD, SKIP, QUOTE, OPEN_OBJECT, OPEN_ARRAY, CLOSE, COMMA };

/* Outside strings: what each byte may be. */
static const unsigned char outside[256] = {
    [' '] = SKIP,  ['\n'] = SKIP, ['\t'] = SKIP, ['\r'] = SKIP,       [':'] = SKIP,
    ['-'] = SKIP,  ['+'] = SKIP,  ['.'] = SKIP,  ['0'] = SKIP,        ['1'] = SKIP,
    ['2'] = SKIP,  ['3'] = SKIP,  ['4'] = SKIP,  ['5'] = SKIP,        ['6'] = SKIP,
    ['7'] = SKIP,  ['8'] = SKIP,  ['9'] = SKIP,  ['t'] = SKIP,        ['r'] = SKIP,
    ['u'] = SKIP,  ['e'] = SKIP,  ['f'] = SKIP,  ['a'] = SKIP,        ['l'] = SKIP,
    ['s'] = SKIP,  ['n'] = SKIP,  ['"'] = QUOTE, ['{'] = OPEN_OBJECT, ['['] = OPEN_ARRAY,
    ['}'] = CLOSE, [']'] = CLOSE, [','] = COMMA,
};

/* Inside strings: the bytes that end a run of plain ones. */
static const unsigned char in_string_stop[256] = {['"'] = 1, ['\\'] = 1, [0] = 1};

/* The index of the first '"', '\\' or NUL at or after s[i] (s[len] is NUL: at most len). Sixteen
 * bytes at a time while they lie before s[len]: strings are most of an entry's bytes. */
static size_t
string_run(const char *s, size_t len, size_t i)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i nul = _mm_setzero_si128();
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        int m = _mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmpeq_epi8(v, nul)));
        if (m != 0)
            return i + (size_t)__builtin_ctz((unsigned)m);
    }
#else
    (void)len;
#endif
    while (!in_string_stop[(unsigned char)s[i]])
        i++;
    return i;
}

static int
is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* The integer at s[j..] (j < len, s[j] a digit, no leading zero before another digit) that a
 * ',' or '}' ends: its value and the index of that byte. -1 otherwise, or past LLONG_MAX. */
static int
seq_value(const char *s, size_t len, size_t j, long long *seq, size_t *end)
{
    long long v = 0;
    if (s[j] == '0' && j + 1 < len && s[j + 1] >= '0' && s[j + 1] <= '9')
        return -1; /* JSON has no leading zeros */
    for (; j < len && s[j] >= '0' && s[j] <= '9'; j++) {
        if (v > (LLONG_MAX - (s[j] - '0')) / 10)
            return -1;
        v = v * 10 + (s[j] - '0');
    }
    if (j >= len || (s[j] != ',' && s[j] != '}'))
        return -1;
    *seq = v;
    *end = j;
    return 0;
}

int
cs_walk_entry_seq(const char *s, size_t len, long long *seq)
{
    size_t i = 0, end;
    int depth = 0, key = 0, found = 0;
    while (i < len && is_space(s[i]))
        i++;
    if (i == len || s[i] != '{')
        return -1;
    for (; i < len; i++) {
        switch (outside[(unsigned char)s[i]]) {
        case SKIP:
            break;
        case QUOTE: {
            size_t start = ++i;
            for (;;) { /* s[len] is NUL: the run stops there at the latest */
                i = string_run(s, len, i);
                if (s[i] == '"')
                    break;
                if (s[i] == '\0')
                    return -1; /* a NUL inside, or no closing quote: the parser decides */
                i += 2;        /* a backslash and the byte it escapes */
                if (i >= len)
                    return -1;
            }
            if (depth == 1 && key && i - start == 3 && memcmp(s + start, "seq", 3) == 0) {
                /* a seq is never negative */
                if (found++ || i + 2 >= len || s[i + 1] != ':' || s[i + 2] < '0' ||
                    s[i + 2] > '9' || seq_value(s, len, i + 2, seq, &end) != 0)
                    return -1;
                i = end - 1;
            }
            key = 0;
            break;
        }
        case OPEN_OBJECT:
        case OPEN_ARRAY:
            depth++;
            key = s[i] == '{';
            break;
        case CLOSE:
            if (--depth == 0)
                goto closed;
            key = 0;
            break;
        case COMMA:
            key = depth >= 1;
            break;
        default:
            return -1;
        }
    }
closed:
    if (depth != 0 || i >= len || !found)
        return -1;
    for (i++; i < len; i++)
        if (!is_space(s[i]))
            return -1;
    return 0;
}
