/* tests/storage/test_store.c: the object store, on real files, folders and mounts. */
#include "storage/store.h"
#include "storage/store_internal.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB ((size_t)1 << 20)

static char *tmp;
static char root[4096];
static cs_store_t *st;

static void
setup(void)
{
    umask(022);
    tmp = cs_test_tmpdir();
    snprintf(root, sizeof root, "%s/store", tmp);
    ck_assert_int_eq(cs_store_open(&st, root, 1, NULL), 0);
}

static void
teardown(void)
{
    cs_store_close(&st);
    cs_test_rmrf(tmp);
    free(tmp);
}

/* Returns "<tmp>/<fmt...>" in one of a few rotating buffers, enough for one assertion. */
static const char *
at(const char *fmt, ...)
{
    static char bufs[8][4096];
    static int next;
    char *b = bufs[next++ % 8];
    char name[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    snprintf(b, 4096, "%s/%s", tmp, name);
    return b;
}

static void
hex_of(const unsigned char *md, char out[CS_SHA256_HEX])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* SHA-256 of a file, streamed as the test's own reference. */
static void
sha256_file(const char *path, char out[CS_SHA256_HEX])
{
    unsigned char md[32];
    char *buf = malloc(MIB);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int fd = open(path, O_RDONLY);
    ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
    ck_assert(buf != NULL && ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1);
    ssize_t n;
    while ((n = read(fd, buf, MIB)) > 0)
        ck_assert(EVP_DigestUpdate(ctx, buf, (size_t)n) == 1);
    ck_assert(n == 0);
    ck_assert(EVP_DigestFinal_ex(ctx, md, NULL) == 1);
    hex_of(md, out);
    close(fd);
    EVP_MD_CTX_free(ctx);
    free(buf);
}

static void
assert_same_bytes(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *da = cs_test_read(a, &la), *db = cs_test_read(b, &lb);
    ck_assert_ptr_nonnull(da);
    ck_assert_ptr_nonnull(db);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(da, db, la) == 0);
    free(da);
    free(db);
}

/* Nothing new in objects/ and no temp left behind. */
static void
assert_store_clean(void)
{
    ck_assert_int_eq(cs_test_count_files(at("store/objects")), 0);
    ck_assert_int_eq(cs_test_count_files(at("store/tmp")), 0);
}

/* The fixture store's path for an object, in a static buffer. */
static const char *
object_path(const char *sha256)
{
    static char path[4200];
    ck_assert_int_eq(cs_store_path(st, sha256, path, sizeof path), 0);
    return path;
}

