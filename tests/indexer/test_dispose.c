/* tests/indexer/test_dispose.c: approved disposal (issue 22, part 3) over a catalog and a local
 * store: an old unlinked item is planned and proposed, a linked one is refused by name; the
 * proposer's approval is refused and ledgered; a cancelled batch removes nothing; an approved
 * batch past its grace exports its records first, then leaves a tombstone, a `disposed` entry
 * and no bytes; a run cut short after the tombstone finishes without a second entry; an item
 * linked to an open case during the grace is skipped and kept; the gate answers 410 with the
 * entry's number; the same content arriving again is a new arrival. "Old" is a `now` 400 days
 * ahead: an unlinked item, or one of a closed case, 180 days old and not held is due under
 * any retention rules of issue 22. */
#include "tests/indexer/indexer_util.h"

#include "access/dispose.h"
#include "access/gate.h"
#include "core/clock.h"
#include "core/error.h"
#include "export/dispose.h"
#include "indexer/access.h"
#include "indexer/derivatives.h"
#include "indexer/dispose.h"
#include "indexer/retention.h"
#include "storage/store.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TOKEN_WANG "0000000000000000000000000000000000000000000000000000000000000001"
#define TOKEN_LI "0000000000000000000000000000000000000000000000000000000000000002"
#define DAY_MS 86400000LL

static cs_store_t *store;
static cs_config_t cfg;
static char old_sha[65], linked_sha[65];
static int64_t later; /* a now when the unlinked item is due */

/* Stores `content` as an object and records its arrival (in `case_number`, or none). */
static void
stored_item(const char *content, const char *case_number, char sha[65])
{
    char path[PATH_MAX];
    cs_put_result_t res;
    snprintf(path, sizeof path, "%s/%s.bin", dir, content);
    cs_test_write(path, content, strlen(content));
    ck_assert_int_eq(cs_store_put_file(store, path, &res), 0);
    memcpy(sha, res.sha256, 65);
    cs_arrival_t a = arrival(sha, case_number, NULL, "clip.bin");
    a.size = res.size;
    a.media_type = "application/octet-stream";
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
}

static void
setup(void)
{
    char root[PATH_MAX];
    catalog_setup();
    snprintf(root, sizeof root, "%s/store", dir);
    ck_assert_int_eq(cs_store_open(&store, root, 1, NULL), 0);
    cs_config_defaults(&cfg);
    later = cs_clock_now_ms() + 400 * DAY_MS;
    stored_item("old unlinked clip", NULL, old_sha);
    stored_item("clip of an open case", CASE_A, linked_sha);
    ck_assert_int_eq(cs_catalog_user_add(cat, "wang", "admin", TOKEN_WANG, "root"), 0);
    ck_assert_int_eq(cs_catalog_user_add(cat, "li", "admin", TOKEN_LI, "root"), 0);
}

static void
teardown(void)
{
    cs_store_close(&store);
    catalog_teardown();
}

static int
has_object(const char *sha)
{
    uint64_t size;
    return cs_store_stat(store, sha, &size) == 0;
}

static void
who_is(const char *name, cs_access_who_t *who)
{
    cs_user_t u;
    ck_assert_int_eq(cs_catalog_user_by_name(cat, name, &u), 0);
    cs_access_who_user(who, &u, NULL);
}

/* Batch of the old item proposed by wang (and approved by li with `grace` days when >= 0). */
static int64_t
batch(int grace)
{
    const char *items[] = {old_sha};
    int64_t id = 0;
    ck_assert_int_eq(cs_catalog_dispose_propose(cat, &cfg, "wang", items, 1, 0, "过期", later, &id),
                     0);
    if (grace >= 0)
        ck_assert_int_eq(cs_catalog_dispose_approve(cat, id, "li", grace, later, NULL), 0);
    return id;
}

