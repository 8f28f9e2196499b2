/* tests/ingest/test_worker.c: the media worker pool with real `custody-worker` processes:
 * answers, crashes, hangs, runaway memory, garbage on the pipe, respawn backoff and stop.
 * Callbacks are counted and asserted after uv_run, libuv-test style. */
#include "core/error.h"
#include "ingest/worker.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAMPLE_3GP CUSTODY_TEST_DATA "/metadata-extractor/sample.3gp"
#define MAX_SLOTS 32

typedef struct run run_t;

typedef struct slot {
    run_t *run;
    int calls, rc;
    char reason[512];
    char code[32];    /* the reason's code (core/reason.h) */
    char params[256]; /* its params as JSON text */
    json_t *result;   /* a copy: the callback's is borrowed */
} slot_t;

struct run {
    uv_loop_t loop;
    cs_workers_t *pool;
    cs_worker_opts_t opts;
    char *dir;
    slot_t slots[MAX_SLOTS];
    int nslots, finished;
    int stop_after; /* the callback that makes `finished` reach this stops the pool */
    int done;
};

static void
on_done(void *arg)
{
    ((run_t *)arg)->done++;
}

static void
on_answer(void *arg, int rc, json_t *result, const cs_reason_t *why)
{
    slot_t *s = arg;
    run_t *run = s->run;
    s->calls++;
    s->rc = rc;
    snprintf(s->reason, sizeof s->reason, "%s", why ? why->text : "");
    snprintf(s->code, sizeof s->code, "%s", why ? cs_reason_slug(why->code) : "");
    snprintf(s->params, sizeof s->params, "%s", why ? why->params : "");
    s->result = result ? json_deep_copy(result) : NULL;
    if (++run->finished == run->stop_after)
        cs_workers_stop(run->pool, on_done, run);
}

static void
setup(run_t *run)
{
    memset(run, 0, sizeof *run);
    ck_assert_int_eq(uv_loop_init(&run->loop), 0);
    run->dir = cs_test_tmpdir();
    run->opts = (cs_worker_opts_t){
        .exe = CUSTODY_WORKER_BIN, .home = run->dir, .count = 1, .timeout_ms = 20000, .retries = 2};
}

static void
start(run_t *run)
{
    ck_assert_int_eq(cs_workers_start(&run->pool, &run->loop, &run->opts), 0);
    ck_assert_ptr_nonnull(run->pool);
}

static slot_t *
submit(run_t *run, const char *step, const char *path, const char *media_type)
{
    slot_t *s = &run->slots[run->nslots++];
    json_t *fields = NULL;
    ck_assert_int_le(run->nslots, MAX_SLOTS);
    s->run = run;
    if (path != NULL)
        fields = json_pack("{s:s, s:s?}", "path", path, "media_type", media_type);
    ck_assert_int_eq(cs_workers_submit(run->pool, step, fields, on_answer, s), 0);
    json_decref(fields);
    return s;
}

/* Runs the loop until the pool is gone and checks that nothing was left behind. */
static void
finish(run_t *run)
{
    ck_assert_int_eq(uv_run(&run->loop, UV_RUN_DEFAULT), 0);
    ck_assert_int_eq(run->done, 1);
    ck_assert_int_eq(uv_loop_close(&run->loop), 0);
    for (int i = 0; i < run->nslots; i++)
        ck_assert_int_eq(run->slots[i].calls, 1);
}

static void
teardown(run_t *run)
{
    for (int i = 0; i < run->nslots; i++)
        json_decref(run->slots[i].result);
    cs_test_rmrf(run->dir);
    free(run->dir);
}

static char *
write_file(run_t *run, const char *name, const char *content, mode_t mode)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", run->dir, name);
    cs_test_write(path, content, strlen(content));
    ck_assert_int_eq(chmod(path, mode), 0);
    return path;
}

static json_int_t
pid_of(const slot_t *s)
{
    ck_assert_int_eq(s->rc, 0);
    return json_integer_value(json_object_get(s->result, "pid"));
}

