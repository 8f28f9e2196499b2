/* tools/cmd_user.c: `custody user add|list|disable|rotate`: the people who may use Custody,
 * each with one role and one API token, of which only a hash is kept. */
#include "tools/cli.h"
#include "tools/review.h"
#include "tools/sitetime.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/access.h"
#include "access/password.h"
#include "access/token.h"
#include "indexer/review.h"
#include "ledger/key.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody user add NAME --role clerk|reviewer|auditor|admin|legal\n"
    "       custody user list [--json]\n"
    "       custody user disable NAME\n"
    "       custody user rotate NAME\n"
    "       custody user passwd NAME [--password-stdin]\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "add and rotate print the user's new API token alone on the last line of stdout, once:\n"
    "Custody keeps only its SHA-256. disable stops the token and every grant of the user.\n"
    "passwd sets the password of the web sign-in (10 bytes or more, not the user name): asked\n"
    "twice without echo on a terminal, else (or with --password-stdin) the first line of\n"
    "stdin. Custody keeps only its scrypt hash; a new password also lifts a lock.\n"
    "A legal user (法制审核人员) also gets an Ed25519 key that signs their opinions: the\n"
    "private key at <home>/keys/NAME.pem (0600, kept by the operator), the public key in the\n"
    "catalog.\n";

struct opts {
    const char *role;
    int password_stdin;
};

static int
on_option(int c, const char *arg, void *ctx)
{
    struct opts *o = ctx;
    if (c == 'r')
        o->role = arg;
    if (c == 'P')
        o->password_stdin = 1;
    return 0;
}

/* Makes a token, stores its hash through `store`, prints the token. */
static int
issue(cs_cli_t *cli, const char *name, const char *role)
{
    char token[CS_TOKEN_MAX], hash[65];
    int rc;
    if ((rc = cs_token_new(token, sizeof token)) != 0)
        return rc;
    cs_token_hash(token, hash);
    rc = role != NULL ? cs_catalog_user_add(cli->cat, name, role, hash, cli->actor)
                      : cs_catalog_user_rotate(cli->cat, name, hash, cli->actor);
    if (rc != 0)
        return rc;
    printf("%s %s%s%s; keep this token, it is not shown again:\n%s\n",
           role != NULL ? "added" : "rotated the token of", name, role ? " as " : "",
           role ? role : "", token);
    return 0;
}

/* A legal user: the signing key made first (never over one), then the user and its public key;
 * the key file goes again if the user cannot be added. */
static int
add_legal(cs_cli_t *cli, const char *name)
{
    char path[PATH_MAX], dir[PATH_MAX], pem[CS_PUB_PEM_MAX], kid[CS_KEY_ID_MAX];
    int rc;
    if ((rc = cs_cli_review_key_path(cli, name, path, sizeof path)) != 0)
        return rc;
    if (cs_snprintf(dir, sizeof dir, "%s/keys", cli->home.root) != 0)
        return CS_ENAMETOOLONG;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot make %s: %s", dir, strerror(errno));
        return rc;
    }
    if ((rc = cs_key_create_user(path, pem, sizeof pem, kid)) != 0)
        return rc;
    if ((rc = issue(cli, name, "legal")) != 0) {
        unlink(path);
        return rc;
    }
    if ((rc = cs_catalog_user_key_add(cli->cat, name, pem, kid, cli->actor)) == 0)
        /* stderr: the token stays alone on stdout's last line */
        fprintf(stderr,
                "signing key of %s: %s (0600, kept by the operator); public key %.12s in the "
                "catalog\n",
                name, path, kid);
    return rc;
}

/* One line of `in` into buf without its line break; CS_EINVAL when there is none or it is
 * too long. */
static int
read_line(FILE *in, char *buf, size_t size)
{
    if (fgets(buf, (int)size, in) == NULL) {
        cs_diag_set("no password on stdin");
        return CS_EINVAL;
    }
    size_t len = strcspn(buf, "\r\n");
    if (buf[len] == '\0' && len == size - 1) {
        cs_diag_set("the password is longer than %d bytes", CS_PASSWORD_MAX);
        return CS_EINVAL;
    }
    buf[len] = '\0';
    return 0;
}

/* Asks for the password on the terminal, without echo. */
static int
prompt(const char *label, char *buf, size_t size)
{
    struct termios old, quiet;
    int err;
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return read_line(stdin, buf, size);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fprintf(stderr, "%s", label);
    fflush(stderr);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    err = read_line(stdin, buf, size);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fprintf(stderr, "\n");
    return err;
}

