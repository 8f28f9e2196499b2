/* tools/cmd_dispose.c: `custody dispose`: the disposal plan, batches proposed, approved and
 * cancelled by admins (four eyes: access/dispose.h decides, its refusals ledgered), and
 * carrying out the approved ones whose grace has passed (export/dispose.h). Whether an item
 * is due, and why, is indexer/retention.h's. */
#include "tools/cli.h"

#include "access/dispose.h"
#include "core/clock.h"
#include "core/error.h"
#include "export/dispose.h"
#include "indexer/dispose.h"
#include "indexer/retention.h"
#include "tools/sitetime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAX 100000

static const char usage_text[] =
    "usage: custody dispose plan --purpose TEXT [--as USER] [--json]\n"
    "       custody dispose propose ITEM... | --all-due  --reason TEXT --as ADMIN\n"
    "       custody dispose approve N --as ADMIN\n"
    "       custody dispose cancel N --reason TEXT --as ADMIN\n"
    "       custody dispose list [--json]\n"
    "       custody dispose show N [--json]\n"
    "       custody dispose run [N]\n"
    "  (each also takes [--home DIR] [--set k=v]...)\n"
    "The disposal of items whose retention period has ended, never silent, never by one\n"
    "person. `plan` lists the items due now with why (those the reader may see; a ledgered\n"
    "read, so it states its purpose).\n"
    "An admin proposes a batch of items, each due at that moment (else nothing is proposed and\n"
    "the item and why are named); another admin approves it (the proposer's approval is\n"
    "refused, exit 1, and ledgered). From the approval, retention.grace_days (default 7) pass\n"
    "before anything is removed; until then any admin may cancel the batch with a reason.\n"
    "`run` (and the service, on its own) then carries out each approved batch whose grace has\n"
    "passed: first an export of its records (not the media) in <home>/disposals/\n"
    "batch-N-records/, then per item, asked again whether it is due (a hold or a reopened case\n"
    "keeps it: skipped, ledgered), a tombstone and a `disposed` ledger entry, then its original\n"
    "and copies removed from the store. An object kept by the object store's retention (Object\n"
    "Lock) leaves its item waiting, with the date, in `show`. Every step is ledgered.\n";

typedef struct disp_args {
    const char *reason;
    int all_due;
} disp_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    disp_args_t *a = ctx;
    if (c == 'r')
        a->reason = arg;
    else if (c == 'A')
        a->all_due = 1;
    return 0;
}

static const struct option opts[] = {CS_CLI_COMMON_OPTIONS,
                                     CS_CLI_READ_OPTIONS,
                                     {"reason", required_argument, NULL, 'r'},
                                     {"all-due", no_argument, NULL, 'A'},
                                     {0, 0, 0, 0}};

static int
batch_number(cs_cli_t *cli, const char *text, int64_t *id)
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n <= 0)
        return cs_cli_usage_error(cli,
                                  "N is a disposal batch's number (custody dispose list), "
                                  "not \"%s\"",
                                  text);
    *id = n;
    return 0;
}

/* Asks access/ whether --as may `act` on batch `id`: 0 to go on, else the exit code (the
 * refusal printed and in the ledger). */
static int
decide(cs_cli_t *cli, cs_dispose_act_t act, int64_t id)
{
    cs_access_who_t who;
    cs_access_decision_t dec;
    char client[96];
    int64_t seq = -1;
    int rc;
    if (cli->as == NULL)
        return cs_cli_usage_error(cli, "--as ADMIN is required: who decides is on record");
    cs_cli_client(cli, client, sizeof client);
    if ((rc = cs_cli_who(cli, cli->as, &who)) != 0 ||
        (rc = cs_access_dispose_decide(cli->cat, &who, id, act, client, &dec, &seq)) != 0)
        return cs_cli_fail(cli, rc);
    if (dec.allowed)
        return 0;
    fprintf(stderr, "custody dispose: refused (ledger entry %lld): %s\n", (long long)seq,
            dec.reason);
    return CS_EXIT_CHECK;
}

