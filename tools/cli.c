/* tools/cli.c: shared plumbing of the subcommands. */
#include "tools/cli.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/ledger.h"
#include "ledger/checkpoint.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const cs_cli_common_help[][2] = {
    {"--home DIR", "The home folder (default $CUSTODY_HOME, else ./var)."},
    {"--config FILE", "The config file (default $CUSTODY_CONFIG, else <home>/custody.conf)."},
    {"--set section.key=value", "Overrides one config key; repeatable (at most 32)."},
    {"--json", "Prints records as JSON, where the command prints records."},
    {"--purpose TEXT", "Why records are read: every read states it, in the ledger first."},
    {"--as USER", "Reads under USER's access rules: lists and searches show only what USER "
                  "may read (cases, items, search, show, get, export)."},
    {"-h, --help", "Describes the command and exits."},
    {NULL, NULL},
};

const char *const cs_cli_exit_help[][2] = {
    {"0", "success"},
    {"1", "a check failed (an altered or missing original, a bad ledger or bag, a denied read)"},
    {"2", "bad usage or bad input"},
    {"3", "could not complete (disk full, catalog locked or damaged, I/O error)"},
    {NULL, NULL},
};

void
cs_cli_init(cs_cli_t *cli, const char *cmd, const char *usage)
{
    memset(cli, 0, sizeof *cli);
    cli->cmd = cmd;
    cli->usage = usage;
    struct passwd *pw = getpwuid(geteuid());
    /* The ledger's actor is never a cut name: a name too long is stood for by the uid. */
    if (pw == NULL || cs_snprintf(cli->actor, sizeof cli->actor, "%s", pw->pw_name) != 0)
        snprintf(cli->actor, sizeof cli->actor, "uid:%ld", (long)geteuid()); /* fits: 24 */
    optind = 1;
}

int
cs_cli_common_option(cs_cli_t *cli, int c, const char *arg)
{
    switch (c) {
    case CS_CLI_OPT_HOME:
        cli->home_dir = arg;
        return 1;
    case CS_CLI_OPT_SET:
        if (cli->nsets == CS_CLI_MAX_SETS) {
            cs_cli_usage_error(cli, "at most %d --set options", CS_CLI_MAX_SETS);
            return -1;
        }
        cli->sets[cli->nsets++] = arg;
        return 1;
    case CS_CLI_OPT_JSON:
        cli->json = 1;
        return 1;
    case CS_CLI_OPT_PURPOSE:
        cli->purpose = arg;
        return 1;
    case CS_CLI_OPT_AS:
        cli->as = arg;
        return 1;
    case CS_CLI_OPT_CONFIG:
        cli->conf_path = arg;
        return 1;
    case CS_CLI_OPT_HELP:
        fputs(cli->usage, stdout);
        exit(CS_EXIT_OK);
    case '?':
    case ':':
        fputs(cli->usage, stderr);
        return -1;
    default:
        return 0;
    }
}

int
cs_cli_parse(cs_cli_t *cli, int argc, char **argv, const struct option *longopts,
             int (*fn)(int c, const char *arg, void *ctx), void *ctx)
{
    int c, h, code;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if ((h = cs_cli_common_option(cli, c, optarg)) < 0)
            return CS_EXIT_USAGE;
        if (h == 0 && (fn == NULL || (code = fn(c, optarg, ctx)) != 0))
            return fn == NULL ? CS_EXIT_USAGE : code;
    }
    return 0;
}

int
cs_cli_load(cs_cli_t *cli)
{
    int rc;
    if (cli->loaded)
        return 0;
    if ((rc = cs_home_resolve(&cli->home, cli->home_dir)) != 0 ||
        (cli->conf_path != NULL && (rc = cs_home_set_conf(&cli->home, cli->conf_path)) != 0))
        return rc;
    cs_config_defaults(&cli->cfg);
    if ((rc = cs_config_load(&cli->cfg, cli->home.conf)) != 0)
        return rc;
    for (int i = 0; i < cli->nsets; i++)
        if ((rc = cs_config_override(&cli->cfg, cli->sets[i])) != 0)
            return rc;
    cli->loaded = 1;
    return 0;
}

int
cs_cli_open(cs_cli_t *cli)
{
    struct stat st;
    int rc;
    if ((rc = cs_cli_load(cli)) != 0)
        return rc;
    if (stat(cli->home.catalog, &st) != 0 && errno == ENOENT) {
        cs_diag_set("%s is not a Custody home (no catalog.db); run: custody init --home %s",
                    cli->home.root, cli->home.root);
        return CS_ENOENT;
    }
    cs_catalog_opts_t copts = {.busy_timeout_ms = cli->cfg.catalog_busy_timeout_ms};
    if ((rc = cs_catalog_open(&cli->cat, cli->home.catalog, 0, &copts)) != 0)
        return rc;
    if (cs_catalog_ledger_size(cli->cat, &cli->ledger_size) != 0)
        cli->ledger_size = -1;
    cs_store_opts_t sopts;
    cs_store_opts_from_config(&sopts, &cli->cfg);
    if ((rc = cs_store_open(&cli->store, cli->home.store, 0, &sopts)) != 0)
        return rc;
    return 0;
}

