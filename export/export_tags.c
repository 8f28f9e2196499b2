/* export/export_tags.c: the tag files of an export: bagit.txt, bag-info.txt (RFC 8493 §2.2.2,
 * with Custody's own labels) and the tag manifest that seals them and the payload manifest. */
#include "export/export_int.h"

#include "core/buf.h"
#include "core/error.h"
#include "export/bag_int.h"

#include <stdio.h>
#include <string.h>

/* One line of a bag-info value: control characters (a newline in a purpose) become spaces,
 * so that a label never spills into another. */
static void
clean(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src != NULL && src[i] != '\0' && i + 1 < size; i++)
        dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? ' ' : src[i];
    dst[i] = '\0';
}

static void
human(uint64_t bytes, char *out, size_t size)
{
    static const char *const units[] = {"bytes", "KB", "MB", "GB", "TB", "PB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1000 && u < 5) {
        v /= 1000;
        u++;
    }
    /* Bag-Size is for people: "18446744073709551615 bytes" fits the 32 bytes given. */
    if (u == 0)
        cs_snprintf_cut(out, size, "%llu bytes", (unsigned long long)bytes);
    else
        cs_snprintf_cut(out, size, "%.1f %s", v, units[u]);
}

static int
write_tag(cs_export_t *x, const char *rel, const char *text, FILE *tagmanifest)
{
    char path[PATH_MAX], hex[65];
    uint64_t size = 0;
    int rc;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", x->dir, rel) >= sizeof path)
        return CS_ENAMETOOLONG;
    if (text != NULL && (rc = cs_bag_write_file(path, text, strlen(text))) != 0)
        return rc;
    if ((rc = cs_bag_hash_file(path, hex, &size)) != 0)
        return rc;
    return fprintf(tagmanifest, "%s  %s\n", hex, rel) < 0 ? CS_EIO : 0;
}

int
cs_export_tags(cs_export_t *x)
{
    char info[4096], purpose[1024], who[256], bagsize[32], path[PATH_MAX];
    FILE *tm = NULL;
    int rc, n;
    clean(purpose, sizeof purpose, x->o->purpose);
    clean(who, sizeof who, x->actor);
    human(x->res->bytes, bagsize, sizeof bagsize);
    n = snprintf(info, sizeof info,
                 "Source-Organization: %s\n"
                 "Bagging-Date: %s\n"
                 "Payload-Oxum: %llu.%llu\n"
                 "External-Identifier: %s\n"
                 "Bag-Size: %s\n"
                 "Bag-Software-Agent: custody export\n"
                 "Custody-Exported-By: %s\n"
                 "Custody-Purpose: %s\n"
                 "Custody-Ledger-Entry: %lld\n"
                 "Custody-Checkpoint-Size: %llu\n"
                 "Custody-Items: %llu\n"
                 "Custody-Withheld: %llu\n",
                 x->o->organization ? x->o->organization : "Custody", x->when,
                 (unsigned long long)x->res->bytes, (unsigned long long)x->res->files,
                 x->o->case_number, bagsize, who, purpose, (long long)x->res->seq,
                 (unsigned long long)x->tree_size, (unsigned long long)x->nitems,
                 (unsigned long long)x->nwithheld);
    if (n < 0 || (size_t)n >= sizeof info) {
        cs_diag_set("bag-info.txt does not fit %zu bytes", sizeof info);
        return CS_ENAMETOOLONG;
    }
    if ((size_t)snprintf(path, sizeof path, "%s/tagmanifest-sha256.txt", x->dir) >= sizeof path)
        return CS_ENAMETOOLONG;
    if ((tm = fopen(path, "wx")) == NULL) {
        cs_diag_set("cannot create %s", path);
        return CS_EIO;
    }
    if ((rc = write_tag(x, "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
                        tm)) == 0 &&
        (rc = write_tag(x, "bag-info.txt", info, tm)) == 0)
        rc = write_tag(x, "manifest-sha256.txt", NULL, tm);
    if (fclose(tm) != 0 && rc == 0) {
        cs_diag_set("cannot write %s", path);
        rc = CS_EIO;
    }
    return rc;
}
