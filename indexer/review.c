/* indexer/review.c: review rounds, signed opinions, decisions and legal users' keys. */
#include "indexer/review.h"

#include "core/clock.h"
#include "core/error.h"
#include "indexer/cases.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The user is registered as an officer of the case (case_officers, the case record's). */
static int
case_officer(cs_catalog_t *cat, int64_t case_id, int64_t user_id, int *officer)
{
    const char *what = "cannot read the case's officers";
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat,
                             "SELECT EXISTS (SELECT 1 FROM case_officers WHERE case_id = ?1"
                             " AND user_id = ?2)",
                             &st, what),
        rc;
    *officer = 0;
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, user_id);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *officer = user_id != 0 && sqlite3_column_int(st, 0);
    else
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_review_rows(cs_catalog_t *cat, int64_t user_id, const char *case_number,
                       cs_review_rows_t *r)
{
    const char *what = "cannot read the case's review";
    sqlite3_stmt *st = NULL;
    int64_t case_id = 0;
    int err, rc;
    memset(r, 0, sizeof *r);
    if ((err = cs_cat_int64(cat, "SELECT id FROM cases WHERE number = ?1", case_number, 0, &case_id,
                            what)) != 0 ||
        case_id == 0)
        return err;
    r->exists = 1;
    err = cs_cat_prepare(
        cat,
        "SELECT EXISTS (SELECT 1 FROM item_sources s WHERE s.received_user_id = ?1 AND"
        "  (s.case_id = ?2 OR s.item_id IN (SELECT item_id FROM links WHERE case_id = ?2"
        "  AND superseded_at IS NULL))),"
        " r.id, r.round, r.bag_sha256, o.id, o.verdict, o.opinion ->> '$.submission',"
        " o.author_id, EXISTS (SELECT 1 FROM decisions d WHERE d.opinion_id = o.id)"
        " FROM (SELECT 1) LEFT JOIN (SELECT * FROM review_rounds WHERE case_id = ?2"
        "  ORDER BY round DESC LIMIT 1) r LEFT JOIN review_opinions o ON o.round_id = r.id",
        &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, case_id);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        err = cs_cat_err(cat, rc, what);
        goto out;
    }
    r->brought_in = user_id != 0 && sqlite3_column_int(st, 0);
    r->round_id = sqlite3_column_int64(st, 1);
    r->round = sqlite3_column_int64(st, 2);
    if (r->round_id != 0 &&
        (err = cs_cat_column_copy(st, 3, r->bag_sha256, sizeof r->bag_sha256, "bag")) != 0)
        goto out;
    r->opinion_id = sqlite3_column_int64(st, 4);
    if (r->opinion_id != 0) {
        const unsigned char *v = sqlite3_column_text(st, 5);
        r->agree = v != NULL && strcmp((const char *)v, "agree") == 0;
        if ((err = cs_cat_column_copy(st, 6, r->judged, sizeof r->judged, "submission")) != 0)
            goto out;
        r->author_id = sqlite3_column_int64(st, 7);
        r->decided = sqlite3_column_int(st, 8);
    }
    err = case_officer(cat, case_id, user_id, &r->officer);
out:
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_review_submit(cs_catalog_t *cat, const char *case_number, const char *bag_sha256,
                         json_t *items, const char *note, const char *by, int64_t *round)
{
    const char *what = "cannot record the review submission";
    char now[CS_TIME_MAX], n[24];
    char *items_text = json_dumps(items, JSON_COMPACT);
    int64_t case_id = 0, last = 0;
    int err;
    if (items_text == NULL)
        return CS_ENOMEM;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        goto done;
    if ((err = cs_cat_int64(cat, "SELECT id FROM cases WHERE number = ?1", case_number, 0, &case_id,
                            what)) == 0 &&
        case_id == 0) {
        cs_diag_set("no case %s (custody cases)", case_number);
        err = CS_ENOTFOUND;
    }
    if (err == 0)
        err = cs_cat_int64(cat,
                           "SELECT coalesce(max(r.round), 0) FROM review_rounds r JOIN cases c"
                           " ON c.id = r.case_id WHERE c.number = ?1",
                           case_number, 0, &last, what);
    if (err == 0) {
        snprintf(n, sizeof n, "%lld", (long long)(last + 1)); /* fits: an int64 */
        const char *args[] = {case_number, n, bag_sha256, items_text, note ? note : "", by, now};
        err = cs_cat_run(cat,
                         "INSERT INTO review_rounds (case_id, round, bag_sha256, items, note,"
                         " submitted_by, submitted_at) SELECT id, ?2, ?3, ?4, ?5, ?6, ?7"
                         " FROM cases WHERE number = ?1",
                         args, 7, NULL, what);
    }
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "review.submit", by,
                                    json_pack("{s:s, s:I, s:s, s:I, s:s}", "case", case_number,
                                              "round", (json_int_t)(last + 1), "bag", bag_sha256,
                                              "items", (json_int_t)json_array_size(items), "note",
                                              note ? note : ""),
                                    what);
    err = cs_cat_finish(cat, err, what);
    if (err == 0 && round != NULL)
        *round = last + 1;
    if (err == 0) { /* the case is under review now (reopened first if it was decided) */
        char why[64];
        snprintf(why, sizeof why, "submitted for legal review, round %lld", (long long)(last + 1));
        err = cs_catalog_case_advance(cat, case_number, "under_review", why, by);
    }
