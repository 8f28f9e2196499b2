// web/js/pages/admin.js: the admin console (管理), for admins only: users (add, disable, a
// new token, shown once in a dialog), grants (give with purposes, clearance and an end date;
// revoke with a reason) and the classification of an item by its SHA-256. Each change is a
// POST of /v1/admin/* that the server ledgers with the admin as actor, as the CLI would.
import { h, replace, table } from '../dom.js';
import { t, listSep } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { dateTime, roleWords, shortSha, DATE_PATTERN, actorWords } from '../format.js';
import { errorBanner, infoBanner, loading, pageHead, section, field, badge } from '../ui.js';

const ROLES = ['reviewer', 'clerk', 'auditor', 'admin'];
const LEVELS = ['public', 'internal', 'privacy', 'commercial_secret', 'state_secret'];

const levelWords = (l) => (l ? t(`level.${l}`) : t('admin.class.unset'));

function select(name, testid, options, props = {}) {
  return h('select', { name, class: 'input', testid, ...props },
    options.map(([value, label]) => h('option', { value }, label)));
}

export function renderAdmin(main, ctx) {
  const users = h('div', { testid: 'admin-users' }, loading());
  const grants = h('div', { testid: 'admin-grants' }, loading());
  const dialog = tokenDialog();
  const state = { users: [] };
  const loadUsers = async () => {
    try {
      const res = await api.json('/v1/admin/users');
      if (!ctx.alive()) return;
      state.users = res.users || [];
      drawUsers(users, state.users, dialog, loadUsers);
    } catch (e) {
      if (ctx.alive()) replace(users, errorBanner(e, 'admin-users-error'));
    }
  };
  const loadGrants = async () => {
    try {
      const res = await api.json('/v1/admin/grants');
      if (ctx.alive()) drawGrants(grants, res.grants || [], loadGrants);
    } catch (e) {
      if (ctx.alive()) replace(grants, errorBanner(e, 'admin-grants-error'));
    }
  };
  replace(main, pageHead(t('admin.title')),
    h('p', { class: 'muted' }, t('admin.lead')),
    section(t('admin.users'), 'admin-users-section', userForm(dialog, loadUsers), users),
    section(t('admin.grants'), 'admin-grants-section', grantForm(loadGrants), grants),
    section(t('admin.class'), 'admin-class-section', h('p', { class: 'muted' }, t('admin.class.lead')), classForm()),
    dialog.el);
  ctx.onLeave(() => { if (dialog.el.open) dialog.el.close(); });
  loadUsers();
  loadGrants();
}

/* The dialog that shows a new token once: {el, show(name, token)}. */
function tokenDialog() {
  const lead = h('p', { testid: 'token-lead' });
  const code = h('code', { class: 'hash token-value', testid: 'token-value' });
  const copy = h('button', { type: 'button', class: 'btn', testid: 'token-copy' }, t('admin.token.copy'));
  const close = h('button', { type: 'button', class: 'btn btn-primary', testid: 'token-close' }, t('common.close'));
  const d = h('dialog', { class: 'token-dialog', testid: 'token-dialog', 'aria-labelledby': 'token-title' },
    h('h2', { id: 'token-title' }, t('admin.token.title')), lead, h('p', null, code),
    h('div', { class: 'actions' }, copy, close));
  copy.addEventListener('click', () => navigator.clipboard?.writeText(code.textContent).catch(() => {}));
  close.addEventListener('click', () => {
    code.textContent = ''; // not kept in the page once closed
    d.close();
  });
  const show = (name, token) => {
    lead.textContent = t('admin.token.lead', { name });
    code.textContent = token;
    d.showModal();
  };
  return { el: d, show };
}

