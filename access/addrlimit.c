/* access/addrlimit.c: failed sign-ins per client address (addrlimit.h). A flat table searched
 * in full: sign-ins are rare and each costs an scrypt, next to which a scan is nothing. */
#include "access/addrlimit.h"

#include "core/error.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char key[CS_ADDRLIMIT_KEY_MAX]; /* "" when unused */
    int64_t start_ms;               /* the window's first counted failure */
    int failures;                   /* counted in the window */
    int inflight;                   /* attempts taken and not yet done */
} slot_t;

struct cs_addrlimit {
    pthread_mutex_t lock;
    int max;
    int64_t window_ms;
    size_t capacity;
    slot_t *slots;
};

int
cs_addrlimit_new(cs_addrlimit_t **out, int max, int window_s, size_t capacity)
{
    cs_addrlimit_t *l;
    *out = NULL;
    if (max < 1 || window_s < 1 || capacity < 1)
        return CS_EINVAL;
    if ((l = calloc(1, sizeof *l)) == NULL ||
        (l->slots = calloc(capacity, sizeof *l->slots)) == NULL) {
        free(l);
        return CS_ENOMEM;
    }
    pthread_mutex_init(&l->lock, NULL);
    l->max = max;
    l->window_ms = (int64_t)window_s * 1000;
    l->capacity = capacity;
    *out = l;
    return 0;
}

void
cs_addrlimit_free(cs_addrlimit_t **l)
{
    if (l == NULL || *l == NULL)
        return;
    pthread_mutex_destroy(&(*l)->lock);
    free((*l)->slots);
    free(*l);
    *l = NULL;
}

void
cs_addrlimit_key(const char *client, char key[CS_ADDRLIMIT_KEY_MAX])
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (strncmp(client, "http:", 5) == 0)
        client += 5;
    if (inet_pton(AF_INET6, client, a) == 1) {
        if (memcmp(a, mapped, sizeof mapped) == 0 &&
            inet_ntop(AF_INET, a + 12, text, sizeof text)) {
            snprintf(key, CS_ADDRLIMIT_KEY_MAX, "%s", text); /* fits: 16 < 64 */
            return;
        }
        memset(a + 8, 0, 8); /* one subscriber's /64 */
        if (inet_ntop(AF_INET6, a, text, sizeof text) != NULL) {
            snprintf(key, CS_ADDRLIMIT_KEY_MAX, "%s/64", text); /* fits: 46 + 3 < 64 */
            return;
        }
    }
    snprintf(key, CS_ADDRLIMIT_KEY_MAX, "%s", client); /* cut: only a key */
}

/* The slot of key, or NULL. */
static slot_t *
find(cs_addrlimit_t *l, const char *key)
{
    for (size_t i = 0; i < l->capacity; i++)
        if (strcmp(l->slots[i].key, key) == 0)
            return &l->slots[i];
    return NULL;
}

/* A slot for key: an unused one, else the one whose window began first and that has no
 * attempt in flight; NULL when every slot has one. */
static slot_t *
claim(cs_addrlimit_t *l, const char *key)
{
    slot_t *oldest = NULL;
    for (size_t i = 0; i < l->capacity; i++) {
        slot_t *s = &l->slots[i];
        if (s->key[0] == '\0') {
            oldest = s;
            break;
        }
        if (s->inflight == 0 && (oldest == NULL || s->start_ms < oldest->start_ms))
            oldest = s;
    }
    if (oldest != NULL) {
        memset(oldest, 0, sizeof *oldest);
        snprintf(oldest->key, sizeof oldest->key, "%s", key); /* fits: both KEY_MAX */
    }
    return oldest;
}

/* Forgets the failures of a window that has ended. */
static void
expire(const cs_addrlimit_t *l, slot_t *s, int64_t now_ms)
{
    if (s->failures > 0 && now_ms - s->start_ms >= l->window_ms)
        s->failures = 0;
}

int
cs_addrlimit_take(cs_addrlimit_t *l, const char *client, int64_t now_ms, int *retry_s)
{
    char key[CS_ADDRLIMIT_KEY_MAX];
    int rc = 0;
    cs_addrlimit_key(client, key);
    *retry_s = 0;
    pthread_mutex_lock(&l->lock);
    slot_t *s = find(l, key);
    if (s == NULL && (s = claim(l, key)) == NULL) {
        *retry_s = 1; /* every slot has an attempt in flight: a moment */
        rc = CS_EBUSY;
        goto out;
    }
    expire(l, s, now_ms);
    if (s->failures + s->inflight >= l->max) {
        int64_t left = s->failures > 0 ? s->start_ms + l->window_ms - now_ms : 1000;
        *retry_s = (int)((left + 999) / 1000);
        if (*retry_s < 1)
            *retry_s = 1;
        rc = CS_EBUSY;
        goto out;
    }
    s->inflight++;
out:
    pthread_mutex_unlock(&l->lock);
    return rc;
}

void
cs_addrlimit_done(cs_addrlimit_t *l, const char *client, int64_t now_ms, int failed, int *reached,
                  int64_t *until_ms)
{
    char key[CS_ADDRLIMIT_KEY_MAX];
    int hit = 0;
    cs_addrlimit_key(client, key);
    pthread_mutex_lock(&l->lock);
    slot_t *s = find(l, key);
    if (s != NULL && s->inflight > 0)
        s->inflight--;
    if (failed && (s != NULL || (s = claim(l, key)) != NULL)) {
        expire(l, s, now_ms);
        if (s->failures == 0)
            s->start_ms = now_ms;
        hit = ++s->failures == l->max;
        if (hit && until_ms != NULL)
            *until_ms = s->start_ms + l->window_ms;
    }
    pthread_mutex_unlock(&l->lock);
    if (reached != NULL)
        *reached = hit;
}
