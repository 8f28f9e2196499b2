/* indexer/schema_pages.c: the migration of lists read a page at a time (issue 24, part 4).
 * Kept apart from schema.c so that each issue's history stays one screenful. */
#include "indexer/schema_int.h"

/* A case's active links in the order they were made (row id): a page of a case's items
 * (timeline.c) and its members counted a batch at a time (caselist.c) are a range of it, and a
 * link made while a client pages always comes after the pages it has read (row ids grow
 * under the catalog's one writer, where link times are taken before its lock). */
const char cs_schema_pages[] =
    "CREATE INDEX links_case_order ON links(case_id, id) WHERE superseded_at IS NULL;";
