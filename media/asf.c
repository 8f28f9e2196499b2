/* media/asf.c: an ASF file's creation date, play duration and picture size (see asf.h). The header
 * object holds a count of objects, each a GUID and a 64-bit little-endian size; every size is
 * checked against the header and the bytes given before anything in the object is read. */
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

static const uint8_t stream_props_guid[16] = {0x91, 0x07, 0xdc, 0xb7, 0xb7, 0xa9, 0xcf, 0x11,
                                              0x8e, 0xe6, 0x00, 0xc0, 0x0c, 0x20, 0x53, 0x65};
static const uint8_t video_media_guid[16] = {0xc0, 0xef, 0x19, 0xbc, 0x4d, 0x5b, 0xcf, 0x11,
                                             0xa8, 0xfd, 0x00, 0x80, 0x5f, 0x5c, 0x44, 0x2b};

static uint64_t
le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The next object of the header at *pos (before *end) whose GUID is `guid`: its offset, with
 * its size at *osize; -1 when there is none, or an object's size lies. *i counts the objects
 * seen against the header's count. */
static long
find_object(const uint8_t *p, size_t end, size_t *pos, uint32_t count, uint32_t *i,
            const uint8_t *guid, uint64_t *osize)
{
    for (; *i < count && *i < ASF_MAX_OBJECTS && end - *pos >= 24; (*i)++) {
        size_t at = *pos;
        *osize = le64(p + at + 16);
        if (*osize < 24 || *osize > end - at)
            return -1;
        *pos += (size_t)*osize;
        if (memcmp(p + at, guid, 16) == 0) {
            (*i)++;
            return (long)at;
        }
    }
    return -1;
}

/* The header's end within the `len` bytes given and its object count; -1 if no header. */
static int
header_of(const uint8_t *p, size_t len, size_t *end, uint32_t *count)
{
    uint64_t hsize;
    if (len < 30 || memcmp(p, header_guid, 16) != 0)
        return -1;
    hsize = le64(p + 16);
    *count = le32(p + 24);
    *end = hsize < len ? (size_t)hsize : len;
    return *end < 30 ? -1 : 0; /* a header shorter than its own fields */
}

int
cs_asf_declared(const uint8_t *p, size_t len, double *duration_s, int *width, int *height)
{
    size_t end, pos = 30;
    uint32_t count, i = 0;
    uint64_t osize;
    long at;
    int found = -1;
    if (header_of(p, len, &end, &count) != 0)
        return -1;
    if ((at = find_object(p, end, &pos, count, &i, file_props_guid, &osize)) >= 0 &&
        osize >= 24 + 80) {
        /* after the file ID, size, date and packet count: play duration (100 ns units),
         * send duration, preroll (ms), flags; bit 0 "broadcast": the durations are unset */
        uint64_t play = le64(p + at + 24 + 40), preroll = le64(p + at + 24 + 56);
        uint32_t flags = le32(p + at + 24 + 64);
        double d = play / 1e7 - preroll / 1e3;
        if (!(flags & 1) && play > 0 && d > 0 && d < 1e9) {
            *duration_s = d; /* as libavformat reads it: the play duration holds the preroll */
            found = 0;
        }
    }
    pos = 30, i = 0;
    while ((at = find_object(p, end, &pos, count, &i, stream_props_guid, &osize)) >= 0) {
        /* stream type GUID, error correction GUID, time offset, two lengths, flags, reserved,
         * then a video stream's encoded width and height */
        if (osize < 24 + 62 || memcmp(p + at + 24, video_media_guid, 16) != 0 ||
            le32(p + at + 24 + 40) < 8)
            continue;
        uint32_t w = le32(p + at + 24 + 54), h = le32(p + at + 24 + 58);
        if (w > 0 && h > 0 && w <= INT32_MAX && h <= INT32_MAX) {
            *width = (int)w;
            *height = (int)h;
            found = 0;
            break;
        }
    }
    return found;
}

int
cs_asf_creation_time(const uint8_t *p, size_t len, char *out, size_t size)
{
    uint64_t osize, ft;
    size_t end, pos = 30; /* GUID, size, object count, two reserved bytes */
    uint32_t count, i = 0;
    long at;
    if (header_of(p, len, &end, &count) != 0)
        return -1;
    if ((at = find_object(p, end, &pos, count, &i, file_props_guid, &osize)) < 0 || osize < 24 + 32)
        return -1;
    /* after the object header: file ID (16), file size (8), creation date (8) */
    ft = le64(p + at + 24 + 24);
    if (ft == 0)
        return -1;
    time_t t = (time_t)((int64_t)(ft / 10000000) - FILETIME_UNIX_DIFF);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
        return -1;
    int n = snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
