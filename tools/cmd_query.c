/* tools/cmd_query.c: `custody show`, `custody cases` and `custody items`. */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/casenum.h"
#include "core/error.h"
#include "indexer/derivatives.h"
#include "indexer/policy.h"
#include "indexer/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char show_usage[] =
    "usage: custody show ITEM --purpose TEXT [--as USER] [--home DIR] [--set k=v]... [--json]\n"
    "ITEM is a full sha256 or a unique prefix of at least 8 hex digits. Shows the record:\n"
    "size, media type, cases, every source it arrived from, its links (with history), its\n"
    "metadata, its derivatives (profile, sha256, size, status or why it failed) and its\n"
    "provenance events. Every read states why (--purpose) and is recorded in the ledger first;\n"
    "with --as USER, that user's access rules decide (else the OS user reads as the operator).\n";
static const char cases_usage[] =
    "usage: custody cases --purpose TEXT [--as USER] [--home DIR] [--set k=v]... [--json]\n"
    "Lists every case with its parties and item count (a read recorded in the ledger); with\n"
    "--as USER, only the cases that user may list.\n";
static const char items_usage[] =
    "usage: custody items --case NO | --unassigned --purpose TEXT [--as USER] [--home DIR]\n"
    "                     [--set k=v]... [--json]\n"
    "Lists the items linked to case NO (with --json, a JSON array of items), or the items\n"
    "linked to no case, for a clerk to link with `custody link`. A read recorded in the\n"
    "ledger, with its purpose. With --as USER, that user's access rules decide, and only\n"
    "what they may read is listed.\n";

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* A time member as the CLI shows times (site.tz, with the offset); "-" when missing. */
static const char *
when(json_t *o, const char *key)
{
    return cs_cli_time(json_string_value(json_object_get(o, key)));
}

/* The capture time as the record states it; a file time is never shown as one. */
static void
print_captured(json_t *meta)
{
    const char *at = json_string_value(json_object_get(meta, "captured_at"));
    const char *ft = json_string_value(json_object_get(meta, "file_time"));
    if (at != NULL)
        printf("captured    %s (%s)\n", cs_cli_captured(at), str(meta, "captured_at_source"));
    else if (json_is_string(json_object_get(meta, "captured_at_estimate")) && ft != NULL)
        printf("captured    unknown (file time of the upload: %s)\n", cs_cli_time(ft));
    else if (json_is_object(meta))
        printf("captured    unknown\n");
}

/* The places the record gives: the position the file carries, and the clerk's sidecar's. */
static void
print_place(json_t *item, json_t *meta)
{
    json_t *gps = json_object_get(meta, "gps"), *v;
    const char *sep = "";
    size_t i;
    printf("place      ");
    if (json_is_number(json_object_get(gps, "lat")) &&
        json_is_number(json_object_get(gps, "lon"))) {
        printf(" %.6f, %.6f (%s)", json_number_value(json_object_get(gps, "lat")),
               json_number_value(json_object_get(gps, "lon")), str(gps, "source"));
        sep = ";";
    }
    json_array_foreach(json_object_get(item, "events"), i, v)
    {
        json_t *d = json_object_get(v, "detail");
        if (strcmp(str(v, "kind"), "received") == 0 &&
            json_is_string(json_object_get(d, "place"))) {
            printf("%s %s (the clerk's sidecar)", sep, str(d, "place"));
            sep = ";";
        }
    }
    printf("%s\n", *sep ? "" : " unknown");
}

/* What was recorded, where, with what and for how long, and the copies made: the summary a
 * reviewer reads first. */
