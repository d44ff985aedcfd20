// Tables whose columns sort when their header is pressed: text in Vietnamese order (ICU 'vi'
// rules through Intl.Collator: a < ă < â, d < đ, tones after the base letter), numbers as
// numbers, empty cells last. The sorted column carries aria-sort; the header is a button.

import { h, replace } from './dom.js';
import { t } from './i18n.js';

/** Vietnamese collation, shared by every table and list of the console. */
export const collator = new Intl.Collator('vi');

/** Sorts strings the Vietnamese way. @param {string} a @param {string} b */
export const viCompare = (a, b) => collator.compare(a, b);

/**
 * @template T
 * @typedef {{label: string, value: (row: T) => string | number | null | undefined, cell?: (row: T) => import('./dom.js').Child, numeric?: boolean}} Column
 */

/**
 * A table with a caption whose columns sort. Rows keep the given order until a header is
 * pressed; pressing it again reverses.
 * @template T
 * @param {{caption: string, columns: Column<T>[], rows: T[], id?: string, rowAttrs?: (row: T) => Record<string, string | null>}} opts
 */
export function sortTable(opts) {
  const body = h('tbody', {});
  /** @type {{col: number, dir: 1 | -1} | null} */
  let order = null;
  const heads = opts.columns.map((c, i) => {
    const button = h('button', { type: 'button', class: 'sort', title: t('sortBy', { column: c.label }) }, c.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }));
    const th = h('th', { scope: 'col' }, button);
    button.addEventListener('click', () => {
      order = { col: i, dir: order && order.col === i ? /** @type {1 | -1} */ (-order.dir) : 1 };
      draw();
    });
    return th;
  });
  const compare = (/** @type {T} */ a, /** @type {T} */ b) => {
    if (!order) return 0;
    const col = opts.columns[order.col];
    const x = col.value(a);
    const y = col.value(b);
    const empty = (/** @type {unknown} */ v) => v === null || v === undefined || v === '';
    if (empty(x) || empty(y)) return empty(x) === empty(y) ? 0 : empty(x) ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    return c * order.dir;
  };
  const draw = () => {
    heads.forEach((th, i) => {
      // The arrow is for the eye; aria-sort says it to screen readers (and keeps the name).
      const arrow = th.querySelector('.arrow');
      if (order && order.col === i) {
        th.setAttribute('aria-sort', order.dir === 1 ? 'ascending' : 'descending');
        if (arrow) arrow.textContent = order.dir === 1 ? ' ▲' : ' ▼';
      } else {
        th.removeAttribute('aria-sort');
        if (arrow) arrow.textContent = '';
      }
    });
    const rows = [...opts.rows].sort(compare);
    replace(
      body,
      rows.map((r) =>
        h('tr', opts.rowAttrs ? opts.rowAttrs(r) : {}, opts.columns.map((c) => h('td', c.numeric ? { class: 'num' } : {}, c.cell ? c.cell(r) : String(c.value(r) ?? '')))),
      ),
    );
  };
  draw();
  return h('table', { id: opts.id ?? null, class: 'sortable' }, h('caption', {}, opts.caption), h('thead', {}, h('tr', {}, heads)), body);
}
