/* tests/e2e/test_backup.c: `custody backup` and `custody restore` as an operator meets them:
 * backups taken while a running service ingests hundreds of files, incremental by hash,
 * restored into homes that `custody verify --all` and `custody ledger verify` accept and
 * that hold what the manifest says; and restores that find a missing or altered object, a
 * changed catalog, a folder in the way or no key, each named, leaving no home behind. */
#include "tests/e2e/e2e.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DROPS 300
#define DONE_JOBS "SELECT count(*) FROM jobs WHERE state = 'done'"

typedef struct dropper {
    e2e_t *t;
    int first, count;
} dropper_t;

/* Drops files into uploads/<CASE_A>/ through a temporary name, a few milliseconds apart. */
static void *
drop_files(void *arg)
{
    dropper_t *d = arg;
    char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/uploads/%s", d->t->home, CASE_A);
    mkdir(dir, 0755);
    for (int i = d->first; i < d->first + d->count; i++) {
        snprintf(path, sizeof path, "%s/note-%04d.bin", dir, i);
        snprintf(tmp, sizeof tmp, "%s.part", path);
        cs_test_write_random(tmp, 1000 + (size_t)i * 7, (unsigned)i + 1000);
        rename(tmp, path);
        usleep(3000);
    }
    return NULL;
}

static pid_t
serve(e2e_t *t, const char *log)
{
    pid_t pid = cs_test_custody_bg(
        log, "serve", "--home", t->home, "--set", "api.listen=127.0.0.1:0", "--set",
        "ingest.settle_ms=200", "--set", "ingest.rescan_ms=300", "--set", "worker.count=1", NULL);
    char *text = NULL;
    for (int i = 0; i < 1200; i++) { /* 30 s: a loaded machine starts slowly */
        free(text);
        text = cs_test_read(log, NULL);
        if (text != NULL && strstr(text, "\"service.started\"") != NULL) {
            free(text);
            return pid;
        }
        usleep(25 * 1000);
    }
    ck_abort_msg("custody serve did not start; its log:\n%s", text ? text : "(none)");
    return -1;
}

/* Runs `custody backup --to DIR --json` (and `extra`), expecting exit `want`. */
static json_t *
backup(e2e_t *t, const char *to, const char *extra, int want)
{
    cs_run_t r;
    if (extra != NULL)
        cs_test_custody(&r, "backup", "--home", t->home, "--to", to, "--json", extra, NULL);
    else
        cs_test_custody(&r, "backup", "--home", t->home, "--to", to, "--json", NULL);
    ck_assert_msg(r.status == want, "backup exited %d: %s", r.status, r.err);
    json_t *v = e2e_json(&r);
    cs_test_run_free(&r);
    return v;
}

static long long
num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static json_t *
manifest(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/MANIFEST.json", dir);
    json_t *m = json_load_file(path, 0, NULL);
    ck_assert_msg(m != NULL, "%s cannot be read", path);
    return m;
}

static void
restore_ok(const char *from, const char *home, const char *key)
{
    cs_run_t r;
    if (key != NULL)
        cs_test_custody(&r, "restore", "--from", from, "--home", home, "--key", key, NULL);
    else
        cs_test_custody(&r, "restore", "--from", from, "--home", home, NULL);
    ck_assert_msg(r.status == 0, "restore exited %d: %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "ledger   verified"));
    cs_test_run_free(&r);
}

/* What `custody verify --all` and `custody ledger verify` say of a home: both must pass. */
static void
home_verifies(const char *home)
{
    cs_run_t r;
    cs_test_custody(&r, "ledger", "verify", "--home", home, NULL);
    ck_assert_msg(r.status == 0 && strstr(r.out, "verified:") != NULL, "ledger verify: %s%s", r.out,
                  r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "verify", "--all", "--home", home, NULL);
    ck_assert_msg(r.status == 0, "verify --all: %s%s", r.out, r.err);
    ck_assert_ptr_null(strstr(r.out, "MISMATCH"));
    ck_assert_ptr_null(strstr(r.out, "MISSING"));
    cs_test_run_free(&r);
}

/* The restored home holds what the backup's manifest says: items, copies and ledger. */
static void
matches_manifest(const char *home, const char *backup_dir)
{
    char db[PATH_MAX];
    json_t *m = manifest(backup_dir);
    snprintf(db, sizeof db, "%s/catalog.db", home);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM items"),
                     num(json_object_get(m, "counts"), "items"));
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM derivatives WHERE sha256 IS NOT"
                                           " NULL"),
                     num(json_object_get(m, "counts"), "derivatives"));
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger"),
                     num(json_object_get(m, "ledger"), "size"));
    ck_assert_int_eq(json_array_size(json_object_get(m, "objects")),
                     num(json_object_get(m, "counts"), "objects"));
    json_decref(m);
}

