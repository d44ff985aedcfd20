// A ranking read a page at a time: a table whose rows arrive by "load more", with a count
// of the rows shown. Used by the rounds' rankings and the overall ranking.

import { get } from './api.js';
import { add, h, replace } from './dom.js';
import { t } from './i18n.js';

/**
 * @template T
 * @param {Ctx} ctx
 * @param {{id: string, caption: string, head: string[], url: (page: number, perPage: number) => string, row: (item: T) => HTMLTableRowElement, perPage?: number}} opts
 * @returns {{table: HTMLTableElement, count: HTMLElement, more: HTMLButtonElement, next: () => Promise<void>, reload: () => Promise<void>}}
 */
export function pagedTable(ctx, opts) {
  const perPage = opts.perPage ?? 50;
  const body = h('tbody', {});
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('loadMore'));
  const count = h('p', { class: 'hint', id: `${opts.id}-count` });
  let page = 0;
  const next = async () => {
    /** @type {{total: number, items: T[]}} */
    const res = await get(opts.url(page + 1, perPage));
    page += 1;
    add(body, res.items.map(opts.row));
    more.hidden = page * perPage >= res.total;
    count.textContent = t('rankingShown', { n: body.children.length, total: res.total });
  };
  more.addEventListener('click', () => void ctx.run(null, next));
  const table = h('table', {},
    h('caption', {}, opts.caption),
    h('thead', {}, h('tr', {}, opts.head.map((c) => h('th', { scope: 'col' }, c)))),
    body);
  const reload = async () => {
    replace(body);
    page = 0;
    await next();
  };
  return { table, count, more, next, reload };
}

/** @typedef {{participant_id: number, rank: number, tied: boolean, name: string, unit: string, commune: string | null}} Ranked */

/** The first columns of a ranking: who, where (names masked by the server). */
export const personHead = () => [t('rank'), t('participantId'), t('fullName'), t('unitName'), t('commune')];

/**
 * A ranking's row: the rank (shared ranks say so) and the person, then `rest`.
 * @param {Ranked} x @param {string[]} rest
 */
export function personRow(x, rest) {
  const cells = [x.tied ? t('rankTied', { rank: x.rank }) : String(x.rank), String(x.participant_id), x.name, x.unit, x.commune ?? '', ...rest];
  return h('tr', { 'data-participant': x.participant_id }, cells.map((v) => h('td', {}, v)));
}

/** 95 500 ms → "1:35,5". @param {number} ms */
export function duration(ms) {
  const s = ms / 1000;
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0').replace('.', ',')}`;
}
