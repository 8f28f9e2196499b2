#!/usr/bin/env node
// tests/web/dates.test.mjs: dates and times in the web interface (issue 19, part 1), first in
// Node (web/js/format.js), then in Debian's Chromium (headless, zh-CN, Asia/Shanghai) against
// a real `custody serve`: times read "yyyy-mm-dd HH:mm +08:00" in both languages, seconds only
// where a page needs them (an item's capture time, a ledger entry); the case page's date
// filters are typed as yyyy-mm-dd [HH:mm] (not the browser's mm/dd/yyyy) and a day there is
// the whole day in the reader's zone.
//
// usage: node tests/web/dates.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR
// Needs /usr/bin/chromium and `npm ci --prefix tests/web` (scripts/setup.sh test does both).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';

process.env.TZ = 'Asia/Shanghai'; // Node's own Intl: the reader's zone, as the browser's below
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CHROMIUM = '/usr/bin/chromium';
const CASE = '任水罚〔2023〕12号';
const GOOGLE = path.join(ROOT, 'tests/data/exiftool/Google.jpg'); // 2023-10-06T22:53:51+02:00
const WALL = path.join(ROOT, 'tests/data/gps/DSCN0010.jpg'); // 2008-10-22T16:28:39, no offset
const WHEN = /^\d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d$/; // one time, as the UI shows it

const [custody, worker, artifacts] = process.argv.slice(2);
const die = (msg) => {
  console.error(`dates.test: ${msg}`);
  process.exit(1);
};
if (!custody || !worker || !artifacts) die('usage: node tests/web/dates.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR');

// ---------------------------------------------------------------- format.js, in Node

globalThis.document = { documentElement: {} }; // what setLang touches; no browser here
const f = await import(pathToFileURL(path.join(ROOT, 'web/js/format.js')));
const i18n = await import(pathToFileURL(path.join(ROOT, 'web/js/i18n.js')));
for (const lang of ['zh-CN', 'en']) {
  i18n.setLang(lang);
  assert.equal(f.dateTime('2026-12-07T06:03:00Z'), '2026-12-07 14:03 +08:00', `${lang}: to the minute, with the offset`);
  assert.equal(f.dateTime('2026-12-07T14:03:09+08:00', { seconds: true }), '2026-12-07 14:03:09 +08:00');
  assert.equal(f.dateTime('2026-12-07T06:03:00Z', { zoneName: false }), '2026-12-07 14:03');
  assert.equal(f.dateTime('2008-10-22T16:28:39'), '2008-10-22 16:28', 'a wall time as written');
  const c = f.captured({ captured_at: '2023-10-06T22:53:51+02:00' });
  assert.equal(c.short, '2023-10-07 04:53 +08:00', 'a capture time in lists');
  assert.equal(c.main, '2023-10-07 04:53:51 +08:00', 'a capture time on its page: to the second');
}
i18n.setLang('zh-CN');
assert.deepEqual(f.typedParts('2026-12-07'), { y: 2026, mo: 12, d: 7, hh: 0, mi: 0 });
assert.deepEqual(f.typedParts('2026-12-07', { end: true }), { y: 2026, mo: 12, d: 7, hh: 23, mi: 59 });
assert.deepEqual(f.typedParts('2026-12-07 14:03'), { y: 2026, mo: 12, d: 7, hh: 14, mi: 3 });
for (const bad of ['12/07/2026', '2026-02-30', '2026-12-07 24:00', '', null]) assert.equal(f.typedParts(bad), null, String(bad));
// The sign-in limit per address (429 signin-rate-limited) reads in Chinese, title and detail.
const limited = f.problemWords({
  type: 'https://custody.invalid/problems/too-many-requests', title: 'Too many requests', status: 429,
  code: 'signin-rate-limited', detail: 'too many failed sign-ins from this address; try again in 900 s',
  detail_zh: '此网络地址登录失败次数过多，暂时不能登录；请稍后再试',
});
assert.equal(limited.title, '尝试次数过多');
assert.match(limited.detail, /登录失败次数过多/);
console.log('dates: format.js ok');

// ---------------------------------------------------------------- the browser

