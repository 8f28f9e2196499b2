/* media/declared.c: the record's "declared" member: what an AVI, Matroska/WebM or ASF header
 * says the recording holds (see declared.h), beside "media", which stays what libavformat
 * actually read. A file cut short keeps the duration it was meant to have here, and the note
 * says in words how the two relate. */
#include "media/declared.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/io.h"
#include "media/asf.h"
#include "media/extract_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cs_declared_init(cs_declared_t *d)
{
    memset(d, 0, sizeof *d);
    d->duration_s = -1;
}

enum kind { KIND_NONE, KIND_AVI, KIND_MKV, KIND_ASF };

static enum kind
kind_of(const char *media_type)
{
    if (media_type == NULL)
        return KIND_NONE;
    if (strcmp(media_type, "video/x-msvideo") == 0)
        return KIND_AVI;
    if (strcmp(media_type, "video/x-matroska") == 0 || strcmp(media_type, "video/webm") == 0)
        return KIND_MKV;
    if (strcmp(media_type, "video/x-ms-asf") == 0)
        return KIND_ASF;
    return KIND_NONE;
}

/* The first `max` bytes of the file into *head (freed by the caller); *got of them read. */
static int
read_head(int fd, int64_t size, uint8_t **head, size_t *got)
{
    size_t want = size < CS_DECLARED_HEAD ? (size_t)size : CS_DECLARED_HEAD;
    ssize_t n;
    if ((*head = malloc(want > 0 ? want : 1)) == NULL)
        return CS_ENOMEM;
    n = cs_pread_upto(fd, *head, want, 0);
    *got = n > 0 ? (size_t)n : 0; /* a read error reads as nothing declared */
    return 0;
}

/* A date the header states, as a UTC time candidate and in raw[ns][tag]. */
static int
add_date(json_t *rec, const char *source, const char *ns, const char *tag, const char *at)
{
    json_t *cands = json_object_get(rec, "time_candidates"), *raw = json_object_get(rec, "raw"), *m;
    if (!json_is_array(cands) || cs_extract_add_time(cands, source, at, 0))
        return CS_ENOMEM;
    if (!json_is_object(raw) && cs_extract_put(rec, "raw", raw = json_object()))
        return CS_ENOMEM;
    if (!json_is_object(m = json_object_get(raw, ns)) && cs_extract_put(raw, ns, m = json_object()))
        return CS_ENOMEM;
    return cs_extract_put(m, tag, json_string(at));
}

/* What a clerk reads: the declared duration and size, and how the file compares. */
static void
note_of(const cs_declared_t *d, const char *what, json_t *rec, char *out, size_t size)
{
    json_t *media = json_object_get(rec, "media");
    const char *damage =
        json_string_value(json_object_get(json_object_get(rec, "damaged"), "code"));
    char dur[48] = "", dim[48] = "";
    if (d->duration_s >= 0)
        cs_snprintf_cut(dur, sizeof dur, "%.3f s", d->duration_s);
    if (d->width > 0)
        cs_snprintf_cut(dim, sizeof dim, "%s%dx%d", dur[0] ? ", " : "", d->width, d->height);
    cs_snprintf_cut(out, size, "the %s declares %s%s%s", what, dur, dim,
                    damage != NULL && strcmp(damage, "truncated") == 0 && dur[0]
                        ? "; the file holds less: it was cut off"
                    : !json_is_object(media) ? "; libavformat could not read the file to check"
                    : d->duration_s >= 0 && !json_is_number(json_object_get(media, "duration_s"))
                        ? "; libavformat read no duration from the file"
                        : "");
}

int
cs_extract_declared(int fd, int64_t size, const char *media_type, json_t *rec)
{
    enum kind k = kind_of(media_type);
    cs_declared_t d;
    uint8_t *head = NULL;
    size_t got = 0;
    char asf_date[32] = "", note[256];
    const char *source = NULL, *what = NULL;
    int rc = 0, found = -1, opened = json_is_object(json_object_get(rec, "media"));
    json_t *o;

    if (k == KIND_NONE || fd < 0 || size <= 0)
        return 0;
    cs_declared_init(&d);
    if (k == KIND_MKV) {
        if ((found = cs_mkv_head(fd, size, &d)) == CS_ENOMEM)
            return CS_ENOMEM;
        source = "matroska:Segment", what = "Matroska header";
    } else {
        if ((rc = read_head(fd, size, &head, &got)) != 0)
            return rc;
        if (k == KIND_AVI) {
            found = cs_avi_head(head, got, &d);
            source = "avi:hdrl", what = "AVI header";
        } else {
            found = cs_asf_declared(head, got, &d.duration_s, &d.width, &d.height);
            if (!opened && cs_asf_creation_time(head, got, asf_date, sizeof asf_date) == 0)
                found = 0;
            source = "asf:header", what = "ASF header";
        }
        free(head);
    }
    if (found != 0)
        return 0;
    /* libavformat's reading, when it opened the file, already holds these dates. */
    if (!opened && d.date_utc[0] != '\0' &&
        (rc = add_date(rec, "matroska:DateUTC", "matroska", "DateUTC", d.date_utc)) != 0)
        return rc;
    if (asf_date[0] != '\0' &&
        (rc = add_date(rec, "asf:CreationDate", "asf", "CreationDate", asf_date)) != 0)
        return rc;
    if (d.duration_s < 0 && d.width <= 0)
        return 0;
    note_of(&d, what, rec, note, sizeof note);
    if ((o = json_pack("{s:s, s:s}", "source", source, "note", note)) == NULL ||
        json_object_set_new(rec, "declared", o) != 0 ||
        (d.duration_s >= 0 && cs_extract_put(o, "duration_s", json_real(d.duration_s))) ||
        (d.width > 0 && (cs_extract_put(o, "width", json_integer(d.width)) ||
                         cs_extract_put(o, "height", json_integer(d.height)))))
        return CS_ENOMEM;
    return 0;
}
