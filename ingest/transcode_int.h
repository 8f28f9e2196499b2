/* ingest/transcode_int.h: what the transcode*.c files share. Private to ingest/'s media
 * part: nothing outside it includes this (the interface is transcode.h); tests may. */
#ifndef CS_INGEST_TRANSCODE_INT_H
#define CS_INGEST_TRANSCODE_INT_H

#include "ingest/transcode.h"

#include <jansson.h>
#include <stddef.h>

/** Makes the "preview" and "thumbnail" outputs (each if wanted) of the photo at `path` and
 * appends their records (transcode.h) to `outputs`. A picture that cannot be decoded gives
 * failed records, not an error. Returns 0, or CS_ENOMEM / an I/O error writing out_dir. */
int cs_transcode_photo(const char *path, const cs_transcode_opts_t *o, json_t *outputs);

/** A new {"libavcodec": "59.37.100", ...} object of the libraries' run-time versions, or NULL
 * when memory runs out. */
json_t *cs_transcode_libraries(void);

/** Writes "<out_dir>/<stem>.<profile>.<ext>" to buf. Returns 0 or CS_ENAMETOOLONG. */
int cs_transcode_out_path(const cs_transcode_opts_t *o, const char *profile, const char *ext,
                          char *buf, size_t size);

/* ---- Recordings (video and audio): one decode of the source feeds every encoder. ----
 * transcode.c         cs_transcode_file(): the kind of source, the outputs, the record
 * transcode_src.c     opening files through our own descriptor, decoders, timestamps
 * transcode_run.c     the decode loop that hands each frame to every output stream
 * transcode_out.c     an output file: muxer, encode and write, finish
 * transcode_video.c   FFV1 (archival) and libx264 (access) streams
 * transcode_filter.c  the access copy's filter graph: rotation, size, pixel format
 * transcode_audio.c   FLAC and AAC streams: resampling and fixed-size frames
 * transcode_verify.c  decoding an output back and checking it against the source
 * transcode_mkv.c     the display rotation in the archival Matroska track header */

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
#include "indexer/extract_io.h"

#include <limits.h>

#define CS_TC_REASON 256    /* bytes of a reason, NUL included */
#define CS_TC_DURATIONS 256 /* frames an encoder may hold back (x264's lookahead and threads) */

/* A file read with libavformat through a descriptor we opened (indexer/extract_io.h); its fmt
 * is NULL after cs_tc_file_open when libavformat could not read the file. */
typedef cs_avio_file_t cs_tc_file_t;

/** Opens `path` and reads its stream information. Returns a CS_E* code when the file cannot
 * be opened (cs_diag set); 0 otherwise, with f->fmt NULL and `why` set when libavformat cannot
 * read it. Close with cs_tc_file_close() either way. */
int cs_tc_file_open(cs_tc_file_t *f, const char *path, char *why, size_t size);
void cs_tc_file_close(cs_tc_file_t *f);

/** Opens a decoder for `st` with `threads` threads (0: one per core); `strict` checks CRCs
 * and makes any damage an error (verification). Returns 0 or an AVERROR; *dec is NULL on
 * error. */
int cs_tc_decoder_open(const AVStream *st, int threads, int strict, AVCodecContext **dec);

/** The clockwise rotation (0, 90, 180, 270) that shows st's pictures upright. */
int cs_tc_rotation(const AVStream *st);

