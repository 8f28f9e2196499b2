/* api/cache.c: rows kept between requests, checked against the catalog's generation
 * (cache.h). One mutex guards the tables; a lookup copies a row out under it. Each table is
 * direct-mapped by a hash of its key: a collision replaces, a miss loads from the catalog. */
#include "api/cache.h"

#include "access/gate.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/tz.h"
#include "indexer/cache_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define USERS 64
#define WHATS 256
#define RECORDS 128
#define RECORD_MAX (64 * 1024) /* a larger record is built every time */
#define PROFILE_MAX 32

typedef struct {
    int64_t gen; /* 0: empty (generations read are >= 0; stored ones are tagged gen + 1) */
    char key[CS_NAME_MAX];
    cs_user_t u;
} user_slot_t;

typedef struct {
    int64_t gen;
    int64_t user;
    char sha256[65];
    char case_number[CS_ACCESS_CASE_MAX];
    char profile[PROFILE_MAX];
    char until[CS_TIME_MAX]; /* the user's grants' next end: used before it only; "" none */
    cs_access_what_t what;   /* its sha256 and case_number point nowhere */
} what_slot_t;

typedef struct {
    int64_t gen;
    char sha256[65];
    char today[11]; /* the site's day it was built on (retention depends on it) */
    char *text;
    size_t len;
} record_slot_t;

struct cs_api_cache {
    uv_mutex_t mu;
    user_slot_t by_token[USERS], by_name[USERS];
    what_slot_t *whats; /* WHATS */
    record_slot_t records[RECORDS];
    const cs_tz_t *zone; /* the site's zone (site.tz, else the system's), looked up ... */
    int64_t zone_ms;     /* ... at this time: again a second later */
};

