/* tests/e2e/test_api_ledger_pack.c: a home whose ledger keeps its newer entries compressed
 * (indexer/ledger_pack.c) shows the auditor the same entries as before: /v1/ledger's raw
 * bytes hash to their leaves and say what was appended, its filters find compressed entries,
 * and `custody ledger verify`, `checkpoint`, `proof` and `show` read them as plain ones. */
#include "tests/e2e/e2e_api.h"

#include "indexer/ledger.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PACKED 600 /* entries appended here; the dictionary is trained after the first 300 */

START_TEST(compressed_entries_read_as_plain_ones_everywhere)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    cs_catalog_t *cat = NULL;
    int64_t first = -1, seq = -1;
    char q[256], leaf_arg[32];
    size_t i;
    json_t *e;
    api_setup(&a);
    /* Appended beside the running service, as a CLI command would. */
    ck_assert_int_eq(cs_catalog_open(&cat, a.t.db, 0, NULL), 0);
    ck_assert_int_eq(cs_catalog_ledger_size(cat, &first), 0);
    cs_catalog_ledger_dict_after(cat, first + PACKED / 2);
    for (int k = 0; k < PACKED; k++) {
        json_t *f = json_pack("{s:s, s:s, s:s, s:i, s:s, s:n}", "kind", "custody", "action",
                              "pack.test", "actor", "e2e", "k", k, "case", CASE_A, "via");
        ck_assert_int_eq(cs_catalog_ledger_append(cat, f, &seq), 0);
        json_decref(f);
    }
    cs_catalog_close(&cat);
    long size = first + PACKED;
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM ledger WHERE z IS NOT NULL"),
                     PACKED / 2 - 1); /* trained after the commit of the 301st */

    /* Raw: every entry's bytes hash to its leaf, and say what was appended. */
    snprintf(q, sizeof q, "/v1/ledger?raw=1&limit=1000&action=pack.test");
    http(&a, &r, "GET", q, a.carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *led = body_json(&r), *list = json_object_get(led, "entries");
    ck_assert_int_eq(json_array_size(list), PACKED);
    json_array_foreach(list, i, e)
    {
        const char *text = json_string_value(json_object_get(e, "entry"));
        const char *leaf = json_string_value(json_object_get(e, "leaf"));
        unsigned char md[32], want[48];
        unsigned int mdlen = 0;
        size_t n = strlen(text);
        char *prefixed = malloc(n + 1);
        prefixed[0] = '\0';
        memcpy(prefixed + 1, text, n);
        EVP_Digest(prefixed, n + 1, md, &mdlen, EVP_sha256(), NULL);
        ck_assert_int_eq(EVP_DecodeBlock(want, (const unsigned char *)leaf, 44), 33);
        ck_assert_msg(memcmp(md, want, 32) == 0, "entry %zu: leaf does not match", i);
        json_t *parsed = json_loads(text, 0, NULL);
        ck_assert_ptr_nonnull(parsed);
        ck_assert_int_eq(json_integer_value(json_object_get(parsed, "k")), (json_int_t)i);
        ck_assert_int_eq(json_integer_value(json_object_get(parsed, "seq")), first + (json_int_t)i);
        ck_assert(json_is_null(json_object_get(parsed, "via")));
        json_decref(parsed);
        free(prefixed);
    }
    json_decref(led);
    resp_free(&r);
    /* A filter on a member of compressed entries only, newest first. */
    http(&a, &r, "GET", "/v1/ledger?actor=e2e&order=desc&limit=10", a.carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    led = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(led, "entries")), 10);
    ck_assert_int_eq(json_integer_value(
                         json_object_get(json_array_get(json_object_get(led, "entries"), 0), "k")),
                     PACKED - 1);
    json_decref(led);
    resp_free(&r);
    /* The CLI beside the service: verify, sign, prove a compressed entry, show it. */
    cs_test_custody(&run, "ledger", "verify", "--home", a.t.home, NULL);
    ck_assert_msg(run.status == 0, "%s%s", run.out, run.err);
    ck_assert_ptr_nonnull(strstr(run.out, "verified"));
    cs_test_run_free(&run);
    cs_test_custody(&run, "ledger", "checkpoint", "--home", a.t.home, NULL);
    ck_assert_msg(run.status == 0, "%s%s", run.out, run.err);
    cs_test_run_free(&run);
    snprintf(leaf_arg, sizeof leaf_arg, "%lld", (long long)(size - 2));
    cs_test_custody(&run, "ledger", "proof", "--home", a.t.home, "--leaf", leaf_arg, NULL);
    ck_assert_msg(run.status == 0, "%s%s", run.out, run.err);
    cs_test_run_free(&run);
    cs_test_custody(&run, "ledger", "show", "--home", a.t.home, "--since", leaf_arg, "--json",
                    NULL);
    ck_assert_msg(run.status == 0, "%s%s", run.out, run.err);
    ck_assert_msg(strstr(run.out, "pack.test") != NULL && strstr(run.out, "598") != NULL, "%s",
                  run.out);
    cs_test_run_free(&run);
    api_teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("e2e_api_ledger_pack");
    TCase *tc = tcase_create("ledger_pack");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, compressed_entries_read_as_plain_ones_everywhere);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
