/* media/transcode_verify.c: an output is good only once every packet of it has been decoded
 * back, strictly (CRCs checked, the first damage an error: transcode_check.c, while it was
 * written), and the finished file has been read back and found to hold those very packets
 * (transcode_reread.c). The archival copy must hold as many pictures as were decoded from the
 * source, and every copy must last as long as the source, within one frame or 20 ms. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <math.h>

void (*cs_tc_before_reread)(const char *profile, const char *path);

int
cs_tc_verify(cs_tc_out_t *out, int64_t frames, double duration_s, double tolerance_s,
             cs_tc_check_t *chk)
{
    const cs_tc_checker_t *c = out->check;
    double start = INFINITY, end = -INFINITY;
    int rc;

    chk->frames = -1;
    chk->width = chk->height = chk->rotation = 0;
    chk->duration_s = -1;
    if (c == NULL || c->started)
        return cs_tc_out_fail(out, 0, "the %s copy was not verified", out->profile);
    if (c->failed)
        return cs_tc_out_fail(out, 0, "%s", c->reason);
    if (cs_tc_before_reread != NULL)
        cs_tc_before_reread(out->profile, out->path);
    if ((rc = cs_tc_reread(out, chk)) != 0 || out->failed)
        return rc;
    for (unsigned i = 0; i < c->nb; i++) {
        if (c->vs[i].span.frames == 0)
            continue;
        start = fmin(start, c->vs[i].span.start_s);
        end = fmax(end, c->vs[i].span.end_s);
    }
    chk->frames = c->video >= 0 ? c->vs[c->video].span.frames : -1;
    chk->width = c->width;
    chk->height = c->height;
    chk->duration_s = end > start ? end - start : -1;
    if (chk->duration_s < 0)
        return cs_tc_out_fail(out, 0, "the %s copy holds nothing that decodes", out->profile);
    if (frames >= 0 && chk->frames != frames)
        return cs_tc_out_fail(out, 0, "the %s copy holds %lld frames, the source %lld",
                              out->profile, (long long)chk->frames, (long long)frames);
    if (duration_s >= 0 && fabs(chk->duration_s - duration_s) > tolerance_s)
        return cs_tc_out_fail(out, 0, "the %s copy lasts %.2f s, the source %.2f s", out->profile,
                              chk->duration_s, duration_s);
    return 0;
}
