/* tools/cmd_public.c: `custody public spec|make|attach|approve|show|list`: public copies of
 * items (issue 23, part 1). Who may do what is access/public.h's (cs_access_public_decide, its
 * refusals ledgered); this file parses, runs the worker, stores, records and prints. */
#include "tools/cli.h"

#include "access/public.h"
#include "core/casenum.h"
#include "core/error.h"
#include "indexer/derivatives.h"
#include "indexer/jobs.h"
#include "indexer/public.h"
#include "ingest/derive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: custody public spec ITEM --file SPEC.json [--as USER]\n"
    "       custody public make ITEM [--as USER]\n"
    "       custody public attach ITEM FILE.pdf [--as USER]\n"
    "       custody public approve ITEM --as USER\n"
    "       custody public show ITEM --purpose TEXT [--as USER] [--json]\n"
    "       custody public list [CASE] --purpose TEXT [--as USER] [--json]\n"
    "  (each also takes --home DIR and --set k=v)\n"
    "A public copy is what may leave for publication: a photo re-encoded from its pixels with\n"
    "no metadata (public.photo_max_px), a video or audio recording made again behind its\n"
    "redaction spec (rectangles blurred or blacked out, whole pictures blurred, sound muted or\n"
    "bleeped, each over a time range) with no container metadata, or a document's redacted\n"
    "version attached by the clerk (never the original). spec stores the item's redaction spec\n"
    "(JSON: {\"regions\": [{\"x\", \"y\", \"w\", \"h\", \"start\", \"end\", \"mode\": "
    "\"blur\"|\"black\"}],\n"
    "\"blur_frames\": [{\"start\", \"end\"}], \"audio\": [{\"start\", \"end\", \"mode\": "
    "\"mute\"|\"bleep\"}]};\n"
    "pixels of the source as decoded, seconds from its start). Items classified state_secret\n"
    "never get a public copy; commercial_secret and privacy ones only from a spec. A copy\n"
    "counts as publishable once a legal user or an admin other than its maker approved it.\n"
    "Every step is ledgered (public.spec, public.make, public.attach, public.approve);\n"
    "refusals exit 1 and are ledgered too.\n";

struct opts {
    const char *file;
};

static int
on_option(int c, const char *arg, void *ctx)
{
    struct opts *o = ctx;
    if (c == 'f')
        o->file = arg;
    return 0;
}

/* The rule (access/public.h) for `act` on item sha; *code is its exit code when refused. */
static int
gate(cs_cli_t *cli, const char *sha, cs_public_act_t act, cs_access_who_t *who,
     cs_public_rows_t *rows, int *code)
{
    cs_access_policy_t pol = cs_access_policy(&cli->cfg);
    cs_access_decision_t dec;
    cs_public_state_t st;
    char client[96];
    int64_t seq = 0;
    int rc;
    *code = 0;
    cs_cli_client(cli, client, sizeof client);
    if ((rc = cs_cli_who(cli, cli->as, who)) != 0 ||
        (rc = cs_access_public_decide(cli->cat, &pol, who, sha, act, client, &st, rows, &dec,
                                      &seq)) != 0)
        return rc;
    if (!dec.allowed) {
        fprintf(stderr, "custody public: refused (%s, ledgered): %s\n  %s\n",
                cs_access_deny_code(dec.deny), dec.reason, dec.reason_zh);
        *code = CS_EXIT_CHECK;
    }
    return 0;
}

/* The item's media type (into buf) and metadata record (*meta, the caller's). */
static int
item_of(cs_cli_t *cli, const char *sha, char *type, size_t size, json_t **meta)
{
    json_t *item = NULL;
    int rc;
    *meta = NULL;
    if ((rc = cs_catalog_item(cli->cat, sha, &item)) == 0 &&
        (rc = cs_catalog_metadata(cli->cat, sha, meta)) == 0)
        snprintf(type, size, "%s", json_string_value(json_object_get(item, "media_type")));
    json_decref(item);
    return rc;
}

