// web/js/pages/public_copy.js: an item's public copy (公开副本, issue 23) at #/item/<sha>/public:
// its state (GET /v1/items/{sha}/public: the spec, the copy, who made it, who approved it and
// when, publishable), the redaction spec editor (public_spec.js), how the copy is made (on the
// host: `custody public make`, or `custody public attach` for a document's redacted version),
// the made copy beside the original, and the approval (POST .../public/approve), which the
// server gives to a legal user or an admin other than the maker and refuses in Chinese
// otherwise. And the list of public copies at #/public (GET /v1/public).
import { h, replace, dl, table } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { dateTime, shortSha, kindOf, actorWords } from '../format.js';
import { errorBanner, infoBanner, loading, pageHead, section, badge, hashText } from '../ui.js';
import { specEditor } from './public_spec.js';

let flash = null; // {text, testid}: what the last step did, shown once the page is drawn again

export const publicHref = (sha) => `#/item/${encodeURIComponent(sha)}/public`;

/** The state of a copy: none, failed, awaiting, approved. */
export function copyState(s) {
  const c = s?.copy;
  if (!c) return 'none';
  if (c.status !== 'verified') return 'failed';
  return c.approved_by ? 'approved' : 'awaiting';
}
const STATE_KIND = { none: 'neutral', failed: 'bad', awaiting: 'neutral', approved: 'ok' };

function stateSection(st) {
  const sp = st.spec;
  const c = st.copy;
  const s = copyState(st);
  return section(t('pc.state'), 'pc-state', dl([
    [t('pc.spec'), sp ? h('span', null, h('code', { class: 'hash', title: sp.sha256 }, shortSha(sp.sha256)),
      ' ', t('pc.by', { who: actorWords(sp.made_by), at: dateTime(sp.made_at) })) : t('pc.spec.none'), 'pc-spec'],
    [t('pc.copy'), c ? hashText(c.sha256, 'pc-copy-sha') : t('pc.copy.none')],
    [t('common.status'), badge(t(`pc.status.${s}`), STATE_KIND[s], 'pc-status')],
    c ? [t('pc.maker'), h('span', { testid: 'pc-maker' }, actorWords(c.maker ?? c.made_by)), null] : null,
    c ? [t('pc.made'), dateTime(c.made_at)] : null,
    c?.approved_by ? [t('pc.approved'), h('span', { testid: 'pc-approved' }, t('pc.by', { who: actorWords(c.approved_by), at: dateTime(c.approved_at) }))] : null,
    [t('pc.publishable'), h('span', { testid: 'pc-publishable', 'data-value': String(Boolean(st.publishable)) },
      st.publishable ? t('common.yes') : t('common.no'))],
  ]));
}

/** How the copy is made: on the host, where a media worker runs. */
function makeSection(item, kind, reload) {
  const me = session.user()?.name || 'USER';
  const cmd = kind === 'document'
    ? `custody public attach ${item.sha256} REDACTED.pdf --as ${me}`
    : `custody public make ${item.sha256} --as ${me}`;
  return section(t('pc.make'), 'pc-make',
    h('p', null, t(kind === 'document' ? 'pc.attach.lead' : 'pc.make.lead')),
    h('pre', { class: 'cmd' }, h('code', { testid: 'pc-make-cmd', lang: 'en' }, cmd)),
    h('button', { type: 'button', class: 'btn', testid: 'pc-reload', on: { click: () => reload() } }, t('pc.reload')));
}

/** The approval: offered to those who prepare or approve copies; the server decides. */
function approveSection(item, st, reload) {
  if (copyState(st) !== 'awaiting' || !['legal', 'admin', 'clerk', 'operator'].includes(session.role())) return null;
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'pc-approve' }, t('pc.approve'));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      await api.json(`/v1/items/${api.enc(item.sha256)}/public/approve`, { method: 'POST', body: {} });
      reload({ text: t('pc.approve.done'), testid: 'pc-approve-done' });
    } catch (e) {
      replace(msg, errorBanner(e, 'pc-approve-error'));
      btn.disabled = false;
    }
  });
  return section(t('pc.approve.title'), 'pc-approve-section', h('p', { class: 'muted' }, t('pc.approve.lead')),
    h('div', { class: 'actions' }, btn), msg);
}

/** The made copy beside the original. */
function compareSection(item, kind, st, ctx) {
  if (copyState(st) === 'none' || copyState(st) === 'failed' || !(session.can.media() || session.role() === 'legal')) return null;
  const pane = (profile, label, testid) => {
    const el = kind === 'photo'
      ? h('img', { class: 'preview', alt: label, testid })
      : kind === 'document' ? null
        : h(kind === 'audio' ? 'audio' : 'video', { controls: true, preload: 'auto', playsinline: true, class: `player player-${kind}`, testid });
    const box = h('figure', { class: 'pc-pane' }, h('figcaption', null, label), el);
    api.mediaUrl(item.sha256, profile).then((url) => {
      if (!ctx.alive()) return;
      if (el) el.src = url;
      else box.append(h('a', { href: url, download: `${shortSha(item.sha256)}-public.pdf`, class: 'btn', testid }, t('pc.download')));
    }, (e) => ctx.alive() && box.append(errorBanner(e, `${testid}-error`)));
    return box;
  };
  return section(t('pc.compare'), 'pc-compare', h('div', { class: 'pc-compare' },
    kind === 'document' ? null : pane(kind === 'photo' ? 'preview' : 'access', t('pc.original'), 'pc-original'),
    pane('public', t('pc.public'), 'pc-public')));
}

