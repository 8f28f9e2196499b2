/* tests/fault/test_reads.c: a read whose ledger entry cannot be written serves nothing. The
 * catalog's WAL fails under `custody get` at each of its writes and syncs in turn, and under
 * the API's group commit while a file flag is there: no byte leaves without its entry, the
 * ledger stays whole, and reads work again once the fault clears, with no entry lost or
 * doubled. */
#include "tests/e2e/e2e_api.h"
#include "tests/fault/fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GETS "entry LIKE '%\"action\":\"get.original\"%' AND entry LIKE '%\"result\":\"allowed\"%'"

/* A home with one item of SIZE random bytes in CASE_A and alice, a reviewer granted on it. */
static void
setup(api_t *a)
{
    cs_run_t r;
    memset(a, 0, sizeof *a);
    e2e_setup(&a->t);
    snprintf(a->log, sizeof a->log, "%s/serve.log", a->t.dir);
    snprintf(a->src, sizeof a->src, "%s/clip.bin", a->t.dir);
    cs_test_write_random(a->src, SIZE, 7);
    a->data = cs_test_read(a->src, NULL);
    cs_test_custody(&r, "ingest", "--home", a->t.home, "--case", CASE_A, a->src, NULL);
    run_ok(&r);
    memcpy(a->sha, r.out, 64);
    a->sha[64] = '\0';
    cs_test_run_free(&r);
    a->alice = user_add(a, "alice", "reviewer");
    cs_test_custody(&r, "grant", "alice", "--any-purpose", "--home", a->t.home, "--case", CASE_A,
                    "--purpose", "legal review", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
}

static void
teardown(api_t *a)
{
    free(a->data);
    free(a->alice);
    e2e_teardown(&a->t);
}

static int
get(api_t *a, cs_run_t *r, const char *out, fault_t *f)
{
    if (f != NULL)
        cs_test_custody_env(r, f->env, "get", "--home", a->t.home, "--as", "alice", "--purpose",
                            "review", "--out", out, a->sha, NULL);
    else
        cs_test_custody(r, "get", "--home", a->t.home, "--as", "alice", "--purpose", "review",
                        "--out", out, a->sha, NULL);
    return r->status;
}

/* The out file is the whole item. */
static void
assert_served(api_t *a, const char *out)
{
    size_t len = 0;
    char *got = cs_test_read(out, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_int_eq(len, SIZE);
    ck_assert(memcmp(got, a->data, SIZE) == 0);
    free(got);
}

/* Each write and sync of the catalog during a `custody get` fails in turn. */
START_TEST(a_get_whose_entry_cannot_be_written_serves_nothing)
{
    static const char *const ops[] = {"write", "fsync|fdatasync", "openw"};
    const char *op = ops[_i];
    int hit = 0;
    api_t tmpl;
    setup(&tmpl);
    for (int k = 0; k < 200; k++) {
        api_t a = tmpl;
        fault_t f;
        cs_run_t r;
        char out[PATH_MAX];
        struct stat st;
        fault_clone(&a.t, &tmpl.t);
        snprintf(out, sizeof out, "%s/out.bin", a.t.dir);
        long before = entries(&a, GETS);
        fault_set(&f, a.t.dir, "op=%s,errno=EIO,path=%s/catalog.db,after=%d", op, a.t.home, k);
        int status = get(&a, &r, out, &f);
        if (fault_fired(&f, NULL) == 0) {
            fault_run_ok(&r);
            cs_test_run_free(&r);
            e2e_teardown(&a.t);
            break;
        }
        hit++;
        long now = entries(&a, GETS);
        ck_assert_int_le(now, before + 1);
        if (stat(out, &st) == 0) {
            /* Bytes left only with their entry on record. */
            ck_assert_msg(now == before + 1, "op=%s after=%d: served without an entry", op, k);
            assert_served(&a, out);
        } else {
            ck_assert_msg(status != 0, "op=%s after=%d: exit 0 and no file", op, k);
        }
        if (status != 0)
            fault_assert_clean_failure(&r, "get", r.status == 2 ? 2 : 3, NULL);
        cs_test_run_free(&r);
        unlink(out);
        fault_check_home(&a.t);
        /* The fault gone, the read is served and recorded once more. */
        long mid = entries(&a, GETS);
        get(&a, &r, out, NULL);
        fault_run_ok(&r);
        cs_test_run_free(&r);
        assert_served(&a, out);
        ck_assert_int_eq(entries(&a, GETS), mid + 1);
        fault_check_home(&a.t);
        e2e_teardown(&a.t);
    }
    teardown(&tmpl);
    fprintf(stderr, "get: op=%s failed at %d points\n", op, hit);
    ck_assert_int_gt(hit, 0);
}
END_TEST

/* The bytes cannot be written where the reader asked: no half file is left for the item. */
START_TEST(a_get_that_cannot_write_its_output_leaves_no_half_file)
{
    api_t a;
    fault_t f;
    cs_run_t r;
    char out[PATH_MAX];
    struct stat st;
    setup(&a);
    snprintf(out, sizeof out, "%s/out.bin", a.t.dir);
    fault_set(&f, a.t.dir, "op=write,errno=ENOSPC,path=%s,after=2", out);
    get(&a, &r, out, &f);
    ck_assert_int_gt(fault_fired(&f, "errno=ENOSPC"), 0);
    fault_assert_clean_failure(&r, "get", 3, "cannot write the bytes out to", out, "free space",
                               NULL);
    cs_test_run_free(&r);
    ck_assert_int_ne(stat(out, &st), 0);
    get(&a, &r, out, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    assert_served(&a, out);
    fault_check_home(&a.t);
    teardown(&a);
}
END_TEST

static int
serve(api_t *a, fault_t *f)
{
    a->pid = cs_test_custody_bg_env(a->log, f->env, "serve", "--home", a->t.home, "--set",
                                    "api.listen=127.0.0.1:0", "--set", "worker.count=1", NULL);
    for (int i = 0; i < 400 && (a->port = logged_port(a, "\"api.listening\"")) == 0; i++)
        usleep(25 * 1000);
    return a->port;
}

/* The API's group commit fails while <dir>/fault.on exists: 503 and nothing served; then
 * the same reads are served and recorded, the entries numbered on without a gap. */
START_TEST(an_api_read_whose_entry_cannot_be_committed_serves_nothing)
{
    api_t a;
    fault_t f;
    resp_t rs;
    char flag[PATH_MAX], target[256];
    setup(&a);
    snprintf(flag, sizeof flag, "%s/fault.on", a.t.dir);
    fault_set(&f, a.t.dir, "op=write|fsync|fdatasync,errno=EIO,path=%s/catalog.db,count=0,while=%s",
              a.t.home, flag);
    ck_assert_int_gt(serve(&a, &f), 0);
    path_of(&a, target, sizeof target, "/original");
    http(&a, &rs, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(rs.status, 200);
    resp_free(&rs);
    long before = entries(&a, "1");

    cs_test_write(flag, "", 0);
    for (int i = 0; i < 3; i++) {
        http(&a, &rs, "GET", target, a.alice, PURPOSE, i == 1 ? "bytes=0-99" : NULL, NULL);
        assert_problem(&rs, 503, "unavailable");
        ck_assert(memmem(rs.body, rs.body_len, a.data, 64) == NULL);
        resp_free(&rs);
    }
    path_of(&a, target, sizeof target, "");
    http(&a, &rs, "GET", target, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&rs, 503, "unavailable");
    resp_free(&rs);
    ck_assert_int_gt(fault_fired(&f, "catalog.db"), 0);
    ck_assert_int_eq(entries(&a, "1"), before);

    unlink(flag);
    path_of(&a, target, sizeof target, "/original");
    http(&a, &rs, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(rs.status, 200);
    ck_assert_int_eq(rs.body_len, SIZE);
    ck_assert(memcmp(rs.body, a.data, SIZE) == 0);
    resp_free(&rs);
    ck_assert_int_eq(entries(&a, "1"), before + 1);
    char q[64];
    snprintf(q, sizeof q, "seq = %ld", before);
    ck_assert_int_eq(entries(&a, q), 1);
    ck_assert_int_eq(cs_test_stop(a.pid, SIGTERM), 0);
    fault_check_home(&a.t);
    teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fault_reads");
    TCase *tc = tcase_create("reads");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, a_get_whose_entry_cannot_be_written_serves_nothing, 0, 3);
    tcase_add_test(tc, a_get_that_cannot_write_its_output_leaves_no_half_file);
    tcase_add_test(tc, an_api_read_whose_entry_cannot_be_committed_serves_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
