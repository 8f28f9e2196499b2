/* indexer/search_walk.c: the plan of a text search. A word in a tenth of the catalog was
 * gathered whole from the trigram index (or a scan of every text, under three characters) and
 * sorted by time before a page of it was cut: ∝ N (bench/RESULTS.md, "Scale: a province in a
 * box"). Such a word is now tested on each candidate met while walking the results' own order
 * (item_index_sort), which stops when the page is full. */
#include "indexer/search_int.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ranges without case: CJK symbols, kana, ideographs (A, unified, B on), hangul syllables,
 * fullwidth punctuation and digits. Nothing outside them folds into them. */
static int
caseless_cp(uint32_t cp)
{
    static const uint32_t r[][2] = {{0x3000, 0x30FF}, {0x3400, 0x4DBF},  {0x4E00, 0x9FFF},
                                    {0xAC00, 0xD7A3}, {0xFF01, 0xFF20},  {0xFF3B, 0xFF40},
                                    {0xFF5B, 0xFF65}, {0x20000, 0x2FFFF}};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (cp >= r[i][0] && cp <= r[i][1])
            return 1;
    return 0;
}

int
cs_search_text_caseless(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    int how = 1;
    while (*s) {
        unsigned c = *s;
        if (c < 0x80) { /* the trigram index folds ASCII letters (and K, ſ into k, s) */
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
                how = 2;
            s++;
            continue;
        }
        int n = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0)
            return 0;
        uint32_t cp = c & (0x3f >> n);
        for (int i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        if (!caseless_cp(cp))
            return 0;
        s += n + 1;
    }
    /* lower() with ICU folds more than ASCII (İ into i and a dot): not the index's folding */
    return how == 2 && sqlite3_compileoption_used("ENABLE_ICU") ? 0 : how;
}

/* 1: text has fewer than three characters (the trigram index cannot find it). */
static int
is_short(const char *text)
{
    size_t chars = 0;
    for (const char *c = text; *c && chars < 3; c++)
        chars += ((unsigned char)*c & 0xc0) != 0x80;
    return chars < 3;
}

char *
cs_search_fts_phrase(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *p = malloc(2 * n + 3);
    if (p == NULL)
        return NULL;
    p[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            p[o++] = '"';
        p[o++] = s[i];
    }
    p[o++] = '"';
    p[o] = '\0';
    return p;
}

void
cs_search_plan_choose(const cs_search_t *q, int want, cs_search_plan_t *plan)
{
    int drive = q->case_number || q->party || q->near;

    memset(plan, 0, sizeof *plan);
    if (q->text == NULL)
        return;
    if (is_short(q->text)) { /* the set plan is a scan of every text: never better */
        plan->text = CS_SEARCH_TEXT_INSTR;
        plan->walk = !drive;
        return;
    }
    /* Tried first, the set plan is stopped once it has cost what about 10 × want matches
     * cost it (~40 steps each): a word with fewer costs what it did, one with more is walked
     * (at ~1-3 µs a candidate, while the set plan costs ~2 µs a match, all of them). A word
     * the stored text cannot be tested for keeps the set plan. */
    int how = cs_search_text_caseless(q->text);
    if (how == 0)
        return;
    plan->text = how == 1 ? CS_SEARCH_TEXT_INSTR : CS_SEARCH_TEXT_LOWER;
    plan->walk = !drive;
    plan->tryset = 400L * want;
}

int
cs_search_walk_end(cs_catalog_t *cat, const char *from, const char *to,
                   const cs_search_key_t *after, int budget, cs_search_key_t *end, int *bounded)
{
    const char *what = "cannot plan a search";
    char sql[512];
    sqlite3_stmt *st = NULL;
    int err, rc, n = 0, bind = 0;
    cs_buf_t b;

    *bounded = 0;
    cs_buf_init(&b, sql, sizeof sql);
    cs_buf_add_str(&b, "SELECT sort_time, item_id FROM item_index INDEXED BY item_index_sort"
                       " WHERE sort_time IS NOT NULL");
    if (from)
        cs_buf_printf(&b, " AND sort_time >= ?%d", ++n);
    if (to)
        cs_buf_printf(&b, " AND sort_time <= ?%d", ++n);
    if (after)
        cs_buf_printf(&b, " AND sort_time >= ?%d AND (sort_time > ?%d OR item_id > ?%d)", n + 1,
                      n + 1, n + 2);
    n += after ? 2 : 0;
    cs_buf_printf(&b, " ORDER BY sort_time, item_id LIMIT 1 OFFSET ?%d", n + 1);
    if ((err = cs_buf_done(&b)) != 0 || (err = cs_cat_prepare(cat, sql, &st, what)) != 0)
        return err;
    if (from)
        sqlite3_bind_text(st, ++bind, from, -1, SQLITE_STATIC);
    if (to)
        sqlite3_bind_text(st, ++bind, to, -1, SQLITE_STATIC);
    if (after) {
        sqlite3_bind_text(st, ++bind, after->time, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, ++bind, after->id);
    }
    sqlite3_bind_int(st, ++bind, budget);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        end->timed = 1;
        end->id = sqlite3_column_int64(st, 1);
        if (snprintf(end->time, sizeof end->time, "%s", t ? t : "") >= (int)sizeof end->time)
            err = CS_ENAMETOOLONG;
        *bounded = err == 0;
    } else if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}
