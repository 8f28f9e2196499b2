// web/js/pages/item_public.js: an item's public copy (公开副本, issue 23) on its page: its
// redaction spec (GET /v1/items/{sha256}/public; PUT .../public/spec), the copy made from it
// or the redacted document attached, and its approval (POST .../public/approve). The server
// decides who may (a state_secret item never, a personal one only from a spec, never the
// maker's own approval: refusals ledgered and shown in the reader's language). Making the
// copy runs a media worker on the host: `custody public make`.
import { h, replace, dl } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { dateTime, shortSha } from '../format.js';
import { errorBanner, infoBanner, loading, section, badge, field } from '../ui.js';

const prepares = () => ['clerk', 'legal', 'admin'].includes(session.role());
const approves = () => ['legal', 'admin'].includes(session.role());
const hash = (s, testid) => (s ? h('code', { class: 'hash', title: s, testid }, shortSha(s)) : '—');

/* One write: on success the section is loaded again with `done` said; a refusal goes to msg. */
async function send(btn, msg, path, opts, done, reload) {
  btn.disabled = true;
  try {
    await api.json(path, opts);
    reload(infoBanner(done, 'public-done', 'ok'));
  } catch (e) {
    replace(msg, errorBanner(e, 'public-refused'));
  } finally {
    btn.disabled = false;
  }
}

function specForm(item, st, msg, reload) {
  const area = h('textarea', { class: 'input mono', rows: 6, testid: 'public-spec-input', spellcheck: 'false' });
  area.value = st.spec?.spec ? JSON.stringify(st.spec.spec, null, 1) : '{"regions": [{"x": 0, "y": 0, "w": 100, "h": 100, "mode": "blur"}]}';
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'public-spec-save' }, t('public.spec.save'));
  const form = h('form', { class: 'stack', testid: 'public-spec-form' }, field(t('public.spec.label'), area, t('public.spec.hint')), btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    let body;
    try {
      body = JSON.parse(area.value);
    } catch {
      replace(msg, infoBanner(t('public.spec.notjson'), 'public-refused', 'error'));
      return;
    }
    send(btn, msg, `/v1/items/${api.enc(item.sha256)}/public/spec`, { method: 'PUT', body }, t('public.spec.saved'), reload);
  });
  return form;
}

function view(item, st, reload, note) {
  const msg = h('div', { testid: 'public-msg' }, note);
  const c = st.copy && typeof st.copy === 'object' ? st.copy : null;
  const sp = st.spec && typeof st.spec === 'object' ? st.spec : null;
  const state = !c ? badge(t('public.state.none'), 'neutral', 'public-state')
    : c.status !== 'verified' ? badge(t('public.state.failed'), 'bad', 'public-state')
      : st.publishable ? badge(t('public.state.approved'), 'ok', 'public-state')
        : badge(t('public.state.awaiting'), 'neutral', 'public-state');
  const approve = h('button', { type: 'button', class: 'btn btn-primary', testid: 'public-approve' }, t('public.approve'));
  approve.addEventListener('click', () =>
    send(approve, msg, `/v1/items/${api.enc(item.sha256)}/public/approve`, { method: 'POST', body: {} }, t('public.approved'), reload));
  return h('div', null,
    h('p', { class: 'muted small' }, t('public.lead')),
    dl([
      [t('public.state'), state],
      [t('public.spec'), sp ? [hash(sp.sha256, 'public-spec-sha'), ' · ', sp.made_by || '—', ' · ', dateTime(sp.made_at)] : t('public.spec.none')],
      c ? [t('public.copy'), [hash(c.sha256, 'public-copy-sha'), ' · ', c.media_type || '—', ' · ',
        t(c.source === 'attached' ? 'public.source.attached' : 'public.source.made'), ' ', c.maker || '—']] : null,
      c && c.approved_by ? [t('public.approvedby'), [h('span', { testid: 'public-approver' }, c.approved_by), ' · ', dateTime(c.approved_at)]] : null,
    ]),
    msg,
    c && c.status === 'verified' && !st.publishable && approves() ? approve : null,
    !c ? h('p', { class: 'muted small', testid: 'public-make-hint' }, t('public.make.hint')) : null,
    prepares() ? specForm(item, st, msg, reload) : null);
}

/** The section, filled once GET .../public answers; a reader the gate refuses sees why. */
export function publicSection(item, ctx) {
  const body = h('div', { testid: 'public-body' }, loading());
  const load = async (note) => {
    let st;
    try {
      st = await api.json(`/v1/items/${api.enc(item.sha256)}/public`);
    } catch (e) {
      if (ctx.alive()) replace(body, errorBanner(e, 'public-error'));
      return;
    }
    if (ctx.alive()) replace(body, view(item, st, load, note));
  };
  load();
  return section(t('public.title'), 'public', body);
}