static const struct {
    const char *data;
    size_t repeat;
    const char *sha256; /* from `openssl dgst -sha256` */
} vectors[] = {
    {"abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

/* Each vector through the default store and through one with a 4 KiB buffer (many chunks). */
START_TEST(test_put_known_vectors)
{
    size_t unit = strlen(vectors[_i].data), len = unit * vectors[_i].repeat;
    char *data = malloc(len);
    for (size_t k = 0; k < vectors[_i].repeat; k++)
        memcpy(data + k * unit, vectors[_i].data, unit);
    const char *src = at("src");
    cs_test_write(src, data, len);
    struct stat before, after, obj;
    ck_assert_int_eq(stat(src, &before), 0);

    cs_store_t *small = NULL;
    cs_store_opts_t opts = {.buffer_size = 4096};
    ck_assert_int_eq(cs_store_open(&small, at("small"), 1, &opts), 0);
    cs_store_t *stores[] = {st, small};
    for (int k = 0; k < 2; k++) {
        cs_put_result_t res;
        ck_assert_int_eq(cs_store_put_file(stores[k], src, &res), 0);
        ck_assert_str_eq(res.sha256, vectors[_i].sha256);
        ck_assert_uint_eq(res.size, len);
        ck_assert_int_eq(res.created, 1);
        ck_assert_uint_eq(res.head_len, len < 512 ? len : 512);
        ck_assert(memcmp(res.head, data, res.head_len) == 0);
        ck_assert(res.mtime_ns ==
                  (int64_t)before.st_mtim.tv_sec * 1000000000 + before.st_mtim.tv_nsec);

        char path[4200];
        const char *h = vectors[_i].sha256;
        ck_assert_int_eq(cs_store_path(stores[k], h, path, sizeof path), 0);
        ck_assert_str_eq(path,
                         at("%s/objects/sha256/%.2s/%.2s/%s", k ? "small" : "store", h, h + 2, h));
        ck_assert_int_eq(lstat(path, &obj), 0);
        ck_assert(S_ISREG(obj.st_mode));
        ck_assert_int_eq(obj.st_mode & 07777, 0444);
        assert_same_bytes(path, src);
    }
    /* The source is untouched: same bytes, same mtime, and never hard-linked into the store. */
    ck_assert_int_eq(stat(src, &after), 0);
    ck_assert(after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
              after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    ck_assert_int_eq(after.st_nlink, 1);
    ck_assert_int_eq(after.st_mode & 07777, 0644);
    size_t got = 0;
    char *now = cs_test_read(src, &got);
    ck_assert(got == len && memcmp(now, data, len) == 0);
    ck_assert_int_eq(cs_test_count_files(at("store/tmp")), 0);
    free(now);
    free(data);
    cs_store_close(&small);
}
END_TEST

START_TEST(test_put_same_content_is_one_object)
{
    cs_put_result_t a, b, c;
    cs_test_write_random(at("one"), 3 * MIB + 17, 7);
    cs_test_write_random(at("two"), 3 * MIB + 17, 7);
    ck_assert_int_eq(cs_store_put_file(st, at("one"), &a), 0);
    ck_assert_int_eq(cs_store_put_file(st, at("two"), &b), 0);
    ck_assert_int_eq(cs_store_put_file(st, at("one"), &c), 0);
    ck_assert_int_eq(a.created, 1);
    ck_assert_int_eq(b.created, 0);
    ck_assert_int_eq(c.created, 0);
    ck_assert_str_eq(a.sha256, b.sha256);
    ck_assert_str_eq(a.sha256, c.sha256);
    /* A symlink is followed: its target's content, already stored. */
    ck_assert_int_eq(symlink(at("one"), at("link")), 0);
    ck_assert_int_eq(cs_store_put_file(st, at("link"), &c), 0);
    ck_assert_str_eq(c.sha256, a.sha256);
    ck_assert_int_eq(c.created, 0);
    ck_assert_int_eq(cs_test_count_files(at("store/objects")), 1);
    ck_assert_int_eq(cs_test_count_files(at("store/tmp")), 0);
}
END_TEST

enum source_kind { EMPTY, MISSING, FOLDER, FIFO, DANGLING_LINK, LINK_TO_FOLDER };

static const struct {
    const char *what;
    enum source_kind kind;
    int err;
} rejects[] = {
    {"empty file", EMPTY, CS_EEMPTY},
    {"missing file", MISSING, CS_ENOENT},
    {"folder", FOLDER, CS_EISDIR},
    {"fifo (must not hang)", FIFO, CS_ENOTREG},
    {"dangling symlink", DANGLING_LINK, CS_ENOENT},
    {"symlink to a folder", LINK_TO_FOLDER, CS_EISDIR},
};

START_TEST(test_put_rejects)
{
    cs_put_result_t res;
    const char *src = at("source");
    switch (rejects[_i].kind) {
    case EMPTY:
        cs_test_write(src, "", 0);
        break;
    case MISSING:
        break;
    case FOLDER:
        ck_assert_int_eq(mkdir(src, 0755), 0);
        break;
    case FIFO:
        ck_assert_int_eq(mkfifo(src, 0644), 0);
        break;
    case DANGLING_LINK:
        ck_assert_int_eq(symlink("no-such-target", src), 0);
        break;
    case LINK_TO_FOLDER:
        ck_assert_int_eq(symlink(tmp, src), 0);
        break;
    }
    int rc = cs_store_put_file(st, src, &res);
    ck_assert_msg(rc == rejects[_i].err, "%s: got %s, want %s", rejects[_i].what, cs_errname(rc),
                  cs_errname(rejects[_i].err));
    ck_assert_msg(strstr(cs_diag(), src) != NULL, "%s: detail '%s' does not name the file",
                  rejects[_i].what, cs_diag());
    assert_store_clean();
}
END_TEST

START_TEST(test_put_unreadable)
{
    /* Root reads a mode-000 file anyway (CAP_DAC_OVERRIDE): as root there is nothing to refuse,
     * and a folder we cannot enter is just as open to it. */
    if (geteuid() == 0) {
        printf("skip test_put_unreadable: running as root, which can read a mode-000 file\n");
        return;
    }
    cs_put_result_t res;
    cs_test_write(at("secret"), "x", 1);
    ck_assert_int_eq(chmod(at("secret"), 0), 0);
    ck_assert_int_eq(cs_store_put_file(st, at("secret"), &res), CS_EACCES);
    assert_store_clean();
}
END_TEST

/* Zero runs become holes in the object; the bytes read back and the hash are unchanged. */
START_TEST(test_put_zero_runs)
{
    size_t len = 100 * 1024 + 3 * MIB + 10 * 1024 + 2 * MIB;
    unsigned char *data = calloc(1, len);
    for (size_t k = 0; k < 100 * 1024; k++)
        data[k] = (unsigned char)(k * 7 + 1);
    for (size_t k = 100 * 1024 + 3 * MIB; k < 110 * 1024 + 3 * MIB; k++)
        data[k] = (unsigned char)(k * 13 + 5);
    cs_test_write(at("zeros"), data, len);
    char want[CS_SHA256_HEX];
    struct stat obj;
    sha256_file(at("zeros"), want);

    cs_put_result_t res;
    ck_assert_int_eq(cs_store_put_file(st, at("zeros"), &res), 0);
    ck_assert_str_eq(res.sha256, want);
    assert_same_bytes(object_path(res.sha256), at("zeros"));
    ck_assert_int_eq(stat(object_path(res.sha256), &obj), 0);
    ck_assert_int_eq(obj.st_size, (off_t)len);
    ck_assert_msg((size_t)obj.st_blocks * 512 < len - 4 * MIB, "object not sparse: %lld blocks",
                  (long long)obj.st_blocks);
    free(data);
}
END_TEST

/* 40 MiB, several writeback windows, through an O_TMPFILE (_i 0) and through the named temp
 * and rename that filesystems without O_TMPFILE get (_i 1): the same object either way. */
START_TEST(test_put_large_both_temps)
{
    cs_put_result_t a, b;
    char want[CS_SHA256_HEX], got[CS_SHA256_HEX];
    st->tmpfile_ok = _i == 0;
    cs_test_write_random(at("big"), 40 * MIB + 123, 11);
    sha256_file(at("big"), want);
    ck_assert_int_eq(cs_store_put_file(st, at("big"), &a), 0);
    ck_assert_str_eq(a.sha256, want);
    ck_assert_uint_eq(a.size, 40 * MIB + 123);
    ck_assert_int_eq(a.created, 1);
    sha256_file(object_path(a.sha256), got);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(cs_test_count_files(at("store/tmp")), 0);
    ck_assert_int_eq(cs_store_put_file(st, at("big"), &b), 0);
    ck_assert_int_eq(b.created, 0);
    ck_assert_int_eq(cs_test_count_files(at("store/tmp")), 0);
    ck_assert_int_eq(cs_test_count_files(at("store/objects")), 1);
    cs_test_write(at("empty"), "", 0);
    ck_assert_int_eq(cs_store_put_file(st, at("empty"), &b), CS_EEMPTY);
    ck_assert_int_eq(cs_test_count_files(at("store/tmp")), 0);
}
END_TEST

START_TEST(test_verify)
{
    cs_put_result_t res;
    char actual[CS_SHA256_HEX], flipped[CS_SHA256_HEX];
    cs_test_write_random(at("v"), 2 * MIB + 5, 9);
    ck_assert_int_eq(cs_store_put_file(st, at("v"), &res), 0);
    ck_assert_int_eq(cs_store_verify(st, res.sha256, actual), 0);
    ck_assert_str_eq(actual, res.sha256);

    const char *path = object_path(res.sha256);
    ck_assert_int_eq(chmod(path, 0644), 0);
    int fd = open(path, O_RDWR);
    unsigned char byte;
    ck_assert_int_eq(pread(fd, &byte, 1, MIB), 1);
    byte ^= 0x01;
    ck_assert_int_eq(pwrite(fd, &byte, 1, MIB), 1);
    close(fd);
    sha256_file(path, flipped);
    ck_assert_int_eq(cs_store_verify(st, res.sha256, actual), CS_EMISMATCH);
    ck_assert_str_eq(actual, flipped);
    ck_assert_int_eq(cs_store_verify(st, res.sha256, NULL), CS_EMISMATCH);
    ck_assert_ptr_nonnull(strstr(cs_diag(), res.sha256));

    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(cs_store_verify(st, res.sha256, actual), CS_ENOTFOUND);
    ck_assert_int_eq(cs_store_verify(st, "not-a-hash", actual), CS_EINVAL);
}
END_TEST

static const char good[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static const struct {
    const char *hash;
    size_t buflen;
    int err;
} paths[] = {
    {good, 4200, 0},
    {good, 40, CS_ENAMETOOLONG},
    {"", 4200, CS_EINVAL},
    {"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", 4200, CS_EINVAL},
    {"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", 4200, CS_EINVAL},
    {"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0", 4200, CS_EINVAL},
    {"ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 4200, CS_EINVAL},
    {"../../../../etc/passwd", 4200, CS_EINVAL},
};

START_TEST(test_path_validation)
{
    char buf[4200];
    ck_assert_int_eq(cs_store_path(st, paths[_i].hash, buf, paths[_i].buflen), paths[_i].err);
    ck_assert_int_eq(cs_sha256_hex_valid(paths[_i].hash), paths[_i].err != CS_EINVAL);
    if (paths[_i].err == 0)
        ck_assert_str_eq(buf, at("store/objects/sha256/ba/78/%s", good));
}
END_TEST

START_TEST(test_open_object_and_stat)
{
    cs_put_result_t res;
    uint64_t size = 0;
    char buf[64] = {0};
    int fd = -1;
    cs_test_write(at("h"), "hello custody", 13);
    ck_assert_int_eq(cs_store_put_file(st, at("h"), &res), 0);
    ck_assert_int_eq(cs_store_open_object(st, res.sha256, &fd), 0);
    ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
    ck_assert_int_eq(read(fd, buf, sizeof buf), 13);
    ck_assert_str_eq(buf, "hello custody");
    close(fd);
    ck_assert_int_eq(cs_store_stat(st, res.sha256, &size), 0);
    ck_assert_uint_eq(size, 13);
    ck_assert_int_eq(cs_store_open_object(st, good, &fd), CS_ENOTFOUND);
    ck_assert_int_eq(cs_store_stat(st, good, &size), CS_ENOTFOUND);
    ck_assert_int_eq(cs_store_open_object(st, "xyz", &fd), CS_EINVAL);
}
END_TEST

START_TEST(test_open_store)
{
    cs_store_t *s = NULL;
    struct stat sb;
    cs_store_opts_t tiny = {.buffer_size = 16};
    ck_assert_int_eq(cs_store_open(&s, at("absent"), 0, NULL), CS_ENOENT);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(cs_diag(), at("absent")));
    ck_assert_int_eq(cs_store_open(&s, at("new/"), 1, NULL), 0);
    cs_store_close(&s);
    ck_assert_ptr_null(s);
    cs_store_close(&s);
    const char *dirs[] = {"new", "new/objects", "new/objects/sha256", "new/tmp"};
    for (size_t k = 0; k < sizeof dirs / sizeof dirs[0]; k++) {
        ck_assert_int_eq(stat(at("%s", dirs[k]), &sb), 0);
        ck_assert_msg((sb.st_mode & 07777) == 0750, "%s: mode %o", dirs[k], sb.st_mode & 07777);
    }
    ck_assert_int_eq(cs_store_open(&s, at("new"), 0, NULL), 0);
    cs_store_close(&s);
    cs_test_write(at("file"), "x", 1);
    ck_assert_int_eq(cs_store_open(&s, at("file"), 1, NULL), CS_ENOTDIR);
    ck_assert_int_eq(mkdir(at("bare"), 0755), 0);
    ck_assert_int_eq(cs_store_open(&s, at("bare"), 0, NULL), CS_ENOENT);
    ck_assert_int_eq(cs_store_open(&s, at("new"), 0, &tiny), CS_EINVAL);
    ck_assert_ptr_null(s);
}
END_TEST

/* A writer appends while put reads a 64 MiB file: nothing may be stored, and no temp left
 * behind, O_TMPFILE (_i 0) or named (_i 1). */
START_TEST(test_put_changed_while_storing)
{
    cs_put_result_t res;
    int ready[2];
    st->tmpfile_ok = _i == 0;
    const char *src = at("growing");
    cs_test_write_random(src, 64 * MIB, 21);
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char chunk[4096];
        memset(chunk, 'x', sizeof chunk);
        int fd = open(src, O_WRONLY | O_APPEND);
        for (int first = 1;; first = 0) {
            if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk)
                _exit(1);
            if (first && write(ready[1], "r", 1) != 1)
                _exit(1);
            usleep(500);
        }
    }
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    int rc = cs_store_put_file(st, src, &res);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ck_assert_msg(rc == CS_ECHANGED, "got %s", cs_errname(rc));
    ck_assert_ptr_nonnull(strstr(cs_diag(), "changed while it was being stored (size "));
    ck_assert_ptr_nonnull(strstr(cs_diag(), src));
    assert_store_clean();
}
END_TEST

/* 4.5 GiB, almost all holes: right hash, stays sparse, and put's memory does not grow. */
START_TEST(test_put_sparse_over_4g)
{
    const off_t size = ((off_t)9 << 29) + 3;
    const struct {
        off_t off;
        const char *text;
    } marks[] = {{0, "begin"}, {((off_t)1 << 31) + 7, "middle"}, {size - 3, "end"}};
    const char *src = at("sparse");
    int fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, size), 0);
    for (size_t k = 0; k < 3; k++) {
        ssize_t len = (ssize_t)strlen(marks[k].text);
        ck_assert_int_eq(pwrite(fd, marks[k].text, (size_t)len, marks[k].off), len);
    }
    close(fd);

    struct rusage before, after;
    cs_put_result_t res;
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &before), 0);
    ck_assert_int_eq(cs_store_put_file(st, src, &res), 0);
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &after), 0);
    ck_assert_msg(after.ru_maxrss - before.ru_maxrss < 64 * 1024, "maxrss grew by %ld KiB",
                  after.ru_maxrss - before.ru_maxrss);

    char want[CS_SHA256_HEX];
    struct stat obj;
    sha256_file(src, want);
    ck_assert_str_eq(res.sha256, want);
    ck_assert_uint_eq(res.size, (uint64_t)size);
    const char *path = object_path(res.sha256);
    ck_assert_int_eq(stat(path, &obj), 0);
    ck_assert_int_eq(obj.st_size, size);
    ck_assert_msg(obj.st_blocks * 512 < (blkcnt_t)MIB, "object uses %lld blocks",
                  (long long)obj.st_blocks);
    fd = open(path, O_RDONLY);
    char got[8] = {0};
    ck_assert_int_eq(pread(fd, got, 6, marks[1].off), 6);
    ck_assert_str_eq(got, "middle");
    close(fd);
}
END_TEST

