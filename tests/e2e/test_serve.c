/* tests/e2e/test_serve.c: `custody serve` with real files, real processes and real signals. */
#include "tests/e2e/e2e.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DONE_JOBS "SELECT count(*) FROM jobs WHERE state = 'done'"

typedef struct srv {
    e2e_t t;
    char log[PATH_MAX];
    char uploads[PATH_MAX];
    pid_t pid;
} srv_t;

/* Counts "service.started" lines in the log. */
static int
starts(const srv_t *s)
{
    int n = 0;
    char *log = cs_test_read(s->log, NULL);
    for (const char *p = log; p && (p = strstr(p, "\"service.started\"")) != NULL; p++)
        n++;
    free(log);
    return n;
}

static void
srv_start(srv_t *s, const char *extra_set)
{
    int before = starts(s);
    s->pid = cs_test_custody_bg(s->log, "serve", "--home", s->t.home, "--set",
                                "api.listen=127.0.0.1:0", "--set", "ingest.settle_ms=300", "--set",
                                "ingest.rescan_ms=400", "--set", "worker.count=1", "--set",
                                extra_set ? extra_set : "worker.retries=1", NULL);
    /* A signal sent before the service has installed its handlers would just kill it. */
    for (int i = 0; i < 400 && starts(s) == before; i++)
        usleep(25 * 1000);
    ck_assert_int_gt(starts(s), before);
}

static void
srv_setup(srv_t *s, const char *extra_set)
{
    e2e_setup(&s->t);
    snprintf(s->log, sizeof s->log, "%s/serve.log", s->t.dir);
    snprintf(s->uploads, sizeof s->uploads, "%s/uploads", s->t.home);
    srv_start(s, extra_set);
}

static void
srv_teardown(srv_t *s)
{
    if (s->pid > 0) {
        int rc = cs_test_stop(s->pid, SIGTERM);
        if (rc != 0) {
            char *log = cs_test_read(s->log, NULL);
            size_t n = log ? strlen(log) : 0;
            ck_abort_msg("custody serve (pid %d) exited %d on SIGTERM; the end of its log:\n%s",
                         (int)s->pid, rc, log ? log + (n > 1500 ? n - 1500 : 0) : "(none)");
        }
    }
    e2e_teardown(&s->t);
}

/* Writes a file into the uploads through a temporary name, the way a careful copier does. */
static void
drop(srv_t *s, const char *rel, const void *data, size_t len)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", s->uploads, rel);
    for (char *p = path + strlen(s->uploads) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    snprintf(tmp, sizeof tmp, "%s.part", path);
    cs_test_write(tmp, data, len);
    ck_assert_int_eq(rename(tmp, path), 0);
}

static long
files_under(const char *dir)
{
    long n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        char p[PATH_MAX];
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (lstat(p, &st) == 0)
            n += S_ISDIR(st.st_mode) ? files_under(p) : 1;
    }
    closedir(d);
    return n;
}

START_TEST(dropped_files_are_stored_linked_and_cleared)
{
    srv_t s;
    cs_run_t r;
    char sha[65], receipt[PATH_MAX];
    srv_setup(&s, NULL);
    drop(&s, "任水罚[2023]12号/警号0451/clip.mp4", "\x1a\x45\xdf\xa3 first", 10);
    drop(&s, "任水罚〔2023〕12号/photo.jpg", "\xff\xd8\xff second", 10);
    drop(&s, "loose.wav", "RIFF loose file", 15);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 3, 20000), 3);
    /* Linked by folder; the officer is who received it; the loose file is unassigned. */
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--home", s.t.home, "--case", CASE_A,
                    "--json", NULL);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 2);
    json_decref(v);
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM item_sources WHERE "
                                               "received_by = '警号0451'"),
                     1);
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--home", s.t.home, "--unassigned",
                    "--json", NULL);
    v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "original_name")),
                     "loose.wav");
    json_decref(v);
    cs_test_run_free(&r);
    /* Consumed: the upload folders hold no files; a receipt per file. */
    ck_assert_int_eq(files_under(s.uploads), 0);
    e2e_sha256("\x1a\x45\xdf\xa3 first", sha);
    snprintf(receipt, sizeof receipt, "%s/receipts/%s/警号0451/clip.mp4.receipt.json", s.t.home,
             CASE_A);
    json_t *rc = json_load_file(receipt, 0, NULL);
    ck_assert_ptr_nonnull(rc);
    ck_assert_str_eq(json_string_value(json_object_get(rc, "sha256")), sha);
    json_decref(rc);
    /* Every state was passed through and is visible in status. */
    cs_test_custody(&r, "status", "--home", s.t.home, "--json", NULL);
    v = e2e_json(&r);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(v, "jobs"), "done")), 3);
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "verify", "--home", s.t.home, "--all", NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    srv_teardown(&s);
}
END_TEST

