/* media/transcode_int.h: what the transcode*.c files share. Private to ingest/'s media
 * part: nothing outside it includes this (the interface is transcode.h); tests may. */
#ifndef CS_MEDIA_TRANSCODE_INT_H
#define CS_MEDIA_TRANSCODE_INT_H

#include "media/transcode.h"

#include <jansson.h>
#include <stddef.h>

/** Makes the "preview" and "thumbnail" outputs (each if wanted) of the photo at `path` and
 * appends their records (transcode.h) to `outputs`. A picture that cannot be decoded gives
 * failed records, not an error. Returns 0, or CS_ENOMEM / an I/O error writing out_dir. */
int cs_transcode_photo(const char *path, const cs_transcode_opts_t *o, json_t *outputs);

struct AVFrame;

/** Makes the "preview" and "thumbnail" outputs (each if wanted) of one decoded picture, shown
 * at width x height (its pixels' aspect applied) and turned by EXIF `orientation` (1..8); a
 * video's poster, the frame at `at_s` seconds (in the outputs' params). frame NULL: each
 * wanted output fails with `reason`. Appends their records like cs_transcode_photo(). Returns
 * 0, CS_EINVAL (a bound under 1), CS_ENOMEM or an I/O error writing out_dir. */
int cs_transcode_photo_frame(const struct AVFrame *frame, int width, int height, int orientation,
                             double at_s, const char *reason, const cs_transcode_opts_t *o,
                             json_t *outputs);

/** Makes a video's poster: the first frame of its first seconds that is neither near black
 * nor flat (else its first frame), as "preview" and "thumbnail" (each if wanted), upright by
 * the display rotation; appends their records. A video whose pictures cannot be decoded gives
 * failed records. Returns 0, or CS_ENOMEM / an I/O error writing out_dir. */
int cs_transcode_poster(const char *path, const cs_transcode_opts_t *o, json_t *outputs);

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
 * transcode_lane.c    each output encoding in a thread of its own, fed by the decode loop
 * transcode_queue.c   the bounded queues between those threads
 * transcode_check.c   each output's verifier: a thread decoding every packet written
 * transcode_digest.c  what proves a file holds the packets its verifier decoded
 * transcode_reread.c  reading the finished file back, without decoding, against the digests
 * transcode_verify.c  the verdict on an output: decoded, read back, as long as the source
 * transcode_mkv.c     the display rotation in the archival Matroska track header
 * transcode_poster.c  a video's poster frame, made into its preview and thumbnail */

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/murmur3.h>
#include <libswresample/swresample.h>
#include "media/extract_io.h"

#include <limits.h>
#include <pthread.h>

#define CS_TC_REASON 256    /* bytes of a reason, NUL included */
#define CS_TC_DURATIONS 256 /* frames an encoder may hold back (x264's lookahead and threads) */
#define CS_TC_DIAG 512      /* bytes of a thread's cs_diag(), NUL included */
#define CS_TC_QUEUE_MAX 64  /* items a queue between two threads holds at most */

/* A file read with libavformat through a descriptor we opened (media/extract_io.h); its fmt
 * is NULL after cs_tc_file_open when libavformat could not read the file. */
typedef cs_avio_file_t cs_tc_file_t;

/** Opens `path` and, when `probe`, reads its stream information (which may decode a few
 * frames). Returns a CS_E* code when the file cannot be opened (cs_diag set); 0 otherwise,
 * with f->fmt NULL and `why` set when libavformat cannot read it. Close with
 * cs_tc_file_close() either way. */
int cs_tc_file_open(cs_tc_file_t *f, const char *path, int probe, char *why, size_t size);
void cs_tc_file_close(cs_tc_file_t *f);

/** Opens a decoder for `st` with `threads` threads (0: one per core); `strict` checks CRCs,
 * makes any damage an error and threads slices only (verification). Returns 0 or an AVERROR;
 * *dec is NULL on error. */
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
    int64_t drop;     /* samples before the output's origin still to be dropped */
} cs_tc_ost_t;

struct cs_tc_checker;

