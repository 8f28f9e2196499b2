/* tests/media/test_captime.c: the capture time a record states, from its candidates: rule
 * precedence, known and unknown offsets, the configured default zone, UTC sources, the UTC
 * instant across day, month and year boundaries, and candidates that are not dates. */
#include "core/error.h"
#include "media/captime.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *candidates; /* JSON array */
    const char *default_tz; /* NULL: none */
    const char *at;         /* NULL: captured_at null */
    const char *source;
    const char *utc; /* NULL: captured_at_utc null */
    int offset_known;
    int errors;           /* entries expected in errors */
    const char *estimate; /* the file time kept apart when only it was there; else NULL */
} case_t;

static const case_t cases[] = {
    /* rules, in order of preference */
    {"the content's time beats the clerk's sidecar",
     "[{\"source\":\"file:mtime\",\"utc\":\"2024-01-01T00:00:00Z\"},"
     "{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\",\"offset\":\"+08:"
     "00\"},"
     "{\"source\":\"sidecar\",\"local\":\"2023-11-03T09:00:00\",\"offset\":\"+01:00\"}]",
     NULL, "2023-11-03T10:15:00+08:00", "exif:DateTimeOriginal+OffsetTimeOriginal",
     "2023-11-03T02:15:00Z", 1, 0, NULL},
    {"the sidecar when the content states no time",
     "[{\"source\":\"file:mtime\",\"utc\":\"2024-01-01T00:00:00Z\"},"
     "{\"source\":\"sidecar\",\"local\":\"2023-11-03T09:00:00\",\"offset\":\"+01:00\"}]",
     NULL, "2023-11-03T09:00:00+01:00", "sidecar", "2023-11-03T08:00:00Z", 1, 0, NULL},
    {"a content source not listed beats the sidecar",
     "[{\"source\":\"sidecar\",\"local\":\"2023-11-03T09:00:00\",\"offset\":\"+01:00\"},"
     "{\"source\":\"avchd:MDPM\",\"local\":\"2019-04-24T22:24:00\",\"offset\":\"+02:00\"}]",
     NULL, "2019-04-24T22:24:00+02:00", "avchd:MDPM", "2019-04-24T20:24:00Z", 1, 0, NULL},
    {"a body-camera name's time beats the clerk's sidecar",
     "[{\"source\":\"sidecar\",\"local\":\"2023-11-03T09:00:00\",\"offset\":\"+01:00\"},"
     "{\"source\":\"name:ingest.name_pattern+config:site.tz\",\"local\":\"2023-11-03T14:30:"
     "00\",\"offset\":\"+08:00\"}]",
     NULL, "2023-11-03T14:30:00+08:00", "name:ingest.name_pattern+config:site.tz",
     "2023-11-03T06:30:00Z", 1, 0, NULL},
    {"the content's own time beats a body-camera name's",
     "[{\"source\":\"name:ingest.name_pattern\",\"local\":\"2023-11-03T14:30:00\",\"offset\""
     ":null},{\"source\":\"quicktime:creation_time\",\"utc\":\"2023-11-03T06:29:58Z\"}]",
     NULL, "2023-11-03T06:29:58Z", "quicktime:creation_time", "2023-11-03T06:29:58Z", 0, 0, NULL},
    {"a bare wall time in a name takes ingest.default_tz",
     "[{\"source\":\"name:ingest.name_pattern\",\"local\":\"2023-11-03T14:30:00\",\"offset\""
     ":null}]",
     "+08:00", "2023-11-03T14:30:00+08:00", "name:ingest.name_pattern+config:ingest.default_tz",
     "2023-11-03T06:30:00Z", 0, 0, NULL},
    {"a content source not listed beats a body-camera name",
     "[{\"source\":\"name:ingest.name_pattern\",\"local\":\"2023-11-03T14:30:00\",\"offset\""
     ":\"+08:00\"},{\"source\":\"avchd:MDPM\",\"local\":\"2019-04-24T22:24:00\",\"offset\":"
     "\"+02:00\"}]",
     NULL, "2019-04-24T22:24:00+02:00", "avchd:MDPM", "2019-04-24T20:24:00Z", 1, 0, NULL},
    {"EXIF DateTimeOriginal beats Apple creationdate",
     "[{\"source\":\"quicktime:com.apple.quicktime.creationdate\",\"local\":\"2019-07-24T11:25:"
     "40\",\"offset\":\"+03:00\"},"
     "{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2019-07-24T11:25:41\",\"offset\":null}]",
     NULL, "2019-07-24T11:25:41", "exif:DateTimeOriginal", NULL, 0, 0, NULL},
    {"Apple creationdate beats QuickTime creation_time",
     "[{\"source\":\"quicktime:creation_time\",\"utc\":\"2019-07-24T08:25:57Z\"},"
     "{\"source\":\"quicktime:com.apple.quicktime.creationdate\",\"local\":\"2019-07-24T11:25:"
     "40\",\"offset\":\"+03:00\"}]",
     NULL, "2019-07-24T11:25:40+03:00", "quicktime:com.apple.quicktime.creationdate",
     "2019-07-24T08:25:40Z", 1, 0, NULL},
    {"QuickTime creation_time beats EXIF CreateDate",
     "[{\"source\":\"exif:CreateDate\",\"local\":\"2005-10-28T17:46:46\",\"offset\":null},"
     "{\"source\":\"quicktime:creation_time\",\"utc\":\"2005-10-28T17:46:46Z\"}]",
     NULL, "2005-10-28T17:46:46Z", "quicktime:creation_time", "2005-10-28T17:46:46Z", 0, 0, NULL},
    {"Matroska creation_time is a UTC source too",
     "[{\"source\":\"exif:ModifyDate\",\"local\":\"2010-01-01T00:00:00\",\"offset\":null},"
     "{\"source\":\"container:creation_time\",\"utc\":\"2010-05-06T07:08:09Z\"}]",
     NULL, "2010-05-06T07:08:09Z", "container:creation_time", "2010-05-06T07:08:09Z", 0, 0, NULL},
    {"EXIF CreateDate beats ModifyDate",
     "[{\"source\":\"exif:ModifyDate\",\"local\":\"2020-02-02T02:02:02\",\"offset\":\"-05:00\"},"
     "{\"source\":\"exif:CreateDate\",\"local\":\"2020-02-01T01:01:01\",\"offset\":\"-05:00\"}]",
     NULL, "2020-02-01T01:01:01-05:00", "exif:CreateDate+OffsetTimeDigitized",
     "2020-02-01T06:01:01Z", 1, 0, NULL},
    {"EXIF ModifyDate beats the file's mtime",
     "[{\"source\":\"file:mtime\",\"utc\":\"2024-01-01T00:00:00Z\"},"
     "{\"source\":\"exif:ModifyDate\",\"local\":\"2020-02-02T02:02:02\",\"offset\":\"+00:00\"}]",
     NULL, "2020-02-02T02:02:02+00:00", "exif:ModifyDate+OffsetTime", "2020-02-02T02:02:02Z", 1, 0,
     NULL},
    {"the file's mtime alone: unknown, the file time kept apart",
     "[{\"source\":\"file:mtime\",\"utc\":\"2024-03-05T12:34:56.789Z\"}]", "+08:00", NULL,
     "file:mtime", NULL, 0, 0, "2024-03-05T12:34:56.789Z"},
    {"an unknown source ranks above the mtime only",
     "[{\"source\":\"file:mtime\",\"utc\":\"2024-01-01T00:00:00Z\"},"
     "{\"source\":\"xmp:DateCreated\",\"local\":\"2021-06-07T08:09:10\",\"offset\":null},"
     "{\"source\":\"exif:ModifyDate\",\"local\":\"2020-02-02T02:02:02\",\"offset\":null}]",
     NULL, "2020-02-02T02:02:02", "exif:ModifyDate", NULL, 0, 0, NULL},
    {"the first of two candidates of one rule",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2001-01-01T01:01:01\",\"offset\":null},"
     "{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2002-02-02T02:02:02\",\"offset\":null}]",
     NULL, "2001-01-01T01:01:01", "exif:DateTimeOriginal", NULL, 0, 0, NULL},

    /* offsets known and unknown, the default zone */
    {"EXIF with OffsetTimeOriginal",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\",\"offset\":\"+08:"
     "00\",\"subsec\":\"123\"}]",
     NULL, "2023-11-03T10:15:00+08:00", "exif:DateTimeOriginal+OffsetTimeOriginal",
     "2023-11-03T02:15:00Z", 1, 0, NULL},
    {"EXIF without offset stays without one",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\",\"offset\":null}]",
     NULL, "2023-11-03T10:15:00", "exif:DateTimeOriginal", NULL, 0, 0, NULL},
    {"an empty default_tz is no default",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\"}]", "",
     "2023-11-03T10:15:00", "exif:DateTimeOriginal", NULL, 0, 0, NULL},
    {"default_tz fills a missing offset and says so",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\",\"offset\":null}]",
     "+08:00", "2023-11-03T10:15:00+08:00", "exif:DateTimeOriginal+config:ingest.default_tz",
     "2023-11-03T02:15:00Z", 0, 0, NULL},
    {"default_tz never replaces a known offset",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\",\"offset\":\"-03:"
     "30\"}]",
     "+08:00", "2023-11-03T10:15:00-03:30", "exif:DateTimeOriginal+OffsetTimeOriginal",
     "2023-11-03T13:45:00Z", 1, 0, NULL},
    {"default_tz does not touch a UTC source",
     "[{\"source\":\"quicktime:creation_time\",\"utc\":\"2019-07-24T08:25:57Z\"}]", "+08:00",
     "2019-07-24T08:25:57Z", "quicktime:creation_time", "2019-07-24T08:25:57Z", 0, 0, NULL},
    {"a bad default_tz is not applied",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\",\"offset\":null}]",
     "Nowhere/City", "2023-11-03T10:15:00", "exif:DateTimeOriginal", NULL, 0, 1, NULL},
    {"a default_tz outside the zone files is not applied",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\",\"offset\":null}]",
     "../../etc/passwd", "2023-11-03T10:15:00", "exif:DateTimeOriginal", NULL, 0, 1, NULL},
    /* default_tz as a zone: the offset that date had, and the zone named in the source */
    {"a zone default_tz: EXIF without offset in Asia/Shanghai",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-07-01T10:00:00\",\"offset\":null}]",
     "Asia/Shanghai", "2023-07-01T10:00:00+08:00",
     "exif:DateTimeOriginal+config:ingest.default_tz(Asia/Shanghai)", "2023-07-01T02:00:00Z", 0, 0,
     NULL},
    {"a zone default_tz in winter",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-01-15T12:00:00\",\"offset\":null}]",
     "Europe/Berlin", "2023-01-15T12:00:00+01:00",
     "exif:DateTimeOriginal+config:ingest.default_tz(Europe/Berlin)", "2023-01-15T11:00:00Z", 0, 0,
     NULL},
    {"a zone default_tz in summer",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-07-15T12:00:00\",\"offset\":null}]",
     "Europe/Berlin", "2023-07-15T12:00:00+02:00",
     "exif:DateTimeOriginal+config:ingest.default_tz(Europe/Berlin)", "2023-07-15T10:00:00Z", 0, 0,
     NULL},
    {"a wall time the clocks passed twice takes the earlier offset, noted",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-10-29T02:30:00\",\"offset\":null}]",
     "Europe/Berlin", "2023-10-29T02:30:00+02:00",
     "exif:DateTimeOriginal+config:ingest.default_tz(Europe/Berlin)", "2023-10-29T00:30:00Z", 0, 1,
     NULL},
    {"a wall time the clocks skipped takes the offset before, noted",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-03-26T02:30:00\",\"offset\":null}]",
     "Europe/Berlin", "2023-03-26T02:30:00+01:00",
     "exif:DateTimeOriginal+config:ingest.default_tz(Europe/Berlin)", "2023-03-26T01:30:00Z", 0, 1,
     NULL},
    {"a zone default_tz never replaces a known offset",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-07-15T12:00:00\",\"offset\":\"-03:"
     "00\"}]",
     "Europe/Berlin", "2023-07-15T12:00:00-03:00", "exif:DateTimeOriginal+OffsetTimeOriginal",
     "2023-07-15T15:00:00Z", 1, 0, NULL},
    {"a zone default_tz gives way to the GPS stamp",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-07-15T12:00:00\",\"offset\":null},"
     "{\"source\":\"exif:GPSDateTime\",\"utc\":\"2023-07-15T03:00:00Z\"}]",
     "Europe/Berlin", "2023-07-15T12:00:00+09:00", "exif:DateTimeOriginal+gps",
     "2023-07-15T03:00:00Z", 1, 0, NULL},
    {"an unreadable offset is unknown",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\",\"offset\":\"+8\"}"
     "]",
     NULL, "2023-11-03T10:15:00", "exif:DateTimeOriginal", NULL, 0, 1, NULL},

    /* the UTC instant across boundaries */
    {"positive offset back over midnight, month and year",
     "[{\"source\":\"sidecar\",\"local\":\"2024-01-01T05:00:00\",\"offset\":\"+09:00\"}]", NULL,
     "2024-01-01T05:00:00+09:00", "sidecar", "2023-12-31T20:00:00Z", 1, 0, NULL},
    {"negative offset forward over midnight, month and year",
     "[{\"source\":\"sidecar\",\"local\":\"2023-12-31T22:30:00\",\"offset\":\"-05:00\"}]", NULL,
     "2023-12-31T22:30:00-05:00", "sidecar", "2024-01-01T03:30:00Z", 1, 0, NULL},
    {"into a leap day",
     "[{\"source\":\"sidecar\",\"local\":\"2024-03-01T01:00:00\",\"offset\":\"+05:30\"}]", NULL,
     "2024-03-01T01:00:00+05:30", "sidecar", "2024-02-29T19:30:00Z", 1, 0, NULL},
    {"out of a leap day",
     "[{\"source\":\"sidecar\",\"local\":\"2024-02-29T20:00:00\",\"offset\":\"-10:00\"}]", NULL,
     "2024-02-29T20:00:00-10:00", "sidecar", "2024-03-01T06:00:00Z", 1, 0, NULL},
    {"no leap day in 2100",
     "[{\"source\":\"sidecar\",\"local\":\"2100-03-01T00:15:00\",\"offset\":\"+00:30\"}]", NULL,
     "2100-03-01T00:15:00+00:30", "sidecar", "2100-02-28T23:45:00Z", 1, 0, NULL},
    {"end of a 30-day month",
     "[{\"source\":\"sidecar\",\"local\":\"2021-04-30T23:59:59\",\"offset\":\"-00:01\"}]", NULL,
     "2021-04-30T23:59:59-00:01", "sidecar", "2021-05-01T00:00:59Z", 1, 0, NULL},
    {"before 1970",
     "[{\"source\":\"sidecar\",\"local\":\"1969-12-31T23:00:00\",\"offset\":\"-02:00\"}]", NULL,
     "1969-12-31T23:00:00-02:00", "sidecar", "1970-01-01T01:00:00Z", 1, 0, NULL},
    {"fractions of a second are kept",
     "[{\"source\":\"sidecar\",\"local\":\"2022-06-30T23:59:59.250\",\"offset\":\"-14:00\"}]", NULL,
     "2022-06-30T23:59:59.250-14:00", "sidecar", "2022-07-01T13:59:59.250Z", 1, 0, NULL},
    {"default_tz across a boundary",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2020-03-01T00:10:00\",\"offset\":null}]",
     "+01:00", "2020-03-01T00:10:00+01:00", "exif:DateTimeOriginal+config:ingest.default_tz",
     "2020-02-29T23:10:00Z", 0, 0, NULL},

    /* bad candidates */
    {"a date that is not a date is skipped",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"0000-00-00T00:00:00\",\"offset\":null},"
     "{\"source\":\"exif:CreateDate\",\"local\":\"2018-05-06T07:08:09\",\"offset\":null}]",
     NULL, "2018-05-06T07:08:09", "exif:CreateDate", NULL, 0, 1, NULL},
    {"February 30th is skipped",
     "[{\"source\":\"sidecar\",\"local\":\"2023-02-30T10:00:00\",\"offset\":\"+01:00\"},"
     "{\"source\":\"file:mtime\",\"utc\":\"2023-03-01T00:00:00Z\"}]",
     NULL, NULL, "file:mtime", NULL, 0, 1, "2023-03-01T00:00:00Z"},
    {"hour 24, trailing text, a UTC time without Z",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-01-01T24:00:00\"},"
     "{\"source\":\"exif:CreateDate\",\"local\":\"2023-01-01T10:00:00 junk\"},"
     "{\"source\":\"quicktime:creation_time\",\"utc\":\"2023-01-01T10:00:00\"},"
     "{\"source\":\"exif:ModifyDate\",\"local\":\"2023-01-01T10:00:00\"}]",
     NULL, "2023-01-01T10:00:00", "exif:ModifyDate", NULL, 0, 3, NULL},
    {"candidates without a source or a time, or that are not objects",
     "[{\"local\":\"2023-01-01T10:00:00\"}, 42, {\"source\":\"sidecar\"},"
     "{\"source\":\"sidecar\",\"local\":\"2023-01-01T10:00:00\",\"utc\":\"2023-01-01T10:00:00Z\"}"
     "]",
     NULL, NULL, NULL, NULL, 0, 5, NULL},
    {"invalid bytes in a bad candidate",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":"
     "\"\\u0001\\u00ff 2023\"}]",
     NULL, NULL, NULL, NULL, 0, 2, NULL},

    /* the offset a photo's GPS UTC stamp implies */
    {"GPS stamp gives the offset (+08:00, the stamp a few seconds off)",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-11-03T10:15:00\",\"offset\":null},"
     "{\"source\":\"exif:GPSDateTime\",\"utc\":\"2023-11-03T02:14:31Z\"}]",
     "-03:00", "2023-11-03T10:15:00+08:00", "exif:DateTimeOriginal+gps", "2023-11-03T02:15:00Z", 1,
     0, NULL},
    {"GPS stamp across midnight, a negative offset",
     "[{\"source\":\"exif:GPSDateTime\",\"utc\":\"2024-01-01T02:03:00Z\"},"
     "{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2023-12-31T21:05:00\",\"offset\":null}]",
     NULL, "2023-12-31T21:05:00-05:00", "exif:DateTimeOriginal+gps", "2024-01-01T02:05:00Z", 1, 0,
     NULL},
    {"GPS stamp gives a quarter-hour offset (Nepal)",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2022-05-01T12:00:00\",\"offset\":null},"
     "{\"source\":\"exif:GPSDateTime\",\"utc\":\"2022-05-01T06:15:02Z\"}]",
     NULL, "2022-05-01T12:00:00+05:45", "exif:DateTimeOriginal+gps", "2022-05-01T06:15:00Z", 1, 0,
     NULL},
    {"a GPS stamp more than 14 hours off gives no offset",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2022-05-01T12:00:00\",\"offset\":null},"
     "{\"source\":\"exif:GPSDateTime\",\"utc\":\"2022-05-02T03:00:00Z\"}]",
     NULL, "2022-05-01T12:00:00", "exif:DateTimeOriginal", NULL, 0, 0, NULL},
    {"the camera's own offset beats the GPS stamp",
     "[{\"source\":\"exif:DateTimeOriginal\",\"local\":\"2022-05-01T12:00:00\",\"offset\":\"+02:"
     "00\"},{\"source\":\"exif:GPSDateTime\",\"utc\":\"2022-05-01T04:00:00Z\"}]",
     NULL, "2022-05-01T12:00:00+02:00", "exif:DateTimeOriginal+OffsetTimeOriginal",
     "2022-05-01T10:00:00Z", 1, 0, NULL},
    {"the GPS stamp alone is the capture time, in UTC",
     "[{\"source\":\"file:mtime\",\"utc\":\"2024-01-01T00:00:00Z\"},"
     "{\"source\":\"exif:GPSDateTime\",\"utc\":\"2022-05-01T04:00:00Z\"}]",
     NULL, "2022-05-01T04:00:00Z", "exif:GPSDateTime", "2022-05-01T04:00:00Z", 0, 0, NULL},

    /* no candidates */
    {"an empty list", "[]", NULL, NULL, NULL, NULL, 0, 1, NULL},
    {"no list at all", NULL, "+08:00", NULL, NULL, NULL, 0, 1, NULL},
};

