/* media/transcode_mkv.c: the display rotation of an archival Matroska file. FFmpeg 5.1's
 * Matroska muxer drops the display matrix, but its demuxer (and players) read a rectangular
 * Projection with a ProjectionPoseRoll in the track's Video element as one. So the finished
 * file is patched in place: a Projection is added to the track's Video element, and the
 * elements between the Void that the muxer reserves after the SeekHead and the end of the
 * Video element move down by its size, into that Void. Nothing after the Tracks element moves,
 * so clusters and cues stay valid; the SeekHead's positions of the moved elements and the
 * CRC-32 elements of SeekHead and Tracks are written again. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <libavutil/crc.h>
#include <libavutil/intreadwrite.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MKV_HEAD_MAX (4 << 20) /* bytes read: the header elements lie at the start */

enum {
    ID_EBML = 0x1A45DFA3,
    ID_SEGMENT = 0x18538067,
    ID_SEEKHEAD = 0x114D9B74,
    ID_SEEK = 0x4DBB,
    ID_SEEKPOSITION = 0x53AC,
    ID_VOID = 0xEC,
    ID_CRC32 = 0xBF,
    ID_TRACKS = 0x1654AE6B,
    ID_TRACKENTRY = 0xAE,
    ID_TRACKNUMBER = 0xD7,
    ID_VIDEO = 0xE0,
    ID_PROJECTION = 0x7670,
    ID_CLUSTER = 0x1F43B675,
};

/* One element: its ID, where it starts, the length of its ID and size fields, its data. */
typedef struct el {
    uint32_t id;
    size_t pos, head, size, size_len;
} el_t;

/* Reads the ID and size of the element at pos, without checking that its data fits. */
static int
parse_head(const uint8_t *b, size_t pos, size_t end, el_t *e, uint64_t *size)
{
    size_t len, i;
    if (pos >= end || b[pos] == 0)
        return -1;
    for (len = 1; !(b[pos] & (0x80 >> (len - 1))); len++)
        ;
    if (len > 4 || pos + len >= end)
        return -1;
    for (e->id = 0, i = 0; i < len; i++)
        e->id = e->id << 8 | b[pos + i];
    e->pos = pos;
    pos += len;
    if (b[pos] == 0)
        return -1;
    for (e->size_len = 1; !(b[pos] & (0x80 >> (e->size_len - 1))); e->size_len++)
        ;
    if (pos + e->size_len > end)
        return -1;
    *size = b[pos] & (0xFF >> e->size_len);
    for (i = 1; i < e->size_len; i++)
        *size = *size << 8 | b[pos + i];
    e->head = len + e->size_len;
    return 0;
}

/* Reads the element at pos; 0, or -1 when it does not fit within [pos, end). */
static int
parse(const uint8_t *b, size_t pos, size_t end, el_t *e)
{
    uint64_t v;
    /* An unknown size (all ones) does not fit either: not expected of the elements here. */
    if (parse_head(b, pos, end, e, &v) != 0 || v > end - e->pos - e->head)
        return -1;
    e->size = (size_t)v;
    return 0;
}

/* Writes v into the n-byte field at p (a size vint when `vint`, else a plain uint). */
static int
put_uint(uint8_t *p, size_t n, uint64_t v, int vint)
{
    uint64_t max = vint     ? ((uint64_t)1 << (7 * n)) - 2
                   : n >= 8 ? UINT64_MAX
                            : ((uint64_t)1 << (8 * n)) - 1;
    if (v > max)
        return -1;
    for (size_t i = n; i-- > 0; v >>= 8)
        p[i] = (uint8_t)v;
    if (vint)
        p[0] |= (uint8_t)(0x80 >> (n - 1));
    return 0;
}

static int
grow(uint8_t *b, const el_t *e, size_t by)
{
    return put_uint(b + e->pos + e->head - e->size_len, e->size_len, e->size + by, 1);
}

/* Finds the first child of `parent` with `id`; 0 or -1. */
static int
child(const uint8_t *b, const el_t *parent, uint32_t id, el_t *out)
{
    size_t pos = parent->pos + parent->head, end = pos + parent->size;
    while (pos < end && parse(b, pos, end, out) == 0) {
        if (out->id == id)
            return 0;
        pos = out->pos + out->head + out->size;
    }
    return -1;
}

static uint64_t
uint_of(const uint8_t *b, const el_t *e)
{
    uint64_t v = 0;
    for (size_t i = 0; i < e->size && i < 8; i++)
        v = v << 8 | b[e->pos + e->head + i];
    return v;
}

/* Writes a master's CRC-32 again, when it has one (its first child). */
static void
recrc(uint8_t *b, const el_t *master)
{
    el_t crc;
    size_t data = master->pos + master->head;
    if (parse(b, data, data + master->size, &crc) != 0 || crc.id != ID_CRC32 || crc.size != 4)
        return;
    size_t from = crc.pos + crc.head + 4, end = data + master->size;
    uint32_t v = av_crc(av_crc_get_table(AV_CRC_32_IEEE_LE), UINT32_MAX, b + from, end - from);
    AV_WL32(b + crc.pos + crc.head, v ^ UINT32_MAX);
}

/* The Video element of track `track`. */
static int
find_video(const uint8_t *b, const el_t *tracks, int track, el_t *entry, el_t *video)
{
    size_t pos = tracks->pos + tracks->head, end = pos + tracks->size;
    el_t num, proj;
    while (pos < end && parse(b, pos, end, entry) == 0) {
        pos = entry->pos + entry->head + entry->size;
        if (entry->id != ID_TRACKENTRY || child(b, entry, ID_TRACKNUMBER, &num) != 0 ||
            uint_of(b, &num) != (uint64_t)track)
            continue;
        if (child(b, entry, ID_VIDEO, video) != 0 || child(b, video, ID_PROJECTION, &proj) == 0)
            return -1;
        return 0;
    }
    return -1;
}

