// Small DOM helpers: elements built from data (never from HTML strings), form fields with
// their labels, and the two live regions that announce progress and errors.

/** @typedef {string | number | boolean | null | undefined | EventListener} AttrValue */
/** @typedef {Node | string | number | null | undefined | false | any[]} Child */

/**
 * An element: attributes (`on…` are listeners; `true` sets an empty attribute; false, null
 * and undefined leave it out) and children (strings become text).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Record<string, AttrValue>} [attrs] @param {Child[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element. @param {string} tag @param {Record<string, AttrValue>} [attrs] @param {Child[]} children */
export function s(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** @param {Element} el @param {Record<string, AttrValue>} attrs */
function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** @param {Node} el @param {Child[]} children */
export function append(el, children) {
  for (const c of children.flat(/** @type {1} */ (9))) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? /** @type {Node} */ (c) : document.createTextNode(String(c)));
  }
}

/** Appends children (null, undefined and false are skipped). @param {Node} el @param {Child[]} children */
export function add(el, ...children) {
  append(el, children);
}

/** Replaces every child. @param {Node} el @param {Child[]} children */
export function replace(el, ...children) {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

let fieldSeq = 0;

/**
 * A labelled form control with a hint and an error slot tied to it by aria-describedby.
 * @param {string} label @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {{hint?: string, name?: string}} [opts]
 */
export function field(label, control, opts = {}) {
  if (!control.id) control.id = `f${++fieldSeq}`;
  if (opts.name) control.name = opts.name;
  const err = h('p', { class: 'err', id: `${control.id}-err` });
  const hint = opts.hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, opts.hint) : null;
  control.setAttribute('aria-describedby', [hint?.id, err.id].filter(Boolean).join(' '));
  const isCheck = control instanceof HTMLInputElement && control.type === 'checkbox';
  const lab = h('label', { for: control.id }, label);
  return h('div', { class: isCheck ? 'f check' : 'f' }, isCheck ? [control, lab] : [lab, control], hint, err);
}

/**
 * Shows per-field errors from an `invalid_fields` answer next to controls whose `name` is
 * the field; returns the messages no control took.
 * @param {HTMLElement} form @param {{field: string, message: string}[]} problems
 */
export function showFieldErrors(form, problems) {
  clearFieldErrors(form);
  /** @type {string[]} */
  const rest = [];
  let first = /** @type {HTMLElement | null} */ (null);
  for (const p of problems) {
    const control = /** @type {HTMLElement | null} */ (form.querySelector(`[name="${CSS.escape(p.field)}"]`));
    const err = control && document.getElementById(`${control.id}-err`);
    if (!control || !err) {
      rest.push(`${p.field}: ${p.message}`);
      continue;
    }
    control.setAttribute('aria-invalid', 'true');
    err.textContent = p.message;
    first ??= control;
  }
  first?.focus();
  return rest;
}

/** @param {HTMLElement} form */
export function clearFieldErrors(form) {
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  for (const e of form.querySelectorAll('.err')) e.textContent = '';
}

let announcedAt = 0;

/** Says something politely (progress, success). @param {string} text */
export function announce(text) {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
  announcedAt = Date.now();
}

/** Clears the polite message when a new page opens, unless it was said just before (what led there). */
export function clearStaleAnnouncement() {
  if (Date.now() - announcedAt > 1500) announce('');
}

/** Says an error at once; empty text clears it. @param {string} text */
export function alertError(text) {
  const el = document.getElementById('alert');
  if (el) {
    el.textContent = text;
    el.hidden = !text;
  }
}

/** A table with a caption, header cells and rows of cells. @param {string} caption @param {string[]} head @param {Child[][]} rows */
export function table(caption, head, rows) {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))),
  );
}

/** An <input>. @param {Record<string, AttrValue>} attrs */
export const input = (attrs) => h('input', attrs);

/** A <select> of [value, label] pairs. @param {[string, string][]} options @param {string} [value] @param {Record<string, AttrValue>} [attrs] */
export function select(options, value, attrs = {}) {
  return h('select', attrs, options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)));
}
