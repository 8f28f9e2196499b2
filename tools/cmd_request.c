/* tools/cmd_request.c: `custody request` (ask for access to a case; approve or refuse a
 * request), `custody requests` (list them) and `custody register retrievals` (the monthly
 * retrieval register, 调阅台账). Who may decide is indexer/requests.c's; reading the register
 * is the gate's (CS_READ_REGISTER), ledgered before a line is printed. */
#include "tools/cli.h"

#include "core/buf.h"
#include "core/casenum.h"
#include "core/clock.h"
#include "core/error.h"
#include "export/retrievals.h"
#include "indexer/access.h"
#include "indexer/requests.h"
#include "tools/sitetime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char request_usage[] =
    "usage: custody request CASE --as USER --purpose TEXT --scope SCOPE --until DATE\n"
    "                       [--party P] [--home DIR] [--set k=v]...\n"
    "       custody request approve N --as ADMIN [--clearance LEVEL]\n"
    "       custody request refuse N --as ADMIN --reason TEXT\n"
    "USER (a reviewer or an admin) asks to read case CASE (party P's items only, with\n"
    "--party) for the purpose TEXT, within SCOPE (metadata: the records; media: also previews,\n"
    "thumbnails and access copies; originals: also the original and the archival copy;\n"
    "export: also the case as a bag), until DATE (YYYY-MM-DD: the end of that day in site.tz,\n"
    "or an RFC 3339 time). Prints the request's number.\n"
    "An admin other than the requester approves request N (a grant of that purpose, scope and\n"
    "period, up to LEVEL: default access.default_classification) or refuses it with a reason.\n"
    "Every step is ledgered; a decision by the requester, or by one who is no admin, is\n"
    "refused (exit 1) and ledgered too.\n";
static const char requests_usage[] =
    "usage: custody requests [--status pending|approved|refused] [--home DIR] [--json]\n"
    "Lists retrieval requests, newest first.\n";
static const char register_usage[] =
    "usage: custody register retrievals --month YYYY-MM [--format csv|html] [--as USER]\n"
    "                                   [--home DIR] [--set k=v]...\n"
    "Prints the month's retrieval register (调阅台账, the month at the site: site.tz) to\n"
    "stdout: each request made, decided or read under in the month, with its requester and\n"
    "their role, case, purpose, scope and period, the decision (by whom, when, why not) and\n"
    "the reads made under its grant (their count and ledger entry numbers). CSV (the default:\n"
    "UTF-8 with a byte order mark) or one printable HTML page. For auditors and admins (or\n"
    "the operator, without --as); the read is ledgered before anything is printed.\n";

typedef struct req_args {
    const char *party, *scope, *until, *clearance, *reason, *status, *month, *format;
} req_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    req_args_t *a = ctx;
    switch (c) {
    case 'p':
        a->party = arg;
        break;
    case 'S':
        a->scope = arg;
        break;
    case 't':
        a->until = arg;
        break;
    case 'l':
        a->clearance = arg;
        break;
    case 'r':
        a->reason = arg;
        break;
    case 's':
        a->status = arg;
        break;
    case 'm':
        a->month = arg;
        break;
    case 'f':
        a->format = arg;
        break;
    }
    return 0;
}

static const struct option opts[] = {CS_CLI_COMMON_OPTIONS,
                                     CS_CLI_READ_OPTIONS,
                                     {"party", required_argument, NULL, 'p'},
                                     {"scope", required_argument, NULL, 'S'},
                                     {"until", required_argument, NULL, 't'},
                                     {"clearance", required_argument, NULL, 'l'},
                                     {"reason", required_argument, NULL, 'r'},
                                     {"status", required_argument, NULL, 's'},
                                     {"month", required_argument, NULL, 'm'},
                                     {"format", required_argument, NULL, 'f'},
                                     {0, 0, 0, 0}};

/* A refused step is on record: say so, exit 1. */
static int
fail(cs_cli_t *cli, int rc)
{
    if (rc != CS_EACCES)
        return cs_cli_fail(cli, rc);
    fprintf(stderr, "custody %s: refused (the attempt is in the ledger): %s\n", cli->cmd,
            cs_diag());
    return CS_EXIT_CHECK;
}

