/* tests/e2e/test_ledger.c: the retrieval ledger and access control as users and auditors meet
 * them: tokens shown once, grants and classifications deciding `custody get`, every decision
 * ledgered before a byte is served, and `custody ledger verify` catching each way an attacker
 * holding catalog.db (triggers dropped first) could rewrite history. */
#include "tests/e2e/e2e.h"

#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char sha[65];

static void
sql(e2e_t *t, const char *statement)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    ck_assert_int_eq(sqlite3_open(t->db, &db), SQLITE_OK);
    int rc = sqlite3_exec(db, statement, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", statement, err ? err : "");
    sqlite3_close(db);
}

static void
run_ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s %s", r->status, r->out, r->err);
}

/* The last line of a command's stdout (the token of `user add`). */
static char *
last_line(const char *out)
{
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '\n')
        n--;
    const char *start = out + n;
    while (start > out && start[-1] != '\n')
        start--;
    return strndup(start, (size_t)(out + n - start));
}

static void
setup_home(e2e_t *t)
{
    char path[PATH_MAX];
    cs_run_t r;
    e2e_setup(t);
    e2e_file(t, path, "note.txt", "the record of an inspection");
    e2e_sha256("the record of an inspection", sha);
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--party", "某公司", path,
                    NULL);
    run_ok(&r);
    cs_test_run_free(&r);
}

static int
get(e2e_t *t, const char *as, const char *purpose, cs_run_t *r)
{
    if (purpose != NULL)
        cs_test_custody(r, "get", "--home", t->home, "--as", as, "--purpose", purpose, sha, NULL);
    else
        cs_test_custody(r, "get", "--home", t->home, "--as", as, sha, NULL);
    return r->status;
}

static long
entries(e2e_t *t, const char *where)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT count(*) FROM ledger WHERE %s", where);
    return cs_test_sql_count(t->db, q);
}

