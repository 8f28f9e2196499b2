/* indexer/schema_policy.c: the format policy (issue 25, part 1): one row per source format as
 * the worker identifies it, each with its action (keep the original as the archival format,
 * normalise it to a named target, or flag it for review); the history of the policy's
 * versions (each change, ledgered policy.set); and every archival decision made for an item,
 * with the policy row and the version that made it. The default rows are a Chinese bureau's
 * (GB/T 18894-2016, DA/T 62-2017, DA/T 78-2019): H.264/AAC in MP4 and MPEG-2 kept, other
 * camera formats to H.264 High in MP4, WAV and MP3 kept, other sound to WAV, JPEG and TIFF
 * kept, HEIC to JPEG, PDF and OFD kept. */
#include "indexer/schema_int.h"

// clang-format off
/* Each pattern (media_type, container, video, audio, profile) is a comma-separated list of
 * shell patterns (fnmatch) that the item's sniffed media type, libavformat demuxer name, first
 * video / audio codec names and codec profile are matched against; "-" matches a stream that
 * is not there. The profile (libavcodec's name: "High", "Main", "Constrained Baseline", "LC")
 * is the first video stream's (cover pictures aside) when the item has one, else the first
 * audio stream's, so that an audio-only row matches on its sound; "-" when that stream declares
 * no profile or there is none. The first row in `rank` order whose kind and five patterns
 * match decides. */
#define ROW(key, rank, kind, name, puid, mt, container, video, audio, action, target) \
    "INSERT INTO format_policy (key, rank, kind, name, puid, media_type, container, video," \
    " audio, action, target, version, updated_by, updated_at) VALUES ('" key "', " #rank ", '" \
    kind "', '" name "', " puid ", '" mt "', '" container "', '" video "', '" audio "', '" \
    action "', " target ", 1, 'custody', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"