done:
    free(items_text);
    return err;
}

int
cs_catalog_review_opinion(cs_catalog_t *cat, int64_t round_id, int64_t author_id,
                          const char *opinion, const char *opinion_sha256, const char *sig_hex,
                          const char *key_id, const char *by)
{
    const char *what = "cannot record the opinion";
    char now[CS_TIME_MAX], rid[24], aid[24];
    json_t *o = json_loads(opinion, 0, NULL);
    int64_t had = 0;
    int err;
    if (o == NULL) {
        cs_diag_set("the opinion is not JSON");
        return CS_EINVAL;
    }
    cs_clock_now(now);
    snprintf(rid, sizeof rid, "%lld", (long long)round_id);  /* fits: an int64 */
    snprintf(aid, sizeof aid, "%lld", (long long)author_id); /* fits: an int64 */
    if ((err = cs_cat_begin(cat, what)) != 0)
        goto done;
    if ((err = cs_cat_int64(cat, "SELECT count(*) FROM review_opinions WHERE round_id = ?1", rid, 0,
                            &had, what)) == 0 &&
        had > 0) {
        cs_diag_set("round %lld of case %s has its opinion already",
                    (long long)json_integer_value(json_object_get(o, "round")),
                    json_string_value(json_object_get(o, "case")));
        err = CS_EEXIST;
    }
    if (err == 0) {
        const char *args[] = {rid,
                              aid,
                              json_string_value(json_object_get(o, "verdict")),
                              opinion,
                              opinion_sha256,
                              sig_hex,
                              key_id,
                              now};
        err = cs_cat_run(cat,
                         "INSERT INTO review_opinions (round_id, author_id, verdict, opinion,"
                         " opinion_sha256, signature, key_id, filed_at)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                         args, 8, NULL, what);
    }
    if (err == 0)
        err = cs_cat_ledger_custody(
            cat, "review.opinion", by,
            json_pack("{s:O, s:O, s:O, s:s, s:s}", "case", json_object_get(o, "case"), "round",
                      json_object_get(o, "round"), "verdict", json_object_get(o, "verdict"),
                      "opinion", opinion_sha256, "key", key_id),
            what);
    err = cs_cat_finish(cat, err, what);
done:
    json_decref(o);
    return err;
}

int
cs_catalog_decision_add(cs_catalog_t *cat, const char *case_number, int64_t opinion_id,
                        const char *kind, const char *sha256, const char *by, const char *on)
{
    const char *what = "cannot record the decision";
    char now[CS_TIME_MAX], oid[24];
    int err, changes = 0;
    cs_clock_now(now);
    snprintf(oid, sizeof oid, "%lld", (long long)opinion_id); /* fits: an int64 */
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    const char *args[] = {case_number, oid, kind, sha256, by, now};
    err = cs_cat_run(cat,
                     "INSERT INTO decisions (case_id, opinion_id, kind, item_id, decided_by,"
                     " decided_at) SELECT c.id, ?2, ?3, i.id, ?5, ?6 FROM cases c, items i"
                     " WHERE c.number = ?1 AND i.sha256 = ?4",
                     args, 6, &changes, what);
    if (err == 0 && changes == 0) {
        cs_diag_set("no case %s or no item %.12s", case_number, sha256);
        err = CS_ENOTFOUND;
    }
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "case.decided", by,
                                    json_pack("{s:s, s:s, s:s, s:s}", "case", case_number, "kind",
                                              kind, "item", sha256, "document", sha256),
                                    what);
    if ((err = cs_cat_finish(cat, err, what)) != 0)
        return err;
    /* The case's record follows: decided, on the site's date. */
    cs_case_set_t set = {.decided = on};
    if ((err = cs_catalog_case_advance(cat, case_number, "decided", "the decision was recorded",
                                       by)) == 0 &&
        on != NULL)
        err = cs_catalog_case_set(cat, case_number, &set, by);
    return err;
}

