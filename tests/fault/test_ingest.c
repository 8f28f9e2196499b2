/* tests/fault/test_ingest.c: `custody ingest` when the disk fails under it. Each fault of
 * faultshim.c (ENOSPC, EIO, EINTR on the store's writes, syncs, links, renames and folders,
 * and on the catalog's WAL through SQLite's own calls) must end the command with exit 3 and
 * one line naming the file and what to do, leave nothing half-written visible, and let a
 * rerun without the fault finish with every file an item exactly once; EINTR must not fail
 * anything the code can retry. A sweep then fails every write, sync, open and link of a whole
 * ingest in turn. */
#include "tests/fault/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFILES 3
#define ACTIVE_STORED                                                                              \
    "SELECT count(*) FROM jobs WHERE state IN ('stored', 'extracted', 'transcoded', 'indexed')"
#define ACTIVE "SELECT count(*) FROM jobs WHERE state NOT IN ('done', 'rejected')"

typedef struct point {
    const char *name;
    const char *spec;   /* rules; %s is not used: paths are substrings of the home */
    const char *fired;  /* what the fault log must show */
    const char *say[3]; /* what the message must say */
    int exit;           /* its exit status: 3, could not complete */
} point_t;

/* The folders, links, renames and folder syncs of the files stored ahead (store_prefetch.c)
 * may come before a.bin's: those points name whichever file met the fault. */
static const point_t points[] = {
    {"store write EIO",
     "op=write,errno=EIO,path=/store/tmp/",
     "op=pwrite",
     {"write failed while storing", "in/a.bin", "check the disk"},
     3},
    {"store write ENOSPC",
     "op=write,errno=ENOSPC,path=/store/tmp/",
     "errno=ENOSPC",
     {"disk full while storing", "in/a.bin", "free space and try again"},
     3},
    {"store write ENOSPC, second file",
     "op=write,errno=ENOSPC,path=/store/tmp/,after=3",
     "errno=ENOSPC",
     {"disk full while storing", "free space and try again", NULL},
     3},
    {"store fsync EIO",
     "op=fsync,errno=EIO,path=/store/tmp/",
     "op=fsync",
     {"fsync failed while storing", "in/a.bin", "check the disk"},
     3},
    {"store link EIO",
     "op=link,errno=EIO,path=/store/objects/",
     "op=linkat",
     {"linkat failed while storing", "in/", "check the disk"},
     3},
    {"store link ENOSPC",
     "op=link,errno=ENOSPC,path=/store/objects/",
     "op=linkat",
     {"disk full while storing", "in/", "free space"},
     3},
    {"store folder fsync EIO",
     "op=fsync,errno=EIO,path=/store/objects/",
     "op=fsync",
     {"fsync of a folder failed", "in/", "check the disk"},
     3},
    {"store mkdir ENOSPC",
     "op=mkdir,errno=ENOSPC,path=/store/objects/",
     "op=mkdirat",
     {"disk full while storing", "in/", NULL},
     3},
    /* No O_TMPFILE (EOPNOTSUPP, 95): the named temp and its rename. */
    {"store rename EIO",
     "op=openw,errno=95,path=/store/tmp/;op=rename,errno=EIO,path=/store/",
     "op=renameat",
     {"rename failed while storing", "in/", "check the disk"},
     3},
    {"catalog WAL write EIO",
     "op=write,errno=EIO,path=catalog.db-wal",
     "catalog.db-wal",
     {"catalog", "input/output error", "check the disk"},
     3},
    {"catalog WAL write ENOSPC",
     "op=write,errno=ENOSPC,path=catalog.db-wal",
     "catalog.db-wal",
     {"catalog", "disk is full", "free space and try again"},
     3},
    {"catalog WAL write EIO, later",
     "op=write,errno=EIO,path=catalog.db-wal,after=12",
     "catalog.db-wal",
     {"catalog", "input/output error", NULL},
     3},
    {"catalog WAL sync EIO",
     "op=fsync|fdatasync,errno=EIO,path=catalog.db-wal",
     "catalog.db-wal",
     {"catalog", "input/output error", NULL},
     3},
    {"catalog WAL sync EINTR (SQLite does not retry a sync)",
     "op=fsync|fdatasync,errno=EINTR,path=catalog.db-wal",
     "catalog.db-wal",
     {"catalog", "input/output error", NULL},
     3},
    /* SQLite opens the catalog read-only when a read-write open fails: the first write is then
     * refused as a permission problem (exit 2), which is what it looks like from here. */
    {"catalog open EIO",
     "op=open,errno=EIO,path=catalog.db",
     "catalog.db",
     {"catalog", "not writable", "check its permissions"},
     2},
};

