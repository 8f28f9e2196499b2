/* tests/fault/test_export.c: `custody export` when the disk fails while it writes the bag (a
 * payload file, the manifest's folder, the sync, the rename into place, the tar and its
 * rename) or while it ledgers the export: exit 3 with a line naming the file, nothing at the
 * output path and no partial folder left, the ledger whole; the same export rerun without the
 * fault makes a bag that `custody verify-bag` accepts. */
#include "tests/fault/fault.h"

/* The faults' rules are formats in a table, given the output path. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct point {
    const char *name, *spec, *say; /* spec: %s is the output path */
    int tar;
} points[] = {
    {"original write EIO", "op=write,errno=EIO,path=%s.partial-", "cannot write", 0},
    {"original write ENOSPC, later", "op=write,errno=ENOSPC,path=%s.partial-,after=4",
     "No space left", 0},
    {"folder ENOSPC", "op=mkdir,errno=ENOSPC,path=%s.partial-,after=2", "cannot make folder", 0},
    {"file open EIO", "op=openw,errno=EIO,path=/data/originals/%.0s", "cannot", 0},
    {"sync EIO", "op=syncfs,errno=EIO,path=%s.partial-", "cannot sync", 0},
    {"rename EIO", "op=rename,errno=EIO,path=%s.partial-", "cannot rename", 0},
    {"tar write ENOSPC", "op=write,errno=ENOSPC,path=%s.tar.partial-", "No space left", 1},
    {"tar rename EIO", "op=rename,errno=EIO,path=%s.tar.partial-", "cannot rename", 1},
};

/* Three items in CASE_A, one of them 1 MiB. */
static void
setup_home(e2e_t *t)
{
    char p[PATH_MAX];
    cs_run_t r;
    e2e_setup(t);
    e2e_file(t, p, "in/a.txt", "the record of an inspection");
    e2e_file(t, p, "in/b.txt", "a witness statement");
    snprintf(p, sizeof p, "%s/in/c.bin", t->dir);
    cs_test_write_random(p, 1 << 20, 3);
    snprintf(p, sizeof p, "%s/in", t->dir);
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, p, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
}

static void export(e2e_t *t, cs_run_t *r, const char *out, int tar, fault_t *f)
{
    char *const env_none[] = {NULL};
    cs_test_custody_env(r, f ? f->env : env_none, "export", CASE_A, "--home", t->home, "--purpose",
                        "legal review", "--out", out, tar ? "--tar" : NULL, NULL);
}

/* Entries of t->dir whose name starts with "bag". */
static long
outputs(e2e_t *t)
{
    DIR *d = opendir(t->dir);
    struct dirent *e;
    long n = 0;
    while (d != NULL && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "bag", 3) == 0;
    if (d != NULL)
        closedir(d);
    return n;
}

START_TEST(an_export_that_fails_leaves_nothing_and_a_rerun_verifies)
{
    const struct point *pt = &points[_i];
    e2e_t t;
    fault_t f;
    cs_run_t r;
    char out[PATH_MAX], final[PATH_MAX];
    setup_home(&t);
    snprintf(out, sizeof out, "%s/bag", t.dir);
    snprintf(final, sizeof final, "%s%s", out, pt->tar ? ".tar" : "");
    fault_set(&f, t.dir, pt->spec, out);
    export(&t, &r, out, pt->tar, &f);
    ck_assert_msg(fault_fired(&f, NULL) > 0, "%s: the fault did not fire: %s", pt->name, r.err);
    fault_assert_clean_failure(&r, "export", 3, pt->say, NULL);
    cs_test_run_free(&r);
    ck_assert_msg(outputs(&t) == 0, "%s: something is left at the output", pt->name);
    fault_check_home(&t);
    export(&t, &r, out, pt->tar, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(outputs(&t), 1);
    cs_test_custody(&r, "verify-bag", final, "--home", "/nonexistent", NULL);
    ck_assert_msg(r.status == 0, "verify-bag: %s %s", r.out, r.err);
    cs_test_run_free(&r);
    fault_check_home(&t);
    e2e_teardown(&t);
}
END_TEST

/* The export's ledger entry cannot be committed: nothing is written at all. */
START_TEST(an_export_whose_entry_cannot_be_ledgered_writes_nothing)
{
    e2e_t t;
    fault_t f;
    cs_run_t r;
    char out[PATH_MAX];
    setup_home(&t);
    snprintf(out, sizeof out, "%s/bag", t.dir);
    long before = fault_count(&t, "SELECT count(*) FROM ledger");
    fault_set(&f, t.dir, "op=write|fsync|fdatasync,errno=EIO,path=%s/catalog.db,count=0", t.home);
    export(&t, &r, out, 0, &f);
    ck_assert_int_gt(fault_fired(&f, "catalog.db"), 0);
    fault_assert_clean_failure(&r, "export", 3, "catalog", NULL);
    cs_test_run_free(&r);
    ck_assert_int_eq(outputs(&t), 0);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM ledger"), before);
    fault_check_home(&t);
    export(&t, &r, out, 0, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "verify-bag", out, "--home", "/nonexistent", NULL);
    ck_assert_msg(r.status == 0, "verify-bag: %s %s", r.out, r.err);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fault_export");
    TCase *tc = tcase_create("export");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, an_export_that_fails_leaves_nothing_and_a_rerun_verifies, 0,
                        (int)(sizeof points / sizeof points[0]));
    tcase_add_test(tc, an_export_whose_entry_cannot_be_ledgered_writes_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