/* A 1 MiB tmpfs as the store: a 4 MiB put fails with CS_ENOSPC and leaves nothing, with an
 * O_TMPFILE (_i 0) or a named temp (_i 1). */
START_TEST(test_put_disk_full)
{
    const char *mnt = at("mnt");
    ck_assert_int_eq(mkdir(mnt, 0755), 0);
    /* In a mount namespace of this test process's own, the tmpfs goes away with it even if
     * the test dies before unmounting, and no one else ever sees it. */
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0) {
        printf("skip test_put_disk_full: cannot mount a tmpfs (%s); needs CAP_SYS_ADMIN\n",
               strerror(errno));
        return;
    }
    cs_store_t *s = NULL;
    cs_put_result_t res;
    char store[4200], diag[1024];
    snprintf(store, sizeof store, "%s/store", mnt);
    cs_test_write_random(at("four"), 4 * MIB, 4);
    int open_rc = cs_store_open(&s, store, 1, NULL), rc = open_rc;
    if (open_rc == 0) {
        s->tmpfile_ok = _i == 0;
        rc = cs_store_put_file(s, at("four"), &res);
    }
    snprintf(diag, sizeof diag, "%s", cs_diag());
    long objects = cs_test_count_files(at("mnt/store/objects")),
         temps = cs_test_count_files(at("mnt/store/tmp"));
    cs_store_close(&s);
    /* Unmount before asserting: a failed assertion ends this process. */
    ck_assert_int_eq(umount2(mnt, MNT_DETACH), 0);
    ck_assert_int_eq(open_rc, 0);
    ck_assert_msg(rc == CS_ENOSPC, "got %s: %s", cs_errname(rc), diag);
    ck_assert_msg(strstr(diag, "disk full while storing") != NULL, "detail: %s", diag);
    ck_assert_ptr_nonnull(strstr(diag, store));
    ck_assert_int_eq(objects, 0);
    ck_assert_int_eq(temps, 0);
}
END_TEST

