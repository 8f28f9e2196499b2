/* core/config.c: the configuration table, INI parsing and overrides. */
#include "core/config.h"

#include "core/archref.h"
#include "core/buf.h"
#include "core/casenum.h"
#include "core/error.h"
#include "core/namepat.h"
#include "core/tz.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { CONF_INT, CONF_STR, CONF_ENUM } conf_type_t;

typedef struct conf_key {
    const char *name;
    conf_type_t type;
    size_t offset;
    long long min, max; /* INT: value bounds; STR: length bounds in bytes */
    const char *def;
    const char *help;
    const char *const *choices; /* ENUM: the allowed words, NULL-terminated; stored as index.
                                 * STR: a comma-separated list of these words, each once */
    /* STR: when set, a non-empty value must pass it; 0 or CS_ECONFIG with the detail set */
    int (*check)(const char *key, const char *value, const char *origin);
} conf_key_t;

static int check_tz(const char *key, const char *value, const char *origin);
static int check_zone(const char *key, const char *value, const char *origin);
static int check_name_pattern(const char *key, const char *value, const char *origin);

static const char *const after_choices[] = {"consume", "archive", NULL};
static const char *const backend_choices[] = {"local", "s3", NULL};
static const char *const addressing_choices[] = {"path", "virtual", NULL};
static const char *const lock_choices[] = {"off", "compliance", "governance", NULL};
static const char *const put_check_choices[] = {"signed", "md5", "readback", NULL};
static const char *const purpose_match_choices[] = {"exact", "any", NULL};
static const char *const profile_choices[] = {"archival", "access", "preview", "thumbnail", NULL};
/* The case register's fields (indexer/cases.h cs_case_register_fields). */
static const char *const register_choices[] = {
    "case",    "kind",   "procedure", "cause",  "parties", "officers",  "filed",
    "decided", "served", "closed",    "status", "items",   "reference", NULL};

const char *const cs_config_periods[] = {"permanent", "long", "short", NULL};

const char *const cs_config_presets[] = {"ultrafast", "superfast", "veryfast", "faster",   "fast",
                                         "medium",    "slow",      "slower",   "veryslow", NULL};

const char *const cs_config_levels[] = {"public",       "internal", "privacy", "commercial_secret",
                                        "state_secret", NULL};

#define OFF(field) offsetof(cs_config_t, field)

