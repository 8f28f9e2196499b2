/* media/avi_head.c: the duration and picture size an AVI declares in its 'hdrl' list (see
 * declared.h). Chunks are a FOURCC and a 32-bit little-endian size, padded to even; every
 * chunk must lie inside its parent, and the parent is clipped to the bytes given (a cut file
 * keeps what it has). Fields are read only when the whole field is within both. */
#include "media/declared.h"

#include <string.h>

#define AVI_MAX_CHUNKS 256 /* chunks looked at in all: a header is a handful */

typedef struct span {
    size_t pos, end; /* end: the parent's end within the bytes given */
    size_t declared; /* the parent's declared end, may be past the bytes given */
} span_t;

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The next chunk of s: its id at *id, its body at *body (clipped to s->end at *end).
 * Returns 1, or 0 at the end, when the header is cut, or when the chunk claims more than its
 * parent declares. */
static int
next_chunk(span_t *s, const uint8_t *p, const uint8_t **id, size_t *body, size_t *end, int *n)
{
    uint32_t size;
    if (++*n > AVI_MAX_CHUNKS || s->pos > s->end || s->end - s->pos < 8)
        return 0;
    *id = p + s->pos;
    size = le32(p + s->pos + 4);
    *body = s->pos + 8;
    if (size > s->declared - *body)
        return 0; /* a chunk longer than its parent: the header lies */
    *end = *body + size < s->end ? *body + size : s->end;
    s->pos = *body + size + (size & 1);
    return 1;
}

/* One 'strl' list: the first video stream's rate, length and picture size. */
static void
stream_list(const uint8_t *p, span_t s, double *rate, uint32_t *frames, cs_declared_t *d, int *n)
{
    const uint8_t *id;
    size_t body, end;
    int video = 0;
    while (next_chunk(&s, p, &id, &body, &end, n)) {
        if (memcmp(id, "strh", 4) == 0 && end - body >= 36) {
            uint32_t scale = le32(p + body + 20), r = le32(p + body + 24);
            video = memcmp(p + body, "vids", 4) == 0;
            if (video && scale > 0 && r > 0) {
                *rate = (double)r / scale;
                *frames = le32(p + body + 32);
            }
        } else if (video && memcmp(id, "strf", 4) == 0 && end - body >= 12 && d->width == 0) {
            int32_t w = (int32_t)le32(p + body + 4), h = (int32_t)le32(p + body + 8);
            if (w > 0 && h != 0 && h != INT32_MIN) {
                d->width = w;
                d->height = h < 0 ? -h : h; /* negative: a top-down bitmap */
            }
        }
    }
}

int
cs_avi_head(const uint8_t *p, size_t len, cs_declared_t *d)
{
    span_t riff, hdrl;
    const uint8_t *id;
    size_t body, end;
    uint32_t us_per_frame = 0, total = 0, strh_frames = 0, dml_frames = 0;
    double rate = 0;
    int n = 0, w = 0, h = 0;

    if (len < 12 || memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "AVI ", 4) != 0)
        return -1;
    riff.pos = 12;
    riff.declared = (size_t)le32(p + 4) + 8;
    riff.end = riff.declared < len ? riff.declared : len;
    while (next_chunk(&riff, p, &id, &body, &end, &n)) {
        if (memcmp(id, "LIST", 4) != 0 || end - body < 4 || memcmp(p + body, "hdrl", 4) != 0)
            continue;
        hdrl = (span_t){body + 4, end, body + le32(id + 4)};
        while (next_chunk(&hdrl, p, &id, &body, &end, &n)) {
            if (memcmp(id, "avih", 4) == 0 && end - body >= 40) {
                us_per_frame = le32(p + body);
                total = le32(p + body + 16);
                w = (int)(le32(p + body + 32) & 0x7fffffff);
                h = (int)(le32(p + body + 36) & 0x7fffffff);
            } else if (memcmp(id, "LIST", 4) == 0 && end - body >= 4) {
                span_t sub = {body + 4, end, body + le32(id + 4)};
                if (memcmp(p + body, "strl", 4) == 0 && rate == 0)
                    stream_list(p, sub, &rate, &strh_frames, d, &n);
                else if (memcmp(p + body, "odml", 4) == 0 && sub.end - sub.pos >= 12 &&
                         memcmp(p + sub.pos, "dmlh", 4) == 0 && le32(p + sub.pos + 4) >= 4)
                    dml_frames = le32(p + sub.pos + 8); /* every RIFF of an OpenDML file */
            }
        }
        break;
    }
    if (w > 0 && h > 0) {
        d->width = w; /* the main header's size wins over the stream's bitmap */
        d->height = h;
    }
    /* ExifTool's reading: the video stream's frames at its rate, else the main header's. */
    if (dml_frames > total)
        total = dml_frames;
    if (rate > 0 && strh_frames > 0)
        d->duration_s = (dml_frames > strh_frames ? dml_frames : strh_frames) / rate;
    else if (us_per_frame > 0 && total > 0)
        d->duration_s = (double)total * us_per_frame / 1e6;
    return d->duration_s >= 0 || d->width > 0 ? 0 : -1;
}
