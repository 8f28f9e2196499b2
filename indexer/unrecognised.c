/* indexer/unrecognised.c: which sniffed content goes to a parser at all, and the record of
 * content that does not (media/extract.h). Free of the parsers themselves, so the service
 * can write that record without a worker and without linking FFmpeg. */
#include "media/extract.h"

#include <string.h>

int
cs_extract_wanted(const char *media_type)
{
    return media_type == NULL || strcmp(media_type, "application/octet-stream") != 0;
}

json_t *
cs_extract_unrecognised(void)
{
    return json_pack("{s:n, s:[s]}", "media", "errors",
                     "the content is not a photo, audio or video format that Custody "
                     "recognises; it is stored as it is");
}
