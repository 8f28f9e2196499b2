/* tests/media/test_extract.c: what libavformat tells about real recordings of tests/data and
 * made inputs; the wide run (`corpus`): the corpus's recordings and photos checked against
 * ExifTool's reading of the same files, and no corpus file, however broken, makes the
 * extractor crash or stay silent. */
#include "core/error.h"
#include "media/extract.h"
#include "indexer/sniff.h"
#include "tests/support/corpus.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <libavformat/avformat.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CORPUS_FILES CUSTODY_CORPUS "/files"

/* Every string in v is valid UTF-8: json_stringn refuses text that is not. */
static void
assert_utf8(json_t *v, const char *path)
{
    const char *key;
    json_t *m;
    size_t i;
    if (json_is_string(v)) {
        json_t *copy = json_stringn(json_string_value(v), json_string_length(v));
        ck_assert_msg(copy != NULL, "%s: a string that is not UTF-8", path);
        json_decref(copy);
    } else if (json_is_object(v)) {
        json_object_foreach(v, key, m) assert_utf8(m, path);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) assert_utf8(m, path);
    }
}

/* Extracts with the media type the ingest pipeline would sniff, and the caller's hints. */
static json_t *
extract_with(const char *path, json_t *hints)
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
    int rc = cs_extract_file(path, type, hints, &rec);
    ck_assert_msg(rc == 0, "%s: %s (%s)", path, cs_strerror(rc), cs_diag());
    ck_assert_ptr_nonnull(rec);
    ck_assert_msg(json_is_array(json_object_get(rec, "errors")), "%s: no errors array", path);
    assert_utf8(rec, path);
    return rec;
}

static json_t *
extract(const char *path)
{
    return extract_with(path, NULL);
}

static json_t *
load_oracle(void)
{
    json_error_t err;
    json_t *all = json_load_file(CUSTODY_CORPUS "/exiftool.json", 0, &err);
    ck_assert_msg(json_is_array(all), "exiftool.json: %s", err.text);
    return all;
}

static void
corpus_path(char *buf, size_t size, json_t *entry)
{
    const char *src = json_string_value(json_object_get(entry, "SourceFile"));
    ck_assert_ptr_nonnull(src);
    ck_assert(strncmp(src, "./", 2) == 0);
    ck_assert_int_lt(snprintf(buf, size, "%s/%s", CORPUS_FILES, src + 2), (int)size);
}

/* A video stream of the record (cover pictures aside) with this size. */
static int
has_video(json_t *media, json_int_t width, json_int_t height)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(media, "streams"), i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "type")), "video") == 0 &&
            json_object_get(s, "attached_pic") == NULL &&
            json_integer_value(json_object_get(s, "width")) == width &&
            json_integer_value(json_object_get(s, "height")) == height)
            return 1;
    }
    return 0;
}

START_TEST(recordings_match_the_oracle)
{
    json_t *all = load_oracle(), *e;
    size_t i;
    int compared = 0, sizes = 0;
    char path[4096], key[64];
    json_array_foreach(all, i, e)
    {
        json_t *qt = json_object_get(e, "QuickTime:Duration");
        corpus_path(path, sizeof path, e);
        if (!json_is_number(qt) || strstr(path, ".fuzzed") != NULL)
            continue;
        json_t *rec = extract(path);
        json_t *media = json_object_get(rec, "media");
        json_t *dur = json_object_get(media, "duration_s");
        if (!json_is_number(dur)) {
            /* Cut or stripped samples: saying why is the right answer. */
            ck_assert_msg(json_array_size(json_object_get(rec, "errors")) > 0, "%s", path);
            json_decref(rec);
            continue;
        }
        double want = json_number_value(qt), got = json_number_value(dur);
        ck_assert_msg(fabs(got - want) <= fmax(0.02 * want, 0.1), "%s: duration %f, oracle %f",
                      path, got, want);
        compared++;
        /* Each video track ExifTool saw must be a video stream of the same size. */
        for (int t = 1; t < 16; t++) {
            snprintf(key, sizeof key, "Track%d:HandlerType", t);
            const char *handler = json_string_value(json_object_get(e, key));
            snprintf(key, sizeof key, "Track%d:ImageWidth", t);
            json_t *w = json_object_get(e, key);
            snprintf(key, sizeof key, "Track%d:ImageHeight", t);
            json_t *h = json_object_get(e, key);
            if (handler == NULL || strcmp(handler, "vide") != 0 || !json_is_integer(w))
                continue;
            ck_assert_msg(has_video(media, json_integer_value(w), json_integer_value(h)),
                          "%s: no %lldx%lld video stream", path, json_integer_value(w),
                          json_integer_value(h));
            sizes++;
        }
        json_decref(rec);
    }
    /* m4a, mov, mp4 (2), 3gp, 3g2 and ExifTool's QuickTime samples */
    ck_assert_int_ge(compared, 6);
    ck_assert_int_ge(sizes, 5);
    json_decref(all);
}
END_TEST

