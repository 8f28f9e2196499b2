/* access/rules.c: the gate's decision (access.h), plain C over the rows indexer/ loaded. */
#include "access/access.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LEVEL_STATE_SECRET 4

/* Each refusal's code for clients, its Chinese text for people and the HTTP status. */
static const struct {
    const char *code, *zh;
    int status;
} denials[] = {
    [CS_DENY_NONE] = {NULL, "", 200},
    [CS_DENY_UNKNOWN_USER] = {"unknown-user", "没有这个用户", 403},
    [CS_DENY_DISABLED] = {"disabled", "该用户已停用", 403},
    [CS_DENY_NO_PURPOSE] = {"no-purpose", "每次调阅都须说明用途；本次拒绝已记入调阅记录", 400},
    [CS_DENY_NO_GRANT] = {"no-grant", "您没有覆盖此记录的有效授权：请向管理员申请授权", 403},
    [CS_DENY_CLEARANCE] = {"clearance", "此记录的密级高于您授权的许可级别", 403},
    [CS_DENY_STATE_SECRET] = {"state-secret", "此记录涉及国家秘密，不通过网络提供，也不导出", 403},
    [CS_DENY_NOT_YOURS] = {"not-yours", "书记员只能调阅本人录入的记录和未归档的记录", 403},
    [CS_DENY_ROLE] = {"role", "您的角色不允许此操作", 403},
    [CS_DENY_NOT_FOUND] = {"not-found", "未找到", 404},
    [CS_DENY_NO_COPY] = {"no-copy", "此记录尚无该规格的已验证副本", 404},
    [CS_DENY_PURPOSE_OUT_OF_SCOPE] = {"purpose-out-of-scope",
                                      "所述用途不在授权范围内；本次拒绝已记入调阅记录", 403},
    [CS_DENY_SCOPE] =
        {"scope",
         "此操作超出您授权的调阅范围（查看记录、查看媒体、下载原件或导出）：请申请相应范围"
         "的授权；本次拒绝已记入调阅记录",
         403},
    [CS_DENY_OWN_EVIDENCE] = {"own-evidence",
                              "您录入过本案的证据，不能出具本案的法制审核意见（办审分离）", 403},
    [CS_DENY_CASE_OFFICER] = {"case-officer",
                              "您是本案的承办人员，不能出具本案的法制审核意见（办审分离）", 403},
    [CS_DENY_OPINION_AUTHOR] = {"opinion-author",
                                "您出具了本案的法制审核意见，不能作出本案的决定（审定分离）", 403},
    [CS_DENY_NOT_REVIEWED] = {"not-reviewed", "未经法制审核或者审核未通过的，不得作出决定", 409},
    [CS_DENY_NO_SUBMISSION] = {"no-submission",
                               "本案没有待审核的送审材料（尚未送审，或本轮已出具审核意见）", 409},
    [CS_DENY_DECIDED] = {"decided", "本轮审核后已作出决定；再作决定须重新送审", 409},
    [CS_DENY_NEVER_PUBLIC] = {"never-public", "涉及国家秘密的信息依法不得公开，不制作公开副本",
                              403},
    [CS_DENY_NO_SPEC] = {"no-redaction-spec",
                         "涉及商业秘密或个人隐私的信息须先作脱敏处理：请先保存脱敏规格", 409},
    [CS_DENY_NOT_COPYABLE] = {"not-copyable",
                              "文书的公开副本是经脱敏的文本，由经办人上传，不从原件复制；"
                              "照片和音视频的公开副本由系统制作",
                              409},
    [CS_DENY_SELF_APPROVAL] = {"self-approval", "公开副本须由制作人以外的人员审核批准", 403},
    [CS_DENY_APPROVED] = {"approved", "该公开副本已经批准", 409},
    [CS_DENY_OWN_PROPOSAL] =
        {"own-proposal", "提出本批处置的管理员不能批准本批处置：须由另一名管理员批准（双人审批）",
         403},
    [CS_DENY_DISPOSED] = {"item-disposed",
                          "该记录已按保管期限经两名管理员批准处置，原件和副本均已删除；"
                          "目录中保留其销毁记录",
                          410},
};