/* One output file (transcode_out.c). */
typedef struct cs_tc_out {
    const char *profile, *ext, *muxer, *media_type;
    char path[PATH_MAX];
    AVFormatContext *mux;
    AVPacket *pkt;
    AVFrame *frame; /* scratch */
    cs_tc_ost_t *ost;
    int nb_ost;
    int written;  /* a file was created at path */
    int header;   /* its header was written */
    int finished; /* cs_tc_out_finish() ran */
    int failed;
    char reason[CS_TC_REASON];
    int rotation;   /* display rotation the copy carries */
    int pcm;        /* a "wav" archival copy of a recording of sound: PCM in WAV */
    int lossy;      /* an "h264" archival copy (transcode.h): the access copy's encoders at
                     * the source's size and timing, every stream, the display matrix kept */
    double frame_s; /* longest audio frame an encoder pads to, seconds */
    /* The access copy's clock starts at the source's first picture or sound: its frames are
     * moved back by `origin` (origin_tb), its audio starts at exactly 0 (padded or cut to it)
     * so that MP4's edit list skips just the AAC encoder's priming. */
    int has_origin;
    int64_t origin;
    AVRational origin_tb;
    json_t *params;       /* {"video": {...}, "audio": {...}, "filters": "..."} */
    const json_t *redact; /* "public": the redaction spec (transcode_public.h), or NULL */
    json_t *encoders;
    struct cs_tc_checker *check; /* its verifier, once the header is written */
} cs_tc_out_t;

/* The source being transcoded. */
typedef struct cs_tc_src {
    cs_tc_file_t file;
    unsigned nb_streams;      /* streams known when decoding began (a demuxer may add more) */
    AVCodecContext **dec;     /* per stream: NULL when not decoded */
    cs_tc_span_t *span;       /* per stream */
    int video, audio;         /* first decoded video / audio stream, or -1 */
    int64_t errors;           /* packets and frames that failed to decode */
    int64_t *packets, *bytes; /* per stream: read by cs_tc_run, for a reason nothing decoded */
    const char *why_audio;    /* why no audio stream decodes, or "" */
    double fps;               /* frames of the first stream decoded per second (cs_tc_run) */
} cs_tc_src_t;

/** 1 when o asks for the archival copy of a video in H.264 ("h264"), else 0. */
int cs_tc_archival_h264(const cs_transcode_opts_t *o);

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
/** Drains every stream, writes the trailer and closes the file (once: later calls return 0). */
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
 * its stream; reports progress (the caller reports the final 100). Each output encodes in a
 * thread of its own and is verified as it is written; all are finished (trailer written,
 * verifier done) when this returns. Returns 0, or CS_ENOMEM / an I/O error writing out_dir. */
int cs_tc_run(cs_tc_src_t *src, cs_tc_out_t *outs, int nb_outs, const cs_transcode_opts_t *o);

/* ---- Threads of a recording ---- */

/* What goes between two threads: a decoded frame of source stream `index`, or a packet. */
typedef struct cs_tc_item {
    AVFrame *frame;
    AVPacket *pkt;
    int index;
    size_t bytes;
} cs_tc_item_t;

void cs_tc_item_free(cs_tc_item_t *item);

/* A bounded queue from one thread to another: at most max_items, and beyond the first item at
 * most max_bytes; the producer waits while it is full. */
typedef struct cs_tc_queue {
    pthread_mutex_t lock;
    pthread_cond_t can_put, can_take;
    cs_tc_item_t items[CS_TC_QUEUE_MAX];
    unsigned head, count, max_items;
    size_t bytes, max_bytes;
    int closed;  /* the producer has put its last item */
    int stopped; /* the consumer takes no more: puts are refused */
    int why;     /* the consumer's CS_E* error when it stopped, or 0 */
    int ready;
} cs_tc_queue_t;

/** Returns 0 or CS_ENOMEM (cs_diag set). Destroy with cs_tc_queue_destroy() either way. */
int cs_tc_queue_init(cs_tc_queue_t *q, unsigned max_items, size_t max_bytes);
/** Puts *item at the end, waiting while the queue is full; the queue takes its references
 * (*item is zeroed). Returns 0, or when the consumer has stopped (*item is left to the caller)
 * the error it stopped on, or CS_ECANCELED. */
int cs_tc_queue_put(cs_tc_queue_t *q, cs_tc_item_t *item);
/** Takes the first item into *item, waiting while there is none. Returns 1, or 0 when the
 * producer has closed the queue and it is empty, or the consumer has stopped it. */
int cs_tc_queue_take(cs_tc_queue_t *q, cs_tc_item_t *item);
/** The producer's last word: takers get what is left, then 0. */
void cs_tc_queue_close(cs_tc_queue_t *q);
/** The consumer's: what is queued is freed and every later put is refused, with `why` (a
 * CS_E* error that ends the transcode) or CS_ECANCELED (0: the consumer is just done). What
 * the consumer wrote before stopping, the producer may read once a put is refused. */
