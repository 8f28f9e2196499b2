/* tests/ingest/test_route.c: where a dropped file goes, from its folders and its sidecar, and
 * what a clerk is told when either is wrong. */
#include "core/casenum.h"
#include "core/error.h"
#include "ingest/route.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CASE "任水罚〔2023〕12号"
#define REL CASE "/警号0451/clip.mp4"

#define X8 "xxxxxxxx"
#define X64 X8 X8 X8 X8 X8 X8 X8 X8
#define X256 X64 X64 X64 X64
#define X127 X64 X8 X8 X8 X8 X8 X8 X8 "xxxxxxx"
#define X2047 X256 X256 X256 X256 X256 X256 X256 X127 X64 X64

static cs_casenum_rule_t *rule;
static char *dir;
static char sidecar[4096];

static void
setup(void)
{
    ck_assert_int_eq(cs_casenum_rule_new(&rule, NULL), 0);
    dir = cs_test_tmpdir();
    snprintf(sidecar, sizeof sidecar, "%s/clip.mp4.json", dir);
}

static void
teardown(void)
{
    cs_casenum_rule_free(&rule);
    cs_test_rmrf(dir);
    free(dir);
    dir = NULL;
}

/* The route's field called `name` (the sidecar's key names). */
static const char *
field(const cs_route_t *r, const char *name)
{
    static const struct {
        const char *name;
        size_t off;
    } map[] = {
        {"case", offsetof(cs_route_t, case_number)},
        {"officer", offsetof(cs_route_t, officer)},
        {"party", offsetof(cs_route_t, party)},
        {"place", offsetof(cs_route_t, place)},
        {"recorded_at", offsetof(cs_route_t, recorded_at)},
        {"stage", offsetof(cs_route_t, stage)},
        {"classification", offsetof(cs_route_t, classification)},
        {"note", offsetof(cs_route_t, note)},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, name) == 0)
            return (const char *)r + map[i].off;
    ck_abort_msg("no field %s", name);
    return NULL;
}

/* A problem is either "" or holds `want`; and it can always be stored as JSON. */
static void
assert_problem(const cs_route_t *r, const char *want)
{
    if (want[0] == '\0')
        ck_assert_str_eq(r->problem, "");
    else
        ck_assert_msg(strstr(r->problem, want) != NULL, "problem \"%s\" lacks \"%s\"", r->problem,
                      want);
    json_t *j = cs_route_json(r);
    ck_assert_ptr_nonnull(j);
    json_decref(j);
}

static const struct {
    const char *rel;
    int rc;
    const char *case_number, *officer, *problem;
} paths[] = {
    /* 1, 2, 3 and 4+ components */
    {"clip.mp4", 0, "", "", "the file is directly in the upload folder"},
    {CASE "/clip.mp4", 0, CASE, "", ""},
    {CASE "/警号0451/clip.mp4", 0, CASE, "警号0451", ""},
    {CASE "/警号0451/第一天/cam2/clip.mp4", 0, CASE, "警号0451", ""},
    /* bracket variants, full-width digits and leading zeros normalise */
    {"任水罚[2023]12号/clip.mp4", 0, CASE, "", ""},
    {"任水罚［2023］012号/clerk7/clip.mp4", 0, CASE, "clerk7", ""},
    {"任水罚【２０２３】12号/clip.mp4", 0, CASE, "", ""},
    {"任水罚(2023)12号/clip.mp4", 0, CASE, "", ""},
    /* not a case number: kept, unassigned, and the clerk is told which folder and why */
    {"任水罚2023-12/clip.mp4", 0, "", "",
     "folder \"任水罚2023-12\" is not a case number (has no year in brackets"},
    {"任水罚2023-12/警号0451/clip.mp4", 0, "", "警号0451", "link it with custody link"},
    {"任水罚〔23〕12号/clip.mp4", 0, "", "", "the year must be 4 digits"},
    {"\xff任水罚〔2023〕12号/clip.mp4", 0, "", "", "folder \"\\xFF任水罚"},
    /* a bad officer folder: the case stands, the officer is empty and the clerk is told */
    {CASE "/a\tb/clip.mp4", 0, CASE, "", "folder \"a\\x09b\" is not an officer id"},
    {CASE "/\xc3/clip.mp4", 0, CASE, "", "is not valid UTF-8 at byte 0"},
    {CASE "/" X127 "/clip.mp4", 0, CASE, X127, ""},
    {CASE "/" X127 "x/clip.mp4", 0, CASE, "", "is 128 bytes, more than 127"},
    /* paths the router must not guess about */
    {"", CS_EINVAL, "", "", ""},
    {"/uploads/" CASE "/clip.mp4", CS_EINVAL, "", "", ""},
    {CASE "//clip.mp4", CS_EINVAL, "", "", ""},
    {CASE "/../clip.mp4", CS_EINVAL, "", "", ""},
    {"./clip.mp4", CS_EINVAL, "", "", ""},
    {CASE "/", CS_EINVAL, "", "", ""},
    {CASE "/" X256 "/clip.mp4", CS_ENAMETOOLONG, "", "", ""},
};

