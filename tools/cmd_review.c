/* tools/cmd_review.c: `custody review submit|show|opinion`: the legal review (法制审核) of a
 * case's decision in rounds. Who may do what is access/review.h's; this file parses, builds
 * the signed opinion and prints. */
#include "tools/cli.h"
#include "tools/review.h"

#include "access/review.h"
#include "core/buf.h"
#include "core/casenum.h"
#include "core/error.h"
#include "export/export.h"
#include "indexer/review.h"
#include "ledger/key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: custody review submit CASE --note TEXT [--as USER]\n"
    "       custody review show CASE --purpose TEXT [--as USER] [--json]\n"
    "       custody review opinion CASE --as LEGALUSER --verdict agree|problems\n"
    "                              --finding POINT=ok|problem|na[:TEXT]... --proposal TEXT...\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "submit (a clerk or an admin) freezes what is submitted: the case exported as a bag, stored\n"
    "as an object, its hash and round ledgered (review.submit). show lists the rounds, their\n"
    "opinions and the decisions (a read of the case: ledgered). opinion (a user of role legal\n"
    "who brought none of the case's evidence in and is none of its officers) files the written\n"
    "opinion on the latest round, signed with the user's key (<home>/keys/USER.pem): a finding\n"
    "for every point of review: subject (执法主体), jurisdiction (管辖权限), qualification\n"
    "(执法人员资格), facts (事实证据), law (法律适用), procedure (程序), documents (文书),\n"
    "referral (是否涉嫌犯罪需移送). \"problems\" sends the case back: submit it again after\n"
    "the corrections. Refusals exit 1 and are ledgered.\n";

#define points cs_review_points
#define NPOINTS ((size_t)CS_REVIEW_NPOINTS)
#define MAX_PROPOSALS 16

struct opts {
    const char *note, *verdict;
    const char *findings[NPOINTS];
    const char *proposals[MAX_PROPOSALS];
    size_t nproposals;
    int bad; /* a finding or proposal it cannot take */
    char why[160];
};

static int
on_option(int c, const char *arg, void *ctx)
{
    struct opts *o = ctx;
    size_t i;
    if (c == 'n')
        o->note = arg;
    else if (c == 'v')
        o->verdict = arg;
    else if (c == 'p' && o->nproposals < MAX_PROPOSALS)
        o->proposals[o->nproposals++] = arg;
    else if (c == 'p')
        o->bad = 1, snprintf(o->why, sizeof o->why, "at most %d --proposal", MAX_PROPOSALS);
    else if (c == 'f') {
        size_t len = strcspn(arg, "=");
        for (i = 0; i < NPOINTS; i++)
            if (strlen(points[i]) == len && strncmp(arg, points[i], len) == 0)
                break;
        if (i == NPOINTS || arg[len] != '=')
            o->bad = 1, snprintf(o->why, sizeof o->why, "--finding %.40s: no such point", arg);
        else
            o->findings[i] = arg + len + 1;
    }
    return 0;
}

/* {"result", "text"?} of "ok|problem|na[:TEXT]", or NULL. */
static json_t *
finding(const char *v)
{
    static const char *const results[] = {"ok", "problem", "na"};
    size_t len = strcspn(v, ":");
    for (size_t i = 0; i < 3; i++)
        if (strlen(results[i]) == len && strncmp(v, results[i], len) == 0)
            return json_pack("{s:s, s:s*}", "result", results[i], "text",
                             v[len] == ':' ? v + len + 1 : NULL);
    return NULL;
}

int
cs_cli_review_refused(cs_cli_t *cli, const cs_access_decision_t *dec, int64_t seq)
{
    fprintf(stderr, "custody %s: refused (%s, ledger entry %lld): %s\n  %s\n", cli->cmd,
            cs_access_deny_code(dec->deny), (long long)seq, dec->reason, dec->reason_zh);
    return CS_EXIT_CHECK;
}

int
cs_cli_review_gate(cs_cli_t *cli, const char *case_number, cs_review_act_t act,
                   cs_access_who_t *who, cs_review_state_t *st, int *code)
{
    cs_access_decision_t dec;
    char client[96];
    int64_t seq = 0;
    int rc;
    *code = 0;
    cs_cli_client(cli, client, sizeof client);
    if ((rc = cs_cli_who(cli, cli->as, who)) != 0 ||
        (rc = cs_access_review_decide(cli->cat, who, case_number, act, client, st, &dec, &seq)) !=
            0)
        return rc;
    if (!dec.allowed)
        *code = cs_cli_review_refused(cli, &dec, seq);
    return 0;
}

