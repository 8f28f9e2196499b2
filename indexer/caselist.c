/* indexer/caselist.c: the cases a page at a time and a case's members a batch at a time
 * (caselist.h). */
#include "indexer/caselist.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>

int
cs_catalog_cases_after(cs_catalog_t *cat, int64_t after_id, int n, json_t **out)
{
    const char *what = "cannot list the cases";
    char after[24], lim[16];
    *out = NULL;
    if (n < 1 || n > 1000) {
        cs_diag_set("catalog: a page of 1..1000 cases, not %d", n);
        return CS_EINVAL;
    }
    snprintf(after, sizeof after, "%lld", (long long)after_id); /* fits: an int64 */
    snprintf(lim, sizeof lim, "%d", n);                         /* fits: an int */
    const char *args[] = {after, lim};
    return cs_cat_select_json(
        cat,
        "SELECT json_object('id', c.id, 'case', c.number, 'created_at', c.created_at,"
        " 'reference', (SELECT a.reference FROM case_archives a WHERE a.case_id = c.id)," /* 档号 */
        " 'parties', json((SELECT coalesce(json_group_array(name), '[]') FROM"
        "  (SELECT p.name FROM parties p WHERE p.case_id = c.id ORDER BY p.name))))"
        " FROM cases c WHERE c.id > CAST(?1 AS INTEGER) ORDER BY c.id LIMIT CAST(?2 AS INTEGER)",
        args, 2, out, what);
}

int
cs_catalog_case_each(cs_catalog_t *cat, const char *case_number,
                     int (*fn)(void *arg, const char *sha256, const char *party), void *arg)
{
    const char *what = "cannot list the items of a case";
    char after[24] = "0", lim[16];
    json_t *batch = NULL, *row;
    size_t i, got;
    int err = 0;
    snprintf(lim, sizeof lim, "%d", CS_CASELIST_BATCH); /* fits: an int */
    do {
        const char *args[] = {case_number, after, lim};
        /* A range of links_case_order(case_id, id). */
        if ((err = cs_cat_select_json(
                 cat,
                 "SELECT json_object('id', l.id, 'sha256', i.sha256, 'party', p.name)"
                 " FROM links l JOIN cases c ON c.id = l.case_id JOIN items i ON i.id = l.item_id"
                 " LEFT JOIN parties p ON p.id = l.party_id"
                 " WHERE c.number = ?1 AND l.superseded_at IS NULL AND l.id > CAST(?2 AS INTEGER)"
                 " ORDER BY l.id LIMIT CAST(?3 AS INTEGER)",
                 args, 3, &batch, what)) != 0)
            return err;
        got = json_array_size(batch);
        json_array_foreach(batch, i, row)
        {
            if ((err = fn(arg, json_string_value(json_object_get(row, "sha256")),
                          json_string_value(json_object_get(row, "party")))) != 0)
                break;
            snprintf(after, sizeof after, "%lld", /* fits: an int64 */
                     (long long)json_integer_value(json_object_get(row, "id")));
        }
        json_decref(batch);
        batch = NULL;
    } while (err == 0 && got == CS_CASELIST_BATCH);
    return err;
}
