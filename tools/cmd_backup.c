/* tools/cmd_backup.c: `custody backup` (a consistent online backup of the home, incremental by
 * hash) and `custody restore` (a new home from a backup, checked before it appears):
 * backup/backup.h. */
#include "tools/cli.h"

#include "core/error.h"
#include "backup/backup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char backup_usage[] =
    "usage: custody backup --to DIR [--with-key] [--home DIR] [--set k=v]... [--json]\n"
    "Backs the home up into DIR, while the service runs or not: a consistent snapshot of\n"
    "catalog.db (SQLite's online backup API), then every object that snapshot references and\n"
    "DIR does not hold yet (each hashed while copied: a second run copies only what is new),\n"
    "ledger.pub, custody.conf, checkpoint.txt (the snapshot's latest signed checkpoint, signed\n"
    "first if none covers its whole ledger and the key is readable) and MANIFEST.json. The\n"
    "private signing key is copied only with --with-key (mode 0600: keep such a backup as safe\n"
    "as the home). Objects stored after the snapshot are not needed by it. Exit 1 if objects\n"
    "of the home are missing or altered (each is named; everything else is backed up).\n";

static const char restore_usage[] =
    "usage: custody restore --from DIR --home NEW [--key PEM | --new-key] [--json]\n"
    "Builds the home NEW (absent, or an empty folder) from the backup DIR that custody backup\n"
    "wrote: under NEW.partial-XXXXXX it copies the catalog and every object it references,\n"
    "each hashed while copied, installs custody.conf, ledger.pub and the signing key, migrates\n"
    "the catalog forward, verifies the ledger (as custody ledger verify) and re-hashes every\n"
    "object in place (as custody verify --all, without recording), and only then renames it\n"
    "to NEW. The key is the backup's ledger.key, else --key PEM (which must be the key that\n"
    "signed its checkpoints); --new-key makes a new one when the old is lost, keeping the old\n"
    "public key as ledger-<id>.pub (see docs/OPERATIONS.md before using it). A missing or\n"
    "altered object is named with its item and case; then nothing is restored (exit 1).\n";

/* What both commands report as they go: each bad object, and progress on a terminal. */
typedef struct report {
    const char *cmd;
    json_t *problems; /* --json: the sentences; else they are printed */
} report_t;

typedef struct backup_args {
    const char *to;
    int with_key;
} backup_args_t;

typedef struct restore_args {
    const char *from, *key;
    int new_key;
} restore_args_t;

static int
on_backup_option(int c, const char *arg, void *ctx)
{
    backup_args_t *a = ctx;
    if (c == 't')
        a->to = arg;
    else if (c == 'k')
        a->with_key = 1;
    return 0;
}

static void
on_problem(void *arg, const char *sha256, const char *message)
{
    report_t *rep = arg;
    (void)sha256;
    if (rep->problems != NULL)
        json_array_append_new(rep->problems, json_string(message));
    else
        fprintf(stderr, "custody %s: %s\n", rep->cmd, message);
}

static void
on_progress(void *arg, uint64_t done, uint64_t total)
{
    const report_t *rep = arg;
    if (done == 1 || done % 64 == 0 || done == total)
        fprintf(stderr, "\r%s  %llu/%llu objects", rep->cmd, (unsigned long long)done,
                (unsigned long long)total);
}

static double
mb_per_s(uint64_t bytes, double seconds)
{
    return seconds > 0 ? (double)bytes / 1e6 / seconds : 0;
}

static void
backup_text(const cs_backup_opts_t *o, const cs_backup_result_t *r)
{
    const cs_catalog_facts_t *f = &r->facts;
    printf("backed up %s to %s in %.1f s\n", o->home->root, o->to, r->seconds);
    printf("  catalog  schema %d: %lld items, %lld copies, %lld cases; ledger of %lld entries",
           f->schema, (long long)f->items, (long long)f->derivatives, (long long)f->cases,
           (long long)f->ledger_size);
    if (r->checkpoint_size < 0)
        printf(", no signed checkpoint\n");
    else
        printf(", checkpoint of %lld%s\n", (long long)r->checkpoint_size,
               r->signed_now ? " signed by this backup" : "");
    printf("  objects  %llu: %llu copied (%.1f MB, %.1f MB/s), %llu already there",
           (unsigned long long)r->objects, (unsigned long long)r->copied,
           (double)r->bytes_copied / 1e6, mb_per_s(r->bytes_copied, r->seconds),
           (unsigned long long)r->present);
    if (r->bad > 0)
        printf(", %llu MISSING OR ALTERED in the home (named above)", (unsigned long long)r->bad);
    printf("\n  files    catalog.db, ledger.pub, custody.conf, checkpoint.txt, MANIFEST.json\n");
    if (r->key_copied)
        printf("  key      ledger.key, the private signing key, copied (0600): keep this backup "
               "as safe as the home itself\n");
    else
        printf("  key      not copied (give --with-key to include it); a restore then needs the "
               "home's ledger.key%s\n",
               r->key_removed ? " (the copy an earlier --with-key backup left was removed)" : "");
}

