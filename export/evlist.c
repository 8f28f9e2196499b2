/* export/evlist.c: the evidence list (evlist.h): the case's timeline rows filtered by the
 * reader's keep function, each turned into the same thirteen cells for the CSV and the
 * printable page. */
#include "export/evlist.h"

#include "core/error.h"
#include "indexer/timeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NCOLS 13

static const char *const heads[NCOLS] = {
    "序号",     "原始文件名", "类型",   "拍摄时间",     "时间来源", "地点（GPS）",   "设备",
    "办案人员", "阶段",       "当事人", "大小（字节）", "SHA-256",  "副本（已校验）"};

/* Words for the sources of a capture time (as web/js/i18n.js says them). */
static const char *const sources[][2] = {
    {"sidecar", "办案人员的陈述（随附说明文件）"},
    {"exif:DateTimeOriginal", "EXIF 原始拍摄时间"},
    {"exif:CreateDate", "EXIF 数字化时间"},
    {"exif:ModifyDate", "EXIF 修改时间"},
    {"exif:GPSDateTime", "EXIF GPS 时间（UTC）"},
    {"quicktime:com.apple.quicktime.creationdate", "QuickTime 拍摄时间（含时区）"},
    {"quicktime:creation_time", "视频容器创建时间（UTC）"},
    {"container:creation_time", "容器创建时间（UTC）"},
    {"file:mtime", "上传文件的修改时间（不是拍摄时间）"},
    {"name:ingest.name_pattern", "执法记录仪文件名中的时间"},
    {"name:ingest.name_pattern+config:site.tz", "执法记录仪文件名中的时间（按本站时区）"},
};

static const char *const stages[][2] = {
    {"filing", "立案"},
    {"investigation", "调查取证"},
    {"decision", "审核决定"},
    {"service", "送达执行"},
};

static const char *const profiles[][2] = {{"archival", "归档副本"},
                                          {"access", "访问副本"},
                                          {"preview", "预览图"},
                                          {"thumbnail", "缩略图"}};

/* The cells of one row: cell[] points into the row or at the texts made here (joined ones
 * grow as needed: nothing is cut). */
typedef struct row_cells {
    const char *cell[NCOLS];
    char number[24], size[24];
    char *time, *source, *place, *device, *copies;
    int err; /* CS_ENOMEM once a text could not be made */
} row_cells_t;

static const char *
str(const json_t *row, const char *key)
{
    return json_string_value(json_object_get(row, key));
}

static const char *
lookup(const char *const (*table)[2], size_t n, const char *key)
{
    for (size_t i = 0; key != NULL && i < n; i++)
        if (strcmp(table[i][0], key) == 0)
            return table[i][1];
    return NULL;
}

static const char *
kind_of(const char *media_type)
{
    const char *m = media_type ? media_type : "";
    if (strncmp(m, "image/", 6) == 0)
        return "照片";
    if (strncmp(m, "video/", 6) == 0)
        return "视频";
    if (strncmp(m, "audio/", 6) == 0)
        return "音频";
    return "其他";
}

/* Appends s to *text (malloc'd, or NULL) after sep when *text is not empty. */
static void
append(row_cells_t *r, char **text, const char *sep, const char *s)
{
    size_t n = *text ? strlen(*text) : 0, add;
    char *p;
    if (s == NULL || *s == '\0')
        return;
    add = (n ? strlen(sep) : 0) + strlen(s);
    if ((p = realloc(*text, n + add + 1)) == NULL) {
        r->err = CS_ENOMEM;
        return;
    }
    snprintf(p + n, add + 1, "%s%s", n ? sep : "", s); /* fits: sized above */
    *text = p;
}

static void
cells_free(row_cells_t *r)
{
    free(r->time);
    free(r->source);
    free(r->place);
    free(r->device);
    free(r->copies);
    memset(r, 0, sizeof *r);
}

