/* indexer/search.c: the search index (filled when an item's metadata is recorded) and the
 * queries over it. Case and party come from the links themselves, so a relink is found at
 * once; capture time and device from item_index, places from an R*Tree, text from FTS5. */
#include "indexer/search.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/search_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EARTH_M 6371008.8 /* mean radius */

/* Appends a line of the text an item is found by. That text is a finding aid (the values
 * themselves are kept whole in their own rows), so a text longer than cap is cut on purpose:
 * an item with many names is still indexed, by the first of them. */
static void
text_add(char *buf, size_t cap, size_t *len, const char *s)
{
    if (s == NULL || *s == '\0' || *len + 1 >= cap)
        return;
    int n = snprintf(buf + *len, cap - *len, "%s%s", *len ? "\n" : "", s);
    if (n > 0)
        *len = (size_t)n + *len >= cap ? cap - 1 : *len + (size_t)n;
}

static int
exec_bound(cs_catalog_t *cat, const char *sql, sqlite3_int64 id, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat, sql, &st, what);
    if (err == 0) {
        sqlite3_bind_int64(st, 1, id);
        err = cs_cat_step_done(cat, st, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

/* The text an item is found by: its names, where it came from, what the route said about
 * it, its device. */
static int
item_text(cs_catalog_t *cat, sqlite3_int64 item_id, json_t *rec, char *buf, size_t cap,
          const char *what)
{
    sqlite3_stmt *st = NULL;
    size_t len = 0;
    int err, rc;
    buf[0] = '\0';
    err = cs_cat_prepare(cat,
                         "SELECT original_name FROM item_sources WHERE item_id = ?1"
                         " UNION SELECT detail FROM events WHERE item_id = ?1 AND kind = 'received'"
                         " UNION SELECT p.name FROM links l JOIN parties p ON p.id = l.party_id"
                         "  WHERE l.item_id = ?1",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, item_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        json_t *d = v && v[0] == '{' ? json_loads(v, 0, NULL) : NULL;
        if (d != NULL) { /* a received event: the route's words */
            static const char *const keys[] = {"officer", "party", "place", "note", "stage"};
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
                text_add(buf, cap, &len, json_string_value(json_object_get(d, keys[i])));
            json_decref(d);
        } else {
            text_add(buf, cap, &len, v);
        }
    }
    if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    json_t *dev = json_object_get(rec, "device");
    text_add(buf, cap, &len, json_string_value(json_object_get(dev, "make")));
    text_add(buf, cap, &len, json_string_value(json_object_get(dev, "model")));
    text_add(buf, cap, &len, json_string_value(json_object_get(dev, "serial")));
    return err;
}

int
cs_cat_index_item(cs_catalog_t *cat, sqlite3_int64 item_id, json_t *rec, const char *what)
{
    sqlite3_stmt *st = NULL;
    char text[8192], device[1024] = "";
    json_t *gps = json_object_get(rec, "gps"), *dev = json_object_get(rec, "device");
    size_t dlen = 0;
    int err;

    text_add(device, sizeof device, &dlen, json_string_value(json_object_get(dev, "make")));
    text_add(device, sizeof device, &dlen, json_string_value(json_object_get(dev, "model")));
    text_add(device, sizeof device, &dlen, json_string_value(json_object_get(dev, "serial")));
    for (char *c = device; *c; c++) /* one line: "Google Pixel 8 Pro" */
        if (*c == '\n')
            *c = ' ';
    const char *at = json_string_value(json_object_get(rec, "captured_at"));
    const char *utc = json_string_value(json_object_get(rec, "captured_at_utc"));
    int has_place = json_is_number(json_object_get(gps, "lat")) &&
                    json_is_number(json_object_get(gps, "lon")) &&
                    !json_is_true(json_object_get(gps, "suspect"));
    double lat = json_number_value(json_object_get(gps, "lat"));
    double lon = json_number_value(json_object_get(gps, "lon"));

    /* An item indexed before (metadata extracted again) has rows to replace; most have none. */
    int indexed = 0;
    if ((err = cs_cat_prepare(cat, "SELECT 1 FROM item_index WHERE item_id = ?1", &st, what)) != 0)
        return err;
    sqlite3_bind_int64(st, 1, item_id);
    indexed = sqlite3_step(st) == SQLITE_ROW;
    cs_cat_finalize(cat, st);
    st = NULL;
    if (indexed &&
        ((err = exec_bound(cat, "DELETE FROM item_places WHERE id = ?1", item_id, what)) != 0 ||
         (err = exec_bound(cat, "DELETE FROM item_text WHERE rowid = ?1", item_id, what)) != 0))
        return err;
    err = cs_cat_prepare(cat,
                         "INSERT OR REPLACE INTO item_index (item_id, captured_at, captured_utc,"
                         " sort_time, lat, lon, device) VALUES (?1, ?2, ?3, coalesce(?3, ?2), ?4,"
                         " ?5, ?6)",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, utc, -1, SQLITE_STATIC);
    if (has_place) {
        sqlite3_bind_double(st, 4, lat);
        sqlite3_bind_double(st, 5, lon);
    }
    sqlite3_bind_text(st, 6, dlen ? device : NULL, -1, SQLITE_STATIC);
    err = cs_cat_step_done(cat, st, what);
    cs_cat_finalize(cat, st);
    st = NULL;
    if (err == 0 && has_place) {
        err = cs_cat_prepare(cat, "INSERT INTO item_places VALUES (?1, ?2, ?2, ?3, ?3)", &st, what);
        if (err == 0) {
            sqlite3_bind_int64(st, 1, item_id);
            sqlite3_bind_double(st, 2, lat);
            sqlite3_bind_double(st, 3, lon);
            err = cs_cat_step_done(cat, st, what);
        }
        cs_cat_finalize(cat, st);
        st = NULL;
    }
    if (err == 0 && (err = item_text(cat, item_id, rec, text, sizeof text, what)) == 0 &&
        text[0] != '\0') {
        err = cs_cat_prepare(cat, "INSERT INTO item_text (rowid, text) VALUES (?1, ?2)", &st, what);
        if (err == 0) {
            sqlite3_bind_int64(st, 1, item_id);
            sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
            err = cs_cat_step_done(cat, st, what);
        }
        cs_cat_finalize(cat, st);
    }
    return err;
}

static int
bound_text(int err, const char *name, const char *in)
{
    if (err != 0)
        cs_diag_set("--%s \"%s\": the time is too long", name, in);
    return err;
}

/* Accepts RFC 3339 with Z or an offset, a bare wall time, or a date; writes the text that
 * compares with sort_time ("...Z" for instants, the wall time otherwise). `end` makes a date
 * mean the end of that day. */
static int
time_bound(const char *in, int end, char *out, size_t cap, const char *name)
{
    int y, mo, d, h = 0, mi = 0, s = 0, n = 0, oh = 0, om = 0;
    char sign = 0;
    size_t len = strlen(in);
    if (sscanf(in, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && (size_t)n == len) {
        return bound_text(
            cs_snprintf(out, cap, "%04d-%02d-%02dT%s", y, mo, d, end ? "23:59:59.999" : "00:00:00"),
            name, in);
    }
    if (sscanf(in, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || mo < 1 ||
        mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
        cs_diag_set("--%s \"%s\": give a date (2023-11-03) or an RFC 3339 time "
                    "(2023-11-03T10:15:00+08:00)",
                    name, in);
        return CS_EINVAL;
    }
    const char *rest = in + n;
    while (*rest == '.' || isdigit((unsigned char)*rest))
        rest++;
    if (*rest == '\0') { /* a wall time: compare as one */
        return bound_text(
            cs_snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s), name, in);
    }
    if (strcmp(rest, "Z") != 0 &&
        (sscanf(rest, "%c%2d:%2d", &sign, &oh, &om) != 3 || (sign != '+' && sign != '-'))) {
        cs_diag_set("--%s \"%s\": the offset must be Z or +hh:mm", name, in);
        return CS_EINVAL;
    }
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    time_t t = timegm(&tm) - (sign == '-' ? -1 : sign == '+' ? 1 : 0) * (oh * 3600 + om * 60);
    gmtime_r(&t, &tm);
    char when[32];
    if (strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return bound_text(CS_ENAMETOOLONG, name, in);
    return bound_text(cs_snprintf(out, cap, "%s%sZ", when, end ? ".999" : ""), name, in);
}

static double
distance_m(double lat1, double lon1, double lat2, double lon2)
{
    double r = M_PI / 180, dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * EARTH_M * asin(fmin(1.0, sqrt(a)));
}

static int
check_query(const cs_search_t *q)
{
    if (q->limit < 1 || q->limit > CS_SEARCH_MAX_LIMIT) {
        cs_diag_set("--limit %d: give 1..%d", q->limit, CS_SEARCH_MAX_LIMIT);
        return CS_EINVAL;
    }
    if (q->near && (q->lat < -90 || q->lat > 90 || q->lon < -180 || q->lon > 180 ||
                    !(q->metres > 0) || q->metres > 20000000)) {
        cs_diag_set("--near %g,%g,%g: latitude -90..90, longitude -180..180, metres > 0", q->lat,
                    q->lon, q->metres);
        return CS_EINVAL;
    }
    if (q->text != NULL && strlen(q->text) > 256) {
        cs_diag_set("--text is longer than 256 bytes");
        return CS_EINVAL;
    }
    return 0;
}

static json_t *
column_list(const char *s)
{
    json_t *a = json_array();
    char *copy = s ? strdup(s) : NULL, *save = NULL;
    for (char *t = copy ? strtok_r(copy, "\x1f", &save) : NULL; t;
         t = strtok_r(NULL, "\x1f", &save))
        json_array_append_new(a, cs_cat_jstr(t));
    free(copy);
    return a;
}

/* Runs the query for up to `want` matches after `after` (NULL: from the first) into *out,
 * with their keys in keys[]; *ended when no match is left beyond them. With plan->walk, only
 * timed items up to `end` (NULL: the last) are looked at, in item_index_sort's order. */
static int
run_query(cs_catalog_t *cat, const cs_search_t *q, const cs_search_plan_t *plan,
          const cs_search_key_t *after, const cs_search_key_t *end, int want, json_t **out,
          cs_search_key_t *keys, int *ended)
{
    const char *what = "cannot search";
    char sql[4096], from[64] = "", to[64] = "";
    sqlite3_stmt *st = NULL;
    char *phrase = NULL;
    double dlat = 0, dlon = 0;
    int err = 0, rc = SQLITE_DONE, n = 0, bind = 0;
    cs_buf_t b;

    *out = NULL;
    *ended = 0;
    if ((q->from && (err = time_bound(q->from, 0, from, sizeof from, "from")) != 0) ||
        (q->to && (err = time_bound(q->to, 1, to, sizeof to, "to")) != 0))
        return err;
    cs_buf_init(&b, sql, sizeof sql);
    /* Two steps (bench/scale.sh): the page's ids in order, from the indexes alone, then each
     * one's columns; sorting every match with its columns made first cost a search of a
     * 10^6-item catalog seconds. The case and party drive the first step through their links. */
    cs_buf_add_str(
        &b,
        "SELECT i.sha256, x.captured_at, m.record ->> '$.captured_at_source', i.media_type,"
        " i.size, (SELECT original_name FROM item_sources s WHERE s.item_id = i.id ORDER BY s.id"
        " LIMIT 1), x.lat, x.lon, x.device,"
        " (SELECT group_concat(c.number, char(31)) FROM links l JOIN cases c ON c.id = l.case_id"
        "  WHERE l.item_id = i.id AND l.superseded_at IS NULL),"
        " (SELECT group_concat(p.name, char(31)) FROM links l JOIN parties p ON p.id = l.party_id"
        "  WHERE l.item_id = i.id AND l.superseded_at IS NULL),"
        " x.sort_time, i.id, m.record ->> '$.captured_at_estimate', m.record ->> '$.file_time'");
    /* A walk goes down the results' order itself and stops when the page is full. */
    cs_buf_add_str(&b, plan->walk ? " FROM (SELECT x.item_id AS pid FROM item_index x INDEXED BY"
                                    " item_index_sort CROSS JOIN items i ON i.id = x.item_id"
                                    " WHERE x.sort_time IS NOT NULL"
                                  : " FROM (SELECT i.id AS pid FROM items i LEFT JOIN item_index x"
                                    " ON x.item_id = i.id WHERE 1");
    if (q->case_number)
        cs_buf_printf(&b,
                      " AND i.id IN (SELECT l.item_id FROM links l JOIN cases c ON c.id ="
                      " l.case_id WHERE l.superseded_at IS NULL AND c.number = ?%d)",
                      ++n);
    if (q->party)
        cs_buf_printf(&b,
                      " AND i.id IN (SELECT l.item_id FROM links l JOIN parties p ON p.id ="
                      " l.party_id WHERE l.superseded_at IS NULL AND p.name = ?%d)",
                      ++n);
    if (q->from)
        cs_buf_printf(&b, " AND x.sort_time >= ?%d", ++n);
    if (q->to)
        cs_buf_printf(&b, " AND x.sort_time <= ?%d", ++n);
    if (q->near) {
        /* A box around the circle for the R*Tree; the exact distance is checked below. */
        dlat = q->metres / EARTH_M * 180 / M_PI;
        dlon = dlat / fmax(cos(q->lat * M_PI / 180), 1e-6);
        cs_buf_printf(&b,
                      " AND i.id IN (SELECT id FROM item_places WHERE max_lat >= ?%d AND"
                      " min_lat <= ?%d AND max_lon >= ?%d AND min_lon <= ?%d)",
                      n + 1, n + 2, n + 3, n + 4);
        n += 4;
    }
    if (q->device)
        cs_buf_printf(&b, " AND instr(lower(x.device), lower(?%d)) > 0", ++n);
    if (q->text) {
        /* Trigrams need three characters, not bytes (油烟 is six bytes and two characters: as
         * a phrase it matched nothing); shorter text is matched by a scan. */
        size_t chars = 0;
        for (const char *c = q->text; *c; c++)
            chars += ((unsigned char)*c & 0xc0) != 0x80;
        int form = /* under three characters the test is instr() as it is, whatever the plan */
            chars < 3 && plan->text != CS_SEARCH_TEXT_SET ? CS_SEARCH_TEXT_INSTR : plan->text;
        if (chars >= 3 && form != CS_SEARCH_TEXT_INSTR && form != CS_SEARCH_TEXT_LOWER &&
            (phrase = cs_search_fts_phrase(q->text)) == NULL)
            return CS_ENOMEM;
        const char *id = plan->walk ? "x.item_id" : "i.id";
        if (form == CS_SEARCH_TEXT_INSTR) /* the stored text, one candidate at a time */
            cs_buf_printf(&b, " AND instr((SELECT text FROM item_text WHERE rowid = %s), ?%d) > 0",
                          id, ++n);
        else if (form == CS_SEARCH_TEXT_LOWER && strpbrk(q->text, "kKsS") == NULL)
            cs_buf_printf(&b,
                          " AND instr(lower((SELECT text FROM item_text WHERE rowid = %s)),"
                          " lower(?%d)) > 0",
                          id, ++n);
        else if (form == CS_SEARCH_TEXT_LOWER) { /* the index folds K (Kelvin), ſ to k, s */
            ++n;
            cs_buf_printf(&b,
                          " AND (instr(lower((SELECT text FROM item_text WHERE rowid = %s)),"
                          " lower(?%d)) > 0 OR ((SELECT text GLOB '*[' || char(8490, 383) ||"
                          " ']*' FROM item_text WHERE rowid = %s) AND EXISTS (SELECT 1 FROM"
                          " item_text WHERE item_text MATCH '\"' || replace(?%d, '\"', '\"\"') ||"
                          " '\"' AND rowid = %s)))",
                          id, n, id, n, id);
        } else if (form == CS_SEARCH_TEXT_FTS)
            cs_buf_printf(&b,
                          " AND EXISTS (SELECT 1 FROM item_text WHERE item_text MATCH ?%d AND"
                          " rowid = %s)",
                          ++n, id);
        else
            cs_buf_printf(&b,
                          phrase ? " AND i.id IN (SELECT rowid FROM item_text WHERE item_text"
                                   " MATCH ?%d)"
                                 : " AND i.id IN (SELECT rowid FROM item_text WHERE"
                                   " instr(text, ?%d) > 0)",
                          ++n);
    }
    if (plan->walk) { /* range terms SQLite can start and end the index walk with */
        if (after != NULL)
            cs_buf_printf(&b, " AND x.sort_time >= ?%d AND (x.sort_time > ?%d OR x.item_id > ?%d)",
                          n + 1, n + 1, n + 2);
        n += after != NULL ? 2 : 0;
        if (end != NULL)
            cs_buf_printf(&b, " AND x.sort_time <= ?%d AND (x.sort_time < ?%d OR x.item_id <= ?%d)",
                          n + 1, n + 1, n + 2);
        n += end != NULL ? 2 : 0;
    } else if (after != NULL && after->timed) {
        cs_buf_printf(&b,
                      " AND (x.sort_time IS NULL OR x.sort_time > ?%d OR"
                      " (x.sort_time = ?%d AND i.id > ?%d))",
                      n + 1, n + 1, n + 2);
        n += 2;
    } else if (after != NULL) {
        cs_buf_printf(&b, " AND x.sort_time IS NULL AND i.id > ?%d", ++n);
    }
    /* With a time range every match has a time: the order is the index's (sort_time, id). A
     * place's matches are checked against the circle below, so all of the box's are read. */
    const char *order = q->from || q->to || plan->walk
                            ? " ORDER BY x.sort_time, x.item_id"
                            : " ORDER BY x.sort_time IS NULL, x.sort_time, i.id";
    cs_buf_printf(&b,
                  "%s LIMIT %d) p JOIN items i ON i.id = p.pid"
                  " LEFT JOIN item_index x ON x.item_id = i.id LEFT JOIN metadata m ON"
                  " m.item_id = i.id ORDER BY x.sort_time IS NULL, x.sort_time, i.id",
                  order, q->near ? -1 : want);
    if ((err = cs_buf_done(&b)) != 0) {
        cs_diag_set("the search query is longer than %zu bytes", sizeof sql);
        free(phrase);
        return err;
    }
    if ((err = cs_cat_prepare(cat, sql, &st, what)) != 0) {
        free(phrase);
        return err;
    }
    if (q->case_number)
        sqlite3_bind_text(st, ++bind, q->case_number, -1, SQLITE_STATIC);
    if (q->party)
        sqlite3_bind_text(st, ++bind, q->party, -1, SQLITE_STATIC);
    if (q->from)
        sqlite3_bind_text(st, ++bind, from, -1, SQLITE_STATIC);
    if (q->to)
        sqlite3_bind_text(st, ++bind, to, -1, SQLITE_STATIC);
    if (q->near) {
        sqlite3_bind_double(st, ++bind, q->lat - dlat);
        sqlite3_bind_double(st, ++bind, q->lat + dlat);
        sqlite3_bind_double(st, ++bind, q->lon - dlon);
        sqlite3_bind_double(st, ++bind, q->lon + dlon);
    }
    if (q->device)
        sqlite3_bind_text(st, ++bind, q->device, -1, SQLITE_STATIC);
    if (q->text)
        sqlite3_bind_text(st, ++bind, phrase ? phrase : q->text, -1, SQLITE_STATIC);
    if (after != NULL && after->timed)
        sqlite3_bind_text(st, ++bind, after->time, -1, SQLITE_STATIC);
    if (after != NULL)
        sqlite3_bind_int64(st, ++bind, after->id);
    if (plan->walk && end != NULL) {
        sqlite3_bind_text(st, ++bind, end->time, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, ++bind, end->id);
    }
    json_t *rows = json_array();
    while ((int)json_array_size(rows) < want && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int has_place = sqlite3_column_type(st, 6) != SQLITE_NULL;
        double lat = sqlite3_column_double(st, 6), lon = sqlite3_column_double(st, 7);
        double dist = q->near && has_place ? distance_m(q->lat, q->lon, lat, lon) : 0;
        if (q->near && dist > q->metres)
            continue;
        json_t *o =
            json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "sha256",
                      cs_cat_jstr((const char *)sqlite3_column_text(st, 0)), "captured_at",
                      cs_cat_jstr((const char *)sqlite3_column_text(st, 1)), "captured_at_source",
                      cs_cat_jstr((const char *)sqlite3_column_text(st, 2)), "media_type",
                      cs_cat_jstr((const char *)sqlite3_column_text(st, 3)), "size",
                      (json_int_t)sqlite3_column_int64(st, 4), "original_name",
                      cs_cat_jname((const char *)sqlite3_column_text(st, 5)), "gps",
                      has_place ? json_pack("{s:f, s:f}", "lat", lat, "lon", lon) : json_null(),
                      "device", cs_cat_jstr((const char *)sqlite3_column_text(st, 8)), "cases",
                      column_list((const char *)sqlite3_column_text(st, 9)), "parties",
                      column_list((const char *)sqlite3_column_text(st, 10)));
        if (o != NULL && q->near)
            json_object_set_new(o, "distance_m", json_real(round(dist * 10) / 10));
        /* No capture time but the file's: said so, never in captured_at (media/captime.h). */
        if (o != NULL && sqlite3_column_type(st, 13) != SQLITE_NULL) {
            json_object_set_new(o, "captured_at_estimate",
                                cs_cat_jstr((const char *)sqlite3_column_text(st, 13)));
            json_object_set_new(o, "file_time",
                                cs_cat_jstr((const char *)sqlite3_column_text(st, 14)));
        }
        cs_search_key_t *k = &keys[json_array_size(rows)];
        const char *t = (const char *)sqlite3_column_text(st, 11);
        k->timed = t != NULL;
        k->id = sqlite3_column_int64(st, 12);
        if (snprintf(k->time, sizeof k->time, "%s", t ? t : "") >= (int)sizeof k->time) {
            json_decref(o);
            rc = SQLITE_TOOBIG;
            break;
        }
        json_array_append_new(rows, o);
    }
    if (json_array_size(rows) < (size_t)want && rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
        json_decref(rows);
        rows = NULL;
    }
    *ended = rc == SQLITE_DONE;
    cs_cat_finalize(cat, st);
    free(phrase);
    *out = rows;
    return err;
}

/* The set plan's try: stopped (SQLITE_INTERRUPT) once it has taken its steps. */
struct try_set {
    long left; /* VM steps, in units of TRY_EVERY */
    int stopped;
};
#define TRY_EVERY 1000

static int
try_set_step(void *arg)
{
    struct try_set *t = arg;
    t->stopped = --t->left < 0;
    return t->stopped;
}

/* Up to `want` matches after `after` by plan: the set plan's try, then a walk within its
 * budget, else (a page the walk could not fill: its budget spent, or the timed items passed)
 * the set plan from the same place, so that the results are the same either way. */
static int
query_chunk(cs_catalog_t *cat, const cs_search_t *q, cs_search_plan_t *plan,
            const cs_search_key_t *after, int want, json_t **out, cs_search_key_t *keys, int *ended)
{
    if (plan->tryset > 0) { /* few matches: the set plan as it is; many: stopped early */
        cs_search_plan_t set = {.text = CS_SEARCH_TEXT_SET};
        struct try_set t = {.left = plan->tryset / TRY_EVERY};
        sqlite3_progress_handler(cat->db, TRY_EVERY, try_set_step, &t);
        int err = run_query(cat, q, &set, after, NULL, want, out, keys, ended);
        sqlite3_progress_handler(cat->db, 0, NULL, NULL);
        if (!t.stopped)
            return err;
        plan->tryset = 0; /* the next chunks of this page go straight on */
    }
    if (plan->walk && (after == NULL || after->timed)) {
        char from[64], to[64];
        cs_search_key_t end;
        int bounded = 0, err;
        int budget = plan->budget > 0                   ? plan->budget
                     : plan->text == CS_SEARCH_TEXT_FTS ? CS_SEARCH_WALK_BUDGET_FTS
                                                        : CS_SEARCH_WALK_BUDGET_INSTR;
        if ((q->from && (err = time_bound(q->from, 0, from, sizeof from, "from")) != 0) ||
            (q->to && (err = time_bound(q->to, 1, to, sizeof to, "to")) != 0) ||
            (err = cs_search_walk_end(cat, q->from ? from : NULL, q->to ? to : NULL, after, budget,
                                      &end, &bounded)) != 0 ||
            (err = run_query(cat, q, plan, after, bounded ? &end : NULL, want, out, keys, ended)) !=
                0)
            return err;
        if (json_array_size(*out) == (size_t)want)
            return 0;
        if (!bounded && (q->from || q->to)) { /* in a time range every match is timed */
            *ended = 1;
            return 0;
        }
        json_decref(*out);
        *out = NULL;
    }
    cs_search_plan_t set = {.text = plan->walk ? CS_SEARCH_TEXT_SET : plan->text};
    return run_query(cat, q, &set, after, NULL, want, out, keys, ended);
}

/* Matches read per query while filtering with q->keep. */
#define SCAN_CHUNK 128

int
cs_cat_search_page_plan(cs_catalog_t *cat, const cs_search_t *q, const cs_search_plan_t *given,
                        json_t **out, cs_search_key_t *next, int *more)
{
    cs_search_key_t *keys = NULL, after;
    const cs_search_key_t *from = q->after;
    json_t *page = NULL, *chunk = NULL;
    cs_search_plan_t plan;
    int err, ended = 0, dummy;
    /* Without a filter one query suffices (one match more tells whether more follow); with
     * one, matches are read in chunks until the page is full. */
    int want = q->keep ? SCAN_CHUNK : q->limit + 1;

    *out = NULL;
    more = more ? more : &dummy;
    *more = 0;
    if ((err = check_query(q)) != 0)
        return err;
    if (given != NULL)
        plan = *given;
    else
        cs_search_plan_choose(q, want, &plan);
    if (q->text == NULL) /* nothing to walk for: the set plan as it was */
        memset(&plan, 0, sizeof plan);
    if ((keys = calloc((size_t)want, sizeof *keys)) == NULL || (page = json_array()) == NULL) {
        err = CS_ENOMEM;
        goto out;
    }
    while (!ended) {
        size_t i;
        json_t *row;
        if ((err = query_chunk(cat, q, &plan, from, want, &chunk, keys, &ended)) != 0)
            goto out;
        json_array_foreach(chunk, i, row)
        {
            int ok = 1;
            if (q->keep != NULL &&
                (err = q->keep(q->keep_arg, json_string_value(json_object_get(row, "sha256")),
                               &ok)) != 0)
                goto out;
            if (!ok)
                continue;
            if (json_array_size(page) == (size_t)q->limit) {
                *more = 1;
                goto out;
            }
            json_array_append(page, row);
            if (next != NULL)
                *next = keys[i];
        }
        if (json_array_size(chunk) > 0) {
            after = keys[json_array_size(chunk) - 1];
            from = &after;
        }
        json_decref(chunk);
        chunk = NULL;
    }
out:
    json_decref(chunk);
    free(keys);
    if (err != 0)
        json_decref(page);
    else
        *out = page;
    return err;
}

int
cs_catalog_search_page(cs_catalog_t *cat, const cs_search_t *q, json_t **out, cs_search_key_t *next,
                       int *more)
{
    return cs_cat_search_page_plan(cat, q, NULL, out, next, more);
}

int
cs_catalog_search(cs_catalog_t *cat, const cs_search_t *q, json_t **out)
{
    return cs_catalog_search_page(cat, q, out, NULL, NULL);
}
