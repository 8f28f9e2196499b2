// web/js/pages/review.js: a case's legal review (法制审核) at #/cases/<case>/review: its rounds
// (GET /v1/cases/{case}/reviews: each submission's bag, items and note, and its signed
// opinion), a clerk's or admin's submission (POST .../reviews), a legal user's opinion on the
// round that awaits one (POST .../reviews/opinion: eight points, a verdict, proposals) and the
// decision on an agreed opinion (POST .../decision?kind=). The server decides who may do what
// (separation of duties, ledgered); its refusals are shown in the reader's language.
import { h, replace, table } from '../dom.js';
import { t, colon } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { dateTime, shortSha } from '../format.js';
import { errorBanner, infoBanner, loading, pageHead, section, field, badge, hashText } from '../ui.js';

export const POINTS = ['subject', 'jurisdiction', 'qualification', 'facts', 'law', 'procedure', 'documents', 'referral'];
const RESULTS = ['ok', 'problem', 'na'];

const select = (name, testid, options) =>
  h('select', { name, class: 'input', testid }, options.map(([value, label]) => h('option', { value }, label)));
const handles = () => ['clerk', 'admin'].includes(session.role());

/* The signed text of an opinion (JSON): its findings and proposals; {} when unreadable. */
function signed(op) {
  try {
    const o = JSON.parse(op.opinion);
    return o && typeof o === 'object' ? o : {};
  } catch {
    return {};
  }
}

function opinionView(op) {
  const o = signed(op);
  const findings = o.findings || {};
  const verdict = op.verdict === 'agree' ? 'ok' : 'bad';
  const rows = POINTS.map((p) => {
    const f = findings[p] || {};
    return h('tr', { testid: 'finding-row', 'data-point': p, 'data-result': f.result || '' },
      h('th', { scope: 'row', testid: 'finding-point' }, t(`review.point.${p}`)),
      h('td', { testid: 'finding-result' }, f.result ? badge(t(`review.result.${f.result}`), f.result === 'problem' ? 'bad' : 'neutral') : '—'),
      h('td', { testid: 'finding-text' }, f.text || ''));
  });
  const proposals = Array.isArray(o.proposals) ? o.proposals : [];
  return h('div', { class: 'opinion', testid: 'opinion', 'data-verdict': op.verdict },
    h('p', null, `${t('review.verdict')}${colon()}`,
      badge(t(`review.verdict.${op.verdict}`), verdict, 'opinion-verdict')),
    table([t('review.point'), t('review.result'), t('review.text')], rows, { class: 'compact', testid: 'findings-table' }),
    proposals.length ? h('div', null, h('h4', null, t('review.proposals')),
      h('ol', { testid: 'opinion-proposals' }, proposals.map((s) => h('li', null, s)))) : null,
    h('p', { class: 'muted small' },
      `${t('review.author')}${colon()}`, h('span', { testid: 'opinion-author' }, op.author || '—'),
      ' · ', `${t('review.filed')}${colon()}`, dateTime(op.filed_at),
      ' · ', `${t('review.key')}${colon()}`, h('code', { testid: 'opinion-key', title: op.key_id || '' }, shortSha(op.key_id))));
}

function roundView(r) {
  return h('article', { class: 'card inner', testid: 'review-round', 'data-round': String(r.round) },
    h('h3', null, t('review.round', { n: r.round }), ' ',
      r.opinion ? null : badge(t('review.awaiting'), 'neutral', 'round-awaiting')),
    h('p', { class: 'small' },
      `${t('review.submitted')}${colon()}`, h('span', { testid: 'round-by' }, r.submitted_by || '—'), ' · ', dateTime(r.submitted_at),
      ' · ', `${t('review.bag')}${colon()}`, h('code', { testid: 'round-bag', title: r.bag_sha256 || '' }, shortSha(r.bag_sha256)),
      ' · ', `${t('review.items')}${colon()}`, h('span', { testid: 'round-items' }, String((r.items || []).length))),
    r.note ? h('p', { testid: 'round-note' }, `${t('review.note')}${colon()}`, r.note) : null,
    r.opinion ? opinionView(r.opinion) : null);
}

/* Sends one write; the answer's words (or the refusal) go to msg; reload on success. */
async function send(btn, msg, path, opts, done, reload) {
  btn.disabled = true;
  try {
    const res = await api.json(path, { method: 'POST', ...opts });
    replace(msg, infoBanner(done(res), 'review-done', 'ok'));
    reload();
  } catch (e) {
    replace(msg, errorBanner(e, 'review-error'));
  } finally {
    btn.disabled = false;
  }
}

function submitForm(kase, msg, reload) {
  const note = h('input', { type: 'text', name: 'note', class: 'input wide', autocomplete: 'off', testid: 'review-note' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'review-submit' }, t('review.submit.button'));
  const form = h('form', { class: 'link-form', novalidate: true, testid: 'review-submit-form' },
    h('p', { class: 'muted' }, t('review.submit.lead')), field(t('review.note'), note), h('div', { class: 'field field-end' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!note.value.trim()) return replace(msg, infoBanner(t('review.submit.need'), 'review-error', 'error'));
    send(btn, msg, `/v1/cases/${api.enc(kase)}/reviews`, { body: { note: note.value.trim() } },
      (r) => t('review.submit.done', { n: r.round, items: r.items }), reload);
  });
  return form;
}

