/* tools/cmd_verify_bag.c: `custody verify-bag`: checks an exported bag offline, with no home
 * and no catalog (export/bag.h). */
#include "tools/cli.h"

#include "export/bag.h"

#include <stdio.h>

static const char usage_text[] =
    "usage: custody verify-bag DIR|FILE.tar [--key PUB.pem]\n"
    "Checks a bag written by custody export, needing nothing else: bagit.txt, both manifests\n"
    "(every file present and hashing right, none unlisted), Payload-Oxum, each original\n"
    "against its name, case.json, each ledger entry's inclusion proof against the bag's\n"
    "checkpoint, and the checkpoint's signature against data/ledger/key.pem and, with --key,\n"
    "against your own copy of the home's public key (which must be the same key).\n"
    "Exit 0 when the bag verifies, 1 naming the first failure.\n";

static int
on_option(int c, const char *arg, void *ctx)
{
    if (c == 'k')
        *(const char **)ctx = arg;
    return 0;
}

int
cs_cmd_verify_bag(int argc, char **argv)
{
    static const struct option longopts[] = {
        CS_CLI_COMMON_OPTIONS, {"key", required_argument, NULL, 'k'}, {0, 0, 0, 0}};
    cs_cli_t cli;
    cs_bag_report_t rep;
    const char *key = NULL;
    int rc;
    cs_cli_init(&cli, "verify-bag", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &key)) != 0)
        return rc;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name exactly one bag (a folder or a .tar file)");
    if ((rc = cs_bag_verify(argv[optind], key, &rep)) != 0)
        return cs_cli_fail(&cli, rc);
    if (rep.problem[0] != '\0') {
        printf("FAILED: %s\n", rep.problem);
        return CS_EXIT_CHECK;
    }
    printf("verified: case %s, %llu payload files (%llu originals, %llu bytes), %llu ledger "
           "entries proven against a checkpoint of %llu signed by %s%s; export entry %lld\n",
           rep.case_number, (unsigned long long)rep.files, (unsigned long long)rep.originals,
           (unsigned long long)rep.bytes, (unsigned long long)rep.entries,
           (unsigned long long)rep.tree_size, rep.origin, key ? " (the key given)" : "",
           (long long)rep.export_seq);
    if (rep.opinions > 0)
        printf("legal review: %llu opinion%s, each signature verified with its reviewer's key "
               "in the bag\n",
               (unsigned long long)rep.opinions, cs_cli_s((long long)rep.opinions));
    if (rep.records > 0) /* a case archive (custody case archive) */
        printf("archive: %llu DA/T 63 record%s, each matching its original in the 文件目录\n",
               (unsigned long long)rep.records, cs_cli_s((long long)rep.records));
    return CS_EXIT_OK;
}
