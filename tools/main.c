/* tools/main.c: the `custody` command: dispatch to subcommands. */
#include "tools/cli.h"

#include <stdio.h>
#include <string.h>

const cs_cli_command_t cs_cli_commands[] = {
    {"init", cs_cmd_init, "create a home: config, catalog, store, uploads, signing key"},
    {"ingest", cs_cmd_ingest, "store files and folders as originals and link them to a case"},
    {"show", cs_cmd_show, "show one item: sources, links and provenance events"},
    {"cases", cs_cmd_cases, "list cases"},
    {"items", cs_cmd_items, "list the items linked to a case"},
    {"case", cs_cmd_case, "a case's record (kind, parties, officers, dates, status); the register"},
    {"dat63", cs_cmd_dat63,
     "an audio or video item's DA/T 63 metadata record (XML), a case's table"},
    {"link", cs_cmd_link, "link an item to a case (relink with a reason)"},
    {"search", cs_cmd_search, "find items by case, party, time, place, device or text"},
    {"probe", cs_cmd_probe, "print the metadata record of files without storing them"},
    {"retranscode", cs_cmd_retranscode, "make an item's archival and access copies again"},
    {"get", cs_cmd_get, "write an item's bytes, once access is decided and ledgered"},
    {"user", cs_cmd_user, "add, list, disable users or rotate their API token"},
    {"grant", cs_cmd_grant, "let a user read a case for a purpose, until a date"},
    {"revoke", cs_cmd_revoke, "end a grant"},
    {"grants", cs_cmd_grants, "list grants"},
    {"review", cs_cmd_review, "submit a case for legal review; file and show signed opinions"},
    {"classify", cs_cmd_classify, "set an item's classification"},
    {"public", cs_cmd_public, "public copies: redaction specs, making, attaching, approving"},
    {"retention", cs_cmd_retention, "how long an item or a case's items are kept, and why"},
    {"hold", cs_cmd_hold, "hold an item or a case against disposal; list holds"},
    {"release", cs_cmd_release, "release a hold"},
    {"request", cs_cmd_request, "ask to read a case (purpose, scope, period); approve or refuse"},
    {"requests", cs_cmd_requests, "list retrieval requests"},
    {"publish", cs_cmd_publish, "register a decision for publication (公示); withdraw one"},
    {"publications", cs_cmd_publications, "the publication register: due, overdue, published"},
    {"calendar", cs_cmd_calendar, "the holiday calendar that counts working days"},
    {"dispose", cs_cmd_dispose, "plan, propose, approve (four eyes), cancel and run disposals"},
    {"officer", cs_cmd_officer, "the officers (执法证号, validity, unit) files resolve to"},
    {"policy", cs_cmd_policy, "the format policy: which archival copy each source format gets"},
    {"device", cs_cmd_device, "the devices (serial, model, kind, holder) files resolve to"},
    {"register", cs_cmd_register, "print the monthly retrieval register (调阅台账)"},
    {"ledger", cs_cmd_ledger, "show and verify the ledger; proofs and checkpoints"},
    {"export", cs_cmd_export, "write a case as a self-verifying BagIt bag with ledger proofs"},
    {"evidence-list", cs_cmd_evidence_list,
     "print a case's evidence list (证据清单) as CSV or a printable HTML page"},
    {"verify-bag", cs_cmd_verify_bag, "check an exported bag offline: manifests, proofs, key"},
    {"verify", cs_cmd_verify, "re-hash stored originals and report any mismatch"},
    {"store", cs_cmd_store, "the store's backend: status, migrate between local and s3, trim"},
    {"backup", cs_cmd_backup, "copy the home, online and incremental by hash, with a manifest"},
    {"restore", cs_cmd_restore, "build a new home from a backup, checked before it appears"},
    {"config", cs_cmd_config, "print the effective configuration"},
    {"serve", cs_cmd_serve, "run the service: watch upload folders, store, link, extract"},
    {"status", cs_cmd_status, "jobs per state, throughput, rejections"},
};
const size_t cs_cli_ncommands = sizeof cs_cli_commands / sizeof cs_cli_commands[0];

/* For packaging, left out of --help: the manual and shell completion, made from the table. */
static const cs_cli_command_t hidden[] = {
    {"man", cs_cmd_man, "print the manual pages custody(1) and custody.conf(5) as roff"},
    {"completion", cs_cmd_completion, "print the bash completion script"},
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: custody COMMAND [--home DIR] [--set section.key=value]... [--json] ...\n\n"
               "commands:\n");
    int width = 0;
    for (size_t i = 0; i < cs_cli_ncommands; i++)
        if ((int)strlen(cs_cli_commands[i].name) > width)
            width = (int)strlen(cs_cli_commands[i].name);
    for (size_t i = 0; i < cs_cli_ncommands; i++)
        fprintf(f, "  %-*s %s\n", width, cs_cli_commands[i].name, cs_cli_commands[i].summary);
    fprintf(f, "\ncommon options:\n");
    for (size_t i = 0; cs_cli_common_help[i][0] != NULL; i++)
        fprintf(f, "  %-25s %s\n", cs_cli_common_help[i][0], cs_cli_common_help[i][1]);
    fprintf(f, "\nexit status:\n");
    for (size_t i = 0; cs_cli_exit_help[i][0] != NULL; i++)
        fprintf(f, "  %s  %s\n", cs_cli_exit_help[i][0], cs_cli_exit_help[i][1]);
    fprintf(f, "\n`custody COMMAND --help` describes one command; `man custody` all of them.\n");
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CS_EXIT_OK;
    }
    for (size_t i = 0; i < cs_cli_ncommands; i++)
        if (strcmp(argv[1], cs_cli_commands[i].name) == 0)
            return cs_cli_commands[i].fn(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
        if (strcmp(argv[1], hidden[i].name) == 0)
            return hidden[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "custody: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return CS_EXIT_USAGE;
}