static int
make_cells(const json_t *row, size_t number, row_cells_t *r)
{
    const char *src = str(row, "captured_at_source"), *est = str(row, "captured_at_estimate");
    const char *at = str(row, "captured_at"), *words;
    const json_t *gps = json_object_get(row, "gps"), *dev = json_object_get(row, "device");
    const json_t *derivs = json_object_get(row, "derivatives"), *v;
    const char *key;
    int file_time =
        (est && strcmp(est, "file_time") == 0) || (src && strcmp(src, "file:mtime") == 0);

    memset(r, 0, sizeof *r);
    snprintf(r->number, sizeof r->number, "%zu", number);
    if (file_time || at == NULL)
        append(r, &r->time, "", file_time ? "未知（上传文件的修改时间）" : "未知");
    else
        append(r, &r->time, "", at);
    words = lookup(sources, sizeof sources / sizeof sources[0], src);
    if (file_time) {
        append(r, &r->source, "", "上传文件的修改时间（不是拍摄时间）");
        append(r, &r->source, "：", str(row, "file_time"));
    } else if (words != NULL) {
        append(r, &r->source, "", words);
        append(r, &r->source, "", "（");
        append(r, &r->source, "", src);
        append(r, &r->source, "", "）");
    } else {
        append(r, &r->source, "", src);
    }
    append(r, &r->place, "；", str(row, "place"));
    if (json_is_object(gps) && json_is_number(json_object_get(gps, "lat")) &&
        json_is_number(json_object_get(gps, "lon"))) {
        char ll[64]; /* fits: two numbers within ±180 at 6 decimals */
        snprintf(ll, sizeof ll, "%.6f, %.6f", json_number_value(json_object_get(gps, "lat")),
                 json_number_value(json_object_get(gps, "lon")));
        append(r, &r->place, "；", ll);
    }
    if (json_is_object(dev)) {
        append(r, &r->device, " ", str(dev, "make"));
        append(r, &r->device, " ", str(dev, "model"));
    }
    snprintf(r->size, sizeof r->size, "%lld",
             (long long)json_integer_value(json_object_get(row, "size")));
    json_object_foreach((json_t *)derivs, key, v)
    {
        const char *zh = lookup(profiles, sizeof profiles / sizeof profiles[0], key);
        if (json_is_string(v) && strcmp(json_string_value(v), "ok") == 0)
            append(r, &r->copies, "、", zh ? zh : key);
    }
    words = lookup(stages, sizeof stages / sizeof stages[0], str(row, "stage"));
    r->cell[0] = r->number;
    r->cell[1] = str(row, "original_name");
    r->cell[2] = kind_of(str(row, "media_type"));
    r->cell[3] = r->time;
    r->cell[4] = r->source;
    r->cell[5] = r->place;
    r->cell[6] = r->device;
    r->cell[7] = str(row, "officer");
    r->cell[8] = words ? words : str(row, "stage");
    r->cell[9] = str(row, "party");
    r->cell[10] = r->size;
    r->cell[11] = str(row, "sha256");
    r->cell[12] = r->copies;
    if (r->err != 0)
        cells_free(r);
    return r->err != 0 ? CS_ENOMEM : 0;
}

int
cs_evlist_load(cs_catalog_t *cat, cs_evlist_t *l, cs_evlist_keep_fn keep, void *arg)
{
    json_t *rows = NULL;
    time_t now = time(NULL);
    struct tm tm;
    char zone[8];
    int rc;
    l->rows = NULL;
    l->withheld = 0;
    if ((rc = cs_catalog_case_timeline(cat, l->case_number, &rows)) != 0)
        return rc;
    for (size_t i = 0; i < json_array_size(rows);) {
        const char *sha = str(json_array_get(rows, i), "sha256");
        int ok = 0;
        if (sha != NULL && (rc = keep(arg, sha, &ok)) != 0) {
            json_decref(rows);
            return rc;
        }
        if (ok) {
            i++;
        } else {
            json_array_remove(rows, i);
            l->withheld++;
        }
    }
    if (l->tz != NULL) { /* the site's zone: its wall time and offset */
        int off = cs_tz_offset_at(l->tz, (int64_t)now), a = off < 0 ? -off : off;
        time_t wall = now + off;
        gmtime_r(&wall, &tm);
        snprintf(zone, sizeof zone, "%c%02d%02d", off < 0 ? '-' : '+', a / 3600 % 100,
                 a / 60 % 60); /* fits: 5 < 8 */
    } else {
        localtime_r(&now, &tm);
        strftime(zone, sizeof zone, "%z", &tm); /* "+0800" */
    }
    strftime(l->made_at, sizeof l->made_at, "%Y-%m-%d %H:%M:%S", &tm);
    if (strlen(zone) == 5)
        snprintf(l->made_at + strlen(l->made_at), sizeof l->made_at - strlen(l->made_at),
                 " %.3s:%.2s", zone, zone + 3);
    l->rows = rows;
    return 0;
}

