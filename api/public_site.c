/* api/public_site.c: the public page's renderer (public_site.h). */
#include "api/public_site.h"

#include "core/error.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_MAX (4 * 1024 * 1024) /* bytes of one page, at most */

/* The pages' one style, allowed by its hash (no style file to serve, no 'unsafe-inline'). */
static const char style[] =
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.6}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.3em .6em;"
    "text-align:left}code{word-break:break-all;font-size:.85em}img,video{max-width:100%}"
    ".gone{color:#a00}";

static const struct {
    const char *type, *ext, *zh;
} types[] = {
    {"application/pdf", "pdf", "PDF 文件"}, {"image/jpeg", "jpg", "图片"},
    {"image/png", "png", "图片"},           {"image/webp", "webp", "图片"},
    {"video/mp4", "mp4", "视频"},           {"video/webm", "webm", "视频"},
    {"audio/mp4", "m4a", "音频"},           {"audio/mpeg", "mp3", "音频"},
    {"audio/flac", "flac", "音频"},         {"text/plain; charset=utf-8", "txt", "文本"},
    {"text/plain", "txt", "文本"},
};

static int
type_index(const char *media_type)
{
    for (size_t i = 0; media_type != NULL && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].type, media_type) == 0)
            return (int)i;
    return -1;
}

const char *
cs_pubsite_ext(const char *media_type)
{
    int i = type_index(media_type);
    return i < 0 ? "bin" : types[i].ext;
}

void
cs_pubsite_csp(char out[CS_PUBSITE_CSP_MAX])
{
    unsigned char md[32];
    unsigned char b64[48];
    unsigned int n = 0;
    if (EVP_Digest(style, sizeof style - 1, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        memset(md, 0, sizeof md); /* a hash that matches nothing: no style, still safe */
    EVP_EncodeBlock(b64, md, 32);
    snprintf(out, CS_PUBSITE_CSP_MAX, /* fits: 44 base64 bytes and the fixed text */
             "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'sha256-%s'; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
             (const char *)b64);
}

/* A page under construction: grows up to PAGE_MAX; the first failure sticks. */
typedef struct page {
    char *p;
    size_t len, cap;
    int err;
} page_t;

static void
add(page_t *g, const char *s, size_t n)
{
    if (g->err != 0)
        return;
    if (g->len + n + 1 > g->cap) {
        size_t cap = g->cap ? g->cap : 4096;
        while (cap < g->len + n + 1)
            cap *= 2;
        char *p = cap <= PAGE_MAX ? realloc(g->p, cap) : NULL;
        if (p == NULL) {
            g->err = cap <= PAGE_MAX ? CS_ENOMEM : CS_ENAMETOOLONG;
            return;
        }
        g->p = p;
        g->cap = cap;
    }
    memcpy(g->p + g->len, s, n);
    g->len += n;
    g->p[g->len] = '\0';
}

static void
adds(page_t *g, const char *s)
{
    add(g, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3))) addf(page_t *g, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        if (g->err == 0)
            g->err = CS_ENAMETOOLONG;
        return;
    }
    add(g, tmp, (size_t)n);
}

/* Text from the catalog, escaped for HTML (NULL: "—"). */
static void
text(page_t *g, const char *s)
{
    if (s == NULL) {
        adds(g, "—");
        return;
    }
    for (; *s; s++) {
        switch (*s) {
        case '<':
            adds(g, "&lt;");
            break;
        case '>':
            adds(g, "&gt;");
            break;
        case '&':
            adds(g, "&amp;");
            break;
        case '"':
            adds(g, "&quot;");
            break;
        case '\'':
            adds(g, "&#39;");
            break;
        default:
            add(g, s, 1);
        }
    }
}

