/* media/asf.c: an ASF file's creation date (see asf.h). The header object holds a count of
 * objects, each a GUID and a 64-bit little-endian size; every size is checked against the
 * header and the bytes given before anything in the object is read. */
#include "media/asf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ASF_MAX_OBJECTS 256
#define FILETIME_UNIX_DIFF 11644473600LL /* seconds from 1601-01-01 to 1970-01-01 */

static const uint8_t header_guid[16] = {0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11,
                                        0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c};
static const uint8_t file_props_guid[16] = {0xa1, 0xdc, 0xab, 0x8c, 0x47, 0xa9, 0xcf, 0x11,
                                            0x8e, 0xe4, 0x00, 0xc0, 0x0c, 0x20, 0x53, 0x65};

static uint64_t
le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int
cs_asf_creation_time(const uint8_t *p, size_t len, char *out, size_t size)
{
    uint64_t hsize, osize, ft;
    size_t end, pos = 30; /* GUID, size, object count, two reserved bytes */
    uint32_t count;
    if (len < 30 || memcmp(p, header_guid, 16) != 0)
        return -1;
    hsize = le64(p + 16);
    count = (uint32_t)p[24] | (uint32_t)p[25] << 8 | (uint32_t)p[26] << 16 | (uint32_t)p[27] << 24;
    end = hsize < len ? (size_t)hsize : len;
    if (end < pos)
        return -1; /* a header shorter than its own fields */
    for (uint32_t i = 0; i < count && i < ASF_MAX_OBJECTS && end - pos >= 24; i++) {
        osize = le64(p + pos + 16);
        if (osize < 24 || osize > end - pos)
            return -1;
        if (memcmp(p + pos, file_props_guid, 16) == 0) {
            /* after the object header: file ID (16), file size (8), creation date (8) */
            if (osize < 24 + 32)
                return -1;
            ft = le64(p + pos + 24 + 24);
            if (ft == 0)
                return -1;
            time_t t = (time_t)((int64_t)(ft / 10000000) - FILETIME_UNIX_DIFF);
            struct tm tm;
            if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
                return -1;
            int n = snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
            return n < 0 || (size_t)n >= size ? -1 : 0;
        }
        pos += (size_t)osize;
    }
    return -1;
}
