/* tools/cmd_export.c: `custody export`: a case as a self-verifying BagIt bag, decided and
 * ledgered before the first byte is written (export/export.h). */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/casenum.h"
#include "core/error.h"
#include "indexer/access.h"
#include "export/export.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody export CASE --purpose TEXT --out DIR [--as USER] [--profiles LIST] [--tar]\n"
    "                      [--home DIR] [--set k=v]...\n"
    "Writes the case as a BagIt 1.0 bag (RFC 8493) at DIR (with --tar: DIR.tar): the originals,\n"
    "the verified derivatives of LIST (comma-separated: archival, access, preview, thumbnail),\n"
    "each item's record, data/case.json, and every ledger entry about the case and its items\n"
    "with its inclusion proof against a checkpoint signed for this export, and the public key.\n"
    "With --as USER only the items USER may read are exported; the others are listed as\n"
    "withheld. The export is recorded in the ledger before a byte is written; the bag is\n"
    "built under DIR.partial-<pid> and renamed when whole. Anyone can check it with\n"
    "custody verify-bag. Exit 1 if the export is refused.\n";

typedef struct export_args {
    cs_cli_t *cli;
    const char *out, *profiles;
    int tar;
} export_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    export_args_t *a = ctx;
    if (c == 'o')
        a->out = arg;
    else if (c == 'p')
        a->profiles = arg;
    else if (c == 't')
        a->tar = 1;
    return 0;
}

static int
parse_profiles(cs_cli_t *cli, char *list, cs_export_opts_t *o)
{
    static const char *const known[] = {"archival", "access", "preview", "thumbnail"};
    char *save = NULL;
    for (char *p = strtok_r(list, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok |= strcmp(p, known[i]) == 0;
        if (!ok || o->nprofiles == CS_EXPORT_PROFILES_MAX)
            return cs_cli_usage_error(cli, "unknown or repeated profile \"%s\"", p);
        for (int k = 0; k < o->nprofiles; k++)
            if (strcmp(o->profiles[k], p) == 0)
                return cs_cli_usage_error(cli, "profile \"%s\" given twice", p);
        o->profiles[o->nprofiles++] = p;
    }
    return 0;
}

static void
progress(void *arg, uint64_t items, uint64_t items_total, uint64_t bytes, uint64_t bytes_total)
{
    char bar[31];
    double f = bytes_total   ? (double)bytes / (double)bytes_total
               : items_total ? (double)items / (double)items_total
                             : 1;
    int fill = (int)(f * 30 + 0.5);
    (void)arg;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : ' ';
    bar[30] = '\0';
    fprintf(stderr, "\rexport [%s] %3d%%  %llu/%llu items  %.1f/%.1f MB", bar, (int)(f * 100),
            (unsigned long long)items, (unsigned long long)items_total, (double)bytes / 1e6,
            (double)bytes_total / 1e6);
    if (items == items_total)
        fputc('\n', stderr);
}

int
cs_cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             CS_CLI_READ_OPTIONS,
                                             {"out", required_argument, NULL, 'o'},
                                             {"profiles", required_argument, NULL, 'p'},
                                             {"tar", no_argument, NULL, 't'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    export_args_t a = {.cli = &cli};
    cs_export_opts_t o = {0};
    cs_export_result_t res;
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    cs_access_who_t who;
    char client[96], profiles[128] = "";
    int rc = 0, code = -1;
    cs_cli_init(&cli, "export", usage_text);
    if ((code = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return code;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one CASE");
    if (a.out == NULL || a.out[0] == '\0')
        return cs_cli_usage_error(&cli, "give --out DIR");
    if (a.profiles != NULL) {
        if (strlen(a.profiles) >= sizeof profiles)
            return cs_cli_usage_error(&cli, "--profiles is too long");
        memcpy(profiles, a.profiles, strlen(a.profiles) + 1);
        if ((code = parse_profiles(&cli, profiles, &o)) != 0)
            return code;
    }
    code = -1;
    if ((rc = cs_cli_load(&cli)) != 0 ||
        (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
        (rc = cs_casenum_parse(rule, argv[optind], &cn)) != 0 || (rc = cs_cli_open(&cli)) != 0)
        goto out;
    cs_cli_client(&cli, client, sizeof client);
    if ((rc = cs_cli_who(&cli, cli.as, &who)) != 0)
        goto out;
    o.case_number = cn.text;
    o.purpose = cli.purpose;
    o.tz = cs_cli_site_tz(&cli);
    o.out = a.out;
    o.who = &who;
    o.policy = cs_access_policy(&cli.cfg);
    o.channel = CS_CHANNEL_CLI;
    o.client = client;
    o.tar = a.tar;
    if (isatty(STDERR_FILENO))
        o.progress = progress;
    if ((rc = cs_export_case(cli.cat, cli.store, &cli.home, &o, &res)) != 0)
        goto out;
    if (!res.allowed) {
        fprintf(stderr, "custody export: refused (ledger entry %lld): %s\n", (long long)res.seq,
                res.reason);
        code = CS_EXIT_CHECK;
        goto out;
    }
    printf("exported case %s to %s: %llu items (%llu withheld), %llu payload files, %llu bytes, "
           "%llu ledger entries proven against a checkpoint of %llu; export entry %lld\n",
           cn.text, res.path, (unsigned long long)res.items, (unsigned long long)res.withheld,
           (unsigned long long)res.files, (unsigned long long)res.bytes,
           (unsigned long long)res.entries, (unsigned long long)res.tree_size, (long long)res.seq);
out:
    cs_casenum_rule_free(&rule);
    if (code < 0)
        code = rc != 0 ? cs_cli_fail(&cli, rc) : 0;
    cs_cli_close(&cli);
    return code;
}
