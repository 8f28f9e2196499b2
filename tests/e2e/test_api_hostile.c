/* tests/e2e/test_api_hostile.c: what an uploader or a client can send that once broke the
 * service for everybody: a file whose name is not UTF-8 (every list that showed it answered
 * 500), and a body over api.max_body (the connection was reset without an answer, or a
 * text/plain one). */
#include "tests/e2e/e2e_api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define ODD "\xff\xfe.jpg"         /* the name on disk: two bytes that are not UTF-8 */
#define ODD_SHOWN "\\xff\\xfe.jpg" /* how every answer shows it */
#define ODD_EMPTY "\xfe empty.mp4" /* rejected: it is empty */
#define ODD_EMPTY_SHOWN "\\xfe empty.mp4"

static const char *const fast_ingest[] = {"ingest.settle_ms=200", "ingest.rescan_ms=300", NULL};

/* Writes `len` bytes to uploads/<CASE_A>/<name> through a temporary name. */
static void
drop(api_t *a, const char *name, const char *data, size_t len)
{
    char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/uploads/%s", a->t.home, CASE_A);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.part", path);
    cs_test_write(tmp, data, len);
    ck_assert_int_eq(rename(tmp, path), 0);
}

/* The first member of array `arr` whose `key` is the string `want`, NULL when none. */
static json_t *
find(json_t *arr, const char *key, const char *want)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(json_object_get(v, key));
        if (s != NULL && strcmp(s, want) == 0)
            return v;
    }
    return NULL;
}

START_TEST(a_file_name_that_is_not_utf8_is_listed_escaped_not_refused)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    char target[256], want[256];
    api_setup_with(&a, fast_ingest);
    drop(&a, ODD, "\xff\xd8\xff an odd name", 16);
    drop(&a, ODD_EMPTY, "", 0);
    ck_assert_int_eq(cs_test_wait_count(a.t.db,
                                        "SELECT count(*) FROM jobs WHERE state IN ('done',"
                                        " 'rejected') AND rel_path GLOB '*.[jm][pp][g4]'",
                                        2, 20000),
                     2);

    /* The case's items, for the reviewer granted on it. */
    snprintf(target, sizeof target, "/v1/cases/%s/items", CASE_A_PCT);
    http(&a, &r, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "status %d: %.300s", r.status, r.body);
    json_t *v = body_json(&r);
    ck_assert_ptr_nonnull(find(json_object_get(v, "items"), "original_name", ODD_SHOWN));
    json_decref(v);
    resp_free(&r);

    /* The clerk's queue: the job and the rejection. */
    http(&a, &r, "GET", "/v1/jobs", a.dave, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "status %d: %.300s", r.status, r.body);
    v = body_json(&r);
    snprintf(want, sizeof want, "%s/%s", CASE_A, ODD_SHOWN);
    ck_assert_ptr_nonnull(find(json_object_get(v, "jobs"), "path", want));
    snprintf(want, sizeof want, "%s/%s", CASE_A, ODD_EMPTY_SHOWN);
    ck_assert_ptr_nonnull(find(json_object_get(v, "rejected"), "path", want));
    json_decref(v);
    resp_free(&r);

    /* `custody status` names the rejection the same way. */
    cs_test_custody(&run, "status", "--home", a.t.home, "--json", NULL);
    run_ok(&run);
    v = e2e_json(&run);
    ck_assert_ptr_nonnull(find(json_object_get(v, "recent_rejections"), "path", want));
    json_decref(v);
    cs_test_run_free(&run);

    /* The receipt and the log lines carry it escaped, as JSON (no line lost its path). */
    char receipt[PATH_MAX];
    snprintf(receipt, sizeof receipt, "%s/receipts/%s/%s.receipt.json", a.t.home, CASE_A, ODD);
    json_t *rc = json_load_file(receipt, 0, NULL);
    ck_assert_msg(rc != NULL, "no receipt %s", receipt);
    const char *source = json_string_value(json_object_get(rc, "source"));
    ck_assert_ptr_nonnull(source);
    ck_assert_msg(strlen(source) > strlen(ODD_SHOWN) &&
                      strcmp(source + strlen(source) - strlen(ODD_SHOWN), ODD_SHOWN) == 0,
                  "source %s", source);
    json_decref(rc);
    char *log = cs_test_read(a.log, NULL);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(strstr(log, "\\\\xff\\\\xfe.jpg\"") != NULL, "no escaped path in the log:\n%s",
                  log);
    ck_assert_ptr_null(strstr(log, ODD));
    free(log);
    api_teardown(&a);
}
END_TEST

