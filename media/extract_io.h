/* media/extract_io.h: untrusted files read by libavformat through a descriptor we opened,
 * never by name: a hostile playlist or reference movie cannot make FFmpeg open other files
 * or URLs, and names with '%' are never taken for image-sequence patterns. Used by
 * extraction (media/extract.c) and transcoding (media/transcode_src.c), in the worker. */
#ifndef CS_MEDIA_EXTRACT_IO_H
#define CS_MEDIA_EXTRACT_IO_H

#include <libavformat/avformat.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cs_avio_file {
    int fd; /* -1 when closed */
    int64_t size;
    struct timespec deadline; /* reads stop after it; {0, 0}: never */
    AVIOContext *pb;
    AVFormatContext *fmt; /* allocated by cs_avio_file_open; NULL after a failed open_input */
} cs_avio_file_t;

/** Opens the regular file at `path` (O_NONBLOCK: a FIFO cannot block) and allocates f->fmt to
 * read it through f->pb (`bufsize` bytes of buffer), with every other URL refused and, when
 * `deadline_s` > 0, reads stopped that many seconds from now. Then call
 * avformat_open_input(&f->fmt, "", ...): the empty URL keeps name-based guessing out of
 * probing. Returns 0, or CS_ENOENT / CS_EACCES / CS_ENOTREG / CS_ENOMEM with cs_diag() set;
 * close with cs_avio_file_close() either way. */
int cs_avio_file_open(cs_avio_file_t *f, const char *path, size_t bufsize, int deadline_s);

/** cs_avio_file_open in two steps, for a caller that may not need libavformat at all (a
 * photo whose own readers said everything): the descriptor, size and deadline first, the
 * AVIOContext and f->fmt when libavformat is wanted. Same returns as cs_avio_file_open. */
int cs_avio_file_open_fd(cs_avio_file_t *f, const char *path, int deadline_s);
int cs_avio_file_attach(cs_avio_file_t *f, const char *path, size_t bufsize);

/** 1 once f's deadline has passed (also the AVIOInterruptCB of f->fmt). */
int cs_avio_file_expired(void *f);

/** Closes the input (opened or not), the AVIOContext and the descriptor; safe to call twice. */
void cs_avio_file_close(cs_avio_file_t *f);

#endif
