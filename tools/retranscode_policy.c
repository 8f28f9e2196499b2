/* tools/retranscode_policy.c: a changed format policy applied to what came before
 * (retranscode.h). Each item of the scope is decided again from its metadata record; where the
 * row, action or target differ from its latest decision, a normalising decision has a media
 * worker make the archival copy alone (the same "transcode" request as at ingest, verified
 * the same way), stored and recorded with the decision; keep and review are recorded as they
 * are. An item that had a verified archival copy keeps it current until the new one
 * verifies. */
#include "tools/retranscode.h"

#include "core/error.h"
#include "indexer/jobs.h"
#include "indexer/policy.h"
#include "ingest/derive.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

/* 1 when `decision` says what the item's latest recorded one (in `row`) said. */
static int
same(json_t *decision, json_t *row)
{
    return json_equal(json_object_get(decision, "policy_row"),
                      json_object_get(row, "policy_row")) &&
           json_equal(json_object_get(decision, "target"), json_object_get(row, "target")) &&
           strcmp(str(decision, "action"), str(row, "action")) == 0;
}

/* Makes the archival copy of `decision` for item `sha`, stores and records it with the
 * decision. *failed is set when the copy failed. Returns 0 or a CS_E* code. */
static int
normalise(cs_cli_t *cli, const char *sha, const char *media_type, json_t *meta, json_t *decision,
          int *failed)
{
    cs_cli_transcode_t call = {.tty = isatty(STDERR_FILENO)};
    cs_reason_t reason = {.text = ""};
    char obj[PATH_MAX], dir[PATH_MAX];
    json_t *req = NULL;
    int rc;
    cs_derive_opts_t dopts = cs_derive_opts_of(&cli->cfg);
    dopts.profiles = "archival";
    if ((rc = cs_store_local_path(cli->store, sha, obj, sizeof obj)) != 0 ||
        (rc = cs_cli_derive_dir(cli, dir, sizeof dir)) != 0)
        return rc;
    req = cs_derive_request_decided(&dopts, dir, obj, sha, media_type, meta, decision, "archival",
                                    NULL);
    if (req == NULL) {
        cs_diag_set("item %.12s: no archival copy to make", sha);
        return CS_ENOMEM;
    }
    json_object_set_new(req, "keep_verified", json_true());
    json_object_set_new(req, "policy_ledger", json_true());
    if ((rc = cs_cli_transcode(cli, req, &call)) != 0)
        goto out;
    if (call.answer.rc != 0)
        cs_reason_caused(&reason, CS_R_TRANSCODE, "transcoding failed: ", &call.answer.why);
    if ((rc = cs_derive_store(cli->store, call.answer.result)) != 0 ||
        (rc = cs_derive_commit(cli->cat, sha, req, call.answer.result,
                               reason.text[0] ? &reason : NULL, cli->actor, failed)) != 0)
        cs_derive_unstore(cli->store, cli->cat, call.answer.result);
out:
    json_decref(call.answer.result);
    json_decref(req);
    return rc;
}

int
cs_retranscode_policy(cs_cli_t *cli, const char *kase, int dry_run)
{
    json_t *items = NULL, *row, *out = NULL;
    size_t i;
    int rc, nfailed = 0;

    if ((rc = cs_policy_items(cli->cat, kase, &items)) != 0 || (out = json_array()) == NULL)
        goto out;
    json_array_foreach(items, i, row)
    {
        const char *sha = str(row, "sha256"), *media_type = str(row, "media_type");
        json_t *meta = NULL, *decision = NULL;
        const char *done = "unchanged";
        int failed = 0;
        if ((rc = cs_catalog_metadata(cli->cat, sha, &meta)) != 0)
            goto out;
        decision = cs_derive_decide(cli->cat, media_type, meta);
        if (decision != NULL && !same(decision, row)) {
            const char *action = str(decision, "action");
            if (dry_run)
                done = "would apply";
            else if (strcmp(action, "normalise") == 0)
                rc = normalise(cli, sha, media_type, meta, decision, &failed);
            else
                rc = cs_policy_record(cli->cat, sha, decision,
                                      strcmp(action, "keep") == 0 ? "kept" : "review", NULL,
                                      cli->actor, 1);
            if (!dry_run)
                done = failed ? "failed" : "applied";
            nfailed += failed;
            json_array_append_new(
                out, json_pack("{s:s, s:s, s:O?, s:s, s:O?, s:O?, s:s}", "sha256", sha, "was",
                               json_is_string(json_object_get(row, "action")) ? str(row, "action")
                                                                              : "none",
                               "was_target", json_object_get(row, "target"), "action", action,
                               "target", json_object_get(decision, "target"), "policy_row",
                               json_object_get(decision, "policy_row"), "result", done));
        }
        json_decref(meta);
        json_decref(decision);
        if (rc != 0)
            goto out;
    }
    if (cli->json) {
        cs_cli_print_json(out, 0);
    } else {
        json_t *v;
        json_array_foreach(out, i, v)
        {
            printf("%.12s  %s -> %s %s (policy row %s): %s\n", str(v, "sha256"), str(v, "was"),
                   str(v, "action"), str(v, "target"), str(v, "policy_row"), str(v, "result"));
        }
        printf("%zu item%s decided otherwise by the policy; %d failed\n", json_array_size(out),
               json_array_size(out) == 1 ? "" : "s", nfailed);
    }
out:
    json_decref(items);
    json_decref(out);
    if (rc != 0)
        return cs_cli_fail(cli, rc);
    return nfailed > 0 ? CS_EXIT_CHECK : 0;
}
