/* tools/cmd_publish_site.c: `custody publish site --out DIR`: the public page (issue 23 part 4)
 * as a static site for the bureau's web server, from the same renderer as the public listener
 * of `custody serve` (api/public_site.c): index.html, p/<id>/index.html for each publication,
 * the public copies its latest version sent out as p/<id>/<sha256>.<ext> (copied from the
 * store and hashed on the way), gone/<id>.html and gone.conf (nginx: a withdrawn publication
 * answers 410), headers.conf (the Content-Security-Policy and other headers). Made in a
 * folder beside DIR and swapped into place in one rename: a reader sees the old site or the
 * new one, never half of one. */
#include "tools/cli.h"

#include "api/public_site.h"
#include "core/buf.h"
#include "core/error.h"
#include "indexer/public.h"
#include "indexer/public_site.h"
#include "storage/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define SITE_MARK ".custody-site" /* what says a folder is a site this command wrote */

static const char site_usage[] =
    "usage: custody publish site --out DIR [--home DIR] [--set k=v]\n"
    "Writes the public page (行政执法公示) as a static site into DIR for the bureau's web\n"
    "server: index.html (the live publications), p/N/index.html (publication N: its latest\n"
    "version's public copies and the dates of its versions; a withdrawn one says 已撤下 with\n"
    "its date and category), the public copies as p/N/<sha256>.<ext>, and for nginx gone.conf\n"
    "(withdrawn publications answer 410 Gone) and headers.conf (Content-Security-Policy and\n"
    "the other headers), to include in the site's server block. Nothing but approved public\n"
    "copies that a live publication sent out is written. The site is made beside DIR and\n"
    "swapped into place at once; DIR must be absent, empty, or a site written before.\n";

typedef struct site {
    cs_cli_t *cli;
    char tmp[PATH_MAX];
    cs_buf_t gone;
    char gone_text[65536];
    long pages, files, withdrawn;
    json_t *copies; /* the hashes of the public copies written, for the ledger */
} site_t;

static int
on_option(int c, const char *arg, void *ctx)
{
    if (c == 'o')
        *(const char **)ctx = arg;
    return 0;
}

static int
sync_close(int fd, const char *path)
{
    int rc = fsync(fd) == 0 ? 0 : cs_err_from_errno(errno);
    if (close(fd) != 0 && rc == 0)
        rc = cs_err_from_errno(errno);
    if (rc != 0)
        cs_diag_set("%s: cannot write it whole: %s", path, strerror(errno));
    return rc;
}

static int
write_all(int fd, const char *p, size_t n, const char *path)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int rc = cs_err_from_errno(w < 0 ? errno : ENOSPC);
            cs_diag_set("%s: cannot write: %s", path, strerror(w < 0 ? errno : ENOSPC));
            return rc;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* rel (under the site) into path; CS_ENAMETOOLONG. */
static int
site_path(const site_t *s, char path[PATH_MAX], const char *rel)
{
    int rc = cs_snprintf(path, PATH_MAX, "%s/%s", s->tmp, rel);
    if (rc != 0)
        cs_diag_set("%s/%s: path too long", s->tmp, rel);
    return rc;
}

static int
put(site_t *s, const char *rel, const char *text, size_t len)
{
    char path[PATH_MAX];
    int fd, rc;
    if ((rc = site_path(s, path, rel)) != 0)
        return rc;
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
        cs_diag_set("%s: cannot create: %s", path, strerror(errno));
        return cs_err_from_errno(errno);
    }
    if ((rc = write_all(fd, text, len, path)) != 0) {
        close(fd);
        return rc;
    }
    return sync_close(fd, path);
}

static int
dir(site_t *s, const char *rel)
{
    char path[PATH_MAX];
    int rc;
    if ((rc = site_path(s, path, rel)) != 0)
        return rc;
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        cs_diag_set("%s: cannot make the folder: %s", path, strerror(errno));
        return cs_err_from_errno(errno);
    }
    return 0;
}

/* Copies object sha from the store to rel, hashing it on the way: bytes that are not the
 * object's are never written into the site. */
static int
copy_object(site_t *s, const char *sha, const char *rel)
{
    char path[PATH_MAX], hex[65];
    unsigned char md[32];
    static char buf[256 * 1024];
    int in = -1, out = -1, rc;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rc = CS_ECRYPTO;
        goto out;
    }
    if ((rc = site_path(s, path, rel)) != 0 ||
        (rc = cs_store_open_object(s->cli->store, sha, &in)) != 0)
        goto out;
    if ((out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
        cs_diag_set("%s: cannot create: %s", path, strerror(errno));
        rc = cs_err_from_errno(errno);
        goto out;
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cs_diag_set("object %s: cannot read: %s", sha, strerror(errno));
            rc = cs_err_from_errno(errno);
            goto out;
        }
        if (n == 0)
            break;
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
            rc = CS_ECRYPTO;
            goto out;
        }
        if ((rc = write_all(out, buf, (size_t)n, path)) != 0)
            goto out;
    }
    if (EVP_DigestFinal_ex(ctx, md, NULL) != 1) {
        rc = CS_ECRYPTO;
        goto out;
    }
    cs_hex(md, sizeof md, hex);
    if (strcmp(hex, sha) != 0) {
        cs_diag_set("object %s reads as %s: the store is damaged (custody verify); nothing "
                    "was published",
                    sha, hex);
        rc = CS_EMISMATCH;
        goto out;
    }
    rc = sync_close(out, path);
    out = -1;
