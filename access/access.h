/* access/access.h: the one gate. Who may read what, for what purpose, through which channel,
 * decided by one function over plain structs, which also makes the retrieval ledger entry of
 * the decision. Every read of evidence (API handlers, signed media URLs, the CLI's reads and
 * lists, exports, list filtering, relinks) asks it; nobody else holds a rule.
 *
 * The rules:
 * - an unknown or disabled user reads nothing; every read of records states a purpose;
 * - a reviewer or an admin reads an item only through a live grant on one of its cases (its
 *   party, when the grant names one) whose clearance reaches the item's classification and
 *   whose purposes hold the purpose stated (unless the grant, or access.purpose_match = any,
 *   accepts any) and whose scope reaches the read (cs_scope_t: metadata for records, lists and
 *   relinks; media for copies other than the archival one and URLs to them; originals for the
 *   original, the archival copy and URLs to them; export for exports); they list a case only
 *   with such a grant on it. Checked in that order: no grant, purpose, scope, clearance (the
 *   grant weighed is the first, highest clearance first, that holds the purpose and reaches
 *   the scope; a scope refusal names the first that holds the purpose). Purposes match after white
 *   space around them is trimmed, ASCII letters without regard to case, all else byte for
 *   byte (cs_access_purpose_eq);
 * - a clerk reads the items they brought in (by their Custody identity, never by a name
 *   text) and unassigned items, and lists a case holding an item they brought in;
 * - an auditor reads metadata, the ledger and the queue, never media bytes nor exports;
 * - the retrieval register is read by auditors, admins and the operator, with no purpose (it is
 *   a record of reads, like the ledger), and each look at it is ledgered;
 * - the host's operator (the CLI without --as) reads everything;
 * - a state_secret item's bytes never leave (over the network, or in an export) unless
 *   access.serve_state_secret is 1;
 * - relinking is a read of the item in its current case (clerks and admins only);
 * - a caller without the right to read an item (or case) is told "no access", never whether
 *   it exists; those who may read every record are told "not found";
 * - an item disposed of (indexer/dispose.h) is gone: one who may read it is told so (410,
 *   CS_DENY_DISPOSED, with the number of its `disposed` ledger entry) for its record, its
 *   original, its copies and URLs to them alike; others are told "no access" as before;
 * - a case's record (CS_READ_CASE) is read as the case is listed; its personal data (the
 *   parties' ID numbers, classified privacy) is shown only to the operator, to a clerk who
 *   may read the case (they complete its record), and to a reader whose grant used clears
 *   privacy; never to an auditor (dec->personal_data).
 */
#ifndef CS_ACCESS_ACCESS_H
#define CS_ACCESS_ACCESS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CS_ACCESS_GRANTS_MAX 8 /* covering grants the gate weighs (the best come first) */
#define CS_ACCESS_NAME_MAX 128
#define CS_ACCESS_CASE_MAX 256
#define CS_ACCESS_PURPOSES_MAX 1024 /* a grant's purposes, each NUL-terminated, end to end */

typedef enum {
    CS_ROLE_NONE = 0, /* unknown user */
    CS_ROLE_CLERK,
    CS_ROLE_REVIEWER,
    CS_ROLE_AUDITOR,
    CS_ROLE_ADMIN,
    CS_ROLE_OPERATOR, /* the home's operator on the host (the CLI without --as) */
    CS_ROLE_LEGAL, /* the legal section (法制审核人员): reads like a reviewer, files opinions */
} cs_role_t;

