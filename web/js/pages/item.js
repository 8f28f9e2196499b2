// web/js/pages/item.js: one item: its preview or access copy playing in place (a minted,
// short-lived media URL: every fetch, Range requests included, is a ledgered retrieval), the
// metadata with its time provenance and GPS, the copies and their verification, sources,
// links and the custody history; the original's download; relinking for clerks.
import { h, replace, dl, table } from '../dom.js';
import { t, tMaybe, listSep, colon } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import {
  captured, dateTime, size, duration, kindOf, coord, sourceWords, profileWords, statusWords,
  actionWords, detailText, shortSha, actorWords, reasonWords, valueWords,
} from '../format.js';
import { errorBanner, loading, pageHead, section, kindIcon, badge, hashText, infoBanner, field, techDetail } from '../ui.js';
import { caseHref, itemHref } from './cases.js';
import { registryBanners, registrySection } from './registries.js';
import { publicHref } from './public_copy.js';

export async function renderItem(main, ctx, sha) {
  replace(main, pageHead(t('item.title')), loading());
  let item;
  try {
    item = await api.json(`/v1/items/${api.enc(sha)}`);
  } catch (e) {
    if (ctx.alive()) replace(main, pageHead(t('item.title')), errorBanner(e));
    return;
  }
  if (!ctx.alive()) return;
  const meta = item.metadata && typeof item.metadata === 'object' ? item.metadata : {};
  const derivs = Array.isArray(item.derivatives) ? item.derivatives : [];
  const kind = kindOf(item.media_type);
  const name = item.sources?.[0]?.original_name || shortSha(item.sha256);
  const cases = Array.isArray(item.cases) ? item.cases : [];

  const head = pageHead(name,
    h('div', { class: 'head-actions' },
      cases[0] ? h('a', { href: caseHref(cases[0]), class: 'btn btn-ghost', testid: 'back-to-case' }, `\u2190 ${cases[0]}`) : null,
      h('a', { href: publicHref(item.sha256), class: 'btn btn-ghost', testid: 'item-public' }, t('pc.open')),
      session.can.ledger() ? h('a', { href: `#/audit?item=${encodeURIComponent(item.sha256)}`, class: 'btn btn-primary', testid: 'item-ledger' }, t('item.ledger')) : null));
  head.querySelector('h1').prepend(kindIcon(item.media_type), ' ');

  replace(main, head,
    damageBanners(item, meta),
    registryBanners(item),
    h('div', { class: 'item-layout' },
      h('div', { class: 'item-media' }, mediaPanel(item, kind, derivs, ctx)),
      h('div', { class: 'item-facts' }, recordSection(item, meta, cases), registrySection(item))),
    candidatesSection(meta),
    derivativesSection(derivs, item.archival_decision),
    eventsSection(item.events),
    sourcesSection(item),
    session.can.link() ? linkSection(item, ctx) : null,
    rawSection(meta));
}