void cs_tc_queue_stop(cs_tc_queue_t *q, int why);
void cs_tc_queue_destroy(cs_tc_queue_t *q);

/* One output's encoding thread (transcode_lane.c). Its rc and diag (a CS_E* error that ends
 * the whole transcode, and its cs_diag()) are written once: before it stops taking frames, or
 * as it ends. */
typedef struct cs_tc_lane {
    cs_tc_out_t *out;
    cs_tc_queue_t frames;
    pthread_t thread;
    int started;
    int taking; /* the decode loop's view: the lane still takes frames */
    int rc;
    char diag[CS_TC_DIAG];
} cs_tc_lane_t;

/** Starts out's verifier and the thread that encodes its frames. Returns 0 or CS_ENOMEM; end
 * with cs_tc_lane_end() either way. */
int cs_tc_lane_start(cs_tc_lane_t *l, cs_tc_out_t *out);
/** Hands the lane a reference to `frame` of source stream `index`, waiting while it is behind.
 * A lane that stopped (its output failed) is left out. Returns 0, CS_ENOMEM, or the error
 * (writing out_dir, memory) the lane stopped on, with cs_diag set. */
int cs_tc_lane_put(cs_tc_lane_t *l, int index, const AVFrame *frame);
/** No more frames: waits until the lane has finished its file and its verifier is done.
 * l->rc (and l->diag) then say whether the lane failed for good. */
void cs_tc_lane_end(cs_tc_lane_t *l);

/* One packet as a digest sees it: what a difference on disk is reported by. */
typedef struct cs_tc_pktrec {
    uint8_t hash[16]; /* of its bytes (H.264: its NAL units) */
    int64_t pts, dts; /* as written (stream time base; AV_NOPTS_VALUE) */
    int64_t rel_pts;  /* pts from the stream's first (0 in a container without timestamps) */
    uint32_t size;    /* bytes of the packet */
    uint32_t skip;    /* samples a decoder is told to skip at its start */
    uint8_t discard;  /* it is to be dropped */
} cs_tc_pktrec_t;

/* The digest of one stream's packets (transcode_digest.c): a count and a running MurmurHash3
 * of each packet's bytes, size, pts (from the stream's first: a muxer may shift every stream
 * alike), the samples a decoder is told to skip, and whether it is to be discarded; with
 * `keep`, each packet's record too, so that a file that differs can be told where. */
typedef struct cs_tc_digest {
    struct AVMurMur3 *hash, *one;
    int64_t packets;
    int64_t first_pts; /* of the first packet, AV_NOPTS_VALUE before */
    int nal;           /* H.264's NAL units: -1 after start codes, 1..4: after lengths; 0: no */
    int timed;         /* the container keeps timestamps: they count */
    int broken;        /* a packet's NAL units did not parse */
    int keep;          /* records are kept in recs */
    cs_tc_pktrec_t *recs;
    unsigned recs_size; /* bytes allocated (av_fast_realloc) */
} cs_tc_digest_t;

/** Starts a digest of the packets of a stream described by par (`keep`: with each packet's
 * record). Returns 0 or CS_ENOMEM. */
int cs_tc_digest_init(cs_tc_digest_t *d, const AVCodecParameters *par, int timed, int keep);
/** Adds pkt; its record goes to *rec when rec is not NULL. Returns 0 or CS_ENOMEM. */
int cs_tc_digest_add(cs_tc_digest_t *d, const AVPacket *pkt, cs_tc_pktrec_t *rec);
/** 1 when two digests are of the same packets. */
int cs_tc_digest_same(cs_tc_digest_t *a, cs_tc_digest_t *b);
/** Says in buf how packet `have` on disk differs from the one verified, `want` (empty when
 * they agree): "412 bytes on disk, 410 verified", "other bytes", "pts 1.240 s on disk, ...". */
void cs_tc_pktrec_diff(const cs_tc_pktrec_t *have, const cs_tc_pktrec_t *want, AVRational tb,
                       char *buf, size_t size);
/** Hashes codec `id`'s header `x` (len bytes: what a decoder is set up with) in a form the
 * container does not change (H.264: its parameter sets, after start codes or in an avcC).
 * Returns 0 or CS_ENOMEM. */
