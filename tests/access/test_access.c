/* tests/access/test_access.c: the gate, cs_access_read() (access/rules.c), against the rules
 * written in access/access.h.
 *
 * Three views of the same rules: a hand-written table of key rows with their answers spelled
 * out; an oracle restating the header's rules in a few lines, compared with the gate over the
 * whole cross product of who asks, their grants, the classification, the read, the channel,
 * the purpose (in the grants' list or not, a grant or a policy that accepts any) and the
 * item's state; and what a refusal must keep to itself (the level of what the caller may not
 * read, and whether it exists). Each decision's ledger entry is checked too.
 *
 * Grants: the indexer loads only live grants that cover the item (or the case). An expired, a
 * revoked grant, or one naming another party of the case, is never loaded, so for the gate it
 * is the same as no grant at all: those rows are built with ngrants 0 and must answer as
 * "none" does. */
#include "access/access.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define CASE "任水罚〔2023〕12号"
#define OTHER_CASE "任水罚〔2023〕13号"
#define RANGE "0-99/100"
#define BYTES 100
#define DEFAULT_LEVEL 2 /* the policy's access.default_classification: privacy */
#define LV_DEFAULT (-1) /* an unclassified item: the loader gives it the policy's default */
#define SECRET 4        /* state_secret */

typedef enum { G_NONE, G_EXPIRED, G_REVOKED, G_OTHER_PARTY, G_LIVE, G_LOW, G_COUNT } gstate_t;
static const char *const gnames[] = {"none", "expired", "revoked", "other-party", "live", "low"};

/* K_DERIV asks for the "access" copy; K_LIST has no case; K_EXPORT_CASE takes the whole case
 * (no item); K_MINT is a URL for the original, K_MINT_DERIV for the "access" copy. */
// clang-format off
typedef enum {
    K_META, K_ORIG, K_DERIV, K_LIST, K_LIST_CASE, K_EXPORT_CASE, K_EXPORT_ITEM, K_LEDGER,
    K_QUEUE, K_RELINK, K_MINT, K_MINT_DERIV, K_CASE, K_ARCHIVAL, K_MINT_ARCHIVAL, K_REGISTER
} kind_t;
// clang-format on
static const struct {
    const char *name, *action;
    cs_read_t read;
} kinds[] = {
    [K_META] = {"metadata", "view", CS_READ_METADATA},
    [K_ORIG] = {"original", "get.original", CS_READ_ORIGINAL},
    [K_DERIV] = {"derivative", "get.derivative", CS_READ_DERIVATIVE},
    [K_LIST] = {"list", "list", CS_READ_LIST},
    [K_LIST_CASE] = {"list-case", "list", CS_READ_LIST},
    [K_EXPORT_CASE] = {"export-case", "export", CS_READ_EXPORT},
    [K_EXPORT_ITEM] = {"export-item", "export.item", CS_READ_EXPORT},
    [K_LEDGER] = {"ledger", "ledger", CS_READ_LEDGER},
    [K_QUEUE] = {"queue", "queue", CS_READ_QUEUE},
    [K_RELINK] = {"relink", "relink", CS_READ_RELINK},
    [K_MINT] = {"mint", "mint", CS_READ_MINT},
    [K_MINT_DERIV] = {"mint-derivative", "mint", CS_READ_MINT},
    [K_CASE] = {"case-record", "view.case", CS_READ_CASE},
    [K_ARCHIVAL] = {"archival", "get.derivative", CS_READ_DERIVATIVE},
    [K_MINT_ARCHIVAL] = {"mint-archival", "mint", CS_READ_MINT},
    [K_REGISTER] = {"register", "register.retrievals", CS_READ_REGISTER},
};

/* A grant's scope; every grant built has the combination's. The zero is the default of
 * `custody grant`, so that rows written before scopes existed read as they did. */
typedef enum { S_ORIGINALS = 0, S_METADATA, S_MEDIA, S_EXPORT, S_COUNT } scope_t;
static const cs_scope_t scope_of[] = {CS_SCOPE_ORIGINALS, CS_SCOPE_METADATA, CS_SCOPE_MEDIA,
                                      CS_SCOPE_EXPORT};
