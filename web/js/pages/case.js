// web/js/pages/case.js: one case: its items on a capture-time timeline, grouped by stage and
// then by party, with thumbnails (minted media URLs, one batch), kind icons and filters
// (kind, time range, device, officer); its printable evidence list (证据清单); and its export
// for legal review as a BagIt download.
import { h, replace, saveBlob } from '../dom.js';
import { t, tMaybe } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { captured, sortKey, parseStamp, size, duration, kindOf, shortSha, typedParts, DATETIME_PATTERN } from '../format.js';
import { errorBanner, loading, pageHead, kindIcon, infoBanner, field, badge } from '../ui.js';
import { itemHref } from './cases.js';
import { recordCard } from './record.js';
import { allPages } from './paged.js';

/** Items asked for at a time: the server's most (GET /v1/cases/{case}/items, limit). */
const ITEMS_PAGE = 1000;

const text = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? [v.make, v.model].filter(Boolean).join(' ') : String(v));

/** Items of a case, every page of them (the server answers a page at a time), with the
 * fields of /v1/search merged in where the list lacks them. */
async function loadItems(kase) {
  const { items: list } = await allPages((cursor) =>
    api.json(`/v1/cases/${api.enc(kase)}/items${api.qs({ limit: ITEMS_PAGE, cursor })}`));
  if (list.length && list.some((it) => !('captured_at' in it))) {
    try {
      const found = new Map();
      const { items: hits } = await allPages((cursor) =>
        api.json(`/v1/search${api.qs({ case: kase, limit: 500, cursor })}`), 5000);
      for (const r of hits) found.set(r.sha256, r);
      for (const it of list) {
        const r = found.get(it.sha256);
        if (!r) continue;
        for (const k of ['captured_at', 'captured_at_source', 'device', 'gps'])
          if (!(k in it) && k in r) it[k] = r[k];
      }
    } catch {
      /* the list alone still shows the items, without their times */
    }
  }
  return list;
}

export async function renderCase(main, ctx, kase) {
  const exportMsg = h('div', { 'aria-live': 'polite' });
  const exportBtn = h('button', { type: 'button', class: 'btn', testid: 'export-case' }, t('case.export'));
  const listBtn = h('button', { type: 'button', class: 'btn btn-ghost', testid: 'evidence-list' }, t('case.evlist'));
  const head = pageHead(t('case.title', { case: kase }),
    h('div', { class: 'head-actions' },
      h('a', { href: '#/cases', class: 'btn btn-ghost' }, `\u2190 ${t('case.back')}`),
      listBtn,
      h('a', { href: `#/cases/${api.enc(kase)}/review`, class: 'btn btn-ghost', testid: 'review-link' }, t('review.link')),
      session.can.media() ? exportBtn : null));
  exportBtn.addEventListener('click', () => doExport(kase, exportBtn, exportMsg));
  listBtn.addEventListener('click', () => openEvidenceList(kase, listBtn, exportMsg));
  replace(main, head, exportMsg, loading());

  let items;
  try {
    items = await loadItems(kase);
  } catch (e) {
    if (ctx.alive()) replace(main, head, errorBanner(e));
    return;
  }
  if (!ctx.alive()) return;
  if (items.length === 0) {
    exportBtn.hidden = true;
    replace(main, head, h('div', { class: 'banner banner-warn', role: 'note', testid: 'case-empty' },
      h('strong', null, t('case.empty')), h('span', { class: 'banner-detail' }, t('case.empty.hint'))));
    return;
  }
  for (const it of items) {
    it._kind = kindOf(it.media_type);
    it._time = sortKey(it.captured_at);
    it._cap = captured(it);
  }
  items.sort((a, b) => a._time - b._time || String(a.original_name).localeCompare(String(b.original_name)));

  const state = { kind: '', from: '', to: '', device: '', officer: '' };
  const timeline = h('div', { class: 'timeline-wrap', testid: 'timeline' });
  const count = h('p', { class: 'muted', testid: 'item-count', 'aria-live': 'polite' });
  const thumbs = new Map(); // sha -> <img>

  const draw = () => {
    const shown = items.filter((it) => keep(it, state));
    count.textContent = t('case.count', { shown: shown.length, total: items.length });
    replace(timeline, groups(shown).map(([stage, parties]) =>
      h('section', { class: 'stage', testid: 'stage-group', 'data-stage': stage ?? '' },
        h('h2', { class: 'stage-title' }, stage === null ? t('case.stage.none') : tMaybe(`stage.${stage}`) ?? stage),
        parties.map(([party, list]) => h('div', { class: 'party', testid: 'party-group', 'data-party': party ?? '' },
          h('h3', { class: 'party-title' }, party ?? t('case.party.none')),
          h('ol', { class: 'timeline' }, list.map((it) => card(it, thumbs))))))));
  };
  replace(main, head, exportMsg, recordCard(kase, ctx), filters(items, state, draw), count, timeline);
  draw();
  if (session.can.media()) loadThumbs(items, thumbs, ctx);
}

