/* core/log.h: the service's log: one JSON object per line on stderr.
 *
 * {"ts":"2026-11-27T04:12:25.123Z","level":"info","event":"ingest.done", ...fields}
 * Lines are written whole with one write(2), so concurrent writers never interleave. Under
 * systemd, when the file descriptor is the journal stream ($JOURNAL_STREAM), each line starts
 * with its syslog priority ("<3>" for error), which journald takes off and keeps as PRIORITY.
 */
#ifndef CS_CORE_LOG_H
#define CS_CORE_LOG_H

#include <jansson.h>

typedef enum { CS_LOG_DEBUG, CS_LOG_INFO, CS_LOG_WARN, CS_LOG_ERROR } cs_log_level_t;

/** Sets the lowest level written (default CS_LOG_INFO) and the file descriptor (default 2). */
void cs_log_setup(cs_log_level_t min, int fd);

/** Writes one line: `event` names what happened ("watch.added", "job.rejected"); `fields`
 * (may be NULL) is a JSON object whose members are added to the line; it is stolen. */
void cs_log(cs_log_level_t level, const char *event, json_t *fields);

#endif