static const char *const scope_names[] = {"originals", "metadata", "media", "export"};

/* Zero is the common case, so that table rows name only what differs. P_STATED is one of the
 * grants' purposes, P_PADDED that one in capitals among spaces; the rest are none of them:
 * refused (P_OUTSIDE) unless the grants accept any (P_ANY_GRANT) or the policy does. */
// clang-format off
typedef enum { P_STATED = 0, P_NULL, P_EMPTY, P_PADDED, P_OUTSIDE, P_ANY_GRANT, P_ANY_MODE } purpose_t;
// clang-format on
#define P_COUNT 7
static const char *const purposes[] = {
    "review 复核证据", NULL, "", " REVIEW 复核证据\u3000", "随便看看", "随便看看", "随便看看"};
static const char *const purpose_names[] = {"stated",  "null",      "empty",   "padded",
                                            "outside", "any-grant", "any-mode"};
#define GRANTED "法制审核\0review 复核证据" /* a grant's two purposes, end to end */

typedef struct combo {
    cs_role_t role;
    int disabled;
    gstate_t grant;
    int level; /* 0..4, or LV_DEFAULT */
    kind_t kind;
    cs_channel_t channel;
    purpose_t purpose;
    scope_t scope; /* of every grant built */
    int absent;    /* the item (or case) is not in the catalog */
    int brought_in, unassigned, has_copy, serve;
    size_t members, readable; /* a whole-case export once planned */
} combo_t;

typedef struct built {
    cs_access_policy_t pol;
    cs_access_who_t who;
    cs_access_what_t what;
    cs_access_how_t how;
} built_t;

static const char *const role_names[] = {"none",    "clerk", "reviewer",
                                         "auditor", "admin", "operator"};
static const char *const chan_names[] = {"http", "media-url", "cli"};
static const char *const level_names[] = {"public", "internal", "privacy", "commercial_secret",
                                          "state_secret"};

static int
is_case(kind_t k)
{
    return k == K_LIST_CASE || k == K_EXPORT_CASE || k == K_CASE;
}

static int
is_item(kind_t k)
{
    return k == K_META || k == K_ORIG || k == K_DERIV || k == K_EXPORT_ITEM || k == K_RELINK ||
           k == K_MINT || k == K_MINT_DERIV || k == K_ARCHIVAL || k == K_MINT_ARCHIVAL;
}

static void
build(const combo_t *c, built_t *b)
{
    memset(b, 0, sizeof *b);
    b->pol.default_level = DEFAULT_LEVEL;
    b->pol.serve_state_secret = c->serve;
    b->pol.purpose_any = c->purpose == P_ANY_MODE;
    b->who.role = c->role;
    b->who.disabled = c->disabled;
    b->who.id = c->role == CS_ROLE_NONE || c->role == CS_ROLE_OPERATOR ? 0 : 17;
    snprintf(b->who.name, sizeof b->who.name, "%s", c->role == CS_ROLE_OPERATOR ? "root" : "alice");

    cs_access_what_t *x = &b->what;
    x->sha256 = is_item(c->kind) ? SHA : NULL;
    x->case_number = is_case(c->kind) ? CASE : NULL;
    x->exists = !c->absent;
    x->level = c->level == LV_DEFAULT ? b->pol.default_level : c->level;
    x->brought_in = c->brought_in;
    x->unassigned = c->unassigned;
    x->has_copy = c->has_copy;
    x->members = c->members;
    x->readable = c->readable;
    if (c->grant == G_LIVE) { /* clearance exactly the level: the boundary; a weaker one after */
        x->ngrants = 2;
        x->grants[0] = (cs_access_grant_t){.id = 41, .clearance = x->level, .case_number = CASE};
        x->grants[1] = (cs_access_grant_t){.id = 42, .clearance = 0, .case_number = OTHER_CASE};
    } else if (c->grant == G_LOW) {
        x->ngrants = 1;
        x->grants[0] =
            (cs_access_grant_t){.id = 43, .clearance = x->level - 1, .case_number = CASE};
    }
    for (size_t i = 0; i < x->ngrants; i++) {
        x->grants[i].any_purpose = c->purpose == P_ANY_GRANT;
        x->grants[i].scope = scope_of[c->scope];
        x->grants[i].npurposes = 2;
        memcpy(x->grants[i].purposes, GRANTED, sizeof GRANTED);
    }

    cs_access_how_t *h = &b->how;
    h->read = kinds[c->kind].read;
    h->channel = c->channel;
    h->purpose = purposes[c->purpose];
    h->client = c->channel == CS_CHANNEL_CLI ? "cli:root" : "http:10.0.0.7";
    h->action = kinds[c->kind].action;
    h->profile = c->kind == K_DERIV || c->kind == K_MINT_DERIV         ? "access"
                 : c->kind == K_ARCHIVAL || c->kind == K_MINT_ARCHIVAL ? "archival"
                                                                       : NULL;
    h->range = RANGE;
    h->bytes = BYTES;
}

