/* tests/media/test_heif.c: HEIC photos (media/heif*.c, transcode_photo_heif.c): an iPhone's
 * HEIC read as ExifTool reads it (capture time and offset, place, device, size), its preview
 * and thumbnail made and turned as the file says, and broken HEIC failed with a reason. */
#include "tests/media/photo_util.h"

#include "core/error.h"
#include "indexer/sniff.h"
#include "media/extract.h"
#include "media/heif.h"
#include "media/transcode_int.h"
#include "tests/support/corpus.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <jansson.h>
#include <libavutil/frame.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* iPhone 11 Pro Max, exif-samples (tests/data/SOURCES.md). ExifTool 12.57 reads it as
 * File:ImageWidth 2566, File:ImageHeight 3313 (the primary item's ispe), QuickTime:Rotation 0,
 * no IFD0:Orientation. */
#define IPHONE CUSTODY_TEST_DATA "/heic/IMG_5195.HEIC"
#define IPHONE_W 2566
#define IPHONE_H 3313
#define IPHONE_IROT 1963 /* offset of its primary item's irot box (value 0) */

static json_t *
extract(const char *path)
{
    unsigned char head[512];
    ssize_t n = 0;
    json_t *rec = NULL;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        n = read(fd, head, sizeof head);
        close(fd);
    }
    const char *type = cs_sniff_media_type(head, n > 0 ? (size_t)n : 0);
    int rc = cs_extract_file(path, type, NULL, &rec);
    ck_assert_msg(rc == 0, "%s: %s (%s)", path, cs_strerror(rc), cs_diag());
    ck_assert(json_is_object(rec));
    char *text = json_dumps(rec, JSON_COMPACT); /* every string valid UTF-8 */
    ck_assert_ptr_nonnull(text);
    free(text);
    return rec;
}

/* A copy of the iPhone photo in tmp whose irot box becomes `type` ("irot" or "imir") with
 * the value v: irot v x 90 degrees anticlockwise; imir mode 0 top and bottom exchanged, 1 left
 * and right (HEIF Amendment 2, as iPhones and libheif read it; the 2017 text's "axis" was
 * read both ways). */
static void
transformed_copy(const char *path, const char *type, unsigned char v)
{
    size_t n;
    unsigned char *b = (unsigned char *)cs_test_read(IPHONE, &n);
    ck_assert_ptr_nonnull(b);
    ck_assert_msg(memcmp(b + IPHONE_IROT, "\0\0\0\x09irot\0", 9) == 0, "no irot 0 at %d",
                  IPHONE_IROT);
    memcpy(b + IPHONE_IROT + 4, type, 4);
    b[IPHONE_IROT + 8] = v;
    cs_test_write(path, b, n);
    free(b);
}

static const char *
str_in(json_t *obj, const char *a, const char *b)
{
    json_t *v = json_object_get(obj, a);
    return json_string_value(b != NULL ? json_object_get(v, b) : v);
}

static json_int_t
int_in(json_t *obj, const char *a, const char *b)
{
    json_t *v = json_object_get(json_object_get(obj, a), b);
    ck_assert_msg(json_is_integer(v), "%s.%s is not an integer", a, b);
    return json_integer_value(v);
}

START_TEST(test_heic_metadata)
{
    json_t *rec = extract(IPHONE);
    ck_assert_str_eq(str_in(rec, "captured_at", NULL), "2021-04-11T15:47:53-05:00");
    ck_assert_str_eq(str_in(rec, "captured_at_source", NULL),
                     "exif:DateTimeOriginal+OffsetTimeOriginal");
    ck_assert_str_eq(str_in(rec, "captured_at_utc", NULL), "2021-04-11T20:47:53Z");
    json_t *gps = json_object_get(rec, "gps");
    ck_assert(fabs(json_real_value(json_object_get(gps, "lat")) - 39.0513444) < 1e-5);
    ck_assert(fabs(json_real_value(json_object_get(gps, "lon")) - -94.2887722) < 1e-5);
    ck_assert_str_eq(str_in(rec, "device", "make"), "Apple");
    ck_assert_str_eq(str_in(rec, "device", "model"), "iPhone 11 Pro Max");
    ck_assert_int_eq(int_in(rec, "image", "width"), IPHONE_W);
    ck_assert_int_eq(int_in(rec, "image", "height"), IPHONE_H);
    ck_assert_int_eq(int_in(rec, "image", "display_width"), IPHONE_W);
    ck_assert_int_eq(int_in(rec, "image", "display_height"), IPHONE_H);
    ck_assert_ptr_null(json_object_get(json_object_get(rec, "image"), "orientation"));
    ck_assert_str_eq(str_in(rec, "media", "container"), "heif");
    ck_assert_int_eq(json_array_size(json_object_get(rec, "errors")), 0);
    ck_assert_ptr_nonnull(
        strstr(str_in(rec, "raw", "xmp"), "xmp:CreateDate=\"2021-04-11T15:47:53\""));
    json_decref(rec);
}
END_TEST

