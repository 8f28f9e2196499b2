/* core/log.c: JSON-lines logging. */
#include "core/log.h"

#include "core/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static cs_log_level_t log_min = CS_LOG_INFO;
static int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
cs_log_setup(cs_log_level_t min, int fd)
{
    log_min = min;
    log_fd = fd;
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
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (text == NULL)
        return;
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps leaves room: the NUL becomes the newline */
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
