// Question statistics of a round (like Moodle's quiz statistics): facility, discrimination,
// the spread over options, and days whose accuracy jumped (an answer key may have leaked).

import { get } from './api.js';
import { add, h } from './dom.js';
import { barChart } from './chart.js';
import { contestNav, download, scopeNav } from './contestnav.js';
import { sortTable } from './sorttable.js';
import { num, pct, t, when } from './i18n.js';

/** @param {Ctx} ctx @param {number} contestId @param {number | null} roundId */
export async function questionStatsPage(ctx, contestId, roundId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  ctx.title(`${t('qstatsTitle')} — ${data.contest.title}`);
  const round = data.rounds.find((r) => r.id === roundId) ?? data.rounds.find((r) => r.finalized_at) ?? data.rounds[0];
  add(ctx.main, contestNav(contestId, '/question-stats'));
  if (!round) {
    add(ctx.main, h('p', {}, t('noRounds')));
    return;
  }
  /** @type {QuestionStats} */
  const res = await get(`/api/admin/rounds/${round.id}/question-stats`);
  const flagged = res.items.filter((q) => q.flagged);
  const day = (/** @type {string} */ d) => when(`${d}T12:00:00+07:00`, 'date');
  const options = (/** @type {QuestionStat} */ q) =>
    h('ul', { class: 'opts' }, q.options.map((o) =>
      h('li', { class: o.correct ? 'right' : null }, `${o.label}. ${o.text}: ${num(o.chosen)}${o.percent === null ? '' : ` (${pct(o.percent)})`}`, o.correct ? h('strong', {}, ` — ${t('correctOption')}`) : null)));
  const leak = (/** @type {QuestionStat} */ q) =>
    q.flagged
      ? h('span', { class: 'bad' }, t('leakFlag'), h('ul', {}, q.leaks.map((l) => h('li', {}, t('leakDay', { date: day(l.date), facility: pct(l.facility), baseline: pct(l.baseline), n: num(l.attempts) })))))
      : t('noLeak');
  add(
    ctx.main,
    scopeNav(data.rounds, round.id, (r) => `#/contests/${contestId}/question-stats/${r}`, false),
    h('h2', {}, round.title),
    h('p', { class: 'hint' }, t('qstatsHint')),
    h('p', { class: 'hint' }, t('leakRule', { margin: num(res.leak_rule.margin_points), n: num(res.leak_rule.min_attempts) })),
    h('p', { class: 'row' }, download(`/api/admin/rounds/${round.id}/question-stats.xlsx`, t('qstatsXlsx'))),
    h('p', { id: 'leak-summary', class: flagged.length ? 'bad' : 'ok' }, flagged.length ? t('leaksFound', { n: flagged.length }) : t('noLeaks')),
    res.items.length
      ? [
          h('div', { class: 'charts' }, h('figure', { id: 'chart-facility' }, h('figcaption', {}, h('h3', {}, t('facilityChart'))),
            barChart({ label: t('facilityChart'), unit: ' %', max: 30, format: num, items: res.items.map((q) => ({ label: q.code, value: q.facility ?? 0 })) }))),
          sortTable({
            caption: t('qstatsTitle'),
            id: 'qstats',
            rowAttrs: (q) => ({ 'data-code': q.code, class: q.flagged ? 'flagged' : null }),
            columns: [
              { label: t('code'), value: (q) => q.code },
              { label: t('question'), value: (q) => q.text },
              { label: t('attempts'), value: (q) => q.attempts, cell: (q) => num(q.attempts), numeric: true },
              { label: t('facility'), value: (q) => q.facility, cell: (q) => (q.facility === null ? '' : pct(q.facility)), numeric: true },
              { label: t('discrimination'), value: (q) => q.discrimination, cell: (q) => (q.discrimination === null ? '—' : num(q.discrimination, 2)), numeric: true },
              { label: t('unanswered'), value: (q) => q.unanswered, numeric: true },
              { label: t('optionSpread'), value: (q) => q.options.map((o) => o.chosen).join(' '), cell: options },
              { label: t('leakColumn'), value: (q) => (q.flagged ? 0 : 1), cell: leak },
            ],
            rows: res.items,
          }),
        ]
      : h('p', {}, t('noAttemptsYet')),
  );
}
