/* media/transcode_photo_heif.c: decoding the primary picture of a HEIF file (an iPhone's HEIC)
 * with libheif, which decodes HEVC through libde265, into an AVFrame the rest of the photo
 * path scales, encodes and verifies as it does any picture.
 *
 * libheif applies the file's transforms (irot, imir, clap) as it decodes: the frame is the
 * picture as it is meant to be shown, and EXIF's orientation, which HEIF says to ignore, is
 * not applied on top. Its size is checked twice before any pixel is allocated: libheif's own
 * limit on each side, and ours on the size it would decode to. */
#include "media/transcode_photo_int.h"

#include "core/error.h"
#include "media/exif_int.h"
#include "media/heif.h"

#include <libavutil/buffer.h>
#include <libheif/heif.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

int
cs_transcode_photo_is_heif(const char *path)
{
    unsigned char head[64];
    ssize_t n;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
        return 0; /* the FFmpeg path says why it cannot be read */
    do
        n = pread(fd, head, sizeof head, 0);
    while (n < 0 && errno == EINTR);
    close(fd);
    return n > 0 && cs_heif_sniff(head, (size_t)n);
}

static void
release_image(void *opaque, uint8_t *data)
{
    (void)data;
    heif_image_release(opaque);
}

/* A reason from libheif's error: "<what>: <its message>", one line of valid UTF-8 (the
 * message may end in a newline, and may quote the file). */
static void
heif_reason(cs_transcode_picture_t *pic, const char *what, struct heif_error he)
{
    const char *m = he.message != NULL ? he.message : "unknown error";
    char text[CS_TRANSCODE_PHOTO_REASON_MAX];
    int cut = 0;

    cs_exif_text(text, sizeof text, m, strlen(m), &cut);
    cs_transcode_photo_reason(pic->reason, sizeof pic->reason, "%s: %s%s", what, text,
                              cut ? "..." : "");
}

#define CS_HEIF_MAX_ICC (1 << 20) /* bytes of a colour profile carried beside the pixels */

int
cs_transcode_photo_decode_heif(const char *path, cs_transcode_picture_t *pic)
{
    struct heif_context *ctx = NULL;
    struct heif_image_handle *h = NULL;
    struct heif_decoding_options *opts = NULL;
    struct heif_image *img = NULL;
    struct heif_error he;
    const uint8_t *plane;
    int err = 0, w, ht, alpha, stride = 0;

    pic->frame = NULL;
    pic->codec = AV_CODEC_ID_NONE;
    pic->width = pic->height = pic->lowres = 0;
    pic->reason[0] = '\0';
    if ((ctx = heif_context_alloc()) == NULL || (opts = heif_decoding_options_alloc()) == NULL)
        goto oom;
    heif_context_set_maximum_image_size_limit(ctx, CS_HEIF_MAX_SIDE);
    if (pic->threads > 0)
        heif_context_set_max_decoding_threads(ctx, pic->threads);
    if ((he = heif_context_read_from_file(ctx, path, NULL)).code != heif_error_Ok) {
        heif_reason(pic, "the HEIF file could not be read", he);
        goto out;
    }
    if ((he = heif_context_get_primary_image_handle(ctx, &h)).code != heif_error_Ok) {
        heif_reason(pic, "the HEIF file has no primary picture", he);
        goto out;
    }
    w = heif_image_handle_get_width(h);
    ht = heif_image_handle_get_height(h);
    if (w < 1 || ht < 1 || w > CS_HEIF_MAX_SIDE || ht > CS_HEIF_MAX_SIDE ||
        (long)w * ht > CS_HEIF_MAX_PIXELS) {
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason,
                                  "the HEIF picture is %dx%d: refused (each side 1 to %d pixels)",
                                  w, ht, CS_HEIF_MAX_SIDE);
        goto out;
    }
    alpha = heif_image_handle_has_alpha_channel(h);
    opts->convert_hdr_to_8bit = 1;
    /* Damage is refused, not concealed into a picture nobody took (as AV_EF_EXPLODE for JPEG). */
    opts->strict_decoding = 1;
    he =
        heif_decode_image(h, &img, heif_colorspace_RGB,
                          alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, opts);
    if (he.code != heif_error_Ok) {
        heif_reason(pic, "the HEIF picture could not be decoded", he);
        goto out;
    }
    plane = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
    w = heif_image_get_width(img, heif_channel_interleaved);
    ht = heif_image_get_height(img, heif_channel_interleaved);
    if (plane == NULL || w < 1 || ht < 1 || stride < w * (alpha ? 4 : 3)) {
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason,
                                  "libheif decoded the picture to no usable pixels");
        goto out;
    }
    if ((pic->frame = av_frame_alloc()) == NULL)
        goto oom;
    /* The frame borrows libheif's pixels; freeing the frame releases the image. */
    pic->frame->buf[0] = av_buffer_create((uint8_t *)plane, (size_t)stride * (size_t)ht,
                                          release_image, img, AV_BUFFER_FLAG_READONLY);
    if (pic->frame->buf[0] == NULL)
        goto oom;
    img = NULL;
    pic->frame->data[0] = (uint8_t *)plane;
    pic->frame->linesize[0] = stride;
    pic->frame->format = alpha ? AV_PIX_FMT_RGBA : AV_PIX_FMT_RGB24;
    pic->frame->width = pic->width = w;
    pic->frame->height = pic->height = ht;
    pic->codec = AV_CODEC_ID_HEVC;
    /* Its ICC profile (Display P3 on phones) beside the pixels, as the JPEG decoder gives one:
     * a public copy keeps a profile that is not sRGB. */
    size_t icc = heif_image_handle_get_raw_color_profile_size(h);
    if (icc > 0 && icc <= CS_HEIF_MAX_ICC) {
        AVFrameSideData *sd = av_frame_new_side_data(pic->frame, AV_FRAME_DATA_ICC_PROFILE, icc);
        if (sd == NULL)
            goto oom;
        if (heif_image_handle_get_raw_color_profile(h, sd->data).code != heif_error_Ok)
            av_frame_remove_side_data(pic->frame, AV_FRAME_DATA_ICC_PROFILE);
    }
    goto out;
oom:
    cs_diag_set("out of memory decoding the HEIF picture");
    err = CS_ENOMEM;
out:
    if (err != 0 || pic->reason[0] != '\0')
        av_frame_free(&pic->frame);
    if (img != NULL)
        heif_image_release(img);
    if (h != NULL)
        heif_image_handle_release(h);
    if (opts != NULL)
        heif_decoding_options_free(opts);
    if (ctx != NULL)
        heif_context_free(ctx);
    return err;
}
