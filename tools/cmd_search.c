/* tools/cmd_search.c: `custody search`. */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/casenum.h"
#include "core/error.h"
#include "indexer/archive.h"
#include "indexer/search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: custody search [--case NO | --reference 档号] [--party P] [--from T] [--to T]\n"
    "                     [--near LAT,LON,METRES] [--device TEXT] [--text TEXT] [--limit N]\n"
    "                     --purpose TEXT [--as USER] [--home DIR] [--set k=v]... [--json]\n"
    "Items matching every criterion, in capture-time order, with their case numbers. T is a\n"
    "date (2023-11-03: that day in site.tz) or an RFC 3339 time with Z or an offset; --near\n"
    "takes signed decimal degrees and a radius; --device matches make, model or serial;\n"
    "--text matches names, place, note, officer, party and device (any part of them).\n"
    "--reference takes an archived case's archival reference (档号) for its case number.\n"
    "--limit defaults to 100 (at most 1000). A read recorded in the ledger, with its purpose.\n";

typedef struct search_args {
    cs_search_t q;
    const char *case_arg, *near_arg, *limit_arg, *reference;
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
    case 'r':
        a->reference = arg;
        break;
    }
    return 0;
}

/* The instant `in` (a date, a wall time or an RFC 3339 time) stands for, in seconds, as if a
 * time without an offset were UTC; *zoned says whether it had one. `end`: a date means its end.
 * -1 if it does not parse (the search says why). */
static int
bound_seconds(const char *in, int end, long long *at, int *zoned)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, oh = 0, om = 0;
    char sign = 0;
    struct tm tm;
    *zoned = 0;
    if (sscanf(in, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && in[n] == '\0') {
        if (end)
            h = 23, mi = 59, sec = 59;
    } else if (sscanf(in, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6) {
        const char *rest = in + n;
        while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
            rest++;
        if (*rest == 'Z' && rest[1] == '\0')
            *zoned = 1;
        else if (sscanf(rest, "%c%2d:%2d", &sign, &oh, &om) == 3 && (sign == '+' || sign == '-'))
            *zoned = 1;
        else if (*rest != '\0')
            return -1;
    } else {
        return -1;
    }
    tm = (struct tm){.tm_year = y - 1900,
                     .tm_mon = mo - 1,
                     .tm_mday = d,
                     .tm_hour = h,
                     .tm_min = mi,
                     .tm_sec = sec};
    *at = (long long)timegm(&tm) - (sign == '-' ? -1 : sign == '+' ? 1 : 0) * (oh * 3600 + om * 60);
    return 0;
}

/* 1 if --from is after --to. A bound without an offset is read in a zone not known here: it
 * is compared with one that has an offset only when no zone (at most 26 hours apart) could
 * put them in order. */
static int
from_after_to(const char *from, const char *to)
{
    long long f, t;
    int fz, tz;
    if (from == NULL || to == NULL || bound_seconds(from, 0, &f, &fz) != 0 ||
        bound_seconds(to, 1, &t, &tz) != 0)
        return 0;
    return fz == tz ? f > t : f > t + 26 * 3600;
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
                                             {"reference", required_argument, NULL, 'r'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    search_args_t a = {.q = {.limit = 100}};
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    char from[CS_TIME_MAX], to[CS_TIME_MAX], refcase[512];
    const char *from_arg, *to_arg;
    json_t *rows = NULL, *v;
    size_t i;
    int rc, code = -1;
    cs_cli_init(&cli, "search", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (optind < argc)
        return cs_cli_usage_error(&cli, "unexpected argument \"%s\"", argv[optind]);
    from_arg = a.q.from;
    to_arg = a.q.to;
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
    /* A date is that day at the site (site.tz): from its midnight, to its last instant. */
    if (a.q.from != NULL && cs_clock_parse_bound(cs_cli_site_tz(&cli), a.q.from, 0, from) == 0)
        a.q.from = from;
    if (a.q.to != NULL && cs_clock_parse_bound(cs_cli_site_tz(&cli), a.q.to, 1, to) == 0)
        a.q.to = to;
    if (from_after_to(a.q.from, a.q.to)) {
        code = cs_cli_usage_error(
            &cli, "--from %s is after --to %s; give the earlier time to --from", from_arg, to_arg);
        goto out;
    }
    if (a.case_arg != NULL) {
        if ((rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
            (rc = cs_casenum_parse(rule, a.case_arg, &cn)) != 0)
            goto out;
        a.q.case_number = cn.text;
    }
    if ((rc = cs_cli_open(&cli)) != 0)
        goto out;
    if (a.reference != NULL) { /* 档号 → its case (indexer/archive.h) */
        if (a.case_arg != NULL) {
            code = cs_cli_usage_error(&cli, "give --case or --reference, not both");
            goto out;
        }
        if ((rc = cs_catalog_case_by_reference(cli.cat, a.reference, refcase, sizeof refcase)) != 0)
            goto out;
        a.q.case_number = refcase;
    }
    if ((code = cs_cli_retrieval(&cli, "search", NULL, a.q.case_number)) != 0)
        goto out;
    code = -1;
    a.q.keep = keep_visible;
    a.q.keep_arg = &cli;
    if ((rc = cs_catalog_search(cli.cat, &a.q, &rows)) != 0)
        goto out;
    /* An empty answer is said, so that it is not taken for a command that did nothing. */
    if (json_array_size(rows) == 0)
        fprintf(stderr, "custody search: no item matches%s\n",
                cli.as != NULL ? " (among the items this user may read)" : "");
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