typedef enum {
    CS_READ_METADATA,   /* an item's record: metadata, links, events */
    CS_READ_ORIGINAL,   /* the original's bytes */
    CS_READ_DERIVATIVE, /* a copy's bytes (archival, access, preview, thumbnail) */
    CS_READ_LIST,       /* a list or a search; with a case: that case's items */
    CS_READ_EXPORT,     /* a case taken out as a bag (no item), or one item's bytes in it */
    CS_READ_LEDGER,     /* the ledger's entries */
    CS_READ_QUEUE,      /* the ingest queue: paths and reasons of uploads */
    CS_READ_RELINK,     /* moving an item from its current case to another */
    CS_READ_MINT,       /* a signed media URL for an item's bytes (decided as its fetch) */
    CS_READ_CASE,       /* a case's record: kind, parties, officers, dates, status */
    CS_READ_REGISTER, /* the retrieval register (调阅台账): requests and the reads under them */
} cs_read_t;

/* What a grant lets its holder read, each scope all of the one before and more. The zero value
 * is the least: a grant whose scope was never set reads records only. */
typedef enum {
    CS_SCOPE_METADATA = 0, /* the records: an item's record, lists, search, relinks */
    CS_SCOPE_MEDIA,        /* also previews, thumbnails, access copies and URLs to them */
    CS_SCOPE_ORIGINALS,    /* also the original and the archival copy (a grant's default) */
    CS_SCOPE_EXPORT,       /* also a case (or its items) taken out as a bag */
} cs_scope_t;

/* The zero value is the network: a channel left unset is never taken for the host. */
typedef enum {
    CS_CHANNEL_HTTP = 0,  /* the API with a bearer token */
    CS_CHANNEL_MEDIA_URL, /* a signed media URL */
    CS_CHANNEL_CLI,       /* the host's command line */
} cs_channel_t;

/* Why a read was refused: each has an English text for logs and a Chinese one for people
 * (cs_access_deny_text). */
typedef enum {
    CS_DENY_NONE = 0,
    CS_DENY_UNKNOWN_USER,
    CS_DENY_DISABLED,
    CS_DENY_NO_PURPOSE,
    CS_DENY_NO_GRANT,     /* no live grant covers it (or it does not exist) */
    CS_DENY_CLEARANCE,    /* the grant's clearance is below the item's classification */
    CS_DENY_STATE_SECRET, /* state_secret bytes do not leave */
    CS_DENY_NOT_YOURS,    /* a clerk's read of an item they did not bring in */
    CS_DENY_ROLE,         /* the role never does this read */
    CS_DENY_NOT_FOUND,    /* for those who may read every record: it does not exist */
    CS_DENY_NO_COPY,      /* the item may be read, but has no verified copy of that profile */
    CS_DENY_PURPOSE_OUT_OF_SCOPE, /* no covering grant names the purpose stated */
    CS_DENY_SCOPE, /* the grants that hold the purpose do not reach this read (cs_scope_t) */
    /* The legal review's separation (access/review.h): */
    CS_DENY_OWN_EVIDENCE,   /* who brought the case's evidence in files no opinion on it */
    CS_DENY_CASE_OFFICER,   /* an officer registered on the case files no opinion on it */
    CS_DENY_OPINION_AUTHOR, /* the opinion's author records no decision on it */
    CS_DENY_NOT_REVIEWED,   /* no agreed opinion on the latest submission: no decision */
    CS_DENY_NO_SUBMISSION,  /* nothing submitted awaits an opinion */
    CS_DENY_DECIDED,        /* the agreed round has its decision: another needs a new round */
    /* Public copies (access/public.h): */
    CS_DENY_NEVER_PUBLIC,  /* state_secret: never a public copy */
    CS_DENY_NO_SPEC,       /* commercial_secret or privacy: a redaction spec first */
    CS_DENY_NOT_COPYABLE,  /* a document is attached redacted, never copied; media is made */
    CS_DENY_SELF_APPROVAL, /* the maker of a public copy does not approve it */
    CS_DENY_APPROVED,      /* the public copy is approved already */
    /* Approved disposal (access/dispose.h, issue 22): */
    CS_DENY_OWN_PROPOSAL, /* who proposed a disposal batch does not approve it (four eyes) */
    CS_DENY_DISPOSED,     /* the item was disposed of: 410, naming its `disposed` entry */
} cs_deny_t;

