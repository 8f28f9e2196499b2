/* tests/e2e/test_export.c: `custody export` and `custody verify-bag` as a legal reviewer and
 * a receiving platform meet them: the bag's files and manifests, the export ledgered before
 * the bag exists, items above a reviewer's clearance withheld, and verify-bag catching each
 * way a bag could be altered on its way. */
#include "tests/e2e/e2e.h"

#include "indexer/ledger.h"

/* The alterations are shell commands in a table, formatted with the bag's path. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char sha_a1[65], sha_a2[65], sha_b[65];

static void
run_ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s %s", r->status, r->out, r->err);
}

static void
sh(const char *fmt, const char *a, const char *b)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static int
exists(const char *dir, const char *rel)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s%s", dir, rel ? "/" : "", rel ? rel : "");
    return stat(p, &st) == 0;
}

/* Two items in case A (one photo, one note), one in case B. */
static void
setup_home(e2e_t *t)
{
    char path[PATH_MAX];
    cs_run_t r;
    e2e_setup(t);
    e2e_file(t, path, "in/a1.txt", "the record of an inspection");
    e2e_sha256("the record of an inspection", sha_a1);
    e2e_file(t, path, "in/a2.txt", "a witness statement, commercial");
    e2e_sha256("a witness statement, commercial", sha_a2);
    snprintf(path, sizeof path, "%s/in", t->dir);
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--party", "某公司", path,
                    NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    e2e_file(t, path, "other/b.txt", "another case entirely");
    e2e_sha256("another case entirely", sha_b);
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_B, path, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
}