START_TEST(a_pool_of_two_answers_twenty_requests)
{
    run_t run;
    json_int_t pids[2] = {0, 0};
    setup(&run);
    run.opts.count = 2;
    run.stop_after = 20;
    start(&run);
    for (int i = 0; i < 20; i++) {
        if (i % 2 == 0)
            submit(&run, "ping", NULL, NULL);
        else
            submit(&run, "extract", SAMPLE_3GP, "video/3gpp");
    }
    ck_assert_uint_eq(cs_workers_pending(run.pool), 20);
    ck_assert_int_eq(uv_run(&run.loop, UV_RUN_DEFAULT), 0);
    ck_assert_int_eq(run.finished, 20);
    for (int i = 0; i < 20; i++) {
        slot_t *s = &run.slots[i];
        ck_assert_msg(s->rc == 0, "request %d: %s", i, s->reason);
        if (i % 2 == 1) {
            json_t *media = json_object_get(s->result, "media");
            ck_assert_str_eq(json_string_value(json_object_get(media, "container")),
                             "mov,mp4,m4a,3gp,3g2,mj2");
            ck_assert_int_eq(json_array_size(json_object_get(media, "streams")), 2);
            continue;
        }
        json_int_t pid = pid_of(s);
        ck_assert_int_gt(pid, 0);
        if (pids[0] == 0 || pids[0] == pid)
            pids[0] = pid;
        else if (pids[1] == 0 || pids[1] == pid)
            pids[1] = pid;
        else
            ck_abort_msg("a third worker answered: pid %lld", pid);
    }
    finish(&run);
    teardown(&run);
}
END_TEST

START_TEST(a_crash_is_retried_then_reported_and_the_pool_goes_on)
{
    run_t run;
    setup(&run);
    setenv("CUSTODY_TEST_FAULTS", "1", 1);
    run.opts.retries = 2;
    run.stop_after = 3;
    start(&run);
    slot_t *before = submit(&run, "ping", NULL, NULL);
    slot_t *crash = submit(&run, "extract", write_file(&run, "crash", "CUSTODY-TEST-CRASH", 0644),
                           "application/octet-stream");
    slot_t *after = submit(&run, "extract", SAMPLE_3GP, "video/3gpp");
    finish(&run);
    ck_assert_int_eq(crash->rc, CS_EWORKER);
    ck_assert_ptr_null(crash->result);
    ck_assert_msg(strstr(crash->reason, "worker killed by signal 11 (SIGSEGV) on 3 tries"), "%s",
                  crash->reason);
    /* The code and its parameters, for the web page's words: decided where the reason is. */
    ck_assert_str_eq(crash->code, "worker-signal");
    ck_assert_str_eq(crash->params, "{\"name\":\"SIGSEGV\",\"signal\":11,\"tries\":3}");
    ck_assert_int_gt(pid_of(before), 0);
    ck_assert_msg(after->rc == 0, "%s", after->reason);
    ck_assert_ptr_nonnull(json_object_get(after->result, "media"));
    teardown(&run);
}
END_TEST

START_TEST(a_hang_times_out_and_the_pool_goes_on)
{
    run_t run;
    setup(&run);
    setenv("CUSTODY_TEST_FAULTS", "1", 1);
    run.opts.timeout_ms = 300;
    run.opts.retries = 1;
    run.stop_after = 2;
    start(&run);
    uint64_t t0 = uv_now(&run.loop);
    slot_t *hang =
        submit(&run, "extract", write_file(&run, "hang", "CUSTODY-TEST-HANG\n", 0644), NULL);
    slot_t *ping = submit(&run, "ping", NULL, NULL);
    finish(&run);
    ck_assert_int_eq(hang->rc, CS_EWORKER);
    ck_assert_msg(strstr(hang->reason, "timed out after 300 ms on 2 tries"), "%s", hang->reason);
    ck_assert_str_eq(hang->code, "timeout");
    ck_assert_str_eq(hang->params, "{\"ms\":300,\"tries\":2}");
    ck_assert_int_gt(pid_of(ping), 0);
    ck_assert_uint_ge(uv_now(&run.loop) - t0, 600);
    teardown(&run);
}
END_TEST

