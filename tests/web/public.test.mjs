#!/usr/bin/env node
// tests/web/public.test.mjs: an item's public copy page (web/js/pages/public_copy.js,
// public_spec.js, issue 23 part 5) in Debian's Chromium (headless, zh-CN) against a real
// `custody serve`: a clerk opens a video (ffmpeg's testsrc2, 320x240, ingested), pauses it,
// draws a rectangle over a quarter of the picture with the mouse and gives it a time range; a
// range past the end is refused in Chinese naming the rectangle and its field; the saved spec
// holds the rectangle in the source's pixels (within a few pixels of what was drawn), as does a
// photo's drawn on its preview (no time range). The copy is
// made (`custody public make`, on the host); the page plays it beside the original; the clerk's
// own approval is refused in Chinese (self-approval); a legal user approves it on the page and
// the list of public copies says so, in English too. No English is left on the zh-CN page.
//
// usage: node tests/web/public.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR
// Needs /usr/bin/chromium, ffmpeg and `npm ci --prefix tests/web` (scripts/setup.sh test).
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { browserTest } from './harness.mjs';

const CASE = '任水罚〔2023〕12号';
const PURPOSE = '执法公示';
const tid = (id) => `[data-testid="${id}"]`;
const artifacts = process.argv[4];

await browserTest('public', async (h) => {
  const run = (args, input) => h.run(args, input);
  run(['init', '--site-tz', 'Asia/Shanghai']);
  for (const [u, role] of [['chen', 'clerk'], ['fa', 'legal']]) {
    run(['user', 'add', u, '--role', role]);
    run(['user', 'passwd', u, '--password-stdin'], `${u}-口令-2026\n`);
  }
  const video = path.join(h.home, '..', '现场.mp4');
  const ff = spawnSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=4',
    '-f', 'lavfi', '-i', 'sine=frequency=600:duration=4', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
    '-shortest', video], { encoding: 'utf8' });
  assert.equal(ff.status, 0, `ffmpeg: ${ff.stderr}`);
  const sha = JSON.parse(run(['ingest', '--case', CASE, '--as', 'chen', '--json', video])).sha256;
  const photo = path.join(h.home, '..', '现场照片.jpg');
  const fp = spawnSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=400x300', '-frames:v', '1', photo], { encoding: 'utf8' });
  assert.equal(fp.status, 0, `ffmpeg: ${fp.stderr}`);
  const photoSha = JSON.parse(run(['ingest', '--case', CASE, '--as', 'chen', '--json', photo])).sha256;
  run(['grant', 'fa', '--case', CASE, '--purpose', PURPOSE, '--any-purpose', '--until', '2099-12-31']);

  const base = `http://127.0.0.1:${await h.startService()}`;
  const browser = await h.launch();
  const errors = [];
  const signedIn = async (name, hash) => {
    const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: base, viewport: { width: 1280, height: 1000 } });
    const page = h.watch(await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(15_000);
    await page.goto(hash);
    await page.fill(tid('user-input'), name);
    await page.fill(tid('password-input'), `${name}-口令-2026`);
    await page.click(tid('password-submit'));
    await page.fill(tid('purpose-input'), PURPOSE);
    await page.click(tid('purpose-submit'));
    return page;
  };

  // The clerk: from the item's page to its public copy, the access copy loaded and paused at 1 s.
  const page = await signedIn('chen', `/#/item/${sha}`);
  await page.click(tid('item-public'));
  await page.waitForSelector(tid('spec-canvas'));
  assert.equal(await page.textContent(tid('pc-status')), '尚无副本');
  await page.waitForFunction(() => document.querySelector('[data-testid="spec-media"]')?.readyState >= 2, null, { timeout: 20_000 });
  await page.evaluate(() => { document.querySelector('[data-testid="spec-media"]').currentTime = 1; });
  await page.waitForFunction(() => document.querySelector('[data-testid="spec-time"]').textContent === '1.000');

  // Nothing drawn yet: said before anything is sent.
  await page.click(tid('spec-save'));
  assert.match(await page.textContent(tid('spec-error')), /还没有任何处理/);

  // A rectangle from a quarter to three quarters of the picture: 80,60 160x120 in the source.
  await page.locator(tid('spec-canvas')).scrollIntoViewIfNeeded();
  const box = await page.locator(tid('spec-canvas')).boundingBox();
  await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.25);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.75, { steps: 4 });
  await page.mouse.up();
  await page.waitForSelector(tid('spec-region'));
  await page.click(tid('spec-region-from-here'));
  assert.equal(await page.inputValue(tid('spec-region-start')), '1');
  await page.selectOption(tid('spec-region-mode'), 'black');

  // Past the end of the 4 s recording: refused, in Chinese, naming the rectangle and its end.
  await page.fill(tid('spec-region-end'), '9');
  await page.click(tid('spec-save'));
  await page.waitForSelector(tid('spec-error'));
  assert.equal(await page.getAttribute(tid('spec-error'), 'data-status'), '400');
  assert.match(await page.textContent(tid('spec-error-detail')), /脱敏规格有误/);
  assert.equal(await page.textContent(tid('spec-error-field')), '第 1 个遮挡区域 · 结束时间：超过了录像的结尾');
  await page.fill(tid('spec-region-end'), '3');
  await page.click(tid('spec-save'));
  await page.waitForSelector(tid('spec-saved'));

  // The stored spec: the rectangle in the source's pixels, within a few of what was drawn.
  const state = await page.evaluate(async ([item, purpose]) => {
    const r = await fetch(`/v1/items/${item}/public`, { headers: { 'X-Custody-Purpose': encodeURIComponent(purpose) } });
    return r.json();
  }, [sha, PURPOSE]);
  const regions = state.spec?.spec?.regions;
  assert.equal(regions?.length, 1, JSON.stringify(state));
  const [r] = regions;
  for (const [k, want] of Object.entries({ x: 80, y: 60, w: 160, h: 120 }))
    assert.ok(Math.abs(r[k] - want) <= 3, `${k} ${r[k]} is not near ${want}: ${JSON.stringify(r)}`);
  assert.deepEqual([r.start, r.end, r.mode], [1, 3, 'black']);
  await page.screenshot({ path: path.join(artifacts, 'public-spec.png'), fullPage: true });

  // A photo: a rectangle on its preview, in the photo's pixels, with no time range.
  await page.goto(`/#/item/${photoSha}/public`);
  await page.waitForFunction(() => document.querySelector('img[data-testid="spec-media"]')?.complete
    && document.querySelector('img[data-testid="spec-media"]').naturalWidth > 0);
  await page.locator(tid('spec-canvas')).scrollIntoViewIfNeeded();
  const pbox = await page.locator(tid('spec-canvas')).boundingBox();
  await page.mouse.move(pbox.x + pbox.width * 0.5, pbox.y + pbox.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(pbox.x + pbox.width * 0.9, pbox.y + pbox.height * 0.8, { steps: 4 });
  await page.mouse.up();
  assert.equal(await page.locator(tid('spec-region-start')).count(), 0, 'a photo has no times');
  await page.click(tid('spec-save'));
  await page.waitForSelector(tid('spec-saved'));
  const pstate = await page.evaluate(async ([item, purpose]) => {
    const r = await fetch(`/v1/items/${item}/public`, { headers: { 'X-Custody-Purpose': encodeURIComponent(purpose) } });
    return r.json();
  }, [photoSha, PURPOSE]);
  const [pr] = pstate.spec.spec.regions;
  for (const [k, want] of Object.entries({ x: 200, y: 150, w: 160, h: 90 }))
    assert.ok(Math.abs(pr[k] - want) <= 3, `photo ${k} ${pr[k]} is not near ${want}: ${JSON.stringify(pr)}`);
  assert.equal(pr.start, undefined);
  await page.goto(`/#/item/${sha}/public`);
  await page.waitForSelector(tid('pc-make-cmd'));

  // The copy, made on the host; the page plays it beside the original.
  assert.match(await page.textContent(tid('pc-make-cmd')), new RegExp(`custody public make ${sha} --as chen`));
  run(['public', 'make', sha, '--as', 'chen']);
  await page.click(tid('pc-reload'));
  await page.waitForSelector(`${tid('pc-status')}:has-text("待审批")`);
  await page.waitForFunction(() => document.querySelector('[data-testid="pc-public"]')?.readyState >= 1, null, { timeout: 20_000 });
  assert.equal(await page.textContent(tid('pc-maker')), 'chen');

  // The maker's own approval: refused by the server, in Chinese.
  await page.click(tid('pc-approve'));
  await page.waitForSelector(tid('pc-approve-error'));
  assert.equal(await page.getAttribute(tid('pc-approve-error'), 'data-status'), '403');
  assert.match(await page.textContent(tid('pc-approve-error-detail')), /制作人以外的人员审核批准/);
  const text = await page.evaluate(() => {
    const body = document.body.cloneNode(true);
    body.querySelectorAll('code, details').forEach((e) => e.remove()); // commands, hashes, the server's words
    return body.innerText;
  });
  const left = text.replace('现场.mp4', '').replace(/\b[0-9a-f]{6,}\b/g, '').replace(/\b(Custody|English|chen|fa)\b/g, '').match(/[A-Za-z]{2,}/g);
  assert.equal(left, null, `English words on the zh-CN page: ${left?.join(' ')}`);
  await page.screenshot({ path: path.join(artifacts, 'public-refused.png'), fullPage: true });

  // The legal user: awaiting in the list, approved on the page.
  const fa = await signedIn('fa', '/#/public');
  await fa.waitForSelector(`${tid('pcl-row')}[data-state="awaiting"]`);
  assert.match(await fa.textContent(tid('pcl-awaiting')), /1 份公开副本待审批/);
  await fa.click(`${tid('pcl-row')}[data-item="${sha}"] ${tid('pcl-link')}`);
  await fa.click(tid('pc-approve'));
  await fa.waitForSelector(`${tid('pc-status')}:has-text("已审批")`);
  assert.match(await fa.textContent(tid('pc-approved')), /^fa，/);
  assert.equal(await fa.getAttribute(tid('pc-publishable'), 'data-value'), 'true');
  await fa.goto('/#/public');
  await fa.waitForSelector(`${tid('pcl-row')}[data-state="approved"]`);
  await fa.screenshot({ path: path.join(artifacts, 'public-list.png'), fullPage: true });
  await fa.click(tid('lang-switch')); // and in English
  await fa.waitForSelector(`${tid('page-title')}:has-text("Public copies")`);
  assert.match(await fa.textContent(`${tid('pcl-row')}[data-item="${sha}"]`), /Video.*Approved/);
  assert.deepEqual(errors, [], 'no page error');
});