START_TEST(routes_by_path)
{
    cs_route_t r;
    int rc = cs_route_file(rule, paths[_i].rel, NULL, &r);
    ck_assert_msg(rc == paths[_i].rc, "%s: rc %d, want %d", paths[_i].rel, rc, paths[_i].rc);
    ck_assert_str_eq(r.case_number, paths[_i].case_number);
    ck_assert_str_eq(r.officer, paths[_i].officer);
    ck_assert_int_eq(r.has_sidecar, 0);
    if (rc != 0)
        ck_assert_str_ne(cs_diag(), "");
    assert_problem(&r, paths[_i].problem);
}
END_TEST

static const struct {
    const char *json; /* the sidecar's bytes */
    int rc;
    const char *field, *value; /* a field of the route to check, or NULL */
    const char *problem;       /* "" or what the problem must say after "sidecar clip.mp4.json: " */
    const char *rel;           /* NULL: REL */
} sidecars[] = {
    /* each field, valid */
    {"{}", 0, NULL, NULL, "", NULL},
    {"{\"case\": \"任水罚[2024]7号\"}", 0, "case", "任水罚〔2024〕7号", "", NULL},
    {"{\"party\": \"张三\"}", 0, "party", "张三", "", NULL},
    {"{\"party\": \"\\u5f20\\u4e09\"}", 0, "party", "张三", "", NULL},
    {"{\"party\": \"" X256 "\"}", 0, "party", "",
     "\"party\" is 256 bytes, more than 255; shorten it", NULL},
    {"{\"officer\": \"警号0999\"}", 0, "officer", "警号0999", "", NULL},
    {"{\"officer\": \"" X127 "\"}", 0, "officer", X127, "", NULL},
    {"{\"place\": \"任城区 南池路\"}", 0, "place", "任城区 南池路", "", NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00Z\"}", 0, "recorded_at", "2023-05-04T14:30:00Z", "",
     NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00+08:00\"}", 0, "recorded_at",
     "2023-05-04T14:30:00+08:00", "", NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00.123+08:00\"}", 0, "recorded_at",
     "2023-05-04T14:30:00.123+08:00", "", NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00.123456789-05:30\"}", 0, "recorded_at",
     "2023-05-04T14:30:00.123456789-05:30", "", NULL},
    {"{\"recorded_at\": \"2024-02-29T23:59:59Z\"}", 0, "recorded_at", "2024-02-29T23:59:59Z", "",
     NULL},
    {"{\"recorded_at\": \"2000-02-29T00:00:00-00:00\"}", 0, "recorded_at",
     "2000-02-29T00:00:00-00:00", "", NULL},
    {"{\"stage\": \"filing\"}", 0, "stage", "filing", "", NULL},
    {"{\"stage\": \"investigation\"}", 0, "stage", "investigation", "", NULL},
    {"{\"stage\": \"decision\"}", 0, "stage", "decision", "", NULL},
    {"{\"stage\": \"service\"}", 0, "stage", "service", "", NULL},
    /* the Chinese names of the stages, stored as their keys */
    {"{\"stage\": \"立案\"}", 0, "stage", "filing", "", NULL},
    {"{\"stage\": \"调查取证\"}", 0, "stage", "investigation", "", NULL},
    {"{\"stage\": \"审核决定\"}", 0, "stage", "decision", "", NULL},
    {"{\"stage\": \"审查决定\"}", 0, "stage", "decision", "", NULL},
    {"{\"stage\": \"送达执行\"}", 0, "stage", "service", "", NULL},
    {"{\"stage\": \"调查\"}", 0, "stage", "", "\"stage\" is \"调查\"; use one of", NULL},
    {"{\"classification\": \"public\"}", 0, "classification", "public", "", NULL},
    {"{\"classification\": \"internal\"}", 0, "classification", "internal", "", NULL},
    {"{\"classification\": \"privacy\"}", 0, "classification", "privacy", "", NULL},
    {"{\"classification\": \"commercial_secret\"}", 0, "classification", "commercial_secret", "",
     NULL},
    {"{\"classification\": \"state_secret\"}", 0, "classification", "state_secret", "", NULL},
    {"{\"note\": \"第一段\\n第二段\\t完\"}", 0, "note", "第一段\n第二段\t完", "", NULL},
    {"{\"note\": \"a\\r\\nb\"}", 0, "note", "a\r\nb", "", NULL},
    {"{\"note\": \"" X2047 "\"}", 0, "note", X2047, "", NULL},
    {"\xEF\xBB\xBF{\"party\": \"张三\"}", 0, "party", "张三", "", NULL},
    {"{\"case\": \"任水罚〔2024〕7号\", \"party\": \"张三\", \"officer\": \"警号0999\", "
     "\"place\": \"南池路\", \"recorded_at\": \"2024-01-02T03:04:05+08:00\", \"stage\": "
     "\"investigation\", \"classification\": \"privacy\", \"note\": \"n\"}",
     0, "classification", "privacy", "", NULL},
    /* each field, invalid */
    {"{\"case\": \"任水罚2023-12\"}", 0, "case", CASE,
     "\"case\" is \"任水罚2023-12\", not a case number (has no year in brackets", NULL},
    {"{\"case\": \"\"}", 0, NULL, NULL, "\"case\" is empty; fill it in", NULL},
    {"{\"party\": \"\"}", 0, NULL, NULL, "\"party\" is empty; fill it in or remove the field",
     NULL},
    {"{\"party\": \"a\\u0001b\"}", 0, NULL, NULL,
     "\"party\" has a control character (U+0001) at byte 1; remove it", NULL},
    {"{\"party\": \"a\\u0085b\"}", 0, NULL, NULL, "control character (U+0085)", NULL},
    {"{\"officer\": \"" X127 "x\"}", 0, "officer", "警号0451",
     "\"officer\" is 128 bytes, more than 127", NULL},
    {"{\"officer\": \"a\\nb\"}", 0, NULL, NULL, "control character (U+000A)", NULL},
    {"{\"place\": \"a\\tb\"}", 0, NULL, NULL, "\"place\" has a control character (U+0009)", NULL},
    {"{\"note\": \"bell\\u0007\"}", 0, NULL, NULL, "control character (U+0007)", NULL},
    {"{\"note\": \"a\\rb\"}", 0, NULL, NULL, "control character (U+000D)", NULL},
    {"{\"note\": \"" X2047 "x\"}", 0, NULL, NULL, "\"note\" is 2048 bytes, more than 2047", NULL},
    {"{\"stage\": \"review\"}", 0, NULL, NULL,
     "\"stage\" is \"review\"; use one of filing (立案), investigation (调查取证), decision "
     "(审核决定), service (送达执行)",
     NULL},
    {"{\"stage\": \"Filing\"}", 0, NULL, NULL, "\"stage\" is \"Filing\"", NULL},
    {"{\"classification\": \"secret\"}", 0, NULL, NULL,
     "\"classification\" is \"secret\"; use one of public, internal, privacy, commercial_secret, "
     "state_secret",
     NULL},
    /* recorded_at: RFC 3339, strictly */
    {"{\"recorded_at\": \"2023-13-01T10:00:00Z\"}", 0, NULL, NULL,
     "\"recorded_at\" is \"2023-13-01T10:00:00Z\": month 13 is out of range (01-12); write it like "
     "2023-05-04T14:30:00+08:00",
     NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00\"}", 0, NULL, NULL, "it has no UTC offset", NULL},
    {"{\"recorded_at\": \"2023-05-04T24:00:00Z\"}", 0, NULL, NULL, "hour 24 is out of range", NULL},
    {"{\"recorded_at\": \"2023-02-29T10:00:00Z\"}", 0, NULL, NULL,
     "day 29 is out of range for 2023-02", NULL},
    {"{\"recorded_at\": \"1900-02-29T10:00:00Z\"}", 0, NULL, NULL, "day 29", NULL},
    {"{\"recorded_at\": \"2023-04-31T10:00:00Z\"}", 0, NULL, NULL, "day 31", NULL},
    {"{\"recorded_at\": \"2023-04-00T10:00:00Z\"}", 0, NULL, NULL, "day 00", NULL},
    {"{\"recorded_at\": \"2023-00-10T10:00:00Z\"}", 0, NULL, NULL, "month 00", NULL},
    {"{\"recorded_at\": \"2023-05-04 14:30:00Z\"}", 0, NULL, NULL, "upper-case T", NULL},
    {"{\"recorded_at\": \"2023-05-04t14:30:00Z\"}", 0, NULL, NULL, "upper-case T", NULL},
    {"{\"recorded_at\": \"2023-05-04\"}", 0, NULL, NULL, "it has no time", NULL},
    {"{\"recorded_at\": \"2023-5-4T14:30:00Z\"}", 0, NULL, NULL, "YYYY-MM-DD", NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30Z\"}", 0, NULL, NULL, "it has no seconds", NULL},
    {"{\"recorded_at\": \"2023-05-04T14:60:00Z\"}", 0, NULL, NULL, "minute 60", NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:60Z\"}", 0, NULL, NULL, "second 60", NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00.Z\"}", 0, NULL, NULL, "1 to 9 digits", NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00.1234567890Z\"}", 0, NULL, NULL, "1 to 9 digits",
     NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00z\"}", 0, NULL, NULL, "must be Z or like", NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00+8:00\"}", 0, NULL, NULL, "must be Z or like +08:00",
     NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00+0800\"}", 0, NULL, NULL, "must be Z or like +08:00",
     NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00+24:00\"}", 0, NULL, NULL, "offset is out of range",
     NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00+08:60\"}", 0, NULL, NULL, "offset is out of range",
     NULL},
    {"{\"recorded_at\": \"2023-05-04T14:30:00Z \"}", 0, NULL, NULL, "text follows the UTC offset",
     NULL},
    /* wrong types, unknown keys */
    {"{\"stage\": 1}", 0, NULL, NULL,
     "\"stage\" is a number; write it as text in double quotes: \"stage\": \"...\"", NULL},
    {"{\"party\": null}", 0, NULL, NULL, "\"party\" is null", NULL},
    {"{\"note\": [\"a\"]}", 0, NULL, NULL, "\"note\" is a list", NULL},
    {"{\"case\": true}", 0, NULL, NULL, "\"case\" is true/false", NULL},
    {"{\"place\": {}}", 0, NULL, NULL, "\"place\" is an object", NULL},
    {"{\"cse\": \"" CASE "\"}", 0, "case", CASE,
     "\"cse\" is not a sidecar field; use case, party, officer, place, recorded_at, stage, "
     "classification or note",
     NULL},
    {"{\"Case\": \"" CASE "\"}", 0, NULL, NULL, "\"Case\" is not a sidecar field", NULL},
    /* field by field: a good field beside a bad one is applied, the bad one named */
    {"{\"party\": \"张三\", \"cse\": \"x\"}", 0, "party", "张三",
     "\"cse\" is not a sidecar field; use case", NULL},
    {"{\"party\": \"张三\", \"stage\": \"review\"}", 0, "party", "张三",
     "\"stage\" is \"review\"; use one of filing (立案), investigation (调查取证), decision "
     "(审核决定), service (送达执行); the other fields were applied",
     NULL},
    {"{\"stage\": \"review\", \"place\": \"南池路\"}", 0, "place", "南池路", "\"stage\"", NULL},
    {"{\"stage\": \"nonsense\", \"party\": \"张三\"}", 0, "stage", "", "\"nonsense\"", NULL},
    {"{\"stage\": \"review\", \"recorded_at\": \"2023-05-04\", \"note\": \"n\"}", 0, "note", "n",
     "\"stage\" is \"review\"; use one of filing (立案), investigation (调查取证), decision "
     "(审核决定), service (送达执行); also \"recorded_at\" is \"2023-05-04\": it has no time",
     NULL},
    {"{\"stage\": 1}", 0, NULL, NULL,
     "write it as text in double quotes: \"stage\": \"...\"; nothing else was in it", NULL},
    /* a bad case goes by the folder's case, and says so */
    {"{\"case\": \"任水罚2023-12\", \"party\": \"张三\"}", 0, "case", CASE,
     "the file goes by its folder instead", NULL},
    {"{\"case\": \"任水罚2023-12\", \"party\": \"张三\"}", 0, "party", "张三",
     "the other fields were applied", NULL},
    /* not an object, not JSON, not UTF-8 */
    {"[\"a\"]", CS_ESIDECAR, NULL, NULL, "holds a list, not a JSON object", NULL},
    {"\"" CASE "\"", CS_ESIDECAR, NULL, NULL, "holds a string, not a JSON object", NULL},
    {"42", CS_ESIDECAR, NULL, NULL, "holds a number", NULL},
    {"{\"party\": \"张三\",}", CS_ESIDECAR, NULL, NULL, "is not valid JSON (line 1, column", NULL},
    {"{party: \"张三\"}", CS_ESIDECAR, NULL, NULL, "is not valid JSON", NULL},
    {"{\"party\": \"a\", \"party\": \"b\"}", CS_ESIDECAR, NULL, NULL, "duplicate", NULL},
    {"{\"party\": \"\\u0000\"}", CS_ESIDECAR, NULL, NULL, "is not valid JSON", NULL},
    {"{\"party\": \"\\ud800\"}", CS_ESIDECAR, NULL, NULL, "is not valid JSON", NULL},
    {"", CS_ESIDECAR, NULL, NULL, "is empty; write a JSON object", NULL},
    {"\xEF\xBB\xBF", CS_ESIDECAR, NULL, NULL, "is empty", NULL},
    {"{\"party\": \"\xd5\xc5\xc8\xfd\"}", CS_ESIDECAR, "party", "",
     "is not valid UTF-8 at byte 11 (saved as GBK?); save it as UTF-8", NULL},
    {"{\"p\xff\": \"x\"}", CS_ESIDECAR, NULL, NULL, "is not valid UTF-8 at byte 3", NULL},
    /* sidecar and path together */
    {"{\"case\": \"" CASE "\"}", 0, "case", CASE, "", "任水罚2023-12/clip.mp4"},
    {"{\"case\": \"" CASE "\"}", 0, "case", CASE, "", "clip.mp4"},
    {"{\"party\": \"张三\"}", 0, "case", "", "folder \"任水罚2023-12\" is not a case number",
     "任水罚2023-12/clip.mp4"},
    {"{\"stage\": \"review\"}", 0, "case", "",
     "\"stage\" is \"review\"; use one of filing (立案), investigation (调查取证), decision "
     "(审核决定), service (送达执行); nothing else was in it; and folder \"任水罚2023-12\" is not "
     "a "
     "case number",
     "任水罚2023-12/clip.mp4"},
    {"{\"case\": \"x\"}", 0, "case", "",
     "the file goes by its folder instead: fix the sidecar, and link the file to its case with "
     "custody link if the folder's is wrong; nothing else was in it; and the file is directly in "
     "the upload folder",
     "clip.mp4"},
    {"{\"officer\": \"警号0999\"}", 0, "officer", "警号0999", "", CASE "/a\tb/clip.mp4"},
    {"{\"party\": \"张三\"}", 0, "officer", "", "is not an officer id", CASE "/a\tb/clip.mp4"},
};