START_TEST(runaway_memory_is_stopped_by_the_address_space_limit)
{
    run_t run;
    char asan[1024];
    const char *old = getenv("ASAN_OPTIONS");
    setup(&run);
    setenv("CUSTODY_TEST_FAULTS", "1", 1);
    /* Under ASan, let the worker's malloc fail quietly as glibc's would. */
    snprintf(asan, sizeof asan, "%s%sallocator_may_return_null=1", old ? old : "", old ? ":" : "");
    setenv("ASAN_OPTIONS", asan, 1);
    run.opts.rlimit_as_mb = 256;
    run.opts.retries = 0;
    run.stop_after = 3;
    start(&run);
    slot_t *oom = submit(&run, "extract", write_file(&run, "oom", "CUSTODY-TEST-OOM", 0644), NULL);
    slot_t *ping = submit(&run, "ping", NULL, NULL);
    slot_t *extract = submit(&run, "extract", SAMPLE_3GP, "video/3gpp");
    finish(&run);
    ck_assert_int_eq(oom->rc, CS_EWORKER);
    ck_assert_msg(strstr(oom->reason, "on 1 try") && !strstr(oom->reason, "timed out"), "%s",
                  oom->reason);
    ck_assert_int_gt(pid_of(ping), 0);
    ck_assert_msg(extract->rc == 0, "%s", extract->reason); /* the limit leaves room for work */
    teardown(&run);
}
END_TEST

START_TEST(without_the_variable_fault_bytes_are_content)
{
    run_t run;
    setup(&run);
    unsetenv("CUSTODY_TEST_FAULTS");
    run.stop_after = 1;
    start(&run);
    slot_t *s = submit(&run, "extract", write_file(&run, "crash", "CUSTODY-TEST-CRASH", 0644),
                       "application/octet-stream");
    finish(&run);
    ck_assert_msg(s->rc == 0, "%s", s->reason);
    ck_assert(json_is_null(json_object_get(s->result, "media")));
    ck_assert_int_gt(json_array_size(json_object_get(s->result, "errors")), 0);
    teardown(&run);
}
END_TEST

START_TEST(a_refusal_is_not_retried_and_keeps_the_worker)
{
    run_t run;
    setup(&run);
    run.stop_after = 4;
    start(&run);
    slot_t *first = submit(&run, "ping", NULL, NULL);
    slot_t *bad = submit(&run, "frobnicate", NULL, NULL);
    slot_t *missing = submit(&run, "extract", "/nonexistent/file.mp4", NULL);
    slot_t *last = submit(&run, "ping", NULL, NULL);
    finish(&run);
    ck_assert_int_eq(bad->rc, CS_EWORKER);
    ck_assert_msg(strstr(bad->reason, "frobnicate"), "%s", bad->reason);
    ck_assert_int_eq(missing->rc, CS_EWORKER);
    ck_assert_msg(strstr(missing->reason, "/nonexistent/file.mp4"), "%s", missing->reason);
    ck_assert_int_eq(pid_of(first), pid_of(last));
    teardown(&run);
}
END_TEST

START_TEST(stop_cancels_queued_requests_and_calls_done_once)
{
    run_t run;
    setup(&run);
    start(&run);
    for (int i = 0; i < 5; i++)
        submit(&run, "ping", NULL, NULL);
    cs_workers_stop(run.pool, on_done, &run);
    cs_workers_stop(run.pool, on_done, &run); /* a second stop is ignored */
    /* The first request was already written to the worker: it runs to its end. */
    for (int i = 1; i < 5; i++) {
        ck_assert_int_eq(run.slots[i].calls, 1);
        ck_assert_int_eq(run.slots[i].rc, CS_ECANCELED);
    }
    ck_assert_int_eq(run.slots[0].calls, 0);
    ck_assert_uint_eq(cs_workers_pending(run.pool), 1);
    ck_assert_int_eq(cs_workers_submit(run.pool, "ping", NULL, on_answer, &run.slots[5]),
                     CS_ECANCELED);
    ck_assert_int_eq(run.done, 0);
    finish(&run);
    ck_assert_int_gt(pid_of(&run.slots[0]), 0);
    teardown(&run);
}
END_TEST