/** The Custody user asking, or the operator. */
typedef struct cs_access_who {
    int64_t id; /* 0: unknown user, or the operator */
    cs_role_t role;
    int disabled;
    char name[CS_ACCESS_NAME_MAX]; /* the user's name, the name asked for, or the OS user */
} cs_access_who_t;

/** A live grant of the asking user that covers the item (or the case). */
typedef struct cs_access_grant {
    int64_t id;
    int clearance;    /* rank, cs_access_level_rank */
    int any_purpose;  /* the grant accepts any purpose stated */
    cs_scope_t scope; /* what it lets its holder read */
    size_t npurposes;
    char purposes[CS_ACCESS_PURPOSES_MAX]; /* npurposes texts, each NUL-terminated, in a row */
    char case_number[CS_ACCESS_CASE_MAX];
} cs_access_grant_t;

/** The rows the rule needs, loaded by indexer/ (cs_catalog_access_rows). */
typedef struct cs_access_what {
    const char *sha256;      /* the item; NULL for a read of no one item */
    const char *case_number; /* the case listed or exported; NULL when none */
    int exists;              /* the item (or the case) is in the catalog */
    int level;               /* the item's classification rank (the default when none) */
    int brought_in;          /* the user brought the item (or an item of the case) in */
    int unassigned;          /* the item has no active link */
    int has_copy;            /* a verified copy of the profile asked for exists */
    size_t members;          /* a case export, once planned: the case's items */
    size_t readable;         /* of which the exporter may take out */
    size_t ngrants;          /* covering live grants, highest clearance first */
    cs_access_grant_t grants[CS_ACCESS_GRANTS_MAX];
    int disposed;         /* the item was disposed of (indexer/dispose.h) */
    int64_t disposed_seq; /* ... by the `disposed` ledger entry of this number */
} cs_access_what_t;

/** How it is read, and what the entry records of it. */
typedef struct cs_access_how {
    cs_read_t read;
    cs_channel_t channel;
    const char *purpose; /* required for reads of records; NULL or "": none stated */
    const char *client;  /* "cli:<os user>", "http:<address>" */
    const char *action;  /* the entry's action: "view", "get.original", "list", "export"... */
    const char *object;  /* what is served (a derivative's sha256); NULL: the item */
    const char *profile; /* a derivative's profile, or NULL */
    const char *range;   /* bytes served, "FIRST-LAST/SIZE"; NULL: all, or not bytes */
    int64_t bytes;       /* bytes served when allowed */
} cs_access_how_t;

/** What the institution configured (access.*). */
typedef struct cs_access_policy {
    int default_level;      /* rank of an item with no classification */
    int serve_state_secret; /* state_secret bytes may leave */
    int purpose_any;        /* access.purpose_match = any: every grant accepts any purpose */
} cs_access_policy_t;

typedef enum {
    CS_LEDGER_SCOPE_CUSTODY = 0, /* custody events only: an export's reader sees no one's reads */
    CS_LEDGER_SCOPE_ALL,         /* every entry: auditors, admins and the operator */
} cs_ledger_scope_t;

typedef struct cs_access_decision {
    int allowed;
    cs_deny_t deny;                       /* why not; CS_DENY_NONE when allowed */
    int status;                           /* the HTTP status it answers: 200, 400, 403, 404 */
    int ledgered;                         /* 1: the entry must be appended before any answer */
    int64_t grant;                        /* the grant used, 0 when none */
    char case_number[CS_ACCESS_CASE_MAX]; /* the case of that grant (or listed) */
    char reason[256];    /* why not, for the ledger, the log and the caller: it names only
                          * what the caller may know (checks run in that order) */
    char reason_zh[512]; /* why not, in Chinese, for people (cs_access_deny_zh, with what it
                          * names: the grants' purposes of a purpose refusal) */
    cs_ledger_scope_t ledger_scope; /* which ledger entries the reader may see */
    int personal_data;              /* CS_READ_CASE allowed: the parties' ID numbers may be shown */
    int64_t disposed_seq;           /* CS_DENY_DISPOSED: the item's `disposed` ledger entry */
} cs_access_decision_t;

