/* tests/media/test_damage.c: media/damage.c through cs_extract_file: recordings made here with
 * ffmpeg(1), then cut or garbled the way a stalled copy or a broken card leaves them, get
 * rec.damaged with the code and a reason a clerk can read; whole ones get none. */
#include "core/error.h"
#include "indexer/sniff.h"
#include "media/extract.h"
#include "tests/media/transcode_util.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;
static char full_mp4[512], faststart_mp4[512], full_ts[512], full_m2ts[512];

static void
setup(void)
{
    dir = cs_test_tmpdir();
    snprintf(full_mp4, sizeof full_mp4, "%s/full.mp4", dir);
    snprintf(faststart_mp4, sizeof faststart_mp4, "%s/faststart.mp4", dir);
    snprintf(full_ts, sizeof full_ts, "%s/full.ts", dir);
    snprintf(full_m2ts, sizeof full_m2ts, "%s/full.m2ts", dir);
    make_clip(full_mp4, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i",
              "sine", "-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", NULL);
    make_clip(faststart_mp4, "-i", full_mp4, "-c", "copy", "-movflags", "+faststart", NULL);
    make_clip(full_ts, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "3", "-c:v",
              "libx264", "-pix_fmt", "yuv420p", "-f", "mpegts", NULL);
    make_clip(full_m2ts, "-i", full_ts, "-c", "copy", "-f", "mpegts", "-mpegts_m2ts_mode", "1",
              NULL);
}

static void
teardown(void)
{
    cs_test_rmrf(dir);
    free(dir);
}

/* Writes the first `keep` bytes of `src` (keep < 0: all but -keep) to dir/name, with every byte
 * in [garble_from, garble_to) replaced by 0x5a. */
static void
variant(const char *src, const char *name, long keep, long garble_from, long garble_to, char *out,
        size_t len)
{
    size_t n;
    char *b = cs_test_read(src, &n);
    snprintf(out, len, "%s/%s", dir, name);
    if (keep < 0)
        keep = (long)n + keep;
    if (keep == 0 || keep > (long)n)
        keep = (long)n;
    for (long i = garble_from; i < garble_to && i < keep; i++)
        b[i] = 0x5a;
    cs_test_write(out, b, (size_t)keep);
    free(b);
}

/* Where the 'mdat' payload of the mp4 at `path` starts and ends. */
static void
mdat_of(const char *path, long *from, long *to)
{
    size_t n;
    unsigned char *b = (unsigned char *)cs_test_read(path, &n);
    *from = *to = 0;
    for (size_t off = 0; off + 8 <= n;) {
        size_t len =
            (size_t)b[off] << 24 | (size_t)b[off + 1] << 16 | (size_t)b[off + 2] << 8 | b[off + 3];
        if (memcmp(b + off + 4, "mdat", 4) == 0) {
            *from = (long)off + 8;
            *to = (long)(off + len);
        }
        if (len < 8)
            break;
        off += len;
    }
    free(b);
    ck_assert_int_gt(*to, *from);
}

static json_t *
extract(const char *path)
{
    size_t n;
    char *b = cs_test_read(path, &n);
    const char *type = cs_sniff_media_type((const unsigned char *)b, n < 4096 ? n : 4096);
    json_t *rec = NULL;
    ck_assert_int_eq(cs_extract_file(path, type, NULL, &rec), 0);
    free(b);
    return rec;
}

static void
expect(const char *path, const char *code, const char *words)
{
    json_t *rec = extract(path), *d = json_object_get(rec, "damaged");
    if (code == NULL) {
        ck_assert_msg(d == NULL, "%s: flagged damaged: %s", path,
                      json_string_value(json_object_get(d, "reason")));
    } else {
        ck_assert_msg(d != NULL, "%s: not flagged damaged", path);
        ck_assert_str_eq(json_string_value(json_object_get(d, "code")), code);
        ck_assert_msg(strstr(json_string_value(json_object_get(d, "reason")), words) != NULL,
                      "%s: reason \"%s\" lacks \"%s\"", path,
                      json_string_value(json_object_get(d, "reason")), words);
    }
    json_decref(rec);
}

START_TEST(whole_recordings_are_not_damaged)
{
    expect(full_mp4, NULL, NULL);
    expect(faststart_mp4, NULL, NULL);
    expect(full_ts, NULL, NULL);
    expect(full_m2ts, NULL, NULL);
}
END_TEST

START_TEST(a_cut_mp4_is_truncated)
{
    char p[600];
    struct stat st;
    ck_assert_int_eq(stat(full_mp4, &st), 0);
    /* moov at the end: cut in the middle, FFmpeg says "moov atom not found". */
    variant(full_mp4, "half.mp4", (long)st.st_size / 2, 0, 0, p, sizeof p);
    expect(p, "truncated", "index ('moov') is missing");
    /* moov first (faststart): the container opens, the media data ends early. */
    ck_assert_int_eq(stat(faststart_mp4, &st), 0);
    variant(faststart_mp4, "fs-half.mp4", (long)st.st_size / 2, 0, 0, p, sizeof p);
    expect(p, "truncated", "'mdat' box");
    /* Cut inside the next box's header. */
    long from, to;
    mdat_of(full_mp4, &from, &to);
    variant(full_mp4, "header.mp4", to + 4, 0, 0, p, sizeof p);
    expect(p, "truncated", "inside a box header");
}
END_TEST

