/* indexer/sniff.c: the media type of content from its first bytes. Every read is checked
 * against `len`, which may be anything from 0 up; bytes past 512 are never looked at. */
#include "indexer/sniff.h"

#include <stdint.h>
#include <string.h>

#define SNIFF_MAX 512

static const char octet[] = "application/octet-stream";

/* 1 if `m` (n bytes) is at `off`. */
static int
has(const unsigned char *b, size_t len, size_t off, const void *m, size_t n)
{
    return off <= len && n <= len - off && memcmp(b + off, m, n) == 0;
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

typedef struct brand {
    const char *fourcc; /* a prefix shorter than 4 matches every brand that starts with it */
    const char *type;
} brand_t;

/* ISO base media brands (ftyp). Longer entries before the prefixes that would shadow them. */
static const brand_t brands[] = {
    {"qt  ", "video/quicktime"}, {"M4A ", "audio/mp4"},           {"M4B ", "audio/mp4"},
    {"M4P ", "audio/mp4"},       {"M4V", "video/x-m4v"}, /* M4V , M4VH, M4VP */
    {"heic", "image/heic"},      {"heix", "image/heic"},          {"heim", "image/heic"},
    {"heis", "image/heic"},      {"hevc", "image/heic-sequence"}, {"hevx", "image/heic-sequence"},
    {"mif1", "image/heif"},      {"msf1", "image/heif-sequence"}, {"avif", "image/avif"},
    {"avis", "image/avif"},      {"crx ", "image/x-canon-cr3"},   {"3g2", "video/3gpp2"},
    {"3g", "video/3gpp"}, /* 3gp4, 3gp5, 3gp6, 3gg6, 3ge6, ... */
    {"iso", "video/mp4"}, /* isom, iso2 ... iso9 */
    {"mp41", "video/mp4"},       {"mp42", "video/mp4"},           {"mp71", "video/mp4"},
    {"avc1", "video/mp4"},       {"dash", "video/mp4"},           {"MSNV", "video/mp4"},
    {"XAVC", "video/mp4"},       {"f4v ", "video/mp4"},           {"F4V ", "video/mp4"},
    {"mmp4", "video/mp4"},
};

static const char *
brand_type(const unsigned char *fourcc)
{
    for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++) {
        if (memcmp(fourcc, brands[i].fourcc, strlen(brands[i].fourcc)) == 0)
            return brands[i].type;
    }
    return NULL;
}

/* The major brand decides; else the first compatible brand we know; else MP4, the family's
 * common name (as ExifTool says for brands it does not know). */
static const char *
sniff_ftyp(const unsigned char *b, size_t len)
{
    const char *t;
    size_t end = be32(b);

    if (len < 12)
        return "video/mp4";
    if ((t = brand_type(b + 8)) != NULL)
        return t;
    if (end > len)
        end = len;
    for (size_t off = 16; off + 4 <= end; off += 4) {
        if ((t = brand_type(b + off)) != NULL)
            return t;
    }
    return "video/mp4";
}

/* Old QuickTime files have no ftyp and start with a top-level atom. */
static int
is_quicktime_atom(const unsigned char *b, size_t len)
{
    static const char atoms[][4] = {"moov", "mdat", "wide", "free", "skip", "pnot"};
    uint32_t size;

    if (len < 8)
        return 0;
    size = be32(b);
    if (size != 0 && size != 1 && size < 8) /* 0: to the end; 1: 64-bit size follows */
        return 0;
    for (size_t i = 0; i < sizeof atoms / sizeof atoms[0]; i++) {
        if (memcmp(b + 4, atoms[i], 4) == 0)
            return 1;
    }
    return 0;
}

static const char *
sniff_riff(const unsigned char *b, size_t len)
{
    if (has(b, len, 8, "WAVE", 4))
        return "audio/wav";
    if (has(b, len, 8, "AVI ", 4))
        return "video/x-msvideo";
    if (has(b, len, 8, "WEBP", 4))
        return "image/webp";
    return NULL;
}

