/* fuzz/fuzz.h: what the libFuzzer targets share: the entry points, a check that names the
 * broken property before aborting (libFuzzer keeps the input as a crash), and a file that
 * holds the current input for code that only reads paths. Header only: each target is one
 * program built from one file. */
#ifndef CS_FUZZ_FUZZ_H
#define CS_FUZZ_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code promises; when it fails, the input is a bug even without a crash. */
#define CS_FUZZ_CHECK(cond, ...)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: broken: %s: ", __FILE__, __LINE__, #cond);                     \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A memory file the input is written to, and a path that opens it afresh. */
typedef struct cs_fuzz_file {
    int fd;
    char path[64];
} cs_fuzz_file_t;

/* Creates the file once per process; aborts if it cannot (the target cannot run). */
static inline void
cs_fuzz_file_init(cs_fuzz_file_t *f, const char *name)
{
    f->fd = memfd_create(name, MFD_CLOEXEC);
    if (f->fd < 0) {
        fprintf(stderr, "memfd_create: %s\n", strerror(errno));
        abort();
    }
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

/* Makes the file hold exactly data[0..size). */
static inline void
cs_fuzz_file_set(cs_fuzz_file_t *f, const void *data, size_t size)
{
    const char *p = data;
    size_t done = 0;
    if (ftruncate(f->fd, 0) != 0)
        abort();
    while (done < size) {
        ssize_t n = pwrite(f->fd, p + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
}

/* A NUL-terminated copy of data[0..size) (the caller frees it); aborts without memory. */
static inline char *
cs_fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
