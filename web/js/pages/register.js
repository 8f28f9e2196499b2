// web/js/pages/register.js: the case-file register (执法案卷台账): one row per case the user
// may list, its columns as the service's template gives them (GET /v1/register), and the
// same as CSV for a spreadsheet (?format=csv). Each view is a list read, ledgered.
import { h, replace, table, saveBlob } from '../dom.js';
import { t, tMaybe } from '../i18n.js';
import * as api from '../api.js';
import { errorBanner, loading, pageHead, infoBanner } from '../ui.js';
import { caseHref } from './cases.js';

const SLUGGED = new Set(['kind', 'procedure', 'status']);

export async function renderRegister(main, ctx) {
  const msg = h('div', { 'aria-live': 'polite' });
  const csvBtn = h('button', { type: 'button', class: 'btn btn-ghost', testid: 'register-csv' }, t('register.csv'));
  const head = pageHead(t('register.title'), h('div', { class: 'head-actions' }, csvBtn));
  csvBtn.addEventListener('click', async () => {
    csvBtn.disabled = true;
    try {
      const csv = await api.text('/v1/register?format=csv');
      saveBlob(new Blob([csv], { type: 'text/csv' }), '执法案卷台账.csv');
    } catch (e) {
      replace(msg, errorBanner(e));
    } finally {
      csvBtn.disabled = false;
    }
  });
  replace(main, head, loading());
  let rows;
  try {
    rows = (await api.json('/v1/register')).cases || [];
  } catch (e) {
    if (ctx.alive()) replace(main, head, errorBanner(e));
    return;
  }
  if (!ctx.alive()) return;
  if (!rows.length) {
    replace(main, head, infoBanner(t('register.empty'), 'register-empty'));
    return;
  }
  const cols = Object.keys(rows[0]);
  // Slugs come labelled in zh-CN: in English, the dictionary's word for the zh label's slug.
  const shown = (col, v) => {
    if (v === null || v === undefined) return '';
    if (SLUGGED.has(col)) return tMaybe(`slug.${slugOf(v)}`) ?? String(v);
    return String(v);
  };
  replace(main, head, msg, h('p', { class: 'muted' }, t('register.lead')), table(
    cols.map((c) => tMaybe(`register.col.${c}`) ?? c),
    rows.map((r) => h('tr', null, cols.map((c) => h('td', { class: c === 'items' ? 'num' : null },
      c === 'case' ? h('a', { href: caseHref(r.case) }, r.case) : shown(c, r[c]))))),
    { testid: 'register-table' }));
}

const ZH_SLUGS = {
  行政处罚: 'penalty', 行政强制: 'enforcement', 行政许可: 'licensing', 行政检查: 'inspection', 其他: 'other',
  一般: 'general', 简易: 'summary', 已登记: 'registered', 调查中: 'investigating',
  法制审核中: 'under_review', 已决定: 'decided', 已送达: 'served', 已结案: 'closed',
};
const slugOf = (label) => ZH_SLUGS[label] ?? label;
