/* tests/ingest/test_walk.c: which files a walk finds, skips and reports. */
#include "core/error.h"
#include "ingest/walk.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct seen {
    char files[16][4096];
    int nfiles, nskipped, nerrors;
    int last_rc;
} seen_t;

static int
on_file(const char *path, void *arg)
{
    seen_t *s = arg;
    if (s->nfiles < 16)
        snprintf(s->files[s->nfiles], sizeof s->files[0], "%s", path);
    s->nfiles++;
    return 0;
}

static void
on_skip(const char *path, int rc, const char *why, void *arg)
{
    seen_t *s = arg;
    (void)path;
    (void)why;
    if (rc == 0) {
        s->nskipped++;
    } else {
        s->nerrors++;
        s->last_rc = rc;
    }
}

static const struct {
    const char *name;
    int item;
} names[] = {
    {"clip.mp4", 1},         {"IMG_0001.JPG", 1},     {".DS_Store", 0},  {".hidden.mp4", 0},
    {"clip.mp4.part", 0},    {"x.crdownload", 0},     {"copy.tmp", 0},   {"~$memo.docx", 0},
    {"partial.mp4.done", 1}, {"tmp-not-temp.mp4", 1}, {"~tilde.jpg", 1},
};

START_TEST(item_names)
{
    const char *why = NULL;
    ck_assert_int_eq(cs_walk_is_item_name(names[_i].name, &why), names[_i].item);
    if (!names[_i].item)
        ck_assert_ptr_nonnull(why);
}
END_TEST

static char *
mk(const char *dir, const char *rel, int is_dir)
{
    static char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    if (is_dir)
        ck_assert_int_eq(mkdir(p, 0755), 0);
    else
        cs_test_write(p, "x", 1);
    return p;
}

START_TEST(a_tree_is_walked_in_name_order_and_loops_are_cut)
{
    char *dir = cs_test_tmpdir();
    seen_t s = {0};
    cs_walk_ops_t ops = {on_file, on_skip, &s};
    mk(dir, "b", 1);
    mk(dir, "b/2.jpg", 0);
    mk(dir, "b/1.jpg", 0);
    mk(dir, "a.mp4", 0);
    mk(dir, ".git", 1);
    mk(dir, ".git/config", 0);
    mk(dir, "b/x.part", 0);
    char link[4096];
    snprintf(link, sizeof link, "%s/b/up", dir);
    ck_assert_int_eq(symlink(dir, link), 0);
    int rc = cs_walk(dir, &ops);
    ck_assert_int_eq(rc, 1);
    ck_assert_int_eq(s.nfiles, 3);
    ck_assert_ptr_nonnull(strstr(s.files[0], "/a.mp4"));
    ck_assert_ptr_nonnull(strstr(s.files[1], "/b/1.jpg"));
    ck_assert_ptr_nonnull(strstr(s.files[2], "/b/2.jpg"));
    ck_assert_int_eq(s.nskipped, 2);
    ck_assert_int_eq(s.nerrors, 1);
    ck_assert_int_eq(s.last_rc, CS_ELOOP);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(a_named_file_is_taken_whatever_its_name)
{
    char *dir = cs_test_tmpdir();
    seen_t s = {0};
    cs_walk_ops_t ops = {on_file, on_skip, &s};
    char *p = mk(dir, ".named.part", 0);
    ck_assert_int_eq(cs_walk(p, &ops), 0);
    ck_assert_int_eq(s.nfiles, 1);
    snprintf(p, 4096, "%s/missing", dir);
    ck_assert_int_eq(cs_walk(p, &ops), 1);
    ck_assert_int_eq(s.last_rc, CS_ENOENT);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
walk_suite(void)
{
    Suite *s = suite_create("walk");
    TCase *tc = tcase_create("walk");
    tcase_add_loop_test(tc, item_names, 0, (int)(sizeof names / sizeof names[0]));
    tcase_add_test(tc, a_tree_is_walked_in_name_order_and_loops_are_cut);
    tcase_add_test(tc, a_named_file_is_taken_whatever_its_name);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(walk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
