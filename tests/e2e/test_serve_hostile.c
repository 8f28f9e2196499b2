/* tests/e2e/test_serve_hostile.c: `custody serve` against an uploader who means harm (issue 16):
 * a sidecar whose case climbs out of the home, sidecars that are links to files the uploader
 * cannot read, and links, FIFOs in the upload folders. */
#include "tests/e2e/e2e.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DONE_JOBS "SELECT count(*) FROM jobs WHERE state = 'done'"

typedef struct srv {
    e2e_t t;
    char log[PATH_MAX];
    char uploads[PATH_MAX];
    pid_t pid;
} srv_t;

static int
times_in(const char *path, const char *what)
{
    size_t len = 0, n = 0, wlen = strlen(what);
    char *text = cs_test_read(path, &len);
    for (const char *p = text; p != NULL && (p = memmem(p, len - (size_t)(p - text), what, wlen));
         p++)
        n++;
    free(text);
    return (int)n;
}

static void
srv_start(srv_t *s)
{
    int before = times_in(s->log, "\"service.started\"");
    s->pid = cs_test_custody_bg(s->log, "serve", "--home", s->t.home, "--set",
                                "api.listen=127.0.0.1:0", "--set", "ingest.settle_ms=300", "--set",
                                "ingest.rescan_ms=300", "--set", "worker.count=1", NULL);
    for (int i = 0; i < 400 && times_in(s->log, "\"service.started\"") == before; i++)
        usleep(25 * 1000);
    ck_assert_int_gt(times_in(s->log, "\"service.started\""), before);
}

static void
srv_stop(srv_t *s)
{
    ck_assert_int_eq(cs_test_stop(s->pid, SIGTERM), 0);
    s->pid = 0;
}

static void
srv_setup(srv_t *s)
{
    e2e_setup(&s->t);
    snprintf(s->log, sizeof s->log, "%s/serve.log", s->t.dir);
    snprintf(s->uploads, sizeof s->uploads, "%s/uploads", s->t.home);
    srv_start(s);
}

static void
srv_teardown(srv_t *s)
{
    if (s->pid > 0)
        srv_stop(s);
    e2e_teardown(&s->t);
}

/* Writes a file into the uploads through a temporary name, its folders made. */
static void
drop(srv_t *s, const char *rel, const char *data)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/%s", s->uploads, rel);
    for (char *p = path + strlen(s->uploads) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    snprintf(tmp, sizeof tmp, "%s.part", path);
    cs_test_write(tmp, data, strlen(data));
    ck_assert_int_eq(rename(tmp, path), 0);
}

/* How often `what` is in the catalog's files (the database and its WAL), as bytes. */
static int
in_catalog(const srv_t *s, const char *what)
{
    char wal[PATH_MAX + 8];
    snprintf(wal, sizeof wal, "%s-wal", s->t.db);
    return times_in(s->t.db, what) + (access(wal, F_OK) == 0 ? times_in(wal, what) : 0);
}

static long
count(const srv_t *s, const char *sql)
{
    return cs_test_sql_count(s->t.db, sql);
}

/* Case 2: {"case": "../../escape/pwn〔2023〕1号"} passed the default case.pattern, created the
 * case and wrote <home>/receipts/../../escape/pwn〔2023〕1号/x.jpg.receipt.json. Now the sidecar
 * is refused like any bad one, the file is kept under its folder's case, and nothing is
 * written outside the home. */
