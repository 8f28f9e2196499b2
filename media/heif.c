/* media/heif.c: what a HEIF file (an iPhone's HEIC) says about itself, read with libheif.
 *
 * The Exif item is handed to the project's EXIF reader (exif.c, libexif) as the TIFF
 * structure it holds, after the 4-byte offset HEIF puts before it, so a HEIC photo gets the
 * same time candidates, place and device as a JPEG. The size recorded is the primary image's
 * ispe, as stored: what ExifTool calls File:ImageWidth/ImageHeight, and what a JPEG's frame
 * header gives. The transforms the file shows it with come from heif_boxes.c. */
#include "media/heif.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/utf8.h"
#include "media/exif.h"
#include "media/exif_int.h"

#include <libheif/heif.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEIF_EXIF_MAX (1 << 20)  /* bytes of an Exif item read */
#define HEIF_XMP_MAX (1 << 20)   /* bytes of an XMP item read */
#define HEIF_XMP_KEEP (64 << 10) /* bytes of XMP text kept in the record */
#define HEIF_MAX_BLOCKS 8        /* metadata items of one kind looked at */

int
cs_heif_sniff(const unsigned char *head, size_t len)
{
    enum heif_filetype_result r;

    if (head == NULL || len < 12)
        return 0;
    r = heif_check_filetype(head, len > 4096 ? 4096 : (int)len);
    return r == heif_filetype_yes_supported || r == heif_filetype_yes_unsupported;
}

int
cs_heif_media_type(const char *media_type)
{
    static const char *const types[] = {"image/heic", "image/heif", "image/avif",
                                        "image/heic-sequence", "image/heif-sequence"};

    if (media_type == NULL)
        return 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(media_type, types[i]) == 0)
            return 1;
    return 0;
}

/* Appends "heif: <text>" to errors; the text may quote libheif, which may quote the file. */
static int
note(json_t *errors, const char *what, const char *detail)
{
    char text[256], line[384];
    int cut = 0;

    cs_exif_text(text, sizeof text, detail ? detail : "", detail ? strlen(detail) : 0, &cut);
    cs_snprintf_cut(line, sizeof line, "heif: %s%s%s%s", what, detail ? ": " : "", text,
                    cut ? "..." : "");
    return json_array_append_new(errors, json_string(line)) == 0 ? 0 : CS_ENOMEM;
}

/* The first Exif item of the primary image, through exif.c. */
static int
read_exif(struct heif_image_handle *h, long w, long ht, json_t *rec, json_t *errors)
{
    heif_item_id id;
    unsigned char *data = NULL;
    size_t size;
    uint32_t off;
    int err = 0;

    if (heif_image_handle_get_list_of_metadata_block_IDs(h, "Exif", &id, 1) < 1)
        return note(errors, "no EXIF: the file has no Exif item", NULL);
    size = heif_image_handle_get_metadata_size(h, id);
    if (size < 4 || size > HEIF_EXIF_MAX) {
        char why[64];
        cs_snprintf_cut(why, sizeof why, "%zu bytes", size);
        return note(errors, "the Exif item is not read", why);
    }
    if ((data = malloc(size)) == NULL)
        return CS_ENOMEM;
    struct heif_error he = heif_image_handle_get_metadata(h, id, data);
    if (he.code != heif_error_Ok) {
        err = note(errors, "the Exif item could not be read", he.message);
        goto out;
    }
    /* The item starts with the offset of the TIFF header from the end of the offset itself
     * (6 when "Exif\0\0" sits between them, as Apple writes it). */
    off = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    if (off > size - 4) {
        err = note(errors, "the Exif item's TIFF offset points past its end", NULL);
        goto out;
    }
    if ((err = cs_exif_read_tiff(data + 4 + off, size - 4 - off, w, ht, rec)) != CS_ENOMEM)
        err = 0;
out:
    free(data);
    return err;
}

/* The XMP packet of the primary image, as text, into raw.xmp. */
static int
read_xmp(struct heif_image_handle *h, json_t *rec, json_t *errors)
{
    heif_item_id ids[HEIF_MAX_BLOCKS];
    int n = heif_image_handle_get_list_of_metadata_block_IDs(h, "mime", ids, HEIF_MAX_BLOCKS);

    for (int i = 0; i < n; i++) {
        const char *ct = heif_image_handle_get_metadata_content_type(h, ids[i]);
        size_t size = heif_image_handle_get_metadata_size(h, ids[i]);
        char *data, *text;
        int cut = 0, err = 0;
        if (ct == NULL || strcmp(ct, "application/rdf+xml") != 0)
            continue;
        if (size == 0 || size > HEIF_XMP_MAX)
            return note(errors, "the XMP item is empty or larger than 1 MiB: not read", NULL);
        if ((data = malloc(size)) == NULL || (text = malloc(HEIF_XMP_KEEP)) == NULL) {
            free(data);
            return CS_ENOMEM;
        }
        struct heif_error he = heif_image_handle_get_metadata(h, ids[i], data);
        if (he.code != heif_error_Ok) {
            err = note(errors, "the XMP item could not be read", he.message);
        } else {
            json_t *raw = json_object_get(rec, "raw");
            cs_exif_text(text, HEIF_XMP_KEEP, data, size, &cut);
            if (!json_is_object(raw) && json_object_set_new(rec, "raw", raw = json_object()))
                err = CS_ENOMEM;
            else if (json_object_set_new(raw, "xmp", json_string(text)) != 0)
                err = CS_ENOMEM;
            else if (cut)
                err = note(errors, "the XMP text is cut at 64 KiB", NULL);
        }
        free(text);
        free(data);
        return err;
    }
    return 0;
}

