/* tests/ingest/test_pipeline.c: the job state machine's transitions (ingest/pipeline.h). */
#include "core/error.h"
#include "ingest/pipeline.h"

#include <check.h>
#include <stdio.h>

/* Every running step's successor on success, by the job's state and PLAN's answer. */
static const struct {
    cs_pipe_step_t step;
    cs_job_state_t state;
    int derive;
    cs_pipe_step_t next;
} ok_rows[] = {
    {CS_PIPE_STORE, CS_JOB_STORED, 0, CS_PIPE_EXTRACT},
    {CS_PIPE_STORE, CS_JOB_EXTRACTED, 0, CS_PIPE_PLAN}, /* an earlier run got further */
    {CS_PIPE_STORE, CS_JOB_TRANSCODED, 0, CS_PIPE_PLAN},
    {CS_PIPE_STORE, CS_JOB_INDEXED, 0, CS_PIPE_PLAN},
    {CS_PIPE_STORE, CS_JOB_CLAIMED, 0, CS_PIPE_STALLED}, /* not a state to go on from */
    {CS_PIPE_RECOVER, CS_JOB_STORED, 0, CS_PIPE_EXTRACT},
    {CS_PIPE_RECOVER, CS_JOB_EXTRACTED, 0, CS_PIPE_PLAN},
    {CS_PIPE_RECOVER, CS_JOB_INDEXED, 0, CS_PIPE_PLAN},
    {CS_PIPE_RECOVER, CS_JOB_DISCOVERED, 0, CS_PIPE_STALLED},
    {CS_PIPE_EXTRACT, CS_JOB_STORED, 0, CS_PIPE_PLAN},
    {CS_PIPE_EXTRACT, CS_JOB_STORED, 1, CS_PIPE_PLAN},
    {CS_PIPE_PLAN, CS_JOB_STORED, 0, CS_PIPE_FINISH},       /* no copies: one commit to done */
    {CS_PIPE_PLAN, CS_JOB_STORED, 1, CS_PIPE_RECORD},       /* metadata first, then copies */
    {CS_PIPE_PLAN, CS_JOB_EXTRACTED, 1, CS_PIPE_TRANSCODE}, /* recorded by an earlier run */
    {CS_PIPE_PLAN, CS_JOB_EXTRACTED, 0, CS_PIPE_FINISH},
    {CS_PIPE_PLAN, CS_JOB_TRANSCODED, 1, CS_PIPE_FINISH}, /* past the copies */
    {CS_PIPE_PLAN, CS_JOB_INDEXED, 0, CS_PIPE_FINISH},
    {CS_PIPE_RECORD, CS_JOB_EXTRACTED, 1, CS_PIPE_TRANSCODE},
    {CS_PIPE_TRANSCODE, CS_JOB_EXTRACTED, 1, CS_PIPE_DSTORE},
    {CS_PIPE_DSTORE, CS_JOB_EXTRACTED, 1, CS_PIPE_FINISH},
    {CS_PIPE_FINISH, CS_JOB_DONE, 1, CS_PIPE_DONE},
    {CS_PIPE_FINISH, CS_JOB_DONE, 0, CS_PIPE_DONE},
};

START_TEST(each_step_leads_to_its_successor)
{
    for (size_t i = 0; i < sizeof ok_rows / sizeof ok_rows[0]; i++) {
        cs_pipe_step_t got =
            cs_pipeline_next(ok_rows[i].step, CS_PIPE_OK, ok_rows[i].state, ok_rows[i].derive);
        ck_assert_msg(got == ok_rows[i].next, "row %zu: %s at %s (derive %d) -> %s, want %s", i,
                      cs_pipeline_step_name(ok_rows[i].step), cs_job_state_name(ok_rows[i].state),
                      ok_rows[i].derive, cs_pipeline_step_name(got),
                      cs_pipeline_step_name(ok_rows[i].next));
    }
}
END_TEST

/* What each failure means, the same at every running step. */
static const struct {
    cs_pipe_outcome_t outcome;
    cs_pipe_step_t end;
} fail_rows[] = {
    {CS_PIPE_ENV, CS_PIPE_STALLED},        {CS_PIPE_REJECT, CS_PIPE_REJECTED},
    {CS_PIPE_UNSETTLE, CS_PIPE_UNSETTLED}, {CS_PIPE_IS_STORED, CS_PIPE_ALREADY},
    {CS_PIPE_STOP, CS_PIPE_STOPPED},
};