/* An EBML variable-length integer at b[*p] (before `end`): its value without the length
 * marker; 0 bytes consumed if malformed or cut. `keep_marker` for element IDs. */
static size_t
ebml_vint(const unsigned char *b, size_t p, size_t end, int keep_marker, uint64_t *v)
{
    size_t n = 1;

    if (p >= end || b[p] == 0)
        return 0;
    while (!(b[p] & (0x80 >> (n - 1))))
        n++;
    if (n > end - p)
        return 0;
    *v = keep_marker ? b[p] : (uint64_t)(b[p] & (0xff >> n));
    for (size_t i = 1; i < n; i++)
        *v = *v << 8 | b[p + i];
    return n;
}

/* Matroska and WebM share EBML; the header's DocType element (0x4282) tells them apart. */
static const char *
sniff_ebml(const unsigned char *b, size_t len)
{
    uint64_t id, size;
    size_t p = 4, n, end;

    if ((n = ebml_vint(b, p, len, 0, &size)) == 0)
        return "video/x-matroska";
    p += n;
    end = size < len - p ? p + (size_t)size : len;
    while (p < end) {
        if ((n = ebml_vint(b, p, end, 1, &id)) == 0)
            break;
        p += n;
        if ((n = ebml_vint(b, p, end, 0, &size)) == 0)
            break;
        p += n;
        if (size > end - p)
            break;
        if (id == 0x4282)
            return size == 4 && memcmp(b + p, "webm", 4) == 0 ? "video/webm" : "video/x-matroska";
        p += (size_t)size;
    }
    return "video/x-matroska";
}

/* Ogg carries audio or video: the first packet names the codec. */
static const char *
sniff_ogg(const unsigned char *b, size_t len)
{
    size_t p;

    if (len < 27)
        return "application/ogg";
    p = 27 + (size_t)b[26]; /* after the segment table */
    if (has(b, len, p, "\x01vorbis", 7) || has(b, len, p, "OpusHead", 8) ||
        has(b, len, p,
            "\x7f"
            "FLAC",
            5) ||
        has(b, len, p, "Speex   ", 8))
        return "audio/ogg";
    if (has(b, len, p, "\x80theora", 7))
        return "video/ogg";
    return "application/ogg";
}

/* 188-byte transport packets, each opening with 0x47; M2TS (AVCHD .MTS) puts a 4-byte
 * timestamp before each, making them 192 bytes. Three in a row, not one byte by chance. */
static int
is_transport_stream(const unsigned char *b, size_t len, size_t first, size_t stride)
{
    return len > first + 2 * stride && b[first] == 0x47 && b[first + stride] == 0x47 &&
           b[first + 2 * stride] == 0x47;
}

/* ADTS: 12 sync bits, layer 00, a sampling rate index that exists. */
static int
is_adts(const unsigned char *b, size_t len)
{
    return len >= 7 && b[0] == 0xff && (b[1] & 0xf6) == 0xf0 && ((b[2] >> 2) & 0x0f) < 13;
}

/* MPEG audio frame header: 11 sync bits and no reserved or "bad" field, which keeps random
 * 0xFFEx bytes (a damaged file) from passing for MP3. */
static int
is_mpeg_audio(const unsigned char *b, size_t len)
{
    if (len < 4 || b[0] != 0xff || (b[1] & 0xe0) != 0xe0)
        return 0;
    unsigned version = (b[1] >> 3) & 3, layer = (b[1] >> 1) & 3;
    unsigned bitrate = b[2] >> 4, rate = (b[2] >> 2) & 3, emphasis = b[3] & 3;
    return version != 1 && layer != 0 && bitrate != 0 && bitrate != 15 && rate != 3 &&
           emphasis != 2;
}

/* ID3v2 prefixes MP3 mostly, but also AAC or FLAC: look past the tag when it fits. */
static const char *
sniff_id3(const unsigned char *b, size_t len)
{
    if (len >= 10 && !((b[6] | b[7] | b[8] | b[9]) & 0x80)) {
        size_t tag = 10 + ((size_t)b[6] << 21 | (size_t)b[7] << 14 | (size_t)b[8] << 7 | b[9]);
        if (tag < len) {
            if (has(b, len, tag, "fLaC", 4))
                return "audio/flac";
            if (is_adts(b + tag, len - tag))
                return "audio/aac";
        }
    }
    return "audio/mpeg";
}