START_TEST(a_second_service_on_the_same_home_is_refused)
{
    srv_t s;
    cs_run_t r;
    srv_setup(&s, NULL);
    usleep(300 * 1000);
    cs_test_custody(&r, "serve", "--home", s.t.home, NULL);
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "already served"));
    cs_test_run_free(&r);
    srv_teardown(&s);
}
END_TEST

START_TEST(a_file_still_open_for_writing_is_not_claimed)
{
    srv_t s;
    char path[PATH_MAX], dir[PATH_MAX], sha[65];
    srv_setup(&s, NULL);
    snprintf(dir, sizeof dir, "%s/%s", s.uploads, CASE_A);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/slow.mp4", dir);
    /* A writer that keeps the file open and writes in bursts with pauses longer than the
     * settle period: size and mtime stand still, but the lease tells. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    char content[16 * 8 + 1] = "";
    for (int i = 0; i < 8; i++) {
        char chunk[17];
        snprintf(chunk, sizeof chunk, "chunk %02d of 08 |", i);
        ck_assert_int_eq(write(fd, chunk, 16), 16);
        strcat(content, chunk);
        usleep(700 * 1000);
        ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM items"), 0);
    }
    close(fd);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 1, 20000), 1);
    content[16 * 8] = '\0';
    e2e_sha256(content, sha);
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE sha256 = '%s' AND size = 128", sha);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, q), 1);
    srv_teardown(&s);
}
END_TEST

START_TEST(sidecars_enrich_and_bad_ones_are_reported)
{
    srv_t s;
    cs_run_t r;
    srv_setup(&s, NULL);
    const char *good = "{\"party\":\"某公司\",\"stage\":\"investigation\",\"place\":\"任城区\","
                       "\"classification\":\"privacy\"}";
    const char *bad = "{\"stage\":\"review\"}";
    drop(&s, CASE_A "/a.jpg.json", good, strlen(good));
    drop(&s, CASE_A "/b.jpg.json", bad, strlen(bad));
    drop(&s, CASE_A "/a.jpg", "\xff\xd8\xff aaaa", 9);
    drop(&s, CASE_A "/b.jpg", "\xff\xd8\xff bbbb", 9);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 2, 20000), 2);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM parties WHERE name='某公司'"),
                     1);
    ck_assert_int_eq(
        cs_test_sql_count(s.t.db, "SELECT count(*) FROM events WHERE kind = "
                                  "'received' AND detail LIKE '%\"stage\":\"investigation\"%'"),
        1);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM jobs WHERE route LIKE "
                                               "'%problem%b.jpg.json%stage%'"),
                     1);
    /* The sidecar's classification is the item's, with a ledgered event saying so. */
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM classifications WHERE"
                                               " level = 'privacy' AND reason LIKE '%a.jpg%'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM ledger WHERE entry LIKE"
                                               " '%\"action\":\"classified\"%'"),
                     1);
    ck_assert_int_eq(files_under(s.uploads), 0); /* sidecars go with their files */
    char *log = cs_test_read(s.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "job.bad_sidecar"));
    free(log);
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--home", s.t.home, "--case", CASE_A,
                    "--json", NULL);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 2); /* the bad sidecar does not lose the file */
    json_decref(v);
    cs_test_run_free(&r);
    srv_teardown(&s);
}
END_TEST

/* A sidecar with the Chinese name of a stage is applied as that stage; one with a stage no one
 * knows keeps its party and place, and the clerk is told which field was left out. */
