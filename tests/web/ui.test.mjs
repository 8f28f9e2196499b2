#!/usr/bin/env node
// tests/web/ui.test.mjs: Custody's web interface end to end, in Debian's Chromium (headless)
// driven by playwright-core, against a real `custody serve` in a home of its own:
//   a granted reviewer signs in, states a purpose, opens a case, sees its items, opens a
//   photo, plays a recording (its time advances), downloads an original (SHA-256 compared);
//   a JPEG whose EXIF Make is an <img onerror> and whose name is markup renders as text;
//   a reviewer without a grant sees no item and is denied; an auditor finds those accesses
//   (with the purpose typed) and the denial in the ledger view, checks an entry's inclusion
//   proof and runs the full verification in the browser; a clerk sees the live queue and
//   links an unassigned item to the case; an admin adds a reviewer (the token shown once
//   works) and gives them a grant with two purposes and an end date. A screenshot of every page goes to the artefacts.
//
// usage: node tests/web/ui.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR
// Needs /usr/bin/chromium and `npm ci --prefix tests/web` (scripts/setup.sh test does both).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { adminAfter } from './ui_admin.mjs';
import { recordShows, registerShows } from './ui_cases.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const DATA = path.join(ROOT, 'tests/data'); // sources: tests/data/SOURCES.md
const CHROMIUM = '/usr/bin/chromium';
const CASE = '任水罚〔2023〕12号';
const PARTY = '某某公司';
const XSS_NAME = '<img src=x onerror=alert(3)>.jpg';
const XSS_MAKE = '<img src=x onerror=alert(1)>';
const XSS_MODEL = '<script>alert(2)</script>';
const PHOTO = path.join(DATA, 'gps/DSCN0010.jpg');
const XSS_SRC = path.join(DATA, 'gps/DSCN0012.jpg');
const LOOSE_SRC = path.join(DATA, 'gps/DSCN0021.jpg');
const SCENE_SRC = path.join(DATA, 'gps/DSCN0025.jpg');
const NOTE = '<b>现场</b> 勘验 <script>alert(4)</script>';
const VIDEO = path.join(DATA, 'metadata-extractor/sample_mpeg4.mp4');

const [custody, worker, artifacts] = process.argv.slice(2);
const started = Date.now();
const secs = () => ((Date.now() - started) / 1000).toFixed(1);
const log = (...a) => console.log(`[${secs()}s]`, ...a);

function die(msg) {
  console.error(`ui.test: ${msg}`);
  process.exit(1);
}

if (!custody || !worker || !artifacts) die('usage: node tests/web/ui.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR');
for (const [what, p] of [['custody', custody], ['custody-worker', worker]])
  if (!existsSync(p)) die(`${what} not found at ${p}: build it first (cmake --build build)`);
if (!existsSync(CHROMIUM))
  die(`${CHROMIUM} is missing: the browser test needs Debian's Chromium; run scripts/setup.sh test ` +
    '(or apt-get install chromium) and try again');
for (const f of [PHOTO, XSS_SRC, LOOSE_SRC, SCENE_SRC, VIDEO])
  if (!existsSync(f)) die(`test file ${f} is missing (tests/data is part of the repository: check it out whole)`);
if (spawnSync('exiftool', ['-ver']).status !== 0)
  die('exiftool is missing: apt-get install libimage-exiftool-perl (scripts/setup.sh test installs it)');
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  die(`playwright-core is not installed (${e.message}): run npm ci --prefix tests/web (scripts/setup.sh test does)`);
}

mkdirSync(artifacts, { recursive: true });
// What an earlier run left: this run's pictures only.
for (const f of readdirSync(artifacts))
  if (/^\d\d-.*\.png$|^FAILED\.png$|^serve\.log$/.test(f)) rmSync(path.join(artifacts, f));