START_TEST(photos_match_the_oracle)
{
    json_t *all = load_oracle(), *e;
    size_t i;
    int compared = 0;
    char path[4096];
    json_array_foreach(all, i, e)
    {
        const char *mime = json_string_value(json_object_get(e, "File:MIMEType"));
        json_t *w = json_object_get(e, "File:ImageWidth");
        json_t *h = json_object_get(e, "File:ImageHeight");
        if (mime == NULL || strcmp(mime, "image/jpeg") != 0 || !json_is_integer(w))
            continue;
        corpus_path(path, sizeof path, e);
        json_t *rec = extract(path);
        json_t *img = json_object_get(rec, "image");
        if (img == NULL) {
            ck_assert_msg(json_array_size(json_object_get(rec, "errors")) > 0, "%s", path);
        } else {
            ck_assert_msg(
                json_integer_value(json_object_get(img, "width")) == json_integer_value(w) &&
                    json_integer_value(json_object_get(img, "height")) == json_integer_value(h),
                "%s: image size differs from the oracle", path);
            compared++;
        }
        json_decref(rec);
    }
    ck_assert_int_ge(compared, 90);
    json_decref(all);
}
END_TEST

static int nfiles, nunreadable;

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F)
        return 0;
    json_t *rec = extract(path);
    json_t *errors = json_object_get(rec, "errors"), *m;
    size_t i;
    json_array_foreach(errors, i, m)
        ck_assert_msg(json_string_length(m) > 0, "%s: empty error message", path);
    if (json_is_null(json_object_get(rec, "media"))) {
        ck_assert_msg(json_array_size(errors) > 0, "%s: unreadable but no reason", path);
        nunreadable++;
    }
    nfiles++;
    json_decref(rec);
    return 0;
}

START_TEST(every_corpus_file_gets_a_record)
{
    ck_assert_int_eq(nftw(CORPUS_FILES, visit, 16, FTW_PHYS), 0);
    ck_assert_int_ge(nfiles, 180);
    ck_assert_int_gt(nunreadable, 0); /* the corpus has broken files on purpose */
    ck_assert_int_lt(nunreadable, nfiles / 2);
}
END_TEST