START_TEST(routes_by_sidecar)
{
    cs_route_t r;
    const char *rel = sidecars[_i].rel ? sidecars[_i].rel : REL;
    cs_test_write(sidecar, sidecars[_i].json, strlen(sidecars[_i].json));
    int rc = cs_route_file(rule, rel, sidecar, &r);
    ck_assert_msg(rc == sidecars[_i].rc, "%s: rc %d, want %d (%s)", sidecars[_i].json, rc,
                  sidecars[_i].rc, r.problem);
    if (sidecars[_i].field)
        ck_assert_str_eq(field(&r, sidecars[_i].field), sidecars[_i].value);
    if (rc == 0) {
        ck_assert_int_eq(r.has_sidecar, 1);
        assert_problem(&r, sidecars[_i].problem);
        /* A bad field is named with its sidecar, and counted for the log. */
        if (sidecars[_i].problem[0] != '\0' && !sidecars[_i].rel)
            ck_assert_msg(strncmp(r.problem, "sidecar clip.mp4.json: ", 23) == 0, "problem: %s",
                          r.problem);
        ck_assert_int_eq(r.sidecar_faults > 0, strncmp(r.problem, "sidecar ", 8) == 0);
        return;
    }
    /* A sidecar that cannot be read: the path's routing stands, nothing of the sidecar is
     * applied, and the clerk is told which sidecar and what to do, in the problem and in
     * cs_diag. */
    ck_assert_int_eq(r.has_sidecar, 0);
    ck_assert_str_eq(cs_diag(), r.problem);
    cs_route_t path_only;
    ck_assert_int_eq(cs_route_file(rule, rel, NULL, &path_only), 0);
    ck_assert_str_eq(r.case_number, path_only.case_number);
    ck_assert_str_eq(r.officer, path_only.officer);
    ck_assert_str_eq(r.party, "");
    ck_assert_str_eq(r.stage, "");
    ck_assert_str_eq(r.note, "");
    ck_assert_msg(strncmp(r.problem, "sidecar clip.mp4.json: ", 23) == 0, "problem: %s", r.problem);
    assert_problem(&r, sidecars[_i].problem);
}
END_TEST