const dir = mkdtempSync(path.join(tmpdir(), 'custody-web-'));
const home = path.join(dir, 'home');
let service = null;
let browser = null;
let serviceLog = '';
// ---------------------------------------------------------------- set-up helpers
function run(args, { input } = {}) {
  const r = spawnSync(custody, [...args, '--home', home], { encoding: 'utf8', input, timeout: 120_000 });
  if (r.status !== 0)
    throw new Error(`custody ${args.join(' ')} exited ${r.status}${r.signal ? ` (${r.signal})` : ''}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** `custody user add` prints the token alone on its last line. */
function addUser(name, role) {
  const lines = run(['user', 'add', name, '--role', role]).trim().split('\n');
  const token = lines[lines.length - 1].trim();
  assert.match(token, /^\S{16,}$/, `token of ${name}`);
  return token;
}

const sha256File = (p) => createHash('sha256').update(readFileSync(p)).digest('hex');

async function startService() {
  const args = ['serve', '--home', home, '--set', 'api.listen=127.0.0.1:0', '--set', 'worker.count=1',
    '--set', 'ledger.checkpoint_ms=300', '--set', 'ingest.settle_ms=200', '--set', 'ingest.rescan_ms=500', '--set', 'site.tz=Asia/Shanghai'];
  service = spawn(custody, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  service.stdout.on('data', (d) => { serviceLog += d; });
  service.stderr.on('data', (d) => { serviceLog += d; });
  const exited = new Promise((resolve) => service.once('exit', (code, sig) => resolve(`exited ${code ?? sig}`)));
  for (let i = 0; i < 200; i++) {
    for (const line of serviceLog.split('\n')) {
      if (!line.includes('"api.listening"')) continue;
      const m = /"listen":"127\.0\.0\.1:(\d+)"/.exec(line);
      if (m) return Number(m[1]);
    }
    const gone = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 50))]);
    if (gone) throw new Error(`custody serve ${gone} before listening:\n${serviceLog}`);
  }
  throw new Error(`custody serve did not log api.listening within 10 s:\n${serviceLog}`);
}

/** SIGTERM, then the exit status (SIGKILL after 15 s: then "SIGKILL"). */
async function stopService() {
  if (!service) return null;
  if (service.exitCode !== null || service.signalCode !== null) return service.exitCode ?? service.signalCode;
  const done = new Promise((r) => service.once('exit', (code, sig) => r(code ?? sig)));
  service.kill('SIGTERM');
  const t = setTimeout(() => service.kill('SIGKILL'), 15_000);
  const status = await done;
  clearTimeout(t);
  return status;
}

// ---------------------------------------------------------------- browser helpers

let aliceWrongToken = 0;
const problems = []; // dialogs, page errors, console errors: each fails the test
const urls = []; // every request the pages made: no token may be in one

async function newPage(base, who) {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1366, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    baseURL: base,
  });
  const page = await context.newPage();
  page.on('dialog', async (d) => {
    problems.push(`${who}: a ${d.type()} dialog opened: ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => problems.push(`${who}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // A refused read answers 403/404 by design (bob's denial), a wrong password 401 (bob's
    // first try); the problem is shown on the page. Anything else (a CSP violation, a script
    // error) is a failure.
    if (/Failed to load resource: the server responded with a status of (403|404)/.test(text)) return;
    if (who === 'bob' && /status of 401/.test(text)) return;
    // alice's wrong token first (its refusal read in Chinese): one 401, once.
    if (who === 'alice' && /status of 401/.test(text) && !aliceWrongToken++) return;
    problems.push(`${who}: console error: ${text}`);
  });
  page.on('request', (r) => urls.push(r.url()));
  page.setDefaultTimeout(15_000);
  lastPage = page;
  return { context, page };
}

let shot = 0;
let lastPage = null; // for a screenshot of where a failure happened
async function screenshot(page, name) {
  shot += 1;
  lastPage = page;
  // The page's own hygiene: no style attribute, no inline handler anywhere in the DOM (an
  // empty style="" is Chromium's form autofill touching the CSSOM, not the page's markup).
  const inline = await page.evaluate(() => [...document.querySelectorAll('*')].flatMap((el) =>
    [...el.attributes].filter((a) => (a.name === 'style' && a.value !== '') || a.name.startsWith('on'))
      .map((a) => `<${el.localName} ${a.name}="${a.value}">`)));
  assert.deepEqual(inline, [], `inline style or handler attributes on ${name}`);
  await page.evaluate(() => window.scrollTo(0, 0)); // sticky header and table heads at the top
  const file = path.join(artifacts, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${path.basename(file)}`);
}

const tid = (id) => `[data-testid="${id}"]`;

/** Fails when the page's visible text (what a zh-CN reader sees; the folded "技术细节" is not
 * seen) holds an English message of the server or a raw key (issue 19: messages by code). */
const ENGLISH = [
  /no purpose stated/i, /the access copy/i, /\barrival\b/i, /received_by/, /original_name/,
  /source_path/, /media_type/, /captured_at/, /transcoding failed/i, /bearer token/i,
  /Access denied/i, /has no live grant/i, /may read none/i, /\bnot found\b/i, /cut off/i,
  /is damaged/i, /\bfailed\b/i, /\bpending\b/i, /every retrieval states why/i,
  /The request is malformed/i, /Internal error/i, /\bNot signed in\b/i, /\bclaimed\b/, /\bsidecar\b/i, /fields were applied/, /处理失败/, /is ledgered/,
  // The system's actors, as words (a path such as /tmp/custody-web-x/uploads/ is no word).
  ...['uploads', 'operator', 'custody', 'fixity-scrub'].map((w) => new RegExp(`(?<![\\w/.-])${w}(?![\\w/.-])`)),
];
const zhWalked = [];
async function assertNoEnglish(page, where) {
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN', `${where}: in zh-CN`);
  const text = await page.evaluate(() => document.body.innerText);
  const hits = ENGLISH.filter((re) => re.test(text)).map((re) => `${re} in "${text.match(re) && text.slice(Math.max(0, text.search(re) - 40), text.search(re) + 40).replace(/\s+/g, ' ')}"`);
  assert.deepEqual(hits, [], `${where}: English left in the Chinese page`);
  zhWalked.push(where);
}

async function signIn(page, token, purpose) {
  await page.goto('/');
  await page.waitForSelector(tid('signin-form'));
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN', 'Chinese is the default language');
  await page.fill(tid('token-input'), token);
  await page.click(tid('signin-submit'));
  await page.waitForSelector(tid('purpose-form'));
  await page.fill(tid('purpose-input'), purpose);
  await page.click(tid('purpose-submit'));
  await page.waitForFunction((p) => document.querySelector('[data-testid="purpose-current"]')?.textContent === p, purpose);
  // The token is kept for the tab only, never in localStorage.
  const where = await page.evaluate((tok) => ({
    session: Object.values(sessionStorage).includes(tok),
    local: Object.values(localStorage).includes(tok),
    url: location.href.includes(tok),
  }), token);
  assert.deepEqual(where, { session: true, local: false, url: false }, 'the token lives in sessionStorage only');
}

/** Signs in with a user name and password (POST /v1/session): the session is an HttpOnly,
 * SameSite=Strict cookie; the tab keeps only its CSRF token. A wrong password first: one
 * answer, in Chinese. */
async function signInPassword(page, context, name, password, purpose) {
  await page.goto('/');
  await page.waitForSelector(tid('password-form'));
  assert.equal((await page.textContent(tid('password-submit'))).trim(), '登录');
  await page.fill(tid('user-input'), name);
  await page.fill(tid('password-input'), `${password}x`);
  await page.click(tid('password-submit'));
  await page.waitForSelector(tid('signin-error'));
  assert.match(await page.textContent(tid('signin-error')), /用户名或密码错误/);
  await page.fill(tid('password-input'), password);
  await page.click(tid('password-submit'));
  await page.waitForSelector(tid('purpose-form'));
  const jar = (await context.cookies()).filter((c) => c.name === 'custody_session');
  assert.equal(jar.length, 1, 'the session cookie');
  assert.equal(jar[0].httpOnly, true, 'HttpOnly');
  assert.equal(jar[0].sameSite, 'Strict', 'SameSite=Strict');
  assert.equal(await page.evaluate(() => document.cookie.includes('custody_session')), false, 'the page cannot read it');
  await page.fill(tid('purpose-input'), purpose);
  await page.click(tid('purpose-submit'));
  await page.waitForFunction((p) => document.querySelector('[data-testid="purpose-current"]')?.textContent === p, purpose);
}

// ---------------------------------------------------------------- the test

async function main() {
  // The home, its users and grant, and the evidence.
  log(`home ${home}`);
  run(['init']);
  const alice = addUser('alice', 'reviewer');
  const bob = addUser('bob', 'reviewer'); // signs in with a password below
  const carol = addUser('carol', 'auditor');
  const dave = addUser('dave', 'clerk');
  const erin = addUser('erin', 'admin');

  const xss = path.join(dir, XSS_NAME);
  copyFileSync(XSS_SRC, xss);
  const ex = spawnSync('exiftool', ['-q', '-overwrite_original', `-Make=${XSS_MAKE}`, `-Model=${XSS_MODEL}`, xss], { encoding: 'utf8' });
  assert.equal(ex.status, 0, `exiftool: ${ex.stderr}`);
  const ingested = run(['ingest', '--case', CASE, '--party', PARTY, '--json', PHOTO, VIDEO, xss])
    .trim().split('\n').map((l) => JSON.parse(l));
  const shaOf = (p) => ingested.find((r) => r.path === p)?.sha256;
  const photoSha = shaOf(PHOTO);
  const videoSha = shaOf(VIDEO);
  const xssSha = shaOf(xss);
  assert.equal(photoSha, sha256File(PHOTO));
  assert.equal(videoSha, sha256File(VIDEO));
  assert.equal(xssSha, sha256File(xss));
  for (const r of ingested) assert.equal(r.derivatives_failed, 0, `copies of ${r.path}`);
  // The case as a record (custody case set): alice's grant clears internal, not the party's ID number.
  run(['case', 'set', CASE, '--kind', 'penalty', '--cause', '未经许可取水', '--party', PARTY, '--id-number', '91110000600037341L']);
  run(['grant', 'alice', '--case', CASE, '--purpose', '复核', '--any-purpose', '--scope', 'export']); // a case exists once it holds an item
  // A file dropped outside any case folder: the service keeps it as unassigned.
  mkdirSync(path.join(home, 'uploads'), { recursive: true });
  copyFileSync(LOOSE_SRC, path.join(home, 'uploads', 'loose-photo.jpg'));
  const looseSha = sha256File(LOOSE_SRC);
  // A clerk's upload into the case folder, with a sidecar naming its stage and a note (and a
  // field it has not: reported to the clerk in Chinese, the others kept).
  const caseDir = path.join(home, 'uploads', CASE, '警号0451');
  mkdirSync(caseDir, { recursive: true });
  copyFileSync(SCENE_SRC, path.join(caseDir, 'scene.jpg'));
  writeFileSync(path.join(caseDir, 'scene.jpg.json'), JSON.stringify({ stage: 'investigation', party: PARTY, note: NOTE, place: '任城区', weather: '晴' }));
  const sceneSha = sha256File(SCENE_SRC);
  // A recording whose copy was cut off half way, outside any case: kept, and flagged damaged.
  const video = readFileSync(VIDEO);
  writeFileSync(path.join(home, 'uploads', 'cut-off.mp4'), video.subarray(0, Math.floor(video.length / 2)));
  log('home ready: 5 users, 1 grant, 3 items, 3 uploads waiting');

  const port = await startService();
  const base = `http://127.0.0.1:${port}`;
  log(`custody serve on ${base}`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
  });

  // ---- alice: a granted reviewer.
  const purpose = `复核 UI 测试 ${randomBytes(3).toString('hex')}`;
  const A = await newPage(base, 'alice');
  const pa = A.page;
  await pa.goto('/');
  await pa.waitForSelector(tid('signin-form'));
  await screenshot(pa, 'signin');
  // A wrong token: refused in Chinese, with no English of the server's.
  await pa.fill(tid('token-input'), 'x'.repeat(40));
  await pa.click(tid('signin-submit'));
  await pa.waitForSelector(tid('signin-error'));
  assert.match(await pa.textContent(tid('signin-error')), /令牌/);
  await assertNoEnglish(pa, 'wrong-token sign-in');
  await pa.fill(tid('token-input'), alice);
  await pa.click(tid('signin-submit'));
  await pa.waitForSelector(tid('purpose-form'));
  await screenshot(pa, 'purpose');
  await pa.fill(tid('purpose-input'), purpose);
  await pa.click(tid('purpose-submit'));
  await pa.waitForSelector(tid('case-card'));
  assert.equal(await pa.textContent(tid('purpose-current')), purpose, 'the purpose is shown on the page');
  assert.equal(await pa.textContent(tid('user-name')), 'alice');
  await screenshot(pa, 'cases');
  await registerShows(pa, { tid, CASE, assertNoEnglish, screenshot }); // 执法案卷台账, in Chinese

  await pa.click(`${tid('case-card')}[data-case="${CASE}"] ${tid('case-link')}`);
  // Three items ingested, and the upload the service claims once it has settled (reload).
  for (let i = 0; ; i++) {
    const n = await pa.waitForFunction(() => document.querySelectorAll('[data-testid="item-card"]').length >= 3).then(() =>
      pa.locator(tid('item-card')).count());
    if (n === 4) break;
    assert.ok(i < 40, 'the upload with a sidecar reached the case');
    await pa.waitForTimeout(250);
    await pa.reload();
  }
  assert.equal(decodeURIComponent(new URL(pa.url()).hash), `#/case/${CASE}`);
  await recordShows(pa, { tid, PARTY, CASE, run, assertNoEnglish }); // ID number withheld; holds
  // Thumbnails of the photos, and of the video's poster, load through minted media URLs.
  await pa.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('img[data-testid="thumbnail"]')];
    return imgs.length === 4 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  });
  assert.equal(await pa.locator(`${tid('item-card')}[data-sha256="${videoSha}"] img[data-testid="thumbnail"]`).count(), 1,
    'the video shows its poster, not a placeholder');
  // Grouped by stage, then party: the sidecar's stage first, the items without one after.
  const stages = await pa.$$eval(tid('stage-group'), (l) => l.map((e) => e.dataset.stage));
  assert.deepEqual(stages, ['investigation', ''], 'stage groups in order');
  const note = await pa.textContent(`${tid('item-card')}[data-sha256="${sceneSha}"] ${tid('item-note')}`);
  assert.equal(note, NOTE, 'the sidecar note shows as text');
  // Filters: the kind narrows the timeline to the recording, and back.
  await pa.selectOption(tid('filter-kind'), 'video');
  await pa.waitForFunction(() => document.querySelectorAll('[data-testid="item-card"]').length === 1);
  assert.equal(await pa.getAttribute(tid('item-card'), 'data-sha256'), videoSha);
  await pa.selectOption(tid('filter-kind'), '');
  await pa.waitForFunction(() => document.querySelectorAll('[data-testid="item-card"]').length === 4);
  const thumbSrcs = await pa.$$eval('img[data-testid="thumbnail"]', (l) => l.map((i) => i.getAttribute('src')));
  for (const s of thumbSrcs) assert.match(s, /^\/media\//, 'thumbnails come from /media/ URLs');
  // The markup in the file name is text.
  const names = await pa.$$eval(tid('item-name'), (l) => l.map((e) => e.textContent));
  assert.ok(names.includes(XSS_NAME), `the XSS file name shows as text (${names.join(' | ')})`);
  assert.equal(await pa.locator('img[src="x"], main b, main script').count(), 0, 'no element was made from data');
  await screenshot(pa, 'case');
  await assertNoEnglish(pa, 'case page');

  // The photo: preview, GPS as text.
  await pa.click(`${tid('item-card')}[data-sha256="${photoSha}"] ${tid('item-link')}`);
  await pa.waitForFunction(() => {
    const i = document.querySelector('img[data-testid="preview"]');
    return i && i.complete && i.naturalWidth > 0;
  });
  assert.match(await pa.textContent(tid('gps')), /43\.46744/, 'GPS latitude shown');
  assert.match(await pa.textContent(tid('captured-source')), /DateTimeOriginal/);
  assert.match(await pa.textContent(tid('captured-offset')), /时区/);
  await screenshot(pa, 'item-photo');
  await assertNoEnglish(pa, 'item page (photo)');

  // Download the original: a ledgered retrieval whose bytes hash to the item.
  const [download] = await Promise.all([pa.waitForEvent('download'), pa.click(tid('download-original'))]);
  const saved = path.join(dir, 'downloaded.jpg');
  await download.saveAs(saved);
  assert.equal(sha256File(saved), photoSha, 'the downloaded original has the item\'s SHA-256');
  await pa.waitForSelector(tid('download-done'));
  assert.equal(await pa.textContent(tid('download-sha256')), photoSha);
  log('original downloaded, SHA-256 matches');

  // The recording: the access copy plays in place and its time advances.
  await pa.goto(`/#/item/${videoSha}`);
  await pa.waitForSelector('video[data-testid="player"][src^="/media/"]');
  await pa.evaluate(async () => {
    const v = document.querySelector('video[data-testid="player"]');
    v.muted = true;
    await v.play();
  });
  await pa.waitForFunction(() => document.querySelector('video[data-testid="player"]').currentTime > 0.5, null, { timeout: 20_000 });
  // Seekable: a jump lands where asked (served with Range requests, each ledgered).
  const seekable = await pa.evaluate(() => {
    const v = document.querySelector('video[data-testid="player"]');
    return v.seekable.length > 0 && v.seekable.end(0) > 3;
  });
  assert.ok(seekable, 'the recording is seekable');
  const playedTo = await pa.evaluate(() => {
    const v = document.querySelector('video[data-testid="player"]');
    v.pause();
    return v.currentTime;
  });
  await screenshot(pa, 'item-video');
  await assertNoEnglish(pa, 'item page (video, events)');
  log(`recording played to ${playedTo.toFixed(2)} s`);

  // The XSS JPEG: its EXIF strings are text, nothing ran.
  await pa.goto(`/#/item/${xssSha}`);
  await pa.waitForSelector(tid('device-make'));
  assert.equal(await pa.textContent(tid('device-make')), XSS_MAKE);
  assert.equal(await pa.textContent(tid('device-model')), XSS_MODEL);
  assert.ok((await pa.textContent(tid('page-title'))).includes(XSS_NAME), 'the file name is the title, as text');
  assert.equal(await pa.locator('img[src="x"]').count(), 0);
  assert.equal(await pa.evaluate(() => [...document.scripts].filter((s) => !s.src).length), 0, 'no inline script');
  await pa.waitForFunction(() => {
    const i = document.querySelector('img[data-testid="preview"]');
    return i && i.complete && i.naturalWidth > 0;
  });
  await screenshot(pa, 'item-xss');

  // English by the switch; back to Chinese.
  await pa.click(tid('lang-switch'));
  await pa.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal((await pa.textContent(tid('sign-out'))).trim(), 'Sign out');
  assert.equal(await pa.textContent(tid('device-make')), XSS_MAKE);
  await screenshot(pa, 'item-xss-en');
  await pa.click(tid('lang-switch'));
  await pa.waitForFunction(() => document.documentElement.lang === 'zh-CN');

  // The case's export for legal review: a BagIt tar, as a download.
  await pa.goto(`/#/case/${encodeURIComponent(CASE)}`);
  await pa.waitForSelector(tid('item-card'));
  const [bag] = await Promise.all([pa.waitForEvent('download', { timeout: 30_000 }), pa.click(tid('export-case'))]);
  const bagPath = path.join(dir, 'bag.tar');
  await bag.saveAs(bagPath);
  const tar = readFileSync(bagPath);
  assert.equal(tar.subarray(257, 262).toString('latin1'), 'ustar', 'the export is a tar');
  assert.ok(tar.includes(Buffer.from('bagit.txt')), 'the tar holds a BagIt bag');
  await pa.waitForSelector(tid('export-done'));
  await screenshot(pa, 'case-exported');
  log(`export downloaded (${tar.length} bytes)`);

  // The case's evidence list (证据清单): a printable page in a tab of its own, styled, and A4 in print.
  const [listPage] = await Promise.all([A.context.waitForEvent('page'), pa.click(tid('evidence-list'))]);
  await listPage.waitForSelector('footer');
  assert.equal((await listPage.textContent('h1')).trim(), '证据清单');
  assert.ok((await listPage.textContent('dl.head')).includes(CASE), 'the list names its case');
  assert.ok((await listPage.locator('tbody tr').count()) >= 1, 'the list has its items');
  assert.match(await listPage.textContent('footer'), /条目编号 \d+/);
  assert.equal(await listPage.evaluate(() => getComputedStyle(document.querySelector('th')).borderCollapse), 'collapse',
    'the stylesheet applies');
  await screenshot(listPage, 'case-evidence-list');
  const pdf = await listPage.pdf({ preferCSSPageSize: true });
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', 'the list prints');
  await listPage.close();
  log(`evidence list printed (${pdf.length} bytes of PDF)`);
  await A.context.close();

  // ---- bob: a reviewer without a grant sees no item, and is denied the photo.
  // bob signs in with a password, not a token.
  run(['user', 'passwd', 'bob', '--password-stdin'], { input: 'bob 的密码 2026\n' });
  const B = await newPage(base, 'bob');
  const pb = B.page;
  await signInPassword(pb, B.context, 'bob', 'bob 的密码 2026', '试图查看');
  await pb.goto(`/#/case/${encodeURIComponent(CASE)}`);
  await pb.waitForSelector(`${tid('case-empty')}, ${tid('error')}`);
  assert.equal(await pb.locator(tid('item-card')).count(), 0, 'bob sees no item');
  await screenshot(pb, 'bob-case');
  await pb.goto(`/#/item/${photoSha}`);
  await pb.waitForSelector(tid('error'));
  assert.equal(await pb.getAttribute(tid('error'), 'data-status'), '403');
  // The gate's refusal reads in Chinese, and still names its ledger entry.
  assert.match(await pb.textContent(tid('error-detail')), /授权/);
  assert.equal(await pb.locator(tid('error-ledgered')).count(), 1);
  assert.equal(await pb.locator('img[data-testid="preview"]').count(), 0);
  await screenshot(pb, 'bob-denied');
  await assertNoEnglish(pb, '403 on an item');
  // Signing out ends the session on the server: the cookie goes.
  await pb.click(tid('sign-out'));
  await pb.waitForSelector(tid('password-form'));
  await pb.waitForFunction(() => !sessionStorage.getItem('custody.csrf'));
  assert.equal((await B.context.cookies()).filter((c) => c.name === 'custody_session').length, 0, 'signed out');
  await B.context.close();

  // ---- dave: the clerk's live queue, and the unassigned item linked to the case.
  const D = await newPage(base, 'dave');
  const pd = D.page;
  await signIn(pd, dave, '入库整理');
  assert.match(pd.url(), /#\/clerk$/);
  await pd.waitForSelector(tid('count-done'));
  await pd.waitForSelector(`${tid('unassigned-row')}[data-sha256="${looseSha}"]`, { timeout: 30_000 }).catch(async () => {
    await pd.click('text=刷新');
    await pd.waitForSelector(`${tid('unassigned-row')}[data-sha256="${looseSha}"]`, { timeout: 15_000 });
  });
  // The cut-off recording: flagged damaged in Chinese, the server's sentence beside it.
  const cutRow = `${tid('flagged-row')}:has-text("文件已损坏")`;
  await pd.waitForSelector(cutRow, { timeout: 30_000 });
  const cutText = await pd.textContent(cutRow);
  assert.match(cutText, /文件不完整|缺少索引/, 'the damage in Chinese words');
  assert.match(cutText, /cut off/, 'the server\'s own sentence as the detail');
  await pd.waitForSelector(tid('job-damaged'));
  await screenshot(pd, 'clerk');
  await assertNoEnglish(pd, 'clerk page');
  const rowSel = `${tid('unassigned-row')}[data-sha256="${looseSha}"]`;
  await pd.click(`${rowSel} ${tid('link-open')}`);
  await pd.fill(`${rowSel} ${tid('link-case')}`, CASE);
  await pd.fill(`${rowSel} ${tid('link-reason')}`, '现场补拍，归入本案');
  await pd.click(`${rowSel} ${tid('link-submit')}`);
  await pd.waitForSelector(`${rowSel} ${tid('link-done')}`);
  await screenshot(pd, 'clerk-linked');
  await D.context.close();

  // ---- carol: the auditor finds who opened what, when and why.
  const C = await newPage(base, 'carol');
  const pc = C.page;
  await signIn(pc, carol, '审计抽查');
  assert.match(pc.url(), /#\/audit$/);
  await pc.waitForSelector(tid('ledger-row'));
  await pc.waitForSelector(`${tid('checkpoint')} ${tid('cp-size')}`);
  await screenshot(pc, 'audit');
  await assertNoEnglish(pc, 'ledger page');

  await pc.fill(tid('audit-filter-actor'), 'alice');
  await pc.click(tid('audit-apply'));
  await pc.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="ledger-row"]')];
    return rows.length > 0 && rows.every((r) => r.dataset.actor === 'alice');
  });
  const aliceRows = await pc.$$eval(tid('ledger-row'), (rows) => rows.map((r) => ({
    seq: Number(r.dataset.seq),
    action: r.dataset.action,
    result: r.dataset.result,
    purpose: r.querySelector('[data-testid="cell-purpose"]').textContent,
  })));
  const withPurpose = aliceRows.filter((r) => r.purpose === purpose);
  const actions = new Set(withPurpose.map((r) => r.action));
  assert.ok(actions.has('get.original'), `alice's get.original is in the ledger view (${[...actions]})`);
  assert.ok(actions.has('get.derivative'), `alice's get.derivative is in the ledger view (${[...actions]})`);
  assert.ok(withPurpose.every((r) => r.result === 'allowed'));
  await screenshot(pc, 'audit-alice');

  // "Who opened this file, when and why": from the case to the item, whose record the
  // auditor reads (never its media), to its retrievals, narrowed to the original's download.
  await pc.click(tid('nav-cases'));
  await pc.click(`${tid('case-card')}[data-case="${CASE}"] ${tid('case-link')}`);
  await pc.click(`${tid('item-card')}[data-sha256="${photoSha}"] ${tid('item-link')}`);
  await pc.waitForSelector(tid('no-media'));
  assert.equal(await pc.locator('img[data-testid="preview"], [data-testid="thumbnail"]').count(), 0, 'no media for auditors');
  await screenshot(pc, 'audit-item-record');
  await pc.click(tid('item-ledger'));
  await pc.waitForSelector(tid('ledger-row'));
  assert.equal(await pc.inputValue(tid('audit-filter-item')), photoSha);
  await pc.selectOption(tid('audit-filter-action'), 'get.original');
  await pc.click(tid('audit-apply'));
  await pc.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="ledger-row"]')];
    return rows.length > 0 && rows.every((r) => r.dataset.action === 'get.original');
  });
  const orig = await pc.$$eval(tid('ledger-row'), (rows) => rows.map((r) => ({
    seq: Number(r.dataset.seq), actor: r.dataset.actor, action: r.dataset.action,
    purpose: r.querySelector('[data-testid="cell-purpose"]').textContent,
  })));
  assert.ok(orig.every((r) => r.action === 'get.original'));
  const got = orig.find((r) => r.actor === 'alice' && r.purpose === purpose);
  assert.ok(got, 'alice\'s download of the original, with her purpose');

  await pc.fill(tid('audit-filter-item'), '');
  await pc.selectOption(tid('audit-filter-action'), '');
  await pc.fill(tid('audit-filter-actor'), 'bob');
  await pc.selectOption(tid('audit-filter-result'), 'denied');
  await pc.click(tid('audit-apply'));
  await pc.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="ledger-row"]')];
    return rows.length > 0 && rows.every((r) => r.dataset.actor === 'bob' && r.dataset.result === 'denied');
  });
  assert.ok(await pc.locator(`${tid('ledger-row')}.denied ${tid('denied-mark')}`).count() > 0, 'bob\'s denial is marked');
  await screenshot(pc, 'audit-bob-denied');
  await assertNoEnglish(pc, 'ledger page (denied)');

  // One entry: its exact text, leaf and inclusion proof, checked in the browser.
  await pc.goto(`/#/audit/${got.seq}`);
  await pc.waitForSelector(tid('entry-text'));
  const entryText = await pc.textContent(tid('entry-text'));
  assert.equal(JSON.parse(entryText).seq, got.seq);
  await pc.waitForSelector(tid('leaf-ok'));
  await pc.waitForSelector(`${tid('proof-ok')}, ${tid('proof-pending')}`, { timeout: 20_000 });
  if (await pc.locator(tid('proof-pending')).count()) {
    // The service signs a checkpoint every 300 ms here: look again once it has.
    await pc.waitForTimeout(1000);
    await pc.reload();
    await pc.waitForSelector(tid('proof-ok'), { timeout: 20_000 });
  }
  await screenshot(pc, 'audit-entry');
  await assertNoEnglish(pc, 'ledger entry');

  // The full verification, in the browser.
  await pc.goto('/#/audit');
  await pc.waitForSelector(tid('verify-run'));
  await pc.click(tid('verify-run'));
  await pc.waitForSelector(`${tid('verify-ok')}, ${tid('verify-fail')}`, { timeout: 60_000 });
  if (await pc.locator(tid('verify-fail')).count())
    assert.fail(`verification failed: ${await pc.textContent(tid('verify-fail'))}`);
  const keyId = (await pc.textContent(tid('verify-key-id'))).trim();
  assert.match(keyId, /^[0-9a-f]{64}$/);
  const pub = readFileSync(path.join(home, 'ledger.pub'), 'utf8');
  const der = Buffer.from(pub.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  assert.equal(keyId, createHash('sha256').update(der.subarray(der.length - 32)).digest('hex'), 'the key id is the home\'s key');
  await screenshot(pc, 'audit-verified');
  assert.equal(await pc.locator(tid('nav-admin')).count(), 0, 'no 管理 page for an auditor');
  await C.context.close();

  // ---- erin: the admin console adds a reviewer (the token shown once works) and grants them
  // the case for two purposes until a date; the others see no 管理 page.
  const E = await newPage(base, 'erin');
  const pe = E.page;
  await signIn(pe, erin, '人员授权管理');
  await pe.click(tid('nav-admin'));
  await pe.waitForSelector(tid('users-table'));
  await pe.fill(tid('user-add-name'), 'zhou');
  await pe.selectOption(tid('user-add-role'), 'reviewer');
  await pe.click(tid('user-add-submit'));
  await pe.waitForSelector(`${tid('token-dialog')}[open]`);
  const zhou = (await pe.textContent(tid('token-value'))).trim();
  await screenshot(pe, 'admin-token');
  await pe.click(tid('token-close'));
  await pe.waitForSelector(`${tid('user-row')}[data-name="zhou"]`);
  const zhouMe = await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${zhou}` } });
  assert.equal(zhouMe.status, 200, 'the token the dialog showed works');
  assert.equal((await zhouMe.json()).role, 'reviewer');
  await pe.fill(tid('grant-user'), 'zhou');
  await pe.fill(tid('grant-case'), CASE);
  await pe.fill(tid('grant-purposes'), '法制审核\n复核');
  await pe.selectOption(tid('grant-clearance'), 'internal');
  await pe.selectOption(tid('grant-scope'), 'media');
  await pe.fill(tid('grant-until'), '2099-12-31');
  await pe.click(tid('grant-submit'));
  await pe.waitForSelector(tid('grant-done'));
  const row = pe.locator(`${tid('grant-row')}[data-user="zhou"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-live'), 'true');
  assert.equal((await row.locator(tid('grant-purposes-cell')).textContent()).trim(), '法制审核、复核');
  assert.match(await row.locator(tid('grant-until-cell')).textContent(), /2099-12-31 23:59/);
  await screenshot(pe, 'admin');
  await assertNoEnglish(pe, 'admin page');

  await adminAfter({ pe, E, base, alice, zhou, carol, CASE, tid, assertNoEnglish, screenshot });

  // Nothing ran that should not have, and no token went into a URL.
  assert.deepEqual(problems, [], 'no dialog, page error or console error');
  for (const tok of [alice, bob, carol, dave, erin])
    assert.ok(!urls.some((u) => u.includes(tok)), 'no API token in any URL');
  assert.ok(urls.some((u) => u.includes('/media/')), 'media came through /media/ URLs');
  assert.ok(!urls.some((u) => u.includes('bob%20%E7%9A%84') || u.includes('bob 的密码')), 'no password in any URL');

  await browser.close();
  browser = null;
  assert.equal(await stopService(), 0, 'custody serve stops cleanly on SIGTERM');
}

for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    if (service && service.exitCode === null) service.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  });
let failed = false;
// Before ctest's own timeout (300 s), so that nothing is left running behind the test.
const watchdog = setTimeout(() => {
  console.error(`ui.test: took longer than 240 s; service log:\n${serviceLog.slice(-4000)}`);
  if (service && service.exitCode === null) service.kill('SIGKILL');
  browser?.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}, 240_000);
try {
  await main();
  log(`zh-CN pages with no English: ${zhWalked.join(', ')}`);
  log('PASS');
} catch (e) {
  failed = true;
  console.error(`ui.test: FAIL: ${e.stack || e}`);
  if (problems.length) console.error(`also seen in the browser:\n  ${problems.join('\n  ')}`);
  writeFileSync(path.join(artifacts, 'serve.log'), serviceLog);
  if (lastPage && !lastPage.isClosed()) {
    await lastPage.screenshot({ path: path.join(artifacts, 'FAILED.png'), fullPage: true }).catch(() => {});
    console.error(`page at the failure: ${lastPage.url()} (screenshot FAILED.png)`);
  }
  console.error(`service log: ${path.join(artifacts, 'serve.log')}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopService().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
}
log(`done in ${secs()} s`);
process.exit(failed ? 1 : 0);