/* A "worker" that answers garbage, then one that answers a line longer than 1 MiB. */
START_TEST(garbage_and_overlong_answers_are_worker_failures)
{
    run_t run;
    setup(&run);
    run.opts.exe =
        write_file(&run, "garbage.sh", "#!/bin/sh\nwhile read l; do echo '{'; done\n", 0755);
    run.opts.retries = 1;
    run.stop_after = 1;
    start(&run);
    slot_t *s = submit(&run, "ping", NULL, NULL);
    finish(&run);
    ck_assert_int_eq(s->rc, CS_EWORKER);
    ck_assert_msg(strstr(s->reason, "not in JSON on 2 tries"), "%s", s->reason);
    teardown(&run);

    setup(&run);
    run.opts.exe =
        write_file(&run, "long.sh",
                   "#!/bin/sh\nread l\nhead -c 2000000 /dev/zero | tr '\\0' x 2>/dev/null\n"
                   "exec sleep 60\n",
                   0755);
    run.opts.retries = 0;
    run.stop_after = 1;
    start(&run);
    s = submit(&run, "ping", NULL, NULL);
    finish(&run);
    ck_assert_int_eq(s->rc, CS_EWORKER);
    ck_assert_msg(strstr(s->reason, "longer than 1 MiB on 1 try"), "%s", s->reason);
    teardown(&run);
}
END_TEST

static void
on_stop_timer(uv_timer_t *t)
{
    run_t *run = t->data;
    cs_workers_stop(run->pool, on_done, run);
    uv_close((uv_handle_t *)t, NULL);
}

/* Workers that die at once are replaced five times in a row, then once a second. */
START_TEST(workers_that_keep_dying_are_respawned_with_backoff)
{
    run_t run;
    uv_timer_t timer;
    char script[4096 + 64], *starts;
    size_t len = 0;
    setup(&run);
    snprintf(script, sizeof script, "#!/bin/sh\necho x >> '%s/starts'\nexit 3\n", run.dir);
    run.opts.exe = write_file(&run, "die.sh", script, 0755);
    start(&run);
    timer.data = &run;
    uv_timer_init(&run.loop, &timer);
    uv_timer_start(&timer, on_stop_timer, 1500, 0);
    snprintf(script, sizeof script, "%s/starts", run.dir);
    ck_assert_int_eq(uv_run(&run.loop, UV_RUN_DEFAULT), 0);
    starts = cs_test_read(script, &len);
    ck_assert_ptr_nonnull(starts);
    ck_assert_msg(len >= 2 * 5 && len <= 2 * 7, "%zu starts in 1.5 s", len / 2);
    free(starts);
    finish(&run);
    teardown(&run);
}
END_TEST

START_TEST(start_refuses_what_cannot_run)
{
    run_t run;
    cs_workers_t *pool = (cs_workers_t *)1;
    setup(&run);
    run.opts.exe = "/nonexistent/custody";
    ck_assert_int_eq(cs_workers_start(&pool, &run.loop, &run.opts), CS_ENOENT);
    ck_assert_ptr_null(pool);
    run.opts.exe = CUSTODY_WORKER_BIN;
    run.opts.count = 0;
    ck_assert_int_eq(cs_workers_start(&pool, &run.loop, &run.opts), CS_EINVAL);
    /* A folder passes access(X_OK) but not exec: the error comes from uv_spawn, and the
     * handles it opened are closed as the loop runs. */
    run.opts.count = 2;
    run.opts.exe = run.dir;
    ck_assert_int_eq(cs_workers_start(&pool, &run.loop, &run.opts), CS_EACCES);
    ck_assert_ptr_null(pool);
    ck_assert_int_eq(uv_run(&run.loop, UV_RUN_DEFAULT), 0);
    ck_assert_int_eq(uv_loop_close(&run.loop), 0);
    cs_test_rmrf(run.dir);
    free(run.dir);
}
END_TEST

