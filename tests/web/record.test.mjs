#!/usr/bin/env node
// tests/web/record.test.mjs: a case's record edited on the case page (web/js/pages/record.js,
// record_edit.js; issue 21) in Debian's Chromium (headless, zh-CN) against a real `custody
// serve`: a clerk signs in with a password, sets the kind (行政处罚), the procedure (一般), a
// cause and the filed date, moves the status to investigating, tries a jump the server refuses
// and sees the refusal in Chinese, then sends the case to legal review and back to
// investigating with the reason the page asks for; the card shows the new values with no
// English left in it. A reviewer with a grant reads the record and is offered no form; once the
// case is closed and archived, the card and the case list show its 档号.
//
// usage: node tests/web/record.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR
// Needs /usr/bin/chromium and `npm ci --prefix tests/web` (scripts/setup.sh test does both).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { browserTest } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CASE = '任水罚〔2023〕12号';
const PURPOSE = '案卷整理';
const PHOTO = path.join(ROOT, 'tests/data/exiftool/Google.jpg');

let h; // the harness: tests/web/harness.mjs
let browser = null;
const artifacts = process.argv[4];
const run = (args, input) => h.run(args, input);
const tid = (id) => `[data-testid="${id}"]`;

/* A new tab signed in as `name` with a password, on the case page in zh-CN, its record shown. */
async function signedIn(base, name, errors) {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: base });
  const page = await context.newPage();
  h.watch(page);
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(15_000);
  await page.goto(`/#/case/${encodeURIComponent(CASE)}`);
  await page.fill(tid('user-input'), name);
  await page.fill(tid('password-input'), `${name}-口令-2026`);
  await page.click(tid('password-submit'));
  await page.fill(tid('purpose-input'), PURPOSE);
  await page.click(tid('purpose-submit'));
  await page.waitForSelector(tid('record-table'));
  return page;
}

