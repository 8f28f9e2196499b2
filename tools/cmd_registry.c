/* tools/cmd_registry.c: `custody officer` and `custody device`: the officers (执法证号, its
 * validity, unit, Custody user) and devices (serial, model, kind, holder) that ingest resolves
 * upload folders, body-camera names and metadata serials to (indexer/registry.h). An admin's
 * or the operator's (access/ decides: cs_access_registry); every change is ledgered in its
 * own transaction, and a refused one is ledgered too. */
#include "tools/cli.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/registry.h"

#include <stdio.h>
#include <string.h>

static const char officer_usage[] =
    "usage: custody officer add CERT --name NAME [--unit UNIT] [--valid-from DATE]\n"
    "                           [--valid-to DATE] [--user USER] [--as ADMIN]\n"
    "       custody officer set CERT [--name NAME] [--unit UNIT] [--valid-from DATE]\n"
    "                           [--valid-to DATE] [--user USER] [--as ADMIN]\n"
    "       custody officer list [--as ADMIN] [--json]\n"
    "       custody officer show CERT [--as ADMIN] [--json]\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "The officers whose files Custody keeps, by their 执法证号 certificate number CERT: their\n"
    "name, unit, the certificate's validity (DATE: YYYY-MM-DD, the site's days, both\n"
    "included) and the Custody user they are. An upload folder uploads/<case>/CERT/ and the\n"
    "officer group of ingest.name_pattern resolve to them; a file captured outside the\n"
    "certificate's validity is flagged. `set` changes only what it is given (\"\" empties\n"
    "an optional field). For admins (the host's operator is one; --as USER acts as that\n"
    "user); every change, and every refused one, is in the ledger. Exit 1 when refused.\n";

static const char device_usage[] =
    "usage: custody device add SERIAL --kind KIND [--model MODEL] [--holder CERT] [--as ADMIN]\n"
    "       custody device set SERIAL [--kind KIND] [--model MODEL] [--holder CERT]\n"
    "                          [--as ADMIN]\n"
    "       custody device list [--as ADMIN] [--json]\n"
    "       custody device show SERIAL [--as ADMIN] [--json]\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "The devices that record evidence, by serial number: KIND is body_camera (执法记录仪),\n"
    "camera, phone or recorder; the holder is the officer who carries it (their\n"
    "certificate number). An upload folder uploads/<case>/SERIAL/, the device group of\n"
    "ingest.name_pattern, and the serial a file's metadata states (with its model, when\n"
    "both are known) resolve to it; the holder is then the file's officer unless another\n"
    "is named. For admins; every change, and every refused one, is in the ledger.\n";

typedef struct args {
    cs_officer_fields_t o;
    cs_device_fields_t d;
} args_t;

enum { O_NAME = 0x200, O_UNIT, O_FROM, O_TO, O_USER, O_MODEL, O_KIND, O_HOLDER };

static int
on_option(int c, const char *arg, void *ctx)
{
    args_t *a = ctx;
    switch (c) {
    case O_NAME:
        a->o.name = arg;
        break;
    case O_UNIT:
        a->o.unit = arg;
        break;
    case O_FROM:
        a->o.valid_from = arg;
        break;
    case O_TO:
        a->o.valid_to = arg;
        break;
    case O_USER:
        a->o.user = arg;
        break;
    case O_MODEL:
        a->d.model = arg;
        break;
    case O_KIND:
        a->d.kind = arg;
        break;
    case O_HOLDER:
        a->d.holder = arg;
        break;
    }
    return 0;
}

static const struct option officer_opts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"as", required_argument, NULL, CS_CLI_OPT_AS},
                                             {"name", required_argument, NULL, O_NAME},
                                             {"unit", required_argument, NULL, O_UNIT},
                                             {"valid-from", required_argument, NULL, O_FROM},
                                             {"valid-to", required_argument, NULL, O_TO},
                                             {"user", required_argument, NULL, O_USER},
                                             {0, 0, 0, 0}};

static const struct option device_opts[] = {CS_CLI_COMMON_OPTIONS,
                                            {"as", required_argument, NULL, CS_CLI_OPT_AS},
                                            {"model", required_argument, NULL, O_MODEL},
                                            {"kind", required_argument, NULL, O_KIND},
                                            {"holder", required_argument, NULL, O_HOLDER},
                                            {0, 0, 0, 0}};

/* The reader, if they may keep the registry (writes) or read it; else why not, ledgered as
 * `action` denied, and the exit code. */
static int
keeper(cs_cli_t *cli, const char *action, const char *key, int write, cs_access_who_t *who)
{
    char why[256];
    int rc, may;
    if ((rc = cs_cli_who(cli, cli->as, who)) != 0)
        return cs_cli_fail(cli, rc);
    may = cs_access_registry(who->role);
    if (!cs_cli_refused(who, may != 0 && (!write || may == 1),
                        "only admins keep the officers and devices", why, sizeof why))
        return 0;
    if (write && (rc = cs_catalog_registry_refused(cli->cat, action, key, who->name,
                                                   cs_access_role_name(who->role), why)) != 0)
        return cs_cli_fail(cli, rc);
    fprintf(stderr, "custody %s: refused%s: %s\n", cli->cmd, write ? " (in the ledger)" : "", why);
    return CS_EXIT_CHECK;
}

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "-";
}