static json_t *
backup_json(const cs_backup_opts_t *o, const cs_backup_result_t *r, json_t *problems)
{
    const cs_catalog_facts_t *f = &r->facts;
    return json_pack(
        "{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:I, s:I, s:I,"
        " s:I, s:f, s:f, s:b, s:b, s:O}",
        "home", o->home->root, "to", o->to, "created_at", r->created_at, "schema", f->schema,
        "items", (json_int_t)f->items, "derivatives", (json_int_t)f->derivatives, "cases",
        (json_int_t)f->cases, "ledger_size", (json_int_t)f->ledger_size, "checkpoint_size",
        (json_int_t)r->checkpoint_size, "signed_checkpoint", r->signed_now, "objects",
        (json_int_t)r->objects, "copied", (json_int_t)r->copied, "already", (json_int_t)r->present,
        "missing_or_altered", (json_int_t)r->bad, "bytes_copied", (json_int_t)r->bytes_copied,
        "bytes_total", (json_int_t)r->bytes_total, "seconds", r->seconds, "mb_per_s",
        mb_per_s(r->bytes_copied, r->seconds), "key_copied", r->key_copied, "key_removed",
        r->key_removed, "problems", problems);
}

int
cs_cmd_backup(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"to", required_argument, NULL, 't'},
                                             {"with-key", no_argument, NULL, 'k'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    backup_args_t a = {0};
    report_t rep = {.cmd = "backup"};
    cs_backup_result_t res = {0};
    struct stat st;
    int rc;
    cs_cli_init(&cli, "backup", backup_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_backup_option, &a)) != 0)
        return rc;
    if (optind < argc)
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    if (a.to == NULL || a.to[0] == '\0')
        return cs_cli_usage_error(&cli, "give --to DIR");
    if ((rc = cs_cli_load(&cli)) != 0)
        goto out;
    if (stat(cli.home.catalog, &st) != 0 && errno == ENOENT) {
        cs_diag_set("%s is not a Custody home (no catalog.db); give --home", cli.home.root);
        rc = CS_ENOENT;
        goto out;
    }
    if (cli.json)
        rep.problems = json_array();
    cs_backup_opts_t o = {.home = &cli.home,
                          .cfg = &cli.cfg,
                          .to = a.to,
                          .with_key = a.with_key,
                          .problem = on_problem,
                          .progress = isatty(STDERR_FILENO) && !cli.json ? on_progress : NULL,
                          .arg = &rep};
    rc = cs_backup_run(&o, &res);
    if (o.progress != NULL)
        fputc('\n', stderr);
    if (rc != 0)
        goto out;
    if (cli.json) {
        json_t *j = backup_json(&o, &res, rep.problems);
        cs_cli_print_json(j, 0);
        json_decref(j);
    } else {
        backup_text(&o, &res);
    }
out:
    json_decref(rep.problems);
    if (rc != 0)
        return cs_cli_fail(&cli, rc);
    return res.bad > 0 ? CS_EXIT_CHECK : CS_EXIT_OK;
}

static int
on_restore_option(int c, const char *arg, void *ctx)
{
    restore_args_t *a = ctx;
    if (c == 'f')
        a->from = arg;
    else if (c == 'k')
        a->key = arg;
    else if (c == 'n')
        a->new_key = 1;
    return 0;
}

