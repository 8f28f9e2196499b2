/* tests/fault/faultshim_parse.c: the rule language of the fault layer (faultshim.c): which
 * calls, which errno, after how many, how many times, on which path, for which program. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "faultshim_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned ops;
} fs_ops[] = {
    {"write", FS_WRITE},
    {"fsync", FS_FSYNC},
    {"fdatasync", FS_FDATASYNC},
    {"syncfs", FS_SYNCFS},
    {"sync", FS_FSYNC | FS_FDATASYNC | FS_SYNCFS | FS_RANGE},
    {"rename", FS_RENAME},
    {"link", FS_LINK},
    {"open", FS_OPEN},
    {"openw", FS_OPENW},
    {"ftruncate", FS_FTRUNCATE},
    {"fallocate", FS_FALLOCATE},
    {"mkdir", FS_MKDIR},
};

static const struct {
    const char *name;
    int value;
} fs_errnos[] = {
    {"ENOSPC", ENOSPC}, {"EIO", EIO},       {"EINTR", EINTR}, {"EDQUOT", EDQUOT},
    {"EROFS", EROFS},   {"EACCES", EACCES}, {"EPERM", EPERM}, {"KILL", FS_KILL},
};

/* Copies a field's value (up to ',' or ';' or the end) into out; returns the text after it. */
static const char *
fs_value(const char *p, char *out, size_t size)
{
    size_t n = strcspn(p, ",;");
    if (n >= size)
        n = size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return p + strcspn(p, ",;");
}

static unsigned
fs_parse_ops(const char *v)
{
    unsigned ops = 0;
    while (*v) {
        size_t n = strcspn(v, "|");
        for (size_t i = 0; i < sizeof fs_ops / sizeof fs_ops[0]; i++)
            if (strlen(fs_ops[i].name) == n && strncmp(fs_ops[i].name, v, n) == 0)
                ops |= fs_ops[i].ops;
        v += n + (v[n] == '|');
    }
    return ops;
}

static int
fs_parse_errno(const char *v)
{
    for (size_t i = 0; i < sizeof fs_errnos / sizeof fs_errnos[0]; i++)
        if (strcmp(fs_errnos[i].name, v) == 0)
            return fs_errnos[i].value;
    int e = atoi(v);
    return e > 0 ? e : EIO;
}

void
fs_parse(const char *spec, fs_rule_t *rules, int *nrules)
{
    char v[FS_PATH];
    while (spec != NULL && *spec && *nrules < FS_MAX_RULES) {
        fs_rule_t *r = &rules[*nrules];
        memset(r, 0, sizeof *r);
        r->err = EIO;
        r->count = 1;
        r->bytes = -1;
        while (*spec && *spec != ';') {
            const char *eq = strchr(spec, '=');
            if (eq == NULL)
                break;
            size_t klen = (size_t)(eq - spec);
            spec = fs_value(eq + 1, v, sizeof v);
#define FS_KEY(k) (klen == sizeof(k) - 1 && strncmp(eq - klen, k, klen) == 0)
            if (FS_KEY("op"))
                r->ops = fs_parse_ops(v);
            else if (FS_KEY("errno"))
                r->err = fs_parse_errno(v);
            else if (FS_KEY("after"))
                r->after = atol(v);
            else if (FS_KEY("count"))
                r->count = atol(v);
            else if (FS_KEY("bytes"))
                r->bytes = atoll(v);
            else if (FS_KEY("path"))
                snprintf(r->path, sizeof r->path, "%s", v);
            else if (FS_KEY("exe"))
                snprintf(r->exe, sizeof r->exe, "%.63s", v);
            else if (FS_KEY("while"))
                snprintf(r->when, sizeof r->when, "%s", v);
            else if (FS_KEY("stall"))
                snprintf(r->stall, sizeof r->stall, "%s", v);
#undef FS_KEY
            if (*spec == ',')
                spec++;
        }
        if (r->bytes >= 0)
            r->count = 0;
        if (r->ops != 0 &&
            (r->exe[0] == '\0' || strcmp(r->exe, program_invocation_short_name) == 0))
            (*nrules)++;
        spec = strchr(spec, ';');
        if (spec != NULL)
            spec++;
    }
}

const char *
fs_errno_name(int err)
{
    for (size_t i = 0; i < sizeof fs_errnos / sizeof fs_errnos[0]; i++)
        if (fs_errnos[i].value == err)
            return fs_errnos[i].name;
    return NULL;
}
