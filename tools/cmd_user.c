/* tools/cmd_user.c: `custody user add|list|disable|rotate`: the people who may use Custody,
 * each with one role and one API token, of which only a hash is kept. */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/error.h"
#include "indexer/access.h"
#include "access/token.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: custody user add NAME --role clerk|reviewer|auditor|admin\n"
    "       custody user list [--json]\n"
    "       custody user disable NAME\n"
    "       custody user rotate NAME\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "add and rotate print the user's new API token alone on the last line of stdout, once:\n"
    "Custody keeps only its SHA-256. disable stops the token and every grant of the user.\n";

static int
on_option(int c, const char *arg, void *ctx)
{
    const char **role = ctx;
    if (c == 'r')
        *role = arg;
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
    static const struct option longopts[] = {
        CS_CLI_COMMON_OPTIONS, {"role", required_argument, NULL, 'r'}, {0, 0, 0, 0}};
    cs_cli_t cli;
    const char *role = NULL, *verb, *name;
    int rc;
    cs_cli_init(&cli, "user", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &role)) != 0)
        return rc;
    if (optind >= argc)
        return cs_cli_usage_error(&cli, "name what to do: add, list, disable or rotate");
    verb = argv[optind];
    name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int want = strcmp(verb, "list") == 0 ? 1 : 2;
    if (strcmp(verb, "add") != 0 && strcmp(verb, "list") != 0 && strcmp(verb, "disable") != 0 &&
        strcmp(verb, "rotate") != 0)
        return cs_cli_usage_error(&cli, "unknown \"%s\"; use add, list, disable or rotate", verb);
    if (argc - optind != want)
        return cs_cli_usage_error(&cli,
                                  want == 1 ? "user list takes no NAME" : "name exactly one user");
    if (strcmp(verb, "add") == 0 && !cs_access_role_valid(role))
        return cs_cli_usage_error(&cli, "--role must be clerk, reviewer, auditor or admin");
    if (strcmp(verb, "add") != 0 && role != NULL)
        return cs_cli_usage_error(&cli, "--role goes with add only");
    if ((rc = cs_cli_open(&cli)) != 0)
        goto out;
    if (strcmp(verb, "list") == 0)
        rc = list(&cli);
    else if (strcmp(verb, "disable") == 0)
        rc = cs_catalog_user_disable(cli.cat, name, cli.actor);
    else
        rc = issue(&cli, name, strcmp(verb, "add") == 0 ? role : NULL);
    if (rc == 0 && strcmp(verb, "disable") == 0)
        printf("disabled %s\n", name);
out:
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