START_TEST(a_missing_sidecar_is_no_sidecar)
{
    cs_route_t r;
    char path[4096];
    ck_assert_int_eq(cs_route_file(rule, REL, sidecar, &r), 0);
    ck_assert_int_eq(r.has_sidecar, 0);
    ck_assert_str_eq(r.case_number, CASE);
    ck_assert_str_eq(r.problem, "");
    /* A file in the way of the path (ENOTDIR) is no sidecar either. */
    cs_test_write(sidecar, "{}", 2);
    snprintf(path, sizeof path, "%s/clip.mp4.json/x.json", dir);
    ck_assert_int_eq(cs_route_file(rule, REL, path, &r), 0);
    ck_assert_int_eq(r.has_sidecar, 0);
}
END_TEST

START_TEST(a_sidecar_that_is_not_a_file_is_refused)
{
    cs_route_t r;
    ck_assert_int_eq(mkdir(sidecar, 0755), 0);
    ck_assert_int_eq(cs_route_file(rule, REL, sidecar, &r), CS_ESIDECAR);
    ck_assert_str_eq(r.case_number, CASE);
    ck_assert_ptr_nonnull(strstr(r.problem, "sidecar clip.mp4.json: is not a regular file"));
}
END_TEST

/* Writes an object with one party of `party` bytes, padded with spaces to exactly `size`. */
static void
write_padded(size_t size)
{
    char *buf = malloc(size);
    const char *head = "{\"party\": \"张三\"}";
    ck_assert_ptr_nonnull(buf);
    memset(buf, ' ', size);
    memcpy(buf, head, strlen(head));
    cs_test_write(sidecar, buf, size);
    free(buf);
}

