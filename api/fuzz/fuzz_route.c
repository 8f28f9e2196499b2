/* api/fuzz/fuzz_route.c: libFuzzer target for what the API parses from a client before any
 * catalog work: the route match with its percent-decoded parameters, query parameters and
 * Range headers. Not part of the build (it needs clang); run it for a bounded time with
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *       api/fuzz/fuzz_route.c api/route.c api/parse.c core/utf8.c core/error.c \
 *       -o build/fuzz_route && build/fuzz_route -max_total_time=60
 *
 * Input: method, path, query and Range separated by newlines. */
#include "api/api_int.h"

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
    if (parts[2]) {
        static const char *const keys[] = {"case", "limit", "near", "text", "since"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (cs_api_query_get(parts[2], keys[i], out, sizeof out) > 0 &&
                strlen(out) >= sizeof out)
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
