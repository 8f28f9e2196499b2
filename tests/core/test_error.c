/* tests/core/test_error.c: the one-line detail (cs_diag) is the calling thread's own: two
 * calls interleaved on two threads, as the API's pool and the ingest service's threads make
 * them, each read back the detail of their own failure, never the other's. This is why the
 * detail lives in a thread-local rather than on each handle (issue 17, item 7). */
#include "core/error.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct turn {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int step; /* whose move: the threads take turns 0, 1, 2, 3 */
} turn_t;

typedef struct side {
    turn_t *t;
    int id;
    char seen[256];
} side_t;

static void
wait_for(turn_t *t, int step)
{
    pthread_mutex_lock(&t->lock);
    while (t->step != step)
        pthread_cond_wait(&t->cond, &t->lock);
    pthread_mutex_unlock(&t->lock);
}

static void
next(turn_t *t)
{
    pthread_mutex_lock(&t->lock);
    t->step++;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

/* Thread 0 fails first, thread 1 fails second (after 0 set its detail and before 0 reads it),
 * then 0 reads, then 1 clears and 0 reads again. */
static void *
run(void *arg)
{
    side_t *s = arg;
    if (s->id == 0) {
        wait_for(s->t, 0);
        cs_diag_set("catalog %s is busy", "A");
        next(s->t);
        wait_for(s->t, 2);
        snprintf(s->seen, sizeof s->seen, "%s", cs_diag());
        next(s->t);
        wait_for(s->t, 4);
        if (strcmp(cs_diag(), "catalog A is busy") != 0)
            snprintf(s->seen, sizeof s->seen, "lost after the other cleared: %s", cs_diag());
    } else {
        wait_for(s->t, 1);
        cs_diag_set("file %s is not a picture", "B");
        next(s->t);
        wait_for(s->t, 3);
        snprintf(s->seen, sizeof s->seen, "%s", cs_diag());
        cs_diag_clear();
        next(s->t);
    }
    return NULL;
}

START_TEST(each_thread_reads_its_own_detail)
{
    turn_t t = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    side_t a = {&t, 0, ""}, b = {&t, 1, ""};
    pthread_t ta, tb;
    ck_assert_int_eq(pthread_create(&ta, NULL, run, &a), 0);
    ck_assert_int_eq(pthread_create(&tb, NULL, run, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ck_assert_str_eq(a.seen, "catalog A is busy");
    ck_assert_str_eq(b.seen, "file B is not a picture");
    /* And this thread, which set nothing, has no detail of theirs. */
    ck_assert_str_eq(cs_diag(), "");
}
END_TEST

START_TEST(a_detail_that_does_not_fit_is_cut_and_ended)
{
    char big[2048];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cs_diag_set("%s", big);
    ck_assert_uint_gt(strlen(cs_diag()), 0);
    ck_assert_uint_lt(strlen(cs_diag()), sizeof big - 1);
    cs_diag_clear();
    ck_assert_str_eq(cs_diag(), "");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("diag");
    tcase_add_test(tc, each_thread_reads_its_own_detail);
    tcase_add_test(tc, a_detail_that_does_not_fit_is_cut_and_ended);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
