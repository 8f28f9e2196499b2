/* tools/cmd_dat63.c: `custody dat63`: the DA/T 63-2017 record of an audio or video item as
 * XML, or the table of a case's records as CSV (export/dat63.h). Each is a read of records:
 * decided by the gate and ledgered before a byte is printed, like `custody show`. */
#include "tools/cli.h"

#include "core/casenum.h"
#include "core/error.h"
#include "export/dat63.h"
#include "export/evlist.h"
#include "indexer/archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: custody dat63 ITEM --purpose TEXT [--as USER] [--json]\n"
    "       custody dat63 --case CASE --csv --purpose TEXT [--as USER]\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "Prints the metadata record of DA/T 63-2017 (录音录像类电子档案元数据方案) of an audio or\n"
    "video item as XML (UTF-8, the standard's Chinese element names; --json: the same tree as\n"
    "JSON): 文件实体 (档号, 题名, 摄录时间, 地点, 人物, 格式信息, 计算机文件名, 大小, SHA-256\n"
    "数字摘要, 设备信息), 机构人员实体, 业务实体 (ingest, copies, hand-over, reads) and\n"
    "实体关系. With --case, one CSV row per audio and video item of the case the reader may\n"
    "see. Every read is in the ledger.\n";

typedef struct dat63_args {
    const char *case_arg;
    int csv;
} dat63_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    dat63_args_t *a = ctx;
    if (c == 'c')
        a->case_arg = arg;
    else if (c == 'v')
        a->csv = 1;
    return 0;
}

static int
one(cs_cli_t *cli, const char *arg)
{
    json_t *rec = NULL, *row = NULL, *item = NULL;
    char sha[65], *xml = NULL;
    size_t len = 0;
    int rc, code;
    if ((rc = cs_catalog_resolve(cli->cat, arg, sha)) != 0)
        return cs_cli_fail(cli, rc);
    if ((code = cs_cli_retrieval(cli, "view", sha, NULL)) != 0)
        return code;
    /* Described in its first active case, with that case's 档号 when it is archived. */
    if ((rc = cs_catalog_item(cli->cat, sha, &item)) != 0)
        goto out;
    const char *number = json_string_value(json_array_get(json_object_get(item, "cases"), 0));
    if (number != NULL && (rc = cs_catalog_case_reference(cli->cat, number, &row)) != 0)
        goto out;
    cs_dat63_ctx_t ctx = {.case_number = number, .archive = row};
    if ((number != NULL && (rc = cs_dat63_item_no(cli->cat, number, sha, &ctx.item_no)) != 0) ||
        (rc = cs_dat63_record(cli->cat, sha, &ctx, &rec)) != 0)
        goto out;
    if (cli->json) {
        cs_cli_print_json(rec, 0);
        goto out;
    }
    if ((rc = cs_dat63_xml(rec, &xml, &len)) == 0 && fwrite(xml, 1, len, stdout) != len) {
        cs_diag_set("cannot write the record to stdout");
        rc = CS_EIO;
    }
out:
    free(xml);
    json_decref(rec);
    json_decref(row);
    json_decref(item);
    return rc ? cs_cli_fail(cli, rc) : 0;
}

static int
in_set(void *arg, const char *sha256)
{
    return json_object_get(arg, sha256) != NULL;
}

/* One row per audio and video item the reader may see, numbered (件号) as the evidence list
 * and the archival package number them. */
static int
table(cs_cli_t *cli, const char *number)
{
    cs_evlist_t l = {.case_number = number};
    json_t *row = NULL, *it, *shown = NULL, *reads = NULL;
    size_t i;
    int rc, code;
    if ((code = cs_cli_retrieval(cli, "list", NULL, number)) != 0)
        return code;
    if ((rc = cs_evlist_load(cli->cat, &l, cs_dat63_keep_all, NULL)) != 0 ||
        (rc = cs_catalog_case_reference(cli->cat, number, &row)) != 0)
        goto out;
    /* The reads of all the case's items, from one pass over the ledger. */
    if ((shown = json_object()) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    json_array_foreach(l.rows, i, it)
        json_object_set(shown, json_string_value(json_object_get(it, "sha256")), json_true());
    if ((rc = cs_dat63_reads(cli->cat, in_set, shown, &reads)) != 0 ||
        (rc = cs_dat63_csv_header(stdout)) != 0)
        goto out;
    json_array_foreach(l.rows, i, it)
    {
        const char *sha = json_string_value(json_object_get(it, "sha256"));
        json_t *rec = NULL;
        int seen = 0;
        if (!cs_dat63_is_av(json_string_value(json_object_get(it, "media_type"))))
            continue;
        if ((rc = cs_cli_visible(cli, sha, NULL, &seen)) != 0)
            goto out;
        if (!seen) /* numbered all the same: 件号 are the case's, not the reader's */
            continue;
        cs_dat63_ctx_t ctx = {
            .case_number = number, .archive = row, .item_no = (long)i + 1, .reads = reads};
        if ((rc = cs_dat63_record(cli->cat, sha, &ctx, &rec)) == 0)
            rc = cs_dat63_csv_row(stdout, rec);
        json_decref(rec);
        if (rc != 0)
            goto out;
    }
out:
    cs_evlist_free(&l);
    json_decref(row);
    json_decref(shown);
    json_decref(reads);
    return rc ? cs_cli_fail(cli, rc) : 0;
}

int
cs_cmd_dat63(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             CS_CLI_READ_OPTIONS,
                                             {"case", required_argument, NULL, 'c'},
                                             {"csv", no_argument, NULL, 'v'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    dat63_args_t a = {0};
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    int rc;
    cs_cli_init(&cli, "dat63", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (a.case_arg != NULL ? argc != optind || !a.csv : argc - optind != 1 || a.csv)
        return cs_cli_usage_error(&cli, "name one ITEM, or --case CASE with --csv");
    if ((rc = cs_cli_load(&cli)) != 0 ||
        (a.case_arg != NULL && ((rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
                                (rc = cs_casenum_parse(rule, a.case_arg, &cn)) != 0)) ||
        (rc = cs_cli_open(&cli)) != 0)
        rc = cs_cli_fail(&cli, rc);
    else
        rc = a.case_arg != NULL ? table(&cli, cn.text) : one(&cli, argv[optind]);
    cs_casenum_rule_free(&rule);
    cs_cli_close(&cli);
    return rc;
}