START_TEST(odd_inputs)
{
    char *dir = cs_test_tmpdir();
    char path[4096], *jpeg;
    json_t *rec = (json_t *)1;
    size_t len;

    snprintf(path, sizeof path, "%s/missing", dir);
    ck_assert_int_eq(cs_extract_file(path, NULL, NULL, &rec), CS_ENOENT);
    ck_assert_ptr_null(rec);
    ck_assert_int_eq(cs_extract_file(dir, NULL, NULL, &rec), CS_ENOTREG);

    snprintf(path, sizeof path, "%s/empty", dir);
    cs_test_write(path, "", 0);
    rec = extract(path);
    ck_assert(json_is_null(json_object_get(rec, "media")));
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(rec, "errors"), 0)),
                     "the file is empty");
    json_decref(rec);

    snprintf(path, sizeof path, "%s/noise", dir);
    cs_test_write_random(path, 100000, 7);
    rec = extract(path);
    ck_assert_int_gt(json_array_size(json_object_get(rec, "errors")), 0);
    json_decref(rec);

    /* Names are never patterns: '%d', '*' and '[' are just characters. */
    jpeg = cs_test_read(CUSTODY_TEST_DATA "/metadata-extractor/sample.3gp", &len);
    ck_assert_ptr_nonnull(jpeg);
    snprintf(path, sizeof path, "%s/clip %%03d [1] *.3gp", dir);
    cs_test_write(path, jpeg, len);
    ck_assert_int_eq(cs_extract_file(path, "video/3gpp", NULL, &rec), 0);
    ck_assert_ptr_nonnull(strstr(
        json_string_value(json_object_get(json_object_get(rec, "media"), "container")), "3gp"));
    json_decref(rec);
    free(jpeg);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* ExifTool's "2019:07:24 11:25:40+03:00" as RFC 3339 (the zone, if any, kept as written). */
static void
exiftool_time(const char *v, char *buf, size_t size)
{
    ck_assert_int_lt(snprintf(buf, size, "%s", v), (int)size);
    if (strlen(buf) >= 19) {
        buf[4] = buf[7] = '-';
        buf[10] = 'T';
    }
}

/* The time candidate of this source in rec, or NULL. */
static json_t *
candidate(json_t *rec, const char *source)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(rec, "time_candidates"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "source")), source) == 0)
            return c;
    }
    return NULL;
}

static int agree, disagree;

static void
verdict(int ok, const char *path, const char *field, const char *want, const char *got)
{
    if (ok) {
        agree++;
        return;
    }
    disagree++;
    printf("disagreement: %s: %s: oracle %s, ours %s\n", path, field, want, got);
}

static int
is_quicktime(json_t *e)
{
    static const char *const types[] = {"MOV", "MP4", "3GP", "3G2", "M4A", "M4V"};
    const char *t = json_string_value(json_object_get(e, "File:FileType"));
    for (size_t i = 0; t != NULL && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(t, types[i]) == 0)
            return 1;
    return 0;
}

