/* tools/cmd_retention.c: `custody retention show|set`, `custody hold`, `custody release`:
 * how long an item is kept and why (indexer/retention.h), an admin's class of an item, and
 * holds (indexer/holds.h). Reads go through the gate and are ledgered before a line is
 * printed; changes are an admin's (access/ cs_access_retention_admin), ledgered with their
 * rows, and a refused attempt is ledgered too. */
#include "tools/cli.h"

#include "core/buf.h"
#include "core/casenum.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/holds.h"
#include "indexer/retention.h"
#include "tools/sitetime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char retention_usage[] =
    "usage: custody retention show ITEM|CASE --purpose TEXT [--as USER] [--json]\n"
    "       custody retention set ITEM --class permanent|evidence|non_evidence --reason TEXT\n"
    "                             [--as ADMIN]\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "`show` prints an item's retention class, the site date it is kept until, whether it is\n"
    "held, whether it is due for disposal now, and why; for a CASE, the case's archive period\n"
    "(保管期限, custody case set --keep-period) and each of its items. An item linked to a case\n"
    "not closed is never due; a closed case's items are kept retention.long_years (长期) or\n"
    "retention.short_years (短期) from its closed_on, or for ever (永久); an item linked to no\n"
    "case is non_evidence, kept retention.non_evidence_days from its capture; a held item is\n"
    "never due. `set` (an admin) gives ITEM a class that overrides what its links say, but\n"
    "never lowers what an open case keeps. ITEM is a sha256 or a prefix of 8 or more hex\n"
    "digits. Every change, and every refused attempt (exit 1), is in the ledger.\n";
static const char hold_usage[] =
    "usage: custody hold ITEM|CASE --reason TEXT [--as ADMIN]\n"
    "       custody hold list [--all] [--json]\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "An admin holds an item, or a case and every item linked to it: a held item is never due\n"
    "for disposal, whatever its class, until the hold is released (custody release). A hold is\n"
    "never deleted. `list` prints the holds not released (with --all, every hold), newest\n"
    "first. Ledgered as hold.add; a refused attempt (exit 1) too.\n";
static const char release_usage[] =
    "usage: custody release HOLD|ITEM|CASE --reason TEXT [--as ADMIN]\n"
    "  (also takes --home DIR and --set k=v)\n"
    "An admin releases hold number HOLD (custody hold list), or every hold on ITEM or CASE.\n"
    "Ledgered as hold.release; a refused attempt (exit 1) too.\n";

typedef struct args {
    const char *klass, *reason;
    int all;
} args_t;

enum { O_CLASS = 0x200, O_REASON, O_ALL };

static int
on_option(int c, const char *arg, void *ctx)
{
    args_t *a = ctx;
    if (c == O_CLASS)
        a->klass = arg;
    else if (c == O_REASON)
        a->reason = arg;
    else if (c == O_ALL)
        a->all = 1;
    return 0;
}

static const struct option opts[] = {CS_CLI_COMMON_OPTIONS,
                                     CS_CLI_READ_OPTIONS,
                                     {"class", required_argument, NULL, O_CLASS},
                                     {"reason", required_argument, NULL, O_REASON},
                                     {"all", no_argument, NULL, O_ALL},
                                     {0, 0, 0, 0}};

/* What ITEM|CASE names: an item (sha set) when it is 8 or more hex digits, else a case
 * (number set, normalised). */
typedef struct target {
    char sha[65];
    cs_casenum_t cn;
    const char *number;
} target_t;

static int
is_hex(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return 1;
}

static int
resolve(cs_cli_t *cli, const char *arg, target_t *t)
{
    cs_casenum_rule_t *rule = NULL;
    int rc;
    memset(t, 0, sizeof *t);
    if (is_hex(arg))
        return cs_catalog_resolve(cli->cat, arg, t->sha);
    if ((rc = cs_casenum_rule_new(&rule, cli->cfg.case_pattern)) == 0 &&
        (rc = cs_casenum_parse(rule, arg, &t->cn)) == 0)
        t->number = t->cn.text;
    cs_casenum_rule_free(&rule);
    return rc;
}

/* The actor, if an admin (or the operator); else the refusal ledgered as `action`, printed,
 * and exit 1. */
