/* tools/cmd_verify.c: `custody verify`: re-hash originals, report mismatches and losses. */
#include "tools/cli.h"

#include "core/error.h"
#include "fixity/fixity.h"
#include "indexer/dispose.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: custody verify ITEM... | --all  [--home DIR] [--set k=v]... [--json]\n"
    "Re-hashes each stored original and compares it with its name. Prints one line per\n"
    "item (ok, MISMATCH or MISSING), records each check as a `verified` event, and exits 1\n"
    "if any original is altered or missing. With --all, items disposed of after an approved\n"
    "disposal (custody dispose) are counted as disposed, not checked: their bytes are gone\n"
    "by design.\n";

typedef struct verify_run {
    cs_cli_t *cli;
    json_t *out; /* --json: the results */
    int ok, bad;
} verify_run_t;

static int
check_one(const char *sha256, uint64_t size, void *arg)
{
    verify_run_t *run = arg;
    cs_fixity_t result;
    char actual[CS_SHA256_HEX];
    char path[4096] = "";
    (void)size;
    int rc =
        cs_fixity_check(run->cli->store, run->cli->cat, sha256, run->cli->actor, &result, actual);
    if (rc != 0)
        return rc;
    cs_store_path(run->cli->store, sha256, path, sizeof path);
    if (result == CS_FIXITY_OK)
        run->ok++;
    else
        run->bad++;
    if (run->out != NULL) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "sha256", sha256, "result", cs_fixity_name(result),
                              "path", path);
        if (result == CS_FIXITY_MISMATCH)
            json_object_set_new(o, "actual_sha256", json_string(actual));
        json_array_append_new(run->out, o);
    } else if (result == CS_FIXITY_OK) {
        printf("ok        %s\n", sha256);
    } else if (result == CS_FIXITY_MISMATCH) {
        printf("MISMATCH  %s  %s now hashes to %s; restore it from a backup\n", sha256, path,
               actual);
    } else {
        printf("MISSING   %s  %s is gone; restore it from a backup\n", sha256, path);
    }
    fflush(stdout);
    return 0;
}

static int
on_option(int c, const char *arg, void *ctx)
{
    (void)arg;
    if (c == 'a')
        *(int *)ctx = 1;
    return 0;
}

int
cs_cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        CS_CLI_COMMON_OPTIONS, {"all", no_argument, NULL, 'a'}, {0, 0, 0, 0}};
    cs_cli_t cli;
    verify_run_t run = {.cli = &cli};
    char sha[65];
    int64_t disposed = 0;
    int all = 0, rc;
    cs_cli_init(&cli, "verify", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &all)) != 0)
        return rc;
    if (all == (optind < argc))
        return cs_cli_usage_error(&cli, "name ITEMs or give --all, not both");
    if ((rc = cs_cli_open(&cli)) != 0)
        goto out;
    if (cli.json)
        run.out = json_array();
    if (all) {
        if ((rc = cs_catalog_each_item(cli.cat, check_one, &run)) == 0)
            rc = cs_catalog_disposed_count(cli.cat, &disposed);
    } else {
        for (int i = optind; i < argc && rc == 0; i++) {
            int gone = 0;
            int64_t seq = -1;
            if ((rc = cs_catalog_resolve(cli.cat, argv[i], sha)) != 0 ||
                (rc = cs_catalog_item_disposed(cli.cat, sha, &gone, &seq)) != 0)
                break;
            if (!gone) {
                rc = check_one(sha, 0, &run);
                continue;
            }
            /* Its bytes are gone by design: said, not checked, not a failure. */
            disposed++;
            if (run.out != NULL)
                json_array_append_new(run.out,
                                      json_pack("{s:s, s:s, s:I}", "sha256", sha, "result",
                                                "disposed", "ledger_seq", (json_int_t)seq));
            else
                printf("disposed  %s  disposed of after its retention period (ledger entry %lld)\n",
                       sha, (long long)seq);
        }
    }
    if (rc == 0 && run.out != NULL)
        cs_cli_print_json(run.out, 0);
    if (rc == 0 && !cli.json && (all || disposed > 0))
        fprintf(stderr, "custody verify: %d ok, %d failed, %lld disposed\n", run.ok, run.bad,
                (long long)disposed);
    else if (rc == 0 && !cli.json)
        fprintf(stderr, "custody verify: %d ok, %d failed\n", run.ok, run.bad);
out:
    json_decref(run.out);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    else if (run.bad > 0)
        rc = CS_EXIT_CHECK;
    cs_cli_close(&cli);
    return rc;
}