static const conf_key_t conf_table[] = {
    {"site.tz", CONF_STR, OFF(site_tz), 0, CS_TZ_NAME_MAX, "",
     "The site's time zone, like Asia/Shanghai (a file under " CS_TZ_ROOT ", Debian's\n"
     "# tzdata): a grant's --until given as a date ends at the end of that day here, and the\n"
     "# CLI shows times here, with the offset (\"2026-12-07 21:48 +08:00\"). Empty: the\n"
     "# system's zone (/etc/timezone or the /etc/localtime link), else UTC.",
     NULL, check_zone},
    {"case.pattern", CONF_STR, OFF(case_pattern), 1, CS_CONFIG_STR_MAX - 1,
     CS_CASENUM_DEFAULT_PATTERN,
     "Case numbers accepted after normalisation (brackets to 〔〕, full-width digits to\n"
     "# ASCII, spaces trimmed): a POSIX extended regular expression matched byte-wise on UTF-8.",
     NULL, NULL},
    {"case.register_columns", CONF_STR, OFF(case_register_columns), 0, CS_CONFIG_STR_MAX - 1, "",
     "The case-file register's columns (执法案卷台账: custody case register), in order,\n"
     "# comma-separated, each once: case, kind, procedure, cause, parties, officers, filed,\n"
     "# decided, served, closed, status, items, reference (档号, once archived). Empty: all\n"
     "# thirteen, in that order.",
     register_choices, NULL},
    {"archive.reference_pattern", CONF_STR, OFF(archive_reference_pattern), 1,
     CS_CONFIG_STR_MAX - 1, CS_ARCHREF_DEFAULT_PATTERN,
     "The archival reference (档号) a case gets when it is archived (custody case archive):\n"
     "# {fonds} 全宗号, {class} 类别, {year} 年度 (the year the case closed), {period} 保管期限\n"
     "# (Y permanent, C long, D short; {period_zh} 永久/长期/短期), {seq} 件号 ({seq:04} four\n"
     "# digits), counted per fonds, class, year and period without gaps.",
     NULL, cs_archref_config_check},
    {"archive.fonds", CONF_STR, OFF(archive_fonds), 0, 63, "",
     "The fonds number (全宗号) the archives gave the bureau, for {fonds}.", NULL, NULL},
    {"archive.class", CONF_STR, OFF(archive_class), 0, 63, "ZF",
     "The class (类别号) of case files, for {class}.", NULL, NULL},
    {"catalog.busy_timeout_ms", CONF_INT, OFF(catalog_busy_timeout_ms), 0, 600000, "10000",
     "How long a command waits for another process's lock on catalog.db, in milliseconds.", NULL,
     NULL},
    {"store.buffer_kb", CONF_INT, OFF(store_buffer_kb), 64, 16384, "1024",
     "Size of the buffer the store reads and writes originals with, in KiB.", NULL, NULL},
    {"store.scrub_days", CONF_INT, OFF(store_scrub_days), 0, 3650, "30",
     "The service re-hashes every stored object (originals and copies) at least once in this\n"
     "# many days, the longest unchecked first, and records each check in the ledger; 0: no\n"
     "# scrub.",
     NULL, NULL},
    {"store.scrub_mb_s", CONF_INT, OFF(store_scrub_mb_s), 1, 10000, "50",
     "Most the fixity scrub reads, in MB (10^6 bytes) per second.", NULL, NULL},
    {"store.scrub_window_s", CONF_INT, OFF(store_scrub_window_s), 0, 315360000, "0",
     "When > 0, replaces store.scrub_days with a window in seconds (tests, small stores); the\n"
     "# scrub still runs only while store.scrub_days > 0.",
     NULL, NULL},
    {"store.backend", CONF_ENUM, OFF(store_backend), 0, 0, "local",
     "Where the objects live: local (the store folder of the home) or s3 (an S3 object store,\n"
     "# such as Ceph's RADOS Gateway, set by the store.s3_* keys; the store folder then holds\n"
     "# only local copies, at most store.s3_cache_mb of them). Switch with\n"
     "# `custody store migrate --to s3|local`, which copies and verifies every object first.",
     backend_choices, NULL},
    {"store.s3_endpoint", CONF_STR, OFF(store_s3_endpoint), 0, CS_CONFIG_STR_MAX - 1, "",
     "The S3 endpoint, like http://127.0.0.1:7480 or https://s3.example.org.", NULL, NULL},
    {"store.s3_bucket", CONF_STR, OFF(store_s3_bucket), 0, 63, "custody",
     "The bucket that holds the objects; `custody store migrate` makes it when absent.", NULL,
     NULL},
    {"store.s3_region", CONF_STR, OFF(store_s3_region), 1, 63, "default",
     "The region the requests are signed for (Ceph's gateway: its zonegroup, \"default\").", NULL,
     NULL},
    {"store.s3_credentials", CONF_STR, OFF(store_s3_credentials), 0, CS_CONFIG_STR_MAX - 1, "",
     "A file the service user alone may read (mode 0600) with two lines, `access_key = ...`\n"
     "# and `secret_key = ...`; the keys are never written in this file nor in the logs.",
     NULL, NULL},
    {"store.s3_addressing", CONF_ENUM, OFF(store_s3_addressing), 0, 0, "path",
     "path: http://host/bucket/key; virtual: http://bucket.host/key.", addressing_choices, NULL},
    {"store.s3_prefix", CONF_STR, OFF(store_s3_prefix), 0, 127, "objects/sha256/",
     "What each object's key begins with, before its SHA-256.", NULL, NULL},
    {"store.s3_part_mb", CONF_INT, OFF(store_s3_part_mb), 5, 5120, "64",
     "Objects over 1 GiB go up in parts of this many MiB (a multipart upload, two parts at a\n"
     "# time, each hashed first); smaller ones as one streamed PUT.",
     NULL, NULL},
    {"store.s3_object_lock", CONF_ENUM, OFF(store_s3_object_lock), 0, 0, "off",
     "compliance: every object is written with S3 Object Lock in compliance mode, so that\n"
     "# nobody, not even the store's administrator, can delete it before its retain-until date\n"
     "# (the bucket must have been made with Object Lock: `custody store migrate` makes it so).\n"
     "# governance: the same, but a privileged S3 user may lift it. off: no lock.",
     lock_choices, NULL},
    {"store.s3_retain_days", CONF_INT, OFF(store_s3_retain_days), 1, 36500, "3650",
     "With Object Lock: each object is kept at least this many days from when it was stored.", NULL,
     NULL},
    {"store.s3_timeout_s", CONF_INT, OFF(store_s3_timeout_s), 1, 3600, "30",
     "An S3 request that sends or receives nothing for this many seconds fails (and is tried\n"
     "# again a few times, with growing pauses).",
     NULL, NULL},
    {"store.s3_cache_mb", CONF_INT, OFF(store_s3_cache_mb), 0, 100000000, "10240",
     "With store.backend = s3: the most MiB of local copies kept in the store folder (recent\n"
     "# uploads, copies being made, objects being read); older ones are removed once the\n"
     "# object store holds them.",
     NULL, NULL},
    {"store.s3_put_check", CONF_ENUM, OFF(store_s3_put_check), 0, 0, "readback",
     "How each PUT of an object up to 1 GiB is checked (larger ones go in parts, each signed\n"
     "# with its SHA-256 and checked by the object store). signed: the gateway re-hashes the\n"
     "# bytes against the SHA-256 in the signature and refuses a difference. md5: the gateway\n"
     "# checks them against a Content-MD5 (the client computes the MD5 too). readback: objects\n"
     "# of 8 MiB and more go up unsigned, their size is checked by a HEAD at once and the scrub\n"
     "# re-hashes the gateway's bytes against the SHA-256 soon after (`custody store status`\n"
     "# shows how many wait; the local copy stays until then); smaller ones are signed. The\n"
     "# default: the check issue 20 asks of a gateway without x-amz-checksum-sha256 (Ceph 16).",
     put_check_choices, NULL},
    {"ingest.roots", CONF_STR, OFF(ingest_roots), 0, CS_CONFIG_STR_MAX - 1, "",
     "Upload folders the service watches, comma-separated; empty: <home>/uploads.\n"
     "# Under a root, the first folder level is the case number, the second the officer.",
     NULL, NULL},
    {"ingest.rescan_ms", CONF_INT, OFF(ingest_rescan_ms), 100, 3600000, "5000",
     "How often every root is rescanned for what inotify cannot see (network shares,\n"
     "# overflowed event queues), in milliseconds.",
     NULL, NULL},
    {"ingest.settle_ms", CONF_INT, OFF(ingest_settle_ms), 0, 3600000, "2000",
     "How long a file's size and mtime must stay unchanged before it is claimed, in\n"
     "# milliseconds (a <file>.done marker claims it at once).",
     NULL, NULL},
    {"ingest.after", CONF_ENUM, OFF(ingest_after), 0, 0, "consume",
     "What becomes of an upload once stored: consume (it becomes the stored object;\n"
     "# moved, not copied, on the same file system) or archive (a copy is stored and the\n"
     "# upload moves to <root>/.ingested/<date>/).",
     after_choices, NULL},
    {"ingest.parallel", CONF_INT, OFF(ingest_parallel), 1, 64, "3",
     "Files stored (hashed) at the same time.", NULL, NULL},
    {"ingest.default_tz", CONF_STR, OFF(ingest_default_tz), 0, CS_TZ_NAME_MAX, "",
     "The zone of capture times that carry none (EXIF without OffsetTime* and without a\n"
     "# GPS time stamp to work it out from): a zone name like Asia/Shanghai or Europe/Berlin\n"
     "# (a file under " CS_TZ_ROOT ", Debian's tzdata), whose offset is the one that\n"
     "# date had (summer time included; a wall time the clocks passed twice or skipped takes\n"
     "# the offset before the change, and the record notes it), or a fixed UTC offset like\n"
     "# +08:00. The record then says so (its captured_at_source ends in\n"
     "# +config:ingest.default_tz, with the zone's name in brackets). Empty: such times keep\n"
     "# no offset.",
     NULL, check_tz},
    {"ingest.clerk", CONF_STR, OFF(ingest_clerk), 0, 127, "",
     "The Custody user credited with the files dropped into the upload folders (their\n"
     "# clerk, who then reads what they brought in); empty: nobody (the officer folder is\n"
     "# recorded as a name, never as an identity). The service refuses to start if the user\n"
     "# does not exist.",
     NULL, NULL},
    {"ingest.name_pattern", CONF_STR, OFF(ingest_name_pattern), 0, CS_CONFIG_STR_MAX - 1, "",
     "A regular expression (PCRE2) for the file names of body cameras and their docking\n"
     "# stations, with named groups: device (its serial), officer (the 执法证号\n"
     "# certificate number), time (YYYYMMDDhhmmss: a capture-time candidate, source\n"
     "# name:ingest.name_pattern, in ingest.default_tz, else site.tz) and important (matched:\n"
     "# 重点文件), e.g. ^(?<device>[A-Za-z0-9-]+)_(?<officer>[0-9]+)_(?<time>[0-9]{14})\n"
     "# (?:_(?<important>IMP))?\\. (one line). Empty: names are not read. The service\n"
     "# reads it at start (restart it to change it; SIGHUP keeps the pattern it has).",
     NULL, check_name_pattern},
    {"ingest.max_upload_delay_h", CONF_INT, OFF(ingest_max_upload_delay_h), 0, 87600, "24",
     "Hours from capture to upload after which an item is flagged as a late upload; 0: no\n"
     "# flag.",
     NULL, NULL},
    {"worker.count", CONF_INT, OFF(worker_count), 0, 64, "0",
     "Media worker processes (metadata, transcoding); 0: one per core.", NULL, NULL},
    {"worker.timeout_ms", CONF_INT, OFF(worker_timeout_ms), 100, 86400000, "600000",
     "A worker step taking longer is killed and recorded as failed, in milliseconds.", NULL, NULL},
    {"worker.retries", CONF_INT, OFF(worker_retries), 0, 10, "1",
     "How many more times a step is tried after its worker crashed or hung.", NULL, NULL},
    {"worker.rlimit_as_mb", CONF_INT, OFF(worker_rlimit_as_mb), 0, 1048576, "4096",
     "Address-space limit of each worker in MiB; 0: none.", NULL, NULL},
    {"worker.rlimit_cpu_s", CONF_INT, OFF(worker_rlimit_cpu_s), 0, 86400, "3600",
     "CPU-time limit of each worker in seconds; 0: none.", NULL, NULL},
    {"transcode.profiles", CONF_STR, OFF(transcode_profiles), 0, CS_CONFIG_STR_MAX - 1,
     "archival,access,preview,thumbnail",
     "Derivatives made of each original, comma-separated: archival and access (recordings),\n"
     "# preview and thumbnail (photos, and a video's poster frame). Empty: none.",
     profile_choices, NULL},
    {"transcode.workers", CONF_INT, OFF(transcode_workers), 1, 16, "1",
     "Recordings transcoded at the same time (each already uses every core).", NULL, NULL},
    {"transcode.timeout_ms", CONF_INT, OFF(transcode_timeout_ms), 1000, 86400000, "120000",
     "A transcode that reports no progress for this long is killed and recorded as failed,\n"
     "# in milliseconds.",
     NULL, NULL},
    {"transcode.threads", CONF_INT, OFF(transcode_threads), 0, 64, "0",
     "Codec threads of one transcode; 0: one per core.", NULL, NULL},
    {"transcode.archival_slices", CONF_INT, OFF(transcode_archival_slices), 4, 24, "4",
     "Slices per frame of the FFV1 archival copy (4, 6, 9, 12, 16 or 24), each with a CRC.", NULL,
     NULL},
    {"transcode.access_crf", CONF_INT, OFF(transcode_access_crf), 0, 51, "23",
     "Constant rate factor of the H.264 access copy (lower: better and larger).", NULL, NULL},
    {"transcode.access_preset", CONF_ENUM, OFF(transcode_access_preset), 0, 0, "veryfast",
     "libx264 preset of the access copy.", cs_config_presets, NULL},
    {"transcode.access_max_lines", CONF_INT, OFF(transcode_access_max_lines), 144, 4320, "720",
     "Most lines on the short side of the access copy (never upscaled).", NULL, NULL},
    {"transcode.access_audio_kbps", CONF_INT, OFF(transcode_access_audio_kbps), 32, 512, "128",
     "AAC bit rate of the access copy, in kbit/s.", NULL, NULL},
    {"transcode.preview_px", CONF_INT, OFF(transcode_preview_px), 64, 8192, "1600",
     "Longest side of a photo's preview, in pixels (never upscaled).", NULL, NULL},
    {"transcode.thumbnail_px", CONF_INT, OFF(transcode_thumbnail_px), 16, 1024, "256",
     "Longest side of a photo's thumbnail, in pixels.", NULL, NULL},
    {"transcode.jpeg_quality", CONF_INT, OFF(transcode_jpeg_quality), 2, 31, "3",
     "JPEG quantiser of previews and thumbnails: 2 (best) to 31.", NULL, NULL},
    {"access.default_classification", CONF_ENUM, OFF(access_default_level), 0, 0, "internal",
     "Classification of an item that no sidecar or `custody classify` has set; a grant must\n"
     "# clear it for a reviewer to read the item.",
     cs_config_levels, NULL},
    {"access.serve_state_secret", CONF_INT, OFF(access_serve_state_secret), 0, 1, "0",
     "1: state_secret items may be served over the network and exported (to a grant that\n"
     "# clears them); 0: never, whatever the grant.",
     NULL, NULL},
    {"access.purpose_match", CONF_ENUM, OFF(access_purpose_any), 0, 0, "exact",
     "exact: a reviewer's or admin's read states one of the purposes of the grant it goes\n"
     "# through (white space around it aside, ASCII letters in any case), unless that grant\n"
     "# accepts any (custody grant --any-purpose); any: every grant accepts any purpose stated.\n"
     "# Either way every read states a purpose, and the ledger keeps it.",
     purpose_match_choices, NULL},
    {"ledger.checkpoint_ms", CONF_INT, OFF(ledger_checkpoint_ms), 100, 3600000, "5000",
     "How often the service signs a checkpoint of the ledger when it has grown, in\n"
     "# milliseconds (a CLI command that appended signs one before it exits).",
     NULL, NULL},
    {"api.listen", CONF_STR, OFF(api_listen), 3, 63, "127.0.0.1:8420",
     "Address and port the HTTP API of `custody serve` listens on: IPV4:PORT or\n"
     "# [IPV6]:PORT.",
     NULL, NULL},
    {"api.tls_cert", CONF_STR, OFF(api_tls_cert), 0, CS_CONFIG_STR_MAX - 1, "",
     "PEM certificate (chain) of the HTTP API; with api.tls_key, the API speaks TLS only\n"
     "# (HTTP/2 through ALPN). Empty: plain HTTP.",
     NULL, NULL},
    {"api.tls_key", CONF_STR, OFF(api_tls_key), 0, CS_CONFIG_STR_MAX - 1, "",
     "PEM private key of api.tls_cert. Empty: plain HTTP.", NULL, NULL},
    {"api.max_body", CONF_INT, OFF(api_max_body), 1024, 16777216, "65536",
     "Largest request body the HTTP API accepts, in bytes (larger: 413).", NULL, NULL},
    {"api.media_url_ttl_s", CONF_INT, OFF(api_media_url_ttl_s), 10, 86400, "300",
     "How long a signed media URL minted by the HTTP API (POST /v1/media-urls) works, in\n"
     "# seconds. Its key is made anew at every start: a restart ends every URL at once.",
     NULL, NULL},
    {"api.max_conns", CONF_INT, OFF(api_max_conns), 16, 1000000, "4096",
     "Open HTTP connections at most; more are closed as they arrive. Also held under the "
     "open-file limit (the service raises its soft limit to the hard one).",
     NULL, NULL},
    {"api.idle_timeout_ms", CONF_INT, OFF(api_idle_timeout_ms), 500, 3600000, "10000",
     "A connection that sends no complete request for this long (idle keep-alive, or a client "
     "sending its headers too slowly) is closed.",
     NULL, NULL},
    {"public.listen", CONF_STR, OFF(public_listen), 0, 63, "",
     "Address and port of the public page of `custody serve` (the live publications and\n"
     "# their public copies, read-only, no sign-in: issue 23): IPV4:PORT or [IPV6]:PORT.\n"
     "# Empty (the default): no public listener.",
     NULL, NULL},
    {"auth.session_idle_s", CONF_INT, OFF(auth_session_idle_s), 1, 86400, "1800",
     "A web sign-in (POST /v1/session) not used for this long ends, in seconds. Sign-ins live "
     "in\n# the service's memory: a restart ends every one.",
     NULL, NULL},
    {"auth.session_max_s", CONF_INT, OFF(auth_session_max_s), 1, 604800, "43200",
     "A web sign-in ends this long after it began, used or not, in seconds.", NULL, NULL},
    {"auth.lockout_after", CONF_INT, OFF(auth_lockout_after), 1, 1000, "5",
     "Failed sign-ins in a row that lock the account (ledgered as session.locked).", NULL, NULL},
    {"auth.lockout_s", CONF_INT, OFF(auth_lockout_s), 1, 86400, "900",
     "How long a locked account refuses every sign-in, in seconds (its API token still "
     "works).",
     NULL, NULL},
    {"auth.address_failures", CONF_INT, OFF(auth_address_failures), 1, 100000, "10",
     "Failed sign-ins one client address (an IPv6 /64) may make within auth.address_window_s;\n"
     "# past them it is refused (429) before its attempts are weighed or counted against an\n"
     "# account: one address locks at most address_failures / lockout_after accounts a window.",
     NULL, NULL},
    {"auth.address_window_s", CONF_INT, OFF(auth_address_window_s), 1, 86400, "900",
     "The window of auth.address_failures, in seconds from the address's first failure in it.",
     NULL, NULL},
    {"retention.grace_days", CONF_INT, OFF(retention_grace_days), 0, 3650, "7",
     "Days between a disposal batch's approval and the removal of its items' bytes; within\n"
     "# them an admin can still cancel the batch.",
     NULL, NULL},
    {"public.photo_max_px", CONF_INT, OFF(public_photo_max_px), 0, 65535, "0",
     "Longest side, in pixels, of a photo's public copy (custody public make); 0: the photo's\n"
     "# own size. Public copies are re-encoded from the pixels, never with their metadata.",
     NULL, NULL},
    {"retention.non_evidence_days", CONF_INT, OFF(retention_non_evidence_days), 1, 36500, "180",
     "Days a non_evidence item (one linked to no case) is kept, from its capture (its capture\n"
     "# time at the site, else when it arrived); after them it is due for disposal.",
     NULL, NULL},
    {"retention.long_years", CONF_INT, OFF(retention_long_years), 1, 1000, "30",
     "Years the items of a closed case with archive period long (长期) are kept, from the\n"
     "# case's closed_on (结案).",
     NULL, NULL},
    {"retention.short_years", CONF_INT, OFF(retention_short_years), 1, 1000, "10",
     "Years the items of a closed case with archive period short (短期) are kept, from the\n"
     "# case's closed_on.",
     NULL, NULL},
    {"retention.default_period", CONF_ENUM, OFF(retention_default_period), 0, 0, "long",
     "The archive period (保管期限) of a case that `custody case set --keep-period` has not\n"
     "# set: permanent (永久: its items are never due), long or short.",
     cs_config_periods, NULL},
};

