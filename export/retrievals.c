/* export/retrievals.c: the retrieval register as CSV or a printable page (retrievals.h). */
#include "export/retrievals.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "export/evlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOLS 18
static const char *const heads[NCOLS] = {"申请编号",
                                         "申请人",
                                         "资格（角色）",
                                         "案件编号",
                                         "当事人",
                                         "用途",
                                         "调阅范围",
                                         "申请时间",
                                         "期限至",
                                         "审批结果",
                                         "审批人",
                                         "审批人角色",
                                         "审批时间",
                                         "拒绝理由",
                                         "授权编号",
                                         "调阅次数",
                                         "调阅记录（账本条目）",
                                         "被拒调阅次数"};

static const char *const scopes[][2] = {
    {"metadata", "查看记录"}, {"media", "查看媒体"}, {"originals", "下载原件"}, {"export", "导出"}};
static const char *const statuses[][2] = {
    {"pending", "待审批"}, {"approved", "已批准"}, {"refused", "已拒绝"}};

typedef struct cells {
    const char *cell[NCOLS];
    char id[24], grant[24], nreads[24], refused[24], scope[48];
    char requested[CS_WHEN_MAX], until[CS_WHEN_MAX], decided[CS_WHEN_MAX];
    char *seqs; /* malloc'd */
} cells_t;

static const char *
str(json_t *row, const char *key)
{
    return json_string_value(json_object_get(row, key));
}

static const char *
label(const char *const (*table)[2], size_t n, const char *v)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        if (strcmp(v, table[i][0]) == 0)
            return table[i][1];
    return v;
}

static void
when(const cs_retrievals_t *r, const char *s, char buf[CS_WHEN_MAX])
{
    buf[0] = '\0';
    if (s != NULL)
        (void)cs_clock_format_site(r->tz, s, buf); /* an odd time is written as it is */
}

static int
make_cells(const cs_retrievals_t *r, json_t *row, cells_t *c)
{
    json_t *reads = json_object_get(row, "reads"), *v;
    size_t i, n = json_array_size(reads), len = 0;
    memset(c, 0, sizeof *c);
    if ((c->seqs = malloc(n * 21 + 1)) == NULL)
        return CS_ENOMEM;
    c->seqs[0] = '\0';
    json_array_foreach(reads, i, v)
    {
        /* fits: 20 digits and a space each */
        len += (size_t)snprintf(c->seqs + len, 22, "%s%lld", i ? " " : "",
                                (long long)json_integer_value(v));
    }
    snprintf(c->id, sizeof c->id, "%lld",
             (long long)json_integer_value(json_object_get(row, "id")));
    json_t *g = json_object_get(row, "grant");
    if (json_is_integer(g))
        snprintf(c->grant, sizeof c->grant, "%lld", (long long)json_integer_value(g));
    snprintf(c->nreads, sizeof c->nreads, "%zu", n);
    snprintf(c->refused, sizeof c->refused, "%lld",
             (long long)json_integer_value(json_object_get(row, "refused")));
    const char *scope = str(row, "scope");
    cs_snprintf_cut(c->scope, sizeof c->scope, "%s（%s）",
                    label(scopes, sizeof scopes / sizeof scopes[0], scope), scope ? scope : "");
    when(r, str(row, "requested_at"), c->requested);
    when(r, str(row, "until"), c->until);
    when(r, str(row, "decided_at"), c->decided);
    const char *cells[NCOLS] = {
        c->id,
        str(row, "user"),
        str(row, "role"),
        str(row, "case"),
        str(row, "party"),
        str(row, "purpose"),
        c->scope,
        c->requested,
        c->until,
        label(statuses, sizeof statuses / sizeof statuses[0], str(row, "status")),
        str(row, "decided_by"),
        str(row, "decider_role"),
        c->decided,
        str(row, "reason"),
        c->grant,
        c->nreads,
        c->seqs,
        c->refused};
    memcpy(c->cell, cells, sizeof cells);
    return 0;
}

static int
csv_row(FILE *f, const char *const *cells)
{
    for (int i = 0; i < NCOLS; i++)
        if ((i > 0 && fputc(',', f) == EOF) || cs_evlist_csv_field(f, cells[i]) != 0)
            return CS_EIO;
    return fputs("\r\n", f) == EOF ? CS_EIO : 0;
}

static int
element(FILE *f, const char *open, const char *text, const char *close)
{
    if (fputs(open, f) == EOF || cs_evlist_html_text(f, text) != 0 || fputs(close, f) == EOF)
        return CS_EIO;
    return 0;
}

static int
html_head(const cs_retrievals_t *r, FILE *f)
{
    char count[32];
    snprintf(count, sizeof count, "%zu", json_array_size(r->rows));
    if (fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<title>调阅台账 ",
              f) == EOF ||
        cs_evlist_html_text(f, r->month) != 0 ||
        fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", cs_evlist_css) < 0 ||
        element(f, "<h1>调阅台账</h1>\n<dl class=\"head\">\n<dt>月份</dt><dd>", r->month,
                "</dd>\n") != 0 ||
        element(f, "<dt>查阅人</dt><dd>", r->reader, "") != 0 ||
        element(f, "（", r->role, "）</dd>\n") != 0 ||
        element(f, "<dt>申请数量</dt><dd>", count, " 项</dd>\n</dl>\n<table>\n<thead><tr>") != 0)
        return CS_EIO;
    for (int c = 0; c < NCOLS; c++)
        if (element(f, "<th scope=\"col\">", heads[c], "</th>") != 0)
            return CS_EIO;
    return fputs("</tr></thead>\n<tbody>\n", f) == EOF ? CS_EIO : 0;
}

static int
write_all(const cs_retrievals_t *r, int html, FILE *f)
{
    cells_t c;
    int rc =
        html ? html_head(r, f) : (fputs("\xEF\xBB\xBF", f) == EOF ? CS_EIO : csv_row(f, heads));
    for (size_t i = 0; rc == 0 && i < json_array_size(r->rows); i++) {
        if ((rc = make_cells(r, json_array_get(r->rows, i), &c)) != 0)
            break;
        if (!html) {
            rc = csv_row(f, c.cell);
        } else {
            rc = fputs("<tr>", f) == EOF ? CS_EIO : 0;
            for (int k = 0; rc == 0 && k < NCOLS; k++)
                rc = element(f, k == 16 ? "<td class=\"hash\">" : "<td>", c.cell[k], "</td>");
            if (rc == 0 && fputs("</tr>\n", f) == EOF)
                rc = CS_EIO;
        }
        free(c.seqs);
    }
    if (rc == 0 && html &&
        (fputs("</tbody>\n</table>\n<footer>本台账由 Custody 生成", f) == EOF ||
         (r->seq >= 0 &&
          fprintf(f, "；本次查阅已记入账本，条目编号 %lld", (long long)r->seq) < 0) ||
         fputs("。</footer>\n</body>\n</html>\n", f) == EOF))
        rc = CS_EIO;
    return rc;
}

int
cs_retrievals_render(const cs_retrievals_t *r, int html, char **out, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    int rc;
    *out = NULL;
    *len = 0;
    if (f == NULL)
        return CS_ENOMEM;
    rc = write_all(r, html, f);
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