int
cs_cli_worker_exe(char *buf, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char *slash;
    if (n > 0 && (size_t)n < sizeof self)
        self[n] = '\0'; /* readlink does not end it: strrchr would run into the stack */
    if (n <= 0 || (size_t)n >= sizeof self - 1 || (slash = strrchr(self, '/')) == NULL) {
        cs_diag_set("cannot find this program's path for its media workers");
        return CS_EIO;
    }
    *slash = '\0';
    /* Beside this program (the build tree), else where the package installs it. */
    if ((size_t)snprintf(buf, size, "%s/%s", self, CS_WORKER_EXE) >= size) {
        cs_diag_set("the path of this program is too long: %s", self);
        return CS_ENAMETOOLONG;
    }
    if (access(buf, X_OK) == 0)
        return 0;
    if ((size_t)snprintf(buf, size, "%s/%s/%s", self, CS_WORKER_INSTALLED_DIR, CS_WORKER_EXE) >=
        size) {
        cs_diag_set("the path of this program is too long: %s", self);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_cli_who(cs_cli_t *cli, const char *as, cs_access_who_t *who)
{
    cs_user_t user;
    int rc;
    if (as == NULL) {
        cs_access_who_operator(who, cli->actor);
        return 0;
    }
    if ((rc = cs_catalog_user_by_name(cli->cat, as, &user)) != 0 && rc != CS_ENOTFOUND)
        return rc;
    cs_access_who_user(who, rc == 0 ? &user : NULL, as);
    return 0;
}

int
cs_cli_refused(const cs_access_who_t *who, int allowed, const char *only, char *why, size_t size)
{
    if (who->role == CS_ROLE_NONE)
        cs_snprintf_cut(why, size, "no Custody user named %s (custody user list)", who->name);
    else if (who->disabled)
        cs_snprintf_cut(why, size, "user %s is disabled", who->name);
    else if (!allowed)
        cs_snprintf_cut(why, size, "%s; %s is a%s %s", only, who->name,
                        who->role == CS_ROLE_AUDITOR ? "n" : "", cs_access_role_name(who->role));
    else
        return 0;
    return 1;
}

void
cs_cli_client(const cs_cli_t *cli, char *buf, size_t size)
{
    /* fits: the callers' 96 bytes hold "cli:" and an actor of 63 */
    snprintf(buf, size, "cli:%.*s", (int)(size > 5 ? size - 5 : 0), cli->actor);
}

int
cs_cli_gate(cs_cli_t *cli, const char *as, cs_read_t read, const char *sha256,
            const char *case_number, cs_access_how_t *how, cs_access_decision_t *dec)
{
    cs_access_policy_t pol = cs_access_policy(&cli->cfg);
    cs_access_who_t who;
    char client[96];
    int64_t seq = 0;
    int rc;
    cs_cli_client(cli, client, sizeof client);
    how->read = read;
    how->channel = CS_CHANNEL_CLI;
    how->purpose = cli->purpose;
    how->client = client;
    if ((rc = cs_cli_who(cli, as, &who)) != 0 ||
        (rc = cs_access_decide_synced(cli->cat, &pol, &who, sha256, case_number, how, dec, &seq)) !=
            0)
        return cs_cli_fail(cli, rc); /* not on record: not shown */
    cli->seq = seq;
    if (dec->allowed)
        return 0;
    if (dec->deny == CS_DENY_NOT_FOUND) {
        cs_diag_set("%s (custody cases, custody search)", dec->reason);
        return cs_cli_fail(cli, CS_ENOTFOUND);
    }
    if (dec->deny == CS_DENY_NO_PURPOSE)
        fprintf(stderr,
                "custody %s: refused: every read of the records states why; give --purpose "
                "TEXT (the refusal is in the ledger)\n",
                cli->cmd);
    else
        fprintf(stderr, "custody %s: denied (ledger entry %lld): %s%s\n", cli->cmd, (long long)seq,
                dec->reason,
                dec->deny == CS_DENY_UNKNOWN_USER ? "; pass --as USER (custody user list)" : "");
    return CS_EXIT_CHECK;
}

int
cs_cli_retrieval(cs_cli_t *cli, const char *action, const char *sha256, const char *case_number)
{
    cs_access_how_t how = {.action = action};
    cs_access_decision_t dec;
    return cs_cli_gate(cli, cli->as, sha256 ? CS_READ_METADATA : CS_READ_LIST, sha256,
                       sha256 ? NULL : case_number, &how, &dec);
}

int
cs_cli_visible(cs_cli_t *cli, const char *sha256, const char *case_number, int *ok)
{
    cs_access_policy_t pol = cs_access_policy(&cli->cfg);
    cs_access_how_t how = {.read = sha256 ? CS_READ_METADATA : CS_READ_LIST,
                           .channel = CS_CHANNEL_CLI,
                           /* The command's own purpose: a grant for another purpose must
                            * not let its holder list what they may not read for this one. */
                           .purpose = cli->purpose,
                           .action = "view"};
    cs_access_decision_t dec;
    int rc;
    *ok = 0;
    /* Looked up once per command, not once per member of a list. */
    if (!cli->reader_known && (rc = cs_cli_who(cli, cli->as, &cli->reader)) != 0)
        return rc;
    cli->reader_known = 1;
    if ((rc = cs_access_decide(cli->cat, &pol, &cli->reader, sha256, sha256 ? NULL : case_number,
                               &how, &dec, NULL)) != 0)
        return rc;
    *ok = dec.allowed;
    return 0;
}

int
cs_cli_filter(cs_cli_t *cli, json_t *list, const char *key)
{
    int is_case = strcmp(key, "case") == 0;
    for (size_t i = 0; i < json_array_size(list);) {
        const char *v = json_string_value(json_object_get(json_array_get(list, i), key));
        int ok = 0, rc;
        if (v != NULL &&
            (rc = cs_cli_visible(cli, is_case ? NULL : v, is_case ? v : NULL, &ok)) != 0)
            return rc;
        if (ok)
            i++;
        else
            json_array_remove(list, i);
    }
    return 0;
}

int
cs_cli_derive_dir(cs_cli_t *cli, char *buf, size_t size)
{
    char tmp[PATH_MAX];
    int made, rc;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/tmp", cli->home.root) >= sizeof tmp ||
        (size_t)snprintf(buf, size, "%s/derive", tmp) >= size) {
        cs_diag_set("the home path %s is too long", cli->home.root);
        return CS_ENAMETOOLONG;
    }
    if ((rc = cs_home_mkdir(tmp, 0750, &made)) != 0)
        return rc;
    return cs_home_mkdir(buf, 0750, &made);
}

int
cs_cli_worker_opts(cs_cli_t *cli, int count, cs_worker_opts_t *o)
{
    int rc;
    if ((rc = cs_cli_worker_exe(cli->exe, sizeof cli->exe)) != 0)
        return rc;
    *o = (cs_worker_opts_t){
        .exe = cli->exe,
        .home = cli->home.root,
        .count = count > 0 ? count : (int)uv_available_parallelism(),
        .timeout_ms = cli->cfg.worker_timeout_ms,
        .retries = cli->cfg.worker_retries,
        .rlimit_as_mb = cli->cfg.worker_rlimit_as_mb,
        .rlimit_cpu_s = cli->cfg.worker_rlimit_cpu_s,
    };
    return 0;
}

void
cs_cli_close(cs_cli_t *cli)
{
    int64_t size = -1;
    /* Whatever this command appended is covered by a signed checkpoint before it exits, so
     * that removing its last entry cannot go unnoticed. */
    if (cli->cat != NULL && cli->ledger_size >= 0 && cs_catalog_ledger_size(cli->cat, &size) == 0 &&
        size > cli->ledger_size) {
        cs_diag_clear();
        int rc = cs_ledger_checkpoint(cli->cat, &cli->home, NULL);
        if (rc != 0)
            fprintf(stderr, "custody %s: could not sign a checkpoint of the ledger: %s\n", cli->cmd,
                    *cs_diag() ? cs_diag() : cs_strerror(rc));
    }
    cs_store_close(&cli->store);
    cs_catalog_close(&cli->cat);
}

int
cs_cli_exit_code(int rc)
{
    switch (rc) {
    case 0:
        return CS_EXIT_OK;
    case CS_EMISMATCH:
        return CS_EXIT_CHECK;
    case CS_ENOSPC:
    case CS_EIO:
    case CS_EBUSY:
    case CS_ECORRUPT:
    case CS_EDB:
    case CS_ENOMEM:
    case CS_ECRYPTO:
    case CS_EUNAVAILABLE: /* the object store did not answer: try again */
        return CS_EXIT_FAIL;
    default:
        return CS_EXIT_USAGE;
    }
}

int
cs_cli_fail(cs_cli_t *cli, int rc)
{
    const char *d = cs_diag();
    fprintf(stderr, "custody %s: %s\n", cli->cmd, *d ? d : cs_strerror(rc));
    return cs_cli_exit_code(rc);
}

int
cs_cli_usage_error(cs_cli_t *cli, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "custody %s: ", cli->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", cli->usage);
    return CS_EXIT_USAGE;
}

const char *
cs_cli_s(long long n)
{
    return n == 1 ? "" : "s";
}

void
cs_cli_print_json(json_t *v, int compact)
{
    size_t flags = compact ? JSON_COMPACT : JSON_INDENT(2);
    json_dumpf(v, stdout, flags | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
}
