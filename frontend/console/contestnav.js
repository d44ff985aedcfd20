// The sections of one contest (running it, its results and reports), and the scope picker
// (the whole contest or one round) of the report pages. Links, so each view has an address.

import { h } from './dom.js';
import { t } from './i18n.js';

/** @type {[string, import('./i18n.js').Key][]} section path (after the contest's) and its name */
const SECTIONS = [
  ['/live', 'secLive'],
  ['/results', 'secResults'],
  ['/overall', 'secOverall'],
  ['/stats', 'secStats'],
  ['/collective', 'secCollective'],
  ['/question-stats', 'secQuestions'],
  ['/survey', 'secSurvey'],
  ['/cases', 'secCases'],
  ['/reports', 'secReports'],
  ['/privacy', 'secPrivacy'],
];

/** @param {number} contestId @param {string} here the current section's path, e.g. '/stats' */
export function contestNav(contestId, here) {
  return h(
    'nav',
    { 'aria-label': t('contestSections'), class: 'sections' },
    h('ul', {}, SECTIONS.map(([path, key]) => h('li', {}, h('a', { href: `#/contests/${contestId}${path}`, 'aria-current': path === here ? 'page' : null }, t(key))))),
  );
}

/**
 * Links to the whole contest (when `whole`) and to each round.
 * @param {AdminRound[]} rounds @param {number | null} current @param {(round: number | null) => string} href @param {boolean} [whole]
 */
export function scopeNav(rounds, current, href, whole = true) {
  /** @type {[number | null, string][]} */
  const items = [...(whole ? /** @type {[number | null, string][]} */ ([[null, t('wholeContest')]]) : []), ...rounds.map((r) => /** @type {[number | null, string]} */ ([r.id, r.title]))];
  return h(
    'nav',
    { 'aria-label': t('scope'), class: 'scope' },
    h('ul', { class: 'legend' }, items.map(([id, label]) => h('li', {}, h('a', { href: href(id), 'aria-current': id === current ? 'page' : null }, label)))),
  );
}

/** A download link (a real link: the browser saves the file; the server checks the rights). @param {string} href @param {string} text */
export const download = (href, text) => h('a', { class: 'button secondary', href, download: true }, text);
