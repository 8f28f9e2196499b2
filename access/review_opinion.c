/* access/review_opinion.c: a legal opinion made, signed and filed: the canonical JSON of the
 * opinion (compact, keys sorted, UTF-8 as it is), signed with the reviewer's own key kept by
 * the operator under <home>/keys/, checked against the public key the catalog keeps for them,
 * then recorded write-once and ledgered (indexer/review.h). One path for the CLI and the API. */
#include "access/review.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "ledger/key.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cs_review_points[CS_REVIEW_NPOINTS] = {
    "subject", "jurisdiction", "qualification", "facts",
    "law",     "procedure",    "documents",     "referral"};

int
cs_review_key_path(const char *home_root, const char *name, char *buf, size_t size)
{
    if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
        cs_diag_set("user name %s cannot name a key file: a legal user's name has no '/' and "
                    "does not begin with '.'",
                    name);
        return CS_EINVAL;
    }
    if (cs_snprintf(buf, size, "%s/keys/%s.pem", home_root, name) != 0) {
        cs_diag_set("the key path of %s is too long", name);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_review_check(const char *verdict, const json_t *findings, const json_t *proposals)
{
    static const char *const results[] = {"ok", "problem", "na"};
    size_t i;
    json_t *p;
    if (verdict == NULL || (strcmp(verdict, "agree") != 0 && strcmp(verdict, "problems") != 0)) {
        cs_diag_set("verdict: agree or problems");
        return CS_EINVAL;
    }
    if (!json_is_object(findings) || json_object_size(findings) != CS_REVIEW_NPOINTS) {
        cs_diag_set("findings: one for each point of review, and no other (subject, "
                    "jurisdiction, qualification, facts, law, procedure, documents, referral)");
        return CS_EINVAL;
    }
    for (i = 0; i < CS_REVIEW_NPOINTS; i++) {
        json_t *f = json_object_get(findings, cs_review_points[i]);
        const char *r = json_string_value(json_object_get(f, "result"));
        json_t *text = json_object_get(f, "text");
        size_t k = 0;
        while (r != NULL && k < 3 && strcmp(r, results[k]) != 0)
            k++;
        if (r == NULL || k == 3 || (text != NULL && !json_is_string(text)) ||
            json_object_size(f) != 1 + (text != NULL)) {
            cs_diag_set("finding %s: {\"result\": ok|problem|na, \"text\": ...} is missing or bad: "
                        "every point of review is given",
                        cs_review_points[i]);
            return CS_EINVAL;
        }
    }
    if (!json_is_array(proposals)) {
        cs_diag_set("proposals: an array of texts");
        return CS_EINVAL;
    }
    json_array_foreach(proposals, i, p) if (!json_is_string(p))
    {
        cs_diag_set("proposals: an array of texts");
        return CS_EINVAL;
    }
    if (strcmp(verdict, "problems") == 0 && json_array_size(proposals) == 0) {
        cs_diag_set("a \"problems\" opinion gives at least one proposal");
        return CS_EINVAL;
    }
    return 0;
}

static void
sha256_hex(const char *s, char hex[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]); /* fits: 2 hex digits and a NUL */
}

int
cs_review_file_opinion(cs_catalog_t *cat, const char *home_root, const cs_access_who_t *who,
                       const cs_review_state_t *st, const char *verdict, json_t *findings,
                       json_t *proposals, char hash[65], char key_id[65])
{
    char now[CS_TIME_MAX], key[PATH_MAX], sig[CS_SIG_HEX_MAX], pem[CS_PUB_PEM_MAX], stored[65];
    json_t *op = NULL;
    char *text = NULL;
    int rc;
    if ((rc = cs_review_check(verdict, findings, proposals)) != 0)
        return rc;
    cs_clock_now(now);
    op = json_pack("{s:s, s:I, s:s, s:s, s:O, s:O, s:s, s:s}", "case", st->case_number, "round",
                   (json_int_t)st->round, "submission", st->bag_sha256, "verdict", verdict,
                   "findings", findings, "proposals", proposals, "author", who->name, "time", now);
    if (op == NULL || (text = json_dumps(op, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    if ((rc = cs_review_key_path(home_root, who->name, key, sizeof key)) != 0 ||
        (rc = cs_catalog_user_key(cat, who->id, pem, sizeof pem, stored)) != 0 ||
        (rc = cs_key_sign(key, text, strlen(text), sig, key_id)) != 0)
        goto out;
    /* The key kept by the operator must be the one the catalog names for the user. */
    if (strcmp(key_id, stored) != 0 || cs_key_verify(pem, text, strlen(text), sig, NULL) != 0) {
        cs_diag_set("%s is not the key the catalog keeps for %s (key %.12s)", key, who->name,
                    stored);
        rc = CS_EMISMATCH;
        goto out;
    }
    sha256_hex(text, hash);
    rc = cs_catalog_review_opinion(cat, st->round_id, who->id, text, hash, sig, key_id, who->name);
out:
    free(text);
    json_decref(op);
    return rc;
}
