// web/js/pages/registries.js: the officers (执法人员: 执法证号, validity, unit) and recording
// devices (serial, model, kind, holder) that ingest resolves files to (GET /v1/officers,
// /v1/devices: clerks and admins; POST: admins, ledgered), and what an item resolved to (its
// officer, device, important mark and flags) for the item page.
import { h, replace, table, dl } from '../dom.js';
import { t, tMaybe } from '../i18n.js';
import * as api from '../api.js';
import * as session from '../session.js';
import { reasonWords, DATE_PATTERN } from '../format.js';
import { errorBanner, infoBanner, loading, pageHead, section, field, badge, techDetail } from '../ui.js';

const KINDS = ['body_camera', 'camera', 'phone', 'recorder'];
const input = (name, testid, props = {}) => h('input', { type: 'text', name, class: 'input', autocomplete: 'off', testid, ...props });
const dateInput = (name, testid) => input(name, testid, { pattern: DATE_PATTERN, placeholder: 'yyyy-mm-dd', inputmode: 'numeric', size: '10', spellcheck: 'false' });
const kindWords = (k) => tMaybe(`reg.kind.${k}`) ?? String(k ?? '—');
const howWords = (how) => tMaybe(`reg.how.${how}`) ?? String(how ?? '');

/** The flags of an item (unregistered officer or device, certificate, late upload), worded
 * from their codes; the server's sentence folded away. */
export function registryBanners(item) {
  const flags = Array.isArray(item.registry?.flags) ? item.registry.flags : [];
  return flags.map((f) => {
    const r = reasonWords(f.text ?? '', f.code, f.params);
    return infoBanner([h('span', { testid: 'flag-words', 'data-code': f.code ?? '' }, r.words), techDetail(r.tech)], 'item-flag', 'warn');
  });
}

/** The officer and device an item resolved to, how each was found, and its important mark. */
export function registrySection(item) {
  const r = item.registry;
  if (!r || typeof r !== 'object') return null;
  const o = r.officer, d = r.device;
  return section(t('item.registry'), 'item-registry', dl([
    [t('item.officer'), o ? `${o.name} · ${t('reg.cert')} ${o.cert} · ${t('reg.valid')} ${o.valid_from ?? '—'} ~ ${o.valid_to ?? '—'}（${howWords(o.how)}）` : '—', 'item-officer'],
    [t('item.device'), d ? `${kindWords(d.kind)} ${d.model ?? ''} · ${t('reg.serial')} ${d.serial}（${howWords(d.how)}）` : '—', 'item-device'],
    r.important ? [t('item.important'), badge(t('item.important.yes'), 'warn', 'item-important')] : null,
  ]));
}

/* A form posting `fields` to `path`; the answer reloads the page. */
function putForm(path, testid, inputs, need, reload) {
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', testid: `${testid}-submit` }, t('reg.save'));
  const form = h('form', { class: 'link-form', novalidate: true, testid },
    inputs.map(([label, el]) => field(label, el)), h('div', { class: 'field field-end' }, btn), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [, el] of inputs) if (el.value.trim()) body[el.name] = el.value.trim();
    const key = inputs[0][1].value.trim();
    if (!key) {
      replace(msg, infoBanner(t(need), `${testid}-error`, 'error'));
      return;
    }
    btn.disabled = true;
    try {
      await api.json(path, { method: 'POST', body });
      replace(msg, infoBanner(t('reg.saved', { key }), `${testid}-done`, 'ok'));
      reload();
    } catch (e) {
      replace(msg, errorBanner(e, `${testid}-error`));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

export async function renderRegistries(main, ctx) {
  replace(main, pageHead(t('reg.title')), loading());
  let officers, devices;
  try {
    [officers, devices] = await Promise.all([api.json('/v1/officers'), api.json('/v1/devices')]);
  } catch (e) {
    if (ctx.alive()) replace(main, pageHead(t('reg.title')), errorBanner(e));
    return;
  }
  if (!ctx.alive()) return;
  const admin = session.role() === 'admin';
  const reload = () => setTimeout(() => ctx.alive() && ctx.rerender(), 600);
  const os = Array.isArray(officers.officers) ? officers.officers : [];
  const ds = Array.isArray(devices.devices) ? devices.devices : [];
  const kind = h('select', { name: 'kind', class: 'input', testid: 'device-kind' },
    h('option', { value: '' }, '—'), KINDS.map((k) => h('option', { value: k }, kindWords(k))));
  replace(main, pageHead(t('reg.title')),
    h('p', { class: 'lead muted' }, t('reg.lead')),
    section(t('reg.officers'), 'officers',
      os.length ? table([t('reg.cert'), t('reg.name'), t('reg.unit'), t('reg.valid'), t('reg.user'), t('reg.items')],
        os.map((o) => h('tr', { testid: 'officer-row' }, h('td', null, h('code', null, o.cert)), h('td', null, o.name),
          h('td', null, o.unit ?? '—'), h('td', { class: 'nowrap' }, `${o.valid_from ?? '—'} ~ ${o.valid_to ?? '—'}`),
          h('td', null, o.user ?? '—'), h('td', null, String(o.items ?? 0)))), { class: 'compact' })
        : infoBanner(t('reg.none'), 'officers-none'),
      admin ? putForm('/v1/officers', 'officer-form', [[t('reg.cert'), input('cert', 'officer-cert')],
        [t('reg.name'), input('name', 'officer-name')], [t('reg.unit'), input('unit', 'officer-unit')],
        [t('reg.valid_from'), dateInput('valid_from', 'officer-from')], [t('reg.valid_to'), dateInput('valid_to', 'officer-to')],
        [t('reg.user'), input('user', 'officer-user')]], 'reg.need.officer', reload) : null),
    section(t('reg.devices'), 'devices',
      ds.length ? table([t('reg.serial'), t('reg.kind'), t('reg.model'), t('reg.holder'), t('reg.items')],
        ds.map((d) => h('tr', { testid: 'device-row' }, h('td', null, h('code', null, d.serial)), h('td', null, kindWords(d.kind)),
          h('td', null, d.model ?? '—'), h('td', null, d.holder ? `${d.holder_name ?? ''} ${d.holder}` : '—'),
          h('td', null, String(d.items ?? 0)))), { class: 'compact' })
        : infoBanner(t('reg.none'), 'devices-none'),
      admin ? putForm('/v1/devices', 'device-form', [[t('reg.serial'), input('serial', 'device-serial')],
        [t('reg.kind'), kind], [t('reg.model'), input('model', 'device-model')], [t('reg.holder'), input('holder', 'device-holder')]],
      'reg.need.device', reload) : null),
    admin ? null : infoBanner(t('reg.admin.only'), 'registry-admin-only'));
}
