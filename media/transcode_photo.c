/* media/transcode_photo.c: the "preview" and "thumbnail" JPEGs of a photo (transcode.h).
 *
 * The picture is decoded once, a big JPEG only as large as the largest output needs
 * (transcode_photo_read.c); each output is scaled from that one frame, turned upright by the
 * EXIF orientation (read with the project's EXIF reader, libexif), encoded
 * (transcode_photo_pixels.c), written whole, and decoded back from the disk to be verified. */
#include "media/transcode_int.h"

#include "core/error.h"
#include "media/exif.h"
#include "media/transcode_photo_int.h"
#include "media/transcode_public.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* One call of cs_transcode_photo. */
typedef struct photo {
    const cs_transcode_opts_t *o;
    int orientation;            /* EXIF 1..8 (1: none, or none that could be read) */
    int heif;                   /* a HEIF file: libheif turns it by its own transforms */
    int quality;                /* mjpeg qscale, 2..31 */
    cs_transcode_picture_t pic; /* the decoded picture, or why there is none */
    double poster_s;            /* a video's poster: when its frame is shown; -1: a photo */
} photo_t;

/* One output being made. */
typedef struct photo_out {
    const char *profile;
    int bound;                                  /* longest side at most */
    char path[PATH_MAX];                        /* where it was written ("" until it was) */
    int width, height;                          /* as written (0 until it was) */
    int flattened;                              /* alpha put on white */
    int public_copy;                            /* redacted, no metadata (transcode.h) */
    int quality;                                /* mjpeg qscale of this output */
    int icc_kept;                               /* the source's ICC profile (not sRGB) */
    char reason[CS_TRANSCODE_PHOTO_REASON_MAX]; /* why it failed; "" when verified */
} photo_out_t;

/* The EXIF orientation, and a JPEG's frame size (its SOFn header) as the hint for lowres.
 * A file without readable EXIF is upright; one that cannot be read fails later, with its
 * reason. Returns 0 or CS_ENOMEM. */
static int
read_exif(const char *path, photo_t *ph)
{
    json_t *rec = json_object(), *img;
    json_int_t o, w, h;
    int err;

    if (rec == NULL) {
        cs_diag_set("out of memory reading the EXIF of a photo");
        return CS_ENOMEM;
    }
    if ((err = cs_exif_read(path, rec)) == CS_ENOMEM)
        goto out;
    if (err != 0)
        cs_diag_clear();
    err = 0;
    img = json_object_get(rec, "image");
    o = json_integer_value(json_object_get(img, "orientation"));
    w = json_integer_value(json_object_get(img, "width"));
    h = json_integer_value(json_object_get(img, "height"));
    ph->orientation = o >= 1 && o <= 8 ? (int)o : 1;
    if (w > 0 && h > 0 && w <= INT_MAX && h <= INT_MAX) {
        ph->pic.hint_width = (int)w;
        ph->pic.hint_height = (int)h;
    }
out:
    json_decref(rec);
    return err;
}

/* The size of a w x h picture fitted in bound x bound: aspect kept, never larger, >= 1. */
static void
fit(int w, int h, int bound, int *fw, int *fh)
{
    *fw = w;
    *fh = h;
    if (w > bound && w >= h) {
        *fw = bound;
        *fh = (int)(((int64_t)h * bound + w / 2) / w);
    } else if (h > bound) {
        *fh = bound;
        *fw = (int)(((int64_t)w * bound + h / 2) / h);
    }
    *fw = *fw < 1 ? 1 : *fw;
    *fh = *fh < 1 ? 1 : *fh;
}

/* Writes len bytes to a new file at path, whole or not at all. Returns 0 or a CS_E* code
 * (cs_diag set): then no file is left. */
