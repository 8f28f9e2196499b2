/* storage/s3_cred.c: the S3 credentials file, which the service user alone may read. */
#include "storage/s3.h"

#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CRED_MAX 8192

static char *
trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

int
cs_s3_credentials_read(const char *path, char *access_key, size_t access_cap, char *secret_key,
                       size_t secret_cap)
{
    char text[CRED_MAX + 1], *line, *save = NULL;
    struct stat st;
    ssize_t n;
    int err = 0, fd, lineno = 0, have_access = 0, have_secret = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        err = cs_err_from_errno(errno);
        cs_diag_set("%s: cannot open the S3 credentials: %s", path, cs_strerror(err));
        return err;
    }
    if (fstat(fd, &st) != 0) {
        err = cs_err_from_errno(errno);
        cs_diag_set("%s: cannot stat: %s", path, cs_strerror(err));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        cs_diag_set("%s: the S3 credentials must be a regular file", path);
        err = CS_ENOTREG;
        goto out;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        cs_diag_set("%s: the S3 credentials are open to group or others (mode %03o); "
                    "run chmod 600 %s",
                    path, (unsigned)(st.st_mode & 0777), path);
        err = CS_EACCES;
        goto out;
    }
    do
        n = read(fd, text, CRED_MAX + 1);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        err = cs_err_from_errno(errno);
        cs_diag_set("%s: cannot read: %s", path, cs_strerror(err));
        goto out;
    }
    if (n > CRED_MAX) {
        cs_diag_set("%s: longer than %d bytes, not an S3 credentials file", path, CRED_MAX);
        err = CS_ENAMETOOLONG;
        goto out;
    }
    text[n] = '\0';
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq, *name, *value;
        lineno++;
        line = trim(line);
        if (line[0] == '\0' || line[0] == '#')
            continue;
        eq = strchr(line, '=');
        if (eq == NULL) {
            cs_diag_set("%s:%d: expected `access_key = ...` or `secret_key = ...`", path, lineno);
            err = CS_ECONFIG;
            goto out;
        }
        *eq = '\0';
        name = trim(line);
        value = trim(eq + 1);
        if (strcmp(name, "access_key") == 0) {
            err = cs_snprintf(access_key, access_cap, "%s", value);
            have_access = 1;
        } else if (strcmp(name, "secret_key") == 0) {
            err = cs_snprintf(secret_key, secret_cap, "%s", value);
            have_secret = 1;
        } else {
            cs_diag_set("%s:%d: unknown name %s (access_key or secret_key)", path, lineno, name);
            err = CS_ECONFIG;
            goto out;
        }
        if (err < 0) {
            cs_diag_set("%s:%d: the value of %s is too long", path, lineno, name);
            goto out;
        }
        if (value[0] == '\0') {
            cs_diag_set("%s:%d: %s is empty", path, lineno, name);
            err = CS_ECONFIG;
            goto out;
        }
    }
    if (!have_access || !have_secret) {
        cs_diag_set("%s: %s is missing", path, have_access ? "secret_key" : "access_key");
        err = CS_ECONFIG;
    }
out:
    memset(text, 0, sizeof text);
    close(fd);
    return err;
}
