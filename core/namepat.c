/* core/namepat.c: body-camera file names read by `ingest.name_pattern` with PCRE2 (named
 * groups, a well-kept engine with match limits). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/namepat.h"

#include "core/buf.h"
#include "core/error.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#define NAMEPAT_MATCH_LIMIT 100000 /* backtracking steps per name: a bad pattern stops here */

struct cs_namepat {
    pcre2_code *code;
    pcre2_match_context *mctx;
};

static const char *const groups[] = {"device", "officer", "time", "important"};

int
cs_namepat_new(const char *key, const char *pattern, cs_namepat_t **out)
{
    cs_namepat_t *p = NULL;
    PCRE2_UCHAR msg[256];
    PCRE2_SIZE at = 0;
    int rc, found = 0;

    *out = NULL;
    if (pattern == NULL || pattern[0] == '\0')
        return 0;
    if ((p = calloc(1, sizeof *p)) == NULL)
        return CS_ENOMEM;
    p->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                            PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &rc, &at, NULL);
    if (p->code == NULL) {
        pcre2_get_error_message(rc, msg, sizeof msg);
        cs_diag_set("%s = \"%.120s\" is not a regular expression: %s at byte %zu; write a PCRE2 "
                    "pattern with named groups like (?<time>[0-9]{14})",
                    key, pattern, (const char *)msg, (size_t)at);
        cs_namepat_free(&p);
        return CS_ECONFIG;
    }
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        found += pcre2_substring_number_from_name(p->code, (PCRE2_SPTR)groups[i]) > 0;
    if (found == 0) {
        cs_diag_set("%s = \"%.120s\" names none of the groups device, officer, time, important; "
                    "name them like (?<officer>[0-9]+)",
                    key, pattern);
        cs_namepat_free(&p);
        return CS_ECONFIG;
    }
    if ((p->mctx = pcre2_match_context_create(NULL)) == NULL) {
        cs_namepat_free(&p);
        return CS_ENOMEM;
    }
    pcre2_set_match_limit(p->mctx, NAMEPAT_MATCH_LIMIT);
    *out = p;
    return 0;
}

void
cs_namepat_free(cs_namepat_t **p)
{
    if (p == NULL || *p == NULL)
        return;
    pcre2_match_context_free((*p)->mctx);
    pcre2_code_free((*p)->code);
    free(*p);
    *p = NULL;
}

/* The wall time of the digits of `s`: 14 (seconds) or 12 (minutes), separators skipped;
 * 0 and out filled, or -1. The calendar check is the capture-time rules' (media/captime.c). */
static int
wall_time(const char *s, size_t n, char out[20])
{
    char d[15];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (k == 14)
                return -1;
            d[k++] = s[i];
        } else if (strchr("-_:. T", s[i]) == NULL) {
            return -1;
        }
    }
    if (k == 12) {
        d[12] = d[13] = '0';
        k = 14;
    }
    if (k != 14 || d[4] > '1' || d[6] > '3' || d[8] > '2' || d[10] > '5' || d[12] > '5')
        return -1;
    memcpy(out, d, 4);
    out[4] = '-';
    memcpy(out + 5, d + 4, 2);
    out[7] = '-';
    memcpy(out + 8, d + 6, 2);
    out[10] = 'T';
    memcpy(out + 11, d + 8, 2);
    out[13] = ':';
    memcpy(out + 14, d + 10, 2);
    out[16] = ':';
    memcpy(out + 17, d + 12, 2);
    out[19] = '\0';
    return 0;
}

int
cs_namepat_match(const cs_namepat_t *p, const char *name, json_t **out)
{
    pcre2_match_data *md = NULL;
    json_t *o = NULL;
    int rc, err = 0;

    *out = NULL;
    if (p == NULL || name == NULL)
        return 0;
    if ((md = pcre2_match_data_create_from_pattern(p->code, NULL)) == NULL)
        return CS_ENOMEM;
    rc = pcre2_match(p->code, (PCRE2_SPTR)name, strlen(name), 0, 0, md, p->mctx);
    if (rc <= 0) /* no match, or the limit: the name says nothing */
        goto out;
    if ((o = json_object()) == NULL) {
        err = CS_ENOMEM;
        goto out;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    int important = 0;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        int g = pcre2_substring_number_from_name(p->code, (PCRE2_SPTR)groups[i]);
        if (g <= 0 || g >= rc || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] <= ov[2 * g])
            continue;
        const char *s = name + ov[2 * g];
        size_t n = ov[2 * g + 1] - ov[2 * g];
        char wall[20];
        if (i == 3) {
            important = 1;
            continue;
        }
        json_t *v = json_stringn(s, n); /* NULL when the bytes are not UTF-8: left out */
        if (v != NULL && json_object_set_new(o, i == 2 ? "time_text" : groups[i], v) != 0)
            err = CS_ENOMEM;
        if (i == 2 && wall_time(s, n, wall) == 0 &&
            json_object_set_new(o, "time", json_string(wall)) != 0)
            err = CS_ENOMEM;
    }
    if (err == 0 && json_object_set_new(o, "important", json_boolean(important)) != 0)
        err = CS_ENOMEM;
out:
    pcre2_match_data_free(md);
    if (err != 0)
        json_decref(o);
    else
        *out = o;
    return err;
}
