/* media/exif_text.c: untrusted EXIF bytes made into valid JSON text, the record's members,
 * and the raw dump of every entry. jansson refuses invalid UTF-8, and EXIF strings are
 * whatever a camera (or a fuzzer) wrote, so every string passes through cs_exif_text. */
#include "media/exif_int.h"
#include "core/buf.h"

#include "core/utf8.h"

#include <libexif/exif-entry.h>
#include <libexif/exif-ifd.h>
#include <libexif/exif-tag.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define RAW_VALUE_MAX 1024 /* bytes of a value as libexif formats it */
#define RAW_BLOB_MAX 256   /* longer undefined/byte blobs are listed by size only */

/* ExifTool's group names (-G1), so raw keys read like the oracle's. */
static const char *const ifd_names[EXIF_IFD_COUNT] = {
    [EXIF_IFD_0] = "IFD0",
    [EXIF_IFD_1] = "IFD1",
    [EXIF_IFD_EXIF] = "ExifIFD",
    [EXIF_IFD_GPS] = "GPS",
    [EXIF_IFD_INTEROPERABILITY] = "InteropIFD",
};

void
cs_exif_note(cs_exif_ctx_t *cx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    int n;

    memcpy(msg, "exif: ", 6);
    va_start(ap, fmt);
    n = vsnprintf(msg + 6, sizeof msg - 6, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof msg - 6)
        memcpy(msg + sizeof msg - 4, "...", 4); /* marked, not silently cut */
    if (cx->errors == NULL || json_array_append_new(cx->errors, json_string(msg)) != 0)
        cx->oom = 1;
}

json_t *
cs_exif_member(cs_exif_ctx_t *cx, json_t *obj, const char *key, json_type type)
{
    json_t *m = json_object_get(obj, key);

    if (m != NULL && json_typeof(m) == type)
        return m;
    m = type == JSON_ARRAY ? json_array() : json_object();
    if (m == NULL || json_object_set_new(obj, key, m) != 0) {
        cx->oom = 1;
        return NULL;
    }
    return m;
}

void
cs_exif_set(cs_exif_ctx_t *cx, json_t *obj, const char *key, json_t *val)
{
    if (obj == NULL || val == NULL || json_object_set_new(obj, key, val) != 0)
        cx->oom = 1;
}

size_t
cs_exif_text(char *dst, size_t cap, const void *src, size_t n, int *cut)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    const unsigned char *s = src;
    const unsigned char *nul;
    size_t i = 0, o = 0;

    *cut = 0;
    if (cap == 0) {
        *cut = n > 0;
        return 0;
    }
    if (s == NULL)
        n = 0;
    if (n > 0 && (nul = memchr(s, '\0', n)) != NULL)
        n = (size_t)(nul - s); /* EXIF ASCII ends at its NUL; what follows is padding */
    while (i < n) {
        uint32_t cp;
        const char *piece;
        size_t k = cs_utf8_next(s + i, n - i, &cp, NULL), plen;

        if (k == 0) {
            piece = replacement;
            plen = 3;
            k = 1;
        } else if (cp == '\t' || cp == '\n' || cp == '\r') {
            piece = " ";
            plen = 1;
        } else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
            i += k;
            continue;
        } else {
            piece = (const char *)s + i;
            plen = k;
        }
        if (plen >= cap - o) {
            *cut = 1;
            break;
        }
        memcpy(dst + o, piece, plen);
        o += plen;
        i += k;
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
    return o;
}

/* One entry into raw as "<IFD>:<TagName or 0xTAG>". The first of duplicate tags wins, as
 * it does for exif_content_get_entry, which the typed fields use. */
static void
raw_entry(cs_exif_ctx_t *cx, json_t *raw, ExifIfd ifd, ExifEntry *e)
{
    char key[64], val[RAW_VALUE_MAX], text[3 * RAW_VALUE_MAX + 4];
    const char *name = exif_tag_get_name_in_ifd(e->tag, ifd);
    int cut;
    size_t n;

    /* A tag name of libexif's too long for a key is left out, never kept under a cut name.
     * (memcpy, not a printf: this runs for every tag of every photo.) */
    size_t il = strlen(ifd_names[ifd]), nl = name != NULL ? strlen(name) : 0;
    if (name != NULL && il + 1 + nl < sizeof key) {
        memcpy(key, ifd_names[ifd], il);
        key[il] = ':';
        memcpy(key + il + 1, name, nl + 1);
    } else if (name != NULL ||
               cs_snprintf(key, sizeof key, "%s:0x%04X", ifd_names[ifd], (unsigned)e->tag) != 0) {
        return;
    }
    if (json_object_get(raw, key) != NULL)
        return;
    if ((e->format == EXIF_FORMAT_UNDEFINED || e->format == EXIF_FORMAT_BYTE) &&
        e->size > RAW_BLOB_MAX) {
        /* fits: "<", at most 10 digits and " bytes>", in the text buffer */
        snprintf(text, sizeof text, "<%u bytes>", e->size);
    } else {
        memset(val, 0, sizeof val);
        exif_entry_get_value(e, val, sizeof val);
        n = cs_exif_text(text, sizeof text - 3, val, strnlen(val, sizeof val), &cut);
        /* libexif cuts silently at the buffer's end: say so in the value. */
        if (cut || strnlen(val, sizeof val) >= sizeof val - 1)
            memcpy(text + n, "...", 4);
    }
    /* cs_exif_text wrote valid UTF-8 (and the rest is ASCII): no need to check it again. */
    cs_exif_set(cx, raw, key, json_stringn_nocheck(text, strlen(text)));
}

void
cs_exif_raw(cs_exif_ctx_t *cx, ExifData *ed)
{
    json_t *raw = cs_exif_member(cx, cx->rec, "raw", JSON_OBJECT);
    json_t *exif = raw ? cs_exif_member(cx, raw, "exif", JSON_OBJECT) : NULL;
    size_t kept = 0;

    if (exif == NULL)
        return;
    for (int ifd = 0; ifd < EXIF_IFD_COUNT; ifd++) {
        ExifContent *c = ed->ifd[ifd];
        for (unsigned i = 0; c != NULL && i < c->count; i++) {
            ExifEntry *e = c->entries[i];
            if (e == NULL || (ifd == EXIF_IFD_EXIF && e->tag == EXIF_TAG_MAKER_NOTE))
                continue; /* maker notes are vendor blobs, hundreds of entries of their own */
            if (kept++ == CS_EXIF_MAX_RAW) {
                cs_exif_note(cx, "more than %d EXIF entries: the rest are not in raw",
                             CS_EXIF_MAX_RAW);
                return;
            }
            raw_entry(cx, exif, (ExifIfd)ifd, e);
        }
    }
}