START_TEST(test_plan_and_proposal)
{
    json_t *plan = NULL;
    ck_assert_int_eq(cs_retention_plan(cat, &cfg, later, 100, &plan), 0);
    ck_assert_int_eq(json_array_size(plan), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(plan, 0), "sha256")),
                     old_sha);
    json_decref(plan);

    /* An item of an open case is refused by name, and nothing is written. */
    const char *both[] = {old_sha, linked_sha};
    long entries = count("SELECT count(*) FROM ledger");
    ck_assert_int_eq(cs_catalog_dispose_propose(cat, &cfg, "wang", both, 2, 0, "过期", later, NULL),
                     CS_EINVAL);
    ck_assert_ptr_nonnull(strstr(cs_diag(), linked_sha));
    ck_assert_ptr_nonnull(strstr(cs_diag(), "not due"));
    ck_assert_int_eq(count("SELECT count(*) FROM disposals"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger"), entries);
    /* Not due yet today either. */
    const char *one[] = {old_sha};
    ck_assert_int_eq(
        cs_catalog_dispose_propose(cat, &cfg, "wang", one, 1, 0, "过期", cs_clock_now_ms(), NULL),
        CS_EINVAL);

    /* --all-due takes the old one alone; it is then in an open batch and cannot be again. */
    int64_t id = 0;
    ck_assert_int_eq(cs_catalog_dispose_propose(cat, &cfg, "wang", NULL, 0, 1, "过期", later, &id),
                     0);
    ck_assert_int_eq(count("SELECT count(*) FROM disposal_items"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' ="
                           " 'dispose.propose' AND entry ->> '$.actor' = 'wang'"),
                     1);
    ck_assert_int_eq(cs_catalog_dispose_propose(cat, &cfg, "li", one, 1, 0, "又一次", later, NULL),
                     CS_EINVAL);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "open disposal batch"));
}
END_TEST

START_TEST(test_self_approval_refused)
{
    cs_access_who_t wang, li;
    cs_access_decision_t dec;
    int64_t seq = -1, id = batch(-1);
    who_is("wang", &wang);
    who_is("li", &li);
    ck_assert_int_eq(
        cs_access_dispose_decide(cat, &wang, id, CS_DISPOSE_APPROVE, "cli:test", &dec, &seq), 0);
    ck_assert_int_eq(dec.allowed, 0);
    ck_assert_int_eq(dec.deny, CS_DENY_OWN_PROPOSAL);
    ck_assert_int_ge(seq, 0);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' ="
                           " 'dispose.approve' AND entry ->> '$.result' = 'denied' AND"
                           " entry ->> '$.code' = 'own-proposal' AND entry ->> '$.actor' = 'wang'"),
                     1);
    /* The catalog refuses it too, whoever asks. */
    ck_assert_int_ne(cs_catalog_dispose_approve(cat, id, "wang", 0, later, NULL), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM disposals WHERE status = 'proposed'"), 1);
    /* A clerk decides nothing. */
    ck_assert_int_eq(cs_catalog_user_add(cat, "zhao", "clerk",
                                         "0000000000000000000000000000000000000000000000000000000"
                                         "000000003",
                                         "root"),
                     0);
    cs_access_who_t zhao;
    who_is("zhao", &zhao);
    ck_assert_int_eq(
        cs_access_dispose_decide(cat, &zhao, 0, CS_DISPOSE_PROPOSE, "cli:test", &dec, &seq), 0);
    ck_assert_int_eq(dec.deny, CS_DENY_ROLE);
    ck_assert_int_eq(
        cs_access_dispose_decide(cat, &li, id, CS_DISPOSE_APPROVE, "cli:test", &dec, &seq), 0);
    ck_assert_int_eq(dec.allowed, 1);
    ck_assert_int_eq(cs_catalog_dispose_approve(cat, id, "li", 7, later, NULL), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' ="
                           " 'dispose.approve' AND entry ->> '$.result' = 'allowed'"),
                     1);
}
END_TEST

