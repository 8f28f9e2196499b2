/* export/dat63.c: the DA/T 63-2017 record of one audio or video record (dat63.h), built as a
 * JSON tree of the standard's element names from the catalog's rows. dat63_out.c writes it. */
#include "export/dat63.h"

#include "core/archref.h"
#include "core/buf.h"
#include "core/error.h"
#include "export/evlist.h"
#include "export/export.h"
#include "indexer/access.h"
#include "indexer/derivatives.h"
#include "indexer/jobs.h"
#include "indexer/ledger_filter.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int
cs_dat63_is_av(const char *mt)
{
    return mt != NULL && (strncmp(mt, "video/", 6) == 0 || strncmp(mt, "audio/", 6) == 0);
}

int
cs_dat63_keep_all(void *arg, const char *sha256, int *keep)
{
    (void)arg, (void)sha256;
    *keep = 1;
    return 0;
}

int
cs_dat63_item_no(cs_catalog_t *cat, const char *case_number, const char *sha256, long *no)
{
    cs_evlist_t l = {.case_number = case_number};
    json_t *row;
    size_t i;
    int rc;
    *no = 0;
    if ((rc = cs_evlist_load(cat, &l, cs_dat63_keep_all, NULL)) != 0)
        return rc;
    json_array_foreach(l.rows, i, row)
    {
        const char *sha = json_string_value(json_object_get(row, "sha256"));
        if (sha != NULL && strcmp(sha, sha256) == 0)
            *no = (long)i + 1;
    }
    cs_evlist_free(&l);
    return 0;
}

