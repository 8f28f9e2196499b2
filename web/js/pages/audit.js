// web/js/pages/audit.js: the ledger for auditors: a filtered table (denials marked), the
// latest signed checkpoint, a full verification run in this browser (every leaf, the Merkle
// root, the Ed25519 signature; no trust in the server), and one entry's detail with its
// inclusion proof checked here against the checkpoint.
import { h, replace, table, dl } from '../dom.js';
import { t, tMaybe, getLang } from '../i18n.js';
import * as api from '../api.js';
import { utcToTyped, typedToUtc, DATETIME_PATTERN, dateTime, roleWords, actionWords, shortSha, size, actorWords, profileWords, denialWords } from '../format.js';
import { errorBanner, loading, pageHead, section, badge, infoBanner, field, hashText, techDetail } from '../ui.js';
import { itemHref, caseHref } from './cases.js';
import * as m from '../merkle.js';

const FILTERS = ['actor', 'role', 'case', 'action', 'kind', 'result', 'item', 'purpose', 'from', 'to'];
const ROLES = ['reviewer', 'clerk', 'auditor', 'admin', 'operator'];
const ACTIONS = ['view', 'list', 'search', 'get.original', 'get.derivative', 'export', 'received', 'stored', 'linked',
  'relinked', 'extracted', 'derived', 'classified', 'verified', 'user.add', 'user.rotate', 'user.disable', 'grant.add', 'grant.revoke'];
const PAGE = 100;


export function renderAudit(main, ctx, r) {
  const q = Object.fromEntries(FILTERS.map((k) => [k, r.query.get(k) || '']));
  const results = h('div', { testid: 'ledger-results' }, loading());
  const cp = h('div', { testid: 'checkpoint' }, loading());
  replace(main,
    pageHead(t('audit.title')),
    h('p', { class: 'lead' }, t('audit.lead')),
    h('div', { class: 'two-col' },
      section(t('cp.title'), 'checkpoint-section', cp),
      section(t('verify.title'), 'verify-section', verifyPanel(ctx))),
    filterForm(q, ctx),
    section(t('audit.title'), 'ledger', results));
  loadPage(q, results, ctx, null, true);
  loadCheckpoint(cp, ctx);
}

/** A time typed as yyyy-mm-dd [HH:mm] in the user's zone, in every language. */
const TYPED_WHEN = { pattern: DATETIME_PATTERN, placeholder: 'yyyy-mm-dd HH:mm', inputmode: 'numeric', size: '16', spellcheck: 'false' };