/** The stages of a case in the order the agency's rules list them (ingest/sidecar.c). */
const STAGES = ['filing', 'investigation', 'decision', 'service'];

/** [[stage, [[party, items]]]]: the known stages in their order, then others by their first
 * item, no stage last. */
function groups(items) {
  const stages = new Map();
  for (const it of items) {
    const s = it.stage || null;
    const p = it.party || null;
    if (!stages.has(s)) stages.set(s, new Map());
    const parties = stages.get(s);
    if (!parties.has(p)) parties.set(p, []);
    parties.get(p).push(it);
  }
  const out = [...stages.entries()].map(([s, parties]) => [s, [...parties.entries()]]);
  const first = (g) => Math.min(...g[1].flatMap(([, l]) => l.map((it) => it._time)));
  const rank = (s) => (s === null ? STAGES.length + 1 : STAGES.includes(s) ? STAGES.indexOf(s) : STAGES.length);
  out.sort((a, b) => rank(a[0]) - rank(b[0]) || first(a) - first(b));
  return out;
}

function keep(it, st) {
  if (st.kind && it._kind !== st.kind) return false;
  if (st.device && text(it.device) !== st.device) return false;
  if (st.officer && text(it.officer) !== st.officer) return false;
  if (st.from || st.to) {
    if (!Number.isFinite(it._time)) return false;
    // An instant compares with the bound read in the user's zone; a wall time without offset
    // (sorted as if UTC) with the bound as written.
    const p = parseStamp(it.captured_at);
    const at = it._time;
    const bound = (v, end) => {
      const w = typedParts(v, { end });
      if (!w) return end ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
      return p?.date ? new Date(w.y, w.mo - 1, w.d, w.hh, w.mi).getTime() : Date.UTC(w.y, w.mo - 1, w.d, w.hh, w.mi);
    };
    if (st.from && at < bound(st.from, false)) return false;
    if (st.to && at > bound(st.to, true) + 59_999) return false;
  }
  return true;
}

