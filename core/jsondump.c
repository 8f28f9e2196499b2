/* core/jsondump.c: see jsondump.h. The rules are jansson 2.14's dump.c: strings escape '"',
 * '\' and control characters (\b \f \n \r \t, else \u00XX in upper-case hex), everything
 * else as is; reals "%.17g" with ".0" added when neither '.' nor 'e' is there, and the
 * exponent without '+' or leading zeros. tests/core/test_jsondump.c holds it to json_dumps. */
#include "core/jsondump.h"

#include "core/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
    char *p;
    size_t len, cap;
    int bad;
    int sort; /* objects' keys in jansson's JSON_SORT_KEYS order */
} out_t;

/* A member of an object being written sorted. */
typedef struct member {
    const char *key;
    size_t len;
    json_t *value;
} member_t;

/* jansson 2.14's compare_keys: bytes first, then the shorter key. */
static int
member_cmp(const void *a, const void *b)
{
    const member_t *x = a, *y = b;
    int rc = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return rc != 0 ? rc : x->len < y->len ? -1 : x->len > y->len ? 1 : 0;
}

static void
put(out_t *o, const char *s, size_t n)
{
    if (o->bad)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *p = realloc(o->p, cap);
        if (p == NULL) {
            o->bad = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void
put_string(out_t *o, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t run = 0, i = 0, n;
    uint32_t cp;
    char esc[8];
    put(o, "\"", 1);
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            if ((n = cs_utf8_next(s + i, len - i, &cp, NULL)) == 0) {
                o->bad = 1;
                return;
            }
            i += n;
            continue;
        }
        put(o, str + run, i - run);
        switch (c) {
        case '"':
            put(o, "\\\"", 2);
            break;
        case '\\':
            put(o, "\\\\", 2);
            break;
        case '\b':
            put(o, "\\b", 2);
            break;
        case '\f':
            put(o, "\\f", 2);
            break;
        case '\n':
            put(o, "\\n", 2);
            break;
        case '\r':
            put(o, "\\r", 2);
            break;
        case '\t':
            put(o, "\\t", 2);
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", (unsigned)c);
            put(o, esc, 6);
        }
        run = ++i;
    }
    put(o, str + run, i - run);
    put(o, "\"", 1);
}

static void
put_real(out_t *o, double v)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.17g", v);
    if (n < 0 || (size_t)n + 3 >= sizeof buf) {
        o->bad = 1;
        return;
    }
    size_t len = (size_t)n;
    if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *start = strchr(buf, 'e');
    if (start != NULL) {
        char *end = ++start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - buf) + 1);
            len -= (size_t)(end - start);
        }
    }
    put(o, buf, len);
}

static void put_value(out_t *o, const json_t *v, int depth);

/* An object with its members in key order (a small one sorted on the stack). */
static void
put_sorted(out_t *o, const json_t *v, int depth)
{
    member_t small[32], *m = small;
    size_t n = json_object_size(v), i = 0;
    if (n > sizeof small / sizeof small[0] && (m = malloc(n * sizeof *m)) == NULL) {
        o->bad = 1;
        return;
    }
    for (void *it = json_object_iter((json_t *)v); it != NULL && i < n;
         it = json_object_iter_next((json_t *)v, it), i++) {
        m[i].key = json_object_iter_key(it);
        m[i].len = json_object_iter_key_len(it);
        m[i].value = json_object_iter_value(it);
    }
    qsort(m, i, sizeof *m, member_cmp);
    put(o, "{", 1);
    for (size_t k = 0; k < i && !o->bad; k++) {
        if (k > 0)
            put(o, ",", 1);
        put_string(o, m[k].key, m[k].len);
        put(o, ":", 1);
        put_value(o, m[k].value, depth + 1);
    }
    put(o, "}", 1);
    if (m != small)
        free(m);
}

static void
put_value(out_t *o, const json_t *v, int depth)
{
    char buf[32];
    const char *key;
    json_t *m;
    size_t i;
    int n;
    if (depth > CS_JSONDUMP_DEPTH) {
        o->bad = 1;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (o->sort) {
            put_sorted(o, v, depth);
            break;
        }
        put(o, "{", 1);
        i = 0;
        for (void *it = json_object_iter((json_t *)v); it != NULL && !o->bad;
             it = json_object_iter_next((json_t *)v, it)) {
            if (i++ > 0)
                put(o, ",", 1);
            key = json_object_iter_key(it);
            put_string(o, key, json_object_iter_key_len(it));
            put(o, ":", 1);
            put_value(o, json_object_iter_value(it), depth + 1);
        }
        put(o, "}", 1);
        break;
    case JSON_ARRAY:
        put(o, "[", 1);
        json_array_foreach((json_t *)v, i, m)
        {
            if (i > 0)
                put(o, ",", 1);
            put_value(o, m, depth + 1);
        }
        put(o, "]", 1);
        break;
    case JSON_STRING:
        put_string(o, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put(o, buf, (size_t)n);
        break;
    case JSON_REAL:
        put_real(o, json_real_value(v));
        break;
    case JSON_TRUE:
        put(o, "true", 4);
        break;
    case JSON_FALSE:
        put(o, "false", 5);
        break;
    default:
        put(o, "null", 4);
    }
}

static char *
dump(const json_t *v, size_t *len, int sort)
{
    out_t o = {.sort = sort};
    if (v == NULL)
        return NULL;
    put_value(&o, v, 0);
    put(&o, "", 0);
    if (o.bad || o.p == NULL) {
        free(o.p);
        return NULL;
    }
    o.p[o.len] = '\0';
    if (len != NULL)
        *len = o.len;
    return o.p;
}

char *
cs_json_dump_compact(const json_t *v, size_t *len)
{
    return dump(v, len, 0);
}

char *
cs_json_dump_sorted(const json_t *v, size_t *len)
{
    return dump(v, len, 1);
}
