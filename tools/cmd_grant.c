/* tools/cmd_grant.c: `custody grant`, `custody revoke`, `custody grants`, `custody classify`:
 * who may read which case, for what, until when and up to which classification. */
#include "tools/cli.h"

#include "core/casenum.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/access.h"
#include "tools/sitetime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char grant_usage[] =
    "usage: custody grant NAME --case NO [--party P] --purpose TEXT [--until DATE]\n"
    "                     [--clearance LEVEL] [--home DIR] [--set k=v]...\n"
    "Lets user NAME read the items of case NO (only party P's, with --party) for PURPOSE,\n"
    "until DATE (YYYY-MM-DD: the end of that day in site.tz; or an RFC 3339 time with Z or an\n"
    "offset; after now; default: until revoked), up to classification LEVEL (public, internal,\n"
    "privacy, commercial_secret, state_secret; default: access.default_classification).\n"
    "Prints the grant's number.\n";
static const char revoke_usage[] =
    "usage: custody revoke GRANT --reason TEXT [--home DIR] [--set k=v]...\n"
    "Ends grant number GRANT at once; the grant stays in the record, revoked.\n";
static const char grants_usage[] = "usage: custody grants [NAME] [--home DIR] [--json]\n"
                                   "Lists grants (of NAME only, if given), newest first.\n";
static const char classify_usage[] =
    "usage: custody classify ITEM LEVEL --reason TEXT [--home DIR] [--set k=v]...\n"
    "Sets the classification of ITEM: public, internal, privacy, commercial_secret or\n"
    "state_secret. A grant must clear it for a reviewer to read the item.\n";

typedef struct grant_args {
    const char *case_arg, *party, *purpose, *until, *clearance, *reason;
} grant_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    grant_args_t *a = ctx;
    switch (c) {
    case 'c':
        a->case_arg = arg;
        break;
    case 'p':
        a->party = arg;
        break;
    case 'u':
        a->purpose = arg;
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
    }
    return 0;
}

static const struct option grant_opts[] = {CS_CLI_COMMON_OPTIONS,
                                           {"case", required_argument, NULL, 'c'},
                                           {"party", required_argument, NULL, 'p'},
                                           {"purpose", required_argument, NULL, 'u'},
                                           {"until", required_argument, NULL, 't'},
                                           {"clearance", required_argument, NULL, 'l'},
                                           {"reason", required_argument, NULL, 'r'},
                                           {0, 0, 0, 0}};

int
cs_cmd_grant(int argc, char **argv)
{
    cs_cli_t cli;
    grant_args_t a = {0};
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    char until[CS_TIME_MAX];
    int64_t id = 0;
    int rc;
    cs_cli_init(&cli, "grant", grant_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, grant_opts, on_option, &a)) != 0)
        return rc;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one user");
    if (a.case_arg == NULL || a.purpose == NULL || a.purpose[0] == '\0')
        return cs_cli_usage_error(&cli, "--case NO and --purpose TEXT are required");
    if (a.until != NULL && ((rc = cs_cli_load(&cli)) != 0 ||
                            (rc = cs_clock_parse_until(cs_cli_site_tz(&cli), a.until,
                                                       cs_clock_now_ms(), "--until", until)) != 0))
        return cs_cli_fail(&cli, rc);
    if (a.clearance != NULL && cs_access_level_rank(a.clearance) < 0)
        return cs_cli_usage_error(&cli, "--clearance must be public, internal, privacy, "
                                        "commercial_secret or state_secret");
    if ((rc = cs_cli_open(&cli)) != 0 ||
        (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
        (rc = cs_casenum_parse(rule, a.case_arg, &cn)) != 0)
        goto out;
    const char *clearance =
        a.clearance ? a.clearance : cs_config_levels[cli.cfg.access_default_level];
    if ((rc = cs_catalog_grant_add(cli.cat, argv[optind], cn.text, a.party, a.purpose,
                                   a.until ? until : NULL, clearance, cli.actor, &id)) != 0)
        goto out;
    printf("grant %lld: %s may read %s%s%s up to %s for \"%s\"%s%s\n", (long long)id, argv[optind],
           cn.text, a.party ? " party " : "", a.party ? a.party : "", clearance, a.purpose,
           a.until ? " until " : "", a.until ? cs_cli_time(until) : "");
out:
    cs_casenum_rule_free(&rule);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}