START_TEST(a_sidecar_over_64_kib_is_refused)
{
    cs_route_t r;
    write_padded(CS_ROUTE_SIDECAR_MAX);
    ck_assert_int_eq(cs_route_file(rule, REL, sidecar, &r), 0);
    ck_assert_str_eq(r.party, "张三");
    write_padded(CS_ROUTE_SIDECAR_MAX + 1);
    ck_assert_int_eq(cs_route_file(rule, REL, sidecar, &r), CS_ESIDECAR);
    ck_assert_str_eq(r.party, "");
    ck_assert_str_eq(r.problem,
                     "sidecar clip.mp4.json: is more than 65536 bytes; a sidecar holds a few short "
                     "fields: shorten it");
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    cs_route_t r;
    ck_assert_int_eq(cs_route_file(NULL, REL, NULL, &r), CS_EINVAL);
    ck_assert_int_eq(cs_route_file(rule, NULL, NULL, &r), CS_EINVAL);
    ck_assert_int_eq(cs_route_file(rule, REL, NULL, NULL), CS_EINVAL);
    ck_assert_ptr_null(cs_route_json(NULL));
}
END_TEST

static const struct {
    const char *name;
    int sidecar, done;
    const char *target;
} names[] = {
    {"clip.mp4.json", 1, 0, NULL},
    {"x.json", 1, 0, NULL},
    {".json", 0, 0, NULL},
    {"json", 0, 0, NULL},
    {"clip.mp4.JSON", 0, 0, NULL},
    {"clip.mp4.jsonl", 0, 0, NULL},
    {"clip.mp4.json.part", 0, 0, NULL},
    {"clip.mp4", 0, 0, NULL},
    {"clip.mp4.done", 0, 1, "clip.mp4"},
    {"clip.mp4.json.done", 0, 1, "clip.mp4.json"},
    {"任水罚.mp4.done", 0, 1, "任水罚.mp4"},
    {".done", 0, 0, NULL},
    {"clip.mp4.DONE", 0, 0, NULL},
    {"clip.mp4.done.tmp", 0, 0, NULL},
};