static void
make_inputs(e2e_t *t, char in[PATH_MAX])
{
    char p[PATH_MAX];
    snprintf(in, PATH_MAX, "%s/in", t->dir);
    e2e_file(t, p, "in/c.txt", "a short note that is evidence too");
    snprintf(p, sizeof p, "%s/in/a.bin", t->dir);
    cs_test_write_random(p, 3 << 20, 1); /* more than one buffer: threaded hash, writeback */
    snprintf(p, sizeof p, "%s/in/b.bin", t->dir);
    cs_test_write_random(p, 200000, 2);
}

/* After a rerun without the fault: every file an item once, no arrival lost or repeated. */
static void
assert_whole(e2e_t *t, long sources_before, long resumed)
{
    ck_assert_int_eq(fault_check_home(t), NFILES);
    ck_assert_int_eq(fault_count(t, ACTIVE), 0);
    /* The rerun adds one arrival a file, but none for a job the failed run left stored (it
     * resumes it): nothing lost, nothing recorded twice. */
    ck_assert_int_eq(fault_count(t, "SELECT count(*) FROM item_sources"),
                     sources_before + NFILES - resumed);
}

static void
ingest(e2e_t *t, cs_run_t *r, const char *in, fault_t *f)
{
    if (f != NULL)
        cs_test_custody_env(r, f->env, "ingest", "--home", t->home, "--case", CASE_A, in, NULL);
    else
        cs_test_custody(r, "ingest", "--home", t->home, "--case", CASE_A, in, NULL);
}

