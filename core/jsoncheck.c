/* core/jsoncheck.c: see jsoncheck.h. Each reader returns the index just past what it read,
 * or 0 when the text is not JSON there (no value ends at index 0). */
#include "core/jsoncheck.h"

#include "core/utf8.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct ctx {
    int plain;     /* numbers: integers of at most 18 digits only (cs_json_check_entry) */
    int want_seq;  /* find the top-level "seq" */
    int found;     /* how many top-level "seq" keys */
    long long seq; /* its value */
} ctx_t;

static size_t value(const unsigned char *s, size_t len, size_t i, int depth, ctx_t *c);

/* The index of the first byte at or after s[i] that is '"', '\\', below 0x20 or 0x80 and up:
 * sixteen bytes at a time while they lie inside s[0..len) (a signed compare below 0x20 takes
 * the control bytes and those of 0x80 and up at once). Strings are most of a record's bytes. */
static size_t
plain_run(const unsigned char *s, size_t len, size_t i)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        int m = _mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmplt_epi8(v, space)));
        if (m != 0)
            return i + (size_t)__builtin_ctz((unsigned)m);
    }
#endif
    while (i < len && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20 && s[i] < 0x80)
        i++;
    return i;
}

static int
hex4(const unsigned char *s, size_t len, size_t i, uint32_t *out)
{
    uint32_t u = 0;
    if (i + 4 > len)
        return 0;
    for (size_t k = i; k < i + 4; k++) {
        unsigned char c = s[k];
        u <<= 4;
        if (c >= '0' && c <= '9')
            u |= (uint32_t)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            u |= (uint32_t)((c | 0x20) - 'a' + 10);
        else
            return 0;
    }
    *out = u;
    return 1;
}

/* s[i] is '"'. */
static size_t
string_end(const unsigned char *s, size_t len, size_t i)
{
    uint32_t u, low;
    size_t n;
    for (i++; i < len;) {
        if ((i = plain_run(s, len, i)) >= len)
            return 0;
        unsigned char c = s[i];
        if (c == '"')
            return i + 1;
        if (c < 0x20)
            return 0;
        if (c >= 0x80) {
            if ((n = cs_utf8_next(s + i, len - i, &u, NULL)) == 0)
                return 0;
            i += n;
            continue;
        }
        if (c != '\\') {
            i++;
            continue;
        }
        if (++i >= len)
            return 0;
        switch (s[i]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            i++;
            break;
        case 'u':
            if (!hex4(s, len, i + 1, &u) || u == 0 || (u >= 0xDC00 && u <= 0xDFFF))
                return 0;
            i += 5;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (i + 2 > len || s[i] != '\\' || s[i + 1] != 'u' || !hex4(s, len, i + 2, &low) ||
                    low < 0xDC00 || low > 0xDFFF)
                    return 0;
                i += 6;
            }
            break;
        default:
            return 0;
        }
    }
    return 0;
}

static size_t
digits_end(const unsigned char *s, size_t len, size_t i)
{
    if (i >= len || s[i] < '0' || s[i] > '9')
        return 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

static size_t
number_end(const unsigned char *s, size_t len, size_t i, const ctx_t *c)
{
    if (c->plain) { /* what any parser takes as it is: the rest is for the parser to judge */
        size_t end = digits_end(s, len, i);
        if (end == 0 || end - i > 18 || (s[i] == '0' && end - i > 1) ||
            (end < len && (s[end] == '.' || s[end] == 'e' || s[end] == 'E')))
            return 0;
        return end;
    }
    if (s[i] == '-')
        i++;
    if (i < len && s[i] == '0')
        i++;
    else if (i >= len || s[i] < '1' || (i = digits_end(s, len, i)) == 0)
        return 0;
    if (i < len && s[i] == '.' && (i = digits_end(s, len, i + 1)) == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        i = digits_end(s, len, i);
    }
    return i;
}

static size_t
word_end(const unsigned char *s, size_t len, size_t i, const char *word)
{
    for (; *word != '\0'; word++, i++)
        if (i >= len || s[i] != (unsigned char)*word)
            return 0;
    return i;
}

/* s[k..i) is a top-level key and s[i..end) its value: notes a "seq" (one, a plain integer). */
static int
note_seq(const unsigned char *s, size_t k, size_t i, size_t end, ctx_t *c)
{
    long long v = 0;
    if (memchr(s + k, '\\', i - k) != NULL)
        return -1; /* an escaped key may spell "seq": the parser decides */
    if (i - k != 5 || memcmp(s + k, "\"seq\"", 5) != 0)
        return 0;
    for (size_t j = i + 1; j < end; j++) {
        if (s[j] < '0' || s[j] > '9' || v > (LLONG_MAX - (s[j] - '0')) / 10)
            return -1;
        v = v * 10 + (s[j] - '0');
    }
    if (end == i + 1 || c->found++)
        return -1;
    c->seq = v;
    return 0;
}

/* s[i] is '{' or '['. */
static size_t
container_end(const unsigned char *s, size_t len, size_t i, int depth, ctx_t *c)
{
    unsigned char close = s[i] == '{' ? '}' : ']';
    if (depth >= CS_JSONCHECK_DEPTH)
        return 0;
    if (++i < len && s[i] == close)
        return i + 1;
    for (;;) {
        size_t k = i, colon = 0;
        if (close == '}') {
            if (i >= len || s[i] != '"' || (i = string_end(s, len, i)) == 0 || i >= len ||
                s[i] != ':')
                return 0;
            colon = i++;
        }
        if ((i = value(s, len, i, depth + 1, c)) == 0 || i >= len)
            return 0;
        if (close == '}' && depth == 0 && c->want_seq && note_seq(s, k, colon, i, c) != 0)
            return 0;
        if (s[i] == close)
            return i + 1;
        if (s[i++] != ',')
            return 0;
    }
}

static size_t
value(const unsigned char *s, size_t len, size_t i, int depth, ctx_t *c)
{
    if (i >= len)
        return 0;
    switch (s[i]) {
    case '{':
    case '[':
        return container_end(s, len, i, depth, c);
    case '"':
        return string_end(s, len, i);
    case 't':
        return word_end(s, len, i, "true");
    case 'f':
        return word_end(s, len, i, "false");
    case 'n':
        return word_end(s, len, i, "null");
    default:
        return s[i] == '-' || (s[i] >= '0' && s[i] <= '9') ? number_end(s, len, i, c) : 0;
    }
}

int
cs_json_check_object(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    ctx_t c = {0};
    return len > 0 && u[0] == '{' && container_end(u, len, 0, 0, &c) == len ? 0 : -1;
}

int
cs_json_check_entry(const char *s, size_t len, long long *seq)
{
    const unsigned char *u = (const unsigned char *)s;
    ctx_t c = {.plain = 1, .want_seq = 1};
    if (len == 0 || u[0] != '{' || container_end(u, len, 0, 0, &c) != len || c.found != 1)
        return -1;
    *seq = c.seq;
    return 0;
}
