/* media/mdpm.h: the camera metadata AVCHD camcorders (Sony, Panasonic, Canon, JVC) write into
 * their H.264 streams: the "MDPM" (Modified DV Pack Meta) entries of an SEI
 * user_data_unregistered message with UUID 17ee8c60-f84d-11d9-8cd6-0800200c9a66. The
 * recording's own clock (local time and zone), the maker code, Sony's model name and GPS.
 * Pure byte parsing, no FFmpeg: the caller hands in the stream's bytes. */
#ifndef CS_MEDIA_MDPM_H
#define CS_MEDIA_MDPM_H

#include <stddef.h>
#include <stdint.h>

#define CS_MDPM_MODEL_MAX 13 /* three 4-byte entries and a NUL */

typedef struct cs_mdpm {
    int has_time; /* date and time read from entries 0x18, 0x19 (BCD) */
    int year, mon, day, hour, min, sec;
    int has_offset; /* offset_min is the camera's zone (ExifTool's reading of the zone byte) */
    int offset_min; /* minutes east of UTC */
    int dst;        /* the zone byte's daylight-saving flag */
    int has_make;   /* entry 0xe0 */
    unsigned make_code;
    char model[CS_MDPM_MODEL_MAX]; /* Sony's entries 0xe4..0xe6; "" when absent */
    int has_gps, has_alt;          /* entries 0xb1..0xb4 and 0xb5..0xb8; 0xb9, 0xba */
    double lat, lon, alt;
} cs_mdpm_t;

/** The maker's name for an MDPM make code as ExifTool names it ("Sony" for 0x0108), or NULL
 * for a code it does not know. */
const char *cs_mdpm_make_name(unsigned code);

/** Reads the SEI message payloads of one SEI NAL unit's RBSP (after its header byte, the
 * emulation-prevention bytes already removed) and fills *out from the first MDPM one.
 * Returns 1 when it found MDPM, 0 when not (*out then zeroed). Never reads past len. */
int cs_mdpm_parse_sei(const uint8_t *rbsp, size_t len, cs_mdpm_t *out);

/** Looks through H.264 Annex B bytes (NAL units after 00 00 01 start codes, as in MPEG-TS)
 * for an SEI NAL unit holding MDPM; returns 1 and fills *out when one does, else 0. SEI
 * units longer than 64 KiB are skipped. */
int cs_mdpm_scan_annexb(const uint8_t *p, size_t len, cs_mdpm_t *out);

#endif
