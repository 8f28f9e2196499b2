/* media/damage.c: is a recording damaged? (damage.h). The checks go from the plainest proof to
 * the weakest: a top-level box or a transport packet that runs past the end of the file (the
 * copy was cut), an MP4 without its index, an index that points past the end, a container
 * FFmpeg cannot open although the sniffer knew it, and first packets that decode to nothing
 * but errors. The first finding is the one the clerk reads. */
#include "media/damage.h"

#include "core/buf.h"
#include "core/error.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DAMAGE_MAX_BOXES 4096 /* top-level boxes walked; real files have a handful */
#define DAMAGE_MAX_PACKETS 48 /* packets read looking for the first decoded frame */
#define DAMAGE_MAX_ERRORS 4   /* decoding errors after which the stream is judged */
#define DAMAGE_MAX_READS 1024 /* packets of every stream read meanwhile */

typedef struct {
    char code[24];
    char reason[320];
} finding_t;

static int found(finding_t *f, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
found(finding_t *f, const char *code, const char *fmt, ...)
{
    va_list ap;
    cs_snprintf_cut(f->code, sizeof f->code, "%s", code);
    va_start(ap, fmt);
    if (vsnprintf(f->reason, sizeof f->reason, fmt, ap) < 0)
        f->reason[0] = '\0';
    va_end(ap);
    return 1;
}

static int
is_iso_bmff(const char *t)
{
    static const char *const types[] = {"video/mp4",  "video/quicktime", "audio/mp4",
                                        "video/3gpp", "video/3gpp2",     "video/x-m4v"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(t, types[i]) == 0)
            return 1;
    return 0;
}

/* A box type as text a clerk can read: printable ASCII, else '?'. */
static void
box_name(const unsigned char *b, char out[5])
{
    for (int i = 0; i < 4; i++)
        out[i] = b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\'' ? (char)b[i] : '?';
    out[4] = '\0';
}

/* Walks the top-level boxes: one whose declared length runs past the end, or no 'moov'. */
static int
check_boxes(int fd, int64_t size, finding_t *f)
{
    unsigned char h[16];
    char name[5];
    int64_t off = 0;
    int moov = 0, moof = 0;
    for (int n = 0; off < size && n < DAMAGE_MAX_BOXES; n++) {
        ssize_t got = pread(fd, h, sizeof h, off);
        if (got < 0)
            return 0; /* unreadable here: the other checks will say what they can */
        if (got < 8)
            return found(f, CS_DAMAGE_TRUNCATED,
                         "the file ends inside a box header at byte %" PRId64
                         ": the copy or the recording was cut off",
                         off);
        uint64_t len = (uint64_t)h[0] << 24 | (uint64_t)h[1] << 16 | (uint64_t)h[2] << 8 | h[3];
        int hdr = 8;
        box_name(h + 4, name);
        if (len == 1) {
            if (got < 16)
                return found(f, CS_DAMAGE_TRUNCATED,
                             "the file ends inside the '%s' box header at byte %" PRId64
                             ": the copy or the recording was cut off",
                             name, off);
            len = 0;
            for (int i = 8; i < 16; i++)
                len = len << 8 | h[i];
            hdr = 16;
        } else if (len == 0) {
            len = (uint64_t)(size - off); /* runs to the end of the file, by definition */
        }
        if (memcmp(h + 4, "moov", 4) == 0)
            moov = 1;
        if (memcmp(h + 4, "moof", 4) == 0)
            moof = 1;
        if (len < (uint64_t)hdr)
            return found(f, CS_DAMAGE_TRUNCATED,
                         "the '%s' box at byte %" PRId64 " declares an impossible length (%" PRIu64
                         " bytes): the file is damaged",
                         name, off, len);
        if (len > (uint64_t)(size - off))
            return found(f, CS_DAMAGE_TRUNCATED,
                         "the file ends %" PRIu64 " bytes into a '%s' box that declares %" PRIu64
                         " bytes%s: the copy or the recording was cut off",
                         (uint64_t)(size - off), name, len,
                         moov ? "" : ", and its index ('moov') is missing");
        off += (int64_t)len;
    }
    if (off >= size && !moov && !moof)
        return found(f, CS_DAMAGE_NO_INDEX,
                     "the file has no 'moov' box, the index a player needs: the recording was "
                     "cut off or never finished");
    return 0;
}

/* AVI and WAV: a RIFF chunk whose declared length runs past the end. A length of 0 or
 * 0xffffffff is a writer that could not go back to fill it in (a pipe), not damage. */
static int
check_riff(int fd, int64_t size, finding_t *f)
{
    unsigned char h[8];
    char name[5];
    int64_t off = 0;
    for (int n = 0; off < size && n < DAMAGE_MAX_BOXES; n++) {
        ssize_t got = pread(fd, h, sizeof h, off);
        if (got < 0)
            return 0;
        if (got < 8)
            return found(f, CS_DAMAGE_TRUNCATED,
                         "the file ends inside a chunk header at byte %" PRId64
                         ": the copy or the recording was cut off",
                         off);
        uint32_t len =
            (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
        box_name(h, name);
        if (len == 0 || len == 0xffffffffu)
            return 0;
        if ((int64_t)len + 8 > size - off)
            return found(f, CS_DAMAGE_TRUNCATED,
                         "the file ends %" PRId64 " bytes into a '%s' chunk that declares %" PRIu32
                         " bytes: the copy or the recording was cut off",
                         size - off - 8, name, len);
        off += 8 + (int64_t)len + (len & 1);
    }
    return 0;
}

/* MPEG-TS (188-byte packets) and M2TS (192: a 4-byte time code first): the last packet cut. */
static int
check_ts(int fd, int64_t size, finding_t *f)
{
    unsigned char b[4 + 192 + 1];
    ssize_t got = pread(fd, b, sizeof b, 0);
    int stride;
    if (got < (ssize_t)sizeof b)
        return 0;
    if (b[0] == 0x47 && b[188] == 0x47)
        stride = 188;
    else if (b[4] == 0x47 && b[4 + 192] == 0x47)
        stride = 192;
    else
        return 0;
    if (size % stride == 0)
        return 0;
    return found(f, CS_DAMAGE_TRUNCATED,
                 "the last transport packet is cut (%" PRId64
                 " of %d bytes): the copy or the recording was cut off",
                 size % stride, stride);
}

/* An index (MP4 sample table, AVI idx1, Matroska cues) whose entries point past the end. */
static int
check_index(AVFormatContext *fmt, int64_t size, finding_t *f)
{
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        AVStream *st = fmt->streams[i];
        int n = avformat_index_get_entries_count(st);
        const AVIndexEntry *e = n > 0 ? avformat_index_get_entry(st, n - 1) : NULL;
        /* Compared without adding: a hostile index may put pos near INT64_MAX. */
        if (e != NULL && e->pos >= 0 && e->size >= 0 &&
            (e->pos > size || (int64_t)e->size > size - e->pos))
            return found(f, CS_DAMAGE_INDEX,
                         "the index of stream %u points to byte %" PRId64
                         ", past the end of the file (%" PRId64
                         " bytes): the copy or the recording was cut off",
                         i, e->pos > size ? e->pos : e->pos + e->size, size);
    }
    return 0;
}

/* Decodes the first packets of the main stream: errors and not one frame is damage. */
static int
check_decode(AVFormatContext *fmt, finding_t *f)
{
    const AVCodec *codec = NULL;
    AVCodecContext *cc = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    char first[AV_ERROR_MAX_STRING_SIZE] = "";
    int idx, frames = 0, errors = 0, rc = 0;

    if ((idx = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)) < 0 ||
        (fmt->streams[idx]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        idx = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (idx < 0 || codec == NULL || pkt == NULL || frame == NULL ||
        (cc = avcodec_alloc_context3(codec)) == NULL ||
        avcodec_parameters_to_context(cc, fmt->streams[idx]->codecpar) < 0)
        goto out;
    cc->thread_count = 1; /* frame threads would hold back the first frame */
    if (avcodec_open2(cc, codec, NULL) < 0)
        goto out; /* a codec we cannot open says nothing about the file */
    /* Bounded in the stream's packets and in all packets read (other streams' too). */
    for (int n = 0, reads = 0; n < DAMAGE_MAX_PACKETS && reads < DAMAGE_MAX_READS && frames == 0 &&
                               errors < DAMAGE_MAX_ERRORS;
         reads++) {
        int err = av_read_frame(fmt, pkt);
        if (err < 0)
            break;
        if (pkt->stream_index == idx) {
            n++;
            err = avcodec_send_packet(cc, pkt);
            while (err >= 0 && (err = avcodec_receive_frame(cc, frame)) >= 0)
                frames++;
            if (err < 0 && err != AVERROR(EAGAIN) && err != AVERROR_EOF && errors++ == 0)
                av_strerror(err, first, sizeof first);
        }
        av_packet_unref(pkt);
    }
    if (frames == 0 && errors > 0)
        rc = found(f, CS_DAMAGE_DECODE,
                   "the first packets of stream %d (%s) do not decode (%s): the recording is "
                   "damaged",
                   idx, codec->name, first);
out:
    avcodec_free_context(&cc);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    return rc;
}

/* The first of libavformat's messages, for the reason of an unreadable container. */
static const char *
first_error(json_t *rec)
{
    const char *e = json_string_value(json_array_get(json_object_get(rec, "errors"), 0));
    return e != NULL ? e : "no reason given";
}

int
cs_damage_check(cs_avio_file_t *src, const char *media_type, json_t *rec)
{
    finding_t f = {{0}, {0}};
    int opened, hit = 0;
    if (media_type == NULL || src->fd < 0 || src->size <= 0 ||
        (strncmp(media_type, "video/", 6) != 0 && strncmp(media_type, "audio/", 6) != 0))
        return 0;
    /* Opened with no stream (an index of noise) is as unreadable as refused outright. */
    opened = src->fmt != NULL && src->fmt->iformat != NULL && src->fmt->nb_streams > 0 &&
             json_is_object(json_object_get(rec, "media"));
    if (is_iso_bmff(media_type))
        hit = check_boxes(src->fd, src->size, &f);
    else if (strcmp(media_type, "video/mp2t") == 0)
        hit = check_ts(src->fd, src->size, &f);
    else if (strcmp(media_type, "video/x-msvideo") == 0 || strcmp(media_type, "audio/wav") == 0)
        hit = check_riff(src->fd, src->size, &f);
    if (!hit && opened)
        hit = check_index(src->fmt, src->size, &f);
    if (!hit && !opened)
        hit = found(&f, CS_DAMAGE_UNREADABLE, "the %s file cannot be opened (%s): it is damaged",
                    media_type, first_error(rec));
    if (!hit && opened)
        hit = check_decode(src->fmt, &f);
    if (!hit)
        return 0;
    json_t *d = json_pack("{s:s, s:s}", "code", f.code, "reason", f.reason);
    if (d == NULL || json_object_set_new(rec, "damaged", d) != 0)
        return CS_ENOMEM;
    return 0;
}
