// web/js/pages/requests.js: retrieval requests (调阅申请): a reviewer or an admin asks to read a
// case for a purpose, within a scope, until a date; an admin other than the requester approves
// (a grant) or refuses with a reason. The server decides who may decide and ledgers each step
// (POST /v1/requests, /v1/requests/{id}/approve|refuse); the page only offers what it may.
import { h, replace, table } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { dateTime, roleWords, DATE_PATTERN } from '../format.js';
import { errorBanner, infoBanner, loading, pageHead, section, field, badge } from '../ui.js';

const SCOPES = ['metadata', 'media', 'originals', 'export'];
const LEVELS = ['public', 'internal', 'privacy', 'commercial_secret', 'state_secret'];

function select(name, testid, options) {
  return h('select', { name, class: 'input', testid }, options.map(([value, label]) => h('option', { value }, label)));
}

const input = (name, testid, props = {}) => h('input', { type: 'text', name, class: 'input', autocomplete: 'off', testid, ...props });

function askForm(reload) {
  const kase = input('case', 'request-case');
  const purpose = input('purpose', 'request-purpose');
  const scope = select('scope', 'request-scope', SCOPES.map((s) => [s, t(`admin.grant.scope.${s}`)]));
  const until = input('until', 'request-until', { pattern: DATE_PATTERN, placeholder: 'yyyy-mm-dd', inputmode: 'numeric', size: '10', spellcheck: 'false' });
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'request-submit' }, t('req.ask.submit'));
  const form = h('form', { class: 'link-form', novalidate: true, testid: 'request-form' },
    field(t('admin.grant.case'), kase), field(t('req.purpose'), purpose), field(t('admin.grant.scope'), scope),
    field(t('admin.grant.until'), until, t('req.until.hint')), h('div', { class: 'field field-end' }, btn), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!kase.value.trim() || !purpose.value.trim() || !until.value.trim()) {
      replace(msg, infoBanner(t('req.ask.need'), 'request-error', 'error'));
      return;
    }
    btn.disabled = true;
    try {
      const body = { case: kase.value.trim(), purpose: purpose.value.trim(), scope: scope.value, until: until.value.trim() };
      const res = await api.json('/v1/requests', { method: 'POST', body });
      replace(msg, infoBanner(t('req.ask.done', { id: res.id }), 'request-done', 'ok'));
      reload();
    } catch (e) {
      replace(msg, errorBanner(e, 'request-error'));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

/* Approve (with a clearance) or refuse (with a reason) one pending request. */
function decideForm(r, msg, reload) {
  const clearance = select('clearance', 'approve-clearance', [['', t('admin.grant.clearance.default')], ...LEVELS.map((l) => [l, t(`level.${l}`)])]);
  const approve = h('button', { type: 'button', class: 'btn btn-primary', testid: 'request-approve' }, t('req.approve'));
  const why = input('reason', 'refuse-reason', { 'aria-label': t('req.refuse.reason'), placeholder: t('req.refuse.reason') });
  const refuse = h('button', { type: 'button', class: 'btn', testid: 'request-refuse' }, t('req.refuse'));
  const send = async (what, body) => {
    approve.disabled = refuse.disabled = true;
    try {
      await api.json(`/v1/requests/${r.id}/${what}`, { method: 'POST', body });
      replace(msg, infoBanner(t(`req.${what}d`, { id: r.id }), 'decide-done', 'ok'));
      reload();
    } catch (e) {
      replace(msg, errorBanner(e, 'decide-error'));
      approve.disabled = refuse.disabled = false;
    }
  };
  approve.addEventListener('click', () => send('approve', clearance.value ? { clearance: clearance.value } : {}));
  refuse.addEventListener('click', () => {
    if (!why.value.trim()) {
      replace(msg, infoBanner(t('req.refuse.need'), 'decide-error', 'error'));
      return;
    }
    send('refuse', { reason: why.value.trim() });
  });
  return h('div', { class: 'inline-form' }, clearance, ' ', approve, ' ', why, ' ', refuse);
}

function drawRequests(box, msg, list, reload) {
  const me = session.user()?.name;
  const admin = session.role() === 'admin';
  const rows = list.map((r) => h('tr', { testid: 'request-row', 'data-id': String(r.id), 'data-status': r.status },
    h('td', { class: 'num' }, r.id),
    h('td', null, r.user, h('div', { class: 'muted small' }, roleWords(r.role))),
    h('td', null, r.case, r.party ? h('div', { class: 'muted small' }, r.party) : null),
    h('td', null, r.purpose),
    h('td', { testid: 'request-scope-cell' }, t(`admin.grant.scope.${r.scope}`)),
    h('td', { class: 'nowrap' }, dateTime(r.until)),
    h('td', { testid: 'request-status-cell' }, badge(t(`req.status.${r.status}`), r.status === 'approved' ? 'ok' : 'neutral'),
      r.decided_by ? h('div', { class: 'muted small' }, r.decided_by) : null,
      r.reason ? h('div', { class: 'muted small' }, r.reason) : null),
    h('td', { class: 'actions-cell' }, admin && r.status === 'pending' && r.user !== me ? decideForm(r, msg, reload) : null)));
  replace(box, list.length ? table(
    [t('req.id'), t('req.user'), t('common.case'), t('req.purpose'), t('admin.grant.scope'), t('admin.grant.until'), t('req.status'), ''],
    rows, { class: 'compact', testid: 'requests-table' }) : h('p', { class: 'muted' }, t('common.none')));
}

export function renderRequests(main, ctx) {
  const box = h('div', { testid: 'requests-list' }, loading());
  const msg = h('div', { 'aria-live': 'polite' }); // kept across reloads: says what was decided
  const load = async () => {
    try {
      const res = await api.json('/v1/requests');
      if (ctx.alive()) drawRequests(box, msg, res.requests || [], load);
    } catch (e) {
      if (ctx.alive()) replace(box, errorBanner(e, 'requests-error'));
    }
  };
  const asks = session.role() === 'reviewer' || session.role() === 'admin';
  replace(main, pageHead(t('req.title')), h('p', { class: 'muted' }, t('req.lead')),
    asks ? section(t('req.ask'), 'request-ask-section', askForm(load)) : null,
    section(t('req.list'), 'requests-section', msg, box));
  load();
}