static int
spec(cs_cli_t *cli, const char *sha, const struct opts *o, int *code)
{
    cs_access_who_t who;
    cs_public_rows_t rows;
    json_error_t jerr;
    json_t *s = NULL, *meta = NULL;
    char type[128] = "", hash[65], *text = NULL;
    int64_t id = 0;
    int rc;
    if ((rc = gate(cli, sha, CS_PUBLIC_SPEC, &who, &rows, code)) != 0 || *code != 0)
        return rc;
    if ((s = json_load_file(o->file, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        cs_diag_set("%s line %d column %d: %s", o->file, jerr.line, jerr.column, jerr.text);
        rc = CS_EINVAL;
        goto out;
    }
    if ((rc = item_of(cli, sha, type, sizeof type, &meta)) != 0 ||
        (rc = cs_public_spec_check(s, cs_public_kind(type, meta), meta, &text, hash)) != 0 ||
        (rc = cs_catalog_public_spec_put(cli->cat, sha, text, hash, who.name, &id)) != 0)
        goto out;
    printf("redaction spec %lld of item %.12s stored (sha256 %s)\n", (long long)id, sha, hash);
out:
    free(text);
    json_decref(s);
    json_decref(meta);
    return rc;
}

/* The "public" member of the copy's detail: who made it and how. */
static json_t *
maker(const cs_access_who_t *who, const char *source, json_t *sp, const char *file)
{
    return json_pack("{s:s, s:s, s:I, s:O?, s:O?, s:s?}", "source", source, "maker", who->name,
                     "maker_user_id", (json_int_t)who->id, "spec_id", json_object_get(sp, "id"),
                     "spec_sha256", json_object_get(sp, "sha256"), "file_name", file);
}

/* Records the worker's answer: the derivatives row and its public.make entry, together. */
static int
record_made(cs_cli_t *cli, const char *sha, json_t *req, cs_cli_transcode_t *call,
            const cs_access_who_t *who, json_t *sp, int *failed)
{
    cs_reason_t reason = {.text = ""};
    json_t *out = NULL, *o;
    size_t i;
    int rc;
    if (call->answer.rc != 0)
        cs_reason_caused(&reason, CS_R_TRANSCODE, "transcoding failed: ", &call->answer.why);
    json_array_foreach(json_object_get(call->answer.result, "outputs"), i, o)
    {
        const char *p = json_string_value(json_object_get(o, "profile"));
        if (p != NULL && strcmp(p, "public") == 0) {
            out = o;
            json_object_set_new(o, "public", maker(who, "made", sp, NULL));
        }
    }
    if ((rc = cs_derive_store(cli->store, call->answer.result)) != 0)
        goto fail;
    if ((rc = cs_catalog_batch_begin(cli->cat)) != 0)
        goto fail;
    if ((rc = cs_derive_commit(cli->cat, sha, req, call->answer.result,
                               reason.text[0] ? &reason : NULL, who->name, failed)) != 0 ||
        (rc = cs_catalog_public_entry(
             cli->cat, "public.make", who->name,
             json_pack("{s:s, s:s?, s:s, s:O?, s:s?}", "item", sha, "copy",
                       json_string_value(json_object_get(out, "sha256")), "status",
                       *failed ? "failed" : "verified", "spec_sha256",
                       json_object_get(sp, "sha256"), "reason",
                       *failed ? json_string_value(json_object_get(out, "reason")) : NULL))) != 0) {
        cs_catalog_batch_rollback(cli->cat);
        goto fail;
    }
    if ((rc = cs_catalog_batch_commit(cli->cat)) != 0)
        goto fail;
    return 0;
fail:
    cs_derive_unstore(cli->store, cli->cat, call->answer.result);
    return rc;
}

static int
make(cs_cli_t *cli, const char *sha, int *code)
{
    cs_access_who_t who;
    cs_public_rows_t rows;
    cs_cli_transcode_t call = {.tty = isatty(STDERR_FILENO)};
    json_t *meta = NULL, *req = NULL, *sp = NULL, *show = NULL;
    char type[128] = "", obj[PATH_MAX], dir[PATH_MAX];
    int rc, failed = 0;
    if ((rc = gate(cli, sha, CS_PUBLIC_MAKE, &who, &rows, code)) != 0 || *code != 0)
        return rc;
    if ((rc = item_of(cli, sha, type, sizeof type, &meta)) != 0 ||
        (rc = cs_catalog_public_spec(cli->cat, sha, &sp)) != 0 ||
        (rc = cs_store_local_path(cli->store, sha, obj, sizeof obj)) != 0 ||
        (rc = cs_cli_derive_dir(cli, dir, sizeof dir)) != 0)
        goto out;
    cs_derive_opts_t dopts = cs_derive_opts_of(&cli->cfg);
    dopts.profiles = "public";
    if ((req = cs_derive_request(&dopts, dir, obj, sha, type, meta, "public", NULL)) == NULL) {
        cs_diag_set("item %.12s (%s) has no public copy to make", sha, type);
        rc = CS_EINVAL;
        goto out;
    }
    json_object_set_new(json_object_get(req, "options"), "public_max_px",
                        json_integer(cli->cfg.public_photo_max_px));
    if (sp != NULL)
        json_object_set(req, "spec", json_object_get(sp, "spec"));
    if ((rc = cs_cli_transcode(cli, req, &call)) != 0 ||
        (rc = record_made(cli, sha, req, &call, &who, sp, &failed)) != 0 ||
        (rc = cs_catalog_public_show(cli->cat, sha, &show)) != 0)
        goto out;
    json_t *copy = json_object_get(show, "copy");
    if (cli->json)
        cs_cli_print_json(show, 0);
    else if (failed)
        printf("public copy of item %.12s failed: %s\n", sha,
               json_string_value(json_object_get(copy, "reason")));
    else
        printf("public copy of item %.12s made: %s (%s, %lld bytes); it needs the approval of "
               "someone other than %s (custody public approve)\n",
               sha, json_string_value(json_object_get(copy, "sha256")),
               json_string_value(json_object_get(copy, "media_type")),
               (long long)json_integer_value(json_object_get(copy, "size")), who.name);
    if (failed)
        *code = CS_EXIT_CHECK;
out:
    json_decref(call.answer.result);
    json_decref(meta);
    json_decref(req);
    json_decref(sp);
    json_decref(show);
    return rc;
}

/* 1 when the file at path starts as a PDF does. */
static int
is_pdf(const char *path)
{
    char head[5];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ok;
    if (fd < 0)
        return 0;
    ok = read(fd, head, sizeof head) == (ssize_t)sizeof head && memcmp(head, "%PDF-", 5) == 0;
    close(fd);
    return ok;
}

static int
attach(cs_cli_t *cli, const char *sha, const char *file, int *code)
{
    cs_access_who_t who;
    cs_public_rows_t rows;
    cs_put_result_t res;
    json_t *detail = NULL;
    int rc;
    memset(&res, 0, sizeof res);
    if ((rc = gate(cli, sha, CS_PUBLIC_ATTACH, &who, &rows, code)) != 0 || *code != 0)
        return rc;
    if (!is_pdf(file)) {
        fprintf(stderr, "custody public: %s is not a PDF: attach the redacted document\n", file);
        *code = CS_EXIT_USAGE;
        return 0;
    }
    if ((rc = cs_store_put_file(cli->store, file, &res)) != 0)
        return rc;
    if (strcmp(res.sha256, sha) == 0) { /* the original: already stored, nothing to take back */
        fprintf(stderr, "custody public: %s is the original itself: attach its redacted version\n",
                file);
        *code = CS_EXIT_USAGE;
        return 0;
    }
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    if ((detail = json_pack("{s:o}", "public", maker(&who, "attached", NULL, base))) == NULL) {
        rc = CS_ENOMEM;
        goto fail;
    }
    cs_derivative_t d = {.profile = "public",
                         .status = "verified",
                         .sha256 = res.sha256,
                         .size = (int64_t)res.size,
                         .media_type = "application/pdf",
                         .detail = detail};
    if ((rc = cs_catalog_batch_begin(cli->cat)) != 0)
        goto fail;
    if ((rc = cs_catalog_add_derivatives(cli->cat, sha, &d, 1, who.name)) != 0 ||
        (rc = cs_catalog_public_entry(cli->cat, "public.attach", who.name,
                                      json_pack("{s:s, s:s, s:s}", "item", sha, "copy", res.sha256,
                                                "file_name", base))) != 0) {
        cs_catalog_batch_rollback(cli->cat);
        goto fail;
    }
    if ((rc = cs_catalog_batch_commit(cli->cat)) != 0)
        goto fail;
    printf("public copy of item %.12s attached: %s (%llu bytes); it needs the approval of "
           "someone other than %s (custody public approve)\n",
           sha, res.sha256, (unsigned long long)res.size, who.name);
    json_decref(detail);
    return 0;
fail:
    if (res.created)
        cs_store_remove(cli->store, res.sha256);
    json_decref(detail);
    return rc;
}

static int
approve(cs_cli_t *cli, const char *sha, int *code)
{
    cs_access_who_t who;
    cs_public_rows_t rows;
    int rc;
    if ((rc = gate(cli, sha, CS_PUBLIC_APPROVE, &who, &rows, code)) != 0 || *code != 0)
        return rc;
    if ((rc = cs_catalog_public_approve(cli->cat, sha, rows.copy_id, who.name, who.id)) != 0)
        return rc;
    printf("public copy %s of item %.12s (made by %s) approved by %s\n", rows.copy_sha256, sha,
           rows.maker, who.name);
    return 0;
}

static void
print_state(json_t *s)
{
    json_t *sp = json_object_get(s, "spec"), *c = json_object_get(s, "copy");
    printf("%.12s  %-28s spec %-12.12s  ", json_string_value(json_object_get(s, "item")),
           json_string_value(json_object_get(s, "media_type")),
           json_is_object(sp) ? json_string_value(json_object_get(sp, "sha256")) : "-");
    if (!json_is_object(c))
        printf("no copy\n");
    else if (strcmp(json_string_value(json_object_get(c, "status")), "verified") != 0)
        printf("copy failed: %s\n", json_string_value(json_object_get(c, "reason")));
    else if (json_is_true(json_object_get(s, "publishable")))
        printf("copy %.12s by %s, approved by %s\n",
               json_string_value(json_object_get(c, "sha256")),
               json_string_value(json_object_get(c, "maker")),
               json_string_value(json_object_get(c, "approved_by")));
    else
        printf("copy %.12s by %s, awaiting approval\n",
               json_string_value(json_object_get(c, "sha256")),
               json_string_value(json_object_get(c, "maker")));
}

static int
show(cs_cli_t *cli, const char *sha, const char *case_number, int *code)
{
    json_t *out = NULL, *s;
    size_t i;
    int rc;
    if ((*code = cs_cli_retrieval(cli, sha ? "view" : "list", sha, case_number)) != 0)
        return 0;
    rc = sha ? cs_catalog_public_show(cli->cat, sha, &out)
             : cs_catalog_public_list(cli->cat, case_number, &out);
    if (rc == 0 && sha == NULL)
        rc = cs_cli_filter(cli, out, "item");
    if (rc != 0)
        goto out;
    if (cli->json)
        cs_cli_print_json(out, 0);
    else if (sha != NULL)
        print_state(out);
    else
        json_array_foreach(out, i, s) print_state(s);
out:
    json_decref(out);
    return rc;
}

int
cs_cmd_public(int argc, char **argv)
{
    static const struct option longopts[] = {CS_CLI_COMMON_OPTIONS,
                                             CS_CLI_READ_OPTIONS,
                                             {"file", required_argument, NULL, 'f'},
                                             {0, 0, 0, 0}};
    static const char *const verbs[] = {"spec", "make", "attach", "approve", "show", "list"};
    cs_cli_t cli;
    struct opts o = {0};
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t cn;
    const char *verb;
    char sha[65];
    int rc = 0, code = 0, known = 0, n;
    cs_cli_init(&cli, "public", usage_text);
    if ((rc = cs_cli_parse(&cli, argc, argv, longopts, on_option, &o)) != 0)
        return rc;
    if ((n = argc - optind) < 1)
        return cs_cli_usage_error(&cli, "give a verb: spec, make, attach, approve, show, list");
    verb = argv[optind];
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        known |= strcmp(verb, verbs[i]) == 0;
    if (!known)
        return cs_cli_usage_error(&cli,
                                  "unknown \"%s\"; use spec, make, attach, approve, show "
                                  "or list",
                                  verb);
    if (strcmp(verb, "list") == 0 ? n > 2 : n != (strcmp(verb, "attach") == 0 ? 3 : 2))
        return cs_cli_usage_error(&cli, "%s takes %s", verb,
                                  strcmp(verb, "list") == 0     ? "at most one CASE"
                                  : strcmp(verb, "attach") == 0 ? "one ITEM and one FILE"
                                                                : "one ITEM");
    if (strcmp(verb, "spec") == 0 && o.file == NULL)
        return cs_cli_usage_error(&cli, "spec needs --file SPEC.json");
    if (strcmp(verb, "approve") == 0 && cli.as == NULL)
        return cs_cli_usage_error(&cli, "approve needs --as USER: the legal user or admin who "
                                        "approves");
    if ((rc = cs_cli_open(&cli)) != 0)
        goto out;
    if (strcmp(verb, "list") == 0) {
        const char *case_number = NULL;
        if (n == 2 && ((rc = cs_casenum_rule_new(&rule, cli.cfg.case_pattern)) != 0 ||
                       (rc = cs_casenum_parse(rule, argv[optind + 1], &cn)) != 0))
            goto out;
        if (n == 2)
            case_number = cn.text;
        rc = show(&cli, NULL, case_number, &code);
        goto out;
    }
    if ((rc = cs_catalog_resolve(cli.cat, argv[optind + 1], sha)) != 0)
        goto out;
    if (strcmp(verb, "spec") == 0)
        rc = spec(&cli, sha, &o, &code);
    else if (strcmp(verb, "make") == 0)
        rc = make(&cli, sha, &code);
    else if (strcmp(verb, "attach") == 0)
        rc = attach(&cli, sha, argv[optind + 2], &code);
    else if (strcmp(verb, "approve") == 0)
        rc = approve(&cli, sha, &code);
    else
        rc = show(&cli, sha, NULL, &code);
out:
    cs_casenum_rule_free(&rule);
    if (rc != 0)
        code = cs_cli_fail(&cli, rc);
    cs_cli_close(&cli);
    return code;
}
