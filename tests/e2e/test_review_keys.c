/* tests/e2e/test_review_keys.c: a bag ties each legal opinion's key to the home (issue 21
 * part 6): it carries the "user.key" ledger entry of the author's key with its inclusion
 * proof, and verify-bag refuses an opinion re-signed with a key someone put in the bag, even
 * with every manifest made to match. A reviewer's (custody-scope) bag carries it too. */
#include "tests/e2e/e2e.h"

#include "core/error.h"
#include "ledger/key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FINDINGS(facts)                                                                            \
    "--finding", "subject=ok", "--finding", "jurisdiction=ok", "--finding", "qualification=ok",    \
        "--finding", "facts=" facts, "--finding", "law=ok", "--finding", "procedure=ok",           \
        "--finding", "documents=na", "--finding", "referral=ok"

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s%s", r->status, r->out, r->err);
    cs_test_run_free(r);
}

/* In manifest file `name` of bag `dir`, the line of `rel` gets the hash of its file now. */
static void
rehash(const char *dir, const char *name, const char *rel)
{
    char path[PATH_MAX], hex[65];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *data = cs_test_read(path, NULL);
    e2e_sha256(data, hex);
    free(data);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *m = cs_test_read(path, NULL), *at = strstr(m, rel);
    ck_assert_ptr_nonnull(at);
    ck_assert(at - m >= 66);
    memcpy(at - 66, hex, 64);
    cs_test_write(path, m, strlen(m));
    free(m);
}

/* In file `path`, every `from` becomes `to` (the same length). */
static void
replace_all(const char *path, const char *from, const char *to)
{
    char *s = cs_test_read(path, NULL), *at = s;
    ck_assert_uint_eq(strlen(from), strlen(to));
    while ((at = strstr(at, from)) != NULL)
        memcpy(at, to, strlen(to)), at += strlen(to);
    cs_test_write(path, s, strlen(s));
    free(s);
}

/* Case A with one item, a submission and legal user fa's "agree" opinion. */
static void
setup_opinion(e2e_t *t)
{
    cs_run_t r;
    char src[PATH_MAX];
    e2e_setup(t);
    cs_test_custody(&r, "user", "add", "chen", "--role", "clerk", "--home", t->home, NULL);
    ok(&r);
    cs_test_custody(&r, "user", "add", "fa", "--role", "legal", "--home", t->home, NULL);
    ok(&r);
    e2e_file(t, src, "record.txt", "现场检查笔录\n");
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--as", "chen", src, NULL);
    ok(&r);
    cs_test_custody(&r, "review", "submit", CASE_A, "--note", "送审", "--home", t->home, NULL);
    ok(&r);
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "agree",
                    FINDINGS("ok"), "--home", t->home, NULL);
    ok(&r);
}

/* The key id the opinion's signature names in bag `dir`. */
static void
signed_by(const char *dir, char kid[65])
{
    char path[PATH_MAX], what[8];
    snprintf(path, sizeof path, "%s/data/review/round-1.opinion.sig", dir);
    char *line = cs_test_read(path, NULL);
    ck_assert_int_eq(sscanf(line, "%7s %64s", what, kid), 2);
    free(line);
}

