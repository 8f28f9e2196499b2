/* tools/cmd_case.c: `custody case show|set|status|register`: a case as a record
 * (indexer/cases.h) and the case-file register (export/register.h). Reads go through the gate
 * and are ledgered before a line is printed; changes are a clerk's or an admin's, ledgered in
 * their own transaction. */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/buf.h"
#include "core/casenum.h"
#include "core/error.h"
#include "export/register.h"
#include "indexer/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: custody case show CASE --purpose TEXT [--as USER] [--json]\n"
    "       custody case set CASE [--kind K] [--procedure general|summary] [--cause TEXT]\n"
    "                        [--party NAME [--party-kind person|organisation]\n"
    "                        [--id-number N]] [--officer USER]... [--filed DATE]\n"
    "                        [--decided DATE] [--served DATE] [--closed DATE]\n"
    "                        [--keep-period permanent|long|short] [--as USER]\n"
    "       custody case status CASE --to STATUS [--reason TEXT] [--as USER]\n"
    "       custody case register --purpose TEXT [--as USER] [--format csv|text] [--json]\n"
    "                        [--status S] [--from DATE] [--to DATE]\n"
    "       custody case decide CASE --kind KIND --document FILE [--as USER]\n"
    "       custody case archive CASE --out DIR [--keep-period P] [--as USER]\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "A case is registered when a file first names it; a clerk or an admin completes its\n"
    "record (the host's operator is an admin; --as USER acts as that user). K is penalty\n"
    "(行政处罚), enforcement (行政强制), licensing (行政许可), inspection (行政检查) or other;\n"
    "dates are YYYY-MM-DD (立案 filed, 决定 decided, 送达 served, 结案 closed). The archive\n"
    "period (保管期限: permanent 永久, long 长期, short 短期; default retention.default_period)\n"
    "says how long a closed case's items are kept (custody retention show CASE). A party's ID\n"
    "number is personal data: `show` prints it only to a reader the gate clears for privacy.\n"
    "The status goes registered → investigating → under_review → decided → served →\n"
    "closed; from under_review on, back to investigating reopens the case, with --reason.\n"
    "`register` prints the case-file register (执法案卷台账), one row per case the reader may\n"
    "list, filed between --from and --to, its columns from case.register_columns; CSV cells\n"
    "never run as spreadsheet formulas. Every change and every read is in the ledger.\n"
    "`decide` records the decision only on an agreed legal review of the latest submission\n"
    "(custody case decide --help). `archive` hands a closed case to the archives with its\n"
    "档号 and its package (custody case archive --help).\n"
    "Exit 1 when a read or a change is refused.\n";

typedef struct args {
    cs_case_set_t set;
    const char *to, *from, *status, *reason, *format;
} args_t;

enum {
    O_KIND = 0x200,
    O_PROC,
    O_CAUSE,
    O_PARTY,
    O_PKIND,
    O_IDNO,
    O_OFFICER,
    O_FILED,
    O_DECIDED,
    O_SERVED,
    O_CLOSED,
    O_TO,
    O_FROM,
    O_STATUS,
    O_REASON,
    O_FORMAT,
    O_KEEP
};

