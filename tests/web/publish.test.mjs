#!/usr/bin/env node
// tests/web/publish.test.mjs: the publication register page (web/js/pages/publications.js, issue
// 23) in Debian's Chromium (headless, zh-CN) against a real `custody serve`: a clerk signs in,
// registers the case's decision, made on 2023-09-28, for publication from the page; the register
// shows it due on 2023-10-13 (National Day's holidays and make-up working days counted) and
// flags it overdue in red, in Chinese; the clerk withdraws it (revoked) and the row says so; no
// English is left on the page.
//
// usage: node tests/web/publish.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR
// Needs /usr/bin/chromium, sqlite3 and `npm ci --prefix tests/web` (scripts/setup.sh test).
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { browserTest } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CASE = '任水罚〔2023〕12号';
const PHOTO = path.join(ROOT, 'tests/data/exiftool/Google.jpg');
const FINDINGS = ['subject', 'jurisdiction', 'qualification', 'facts', 'law', 'procedure', 'documents', 'referral']
  .flatMap((p) => ['--finding', `${p}=${p === 'documents' ? 'na' : 'ok'}`]);
const tid = (id) => `[data-testid="${id}"]`;

await browserTest('publish', async (h) => {
  const run = (args, input) => h.run(args, input);
  run(['init', '--site-tz', 'Asia/Shanghai']);
  for (const [u, role] of [['chen', 'clerk'], ['fa', 'legal']]) {
    run(['user', 'add', u, '--role', role]);
    run(['user', 'passwd', u, '--password-stdin'], `${u}-口令-2026\n`);
  }
  run(['ingest', '--case', CASE, '--as', 'chen', PHOTO]);
  run(['review', 'submit', CASE, '--note', '送审', '--as', 'chen']);
  run(['review', 'opinion', CASE, '--as', 'fa', '--verdict', 'agree', ...FINDINGS]);
  const doc = path.join(h.home, '..', 'decision.txt');
  writeFileSync(doc, '行政处罚决定书\n');
  run(['case', 'decide', CASE, '--kind', '行政处罚决定', '--document', doc, '--as', 'chen']);
  // Decided at 10:00 in China on Thursday 28 September 2023 (decisions are write-once: the
  // test steps around the trigger to date it).
  const q = spawnSync('sqlite3', [path.join(h.home, 'catalog.db'),
    "DROP TRIGGER decisions_no_update; UPDATE decisions SET decided_at = '2023-09-28T02:00:00.000Z';"], { encoding: 'utf8' });
  assert.equal(q.status, 0, `sqlite3: ${q.stderr}`);

  const base = `http://127.0.0.1:${await h.startService()}`;
  const browser = await h.launch();
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: base });
  const page = h.watch(await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(15_000);
  await page.goto('/#/publications');
  await page.fill(tid('user-input'), 'chen');
  await page.fill(tid('password-input'), 'chen-口令-2026');
  await page.click(tid('password-submit'));
  await page.fill(tid('purpose-input'), '公示');
  await page.click(tid('purpose-submit'));
  await page.click(tid('nav-publications'));
  await page.waitForSelector(tid('pub-form'));

  // Nothing registered yet; a decision named by nothing is refused in Chinese.
  await page.fill(tid('pub-case'), CASE);
  await page.fill(tid('pub-decision'), '00000000');
  await page.click(tid('pub-submit'));
  await page.waitForSelector(tid('pub-error'));
  assert.equal(await page.getAttribute(tid('pub-error'), 'data-status'), '404');

  const sha = spawnSync('sha256sum', [doc], { encoding: 'utf8' }).stdout.slice(0, 12);
  await page.fill(tid('pub-decision'), sha);
  await page.selectOption(tid('pub-kind'), 'penalty');
  await page.click(tid('pub-submit'));
  await page.waitForSelector(tid('pub-done'));
  await page.waitForSelector(`${tid('pub-row')}[data-status="overdue"]`);
  assert.equal((await page.textContent(tid('pub-due'))).trim(), '2023-10-13');
  assert.match(await page.textContent(tid('pub-status')), /已逾期/);
  assert.match(await page.textContent(tid('pub-overdue')), /1 项决定已超过公示期限/);
  await page.screenshot({ path: path.join(process.argv[4], 'publications.png'), fullPage: true });

  // Withdrawn: a reason is needed; then the row says why, in Chinese.
  await page.click(tid('withdraw-submit'));
  await page.waitForSelector(tid('withdraw-error'));
  await page.selectOption(tid('withdraw-category'), 'revoked');
  await page.fill(tid('withdraw-reason'), '复议决定撤销');
  await page.click(tid('withdraw-submit'));
  await page.waitForSelector(`${tid('pub-row')}[data-status="withdrawn"]`);
  const status = await page.textContent(tid('pub-status'));
  assert.ok(status.includes('已撤下') && status.includes('决定被撤销') && status.includes('复议决定撤销'), status);

  // No English on the page (hashes, and the names SHA-256 and holidays.txt, aside).
  const text = await page.evaluate(() => document.querySelector('main').innerText);
  const latin = text.replace(/[0-9a-f]{8,64}|SHA-256|holidays\.txt/g, '').match(/[A-Za-z]{3,}/g) || [];
  assert.deepEqual(latin, [], `English words left on the page: ${latin.join(' ')}`);
  assert.deepEqual(errors, [], `page errors: ${errors.join('; ')}`);
});
