/* tests/e2e/test_damaged.c: damaged media is a state a clerk sees (issue 18, item 3). A cut MP4
 * and a cut MPEG-TS dropped into the upload folder are kept, and flagged damaged with their
 * reason in `custody status`, `custody show`, GET /v1/jobs (the job and the flagged list) and
 * the service log at warn; a whole recording is not. A copy that stalled, was taken in, and
 * then came again whole under the same name is linked to its fragment on both items. */
#include "tests/e2e/e2e_api.h"
#include "tests/media/transcode_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const sets[] = {"ingest.settle_ms=200", NULL};

/* Writes the first `len` bytes of data to <home>/uploads/<CASE_A>/<name> as an uploader would
 * (a hidden temporary name, then renamed), and its SHA-256 into sha. */
static void
drop(api_t *a, const char *name, const char *data, size_t len, char sha[65])
{
    char dir[PATH_MAX], path[PATH_MAX], part[PATH_MAX + 16];
    unsigned char md[32];
    unsigned int mdlen = 0;
    snprintf(dir, sizeof dir, "%s/uploads/" CASE_A, a->t.home);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(part, sizeof part, "%s/.%s.part", dir, name);
    cs_test_write(part, data, len);
    ck_assert_int_eq(rename(part, path), 0);
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(sha + 2 * i, "%02x", md[i]);
}

/* Waits until `n` jobs are done (the setup's item is one). */
static void
wait_done(api_t *a, long n)
{
    ck_assert_int_eq(
        cs_test_wait_count(a->t.db, "SELECT count(*) FROM jobs WHERE state = 'done'", n, 60000), n);
}

/* A 3 s H.264 + AAC recording (moov at the end) made with ffmpeg; its bytes. */
static char *
recording(api_t *a, const char *name, const char *format, size_t *len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", a->t.dir, name);
    make_clip(path, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i",
              "sine", "-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f",
              format, NULL);
    return cs_test_read(path, len);
}

/* The member of `list` whose `key` is `value`, or NULL. */
static json_t *
find(json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(json_object_get(v, key));
        if (s != NULL && strcmp(s, value) == 0)
            return v;
    }
    return NULL;
}

/* The job of GET /v1/jobs whose item is `sha`. */
static json_t *
job_of(json_t *queue, const char *sha)
{
    json_t *j = find(json_object_get(queue, "jobs"), "sha256", sha);
    ck_assert_msg(j != NULL, "no job for %s", sha);
    return j;
}