/** The player or image, and the download of the original. */
function mediaPanel(item, kind, derivs, ctx) {
  const box = h('div', { class: 'media-box', testid: 'media-box' });
  if (!session.can.media()) {
    box.append(infoBanner(t('item.noaccess'), 'no-media'));
    return section(t('item.media'), 'media', box);
  }
  const status = (p) => derivs.find((d) => d.profile === p)?.status;
  const failed = (p) => derivs.find((d) => d.profile === p && d.reason);
  let profile = null;
  let el = null;
  if (kind === 'photo') {
    profile = status('preview') === 'verified' ? 'preview' : status('thumbnail') === 'verified' ? 'thumbnail'
      : /^image\/(jpeg|png|gif|webp)$/.test(item.media_type) ? 'original' : null;
    if (profile) el = h('img', { class: 'preview', alt: item.sources?.[0]?.original_name || item.sha256, testid: 'preview' });
  } else if (kind === 'video' || kind === 'audio') {
    profile = status('access') === 'verified' ? 'access' : null;
    if (profile)
      el = h(kind, { controls: true, preload: 'metadata', playsinline: true, class: `player player-${kind}`, testid: 'player', 'aria-label': t(`kind.${kind}`) });
  }
  if (el) {
    box.append(el, h('p', { class: 'muted small' }, profileWords(profile)));
    let lastMint = 0;
    const load = async () => {
      lastMint = Date.now();
      try {
        const url = await api.mediaUrl(item.sha256, profile);
        if (ctx.alive()) el.src = url;
      } catch (e) {
        if (ctx.alive()) el.replaceWith(errorBanner(e, 'media-error'));
      }
    };
    // A URL expires (media_url_ttl_s): a player paused longer than that fails its next Range
    // request. Mint a new one and go on from where it was; twice in a row is a real error.
    el.addEventListener('error', () => {
      if (!ctx.alive() || !el.getAttribute('src')) return;
      if (Date.now() - lastMint > 5000) {
        const at = el.currentTime || 0;
        const wasPlaying = 'paused' in el && !el.paused;
        load().then(() => {
          if (at && 'currentTime' in el) el.currentTime = at;
          if (wasPlaying) el.play().catch(() => {});
        });
      } else {
        el.replaceWith(errorBanner({ problem: { title: t('common.error'), detail: el.error?.message || '' } }, 'media-error'));
      }
    });
    load();
  } else {
    const d = failed('access') || failed('preview');
    const r = d ? reasonWords(d.reason, d.reason_code, d.reason_params).words : t('common.unknown');
    box.append(infoBanner(t('item.nocopy', { reason: r }), 'no-copy', 'warn'));
  }

  const out = h('div', { class: 'download-result', 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'download-original' }, `\u2913 ${t('item.download')}`);
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    replace(out, infoBanner(t('item.download.busy'), 'download-busy'));
    try {
      const url = await api.mediaUrl(item.sha256, 'original');
      const a = h('a', { href: url, download: item.sources?.[0]?.original_name || item.sha256, class: 'hidden-link' });
      document.body.append(a);
      a.click();
      a.remove();
      replace(out, h('div', { class: 'banner banner-ok', role: 'status', testid: 'download-done' },
        h('span', null, t('item.download.done')), ' ',
        h('code', { class: 'hash', testid: 'download-sha256' }, item.sha256),
        h('small', { class: 'banner-detail' }, t('item.download.check'))));
    } catch (e) {
      replace(out, errorBanner(e, 'download-error'));
    } finally {
      btn.disabled = false;
    }
  });
  return section(t('item.media'), 'media', box, h('div', { class: 'actions' }, btn, h('span', { class: 'muted' }, size(item.size))), out);
}

