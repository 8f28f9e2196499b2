/* tests/api/test_public_site.c: the public page's renderer (api/public_site.c) over a
 * snapshot: text from the catalog is escaped, a withdrawn publication's page is 410 and names
 * its date and category in Chinese, and only the files of a live publication's snapshot, by
 * their own names, may be served. */
#include "api/public_site.h"

#include "core/error.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define COPY "aaa05f2faeece9cbf36a86d47ce663a307a5c673912ded68fff7b1a69225d5be"
#define OTHER "bbb05f2faeece9cbf36a86d47ce663a307a5c673912ded68fff7b1a69225d5be"

static json_t *
snapshot(const char *withdrawn_category)
{
    json_t *w = withdrawn_category
                    ? json_pack("{s:s, s:s}", "on", "2026-12-08", "category", withdrawn_category)
                    : json_null();
    return json_pack(
        "{s:[{s:i, s:s, s:s, s:s, s:[{s:i, s:s, s:i}, {s:i, s:s, s:i}], s:o, s:[{s:s, s:s, s:i, "
        "s:s}]}]}",
        "publications", "id", 3, "decision_kind", "<script>alert(1)</script>", "kind", "penalty",
        "decided_on", "2026-12-01", "versions", "version", 1, "published_on", "2026-12-02",
        "correction", 0, "version", 2, "published_on", "2026-12-05", "correction", 1, "withdrawn",
        w, "files", "role", "decision", "sha256", COPY, "size", 24, "media_type",
        "application/pdf");
}

START_TEST(catalog_text_is_escaped_and_dates_shown)
{
    json_t *snap = snapshot(NULL);
    char *html = NULL;
    size_t len = 0;
    int status = 0;
    ck_assert_int_eq(cs_pubsite_page(snap, 3, &status, &html, &len), 0);
    ck_assert_int_eq(status, 200);
    ck_assert(strstr(html, "<script") == NULL);
    ck_assert(strstr(html, "&lt;script&gt;") != NULL);
    ck_assert(strstr(html, "2026-12-02 公示（第 1 版）") &&
              strstr(html, "2026-12-05 更正（第 2 版）"));
    ck_assert(strstr(html, "href=\"/p/3/" COPY ".pdf\"") != NULL);
    free(html);
    ck_assert_int_eq(cs_pubsite_index(snap, &html, &len), 0);
    ck_assert(strstr(html, "<script") == NULL && strstr(html, "href=\"/p/3/\""));
    free(html);
    ck_assert_int_eq(cs_pubsite_page(snap, 4, &status, &html, &len), 0);
    ck_assert_int_eq(status, 404);
    free(html);
    json_decref(snap);
}
END_TEST

START_TEST(a_withdrawn_page_is_410_with_date_and_category)
{
    static const char *const cats[][2] = {
        {"revoked", "撤销"}, {"illegal", "确认违法"}, {"remade", "责令重新作出"}};
    for (int i = 0; i < 3; i++) {
        json_t *snap = snapshot(cats[i][0]);
        char *html = NULL, sha[65];
        size_t len = 0;
        int status = 0;
        const char *type = NULL;
        uint64_t size = 0;
        ck_assert_int_eq(cs_pubsite_page(snap, 3, &status, &html, &len), 0);
        ck_assert_int_eq(status, 410);
        ck_assert(strstr(html, "已撤下") && strstr(html, "2026-12-08") && strstr(html, cats[i][1]));
        ck_assert(strstr(html, COPY) == NULL);
        free(html);
        ck_assert_int_eq(cs_pubsite_file(snap, 3, COPY, sha, &type, &size), CS_ENOTFOUND);
        ck_assert_int_eq(cs_pubsite_index(snap, &html, &len), 0);
        ck_assert(strstr(html, "/p/3/") == NULL);
        free(html);
        json_decref(snap);
    }
}
END_TEST

START_TEST(only_a_live_publications_files_by_their_names)
{
    json_t *snap = snapshot(NULL);
    char sha[65];
    const char *type = NULL;
    uint64_t size = 0;
    ck_assert_int_eq(cs_pubsite_file(snap, 3, COPY, sha, &type, &size), 0);
    ck_assert_str_eq(sha, COPY);
    ck_assert_str_eq(type, "application/pdf");
    ck_assert_int_eq(size, 24);
    ck_assert_int_eq(cs_pubsite_file(snap, 3, COPY ".pdf", sha, &type, &size), 0);
    ck_assert_int_eq(cs_pubsite_file(snap, 3, COPY ".jpg", sha, &type, &size), CS_ENOTFOUND);
    ck_assert_int_eq(cs_pubsite_file(snap, 3, COPY ".pdfx", sha, &type, &size), CS_ENOTFOUND);
    ck_assert_int_eq(cs_pubsite_file(snap, 3, OTHER, sha, &type, &size), CS_ENOTFOUND);
    ck_assert_int_eq(cs_pubsite_file(snap, 2, COPY, sha, &type, &size), CS_ENOTFOUND);
    int64_t id = 0;
    ck_assert_int_eq(cs_pubsite_id("12", 2, &id), 0);
    ck_assert_int_eq(id, 12);
    ck_assert_int_eq(cs_pubsite_id("012", 3, &id), CS_EINVAL);
    ck_assert_int_eq(cs_pubsite_id("1a", 2, &id), CS_EINVAL);
    ck_assert_int_eq(cs_pubsite_id("", 0, &id), CS_EINVAL);
    ck_assert_str_eq(cs_pubsite_ext("image/jpeg"), "jpg");
    ck_assert_str_eq(cs_pubsite_ext("text/html"), "bin");
    json_decref(snap);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("public_site");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, catalog_text_is_escaped_and_dates_shown);
    tcase_add_test(tc, a_withdrawn_page_is_410_with_date_and_category);
    tcase_add_test(tc, only_a_live_publications_files_by_their_names);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
