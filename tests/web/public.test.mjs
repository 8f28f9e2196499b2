#!/usr/bin/env node
// tests/web/public.test.mjs: an item's public copy on its page (web/js/pages/item_public.js,
// issue 23) in Debian's Chromium (headless, zh-CN) against a real `custody serve`: a clerk's
// redaction spec naming a rectangle past the photo is refused in Chinese, a good one is saved;
// once the copy is made on the host, the clerk is offered no approval, and a legal user's
// approval shows it publishable; the clerk's own approval over the API is refused in Chinese.
//
// usage: node tests/web/public.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR
// Needs /usr/bin/chromium and `npm ci --prefix tests/web` (scripts/setup.sh test does both).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { browserTest } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CASE = '任水罚〔2023〕12号';
const PURPOSE = '政务公开';
const PHOTO = path.join(ROOT, 'tests/data/gps/DSCN0010.jpg');

let h; // the harness: tests/web/harness.mjs
let browser = null;
const artifacts = process.argv[4];
const run = (args, input) => h.run(args, input);
const tid = (id) => `[data-testid="${id}"]`;

/* A new tab signed in as `name`, on the item's page in zh-CN. */
async function signedIn(base, name, sha, errors) {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: base });
  const page = await context.newPage();
  h.watch(page);
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(15_000);
  await page.goto(`/#/item/${sha}`);
  await page.fill(tid('user-input'), name);
  await page.fill(tid('password-input'), `${name}-口令-2026`);
  await page.click(tid('password-submit'));
  await page.fill(tid('purpose-input'), PURPOSE);
  await page.click(tid('purpose-submit'));
  await page.waitForSelector(tid('public-state'));
  return page;
}

async function main() {
  run(['init', '--site-tz', 'Asia/Shanghai']);
  for (const [u, role] of [['chen', 'clerk'], ['fa', 'legal']]) {
    run(['user', 'add', u, '--role', role]);
    run(['user', 'passwd', u, '--password-stdin'], `${u}-口令-2026\n`);
  }
  const out = run(['ingest', '--case', CASE, '--as', 'chen', '--json', PHOTO]);
  const sha = JSON.parse(out.trim().split('\n')[0]).sha256;
  run(['classify', sha, 'privacy', '--reason', '人脸']);
  run(['grant', 'fa', '--case', CASE, '--purpose', PURPOSE, '--any-purpose', '--until', '2099-12-31', '--clearance', 'privacy']);
  const base = `http://127.0.0.1:${await h.startService()}`;
  browser = await h.launch();
  const errors = [];

  const chen = await signedIn(base, 'chen', sha, errors);
  assert.equal(await chen.textContent(tid('public-state')), '尚无公开副本');
  await chen.fill(tid('public-spec-input'), '{"regions": [{"x": 600, "y": 0, "w": 100, "h": 50, "mode": "black"}]}');
  await chen.click(tid('public-spec-save'));
  await chen.waitForSelector(tid('public-refused'));
  assert.equal(await chen.getAttribute(tid('public-refused'), 'data-status'), '400');
  assert.match(await chen.textContent(tid('public-refused')), /脱敏规格有误/);
  await chen.fill(tid('public-spec-input'), '{"regions": [{"x": 10, "y": 10, "w": 100, "h": 50, "mode": "black"}]}');
  await chen.click(tid('public-spec-save'));
  await chen.waitForSelector(tid('public-done'));
  await chen.waitForSelector(tid('public-spec-sha'));
  assert.match(await chen.textContent(tid('public-spec-sha')), /^[0-9a-f]{12}$/);

  run(['public', 'make', sha, '--as', 'chen']);
  await chen.reload();
  await chen.waitForSelector(tid('public-copy-sha'));
  assert.equal(await chen.textContent(tid('public-state')), '待批准');
  assert.equal(await chen.isVisible(tid('public-approve')), false, 'a clerk is offered no approval');
  // Her own approval over the API all the same: refused in Chinese, ledgered.
  const refused = await chen.evaluate(async (s) => {
    const csrf = sessionStorage.getItem('custody.csrf') || '';
    const r = await fetch(`/v1/items/${s}/public/approve`, { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'X-Custody-Purpose': encodeURIComponent('政务公开') }, body: '{}' });
    return { status: r.status, body: await r.json() };
  }, sha);
  assert.equal(refused.status, 403, `own approval: ${JSON.stringify(refused)}`);
  assert.equal(refused.body.code, 'self-approval');
  assert.match(refused.body.detail_zh, /制作人以外/);
  await chen.screenshot({ path: path.join(artifacts, 'public-awaiting.png'), fullPage: true });

  const fa = await signedIn(base, 'fa', sha, errors);
  await fa.click(tid('public-approve'));
  await fa.waitForSelector(tid('public-done'));
  await fa.waitForSelector(tid('public-approver'));
  assert.equal(await fa.textContent(tid('public-state')), '已批准，可以公开');
  assert.equal(await fa.textContent(tid('public-approver')), 'fa');
  await fa.screenshot({ path: path.join(artifacts, 'public-approved.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no page error');
}

await browserTest('public', async (harness) => {
  h = harness;
  await main();
});