static const char *const scope_names[] = {"metadata", "media", "originals", "export"};
static const char *const scope_zh[] = {"查看记录", "查看媒体", "下载原件", "导出"};

int
cs_access_scope(const char *text)
{
    for (size_t i = 0; text != NULL && i < sizeof scope_names / sizeof scope_names[0]; i++)
        if (strcmp(text, scope_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *
cs_access_scope_name(cs_scope_t scope)
{
    return (unsigned)scope < sizeof scope_names / sizeof scope_names[0] ? scope_names[scope] : NULL;
}

cs_scope_t
cs_access_scope_needed(const cs_access_how_t *h)
{
    int archival = h->profile != NULL && strcmp(h->profile, "archival") == 0;
    switch (h->read) {
    case CS_READ_ORIGINAL:
        return CS_SCOPE_ORIGINALS;
    case CS_READ_DERIVATIVE:
    case CS_READ_MINT: /* a URL for the original (no profile) or for a copy */
        return archival || h->profile == NULL ? CS_SCOPE_ORIGINALS : CS_SCOPE_MEDIA;
    case CS_READ_EXPORT:
        return CS_SCOPE_EXPORT;
    default:
        return CS_SCOPE_METADATA;
    }
}

cs_role_t
cs_access_role(const char *text)
{
    static const char *const names[] = {"clerk", "reviewer", "auditor", "admin"};
    for (size_t i = 0; text != NULL && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i]) == 0)
            return (cs_role_t)(CS_ROLE_CLERK + i);
    return text != NULL && strcmp(text, "legal") == 0 ? CS_ROLE_LEGAL : CS_ROLE_NONE;
}

const char *
cs_access_role_name(cs_role_t role)
{
    static const char *const names[] = {NULL,    "clerk",    "reviewer", "auditor",
                                        "admin", "operator", "legal"};
    return (unsigned)role < sizeof names / sizeof names[0] ? names[role] : NULL;
}

const char *
cs_access_deny_zh(cs_deny_t deny)
{
    return (unsigned)deny < sizeof denials / sizeof denials[0] ? denials[deny].zh : "";
}

const char *
cs_access_deny_code(cs_deny_t deny)
{
    return (unsigned)deny < sizeof denials / sizeof denials[0] ? denials[deny].code : NULL;
}

int
cs_access_deny_status(cs_deny_t deny)
{
    return (unsigned)deny < sizeof denials / sizeof denials[0] ? denials[deny].status : 403;
}

int
cs_access_case_editor(cs_role_t role)
{
    return role == CS_ROLE_CLERK || role == CS_ROLE_ADMIN || role == CS_ROLE_OPERATOR;
}

int
cs_access_retention_admin(cs_role_t role)
{
    return role == CS_ROLE_ADMIN || role == CS_ROLE_OPERATOR;
}

int
cs_access_registry(cs_role_t role)
{
    if (role == CS_ROLE_ADMIN || role == CS_ROLE_OPERATOR)
        return 1;
    return role == CS_ROLE_CLERK ? 2 : 0;
}

int
cs_access_format_policy(cs_role_t role)
{
    return role == CS_ROLE_ADMIN || role == CS_ROLE_OPERATOR;
}

void
cs_access_refuse(cs_access_decision_t *d, cs_deny_t why, const char *fmt, ...)
{
    va_list ap;
    d->allowed = 0;
    d->deny = why;
    d->status = denials[why].status;
    d->ledgered = 1;
    snprintf(d->reason_zh, sizeof d->reason_zh, "%s", denials[why].zh); /* fits: ours, short */
    va_start(ap, fmt);
    cs_vsnprintf_cut(d->reason, sizeof d->reason, fmt, ap); /* words for people: cut if long */
    va_end(ap);
}

/* Refuses with `why`: the full reason (fmt) for the ledger, the caller's text from the table. */
static void deny(cs_access_decision_t *d, cs_deny_t why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
deny(cs_access_decision_t *d, cs_deny_t why, const char *fmt, ...)
{
    va_list ap;
    d->allowed = 0;
    d->deny = why;
    d->status = denials[why].status;
    snprintf(d->reason_zh, sizeof d->reason_zh, "%s", denials[why].zh); /* fits: ours, short */
    va_start(ap, fmt);
    cs_vsnprintf_cut(d->reason, sizeof d->reason, fmt, ap); /* words for people: cut if long */
    va_end(ap);
}

static void
allow(cs_access_decision_t *d, const cs_access_grant_t *g)
{
    d->allowed = 1;
    d->deny = CS_DENY_NONE;
    d->status = 200;
    if (g != NULL) {
        d->grant = g->id;
        snprintf(d->case_number, sizeof d->case_number, "%s", g->case_number); /* fits: same size */
    }
}

static int
is_media(cs_read_t r)
{
    return r == CS_READ_ORIGINAL || r == CS_READ_DERIVATIVE || r == CS_READ_EXPORT ||
           r == CS_READ_MINT;
}

/* Those who may read every record: told "not found" of what is not there. */
static int
sees_all(const cs_access_who_t *w)
{
    return w->role == CS_ROLE_AUDITOR || w->role == CS_ROLE_OPERATOR;
}

/* The best covering grant (the highest clearance comes first) that accepts the purpose and
 * whose scope reaches the read; NULL when none, and then *purposeful is the first that accepts
 * the purpose (NULL when none does either). */
static const cs_access_grant_t *
in_scope(const cs_access_policy_t *pol, const cs_access_what_t *x, const cs_access_how_t *h,
         const cs_access_grant_t **purposeful)
{
    cs_scope_t need = cs_access_scope_needed(h);
    *purposeful = NULL;
    for (size_t i = 0; i < x->ngrants && i < CS_ACCESS_GRANTS_MAX; i++)
        if (cs_access_grant_accepts(pol, &x->grants[i], h->purpose)) {
            if (*purposeful == NULL)
                *purposeful = &x->grants[i];
            if (x->grants[i].scope >= need)
                return &x->grants[i];
        }
    return NULL;
}

/* Grants hold the purpose, none reaches the read: the refusal names the first of them, its
 * scope and the scope the read needs (the caller holds that grant). */
static void
deny_scope(cs_access_decision_t *d, const cs_access_grant_t *g, const cs_access_how_t *h)
{
    cs_scope_t need = cs_access_scope_needed(h);
    const char *has = cs_access_scope_name(g->scope);
    d->grant = g->id;
    snprintf(d->case_number, sizeof d->case_number, "%s", g->case_number); /* fits: same size */
    deny(d, CS_DENY_SCOPE,
         "grant %lld lets its holder read %s only; this read needs %s: ask for a grant with "
         "that scope (custody request --scope %s)",
         (long long)g->id, has ? has : "nothing", scope_names[need], scope_names[need]);
    cs_snprintf_cut(d->reason_zh, sizeof d->reason_zh,
                    "此操作超出授权 %lld 的调阅范围（%s）：需要「%s」范围的授权，请另行申请；"
                    "本次拒绝已记入调阅记录",
                    (long long)g->id, (unsigned)g->scope < 4 ? scope_zh[g->scope] : "无",
                    scope_zh[need]);
}

/* Grants cover it, none for the purpose stated: the caller holds them, so the refusal names
 * their purposes (and the best grant, as a clearance refusal does). The purpose stated is in
 * the entry already. Lists are made of whole purposes: a list too long ends with "……". */
static void
deny_purpose(cs_access_decision_t *d, const cs_access_what_t *x)
{
    char en[128], zh[360];
    cs_buf_t b, z;
    cs_buf_init(&b, en, sizeof en);
    cs_buf_init(&z, zh, sizeof zh);
    for (size_t i = 0; i < x->ngrants && i < CS_ACCESS_GRANTS_MAX; i++) {
        const char *p = x->grants[i].purposes, *end = p + sizeof x->grants[i].purposes;
        for (size_t k = 0;
             k < x->grants[i].npurposes && strnlen(p, (size_t)(end - p)) < (size_t)(end - p);
             k++, p += strlen(p) + 1) {
            cs_buf_printf(&b, "%s\"%s\"", b.len ? ", " : "", p);
            cs_buf_printf(&z, "「%s」", p);
        }
    }
    d->grant = x->grants[0].id;
    snprintf(d->case_number, sizeof d->case_number, "%s", x->grants[0].case_number); /* fits */
    /* At most 95 + 20 + 127 + 4 bytes: never cut inside a character (the entry is UTF-8). */
    deny(d, CS_DENY_PURPOSE_OUT_OF_SCOPE,
         "the purpose is not one of grant %lld's (%s%s): state one of them, or ask an admin for a "
         "grant with it",
         (long long)x->grants[0].id, en, cs_buf_done(&b) ? " ..." : "");
    cs_snprintf_cut(d->reason_zh, sizeof d->reason_zh,
                    "所述用途不在授权范围内：本授权的用途为%s%s；本次拒绝已记入调阅记录", zh,
                    cs_buf_done(&z) ? "……" : "");
}

/* A case listed or exported as a whole. */
static void
case_rule(const cs_access_policy_t *pol, const cs_access_who_t *w, const cs_access_what_t *x,
          const cs_access_how_t *h, cs_access_decision_t *d)
{
    /* A case number longer than any the catalog holds names no case (it is refused below):
     * its decision then names none rather than a cut one. */
    if (x->case_number != NULL)
        (void)cs_snprintf(d->case_number, sizeof d->case_number, "%s", x->case_number);
    if (sees_all(w)) {
        if (x->exists)
            allow(d, NULL);
        else
            deny(d, CS_DENY_NOT_FOUND, "no case %s", x->case_number);
    } else if (w->role == CS_ROLE_CLERK) {
        if (x->brought_in)
            allow(d, NULL);
        else
            deny(d, CS_DENY_NOT_YOURS, "clerk %s brought no item of case %s in", w->name,
                 x->case_number);
    } else if (x->ngrants > 0) {
        const cs_access_grant_t *p, *g = in_scope(pol, x, h, &p);
        if (p == NULL)
            return deny_purpose(d, x);
        if (g == NULL)
            return deny_scope(d, p, h);
        allow(d, g);
    } else {
        deny(d, CS_DENY_NO_GRANT, "%s has no live grant on case %s", w->name, x->case_number);
    }
    if (d->allowed && x->members > 0 && x->readable == 0)
        deny(d, CS_DENY_NO_GRANT, "%s may read none of the %zu items of case %s", w->name,
             x->members, x->case_number);
}

/* One item's record or bytes, or its relink. */
static void
item_rule(const cs_access_policy_t *pol, const cs_access_who_t *w, const cs_access_what_t *x,
          const cs_access_how_t *h, cs_access_decision_t *d)
{
    const char *sha = x->sha256 ? x->sha256 : "";
    int media = is_media(h->read);
    if (w->role == CS_ROLE_AUDITOR && (media || h->read == CS_READ_RELINK))
        return deny(d, CS_DENY_ROLE, "auditors read the ledger and metadata, never media bytes%s",
                    h->read == CS_READ_RELINK ? ", and change no links" : "");
    if ((w->role == CS_ROLE_REVIEWER || w->role == CS_ROLE_LEGAL) && h->read == CS_READ_RELINK)
        return deny(d, CS_DENY_ROLE, "only clerks and admins change links; %s is a %s", w->name,
                    cs_access_role_name(w->role));
    if (sees_all(w)) {
        if (!x->exists)
            return deny(d, CS_DENY_NOT_FOUND, "no item %.12s", sha);
        allow(d, NULL);
    } else if (w->role == CS_ROLE_CLERK) {
        if (!x->exists || !(x->brought_in || x->unassigned))
            return deny(d, CS_DENY_NOT_YOURS,
                        "clerk %s did not bring item %.12s in, and it is assigned to a case",
                        w->name, sha);
        allow(d, NULL);
    } else {
        const cs_access_grant_t *p, *best = x->ngrants > 0 ? &x->grants[0] : NULL;
        if (!x->exists || best == NULL)
            return deny(d, CS_DENY_NO_GRANT, "%s has no live grant on a case of item %.12s",
                        w->name, sha);
        if ((best = in_scope(pol, x, h, &p)) == NULL)
            return p == NULL ? deny_purpose(d, x) : deny_scope(d, p, h);
        d->grant = best->id;
        snprintf(d->case_number, sizeof d->case_number, "%s", best->case_number); /* fits: same */
        if (best->clearance < x->level)
            /* The level is not named: the caller may not read the item, so not its class. */
            return deny(d, CS_DENY_CLEARANCE,
                        "item %.12s is classified above what grant %lld clears (custody grant "
                        "--clearance)",
                        sha, (long long)best->id);
        allow(d, best);
    }
    /* Checked once the caller may read the item: only they learn what it holds. */
    if (x->disposed) {
        d->disposed_seq = x->disposed_seq;
        deny(d, CS_DENY_DISPOSED,
             "item %.12s was disposed of after its retention period: its record, original and "
             "copies are gone (its tombstone stays; `disposed` ledger entry %lld)",
             sha, (long long)x->disposed_seq);
        cs_snprintf_cut(d->reason_zh, sizeof d->reason_zh, "%s（处置记录：台账第 %lld 条）",
                        denials[CS_DENY_DISPOSED].zh, (long long)x->disposed_seq);
        return;
    }
    if (h->profile != NULL && media && !x->has_copy)
        return deny(d, CS_DENY_NO_COPY, "item %.12s has no verified %s copy", sha, h->profile);
    if (media && x->level >= LEVEL_STATE_SECRET && !pol->serve_state_secret &&
        (h->channel != CS_CHANNEL_CLI || h->read == CS_READ_EXPORT || h->read == CS_READ_MINT))
        deny(d, CS_DENY_STATE_SECRET, "item %.12s is state_secret: never served over the network",
             sha);
}

/* The covering grant the decision went through, or NULL. */
static const cs_access_grant_t *
grant_used(const cs_access_what_t *x, const cs_access_decision_t *d)
{
    for (size_t i = 0; d->grant != 0 && i < x->ngrants && i < CS_ACCESS_GRANTS_MAX; i++)
        if (x->grants[i].id == d->grant)
            return &x->grants[i];
    return NULL;
}

static void
decide(const cs_access_policy_t *pol, const cs_access_who_t *w, const cs_access_what_t *x,
       const cs_access_how_t *h, cs_access_decision_t *d)
{
    int purposeful = h->purpose != NULL && h->purpose[0] != '\0';
    int records =
        h->read != CS_READ_LEDGER && h->read != CS_READ_QUEUE && h->read != CS_READ_REGISTER;
    d->ledgered = 1;
    d->ledger_scope = CS_LEDGER_SCOPE_CUSTODY;
    if (w->role == CS_ROLE_NONE)
        return deny(d, CS_DENY_UNKNOWN_USER, "no Custody user named %s", w->name);
    if (w->disabled)
        return deny(d, CS_DENY_DISABLED, "user %s is disabled", w->name);
    if (w->role == CS_ROLE_AUDITOR || w->role == CS_ROLE_ADMIN || w->role == CS_ROLE_OPERATOR)
        d->ledger_scope = CS_LEDGER_SCOPE_ALL;
    if (records && !purposeful)
        return deny(d, CS_DENY_NO_PURPOSE, "no purpose stated: every retrieval states why");
    switch (h->read) {
    case CS_READ_LEDGER:
        /* Reading the ledger is not a read of records: only a refusal is ledgered. */
        if (d->ledger_scope == CS_LEDGER_SCOPE_ALL)
            allow(d, NULL), d->ledgered = 0;
        else
            deny(d, CS_DENY_ROLE, "only auditors and admins read the ledger; %s is a %s", w->name,
                 cs_access_role_name(w->role));
        return;
    case CS_READ_REGISTER:
        /* Who asked whom to read what: auditors and admins, each look ledgered. */
        if (d->ledger_scope == CS_LEDGER_SCOPE_ALL)
            allow(d, NULL);
        else
            deny(d, CS_DENY_ROLE,
                 "only auditors and admins read the retrieval register; %s is a %s", w->name,
                 cs_access_role_name(w->role));
        return;
    case CS_READ_QUEUE:
        if (w->role != CS_ROLE_REVIEWER && w->role != CS_ROLE_LEGAL)
            allow(d, NULL), d->ledgered = 0;
        else
            deny(d, CS_DENY_ROLE,
                 "only clerks, admins and auditors watch the ingest queue; %s is a %s", w->name,
                 cs_access_role_name(w->role));
        return;
    case CS_READ_LIST:
        if (x->case_number == NULL)
            return allow(d, NULL); /* its members are filtered one by one */
        return case_rule(pol, w, x, h, d);
    case CS_READ_EXPORT:
        if (x->sha256 != NULL)
            return item_rule(pol, w, x, h, d);
        if (w->role == CS_ROLE_AUDITOR)
            return deny(d, CS_DENY_ROLE,
                        "auditors read the ledger and metadata, never media bytes: an export "
                        "carries the originals");
        return case_rule(pol, w, x, h, d);
    case CS_READ_CASE:
        case_rule(pol, w, x, h, d);
        /* Personal data: the operator, a clerk completing the record, a grant clearing it. */
        d->personal_data =
            d->allowed &&
            (w->role == CS_ROLE_OPERATOR || w->role == CS_ROLE_CLERK ||
             (grant_used(x, d) != NULL && grant_used(x, d)->clearance >= CS_ACCESS_LEVEL_PRIVACY));
        return;
    case CS_READ_MINT:
        /* A signed URL serves nothing: its fetch is decided and ledgered; a refusal is
         * ledgered now, like any denied read. */
        item_rule(pol, w, x, h, d);
        d->ledgered = !d->allowed;
        return;
    default:
        return item_rule(pol, w, x, h, d);
    }
}

/* The retrieval ledger entry of a decision: built here and nowhere else. */
static json_t *
entry_of(const cs_access_who_t *w, const cs_access_what_t *x, const cs_access_how_t *h,
         const cs_access_decision_t *d)
{
    const char *role = cs_access_role_name(w->role);
    int purposeful = h->purpose != NULL && h->purpose[0] != '\0';
    return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:s?, "
                     "s:o?, s:I, s:s?, s:s?}",
                     "kind", "retrieval", "action", h->action, "actor", w->name, "role", role,
                     "object", h->object ? h->object : x->sha256, "item", x->sha256, "case",
                     d->case_number[0] ? d->case_number : NULL, "profile", h->profile, "purpose",
                     purposeful ? h->purpose : NULL, "client", h->client ? h->client : "", "result",
                     d->allowed ? "allowed" : "denied", "reason", d->allowed ? NULL : d->reason,
                     "grant", d->grant ? json_integer(d->grant) : NULL, "bytes",
                     (json_int_t)(d->allowed ? h->bytes : 0), "range", d->allowed ? h->range : NULL,
                     "via", h->channel == CS_CHANNEL_MEDIA_URL ? "media-url" : NULL);
}

int
cs_access_read(const cs_access_policy_t *pol, const cs_access_who_t *who,
               const cs_access_what_t *what, const cs_access_how_t *how, cs_access_decision_t *dec,
               json_t **entry)
{
    memset(dec, 0, sizeof *dec);
    decide(pol, who, what, how, dec);
    if (entry == NULL)
        return 0;
    *entry = NULL;
    if (!dec->ledgered)
        return 0;
    if ((*entry = entry_of(who, what, how, dec)) == NULL) {
        cs_diag_set("out of memory recording a retrieval");
        return CS_ENOMEM;
    }
    return 0;
}
