// web/js/main.js: the shell: header (user, role, purpose, language, sign out), the hash
// router (#/cases, #/case/<case>, #/cases/<case>/review, #/item/<sha>, #/clerk, #/audit,
// #/audit/<seq>, #/admin) and the sign-in and purpose steps every page waits for.
import { h, replace } from './dom.js';
import { t, getLang, setLang, colon } from './i18n.js';
import * as api from './api.js';
import * as session from './session.js';
import { roleWords } from './format.js';
import { errorBanner, loading } from './ui.js';
import { renderSignIn, renderPurpose } from './pages/signin.js';
import { renderCases } from './pages/cases.js';
import { renderCase } from './pages/case.js';
import { renderRegister } from './pages/register.js';
import { renderItem } from './pages/item.js';
import { renderClerk } from './pages/clerk.js';
import { renderAudit, renderEntry } from './pages/audit.js';
import { renderAdmin } from './pages/admin.js';
import { renderRequests } from './pages/requests.js';
import { renderPublications } from './pages/publications.js';
import { renderReview } from './pages/review.js';

const main = document.getElementById('main');
const header = document.getElementById('hdr');
const bar = document.getElementById('purpose-bar');

let generation = 0;
let cleanup = null;
let notice = null; // a message for the sign-in page (session ended)
let pending = null; // the page asked for before signing in: shown once signed in

/** The route of the location's hash: {path: [segments], query: URLSearchParams}. */
function route() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [p, q = ''] = raw.split('?');
  const path = p.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { path, query: new URLSearchParams(q) };
}

export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function renderHeader() {
  const me = session.user();
  const langBtn = h('button', {
    type: 'button', class: 'btn btn-ghost', testid: 'lang-switch', lang: getLang() === 'en' ? 'zh-CN' : 'en',
    'aria-label': t('hdr.lang.label'),
    on: { click: () => { setLang(getLang() === 'en' ? 'zh-CN' : 'en'); render(); } },
  }, t('hdr.lang'));
  const nav = h('nav', { class: 'nav', 'aria-label': t('app.name') });
  const cur = route().path[0] || '';
  const link = (hash, key, testid, match) =>
    h('a', { href: hash, testid, class: match.includes(cur) ? 'active' : null, 'aria-current': match.includes(cur) ? 'page' : null }, t(key));
  if (me) {
    nav.append(link('#/cases', 'nav.cases', 'nav-cases', ['cases', 'case', 'item']));
    nav.append(link('#/register', 'nav.register', 'nav-register', ['register']));
    if (session.can.clerk()) nav.append(link('#/clerk', 'nav.clerk', 'nav-clerk', ['clerk']));
    if (session.can.ledger()) nav.append(link('#/audit', 'nav.audit', 'nav-audit', ['audit']));
    if (session.role() === 'admin') nav.append(link('#/admin', 'nav.admin', 'nav-admin', ['admin']));
    if (session.role() !== 'clerk') nav.append(link('#/requests', 'nav.requests', 'nav-requests', ['requests']));
    nav.append(link('#/publications', 'nav.publications', 'nav-publications', ['publications']));
  }
  replace(header,
    h('div', { class: 'brand' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '\u2696'),
      h('span', { class: 'brand-name' }, t('app.name')),
      getLang() === 'en' ? null : h('span', { class: 'brand-sub' }, 'Custody')),
    me ? nav : h('span', { class: 'nav' }),
    h('div', { class: 'who' },
      me ? h('span', { class: 'user', testid: 'user-name', title: t('hdr.user') }, me.name) : null,
      me ? h('span', { class: `role role-${me.role}`, testid: 'user-role', title: t('hdr.role') }, roleWords(me.role)) : null,
      langBtn,
      me ? h('button', { type: 'button', class: 'btn btn-ghost', testid: 'sign-out', on: { click: signOut } }, t('hdr.signout')) : null));
}