START_TEST(an_mp4_without_its_index)
{
    char p[600];
    long from, to;
    /* Whole boxes, but the moov at the end never written: a recorder that lost power. */
    mdat_of(full_mp4, &from, &to);
    variant(full_mp4, "nomoov.mp4", to, 0, 0, p, sizeof p);
    expect(p, "no_index", "no 'moov' box");
}
END_TEST

START_TEST(a_cut_transport_stream_is_truncated)
{
    char p[600];
    variant(full_ts, "cut.ts", -100, 0, 0, p, sizeof p);
    expect(p, "truncated", "last transport packet is cut (88 of 188 bytes)");
    variant(full_m2ts, "cut.m2ts", -100, 0, 0, p, sizeof p);
    expect(p, "truncated", "of 192 bytes");
}
END_TEST

START_TEST(undecodable_first_packets)
{
    char p[600];
    long from, to;
    mdat_of(faststart_mp4, &from, &to);
    variant(faststart_mp4, "garbled.mp4", 0, from, to, p, sizeof p);
    expect(p, "decode_errors", "do not decode");
}
END_TEST

START_TEST(an_unreadable_recording)
{
    char p[600];
    size_t n;
    unsigned char *b = (unsigned char *)cs_test_read(full_mp4, &n);
    /* Every box whole, the index ('moov') noise: FFmpeg opens it and finds no stream. */
    for (size_t off = 0; off + 8 <= n;) {
        size_t len =
            (size_t)b[off] << 24 | (size_t)b[off + 1] << 16 | (size_t)b[off + 2] << 8 | b[off + 3];
        if (memcmp(b + off + 4, "moov", 4) == 0)
            memset(b + off + 8, 0x5a, len - 8);
        if (len < 8)
            break;
        off += len;
    }
    snprintf(p, sizeof p, "%s/badmoov.mp4", dir);
    cs_test_write(p, b, n);
    free(b);
    expect(p, "unreadable", "cannot be opened (no audio, video or picture stream found)");
}
END_TEST

START_TEST(an_index_that_points_past_the_end)
{
    char full[600], p[600];
    struct stat st;
    /* Matroska with its cues written at the front: cut, they point past the end. */
    snprintf(full, sizeof full, "%s/front.mkv", dir);
    make_clip(full, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "10", "-c:v",
              "libx264", "-pix_fmt", "yuv420p", "-g", "25", "-reserve_index_space", "20000", NULL);
    expect(full, NULL, NULL);
    ck_assert_int_eq(stat(full, &st), 0);
    variant(full, "front-half.mkv", (long)st.st_size / 2, 0, 0, p, sizeof p);
    expect(p, "index_past_end", "past the end of the file");
}
END_TEST

START_TEST(a_cut_riff_chunk)
{
    char full[600], p[600];
    struct stat st;
    snprintf(full, sizeof full, "%s/clip.avi", dir);
    make_clip(full, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "4", "-c:v", "mpeg4",
              NULL);
    expect(full, NULL, NULL);
    ck_assert_int_eq(stat(full, &st), 0);
    variant(full, "cut.avi", (long)st.st_size * 9 / 10, 0, 0, p, sizeof p);
    expect(p, "truncated", "into a 'RIFF' chunk");
    snprintf(full, sizeof full, "%s/tone.wav", dir);
    make_clip(full, "-f", "lavfi", "-i", "sine", "-t", "3", NULL);
    expect(full, NULL, NULL);
    variant(full, "cut.wav", 30000, 0, 0, p, sizeof p);
    expect(p, "truncated", "into a 'RIFF' chunk");
    /* A WAV written to a pipe: its lengths never filled in; whole, not damaged. */
    char pipe_wav[600];
    cs_run_t r;
    snprintf(pipe_wav, sizeof pipe_wav, "%s/pipe.wav", dir);
    char *argv[] = {"/bin/sh", "-c", NULL, NULL};
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -f lavfi -i sine -t 3 -f wav - > '%s'",
             pipe_wav);
    argv[2] = cmd;
    cs_test_run(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    expect(pipe_wav, NULL, NULL);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("damage");
    TCase *tc = tcase_create("damage");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, whole_recordings_are_not_damaged);
    tcase_add_test(tc, a_cut_mp4_is_truncated);
    tcase_add_test(tc, an_mp4_without_its_index);
    tcase_add_test(tc, a_cut_transport_stream_is_truncated);
    tcase_add_test(tc, undecodable_first_packets);
    tcase_add_test(tc, an_unreadable_recording);
    tcase_add_test(tc, an_index_that_points_past_the_end);
    tcase_add_test(tc, a_cut_riff_chunk);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
