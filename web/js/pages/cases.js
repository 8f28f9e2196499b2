// web/js/pages/cases.js: the cases the user may see (a reviewer: those granted), their
// grants, and a text search across what they may read.
import { h, replace, table } from '../dom.js';
import { t, colon, listSep } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { dateTime, captured, size, shortSha } from '../format.js';
import { errorBanner, loading, pageHead, section, kindIcon, infoBanner } from '../ui.js';
import { allPages } from './paged.js';

export const caseHref = (c) => `#/case/${encodeURIComponent(c)}`;
export const itemHref = (sha) => `#/item/${encodeURIComponent(sha)}`;

export async function renderCases(main, ctx) {
  replace(main, pageHead(t('cases.title')), loading());
  let cases;
  try {
    ({ items: cases } = await allPages((cursor) =>
      api.json(`/v1/cases${api.qs({ limit: 1000, cursor })}`).then((p) => (Array.isArray(p) ? p : { items: p.cases, next_cursor: p.next_cursor }))));
  } catch (e) {
    if (ctx.alive()) replace(main, pageHead(t('cases.title')), errorBanner(e));
    return;
  }
  if (!ctx.alive()) return;
  cases.sort((a, b) => String(a.case).localeCompare(String(b.case))); // the server: in the order made
  const me = session.user();
  const grants = (me?.grants || []).filter((g) => g && g.case);

  const list = cases.length
    ? h('ul', { class: 'case-list', testid: 'case-list' }, cases.map((c) => {
      const number = c.case ?? c.number ?? '';
      const mine = grants.filter((g) => g.case === number);
      return h('li', { class: 'case-card', testid: 'case-card', 'data-case': number },
        h('a', { href: caseHref(number), class: 'case-link', testid: 'case-link' }, number),
        c.reference ? h('span', { class: 'chip chip-static', testid: 'case-reference' }, `${t('record.reference')} ${c.reference}`) : null,
        h('div', { class: 'case-meta' },
          h('span', { class: 'case-count' }, t('cases.items', { n: c.items ?? '—' })),
          Array.isArray(c.parties) && c.parties.length
            ? h('span', null, `${t('cases.parties')}${colon()}`, c.parties.filter((p) => p !== null).join(listSep()))
            : null,
          c.created_at ? h('span', { class: 'muted' }, `${t('cases.created')} ${dateTime(c.created_at)}`) : null),
        mine.length ? h('div', { class: 'case-grants' }, mine.map((g) =>
          h('span', { class: 'chip chip-static' }, g.purpose || '', ' · ', g.until ? t('cases.grant.until', { until: dateTime(g.until) }) : t('cases.grant.open')))) : null);
    }))
    : infoBanner(t('cases.empty'), 'cases-empty');

  const grantList = grants.length
    ? section(t('cases.grants'), 'grants', table(
      [t('common.case'), t('common.party'), t('purpose.label'), t('cases.grant.until', { until: '' }).trim()],
      grants.map((g) => h('tr', null,
        h('td', null, h('a', { href: caseHref(g.case) }, g.case)),
        h('td', null, g.party || t('common.all')),
        h('td', null, g.purpose || '—'),
        h('td', null, g.until ? dateTime(g.until) : t('cases.grant.open'))))))
    : null;

  replace(main, pageHead(t('cases.title')), list, searchBox(ctx), grantList);
}

function searchBox(ctx) {
  const input = h('input', { type: 'search', class: 'input wide', placeholder: t('cases.search.placeholder'), testid: 'search-input', 'aria-label': t('cases.search') });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'inline-form', role: 'search' }, input, h('button', { type: 'submit', class: 'btn' }, t('cases.search.go')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    replace(out, loading());
    try {
      const res = await api.json(`/v1/search${api.qs({ text: q, limit: 50 })}`);
      if (!ctx.alive()) return;
      const items = res.items || [];
      replace(out, items.length ? table(
        ['', t('common.name'), t('item.captured'), t('common.case'), t('common.size')],
        items.map((it) => h('tr', null,
          h('td', null, kindIcon(it.media_type)),
          h('td', null, h('a', { href: itemHref(it.sha256) }, it.original_name || shortSha(it.sha256))),
          h('td', null, captured(it).main),
          h('td', null, (it.cases || []).join(listSep())),
          h('td', { class: 'num' }, size(it.size)))), { testid: 'search-results' })
        : infoBanner(t('cases.search.none')));
    } catch (e) {
      if (ctx.alive()) replace(out, errorBanner(e));
    }
  });
  return section(t('cases.search'), 'search', form, out);
}
