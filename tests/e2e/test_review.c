/* tests/e2e/test_review.c: the legal review of a case's decision (issue 21 parts 2-4), as one
 * script could show it: whoever brought the case's evidence in cannot file its opinion
 * (refused and ledgered); a "problems" opinion keeps `case decide` at exit 1 with the reason;
 * a new submission and an "agree" opinion let it record the decision, whose document is
 * evidence at stage decision; the opinion's signature verifies with the public key the catalog
 * keeps, and not after one byte flipped; `ledger verify` passes after all of it. */
#include "tests/e2e/e2e.h"

#include "core/error.h"
#include "ledger/key.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FINDINGS(facts)                                                                            \
    "--finding", "subject=ok", "--finding", "jurisdiction=ok", "--finding", "qualification=ok",    \
        "--finding", "facts=" facts, "--finding", "law=ok", "--finding", "procedure=ok",           \
        "--finding", "documents=na", "--finding", "referral=ok"

/* Runs one statement on the catalog: SQLite's code (SQLITE_OK 0). */
static int
sql_exec(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    int rc = sqlite3_open(db, &h);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
    sqlite3_close(h);
    return rc;
}

static long
ledgered(const e2e_t *t, const char *where)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ledger WHERE %s", where);
    return cs_test_sql_count(t->db, sql);
}

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s%s", r->status, r->out, r->err);
    cs_test_run_free(r);
}

/* A home with case A holding evidence clerk "chen" brought in, a legal user "fa" who brought
 * none, and a legal user "wu" who brought one item in too. */
static void
setup_case(e2e_t *t)
{
    cs_run_t r;
    char src[PATH_MAX], src2[PATH_MAX];
    e2e_setup(t);
    cs_test_custody(&r, "user", "add", "chen", "--role", "clerk", "--home", t->home, NULL);
    ok(&r);
    cs_test_custody(&r, "user", "add", "fa", "--role", "legal", "--home", t->home, NULL);
    ck_assert_msg(strstr(r.err, "keys/fa.pem (0600, kept by the operator)") != NULL, "%s", r.err);
    ok(&r);
    cs_test_custody(&r, "user", "add", "wu", "--role", "legal", "--home", t->home, NULL);
    ok(&r);
    e2e_file(t, src, "record.txt", "现场检查笔录\n");
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--as", "chen", src, NULL);
    ok(&r);
    e2e_file(t, src2, "photo.txt", "a photo of the site\n");
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--as", "wu", src2, NULL);
    ok(&r);
}

