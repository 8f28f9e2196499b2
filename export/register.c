/* export/register.c: the case-file register as CSV (register.h). */
#include "export/register.h"

#include "core/config.h"
#include "core/error.h"
#include "export/evlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX 32
#define FIELD_MAX 32

static const struct {
    const char *field, *zh, *key; /* key: the row's member shown (a label for slugs) */
} fields[] = {
    {"case", "案号", "case"},
    {"kind", "案件类型", "kind_zh"},
    {"procedure", "程序", "procedure_zh"},
    {"cause", "案由", "cause"},
    {"parties", "当事人", "parties"},
    {"officers", "承办人", "officers"},
    {"filed", "立案日期", "filed"},
    {"decided", "决定日期", "decided"},
    {"served", "送达日期", "served"},
    {"closed", "结案日期", "closed"},
    {"status", "状态", "status_zh"},
    {"items", "证据数", "items"},
    {"reference", "档号", "reference"}, /* once archived (indexer/archive.h) */
};
#define NFIELDS (sizeof fields / sizeof fields[0])

const char *
cs_register_header(const char *field)
{
    for (size_t i = 0; field != NULL && i < NFIELDS; i++)
        if (strcmp(fields[i].field, field) == 0)
            return fields[i].zh;
    return NULL;
}

/* The template's fields as indexes into fields[]; CS_ECONFIG naming one unknown. */
static int
parse(const char *columns, size_t *idx, size_t *n)
{
    /* Empty: every column, in the order of the bureau's register. */
    const char *p = columns && *columns ? columns : CS_CONFIG_REGISTER_COLUMNS;
    *n = 0;
    while (*p != '\0') {
        size_t len = strcspn(p, ","), i;
        char name[FIELD_MAX];
        if (len == 0 || len >= sizeof name || *n == FIELDS_MAX)
            goto bad;
        memcpy(name, p, len);
        name[len] = '\0';
        for (i = 0; i < NFIELDS && strcmp(fields[i].field, name) != 0; i++)
            ;
        if (i == NFIELDS)
            goto bad;
        idx[(*n)++] = i;
        p += len + (p[len] == ',');
    }
    if (*n > 0)
        return 0;
bad:
    cs_diag_set("case.register_columns = \"%s\": give register fields, comma-separated (case, "
                "kind, procedure, cause, parties, officers, filed, decided, served, closed, "
                "status, items, reference)",
                columns ? columns : "");
    return CS_ECONFIG;
}

/* A cell's text: strings as they are, numbers in decimal, null as nothing. */
static const char *
cell(const json_t *row, const char *key, char *buf, size_t size)
{
    json_t *v = json_object_get(row, key);
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v)); /* fits: 21 bytes */
        return buf;
    }
    return json_string_value(v);
}

int
cs_register_csv(const json_t *rows, const char *columns, char **out, size_t *len)
{
    size_t idx[FIELDS_MAX], n, i;
    char *buf = NULL, num[32];
    FILE *f = NULL;
    json_t *row;
    int err;
    *out = NULL;
    *len = 0;
    if ((err = parse(columns, idx, &n)) != 0)
        return err;
    if ((f = open_memstream(&buf, len)) == NULL) {
        cs_diag_set("out of memory writing the case register");
        return CS_ENOMEM;
    }
    /* A byte order mark: Excel then reads the Chinese as UTF-8. */
    if (fputs("\xEF\xBB\xBF", f) == EOF)
        err = CS_EIO;
    for (size_t c = 0; err == 0 && c < n; c++)
        if ((c > 0 && fputc(',', f) == EOF) || cs_evlist_csv_field(f, fields[idx[c]].zh) != 0)
            err = CS_EIO;
    if (err == 0 && fputs("\r\n", f) == EOF)
        err = CS_EIO;
    json_array_foreach(rows, i, row)
    {
        for (size_t c = 0; err == 0 && c < n; c++)
            if ((c > 0 && fputc(',', f) == EOF) ||
                cs_evlist_csv_field(f, cell(row, fields[idx[c]].key, num, sizeof num)) != 0)
                err = CS_EIO;
        if (err == 0 && fputs("\r\n", f) == EOF)
            err = CS_EIO;
    }
    if (fclose(f) != 0 && err == 0)
        err = CS_EIO;
    if (err != 0) {
        cs_diag_set("cannot write the case register");
        free(buf);
        *len = 0;
        return err;
    }
    *out = buf;
    return 0;
}

int
cs_register_json(const json_t *rows, const char *columns, json_t **out)
{
    size_t idx[FIELDS_MAX], n, i;
    json_t *list = NULL, *row;
    int err;
    *out = NULL;
    if ((err = parse(columns, idx, &n)) != 0)
        return err;
    if ((list = json_array()) == NULL)
        return CS_ENOMEM;
    json_array_foreach(rows, i, row)
    {
        json_t *o = json_object();
        for (size_t c = 0; o != NULL && c < n; c++) {
            json_t *v = json_object_get(row, fields[idx[c]].key);
            json_object_set(o, fields[idx[c]].field, v ? v : json_null());
        }
        if (o == NULL || json_array_append_new(list, o) != 0) {
            json_decref(list);
            cs_diag_set("out of memory listing the case register");
            return CS_ENOMEM;
        }
    }
    *out = list;
    return 0;
}
