/* tools/cmd_archive.c: `custody case archive CASE`: a closed case handed to the archives
 * (归档). Its archival reference 档号 is assigned and its keep period set in the transaction of
 * the `case.archive` entry (indexer/archive.h); then the case is exported through the gate as
 * the archival package: the bag of `custody export` with the archival copies and data/archive/
 * (DA/T 63 records, 文件目录, the register row), verified offline by `custody verify-bag`. */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/casenum.h"
#include "core/error.h"
#include "access/gate.h"
#include "export/export.h"
#include "indexer/archive.h"
#include "indexer/cases.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: custody case archive CASE --out DIR [--keep-period permanent|long|short]\n"
    "                            [--purpose TEXT] [--as USER] [--tar] [--home DIR] [--set k=v]\n"
    "Archives (归档) a closed case: gives it its archival reference (档号, from\n"
    "archive.reference_pattern with archive.fonds and archive.class; kept if it has one), sets\n"
    "its archive period (保管期限: the one given, else the case's own, else\n"
    "retention.default_period), ledgers the hand-over as case.archive, and writes the archival\n"
    "package at DIR: the bag of custody export with the originals, the archival copies, each\n"
    "record, the evidence list, the ledger's proofs, and data/archive/: a DA/T 63-2017 record\n"
    "per audio and video item, the 文件目录 (file-list.csv, each file with its 档号), the\n"
    "DA/T 63 table and the case's register row. Check it with custody verify-bag DIR.\n"
    "Only clerks and admins archive; a case that is not closed is refused (exit 1).\n";

#define ARCHIVE_PURPOSE "归档移交 archive hand-over" /* when --purpose is not given */

typedef struct archive_args {
    const char *out, *period;
    int tar;
} archive_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    archive_args_t *a = ctx;
    if (c == 'o')
        a->out = arg;
    else if (c == 'k')
        a->period = arg;
    else if (c == 't')
        a->tar = 1;
    return 0;
}

/* Assigns (or finds) the case's reference; a refusal is printed, ledgered, and exit 1. */
static int
assign(cs_cli_t *cli, const char *number, const archive_args_t *a, const cs_access_who_t *who,
       json_t **row, int *code)
{
    char today[16];
    int already = 0, rc;
    cs_clock_site_date(cs_cli_site_tz(cli), cs_clock_now_ms(), today);
    cs_archive_assign_t as = {.pattern = cli->cfg.archive_reference_pattern,
                              .fonds = cli->cfg.archive_fonds,
                              .class_ = cli->cfg.archive_class,
                              .period = a->period,
                              .default_period =
                                  cs_config_periods[cli->cfg.retention_default_period],
                              .site_tz = cli->cfg.site_tz,
                              .today = today};
    *code = 0;
    if (as.fonds[0] == '\0' && strstr(as.pattern, "{fonds}") != NULL) {
        fprintf(stderr, "custody case: 未设置全宗号 archive.fonds: set the fonds number the "
                        "archives gave the bureau (custody config set archive.fonds ...)\n");
        *code = CS_EXIT_USAGE;
        return 0;
    }
    rc = cs_catalog_case_archive(cli->cat, number, &as, who->name, row, &already);
    if (rc == CS_EINVAL) {
        char why[512];
        cs_snprintf_cut(why, sizeof why, "%s", cs_diag()); /* a reason, for people */
        fprintf(stderr, "custody case: 拒绝归档 refused (in the ledger): %s\n", why);
        if ((rc = cs_catalog_case_refused(cli->cat, "case.archive", number, who->name,
                                          cs_access_role_name(who->role), why)) != 0)
            return rc;
        *code = CS_EXIT_CHECK;
        return 0;
    }
    if (rc == 0 && already)
        printf("case %s was archived before as %s: its reference is kept\n", number,
               json_string_value(json_object_get(*row, "reference")));
    return rc;
}

static int
archive(cs_cli_t *cli, const char *number, const archive_args_t *a)
{
    cs_access_who_t who;
    cs_export_opts_t o = {0};
    cs_export_result_t res;
    json_t *row = NULL;
    char client[96];
    int rc, code;
    if ((code = cs_cli_case_editor(cli, "case.archive", number, &who)) != 0)
        return code;
    cs_cli_client(cli, client, sizeof client);
    /* Whoever may not take the case out gets no 档号 either: the package is an export. */
    cs_access_policy_t pol = cs_access_policy(&cli->cfg);
    cs_access_how_t how = {.read = CS_READ_EXPORT,
                           .channel = CS_CHANNEL_CLI,
                           .purpose = cli->purpose ? cli->purpose : ARCHIVE_PURPOSE,
                           .client = client,
                           .action = "export"};
    cs_access_decision_t d;
    if ((rc = cs_access_decide(cli->cat, &pol, &who, NULL, number, &how, &d, NULL)) != 0)
        goto out;
    if (!d.allowed) {
        fprintf(stderr, "custody case: 拒绝归档 refused (in the ledger): %s\n", d.reason);
        rc = cs_catalog_case_refused(cli->cat, "case.archive", number, who.name,
                                     cs_access_role_name(who.role), d.reason);
        code = CS_EXIT_CHECK;
        goto out;
    }
    if ((rc = assign(cli, number, a, &who, &row, &code)) != 0 || code != 0)
        goto out;
    o.case_number = number;
    o.purpose = cli->purpose ? cli->purpose : ARCHIVE_PURPOSE;
    o.tz = cs_cli_site_tz(cli);
    o.out = a->out;
    o.who = &who;
    o.policy = cs_access_policy(&cli->cfg);
    o.channel = CS_CHANNEL_CLI;
    o.client = client;
    o.tar = a->tar;
    o.profiles[o.nprofiles++] = "archival";
    o.archive = row;
    if ((rc = cs_export_case(cli->cat, cli->store, &cli->home, &o, &res)) != 0)
        goto out;
    if (!res.allowed) {
        fprintf(stderr, "custody case: the package was refused (ledger entry %lld): %s\n",
                (long long)res.seq, res.reason);
        code = CS_EXIT_CHECK;
        goto out;
    }
    printf("case %s archived as %s (保管期限 %s): package %s, %llu items (%llu withheld), %llu "
           "files; export entry %lld\n",
           number, json_string_value(json_object_get(row, "reference")),
           json_string_value(json_object_get(row, "period")), res.path,
           (unsigned long long)res.items, (unsigned long long)res.withheld,
           (unsigned long long)res.files, (long long)res.seq);
out:
    json_decref(row);
    return code ? code : rc ? cs_cli_fail(cli, rc) : 0;
}

int
cs_cmd_case_archive(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             CS_CLI_READ_OPTIONS,
                                             {"out", required_argument, NULL, 'o'},
                                             {"keep-period", required_argument, NULL, 'k'},
                                             {"tar", no_argument, NULL, 't'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    archive_args_t a = {0};
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    int rc;
    cs_cli_init(&cli, "case archive", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one CASE");
    if (a.out == NULL || a.out[0] == '\0')
        return cs_cli_usage_error(&cli, "give --out DIR");
    if ((rc = cs_cli_load(&cli)) != 0 ||
        (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
        (rc = cs_casenum_parse(rule, argv[optind], &cn)) != 0 || (rc = cs_cli_open(&cli)) != 0)
        rc = cs_cli_fail(&cli, rc);
    else
        rc = archive(&cli, cn.text, &a);
    cs_casenum_rule_free(&rule);
    cs_cli_close(&cli);
    return rc;
}
