/* media/exif.c: finding the EXIF of a JPEG or TIFF and loading it with libexif.
 *
 * For a JPEG we walk the markers ourselves, reading only segment headers, the first APP1
 * "Exif" segment and the frame header (SOFn): libexif never sees more than that segment,
 * and the frame size is what ExifTool and every decoder call the image size. For a TIFF
 * (its whole file is the EXIF structure) libexif gets the head of the file behind an
 * "Exif\0\0" header, the only framing exif_data_load_data 0.6.24 accepts besides JPEG. */
#include "media/exif.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/io.h"
#include "core/utf8.h"
#include "media/exif_int.h"

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JPEG_MAX_SEGMENTS 1024    /* markers looked at before SOS */
#define JPEG_MAX_SKIP (64 * 1024) /* junk bytes looked through for the next marker */
#define EXIF_MAX 0xfffe           /* libexif reads no more (an APP1 cannot hold more) */

static const unsigned char exif_header[6] = {'E', 'x', 'i', 'f', 0, 0};

/* Moves *pos past the next marker (0xFF, fill bytes 0xFF, a code) and returns its code; -1
 * when there is none within JPEG_MAX_SKIP, or a negative CS_E* on a read error (< -1). */
static int
next_marker(cs_exif_ctx_t *cx, int fd, off_t *pos)
{
    unsigned char b[4096];
    off_t start = *pos;

    while (*pos - start < JPEG_MAX_SKIP) {
        ssize_t n = cs_pread_upto(fd, b, sizeof b, *pos);
        if (n < 0)
            return (int)n;
        if (n < 2)
            break;
        for (ssize_t i = 0; i + 1 < n; i++) {
            if (b[i] == 0xff && b[i + 1] != 0xff && b[i + 1] != 0x00) {
                if (*pos + i != start && !(*pos == start && b[0] == 0xff))
                    cs_exif_note(cx, "JPEG: unknown bytes skipped after offset %lld",
                                 (long long)start);
                *pos += i + 2;
                return b[i + 1];
            }
        }
        *pos += n - 1; /* the last byte may be the 0xFF of a marker */
    }
    cs_exif_note(cx, "JPEG: no marker after offset %lld (file cut short?)", (long long)start);
    return -1;
}

/* Copies the APP1 payload at off (plen bytes, of which the file holds avail) into *exif. */
static int
load_app1(cs_exif_ctx_t *cx, int fd, off_t off, size_t plen, size_t avail, unsigned char **exif,
          size_t *exif_len)
{
    ssize_t n;

    if (avail < plen)
        cs_exif_note(cx, "the EXIF segment is cut short: %zu of %zu bytes", avail, plen);
    if ((*exif = malloc(avail)) == NULL)
        return CS_ENOMEM;
    if ((n = cs_pread_upto(fd, *exif, avail, off)) < 0)
        return (int)n;
    /* ExifTool accepts any byte after "Exif\0"; libexif wants exactly "Exif\0\0". */
    memcpy(*exif, exif_header, sizeof exif_header);
    *exif_len = (size_t)n;
    return 0;
}

/* Walks the JPEG's segments up to SOS: the frame size into cx, the first EXIF APP1 into
 * *exif (malloc'd; NULL when there is none). Damage ends the walk with a note, not an error. */
