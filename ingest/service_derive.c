/* ingest/service_derive.c: the service's derivative steps. After a job's metadata is
 * committed (state extracted), a worker writes the copies into <home>/tmp/derive (photos on
 * the extraction workers, recordings on the transcode workers, which report progress), a
 * store slot stores them, and the finish batch records every profile and marks the job done.
 * A crash anywhere leaves the job extracted: it is transcoded again at the next start, and
 * the half-written copies of the last run are removed then. */
#include "ingest/service_int.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/home.h"
#include "indexer/jobs.h"
#include "ingest/derive.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
svc_derive_open(svc_t *s)
{
    const char *root = s->opts->home->root;
    char tmp[PATH_MAX];
    int removed, made;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/tmp", root) >= sizeof tmp ||
        (size_t)snprintf(s->derive_dir, sizeof s->derive_dir, "%s/derive", tmp) >=
            sizeof s->derive_dir ||
        (size_t)snprintf(s->status_path, sizeof s->status_path, "%s/status.json", tmp) >=
            sizeof s->status_path) {
        cs_diag_set("the home path %s is too long", root);
        return CS_ENAMETOOLONG;
    }
    int err = cs_home_mkdir(tmp, 0750, &made);
    if (err == 0)
        err = cs_home_mkdir(s->derive_dir, 0750, &made);
    if (err != 0)
        return err;
    if ((removed = cs_derive_clean(s->derive_dir)) > 0)
        cs_log(CS_LOG_INFO, "derive.cleaned",
               json_pack("{s:s, s:i}", "folder", s->derive_dir, "removed", removed));
    unlink(s->status_path);
    s->derive_opts = cs_derive_opts_of(&s->cfg);
    cs_worker_opts_t wopts = {
        .exe = s->opts->exe,
        .home = root,
        .count = s->cfg.transcode_workers,
        .timeout_ms = s->cfg.transcode_timeout_ms,
        .retries = s->cfg.worker_retries,
        .rlimit_as_mb = s->cfg.worker_rlimit_as_mb,
        .rlimit_cpu_s = 0, /* a long recording may need hours; the silence timeout stands */
    };
    return cs_workers_start(&s->transcoders, s->loop, &wopts);
}

int
svc_derive_wanted(svc_t *s, svc_job_t *j)
{
    char obj[PATH_MAX];
    json_t *item = NULL;
    const char *media_type = j->out.media_type;
    if (j->job.state > CS_JOB_EXTRACTED || (j->failure.text[0] != '\0' && j->record == NULL))
        return 0;
    if (j->record == NULL && j->job.state == CS_JOB_EXTRACTED) {
        /* Resumed after a restart: what extraction found is in the catalog. */
        uv_mutex_lock(&s->cat_lock);
        if (cs_catalog_metadata(s->cat, j->job.sha256, &j->record) != 0)
            j->record = NULL;
        if (cs_catalog_item(s->cat, j->job.sha256, &item) != 0)
            item = NULL;
        uv_mutex_unlock(&s->cat_lock);
        media_type = json_string_value(json_object_get(item, "media_type"));
    }
    if (cs_store_local_path(s->stores[0], j->job.sha256, obj, sizeof obj) == 0) {
        uv_mutex_lock(&s->cat_lock);
        json_t *decision = cs_derive_decide(s->cat, media_type, j->record);
        uv_mutex_unlock(&s->cat_lock);
        j->derive_req =
            cs_derive_request_decided(&s->derive_opts, s->derive_dir, obj, j->job.sha256,
                                      media_type, j->record, decision, NULL, NULL);
        json_decref(decision);
    }
    json_decref(item);
    return j->derive_req != NULL;
}

/* Writes the running transcodes to <home>/tmp/status.json (for `custody status`), at most
 * once a second unless forced; through a temporary name, so a reader sees a whole file. */
