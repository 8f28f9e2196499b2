/* media/transcode.h: archival and access copies of one stored original, made with the FFmpeg
 * libraries (never the ffmpeg program), inside a `custody-worker` process: it decodes
 * untrusted bytes, so the service never calls it in-process.
 *
 * One decode of the source feeds every encoder of that source. Each output is written to a
 * new file in opts->out_dir by a thread of its own and verified as it is written: a checker
 * thread decodes every packet (and each FFV1 slice CRC), and after the trailer the file is
 * re-read and its packets compared by digest with the verified ones (transcode_lane.c,
 * transcode_check.c, transcode_reread.c). The caller stores the verified files as objects and
 * records them (indexer/derivatives.h).
 *
 * What is made, by kind of source:
 *   video (a video stream that is not an attached picture; audio may be there too):
 *     "archival": FFV1 level 3, GOP 1, slice CRCs, opts->archival_slices slices, every video
 *                 stream at its own size and pixel format, every audio stream as FLAC, in
 *                 Matroska; timestamps passed through (same frames, same pts, same count);
 *                 the display rotation kept as stream side data.
 *     "access":   H.264 (libx264, opts->access_preset, CRF opts->access_crf, yuv420p) of the
 *                 first video stream, deinterlaced (bwdif, one frame per frame) when the
 *                 stream is interlaced, display rotation applied, at most
 *                 opts->access_max_lines on the short side, aspect kept, even dimensions; AAC
 *                 at opts->access_audio_kbps of the first audio stream; MP4 with +faststart;
 *                 source timing kept (a variable frame rate stays variable), moved to start at
 *                 0 (the earliest of the two streams; the sound padded or cut to start there).
 *     "preview", "thumbnail": the poster, a JPEG of the first picture of the first 5 s that
 *                 is neither near black nor flat (else the first picture), longest side <=
 *                 opts->preview_px / opts->thumbnail_px, display rotation applied, never
 *                 upscaled; "params": {"video": {"poster_s": when it is shown, ...}}.
 *   audio only:   "archival": FLAC (.flac); "access": AAC in M4A (+faststart), starting at 0.
 *   photo (image/jpeg, image/png, image/tiff, image/webp...): the original is its own archival
 *                 copy; "preview" JPEG (longest side <= opts->preview_px) and "thumbnail"
 *                 (<= opts->thumbnail_px), EXIF orientation applied, never upscaled.
 *   anything else: no outputs ("kind": "none").
 *   "public" (any kind but none, when want_public): a copy for publication. Video and audio:
 *                 the access copy's settings, after the redaction of opts->public_spec
 *                 (media/transcode_public.h: rectangles blurred or blacked out, whole pictures
 *                 blurred, sound muted or bleeped, each over its time range); photos: a JPEG
 *                 made from the decoded pixels (regions blacked out or blurred first), EXIF
 *                 orientation applied, longest side <= opts->public_max_px (0: full size),
 *                 its ICC profile kept only when it is not sRGB. No container, stream or
 *                 EXIF/XMP/GPS metadata of the source reaches it.
 */
#ifndef CS_MEDIA_TRANSCODE_H
#define CS_MEDIA_TRANSCODE_H

#include <jansson.h>

/** Called now and then (at most a few times a second) while a source is transcoded: percent
 * of the source's duration done (0..100; -1 when the duration is unknown) and frames per
 * second decoded so far. */
typedef void (*cs_transcode_progress_fn)(void *arg, double percent, double fps);