#define CONF_COUNT (sizeof conf_table / sizeof conf_table[0])

/* ingest.default_tz: an offset like +08:00, or a zone the system has (read once and kept). */
static int
check_tz(const char *key, const char *value, const char *origin)
{
    const cs_tz_t *tz;
    int minutes;
    if (cs_tz_parse_offset(value, &minutes) == 0)
        return 0;
    if (strchr(value, '/') == NULL && strchr("+-0123456789", value[0]) != NULL) {
        cs_diag_set("%s: %s = \"%.80s\" is not allowed; write an offset like +08:00 or -05:30, "
                    "a zone like Asia/Shanghai, or leave it empty",
                    origin, key, value);
        return CS_ECONFIG;
    }
    if (!cs_tz_name_ok(value)) {
        cs_diag_set("%s: %s = \"%.80s\" is not a zone name; write one like Asia/Shanghai "
                    "(letters, digits and _+-/ only), an offset like +08:00, or leave it empty",
                    origin, key, value);
        return CS_ECONFIG;
    }
    if (cs_tz_get(value, &tz) != 0) {
        char why[512];
        cs_snprintf_cut(why, sizeof why, "%s", cs_diag());
        cs_diag_set(
            "%s: %s = \"%s\" is not a zone this system has (%s); check the name under " CS_TZ_ROOT
            " (install Debian's tzdata), write an offset like +08:00, or "
            "leave it empty",
            origin, key, value, why);
        return CS_ECONFIG;
    }
    return 0;
}