function recordSection(item, meta, cases) {
  const cap = captured(meta.captured_at ? meta : item);
  const gps = meta.gps && typeof meta.gps.lat === 'number' ? meta.gps : null;
  const dev = meta.device || {};
  const img = meta.image || {};
  const media = meta.media || {};
  const streams = Array.isArray(media.streams) ? media.streams : [];
  const rows = [
    [t('common.sha256'), hashText(item.sha256, 'item-sha256')],
    [t('common.type'), item.media_type],
    [t('common.size'), `${size(item.size)} (${item.size} B)`],
    [t('item.cases'), cases.length ? h('span', null, cases.map((c, i) => [i ? listSep() : '', h('a', { href: caseHref(c) }, c)])) : t('common.none')],
    [t('item.captured'), h('span', null,
      h('span', { testid: 'captured-at' }, cap.main), cap.fileTime ? h('span', { class: 'muted' }, ` ${dateTime(cap.fileTime)}`) : null, h('br'),
      h('span', { class: 'muted', testid: 'captured-offset' }, cap.offset,
        cap.converted && !cap.missing ? ` · ${t('time.inzone', { zone: cap.zone })}` : ''))],
    meta.captured_at_utc ? [t('item.captured.utc'), meta.captured_at_utc] : null,
    [t('item.provenance'), h('span', { testid: 'captured-source' }, cap.source)],
    dev.make !== undefined && dev.make !== null ? [t('item.make'), dev.make, 'device-make'] : null,
    dev.model !== undefined && dev.model !== null ? [t('item.model'), dev.model, 'device-model'] : null,
    dev.software ? [t('item.software'), dev.software] : null,
    gps ? [t('item.gps'), h('span', { testid: 'gps' },
      `${t('item.gps.lat')} ${coord(gps.lat, 'N', 'S')}`, h('br'),
      `${t('item.gps.lon')} ${coord(gps.lon, 'E', 'W')}`,
      typeof gps.alt === 'number' || typeof gps.altitude === 'number' ? [h('br'), `${t('item.gps.alt')} ${(gps.alt ?? gps.altitude).toFixed(1)} m`] : null,
      h('br'), h('span', { class: 'muted' }, `${t('item.gps.source')}: ${sourceWords(gps.source)}`),
      gps.suspect || (gps.lat === 0 && gps.lon === 0) ? h('span', { class: 'warn-text' }, ` ${t('item.gps.suspect')}`) : null)] : null,
    img.width ? [t('item.dimensions'), `${img.width} × ${img.height}${img.orientation && img.orientation !== 1 ? ` (orientation ${img.orientation})` : ''}`] : null,
    typeof media.duration_s === 'number' ? [t('item.duration'), duration(media.duration_s)] : null,
    media.container ? [t('item.container'), media.container] : null,
    streams.length ? [t('item.streams'), h('ul', { class: 'plain' }, streams.map((s) => h('li', null,
      [s.type, s.codec, s.width ? `${s.width}×${s.height}` : null, s.frame_rate ? `${s.frame_rate} fps` : null,
        s.sample_rate ? `${s.sample_rate} Hz` : null, s.channels ? `${s.channels} ch` : null,
        s.rotation ? `${s.rotation}°` : null].filter(Boolean).join(' · '))))] : null,
    Array.isArray(meta.errors) && meta.errors.length ? [t('item.errors'), h('ul', { class: 'plain' }, meta.errors.map((e) => h('li', null, typeof e === 'string' ? e : detailText(e))))] : null,
  ];
  // What the upload's folders and sidecar said: in the latest `received` event's detail.
  const received = (Array.isArray(item.events) ? item.events : []).filter((e) => e.kind === 'received' && e.detail && typeof e.detail === 'object');
  const said = received.length ? received[received.length - 1].detail : {};
  const words = { stage: 'common.stage', officer: 'common.officer', place: 'item.place', note: 'item.note', classification: 'item.classification' };
  for (const [k, label] of Object.entries(words)) {
    const v = said[k] ?? meta[k];
    if (v === null || v === undefined || v === '') continue;
    const shown = k === 'stage' ? tMaybe(`stage.${v}`) ?? String(v) : typeof v === 'object' ? detailText(v) : String(v);
    rows.push([t(label), shown, `item-${k}`]);
  }
  return section(t('item.record'), 'record', dl(rows));
}

function candidatesSection(meta) {
  const c = Array.isArray(meta.time_candidates) ? meta.time_candidates : [];
  if (!c.length) return null;
  return section(t('item.candidates'), 'candidates', table(
    [t('item.cand.source'), t('item.cand.value'), t('item.cand.offset')],
    c.map((x) => h('tr', { class: x.source === meta.captured_at_source ? 'chosen' : null },
      h('td', null, sourceWords(x.source), x.source === meta.captured_at_source ? [' ', badge('\u2713', 'ok')] : null),
      h('td', null, x.utc ? `${x.utc} → ${dateTime(x.utc, { seconds: true })}` : x.local ?? x.value ?? '—'),
      h('td', null, x.offset ?? (x.utc ? 'UTC' : t('time.offset.unknown'))))),
  ));
}

/** The format policy's decision on the item (indexer/policy.h), or nothing. */
function archivalLine(d) {
  if (!d || typeof d !== 'object') return null;
  const what = d.action === 'normalise' ? t('item.archival.normalise', { target: d.target ?? '' })
    : t(`item.archival.${d.action === 'keep' ? 'keep' : 'review'}`);
  const ok = d.outcome === 'kept' || d.outcome === 'verified';
  return h('p', { testid: 'archival-decision', 'data-row': d.policy_row ?? '' },
    t('item.archival'), colon(), what, ' · ',
    t('item.archival.by', { row: d.policy_row ?? '—', version: d.policy_version ?? '—' }), ' ',
    badge(t(`item.archival.outcome.${d.outcome}`), ok ? 'ok' : d.outcome === 'failed' ? 'bad' : 'neutral'),
    d.reason ? [' ', techDetail(d.reason)] : null);
}

