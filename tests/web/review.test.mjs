#!/usr/bin/env node
// tests/web/review.test.mjs: a case's legal review page (web/js/pages/review.js, issue 21) in
// Debian's Chromium (headless, zh-CN) against a real `custody serve`: a legal user who brought
// evidence of the case in is refused the opinion in Chinese (办审分离); another legal user signs
// in with a password, opens the review page of the submitted case, files an opinion finding
// problems, and sees it listed with the Chinese names of the eight points of review; the page
// has no English left in it. Then a clerk submits again from the page, the legal user agrees
// and the clerk records the decision with its document.
//
// usage: node tests/web/review.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR
// Needs /usr/bin/chromium and `npm ci --prefix tests/web` (scripts/setup.sh test does both).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { browserTest } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CASE = '任水罚〔2023〕12号';
const PURPOSE = '法制审核';
const PHOTO = path.join(ROOT, 'tests/data/exiftool/Google.jpg');
const PHOTO2 = path.join(ROOT, 'tests/data/gps/DSCN0010.jpg');
const POINTS_ZH = ['执法主体', '管辖权限', '执法人员资格', '事实证据', '法律适用', '程序', '文书', '是否涉嫌犯罪需移送'];

let h; // the harness: tests/web/harness.mjs
let browser = null;
const artifacts = process.argv[4];
const run = (args, input) => h.run(args, input);
const tid = (id) => `[data-testid="${id}"]`;

/* A new tab signed in as `name` with a password, on the case's review page in zh-CN. */
async function signedIn(base, name, errors) {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: base });
  const page = await context.newPage();
  h.watch(page);
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(15_000);
  await page.goto(`/#/cases/${encodeURIComponent(CASE)}/review`);
  await page.fill(tid('user-input'), name);
  await page.fill(tid('password-input'), `${name}-口令-2026`);
  await page.click(tid('password-submit'));
  await page.fill(tid('purpose-input'), PURPOSE);
  await page.click(tid('purpose-submit'));
  await page.waitForSelector(tid('review-round'));
  return page;
}

