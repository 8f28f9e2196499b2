/* tests/ledger/test_appender.c: group-committed ledger appends from many threads: every
 * caller gets its own entry, durable when the call returns, numbered without gaps; pipelined:
 * the next group is written while one syncs and begins its own sync beside it, none is
 * answered before its sync and every earlier one have returned; groups and syncs counted. */
#include "ledger/appender.h"

#include "core/error.h"
#include "indexer/ledger.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define EACH 150

static char *dir;
static char db[4096];
static cs_catalog_t *cat;
static cs_ledger_appender_t *app;
static int64_t seqs[THREADS][EACH];

static void
setup(void)
{
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    cs_catalog_opts_t opts = {.busy_timeout_ms = 1000};
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, &opts), 0);
    ck_assert_int_eq(cs_ledger_appender_start(&app, cat, NULL), 0);
}

static void
teardown(void)
{
    cs_ledger_appender_stop(&app);
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}

static void
worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < EACH; i++) {
        json_t *e = json_pack("{s:s, s:s, s:i, s:i}", "kind", "retrieval", "action", "test",
                              "thread", t, "i", i);
        int rc = cs_ledger_appender_append(app, e, &seqs[t][i]);
        json_decref(e);
        if (rc != 0)
            seqs[t][i] = -1;
    }
}

START_TEST(concurrent_appends_each_get_one_entry_without_gaps)
{
    uv_thread_t th[THREADS];
    static char seen[THREADS * EACH];
    memset(seen, 0, sizeof seen);
    for (int t = 0; t < THREADS; t++)
        ck_assert_int_eq(uv_thread_create(&th[t], worker, (void *)(intptr_t)t), 0);
    for (int t = 0; t < THREADS; t++)
        uv_thread_join(&th[t]);
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < EACH; i++) {
            ck_assert_int_ge(seqs[t][i], 0);
            ck_assert_int_lt(seqs[t][i], THREADS * EACH);
            ck_assert_int_eq(seen[seqs[t][i]], 0);
            seen[seqs[t][i]] = 1;
        }
    /* What each caller was told is what the ledger holds, read by another connection. */
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger"), THREADS * EACH);
    char q[256];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM ledger WHERE json_extract(entry, '$.thread') = 2 AND"
             " json_extract(entry, '$.i') = 7 AND seq = %lld",
             (long long)seqs[2][7]);
    ck_assert_int_eq(cs_test_sql_count(db, q), 1);
}
END_TEST

START_TEST(a_stopped_appender_refuses)
{
    json_t *e = json_pack("{s:s}", "kind", "retrieval");
    int64_t seq = -1;
    ck_assert_int_eq(cs_ledger_appender_append(app, e, &seq), 0);
    ck_assert_int_eq(seq, 0);
    cs_ledger_appender_stop(&app);
    ck_assert_ptr_null(app);
    ck_assert_int_eq(cs_ledger_appender_start(&app, cat, NULL), 0);
    ck_assert_int_eq(cs_ledger_appender_append(app, e, &seq), 0);
    ck_assert_int_eq(seq, 1);
    /* A bad entry fails alone; the group's others stand. */
    json_t *bad = json_string("not an object");
    ck_assert_int_eq(cs_ledger_appender_append(app, bad, &seq), CS_EINVAL);
    json_decref(bad);
    json_decref(e);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger"), 2);
}
END_TEST

/* Posted entries: each callback once, after its commit, with its own leaf. */
typedef struct posted {
    uv_mutex_t mu;
    int calls, failed;
    char seen[64];
} posted_t;

static void
on_posted(void *arg, int rc, int64_t seq)
{
    posted_t *p = arg;
    uv_mutex_lock(&p->mu);
    p->calls++;
    if (rc != 0 || seq < 0 || seq >= 64 || p->seen[seq]++)
        p->failed++;
    uv_mutex_unlock(&p->mu);
}

START_TEST(posted_entries_call_back_once_each_when_durable)
{
    posted_t p = {0};
    uv_mutex_init(&p.mu);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(
            cs_ledger_appender_post(app, json_pack("{s:s, s:i}", "kind", "retrieval", "i", i),
                                    on_posted, &p),
            0);
    cs_ledger_appender_stop(&app); /* commits what is queued first */
    ck_assert_int_eq(p.calls, 64);
    ck_assert_int_eq(p.failed, 0);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger"), 64);
    /* A bad entry is refused alone, through its callback; a stopped appender takes nothing. */
    ck_assert_int_eq(cs_ledger_appender_start(&app, cat, NULL), 0);
    p.calls = p.failed = 0;
    ck_assert_int_eq(cs_ledger_appender_post(app, json_string("no"), on_posted, &p), 0);
    cs_ledger_appender_stop(&app);
    ck_assert_int_eq(p.calls, 1);
    ck_assert_int_eq(p.failed, 1);
    ck_assert_int_eq(cs_ledger_appender_start(&app, cat, NULL), 0);
    uv_mutex_destroy(&p.mu);
}
END_TEST