START_TEST(test_cancelled_batch_removes_nothing)
{
    int64_t id = batch(7);
    cs_dispose_report_t rep;
    ck_assert_int_eq(cs_catalog_dispose_cancel(cat, id, "wang", "还要用", later), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' ="
                           " 'dispose.cancel'"),
                     1);
    ck_assert_int_eq(cs_dispose_run(cat, store, &cfg, dir, "test", later + 30 * DAY_MS, 0, &rep),
                     0);
    ck_assert_int_eq(rep.batches, 0);
    ck_assert(has_object(old_sha));
    ck_assert_int_eq(count("SELECT count(*) FROM tombstones"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM item_disposed"), 0);
    /* Past its grace a batch can no longer be cancelled. */
    int64_t second = batch(0);
    ck_assert_int_eq(cs_catalog_dispose_cancel(cat, second, "wang", "晚了", later + DAY_MS),
                     CS_EEXIST);
}
END_TEST

/* Stores `content` as a copy of `profile` of item `item`; its hash in sha. */
static void
copy_of(const char *item, const char *profile, const char *content, char sha[65])
{
    char path[PATH_MAX];
    cs_put_result_t res;
    snprintf(path, sizeof path, "%s/%s.copy", dir, content);
    cs_test_write(path, content, strlen(content));
    ck_assert_int_eq(cs_store_put_file(store, path, &res), 0);
    memcpy(sha, res.sha256, 65);
    cs_derivative_t d = {.profile = profile,
                         .status = "verified",
                         .sha256 = sha,
                         .size = (int64_t)res.size,
                         .media_type = "image/jpeg"};
    ck_assert_int_eq(cs_catalog_add_derivatives(cat, item, &d, 1, "test"), 0);
}

START_TEST(test_run_disposes_after_grace)
{
    int64_t id = batch(7), seq = -1;
    cs_dispose_report_t rep;
    char own[65], shared[65];
    /* A copy of its own goes with it; one another item holds too stays. */
    copy_of(old_sha, "access", "its own access copy", own);
    copy_of(old_sha, "preview", "a preview both items have", shared);
    copy_of(linked_sha, "preview", "a preview both items have", shared);
    /* Within the grace nothing happens. */
    ck_assert_int_eq(cs_dispose_run(cat, store, &cfg, dir, "test", later + DAY_MS, 0, &rep), 0);
    ck_assert_int_eq(rep.batches, 0);
    ck_assert(has_object(old_sha));

    long before = count("SELECT count(*) FROM ledger");
    ck_assert_int_eq(cs_dispose_run(cat, store, &cfg, dir, "test", later + 8 * DAY_MS, 0, &rep), 0);
    ck_assert_int_eq(rep.disposed, 1);
    ck_assert(!has_object(old_sha));
    ck_assert(!has_object(own));
    ck_assert(has_object(shared));
    ck_assert(has_object(linked_sha));
    ck_assert_int_eq(count("SELECT count(*) FROM ledger") - before, 1);
    ck_assert_int_eq(count("SELECT count(*) FROM derivatives d JOIN item_disposed x ON"
                           " x.item_id = d.item_id WHERE d.superseded_at IS NULL"),
                     0);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'disposed'"
                           " AND entry ->> '$.detail.disposal' = 1"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM tombstones WHERE record ->> '$.proposed_by' ="
                           " 'wang' AND record ->> '$.approved_by' = 'li' AND"
                           " record ->> '$.names[0].name' = 'clip.bin' AND"
                           " record ->> '$.class' IS NOT NULL AND ledger_seq ="
                           " (SELECT max(seq) FROM ledger)"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM disposals WHERE status = 'done'"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM fixity f JOIN items i ON i.id = f.item_id"
                           " JOIN item_disposed x ON x.item_id = i.id"),
                     0);

    /* The export of the records was written, naming the batch's ledger entries. */
    char path[PATH_MAX + 64], *text;
    snprintf(path, sizeof path, "%s/disposals/batch-%lld-records/items/%s.json", dir, (long long)id,
             old_sha);
    ck_assert_int_eq(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/disposals/batch-%lld-records/ledger.jsonl", dir, (long long)id);
    ck_assert_ptr_nonnull(text = cs_test_read(path, NULL));
    ck_assert_ptr_nonnull(strstr(text, "dispose.propose"));
    ck_assert_ptr_nonnull(strstr(text, "dispose.approve"));
    free(text);

    /* The gate: gone, with the entry's number. */
    int gone = 0;
    ck_assert_int_eq(cs_catalog_item_disposed(cat, old_sha, &gone, &seq), 0);
    ck_assert_int_eq(gone, 1);
    cs_access_who_t op;
    cs_access_who_operator(&op, "root");
    cs_access_policy_t pol = {0};
    cs_access_how_t how = {.read = CS_READ_ORIGINAL, .channel = CS_CHANNEL_CLI, .purpose = "审计"};
    cs_access_decision_t dec;
    ck_assert_int_eq(cs_access_decide(cat, &pol, &op, old_sha, NULL, &how, &dec, NULL), 0);
    ck_assert_int_eq(dec.allowed, 0);
    ck_assert_int_eq(dec.status, 410);
    ck_assert_int_eq(dec.disposed_seq, seq);
    ck_assert_str_eq(cs_access_deny_code(dec.deny), "item-disposed");

    /* Run again: nothing more. */
    before = count("SELECT count(*) FROM ledger");
    ck_assert_int_eq(cs_dispose_run(cat, store, &cfg, dir, "test", later + 9 * DAY_MS, 0, &rep), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger"), before);
}
END_TEST

START_TEST(test_run_cut_short_finishes_once)
{
    int64_t id = batch(0), seq = -1;
    cs_dispose_report_t rep;
    /* A crash after the tombstone's commit, before any byte went. */
    ck_assert_int_eq(cs_catalog_dispose_tombstone(cat, id, old_sha, "test", later, &seq), 0);
    ck_assert(has_object(old_sha));
    ck_assert_int_eq(cs_dispose_run(cat, store, &cfg, dir, "test", later, 0, &rep), 0);
    ck_assert(!has_object(old_sha));
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'disposed'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM tombstones"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM disposal_items WHERE state = 'disposed'"), 1);
}
END_TEST

