/* tests/fault/test_diskfull.c: a home on a disk that fills. The home lives on a 4 MiB tmpfs
 * (mounted here, as root); ingesting a file larger than what is left ends with exit 3 and a
 * line naming the store and saying to free space, and leaves no object, no temporary file and
 * no item; once space is freed (the tmpfs grown), the same ingest completes. Where mounting is
 * not allowed (no CAP_SYS_ADMIN), the disk is emulated by faultshim.c's byte budget: writes
 * under the home pass while they fit in 4 MiB, the one that crosses is cut short and the rest
 * fail with ENOSPC; the test says which it used (CUSTODY_FAULT_NO_MOUNT=1 asks for it). */
#include "tests/fault/fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define DISK (4 << 20)

START_TEST(a_file_larger_than_the_free_space_fails_cleanly_and_then_fits)
{
    e2e_t t;
    fault_t f;
    cs_run_t r;
    char mnt[PATH_MAX], big[PATH_MAX], small[PATH_MAX];
    int mounted;

    memset(&t, 0, sizeof t);
    t.dir = cs_test_tmpdir();
    snprintf(mnt, sizeof mnt, "%s/disk", t.dir);
    ck_assert_int_eq(mkdir(mnt, 0755), 0);
    /* CUSTODY_FAULT_NO_MOUNT=1 takes the emulation even where a mount would work. */
    mounted =
        getenv("CUSTODY_FAULT_NO_MOUNT") == NULL && mount("tmpfs", mnt, "tmpfs", 0, "size=4m") == 0;
    fprintf(stderr, "disk full: %s\n",
            mounted ? "a 4 MiB tmpfs" : "the shim's 4 MiB byte budget (no tmpfs)");
    snprintf(t.home, sizeof t.home, "%s/home", mnt);
    snprintf(t.db, sizeof t.db, "%s/catalog.db", t.home);
    cs_test_custody(&r, "init", "--home", t.home, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);

    snprintf(small, sizeof small, "%s/small.bin", t.dir);
    cs_test_write_random(small, 100000, 1);
    snprintf(big, sizeof big, "%s/big.bin", t.dir);
    cs_test_write_random(big, 6 << 20, 2);
    if (mounted)
        fault_set(&f, t.dir, "op=write,count=0,path=/nothing-matches/");
    else
        fault_set(&f, t.dir, "op=write|fallocate,errno=ENOSPC,bytes=%d,path=%s/", DISK, t.home);
    cs_test_custody_env(&r, f.env, "ingest", "--home", t.home, "--case", CASE_A, small, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody_env(&r, f.env, "ingest", "--home", t.home, "--case", CASE_A, big, NULL);
    fault_assert_clean_failure(&r, "ingest", 3, "disk full while storing", big, "free space", NULL);
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_temps(&t), 0);
    ck_assert_int_eq(e2e_objects(&t), 1); /* the small file's */
    ck_assert_int_eq(fault_check_home(&t), 1);

    /* Space freed: the same ingest goes through. */
    if (mounted)
        ck_assert_msg(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT, "size=64m") == 0, "remount: %s",
                      strerror(errno));
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, big, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(fault_check_home(&t), 2);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM item_sources"), 2);
    if (mounted)
        ck_assert_int_eq(umount(mnt), 0);
    e2e_teardown(&t);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fault_diskfull");
    TCase *tc = tcase_create("diskfull");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_file_larger_than_the_free_space_fails_cleanly_and_then_fits);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