static void
make_photo(e2e_t *t, const char *name, const char *size)
{
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=%s -frames:v 1 "
             "'%s/uploads/%s/%s'",
             size, t->home, CASE_A, name);
    ck_assert_msg(system(cmd) == 0, "could not make %s", name);
}

START_TEST(backups_during_ingest_restore_to_homes_that_verify)
{
    e2e_t t;
    char log[PATH_MAX], b[PATH_MAX], r1[PATH_MAX], r2[PATH_MAX], key[PATH_MAX], dir[PATH_MAX];
    pthread_t th;
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    snprintf(b, sizeof b, "%s/backup", t.dir);
    snprintf(r1, sizeof r1, "%s/restored-during", t.dir);
    snprintf(r2, sizeof r2, "%s/restored-after", t.dir);
    snprintf(key, sizeof key, "%s/ledger.key", t.home);
    snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
    pid_t pid = serve(&t, log);
    mkdir(dir, 0755);
    make_photo(&t, "a.jpg", "320x240"); /* a preview and a thumbnail each: objects of their own */
    make_photo(&t, "b.jpg", "352x288");

    /* Two backups while the service stores the files being dropped. */
    dropper_t d = {.t = &t, .first = 0, .count = DROPS};
    ck_assert_int_eq(pthread_create(&th, NULL, drop_files, &d), 0);
    usleep(300 * 1000);
    json_t *b1 = backup(&t, b, NULL, 0);
    json_t *b2 = backup(&t, b, NULL, 0);
    /* Incremental: what the first copied is there for the second, which copies only new ones. */
    ck_assert_int_eq(num(b1, "already"), 0);
    ck_assert_int_eq(num(b1, "copied"), num(b1, "objects"));
    ck_assert_int_eq(num(b2, "already"), num(b1, "objects"));
    ck_assert_int_eq(num(b2, "copied"), num(b2, "objects") - num(b1, "objects"));
    ck_assert_int_eq(num(b2, "missing_or_altered"), 0);
    ck_assert_int_eq(num(b2, "objects"), num(b2, "items") + num(b2, "derivatives"));
    ck_assert_int_ge(num(b2, "checkpoint_size"), 0);

    fprintf(stderr, "backups during ingest: %lld then %lld objects (%lld copied)\n",
            num(b1, "objects"), num(b2, "objects"), num(b2, "copied"));
    /* Restored as it was at the second snapshot, while the service still ran. */
    restore_ok(b, r1, key);
    matches_manifest(r1, b);
    home_verifies(r1);

    pthread_join(th, NULL);
    ck_assert_int_eq(cs_test_wait_count(t.db, DONE_JOBS, DROPS + 2, 120000), DROPS + 2);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);

    /* After: only what is new is copied; then nothing at all. */
    json_t *b3 = backup(&t, b, "--with-key", 0);
    ck_assert_int_eq(num(b3, "items"), DROPS + 2);
    ck_assert_int_eq(num(b3, "derivatives"), 4);
    ck_assert_int_eq(num(b3, "already"), num(b2, "objects"));
    ck_assert_int_eq(num(b3, "copied"), num(b3, "objects") - num(b2, "objects"));
    ck_assert_int_eq(json_is_true(json_object_get(b3, "key_copied")), 1);
    json_t *b4 = backup(&t, b, "--with-key", 0);
    ck_assert_int_eq(num(b4, "copied"), 0);
    ck_assert_int_eq(num(b4, "already"), num(b3, "objects"));

    restore_ok(b, r2, NULL); /* the backup's own key */
    matches_manifest(r2, b);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger"),
                     num(b4, "ledger_size"));
    home_verifies(r2);
    json_decref(b1);
    json_decref(b2);
    json_decref(b3);
    json_decref(b4);
    e2e_teardown(&t);
}
END_TEST

