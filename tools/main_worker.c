/* tools/main_worker.c: the `custody-worker` program, the only one that links the media parsers
 * and encoders (FFmpeg, libexif). The service starts it; see tools/cmd_worker.c. */
#include "tools/cli.h"

int
main(int argc, char **argv)
{
    return cs_cmd_worker(argc, argv);
}