START_TEST(tokens_are_shown_once_and_only_their_hash_is_kept)
{
    e2e_t t;
    cs_run_t r;
    setup_home(&t);
    cs_test_custody(&r, "user", "add", "alice", "--home", t.home, "--role", "reviewer", NULL);
    run_ok(&r);
    char *token = last_line(r.out);
    cs_test_run_free(&r);
    ck_assert_int_eq(strncmp(token, "cst_", 4), 0);
    ck_assert_int_eq(strlen(token), 4 + 64); /* 256 random bits */
    /* Not in the catalog, in any table: only its SHA-256. */
    char *db = cs_test_read(t.db, NULL);
    char wal[PATH_MAX + 8];
    snprintf(wal, sizeof wal, "%s-wal", t.db);
    char *w = cs_test_read(wal, NULL);
    ck_assert(db == NULL || memmem(db, strlen(db), token + 4, 64) == NULL);
    ck_assert(w == NULL || strstr(w, token + 4) == NULL);
    free(db);
    free(w);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM users WHERE name = 'alice'"
                                             " AND length(token_sha256) = 64"),
                     1);
    /* Rotating gives another token; a second add of the same name is refused. */
    cs_test_custody(&r, "user", "rotate", "alice", "--home", t.home, NULL);
    run_ok(&r);
    char *token2 = last_line(r.out);
    ck_assert_str_ne(token, token2);
    cs_test_run_free(&r);
    cs_test_custody(&r, "user", "add", "alice", "--home", t.home, "--role", "admin", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "alice"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "user", "add", "bob", "--home", t.home, "--role", "boss", NULL);
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
    ck_assert_int_eq(entries(&t, "entry LIKE '%\"action\":\"user.add\"%'"), 1);
    ck_assert_int_eq(entries(&t, "entry LIKE '%\"action\":\"user.rotate\"%'"), 1);
    free(token);
    free(token2);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_reviewer_reads_only_through_a_live_grant_with_a_purpose)
{
    e2e_t t;
    cs_run_t r;
    setup_home(&t);
    cs_test_custody(&r, "user", "add", "alice", "--home", t.home, "--role", "reviewer", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    /* No grant: denied, and the denial is in the ledger. */
    ck_assert_int_eq(get(&t, "alice", "legal review", &r), 1);
    ck_assert_int_eq(r.out_len, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "no live grant"));
    cs_test_run_free(&r);
    ck_assert_int_eq(entries(&t, "json_extract(entry, '$.result') = 'denied' AND"
                                 " json_extract(entry, '$.actor') = 'alice'"),
                     1);
    cs_test_custody(&r, "grant", "alice", "--any-purpose", "--home", t.home, "--case",
                    "任水罚[2023]12号", "--purpose", "legal review of the decision", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    /* No purpose: denied even with the grant. */
    ck_assert_int_eq(get(&t, "alice", NULL, &r), 1);
    ck_assert_ptr_nonnull(strstr(r.err, "purpose"));
    cs_test_run_free(&r);
    /* With both: the bytes, after an entry naming who, what, why and how much. */
    ck_assert_int_eq(get(&t, "alice", "复核", &r), 0);
    ck_assert_str_eq(r.out, "the record of an inspection");
    cs_test_run_free(&r);
    ck_assert_int_eq(entries(&t, "json_extract(entry, '$.result') = 'allowed' AND"
                                 " json_extract(entry, '$.purpose') = '复核' AND"
                                 " json_extract(entry, '$.bytes') = 27 AND"
                                 " json_extract(entry, '$.case') = '" CASE_A "' AND"
                                 " json_extract(entry, '$.client') LIKE 'cli:%'"),
                     1);
    /* Classified above the grant's clearance: denied; a grant that clears it: allowed. */
    cs_test_custody(&r, "classify", sha, "commercial_secret", "--home", t.home, "--reason",
                    "trade data", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, "alice", "复核", &r), 1);
    /* Refused for the clearance, without naming the class to one who may not read it. */
    ck_assert_ptr_nonnull(strstr(r.err, "classified above"));
    ck_assert_ptr_null(strstr(r.err, "commercial_secret"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "grant", "alice", "--any-purpose", "--home", t.home, "--case", CASE_A,
                    "--party", "某公司", "--purpose", "trade review", "--clearance",
                    "commercial_secret", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, "alice", "复核", &r), 0);
    cs_test_run_free(&r);
    /* Revoked, or expired: denied again. */
    cs_test_custody(&r, "revoke", "2", "--home", t.home, "--reason", "review finished", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, "alice", "复核", &r), 1);
    cs_test_run_free(&r);
    /* A past --until is refused (a grant born ended); an ended one is only in old catalogs. */
    cs_test_custody(&r, "grant", "alice", "--home", t.home, "--case", CASE_A, "--purpose", "x",
                    "--clearance", "state_secret", "--until", "2001-01-01", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--until"));
    cs_test_run_free(&r);
    sql(&t, "INSERT INTO grants (user_id, case_id, party_id, purposes, any_purpose, clearance,"
            " until, granted_by, granted_at) SELECT user_id, case_id, NULL, purposes, any_purpose,"
            " 'state_secret', '2001-01-01T15:59:59.999Z', granted_by, granted_at FROM grants"
            " WHERE id = 1");
    ck_assert_int_eq(get(&t, "alice", "复核", &r), 1);
    cs_test_run_free(&r);
    /* A disabled user reads nothing. */
    cs_test_custody(&r, "user", "disable", "alice", "--home", t.home, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, "alice", "复核", &r), 1);
    ck_assert_ptr_nonnull(strstr(r.err, "disabled"));
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(auditors_never_get_bytes_and_clerks_get_their_own)
{
    e2e_t t;
    cs_run_t r;
    struct passwd *pw = getpwuid(geteuid());
    setup_home(&t);
    cs_test_custody(&r, "user", "add", "audit", "--home", t.home, "--role", "auditor", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    /* A clerk named as the OS user who ran `custody ingest` is not who brought it in: the
     * operator did (issue 16 case 6: access follows identity, never a name). */
    cs_test_custody(&r, "user", "add", pw->pw_name, "--home", t.home, "--role", "clerk", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "user", "add", "other", "--home", t.home, "--role", "clerk", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, "audit", "audit", &r), 1);
    ck_assert_ptr_nonnull(strstr(r.err, "never media"));
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, pw->pw_name, "check my upload", &r), 1);
    ck_assert_ptr_nonnull(strstr(r.err, "did not bring"));
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, "other", "curious", &r), 1);
    cs_test_run_free(&r);
    /* Ingested as clerk `other`, it is theirs to read, by their identity. */
    char path[PATH_MAX];
    e2e_file(&t, path, "again.txt", "the record of an inspection");
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, "--as", "other", path, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, "other", "check my upload", &r), 0);
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, pw->pw_name, "check my upload", &r), 1);
    cs_test_run_free(&r);
    /* Names intake uses cannot be users. */
    cs_test_custody(&r, "user", "add", "uploads", "--home", t.home, "--role", "clerk", NULL);
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
    /* Unknown users are refused and recorded by the name they gave. */
    ck_assert_int_eq(get(&t, "mallory", "x", &r), 1);
    cs_test_run_free(&r);
    ck_assert_int_eq(entries(&t, "json_extract(entry, '$.actor') = 'mallory'"), 1);
    e2e_teardown(&t);
}
END_TEST

