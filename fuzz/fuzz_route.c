/* fuzz/fuzz_route.c: libFuzzer target for what the API parses from a client before any
 * catalog work: the route match with its percent-decoded parameters, query parameters, search
 * cursors and Range headers. Built with clang by -DCUSTODY_FUZZ=ON (fuzz/README.md); .ci/run
 * runs it for a bounded time from the seeds in fuzz/corpus/route/:
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCUSTODY_FUZZ=ON -DCUSTODY_TESTS=OFF
 *   cmake --build build-fuzz --target fuzz_route && build-fuzz/fuzz_route -max_total_time=60
 *
 * Input: method, path, query and Range separated by newlines. */
#include "api/api_int.h"
#include "api/cursor.h"

#include "core/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The route table names the handlers; the fuzzer only matches. */
#define STUB(name)                                                                                 \
    void name(cs_api_call_t *c)                                                                    \
    {                                                                                              \
        (void)c;                                                                                   \
        abort();                                                                                   \
    }
STUB(cs_api_h_healthz)
STUB(cs_api_h_openapi)
STUB(cs_api_h_metrics)
STUB(cs_api_h_cases)
STUB(cs_api_h_case_items)
STUB(cs_api_h_item)
STUB(cs_api_h_original)
STUB(cs_api_h_derivative)
STUB(cs_api_h_search)
STUB(cs_api_h_link)
STUB(cs_api_h_ledger)
STUB(cs_api_h_checkpoint)
STUB(cs_api_h_proof)
STUB(cs_api_h_consistency)
STUB(cs_api_h_export)
STUB(cs_api_h_evidence_list)
STUB(cs_api_h_dat63)
STUB(cs_api_h_reviews)
STUB(cs_api_h_review_opinion)
STUB(cs_api_h_review_submit)
STUB(cs_api_h_decision)
STUB(cs_api_h_public)
STUB(cs_api_h_public_spec)
STUB(cs_api_h_public_approve)
STUB(cs_api_h_public_list)
STUB(cs_api_h_case_record)
STUB(cs_api_h_case_set)
STUB(cs_api_h_case_status)
STUB(cs_api_h_register)
STUB(cs_api_h_ledger_key)
STUB(cs_api_h_ui)
STUB(cs_api_h_me)
STUB(cs_api_h_media_urls)
STUB(cs_api_h_media_url)
STUB(cs_api_h_jobs)
STUB(cs_api_h_unassigned)
STUB(cs_api_h_admin_users)
STUB(cs_api_h_admin_user_add)
STUB(cs_api_h_admin_user_disable)
STUB(cs_api_h_admin_user_rotate)
STUB(cs_api_h_admin_user_password)
STUB(cs_api_h_admin_grants)
STUB(cs_api_h_admin_grant_add)
STUB(cs_api_h_admin_grant_revoke)
STUB(cs_api_h_admin_classification)
STUB(cs_api_h_admin_classify)
STUB(cs_api_h_requests)
STUB(cs_api_h_publications)
STUB(cs_api_h_publication_add)
STUB(cs_api_h_publication_withdraw)
STUB(cs_api_h_publication_release)
STUB(cs_api_h_publication_correct)
STUB(cs_api_h_officers)
STUB(cs_api_h_devices)
STUB(cs_api_h_officer_put)
STUB(cs_api_h_device_put)
STUB(cs_api_h_policy)
STUB(cs_api_h_policy_put)
STUB(cs_api_h_request_add)
STUB(cs_api_h_request_approve)
STUB(cs_api_h_request_refuse)
STUB(cs_api_h_holds)
STUB(cs_api_h_hold_add)
STUB(cs_api_h_hold_release)
STUB(cs_api_h_disposals)
STUB(cs_api_h_disposal)
STUB(cs_api_h_disposal_propose)
STUB(cs_api_h_disposal_approve)
STUB(cs_api_h_disposal_cancel)
STUB(cs_api_h_register_retrievals)
STUB(cs_api_h_session_open)
STUB(cs_api_h_session_close)
STUB(cs_api_metrics_render)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char params[CS_API_PARAMS][CS_API_PARAM_MAX], out[256], *parts[4] = {0};
    char *buf = malloc(size + 1);
    uint64_t first, last;
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *p = buf;
    for (int i = 0; i < 4; i++) {
        parts[i] = p;
        p = p ? strchr(p, '\n') : NULL;
        if (p)
            *p++ = '\0';
    }
    const char *method = parts[0] ? parts[0] : "", *path = parts[1] ? parts[1] : "";
    int r = cs_api_route_match(method, strlen(method), path, strlen(path), params, CS_API_PARAMS);
    if (r >= 0)
        for (int i = 0; i < CS_API_PARAMS; i++)
            (void)strnlen(params[i], CS_API_PARAM_MAX);
    /* A tail route's tail is the end of the path itself, never empty. */
    size_t tlen = 0, plen = strlen(path);
    const char *tail = r >= 0 ? cs_api_route_tail(r, path, plen, &tlen) : NULL;
    if (tail != NULL && (tlen == 0 || tail < path || tail + tlen != path + plen))
        abort();
    if (parts[2]) {
        static const char *const keys[] = {"case", "limit", "near", "text", "since"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (cs_api_query_get(parts[2], keys[i], out, sizeof out) > 0 &&
                strlen(out) >= sizeof out)
                abort();
        /* A cursor that decodes is one the server made: it encodes back to the same text. */
        char cursor[CS_API_CURSOR_MAX], again[CS_API_CURSOR_MAX];
        cs_search_key_t key;
        if (cs_api_query_get(parts[2], "cursor", cursor, sizeof cursor) > 0 &&
            cs_api_cursor_decode(cursor, &key) == 0 &&
            (cs_api_cursor_encode(&key, again, sizeof again) != 0 || strcmp(cursor, again) != 0))
            abort();
        /* And a sealed one that opens is one the server sealed (page.c): it seals back. */
        static const uint8_t secret[32] = {1};
        if (cs_api_query_get(parts[2], "cursor", cursor, sizeof cursor) > 0 &&
            cs_api_cursor_open(secret, "items\nfuzz\n", cursor, &key) == 0 &&
            (cs_api_cursor_seal(secret, "items\nfuzz\n", &key, again, sizeof again) != 0 ||
             strcmp(cursor, again) != 0))
            abort();
    }
    if (parts[3]) {
        uint64_t sizes[] = {1, 10, 300000, UINT64_MAX / 2};
        for (size_t i = 0; i < 4; i++)
            if (cs_api_range_parse(parts[3], sizes[i], &first, &last) == 1 &&
                (first > last || last >= sizes[i]))
                abort();
    }
    free(buf);
    return 0;
}
