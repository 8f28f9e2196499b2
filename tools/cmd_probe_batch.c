/* tools/cmd_probe_batch.c: `custody probe`'s files asked for in batches. One "probe" request
 * carries up to PROBE_BATCH files; its worker writes each record as a raw line
 * (ingest/worker.h), which is checked to be one JSON object (core/jsoncheck.h) and kept as
 * text, never parsed into a tree: parsing and writing out again cost the CLI more than the
 * worker's parsing of the photos. A batch is tried once: when its worker crashes, hangs or
 * writes a line not taken, the files it did not answer are asked for again one by one as
 * "extract" requests, so a hostile file fails alone, exactly as when every file was its own
 * request (retries, timeout and reason the same). */
#include "tools/cmd_probe.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/jsoncheck.h"
#include "core/reason.h"
#include "indexer/sniff.h"
#include "media/extract.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct probe_batch {
    probe_run_t *run;
    size_t idx[PROBE_BATCH]; /* the files asked for, by index in run->paths */
    size_t n, got;           /* asked for, answered */
} probe_batch_t;

/* The folder realpath() gave for the file before, kept for its neighbours. */
typedef struct folder {
    char name[PATH_MAX]; /* as named */
    char abs[PATH_MAX];  /* realpath() of it; "" when unknown */
} folder_t;

/* realpath(path, abs), without a readlink() of every component for each file of a folder:
 * a file that is not a symbolic link resolves to its folder's real path and its own name. */
static char *
real_path(folder_t *f, const char *path, char *abs)
{
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : NULL;
    struct stat st;
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    if (name == NULL || dlen == 0 || dlen >= sizeof f->name || *name == '\0' ||
        strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || lstat(path, &st) != 0 ||
        S_ISLNK(st.st_mode))
        return realpath(path, abs);
    if (strlen(f->name) != dlen || memcmp(f->name, path, dlen) != 0 || f->abs[0] == '\0') {
        memcpy(f->name, path, dlen);
        f->name[dlen] = '\0';
        if (realpath(f->name, f->abs) == NULL) {
            f->abs[0] = '\0';
            return realpath(path, abs);
        }
    }
    if (cs_snprintf(abs, PATH_MAX, "%s/%s", strcmp(f->abs, "/") == 0 ? "" : f->abs, name) != 0)
        return realpath(path, abs);
    return abs;
}