export async function renderPublicCopy(main, ctx, sha) {
  replace(main, pageHead(t('pc.title')), loading());
  let item;
  let st;
  try {
    item = await api.json(`/v1/items/${api.enc(sha)}`);
    st = await api.json(`/v1/items/${api.enc(sha)}/public`);
  } catch (e) {
    if (ctx.alive()) replace(main, pageHead(t('pc.title')), errorBanner(e, 'pc-error'));
    return;
  }
  if (!ctx.alive()) return;
  const meta = item.metadata && typeof item.metadata === 'object' ? item.metadata : {};
  const kind = item.media_type === 'application/pdf' ? 'document' : kindOf(item.media_type);
  const name = item.sources?.[0]?.original_name || shortSha(item.sha256);
  const reload = (done) => {
    if (!ctx.alive()) return;
    flash = done && done.text ? done : null;
    ctx.rerender();
  };
  const shown = flash;
  flash = null;
  const prepares = ['clerk', 'legal', 'admin', 'operator'].includes(session.role());
  const hasAccess = (item.derivatives || []).some((d) => d.status === 'verified' && d.profile === (kind === 'photo' ? 'preview' : 'access'));
  let editor = null;
  if (prepares && ['video', 'photo', 'audio'].includes(kind))
    editor = hasAccess || kind === 'audio' ? specEditor(item, meta, kind, st.spec?.spec || null, ctx, reload)
      : section(t('spec.title'), 'spec-section', infoBanner(t('pc.nomedia'), 'pc-nomedia', 'warn'));
  replace(main,
    pageHead(`${t('pc.title')} · ${name}`,
      h('div', { class: 'head-actions' },
        h('a', { href: `#/item/${encodeURIComponent(item.sha256)}`, class: 'btn btn-ghost', testid: 'pc-back' }, `\u2190 ${t('pc.back')}`),
        h('a', { href: '#/public', class: 'btn btn-ghost', testid: 'pc-list-link' }, t('pcl.title')))),
    h('p', { class: 'muted' }, t('pc.lead'), ' ', h('span', { testid: 'pc-kind' }, t(`pc.kind.${kind}`))),
    shown ? infoBanner(shown.text, shown.testid, 'ok') : null,
    stateSection(st),
    approveSection(item, st, reload),
    editor,
    prepares && kind !== 'other' ? makeSection(item, kind, reload) : null,
    compareSection(item, kind, st, ctx));
}

/** #/public: the items with a spec or a public copy, those awaiting approval first. */
export async function renderPublicList(main, ctx) {
  const box = h('div', { testid: 'pcl-list' }, loading());
  replace(main, pageHead(t('pcl.title')), h('p', { class: 'muted' }, t('pcl.lead')), section(t('pcl.title'), 'pcl-section', box));
  let res;
  try {
    res = await api.json('/v1/public');
  } catch (e) {
    if (ctx.alive()) replace(box, errorBanner(e, 'pcl-error'));
    return;
  }
  if (!ctx.alive()) return;
  const order = { awaiting: 0, failed: 1, none: 2, approved: 3 };
  const list = (res.public || []).slice().sort((a, b) => order[copyState(a)] - order[copyState(b)]);
  const awaiting = list.filter((s) => copyState(s) === 'awaiting').length;
  replace(box,
    awaiting ? infoBanner(t('pcl.awaiting', { n: awaiting }), 'pcl-awaiting', 'warn') : null,
    list.length ? table([t('pc.item'), t('common.type'), t('pc.spec'), t('pc.maker'), t('common.status'), t('pc.approved')],
      list.map((s) => h('tr', { testid: 'pcl-row', 'data-item': s.item, 'data-state': copyState(s) },
        h('td', null, h('a', { href: publicHref(s.item), class: 'hash', testid: 'pcl-link' }, shortSha(s.item))),
        h('td', null, s.media_type === 'application/pdf' ? t('pc.doc') : t(`kind.${kindOf(s.media_type)}`)),
        h('td', null, s.spec ? h('code', { class: 'hash' }, shortSha(s.spec.sha256)) : '—'),
        h('td', null, s.copy ? actorWords(s.copy.maker ?? s.copy.made_by) : '—'),
        h('td', null, badge(t(`pc.status.${copyState(s)}`), STATE_KIND[copyState(s)])),
        h('td', null, s.copy?.approved_by ? t('pc.by', { who: actorWords(s.copy.approved_by), at: dateTime(s.copy.approved_at) }) : '—'))),
      { class: 'compact', testid: 'pcl-table' }) : h('p', { class: 'muted' }, t('pcl.none')));
}