int
cs_cmd_revoke(int argc, char **argv)
{
    cs_cli_t cli;
    grant_args_t a = {0};
    char *end = NULL;
    int rc;
    cs_cli_init(&cli, "revoke", revoke_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, grant_opts, on_option, &a)) != 0)
        return rc;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one GRANT number");
    errno = 0;
    long long id = strtoll(argv[optind], &end, 10);
    if (errno != 0 || end == argv[optind] || *end != '\0' || id <= 0)
        return cs_cli_usage_error(&cli, "GRANT is a number (custody grants), not \"%s\"",
                                  argv[optind]);
    if (a.reason == NULL || a.reason[0] == '\0')
        return cs_cli_usage_error(&cli, "--reason TEXT is required");
    if ((rc = cs_cli_open(&cli)) == 0 &&
        (rc = cs_catalog_grant_revoke(cli.cat, id, cli.actor, a.reason)) == 0)
        printf("revoked grant %lld\n", id);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}

int
cs_cmd_grants(int argc, char **argv)
{
    cs_cli_t cli;
    grant_args_t a = {0};
    json_t *grants = NULL, *g;
    char now[CS_TIME_MAX];
    size_t i;
    int rc;
    cs_cli_init(&cli, "grants", grants_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, grant_opts, on_option, &a)) != 0)
        return rc;
    if (argc - optind > 1)
        return cs_cli_usage_error(&cli, "name at most one user");
    cs_clock_now(now);
    if ((rc = cs_cli_open(&cli)) != 0 ||
        (rc = cs_catalog_grants(cli.cat, argc > optind ? argv[optind] : NULL, now, &grants)) != 0)
        goto out;
    if (cli.json) {
        cs_cli_print_json(grants, 0);
        goto out;
    }
    (void)cs_cli_site_tz(&cli);
    json_array_foreach(grants, i, g)
    {
        const char *party = json_string_value(json_object_get(g, "party"));
        const char *until = json_string_value(json_object_get(g, "until"));
        printf("%-5lld %-16s %s%s%s  up to %s  \"%s\"%s%s  %s\n",
               (long long)json_integer_value(json_object_get(g, "id")),
               json_string_value(json_object_get(g, "user")),
               json_string_value(json_object_get(g, "case")), party ? " party " : "",
               party ? party : "", json_string_value(json_object_get(g, "clearance")),
               json_string_value(json_object_get(g, "purpose")), until ? "  until " : "",
               until ? cs_cli_time(until) : "",
               json_is_true(json_object_get(g, "live")) ? "live" : "ended");
    }
out:
    json_decref(grants);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}

int
cs_cmd_classify(int argc, char **argv)
{
    cs_cli_t cli;
    grant_args_t a = {0};
    char sha[65];
    int rc;
    cs_cli_init(&cli, "classify", classify_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, grant_opts, on_option, &a)) != 0)
        return rc;
    if (argc - optind != 2)
        return cs_cli_usage_error(&cli, "name an ITEM and a LEVEL");
    if (cs_access_level_rank(argv[optind + 1]) < 0)
        return cs_cli_usage_error(&cli,
                                  "LEVEL must be public, internal, privacy, "
                                  "commercial_secret or state_secret, not \"%s\"",
                                  argv[optind + 1]);
    if (a.reason == NULL || a.reason[0] == '\0')
        return cs_cli_usage_error(&cli, "--reason TEXT is required");
    if ((rc = cs_cli_open(&cli)) == 0 &&
        (rc = cs_catalog_resolve(cli.cat, argv[optind], sha)) == 0 &&
        (rc = cs_catalog_classify(cli.cat, sha, argv[optind + 1], a.reason, cli.actor)) == 0)
        printf("%s is %s\n", sha, argv[optind + 1]);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