typedef struct cs_transcode_opts {
    const char *out_dir; /* existing folder for the outputs (the caller removes them) */
    const char *stem;    /* file name stem: outputs are <out_dir>/<stem>.<profile>.<ext> */
    /* Which profiles to make: a profile not wanted is skipped (and not listed). */
    int want_archival, want_access, want_preview, want_thumbnail;
    /* "public" (media/transcode_public.c): the access copy's encoders behind the redaction
     * of public_spec (NULL: none); a photo re-encoded from its pixels, public_max_px on its
     * longest side (0: full size). Never a byte of the source's metadata. */
    int want_public;
    const json_t *public_spec;
    int public_max_px;
    int archival_slices;       /* FFV1 slices per frame: 4, 6, 9, 12, 16, 24 (>= 4) */
    int access_crf;            /* libx264 CRF, 0..51 */
    const char *access_preset; /* libx264 preset name, e.g. "veryfast" */
    int access_max_lines;      /* most lines on the short side of the access copy */
    int access_audio_kbps;     /* AAC bit rate of the access copy, kbit/s */
    int preview_px;            /* longest side of a photo's preview */
    int thumbnail_px;          /* longest side of a photo's thumbnail */
    int jpeg_quality;          /* 2 (best) .. 31: the mjpeg encoder's qscale for photos */
    int threads;               /* codec threads; 0: one per core */
    /* The archival copy's target (the format policy's, indexer/policy.h): NULL or "ffv1"
     * (FFV1/FLAC in Matroska; audio FLAC), "h264" (a recording as H.264 High, archival_crf
     * and archival_preset, at the source's size, pixel aspect and frame timing, every frame
     * kept, interlace kept; AAC at archival_audio_kbps; MP4 with +faststart) or "jpeg" (a
     * photo as one full-size JPEG at mjpeg qscale archival_qscale, upright, ICC kept). */
    const char *archival_target;
    int archival_crf;                  /* libx264 CRF of an "h264" archival copy */
    const char *archival_preset;       /* its libx264 preset */
    int archival_audio_kbps;           /* its AAC bit rate, kbit/s */
    int archival_qscale;               /* a "jpeg" archival copy's mjpeg qscale, 1..31 */
    cs_transcode_progress_fn progress; /* may be NULL */
    void *progress_arg;
} cs_transcode_opts_t;

/** Transcodes the regular file at `path` (`media_type` as sniffed; may be NULL). On success
 * returns 0 and sets *result to a new object:
 *
 *   {"kind": "video" | "audio" | "photo" | "none",
 *    "source": {"frames": 300 | null, "duration_s": 10.0 | null},   (frames: video frames
 *               decoded from the first video stream in this pass; null for audio/photo/none)
 *    "outputs": [{
 *       "profile": "archival" | "access" | "preview" | "thumbnail",
 *       "path": "<out_dir>/<stem>.archival.mkv",      (absent when nothing was written)
 *       "media_type": "video/x-matroska" | "video/mp4" | "audio/flac" | "audio/mp4" |
 *                     "image/jpeg",
 *       "status": "verified" | "failed",
 *       "reason": "one line a clerk can read"           (only when failed),
 *       "container": "matroska" | "mp4" | "flac" | "ipod" | "mjpeg" ...,
 *       "encoders": {"video": "ffv1", "audio": "flac"}   (each absent when not used),
 *       "libraries": {"libavcodec": "59.37.100", "libavformat": "...", "libavfilter": "...",
 *                     "libswscale": "...", "libswresample": "...", "libavutil": "..."},
 *       "params": {"video": {"level": 3, "g": 1, "slicecrc": 1, "slices": 4, ...},
 *                  "audio": {...}, "filters": "transpose=clock,scale=..."}   (exactly what
 *                  was set on the encoders and filter graph),
 *       "width": 1280, "height": 720,                   (video and photo outputs)
 *       "duration_s": 10.0, "frames": 300,              (as decoded back by verification;
 *                                                        frames: video frames, or null)
 *       "rotation": 0 | 90 | 180 | 270                  (display rotation the output still
 *                                                        carries; access/preview: 0)
 *    }, ...]}
 *
 * Verification decodes every packet of each output without an error, proves the file on disk
 * holds exactly those packets, and checks: the
 * archival copy has as many video frames as were decoded from the source; every copy's
 * duration agrees with the source's within one frame or 20 ms, whichever is larger; photo
 * outputs fit their bound. A failed output keeps its "path" if a file was written (the
 * caller deletes it) and says why; the other outputs go on.
 *
 * Media that cannot be decoded at all is not an error either: the result has the outputs
 * that were wanted, each failed with the reason. Returns a negative CS_E* code (*result NULL,
 * detail in cs_diag()) only when the source cannot be opened (CS_ENOENT, CS_EACCES,
 * CS_ENOTREG), out_dir cannot be written (CS_EIO, CS_ENOSPC...) or memory runs out. */
int cs_transcode_file(const char *path, const char *media_type, const cs_transcode_opts_t *opts,
                      json_t **result);

#endif
