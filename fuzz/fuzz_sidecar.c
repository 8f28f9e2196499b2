/* fuzz/fuzz_sidecar.c: libFuzzer target for ingest/route.c and ingest/sidecar.c: a dropped
 * file's path under its upload root and the sidecar `<file>.json` beside it, as the service
 * routes them (cs_route_file, which reads the sidecar from disk).
 *
 * Input: the path relative to the root, a NUL (no file name holds one; newlines they may),
 * then the sidecar's bytes. The sidecar is written to a temporary folder under the file's own
 * name (or "clip.mp4.json" when that is no file name), so that names that are not UTF-8
 * reach the problem texts too.
 * What must hold besides not crashing (route.h): the result is 0, CS_ESIDECAR, CS_EINVAL or
 * CS_ENAMETOOLONG; a sidecar that cannot be read leaves has_sidecar 0 and a problem naming
 * it, one with bad fields is applied but for them and its problem names it too; every field
 * and problem is valid UTF-8 (cs_route_json never fails), and a routed case number parses
 * to itself and is one folder name (no '/', '\\', control or bidi formatting character). */
#include "core/casenum.h"
#include "core/error.h"
#include "fuzz/fuzz.h"
#include "ingest/route.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cs_casenum_rule_t *rule;
static char dir[PATH_MAX];

static void
cleanup(void)
{
    cs_casenum_rule_free(&rule);
    rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    (void)argc, (void)argv;
    if (cs_casenum_rule_new(&rule, NULL) != 0)
        abort();
    snprintf(dir, sizeof dir, "%s/custody-fuzz-sidecar-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm"
             : tmp && *tmp                 ? tmp
                                           : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    atexit(cleanup);
    return 0;
}

/* Writes the sidecar and returns its path in out. */
static void
write_sidecar(const char *rel, const uint8_t *data, size_t size, char *out, size_t cap)
{
    const char *base = strrchr(rel, '/');
    int fd;

    base = base ? base + 1 : rel;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
        strlen(base) + 5 > NAME_MAX)
        base = "clip.mp4";
    snprintf(out, cap, "%s/%s.json", dir, base);
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        abort();
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
    close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\0', size);
    size_t rel_len = nl ? (size_t)(nl - data) : size;
    char *rel = cs_fuzz_strndup(data, rel_len), path[PATH_MAX + 16];
    cs_route_t r;
    cs_casenum_t cn;
    json_t *j;
    int rc;

    write_sidecar(rel, nl ? nl + 1 : data + size, nl ? size - rel_len - 1 : 0, path, sizeof path);
    rc = cs_route_file(rule, rel, path, &r);
    unlink(path);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_ESIDECAR || rc == CS_EINVAL || rc == CS_ENAMETOOLONG, "rc %d",
                  rc);
    if (rc == CS_ESIDECAR) {
        CS_FUZZ_CHECK(r.has_sidecar == 0, "a bad sidecar was applied");
        CS_FUZZ_CHECK(strncmp(r.problem, "sidecar ", 8) == 0, "problem \"%s\"", r.problem);
    }
    /* A sidecar read with bad fields is applied in part, and names itself and them. */
    CS_FUZZ_CHECK(r.sidecar_faults == 0 ||
                      (rc == 0 && r.has_sidecar == 1 && strncmp(r.problem, "sidecar ", 8) == 0),
                  "%d bad fields, rc %d, problem \"%s\"", r.sidecar_faults, rc, r.problem);
    CS_FUZZ_CHECK(rc != 0 || r.case_number[0] != '\0' || r.problem[0] != '\0',
                  "unassigned without a reason");
    if (r.case_number[0] != '\0') {
        CS_FUZZ_CHECK(cs_casenum_parse(rule, r.case_number, &cn) == 0 &&
                          strcmp(cn.text, r.case_number) == 0,
                      "routed case %s is not a normalised case number", r.case_number);
        CS_FUZZ_CHECK(strpbrk(r.case_number, "/\\") == NULL && strcmp(r.case_number, "..") != 0,
                      "routed case %s is not one folder name", r.case_number);
    }
    j = cs_route_json(&r);
    CS_FUZZ_CHECK(j != NULL, "a field or the problem is not UTF-8: problem \"%s\"", r.problem);
    json_decref(j);
    free(rel);
    return 0;
}