START_TEST(sidecar_and_done_names)
{
    char target[64] = "untouched";
    ck_assert_int_eq(cs_route_is_sidecar(names[_i].name), names[_i].sidecar);
    ck_assert_int_eq(cs_route_done_marker(names[_i].name, target, sizeof target), names[_i].done);
    ck_assert_int_eq(cs_route_done_marker(names[_i].name, NULL, 0), names[_i].done);
    if (names[_i].done)
        ck_assert_str_eq(target, names[_i].target);
    else
        ck_assert_str_eq(target, "untouched");
}
END_TEST

START_TEST(a_done_target_that_does_not_fit_is_an_error)
{
    char target[8];
    ck_assert_int_eq(cs_route_done_marker("1234567.done", target, sizeof target), 1);
    ck_assert_str_eq(target, "1234567");
    ck_assert_int_eq(cs_route_done_marker("12345678.done", target, sizeof target), CS_ENAMETOOLONG);
    ck_assert_str_eq(target, "");
    ck_assert_int_eq(cs_route_is_sidecar(NULL), 0);
    ck_assert_int_eq(cs_route_done_marker(NULL, target, sizeof target), 0);
}
END_TEST

START_TEST(the_route_as_json_has_only_what_is_known)
{
    cs_route_t r;
    const char *text = "{\"party\": \"张三\", \"stage\": \"decision\"}";
    cs_test_write(sidecar, text, strlen(text));
    ck_assert_int_eq(cs_route_file(rule, CASE "/clip.mp4", sidecar, &r), 0);
    json_t *j = cs_route_json(&r);
    ck_assert_ptr_nonnull(j);
    char *dump = json_dumps(j, JSON_COMPACT);
    ck_assert_str_eq(dump, "{\"case\":\"" CASE
                           "\",\"party\":\"张三\",\"stage\":\"decision\",\"sidecar\":true}");
    free(dump);
    json_decref(j);

    ck_assert_int_eq(cs_route_file(rule, "clip.mp4", NULL, &r), 0);
    j = cs_route_json(&r);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(json_object_size(j), 3);
    ck_assert_str_eq(json_string_value(json_object_get(j, "problem")), r.problem);
    ck_assert_str_eq(json_string_value(json_object_get(j, "problem_code")), "no-case-folder");
    ck_assert_int_eq(json_object_size(json_object_get(j, "problem_params")), 0);
    json_decref(j);

    /* A field that is not UTF-8 (never made by the router) is refused, not stored. */
    memset(&r, 0, sizeof r);
    memcpy(r.party, "\xff", 2);
    ck_assert_ptr_null(cs_route_json(&r));
}
END_TEST