function filters(items, state, draw) {
  const opts = (values) => [...new Set(values.filter(Boolean))].sort();
  const kinds = ['photo', 'video', 'audio', 'other'].filter((k) => items.some((it) => it._kind === k));
  const sel = (name, testid, values, words) => {
    const s = h('select', { name, testid, class: 'input' },
      h('option', { value: '' }, t('common.all')),
      values.map((v) => h('option', { value: v }, words ? words(v) : v)));
    s.addEventListener('change', () => { state[name] = s.value; draw(); });
    return s;
  };
  // Typed as yyyy-mm-dd [HH:mm] in every language (an <input type=datetime-local> shows the
  // browser's own order, mm/dd/yyyy in an en-US Chromium); a day alone is the whole day.
  const date = (name, testid) => {
    const i = h('input', {
      type: 'text', name, testid, class: 'input', pattern: DATETIME_PATTERN, placeholder: 'yyyy-mm-dd HH:mm',
      inputmode: 'numeric', size: '16', spellcheck: 'false', autocomplete: 'off',
    });
    i.addEventListener('change', () => { state[name] = typedParts(i.value) ? i.value.trim() : ''; draw(); });
    return i;
  };
  const devices = opts(items.map((it) => text(it.device)));
  const officers = opts(items.map((it) => text(it.officer)));
  const form = h('form', { class: 'filters', testid: 'case-filters', 'aria-label': t('case.filters') },
    field(t('case.filter.kind'), sel('kind', 'filter-kind', kinds, (k) => `${t(`kind.${k}`)} (${items.filter((it) => it._kind === k).length})`)),
    field(t('case.filter.from'), date('from', 'filter-from')),
    field(t('case.filter.to'), date('to', 'filter-to')),
    field(t('case.filter.device'), sel('device', 'filter-device', devices)),
    field(t('case.filter.officer'), sel('officer', 'filter-officer', officers)),
    h('div', { class: 'field field-end' }, h('button', { type: 'reset', class: 'btn btn-ghost' }, t('common.reset'))));
  form.addEventListener('reset', () => {
    for (const k of Object.keys(state)) state[k] = '';
    setTimeout(draw, 0);
  });
  form.addEventListener('submit', (ev) => ev.preventDefault());
  return form;
}

function card(it, thumbs) {
  const name = it.original_name || shortSha(it.sha256);
  let visual;
  if (it._kind === 'photo' || it._kind === 'video') { // a video's thumbnail: its poster
    visual = thumbs.get(it.sha256);
    if (!visual) {
      visual = h('div', { class: it._kind === 'photo' ? 'thumb thumb-empty' : 'thumb thumb-video' }, kindIcon(it.media_type));
      thumbs.set(it.sha256, visual);
    }
  } else {
    visual = h('div', { class: `thumb thumb-${it._kind}` }, kindIcon(it.media_type));
  }
  const d = it.derivatives && typeof it.derivatives === 'object' && !Array.isArray(it.derivatives) ? it.derivatives : null;
  const failed = d ? Object.entries(d).filter(([, s]) => s === 'failed').map(([p]) => p) : [];
  return h('li', { class: 'tl-item', testid: 'item-card', 'data-sha256': it.sha256, 'data-kind': it._kind },
    h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
    h('a', { href: itemHref(it.sha256), class: 'tl-link', testid: 'item-link', 'aria-label': `${t(`kind.${it._kind}`)} ${name}` },
      visual,
      h('div', { class: 'tl-body' },
        h('div', { class: 'tl-time', testid: 'item-time', title: it._cap.main }, it._cap.short),
        h('div', { class: 'tl-name', testid: 'item-name' }, name),
        h('div', { class: 'tl-meta' },
          h('span', null, t(`kind.${it._kind}`)),
          h('span', null, size(it.size)),
          it.duration_s ? h('span', null, duration(it.duration_s)) : null,
          text(it.device) ? h('span', null, text(it.device)) : null,
          it.officer ? h('span', null, `${t('common.officer')} ${text(it.officer)}`) : null,
          it.place ? h('span', null, text(it.place)) : null,
          it._cap.missing ? null : h('span', { class: 'muted' }, it._cap.offset),
          failed.length ? badge(`${failed.join(', ')}: ${t('dstatus.failed')}`, 'bad') : null,
          retention(it.retention)),
        it.note ? h('div', { class: 'tl-note', testid: 'item-note' }, text(it.note)) : null)));
}

/** An item's retention (GET /v1/cases/{case}/items: class, keep_until, held, due, reason_code):
 * its class and keep-until date, a hold badge, a due badge; the reason's words as its title. */
function retention(r) {
  if (!r || typeof r !== 'object') return null;
  const cls = tMaybe(`ret.class.${r.class}`) ?? String(r.class ?? '');
  const why = tMaybe(`rcode.${r.reason_code}`) ?? r.reason ?? '';
  return [
    h('span', { testid: 'item-retention', title: why },
      `${t('ret.label', { class: cls })} · ${r.keep_until ? t('ret.until', { date: r.keep_until }) : t('ret.never')}`),
    r.held ? badge(t('ret.held'), 'neutral', 'hold-badge') : null,
    r.due ? badge(t('ret.due'), 'bad', 'due-badge') : null,
  ];
}