/* ingest.name_pattern: a PCRE2 pattern naming at least one of its groups. */
static int
check_name_pattern(const char *key, const char *value, const char *origin)
{
    cs_namepat_t *p = NULL;
    char why[768];
    int rc = cs_namepat_new(key, value, &p);
    cs_namepat_free(&p);
    if (rc == CS_ECONFIG) {
        cs_snprintf_cut(why, sizeof why, "%s", cs_diag());
        cs_diag_set("%s: %s", origin, why);
    }
    return rc;
}

/* site.tz: a zone the system has (read once and kept); an offset has no summer time. */
static int
check_zone(const char *key, const char *value, const char *origin)
{
    const cs_tz_t *tz;
    if (!cs_tz_name_ok(value)) {
        cs_diag_set("%s: %s = \"%.80s\" is not a zone name; write one like Asia/Shanghai "
                    "(letters, digits and _+-/ only), or leave it empty for the system's zone",
                    origin, key, value);
        return CS_ECONFIG;
    }
    if (cs_tz_get(value, &tz) != 0) {
        char why[512];
        cs_snprintf_cut(why, sizeof why, "%s", cs_diag());
        cs_diag_set(
            "%s: %s = \"%s\" is not a zone this system has (%s); check the name under " CS_TZ_ROOT
            " (install Debian's tzdata), or leave it empty for the system's zone",
            origin, key, value, why);
        return CS_ECONFIG;
    }
    return 0;
}

