/* fuzz/fuzz_extract.c: libFuzzer target for the metadata extractor on a whole file, in
 * process, under ASan and UBSan: what a `custody-worker` does for an "extract" request
 * (media/worker_main.c), with the media type the service sniffs from the stored bytes
 * (indexer/sniff.c). Photos go through media/exif*.c (libexif), HEIF photos through
 * media/heif*.c (libheif, then libexif), the rest through media/extract*.c (libavformat),
 * then media/captime.c. The service itself keeps running
 * this in a separate worker process; here a crash is found where it happens.
 *
 * Input: the file's bytes (written to a memory file the extractor opens by path). What must
 * hold besides not crashing (extract.h): a readable file always gets a record (0; CS_ENOMEM
 * only when memory runs out, which a fuzzer's inputs do not cause), an object whose
 * "errors" is a list and whose every string is valid UTF-8, so it can be written as JSON. */
#include "core/error.h"
#include "fuzz/fuzz.h"
#include "media/extract.h"
#include "indexer/sniff.h"

#include <libavutil/log.h>

#include <stdlib.h>
#include <string.h>

static cs_fuzz_file_t file;
static json_t *hints;
static int print; /* CUSTODY_FUZZ_PRINT=1: each record on stderr, to see what a seed reaches */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    cs_fuzz_file_init(&file, "media");
    /* What the service passes: the upload's mtime and the deployment's default offset. */
    hints = json_pack("{s:s, s:s}", "source_mtime", "2026-11-27T09:00:00Z", "default_tz", "+08:00");
    if (hints == NULL)
        abort();
    av_log_set_level(AV_LOG_QUIET);
    cs_extract_limits(); /* as the worker does */
    print = getenv("CUSTODY_FUZZ_PRINT") != NULL;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *type = cs_sniff_media_type(data, size < 512 ? size : 512);
    json_t *rec = NULL;
    char *text;

    cs_fuzz_file_set(&file, data, size);
    int rc = cs_extract_file(file.path, type, hints, &rec);
    CS_FUZZ_CHECK(rc == 0, "%s: rc %d (%s)", type, rc, cs_diag());
    CS_FUZZ_CHECK(json_is_object(rec) && json_is_array(json_object_get(rec, "errors")),
                  "%s: a record without its errors list", type);
    text = json_dumps(rec, JSON_COMPACT);
    CS_FUZZ_CHECK(text != NULL, "%s: the record cannot be written as JSON", type);
    if (print)
        fprintf(stderr, "%s: %s\n", type, text);
    free(text);
    json_decref(rec);
    return 0;
}