static int
admin(cs_cli_t *cli, const char *action, int64_t hold, const target_t *t, cs_access_who_t *who)
{
    char why[256];
    int rc;
    if ((rc = cs_cli_who(cli, cli->as, who)) != 0)
        return cs_cli_fail(cli, rc);
    if (!cs_cli_refused(who, cs_access_retention_admin(who->role),
                        "only admins place and release holds and set retention classes", why,
                        sizeof why))
        return 0;
    if ((rc = cs_catalog_hold_refused(cli->cat, action, hold, t && t->sha[0] ? t->sha : NULL,
                                      t ? t->number : NULL, who->name,
                                      cs_access_role_name(who->role), why)) != 0)
        return cs_cli_fail(cli, rc);
    fprintf(stderr, "custody %s: refused (in the ledger): %s\n", cli->cmd, why);
    return CS_EXIT_CHECK;
}

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static void
print_item(const char *sha, const cs_retention_t *r)
{
    printf("item        %s\n", sha);
    printf("class       %s%s\n", r->klass, r->explicit_class ? " (set by an admin)" : "");
    printf("keep until  %s\n", r->keep_until[0] ? r->keep_until : "- (not while kept so)");
    printf("held        %s\n", r->held ? "yes" : "no");
    printf("due         %s\n", r->due ? "yes" : "no");
    printf("reason      %s (%s)\n", r->reason, r->reason_code);
}

static void
print_case(json_t *c)
{
    json_t *v;
    size_t i;
    printf("case        %s\n", str(c, "case"));
    printf("status      %s\n", str(c, "status"));
    printf("period      %s%s\n", str(c, "keep_period"),
           json_is_true(json_object_get(c, "keep_period_set")) ? ""
                                                               : " (retention.default_period)");
    printf("closed      %s\n", str(c, "closed"));
    printf("keep until  %s\n", str(c, "keep_until"));
    printf("held        %s\n", json_is_true(json_object_get(c, "held")) ? "yes" : "no");
    printf("items%s\n", json_array_size(json_object_get(c, "items")) ? "" : "       -");
    json_array_foreach(json_object_get(c, "items"), i, v)
    {
        printf("  %.12s  %-12s %-10s %-4s %-3s %s\n", str(v, "sha256"), str(v, "class"),
               str(v, "keep_until"), json_is_true(json_object_get(v, "held")) ? "held" : "-",
               json_is_true(json_object_get(v, "due")) ? "due" : "-", str(v, "reason_code"));
    }
}

static int
show(cs_cli_t *cli, const target_t *t)
{
    int code, rc;
    if (t->number == NULL) {
        cs_retention_t r;
        if ((code = cs_cli_retrieval(cli, "view", t->sha, NULL)) != 0)
            return code;
        if ((rc = cs_retention_item(cli->cat, &cli->cfg, t->sha, cs_clock_now_ms(), &r)) != 0)
            return cs_cli_fail(cli, rc);
        if (cli->json) {
            json_t *j = cs_retention_json(&r);
            json_object_set_new(j, "sha256", json_string(t->sha));
            cs_cli_print_json(j, 0);
            json_decref(j);
        } else {
            print_item(t->sha, &r);
        }
        return 0;
    }
    json_t *c = NULL;
    if ((code = cs_cli_retrieval(cli, "list", NULL, t->number)) != 0)
        return code;
    if ((rc = cs_retention_case(cli->cat, &cli->cfg, t->number, cs_clock_now_ms(), &c)) != 0 ||
        (rc = cs_cli_filter(cli, json_object_get(c, "items"), "sha256")) != 0) {
        json_decref(c);
        return cs_cli_fail(cli, rc);
    }
    if (cli->json)
        cs_cli_print_json(c, 0);
    else
        print_case(c);
    json_decref(c);
    return 0;
}

static int
set_class(cs_cli_t *cli, const target_t *t, const args_t *a)
{
    cs_access_who_t who;
    int rc;
    if (t->number != NULL)
        return cs_cli_usage_error(cli, "a class is set on an ITEM, not on a case (custody case "
                                       "set --keep-period)");
    if (a->klass == NULL || a->reason == NULL)
        return cs_cli_usage_error(cli, "--class CLASS and --reason TEXT are required");
    if ((rc = admin(cli, "retention.set", 0, t, &who)) != 0)
        return rc;
    if ((rc = cs_catalog_retention_set(cli->cat, t->sha, a->klass, a->reason, who.name)) != 0)
        return cs_cli_fail(cli, rc);
    printf("item %s: class %s (ledgered as retention.set by %s)\n", t->sha, a->klass, who.name);
    return 0;
}

/* The common start: parse, load, open. Returns 0 or the exit code. */
static int
start(cs_cli_t *cli, const char *cmd, const char *usage, int argc, char **argv, args_t *a)
{
    int rc;
    cs_cli_init(cli, cmd, usage);
    if ((rc = cs_cli_parse(cli, argc, argv, opts, on_option, a)) != 0)
        return rc;
    if ((rc = cs_cli_open(cli)) != 0)
        return cs_cli_fail(cli, rc);
    return 0;
}

