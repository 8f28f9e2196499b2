/* tests/media/test_transcode_public.c: the "public" copy (media/transcode_public.h): a photo
 * re-encoded with no EXIF, GPS or XMP left; a video whose blurred rectangle loses its detail in
 * the redacted time range only, whose muted range is silent, and whose container carries none
 * of the source's metadata. */
#include "tests/media/transcode_util.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <libexif/exif-data.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The program's path in /usr/bin or /usr/local/bin, or NULL (cs_test_run takes a path). */
static const char *
have(const char *prog)
{
    static char path[2][256];
    static const char *const dirs[] = {"/usr/bin", "/usr/local/bin"};
    for (int i = 0; i < 2; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", dirs[i], prog);
        if (access(path[i], X_OK) == 0)
            return path[i];
    }
    return NULL;
}

static cs_transcode_opts_t
public_only(const char *dir, const json_t *spec)
{
    cs_transcode_opts_t o = options(dir, NULL);
    o.want_archival = o.want_access = o.want_preview = o.want_thumbnail = 0;
    o.want_public = 1;
    o.public_spec = spec;
    return o;
}

/* exiftool's groups of the file, one "[Group]" per line of `exiftool -a -G1`. */
static char *
exif_groups(const char *path)
{
    char *argv[] = {(char *)have("exiftool"), "-a", "-G1", (char *)path, NULL};
    cs_run_t r;
    cs_test_run(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "exiftool %s: %s", path, r.err);
    char *out = strdup(r.out);
    cs_test_run_free(&r);
    return out;
}

START_TEST(photo_has_no_gps_or_exif)
{
    char *dir = cs_test_tmpdir();
    const char *src = CUSTODY_TEST_DATA "/gps/DSCN0010.jpg";
    cs_transcode_opts_t o = public_only(dir, NULL);
    o.public_max_px = 400;
    json_t *res = transcode(src, "image/jpeg", &o);
    json_t *out = output(res, "public");
    const char *path = verified(out, dir, "jpg");
    ck_assert_int_le(num(out, "width"), 400);
    ck_assert_int_le(num(out, "height"), 400);
    if (have("exiftool")) {
        char *before = exif_groups(src), *after = exif_groups(path);
        ck_assert_ptr_nonnull(strstr(before, "[GPS]")); /* the source has them */
        static const char *const gone[] = {"[GPS]",   "[IFD0]",      "[ExifIFD]", "[XMP",
                                           "[IFD1]",  "[MakerNotes", "[Nikon",    "[ICC",
                                           "Comment", "[InteropIFD]"};
        for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
            ck_assert_msg(strstr(after, gone[i]) == NULL, "%s left in the public copy:\n%s",
                          gone[i], after);
        free(before);
        free(after);
    } else { /* no exiftool here: libexif finds no EXIF block */
        ExifData *ed = exif_data_new_from_file(path);
        ck_assert_msg(ed == NULL || ed->ifd[EXIF_IFD_GPS]->count + ed->ifd[EXIF_IFD_0]->count == 0,
                      "EXIF left in the public copy");
        if (ed != NULL)
            exif_data_unref(ed);
    }
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* The luma variance of each frame of `path` inside the rectangle, decoded by ffmpeg(1). */
static int
variances(const char *path, int x, int y, int w, int h, double *v, int max)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -v error -i '%s' -vf crop=%d:%d:%d:%d,format=gray -f rawvideo -",
             path, w, h, x, y);
    FILE *p = popen(cmd, "r");
    unsigned char *buf = malloc((size_t)w * h);
    int n = 0;
    ck_assert_ptr_nonnull(p);
    while (n < max && fread(buf, 1, (size_t)w * h, p) == (size_t)w * h) {
        double sum = 0, sq = 0;
        for (int i = 0; i < w * h; i++) {
            sum += buf[i];
            sq += (double)buf[i] * buf[i];
        }
        double mean = sum / (w * h);
        v[n++] = sq / (w * h) - mean * mean;
    }
    free(buf);
    ck_assert_int_eq(pclose(p), 0);
    return n;
}

/* The loudest sample from `from` for `len` seconds, in dBFS (volumedetect). */
static double
max_volume(const char *path, double from, double len)
{
    char ss[32], t[32];
    snprintf(ss, sizeof ss, "%.3f", from);
    snprintf(t, sizeof t, "%.3f", len);
    char *argv[] = {
        (char *)have("ffmpeg"), "-nostdin", "-ss",  ss,  "-t", t, "-i", (char *)path, "-vn", "-af",
        "volumedetect",         "-f",       "null", "-", NULL};
    cs_run_t r;
    cs_test_run(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "volumedetect: %s", r.err);
    const char *m = strstr(r.err, "max_volume: ");
    ck_assert_ptr_nonnull(m);
    double db = strncmp(m + 12, "-inf", 4) == 0 ? -1000 : atof(m + 12);
    cs_test_run_free(&r);
    return db;
}