START_TEST(the_legal_review_from_submission_to_decision)
{
    e2e_t t;
    cs_run_t r;
    char doc[PATH_MAX], path[PATH_MAX];
    struct stat st;
    setup_case(&t);
    snprintf(path, sizeof path, "%s/keys/fa.pem", t.home);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM user_keys k JOIN users u ON"
                                             " u.id = k.user_id WHERE u.role = 'legal'"),
                     2);

    /* Nothing submitted: no decision. */
    e2e_file(&t, doc, "decision.txt", "行政处罚决定书\n");
    cs_test_custody(&r, "case", "decide", CASE_A, "--kind", "行政处罚决定", "--document", doc,
                    "--home", t.home, "--as", "chen", NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "never submitted for legal review") != NULL, "%s", r.err);
    cs_test_run_free(&r);

    cs_test_custody(&r, "review", "submit", CASE_A, "--note", "初次送审", "--home", t.home, "--as",
                    "chen", NULL);
    ck_assert_msg(strstr(r.out, "round 1, 2 items, bag ") != NULL, "%s", r.out);
    ok(&r);
    /* The case's record follows: under review, each step of the way ledgered. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM cases WHERE status ="
                                             " 'under_review' AND decided_on IS NULL"),
                     1);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'case.status' AND entry ->> '$.to' ="
                                  " 'under_review'"),
                     1);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'review.submit' AND entry ->>"
                                  " '$.round' = 1 AND length(entry ->> '$.bag') = 64"),
                     1);

    /* The clerk who uploaded the evidence, and a legal user who brought an item in: refused,
     * each with its code, and ledgered. */
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "chen", "--verdict", "agree",
                    FINDINGS("ok"), "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "refused (role") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "wu", "--verdict", "agree",
                    FINDINGS("ok"), "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "refused (own-evidence") && strstr(r.err, "办审分离"), "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.kind' = 'review' AND entry ->> '$.action' ="
                                  " 'review.opinion' AND entry ->> '$.result' = 'denied' AND"
                                  " ((entry ->> '$.actor' = 'chen' AND entry ->> '$.code' ="
                                  " 'role') OR (entry ->> '$.actor' = 'wu' AND entry ->>"
                                  " '$.code' = 'own-evidence'))"),
                     2);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM review_opinions"), 0);

    /* A legal user registered as an officer of the case: refused too. */
    cs_test_custody(&r, "user", "add", "li", "--role", "legal", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "case", "set", CASE_A, "--officer", "li", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "li", "--verdict", "agree",
                    FINDINGS("ok"), "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "refused (case-officer") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.kind' = 'review' AND entry ->> '$.actor' = 'li'"
                                  " AND entry ->> '$.code' = 'case-officer'"),
                     1);

    /* Every point of review is given. */
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "agree",
                    "--finding", "subject=ok", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "jurisdiction") != NULL, "%s", r.err);
    cs_test_run_free(&r);

    /* "problems": the case goes back, and no decision is recorded. */
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "problems",
                    FINDINGS("problem:缺少现场勘验笔录"), "--proposal", "补充现场勘验笔录",
                    "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "case", "decide", CASE_A, "--kind", "行政处罚决定", "--document", doc,
                    "--home", t.home, "--as", "chen", NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "refused (not-reviewed") && strstr(r.err, "found problems") &&
                      strstr(r.err, "未经法制审核或者审核未通过的，不得作出决定"),
                  "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'case.decide' AND entry ->>"
                                  " '$.code' = 'not-reviewed'"),
                     2);

    /* Corrected and submitted again; agreed; the author still records no decision. */
    cs_test_custody(&r, "review", "submit", CASE_A, "--note", "补正后重新送审", "--home", t.home,
                    NULL);
    ck_assert_msg(strstr(r.out, "round 2") != NULL, "%s", r.out);
    ok(&r);
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "agree",
                    FINDINGS("ok"), "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "case", "decide", CASE_A, "--kind", "行政处罚决定", "--document", doc,
                    "--home", t.home, "--as", "fa", NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "refused (opinion-author") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "case", "decide", CASE_A, "--kind", "行政处罚决定", "--document", doc,
                    "--home", t.home, "--as", "chen", NULL);
    ck_assert_msg(strstr(r.out, "decided case") != NULL, "%s", r.out);
    ok(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM cases WHERE status ="
                                             " 'decided' AND decided_on IS NOT NULL"),
                     1);
    /* One decision a round: another needs a new submission and review. */
    cs_test_custody(&r, "case", "decide", CASE_A, "--kind", "行政处罚决定", "--document", doc,
                    "--home", t.home, "--as", "chen", NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "refused (decided") != NULL, "%s", r.err);
    cs_test_run_free(&r);

    /* The decision document is evidence of the case at stage decision, named by the entry. */
    char sha[65], where[512];
    e2e_sha256("行政处罚决定书\n", sha);
    snprintf(where, sizeof where,
             "entry ->> '$.action' = 'case.decided' AND entry ->> '$.document' = '%s'", sha);
    ck_assert_int_eq(ledgered(&t, where), 1);
    snprintf(where, sizeof where,
             "SELECT count(*) FROM events e JOIN items i ON i.id = e.item_id WHERE i.sha256 ="
             " '%s' AND e.kind = 'received' AND e.detail ->> '$.stage' = 'decision'",
             sha);
    ck_assert_int_eq(cs_test_sql_count(t.db, where), 1);

    /* Rounds and opinions stay, write-once. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM review_rounds"), 2);
    ck_assert_int_ne(sql_exec(t.db, "UPDATE review_opinions SET verdict = 'agree'"), 0);
    ck_assert_int_ne(sql_exec(t.db, "DELETE FROM review_rounds"), 0);

    cs_test_custody(&r, "ledger", "verify", "--home", t.home, NULL);
    ok(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(an_opinion_verifies_with_the_reviewers_key_and_not_after_a_flip)
{
    e2e_t t;
    cs_run_t r;
    json_t *j, *op;
    setup_case(&t);
    cs_test_custody(&r, "review", "submit", CASE_A, "--note", "送审", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "agree",
                    FINDINGS("ok:证据确实充分"), "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "review", "show", CASE_A, "--purpose", "法制审核", "--json", "--home",
                    t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    j = e2e_json(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'review.show' AND entry ->>"
                                  " '$.result' = 'allowed'"),
                     1);
    op = json_object_get(json_array_get(json_object_get(j, "rounds"), 0), "opinion");
    ck_assert_ptr_nonnull(op);
    const char *pem = json_string_value(json_object_get(op, "public_key"));
    const char *sig = json_string_value(json_object_get(op, "signature"));
    char *text = strdup(json_string_value(json_object_get(op, "opinion")));
    char hash[65];
    json_t *parsed = json_loads(text, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(parsed, "verdict")), "agree");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(parsed, "findings"), "facts"), "text")),
                     "证据确实充分");
    ck_assert_str_eq(json_string_value(json_object_get(parsed, "submission")),
                     json_string_value(json_object_get(
                         json_array_get(json_object_get(j, "rounds"), 0), "bag_sha256")));
    json_decref(parsed);
    e2e_sha256(text, hash);
    ck_assert_str_eq(hash, json_string_value(json_object_get(op, "opinion_sha256")));
    ck_assert_int_eq(cs_key_verify(pem, text, strlen(text), sig, NULL), 0);
    text[3] ^= 0x01;
    ck_assert_int_eq(cs_key_verify(pem, text, strlen(text), sig, NULL), CS_EMISMATCH);
    free(text);
    /* A backup carries the submission's bag, an object of no item. */
    char bk[PATH_MAX], obj[PATH_MAX];
    const char *bag = json_string_value(
        json_object_get(json_array_get(json_object_get(j, "rounds"), 0), "bag_sha256"));
    struct stat st;
    snprintf(bk, sizeof bk, "%s/backup", t.dir);
    cs_test_custody(&r, "backup", "--to", bk, "--home", t.home, NULL);
    ok(&r);
    snprintf(obj, sizeof obj, "%s/store/objects/sha256/%.2s/%.2s/%s", bk, bag, bag + 2, bag);
    ck_assert_msg(stat(obj, &st) == 0, "%s", obj);
    json_decref(j);
    /* One opinion a round: a second is refused, and ledgered. */
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "problems",
                    FINDINGS("problem"), "--proposal", "x", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "no-submission") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

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