/* Turned by its irot: the size stored stays (as ExifTool's File:ImageWidth/Height), the size
 * shown swaps, and the transform is named. */
START_TEST(test_heic_metadata_turned)
{
    char path[4096];
    path_in(path, sizeof path, tmp, "turned.heic");
    transformed_copy(path, "irot", 1);
    json_t *rec = extract(path), *img = json_object_get(rec, "image");
    ck_assert_int_eq(int_in(rec, "image", "width"), IPHONE_W);
    ck_assert_int_eq(int_in(rec, "image", "height"), IPHONE_H);
    ck_assert_int_eq(int_in(rec, "image", "display_width"), IPHONE_H);
    ck_assert_int_eq(int_in(rec, "image", "display_height"), IPHONE_W);
    json_t *t = json_array_get(json_object_get(img, "transforms"), 0);
    ck_assert_str_eq(str_in(t, "type", NULL), "irot");
    ck_assert_int_eq(json_integer_value(json_object_get(t, "angle_ccw")), 90);
    json_decref(rec);
}
END_TEST

/* The preview and thumbnail of the photo in `path`, both verified; the preview returned. */
static AVFrame *
preview(const char *path, const char *dir, int dw, int dh, json_t **outputs)
{
    char out[4096];
    int ew, eh;
    path_in(out, sizeof out, tmp, dir);
    ck_assert_int_eq(mkdir(out, 0755), 0);
    cs_transcode_opts_t o = opts_in(out);
    *outputs = photo(path, &o);
    json_t *pre = output(*outputs, "preview"), *thumb = output(*outputs, "thumbnail");
    AVFrame *p = check_record(pre, "verified", o.preview_px, o.jpeg_quality);
    AVFrame *t = check_record(thumb, "verified", o.thumbnail_px, o.jpeg_quality);
    ck_assert_int_eq(int_at(json_object_get(pre, "params"), "orientation_applied"), 1);
    ck_assert(
        json_is_true(json_object_get(json_object_get(pre, "params"), "heif_transforms_applied")));
    expect_fit(dw, dh, o.preview_px, &ew, &eh);
    assert_size_near(pre, ew, eh);
    expect_fit(dw, dh, o.thumbnail_px, &ew, &eh);
    assert_size_near(thumb, ew, eh);
    ck_assert_msg(mean_luma(p) > 20 && mean_luma(p) < 235, "a blank preview: %f", mean_luma(p));
    av_frame_free(&t);
    return p;
}

START_TEST(test_heic_preview)
{
    json_t *outputs;
    AVFrame *p = preview(IPHONE, "out", IPHONE_W, IPHONE_H, &outputs);
    ck_assert_int_lt(p->width, p->height); /* portrait, as stored and shown */
    av_frame_free(&p);
    json_decref(outputs);
}
END_TEST

/* How alike the luma of a is to b turned 90 degrees anticlockwise (a is b.height x b.width). */
static double
likeness_ccw(const AVFrame *a, const AVFrame *b, int clockwise)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++) {
            int bx = clockwise ? y : b->width - 1 - y, by = clockwise ? b->height - 1 - x : x;
            double va = a->data[0][y * a->linesize[0] + x];
            double vb = b->data[0][by * b->linesize[0] + bx];
            sa += va, sb += vb, saa += va * va, sbb += vb * vb, sab += va * vb, n++;
        }
    double cov = sab / n - sa / n * sb / n;
    double da = saa / n - sa / n * sa / n, db = sbb / n - sb / n * sb / n;
    return cov / sqrt(da * db);
}

