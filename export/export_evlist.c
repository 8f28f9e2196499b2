/* export/export_evlist.c: the bag's evidence list, data/evidence-list.csv and .html: the
 * exported items as evlist.h lists them, the withheld ones counted, the export's ledger entry
 * in the footer; both files go into the manifest like every payload file. */
#include "export/export_int.h"

#include "export/evlist.h"

#include <stdlib.h>

static int
keep_exported(void *arg, const char *sha256, int *keep)
{
    *keep = cs_export_has_item(arg, sha256);
    return 0;
}

int
cs_export_evidence_list(cs_export_t *x)
{
    cs_evlist_t l = {.case_number = x->o->case_number,
                     .reader = x->actor,
                     .role = x->role,
                     .purpose = x->o->purpose,
                     .seq = x->res->seq,
                     .tz = x->o->tz};
    char *text = NULL;
    size_t len = 0;
    int rc;
    if ((rc = cs_evlist_load(x->cat, &l, keep_exported, x)) != 0)
        return rc;
    /* The count the export's entry and case.json give (items linked after the plan are in
     * neither the bag nor its list). */
    l.withheld = x->nwithheld;
    if ((rc = cs_evlist_render(&l, 0, &text, &len)) != 0 ||
        (rc = cs_export_put(x, "data/evidence-list.csv", text, len)) != 0)
        goto out;
    free(text);
    text = NULL;
    if ((rc = cs_evlist_render(&l, 1, &text, &len)) != 0)
        goto out;
    rc = cs_export_put(x, "data/evidence-list.html", text, len);
out:
    free(text);
    cs_evlist_free(&l);
    return rc;
}