START_TEST(sidecar_stages_in_chinese_and_a_bad_field_keeps_the_others)
{
    srv_t s;
    srv_setup(&s, NULL);
    const char *zh = "{\"party\":\"某公司\",\"stage\":\"调查取证\",\"place\":\"任城区\"}";
    const char *bad = "{\"party\":\"李四\",\"stage\":\"nonsense\",\"place\":\"南池路\"}";
    drop(&s, CASE_A "/a.jpg.json", zh, strlen(zh));
    drop(&s, CASE_A "/b.jpg.json", bad, strlen(bad));
    drop(&s, CASE_A "/a.jpg", "\xff\xd8\xff aaaa", 9);
    drop(&s, CASE_A "/b.jpg", "\xff\xd8\xff bbbb", 9);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 2, 20000), 2);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM parties WHERE name='某公司'"),
                     1);
    ck_assert_int_eq(
        cs_test_sql_count(s.t.db, "SELECT count(*) FROM events WHERE kind = 'received' AND detail"
                                  " LIKE '%\"place\":\"任城区\"%\"stage\":\"investigation\"%'"),
        1);
    /* The bad stage is left out; the party and place beside it are kept. */
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM parties WHERE name='李四'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM events WHERE kind = "
                                               "'received' AND detail LIKE '%\"place\":\"南池路\"%'"
                                               " AND detail NOT LIKE '%\"stage\"%'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(s.t.db,
                                       "SELECT count(*) FROM jobs WHERE route LIKE '%problem%"
                                       "sidecar b.jpg.json: \\\"stage\\\" is \\\"nonsense\\\"; use "
                                       "one of filing (立案)%the other fields were applied%'"),
                     1);
    char *log = cs_test_read(s.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "job.bad_sidecar"));
    free(log);
    srv_teardown(&s);
}
END_TEST

START_TEST(an_empty_file_is_rejected_with_a_reason)
{
    srv_t s;
    char reason[PATH_MAX];
    srv_setup(&s, NULL);
    drop(&s, CASE_A "/empty.mp4", "", 0);
    drop(&s, CASE_A "/fine.mp4", "fine", 4);
    ck_assert_int_eq(cs_test_wait_count(s.t.db,
                                        "SELECT count(*) FROM jobs WHERE state IN "
                                        "('done', 'rejected')",
                                        2, 20000),
                     2);
    snprintf(reason, sizeof reason, "%s/_rejected/%s/empty.mp4.reason.txt", s.uploads, CASE_A);
    char *text = cs_test_read(reason, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "empty"));
    free(text);
    snprintf(reason, sizeof reason, "%s/_rejected/%s/empty.mp4", s.uploads, CASE_A);
    ck_assert_int_eq(access(reason, F_OK), 0);
    srv_teardown(&s);
}
END_TEST

START_TEST(a_crashing_or_hanging_worker_fails_one_step_only)
{
    srv_t s;
    setenv("CUSTODY_TEST_FAULTS", "1", 1);
    srv_setup(&s, "worker.timeout_ms=1500");
    unsetenv("CUSTODY_TEST_FAULTS");
    /* JPEG-looking, so that the sniffer hands them to a worker. */
    drop(&s, CASE_A "/crash.jpg", "\xff\xd8\xff CUSTODY-TEST-CRASH", 22);
    drop(&s, CASE_A "/hang.jpg", "\xff\xd8\xff CUSTODY-TEST-HANG", 21);
    drop(&s, CASE_A "/ok.mp4", "an ordinary file", 16);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 3, 30000), 3);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM jobs WHERE failures > 0 AND "
                                               "reason LIKE '%SIGSEGV%'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM jobs WHERE failures > 0 AND "
                                               "reason LIKE '%timed out%'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM items"), 3);
    srv_teardown(&s);
}
END_TEST

/* 1 when the process `pid` has a shared library whose name holds `lib` mapped. */
static int
maps_library(pid_t pid, const char *lib)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    char *maps = cs_test_read(path, NULL);
    ck_assert_ptr_nonnull(maps);
    int found = strstr(maps, lib) != NULL;
    free(maps);
    return found;
}

/* The pid of a child of `parent` whose command name is `comm`, or 0. */
static pid_t
child_named(pid_t parent, const char *comm)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = 0;
    ck_assert_ptr_nonnull(d);
    while (found == 0 && (e = readdir(d)) != NULL) {
        char path[300], name[64];
        int ppid;
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        char *stat = cs_test_read(path, NULL), *close_paren = stat ? strrchr(stat, ')') : NULL;
        char *open_paren = stat ? strchr(stat, '(') : NULL;
        if (open_paren != NULL && close_paren != NULL &&
            sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == (int)parent &&
            (size_t)(close_paren - open_paren - 1) < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(close_paren - open_paren - 1),
                     open_paren + 1);
            if (strcmp(name, comm) == 0)
                found = (pid_t)atoi(e->d_name);
        }
        free(stat);
    }
    closedir(d);
    return found;
}

/* Hostile media is parsed only in custody-worker: the service itself never maps FFmpeg or
 * libexif, so a parser bug cannot run in the process that holds the catalog. */