function filterForm(q, ctx) {
  const input = (k, type = 'text', extra = {}) => h('input', { type, name: k, class: 'input', value: k === 'from' || k === 'to' ? utcToTyped(q[k]) : q[k], testid: `audit-filter-${k}`, ...extra });
  const select = (k, values, words) => h('select', { name: k, class: 'input', testid: `audit-filter-${k}` },
    h('option', { value: '' }, t('common.all')),
    values.map((v) => h('option', { value: v, selected: q[k] === v }, words(v))));
  const form = h('form', { class: 'filters', testid: 'audit-filters', 'aria-label': t('audit.filters'), role: 'search' },
    field(t('audit.f.actor'), input('actor')),
    field(t('audit.f.role'), select('role', ROLES, roleWords)),
    field(t('audit.f.case'), input('case')),
    field(t('audit.f.action'), select('action', ACTIONS, (a) => `${actionWords(a)} (${a})`)),
    field(t('audit.f.kind'), select('kind', ['retrieval', 'custody'], (k) => t(`kindl.${k}`))),
    field(t('audit.f.result'), select('result', ['allowed', 'denied'], (k) => t(`result.${k}`))),
    field(t('audit.f.item'), input('item', 'text', { size: '20', spellcheck: 'false' })),
    field(t('audit.f.purpose'), input('purpose')),
    field(t('audit.f.from'), input('from', 'text', TYPED_WHEN)),
    field(t('audit.f.to'), input('to', 'text', TYPED_WHEN)),
    h('div', { class: 'field field-end' },
      h('button', { type: 'submit', class: 'btn btn-primary', testid: 'audit-apply' }, t('common.apply')),
      h('a', { href: '#/audit', class: 'btn btn-ghost', testid: 'audit-reset' }, t('common.reset'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const p = new URLSearchParams();
    for (const k of FILTERS) {
      let v = String(data.get(k) || '').trim();
      if (k === 'from' || k === 'to') v = typedToUtc(v, { end: k === 'to' });
      if (v) p.set(k, v);
    }
    const s = p.toString();
    ctx.go(s ? `#/audit?${s}` : '#/audit');
  });
  return form;
}

async function loadPage(q, box, ctx, cursor, first) {
  const params = { ...q, order: 'desc', limit: PAGE };
  if (cursor !== null && cursor !== undefined) Object.assign(params, cursor);
  let res;
  try {
    res = await api.json(`/v1/ledger${api.qs(params)}`);
  } catch (e) {
    if (ctx.alive()) replace(box, errorBanner(e, 'ledger-error'));
    return;
  }
  if (!ctx.alive()) return;
  const entries = (res.entries || []).map((e) => (typeof e.entry === 'string' ? safeParse(e.entry, e.seq) : e));
  let tbody;
  if (first) {
    const tbl = table(
      [t('audit.col.seq'), t('audit.col.at'), t('audit.col.actor'), t('audit.col.role'), t('audit.col.action'),
        t('audit.col.case'), t('audit.col.item'), t('audit.col.purpose'), t('audit.col.result'), t('audit.col.detail')],
      [], { testid: 'ledger-table', class: 'ledger' });
    tbody = tbl.tBodies[0];
    replace(box,
      h('p', { class: 'muted', testid: 'ledger-size' }, t('audit.total', { size: res.size ?? '—' })),
      entries.length ? tbl : infoBanner(t('audit.empty'), 'ledger-empty'));
    box._tbody = tbody;
  } else {
    tbody = box._tbody;
    box.querySelector('[data-testid=ledger-more]')?.remove();
  }
  if (!tbody) return;
  for (const e of entries) tbody.append(row(e));
  const last = entries[entries.length - 1];
  const next = nextCursor(res, last);
  if (entries.length >= PAGE && next) {
    const more = h('button', { type: 'button', class: 'btn', testid: 'ledger-more' }, t('audit.older'));
    more.addEventListener('click', () => { more.disabled = true; loadPage(q, box, ctx, next, false); });
    box.append(h('div', { class: 'actions', testid: 'ledger-more' }, more));
  }
}

/** Where the next (older) page starts: newest first, the server's `next` is the `since` of
 * the following page (null when nothing older is left). */
function nextCursor(res, last) {
  if (res.next === null) return null;
  if (typeof res.next_cursor === 'string' && res.next_cursor) return { cursor: res.next_cursor };
  if (typeof res.next === 'number' && res.next >= 0) return { since: res.next };
  if (last && typeof last.seq === 'number' && last.seq > 0) return { since: last.seq - 1 };
  return null;
}

function safeParse(text, seq) {
  try {
    return JSON.parse(text);
  } catch {
    return { seq, unreadable: 'not JSON' };
  }
}

function row(e) {
  const denied = e.result === 'denied';
  const bits = [
    e.profile ? profileWords(e.profile) : null,
    typeof e.bytes === 'number' && e.bytes > 0 ? size(e.bytes) : null,
    e.range ? `${t('ek.range')} ${e.range}` : null,
    e.via ? `${t('ek.via')} ${tMaybe(`dv.${e.via}`) ?? e.via}` : null,
    e.client || null,
    e.grant !== undefined && e.grant !== null ? `${t('ek.grant')} ${e.grant}` : null,
  ].filter(Boolean).join(' · ');
  return h('tr', { class: denied ? 'denied' : null, testid: 'ledger-row', 'data-seq': e.seq, 'data-result': e.result ?? '', 'data-actor': e.actor ?? '', 'data-action': e.action ?? '' },
    h('td', { class: 'num' }, h('a', { href: `#/audit/${e.seq}`, testid: 'ledger-entry-link' }, `#${e.seq}`)),
    h('td', { class: 'nowrap' }, dateTime(e.at)),
    h('td', { testid: 'cell-actor', class: 'nowrap strong' }, actorWords(e.actor)),
    h('td', { class: 'nowrap' }, e.role ? roleWords(e.role) : '—'),
    h('td', { testid: 'cell-action', title: e.action, class: 'nowrap' }, actionWords(e.action), getLang() === 'en' ? [h('br'), h('span', { class: 'muted small' }, e.action ?? '')] : null),
    h('td', { class: 'nowrap' }, e.case ? h('a', { href: caseHref(e.case) }, e.case) : ''),
    h('td', { class: 'nowrap' }, e.item ? h('a', { href: itemHref(e.item), class: 'hash', title: e.item }, shortSha(e.item)) : ''),
    h('td', { testid: 'cell-purpose' }, e.purpose ?? ''),
    h('td', { testid: 'cell-result', class: 'nowrap' }, e.result
      ? badge(denied ? `\u2717 ${t('denied.mark')}` : t(`result.${e.result}`), denied ? 'bad' : 'ok', denied ? 'denied-mark' : null)
      : h('span', { class: 'muted' }, t(`kindl.${e.kind}`) || e.kind || '')),
    h('td', { class: 'detail' }, e.reason ? [h('strong', { class: 'reason' }, denialWords(e.reason).words), techDetail(denialWords(e.reason).tech)] : null, e.reason && bits ? h('br') : null, bits));
}

async function fetchKeyAndCheckpoint() {
  const [key, note] = await Promise.all([api.json('/v1/ledger/key'), api.text('/v1/ledger/checkpoint')]);
  return { key, note, cp: m.parseCheckpoint(note) };
}

async function loadCheckpoint(box, ctx) {
  let got;
  try {
    got = await fetchKeyAndCheckpoint();
  } catch (e) {
    if (!ctx.alive()) return;
    replace(box, e.status === 404 ? infoBanner(t('cp.none'), 'cp-none') : errorBanner(e, 'cp-error'));
    return;
  }
  if (!ctx.alive()) return;
  const { key, note, cp } = got;
  let sig = null;
  if (m.hasCrypto()) {
    try {
      sig = await m.verifyCheckpoint(cp, m.b64decode(key.public_key), key.key_id);
    } catch (e) {
      sig = { ok: false, why: 'verify.noed25519', detail: e.message };
    }
  }
  if (!ctx.alive()) return;
  replace(box,
    dl([
      [t('cp.size'), h('span', null, h('strong', { testid: 'cp-size' }, String(cp.size)), ' ',
        sig ? (sig.ok ? badge(`\u2713 ${t('verify.step.sig')}`, 'ok', 'cp-sig-ok') : badge(`\u2717 ${t(sig.why, sig.vars)}`, 'bad', 'cp-sig-bad')) : null)],
      [t('cp.time'), dateTime(cp.time)],
      [t('cp.keyid'), h('span', null, hashText(key.key_id, 'key-id'), h('br'), h('small', { class: 'hint' }, t('cp.keyid.hint')))],
    ]),
    h('details', null, h('summary', null, t('cp.note')),
      dl([[t('cp.origin'), cp.origin], [t('cp.root'), h('code', { class: 'hash' }, m.hex(cp.root))]]),
      h('pre', { class: 'note', testid: 'cp-note' }, note)));
}

function verifyPanel(ctx) {
  const out = h('div', { testid: 'verify-result', 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'verify-run' }, t('verify.run'));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      await runVerify(out, ctx);
    } finally {
      btn.disabled = false;
    }
  });
  return h('div', null, h('p', { class: 'muted' }, t('verify.lead')), h('div', { class: 'actions' }, btn), out);
}

