/* tests/fault/test_derive.c: derivatives when the disk fails. A worker that cannot write its
 * copy in tmp/derive (ENOSPC, EIO) records the copy as failed with the reason, the original
 * stays stored, nothing is left in tmp/derive, and `custody retranscode` makes it once the
 * fault is gone; a copy the store cannot take (link, sync) fails the command with exit 3 and
 * the job resumes on the rerun, without a second arrival. */
#include "tests/fault/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHOTO CUSTODY_TEST_DATA "/gps/DSCN0010.jpg"
#define VIDEO CUSTODY_TEST_DATA "/metadata-extractor/sample_mpeg4.mp4"
#define VERIFIED                                                                                   \
    "SELECT count(*) FROM derivatives WHERE status = 'verified' AND superseded_at IS NULL"
#define FAILED "SELECT count(*) FROM derivatives WHERE status = 'failed' AND superseded_at IS NULL"

static void
ingest(e2e_t *t, cs_run_t *r, const char *file, fault_t *f)
{
    if (f != NULL)
        cs_test_custody_env(r, f->env, "ingest", "--home", t->home, "--case", CASE_A, file, NULL);
    else
        cs_test_custody(r, "ingest", "--home", t->home, "--case", CASE_A, file, NULL);
}

/* The first 64 characters of stdout: the item's sha256. */
static void
sha_of(const cs_run_t *r, char sha[65])
{
    ck_assert_msg(strlen(r->out) >= 64, "no sha256 printed: %s", r->out);
    memcpy(sha, r->out, 64);
    sha[64] = '\0';
}

static const struct worker_fault {
    const char *file, *spec, *reason;
} worker_faults[] = {
    {PHOTO, "op=write,errno=ENOSPC,path=/tmp/derive/,exe=custody-worker", "No space left"},
    {PHOTO, "op=openw,errno=EIO,path=/tmp/derive/,exe=custody-worker", "Input/output error"},
    {VIDEO, "op=write,errno=ENOSPC,path=/tmp/derive/,exe=custody-worker,count=0", "No space left"},
};

START_TEST(a_worker_that_cannot_write_its_copy_records_why_and_retranscode_makes_it)
{
    const struct worker_fault *w = &worker_faults[_i];
    e2e_t t;
    fault_t f;
    cs_run_t r;
    char sha[65], q[256];
    e2e_setup(&t);
    fault_set(&f, t.dir, "%s", w->spec);
    ingest(&t, &r, w->file, &f);
    ck_assert_int_gt(fault_fired(&f, "exe=custody-worker"), 0);
    /* The original is evidence and is kept; the copies failed, and the clerk is told. */
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "copies failed"));
    ck_assert_ptr_nonnull(strstr(r.err, "retranscode"));
    sha_of(&r, sha);
    cs_test_run_free(&r);
    ck_assert_int_eq(fault_count(&t, VERIFIED), 0);
    ck_assert_int_gt(fault_count(&t, FAILED), 0);
    snprintf(q, sizeof q, "SELECT count(*) FROM derivatives WHERE reason LIKE '%%%s%%'", w->reason);
    ck_assert_int_gt(fault_count(&t, q), 0);
    ck_assert_int_eq(fault_check_home(&t), 1);
    /* The fault cleared: the copies are made. */
    cs_test_custody(&r, "retranscode", "--home", t.home, sha, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(fault_count(&t, FAILED), 0);
    ck_assert_int_ge(fault_count(&t, VERIFIED), 2);
    ck_assert_int_eq(fault_check_home(&t), 1);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM item_sources"), 1);
    e2e_teardown(&t);
}
END_TEST

static const struct store_fault {
    const char *spec, *fired, *say;
} store_faults[] = {
    /* The first link is the original's; the second a copy's. */
    {"op=link,errno=ENOSPC,path=/store/objects/,after=1,exe=custody", "op=linkat",
     "disk full while storing object"},
    /* The preview is stored, the thumbnail is not: the preview goes again with it. */
    {"op=link,errno=ENOSPC,path=/store/objects/,after=2,exe=custody", "op=linkat",
     "disk full while storing object"},
    {"op=fsync,errno=EIO,path=/tmp/derive/,exe=custody", "op=fsync",
     "making it read-only and durable failed"},
    {"op=fsync,errno=EIO,path=/store/objects/,after=1,exe=custody", "op=fsync",
     "fsync of a folder failed"},
    {"op=write,errno=EIO,path=catalog.db-wal,after=14,count=0,exe=custody", "catalog.db-wal",
     "input/output error"},
};

