/* export/archive_payload.c: what a case archive adds to its bag, under data/archive/: each
 * audio and video item's DA/T 63 record (dat63/<sha256>.xml), the 文件目录 (file-list.csv: every
 * original and copy with its 档号), the DA/T 63 table (dat63.csv), the case's register row
 * (register-row.csv) and archive.json (the 档号 and its parts). Items are numbered (件号) in the
 * evidence list's order, so the list, the directory and the records agree. */
#include "export/export_int.h"

#include "core/archref.h"
#include "core/buf.h"
#include "core/error.h"
#include "export/dat63.h"
#include "export/evlist.h"
#include "export/register.h"
#include "indexer/cases.h"
#include "indexer/derivatives.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int
has_item(void *arg, const char *sha256)
{
    return cs_export_has_item(arg, sha256);
}

/* A file in memory (open_memstream) put into the bag as rel. */
static int
put_stream(cs_export_t *x, const char *rel, FILE *f, char **buf, size_t *len)
{
    if (fclose(f) != 0) {
        free(*buf);
        *buf = NULL;
        return CS_ENOMEM;
    }
    int rc = cs_export_put(x, rel, *buf, *len);
    free(*buf);
    *buf = NULL;
    return rc;
}

/* One row of the 文件目录. */
static int
dir_row(FILE *f, const char *ref, long no, const char *kind, const char *name, const char *path,
        const char *sha, const char *mt, long long size, const char *meta)
{
    char num[24], sz[24];
    snprintf(num, sizeof num, "%ld", no);  /* fits */
    snprintf(sz, sizeof sz, "%lld", size); /* fits */
    const char *cells[] = {ref, num, kind, name, path, mt, sz, sha, meta};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++)
        if ((i && fputc(',', f) == EOF) || cs_evlist_csv_field(f, cells[i]) != 0)
            return CS_EIO;
    return fputs("\r\n", f) == EOF ? CS_EIO : 0;
}

/* The item's copies in the bag (the chosen verified profiles), each a row of the directory. */
static int
copy_rows(cs_export_t *x, FILE *f, const char *ref, long no, const char *sha)
{
    json_t *list = NULL, *d;
    char path[256];
    size_t i;
    int rc;
    if ((rc = cs_catalog_derivatives(x->cat, sha, &list)) != 0)
        return rc;
    json_array_foreach(list, i, d)
    {
        const char *p = json_string_value(json_object_get(d, "profile"));
        const char *st = json_string_value(json_object_get(d, "status"));
        const char *mt = json_string_value(json_object_get(d, "media_type"));
        int chosen = 0;
        for (int k = 0; k < x->o->nprofiles; k++)
            chosen |= p != NULL && strcmp(p, x->o->profiles[k]) == 0;
        if (!chosen || st == NULL || strcmp(st, "verified") != 0)
            continue;
        if ((rc = cs_snprintf(path, sizeof path, "data/derivatives/%s.%s.%s", sha, p,
                              cs_export_ext(mt))) != 0 ||
            (rc = dir_row(f, ref, no, p, "", path, json_string_value(json_object_get(d, "sha256")),
                          mt, (long long)json_integer_value(json_object_get(d, "size")), "")) != 0)
            break;
    }
    json_decref(list);
    return rc;
}

/* One item: its DA/T 63 record (audio and video), its rows in the directory and the table. */
static int
item(cs_export_t *x, json_t *row, long no, const json_t *reads, FILE *dir, FILE *table)
{
    const char *sha = json_string_value(json_object_get(row, "sha256"));
    const char *mt = json_string_value(json_object_get(row, "media_type"));
    char ref[CS_ARCHREF_MAX + 8], orig[128], meta[128] = "";
    json_t *rec = NULL;
    char *xml = NULL;
    size_t len = 0;
    int rc;
    if (sha == NULL || !cs_export_has_item(x, sha))
        return 0;
    if ((rc = cs_dat63_item_reference(x->o->archive, no, ref, sizeof ref)) != 0 ||
        (rc = cs_snprintf(orig, sizeof orig, "data/originals/%s.%s", sha, cs_export_ext(mt))) != 0)
        return rc;
    if (cs_dat63_is_av(mt)) {
        cs_dat63_ctx_t ctx = {.case_number = x->o->case_number,
                              .archive = x->o->archive,
                              .item_no = no,
                              .file_name = orig,
                              .reads = reads};
        snprintf(meta, sizeof meta, "data/archive/dat63/%s.xml", sha); /* fits: 88 < 128 */
        if ((rc = cs_dat63_record(x->cat, sha, &ctx, &rec)) != 0 ||
            (rc = cs_dat63_xml(rec, &xml, &len)) != 0 ||
            (rc = cs_export_put(x, meta, xml, len)) != 0 ||
            (rc = cs_dat63_csv_row(table, rec)) != 0)
            goto out;
    }
    if ((rc = dir_row(dir, ref, no, "original",
                      json_string_value(json_object_get(row, "original_name")), orig, sha, mt,
                      (long long)json_integer_value(json_object_get(row, "size")), meta)) != 0)
        goto out;
    rc = copy_rows(x, dir, ref, no, sha);
out:
    free(xml);
    json_decref(rec);
    return rc;
}

