/* tests/media/photo_util.h: what the tests of photos' preview and thumbnail share
 * (test_transcode_photo*.c): a fresh folder per test, pictures made with ffmpeg(1), the
 * engine run on them, and its records and outputs read back and decoded here. */
#ifndef CS_TESTS_MEDIA_PHOTO_UTIL_H
#define CS_TESTS_MEDIA_PHOTO_UTIL_H

#include "media/transcode.h"

#include <jansson.h>
#include <libavutil/frame.h>
#include <stddef.h>

#define CORPUS_FILES CUSTODY_CORPUS "/files"
#define FFMPEG "/usr/bin/ffmpeg"
#define ORIENTATION_DIR CORPUS_FILES "/exif-samples/jpg/orientation"

extern char *tmp; /* a fresh folder per test (photo_setup) */

/** A checked fixture: a fresh folder in `tmp`. */
void photo_setup(void);

/** Removes `tmp`. */
void photo_teardown(void);

cs_transcode_opts_t opts_in(const char *dir);

void path_in(char *buf, size_t size, const char *dir, const char *name);

/** Runs the ffmpeg program: a lavfi source `src`, one frame, then the NULL-terminated
 * arguments that follow (the last is the output file). */
void ffmpeg_make(const char *src, ...);

/** Runs the code under test; asserts it returns 0 and gives one record per wanted output. */
json_t *photo(const char *path, const cs_transcode_opts_t *o);

json_t *output(json_t *outputs, const char *profile);

json_int_t int_at(json_t *rec, const char *key);

const char *str_at(json_t *rec, const char *key);

/** Decodes the first picture of a file, as any program would (image2, by its name). */
AVFrame *decode_file(const char *path);

double mean_luma(const AVFrame *f);

/** How alike the luma of a is to that of b, b mirrored left-right (mx) and/or top-bottom (my):
 * the normalised cross-correlation, 1 for the same picture, whatever its brightness. */
double likeness(const AVFrame *a, const AVFrame *b, int mx, int my);

/** The record's shape (transcode.h), and for a verified output: the file decodes here to the
 * size recorded, within `bound`, as full-range 4:2:0, with no EXIF in it. Returns the decoded
 * output (verified) or NULL (failed). */
AVFrame *check_record(json_t *rec, const char *status, int bound, int quality);

/** The displayed size of a w x h picture fitted in bound, as the caller expects it. */
void expect_fit(int w, int h, int bound, int *ew, int *eh);

void assert_size_near(json_t *rec, int ew, int eh);

int files_in(const char *dir);

void time_photo(const char *what, const char *path, const cs_transcode_opts_t *o);

/** The entry of the corpus file `rel` in ExifTool's exiftool.json (the oracle of the corpus's
 * sizes and orientations); fails the test if there is none. */
json_t *oracle_entry(const char *rel);

/** The integer `key` of an oracle entry, `dflt` when absent. */
int oracle_int(json_t *e, const char *key, int dflt);

#endif
