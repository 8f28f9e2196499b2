/* core/log.c: JSON-lines logging. */
#include "core/log.h"

#include "core/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cs_log_level_t log_min = CS_LOG_INFO;
static int log_fd = 2;
static int log_journal; /* log_fd is systemd's journal stream: lines start with "<priority>" */
static pthread_once_t log_journal_once = PTHREAD_ONCE_INIT;

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const char level_priority[] = {'7', '6', '4', '3'}; /* syslog: debug info warning err */

/* systemd names the stream it gave a service as stdout/stderr in $JOURNAL_STREAM ("dev:ino");
 * on that stream a "<N>" prefix sets a line's priority (journalctl -p) and journald strips
 * it, so the message stays the JSON object. */
static void
journal_detect(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    log_journal = js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
                  fstat(log_fd, &st) == 0 && (unsigned long long)st.st_dev == dev &&
                  (unsigned long long)st.st_ino == ino;
}

void
cs_log_setup(cs_log_level_t min, int fd)
{
    pthread_once(&log_journal_once, journal_detect);
    log_min = min;
    log_fd = fd;
    journal_detect();
}

void
cs_log(cs_log_level_t level, const char *event, json_t *fields)
{
    char ts[CS_TIME_MAX];
    if (level < log_min) {
        json_decref(fields);
        return;
    }
    cs_clock_now(ts);
    json_t *line =
        json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_names[level], "event", event);
    if (line == NULL) {
        json_decref(fields);
        return;
    }
    if (fields != NULL)
        json_object_update_missing(line, fields);
    json_decref(fields);
    /* Compact JSON escapes every control character: a value's newline never splits the line. */
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (text == NULL)
        return;
    pthread_once(&log_journal_once, journal_detect);
    size_t len = strlen(text);
    if (log_journal) {
        char *prefixed = malloc(len + 4);
        if (prefixed == NULL) {
            free(text);
            return;
        }
        prefixed[0] = '<';
        prefixed[1] = level_priority[level];
        prefixed[2] = '>';
        memcpy(prefixed + 3, text, len + 1);
        free(text);
        text = prefixed;
        len += 3;
    }
    text[len] = '\n'; /* the NUL becomes the newline: json_dumps (or the copy) left room */
    const char *p = text;
    size_t left = len + 1;
    while (left > 0) {
        ssize_t n = write(log_fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    free(text);
}