/* The case's row of the register (执法案卷台账), every column. */
static int
register_row(cs_export_t *x)
{
    json_t *rows = NULL, *mine = json_array(), *r;
    char *csv = NULL;
    size_t i, len = 0;
    int rc;
    if (mine == NULL)
        return CS_ENOMEM;
    if ((rc = cs_catalog_case_register(x->cat, NULL, NULL, NULL, &rows)) != 0)
        goto out;
    json_array_foreach(rows, i, r)
    {
        const char *n = json_string_value(json_object_get(r, "case"));
        if (n != NULL && strcmp(n, x->o->case_number) == 0)
            json_array_append(mine, r);
    }
    if ((rc = cs_register_csv(mine, "", &csv, &len)) == 0)
        rc = cs_export_put(x, "data/archive/register-row.csv", csv, len);
out:
    free(csv);
    json_decref(rows);
    json_decref(mine);
    return rc;
}

static int
mkdir_in(cs_export_t *x, const char *rel)
{
    char path[PATH_MAX];
    if (cs_snprintf(path, sizeof path, "%s/%s", x->dir, rel) != 0)
        return CS_ENAMETOOLONG;
    if (mkdir(path, 0755) != 0) {
        int rc = cs_err_from_errno(errno);
        cs_diag_set("cannot make folder %s: %s", path, strerror(errno));
        return rc;
    }
    return 0;
}

int
cs_export_archive_payload(cs_export_t *x)
{
    static const char dir_head[] =
        "\xEF\xBB\xBF档号,件号,类型,原始文件名,包内路径,媒体类型,字节数,SHA-256,元数据\r\n";
    cs_evlist_t l = {.case_number = x->o->case_number, .tz = x->o->tz};
    char *dbuf = NULL, *tbuf = NULL, *text = NULL;
    size_t dlen = 0, tlen = 0;
    FILE *dir = NULL, *table = NULL;
    json_t *row, *reads = NULL;
    size_t i;
    int rc;
    if ((rc = mkdir_in(x, "data/archive")) != 0 || (rc = mkdir_in(x, "data/archive/dat63")) != 0 ||
        (rc = cs_evlist_load(x->cat, &l, cs_dat63_keep_all, NULL)) != 0 ||
        (rc = cs_dat63_reads(x->cat, has_item, x, &reads)) != 0)
        goto out;
    dir = open_memstream(&dbuf, &dlen);
    table = open_memstream(&tbuf, &tlen);
    if (dir == NULL || table == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    if (fputs(dir_head, dir) == EOF || (rc = cs_dat63_csv_header(table)) != 0) {
        rc = rc ? rc : CS_EIO;
        goto out;
    }
    json_array_foreach(l.rows, i, row)
    {
        if ((rc = item(x, row, (long)i + 1, reads, dir, table)) != 0)
            goto out;
    }
    rc = put_stream(x, "data/archive/file-list.csv", dir, &dbuf, &dlen);
    dir = NULL;
    if (rc == 0)
        rc = put_stream(x, "data/archive/dat63.csv", table, &tbuf, &tlen);
    table = NULL;
    if (rc != 0 || (rc = register_row(x)) != 0)
        goto out;
    json_t *info = json_pack("{s:s, s:O, s:s, s:I}", "standard", "DA/T 63-2017", "archive",
                             (json_t *)x->o->archive, "layout",
                             "data/archive/file-list.csv 文件目录; data/archive/dat63/<sha256>.xml;"
                             " data/archive/dat63.csv; data/archive/register-row.csv",
                             "items", (json_int_t)json_array_size(l.rows));
    text = info ? json_dumps(info, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(info);
    rc = text ? cs_export_put(x, "data/archive/archive.json", text, strlen(text)) : CS_ENOMEM;
out:
    if (dir != NULL)
        fclose(dir);
    if (table != NULL)
        fclose(table);
    free(dbuf);
    free(tbuf);
    free(text);
    json_decref(reads);
    cs_evlist_free(&l);
    return rc;
}