const char cs_schema_policy[] =
    "CREATE TABLE format_policy ("
    "  key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),"
    "  rank INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('video', 'audio', 'photo', 'document')),"
    "  name TEXT NOT NULL,"
    "  puid TEXT," /* PRONOM's identifier of the format, where there is one */
    "  media_type TEXT NOT NULL DEFAULT '*',"
    "  container TEXT NOT NULL DEFAULT '*',"
    "  video TEXT NOT NULL DEFAULT '*',"
    "  audio TEXT NOT NULL DEFAULT '*',"
    "  profile TEXT NOT NULL DEFAULT '*',"
    "  action TEXT NOT NULL CHECK (action IN ('keep', 'normalise', 'review')),"
    "  target TEXT,"
    "  version INTEGER NOT NULL," /* the policy version that last set the row */
    "  updated_by TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  CHECK ((action = 'normalise') = (target IS NOT NULL))"
    ") STRICT;"
    "CREATE TABLE format_policy_versions ("
    "  version INTEGER PRIMARY KEY,"
    "  key TEXT," /* the row changed; NULL: the default policy */
    "  before TEXT CHECK (before IS NULL OR json_valid(before)),"
    "  after TEXT CHECK (after IS NULL OR json_valid(after)),"
    "  reason TEXT,"
    "  set_by TEXT NOT NULL,"
    "  set_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE TRIGGER format_policy_versions_no_update BEFORE UPDATE ON format_policy_versions"
    "  BEGIN SELECT RAISE(ABORT, 'a policy version is write-once'); END;"
    "CREATE TRIGGER format_policy_versions_no_delete BEFORE DELETE ON format_policy_versions"
    "  BEGIN SELECT RAISE(ABORT, 'a policy version is write-once'); END;"
    "CREATE TABLE archival_decisions ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  policy_key TEXT," /* NULL: no row matched (flagged for review) */
    "  policy_version INTEGER NOT NULL,"
    "  action TEXT NOT NULL CHECK (action IN ('keep', 'normalise', 'review')),"
    "  target TEXT,"
    "  format TEXT NOT NULL CHECK (json_valid(format)),"
    "  outcome TEXT NOT NULL CHECK (outcome IN ('kept', 'verified', 'failed', 'review')),"
    "  reason TEXT,"
    "  decided_by TEXT NOT NULL,"
    "  decided_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX archival_decisions_item ON archival_decisions(item_id, id);"
    "CREATE TRIGGER archival_decisions_no_update BEFORE UPDATE ON archival_decisions"
    "  BEGIN SELECT RAISE(ABORT, 'an archival decision is write-once'); END;"
    "CREATE TRIGGER archival_decisions_no_delete BEFORE DELETE ON archival_decisions"
    "  BEGIN SELECT RAISE(ABORT, 'an archival decision is write-once'); END;"
    "INSERT INTO format_policy_versions (version, reason, set_by, set_at) VALUES (1,"
    " 'the default policy of a Chinese bureau (GB/T 18894-2016, DA/T 62-2017, DA/T 78-2019)',"
    " 'custody', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
    ROW("mp4-h264", 10, "video", "H.264/AAC in MP4", "'fmt/199'", "video/mp4", "*", "h264",
        "aac,-", "keep", "NULL")
    ROW("mpeg2", 20, "video", "MPEG-2 video", "NULL", "*", "*", "mpeg2video",
        "mp2,mp3,ac3,pcm_*,aac,-", "keep", "NULL")
    ROW("mkv-ffv1", 30, "video", "FFV1/FLAC in Matroska", "'fmt/569'", "*", "matroska*", "ffv1",
        "flac,pcm_*,-", "keep", "NULL")
    ROW("hevc", 40, "video", "H.265/HEVC", "NULL", "*", "*", "hevc", "*", "normalise",
        "'h264-high-mp4'")
    ROW("avi-mjpeg", 50, "video", "Motion JPEG in AVI", "'fmt/5'", "*", "avi", "mjpeg", "*",
        "normalise", "'h264-high-mp4'")
    ROW("wmv", 60, "video", "Windows Media Video (ASF)", "'fmt/133'", "*", "asf*",
        "wmv*,vc1,msmpeg4*", "*", "normalise", "'h264-high-mp4'")
    ROW("flv", 70, "video", "Flash Video", "'x-fmt/382'", "*", "flv", "*", "*", "normalise",
        "'h264-high-mp4'")
    ROW("3gp", 80, "video", "3GPP", "NULL", "video/3gpp*", "*", "*", "*", "normalise",
        "'h264-high-mp4'")
    ROW("avchd", 90, "video", "AVCHD (H.264 in MPEG-TS)", "NULL", "*", "mpegts", "h264", "*",
        "normalise", "'h264-high-mp4'")
    ROW("video-other", 99, "video", "other camera formats", "NULL", "*", "*", "*", "*",
        "normalise", "'h264-high-mp4'")
    ROW("wav", 110, "audio", "WAV (PCM)", "'fmt/141'", "*", "wav", "-", "pcm_*", "keep", "NULL")
    ROW("mp3", 120, "audio", "MP3", "'fmt/134'", "*", "*", "-", "mp3", "keep", "NULL")
    ROW("audio-other", 199, "audio", "other sound formats", "NULL", "*", "*", "*", "*",
        "normalise", "'wav'")
    ROW("jpeg", 210, "photo", "JPEG", "'fmt/43'", "image/jpeg", "*", "*", "*", "keep", "NULL")
    ROW("tiff", 220, "photo", "TIFF", "'fmt/353'", "image/tiff", "*", "*", "*", "keep", "NULL")
    ROW("heic", 230, "photo", "HEIC/HEIF", "NULL", "image/hei[cf]*", "*", "*", "*", "normalise",
        "'jpeg-q95'")
    ROW("photo-other", 299, "photo", "other pictures", "NULL", "*", "*", "*", "*", "review",
        "NULL")
    ROW("pdf", 310, "document", "PDF", "NULL", "application/pdf", "*", "*", "*", "keep", "NULL")
    ROW("ofd", 320, "document", "OFD", "NULL", "application/ofd", "*", "*", "*", "keep", "NULL")
    CS_SCHEMA_WATCH("format_policy") CS_SCHEMA_WATCH("format_policy_versions")
    CS_SCHEMA_WATCH("archival_decisions");
// clang-format on