START_TEST(video_blurred_in_range_muted_and_bare)
{
    char *dir = cs_test_tmpdir(), src[4096];
    snprintf(src, sizeof src, "%s/in.mp4", dir);
    make_clip(src, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-f", "lavfi",
              "-i", "sine=frequency=440:duration=4", "-c:v", "libx264", "-c:a", "aac", "-metadata",
              "title=SECRET-TITLE", "-metadata", "location=+31.2304+121.4737/", "-shortest", NULL);
    json_t *spec = json_loads("{\"regions\": [{\"x\": 40, \"y\": 40, \"w\": 120, \"h\": 100,"
                              " \"start\": 1, \"end\": 2, \"mode\": \"blur\"}],"
                              " \"audio\": [{\"start\": 2, \"end\": 3, \"mode\": \"mute\"}]}",
                              0, NULL);
    cs_transcode_opts_t o = public_only(dir, spec);
    json_t *res = transcode(src, "video/mp4", &o);
    json_t *out = output(res, "public");
    const char *path = verified(out, dir, "mp4");
    ck_assert_str_eq(str(out, "media_type"), "video/mp4");

    double v[200];
    int n = variances(path, 50, 50, 100, 80, v, 200);
    ck_assert_int_ge(n, 95);
    for (int i = 0; i < n; i++) {
        double t = i / 25.0;
        if (t >= 1.05 && t <= 1.95)
            ck_assert_msg(v[i] < 60, "frame %d (%.2f s) inside the range: variance %.1f", i, t,
                          v[i]);
        else if (t < 0.95 || t > 2.05)
            ck_assert_msg(v[i] > 300, "frame %d (%.2f s) outside the range: variance %.1f", i, t,
                          v[i]);
    }
    ck_assert_msg(max_volume(path, 2.2, 0.6) < -60, "the muted range is not silent");
    ck_assert_msg(max_volume(path, 0.5, 1.0) > -30, "the sound outside the range is gone");

    /* Nothing of the source's container or stream metadata. */
    char *argv[] = {(char *)have("ffprobe"),
                    "-v",
                    "error",
                    "-show_entries",
                    "format_tags:stream_tags",
                    "-of",
                    "json",
                    (char *)path,
                    NULL};
    cs_run_t r;
    cs_test_run(&r, NULL, argv);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "SECRET") == NULL && strstr(r.out, "+31.2304") == NULL &&
                      strstr(r.out, "location") == NULL && strstr(r.out, "encoder") == NULL,
                  "metadata left: %s", r.out);
    cs_test_run_free(&r);
    json_decref(res);
    json_decref(spec);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* A photo's black rectangle is black, at full size (public_max_px 0). */
START_TEST(photo_region_blacked_out)
{
    char *dir = cs_test_tmpdir(), src[4096];
    snprintf(src, sizeof src, "%s/in.jpg", dir);
    make_clip(src, "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", NULL);
    json_t *spec = json_loads("{\"regions\": [{\"x\": 100, \"y\": 100, \"w\": 200, \"h\": 120,"
                              " \"mode\": \"black\"}]}",
                              0, NULL);
    cs_transcode_opts_t o = public_only(dir, spec);
    json_t *res = transcode(src, "image/jpeg", &o);
    json_t *out = output(res, "public");
    const char *path = verified(out, dir, "jpg");
    ck_assert_int_eq(num(out, "width"), 640);
    double v[2];
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -v error -i '%s' -vf crop=180:100:110:110,format=gray -f rawvideo - "
             "| od -An -tu1 -v | tr -s ' ' '\\n' | awk 'NF && $1 > 40 {n++} END {print n+0}'",
             path);
    FILE *p = popen(cmd, "r");
    int bright = -1;
    ck_assert_int_eq(fscanf(p, "%d", &bright), 1);
    pclose(p);
    ck_assert_msg(bright == 0, "%d pixels inside the black rectangle are not black", bright);
    ck_assert_int_eq(variances(path, 400, 300, 100, 100, v, 2), 1);
    ck_assert_msg(v[0] > 300, "the picture outside the rectangle lost its detail");
    json_decref(res);
    json_decref(spec);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* A JPEG of testsrc2 with an ICC profile (APP2) whose description is `desc` (UTF-16, as 'mluc'
 * holds it): enough for the decoder to pass it on and for the copy to keep it or not. */