function derivativesSection(derivs, decision) {
  if (!derivs.length) return section(t('item.derivatives'), 'derivatives', archivalLine(decision), h('p', { class: 'muted' }, t('item.deriv.none')));
  return section(t('item.derivatives'), 'derivatives', archivalLine(decision), table(
    [t('item.deriv.profile'), t('common.status'), t('common.type'), t('common.size'), t('item.dimensions'), t('item.duration'), t('common.sha256'), t('common.reason')],
    derivs.map((d) => h('tr', { testid: 'derivative-row', 'data-profile': d.profile },
      h('td', null, profileWords(d.profile)),
      h('td', null, badge(statusWords(d.status), d.status === 'verified' ? 'ok' : d.status === 'failed' ? 'bad' : 'neutral')),
      h('td', null, d.media_type || '—'),
      h('td', { class: 'num' }, size(d.size)),
      h('td', null, d.width ? `${d.width}×${d.height}` : '—'),
      h('td', null, typeof d.duration_s === 'number' ? duration(d.duration_s) : '—'),
      h('td', null, d.sha256 ? h('code', { class: 'hash', title: d.sha256 }, shortSha(d.sha256)) : '—'),
      h('td', null, d.reason ? reasonCell(d.reason, d.reason_code, d.reason_params) : ''))),
    { class: 'compact' }));
}

/** A stored reason: the words of its code and params, the server's sentence folded away. */
export function reasonCell(reason, code, params) {
  const r = reasonWords(reason, code, params);
  return [h('span', { testid: 'reason-words', 'data-code': code ?? '' }, r.words), techDetail(r.tech)];
}

/** A damaged item's reason: the words of its code, the server's sentence as the detail. */
export function damageWords(d) {
  const words = tMaybe(`damage.${d.code}`);
  if (!words) return reasonCell(d.reason ?? '', d.code);
  return [words, h('div', { class: 'muted small', testid: 'damage-detail' }, techDetail(d.reason ?? ''))];
}

/** Damage (media/damage.h) and a copy that stalled (ingest/prefix.h), above everything else. */
function damageBanners(item, meta) {
  const out = [];
  const d = meta.damaged;
  if (d && typeof d === 'object')
    out.push(infoBanner([`${t('item.damaged')}${colon()}`, damageWords(d), ' ', t('damage.kept')], 'item-damaged', 'warn'));
  for (const e of Array.isArray(item.events) ? item.events : []) {
    const other = e.kind === 'stalled_copy' && e.detail && typeof e.detail === 'object' ? e.detail.other : null;
    if (typeof other === 'string')
      out.push(infoBanner([t(e.detail.role === 'fragment' ? 'stalled.fragment' : 'stalled.whole'),
        h('a', { href: itemHref(other), class: 'hash', testid: 'stalled-other' }, shortSha(other))], 'item-stalled', 'warn'));
  }
  return out;
}

function eventsSection(events) {
  const list = Array.isArray(events) ? events : [];
  return section(t('item.events'), 'events', table(
    [t('item.event.at'), t('item.event.kind'), t('item.event.actor'), t('item.event.detail')],
    list.map((e) => h('tr', { testid: 'event-row' },
      h('td', { class: 'nowrap' }, dateTime(e.at)),
      h('td', null, actionWords(e.kind)),
      h('td', null, actorWords(e.actor)),
      h('td', { class: 'detail' }, detailText(e.detail)))),
    { class: 'compact' }));
}