/* The log line of `event` about item `sha` (malloc'd), or NULL. */
static char *
log_line(api_t *a, const char *event, const char *sha)
{
    char *log = cs_test_read(a->log, NULL), ev[96], item[96], *found = NULL;
    snprintf(ev, sizeof ev, "\"event\":\"%s\"", event);
    snprintf(item, sizeof item, "\"sha256\":\"%s\"", sha);
    for (char *p = log; p != NULL && *p != '\0' && found == NULL;) {
        char *nl = strchr(p, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (strstr(p, ev) != NULL && strstr(p, item) != NULL)
            found = strdup(p);
        p = nl != NULL ? nl + 1 : NULL;
    }
    free(log);
    return found;
}

static void
cli(api_t *a, cs_run_t *r, const char *cmd, const char *sha)
{
    if (sha != NULL)
        cs_test_custody(r, cmd, "--home", a->t.home, "--purpose", "check the upload", sha, NULL);
    else
        cs_test_custody(r, cmd, "--home", a->t.home, NULL);
    ck_assert_msg(r->status == 0, "custody %s: %s", cmd, r->err);
}

START_TEST(cut_recordings_are_flagged_damaged_everywhere_a_clerk_looks)
{
    api_t a;
    resp_t r;
    cs_run_t c;
    size_t mp4_len, ts_len;
    char cut_mp4[65], cut_ts[65], whole[65];
    api_setup_with(&a, sets);
    char *mp4 = recording(&a, "full.mp4", "mp4", &mp4_len);
    char *ts = recording(&a, "full.ts", "mpegts", &ts_len);
    drop(&a, "cut.mp4", mp4, mp4_len / 2, cut_mp4); /* "moov atom not found" */
    drop(&a, "cut.ts", ts, ts_len - 100, cut_ts);   /* the last packet cut */
    drop(&a, "whole.mp4", mp4, mp4_len, whole);
    wait_done(&a, 4);

    /* GET /v1/jobs: each job's item says damaged (or null), and the flagged list has both. */
    http(&a, &r, "GET", "/v1/jobs?limit=50", a.dave, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *q = body_json(&r);
    json_t *d = json_object_get(job_of(q, cut_mp4), "damaged");
    ck_assert_str_eq(json_string_value(json_object_get(d, "code")), "truncated");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(d, "reason")), "cut off"));
    d = json_object_get(job_of(q, cut_ts), "damaged");
    ck_assert_str_eq(json_string_value(json_object_get(d, "code")), "truncated");
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(d, "reason")), "last transport packet is cut"));
    ck_assert(json_is_null(json_object_get(job_of(q, whole), "damaged")));
    json_t *f = find(json_object_get(q, "flagged"), "sha256", cut_mp4);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(json_string_value(json_object_get(f, "kind")), "damaged");
    ck_assert_str_eq(json_string_value(json_object_get(f, "code")), "truncated");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(f, "path")), "cut.mp4"));
    ck_assert_ptr_nonnull(find(json_object_get(q, "flagged"), "sha256", cut_ts));
    ck_assert_ptr_null(find(json_object_get(q, "flagged"), "sha256", whole));
    json_decref(q);
    resp_free(&r);

    /* The metrics say how many. */
    http(&a, &r, "GET", "/metrics", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strstr(r.body, "\ncustody_items_damaged 2\n") != NULL, "%s", r.body);
    resp_free(&r);

    /* The original is kept either way: stored as it came. */
    char obj[PATH_MAX];
    struct stat st;
    snprintf(obj, sizeof obj, "%s/store/objects/sha256/%.2s/%.2s/%s", a.t.home, cut_mp4,
             cut_mp4 + 2, cut_mp4);
    ck_assert_int_eq(stat(obj, &st), 0);
    ck_assert_int_eq(st.st_size, (off_t)(mp4_len / 2));

    /* custody status: the count and one line per damaged item with its reason. */
    cli(&a, &c, "status", NULL);
    ck_assert_msg(strstr(c.out, "damaged  2 items") != NULL, "%s", c.out);
    ck_assert_msg(strstr(c.out, "cut.mp4: the file ends") != NULL, "%s", c.out);
    ck_assert_msg(strstr(c.out, "cut.ts: the last transport packet is cut") != NULL, "%s", c.out);
    ck_assert_msg(strstr(c.out, "whole.mp4") == NULL, "%s", c.out);
    cs_test_run_free(&c);

    /* custody show: the damage, in words. */
    cli(&a, &c, "show", cut_mp4);
    ck_assert_msg(strstr(c.out, "DAMAGED     the file ends") != NULL, "%s", c.out);
    ck_assert_msg(strstr(c.out, "moov") != NULL, "%s", c.out);
    cs_test_run_free(&c);
    cli(&a, &c, "show", whole);
    ck_assert_msg(strstr(c.out, "DAMAGED") == NULL, "%s", c.out);
    cs_test_run_free(&c);

    /* The log: job.damaged at warn with the reason, not job.done at info. */
    char *line = log_line(&a, "job.damaged", cut_mp4);
    ck_assert_msg(line != NULL, "no job.damaged line for the cut mp4");
    ck_assert_ptr_nonnull(strstr(line, "\"level\":\"warn\""));
    ck_assert_ptr_nonnull(strstr(line, "cut off"));
    free(line);
    line = log_line(&a, "job.damaged", cut_ts);
    ck_assert_msg(line != NULL && strstr(line, "last transport packet is cut") != NULL, "%s", line);
    free(line);
    ck_assert_ptr_null(log_line(&a, "job.done", cut_mp4));
    ck_assert_ptr_null(log_line(&a, "job.damaged", whole));
    line = log_line(&a, "job.done", whole);
    ck_assert_msg(line != NULL && strstr(line, "\"level\":\"info\"") != NULL, "%s", line);
    free(line);
    free(mp4);
    free(ts);
    api_teardown(&a);
}
END_TEST

