/* media/jpeg_xmp.c: the XMP packet of a JPEG. Every length comes from the file and is checked
 * against what was read; a broken marker ends the walk (no XMP), never a read past it. */
#include "media/jpeg_xmp.h"

#include "core/error.h"
#include "core/io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char xmp_ns[] = "http://ns.adobe.com/xap/1.0/"; /* followed by its NUL */

int
cs_jpeg_xmp_read(int fd, int64_t size, char **xmp, size_t *len)
{
    uint8_t head[4 + sizeof xmp_ns];
    int64_t off = 2, stop = size < CS_JPEG_XMP_SCAN ? size : CS_JPEG_XMP_SCAN;

    *xmp = NULL;
    *len = 0;
    if (size < 4 || cs_pread_exact(fd, head, 2, 0) != 0 || head[0] != 0xff || head[1] != 0xd8)
        return 1;
    while (off + 4 <= stop) {
        if (cs_pread_exact(fd, head, 4, off) != 0 || head[0] != 0xff)
            return 1;
        uint8_t marker = head[1];
        if (marker == 0xff) { /* fill byte */
            off++;
            continue;
        }
        if (marker == 0xda || marker == 0xd9) /* start of scan, end of image: no more APPn */
            return 1;
        size_t seg = (size_t)head[2] << 8 | head[3]; /* counts its own two bytes */
        if (seg < 2 || off + 2 + (int64_t)seg > size)
            return 1;
        size_t body = seg - 2;
        if (marker == 0xe1 && body > sizeof xmp_ns &&
            cs_pread_exact(fd, head, sizeof xmp_ns, off + 4) == 0 &&
            memcmp(head, xmp_ns, sizeof xmp_ns) == 0) {
            size_t n = body - sizeof xmp_ns;
            char *p = malloc(n + 1);
            if (p == NULL)
                return CS_ENOMEM;
            if (cs_pread_exact(fd, p, n, off + 4 + (int64_t)sizeof xmp_ns) != 0) {
                free(p);
                return CS_EIO;
            }
            p[n] = '\0';
            *xmp = p;
            *len = n;
            return 0;
        }
        off += 2 + (int64_t)seg;
    }
    return 1;
}
