/* tools/cmd_ledger.c: `custody ledger show|verify|proof|consistency|checkpoint`: the
 * retrieval ledger for auditors, and the proofs anyone can check with RFC 6962 math. */
#include "tools/cli.h"
#include "tools/sitetime.h"

#include "core/error.h"
#include "indexer/ledger.h"
#include "ledger/b64.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/witness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: custody ledger show [--since N] [--actor USER] [--case NO] [--json]\n"
    "       custody ledger verify [--key PUB.pem]\n"
    "       custody ledger proof --leaf N [--size M] [--json]\n"
    "       custody ledger consistency --from M --to N [--json]\n"
    "       custody ledger checkpoint\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "show lists entries (custody events, retrievals and denials) from entry N on. verify\n"
    "recomputes every leaf and the Merkle tree, checks every checkpoint's signature (against\n"
    "the home's key, or PUB.pem held elsewhere) and that each agrees with the entries, and\n"
    "that the newest is not older than the newest an earlier verify saw (kept in\n"
    "<home>/ledger.witness); exit 1 names the first problem. proof and consistency print\n"
    "RFC 6962 proofs (base64 hashes) against the tree of M (default: the latest checkpoint's\n"
    "size) entries. checkpoint signs one if the ledger grew, and prints the latest signed\n"
    "checkpoint.\n";

typedef struct ledger_args {
    cs_cli_t *cli;
    long long since, leaf, size, from, to;
    const char *actor, *case_number, *key;
} ledger_args_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    ledger_args_t *a = ctx;
    char *end = NULL;
    long long v = 0;
    if (c == 'a' || c == 'c' || c == 'k') {
        *(c == 'a' ? &a->actor : c == 'c' ? &a->case_number : &a->key) = arg;
        return 0;
    }
    errno = 0;
    v = strtoll(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < 0)
        return cs_cli_usage_error(a->cli, "expected a whole number >= 0, not \"%s\"", arg);
    *(c == 's'   ? &a->since
      : c == 'l' ? &a->leaf
      : c == 'm' ? &a->size
      : c == 'f' ? &a->from
                 : &a->to) = v;
    return 0;
}

typedef struct show {
    ledger_args_t *a;
    int json;
} show_t;

