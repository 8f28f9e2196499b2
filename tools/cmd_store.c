/* tools/cmd_store.c: `custody store status|migrate|trim`: the store's backend, moving every
 * object between the local folder and the S3 object store, and the local copies. */
#include "tools/cli.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/backup.h"
#include "indexer/ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody store status [--home DIR] [--json]\n"
    "       custody store migrate --to s3|local [--remove-source] [--home DIR] [--json]\n"
    "       custody store trim [--home DIR]\n"
    "status: the backend (store.backend), whether it answers and how fast.\n"
    "migrate: copies every object the catalog names to the other backend, verifies each\n"
    "by its SHA-256 there, then sets store.backend in custody.conf and records the move in\n"
    "the ledger. Run it with the service stopped; it resumes where it stopped when run\n"
    "again. The source keeps its copies unless --remove-source (to s3: the local copies\n"
    "beyond store.s3_cache_mb; to local: the object store's, which refuses locked ones).\n"
    "trim: removes local copies of an s3 store down to store.s3_cache_mb.\n";

#define OPT_TO 0x200
#define OPT_REMOVE 0x201

typedef struct store_args {
    const char *to;
    int remove_source;
} store_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    store_args_t *a = ctx;
    if (c == OPT_TO)
        a->to = arg;
    else if (c == OPT_REMOVE)
        a->remove_source = 1;
    return 0;
}

static const char *const lock_names[] = {"off", "compliance", "governance"};

json_t *
cs_cli_store_health(cs_cli_t *cli)
{
    cs_store_health_t h;
    int s3 = cli->cfg.store_backend == CS_BACKEND_S3;
    cs_store_health(cli->store, &h);
    static const char *const checks[] = {"signed", "md5", "readback"};
    return json_pack(
        "{s:s, s:b, s:f, s:s, s:s, s:i, s:I, s:I, s:s, s:I, s:I}", "backend", h.backend, "ok", h.ok,
        "latency_ms", h.latency_ms, "detail", h.detail, "object_lock",
        s3 ? lock_names[cli->cfg.store_s3_object_lock] : "off", "retain_days",
        s3 && cli->cfg.store_s3_object_lock ? cli->cfg.store_s3_retain_days : 0, "requests",
        (json_int_t)h.requests, "failures", (json_int_t)h.failures, "put_check",
        s3 ? checks[cli->cfg.store_s3_put_check] : "local", "readback_waiting",
        (json_int_t)h.readback_waiting, "readback_mismatched", (json_int_t)h.readback_mismatched);
}

void
cs_cli_print_store_health(const json_t *h)
{
    const char *b = json_string_value(json_object_get(h, "backend"));
    const char *lock = json_string_value(json_object_get(h, "object_lock"));
    if (b == NULL)
        return;
    printf("store     %s %s: %s (%.1f ms)", b, json_string_value(json_object_get(h, "detail")),
           json_is_true(json_object_get(h, "ok")) ? "answers" : "NOT ANSWERING",
           json_real_value(json_object_get(h, "latency_ms")));
    if (lock != NULL && strcmp(lock, "off") != 0)
        printf("; Object Lock %s, %lld days", lock,
               (long long)json_integer_value(json_object_get(h, "retain_days")));
    printf("\n");
    json_int_t wait = json_integer_value(json_object_get(h, "readback_waiting"));
    json_int_t bad = json_integer_value(json_object_get(h, "readback_mismatched"));
    if (strcmp(b, "s3") != 0)
        return;
    printf("          puts checked by %s; %lld objects wait for their read-back\n",
           json_string_value(json_object_get(h, "put_check")), (long long)wait);
    if (bad > 0)
        printf("          %lld objects read back DIFFER in the object store and were not sent "
               "again: see store.readback_mismatch in the log\n",
               (long long)bad);
}

json_t *
cs_cli_store_object(cs_cli_t *cli, const char *sha256)
{
    cs_store_info_t in;
    int rc = cs_store_info(cli->store, sha256, &in);
    if (rc != 0 && rc != CS_ENOTFOUND)
        return json_pack("{s:s, s:s}", "backend", cs_store_backend(cli->store), "error",
                         *cs_diag() ? cs_diag() : cs_strerror(rc));
    return json_pack("{s:s, s:b, s:b, s:I, s:s, s:s, s:s}", "backend", in.backend, "local",
                     in.local, "remote", in.remote, "size", (json_int_t)in.size, "lock_mode",
                     in.lock_mode, "retain_until", in.retain_until, "version", in.version);
}

