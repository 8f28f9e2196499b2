/* api/public_site.h: the public page (行政执法公示, issue 23 part 4), rendered once for both
 * ways out: `custody serve`'s public listener (api/public_serve.c) and the static site of
 * `custody publish site` (tools/cmd_publish_site.c). Given the catalog's snapshot
 * (indexer/public_site.h), it renders the index of live publications and one publication's
 * page (its latest version's public copies and the dates of earlier versions; a withdrawn one
 * says 已撤下 with its date and category), and it alone says which object bytes may be served:
 * a public copy that the latest version of a live publication names, and nothing else. Pages
 * are Chinese HTML, need no script, and carry their Content-Security-Policy in a meta element
 * as well (a static site's web server may not add it). Pure: no I/O. */
#ifndef CS_API_PUBLIC_SITE_H
#define CS_API_PUBLIC_SITE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CS_PUBSITE_CSP_MAX 512

/** The Content-Security-Policy of every public answer: nothing but this origin's images and
 * media, and the pages' one inline style by its hash; no scripts, frames, forms or bases. */
void cs_pubsite_csp(char out[CS_PUBSITE_CSP_MAX]);

/** *html (malloc'd, *len bytes) = the index: the live publications, newest first. */
int cs_pubsite_index(json_t *snap, char **html, size_t *len);

/** *html = publication `id`'s page and *status its HTTP status: 200 live, 410 withdrawn (the
 * page names the date and category of its withdrawal), 404 never published (a page saying
 * so). */
int cs_pubsite_page(json_t *snap, int64_t id, int *status, char **html, size_t *len);

/** *html = the page of an answer that is not a publication: 404, 405 or 503. */
int cs_pubsite_error(int status, char **html, size_t *len);

/** The public copy `name` ("<sha256>" or "<sha256>.<ext>", ext its own) of live publication
 * `id`: 0 with sha256, its media type (one of a fixed list, safe for a header) and size; else
 * CS_ENOTFOUND (not a public copy of that publication's latest version, withdrawn, or no
 * longer servable). */
int cs_pubsite_file(json_t *snap, int64_t id, const char *name, char sha256[65],
                    const char **media_type, uint64_t *size);

/** The extension of a public copy's file name, "bin" when its type is none of the list. */
const char *cs_pubsite_ext(const char *media_type);

/** Parses a publication's number ("12"): 0 and *id, else CS_EINVAL (leading zeros, signs,
 * empty, more than 18 digits). */
int cs_pubsite_id(const char *s, size_t n, int64_t *id);

#endif