static void
print_capture(json_t *item)
{
    json_t *meta = json_object_get(item, "metadata"), *v;
    json_t *dev = json_object_get(meta, "device");
    json_t *dur = json_object_get(json_object_get(meta, "media"), "duration_s");
    size_t i, n = json_array_size(json_object_get(item, "derivatives"));
    print_captured(meta);
    if (!json_is_object(meta))
        printf("captured    unknown (not read yet)\n");
    print_place(item, meta);
    if (json_is_string(json_object_get(dev, "make")) ||
        json_is_string(json_object_get(dev, "model")))
        printf("device      %s%s%s%s%s\n",
               json_is_string(json_object_get(dev, "make")) ? str(dev, "make") : "",
               json_is_string(json_object_get(dev, "make")) &&
                       json_is_string(json_object_get(dev, "model"))
                   ? " "
                   : "",
               json_is_string(json_object_get(dev, "model")) ? str(dev, "model") : "",
               json_is_string(json_object_get(dev, "serial")) ? ", serial " : "",
               json_is_string(json_object_get(dev, "serial")) ? str(dev, "serial") : "");
    else
        printf("device      unknown\n");
    if (json_is_number(dur))
        printf("duration    %.1f s\n", json_number_value(dur));
    printf("copies      %zu%s", n, n ? ":" : " (none)");
    json_array_foreach(json_object_get(item, "derivatives"), i, v)
        printf("%s %s (%s)", i ? "," : "", str(v, "profile"), str(v, "status"));
    printf("\n");
}

/* The officer and device ingest resolved, how, the important mark and the flags. */
static void
print_registry(json_t *r)
{
    size_t i;
    json_t *v, *o = json_object_get(r, "officer"), *d = json_object_get(r, "device");
    if (!json_is_object(r))
        return;
    if (json_is_object(o))
        printf("officer     %s, certificate %s (valid %s .. %s), found by %s\n", str(o, "name"),
               str(o, "cert"),
               json_is_string(json_object_get(o, "valid_from")) ? str(o, "valid_from") : "-",
               json_is_string(json_object_get(o, "valid_to")) ? str(o, "valid_to") : "-",
               str(o, "how"));
    if (json_is_object(d))
        printf("recorder    %s%s%s, serial %s, found by %s\n", str(d, "kind"),
               json_is_string(json_object_get(d, "model")) ? " " : "",
               json_is_string(json_object_get(d, "model")) ? str(d, "model") : "", str(d, "serial"),
               str(d, "how"));
    if (json_is_true(json_object_get(r, "important")))
        printf("important   yes (重点文件, marked in its name)\n");
    json_array_foreach(json_object_get(r, "flags"), i, v)
        printf("FLAG        %s [%s]\n", str(v, "text"), str(v, "code"));
}