static int
submit(cs_cli_t *cli, const char *case_number, const struct opts *o, int *code)
{
    cs_access_who_t who, home;
    cs_review_state_t st;
    cs_export_opts_t eo = {0};
    cs_export_result_t res;
    char client[96], sha[65];
    json_t *items = NULL;
    int64_t round = 0;
    int rc;
    if ((rc = cs_cli_review_gate(cli, case_number, CS_REVIEW_SUBMIT, &who, &st, code)) != 0 ||
        *code != 0)
        return rc;
    cs_cli_client(cli, client, sizeof client);
    /* The whole case is frozen, not what the submitter may read (a clerk reads only what they
     * brought in): the bag goes into the store, to no one, as the home's own export. */
    cs_access_who_operator(&home, cli->actor);
    eo.case_number = case_number;
    eo.purpose = "法制审核送审 (legal review submission)";
    eo.who = &home;
    eo.policy = cs_access_policy(&cli->cfg);
    eo.channel = CS_CHANNEL_CLI;
    eo.client = client;
    if ((rc = cs_export_review_bag(cli->cat, cli->store, &cli->home, &eo, &res, sha, &items)) != 0)
        return rc;
    if (!res.allowed) {
        fprintf(stderr,
                "custody review: the export of the submission was refused (ledger entry "
                "%lld): %s\n",
                (long long)res.seq, res.reason);
        *code = CS_EXIT_CHECK;
        return 0;
    }
    rc = cs_catalog_review_submit(cli->cat, case_number, sha, items, o->note, who.name, &round);
    if (rc == 0)
        printf("submitted case %s for legal review: round %lld, %zu item%s, bag %s\n", case_number,
               (long long)round, json_array_size(items),
               cs_cli_s((long long)json_array_size(items)), sha);
    json_decref(items);
    return rc;
}

static int
opinion(cs_cli_t *cli, const char *case_number, const struct opts *o, int *code)
{
    cs_access_who_t who;
    cs_review_state_t st;
    char hash[65], kid[65];
    json_t *findings = json_object(), *proposals = json_array();
    int rc = findings && proposals ? 0 : CS_ENOMEM;
    for (size_t i = 0; rc == 0 && i < NPOINTS; i++)
        if (json_object_set_new(findings, points[i], finding(o->findings[i])) != 0)
            rc = CS_ENOMEM;
    for (size_t i = 0; rc == 0 && i < o->nproposals; i++)
        if (json_array_append_new(proposals, json_string(o->proposals[i])) != 0)
            rc = CS_ENOMEM;
    if (rc != 0 ||
        (rc = cs_cli_review_gate(cli, case_number, CS_REVIEW_OPINION, &who, &st, code)) != 0 ||
        *code != 0)
        goto out;
    if ((rc = cs_review_file_opinion(cli->cat, cli->home.root, &who, &st, o->verdict, findings,
                                     proposals, hash, kid)) == 0)
        printf("filed the opinion of %s on round %lld of case %s: %s; opinion %s signed by key "
               "%.12s\n",
               who.name, (long long)st.round, case_number, o->verdict, hash, kid);
out:
    json_decref(findings);
    json_decref(proposals);
    return rc;
}

static void
print_rounds(const json_t *r)
{
    json_t *x, *op;
    size_t i;
    json_array_foreach(json_object_get(r, "rounds"), i, x)
    {
        op = json_object_get(x, "opinion");
        printf("round %lld  submitted %s by %s  bag %s  %zu items  note: %s\n",
               (long long)json_integer_value(json_object_get(x, "round")),
               json_string_value(json_object_get(x, "submitted_at")),
               json_string_value(json_object_get(x, "submitted_by")),
               json_string_value(json_object_get(x, "bag_sha256")),
               json_array_size(json_object_get(x, "items")),
               json_string_value(json_object_get(x, "note")));
        if (!json_is_object(op)) {
            printf("  no opinion yet\n");
            continue;
        }
        printf("  opinion by %s %s: %s  (opinion %s)\n",
               json_string_value(json_object_get(op, "author")),
               json_string_value(json_object_get(op, "filed_at")),
               json_string_value(json_object_get(op, "verdict")),
               json_string_value(json_object_get(op, "opinion_sha256")));
        printf("  %s\n", json_string_value(json_object_get(op, "opinion")));
    }
    json_array_foreach(json_object_get(r, "decisions"), i, x)
        printf("decision %s on round %lld by %s %s: document %s\n",
               json_string_value(json_object_get(x, "kind")),
               (long long)json_integer_value(json_object_get(x, "round")),
               json_string_value(json_object_get(x, "decided_by")),
               json_string_value(json_object_get(x, "decided_at")),
               json_string_value(json_object_get(x, "sha256")));
}

