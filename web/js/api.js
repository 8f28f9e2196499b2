// web/js/api.js: every call to the Custody API: the bearer token (or the session cookie,
// with its CSRF token on every request that changes something) and the stated purpose on
// each request (X-Custody-Purpose, percent-encoded UTF-8), RFC 9457 problems turned into
// errors whose `detail` is shown to the user, and the short-lived media URLs for <img>,
// <video>, <audio> and downloads (the token never goes into a URL).
import * as session from './session.js';
import { t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || t('err.http', { status }));
    this.status = status;
    this.problem = problem || {};
  }
}

let onUnauthorized = () => {};
/** fn() runs when the server says the token is no good (401). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function headers(extra, tok, method) {
  const hd = new Headers(extra || {});
  const token = tok ?? session.token();
  if (token) hd.set('Authorization', `Bearer ${token}`);
  const csrf = session.csrf();
  if (!token && csrf && method !== 'GET' && method !== 'HEAD') hd.set('X-CSRF-Token', csrf);
  const p = session.purpose();
  if (p) hd.set('X-Custody-Purpose', encodeURIComponent(p));
  return hd;
}

async function problemOf(res) {
  const ct = res.headers.get('Content-Type') || '';
  try {
    if (ct.includes('json')) return await res.json();
    const text = (await res.text()).trim();
    return { title: res.statusText, detail: text.slice(0, 300) || undefined };
  } catch {
    return { title: res.statusText };
  }
}

/** The raw Response of a call (throws ApiError when it is not 2xx). opts: method, body
 * (object: sent as JSON), raw (a Blob sent as it is), token (to check one before it is kept), signal. */
export async function call(path, opts = {}) {
  const method = opts.method || 'GET';
  const init = { method, headers: headers(opts.headers, opts.token, method) };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    init.headers.set('Content-Type', 'application/json');
  } else if (opts.raw !== undefined) init.body = opts.raw; // a document: a Blob, as it is
  if (opts.signal) init.signal = opts.signal;
  init.cache = 'no-store';
  init.credentials = 'same-origin'; // the session cookie (SameSite=Strict, HttpOnly)
  init.referrerPolicy = 'no-referrer';
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: t('common.error'), detail: t('err.network', { what: e.message }) });
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && opts.token === undefined) onUnauthorized(problem);
    throw new ApiError(res.status, problem);
  }
  return res;
}

export async function json(path, opts) {
  const res = await call(path, opts);
  return res.json();
}

export async function text(path, opts) {
  const res = await call(path, opts);
  return res.text();
}

/** Builds a query string from an object, leaving out empty values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = (s) => encodeURIComponent(s);

/** Signs in with a password: the service sets the session cookie and answers {name, role,
 * csrf}. Throws ApiError (401 signin-failed: the same for every failure). */
export async function signInPassword(user, password) {
  const who = await json('/v1/session', { method: 'POST', body: { user, password }, token: '' });
  session.signInSession(who);
  return who;
}

/** Ends the session of the cookie, if the tab has one (a token is not a session). */
export async function signOut() {
  if (session.token() || !session.csrf()) return;
  try {
    await call('/v1/session', { method: 'DELETE', token: '' });
  } catch {
    /* ended already (timed out, or the service restarted) */
  }
}

/** Mints media URLs: reqs [{item, profile}] -> Map "item|profile" -> {url, expires_at} or
 * {error}. One POST per 200 requests. */
export async function mediaUrls(reqs) {
  const out = new Map();
  for (let i = 0; i < reqs.length; i += 200) {
    const batch = reqs.slice(i, i + 200);
    const res = await json('/v1/media-urls', { method: 'POST', body: { requests: batch } });
    const list = Array.isArray(res) ? res : res.urls || [];
    list.forEach((u, k) => {
      const item = u.item ?? batch[k]?.item;
      const profile = u.profile ?? batch[k]?.profile;
      if (typeof u.url === 'string' && u.url.startsWith('/') && !u.url.startsWith('//'))
        out.set(`${item}|${profile}`, { url: u.url, expires_at: u.expires_at });
      else out.set(`${item}|${profile}`, { error: u.error || { title: 'no url' } });
    });
  }
  return out;
}

/** One media URL (throws ApiError with the per-request problem when refused). */
export async function mediaUrl(item, profile) {
  const m = await mediaUrls([{ item, profile }]);
  const r = m.get(`${item}|${profile}`);
  if (!r || r.error) throw new ApiError(r?.error?.status || 403, r?.error || {});
  return r.url;
}
