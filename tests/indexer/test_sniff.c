/* tests/indexer/test_sniff.c: media types from crafted headers; the wide run (`corpus`): every
 * file of the real corpus against ExifTool's MIMEType (the oracle), with the differences we
 * mean. */
#include "indexer/sniff.h"

#include "tests/support/corpus.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OCTET "application/octet-stream"

typedef struct sniff_case {
    const char *name;
    const char *bytes;
    size_t len;
    const char *type;
} sniff_case_t;

#define C(name, s, type)                                                                           \
    {                                                                                              \
        name, s, sizeof s - 1, type                                                                \
    }

static const sniff_case_t cases[] = {
    C("empty", "", OCTET),
    C("one byte of JPEG", "\xff", OCTET),
    C("two bytes of JPEG", "\xff\xd8", OCTET),
    C("JPEG", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
    C("JPEG, EXIF",
      "\xff\xd8\xff\xe1\x12\x34"
      "Exif\0\0",
      "image/jpeg"),
    C("JPEG without a marker after SOI", "\xff\xd8\x00\xe0\x00\x10JFIF", OCTET),
    C("PNG", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
    C("PNG cut", "\x89PNG\r\n\x1a", OCTET),
    C("GIF87a", "GIF87a\x01\x00", "image/gif"),
    C("GIF89a", "GIF89a\x01\x00", "image/gif"),
    C("GIF of another version", "GIF90a", OCTET),
    C("TIFF little-endian", "II*\0\x08\0\0\0", "image/tiff"),
    C("TIFF big-endian", "MM\0*\0\0\0\x08", "image/tiff"),
    C("BigTIFF", "II+\0\x08\0\0\0", "image/tiff"),
    C("WebP", "RIFF\x24\0\0\0WEBPVP8 ", "image/webp"),
    C("WAVE", "RIFF\x24\0\0\0WAVEfmt ", "audio/wav"),
    C("RF64 WAVE", "RF64\xff\xff\xff\xffWAVEds64", "audio/wav"),
    C("AVI", "RIFF\x24\0\0\0AVI LIST", "video/x-msvideo"),
    C("RIFF of another form", "RIFF\x24\0\0\0CDXAfmt ", OCTET),
    C("RIFF cut", "RIFF\x24\0\0\0WA", OCTET),
    C("HEIC",
      "\0\0\0\x18"
      "ftypheic\0\0\0\0mif1heic",
      "image/heic"),
    C("HEIC heix",
      "\0\0\0\x18"
      "ftypheix\0\0\0\0mif1heix",
      "image/heic"),
    C("HEIF mif1",
      "\0\0\0\x1c"
      "ftypmif1\0\0\0\0mif1heicmiaf",
      "image/heif"),
    C("HEIF msf1",
      "\0\0\0\x18"
      "ftypmsf1\0\0\0\0msf1hevc",
      "image/heif-sequence"),
    C("AVIF",
      "\0\0\0\x1c"
      "ftypavif\0\0\0\0avifmif1miaf",
      "image/avif"),
    C("MP4 isom",
      "\0\0\0\x20"
      "ftypisom\0\0\x02\0isomiso2avc1mp41",
      "video/mp4"),
    C("MP4 iso5",
      "\0\0\0\x18"
      "ftypiso5\0\0\0\1iso5dash",
      "video/mp4"),
    C("MP4 mp41",
      "\0\0\0\x18"
      "ftypmp41\0\0\0\0mp41isom",
      "video/mp4"),
    C("MP4 mp42",
      "\0\0\0\x18"
      "ftypmp42\0\0\0\0mp42isom",
      "video/mp4"),
    C("MP4 avc1",
      "\0\0\0\x18"
      "ftypavc1\0\0\0\0avc1isom",
      "video/mp4"),
    C("MP4 dash",
      "\0\0\0\x18"
      "ftypdash\0\0\0\0iso6mp41",
      "video/mp4"),
    C("QuickTime ftyp",
      "\0\0\0\x14"
      "ftypqt  \0\0\0\0qt  ",
      "video/quicktime"),
    C("3GPP",
      "\0\0\0\x18"
      "ftyp3gp5\0\0\1\0"
      "3gp5isom",
      "video/3gpp"),
    C("3GPP 3gp4",
      "\0\0\0\x18"
      "ftyp3gp4\0\0\0\0"
      "3gp4isom",
      "video/3gpp"),
    C("3GPP2",
      "\0\0\0\x18"
      "ftyp3g2a\0\1\0\0"
      "3g2a",
      "video/3gpp2"),
    C("M4A",
      "\0\0\0\x20"
      "ftypM4A \0\0\0\0M4A mp42isom\0\0\0\0",
      "audio/mp4"),
    C("M4V",
      "\0\0\0\x18"
      "ftypM4V \0\0\0\1M4V M4A ",
      "video/x-m4v"),
    C("unknown major brand, known compatible",
      "\0\0\0\x18"
      "ftypzzzz\0\0\0\0"
      "3g2amp41",
      "video/3gpp2"),
    C("unknown brands only",
      "\0\0\0\x14"
      "ftypzzzz\0\0\0\0yyyy",
      "video/mp4"),
    C("ftyp cut before the brand",
      "\0\0\0\x14"
      "ftyp",
      "video/mp4"),
    C("ftyp box claims more than we have",
      "\xff\xff\xff\xff"
      "ftypzzzz\0\0\0\0mp",
      "video/mp4"),
    C("QuickTime moov first", "\0\0\x0f\x17moov\0\0\0\x6cmvhd", "video/quicktime"),
    C("QuickTime mdat to the end", "\0\0\0\0mdat\x12\x34", "video/quicktime"),
    C("QuickTime wide", "\0\0\0\x08wide\0\0\0\0mdat", "video/quicktime"),
    C("QuickTime free",
      "\0\0\0\x10"
      "free\0\0\0\0\0\0\0\0",
      "video/quicktime"),
    C("atom name with an impossible size", "\0\0\0\x03moov", OCTET),
    C("Matroska", "\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska\x42\x87\x81\x02", "video/x-matroska"),
    C("WebM", "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm", "video/webm"),
    C("EBML cut after the magic", "\x1a\x45\xdf\xa3", "video/x-matroska"),
    C("EBML with a bad size", "\x1a\x45\xdf\xa3\x00\x42\x82\x84webm", "video/x-matroska"),
    C("EBML DocType claims too much", "\x1a\x45\xdf\xa3\x87\x42\x82\x8fwebm", "video/x-matroska"),
    C("MP3 with ID3", "ID3\x03\0\0\0\0\x10\x00TIT2", "audio/mpeg"),
    C("MP3 with a short ID3 then FLAC", "ID3\x04\0\0\0\0\0\x02\0\0fLaC", "audio/flac"),
    C("MP3 frame, MPEG-1 layer III", "\xff\xfb\x90\x64\0\0\0\0", "audio/mpeg"),
    C("MP3 frame, MPEG-2 layer III", "\xff\xf3\x48\xc4\0\0\0\0", "audio/mpeg"),
    C("MP3 frame, MPEG-2.5", "\xff\xe3\x18\xc4\0\0\0\0", "audio/mpeg"),
    C("frame sync with bad bitrate", "\xff\xfb\xf0\x64\0\0\0\0", OCTET),
    C("frame sync with reserved rate", "\xff\xfb\x9c\x64\0\0\0\0", OCTET),
    C("frame sync with reserved version", "\xff\xeb\x90\x64\0\0\0\0", OCTET),
    C("fuzzed bytes that look like sync", "\xff\xf6\xff\xff\xff\xff\xff\xff\x89PNG", OCTET),
    C("AAC ADTS MPEG-4", "\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
    C("AAC ADTS MPEG-2", "\xff\xf9\x50\x80\x02\x1f\xfc", "audio/aac"),
    C("AAC ADTS with CRC", "\xff\xf0\x50\x80\x02\x1f\xfc\0\0", "audio/aac"),
    C("ADTS with a rate index that does not exist", "\xff\xf1\x7c\x80\x02\x1f\xfc", OCTET),
    C("FLAC", "fLaC\0\0\0\x22", "audio/flac"),
    C("Ogg Vorbis", "OggS\0\x02\0\0\0\0\0\0\0\0\x01\x02\x03\x04\0\0\0\0\0\0\0\0\x01\x1e\x01vorbis",
      "audio/ogg"),
    C("Ogg Opus", "OggS\0\x02\0\0\0\0\0\0\0\0\x01\x02\x03\x04\0\0\0\0\0\0\0\0\x01\x13OpusHead",
      "audio/ogg"),
    C("Ogg Theora", "OggS\0\x02\0\0\0\0\0\0\0\0\x01\x02\x03\x04\0\0\0\0\0\0\0\0\x01\x2a\x80theora",
      "video/ogg"),
    C("Ogg, codec unseen", "OggS\0\x02\0\0\0\0", "application/ogg"),
    C("AMR", "#!AMR\n\x3c", "audio/amr"),
    C("AMR-WB", "#!AMR-WB\n", "audio/amr-wb"),
    C("PDF", "%PDF-1.7\n", "application/pdf"),
    C("FLV", "FLV\x01\x05\0\0\0\x09", "video/x-flv"),
    C("ASF", "\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c", "video/x-ms-asf"),
    C("DV 625/50", "\x1f\x07\x00\xbf\x68\x78\x78\x78", "video/x-dv"),
    C("DV 525/60", "\x1f\x07\x00\x3f\x68\x78\x78\x78", "video/x-dv"),
    C("text", "hello, world\n", OCTET),
    C("a file name is not content", "IMG_0001.JPG", OCTET),
};

START_TEST(test_crafted_headers)
{
    const sniff_case_t *c = &cases[_i];
    const char *got = cs_sniff_media_type((const unsigned char *)c->bytes, c->len);
    ck_assert_msg(strcmp(got, c->type) == 0, "%s: got %s, want %s", c->name, got, c->type);

    /* Cut anywhere, a header never makes the sniffer read past `len` (ASan watches this):
     * copy each prefix to a heap block of exactly that size. */
    for (size_t n = 0; n <= c->len; n++) {
        unsigned char *p = malloc(n ? n : 1);
        ck_assert_ptr_nonnull(p);
        memcpy(p, c->bytes, n);
        ck_assert_ptr_nonnull(cs_sniff_media_type(p, n));
        free(p);
    }
}
END_TEST

/* MPEG-TS (188-byte packets) and M2TS (192, with a 4-byte timestamp first). */
START_TEST(test_transport_streams)
{
    unsigned char buf[512];

    memset(buf, 0xaa, sizeof buf);
    buf[0] = buf[188] = buf[376] = 0x47;
    ck_assert_str_eq(cs_sniff_media_type(buf, sizeof buf), "video/mp2t");
    ck_assert_str_eq(cs_sniff_media_type(buf, 377), "video/mp2t");
    ck_assert_str_eq(cs_sniff_media_type(buf, 376), OCTET); /* third sync byte not seen */
    buf[188] = 0x00;
    ck_assert_str_eq(cs_sniff_media_type(buf, sizeof buf), OCTET);

    memset(buf, 0xaa, sizeof buf);
    buf[4] = buf[196] = buf[388] = 0x47;
    ck_assert_str_eq(cs_sniff_media_type(buf, sizeof buf), "video/mp2t");
    ck_assert_str_eq(cs_sniff_media_type(buf, 388), OCTET);
    ck_assert_str_eq(cs_sniff_media_type(NULL, 0), OCTET);
}
END_TEST

/* Where our answer and ExifTool's differ on purpose, and why. Each is asserted, so a change
 * on either side shows. */
typedef struct difference {
    const char *file; /* SourceFile without "./" */
    const char *ours;
    const char *why;
} difference_t;

static const difference_t differences[] = {
    {"metadata-extractor-images/fuzzing/crash-037c0d3ad0a8f7d56addde1ca71c0fea88f675f8.fuzzed",
     "video/mp4",
     "brand iso5 with dash: ExifTool says audio/mp4 from the track handler (soun), which lies "
     "in moov, past the head; a brand alone cannot tell audio-only MP4"},
    {"exiftool/t/images/M2TS.mts", "video/mp2t",
     "ExifTool says video/m2ts, which is not a registered type; M2TS is MPEG-TS with a "
     "timestamp per packet and IANA's type for it is video/MP2T"},
    {"exiftool/t/images/ASF.wmv", "video/x-ms-asf",
     "ExifTool says video/x-ms-wmv from the stream properties object, beyond 512 bytes here; "
     "from the head, ASF could still be audio only (WMA)"},
};

static const difference_t *
find_difference(const char *file)
{
    for (size_t i = 0; i < sizeof differences / sizeof differences[0]; i++) {
        if (strcmp(differences[i].file, file) == 0)
            return &differences[i];
    }
    return NULL;
}

static const char *
sniff_file(const char *path, char *errbuf, size_t errlen)
{
    unsigned char head[512];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(errbuf, errlen, "cannot open %s", path);
        return NULL;
    }
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return cs_sniff_media_type(head, n);
}

START_TEST(test_corpus_against_exiftool)
{
    char path[4096], err[4200];
    json_error_t jerr;
    size_t i, agreed = 0, differed = 0;
    json_t *entry;

    snprintf(path, sizeof path, "%s/exiftool.json", CUSTODY_CORPUS);
    json_t *oracle = json_load_file(path, 0, &jerr);
    ck_assert_msg(oracle != NULL, "%s: %s", path, jerr.text);
    ck_assert_uint_ge(json_array_size(oracle), 170);

    json_array_foreach(oracle, i, entry)
    {
        const char *src = json_string_value(json_object_get(entry, "SourceFile"));
        const char *want = json_string_value(json_object_get(entry, "File:MIMEType"));
        ck_assert_msg(src != NULL && strncmp(src, "./", 2) == 0, "entry %zu", i);
        src += 2;
        if (want == NULL)
            want = OCTET; /* ExifTool did not recognise it either */
        snprintf(path, sizeof path, "%s/files/%s", CUSTODY_CORPUS, src);
        const char *got = sniff_file(path, err, sizeof err);
        ck_assert_msg(got != NULL, "%s", err);

        const difference_t *d = find_difference(src);
        if (d != NULL) {
            ck_assert_msg(strcmp(got, d->ours) == 0 && strcmp(want, d->ours) != 0,
                          "%s: got %s, documented %s, ExifTool %s", src, got, d->ours, want);
            differed++;
        } else {
            ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, ExifTool says %s", src, got, want);
            agreed++;
        }
    }
    ck_assert_uint_eq(differed, sizeof differences / sizeof differences[0]);
    ck_assert_uint_eq(agreed + differed, json_array_size(oracle));
    json_decref(oracle);
}
END_TEST

/* Every file of the corpus, listed or not by the oracle (libexif's *.parsed dumps are
 * text), sniffs to something without reading past what it was given. */
START_TEST(test_corpus_every_file)
{
    char path[4096], err[4200], line[4096];
    size_t files = 0;

    snprintf(path, sizeof path, "%s/SHA256SUMS", CUSTODY_CORPUS);
    FILE *sums = fopen(path, "r");
    ck_assert_msg(sums != NULL, "cannot open %s", path);
    while (fgets(line, sizeof line, sums) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        const char *name = line + 64;
        while (*name == ' ' || *name == '*')
            name++;
        if (strncmp(name, "./", 2) == 0)
            name += 2;
        snprintf(path, sizeof path, "%s/files/%s", CUSTODY_CORPUS, name);
        const char *got = sniff_file(path, err, sizeof err);
        ck_assert_msg(got != NULL, "%s", err);
        if (strstr(name, ".parsed") != NULL)
            ck_assert_msg(strcmp(got, OCTET) == 0, "%s: %s", name, got);
        files++;
    }
    fclose(sums);
    ck_assert_uint_ge(files, 178);
}
END_TEST

static Suite *
sniff_suite(void)
{
    Suite *s = suite_create("sniff");
    TCase *tc = tcase_create("sniff");
    tcase_add_loop_test(tc, test_crafted_headers, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_transport_streams);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
sniff_corpus_suite(void)
{
    Suite *s = suite_create("sniff_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_add_test(tc, test_corpus_against_exiftool);
    tcase_add_test(tc, test_corpus_every_file);
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    return cs_test_main(argc, argv, sniff_suite, sniff_corpus_suite);
}