void
cs_evlist_free(cs_evlist_t *l)
{
    if (l != NULL) {
        json_decref(l->rows);
        l->rows = NULL;
    }
}

int
cs_evlist_csv_field(FILE *f, const char *s)
{
    const char *v = s ? s : "";
    int quote = strpbrk(v, ",\"\r\n") != NULL;
    int guard = strchr("=+-@\t\r", v[0]) != NULL && v[0] != '\0';
    if ((quote && fputc('"', f) == EOF) || (guard && fputc('\'', f) == EOF))
        return CS_EIO;
    for (; *v != '\0'; v++)
        if ((*v == '"' && fputc('"', f) == EOF) || fputc(*v, f) == EOF)
            return CS_EIO;
    if (quote && fputc('"', f) == EOF)
        return CS_EIO;
    return 0;
}

int
cs_evlist_html_text(FILE *f, const char *s)
{
    for (const char *v = s ? s : ""; *v != '\0'; v++) {
        const char *e = NULL;
        switch (*v) {
        case '&':
            e = "&amp;";
            break;
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '"':
            e = "&quot;";
            break;
        case '\'':
            e = "&#39;";
            break;
        default:
            break;
        }
        if (e ? fputs(e, f) == EOF : fputc(*v, f) == EOF)
            return CS_EIO;
    }
    return 0;
}

static int
csv_row(FILE *f, const char *const *cells)
{
    for (int c = 0; c < NCOLS; c++)
        if ((c > 0 && fputc(',', f) == EOF) || cs_evlist_csv_field(f, cells[c]) != 0)
            return CS_EIO;
    return fputs("\r\n", f) == EOF ? CS_EIO : 0;
}