/* Time, place, duration and rotation of every QuickTime-family recording, against ExifTool. */
START_TEST(quicktime_metadata_matches_the_oracle)
{
    json_t *all = load_oracle(), *e, *v;
    size_t i;
    char path[4096], want[128], got[256];
    int files = 0;
    agree = disagree = 0;
    json_array_foreach(all, i, e)
    {
        if (!is_quicktime(e))
            continue;
        corpus_path(path, sizeof path, e);
        /* Fuzzer-made files are bad input (every_corpus_file_gets_a_record): what ExifTool
         * makes of their garbage is no oracle. */
        if (strstr(path, ".fuzzed") != NULL)
            continue;
        json_t *rec = extract(path);
        const char *at = json_string_value(json_object_get(rec, "captured_at"));
        files++;

        const char *create = json_string_value(json_object_get(e, "QuickTime:CreateDate"));
        const char *keys = json_string_value(json_object_get(e, "Keys:CreationDate"));
        char utc[64] = "";
        if (create != NULL && strncmp(create, "0000", 4) != 0) { /* 0 means "not set" */
            exiftool_time(create, want, sizeof want);
            snprintf(utc, sizeof utc, "%sZ", want);
            const char *ours = json_string_value(
                json_object_get(candidate(rec, "quicktime:creation_time"), "utc"));
            verdict(ours != NULL && strcmp(ours, utc) == 0, path, "QuickTime:CreateDate", utc,
                    ours ? ours : "(none)");
        }
        if (keys != NULL) {
            exiftool_time(keys, want, sizeof want);
            json_t *c = candidate(rec, "quicktime:com.apple.quicktime.creationdate");
            snprintf(got, sizeof got, "%s%s",
                     json_string_value(json_object_get(c, "local"))
                         ? json_string_value(json_object_get(c, "local"))
                         : "(none)",
                     json_string_value(json_object_get(c, "offset"))
                         ? json_string_value(json_object_get(c, "offset"))
                         : "");
            verdict(strcmp(want, got) == 0, path, "Keys:CreationDate", want, got);
        }
        /* What we state: the local time with its offset where Apple wrote one, else UTC. */
        if (keys != NULL || utc[0] != '\0') {
            if (keys != NULL)
                exiftool_time(keys, want, sizeof want);
            else
                snprintf(want, sizeof want, "%s", utc);
            verdict(at != NULL && strcmp(at, want) == 0, path, "captured_at", want,
                    at ? at : "(none)");
        }

        v = json_object_get(e, "Keys:GPSCoordinates");
        if (v == NULL)
            v = json_object_get(e, "UserData:GPSCoordinates");
        if (json_is_string(v)) {
            double lat, lon;
            json_t *gps = json_object_get(rec, "gps");
            ck_assert_int_eq(sscanf(json_string_value(v), "%lf %lf", &lat, &lon), 2);
            snprintf(got, sizeof got, "%.6f %.6f", json_number_value(json_object_get(gps, "lat")),
                     json_number_value(json_object_get(gps, "lon")));
            verdict(gps != NULL &&
                        fabs(json_number_value(json_object_get(gps, "lat")) - lat) <= 1e-5 &&
                        fabs(json_number_value(json_object_get(gps, "lon")) - lon) <= 1e-5,
                    path, "GPSCoordinates", json_string_value(v), gps ? got : "(none)");
        }

        v = json_object_get(e, "QuickTime:Duration");
        if (json_is_number(v)) {
            json_t *dur = json_object_get(json_object_get(rec, "media"), "duration_s");
            double w = json_number_value(v), g = json_number_value(dur);
            snprintf(want, sizeof want, "%.3f", w);
            snprintf(got, sizeof got, "%.3f", g);
            verdict(json_is_number(dur) && fabs(g - w) <= fmax(0.02 * w, 0.1), path,
                    "QuickTime:Duration", want, json_is_number(dur) ? got : "(none)");
        }

        v = json_object_get(e, "Composite:Rotation");
        if (json_is_integer(v)) {
            json_t *s, *found = NULL;
            size_t k;
            json_array_foreach(json_object_get(json_object_get(rec, "media"), "streams"), k, s)
            {
                if (found == NULL && json_is_integer(json_object_get(s, "rotation")))
                    found = json_object_get(s, "rotation");
            }
            snprintf(want, sizeof want, "%lld", json_integer_value(v));
            snprintf(got, sizeof got, "%lld", json_integer_value(found));
            verdict(found != NULL && json_integer_value(found) == json_integer_value(v), path,
                    "Composite:Rotation", want, found ? got : "(none)");
        }
        json_decref(rec);
    }
    printf("quicktime oracle: %d files, %d of %d fields agree (%.1f%%)\n", files, agree,
           agree + disagree, agree + disagree ? 100.0 * agree / (agree + disagree) : 0.0);
    ck_assert_int_ge(files, 7);
    ck_assert_int_ge(agree + disagree, 20);
    ck_assert_msg(agree * 100 >= 98 * (agree + disagree), "%d of %d fields agree", agree,
                  agree + disagree);
    json_decref(all);
}
END_TEST

