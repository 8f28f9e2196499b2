/* storage/store_readback.c: the read-back of objects sent unchecked (store.s3_put_check =
 * readback): each noted object's bytes are fetched from the object store and re-hashed against
 * the SHA-256 it is named by, at the scrub's pace, soon after its put.
 *
 * A match drops the note (cs_store_verify_remote does). An object the store does not hold was
 * never stored (its put failed, and is made again): the note goes too. Bytes that differ are
 * sent again from the local copy, itself re-hashed first (a trim reads a waiting object back
 * before it removes its local copy, and keeps the copy when the bytes differ: store_tier.c);
 * the new version waits for its own read-back. With
 * no good local copy the note becomes a mismatch note, counted by `custody store status`, and
 * the fixity scrub reports the object as it does any copy that differs.
 */
#include "storage/store.h"
#include "storage/store_internal.h"
#include "storage/store_remote.h"

#include "core/error.h"
#include "core/log.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define READBACK_BATCH 64

/* The object store's bytes of sha256 differ: sent again from a local copy that matches. */
static int
send_again(cs_store_t *s, const char *sha256, const char *actual)
{
    cs_store_t local = *s;
    char lhex[CS_SHA256_HEX];
    int fd = -1, rc;
    uint64_t size;
    local.remote = NULL;
    local.pf = NULL;
    if ((rc = cs_store_verify_paced(&local, sha256, lhex, NULL, NULL)) == 0 &&
        (rc = cs_store_open_local(s, sha256, &fd)) == 0 &&
        (rc = cs_store_stat(&local, sha256, &size)) == 0)
        rc = cs_remote_put(s->remote, sha256, fd, size, !s->unlocked);
    if (fd >= 0)
        close(fd);
    cs_log(rc == 0 ? CS_LOG_WARN : CS_LOG_ERROR, "store.readback_mismatch",
           json_pack("{s:s, s:s, s:b, s:s}", "sha256", sha256, "found", actual, "sent_again",
                     rc == 0, "detail", rc == 0 ? "" : cs_diag()));
    return rc;
}

int
cs_store_readback(cs_store_t *s, cs_store_pace_t *pace, cs_store_readback_t *out)
{
    char due[READBACK_BATCH][65];
    size_t n = 0;
    uint64_t waiting, mismatched;
    int rc;
    memset(out, 0, sizeof *out);
    if (s->remote == NULL)
        return 0;
    if ((rc = cs_remote_readback_list(s->remote, due, READBACK_BATCH, &n, &waiting, &mismatched)) !=
        0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char actual[CS_SHA256_HEX] = "";
        rc = cs_store_verify_remote(s, due[i], actual, pace, NULL);
        if (rc == 0) {
            out->checked++; /* the note went with the check */
        } else if (rc == CS_ENOTFOUND) {
            cs_diag_clear();
            cs_remote_readback_clear(s->remote, due[i], 0); /* never stored: nothing to check */
        } else if (rc == CS_EMISMATCH) {
            out->checked++;
            out->mismatched++;
            if (send_again(s, due[i], actual) == 0) {
                out->resent++; /* its new version waits for its own read-back */
            } else {
                cs_remote_readback_clear(s->remote, due[i], 1);
                cs_diag_clear();
            }
        } else {
            return rc; /* the object store does not answer, or we were asked to stop */
        }
    }
    return 0;
}
