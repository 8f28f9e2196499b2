/* media/worker_main.c: the worker side of ingest/worker.h. `custody-worker` reads one JSON
 * request a line on stdin and answers one line on stdout. It is a process of its own that
 * does one thing at a time, so blocking stdio is the simple and right tool here.
 *
 * Test-only faults: when (and only when) the environment has CUSTODY_TEST_FAULTS=1, an
 * "extract" whose file holds these bytes in its first 64 (after a JPEG marker, say, so that the
 * sniffer sends it to a worker) misbehaves on purpose, so that tests can
 * watch the supervisor cope with real crashes, hangs and runaway allocations:
 *   CUSTODY-TEST-CRASH  the worker dies of SIGSEGV;
 *   CUSTODY-TEST-HANG   it sleeps forever (the supervisor's timeout must kill it);
 *   CUSTODY-TEST-OOM    it allocates and touches memory until malloc fails, then aborts
 *                       (RLIMIT_AS, --rlimit-as-mb, is what stops it).
 * The same markers work for "transcode". Without the variable these bytes are ordinary
 * content, extracted like any other. */
#include "ingest/worker.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/log.h"
#include "media/extract.h"
#include "media/transcode.h"
#include "media/worker_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_MAX (64 * 1024) /* requests carry a path and a few words */
#define OOM_CHUNK (16 * 1024 * 1024)
#define OUT_BUF (64 * 1024)

static void
test_fault(const char *path)
{
    static const char crash[] = "CUSTODY-TEST-CRASH", hang[] = "CUSTODY-TEST-HANG",
                      oom[] = "CUSTODY-TEST-OOM";
    const char *env = getenv("CUSTODY_TEST_FAULTS");
    char head[64] = "";
    ssize_t n = -1;
    int fd;
    if (env == NULL || strcmp(env, "1") != 0)
        return;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
        n = read(fd, head, sizeof head);
        close(fd);
    }
    if (n > 0 && memmem(head, (size_t)n, crash, strlen(crash)) != NULL) {
        signal(SIGSEGV, SIG_DFL); /* a real death by signal, even under a sanitizer */
        raise(SIGSEGV);
    } else if (n > 0 && memmem(head, (size_t)n, hang, strlen(hang)) != NULL) {
        for (;;)
            pause();
    } else if (n > 0 && memmem(head, (size_t)n, oom, strlen(oom)) != NULL) {
        for (;;) {
            /* Volatile stores: the compiler may not drop memory that is never read. */
            volatile char *p = malloc(OOM_CHUNK);
            if (p == NULL)
                abort();
            for (size_t i = 0; i < OOM_CHUNK; i += 4096)
                p[i] = 1;
        }
    }
}

/* Runs "extract": *result is the record, or *error says why there is none. */
void
cs_worker_extract(json_t *req, json_t **result, char *error, size_t size)
{
    const char *path = json_string_value(json_object_get(req, "path"));
    const char *media_type = json_string_value(json_object_get(req, "media_type"));
    int rc;
    if (path == NULL) {
        cs_snprintf_cut(error, size, "extract needs a \"path\"");
        return;
    }
    test_fault(path);
    if ((rc = cs_extract_file(path, media_type, json_object_get(req, "hints"), result)) != 0)
        cs_snprintf_cut(error, size, "%s", cs_diag()[0] != '\0' ? cs_diag() : cs_strerror(rc));
}

/* Where progress lines of the running request go. */
typedef struct progress_ctx {
    FILE *out;
    json_t *id;
    struct timespec last;
} progress_ctx_t;

