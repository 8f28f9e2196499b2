/* media/heif.c: what a HEIF file (an iPhone's HEIC) says about itself.
 *
 * The meta box is read by the project's own bounded reader (heif_boxes.c, heif_meta.c): the
 * primary item's properties, and the Exif and XMP items that describe it (cdsc), read by their
 * own bytes only, never the coded pictures (libheif 1.15 read the whole file for them). The
 * Exif item is handed to the project's EXIF reader (exif.c, libexif) as the TIFF structure it
 * holds, after the 4-byte offset HEIF puts before it, so a HEIC photo gets the same time
 * candidates, place and device as a JPEG. The size recorded is the primary image's ispe, as
 * stored: what ExifTool calls File:ImageWidth/ImageHeight, and what a JPEG's frame header
 * gives. libheif is used here only to sniff; it decodes the pixels (transcode_photo_heif.c). */
#include "media/heif.h"
#include "media/heif_meta.h"

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

/* The first Exif item, through exif.c. */
static int
read_exif(int fd, long long size, const cs_heif_items_t *it, long w, long ht, json_t *rec,
          json_t *errors)
{
    unsigned char *data = NULL;
    char why[160];
    size_t n;
    uint32_t off;
    int err;

    if (!it->has_exif)
        return note(errors, "no EXIF: the file has no Exif item", NULL);
    err = cs_heif_item_read(fd, size, it, &it->exif, HEIF_EXIF_MAX, &data, &n, why, sizeof why);
    if (err == 0 && n < 4) {
        cs_snprintf_cut(why, sizeof why, "%zu bytes", n);
        err = 1;
    }
    if (err == 1) {
        err = note(errors, "the Exif item is not read", why);
        goto out;
    }
    if (err != 0)
        goto out;
    /* The item starts with the offset of the TIFF header from the end of the offset itself
     * (6 when "Exif\0\0" sits between them, as Apple writes it). */
    off = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    if (off > n - 4) {
        err = note(errors, "the Exif item's TIFF offset points past its end", NULL);
        goto out;
    }
    if ((err = cs_exif_read_tiff(data + 4 + off, n - 4 - off, w, ht, rec)) != CS_ENOMEM)
        err = 0;
out:
    free(data);
    return err;
}

/* The first XMP packet (a mime item of application/rdf+xml), as text, into raw.xmp. */
static int
read_xmp(int fd, long long size, const cs_heif_items_t *it, json_t *rec, json_t *errors)
{
    unsigned char *data = NULL;
    char *text = NULL, why[160];
    size_t n;
    int cut = 0, err;

    if (!it->has_xmp)
        return 0;
    err = cs_heif_item_read(fd, size, it, &it->xmp, HEIF_XMP_MAX, &data, &n, why, sizeof why);
    if (err == 1)
        return note(errors, "the XMP item is empty or larger than 1 MiB: not read", NULL);
    if (err != 0)
        return err;
    if ((text = malloc(HEIF_XMP_KEEP)) == NULL) {
        err = CS_ENOMEM;
        goto out;
    }
    json_t *raw = json_object_get(rec, "raw");
    cs_exif_text(text, HEIF_XMP_KEEP, (const char *)data, n, &cut);
    if (!json_is_object(raw) && json_object_set_new(rec, "raw", raw = json_object()))
        err = CS_ENOMEM;
    else if (json_object_set_new(raw, "xmp", json_string(text)) != 0)
        err = CS_ENOMEM;
    else if (cut)
        err = note(errors, "the XMP text is cut at 64 KiB", NULL);
out:
    free(text);
    free(data);
    return err;
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

/* What the meta box says, read into rec; the notes of what it cannot say into errors. */
static int
read_meta(int fd, long long size, const unsigned char *meta, size_t len, json_t *rec,
          json_t *errors)
{
    cs_heif_props_t p;
    cs_heif_items_t it;
    char why[160];
    int err, have_props, have_items;
    long w, ht;

    if (!(have_props = cs_heif_props_parse(meta, len, &p, why, sizeof why) == 0) &&
        (err = note(errors, "the transforms could not be read", why)) != 0)
        return err;
    if (!(have_items = cs_heif_items_parse(meta, len, size, &it, why, sizeof why) == 0) &&
        (err = note(errors, "the metadata items could not be read", why)) != 0)
        return err;
    if (have_props && p.huge) {
        cs_snprintf_cut(why, sizeof why, "its ispe says more than %d pixels a side",
                        CS_HEIF_MAX_SIDE);
        if ((err = note(errors, "the primary image is too large to show", why)) != 0)
            return err;
    }
    if (have_items && it.cut_item != 0) {
        cs_snprintf_cut(why, sizeof why, "item %u runs past the end of the file",
                        (unsigned)it.cut_item);
        if ((err = note(errors, "the file is cut short", why)) != 0)
            return err;
    }
    w = have_props ? p.width : 0;
    ht = have_props ? p.height : 0;
    if (have_items && ((err = read_exif(fd, size, &it, w, ht, rec, errors)) != 0 ||
                       (err = read_xmp(fd, size, &it, rec, errors)) != 0))
        return err;
    if (!have_props)
        return 0;
    return describe_image(rec, w, ht, p.display_width, p.display_height, p.t, p.nt);
}

int
cs_heif_read(const char *path, json_t *rec)
{
    unsigned char *meta = NULL;
    size_t meta_len = 0;
    json_t *errors;
    char quoted[256], why[160];
    struct stat st;
    int fd = -1, err = 0;

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
    why[0] = '\0';
    if ((err = cs_heif_meta_load(fd, (long long)st.st_size, &meta, &meta_len, why, sizeof why)) !=
        0) {
        cs_diag_set("cannot read \"%s\" for its HEIF boxes: %s", quoted, cs_strerror(err));
        goto out;
    }
    if (meta == NULL)
        err = note(errors, "the metadata could not be read", why);
    else
        err = read_meta(fd, (long long)st.st_size, meta, meta_len, rec, errors);
out:
    if (err == CS_ENOMEM)
        cs_diag_set("out of memory reading the HEIF metadata of \"%s\"", quoted);
    free(meta);
    if (fd != -1)
        close(fd);
    return err;
}
