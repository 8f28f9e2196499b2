// web/js/pages/signin.js: signing in with an API token (checked with /v1/me before it is
// kept, for this tab only) and stating the purpose that every request then carries.
import { h, replace } from '../dom.js';
import { t, colon } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { errorBanner, infoBanner, field } from '../ui.js';

export function renderSignIn(main, ctx, { notice, after }) {
  const input = h('input', {
    type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true,
    testid: 'token-input', class: 'input wide',
  });
  const msg = h('div', { 'aria-live': 'polite' }, notice ? infoBanner(notice, 'signin-notice', 'warn') : null);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'signin-submit' }, t('signin.submit'));
  const form = h('form', { class: 'card narrow', testid: 'signin-form', novalidate: true },
    h('h1', { testid: 'page-title' }, t('signin.title')),
    h('p', { class: 'lead' }, t('signin.lead')),
    field(t('signin.token'), input),
    msg,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const tok = input.value.trim();
    if (!tok) {
      replace(msg, infoBanner(t('signin.bad'), 'signin-error', 'error'));
      input.focus();
      return;
    }
    submit.disabled = true;
    replace(msg, infoBanner(t('signin.busy'), 'signin-busy'));
    try {
      const me = await api.json('/v1/me', { token: tok });
      if (!ctx.alive()) return;
      session.signIn(tok, me);
      input.value = '';
      after();
    } catch (e) {
      if (!ctx.alive()) return;
      submit.disabled = false;
      replace(msg, e.status === 401 ? infoBanner(e.problem?.detail || t('signin.bad'), 'signin-error', 'error') : errorBanner(e, 'signin-error'));
      input.select();
    }
  });
  replace(main, h('div', { class: 'center' }, form));
  document.title = `${t('signin.title')} · ${t('app.name')}`;
  input.focus();
}

export function renderPurpose(main, ctx, { next, done }) {
  const me = session.user();
  const purposes = [...new Set((me?.grants || []).flatMap((g) => g.purposes || [g.purpose]).filter(Boolean))];
  const list = h('datalist', { id: 'purpose-options' }, purposes.map((p) => h('option', { value: p })));
  const input = h('input', {
    type: 'text', name: 'purpose', required: true, maxlength: '300', class: 'input wide',
    placeholder: t('purpose.placeholder'), list: 'purpose-options', testid: 'purpose-input',
    value: session.purpose(),
  });
  const msg = h('div', { 'aria-live': 'polite' });
  const chips = purposes.length
    ? h('div', { class: 'chips' }, h('span', { class: 'hint' }, `${t('purpose.grants')}${colon()}`),
      purposes.map((p) => h('button', { type: 'button', class: 'chip', on: { click: () => { input.value = p; input.focus(); } } }, p)))
    : null;
  const form = h('form', { class: 'card narrow', testid: 'purpose-form', novalidate: true },
    h('h1', { testid: 'page-title' }, t('purpose.title')),
    h('p', { class: 'lead' }, t('purpose.lead')),
    field(t('purpose.label'), input),
    list, chips, msg,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'purpose-submit' }, t('purpose.submit'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = input.value.trim();
    if (!p) {
      replace(msg, infoBanner(t('purpose.required'), 'purpose-error', 'error'));
      input.focus();
      return;
    }
    if (new TextEncoder().encode(p).length > 1000) {
      replace(msg, infoBanner(t('purpose.toolong'), 'purpose-error', 'error'));
      return;
    }
    session.setPurpose(p);
    done(next);
  });
  replace(main, h('div', { class: 'center' }, form));
  document.title = `${t('purpose.title')} · ${t('app.name')}`;
  input.focus();
}
