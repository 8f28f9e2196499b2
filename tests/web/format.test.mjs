#!/usr/bin/env node
// tests/web/format.test.mjs: how the web interface words a capture time (web/js/format.js),
// without a browser: an item whose only time is the upload's file time reads "unknown (file
// time of the upload)", never as a capture time, and sorts after the dated ones; the clerk's
// sidecar and a GPS-derived offset are named for what they are.
// usage: node tests/web/format.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

globalThis.document = { documentElement: {} }; // what setLang touches; no browser here
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const f = await import(pathToFileURL(path.join(ROOT, 'web/js/format.js')));
const i18n = await import(pathToFileURL(path.join(ROOT, 'web/js/i18n.js')));

const fileTimed = {
  captured_at: null, captured_at_source: 'file:mtime', captured_at_utc: null,
  offset_known: false, captured_at_estimate: 'file_time', file_time: '2020-01-02T03:04:05Z',
};
const dated = { captured_at: '2023-10-06T22:53:51+02:00', captured_at_source: 'exif:DateTimeOriginal+OffsetTimeOriginal' };

i18n.setLang('zh');
let c = f.captured(fileTimed);
assert.equal(c.main, '未知（上传文件的修改时间）');
assert.equal(c.missing, true);
assert.equal(c.fileTime, '2020-01-02T03:04:05Z');
assert.doesNotMatch(c.main, /2020/); // the file time is not shown as the capture time
assert.match(f.sourceWords('file:mtime'), /不是拍摄时间/);
assert.match(f.sourceWords('sidecar'), /办案人员的陈述/);
assert.match(f.sourceWords('exif:DateTimeOriginal+gps'), /EXIF 原始拍摄时间.*\+gps/);
assert.match(f.sourceWords('exif:GPSDateTime'), /GPS 时间/);

