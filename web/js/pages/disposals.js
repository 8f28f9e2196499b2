// web/js/pages/disposals.js: approved disposal (处置) for admins: the items due now with why,
// the batches, and their steps: an admin proposes, another approves (never the proposer), any
// admin cancels within the grace period. The server decides who may, and ledgers each step
// (GET /v1/disposals, POST /v1/disposals, /v1/disposals/{id}/approve|cancel); the page only
// offers what it may.
import { h, replace, table } from '../dom.js';
import { t, tMaybe } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { dateTime, shortSha, size } from '../format.js';
import { errorBanner, infoBanner, loading, pageHead, section, badge } from '../ui.js';

const input = (name, testid, props = {}) => h('input', { type: 'text', name, class: 'input', autocomplete: 'off', testid, ...props });

async function send(msg, path, body, done, reload) {
  try {
    const res = await api.json(path, { method: 'POST', body });
    replace(msg, infoBanner(t(done, { id: res.id }), 'dispose-done', 'ok'));
    reload();
  } catch (e) {
    replace(msg, errorBanner(e, 'dispose-error'));
  }
}

/* The plan: each item due, with a box to choose it; a reason and one button propose. */
function drawPlan(box, msg, plan, reload) {
  if (!plan.length) {
    replace(box, h('p', { class: 'muted', testid: 'plan-empty' }, t('disp.plan.none')));
    return;
  }
  const boxes = plan.map((p) => h('input', { type: 'checkbox', value: p.sha256, 'aria-label': p.sha256, testid: 'plan-pick' }));
  const rows = plan.map((p, i) => h('tr', { testid: 'plan-row', 'data-sha': p.sha256 },
    h('td', null, boxes[i]),
    h('td', { class: 'mono', title: p.sha256 }, shortSha(p.sha256)),
    h('td', { class: 'num' }, size(p.size)),
    h('td', null, p.class),
    h('td', { class: 'nowrap' }, p.keep_until || '—'),
    h('td', null, tMaybe(`disp.why.${p.reason_code}`) ?? p.reason)));
  const why = input('reason', 'propose-reason', { placeholder: t('disp.reason'), 'aria-label': t('disp.reason') });
  const btn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'propose-submit' }, t('disp.propose'));
  btn.addEventListener('click', () => {
    const items = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!items.length || !why.value.trim()) {
      replace(msg, infoBanner(t('disp.propose.need'), 'dispose-error', 'error'));
      return;
    }
    send(msg, '/v1/disposals', { items, reason: why.value.trim() }, 'disp.proposed', reload);
  });
  replace(box,
    table(['', t('disp.item'), t('disp.size'), t('disp.class'), t('disp.keep_until'), t('disp.why')], rows, { class: 'compact', testid: 'plan-table' }),
    h('div', { class: 'inline-form' }, why, ' ', btn));
}

function actions(b, msg, reload) {
  const me = session.user()?.name;
  const open = b.status === 'proposed' || (b.status === 'approved' && b.pending === b.items);
  const out = [];
  if (b.status === 'proposed' && b.proposed_by !== me) {
    const ok = h('button', { type: 'button', class: 'btn btn-primary', testid: 'batch-approve' }, t('disp.approve'));
    ok.addEventListener('click', () => send(msg, `/v1/disposals/${b.id}/approve`, {}, 'disp.approved', reload));
    out.push(ok, ' ');
  }
  if (open) {
    const why = input('reason', 'cancel-reason', { placeholder: t('disp.cancel.reason'), 'aria-label': t('disp.cancel.reason') });
    const no = h('button', { type: 'button', class: 'btn', testid: 'batch-cancel' }, t('disp.cancel'));
    no.addEventListener('click', () => {
      if (!why.value.trim()) {
        replace(msg, infoBanner(t('disp.cancel.need'), 'dispose-error', 'error'));
        return;
      }
      send(msg, `/v1/disposals/${b.id}/cancel`, { reason: why.value.trim() }, 'disp.cancelled', reload);
    });
    out.push(why, ' ', no);
  }
  return h('div', { class: 'inline-form' }, ...out);
}

function drawBatches(box, msg, batches, reload) {
  const rows = batches.map((b) => h('tr', { testid: 'batch-row', 'data-id': String(b.id), 'data-status': b.status },
    h('td', { class: 'num' }, b.id),
    h('td', null, badge(t(`disp.status.${b.status}`), b.status === 'done' ? 'ok' : 'neutral'),
      b.locked ? h('div', { class: 'muted small' }, t('disp.locked', { n: b.locked })) : null),
    h('td', null, b.reason, b.cancel_reason ? h('div', { class: 'muted small' }, b.cancel_reason) : null),
    h('td', null, b.proposed_by, h('div', { class: 'muted small' }, dateTime(b.proposed_at))),
    h('td', null, b.approved_by || '—', b.run_after ? h('div', { class: 'muted small' }, t('disp.runs', { at: dateTime(b.run_after) })) : null),
    h('td', { class: 'num' }, t('disp.counts', { items: b.items, disposed: b.disposed, skipped: b.skipped })),
    h('td', { class: 'actions-cell' }, actions(b, msg, reload))));
  replace(box, batches.length ? table(
    [t('disp.id'), t('disp.status'), t('disp.reason'), t('disp.proposer'), t('disp.approver'), t('disp.items'), ''],
    rows, { class: 'compact', testid: 'batches-table' }) : h('p', { class: 'muted' }, t('common.none')));
}

export function renderDisposals(main, ctx) {
  const plan = h('div', { testid: 'plan-list' }, loading());
  const batches = h('div', { testid: 'batches-list' }, loading());
  const msg = h('div', { 'aria-live': 'polite' });
  const lead = h('p', { class: 'muted' }, t('disp.lead', { days: '…' }));
  const load = async () => {
    try {
      const res = await api.json('/v1/disposals');
      if (!ctx.alive()) return;
      replace(lead, t('disp.lead', { days: res.grace_days }));
      drawPlan(plan, msg, res.plan || [], load);
      drawBatches(batches, msg, res.batches || [], load);
    } catch (e) {
      if (ctx.alive()) replace(plan, errorBanner(e, 'disposals-error'));
    }
  };
  replace(main, pageHead(t('disp.title')), lead, msg,
    section(t('disp.plan'), 'plan-section', plan),
    section(t('disp.batches'), 'batches-section', batches));
  load();
}