/* Writes {"id":N,"progress":{...}} at most 4 times a second, and always at 100 %. */
static void
on_progress(void *arg, double percent, double fps)
{
    progress_ctx_t *p = arg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms =
        (now.tv_sec - p->last.tv_sec) * 1000LL + (now.tv_nsec - p->last.tv_nsec) / 1000000;
    if (ms < 250 && percent < 100)
        return;
    p->last = now;
    json_t *line =
        json_pack("{s:O?, s:{s:f, s:f}}", "id", p->id, "progress", "percent", percent, "fps", fps);
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    if (text != NULL) {
        fprintf(p->out, "%s\n", text);
        fflush(p->out);
    }
    free(text);
    json_decref(line);
}

static int
opt_int(json_t *options, const char *key, int def)
{
    json_t *v = json_object_get(options, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : def;
}

/* 1 if `profile` is in the request's "profiles". */
static int
wants(json_t *req, const char *profile)
{
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(req, "profiles"), i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), profile) == 0)
            return 1;
    }
    return 0;
}

/* Runs "transcode" (fields: ingest/derive.c): *result is transcode.h's record. */
static void
step_transcode(json_t *req, FILE *out, json_t **result, char *error, size_t size)
{
    const char *path = json_string_value(json_object_get(req, "path"));
    const char *out_dir = json_string_value(json_object_get(req, "out_dir"));
    const char *stem = json_string_value(json_object_get(req, "stem"));
    json_t *options = json_object_get(req, "options");
    progress_ctx_t pc = {.out = out, .id = json_object_get(req, "id")};
    int rc;
    if (path == NULL || out_dir == NULL || stem == NULL) {
        cs_snprintf_cut(error, size, "transcode needs a \"path\", an \"out_dir\" and a \"stem\"");
        return;
    }
    test_fault(path);
    cs_transcode_opts_t o = {
        .out_dir = out_dir,
        .stem = stem,
        .want_archival = wants(req, "archival"),
        .want_access = wants(req, "access"),
        .want_preview = wants(req, "preview"),
        .want_thumbnail = wants(req, "thumbnail"),
        .want_public = wants(req, "public"),
        .public_spec = json_object_get(req, "spec"),
        .public_max_px = opt_int(options, "public_max_px", 0),
        .archival_slices = opt_int(options, "archival_slices", 4),
        .access_crf = opt_int(options, "access_crf", 23),
        .access_preset = json_string_value(json_object_get(options, "access_preset")),
        .access_max_lines = opt_int(options, "access_max_lines", 720),
        .access_audio_kbps = opt_int(options, "access_audio_kbps", 128),
        .preview_px = opt_int(options, "preview_px", 1600),
        .thumbnail_px = opt_int(options, "thumbnail_px", 256),
        .jpeg_quality = opt_int(options, "jpeg_quality", 3),
        .threads = opt_int(options, "threads", 0),
        .archival_target = json_string_value(json_object_get(options, "archival_target")),
        .archival_crf = opt_int(options, "archival_crf", 18),
        .archival_preset = json_string_value(json_object_get(options, "archival_preset")),
        .archival_audio_kbps = opt_int(options, "archival_audio_kbps", 256),
        .archival_qscale = opt_int(options, "archival_qscale", 2),
        .progress = on_progress,
        .progress_arg = &pc,
    };
    if (o.access_preset == NULL)
        o.access_preset = "veryfast";
    if (o.archival_preset == NULL)
        o.archival_preset = "slow";
    clock_gettime(CLOCK_MONOTONIC, &pc.last);
    rc = cs_transcode_file(path, json_string_value(json_object_get(req, "media_type")), &o, result);
    if (rc != 0)
        cs_snprintf_cut(error, size, "%s", cs_diag()[0] != '\0' ? cs_diag() : cs_strerror(rc));
}

/* The answer to one request line; NULL when memory runs out or a probe's line could not be
 * written. */
