/* tools/cmd_serve.c: `custody serve` and `custody status`. */
#include "tools/cli.h"
#include "indexer/registry.h"
#include "tools/sitetime.h"

#include "api/public_serve.h"
#include "api/server.h"

#include "core/error.h"
#include "core/log.h"
#include "indexer/derivatives.h"
#include "indexer/fixity.h"
#include "indexer/jobs.h"
#include "ledger/checkpoint.h"
#include "fixity/scrub.h"
#include "ingest/service.h"
#include "tools/serve_dispose.h"

#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#define CS_SERVE_ARENAS 2 /* glibc malloc arenas of `custody serve` (M_ARENA_MAX) */

static const char serve_usage[] =
    "usage: custody serve [--home DIR] [--set section.key=value]...\n"
    "Runs the service in the foreground: watches the upload roots (ingest.roots, default\n"
    "<home>/uploads), claims each file once it is complete, stores it, links it to the case\n"
    "named by its folder (or its sidecar <file>.json) and extracts its metadata in isolated\n"
    "worker processes, and serves the HTTP API on api.listen (default 127.0.0.1:8420); with\n"
    "public.listen set, also the public page (行政执法公示: live publications and their public\n"
    "copies, read-only, no sign-in) on that address. Logs\n"
    "are JSON lines on stderr. SIGTERM or SIGINT finish the step in\n"
    "flight and exit 0; SIGHUP reloads custody.conf.\n";

static const char status_usage[] =
    "usage: custody status [--home DIR] [--set k=v]... [--json]\n"
    "Jobs per state, files/s and MB/s over the last minute, rejected and failed counts, the\n"
    "oldest pending file and the latest rejections with their reasons; the items whose copies\n"
    "failed and the items kept but damaged (cut off, unreadable), each with why; the fixity\n"
    "scrub: its pass running and its last one, objects due, and every object whose last check\n"
    "failed.\n";

/* Every ledger.checkpoint_ms: a signed checkpoint of what the service appended. */
static void
sign_checkpoint(void *arg, cs_catalog_t *cat)
{
    int made = 0, rc = cs_ledger_checkpoint(cat, arg, &made);
    if (rc != 0)
        cs_log(CS_LOG_ERROR, "ledger.checkpoint_failed",
               json_pack("{s:s}", "error", *cs_diag() ? cs_diag() : cs_strerror(rc)));
}

/* The HTTP API on the service's loop (api/), and the disposal step beside it. */
typedef struct faces {
    cs_cli_t *cli;
    cs_api_t *api;
    cs_pubserve_t *pub; /* the public page (public.listen), or NULL */
    cs_serve_dispose_t *dispose;
    void (*done)(void *);
    void *done_arg;
} faces_t;

#define DISPOSE_PERIOD_MS 60000 /* approved batches past their grace are taken up within it */

static int
start_faces(void *arg, uv_loop_t *loop)
{
    faces_t *f = arg;
    cs_api_opts_t o = {.home = &f->cli->home, .cfg = &f->cli->cfg};
    int rc = cs_api_start(&f->api, loop, &o);
    if (rc == 0 && f->cli->cfg.public_listen[0] != '\0')
        rc = cs_pubserve_start(&f->pub, loop, &o);
    if (rc == 0)
        rc = cs_serve_dispose_start(&f->dispose, loop, &f->cli->home, &f->cli->cfg,
                                    DISPOSE_PERIOD_MS);
    if (rc != 0) { /* what started stops: the service will not ask */
        if (f->pub != NULL)
            cs_pubserve_stop(f->pub, NULL, NULL);
        if (f->api != NULL)
            cs_api_stop(f->api, NULL, NULL);
        f->pub = NULL;
        f->api = NULL;
    }
    return rc;
}

/* The API has stopped: then the public page. */
static void
api_stopped(void *arg)
{
    faces_t *f = arg;
    cs_pubserve_t *pub = f->pub;
    f->pub = NULL;
    if (pub != NULL)
        cs_pubserve_stop(pub, f->done, f->done_arg);
    else
        f->done(f->done_arg);
}

/* The disposal step has stopped: then the API. */
static void
dispose_stopped(void *arg)
{
    faces_t *f = arg;
    cs_api_t *api = f->api;
    f->api = NULL;
    if (api != NULL)
        cs_api_stop(api, api_stopped, f);
    else
        api_stopped(f);
}

static void
stop_faces(void *arg, void (*done)(void *), void *done_arg)
{
    faces_t *f = arg;
    cs_serve_dispose_t *d = f->dispose;
    f->dispose = NULL;
    f->done = done;
    f->done_arg = done_arg;
    cs_serve_dispose_stop(d, dispose_stopped, f);
}

