/* tools/cmd_config.c: `custody config`: the configuration in force, after the file and
 * every --set. */
#include "tools/cli.h"

#include <stdio.h>

static const char usage_text[] =
    "usage: custody config [--home DIR] [--set k=v]... [--json] [--defaults]\n"
    "Prints every key with the value in force. --defaults prints the commented default\n"
    "custody.conf, with each key's meaning and allowed range.\n";

static void
print_kv(const char *key, const char *value, void *arg)
{
    json_t *o = arg;
    if (o != NULL)
        json_object_set_new(o, key, json_string(value));
    else
        printf("%s = %s\n", key, value);
}

static int
on_option(int c, const char *arg, void *ctx)
{
    (void)arg;
    if (c == 'd')
        *(int *)ctx = 1;
    return 0;
}

int
cs_cmd_config(int argc, char **argv)
{
    static const struct option longopts[] = {
        CS_CLI_COMMON_OPTIONS, {"defaults", no_argument, NULL, 'd'}, {0, 0, 0, 0}};
    cs_cli_t cli;
    int defaults = 0, rc;
    cs_cli_init(&cli, "config", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &defaults)) != 0)
        return rc;
    if (optind < argc)
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    if (defaults)
        return cs_config_write_default(stdout) == 0 ? CS_EXIT_OK : CS_EXIT_FAIL;
    if ((rc = cs_cli_load(&cli)) != 0)
        return cs_cli_fail(&cli, rc);
    json_t *o = cli.json ? json_object() : NULL;
    cs_config_each(&cli.cfg, print_kv, o);
    if (o != NULL)
        cs_cli_print_json(o, 0);
    json_decref(o);
    return CS_EXIT_OK;
}
