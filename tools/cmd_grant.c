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
    "usage: custody grant NAME --case NO [--party P] --purpose TEXT... [--any-purpose]\n"
    "                     [--until DATE] [--clearance LEVEL] [--scope SCOPE]\n"
    "                     [--home DIR] [--set k=v]...\n"
    "Lets user NAME read the items of case NO (only party P's, with --party) for each\n"
    "--purpose given (up to 8; a read must state one of them, unless --any-purpose or\n"
    "access.purpose_match = any: then it states any, still recorded in the ledger),\n"
    "until DATE (YYYY-MM-DD: the end of that day in site.tz; or an RFC 3339 time with Z or an\n"
    "offset; after now; default: until revoked), up to classification LEVEL (public, internal,\n"
    "privacy, commercial_secret, state_secret; default: access.default_classification),\n"
    "within SCOPE: metadata (the records: items, lists, search), media (also previews,\n"
    "thumbnails, access copies), originals (also the original and the archival copy; the\n"
    "default) or export (also the case taken out as a bag).\n"
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
    const char *case_arg, *party, *until, *clearance, *reason, *scope;
    const char *purposes[CS_GRANT_NPURPOSES_MAX];
    size_t npurposes; /* given; more than the bound is refused */
    int any_purpose;
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
        if (a->npurposes < CS_GRANT_NPURPOSES_MAX)
            a->purposes[a->npurposes] = arg;
        a->npurposes++;
        break;
    case 'A':
        a->any_purpose = 1;
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
    case 'S':
        a->scope = arg;
        break;
    }
    return 0;
}

static const struct option grant_opts[] = {CS_CLI_COMMON_OPTIONS,
                                           {"case", required_argument, NULL, 'c'},
                                           {"party", required_argument, NULL, 'p'},
                                           {"purpose", required_argument, NULL, 'u'},
                                           {"any-purpose", no_argument, NULL, 'A'},
                                           {"until", required_argument, NULL, 't'},
                                           {"clearance", required_argument, NULL, 'l'},
                                           {"reason", required_argument, NULL, 'r'},
                                           {"scope", required_argument, NULL, 'S'},
                                           {0, 0, 0, 0}};

/* "a", "b" or any purpose: what a grant accepts, as `grant` and `grants` print it. */
static void
print_purposes(const char *const *purposes, size_t n, int any)
{
    for (size_t i = 0; i < n; i++)
        printf("%s\"%s\"", i ? ", " : "", purposes[i]);
    if (any)
        printf("%sany purpose", n ? " or " : "");
}

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
    if (a.case_arg == NULL || (a.npurposes == 0 && !a.any_purpose))
        return cs_cli_usage_error(&cli, "--case NO and --purpose TEXT (or --any-purpose) are "
                                        "required");
    if (a.npurposes > CS_GRANT_NPURPOSES_MAX)
        return cs_cli_usage_error(&cli, "at most %d --purpose", CS_GRANT_NPURPOSES_MAX);
    if (a.until != NULL && ((rc = cs_cli_load(&cli)) != 0 ||
                            (rc = cs_clock_parse_until(cs_cli_site_tz(&cli), a.until,
                                                       cs_clock_now_ms(), "--until", until)) != 0))
        return cs_cli_fail(&cli, rc);
    if (a.clearance != NULL && cs_access_level_rank(a.clearance) < 0)
        return cs_cli_usage_error(&cli, "--clearance must be public, internal, privacy, "
                                        "commercial_secret or state_secret");
    if (a.scope != NULL && cs_grant_scope_rank(a.scope) < 0)
        return cs_cli_usage_error(&cli, "--scope must be metadata, media, originals or export");
    if ((rc = cs_cli_open(&cli)) != 0 ||
        (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
        (rc = cs_casenum_parse(rule, a.case_arg, &cn)) != 0)
        goto out;
    const char *clearance =
        a.clearance ? a.clearance : cs_config_levels[cli.cfg.access_default_level];
    if ((rc = cs_catalog_grant_add(cli.cat, argv[optind], cn.text, a.party, a.purposes, a.npurposes,
                                   a.any_purpose, a.until ? until : NULL, clearance, a.scope,
                                   cli.actor, &id)) != 0)
        goto out;
    printf("grant %lld: %s may read %s%s%s up to %s (%s) for ", (long long)id, argv[optind],
           cn.text, a.party ? " party " : "", a.party ? a.party : "", clearance,
           a.scope ? a.scope : "originals");
    print_purposes(a.purposes, a.npurposes, a.any_purpose);
    printf("%s%s\n", a.until ? " until " : "", a.until ? cs_cli_time(until) : "");
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
        json_t *pj = json_object_get(g, "purposes"), *pv;
        const char *purposes[CS_GRANT_NPURPOSES_MAX];
        size_t np = 0, k;
        json_array_foreach(pj, k, pv)
        {
            if (np < CS_GRANT_NPURPOSES_MAX)
                purposes[np++] = json_string_value(pv);
        }
        printf("%-5lld %-16s %s%s%s  up to %s  %s  ",
               (long long)json_integer_value(json_object_get(g, "id")),
               json_string_value(json_object_get(g, "user")),
               json_string_value(json_object_get(g, "case")), party ? " party " : "",
               party ? party : "", json_string_value(json_object_get(g, "clearance")),
               json_string_value(json_object_get(g, "scope")));
        print_purposes(purposes, np, json_is_true(json_object_get(g, "any_purpose")));
        printf("%s%s  %s\n", until ? "  until " : "", until ? cs_cli_time(until) : "",
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