int
cs_cmd_retention(int argc, char **argv)
{
    cs_cli_t cli;
    args_t a = {0};
    target_t t;
    int rc;
    cs_cli_init(&cli, "retention", retention_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, opts, on_option, &a)) != 0)
        return rc;
    if (argc - optind != 2 ||
        (strcmp(argv[optind], "show") != 0 && strcmp(argv[optind], "set") != 0))
        return cs_cli_usage_error(&cli, "give show ITEM|CASE or set ITEM");
    if ((rc = cs_cli_open(&cli)) != 0 || (rc = resolve(&cli, argv[optind + 1], &t)) != 0)
        rc = cs_cli_fail(&cli, rc);
    else if (strcmp(argv[optind], "show") == 0)
        rc = show(&cli, &t);
    else
        rc = set_class(&cli, &t, &a);
    cs_cli_close(&cli);
    return rc;
}

static int
list(cs_cli_t *cli, const args_t *a)
{
    json_t *holds = NULL, *h;
    size_t i;
    int rc;
    if ((rc = cs_catalog_holds(cli->cat, !a->all, &holds)) != 0)
        return cs_cli_fail(cli, rc);
    if (cli->json) {
        cs_cli_print_json(holds, 0);
    } else {
        (void)cs_cli_site_tz(cli);
        if (json_array_size(holds) == 0)
            printf("no holds%s\n", a->all ? "" : " in force");
        json_array_foreach(holds, i, h)
        {
            printf("%lld  %s %s  held %s by %s: %s",
                   (long long)json_integer_value(json_object_get(h, "id")),
                   json_is_string(json_object_get(h, "item")) ? "item" : "case",
                   json_is_string(json_object_get(h, "item")) ? str(h, "item") : str(h, "case"),
                   cs_cli_time(str(h, "at")), str(h, "by"), str(h, "reason"));
            if (json_is_string(json_object_get(h, "released_at")))
                printf("; released %s by %s: %s", cs_cli_time(str(h, "released_at")),
                       str(h, "released_by"), str(h, "release_reason"));
            printf("\n");
        }
    }
    json_decref(holds);
    return 0;
}

int
cs_cmd_hold(int argc, char **argv)
{
    cs_cli_t cli;
    cs_access_who_t who;
    args_t a = {0};
    target_t t;
    int64_t id = 0;
    int rc;
    if ((rc = start(&cli, "hold", hold_usage, argc, argv, &a)) != 0)
        goto out;
    if (argc - optind != 1) {
        rc = cs_cli_usage_error(&cli, "give ITEM, CASE or list");
        goto out;
    }
    if (strcmp(argv[optind], "list") == 0) {
        rc = list(&cli, &a);
        goto out;
    }
    if (a.reason == NULL) {
        rc = cs_cli_usage_error(&cli, "--reason TEXT is required: why the hold is on record");
        goto out;
    }
    if ((rc = resolve(&cli, argv[optind], &t)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    if ((rc = admin(&cli, "hold.add", 0, &t, &who)) != 0)
        goto out;
    if ((rc = cs_catalog_hold_add(cli.cat, t.number ? NULL : t.sha, t.number, a.reason, who.name,
                                  &id)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    printf("hold %lld on %s %s (ledgered as hold.add by %s)\n", (long long)id,
           t.number ? "case" : "item", t.number ? t.number : t.sha, who.name);
out:
    cs_cli_close(&cli);
    return rc;
}

int
cs_cmd_release(int argc, char **argv)
{
    cs_cli_t cli;
    cs_access_who_t who;
    args_t a = {0};
    target_t t;
    long long id = 0;
    int rc, n = 0;
    if ((rc = start(&cli, "release", release_usage, argc, argv, &a)) != 0)
        goto out;
    if (argc - optind != 1 || a.reason == NULL) {
        rc = cs_cli_usage_error(&cli, "give HOLD, ITEM or CASE, and --reason TEXT");
        goto out;
    }
    const char *arg = argv[optind];
    char *end = NULL;
    errno = 0;
    if (strlen(arg) < 8 && (id = strtoll(arg, &end, 10)) > 0 && errno == 0 && *end == '\0') {
        memset(&t, 0, sizeof t);
    } else if ((rc = resolve(&cli, arg, &t)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    if ((rc = admin(&cli, "hold.release", id, id > 0 ? NULL : &t, &who)) != 0)
        goto out;
    if ((rc = cs_catalog_hold_release(cli.cat, id, id > 0 || t.number ? NULL : t.sha, t.number,
                                      a.reason, who.name, &n)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    printf("%d hold%s released (ledgered as hold.release by %s)\n", n, cs_cli_s(n), who.name);
out:
    cs_cli_close(&cli);
    return rc;
}
