/* tests/e2e/test_archive.c: `custody case archive` and `custody dat63` (issue 25, parts 2 to
 * 4): a closed case gets its 档号 (shown by case show and cases, found by search
 * --reference), numbered without gaps per fonds, class, year and period; its package holds a
 * DA/T 63 record for every recording whose SHA-256 and format fields are the item's, and a
 * 文件目录 with each file's 档号; the package verifies offline and a tampered file fails it; an
 * open case is refused in zh-CN, in the ledger, and so is a clerk who may not export the case. */
#include "tests/e2e/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FONDS "--set", "archive.fonds=J001"
#define RUN(r, ...) cs_test_custody(r, __VA_ARGS__, "--home", t->home, NULL)

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s%s", r->status, r->out, r->err);
    cs_test_run_free(r);
}

/* Makes a recording with the ffmpeg program (test set-up only; Custody never runs it). */
static void
make_clip(e2e_t *t, char path[PATH_MAX], const char *name, const char *args)
{
    char cmd[2048];
    snprintf(path, PATH_MAX, "%s/%s", t->dir, name);
    snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -loglevel error -y %s '%s'", args, path);
    ck_assert_msg(system(cmd) == 0, "could not make %s: %s", name, cmd);
}

/* Ingests a file into `kase`; its sha256 into sha. */
static void
ingest(e2e_t *t, const char *kase, const char *path, char sha[65])
{
    cs_run_t r;
    RUN(&r, "ingest", "--case", kase, "--json", path);
    ck_assert_msg(r.status == 0, "ingest: %s", r.err);
    json_t *line = e2e_json(&r);
    snprintf(sha, 65, "%s", json_string_value(json_object_get(line, "sha256")));
    json_decref(line);
    cs_test_run_free(&r);
}

static void
close_case(e2e_t *t, const char *kase)
{
    static const char *const steps[] = {"investigating", "under_review", "decided", "served",
                                        "closed"};
    cs_run_t r;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        RUN(&r, "case", "status", kase, "--to", steps[i]);
        ok(&r);
    }
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "no %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* "<name>value</name>" is in text. */
static void
has_element(const char *text, const char *name, const char *value)
{
    char want[512];
    snprintf(want, sizeof want, "<%s>%s</%s>", name, value, name);
    ck_assert_msg(strstr(text, want) != NULL, "no %s in:\n%s", want, text);
}

/* The item's first stream of `type` in its `show --json` record. */
static json_t *
stream_of(e2e_t *t, const char *sha, const char *type, json_t **item)
{
    cs_run_t r;
    json_t *s;
    size_t i;
    RUN(&r, "show", "--purpose", "检查", "--json", sha);
    ck_assert_int_eq(r.status, 0);
    *item = e2e_json(&r);
    cs_test_run_free(&r);
    json_array_foreach(
        json_object_get(json_object_get(json_object_get(*item, "metadata"), "media"), "streams"), i,
        s)
    {
        if (strcmp(json_string_value(json_object_get(s, "type")), type) == 0)
            return s;
    }
    ck_abort_msg("no %s stream in %s", type, sha);
    return NULL;
}

START_TEST(an_open_case_is_refused_in_chinese)
{
    e2e_t tt, *t = &tt;
    char clip[PATH_MAX], sha[65], out[PATH_MAX];
    cs_run_t r;
    e2e_setup(t);
    make_clip(t, clip, "a.mp4", "-f lavfi -i testsrc2=size=160x120:rate=25 -t 0.4 -c:v libx264");
    ingest(t, CASE_A, clip, sha);
    snprintf(out, sizeof out, "%s/pkg", t->dir);
    RUN(&r, "case", "archive", CASE_A, "--out", out, FONDS);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "尚未结案(当前状态: 已登记),不能归档") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_ne(access(out, F_OK), 0);
    ck_assert_int_eq(cs_test_sql_count(t->db, "SELECT count(*) FROM case_archives"), 0);
    ck_assert_int_eq(cs_test_sql_count(t->db, "SELECT count(*) FROM ledger WHERE entry ->>"
                                              " '$.action' = 'case.archive' AND entry ->>"
                                              " '$.result' = 'denied'"),
                     1);
    /* Closed, but archived by a clerk who may not take the case out: no 档号 either. */
    close_case(t, CASE_A);
    RUN(&r, "user", "add", "wang", "--role", "clerk");
    ok(&r);
    RUN(&r, "case", "archive", CASE_A, "--out", out, "--as", "wang", FONDS);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "拒绝归档") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_ne(access(out, F_OK), 0);
    ck_assert_int_eq(cs_test_sql_count(t->db, "SELECT count(*) FROM case_archives"), 0);
    e2e_teardown(t);
}
END_TEST