static int
on_option(int c, const char *arg, void *ctx)
{
    args_t *a = ctx;
    const char **slot[] = {
        [O_KIND - O_KIND] = &a->set.kind,
        [O_PROC - O_KIND] = &a->set.procedure,
        [O_CAUSE - O_KIND] = &a->set.cause,
        [O_PARTY - O_KIND] = &a->set.party,
        [O_PKIND - O_KIND] = &a->set.party_kind,
        [O_IDNO - O_KIND] = &a->set.id_number,
        [O_OFFICER - O_KIND] = NULL,
        [O_FILED - O_KIND] = &a->set.filed,
        [O_DECIDED - O_KIND] = &a->set.decided,
        [O_SERVED - O_KIND] = &a->set.served,
        [O_CLOSED - O_KIND] = &a->set.closed,
        [O_TO - O_KIND] = &a->to,
        [O_FROM - O_KIND] = &a->from,
        [O_STATUS - O_KIND] = &a->status,
        [O_REASON - O_KIND] = &a->reason,
        [O_FORMAT - O_KIND] = &a->format,
        [O_KEEP - O_KIND] = &a->set.keep_period,
    };
    if (c == O_OFFICER) {
        if (a->set.nofficers == CS_CASE_OFFICERS_MAX) {
            fprintf(stderr, "custody case: at most %d --officer at once\n", CS_CASE_OFFICERS_MAX);
            return CS_EXIT_USAGE;
        }
        a->set.officers[a->set.nofficers++] = arg;
    } else if (c >= O_KIND && c <= O_KEEP) {
        *slot[c - O_KIND] = arg;
    }
    return 0;
}

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* "penalty (行政处罚)", or "-" when unset. */
static void
print_slug(const char *title, json_t *rec, const char *key)
{
    char zh[32];
    snprintf(zh, sizeof zh, "%s_zh", key); /* fits: our short keys */
    if (json_is_string(json_object_get(rec, key)))
        printf("%-11s %s (%s)\n", title, str(rec, key), str(rec, zh));
    else
        printf("%-11s -\n", title);
}

static void
print_record(json_t *rec)
{
    json_t *v;
    size_t i;
    printf("case        %s\n", str(rec, "case"));
    printf("档号        %s\n", str(rec, "reference")); /* archival reference, once archived */
    print_slug("kind", rec, "kind");
    print_slug("procedure", rec, "procedure");
    printf("cause       %s\n", str(rec, "cause"));
    print_slug("status", rec, "status");
    printf("next       ");
    json_array_foreach(json_object_get(rec, "next"), i, v) printf(" %s", json_string_value(v));
    printf("%s\n", json_array_size(json_object_get(rec, "next")) ? "" : " -");
    printf("filed       %s\ndecided     %s\nserved      %s\nclosed      %s\n", str(rec, "filed"),
           str(rec, "decided"), str(rec, "served"), str(rec, "closed"));
    printf("keep period %s\n", json_is_string(json_object_get(rec, "keep_period"))
                                   ? str(rec, "keep_period")
                                   : "- (retention.default_period)");
    printf("items       %lld\n", (long long)json_integer_value(json_object_get(rec, "items")));
    printf("parties%s\n", json_array_size(json_object_get(rec, "parties")) ? "" : "     -");
    json_array_foreach(json_object_get(rec, "parties"), i, v)
    {
        const char *id = json_is_true(json_object_get(v, "id_number_withheld"))
                             ? "(withheld: personal data)"
                             : str(v, "id_number");
        printf("  %s  %s  ID %s\n", str(v, "name"), str(v, "kind"), id);
    }
    printf("officers%s\n", json_array_size(json_object_get(rec, "officers")) ? "" : "    -");
    json_array_foreach(json_object_get(rec, "officers"), i, v)
        printf("  %s (%s)\n", str(v, "user"), str(v, "role"));
    printf("history%s\n", json_array_size(json_object_get(rec, "history")) ? "" : "     -");
    json_array_foreach(json_object_get(rec, "history"), i, v)
    {
        printf("  %s  %s -> %s  by %s", cs_cli_time(json_string_value(json_object_get(v, "at"))),
               str(v, "from"), str(v, "to"), str(v, "by"));
        if (json_is_string(json_object_get(v, "reason")))
            printf(": %s", str(v, "reason"));
        printf("\n");
    }
}