static void
restore_text(const cs_restore_opts_t *o, const cs_restore_result_t *r)
{
    const cs_catalog_facts_t *f = &r->facts;
    const cs_ledger_report_t *l = &r->ledger;
    printf("restored %s from %s in %.1f s\n", o->home, o->from, r->seconds);
    printf("  catalog  schema %d (the backup's: %d): %lld items, %lld copies, %lld cases\n",
           r->schema, f->schema, (long long)f->items, (long long)f->derivatives,
           (long long)f->cases);
    printf("  objects  %llu copied and hashed (%.1f MB), %llu re-hashed in place: all match\n",
           (unsigned long long)r->objects, (double)r->bytes / 1e6, (unsigned long long)r->verified);
    printf("  ledger   verified: %lld entries, %lld checkpoints", (long long)l->entries,
           (long long)l->checkpoints);
    printf(l->uncovered ? "; the last %lld entries are not yet in a checkpoint\n" : "\n",
           (long long)l->uncovered);
    if (strcmp(r->key_from, "new") != 0) {
        printf("  key      from %s (key id %.16s)\n",
               strcmp(r->key_from, "backup") == 0 ? "the backup" : "--key", r->key_id);
        return;
    }
    printf("  key      NEW signing key (key id %.16s). The ledger's checkpoints so far are signed\n"
           "           by the old key, kept as %s: they were verified with it\n"
           "           now. Key rotation is not implemented: custody ledger verify in this home\n"
           "           checks every checkpoint against the new key and will report the old ones.\n"
           "           See docs/OPERATIONS.md, \"Rotate keys\".\n",
           r->key_id, r->old_pub);
}

static json_t *
restore_json(const cs_restore_opts_t *o, const cs_restore_result_t *r, json_t *problems)
{
    const cs_catalog_facts_t *f = &r->facts;
    return json_pack(
        "{s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I},"
        " s:s?, s:s, s:s?, s:f, s:O}",
        "home", o->home, "from", o->from, "schema", r->schema, "backup_schema", f->schema, "items",
        (json_int_t)f->items, "derivatives", (json_int_t)f->derivatives, "cases",
        (json_int_t)f->cases, "ledger_size", (json_int_t)f->ledger_size, "objects",
        (json_int_t)r->objects, "bytes", (json_int_t)r->bytes, "verified", (json_int_t)r->verified,
        "ledger", "entries", (json_int_t)r->ledger.entries, "checkpoints",
        (json_int_t)r->ledger.checkpoints, "uncovered", (json_int_t)r->ledger.uncovered, "key_from",
        r->key_from, "key_id", r->key_id, "old_pub", r->old_pub[0] ? r->old_pub : NULL, "seconds",
        r->seconds, "problems", problems);
}

int
cs_cmd_restore(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"from", required_argument, NULL, 'f'},
                                             {"key", required_argument, NULL, 'k'},
                                             {"new-key", no_argument, NULL, 'n'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    restore_args_t a = {0};
    report_t rep = {.cmd = "restore"};
    cs_restore_result_t res = {0};
    int rc;
    cs_cli_init(&cli, "restore", restore_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_restore_option, &a)) != 0)
        return rc;
    if (optind < argc)
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    if (a.from == NULL || cli.home_dir == NULL || cli.home_dir[0] == '\0')
        return cs_cli_usage_error(&cli, "give --from DIR and --home NEW");
    if (a.key != NULL && a.new_key)
        return cs_cli_usage_error(&cli, "give --key PEM or --new-key, not both");
    if ((rc = cs_cli_load(&cli)) != 0) /* the --set overrides, if any */
        return cs_cli_fail(&cli, rc);
    if (cli.json)
        rep.problems = json_array();
    cs_restore_opts_t o = {.from = a.from,
                           .home = cli.home_dir,
                           .key = a.key,
                           .new_key = a.new_key,
                           .busy_timeout_ms = cli.cfg.catalog_busy_timeout_ms,
                           .problem = on_problem,
                           .progress = isatty(STDERR_FILENO) && !cli.json ? on_progress : NULL,
                           .arg = &rep};
    rc = cs_restore_run(&o, &res);
    if (o.progress != NULL)
        fputc('\n', stderr);
    if (rc == 0 || cli.json) {
        json_t *j = restore_json(&o, &res, rep.problems);
        if (j != NULL && rc != 0)
            json_object_set_new(j, "error", json_string(*cs_diag() ? cs_diag() : cs_strerror(rc)));
        if (rc == 0 && !cli.json)
            restore_text(&o, &res);
        else if (j != NULL)
            cs_cli_print_json(j, 0);
        json_decref(j);
    }
    json_decref(rep.problems);
    return rc != 0 ? cs_cli_fail(&cli, rc) : CS_EXIT_OK;
}