/* 1 if value is "" or a comma-separated list of words from choices, none twice. */
static int
list_ok(const char *const *choices, const char *value)
{
    unsigned seen = 0;
    const char *p = value;
    if (*p == '\0')
        return 1;
    for (;;) {
        size_t n = strcspn(p, ",");
        int i;
        for (i = 0; choices[i] != NULL; i++)
            if (strlen(choices[i]) == n && strncmp(choices[i], p, n) == 0)
                break;
        if (choices[i] == NULL || i >= 32 || (seen & (1u << i)) != 0)
            return 0;
        seen |= 1u << i;
        if (p[n] == '\0')
            return 1;
        p += n + 1;
    }
}

static const conf_key_t *
conf_find(const char *name)
{
    for (size_t i = 0; i < CONF_COUNT; i++)
        if (strcmp(conf_table[i].name, name) == 0)
            return &conf_table[i];
    return NULL;
}

static int
conf_apply(cs_config_t *cfg, const conf_key_t *k, const char *value, const char *origin)
{
    char *field = (char *)cfg + k->offset;
    if (k->type == CONF_ENUM) {
        for (int i = 0; k->choices[i] != NULL; i++) {
            if (strcmp(k->choices[i], value) == 0) {
                *(int *)field = i;
                return 0;
            }
        }
        char list[256] = "";
        for (int i = 0; k->choices[i] != NULL; i++) {
            strncat(list, i ? "|" : "", sizeof list - strlen(list) - 1);
            strncat(list, k->choices[i], sizeof list - strlen(list) - 1);
        }
        cs_diag_set("%s: %s = \"%s\" is not allowed; use one of %s", origin, k->name, value, list);
        return CS_ECONFIG;
    }
    if (k->type == CONF_STR) {
        size_t len = strlen(value);
        if (k->choices != NULL && !list_ok(k->choices, value)) {
            char list[256] = "";
            for (int i = 0; k->choices[i] != NULL; i++) {
                strncat(list, i ? "," : "", sizeof list - strlen(list) - 1);
                strncat(list, k->choices[i], sizeof list - strlen(list) - 1);
            }
            cs_diag_set("%s: %s = \"%s\" is not allowed; give some of %s, comma-separated, "
                        "each once, or leave it empty",
                        origin, k->name, value, list);
            return CS_ECONFIG;
        }
        if ((long long)len < k->min || (long long)len > k->max) {
            cs_diag_set("%s: %s is %zu bytes long; allowed %lld..%lld bytes", origin, k->name, len,
                        k->min, k->max);
            return CS_ECONFIG;
        }
        if (k->check != NULL && len > 0 && k->check(k->name, value, origin) != 0)
            return CS_ECONFIG;
        memcpy(field, value, len + 1);
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < k->min || v > k->max) {
        cs_diag_set("%s: %s = \"%s\" is not allowed; give a whole number in %lld..%lld", origin,
                    k->name, value, k->min, k->max);
        return CS_ECONFIG;
    }
    *(int *)field = (int)v;
    return 0;
}

