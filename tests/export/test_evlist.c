/* tests/export/test_evlist.c: the evidence list's writers (export/evlist.c): CSV fields quoted
 * as RFC 4180 says and guarded against spreadsheet formulas, every HTML field escaped, and
 * whole lists written from timeline rows: a BOM, Chinese headings, a file time said to be no
 * capture time, the withheld count and the ledger entry on the page. */
#include "core/error.h"
#include "export/evlist.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What fn writes for s, in a malloc'd string. */
static char *
written(int (*fn)(FILE *, const char *), const char *s)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fn(f, s), 0);
    fclose(f);
    return buf;
}

static const struct {
    const char *in, *out;
} csv_cases[] = {
    {NULL, ""},
    {"", ""},
    {"plain.jpg", "plain.jpg"},
    {"现场照片.jpg", "现场照片.jpg"},
    {"a,b", "\"a,b\""},
    {"say \"hi\"", "\"say \"\"hi\"\"\""},
    {"two\nlines", "\"two\nlines\""},
    {"cr\rhere", "\"cr\rhere\""},
    /* Formula injection (OWASP CSV injection): a leading = + - @ never starts a formula. */
    {"=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""},
    {"=1+2", "'=1+2"},
    {"+86 138", "'+86 138"},
    {"-2+3", "'-2+3"},
    {"@SUM(A1)", "'@SUM(A1)"},
    {"\tcmd", "'\tcmd"},
    {"=a,b", "\"'=a,b\""},
    {"a=b", "a=b"},
    {"x-1", "x-1"},
};

START_TEST(csv_fields_are_quoted_and_guarded)
{
    char *got = written(cs_evlist_csv_field, csv_cases[_i].in);
    ck_assert_msg(strcmp(got, csv_cases[_i].out) == 0, "%s: got [%s], want [%s]",
                  csv_cases[_i].in ? csv_cases[_i].in : "(null)", got, csv_cases[_i].out);
    free(got);
}
END_TEST

static const struct {
    const char *in, *out;
} html_cases[] = {
    {NULL, ""},
    {"现场.jpg", "现场.jpg"},
    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"a & b", "a &amp; b"},
    {"\"q\" 'a'", "&quot;q&quot; &#39;a&#39;"},
    {"&lt;", "&amp;lt;"},
};

START_TEST(html_text_is_escaped)
{
    char *got = written(cs_evlist_html_text, html_cases[_i].in);
    ck_assert_msg(strcmp(got, html_cases[_i].out) == 0, "got [%s], want [%s]", got,
                  html_cases[_i].out);
    free(got);
}
END_TEST

/* Two rows as cs_catalog_case_timeline gives them: a photo with its camera's time, place and
 * device; a file whose only time is its upload's file time, with a hostile name. */
static json_t *
rows(void)
{
    json_t *r = json_loads(
        "[{\"sha256\":\"aa11\",\"size\":4573,\"media_type\":\"image/jpeg\",\"party\":\"某公司\","
        "\"original_name\":\"现场 1.jpg\",\"captured_at\":\"2023-05-01T09:30:00+08:00\","
        "\"captured_at_source\":\"exif:DateTimeOriginal\",\"stage\":\"investigation\","
        "\"officer\":\"王警官\",\"place\":\"东门\",\"device\":{\"make\":\"Canon\","
        "\"model\":\"EOS 5D\"},\"gps\":{\"lat\":35.41,\"lon\":116.59},"
        "\"derivatives\":{\"preview\":\"ok\",\"thumbnail\":\"failed\"}},"
        "{\"sha256\":\"bb22\",\"size\":5,\"media_type\":\"text/plain\",\"party\":null,"
        "\"original_name\":\"=cmd|' /C calc'!A0,<b>\\\"x\\\".txt\",\"captured_at\":null,"
        "\"captured_at_source\":\"file:mtime\",\"captured_at_estimate\":\"file_time\","
        "\"file_time\":\"2023-05-02T10:00:00Z\",\"stage\":null,\"officer\":null,"
        "\"place\":null,\"device\":null,\"gps\":null,\"derivatives\":{}}]",
        0, NULL);
    ck_assert_ptr_nonnull(r);
    return r;
}

static char *
render(cs_evlist_t *l, int html)
{
    char *out = NULL;
    size_t len = 0;
    ck_assert_int_eq(cs_evlist_render(l, html, &out, &len), 0);
    ck_assert_uint_eq(strlen(out), len);
    return out;
}

