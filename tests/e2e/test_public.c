/* tests/e2e/test_public.c: public copies (issue 23, part 1) through `custody public`: a
 * personal photo gets no copy without a redaction spec; a spec naming a field wrong is refused
 * naming it; the copy made from the spec carries the spec's hash and no GPS or EXIF; its maker
 * cannot approve it (refused and ledgered), a legal user can, and only then does cs_public_copy
 * give it; state_secret is refused; a document is never copied, only its redacted version
 * attached. */
#include "tests/e2e/e2e.h"

#include "core/error.h"
#include "indexer/catalog.h"
#include "indexer/public.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long
ledgered(const e2e_t *t, const char *action, const char *more)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ledger WHERE json_extract(entry, '$.action') = '%s'%s%s", action,
             more[0] ? " AND " : "", more);
    return cs_test_sql_count(t->db, sql);
}

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s%s", r->status, r->out, r->err);
    cs_test_run_free(r);
}

/* The command fails with exit `code` and says `words` on stderr. */
static void
fails(cs_run_t *r, int code, const char *words)
{
    ck_assert_msg(r->status == code, "exit %d, not %d: %s%s", r->status, code, r->out, r->err);
    ck_assert_msg(strstr(r->err, words) != NULL, "\"%s\" not in: %s", words, r->err);
    cs_test_run_free(r);
}

static void
users(e2e_t *t)
{
    cs_run_t r;
    e2e_setup_local(t);
    cs_test_custody(&r, "user", "add", "chen", "--role", "clerk", "--home", t->home, NULL);
    ok(&r);
    cs_test_custody(&r, "user", "add", "fa", "--role", "legal", "--home", t->home, NULL);
    ok(&r);
}

/* Ingests `path` by chen into case A: its SHA-256 into sha. */
static void
ingest(e2e_t *t, const char *path, char sha[65])
{
    cs_run_t r;
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--as", "chen", "--json",
                    path, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *j = e2e_json(&r);
    snprintf(sha, 65, "%s", json_string_value(json_object_get(j, "sha256")));
    json_decref(j);
    cs_test_run_free(&r);
}