static int
write_file(const char *path, const void *buf, size_t len)
{
    size_t done = 0;
    int fd, e = 0, created = 0;

    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0) {
        e = errno;
        goto out;
    }
    created = 1;
    while (done < len) {
        ssize_t n = write(fd, (const char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = n < 0 ? errno : EIO;
            goto out;
        }
        done += (size_t)n;
    }
    if (close(fd) != 0)
        e = errno;
    fd = -1;
out:
    if (fd != -1)
        close(fd);
    if (e == 0)
        return 0;
    if (created)
        unlink(path);
    cs_diag_set("cannot write \"%s\": %s", path, strerror(e));
    return cs_err_from_errno(e);
}

/* Decodes the written JPEG back from the disk: it must be one whole JPEG of the size written,
 * within the bound. Sets out->reason when it is not. Returns 0 or CS_ENOMEM. */
static int
verify(photo_out_t *out)
{
    cs_transcode_picture_t back = {.threads = 1};
    int err;

    if ((err = cs_transcode_photo_decode(out->path, &back)) != 0)
        goto out;
    if (back.reason[0] != '\0')
        cs_transcode_photo_reason(out->reason, sizeof out->reason,
                                  "the written %s does not decode: %s", out->profile, back.reason);
    else if (back.codec != AV_CODEC_ID_MJPEG)
        cs_transcode_photo_reason(out->reason, sizeof out->reason, "the written %s is not a JPEG",
                                  out->profile);
    else if (back.width != out->width || back.height != out->height)
        cs_transcode_photo_reason(out->reason, sizeof out->reason,
                                  "the written %s decodes to %dx%d, not the %dx%d written",
                                  out->profile, back.width, back.height, out->width, out->height);
    else if (back.width > out->bound || back.height > out->bound)
        cs_transcode_photo_reason(out->reason, sizeof out->reason,
                                  "the written %s is %dx%d, larger than %d", out->profile,
                                  back.width, back.height, out->bound);
out:
    av_frame_free(&back.frame);
    return err;
}

/* The public copy keeps the source's ICC profile only when it is not sRGB (what a viewer
 * assumes anyway): the encoder writes the frame's profile as APP2. Returns 0 or CS_ENOMEM. */
static int
keep_icc(const AVFrame *src, AVFrame *dst, int *kept)
{
    const AVFrameSideData *sd = av_frame_get_side_data(src, AV_FRAME_DATA_ICC_PROFILE);
    *kept = 0;
    if (sd == NULL || sd->size == 0 || cs_tc_icc_is_srgb(sd->data, sd->size))
        return 0;
    AVFrameSideData *copy = av_frame_new_side_data(dst, AV_FRAME_DATA_ICC_PROFILE, sd->size);
    if (copy == NULL) {
        cs_diag_set("out of memory keeping a photo's colour profile");
        return CS_ENOMEM;
    }
    memcpy(copy->data, sd->data, sd->size);
    *kept = 1;
    return 0;
}

/* Scales, turns, encodes, writes and verifies one output. Returns 0 (out->reason set when it
 * failed) or a CS_E* code: out of memory, or out_dir cannot be written. */
static int
make(photo_t *ph, photo_out_t *out)
{
    const cs_transcode_picture_t *pic = &ph->pic;
    AVFrame *frame = NULL, *redacted = NULL;
    AVPacket *pkt = NULL;
    char path[PATH_MAX];
    int err = 0, w, h;

    if (pic->reason[0] != '\0') {
        cs_transcode_photo_reason(out->reason, sizeof out->reason, "%s", pic->reason);
        goto out;
    }
    if (ph->orientation >= 5)
        fit(pic->height, pic->width, out->bound, &w, &h);
    else
        fit(pic->width, pic->height, out->bound, &w, &h);
    const AVFrame *shown = pic->frame;
    if (out->public_copy) {
        if ((err = cs_tc_public_photo(pic->frame, pic->width, ph->o->public_spec, &redacted,
                                      out->reason, sizeof out->reason)) != 0 ||
            out->reason[0] != '\0')
            goto out;
        if (redacted != NULL)
            shown = redacted;
    }
    if ((err = cs_transcode_photo_render(shown, ph->orientation, w, h, &frame, &out->flattened,
                                         out->reason, sizeof out->reason)) != 0 ||
        out->reason[0] != '\0')
        goto out;
    if ((out->public_copy || strcmp(out->profile, "archival") == 0) &&
        (err = keep_icc(pic->frame, frame, &out->icc_kept)) != 0)
        goto out;
    if ((err = cs_transcode_photo_encode(frame, out->quality, ph->o->threads, out->public_copy,
                                         &pkt, out->reason, sizeof out->reason)) != 0 ||
        out->reason[0] != '\0')
        goto out;
    if ((err = cs_transcode_out_path(ph->o, out->profile, "jpg", path, sizeof path)) != 0 ||
        (err = write_file(path, pkt->data, (size_t)pkt->size)) != 0)
        goto out;
    memcpy(out->path, path, sizeof path);
    out->width = w;
    out->height = h;
    err = verify(out);
out:
    av_packet_free(&pkt);
    av_frame_free(&frame);
    av_frame_free(&redacted);
    return err;
}