/* The files in the home's store. */
static long
objects_in(e2e_t *t)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/store/objects", t->home);
    return cs_test_count_files(path);
}

START_TEST(a_copy_the_store_cannot_take_fails_the_command_and_resumes)
{
    const struct store_fault *sf = &store_faults[_i];
    e2e_t t;
    fault_t f;
    cs_run_t r;
    e2e_setup(&t);
    fault_set(&f, t.dir, "%s", sf->spec);
    ingest(&t, &r, PHOTO, &f);
    ck_assert_msg(fault_fired(&f, sf->fired) > 0, "%s did not fire: %s", sf->spec, r.err);
    fault_assert_clean_failure(&r, "ingest", 3, sf->say, NULL);
    cs_test_run_free(&r);
    /* No copy the catalog does not name is left in the store; the original may be, when its
     * own record failed (the rerun finds it there). */
    ck_assert_int_le(objects_in(&t) - fault_count(&t, "SELECT count(*) FROM items"),
                     fault_count(&t, "SELECT count(DISTINCT sha256) FROM derivatives") +
                         (fault_count(&t, "SELECT count(*) FROM items") == 0));
    cs_test_custody(&r, "verify", "--home", t.home, "--all", NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_temps(&t), 0);
    ingest(&t, &r, PHOTO, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(fault_check_home(&t), 1);
    ck_assert_int_eq(fault_count(&t, VERIFIED), 2);
    ck_assert_int_eq(fault_count(&t, FAILED), 0);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM jobs WHERE state <> 'done'"), 0);
    /* The failed run's job resumed: one arrival, unless the failure came before it. */
    ck_assert_int_le(fault_count(&t, "SELECT count(*) FROM item_sources"), 2);
    e2e_teardown(&t);
}
END_TEST

/* Each catalog write of a photo's ingest fails in turn: whatever state the job is left in
 * (claimed, stored, extracted), the rerun resumes it and the photo gets its preview and its
 * thumbnail, not the copies of a recording (a resumed job must know its media type). */
START_TEST(a_photo_resumed_from_any_state_gets_its_copies)
{
    int hit = 0;
    e2e_t tmpl;
    e2e_setup(&tmpl);
    for (int k = 0; k < 300; k++) {
        e2e_t t;
        fault_t f;
        cs_run_t r;
        fault_clone(&t, &tmpl);
        fault_set(&f, t.dir, "op=write,errno=EIO,path=%s/catalog.db-wal,after=%d,exe=custody",
                  t.home, k);
        ingest(&t, &r, PHOTO, &f);
        int fired = fault_fired(&f, NULL) > 0;
        cs_test_run_free(&r);
        if (!fired) {
            e2e_teardown(&t);
            break;
        }
        hit++;
        ingest(&t, &r, PHOTO, NULL);
        fault_run_ok(&r);
        cs_test_run_free(&r);
        ck_assert_int_eq(fault_check_home(&t), 1);
        ck_assert_msg(fault_count(&t, "SELECT count(*) FROM derivatives WHERE status = 'verified' "
                                      "AND superseded_at IS NULL AND profile IN ('preview', "
                                      "'thumbnail')") == 2,
                      "after=%d: the photo has not its two copies", k);
        ck_assert_int_eq(fault_count(&t, FAILED), 0);
        e2e_teardown(&t);
    }
    e2e_teardown(&tmpl);
    fprintf(stderr, "photo: %d catalog writes failed in turn\n", hit);
    ck_assert_int_gt(hit, 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fault_derive");
    TCase *tc = tcase_create("derive");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc,
                        a_worker_that_cannot_write_its_copy_records_why_and_retranscode_makes_it, 0,
                        (int)(sizeof worker_faults / sizeof worker_faults[0]));
    tcase_add_loop_test(tc, a_copy_the_store_cannot_take_fails_the_command_and_resumes, 0,
                        (int)(sizeof store_faults / sizeof store_faults[0]));
    tcase_add_test(tc, a_photo_resumed_from_any_state_gets_its_copies);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