function sourcesSection(item) {
  const sources = Array.isArray(item.sources) ? item.sources : [];
  const links = Array.isArray(item.links) ? item.links : [];
  return section(t('item.sources'), 'sources',
    table([t('common.name'), t('common.case'), t('item.source.by'), t('item.source.at'), t('item.source.path'), t('item.source.claims')],
      sources.map((s) => h('tr', { testid: 'source-row' },
        h('td', null, s.original_name ?? '—'), h('td', null, s.case ?? '—'), h('td', null, actorWords(s.received_by)),
        h('td', { class: 'nowrap' }, dateTime(s.received_at)), h('td', { class: 'detail' }, s.source_path ?? '—'),
        h('td', { class: 'detail', testid: 'source-claims' }, [s.source_mtime ? t('item.claim.mtime', { t: dateTime(s.source_mtime) }) : null,
          s.recorded_at ? t('item.claim.recorded', { t: s.recorded_at }) : null].filter(Boolean).join('; ') || '—'))),
      { class: 'compact' }),
    h('h3', null, t('item.links')),
    table([t('common.case'), t('common.name'), t('common.party'), t('item.link.by'), t('common.time'), t('common.reason'), t('common.status')],
      links.map((l) => h('tr', { class: l.active ? null : 'superseded', testid: 'link-row' },
        h('td', null, h('a', { href: caseHref(l.case) }, l.case)), h('td', null, l.original_name ?? '—'), h('td', null, l.party ?? '—'),
        h('td', null, actorWords(l.linked_by)), h('td', { class: 'nowrap' }, dateTime(l.linked_at)),
        h('td', null, valueWords(l.reason)),
        h('td', null, l.active ? badge(t('item.link.active'), 'ok') : badge(`${t('item.link.superseded')} ${dateTime(l.superseded_at)}`, 'neutral')))),
      { class: 'compact' }));
}

function rawSection(meta) {
  const raw = meta.raw && typeof meta.raw === 'object' ? meta.raw : null;
  if (!raw) return null;
  const rows = [];
  for (const [group, tags] of Object.entries(raw)) {
    if (tags && typeof tags === 'object')
      for (const [k, v] of Object.entries(tags)) rows.push([group, k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
    else rows.push(['', group, String(tags)]);
  }
  if (!rows.length) return null;
  return h('details', { class: 'card raw', testid: 'raw-tags' },
    h('summary', null, t('item.raw', { n: rows.length })),
    table(['', 'tag', 'value'], rows.map(([g, k, v]) => h('tr', null, h('td', { class: 'muted' }, g), h('td', null, k), h('td', { class: 'detail' }, v))), { class: 'compact' }));
}

/** Clerks and admins: link the item to a case, with a reason. */
export function linkForm(sha, onDone) {
  const kase = h('input', { type: 'text', name: 'case', class: 'input', required: true, autocomplete: 'off', testid: 'link-case' });
  const party = h('input', { type: 'text', name: 'party', class: 'input', autocomplete: 'off', testid: 'link-party' });
  const why = h('input', { type: 'text', name: 'reason', class: 'input', required: true, autocomplete: 'off', testid: 'link-reason' });
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'link-submit' }, t('clerk.link.submit'));
  const form = h('form', { class: 'link-form', novalidate: true },
    field(t('clerk.link.case'), kase), field(t('clerk.link.party'), party), field(t('clerk.link.reason'), why),
    h('div', { class: 'field field-end' }, btn), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!kase.value.trim() || !why.value.trim()) {
      replace(msg, infoBanner(t('clerk.link.need'), 'link-error', 'error'));
      return;
    }
    btn.disabled = true;
    const body = { case: kase.value.trim(), reason: why.value.trim() };
    if (party.value.trim()) body.party = party.value.trim();
    try {
      const res = await api.json(`/v1/items/${api.enc(sha)}/links`, { method: 'POST', body });
      replace(msg, infoBanner(t('clerk.link.done', { item: shortSha(sha), case: res.case || body.case }), 'link-done', 'ok'));
      onDone?.(res);
    } catch (e) {
      replace(msg, errorBanner(e, 'link-error'));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

function linkSection(item, ctx) {
  return section(t('clerk.link'), 'relink', linkForm(item.sha256, () => { if (ctx.alive()) setTimeout(() => ctx.alive() && ctx.rerender(), 800); }));
}
