/* tools/cmd_link.c: `custody link`: link an item to a case, or relink it, with a reason. */
#include "tools/cli.h"

#include "core/casenum.h"
#include "core/error.h"

#include <stdio.h>

static const char usage_text[] =
    "usage: custody link ITEM --case NO [--party NAME] --reason TEXT [--add]\n"
    "                    [--home DIR] [--set k=v]... [--json]\n"
    "Makes case NO (and party NAME) the item's case: its current links are superseded, and\n"
    "kept in its history with who, when and why. With --add the new link is added beside\n"
    "the current ones (the same record in two cases).\n";

typedef struct link_args {
    const char *case_arg, *party, *reason;
    int add;
} link_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    link_args_t *a = ctx;
    switch (c) {
    case 'c':
        a->case_arg = arg;
        break;
    case 'p':
        a->party = arg;
        break;
    case 'r':
        a->reason = arg;
        break;
    case 'a':
        a->add = 1;
        break;
    }
    return 0;
}

int
cs_cmd_link(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"case", required_argument, NULL, 'c'},
                                             {"party", required_argument, NULL, 'p'},
                                             {"reason", required_argument, NULL, 'r'},
                                             {"add", no_argument, NULL, 'a'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    link_args_t a = {0};
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    char sha[65];
    int rc;
    cs_cli_init(&cli, "link", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one ITEM");
    if (a.case_arg == NULL)
        return cs_cli_usage_error(&cli, "--case NO is required");
    if (a.reason == NULL || a.reason[0] == '\0')
        return cs_cli_usage_error(&cli, "--reason TEXT is required: say why the link changes");
    if (a.party != NULL && a.party[0] == '\0')
        return cs_cli_usage_error(&cli, "--party must not be empty");
    if ((rc = cs_cli_load(&cli)) != 0 ||
        (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
        (rc = cs_casenum_parse(rule, a.case_arg, &cn)) != 0 || (rc = cs_cli_open(&cli)) != 0 ||
        (rc = cs_catalog_resolve(cli.cat, argv[optind], sha)) != 0 ||
        (rc = cs_catalog_link(cli.cat, sha, cn.text, a.party, cli.actor, a.reason, !a.add)) != 0)
        goto out;
    if (cli.json) {
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:b}", "sha256", sha, "case", cn.text, "party",
                              a.party, "reason", a.reason, "replaced", !a.add);
        cs_cli_print_json(o, 0);
        json_decref(o);
    } else {
        printf("%s %s %s%s%s\n", sha, a.add ? "also linked to" : "linked to", cn.text,
               a.party ? " party " : "", a.party ? a.party : "");
    }
out:
    cs_casenum_rule_free(&rule);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
