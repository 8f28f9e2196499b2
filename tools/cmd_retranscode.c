/* tools/cmd_retranscode.c: `custody retranscode ITEM [--profile P]`: makes an item's copies
 * again in a media worker, stores them and records them; the earlier copies stay in the
 * history, superseded. */
#include "tools/cli.h"

#include "core/error.h"
#include "indexer/derivatives.h"
#include "indexer/jobs.h"
#include "ingest/derive.h"
#include "tools/retranscode.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody retranscode ITEM [--profile archival|access|preview|thumbnail]\n"
    "       custody retranscode --case CASE | --all [--dry-run]\n"
    "                           [--home DIR] [--set k=v]... [--json]\n"
    "ITEM: makes the item's derivatives again (those of transcode.profiles, or only\n"
    "--profile; the archival copy as the format policy decides), verifies, stores and\n"
    "records them; the earlier ones stay in the history, superseded. Prints them.\n"
    "--case/--all: applies the format policy (custody policy) to the items of CASE or every\n"
    "item, where it now decides otherwise than it did: a new archival copy of the target\n"
    "(the old one stays current until the new one verifies), or none (keep, review). Each\n"
    "decision is recorded and ledgered (policy.apply); --dry-run only lists them.\n"
    "Exit 1 if a copy failed (the reason is printed).\n";

typedef struct retranscode_args {
    const char *profile, *kase;
    int all, dry_run;
} retranscode_args_t;

enum { O_CASE = 0x400, O_ALL, O_DRY };

static int
on_option(int c, const char *arg, void *ctx)
{
    retranscode_args_t *a = ctx;
    if (c == 'p')
        a->profile = arg;
    else if (c == O_CASE)
        a->kase = arg;
    else if (c == O_ALL)
        a->all = 1;
    else if (c == O_DRY)
        a->dry_run = 1;
    return 0;
}

typedef cs_cli_transcode_t call_t;

static void
on_progress(void *arg, json_t *progress)
{
    call_t *c = arg;
    double percent = json_number_value(json_object_get(progress, "percent"));
    if (!c->tty)
        return;
    if (percent >= 100)
        fprintf(stderr, "\r\033[K");
    else
        fprintf(stderr, "\r\033[Ktranscoding %3.0f%%  %.0f fps", percent < 0 ? 0 : percent,
                json_number_value(json_object_get(progress, "fps")));
    fflush(stderr);
}

