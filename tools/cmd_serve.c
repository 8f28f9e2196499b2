/* tools/cmd_serve.c: `custody serve` and `custody status`. */
#include "tools/cli.h"

#include "core/error.h"
#include "core/log.h"
#include "indexer/jobs.h"
#include "ingest/service.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

static const char serve_usage[] =
    "usage: custody serve [--home DIR] [--set section.key=value]...\n"
    "Runs the service in the foreground: watches the upload roots (ingest.roots, default\n"
    "<home>/uploads), claims each file once it is complete, stores it, links it to the case\n"
    "named by its folder (or its sidecar <file>.json) and extracts its metadata in isolated\n"
    "worker processes. Logs are JSON lines on stderr. SIGTERM or SIGINT finish the step in\n"
    "flight and exit 0; SIGHUP reloads custody.conf.\n";

static const char status_usage[] =
    "usage: custody status [--home DIR] [--set k=v]... [--json]\n"
    "Jobs per state, files/s and MB/s over the last minute, rejected and failed counts, the\n"
    "oldest pending file and the latest rejections with their reasons.\n";

int
cs_cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    cs_cli_t cli;
    char exe[PATH_MAX];
    int rc;
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
    cs_service_opts_t opts = {
        .home = &cli.home,
        .cfg = &cli.cfg,
        .sets = cli.sets,
        .nsets = cli.nsets,
        .exe = exe,
    };
    if ((rc = cs_service_run(&opts)) != 0) {
        cs_log(CS_LOG_ERROR, "service.failed",
               json_pack("{s:s}", "error", *cs_diag() ? cs_diag() : cs_strerror(rc)));
        return cs_cli_fail(&cli, rc);
    }
    return CS_EXIT_OK;
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
    if ((rc = cs_cli_open(&cli)) != 0 || (rc = cs_jobs_status(cli.cat, &st)) != 0)
        goto out;
    if (cli.json) {
        cs_cli_print_json(st, 0);
        goto out;
    }
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
               json_string_value(json_object_get(old, "since")));
    size_t i;
    json_array_foreach(json_object_get(st, "recent_rejections"), i, v)
        printf("rejected  %s\n", json_string_value(json_object_get(v, "reason")));
out:
    json_decref(st);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