/* Moves every SeekHead position that points into [from, to] down by `by`. */
static int
reseek(uint8_t *b, const el_t *seekhead, size_t segment, size_t from, size_t to, size_t by)
{
    size_t pos = seekhead->pos + seekhead->head, end = pos + seekhead->size;
    el_t seek, where;
    while (pos < end && parse(b, pos, end, &seek) == 0) {
        pos = seek.pos + seek.head + seek.size;
        if (seek.id != ID_SEEK || child(b, &seek, ID_SEEKPOSITION, &where) != 0)
            continue;
        uint64_t v = uint_of(b, &where);
        if (segment + v >= from && segment + v <= to &&
            put_uint(b + where.pos + where.head, where.size, v - by, 0) != 0)
            return -1;
    }
    return 0;
}

/* The Projection element: rectangular, rolled counterclockwise by -rotation degrees. */
static size_t
projection(uint8_t *p, int rotation)
{
    static const uint8_t head[] = {0x76, 0x70, 0x8B, 0x76, 0x71, 0x81, 0x00, 0x76, 0x75, 0x84};
    union {
        float f;
        uint32_t u;
    } roll = {.f = rotation == 90 ? -90.0f : rotation == 180 ? 180.0f : 90.0f};
    memcpy(p, head, sizeof head);
    AV_WB32(p + sizeof head, roll.u);
    return sizeof head + 4;
}

/* Rewrites the header in b (len bytes read) so that track `track` carries the rotation;
 * [*from, *to) is what changed. dst is scratch of len bytes. 0, or -1 if it cannot. */
static int
patch(uint8_t *b, size_t len, int track, int rotation, uint8_t *dst, size_t *from, size_t *to)
{
    el_t ebml, seg, e = {0}, seekhead = {0}, voids = {0}, tracks, entry, video;
    uint8_t proj[16];
    uint64_t unused;
    size_t pos, data, p = projection(proj, rotation);

    /* The Segment reaches past what was read: only its head is parsed. */
    if (parse(b, 0, len, &ebml) != 0 || ebml.id != ID_EBML ||
        parse_head(b, ebml.head + ebml.size, len, &seg, &unused) != 0 || seg.id != ID_SEGMENT)
        return -1;
    data = seg.pos + seg.head;
    for (pos = data; parse(b, pos, len, &e) == 0; pos = e.pos + e.head + e.size) {
        if (e.id == ID_SEEKHEAD && seekhead.id == 0)
            seekhead = e;
        else if (e.id == ID_VOID && voids.id == 0 && seekhead.id != 0)
            voids = e;
        else if (e.id == ID_TRACKS || e.id == ID_CLUSTER)
            break;
    }
    if (e.id != ID_TRACKS || voids.id == 0 || voids.head + voids.size < p + 2 ||
        find_video(b, &e, track, &entry, &video) != 0)
        return -1;
    tracks = e;
    size_t room = voids.head + voids.size, void_end = voids.pos + room;
    size_t ins = video.pos + video.head + video.size;
    size_t end = tracks.pos + tracks.head + tracks.size;
    if (grow(b, &video, p) != 0 || grow(b, &entry, p) != 0 || grow(b, &tracks, p) != 0 ||
        reseek(b, &seekhead, data, void_end, tracks.pos, p) != 0)
        return -1;
    recrc(b, &seekhead);

    /* A smaller Void, what lay between it and the end of the Video element, the Projection,
     * the rest of Tracks: as many bytes as before. */
    size_t left = room - p, sl = left >= 9 ? 8 : 1, n = 0;
    dst[n++] = ID_VOID;
    if (put_uint(dst + n, sl, left - 1 - sl, 1) != 0)
        return -1;
    n += sl;
    memset(dst + n, 0, left - 1 - sl);
    n += left - 1 - sl;
    memcpy(dst + n, b + void_end, ins - void_end);
    n += ins - void_end;
    memcpy(dst + n, proj, p);
    n += p;
    memcpy(dst + n, b + ins, end - ins);
    n += end - ins;
    if (n != end - voids.pos)
        return -1;
    memcpy(b + voids.pos, dst, n);
    tracks.pos -= p;
    tracks.size += p;
    recrc(b, &tracks);
    *from = seekhead.pos;
    *to = end;
    return 0;
}

int
cs_tc_mkv_rotate(const char *path, int track, int rotation, char *why, size_t size)
{
    uint8_t *b = NULL, *dst = NULL;
    size_t from = 0, to = 0;
    ssize_t n = 0;
    int fd = -1, rc = CS_ENOMEM;

    if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if ((b = av_malloc(MKV_HEAD_MAX)) == NULL || (dst = av_malloc(MKV_HEAD_MAX)) == NULL) {
        cs_diag_set("out of memory");
        goto out;
    }
    if ((n = pread(fd, b, MKV_HEAD_MAX, 0)) < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (patch(b, (size_t)n, track, rotation, dst, &from, &to) != 0) {
        cs_tc_reason(why, size, "the Matroska header has no room for the display rotation");
        rc = CS_ECORRUPT;
        goto out;
    }
    if ((n = pwrite(fd, b + from, to - from, (off_t)from)) < 0 || (size_t)n != to - from) {
        rc = n < 0 ? cs_err_from_errno(errno) : CS_EIO;
        cs_diag_set("cannot write %s: %s", path, n < 0 ? strerror(errno) : "short write");
        goto out;
    }
    rc = 0;
out:
    av_free(b);
    av_free(dst);
    if (fd >= 0)
        close(fd);
    return rc;
}