int
cs_cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    cs_cli_t cli;
    char exe[PATH_MAX];
    int rc;
    /* Before any thread starts: glibc gives each thread that meets a locked arena a new one
     * (up to 8 per core), each keeping its freed memory; with the API's pool, the scrub and
     * the workers' pipes that was the RSS a long soak kept growing (bench/RESULTS.md, soak of
     * a growing case). Two arenas: the loop's and one the pool threads share, whose small
     * allocations mostly stay in each thread's tcache, so the lock is rarely met. */
#ifdef M_ARENA_MAX
    (void)mallopt(M_ARENA_MAX, CS_SERVE_ARENAS);
#endif
    cs_cli_init(&cli, "serve", serve_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, NULL, NULL)) != 0)
        return rc;
    if (optind < argc)
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    /* The checks of cs_cli_open (an initialised home, a readable catalog) before the loop. */
    if ((rc = cs_cli_open(&cli)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        cs_cli_close(&cli);
        return rc;
    }
    cs_cli_close(&cli);
    if ((rc = cs_cli_worker_exe(exe, sizeof exe)) != 0)
        return cs_cli_fail(&cli, rc);
    faces_t faces = {.cli = &cli};
    cs_service_opts_t opts = {
        .home = &cli.home,
        .cfg = &cli.cfg,
        .sets = cli.sets,
        .nsets = cli.nsets,
        .exe = exe,
        .periodic = sign_checkpoint,
        .periodic_arg = &cli.home,
        .periodic_ms = cli.cfg.ledger_checkpoint_ms,
        .start_faces = start_faces,
        .stop_faces = stop_faces,
        .faces_arg = &faces,
    };
    if ((rc = cs_service_run(&opts)) != 0) {
        cs_log(CS_LOG_ERROR, "service.failed",
               json_pack("{s:s}", "error", *cs_diag() ? cs_diag() : cs_strerror(rc)));
        return cs_cli_fail(&cli, rc);
    }
    return CS_EXIT_OK;
}

/* The transcodes a running service reports in <home>/tmp/status.json; [] when none runs. */
static json_t *
running_transcodes(const cs_cli_t *cli)
{
    char path[PATH_MAX];
    json_t *doc = NULL, *list = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/tmp/status.json", cli->home.root) < sizeof path)
        doc = json_load_file(path, 0, NULL);
    json_t *pid = json_object_get(doc, "pid");
    /* A file left by a service that was killed describes nothing. */
    if (json_is_integer(pid) && kill((pid_t)json_integer_value(pid), 0) == 0)
        list = json_incref(json_object_get(doc, "transcoding"));
    json_decref(doc);
    if (json_is_array(list))
        return list;
    json_decref(list);
    return json_array();
}

static long long
num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The fixity scrub's lines of `custody status`. */
static void
print_fixity(const cs_cli_t *cli, json_t *fx)
{
    json_t *pass = json_object_get(fx, "pass"), *last = json_object_get(fx, "last_pass"), *v;
    size_t i;
    if (cs_scrub_window_s(&cli->cfg) == 0)
        printf("fixity    scrub off (store.scrub_days = 0)");
    else
        printf("fixity    %lld objects, %lld due now (each re-hashed once in %lld s)",
               num(fx, "objects"), num(fx, "due"), (long long)cs_scrub_window_s(&cli->cfg));
    printf("; %lld checks, %lld found bad, %lld FAILING now\n", num(fx, "checks"),
           num(fx, "mismatches"), num(fx, "failing"));
    if (json_is_object(pass))
        printf("  pass    running since %s: %lld objects, %.1f MB so far\n",
               cs_cli_time(json_string_value(json_object_get(pass, "started_at"))),
               num(pass, "objects"), (double)num(pass, "bytes") / 1e6);
    if (json_is_object(last))
        printf("  last    %s to %s: %lld objects, %.1f MB in %.0f s\n",
               cs_cli_time(json_string_value(json_object_get(last, "started_at"))),
               cs_cli_time(json_string_value(json_object_get(last, "ended_at"))),
               num(last, "objects"), (double)num(last, "bytes") / 1e6,
               json_number_value(json_object_get(last, "seconds")));
    json_array_foreach(json_object_get(fx, "failures"), i, v)
    {
        const char *profile = json_string_value(json_object_get(v, "profile"));
        printf("  FAILING %s %s (%s of item %s) at %s; restore it from a backup\n",
               json_string_value(json_object_get(v, "sha256")),
               json_string_value(json_object_get(v, "result")), profile ? profile : "original",
               json_string_value(json_object_get(v, "item")),
               cs_cli_time(json_string_value(json_object_get(v, "checked_at"))));
    }
}

