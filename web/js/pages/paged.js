// web/js/pages/paged.js: the lists the server answers a page at a time ({items, next_cursor}:
// a case's items, search), read to their end by following each page's next_cursor. Pure: the
// page fetch is given, so that Node tests it without a browser (tests/web/paged.test.mjs).

/** Every item of a paged list: `fetchPage(cursor)` (cursor undefined for the first page)
 * resolves to {items, next_cursor}, or to a plain array (a server that answers the whole list
 * at once). Stops at a page without next_cursor, or once `max` items are read (then `more` is
 * true). Resolves to {items, more}. */
export async function allPages(fetchPage, max = Infinity) {
  const items = [];
  let cursor;
  for (;;) {
    const page = await fetchPage(cursor);
    if (Array.isArray(page)) return { items: items.concat(page), more: false };
    for (const it of page?.items || []) items.push(it);
    cursor = page?.next_cursor;
    if (!cursor) return { items, more: false };
    if (items.length >= max) return { items, more: true };
  }
}