/* A sync the test holds: the syncer waits in it until released; `rc` is what it returns. */
typedef struct held {
    uv_mutex_t mu;
    uv_cond_t cond;
    int entered, released, rc;
} held_t;

static int
held_sync(void *arg, cs_catalog_t *c)
{
    held_t *h = arg;
    uv_mutex_lock(&h->mu);
    h->entered++;
    uv_cond_broadcast(&h->cond);
    while (!h->released)
        uv_cond_wait(&h->cond, &h->mu);
    uv_mutex_unlock(&h->mu);
    return h->rc != 0 ? h->rc : cs_catalog_sync(c);
}

static void
held_init(held_t *h, int rc)
{
    memset(h, 0, sizeof *h);
    uv_mutex_init(&h->mu);
    uv_cond_init(&h->cond);
    h->rc = rc;
}

static void
held_wait_entered(held_t *h, int n)
{
    uv_mutex_lock(&h->mu);
    while (h->entered < n)
        uv_cond_wait(&h->cond, &h->mu);
    uv_mutex_unlock(&h->mu);
}

static void
held_release(held_t *h)
{
    uv_mutex_lock(&h->mu);
    h->released = 1;
    uv_cond_broadcast(&h->cond);
    uv_mutex_unlock(&h->mu);
}

static int
posted_calls(posted_t *p)
{
    uv_mutex_lock(&p->mu);
    int n = p->calls;
    uv_mutex_unlock(&p->mu);
    return n;
}

START_TEST(the_next_group_is_written_while_one_syncs_and_none_is_answered_before_its_sync)
{
    posted_t p = {0};
    held_t h;
    uv_mutex_init(&p.mu);
    held_init(&h, 0);
    cs_ledger_appender_stop(&app);
    ck_assert_int_eq(cs_ledger_appender_start_sync(&app, cat, NULL, held_sync, &h), 0);
    ck_assert_int_eq(cs_ledger_appender_post(
                         app, json_pack("{s:s, s:i}", "kind", "retrieval", "i", 0), on_posted, &p),
                     0);
    held_wait_entered(&h, 1); /* the first group is written and its sync has begun */
    ck_assert_int_eq(cs_ledger_appender_post(
                         app, json_pack("{s:s, s:i}", "kind", "retrieval", "i", 1), on_posted, &p),
                     0);
    /* The second group is written while the first one's sync is held... */
    ck_assert_int_eq(cs_test_wait_count(db, "SELECT count(*) FROM ledger", 2, 10000), 2);
    /* ...and neither is answered before a sync that covers it returned. */
    ck_assert_int_eq(posted_calls(&p), 0);
    held_release(&h);
    cs_ledger_appender_stop(&app);
    ck_assert_int_eq(p.calls, 2);
    ck_assert_int_eq(p.failed, 0);
    ck_assert_int_eq(h.entered, 2);
    ck_assert_int_eq(cs_ledger_appender_start(&app, cat, NULL), 0);
    uv_mutex_destroy(&p.mu);
}
END_TEST

/* Syncs the test holds one by one: call i waits until gate->open[i], then returns rc[i]. */
typedef struct gate {
    uv_mutex_t mu;
    uv_cond_t cond;
    int entered, returned, open[4], rc[4];
} gate_t;

static int
gate_sync(void *arg, cs_catalog_t *c)
{
    gate_t *g = arg;
    uv_mutex_lock(&g->mu);
    int i = g->entered++;
    uv_cond_broadcast(&g->cond);
    while (i < 4 && !g->open[i])
        uv_cond_wait(&g->cond, &g->mu);
    int rc = i < 4 ? g->rc[i] : 0;
    g->returned++;
    uv_cond_broadcast(&g->cond);
    uv_mutex_unlock(&g->mu);
    return rc != 0 ? rc : cs_catalog_sync(c);
}

/* Waits until *field (under g->mu) reaches n. */
static void
gate_wait(gate_t *g, int *field, int n)
{
    uv_mutex_lock(&g->mu);
    while (*field < n)
        uv_cond_wait(&g->cond, &g->mu);
    uv_mutex_unlock(&g->mu);
}

