/* core/workdays.c: working days under a holiday calendar file (workdays.h). */
#include "core/workdays.h"

#include "core/buf.h"
#include "core/embed.h"
#include "core/error.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int32_t day; /* days since 1970-01-01 */
    int working; /* 1 a make-up working day, 0 a holiday */
    char name[CS_WORKDAYS_NAME_MAX];
} wd_day_t;

struct cs_workdays {
    wd_day_t days[CS_WORKDAYS_DAYS_MAX]; /* sorted by day */
    size_t ndays;
    int years[CS_WORKDAYS_YEARS_MAX];
    size_t nyears;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int32_t
civil_days(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* 0 and *day for a valid YYYY-MM-DD (exactly 10 bytes, a real calendar day), else -1. */
static int
parse_date(const char *s, int32_t *day, int *year)
{
    int y, m, d, yy, mm, dd;
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    *day = civil_days(y, m, d);
    civil_from_days(*day, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d)
        return -1; /* 2026-02-30 */
    if (year != NULL)
        *year = y;
    return 0;
}

static int
covers(const cs_workdays_t *cal, int year)
{
    for (size_t i = 0; i < cal->nyears; i++)
        if (cal->years[i] == year)
            return 1;
    return 0;
}

static const wd_day_t *
find(const cs_workdays_t *cal, int32_t day)
{
    size_t lo = 0, hi = cal->ndays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->days[mid].day == day)
            return &cal->days[mid];
        if (cal->days[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int
by_day(const void *a, const void *b)
{
    int32_t x = ((const wd_day_t *)a)->day, y = ((const wd_day_t *)b)->day;
    return (x > y) - (x < y);
}

static char *
trim(char *s)
{
    size_t n;
    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* One line of the file into cal; -1 with the reason in *why for a line it cannot read. */
static int
read_line(cs_workdays_t *cal, char *line, const char **why)
{
    char *hash = strchr(line, '#'), *s, *kind, *name;
    int32_t day;
    if (hash != NULL)
        *hash = '\0';
    s = trim(line);
    if (*s == '\0')
        return 0;
    if (strncmp(s, "year", 4) == 0 && (s[4] == ' ' || s[4] == '\t')) {
        char *end;
        long y = strtol(trim(s + 4), &end, 10);
        if (*end != '\0' || y < 1900 || y > 9999) {
            *why = "a year line is `year YYYY`";
            return -1;
        }
        if (covers(cal, (int)y)) {
            *why = "this year is declared twice";
            return -1;
        }
        if (cal->nyears == CS_WORKDAYS_YEARS_MAX) {
            *why = "too many years in one file";
            return -1;
        }
        cal->years[cal->nyears++] = (int)y;
        return 0;
    }
    if (strlen(s) < 11 || (s[10] != ' ' && s[10] != '\t')) {
        *why = "a day line is `YYYY-MM-DD off|work name`";
        return -1;
    }
    s[10] = '\0';
    if (parse_date(s, &day, NULL) != 0) {
        *why = "the date is not a real YYYY-MM-DD";
        return -1;
    }
    kind = trim(s + 11);
    name = kind + strcspn(kind, " \t");
    if (*name != '\0')
        *name++ = '\0';
    name = trim(name);
    if (strcmp(kind, "off") != 0 && strcmp(kind, "work") != 0) {
        *why = "the kind of day is `off` (a holiday) or `work` (a make-up working day)";
        return -1;
    }
    if (strlen(name) >= CS_WORKDAYS_NAME_MAX) {
        *why = "the day's name is too long";
        return -1;
    }
    if (cal->ndays == CS_WORKDAYS_DAYS_MAX) {
        *why = "too many days in one file";
        return -1;
    }
    cal->days[cal->ndays].day = day;
    cal->days[cal->ndays].working = kind[0] == 'w';
    snprintf(cal->days[cal->ndays].name, CS_WORKDAYS_NAME_MAX, "%s", name);
    cal->ndays++;
    return 0;
}

/* Checks the days read: sorted, none twice, each in a declared year; the first fault in *why. */
static void
check_days(cs_workdays_t *cal, const char *name, const char **why)
{
    qsort(cal->days, cal->ndays, sizeof(cal->days[0]), by_day);
    for (size_t i = 0; i < cal->ndays; i++) {
        int y, m, d;
        civil_from_days(cal->days[i].day, &y, &m, &d);
        if (i > 0 && cal->days[i].day == cal->days[i - 1].day)
            *why = "a date is given twice";
        else if (!covers(cal, y))
            *why = "a date lies in a year without a `year` line";
        if (*why != NULL) {
            cs_diag_set("holiday calendar %s: %04d-%02d-%02d: %s", name, y, m, d, *why);
            return;
        }
    }
}

int
cs_workdays_parse(const char *text, size_t len, const char *name, cs_workdays_t **out)
{
    cs_workdays_t *cal = calloc(1, sizeof(*cal));
    const char *why = NULL;
    char line[256];
    int lineno = 0;
    size_t at = 0;
    *out = NULL;
    if (cal == NULL)
        return CS_ENOMEM;
    while (at < len && why == NULL) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = (nl != NULL ? (size_t)(nl - text) : len) - at;
        lineno++;
        if (n >= sizeof line || memchr(text + at, '\0', n) != NULL) {
            why = n >= sizeof line ? "the line is too long" : "the line holds a NUL byte";
            break;
        }
        memcpy(line, text + at, n);
        line[n] = '\0';
        at += n + 1;
        read_line(cal, line, &why);
    }
    if (why != NULL)
        cs_diag_set("holiday calendar %s line %d: %s", name, lineno, why);
    else
        check_days(cal, name, &why);
    if (why != NULL) {
        free(cal);
        return CS_ECONFIG;
    }
    *out = cal;
    return 0;
}

int
cs_workdays_load(const char *path, cs_workdays_t **out)
{
    char *text = malloc(CS_WORKDAYS_FILE_MAX + 1);
    FILE *f = NULL;
    size_t len = 0;
    int rc = 0;
    *out = NULL;
    if (text == NULL)
        return CS_ENOMEM;
    if ((f = fopen(path, "r")) == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot read the holiday calendar %s: %s", path, strerror(errno));
        goto done;
    }
    len = fread(text, 1, CS_WORKDAYS_FILE_MAX + 1, f);
    if (ferror(f)) {
        rc = CS_EIO;
        cs_diag_set("cannot read the holiday calendar %s", path);
    } else if (len > CS_WORKDAYS_FILE_MAX) {
        rc = CS_ECONFIG;
        cs_diag_set("holiday calendar %s: more than %d bytes", path, CS_WORKDAYS_FILE_MAX);
    } else {
        rc = cs_workdays_parse(text, len, path, out);
    }
done:
    if (f != NULL)
        fclose(f);
    free(text);
    return rc;
}

void
cs_workdays_free(cs_workdays_t **cal)
{
    free(*cal);
    *cal = NULL;
}

/* 1 if `day` is a working day; *known as cs_workdays_is_working says. */
static int
working(const cs_workdays_t *cal, int32_t day, int *known, const wd_day_t **entry)
{
    int y, m, d;
    int weekday = (int)((day % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday: 0 = Sunday */
    const wd_day_t *e = find(cal, day);
    civil_from_days(day, &y, &m, &d);
    *known = covers(cal, y);
    if (entry != NULL)
        *entry = e;
    if (e != NULL)
        return e->working;
    return weekday != 0 && weekday != 6;
}

int
cs_workdays_is_working(const cs_workdays_t *cal, const char *date, int *is_working, int *known,
                       char *name, size_t size)
{
    int32_t day;
    const wd_day_t *e;
    if (parse_date(date, &day, NULL) != 0) {
        cs_diag_set("\"%s\" is not a date: write it as YYYY-MM-DD", date ? date : "");
        return CS_EINVAL;
    }
    *is_working = working(cal, day, known, &e);
    if (name != NULL && size > 0)
        snprintf(name, size, "%s", e != NULL ? e->name : "");
    return 0;
}

int
cs_workdays_add(const cs_workdays_t *cal, const char *from, int n, char out[11], int *provisional)
{
    int32_t day;
    int y, m, d, known;
    if (parse_date(from, &day, NULL) != 0) {
        cs_diag_set("\"%s\" is not a date: write it as YYYY-MM-DD", from ? from : "");
        return CS_EINVAL;
    }
    if (n < 1 || n > CS_WORKDAYS_STEPS_MAX) {
        cs_diag_set("%d working days: give 1 to %d", n, CS_WORKDAYS_STEPS_MAX);
        return CS_EINVAL;
    }
    *provisional = 0;
    while (n > 0) {
        day++;
        if (working(cal, day, &known, NULL))
            n--;
        if (!known)
            *provisional = 1;
    }
    civil_from_days(day, &y, &m, &d);
    if (y > 9999) {
        cs_diag_set("%s + %d working days is past the year 9999", from, n);
        return CS_EINVAL;
    }
    char text[32]; /* y is 1900..9999, m and d a calendar's: 10 bytes */
    snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
    memcpy(out, text, 11);
    return 0;
}

int
cs_workdays_home(const char *root, cs_workdays_t **out, char *source, size_t size)
{
    char path[4096];
    const cs_embed_file_t *f;
    int rc;
    if (cs_snprintf(path, sizeof path, "%s/%s", root, CS_WORKDAYS_HOME_FILE) != 0)
        return CS_ENAMETOOLONG;
    rc = cs_workdays_load(path, out);
    if (rc != CS_ENOENT) {
        if (rc == 0 && source != NULL && cs_snprintf(source, size, "%s", path) != 0)
            rc = CS_ENAMETOOLONG;
        if (rc != 0)
            cs_workdays_free(out);
        return rc;
    }
    f = cs_embed_find(cs_data_files, cs_data_files_count, CS_WORKDAYS_BUILTIN);
    if (f == NULL) {
        cs_diag_set("no holiday calendar: %s is missing and none is built in", path);
        return CS_ENOENT;
    }
    if (source != NULL && cs_snprintf(source, size, "built-in %s", f->path) != 0)
        return CS_ENAMETOOLONG;
    return cs_workdays_parse((const char *)f->data, f->len, "built-in " CS_WORKDAYS_BUILTIN, out);
}

int
cs_workdays_years(const cs_workdays_t *cal, int *years, size_t cap)
{
    size_t n = cal->nyears < cap ? cal->nyears : cap;
    memcpy(years, cal->years, n * sizeof(years[0]));
    for (size_t i = 1; i < n; i++) /* a handful: insertion sort */
        for (size_t j = i; j > 0 && years[j - 1] > years[j]; j--) {
            int t = years[j];
            years[j] = years[j - 1];
            years[j - 1] = t;
        }
    return (int)n;
}
