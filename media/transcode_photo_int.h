/* media/transcode_photo_int.h: what the transcode_photo*.c files share: reading a picture
 * (transcode_photo_read.c) and turning it into an upright JPEG (transcode_photo_pixels.c).
 * Private to them; cs_transcode_photo() (transcode_int.h) is the interface. */
#ifndef CS_MEDIA_TRANSCODE_PHOTO_INT_H
#define CS_MEDIA_TRANSCODE_PHOTO_INT_H

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>

#include <stddef.h>

#define CS_TRANSCODE_PHOTO_REASON_MAX 256 /* bytes of a reason, NUL included */

/* One picture to decode, and what became of it. */
typedef struct cs_transcode_picture {
    /* in */
    int hint_width, hint_height; /* JPEG frame size from its SOF header; 0 when unknown */
    int need;                    /* longest side wanted; lowres decodes no smaller (0: full) */
    int threads;                 /* decoder threads; 0: one per core */
    /* out */
    AVFrame *frame;       /* the decoded picture as stored (caller frees); NULL if none */
    enum AVCodecID codec; /* its codec (AV_CODEC_ID_NONE when the file holds no picture) */
    int width, height;    /* its full size, before lowres */
    int lowres;           /* the mjpeg decoder's lowres it was decoded at (0: full size) */
    char reason[CS_TRANSCODE_PHOTO_REASON_MAX]; /* why there is no picture; "" when there is */
} cs_transcode_picture_t;

/** Decodes the first picture of the file at `path` into pic->frame, refusing damaged data. A
 * JPEG whose size is hinted is decoded at the largest lowres still >= pic->need on its longest
 * side. A file that is no decodable picture sets pic->reason (one line a clerk can read) and
 * is not an error. Returns 0 or CS_ENOMEM (cs_diag set). */
int cs_transcode_photo_decode(const char *path, cs_transcode_picture_t *pic);

/** 1 when the file at `path` starts as a HEIF file (media/heif.h), else 0 (also when it
 * cannot be read: cs_transcode_photo_decode then says why). */
int cs_transcode_photo_is_heif(const char *path);

/** As cs_transcode_photo_decode, for a HEIF file, with libheif: its primary picture, full
 * size, turned and cropped as the file says (irot, imir, clap), as RGB24 or RGBA. A picture
 * larger than CS_HEIF_MAX_SIDE on a side, or that libheif cannot read or decode, sets
 * pic->reason. Returns 0 or CS_ENOMEM (cs_diag set). */
int cs_transcode_photo_decode_heif(const char *path, cs_transcode_picture_t *pic);

/** Formats a reason into buf (size bytes); a reason too long for it ends in "...". */
void cs_transcode_photo_reason(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** An FFmpeg error `averr` met doing `what`: CS_ENOMEM (cs_diag set) when memory ran out,
 * else 0 with "<what>: <FFmpeg's message>" in buf. */
int cs_transcode_photo_averr(int averr, const char *what, char *buf, size_t size);

/** Makes *out: the picture `src` scaled (swscale, area filter) to fit in `width` x `height`
 * as it is displayed, turned upright by EXIF `orientation` (1..8), full-range 4:2:0
 * (yuvj420p), an alpha channel flattened on white (*flattened set). A picture swscale cannot
 * convert sets reason. Returns 0 or CS_ENOMEM. */
int cs_transcode_photo_render(const AVFrame *src, int orientation, int width, int height,
                              AVFrame **out, int *flattened, char *reason, size_t size);

/** Encodes the yuvj420p picture `pic` as one JPEG (mjpeg encoder, fixed qscale `q`) into
 * *pkt (caller frees); `bare`: without the comment naming the encoder (an ICC profile in pic's
 * side data is still written). An encoder failure sets reason. Returns 0 or CS_ENOMEM. */
int cs_transcode_photo_encode(AVFrame *pic, int q, int threads, int bare, AVPacket **pkt,
                              char *reason, size_t size);

#endif