/* Sends `head` then `len` bytes of body (in `chunk`-byte pieces, as HTTP/1.1 chunks when
 * `chunked`) and reads the answer; the server may answer before the body is all sent. */
static void
post_big(api_t *a, resp_t *r, size_t len, int chunked)
{
    char head[1024], piece[4096 + 16];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    int n = snprintf(head, sizeof head,
                     "POST /v1/media-urls HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n",
                     a->alice);
    if (chunked)
        n += snprintf(head + n, sizeof head - (size_t)n, "Transfer-Encoding: chunked\r\n\r\n");
    else
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n\r\n", len);
    ck_assert_int_eq(write(fd, head, (size_t)n), n);
    /* The server may stop reading once it has answered: a failed write ends the sending. */
    signal(SIGPIPE, SIG_IGN);
    for (size_t sent = 0; sent < len;) {
        size_t k = len - sent < 4096 ? len - sent : 4096;
        int m = 0;
        if (chunked)
            m = snprintf(piece, sizeof piece, "%zx\r\n", k);
        memset(piece + m, '[', k);
        m += (int)k;
        if (chunked)
            m += snprintf(piece + m, sizeof piece - (size_t)m, "\r\n");
        if (write(fd, piece, (size_t)m) != m)
            break;
        sent += k;
    }
    if (chunked)
        (void)!write(fd, "0\r\n\r\n", 5);
    size_t cap = 1 << 16, got = 0;
    char *buf = malloc(cap);
    ssize_t k;
    while ((k = read(fd, buf + got, cap - got - 1)) > 0)
        got += (size_t)k;
    close(fd);
    buf[got] = '\0';
    memset(r, 0, sizeof *r);
    r->raw = buf;
    ck_assert_msg(sscanf(buf, "HTTP/1.1 %d", &r->status) == 1, "no answer (%zd): %.200s", k, buf);
    char *end = strstr(buf, "\r\n\r\n");
    ck_assert_ptr_nonnull(end);
    r->body = end + 4;
    r->body_len = got - (size_t)(r->body - buf);
}

START_TEST(a_body_over_max_body_is_answered_413_as_a_problem)
{
    static const char *const small_body[] = {"api.max_body=2048", NULL};
    static const size_t sizes[] = {2049, 64 * 1024, 4 * 1024 * 1024};
    api_t a;
    resp_t r;
    api_setup_with(&a, small_body);
    for (int chunked = 0; chunked <= 1; chunked++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            post_big(&a, &r, sizes[i], chunked);
            ck_assert_msg(r.status == 413, "%zu bytes%s: %d", sizes[i], chunked ? " chunked" : "",
                          r.status);
            assert_problem(&r, 413, "too-large");
            resp_free(&r);
            /* The service still answers. */
            http(&a, &r, "GET", "/v1/me", a.alice, NULL, NULL, NULL);
            ck_assert_int_eq(r.status, 200);
            resp_free(&r);
        }
    }
    /* Framing h2o cannot read is refused in the same shape. */
    static const char *const bogus[] = {"Transfer-Encoding: bogus", NULL};
    http_h(&a, &r, "POST", "/v1/media-urls", a.alice, NULL, NULL, NULL, bogus);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    /* A body within the limit is read as before: a 400 for what it says, not a 413. */
    http(&a, &r, "POST", "/v1/media-urls", a.alice, NULL, NULL, "[");
    ck_assert_int_ne(r.status, 413);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("api_hostile");
    TCase *tc = tcase_create("api_hostile");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_file_name_that_is_not_utf8_is_listed_escaped_not_refused);
    tcase_add_test(tc, a_body_over_max_body_is_answered_413_as_a_problem);
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
    return failed == 0 ? 0 : 1;
}
