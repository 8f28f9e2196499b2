/* export/dat63_out.c: a DA/T 63 record (dat63.h) written as XML, and as a row of the case's
 * table. */
#include "export/dat63.h"

#include "core/buf.h"
#include "core/error.h"
#include "export/evlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text content: & < > escaped (element text, never an attribute). */
static int
xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        int rc = *s == '&'   ? fputs("&amp;", f)
                 : *s == '<' ? fputs("&lt;", f)
                 : *s == '>' ? fputs("&gt;", f)
                             : fputc((unsigned char)*s, f);
        if (rc == EOF)
            return CS_EIO;
    }
    return 0;
}

static int
indent(FILE *f, int depth)
{
    for (int i = 0; i < depth; i++)
        if (fputs("  ", f) == EOF)
            return CS_EIO;
    return 0;
}

static int element(FILE *f, const char *name, const json_t *v, int depth);

/* One element per member; an array repeats the member's element. */
static int
members(FILE *f, const json_t *obj, int depth)
{
    const char *key;
    json_t *v, *e;
    size_t i;
    int rc = 0;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (json_is_object(v) && json_object_size(v) == 0)
            continue; /* nothing known: no element */
        if (json_is_array(v)) {
            json_array_foreach(v, i, e)
            {
                if ((rc = element(f, key, e, depth)) != 0)
                    return rc;
            }
        } else if ((rc = element(f, key, v, depth)) != 0) {
            return rc;
        }
    }
    return rc;
}

static int
element(FILE *f, const char *name, const json_t *v, int depth)
{
    char num[64];
    int rc;
    if ((rc = indent(f, depth)) != 0 || fprintf(f, "<%s>", name) < 0)
        return rc ? rc : CS_EIO;
    if (json_is_object(v)) {
        if (fputc('\n', f) == EOF || (rc = members(f, v, depth + 1)) != 0 ||
            (rc = indent(f, depth)) != 0)
            return rc ? rc : CS_EIO;
    } else if (json_is_string(v)) {
        if ((rc = xml_text(f, json_string_value(v))) != 0)
            return rc;
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)); /* fits */
        fputs(num, f);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.17g", json_real_value(v)); /* fits */
        fputs(num, f);
    }
    return fprintf(f, "</%s>\n", name) < 0 ? CS_EIO : 0;
}

int
cs_dat63_xml(const json_t *rec, char **out, size_t *len)
{
    FILE *f = open_memstream(out, len);
    int rc;
    if (f == NULL)
        return CS_ENOMEM;
    if (fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<!-- DA/T 63-2017 录音录像类电子档案元数据方案: 文件实体, 机构人员实体, 业务实体,"
              " 实体关系 (Custody) -->\n"
              "<录音录像类电子档案元数据 xmlns=\"" CS_DAT63_NS "\" 标准=\"DA/T 63-2017\">\n",
              f) == EOF)
        rc = CS_EIO;
    else
        rc = members(f, rec, 1);
    if (rc == 0 && fputs("</录音录像类电子档案元数据>\n", f) == EOF)
        rc = CS_EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = CS_ENOMEM;
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* The table's columns: {header, path of element names separated by '/'}. */
static const char *const columns[][2] = {
    {"档号", "文件实体/档号"},
    {"案件编号", "文件实体/档号构成/案件编号"},
    {"件号", "文件实体/档号构成/件号"},
    {"门类", "文件实体/门类"},
    {"题名", "文件实体/内容描述/题名"},
    {"摄录时间", "文件实体/内容描述/摄录时间"},
    {"地点", "文件实体/内容描述/地点"},
    {"人物", "文件实体/内容描述/人物"},
    {"保管期限", "文件实体/内容描述/保管期限"},
    {"密级", "文件实体/内容描述/密级"},
    {"格式名称", "文件实体/格式信息/格式名称"},
    {"视频编码格式", "文件实体/格式信息/视频编码格式"},
    {"音频编码格式", "文件实体/格式信息/音频编码格式"},
    {"分辨率", "文件实体/格式信息/分辨率"},
    {"帧率", "文件实体/格式信息/帧率"},
    {"码率", "文件实体/格式信息/码率"},
    {"采样率", "文件实体/格式信息/采样率"},
    {"声道数", "文件实体/格式信息/声道数"},
    {"时长", "文件实体/格式信息/时长"},
    {"计算机文件名", "文件实体/计算机文件名"},
    {"计算机文件大小", "文件实体/计算机文件大小"},
    {"摘要算法", "文件实体/数字摘要/算法"},
    {"摘要值", "文件实体/数字摘要/摘要值"},
    {"设备制造商", "文件实体/设备信息/设备制造商"},
    {"设备型号", "文件实体/设备信息/设备型号"},
    {"设备序列号", "文件实体/设备信息/设备序列号"},
};

int
cs_dat63_csv_header(FILE *f)
{
    if (fputs("\xEF\xBB\xBF", f) == EOF)
        return CS_EIO;
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
        if ((i && fputc(',', f) == EOF) || cs_evlist_csv_field(f, columns[i][0]) != 0)
            return CS_EIO;
    return fputs("\r\n", f) == EOF ? CS_EIO : 0;
}

/* The value at `path` as text into buf ("" when absent). */
static void
at_path(const json_t *rec, const char *path, char *buf, size_t size)
{
    char part[64];
    const json_t *v = rec;
    buf[0] = '\0';
    while (v != NULL && *path) {
        size_t n = strcspn(path, "/");
        snprintf(part, sizeof part, "%.*s", (int)(n < sizeof part ? n : sizeof part - 1), path);
        v = json_object_get(v, part);
        path += n + (path[n] == '/');
    }
    if (json_is_string(v))
        cs_snprintf_cut(buf, size, "%s", json_string_value(v));
    else if (json_is_integer(v))
        cs_snprintf_cut(buf, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        cs_snprintf_cut(buf, size, "%g", json_real_value(v));
}

int
cs_dat63_csv_row(FILE *f, const json_t *rec)
{
    char cell[1024];
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
        at_path(rec, columns[i][1], cell, sizeof cell);
        if ((i && fputc(',', f) == EOF) || cs_evlist_csv_field(f, cell) != 0)
            return CS_EIO;
    }
    return fputs("\r\n", f) == EOF ? CS_EIO : 0;
}
