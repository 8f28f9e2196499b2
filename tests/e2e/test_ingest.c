/* tests/e2e/test_ingest.c: `custody ingest` and its bad inputs, through the real binary. */
#include "tests/e2e/e2e.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

START_TEST(ingest_stores_the_bytes_and_catalogs_the_arrival)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX], sha[65], obj[PATH_MAX];
    struct stat before, after, ost;
    e2e_setup(&t);
    e2e_file(&t, f, "in/photo.jpg", "\xff\xd8\xff\xe0 not really a jpeg but starts like one");
    e2e_sha256("\xff\xd8\xff\xe0 not really a jpeg but starts like one", sha);
    ck_assert_int_eq(stat(f, &before), 0);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, "--party", "张三", f, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, sha));
    ck_assert_ptr_nonnull(strstr(r.out, CASE_A));
    cs_test_run_free(&r);
    /* The object: named by its hash, the same bytes, read-only. */
    snprintf(obj, sizeof obj, "%s/store/objects/sha256/%.2s/%.2s/%s", t.home, sha, sha + 2, sha);
    ck_assert_int_eq(stat(obj, &ost), 0);
    ck_assert_int_eq(ost.st_mode & 0777, 0444);
    char *a = cs_test_read(f, NULL), *b = cs_test_read(obj, NULL);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    /* The source is untouched and not hard-linked. */
    ck_assert_int_eq(stat(f, &after), 0);
    ck_assert_int_eq(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    ck_assert_int_eq(after.st_nlink, 1);
    ck_assert_int_ne(after.st_ino, ost.st_ino);
    /* Catalog rows. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items WHERE media_type="
                                             "'image/jpeg'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM item_sources"), 1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM links"), 1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM parties WHERE name='张三'"), 1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM events WHERE kind IN "
                                             "('received','stored','linked')"),
                     3);
    e2e_teardown(&t);
}
END_TEST

START_TEST(the_same_content_twice_is_one_item_with_two_sources)
{
    e2e_t t;
    cs_run_t r;
    char f1[PATH_MAX], f2[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, f1, "a/one.wav", "RIFF....WAVEfmt same bytes");
    e2e_file(&t, f2, "b/two.wav", "RIFF....WAVEfmt same bytes");
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, f1, f2, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "already stored"));
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_objects(&t), 1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items"), 1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM item_sources"), 2);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM links"), 1);
    /* The same bytes for a second case: one item, linked to both. */
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_B, f1, NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_objects(&t), 1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM links"), 2);
    e2e_teardown(&t);
}
END_TEST

START_TEST(folders_are_walked_skipping_hidden_and_temporary_names)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX], dir[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, f, "drop/a.mp4", "first");
    e2e_file(&t, f, "drop/sub/b.mp4", "second");
    e2e_file(&t, f, "drop/sub/deeper/c.jpg", "third");
    e2e_file(&t, f, "drop/.hidden", "hidden");
    e2e_file(&t, f, "drop/copying.mp4.part", "partial");
    e2e_file(&t, f, "drop/~$report.doc", "office lock");
    snprintf(dir, sizeof dir, "%s/drop", t.dir);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, "--json", dir, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    /* One JSON object per line, each with sha256, size and case. */
    int lines = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, NULL);
        ck_assert_ptr_nonnull(o);
        ck_assert_int_eq(strlen(json_string_value(json_object_get(o, "sha256"))), 64);
        ck_assert_int_gt(json_integer_value(json_object_get(o, "size")), 0);
        ck_assert_str_eq(json_string_value(json_object_get(o, "case")), CASE_A);
        json_decref(o);
        lines++;
    }
    ck_assert_int_eq(lines, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "copying.mp4.part"));
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_objects(&t), 3);
    e2e_teardown(&t);
}
END_TEST

START_TEST(case_numbers_are_normalised)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, f, "x.jpg", "x");
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", " 任水罚［２０２３］０１２号 ", f,
                    NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "cases", "--purpose", "e2e check", "--home", t.home, "--json", NULL);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "case")), CASE_A);
    json_decref(v);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

/* Bad inputs: exit 2, the path named with the reason, nothing stored, no half rows. */
static const struct {
    const char *name;
    const char *expect;
} bad_inputs[] = {
    {"missing", "No such file"},
    {"empty", "is empty (0 bytes)"},
    {"loop", "symbolic link loop"},
    {"fifo", "not a regular file"},
};