/* irot 90: the preview is the upright one turned a quarter anticlockwise, not clockwise. */
START_TEST(test_heic_preview_turned)
{
    char path[4096];
    json_t *o1, *o2;
    path_in(path, sizeof path, tmp, "turned.heic");
    transformed_copy(path, "irot", 1);
    AVFrame *up = preview(IPHONE, "up", IPHONE_W, IPHONE_H, &o1);
    AVFrame *p = preview(path, "turned", IPHONE_H, IPHONE_W, &o2);
    ck_assert_int_gt(p->width, p->height);
    ck_assert_int_eq(p->width, up->height);
    ck_assert_int_eq(p->height, up->width);
    double ccw = likeness_ccw(p, up, 0), cw = likeness_ccw(p, up, 1);
    ck_assert_msg(ccw > 0.95 && ccw > cw + 0.2, "turned: ccw %f, cw %f", ccw, cw);
    av_frame_free(&up);
    av_frame_free(&p);
    json_decref(o1);
    json_decref(o2);
}
END_TEST

/* imir: the preview is the upright one flipped as the file says. */
START_TEST(test_heic_preview_mirrored)
{
    char path[4096], dir[16];
    json_t *o1, *o2;
    path_in(path, sizeof path, tmp, "mirrored.heic");
    transformed_copy(path, "imir", (unsigned char)_i);
    json_t *rec = extract(path);
    json_t *t = json_array_get(json_object_get(json_object_get(rec, "image"), "transforms"), 0);
    ck_assert_str_eq(str_in(t, "type", NULL), "imir");
    ck_assert_str_eq(str_in(t, "flip", NULL), _i ? "left-right" : "top-bottom");
    json_decref(rec);
    AVFrame *up = preview(IPHONE, "up", IPHONE_W, IPHONE_H, &o1);
    snprintf(dir, sizeof dir, "m%d", _i);
    AVFrame *p = preview(path, dir, IPHONE_W, IPHONE_H, &o2);
    double lr = likeness(p, up, 1, 0), tb = likeness(p, up, 0, 1);
    double want = _i ? lr : tb, other = _i ? tb : lr;
    ck_assert_msg(want > 0.95 && want > other + 0.2, "imir %d: left-right %f, top-bottom %f", _i,
                  lr, tb);
    av_frame_free(&up);
    av_frame_free(&p);
    json_decref(o1);
    json_decref(o2);
}
END_TEST

/* ---- broken HEIC: a record and a reason, never a crash -------------------------------- */

typedef struct broken {
    const char *name;
    size_t keep;        /* bytes of the photo kept (0: all) */
    size_t from, len;   /* bytes overwritten with a pattern */
    const char *reason; /* a part of the preview's reason */
} broken_t;

static const broken_t brokens[] = {
    {"header only", 40, 0, 0, "could not be read"},
    {"meta cut", 2100, 0, 0, "could not be read"},
    {"pictures cut", 400000, 0, 0, "HEIF"},
    {"meta garbled", 0, 120, 2900, "HEIF"},
    {"iloc garbled", 0, 2290, 600, "HEIF"},
    {"huge ispe", 0, 0, 0, "exceeds the maximum image size"},
    {"pictures garbled", 0, 100000, 300000, ""},
};

static void
make_broken(const broken_t *k, const char *path)
{
    size_t n;
    unsigned char *b = (unsigned char *)cs_test_read(IPHONE, &n);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < k->len && k->from + i < n; i++)
        b[k->from + i] = (unsigned char)(i * 37 + 11);
    if (strcmp(k->name, "huge ispe") == 0) {
        /* every ispe claims 65535 x 65535 */
        for (size_t i = 0; i + 20 < n && i < 4096; i++)
            if (memcmp(b + i + 4, "ispe", 4) == 0)
                memset(b + i + 12, 0xff, 8);
    }
    cs_test_write(path, b, k->keep > 0 && k->keep < n ? k->keep : n);
    free(b);
}