/* open() removes named temps of dead writers, and keeps those of live ones. */
START_TEST(test_open_removes_stale_temps)
{
    cs_store_close(&st);
    pid_t dead = fork();
    ck_assert_int_ge(dead, 0);
    if (dead == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
    const char *stale = at("store/tmp/put.%d.0123456789abcdef", (int)dead);
    const char *mine = at("store/tmp/put.%d.fedcba9876543210", (int)getpid());
    const char *parent = at("store/tmp/put.%d.00000000000000ff", (int)getppid());
    const char *other = at("store/tmp/notes.txt");
    cs_test_write(stale, "partial", 7);
    cs_test_write(mine, "partial", 7);
    cs_test_write(parent, "partial", 7);
    cs_test_write(other, "keep", 4);
    ck_assert_int_eq(cs_store_open(&st, root, 0, NULL), 0);
    ck_assert_int_eq(access(stale, F_OK), -1);
    ck_assert_int_eq(access(mine, F_OK), 0);
    ck_assert_int_eq(access(parent, F_OK), 0);
    ck_assert_int_eq(access(other, F_OK), 0);
}
END_TEST

static Suite *
store_suite(void)
{
    Suite *s = suite_create("storage/store");
    TCase *put = tcase_create("put");
    tcase_add_checked_fixture(put, setup, teardown);
    tcase_set_timeout(put, 60);
    tcase_add_loop_test(put, test_put_known_vectors, 0, sizeof vectors / sizeof vectors[0]);
    tcase_add_test(put, test_put_same_content_is_one_object);
    tcase_add_loop_test(put, test_put_rejects, 0, sizeof rejects / sizeof rejects[0]);
    tcase_add_test(put, test_put_unreadable);
    tcase_add_test(put, test_put_zero_runs);
    tcase_add_loop_test(put, test_put_large_both_temps, 0, 2);
    tcase_add_loop_test(put, test_put_changed_while_storing, 0, 2);
    tcase_add_loop_test(put, test_put_disk_full, 0, 2);
    suite_add_tcase(s, put);

    TCase *objects = tcase_create("objects");
    tcase_add_checked_fixture(objects, setup, teardown);
    tcase_set_timeout(objects, 60);
    tcase_add_test(objects, test_verify);
    tcase_add_loop_test(objects, test_path_validation, 0, sizeof paths / sizeof paths[0]);
    tcase_add_test(objects, test_open_object_and_stat);
    tcase_add_test(objects, test_open_store);
    tcase_add_test(objects, test_open_removes_stale_temps);
    suite_add_tcase(s, objects);

    TCase *big = tcase_create("big");
    tcase_add_checked_fixture(big, setup, teardown);
    tcase_set_timeout(big, 300);
    tcase_add_test(big, test_put_sparse_over_4g);
    suite_add_tcase(s, big);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