int
cs_cli_transcode(cs_cli_t *cli, json_t *req, cs_cli_transcode_t *c)
{
    cs_worker_opts_t wopts;
    cs_workers_t *workers = NULL;
    uv_loop_t loop;
    int rc;
    if ((rc = cs_cli_worker_opts(cli, 1, &wopts)) != 0)
        return rc;
    wopts.timeout_ms = cli->cfg.transcode_timeout_ms;
    wopts.rlimit_cpu_s = 0; /* a long recording; the silence timeout stands */
    uv_loop_init(&loop);
    if ((rc = cs_workers_start(&workers, &loop, &wopts)) == 0) {
        if (cs_workers_submit_progress(workers, "transcode", req, cs_worker_answer_cb, on_progress,
                                       c) != 0)
            cs_worker_fail_now(c, cs_worker_answer_cb, "could not hand the file to a worker");
        while (!c->answer.done)
            uv_run(&loop, UV_RUN_ONCE);
        cs_workers_stop(workers, NULL, NULL);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return rc;
}

static void
print_derivatives(const cs_cli_t *cli, json_t *derivs)
{
    json_t *v;
    size_t i;
    if (cli->json) {
        cs_cli_print_json(derivs, 0);
        return;
    }
    json_array_foreach(derivs, i, v)
    {
        const char *sha = json_string_value(json_object_get(v, "sha256"));
        printf("%-9s %-8s %s\n", json_string_value(json_object_get(v, "profile")),
               json_string_value(json_object_get(v, "status")),
               sha ? sha : json_string_value(json_object_get(v, "reason")));
    }
}

int
cs_cmd_retranscode(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"profile", required_argument, NULL, 'p'},
                                             {"case", required_argument, NULL, O_CASE},
                                             {"all", no_argument, NULL, O_ALL},
                                             {"dry-run", no_argument, NULL, O_DRY},
                                             {0, 0, 0, 0}};
    static const char *const profiles[] = {"archival", "access", "preview", "thumbnail"};
    cs_cli_t cli;
    retranscode_args_t args = {0};
    call_t call = {.tty = isatty(STDERR_FILENO)};
    json_t *item = NULL, *meta = NULL, *req = NULL, *derivs = NULL;
    char sha[65], obj[PATH_MAX], dir[PATH_MAX];
    cs_reason_t reason = {.text = ""};
    int rc, failed = 0, known = 0;

    cs_cli_init(&cli, "retranscode", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &args)) != 0)
        return rc;
    if (args.kase != NULL || args.all) {
        if (argc != optind || args.profile != NULL || (args.kase != NULL && args.all))
            return cs_cli_usage_error(&cli, "--case CASE or --all, with no ITEM or --profile");
        if ((rc = cs_cli_open(&cli)) != 0)
            rc = cs_cli_fail(&cli, rc);
        else
            rc = cs_retranscode_policy(&cli, args.kase, args.dry_run);
        cs_cli_close(&cli);
        return rc;
    }
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one ITEM");
    for (size_t i = 0; args.profile != NULL && i < sizeof profiles / sizeof profiles[0]; i++)
        known |= strcmp(args.profile, profiles[i]) == 0;
    if (args.profile != NULL && !known)
        return cs_cli_usage_error(&cli,
                                  "--profile \"%s\" is not one of archival, access, "
                                  "preview, thumbnail",
                                  args.profile);
    if ((rc = cs_cli_open(&cli)) != 0 ||
        (rc = cs_catalog_resolve(cli.cat, argv[optind], sha)) != 0 ||
        (rc = cs_catalog_item(cli.cat, sha, &item)) != 0 ||
        (rc = cs_catalog_metadata(cli.cat, sha, &meta)) != 0 ||
        (rc = cs_store_local_path(cli.store, sha, obj, sizeof obj)) != 0 ||
        (rc = cs_cli_derive_dir(&cli, dir, sizeof dir)) != 0)
        goto out;
    /* A profile asked for by name is made even if the configuration leaves it out. */
    cs_derive_opts_t dopts = cs_derive_opts_of(&cli.cfg);
    if (args.profile != NULL)
        dopts.profiles = args.profile; /* borrowed whole: never cut */
    const char *media_type = json_string_value(json_object_get(item, "media_type"));
    json_t *decision = cs_derive_decide(cli.cat, media_type, meta);
    req = cs_derive_request_decided(&dopts, dir, obj, sha, media_type, meta, decision, NULL, NULL);
    json_decref(decision);
    if (req != NULL)
        json_object_set_new(req, "policy_ledger", json_true());
    if (req == NULL) {
        const char *kind = cs_derive_kind(media_type, meta);
        cs_diag_set("item %.12s (%s) has no %s copy to make: %s", sha, media_type,
                    args.profile ? args.profile : "",
                    kind == NULL ? "it is not a photo, audio or video recording that Custody reads"
                                 : "transcode.profiles names none of its kind's profiles");
        rc = CS_EINVAL;
        goto out;
    }
    if ((rc = cs_cli_transcode(&cli, req, &call)) != 0)
        goto out;
    if (call.answer.rc != 0)
        cs_reason_caused(&reason, CS_R_TRANSCODE, "transcoding failed: ", &call.answer.why);
    if ((rc = cs_derive_store(cli.store, call.answer.result)) != 0 ||
        (rc = cs_derive_commit(cli.cat, sha, req, call.answer.result,
                               reason.text[0] ? &reason : NULL, cli.actor, &failed)) != 0) {
        cs_derive_unstore(cli.store, cli.cat, call.answer.result);
        goto out;
    }
    if ((rc = cs_catalog_derivatives(cli.cat, sha, &derivs)) != 0)
        goto out;
    print_derivatives(&cli, derivs);
out:
    json_decref(call.answer.result);
    json_decref(item);
    json_decref(meta);
    json_decref(req);
    json_decref(derivs);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    else if (failed > 0)
        rc = CS_EXIT_CHECK;
    cs_cli_close(&cli);
    return rc;
}
