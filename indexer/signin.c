/* indexer/signin.c: people's passwords (their scrypt encoding only) and sign-ins: failures
 * counted in a row, a lock after enough of them, each ledgered in the transaction that
 * changes the row (schema v10). */
#include "indexer/access.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <string.h>

int
cs_catalog_user_passwd(cs_catalog_t *cat, const char *name, const char *hash, const char *by)
{
    const char *what = "cannot set a user's password";
    char now[CS_TIME_MAX];
    int err, changes = 0;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    const char *args[] = {name, hash};
    err = cs_cat_run(cat,
                     "UPDATE users SET password_hash = ?2, failed_signins = 0, locked_until = NULL"
                     " WHERE name = ?1 AND disabled_at IS NULL",
                     args, 2, &changes, what);
    if (err == 0 && changes == 0) {
        cs_diag_set("no enabled user named %s (custody user list)", name);
        err = CS_ENOTFOUND;
    }
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "user.passwd", by, json_pack("{s:s}", "user", name), what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_signin_row(cs_catalog_t *cat, const char *name, cs_signin_row_t *r)
{
    const char *what = "cannot look up a user";
    sqlite3_stmt *st = NULL;
    int err, rc;
    memset(r, 0, sizeof *r);
    if ((err = cs_catalog_user_by_name(cat, name, &r->user)) != 0)
        return err;
    if ((err = cs_cat_prepare(cat,
                              "SELECT coalesce(password_hash, ''), failed_signins,"
                              " coalesce(locked_until, '') FROM users WHERE id = ?1",
                              &st, what)) != 0)
        return err;
    sqlite3_bind_int64(st, 1, r->user.id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        r->failed = sqlite3_column_int(st, 1);
        if ((err = cs_cat_column_copy(st, 0, r->password_hash, sizeof r->password_hash,
                                      "password hash")) == 0)
            err =
                cs_cat_column_copy(st, 2, r->locked_until, sizeof r->locked_until, "locked until");
    } else {
        err = rc == SQLITE_DONE ? CS_ENOTFOUND : cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_signin_failed(cs_catalog_t *cat, const char *name, int known, const char *client,
                         const char *why, int lock_after, int lock_s, int *locked)
{
    const char *what = "cannot record a failed sign-in";
    char now[CS_TIME_MAX], until[CS_TIME_MAX], count[16];
    int64_t now_ms = cs_clock_now_ms();
    int err, changes = 0;
    *locked = 0;
    cs_clock_format_ms(now_ms, now);
    cs_clock_format_ms(now_ms + (int64_t)lock_s * 1000, until);
    snprintf(count, sizeof count, "%d", lock_after); /* fits: an int */
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if (known) {
        /* Counted unless locked now; the lock_after-th in a row locks (and starts a new row). */
        const char *args[] = {name, now, until, count};
        err = cs_cat_run(cat,
                         "UPDATE users SET failed_signins = failed_signins + 1"
                         " WHERE name = ?1 AND (locked_until IS NULL OR locked_until <= ?2)",
                         args, 2, NULL, what);
        if (err == 0)
            err = cs_cat_run(cat,
                             "UPDATE users SET failed_signins = 0, locked_until = ?3"
                             " WHERE name = ?1 AND failed_signins >= CAST(?4 AS INTEGER)",
                             args, 4, &changes, what);
    }
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "session.failed", client,
                                    json_pack("{s:s, s:s}", "user", name, "reason", why), what);
    if (err == 0 && changes > 0) {
        err = cs_cat_ledger_custody(
            cat, "session.locked", client,
            json_pack("{s:s, s:s, s:i}", "user", name, "until", until, "after", lock_after), what);
        *locked = 1;
    }
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_signin_limited(cs_catalog_t *cat, const char *client, const char *key, int failures,
                          int window_s, const char *until)
{
    const char *what = "cannot record a sign-in address limit";
    int err;
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    err = cs_cat_ledger_custody(cat, "session.limited", client,
                                json_pack("{s:s, s:i, s:i, s:s}", "address", key, "failures",
                                          failures, "window_s", window_s, "until", until),
                                what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_signin_note(cs_catalog_t *cat, const char *name, const char *client, int opened)
{
    const char *what = opened ? "cannot record a sign-in" : "cannot record a sign-out";
    int err;
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    const char *args[] = {name};
    if (opened)
        err = cs_cat_run(cat,
                         "UPDATE users SET failed_signins = 0, locked_until = NULL WHERE name = ?1",
                         args, 1, NULL, what);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, opened ? "session.open" : "session.close", name,
                                    json_pack("{s:s, s:s}", "user", name, "client", client), what);
    return cs_cat_finish(cat, err, what);
}
