/* export/archive_verify.c: verify-bag's check of a case archive's data/archive/ (written by
 * archive_payload.c): the 文件目录 names every original of the bag once, each by the hash its
 * file is named after; every audio and video original has its DA/T 63 record, and that record
 * gives the same SHA-256, size and 档号 as the directory. The manifest has already proven each
 * file's bytes; this proves the package says of them what they are. */
#include "export/bag.h"

#include "core/buf.h"
#include "core/error.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LIST_MAX (64 * 1024 * 1024) /* bytes of file-list.csv */
#define XML_MAX (16 * 1024 * 1024)  /* bytes of one record */
#define FIELDS 9 /* 档号,件号,类型,原始文件名,包内路径,媒体类型,字节数,SHA-256,元数据 */

/* root/rel into a new NUL-terminated buffer of at most max bytes; NULL if absent or larger. */
static char *
slurp(const char *root, const char *rel, size_t max)
{
    char path[PATH_MAX], *buf = NULL;
    FILE *f = NULL;
    size_t n;
    if (cs_snprintf(path, sizeof path, "%s/%s", root, rel) != 0 ||
        (f = fopen(path, "rb")) == NULL || (buf = malloc(max + 1)) == NULL)
        goto out;
    n = fread(buf, 1, max + 1, f);
    if (ferror(f) || n > max) {
        free(buf);
        buf = NULL;
        goto out;
    }
    buf[n] = '\0';
out:
    if (f != NULL)
        fclose(f);
    return buf;
}

/* One CSV record (RFC 4180, as cs_evlist_csv_field writes it) from *p into fields (each cut
 * to cap bytes; a cut field is never one of those checked, all short); *p moves past it. The
 * number of fields, or -1 for a quote left open. */
static int
record(const char **p, char fields[FIELDS][512], size_t cap)
{
    const char *s = *p;
    int n = 0;
    while (n < FIELDS) {
        size_t len = 0;
        if (*s == '"') {
            for (s++;; s++) {
                if (*s == '\0')
                    return -1;
                if (*s == '"' && s[1] == '"')
                    s++;
                else if (*s == '"') {
                    s++;
                    break;
                }
                if (len + 1 < cap)
                    fields[n][len++] = *s;
            }
        } else {
            for (; *s && *s != ',' && *s != '\r' && *s != '\n'; s++)
                if (len + 1 < cap)
                    fields[n][len++] = *s;
        }
        fields[n++][len] = '\0';
        if (*s != ',')
            break;
        s++;
    }
    while (*s && *s != '\n')
        s++;
    *p = *s ? s + 1 : s;
    return n;
}

/* The text of the first <name>...</name> after `from` in xml, into out; 0 if there is none. */
static int
element(const char *xml, const char *from, const char *name, char *out, size_t cap)
{
    char open[64], close[64];
    const char *a = from ? strstr(xml, from) : xml, *b;
    if (a == NULL || cs_snprintf(open, sizeof open, "<%s>", name) != 0 ||
        cs_snprintf(close, sizeof close, "</%s>", name) != 0 || (a = strstr(a, open)) == NULL ||
        (b = strstr(a += strlen(open), close)) == NULL || (size_t)(b - a) >= cap)
        return 0;
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
    return 1;
}

/* An original's DA/T 63 record against its row of the directory: 0, or 1 with problem set. */
static int
check_record(const char *root, char f[FIELDS][512], char *problem, size_t cap)
{
    char hash[80], size[32], ref[600];
    char *xml = slurp(root, f[8], XML_MAX);
    int bad = 0;
    if (xml == NULL) {
        cs_snprintf_cut(problem, cap, "data/archive: the DA/T 63 record %s of %s is missing", f[8],
                        f[7]);
        return 1;
    }
    /* The item's own digest comes first: the copies' (关联文件) follow it. */
    if (!element(xml, "<数字摘要>", "摘要值", hash, sizeof hash) || strcmp(hash, f[7]) != 0) {
        cs_snprintf_cut(problem, cap, "%s: its 摘要值 is not %s, the original's", f[8], f[7]);
        bad = 1;
    } else if (!element(xml, NULL, "计算机文件大小", size, sizeof size) ||
               strcmp(size, f[6]) != 0) {
        cs_snprintf_cut(problem, cap, "%s: its 计算机文件大小 is not %s bytes", f[8], f[6]);
        bad = 1;
    } else if (f[0][0] &&
               (!element(xml, NULL, "档号", ref, sizeof ref) || strcmp(ref, f[0]) != 0)) {
        cs_snprintf_cut(problem, cap, "%s: its 档号 is not %s", f[8], f[0]);
        bad = 1;
    }
    free(xml);
    return bad;
}

int
cs_bag_verify_archive(const char *root, uint64_t originals, char *problem, size_t cap,
                      uint64_t *records)
{
    char f[FIELDS][512];
    char want[600];
    char *list;
    uint64_t seen = 0;
    int n;
    *records = 0;
    struct stat st;
    if (cs_snprintf(want, sizeof want, "%s/data/archive", root) != 0 || lstat(want, &st) != 0)
        return 0; /* not a case archive */
    if ((list = slurp(root, "data/archive/file-list.csv", LIST_MAX)) == NULL) {
        cs_snprintf_cut(problem, cap, "data/archive/file-list.csv (文件目录) is missing");
        return 1;
    }
    const char *p = list + (strncmp(list, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0);
    record(&p, f, sizeof f[0]); /* the header */
    while (*p) {
        if ((n = record(&p, f, sizeof f[0])) != FIELDS) {
            cs_snprintf_cut(problem, cap, "data/archive/file-list.csv: a row of %d fields, not %d",
                            n, FIELDS);
            goto bad;
        }
        if (strcmp(f[2], "original") != 0)
            continue;
        seen++;
        if (cs_snprintf(want, sizeof want, "data/originals/%s.", f[7]) != 0 ||
            strncmp(f[4], want, strlen(want)) != 0 || strchr(f[4] + strlen(want), '/') != NULL) {
            cs_snprintf_cut(problem, cap, "data/archive/file-list.csv: %s is not the original %s",
                            f[4], f[7]);
            goto bad;
        }
        int av = strncmp(f[5], "video/", 6) == 0 || strncmp(f[5], "audio/", 6) == 0;
        if (av && f[8][0] == '\0') {
            cs_snprintf_cut(problem, cap, "the recording %s has no DA/T 63 record", f[7]);
            goto bad;
        }
        if (f[8][0] != '\0') {
            if (check_record(root, f, problem, cap) != 0)
                goto bad;
            (*records)++;
        }
    }
    if (seen != originals) {
        cs_snprintf_cut(problem, cap,
                        "data/archive/file-list.csv lists %llu originals; the bag holds %llu",
                        (unsigned long long)seen, (unsigned long long)originals);
        goto bad;
    }
    free(list);
    return 0;
bad:
    free(list);
    return 1;
}
