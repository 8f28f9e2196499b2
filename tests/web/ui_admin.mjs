// tests/web/ui_admin.mjs: the admin console's checks after its forms (ui.test.mjs runs them):
// the grant the page gave (its purposes and scope, in the table and in /v1/me), the user it
// added ledgered by the admin, and the requests page (调阅申请): a reviewer asks over the API,
// the admin approves on the page, and the approval is a grant naming the request; the
// registries page registers an officer, ledgered by the admin; the disposal page (到期处置)
// opens for an admin, in Chinese.
import assert from 'node:assert/strict';

export async function adminAfter({ pe, E, base, alice, zhou, carol, CASE, tid, assertNoEnglish, screenshot }) {
  const row = pe.locator(`${tid('grant-row')}[data-user="zhou"]`);
  assert.match(await row.locator(tid('grant-scope-cell')).textContent(), /^查看媒体/);
  // Requests (调阅申请): alice asks over the API; erin approves on the page, a grant follows.
  const asked = await fetch(`${base}/v1/requests`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice}`, 'X-Custody-Purpose': encodeURIComponent('复核'), 'Content-Type': 'application/json' },
    body: JSON.stringify({ case: CASE, purpose: '行政复议', scope: 'metadata', until: '2099-12-31' }),
  });
  assert.equal(asked.status, 201, 'alice asks');
  const reqId = (await asked.json()).id;
  await pe.click(tid('nav-requests'));
  const reqRow = pe.locator(`${tid('request-row')}[data-id="${reqId}"]`);
  await reqRow.waitFor();
  assert.equal(await reqRow.getAttribute('data-status'), 'pending');
  assert.match(await reqRow.locator(tid('request-scope-cell')).textContent(), /^查看记录/);
  await assertNoEnglish(pe, 'requests page');
  await reqRow.locator(tid('request-approve')).click();
  await pe.waitForSelector(tid('decide-done'));
  await pe.waitForSelector(`${tid('request-row')}[data-id="${reqId}"][data-status="approved"]`);
  await screenshot(pe, 'requests');
  const aliceMe = await (await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${alice}` } })).json();
  assert.ok(aliceMe.grants.some((g) => g.request === reqId && g.scope === 'metadata'), 'the approval made a grant naming the request');
  // The disposal page (到期处置), admins only: nothing is due in this home, and it says so in Chinese.
  await pe.click(tid('nav-disposals'));
  await pe.waitForSelector(tid('plan-empty'));
  await pe.waitForSelector(tid('batches-section'));
  await assertNoEnglish(pe, 'disposal page');
  // The registries (人员与设备): erin registers an officer on the page; the row follows, in Chinese.
  await pe.click(tid('nav-registries'));
  await pe.waitForSelector(tid('officer-form'));
  await pe.fill(tid('officer-cert'), '110101');
  await pe.fill(tid('officer-name'), '赵六');
  await pe.fill(tid('officer-to'), '2030-12-31');
  await pe.click(tid('officer-form-submit'));
  await pe.waitForSelector(tid('officer-form-done'));
  await pe.waitForSelector(tid('officer-row'));
  await assertNoEnglish(pe, 'registries page');
  await screenshot(pe, 'registries');
  await E.context.close();
  const zhouGrants = await (await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${zhou}` } })).json();
  assert.deepEqual(zhouGrants.grants.map((g) => g.purposes), [['法制审核', '复核']], 'the grant the page gave');
  assert.deepEqual(zhouGrants.grants.map((g) => g.scope), ['media'], 'within the scope the page chose');
  const added = await (await fetch(`${base}/v1/ledger?action=user.add&actor=erin`, {
    headers: { Authorization: `Bearer ${carol}`, 'X-Custody-Purpose': encodeURIComponent('审计') },
  })).json();
  assert.equal(added.entries.length, 1, 'the user the page added is in the ledger, by erin');
  const officer = await (await fetch(`${base}/v1/ledger?action=officer.add&actor=erin`, {
    headers: { Authorization: `Bearer ${carol}`, 'X-Custody-Purpose': encodeURIComponent('审计') },
  })).json();
  assert.equal(officer.entries.length, 1, 'the officer the page registered is in the ledger, by erin');
}
