/* media/extract_io.c: see extract_io.h. */
#include "media/extract_io.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
cs_avio_file_expired(void *opaque)
{
    const cs_avio_file_t *f = opaque;
    struct timespec now;
    if (f->deadline.tv_sec == 0 && f->deadline.tv_nsec == 0)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > f->deadline.tv_sec ||
           (now.tv_sec == f->deadline.tv_sec && now.tv_nsec >= f->deadline.tv_nsec);
}

static int
read_packet(void *opaque, uint8_t *buf, int size)
{
    cs_avio_file_t *f = opaque;
    ssize_t n;
    if (cs_avio_file_expired(f))
        return AVERROR_EXIT; /* every demuxer reads, not every one checks for interrupts */
    do
        n = read(f->fd, buf, (size_t)size);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return AVERROR(errno);
    return n == 0 ? AVERROR_EOF : (int)n;
}

static int64_t
seek_packet(void *opaque, int64_t offset, int whence)
{
    cs_avio_file_t *f = opaque;
    if (whence & AVSEEK_SIZE)
        return f->size;
    off_t r = lseek(f->fd, (off_t)offset, whence & ~AVSEEK_FORCE);
    return r < 0 ? AVERROR(errno) : (int64_t)r;
}

/* A demuxer asking to open another URL (playlists, reference movies) is refused. */
static int
refuse_io_open(AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
               AVDictionary **options)
{
    (void)s;
    (void)pb;
    (void)url;
    (void)flags;
    (void)options;
    return AVERROR(EPERM);
}

int
cs_avio_file_open_fd(cs_avio_file_t *f, const char *path, int deadline_s)
{
    struct stat st;
    int rc;

    memset(f, 0, sizeof *f);
    if ((f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0 ||
        fstat(f->fd, &st) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open %s: %s", path, strerror(errno));
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        cs_diag_set("%s is not a regular file", path);
        return CS_ENOTREG;
    }
    f->size = (int64_t)st.st_size;
    if (deadline_s > 0) {
        clock_gettime(CLOCK_MONOTONIC, &f->deadline);
        f->deadline.tv_sec += deadline_s;
    }
    return 0;
}

int
cs_avio_file_attach(cs_avio_file_t *f, const char *path, size_t bufsize)
{
    unsigned char *iobuf = NULL;
    int rc = CS_ENOMEM;

    if ((iobuf = av_malloc(bufsize)) == NULL ||
        (f->pb = avio_alloc_context(iobuf, (int)bufsize, 0, f, read_packet, NULL, seek_packet)) ==
            NULL)
        goto out;
    iobuf = NULL; /* pb owns it now (and may replace it) */
    if ((f->fmt = avformat_alloc_context()) == NULL)
        goto out;
    f->fmt->pb = f->pb;
    f->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    f->fmt->io_open = refuse_io_open;
    f->fmt->interrupt_callback.callback = cs_avio_file_expired;
    f->fmt->interrupt_callback.opaque = f;
    rc = 0;
out:
    av_free(iobuf);
    if (rc != 0)
        cs_diag_set("out of memory reading %s", path);
    return rc;
}

int
cs_avio_file_open(cs_avio_file_t *f, const char *path, size_t bufsize, int deadline_s)
{
    int rc = cs_avio_file_open_fd(f, path, deadline_s);
    return rc != 0 ? rc : cs_avio_file_attach(f, path, bufsize);
}

void
cs_avio_file_close(cs_avio_file_t *f)
{
    if (f->fmt != NULL && f->fmt->iformat != NULL)
        avformat_close_input(&f->fmt); /* leaves our AVIOContext alone (AVFMT_FLAG_CUSTOM_IO) */
    avformat_free_context(f->fmt);
    f->fmt = NULL;
    if (f->pb != NULL)
        av_freep(&f->pb->buffer);
    avio_context_free(&f->pb);
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}
