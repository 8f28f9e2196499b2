/* export/export_opinions.c: a bag carries the case's legal review under data/review/: the
 * rounds (review.json: submissions' hashes, their items, the decisions), each opinion's exact
 * signed bytes (round-N.opinion.json), its signature (round-N.opinion.sig: "ed25519 KEYID
 * SIG") and the reviewers' public keys (keys/KEYID.pem), so that verify-bag checks every
 * opinion without the home (bag_review.c). */
#include "export/export_int.h"

#include "core/error.h"
#include "indexer/review.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int
mkdir_in(cs_export_t *x, const char *rel)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", x->dir, rel) >= sizeof path)
        return CS_ENAMETOOLONG;
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        int rc = cs_err_from_errno(errno);
        cs_diag_set("cannot make %s: %s", path, strerror(errno));
        return rc;
    }
    return 0;
}

/* One opinion: its signed bytes, signature and (once) its key. */
static int
put_opinion(cs_export_t *x, json_int_t round, const json_t *op)
{
    const char *text = json_string_value(json_object_get(op, "opinion"));
    const char *sig = json_string_value(json_object_get(op, "signature"));
    const char *kid = json_string_value(json_object_get(op, "key_id"));
    const char *pem = json_string_value(json_object_get(op, "public_key"));
    char rel[128], line[256], path[PATH_MAX];
    struct stat st;
    int rc;
    if (text == NULL || sig == NULL || kid == NULL || pem == NULL || strlen(kid) != 64) {
        cs_diag_set("the opinion of round %lld lacks its signature or key", (long long)round);
        return CS_ECORRUPT;
    }
    snprintf(rel, sizeof rel, "data/review/round-%lld.opinion.json", (long long)round); /* fits */
    if ((rc = cs_export_put(x, rel, text, strlen(text))) != 0)
        return rc;
    snprintf(rel, sizeof rel, "data/review/round-%lld.opinion.sig", (long long)round); /* fits */
    if ((size_t)snprintf(line, sizeof line, "ed25519 %s %s\n", kid, sig) >= sizeof line)
        return CS_ENAMETOOLONG;
    if ((rc = cs_export_put(x, rel, line, strlen(line))) != 0)
        return rc;
    snprintf(rel, sizeof rel, "data/review/keys/%s.pem", kid); /* fits: 86 bytes */
    if ((size_t)snprintf(path, sizeof path, "%s/%s", x->dir, rel) >= sizeof path)
        return CS_ENAMETOOLONG;
    if (stat(path, &st) == 0) /* one reviewer's key, once */
        return 0;
    return cs_export_put(x, rel, pem, strlen(pem));
}

int
cs_export_opinions(cs_export_t *x)
{
    json_t *r = NULL, *round, *op;
    char *text = NULL;
    size_t i;
    int rc;
    if ((rc = cs_catalog_reviews(x->cat, x->o->case_number, &r)) != 0)
        return rc;
    if (json_array_size(json_object_get(r, "rounds")) == 0)
        goto out; /* never submitted: no review/ */
    if ((rc = mkdir_in(x, "data/review")) != 0 || (rc = mkdir_in(x, "data/review/keys")) != 0)
        goto out;
    json_array_foreach(json_object_get(r, "rounds"), i, round)
    {
        op = json_object_get(round, "opinion");
        if (json_is_object(op) &&
            (rc = put_opinion(x, json_integer_value(json_object_get(round, "round")), op)) != 0)
            goto out;
    }
    if ((text = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    rc = cs_export_put(x, "data/review/review.json", text, strlen(text));
out:
    free(text);
    json_decref(r);
    return rc;
}
