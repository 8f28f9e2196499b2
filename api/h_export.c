/* api/h_export.c: POST /v1/cases/{case}/exports: the case as a BagIt tar, built by
 * export/export.h (which decides and ledgers the export before a byte is written) into a
 * folder of its own under <home>/tmp/exports/, then streamed by respond.c. The tar is opened
 * and unlinked before the answer starts, so it is gone from disk once the stream closes it:
 * when the response is done, or when the client went away. A crash leaves its folder behind:
 * the next start sweeps them (cs_api_exports_sweep). Runs on a thread of its own
 * (CS_API_THREAD), so that a long export holds no pool thread. */
#include "api/api_int.h"

#include "api/args.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/home.h"
#include "export/export.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const known[] = {"archival", "access", "preview", "thumbnail"};

/* Reads {"profiles": [...], "purpose": "..."} into o (profiles point into `known`) and
 * purpose (when the header gave none). 1 with a 400 answer when the body is not that. */
static int
parse_body(cs_api_call_t *c, cs_export_opts_t *o, char *purpose, size_t size)
{
    json_t *body = NULL, *list, *v;
    json_error_t err;
    size_t i;
    int rc = 1;
    if (c->body == NULL)
        return 0;
    if ((body = json_loadb(c->body, c->body_len, 0, &err)) == NULL || !json_is_object(body)) {
        cs_api_fail(c, "bad-request", "the body is not a JSON object");
        goto out;
    }
    list = json_object_get(body, "profiles");
    if (list != NULL && !json_is_array(list)) {
        cs_api_fail(c, "bad-request", "profiles is not an array");
        goto out;
    }
    json_array_foreach(list, i, v)
    {
        const char *p = json_string_value(v), *hit = NULL;
        for (size_t k = 0; p != NULL && k < sizeof known / sizeof known[0]; k++)
            if (strcmp(p, known[k]) == 0)
                hit = known[k];
        for (int k = 0; hit != NULL && k < o->nprofiles; k++)
            if (o->profiles[k] == hit)
                hit = NULL;
        if (hit == NULL || o->nprofiles == CS_EXPORT_PROFILES_MAX) {
            cs_api_fail(c, "bad-request",
                        "profiles[%zu]: unknown or repeated; use archival, access, preview or "
                        "thumbnail",
                        i);
            goto out;
        }
        o->profiles[o->nprofiles++] = hit;
    }
    v = json_object_get(body, "purpose");
    if (v != NULL && !json_is_string(v)) {
        cs_api_fail(c, "bad-request", "purpose is not a string");
        goto out;
    }
    if (v != NULL && c->purpose_state == 0) {
        if (json_string_length(v) >= size) {
            cs_api_fail(c, "bad-request", "purpose is longer than %zu bytes", size - 1);
            goto out;
        }
        memcpy(purpose, json_string_value(v), json_string_length(v) + 1);
    }
    rc = 0;
out:
    json_decref(body);
    return rc;
}

/* Content-Disposition: an ASCII fallback name (one '_' per other character) and the UTF-8
 * name percent-encoded (RFC 6266, RFC 8187). CS_ENAMETOOLONG when it does not fit. */
static int
disposition(const char *name, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    char ascii[CS_API_PARAM_MAX], pct[3 * CS_API_PARAM_MAX];
    size_t na = 0, np = 0;
    for (const unsigned char *s = (const unsigned char *)name; *s != '\0'; s++) {
        if (*s >= 0x80 && *s < 0xc0)
            ; /* a continuation byte: its character already has its '_' */
        else if (na + 1 < sizeof ascii)
            ascii[na++] = *s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\' ? (char)*s : '_';
        if (np + 3 >= sizeof pct)
            return CS_ENAMETOOLONG;
        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
            strchr("!#$&+-.^_`|~", *s) != NULL) {
            pct[np++] = (char)*s;
        } else {
            pct[np++] = '%';
            pct[np++] = hex[*s >> 4];
            pct[np++] = hex[*s & 15];
        }
    }
    ascii[na] = '\0';
    pct[np] = '\0';
    int n =
        snprintf(out, size, "attachment; filename=\"%s.tar\"; filename*=UTF-8''%s.tar", ascii, pct);
    return n < 0 || (size_t)n >= size ? CS_ENAMETOOLONG : 0;
}

