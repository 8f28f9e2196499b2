/* api/h_dat63.c: GET /v1/items/{sha256}/dat63: the DA/T 63-2017 record of an audio or video
 * item as XML (export/dat63.h), described in its first case with that case's 档号 when it is
 * archived. A read of the item's record, decided and ledgered like GET /v1/items/{sha256}. */
#include "api/api_int.h"

#include "api/args.h"
#include "core/error.h"
#include "export/dat63.h"
#include "indexer/archive.h"

#include <stdlib.h>

void
cs_api_h_dat63(cs_api_call_t *c)
{
    char sha[65];
    json_t *item = NULL, *row = NULL, *rec = NULL;
    int rc;
    if (cs_api_arg_sha256(c, 0, sha) != 0 ||
        cs_api_gate(c, CS_READ_METADATA, sha, NULL, "view", NULL, NULL, 0, NULL) != 0)
        return;
    if ((rc = cs_catalog_item(c->cat, sha, &item)) != 0)
        goto fail;
    const char *number = json_string_value(json_array_get(json_object_get(item, "cases"), 0));
    if (number != NULL && (rc = cs_catalog_case_reference(c->cat, number, &row)) != 0)
        goto fail;
    cs_dat63_ctx_t ctx = {.case_number = number, .archive = row};
    if ((number != NULL && (rc = cs_dat63_item_no(c->cat, number, sha, &ctx.item_no)) != 0) ||
        (rc = cs_dat63_record(c->cat, sha, &ctx, &rec)) != 0 ||
        (rc = cs_dat63_xml(rec, &c->text, &c->text_len)) != 0)
        goto fail;
    c->ctype = "application/xml; charset=utf-8";
    c->status = 200;
    goto out;
fail:
    cs_api_fail_rc(c, rc, "the DA/T 63 record");
out:
    json_decref(item);
    json_decref(row);
    json_decref(rec);
}