START_TEST(every_failure_ends_the_job_the_same_way_at_every_step)
{
    for (cs_pipe_step_t s = CS_PIPE_STORE; s < CS_PIPE_FIRST_END; s++) {
        ck_assert(!cs_pipeline_is_end(s));
        for (size_t i = 0; i < sizeof fail_rows / sizeof fail_rows[0]; i++)
            for (cs_job_state_t st = CS_JOB_DISCOVERED; st <= CS_JOB_REJECTED; st++) {
                cs_pipe_step_t got = cs_pipeline_next(s, fail_rows[i].outcome, st, 1);
                ck_assert_msg(got == fail_rows[i].end, "%s: outcome %d -> %s",
                              cs_pipeline_step_name(s), (int)fail_rows[i].outcome,
                              cs_pipeline_step_name(got));
                ck_assert(cs_pipeline_is_end(got));
            }
    }
}
END_TEST

START_TEST(an_end_stays_an_end)
{
    for (cs_pipe_step_t s = CS_PIPE_FIRST_END; s <= CS_PIPE_STOPPED; s++) {
        ck_assert(cs_pipeline_is_end(s));
        ck_assert_int_eq(cs_pipeline_next(s, CS_PIPE_OK, CS_JOB_STORED, 1), s);
    }
}
END_TEST

/* The state each step commits when it succeeds (as jobstep.c's steps do). */
static cs_job_state_t
committed(cs_pipe_step_t step, cs_job_state_t state)
{
    switch (step) {
    case CS_PIPE_STORE:
        return state < CS_JOB_STORED ? CS_JOB_STORED : state;
    case CS_PIPE_RECORD:
        return CS_JOB_EXTRACTED;
    case CS_PIPE_FINISH:
        return CS_JOB_DONE;
    default:
        return state;
    }
}

/* Walks a new file through the machine with every step succeeding: the order of the steps. */
static void
walk(cs_job_state_t from, int derive, const char *want)
{
    char got[256] = "";
    size_t n = 0;
    cs_job_state_t state = from;
    cs_pipe_step_t s = CS_PIPE_STORE;
    for (int guard = 0; guard < 20; guard++) {
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%s", n ? " " : "",
                              cs_pipeline_step_name(s));
        ck_assert_uint_lt(n, sizeof got);
        if (cs_pipeline_is_end(s))
            break;
        state = committed(s, state);
        s = cs_pipeline_next(s, CS_PIPE_OK, state, derive);
    }
    ck_assert_str_eq(got, want);
}

START_TEST(a_file_goes_through_the_steps_in_order)
{
    walk(CS_JOB_DISCOVERED, 1, "store extract plan record transcode dstore finish done");
    walk(CS_JOB_DISCOVERED, 0, "store extract plan finish done");
    /* Resumed: what an earlier run committed is not done again. */
    walk(CS_JOB_EXTRACTED, 1, "store plan transcode dstore finish done");
    walk(CS_JOB_INDEXED, 1, "store plan finish done");
}
END_TEST

static const struct {
    int err;
    cs_step_t step;
    cs_pipe_outcome_t want;
} store_rows[] = {
    {0, CS_STEP_NEXT, CS_PIPE_OK},
    {0, CS_STEP_REJECTED, CS_PIPE_REJECT},
    {0, CS_STEP_UNSETTLED, CS_PIPE_UNSETTLE},
    {0, CS_STEP_ALREADY, CS_PIPE_IS_STORED},
    {CS_ENOSPC, CS_STEP_NEXT, CS_PIPE_ENV}, /* an error wins over what out says */
    {CS_EDB, CS_STEP_REJECTED, CS_PIPE_ENV},
};

START_TEST(a_store_step_result_maps_to_its_outcome)
{
    for (size_t i = 0; i < sizeof store_rows / sizeof store_rows[0]; i++) {
        cs_step_out_t out = {.step = store_rows[i].step};
        ck_assert_int_eq(cs_pipeline_store_outcome(store_rows[i].err, &out), store_rows[i].want);
    }
}
END_TEST

static Suite *
pipeline_suite(void)
{
    Suite *s = suite_create("pipeline");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, each_step_leads_to_its_successor);
    tcase_add_test(tc, every_failure_ends_the_job_the_same_way_at_every_step);
    tcase_add_test(tc, an_end_stays_an_end);
    tcase_add_test(tc, a_file_goes_through_the_steps_in_order);
    tcase_add_test(tc, a_store_step_result_maps_to_its_outcome);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(pipeline_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