static int
plan(cs_cli_t *cli)
{
    json_t *list = NULL, *keep = json_array(), *r;
    size_t i;
    int rc;
    if (cli->purpose == NULL) {
        json_decref(keep);
        return cs_cli_usage_error(cli, "--purpose TEXT is required: every read states why");
    }
    /* The plan is a list of records: one ledgered read, then only what the reader may see. */
    if ((rc = cs_cli_retrieval(cli, "list", NULL, NULL)) != 0) {
        json_decref(keep);
        return rc;
    }
    if ((rc = cs_retention_plan(cli->cat, &cli->cfg, cs_clock_now_ms(), PLAN_MAX, &list)) != 0)
        goto out;
    /* Items disposed of already are not planned again, whatever the rules say of them. */
    json_array_foreach(list, i, r)
    {
        int gone = 0;
        int64_t seq;
        if ((rc = cs_catalog_item_disposed(
                 cli->cat, json_string_value(json_object_get(r, "sha256")), &gone, &seq)) != 0)
            goto out;
        if (!gone)
            json_array_append(keep, r);
    }
    if ((rc = cs_cli_filter(cli, keep, "sha256")) != 0)
        goto out;
    if (cli->json) {
        cs_cli_print_json(keep, 0);
        goto out;
    }
    json_array_foreach(keep, i, r)
    {
        printf("%s  %-12s  %-10s  %s  (%s)\n", json_string_value(json_object_get(r, "sha256")),
               json_string_value(json_object_get(r, "class")),
               json_string_value(json_object_get(r, "keep_until")),
               json_string_value(json_object_get(r, "reason")),
               json_string_value(json_object_get(r, "reason_code")));
    }
    fprintf(stderr, "custody dispose: %zu item%s due for disposal\n", json_array_size(keep),
            cs_cli_s((long long)json_array_size(keep)));
out:
    json_decref(list);
    json_decref(keep);
    return rc == 0 ? 0 : cs_cli_fail(cli, rc);
}

static int
propose(cs_cli_t *cli, disp_args_t *a, int argc, char **argv)
{
    int64_t id = 0;
    int rc;
    if (a->reason == NULL || a->reason[0] == '\0')
        return cs_cli_usage_error(cli, "--reason TEXT is required");
    if (a->all_due == (argc > 0))
        return cs_cli_usage_error(cli, "name ITEMs or give --all-due, not both");
    if ((rc = decide(cli, CS_DISPOSE_PROPOSE, 0)) != 0)
        return rc;
    if ((rc = cs_catalog_dispose_propose(cli->cat, &cli->cfg, cli->as, (const char *const *)argv,
                                         (size_t)argc, a->all_due, a->reason, cs_clock_now_ms(),
                                         &id)) != 0)
        return cs_cli_fail(cli, rc);
    printf("disposal batch %lld proposed by %s; another admin approves it: custody dispose "
           "approve %lld --as ADMIN\n",
           (long long)id, cli->as, (long long)id);
    return 0;
}

static int
approve(cs_cli_t *cli, const char *number)
{
    char after[CS_TIME_MAX];
    int64_t id;
    int rc;
    if ((rc = batch_number(cli, number, &id)) != 0 || (rc = decide(cli, CS_DISPOSE_APPROVE, id)))
        return rc;
    if ((rc = cs_catalog_dispose_approve(cli->cat, id, cli->as, cli->cfg.retention_grace_days,
                                         cs_clock_now_ms(), after)) != 0)
        return cs_cli_fail(cli, rc);
    (void)cs_cli_site_tz(cli);
    printf("disposal batch %lld approved by %s: carried out from %s (until then: custody "
           "dispose cancel %lld --reason TEXT --as ADMIN)\n",
           (long long)id, cli->as, cs_cli_time(after), (long long)id);
    return 0;
}

static int
cancel(cs_cli_t *cli, disp_args_t *a, const char *number)
{
    int64_t id;
    int rc;
    if ((rc = batch_number(cli, number, &id)) != 0)
        return rc;
    if (a->reason == NULL || a->reason[0] == '\0')
        return cs_cli_usage_error(cli, "--reason TEXT is required");
    if ((rc = decide(cli, CS_DISPOSE_CANCEL, id)) != 0)
        return rc;
    if ((rc = cs_catalog_dispose_cancel(cli->cat, id, cli->as, a->reason, cs_clock_now_ms())) != 0)
        return cs_cli_fail(cli, rc);
    printf("disposal batch %lld cancelled by %s: nothing of it is removed\n", (long long)id,
           cli->as);
    return 0;
}

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static void
print_batch(json_t *b)
{
    printf("%-5lld %-9s %lld item%s (%lld disposed, %lld skipped, %lld waiting, %lld locked)  "
           "proposed by %s %s",
           (long long)json_integer_value(json_object_get(b, "id")), str(b, "status"),
           (long long)json_integer_value(json_object_get(b, "items")),
           cs_cli_s(json_integer_value(json_object_get(b, "items"))),
           (long long)json_integer_value(json_object_get(b, "disposed")),
           (long long)json_integer_value(json_object_get(b, "skipped")),
           (long long)json_integer_value(json_object_get(b, "pending")),
           (long long)json_integer_value(json_object_get(b, "locked")), str(b, "proposed_by"),
           cs_cli_time(str(b, "proposed_at")));
    if (json_is_string(json_object_get(b, "approved_by")))
        printf(", approved by %s %s, runs from %s", str(b, "approved_by"),
               cs_cli_time(str(b, "approved_at")), cs_cli_time(str(b, "run_after")));
    if (json_is_string(json_object_get(b, "cancelled_by")))
        printf(", cancelled by %s %s: %s", str(b, "cancelled_by"),
               cs_cli_time(str(b, "cancelled_at")), str(b, "cancel_reason"));
    printf("  \"%s\"\n", str(b, "reason"));
}