/* The request for one file: its sniffed type and its mtime as the last-resort time. */
static json_t *
request_for(folder_t *folder, const char *path, const char *default_tz, char *abs)
{
    unsigned char head[512];
    struct stat st;
    char mtime[CS_TIME_MAX];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0) {
        cs_diag_set("%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        cs_diag_set("%s: not a regular file", path);
        return NULL;
    }
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (real_path(folder, path, abs) == NULL && cs_snprintf(abs, PATH_MAX, "%s", path) != 0) {
        cs_diag_set("%.200s...: the path is longer than %d bytes", path, PATH_MAX - 1);
        return NULL;
    }
    cs_clock_format_ns((int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, mtime);
    json_t *hints = json_pack("{s:s}", "source_mtime", mtime);
    if (hints != NULL && default_tz != NULL && *default_tz)
        json_object_set_new(hints, "default_tz", json_string(default_tz));
    return json_pack("{s:s, s:s, s:o}", "path", abs, "media_type",
                     cs_sniff_media_type(head, n > 0 ? (size_t)n : 0), "hints", hints);
}

/* 1 when file i is answered already (it cannot be read, or it needs no worker). */
static int
prepare(probe_run_t *run, size_t i)
{
    char abs[PATH_MAX];
    probe_job_t *j = &run->jobs[i];
    static folder_t folder; /* one probe a process */
    j->req = request_for(&folder, run->paths[i], run->cli->cfg.ingest_default_tz, abs);
    if (j->req == NULL) {
        cs_snprintf_cut(j->a.reason, sizeof j->a.reason, "%s", cs_diag()); /* for people */
        j->a.rc = CS_EINVAL;
        j->a.done = 1;
        return 1;
    }
    j->type = json_string_value(json_object_get(j->req, "media_type"));
    if (!cs_extract_wanted(j->type)) {
        j->a.done = 1;
        j->a.result = cs_extract_unrecognised();
        return 1;
    }
    /* The record's "file" is the name as given; the worker sets it (the path is absolute). */
    json_object_set_new(j->req, "file", json_string(run->paths[i]));
    return 0;
}

/* One raw line of a batch: "<k>,{record}" or "<k>,null,\"why\"", k the next file's. */
static int
on_raw(void *arg, const char *bytes, size_t len)
{
    probe_batch_t *b = arg;
    size_t k = 0, i = 0;
    while (i < len && bytes[i] >= '0' && bytes[i] <= '9' && k <= PROBE_BATCH)
        k = k * 10 + (size_t)(bytes[i++] - '0');
    if (i == 0 || i >= len || bytes[i++] != ',' || k != b->got || k >= b->n)
        return -1;
    probe_job_t *j = &b->run->jobs[b->idx[k]];
    const char *rest = bytes + i;
    size_t rlen = len - i;
    if (rlen >= 5 && memcmp(rest, "null,", 5) == 0) {
        /* What the pool makes of a worker's ok:false, word for word. */
        json_t *why = json_loadb(rest + 5, rlen - 5, JSON_DECODE_ANY, NULL);
        cs_reason_t r;
        if (!json_is_string(why)) {
            json_decref(why);
            return -1;
        }
        cs_reason_set(&r, CS_R_MEDIA_ERROR, NULL, "%s", json_string_value(why));
        json_decref(why);
        cs_worker_answer_cb(&j->a, CS_EWORKER, NULL, &r);
    } else {
        if (cs_json_check_object(rest, rlen) != 0 || (j->text = malloc(rlen)) == NULL)
            return -1;
        memcpy(j->text, rest, rlen);
        j->len = rlen;
        j->a.done = 1;
    }
    b->got++;
    return 0;
}

/* The batch is over: what it did not answer is asked for one file a request. */
static void
on_batch(void *arg, int rc, json_t *result, const cs_reason_t *why)
{
    probe_batch_t *b = arg;
    (void)rc;
    (void)result;
    (void)why;
    for (size_t k = b->got; k < b->n; k++) {
        probe_job_t *j = &b->run->jobs[b->idx[k]];
        if (cs_workers_submit(b->run->workers, "extract", j->req, cs_worker_answer_cb, &j->a) != 0)
            cs_worker_fail_now(&j->a, cs_worker_answer_cb, cs_diag());
    }
    free(b);
}

size_t
cs_probe_start_batch(probe_run_t *run, size_t next)
{
    probe_batch_t *b = calloc(1, sizeof *b);
    json_t *files = json_array(), *fields = json_pack("{s:i}", "threads", run->threads);
    int rc =
        b != NULL && files != NULL && fields != NULL && json_object_set(fields, "files", files) == 0
            ? 0
            : CS_ENOMEM;
    if (b != NULL)
        b->run = run;
    for (; next < run->n && (b == NULL || b->n < PROBE_BATCH); next++) {
        if (prepare(run, next))
            continue;
        if (rc == 0 && json_array_append(files, run->jobs[next].req) != 0)
            rc = CS_ENOMEM;
        if (b != NULL)
            b->idx[b->n++] = next;
        else
            cs_worker_fail_now(&run->jobs[next].a, cs_worker_answer_cb, "out of memory");
    }
    if (b != NULL && b->n > 0) {
        if (rc == 0)
            rc = cs_workers_submit_raw(run->workers, "probe", fields, on_batch, NULL, on_raw, b);
        if (rc != 0)
            for (size_t k = 0; k < b->n; k++)
                cs_worker_fail_now(&run->jobs[b->idx[k]].a, cs_worker_answer_cb,
                                   rc == CS_ENOMEM ? "out of memory" : cs_diag());
    }
    if (b != NULL && (b->n == 0 || rc != 0))
        free(b);
    json_decref(files);
    json_decref(fields);
    return next;
}
