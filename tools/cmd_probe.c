/* tools/cmd_probe.c: `custody probe`: the metadata record of files, stored nowhere. */
#include "tools/cli.h"
#include "tools/cmd_probe.h"
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

#define PROBE_STDOUT_BUF (256 * 1024)

static const char usage_text[] =
    "usage: custody probe [--json] [--home DIR] [--set k=v]... FILE|DIR...\n"
    "Prints the normalised metadata record of each file (capture time and how it was chosen,\n"
    "place, device, image and streams, every tag as read, what could not be read) without\n"
    "storing anything. The files are parsed in a media worker process, as on ingest.\n";

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

/* Prints the record of file i once it is in: --json streams one JSON array, a record a
 * line, so that memory stays flat however many files are named. */
static void
finish(probe_run_t *run, probe_job_t *j, const char *path, int json)
{
    if (j->text != NULL && json) {
        /* As the worker wrote it, "file" and "media_type" included: no tree to build. */
        fputs(run->printed++ ? ",\n" : "[\n", stdout);
        fwrite(j->text, 1, j->len, stdout);
    } else if (j->text != NULL) {
        json_t *r = json_loadb(j->text, j->len, 0, NULL);
        print_human(path, r);
        json_decref(r);
    } else if (j->a.rc != 0 || j->a.result == NULL) {
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
    free(j->text);
    j->a.result = j->req = NULL;
    j->text = NULL;
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
    /* One worker process, its batches extracted on a thread per core: one start-up of the
     * worker (its libraries) instead of one per core (media/worker_probe.c). */
    cs_worker_opts_t o;
    if ((rc = cs_cli_worker_opts(&cli, 1, &o)) != 0)
        return cs_cli_fail(&cli, rc);
    run.threads = (int)uv_available_parallelism();
    if (run.threads > CS_PROBE_THREADS_MAX)
        run.threads = CS_PROBE_THREADS_MAX;
    uv_loop_init(&loop);
    if ((rc = cs_workers_start(&run.workers, &loop, &o)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    cs_walk_ops_t ops = {.file = collect, .skip = on_skip, .arg = &run};
    for (int i = optind; i < argc; i++)
        cs_walk(argv[i], &ops);
    if ((jobs = run.jobs = calloc(run.n ? run.n : 1, sizeof *jobs)) == NULL) {
        rc = cs_cli_fail(&cli, CS_ENOMEM);
        goto out;
    }
    /* Records go out in large writes, not one every 4 KiB (glibc ignores the size unless it
     * is given the buffer). */
    static char outbuf[PROBE_STDOUT_BUF];
    if (cli.json)
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    size_t next = 0, window = (size_t)run.threads * PROBE_BATCHES * PROBE_BATCH;
    for (size_t done = 0; done < run.n; done++) {
        while (next < run.n && next < done + window)
            next = cs_probe_start_batch(&run, next);
        while (!jobs[done].a.done)
            uv_run(&loop, UV_RUN_ONCE);
        finish(&run, &jobs[done], run.paths[done], cli.json);
    }
    if (cli.json)
        fputs(run.printed ? "\n]\n" : "[]\n", stdout);
    rc = run.failed ? CS_EXIT_USAGE : CS_EXIT_OK;
out:
    fflush(stdout);
    if (run.workers != NULL) { /* a batch still out writes into jobs until it ends */
        cs_workers_stop(run.workers, NULL, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    free(jobs);
    for (size_t i = 0; i < run.n; i++)
        free(run.paths[i]);
    free(run.paths);
    uv_loop_close(&loop);
    return rc;
}