static int
list(cs_cli_t *cli)
{
    json_t *l = NULL, *b;
    size_t i;
    int rc = cs_catalog_disposals(cli->cat, &l);
    if (rc != 0)
        return cs_cli_fail(cli, rc);
    if (cli->json) {
        cs_cli_print_json(l, 0);
    } else {
        (void)cs_cli_site_tz(cli);
        json_array_foreach(l, i, b) print_batch(b);
    }
    json_decref(l);
    return 0;
}

static int
show(cs_cli_t *cli, const char *number)
{
    json_t *b = NULL, *e;
    int64_t id;
    size_t i;
    int rc;
    if ((rc = batch_number(cli, number, &id)) != 0)
        return rc;
    if ((rc = cs_catalog_disposal(cli->cat, id, &b)) != 0)
        return cs_cli_fail(cli, rc);
    if (cli->json) {
        cs_cli_print_json(b, 0);
        json_decref(b);
        return 0;
    }
    (void)cs_cli_site_tz(cli);
    print_batch(b);
    if (json_is_string(json_object_get(b, "export")))
        printf("export    %s\n", str(b, "export"));
    json_array_foreach(json_object_get(b, "entries"), i, e)
    {
        json_t *t = json_object_get(e, "tombstone");
        printf("%s  %-8s  %-12s  %s", str(e, "sha256"), str(e, "state"), str(e, "class"),
               str(e, "reason"));
        if (json_is_string(json_object_get(e, "retain_until")))
            printf("  kept by the object store until %s", str(e, "retain_until"));
        else if (json_is_string(json_object_get(e, "note")))
            printf("  (%s)", str(e, "note"));
        if (json_is_object(t))
            printf("  disposed %s, ledger entry %lld", cs_cli_time(str(t, "disposed_at")),
                   (long long)json_integer_value(json_object_get(t, "ledger_seq")));
        printf("\n");
    }
    json_decref(b);
    return 0;
}

static int
run(cs_cli_t *cli, int argc, char **argv)
{
    cs_dispose_report_t rep;
    int64_t only = 0;
    int rc;
    if (argc > 1)
        return cs_cli_usage_error(cli, "run takes at most one batch number");
    if (argc == 1 && (rc = batch_number(cli, argv[0], &only)) != 0)
        return rc;
    if ((rc = cs_dispose_run(cli->cat, cli->store, &cli->cfg, cli->home.root, cli->actor,
                             cs_clock_now_ms(), only, &rep)) != 0)
        return cs_cli_fail(cli, rc);
    printf("%d batch%s run: %d item%s disposed of, %d skipped (kept), %d waiting for the "
           "object store's retention, %d failed (taken up again by the next run)\n",
           rep.batches, rep.batches == 1 ? "" : "es", rep.disposed, cs_cli_s(rep.disposed),
           rep.skipped, rep.locked, rep.failed);
    return rep.failed > 0 ? CS_EXIT_FAIL : 0;
}

int
cs_cmd_dispose(int argc, char **argv)
{
    cs_cli_t cli;
    disp_args_t a = {0};
    int rc;
    cs_cli_init(&cli, "dispose", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, opts, on_option, &a)) != 0)
        return rc;
    int n = argc - optind;
    const char *sub = n > 0 ? argv[optind] : "";
    char **rest = argv + optind + 1;
    if (n == 0)
        return cs_cli_usage_error(&cli, "give plan, propose, approve, cancel, list, show or run");
    if ((rc = cs_cli_open(&cli)) != 0) {
        rc = cs_cli_fail(&cli, rc);
    } else if (strcmp(sub, "plan") == 0 && n == 1) {
        rc = plan(&cli);
    } else if (strcmp(sub, "propose") == 0) {
        rc = propose(&cli, &a, n - 1, rest);
    } else if (strcmp(sub, "approve") == 0 && n == 2) {
        rc = approve(&cli, rest[0]);
    } else if (strcmp(sub, "cancel") == 0 && n == 2) {
        rc = cancel(&cli, &a, rest[0]);
    } else if (strcmp(sub, "list") == 0 && n == 1) {
        rc = list(&cli);
    } else if (strcmp(sub, "show") == 0 && n == 2) {
        rc = show(&cli, rest[0]);
    } else if (strcmp(sub, "run") == 0) {
        rc = run(&cli, n - 1, rest);
    } else {
        rc = cs_cli_usage_error(&cli, "give plan, propose ITEM..., approve N, cancel N, list, "
                                      "show N or run [N]");
    }
    cs_cli_close(&cli);
    return rc;
}
