// web/js/pages/record.js: a case's record as a card on the case page (GET
// /v1/cases/{case}/record: kind, procedure, cause, parties, officers, dates, status and its
// history). A party's ID number is shown only when the server sent it (the gate decides).
import { h, replace, table } from '../dom.js';
import { t, tMaybe, listSep } from '../i18n.js';
import * as api from '../api.js';
import { dateTime } from '../format.js';
import { section, loading } from '../ui.js';
import { editForms, mayEdit } from './record_edit.js';

const word = (slug) => (slug ? tMaybe(`slug.${slug}`) ?? slug : t('record.unset'));
const plain = (v) => (v === null || v === undefined || v === '' ? t('record.unset') : String(v));

/** The card, filled once the record arrives; empty (hidden) when it cannot be read. */
export function recordCard(kase, ctx) {
  const body = h('div', null, loading());
  const msg = h('div', { 'aria-live': 'polite' }); // kept across reloads: says what was changed
  const card = section(t('record.title'), 'case-record', msg, body);
  const load = () => api.json(`/v1/cases/${api.enc(kase)}/record`).then((r) => {
    if (!ctx.alive()) return;
    const row = (key, value) => h('tr', null, h('th', { scope: 'row' }, t(key)), h('td', null, value));
    const parties = (r.parties || []).map((p) => h('div', { testid: 'record-party' },
      p.name, ' · ', word(p.kind), ' · ', `${t('record.idnumber')} `,
      p.id_number ? p.id_number : p.id_number_withheld ? t('record.withheld') : t('record.unset')));
    replace(body, h('table', { class: 'grid kv', testid: 'record-table' }, h('tbody', null,
      r.reference ? row('record.reference', h('span', { testid: 'record-reference' }, r.reference)) : null,
      row('record.kind', word(r.kind)),
      row('record.procedure', word(r.procedure)),
      row('record.cause', plain(r.cause)),
      row('record.status', h('span', { testid: 'record-status' }, word(r.status))),
      row('record.next', (r.next || []).map(word).join(listSep()) || '—'),
      row('record.parties', parties.length ? parties : t('record.unset')),
      row('record.officers', (r.officers || []).map((o) => o.user).join(listSep()) || t('record.unset')),
      row('record.filed', plain(r.filed)),
      row('record.decided', plain(r.decided)),
      row('record.served', plain(r.served)),
      row('record.closed', plain(r.closed)))),
    (r.history || []).length ? table(
      [t('record.history'), '', ''],
      r.history.map((s) => h('tr', null, h('td', null, dateTime(s.at)),
        h('td', null, `${word(s.from)} \u2192 ${word(s.to)}`),
        h('td', null, s.reason || ''))), { testid: 'record-history' }) : null,
    mayEdit() ? editForms(kase, r, msg, load) : null);
  }).catch(() => {
    if (ctx.alive()) card.hidden = true; // the case's items say what this reader may see
  });
  load();
  return card;
}