static void
print_officer(json_t *o, int whole)
{
    printf("%-20s %-12s %s .. %s  %s", str(o, "cert"), str(o, "name"), str(o, "valid_from"),
           str(o, "valid_to"), str(o, "unit"));
    if (json_is_string(json_object_get(o, "user")))
        printf("  (user %s)", str(o, "user"));
    printf("\n");
    if (!whole)
        return;
    size_t i;
    json_t *v;
    printf("  devices   ");
    json_array_foreach(json_object_get(o, "devices"), i, v) printf(" %s", json_string_value(v));
    printf("%s\n  items      %lld\n  added      %s by %s; changed %s\n",
           json_array_size(json_object_get(o, "devices")) ? "" : " (none)",
           (long long)json_integer_value(json_object_get(o, "items")), str(o, "created_at"),
           str(o, "created_by"), str(o, "updated_at"));
}

static void
print_device(json_t *d, int whole)
{
    printf("%-20s %-11s %-16s holder %s", str(d, "serial"), str(d, "kind"), str(d, "model"),
           str(d, "holder"));
    if (json_is_string(json_object_get(d, "holder_name")))
        printf(" (%s)", str(d, "holder_name"));
    printf("\n");
    if (whole)
        printf("  items      %lld\n  added      %s by %s; changed %s\n",
               (long long)json_integer_value(json_object_get(d, "items")), str(d, "created_at"),
               str(d, "created_by"), str(d, "updated_at"));
}

static int
run(int argc, char **argv, int is_officer)
{
    const char *noun = is_officer ? "officer" : "device";
    cs_cli_t cli;
    cs_access_who_t who;
    args_t a = {0};
    json_t *rows = NULL;
    char action[32];
    int rc;
    cs_cli_init(&cli, noun, is_officer ? officer_usage : device_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, is_officer ? officer_opts : device_opts, on_option,
                           &a)) != 0)
        return rc;
    if (optind >= argc)
        return cs_cli_usage_error(&cli, "give add, set, list or show");
    const char *verb = argv[optind];
    int is_list = strcmp(verb, "list") == 0, is_show = strcmp(verb, "show") == 0;
    int is_add = strcmp(verb, "add") == 0, is_set = strcmp(verb, "set") == 0;
    if (!is_list && !is_show && !is_add && !is_set)
        return cs_cli_usage_error(&cli, "unknown verb \"%s\": add, set, list or show", verb);
    if (argc - optind != (is_list ? 1 : 2))
        return cs_cli_usage_error(&cli, is_list ? "list takes nothing more" : "name exactly one %s",
                                  is_officer ? "certificate number" : "serial number");
    const char *key = is_list ? NULL : argv[optind + 1];
    if (is_set &&
        (is_officer ? !a.o.name && !a.o.unit && !a.o.valid_from && !a.o.valid_to && !a.o.user
                    : !a.d.model && !a.d.kind && !a.d.holder))
        return cs_cli_usage_error(&cli, "nothing to set");
    if ((rc = cs_cli_open(&cli)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto out;
    }
    snprintf(action, sizeof action, "%s.%s", noun, is_add ? "add" : "set"); /* fits */
    if ((rc = keeper(&cli, action, key, is_add || is_set, &who)) != 0)
        goto out;
    if (is_add || is_set) {
        int err = is_officer ? (is_add ? cs_catalog_officer_add
                                       : cs_catalog_officer_set)(cli.cat, key, &a.o, who.name)
                             : (is_add ? cs_catalog_device_add
                                       : cs_catalog_device_set)(cli.cat, key, &a.d, who.name);
        if (err != 0) {
            rc = cs_cli_fail(&cli, err);
            goto out;
        }
        printf("%s %s %s (ledgered as %s by %s)\n", noun, key, is_add ? "added" : "changed", action,
               who.name);
        goto out;
    }
    int err = is_officer ? cs_catalog_officers(cli.cat, key, &rows)
                         : cs_catalog_devices(cli.cat, key, &rows);
    if (err != 0) {
        rc = cs_cli_fail(&cli, err);
        goto out;
    }
    if (cli.json) {
        cs_cli_print_json(is_show ? json_array_get(rows, 0) : rows, 0);
    } else {
        size_t i;
        json_t *v;
        if (json_array_size(rows) == 0)
            printf("no %ss registered (custody %s add)\n", noun, noun);
        json_array_foreach(rows, i, v)
        {
            if (is_officer)
                print_officer(v, is_show);
            else
                print_device(v, is_show);
        }
    }
out:
    json_decref(rows);
    cs_cli_close(&cli);
    return rc;
}

int
cs_cmd_officer(int argc, char **argv)
{
    return run(argc, argv, 1);
}

int
cs_cmd_device(int argc, char **argv)
{
    return run(argc, argv, 0);
}