START_TEST(test_no_longer_due_is_skipped)
{
    int64_t id = batch(0);
    cs_dispose_report_t rep;
    (void)id;
    /* Linked to an open case during the grace: kept. */
    ck_assert_int_eq(cs_catalog_link(cat, old_sha, CASE_B, NULL, "root", "还需要", 0), 0);
    ck_assert_int_eq(cs_dispose_run(cat, store, &cfg, dir, "test", later, 0, &rep), 0);
    ck_assert_int_eq(rep.skipped, 1);
    ck_assert(has_object(old_sha));
    ck_assert_int_eq(count("SELECT count(*) FROM disposal_items WHERE state = 'skipped'"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' ="
                           " 'dispose.skip'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM tombstones"), 0);
}
END_TEST

START_TEST(test_same_content_again_is_a_new_arrival)
{
    cs_dispose_report_t rep;
    cs_arrival_result_t res;
    batch(0);
    ck_assert_int_eq(cs_dispose_run(cat, store, &cfg, dir, "test", later, 0, &rep), 0);
    ck_assert(!has_object(old_sha));
    cs_arrival_t a = arrival(old_sha, CASE_B, NULL, "again.bin");
    a.size = strlen("old unlinked clip");
    a.media_type = "application/octet-stream";
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, &res), 0);
    ck_assert_int_eq(res.item_created, 1);
    ck_assert_int_eq(count("SELECT count(*) FROM item_disposed"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM tombstones"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM fixity WHERE profile IS NULL"), 2);
    int gone = 1;
    int64_t seq;
    ck_assert_int_eq(cs_catalog_item_disposed(cat, old_sha, &gone, &seq), 0);
    ck_assert_int_eq(gone, 0);
}
END_TEST

/* Cut short after the tombstone; the same content arrives before the run is taken up again:
 * the new arrival's bytes stay. */
START_TEST(test_new_arrival_before_the_removal_keeps_its_bytes)
{
    int64_t id = batch(0), seq = -1;
    cs_dispose_report_t rep;
    cs_arrival_result_t res;
    ck_assert_int_eq(cs_catalog_dispose_tombstone(cat, id, old_sha, "test", later, &seq), 0);
    cs_arrival_t a = arrival(old_sha, CASE_B, NULL, "again.bin");
    a.size = strlen("old unlinked clip");
    a.media_type = "application/octet-stream";
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, &res), 0);
    ck_assert_int_eq(cs_dispose_run(cat, store, &cfg, dir, "test", later, 0, &rep), 0);
    ck_assert(has_object(old_sha));
    ck_assert_int_eq(count("SELECT count(*) FROM disposals WHERE status = 'done'"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'disposed'"),
                     1);
}
END_TEST

static Suite *
dispose_suite(void)
{
    Suite *s = suite_create("dispose");
    TCase *tc = tcase_create("dispose");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_plan_and_proposal);
    tcase_add_test(tc, test_self_approval_refused);
    tcase_add_test(tc, test_cancelled_batch_removes_nothing);
    tcase_add_test(tc, test_run_disposes_after_grace);
    tcase_add_test(tc, test_run_cut_short_finishes_once);
    tcase_add_test(tc, test_no_longer_due_is_skipped);
    tcase_add_test(tc, test_same_content_again_is_a_new_arrival);
    tcase_add_test(tc, test_new_arrival_before_the_removal_keeps_its_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(dispose_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