int
cs_cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    cs_cli_t cli;
    json_t *st = NULL;
    int rc;
    cs_cli_init(&cli, "status", status_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, NULL, NULL)) != 0)
        return rc;
    json_t *failures = NULL, *fixity = NULL;
    if ((rc = cs_cli_open(&cli)) != 0 || (rc = cs_jobs_status(cli.cat, &st)) != 0 ||
        (rc = cs_catalog_derivative_failures(cli.cat, 10, &failures)) != 0 ||
        (rc = cs_catalog_fixity_status(cli.cat, cs_scrub_window_s(&cli.cfg), 10, &fixity)) != 0)
        goto out;
    json_t *flags = NULL;
    if ((rc = cs_catalog_registry_flag_counts(cli.cat, &flags)) != 0)
        goto out;
    json_object_set_new(st, "flags", flags);
    json_object_set_new(st, "derivatives_failed", failures);
    json_object_set_new(st, "fixity", fixity);
    json_object_set_new(st, "transcoding", running_transcodes(&cli));
    json_object_set_new(st, "store", cs_cli_store_health(&cli));
    json_object_set_new(st, "publications", cs_cli_publication_status(&cli));
    if (cli.json) {
        cs_cli_print_json(st, 0);
        goto out;
    }
    (void)cs_cli_site_tz(&cli);
    const char *k;
    json_t *v, *lm = json_object_get(st, "last_minute"),
               *old = json_object_get(st, "oldest_pending");
    printf("jobs     ");
    json_object_foreach(json_object_get(st, "jobs"), k, v)
        printf(" %s %lld", k, (long long)json_integer_value(v));
    printf("\nlast min  %lld files, %.1f files/s, %.1f MB/s\n",
           (long long)json_integer_value(json_object_get(lm, "files")),
           json_real_value(json_object_get(lm, "files_per_s")),
           json_real_value(json_object_get(lm, "mb_per_s")));
    printf("rejected  %lld   failed steps %lld\n",
           (long long)json_integer_value(json_object_get(st, "rejected")),
           (long long)json_integer_value(json_object_get(st, "failed")));
    if (json_is_object(old))
        printf("oldest    %s/%s (%s since %s)\n", json_string_value(json_object_get(old, "root")),
               json_string_value(json_object_get(old, "path")),
               json_string_value(json_object_get(old, "state")),
               cs_cli_time(json_string_value(json_object_get(old, "since"))));
    size_t i;
    json_array_foreach(json_object_get(st, "recent_rejections"), i, v)
        printf("rejected  %s\n", json_string_value(json_object_get(v, "reason")));
    json_array_foreach(json_object_get(st, "transcoding"), i, v)
        printf("transcoding %s  %.0f%%  %.0f fps\n", json_string_value(json_object_get(v, "path")),
               json_number_value(json_object_get(v, "percent")),
               json_number_value(json_object_get(v, "fps")));
    failures = json_object_get(st, "derivatives_failed");
    long long n = (long long)json_integer_value(json_object_get(failures, "count"));
    printf("copies failed  %lld item%s\n", n, cs_cli_s(n));
    json_array_foreach(json_object_get(failures, "recent"), i, v)
        printf("  %.12s %-9s %s\n", json_string_value(json_object_get(v, "sha256")),
               json_string_value(json_object_get(v, "profile")),
               json_string_value(json_object_get(v, "reason")));
    json_t *damaged = json_object_get(st, "damaged");
    n = (long long)json_integer_value(json_object_get(damaged, "count"));
    printf("damaged  %lld item%s (kept as they came)\n", n, cs_cli_s(n));
    json_array_foreach(json_object_get(damaged, "recent"), i, v)
        printf("  %.12s %s: %s\n", json_string_value(json_object_get(v, "sha256")),
               json_string_value(json_object_get(v, "name")),
               json_string_value(json_object_get(v, "reason")));
    printf("flagged  ");
    json_object_foreach(json_object_get(st, "flags"), k, v)
        printf(" %s %lld", k, (long long)json_integer_value(v));
    printf("%s\n", json_object_size(json_object_get(st, "flags")) ? "" : " none");
    print_fixity(&cli, json_object_get(st, "fixity"));
    cs_cli_print_store_health(json_object_get(st, "store"));
    cs_cli_print_publication_status(json_object_get(st, "publications"));
out:
    json_decref(st);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
