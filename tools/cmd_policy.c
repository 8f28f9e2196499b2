/* tools/cmd_policy.c: `custody policy list|show|set`: the format policy (indexer/policy.h),
 * which archival copy each source format gets. Anyone may read it; admins and the operator
 * change a row (access/ decides: cs_access_format_policy), each change a new policy version,
 * ledgered policy.set; a refused change is ledgered too. `custody retranscode --case|--all`
 * applies a changed policy to what came before. */
#include "tools/cli.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/policy.h"
#include "indexer/registry.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: custody policy list [--json]\n"
    "       custody policy show KEY [--json]\n"
    "       custody policy set KEY [--action keep|normalise|review [--target TARGET]]\n"
    "                          [--profile PATTERN] [--reason TEXT] [--as ADMIN]\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "The format policy: one row per source format (sniffed media type, container, first\n"
    "video and audio codec, codec profile, each a list of patterns; PRONOM id where there\n"
    "is one), first match by rank. The profile is the first video stream's (\"High\",\n"
    "\"Main\", \"Constrained Baseline\"), else the first audio stream's (\"LC\"); \"-\"\n"
    "matches a stream that declares none, \"*\" anything. keep: the original is the\n"
    "archival format (no second copy); normalise:\n"
    "an archival copy in TARGET (list shows them: h264-high-mp4, ffv1-mkv, flac, wav,\n"
    "jpeg-q95); review: no archival copy, flagged for an archivist. `set` is for admins (the\n"
    "host's operator is one; --as USER acts as that user): a new policy version, in the\n"
    "ledger (policy.set), as is a refused one. New items follow it at once; `custody\n"
    "retranscode --case C|--all` applies it to what came before. Exit 1 when refused.\n";

enum { O_ACTION = 0x300, O_TARGET, O_REASON, O_PROFILE };

typedef struct args {
    const char *action, *target, *reason, *profile;
} args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    args_t *a = ctx;
    if (c == O_ACTION)
        a->action = arg;
    else if (c == O_TARGET)
        a->target = arg;
    else if (c == O_REASON)
        a->reason = arg;
    else if (c == O_PROFILE)
        a->profile = arg;
    return 0;
}

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "-";
}

static void
print_rows(json_t *policy, int whole)
{
    json_t *v;
    size_t i;
    printf("format policy, version %lld\n",
           (long long)json_integer_value(json_object_get(policy, "version")));
    json_array_foreach(json_object_get(policy, "rows"), i, v)
    {
        int any = strcmp(str(v, "profile"), "*") == 0;
        printf("%-12s %-8s %-9s %-14s %-10s %s%s%s%s\n", str(v, "key"), str(v, "kind"),
               str(v, "action"), str(v, "target"), str(v, "puid"), str(v, "name"),
               any ? "" : " (profile ", any ? "" : str(v, "profile"), any ? "" : ")");
        if (whole)
            printf("  rank %lld; media type %s; container %s; video %s; audio %s; profile %s\n"
                   "  version %lld, set by %s at %s\n",
                   (long long)json_integer_value(json_object_get(v, "rank")), str(v, "media_type"),
                   str(v, "container"), str(v, "video"), str(v, "audio"), str(v, "profile"),
                   (long long)json_integer_value(json_object_get(v, "version")),
                   str(v, "updated_by"), str(v, "updated_at"));
    }
    if (whole)
        return;
    printf("targets\n");
    json_array_foreach(json_object_get(policy, "targets"), i, v)
        printf("  %-14s %-6s %s\n", str(v, "name"), str(v, "kind"), str(v, "describe"));
}

/* The reader may change the policy; else the refusal, ledgered, and the exit code. */
static int
admin(cs_cli_t *cli, const char *key, cs_access_who_t *who)
{
    char why[256];
    int rc;
    if ((rc = cs_cli_who(cli, cli->as, who)) != 0)
        return cs_cli_fail(cli, rc);
    if (!cs_cli_refused(who, cs_access_format_policy(who->role),
                        "only admins change the format policy", why, sizeof why))
        return 0;
    if ((rc = cs_catalog_registry_refused(cli->cat, "policy.set", key, who->name,
                                          cs_access_role_name(who->role), why)) != 0)
        return cs_cli_fail(cli, rc);
    fprintf(stderr, "custody policy: refused (in the ledger): %s\n", why);
    return CS_EXIT_CHECK;
}

int
cs_cmd_policy(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"as", required_argument, NULL, CS_CLI_OPT_AS},
                                             {"action", required_argument, NULL, O_ACTION},
                                             {"target", required_argument, NULL, O_TARGET},
                                             {"reason", required_argument, NULL, O_REASON},
                                             {"profile", required_argument, NULL, O_PROFILE},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    cs_access_who_t who;
    args_t a = {0};
    json_t *policy = NULL;
    int64_t version = 0;
    int rc;

    cs_cli_init(&cli, "policy", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (optind >= argc)
        return cs_cli_usage_error(&cli, "give list, show or set");
    const char *verb = argv[optind];
    int is_list = strcmp(verb, "list") == 0, is_show = strcmp(verb, "show") == 0;
    int is_set = strcmp(verb, "set") == 0;
    if (!is_list && !is_show && !is_set)
        return cs_cli_usage_error(&cli, "unknown verb \"%s\": list, show or set", verb);
    if (argc - optind != (is_list ? 1 : 2))
        return cs_cli_usage_error(&cli, is_list ? "list takes nothing more" : "name one KEY");
    if (is_set && a.action == NULL && a.profile == NULL)
        return cs_cli_usage_error(&cli, "set needs --action keep, normalise or review, or "
                                        "--profile PATTERN");
    if (is_set && a.action == NULL && a.target != NULL)
        return cs_cli_usage_error(&cli, "--target goes with --action normalise");
    const char *key = is_list ? NULL : argv[optind + 1];
    if ((rc = cs_cli_open(&cli)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    if (is_set) {
        if ((rc = admin(&cli, key, &who)) != 0)
            goto out;
        if ((rc = cs_policy_set(cli.cat, key, a.action, a.target, a.profile, a.reason, who.name,
                                &version)) != 0 ||
            (rc = cs_policy_list(cli.cat, key, &policy)) != 0) {
            rc = cs_cli_fail(&cli, rc);
            goto out;
        }
        json_t *row = json_array_get(json_object_get(policy, "rows"), 0);
        printf("policy row %s: %s%s%s, profile %s, policy version %lld (ledgered as policy.set "
               "by %s); custody retranscode --all applies it to what came before\n",
               key, str(row, "action"),
               json_is_string(json_object_get(row, "target")) ? " to " : "",
               json_is_string(json_object_get(row, "target")) ? str(row, "target") : "",
               str(row, "profile"), (long long)version, who.name);
        goto out;
    }
    if ((rc = cs_policy_list(cli.cat, key, &policy)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    if (cli.json)
        cs_cli_print_json(is_show ? json_array_get(json_object_get(policy, "rows"), 0) : policy, 0);
    else
        print_rows(policy, is_show);
out:
    json_decref(policy);
    cs_cli_close(&cli);
    return rc;
}