static void
print_item(json_t *item)
{
    size_t i;
    json_t *v;
    printf("sha256      %s\n", str(item, "sha256"));
    printf("size        %lld bytes\n",
           (long long)json_integer_value(json_object_get(item, "size")));
    printf("media type  %s\n", str(item, "media_type"));
    printf("stored      %s\n", when(item, "created_at"));
    json_t *so = json_object_get(item, "store");
    if (json_is_object(so) && strcmp(str(so, "backend"), "s3") == 0) {
        if (json_object_get(so, "error") != NULL)
            printf("object store  not answering: %s\n", str(so, "error"));
        else if (*str(so, "lock_mode") != '\0')
            printf("object store  s3, locked (%s) until %s\n", str(so, "lock_mode"),
                   str(so, "retain_until"));
        else
            printf("object store  s3, not locked\n");
    }
    json_t *damaged = json_object_get(json_object_get(item, "metadata"), "damaged");
    if (json_is_object(damaged))
        printf("DAMAGED     %s [%s]; the original is kept as it came\n", str(damaged, "reason"),
               str(damaged, "code"));
    json_array_foreach(json_object_get(item, "events"), i,
                       v) if (strcmp(str(v, "kind"), "stalled_copy") == 0)
        printf("stalled     %s: %s\n", str(json_object_get(v, "detail"), "message"),
               str(json_object_get(v, "detail"), "other"));
    print_capture(item);
    print_registry(json_object_get(item, "registry"));
    printf("cases      ");
    json_array_foreach(json_object_get(item, "cases"), i, v) printf(" %s", json_string_value(v));
    printf("%s\nsources\n", json_array_size(json_object_get(item, "cases")) ? "" : " (unassigned)");
    json_array_foreach(json_object_get(item, "sources"), i, v)
    {
        printf("  %s  %s  %s\n", when(v, "received_at"), str(v, "received_by"),
               str(v, "source_path"));
        /* What this arrival claimed: its file time, and the clerk's recorded_at if any. */
        printf("    file time %s", when(v, "source_mtime"));
        if (json_is_string(json_object_get(v, "recorded_at")))
            printf("  recorded_at %s (the clerk's sidecar)", when(v, "recorded_at"));
        printf("\n");
    }
    printf("links\n");
    json_array_foreach(json_object_get(item, "links"), i, v)
    {
        int active = json_is_true(json_object_get(v, "active"));
        printf("  %s  %s%s%s  as %s  by %s: %s  [%s%s]\n", when(v, "linked_at"), str(v, "case"),
               json_is_string(json_object_get(v, "party")) ? " party " : "",
               json_is_string(json_object_get(v, "party")) ? str(v, "party") : "",
               str(v, "original_name"), str(v, "linked_by"), str(v, "reason"),
               active ? "active" : "superseded ", active ? "" : when(v, "superseded_at"));
    }
    printf("derivatives%s\n",
           json_array_size(json_object_get(item, "derivatives")) ? "" : " (none)");
    json_array_foreach(json_object_get(item, "derivatives"), i, v)
    {
        if (json_is_string(json_object_get(v, "sha256")))
            printf("  %-9s %-8s %s  %lld bytes  %s\n", str(v, "profile"), str(v, "status"),
                   str(v, "sha256"), (long long)json_integer_value(json_object_get(v, "size")),
                   str(v, "media_type"));
        else
            printf("  %-9s %-8s %s\n", str(v, "profile"), str(v, "status"), str(v, "reason"));
    }
    json_t *pd = json_object_get(item, "archival_decision");
    if (json_is_object(pd)) /* the format policy's decision (indexer/policy.h) */
        printf("archival    %s%s%s by policy row %s (version %lld): %s%s%s\n", str(pd, "action"),
               json_is_string(json_object_get(pd, "target")) ? " to " : "",
               json_is_string(json_object_get(pd, "target")) ? str(pd, "target") : "",
               json_is_string(json_object_get(pd, "policy_row")) ? str(pd, "policy_row") : "(none)",
               (long long)json_integer_value(json_object_get(pd, "policy_version")),
               str(pd, "outcome"), json_is_string(json_object_get(pd, "reason")) ? ": " : "",
               json_is_string(json_object_get(pd, "reason")) ? str(pd, "reason") : "");
    printf("events\n");
    json_array_foreach(json_object_get(item, "events"), i, v)
    {
        char *d = json_dumps(json_object_get(v, "detail"), JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("  %s  %-9s %s  %s\n", when(v, "at"), str(v, "kind"), str(v, "actor"), d ? d : "");
        free(d);
    }
}

int
cs_cmd_show(int argc, char **argv)
{
    static const struct option longopts[] = {
        CS_CLI_COMMON_OPTIONS, CS_CLI_READ_OPTIONS, {0, 0, 0, 0}};
    cs_cli_t cli;
    json_t *item = NULL;
    char sha[65];
    int rc, code = -1;
    cs_cli_init(&cli, "show", show_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, NULL, NULL)) != 0)
        return rc;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one ITEM");
    if ((rc = cs_cli_open(&cli)) != 0 || (rc = cs_catalog_resolve(cli.cat, argv[optind], sha)) != 0)
        goto out;
    if ((code = cs_cli_retrieval(&cli, "view", sha, NULL)) != 0)
        goto out;
    code = -1;
    if ((rc = cs_catalog_item(cli.cat, sha, &item)) != 0)
        goto out;
    json_t *meta = NULL;
    if ((rc = cs_catalog_metadata(cli.cat, sha, &meta)) != 0)
        goto out;
    json_object_set_new(item, "metadata", meta);
    json_t *derivs = NULL;
    if ((rc = cs_catalog_derivatives(cli.cat, sha, &derivs)) != 0)
        goto out;
    json_object_set_new(item, "derivatives", derivs);
    json_t *decision = NULL;
    if ((rc = cs_policy_item_decision(cli.cat, sha, &decision)) != 0)
        goto out;
    json_object_set_new(item, "archival_decision", decision);
    json_object_set_new(item, "store", cs_cli_store_object(&cli, sha));
    (void)cs_cli_site_tz(&cli);
    if (cli.json)
        cs_cli_print_json(item, 0);
    else
        print_item(item);
