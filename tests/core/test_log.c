/* tests/core/test_log.c: the log is one JSON object a line, whatever its values hold, and
 * carries its priority on systemd's journal stream. */
#include "core/log.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Logs one line through a pipe and returns what came out of it (malloc'd). */
static char *
log_through_pipe(cs_log_level_t level, const char *event, json_t *fields, int journal)
{
    int fds[2];
    char js[64], *out = calloc(1, 4096);
    struct stat st;
    ck_assert_int_eq(pipe(fds), 0);
    unsetenv("JOURNAL_STREAM");
    if (journal) {
        ck_assert_int_eq(fstat(fds[1], &st), 0);
        snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
        setenv("JOURNAL_STREAM", js, 1);
    }
    cs_log_setup(CS_LOG_DEBUG, fds[1]);
    cs_log(level, event, fields);
    close(fds[1]);
    ck_assert_int_gt(read(fds[0], out, 4095), 0);
    close(fds[0]);
    unsetenv("JOURNAL_STREAM");
    return out;
}

START_TEST(a_value_with_newlines_stays_on_one_line)
{
    char *out = log_through_pipe(
        CS_LOG_WARN, "job.rejected",
        json_pack("{s:s, s:s}", "path", "uploads/a\nb\r\"c\".mp4", "reason", "line one\nline two"),
        0);
    size_t n = strlen(out);
    ck_assert_uint_gt(n, 2);
    ck_assert_int_eq(out[0], '{');
    ck_assert_int_eq(out[n - 1], '\n');
    ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
    ck_assert_ptr_null(strchr(out, '\r'));
    json_t *o = json_loads(out, 0, NULL);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_string_value(json_object_get(o, "path")), "uploads/a\nb\r\"c\".mp4");
    ck_assert_str_eq(json_string_value(json_object_get(o, "level")), "warn");
    json_decref(o);
    free(out);
}
END_TEST

static const struct {
    cs_log_level_t level;
    const char *prefix;
} priorities[] = {
    {CS_LOG_DEBUG, "<7>{"},
    {CS_LOG_INFO, "<6>{"},
    {CS_LOG_WARN, "<4>{"},
    {CS_LOG_ERROR, "<3>{"},
};

START_TEST(on_the_journal_stream_each_line_starts_with_its_priority)
{
    char *out = log_through_pipe(priorities[_i].level, "service.started", NULL, 1);
    ck_assert_msg(strncmp(out, priorities[_i].prefix, 4) == 0, "%s", out);
    json_t *o = json_loads(out + 3, JSON_DISABLE_EOF_CHECK, NULL);
    ck_assert_ptr_nonnull(o);
    json_decref(o);
    free(out);
    /* Any other stream: plain JSON. */
    out = log_through_pipe(priorities[_i].level, "service.started", NULL, 0);
    ck_assert_int_eq(out[0], '{');
    free(out);
}
END_TEST

static Suite *
log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, a_value_with_newlines_stays_on_one_line);
    tcase_add_loop_test(tc, on_the_journal_stream_each_line_starts_with_its_priority, 0,
                        sizeof priorities / sizeof priorities[0]);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(log_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
