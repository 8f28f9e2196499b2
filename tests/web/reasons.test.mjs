#!/usr/bin/env node
// tests/web/reasons.test.mjs: a stored reason is worded from the code and params the server
// sends beside it (core/reason.h, schema v11: reason_code, reason_params), never from its
// English sentence. Node alone, no browser: node --test tests/web/reasons.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

globalThis.document = { documentElement: {} }; // what setLang touches; no browser here
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const f = await import(pathToFileURL(path.join(ROOT, 'web/js/format.js')));
const i18n = await import(pathToFileURL(path.join(ROOT, 'web/js/i18n.js')));

const LATIN = /[A-Za-z]/; // no English word in a zh-CN rendering

test('zh-CN: a failed step in words of its code, its cause and the cause\'s params', () => {
  i18n.setLang('zh-CN');
  const said = 'transcoding failed: worker exited with status 3 on 1 try';
  const r = f.reasonWords(said, 'transcode', { cause: 'worker-exit', status: 3, tries: 1 });
  assert.equal(r.words, '转码失败（工作进程退出，状态 3）');
  assert.doesNotMatch(r.words, LATIN);
  assert.equal(r.tech, said);
  const again = f.reasonWords('metadata extraction failed: worker killed by signal 11 (SIGSEGV) on 3 tries',
    'extract', { cause: 'worker-signal', signal: 11, name: 'SIGSEGV', tries: 3 });
  assert.equal(again.words, '元数据提取失败（工作进程被信号 11 终止，已尝试 3 次）');
  assert.doesNotMatch(again.words, LATIN);
  const slow = f.reasonWords('x', 'transcode', { cause: 'timeout', ms: 1500, tries: 1 });
  assert.equal(slow.words, '转码失败（工作进程 1.5 秒无响应）');
});

test('zh-CN: the code decides, not the sentence', () => {
  i18n.setLang('zh-CN');
  // The same sentence under another code reads as that code; without one, as unknown.
  assert.equal(f.reasonWords('transcoding failed: x', 'empty').words,
    '文件为空（0 字节）：没有可保存的内容；如复制失败，请重新复制');
  assert.equal(f.reasonWords('transcoding failed: x').words, '处理失败');
  assert.equal(f.reasonWords('transcoding failed: x', 'no-such-code').words, '处理失败');
});

test('zh-CN: params fill the words; a reason without them (a migrated one) reads whole', () => {
  i18n.setLang('zh-CN');
  assert.equal(f.reasonWords('the written preview does not decode', 'copy-failed', { profile: 'preview' }).words,
    '预览图副本未通过校验');
  assert.equal(f.reasonWords('the written preview does not decode', 'copy-failed', null).words, '副本未通过校验');
  assert.equal(f.reasonWords('x kept changing', 'kept-changing', { path: '/u/x', tries: 5 }).words,
    '文件在存储过程中一直在变化（已尝试 5 次）：请确认复制完成后重新放入');
  assert.equal(f.reasonWords('folder "甲" is not a case number', 'case-folder', { folder: '甲' }).words,
    '文件夹名“甲”不是案号：文件已作为未归档证据保存，请用“归入案件”关联到案件');
  // A folder's problem beside a sidecar's: both, the sidecar's first.
  const both = f.reasonWords('sidecar a.json: ...; and folder ...', 'sidecar-unreadable',
    { sidecar: '说明.json', also: 'case-folder', folder: '甲' });
  assert.equal(both.words, '附带说明文件 说明.json 无法读取，其内容均未采用；文件夹名“甲”不是案号：文件已作为未归档证据保存，请用“归入案件”关联到案件');
});

test('zh-CN: an event\'s reason is worded from its code; the code and params are no fields', () => {
  i18n.setLang('zh-CN');
  const d = { profile: 'access', status: 'failed', reason: 'transcoding failed: worker exited with status 3 on 1 try',
    reason_code: 'transcode', reason_params: { cause: 'worker-exit', status: 3, tries: 1 } };
  const fields = f.detailFields(d);
  assert.deepEqual(fields.map(([, , k]) => k), ['profile', 'status', 'reason']);
  assert.equal(fields[2][1], '转码失败（工作进程退出，状态 3）');
  const text = f.detailText({ failure: 'metadata extraction failed: x', failure_code: 'extract', failure_params: { cause: 'media-error' } });
  assert.equal(text, '失败原因：元数据提取失败（文件内容无法处理）');
  assert.doesNotMatch(text, LATIN);
});

test('en: the server\'s own sentence', () => {
  i18n.setLang('en');
  assert.deepEqual(f.reasonWords('transcoding failed: worker exited with status 3 on 1 try', 'transcode', { cause: 'worker-exit', status: 3 }),
    { words: 'transcoding failed: worker exited with status 3 on 1 try', tech: null });
  i18n.setLang('zh-CN');
});