static void
head(page_t *g, const char *title)
{
    char csp[CS_PUBSITE_CSP_MAX];
    cs_pubsite_csp(csp);
    /* frame-ancestors counts only as a header: the web server's (headers.conf) or ours */
    char *fa = strstr(csp, "; frame-ancestors");
    if (fa != NULL)
        *fa = '\0';
    adds(g, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">");
    addf(g, "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">", csp);
    addf(g, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"referrer\" content=\"no-referrer\">");
    adds(g, "<title>");
    text(g, title);
    addf(g, "</title><style>%s</style></head>\n<body>\n", style);
}

static int
finish(page_t *g, char **html, size_t *len)
{
    adds(g, "</body></html>\n");
    if (g->err != 0) {
        free(g->p);
        cs_diag_set("the public page does not fit in %d bytes", PAGE_MAX);
        return g->err;
    }
    *html = g->p;
    *len = g->len;
    return 0;
}

static const char *
str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char *
kind_zh(json_t *p)
{
    const char *k = str(p, "kind");
    return k != NULL && strcmp(k, "penalty") == 0 ? "行政处罚决定" : "其他行政执法决定";
}

static const char *
category_zh(const char *c)
{
    if (c != NULL && strcmp(c, "revoked") == 0)
        return "撤销";
    if (c != NULL && strcmp(c, "illegal") == 0)
        return "确认违法";
    if (c != NULL && strcmp(c, "remade") == 0)
        return "责令重新作出";
    return "其他";
}

static int
live(json_t *p)
{
    return !json_is_object(json_object_get(p, "withdrawn"));
}

/* The date of the last correction, or NULL. */
static const char *
corrected_on(json_t *p)
{
    json_t *vs = json_object_get(p, "versions");
    size_t n = json_array_size(vs);
    return n > 1 ? str(json_array_get(vs, n - 1), "published_on") : NULL;
}

int
cs_pubsite_index(json_t *snap, char **html, size_t *len)
{
    page_t g = {0};
    json_t *p;
    size_t i, shown = 0;
    head(&g, "行政执法公示");
    addf(&g, "<h1>行政执法公示</h1>\n<p>以下为本机关依法公示的行政执法决定。"
             "已撤下的公示不在此列。</p>\n");
    json_array_foreach(json_object_get(snap, "publications"), i, p)
    {
        if (!live(p))
            continue;
        if (shown++ == 0)
            addf(&g, "<table><thead><tr><th>公示编号</th><th>决定类型</th><th>作出决定日期</th>"
                     "<th>公示日期</th><th>最近更正日期</th></tr></thead><tbody>\n");
        long long id = (long long)json_integer_value(json_object_get(p, "id"));
        addf(&g, "<tr><td><a href=\"/p/%lld/\">第 %lld 号</a></td><td>", id, id);
        text(&g, str(p, "decision_kind") ? str(p, "decision_kind") : kind_zh(p));
        adds(&g, "</td><td>");
        text(&g, str(p, "decided_on"));
        adds(&g, "</td><td>");
        text(&g, str(json_array_get(json_object_get(p, "versions"), 0), "published_on"));
        adds(&g, "</td><td>");
        text(&g, corrected_on(p));
        adds(&g, "</td></tr>\n");
    }
    if (shown == 0)
        addf(&g, "<p>暂无公示信息。</p>\n");
    else
        addf(&g, "</tbody></table>\n");
    return finish(&g, html, len);
}

static json_t *
find(json_t *snap, int64_t id)
{
    json_t *p;
    size_t i;
    json_array_foreach(json_object_get(snap, "publications"), i, p)
    {
        if (json_integer_value(json_object_get(p, "id")) == id)
            return p;
    }
    return NULL;
}

static void
file_row(page_t *g, int64_t id, json_t *f, int n)
{
    const char *sha = str(f, "sha256"), *type = str(f, "media_type");
    const char *ext = cs_pubsite_ext(type);
    int t = type_index(type);
    int decision = strcmp(str(f, "role") ? str(f, "role") : "", "decision") == 0;
    addf(g, "<li><p><a href=\"/p/%lld/%s.%s\">", (long long)id, sha, ext);
    if (decision)
        addf(g, "执法决定书（公开版）");
    else
        addf(g, "附件 %d", n);
    addf(g, "</a>（%s，%lld 字节）<br>SHA-256：<code>%s</code></p>", t < 0 ? "文件" : types[t].zh,
         (long long)json_integer_value(json_object_get(f, "size")), sha);
    if (type != NULL && strncmp(type, "image/", 6) == 0)
        addf(g, "<img src=\"/p/%lld/%s.%s\" alt=\"附件 %d\">", (long long)id, sha, ext, n);
    else if (type != NULL && strncmp(type, "video/", 6) == 0)
        addf(g, "<video controls preload=\"metadata\" src=\"/p/%lld/%s.%s\"></video>",
             (long long)id, sha, ext);
    else if (type != NULL && strncmp(type, "audio/", 6) == 0)
        addf(g, "<audio controls preload=\"metadata\" src=\"/p/%lld/%s.%s\"></audio>",
             (long long)id, sha, ext);
    adds(g, "</li>\n");
}

int
cs_pubsite_page(json_t *snap, int64_t id, int *status, char **html, size_t *len)
{
    json_t *p = find(snap, id), *w, *v, *f;
    page_t g = {0};
    size_t i;
    char title[96];
    if (p == NULL) {
        *status = 404;
        return cs_pubsite_error(404, html, len);
    }
    w = json_object_get(p, "withdrawn");
    snprintf(title, sizeof title, "行政执法公示 第 %lld 号%s", (long long)id, /* fits */
             json_is_object(w) ? "（已撤下）" : "");
    head(&g, title);
    addf(&g, "<h1>");
    text(&g, title);
    adds(&g, "</h1>\n");
    if (json_is_object(w)) {
        *status = 410;
        adds(&g, "<p class=\"gone\">本公示已撤下。撤下日期：");
        text(&g, str(w, "on"));
        adds(&g, "；类别：");
        text(&g, category_zh(str(w, "category")));
        addf(&g, "。</p>\n<p>原公示的执法决定已被%s，相关文件不再公开。</p>\n",
             category_zh(str(w, "category")));
    } else {
        *status = 200;
        adds(&g, "<dl><dt>决定类型</dt><dd>");
        const char *dk = str(p, "decision_kind");
        text(&g, dk ? dk : kind_zh(p));
        if (dk != NULL && strcmp(dk, kind_zh(p)) != 0)
            addf(&g, "（%s）", kind_zh(p));
        adds(&g, "</dd><dt>作出决定日期</dt><dd>");
        text(&g, str(p, "decided_on"));
        adds(&g, "</dd></dl>\n<h2>公开文件</h2>\n<ul>\n");
        int n = 0;
        json_array_foreach(json_object_get(p, "files"), i, f)
        {
            const char *sha = str(f, "sha256");
            if (sha == NULL || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
                continue;
            n += strcmp(str(f, "role") ? str(f, "role") : "", "item") == 0;
            file_row(&g, id, f, n);
        }
        adds(&g, "</ul>\n");
        if (json_array_size(json_object_get(p, "files")) == 0)
            adds(&g, "<p>暂无可公开的文件。</p>\n");
    }
    addf(&g, "<h2>公示记录</h2>\n<ol>\n");
    json_array_foreach(json_object_get(p, "versions"), i, v)
    {
        adds(&g, "<li>");
        text(&g, str(v, "published_on"));
        if (json_integer_value(json_object_get(v, "correction")) ||
            json_is_true(json_object_get(v, "correction")))
            addf(&g, " 更正（第 %lld 版）",
                 (long long)json_integer_value(json_object_get(v, "version")));
        else
            addf(&g, " 公示（第 %lld 版）",
                 (long long)json_integer_value(json_object_get(v, "version")));
        adds(&g, "</li>\n");
    }
    if (json_is_object(w)) {
        adds(&g, "<li>");
        text(&g, str(w, "on"));
        adds(&g, " 撤下</li>\n");
    }
    addf(&g, "</ol>\n<p><a href=\"/\">返回公示目录</a></p>\n");
    return finish(&g, html, len);
}

int
cs_pubsite_error(int status, char **html, size_t *len)
{
    page_t g = {0};
    head(&g, status == 405 ? "不支持的请求" : status == 503 ? "暂时无法访问" : "未找到");
    if (status == 503)
        addf(&g, "<h1>暂时无法访问</h1>\n<p>公示页面暂时无法读取，请稍后再试。</p>\n");
    else if (status == 405)
        addf(&g, "<h1>不支持的请求</h1>\n<p>公示页面只能查看（GET）。</p>\n");
    else
        addf(&g, "<h1>未找到</h1>\n<p>没有这一公示信息或文件。</p>\n");
    addf(&g, "<p><a href=\"/\">返回公示目录</a></p>\n");
    return finish(&g, html, len);
}

int
cs_pubsite_id(const char *s, size_t n, int64_t *id)
{
    int64_t v = 0;
    if (n == 0 || n > 18 || s[0] == '0')
        return CS_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return CS_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *id = v;
    return 0;
}

int
cs_pubsite_file(json_t *snap, int64_t id, const char *name, char sha256[65],
                const char **media_type, uint64_t *size)
{
    json_t *p = find(snap, id), *f;
    size_t i, n = strlen(name);
    if (p == NULL || !live(p) || n < 64)
        return CS_ENOTFOUND;
    json_array_foreach(json_object_get(p, "files"), i, f)
    {
        const char *sha = str(f, "sha256"), *type = str(f, "media_type");
        if (sha == NULL || strlen(sha) != 64 || strncmp(name, sha, 64) != 0)
            continue;
        /* "<sha256>" or "<sha256>.<its own extension>", nothing else */
        if (n != 64 && (name[64] != '.' || strcmp(name + 65, cs_pubsite_ext(type)) != 0))
            return CS_ENOTFOUND;
        int t = type_index(type);
        memcpy(sha256, sha, 65);
        *media_type = t < 0 ? "application/octet-stream" : types[t].type;
        *size = (uint64_t)json_integer_value(json_object_get(f, "size"));
        return 0;
    }
    return CS_ENOTFOUND;
}