START_TEST(verify_bag_checks_the_opinions_a_bag_carries)
{
    e2e_t t;
    cs_run_t r;
    char bag[PATH_MAX], op[PATH_MAX];
    const char *rel = "data/review/round-1.opinion.json";
    setup_case(&t);
    cs_test_custody(&r, "review", "submit", CASE_A, "--note", "送审", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "agree",
                    FINDINGS("ok"), "--home", t.home, NULL);
    ok(&r);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    cs_test_custody(&r, "export", CASE_A, "--out", bag, "--purpose", "行政复议", "--home", t.home,
                    NULL);
    ok(&r);
    cs_test_custody(&r, "verify-bag", bag, NULL);
    ck_assert_msg(strstr(r.out, "legal review: 1 opinion, each signature verified") != NULL, "%s",
                  r.out);
    ok(&r);

    /* A reviewer's bag carries the review's custody events, not others' refused acts. */
    char rbag[PATH_MAX], ent[PATH_MAX];
    cs_test_custody(&r, "user", "add", "zhao", "--role", "reviewer", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "grant", "zhao", "--case", CASE_A, "--purpose", "行政复议", "--scope",
                    "export", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "wu", "--verdict", "agree",
                    FINDINGS("ok"), "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    snprintf(rbag, sizeof rbag, "%s/rbag", t.dir);
    cs_test_custody(&r, "export", CASE_A, "--out", rbag, "--purpose", "行政复议", "--as", "zhao",
                    "--home", t.home, NULL);
    ok(&r);
    snprintf(ent, sizeof ent, "%s/data/ledger/entries.jsonl", rbag);
    char *lines = cs_test_read(ent, NULL);
    ck_assert_msg(strstr(lines, "\"action\":\"review.opinion\"") != NULL, "%s", lines);
    ck_assert_msg(strstr(lines, "\"kind\":\"review\"") == NULL, "%s", lines);
    free(lines);
    cs_test_custody(&r, "verify-bag", rbag, NULL);
    ok(&r);

    /* One byte of the exported opinion flipped: verify-bag exits 1 naming it. */
    snprintf(op, sizeof op, "%s/%s", bag, rel);
    size_t len = 0;
    char *orig = cs_test_read(op, &len), *flip = malloc(len);
    memcpy(flip, orig, len);
    flip[2] = flip[2] == 'a' ? 'b' : 'a';
    cs_test_write(op, flip, len);
    cs_test_custody(&r, "verify-bag", bag, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.out, "FAILED") && strstr(r.out, rel), "%s", r.out);
    cs_test_run_free(&r);

    /* The same flip with the manifests made to match: the signature still names it. */
    rehash(bag, "manifest-sha256.txt", rel);
    rehash(bag, "tagmanifest-sha256.txt", "manifest-sha256.txt");
    cs_test_custody(&r, "verify-bag", bag, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.out, "round-1.opinion.json: its signature does not verify") != NULL,
                  "%s", r.out);
    cs_test_run_free(&r);
    free(orig);
    free(flip);
    e2e_teardown(&t);
}
END_TEST

static Suite *
review_suite(void)
{
    Suite *s = suite_create("review");
    TCase *tc = tcase_create("review");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_legal_review_from_submission_to_decision);
    tcase_add_test(tc, an_opinion_verifies_with_the_reviewers_key_and_not_after_a_flip);
    tcase_add_test(tc, verify_bag_checks_the_opinions_a_bag_carries);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(review_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