/* The iPhone recording: Apple's keys give local time, place and device; tags go to raw. */
START_TEST(apple_keys)
{
    json_t *rec = extract(CUSTODY_TEST_DATA "/metadata-extractor/with-gps.mov");
    json_t *gps = json_object_get(rec, "gps"), *dev = json_object_get(rec, "device");
    json_t *raw = json_object_get(rec, "raw");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at")),
                     "2019-07-24T11:25:40+03:00");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_source")),
                     "quicktime:com.apple.quicktime.creationdate");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_utc")),
                     "2019-07-24T08:25:40Z");
    ck_assert(json_is_true(json_object_get(rec, "offset_known")));
    ck_assert_int_eq(json_array_size(json_object_get(rec, "time_candidates")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(gps, "source")),
                     "quicktime:com.apple.quicktime.location.ISO6709");
    ck_assert_double_eq_tol(json_number_value(json_object_get(gps, "alt")), 28.516, 1e-6);
    ck_assert_ptr_null(json_object_get(gps, "suspect"));
    ck_assert_str_eq(json_string_value(json_object_get(dev, "make")), "Apple");
    ck_assert_str_eq(json_string_value(json_object_get(dev, "model")), "iPhone 6");
    ck_assert_str_eq(json_string_value(json_object_get(dev, "software")), "12.3");
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(raw, "container"), "major_brand")),
        "qt  ");
    ck_assert_int_eq(json_array_size(json_object_get(raw, "streams")),
                     json_array_size(json_object_get(json_object_get(rec, "media"), "streams")));
    json_decref(rec);

    /* Non-ASCII tags arrive as the same text. */
    rec = extract(CUSTODY_TEST_DATA "/exiftool/QuickTime.mov");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(rec, "raw"), "container"), "album")),
                     "\xc3\xa5lbum");
    json_decref(rec);
}
END_TEST

/* The caller's hints: the content's own time wins over the clerk's sidecar, which stays a
 * candidate; the mtime is kept apart. */
START_TEST(hints)
{
    const char *mov = CUSTODY_TEST_DATA "/exiftool/QuickTime.mov";
    json_t *h = json_pack("{s:s, s:s, s:s}", "recorded_at", "2005-08-11T16:00:00+02:00",
                          "source_mtime", "2020-01-01T00:00:00Z", "default_tz", "+08:00");
    json_t *rec = extract_with(mov, h);
    /* QuickTime's UTC creation_time: "Z", default_tz not applied. */
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at")),
                     "2005-08-11T14:03:54Z");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_source")),
                     "quicktime:creation_time");
    ck_assert(json_is_false(json_object_get(rec, "offset_known")));
    ck_assert_int_eq(json_array_size(json_object_get(rec, "time_candidates")), 3);
    ck_assert_str_eq(json_string_value(json_object_get(candidate(rec, "sidecar"), "local")),
                     "2005-08-11T16:00:00");
    ck_assert_str_eq(json_string_value(json_object_get(candidate(rec, "file:mtime"), "utc")),
                     "2020-01-01T00:00:00Z");
    json_decref(rec);
    json_decref(h);
}
END_TEST

/* A recording without any time: the sidecar (the clerk's statement), else the capture time is
 * unknown and the file time is kept apart, else nothing and an error. */
START_TEST(no_time)
{
    char *dir = cs_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/empty.mp4", dir);
    cs_test_write(path, "", 0);
    json_t *h = json_pack("{s:s}", "source_mtime", "2024-02-29T23:59:59.5Z");
    json_t *rec = extract_with(path, h);
    ck_assert(json_is_null(json_object_get(rec, "captured_at")));
    ck_assert(json_is_null(json_object_get(rec, "captured_at_utc")));
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_source")), "file:mtime");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_estimate")), "file_time");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "file_time")),
                     "2024-02-29T23:59:59.5Z");
    json_decref(rec);

    /* A sidecar in local time without offset takes default_tz, and says so; a hint that is
     * not text is an error in words, not a failure. */
    json_object_set_new(h, "recorded_at", json_string("2005-08-11 16:00:00"));
    json_object_set_new(h, "source_mtime", json_integer(5));
    json_object_set_new(h, "default_tz", json_string("+08:00"));
    rec = extract_with(path, h);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at")),
                     "2005-08-11T16:00:00+08:00");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_source")),
                     "sidecar+config:ingest.default_tz");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_utc")),
                     "2005-08-11T08:00:00Z");
    ck_assert_ptr_null(candidate(rec, "file:mtime"));
    json_decref(rec);

    rec = extract_with(path, NULL);
    ck_assert(json_is_null(json_object_get(rec, "captured_at")));
    ck_assert_int_eq(json_array_size(json_object_get(rec, "errors")), 2);
    json_decref(rec);
    json_decref(h);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Writes a QuickTime file of one tiny picture with these container tags (key, value pairs,
 * NULL-terminated), kept as tags in its user data. */