/** Formats a reason into buf (size bytes); one too long for it ends in "...". */
void cs_tc_reason(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Formats "<what>: <FFmpeg's message for averr>" into buf; returns CS_ENOMEM (cs_diag set)
 * when averr says memory ran out, else 0. */
int cs_tc_averr(int averr, const char *what, char *buf, size_t size);

/* Where the frames of one stream start and end, as they are decoded. */
typedef struct cs_tc_span {
    int64_t frames;
    int64_t next_pts;   /* stream time base: where the last frame ended (AV_NOPTS_VALUE) */
    int64_t last_pts;   /* pts of the last frame (AV_NOPTS_VALUE) */
    int64_t last_delta; /* pts step between the last two frames (0: unknown) */
    double start_s, end_s;
} cs_tc_span_t;

/** a + b, held at INT64_MIN + 1 .. INT64_MAX: timestamps come from untrusted files. */
int64_t cs_tc_add(int64_t a, int64_t b);

void cs_tc_span_init(cs_tc_span_t *s);
/** Gives `frame` its pts (best-effort timestamp, or where the previous frame ended) and
 * time base (st's), and adds it to the span. */
void cs_tc_span_add(cs_tc_span_t *s, const AVStream *st, AVFrame *frame);

/* One stream of an output, fed from source stream `in`. */
typedef struct cs_tc_ost {
    int in;
    AVStream *st;
    AVCodecContext *enc;
    int64_t last_pts; /* last pts given to the encoder (its time base), or AV_NOPTS_VALUE */
    /* video: the pictures it was set up for */
    int width, height, pix_fmt;
    AVFilterGraph *graph; /* the access filter graph; NULL: frames go straight in */
    AVFilterContext *bsrc, *bsink;
    /* how long the frames in the encoder last, by pts: x264 does not say on its packets */
    int64_t dur_pts[CS_TC_DURATIONS], dur[CS_TC_DURATIONS];
    unsigned dur_next;
    /* audio: resampled into a FIFO, cut into frames of enc->frame_size */
    SwrContext *swr;
    AVAudioFifo *fifo;
    int in_rate, in_fmt;
    AVChannelLayout in_layout;
    int64_t next_pts; /* of the next sample to encode (1/sample_rate); AV_NOPTS_VALUE first */
} cs_tc_ost_t;

/* One output file (transcode_out.c). */
typedef struct cs_tc_out {
    const char *profile, *ext, *muxer, *media_type;
    char path[PATH_MAX];
    AVFormatContext *mux;
    AVPacket *pkt;
    AVFrame *frame; /* scratch */
    cs_tc_ost_t *ost;
    int nb_ost;
    int written; /* a file was created at path */
    int header;  /* its header was written */
    int failed;
    char reason[CS_TC_REASON];
    int rotation;   /* display rotation the copy carries */
    double frame_s; /* longest audio frame an encoder pads to, seconds */
    json_t *params; /* {"video": {...}, "audio": {...}, "filters": "..."} */
    json_t *encoders;
} cs_tc_out_t;

/* The source being transcoded. */
typedef struct cs_tc_src {
    cs_tc_file_t file;
    unsigned nb_streams;  /* streams known when decoding began (a demuxer may add more) */
    AVCodecContext **dec; /* per stream: NULL when not decoded */
    cs_tc_span_t *span;   /* per stream */
    int video, audio;     /* first decoded video / audio stream, or -1 */
    int64_t errors;       /* packets and frames that failed to decode */
    double fps;           /* frames of the first stream decoded per second (cs_tc_run) */
} cs_tc_src_t;

/** Prepares `out` for `profile` ("archival" or "access") of a video (`audio_only` 0) or an
 * audio-only source. Returns 0 or CS_ENOMEM / CS_ENAMETOOLONG. */
int cs_tc_out_init(cs_tc_out_t *out, const cs_transcode_opts_t *o, const char *profile,
                   int audio_only);
/** Adds a stream fed from source stream `in`; NULL when memory runs out. */
cs_tc_ost_t *cs_tc_out_add(cs_tc_out_t *out, int in);
/** Creates the file and writes the header. */
int cs_tc_out_start(cs_tc_out_t *out);
/** Encodes `frame` (NULL: drains the encoder) and writes what comes out. */
int cs_tc_out_encode(cs_tc_out_t *out, cs_tc_ost_t *os, AVFrame *frame);
/** Marks the output failed with a reason (the first one stays): "<what>: <averr's message>"
 * when averr < 0. Returns CS_ENOMEM, or the CS_E* code of an I/O error writing out_dir, or 0.
 */
int cs_tc_out_fail(cs_tc_out_t *out, int averr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Drains every stream, writes the trailer and closes the file. */
int cs_tc_out_finish(cs_tc_out_t *out);
void cs_tc_out_free(cs_tc_out_t *out);

/** Sets up an FFV1 (archival) or libx264 (access) stream for source stream `in`. */
int cs_tc_video_open(cs_tc_out_t *out, const cs_tc_src_t *src, int in, int access,
                     const cs_transcode_opts_t *o);
/** Encodes one decoded frame (NULL: drains the filter graph). */
int cs_tc_video_feed(cs_tc_out_t *out, cs_tc_ost_t *os, AVFrame *frame);
/** How long the frame with `pts` that went into os's encoder lasts (its time base), or 0. */
int64_t cs_tc_video_duration(const cs_tc_ost_t *os, int64_t pts);

/** Builds os->graph from the filter chain `desc` for pictures like dec's (stream st's time
 * base). Returns 0 or an AVERROR. */
int cs_tc_filter_graph(cs_tc_ost_t *os, const AVStream *st, const AVCodecContext *dec,
                       const char *desc, int threads);
/** Describes the access copy's chain for pictures like dec's: the display rotation, a size
 * with at most max_lines on the short side (never larger, even, square pixels), yuv420p.
 * Returns 0 or CS_ENAMETOOLONG. */
int cs_tc_filter_access(const AVStream *st, const AVCodecContext *dec, int max_lines, char *desc,
                        size_t size);

/** Sets up a FLAC (archival) or AAC (access) stream for source stream `in`. */
int cs_tc_audio_open(cs_tc_out_t *out, const cs_tc_src_t *src, int in, int access,
                     const cs_transcode_opts_t *o);
/** Encodes one decoded frame (NULL: drains what is left). */
int cs_tc_audio_feed(cs_tc_out_t *out, cs_tc_ost_t *os, AVFrame *frame);

/** Decodes the source once to the end, handing every frame to every output stream fed from
 * its stream; reports progress (the caller reports the final 100). Returns 0, or CS_ENOMEM /
 * an I/O error writing out_dir. */
int cs_tc_run(cs_tc_src_t *src, cs_tc_out_t *outs, int nb_outs, const cs_transcode_opts_t *o);

/* What verification decoded back from an output. */
typedef struct cs_tc_check {
    int64_t frames; /* video frames of the first video stream; -1: no video */
    int width, height, rotation;
    double duration_s; /* -1: nothing decoded */
} cs_tc_check_t;

/** Decodes the written output to the end and fills *chk; a failure marks `out` failed.
 * `frames` is what the archival copy must hold (-1: no check), `duration_s` and `tolerance_s`
 * what every copy must last. Returns 0 or CS_ENOMEM. */
int cs_tc_verify(cs_tc_out_t *out, int64_t frames, double duration_s, double tolerance_s,
                 int threads, cs_tc_check_t *chk);

/** Writes the display `rotation` (clockwise, 90/180/270) of Matroska track `track` (1-based)
 * into the finished file's track header, which FFmpeg 5.1's muxer leaves out. Returns 0, a
 * CS_E* I/O code, or CS_ECORRUPT with `why` set when the file is not laid out as expected. */
int cs_tc_mkv_rotate(const char *path, int track, int rotation, char *why, size_t size);

#endif
