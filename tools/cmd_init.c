/* tools/cmd_init.c: `custody init`: make a home, or say it is made already. */
#include "tools/cli.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "ledger/key.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody init [--site-tz ZONE] [--default-tz ZONE] [--home DIR]\n"
    "                    [--set section.key=value]... [--json]\n"
    "Creates the home DIR (default $CUSTODY_HOME, else ./var): custody.conf, catalog.db,\n"
    "store/, uploads/ and the ledger's Ed25519 signing key (ledger.key, mode 0600).\n"
    "Running it again changes nothing and says so.\n"
    "  --site-tz ZONE       Writes site.tz = ZONE into the new custody.conf: the site's zone,\n"
    "                       e.g. Asia/Shanghai, in which a grant's --until DATE ends and the\n"
    "                       CLI shows times (default: the system's zone).\n"
    "  --default-tz ZONE    Writes ingest.default_tz = ZONE into the new custody.conf: the\n"
    "                       zone of capture times that carry none (a camera that writes no\n"
    "                       offset and no GPS time). A zone name like Asia/Shanghai or\n"
    "                       Europe/Berlin (its offset on each date, summer time included),\n"
    "                       or a fixed UTC offset like +08:00.\n";

#define OPT_DEFAULT_TZ 'z'
#define OPT_SITE_TZ 's'

/* A key --default-tz or --site-tz writes into the new custody.conf. */
typedef struct init_key {
    const char *key, *option; /* "ingest.default_tz", "--default-tz" */
    const char *value;        /* NULL: not given */
    char set[96];             /* "ingest.default_tz=ZONE" */
} init_key_t;

typedef struct init_args {
    cs_cli_t *cli;
    init_key_t keys[2]; /* ingest.default_tz, site.tz */
} init_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    init_args_t *a = ctx;
    cs_config_t check;
    if (c != OPT_DEFAULT_TZ && c != OPT_SITE_TZ)
        return CS_EXIT_USAGE;
    init_key_t *k = &a->keys[c == OPT_SITE_TZ];
    /* Checked before anything is made: a zone the system lacks leaves no half-made home. */
    cs_config_defaults(&check);
    if (cs_config_set(&check, k->key, arg, k->option) != 0)
        return cs_cli_usage_error(a->cli, "%s", cs_diag());
    if (a->cli->nsets >= CS_CLI_MAX_SETS ||
        cs_snprintf(k->set, sizeof k->set, "%s=%s", k->key, arg) != 0)
        return cs_cli_usage_error(a->cli, "%s \"%.64s\": too long, or too many --set options",
                                  k->option, arg);
    a->cli->sets[a->cli->nsets++] = k->set; /* checked by the config like any --set */
    k->value = arg;
    return 0;
}

static int
exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* The default config, with each given key set where its commented default was. */
static int
write_default(FILE *f, const init_key_t *keys, size_t n)
{
    char *text = NULL, *at, *p, line[64];
    size_t len = 0;
    int rc;
    FILE *m;
    if ((m = open_memstream(&text, &len)) == NULL)
        return CS_ENOMEM;
    rc = cs_config_write_default(m);
    if (fclose(m) != 0 && rc == 0)
        rc = CS_ENOMEM;
    for (p = text; rc == 0;) {
        const init_key_t *k = NULL;
        at = NULL;
        for (size_t i = 0; i < n; i++) { /* the first given key still ahead */
            char *hit;
            if (keys[i].value == NULL ||
                cs_snprintf(line, sizeof line, "\n#%s = \n", strchr(keys[i].key, '.') + 1) != 0 ||
                (hit = strstr(p, line)) == NULL)
                continue;
            if (at == NULL || hit < at) {
                at = hit;
                k = &keys[i];
            }
        }
        if (at == NULL)
            break;
        const char *name = strchr(k->key, '.') + 1;
        if (fprintf(f, "%.*s\n# set by custody init %s\n%s = %s\n", (int)(at - p), p, k->option,
                    name, k->value) < 0)
            rc = cs_err_from_errno(errno);
        p = at + strlen(name) + strlen("\n# = \n");
    }
    if (rc == 0 && fputs(p, f) == EOF)
        rc = cs_err_from_errno(errno);
    free(text);
    return rc;
}