void
cs_config_defaults(cs_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < CONF_COUNT; i++)
        (void)conf_apply(cfg, &conf_table[i], conf_table[i].def, "default");
}

int
cs_config_set(cs_config_t *cfg, const char *key, const char *value, const char *origin)
{
    const conf_key_t *k = conf_find(key);
    if (k == NULL) {
        cs_diag_set("%s: unknown key \"%s\"; `custody config` lists every key", origin, key);
        return CS_ECONFIG;
    }
    return conf_apply(cfg, k, value, origin);
}

/* Trims ASCII whitespace in place and returns the start. */
static char *
trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int
conf_line(cs_config_t *cfg, char *line, char *section, size_t section_len, const char *where)
{
    char *s = trim(line);
    if (*s == '\0' || *s == '#' || *s == ';')
        return 0;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (close == NULL || close[1] != '\0' || close == s + 1) {
            cs_diag_set("%s: bad section header \"%s\"; write it as [section]", where, s);
            return CS_ECONFIG;
        }
        *close = '\0';
        if ((size_t)snprintf(section, section_len, "%s", trim(s + 1)) >= section_len) {
            cs_diag_set("%s: section name too long", where);
            return CS_ECONFIG;
        }
        return 0;
    }
    char *eq = strchr(s, '=');
    if (eq == NULL) {
        cs_diag_set("%s: expected \"key = value\", found \"%s\"", where, s);
        return CS_ECONFIG;
    }
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    size_t vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = '\0';
        value++;
    }
    if (section[0] == '\0') {
        cs_diag_set("%s: key \"%s\" is outside any [section]", where, key);
        return CS_ECONFIG;
    }
    char full[128];
    if ((size_t)snprintf(full, sizeof full, "%s.%s", section, key) >= sizeof full) {
        cs_diag_set("%s: key \"%s.%s\" is too long", where, section, key);
        return CS_ECONFIG;
    }
    return cs_config_set(cfg, full, value, where);
}