int
cs_evlist_write_csv(const cs_evlist_t *l, FILE *f)
{
    row_cells_t r;
    int rc;
    if (fputs("\xEF\xBB\xBF", f) == EOF || csv_row(f, heads) != 0)
        return CS_EIO;
    for (size_t i = 0; i < json_array_size(l->rows); i++) {
        if ((rc = make_cells(json_array_get(l->rows, i), i + 1, &r)) != 0)
            return rc;
        rc = csv_row(f, r.cell);
        cells_free(&r);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>证据清单 ";
const char cs_evlist_css[] =
    "@page { size: A4 landscape; margin: 12mm; }\n"
    "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"Microsoft YaHei\", "
    "sans-serif; font-size: 9pt; color: #000; margin: 4mm; }\n"
    "h1 { font-size: 16pt; text-align: center; margin: 0 0 4mm; }\n"
    "dl.head { display: grid; grid-template-columns: max-content 1fr; gap: 1mm 4mm; margin: 0 0 "
    "4mm; }\n"
    "dl.head dt { font-weight: bold; } dl.head dd { margin: 0; }\n"
    "table { border-collapse: collapse; width: 100%; table-layout: auto; }\n"
    "th, td { border: 0.3mm solid #444; padding: 1mm 1.5mm; vertical-align: top; text-align: "
    "left; }\n"
    "th, td { word-break: keep-all; overflow-wrap: break-word; }\n"
    "th { background: #eee; } thead { display: table-header-group; }\n"
    "tr { page-break-inside: avoid; break-inside: avoid; }\n"
    "td.hash { font-family: monospace; font-size: 7pt; word-break: break-all; }\n"
    "td.num { text-align: right; white-space: nowrap; }\n"
    "p.withheld { margin: 3mm 0; font-weight: bold; }\n"
    "footer { margin-top: 6mm; font-size: 8pt; color: #333; border-top: 0.3mm solid #999; "
    "padding-top: 2mm; }\n"
    "@media print { body { margin: 0; } }\n";

/* Writes "<tag class>text</tag>" with the text escaped. */
static int
element(FILE *f, const char *open, const char *text, const char *close)
{
    if (fputs(open, f) == EOF || cs_evlist_html_text(f, text) != 0 || fputs(close, f) == EOF)
        return CS_EIO;
    return 0;
}

/* The page's style: linked (a page served under a policy without inline styles), or inline. */
static int
style(const cs_evlist_t *l, FILE *f)
{
    if (l->css_href != NULL)
        return element(f, "<link rel=\"stylesheet\" href=\"", l->css_href,
                       "\">\n</head>\n<body>\n");
    return fprintf(f, "<style>\n%s</style>\n</head>\n<body>\n", cs_evlist_css) < 0 ? CS_EIO : 0;
}

static int
html_head(const cs_evlist_t *l, FILE *f)
{
    char count[64];
    snprintf(count, sizeof count, "%zu", json_array_size(l->rows));
    if (fputs(page_head, f) == EOF || cs_evlist_html_text(f, l->case_number) != 0 ||
        fputs("</title>\n", f) == EOF || style(l, f) != 0 ||
        element(f, "<h1>证据清单</h1>\n<dl class=\"head\">\n<dt>案件编号</dt><dd>", l->case_number,
                "</dd>\n") != 0 ||
        element(f, "<dt>生成时间</dt><dd>", l->made_at, "</dd>\n") != 0 ||
        element(f, "<dt>查阅人</dt><dd>", l->reader, "") != 0 ||
        element(f, "（", l->role, "）</dd>\n") != 0 ||
        (l->purpose != NULL && element(f, "<dt>用途</dt><dd>", l->purpose, "</dd>\n") != 0) ||
        element(f, "<dt>证据数量</dt><dd>", count, " 项</dd>\n</dl>\n") != 0)
        return CS_EIO;
    if (l->withheld > 0 &&
        fprintf(f, "<p class=\"withheld\">另有 %llu 项证据因查阅权限未列出。</p>\n",
                (unsigned long long)l->withheld) < 0)
        return CS_EIO;
    if (fputs("<table>\n<thead><tr>", f) == EOF)
        return CS_EIO;
    for (int c = 0; c < NCOLS; c++)
        if (element(f, "<th scope=\"col\">", heads[c], "</th>") != 0)
            return CS_EIO;
    return fputs("</tr></thead>\n<tbody>\n", f) == EOF ? CS_EIO : 0;
}

int
cs_evlist_write_html(const cs_evlist_t *l, FILE *f)
{
    row_cells_t r;
    int rc;
    if ((rc = html_head(l, f)) != 0)
        return rc;
    for (size_t i = 0; i < json_array_size(l->rows); i++) {
        if ((rc = make_cells(json_array_get(l->rows, i), i + 1, &r)) != 0)
            return rc;
        rc = fputs("<tr>", f) == EOF ? CS_EIO : 0;
        for (int c = 0; rc == 0 && c < NCOLS; c++) {
            const char *open = c == 11             ? "<td class=\"hash\">"
                               : c == 0 || c == 10 ? "<td class=\"num\">"
                                                   : "<td>";
            rc = element(f, open, r.cell[c], "</td>");
        }
        if (rc == 0 && fputs("</tr>\n", f) == EOF)
            rc = CS_EIO;
        cells_free(&r);
        if (rc != 0)
            return rc;
    }
    if (fputs("</tbody>\n</table>\n<footer>本清单由 Custody 生成", f) == EOF ||
        (l->seq >= 0 && fprintf(f, "；本次查阅已记入账本，条目编号 %lld", (long long)l->seq) < 0) ||
        fputs("。</footer>\n</body>\n</html>\n", f) == EOF)
        return CS_EIO;
    return 0;
}

int
cs_evlist_render(const cs_evlist_t *l, int html, char **out, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    int rc;
    *out = NULL;
    *len = 0;
    if (f == NULL)
        return CS_ENOMEM;
    rc = html ? cs_evlist_write_html(l, f) : cs_evlist_write_csv(l, f);
    if (fclose(f) != 0 && rc == 0)
        rc = CS_ENOMEM;
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return 0;
}