START_TEST(bad_inputs_are_refused_by_name)
{
    e2e_t t;
    cs_run_t r;
    char p[PATH_MAX];
    e2e_setup(&t);
    snprintf(p, sizeof p, "%s/%s", t.dir, bad_inputs[_i].name);
    if (_i == 1)
        cs_test_write(p, "", 0);
    else if (_i == 2)
        ck_assert_int_eq(symlink(p, p), 0);
    else if (_i == 3)
        ck_assert_int_eq(mkfifo(p, 0644), 0);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, p, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, p) != NULL, "stderr does not name %s: %s", p, r.err);
    ck_assert_msg(strstr(r.err, bad_inputs[_i].expect) != NULL, "%s", r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "one line: %s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_objects(&t), 0);
    ck_assert_int_eq(e2e_temps(&t), 0);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items"), 0);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM cases"), 0);
    /* A file that was opened and refused is on record with its reason; the others were refused
     * by the folder walk before any job began. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM jobs WHERE state = 'rejected'"
                                             " AND reason LIKE '%empty%'"),
                     _i == 1 ? 1 : 0);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_folder_loop_is_reported_and_the_rest_ingested)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX], link[PATH_MAX], dir[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, f, "tree/sub/good.jpg", "good");
    snprintf(dir, sizeof dir, "%s/tree", t.dir);
    snprintf(link, sizeof link, "%s/tree/sub/back", t.dir);
    ck_assert_int_eq(symlink(dir, link), 0);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, dir, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, link));
    ck_assert_ptr_nonnull(strstr(r.err, "loop"));
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_objects(&t), 1);
    e2e_teardown(&t);
}
END_TEST

START_TEST(an_invalid_case_number_stores_nothing)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, f, "x.jpg", "x");
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", "任水罚2023-12", f, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "任水罚2023-12"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", "任水罚〔2023\xff〕12号", f, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "UTF-8"));
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_objects(&t), 0);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM cases"), 0);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_file_that_changes_while_stored_is_refused)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX];
    e2e_setup(&t);
    snprintf(f, sizeof f, "%s/growing.mp4", t.dir);
    cs_test_write_random(f, 64u << 20, 7);
    pid_t writer = fork();
    ck_assert_int_ge(writer, 0);
    if (writer == 0) {
        /* A camera still copying: keeps appending until it is stopped. */
        int fd = open(f, O_WRONLY | O_APPEND);
        char chunk[4096] = {1};
        for (;;) {
            if (write(fd, chunk, sizeof chunk) < 0)
                _exit(1);
            usleep(200);
        }
    }
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, f, NULL);
    kill(writer, SIGKILL);
    waitpid(writer, NULL, 0);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, f));
    ck_assert_ptr_nonnull(strstr(r.err, "changed"));
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_objects(&t), 0);
    ck_assert_int_eq(e2e_temps(&t), 0);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items"), 0);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_full_disk_fails_cleanly)
{
    char *dir = cs_test_tmpdir();
    char home[PATH_MAX], f[PATH_MAX], db[PATH_MAX];
    cs_run_t r;
    snprintf(home, sizeof home, "%s/home", dir);
    mkdir(home, 0750);
    if (mount("tmpfs", home, "tmpfs", 0, "size=3m") != 0) {
        fprintf(stderr, "skipped a_full_disk_fails_cleanly: cannot mount tmpfs: %s\n",
                strerror(errno));
        cs_test_rmrf(dir);
        free(dir);
        return;
    }
    cs_test_custody(&r, "init", "--home", home, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    snprintf(f, sizeof f, "%s/big.mp4", dir);
    cs_test_write_random(f, 8u << 20, 3);
    cs_test_custody(&r, "ingest", "--home", home, "--case", CASE_A, f, NULL);
    ck_assert_int_eq(r.status, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "disk full"));
    ck_assert_ptr_nonnull(strstr(r.err, f));
    cs_test_run_free(&r);
    snprintf(db, sizeof db, "%s/catalog.db", home);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM items"), 0);
    e2e_t t = {.dir = dir};
    snprintf(t.home, sizeof t.home, "%s", home);
    ck_assert_int_eq(e2e_objects(&t), 0);
    ck_assert_int_eq(e2e_temps(&t), 0);
    /* Space freed: the same command now succeeds. */
    cs_test_write_random(f, 1u << 20, 3);
    cs_test_custody(&r, "ingest", "--home", home, "--case", CASE_A, f, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    umount(home);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(a_locked_catalog_fails_cleanly)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX];
    sqlite3 *h = NULL;
    e2e_setup(&t);
    e2e_file(&t, f, "x.jpg", "locked out");
    ck_assert_int_eq(sqlite3_open(t.db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    cs_test_custody(&r, "ingest", "--home", t.home, "--set", "catalog.busy_timeout_ms=200",
                    "--case", CASE_A, f, NULL);
    sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(h);
    ck_assert_int_eq(r.status, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "locked"));
    ck_assert_ptr_nonnull(strstr(r.err, "catalog.db"));
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_objects(&t), 0);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items"), 0);
    /* Lock released: it goes in. */
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, f, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_corrupt_catalog_fails_cleanly)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, f, "x.jpg", "precious");
    char junk[8192];
    memset(junk, 'Z', sizeof junk);
    cs_test_write(t.db, junk, sizeof junk);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, f, NULL);
    ck_assert_int_eq(r.status, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "catalog.db"));
    ck_assert_ptr_nonnull(strstr(r.err, "backup"));
    cs_test_run_free(&r);
    ck_assert_int_eq(e2e_objects(&t), 0);
    char *src = cs_test_read(f, NULL);
    ck_assert_str_eq(src, "precious");
    free(src);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_folder_where_the_catalog_should_be_is_named)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    unlink(t.db);
    char wal[PATH_MAX];
    snprintf(wal, sizeof wal, "%s-wal", t.db);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", t.db);
    unlink(wal);
    ck_assert_int_eq(mkdir(t.db, 0755), 0);
    cs_test_custody(&r, "cases", "--purpose", "e2e check", "--home", t.home, NULL);
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "catalog.db"));
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_sparse_file_over_4_gib_keeps_memory_flat)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX];
    /* Always a local home: 4.5 GiB is more than the S3 test gateway's OSD holds in memory
     * (tests/storage/ceph.sh: memstore, 3 GiB). */
    e2e_setup_local(&t);
    snprintf(f, sizeof f, "%s/huge.mkv", t.dir);
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, "\x1a\x45\xdf\xa3", 4, 0), 4);
    ck_assert_int_eq(pwrite(fd, "middle", 6, (off_t)3 << 30), 6);
    ck_assert_int_eq(ftruncate(fd, ((off_t)9 << 29) + 17), 0); /* 4.5 GiB + 17 */
    close(fd);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, "--json", f, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *o = e2e_json(&r);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "size")), ((json_int_t)9 << 29) + 17);
    ck_assert_str_eq(json_string_value(json_object_get(o, "media_type")), "video/x-matroska");
    json_decref(o);