if (!existsSync(CHROMIUM)) die(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup.sh test does)`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  die(`playwright-core is not installed (${e.message}): run npm ci --prefix tests/web`);
}
mkdirSync(artifacts, { recursive: true });
const dir = mkdtempSync(path.join(tmpdir(), 'custody-dates-'));
const home = path.join(dir, 'home');
let service = null;
let serviceLog = '';
let browser = null;

function run(args) {
  const r = spawnSync(custody, [...args, '--home', home], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`custody ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function startService() {
  service = spawn(custody, ['serve', '--home', home, '--set', 'api.listen=127.0.0.1:0', '--set', 'worker.count=1'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  service.stdout.on('data', (d) => { serviceLog += d; });
  service.stderr.on('data', (d) => { serviceLog += d; });
  for (let i = 0; i < 200; i++) {
    const m = /"api\.listening".*"listen":"127\.0\.0\.1:(\d+)"/.exec(serviceLog);
    if (m) return Number(m[1]);
    if (service.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`custody serve did not listen:\n${serviceLog}`);
}

const tid = (id) => `[data-testid="${id}"]`;
const cards = (page) => page.$$eval(tid('item-card'), (l) => l.map((e) => e.querySelector('[data-testid="item-name"]').textContent).sort());

async function main() {
  run(['init', '--site-tz', 'Asia/Shanghai']);
  const token = run(['user', 'add', 'alice', '--role', 'reviewer']).trim().split('\n').pop().trim();
  run(['ingest', '--case', CASE, GOOGLE, WALL]);
  run(['grant', 'alice', '--case', CASE, '--purpose', '复核', '--any-purpose', '--until', '2099-12-31']);
  const base = `http://127.0.0.1:${await startService()}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: base });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(15_000);
  await page.goto('/');
  await page.fill(tid('token-input'), token);
  await page.click(tid('signin-submit'));
  await page.fill(tid('purpose-input'), '复核');
  await page.click(tid('purpose-submit'));
  await page.waitForSelector(tid('case-card'));
  // The grant's end: the end of that day at the site, read in the reader's zone.
  const cases = await page.textContent('main');
  assert.match(cases, /2099-12-31 23:59 \+08:00/, 'the grant ends 2099-12-31 23:59 +08:00');
  assert.doesNotMatch(cases, /UTC\+|\(UTC/, 'no "(UTC+08:00)" left');

  await page.click(`${tid('case-card')}[data-case="${CASE}"] ${tid('case-link')}`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="item-card"]').length === 2);
  const times = await page.$$eval(tid('item-time'), (l) => l.map((e) => e.textContent));
  assert.ok(times.includes('2023-10-07 04:53 +08:00'), `Google.jpg at 04:53 in Shanghai (${times.join(' | ')})`);
  assert.ok(times.includes('2008-10-22 16:28'), `the wall time as written (${times.join(' | ')})`);
  // The date filters: text typed as yyyy-mm-dd [HH:mm], whatever the browser's own order.
  for (const id of ['filter-from', 'filter-to']) {
    const input = page.locator(tid(id));
    assert.equal(await input.getAttribute('type'), 'text', `${id} is no browser date picker (mm/dd/yyyy)`);
    assert.equal(await input.getAttribute('placeholder'), 'yyyy-mm-dd HH:mm', `${id} shows yyyy-mm-dd`);
  }
  await page.fill(tid('filter-from'), '2023-10-07');
  await page.fill(tid('filter-to'), '2023-10-07');
  await page.locator(tid('filter-to')).dispatchEvent('change');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="item-card"]').length === 1);
  assert.deepEqual(await cards(page), ['Google.jpg'], 'the 7th in Shanghai holds the photo of 20:53 UTC on the 6th');
  assert.equal(await page.inputValue(tid('filter-from')), '2023-10-07', 'the filter shows yyyy-mm-dd');
  await page.fill(tid('filter-from'), '2023-10-06 00:00');
  await page.fill(tid('filter-to'), '2023-10-06 23:59');
  await page.locator(tid('filter-to')).dispatchEvent('change');
  await page.locator(tid('filter-from')).dispatchEvent('change');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="item-card"]').length === 0);
  await page.screenshot({ path: path.join(artifacts, 'dates-case-filter.png'), fullPage: true });
  await page.click('button[type="reset"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="item-card"]').length === 2);

  // The item's page: its capture time to the second, with the offset.
  await page.click(`${tid('item-card')}:has-text("Google.jpg") ${tid('item-link')}`);
  await page.waitForSelector(tid('captured-at'));
  assert.equal(await page.textContent(tid('captured-at')), '2023-10-07 04:53:51 +08:00');
  const text = await page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(text, /\(UTC[+-]/, 'no "(UTC+08:00)" on the item page');
  const shown = text.match(/\d{4}-\d\d-\d\d \d\d:\d\d( [+-]\d\d:\d\d)?/g) ?? [];
  assert.ok(shown.some((s) => WHEN.test(s)), `times with their offset on the item page (${shown.join(' | ')})`);
  assert.deepEqual(errors, [], 'no page error');
}

let failed = false;
const watchdog = setTimeout(() => {
  console.error(`dates.test: took longer than 120 s; service log:\n${serviceLog.slice(-3000)}`);
  service?.kill('SIGKILL');
  process.exit(1);
}, 120_000);
try {
  await main();
  console.log('dates: browser ok');
} catch (e) {
  failed = true;
  console.error(`dates.test: FAIL: ${e.stack || e}`);
  writeFileSync(path.join(artifacts, 'dates-serve.log'), serviceLog);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (service && service.exitCode === null) {
    const done = new Promise((r) => service.once('exit', r));
    service.kill('SIGTERM');
    await done;
  }
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