static void
describe(const combo_t *c, char *buf, size_t size)
{
    snprintf(buf, size,
             "[role=%s disabled=%d grant=%s scope=%s level=%d read=%s channel=%s purpose=%s "
             "exists=%d brought_in=%d unassigned=%d has_copy=%d serve_state_secret=%d "
             "members=%zu readable=%zu]",
             role_names[c->role], c->disabled, gnames[c->grant], scope_names[c->scope], c->level,
             kinds[c->kind].name, chan_names[c->channel], purpose_names[c->purpose], !c->absent,
             c->brought_in, c->unassigned, c->has_copy, c->serve, c->members, c->readable);
}

/* ---- The oracle: the header's rules, restated. ---- */

typedef struct want {
    int allowed;
    cs_deny_t deny;
    int status;
    int ledgered;
    int64_t grant;
    cs_ledger_scope_t scope;
    int personal; /* a case record's ID numbers may be shown */
} want_t;

static want_t
no(want_t w, cs_deny_t why)
{
    w.allowed = 0;
    w.deny = why;
    w.ledgered = 1; /* every refusal is ledgered */
    w.status = why == CS_DENY_NO_PURPOSE                            ? 400
               : why == CS_DENY_NOT_FOUND || why == CS_DENY_NO_COPY ? 404
                                                                    : 403;
    return w;
}

