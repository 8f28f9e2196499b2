#!/usr/bin/env node
// tests/web/paged.test.mjs: the web interface reads a paged list to its end (web/js/pages/
// paged.js, used by the case page for GET /v1/cases/{case}/items and /v1/search), without a
// browser: every page's items once, in order, the cursor each page gave passed back as is,
// no request after a page without next_cursor; a cap stops early and says more are left; a
// server that answers the whole list as an array is read in one request.
// usage: node tests/web/paged.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { allPages } = await import(pathToFileURL(path.join(ROOT, 'web/js/pages/paged.js')));

// A case of 2,345 items answered 1,000 at a time, its cursors opaque tokens.
const all = Array.from({ length: 2345 }, (_, i) => ({ sha256: `sha-${i}` }));
const asked = [];
const server = async (cursor) => {
  asked.push(cursor);
  const from = cursor === undefined ? 0 : Number(cursor.slice('opaque.'.length));
  assert.ok(Number.isInteger(from), `a cursor the server gave: ${cursor}`);
  const items = all.slice(from, from + 1000);
  const next = from + 1000 < all.length ? `opaque.${from + 1000}` : null;
  return { items, next_cursor: next };
};

let r = await allPages(server);
assert.equal(r.items.length, all.length);
assert.deepEqual(r.items.map((it) => it.sha256), all.map((it) => it.sha256));
assert.equal(r.more, false);
assert.deepEqual(asked, [undefined, 'opaque.1000', 'opaque.2000']);

// A cap: stops after the page that reaches it and says more are left.
asked.length = 0;
r = await allPages(server, 1500);
assert.equal(r.items.length, 2000);
assert.equal(r.more, true);
assert.equal(asked.length, 2);

// One page, no cursor; an empty list.
r = await allPages(async () => ({ items: [{ sha256: 'a' }], next_cursor: null }));
assert.deepEqual(r.items, [{ sha256: 'a' }]);
r = await allPages(async () => ({ items: [] }));
assert.deepEqual(r.items, []);

// The whole list as an array (an older server): one request.
let calls = 0;
r = await allPages(async () => { calls++; return [{ sha256: 'x' }, { sha256: 'y' }]; });
assert.equal(calls, 1);
assert.equal(r.items.length, 2);

// A failed page fails the whole read (the page shows the error, never a part as the whole).
await assert.rejects(allPages(async (c) => {
  if (c) throw new Error('503');
  return { items: [{ sha256: 'a' }], next_cursor: 'opaque.1' };
}), /503/);

console.log('paged: ok');