int
cs_config_load(cs_config_t *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        cs_diag_set("%s: cannot read: %s", path, strerror(errno));
        return cs_err_from_errno(errno);
    }
    char line[2048], section[64] = "", where[4200];
    int rc = 0, lineno = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        /* where only names the line in a message: a path too long for it is cut there */
        cs_snprintf_cut(where, sizeof where, "%s line %d", path, lineno);
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(f)) {
            cs_diag_set("%s: line longer than %zu bytes", where, sizeof line - 2);
            rc = CS_ECONFIG;
            break;
        }
        if ((rc = conf_line(cfg, line, section, sizeof section, where)) != 0)
            break;
    }
    if (rc == 0 && ferror(f)) {
        cs_diag_set("%s: read error", path);
        rc = CS_EIO;
    }
    fclose(f);
    return rc;
}

int
cs_config_override(cs_config_t *cfg, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    char key[128];
    if (eq == NULL || eq == assignment) {
        cs_diag_set("--set \"%s\": write it as section.key=value", assignment);
        return CS_ECONFIG;
    }
    if ((size_t)(eq - assignment) >= sizeof key) {
        cs_diag_set("--set \"%s\": key too long", assignment);
        return CS_ECONFIG;
    }
    memcpy(key, assignment, (size_t)(eq - assignment));
    key[eq - assignment] = '\0';
    return cs_config_set(cfg, key, eq + 1, "--set");
}