/* Sets NAME's password: read, checked against the policy, hashed, stored. */
static int
passwd(cs_cli_t *cli, const char *name, int from_stdin)
{
    char pw[CS_PASSWORD_MAX + 2], again[CS_PASSWORD_MAX + 2], hash[CS_PASSWORD_HASH_MAX];
    int err;
    if (from_stdin || !isatty(STDIN_FILENO)) {
        err = read_line(stdin, pw, sizeof pw);
    } else if ((err = prompt("new password: ", pw, sizeof pw)) == 0 &&
               (err = prompt("again: ", again, sizeof again)) == 0 && strcmp(pw, again) != 0) {
        cs_diag_set("the two passwords differ; nothing changed");
        err = CS_EINVAL;
    }
    if (err == 0 && (err = cs_password_policy(name, pw)) == 0 &&
        (err = cs_password_hash(pw, hash)) == 0 &&
        (err = cs_catalog_user_passwd(cli->cat, name, hash, cli->actor)) == 0)
        printf("set the password of %s\n", name);
    OPENSSL_cleanse(pw, sizeof pw);
    OPENSSL_cleanse(again, sizeof again);
    return err;
}

static int
list(cs_cli_t *cli)
{
    json_t *users = NULL, *u;
    size_t i;
    int rc = cs_catalog_users(cli->cat, &users);
    if (rc != 0)
        return rc;
    if (cli->json) {
        cs_cli_print_json(users, 0);
    } else {
        (void)cs_cli_site_tz(cli);
        json_array_foreach(users, i, u)
        {
            const char *off = json_string_value(json_object_get(u, "disabled_at"));
            printf("%-20s %-9s since %s%s%s\n", json_string_value(json_object_get(u, "name")),
                   json_string_value(json_object_get(u, "role")),
                   cs_cli_time(json_string_value(json_object_get(u, "created_at"))),
                   off ? "  disabled " : "", off ? cs_cli_time(off) : "");
        }
    }
    json_decref(users);
    return 0;
}

int
cs_cmd_user(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"role", required_argument, NULL, 'r'},
                                             {"password-stdin", no_argument, NULL, 'P'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    struct opts o = {0};
    const char *verb, *name;
    int rc;
    cs_cli_init(&cli, "user", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &o)) != 0)
        return rc;
    if (optind >= argc)
        return cs_cli_usage_error(&cli, "name what to do: add, list, disable, rotate or passwd");
    verb = argv[optind];
    name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int want = strcmp(verb, "list") == 0 ? 1 : 2;
    if (strcmp(verb, "add") != 0 && strcmp(verb, "list") != 0 && strcmp(verb, "disable") != 0 &&
        strcmp(verb, "rotate") != 0 && strcmp(verb, "passwd") != 0)
        return cs_cli_usage_error(&cli, "unknown \"%s\"; use add, list, disable, rotate or passwd",
                                  verb);
    if (argc - optind != want)
        return cs_cli_usage_error(&cli,
                                  want == 1 ? "user list takes no NAME" : "name exactly one user");
    if (strcmp(verb, "add") == 0 && !cs_access_role_valid(o.role))
        return cs_cli_usage_error(&cli, "--role must be clerk, reviewer, auditor, admin or legal");
    if (strcmp(verb, "add") != 0 && o.role != NULL)
        return cs_cli_usage_error(&cli, "--role goes with add only");
    if (strcmp(verb, "passwd") != 0 && o.password_stdin)
        return cs_cli_usage_error(&cli, "--password-stdin goes with passwd only");
    if ((rc = cs_cli_open(&cli)) != 0)
        goto out;
    if (strcmp(verb, "list") == 0)
        rc = list(&cli);
    else if (strcmp(verb, "disable") == 0)
        rc = cs_catalog_user_disable(cli.cat, name, cli.actor);
    else if (strcmp(verb, "passwd") == 0)
        rc = passwd(&cli, name, o.password_stdin);
    else if (strcmp(verb, "add") == 0 && strcmp(o.role, "legal") == 0)
        rc = add_legal(&cli, name);
    else
        rc = issue(&cli, name, strcmp(verb, "add") == 0 ? o.role : NULL);
    if (rc == 0 && strcmp(verb, "disable") == 0)
        printf("disabled %s\n", name);
out:
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
