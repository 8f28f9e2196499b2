/* tools/cmd_probe.c: `custody probe`: the metadata record of files, stored nowhere. */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "media/extract.h"
#include "indexer/sniff.h"
#include "ingest/walk.h"
#include "ingest/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody probe [--json] [--home DIR] [--set k=v]... FILE|DIR...\n"
    "Prints the normalised metadata record of each file (capture time and how it was chosen,\n"
    "place, device, image and streams, every tag as read, what could not be read) without\n"
    "storing anything. The files are parsed in a media worker process, as on ingest.\n";

/* The request for one file: its sniffed type and its mtime as the last-resort time. */
static json_t *
request_for(const char *path, const char *default_tz, char *abs)
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
    if (realpath(path, abs) == NULL && cs_snprintf(abs, PATH_MAX, "%s", path) != 0) {
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

static void
print_human(const char *path, json_t *r)
{
    json_t *gps = json_object_get(r, "gps"), *dev = json_object_get(r, "device");
    json_t *media = json_object_get(r, "media"), *img = json_object_get(r, "image"), *e;
    const char *at = json_string_value(json_object_get(r, "captured_at"));
    size_t i;
    printf("%s\n", path);
    if (at != NULL) {
        /* As recorded (the camera's own offset), then as the site reads it (site.tz). */
        printf("  captured   %s (%s)\n", cs_cli_captured(at),
               json_string_value(json_object_get(r, "captured_at_source")));
        if (cs_clock_parse(at, &(int64_t){0}) == 0)
            printf("  site time  %s\n", cs_cli_time(at));
    } else if (json_is_string(json_object_get(r, "file_time"))) {
        printf("  captured   unknown (file time of the upload: %s)\n",
               cs_cli_time(json_string_value(json_object_get(r, "file_time"))));
    } else
        printf("  captured   unknown (no candidate)\n");
    if (json_is_object(gps))
        printf("  place      %.6f, %.6f%s\n", json_number_value(json_object_get(gps, "lat")),
               json_number_value(json_object_get(gps, "lon")),
               json_is_true(json_object_get(gps, "suspect")) ? " (suspect: 0,0)" : "");
    if (json_is_object(dev))
        printf("  device     %s %s\n", json_string_value(json_object_get(dev, "make")) ?: "",
               json_string_value(json_object_get(dev, "model")) ?: "");
    if (json_is_object(img))
        printf("  image      %lld x %lld\n",
               (long long)json_integer_value(json_object_get(img, "width")),
               (long long)json_integer_value(json_object_get(img, "height")));
    if (json_is_object(media))
        printf("  container  %s, %.3f s, %zu streams\n",
               json_string_value(json_object_get(media, "container")) ?: "?",
               json_number_value(json_object_get(media, "duration_s")),
               json_array_size(json_object_get(media, "streams")));
    if (json_is_string(json_object_get(json_object_get(r, "declared"), "note")))
        printf("  declared   %s\n",
               json_string_value(json_object_get(json_object_get(r, "declared"), "note")));
    json_array_foreach(json_object_get(r, "errors"), i, e)
        printf("  note       %s\n", json_string_value(e));
}

/* Files are collected first, then handed to the workers with a few in flight each, so that
 * every core parses; records are printed in the order the files were named. */
typedef struct probe_run {
    cs_cli_t *cli;
    uv_loop_t *loop;
    cs_workers_t *workers;
    char **paths;
    size_t n, cap;
    int failed;
    size_t printed; /* records written so far */
} probe_run_t;

typedef struct probe_job {
    cs_worker_answer_t a;
    json_t *req;
    const char *type;
} probe_job_t;

static int
collect(const char *path, void *arg)
{
    probe_run_t *run = arg;
    if (run->n == run->cap) {
        size_t cap = run->cap ? run->cap * 2 : 256;
        char **p = realloc(run->paths, cap * sizeof *p);
        if (p == NULL)
            return CS_ENOMEM;
        run->paths = p;
        run->cap = cap;
    }
    if ((run->paths[run->n] = strdup(path)) == NULL)
        return CS_ENOMEM;
    run->n++;
    return 0;
}

/* Starts the request for file i; a file the sniffer does not know needs no worker. */
static void
start(probe_run_t *run, probe_job_t *jobs, size_t i)
{
    char abs[PATH_MAX];
    probe_job_t *j = &jobs[i];
    j->req = request_for(run->paths[i], run->cli->cfg.ingest_default_tz, abs);
    if (j->req == NULL) {
        cs_snprintf_cut(j->a.reason, sizeof j->a.reason, "%s", cs_diag()); /* for people */
        j->a.rc = CS_EINVAL;
        j->a.done = 1;
        return;
    }
    j->type = json_string_value(json_object_get(j->req, "media_type"));
    if (!cs_extract_wanted(j->type)) {
        j->a.done = 1;
        j->a.result = cs_extract_unrecognised();
    } else if (cs_workers_submit(run->workers, "extract", j->req, cs_worker_answer_cb, &j->a) !=
               0) {
        cs_worker_fail_now(&j->a, cs_worker_answer_cb, cs_diag());
    }
}

/* Prints the record of file i once it is in: --json streams one JSON array, a record a
 * line, so that memory stays flat however many files are named. */
static void
finish(probe_run_t *run, probe_job_t *j, const char *path, int json)
{
    if (j->a.rc != 0 || j->a.result == NULL) {
        fprintf(stderr, "custody probe: %s: %s\n", path, j->a.rc ? j->a.reason : "no record");
        run->failed++;
    } else {
        json_object_set_new(j->a.result, "file", json_string(path));
        json_object_set_new(j->a.result, "media_type", json_string(j->type));
        if (json) {
            fputs(run->printed++ ? ",\n" : "[\n", stdout);
            json_dumpf(j->a.result, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        } else {
            print_human(path, j->a.result);
        }
    }
    json_decref(j->a.result);
    json_decref(j->req);
    j->a.result = j->req = NULL;
}

static void
on_skip(const char *path, int rc, const char *why, void *arg)
{
    probe_run_t *run = arg;
    if (rc != 0) {
        fprintf(stderr, "custody probe: %s\n", why);
        run->failed++;
    }
    (void)path;
}

int
cs_cmd_probe(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    cs_cli_t cli;
    uv_loop_t loop;
    probe_run_t run = {.cli = &cli, .loop = &loop};
    probe_job_t *jobs = NULL;
    int rc;
    cs_cli_init(&cli, "probe", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, NULL, NULL)) != 0)
        return rc;
    if (optind >= argc)
        return cs_cli_usage_error(&cli, "name at least one FILE or DIR");
    if ((rc = cs_cli_load(&cli)) != 0)
        return cs_cli_fail(&cli, rc);
    (void)cs_cli_site_tz(&cli);
    cs_worker_opts_t o;
    if ((rc = cs_cli_worker_opts(&cli, 0, &o)) != 0)
        return cs_cli_fail(&cli, rc);
    uv_loop_init(&loop);
    if ((rc = cs_workers_start(&run.workers, &loop, &o)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    cs_walk_ops_t ops = {.file = collect, .skip = on_skip, .arg = &run};
    for (int i = optind; i < argc; i++)
        cs_walk(argv[i], &ops);
    if ((jobs = calloc(run.n ? run.n : 1, sizeof *jobs)) == NULL) {
        rc = cs_cli_fail(&cli, CS_ENOMEM);
        goto out;
    }
    size_t next = 0, window = (size_t)o.count * 4;
    for (size_t done = 0; done < run.n; done++) {
        while (next < run.n && next < done + window)
            start(&run, jobs, next++);
        while (!jobs[done].a.done)
            uv_run(&loop, UV_RUN_ONCE);
        finish(&run, &jobs[done], run.paths[done], cli.json);
    }
    if (cli.json)
        fputs(run.printed ? "\n]\n" : "[]\n", stdout);
    rc = run.failed ? CS_EXIT_USAGE : CS_EXIT_OK;
out:
    free(jobs);
    for (size_t i = 0; i < run.n; i++)
        free(run.paths[i]);
    free(run.paths);
    if (run.workers != NULL) {
        cs_workers_stop(run.workers, NULL, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&loop);
    return rc;
}
