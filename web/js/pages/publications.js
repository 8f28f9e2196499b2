// web/js/pages/publications.js: the publication register (执法公示): each decision registered
// for publication, its decision date and due date (working days under the holiday calendar,
// counted by the server), its status, overdue ones flagged. Clerks and admins register a
// decision and withdraw a publication (POST /v1/publications, /v1/publications/{id}/withdraw);
// the server decides who may and ledgers each step.
import { h, replace, table } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { errorBanner, infoBanner, loading, pageHead, section, field, badge } from '../ui.js';

const CATEGORIES = ['revoked', 'illegal', 'remade'];
const KIND = { due: 'neutral', overdue: 'bad', published: 'ok', corrected: 'ok', withdrawn: 'neutral' };

const input = (name, testid, props = {}) => h('input', { type: 'text', name, class: 'input', autocomplete: 'off', testid, ...props });
const select = (name, testid, options) =>
  h('select', { name, class: 'input', testid }, options.map(([value, label]) => h('option', { value }, label)));

function addForm(reload) {
  const kase = input('case', 'pub-case');
  const decision = input('decision', 'pub-decision', { spellcheck: 'false' });
  const kind = select('kind', 'pub-kind', ['penalty', 'other'].map((k) => [k, t(`pub.kind.${k}`)]));
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'pub-submit' }, t('pub.add.submit'));
  const form = h('form', { class: 'link-form', novalidate: true, testid: 'pub-form' },
    field(t('common.case'), kase), field(t('pub.decision'), decision, t('pub.decision.hint')), field(t('pub.kind'), kind),
    h('div', { class: 'field field-end' }, btn), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!kase.value.trim() || !decision.value.trim()) {
      replace(msg, infoBanner(t('pub.add.need'), 'pub-error', 'error'));
      return;
    }
    btn.disabled = true;
    try {
      const body = { case: kase.value.trim(), decision: decision.value.trim().toLowerCase(), kind: kind.value };
      const res = await api.json('/v1/publications', { method: 'POST', body });
      replace(msg, infoBanner(t('pub.add.done', { id: res.id }), 'pub-done', 'ok'));
      reload();
    } catch (e) {
      replace(msg, errorBanner(e, 'pub-error'));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

function withdrawForm(p, msg, reload) {
  const category = select('category', 'withdraw-category', CATEGORIES.map((c) => [c, t(`pub.category.${c}`)]));
  const why = input('reason', 'withdraw-reason', { 'aria-label': t('pub.withdraw.reason'), placeholder: t('pub.withdraw.reason') });
  const btn = h('button', { type: 'button', class: 'btn', testid: 'withdraw-submit' }, t('pub.withdraw'));
  btn.addEventListener('click', async () => {
    if (!why.value.trim()) {
      replace(msg, infoBanner(t('pub.withdraw.need'), 'withdraw-error', 'error'));
      return;
    }
    btn.disabled = true;
    try {
      await api.json(`/v1/publications/${p.id}/withdraw`, { method: 'POST', body: { category: category.value, reason: why.value.trim() } });
      replace(msg, infoBanner(t('pub.withdraw.done', { id: p.id }), 'withdraw-done', 'ok'));
      reload();
    } catch (e) {
      replace(msg, errorBanner(e, 'withdraw-error'));
      btn.disabled = false;
    }
  });
  return h('div', { class: 'inline-form' }, category, ' ', why, ' ', btn);
}

function drawRegister(box, msg, res, reload) {
  const list = res.publications || [];
  const edits = ['clerk', 'admin'].includes(session.role());
  const overdue = list.filter((p) => p.status === 'overdue').length;
  const rows = list.map((p) => h('tr', { testid: 'pub-row', 'data-id': String(p.id), 'data-status': p.status },
    h('td', { class: 'num' }, p.id),
    h('td', null, p.case, h('div', { class: 'muted small' }, p.decision_kind)),
    h('td', null, t(`pub.kind.${p.kind}`)),
    h('td', { class: 'nowrap' }, p.decided_on),
    h('td', { class: 'nowrap', testid: 'pub-due' }, p.due_on,
      p.due_provisional ? h('div', { class: 'muted small', testid: 'pub-provisional' }, t('pub.provisional')) : null),
    h('td', { testid: 'pub-status' }, badge(t(`pub.status.${p.status}`), KIND[p.status] || 'neutral'),
      p.late ? h('div', { class: 'muted small' }, t('pub.late')) : null,
      p.withdrawn ? h('div', { class: 'muted small' }, `${p.withdrawn.on} ${t(`pub.category.${p.withdrawn.category}`)}：${p.withdrawn.reason}`) : null),
    h('td', { class: 'actions-cell' }, edits && p.status !== 'withdrawn' ? withdrawForm(p, msg, reload) : null)));
  replace(box,
    overdue ? infoBanner(t('pub.overdue.count', { n: overdue }), 'pub-overdue', 'error') : null,
    list.length ? table([t('pub.id'), t('common.case'), t('pub.kind'), t('pub.decided'), t('pub.due'), t('pub.status'), ''],
      rows, { class: 'compact', testid: 'pub-table' }) : h('p', { class: 'muted' }, t('common.none')),
    h('p', { class: 'muted small', testid: 'pub-calendar', title: res.calendar },
      t(String(res.calendar).startsWith('built-in') ? 'pub.calendar.builtin' : 'pub.calendar.home')));
}

export function renderPublications(main, ctx) {
  const box = h('div', { testid: 'pub-list' }, loading());
  const msg = h('div', { 'aria-live': 'polite' });
  const load = async () => {
    try {
      const res = await api.json('/v1/publications');
      if (ctx.alive()) drawRegister(box, msg, res, load);
    } catch (e) {
      if (ctx.alive()) replace(box, errorBanner(e, 'pub-list-error'));
    }
  };
  const edits = ['clerk', 'admin'].includes(session.role());
  replace(main, pageHead(t('pub.title')), h('p', { class: 'muted' }, t('pub.lead')),
    edits ? section(t('pub.add'), 'pub-add-section', addForm(load)) : null,
    section(t('pub.list'), 'pub-section', msg, box));
  load();
}