/* The item's public state (`public show --json`). */
static json_t *
state(e2e_t *t, const char *sha)
{
    cs_run_t r;
    cs_test_custody(&r, "public", "show", sha, "--purpose", "publication", "--json", "--home",
                    t->home, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *j = e2e_json(&r);
    cs_test_run_free(&r);
    return j;
}

static int
public_copy(e2e_t *t, const char *sha, json_t **out)
{
    cs_catalog_t *cat = NULL;
    ck_assert_int_eq(cs_catalog_open(&cat, t->db, 0, NULL), 0);
    int rc = cs_public_copy(cat, sha, out);
    cs_catalog_close(&cat);
    return rc;
}

START_TEST(photo_from_spec_to_approval)
{
    e2e_t t;
    cs_run_t r;
    char sha[65], bad[PATH_MAX], good[PATH_MAX], obj[PATH_MAX * 2];
    json_t *copy = NULL;
    users(&t);
    ingest(&t, CUSTODY_TEST_DATA "/gps/DSCN0010.jpg", sha);
    cs_test_custody(&r, "classify", sha, "privacy", "--reason", "a face", "--home", t.home, NULL);
    ok(&r);

    /* Personal, no spec: refused, and ledgered. */
    cs_test_custody(&r, "public", "make", sha, "--as", "chen", "--home", t.home, NULL);
    fails(&r, 1, "no-redaction-spec");
    ck_assert_int_eq(ledgered(&t, "public.make",
                              "json_extract(entry, '$.result') = 'denied' AND "
                              "json_extract(entry, '$.code') = "
                              "'no-redaction-spec'"),
                     1);
    /* A spec is checked against the picture, naming the field. */
    e2e_file(
        &t, bad, "bad.json",
        "{\"regions\": [{\"x\": 10, \"y\": 10, \"w\": 5000, \"h\": 20, \"mode\": \"black\"}]}");
    cs_test_custody(&r, "public", "spec", sha, "--file", bad, "--as", "chen", "--home", t.home,
                    NULL);
    fails(&r, 2, "regions[0].w");
    e2e_file(&t, bad, "bad2.json", "{\"regions\": [], \"mask\": []}");
    cs_test_custody(&r, "public", "spec", sha, "--file", bad, "--as", "chen", "--home", t.home,
                    NULL);
    fails(&r, 2, "unknown field \"mask\"");
    e2e_file(&t, good, "good.json",
             "{\"regions\": [{\"x\": 10, \"y\": 10, \"w\": 60, \"h\": 40, \"mode\": \"black\"}]}");
    cs_test_custody(&r, "public", "spec", sha, "--file", good, "--as", "chen", "--home", t.home,
                    NULL);
    ok(&r);
    ck_assert_int_eq(ledgered(&t, "public.spec", "json_extract(entry, '$.actor') = 'chen'"), 1);

    /* Made from the spec: its hash in the copy's record, and no GPS or EXIF in its bytes. */
    cs_test_custody(&r, "public", "make", sha, "--as", "chen", "--home", t.home, NULL);
    ok(&r);
    json_t *s = state(&t, sha), *c = json_object_get(s, "copy");
    ck_assert_str_eq(json_string_value(json_object_get(c, "status")), "verified");
    ck_assert_str_eq(json_string_value(json_object_get(c, "media_type")), "image/jpeg");
    ck_assert_str_eq(json_string_value(json_object_get(c, "spec_sha256")),
                     json_string_value(json_object_get(json_object_get(s, "spec"), "sha256")));
    ck_assert(json_is_false(json_object_get(s, "publishable")));
    const char *csha = json_string_value(json_object_get(c, "sha256"));
    snprintf(obj, sizeof obj, "%s/store/objects/sha256/%.2s/%.2s/%s", t.home, csha, csha + 2, csha);
    ck_assert_int_eq(access(obj, R_OK), 0);
    if (access("/usr/bin/exiftool", X_OK) == 0) {
        char *argv[] = {"/usr/bin/exiftool", "-a", "-G1", obj, NULL};
        cs_run_t x;
        cs_test_run(&x, NULL, argv);
        ck_assert_int_eq(x.status, 0);
        ck_assert_msg(strstr(x.out, "[GPS]") == NULL && strstr(x.out, "[IFD0]") == NULL &&
                          strstr(x.out, "[ExifIFD]") == NULL && strstr(x.out, "[XMP") == NULL,
                      "metadata left in the public copy:\n%s", x.out);
        cs_test_run_free(&x);
    }
    ck_assert_int_eq(ledgered(&t, "public.make", "json_extract(entry, '$.status') = 'verified'"),
                     1);
    ck_assert_int_eq(public_copy(&t, sha, &copy), CS_ENOTFOUND); /* not approved yet */

    /* Its maker does not approve it: refused and ledgered as denied. */
    cs_test_custody(&r, "public", "approve", sha, "--as", "chen", "--home", t.home, NULL);
    fails(&r, 1, "self-approval");
    ck_assert_int_eq(ledgered(&t, "public.approve",
                              "json_extract(entry, '$.result') = 'denied' "
                              "AND json_extract(entry, '$.code') = "
                              "'self-approval' AND json_extract(entry, "
                              "'$.actor') = 'chen'"),
                     1);
    cs_test_custody(&r, "public", "approve", sha, "--as", "fa", "--home", t.home, NULL);
    ok(&r);
    ck_assert_int_eq(ledgered(&t, "public.approve",
                              "json_extract(entry, '$.actor') = 'fa' AND "
                              "json_extract(entry, '$.result') IS NULL"),
                     1);
    ck_assert_int_eq(public_copy(&t, sha, &copy), 0);
    ck_assert_str_eq(json_string_value(json_object_get(copy, "sha256")), csha);
    ck_assert_str_eq(json_string_value(json_object_get(copy, "approved_by")), "fa");
    json_decref(copy);
    json_decref(s);

    /* Classified state_secret since: never a public copy, and the approved one is withheld. */
    cs_test_custody(&r, "classify", sha, "state_secret", "--reason", "secret", "--home", t.home,
                    NULL);
    ok(&r);
    cs_test_custody(&r, "public", "make", sha, "--as", "chen", "--home", t.home, NULL);
    fails(&r, 1, "never-public");
    ck_assert_int_eq(ledgered(&t, "public.make", "json_extract(entry, '$.code') = 'never-public'"),
                     1);
    ck_assert_int_eq(public_copy(&t, sha, &copy), CS_ENOTFOUND);
    cs_test_custody(&r, "ledger", "verify", "--home", t.home, NULL);
    ok(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(document_attached_never_copied)
{
    e2e_t t;
    cs_run_t r;
    char sha[65], doc[PATH_MAX], red[PATH_MAX], txt[PATH_MAX];
    users(&t);
    e2e_file(&t, doc, "decision.pdf",
             "%PDF-1.4\n% 行政处罚决定书 张三 110101199001011234\n%%EOF\n");
    e2e_file(&t, red, "redacted.pdf", "%PDF-1.4\n% 行政处罚决定书 张* ******\n%%EOF\n");
    e2e_file(&t, txt, "notes.txt", "not a pdf\n");
    ingest(&t, doc, sha);
    cs_test_custody(&r, "public", "make", sha, "--as", "chen", "--home", t.home, NULL);
    fails(&r, 1, "not-copyable");
    cs_test_custody(&r, "public", "attach", sha, txt, "--as", "chen", "--home", t.home, NULL);
    fails(&r, 2, "is not a PDF");
    cs_test_custody(&r, "public", "attach", sha, doc, "--as", "chen", "--home", t.home, NULL);
    fails(&r, 2, "is the original itself");
    cs_test_custody(&r, "public", "attach", sha, red, "--as", "chen", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "public", "approve", sha, "--as", "fa", "--home", t.home, NULL);
    ok(&r);
    json_t *copy = NULL;
    ck_assert_int_eq(public_copy(&t, sha, &copy), 0);
    ck_assert_str_eq(json_string_value(json_object_get(copy, "media_type")), "application/pdf");
    ck_assert_str_ne(json_string_value(json_object_get(copy, "sha256")), sha);
    json_decref(copy);
    ck_assert_int_eq(ledgered(&t, "public.attach", "json_extract(entry, '$.actor') = 'chen'"), 1);
    e2e_teardown(&t);
}
END_TEST

/* A video: its spec bound by the recording's length, the copy made with exactly the spec's
 * redaction (its filter chain in the record) and none of the container's metadata. */
START_TEST(video_from_spec)
{
    e2e_t t;
    cs_run_t r;
    char sha[65], clip[PATH_MAX], bad[PATH_MAX], good[PATH_MAX], obj[PATH_MAX * 2];
    users(&t);
    snprintf(clip, sizeof clip, "%s/clip.mp4", t.dir);
    char *mk[] = {"/usr/bin/ffmpeg",
                  "-nostdin",
                  "-v",
                  "error",
                  "-f",
                  "lavfi",
                  "-i",
                  "testsrc2=size=320x240:rate=25:duration=3",
                  "-f",
                  "lavfi",
                  "-i",
                  "sine=frequency=440:duration=3",
                  "-c:v",
                  "libx264",
                  "-preset",
                  "ultrafast",
                  "-c:a",
                  "aac",
                  "-metadata",
                  "title=SECRET-TITLE",
                  "-metadata",
                  "location=+31.2304+121.4737/",
                  "-shortest",
                  clip,
                  NULL};
    cs_test_run(&r, NULL, mk);
    ok(&r);
    ingest(&t, clip, sha);
    e2e_file(&t, bad, "late.json",
             "{\"regions\": [{\"x\": 0, \"y\": 0, \"w\": 10, \"h\": 10, \"start\": 1, "
             "\"end\": 9, \"mode\": \"blur\"}]}");
    cs_test_custody(&r, "public", "spec", sha, "--file", bad, "--as", "chen", "--home", t.home,
                    NULL);
    fails(&r, 2, "regions[0].end");
    e2e_file(&t, good, "good.json",
             "{\"regions\": [{\"x\": 40, \"y\": 40, \"w\": 100, \"h\": 80, \"start\": 1, "
             "\"end\": 2, \"mode\": \"blur\"}], \"audio\": [{\"start\": 1, \"end\": 2, "
             "\"mode\": \"bleep\"}]}");
    cs_test_custody(&r, "public", "spec", sha, "--file", good, "--as", "chen", "--home", t.home,
                    NULL);
    ok(&r);
    cs_test_custody(&r, "public", "make", sha, "--as", "chen", "--home", t.home, NULL);
    ok(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM derivatives WHERE profile ="
                                             " 'public' AND superseded_at IS NULL AND"
                                             " media_type = 'video/mp4' AND"
                                             " json_extract(detail, '$.params.filters') LIKE"
                                             " '%crop=100:80:40:40,gblur%between(t,1.000000,"
                                             "2.000000)%' AND json_extract(detail,"
                                             " '$.public.spec_sha256') = (SELECT sha256 FROM"
                                             " public_specs)"),
                     1);
    json_t *s = state(&t, sha);
    const char *csha = json_string_value(json_object_get(json_object_get(s, "copy"), "sha256"));
    snprintf(obj, sizeof obj, "%s/store/objects/sha256/%.2s/%.2s/%s", t.home, csha, csha + 2, csha);
    char *probe[] = {"/usr/bin/ffprobe",
                     "-v",
                     "error",
                     "-show_entries",
                     "format_tags:stream_tags",
                     "-of",
                     "json",
                     obj,
                     NULL};
    cs_test_run(&r, NULL, probe);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "SECRET") == NULL && strstr(r.out, "location") == NULL,
                  "metadata left: %s", r.out);
    cs_test_run_free(&r);
    json_decref(s);
    e2e_teardown(&t);
}
END_TEST

static Suite *
public_suite(void)
{
    Suite *s = suite_create("public");
    TCase *tc = tcase_create("public");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, photo_from_spec_to_approval);
    tcase_add_test(tc, document_attached_never_copied);
    tcase_add_test(tc, video_from_spec);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(public_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
