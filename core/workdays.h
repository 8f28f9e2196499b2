/* core/workdays.h: working days under China's holiday calendar, for the legal deadlines
 * counted in working days (a penalty decision published within 7 working days of the
 * decision, other decisions within 20: issue 23).
 *
 * A working day is a Monday to Friday that is not a public holiday, or a Saturday or Sunday
 * named as a make-up working day (调休). The State Council publishes each year's holidays and
 * make-up days in November of the year before; Custody reads them from a calendar file in the
 * home (data/holidays-cn.txt is the one shipped), one line per day:
 *
 *     year 2026                 the notice for 2026 is complete in this file
 *     2026-01-01 off 元旦        a holiday (放假)
 *     2026-01-04 work 元旦调休    a make-up working day (上班)
 *
 * '#' starts a comment; names are free text. A date of a year with no `year` line is counted
 * by weekdays alone and the answer is marked provisional: the caller shows it as such until
 * the operator adds that year's notice. */
#ifndef CS_CORE_WORKDAYS_H
#define CS_CORE_WORKDAYS_H

#include <stddef.h>

#define CS_WORKDAYS_DAYS_MAX 512              /* holidays and make-up days in one file */
#define CS_WORKDAYS_YEARS_MAX 64              /* years one file may cover */
#define CS_WORKDAYS_NAME_MAX 48               /* bytes of a day's name, NUL included */
#define CS_WORKDAYS_STEPS_MAX 366             /* working days one call may count */
#define CS_WORKDAYS_FILE_MAX (64 * 1024)      /* bytes of a calendar file */
#define CS_WORKDAYS_HOME_FILE "holidays.txt"  /* in the home */
#define CS_WORKDAYS_BUILTIN "holidays-cn.txt" /* data/, built in (core/embed.h) */

typedef struct cs_workdays cs_workdays_t;

/** Reads the calendar file `path` into a new *out (free with cs_workdays_free). CS_ENOENT (or
 * another errno code) when it cannot be read; CS_ECONFIG naming the file and line for a line
 * it cannot read, a date given twice, a date outside its declared years, or more than
 * CS_WORKDAYS_DAYS_MAX days. */
int cs_workdays_load(const char *path, cs_workdays_t **out);

/** The same from `len` bytes of `text`; `name` names it in details (a path, "built-in"). */
int cs_workdays_parse(const char *text, size_t len, const char *name, cs_workdays_t **out);

/** The home's calendar: <root>/holidays.txt, or the built-in data/holidays-cn.txt when the
 * home has none. `source` (may be NULL, size bytes) names which was read. Errors as
 * cs_workdays_load's; a home file that cannot be read is an error, never silently replaced. */
int cs_workdays_home(const char *root, cs_workdays_t **out, char *source, size_t size);

/** Up to `cap` of the years the calendar covers into `years`, sorted; returns how many. */
int cs_workdays_years(const cs_workdays_t *cal, int *years, size_t cap);

/** Frees *cal (NULL is fine) and leaves NULL behind. */
void cs_workdays_free(cs_workdays_t **cal);

/** *working = 1 when `date` (YYYY-MM-DD) is a working day, else 0; *known = 1 when its year is
 * in the calendar (else the answer is by weekday alone). `name` (may be NULL, size bytes) gets
 * the holiday's or make-up day's name, "" for an ordinary day. CS_EINVAL for a bad date. */
int cs_workdays_is_working(const cs_workdays_t *cal, const char *date, int *working, int *known,
                           char *name, size_t size);

/** out = the `n`-th working day after `from` (the day of `from` itself never counts, as "within
 * n working days of the decision" is counted), 1 <= n <= CS_WORKDAYS_STEPS_MAX; *provisional
 * = 1 when a day counted lies in a year the calendar does not cover. CS_EINVAL for a bad
 * date or n. */
int cs_workdays_add(const cs_workdays_t *cal, const char *from, int n, char out[11],
                    int *provisional);

#endif