async function main() {
  run(['init', '--site-tz', 'Asia/Shanghai']);
  for (const [u, role] of [['chen', 'clerk'], ['li', 'reviewer']]) {
    run(['user', 'add', u, '--role', role]);
    run(['user', 'passwd', u, '--password-stdin'], `${u}-口令-2026\n`);
  }
  run(['ingest', '--case', CASE, '--as', 'chen', PHOTO]);
  run(['grant', 'li', '--case', CASE, '--purpose', PURPOSE, '--until', '2099-12-31']);
  const base = `http://127.0.0.1:${await h.startService()}`;
  browser = await h.launch();
  const errors = [];
  const cell = async (page, n) => page.locator(`${tid('record-table')} tr`).nth(n).locator('td').textContent();

  // chen, a clerk: the record completed from the card.
  const page = await signedIn(base, 'chen', errors);
  assert.equal(await page.textContent(tid('record-status')), '已登记');
  assert.deepEqual(await page.$$eval(`${tid('record-status-input')} option`, (l) => l.map((o) => o.value)),
    ['investigating'], 'only the next status is offered');
  assert.equal(await page.isVisible(tid('record-reason-input')), false, 'no reason to go forward');
  await page.selectOption(tid('record-kind-input'), { label: '行政处罚' });
  await page.selectOption(tid('record-procedure-input'), { label: '一般' });
  await page.fill(tid('record-cause-input'), '未按规定设置消防安全标志');
  await page.fill(tid('record-filed-input'), '2026-03-01');
  await page.fill(tid('record-party-name'), '某某餐饮有限公司');
  await page.selectOption(tid('record-party-kind'), 'organisation');
  await page.click(tid('record-save'));
  await page.waitForSelector(tid('record-done'));
  assert.match(await page.textContent(tid('record-done')), /案件记录已保存/);
  await page.waitForFunction(() => /行政处罚/.test(document.querySelector('[data-testid="record-table"]')?.textContent));
  assert.equal(await cell(page, 0), '行政处罚');
  assert.equal(await cell(page, 1), '一般');
  assert.equal(await cell(page, 2), '未按规定设置消防安全标志');
  assert.match(await page.textContent(tid('record-party')), /某某餐饮有限公司 · 组织/);
  assert.equal(await cell(page, 7), '2026-03-01');

  // The status forward, then a jump the server refuses (a stale or altered form).
  await page.click(tid('record-status-submit'));
  await page.waitForFunction(() => document.querySelector('[data-testid="record-status"]')?.textContent === '调查中');
  assert.match(await page.textContent(tid('record-done')), /案件状态已变更为：调查中/);
  assert.deepEqual(await page.$$eval(`${tid('record-status-input')} option`, (l) => l.map((o) => o.value)), ['under_review']);
  assert.match(await page.textContent(tid('record-history')), /已登记 → 调查中/);
  await page.$eval(tid('record-status-input'), (s) => {
    s.append(new Option('已结案', 'closed'));
    s.value = 'closed';
  });
  await page.click(tid('record-status-submit'));
  await page.waitForSelector(tid('record-error'));
  assert.equal(await page.getAttribute(tid('record-error'), 'data-status'), '409');
  assert.match(await page.textContent(tid('record-error-detail')), /案件状态不能如此变更/);
  assert.equal(await page.textContent(tid('record-status')), '调查中', 'the status stays');

  // On to legal review, then back to investigating: the reason asked for before sending.
  await page.selectOption(tid('record-status-input'), 'under_review');
  await page.click(tid('record-status-submit'));
  await page.waitForFunction(() => document.querySelector('[data-testid="record-status"]')?.textContent === '法制审核中');
  assert.deepEqual(await page.$$eval(`${tid('record-status-input')} option`, (l) => l.map((o) => o.value)),
    ['decided', 'investigating']);
  await page.selectOption(tid('record-status-input'), 'investigating');
  assert.ok(await page.isVisible(tid('record-reason-input')), 'reopening asks for a reason');
  await page.click(tid('record-status-submit'));
  await page.waitForSelector(tid('record-error'));
  assert.match(await page.textContent(tid('record-error')), /退回调查须填写理由/);
  await page.fill(tid('record-reason-input'), '补充调取监控录像');
  await page.click(tid('record-status-submit'));
  await page.waitForFunction(() => document.querySelector('[data-testid="record-status"]')?.textContent === '调查中');
  assert.match(await page.textContent(tid('record-history')), /法制审核中 → 调查中.*补充调取监控录像/s);
  await page.locator(tid('case-record')).screenshot({ path: path.join(artifacts, 'record-edited.png') });

  // No English left in the card: user names and the dates aside.
  const text = await page.locator(tid('case-record')).evaluate((e) => e.innerText);
  const left = text.replace(/\b(chen)\b/g, '').match(/[A-Za-z]{2,}/g);
  assert.equal(left, null, `English words in the zh-CN record card: ${left?.join(' ')}`);

  // li, a reviewer: the record read, no form.
  const li = await signedIn(base, 'li', errors);
  assert.equal(await li.textContent(tid('record-status')), '调查中');
  assert.equal(await li.locator(tid('record-edit')).count(), 0, 'a reviewer changes no record');
  assert.equal(await li.locator(tid('record-form')).count(), 0);

  // Closed and archived (custody case archive): the card shows its 档号 beside the case, and the
  // case list too.
  for (const to of ['under_review', 'decided', 'served', 'closed']) run(['case', 'status', CASE, '--to', to]);
  run(['case', 'archive', CASE, '--out', path.join(path.dirname(h.home), 'package'), '--set', 'archive.fonds=J001']);
  await li.reload();
  await li.waitForSelector(tid('record-reference'));
  assert.match(await li.textContent(tid('record-reference')), /^J001-ZF-\d{4}-C-0001$/);
  const ref = await li.textContent(tid('record-reference'));
  await li.goto('/#/cases');
  await li.waitForSelector(tid('case-reference'));
  assert.equal(await li.textContent(tid('case-reference')), `档号 ${ref}`);
  assert.deepEqual(errors, [], 'no page error');
}

await browserTest('record', async (harness) => {
  h = harness;
  await main();
});