async function loadThumbs(items, thumbs, ctx) {
  // derivatives: {"<profile>": "ok" | "verified" | "failed"}; without it, ask anyway.
  const usable = (d) => !d || typeof d !== 'object' || Array.isArray(d) || d.thumbnail === 'ok' || d.thumbnail === 'verified';
  // A video's thumbnail is of its poster frame; one made before videos had posters has none
  // (its derivatives say so), and its icon stays.
  const hasThumb = (d) => d && typeof d === 'object' && !Array.isArray(d) && (d.thumbnail === 'ok' || d.thumbnail === 'verified');
  const want = items.filter((it) => (it._kind === 'photo' && usable(it.derivatives)) || (it._kind === 'video' && hasThumb(it.derivatives)));
  if (!want.length) return;
  let urls;
  try {
    urls = await api.mediaUrls(want.map((it) => ({ item: it.sha256, profile: 'thumbnail' })));
  } catch {
    return; // the icons stay; the item page shows the problem
  }
  if (!ctx.alive()) return;
  for (const it of want) {
    const u = urls.get(`${it.sha256}|thumbnail`);
    const box = thumbs.get(it.sha256);
    if (!u || u.error || !box) continue;
    const img = h('img', { class: 'thumb', src: u.url, alt: it.original_name || '', loading: 'lazy', decoding: 'async', testid: 'thumbnail' });
    let retried = false;
    img.addEventListener('error', async () => {
      if (retried || !ctx.alive()) return;
      retried = true;
      try {
        img.src = await api.mediaUrl(it.sha256, 'thumbnail');
      } catch {
        img.replaceWith(h('div', { class: 'thumb thumb-empty' }, kindIcon(it.media_type)));
      }
    });
    box.replaceWith(img);
    thumbs.set(it.sha256, img);
  }
}

function filenameOf(res, fallback) {
  const cd = res.headers.get('Content-Disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      /* fall through */
    }
  }
  const plain = /filename="([^"]+)"/i.exec(cd);
  return plain ? plain[1] : fallback;
}

/** Opens the case's printable evidence list in a new tab: fetched with the token and purpose
 * (a plain link carries neither), shown from a blob URL, its stylesheet named by this origin. */
async function openEvidenceList(kase, btn, msg) {
  const win = window.open('', '_blank'); // now, while the click counts: not a blocked pop-up
  btn.disabled = true;
  try {
    const page = await api.text(`/v1/cases/${api.enc(kase)}/evidence-list?format=html`);
    const html = page.replace('href="/ui/', `href="${location.origin}/ui/`);
    const blob = new Blob([html], { type: 'text/html' });
    if (win) {
      const url = URL.createObjectURL(blob);
      win.location.href = url;
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } else {
      saveBlob(blob, `${kase}-证据清单.html`.replace(/[\\/]/g, '_'));
    }
  } catch (e) {
    if (win) win.close();
    replace(msg, errorBanner(e, 'evidence-list-error'));
  } finally {
    btn.disabled = false;
  }
}

async function doExport(kase, btn, msg) {
  btn.disabled = true;
  replace(msg, infoBanner(t('case.export.busy'), 'export-busy'));
  try {
    const res = await api.call(`/v1/cases/${api.enc(kase)}/exports`, { method: 'POST', body: {} });
    const blob = await res.blob();
    const name = filenameOf(res, `${kase}.tar`).replace(/[\\/]/g, '_');
    saveBlob(blob, name);
    replace(msg, infoBanner(t('case.export.done', { name, size: size(blob.size) }), 'export-done', 'ok'));
  } catch (e) {
    replace(msg, errorBanner(e, 'export-error'));
  } finally {
    btn.disabled = false;
  }
}