static int
show(cs_cli_t *cli, const char *case_number, int *code)
{
    json_t *r = NULL;
    int rc;
    if ((*code = cs_cli_retrieval(cli, "review.show", NULL, case_number)) != 0)
        return 0;
    if ((rc = cs_catalog_reviews(cli->cat, case_number, &r)) != 0)
        return rc;
    if (cli->json)
        cs_cli_print_json(r, 0);
    else
        print_rounds(r);
    json_decref(r);
    return 0;
}

/* Checks what a verb needs before anything is opened; a usage error's exit code, or 0. */
static int
check_args(cs_cli_t *cli, const char *verb, const struct opts *o)
{
    if (o->bad)
        return cs_cli_usage_error(cli, "%s", o->why);
    if (strcmp(verb, "submit") == 0 && (o->note == NULL || o->note[0] == '\0'))
        return cs_cli_usage_error(cli, "submit needs --note TEXT");
    if (strcmp(verb, "opinion") != 0)
        return o->verdict || o->nproposals || o->findings[0]
                   ? cs_cli_usage_error(cli, "--verdict, --finding, --proposal go with opinion")
                   : 0;
    if (cli->as == NULL)
        return cs_cli_usage_error(cli, "opinion needs --as LEGALUSER: the reviewer who signs it");
    if (o->verdict == NULL || (strcmp(o->verdict, "agree") && strcmp(o->verdict, "problems")))
        return cs_cli_usage_error(cli, "--verdict must be agree or problems");
    for (size_t i = 0; i < NPOINTS; i++) {
        json_t *f = o->findings[i] ? finding(o->findings[i]) : NULL;
        if (f == NULL)
            return cs_cli_usage_error(cli,
                                      "--finding %s=ok|problem|na[:TEXT] is missing or bad: every "
                                      "point of review is given",
                                      points[i]);
        json_decref(f);
    }
    if (o->nproposals == 0 && strcmp(o->verdict, "problems") == 0)
        return cs_cli_usage_error(cli, "a \"problems\" opinion gives at least one --proposal");
    return 0;
}

int
cs_cmd_review(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             CS_CLI_READ_OPTIONS,
                                             {"note", required_argument, NULL, 'n'},
                                             {"verdict", required_argument, NULL, 'v'},
                                             {"finding", required_argument, NULL, 'f'},
                                             {"proposal", required_argument, NULL, 'p'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    struct opts o = {0};
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    const char *verb;
    int rc, code = 0;
    cs_cli_init(&cli, "review", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &o)) != 0)
        return rc;
    if (argc - optind != 2)
        return cs_cli_usage_error(&cli, "give a verb (submit, show, opinion) and one CASE");
    verb = argv[optind];
    if (strcmp(verb, "submit") && strcmp(verb, "show") && strcmp(verb, "opinion"))
        return cs_cli_usage_error(&cli, "unknown \"%s\"; use submit, show or opinion", verb);
    if ((code = check_args(&cli, verb, &o)) != 0)
        return code;
    if ((rc = cs_cli_load(&cli)) != 0 ||
        (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
        (rc = cs_casenum_parse(rule, argv[optind + 1], &cn)) != 0 || (rc = cs_cli_open(&cli)) != 0)
        goto out;
    if (strcmp(verb, "submit") == 0)
        rc = submit(&cli, cn.text, &o, &code);
    else if (strcmp(verb, "opinion") == 0)
        rc = opinion(&cli, cn.text, &o, &code);
    else
        rc = show(&cli, cn.text, &code);
out:
    cs_casenum_rule_free(&rule);
    if (rc != 0)
        code = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return code;
}

int
cs_cli_review_key_path(cs_cli_t *cli, const char *name, char *buf, size_t size)
{
    return cs_review_key_path(cli->home.root, name, buf, size);
}