static void
write_mov(const char *path, const char *const *tags)
{
    AVFormatContext *oc = NULL;
    AVDictionary *opts = NULL;
    AVStream *st;
    static uint8_t frame[64];
    AVPacket *pkt = av_packet_alloc();
    ck_assert_int_ge(avformat_alloc_output_context2(&oc, NULL, "mov", path), 0);
    ck_assert_ptr_nonnull(st = avformat_new_stream(oc, NULL));
    st->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
    st->codecpar->codec_id = AV_CODEC_ID_MJPEG;
    st->codecpar->width = 16;
    st->codecpar->height = 16;
    st->time_base = (AVRational){1, 25};
    for (size_t i = 0; tags[i] != NULL; i += 2)
        av_dict_set(&oc->metadata, tags[i], tags[i + 1], 0);
    av_dict_set(&opts, "movflags", "use_metadata_tags", 0);
    ck_assert_int_ge(avio_open(&oc->pb, path, AVIO_FLAG_WRITE), 0);
    ck_assert_int_ge(avformat_write_header(oc, &opts), 0);
    for (int i = 0; i < 5; i++) {
        pkt->data = frame;
        pkt->size = sizeof frame;
        pkt->stream_index = 0;
        pkt->pts = pkt->dts = av_rescale_q(i, (AVRational){1, 25}, st->time_base);
        pkt->duration = av_rescale_q(1, (AVRational){1, 25}, st->time_base);
        pkt->flags = AV_PKT_FLAG_KEY;
        ck_assert_int_ge(av_write_frame(oc, pkt), 0);
    }
    ck_assert_int_ge(av_write_trailer(oc), 0);
    avio_closep(&oc->pb);
    av_dict_free(&opts);
    av_packet_free(&pkt);
    avformat_free_context(oc);
}

/* fuzz_extract found it (fuzz/corpus/extract/oom_info_chunk.wav): a 609-byte WAV whose LIST
 * chunk claims 4 GB and whose INFO list names a tag of 0x656e6961 bytes (1.7 GB, the ASCII of
 * "aine"). FFmpeg zeroes that much before it finds the file short. A worker bounds FFmpeg's
 * allocations first (cs_extract_limits): the file gets its record and the process stays
 * small. Built here in the same shape, shorter; measured in a child of its own, whose peak
 * RSS is its alone. */
START_TEST(an_info_tag_claiming_gigabytes_is_not_allocated)
{
    char *dir = cs_test_tmpdir(), path[4096];
    unsigned char wav[256];
    size_t n = 0;
#define PUT(s, len) (memcpy(wav + n, (s), (len)), n += (len))
    PUT("RIFF\xce\x00\x00\x00WAVEfmt \x10\x00\x00\x00", 20);
    PUT("\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00", 16);
    PUT("LIST\x1a\x00\xff\xffINFO", 12);              /* 4 GB of list */
    PUT("ISFT\x0e\x00\x00\x00Lavf59.27.100\x00", 22); /* one fair tag */
    PUT("containe", 8);                               /* "cont", 0x656e6961 bytes */
    memset(wav + n, 0xd4, 64);
    n += 64;
    PUT("data\x40\x00\x00\x00", 8);
    memset(wav + n, 0x11, 64);
    n += 64;
#undef PUT
    snprintf(path, sizeof path, "%s/info.wav", dir);
    cs_test_write(path, wav, n);

    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        json_t *rec = NULL;
        cs_extract_limits();
        int rc = cs_extract_file(path, cs_sniff_media_type(wav, n), NULL, &rec);
        _exit(rc == 0 && json_is_object(rec) ? 0 : 1);
    }
    struct rusage ru;
    int status = 0;
    ck_assert_int_eq(wait4(pid, &status, 0, &ru), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the extractor failed: %d",
                  status);
    ck_assert_msg(ru.ru_maxrss < 400 * 1024, "peak RSS %ld KiB reading a %zu-byte file",
                  ru.ru_maxrss, n);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Hostile tags: bytes that are not UTF-8 arrive as U+FFFD, a time that is not one and a
 * place at 0,0 are reported in words, a huge tag is cut and says so. */