START_TEST(test_heic_broken)
{
    const broken_t *k = &brokens[_i];
    char src[4096], out[4096];
    path_in(src, sizeof src, tmp, "broken.heic");
    path_in(out, sizeof out, tmp, "out");
    ck_assert_int_eq(mkdir(out, 0755), 0);
    make_broken(k, src);

    json_t *rec = extract(src);
    int meta_ok = k->from >= 100000; /* only the coded pictures are broken */
    ck_assert_msg(meta_ok || json_array_size(json_object_get(rec, "errors")) > 0,
                  "%s: no error said", k->name);
    json_decref(rec);

    cs_transcode_opts_t o = opts_in(out);
    json_t *outputs = photo(src, &o), *r;
    size_t i;
    json_array_foreach(outputs, i, r)
    {
        check_record(r, "failed", 0, 4);
        const char *reason = str_at(r, "reason");
        ck_assert_msg(strstr(reason, k->reason) != NULL, "%s: %s", k->name, reason);
        if (i == 0)
            fprintf(stderr, "heif: %s: %s\n", k->name, reason);
    }
    ck_assert_int_eq(files_in(out), 0);
    json_decref(outputs);
}
END_TEST

/* ---- the metadata read by its own bytes, not the pictures' --------------------------- */

#define IPHONE_META_END 8042 /* the end of its last metadata item (XMP); pictures follow */

/* The photo cut right after its metadata items: every coded picture is gone, and the record
 * still has everything the metadata says (libheif 1.15 read the whole file for it, and gave
 * nothing for a cut one), with the cut named. */
START_TEST(test_heic_metadata_without_pictures)
{
    char path[4096];
    size_t n;
    unsigned char *b = (unsigned char *)cs_test_read(IPHONE, &n);
    ck_assert_ptr_nonnull(b);
    path_in(path, sizeof path, tmp, "cut.heic");
    cs_test_write(path, b, IPHONE_META_END);
    free(b);

    json_t *rec = extract(path);
    ck_assert_str_eq(str_in(rec, "captured_at", NULL), "2021-04-11T15:47:53-05:00");
    ck_assert_str_eq(str_in(rec, "device", "model"), "iPhone 11 Pro Max");
    ck_assert(fabs(json_real_value(json_object_get(json_object_get(rec, "gps"), "lat")) -
                   39.0513444) < 1e-5);
    ck_assert_int_eq(int_in(rec, "image", "width"), IPHONE_W);
    ck_assert_int_eq(int_in(rec, "image", "height"), IPHONE_H);
    ck_assert_str_eq(str_in(rec, "media", "container"), "heif");
    ck_assert_ptr_nonnull(strstr(str_in(rec, "raw", "xmp"), "xmp:CreateDate="));
    json_t *errors = json_object_get(rec, "errors");
    ck_assert_int_eq(json_array_size(errors), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(errors, 0)), "cut short"));
    json_decref(rec);
}
END_TEST

/* ---- hostile item lists and locations: a reason, never a crash or a read out of bounds -- */

typedef struct bb {
    unsigned char b[16384];
    size_t n;
} bb_t;

