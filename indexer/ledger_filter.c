/* indexer/ledger_filter.c: filtered reads of the ledger (ledger_filter.h). One statement per
 * order; a filter not given binds NULL and drops out ("?2 IS NULL OR ..."), so the statement
 * is prepared once and kept. Entries' "at" is cs_clock_now's "YYYY-MM-DDTHH:MM:SS.mmmZ", so
 * bounds are written the same way and compared as text. */
#include "indexer/ledger_filter.h"

#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/ledger_pack.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define E_ CS_LEDGER_TEXT
#define MATCHES                                                                                    \
    " AND (?2 IS NULL OR " E_ " ->> '$.actor' = ?2) AND (?3 IS NULL OR " E_ " ->> '$.role' = ?3)"  \
    " AND (?4 IS NULL OR " E_ " ->> '$.case' = ?4) AND (?5 IS NULL OR " E_ " ->> '$.action' = ?5)" \
    " AND (?6 IS NULL OR " E_ " ->> '$.kind' = ?6) AND (?7 IS NULL OR " E_ " ->> '$.result' = ?7)" \
    " AND (?8 IS NULL OR " E_ " ->> '$.item' = ?8)"                                                \
    " AND (?9 IS NULL OR " E_ " ->> '$.purpose' = ?9)"                                             \
    " AND (?10 IS NULL OR " E_ " ->> '$.at' >= ?10) AND (?11 IS NULL OR " E_ " ->> '$.at' <= ?11)"

static const char asc_sql[] = "SELECT seq, leaf, " CS_LEDGER_COLS
                              " FROM ledger WHERE seq >= ?1" MATCHES " ORDER BY seq LIMIT ?12";
static const char desc_sql[] =
    "SELECT seq, leaf, " CS_LEDGER_COLS " FROM ledger WHERE seq <= ?1" MATCHES
    " ORDER BY seq DESC LIMIT ?12";

/* Reads n digits at *p as a number; -1 when they are not all digits. */
static int
digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/* Writes the bound `in` as the ledger writes times, in UTC with milliseconds. */
static int
bound(const char *in, int end, char out[CS_TIME_MAX], const char *name)
{
    const char *p = in;
    int ms = end ? 999 : 0, off = 0;
    struct tm tm = {0};
    tm.tm_year = digits(&p, 4) - 1900;
    if (*p++ != '-' || (tm.tm_mon = digits(&p, 2) - 1) < 0 || tm.tm_mon > 11 || *p++ != '-' ||
        (tm.tm_mday = digits(&p, 2)) < 1 || tm.tm_mday > 31 || tm.tm_year < -1899)
        goto bad;
    if (*p == '\0') { /* a date: the whole UTC day */
        tm.tm_hour = end ? 23 : 0;
        tm.tm_min = tm.tm_sec = end ? 59 : 0;
    } else {
        ms = 0;
        if ((*p != 'T' && *p != 't') || (++p, tm.tm_hour = digits(&p, 2)) < 0 || tm.tm_hour > 23 ||
            *p++ != ':' || (tm.tm_min = digits(&p, 2)) < 0 || tm.tm_min > 59 || *p++ != ':' ||
            (tm.tm_sec = digits(&p, 2)) < 0 || tm.tm_sec > 60)
            goto bad;
        if (*p == '.') { /* a fraction: its first three digits */
            int scale = 100;
            for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                ms += scale > 0 ? (*p - '0') * scale : 0;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, h = digits(&p, 2), m;
            if (h < 0 || h > 23 || *p++ != ':' || (m = digits(&p, 2)) < 0 || m > 59)
                goto bad;
            off = sign * (h * 3600 + m * 60);
        } else {
            goto bad;
        }
        if (*p != '\0')
            goto bad;
    }
    time_t t = timegm(&tm) - off;
    struct tm utc;
    char day[20];
    if (gmtime_r(&t, &utc) == NULL || strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &utc) == 0)
        goto bad;
    snprintf(out, CS_TIME_MAX, "%.19s.%03dZ", day, ms % 1000); /* fits: 24 bytes < 40 */
    return 0;
bad:
    cs_diag_set("%s \"%.80s\": give an RFC 3339 time with Z or an offset "
                "(2026-11-27T10:15:00+08:00) or a date (2026-11-27, UTC)",
                name, in);
    return CS_EINVAL;
}

int
cs_catalog_ledger_filter(cs_catalog_t *cat, const cs_ledger_filter_t *f,
                         int (*fn)(void *arg, int64_t seq, const char *entry, size_t len,
                                   const uint8_t *leaf, size_t leaf_len),
                         void *arg, int64_t *next)
{
    const char *what = "cannot read the ledger";
    const char *const exact[] = {f->actor, f->role,   f->case_number, f->action,
                                 f->kind,  f->result, f->item,        f->purpose};
    char from[CS_TIME_MAX], to[CS_TIME_MAX];
    sqlite3_stmt *st = NULL;
    int64_t last = -1, n = 0;
    int err, rc;
    *next = f->desc ? -1 : f->since;
    if (f->limit < 1 || f->limit > 1000) {
        cs_diag_set("limit %d: give 1..1000", f->limit);
        return CS_EINVAL;
    }
    if ((f->from && (err = bound(f->from, 0, from, "from")) != 0) ||
        (f->to && (err = bound(f->to, 1, to, "to")) != 0))
        return err;
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        return err;
    if ((err = cs_cat_prepare(cat, f->desc ? desc_sql : asc_sql, &st, what)) != 0)
        goto out;
    sqlite3_bind_int64(st, 1, f->desc && f->since < 0 ? INT64_MAX : f->since);
    for (int i = 0; i < 8; i++)
        if (exact[i] != NULL)
            sqlite3_bind_text(st, 2 + i, exact[i], -1, SQLITE_STATIC);
    if (f->from)
        sqlite3_bind_text(st, 10, from, -1, SQLITE_STATIC);
    if (f->to)
        sqlite3_bind_text(st, 11, to, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 12, f->limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = NULL;
        size_t len = 0;
        const void *leaf = sqlite3_column_blob(st, 1);
        size_t leaf_len = (size_t)sqlite3_column_bytes(st, 1);
        last = sqlite3_column_int64(st, 0);
        n++;
        if ((err = cs_cat_ledger_text(cat, st, 2, last, &text, &len)) != 0 ||
            (err = fn(arg, last, text, len, leaf, leaf_len)) != 0)
            goto out;
    }
    if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
        goto out;
    }
    cs_cat_finalize(cat, st);
    st = NULL;
    if (n == f->limit) {
        *next = f->desc ? last - 1 : last + 1;
    } else if (!f->desc) {
        /* Read to the end: the next page starts where new entries will. */
        if ((err = cs_cat_prepare(cat, "SELECT coalesce(max(seq) + 1, 0) FROM ledger", &st,
                                  what)) != 0)
            goto out;
        if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
            err = cs_cat_err(cat, rc, what);
            goto out;
        }
        int64_t size = sqlite3_column_int64(st, 0);
        *next = size > f->since ? size : f->since;
    }
out:
    cs_cat_finalize(cat, st);
    cs_cat_rollback(cat);
    return err;
}
