/* tests/media/test_transcode_verify.c: what the verification of a recording's copies must
 * catch, in flight and on disk (the engine's hooks of media/transcode_int.h damage them). */
#include "tests/media/transcode_util.h"

#include "core/error.h"
#include "media/transcode_int.h" /* the hooks that damage what verification must catch */
#include "tests/support/testutil.h"

#include <check.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Flips a byte in the middle of the archival copy's third picture as it is written (before
 * its verifier and the file get it): the verifier's strict decoding must catch it. */
static int damaged_packets;

static void
damage_packet(const char *profile, AVPacket *pkt)
{
    if (strcmp(profile, "archival") != 0 || pkt->stream_index != 0 || damaged_packets++ != 2)
        return;
    ck_assert_int_eq(av_packet_make_writable(pkt), 0);
    pkt->data[pkt->size / 2] ^= 0x55;
}

/* Counts the files read back; when `damage_on_disk`, flips a byte in the middle of the finished
 * archival file's third picture, as a disk might: it no longer holds the packets verified. */
static int rereads, damage_on_disk;

static void
damage_file(const char *profile, const char *path)
{
    AVFormatContext *fmt = NULL;
    AVPacket *pkt;
    int64_t pos = -1;
    int n = 0, fd;
    uint8_t b;
    rereads++;
    if (!damage_on_disk || strcmp(profile, "archival") != 0)
        return;
    ck_assert_ptr_nonnull(pkt = av_packet_alloc());
    ck_assert_int_eq(avformat_open_input(&fmt, path, NULL, NULL), 0);
    while (pos < 0 && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == 0 && n++ == 2)
            pos = pkt->pos + pkt->size / 2;
        av_packet_unref(pkt);
    }
    avformat_close_input(&fmt);
    av_packet_free(&pkt);
    ck_assert_int_ge(pos, 0);
    ck_assert_int_ge(fd = open(path, O_RDWR), 0);
    ck_assert_int_eq(pread(fd, &b, 1, pos), 1);
    b ^= 0x55;
    ck_assert_int_eq(pwrite(fd, &b, 1, pos), 1);
    close(fd);
}

/* What verification must catch, in flight and on disk: the archival copy fails with a reason
 * that says so, the access copy goes on. */
START_TEST(damage_caught)
{
    static const struct {
        int on_disk;
        const char *reason;
    } cases[] = {
        {0, "the archival copy has a damaged slice in stream 0 (CRC)"},
        /* Which stream, which packet, and how it differs. */
        {1, "the archival copy on disk does not hold the verified packets: video stream 0, "
            "packet 2 (pts 0.080 s): its "},
    };
    char *dir = cs_test_tmpdir(), src_path[4096];
    snprintf(src_path, sizeof src_path, "%s/in.mp4", dir);
    make_clip(src_path, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
              "sine", "-t", "0.4", "-c:v", "libx264", "-c:a", "aac", NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs_transcode_opts_t o = options(dir, NULL);
        damaged_packets = rereads = 0;
        damage_on_disk = cases[i].on_disk;
        cs_tc_before_write = cases[i].on_disk ? NULL : damage_packet;
        cs_tc_before_reread = damage_file;
        json_t *res = transcode(src_path, "video/mp4", &o);
        cs_tc_before_write = NULL;
        cs_tc_before_reread = NULL;
        json_t *a = output(res, "archival");
        ck_assert_str_eq(str(a, "status"), "failed");
        ck_assert_msg(strncmp(str(a, "reason"), cases[i].reason, strlen(cases[i].reason)) == 0,
                      "reason: %s", str(a, "reason"));
        if (cases[i].on_disk)
            ck_assert_msg(strstr(str(a, "reason"), " bytes differ") != NULL, "reason: %s",
                          str(a, "reason"));
        ck_assert_int_eq(rereads, cases[i].on_disk ? 2 : 1); /* read back only once decoded */
        ck_assert_str_eq(str(output(res, "access"), "status"), "verified");
        json_decref(res);
    }
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* How a packet on disk differs from the one verified, in the words a clerk reads. */
START_TEST(packet_differences_said)
{
    static const struct {
        cs_tc_pktrec_t have;
        const char *why;
    } cases[] = {
        {{.size = 412, .rel_pts = 1024}, "412 bytes on disk, 410 verified"},
        {{.size = 410, .rel_pts = 1024, .hash = {1}}, "its 410 bytes differ"},
        {{.size = 410, .rel_pts = 2048},
         "pts +0.042667 s from the stream's first on disk, +0.021333 s verified"},
        {{.size = 410, .rel_pts = 1024, .skip = 1024},
         "a decoder is told to skip 1024 samples on disk, 0 verified"},
        {{.size = 410, .rel_pts = 1024, .discard = 1},
         "it is to be dropped on disk, kept in what was verified"},
        {{.size = 410, .rel_pts = 1024}, ""},
    };
    const cs_tc_pktrec_t want = {.size = 410, .rel_pts = 1024};
    char why[160];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs_tc_pktrec_diff(&cases[i].have, &want, (AVRational){1, 48000}, why, sizeof why);
        ck_assert_str_eq(why, cases[i].why);
    }
}
END_TEST

static Suite *
transcode_verify_suite(void)
{
    Suite *s = suite_create("transcode_verify");
    TCase *tc = tcase_create("transcode_verify");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, damage_caught);
    tcase_add_test(tc, packet_differences_said);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    av_log_set_level(AV_LOG_FATAL); /* broken inputs are the point of some tests */
    SRunner *sr = srunner_create(transcode_verify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