int
cs_config_write_default(FILE *f)
{
    const char *last = "";
    size_t last_len = 0;
    fprintf(f, "# custody.conf: the configuration of one Custody home.\n"
               "# Every key is listed with its default; uncomment a line to change it.\n"
               "# `--set section.key=value` on any command overrides this file.\n");
    for (size_t i = 0; i < CONF_COUNT; i++) {
        const conf_key_t *k = &conf_table[i];
        const char *dot = strchr(k->name, '.');
        size_t slen = (size_t)(dot - k->name);
        if (slen != last_len || strncmp(last, k->name, slen) != 0)
            fprintf(f, "\n[%.*s]\n", (int)slen, k->name);
        last = k->name;
        last_len = slen;
        fprintf(f, "# %s\n", k->help);
        if (k->type == CONF_INT) {
            fprintf(f, "# integer, %lld..%lld; default %s\n", k->min, k->max, k->def);
        } else if (k->type == CONF_ENUM) {
            fprintf(f, "# one of");
            for (int c = 0; k->choices[c] != NULL; c++)
                fprintf(f, " %s", k->choices[c]);
            fprintf(f, "; default %s\n", k->def);
        } else if (k->choices != NULL) {
            fprintf(f, "# some of");
            for (int c = 0; k->choices[c] != NULL; c++)
                fprintf(f, "%s%s", c ? ", " : " ", k->choices[c]);
            fprintf(f, " (comma-separated), or empty; default %s\n", k->def);
        } else
            fprintf(f, "# text, %lld..%lld bytes\n", k->min, k->max);
        fprintf(f, "#%s = %s\n", dot + 1, k->def);
    }
    return ferror(f) ? CS_EIO : 0;
}

void
cs_config_each(const cs_config_t *cfg, void (*fn)(const char *key, const char *value, void *arg),
               void *arg)
{
    char buf[32];
    for (size_t i = 0; i < CONF_COUNT; i++) {
        const char *field = (const char *)cfg + conf_table[i].offset;
        if (conf_table[i].type == CONF_INT) {
            snprintf(buf, sizeof buf, "%d", *(const int *)field); /* fits: an int in 32 */
            fn(conf_table[i].name, buf, arg);
        } else if (conf_table[i].type == CONF_ENUM) {
            fn(conf_table[i].name, conf_table[i].choices[*(const int *)field], arg);
        } else {
            fn(conf_table[i].name, field, arg);
        }
    }
}

int
cs_config_describe(size_t i, cs_config_desc_t *d)
{
    if (i >= CONF_COUNT)
        return CS_ENOTFOUND;
    const conf_key_t *k = &conf_table[i];
    *d = (cs_config_desc_t){.name = k->name,
                            .min = k->min,
                            .max = k->max,
                            .def = k->def,
                            .help = k->help,
                            .choices = k->choices};
    if (k->type == CONF_INT)
        d->kind = CS_CONFIG_INT;
    else if (k->type == CONF_ENUM)
        d->kind = CS_CONFIG_ONE_OF;
    else
        d->kind = k->choices != NULL ? CS_CONFIG_SOME_OF : CS_CONFIG_TEXT;
    return 0;
}