START_TEST(the_service_never_maps_the_media_parsers)
{
    srv_t s;
    srv_setup(&s, NULL);
    drop(&s, CASE_A "/a.mp4",
         "\0\0\0\x18"
         "ftypisom not really a movie",
         31);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 1, 30000), 1);
    ck_assert(maps_library(s.pid, "libsqlite3"));
    ck_assert(!maps_library(s.pid, "libavformat"));
    ck_assert(!maps_library(s.pid, "libavcodec"));
    ck_assert(!maps_library(s.pid, "libexif"));
    /* ...while its worker, which did the extraction, does. */
    pid_t worker = child_named(s.pid, "custody-worker");
    ck_assert_int_gt(worker, 0);
    ck_assert(maps_library(worker, "libavformat"));
    srv_teardown(&s);
}
END_TEST

START_TEST(sigterm_stops_cleanly_and_a_restart_resumes)
{
    srv_t s;
    srv_setup(&s, NULL);
    for (int i = 0; i < 20; i++) {
        char rel[128], body[64];
        snprintf(rel, sizeof rel, "%s/f%02d.jpg", CASE_A, i);
        snprintf(body, sizeof body, "file number %d", i);
        drop(&s, rel, body, strlen(body));
    }
    usleep(400 * 1000);
    ck_assert_int_eq(cs_test_stop(s.pid, SIGTERM), 0);
    srv_start(&s, NULL);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 20, 30000), 20);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM items"), 20);
    ck_assert_int_eq(files_under(s.uploads), 0);
    ck_assert_int_eq(cs_test_stop(s.pid, SIGTERM), 0);
    s.pid = 0;
    /* Both runs' custody events are in the ledger, and a clean stop signed all of them. */
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM ledger WHERE entry LIKE"
                                               " '%\"action\":\"stored\"%'"),
                     20);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM checkpoints WHERE size ="
                                               " (SELECT count(*) FROM ledger)"),
                     1);
    cs_run_t r;
    cs_test_custody(&r, "ledger", "verify", "--home", s.t.home, NULL);
    ck_assert_msg(r.status == 0, "ledger verify: %s %s", r.out, r.err);
    cs_test_run_free(&r);
    srv_teardown(&s);
}
END_TEST

START_TEST(a_done_marker_claims_at_once_and_logs_are_json_lines)
{
    srv_t s;
    srv_setup(&s, "ingest.settle_ms=600000"); /* ten minutes: only the marker can claim it */
    drop(&s, CASE_A "/marked.mp4", "marked file", 11);
    drop(&s, CASE_A "/unmarked.mp4", "unmarked file", 13);
    drop(&s, CASE_A "/marked.mp4.done", "", 0);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 1, 20000), 1);
    usleep(500 * 1000);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, DONE_JOBS), 1);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM jobs WHERE state = "
                                               "'discovered' AND rel_path LIKE '%unmarked.mp4'"),
                     1);
    ck_assert_int_eq(cs_test_stop(s.pid, SIGTERM), 0);
    s.pid = 0;
    /* Every line the service wrote is one JSON object with a time, a level and an event. */
    char *log = cs_test_read(s.log, NULL);
    int lines = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        json_t *o = json_loads(line, 0, NULL);
        ck_assert_msg(json_is_object(o), "not a JSON line: %s", line);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(o, "ts")));
        ck_assert_ptr_nonnull(json_string_value(json_object_get(o, "event")));
        json_decref(o);
    }
    ck_assert_int_ge(lines, 3);
    free(log);
    srv_teardown(&s);
}
END_TEST

START_TEST(archive_mode_keeps_the_upload_under_ingested)
{
    srv_t s;
    char dir[PATH_MAX];
    srv_setup(&s, "ingest.after=archive");
    drop(&s, CASE_A "/kept.jpg", "\xff\xd8\xff kept", 9);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 1, 20000), 1);
    snprintf(dir, sizeof dir, "%s/.ingested", s.uploads);
    ck_assert_int_eq(files_under(dir), 1); /* .ingested/<date>/<case>/kept.jpg */
    snprintf(dir, sizeof dir, "%s/%s", s.uploads, CASE_A);
    ck_assert_int_eq(files_under(dir), 0);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM items"), 1);
    srv_teardown(&s);
}
END_TEST

START_TEST(sighup_reloads_the_roots)
{
    srv_t s;
    char conf[PATH_MAX], root2[PATH_MAX], path[PATH_MAX], text[PATH_MAX + 64];
    srv_setup(&s, NULL);
    snprintf(root2, sizeof root2, "%s/share", s.t.dir);
    mkdir(root2, 0755);
    snprintf(conf, sizeof conf, "%s/custody.conf", s.t.home);
    snprintf(text, sizeof text, "[ingest]\nroots = %s\n", root2);
    cs_test_write(conf, text, strlen(text));
    kill(s.pid, SIGHUP);
    usleep(300 * 1000);
    snprintf(path, sizeof path, "%s/%s", root2, CASE_A);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/from-share.mp4", root2, CASE_A);
    cs_test_write(path, "via the new root", 16);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 1, 20000), 1);
    ck_assert_int_eq(access(path, F_OK), -1);
    char *log = cs_test_read(s.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "config.reloaded"));
    free(log);
    srv_teardown(&s);
}
END_TEST