/** The full check: the key and checkpoint signature, every entry's seq and leaf hash, and
 * the tree head of the checkpoint's first N entries. */
async function runVerify(out, ctx) {
  if (!m.hasCrypto()) {
    replace(out, infoBanner(t('verify.insecure'), 'verify-fail', 'error'));
    return;
  }
  const progress = h('p', { class: 'muted', role: 'status' }, t('common.loading'));
  replace(out, progress);
  const fail = (why, vars) => replace(out, h('div', { class: 'banner banner-error', role: 'alert', testid: 'verify-fail' },
    h('strong', null, t('verify.fail', { why: t(why, vars) }))));
  let got;
  try {
    got = await fetchKeyAndCheckpoint();
  } catch (e) {
    replace(out, errorBanner(e, 'verify-fail'));
    return;
  }
  const { key, cp } = got;
  const pub = m.b64decode(key.public_key);
  let sig;
  try {
    sig = await m.verifyCheckpoint(cp, pub, key.key_id);
  } catch (e) {
    replace(out, infoBanner(`${t('verify.noed25519')} ${e.message}`, 'verify-fail', 'error'));
    return;
  }
  if (!sig.ok) return fail(sig.why, sig.vars);

  const leaves = [];
  let since = 0;
  let total = cp.size;
  for (;;) {
    let res;
    try {
      res = await api.json(`/v1/ledger${api.qs({ since, limit: 1000, raw: 1 })}`);
    } catch (e) {
      replace(out, errorBanner(e, 'verify-fail'));
      return;
    }
    if (!ctx.alive()) return;
    total = Math.max(total, res.size ?? 0);
    const entries = res.entries || [];
    for (const e of entries) {
      const i = leaves.length;
      if (typeof e.entry !== 'string') return fail('why.note', { what: 'raw=1 did not give entry texts' });
      let parsed = null;
      try {
        parsed = JSON.parse(e.entry);
      } catch {
        /* an unreadable entry still hashes; its seq cannot be checked */
      }
      if (e.seq !== i || (parsed && parsed.seq !== i)) return fail('why.seq', { i, seq: parsed?.seq ?? e.seq });
      const leaf = await m.leafHash(e.entry);
      if (e.leaf && !m.equal(leaf, m.b64decode(e.leaf))) return fail('why.leaf', { i });
      leaves.push(leaf);
    }
    progress.textContent = t('verify.busy', { n: leaves.length, size: total });
    if (!entries.length || leaves.length >= (res.size ?? 0)) break;
    since = leaves.length;
  }
  if (leaves.length < cp.size) return fail('why.short', { have: leaves.length, n: cp.size });
  const root = await m.treeHead(leaves.slice(0, cp.size));
  if (!m.equal(root, cp.root)) return fail('why.root', { n: cp.size });
  if (!ctx.alive()) return;
  replace(out, h('div', { class: 'banner banner-ok', role: 'status', testid: 'verify-ok' },
    h('strong', null, `\u2713 ${t('verify.ok', { n: cp.size })}`),
    h('ul', { class: 'plain checks' },
      h('li', null, `\u2713 ${t('verify.step.key')}`),
      h('li', null, `\u2713 ${t('verify.step.sig')}`),
      h('li', null, `\u2713 ${t('verify.step.leaves', { n: leaves.length })}`),
      h('li', null, `\u2713 ${t('verify.step.root')}`),
      leaves.length > cp.size ? h('li', null, t('verify.after', { n: leaves.length - cp.size })) : null),
    h('div', null, `${t('cp.keyid')}: `, h('code', { class: 'hash', testid: 'verify-key-id' }, sig.keyId))));
}

