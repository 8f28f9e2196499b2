// web/js/ui.js: shared pieces of the pages: banners with a problem's detail, badges, kind
// icons, a copyable hash, a page heading.
import { h } from './dom.js';
import { t } from './i18n.js';
import { kindOf, problemWords } from './format.js';

/** An error banner: the problem's title and detail in the user's language (detail_zh, the
 * words of its code or of its type); in Chinese the server's English detail is kept under a
 * "technical detail" disclosure. */
export function errorBanner(err, testid = 'error') {
  const p = err?.problem || {};
  const said = p.detail || (err?.problem ? '' : err?.message) || '';
  const { title, detail, tech, slug } = problemWords(p, said);
  const m = /\(ledger entry (\d+)\)/.exec(said); // a refusal the server ledgered
  const seq = m ? m[1] : null;
  return h(
    'div',
    { class: 'banner banner-error', role: 'alert', testid, 'data-status': err?.status ?? '', 'data-problem': slug },
    h('strong', null, title, err?.status ? ` (${err.status})` : ''),
    detail ? h('span', { class: 'banner-detail', testid: `${testid}-detail` }, detail) : null,
    seq !== null ? h('small', { class: 'banner-note', testid: `${testid}-ledgered` }, t('problem.denied.note', { seq })) : null,
    techDetail(tech),
  );
}

/** The server's own English words, folded away: for a technician, not the message. */
export function techDetail(text) {
  if (!text) return null;
  return h('details', { class: 'tech small', testid: 'tech-detail' },
    h('summary', null, t('problem.tech')), h('code', { lang: 'en' }, text));
}

export function infoBanner(text, testid = 'info', kind = 'info') {
  return h('div', { class: `banner banner-${kind}`, role: kind === 'ok' ? 'status' : 'note', testid }, text);
}

export function loading() {
  return h('p', { class: 'loading', role: 'status', 'aria-live': 'polite' }, t('common.loading'));
}

export function badge(text, kind, testid) {
  return h('span', { class: `badge badge-${kind}`, testid }, text);
}

const ICON = { photo: '\u25A3', video: '\u25B6', audio: '\u266A', other: '\u25A1' };

/** A kind glyph with its name for screen readers. */
export function kindIcon(mediaType) {
  const k = kindOf(mediaType);
  return h('span', { class: `kind kind-${k}`, title: t(`kind.${k}`) },
    h('span', { 'aria-hidden': 'true' }, ICON[k]),
    h('span', { class: 'sr-only' }, t(`kind.${k}`)));
}

/** A hash in monospace with a copy button. */
export function hashText(value, testid) {
  const code = h('code', { class: 'hash', testid }, value || '—');
  if (!value || !navigator.clipboard) return code;
  const btn = h('button', { type: 'button', class: 'btn-link small', 'aria-label': `${t('common.copy')} ${value}` }, t('common.copy'));
  btn.addEventListener('click', () => navigator.clipboard.writeText(value).catch(() => {}));
  return h('span', { class: 'hash-wrap' }, code, ' ', btn);
}

export function pageHead(title, ...extra) {
  document.title = `${title} · ${t('app.name')}`;
  return h('div', { class: 'page-head' }, h('h1', { testid: 'page-title', tabindex: '-1' }, title), ...extra);
}

export function section(title, testid, ...body) {
  return h('section', { class: 'card', testid, 'aria-label': title }, h('h2', null, title), ...body);
}

/** A labelled form field. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('small', { class: 'hint' }, hint) : null);
}
