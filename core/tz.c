/* core/tz.c: IANA time zones read from TZif files (RFC 8536), bounded, cached once per
 * process; never the C library's TZ/localtime, which are process-global. */
#include "core/tz.h"

#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_TYPES_MAX 256         /* RFC 8536: typecnt <= 256 */
#define TZ_UTOFF_MAX (26 * 3600) /* seconds: RFC 8536 keeps utoff in -89999..93599 */
#define TZ_RULE_HOURS_MAX 167    /* a footer rule's time, RFC 8536 section 3.3.1 */
#define TZ_FOOTER_MAX 128        /* bytes of a footer TZ string we read */
#define TZ_CACHE_MAX 16          /* zones one process keeps */
#define TZ_WALL_SPAN (2 * 86400) /* seconds either side of a wall time to find its offsets */

typedef struct tz_rule {
    int mon, week, wday; /* Mm.w.d */
    int time;            /* seconds after local midnight */
} tz_rule_t;

struct cs_tz {
    char name[CS_TZ_NAME_MAX + 1];
    uint32_t timecnt, typecnt;
    int64_t *times;   /* transition instants, ascending */
    uint8_t *idx;     /* the type after each transition */
    int32_t *utoff;   /* each type's offset east of UTC, seconds */
    int has_footer;   /* the footer is a simple rule we follow past the last transition */
    int32_t std, dst; /* footer offsets east of UTC */
    int has_dst;      /* the footer has summer time rules */
    tz_rule_t start, end;
};

int
cs_tz_name_ok(const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;
    if (n == 0 || n > CS_TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '-' || c == '/'))
            return 0;
    }
    /* No dot at all (so no "." or ".." component: zone names have none), no empty one. */
    return strstr(name, "//") == NULL;
}