/* A home with a few entries and checkpoints, then one tampering, then `ledger verify`. */
static const struct {
    const char *name;
    const char *sql;     /* run with the triggers dropped */
    const char *problem; /* in verify's output */
} tamper[] = {
    {"edit a field",
     "UPDATE ledger SET entry = replace(entry, 'legal review', 'fishing')"
     " WHERE entry LIKE '%legal review%'",
     "was changed"},
    {"edit entry and leaf alike",
     "UPDATE ledger SET entry = replace(entry, '\"root\"', '\"nobody\"'),"
     " leaf = sha256_leaf(replace(entry, '\"root\"', '\"nobody\"')) WHERE seq = 1",
     "no longer matches"},
    {"delete an entry", "DELETE FROM ledger WHERE seq = 3", "entry 3 is missing"},
    {"delete the last entry", "DELETE FROM ledger WHERE seq = (SELECT max(seq) FROM ledger)",
     "entries were removed"},
    {"insert an entry",
     "UPDATE ledger SET seq = seq + 1000 WHERE seq >= 2; UPDATE ledger SET seq = seq - 999"
     " WHERE seq >= 1000; INSERT INTO ledger (seq, entry, leaf) SELECT 2, entry, leaf FROM ledger "
     "WHERE seq = 1",
     "not where it was written"},
    {"reorder two entries",
     "UPDATE ledger SET seq = seq + 1000 WHERE seq IN (1, 2); UPDATE ledger SET seq = 2 WHERE"
     " seq = 1001; UPDATE ledger SET seq = 1 WHERE seq = 1002",
     "not where it was written"},
    {"a checkpoint signed by another key", NULL, "not signed by"},
    /* Consistent in themselves: only the witness the first verify left tells. */
    {"delete the newest checkpoint",
     "DELETE FROM checkpoints WHERE id = (SELECT max(id) FROM"
     " checkpoints)",
     "checkpoints were removed"},
    {"cut the ledger back to an older checkpoint",
     "DELETE FROM checkpoints WHERE id = (SELECT max(id) FROM checkpoints);"
     " DELETE FROM ledger WHERE seq >= (SELECT max(size) FROM checkpoints)",
     "checkpoints were removed"},
};

/* sha256_leaf(x) = SHA-256(0x00 || x), as an attacker would recompute it. */
#include <openssl/sha.h>
static void
leaf_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *text = sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    unsigned char *buf = malloc((size_t)n + 1), md[32];
    buf[0] = 0;
    memcpy(buf + 1, text, (size_t)n);
    SHA256(buf, (size_t)n + 1, md);
    free(buf);
    sqlite3_result_blob(ctx, md, 32, SQLITE_TRANSIENT);
}