static int
show(cs_cli_t *cli, const char *number)
{
    cs_access_how_t how = {.action = "view.case"};
    cs_access_decision_t dec;
    json_t *rec = NULL;
    int rc, code;
    if ((code = cs_cli_gate(cli, cli->as, CS_READ_CASE, NULL, number, &how, &dec)) != 0)
        return code;
    if ((rc = cs_catalog_case_record(cli->cat, number, dec.personal_data, &rec)) != 0)
        return cs_cli_fail(cli, rc);
    (void)cs_cli_site_tz(cli);
    if (cli->json)
        cs_cli_print_json(rec, 0);
    else
        print_record(rec);
    json_decref(rec);
    return 0;
}

int
cs_cli_case_editor(cs_cli_t *cli, const char *action, const char *number, cs_access_who_t *who)
{
    char why[256];
    int rc;
    if ((rc = cs_cli_who(cli, cli->as, who)) != 0)
        return cs_cli_fail(cli, rc);
    if (!cs_cli_refused(who, cs_access_case_editor(who->role),
                        "only clerks and admins complete a case's record", why, sizeof why))
        return 0;
    if ((rc = cs_catalog_case_refused(cli->cat, action, number, who->name,
                                      cs_access_role_name(who->role), why)) != 0)
        return cs_cli_fail(cli, rc);
    fprintf(stderr, "custody %s: refused (in the ledger): %s\n", cli->cmd, why);
    return CS_EXIT_CHECK;
}

static int
set(cs_cli_t *cli, const char *number, const args_t *a)
{
    cs_access_who_t who;
    const cs_case_set_t *s = &a->set;
    int rc;
    if (!s->kind && !s->procedure && !s->cause && !s->party && !s->nofficers && !s->filed &&
        !s->decided && !s->served && !s->closed && !s->party_kind && !s->id_number &&
        !s->keep_period)
        return cs_cli_usage_error(cli, "nothing to set: give --kind, --cause, --party ...");
    if ((rc = cs_cli_case_editor(cli, "case.set", number, &who)) != 0)
        return rc;
    if ((rc = cs_catalog_case_set(cli->cat, number, s, who.name)) != 0)
        return cs_cli_fail(cli, rc);
    printf("case %s: record changed (ledgered as case.set by %s)\n", number, who.name);
    return 0;
}

static int
status(cs_cli_t *cli, const char *number, const args_t *a)
{
    cs_access_who_t who;
    int rc;
    if (a->to == NULL)
        return cs_cli_usage_error(cli, "give --to STATUS");
    if ((rc = cs_cli_case_editor(cli, "case.status", number, &who)) != 0)
        return rc;
    if ((rc = cs_catalog_case_status(cli->cat, number, a->to, a->reason, who.name)) != 0) {
        fprintf(stderr, "custody %s: refused: %s\n", cli->cmd, cs_diag());
        return rc == CS_EINVAL ? CS_EXIT_CHECK : cs_cli_exit_code(rc);
    }
    printf("case %s: %s (ledgered as case.status by %s)\n", number, a->to, who.name);
    return 0;
}

static void
print_text(json_t *rows)
{
    json_t *row, *v;
    const char *key;
    size_t i;
    json_array_foreach(rows, i, row)
    {
        int first = 1;
        if (i == 0) {
            json_object_foreach(row, key, v)
            {
                printf("%s%s", first ? "" : "\t", cs_register_header(key));
                first = 0;
            }
            printf("\n");
            first = 1;
        }
        json_object_foreach(row, key, v)
        {
            if (json_is_integer(v))
                printf("%s%lld", first ? "" : "\t", (long long)json_integer_value(v));
            else
                printf("%s%s", first ? "" : "\t", json_is_string(v) ? json_string_value(v) : "-");
            first = 0;
        }
        printf("\n");
    }
}