/* A folder of this call's own under <home>/tmp/exports/ (dir), and the bag's path in it. */
static int
make_dir(cs_api_call_t *c, const char *kase, char *dir, size_t dsize, char *out, size_t osize)
{
    char name[CS_API_PARAM_MAX];
    int rc;
    if ((size_t)snprintf(dir, dsize, "%s/tmp/exports/x-XXXXXX", c->api->opts.home->root) >= dsize)
        return CS_ENAMETOOLONG;
    if ((rc = cs_home_mkdir_parents(dir, 0700)) != 0)
        return rc;
    if (mkdtemp(dir) == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot make a folder under %s/tmp/exports: %s", c->api->opts.home->root,
                    strerror(errno));
        dir[0] = '\0';
        return rc;
    }
    /* The bag's top folder in the tar is named after the case; '/' cannot be in a name. */
    snprintf(name, sizeof name, "%s", kase); /* fits: kase is a path parameter, as long */
    for (char *p = name; *p != '\0'; p++)
        if (*p == '/')
            *p = '_';
    if (name[0] == '.')
        name[0] = '_';
    if ((size_t)snprintf(out, osize, "%s/%s", dir, name) >= osize)
        return CS_ENAMETOOLONG;
    return 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

int
cs_api_exports_sweep(const char *home_root)
{
    char dir[PATH_MAX], path[PATH_MAX];
    struct dirent *e;
    DIR *d;
    int removed = 0;
    if ((size_t)snprintf(dir, sizeof dir, "%s/tmp/exports", home_root) >= sizeof dir ||
        (d = opendir(dir)) == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        /* Only the folders make_dir names: nothing else belongs here. */
        if (strncmp(e->d_name, "x-", 2) != 0 ||
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
            continue;
        if (nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

/* Sets the refusal's answer: 400 without a purpose, else 403, naming the ledger entry. */
static void
refused(cs_api_call_t *c, const cs_export_result_t *res)
{
    cs_api_fail(c,
                res->status == 400   ? "no-purpose"
                : res->status == 404 ? "not-found"
                                     : "forbidden",
                "%s (ledger entry %lld)", res->reason, (long long)res->seq);
}

void
cs_api_h_export(cs_api_call_t *c)
{
    cs_export_opts_t o = {0};
    cs_export_result_t *res = NULL;
    cs_casenum_t cn;
    char purpose[CS_API_PURPOSE_MAX] = "", dir[PATH_MAX] = "", out[PATH_MAX];
    struct stat st;
    int rc = 0, fd = -1;

    if (cs_api_arg_case(c, c->params[0], &cn) != 0 || parse_body(c, &o, purpose, sizeof purpose))
        return;
    if (c->purpose_state > 0)
        snprintf(purpose, sizeof purpose, "%s", c->purpose); /* fits: both PURPOSE_MAX */
    if ((rc = disposition(cn.text, c->disposition, sizeof c->disposition)) != 0)
        goto out;
    if ((res = calloc(1, sizeof *res)) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    if ((rc = make_dir(c, cn.text, dir, sizeof dir, out, sizeof out)) != 0)
        goto out;
    o.case_number = cn.text;
    o.purpose = purpose;
    o.tz = cs_clock_site_zone(c->api->opts.cfg->site_tz);
    o.out = out;
    o.who = &c->who;
    o.policy = cs_access_policy(c->api->opts.cfg);
    o.channel = CS_CHANNEL_HTTP;
    o.client = c->client;
    o.tar = 1;
    if ((rc = cs_export_case(c->cat, c->api->store, c->api->opts.home, &o, res)) != 0)
        goto out;
    if (!res->allowed) {
        refused(c, res);
        goto out;
    }
    if ((fd = open(res->path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open the export %s: %s", res->path, strerror(errno));
        goto out;
    }
    c->fd = fd;
    fd = -1;
    c->off = 0;
    c->len = (uint64_t)st.st_size;
    c->status = 200;
    snprintf(c->media_type, sizeof c->media_type, "application/x-tar"); /* fits */
out:
    if (fd >= 0)
        close(fd);
    if (res != NULL && res->allowed)
        unlink(res->path); /* the open descriptor keeps the bytes until the stream ends */
    if (dir[0] != '\0')
        rmdir(dir); /* empty: the export removes its partial files when it fails */
    if (rc != 0)
        cs_api_fail_rc(c, rc, "export");
    free(res);
}
