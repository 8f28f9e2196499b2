/* media/mdpm.c: AVCHD's MDPM camera metadata in H.264 SEI messages (see mdpm.h).
 *
 * The layout is ExifTool's reading (Image::ExifTool::H264, P. Harvey): after the UUID and
 * "MDPM", a count, then 5-byte entries (a tag, 4 bytes of value) in increasing tag order;
 * some values continue in the entries with the next tags (date 0x18 + time 0x19, latitude
 * 0xb2..0xb4). Every read here is bounded by the length handed in: the bytes come from an
 * untrusted file. */
#include "media/mdpm.h"

#include <string.h>

#define MDPM_MAX_SEI (64 * 1024) /* an SEI unit longer than this is not a camera's */

static const uint8_t mdpm_id[20] = {0x17, 0xee, 0x8c, 0x60, 0xf8, 0x4d, 0x11, 0xd9, 0x8c, 0xd6,
                                    0x08, 0x00, 0x20, 0x0c, 0x9a, 0x66, 'M',  'D',  'P',  'M'};

const char *
cs_mdpm_make_name(unsigned code)
{
    switch (code) {
    case 0x0103:
        return "Panasonic";
    case 0x0108:
        return "Sony";
    case 0x1011:
        return "Canon";
    case 0x1104:
        return "JVC";
    default:
        return NULL;
    }
}

/* The entries found, by tag: value bytes and whether the tag was present. */
typedef struct entries {
    uint8_t present[256];
    uint8_t value[256][4];
} entries_t;

static int
bcd(uint8_t b)
{
    return (b >> 4) > 9 || (b & 15) > 9 ? -1 : (b >> 4) * 10 + (b & 15);
}

/* Whether tags first..first+n-1 are all present: a value continued in the next entries. */
static int
run(const entries_t *e, unsigned first, unsigned n)
{
    for (unsigned t = first; t < first + n; t++)
        if (t > 255 || !e->present[t])
            return 0;
    return 1;
}

static void
read_time(const entries_t *e, cs_mdpm_t *out)
{
    /* 0x18: zone, year (2 bytes), month; 0x19: day, hour, minute, second; all BCD. */
    const uint8_t *d = e->value[0x18], *t = e->value[0x19];
    int v[7];
    uint8_t zone = d[0];
    if (!run(e, 0x18, 2))
        return;
    for (int i = 0; i < 7; i++)
        if ((v[i] = bcd(i < 3 ? d[i + 1] : t[i - 3])) < 0)
            return;
    out->has_time = 1;
    out->year = v[0] * 100 + v[1];
    out->mon = v[2];
    out->day = v[3];
    out->hour = v[4];
    out->min = v[5];
    out->sec = v[6];
    /* The zone byte: 0x40 DST, 0x20 sign (set: west), 0x1e hours, 0x01 half an hour. */
    int minutes = ((zone >> 1) & 0x0f) * 60 + (zone & 0x01 ? 30 : 0);
    out->dst = (zone & 0x40) != 0;
    if (minutes <= 14 * 60) { /* beyond any zone on Earth: no zone was set */
        out->has_offset = 1;
        out->offset_min = zone & 0x20 ? -minutes : minutes;
    }
}

static unsigned
be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Degrees from three rationals of 16-bit numerator and denominator (degrees, minutes,
 * seconds) in the entries first..first+2; -1 when one is missing or divides by zero. */
static int
read_dms(const entries_t *e, unsigned first, double *out)
{
    double v = 0, scale[3] = {1, 60, 3600};
    if (!run(e, first, 3))
        return -1;
    for (unsigned i = 0; i < 3; i++) {
        unsigned num = be16(e->value[first + i]), den = be16(e->value[first + i] + 2);
        if (den == 0)
            return -1;
        v += (double)num / den / scale[i];
    }
    *out = v;
    return 0;
}

static void
read_gps(const entries_t *e, cs_mdpm_t *out)
{
    double lat, lon;
    uint8_t ns = e->value[0xb1][0], ew = e->value[0xb5][0];
    if (!e->present[0xb1] || !e->present[0xb5] || (ns != 'N' && ns != 'S') ||
        (ew != 'E' && ew != 'W') || read_dms(e, 0xb2, &lat) || read_dms(e, 0xb6, &lon) ||
        lat > 90 || lon > 180)
        return;
    out->has_gps = 1;
    out->lat = ns == 'S' ? -lat : lat;
    out->lon = ew == 'W' ? -lon : lon;
    if (e->present[0xba] && be16(e->value[0xba] + 2) != 0) {
        const uint8_t *r = e->value[0xb9];
        int below = e->present[0xb9] && (r[0] | r[1] | r[2] | r[3]) != 0;
        out->has_alt = 1;
        out->alt = (double)be16(e->value[0xba]) / be16(e->value[0xba] + 2);
        if (below)
            out->alt = -out->alt;
    }
}

