/* ingest/receipt.c: writing a stored upload's receipt, once, and only under receipts/. */
#include "ingest/receipt.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UNASSIGNED "_unassigned"

/* 0 if s is one name that stays inside the folder it is looked up in. */
static int
one_name(const char *s, const char *what)
{
    if (*s == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strchr(s, '/') != NULL) {
        cs_diag_set("receipt: the %s \"%.200s\" is not one folder or file name; no receipt is "
                    "written outside receipts/",
                    what, s);
        return CS_EINVAL;
    }
    return 0;
}

/* Opens (making it first when `make`) the folder `name` under `at`, never through a link. */
static int
open_dir(int at, const char *name, int make, int *fd)
{
    if (make && mkdirat(at, name, 0750) != 0 && errno != EEXIST) {
        cs_diag_set("receipt: cannot make the folder %.200s: %s", name, strerror(errno));
        return cs_err_from_errno(errno);
    }
    *fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd < 0) {
        cs_diag_set("receipt: cannot open the folder %.200s: %s", name, strerror(errno));
        return cs_err_from_errno(errno);
    }
    return 0;
}

/* 1 if the folder holds this job's receipt under `first` or `second`. */
static int
has_receipt(int dir, const char *first, const char *second, int64_t job)
{
    struct stat st;
    json_t *r;
    int fd, ours;

    if (fstatat(dir, second, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 1;
    if ((fd = openat(dir, first, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
        return 0;
    r = json_loadfd(fd, 0, NULL);
    close(fd);
    ours = json_integer_value(json_object_get(r, "job")) == job;
    json_decref(r);
    return ours;
}

/* Moves tmp to `to` unless `to` exists: 0, 1 if it exists, or a negative CS_E* code. */
static int
rename_new(int dir, const char *tmp, const char *to)
{
    struct stat st;

    if (renameat2(dir, tmp, dir, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno == EEXIST)
        return 1;
    if (errno != EINVAL && errno != ENOSYS)
        return cs_err_from_errno(errno);
    /* A file system without RENAME_NOREPLACE: look, then rename (one writer per job). */
    if (fstatat(dir, to, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 1;
    return renameat(dir, tmp, dir, to) == 0 ? 0 : cs_err_from_errno(errno);
}

int
cs_receipt_write(const char *receipts, const cs_job_t *job, const char *source, const json_t *route)
{
    char first[NAME_MAX + 1], second[NAME_MAX + 1], tmp[NAME_MAX + 1], now[CS_TIME_MAX];
    const char *name = strrchr(job->rel, '/');
    const json_t *jcase = json_object_get(route, "case");
    const char *folder = json_is_string(jcase) ? json_string_value(jcase) : UNASSIGNED;
    const char *officer = json_string_value(json_object_get(route, "officer"));
    int root = -1, dir = -1, sub = -1, fd = -1, err = 0, rc = 0;
    json_t *r = NULL;

    if (receipts == NULL)
        return 0;
    name = name ? name + 1 : job->rel;
    if ((err = one_name(folder, "case")) != 0 || (err = one_name(name, "file name")) != 0)
        return err;
    /* The officer's level of the folder is kept (receipts/<case>/<officer>/); an officer that
     * is not one name (a sidecar's text) leaves the receipt at the case's level. */
    if (officer != NULL && (*officer == '\0' || one_name(officer, "officer") != 0))
        officer = NULL;
    cs_diag_clear();
    if ((size_t)snprintf(first, sizeof first, "%s.receipt.json", name) >= sizeof first ||
        (size_t)snprintf(second, sizeof second, "%s.%" PRId64 ".receipt.json", name, job->id) >=
            sizeof second ||
        (size_t)snprintf(tmp, sizeof tmp, ".%s.%" PRId64 ".tmp", name, job->id) >= sizeof tmp) {
        cs_diag_set("receipt: the name of %.200s is too long for a receipt beside it", job->rel);
        return CS_ENAMETOOLONG;
    }
    /* receipts/ itself is the operator's (it may be a link to another disk); below it, nothing
     * is followed. */
    if ((err = open_dir(AT_FDCWD, receipts, 0, &root)) == CS_ENOENT)
        err = open_dir(AT_FDCWD, receipts, 1, &root);
    if (err != 0 || (err = open_dir(root, folder, 1, &dir)) != 0)
        goto out;
    if (officer != NULL) {
        if ((err = open_dir(dir, officer, 1, &sub)) != 0)
            goto out;
        close(dir);
        dir = sub;
        sub = -1;
    }
    if (has_receipt(dir, first, second, job->id))
        goto out;
    cs_clock_now(now);
    /* The source as received, shown escaped when it is not UTF-8 (cs_utf8_escape). */
    r = json_pack("{s:s, s:I, s:s, s:s, s:O?, s:O?, s:o, s:I}", "sha256", job->sha256, "size",
                  (json_int_t)job->size, "item", job->sha256, "time", now, "case", jcase, "party",
                  json_object_get(route, "party"), "source", cs_json_string_lossless(source), "job",
                  (json_int_t)job->id);
    if (r == NULL) {
        err = CS_ENOMEM;
        goto out;
    }
    errno = 0;
    if ((fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640)) < 0 ||
        json_dumpfd(r, fd, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
        err = cs_err_from_errno(errno ? errno : EIO);
    if (fd >= 0 && close(fd) != 0 && err == 0)
        err = cs_err_from_errno(errno);
    /* The same name again (another upload of that name in this case): keep both receipts; both
     * taken means the second is this job's already. */
    if (err == 0 && (rc = rename_new(dir, tmp, first)) == 1)
        rc = rename_new(dir, tmp, second);
    if (err == 0 && rc < 0)
        err = rc;
    if (err != 0)
        cs_diag_set("receipt: cannot write %s/%s/%s%s%s: %s", receipts, folder,
                    officer ? officer : "", officer ? "/" : "", first, cs_strerror(err));
    unlinkat(dir, tmp, 0); /* gone after a rename; left by a failure */
out:
    json_decref(r);
    if (dir != -1)
        close(dir);
    if (root != -1)
        close(root);
    return err;
}