static int
decide(cs_cli_t *cli, req_args_t *a, int approve, const char *number)
{
    char *end = NULL;
    int64_t grant = 0;
    int rc;
    errno = 0;
    long long id = strtoll(number, &end, 10);
    if (errno != 0 || end == number || *end != '\0' || id <= 0)
        return cs_cli_usage_error(cli, "N is a request's number (custody requests), not \"%s\"",
                                  number);
    if (cli->as == NULL)
        return cs_cli_usage_error(cli, "--as ADMIN is required: who decides is on record");
    if (!approve && (a->reason == NULL || a->reason[0] == '\0'))
        return cs_cli_usage_error(cli, "--reason TEXT is required");
    if (a->clearance != NULL && cs_access_level_rank(a->clearance) < 0)
        return cs_cli_usage_error(cli, "--clearance must be public, internal, privacy, "
                                       "commercial_secret or state_secret");
    if ((rc = cs_cli_open(cli)) != 0)
        return cs_cli_fail(cli, rc);
    const char *clearance =
        a->clearance ? a->clearance : cs_config_levels[cli->cfg.access_default_level];
    if ((rc = cs_catalog_request_decide(cli->cat, id, cli->as, approve, clearance, a->reason,
                                        &grant)) != 0)
        return fail(cli, rc);
    if (approve)
        printf("request %lld approved by %s: grant %lld up to %s\n", id, cli->as, (long long)grant,
               clearance);
    else
        printf("request %lld refused by %s\n", id, cli->as);
    return 0;
}

static int
ask(cs_cli_t *cli, req_args_t *a, const char *case_arg)
{
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    char until[CS_TIME_MAX];
    int64_t id = 0;
    int rc;
    if (cli->as == NULL || cli->purpose == NULL || a->scope == NULL || a->until == NULL)
        return cs_cli_usage_error(cli, "--as USER, --purpose TEXT, --scope SCOPE and --until "
                                       "DATE are required");
    if (cs_grant_scope_rank(a->scope) < 0)
        return cs_cli_usage_error(cli, "--scope must be metadata, media, originals or export");
    if ((rc = cs_cli_load(cli)) != 0 ||
        (rc = cs_clock_parse_until(cs_cli_site_tz(cli), a->until, cs_clock_now_ms(), "--until",
                                   until)) != 0)
        return cs_cli_fail(cli, rc);
    if ((rc = cs_cli_open(cli)) == 0 &&
        (rc = cs_casenum_rule_new(&rule, cli->cfg.case_pattern)) == 0 &&
        (rc = cs_casenum_parse(rule, case_arg, &cn)) == 0 &&
        (rc = cs_catalog_request_add(cli->cat, cli->as, cn.text, a->party, cli->purpose, a->scope,
                                     until, &id)) == 0)
        printf("request %lld: %s asks to read %s%s%s (%s) until %s\n", (long long)id, cli->as,
               cn.text, a->party ? " party " : "", a->party ? a->party : "", a->scope,
               cs_cli_time(until));
    cs_casenum_rule_free(&rule);
    return rc == 0 ? 0 : fail(cli, rc);
}

int
cs_cmd_request(int argc, char **argv)
{
    cs_cli_t cli;
    req_args_t a = {0};
    int rc;
    cs_cli_init(&cli, "request", request_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, opts, on_option, &a)) != 0)
        return rc;
    int n = argc - optind;
    const char *first = n > 0 ? argv[optind] : "";
    if (n == 2 && (strcmp(first, "approve") == 0 || strcmp(first, "refuse") == 0))
        rc = decide(&cli, &a, first[0] == 'a', argv[optind + 1]);
    else if (n == 1)
        rc = ask(&cli, &a, first);
    else
        rc = cs_cli_usage_error(&cli, "give a CASE, or approve N, or refuse N");
    cs_cli_close(&cli);
    return rc;
}

