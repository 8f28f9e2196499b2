/* indexer/sniff.h: the media type of content, from its first bytes, never from its name. */
#ifndef CS_INDEXER_SNIFF_H
#define CS_INDEXER_SNIFF_H

#include <stddef.h>

/** Returns a static MIME type for content starting with `head` (up to 512 bytes are
 * looked at), "application/octet-stream" when nothing is recognised. */
const char *cs_sniff_media_type(const unsigned char *head, size_t len);

#endif
