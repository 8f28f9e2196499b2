/* tests/media/transcode_util.h: what the tests of recordings' archival and access copies share
 * (test_transcode.c, test_transcode_verify.c, test_transcode_broken.c): clips made with
 * ffmpeg(1), media read back here with libavformat and libavcodec (not with the engine's own
 * reader), the engine run with the tests' options, and what an archival or access copy must
 * be. */
#ifndef CS_TESTS_MEDIA_TRANSCODE_UTIL_H
#define CS_TESTS_MEDIA_TRANSCODE_UTIL_H

#include "media/transcode.h"

#include <jansson.h>

#define CORPUS_FILES CUSTODY_CORPUS "/files"
#define MAX_STEPS 512

typedef struct media {
    char container[64];
    int nb_video, nb_audio;
    char vcodec[32], acodec[32], pix_fmt[32];
    int width, height, rotation; /* first video stream: decoded size, clockwise rotation */
    long frames;                 /* decoded pictures of the first video stream */
    long packets, keyframes;     /* packets of the first video stream */
    int ffv1_slices;             /* slices with a good CRC in every FFV1 packet; -1: not so */
    int ffv1_extradata_ok;       /* FFV1 extradata (version 2+) with a good CRC */
    double duration;             /* from the first decoded sample to the end of the last */
    double steps[MAX_STEPS];     /* pts steps between pictures, seconds */
    int nb_steps;
} media_t;

/** Runs ffmpeg with the NULL-terminated arguments, writing `out`; fails the test if it fails. */
void make_clip(const char *out, ...);

/** Sets the first track's display matrix (tkhd) of the mp4 at `path` to a quarter turn
 * clockwise: ffmpeg 5.1 has no option that writes one. */
void rotate_mp4(const char *path);

/** Decodes every video and audio stream of `path` to the end, into *m. */
void probe(const char *path, media_t *m);

/** 1 when the mp4's "moov" box comes before its "mdat" (it plays while it downloads). */
int moov_first(const char *path);

/* The engine's progress reports, checked as they come. */
typedef struct progress {
    int calls;
    double last, max;
    int backwards;
} progress_t;

/** The tests' options: both copies into `out_dir` as clip.*, progress into p (NULL: none). */
cs_transcode_opts_t options(const char *out_dir, progress_t *p);

/** cs_transcode_file, which must succeed: its record (owned by the caller). */
json_t *transcode(const char *path, const char *type, const cs_transcode_opts_t *o);

/** The output of `res` for `profile`; fails the test if there is none. */
json_t *output(json_t *res, const char *profile);

/** The string `key` of obj, "" when absent. */
const char *str(json_t *obj, const char *key);

/** The integer `key` of obj, 0 when absent. */
long num(json_t *obj, const char *key);

/** The output is verified, where the record says, under the name it should have: its path. */
const char *verified(json_t *out, const char *dir, const char *ext);

/** The archival copy of a video: FFV1 level 3 (slices with CRCs), every frame a keyframe, as
 * many frames at the same size and pixel format as the source, FLAC audio, in Matroska;
 * read back into *a. */
void assert_archival(json_t *out, const char *dir, const media_t *src, media_t *a);

/** The access copy: H.264 (and AAC), short side at most 720 lines and never enlarged, even
 * dimensions, yuv420p, the index at the front, as many frames; read back into *a. */
void assert_access(json_t *out, const char *dir, const media_t *src, media_t *a);

#endif