int
cs_catalog_user_key_add(cs_catalog_t *cat, const char *name, const char *pem, const char *key_id,
                        const char *by)
{
    const char *what = "cannot keep the user's public key";
    char now[CS_TIME_MAX];
    int err, changes = 0;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    const char *args[] = {name, pem, key_id, now};
    err = cs_cat_run(cat,
                     "INSERT INTO user_keys (user_id, public_key, key_id, created_at)"
                     " SELECT id, ?2, ?3, ?4 FROM users WHERE name = ?1",
                     args, 4, &changes, what);
    if (err == 0 && changes == 0) {
        cs_diag_set("no user named %s", name);
        err = CS_ENOTFOUND;
    }
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "user.key", by,
                                    json_pack("{s:s, s:s}", "user", name, "key", key_id), what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_user_key(cs_catalog_t *cat, int64_t user_id, char *pem, size_t cap, char key_id[65])
{
    const char *what = "cannot read a user's public key";
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat, "SELECT public_key, key_id FROM user_keys WHERE user_id = ?1",
                             &st, what),
        rc;
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, user_id);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((err = cs_cat_column_copy(st, 0, pem, cap, "public key")) == 0)
            err = cs_cat_column_copy(st, 1, key_id, 65, "key id");
    } else if (rc == SQLITE_DONE) {
        cs_diag_set("the user has no signing key (only users added with --role legal have one)");
        err = CS_ENOTFOUND;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_reviews(cs_catalog_t *cat, const char *case_number, json_t **out)
{
    const char *what = "cannot list the case's review rounds";
    json_t *rounds = NULL, *decisions = NULL;
    int64_t case_id = 0;
    int err;
    const char *args[] = {case_number};
    *out = NULL;
    if ((err = cs_cat_int64(cat, "SELECT id FROM cases WHERE number = ?1", case_number, 0, &case_id,
                            what)) != 0)
        return err;
    if (case_id == 0) {
        cs_diag_set("no case %s (custody cases)", case_number);
        return CS_ENOTFOUND;
    }
    if ((err = cs_cat_select_json(
             cat,
             "SELECT json_object('round', r.round, 'bag_sha256', r.bag_sha256, 'items',"
             " json(r.items), 'note', r.note, 'submitted_by', r.submitted_by, 'submitted_at',"
             " r.submitted_at, 'opinion', CASE WHEN o.id IS NULL THEN json('null') ELSE"
             " json_object('author', u.name, 'verdict', o.verdict, 'opinion', o.opinion,"
             " 'opinion_sha256', o.opinion_sha256, 'signature', o.signature, 'key_id', o.key_id,"
             " 'public_key', k.public_key, 'filed_at', o.filed_at) END)"
             " FROM review_rounds r JOIN cases c ON c.id = r.case_id"
             " LEFT JOIN review_opinions o ON o.round_id = r.id"
             " LEFT JOIN users u ON u.id = o.author_id LEFT JOIN user_keys k ON k.user_id ="
             " o.author_id WHERE c.number = ?1 ORDER BY r.round",
             args, 1, &rounds, what)) != 0 ||
        (err = cs_cat_select_json(
             cat,
             "SELECT json_object('kind', d.kind, 'sha256', i.sha256, 'round', r.round,"
             " 'decided_by', d.decided_by, 'decided_at', d.decided_at)"
             " FROM decisions d JOIN cases c ON c.id = d.case_id JOIN items i ON i.id ="
             " d.item_id JOIN review_opinions o ON o.id = d.opinion_id JOIN review_rounds r"
             " ON r.id = o.round_id WHERE c.number = ?1 ORDER BY d.id",
             args, 1, &decisions, what)) != 0)
        goto out;
    *out =
        json_pack("{s:s, s:O, s:O}", "case", case_number, "rounds", rounds, "decisions", decisions);
    if (*out == NULL)
        err = CS_ENOMEM;
out:
    json_decref(rounds);
    json_decref(decisions);
    return err;
}