static int
write_conf(const char *path, const init_key_t *keys, size_t n)
{
    char tmp[PATH_MAX];
    int rc = 0;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp)
        return CS_ENAMETOOLONG;
    FILE *f = fopen(tmp, "wx");
    if (f == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s: %s", tmp, strerror(errno));
        return rc;
    }
    rc = write_default(f, keys, n);
    if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        rc = cs_err_from_errno(errno);
    if (fclose(f) != 0 && rc == 0)
        rc = cs_err_from_errno(errno);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = cs_err_from_errno(errno);
    if (rc != 0) {
        cs_diag_set("cannot write %s: %s", path, cs_strerror(rc));
        unlink(tmp);
    }
    return rc;
}

int
cs_cmd_init(int argc, char **argv)
{
    static const struct option longopts[] = {
        CS_CLI_COMMON_OPTIONS,
        {"default-tz", required_argument, NULL, OPT_DEFAULT_TZ},
        {"site-tz", required_argument, NULL, OPT_SITE_TZ},
        {0, 0, 0, 0}};
    cs_cli_t cli;
    json_t *created = json_array();
    int rc = 0, made;
    char key_id[CS_KEY_ID_MAX] = "";
    init_args_t a = {.cli = &cli,
                     .keys = {{.key = "ingest.default_tz", .option = "--default-tz"},
                              {.key = "site.tz", .option = "--site-tz"}}};
    cs_cli_init(&cli, "init", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0) {
        json_decref(created);
        return rc;
    }
    if (optind < argc) {
        json_decref(created);
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    }
    /* The folder first: the config inside it can only be read once it is one. */
    if ((rc = cs_home_resolve(&cli.home, cli.home_dir)) != 0 ||
        (rc = cs_home_mkdir_parents(cli.home.root, 0755)) != 0 ||
        (rc = cs_home_mkdir(cli.home.root, 0750, &made)) != 0 || (rc = cs_cli_load(&cli)) != 0)
        goto out;
    if (made)
        json_array_append_new(created, json_string(cli.home.root));
    if (!exists(cli.home.conf)) {
        if ((rc = write_conf(cli.home.conf, a.keys, 2)) != 0)
            goto out;
        json_array_append_new(created, json_string(cli.home.conf));
    } else {
        for (size_t i = 0; i < 2; i++)
            if (a.keys[i].value != NULL)
                fprintf(stderr,
                        "custody init: %s exists already and was left as it is; set %s there\n",
                        cli.home.conf, a.keys[i].key);
    }
    made = !exists(cli.home.store);
    cs_store_opts_t sopts;
    cs_store_opts_from_config(&sopts, &cli.cfg);
    if ((rc = cs_store_open(&cli.store, cli.home.store, 1, &sopts)) != 0)
        goto out;
    if (made)
        json_array_append_new(created, json_string(cli.home.store));
    if ((rc = cs_home_mkdir(cli.home.uploads, 0750, &made)) != 0)
        goto out;
    if (made)
        json_array_append_new(created, json_string(cli.home.uploads));
    made = !exists(cli.home.catalog);
    cs_catalog_opts_t copts = {.busy_timeout_ms = cli.cfg.catalog_busy_timeout_ms};
    if ((rc = cs_catalog_open(&cli.cat, cli.home.catalog, 1, &copts)) != 0)
        goto out;
    if (made)
        json_array_append_new(created, json_string(cli.home.catalog));
    if (!exists(cli.home.key)) {
        if ((rc = cs_ledger_key_create(cli.home.key, cli.home.pub)) != 0)
            goto out;
        json_array_append_new(created, json_string(cli.home.key));
    }
    if ((rc = cs_ledger_key_id(cli.home.pub, key_id)) != 0)
        goto out;

    if (cli.json) {
        json_t *o = json_pack("{s:s, s:O, s:s}", "home", cli.home.root, "created", created,
                              "key_id", key_id);
        cs_cli_print_json(o, 0);
        json_decref(o);
    } else if (json_array_size(created) == 0) {
        printf("custody home %s is already initialised; nothing changed\n", cli.home.root);
    } else {
        size_t i;
        json_t *v;
        printf("initialised custody home %s\n", cli.home.root);
        json_array_foreach(created, i, v) printf("  created %s\n", json_string_value(v));
        printf("  ledger signing key id %s\n", key_id);
        if (cli.cfg.site_tz[0] == '\0') { /* offer a zone: times and grant dates follow it */
            char sys[CS_TZ_NAME_MAX + 1] = "UTC";
            (void)cs_clock_system_zone(sys);
            printf("  site zone %s (the system's); for another, set tz = Asia/Shanghai (or "
                   "another zone) in [site] of %s\n",
                   sys, cli.home.conf);
        }
    }
out:
    json_decref(created);
    cs_cli_close(&cli);
    return rc ? cs_cli_fail(&cli, rc) : CS_EXIT_OK;
}