START_TEST(an_archived_case_has_its_reference_and_a_package_that_verifies)
{
    e2e_t tt, *t = &tt;
    char clip[PATH_MAX], wav[PATH_MAX], other[PATH_MAX], vsha[65], asha[65], osha[65];
    char out[PATH_MAX], path[PATH_MAX], fps[32], res[64], rate[32];
    json_t *item = NULL, *s;
    cs_run_t r;
    e2e_setup(t);
    make_clip(t, clip, "bodycam.mp4",
              "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440 -t 1 "
              "-c:v libx264 -c:a aac");
    make_clip(t, wav, "interview.wav", "-f lavfi -i sine=frequency=300:sample_rate=16000 -t 0.5");
    make_clip(t, other, "other.mp4",
              "-f lavfi -i testsrc2=size=160x120:rate=25 -t 0.4 -c:v libx264");
    ingest(t, CASE_A, clip, vsha);
    ingest(t, CASE_A, wav, asha);
    ingest(t, CASE_B, other, osha);
    RUN(&r, "show", vsha, "--purpose", "调阅核查"); /* a read: in the record's history */
    ok(&r);
    close_case(t, CASE_A);
    close_case(t, CASE_B);

    snprintf(out, sizeof out, "%s/pkg", t->dir);
    RUN(&r, "case", "archive", CASE_A, "--out", out, "--keep-period", "permanent", FONDS);
    ok(&r);
    /* The reference is assigned once, per fonds, class, year and period without gaps. */
    char year[8];
    time_t now = time(NULL);
    strftime(year, sizeof year, "%Y", localtime(&now));
    char ref_a[64], ref_b[64], want[128];
    snprintf(ref_a, sizeof ref_a, "J001-ZF-%s-Y-0001", year);
    snprintf(ref_b, sizeof ref_b, "J001-ZF-%s-Y-0002", year);
    snprintf(path, sizeof path, "%s/pkg-b", t->dir);
    RUN(&r, "case", "archive", CASE_B, "--out", path, "--keep-period", "permanent", FONDS);
    ok(&r);
    RUN(&r, "case", "show", CASE_A, "--purpose", "检查");
    snprintf(want, sizeof want, "档号        %s\n", ref_a);
    ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
    cs_test_run_free(&r);
    RUN(&r, "case", "show", CASE_A, "--purpose", "检查", "--json");
    json_t *rec = e2e_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "reference")), ref_a);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "keep_period")), "permanent");
    json_decref(rec);
    cs_test_run_free(&r);
    RUN(&r, "cases", "--purpose", "检查");
    ck_assert_msg(strstr(r.out, ref_a) != NULL && strstr(r.out, ref_b) != NULL, "%s", r.out);
    cs_test_run_free(&r);
    /* And in the case-file register, its last default column (档号). */
    RUN(&r, "case", "register", "--purpose", "台账", "--format", "csv");
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, ",证据数,档号\r\n") != NULL && strstr(r.out, ref_a) != NULL &&
                      strstr(r.out, ref_b) != NULL,
                  "%s", r.out);
    cs_test_run_free(&r);
    /* Searchable by its 档号: the case's items, and only them. */
    RUN(&r, "search", "--purpose", "检查", "--reference", ref_b, "--json");
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, osha) != NULL && strstr(r.out, vsha) == NULL, "%s", r.out);
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t->db, "SELECT count(*) FROM ledger WHERE entry ->>"
                                              " '$.action' = 'case.archive' AND entry ->>"
                                              " '$.result' IS NULL"),
                     2);
    /* The package's export entry names the 档号; archived again, the reference and period stay. */
    snprintf(want, sizeof want,
             "SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'export' AND entry ->>"
             " '$.archive' = '%s'",
             ref_a);
    ck_assert_int_eq(cs_test_sql_count(t->db, want), 1);
    snprintf(path, sizeof path, "%s/pkg-again", t->dir);
    RUN(&r, "case", "archive", CASE_A, "--out", path, "--keep-period", "short", FONDS);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "已归档") != NULL, "%s", r.err);
    cs_test_run_free(&r);

    /* The video's record: its hash and its format as the item's metadata has them. */
    snprintf(path, sizeof path, "%s/data/archive/dat63/%s.xml", out, vsha);
    char *xml = slurp(path);
    has_element(xml, "摘要值", vsha);
    has_element(xml, "算法", "SHA-256");
    s = stream_of(t, vsha, "video", &item);
    has_element(xml, "视频编码格式", json_string_value(json_object_get(s, "codec")));
    snprintf(res, sizeof res, "%lld×%lld",
             (long long)json_integer_value(json_object_get(s, "width")),
             (long long)json_integer_value(json_object_get(s, "height")));
    has_element(xml, "分辨率", res);
    snprintf(fps, sizeof fps, "%.17g", json_number_value(json_object_get(s, "frame_rate")));
    has_element(xml, "帧率", fps);
    snprintf(rate, sizeof rate, "%lld",
             (long long)json_integer_value(json_object_get(
                 json_object_get(json_object_get(item, "metadata"), "media"), "bit_rate")));
    has_element(xml, "码率", rate);
    snprintf(rate, sizeof rate, "%lld",
             (long long)json_integer_value(json_object_get(item, "size")));
    has_element(xml, "计算机文件大小", rate);
    snprintf(want, sizeof want, "%s-001", ref_a);
    has_element(xml, "档号", want);
    has_element(xml, "保管期限", "永久");
    has_element(xml, "业务行为", "归档");
    has_element(xml, "业务行为", "利用");
    ck_assert_msg(strstr(xml, "目的: 调阅核查") != NULL, "%s", xml);
    json_decref(item);
    free(xml);
    /* The sound's record: its codec, sampling and channels. */
    snprintf(path, sizeof path, "%s/data/archive/dat63/%s.xml", out, asha);
    xml = slurp(path);
    has_element(xml, "摘要值", asha);
    has_element(xml, "门类", "录音");
    s = stream_of(t, asha, "audio", &item);
    has_element(xml, "音频编码格式", json_string_value(json_object_get(s, "codec")));
    snprintf(rate, sizeof rate, "%lld",
             (long long)json_integer_value(json_object_get(s, "sample_rate")));
    has_element(xml, "采样率", rate);
    snprintf(rate, sizeof rate, "%lld",
             (long long)json_integer_value(json_object_get(s, "channels")));
    has_element(xml, "声道数", rate);
    json_decref(item);
    free(xml);
    /* The 文件目录 names every original with its 档号. */
    snprintf(path, sizeof path, "%s/data/archive/file-list.csv", out);
    char *list = slurp(path);
    ck_assert_msg(strstr(list, vsha) != NULL && strstr(list, asha) != NULL, "%s", list);
    snprintf(want, sizeof want, "%s-002,2,original", ref_a);
    ck_assert_msg(strstr(list, want) != NULL, "%s", list);
    free(list);

    /* Offline: it verifies, records and directory agreeing; a record that names another hash
     * fails even with the manifests made again to match it; a file changed in it fails. */
    cs_test_custody(&r, "verify-bag", out, NULL);
    ck_assert_msg(r.status == 0 && strstr(r.out, "archive: 2 DA/T 63 records") != NULL, "%s%s",
                  r.out, r.err);
    cs_test_run_free(&r);
    char sh[4096];
    snprintf(sh, sizeof sh,
             "set -e; cp -r '%s' '%s-forged'; cd '%s-forged'; f=data/archive/dat63/%s.xml;"
             " sed -i 's|<摘要值>%s</摘要值>|<摘要值>%s</摘要值>|' $f;"
             " h=$(sha256sum $f | cut -c1-64); sed -i \"s|^[0-9a-f]*  $f\\$|$h  $f|\" "
             "manifest-sha256.txt; m=$(sha256sum manifest-sha256.txt | cut -c1-64);"
             " sed -i \"s|^[0-9a-f]*  manifest-sha256.txt\\$|$m  manifest-sha256.txt|\" "
             "tagmanifest-sha256.txt",
             out, out, out, vsha, vsha, osha);
    ck_assert_int_eq(system(sh), 0);
    snprintf(path, sizeof path, "%s-forged", out);
    cs_test_custody(&r, "verify-bag", path, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.out, "摘要值") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    snprintf(path, sizeof path, "%s/data/archive/dat63/%s.xml", out, vsha);
    FILE *f = fopen(path, "r+");
    ck_assert_ptr_nonnull(f);
    fputc('X', f);
    fclose(f);
    cs_test_custody(&r, "verify-bag", out, NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);

    /* The same record from the CLI, and the case's table. */
    RUN(&r, "dat63", vsha, "--purpose", "检查");
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "<录音录像类电子档案元数据") != NULL, "%s", r.out);
    has_element(r.out, "摘要值", vsha);
    snprintf(want, sizeof want, "%s-001", ref_a);
    has_element(r.out, "档号", want);
    cs_test_run_free(&r);
    RUN(&r, "dat63", "--case", CASE_A, "--csv", "--purpose", "检查");
    ck_assert_int_eq(r.status, 0);
    snprintf(want, sizeof want, "%s-001,", ref_a);
    ck_assert_msg(strstr(r.out, want) != NULL && strstr(r.out, asha) != NULL, "%s", r.out);
    cs_test_run_free(&r);
    ck_assert_int_ge(cs_test_sql_count(t->db, "SELECT count(*) FROM ledger WHERE entry ->>"
                                              " '$.action' = 'view' AND entry ->> '$.purpose' ="
                                              " '检查'"),
                     1);
    e2e_teardown(t);
}
END_TEST

static Suite *
archive_suite(void)
{
    Suite *s = suite_create("archive");
    TCase *tc = tcase_create("archive");
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, an_open_case_is_refused_in_chinese);
    tcase_add_test(tc, an_archived_case_has_its_reference_and_a_package_that_verifies);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(archive_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
