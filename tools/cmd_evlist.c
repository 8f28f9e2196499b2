/* tools/cmd_evlist.c: `custody evidence-list`: a case's evidence list (export/evlist.h) on
 * stdout, as CSV or a printable HTML page: a read of the case, decided and ledgered before a
 * line is printed; the items the reader may not see are left out and counted. */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/casenum.h"
#include "core/error.h"
#include "export/evlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody evidence-list CASE --purpose TEXT [--as USER] [--csv | --html]\n"
    "                             [--home DIR] [--set k=v]...\n"
    "Prints the case's evidence list (证据清单) to stdout: every item the reader may see,\n"
    "numbered in capture order, with its original name, kind, capture time and its source,\n"
    "place, device, officer, stage, party, size, SHA-256 and verified copies. --csv (the\n"
    "default) writes UTF-8 CSV with a byte order mark (Excel reads the Chinese), --html one\n"
    "printable page (A4). The read is recorded in the ledger before anything is printed, and\n"
    "the page names its entry; with --as USER the items USER may not see are left out and\n"
    "counted (on stderr, and on the page). Every export carries the same list as\n"
    "data/evidence-list.csv and .html. Exit 1 if the read is refused.\n";

static int
on_option(int c, const char *arg, void *ctx)
{
    int *html = ctx;
    (void)arg;
    if (c == 'c')
        *html = 0;
    else if (c == 'H')
        *html = 1;
    return 0;
}

static int
keep_visible(void *arg, const char *sha256, int *keep)
{
    return cs_cli_visible(arg, sha256, NULL, keep);
}

int
cs_cmd_evidence_list(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             CS_CLI_READ_OPTIONS,
                                             {"csv", no_argument, NULL, 'c'},
                                             {"html", no_argument, NULL, 'H'},
                                             {0, 0, 0, 0}};
    cs_cli_t cli;
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    cs_access_who_t who;
    cs_evlist_t l = {.seq = -1};
    char *text = NULL;
    size_t len = 0;
    int html = 0, rc, code = -1;
    cs_cli_init(&cli, "evidence-list", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &html)) != 0)
        return rc;
    if (optind + 1 != argc)
        return cs_cli_usage_error(&cli, optind < argc ? "give one case number" : "give the case");
    if ((rc = cs_cli_load(&cli)) != 0 || (rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) ||
        (rc = cs_casenum_parse(rule, argv[optind], &cn)) != 0 || (rc = cs_cli_open(&cli)) != 0 ||
        (code = cs_cli_retrieval(&cli, "evidence-list", NULL, cn.text)) != 0)
        goto out;
    code = -1;
    if ((rc = cs_cli_who(&cli, cli.as, &who)) != 0)
        goto out;
    l.case_number = cn.text;
    l.reader = who.name;
    l.tz = cs_cli_site_tz(&cli);
    l.role = cs_access_role_name(who.role);
    l.purpose = cli.purpose;
    l.seq = cli.seq;
    if ((rc = cs_evlist_load(cli.cat, &l, keep_visible, &cli)) != 0 ||
        (rc = cs_evlist_render(&l, html, &text, &len)) != 0)
        goto out;
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        cs_diag_set("cannot write the list to stdout");
        rc = CS_EIO;
        goto out;
    }
    fprintf(stderr, "custody evidence-list: %zu items listed, %llu left out (ledger entry %lld)\n",
            json_array_size(l.rows), (unsigned long long)l.withheld, (long long)l.seq);
out:
    free(text);
    cs_evlist_free(&l);
    cs_casenum_rule_free(&rule);
    if (code >= 0)
        rc = code;
    else if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