START_TEST(verify_catches_every_rewrite_of_history)
{
    e2e_t t;
    cs_run_t r;
    setup_home(&t);
    cs_test_custody(&r, "user", "add", "alice", "--home", t.home, "--role", "reviewer", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "grant", "alice", "--any-purpose", "--home", t.home, "--case", CASE_A,
                    "--purpose", "legal review", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(get(&t, "alice", "legal review", &r), 0);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ledger", "verify", "--home", t.home, NULL);
    run_ok(&r);
    ck_assert_ptr_nonnull(strstr(r.out, "verified"));
    cs_test_run_free(&r);
    /* Every command that appended left a checkpoint covering it. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM checkpoints WHERE size ="
                                             " (SELECT count(*) FROM ledger)"),
                     1);

    sqlite3 *db = NULL;
    char *err = NULL;
    ck_assert_int_eq(sqlite3_open(t.db, &db), SQLITE_OK);
    sqlite3_create_function(db, "sha256_leaf", 1, SQLITE_UTF8, NULL, leaf_fn, NULL, NULL);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "DROP TRIGGER ledger_no_update; DROP TRIGGER ledger_no_delete;"
                                  " DROP TRIGGER checkpoints_no_update;"
                                  " DROP TRIGGER checkpoints_no_delete;",
                                  NULL, NULL, &err),
                     SQLITE_OK);
    if (tamper[_i].sql != NULL) {
        int rc = sqlite3_exec(db, tamper[_i].sql, NULL, NULL, &err);
        ck_assert_msg(rc == SQLITE_OK, "%s: %s", tamper[_i].name, err ? err : "");
    }
    sqlite3_close(db);
    if (tamper[_i].sql == NULL) {
        /* A checkpoint made with another home's key, appended as the latest. */
        e2e_t other;
        e2e_setup(&other);
        cs_test_custody(&r, "ledger", "checkpoint", "--home", other.home, NULL);
        run_ok(&r);
        cs_test_run_free(&r);
        char q[2 * PATH_MAX];
        snprintf(q, sizeof q,
                 "ATTACH '%s' AS o; INSERT INTO checkpoints (size, root, note, frontier, made_at)"
                 " SELECT size, root, note, frontier, made_at FROM o.checkpoints",
                 other.db);
        sql(&t, q);
        e2e_teardown(&other);
    }
    cs_test_custody(&r, "ledger", "verify", "--home", t.home, NULL);
    ck_assert_msg(r.status == 1, "%s: verify exit %d: %s %s", tamper[_i].name, r.status, r.out,
                  r.err);
    ck_assert_msg(strstr(r.out, tamper[_i].problem) != NULL, "%s: %s", tamper[_i].name, r.out);
    cs_test_run_free(&r);
    /* It stays failed: a failed verify never moves the witness back. */
    cs_test_custody(&r, "ledger", "verify", "--home", t.home, NULL);
    ck_assert_msg(r.status == 1, "%s: second verify exit %d: %s", tamper[_i].name, r.status, r.out);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(every_read_of_records_states_a_purpose_and_is_ledgered)
{
    e2e_t t;
    cs_run_t r;
    setup_home(&t);
    /* Without a purpose: refused, nothing shown, the refusal on record. */
    cs_test_custody(&r, "show", "--home", t.home, sha, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_int_eq(r.out_len, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "--purpose"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "search", "--home", t.home, "--text", "note", NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    ck_assert_int_eq(entries(&t, "json_extract(entry, '$.result') = 'denied' AND"
                                 " json_extract(entry, '$.role') = 'operator'"),
                     2);
    /* With one: shown, and the view is on record with who and why. */
    cs_test_custody(&r, "show", "--home", t.home, "--purpose", "复核卷宗", sha, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "items", "--home", t.home, "--purpose", "复核卷宗", "--case", CASE_A, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    char q[256];
    snprintf(q, sizeof q,
             "json_extract(entry, '$.action') = 'view' AND json_extract(entry, '$.purpose') ="
             " '复核卷宗' AND json_extract(entry, '$.item') = '%s'",
             sha);
    ck_assert_int_eq(entries(&t, q), 1);
    ck_assert_int_eq(entries(&t, "json_extract(entry, '$.action') = 'list' AND"
                                 " json_extract(entry, '$.case') = '" CASE_A "'"),
                     1);
    /* As a user, that user's rules: a reviewer without a grant does not see the record. */
    cs_test_custody(&r, "user", "add", "rev", "--home", t.home, "--role", "reviewer", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "show", "--home", t.home, "--purpose", "x", "--as", "rev", sha, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_int_eq(r.out_len, 0);
    cs_test_run_free(&r);
    cs_test_custody(&r, "user", "add", "aud", "--home", t.home, "--role", "auditor", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "show", "--home", t.home, "--purpose", "audit", "--as", "aud", sha, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(proofs_are_printed_for_auditors)
{
    e2e_t t;
    cs_run_t r;
    setup_home(&t);
    cs_test_custody(&r, "ledger", "proof", "--home", t.home, "--leaf", "1", "--json", NULL);
    run_ok(&r);
    json_t *p = e2e_json(&r);
    ck_assert_int_eq(json_integer_value(json_object_get(p, "leaf")), 1);
    ck_assert_int_gt(json_array_size(json_object_get(p, "path")), 0);
    json_decref(p);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ledger", "consistency", "--home", t.home, "--from", "1", "--to", "3",
                    "--json", NULL);
    run_ok(&r);
    p = e2e_json(&r);
    ck_assert_int_gt(json_array_size(json_object_get(p, "proof")), 0);
    json_decref(p);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ledger", "checkpoint", "--home", t.home, NULL);
    run_ok(&r);
    ck_assert_ptr_nonnull(strstr(r.out, "\n\n\xe2\x80\x94 custody/"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "ledger", "proof", "--home", t.home, "--leaf", "999", NULL);
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("ledger");
    TCase *tc = tcase_create("ledger");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, tokens_are_shown_once_and_only_their_hash_is_kept);
    tcase_add_test(tc, a_reviewer_reads_only_through_a_live_grant_with_a_purpose);
    tcase_add_test(tc, auditors_never_get_bytes_and_clerks_get_their_own);
    tcase_add_loop_test(tc, verify_catches_every_rewrite_of_history, 0,
                        sizeof tamper / sizeof tamper[0]);
    tcase_add_test(tc, every_read_of_records_states_a_purpose_and_is_ledgered);
    tcase_add_test(tc, proofs_are_printed_for_auditors);
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