void
svc_derive_status(svc_t *s, int force)
{
    uint64_t now = uv_now(s->loop);
    char tmp[PATH_MAX + 8];
    json_t *list = json_array(), *doc;
    char *text = NULL;
    FILE *f;
    if (!force && now - s->status_written_ms < 1000) {
        json_decref(list);
        return;
    }
    s->status_written_ms = now;
    for (svc_job_t *j = s->transcoding; j != NULL && list != NULL; j = j->tnext)
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:f, s:f}", "sha256", j->job.sha256, "path",
                                        j->path, "percent", j->percent, "fps", j->fps));
    doc = json_pack("{s:o, s:i}", "transcoding", list, "pid", (int)getpid());
    if (doc != NULL)
        text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(4));
    json_decref(doc);
    /* A status path too long for its temporary name: no status file, never a cut name. */
    if (text != NULL && cs_snprintf(tmp, sizeof tmp, "%s.new", s->status_path) == 0 &&
        (f = fopen(tmp, "w")) != NULL) {
        int ok = fputs(text, f) >= 0;
        if (fclose(f) == 0 && ok)
            rename(tmp, s->status_path);
    }
    free(text);
}

static void
transcoding_remove(svc_t *s, svc_job_t *j)
{
    for (svc_job_t **pp = &s->transcoding; *pp != NULL; pp = &(*pp)->tnext) {
        if (*pp == j) {
            *pp = j->tnext;
            break;
        }
    }
    svc_derive_status(s, 1);
}

static void
on_progress(void *arg, json_t *progress)
{
    svc_job_t *j = arg;
    j->percent = json_number_value(json_object_get(progress, "percent"));
    j->fps = json_number_value(json_object_get(progress, "fps"));
    svc_derive_status(j->svc, 0);
}

static void
on_transcoded(void *arg, int rc, json_t *result, const cs_reason_t *why)
{
    svc_job_t *j = arg;
    svc_t *s = j->svc;
    if (json_is_true(json_object_get(j->derive_req, "recording")))
        transcoding_remove(s, j);
    if (rc == CS_ECANCELED || s->stopping) {
        /* Stopping: the job stays extracted; the next start transcodes it again and removes
         * what this run wrote. */
        svc_job_next(s, j, CS_PIPE_STOP);
        return;
    }
    if (rc == 0) {
        j->derive_res = json_incref(result);
    } else {
        cs_reason_caused(&j->derive_fail, CS_R_TRANSCODE, "transcoding failed: ", why);
        svc_log_job("job.step_failed", CS_LOG_WARN, j, j->derive_fail.text);
    }
    svc_job_next(s, j, CS_PIPE_OK); /* a worker's failure is recorded with the copies */
}

void
svc_derive_transcode(svc_t *s, svc_job_t *j)
{
    const char *kind = json_string_value(json_object_get(j->derive_req, "kind"));
    int recording = kind != NULL && strcmp(kind, "photo") != 0;
    json_object_set_new(j->derive_req, "recording", json_boolean(recording));
    if (recording) {
        j->percent = 0;
        j->fps = 0;
        j->tnext = s->transcoding;
        s->transcoding = j;
        svc_derive_status(s, 1);
    }
    if (cs_workers_submit_progress(recording ? s->transcoders : s->workers, "transcode",
                                   j->derive_req, on_transcoded, recording ? on_progress : NULL,
                                   j) != 0)
        cs_worker_fail_now(j, on_transcoded, "could not hand the file to a worker");
}

void
svc_derive_store_work(svc_job_t *j)
{
    svc_t *s = j->svc;
    cs_diag_clear();
    j->err = cs_derive_store(s->stores[j->store_slot], j->derive_res);
    if (j->err != 0) {
        cs_snprintf_cut(j->out.message, sizeof j->out.message, "cannot store the copies: %s",
                        *cs_diag() ? cs_diag() : cs_strerror(j->err));
        uv_mutex_lock(&s->cat_lock);
        cs_derive_unstore(s->stores[j->store_slot], s->cat, j->derive_res);
        uv_mutex_unlock(&s->cat_lock);
    }
}