static void
gate_open(gate_t *g, int i, int rc)
{
    uv_mutex_lock(&g->mu);
    g->rc[i] = rc;
    g->open[i] = 1;
    uv_cond_broadcast(&g->cond);
    uv_mutex_unlock(&g->mu);
}

/* A group written while a sync is in flight begins its own sync at once, beside it; the syncs
 * end in the order they began: the later group is not answered before the earlier sync has
 * returned, and fails with it (the log may have a hole where the earlier frames were). */
START_TEST(a_written_groups_sync_begins_beside_the_one_in_flight_and_they_end_in_order)
{
    posted_t p = {0};
    gate_t g;
    memset(&g, 0, sizeof g);
    uv_mutex_init(&p.mu);
    uv_mutex_init(&g.mu);
    uv_cond_init(&g.cond);
    cs_ledger_appender_stop(&app);
    ck_assert_int_eq(cs_ledger_appender_start_sync(&app, cat, NULL, gate_sync, &g), 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(
            cs_ledger_appender_post(app, json_pack("{s:s, s:i}", "kind", "retrieval", "i", i),
                                    on_posted, &p),
            0);
        gate_wait(&g, &g.entered, i + 1); /* group i's sync has begun, the first still held */
    }
    gate_open(&g, 1, 0);
    gate_wait(&g, &g.returned, 1);         /* the second sync has returned... */
    ck_assert_int_eq(posted_calls(&p), 0); /* ...and its group waits for the first */
    gate_open(&g, 0, CS_EIO);
    cs_ledger_appender_stop(&app);
    ck_assert_int_eq(p.calls, 2);
    ck_assert_int_eq(p.failed, 2);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger"), 2);
    ck_assert_int_eq(cs_ledger_appender_start(&app, cat, NULL), 0);
    uv_mutex_destroy(&p.mu);
    uv_mutex_destroy(&g.mu);
    uv_cond_destroy(&g.cond);
}
END_TEST

/* Groups, their entries and the syncs are counted (GET /metrics shows them). */
START_TEST(groups_entries_and_syncs_are_counted)
{
    cs_ledger_appender_stats_t st;
    json_t *e = json_pack("{s:s}", "kind", "retrieval");
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(cs_ledger_appender_append(app, e, NULL), 0);
    json_decref(e);
    cs_ledger_appender_stats(app, &st);
    ck_assert_int_eq(st.groups, 3); /* one caller: one entry a group, one sync a group */
    ck_assert_int_eq(st.entries, 3);
    ck_assert_int_eq(st.syncs, 3);
}
END_TEST

START_TEST(a_failed_sync_fails_its_group_and_every_later_one)
{
    posted_t p = {0};
    held_t h;
    int64_t seq = -1;
    uv_mutex_init(&p.mu);
    held_init(&h, CS_EIO);
    held_release(&h);
    cs_ledger_appender_stop(&app);
    ck_assert_int_eq(cs_ledger_appender_start_sync(&app, cat, NULL, held_sync, &h), 0);
    json_t *e = json_pack("{s:s}", "kind", "retrieval");
    ck_assert_int_eq(cs_ledger_appender_append(app, e, &seq), CS_EIO);
    ck_assert_int_eq(seq, -1);
    /* Written but not known durable: never vouched for, and nothing more is written. */
    ck_assert_int_eq(cs_ledger_appender_append(app, e, &seq), CS_EIO);
    ck_assert_int_eq(cs_ledger_appender_post(app, json_incref(e), on_posted, &p), 0);
    cs_ledger_appender_stop(&app);
    ck_assert_int_eq(p.calls, 1);
    ck_assert_int_eq(p.failed, 1);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger"), 1);
    ck_assert_int_eq(h.entered, 1);
    /* Started again, it appends. */
    ck_assert_int_eq(cs_ledger_appender_start(&app, cat, NULL), 0);
    ck_assert_int_eq(cs_ledger_appender_append(app, e, &seq), 0);
    ck_assert_int_eq(seq, 1);
    json_decref(e);
    uv_mutex_destroy(&p.mu);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("appender");
    TCase *tc = tcase_create("appender");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, concurrent_appends_each_get_one_entry_without_gaps);
    tcase_add_test(tc, a_stopped_appender_refuses);
    tcase_add_test(tc, posted_entries_call_back_once_each_when_durable);
    tcase_add_test(tc,
                   the_next_group_is_written_while_one_syncs_and_none_is_answered_before_its_sync);
    tcase_add_test(tc, a_written_groups_sync_begins_beside_the_one_in_flight_and_they_end_in_order);
    tcase_add_test(tc, groups_entries_and_syncs_are_counted);
    tcase_add_test(tc, a_failed_sync_fails_its_group_and_every_later_one);
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
