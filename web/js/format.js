// web/js/format.js: dates in the user's zone with the recorded offset, sizes, durations, and
// the words for kinds, roles, actions and time sources.
import { t, tMaybe, locale, getLang, colon } from './i18n.js';

const STAMP = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

export const userZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Parses an RFC 3339 / ISO stamp: {date (instant, or null for a wall time), wall parts,
 * offset text ("+08:00", "Z" or null)}; null when unreadable. */
export function parseStamp(s) {
  if (typeof s !== 'string') return null;
  const m = STAMP.exec(s.trim());
  if (!m) return null;
  const [, y, mo, d, hh, mi, ss = '00', frac = '', zone] = m;
  const ms = frac ? Math.round(Number(frac) * 1000) : 0;
  let date = null;
  let offset = null;
  if (zone) {
    offset = zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    const base = Date.UTC(+y, +mo - 1, +d, +hh, +mi, +ss, ms);
    let off = 0;
    if (offset !== 'Z') off = (offset[0] === '-' ? -1 : 1) * (+offset.slice(1, 3) * 60 + +offset.slice(4, 6));
    date = new Date(base - off * 60_000);
  }
  return { date, wall: { y, mo, d, hh, mi, ss }, offset };
}

/** A date as "yyyy-mm-dd HH:mm +08:00" in the user's zone (the offset that zone had then), in
 * every language: evidence times are read and compared. `seconds` adds ":ss" where a page needs
 * them (a ledger entry, an item's capture time); `zone: false` leaves the offset out. */