typedef struct magic {
    size_t off;
    const char *bytes;
    size_t len;
    const char *type;
} magic_t;

#define M(off, s, type)                                                                            \
    {                                                                                              \
        off, s, sizeof s - 1, type                                                                 \
    }

/* Fixed signatures, tried in order. */
static const magic_t magics[] = {
    M(0, "\xff\xd8\xff", "image/jpeg"),
    M(0, "\x89PNG\r\n\x1a\n", "image/png"),
    M(0, "GIF87a", "image/gif"),
    M(0, "GIF89a", "image/gif"),
    M(0, "II*\0", "image/tiff"),
    M(0, "MM\0*", "image/tiff"),
    M(0, "II+\0", "image/tiff"), /* BigTIFF */
    M(0, "MM\0+", "image/tiff"),
    M(0, "%PDF-", "application/pdf"),
    M(0, "fLaC", "audio/flac"),
    M(0, "#!AMR-WB", "audio/amr-wb"),
    M(0, "#!AMR", "audio/amr"),
    M(0, "FLV\x01", "video/x-flv"),
    /* ASF header object GUID; whether it holds video (WMV) or only audio (WMA) is told by
     * stream objects that usually lie past the bytes we see. */
    M(0, "\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c", "video/x-ms-asf"),
    /* DV DIF header block: section 0x1f, sequence 0x07, then the 525/625 flag in bit 7. */
    M(0, "\x1f\x07\x00\x3f", "video/x-dv"),
    M(0, "\x1f\x07\x00\xbf", "video/x-dv"),
    /* MPEG program streams (DVD, many DVRs): a pack header; and MPEG-1/2 video streams. */
    M(0, "\x00\x00\x01\xba", "video/mpeg"),
    M(0, "\x00\x00\x01\xb3", "video/mpeg"),
    /* Raw H.264 / H.265 streams (Annex B) as some body cameras and DVRs write them: a start
     * code, then a parameter-set or access-unit-delimiter NAL unit. */
    M(0, "\x00\x00\x00\x01\x67", "video/h264"),
    M(0, "\x00\x00\x00\x01\x27", "video/h264"),
    M(0, "\x00\x00\x00\x01\x09", "video/h264"),
    M(0, "\x00\x00\x00\x01\x40\x01", "video/h265"),
    M(0, "\x00\x00\x00\x01\x46\x01", "video/h265"),
    /* Dahua DVR recordings. */
    M(0, "DHAV", "video/x-dhav"),
};

const char *
cs_sniff_media_type(const unsigned char *head, size_t len)
{
    const char *t;

    if (head == NULL)
        return octet;
    if (len > SNIFF_MAX)
        len = SNIFF_MAX;
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        if (has(head, len, magics[i].off, magics[i].bytes, magics[i].len))
            return magics[i].type;
    }
    if (has(head, len, 0, "ID3", 3))
        return sniff_id3(head, len);
    if (has(head, len, 0, "\x1a\x45\xdf\xa3", 4))
        return sniff_ebml(head, len);
    if ((has(head, len, 0, "RIFF", 4) || has(head, len, 0, "RF64", 4)) &&
        (t = sniff_riff(head, len)) != NULL)
        return t;
    if (has(head, len, 0, "OggS\0", 5))
        return sniff_ogg(head, len);
    if (has(head, len, 4, "ftyp", 4))
        return sniff_ftyp(head, len);
    if (is_quicktime_atom(head, len))
        return "video/quicktime";
    if (is_transport_stream(head, len, 0, 188) || is_transport_stream(head, len, 4, 192))
        return "video/mp2t";
    if (is_adts(head, len))
        return "audio/aac";
    if (is_mpeg_audio(head, len))
        return "audio/mpeg";
    return octet;
}