static int
scan_jpeg(cs_exif_ctx_t *cx, int fd, off_t size, unsigned char **exif, size_t *exif_len)
{
    unsigned char b[8];
    off_t pos = 2;

    for (int seg = 0; seg < JPEG_MAX_SEGMENTS; seg++) {
        int code = next_marker(cx, fd, &pos), err;
        if (code < -1)
            return code;
        if (code < 0 || code == 0xd9 || code == 0xda)
            return 0; /* no marker, EOI, or SOS: the headers are over */
        if (code == 0xd8 || code == 0x01 || (code >= 0xd0 && code <= 0xd7))
            continue; /* markers without a length */
        ssize_t n = cs_pread_upto(fd, b, sizeof b, pos);
        if (n < 0)
            return (int)n;
        size_t len = n >= 2 ? (size_t)b[0] << 8 | b[1] : 0;
        if (len < 2) {
            cs_exif_note(cx, "JPEG: segment 0xFF%02X at offset %lld is cut or too short", code,
                         (long long)pos - 2);
            return 0;
        }
        size_t plen = len - 2;
        size_t avail = pos + 2 < size ? (size_t)(size - pos - 2) : 0;
        if (avail > plen)
            avail = plen;
        /* SOF0..SOF15, but C4 (DHT), C8 (JPG) and CC (DAC) are not frame headers. */
        if (code >= 0xc0 && code <= 0xcf && code != 0xc4 && code != 0xc8 && code != 0xcc &&
            cx->width < 0 && plen >= 5 && n >= 7) {
            cx->height = (long)b[3] << 8 | b[4];
            cx->width = (long)b[5] << 8 | b[6];
        }
        if (code == 0xe1 && *exif == NULL && plen >= 6 && n == 8 &&
            memcmp(b + 2, "Exif\0", 5) == 0) {
            if ((err = load_app1(cx, fd, pos + 2, plen, avail, exif, exif_len)) != 0)
                return err;
        }
        if (*exif != NULL && cx->width >= 0)
            return 0; /* all we came for */
        pos += (off_t)len;
        if (pos >= CS_EXIF_MAX_READ) {
            cs_exif_note(cx, "JPEG: no image data in the first %d bytes", CS_EXIF_MAX_READ);
            return 0;
        }
    }
    cs_exif_note(cx, "JPEG: more than %d segments before the image data", JPEG_MAX_SEGMENTS);
    return 0;
}

static int
read_tiff(int fd, unsigned char **exif, size_t *exif_len)
{
    ssize_t n;

    if ((*exif = malloc(EXIF_MAX)) == NULL)
        return CS_ENOMEM;
    memcpy(*exif, exif_header, sizeof exif_header);
    if ((n = cs_pread_upto(fd, *exif + sizeof exif_header, EXIF_MAX - sizeof exif_header, 0)) < 0)
        return (int)n;
    *exif_len = sizeof exif_header + (size_t)n;
    return 0;
}

/* libexif's complaints about the data go into errors; its debug chatter is dropped. */
static void
on_exif_log(ExifLog *log, ExifLogCode code, const char *domain, const char *fmt, va_list ap,
            void *data)
{
    cs_exif_ctx_t *cx = data;
    char msg[256], text[256], line[320];
    int cut;
    (void)log;

    if (code != EXIF_LOG_CODE_CORRUPT_DATA && code != EXIF_LOG_CODE_NO_MEMORY)
        return;
    if (cx->messages++ >= CS_EXIF_MAX_MESSAGES) {
        if (cx->messages == CS_EXIF_MAX_MESSAGES + 1)
            cs_exif_note(cx, "further libexif messages dropped");
        return;
    }
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
        return;
    /* Messages quote tag names and bytes of the file: valid UTF-8 only. */
    cs_exif_text(text, sizeof text, msg, strlen(msg), &cut);
    cs_snprintf_cut(line, sizeof line, "libexif %s: %s%s", domain ? domain : "", text,
                    cut ? "..." : "");
    const char *last =
        json_string_value(json_array_get(cx->errors, json_array_size(cx->errors) - 1));
    if (last != NULL && strncmp(last, "exif: ", 6) == 0 && strcmp(last + 6, line) == 0)
        return; /* libexif repeats itself for every entry of a broken IFD */
    cs_exif_note(cx, "%s", line);
}

/* Loads the EXIF in buf as the file has it: with FOLLOW_SPECIFICATION libexif would add
 * entries it thinks mandatory and drop or change ones it finds wrong, and with
 * IGNORE_UNKNOWN_TAGS it would hide tags it has no name for. */
