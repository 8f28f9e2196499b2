// web/js/pages/record_edit.js: a clerk's or an admin's forms under the case record card: the
// record's fields (POST /v1/cases/{case}/record: kind, procedure, cause, the four dates, a party
// with its kind and ID number, an officer to add) and the status (POST
// /v1/cases/{case}/status: only the statuses the server says come next; back to investigating
// needs a reason). The server decides and ledgers; a refusal is shown in Chinese (errorBanner).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { DATE_PATTERN } from '../format.js';
import { errorBanner, infoBanner, field } from '../ui.js';

const KINDS = ['penalty', 'enforcement', 'licensing', 'inspection', 'other'];
const PROCEDURES = ['general', 'summary'];
const PARTY_KINDS = ['person', 'organisation'];
const DATES = ['filed', 'decided', 'served', 'closed'];

/** True when the signed-in user may change a case's record (the server checks again). */
export const mayEdit = () => ['clerk', 'admin'].includes(session.role());

function select(testid, slugs, value, blank) {
  const opts = [...(blank ? [['', t('record.edit.keep')]] : []), ...slugs.map((s) => [s, t(`slug.${s}`)])];
  return h('select', { class: 'input', testid }, opts.map(([v, label]) =>
    h('option', v === value ? { value: v, selected: true } : { value: v }, label)));
}

const input = (testid, value, props = {}) =>
  h('input', { type: 'text', class: 'input', autocomplete: 'off', testid, value: value ?? '', ...props });
const dateInput = (testid, value) => input(testid, value, {
  pattern: DATE_PATTERN, placeholder: 'yyyy-mm-dd', inputmode: 'numeric', size: '10', spellcheck: 'false' });

/* Sends one change; msg says what happened; reload redraws the card on success. */
async function send(path, body, btn, msg, reload, done) {
  btn.disabled = true;
  try {
    await api.json(path, { method: 'POST', body });
    replace(msg, infoBanner(done, 'record-done', 'ok'));
    reload();
  } catch (e) {
    replace(msg, errorBanner(e, 'record-error'));
  } finally {
    btn.disabled = false;
  }
}

function recordForm(kase, r, msg, reload) {
  const kind = select('record-kind-input', KINDS, r.kind, !r.kind);
  const procedure = select('record-procedure-input', PROCEDURES, r.procedure, !r.procedure);
  const cause = input('record-cause-input', r.cause);
  const dates = Object.fromEntries(DATES.map((d) => [d, dateInput(`record-${d}-input`, r[d])]));
  const party = input('record-party-name', '');
  const partyKind = select('record-party-kind', PARTY_KINDS, 'person', false);
  const idNumber = input('record-party-id', '', { spellcheck: 'false' });
  const officer = input('record-officer-input', '', { spellcheck: 'false' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'record-save' }, t('record.edit.save'));
  const form = h('form', { class: 'link-form', novalidate: true, testid: 'record-form' },
    field(t('record.kind'), kind), field(t('record.procedure'), procedure), field(t('record.cause'), cause),
    ...DATES.map((d) => field(t(`record.${d}`), dates[d], t('record.edit.date'))),
    field(t('record.edit.party'), party), field(t('record.edit.partykind'), partyKind),
    field(t('record.idnumber'), idNumber), field(t('record.edit.officer'), officer, t('record.edit.officer.hint')),
    h('div', { class: 'field field-end' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = {};
    if (kind.value && kind.value !== r.kind) body.kind = kind.value;
    if (procedure.value && procedure.value !== r.procedure) body.procedure = procedure.value;
    if (cause.value.trim() !== (r.cause ?? '')) body.cause = cause.value.trim();
    for (const d of DATES) if (dates[d].value.trim() && dates[d].value.trim() !== (r[d] ?? '')) body[d] = dates[d].value.trim();
    if (party.value.trim()) {
      body.party = { name: party.value.trim(), kind: partyKind.value };
      if (idNumber.value.trim()) body.party.id_number = idNumber.value.trim();
    } else if (idNumber.value.trim()) {
      replace(msg, infoBanner(t('record.edit.party.need'), 'record-error', 'error'));
      return;
    }
    if (officer.value.trim()) body.officers = [officer.value.trim()];
    if (!Object.keys(body).length) {
      replace(msg, infoBanner(t('record.edit.nothing'), 'record-error', 'error'));
      return;
    }
    send(`/v1/cases/${api.enc(kase)}/record`, body, btn, msg, reload, t('record.edit.saved'));
  });
  return form;
}

function statusForm(kase, r, msg, reload) {
  const next = r.next || [];
  if (!next.length) return null; // closed: nothing comes next
  const to = select('record-status-input', next, next[0], false);
  const reason = input('record-reason-input', '', { placeholder: t('record.edit.reason') });
  const reopens = () => to.value === 'investigating' && r.status !== 'registered';
  const reasonField = field(t('record.edit.reason'), reason, t('record.edit.reason.hint'));
  const sync = () => { reasonField.hidden = !reopens(); };
  to.addEventListener('change', sync);
  sync();
  const btn = h('button', { type: 'submit', class: 'btn', testid: 'record-status-submit' }, t('record.edit.move'));
  const form = h('form', { class: 'link-form', novalidate: true, testid: 'record-status-form' },
    field(t('record.edit.to'), to), reasonField, h('div', { class: 'field field-end' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (reopens() && !reason.value.trim()) {
      replace(msg, infoBanner(t('record.edit.reason.need'), 'record-error', 'error'));
      return;
    }
    const body = { to: to.value };
    if (reason.value.trim() && reopens()) body.reason = reason.value.trim();
    send(`/v1/cases/${api.enc(kase)}/status`, body, btn, msg, reload,
      t('record.edit.moved', { status: t(`slug.${to.value}`) }));
  });
  return form;
}

/** The two forms for record r of case kase; msg is kept across reloads. */
export function editForms(kase, r, msg, reload) {
  return h('div', { testid: 'record-edit' },
    h('h3', null, t('record.edit.status')), statusForm(kase, r, msg, reload) || h('p', { class: 'muted' }, t('record.edit.final')),
    h('h3', null, t('record.edit.title')), recordForm(kase, r, msg, reload));
}
