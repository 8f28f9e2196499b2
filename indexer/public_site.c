/* indexer/public_site.c: the public page's snapshot of the catalog (public_site.h). */
#include "indexer/public_site.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <string.h>

/* The servable public copy `copy` of item `item`, as {sha256, size, media_type}; NULL (0)
 * when it may not be served. */
static int
servable(cs_catalog_t *cat, const char *item, const char *copy, json_t **out)
{
    json_t *rows = NULL;
    const char *args[] = {item, copy};
    int err;
    *out = NULL;
    if (item == NULL || copy == NULL)
        return 0;
    if ((err = cs_cat_select_json(
             cat,
             "SELECT json_object('sha256', d.sha256, 'size', d.size, 'media_type', d.media_type)"
             " FROM items i JOIN derivatives d ON d.item_id = i.id"
             " JOIN public_approvals a ON a.derivative_id = d.id"
             " WHERE i.sha256 = ?1 AND d.sha256 = ?2 AND d.profile = 'public'"
             " AND d.status = 'verified'"
             " AND NOT EXISTS (SELECT 1 FROM items o WHERE o.sha256 = d.sha256)"
             " AND NOT EXISTS (SELECT 1 FROM classifications k WHERE k.item_id = i.id"
             "  AND k.superseded_at IS NULL AND k.level = 'state_secret') LIMIT 1",
             args, 2, &rows, "cannot read a public copy for the public page")) != 0)
        return err;
    if (json_array_size(rows) == 1)
        *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return 0;
}

/* Appends the servable copy of content entry `e` ({item, public: {sha256}}) to files, or its
 * hash to withheld. */
static int
add_file(cs_catalog_t *cat, json_t *files, json_t *withheld, json_t *e, const char *role)
{
    json_t *f = NULL;
    const char *item = json_string_value(json_object_get(e, "item"));
    const char *copy = json_string_value(json_object_get(json_object_get(e, "public"), "sha256"));
    int err = servable(cat, item, copy, &f);
    if (err != 0)
        return err;
    if (f == NULL)
        return json_array_append_new(withheld, json_string(copy ? copy : "")) == 0 ? 0 : CS_ENOMEM;
    if (json_object_set_new(f, "role", json_string(role)) != 0 ||
        json_array_append_new(files, f) != 0)
        return CS_ENOMEM;
    return 0;
}

int
cs_catalog_public_site(cs_catalog_t *cat, json_t **out)
{
    json_t *rows = NULL, *p, *e;
    size_t i, j;
    int err;
    *out = NULL;
    if ((err = cs_cat_select_json(
             cat,
             "SELECT json_object('id', p.id, 'decision_kind', d.kind, 'kind', p.kind,"
             " 'decided_on', p.decided_on,"
             " 'versions', (SELECT json_group_array(json_object('version', v.version,"
             "   'published_on', v.published_on, 'correction', v.reason IS NOT NULL))"
             "   FROM (SELECT * FROM publication_versions WHERE publication_id = p.id"
             "   ORDER BY version) v),"
             " 'content', (SELECT json(content) FROM publication_versions v"
             "   WHERE v.publication_id = p.id ORDER BY version DESC LIMIT 1),"
             " 'withdrawn', (SELECT json_object('on', w.withdrawn_on, 'category', w.category)"
             "   FROM publication_withdrawals w WHERE w.publication_id = p.id))"
             " FROM publications p JOIN decisions d ON d.id = p.decision_id"
             " WHERE EXISTS (SELECT 1 FROM publication_versions v WHERE v.publication_id = p.id)"
             " ORDER BY p.id DESC",
             NULL, 0, &rows, "cannot read the publications for the public page")) != 0)
        return err;
    json_array_foreach(rows, i, p)
    {
        json_t *content = json_incref(json_object_get(p, "content")), *files = json_array();
        json_t *withheld = json_array();
        json_object_del(p, "content");
        if (files == NULL || json_object_set_new(p, "files", files) != 0 || withheld == NULL ||
            json_object_set_new(p, "withheld", withheld) != 0) {
            json_decref(content);
            err = CS_ENOMEM;
            goto out;
        }
        if (!json_is_object(json_object_get(p, "withdrawn"))) {
            err = add_file(cat, files, withheld, json_object_get(content, "decision"), "decision");
            json_array_foreach(json_object_get(content, "items"), j, e)
            {
                if (err == 0)
                    err = add_file(cat, files, withheld, e, "item");
            }
        }
        json_decref(content);
        if (err != 0)
            goto out;
    }
    if ((*out = json_pack("{s:O}", "publications", rows)) == NULL)
        err = CS_ENOMEM;
out:
    json_decref(rows);
    return err;
}

int
cs_catalog_public_site_readonly(cs_catalog_t *cat)
{
    return cs_cat_exec(cat, "PRAGMA query_only = ON",
                       "cannot make the public page's catalog connection read-only");
}