static want_t
oracle(const built_t *b)
{
    want_t w = {.allowed = 1, .status = 200, .ledgered = 1, .scope = CS_LEDGER_SCOPE_CUSTODY};
    const cs_access_what_t *x = &b->what;
    const cs_access_how_t *h = &b->how;
    cs_role_t r = b->who.role;
    cs_read_t rd = h->read;
    int on_case =
        (rd == CS_READ_LIST || rd == CS_READ_EXPORT || rd == CS_READ_CASE) && x->sha256 == NULL;
    int bytes = rd == CS_READ_ORIGINAL || rd == CS_READ_DERIVATIVE || rd == CS_READ_EXPORT ||
                rd == CS_READ_MINT;

    if (r == CS_ROLE_NONE)
        return no(w, CS_DENY_UNKNOWN_USER);
    if (b->who.disabled)
        return no(w, CS_DENY_DISABLED);
    if (r == CS_ROLE_AUDITOR || r == CS_ROLE_ADMIN || r == CS_ROLE_OPERATOR)
        w.scope = CS_LEDGER_SCOPE_ALL;
    /* The ledger, the queue and the retrieval register are not records: no purpose, and a
     * look allowed at the first two is not itself an entry (at the register it is). Auditors,
     * admins and the operator read the ledger and the register; all but reviewers the queue. */
    if (rd == CS_READ_LEDGER || rd == CS_READ_QUEUE || rd == CS_READ_REGISTER) {
        if (rd == CS_READ_QUEUE ? r == CS_ROLE_REVIEWER : w.scope != CS_LEDGER_SCOPE_ALL)
            return no(w, CS_DENY_ROLE);
        w.ledgered = rd == CS_READ_REGISTER;
        return w;
    }
    if (h->purpose == NULL || *h->purpose == '\0')
        return no(w, CS_DENY_NO_PURPOSE);
    if (rd == CS_READ_LIST && x->case_number == NULL)
        return w; /* each member is decided on its own */
    if ((r == CS_ROLE_AUDITOR && (bytes || rd == CS_READ_RELINK)) ||
        (r == CS_ROLE_REVIEWER && rd == CS_READ_RELINK))
        return no(w, CS_DENY_ROLE);

    /* May this caller read it at all? */
    if (r == CS_ROLE_AUDITOR || r == CS_ROLE_OPERATOR) {
        if (!x->exists)
            return no(w, CS_DENY_NOT_FOUND);
    } else if (r == CS_ROLE_CLERK) {
        int theirs = on_case ? x->brought_in : x->exists && (x->brought_in || x->unassigned);
        if (!theirs)
            return no(w, CS_DENY_NOT_YOURS);
    } else {
        if (x->ngrants == 0 || (!on_case && !x->exists))
            return no(w, CS_DENY_NO_GRANT);
        w.grant = x->grants[0].id;
        /* Every grant built names the same purposes: one of them, or one that accepts any. */
        if (!b->pol.purpose_any && !x->grants[0].any_purpose && !strstr(h->purpose, "复核证据"))
            return no(w, CS_DENY_PURPOSE_OUT_OF_SCOPE);
        /* Scopes in order: the records; media copies; the original and the archival copy
         * (and URLs to them); exports. Every grant built has the same scope. */
        int archival = h->profile != NULL && strcmp(h->profile, "archival") == 0;
        cs_scope_t need =
            rd == CS_READ_EXPORT ? CS_SCOPE_EXPORT
            : rd == CS_READ_ORIGINAL || ((rd == CS_READ_MINT || rd == CS_READ_DERIVATIVE) &&
                                         (archival || h->profile == NULL))
                ? CS_SCOPE_ORIGINALS
            : bytes ? CS_SCOPE_MEDIA
                    : CS_SCOPE_METADATA;
        if (x->grants[0].scope < need)
            return no(w, CS_DENY_SCOPE);
        if (!on_case && x->grants[0].clearance < x->level)
            return no(w, CS_DENY_CLEARANCE);
    }
    if (on_case && x->members > 0 && x->readable == 0)
        return no(w, CS_DENY_NO_GRANT);
    /* A case record's ID numbers (privacy): the operator, a clerk, a grant clearing privacy. */
    if (rd == CS_READ_CASE)
        w.personal = r == CS_ROLE_OPERATOR || r == CS_ROLE_CLERK ||
                     (w.grant != 0 && x->grants[0].clearance >= 2);
    if (on_case)
        return w;

    /* Only one who may read the item learns what it holds. */
    if (bytes && h->profile != NULL && !x->has_copy)
        return no(w, CS_DENY_NO_COPY);
    /* A URL is decided as its fetch, which always comes over the network. */
    int leaves = h->channel != CS_CHANNEL_CLI || rd == CS_READ_EXPORT || rd == CS_READ_MINT;
    if (bytes && x->level >= SECRET && !b->pol.serve_state_secret && leaves)
        return no(w, CS_DENY_STATE_SECRET);
    if (rd == CS_READ_MINT)
        w.ledgered = 0; /* its fetch is */
    return w;
}

/* ---- Checks of one decision. ---- */

/* The entry's `key` is the string `want`. */
static int
is(json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v != NULL && want != NULL && strcmp(v, want) == 0;
}

/* The entry writes a field it leaves out as null: either way it says nothing. */
static int
has(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return v != NULL && !json_is_null(v);
}

