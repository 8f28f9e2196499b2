/* api/h_evlist.c: GET /v1/cases/{case}/evidence-list?format=html|csv: the case's evidence
 * list (export/evlist.h). A list of the case, decided by the gate as GET /v1/cases/{case}/items
 * is; the items the user may not see are left out and counted. The entry (with the items shown
 * and withheld) is made durable here, before the answer, so that the page can name it. */
#include "api/api_int.h"

#include "api/args.h"
#include "core/clock.h"
#include "core/error.h"
#include "export/evlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
keep_visible(void *arg, const char *sha256, int *keep)
{
    return cs_api_visible(arg, sha256, NULL, keep);
}

void
cs_api_h_evidence_list(cs_api_call_t *c)
{
    char format[8];
    int has_format, html, rc;
    cs_casenum_t cn;
    cs_evlist_t l = {.seq = -1, .css_href = "/ui/evidence-list.css"};
    json_t *e = NULL;
    if (cs_api_arg_str(c, "format", format, sizeof format, &has_format) != 0)
        return;
    html = !has_format || strcmp(format, "html") == 0;
    if (!html && strcmp(format, "csv") != 0) {
        cs_api_fail(c, "bad-request", "format: give html or csv");
        return;
    }
    /* Decided (and its refusal ledgered) before the case is looked up. */
    if (cs_api_arg_case(c, c->params[0], &cn) != 0 ||
        cs_api_gate(c, CS_READ_LIST, NULL, cn.text, "evidence-list", NULL, NULL, 0, NULL) != 0)
        return;
    l.case_number = cn.text;
    l.reader = c->user.name;
    l.tz = cs_clock_site_zone(c->api->opts.cfg->site_tz);
    l.role = cs_access_role_name(c->who.role);
    l.purpose = c->purpose_state == 1 ? c->purpose : NULL;
    if ((rc = cs_evlist_load(c->cat, &l, keep_visible, c)) != 0) {
        cs_api_fail_rc(c, rc, "the evidence list"); /* the entry is appended by record.c */
        return;
    }
    /* The read is on record before a byte is shown, and the page names its entry. */
    e = c->entry;
    c->entry = NULL;
    if (e != NULL) {
        if (json_object_set_new(e, "items", json_integer((json_int_t)json_array_size(l.rows))) !=
                0 ||
            json_object_set_new(e, "withheld", json_integer((json_int_t)l.withheld)) != 0)
            rc = CS_ENOMEM;
        if (rc == 0)
            rc = cs_ledger_appender_append(c->api->appender, e, &l.seq);
        json_decref(e);
        if (rc != 0) {
            cs_api_fail(c, "unavailable",
                        "the ledger could not record this read (%s); nothing was served: try "
                        "again",
                        cs_strerror(rc));
            goto out;
        }
    }
    if ((rc = cs_evlist_render(&l, html, &c->text, &c->text_len)) != 0) {
        cs_api_fail_rc(c, rc, "writing the evidence list");
        goto out;
    }
    c->ctype = html ? "text/html; charset=utf-8" : "text/csv; charset=utf-8; header=present";
    if (!html)
        snprintf(c->disposition, sizeof c->disposition,
                 "attachment; filename=\"evidence-list.csv\""); /* fits: 1800 bytes */
    c->status = 200;
out:
    cs_evlist_free(&l);
}
