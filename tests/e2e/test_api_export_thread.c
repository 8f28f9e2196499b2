/* tests/e2e/test_api_export_thread.c: an export runs on a thread of its own (CS_API_THREAD),
 * never on the pool that answers every other request: with more exports stuck than the pool
 * has threads (each reading an original that never comes: a FIFO in its place), a record is
 * still answered; exports beyond CS_API_THREADS are answered 503 at once. */
#include "tests/e2e/e2e_api.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPORTS 4 /* as many as the pool's threads (libuv's default, CS_API_READERS) */

typedef struct exporter {
    api_t *a;
    resp_t r;
    atomic_int done;
} exporter_t;

static void *
export_case(void *arg)
{
    exporter_t *x = arg;
    http(x->a, &x->r, "POST", "/v1/cases/" CASE_A_PCT "/exports", x->a->alice, PURPOSE, NULL, "{}");
    atomic_store(&x->done, 1);
    return NULL;
}

/* Threads of the service waiting for a FIFO's writer. */
static int
stuck(pid_t pid)
{
    char dir[64], path[320], wchan[64];
    struct dirent *e;
    int n = 0;
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s/wchan", dir, e->d_name);
        FILE *f = fopen(path, "r");
        size_t len = f ? fread(wchan, 1, sizeof wchan - 1, f) : 0;
        if (f != NULL)
            fclose(f);
        wchan[len] = '\0';
        n += strcmp(wchan, "wait_for_partner") == 0;
    }
    if (d != NULL)
        closedir(d);
    return n;
}

START_TEST(a_record_is_answered_while_exports_are_stuck)
{
    api_t a;
    exporter_t x[EXPORTS];
    pthread_t th[EXPORTS];
    char object[PATH_MAX], item[256];
    resp_t r;
    int answered = 0, busy = 0;
    api_setup(&a);
    /* The original replaced by a FIFO: an export opening it waits for a writer. */
    snprintf(object, sizeof object, "%s/store/objects/sha256/%.2s/%.2s/%s", a.t.home, a.sha,
             a.sha + 2, a.sha);
    ck_assert_int_eq(chmod(object, 0600), 0);
    ck_assert_int_eq(unlink(object), 0);
    ck_assert_int_eq(mkfifo(object, 0600), 0);
    for (int i = 0; i < EXPORTS; i++) {
        x[i] = (exporter_t){.a = &a};
        ck_assert_int_eq(pthread_create(&th[i], NULL, export_case, &x[i]), 0);
    }
    /* Every export either stuck at the original or already refused for want of a thread. */
    for (int i = 0; i < 3000; i++) {
        busy = 0;
        for (int k = 0; k < EXPORTS; k++)
            busy += atomic_load(&x[k].done);
        if (stuck(a.pid) + busy >= EXPORTS)
            break;
        usleep(10000);
    }
    ck_assert_int_eq(stuck(a.pid) + busy, EXPORTS);
    ck_assert_int_ge(stuck(a.pid), 1);
    /* Meanwhile, a record is read. */
    path_of(&a, item, sizeof item, "");
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %.300s", r.status, r.body);
    answered = 1;
    resp_free(&r);
    /* Let every stuck export go (an empty original: it fails its hash), then its answer. */
    for (int i = 0; i < 3000; i++) {
        int left = 0;
        for (int k = 0; k < EXPORTS; k++)
            left += !atomic_load(&x[k].done);
        if (left == 0)
            break;
        int fd = open(object, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0)
            close(fd);
        usleep(10000);
    }
    for (int i = 0; i < EXPORTS; i++) {
        pthread_join(th[i], NULL);
        /* Refused for want of a thread (503), or failed on the empty original: never served. */
        ck_assert_msg(x[i].r.status == 503 || x[i].r.status >= 400, "export %d: %d", i,
                      x[i].r.status);
        resp_free(&x[i].r);
    }
    ck_assert(answered);
    api_teardown(&a);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("api_export_thread");
    TCase *tc = tcase_create("api_export_thread");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_record_is_answered_while_exports_are_stuck);
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
