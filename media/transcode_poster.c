/* media/transcode_poster.c: a video's poster frame, made into its "preview" and "thumbnail"
 * JPEGs the way a photo's are (transcode_photo.c). Many recordings open on black (a camera
 * starting up, a fade-in) or on one flat colour: a picture of that tells a clerk nothing. So
 * a few pictures of the first seconds, half a second apart, are looked at small and in grey,
 * and the first that is neither near black nor flat is the poster; if none is, the first
 * picture is. The display rotation is applied like a photo's EXIF orientation. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <libswscale/swscale.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#define POSTER_WITHIN_S 5.0      /* seconds of the start searched */
#define POSTER_STEP_S 0.5        /* between two pictures looked at */
#define POSTER_MAX_PACKETS 20000 /* read at most, of all streams: a stream that never starts */
#define POSTER_MAX_FRAMES 600    /* decoded at most (e.g. 5 s at 120 fps) */
#define LOOK 64                  /* a picture is judged at LOOK x LOOK in grey */
#define DARK_MEAN 32.0           /* mean grey (0..255) below which a picture is near black */
#define FLAT_SD 8.0              /* standard deviation below which it is one flat colour */

typedef struct poster {
    const AVStream *st;
    AVCodecContext *dec;
    AVFrame *frame, *first, *chosen;
    struct SwsContext *sws;
    double start_s, next_s, chosen_s;
    int frames;
} poster_t;

/* 1 when the picture shows something: neither near black nor one flat colour. */
static int
shows_something(poster_t *p, const AVFrame *f)
{
    uint8_t grey[LOOK * LOOK];
    uint8_t *dst[4] = {grey};
    int stride[4] = {LOOK};
    double sum = 0, sq = 0;

    p->sws = sws_getCachedContext(p->sws, f->width, f->height, f->format, LOOK, LOOK,
                                  AV_PIX_FMT_GRAY8, SWS_AREA, NULL, NULL, NULL);
    if (p->sws == NULL || sws_scale(p->sws, (const uint8_t *const *)f->data, f->linesize, 0,
                                    f->height, dst, stride) != LOOK)
        return 0; /* not to be judged: the first picture stays the poster */
    for (int i = 0; i < LOOK * LOOK; i++) {
        sum += grey[i];
        sq += (double)grey[i] * grey[i];
    }
    double mean = sum / (LOOK * LOOK), var = sq / (LOOK * LOOK) - mean * mean;
    return mean >= DARK_MEAN && sqrt(var > 0 ? var : 0) >= FLAT_SD;
}

/* Takes the decoded pictures: 1 once the poster is chosen or the search is over. */
static int
take(poster_t *p, int *err)
{
    while ((*err = avcodec_receive_frame(p->dec, p->frame)) == 0) {
        int64_t ts = p->frame->best_effort_timestamp;
        double t = ts != AV_NOPTS_VALUE ? ts * av_q2d(p->st->time_base) : p->next_s;
        if (p->frames++ == 0) {
            p->start_s = p->next_s = t;
            if ((p->first = av_frame_clone(p->frame)) == NULL) {
                *err = AVERROR(ENOMEM);
                return 1;
            }
        }
        if (t >= p->next_s) {
            if (shows_something(p, p->frame)) {
                p->chosen = av_frame_clone(p->frame);
                p->chosen_s = t - p->start_s;
                *err = p->chosen == NULL ? AVERROR(ENOMEM) : 0;
                return 1;
            }
            p->next_s = t + POSTER_STEP_S;
        }
        av_frame_unref(p->frame);
        if (t - p->start_s > POSTER_WITHIN_S || p->frames >= POSTER_MAX_FRAMES)
            return 1;
    }
    if (*err == AVERROR(EAGAIN) || *err == AVERROR_EOF)
        *err = 0;
    return *err == AVERROR(ENOMEM);
}

/* Decodes the start of stream `index` of fmt until the poster is chosen. */
static int
search(poster_t *p, AVFormatContext *fmt, int index)
{
    AVPacket *pkt = av_packet_alloc();
    int err = 0, done = 0, read = 0;

    if (pkt == NULL)
        return AVERROR(ENOMEM);
    while (!done && read++ < POSTER_MAX_PACKETS && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == index) {
            int e = avcodec_send_packet(p->dec, pkt);
            if (e == AVERROR(ENOMEM))
                err = e;
            done = err != 0 || take(p, &err); /* a damaged packet is passed over */
        }
        av_packet_unref(pkt);
    }
    if (!done && err == 0 && avcodec_send_packet(p->dec, NULL) >= 0)
        take(p, &err);
    av_packet_free(&pkt);
    return err;
}

/* EXIF's orientation for a clockwise display rotation. */
static int
orientation_of(int rotation)
{
    return rotation == 90 ? 6 : rotation == 180 ? 3 : rotation == 270 ? 8 : 1;
}

int
cs_transcode_poster(const char *path, const cs_transcode_opts_t *o, json_t *outputs)
{
    cs_tc_file_t file = {.fd = -1};
    poster_t p = {.chosen_s = 0};
    char why[CS_TC_REASON] = "";
    int index = -1, rc, err = 0;

    if (!o->want_preview && !o->want_thumbnail)
        return 0;
    if ((rc = cs_tc_file_open(&file, path, 1, why, sizeof why)) != 0)
        return rc;
    for (unsigned i = 0; file.fmt != NULL && i < file.fmt->nb_streams && index < 0; i++) {
        const AVStream *st = file.fmt->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            index = (int)i;
    }
    if (file.fmt != NULL && index < 0)
        cs_tc_reason(why, sizeof why, "the file has no video stream for a poster");
    if (index >= 0) {
        p.st = file.fmt->streams[index];
        if ((err = cs_tc_decoder_open(p.st, o->threads, 0, &p.dec)) < 0) {
            if ((rc = cs_tc_averr(err, "the video stream cannot be decoded", why, sizeof why)))
                goto out;
        } else if ((p.frame = av_frame_alloc()) == NULL ||
                   (err = search(&p, file.fmt, index)) == AVERROR(ENOMEM)) {
            cs_diag_set("out of memory making the poster of %s", path);
            rc = CS_ENOMEM;
            goto out;
        }
    }
    const AVFrame *f = p.chosen != NULL ? p.chosen : p.first;
    if (f == NULL && why[0] == '\0')
        cs_tc_reason(why, sizeof why, "no picture of the video's first %.0f s decodes",
                     POSTER_WITHIN_S);
    int w = f != NULL ? f->width : 0, h = f != NULL ? f->height : 0;
    if (f != NULL) { /* as shown: pixels made square by narrowing one side, as the access copy */
        AVRational sar =
            p.st->sample_aspect_ratio.num > 0 ? p.st->sample_aspect_ratio : f->sample_aspect_ratio;
        double r = sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1;
        if (r > 1 && r <= 10)
            h = (int)lround(h / r);
        else if (r >= 0.1 && r < 1)
            w = (int)lround(w * r);
        w = w < 1 ? 1 : w;
        h = h < 1 ? 1 : h;
    }
    int orient = f != NULL ? orientation_of(cs_tc_rotation(p.st)) : 1;
    rc = cs_transcode_photo_frame(f, w, h, orient,
                                  f == NULL          ? -1
                                  : p.chosen != NULL ? p.chosen_s
                                                     : 0,
                                  f != NULL ? NULL : why, o, outputs);
out:
    av_frame_free(&p.frame);
    av_frame_free(&p.first);
    av_frame_free(&p.chosen);
    sws_freeContext(p.sws);
    avcodec_free_context(&p.dec);
    cs_tc_file_close(&file);
    return rc;
}