typedef struct small {
    e2e_t t;
    char b[PATH_MAX], restored[PATH_MAX], sha[3][65];
} small_t;

/* A home with three items in CASE_A, backed up (with its key) into <dir>/backup. */
static void
small_setup(small_t *s)
{
    char path[PATH_MAX], name[32];
    cs_run_t r;
    /* Local: these tests remove and alter object files of the home, which on s3 are only
     * local copies of what the object store keeps (test_s3.c covers that backend). */
    e2e_setup_local(&s->t);
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "in/file-%d.bin", i);
        snprintf(path, sizeof path, "%s/%s", s->t.dir, name);
        e2e_file(&s->t, path, name, "");
        cs_test_write_random(path, 5000 + (size_t)i, (unsigned)i + 1);
        cs_test_custody(&r, "ingest", "--home", s->t.home, "--case", CASE_A, "--json", path, NULL);
        ck_assert_msg(r.status == 0, "ingest: %s", r.err);
        json_t *v = e2e_json(&r);
        snprintf(s->sha[i], sizeof s->sha[i], "%s",
                 json_string_value(json_object_get(v, "sha256")));
        json_decref(v);
        cs_test_run_free(&r);
    }
    snprintf(s->b, sizeof s->b, "%s/backup", s->t.dir);
    snprintf(s->restored, sizeof s->restored, "%s/restored", s->t.dir);
    json_decref(backup(&s->t, s->b, "--with-key", 0));
}

static void
object_path(const char *root, const char *sha, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/store/objects/sha256/%.2s/%.2s/%s", root, sha, sha + 2, sha);
}

/* Changes one byte of a file in place, as a failing disk or a hand would (mode made 0644). */
static void
flip_byte(const char *path, long offset)
{
    ck_assert_int_eq(chmod(path, 0644), 0);
    FILE *f = fopen(path, "r+");
    ck_assert_ptr_nonnull(f);
    fseek(f, offset, SEEK_SET);
    int c = fgetc(f);
    fseek(f, offset, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
}

/* A fresh backup (with the key) of the small home restores to a home that verifies. */
static void
backup_restores(small_t *s)
{
    json_decref(backup(&s->t, s->b, "--with-key", 0));
    restore_ok(s->b, s->restored, NULL);
    home_verifies(s->restored);
}

/* Nothing named restored, nor restored.partial-*, is left beside it. */
static void
no_home_left(small_t *s)
{
    struct stat st;
    DIR *d = opendir(s->t.dir);
    struct dirent *e;
    ck_assert_int_ne(stat(s->restored, &st), 0);
    while ((e = readdir(d)) != NULL)
        ck_assert_msg(strncmp(e->d_name, "restored", 8) != 0, "%s was left", e->d_name);
    closedir(d);
}

static void
restore_fails(small_t *s, int want, const char *says, const char *says_too)
{
    cs_run_t r;
    cs_test_custody(&r, "restore", "--from", s->b, "--home", s->restored, NULL);
    ck_assert_msg(r.status == want, "restore exited %d, not %d: %s", r.status, want, r.err);
    ck_assert_msg(strstr(r.err, says) != NULL, "\"%s\" not in: %s", says, r.err);
    ck_assert_msg(says_too == NULL || strstr(r.err, says_too) != NULL, "\"%s\" not in: %s",
                  says_too, r.err);
    cs_test_run_free(&r);
}

START_TEST(a_restore_names_a_missing_or_altered_object_and_leaves_no_home)
{
    small_t s;
    char obj[PATH_MAX], saved[PATH_MAX], want[512];
    small_setup(&s);

    object_path(s.b, s.sha[1], obj);
    snprintf(saved, sizeof saved, "%s/saved", s.t.dir);
    ck_assert_int_eq(rename(obj, saved), 0);
    snprintf(want, sizeof want, "object %s (item %s, case %s) is missing from the backup", s.sha[1],
             s.sha[1], CASE_A);
    restore_fails(&s, 1, want, "nothing was restored");
    no_home_left(&s);
    ck_assert_int_eq(rename(saved, obj), 0);

    object_path(s.b, s.sha[2], obj);
    flip_byte(obj, 100);
    snprintf(want, sizeof want, "object %s (item %s, case %s) does not match its hash", s.sha[2],
             s.sha[2], CASE_A);
    restore_fails(&s, 1, want, "nothing was restored");
    no_home_left(&s);

    /* A backup takes a copy of the right name and size as it is (the restore is the full
     * check): without the damaged copy, the next backup copies the object again. */
    unlink(obj);
    backup_restores(&s);
    e2e_teardown(&s.t);
}
END_TEST

START_TEST(a_restore_refuses_a_folder_in_the_way_a_changed_catalog_and_no_key)
{
    small_t s;
    char path[PATH_MAX], other[PATH_MAX], nokey[PATH_MAX];
    cs_run_t r;
    small_setup(&s);

    /* A folder with something in it. */
    mkdir(s.restored, 0755);
    snprintf(path, sizeof path, "%s/keep.txt", s.restored);
    cs_test_write(path, "mine", 4);
    restore_fails(&s, 2, "exists and is not an empty folder", NULL);
    char *kept = cs_test_read(path, NULL);
    ck_assert_str_eq(kept, "mine");
    free(kept);
    unlink(path);

    /* No key in the backup, none given; then another home's key. */
    snprintf(nokey, sizeof nokey, "%s/backup-nokey", s.t.dir);
    json_decref(backup(&s.t, nokey, NULL, 0));
    cs_test_custody(&r, "restore", "--from", nokey, "--home", s.restored, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "holds no signing key"));
    cs_test_run_free(&r);
    snprintf(other, sizeof other, "%s/other", s.t.dir);
    cs_test_custody(&r, "init", "--home", other, NULL);
    cs_test_run_free(&r);
    snprintf(path, sizeof path, "%s/ledger.key", other);
    cs_test_custody(&r, "restore", "--from", nokey, "--home", s.restored, "--key", path, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "does not sign this ledger"));
    cs_test_run_free(&r);

    /* A catalog changed after the backup was made. */
    snprintf(path, sizeof path, "%s/catalog.db", s.b);
    flip_byte(path, 5000);
    restore_fails(&s, 1, "does not match MANIFEST.json", NULL);

    /* The empty folder it was asked for is still empty, and takes a good restore. */
    backup_restores(&s);
    e2e_teardown(&s.t);
}
END_TEST