START_TEST(each_fault_fails_cleanly_and_a_rerun_completes)
{
    const point_t *pt = &points[_i];
    e2e_t t;
    fault_t f;
    cs_run_t r;
    char in[PATH_MAX];
    e2e_setup(&t);
    make_inputs(&t, in);
    fault_set(&f, t.dir, "%s", pt->spec);
    ingest(&t, &r, in, &f);
    ck_assert_msg(fault_fired(&f, pt->fired) > 0, "%s: the fault did not fire: %s", pt->name,
                  r.err);
    fault_assert_clean_failure(&r, "ingest", pt->exit, pt->say[0], pt->say[1], pt->say[2], NULL);
    cs_test_run_free(&r);
    /* Nothing half-written: what is there verifies, nothing is left in store/tmp. */
    cs_test_custody(&r, "verify", "--home", t.home, "--all", NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_temps(&t), 0);
    long sources = fault_count(&t, "SELECT count(*) FROM item_sources");
    long resumed = fault_count(&t, ACTIVE_STORED);
    ingest(&t, &r, in, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    assert_whole(&t, sources, resumed);
    e2e_teardown(&t);
}
END_TEST

/* A signal during a write or a sync is retried, not reported. */
START_TEST(eintr_is_retried)
{
    static const char *const specs[] = {
        "op=write,errno=EINTR,path=/store/tmp/,count=3",
        "op=fsync,errno=EINTR,path=/store/,count=2",
        "op=write,errno=EINTR,path=catalog.db-wal,count=3",
        "op=write,errno=EINTR,path=/store/tmp/,count=2;op=fsync,errno=EINTR,path=/store/tmp/",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        e2e_t t;
        fault_t f;
        cs_run_t r;
        char in[PATH_MAX];
        e2e_setup(&t);
        make_inputs(&t, in);
        fault_set(&f, t.dir, "%s", specs[i]);
        ingest(&t, &r, in, &f);
        ck_assert_msg(fault_fired(&f, "errno=EINTR") > 0, "%s did not fire", specs[i]);
        ck_assert_msg(r.status == 0, "%s: exit %d: %s", specs[i], r.status, r.err);
        cs_test_run_free(&r);
        ck_assert_int_eq(fault_check_home(&t), NFILES);
        ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM item_sources"), NFILES);
        e2e_teardown(&t);
    }
}
END_TEST

/* Every call of one kind in a whole ingest fails in turn (the k-th of them, k = 0, s, 2s, ...
 * until the ingest makes fewer than k; s is the stride, 1 with CUSTODY_FAULT_STRIDE=1, as
 * bench/killnine.sh runs it): whatever the command says, the home stays whole, and a rerun
 * completes exactly. A command that succeeded despite its fault (a failed checkpoint
 * signature is reported and signed by the next command) must have stored everything. */
static const struct sweep {
    const char *op, *err;
    int stride; /* in CI: the write sweep has over 200 points */
} sweeps[] = {
    {"write", "EIO", 9},       {"fsync|fdatasync|syncfs", "EIO", 1}, {"openw", "ENOSPC", 1},
    {"link|rename", "EIO", 1}, {"ftruncate|fallocate", "ENOSPC", 1}, {"mkdir", "ENOSPC", 1},
};

START_TEST(every_call_of_an_ingest_fails_in_turn)
{
    const struct sweep *s = &sweeps[_i];
    int hit = 0, failed = 0;
    const char *full = getenv("CUSTODY_FAULT_STRIDE");
    int stride = full != NULL && atoi(full) > 0 ? atoi(full) : s->stride;
    e2e_t tmpl;
    e2e_setup(&tmpl);
    for (int k = 0; k < 1000; k += stride) {
        e2e_t t;
        fault_t f;
        cs_run_t r;
        char in[PATH_MAX];
        fault_clone(&t, &tmpl);
        make_inputs(&t, in);
        fault_set(&f, t.dir, "op=%s,errno=%s,path=%s/,after=%d", s->op, s->err, t.home, k);
        ingest(&t, &r, in, &f);
        if (fault_fired(&f, NULL) == 0) { /* past the last call of this kind */
            fault_run_ok(&r);
            cs_test_run_free(&r);
            e2e_teardown(&t);
            break;
        }
        hit++;
        /* 2 where SQLite fell back to a read-only catalog: "not writable". */
        if (r.status != 0) {
            failed++;
            fault_assert_clean_failure(&r, "ingest", r.status == 2 ? 2 : 3, NULL);
        }
        int ok = r.status == 0;
        cs_test_run_free(&r);
        ck_assert_int_eq(e2e_temps(&t), 0);
        if (ok) {
            ck_assert_int_eq(fault_check_home(&t), NFILES);
        } else {
            long sources = fault_count(&t, "SELECT count(*) FROM item_sources");
            long resumed = fault_count(&t, ACTIVE_STORED);
            ingest(&t, &r, in, NULL);
            fault_run_ok(&r);
            cs_test_run_free(&r);
            assert_whole(&t, sources, resumed);
        }
        e2e_teardown(&t);
    }
    e2e_teardown(&tmpl);
    fprintf(stderr, "sweep op=%s errno=%s: %d call points, %d failed the ingest\n", s->op, s->err,
            hit, failed);
    ck_assert_int_gt(hit, 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fault_ingest");
    TCase *tc = tcase_create("ingest");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, each_fault_fails_cleanly_and_a_rerun_completes, 0,
                        (int)(sizeof points / sizeof points[0]));
    tcase_add_test(tc, eintr_is_retried);
    tcase_add_loop_test(tc, every_call_of_an_ingest_fails_in_turn, 0,
                        (int)(sizeof sweeps / sizeof sweeps[0]));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