int
cs_tz_parse_offset(const char *s, int *minutes)
{
    int h, m;
    if (s == NULL || strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
        return -1;
    for (int i = 1; i < 6; i++)
        if (i != 3 && (s[i] < '0' || s[i] > '9'))
            return -1;
    h = (s[1] - '0') * 10 + (s[2] - '0');
    m = (s[4] - '0') * 10 + (s[5] - '0');
    if (h > 18 || m > 59)
        return -1;
    *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return 0;
}

int64_t
cs_tz_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t
year_of(int64_t t)
{
    int64_t z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    return yoe + era * 400 + (mp >= 10);
}

static int
month_days(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Seconds since 1970 of the local midnight a rule names in year y, plus its time. */
static int64_t
rule_local(const tz_rule_t *r, int64_t y)
{
    int64_t first = cs_tz_days_from_civil(y, r->mon, 1);
    int wday1 = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int day = 1 + (r->wday - wday1 + 7) % 7 + 7 * (r->week - 1);
    while (day > month_days(y, r->mon))
        day -= 7;
    return (first + day - 1) * 86400 + r->time;
}

static int
footer_offset(const cs_tz_t *tz, int64_t t)
{
    if (!tz->has_dst)
        return tz->std;
    int64_t y = year_of(t + tz->std);
    int64_t start = rule_local(&tz->start, y) - tz->std; /* the start is in standard time */
    int64_t end = rule_local(&tz->end, y) - tz->dst;     /* the end in summer time */
    int in = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return in ? tz->dst : tz->std;
}

int
cs_tz_offset_at(const cs_tz_t *tz, int64_t t)
{
    uint32_t lo = 0, hi = tz->timecnt;
    if (tz->timecnt == 0 || t < tz->times[0])
        return tz->timecnt == 0 && tz->has_footer ? footer_offset(tz, t) : tz->utoff[0];
    while (hi - lo > 1) { /* the last transition at or before t */
        uint32_t mid = lo + (hi - lo) / 2;
        if (tz->times[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == tz->timecnt - 1 && tz->has_footer)
        return footer_offset(tz, t);
    return tz->utoff[tz->idx[lo]];
}

void
cs_tz_wall_offset(const cs_tz_t *tz, int year, int mon, int day, int hour, int min, int sec,
                  int *offset_s, cs_tz_fit_t *fit)
{
    int64_t wall = cs_tz_days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
    /* The offsets in force a little before and after; a wall time fits those it maps back to. */
    int before = cs_tz_offset_at(tz, wall - TZ_WALL_SPAN);
    int after = cs_tz_offset_at(tz, wall + TZ_WALL_SPAN);
    int fits_before = cs_tz_offset_at(tz, wall - before) == before;
    int fits_after = cs_tz_offset_at(tz, wall - after) == after;
    if (before == after && !fits_before) { /* two changes close together: try the one between */
        int mid = cs_tz_offset_at(tz, wall - before);
        if (cs_tz_offset_at(tz, wall - mid) == mid) {
            *offset_s = mid;
            *fit = CS_TZ_UNIQUE;
            return;
        }
    }
    if (fits_before && fits_after && before != after)
        *fit = CS_TZ_AMBIGUOUS;
    else if (fits_before || fits_after)
        *fit = CS_TZ_UNIQUE;
    else
        *fit = CS_TZ_SKIPPED;
    *offset_s = fits_before || !fits_after ? before : after;
}

/* Big-endian reads from a buffer already checked to hold them. */
static int64_t
be32(const unsigned char *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static int64_t
be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)(uint32_t)be32(p) << 32 | (uint32_t)be32(p + 4));
}

typedef struct tzhead {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
    uint64_t body; /* bytes of the body after the 44-byte header */
} tzhead_t;

static int
head_read(const unsigned char *p, size_t len, int tsize, tzhead_t *h)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    h->isutcnt = (uint32_t)be32(p + 20);
    h->isstdcnt = (uint32_t)be32(p + 24);
    h->leapcnt = (uint32_t)be32(p + 28);
    h->timecnt = (uint32_t)be32(p + 32);
    h->typecnt = (uint32_t)be32(p + 36);
    h->charcnt = (uint32_t)be32(p + 40);
    h->body = (uint64_t)h->timecnt * (uint64_t)(tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
              (uint64_t)h->leapcnt * (uint64_t)(tsize + 4) + h->isstdcnt + h->isutcnt;
    if (h->typecnt == 0 || h->typecnt > TZ_TYPES_MAX || h->charcnt == 0 ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt) || h->body > len - 44)
        return -1;
    return 0;
}

/* Reads a body whose header h was checked; leap seconds ("right/" zones) are refused. */
static int
body_read(const unsigned char *p, const tzhead_t *h, int tsize, cs_tz_t *tz)
{
    const unsigned char *types;
    if (h->leapcnt != 0)
        return -1;
    tz->timecnt = h->timecnt;
    tz->typecnt = h->typecnt;
    tz->times = malloc(((size_t)h->timecnt + 1) * sizeof *tz->times);
    tz->idx = malloc((size_t)h->timecnt + 1);
    tz->utoff = malloc((size_t)h->typecnt * sizeof *tz->utoff);
    if (tz->times == NULL || tz->idx == NULL || tz->utoff == NULL)
        return CS_ENOMEM;
    for (uint32_t i = 0; i < h->timecnt; i++) {
        tz->times[i] = tsize == 8 ? be64(p + (size_t)i * 8) : be32(p + (size_t)i * 4);
        if (i > 0 && tz->times[i] <= tz->times[i - 1])
            return -1;
    }
    p += (size_t)h->timecnt * (size_t)tsize;
    for (uint32_t i = 0; i < h->timecnt; i++)
        if ((tz->idx[i] = p[i]) >= h->typecnt)
            return -1;
    types = p + h->timecnt;
    for (uint32_t i = 0; i < h->typecnt; i++) {
        int64_t off = be32(types + (size_t)i * 6);
        if (off < -TZ_UTOFF_MAX || off > TZ_UTOFF_MAX || types[i * 6 + 4] > 1 ||
            types[i * 6 + 5] >= h->charcnt)
            return -1;
        tz->utoff[i] = (int32_t)off;
    }
    return 0;
}

/* A POSIX zone name: <...> or three or more letters. */
static const char *
tzs_name(const char *s)
{
    const char *p = s;
    if (*p == '<') {
        while (*++p != '>')
            if (*p == '\0')
                return NULL;
        return p - s >= 4 ? p + 1 : NULL;
    }
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p - s >= 3 ? p : NULL;
}

/* [+-]h[h][:mm[:ss]], hours up to `hmax`, into seconds. */
static const char *
tzs_time(const char *s, int hmax, int *secs)
{
    int sign = 1, v[3] = {0, 0, 0}, i = 0;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    for (;;) {
        int n = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 3) {
            n = n * 10 + (*s++ - '0');
            digits++;
        }
        if (digits == 0 || (i == 0 ? n > hmax : (digits != 2 || n > 59)))
            return NULL;
        v[i++] = n;
        if (*s != ':' || i == 3)
            break;
        s++;
    }
    *secs = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    return s;
}

/* ,Mm.w.d[/time] */
static const char *
tzs_rule(const char *s, tz_rule_t *r)
{
    int n[3] = {0, 0, 0};
    if (*s++ != ',' || *s++ != 'M')
        return NULL;
    for (int i = 0; i < 3; i++) {
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 2) {
            n[i] = n[i] * 10 + (*s++ - '0');
            digits++;
        }
        if (digits == 0 || (i < 2 && *s++ != '.'))
            return NULL;
    }
    if (n[0] < 1 || n[0] > 12 || n[1] < 1 || n[1] > 5 || n[2] > 6)
        return NULL;
    r->mon = n[0];
    r->week = n[1];
    r->wday = n[2];
    r->time = 7200;
    if (*s == '/')
        s = tzs_time(s + 1, TZ_RULE_HOURS_MAX, &r->time);
    return s;
}