function renderBar() {
  const me = session.user();
  const p = session.purpose();
  if (!me || !p) {
    bar.hidden = true;
    replace(bar);
    return;
  }
  bar.hidden = false;
  replace(bar,
    h('span', { class: 'purpose-label' }, `${t('hdr.purpose')}${colon()}`),
    h('span', { class: 'purpose-text', testid: 'purpose-current' }, p),
    h('a', { href: `#/purpose?next=${encodeURIComponent(location.hash || '#/')}`, class: 'btn-link', testid: 'purpose-change' }, t('hdr.change')));
}

function signOut() {
  const done = () => {
    session.signOut();
    notice = null;
    go('#/signin');
  };
  api.signOut().then(done, done); // a password's session ends on the server too
}

api.setUnauthorizedHandler(() => {
  session.signOut();
  notice = t('signin.expired');
  if (location.hash !== '#/signin') location.hash = '#/signin';
});

async function render() {
  const gen = ++generation;
  const ftr = document.querySelector('footer.ftr');
  if (ftr) ftr.textContent = t('app.footer'); // in the reader's language
  if (cleanup) {
    try {
      cleanup();
    } catch {
      /* a page's cleanup must not stop the next page */
    }
    cleanup = null;
  }
  const ctx = { alive: () => gen === generation, onLeave: (fn) => { cleanup = fn; }, go, rerender: render };
  const r = route();
  const name = r.path[0] || '';
  document.documentElement.lang = getLang();

  if (!session.signedIn()) {
    renderHeader();
    renderBar();
    if (name !== 'signin') {
      if (name && name !== 'purpose') pending = location.hash;
      location.replace('#/signin');
      return;
    }
    renderSignIn(main, ctx, {
      notice,
      after: () => {
        notice = null;
        const next = pending;
        pending = null;
        go(next ? `#/purpose?next=${encodeURIComponent(next)}` : '#/purpose');
      },
    });
    return;
  }
  if (!session.user()) {
    replace(main, loading());
    try {
      session.setUser(await api.json('/v1/me'));
    } catch (e) {
      if (!ctx.alive()) return;
      if (e.status === 401) return; // the handler sends the user to sign in
      renderHeader();
      replace(main, errorBanner(e));
      return;
    }
    if (!ctx.alive()) return;
  }
  renderHeader();
  if (name === 'signin') {
    location.replace(session.purpose() ? session.home() : '#/purpose');
    return;
  }
  if (name === 'purpose' || !session.purpose()) {
    renderBar();
    const next = name === 'purpose' ? r.query.get('next') : location.hash;
    renderPurpose(main, ctx, {
      next: next && next !== '#/purpose' && next.startsWith('#/') && !next.startsWith('#/purpose') ? next : null,
      done: (target) => go(target || session.home()),
    });
    return;
  }
  renderBar();
  window.scrollTo(0, 0);
  switch (name) {
    case '':
      location.replace(session.home());
      return;
    case 'cases':
      if (r.path[2] === 'review') return renderReview(main, ctx, r.path[1] || '');
      return renderCases(main, ctx, r);
    case 'case':
      return renderCase(main, ctx, r.path[1] || '', r);
    case 'item':
      return renderItem(main, ctx, r.path[1] || '', r);
    case 'register':
      return renderRegister(main, ctx, r);
    case 'clerk':
      return renderClerk(main, ctx, r);
    case 'audit':
      if (r.path[1] !== undefined) return renderEntry(main, ctx, r.path[1], r);
      return renderAudit(main, ctx, r);
    case 'admin':
      if (session.role() !== 'admin') {
        location.replace(session.home());
        return;
      }
      return renderAdmin(main, ctx, r);
    case 'requests':
      return renderRequests(main, ctx, r);
    case 'publications':
      return renderPublications(main, ctx, r);
    default:
      location.replace(session.home());
  }
}

window.addEventListener('hashchange', () => render());
render();