/* Members printed in their own columns, or that say nothing to a reader of the list. */
static int
in_columns(const char *key)
{
    static const char *const keys[] = {"v",       "seq",    "at",     "kind",  "actor",
                                       "action",  "item",   "case",   "event", "detail",
                                       "purpose", "result", "object", "client"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

/* Prints the members of o that say what the entry did ("user zhang, role reviewer"), skipping
 * those without a value; *first tells whether one was printed before. */
static void
print_what(json_t *o, int top, int *first)
{
    const char *key, *kase = json_string_value(json_object_get(o, "case"));
    if (!json_is_object(o))
        return;
    json_t *v;
    /* The user an entry is about comes first: "user zhang, role reviewer". */
    if (top && json_is_string(json_object_get(o, "user"))) {
        printf("%suser %s", *first ? "  " : ", ", json_string_value(json_object_get(o, "user")));
        *first = 0;
    }
    json_object_foreach(o, key, v)
    {
        if ((top && (in_columns(key) || strcmp(key, "user") == 0)) || json_is_null(v) ||
            json_is_object(v) || json_is_array(v))
            continue;
        if (!top && strcmp(key, "case") == 0 && kase != NULL)
            continue; /* the entry's case column shows it */
        /* A zero byte count of a read that sent no bytes says nothing. */
        if (top && strcmp(key, "bytes") == 0 && json_integer_value(v) == 0)
            continue;
        printf("%s%s ", *first ? "  " : ", ", key);
        if (json_is_string(v))
            printf("%s", json_string_value(v));
        else if (json_is_integer(v))
            printf("%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            printf("%g", json_real_value(v));
        else
            printf("%s", json_is_true(v) ? "yes" : "no");
        *first = 0;
    }
}

static int
on_show(void *arg, int64_t seq, const char *entry, size_t len, const uint8_t *leaf, size_t leaf_len)
{
    show_t *s = arg;
    json_t *e = json_loadb(entry, len, 0, NULL);
    const char *actor = json_string_value(json_object_get(e, "actor"));
    const char *kase = json_string_value(json_object_get(e, "case"));
    (void)leaf;
    (void)leaf_len;
    if ((s->a->actor == NULL || (actor && strcmp(actor, s->a->actor) == 0)) &&
        (s->a->case_number == NULL || (kase && strcmp(kase, s->a->case_number) == 0))) {
        if (s->json) {
            printf("%.*s\n", (int)len, entry); /* the exact bytes of the leaf */
        } else {
            const char *purpose = json_string_value(json_object_get(e, "purpose"));
            const char *result = json_string_value(json_object_get(e, "result"));
            const char *item = json_string_value(json_object_get(e, "item"));
            int first = 1;
            printf("%-6lld %s  %-9s %-16s %-15s %.12s%s%s%s%s%s", (long long)seq,
                   cs_cli_time(json_string_value(json_object_get(e, "at"))),
                   json_string_value(json_object_get(e, "kind")), actor ? actor : "-",
                   json_string_value(json_object_get(e, "action")), item ? item : "",
                   kase ? "  " : "", kase ? kase : "", purpose ? "  purpose: " : "",
                   purpose ? purpose : "",
                   result && strcmp(result, "denied") == 0 ? "  DENIED" : "");
            /* What the entry did: the user and role of a user.add, a grant's terms, a copy's
             * profile and status, a denial's reason. */
            print_what(e, 1, &first);
            print_what(json_object_get(e, "detail"), 0, &first);
            printf("\n");
        }
    }
    json_decref(e);
    return 0;
}

static void
print_hashes(const char *label, uint8_t (*h)[32], size_t n, int json)
{
    char b64[64];
    if (json) {
        printf("\"%s\":[", label);
        for (size_t i = 0; i < n; i++) {
            cs_b64_encode(h[i], 32, b64, sizeof b64);
            printf("%s\"%s\"", i ? "," : "", b64);
        }
        printf("]");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        cs_b64_encode(h[i], 32, b64, sizeof b64);
        printf("%s\n", b64);
    }
}

/* The size proofs are made against: --size, else the latest checkpoint's. */
static int
tree_size(cs_cli_t *cli, long long given, uint64_t *size)
{
    uint8_t root[32];
    int64_t covered = -1;
    int rc;
    if (given > 0) {
        *size = (uint64_t)given;
        return 0;
    }
    if ((rc = cs_catalog_checkpoint_latest(cli->cat, &covered, root, NULL, NULL, NULL)) != 0)
        return rc;
    if (covered < 0) {
        cs_diag_set("there is no checkpoint yet; give --size or run custody ledger checkpoint");
        return CS_ENOTFOUND;
    }
    *size = (uint64_t)covered;
    return 0;
}

/* verify, against <home>/ledger.witness: the newest checkpoint an earlier verify saw, which
 * this one moves forward once everything verified. */
static int
verify(cs_cli_t *cli, ledger_args_t *a, char *origin, size_t origin_size)
{
    cs_ledger_report_t rep;
    cs_ledger_witness_t w;
    int rc, have;
    if ((rc = cs_ledger_origin(&cli->home, origin, origin_size)) != 0)
        return rc;
    rc = cs_ledger_witness_read(&cli->home, &w);
    if (rc != 0 && rc != CS_ENOENT)
        return rc;
    have = rc == 0;
    if ((rc = cs_ledger_verify_witnessed(cli->cat, a->key ? a->key : cli->home.pub, origin,
                                         have ? &w : NULL, &rep)) != 0)
        return rc;
    if (rep.problem[0] != '\0') {
        printf("FAILED: %s\n", rep.problem);
        return CS_EMISMATCH;
    }
    printf("verified: %lld entr%s, %lld checkpoint%s signed by %s", (long long)rep.entries,
           rep.entries == 1 ? "y" : "ies", (long long)rep.checkpoints, cs_cli_s(rep.checkpoints),
           origin);
    if (rep.uncovered == 1)
        printf("; the last entry is not yet in a checkpoint\n");
    else if (rep.uncovered > 0)
        printf("; the last %lld entries are not yet in a checkpoint\n", (long long)rep.uncovered);
    else
        printf("\n");
    if (rep.newest_id >= 0 &&
        (!have || rep.newest_size > w.size || rep.newest_id != w.checkpoint)) {
        w.checkpoint = rep.newest_id;
        w.size = rep.newest_size;
        memcpy(w.root, rep.newest_root, 32);
        cs_clock_now(w.seen_at);
        /* The ledger verified: a witness not kept only weakens the next verify. */
        if (cs_ledger_witness_write(&cli->home, &w) != 0)
            fprintf(stderr, "custody ledger verify: warning: %s\n", cs_diag());
    }
    return 0;
}

static int
run(cs_cli_t *cli, const char *verb, ledger_args_t *a)
{
    uint8_t proof[CS_MERKLE_PROOF_MAX][32], leaf[1][32];
    size_t n = 0;
    uint64_t size = 0;
    char *note = NULL, origin[64];
    uint8_t root[32];
    int64_t covered;
    int rc;

    if (strcmp(verb, "show") == 0) {
        show_t s = {.a = a, .json = cli->json};
        (void)cs_cli_site_tz(cli);
        return cs_catalog_ledger_each(cli->cat, a->since, on_show, &s);
    }
    if (strcmp(verb, "verify") == 0)
        return verify(cli, a, origin, sizeof origin);
    if (strcmp(verb, "checkpoint") == 0) {
        if ((rc = cs_ledger_checkpoint(cli->cat, &cli->home, NULL)) != 0 ||
            (rc = cs_catalog_checkpoint_latest(cli->cat, &covered, root, &note, NULL, NULL)) != 0)
            return rc;
        fputs(note ? note : "", stdout);
        free(note);
        return 0;
    }
    if (strcmp(verb, "proof") == 0) {
        if ((rc = tree_size(cli, a->size, &size)) != 0)
            return rc;
        if (a->leaf < 0 || (uint64_t)a->leaf >= size) {
            cs_diag_set("--leaf %lld is not in a tree of %llu entries", a->leaf,
                        (unsigned long long)size);
            return CS_EINVAL;
        }
        if ((rc = cs_merkle_inclusion_proof_nodes(cs_ledger_leaves, cs_ledger_nodes, cli->cat,
                                                  (uint64_t)a->leaf, size, proof, &n)) != 0 ||
            (rc = cs_catalog_ledger_leaves(cli->cat, (uint64_t)a->leaf, 1, leaf)) != 0)
            return rc;
        if (cli->json) {
            printf("{\"leaf\":%lld,\"size\":%llu,", a->leaf, (unsigned long long)size);
            print_hashes("leaf_hash", leaf, 1, 1);
            printf(",");
            print_hashes("path", proof, n, 1);
            printf("}\n");
        } else {
            printf("inclusion proof of leaf %lld in the tree of %llu entries (leaf hash, then "
                   "the path):\n",
                   a->leaf, (unsigned long long)size);
            print_hashes("leaf", leaf, 1, 0);
            print_hashes("path", proof, n, 0);
        }
        return 0;
    }
    /* consistency */
    if (a->from < 0 || a->to <= 0 || a->from > a->to) {
        cs_diag_set("give --from M --to N with 0 <= M <= N, N > 0");
        return CS_EINVAL;
    }
    if ((rc = cs_catalog_ledger_size(cli->cat, &covered)) != 0)
        return rc;
    if (a->to > covered) {
        cs_diag_set("--to %lld is beyond the ledger's %lld entries", a->to, (long long)covered);
        return CS_EINVAL;
    }
    if ((rc = cs_merkle_consistency_proof_nodes(cs_ledger_leaves, cs_ledger_nodes, cli->cat,
                                                (uint64_t)a->from, (uint64_t)a->to, proof, &n)) !=
        0)
        return rc;
    if (cli->json) {
        printf("{\"from\":%lld,\"to\":%lld,", a->from, a->to);
        print_hashes("proof", proof, n, 1);
        printf("}\n");
    } else {
        printf("consistency proof of the tree of %lld entries with that of %lld:\n", a->from,
               a->to);
        print_hashes("proof", proof, n, 0);
    }
    return 0;
}

int
cs_cmd_ledger(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             {"since", required_argument, NULL, 's'},
                                             {"actor", required_argument, NULL, 'a'},
                                             {"case", required_argument, NULL, 'c'},
                                             {"key", required_argument, NULL, 'k'},
                                             {"leaf", required_argument, NULL, 'l'},
                                             {"size", required_argument, NULL, 'm'},
                                             {"from", required_argument, NULL, 'f'},
                                             {"to", required_argument, NULL, 't'},
                                             {0, 0, 0, 0}};
    static const char *const verbs[] = {"show", "verify", "proof", "consistency", "checkpoint"};
    cs_cli_t cli;
    ledger_args_t a = {.cli = &cli, .leaf = -1, .from = -1, .to = -1};
    int rc, known = 0;
    cs_cli_init(&cli, "ledger", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &a)) != 0)
        return rc;
    if (argc - optind != 1)
        return cs_cli_usage_error(&cli, "name one of show, verify, proof, consistency, "
                                        "checkpoint");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        known |= strcmp(argv[optind], verbs[i]) == 0;
    if (!known)
        return cs_cli_usage_error(&cli,
                                  "unknown \"%s\"; use show, verify, proof, consistency or "
                                  "checkpoint",
                                  argv[optind]);
    if (strcmp(argv[optind], "proof") == 0 && a.leaf < 0)
        return cs_cli_usage_error(&cli, "proof needs --leaf N");
    if ((rc = cs_cli_open(&cli)) == 0)
        rc = run(&cli, argv[optind], &a);
    if (rc != 0)
        rc = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return rc;
}
