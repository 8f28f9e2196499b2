/* tools/cmd_init.c: `custody init`: make a home, or say it is made already. */
#include "tools/cli.h"

#include "core/buf.h"
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
    "usage: custody init [--default-tz ZONE] [--home DIR] [--set section.key=value]...\n"
    "                    [--json]\n"
    "Creates the home DIR (default $CUSTODY_HOME, else ./var): custody.conf, catalog.db,\n"
    "store/, uploads/ and the ledger's Ed25519 signing key (ledger.key, mode 0600).\n"
    "Running it again changes nothing and says so.\n"
    "  --default-tz ZONE    Writes ingest.default_tz = ZONE into the new custody.conf: the\n"
    "                       zone of capture times that carry none (a camera that writes no\n"
    "                       offset and no GPS time). A zone name like Asia/Shanghai or\n"
    "                       Europe/Berlin (its offset on each date, summer time included),\n"
    "                       or a fixed UTC offset like +08:00.\n";

#define OPT_DEFAULT_TZ 'z'

typedef struct init_args {
    cs_cli_t *cli;
    char set[96]; /* "ingest.default_tz=ZONE" */
    const char *tz;
} init_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    init_args_t *a = ctx;
    cs_config_t check;
    if (c != OPT_DEFAULT_TZ)
        return CS_EXIT_USAGE;
    /* Checked before anything is made: a zone the system lacks leaves no half-made home. */
    cs_config_defaults(&check);
    if (cs_config_set(&check, "ingest.default_tz", arg, "--default-tz") != 0)
        return cs_cli_usage_error(a->cli, "%s", cs_diag());
    if (a->cli->nsets >= CS_CLI_MAX_SETS ||
        cs_snprintf(a->set, sizeof a->set, "ingest.default_tz=%s", arg) != 0)
        return cs_cli_usage_error(a->cli,
                                  "--default-tz \"%.64s\": too long, or too many --set "
                                  "options",
                                  arg);
    a->cli->sets[a->cli->nsets++] = a->set; /* checked by the config like any --set */
    a->tz = arg;
    return 0;
}

static int
exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* The default config, with `default_tz = TZ` set where the commented default was. */
static int
write_default(FILE *f, const char *tz)
{
    char *text = NULL, *at;
    size_t len = 0;
    int rc;
    FILE *m;
    if (tz == NULL)
        return cs_config_write_default(f);
    if ((m = open_memstream(&text, &len)) == NULL)
        return CS_ENOMEM;
    rc = cs_config_write_default(m);
    if (fclose(m) != 0 && rc == 0)
        rc = CS_ENOMEM;
    if (rc == 0 && (at = strstr(text, "\n#default_tz = \n")) == NULL)
        rc = CS_EINVAL; /* the table always has the key */
    if (rc == 0 && (fprintf(f, "%.*s\n# set by custody init --default-tz\ndefault_tz = %s\n",
                            (int)(at - text), text, tz) < 0 ||
                    fputs(at + strlen("\n#default_tz = \n"), f) == EOF))
        rc = cs_err_from_errno(errno);
    free(text);
    return rc;
}

static int
write_conf(const char *path, const char *tz)
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
    rc = write_default(f, tz);
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
        {0, 0, 0, 0}};
    cs_cli_t cli;
    json_t *created = json_array();
    int rc = 0, made;
    char key_id[CS_KEY_ID_MAX] = "";
    init_args_t a = {.cli = &cli};
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
        if ((rc = write_conf(cli.home.conf, a.tz)) != 0)
            goto out;
        json_array_append_new(created, json_string(cli.home.conf));
    } else if (a.tz != NULL) {
        fprintf(stderr,
                "custody init: %s exists already and was left as it is; set "
                "default_tz in its [ingest] section\n",
                cli.home.conf);
    }
    made = !exists(cli.home.store);
    cs_store_opts_t sopts = {.buffer_size = (size_t)cli.cfg.store_buffer_kb * 1024};
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
    }
out:
    json_decref(created);
    cs_cli_close(&cli);
    return rc ? cs_cli_fail(&cli, rc) : CS_EXIT_OK;
}