function opinionForm(kase, round, msg, reload) {
  const points = POINTS.map((p) => ({
    p,
    result: select(`result-${p}`, `point-${p}-result`, RESULTS.map((r) => [r, t(`review.result.${r}`)])),
    text: h('input', { type: 'text', name: `text-${p}`, class: 'input wide', autocomplete: 'off', testid: `point-${p}-text`, 'aria-label': `${t(`review.point.${p}`)} ${t('review.text')}` }),
  }));
  const verdict = select('verdict', 'opinion-verdict-input', ['agree', 'problems'].map((v) => [v, t(`review.verdict.${v}`)]));
  const proposals = h('textarea', { name: 'proposals', class: 'input wide', rows: '3', testid: 'opinion-proposals-input' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'opinion-submit' }, t('review.file.button'));
  const rows = points.map(({ p, result, text }) => {
    result.setAttribute('aria-label', t(`review.point.${p}`));
    return h('tr', null, h('th', { scope: 'row' }, t(`review.point.${p}`)), h('td', null, result), h('td', null, text));
  });
  const form = h('form', { novalidate: true, testid: 'opinion-form' },
    h('p', { class: 'muted' }, t('review.file.lead', { n: round })),
    table([t('review.point'), t('review.result'), t('review.text')], rows, { class: 'compact' }),
    field(t('review.verdict'), verdict), field(t('review.proposals'), proposals, t('review.proposals.hint')),
    h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const list = proposals.value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (verdict.value === 'problems' && !list.length) return replace(msg, infoBanner(t('review.file.need'), 'review-error', 'error'));
    const findings = {};
    for (const { p, result, text } of points)
      findings[p] = text.value.trim() ? { result: result.value, text: text.value.trim() } : { result: result.value };
    send(btn, msg, `/v1/cases/${api.enc(kase)}/reviews/opinion`, { body: { verdict: verdict.value, findings, proposals: list } },
      (r) => t('review.file.done', { n: r.round, key: shortSha(r.key_id) }), reload);
  });
  return form;
}

function decideForm(kase, msg, reload) {
  const kind = h('input', { type: 'text', name: 'kind', class: 'input', autocomplete: 'off', testid: 'decision-kind', placeholder: '行政处罚决定' });
  const doc = h('input', { type: 'file', name: 'document', class: 'input', testid: 'decision-document' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'decision-submit' }, t('review.decide.button'));
  const form = h('form', { class: 'link-form', novalidate: true, testid: 'decision-form' },
    h('p', { class: 'muted' }, t('review.decide.lead')), field(t('review.decision.kind'), kind),
    field(t('review.decision.doc'), doc), h('div', { class: 'field field-end' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const file = doc.files?.[0];
    if (!kind.value.trim() || !file) return replace(msg, infoBanner(t('review.decide.need'), 'review-error', 'error'));
    send(btn, msg, `/v1/cases/${api.enc(kase)}/decision${api.qs({ kind: kind.value.trim() })}`,
      { raw: file, headers: { 'Content-Type': 'application/octet-stream' } }, (r) => t('review.decide.done', { kind: r.kind }), reload);
  });
  return form;
}

function decisionsView(list) {
  return table([t('review.decision.kind'), t('review.decision.doc'), t('review.decision.round'), t('review.decision.by'), t('review.decision.at')],
    list.map((d) => h('tr', { testid: 'decision-row' }, h('td', null, d.kind), h('td', null, hashText(d.sha256)),
      h('td', { class: 'num' }, d.round), h('td', null, d.decided_by), h('td', { class: 'nowrap' }, d.decided_at))),
    { class: 'compact', testid: 'decisions-table' });
}

function draw(box, kase, res, msg, reload) {
  const rounds = res.rounds || [];
  const last = rounds[rounds.length - 1];
  const decisions = res.decisions || [];
  replace(box,
    section(t('review.rounds'), 'review-rounds',
      rounds.length ? rounds.slice().reverse().map(roundView) : h('p', { class: 'muted', testid: 'review-none' }, t('review.none'))),
    last && !last.opinion && session.role() === 'legal'
      ? section(t('review.file'), 'opinion-section', opinionForm(kase, last.round, msg, reload)) : null,
    handles() ? section(t('review.submit'), 'review-submit-section', submitForm(kase, msg, reload)) : null,
    handles() && last?.opinion?.verdict === 'agree' && !decisions.some((d) => d.round === last.round)
      ? section(t('review.decide'), 'decision-section', decideForm(kase, msg, reload)) : null,
    decisions.length ? section(t('review.decisions'), 'review-decisions', decisionsView(decisions)) : null);
}

export function renderReview(main, ctx, kase) {
  const box = h('div', { testid: 'review-page' }, loading());
  const msg = h('div', { 'aria-live': 'polite' }); // kept across reloads: says what was done
  const load = async () => {
    try {
      const res = await api.json(`/v1/cases/${api.enc(kase)}/reviews`);
      if (ctx.alive()) draw(box, kase, res, msg, load);
    } catch (e) {
      if (ctx.alive()) replace(box, errorBanner(e, 'review-load-error'));
    }
  };
  replace(main, pageHead(t('review.title', { case: kase }),
    h('a', { href: `#/case/${api.enc(kase)}`, class: 'btn-link', testid: 'review-back' }, t('review.back'))),
  h('p', { class: 'muted' }, t('review.lead')), msg, box);
  load();
}