/* Appends the record of out (transcode.h's shape) to outputs. Returns 0 or CS_ENOMEM. */
static int
append_record(const photo_t *ph, const photo_out_t *out, json_t *outputs)
{
    int verified = out->reason[0] == '\0';
    json_t *rec;

    rec =
        json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:o,"
                  " s:{s:{s:i, s:s, s:s, s:b}, s:i, s:i},"
                  " s:o, s:o, s:n, s:o, s:i}",
                  "profile", out->profile, "media_type", "image/jpeg", "status",
                  verified ? "verified" : "failed", "container", "mjpeg", "encoders", "video",
                  "mjpeg", "libraries", cs_transcode_libraries(), "params", "video", "qscale",
                  out->quality, "pix_fmt", "yuvj420p", "sws", "area", "alpha_on_white",
                  out->flattened, "orientation_applied", ph->orientation, "lowres", ph->pic.lowres,
                  "width", out->width > 0 ? json_integer(out->width) : json_null(), "height",
                  out->height > 0 ? json_integer(out->height) : json_null(), "duration_s", "frames",
                  verified ? json_integer(1) : json_null(), "rotation", 0);
    if (rec == NULL ||
        (ph->heif && json_object_set_new(json_object_get(rec, "params"), "heif_transforms_applied",
                                         json_true()) != 0) ||
        (out->public_copy &&
         json_object_update_new(json_object_get(rec, "params"),
                                json_pack("{s:b, s:b, s:i, s:o?}", "metadata_copied", 0, "icc_kept",
                                          out->icc_kept, "max_px", ph->o->public_max_px,
                                          "redaction", json_deep_copy(ph->o->public_spec))) != 0) ||
        (out->path[0] != '\0' && json_object_set_new(rec, "path", json_string(out->path)) != 0) ||
        (!verified && json_object_set_new(rec, "reason", json_string(out->reason)) != 0) ||
        (ph->poster_s >= 0 &&
         json_object_set_new(json_object_get(json_object_get(rec, "params"), "video"), "poster_s",
                             json_real(ph->poster_s)) != 0))
        goto oom;
    if (json_array_append_new(outputs, rec) != 0) {
        rec = NULL; /* freed by json_array_append_new */
        goto oom;
    }
    return 0;
oom:
    json_decref(rec);
    cs_diag_set("out of memory recording the %s of a photo", out->profile);
    return CS_ENOMEM;
}

/* The public copy's longest side: public_max_px, or the picture's own (0). */
static int
public_bound(const cs_transcode_opts_t *o)
{
    return o->public_max_px == 0 ? INT_MAX : o->public_max_px;
}

/* 1 when a full-size JPEG archival copy is wanted (transcode.h's archival_target "jpeg"). */
static int
archival_jpeg(const cs_transcode_opts_t *o)
{
    return o->want_archival && o->archival_target != NULL &&
           strcmp(o->archival_target, "jpeg") == 0;
}