START_TEST(a_bag_carries_the_proven_ledger_entry_of_each_opinions_key)
{
    e2e_t t;
    cs_run_t r;
    char bag[PATH_MAX], path[PATH_MAX], kid[65], want[256];
    setup_opinion(&t);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    cs_test_custody(&r, "export", CASE_A, "--out", bag, "--purpose", "行政复议", "--home", t.home,
                    NULL);
    ok(&r);
    signed_by(bag, kid);
    snprintf(path, sizeof path, "%s/data/ledger/entries.jsonl", bag);
    snprintf(want, sizeof want, "\"key\":\"%s\"", kid);
    char *lines = cs_test_read(path, NULL);
    ck_assert_msg(strstr(lines, "\"action\":\"user.key\"") && strstr(lines, want), "%s", lines);
    free(lines);
    cs_test_custody(&r, "verify-bag", bag, NULL);
    ck_assert_msg(strstr(r.out, "legal review: 1 opinion, each signature verified") != NULL, "%s",
                  r.out);
    ok(&r);

    /* A reviewer's (custody-scope) bag carries the key's entry too, and verifies. */
    char rbag[PATH_MAX];
    cs_test_custody(&r, "user", "add", "zhao", "--role", "reviewer", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "grant", "zhao", "--case", CASE_A, "--purpose", "行政复议", "--scope",
                    "export", "--home", t.home, NULL);
    ok(&r);
    snprintf(rbag, sizeof rbag, "%s/rbag", t.dir);
    cs_test_custody(&r, "export", CASE_A, "--out", rbag, "--purpose", "行政复议", "--as", "zhao",
                    "--home", t.home, NULL);
    ok(&r);
    snprintf(path, sizeof path, "%s/data/ledger/entries.jsonl", rbag);
    lines = cs_test_read(path, NULL);
    ck_assert_msg(strstr(lines, "\"action\":\"user.key\"") && strstr(lines, want), "%s", lines);
    free(lines);
    cs_test_custody(&r, "verify-bag", rbag, NULL);
    ck_assert_msg(strstr(r.out, "legal review: 1 opinion, each signature verified") != NULL, "%s",
                  r.out);
    ok(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(an_opinion_re_signed_with_a_key_put_in_the_bag_is_refused)
{
    e2e_t t;
    cs_run_t r;
    char bag[PATH_MAX], path[PATH_MAX], old[65], kid[CS_KEY_ID_MAX], pem[CS_PUB_PEM_MAX];
    char sig[CS_SIG_HEX_MAX], signer[CS_KEY_ID_MAX], key[PATH_MAX], line[256], oldrel[128],
        newrel[128];
    const char *oprel = "data/review/round-1.opinion.json";
    const char *sigrel = "data/review/round-1.opinion.sig";
    setup_opinion(&t);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    cs_test_custody(&r, "export", CASE_A, "--out", bag, "--purpose", "行政复议", "--home", t.home,
                    NULL);
    ok(&r);
    cs_test_custody(&r, "verify-bag", bag, NULL);
    ok(&r);
    signed_by(bag, old);

    /* Someone's own key: the opinion re-signed with it, the key in the bag in place of fa's. */
    snprintf(key, sizeof key, "%s/forger.pem", t.dir);
    ck_assert_int_eq(cs_key_create_user(key, pem, sizeof pem, kid), 0);
    snprintf(path, sizeof path, "%s/%s", bag, oprel);
    size_t len = 0;
    char *text = cs_test_read(path, &len);
    ck_assert_int_eq(cs_key_sign(key, text, len, sig, signer), 0);
    free(text);
    ck_assert_str_eq(signer, kid);
    snprintf(path, sizeof path, "%s/%s", bag, sigrel);
    snprintf(line, sizeof line, "ed25519 %s %s\n", kid, sig);
    cs_test_write(path, line, strlen(line));
    snprintf(oldrel, sizeof oldrel, "data/review/keys/%s.pem", old);
    snprintf(newrel, sizeof newrel, "data/review/keys/%s.pem", kid);
    snprintf(path, sizeof path, "%s/%s", bag, oldrel);
    ck_assert_int_eq(unlink(path), 0);
    snprintf(path, sizeof path, "%s/%s", bag, newrel);
    cs_test_write(path, pem, strlen(pem));
    /* Every manifest made to match: only the key's tie to the home is wrong. */
    snprintf(path, sizeof path, "%s/manifest-sha256.txt", bag);
    replace_all(path, oldrel, newrel);
    rehash(bag, "manifest-sha256.txt", newrel);
    rehash(bag, "manifest-sha256.txt", sigrel);
    rehash(bag, "tagmanifest-sha256.txt", "manifest-sha256.txt");
    cs_test_custody(&r, "verify-bag", bag, NULL);
    ck_assert_msg(r.status == 1, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.out, "FAILED") && strstr(r.out, "round-1.opinion.json") &&
                      strstr(r.out, kid) && strstr(r.out, "user.key"),
                  "%s", r.out);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

static Suite *
review_keys_suite(void)
{
    Suite *s = suite_create("review_keys");
    TCase *tc = tcase_create("review_keys");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_bag_carries_the_proven_ledger_entry_of_each_opinions_key);
    tcase_add_test(tc, an_opinion_re_signed_with_a_key_put_in_the_bag_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(review_keys_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
