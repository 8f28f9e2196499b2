// web/js/session.js: what the tab remembers: the API token (or, signed in with a password,
// the session's CSRF token: the session itself is an HttpOnly cookie the page never sees) and
// the stated purpose, in sessionStorage only (never a URL, never localStorage), and the user's
// record from /v1/me.

const KEY_TOKEN = 'custody.token';
const KEY_PURPOSE = 'custody.purpose';
const KEY_CSRF = 'custody.csrf';
let me = null;

function get(k) {
  try {
    return sessionStorage.getItem(k);
  } catch {
    return null;
  }
}
function set(k, v) {
  try {
    if (v === null) sessionStorage.removeItem(k);
    else sessionStorage.setItem(k, v);
  } catch {
    /* private mode without storage: the session ends with the page */
  }
}

export const token = () => get(KEY_TOKEN);
export const purpose = () => get(KEY_PURPOSE) || '';
export const csrf = () => get(KEY_CSRF);
/** Signed in: by a token, or by a password (a session cookie and its CSRF token). */
export const signedIn = () => Boolean(token() || csrf());
export const user = () => me;

export function signIn(tok, who) {
  set(KEY_TOKEN, tok);
  me = who;
}
/** Signed in with a password: `who` is POST /v1/session's answer (name, role, csrf). */
export function signInSession(who) {
  set(KEY_TOKEN, null);
  set(KEY_CSRF, who.csrf);
  me = null; // /v1/me has the grants
}
export function setUser(who) {
  me = who;
  if (who?.csrf) set(KEY_CSRF, who.csrf);
}
export function setPurpose(p) {
  set(KEY_PURPOSE, p);
}

export function signOut() {
  me = null;
  try {
    sessionStorage.clear();
  } catch {
    set(KEY_TOKEN, null);
    set(KEY_CSRF, null);
    set(KEY_PURPOSE, null);
  }
}

export const role = () => me?.role || '';
export const can = {
  media: () => ['reviewer', 'admin', 'clerk'].includes(role()),
  ledger: () => ['auditor', 'admin'].includes(role()),
  clerk: () => ['clerk', 'admin', 'auditor'].includes(role()),
  link: () => ['clerk', 'admin'].includes(role()),
  cases: () => true,
};

/** The page a role starts on. */
export function home() {
  switch (role()) {
    case 'clerk':
      return '#/clerk';
    case 'auditor':
      return '#/audit';
    default:
      return '#/cases';
  }
}
