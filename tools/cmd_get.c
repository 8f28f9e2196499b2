/* tools/cmd_get.c: `custody get`: the bytes of an original or of one of its derivatives,
 * written only after the retrieval is decided and its ledger entry is durable. */
#include "tools/cli.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/access.h"
#include "indexer/derivatives.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody get ITEM [--derivative PROFILE] --purpose TEXT [--as USER] [--out FILE]\n"
    "                   [--home DIR] [--set k=v]...\n"
    "Writes the original's bytes (or those of its PROFILE derivative: archival, access,\n"
    "preview, thumbnail) to stdout or FILE, as USER (default: the Custody user named like\n"
    "the OS user) for PURPOSE. The access rules decide; the decision is recorded in the\n"
    "ledger, with the OS user, before a byte is written. Exit 1 if access is denied.\n";

typedef struct get_args {
    const char *profile, *purpose, *as, *out;
} get_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    get_args_t *a = ctx;
    if (c == 'd')
        a->profile = arg;
    else if (c == 'p')
        a->purpose = arg;
    else if (c == 'a')
        a->as = arg;
    else if (c == 'o')
        a->out = arg;
    return 0;
}

/* The object to serve: the item itself, or its current verified derivative of `profile`. */
static int
object_of(cs_cli_t *cli, const char *sha, const char *profile, char obj[65])
{
    json_t *list = NULL, *d;
    size_t i;
    int rc;
    if (profile == NULL) {
        memcpy(obj, sha, 65);
        return 0;
    }
    if ((rc = cs_catalog_derivatives(cli->cat, sha, &list)) != 0)
        return rc;
    rc = CS_ENOTFOUND;
    cs_diag_set("item %.12s has no verified %s derivative (custody show %.12s)", sha, profile, sha);
    json_array_foreach(list, i, d)
    {
        const char *p = json_string_value(json_object_get(d, "profile"));
        const char *o = json_string_value(json_object_get(d, "sha256"));
        if (p != NULL && o != NULL && strcmp(p, profile) == 0 &&
            strcmp(json_string_value(json_object_get(d, "status")), "verified") == 0 &&
            cs_snprintf(obj, 65, "%s", o) == 0) { /* a longer "hash" names no object */
            rc = 0;
        }
    }
    json_decref(list);
    return rc;
}

/* Copies the object to fd, which is `name` in messages. */
static int
copy_out(cs_cli_t *cli, const char *obj, int out, const char *name)
{
    char buf[64 * 1024];
    int fd = -1, rc;
    ssize_t n;
    if ((rc = cs_store_open_object(cli->store, obj, &fd)) != 0)
        return rc;
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
        for (ssize_t off = 0; n > 0 && off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = cs_err_from_errno(errno);
                cs_diag_set("cannot write the bytes out to %s: %s; free space or choose "
                            "another --out and try again",
                            name, strerror(errno));
                goto out;
            }
            off += w;
        }
    }
    if (n < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot read object %s: %s", obj, strerror(errno));
    }
out:
    close(fd);
    return rc;
}

int
cs_cmd_get(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"derivative", required_argument, NULL, 'd'},
                                             {"purpose", required_argument, NULL, 'p'},
                                             {"as", required_argument, NULL, 'a'},
                                             {"out", required_argument, NULL, 'o'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    get_args_t a = {0};
    char sha[65], obj[65];
    uint64_t size = 0;
    int rc, out = STDOUT_FILENO;
    cs_cli_init(&cli, "get", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one ITEM");
    if ((rc = cs_cli_open(&cli)) != 0 ||
        (rc = cs_catalog_resolve(cli.cat, argv[optind], sha)) != 0 ||
        (rc = object_of(&cli, sha, a.profile, obj)) != 0 ||
        (rc = cs_store_stat(cli.store, obj, &size)) != 0)
        goto out;
    /* `get` always reads under a Custody user's rules: --as USER, or the user named as the
     * OS user. */
    cs_access_how_t how = {.action = a.profile ? "get.derivative" : "get.original",
                           .object = obj,
                           .profile = a.profile,
                           .bytes = (int64_t)size};
    cs_access_decision_t dec;
    cli.purpose = a.purpose;
    if ((rc = cs_cli_gate(&cli, a.as ? a.as : cli.actor,
                          a.profile ? CS_READ_DERIVATIVE : CS_READ_ORIGINAL, sha, NULL, &how,
                          &dec)) != 0) {
        cs_cli_close(&cli);
        return rc;
    }
    if (a.out != NULL &&
        (out = open(a.out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot create %s: %s (it must not exist yet)", a.out, strerror(errno));
        goto out;
    }
    rc = copy_out(&cli, obj, out, a.out ? a.out : "stdout");
    if (a.out != NULL && close(out) != 0 && rc == 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s: %s", a.out, strerror(errno));
    }
    /* A file we made and could not finish must not pass for the item. */
    if (a.out != NULL && rc != 0)
        unlink(a.out);
out:
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