START_TEST(a_csv_list_opens_in_excel)
{
    cs_evlist_t l = {.case_number = "任水罚〔2023〕12号",
                     .reader = "alice",
                     .role = "reviewer",
                     .seq = 42,
                     .rows = rows(),
                     .withheld = 1};
    char *csv = render(&l, 0);
    ck_assert_msg(
        strncmp(csv,
                "\xEF\xBB\xBF序号,原始文件名,类型,拍摄时间,时间来源,地点（GPS）,设备,"
                "办案人员,阶段,当事人,大小（字节）,SHA-256,副本（已校验）\r\n",
                strlen("\xEF\xBB\xBF序号,原始文件名,类型,拍摄时间,时间来源,地点（GPS）,"
                       "设备,办案人员,阶段,当事人,大小（字节）,SHA-256,副本（已校验）\r\n")) == 0,
        "%s", csv);
    ck_assert_msg(strstr(csv, "\r\n1,现场 1.jpg,照片,2023-05-01T09:30:00+08:00,EXIF 原始拍摄时间"
                              "（exif:DateTimeOriginal）,\"东门；35.410000, 116.590000\",Canon EOS "
                              "5D,王警官,调查取证,某公司,4573,aa11,预览图\r\n") != NULL,
                  "%s", csv);
    ck_assert_msg(strstr(csv, "\r\n2,\"'=cmd|' /C calc'!A0,<b>\"\"x\"\".txt\",其他,"
                              "未知（上传文件的修改时间）,上传文件的修改时间（不是拍摄时间）："
                              "2023-05-02T10:00:00Z,,,,,,5,bb22,\r\n") != NULL,
                  "%s", csv);
    free(csv);
    cs_evlist_free(&l);
    ck_assert_ptr_null(l.rows);
}
END_TEST

START_TEST(a_printable_page_escapes_every_field)
{
    cs_evlist_t l = {.case_number = "任水罚〔2023〕<12>号",
                     .reader = "alice<x>",
                     .role = "reviewer",
                     .purpose = "法制审核 & \"复核\"",
                     .seq = 42,
                     .rows = rows(),
                     .withheld = 1};
    snprintf(l.made_at, sizeof l.made_at, "2026-12-07 18:00:00 +08:00");
    char *page = render(&l, 1);
    ck_assert_ptr_nonnull(strstr(page, "<html lang=\"zh-CN\">"));
    ck_assert_ptr_nonnull(strstr(page, "@page { size: A4"));
    ck_assert_ptr_nonnull(strstr(page, "<h1>证据清单</h1>"));
    ck_assert_ptr_nonnull(strstr(page, "<dd>任水罚〔2023〕&lt;12&gt;号</dd>"));
    ck_assert_ptr_nonnull(strstr(page, "<dd>2026-12-07 18:00:00 +08:00</dd>"));
    ck_assert_ptr_nonnull(strstr(page, "<dd>alice&lt;x&gt;（reviewer）</dd>"));
    ck_assert_ptr_nonnull(strstr(page, "<dd>法制审核 &amp; &quot;复核&quot;</dd>"));
    ck_assert_ptr_nonnull(strstr(page, "另有 1 项证据因查阅权限未列出"));
    ck_assert_ptr_nonnull(
        strstr(page, "<td>=cmd|&#39; /C calc&#39;!A0,&lt;b&gt;&quot;x&quot;.txt</td>"));
    ck_assert_ptr_null(strstr(page, "<b>"));
    ck_assert_ptr_nonnull(strstr(page, "<td>未知（上传文件的修改时间）</td>"));
    ck_assert_ptr_nonnull(strstr(page, "<td>Canon EOS 5D</td>"));
    ck_assert_ptr_nonnull(strstr(page, "本清单由 Custody 生成；本次查阅已记入账本，条目编号 42。"));
    free(page);
    /* Served under a policy without inline styles: the stylesheet is linked instead. */
    l.css_href = "/ui/evidence-list.css";
    l.withheld = 0;
    page = render(&l, 1);
    ck_assert_ptr_nonnull(strstr(page, "<link rel=\"stylesheet\" href=\"/ui/evidence-list.css\">"));
    ck_assert_ptr_null(strstr(page, "<style>"));
    ck_assert_ptr_null(strstr(page, "另有"));
    free(page);
    l.seq = -1; /* a read that was not ledgered names no entry */
    page = render(&l, 1);
    ck_assert_ptr_nonnull(strstr(page, "<footer>本清单由 Custody 生成。</footer>"));
    free(page);
    cs_evlist_free(&l);
}
END_TEST

/* The page's style is the same text in the page and in the web interface's file. */
START_TEST(the_web_stylesheet_is_the_pages)
{
    size_t len = 0;
    char *css = cs_test_read(CUSTODY_TEST_DATA "/../../web/evidence-list.css", &len);
    ck_assert_ptr_nonnull(css);
    ck_assert_msg(len == strlen(cs_evlist_css) && memcmp(css, cs_evlist_css, len) == 0,
                  "web/evidence-list.css differs from cs_evlist_css: write it again from "
                  "export/evlist.c");
    free(css);
}
END_TEST

static Suite *
evlist_suite(void)
{
    Suite *s = suite_create("evlist");
    TCase *tc = tcase_create("writers");
    tcase_add_loop_test(tc, csv_fields_are_quoted_and_guarded, 0,
                        (int)(sizeof csv_cases / sizeof csv_cases[0]));
    tcase_add_loop_test(tc, html_text_is_escaped, 0,
                        (int)(sizeof html_cases / sizeof html_cases[0]));
    tcase_add_test(tc, a_csv_list_opens_in_excel);
    tcase_add_test(tc, a_printable_page_escapes_every_field);
    tcase_add_test(tc, the_web_stylesheet_is_the_pages);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(evlist_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