static void
export_ok(e2e_t *t, const char *kase, const char *out, const char *extra)
{
    cs_run_t r;
    if (extra != NULL)
        cs_test_custody(&r, "export", kase, "--home", t->home, "--purpose", "legal review", "--out",
                        out, extra, NULL);
    else
        cs_test_custody(&r, "export", kase, "--home", t->home, "--purpose", "legal review", "--out",
                        out, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
}

/* Runs verify-bag with no home at all; returns its status, *out its stdout. */
static int
verify_bag(const char *bag, const char *key, char **out)
{
    cs_run_t r;
    if (key != NULL)
        cs_test_custody(&r, "verify-bag", bag, "--home", "/nonexistent/home", "--key", key, NULL);
    else
        cs_test_custody(&r, "verify-bag", bag, "--home", "/nonexistent/home", NULL);
    int status = r.status;
    if (out != NULL)
        *out = strdup(r.out);
    cs_test_run_free(&r);
    return status;
}

static long
count_partials(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long n = 0;
    while (d != NULL && (e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".partial-") != NULL;
    if (d != NULL)
        closedir(d);
    return n;
}

START_TEST(an_export_is_a_bag_that_verifies_offline)
{
    e2e_t t;
    char bag[PATH_MAX], p[PATH_MAX], *out = NULL, line[256], q[512];
    setup_home(&t);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    export_ok(&t, CASE_A, bag, NULL);
    ck_assert_int_eq(count_partials(t.dir), 0); /* built under a temporary name, renamed */

    char *bagit = cs_test_read((snprintf(p, sizeof p, "%s/bagit.txt", bag), p), NULL);
    ck_assert_str_eq(bagit, "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
    free(bagit);
    char *info = cs_test_read((snprintf(p, sizeof p, "%s/bag-info.txt", bag), p), NULL);
    ck_assert_ptr_nonnull(strstr(info, "External-Identifier: " CASE_A "\n"));
    ck_assert_ptr_nonnull(strstr(info, "Custody-Purpose: legal review\n"));
    ck_assert_ptr_nonnull(strstr(info, "Payload-Oxum: "));
    ck_assert_ptr_nonnull(strstr(info, "Source-Organization: Custody\n"));
    char *manifest = cs_test_read((snprintf(p, sizeof p, "%s/manifest-sha256.txt", bag), p), NULL);
    snprintf(line, sizeof line, "%s  data/originals/%s.bin\n", sha_a1, sha_a1);
    ck_assert_msg(strstr(manifest, line) != NULL, "%s", manifest);
    snprintf(line, sizeof line, "%s  data/originals/%s.bin\n", sha_a2, sha_a2);
    ck_assert_ptr_nonnull(strstr(manifest, line));
    ck_assert_ptr_null(strstr(manifest, sha_b)); /* the other case's item stays home */
    ck_assert_ptr_nonnull(strstr(manifest, "  data/case.json\n"));
    ck_assert_ptr_nonnull(strstr(manifest, "  data/ledger/entries.jsonl\n"));
    ck_assert_ptr_nonnull(strstr(manifest, "  data/ledger/proofs.jsonl\n"));
    ck_assert_ptr_nonnull(strstr(manifest, "  data/ledger/checkpoint.txt\n"));
    snprintf(line, sizeof line, "  data/metadata/%s.json\n", sha_a1);
    ck_assert_ptr_nonnull(strstr(manifest, line));
    char *tags = cs_test_read((snprintf(p, sizeof p, "%s/tagmanifest-sha256.txt", bag), p), NULL);
    ck_assert_ptr_nonnull(strstr(tags, "  bag-info.txt\n"));
    ck_assert_ptr_nonnull(strstr(tags, "  manifest-sha256.txt\n"));
    free(manifest);
    free(tags);
    /* The originals are byte for byte what was ingested. */
    snprintf(p, sizeof p, "%s/data/originals/%s.bin", bag, sha_a1);
    char *orig = cs_test_read(p, NULL);
    ck_assert_str_eq(orig, "the record of an inspection");
    free(orig);

    /* The export's entry was written (and synced) before the bag: it is inside the bag's
     * signed checkpoint, and names the case and purpose. */
    long seq = -1, size = -1;
    sscanf(strstr(info, "Custody-Ledger-Entry: "), "Custody-Ledger-Entry: %ld", &seq);
    sscanf(strstr(info, "Custody-Checkpoint-Size: "), "Custody-Checkpoint-Size: %ld", &size);
    free(info);
    ck_assert_int_ge(seq, 0);
    ck_assert_int_lt(seq, size);
    snprintf(
        q, sizeof q,
        "SELECT count(*) FROM ledger WHERE seq = %ld AND entry LIKE '%%\"action\":\"export\"%%'"
        " AND entry LIKE '%%\"purpose\":\"legal review\"%%' AND entry LIKE "
        "'%%\"result\":\"allowed\"%%' AND entry LIKE '%%\"items\":2%%'",
        seq);
    ck_assert_int_eq(cs_test_sql_count(t.db, q), 1);
    char *entries =
        cs_test_read((snprintf(p, sizeof p, "%s/data/ledger/entries.jsonl", bag), p), NULL);
    ck_assert_ptr_nonnull(strstr(entries, "\"action\":\"export\""));
    ck_assert_ptr_nonnull(strstr(entries, sha_a1));
    ck_assert_ptr_null(strstr(entries, sha_b));
    free(entries);

    ck_assert_int_eq(verify_bag(bag, NULL, &out), 0);
    ck_assert_msg(strncmp(out, "verified: case " CASE_A, strlen("verified: case " CASE_A)) == 0,
                  "%s", out);
    free(out);
    snprintf(p, sizeof p, "%s/ledger.pub", t.home);
    ck_assert_int_eq(verify_bag(bag, p, NULL), 0);

    /* An export never replaces anything. */
    cs_run_t r;
    cs_test_custody(&r, "export", CASE_A, "--home", t.home, "--purpose", "again", "--out", bag,
                    NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "exists"));
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

/* Each alteration of a copy of the bag, and the failure verify-bag must name. */
typedef struct tamper {
    const char *what;
    const char *cmd; /* %1$s: the bag copy; %2$s: the scratch folder */
    const char *key; /* --key: "own", "other" or NULL */
    const char *expect;
} tamper_t;

#define REMANIFEST                                                                                 \
    " && (cd %1$s && find data -type f | sort | xargs sha256sum > manifest-sha256.txt && "         \
    "o=$(find data -type f -printf '%%s\\n' | awk '{s+=$1;n++} END{print s\".\"n}') && "           \
    "sed -i \"s/^Payload-Oxum: .*/Payload-Oxum: $o/\" bag-info.txt && "                            \
    "sha256sum bagit.txt bag-info.txt manifest-sha256.txt > tagmanifest-sha256.txt)"

static const tamper_t tampers[] = {
    {"flipped byte in an original",
     "f=$(ls %1$s/data/originals/* | head -1) && printf X | dd "
     "of=$f bs=1 seek=3 conv=notrunc 2>/dev/null",
     NULL, "does not match manifest-sha256.txt"},
    {"removed payload file", "rm $(ls %1$s/data/metadata/* | head -1)", NULL, "which is missing"},
    {"added unlisted file", "echo extra > %1$s/data/originals/extra.txt", NULL,
     "not in manifest-sha256.txt"},
    {"edited bag-info.txt", "sed -i 's/legal review/light reading/' %1$s/bag-info.txt", NULL,
     "bag-info.txt does not match tagmanifest-sha256.txt"},
    {"edited ledger entry, manifests recomputed",
     "sed -i '1s/\"v\":1/\"v\":2/' %1$s/data/ledger/entries.jsonl" REMANIFEST, NULL, "was changed"},
    {"checkpoint signed by another home, manifests recomputed",
     "cp %2$s/other.note %1$s/data/ledger/checkpoint.txt" REMANIFEST, NULL,
     "checkpoint.txt is not signed by the bag's key"},
    {"key and checkpoint of another home, checked with --key",
     "cp %2$s/other.note %1$s/data/ledger/checkpoint.txt && cp %2$s/other/ledger.pub "
     "%1$s/data/ledger/key.pem" REMANIFEST,
     "own", "is not the key"},
    {"--key of another home", "true", "other", "is not the key"},
    {"original renamed to another hash, manifests recomputed",
     "f=$(ls %1$s/data/originals/* | head -1) && mv $f "
     "%1$s/data/originals/"
     "0000000000000000000000000000000000000000000000000000000000000000.bin" REMANIFEST,
     NULL, "does not carry its own SHA-256"},
    {"bag of another case relabelled, manifests recomputed",
     "rm -r %1$s && cp -r %2$s/bagb %1$s && sed -i 's/^External-Identifier: "
     ".*/External-Identifier: " CASE_A "/' %1$s/bag-info.txt" REMANIFEST,
     NULL, "data/case.json is of case"},
};

START_TEST(verify_bag_catches_each_alteration)
{
    const tamper_t *tc = &tampers[_i];
    e2e_t t;
    char bag[PATH_MAX], copy[PATH_MAX], other[PATH_MAX], key[PATH_MAX], cmd[8192], *out = NULL;
    cs_run_t r;
    setup_home(&t);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    snprintf(copy, sizeof copy, "%s/copy", t.dir);
    export_ok(&t, CASE_A, bag, NULL);
    /* Another home, with its own key and a checkpoint of its own. */
    snprintf(other, sizeof other, "%s/other", t.dir);
    cs_test_custody(&r, "init", "--home", other, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ledger", "checkpoint", "--home", other, NULL);
    run_ok(&r);
    snprintf(cmd, sizeof cmd, "%s/other.note", t.dir);
    cs_test_write(cmd, r.out, strlen(r.out));
    cs_test_run_free(&r);
    snprintf(cmd, sizeof cmd, "%s/bagb", t.dir);
    export_ok(&t, CASE_B, cmd, NULL);

    sh("cp -r %s %s", bag, copy);
    snprintf(cmd, sizeof cmd, tc->cmd, copy, t.dir);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
    if (tc->key != NULL)
        snprintf(key, sizeof key, "%s/ledger.pub", strcmp(tc->key, "own") == 0 ? t.home : other);
    ck_assert_int_eq(verify_bag(bag, NULL, NULL), 0); /* the original is untouched */
    int status = verify_bag(copy, tc->key ? key : NULL, &out);
    ck_assert_msg(status == 1, "%s: exit %d: %s", tc->what, status, out);
    ck_assert_msg(strncmp(out, "FAILED: ", 8) == 0 && strstr(out, tc->expect) != NULL,
                  "%s: expected \"%s\", got: %s", tc->what, tc->expect, out);
    free(out);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_reviewer_gets_only_what_their_clearance_reaches)
{
    e2e_t t;
    char bag[PATH_MAX], p[PATH_MAX], line[256];
    cs_run_t r;
    setup_home(&t);
    cs_test_custody(&r, "classify", sha_a2, "commercial_secret", "--home", t.home, "--reason",
                    "trade data", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "user", "add", "alice", "--home", t.home, "--role", "reviewer", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "grant", "alice", "--any-purpose", "--scope", "export", "--home", t.home,
                    "--case", CASE_A, "--purpose", "legal review", "--clearance", "internal", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    cs_test_custody(&r, "export", CASE_A, "--home", t.home, "--as", "alice", "--purpose",
                    "legal review", "--out", bag, NULL);
    run_ok(&r);
    ck_assert_ptr_nonnull(strstr(r.out, "1 items (1 withheld)"));
    cs_test_run_free(&r);
    ck_assert(exists(bag, (snprintf(line, sizeof line, "data/originals/%s.bin", sha_a1), line)));
    ck_assert(!exists(bag, (snprintf(line, sizeof line, "data/originals/%s.bin", sha_a2), line)));
    ck_assert(!exists(bag, (snprintf(line, sizeof line, "data/metadata/%s.json", sha_a2), line)));
    char *cj = cs_test_read((snprintf(p, sizeof p, "%s/data/case.json", bag), p), NULL);
    /* A reviewer's bag (issue 16 case 9): the count of withheld items, never their hashes;
     * the custody events of what it carries and its own entry, no one's reads. */
    ck_assert_msg(strstr(cj, "\"withheld\":[]") != NULL, "%s", cj);
    ck_assert_msg(strstr(cj, "\"withheld_count\":1") != NULL, "%s", cj);
    ck_assert_msg(strstr(cj, "\"ledger_scope\":\"custody") != NULL, "%s", cj);
    ck_assert_ptr_null(strstr(cj, sha_a2));
    free(cj);
    char *ents =
        cs_test_read((snprintf(p, sizeof p, "%s/data/ledger/entries.jsonl", bag), p), NULL);
    ck_assert_ptr_null(strstr(ents, sha_a2));
    ck_assert_ptr_nonnull(strstr(ents, "\"action\":\"export\""));
    for (char *l = ents; l != NULL && *l != '\0';) {
        char *nl = strchr(l, '\n');
        if (nl != NULL)
            *nl = '\0';
        ck_assert_msg(strstr(l, "\"retrieval\"") == NULL || strstr(l, "\"export\"") != NULL,
                      "someone's read in a reviewer's bag: %s", l);
        l = nl ? nl + 1 : NULL;
    }
    free(ents);
    ck_assert_int_eq(verify_bag(bag, NULL, NULL), 0);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE entry LIKE "
                                             "'%\"action\":\"export\"%' AND entry LIKE "
                                             "'%\"actor\":\"alice\"%' AND entry LIKE "
                                             "'%\"withheld\":1%'"),
                     1);

    /* An auditor never takes originals out: refused, and the refusal ledgered. */
    cs_test_custody(&r, "user", "add", "audrey", "--home", t.home, "--role", "auditor", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    snprintf(bag, sizeof bag, "%s/bag-audit", t.dir);
    cs_test_custody(&r, "export", CASE_A, "--home", t.home, "--as", "audrey", "--purpose", "audit",
                    "--out", bag, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "auditors"));
    cs_test_run_free(&r);
    ck_assert(!exists(bag, NULL));
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE entry LIKE "
                                             "'%\"action\":\"export\"%' AND entry LIKE "
                                             "'%\"actor\":\"audrey\"%' AND entry LIKE "
                                             "'%\"result\":\"denied\"%'"),
                     1);
    e2e_teardown(&t);
}
END_TEST

START_TEST(no_purpose_is_refused_and_ledgered_and_writes_nothing)
{
    e2e_t t;
    char bag[PATH_MAX];
    cs_run_t r;
    setup_home(&t);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    cs_test_custody(&r, "export", CASE_A, "--home", t.home, "--out", bag, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "purpose"));
    cs_test_run_free(&r);
    ck_assert(!exists(bag, NULL));
    ck_assert_int_eq(count_partials(t.dir), 0);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE entry LIKE "
                                             "'%\"action\":\"export\"%' AND entry LIKE "
                                             "'%\"result\":\"denied\"%'"),
                     1);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_tar_bag_verifies_and_its_tampering_is_caught)
{
    e2e_t t;
    char bag[PATH_MAX], tar[PATH_MAX], *out = NULL;
    setup_home(&t);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    snprintf(tar, sizeof tar, "%s/bag.tar", t.dir);
    export_ok(&t, CASE_A, bag, "--tar");
    ck_assert(exists(tar, NULL));
    ck_assert(!exists(bag, NULL));
    ck_assert_int_eq(count_partials(t.dir), 0);
    ck_assert_int_eq(verify_bag(tar, NULL, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "verified: case " CASE_A));
    free(out);
    /* tar(1) reads it too. */
    sh("cd %s && tar xf %s", t.dir, tar);
    ck_assert_int_eq(verify_bag(bag, NULL, NULL), 0);
    /* An original's content changed inside the tar. */
    sh("python3 - %s %s <<'EOF'\nimport sys\np=sys.argv[1]\nb=bytearray(open(p,'rb').read())\n"
       "i=b.find(b'the record of an inspection')\nb[i]=ord('T')\nopen(p,'wb').write(b)\nEOF",
       tar, "");
    ck_assert_int_eq(verify_bag(tar, NULL, &out), 1);
    ck_assert_ptr_nonnull(strstr(out, "does not match"));
    free(out);
    e2e_teardown(&t);
}
END_TEST