/* Follows the footer only when it is simple: a fixed offset, or std/dst with M rules. */
static void
footer_read(const char *s, cs_tz_t *tz)
{
    int std, dst;
    if ((s = tzs_name(s)) == NULL || (s = tzs_time(s, 24, &std)) == NULL)
        return;
    tz->std = -std; /* POSIX counts west of UTC */
    if (*s == '\0') {
        tz->has_footer = 1;
        return;
    }
    if ((s = tzs_name(s)) == NULL)
        return;
    dst = std - 3600;
    if (*s != ',' && *s != '\0' && (s = tzs_time(s, 24, &dst)) == NULL)
        return;
    if ((s = tzs_rule(s, &tz->start)) == NULL || (s = tzs_rule(s, &tz->end)) == NULL || *s != '\0')
        return;
    tz->dst = -dst;
    tz->has_dst = tz->has_footer = 1;
}

static int
parse(const unsigned char *p, size_t len, cs_tz_t *tz)
{
    tzhead_t h;
    int rc = 0;
    if (head_read(p, len, 4, &h) != 0)
        return -1;
    if (p[4] == '\0')
        return body_read(p + 44, &h, 4, tz);
    p += 44 + h.body; /* version 2+: skip the 32-bit data to the 64-bit header */
    len -= 44 + h.body;
    if (head_read(p, len, 8, &h) != 0 || (rc = body_read(p + 44, &h, 8, tz)) != 0)
        return rc != 0 ? rc : -1;
    p += 44 + h.body;
    len -= 44 + h.body;
    /* The footer: a TZ string between newlines, which version 2+ files always end with. */
    const unsigned char *nl = len >= 2 && p[0] == '\n' ? memchr(p + 1, '\n', len - 1) : NULL;
    if (nl == NULL)
        return -1;
    size_t n = (size_t)(nl - p - 1);
    char footer[TZ_FOOTER_MAX];
    if (n < sizeof footer && memchr(p + 1, '\0', n) == NULL) {
        memcpy(footer, p + 1, n);
        footer[n] = '\0';
        footer_read(footer, tz);
    }
    return 0;
}

void
cs_tz_free(cs_tz_t **tz)
{
    if (tz == NULL || *tz == NULL)
        return;
    free((*tz)->times);
    free((*tz)->idx);
    free((*tz)->utoff);
    free(*tz);
    *tz = NULL;
}

int
cs_tz_load(const char *root, const char *name, cs_tz_t **out)
{
    char path[4096];
    unsigned char *buf = NULL;
    cs_tz_t *tz = NULL;
    struct stat st;
    size_t len = 0;
    int fd = -1, rc = 0;

    *out = NULL;
    if (root == NULL)
        root = CS_TZ_ROOT;
    if (!cs_tz_name_ok(name)) {
        cs_diag_set("\"%.80s\" is not a zone name: use letters, digits and _+-/ only, like "
                    "Asia/Shanghai",
                    name != NULL ? name : "");
        return CS_EINVAL;
    }
    if (cs_snprintf(path, sizeof path, "%s/%s", root, name) != 0)
        return CS_ENAMETOOLONG;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0 ||
        fstat(fd, &st) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 44 || st.st_size > CS_TZ_FILE_MAX) {
        cs_diag_set("%s is not a zone file (a TZif file of at most %d bytes)", path,
                    CS_TZ_FILE_MAX);
        rc = CS_ECORRUPT;
        goto out;
    }
    if ((buf = malloc((size_t)st.st_size)) == NULL || (tz = calloc(1, sizeof *tz)) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    memcpy(tz->name, name, strlen(name) + 1);
    if ((rc = parse(buf, len, tz)) != 0) {
        if (rc != CS_ENOMEM) {
            rc = CS_ECORRUPT;
            cs_diag_set("%s is not a TZif file Custody can read (truncated, damaged or with "
                        "leap seconds)",
                        path);
        }
        goto out;
    }
    *out = tz;
    tz = NULL;
out:
    if (fd != -1)
        close(fd);
    free(buf);
    cs_tz_free(&tz);
    return rc;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cs_tz_t *cache[TZ_CACHE_MAX];

int
cs_tz_get(const char *name, const cs_tz_t **out)
{
    cs_tz_t *tz = NULL;
    int rc = 0;
    size_t i;
    *out = NULL;
    pthread_mutex_lock(&cache_lock);
    for (i = 0; i < TZ_CACHE_MAX && cache[i] != NULL; i++)
        if (name != NULL && strcmp(cache[i]->name, name) == 0) {
            *out = cache[i];
            goto out;
        }
    if (i == TZ_CACHE_MAX) {
        cs_diag_set("no zone %.80s: this process has read %d zones already", name, TZ_CACHE_MAX);
        rc = CS_EINVAL;
        goto out;
    }
    if ((rc = cs_tz_load(NULL, name, &tz)) == 0)
        *out = cache[i] = tz;
out:
    pthread_mutex_unlock(&cache_lock);
    return rc;
}