/* rec.image: the stored size, the shown size and the transforms between them. */
static int
describe_image(json_t *rec, long w, long h, long dw, long dh, const cs_heif_transform_t *t, int nt)
{
    json_t *img = json_object_get(rec, "image"), *list;

    if (!json_is_object(img) && json_object_set_new(rec, "image", img = json_object()) != 0)
        return CS_ENOMEM;
    if ((list = json_array()) == NULL || json_object_set_new(img, "transforms", list) != 0)
        return CS_ENOMEM;
    for (int i = 0; i < nt; i++) {
        json_t *o = strcmp(t[i].type, "irot") == 0
                        ? json_pack("{s:s, s:i}", "type", "irot", "angle_ccw", t[i].angle)
                    : strcmp(t[i].type, "imir") == 0
                        ? json_pack("{s:s, s:i, s:s}", "type", "imir", "mode", t[i].mode, "flip",
                                    t[i].mode ? "left-right" : "top-bottom")
                        : json_pack("{s:s}", "type", t[i].type);
        if (json_array_append_new(list, o) != 0)
            return CS_ENOMEM;
    }
    if (w > 0 && h > 0 &&
        (json_object_set_new(img, "width", json_integer(w)) != 0 ||
         json_object_set_new(img, "height", json_integer(h)) != 0))
        return CS_ENOMEM;
    if (dw > 0 && dh > 0 &&
        (json_object_set_new(img, "display_width", json_integer(dw)) != 0 ||
         json_object_set_new(img, "display_height", json_integer(dh)) != 0))
        return CS_ENOMEM;
    return 0;
}

int
cs_heif_read(const char *path, json_t *rec)
{
    struct heif_context *ctx = NULL;
    struct heif_image_handle *h = NULL;
    cs_heif_transform_t t[CS_HEIF_MAX_TRANSFORMS];
    json_t *errors;
    char quoted[256], why[160];
    struct stat st;
    long w = 0, ht = 0, dw = 0, dh = 0;
    int fd = -1, err = 0, nt = 0;

    if (path == NULL || !json_is_object(rec))
        return CS_EINVAL;
    errors = json_object_get(rec, "errors");
    if (!json_is_array(errors) && json_object_set_new(rec, "errors", errors = json_array()) != 0)
        return CS_ENOMEM;
    cs_utf8_quote(quoted, sizeof quoted, path, strlen(path), 1);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        cs_diag_set("cannot read \"%s\" for its HEIF metadata: %s", quoted, strerror(e));
        err = cs_err_from_errno(e);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        cs_diag_set("\"%s\" is not a regular file: no HEIF metadata read", quoted);
        err = CS_ENOTREG;
        goto out;
    }
    if ((err = cs_heif_transforms(fd, (long long)st.st_size, t, &nt, why, sizeof why)) != 0) {
        cs_diag_set("cannot read \"%s\" for its HEIF boxes: %s", quoted, cs_strerror(err));
        goto out;
    }
    if (why[0] != '\0' && (err = note(errors, "the transforms could not be read", why)) != 0)
        goto out;
    if ((ctx = heif_context_alloc()) == NULL) {
        err = CS_ENOMEM;
        goto out;
    }
    heif_context_set_maximum_image_size_limit(ctx, CS_HEIF_MAX_SIDE);
    struct heif_error he = heif_context_read_from_file(ctx, path, NULL);
    if (he.code == heif_error_Ok)
        he = heif_context_get_primary_image_handle(ctx, &h);
    if (he.code != heif_error_Ok) {
        err = note(errors, "libheif could not read the file", he.message);
        goto out;
    }
    w = heif_image_handle_get_ispe_width(h);
    ht = heif_image_handle_get_ispe_height(h);
    dw = heif_image_handle_get_width(h);
    dh = heif_image_handle_get_height(h);
    if (w <= 0 || ht <= 0) { /* no ispe: the size shown is all there is */
        w = dw;
        ht = dh;
    }
    if ((err = read_exif(h, w, ht, rec, errors)) != 0 || (err = read_xmp(h, rec, errors)) != 0 ||
        (err = describe_image(rec, w, ht, dw, dh, t, nt)) != 0)
        goto out;
out:
    if (err == CS_ENOMEM)
        cs_diag_set("out of memory reading the HEIF metadata of \"%s\"", quoted);
    if (h != NULL)
        heif_image_handle_release(h);
    if (ctx != NULL)
        heif_context_free(ctx);
    if (fd != -1)
        close(fd);
    return err;
}