static void
read_device(const entries_t *e, cs_mdpm_t *out)
{
    size_t n = 0;
    if (!e->present[0xe0])
        return;
    out->has_make = 1;
    out->make_code = be16(e->value[0xe0]);
    /* Sony's model name: text over 0xe4..0xe6, ended by a NUL or the last entry. */
    if (out->make_code != 0x0108)
        return;
    for (unsigned t = 0xe4; t <= 0xe6 && e->present[t]; t++)
        for (int i = 0; i < 4 && n < CS_MDPM_MODEL_MAX - 1; i++) {
            uint8_t c = e->value[t][i];
            if (c == 0) {
                t = 0xe6;
                break;
            }
            out->model[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
    out->model[n] = '\0';
}

/* The entries of one MDPM payload (after the UUID and "MDPM"). */
static void
read_payload(const uint8_t *p, size_t len, cs_mdpm_t *out, entries_t *e)
{
    size_t count, pos = 1;
    unsigned last = 0;
    memset(e, 0, sizeof *e);
    if (len < 1)
        return;
    count = p[0];
    /* Entries come in increasing tag order; one out of order ends them (as ExifTool does). */
    for (size_t i = 0; i < count && pos + 5 <= len; i++, pos += 5) {
        unsigned tag = p[pos];
        if (tag <= last)
            break;
        last = tag;
        e->present[tag] = 1;
        memcpy(e->value[tag], p + pos + 1, 4);
    }
    read_time(e, out);
    read_gps(e, out);
    read_device(e, out);
}

int
cs_mdpm_parse_sei(const uint8_t *rbsp, size_t len, cs_mdpm_t *out)
{
    static _Thread_local entries_t e; /* 1.3 KB: kept off the worker's stack */
    size_t pos = 0;
    memset(out, 0, sizeof *out);
    while (pos < len) {
        size_t type = 0, size = 0;
        /* payloadType and payloadSize: runs of 0xff, then the last byte */
        while (pos < len && rbsp[pos] == 0xff)
            type += 255, pos++;
        if (pos >= len)
            return 0;
        type += rbsp[pos++];
        if (type == 0x80 && pos == len)
            return 0; /* rbsp_trailing_bits */
        while (pos < len && rbsp[pos] == 0xff)
            size += 255, pos++;
        if (pos >= len)
            return 0;
        size += rbsp[pos++];
        if (size > len - pos)
            return 0;
        if (type == 5 && size > sizeof mdpm_id &&
            memcmp(rbsp + pos, mdpm_id, sizeof mdpm_id) == 0) {
            read_payload(rbsp + pos + sizeof mdpm_id, size - sizeof mdpm_id, out, &e);
            return 1;
        }
        pos += size;
    }
    return 0;
}

int
cs_mdpm_scan_annexb(const uint8_t *p, size_t len, cs_mdpm_t *out)
{
    static _Thread_local uint8_t rbsp[MDPM_MAX_SEI];
    size_t i = 0;
    memset(out, 0, sizeof *out);
    while (i + 3 <= len) {
        if (!(p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1)) {
            i++;
            continue;
        }
        size_t start = i + 3, end = start;
        while (end + 3 <= len && !(p[end] == 0 && p[end + 1] == 0 && p[end + 2] <= 1))
            end++;
        if (end + 3 > len)
            end = len;
        /* forbidden_zero_bit clear and nal_unit_type 6: SEI */
        if (start < end && (p[start] & 0x80) == 0 && (p[start] & 0x1f) == 6 &&
            end - start - 1 <= MDPM_MAX_SEI) {
            size_t n = 0, zeros = 0;
            for (size_t k = start + 1; k < end; k++) {
                if (zeros >= 2 && p[k] == 3) { /* emulation_prevention_three_byte */
                    zeros = 0;
                    continue;
                }
                zeros = p[k] == 0 ? zeros + 1 : 0;
                rbsp[n++] = p[k];
            }
            if (cs_mdpm_parse_sei(rbsp, n, out))
                return 1;
        }
        i = end;
    }
    memset(out, 0, sizeof *out);
    return 0;
}