/* A problem carries the code of what made it, decided where it is written, and its params. */
static const struct {
    const char *rel, *sidecar; /* sidecar text; NULL: none */
    const char *code, *params;
} coded[] = {
    {"not-a-case/clip.mp4", NULL, "case-folder", "{\"folder\":\"not-a-case\"}"},
    {CASE "/bad\x01id/clip.mp4", NULL, "officer-folder", "{\"folder\":\"bad\\u0001id\"}"},
    {CASE "/clip.mp4", "{\"stage\": 7}", "sidecar-field",
     "{\"sidecar\":\"clip.mp4.json\",\"faults\":1}"},
    {"not-a-case/clip.mp4", "[1]", "sidecar-unreadable",
     "{\"sidecar\":\"clip.mp4.json\",\"also\":\"case-folder\",\"folder\":\"not-a-case\"}"},
};

START_TEST(a_problem_has_its_code_and_params)
{
    cs_route_t r;
    if (coded[_i].sidecar != NULL)
        cs_test_write(sidecar, coded[_i].sidecar, strlen(coded[_i].sidecar));
    cs_route_file(rule, coded[_i].rel, coded[_i].sidecar ? sidecar : NULL, &r);
    json_t *j = cs_route_json(&r);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "problem_code")), coded[_i].code);
    char *params = json_dumps(json_object_get(j, "problem_params"), JSON_COMPACT);
    ck_assert_str_eq(params, coded[_i].params);
    free(params);
    json_decref(j);
}
END_TEST

static Suite *
route_suite(void)
{
    Suite *s = suite_create("route");
    TCase *tc = tcase_create("route");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, routes_by_path, 0, (int)(sizeof paths / sizeof paths[0]));
    tcase_add_loop_test(tc, routes_by_sidecar, 0, (int)(sizeof sidecars / sizeof sidecars[0]));
    tcase_add_loop_test(tc, a_problem_has_its_code_and_params, 0,
                        (int)(sizeof coded / sizeof coded[0]));
    tcase_add_test(tc, a_missing_sidecar_is_no_sidecar);
    tcase_add_test(tc, a_sidecar_that_is_not_a_file_is_refused);
    tcase_add_test(tc, a_sidecar_over_64_kib_is_refused);
    tcase_add_test(tc, bad_arguments_are_refused);
    tcase_add_loop_test(tc, sidecar_and_done_names, 0, (int)(sizeof names / sizeof names[0]));
    tcase_add_test(tc, a_done_target_that_does_not_fit_is_an_error);
    tcase_add_test(tc, the_route_as_json_has_only_what_is_known);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(route_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
