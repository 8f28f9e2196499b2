/* core/jsoncheck.c: see jsoncheck.h. Each reader returns the index just past what it read,
 * or 0 when the text is not JSON there (no value ends at index 0). */
#include "core/jsoncheck.h"

#include "core/utf8.h"

#include <stdint.h>

static size_t value(const unsigned char *s, size_t len, size_t i, int depth);

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
number_end(const unsigned char *s, size_t len, size_t i)
{
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

/* s[i] is '{' or '['. */
static size_t
container_end(const unsigned char *s, size_t len, size_t i, int depth)
{
    unsigned char close = s[i] == '{' ? '}' : ']';
    if (depth >= CS_JSONCHECK_DEPTH)
        return 0;
    if (++i < len && s[i] == close)
        return i + 1;
    for (;;) {
        if (close == '}') {
            if (i >= len || s[i] != '"' || (i = string_end(s, len, i)) == 0 || i >= len ||
                s[i] != ':')
                return 0;
            i++;
        }
        if ((i = value(s, len, i, depth + 1)) == 0 || i >= len)
            return 0;
        if (s[i] == close)
            return i + 1;
        if (s[i++] != ',')
            return 0;
    }
}

static size_t
value(const unsigned char *s, size_t len, size_t i, int depth)
{
    if (i >= len)
        return 0;
    switch (s[i]) {
    case '{':
    case '[':
        return container_end(s, len, i, depth);
    case '"':
        return string_end(s, len, i);
    case 't':
        return word_end(s, len, i, "true");
    case 'f':
        return word_end(s, len, i, "false");
    case 'n':
        return word_end(s, len, i, "null");
    default:
        return s[i] == '-' || (s[i] >= '0' && s[i] <= '9') ? number_end(s, len, i) : 0;
    }
}

int
cs_json_check_object(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    return len > 0 && u[0] == '{' && container_end(u, len, 0, 0) == len ? 0 : -1;
}