/* What the raw callback saw; `refuse` makes it refuse every line. */
typedef struct raw_seen {
    int lines, refuse;
    char first[64];
    int has_file;
} raw_seen_t;

/* The raw callback gets the request's one arg, its slot: what it saw is kept beside. */
static raw_seen_t seen_of[MAX_SLOTS];

static int
on_raw_line(void *arg, const char *bytes, size_t len)
{
    slot_t *s = arg;
    raw_seen_t *r = &seen_of[s - s->run->slots];
    if (r->lines++ == 0)
        snprintf(r->first, sizeof r->first, "%.*s", (int)(len < 40 ? len : 40), bytes);
    r->has_file = memmem(bytes, len, "\"file\":\"clip\"", 13) != NULL;
    return r->refuse ? -1 : 0;
}

/* A "probe" request with its raw callback. */
static slot_t *
submit_probe(run_t *run, int refuse)
{
    slot_t *s = &run->slots[run->nslots++];
    s->run = run;
    seen_of[s - run->slots] = (raw_seen_t){.refuse = refuse};
    json_t *fields = json_pack("{s:[{s:s, s:s, s:s}]}", "files", "file", "clip", "path", SAMPLE_3GP,
                               "media_type", "video/3gpp");
    ck_assert_int_eq(
        cs_workers_submit_raw(run->pool, "probe", fields, on_answer, NULL, on_raw_line, s), 0);
    json_decref(fields);
    return s;
}

START_TEST(raw_lines_reach_the_caller_unparsed_and_a_refused_one_is_not_retried)
{
    run_t run;
    setup(&run);
    run.stop_after = 2;
    start(&run);
    slot_t *a = submit_probe(&run, 0), *b = submit_probe(&run, 1);
    raw_seen_t *ok = &seen_of[0], *refused = &seen_of[1];
    ck_assert_int_eq(uv_run(&run.loop, UV_RUN_DEFAULT), 0);
    ck_assert_msg(a->rc == 0, "%s", a->reason);
    ck_assert_int_eq(json_integer_value(json_object_get(a->result, "n")), 1);
    ck_assert_int_eq(ok->lines, 1);
    ck_assert_msg(strncmp(ok->first, "0,{", 3) == 0, "%s", ok->first);
    ck_assert(ok->has_file); /* the worker wrote the record's "file" */
    /* A line refused fails the worker and the request, on its one try (retries is 2). */
    ck_assert_int_eq(b->rc, CS_EWORKER);
    ck_assert_str_eq(b->code, "worker-protocol");
    ck_assert_msg(strstr(b->reason, "on 1 try") != NULL, "%s", b->reason);
    ck_assert_int_eq(refused->lines, 1);
    finish(&run);
    teardown(&run);
}
END_TEST

static Suite *
worker_suite(void)
{
    Suite *s = suite_create("worker");
    TCase *tc = tcase_create("worker");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_pool_of_two_answers_twenty_requests);
    tcase_add_test(tc, a_crash_is_retried_then_reported_and_the_pool_goes_on);
    tcase_add_test(tc, a_hang_times_out_and_the_pool_goes_on);
    tcase_add_test(tc, runaway_memory_is_stopped_by_the_address_space_limit);
    tcase_add_test(tc, without_the_variable_fault_bytes_are_content);
    tcase_add_test(tc, a_refusal_is_not_retried_and_keeps_the_worker);
    tcase_add_test(tc, stop_cancels_queued_requests_and_calls_done_once);
    tcase_add_test(tc, garbage_and_overlong_answers_are_worker_failures);
    tcase_add_test(tc, workers_that_keep_dying_are_respawned_with_backoff);
    tcase_add_test(tc, start_refuses_what_cannot_run);
    tcase_add_test(tc, raw_lines_reach_the_caller_unparsed_and_a_refused_one_is_not_retried);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(worker_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
