/* tests/e2e/test_api.c: the HTTP API of `custody serve`, spoken to over a real socket:
 * tokens, purposes and grants deciding every read, each decision in the ledger (with the
 * byte range), downloads byte-exact with Range, problem+json errors, /openapi.json matching
 * the route table, /metrics, HTTP/2, a clean stop and a port already in use. */
#include "tests/e2e/e2e_api.h"

#include "api/route.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

START_TEST(reads_need_a_token_a_purpose_and_a_grant_and_each_is_ledgered)
{
    api_t a;
    resp_t r;
    char item[256];
    cs_run_t run;
    api_setup(&a);
    path_of(&a, item, sizeof item, "");
    http(&a, &r, "GET", "/healthz", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    /* No token, a token nobody holds: 401, and a way to authenticate named. */
    http(&a, &r, "GET", item, NULL, PURPOSE, NULL, NULL);
    assert_problem(&r, 401, "unauthorized");
    ck_assert_ptr_nonnull(header(&r, "www-authenticate"));
    resp_free(&r);
    http(&a, &r, "GET", item, "cst_0000", PURPOSE, NULL, NULL);
    assert_problem(&r, 401, "unauthorized");
    resp_free(&r);
    /* No purpose: 400, and the refusal is in the ledger. */
    long before = entries(&a, "json_extract(entry, '$.actor') = 'alice'");
    http(&a, &r, "GET", item, a.alice, NULL, NULL, NULL);
    assert_problem(&r, 400, "no-purpose");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.actor') = 'alice' AND "
                                 "json_extract(entry, '$.result') = 'denied' AND "
                                 "json_extract(entry, '$.client') = 'http:127.0.0.1'"),
                     before + 1);
    http(&a, &r, "GET", item, a.alice, "%ZZ", NULL, NULL);
    assert_problem(&r, 400, "no-purpose");
    resp_free(&r);
    /* No grant: 403 with the reason. */
    http(&a, &r, "GET", item, a.bob, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    ck_assert_ptr_nonnull(strstr(r.body, "no live grant"));
    /* The gate's refusal by its code, and for people in Chinese. */
    ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"no-grant\""));
    ck_assert_ptr_nonnull(strstr(r.body, "\"detail_zh\":\"您没有覆盖此记录的有效授权"));
    resp_free(&r);
    /* Granted, with a purpose: the record of `custody show --json`. */
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(header(&r, "content-type"), "application/json");
    json_t *rec = body_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "sha256")), a.sha);
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "size")), SIZE);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(rec, "cases"), 0)), CASE_A);
    ck_assert(json_object_get(rec, "metadata") != NULL);
    ck_assert(json_is_array(json_object_get(rec, "derivatives")));
    ck_assert(json_is_array(json_object_get(rec, "events")));
    json_decref(rec);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.actor') = 'alice' AND "
                                 "json_extract(entry, '$.action') = 'view' AND "
                                 "json_extract(entry, '$.result') = 'allowed' AND "
                                 "json_extract(entry, '$.purpose') = '复核'"),
                     1);
    /* An auditor reads records, never media; a reviewer never the ledger. */
    http(&a, &r, "GET", item, a.carol, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    path_of(&a, item, sizeof item, "/original");
    http(&a, &r, "GET", item, a.carol, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    ck_assert_ptr_nonnull(strstr(r.body, "never media bytes"));
    resp_free(&r);
    http(&a, &r, "GET", "/v1/ledger?limit=5", a.alice, NULL, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http(&a, &r, "GET", "/v1/ledger?since=1&limit=3", a.carol, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *led = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(led, "entries")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_array_get(json_object_get(led, "entries"), 0), "seq")),
                     1);
    ck_assert_int_eq(json_integer_value(json_object_get(led, "next")), 4);
    json_decref(led);
    resp_free(&r);
    /* Lists and search show only what the user may read, after a ledgered read. */
    http(&a, &r, "GET", "/v1/cases", a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *answer = body_json(&r), *cases = json_object_get(answer, "cases");
    ck_assert_int_eq(json_array_size(cases), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cases, 0), "case")), CASE_A);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(cases, 0), "items")), 1);
    ck_assert(json_is_null(json_object_get(answer, "next_cursor")));
    json_decref(answer);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/cases", a.bob, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "{\"cases\":[],\"next_cursor\":null}");
    resp_free(&r);
    http(&a, &r, "GET", "/v1/cases", a.bob, NULL, NULL, NULL);
    assert_problem(&r, 400, "no-purpose");
    resp_free(&r);
    http(&a, &r, "GET", "/v1/cases/" CASE_A_PCT "/items", a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *page = body_json(&r), *items = json_object_get(page, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "sha256")), a.sha);
    ck_assert(json_is_null(json_object_get(page, "next_cursor"))); /* the whole list */
    json_decref(page);
    resp_free(&r);
    /* A case whose items none of the user's grants cover: refused, and ledgered as denied. */
    http(&a, &r, "GET", "/v1/cases/" CASE_A_PCT "/items", a.bob, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'list' AND "
                                 "json_extract(entry, '$.actor') = 'bob' AND "
                                 "json_extract(entry, '$.case') = '" CASE_A "' AND "
                                 "json_extract(entry, '$.result') = 'denied'"),
                     1);
    http(&a, &r, "GET", "/v1/cases/%E4%BB%BB/items", a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 400, "bad-request"); /* not a case number by the rule */
    resp_free(&r);
    http(&a, &r, "GET", "/v1/search?case=" CASE_A_PCT "&limit=10", a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *found = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(found, "items")), 1);
    json_decref(found);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/search?case=" CASE_A_PCT, a.bob, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    found = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(found, "items")), 0);
    json_decref(found);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/search?limit=0", a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'search' AND "
                                 "json_extract(entry, '$.case') = '" CASE_A "'"),
                     2);
    /* Relinking: clerks and admins only, with a reason; then the grant no longer covers it. */
    path_of(&a, item, sizeof item, "/links");
    const char *move = "{\"case\":\"任水罚[2023]13号\",\"reason\":\"filed under the wrong case\"}";
    http(&a, &r, "POST", item, a.alice, NULL, NULL, move);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http(&a, &r, "POST", item, a.root, NULL, NULL, "{\"case\":1}");
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    /* An admin relinks only what they may read where it is (issue 16 case 3): without a
     * grant on its case, refused and ledgered; the item stays. */
    http(&a, &r, "POST", item, a.root, NULL, NULL, move);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'relink' AND "
                                 "json_extract(entry, '$.actor') = 'root' AND "
                                 "json_extract(entry, '$.result') = 'denied'"),
                     1);
    cs_test_custody(&run, "grant", "root", "--any-purpose", "--home", a.t.home, "--case", CASE_A,
                    "--purpose", "case review", NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    http(&a, &r, "POST", item, a.root, NULL, NULL, move);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'relink' AND "
                                 "json_extract(entry, '$.actor') = 'root' AND "
                                 "json_extract(entry, '$.result') = 'allowed' AND "
                                 "json_extract(entry, '$.purpose') = 'filed under the wrong case'"),
                     1);
    /* Now in a case root holds no grant on: root may not move it again. */
    http(&a, &r, "POST", item, a.root, NULL, NULL, move);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'relinked' AND "
                                 "json_extract(entry, '$.case') = '" CASE_B "'"),
                     1);
    path_of(&a, item, sizeof item, "");
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(downloads_are_byte_exact_with_ranges_and_one_entry_each)
{
    api_t a;
    resp_t r;
    char item[256], etag[80], want[32];
    api_setup(&a);
    path_of(&a, item, sizeof item, "/original");
    snprintf(etag, sizeof etag, "\"%s\"", a.sha);
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(r.body_len, SIZE);
    ck_assert(memcmp(r.body, a.data, SIZE) == 0);
    ck_assert_str_eq(header(&r, "etag"), etag);
    snprintf(want, sizeof want, "%d", SIZE);
    ck_assert_str_eq(header(&r, "content-length"), want);
    ck_assert_str_eq(header(&r, "accept-ranges"), "bytes");
    ck_assert_ptr_null(header(&r, "content-range"));
    resp_free(&r);
    static const struct {
        const char *range;
        long first, last;
    } cases[] = {
        {"bytes=100-199", 100, 199},
        {"bytes=-10", SIZE - 10, SIZE - 1},
        {"bytes=299990-", SIZE - 10, SIZE - 1},
        {"bytes=0-999999", 0, SIZE - 1},
        {"bytes=262100-262200", 262100, 262200}, /* across the first chunk's end */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cr[96], q[512];
        long n = cases[i].last - cases[i].first + 1;
        http(&a, &r, "GET", item, a.alice, PURPOSE, cases[i].range, NULL);
        ck_assert_msg(r.status == 206, "%s: %d %s", cases[i].range, r.status, r.body);
        ck_assert_int_eq(r.body_len, n);
        ck_assert(memcmp(r.body, a.data + cases[i].first, (size_t)n) == 0);
        snprintf(cr, sizeof cr, "bytes %ld-%ld/%d", cases[i].first, cases[i].last, SIZE);
        ck_assert_str_eq(header(&r, "content-range"), cr);
        ck_assert_str_eq(header(&r, "etag"), etag);
        resp_free(&r);
        snprintf(q, sizeof q,
                 "json_extract(entry, '$.range') = '%ld-%ld/%d' AND "
                 "json_extract(entry, '$.bytes') = %ld AND "
                 "json_extract(entry, '$.action') = 'get.original'",
                 cases[i].first, cases[i].last, SIZE, n);
        /* -10 and 299990- are the same bytes; 0-999999 is the whole object, as the first. */
        ck_assert_int_eq(entries(&a, q), i == 2 || i == 3 ? 2 : 1);
    }
    /* Unsatisfiable: 416 with the size; several ranges: the whole object. */
    http(&a, &r, "GET", item, a.alice, PURPOSE, "bytes=300000-", NULL);
    assert_problem(&r, 416, "range-not-satisfiable");
    ck_assert_str_eq(header(&r, "content-range"), "bytes */300000");
    resp_free(&r);
    http(&a, &r, "GET", item, a.alice, PURPOSE, "bytes=5-2", NULL);
    assert_problem(&r, 416, "range-not-satisfiable");
    resp_free(&r);
    http(&a, &r, "GET", item, a.alice, PURPOSE, "bytes=0-1,5-6", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.body_len, SIZE);
    resp_free(&r);
    /* One entry per request: 1 + 5 ranges + 2 refused ranges + 1 multi-range, all allowed. */
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'get.original' AND "
                                 "json_extract(entry, '$.actor') = 'alice' AND "
                                 "json_extract(entry, '$.client') = 'http:127.0.0.1'"),
                     9);
    /* A reviewer without a grant gets nothing, and the denial is on record. */
    http(&a, &r, "GET", item, a.bob, PURPOSE, "bytes=0-9", NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'get.original' AND "
                                 "json_extract(entry, '$.actor') = 'bob' AND "
                                 "json_extract(entry, '$.result') = 'denied' AND "
                                 "json_extract(entry, '$.bytes') = 0"),
                     1);
    path_of(&a, item, sizeof item, "/derivatives/access");
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 404, "not-found"); /* not a recording: no copies */
    resp_free(&r);
    path_of(&a, item, sizeof item, "/derivatives/..%2F..%2Fetc");
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 404, "not-found");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(bad_requests_get_problems_and_the_description_matches_the_routes)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    char url[256], big[4096];
    api_setup(&a);
    http(&a, &r, "GET", "/v1/nothing", NULL, NULL, NULL, NULL);
    assert_problem(&r, 404, "not-found");
    resp_free(&r);
    http(&a, &r, "DELETE", "/v1/cases", a.root, NULL, NULL, NULL);
    assert_problem(&r, 405, "method-not-allowed");
    resp_free(&r);
    http(&a, &r, "GET", "/v1/items/%ff%fe", a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "GET", "/v1/items/abc%2", a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "GET", "/v1/items/0123", a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    /* An item that is not there: 403 to whom may not read every record, as for an item not
     * granted (nothing told of what exists), 404 to an auditor; each decided and ledgered
     * (issue 16 case 11), and no server path in either answer. */
    snprintf(url, sizeof url, "/v1/items/%064d", 0);
    long denied = entries(&a, "json_extract(entry, '$.result') = 'denied'");
    http(&a, &r, "GET", url, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    ck_assert_ptr_null(strstr(r.body, a.t.home));
    resp_free(&r);
    http(&a, &r, "GET", url, a.carol, PURPOSE, NULL, NULL);
    assert_problem(&r, 404, "not-found");
    ck_assert_ptr_null(strstr(r.body, a.t.home));
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.result') = 'denied'"), denied + 2);
    http(&a, &r, "GET", "/v1/cases/%E4%BB%BB%E6%B0%B4%E7%BD%9A%5B2023%5D99%E5%8F%B7/items", a.carol,
         PURPOSE, NULL, NULL);
    assert_problem(&r, 404, "not-found");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'list' AND "
                                 "json_extract(entry, '$.result') = 'allowed' AND "
                                 "json_extract(entry, '$.case') = '任水罚〔2023〕99号'"),
                     0);
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "/v1/search?text=", 16);
    http(&a, &r, "GET", big, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 414, "uri-too-long");
    resp_free(&r);
    /* The ledger's proofs, as `custody ledger` prints them. */
    http(&a, &r, "GET", "/v1/ledger/consistency?from=2&to=6", a.bob, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *c = body_json(&r);
    ck_assert_int_gt(json_array_size(json_object_get(c, "proof")), 0);
    json_decref(c);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/ledger/proof?leaf=3&size=6", a.bob, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    c = body_json(&r);
    ck_assert_int_eq(json_string_length(json_object_get(c, "leaf_hash")), 44);
    ck_assert_int_gt(json_array_size(json_object_get(c, "path")), 0);
    json_decref(c);
    resp_free(&r);
    cs_test_custody(&run, "ledger", "proof", "--home", a.t.home, "--leaf", "3", "--size", "6",
                    "--json", NULL);
    run_ok(&run);
    json_t *cli = e2e_json(&run);
    http(&a, &r, "GET", "/v1/ledger/proof?leaf=3&size=6", a.bob, NULL, NULL, NULL);
    c = body_json(&r);
    ck_assert(json_equal(json_object_get(c, "path"), json_object_get(cli, "path")));
    json_decref(c);
    json_decref(cli);
    cs_test_run_free(&run);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/ledger/proof?leaf=99&size=6", a.bob, NULL, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "GET", "/v1/ledger/checkpoint", a.bob, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "custody/"));
    resp_free(&r);
    /* /openapi.json describes exactly the routes the router has. */
    http(&a, &r, "GET", "/openapi.json", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *doc = body_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    json_t *paths = json_object_get(doc, "paths");
    size_t n, ops = 0;
    const cs_api_route_t *routes = cs_api_routes(&n);
    for (size_t i = 0; i < n; i++) {
        char method[8];
        size_t k;
        for (k = 0; routes[i].method[k] && k < sizeof method - 1; k++)
            method[k] = (char)(routes[i].method[k] | 0x20);
        method[k] = '\0';
        ck_assert_msg(json_object_get(json_object_get(paths, routes[i].pattern), method) != NULL,
                      "%s %s is not in /openapi.json", routes[i].method, routes[i].pattern);
    }
    const char *key;
    json_t *item;
    json_object_foreach(paths, key, item) ops += json_object_size(item);
    ck_assert_msg(ops == n, "/openapi.json has %zu operations, the router %zu", ops, n);
    json_decref(doc);
    resp_free(&r);
    /* /metrics counts what was answered, by route and status. */
    http(&a, &r, "GET", "/metrics", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "custody_http_requests_total{route=\"unmatched\","
                                         "status=\"404\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "custody_http_requests_total{route=\"GET "
                                         "/v1/ledger/proof\",status=\"200\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "custody_http_request_duration_seconds_count{route="
                                         "\"GET /openapi.json\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "custody_ledger_entries "));
    /* The reads' group commits: entries in groups, and syncs that made them durable. */
    long long groups = -1, entries = -1, syncs = -1;
    const char *g = strstr(r.body, "\ncustody_ledger_groups_total ");
    const char *e = strstr(r.body, "\ncustody_ledger_group_entries_total ");
    const char *y = strstr(r.body, "\ncustody_ledger_syncs_total ");
    ck_assert(g && e && y);
    ck_assert_int_eq(sscanf(g, "\ncustody_ledger_groups_total %lld", &groups), 1);
    ck_assert_int_eq(sscanf(e, "\ncustody_ledger_group_entries_total %lld", &entries), 1);
    ck_assert_int_eq(sscanf(y, "\ncustody_ledger_syncs_total %lld", &syncs), 1);
    ck_assert(groups >= 1 && entries >= groups && syncs >= 1 && syncs <= groups);
    ck_assert_ptr_nonnull(strstr(r.body, "custody_jobs{state=\""));
    resp_free(&r);
    /* HTTP/2 (cleartext, prior knowledge) on the same port. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", a.port);
    char *const argv[] = {
        "/usr/bin/curl", "-s", "--http2-prior-knowledge", "-w", " %{http_version}", url, NULL};
    cs_test_run(&run, NULL, argv);
    ck_assert_str_eq(run.out, "{\"status\":\"ok\"} 2");
    cs_test_run_free(&run);
    api_teardown(&a);
}
END_TEST

START_TEST(a_port_in_use_fails_the_start_naming_api_listen)
{
    api_t a;
    cs_run_t r;
    char set[64];
    api_setup(&a);
    e2e_t other;
    e2e_setup(&other);
    snprintf(set, sizeof set, "api.listen=127.0.0.1:%d", a.port);
    cs_test_custody(&r, "serve", "--home", other.home, "--set", set, NULL);
    ck_assert_int_ne(r.status, 0);
    ck_assert_msg(strstr(r.err, "api.listen") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    e2e_teardown(&other);
    /* An idle keep-alive connection does not hold up the stop. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a.port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    api_teardown(&a);
    close(fd);
}
END_TEST

START_TEST(clerks_admins_disabled_users_and_state_secrets_follow_the_rules)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    char item[256], loose_path[PATH_MAX], loose[65], url[256];
    api_setup(&a);
    /* An unassigned item: a clerk reads it (and relinks it); a reviewer cannot. */
    char part[PATH_MAX + 8];
    snprintf(loose_path, sizeof loose_path, "%s/uploads/loose.txt", a.t.home);
    snprintf(part, sizeof part, "%s.part", loose_path);
    cs_test_write(part, "an unassigned note", strlen("an unassigned note"));
    ck_assert_int_eq(rename(part, loose_path), 0); /* dropped by the service's watch */
    e2e_sha256("an unassigned note", loose);
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE sha256 = '%s'", loose);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, q, 1, 20000), 1);
    snprintf(url, sizeof url, "/v1/items/%s/original", loose);
    http(&a, &r, "GET", url, a.dave, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(r.body_len, strlen("an unassigned note"));
    resp_free(&r);
    http(&a, &r, "GET", url, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    /* A clerk does not read an assigned item they did not bring in; nor does an admin
     * without a grant. */
    path_of(&a, item, sizeof item, "/original");
    http(&a, &r, "GET", item, a.dave, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http(&a, &r, "GET", item, a.root, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    snprintf(url, sizeof url, "/v1/items/%s/links", loose);
    http(&a, &r, "POST", url, a.dave, NULL, NULL,
         "{\"case\":\"" CASE_A "\",\"party\":\"某公司\",\"reason\":\"belongs here\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    /* state_secret: the record with a clearing grant, never the bytes over the network. */
    cs_test_custody(&run, "classify", a.sha, "state_secret", "--home", a.t.home, "--reason", "test",
                    NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    cs_test_custody(&run, "grant", "alice", "--any-purpose", "--home", a.t.home, "--case", CASE_A,
                    "--purpose", "secret review", "--clearance", "state_secret", NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    ck_assert_ptr_nonnull(strstr(r.body, "never served over the network"));
    resp_free(&r);
    path_of(&a, item, sizeof item, "");
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    /* A disabled user's token stops working at once. */
    cs_test_custody(&run, "user", "disable", "alice", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 401, "unauthorized");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

static Suite *
api_suite(void)
{
    Suite *s = suite_create("e2e_api");
    TCase *tc = tcase_create("api");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, reads_need_a_token_a_purpose_and_a_grant_and_each_is_ledgered);
    tcase_add_test(tc, downloads_are_byte_exact_with_ranges_and_one_entry_each);
    tcase_add_test(tc, bad_requests_get_problems_and_the_description_matches_the_routes);
    tcase_add_test(tc, clerks_admins_disabled_users_and_state_secrets_follow_the_rules);
    tcase_add_test(tc, a_port_in_use_fails_the_start_naming_api_listen);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