static uint32_t
hash(const char *s, uint32_t h)
{
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int
cs_api_cache_new(cs_api_cache_t **out, cs_catalog_t *cat)
{
    cs_api_cache_t *k;
    char first[128];
    size_t n = 0;
    int err;
    *out = NULL;
    if ((err = cs_catalog_cache_unwatched(cat, &n, first, sizeof first)) != 0)
        return err;
    if (n > 0) {
        cs_log(CS_LOG_WARN, "api.cache_off",
               json_pack("{s:s, s:I, s:s}", "why",
                         "tables a write to which does not move the catalog's generation", "tables",
                         (json_int_t)n, "first", first));
        return 0;
    }
    if ((k = calloc(1, sizeof *k)) == NULL ||
        (k->whats = calloc(WHATS, sizeof *k->whats)) == NULL) {
        free(k);
        return CS_ENOMEM;
    }
    uv_mutex_init(&k->mu);
    *out = k;
    return 0;
}

void
cs_api_cache_free(cs_api_cache_t **kp)
{
    cs_api_cache_t *k = *kp;
    if (k == NULL)
        return;
    for (size_t i = 0; i < RECORDS; i++)
        free(k->records[i].text);
    free(k->whats);
    uv_mutex_destroy(&k->mu);
    free(k);
    *kp = NULL;
}

/* The call's generation (read once, before any row), or -1: do not cache. */
static int
gen_of(cs_api_cache_view_t v, int64_t *gen)
{
    int err;
    int64_t g;
    *gen = -1;
    if (v.k == NULL)
        return 0;
    if (*v.gen == 0) {
        if ((err = cs_catalog_cache_gen(v.cat, &g)) != 0)
            return err;
        *v.gen = g < 0 ? -1 : g + 1; /* no generation row: nothing is cached */
    }
    *gen = *v.gen > 0 ? *v.gen - 1 : -1;
    return 0;
}

static int
user_lookup(cs_api_cache_view_t v, user_slot_t *table, const char *key, cs_user_t *u,
            int (*load)(cs_catalog_t *, const char *, cs_user_t *))
{
    int64_t gen;
    int err = gen_of(v, &gen);
    if (err != 0)
        return err;
    if (gen < 0 || strlen(key) >= sizeof table[0].key)
        return load(v.cat, key, u);
    user_slot_t *s = &table[hash(key, 2166136261u) % USERS];
    uv_mutex_lock(&v.k->mu);
    int hit = s->gen == gen + 1 && strcmp(s->key, key) == 0;
    if (hit)
        *u = s->u;
    uv_mutex_unlock(&v.k->mu);
    if (hit)
        return 0;
    if ((err = load(v.cat, key, u)) != 0)
        return err; /* an unknown token is asked of the catalog each time */
    uv_mutex_lock(&v.k->mu);
    s->gen = gen + 1;
    memcpy(s->key, key, strlen(key) + 1);
    s->u = *u;
    uv_mutex_unlock(&v.k->mu);
    return 0;
}

int
cs_api_cache_user_by_token(cs_api_cache_view_t v, const char *token_sha256, cs_user_t *u)
{
    return user_lookup(v, v.k ? v.k->by_token : NULL, token_sha256, u, cs_catalog_user_by_token);
}

int
cs_api_cache_user_by_name(cs_api_cache_view_t v, const char *name, cs_user_t *u)
{
    return user_lookup(v, v.k ? v.k->by_name : NULL, name, u, cs_catalog_user_by_name);
}

static int
what_matches(const what_slot_t *s, int64_t gen, int64_t user, const char *sha, const char *kase,
             const char *profile, const char *now)
{
    return s->gen == gen + 1 && s->user == user && strcmp(s->sha256, sha) == 0 &&
           strcmp(s->case_number, kase) == 0 && strcmp(s->profile, profile) == 0 &&
           (s->until[0] == '\0' || strcmp(s->until, now) > 0);
}

int
cs_api_cache_access_load(cs_api_cache_view_t v, const cs_access_policy_t *pol,
                         const cs_access_who_t *who, const char *sha256, const char *case_number,
                         const char *profile, cs_access_what_t *what)
{
    const char *sha = sha256 ? sha256 : "", *kase = case_number ? case_number : "";
    const char *prof = profile ? profile : "";
    char now[CS_TIME_MAX], until[CS_TIME_MAX];
    int64_t gen;
    int err = gen_of(v, &gen), hit;
    if (err != 0)
        return err;
    if (gen < 0 || who->role == CS_ROLE_NONE || (sha256 == NULL && case_number == NULL) ||
        strlen(sha) >= 65 || strlen(kase) >= CS_ACCESS_CASE_MAX || strlen(prof) >= PROFILE_MAX)
        return cs_access_load(v.cat, pol, who, sha256, case_number, profile, what);
    uint32_t h = hash(prof, hash(kase, hash(sha, 2166136261u ^ (uint32_t)who->id)));
    what_slot_t *s = &v.k->whats[h % WHATS];
    cs_clock_now(now);
    uv_mutex_lock(&v.k->mu);
    if ((hit = what_matches(s, gen, who->id, sha, kase, prof, now)))
        *what = s->what;
    uv_mutex_unlock(&v.k->mu);
    if (!hit) {
        /* The grants' next end first: read after it, the rows can only hold fewer grants. */
        if ((err = cs_catalog_grants_next_expiry(v.cat, who->id, now, until)) != 0 ||
            (err = cs_access_load(v.cat, pol, who, sha256, case_number, profile, what)) != 0)
            return err;
        uv_mutex_lock(&v.k->mu);
        s->gen = gen + 1;
        s->user = who->id;
        memcpy(s->sha256, sha, strlen(sha) + 1);
        memcpy(s->case_number, kase, strlen(kase) + 1);
        memcpy(s->profile, prof, strlen(prof) + 1);
        memcpy(s->until, until, sizeof until);
        s->what = *what;
        s->what.sha256 = s->what.case_number = NULL;
        uv_mutex_unlock(&v.k->mu);
    }
    what->sha256 = sha256;
    what->case_number = case_number;
    return 0;
}

void
cs_api_cache_today(cs_api_cache_t *k, const char *site_tz, char today[11])
{
    int64_t now = cs_clock_now_ms();
    const cs_tz_t *zone;
    if (k == NULL) {
        cs_clock_site_date(cs_clock_site_zone(site_tz), now, today);
        return;
    }
    int64_t at;
    uv_mutex_lock(&k->mu);
    zone = k->zone;
    at = k->zone_ms;
    uv_mutex_unlock(&k->mu);
    if (zone == NULL || now - at >= 1000 || now < at) {
        zone = cs_clock_site_zone(site_tz); /* reads /etc/timezone when site.tz is not set */
        uv_mutex_lock(&k->mu);
        k->zone = zone;
        k->zone_ms = now;
        uv_mutex_unlock(&k->mu);
    }
    cs_clock_site_date(zone, now, today);
}

int
cs_api_cache_record_get(cs_api_cache_view_t v, const char *sha256, const char *today, char **text,
                        size_t *len)
{
    int64_t gen;
    char *copy = NULL;
    *text = NULL;
    *len = 0;
    if (gen_of(v, &gen) != 0 || gen < 0 || strlen(sha256) != 64)
        return 0;
    record_slot_t *s = &v.k->records[hash(sha256, 2166136261u) % RECORDS];
    uv_mutex_lock(&v.k->mu);
    if (s->gen == gen + 1 && strcmp(s->sha256, sha256) == 0 && strcmp(s->today, today) == 0 &&
        (copy = malloc(s->len + 1)) != NULL) {
        memcpy(copy, s->text, s->len + 1);
        *len = s->len;
    }
    uv_mutex_unlock(&v.k->mu);
    *text = copy;
    return copy != NULL;
}

void
cs_api_cache_record_put(cs_api_cache_view_t v, const char *sha256, const char *today,
                        const char *text, size_t len)
{
    int64_t gen;
    char *copy;
    if (gen_of(v, &gen) != 0 || gen < 0 || strlen(sha256) != 64 || strlen(today) != 10 ||
        len > RECORD_MAX || (copy = malloc(len + 1)) == NULL)
        return;
    memcpy(copy, text, len);
    copy[len] = '\0';
    record_slot_t *s = &v.k->records[hash(sha256, 2166136261u) % RECORDS];
    uv_mutex_lock(&v.k->mu);
    free(s->text);
    s->gen = gen + 1;
    memcpy(s->sha256, sha256, 65);
    memcpy(s->today, today, 11);
    s->text = copy;
    s->len = len;
    uv_mutex_unlock(&v.k->mu);
}