START_TEST(rules)
{
    const case_t *c = &cases[_i];
    json_t *rec = json_object(), *cands = NULL;
    json_error_t err;
    if (c->candidates != NULL) {
        cands = json_loads(c->candidates, 0, &err);
        ck_assert_msg(cands != NULL, "%s: %s", c->name, err.text);
        json_object_set_new(rec, "time_candidates", cands);
    }
    ck_assert_int_eq(cs_captime_choose(rec, c->default_tz), 0);

    json_t *at = json_object_get(rec, "captured_at");
    json_t *utc = json_object_get(rec, "captured_at_utc");
    json_t *src = json_object_get(rec, "captured_at_source");
    json_t *errors = json_object_get(rec, "errors");
    char *dump = json_dumps(rec, JSON_COMPACT);
    json_t *est = json_object_get(rec, "captured_at_estimate");
    json_t *file_time = json_object_get(rec, "file_time");
    if (c->estimate != NULL)
        ck_assert_msg(json_is_string(est) && strcmp(json_string_value(est), "file_time") == 0 &&
                          json_is_string(file_time) &&
                          strcmp(json_string_value(file_time), c->estimate) == 0,
                      "%s: the file time apart in %s", c->name, dump);
    else
        ck_assert_msg(json_is_null(est) && json_is_null(file_time), "%s: no estimate in %s",
                      c->name, dump);
    if (c->at == NULL) {
        ck_assert_msg(json_is_null(at), "%s: %s", c->name, dump);
        if (c->source == NULL)
            ck_assert_msg(json_is_null(src), "%s: %s", c->name, dump);
        else
            ck_assert_msg(json_is_string(src) && strcmp(json_string_value(src), c->source) == 0,
                          "%s: captured_at_source in %s", c->name, dump);
    } else {
        ck_assert_msg(json_is_string(at) && strcmp(json_string_value(at), c->at) == 0,
                      "%s: captured_at in %s", c->name, dump);
        ck_assert_msg(json_is_string(src) && strcmp(json_string_value(src), c->source) == 0,
                      "%s: captured_at_source in %s", c->name, dump);
    }
    if (c->utc == NULL)
        ck_assert_msg(json_is_null(utc), "%s: captured_at_utc in %s", c->name, dump);
    else
        ck_assert_msg(json_is_string(utc) && strcmp(json_string_value(utc), c->utc) == 0,
                      "%s: captured_at_utc in %s", c->name, dump);
    ck_assert_msg(json_is_boolean(json_object_get(rec, "offset_known")) &&
                      json_boolean_value(json_object_get(rec, "offset_known")) ==
                          (c->offset_known != 0),
                  "%s: offset_known in %s", c->name, dump);
    ck_assert_msg(json_is_array(errors) && json_array_size(errors) == (size_t)c->errors,
                  "%s: %d errors expected in %s", c->name, c->errors, dump);
    size_t i;
    json_t *m;
    json_array_foreach(errors, i, m)
        ck_assert_msg(json_string_length(m) > 0, "%s: empty error", c->name);
    free(dump);
    json_decref(rec);
}
END_TEST

/* Errors already in the record are kept; the chooser appends. */
START_TEST(errors_are_appended)
{
    json_t *rec = json_pack("{s:[s], s:[]}", "errors", "no EXIF", "time_candidates");
    ck_assert_int_eq(cs_captime_choose(rec, NULL), 0);
    json_t *errors = json_object_get(rec, "errors");
    ck_assert_int_eq(json_array_size(errors), 2);
    ck_assert_str_eq(json_string_value(json_array_get(errors, 0)), "no EXIF");
    ck_assert(json_is_false(json_object_get(rec, "offset_known")));
    json_decref(rec);
}
END_TEST

static Suite *
captime_suite(void)
{
    Suite *s = suite_create("captime");
    TCase *tc = tcase_create("captime");
    tcase_add_loop_test(tc, rules, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, errors_are_appended);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(captime_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
