// web/js/pages/public_spec.js: the redaction spec editor of an item's public copy (issue 23):
// rectangles drawn with the mouse over the paused access copy (or a photo's preview), kept in
// the source's pixels (the picture as decoded: the item's metadata gives its size), each over a
// time range with its mode (blur, black); whole pictures blurred over time ranges; sound muted
// or bleeped. Saved with PUT /v1/items/{sha}/public/spec: the server checks it against the
// media and names the field it refuses, which is worded here in the reader's language.
import { h, replace } from '../dom.js';
import { t, getLang } from '../i18n.js';
import * as api from '../api.js';
import { errorBanner, infoBanner, section } from '../ui.js';

const round3 = (x) => Math.round(x * 1000) / 1000;

/** The source picture's size from the metadata record: {w, h} or null. */
export function sourceSize(meta) {
  const img = meta.image || {};
  if (img.width > 0 && img.height > 0) return { w: img.width, h: img.height };
  const v = (meta.media?.streams || []).find((s) => s.type === 'video' && !s.attached_pic && s.width > 0);
  return v ? { w: v.width, h: v.height } : null;
}

/** A refused spec's field (the server's "regions[0].w: ...") in the reader's words. */
export function specFieldWords(detail) {
  const m = /(regions|blur_frames|audio)\[(\d+)\](?:\.(\w+))?/.exec(String(detail || ''));
  if (!m) return null;
  const what = t(`spec.field.${m[1]}`, { n: Number(m[2]) + 1 });
  const key = m[3] ? t(`spec.key.${m[3]}`) : null;
  let why = t('spec.why.other');
  if (/is outside/.test(detail)) why = t('spec.why.range');
  else if (/past the end/.test(detail)) why = t('spec.why.past');
  else if (/must be 0 <= start < end/.test(detail)) why = t('spec.why.order');
  else if (/are required/.test(detail)) why = t('spec.why.times');
  else if (/no start or end/.test(detail)) why = t('spec.why.photo');
  return { list: m[1], index: Number(m[2]), words: `${what}${key ? ` · ${key}` : ''}${getLang() === 'en' ? ': ' : '：'}${why}` };
}

const num = (value, testid, label) =>
  h('input', { type: 'number', class: 'input input-num', step: '0.001', min: '0', value: String(value ?? ''), testid, 'aria-label': label });

/** Play/pause, a seek slider and the current time under the video (the drawing layer covers
 * the picture, so the player's own controls are not used). */
function transport(v) {
  const play = h('button', { type: 'button', class: 'btn btn-small', testid: 'spec-play' }, t('spec.play'));
  const seek = h('input', { type: 'range', class: 'spec-seek', min: '0', max: '1000', value: '0', step: '1', testid: 'spec-seek', 'aria-label': t('spec.seek') });
  const time = h('span', { class: 'nowrap', testid: 'spec-time' }, '0.000');
  play.addEventListener('click', () => (v.paused ? v.play().catch(() => {}) : v.pause()));
  v.addEventListener('play', () => { play.textContent = t('spec.pause'); });
  v.addEventListener('pause', () => { play.textContent = t('spec.play'); });
  seek.addEventListener('input', () => { if (v.duration) v.currentTime = (Number(seek.value) / 1000) * v.duration; });
  v.addEventListener('timeupdate', () => {
    time.textContent = v.currentTime.toFixed(3);
    if (v.duration && document.activeElement !== seek) seek.value = String(Math.round((v.currentTime / v.duration) * 1000));
  });
  v.addEventListener('seeked', () => { time.textContent = v.currentTime.toFixed(3); });
  return [play, ' ', seek, ' ', time];
}

/** The editor: returns the section. item, meta, kind ('video' | 'photo' | 'audio'), spec (the
 * stored spec or null), onSaved(). */
