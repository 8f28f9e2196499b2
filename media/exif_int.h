/* media/exif_int.h: what exif.c, exif_fields.c and exif_text.c share; not an interface of
 * the indexer (that is exif.h). */
#ifndef CS_MEDIA_EXIF_INT_H
#define CS_MEDIA_EXIF_INT_H

#include <jansson.h>
#include <libexif/exif-data.h>

#include <stddef.h>

#define CS_EXIF_MAX_MESSAGES 16 /* libexif's own complaints kept in errors */
#define CS_EXIF_MAX_RAW 2048    /* raw entries kept, over all IFDs */
#define CS_EXIF_TEXT_MAX 256    /* bytes of a device string after sanitising */

/* One call of cs_exif_read. */
typedef struct cs_exif_ctx {
    json_t *rec;    /* the record (borrowed) */
    json_t *errors; /* rec.errors (borrowed) */
    int oom;        /* an allocation failed: the record is incomplete, return CS_ENOMEM */
    int messages;   /* libexif messages seen */
    long width;     /* JPEG frame size from SOFn, or -1 */
    long height;
} cs_exif_ctx_t;

/** Appends "exif: <printf>" to errors. */
void cs_exif_note(cs_exif_ctx_t *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Returns the member `key` of `obj` with type `type` (object or array), created (or
 * replaced, when another type is there) as needed; NULL with cx->oom set when out of memory. */
json_t *cs_exif_member(cs_exif_ctx_t *cx, json_t *obj, const char *key, json_type type);

/** json_object_set_new that records a failed allocation (val NULL) in cx->oom. */
void cs_exif_set(cs_exif_ctx_t *cx, json_t *obj, const char *key, json_t *val);

/** Writes untrusted bytes s[0..n) into dst (cap bytes) as valid UTF-8: cut at the first NUL,
 * invalid sequences become U+FFFD, tab/CR/LF a space, other control characters dropped,
 * trailing spaces trimmed. Returns the length; sets *cut when dst was too small (the text
 * is then cut at a character boundary). dst is NUL-terminated when cap > 0. */
size_t cs_exif_text(char *dst, size_t cap, const void *s, size_t n, int *cut);

/** Adds device, image, gps and time_candidates from ed; with ed NULL (no EXIF), only the
 * image size of the JPEG frame. */
void cs_exif_fields(cs_exif_ctx_t *cx, ExifData *ed);

/** Adds raw.exif: every entry of every IFD as libexif formats it. */
void cs_exif_raw(cs_exif_ctx_t *cx, ExifData *ed);

#endif
