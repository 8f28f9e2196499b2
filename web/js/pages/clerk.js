// web/js/pages/clerk.js: the ingest queue, live (jobs per state, polled every 2 s while the
// page is in front), files rejected or flagged with their reasons, and the items in no case
// with a link-to-case action (a reason is required).
import { h, replace, table } from '../dom.js';
import { t, tMaybe } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { dateTime, size, stateWords, shortSha, profileWords } from '../format.js';
import { errorBanner, loading, pageHead, section, kindIcon, infoBanner, badge } from '../ui.js';
import { itemHref } from './cases.js';
import { linkForm, damageWords, reasonCell } from './item.js';

const STATES = ['discovered', 'claimed', 'stored', 'extracted', 'transcoded', 'indexed', 'done', 'rejected', 'failed'];

export function renderClerk(main, ctx) {
  const live = h('span', { class: 'live', testid: 'queue-live' }, t('clerk.live'));
  const counts = h('div', { class: 'counts', testid: 'queue-counts' }, loading());
  const jobs = h('div', { testid: 'queue-jobs' });
  const rejected = h('div', { testid: 'queue-rejected' });
  const flagged = h('div', { testid: 'queue-flagged' });
  const queueErr = h('div', { 'aria-live': 'polite' });
  const unassigned = h('div', { testid: 'unassigned' }, loading());
  const refresh = h('button', { type: 'button', class: 'btn btn-ghost' }, t('common.refresh'));

  replace(main, pageHead(t('clerk.title'), live),
    queueErr,
    section(t('clerk.counts'), 'counts', counts),
    h('div', { class: 'two-col' },
      section(t('clerk.rejected'), 'rejected', rejected),
      section(t('clerk.flagged'), 'flagged', flagged)),
    section(t('clerk.jobs'), 'jobs', jobs),
    section(t('clerk.unassigned'), 'unassigned-section', h('div', { class: 'actions' }, refresh), unassigned));

  let timer = null;
  let busy = false;
  const poll = async () => {
    if (busy || !ctx.alive()) return;
    if (document.hidden) {
      live.textContent = t('clerk.paused');
      return;
    }
    busy = true;
    try {
      const q = await api.json(`/v1/jobs${api.qs({ limit: 50 })}`);
      if (!ctx.alive()) return;
      live.textContent = `${t('clerk.live')} · ${dateTime(new Date().toISOString(), { seconds: true })}`; // each refresh seen
      replace(queueErr);
      drawQueue(q, counts, jobs, rejected, flagged);
    } catch (e) {
      if (ctx.alive()) replace(queueErr, errorBanner(e, 'queue-error'));
    } finally {
      busy = false;
    }
  };
  const loadUnassigned = async () => {
    try {
      const list = await api.json(`/v1/unassigned${api.qs({ limit: 200 })}`);
      if (!ctx.alive()) return;
      drawUnassigned(Array.isArray(list) ? list : list.items || [], unassigned, loadUnassigned);
    } catch (e) {
      if (ctx.alive()) replace(unassigned, errorBanner(e, 'unassigned-error'));
    }
  };
  refresh.addEventListener('click', () => { poll(); loadUnassigned(); });
  poll();
  loadUnassigned();
  timer = setInterval(poll, 2000);
  const vis = () => { if (!document.hidden) poll(); };
  document.addEventListener('visibilitychange', vis);
  ctx.onLeave(() => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', vis);
  });
}