START_TEST(hostile_tags)
{
    char *dir = cs_test_tmpdir();
    char path[4096], *big = malloc(20000);
    memset(big, 'x', 19999);
    big[19999] = '\0';
    const char *const tags[] = {"title",
                                "bad\xff\xfe ok",
                                "location",
                                "+00.0000+000.0000/",
                                "com.apple.quicktime.creationdate",
                                "2019-08-17T15:42:31+0200x",
                                "comment",
                                big,
                                "com.apple.quicktime.make",
                                "Ma\xc3\x28ke",
                                NULL};
    snprintf(path, sizeof path, "%s/hostile.mov", dir);
    write_mov(path, tags);
    json_t *rec = extract(path);
    json_t *raw = json_object_get(json_object_get(rec, "raw"), "container");
    json_t *gps = json_object_get(rec, "gps");
    ck_assert_str_eq(json_string_value(json_object_get(raw, "title")),
                     "bad\xef\xbf\xbd\xef\xbf\xbd ok");
    ck_assert_int_eq(json_string_length(json_object_get(raw, "comment")), 8192);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rec, "device"), "make")),
                     "Ma\xef\xbf\xbd(ke");
    ck_assert(json_is_true(json_object_get(gps, "suspect")));
    ck_assert(json_is_null(json_object_get(rec, "captured_at")));
    ck_assert_int_eq(json_array_size(json_object_get(rec, "time_candidates")), 1);
    /* 0,0; the cut comment; the bad date; no capture time */
    ck_assert_int_ge(json_array_size(json_object_get(rec, "errors")), 4);
    json_decref(rec);

    /* A good Apple date without a colon in its offset; a place with altitude. */
    const char *const good[] = {"com.apple.quicktime.creationdate", "2019-08-17T15:42:31+0200",
                                "com.apple.quicktime.location.ISO6709",
                                "+37.7858-122.4064+012.345/", NULL};
    write_mov(path, good);
    rec = extract(path);
    gps = json_object_get(rec, "gps");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at")),
                     "2019-08-17T15:42:31+02:00");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_utc")),
                     "2019-08-17T13:42:31Z");
    ck_assert_double_eq_tol(json_number_value(json_object_get(gps, "lat")), 37.7858, 1e-9);
    ck_assert_double_eq_tol(json_number_value(json_object_get(gps, "lon")), -122.4064, 1e-9);
    ck_assert_double_eq_tol(json_number_value(json_object_get(gps, "alt")), 12.345, 1e-9);
    json_decref(rec);
    free(big);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
extract_suite(void)
{
    Suite *s = suite_create("extract");
    TCase *tc = tcase_create("extract");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, odd_inputs);
    tcase_add_test(tc, apple_keys);
    tcase_add_test(tc, hints);
    tcase_add_test(tc, no_time);
    tcase_add_test(tc, hostile_tags);
    tcase_add_test(tc, an_info_tag_claiming_gigabytes_is_not_allocated);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
extract_corpus_suite(void)
{
    Suite *s = suite_create("extract_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, recordings_match_the_oracle);
    tcase_add_test(tc, photos_match_the_oracle);
    tcase_add_test(tc, every_corpus_file_gets_a_record);
    tcase_add_test(tc, quicktime_metadata_matches_the_oracle);
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    return cs_test_main(argc, argv, extract_suite, extract_corpus_suite);
}