export async function renderEntry(main, ctx, seqText) {
  const seq = Number(seqText);
  const head = pageHead(t('entry.title', { seq: seqText }),
    h('div', { class: 'head-actions' }, h('a', { href: '#/audit', class: 'btn btn-ghost' }, `\u2190 ${t('entry.back')}`)));
  replace(main, head, loading());
  if (!Number.isInteger(seq) || seq < 0) {
    replace(main, head, infoBanner(t('entry.notfound', { seq: seqText }), 'entry-missing', 'error'));
    return;
  }
  let res;
  try {
    res = await api.json(`/v1/ledger${api.qs({ since: seq, limit: 1, raw: 1 })}`);
  } catch (e) {
    if (ctx.alive()) replace(main, head, errorBanner(e));
    return;
  }
  if (!ctx.alive()) return;
  const raw = (res.entries || [])[0];
  if (!raw || raw.seq !== seq) {
    replace(main, head, infoBanner(t('entry.notfound', { seq }), 'entry-missing', 'error'));
    return;
  }
  const textOf = typeof raw.entry === 'string' ? raw.entry : JSON.stringify(raw);
  const e = safeParse(textOf, seq);
  const leafBox = h('div', { testid: 'entry-leaf' });
  const proofBox = h('div', { testid: 'entry-proof' }, loading());
  const denied = e.result === 'denied';
  replace(main, head,
    denied ? h('div', { class: 'banner banner-error', role: 'note', testid: 'entry-denied' },
      h('strong', null, `\u2717 ${t('denied.mark')}`), e.reason ? [h('span', { class: 'banner-detail' }, denialWords(e.reason).words), techDetail(denialWords(e.reason).tech)] : null) : null,
    h('div', { class: 'two-col' },
      section(t('entry.fields'), 'entry-fields', dl(Object.entries(e).map(([k, v]) => [
        h('span', null, tMaybe(`ek.${k}`) ?? k, h('span', { class: 'muted small' }, ` ${k}`)), fieldValue(k, v), `entry-${k}`]))),
      h('div', null,
        section(t('entry.leaf'), 'entry-leaf-section', leafBox),
        section(t('entry.proof'), 'entry-proof-section', proofBox))),
    section(t('entry.raw'), 'entry-raw', h('pre', { class: 'note', testid: 'entry-text' }, textOf)));

  if (!m.hasCrypto()) {
    replace(proofBox, infoBanner(t('verify.insecure'), 'proof-fail', 'error'));
    return;
  }
  const leaf = await m.leafHash(textOf);
  const served = raw.leaf ? m.b64decode(raw.leaf) : null;
  replace(leafBox, h('code', { class: 'hash' }, m.hex(leaf)), h('br'),
    served ? (m.equal(served, leaf) ? badge(`\u2713 ${t('entry.leaf.ok')}`, 'ok', 'leaf-ok') : badge(`\u2717 ${t('entry.leaf.bad')}`, 'bad', 'leaf-bad')) : null);

  try {
    const { key, cp } = await fetchKeyAndCheckpoint();
    if (!ctx.alive()) return;
    if (seq >= cp.size) {
      replace(proofBox, infoBanner(t('entry.proof.pending', { size: cp.size }), 'proof-pending', 'warn'));
      return;
    }
    const sig = await m.verifyCheckpoint(cp, m.b64decode(key.public_key), key.key_id);
    const proof = await api.json(`/v1/ledger/proof${api.qs({ leaf: seq, size: cp.size })}`);
    if (!ctx.alive()) return;
    const path = (proof.path || []).map(m.b64decode);
    const included = sig.ok && (await m.verifyInclusion(seq, cp.size, leaf, path, cp.root));
    replace(proofBox,
      included ? infoBanner(`\u2713 ${t('entry.proof.ok', { size: cp.size })}`, 'proof-ok', 'ok')
        : infoBanner(t('entry.proof.bad', { why: sig.ok ? t('why.inclusion') : t(sig.why, sig.vars) }), 'proof-fail', 'error'),
      dl([[t('cp.size'), String(cp.size)], [t('cp.root'), h('code', { class: 'hash' }, m.hex(cp.root))], [t('cp.keyid'), hashText(sig.keyId)]]),
      h('details', { open: true }, h('summary', null, t('entry.proof.path', { n: path.length })),
        h('ol', { class: 'proof-path' }, path.map((p) => h('li', null, h('code', { class: 'hash' }, m.hex(p)))))));
  } catch (err) {
    if (ctx.alive()) replace(proofBox, err.status === 404 ? infoBanner(t('cp.none'), 'cp-none', 'warn') : errorBanner(err, 'proof-fail'));
  }
}

function fieldValue(k, v) {
  if (v === null || v === undefined) return '—';
  if (k === 'at') return `${v} (${dateTime(v, { seconds: true })})`; // an entry: to the second
  if (k === 'item') return h('a', { href: itemHref(v), class: 'hash' }, String(v));
  if (k === 'object' || k === 'leaf') return h('code', { class: 'hash' }, String(v));
  if (k === 'case') return h('a', { href: caseHref(v) }, String(v));
  if (k === 'result') return badge(v === 'denied' ? `\u2717 ${t('denied.mark')}` : t(`result.${v}`), v === 'denied' ? 'bad' : 'ok');
  if (k === 'role') return `${roleWords(v)} (${v})`;
  if (k === 'action') return `${actionWords(v)} (${v})`;
  if (k === 'actor') return `${actorWords(v)} (${v})`;
  if (k === 'profile') return `${profileWords(v)} (${v})`;
  if (k === 'via') return tMaybe(`dv.${v}`) ?? String(v);
  if (k === 'reason' && typeof v === 'string') return [denialWords(v).words, techDetail(denialWords(v).tech)];
  if (typeof v === 'object') return h('code', { class: 'detail' }, JSON.stringify(v));
  return String(v);
}