static int
reg(cs_cli_t *cli, const args_t *a)
{
    const char *fmt = a->format ? a->format : "text";
    json_t *rows = NULL, *shown = NULL;
    char *csv = NULL;
    size_t len = 0;
    int rc, code;
    if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "text") != 0)
        return cs_cli_usage_error(cli, "--format is csv or text, not \"%s\"", fmt);
    if ((code = cs_cli_retrieval(cli, "register", NULL, NULL)) != 0)
        return code;
    if ((rc = cs_catalog_case_register(cli->cat, a->status, a->from, a->to, &rows)) != 0 ||
        (rc = cs_cli_filter(cli, rows, "case")) != 0)
        goto out;
    if (strcmp(fmt, "csv") == 0 && !cli->json) {
        if ((rc = cs_register_csv(rows, cli->cfg.case_register_columns, &csv, &len)) != 0)
            goto out;
        if (fwrite(csv, 1, len, stdout) != len) {
            cs_diag_set("cannot write the register to stdout");
            rc = CS_EIO;
        }
        goto out;
    }
    if ((rc = cs_register_json(rows, cli->cfg.case_register_columns, &shown)) != 0)
        goto out;
    if (cli->json)
        cs_cli_print_json(shown, 0);
    else
        print_text(shown);
out:
    free(csv);
    json_decref(rows);
    json_decref(shown);
    return rc != 0 ? cs_cli_fail(cli, rc) : 0;
}

int
cs_cmd_case(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             CS_CLI_READ_OPTIONS,
                                             {"kind", required_argument, NULL, O_KIND},
                                             {"procedure", required_argument, NULL, O_PROC},
                                             {"cause", required_argument, NULL, O_CAUSE},
                                             {"party", required_argument, NULL, O_PARTY},
                                             {"party-kind", required_argument, NULL, O_PKIND},
                                             {"id-number", required_argument, NULL, O_IDNO},
                                             {"officer", required_argument, NULL, O_OFFICER},
                                             {"filed", required_argument, NULL, O_FILED},
                                             {"decided", required_argument, NULL, O_DECIDED},
                                             {"served", required_argument, NULL, O_SERVED},
                                             {"closed", required_argument, NULL, O_CLOSED},
                                             {"to", required_argument, NULL, O_TO},
                                             {"from", required_argument, NULL, O_FROM},
                                             {"status", required_argument, NULL, O_STATUS},
                                             {"reason", required_argument, NULL, O_REASON},
                                             {"format", required_argument, NULL, O_FORMAT},
                                             {"keep-period", required_argument, NULL, O_KEEP},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    args_t a = {0};
    const char *verb;
    int rc;
    if (argc >= 2 && strcmp(argv[1], "decide") == 0) /* the legal review's gate */
        return cs_cmd_case_decide(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "archive") == 0) /* the hand-over to the archives */
        return cs_cmd_case_archive(argc - 1, argv + 1);
    cs_cli_init(&cli, "case", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (optind >= argc)
        return cs_cli_usage_error(&cli, "give show, set, status or register");
    verb = argv[optind];
    int is_reg = strcmp(verb, "register") == 0;
    if (!is_reg && strcmp(verb, "show") != 0 && strcmp(verb, "set") != 0 &&
        strcmp(verb, "status") != 0)
        return cs_cli_usage_error(&cli, "unknown verb \"%s\": show, set, status or register", verb);
    if (argc - optind != (is_reg ? 1 : 2))
        return cs_cli_usage_error(&cli,
                                  is_reg ? "register takes no CASE" : "name exactly one CASE");
    if ((rc = cs_cli_load(&cli)) != 0)
        goto fail;
    if (!is_reg && ((rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
                    (rc = cs_casenum_parse(rule, argv[optind + 1], &cn)) != 0))
        goto fail;
    if ((rc = cs_cli_open(&cli)) != 0)
        goto fail;
    if (is_reg)
        rc = reg(&cli, &a);
    else if (strcmp(verb, "show") == 0)
        rc = show(&cli, cn.text);
    else if (strcmp(verb, "set") == 0)
        rc = set(&cli, cn.text, &a);
    else
        rc = status(&cli, cn.text, &a);
    goto out;
fail:
    rc = cs_cli_fail(&cli, rc);
out:
    cs_casenum_rule_free(&rule);
    cs_cli_close(&cli);
    return rc;
}