START_TEST(a_sidecar_case_that_climbs_out_of_the_home_is_refused)
{
    srv_t s;
    char escape[PATH_MAX], receipt[PATH_MAX];
    cs_run_t r;
    srv_setup(&s);
    snprintf(escape, sizeof escape, "%s/escape", s.t.dir); /* <home>/receipts/../../escape */
    drop(&s, CASE_A "/x.jpg.json", "{\"case\": \"../../escape/pwn〔2023〕1号\"}");
    drop(&s, CASE_A "/x.jpg", "\xff\xd8\xff hostile sidecar");
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 1, 20000), 1);
    srv_stop(&s);

    ck_assert_msg(access(escape, F_OK) != 0, "%s was made outside the home", escape);
    ck_assert_int_eq(count(&s, "SELECT count(*) FROM cases WHERE number LIKE '%pwn%'"), 0);
    ck_assert_int_eq(count(&s, "SELECT count(*) FROM cases"), 1);
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--home", s.t.home, "--case", CASE_A,
                    "--json", NULL);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 1); /* kept, under its folder's case */
    json_decref(v);
    cs_test_run_free(&r);
    snprintf(receipt, sizeof receipt, "%s/receipts/%s/x.jpg.receipt.json", s.t.home, CASE_A);
    ck_assert_int_eq(access(receipt, F_OK), 0);
    /* Reported as other bad sidecars are: in the log and in the job's route. */
    ck_assert_int_eq(times_in(s.log, "job.bad_sidecar"), 1);
    ck_assert_int_gt(times_in(s.log, "path separator"), 0);
    ck_assert_int_eq(count(&s, "SELECT count(*) FROM jobs WHERE route LIKE "
                               "'%problem%x.jpg.json%not a case number%path separator%'"),
                     1);
    srv_teardown(&s);
}
END_TEST

/* Case 5: a sidecar that is a link to a file the uploader cannot read put its note into the
 * item's events, and a target that is not JSON into the log ("invalid token near
 * 'SECRETPASSWORD'"). Now a link (or a second name of a file) is refused, unread. */
START_TEST(a_sidecar_that_is_a_link_is_refused_unread)
{
    srv_t s;
    char secret_json[PATH_MAX], secret_txt[PATH_MAX], hard[PATH_MAX], p[PATH_MAX];
    srv_setup(&s);
    snprintf(secret_json, sizeof secret_json, "%s/secret.json", s.t.dir);
    snprintf(secret_txt, sizeof secret_txt, "%s/secret.txt", s.t.dir);
    snprintf(hard, sizeof hard, "%s/hard.json", s.t.dir);
    cs_test_write(secret_json, "{\"note\": \"NOTEOFTHESECRET\"}", 27);
    cs_test_write(secret_txt, "SECRETPASSWORD\n", 15);
    cs_test_write(hard, "{\"note\": \"NOTEOFTHEHARDLINK\"}", 29);
    snprintf(p, sizeof p, "%s/%s", s.uploads, CASE_A);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/%s/a.jpg.json", s.uploads, CASE_A);
    ck_assert_int_eq(symlink(secret_json, p), 0);
    snprintf(p, sizeof p, "%s/%s/b.jpg.json", s.uploads, CASE_A);
    ck_assert_int_eq(symlink(secret_txt, p), 0);
    snprintf(p, sizeof p, "%s/%s/c.jpg.json", s.uploads, CASE_A);
    ck_assert_int_eq(link(hard, p), 0);
    drop(&s, CASE_A "/a.jpg", "\xff\xd8\xff aaaa");
    drop(&s, CASE_A "/b.jpg", "\xff\xd8\xff bbbb");
    drop(&s, CASE_A "/c.jpg", "\xff\xd8\xff cccc");
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 3, 20000), 3);
    srv_stop(&s);

    ck_assert_int_eq(count(&s, "SELECT count(*) FROM events WHERE detail LIKE '%NOTEOFTHE%'"), 0);
    ck_assert_int_eq(count(&s, "SELECT count(*) FROM items"), 3); /* the files are kept */
    static const char *const secrets[] = {"SECRETPASSWORD", "NOTEOFTHESECRET", "NOTEOFTHEHARDLINK"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        ck_assert_msg(times_in(s.log, secrets[i]) == 0, "%s is in the log", secrets[i]);
        ck_assert_msg(in_catalog(&s, secrets[i]) == 0, "%s is in the catalog", secrets[i]);
    }
    /* Refused with a reason, in the log and in each job's route. */
    ck_assert_int_eq(times_in(s.log, "job.bad_sidecar"), 3);
    ck_assert_int_eq(times_in(s.log, "is a symbolic link: refused"), 2);
    ck_assert_int_eq(times_in(s.log, "has 2 links"), 1);
    ck_assert_int_eq(count(&s, "SELECT count(*) FROM jobs WHERE route LIKE "
                               "'%problem%.jpg.json: is a symbolic link: refused%'"),
                     2);
    /* The targets are untouched; the links went with their files. */
    char *text = cs_test_read(secret_txt, NULL);
    ck_assert_str_eq(text, "SECRETPASSWORD\n");
    free(text);
    ck_assert_int_eq(access(secret_json, F_OK), 0);
    srv_teardown(&s);
}
END_TEST

