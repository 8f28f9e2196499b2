/* media/worker_probe.c: the worker's "probe" step, custody probe's batches. Each file's
 * record is made as "extract" makes it, with the "file" and "media_type" custody probe
 * prints, and written as one raw line {"id":N,"raw":[i,{record}]} (or [i,null,"why"]) in the
 * order of the files, so that custody probe copies it out without parsing it: the text is
 * what the CLI wrote when it parsed each answer and wrote it again (reals to the answer
 * line's 15 digits, then jansson's compact form, core/jsondump.c).
 *
 * Files are extracted on `threads` threads of this one process (one process's start-up, the
 * ~180 libraries of FFmpeg and libheif mapped and relocated, costs more than a hundred
 * photos), the calling thread one of them; after each file, its thread writes every line
 * whose turn has come. A crash or hang on any thread ends the process or the request as it
 * would with one thread; custody probe then asks for the unanswered files one by one. */
#include "media/worker_int.h"

#include "core/buf.h"
#include "core/jsondump.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FLUSH_MS 50 /* raw lines are flushed at least this often (and with the answer) */

typedef struct slot {
    char *line; /* the raw line, '\n' included; NULL when it could not be made */
    size_t len;
    int done;
} slot_t;

typedef struct batch {
    json_t *files;
    json_int_t id;
    size_t n, next, written; /* files, the next nobody took, lines written */
    struct timespec flushed; /* when the lines written were last flushed */
    slot_t *slots;
    FILE *out;
    int failed;            /* a line could not be made or written */
    pthread_mutex_t lock;  /* next, slots */
    pthread_mutex_t wlock; /* out, written, flushed, failed */
} batch_t;

/* Rounds every real in v to the 15 digits the answer line carries (worker_main.c writes
 * answers with JSON_REAL_PRECISION(15)), as a parse of that line would. */
static void
round_reals(json_t *v)
{
    const char *key;
    json_t *m;
    size_t i;
    char buf[64];
    if (json_is_real(v)) {
        if (snprintf(buf, sizeof buf, "%.15g", json_real_value(v)) < (int)sizeof buf)
            json_real_set(v, strtod(buf, NULL));
    } else if (json_is_object(v)) {
        json_object_foreach(v, key, m) round_reals(m);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) round_reals(m);
    }
}

/* The raw line of file i (malloc'd, its length in *len), or NULL when out of memory. */
static char *
line_for(json_int_t id, size_t i, json_t *f, size_t *len)
{
    json_t *rec = NULL, *file = json_object_get(f, "file"),
           *type = json_object_get(f, "media_type");
    char err[1024] = "", head[64], *text = NULL, *line = NULL;
    size_t tlen = 0;
    cs_worker_extract(f, &rec, err, sizeof err);
    int ok = err[0] == '\0' && rec != NULL;
    if (ok) {
        if (json_is_string(file))
            json_object_set_new(rec, "file", json_copy(file));
        if (json_is_string(type))
            json_object_set_new(rec, "media_type", json_copy(type));
        round_reals(rec);
        text = cs_json_dump_compact(rec, &tlen);
    } else {
        json_t *why = json_string(err[0] ? err : "no record");
        if ((text = why ? json_dumps(why, JSON_ENCODE_ANY) : NULL) != NULL)
            tlen = strlen(text);
        json_decref(why);
    }
    json_decref(rec);
    int hlen = snprintf(head, sizeof head, "{\"id\":%" JSON_INTEGER_FORMAT ",\"raw\":[%zu,%s", id,
                        i, ok ? "" : "null,");
    if (text != NULL && hlen > 0 && (size_t)hlen < sizeof head &&
        (line = malloc((size_t)hlen + tlen + 3)) != NULL) {
        memcpy(line, head, (size_t)hlen);
        memcpy(line + hlen, text, tlen);
        memcpy(line + (size_t)hlen + tlen, "]}\n", 3);
        *len = (size_t)hlen + tlen + 3;
    }
    free(text);
    return line;
}

