/* media/transcode_lane.c: each output of a recording encodes in a thread of its own, so that
 * the archival copy's FFV1 and the access copy's scaling and x264 run side by side, and each
 * output's verifier (transcode_check.c) decodes what it writes as it goes. The decode loop
 * hands every lane a reference to each frame it wants through a bounded queue, and so waits
 * for the slowest; a lane whose output failed takes no more. */
#include "media/transcode_int.h"
#include "core/buf.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>

#define LANE_ITEMS 64
#define LANE_BYTES (12 << 20) /* of decoded frames waiting: four 1080p pictures */

static int
feed(cs_tc_out_t *out, int index, AVFrame *frame)
{
    int rc = 0;
    if (frame != NULL && out->has_origin && frame->pts != AV_NOPTS_VALUE)
        frame->pts =
            cs_tc_add(frame->pts, -av_rescale_q(out->origin, out->origin_tb, frame->time_base));
    for (int j = 0; j < out->nb_ost && rc == 0 && !out->failed; j++) {
        cs_tc_ost_t *os = &out->ost[j];
        if (os->in != index)
            continue;
        if (os->enc->codec_type == AVMEDIA_TYPE_VIDEO)
            rc = cs_tc_video_feed(out, os, frame);
        else
            rc = cs_tc_audio_feed(out, os, frame);
    }
    return rc;
}

/* The lane's error that ends the transcode: noted once, for whoever learns the lane stopped. */
static int
keep(cs_tc_lane_t *l, int rc)
{
    cs_snprintf_cut(l->diag, sizeof l->diag, "%s", cs_diag());
    l->rc = rc;
    return rc;
}

static void *
lane_main(void *arg)
{
    cs_tc_lane_t *l = arg;
    cs_tc_item_t it = {0};
    int rc = 0;

    while (rc == 0 && !l->out->failed && cs_tc_queue_take(&l->frames, &it)) {
        rc = feed(l->out, it.index, it.frame);
        cs_tc_item_free(&it);
    }
    /* A failed output takes no more frames; an error ends the decode loop too. */
    cs_tc_queue_stop(&l->frames, rc != 0 ? keep(l, rc) : 0);
    if (rc == 0 && (rc = cs_tc_out_finish(l->out)) != 0)
        keep(l, rc);
    if ((rc = cs_tc_check_end(l->out->check)) != 0 && l->rc == 0)
        keep(l, rc);
    return NULL;
}

int
cs_tc_lane_start(cs_tc_lane_t *l, cs_tc_out_t *out)
{
    int rc, err;

    memset(l, 0, sizeof *l);
    l->out = out;
    if ((rc = cs_tc_queue_init(&l->frames, LANE_ITEMS, LANE_BYTES)) != 0 ||
        (rc = cs_tc_check_start(out->check)) != 0)
        return rc;
    if ((err = pthread_create(&l->thread, NULL, lane_main, l)) != 0) {
        cs_diag_set("cannot start a thread to encode the %s copy: %s", out->profile, strerror(err));
        return CS_ENOMEM;
    }
    l->started = l->taking = 1;
    return 0;
}

int
cs_tc_lane_put(cs_tc_lane_t *l, int index, const AVFrame *frame)
{
    cs_tc_item_t it = {.index = index};
    int rc;

    if (!l->taking)
        return 0;
    if ((it.frame = av_frame_clone(frame)) == NULL) {
        cs_diag_set("out of memory handing a frame to the %s copy", l->out->profile);
        return CS_ENOMEM;
    }
    for (int i = 0; i < AV_NUM_DATA_POINTERS && frame->buf[i] != NULL; i++)
        it.bytes += frame->buf[i]->size;
    if ((rc = cs_tc_queue_put(&l->frames, &it)) == 0)
        return 0;
    cs_tc_item_free(&it);
    l->taking = 0;
    if (rc == CS_ECANCELED)
        return 0;
    cs_diag_set("%s", l->diag);
    return rc;
}

void
cs_tc_lane_end(cs_tc_lane_t *l)
{
    if (l->started) {
        cs_tc_queue_close(&l->frames);
        pthread_join(l->thread, NULL);
        l->started = l->taking = 0;
    } else if (l->out != NULL && l->out->check != NULL && l->out->check->started) {
        cs_tc_check_end(l->out->check); /* the lane's thread did not start: its verifier did */
    }
    cs_tc_queue_destroy(&l->frames);
}
