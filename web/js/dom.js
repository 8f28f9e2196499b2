// web/js/dom.js: building the page without ever parsing data as HTML. Every string that
// reaches the document goes through a text node or setAttribute on an attribute known to be
// safe; URLs are only our own (same-origin paths, fragments, blob: object URLs).

const SAFE_URL = /^(\/(?!\/)|#|blob:)/;
const URL_ATTRS = new Set(['href', 'src', 'action', 'poster']);

/** Element `tag` with props and children. props: class, text, dataset-style `testid`,
 * `on: {event: fn}`, `attrs: {...}`, and plain attributes; null/undefined/false are left out.
 * Children: nodes, strings (text nodes), numbers, arrays, null (skipped). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'testid') el.setAttribute('data-testid', v);
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      else if (k === 'value') el.value = v;
      else if (k === 'checked' || k === 'disabled' || k === 'selected' || k === 'hidden')
        el[k] = Boolean(v);
      else setAttr(el, k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/** setAttribute, refusing event handlers, style and foreign URLs. */
export function setAttr(el, name, value) {
  const n = name.toLowerCase();
  if (n.startsWith('on') || n === 'style' || n === 'srcdoc')
    throw new Error(`attribute ${name} is not allowed`);
  if (URL_ATTRS.has(n) && !SAFE_URL.test(value)) throw new Error(`unsafe URL for ${name}`);
  el.setAttribute(name, value);
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces el's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** A definition list from [label, value] pairs (value: node or text; null rows skipped). */
export function dl(rows, props = {}) {
  const list = h('dl', { class: 'facts', ...props });
  for (const r of rows) {
    if (!r) continue;
    const [label, value, testid] = r;
    list.append(h('dt', null, label), h('dd', testid ? { testid } : null, value ?? '—'));
  }
  return list;
}

/** A table: head labels and rows of cells (node or text). */
export function table(head, rows, props = {}) {
  return h(
    'table',
    { class: ['grid', props.class], testid: props.testid },
    props.caption ? h('caption', null, props.caption) : null,
    h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, rows),
  );
}

/** Saves a Blob under `name` through a temporary object URL. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, class: 'hidden-link' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