out:
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    EVP_MD_CTX_free(ctx);
    return rc;
}

static int
write_page(site_t *s, json_t *snap, int64_t id, json_t *pub)
{
    json_t *files = json_object_get(pub, "files");
    char rel[96], *html = NULL;
    size_t len = 0, i;
    int status = 0, rc;
    json_t *f;
    snprintf(rel, sizeof rel, "p/%lld", (long long)id); /* fits */
    if ((rc = dir(s, rel)) != 0 || (rc = cs_pubsite_page(snap, id, &status, &html, &len)) != 0)
        goto out;
    snprintf(rel, sizeof rel, "p/%lld/index.html", (long long)id); /* fits */
    if ((rc = put(s, rel, html, len)) != 0)
        goto out;
    s->pages++;
    if (status == 410) {
        snprintf(rel, sizeof rel, "gone/%lld.html", (long long)id); /* fits */
        if ((rc = put(s, rel, html, len)) != 0)
            goto out;
        cs_buf_printf(
            &s->gone,
            "location ~ ^/p/%lld(/.*)?$ { error_page 410 /gone/%lld.html; return 410; }\n",
            (long long)id, (long long)id);
        s->withdrawn++;
        goto out;
    }
    json_array_foreach(json_object_get(pub, "withheld"), i, f)
        fprintf(stderr,
                "custody publish site: publication %lld: public copy %s is withheld (no longer "
                "approved, its item is classified state_secret, or its bytes are an item's "
                "original): publish a correction\n",
                (long long)id, json_string_value(f));
    json_array_foreach(files, i, f)
    {
        char sha[65];
        const char *type = NULL;
        uint64_t size = 0;
        const char *want = json_string_value(json_object_get(f, "sha256"));
        /* What the renderer says may be served, and only that. */
        if (want == NULL || cs_pubsite_file(snap, id, want, sha, &type, &size) != 0)
            continue;
        snprintf(rel, sizeof rel, "p/%lld/%s.%s", (long long)id, sha,
                 cs_pubsite_ext(type)); /* fits: 96 > 3 + 19 + 1 + 64 + 1 + 4 */
        struct stat st;
        char path[PATH_MAX];
        if ((rc = site_path(s, path, rel)) != 0)
            goto out;
        if (lstat(path, &st) == 0)
            continue; /* the same copy twice in one version */
        if ((rc = copy_object(s, sha, rel)) != 0)
            goto out;
        if (json_array_append_new(s->copies, json_string(sha)) != 0) {
            rc = CS_ENOMEM;
            goto out;
        }
        s->files++;
    }
out:
    free(html);
    return rc;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}