async function main() {
  run(['init', '--site-tz', 'Asia/Shanghai']);
  for (const [u, role] of [['chen', 'clerk'], ['fa', 'legal'], ['wu', 'legal']]) {
    run(['user', 'add', u, '--role', role]);
    run(['user', 'passwd', u, '--password-stdin'], `${u}-口令-2026\n`);
  }
  run(['ingest', '--case', CASE, '--as', 'chen', PHOTO]);
  run(['ingest', '--case', CASE, '--as', 'wu', PHOTO2]); // wu brought evidence in: no opinion
  for (const u of ['fa', 'wu']) run(['grant', u, '--case', CASE, '--purpose', PURPOSE, '--any-purpose', '--until', '2099-12-31']);
  run(['review', 'submit', CASE, '--note', '初次送审', '--as', 'chen']);
  const base = `http://127.0.0.1:${await h.startService()}`;
  browser = await h.launch();
  const errors = [];

  // wu: the form is offered (the round awaits an opinion), the server refuses it in Chinese.
  const wu = await signedIn(base, 'wu', errors);
  await wu.selectOption(tid('opinion-verdict-input'), 'agree');
  await wu.click(tid('opinion-submit'));
  await wu.waitForSelector(tid('review-error'));
  assert.equal(await wu.getAttribute(tid('review-error'), 'data-status'), '403');
  assert.match(await wu.textContent(tid('review-error-detail')), /您录入过本案的证据.*办审分离/, 'own-evidence in Chinese');
  await wu.screenshot({ path: path.join(artifacts, 'review-refused.png'), fullPage: true });

  // fa: the round as submitted, then an opinion finding problems.
  const page = await signedIn(base, 'fa', errors);
  const round = page.locator(tid('review-round'));
  assert.equal(await round.getAttribute('data-round'), '1');
  assert.equal(await page.textContent(tid('round-by')), 'chen');
  assert.equal(await page.textContent(tid('round-items')), '2', 'two items frozen in the bag');
  assert.match(await page.textContent(tid('round-note')), /初次送审/);
  assert.match(await page.textContent(tid('round-bag')), /^[0-9a-f]{12}$/, 'the bag hash shortened');
  assert.ok(await page.isVisible(tid('round-awaiting')), 'the round awaits an opinion');
  assert.equal(await page.isVisible(tid('review-submit-form')), false, 'a legal user submits nothing');
  await page.selectOption(tid('point-facts-result'), 'problem');
  await page.fill(tid('point-facts-text'), '现场照片未注明拍摄时间');
  await page.selectOption(tid('point-referral-result'), 'na');
  await page.selectOption(tid('opinion-verdict-input'), 'problems');
  await page.click(tid('opinion-submit'));
  await page.waitForSelector(tid('review-error')); // no proposal: said before sending
  assert.match(await page.textContent(tid('review-error')), /至少写一条审核建议/);
  await page.fill(tid('opinion-proposals-input'), '补充拍摄时间说明\n补正后重新送审');
  await page.click(tid('opinion-submit'));
  await page.waitForSelector(tid('review-done'));
  await page.waitForSelector(tid('opinion'));
  assert.equal(await page.isVisible(tid('opinion-form')), false, 'no second opinion on the round');
  assert.equal(await page.getAttribute(tid('opinion'), 'data-verdict'), 'problems');
  assert.equal(await page.textContent(tid('opinion-verdict')), '存在问题');
  assert.deepEqual(await page.$$eval(tid('finding-point'), (l) => l.map((e) => e.textContent)), POINTS_ZH);
  const facts = page.locator(`${tid('finding-row')}[data-point="facts"]`);
  assert.equal(await facts.getAttribute('data-result'), 'problem');
  assert.equal(await facts.locator(tid('finding-text')).textContent(), '现场照片未注明拍摄时间');
  assert.equal(await facts.locator(tid('finding-result')).textContent(), '有问题');
  assert.deepEqual(await page.$$eval(`${tid('opinion-proposals')} li`, (l) => l.map((e) => e.textContent)),
    ['补充拍摄时间说明', '补正后重新送审']);
  assert.equal(await page.textContent(tid('opinion-author')), 'fa');
  assert.match(await page.textContent(tid('opinion-key')), /^[0-9a-f]{12}$/, 'the signing key id, shortened');
  await page.screenshot({ path: path.join(artifacts, 'review-opinion.png'), fullPage: true });

  // No English left: user names, hashes, the brand and the language switch aside.
  const text = await page.evaluate(() => document.body.innerText);
  const left = text.replace(/\b[0-9a-f]{6,}\b/g, '').replace(/\b(Custody|English|fa|chen)\b/g, '').match(/[A-Za-z]{2,}/g);
  assert.equal(left, null, `English words on the zh-CN page: ${left?.join(' ')}`);

  // The clerk submits again (round 2), fa agrees, the clerk records the decision.
  const chen = await signedIn(base, 'chen', errors);
  assert.equal(await chen.isVisible(tid('opinion-form')), false, 'a clerk files no opinion');
  await chen.fill(tid('review-note'), '补正后重新送审');
  await chen.click(tid('review-submit'));
  await chen.waitForSelector(`${tid('review-round')}[data-round="2"] ${tid('round-awaiting')}`);
  assert.match(await chen.textContent(tid('review-done')), /已送审：第 2 轮/);
  await page.reload();
  await page.waitForSelector(tid('opinion-form'));
  assert.match(await page.textContent(tid('opinion-form')), /对第 2 轮/);
  await page.click(tid('opinion-submit')); // every point ok, the verdict agree
  await page.waitForSelector(`${tid('review-round')}[data-round="2"] ${tid('opinion')}[data-verdict="agree"]`);
  await chen.reload();
  await chen.fill(tid('decision-kind'), '行政处罚决定');
  await chen.setInputFiles(tid('decision-document'), { name: '决定书.txt', mimeType: 'text/plain', buffer: Buffer.from('行政处罚决定书') });
  await chen.click(tid('decision-submit'));
  await chen.waitForSelector(tid('decision-row'));
  assert.match(await chen.textContent(tid('decision-row')), /行政处罚决定.*chen/);
  assert.equal(await chen.isVisible(tid('decision-form')), false, 'one decision per agreed round');
  await chen.screenshot({ path: path.join(artifacts, 'review-decided.png'), fullPage: true });

  // The case page links to the review.
  await page.goto(`/#/case/${encodeURIComponent(CASE)}`);
  await page.click(tid('review-link'));
  await page.waitForSelector(tid('decision-row'));
  assert.deepEqual(errors, [], 'no page error');
}

await browserTest('review', async (harness) => {
  h = harness;
  await main();
});