/* Takes the next file and makes its line; 0 when there was none left. */
static int
take_one(batch_t *b)
{
    size_t i, len = 0;
    pthread_mutex_lock(&b->lock);
    i = b->next < b->n ? b->next++ : b->n;
    pthread_mutex_unlock(&b->lock);
    if (i >= b->n)
        return 0;
    char *line = line_for(b->id, i, json_array_get(b->files, i), &len);
    pthread_mutex_lock(&b->lock);
    b->slots[i] = (slot_t){.line = line, .len = len, .done = 1};
    pthread_mutex_unlock(&b->lock);
    return 1;
}

/* Writes the lines whose turn has come, on whichever thread finished a file; sets b->failed
 * when one could not be made or written. */
static void
write_ready(batch_t *b)
{
    pthread_mutex_lock(&b->wlock);
    while (!b->failed) {
        pthread_mutex_lock(&b->lock);
        slot_t *s = b->written < b->n && b->slots[b->written].done ? &b->slots[b->written] : NULL;
        pthread_mutex_unlock(&b->lock);
        if (s == NULL)
            break;
        if (s->line == NULL || fwrite(s->line, 1, s->len, b->out) != s->len) {
            b->failed = 1;
            break;
        }
        /* Flushed every FLUSH_MS, not every line: a pipe write and a wake-up of custody probe
         * a line cost more than the line. A file that takes long leaves the lines before it
         * at most FLUSH_MS late (the request's timeout counts from the last line). */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - b->flushed.tv_sec) * 1000 +
                (now.tv_nsec - b->flushed.tv_nsec) / 1000000 >=
            FLUSH_MS) {
            if (fflush(b->out) != 0) {
                b->failed = 1;
                break;
            }
            b->flushed = now;
        }
        free(s->line);
        s->line = NULL;
        b->written++;
    }
    if (b->failed) {
        pthread_mutex_lock(&b->lock);
        b->next = b->n; /* nothing after it can be written: stop taking */
        pthread_mutex_unlock(&b->lock);
    }
    pthread_mutex_unlock(&b->wlock);
}

/* A thread's part: files taken one at a time, lines written as their turn comes. */
static void *
work(void *arg)
{
    while (take_one(arg))
        write_ready(arg);
    return NULL;
}

int
cs_worker_probe(json_t *req, FILE *out, json_t **result, char *error, size_t size)
{
    json_t *files = json_object_get(req, "files"), *id = json_object_get(req, "id");
    json_t *t = json_object_get(req, "threads");
    pthread_t tid[CS_WORKER_PROBE_THREADS_MAX];
    int threads = json_is_integer(t) ? (int)json_integer_value(t) : 1, started = 0, rc = 0;
    batch_t b = {.files = files, .out = out};

    if (!json_is_array(files) || !json_is_integer(id) || threads < 1 ||
        threads > CS_WORKER_PROBE_THREADS_MAX) {
        cs_snprintf_cut(error, size, "probe needs \"files\", an integer \"id\" and 1 to %d threads",
                        CS_WORKER_PROBE_THREADS_MAX);
        return 0;
    }
    b.id = json_integer_value(id);
    b.n = json_array_size(files);
    if (b.n > 0 && (b.slots = calloc(b.n, sizeof *b.slots)) == NULL)
        return -1;
    pthread_mutex_init(&b.lock, NULL);
    pthread_mutex_init(&b.wlock, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b.flushed);
    for (int k = 1; k < threads && (size_t)k < b.n; k++)
        if (pthread_create(&tid[started], NULL, work, &b) == 0)
            started++; /* fewer threads is slower, not wrong */
    work(&b);
    for (int k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
    write_ready(&b);
    rc = b.failed || b.written < b.n ? -1 : 0;
    for (size_t i = 0; i < b.n; i++)
        free(b.slots[i].line);
    free(b.slots);
    pthread_mutex_destroy(&b.lock);
    pthread_mutex_destroy(&b.wlock);
    if (rc != 0)
        return -1;
    if ((*result = json_pack("{s:I}", "n", (json_int_t)b.n)) == NULL)
        cs_snprintf_cut(error, size, "out of memory");
    return 0;
}