static void
jpeg_with_icc(const char *dir, const char *path, const char *desc)
{
    char plain[4096];
    unsigned char icc[200] = {0}, app[2 + 2 + 12 + 2 + sizeof icc];
    size_t len, n = strlen(desc);
    snprintf(plain, sizeof plain, "%s/plain.jpg", dir);
    make_clip(plain, "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", NULL);
    icc[3] = sizeof icc;
    memcpy(icc + 36, "acsp", 4);
    memcpy(icc + 128, "mluc", 4);
    for (size_t i = 0; i < n; i++)
        icc[150 + 2 * i + 1] = (unsigned char)desc[i];
    app[0] = 0xFF;
    app[1] = 0xE2;
    app[2] = (unsigned char)((sizeof app - 2) >> 8);
    app[3] = (unsigned char)((sizeof app - 2) & 0xFF);
    memcpy(app + 4, "ICC_PROFILE", 12);
    app[16] = 1;
    app[17] = 1;
    memcpy(app + 18, icc, sizeof icc);
    char *jpg = cs_test_read(plain, &len), *out = malloc(len + sizeof app);
    memcpy(out, jpg, 2); /* SOI, then the profile */
    memcpy(out + 2, app, sizeof app);
    memcpy(out + 2 + sizeof app, jpg + 2, len - 2);
    cs_test_write(path, out, len + sizeof app);
    free(jpg);
    free(out);
}

/* A colour profile is kept when it is not sRGB (the copy would show other colours without
 * it), and left out when it is sRGB (what any viewer assumes). */
START_TEST(icc_kept_only_when_not_srgb)
{
    static const char *const descs[] = {"Display P3", "sRGB IEC61966-2.1"};
    for (int i = 0; i < 2; i++) {
        char *dir = cs_test_tmpdir(), src[4096];
        size_t len;
        snprintf(src, sizeof src, "%s/icc.jpg", dir);
        jpeg_with_icc(dir, src, descs[i]);
        cs_transcode_opts_t o = public_only(dir, NULL);
        json_t *res = transcode(src, "image/jpeg", &o);
        json_t *out = output(res, "public");
        char *bytes = cs_test_read(verified(out, dir, "jpg"), &len);
        int has = memmem(bytes, len, "ICC_PROFILE", 11) != NULL;
        ck_assert_msg(has == (i == 0), "%s: ICC profile %s", descs[i], has ? "kept" : "left out");
        ck_assert(json_is_boolean(json_object_get(json_object_get(out, "params"), "icc_kept")));
        free(bytes);
        json_decref(res);
        cs_test_rmrf(dir);
        free(dir);
    }
}
END_TEST

/* A HEIF photo: re-encoded from the pixels libheif decodes, with no GPS or EXIF left, and its
 * Display P3 profile kept (the colours would change without it). */
START_TEST(heif_photo_bare_with_its_profile)
{
    char *dir = cs_test_tmpdir();
    const char *src = CUSTODY_TEST_DATA "/heic/IMG_5195.HEIC";
    size_t len;
    cs_transcode_opts_t o = public_only(dir, NULL);
    o.public_max_px = 800;
    json_t *res = transcode(src, "image/heic", &o);
    json_t *out = output(res, "public");
    const char *path = verified(out, dir, "jpg");
    ck_assert(json_is_true(json_object_get(json_object_get(out, "params"), "icc_kept")));
    char *bytes = cs_test_read(path, &len);
    ck_assert_ptr_nonnull(memmem(bytes, len, "ICC_PROFILE", 11));
    ck_assert_ptr_null(memmem(bytes, len, "Exif", 4));
    free(bytes);
    if (have("exiftool")) {
        char *after = exif_groups(path);
        ck_assert_msg(strstr(after, "[GPS]") == NULL && strstr(after, "[IFD0]") == NULL &&
                          strstr(after, "[XMP") == NULL,
                      "metadata left:\n%s", after);
        free(after);
    }
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
transcode_public_suite(void)
{
    Suite *s = suite_create("transcode_public");
    TCase *tc = tcase_create("transcode_public");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, photo_has_no_gps_or_exif);
    tcase_add_test(tc, video_blurred_in_range_muted_and_bare);
    tcase_add_test(tc, photo_region_blacked_out);
    tcase_add_test(tc, icc_kept_only_when_not_srgb);
    tcase_add_test(tc, heif_photo_bare_with_its_profile);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(transcode_public_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