int cs_tc_digest_header(enum AVCodecID id, const uint8_t *x, int len, uint8_t hash[16]);
void cs_tc_digest_free(cs_tc_digest_t *d);

/* One stream of an output, as its verifier decodes it. */
typedef struct cs_tc_vstream {
    AVCodecContext *dec;
    cs_tc_span_t span;
    cs_tc_digest_t digest;
    int64_t next_pts; /* containers without timestamps: where the next packet starts */
    int skip;         /* samples of encoder padding a reader of the file is told to skip */
} cs_tc_vstream_t;

/* An output's verifier (transcode_check.c): every packet written is decoded in its thread. */
typedef struct cs_tc_checker {
    const char *profile;
    AVFormatContext *desc; /* the output's streams as they were written: codec, time base */
    cs_tc_vstream_t *vs;
    unsigned nb;
    int video;         /* first video stream, or -1 */
    int timed;         /* the container keeps timestamps */
    int width, height; /* of the first video stream's first picture */
    cs_tc_queue_t packets;
    AVFrame *frame;
    pthread_t thread;
    int started;
    /* Written by its thread, read once it has stopped its queue or ended. */
    int failed;
    char reason[CS_TC_REASON];
    int rc; /* CS_ENOMEM, and its cs_diag() */
    char diag[CS_TC_DIAG];
} cs_tc_checker_t;

/** Sets up out's verifier after its header is written: a strict decoder (CRCs checked, any
 * damage an error) per stream, as the stream was described to the muxer. A stream that cannot
 * be decoded fails the output. Returns 0 or CS_ENOMEM. */
int cs_tc_check_open(cs_tc_out_t *out, int threads);
/** Starts the verifier's thread. Returns 0 or CS_ENOMEM. */
int cs_tc_check_start(cs_tc_checker_t *c);
/** Hands the verifier a reference to `pkt` as it goes to the muxer (stream time base), waiting
 * while it is behind. Returns 0, CS_ENOMEM, or, when the verifier has stopped on a failure,
 * what cs_tc_check_failed() returns. */
int cs_tc_check_put(cs_tc_out_t *out, const AVPacket *pkt);
/** Marks `out` failed with its verifier's reason; returns the verifier's CS_E* error (with
 * cs_diag set) if it had one, else 0. */
int cs_tc_check_failed(cs_tc_out_t *out);
/** No more packets: waits for the verifier to decode the rest. Returns its CS_E* error (cs_diag
 * set) or 0; c->failed says whether what was written decodes. */
int cs_tc_check_end(cs_tc_checker_t *c);
void cs_tc_check_free(cs_tc_checker_t **c);

/* What verification found of an output. */
typedef struct cs_tc_check {
    int64_t frames; /* video frames of the first video stream; -1: no video */
    int width, height, rotation;
    double duration_s; /* -1: nothing decoded */
} cs_tc_check_t;

/** Reads the finished file at out->path back without decoding: the streams, their codec
 * headers and every packet must be those out's verifier decoded. Sets chk->rotation (the
 * file's first video stream's); a difference fails `out`. Returns 0 or CS_ENOMEM. */
int cs_tc_reread(cs_tc_out_t *out, cs_tc_check_t *chk);

/** The verdict on a finished output whose verifier is done: every packet decoded, the file
 * holds them (cs_tc_reread), the archival copy holds `frames` (-1: no check), and it lasts
 * `duration_s` within `tolerance_s`; fills *chk. A failure marks `out` failed. Returns 0 or
 * CS_ENOMEM. */
int cs_tc_verify(cs_tc_out_t *out, int64_t frames, double duration_s, double tolerance_s,
                 cs_tc_check_t *chk);

/* Tests only, NULL otherwise: called with each packet of a recording's output before it goes
 * to its verifier and muxer (in that output's thread), and with each finished file before it
 * is read back; a test damages them to see verification catch it. */
extern void (*cs_tc_before_write)(const char *profile, AVPacket *pkt);
extern void (*cs_tc_before_reread)(const char *profile, const char *path);

/** Writes the display `rotation` (clockwise, 90/180/270) of Matroska track `track` (1-based)
 * into the finished file's track header, which FFmpeg 5.1's muxer leaves out. Returns 0, a
 * CS_E* I/O code, or CS_ECORRUPT with `why` set when the file is not laid out as expected. */
int cs_tc_mkv_rotate(const char *path, int track, int rotation, char *why, size_t size);

#endif