out:
    json_decref(item);
    if (code >= 0)
        rc = code;
    else if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}

int
cs_cmd_cases(int argc, char **argv)
{
    static const struct option longopts[] = {
        CS_CLI_COMMON_OPTIONS, CS_CLI_READ_OPTIONS, {0, 0, 0, 0}};
    cs_cli_t cli;
    json_t *cases = NULL, *v;
    size_t i;
    int rc, code = -1;
    cs_cli_init(&cli, "cases", cases_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, NULL, NULL)) != 0)
        return rc;
    if (optind < argc)
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    if ((rc = cs_cli_open(&cli)) != 0 || (code = cs_cli_retrieval(&cli, "list", NULL, NULL)) != 0)
        goto out;
    code = -1;
    if ((rc = cs_catalog_cases(cli.cat, &cases)) != 0 ||
        (rc = cs_cli_filter(&cli, cases, "case")) != 0)
        goto out;
    if (cli.json) {
        cs_cli_print_json(cases, 0);
        goto out;
    }
    (void)cs_cli_site_tz(&cli);
    json_array_foreach(cases, i, v)
    {
        size_t j;
        json_t *p;
        long long n = (long long)json_integer_value(json_object_get(v, "items"));
        printf("%s  %lld item%s  since %s", str(v, "case"), n, cs_cli_s(n), when(v, "created_at"));
        if (json_is_string(json_object_get(v, "reference"))) /* 档号, once archived */
            printf("  档号 %s", str(v, "reference"));
        json_array_foreach(json_object_get(v, "parties"), j, p)
            printf("%s%s", j ? ", " : "  parties: ", json_string_value(p));
        printf("\n");
    }
out:
    json_decref(cases);
    if (code >= 0)
        rc = code;
    else if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}

typedef struct items_args {
    const char *case_arg;
    int unassigned;
} items_args_t;

static int
items_option(int c, const char *arg, void *ctx)
{
    items_args_t *a = ctx;
    if (c == 'c')
        a->case_arg = arg;
    else if (c == 'u')
        a->unassigned = 1;
    return 0;
}

int
cs_cmd_items(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             CS_CLI_READ_OPTIONS,
                                             {"case", required_argument, NULL, 'c'},
                                             {"unassigned", no_argument, NULL, 'u'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    items_args_t a = {0};
    json_t *items = NULL, *v;
    size_t i;
    int rc, code = -1;
    cs_cli_init(&cli, "items", items_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, items_option, &a)) != 0)
        return rc;
    if ((a.case_arg == NULL) == !a.unassigned)
        return cs_cli_usage_error(&cli, "give --case NO or --unassigned");
    if (optind < argc)
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    if (a.unassigned) {
        if ((rc = cs_cli_open(&cli)) != 0 ||
            (code = cs_cli_retrieval(&cli, "list", NULL, NULL)) != 0)
            goto out;
        code = -1;
        if ((rc = cs_catalog_unassigned(cli.cat, &items)) != 0)
            goto out;
    } else {
        if ((rc = cs_cli_load(&cli)) != 0 ||
            (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
            (rc = cs_casenum_parse(rule, a.case_arg, &cn)) != 0 || (rc = cs_cli_open(&cli)) != 0 ||
            (code = cs_cli_retrieval(&cli, "list", NULL, cn.text)) != 0)
            goto out;
        code = -1;
        if ((rc = cs_catalog_case_items(cli.cat, cn.text, &items)) != 0)
            goto out;
    }
    if ((rc = cs_cli_filter(&cli, items, "sha256")) != 0)
        goto out;
    if (cli.json) {
        cs_cli_print_json(items, 0);
        goto out;
    }
    json_array_foreach(items, i, v)
        printf("%s  %10lld  %-24s %s  %s\n", str(v, "sha256"),
               (long long)json_integer_value(json_object_get(v, "size")), str(v, "media_type"),
               str(v, "party"), str(v, "original_name"));
out:
    json_decref(items);
    cs_casenum_rule_free(&rule);
    if (code >= 0)
        rc = code;
    else if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