/* Case 14b: links, FIFOs (and devices, sockets) in upload folders were skipped without a
 * word. Now each is logged once, listed among the rejections with its reason, left where it
 * is, and a FIFO blocks nothing. */
START_TEST(links_and_fifos_are_listed_once_and_left_alone)
{
    srv_t s;
    char dir[PATH_MAX], lnk[PATH_MAX], fifo[PATH_MAX], target[PATH_MAX];
    struct stat st;
    cs_run_t r;
    srv_setup(&s);
    snprintf(target, sizeof target, "%s/outside.jpg", s.t.dir);
    cs_test_write(target, "\xff\xd8\xff outside", 11);
    snprintf(dir, sizeof dir, "%s/%s", s.uploads, CASE_A);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(lnk, sizeof lnk, "%s/link.jpg", dir);
    snprintf(fifo, sizeof fifo, "%s/pipe.mp4", dir);
    ck_assert_int_eq(symlink(target, lnk), 0);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    drop(&s, CASE_A "/fine.jpg", "\xff\xd8\xff fine");
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 1, 20000), 1);
    ck_assert_int_eq(
        cs_test_wait_count(s.t.db, "SELECT count(*) FROM jobs WHERE state = 'rejected'", 2, 20000),
        2);
    /* Rescans (every 300 ms) and a restart: still one line each. */
    usleep(1500 * 1000);
    srv_stop(&s);
    srv_start(&s);
    usleep(1500 * 1000);
    srv_stop(&s);
    ck_assert_int_eq(times_in(s.log, "\"scan.refused\""), 2);
    ck_assert_int_eq(times_in(s.log, "link.jpg is a symbolic link"), 1);
    ck_assert_int_eq(times_in(s.log, "pipe.mp4 is a named pipe (FIFO)"), 1);
    ck_assert_int_eq(count(&s, "SELECT count(*) FROM jobs WHERE state = 'rejected'"), 2);

    cs_test_custody(&r, "status", "--home", s.t.home, "--json", NULL);
    ck_assert_int_eq(r.status, 0);
    json_t *v = e2e_json(&r), *row;
    size_t i;
    int seen = 0;
    json_array_foreach(json_object_get(v, "recent_rejections"), i, row)
    {
        const char *path = json_string_value(json_object_get(row, "path"));
        const char *reason = json_string_value(json_object_get(row, "reason"));
        ck_assert_ptr_nonnull(path);
        ck_assert_ptr_nonnull(reason);
        if (strcmp(path, CASE_A "/link.jpg") == 0 && strstr(reason, "symbolic link"))
            seen |= 1;
        if (strcmp(path, CASE_A "/pipe.mp4") == 0 && strstr(reason, "named pipe"))
            seen |= 2;
    }
    ck_assert_int_eq(seen, 3);
    json_decref(v);
    cs_test_run_free(&r);
    /* Neither followed nor moved. */
    ck_assert_int_eq(lstat(lnk, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    ck_assert_int_eq(access(target, F_OK), 0);
    ck_assert_int_eq(count(&s, "SELECT count(*) FROM items"), 1);
    srv_teardown(&s);
}
END_TEST

static Suite *
hostile_suite(void)
{
    Suite *s = suite_create("e2e_serve_hostile");
    TCase *tc = tcase_create("hostile");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_sidecar_case_that_climbs_out_of_the_home_is_refused);
    tcase_add_test(tc, a_sidecar_that_is_a_link_is_refused_unread);
    tcase_add_test(tc, links_and_fifos_are_listed_once_and_left_alone);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(hostile_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
