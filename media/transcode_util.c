/* media/transcode_util.c: small things every transcode*.c file needs. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <stdio.h>

static json_t *
version_string(unsigned v)
{
    return json_sprintf("%u.%u.%u", AV_VERSION_MAJOR(v), AV_VERSION_MINOR(v), AV_VERSION_MICRO(v));
}

json_t *
cs_transcode_libraries(void)
{
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o}", "libavcodec", version_string(avcodec_version()),
        "libavformat", version_string(avformat_version()), "libavfilter",
        version_string(avfilter_version()), "libswscale", version_string(swscale_version()),
        "libswresample", version_string(swresample_version()), "libavutil",
        version_string(avutil_version()));
}

int
cs_transcode_out_path(const cs_transcode_opts_t *o, const char *profile, const char *ext, char *buf,
                      size_t size)
{
    int n = snprintf(buf, size, "%s/%s.%s.%s", o->out_dir, o->stem, profile, ext);
    if (n < 0 || (size_t)n >= size) {
        cs_diag_set("the output path for %s in %s is too long", profile, o->out_dir);
        return CS_ENAMETOOLONG;
    }
    return 0;
}