static int
status(cs_cli_t *cli)
{
    json_t *h = cs_cli_store_health(cli);
    int ok = json_is_true(json_object_get(h, "ok"));
    if (cli->json)
        cs_cli_print_json(h, 0);
    else
        cs_cli_print_store_health(h);
    json_decref(h);
    return ok ? 0 : CS_EUNAVAILABLE;
}

/* ---- migrate ------------------------------------------------------------------------- */

typedef struct move {
    cs_cli_t *cli;
    cs_store_t *from, *to;
    int to_s3;
    int64_t objects, sent, bytes, kept;
} move_t;

/* One object the catalog names: in the target, verified there by its hash. */
static int
move_one(void *arg, const cs_catalog_object_t *o)
{
    move_t *m = arg;
    char actual[CS_SHA256_HEX];
    int rc, sent = 0;
    if (m->to_s3) {
        /* The local copy goes up (unless the object store holds it whole already). */
        if ((rc = cs_store_fetch(m->from, o->sha256)) != 0 ||
            (rc = cs_store_push(m->to, o->sha256, &sent)) != 0)
            goto fail;
    } else {
        /* A verified local copy of the object store's: fetch hashes on the way. */
        cs_store_info_t info;
        sent = cs_store_info(m->to, o->sha256, &info) != 0;
        if ((rc = cs_store_fetch(m->from, o->sha256)) != 0)
            goto fail;
    }
    /* Verified in the target, by its bytes there. */
    if ((rc = cs_store_verify(m->to, o->sha256, actual)) != 0)
        goto fail;
    m->objects++;
    if (sent) {
        m->sent++;
        m->bytes += o->size > 0 ? o->size : 0;
    }
    if (!m->cli->json && m->objects % 100 == 0)
        fprintf(stderr, "custody store: %" PRId64 " objects checked\n", m->objects);
    return 0;
fail:
    fprintf(stderr, "custody store: object %s: %s\n", o->sha256,
            *cs_diag() ? cs_diag() : cs_strerror(rc));
    return rc;
}

/* custody.conf gets `store.backend = <to>`: its line replaced, or added; written whole to a
 * temporary file, fsynced and renamed, so a crash leaves the old file or the new. */
static int
set_backend(cs_cli_t *cli, const char *to)
{
    const char *path = cli->conf_path != NULL ? cli->conf_path : cli->home.conf;
    char tmp[4200], line[4096];
    FILE *in = fopen(path, "r"), *out = NULL;
    int rc = 0, done = 0;
    if (cs_snprintf(tmp, sizeof tmp, "%s.migrate-%ld", path, (long)getpid()) != 0)
        return CS_ENAMETOOLONG;
    if ((out = fopen(tmp, "w")) == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s (%s)", tmp, strerror(errno));
        goto out;
    }
    /* In the [store] section: its `backend = ` line replaced, or one added after the header. */
    int in_store = 0;
    while (in != NULL && fgets(line, sizeof line, in) != NULL) {
        const char *p = line + strspn(line, " \t");
        if (*p == '[') {
            in_store = strncmp(p, "[store]", 7) == 0;
            fputs(line, out);
            if (in_store && !done)
                fprintf(out, "backend = %s\n", to);
            done |= in_store;
            continue;
        }
        if (in_store && strncmp(p, "backend", 7) == 0 && strchr(" \t=", p[7]) != NULL)
            continue; /* the old value: the new one follows the header */
        fputs(line, out);
    }
    if (!done)
        fprintf(out, "\n[store]\nbackend = %s\n", to);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s (%s)", tmp, strerror(errno));
        goto out;
    }
    if (fclose(out) != 0 || rename(tmp, path) != 0) {
        out = NULL;
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot replace %s (%s)", path, strerror(errno));
        goto out;
    }
    out = NULL;
out:
    if (out != NULL)
        fclose(out);
    if (rc != 0)
        unlink(tmp);
    if (in != NULL)
        fclose(in);
    return rc;
}

static int
remove_from_s3(void *arg, const char *sha256, uint64_t size)
{
    move_t *m = arg;
    (void)size;
    /* Only what the local store now holds verified. */
    char actual[CS_SHA256_HEX];
    if (cs_store_verify(m->to, sha256, actual) != 0 || cs_store_remove_remote(m->from, sha256) != 0)
        m->kept++; /* locked (the object store refuses), or not verified here */
    return 0;
}