static void
remove_tree(const char *path)
{
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
build(site_t *s, json_t *snap)
{
    char csp[CS_PUBSITE_CSP_MAX], headers[1024], *html = NULL;
    size_t len = 0, i;
    json_t *p;
    int rc;
    cs_buf_init(&s->gone, s->gone_text, sizeof s->gone_text);
    cs_buf_add_str(&s->gone, "# Custody's public page: withdrawn publications answer 410 Gone "
                             "with their page (nginx; include it in the site's server block).\n"
                             "location ^~ /gone/ { internal; }\n");
    if ((rc = put(s, SITE_MARK, "custody publish site\n", 21)) != 0 || (rc = dir(s, "p")) != 0 ||
        (rc = dir(s, "gone")) != 0 || (rc = cs_pubsite_index(snap, &html, &len)) != 0 ||
        (rc = put(s, "index.html", html, len)) != 0)
        goto out;
    json_array_foreach(json_object_get(snap, "publications"), i, p)
    {
        if ((rc = write_page(s, snap, json_integer_value(json_object_get(p, "id")), p)) != 0)
            goto out;
    }
    if ((rc = cs_buf_done(&s->gone)) != 0) {
        cs_diag_set("gone.conf: too many withdrawn publications for one file");
        goto out;
    }
    cs_pubsite_csp(csp);
    if ((rc = cs_snprintf(headers, sizeof headers,
                          "# Custody's public page: the headers of every answer (nginx).\n"
                          "add_header Content-Security-Policy \"%s\" always;\n"
                          "add_header X-Content-Type-Options nosniff always;\n"
                          "add_header Referrer-Policy no-referrer always;\n"
                          "add_header X-Frame-Options DENY always;\n"
                          "add_header Cache-Control no-cache always;\n",
                          csp)) != 0 ||
        (rc = put(s, "gone.conf", s->gone_text, s->gone.len)) != 0 ||
        (rc = put(s, "headers.conf", headers, strlen(headers))) != 0)
        goto out;
out:
    free(html);
    return rc;
}

/* 1 when DIR may be replaced: a site written before (its mark), or an empty folder. */
static int
replaceable(const char *out)
{
    char mark[PATH_MAX];
    struct stat st;
    struct dirent *e;
    int empty = 1;
    if (cs_snprintf(mark, sizeof mark, "%s/%s", out, SITE_MARK) == 0 && lstat(mark, &st) == 0)
        return 1;
    DIR *d = opendir(out);
    if (d == NULL)
        return 0;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

static int
fsync_parent(const char *path)
{
    char parent[PATH_MAX];
    if (cs_snprintf(parent, sizeof parent, "%s", path) != 0)
        return 0;
    char *slash = strrchr(parent, '/');
    if (slash == parent)
        slash[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    else
        snprintf(parent, sizeof parent, "."); /* fits */
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return 0;
}

int
cs_cmd_publish_site(int argc, char **argv)
{
    static const struct option opts[] = {
        CS_CLI_COMMON_OPTIONS, {"out", required_argument, NULL, 'o'}, {0, 0, 0, 0}};
    cs_cli_t cli;
    site_t *s = NULL;
    const char *outarg = NULL;
    char out[PATH_MAX];
    json_t *snap = NULL;
    struct stat st;
    int rc, made = 0;
    cs_cli_init(&cli, "publish site", site_usage);
    if ((rc = cs_cli_parse(&cli, argc, argv, opts, on_option, &outarg)) != 0)
        return rc;
    if (optind != argc || outarg == NULL || outarg[0] == '\0') {
        rc = cs_cli_usage_error(&cli, "give --out DIR and nothing else");
        goto done;
    }
    size_t n = strlen(outarg);
    while (n > 1 && outarg[n - 1] == '/')
        n--;
    if ((s = calloc(1, sizeof *s)) == NULL) {
        rc = cs_cli_fail(&cli, CS_ENOMEM);
        goto done;
    }
    s->cli = &cli;
    if ((s->copies = json_array()) == NULL) {
        rc = cs_cli_fail(&cli, CS_ENOMEM);
        goto done;
    }
    if (cs_snprintf(out, sizeof out, "%.*s", (int)n, outarg) != 0 ||
        cs_snprintf(s->tmp, sizeof s->tmp, "%s.tmp-%ld", out, (long)getpid()) != 0) {
        rc = cs_cli_usage_error(&cli, "--out %s: path too long", outarg);
        goto done;
    }
    if (lstat(out, &st) == 0 && (!S_ISDIR(st.st_mode) || !replaceable(out))) {
        rc = cs_cli_usage_error(&cli,
                                "--out %s is not a site written by `custody publish site` (no "
                                "%s in it) nor an empty folder: give another",
                                out, SITE_MARK);
        goto done;
    }
    if ((rc = cs_cli_open(&cli)) != 0 || (rc = cs_catalog_public_site(cli.cat, &snap)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto done;
    }
    if (mkdir(s->tmp, 0755) != 0) {
        cs_diag_set("%s: cannot make the folder: %s", s->tmp, strerror(errno));
        rc = cs_cli_fail(&cli, cs_err_from_errno(errno));
        goto done;
    }
    made = 1;
    if ((rc = build(s, snap)) != 0) {
        rc = cs_cli_fail(&cli, rc);
        goto done;
    }
    /* Into place in one step: a new name, or an exchange with the old site. */
    if (lstat(out, &st) != 0) {
        if (rename(s->tmp, out) != 0) {
            cs_diag_set("cannot rename %s to %s: %s", s->tmp, out, strerror(errno));
            rc = cs_cli_fail(&cli, cs_err_from_errno(errno));
            goto done;
        }
        made = 0;
    } else if (renameat2(AT_FDCWD, s->tmp, AT_FDCWD, out, RENAME_EXCHANGE) != 0) {
        cs_diag_set("cannot swap %s into %s: %s", s->tmp, out, strerror(errno));
        rc = cs_cli_fail(&cli, cs_err_from_errno(errno));
        goto done;
    }
    fsync_parent(out);
    printf("site written to %s: %ld page%s, %ld public cop%s, %ld withdrawn (gone.conf)\n", out,
           s->pages, s->pages == 1 ? "" : "s", s->files, s->files == 1 ? "y" : "ies", s->withdrawn);
    /* What went out, on record: the site is in place, so the entry says what it holds. */
    rc = cs_catalog_public_entry(cli.cat, "publish.site", cli.actor,
                                 json_pack("{s:s, s:i, s:O, s:i, s:s}", "out", out, "pages",
                                           (int)s->pages, "copies", s->copies, "withdrawn",
                                           (int)s->withdrawn, "result", "allowed"));
    if (rc != 0) {
        fprintf(stderr, "custody publish site: the site is written but not on record: %s\n",
                cs_diag());
        rc = cs_cli_fail(&cli, rc);
    }
done:
    if (made)
        remove_tree(s->tmp); /* the half-made site, or the old one swapped out */
    json_decref(snap);
    if (s != NULL)
        json_decref(s->copies);
    free(s);
    cs_cli_close(&cli);
    return rc;
}