/* The bounds of the wanted outputs: each 1 or more; *need, the largest. */
static int
check_bounds(const cs_transcode_opts_t *o, int *need)
{
    const int want[4] = {o->want_preview, o->want_thumbnail, o->want_public, archival_jpeg(o)};
    const int bound[4] = {o->preview_px, o->thumbnail_px, public_bound(o), INT_MAX};
    static const char *const names[4] = {"preview", "thumbnail", "public copy", "archival copy"};
    for (int i = 0; i < 4; i++) {
        if (want[i] && bound[i] < 1) {
            cs_diag_set("the %s needs a size of 1 pixel or more, not %d", names[i], bound[i]);
            return CS_EINVAL;
        }
        if (want[i] && bound[i] > *need)
            *need = bound[i];
    }
    return 0;
}

/* Makes, verifies and records each wanted output of the picture (or says why not). */
static int
make_all(photo_t *ph, json_t *outputs)
{
    const cs_transcode_opts_t *o = ph->o;
    int q = o->archival_qscale < 1 ? 1 : o->archival_qscale > 31 ? 31 : o->archival_qscale;
    photo_out_t outs[4] = {
        {.profile = "archival", .bound = INT_MAX, .quality = q},
        {.profile = "preview", .bound = o->preview_px, .quality = ph->quality},
        {.profile = "thumbnail", .bound = o->thumbnail_px, .quality = ph->quality},
        {.profile = "public", .bound = public_bound(o), .public_copy = 1, .quality = ph->quality}};
    /* A video's poster makes no public copy (the video's own is made from the recording),
     * nor an archival one. */
    const int want[4] = {archival_jpeg(o) && ph->poster_s < 0, o->want_preview, o->want_thumbnail,
                         o->want_public && ph->poster_s < 0};
    int err = 0;

    for (int i = 0; i < 4 && err == 0; i++)
        if (want[i] && (err = make(ph, &outs[i])) == 0)
            err = append_record(ph, &outs[i], outputs);
    return err;
}

int
cs_transcode_photo(const char *path, const cs_transcode_opts_t *o, json_t *outputs)
{
    photo_t ph = {.o = o, .orientation = 1, .poster_s = -1};
    int err = 0;

    if (path == NULL || o == NULL || !json_is_array(outputs))
        return CS_EINVAL;
    if ((err = check_bounds(o, &ph.pic.need)) != 0)
        return err;
    if (!o->want_preview && !o->want_thumbnail && !o->want_public && !archival_jpeg(o))
        return 0;
    ph.quality = o->jpeg_quality < 2 ? 2 : o->jpeg_quality > 31 ? 31 : o->jpeg_quality;
    ph.pic.threads = o->threads;
    /* HEIF says to show a picture by its transforms (irot, imir), which libheif applies, and
     * never also by EXIF's orientation. */
    if ((ph.heif = cs_transcode_photo_is_heif(path)))
        err = cs_transcode_photo_decode_heif(path, &ph.pic);
    else if ((err = read_exif(path, &ph)) == 0)
        err = cs_transcode_photo_decode(path, &ph.pic);
    if (err != 0)
        goto out;
    err = make_all(&ph, outputs);
out:
    av_frame_free(&ph.pic.frame);
    return err;
}

int
cs_transcode_photo_frame(const AVFrame *frame, int width, int height, int orientation, double at_s,
                         const char *reason, const cs_transcode_opts_t *o, json_t *outputs)
{
    photo_t ph = {.o = o, .orientation = orientation, .poster_s = at_s};
    int err;

    if (o == NULL || !json_is_array(outputs))
        return CS_EINVAL;
    if ((err = check_bounds(o, &ph.pic.need)) != 0)
        return err;
    ph.quality = o->jpeg_quality < 2 ? 2 : o->jpeg_quality > 31 ? 31 : o->jpeg_quality;
    ph.pic.width = width;
    ph.pic.height = height;
    if (frame == NULL)
        cs_transcode_photo_reason(ph.pic.reason, sizeof ph.pic.reason, "%s",
                                  reason != NULL ? reason : "no picture");
    else if ((ph.pic.frame = av_frame_clone(frame)) == NULL) {
        cs_diag_set("out of memory making a poster");
        return CS_ENOMEM;
    }
    err = make_all(&ph, outputs);
    av_frame_free(&ph.pic.frame);
    return err;
}
