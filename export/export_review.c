/* export/export_review.c: a review submission frozen as a bag: the case exported (through the
 * gate, ledgered like any export), packed as a ustar file and stored as an object of the
 * store, so that what the legal section judged is one content-addressed, write-once thing. */
#include "export/export.h"

#include "core/buf.h"
#include "core/error.h"
#include "export/bag.h"
#include "export/bag_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* *items = the hashes of the originals in the bag's data/case.json. */
static int
bag_items(const char *dir, json_t **items)
{
    char path[PATH_MAX];
    json_t *c, *it;
    size_t i;
    *items = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/data/case.json", dir) >= sizeof path)
        return CS_ENAMETOOLONG;
    if ((c = json_load_file(path, 0, NULL)) == NULL) {
        cs_diag_set("cannot read %s", path);
        return CS_EIO;
    }
    if ((*items = json_array()) == NULL) {
        json_decref(c);
        return CS_ENOMEM;
    }
    json_array_foreach(json_object_get(c, "items"), i, it)
        json_array_append(*items, json_object_get(it, "sha256"));
    json_decref(c);
    return 0;
}

int
cs_export_review_bag(cs_catalog_t *cat, cs_store_t *store, const cs_home_t *home,
                     const cs_export_opts_t *o, cs_export_result_t *res, char sha256[65],
                     json_t **items)
{
    char tmp[PATH_MAX], dir[PATH_MAX], tar[PATH_MAX];
    cs_export_opts_t eo = *o;
    cs_put_result_t put;
    int rc;
    *items = NULL;
    sha256[0] = '\0';
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/tmp/review.XXXXXX", home->root) >= sizeof tmp ||
        (size_t)snprintf(dir, sizeof dir, "%s/bag", tmp) >= sizeof dir ||
        (size_t)snprintf(tar, sizeof tar, "%s/bag.tar", tmp) >= sizeof tar) {
        cs_diag_set("the home's path %s is too long", home->root);
        return CS_ENAMETOOLONG;
    }
    if (cs_snprintf(dir, sizeof dir, "%s/tmp", home->root) != 0)
        return CS_ENAMETOOLONG;
    (void)mkdir(dir, 0700);
    if (mkdtemp(tmp) == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot make a folder under %s/tmp: %s", home->root, strerror(errno));
        return rc;
    }
    if (cs_snprintf(dir, sizeof dir, "%s/bag", tmp) != 0 ||
        cs_snprintf(tar, sizeof tar, "%s/bag.tar", tmp) != 0) {
        rc = CS_ENAMETOOLONG;
        goto out;
    }
    eo.out = dir;
    eo.tar = 0;
    if ((rc = cs_export_case(cat, store, home, &eo, res)) != 0 || !res->allowed)
        goto out;
    if ((rc = bag_items(dir, items)) != 0 || (rc = cs_tar_write(dir, "bag", tar)) != 0 ||
        (rc = cs_store_put_file(store, tar, &put)) != 0)
        goto out;
    memcpy(sha256, put.sha256, 65);
out:
    if (rc != 0) {
        json_decref(*items);
        *items = NULL;
    }
    cs_bag_rmrf(tmp);
    return rc;
}