function userForm(dialog, reload) {
  const name = h('input', { type: 'text', name: 'name', class: 'input', required: true, autocomplete: 'off', testid: 'user-add-name' });
  const role = select('role', 'user-add-role', ROLES.map((r) => [r, roleWords(r)]));
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'user-add-submit' }, t('admin.user.add'));
  const form = h('form', { class: 'link-form', novalidate: true, testid: 'user-add-form' },
    field(t('admin.user.name'), name), field(t('admin.user.role'), role), h('div', { class: 'field field-end' }, btn), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!name.value.trim()) {
      replace(msg, infoBanner(t('admin.user.need'), 'user-add-error', 'error'));
      return;
    }
    btn.disabled = true;
    try {
      const res = await api.json('/v1/admin/users', { method: 'POST', body: { name: name.value.trim(), role: role.value } });
      replace(msg);
      name.value = '';
      dialog.show(res.name, res.token);
      reload();
    } catch (e) {
      replace(msg, errorBanner(e, 'user-add-error'));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

function drawUsers(box, list, dialog, reload) {
  const msg = h('div', { 'aria-live': 'polite' });
  const rows = list.map((u) => {
    const rotate = h('button', { type: 'button', class: 'btn', testid: 'user-rotate' }, t('admin.user.rotate'));
    const disable = h('button', { type: 'button', class: 'btn', testid: 'user-disable' }, t('admin.user.disable'));
    rotate.addEventListener('click', async () => {
      rotate.disabled = true;
      try {
        const res = await api.json(`/v1/admin/users/${api.enc(u.name)}/rotate`, { method: 'POST', body: {} });
        dialog.show(res.name, res.token);
        reload();
      } catch (e) {
        replace(msg, errorBanner(e, 'user-error'));
      } finally {
        rotate.disabled = false;
      }
    });
    // A new web sign-in password, typed by the admin and sent once; never shown back.
    const pwInput = h('input', { type: 'password', class: 'input', autocomplete: 'new-password', minlength: '10',
      testid: 'user-password-input', 'aria-label': t('admin.user.password') });
    const pwSet = h('button', { type: 'submit', class: 'btn' }, t('admin.user.password.set'));
    const pwForm = h('form', { class: 'inline-form', hidden: true, testid: 'user-password-form' }, pwInput, ' ', pwSet);
    const password = h('button', { type: 'button', class: 'btn', testid: 'user-password' }, t('admin.user.password'));
    password.addEventListener('click', () => { pwForm.hidden = !pwForm.hidden; if (!pwForm.hidden) pwInput.focus(); });
    pwForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      pwSet.disabled = true;
      try {
        await api.json(`/v1/admin/users/${api.enc(u.name)}/password`, { method: 'POST', body: { password: pwInput.value } });
        pwInput.value = '';
        pwForm.hidden = true;
        replace(msg, infoBanner(t('admin.user.password.done', { name: u.name }), 'user-done', 'ok'));
      } catch (e) {
        replace(msg, errorBanner(e, 'user-error'));
      } finally {
        pwSet.disabled = false;
      }
    });
    let armed = false; // a second click confirms
    disable.addEventListener('click', async () => {
      if (!armed) {
        armed = true;
        disable.textContent = t('admin.user.disable.confirm');
        return;
      }
      disable.disabled = true;
      try {
        await api.json(`/v1/admin/users/${api.enc(u.name)}/disable`, { method: 'POST', body: {} });
        replace(msg, infoBanner(t('admin.user.disabled.done', { name: u.name }), 'user-done', 'ok'));
        reload();
      } catch (e) {
        replace(msg, errorBanner(e, 'user-error'));
        disable.disabled = false;
      }
    });
    const off = Boolean(u.disabled_at);
    return h('tr', { testid: 'user-row', 'data-name': u.name, 'data-disabled': String(off) },
      h('td', null, u.name),
      h('td', null, roleWords(u.role)),
      h('td', { class: 'nowrap' }, dateTime(u.created_at)),
      h('td', null, actorWords(u.created_by)),
      h('td', null, off ? badge(t('admin.user.disabled'), 'bad') : badge(t('admin.user.active'), 'ok'),
        off ? h('div', { class: 'muted small' }, dateTime(u.disabled_at)) : null),
      h('td', { class: 'actions-cell' }, off ? null : [rotate, ' ', password, ' ',
        u.name === session.user()?.name ? null : disable, pwForm]));
  });
  replace(box, msg, list.length ? table(
    [t('admin.user.name'), t('admin.user.role'), t('admin.user.since'), t('admin.user.by'), t('admin.user.state'), ''],
    rows, { class: 'compact', testid: 'users-table' }) : h('p', { class: 'muted' }, t('common.none')));
}