static void
put(bb_t *b, const void *p, size_t n)
{
    ck_assert(b->n + n <= sizeof b->b);
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void
put_be(bb_t *b, uint64_t v, unsigned n)
{
    ck_assert(b->n + n <= sizeof b->b);
    for (unsigned i = 0; i < n; i++)
        b->b[b->n + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    b->n += n;
}

static size_t
box_open(bb_t *b, const char *type, int full)
{
    size_t at = b->n;
    put_be(b, 0, 4);
    put(b, type, 4);
    if (full >= 0)
        put_be(b, (uint64_t)full << 24, 4); /* version, flags 0 */
    return at;
}

static void
box_close(bb_t *b, size_t at)
{
    size_t n = b->n - at;
    b->n = at;
    put_be(b, n, 4);
    b->n = at + n;
}

/* An Exif item: the 4-byte offset, then a big-endian TIFF whose IFD0 names Make "Test". */
static const unsigned char exif_item[] = {0, 0,  0,    0,    'M', 'M', 0,   42,  0,   0,   0, 8,
                                          0, 1,  0x01, 0x0f, 0,   2,   0,   0,   0,   5,   0, 0,
                                          0, 26, 0,    0,    0,   0,   'T', 'e', 's', 't', 0};
#define EXIF_AT 32 /* ftyp 24 + mdat header 8 */
#define EXIF_LEN ((uint64_t)sizeof exif_item)

typedef enum {
    H_PLAIN,       /* one extent in the file */
    H_SPLIT,       /* two extents, concatenated */
    H_IDAT,        /* in the meta box's idat (construction method 1) */
    H_V2_WIDE,     /* iloc version 2, 8-byte offsets, lengths, base offsets and indices */
    H_PAST_END,    /* an offset past the end of the file */
    H_WRAP,        /* base offset + offset wraps around 2^64 */
    H_HUGE_LEN,    /* a length of 2^64 - 1 */
    H_PIECES,      /* 100 one-byte extents */
    H_COUNT_LIE,   /* iloc claims 2^32 - 1 items, holds 2 */
    H_EXTENT_LIE,  /* the Exif item claims 65535 extents, holds 1 */
    H_IINF_LIE,    /* iinf claims 2^32 - 1 entries, holds 2 */
    H_LOOP,        /* the Exif item describes itself, not the picture */
    H_IDAT_PAST,   /* an idat extent past the idat's end */
    H_PICTURE_CUT, /* the picture's bytes run past the end; the Exif item is whole */
    H_META_HUGE,   /* the meta box says it holds 4 GiB */
} hostile_t;

typedef struct hostile_case {
    hostile_t kind;
    const char *make;  /* the make read, or NULL */
    const char *error; /* a part of the one heif error, or NULL for none */
} hostile_case_t;

static const hostile_case_t hostiles[] = {
    {H_PLAIN, "Test", NULL},
    {H_SPLIT, "Test", NULL},
    {H_IDAT, "Test", NULL},
    {H_V2_WIDE, "Test", NULL},
    {H_PAST_END, NULL, "past the end of the file"},
    {H_WRAP, NULL, "past the end of the file"},
    {H_HUGE_LEN, NULL, "past the end of the file"},
    {H_PIECES, NULL, "in too many pieces"},
    {H_COUNT_LIE, NULL, "(iloc) are cut short or malformed"},
    {H_EXTENT_LIE, NULL, "(iloc) are cut short or malformed"},
    {H_IINF_LIE, "Test", NULL},
    {H_LOOP, NULL, "no EXIF"},
    {H_IDAT_PAST, NULL, "past the end of the file or its idat"},
    {H_PICTURE_CUT, "Test", "the file is cut short"},
    {H_META_HUGE, NULL, "no meta box"},
};

/* iloc: item 1 (the picture) and item 2 (Exif), laid out as `kind` says. */
static void
put_iloc(bb_t *b, hostile_t kind)
{
    int v2 = kind == H_V2_WIDE || kind == H_WRAP || kind == H_HUGE_LEN;
    size_t at = box_open(b, "iloc", v2 ? 2 : 1);
    put_be(b, v2 ? 0x88 : 0x44, 1); /* offset_size, length_size */
    put_be(b, v2 ? 0x88 : 0x00, 1); /* base_offset_size, index_size */
    put_be(b, kind == H_COUNT_LIE ? 0xffff : 2, v2 ? 4 : 2);
    unsigned w = v2 ? 8 : 4;
    /* item 1: the picture, one byte of mdat (or a megabyte, when cut) */
    put_be(b, 1, v2 ? 4 : 2);
    put_be(b, 0, 2); /* construction method 0 */
    put_be(b, 0, 2); /* data reference: this file */
    if (v2)
        put_be(b, 0, 8);
    put_be(b, 1, 2);
    if (v2)
        put_be(b, 0, 8);
    put_be(b, EXIF_AT, w);
    put_be(b, kind == H_PICTURE_CUT ? 1 << 20 : 1, w);
    /* item 2: Exif */
    put_be(b, 2, v2 ? 4 : 2);
    put_be(b, kind == H_IDAT || kind == H_IDAT_PAST, 2);
    put_be(b, 0, 2);
    if (v2)
        put_be(b, kind == H_WRAP ? UINT64_MAX - 15 : EXIF_AT - 4, 8);
    switch (kind) {
    case H_SPLIT:
        put_be(b, 2, 2);
        put_be(b, EXIF_AT, w);
        put_be(b, 10, w);
        put_be(b, EXIF_AT + 10, w);
        put_be(b, EXIF_LEN - 10, w);
        break;
    case H_PIECES:
        put_be(b, 100, 2);
        for (unsigned i = 0; i < 100; i++) {
            put_be(b, EXIF_AT + i % EXIF_LEN, w);
            put_be(b, 1, w);
        }
        break;
    case H_EXTENT_LIE:
        put_be(b, 0xffff, 2);
        put_be(b, EXIF_AT, w);
        put_be(b, EXIF_LEN, w);
        break;
    default:
        put_be(b, 1, 2);
        if (v2)
            put_be(b, 7, 8); /* extent index, not used */
        put_be(b,
               kind == H_PAST_END    ? 1000000
               : kind == H_WRAP      ? 0x20
               : kind == H_IDAT      ? 0
               : kind == H_IDAT_PAST ? 8
               : v2                  ? 4
                                     : EXIF_AT,
               w);
        put_be(b, kind == H_HUGE_LEN ? UINT64_MAX : EXIF_LEN, w);
    }
    box_close(b, at);
}

static void
put_infe(bb_t *b, unsigned id, const char *type)
{
    size_t at = box_open(b, "infe", 2);
    put_be(b, id, 2);
    put_be(b, 0, 2);
    put(b, type, 4);
    put(b, "", 1);
    box_close(b, at);
}

static void
make_hostile(const char *path, hostile_t kind)
{
    static bb_t b;
    size_t at, meta, iprp, ipco;

    b.n = 0;
    at = box_open(&b, "ftyp", -1);
    put(&b, "heic\0\0\0\0mif1heic", 16);
    box_close(&b, at);
    at = box_open(&b, "mdat", -1);
    put(&b, exif_item, sizeof exif_item);
    box_close(&b, at);
    meta = box_open(&b, "meta", 0);
    at = box_open(&b, "hdlr", 0);
    put(&b, "\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0", 21);
    box_close(&b, at);
    at = box_open(&b, "pitm", 0);
    put_be(&b, 1, 2);
    box_close(&b, at);
    at = box_open(&b, "iinf", kind == H_IINF_LIE ? 1 : 0);
    put_be(&b, kind == H_IINF_LIE ? UINT32_MAX : 2, kind == H_IINF_LIE ? 4 : 2);
    put_infe(&b, 1, "hvc1");
    put_infe(&b, 2, "Exif");
    box_close(&b, at);
    at = box_open(&b, "iref", 0);
    put_be(&b, 14, 4);
    put(&b, "cdsc", 4);
    put_be(&b, 2, 2);
    put_be(&b, 1, 2);
    put_be(&b, kind == H_LOOP ? 2 : 1, 2);
    box_close(&b, at);
    iprp = box_open(&b, "iprp", -1);
    ipco = box_open(&b, "ipco", -1);
    at = box_open(&b, "ispe", 0);
    put_be(&b, 64, 4);
    put_be(&b, 48, 4);
    box_close(&b, at);
    box_close(&b, ipco);
    at = box_open(&b, "ipma", 0);
    put_be(&b, 1, 4);
    put_be(&b, 1, 2);
    put_be(&b, 1, 1);
    put_be(&b, 0x81, 1);
    box_close(&b, at);
    box_close(&b, iprp);
    if (kind == H_IDAT || kind == H_IDAT_PAST) {
        at = box_open(&b, "idat", -1);
        put(&b, exif_item, sizeof exif_item);
        box_close(&b, at);
    }
    put_iloc(&b, kind);
    box_close(&b, meta);
    if (kind == H_META_HUGE) { /* only the size field lies */
        size_t end = b.n;
        b.n = meta;
        put_be(&b, UINT32_MAX, 4);
        b.n = end;
    }
    cs_test_write(path, b.b, b.n);
}

START_TEST(test_heif_hostile_items)
{
    const hostile_case_t *k = &hostiles[_i];
    char path[4096];
    path_in(path, sizeof path, tmp, "hostile.heic");
    make_hostile(path, k->kind);

    json_t *rec = json_object();
    ck_assert_int_eq(cs_heif_read(path, rec), 0);
    const char *make = str_in(rec, "device", "make");
    json_t *errors = json_object_get(rec, "errors");
    if (k->make != NULL)
        ck_assert_msg(make != NULL && strcmp(make, k->make) == 0, "case %d: make %s", _i,
                      make ? make : "(none)");
    else
        ck_assert_msg(make == NULL, "case %d: make %s read", _i, make);
    if (k->error == NULL) {
        ck_assert_msg(json_array_size(errors) == 0, "case %d: %s", _i,
                      json_string_value(json_array_get(errors, 0)));
        ck_assert_int_eq(int_in(rec, "image", "width"), 64);
        ck_assert_int_eq(int_in(rec, "image", "height"), 48);
    } else {
        ck_assert_msg(json_array_size(errors) == 1, "case %d: %zu errors", _i,
                      json_array_size(errors));
        const char *e = json_string_value(json_array_get(errors, 0));
        ck_assert_msg(strstr(e, k->error) != NULL, "case %d: %s", _i, e);
    }
    json_decref(rec);
}
END_TEST

/* ---- the wide run: the corpus's HEIC against ExifTool's reading of it ------------------ */

static const char *const corpus_heics[] = {"exif-samples/heic/IMG_5195.HEIC"};

START_TEST(test_heic_oracle)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", CORPUS_FILES, corpus_heics[_i]);
    json_t *e = oracle_entry(corpus_heics[_i]), *rec = extract(path);
    ck_assert_int_eq(int_in(rec, "image", "width"), oracle_int(e, "File:ImageWidth", -1));
    ck_assert_int_eq(int_in(rec, "image", "height"), oracle_int(e, "File:ImageHeight", -1));
    ck_assert_str_eq(str_in(rec, "device", "make"),
                     json_string_value(json_object_get(e, "IFD0:Make")));
    ck_assert_str_eq(str_in(rec, "device", "model"),
                     json_string_value(json_object_get(e, "IFD0:Model")));
    json_t *gps = json_object_get(rec, "gps");
    ck_assert(fabs(json_real_value(json_object_get(gps, "lat")) -
                   json_number_value(json_object_get(e, "Composite:GPSLatitude"))) < 1e-5);
    ck_assert(fabs(json_real_value(json_object_get(gps, "lon")) -
                   json_number_value(json_object_get(e, "Composite:GPSLongitude"))) < 1e-5);
    json_decref(rec);
}
END_TEST

static Suite *
heif_corpus_suite(void)
{
    Suite *s = suite_create("heif_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_add_loop_test(tc, test_heic_oracle, 0,
                        (int)(sizeof corpus_heics / sizeof corpus_heics[0]));
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
heif_suite(void)
{
    Suite *s = suite_create("heif");
    TCase *tc = tcase_create("heif");
    tcase_add_checked_fixture(tc, photo_setup, photo_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_heic_metadata);
    tcase_add_test(tc, test_heic_metadata_turned);
    tcase_add_test(tc, test_heic_preview);
    tcase_add_test(tc, test_heic_preview_turned);
    tcase_add_loop_test(tc, test_heic_preview_mirrored, 0, 2);
    tcase_add_loop_test(tc, test_heic_broken, 0, (int)(sizeof brokens / sizeof brokens[0]));
    tcase_add_test(tc, test_heic_metadata_without_pictures);
    tcase_add_loop_test(tc, test_heif_hostile_items, 0,
                        (int)(sizeof hostiles / sizeof hostiles[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    return cs_test_main(argc, argv, heif_suite, heif_corpus_suite);
}