export function specEditor(item, meta, kind, spec, ctx, onSaved) {
  const src = sourceSize(meta);
  const duration = typeof meta.media?.duration_s === 'number' ? meta.media.duration_s : null;
  const hasAudio = (meta.media?.streams || []).some((s) => s.type === 'audio');
  const timed = kind !== 'photo';
  const state = {
    regions: (spec?.regions || []).map((r) => ({ ...r })),
    blur_frames: (spec?.blur_frames || []).map((r) => ({ ...r })),
    audio: (spec?.audio || []).map((r) => ({ ...r })),
  };
  const msg = h('div', { 'aria-live': 'polite', testid: 'spec-msg' });
  const lists = h('div', { testid: 'spec-lists' });
  let media = null;
  const now = () => round3(media && 'currentTime' in media ? media.currentTime : 0);
  const end = () => round3(duration ?? (media?.duration || 0));

  // The picture with its drawing layer.
  const canvas = h('canvas', { class: 'spec-canvas', testid: 'spec-canvas', 'aria-label': t('spec.draw') });
  const stage = h('div', { class: 'spec-stage', testid: 'spec-stage' });
  const bar = h('div', { class: 'spec-bar' });
  const load = async () => {
    const profile = kind === 'photo' ? 'preview' : 'access';
    if (kind === 'audio') return;
    media = kind === 'photo'
      ? h('img', { class: 'spec-media', alt: t('spec.picture'), testid: 'spec-media' })
      : h('video', { class: 'spec-media', muted: true, preload: 'auto', playsinline: true, testid: 'spec-media' });
    stage.append(media, canvas);
    if (kind === 'video') bar.append(...transport(media));
    media.addEventListener(kind === 'photo' ? 'load' : 'loadedmetadata', paint);
    try {
      media.src = await api.mediaUrl(item.sha256, profile);
    } catch (e) {
      if (ctx.alive()) stage.replaceWith(errorBanner(e, 'spec-media-error'));
    }
  };
  const scale = () => {
    const r = canvas.getBoundingClientRect();
    const nat = src || { w: media?.videoWidth || media?.naturalWidth || r.width, h: media?.videoHeight || media?.naturalHeight || r.height };
    return { sx: nat.w / r.width, sy: nat.h / r.height, nat, r };
  };
  function paint() {
    const r = canvas.getBoundingClientRect();
    if (!r.width) return;
    canvas.width = Math.round(r.width);
    canvas.height = Math.round(r.height);
    const g = canvas.getContext('2d');
    const { sx, sy } = scale();
    g.clearRect(0, 0, canvas.width, canvas.height);
    const at = now();
    state.regions.forEach((x, i) => {
      const live = !timed || x.start === undefined || (at >= x.start && at <= x.end);
      g.strokeStyle = live ? '#ff5252' : '#9aa6b6';
      g.lineWidth = 2;
      g.fillStyle = x.mode === 'black' ? 'rgba(0,0,0,0.6)' : 'rgba(255,82,82,0.25)';
      g.fillRect(x.x / sx, x.y / sy, x.w / sx, x.h / sy);
      g.strokeRect(x.x / sx, x.y / sy, x.w / sx, x.h / sy);
      g.fillStyle = '#fff';
      g.fillText(String(i + 1), x.x / sx + 4, x.y / sy + 12);
    });
  }
  let drag = null;
  const at = (ev) => {
    const r = canvas.getBoundingClientRect();
    return { x: Math.min(Math.max(ev.clientX - r.left, 0), r.width), y: Math.min(Math.max(ev.clientY - r.top, 0), r.height) };
  };
  canvas.addEventListener('mousedown', (ev) => {
    ev.preventDefault();
    if (media && 'pause' in media) media.pause();
    drag = { a: at(ev), b: at(ev) };
  });
  canvas.addEventListener('mousemove', (ev) => {
    if (!drag) return;
    drag.b = at(ev);
    paint();
    const g = canvas.getContext('2d');
    g.strokeStyle = '#ffd54f';
    g.strokeRect(Math.min(drag.a.x, drag.b.x), Math.min(drag.a.y, drag.b.y), Math.abs(drag.b.x - drag.a.x), Math.abs(drag.b.y - drag.a.y));
  });
  const finish = (ev) => {
    if (!drag) return;
    drag.b = at(ev);
    const { sx, sy, nat } = scale();
    const x = Math.round(Math.min(drag.a.x, drag.b.x) * sx);
    const y = Math.round(Math.min(drag.a.y, drag.b.y) * sy);
    const w = Math.min(Math.round(Math.abs(drag.b.x - drag.a.x) * sx), nat.w - x);
    const hh = Math.min(Math.round(Math.abs(drag.b.y - drag.a.y) * sy), nat.h - y);
    drag = null;
    if (w >= 2 && hh >= 2) {
      const r = { x, y, w, h: hh, mode: 'blur' };
      if (timed) Object.assign(r, { start: now(), end: end() });
      state.regions.push(r);
      drawLists();
    }
    paint();
  };
  canvas.addEventListener('mouseup', finish);
  canvas.addEventListener('mouseleave', (ev) => drag && finish(ev));

  const timeCells = (r, prefix) => {
    const s = num(r.start, `${prefix}-start`, t('spec.start'));
    const e = num(r.end, `${prefix}-end`, t('spec.end'));
    s.addEventListener('input', () => { r.start = Number(s.value); paint(); });
    e.addEventListener('input', () => { r.end = Number(e.value); paint(); });
    const here = (input, key, testid, label) => h('button', {
      type: 'button', class: 'btn btn-small', testid,
      on: { click: () => { r[key] = now(); input.value = String(r[key]); paint(); } },
    }, label);
    return [h('td', null, s, ' ', here(s, 'start', `${prefix}-from-here`, t('spec.fromhere'))),
      h('td', null, e, ' ', here(e, 'end', `${prefix}-to-here`, t('spec.tohere')))];
  };
  const modeCell = (r, modes, testid) => {
    const sel = h('select', { class: 'input', testid, 'aria-label': t('spec.mode') },
      modes.map((m) => h('option', { value: m, selected: r.mode === m }, t(`spec.mode.${m}`))));
    sel.addEventListener('change', () => { r.mode = sel.value; paint(); });
    return h('td', null, sel);
  };
  const del = (list, i) => h('td', null, h('button', {
    type: 'button', class: 'btn btn-small', testid: 'spec-delete',
    on: { click: () => { list.splice(i, 1); drawLists(); paint(); } },
  }, t('spec.delete')));
  const grid = (head, rows, testid) => h('table', { class: 'grid compact', testid },
    h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', null, rows));

  function drawLists() {
    const parts = [];
    if (kind !== 'audio') {
      parts.push(h('h3', null, t('spec.regions')));
      parts.push(state.regions.length ? grid(
        ['#', t('spec.rect'), ...(timed ? [t('spec.start'), t('spec.end')] : []), t('spec.mode'), ''],
        state.regions.map((r, i) => h('tr', { testid: 'spec-region', 'data-index': String(i) },
          h('td', { class: 'num' }, i + 1),
          h('td', { class: 'nowrap', testid: 'spec-region-rect' }, `${r.x}, ${r.y} · ${r.w} × ${r.h}`),
          timed ? timeCells(r, 'spec-region') : null,
          modeCell(r, ['blur', 'black'], 'spec-region-mode'), del(state.regions, i))), 'spec-regions')
        : h('p', { class: 'muted' }, t('spec.regions.none')));
    }
    if (kind === 'video') {
      parts.push(h('h3', null, t('spec.frames')),
        state.blur_frames.length ? grid([t('spec.start'), t('spec.end'), ''],
          state.blur_frames.map((r, i) => h('tr', { testid: 'spec-frame' }, timeCells(r, 'spec-frame'), del(state.blur_frames, i))), 'spec-frames') : null,
        h('button', { type: 'button', class: 'btn', testid: 'spec-frame-add',
          on: { click: () => { state.blur_frames.push({ start: now(), end: end() }); drawLists(); } } }, t('spec.frames.add')));
    }
    if (timed && hasAudio) {
      parts.push(h('h3', null, t('spec.audio')),
        state.audio.length ? grid([t('spec.start'), t('spec.end'), t('spec.mode'), ''],
          state.audio.map((r, i) => h('tr', { testid: 'spec-audio' }, timeCells(r, 'spec-audio'),
            modeCell(r, ['mute', 'bleep'], 'spec-audio-mode'), del(state.audio, i))), 'spec-audio-list') : null,
        h('button', { type: 'button', class: 'btn', testid: 'spec-audio-add',
          on: { click: () => { state.audio.push({ start: now(), end: end(), mode: 'mute' }); drawLists(); } } }, t('spec.audio.add')));
    }
    replace(lists, parts);
  }

  const save = h('button', { type: 'button', class: 'btn btn-primary', testid: 'spec-save' }, t('spec.save'));
  save.addEventListener('click', async () => {
    if (!state.regions.length && !state.blur_frames.length && !state.audio.length) {
      replace(msg, infoBanner(t('spec.empty'), 'spec-error', 'error'));
      return;
    }
    save.disabled = true;
    replace(msg);
    const body = {};
    if (state.regions.length) body.regions = state.regions;
    if (state.blur_frames.length) body.blur_frames = state.blur_frames;
    if (state.audio.length) body.audio = state.audio;
    try {
      const res = await api.json(`/v1/items/${api.enc(item.sha256)}/public/spec`, { method: 'PUT', body });
      replace(msg, infoBanner(t('spec.saved', { id: res.id }), 'spec-saved', 'ok'));
      onSaved?.({ text: t('spec.saved', { id: res.id }), testid: 'spec-saved' });
    } catch (e) {
      const f = e.problem?.code === 'bad-spec' ? specFieldWords(e.problem.detail) : null;
      replace(msg, errorBanner(e, 'spec-error'), f ? infoBanner(f.words, 'spec-error-field', 'error') : null);
    } finally {
      save.disabled = false;
    }
  });

  drawLists();
  load();
  const onResize = () => paint();
  window.addEventListener('resize', onResize);
  ctx.onLeave(() => window.removeEventListener('resize', onResize));
  const tick = () => paint();
  stage.addEventListener('timeupdate', tick, true);
  stage.addEventListener('seeked', tick, true);
  return section(t('spec.title'), 'spec-section',
    h('p', { class: 'muted' }, t(kind === 'photo' ? 'spec.lead.photo' : kind === 'audio' ? 'spec.lead.audio' : 'spec.lead.video')),
    src ? h('p', { class: 'muted small', testid: 'spec-source-size' }, t('spec.source', { w: src.w, h: src.h })) : null,
    kind === 'audio' ? null : stage,
    kind === 'video' ? bar : null,
    lists,
    h('div', { class: 'actions' }, save),
    msg);
}