int
cs_dat63_item_reference(const json_t *archive, long item_no, char *out, size_t cap)
{
    const char *ref = json_string_value(json_object_get(archive, "reference"));
    out[0] = '\0';
    if (ref == NULL)
        return 0;
    return cs_snprintf(out, cap, "%s-%03ld", ref, item_no);
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Sets key to a string when s is not NULL (a copy), to a number when v is a number. */
static void
put_s(json_t *o, const char *key, const char *s)
{
    if (s != NULL && s[0] != '\0')
        json_object_set_new(o, key, json_string(s));
}

static void
put_v(json_t *o, const char *key, json_t *v)
{
    if (v != NULL && (json_is_number(v) || json_is_string(v)))
        json_object_set(o, key, v);
}

static const struct {
    const char *slug, *zh;
} words[] = {
    {"public", "公开"},
    {"internal", "内部"},
    {"privacy", "个人隐私"},
    {"commercial_secret", "商业秘密"},
    {"state_secret", "国家秘密"},
    {"received", "接收"},
    {"stored", "存储"},
    {"linked", "归入案件"},
    {"relinked", "调整案件"},
    {"extracted", "元数据提取"},
    {"derived", "转换(生成副本)"},
    {"classified", "密级标注"},
    {"verified", "固定性检验"},
    {"disposed", "销毁"},
    {"archival", "长期保存副本"},
    {"access", "利用副本"},
    {"preview", "预览图"},
    {"thumbnail", "缩略图"},
};

static const char *
zh(const char *slug)
{
    for (size_t i = 0; slug != NULL && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(words[i].slug, slug) == 0)
            return words[i].zh;
    return slug;
}

/* "HH:MM:SS.mmm" of a duration in seconds. */
static void
hms(double s, char *buf, size_t size)
{
    long long ms = llround(s * 1000);
    cs_snprintf_cut(buf, size, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60,
                    ms / 1000 % 60, ms % 1000);
}

/* 格式信息: what the extraction found of the container and its streams. */
static json_t *
format_info(const json_t *item, const json_t *meta)
{
    json_t *f = json_object(), *media = json_object_get(meta, "media"), *s;
    const char *mt = str(item, "media_type");
    const char *brand =
        str(json_object_get(json_object_get(meta, "raw"), "container"), "major_brand");
    char ext[16], buf[64];
    size_t i;
    int nv = 0, na = 0;
    cs_snprintf_cut(ext, sizeof ext, "%s", cs_export_ext(mt));
    for (char *c = ext; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    put_s(f, "格式名称", ext);
    put_s(f, "格式版本", brand);
    put_s(f, "媒体类型", mt);
    put_s(f, "封装格式", str(media, "container"));
    json_array_foreach(json_object_get(media, "streams"), i, s)
    {
        const char *type = str(s, "type");
        if (type != NULL && strcmp(type, "video") == 0 && nv++ == 0) {
            put_s(f, "视频编码格式", str(s, "codec"));
            if (json_is_integer(json_object_get(s, "width")) &&
                cs_snprintf(buf, sizeof buf, "%lld×%lld",
                            (long long)json_integer_value(json_object_get(s, "width")),
                            (long long)json_integer_value(json_object_get(s, "height"))) == 0)
                put_s(f, "分辨率", buf);
            put_v(f, "帧率", json_object_get(s, "frame_rate"));
            put_v(f, "视频码率", json_object_get(s, "bit_rate"));
        } else if (type != NULL && strcmp(type, "audio") == 0 && na++ == 0) {
            put_s(f, "音频编码格式", str(s, "codec"));
            put_v(f, "采样率", json_object_get(s, "sample_rate"));
            put_v(f, "声道数", json_object_get(s, "channels"));
            put_v(f, "音频码率", json_object_get(s, "bit_rate"));
        }
    }
    put_v(f, "码率", json_object_get(media, "bit_rate"));
    if (json_is_number(json_object_get(media, "duration_s"))) {
        put_v(f, "时长", json_object_get(media, "duration_s"));
        hms(json_number_value(json_object_get(media, "duration_s")), buf, sizeof buf);
        put_s(f, "时长时分秒", buf);
    }
    return f;
}

/* 设备信息: the camera's own make, model and serial, else the registry's device. */
static json_t *
device_info(const json_t *item, const json_t *meta)
{
    json_t *d = json_object(), *m = json_object_get(meta, "device");
    json_t *r = json_object_get(json_object_get(item, "registry"), "device");
    put_s(d, "设备制造商", str(m, "make"));
    put_s(d, "设备型号", str(m, "model") ? str(m, "model") : str(r, "model"));
    put_s(d, "设备序列号", str(m, "serial") ? str(m, "serial") : str(r, "serial"));
    return d;
}

/* 机构人员实体: the officer who recorded it (registry) and whoever received it. */
static json_t *
people(const json_t *item)
{
    json_t *list = json_array(), *src;
    json_t *o = json_object_get(json_object_get(item, "registry"), "officer");
    size_t i;
    if (o != NULL && json_is_object(o)) {
        json_t *p = json_object();
        put_s(p, "机构人员类型", "摄录者");
        put_s(p, "机构人员名称", str(o, "name"));
        put_s(p, "执法证号", str(o, "cert"));
        put_s(p, "所属机构", str(o, "unit"));
        json_array_append_new(list, p);
    }
    json_array_foreach(json_object_get(item, "sources"), i, src)
    {
        json_t *p = json_object();
        put_s(p, "机构人员类型", "接收人");
        put_s(p, "机构人员名称", str(src, "received_by"));
        json_array_append_new(list, p);
    }
    return list;
}

/* One 业务行为 of the process history. */
static json_t *
action(const char *what, const char *at, const char *who, const char *desc)
{
    json_t *a = json_object();
    put_s(a, "业务行为", what);
    put_s(a, "行为时间", at);
    put_s(a, "机构人员名称", who);
    put_s(a, "行为描述", desc);
    return a;
}

typedef struct reads {
    json_t *list;                               /* one item's: its actions */
    json_t *by_item;                            /* or every kept item's: {sha256: [actions]} */
    int (*keep)(void *arg, const char *sha256); /* with by_item: the items wanted */
    void *keep_arg;
    int n; /* entries seen on this page */
} reads_t;

/* Each read of an item in the ledger becomes a 利用 (use) action. */
static int
on_read(void *arg, int64_t seq, const char *entry, size_t len, const uint8_t *leaf, size_t leaf_len)
{
    reads_t *r = arg;
    json_t *e = json_loadb(entry, len, 0, NULL), *list = r->list;
    const char *item = str(e, "item");
    char desc[512];
    (void)leaf, (void)leaf_len;
    r->n++;
    if (e == NULL || item == NULL)
        goto out;
    if (r->by_item != NULL) {
        if (!r->keep(r->keep_arg, item))
            goto out;
        if ((list = json_object_get(r->by_item, item)) == NULL) {
            list = json_array();
            if (list == NULL || json_object_set_new(r->by_item, item, list) != 0) {
                json_decref(e);
                return CS_ENOMEM;
            }
        }
    }
    cs_snprintf_cut(desc, sizeof desc, "%s %s; 目的: %s; 账本序号 %lld",
                    str(e, "action") ? str(e, "action") : "-",
                    str(e, "result") ? str(e, "result") : "-",
                    str(e, "purpose") ? str(e, "purpose") : "-", (long long)seq);
    json_array_append_new(list, action("利用", str(e, "at"), str(e, "actor"), desc));
out:
    json_decref(e);
    return 0;
}

/* Every retrieval entry (of `item`, or of any item), page after page. */
static int
each_read(cs_catalog_t *cat, const char *item, reads_t *r)
{
    cs_ledger_filter_t f = {.item = item, .kind = "retrieval", .limit = 1000};
    int64_t next = 0;
    int rc;
    do {
        r->n = 0;
        if ((rc = cs_catalog_ledger_filter(cat, &f, on_read, r, &next)) != 0)
            return rc;
        f.since = next;
    } while (r->n == f.limit);
    return 0;
}

int
cs_dat63_reads(cs_catalog_t *cat, int (*keep)(void *arg, const char *sha256), void *arg,
               json_t **out)
{
    reads_t r = {.by_item = json_object(), .keep = keep, .keep_arg = arg};
    int rc;
    *out = NULL;
    if (r.by_item == NULL)
        return CS_ENOMEM;
    if ((rc = each_read(cat, NULL, &r)) != 0) {
        json_decref(r.by_item);
        return rc;
    }
    *out = r.by_item;
    return 0;
}

/* 业务实体: the item's custody events, the case's hand-over, then the reads. */
static int
history(cs_catalog_t *cat, const json_t *item, const cs_dat63_ctx_t *ctx, json_t *list)
{
    json_t *ev;
    size_t i;
    json_array_foreach(json_object_get(item, "events"), i, ev)
    {
        const char *kind = str(ev, "kind");
        json_t *d = json_object_get(ev, "detail");
        char desc[256] = "";
        if (kind != NULL && strcmp(kind, "derived") == 0)
            cs_snprintf_cut(desc, sizeof desc, "%s %s %s", zh(str(d, "profile")),
                            str(d, "status") ? str(d, "status") : "",
                            str(d, "sha256") ? str(d, "sha256") : "");
        else if (kind != NULL && (strcmp(kind, "linked") == 0 || strcmp(kind, "received") == 0))
            cs_snprintf_cut(desc, sizeof desc, "%s", str(d, "case") ? str(d, "case") : "");
        json_array_append_new(list, action(zh(kind), str(ev, "at"), str(ev, "actor"), desc));
    }
    if (ctx->archive != NULL)
        json_array_append_new(list, action("归档", str(ctx->archive, "archived_at"),
                                           str(ctx->archive, "archived_by"),
                                           str(ctx->archive, "reference")));
    if (ctx->reads != NULL) { /* gathered once for a whole case (cs_dat63_reads) */
        json_t *mine = json_object_get(ctx->reads, str(item, "sha256"));
        return mine == NULL || json_array_extend(list, mine) == 0 ? 0 : CS_ENOMEM;
    }
    reads_t r = {.list = list};
    return each_read(cat, str(item, "sha256"), &r);
}

/* 档号构成: the parts of the 档号 when the case is archived; the case's number and 件号. */
static json_t *
identifiers(const cs_dat63_ctx_t *ctx, const char *case_number)
{
    json_t *id = json_object();
    const json_t *a = ctx->archive;
    if (a != NULL) {
        put_s(id, "全宗号", str(a, "fonds"));
        put_s(id, "类别号", str(a, "class"));
        put_v(id, "年度", json_object_get(a, "year"));
        put_s(id, "保管期限", cs_archref_period_zh(str(a, "period")));
        put_s(id, "案卷档号", str(a, "reference"));
    }
    if (ctx->item_no > 0)
        json_object_set_new(id, "件号", json_integer(ctx->item_no));
    put_s(id, "案件编号", case_number);
    return id;
}

/* 内容描述: title, time, place, people of the case, description, period and level. */
static json_t *
description(const json_t *item, const json_t *meta, const char *case_number, const char *level,
            const cs_dat63_ctx_t *ctx)
{
    json_t *c = json_object(), *l, *gps = json_object_get(meta, "gps");
    const char *name = str(json_array_get(json_object_get(item, "sources"), 0), "original_name");
    const char *at = str(meta, "captured_at") ? str(meta, "captured_at") : str(meta, "file_time");
    char buf[512];
    size_t i;
    put_s(c, "题名", name);
    put_s(c, "摄录时间", at);
    put_s(c, "摄录时间来源", str(meta, "captured_at_source"));
    if (json_is_number(json_object_get(gps, "lat")) &&
        cs_snprintf(buf, sizeof buf, "%.6f,%.6f", json_number_value(json_object_get(gps, "lat")),
                    json_number_value(json_object_get(gps, "lon"))) == 0)
        put_s(c, "地点", buf);
    buf[0] = '\0';
    json_array_foreach(json_object_get(item, "links"), i, l)
    {
        const char *p = str(l, "party");
        if (json_is_true(json_object_get(l, "active")) && p != NULL && strstr(buf, p) == NULL)
            cs_snprintf_cut(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", buf[0] ? "、" : "",
                            p); /* the parties, joined as the register does */
    }
    put_s(c, "人物", buf);
    cs_snprintf_cut(buf, sizeof buf, "案件 %s 的%s电子档案", case_number ? case_number : "-",
                    strncmp(str(item, "media_type"), "audio/", 6) == 0 ? "录音" : "录像");
    put_s(c, "内容描述", buf);
    if (ctx->archive != NULL)
        put_s(c, "保管期限", cs_archref_period_zh(str(ctx->archive, "period")));
    put_s(c, "密级", level[0] ? zh(level) : "未标注");
    return c;
}

/* 关联文件 (the copies) and 实体关系 (the case, the copies). */
static void
relations(const json_t *derivs, const char *case_number, json_t *copies, json_t *rel)
{
    json_t *d, *r;
    size_t i;
    if (case_number != NULL) {
        r = json_object();
        put_s(r, "关系类型", "组成");
        put_s(r, "关联实体", case_number);
        put_s(r, "关系描述", "本件为该案件卷宗的组成部分");
        json_array_append_new(rel, r);
    }
    json_array_foreach(derivs, i, d)
    {
        if (str(d, "status") == NULL || strcmp(str(d, "status"), "verified") != 0)
            continue;
        json_t *c = json_object(), *dg = json_object();
        put_s(c, "用途", zh(str(d, "profile")));
        put_s(c, "媒体类型", str(d, "media_type"));
        put_v(c, "计算机文件大小", json_object_get(d, "size"));
        put_s(dg, "算法", "SHA-256");
        put_s(dg, "摘要值", str(d, "sha256"));
        json_object_set_new(c, "数字摘要", dg);
        put_s(c, "生成时间", str(d, "made_at"));
        json_array_append_new(copies, c);
        r = json_object();
        put_s(r, "关系类型", "派生");
        put_s(r, "关联实体", str(d, "sha256"));
        put_s(r, "关系描述", zh(str(d, "profile")));
        json_array_append_new(rel, r);
    }
}

int
cs_dat63_record(cs_catalog_t *cat, const char *sha256, const cs_dat63_ctx_t *ctx, json_t **out)
{
    json_t *item = NULL, *meta = NULL, *derivs = NULL, *rec = NULL, *file, *fx, *copies, *rel,
           *acts;
    char level[32] = "";
    int rc;
    *out = NULL;
    if ((rc = cs_catalog_item(cat, sha256, &item)) != 0)
        return rc;
    if (!cs_dat63_is_av(str(item, "media_type"))) {
        cs_diag_set("item %s is %s: DA/T 63 describes audio and video records only", sha256,
                    str(item, "media_type") ? str(item, "media_type") : "of no known type");
        rc = CS_EINVAL;
        goto out;
    }
    if ((rc = cs_catalog_metadata(cat, sha256, &meta)) != 0 && rc != CS_ENOTFOUND)
        goto out;
    if ((rc = cs_catalog_derivatives(cat, sha256, &derivs)) != 0 ||
        (rc = cs_catalog_classification(cat, sha256, level, sizeof level)) != 0)
        goto out;
    const char *case_number =
        ctx->case_number ? ctx->case_number
                         : json_string_value(json_array_get(json_object_get(item, "cases"), 0));
    rec = json_object();
    file = json_object();
    fx = json_object();
    copies = json_array();
    rel = json_array();
    acts = json_array();
    if (rec == NULL || file == NULL || fx == NULL || copies == NULL || rel == NULL ||
        acts == NULL) {
        json_decref(file), json_decref(fx), json_decref(copies), json_decref(rel);
        json_decref(acts);
        rc = CS_ENOMEM;
        goto out;
    }
    put_s(file, "聚合层次", "件");
    put_s(file, "门类", strncmp(str(item, "media_type"), "audio/", 6) == 0 ? "录音" : "录像");
    char ref[CS_ARCHREF_MAX + 8];
    if (ctx->archive != NULL && ctx->item_no > 0 &&
        cs_dat63_item_reference(ctx->archive, ctx->item_no, ref, sizeof ref) == 0)
        put_s(file, "档号", ref);
    json_object_set_new(file, "档号构成", identifiers(ctx, case_number));
    json_object_set_new(file, "内容描述", description(item, meta, case_number, level, ctx));
    json_object_set_new(file, "格式信息", format_info(item, meta));
    put_s(file, "计算机文件名", ctx->file_name);
    put_s(file, "原始文件名",
          str(json_array_get(json_object_get(item, "sources"), 0), "original_name"));
    put_v(file, "计算机文件大小", json_object_get(item, "size"));
    put_s(fx, "算法", "SHA-256");
    put_s(fx, "摘要值", str(item, "sha256"));
    json_object_set_new(file, "数字摘要", fx);
    json_object_set_new(file, "设备信息", device_info(item, meta));
    relations(derivs, case_number, copies, rel);
    json_object_set_new(file, "关联文件", copies);
    json_object_set_new(rec, "文件实体", file);
    json_object_set_new(rec, "机构人员实体", people(item));
    if ((rc = history(cat, item, ctx, acts)) != 0) {
        json_decref(acts), json_decref(rel);
        goto out;
    }
    json_object_set_new(rec, "业务实体", acts);
    json_object_set_new(rec, "实体关系", rel);
    *out = rec;
    rec = NULL;
out:
    json_decref(rec);
    json_decref(item);
    json_decref(meta);
    json_decref(derivs);
    return rc;
}
