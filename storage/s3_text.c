/* storage/s3_text.c: the few pieces of text the S3 client reads and writes: XML fields of an
 * answer and the ISO 8601 times of Object Lock. */
#include "storage/s3_internal.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *
find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n > len)
        return NULL;
    for (size_t i = 0; i + n <= len; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

int
s3_xml_get(const char *xml, size_t len, size_t *pos, const char *tag, char *dst, size_t cap)
{
    char open[80], close[80];
    const char *a, *b, *p;
    size_t n = 0;
    if (cs_snprintf(open, sizeof open, "<%s>", tag) < 0 ||
        cs_snprintf(close, sizeof close, "</%s>", tag) < 0 || *pos > len)
        return CS_ENAMETOOLONG;
    a = find(xml + *pos, len - *pos, open);
    if (a == NULL)
        return CS_ENOTFOUND;
    a += strlen(open);
    b = find(a, len - (size_t)(a - xml), close);
    if (b == NULL)
        return CS_ENOTFOUND;
    for (p = a; p < b; p++) {
        char c = *p;
        if (c == '&') {
            static const struct {
                const char *ent;
                char c;
            } ents[] = {
                {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
            size_t i;
            for (i = 0; i < sizeof ents / sizeof ents[0]; i++) {
                size_t el = strlen(ents[i].ent);
                if ((size_t)(b - p) >= el && memcmp(p, ents[i].ent, el) == 0) {
                    c = ents[i].c;
                    p += el - 1;
                    break;
                }
            }
        }
        if (n + 1 >= cap)
            return CS_ENAMETOOLONG;
        dst[n++] = c;
    }
    dst[n] = '\0';
    *pos = (size_t)(b - xml) + strlen(close);
    return 0;
}

int
s3_time_format(time_t t, char *dst, size_t cap)
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return CS_EINVAL;
    return 0;
}

int
s3_time_parse(const char *s, time_t *out)
{
    struct tm tm;
    int y, mo, d, h, mi, sec;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6 || mo < 1 ||
        mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return CS_EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = timegm(&tm);
    return 0;
}
