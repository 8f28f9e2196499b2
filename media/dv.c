/* media/dv.c: a DV frame's recording date and time (see dv.h). The layout and the choices are
 * ExifTool's (Image::ExifTool::DV, P. Harvey): the frame starts at its header DIF block; the
 * five blocks after it (subcode, then VAUX) hold 15 packs of 5 bytes each from byte 3; a
 * two-digit year below 90 is 20xx. Every read is bounded by `len`. */
#include "media/dv.h"

#include <stdio.h>
#include <string.h>

#define DIF 80 /* bytes in a DIF block */

static int
bcd(uint8_t b)
{
    return (b >> 4) > 9 || (b & 15) > 9 ? -1 : (b >> 4) * 10 + (b & 15);
}

/* Offset of the first frame's header block, or -1. */
static long
frame_start(const uint8_t *p, size_t len)
{
    /* the header block's ID: section 0, sequence 0, DSF bit either way */
    for (size_t i = 0; i + 4 <= len; i++)
        if (p[i] == 0x1f && p[i + 1] == 0x07 && p[i + 2] == 0 && (p[i + 3] & 0x7f) == 0x3f)
            return (long)i;
    /* else the IDs of the two subcode blocks after it, each block's last byte before them */
    for (size_t i = 79; i + 84 <= len; i++)
        if ((p[i] == 0 || p[i] == 0xff) && memcmp(p + i + 1, "\x3f\x07\x00", 3) == 0 &&
            memcmp(p + i + 80, "\xff\x3f\x07\x01", 4) == 0)
            return (long)(i - 79);
    return -1;
}

int
cs_dv_rec_time(const uint8_t *p, size_t len, char *out, size_t size)
{
    long start = frame_start(p, len);
    int have_date = 0, have_time = 0, y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (start < 0 || (size_t)start + DIF * 6 > len)
        return -1;
    for (int i = 1; i < 6; i++) {
        const uint8_t *b = p + start + DIF * i;
        if ((b[0] & 0xf0) != 0x50) /* VAUX */
            continue;
        for (int j = 0; j < 15; j++) {
            const uint8_t *k = b + 3 + 5 * j;
            if (k[0] == 0x62) { /* date: zone, day, month, year */
                int yy = bcd(k[4]);
                d = bcd(k[2] & 0x3f);
                mo = bcd(k[3] & 0x1f);
                have_date = yy >= 0 && d >= 0 && mo >= 0;
                y = yy < 90 ? 2000 + yy : 1900 + yy;
                have_time = 0;
            } else if (k[0] == 0x63 && have_date) { /* time: frames, seconds, minutes, hours */
                s = bcd(k[2] & 0x7f);
                mi = bcd(k[3] & 0x7f);
                h = bcd(k[4] & 0x3f);
                have_time = s >= 0 && mi >= 0 && h >= 0;
                break;
            } else if (k[0] != 0x61) /* as ExifTool: a later pack undoes a time read, */
                have_time = 0;       /* not a date */
        }
    }
    if (!have_date || !have_time)
        return -1;
    int n = snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