#ifdef __SANITIZE_ADDRESS__
    /* ASan's shadow memory and quarantine add their own; the bound still catches a leak. */
    ck_assert_msg(r.maxrss_kb < 256 * 1024, "peak RSS %ld KiB", r.maxrss_kb);
#else
    ck_assert_msg(r.maxrss_kb < 64 * 1024, "peak RSS %ld KiB", r.maxrss_kb);
#endif
    cs_test_run_free(&r);
    cs_test_custody(&r, "verify", "--home", t.home, "--all", NULL);
    ck_assert_msg(r.status == 0, "%s", r.out);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

static Suite *
ingest_suite(void)
{
    Suite *s = suite_create("e2e_ingest");
    TCase *tc = tcase_create("ingest");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, ingest_stores_the_bytes_and_catalogs_the_arrival);
    tcase_add_test(tc, the_same_content_twice_is_one_item_with_two_sources);
    tcase_add_test(tc, folders_are_walked_skipping_hidden_and_temporary_names);
    tcase_add_test(tc, case_numbers_are_normalised);
    tcase_add_loop_test(tc, bad_inputs_are_refused_by_name, 0,
                        (int)(sizeof bad_inputs / sizeof bad_inputs[0]));
    tcase_add_test(tc, a_folder_loop_is_reported_and_the_rest_ingested);
    tcase_add_test(tc, an_invalid_case_number_stores_nothing);
    tcase_add_test(tc, a_file_that_changes_while_stored_is_refused);
    tcase_add_test(tc, a_full_disk_fails_cleanly);
    tcase_add_test(tc, a_locked_catalog_fails_cleanly);
    tcase_add_test(tc, a_corrupt_catalog_fails_cleanly);
    tcase_add_test(tc, a_folder_where_the_catalog_should_be_is_named);
    tcase_add_test(tc, a_sparse_file_over_4_gib_keeps_memory_flat);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ingest_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