START_TEST(an_upload_whose_removal_was_lost_is_not_ingested_twice)
{
    srv_t s;
    char sha[65], obj[PATH_MAX], upload[PATH_MAX];
    srv_setup(&s, NULL);
    drop(&s, CASE_A "/once.jpg", "\xff\xd8\xff stored once", 15);
    ck_assert_int_eq(cs_test_wait_count(s.t.db, DONE_JOBS, 1, 20000), 1);
    /* A power cut took the removal of the consumed upload back: the same inode is in the
     * upload folder again (its folder was never synced after the unlink). */
    e2e_sha256("\xff\xd8\xff stored once", sha);
    snprintf(obj, sizeof obj, "%s/store/objects/sha256/%.2s/%.2s/%s", s.t.home, sha, sha + 2, sha);
    snprintf(upload, sizeof upload, "%s/%s/once.jpg", s.uploads, CASE_A);
    ck_assert_msg(link(obj, upload) == 0, "link %s -> %s: %s", obj, upload, strerror(errno));
    ck_assert_int_eq(cs_test_wait_count(s.t.db,
                                        "SELECT count(*) FROM jobs WHERE reason LIKE "
                                        "'%already stored%'",
                                        1, 20000),
                     1);
    ck_assert_int_eq(cs_test_sql_count(s.t.db, "SELECT count(*) FROM item_sources"), 1);
    ck_assert_int_eq(access(upload, F_OK), -1);
    ck_assert_int_eq(access(obj, F_OK), 0);
    srv_teardown(&s);
}
END_TEST

/* The last "watches" count the service logged. */
static long
last_watch_count(const srv_t *s)
{
    long n = -1;
    char *log = cs_test_read(s->log, NULL);
    for (const char *p = log; p && (p = strstr(p, "\"watch.count\"")) != NULL; p++) {
        const char *w = strstr(p, "\"watches\":");
        if (w != NULL)
            n = strtol(w + strlen("\"watches\":"), NULL, 10);
    }
    free(log);
    return n;
}

START_TEST(watches_follow_folders_not_files)
{
    srv_t s;
    srv_setup(&s, "ingest.settle_ms=60000"); /* files stay put while they are counted */
    for (int i = 0; i < 200; i++) {
        char rel[128], body[32];
        snprintf(rel, sizeof rel, "%s/%s/w%03d.jpg", CASE_A, i < 100 ? "警号0451" : "警号0452", i);
        snprintf(body, sizeof body, "file %d", i);
        drop(&s, rel, body, strlen(body));
    }
    /* uploads, the case folder and its two officer folders: four, for 200 files. */
    ck_assert_int_eq(cs_test_wait_count(s.t.db, "SELECT count(*) FROM jobs", 200, 20000), 200);
    ck_assert_int_eq(last_watch_count(&s), 4);
    srv_teardown(&s);
}
END_TEST

static Suite *
serve_suite(void)
{
    Suite *s = suite_create("e2e_serve");
    TCase *tc = tcase_create("serve");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, dropped_files_are_stored_linked_and_cleared);
    tcase_add_test(tc, a_second_service_on_the_same_home_is_refused);
    tcase_add_test(tc, a_file_still_open_for_writing_is_not_claimed);
    tcase_add_test(tc, sidecars_enrich_and_bad_ones_are_reported);
    tcase_add_test(tc, sidecar_stages_in_chinese_and_a_bad_field_keeps_the_others);
    tcase_add_test(tc, an_empty_file_is_rejected_with_a_reason);
    tcase_add_test(tc, a_crashing_or_hanging_worker_fails_one_step_only);
    tcase_add_test(tc, the_service_never_maps_the_media_parsers);
    tcase_add_test(tc, sigterm_stops_cleanly_and_a_restart_resumes);
    tcase_add_test(tc, a_done_marker_claims_at_once_and_logs_are_json_lines);
    tcase_add_test(tc, archive_mode_keeps_the_upload_under_ingested);
    tcase_add_test(tc, sighup_reloads_the_roots);
    tcase_add_test(tc, an_upload_whose_removal_was_lost_is_not_ingested_twice);
    tcase_add_test(tc, watches_follow_folders_not_files);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(serve_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