START_TEST(a_backup_names_an_object_missing_from_the_home)
{
    small_t s;
    char obj[PATH_MAX], fresh[PATH_MAX], want[512];
    cs_run_t r;
    small_setup(&s);
    object_path(s.t.home, s.sha[0], obj);
    ck_assert_int_eq(unlink(obj), 0);
    snprintf(fresh, sizeof fresh, "%s/fresh", s.t.dir);
    cs_test_custody(&r, "backup", "--home", s.t.home, "--to", fresh, "--with-key", NULL);
    ck_assert_int_eq(r.status, 1);
    snprintf(want, sizeof want, "object %s (item %s, case %s) is missing from the home's store",
             s.sha[0], s.sha[0], CASE_A);
    ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
    cs_test_run_free(&r);
    json_t *m = manifest(fresh);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(m, "not_backed_up"), 0)),
                     s.sha[0]);
    ck_assert_int_eq(json_array_size(json_object_get(m, "objects")), 2);
    json_decref(m);
    /* The gap stays visible: a restore of it names the object. */
    snprintf(s.b, sizeof s.b, "%s", fresh);
    snprintf(want, sizeof want, "object %s (item %s, case %s) is missing from the backup", s.sha[0],
             s.sha[0], CASE_A);
    restore_fails(&s, 1, want, NULL);
    e2e_teardown(&s.t);
}
END_TEST

static Suite *
backup_suite(void)
{
    Suite *s = suite_create("backup");
    TCase *tc = tcase_create("backup");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, backups_during_ingest_restore_to_homes_that_verify);
    tcase_add_test(tc, a_restore_names_a_missing_or_altered_object_and_leaves_no_home);
    tcase_add_test(tc, a_restore_refuses_a_folder_in_the_way_a_changed_catalog_and_no_key);
    tcase_add_test(tc, a_backup_names_an_object_missing_from_the_home);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(backup_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