int
cs_cmd_requests(int argc, char **argv)
{
    cs_cli_t cli;
    req_args_t a = {0};
    json_t *list = NULL, *r;
    size_t i;
    int rc;
    cs_cli_init(&cli, "requests", requests_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, opts, on_option, &a)) != 0)
        return rc;
    if (argc != optind)
        return cs_cli_usage_error(&cli, "no arguments; --status S to choose");
    if (a.status != NULL && strcmp(a.status, "pending") != 0 && strcmp(a.status, "approved") != 0 &&
        strcmp(a.status, "refused") != 0)
        return cs_cli_usage_error(&cli, "--status must be pending, approved or refused");
    if ((rc = cs_cli_open(&cli)) != 0 || (rc = cs_catalog_requests(cli.cat, a.status, &list)) != 0)
        goto out;
    if (cli.json) {
        cs_cli_print_json(list, 0);
        goto out;
    }
    (void)cs_cli_site_tz(&cli);
    json_array_foreach(list, i, r)
    {
        const char *party = json_string_value(json_object_get(r, "party"));
        const char *by = json_string_value(json_object_get(r, "decided_by"));
        printf("%-5lld %-9s %-16s %s%s%s  %s  \"%s\"  until %s",
               (long long)json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "status")),
               json_string_value(json_object_get(r, "user")),
               json_string_value(json_object_get(r, "case")), party ? " party " : "",
               party ? party : "", json_string_value(json_object_get(r, "scope")),
               json_string_value(json_object_get(r, "purpose")),
               cs_cli_time(json_string_value(json_object_get(r, "until"))));
        if (by != NULL)
            printf("  by %s", by);
        if (json_is_integer(json_object_get(r, "grant")))
            printf("  grant %lld", (long long)json_integer_value(json_object_get(r, "grant")));
        printf("\n");
    }
out:
    json_decref(list);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}

int
cs_cmd_register(int argc, char **argv)
{
    cs_cli_t cli;
    req_args_t a = {0};
    cs_access_how_t how = {.action = "register.retrievals"};
    cs_access_decision_t dec;
    cs_access_who_t who;
    json_t *rows = NULL;
    char from[CS_TIME_MAX], to[CS_TIME_MAX], object[64], *text = NULL;
    size_t len = 0;
    int rc, code = -1, html;
    cs_cli_init(&cli, "register", register_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, opts, on_option, &a)) != 0)
        return rc;
    if (argc - optind != 1 || strcmp(argv[optind], "retrievals") != 0)
        return cs_cli_usage_error(&cli, "the one register is `retrievals`");
    if (a.format != NULL && strcmp(a.format, "csv") != 0 && strcmp(a.format, "html") != 0)
        return cs_cli_usage_error(&cli, "--format must be csv or html");
    html = a.format != NULL && strcmp(a.format, "html") == 0;
    if ((rc = cs_cli_load(&cli)) != 0 ||
        (rc = cs_request_month(cs_cli_site_tz(&cli), a.month, from, to)) != 0)
        goto out;
    if (cs_snprintf(object, sizeof object, "register:%s", a.month) != 0) {
        rc = CS_ENAMETOOLONG;
        goto out;
    }
    how.object = object;
    if ((rc = cs_cli_open(&cli)) != 0 ||
        (code = cs_cli_gate(&cli, cli.as, CS_READ_REGISTER, NULL, NULL, &how, &dec)) != 0)
        goto out;
    code = -1;
    if ((rc = cs_cli_who(&cli, cli.as, &who)) != 0 ||
        (rc = cs_catalog_retrieval_register(cli.cat, from, to, &rows)) != 0)
        goto out;
    cs_retrievals_t r = {.month = a.month,
                         .reader = who.name,
                         .role = cs_access_role_name(who.role),
                         .seq = cli.seq,
                         .rows = rows,
                         .tz = cs_cli_site_tz(&cli)};
    if ((rc = cs_retrievals_render(&r, html, &text, &len)) != 0)
        goto out;
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        cs_diag_set("cannot write the register to stdout");
        rc = CS_EIO;
    }
out:
    free(text);
    json_decref(rows);
    if (code >= 0)
        rc = code;
    else if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