function drawQueue(q, counts, jobs, rejected, flagged) {
  const c = q.counts || {};
  const names = [...STATES.filter((s) => s in c || ['discovered', 'claimed', 'stored', 'extracted', 'done'].includes(s)),
    ...Object.keys(c).filter((s) => !STATES.includes(s))];
  replace(counts, h('ul', { class: 'count-list' }, names.map((s) =>
    h('li', { class: `count count-${s}`, testid: `count-${s}` },
      h('span', { class: 'count-n' }, String(c[s] ?? 0)),
      h('span', { class: 'count-label' }, stateWords(s))))));
  const list = Array.isArray(q.jobs) ? q.jobs : [];
  replace(jobs, list.length ? table(
    ['#', t('clerk.job.path'), t('common.case'), t('common.status'), t('common.reason'), t('clerk.job.updated')],
    list.map((j) => h('tr', { testid: 'job-row', 'data-state': j.state },
      h('td', { class: 'num' }, j.id ?? ''),
      h('td', { class: 'detail' }, j.path ?? j.rel_path ?? '—'),
      h('td', null, j.case ?? '—'),
      h('td', null, badge(stateWords(j.state), j.state === 'done' ? 'ok' : j.state === 'rejected' || j.state === 'failed' ? 'bad' : 'neutral'),
        j.damaged ? [' ', badge(t('flag.damaged'), 'bad', 'job-damaged')] : null),
      h('td', { class: 'detail' }, j.damaged ? damageWords(j.damaged) : j.error || j.reason ? reasonCell(j.error ?? j.reason, j.reason_code, j.reason_params) : ''),
      h('td', { class: 'nowrap' }, dateTime(j.updated_at)))),
    { class: 'compact' }) : h('p', { class: 'muted' }, t('common.none')));
  const reasons = (arr, testid, none) => (Array.isArray(arr) && arr.length
    ? h('ul', { class: 'reasons' }, arr.map((r) => h('li', { testid },
      h('div', { class: 'reason-path' }, r.kind ? [badge(tMaybe(`flag.${r.kind}`) ?? r.kind, 'neutral'), ' '] : null,
        r.profile ? `${profileWords(r.profile)} · ` : '', r.path ?? r.original_name ?? r.name ?? shortSha(r.sha256 ?? r.item)),
      h('div', { class: 'reason-text' }, r.kind === 'damaged' ? damageWords(r) : r.reason || r.error ? reasonCell(r.reason ?? r.error, r.reason_code ?? r.code, r.reason_params) : ''),
      r.whole ? h('div', { class: 'small', testid: 'flagged-whole' }, t('stalled.fragment'),
        h('a', { href: itemHref(r.whole), class: 'hash' }, shortSha(r.whole))) : null,
      r.updated_at || r.at ? h('div', { class: 'muted small' }, dateTime(r.updated_at ?? r.at)) : null,
      r.sha256 || r.item ? h('a', { href: itemHref(r.sha256 ?? r.item), class: 'small' }, shortSha(r.sha256 ?? r.item)) : null)))
    : h('p', { class: 'muted' }, none));
  replace(rejected, reasons(q.rejected, 'rejected-row', t('clerk.rejected.none')));
  replace(flagged, reasons(q.flagged, 'flagged-row', t('clerk.flagged.none')));
}

function drawUnassigned(list, box, reload) {
  if (!list.length) {
    replace(box, infoBanner(t('clerk.unassigned.none'), 'unassigned-none'));
    return;
  }
  replace(box, h('ul', { class: 'unassigned-list' }, list.map((it) => {
    const form = linkForm(it.sha256, () => setTimeout(reload, 600));
    form.hidden = true;
    const toggle = h('button', { type: 'button', class: 'btn', testid: 'link-open', 'aria-expanded': 'false' }, t('clerk.link'));
    toggle.addEventListener('click', () => {
      form.hidden = !form.hidden;
      toggle.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) form.querySelector('input')?.focus();
    });
    return h('li', { class: 'unassigned-item', testid: 'unassigned-row', 'data-sha256': it.sha256 },
      h('div', { class: 'row' },
        kindIcon(it.media_type),
        h('a', { href: itemHref(it.sha256), class: 'name' }, it.original_name || shortSha(it.sha256)),
        h('span', { class: 'muted' }, size(it.size)),
        h('span', { class: 'muted' }, `${t('clerk.received')} ${dateTime(it.received_at)}`),
        session.can.link() ? toggle : null),
      session.can.link() ? form : null);
  })));
}
