/* tests/fault/faultshim_int.h: what the two files of the fault layer share: the calls it
 * fails, one rule of FAULTS, and the parser of the rule language (faultshim_parse.c). */
#ifndef CS_TESTS_FAULTSHIM_INT_H
#define CS_TESTS_FAULTSHIM_INT_H

#include <stdatomic.h>
#include <stddef.h>

#define FS_MAX_RULES 16
#define FS_PATH 512
#define FS_KILL (-9) /* errno=KILL */

enum {
    FS_WRITE = 1 << 0,
    FS_FSYNC = 1 << 1,
    FS_FDATASYNC = 1 << 2,
    FS_SYNCFS = 1 << 3,
    FS_RANGE = 1 << 4,
    FS_RENAME = 1 << 5,
    FS_LINK = 1 << 6,
    FS_OPEN = 1 << 7,
    FS_OPENW = 1 << 8,
    FS_FTRUNCATE = 1 << 9,
    FS_FALLOCATE = 1 << 10,
    FS_MKDIR = 1 << 11,
};

typedef struct fs_rule {
    unsigned ops;
    int err;
    long after, count;
    long long bytes; /* -1: no budget */
    char path[FS_PATH];
    char exe[64];
    char when[FS_PATH];  /* while=FILE */
    char stall[FS_PATH]; /* stall=FILE */
    atomic_long seen;
    atomic_llong used;
} fs_rule_t;

/** Parses FAULTS (the rule language, faultshim.c) into rules[0..*n), at most FS_MAX_RULES;
 * a rule naming another program (exe=) is left out. */
void fs_parse(const char *spec, fs_rule_t *rules, int *n);

/** The name of errno value err as the rules write it ("ENOSPC", "KILL"), NULL if none. */
const char *fs_errno_name(int err);

#endif
