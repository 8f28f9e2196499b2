// web/js/pages/signin.js: signing in with a user name and password (POST /v1/session: the
// service sets an HttpOnly session cookie; the page keeps only its CSRF token, for this tab),
// or with an API token as a fallback (checked with /v1/me before it is kept, for this tab
// only); then stating the purpose that every request carries.
import { h, replace } from '../dom.js';
import { t, colon, getLang } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { errorBanner, infoBanner, field } from '../ui.js';

/* The words of a refusal: the server's Chinese text for zh readers, else `fallback`. */
function refusal(e, fallback) {
  const p = e.problem || {};
  return getLang() !== 'en' && typeof p.detail_zh === 'string' ? p.detail_zh : fallback;
}

function passwordForm(ctx, after, notice) {
  const user = h('input', {
    type: 'text', name: 'username', autocomplete: 'username', spellcheck: 'false', required: true,
    maxlength: '127', testid: 'user-input', class: 'input wide',
  });
  const pass = h('input', {
    type: 'password', name: 'password', autocomplete: 'current-password', required: true,
    testid: 'password-input', class: 'input wide',
  });
  const msg = h('div', { 'aria-live': 'polite' }, notice ? infoBanner(notice, 'signin-notice', 'warn') : null);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'password-submit' }, t('signin.pwsubmit'));
  const form = h('form', { class: 'card narrow', testid: 'password-form', novalidate: true },
    h('h1', { testid: 'page-title' }, t('signin.title')),
    h('p', { class: 'lead' }, t('signin.lead')),
    field(t('signin.user'), user),
    field(t('signin.password'), pass),
    msg,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = user.value.trim();
    if (!name || !pass.value) {
      replace(msg, infoBanner(t('signin.pwmissing'), 'signin-error', 'error'));
      (name ? pass : user).focus();
      return;
    }
    submit.disabled = true;
    replace(msg, infoBanner(t('signin.pwbusy'), 'signin-busy'));
    try {
      await api.signInPassword(name, pass.value);
      pass.value = '';
      session.setUser(await api.json('/v1/me'));
      if (!ctx.alive()) return;
      after();
    } catch (e) {
      if (!ctx.alive()) return;
      submit.disabled = false;
      pass.value = '';
      replace(msg, e.status === 401 || e.status === 400
        ? infoBanner(refusal(e, t('signin.pwbad')), 'signin-error', 'error')
        : errorBanner(e, 'signin-error'));
      pass.focus();
    }
  });
  return { form, focus: () => user.focus() };
}

function tokenForm(ctx, after) {
  const input = h('input', {
    type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true,
    testid: 'token-input', class: 'input wide',
  });
  const msg = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn', testid: 'signin-submit' }, t('signin.submit'));
  const form = h('form', { class: 'card narrow', testid: 'signin-form', novalidate: true },
    h('h2', { testid: 'token-title' }, t('signin.usetoken')),
    h('p', { class: 'lead' }, t('signin.tokenlead')),
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
      replace(msg, e.status === 401 ? infoBanner(refusal(e, getLang() === 'en' ? e.problem?.detail || t('signin.bad') : t('signin.bad')), 'signin-error', 'error') : errorBanner(e, 'signin-error'));
      input.select();
    }
  });
  return form;
}

export function renderSignIn(main, ctx, { notice, after }) {
  const pw = passwordForm(ctx, after, notice);
  replace(main, h('div', { class: 'center' }, h('div', { class: 'signin-stack' }, pw.form, tokenForm(ctx, after))));
  document.title = `${t('signin.title')} · ${t('app.name')}`;
  pw.focus();
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
