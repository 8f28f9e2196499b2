/* access/public.c: who may make and approve public copies (public.h), and the rule over the
 * catalog's rows with its refusals ledgered. */
#include "access/public.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/access.h"
#include "indexer/jobs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LEVEL_PRIVACY 2      /* privacy, commercial_secret: redacted first */
#define LEVEL_STATE_SECRET 4 /* never public */

const char *
cs_public_kind(const char *media_type, json_t *record)
{
    json_t *streams = json_object_get(json_object_get(record, "media"), "streams"), *s;
    int audio = 0;
    size_t i;
    if (media_type != NULL && strcmp(media_type, "application/pdf") == 0)
        return "document";
    if (media_type != NULL && strncmp(media_type, "image/", 6) == 0)
        return "photo";
    json_array_foreach(streams, i, s)
    {
        const char *type = json_string_value(json_object_get(s, "type"));
        if (type != NULL && strcmp(type, "video") == 0 &&
            !json_is_true(json_object_get(s, "attached_pic")))
            return "video";
        if (type != NULL && strcmp(type, "audio") == 0)
            audio = 1;
    }
    return audio ? "audio" : NULL;
}

const char *
cs_access_public_action(cs_public_act_t act)
{
    static const char *const names[] = {"public.spec", "public.make", "public.attach",
                                        "public.approve"};
    return (unsigned)act < sizeof names / sizeof names[0] ? names[act] : "public";
}

/* Those who prepare public copies: clerks (办), the legal section, admins, the operator. */
static int
prepares(cs_role_t r)
{
    return r == CS_ROLE_CLERK || r == CS_ROLE_LEGAL || r == CS_ROLE_ADMIN || r == CS_ROLE_OPERATOR;
}

static void
decide_approve(const cs_access_who_t *w, const cs_public_state_t *s, cs_access_decision_t *d)
{
    if (!s->has_copy)
        return cs_access_refuse(d, CS_DENY_NO_COPY, "item %.12s has no public copy to approve",
                                s->item);
    /* Before the role: whoever made it never approves it. By identity; a copy the operator
     * (no id) made, by name, which is the OS user's. */
    if ((s->maker_user_id != 0 && s->maker_user_id == w->id) ||
        (s->maker_user_id == 0 && s->maker != NULL && strcmp(s->maker, w->name) == 0))
        return cs_access_refuse(
            d, CS_DENY_SELF_APPROVAL,
            "%s made item %.12s's public copy, and so does not approve it: someone "
            "else must",
            w->name, s->item);
    if (w->role != CS_ROLE_LEGAL && w->role != CS_ROLE_ADMIN)
        return cs_access_refuse(
            d, CS_DENY_ROLE,
            "only the legal section or an admin approves public copies (as a named "
            "user: --as); %s is %s",
            w->name, cs_access_role_name(w->role));
    if (s->approved)
        return cs_access_refuse(d, CS_DENY_APPROVED, "item %.12s's public copy is approved already",
                                s->item);
    d->allowed = 1;
}

static void
decide_prepare(const cs_access_who_t *w, const cs_public_state_t *s, cs_public_act_t act,
               cs_access_decision_t *d)
{
    int document = s->kind != NULL && strcmp(s->kind, "document") == 0;
    if (!prepares(w->role))
        return cs_access_refuse(
            d, CS_DENY_ROLE,
            "only clerks, the legal section and admins prepare public copies; %s is %s", w->name,
            cs_access_role_name(w->role));
    if (act == CS_PUBLIC_ATTACH && !document)
        return cs_access_refuse(
            d, CS_DENY_NOT_COPYABLE,
            "item %.12s is %s: its public copy is made from it (custody public make), "
            "only a document's is attached",
            s->item, s->kind ? s->kind : "no document");
    if (act != CS_PUBLIC_ATTACH && (document || s->kind == NULL))
        return cs_access_refuse(
            d, CS_DENY_NOT_COPYABLE,
            "item %.12s is %s: its public copy is never made from the original; attach "
            "its redacted version (custody public attach)",
            s->item, document ? "a document" : "no photo, video or audio recording");
    if (act == CS_PUBLIC_MAKE && s->level >= LEVEL_PRIVACY && !s->has_spec)
        return cs_access_refuse(d, CS_DENY_NO_SPEC,
                                "item %.12s is classified %s: its public copy is made only from a "
                                "redaction spec (custody public spec)",
                                s->item,
                                s->level == LEVEL_PRIVACY ? "privacy" : "commercial_secret");
    d->allowed = 1;
}

int
cs_access_public(const cs_access_who_t *who, const cs_public_state_t *st, cs_public_act_t act,
                 cs_access_decision_t *dec)
{
    memset(dec, 0, sizeof *dec);
    if (who->role == CS_ROLE_NONE)
        cs_access_refuse(dec, CS_DENY_UNKNOWN_USER, "no Custody user named %s", who->name);
    else if (who->disabled)
        cs_access_refuse(dec, CS_DENY_DISABLED, "user %s is disabled", who->name);
    else if (!st->exists)
        cs_access_refuse(dec, CS_DENY_NOT_FOUND, "no item %.12s", st->item ? st->item : "");
    else if (st->level >= LEVEL_STATE_SECRET) /* checked before anything else of the item */
        cs_access_refuse(dec, CS_DENY_NEVER_PUBLIC,
                         "item %.12s is classified state_secret: it never gets a public copy",
                         st->item);
    else if (act == CS_PUBLIC_APPROVE)
        decide_approve(who, st, dec);
    else
        decide_prepare(who, st, act, dec);
    if (dec->allowed)
        dec->status = 200;
    return 0;
}

int
cs_access_public_decide(cs_catalog_t *cat, const cs_access_policy_t *pol,
                        const cs_access_who_t *who, const char *item, cs_public_act_t act,
                        const char *client, cs_public_state_t *st, cs_public_rows_t *rows,
                        cs_access_decision_t *dec, int64_t *seq)
{
    json_t *it = NULL, *meta = NULL;
    char level[32] = "";
    int err;
    *seq = 0;
    memset(dec, 0, sizeof *dec);
    memset(st, 0, sizeof *st);
    st->item = item;
    if ((err = cs_catalog_public_rows(cat, item, rows)) != 0)
        return err;
    st->exists = rows->exists;
    if (rows->exists) {
        if ((err = cs_catalog_item(cat, item, &it)) != 0 ||
            (err = cs_catalog_metadata(cat, item, &meta)) != 0 ||
            (err = cs_catalog_classification(cat, item, level, sizeof level)) != 0)
            goto out;
        st->kind = cs_public_kind(json_string_value(json_object_get(it, "media_type")), meta);
        st->level = level[0] != '\0' ? cs_access_level_rank(level) : pol->default_level;
        st->has_spec = rows->spec_id != 0;
        st->has_copy = rows->copy_id != 0;
        st->maker_user_id = rows->maker_user_id;
        st->maker = rows->maker;
        st->approved = rows->approved;
    }
    cs_access_public(who, st, act, dec);
    if (!dec->allowed) {
        err = cs_catalog_public_refused(
            cat, cs_access_public_action(act), rows->exists ? item : NULL, who->name,
            cs_access_role_name(who->role), cs_access_deny_code(dec->deny), dec->reason, client);
        *seq = err == 0;
    }
out:
    json_decref(it);
    json_decref(meta);
    if (err != 0)
        dec->allowed = 0;
    return err;
}