#define CS_ACCESS_LEVEL_PRIVACY 2 /* the rank of "privacy": personal data of a case's record */

/** The role named `text` (clerk, reviewer, auditor, admin, legal), CS_ROLE_NONE if none. */
cs_role_t cs_access_role(const char *text);

/** The role's name ("operator" for the operator, NULL for CS_ROLE_NONE). */
const char *cs_access_role_name(cs_role_t role);

/** The scope named `text` (metadata, media, originals, export), -1 if none. */
int cs_access_scope(const char *text);

/** The scope's name ("originals"), NULL for none. */
const char *cs_access_scope_name(cs_scope_t scope);

/** The least scope a grant needs for `how` (its read, and its profile: the archival copy is
 * read as the original). */
cs_scope_t cs_access_scope_needed(const cs_access_how_t *how);

/** The Chinese text of a refusal, for people (never NULL). */
const char *cs_access_deny_zh(cs_deny_t deny);

/** 1 when the stated purpose `stated` is `granted`: both trimmed of white space around them
 * (ASCII and U+3000), ASCII letters compared without regard to case (Chinese has none), every
 * other byte as it is. */
int cs_access_purpose_eq(const char *granted, const char *stated);

/** 1 when grant `g` accepts purpose `stated` under `pol` (any purpose, or one of its own). */
int cs_access_grant_accepts(const cs_access_policy_t *pol, const cs_access_grant_t *g,
                            const char *stated);

/** A short code of a refusal ("no-grant", ...) for clients that translate; NULL for none. */
const char *cs_access_deny_code(cs_deny_t deny);

/** The HTTP status a refusal answers (200 for none). */
int cs_access_deny_status(cs_deny_t deny);

/** Fills d as a ledgered refusal for `why`: its status and Chinese words from the one table of
 * refusals, and the English reason from fmt (cut if long: words for people). For the rules
 * beside the gate (review.c, public.c, dispose.c). */
void cs_access_refuse(cs_access_decision_t *d, cs_deny_t why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** 1 when `role` may complete a case's record and move its status (clerks, admins and the
 * operator), else 0. Not a read: the change is ledgered by the catalog (case.set). */
int cs_access_case_editor(cs_role_t role);

/** 1 when `role` may place and release holds and set an item's retention class (admins and
 * the operator), else 0. Not a read: the change, or its refusal, is ledgered by the catalog
 * (indexer/holds.h). */
int cs_access_retention_admin(cs_role_t role);

/** 1 when `role` may change the officers and devices registry (admins and the operator); 2
 * when it may only read it (clerks: they see whose files they hold); else 0. Not a read of
 * evidence: changes are ledgered by the catalog (officer.*, device.*). */
int cs_access_registry(cs_role_t role);

/** 1 when `role` may change the format policy (admins and the operator; indexer/policy.h),
 * else 0. Reading the policy is open to every user. Changes are ledgered (policy.set). */
int cs_access_format_policy(cs_role_t role);

/** THE GATE. Decides `how` of `what` by `who` under `pol`, with nothing read or written: 0 and
 * dec filled. When `entry` is not NULL, *entry is the retrieval ledger entry of the decision
 * (caller owns it; to be appended before any answer when dec->ledgered), or NULL when the
 * decision is not ledgered. CS_ENOMEM when the entry cannot be made. */
int cs_access_read(const cs_access_policy_t *pol, const cs_access_who_t *who,
                   const cs_access_what_t *what, const cs_access_how_t *how,
                   cs_access_decision_t *dec, json_t **entry);

#endif
