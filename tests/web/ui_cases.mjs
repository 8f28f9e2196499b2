// tests/web/ui_cases.mjs: the case-file register and a case's record as alice reads them in
// zh-CN (ui.test.mjs runs them): the register's row, and the record with its kind and cause and
// the party without the ID number her grant does not clear; each item's retention on the
// timeline, and the hold badge while an admin holds the case.
import assert from 'node:assert/strict';

/** The register page (执法案卷台账) from the case list, and back. */
export async function registerShows(pa, { tid, CASE, assertNoEnglish, screenshot }) {
  await pa.click(tid('nav-register'));
  await pa.waitForSelector(tid('register-table'));
  const reg = await pa.textContent(tid('register-table'));
  assert.ok(reg.includes(CASE) && reg.includes('行政处罚') && reg.includes('案由'), `the register: ${reg}`);
  await assertNoEnglish(pa, 'register');
  await screenshot(pa, 'register');
  await pa.click(tid('nav-cases'));
  await pa.waitForSelector(tid('case-card'));
}

/** The case page's record: kind and cause in Chinese, the party, the ID number withheld; the
 * items' retention (an open case's evidence, not due) and a hold's badge on every item while
 * the operator holds the case. */
export async function recordShows(pa, { tid, PARTY, CASE, run, assertNoEnglish }) {
  await pa.waitForSelector(tid('record-table'));
  const record = await pa.textContent(tid('case-record'));
  assert.ok(record.includes('行政处罚') && record.includes('未经许可取水') && record.includes(PARTY), `the case record: ${record}`);
  assert.ok(!record.includes('91110000600037341L') && record.includes('个人信息'), 'the ID number is withheld');
  await assertNoEnglish(pa, 'case record');
  const kept = await pa.$$eval(tid('item-retention'), (l) => l.map((e) => e.textContent));
  assert.ok(kept.length >= 3 && kept.every((k) => k === '保管：证据 · 不到期'), `retention: ${kept.join(' | ')}`);
  assert.equal(await pa.locator(tid('hold-badge')).count(), 0, 'no hold yet');
  run(['hold', CASE, '--reason', '行政复议']);
  await pa.reload();
  await pa.waitForFunction(() => document.querySelectorAll('[data-testid="hold-badge"]').length >= 3);
  assert.equal(await pa.textContent(tid('hold-badge')), '已冻结');
  await assertNoEnglish(pa, 'case timeline with a hold');
  run(['release', CASE, '--reason', '复议结束']);
  await pa.reload();
  await pa.waitForSelector(tid('record-table'));
  await pa.waitForFunction(() => document.querySelectorAll('[data-testid="item-retention"]').length >= 3);
  assert.equal(await pa.locator(tid('hold-badge')).count(), 0, 'the hold released');
}
