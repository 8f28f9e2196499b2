/* tools/cmd_case_decide.c: `custody case decide`: a decision recorded only on an agreed legal
 * review of the latest submission (access/review.h), its document stored as evidence of the
 * case (stage `decision`) and named by the `case.decided` ledger entry. */
#include "tools/cli.h"
#include "tools/review.h"

#include "core/casenum.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/review.h"
#include "ingest/ingest.h"

#include <stdio.h>
#include <string.h>

static const char decide_usage[] =
    "usage: custody case decide CASE --kind KIND --document FILE [--as USER]\n"
    "  (also takes --home DIR and --set k=v)\n"
    "Records the case's decision of KIND (e.g. 行政处罚决定) by a clerk or an admin who did\n"
    "not write its legal opinion, only when the latest review round's opinion agrees and judged\n"
    "the latest submission (未经法制审核或者审核未通过的，不得作出决定); otherwise it exits 1\n"
    "with the reason, ledgered. FILE is stored as evidence of the case at stage decision.\n";

struct decide_opts {
    const char *kind, *document;
};

static int
decide_option(int c, const char *arg, void *ctx)
{
    struct decide_opts *o = ctx;
    if (c == 'k')
        o->kind = arg;
    else if (c == 'd')
        o->document = arg;
    return 0;
}

/* Stores the document as evidence of the case, credited to `who`, at stage decision. */
static int
store_document(cs_cli_t *cli, const cs_casenum_rule_t *rule, const char *case_number,
               const cs_access_who_t *who, const char *path, char sha256[65])
{
    cs_ingest_result_t res;
    cs_ingest_ctx_t ctx = {.store = cli->store,
                           .cat = cli->cat,
                           .rule = rule,
                           .actor = who->id ? who->name : cli->actor,
                           .user_id = who->id,
                           .default_tz = cli->cfg.ingest_default_tz,
                           .stage = "decision"};
    int rc = cs_ingest_file(&ctx, path, case_number, NULL, &res);
    cs_ingest_finish(&ctx);
    if (rc == 0)
        rc = cs_catalog_sync(cli->cat);
    if (rc == 0)
        memcpy(sha256, res.sha256, 65);
    return rc;
}

int
cs_cmd_case_decide(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"as", required_argument, NULL, CS_CLI_OPT_AS},
                                             {"kind", required_argument, NULL, 'k'},
                                             {"document", required_argument, NULL, 'd'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    struct decide_opts o = {0};
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    cs_access_who_t who;
    cs_review_state_t st;
    char sha[65];
    int rc = 0, code = 0;
    cs_cli_init(&cli, "case decide", decide_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, decide_option, &o)) != 0)
        return rc;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one CASE");
    if (o.kind == NULL || o.kind[0] == '\0' || o.document == NULL)
        return cs_cli_usage_error(&cli, "give --kind KIND and --document FILE");
    if ((rc = cs_cli_load(&cli)) != 0 ||
        (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
        (rc = cs_casenum_parse(rule, argv[optind], &cn)) != 0 || (rc = cs_cli_open(&cli)) != 0)
        goto out;
    if ((rc = cs_cli_review_gate(&cli, cn.text, CS_REVIEW_DECIDE, &who, &st, &code)) != 0 ||
        code != 0)
        goto out;
    char today[11];
    cs_clock_site_date(cs_clock_site_zone(cli.cfg.site_tz), cs_clock_now_ms(), today);
    if ((rc = store_document(&cli, rule, cn.text, &who, o.document, sha)) != 0 ||
        (rc = cs_catalog_decision_add(cli.cat, cn.text, st.opinion_id, o.kind, sha,
                                      who.id ? who.name : cli.actor, today)) != 0)
        goto out;
    printf("decided case %s: %s, on the agreed opinion of round %lld; document %s\n", cn.text,
           o.kind, (long long)st.round, sha);
out:
    cs_casenum_rule_free(&rule);
    if (rc != 0)
        code = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return code;
}