static int
migrate(cs_cli_t *cli, const store_args_t *a)
{
    cs_config_t cfg = cli->cfg;
    cs_store_opts_t o;
    move_t m = {.cli = cli};
    uint64_t removed = 0;
    int rc;

    m.to_s3 = strcmp(a->to, "s3") == 0;
    cfg.store_backend = m.to_s3 ? CS_BACKEND_S3 : CS_BACKEND_LOCAL;
    if (cfg.store_backend == cli->cfg.store_backend) {
        fprintf(stderr, "custody store: store.backend is %s already; nothing to move\n", a->to);
        return 0;
    }
    cs_store_opts_from_config(&o, &cfg);
    if ((rc = cs_store_open(&m.to, cli->home.store, 0, &o)) != 0)
        return rc;
    m.from = cli->store;
    if (m.to_s3 && (rc = cs_store_prepare(m.to)) != 0)
        goto out;
    if ((rc = cs_catalog_file_objects(cli->home.catalog, move_one, &m)) != 0)
        goto out;
    if ((rc = set_backend(cli, a->to)) != 0)
        goto out;
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "kind", "custody", "action",
                          "store.migrated", "actor", cli->actor, "to", a->to, "objects",
                          (json_int_t)m.objects, "bytes", (json_int_t)m.bytes);
    if (e == NULL || (rc = cs_catalog_ledger_append(cli->cat, e, NULL)) != 0) {
        rc = rc != 0 ? rc : CS_ENOMEM;
        json_decref(e);
        goto out;
    }
    json_decref(e);
    int64_t kept = 0;
    if (a->remove_source && m.to_s3) {
        rc = cs_store_trim(m.to, CS_STORE_TRIM_CONFIGURED, 0, &removed);
    } else if (a->remove_source) {
        rc = cs_store_each_remote(m.from, remove_from_s3, &m);
        kept = m.kept;
    }
    if (cli->json) {
        json_t *r = json_pack("{s:s, s:I, s:I, s:I, s:I}", "to", a->to, "objects",
                              (json_int_t)m.objects, "bytes", (json_int_t)m.bytes, "removed_bytes",
                              (json_int_t)removed, "kept_locked", (json_int_t)kept);
        cs_cli_print_json(r, 0);
        json_decref(r);
    } else {
        printf("moved to %s: %" PRId64 " objects verified there (%" PRId64 " bytes sent)\n", a->to,
               m.objects, m.bytes);
        if (kept > 0)
            printf("kept in the object store: %" PRId64 " objects it refused to delete (locked)\n",
                   kept);
        printf("store.backend = %s in %s; restart the service\n", a->to,
               cli->conf_path != NULL ? cli->conf_path : cli->home.conf);
    }
out:
    cs_store_close(&m.to);
    return rc;
}

int
cs_cmd_store(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"to", required_argument, NULL, OPT_TO},
                                             {"remove-source", no_argument, NULL, OPT_REMOVE},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    store_args_t a = {0};
    int rc;
    cs_cli_init(&cli, "store", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (optind + 1 != argc)
        return cs_cli_usage_error(&cli, "name one of status, migrate, trim");
    const char *verb = argv[optind];
    if (strcmp(verb, "status") != 0 && strcmp(verb, "migrate") != 0 && strcmp(verb, "trim") != 0)
        return cs_cli_usage_error(&cli, "unknown \"%s\": name one of status, migrate, trim", verb);
    if (strcmp(verb, "migrate") == 0 &&
        (a.to == NULL || (strcmp(a.to, "s3") != 0 && strcmp(a.to, "local") != 0)))
        return cs_cli_usage_error(&cli, "give --to s3 or --to local");
    if ((rc = cs_cli_open(&cli)) != 0)
        goto out;
    if (strcmp(verb, "status") == 0) {
        rc = status(&cli);
    } else if (strcmp(verb, "migrate") == 0) {
        rc = migrate(&cli, &a);
    } else {
        uint64_t removed = 0;
        if ((rc = cs_store_trim(cli.store, CS_STORE_TRIM_CONFIGURED, 0, &removed)) == 0)
            printf("removed %" PRIu64 " bytes of local copies\n", removed);
    }
out:
    if (rc < 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
