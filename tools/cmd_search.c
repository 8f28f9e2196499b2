/* tools/cmd_search.c: `custody search`. */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/casenum.h"
#include "core/error.h"
#include "indexer/search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char usage_text[] =
    "usage: custody search [--case NO] [--party P] [--from T] [--to T]\n"
    "                     [--near LAT,LON,METRES] [--device TEXT] [--text TEXT] [--limit N]\n"
    "                     --purpose TEXT [--as USER] [--home DIR] [--set k=v]... [--json]\n"
    "Items matching every criterion, in capture-time order, with their case numbers. T is a\n"
    "date (2023-11-03) or an RFC 3339 time; --near takes signed decimal degrees and a radius;\n"
    "--device matches make, model or serial; --text matches names, place, note, officer,\n"
    "party and device (any part of them). --limit defaults to 100 (at most 1000). A read\n"
    "recorded in the ledger, with its purpose.\n";

typedef struct search_args {
    cs_search_t q;
    const char *case_arg, *near_arg, *limit_arg;
} search_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    search_args_t *a = ctx;
    switch (c) {
    case 'c':
        a->case_arg = arg;
        break;
    case 'p':
        a->q.party = arg;
        break;
    case 'f':
        a->q.from = arg;
        break;
    case 't':
        a->q.to = arg;
        break;
    case 'n':
        a->near_arg = arg;
        break;
    case 'd':
        a->q.device = arg;
        break;
    case 'x':
        a->q.text = arg;
        break;
    case 'l':
        a->limit_arg = arg;
        break;
    }
    return 0;
}

/* The search's filter: what the reader may see, before the limit (search.h). */
static int
keep_visible(void *arg, const char *sha256, int *ok)
{
    *ok = 0;
    return sha256 != NULL ? cs_cli_visible(arg, sha256, NULL, ok) : 0;
}

int
cs_cmd_search(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             CS_CLI_READ_OPTIONS,
                                             {"case", required_argument, NULL, 'c'},
                                             {"party", required_argument, NULL, 'p'},
                                             {"from", required_argument, NULL, 'f'},
                                             {"to", required_argument, NULL, 't'},
                                             {"near", required_argument, NULL, 'n'},
                                             {"device", required_argument, NULL, 'd'},
                                             {"text", required_argument, NULL, 'x'},
                                             {"limit", required_argument, NULL, 'l'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    search_args_t a = {.q = {.limit = 100}};
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    json_t *rows = NULL, *v;
    size_t i;
    int rc, code = -1;
    cs_cli_init(&cli, "search", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (optind < argc)
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    if (a.limit_arg != NULL) {
        char *end = NULL;
        errno = 0;
        long n = strtol(a.limit_arg, &end, 10);
        if (errno != 0 || *end != '\0' || n < 1 || n > CS_SEARCH_MAX_LIMIT)
            return cs_cli_usage_error(&cli, "--limit \"%s\": give 1..%d", a.limit_arg,
                                      CS_SEARCH_MAX_LIMIT);
        a.q.limit = (int)n;
    }
    if (a.near_arg != NULL) {
        char tail;
        if (sscanf(a.near_arg, "%lf,%lf,%lf%c", &a.q.lat, &a.q.lon, &a.q.metres, &tail) != 3)
            return cs_cli_usage_error(&cli,
                                      "--near \"%s\": give LAT,LON,METRES, e.g. "
                                      "35.41,116.59,500",
                                      a.near_arg);
        a.q.near = 1;
    }
    if ((rc = cs_cli_load(&cli)) != 0)
        goto out;
    if (a.case_arg != NULL) {
        if ((rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
            (rc = cs_casenum_parse(rule, a.case_arg, &cn)) != 0)
            goto out;
        a.q.case_number = cn.text;
    }
    if ((rc = cs_cli_open(&cli)) != 0 ||
        (code = cs_cli_retrieval(&cli, "search", NULL, a.q.case_number)) != 0)
        goto out;
    code = -1;
    a.q.keep = keep_visible;
    a.q.keep_arg = &cli;
    if ((rc = cs_catalog_search(cli.cat, &a.q, &rows)) != 0)
        goto out;
    if (cli.json) {
        cs_cli_print_json(rows, 0);
        goto out;
    }
    (void)cs_cli_site_tz(&cli);
    json_array_foreach(rows, i, v)
    {
        json_t *cases = json_object_get(v, "cases");
        const char *at = json_string_value(json_object_get(v, "captured_at"));
        printf("%-25s  %s  %s  %s\n",
               at                                                           ? cs_cli_time(at)
               : json_is_string(json_object_get(v, "captured_at_estimate")) ? "(unknown: file time)"
                                                                            : "(time unknown)",
               json_string_value(json_object_get(v, "sha256")),
               json_array_size(cases) ? json_string_value(json_array_get(cases, 0))
                                      : "(unassigned)",
               json_string_value(json_object_get(v, "original_name")));
    }
out:
    json_decref(rows);
    cs_casenum_rule_free(&rule);
    if (code >= 0)
        rc = code;
    else if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
