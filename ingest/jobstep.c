/* ingest/jobstep.c: claim, store, recover and finish one ingest job. */
#include "ingest/jobstep.h"
#include "core/namepat.h"
#include "core/buf.h"

#include "core/clock.h"
#include "core/utf8.h"
#include "core/error.h"
#include "ingest/derive.h"
#include "ingest/lease.h"
#include "core/home.h"
#include "core/log.h"
#include "indexer/sniff.h"
#include "ingest/receipt.h"
#include "ingest/route.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CS_MAX_CLAIMS 5 /* a file that keeps changing under its claims is rejected after this */

void
cs_job_env_lock(const cs_job_env_t *env)
{
    if (env->cat_lock != NULL)
        uv_mutex_lock(env->cat_lock);
}

void
cs_job_env_unlock(const cs_job_env_t *env)
{
    if (env->cat_lock != NULL)
        uv_mutex_unlock(env->cat_lock);
}

static int64_t
ns_of(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static void
fsync_parent(const char *path)
{
    char dir[PATH_MAX];
    if (cs_snprintf(dir, sizeof dir, "%s", path) != 0)
        return; /* no such path was ever opened: nothing of it to sync */
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        return;
    *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Moves `path` to `dest` (parents made), or removes it when dest is NULL; a missing path is
 * fine (an earlier run got here first). */
static int
move_or_remove(const char *path, const char *dest, int adopted)
{
    if (dest == NULL) {
        /* An upload adopted by the store (its object is this very file) needs no folder sync:
         * if a power cut takes the removal back, its next claim finds it is the stored object
         * already. A copied one (a hard link from elsewhere has st_nlink > 1 too) does. */
        if (unlink(path) == 0) {
            if (!adopted)
                fsync_parent(path);
        } else if (errno != ENOENT) {
            return cs_err_from_errno(errno);
        }
        return 0;
    }
    if (access(path, F_OK) != 0)
        return 0;
    int err = cs_home_mkdir_parents(dest, 0750);
    if (err != 0)
        return err;
    if (rename(path, dest) != 0)
        return errno == ENOENT ? 0 : cs_err_from_errno(errno);
    fsync_parent(dest);
    fsync_parent(path);
    return 0;
}

/* Where an upload goes in archive mode or when rejected: <root>/<dir>/<rel>. */
static int
aside_path(const cs_job_t *job, const char *dir, const char *suffix, char *buf, size_t len)
{
    if ((size_t)snprintf(buf, len, "%s/%s/%s%s", job->root, dir, job->rel, suffix) >= len) {
        cs_diag_set("%s/%s: path too long", job->root, job->rel);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

/* An upload's companion (sidecar, .done); a cut name would be another file's: refused. */
static int
companion(const char *path, const char *suffix, char *buf, size_t len)
{
    if (cs_snprintf(buf, len, "%s%s", path, suffix) != 0) {
        cs_diag_set("%.200s%s: the path is longer than %zu bytes", path, suffix, len - 1);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

/* Clears the upload after its bytes are stored: removed (consume) or moved under
 * .ingested/<date>/ (archive), with its sidecar and marker; never a different file that has
 * since taken the same name. */
static int
clear_upload(const cs_job_env_t *env, const cs_job_t *job, const char *path)
{
    static const char *const suffixes[] = {"", ".json", ".done"};
    char dest[PATH_MAX], src[PATH_MAX], dir[64], day[11];
    struct stat st;
    int err;

    if (env->mode == CS_MODE_COPY)
        return 0;
    int present = lstat(path, &st) == 0;
    if (present && ((int64_t)st.st_dev != job->dev || (int64_t)st.st_ino != job->ino))
        return 0; /* a new file by the same name: its own job will take it */
    int adopted = present && env->mode == CS_MODE_CONSUME && job->sha256[0] != '\0' &&
                  cs_store_is_file(env->store, job->sha256, &st);
    cs_clock_site_date(env->tz, cs_clock_now_ms(), day); /* the site's today */
    snprintf(dir, sizeof dir, ".ingested/%s", day);      /* fits: 20 < 64 */
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if ((err = companion(path, suffixes[i], src, sizeof src)) != 0)
            return err;
        if (env->mode == CS_MODE_ARCHIVE) {
            if ((err = aside_path(job, dir, suffixes[i], dest, sizeof dest)) != 0 ||
                (err = move_or_remove(src, dest, 0)) != 0)
                return err;
        } else if ((err = move_or_remove(src, NULL, i == 0 && adopted)) != 0) {
            return err;
        }
    }
    return 0;
}

/* The route as stored with the job, as a new JSON object. */
static json_t *
job_route(const cs_job_t *job)
{
    json_t *r = json_loads(job->route, 0, NULL);
    return json_is_object(r) ? r : (json_decref(r), json_object());
}

/* Records the arrival of the job's stored bytes and moves the job to stored. */
static int
record_stored(const cs_job_env_t *env, cs_job_t *job, const char *path, uint64_t size,
              const char *media_type, cs_step_out_t *out)
{
    json_t *route = job_route(job);
    const char *name = strrchr(job->rel, '/');
    const char *officer = json_string_value(json_object_get(route, "officer"));
    json_t *detail = json_deep_copy(route);
    json_object_set_new(detail, "job", json_integer(job->id));
    cs_arrival_t a = {
        .sha256 = job->sha256,
        .size = size,
        .media_type = media_type,
        .case_number = json_string_value(json_object_get(route, "case")),
        .party = json_string_value(json_object_get(route, "party")),
        .original_name = name ? name + 1 : job->rel,
        .source_path = path,
        .actor = officer ? officer : env->actor,
        .user_id = env->user_id,
        .source_mtime_ns = job->mtime_ns,
        .detail = detail,
    };
    cs_arrival_result_t res;
    cs_job_env_lock(env);
    /* Only where nothing irreversible follows (a copy leaves the source as it is) and the
     * caller syncs before it reports the file stored. */
    if (env->relaxed && env->mode == CS_MODE_COPY)
        cs_catalog_relaxed(env->cat, 1);
    int err = cs_jobs_stored(env->cat, job, &a, &res);
    cs_catalog_relaxed(env->cat, 0);
    cs_job_env_unlock(env);
    if (err == 0) {
        out->item_created = res.item_created;
        out->media_type = media_type;
        if ((err = clear_upload(env, job, path)) == 0)
            err = cs_receipt_write(env->receipts, job, path, route);
        if (err != 0)
            cs_log(CS_LOG_WARN, "job.cleanup_failed",
                   json_pack("{s:o, s:s}", "path", cs_json_string_lossless(path), "error",
                             cs_strerror(err)));
        err = 0; /* the evidence is stored and cataloged; clearing can be retried */
    }
    json_decref(detail);
    json_decref(route);
    return err;
}

/* The parameters of a reason about the upload at `path`: {"path"}. */
static json_t *
at(const char *path)
{
    return json_pack("{s:o}", "path", cs_json_string_lossless(path));
}

/* Sets out->why (and its message) to a reason that is not a rejection. */
static void say(cs_step_out_t *out, cs_reason_code_t code, json_t *params, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
say(cs_step_out_t *out, cs_reason_code_t code, json_t *params, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_reason_vset(&out->why, code, params, fmt, ap);
    va_end(ap);
    memcpy(out->message, out->why.text, sizeof out->message);
}

/* Rejects the job with a reason (code, params stolen, sentence): the upload moves to
 * <root>/_rejected/ beside <name>.reason.txt. */
static int reject(const cs_job_env_t *env, cs_job_t *job, const char *path, cs_step_out_t *out,
                  cs_reason_code_t code, json_t *params, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* The code a rejection is reported with; set before reject() by those who know it. */
static void
reject_code(cs_step_out_t *out, int code)
{
    out->code = code;
}

static int
reject(const cs_job_env_t *env, cs_job_t *job, const char *path, cs_step_out_t *out,
       cs_reason_code_t code, json_t *params, const char *fmt, ...)
{
    char dest[PATH_MAX], reason_file[PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    cs_reason_vset(&out->why, code, params, fmt, ap);
    va_end(ap);
    memcpy(out->message, out->why.text, sizeof out->message);
    out->step = CS_STEP_REJECTED;
    if (out->code == 0)
        out->code = CS_EINVAL;
    if (env->mode != CS_MODE_COPY && aside_path(job, "_rejected", "", dest, sizeof dest) == 0 &&
        aside_path(job, "_rejected", ".reason.txt", reason_file, sizeof reason_file) == 0 &&
        access(path, F_OK) == 0 && move_or_remove(path, dest, 0) == 0) {
        FILE *f = fopen(reason_file, "w");
        if (f != NULL) {
            fprintf(f, "%s\n", out->message);
            fclose(f);
        }
    }
    cs_job_env_lock(env);
    int err = cs_jobs_reject(env->cat, job, &out->why);
    cs_job_env_unlock(env);
    return err;
}

static int
unsettle(const cs_job_env_t *env, cs_job_t *job, const char *path, cs_step_out_t *out,
         const char *why)
{
    int err = 0;
    if (env->mode == CS_MODE_COPY) { /* nobody will look again: say so now */
        reject_code(out, CS_ECHANGED);
        return reject(env, job, path, out, CS_R_CHANGING, at(path),
                      "%s %s; wait until it is fully written and try again", path, why);
    }
    say(out, CS_R_SETTLING, at(path), "%s %s; it settles again", path, why);
    out->step = CS_STEP_UNSETTLED;
    if (job->state == CS_JOB_CLAIMED) {
        cs_job_env_lock(env);
        err = cs_jobs_unclaim(env->cat, job, &out->why);
        cs_job_env_unlock(env);
    }
    if (err == 0 && job->claims >= CS_MAX_CLAIMS)
        return reject(
            env, job, path, out, CS_R_KEPT_CHANGING,
            json_pack("{s:o, s:i}", "path", cs_json_string_lossless(path), "tries", job->claims),
            "%s kept changing while it was being stored (%d tries); make sure the "
            "copy has finished, then drop it again",
            path, job->claims);
    return err;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && ns_of(&a->st_mtim) == ns_of(&b->st_mtim) &&
           a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* How a failed put or open is taken: the file's fault (reject), a moving file (settle
 * again), or the environment's (keep the state, report, retry later). */
static int
input_failure(const cs_job_env_t *env, cs_job_t *job, const char *path, int err, cs_step_out_t *out)
{
    reject_code(out, err);
    if (env->mode == CS_MODE_COPY && err != CS_ECHANGED && err != CS_ENOSPC && err != CS_EIO &&
        *cs_diag() != '\0' &&
        (err == CS_ENOENT || err == CS_EEMPTY || err == CS_EACCES || err == CS_EISDIR ||
         err == CS_ENOTREG || err == CS_ELOOP))
        return reject(env, job, path, out,
                      err == CS_ENOENT   ? CS_R_VANISHED
                      : err == CS_EEMPTY ? CS_R_EMPTY
                                         : CS_R_UNSTORABLE,
                      at(path), "%s", cs_diag()); /* the store's words name it */
    switch (err) {
    case CS_ECHANGED:
        return unsettle(env, job, path, out, "changed while it was being stored");
    case CS_ENOENT:
        return reject(env, job, path, out, CS_R_VANISHED, at(path),
                      "%s vanished before it could be stored", path);
    case CS_EEMPTY:
        return reject(env, job, path, out, CS_R_EMPTY, at(path),
                      "%s is empty (0 bytes): there is nothing to keep; if a copy failed, copy "
                      "the file again",
                      path);
    case CS_EACCES:
    case CS_EISDIR:
    case CS_ENOTREG:
    case CS_ELOOP:
        return reject(env, job, path, out, CS_R_UNSTORABLE, at(path), "%s cannot be stored: %s",
                      path, *cs_diag() ? cs_diag() : cs_strerror(err));
    default:
        return err;
    }
}

static int
open_upload(const cs_job_env_t *env, cs_job_t *job, const char *path, int *fd, cs_lease_t *lease,
            cs_step_out_t *out)
{
    *lease = CS_LEASE_NONE;
    /* An upload folder must not reach outside itself through a link; a named file may. */
    int nofollow = env->mode == CS_MODE_COPY ? 0 : O_NOFOLLOW;
    *fd = open(path, O_RDONLY | nofollow | O_NONBLOCK | O_CLOEXEC);
    if (*fd < 0) {
        int e = errno;
        if (e == ELOOP)
            cs_diag_set("%s: %s", path,
                        nofollow ? "is a symbolic link; drop the file itself"
                                 : "symbolic link loop; point the link at the file itself");
        else
            cs_diag_set("%s: %s", path, strerror(e));
        return input_failure(env, job, path, cs_err_from_errno(e), out);
    }
    if (env->mode == CS_MODE_COPY)
        return 0;
    /* A read lease is refused while any process has the file open for writing: the surest
     * sign that a copy is still going on. File systems without leases rely on settling. */
    *lease = cs_lease_take(*fd);
    if (*lease == CS_LEASE_WRITER)
        return unsettle(env, job, path, out, "is still open for writing");
    return 0;
}

/* Adds "from_name": what ingest.name_pattern read in the file's name (device, officer, time,
 * important), when it matched; and "officer_from": "sidecar" when the officer is not the
 * officer folder's (a sidecar named it), for the registry's record of how it was found. */
static int
route_name(const cs_job_env_t *env, const cs_job_t *job, json_t *rj)
{
    const char *base = strrchr(job->rel, '/');
    const char *officer = json_string_value(json_object_get(rj, "officer"));
    const char *second = strchr(job->rel, '/');
    json_t *m = NULL;
    if (officer != NULL &&
        (second == NULL || second == base || strncmp(second + 1, officer, strlen(officer)) != 0 ||
         second[1 + strlen(officer)] != '/') &&
        json_object_set_new(rj, "officer_from", json_string("sidecar")) != 0)
        return CS_ENOMEM;
    int err = cs_namepat_match(env->names, base ? base + 1 : job->rel, &m);
    if (err == 0 && m != NULL && json_object_set_new(rj, "from_name", m) != 0)
        err = CS_ENOMEM;
    return err;
}

static int
route_upload(const cs_job_env_t *env, const cs_job_t *job, const char *path, json_t **rj)
{
    cs_route_t route;
    char sidecar[PATH_MAX];
    int err = 0;
    *rj = NULL;
    if (env->route != NULL) {
        *rj = cs_route_json(env->route);
        return *rj != NULL ? route_name(env, job, *rj) : CS_ENOMEM;
    }
    if ((size_t)snprintf(sidecar, sizeof sidecar, "%s.json", path) >= sizeof sidecar)
        return CS_ENAMETOOLONG;
    err = cs_route_file(env->rule, job->rel, sidecar, &route);
    if (err == CS_ESIDECAR || (err == 0 && route.sidecar_faults > 0))
        cs_log(CS_LOG_WARN, "job.bad_sidecar",
               json_pack("{s:o, s:o}", "path", cs_json_string_lossless(path), "problem",
                         cs_json_string_lossless(route.problem)));
    else if (err != 0)
        return err;
    /* NULL: a folder name that is not UTF-8 cannot go into JSON; keep the file, unassigned. */
    if ((*rj = cs_route_json(&route)) == NULL)
        *rj = json_pack("{s:s, s:s, s:{}}", "problem",
                        "the folder names are not UTF-8; the file is kept as unassigned",
                        "problem_code", cs_reason_slug(CS_R_FOLDER_NOT_UTF8), "problem_params");
    return *rj != NULL ? route_name(env, job, *rj) : CS_ENOMEM;
}

int
cs_job_store(const cs_job_env_t *env, cs_job_t *job, const char *path, const struct stat *settled,
             cs_step_out_t *out)
{
    cs_put_result_t put;
    struct stat st, after;
    json_t *rj = NULL;
    cs_lease_t lease = CS_LEASE_NONE;
    int fd = -1, created = 0, adopted = 0, err;

    memset(out, 0, sizeof *out);
    out->step = CS_STEP_NEXT;
    if (job->state == CS_JOB_CLAIMED &&
        ((err = cs_job_recover(env, job, path, out)) != 0 || out->step == CS_STEP_REJECTED))
        return err;
    if (job->state != CS_JOB_DISCOVERED) {
        out->step = CS_STEP_NEXT; /* stored already, by an earlier run */
        return 0;
    }
    out->step = CS_STEP_NEXT;
    if ((err = open_upload(env, job, path, &fd, &lease, out)) != 0 || out->step != CS_STEP_NEXT)
        goto out;
    if (fstat(fd, &st) != 0) {
        err = cs_err_from_errno(errno);
        goto out;
    }
    if (settled != NULL && !same_file(&st, settled)) {
        err = unsettle(env, job, path, out, "changed after it settled");
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        cs_diag_set("%s is not a regular file (a pipe, socket or device); copy it into a file "
                    "first",
                    path);
        err = input_failure(env, job, path, CS_ENOTREG, out);
        goto out;
    }
    if (st.st_size == 0) {
        cs_diag_set("%s is empty (0 bytes): there is nothing to keep", path);
        err = input_failure(env, job, path, CS_EEMPTY, out);
        goto out;
    }
    if ((err = route_upload(env, job, path, &rj)) != 0) {
        if (err == CS_EINVAL || err == CS_ENAMETOOLONG)
            err = reject(env, job, path, out, CS_R_UNROUTABLE, at(path), "%s cannot be routed: %s",
                         path, cs_diag());
        goto out;
    }
    job->size = st.st_size;
    job->mtime_ns = ns_of(&st.st_mtim);
    job->dev = (int64_t)st.st_dev;
    job->ino = (int64_t)st.st_ino;
    if (env->mode == CS_MODE_COPY && job->id == 0) {
        /* A copy leaves the source as it is: nothing to resume after a crash, so the claim
         * needs no commit of its own; the job is recorded with its arrival. */
        char *text = json_dumps(rj, JSON_COMPACT);
        if (text == NULL) {
            err = CS_ENOMEM;
            goto out;
        }
        err = cs_snprintf(job->route, sizeof job->route, "%s", text);
        free(text);
        if (err != 0) {
            cs_diag_set("the route of %.200s is longer than %zu bytes", job->rel,
                        sizeof job->route - 1);
            goto out;
        }
        job->state = CS_JOB_CLAIMED;
    } else {
        cs_job_env_lock(env);
        err = cs_jobs_claim(env->cat, job, rj);
        cs_job_env_unlock(env);
        if (err != 0)
            goto out;
    }

    if (env->mode == CS_MODE_CONSUME)
        err = cs_store_hash_fd(env->store, fd, path, &put);
    else
        err = cs_store_put_file(env->store, path, &put);
    if (err != 0) {
        err = input_failure(env, job, path, err, out);
        goto out;
    }
    if (fstat(fd, &after) != 0 || !same_file(&st, &after) || !cs_lease_whole(fd, lease)) {
        err = unsettle(env, job, path, out, "was opened for writing while it was being stored");
        goto out;
    }
    /* No commit between hashing and adopting: a crash here leaves a claimed job whose file
     * is still in place, and recovery hashes it again to see whether the store has it. */
    /* fits: a sha256 of 64 hex digits, in 65 */
    snprintf(job->sha256, sizeof job->sha256, "%s", put.sha256);
    if (env->mode == CS_MODE_CONSUME && cs_store_is_file(env->store, put.sha256, &st)) {
        /* This upload is an object already: stored, recorded and removed by an earlier job
         * whose removal a power cut took back. Remove it again; record nothing twice. */
        out->step = CS_STEP_ALREADY;
        say(out, CS_R_ALREADY_STORED,
            json_pack("{s:o, s:s}", "path", cs_json_string_lossless(path), "sha256", put.sha256),
            "%s is already stored as %s (its removal was lost); removed again", path, put.sha256);
        cs_job_env_lock(env);
        err = cs_jobs_already(env->cat, job, put.sha256, &out->why);
        cs_job_env_unlock(env);
        if (err == 0)
            clear_upload(env, job, path);
        goto out;
    }
    if (env->mode == CS_MODE_CONSUME) {
        err = cs_store_adopt_fd(env->store, fd, put.sha256, lease == CS_LEASE_HELD, &created);
        if (err == CS_EXDEV) {
            /* Another file system, or not the service's file alone (a hard link, another
             * owner): copy; the upload is removed once the copy is durable. */
            cs_put_result_t copy;
            if ((err = cs_store_put_file(env->store, path, &copy)) != 0) {
                err = input_failure(env, job, path, err, out);
                goto out;
            }
            created = copy.created;
            if (strcmp(copy.sha256, put.sha256) != 0) {
                if (created)
                    cs_store_remove(env->store, copy.sha256);
                err = unsettle(env, job, path, out, "changed while it was being copied");
                goto out;
            }
        } else if (err == CS_ECHANGED) {
            err = unsettle(env, job, path, out, "was opened for writing while it was being stored");
            goto out;
        } else if (err != 0) {
            goto out;
        } else {
            adopted = created;
        }
    }
    if (!cs_lease_whole(fd, lease)) {
        /* A writer is waiting for the lease: what it writes would be lost with the upload, or
         * (adopted) land in the object. An object made just now goes; the file settles again. */
        if (created) {
            cs_store_remove(env->store, put.sha256);
            if (adopted)
                fchmod(fd, st.st_mode & 07777); /* let go: the upload's mode as it was */
        }
        err = unsettle(env, job, path, out, "was opened for writing while it was being stored");
        goto out;
    }
    err = record_stored(env, job, path, put.size, cs_sniff_media_type(put.head, put.head_len), out);
out:
    if (fd != -1)
        close(fd); /* releases the lease */
    json_decref(rj);
    return err;
}

/* A crash (or a failed write) between clearing the upload and writing its receipt left a
 * stored upload without one: write it now; one it has already is kept as it is. */
static int
recover_receipt(const cs_job_env_t *env, const cs_job_t *job, const char *path)
{
    json_t *route = job_route(job);
    int err = cs_receipt_write(env->receipts, job, path, route);
    if (err != 0)
        cs_log(CS_LOG_WARN, "job.cleanup_failed",
               json_pack("{s:s, s:s}", "path", path, "error",
                         *cs_diag() ? cs_diag() : cs_strerror(err)));
    json_decref(route);
    return 0; /* the evidence is stored and cataloged; the receipt is retried at the next start */
}

int
cs_job_recover(const cs_job_env_t *env, cs_job_t *job, const char *given, cs_step_out_t *out)
{
    char path[PATH_MAX];
    struct stat st;
    uint64_t size = 0;
    int fd, present;

    memset(out, 0, sizeof *out);
    out->step = CS_STEP_NEXT;
    if (given != NULL ? cs_snprintf(path, sizeof path, "%s", given) != 0
                      : cs_snprintf(path, sizeof path, "%s/%s", job->root, job->rel) != 0)
        return CS_ENAMETOOLONG;
    present = lstat(path, &st) == 0;
    switch (job->state) {
    case CS_JOB_DISCOVERED:
        if (!present)
            return reject(env, job, path, out, CS_R_VANISHED, at(path),
                          "%s vanished before it was claimed", path);
        out->step = CS_STEP_UNSETTLED;
        return 0;
    case CS_JOB_CLAIMED:
        if (present && (int64_t)st.st_dev == job->dev && (int64_t)st.st_ino == job->ino &&
            (int64_t)st.st_size == job->size && ns_of(&st.st_mtim) == job->mtime_ns &&
            (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
            /* Stopped between hashing and recording: if the store holds these bytes, the
             * claim got that far; record them, as it meant to. */
            cs_put_result_t put;
            int err = cs_store_hash_fd(env->store, fd, path, &put);
            close(fd);
            if (err == 0 && cs_store_stat(env->store, put.sha256, &size) == 0) {
                /* fits: a sha256 of 64 hex digits, in 65 */
                snprintf(job->sha256, sizeof job->sha256, "%s", put.sha256);
                return record_stored(env, job, path, size,
                                     cs_sniff_media_type(put.head, put.head_len), out);
            }
            if (err == 0 && env->mode == CS_MODE_CONSUME) {
                /* The very file claimed, not in the store: the last try stopped short (a
                 * crash, or a store that could not take it: disk full, I/O error). It did
                 * not change, so it is not settled again and rejected after five tries as
                 * "kept changing": it is claimed again and stored now. */
                say(out, CS_R_CLAIMED_AGAIN, at(path),
                    "%.500s was claimed but not stored; it is claimed again", path);
                out->step = CS_STEP_UNSETTLED; /* at a start: it settles, then is claimed */
                cs_job_env_lock(env);
                err = cs_jobs_unclaim(env->cat, job, &out->why);
                cs_job_env_unlock(env);
                return err;
            }
        }
        if (!present)
            return reject(env, job, path, out, CS_R_VANISHED, at(path),
                          "%s vanished while it was being stored", path);
        if (env->mode == CS_MODE_COPY) { /* named again by a clerk: claim it afresh */
            cs_reason_t again;
            cs_reason_set(&again, CS_R_CLAIMED_AGAIN, at(path),
                          "claimed again after an interrupted ingest");
            cs_job_env_lock(env);
            int err = cs_jobs_unclaim(env->cat, job, &again);
            cs_job_env_unlock(env);
            return err;
        }
        return unsettle(env, job, path, out, "was being stored when the service stopped");
    case CS_JOB_STORED:
        /* Its media type, which the copies it gets next depend on: the store step that found
         * it is not run again. */
        if (cs_job_sniff_stored(env->store, job->sha256, &out->media_type) != 0)
            out->media_type = NULL;
        if (clear_upload(env, job, path) != 0)
            return 0; /* retried at the next start, and the receipt with it */
        return recover_receipt(env, job, path);
    case CS_JOB_EXTRACTED:
    case CS_JOB_TRANSCODED:
    case CS_JOB_INDEXED:
        return recover_receipt(env, job, path);
    default:
        return 0;
    }
}

int
cs_job_sniff_stored(cs_store_t *store, const char *sha256, const char **media_type)
{
    unsigned char head[512];
    ssize_t n;
    int fd = -1, err;
    if ((err = cs_store_open_object(store, sha256, &fd)) != 0)
        return err;
    while ((n = read(fd, head, sizeof head)) < 0 && errno == EINTR)
        ;
    err = n < 0 ? cs_err_from_errno(errno) : 0;
    close(fd);
    if (err != 0)
        return err;
    *media_type = cs_sniff_media_type(head, (size_t)n);
    return 0;
}
