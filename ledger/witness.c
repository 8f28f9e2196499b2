/* ledger/witness.c: <home>/ledger.witness (witness.h), a small JSON object. */
#include "ledger/witness.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
witness_path(const cs_home_t *home, char *buf, size_t size, const char *suffix)
{
    if ((size_t)snprintf(buf, size, "%s/ledger.witness%s", home->root, suffix) >= size) {
        cs_diag_set("%s/ledger.witness: the path is too long", home->root);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_ledger_witness_read(const cs_home_t *home, cs_ledger_witness_t *w)
{
    char path[PATH_MAX];
    json_t *j = NULL;
    const char *root, *seen;
    int rc;

    memset(w, 0, sizeof *w);
    if ((rc = witness_path(home, path, sizeof path, "")) != 0)
        return rc;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return CS_ENOENT;
    j = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    root = json_string_value(json_object_get(j, "root"));
    seen = json_string_value(json_object_get(j, "seen_at"));
    json_int_t size = json_integer_value(json_object_get(j, "size"));
    rc = CS_ECORRUPT;
    if (!json_is_integer(json_object_get(j, "size")) || size < 0 || root == NULL ||
        strlen(root) != 64 || seen == NULL || strlen(seen) >= sizeof w->seen_at)
        goto out;
    for (int i = 0; i < 32; i++) {
        unsigned byte;
        if (sscanf(root + 2 * i, "%2x", &byte) != 1)
            goto out;
        w->root[i] = (uint8_t)byte;
    }
    w->size = (uint64_t)size;
    w->checkpoint = json_integer_value(json_object_get(j, "checkpoint"));
    memcpy(w->seen_at, seen, strlen(seen) + 1);
    rc = 0;
out:
    if (rc != 0)
        cs_diag_set("%s is not a ledger witness (size, root, seen_at): it was damaged; if you "
                    "know why, remove it and run `custody ledger verify` again",
                    path);
    json_decref(j);
    return rc;
}

int
cs_ledger_witness_write(const cs_home_t *home, const cs_ledger_witness_t *w)
{
    char path[PATH_MAX], tmp[PATH_MAX], hex[65], *text = NULL;
    json_t *j = NULL;
    int fd = -1, rc;

    if ((rc = witness_path(home, path, sizeof path, "")) != 0 ||
        (rc = witness_path(home, tmp, sizeof tmp, ".tmp")) != 0)
        return rc;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", w->root[i]); /* fits: 2 hex digits and a NUL */
    j = json_pack("{s:I, s:I, s:s, s:s}", "checkpoint", (json_int_t)w->checkpoint, "size",
                  (json_int_t)w->size, "root", hex, "seen_at", w->seen_at);
    if (j == NULL || (text = json_dumps(j, JSON_PRESERVE_ORDER)) == NULL) {
        rc = CS_ENOMEM;
        cs_diag_set("%s: out of memory", path);
        goto out;
    }
    size_t len = strlen(text);
    text[len++] = '\n'; /* json_dumps's NUL becomes the newline; written by length */
    errno = 0;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    int saved = errno ? errno : EIO;
    if ((fd >= 0 && close(fd) != 0 && ok) || !ok) {
        saved = ok ? (errno ? errno : EIO) : saved;
        rc = cs_err_from_errno(saved);
        cs_diag_set("%s: cannot write: %s", tmp, strerror(saved));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("%s: cannot rename to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if ((fd = open(home->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        fsync(fd); /* the rename itself is durable too */
        close(fd);
    }
out:
    free(text);
    json_decref(j);
    return rc;
}