static int
load_exif(cs_exif_ctx_t *cx, const unsigned char *buf, size_t len)
{
    ExifData *ed = NULL;
    ExifLog *log = NULL;
    unsigned entries = 0;
    int err = 0;

    if ((ed = exif_data_new()) == NULL || (log = exif_log_new()) == NULL) {
        err = CS_ENOMEM;
        goto out;
    }
    exif_log_set_func(log, on_exif_log, cx);
    exif_data_log(ed, log);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_set_option(ed, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
    exif_data_load_data(ed, buf, (unsigned)(len < EXIF_MAX ? len : EXIF_MAX));
    for (int i = 0; i < EXIF_IFD_COUNT; i++)
        entries += ed->ifd[i] != NULL ? ed->ifd[i]->count : 0;
    if (entries == 0)
        cs_exif_note(cx, "the EXIF segment holds no entry that could be read");
    cs_exif_fields(cx, ed);
    cs_exif_raw(cx, ed);
out:
    if (ed != NULL)
        exif_data_unref(ed);
    if (log != NULL)
        exif_log_unref(log);
    return err;
}

int
cs_exif_read(const char *path, json_t *rec)
{
    cs_exif_ctx_t cx = {.rec = rec, .width = -1, .height = -1};
    char quoted[256];
    unsigned char head[4], *exif = NULL;
    size_t exif_len = 0;
    struct stat st;
    ssize_t n = 0;
    int fd = -1, err = 0, told = 0;

    if (path == NULL || !json_is_object(rec))
        return CS_EINVAL;
    cs_utf8_quote(quoted, sizeof quoted, path, strlen(path), 1);
    if ((cx.errors = cs_exif_member(&cx, rec, "errors", JSON_ARRAY)) == NULL)
        return CS_ENOMEM;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 || fstat(fd, &st) != 0) {
        err = cs_err_from_errno(errno);
        cs_diag_set("cannot read \"%s\" for its EXIF: %s", quoted, strerror(errno));
        told = 1;
        goto out;
    }
    if ((n = cs_pread_upto(fd, head, sizeof head, 0)) < 0) {
        err = (int)n;
        cs_diag_set("cannot read \"%s\" for its EXIF: %s", quoted, cs_strerror(err));
        told = 1;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err = CS_ENOTREG;
        cs_diag_set("\"%s\" is not a regular file: no EXIF read", quoted);
        told = 1;
        goto out;
    }
    if (n >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff) {
        if ((err = scan_jpeg(&cx, fd, st.st_size, &exif, &exif_len)) != 0)
            goto out;
        if (exif == NULL) {
            cs_exif_note(&cx, "no EXIF: the JPEG has no APP1 Exif segment");
            cs_exif_fields(&cx, NULL);
            goto out;
        }
    } else if (n == 4 && (memcmp(head, "II*\0", 4) == 0 || memcmp(head, "MM\0*", 4) == 0)) {
        if ((err = read_tiff(fd, &exif, &exif_len)) != 0)
            goto out;
    } else {
        cs_exif_note(&cx, "no EXIF: not a JPEG or TIFF file");
        goto out;
    }
    err = load_exif(&cx, exif, exif_len);
out:
    if (err != 0 && !told)
        cs_diag_set("cannot read \"%s\" for its EXIF: %s", quoted, cs_strerror(err));
    free(exif);
    if (fd != -1)
        close(fd);
    if (err == 0 && cx.oom)
        err = CS_ENOMEM;
    return err;
}

int
cs_exif_read_tiff(const void *tiff, size_t len, long width, long height, json_t *rec)
{
    cs_exif_ctx_t cx = {
        .rec = rec, .width = width > 0 ? width : -1, .height = height > 0 ? height : -1};
    unsigned char *exif = NULL;
    size_t n;
    int err = 0;

    if ((tiff == NULL && len > 0) || !json_is_object(rec))
        return CS_EINVAL;
    if ((cx.errors = cs_exif_member(&cx, rec, "errors", JSON_ARRAY)) == NULL)
        return CS_ENOMEM;
    if (len < 8 || (memcmp(tiff, "II*\0", 4) != 0 && memcmp(tiff, "MM\0*", 4) != 0)) {
        cs_exif_note(&cx, "no EXIF: the Exif block does not start with a TIFF header");
        cs_exif_fields(&cx, NULL);
        goto out;
    }
    n = len < EXIF_MAX - sizeof exif_header ? len : EXIF_MAX - sizeof exif_header;
    if (n < len)
        cs_exif_note(&cx, "the EXIF block holds %zu bytes: only the first %zu are read", len, n);
    if ((exif = malloc(sizeof exif_header + n)) == NULL) {
        err = CS_ENOMEM;
        goto out;
    }
    memcpy(exif, exif_header, sizeof exif_header);
    memcpy(exif + sizeof exif_header, tiff, n);
    err = load_exif(&cx, exif, sizeof exif_header + n);
out:
    free(exif);
    if (err == 0 && cx.oom)
        err = CS_ENOMEM;
    if (err != 0)
        cs_diag_set("cannot read an EXIF block of %zu bytes: %s", len, cs_strerror(err));
    return err;
}