START_TEST(a_stalled_copy_is_linked_to_its_fragment)
{
    api_t a;
    resp_t r;
    cs_run_t c;
    size_t len;
    char fragment[65], whole[65], q[1024], url[256];
    api_setup_with(&a, sets);
    char *mp4 = recording(&a, "full.mp4", "mp4", &len);
    /* The copy stalls half way; the service takes in what is there. */
    drop(&a, "VID_0001.mp4", mp4, len / 2, fragment);
    wait_done(&a, 2);
    /* The copy is made again, whole, under the same name. */
    drop(&a, "VID_0001.mp4", mp4, len, whole);
    wait_done(&a, 3);

    snprintf(q, sizeof q,
             "SELECT count(*) FROM events e JOIN items i ON i.id = e.item_id WHERE"
             " e.kind = 'stalled_copy' AND ((i.sha256 = '%s' AND e.detail ->> '$.other' = '%s'"
             " AND e.detail ->> '$.role' = 'fragment') OR (i.sha256 = '%s' AND"
             " e.detail ->> '$.other' = '%s' AND e.detail ->> '$.role' = 'whole'))",
             fragment, whole, whole, fragment);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, q, 2, 20000), 2);

    /* custody show, on both: the words and the other item. */
    cli(&a, &c, "show", whole);
    ck_assert_msg(strstr(c.out, "stalled     an earlier upload of this name was a prefix of this "
                                "one: a copy that stalled") != NULL,
                  "%s", c.out);
    ck_assert_msg(strstr(c.out, fragment) != NULL, "%s", c.out);
    ck_assert_msg(strstr(c.out, "DAMAGED") == NULL, "%s", c.out);
    cs_test_run_free(&c);
    cli(&a, &c, "show", fragment);
    ck_assert_msg(strstr(c.out, "DAMAGED") != NULL, "%s", c.out);
    ck_assert_msg(strstr(c.out, whole) != NULL, "%s", c.out);
    cs_test_run_free(&c);

    /* The API's item view has the event. */
    snprintf(url, sizeof url, "/v1/items/%s", whole);
    http(&a, &r, "GET", url, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *item = body_json(&r),
           *ev = find(json_object_get(item, "events"), "kind", "stalled_copy");
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ev, "detail"), "other")),
                     fragment);
    json_decref(item);
    resp_free(&r);

    /* The clerk's flagged list: the fragment, damaged, names the whole it was completed by. */
    http(&a, &r, "GET", "/v1/jobs", a.dave, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *q2 = body_json(&r), *f = find(json_object_get(q2, "flagged"), "sha256", fragment);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(json_string_value(json_object_get(f, "kind")), "damaged");
    ck_assert_str_eq(json_string_value(json_object_get(f, "whole")), whole);
    ck_assert_ptr_null(find(json_object_get(q2, "flagged"), "sha256", whole));
    json_decref(q2);
    resp_free(&r);

    /* A different recording under the same name is not linked (no prefix). */
    char other[65];
    size_t olen;
    char *b = recording(&a, "other.mp4", "mp4", &olen);
    b[olen / 4] ^= 1; /* inside the fragment's bytes */
    drop(&a, "VID_0001.mp4", b, olen, other);
    wait_done(&a, 4);
    ck_assert_int_eq(
        cs_test_sql_count(a.t.db, "SELECT count(*) FROM events WHERE kind = 'stalled_copy'"), 2);
    free(b);
    free(mp4);
    api_teardown(&a);
}
END_TEST

/* Polls the service log for a line holding both `a` and `b`, up to 30 s. */
static int
logged(api_t *a, const char *x, const char *y)
{
    for (int i = 0; i < 600; i++) {
        char *log = cs_test_read(a->log, NULL);
        int found = 0;
        for (char *p = log; p != NULL && *p != '\0' && !found;) {
            char *nl = strchr(p, '\n');
            if (nl != NULL)
                *nl = '\0';
            found = strstr(p, x) != NULL && strstr(p, y) != NULL;
            p = nl != NULL ? nl + 1 : NULL;
        }
        free(log);
        if (found)
            return 1;
        usleep(50 * 1000);
    }
    return 0;
}

/* Restarts the service of `a` without CAP_LEASE (setpriv): like the packaged service, which
 * cannot take a read lease on a clerk's file, not its own. */