/* NULL when the decision and its entry are what `w` says; else what is wrong. */
static const char *
mismatch(const built_t *b, const want_t *w, const cs_access_decision_t *d, json_t *e, char *buf,
         size_t size)
{
    if (d->allowed != w->allowed || d->deny != w->deny || d->status != w->status ||
        d->ledgered != w->ledgered || d->grant != w->grant || d->ledger_scope != w->scope ||
        d->personal_data != w->personal) {
        snprintf(buf, size,
                 "got allowed=%d deny=%s status=%d ledgered=%d grant=%lld scope=%d personal=%d, "
                 "want allowed=%d deny=%s status=%d ledgered=%d grant=%lld scope=%d personal=%d "
                 "(reason \"%s\")",
                 d->allowed, cs_access_deny_code(d->deny) ? cs_access_deny_code(d->deny) : "-",
                 d->status, d->ledgered, (long long)d->grant, d->ledger_scope, d->personal_data,
                 w->allowed, cs_access_deny_code(w->deny) ? cs_access_deny_code(w->deny) : "-",
                 w->status, w->ledgered, (long long)w->grant, w->scope, w->personal, d->reason);
        return buf;
    }
    if (w->allowed != (d->reason[0] == '\0'))
        return "a refusal has a reason, an allowed read none";
    if (d->grant != 0 && strcmp(d->case_number, CASE) != 0)
        return "the decision names another case than its grant's";
    if (!w->ledgered)
        return e == NULL ? NULL : "an entry made of a decision not ledgered";
    if (!json_is_object(e))
        return "no entry for a ledgered decision";
    const char *role = b->who.role == CS_ROLE_NONE ? NULL : role_names[b->who.role];
    json_t *grant = json_object_get(e, "grant");
    json_t *bytes = json_object_get(e, "bytes");
    if (!is(e, "kind", "retrieval") || !is(e, "action", b->how.action) ||
        !is(e, "actor", b->who.name))
        return "entry: kind, action or actor";
    if (role ? !is(e, "role", role) : has(e, "role"))
        return "entry: role";
    if (!is(e, "result", w->allowed ? "allowed" : "denied"))
        return "entry: result";
    if (w->allowed ? has(e, "reason") : !is(e, "reason", d->reason))
        return "entry: reason (the decision's, only when denied)";
    if (!json_is_integer(bytes) || json_integer_value(bytes) != (w->allowed ? BYTES : 0))
        return "entry: bytes (how.bytes when allowed, 0 when denied)";
    if (w->allowed ? !is(e, "range", RANGE) : has(e, "range"))
        return "entry: range (only when allowed)";
    if (b->how.purpose && *b->how.purpose ? !is(e, "purpose", b->how.purpose) : has(e, "purpose"))
        return "entry: purpose (only when stated)";
    if (w->grant ? !json_is_integer(grant) || json_integer_value(grant) != w->grant
                 : has(e, "grant"))
        return "entry: grant (only when a grant decided)";
    if (b->how.channel == CS_CHANNEL_MEDIA_URL ? !is(e, "via", "media-url") : has(e, "via"))
        return "entry: via (\"media-url\" only on that channel)";
    return NULL;
}

/* A refusal to one who may not read the item names no classification level. */
static const char *
leaked_level(const cs_access_decision_t *d)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
        if (strstr(d->reason, level_names[i]) != NULL)
            return level_names[i];
    return NULL;
}

static int
no_access(const cs_access_decision_t *d)
{
    return !d->allowed && d->deny != CS_DENY_STATE_SECRET && d->deny != CS_DENY_NO_COPY;
}

static void
decide(const built_t *b, cs_access_decision_t *d, json_t **e)
{
    memset(d, 0x5A, sizeof *d); /* the gate sets every field */
    *e = (json_t *)&e;          /* and the entry pointer, NULL or not */
    ck_assert_int_eq(cs_access_read(&b->pol, &b->who, &b->what, &b->how, d, e), 0);
}

/* ---- The hand-written table. ---- */

#include "tests/access/access_rows.h"

START_TEST(test_row)
{
    const row_t *r = &rows[_i];
    built_t b;
    cs_access_decision_t d;
    json_t *e;
    char buf[512];
    build(&r->c, &b);
    want_t w = oracle(&b);
    /* The oracle must agree with the hand-written answer, or it proves nothing below. */
    ck_assert_msg(w.allowed == r->allowed && w.deny == r->deny && w.status == r->status &&
                      w.ledgered == r->ledgered && w.personal == r->personal,
                  "%s: the oracle disagrees with the table", r->name);
    decide(&b, &d, &e);
    const char *bad = mismatch(&b, &w, &d, e, buf, sizeof buf);
    ck_assert_msg(bad == NULL, "%s: %s", r->name, bad);
    json_decref(e);
}
END_TEST

/* ---- The whole cross product against the oracle. ---- */