const SCOPES = ['originals', 'metadata', 'media', 'export'];

function grantForm(reload) {
  const text = (name, testid, props = {}) => h('input', { type: 'text', name, class: 'input', autocomplete: 'off', testid, ...props });
  const user = text('user', 'grant-user');
  const kase = text('case', 'grant-case');
  const party = text('party', 'grant-party');
  const purposes = h('textarea', { name: 'purposes', class: 'input', rows: '2', testid: 'grant-purposes' });
  const any = h('input', { type: 'checkbox', name: 'any_purpose', testid: 'grant-any' });
  const clearance = select('clearance', 'grant-clearance', [['', t('admin.grant.clearance.default')], ...LEVELS.map((l) => [l, levelWords(l)])]);
  // The scope: originals first, the default of every grant (and of the API without one).
  const scope = select('scope', 'grant-scope', SCOPES.map((s) => [s, t(`admin.grant.scope.${s}`)]));
  const until = h('input', { type: 'text', name: 'until', class: 'input', testid: 'grant-until', pattern: DATE_PATTERN, placeholder: 'yyyy-mm-dd', inputmode: 'numeric', size: '10', spellcheck: 'false' });
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'grant-submit' }, t('admin.grant.give'));
  const form = h('form', { class: 'link-form', novalidate: true, testid: 'grant-form' },
    field(t('admin.grant.user'), user), field(t('admin.grant.case'), kase), field(t('admin.grant.party'), party),
    field(t('admin.grant.purposes'), purposes, t('admin.grant.purposes.hint')),
    h('div', { class: 'field' }, h('label', null, any, ' ', t('admin.grant.any'))),
    field(t('admin.grant.clearance'), clearance), field(t('admin.grant.scope'), scope),
    field(t('admin.grant.until'), until, t('admin.grant.until.hint')),
    h('div', { class: 'field field-end' }, btn), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const list = purposes.value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (!user.value.trim() || !kase.value.trim() || (!list.length && !any.checked)) {
      replace(msg, infoBanner(t('admin.grant.need'), 'grant-error', 'error'));
      return;
    }
    const body = { user: user.value.trim(), case: kase.value.trim() };
    if (list.length) body.purposes = list;
    if (any.checked) body.any_purpose = true;
    if (party.value.trim()) body.party = party.value.trim();
    if (clearance.value) body.clearance = clearance.value;
    body.scope = scope.value;
    if (until.value) body.until = until.value; // YYYY-MM-DD: the end of that day in site.tz
    btn.disabled = true;
    try {
      const res = await api.json('/v1/admin/grants', { method: 'POST', body });
      replace(msg, infoBanner(t('admin.grant.done', { id: res.id }), 'grant-done', 'ok'));
      reload();
    } catch (e) {
      replace(msg, errorBanner(e, 'grant-error'));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

function purposeText(g) {
  const p = Array.isArray(g.purposes) ? g.purposes : [];
  return [...p, ...(g.any_purpose ? [t('admin.grant.any.short')] : [])].join(listSep()) || '—';
}

function revokeForm(g, msg, reload) {
  const why = h('input', { type: 'text', name: 'reason', class: 'input', autocomplete: 'off', testid: 'revoke-reason', 'aria-label': t('admin.grant.revoke.reason'), placeholder: t('admin.grant.revoke.reason') });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'revoke-submit' }, t('admin.grant.revoke.submit'));
  const form = h('form', { class: 'inline-form', novalidate: true, hidden: true }, why, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!why.value.trim()) {
      replace(msg, infoBanner(t('admin.grant.revoke.need'), 'revoke-error', 'error'));
      return;
    }
    btn.disabled = true;
    try {
      await api.json(`/v1/admin/grants/${g.id}/revoke`, { method: 'POST', body: { reason: why.value.trim() } });
      replace(msg, infoBanner(t('admin.grant.revoked', { id: g.id }), 'revoke-done', 'ok'));
      reload();
    } catch (e) {
      replace(msg, errorBanner(e, 'revoke-error'));
      btn.disabled = false;
    }
  });
  return form;
}