/* A ledger of more than a few stored subtrees (ledger_nodes: roots of 256 leaves, stored as
 * the export's checkpoint is signed): every entry about the case has its proof folded from
 * them, and the bag still verifies offline. */
START_TEST(a_bag_of_a_longer_ledger_proves_through_stored_subtrees)
{
    enum { MORE = 700 };
    e2e_t t;
    cs_catalog_t *cat = NULL;
    char bag[PATH_MAX], p[PATH_MAX];
    setup_home(&t);
    ck_assert_int_eq(cs_catalog_open(&cat, t.db, 0, NULL), 0);
    ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
    for (int k = 0; k < MORE; k++) {
        json_t *e = json_pack("{s:s, s:s, s:s, s:i, s:s}", "kind", "custody", "action",
                              "export.test", "actor", "e2e", "k", k, "case", CASE_A);
        ck_assert_int_eq(cs_catalog_ledger_append(cat, e, NULL), 0);
        json_decref(e);
    }
    ck_assert_int_eq(cs_catalog_batch_commit(cat), 0);
    cs_catalog_close(&cat);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    export_ok(&t, CASE_A, bag, NULL);
    ck_assert_int_ge(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger_nodes"), 2);
    char *entries =
        cs_test_read((snprintf(p, sizeof p, "%s/data/ledger/entries.jsonl", bag), p), NULL);
    int n = 0;
    for (const char *at = entries; (at = strstr(at, "\"action\":\"export.test\"")) != NULL; at++)
        n++;
    free(entries);
    ck_assert_int_eq(n, MORE);
    ck_assert_int_eq(verify_bag(bag, NULL, NULL), 0);
    snprintf(p, sizeof p, "%s/ledger.pub", t.home);
    ck_assert_int_eq(verify_bag(bag, p, NULL), 0);
    e2e_teardown(&t);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("export");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, an_export_is_a_bag_that_verifies_offline);
    tcase_add_loop_test(tc, verify_bag_catches_each_alteration, 0,
                        sizeof tampers / sizeof tampers[0]);
    tcase_add_test(tc, a_reviewer_gets_only_what_their_clearance_reaches);
    tcase_add_test(tc, no_purpose_is_refused_and_ledgered_and_writes_nothing);
    tcase_add_test(tc, a_tar_bag_verifies_and_its_tampering_is_caught);
    tcase_add_test(tc, a_bag_of_a_longer_ledger_proves_through_stored_subtrees);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