static const struct {
    kind_t kind;
    int has_copy;
    size_t members, readable;
} shapes[] = {
    {K_META, 0, 0, 0},          {K_ORIG, 0, 0, 0},        {K_DERIV, 1, 0, 0},
    {K_DERIV, 0, 0, 0},         {K_LIST, 0, 0, 0},        {K_LIST_CASE, 0, 0, 0},
    {K_EXPORT_CASE, 0, 0, 0},   {K_EXPORT_CASE, 0, 3, 2}, {K_EXPORT_CASE, 0, 3, 0},
    {K_EXPORT_ITEM, 0, 0, 0},   {K_LEDGER, 0, 0, 0},      {K_QUEUE, 0, 0, 0},
    {K_RELINK, 0, 0, 0},        {K_MINT, 0, 0, 0},        {K_MINT_DERIV, 1, 0, 0},
    {K_MINT_DERIV, 0, 0, 0},    {K_CASE, 0, 0, 0},        {K_ARCHIVAL, 1, 0, 0},
    {K_MINT_ARCHIVAL, 1, 0, 0}, {K_REGISTER, 0, 0, 0},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

/* The next digit of a mixed-radix counter. */
static int
digit(long *v, long base)
{
    int d = (int)(*v % base);
    *v /= base;
    return d;
}

typedef struct tally {
    long failed, leaks;
    char first[1024], first_leak[512];
} tally_t;

static void
against_oracle(const combo_t *c, tally_t *t)
{
    built_t b;
    cs_access_decision_t d;
    json_t *e;
    char buf[512], who[400];
    build(c, &b);
    want_t w = oracle(&b);
    decide(&b, &d, &e);
    const char *bad = mismatch(&b, &w, &d, e, buf, sizeof buf);
    json_decref(e);
    if (bad != NULL && t->failed++ == 0) {
        describe(c, who, sizeof who);
        snprintf(t->first, sizeof t->first, "%s: %s", who, bad);
    }
    const char *lvl = leaked_level(&d);
    if (no_access(&d) && lvl != NULL && t->leaks++ == 0) {
        describe(c, who, sizeof who);
        snprintf(t->first_leak, sizeof t->first_leak, "%s: \"%s\"", who, d.reason);
    }
}

START_TEST(test_matrix)
{
    tally_t t = {0};
    long n = 0, all = 6L * 2 * G_COUNT * 6 * (long)NSHAPES * 3 * P_COUNT * 8 * 2 * S_COUNT;
    for (long i = 0; i < all; i++) {
        long v = i;
        combo_t c = {.role = (cs_role_t)digit(&v, 6), .disabled = digit(&v, 2)};
        c.grant = (gstate_t)digit(&v, G_COUNT);
        c.level = digit(&v, 6) - 1; /* LV_DEFAULT, then 0 to 4 */
        size_t s = (size_t)digit(&v, NSHAPES);
        c.kind = shapes[s].kind;
        c.has_copy = shapes[s].has_copy;
        c.members = shapes[s].members;
        c.readable = shapes[s].readable;
        c.channel = (cs_channel_t)digit(&v, 3);
        c.purpose = (purpose_t)digit(&v, P_COUNT);
        c.absent = digit(&v, 2), c.brought_in = digit(&v, 2), c.unassigned = digit(&v, 2);
        c.serve = digit(&v, 2);
        c.scope = (scope_t)digit(&v, S_COUNT);
        if (c.scope != S_ORIGINALS && c.grant != G_LIVE && c.grant != G_LOW)
            continue; /* without a grant, no scope to weigh */
        if (c.grant == G_LOW && (c.level == LV_DEFAULT ? DEFAULT_LEVEL : c.level) == 0)
            continue; /* no clearance below public */
        against_oracle(&c, &t);
        n++;
    }
    ck_assert_msg(n > 100000, "only %ld combinations", n);
    ck_assert_msg(t.failed == 0, "%ld of %ld combinations disagree with the rules; first: %s",
                  t.failed, n, t.first);
    ck_assert_msg(t.leaks == 0, "%ld refusals name a level to one without access; first: %s",
                  t.leaks, t.first_leak);
}
END_TEST

/* A state_secret URL is refused on every channel, the host's too, to every role that may read
 * the item (rules.c at 9917eef decided it by the channel it was minted on). */
START_TEST(test_mint_is_its_fetch)
{
    char who[400], buf[512];
    for (int role = CS_ROLE_CLERK; role <= CS_ROLE_OPERATOR; role++)
        for (int k = K_MINT; k <= K_MINT_DERIV; k++) {
            combo_t c = {AS((cs_role_t)role, G_LIVE, SECRET, (kind_t)k), .brought_in = 1,
                         .channel = CS_CHANNEL_CLI, .has_copy = 1};
            built_t b;
            cs_access_decision_t d;
            json_t *e;
            build(&c, &b);
            want_t w = oracle(&b);
            decide(&b, &d, &e);
            describe(&c, who, sizeof who);
            const char *bad = mismatch(&b, &w, &d, e, buf, sizeof buf);
            ck_assert_msg(bad == NULL, "%s: %s", who, bad);
            ck_assert_int_eq(d.deny, role == CS_ROLE_AUDITOR ? CS_DENY_ROLE : CS_DENY_STATE_SECRET);
            json_decref(e);
        }
}
END_TEST

/* A reviewer or admin whose grant does not clear the item may not read it, so the refusal
 * does not tell them its classification, nor how far the grant clears (rules.c at 9917eef
 * said "item ... is state_secret; grant N clears up to ...", and the API sends the reason). */
START_TEST(test_clearance_names_no_level)
{
    cs_role_t role = _i < 4 ? CS_ROLE_REVIEWER : CS_ROLE_ADMIN;
    combo_t c = {AS(role, G_LOW, 1 + _i % 4, K_META)};
    built_t b;
    cs_access_decision_t d;
    json_t *e;
    build(&c, &b);
    decide(&b, &d, &e);
    json_decref(e);
    ck_assert_int_eq(d.deny, CS_DENY_CLEARANCE);
    ck_assert_msg(leaked_level(&d) == NULL, "%s, level %d: the reason \"%s\" names \"%s\"",
                  role_names[role], c.level, d.reason, leaked_level(&d));
}
END_TEST

/* One who may not read it cannot tell an absent item (or case) from one not theirs: same
 * code, status, reason and entry. The loader finds no grant and nothing brought in for an
 * item that is not there, so the absent twin has none either. */
START_TEST(test_absent_equals_ungranted)
{
    static const cs_role_t roles[] = {CS_ROLE_CLERK, CS_ROLE_REVIEWER, CS_ROLE_ADMIN};
    int compared = 0;
    for (size_t r = 0; r < 3; r++)
        for (int g = G_NONE; g <= G_OTHER_PARTY; g++)
            for (int lv = 0; lv <= SECRET; lv++)
                for (size_t s = 0; s < NSHAPES; s++)
                    for (int ch = CS_CHANNEL_HTTP; ch <= CS_CHANNEL_CLI; ch++) {
                        kind_t k = shapes[s].kind;
                        if (!is_item(k) && !is_case(k))
                            continue;
                        combo_t c = {AS(roles[r], (gstate_t)g, lv, k), .channel = (cs_channel_t)ch};
                        c.has_copy = shapes[s].has_copy;
                        c.members = shapes[s].members;
                        c.readable = shapes[s].readable;
                        built_t b1, b2;
                        cs_access_decision_t d1, d2;
                        json_t *e1, *e2;
                        char who[400];
                        build(&c, &b1);
                        c.absent = 1;
                        build(&c, &b2);
                        decide(&b1, &d1, &e1);
                        decide(&b2, &d2, &e2);
                        describe(&c, who, sizeof who);
                        ck_assert_msg(!d1.allowed && !d2.allowed, "%s: allowed", who);
                        ck_assert_msg(d1.deny == d2.deny && d1.status == d2.status &&
                                          strcmp(d1.reason, d2.reason) == 0,
                                      "%s: \"%s\" (%d) for an item not theirs, \"%s\" (%d) for "
                                      "none",
                                      who, d1.reason, d1.status, d2.reason, d2.status);
                        ck_assert_msg(json_equal(e1, e2), "%s: the entries differ", who);
                        ck_assert_msg(leaked_level(&d1) == NULL, "%s: \"%s\"", who, d1.reason);
                        json_decref(e1);
                        json_decref(e2);
                        compared++;
                    }
    ck_assert_int_gt(compared, 500);
}
END_TEST

/* The policy's default level reaches the gate only through the loaded level: the gate decides
 * on what->level, whatever access.default_classification is now. */
START_TEST(test_level_is_the_loaded_one)
{
    combo_t c = {AS(CS_ROLE_REVIEWER, G_LIVE, 1, K_ORIG)};
    built_t b;
    cs_access_decision_t d;
    json_t *e;
    build(&c, &b);
    b.pol.default_level = SECRET;
    decide(&b, &d, &e);
    ck_assert_int_eq(d.allowed, 1);
    json_decref(e);
    b.what.level = b.pol.default_level; /* an unclassified item loaded under that policy */
    b.what.grants[0].clearance = SECRET;
    decide(&b, &d, &e);
    ck_assert_int_eq(d.deny, CS_DENY_STATE_SECRET);
    json_decref(e);
}
END_TEST

/* Without an entry pointer the decision is the same, and nothing is made. */
START_TEST(test_no_entry_pointer)
{
    combo_t c = {AS(CS_ROLE_REVIEWER, G_LOW, 3, K_META)};
    built_t b;
    cs_access_decision_t d1, d2;
    json_t *e;
    build(&c, &b);
    decide(&b, &d1, &e);
    json_decref(e);
    memset(&d2, 0x5A, sizeof d2);
    ck_assert_int_eq(cs_access_read(&b.pol, &b.who, &b.what, &b.how, &d2, NULL), 0);
    ck_assert_int_eq(d2.deny, CS_DENY_CLEARANCE);
    ck_assert_int_eq(d2.ledgered, 1);
    ck_assert_str_eq(d2.reason, d1.reason);
    ck_assert_int_eq(d2.grant, d1.grant);
}
END_TEST

/* The grant weighed is the first (highest clearance first) that holds the purpose and reaches
 * the read: a view-only grant ahead of an originals grant does not hide it; with no grant that
 * reaches, the refusal names the first that holds the purpose, with code "scope". */
START_TEST(test_scope_picks_the_grant_that_reaches)
{
    combo_t c = {AS(CS_ROLE_REVIEWER, G_LIVE, 0, K_ORIG), .scope = S_METADATA};
    built_t b;
    cs_access_decision_t d;
    json_t *e;
    build(&c, &b);
    b.what.grants[1].scope = CS_SCOPE_ORIGINALS; /* grant 42, clearance 0, the other case */
    decide(&b, &d, &e);
    ck_assert_int_eq(d.allowed, 1);
    ck_assert_int_eq(d.grant, 42);
    ck_assert_int_eq(json_integer_value(json_object_get(e, "grant")), 42);
    json_decref(e);
    b.what.grants[1].scope = CS_SCOPE_MEDIA;
    decide(&b, &d, &e);
    ck_assert_int_eq(d.deny, CS_DENY_SCOPE);
    ck_assert_str_eq(cs_access_deny_code(d.deny), "scope");
    ck_assert_int_eq(d.status, 403);
    ck_assert_int_eq(d.grant, 41);
    ck_assert_ptr_nonnull(strstr(d.reason, "originals"));
    ck_assert_ptr_nonnull(strstr(d.reason_zh, "下载原件"));
    ck_assert(is(e, "result", "denied") && is(e, "reason", d.reason));
    json_decref(e);
}
END_TEST

static Suite *
access_suite(void)
{
    Suite *s = suite_create("access");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_row, 0, NROWS);
    suite_add_tcase(s, tc);
    tc = tcase_create("matrix");
    tcase_set_timeout(tc, 240); /* about 5.4 million decisions, each with its entry */
    tcase_add_test(tc, test_matrix);
    tcase_add_test(tc, test_absent_equals_ungranted);
    tcase_add_test(tc, test_level_is_the_loaded_one);
    tcase_add_test(tc, test_no_entry_pointer);
    suite_add_tcase(s, tc);
    tc = tcase_create("found");
    tcase_add_test(tc, test_mint_is_its_fetch);
    tcase_add_loop_test(tc, test_clearance_names_no_level, 0, 8);
    tcase_add_test(tc, test_scope_picks_the_grant_that_reaches);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(access_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