function drawGrants(box, list, reload) {
  const msg = h('div', { 'aria-live': 'polite' });
  const rows = list.map((g) => {
    const form = g.live ? revokeForm(g, msg, reload) : null;
    const open = g.live ? h('button', { type: 'button', class: 'btn', testid: 'grant-revoke', 'aria-expanded': 'false' }, t('admin.grant.revoke')) : null;
    open?.addEventListener('click', () => {
      form.hidden = !form.hidden;
      open.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) form.querySelector('input')?.focus();
    });
    return h('tr', { testid: 'grant-row', 'data-id': String(g.id), 'data-user': g.user, 'data-live': String(Boolean(g.live)) },
      h('td', { class: 'num' }, g.id),
      h('td', null, g.user),
      h('td', null, g.case, g.party ? h('div', { class: 'muted small' }, g.party) : null),
      h('td', { testid: 'grant-purposes-cell' }, purposeText(g)),
      h('td', null, levelWords(g.clearance)),
      h('td', { testid: 'grant-scope-cell' }, t(`admin.grant.scope.${g.scope || 'originals'}`)),
      h('td', { class: 'nowrap', testid: 'grant-until-cell' }, g.until ? dateTime(g.until) : t('admin.grant.until.none')),
      h('td', null, actorWords(g.granted_by)),
      h('td', null, badge(t(g.live ? 'admin.grant.live' : 'admin.grant.ended'), g.live ? 'ok' : 'neutral')),
      h('td', { class: 'actions-cell' }, open, form));
  });
  replace(box, msg, list.length ? table(
    [t('admin.grant.id'), t('admin.grant.user'), t('common.case'), t('admin.grant.purposes'), t('admin.grant.clearance'),
      t('admin.grant.scope'), t('admin.grant.until'), t('admin.grant.by'), t('admin.grant.state'), ''],
    rows, { class: 'compact', testid: 'grants-table' }) : h('p', { class: 'muted' }, t('common.none')));
}

function classForm() {
  const item = h('input', { type: 'text', name: 'sha256', class: 'input', autocomplete: 'off', spellcheck: 'false', testid: 'class-item' });
  const level = select('level', 'class-level', LEVELS.map((l) => [l, levelWords(l)]));
  const why = h('input', { type: 'text', name: 'reason', class: 'input', autocomplete: 'off', testid: 'class-reason' });
  const msg = h('div', { 'aria-live': 'polite' });
  const show = h('button', { type: 'button', class: 'btn', testid: 'class-show' }, t('admin.class.show'));
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'class-submit' }, t('admin.class.set'));
  const form = h('form', { class: 'link-form', novalidate: true, testid: 'class-form' },
    field(t('admin.class.item'), item), field(t('admin.class.level'), level), field(t('admin.class.reason'), why),
    h('div', { class: 'field field-end' }, show, btn), msg);
  show.addEventListener('click', async () => {
    if (!item.value.trim()) return;
    try {
      const res = await api.json(`/v1/admin/classifications${api.qs({ sha256: item.value.trim() })}`);
      replace(msg, infoBanner(t('admin.class.current', { item: shortSha(res.sha256), level: levelWords(res.level) }), 'class-current'));
    } catch (e) {
      replace(msg, errorBanner(e, 'class-error'));
    }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!item.value.trim() || !why.value.trim()) {
      replace(msg, infoBanner(t('admin.class.need'), 'class-error', 'error'));
      return;
    }
    btn.disabled = true;
    try {
      const res = await api.json('/v1/admin/classifications', { method: 'POST', body: { sha256: item.value.trim(), level: level.value, reason: why.value.trim() } });
      replace(msg, infoBanner(t('admin.class.done', { item: shortSha(res.sha256), level: levelWords(res.level) }), 'class-done', 'ok'));
    } catch (e) {
      replace(msg, errorBanner(e, 'class-error'));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}
