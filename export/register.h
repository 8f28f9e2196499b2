/* export/register.h: the case-file register (执法案卷台账), one row per case, its columns
 * from a template (case.register_columns), as CSV for spreadsheets. The rows are the
 * catalog's (cs_catalog_case_register), already filtered by the gate. */
#ifndef CS_EXPORT_REGISTER_H
#define CS_EXPORT_REGISTER_H

#include <jansson.h>
#include <stddef.h>

/** The zh-CN header of register field `field` ("案号" of "case"); NULL for no such field. */
const char *cs_register_header(const char *field);

/** The register as CSV in one malloc'd buffer (*out, caller frees; *len its bytes): a byte
 * order mark, a header row of the columns' zh-CN names, then one row per member of `rows`,
 * each cell escaped as an evidence list's (cs_evlist_csv_field: no cell runs as a formula).
 * `columns` is the comma-separated template (empty or NULL: every column,
 * CS_CONFIG_REGISTER_COLUMNS). CS_ECONFIG naming an unknown field, CS_ENOMEM, CS_EIO. */
int cs_register_csv(const json_t *rows, const char *columns, char **out, size_t *len);

/** The register's rows as JSON objects keyed by the template's fields, in its order, values
 * as the CSV shows them: *out, caller owns it. CS_ECONFIG, CS_ENOMEM. */
int cs_register_json(const json_t *rows, const char *columns, json_t **out);

#endif