static json_t *
answer(const char *line, size_t len, FILE *out)
{
    json_t *req = json_loadb(line, len, 0, NULL), *result = NULL, *ans;
    json_t *id = json_object_get(req, "id");
    const char *step = json_string_value(json_object_get(req, "step"));
    char error[1024] = "";
    if (!json_is_object(req))
        cs_snprintf_cut(error, sizeof error, "the request is not a JSON object");
    else if (step == NULL)
        cs_snprintf_cut(error, sizeof error, "the request has no \"step\"");
    else if (strcmp(step, "ping") == 0)
        result = json_pack("{s:i}", "pid", (int)getpid());
    else if (strcmp(step, "extract") == 0)
        cs_worker_extract(req, &result, error, sizeof error);
    else if (strcmp(step, "transcode") == 0)
        step_transcode(req, out, &result, error, sizeof error);
    else if (strcmp(step, "probe") == 0) {
        if (cs_worker_probe(req, out, &result, error, sizeof error) != 0) {
            json_decref(req);
            return NULL;
        }
    } else
        cs_snprintf_cut(error, sizeof error, "unknown step \"%.200s\"", step);
    if (error[0] != '\0')
        ans = json_pack("{s:O?, s:b, s:s}", "id", id, "ok", 0, "error", error);
    else
        ans = json_pack("{s:O?, s:b, s:o?}", "id", id, "ok", 1, "result", result);
    if (error[0] != '\0')
        json_decref(result);
    json_decref(req);
    return ans;
}

/* Reads one line of at most size - 1 bytes into buf (unlocked: only this thread reads stdin); a
 * longer one is consumed and reported as *too_long. Returns its length without the '\n', or -1 at
 * the end of input. */
static ssize_t
read_line(FILE *in, char *buf, size_t size, int *too_long)
{
    size_t len = 0;
    int c;
    *too_long = 0;
    while ((c = getc_unlocked(in)) != EOF && c != '\n') {
        if (len + 1 < size)
            buf[len++] = (char)c;
        else
            *too_long = 1;
    }
    if (c == EOF && len == 0 && !*too_long)
        return -1;
    return (ssize_t)len;
}

int
cs_worker_main(const char *home)
{
    static char line[REQUEST_MAX];
    struct rlimit no_core = {0, 0};
    FILE *out = NULL;
    json_t *ans;
    char *text;
    ssize_t len;
    int fd, too_long, rc = 0;

    (void)home; /* nothing in the home tunes extraction yet */
    signal(SIGPIPE, SIG_IGN);
    /* A core dump would copy evidence out of the store. */
    setrlimit(RLIMIT_CORE, &no_core);
    cs_extract_limits(); /* a header's claim of gigabytes is refused, not allocated */
    /* Answers get a descriptor of their own and fd 1 becomes stderr: a library that prints
     * to stdout must not corrupt the protocol. */
    if ((fd = dup(STDOUT_FILENO)) < 0 || (out = fdopen(fd, "w")) == NULL ||
        dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        cs_log(CS_LOG_ERROR, "worker.setup_failed", json_pack("{s:s}", "error", strerror(errno)));
        if (out == NULL && fd >= 0)
            close(fd);
        rc = 1;
        goto out;
    }
    /* Room for a probe's raw lines between flushes (worker_probe.c); every answer is flushed. */
    static char outbuf[OUT_BUF]; /* glibc ignores the size when it makes the buffer itself */
    setvbuf(out, outbuf, _IOFBF, sizeof outbuf);
    while ((len = read_line(stdin, line, sizeof line, &too_long)) >= 0) {
        if (too_long)
            ans = json_pack("{s:n, s:b, s:s}", "id", "ok", 0, "error", "the request is too long");
        else
            ans = answer(line, (size_t)len, out);
        /* 15 digits: all a double holds of a decimal value, without binary noise. */
        text = ans ? json_dumps(ans, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
        json_decref(ans);
        if (text == NULL || fprintf(out, "%s\n", text) < 0 || fflush(out) != 0) {
            /* Out of memory, or the service is gone: either way this worker is done. */
            free(text);
            rc = 1;
            break;
        }
        free(text);
    }
out:
    if (out != NULL)
        fclose(out);
    return rc;
}