i18n.setLang('en');
c = f.captured(fileTimed);
assert.equal(c.main, 'unknown (file time of the upload)');
assert.match(f.sourceWords('sidecar'), /clerk's statement/);

// The case page orders by sortKey: the file-timed item after the dated one, though its file
// time (2020) is earlier than the dated capture (2023).
const items = [{ ...fileTimed, name: 'IMG_0001.JPG' }, { ...dated, name: 'dated.jpg' }];
items.sort((a, b) => f.sortKey(a.captured_at) - f.sortKey(b.captured_at));
assert.deepEqual(items.map((x) => x.name), ['dated.jpg', 'IMG_0001.JPG']);
console.log('format: ok');

// Messages by code (issue 19 part 1): in zh-CN the labels of event kinds, actors, detail keys,
// stored reasons and problems are Chinese, never the server's English sentence.
i18n.setLang('zh-CN');
assert.equal(f.actorWords('uploads'), '上传目录');
assert.equal(f.actorWords('operator'), '主机操作员');
assert.equal(f.actorWords('custody'), '系统');
assert.equal(f.actorWords('fixity-scrub'), '定期校验');
assert.equal(f.actorWords('zhang'), 'zhang');
for (const kind of ['received', 'stored', 'extracted', 'linked', 'relinked', 'classified', 'derived', 'verified', 'stalled_copy'])
  assert.match(f.actionWords(kind), /[\u4e00-\u9fff]/, `event kind ${kind} has Chinese words`);
// Every ledger action the server writes (docs/LEDGER.md) reads in Chinese on the auditor's page.
for (const action of ['view', 'view.case', 'list', 'search', 'get.original', 'get.derivative', 'export',
  'evidence-list', 'media-url', 'register', 'register.retrievals', 'user.add', 'user.rotate',
  'user.disable', 'user.passwd', 'user.key', 'grant.add', 'grant.revoke', 'session.open',
  'session.close', 'session.failed', 'session.locked', 'session.limited', 'case.set', 'case.status',
  'case.decided', 'review.submit', 'review.opinion', 'request.add', 'request.approve',
  'request.refuse', 'store.migrated', 'public.spec', 'public.make', 'public.attach',
  'public.approve', 'hold.add', 'hold.release', 'retention.set', 'publish.register',
  'publish.release', 'publish.correct', 'publish.withdraw', 'publish.site', 'dispose.propose', 'dispose.approve',
  'dispose.cancel', 'dispose.skip', 'disposed', 'officer.add', 'officer.set', 'device.add',
  'device.set', 'policy.set', 'policy.apply'])
  assert.match(f.actionWords(action), /[\u4e00-\u9fff]/, `ledger action ${action} has Chinese words`);
assert.equal(i18n.t('role.legal'), '法制审核人员');
const ev = f.detailText({ case: 'A-1', party: '张三', captured_at_kept: 'first arrival', received_by: 'zhang', odd_key: 1 });
assert.equal(ev, '案件：A-1 · 当事人：张三 · 保留的拍摄时间：首次接收时的时间 · 接收人：zhang · odd_key：1');
assert.doesNotMatch(f.detailText({ profile: 'access', status: 'failed', reason: 'transcoding failed: no stream', reason_code: 'transcode' }), /access|failed|transcoding|reason_code/);
assert.deepEqual(f.reasonWords('transcoding failed: moov atom not found', 'transcode'),
  { words: '转码失败', tech: 'transcoding failed: moov atom not found' });
assert.equal(f.reasonWords('x', 'sidecar-field').words, '附带说明文件中有一项无效，其余各项已保留');
assert.equal(f.denialWords('no purpose stated: every retrieval states why').words, '每次调阅都须说明用途');
const pw = f.problemWords({ type: 'https://custody.invalid/problems/unauthorized', detail: 'A valid bearer token is required' });
assert.equal(pw.title, '未登录或令牌无效');
assert.equal(pw.detail, '未登录或令牌无效，请重新登录。');
assert.equal(pw.tech, 'A valid bearer token is required');
assert.equal(f.problemWords({ type: 'x/forbidden', detail: 'no', detail_zh: '您的角色不允许此操作' }).detail, '您的角色不允许此操作');
i18n.setLang('en');
assert.equal(f.actorWords('uploads'), 'uploads');
assert.equal(f.reasonWords('transcoding failed: x').words, 'transcoding failed: x');
assert.equal(f.problemWords({ type: 'x/forbidden', detail: 'no grant' }).detail, 'no grant');
i18n.setLang('zh-CN');
console.log('format: messages by code ok');

// Sidecar problems and routing reasons carry a code from the server, read in Chinese on the
// clerk page; a sentence alone is never matched to a code (tests/web/reasons.test.mjs).
assert.equal(f.reasonWords('sidecar a.json: is empty; write a JSON object', 'sidecar-unreadable').words, '附带说明文件无法读取');
assert.equal(f.reasonWords('/u/a.jpg vanished before it could be stored').words, '处理失败');
console.log('format: reason codes ok');

// Dates typed in the UI: yyyy-mm-dd [HH:mm] in the user's zone, never mm/dd/yyyy.
process.env.TZ = process.env.TZ || 'UTC';
const z = new Date(2026, 11, 7, 13, 48).toISOString().replace(/\.\d{3}Z$/, 'Z');
assert.equal(f.typedToUtc('2026-12-07 13:48'), z);
assert.equal(f.typedToUtc('2026-12-07T13:48'), z);
assert.equal(f.utcToTyped(z), '2026-12-07 13:48');
assert.equal(f.utcToTyped(f.typedToUtc('2026-12-31', { end: true })), '2026-12-31 23:59');
assert.equal(f.typedToUtc('12/07/2026'), '');
assert.equal(f.typedToUtc('2026-02-30'), '');
assert.match('2026-12-07 13:48', new RegExp(`^${f.DATETIME_PATTERN}$`));
assert.doesNotMatch('12/07/2026', new RegExp(`^${f.DATE_PATTERN}$`));
console.log('format: typed dates ok');
assert.equal(f.problemWords({ type: 'x/bad-request', code: 'bad-field', detail: 'until: not a date', detail_zh: '' }).detail, '“截止日期”一项填写有误，请检查后重试。');
assert.equal(f.problemWords({ type: 'x/conflict', code: 'exists', detail: 'user: zhang exists' }).detail, '已有同名的记录。');
console.log('format: problem codes ok');
assert.equal(f.problemWords({ title: '出错了', detail: '无法连接服务器：x' }).detail, '无法连接服务器：x');
assert.deepEqual(f.problemWords({ title: 'Bad Gateway', detail: 'upstream down' }), { title: '出错了', detail: '', tech: 'upstream down', slug: '' });
console.log('format: page errors ok');