function fmt(date, { zone = true, seconds = false } = {}) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat('en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
  }).formatToParts(date)) parts[p.type] = p.value;
  const off = (parts.timeZoneName || 'GMT').replace(/^GMT$/, '+00:00').replace(/^GMT/, '');
  const s = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}${seconds ? `:${parts.second}` : ''}`;
  return zone ? `${s} ${off}` : s;
}

/** An instant (RFC 3339 with Z or offset) in the user's zone, "yyyy-mm-dd HH:mm +08:00";
 * `seconds` where the page needs them; a wall time without offset as written. */
export function dateTime(s, { zoneName = true, seconds = false } = {}) {
  const p = parseStamp(s);
  if (!p) return s ? String(s) : '—';
  if (!p.date) return wallText(p, seconds);
  return fmt(p.date, { zone: zoneName, seconds });
}

function wallText(p, seconds = true) {
  const w = p.wall;
  return `${w.y}-${w.mo}-${w.d} ${w.hh}:${w.mi}${seconds ? `:${w.ss}` : ''}`;
}

/** The sort key of a capture time: ms since the epoch (a wall time counted as if UTC). */
export function sortKey(s) {
  const p = parseStamp(s);
  if (!p) return Number.POSITIVE_INFINITY;
  if (p.date) return p.date.getTime();
  const w = p.wall;
  return Date.UTC(+w.y, +w.mo - 1, +w.d, +w.hh, +w.mi, +w.ss);
}

/** A capture time as the user should read it: {main, offset, source, utc}; with only the
 * upload's file time, main says unknown (file time of the upload) and fileTime holds it.
 * rec: captured_at, captured_at_source, captured_at_utc?, offset_known?, offset?. */
export function captured(rec) {
  const s = rec?.captured_at;
  const p = parseStamp(s);
  // Only the upload's file time (the moment of a copy, as often as not): unknown, said so.
  if (!p && (rec?.captured_at_estimate === 'file_time' || rec?.captured_at_source === 'file:mtime')) {
    const main = t('time.filetime');
    return { main, short: main, offset: null, source: sourceWords(rec.captured_at_source), missing: true, fileTime: rec.file_time ?? null };
  }
  if (!p) return { main: t('case.notime'), short: t('case.notime'), offset: null, source: sourceWords(rec?.captured_at_source), missing: true };
  let offset = rec.offset ?? (p.offset && p.offset !== 'Z' ? p.offset : null);
  const known = rec.offset_known ?? Boolean(offset);
  let main;
  let converted = true;
  let short;
  // main, with seconds, for the item's page and a tooltip; short, to the minute, for lists.
  const instant = p.date ?? parseStamp(rec.captured_at_utc)?.date;
  if (instant) {
    main = fmt(instant, { seconds: true });
    short = fmt(instant);
  } else {
    short = wallText(p, false);
    main = `${wallText(p)} ${t('time.wall')}`;
    converted = false;
  }
  const offText = known && offset ? t('time.offset', { offset }) : t('time.offset.unknown');
  return {
    main, short: short ?? main, offset: offText, converted, zone: userZone(),
    source: sourceWords(rec.captured_at_source), utc: rec.captured_at_utc || null,
  };
}

/** A time source ("exif:DateTimeOriginal", maybe with a default-zone note) in words. */
export function sourceWords(src) {
  if (!src) return t('common.unknown');
  const s = String(src);
  const exact = tMaybe(`src.${s}`);
  if (exact) return `${exact} (${s})`;
  for (const key of Object.keys(SOURCES)) if (s.startsWith(key)) return `${t(`src.${key}`)} (${s})`;
  return s;
}
const SOURCES = {
  sidecar: 1,
  'exif:DateTimeOriginal': 1,
  'exif:CreateDate': 1,
  'exif:ModifyDate': 1,
  'exif:GPSDateTime': 1,
  'quicktime:com.apple.quicktime.creationdate': 1,
  'quicktime:creation_time': 1,
  'container:creation_time': 1,
  'file:mtime': 1,
  'name:ingest.name_pattern': 1,
};

/* Dates typed in the UI: text fields in yyyy-mm-dd [HH:mm] whatever the browser's language
 * (an <input type=date> shows mm/dd/yyyy in an en-US Chromium, whatever lang says). */
export const DATE_PATTERN = '\\d{4}-\\d{2}-\\d{2}';
export const DATETIME_PATTERN = '\\d{4}-\\d{2}-\\d{2}([ T]\\d{2}:\\d{2})?';
const TYPED = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?$/;

/** A typed "yyyy-mm-dd" or "yyyy-mm-dd HH:mm" as numbers {y, mo, d, hh, mi} (a day alone: its
 * first minute, or its last when `end`); null when empty, not in that form, or no such day. */
export function typedParts(v, { end = false } = {}) {
  const m = TYPED.exec(String(v ?? '').trim());
  if (!m) return null;
  const day = m[4] === undefined;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  const hh = day ? (end ? 23 : 0) : +m[4];
  const mi = day ? (end ? 59 : 0) : +m[5];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (hh > 23 || mi > 59 || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return null;
  return { y, mo, d, hh, mi };
}

/** "yyyy-mm-dd HH:mm" (or a day alone: its first minute, or its last when `end`) in the user's
 * zone -> RFC 3339 UTC; '' when empty or not in that form. */
export function typedToUtc(v, { end = false } = {}) {
  const m = TYPED.exec(String(v ?? '').trim());
  if (!m) return '';
  const [, y, mo, d, hh = end ? '23' : '00', mi = end ? '59' : '00'] = m;
  const date = new Date(+y, +mo - 1, +d, +hh, +mi, end && m[4] === undefined ? 59 : 0);
  if (Number.isNaN(date.getTime()) || date.getMonth() !== +mo - 1 || date.getDate() !== +d) return '';
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An RFC 3339 instant -> "yyyy-mm-dd HH:mm" in the user's zone ('' when unreadable). */
export function utcToTyped(v) {
  const d = v ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function size(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function duration(sec) {
  if (typeof sec !== 'number' || !Number.isFinite(sec)) return '—';
  const s = Math.round(sec);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** photo | video | audio | other, from a media type. */
export function kindOf(mediaType) {
  const m = String(mediaType || '');
  if (m.startsWith('image/')) return 'photo';
  if (m.startsWith('video/')) return 'video';
  if (m.startsWith('audio/')) return 'audio';
  return 'other';
}

export const roleWords = (r) => tMaybe(`role.${r}`) ?? String(r ?? '—');
export const actionWords = (a) => tMaybe(`action.${a}`) ?? String(a ?? '—');
export const profileWords = (p) => tMaybe(`profile.${p}`) ?? String(p ?? '—');
export const statusWords = (s) => tMaybe(`dstatus.${s}`) ?? String(s ?? '—');
export const stateWords = (s) => tMaybe(`jstate.${s}`) ?? String(s ?? '—');

export const shortSha = (s) => (typeof s === 'string' ? s.slice(0, 12) : '—');

export function coord(v, pos, neg) {
  if (typeof v !== 'number') return '—';
  return `${Math.abs(v).toFixed(6)}° ${v >= 0 ? pos : neg} (${v.toFixed(6)})`;
}

/** A word for data in Chinese only: English readers see the server's own word. */
const zhWord = (key) => (getLang() === 'en' ? undefined : tMaybe(key));

/** A word the server stores as a value (a link's reason "arrival", a via) in words. */
export const valueWords = (v) => zhWord(`dv.${v}`) ?? String(v ?? '');

/** Who did it: the system's own actors (uploads, operator, custody, fixity-scrub) in words. */
export const actorWords = (a) => zhWord(`actor.${a}`) ?? String(a ?? '—');

function detailValue(k, v, d) {
  if (typeof v === 'object') return JSON.stringify(v);
  if (k === 'stage') return tMaybe(`stage.${v}`) ?? String(v);
  if (k === 'profile') return profileWords(v);
  if (k === 'status') return statusWords(v);
  if (k === 'size' && typeof v === 'number') return size(v);
  if (REASON_KEYS.includes(k) && getLang() !== 'en') return reasonWords(v, d[`${k}_code`], d[`${k}_params`]).words;
  if (k === 'captured_at_source') return sourceWords(v);
  if (k === 'captured_at' || k === 'file_time') return dateTime(v);
  if (k === 'role') return tMaybe(`role.${v}`) ?? zhWord(`dv.${v}`) ?? String(v);
  return zhWord(`dv.${v}`) ?? String(v);
}

/** A custody event's detail object as labelled fields [[label, value, key]]: known keys in the
 * reader's language, unknown keys shown by their key. */
export function detailFields(d) {
  if (d === null || d === undefined || typeof d !== 'object') return [];
  return Object.entries(d)
    .filter(([k, v]) => v !== null && v !== undefined && v !== '' && !reasonPart(k, d))
    .map(([k, v]) => [zhWord(`dk.${k}`) ?? k, detailValue(k, v, d), k]);
}

/** A custody event's detail object as short "label: value" text. */
export function detailText(d) {
  if (d === null || d === undefined) return '';
  if (typeof d !== 'object') return String(d);
  return detailFields(d).map(([k, v]) => `${k}${colon()}${v}`).join(' · ');
}

/* Detail keys that hold a stored reason; "<key>_code" and "<key>_params" beside one are its
 * code and params (core/reason.h), words of the reason rather than fields of their own. */
const REASON_KEYS = ['reason', 'failure', 'problem'];
const reasonPart = (k, d) => REASON_KEYS.some((r) => (k === `${r}_code` || k === `${r}_params`) && r in d);

/* A reason's params as shown: a copy's profile in words, a timeout in seconds. */
function shownParams(params) {
  const p = params !== null && typeof params === 'object' ? { ...params } : {};
  if (typeof p.profile === 'string') p.profile = profileWords(p.profile);
  if (typeof p.ms === 'number') p.s = Math.round(p.ms / 100) / 10;
  return p;
}

/* The words of reason code `c`: `rcode.<c>.p` when every {name} in it is among the params,
 * else `rcode.<c>` (a reason coded from its sentence by the v11 migration has none). */
function codeText(c, p) {
  const full = tMaybe(`rcode.${c}.p`);
  if (full !== undefined && [...full.matchAll(/\{(\w+)\}/g)].every(([, k]) => p[k] !== undefined && p[k] !== null))
    return t(`rcode.${c}.p`, p);
  return tMaybe(`rcode.${c}`) ?? t('rcode.unknown');
}

/** A stored reason in the reader's language: {words, tech}. The words come from its code (the
 * server's reason_code, decided where the reason was written) and params, with the cause of
 * a failed step and a folder's problem beside a sidecar's; tech is the server's own sentence
 * (null when the words are that sentence already, as for English readers). */
export function reasonWords(reason, code, params) {
  const s = reason === null || reason === undefined ? '' : String(reason);
  if (getLang() === 'en') return { words: s, tech: null };
  const p = shownParams(params);
  let words = codeText(typeof code === 'string' && code ? code : 'unknown', p);
  if (typeof p.cause === 'string') words += `（${codeText(p.cause, p)}${p.tries > 1 ? t('rcode.tries', p) : ''}）`;
  if (typeof p.also === 'string') words += `；${codeText(p.also, p)}`;
  return { words, tech: s || null };
}

/* The words of a problem's code; a bad field named by the English detail's "field: why". */
function codeWords(code, said) {
  if (!code) return undefined;
  const field = /^([a-z_]+): /.exec(said);
  if (code === 'bad-field' && field) return t('pcode.bad-field.named', { field: zhWord(`dk.${field[1]}`) ?? field[1] });
  return tMaybe(`pcode.${code}`);
}

/** A problem (RFC 9457) in the reader's language: {title, detail, tech}; in zh-CN the detail
 * is detail_zh, else the words of its code, else of its type; the English detail is `tech`. */
export function problemWords(p, fallback = '') {
  const slug = typeof p?.type === 'string' ? p.type.split('/').pop() : '';
  const said = p?.detail || fallback || '';
  const CJK = /[\u4e00-\u9fff]/;
  let title = (slug && tMaybe(`problem.${slug}`)) || p?.title || t('common.error');
  if (getLang() === 'en') return { title, detail: said, tech: null, slug };
  if (!CJK.test(title)) title = t('common.error');
  const detail = (typeof p?.detail_zh === 'string' && p.detail_zh)
    || codeWords(p?.code, said) || (slug && tMaybe(`pdetail.${slug}`))
    || (CJK.test(said) ? said : ''); // the page's own words (a network error)
  return { title, detail, tech: said && said !== detail ? said : null, slug };
}

/* A ledgered refusal's reason (access/rules.c, English in the entry, which never changes) by
 * its sentence: the refusal code, whose Chinese text is the gate's own. */
const DENIALS = [
  [/^no purpose stated/, 'no-purpose'],
  [/^the purpose is not one of grant/, 'purpose-out-of-scope'],
  [/has no live grant|may read none of the/, 'no-grant'],
  [/^clerk .* (brought no item|did not bring item)/, 'not-yours'],
  [/^(auditors read|only clerks|only auditors|only admins)/, 'role'],
  [/^no (case|item) /, 'not-found'],
  [/has no verified .* copy/, 'no-copy'],
  [/is state_secret/, 'state-secret'],
  [/is classified above/, 'clearance'],
  [/^no Custody user named/, 'unknown-user'],
  [/^user .* is disabled/, 'disabled'],
];

/** A ledgered refusal's reason in the reader's language: {words, tech}. */
export function denialWords(reason) {
  const s = String(reason ?? '');
  if (getLang() === 'en') return { words: s, tech: null };
  const hit = DENIALS.find(([re]) => re.test(s));
  const words = hit ? t(`deny.${hit[1]}`) : t('deny.other');
  return { words, tech: s || null };
}