static void
restart_without_lease(api_t *a)
{
    ck_assert_int_eq(cs_test_stop(a->pid, SIGTERM), 0);
    truncate(a->log, 0);
    pid_t parent = getpid();
    a->pid = fork();
    ck_assert_int_ge(a->pid, 0);
    if (a->pid == 0) {
        char *argv[] = {"setpriv",
                        "--bounding-set=-lease",
                        "--inh-caps=-lease",
                        CUSTODY_BIN,
                        "serve",
                        "--home",
                        a->t.home,
                        "--set",
                        "api.listen=127.0.0.1:0",
                        "--set",
                        "worker.count=1",
                        "--set",
                        "ingest.settle_ms=200",
                        NULL};
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        int fd = open(a->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    for (int i = 0; i < 400 && (a->port = logged_port(a, "\"api.listening\"")) == 0; i++)
        usleep(25 * 1000);
    ck_assert_int_gt(a->port, 0);
}

START_TEST(a_copy_that_stalls_open_without_a_lease_stays_one_item)
{
    api_t a;
    size_t len;
    char dir[PATH_MAX], path[PATH_MAX], half[65], whole[65], q[256];
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (geteuid() != 0) {
        fprintf(stderr, "skipped: needs root to write an upload the service does not own\n");
        return;
    }
    api_setup_with(&a, sets);
    /* The case folder is there before the copy starts (its watch too). */
    snprintf(dir, sizeof dir, "%s/uploads/" CASE_A, a.t.home);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    restart_without_lease(&a);
    ck_assert(logged(&a, "\"watch.count\"", "\"watches\":2")); /* uploads/ and the case's */
    char *mp4 = recording(&a, "full.mp4", "mp4", &len);
    snprintf(path, sizeof path, "%s/VID_0003.mp4", dir);
    /* A clerk's copy (not the service's file: no lease), stalled half way with the file open. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fchown(fd, 65534, 65534), 0);
    ck_assert_int_eq(write(fd, mp4, len / 2), (ssize_t)(len / 2));
    ck_assert_msg(logged(&a, "\"upload.still_open\"", "VID_0003.mp4"),
                  "the stalled copy was not held back");
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM items"), 1);
    /* It resumes, finishes and closes: one item, the whole recording. */
    ck_assert_int_eq(write(fd, mp4 + len / 2, len - len / 2), (ssize_t)(len - len / 2));
    ck_assert_int_eq(close(fd), 0);
    wait_done(&a, 2);
    EVP_Digest(mp4, len / 2, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(half + 2 * i, "%02x", md[i]);
    EVP_Digest(mp4, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(whole + 2 * i, "%02x", md[i]);
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE sha256 = '%s'", whole);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, q), 1);
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE sha256 = '%s'", half);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, q), 0);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM items"), 2);
    free(mp4);
    api_teardown(&a);
}
END_TEST

START_TEST(custody_ingest_says_a_file_is_damaged)
{
    api_t a;
    cs_run_t c;
    size_t len;
    char path[PATH_MAX];
    memset(&a, 0, sizeof a);
    e2e_setup(&a.t);
    char *ts = recording(&a, "full.ts", "mpegts", &len);
    snprintf(path, sizeof path, "%s/cut.ts", a.t.dir);
    cs_test_write(path, ts, len - 100);
    cs_test_custody(&c, "ingest", "--home", a.t.home, "--case", CASE_A, path, NULL);
    ck_assert_msg(c.status == 0, "%s", c.err);
    ck_assert_msg(strstr(c.err, "cut.ts: stored as it came, but it is damaged: the last transport "
                                "packet is cut (88 of 188 bytes)") != NULL,
                  "%s", c.err);
    cs_test_run_free(&c);
    free(ts);
    e2e_teardown(&a.t);
}
END_TEST

START_TEST(a_copy_that_stalls_while_open_stays_one_item)
{
    api_t a;
    size_t len;
    char dir[PATH_MAX], path[PATH_MAX], half[65], whole[65], q[256];
    unsigned char md[32];
    unsigned int mdlen = 0;
    api_setup_with(&a, sets);
    char *mp4 = recording(&a, "full.mp4", "mp4", &len);
    snprintf(dir, sizeof dir, "%s/uploads/" CASE_A, a.t.home);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/VID_0002.mp4", dir);
    /* The copier writes half, then stalls far longer than the settle time, the file open. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, mp4, len / 2), (ssize_t)(len / 2));
    ck_assert_msg(logged(&a, "\"job.unsettled\"", "still open for writing"),
                  "the service never looked at the stalled copy");
    /* It resumes, finishes and closes: one item, the whole recording. */
    ck_assert_int_eq(write(fd, mp4 + len / 2, len - len / 2), (ssize_t)(len - len / 2));
    ck_assert_int_eq(close(fd), 0);
    wait_done(&a, 2);
    EVP_Digest(mp4, len / 2, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(half + 2 * i, "%02x", md[i]);
    EVP_Digest(mp4, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(whole + 2 * i, "%02x", md[i]);
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE sha256 = '%s'", whole);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, q), 1);
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE sha256 = '%s'", half);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, q), 0);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM items"), 2);
    free(mp4);
    api_teardown(&a);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("damaged");
    TCase *tc = tcase_create("damaged");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, cut_recordings_are_flagged_damaged_everywhere_a_clerk_looks);
    tcase_add_test(tc, a_stalled_copy_is_linked_to_its_fragment);
    tcase_add_test(tc, a_copy_that_stalls_while_open_stays_one_item);
    tcase_add_test(tc, custody_ingest_says_a_file_is_damaged);
    tcase_add_test(tc, a_copy_that_stalls_open_without_a_lease_stays_one_item);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
