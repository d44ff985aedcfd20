// Report pages of a contest: participation statistics (by province, commune, area, unit,
// age band, sex and occupation; the whole contest or one round; the distribution of
// scores), collective rankings by unit with the organiser's formula, and the satisfaction
// survey. Tables sort in Vietnamese order; charts carry their numbers as text too.

import { api, get } from './api.js';
import { add, announce, field, h, input, replace } from './dom.js';
import { barChart, columnChart } from './chart.js';
import { contestNav, download, scopeNav } from './contestnav.js';
import { sortTable, viCompare } from './sorttable.js';
import { groupLabel, num, pct, t, when } from './i18n.js';

/** The dimensions in report order. */
const DIMENSIONS = /** @type {const} */ ([
  ['province', 'dimProvince'],
  ['commune', 'dimCommune'],
  ['area', 'dimArea'],
  ['unit', 'dimUnit'],
  ['age_band', 'dimAge'],
  ['sex', 'dimSex'],
  ['occupation', 'dimOccupation'],
]);

const CODED = ['province', 'commune', 'unit'];

/** @param {string} label @param {string} id @param {string | number} value */
const tile = (label, id, value) => h('li', { id: `tile-${id}` }, label, h('b', {}, typeof value === 'number' ? num(value) : value));

/** @param {Ctx} ctx @param {number} contestId @param {number | null} roundId */
export async function statsPage(ctx, contestId, roundId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  ctx.title(`${t('statsTitle')} — ${data.contest.title}`);
  /** @type {ParticipationStats} */
  const s = await get(`/api/admin/contests/${contestId}/stats${roundId ? `?round_id=${roundId}` : ''}`);
  const scope = roundId ? data.rounds.find((r) => r.id === roundId)?.title ?? '' : t('wholeContest');
  const base = `/api/admin/contests/${contestId}`;
  const share = (/** @type {number} */ n) => (s.participants ? pct((100 * n) / s.participants) : '');
  const tables = DIMENSIONS.map(([dim, key]) => {
    const groups = s.by[dim] ?? [];
    return h(
      'section',
      { class: 'dim', id: `dim-${dim}`, 'aria-labelledby': `dim-${dim}-h` },
      h('h3', { id: `dim-${dim}-h` }, t(key)),
      groups.length
        ? sortTable({
            caption: `${t(key)} — ${scope}`,
            columns: [
              { label: t('group'), value: (g) => groupLabel(dim, g) },
              // Provinces, communes and units have codes agencies use; the fixed lists do not.
              ...(CODED.includes(dim) ? [{ label: t('code'), value: (/** @type {StatGroup} */ g) => g.key }] : []),
              { label: t('participants'), value: (g) => g.participants, cell: (g) => num(g.participants), numeric: true },
              { label: t('share'), value: (g) => g.participants, cell: (g) => share(g.participants), numeric: true },
              { label: t('attempts'), value: (g) => g.attempts, cell: (g) => num(g.attempts), numeric: true },
            ],
            rows: groups,
          })
        : h('p', {}, t('noData')),
    );
  });
  // Every class from 0 to the most questions an attempt of the scope has, empty ones too.
  const found = new Map((s.scores ?? []).map((x) => [x.correct, x.participants]));
  const inScope = data.rounds.filter((r) => !roundId || r.id === roundId);
  const most = Math.max(0, ...inScope.map((r) => r.questions_per_attempt), ...found.keys());
  const scores = found.size ? Array.from({ length: most + 1 }, (_, correct) => ({ correct, participants: found.get(correct) ?? 0 })) : [];
  const units = [...(s.by.unit ?? [])].filter((g) => g.participants > 0);
  add(
    ctx.main,
    contestNav(contestId, '/stats'),
    scopeNav(data.rounds, roundId, (r) => `#/contests/${contestId}/stats${r ? `/${r}` : ''}`),
    h('h2', {}, scope),
    h('ul', { class: 'tiles' }, tile(t('registered'), 'registered', s.registered), tile(t('participants'), 'participants', s.participants), tile(t('attempts'), 'attempts', s.attempts)),
    h('p', { class: 'hint' }, t('statsHint')),
    h('p', { class: 'row' }, download(`${base}/stats.csv`, t('statsCsv')), download(`${base}/stats.xlsx`, t('statsXlsx'))),
    h(
      'div',
      { class: 'charts' },
      h('figure', { id: 'chart-scores' }, h('figcaption', {}, h('h3', {}, t('scoreDistribution'))),
        scores.length
          ? columnChart({ label: t('scoreDistribution'), xTitle: t('correctAnswers'), items: scores.map((x) => ({ label: String(x.correct), value: x.participants })) })
          : h('p', {}, t('noData')),
        scores.length ? h('p', { class: 'hint' }, t('scoreDistributionHint')) : null),
      h('figure', { id: 'chart-units' }, h('figcaption', {}, h('h3', {}, t('participationByUnit'))),
        units.length ? barChart({ label: t('participationByUnit'), items: units.map((g) => ({ label: g.label, value: g.participants })) }) : h('p', {}, t('noData'))),
    ),
    scores.length
      ? sortTable({
          caption: t('scoreDistribution'),
          id: 'scores',
          columns: [
            { label: t('correctAnswers'), value: (x) => x.correct, numeric: true },
            { label: t('participants'), value: (x) => x.participants, cell: (x) => num(x.participants), numeric: true },
          ],
          rows: scores,
        })
      : null,
    h('h2', {}, t('byGroup')),
    tables,
  );
}

/** @param {Ctx} ctx @param {number} contestId */
export async function collectivePage(ctx, contestId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  ctx.title(`${t('collectiveTitle')} — ${data.contest.title}`);
  const out = h('div', { id: 'collective' });
  const base = `/api/admin/contests/${contestId}`;
  const load = async () => {
    /** @type {{scoring: Scoring, items: UnitStanding[]}} */
    const res = await get(`${base}/collective`);
    const ranked = res.items.filter((u) => u.participants > 0 || u.winners > 0);
    const withRate = ranked.filter((u) => u.rate !== null);
    replace(
      out,
      h('p', { id: 'formula' }, t('formulaNow', formulaParts(res.scoring))),
      withRate.length
        ? h('div', { class: 'charts' }, h('figure', { id: 'chart-rate' }, h('figcaption', {}, h('h2', {}, t('rateByUnit'))),
            barChart({ label: t('rateByUnit'), unit: ' %', format: num, items: [...withRate].sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0)).map((u) => ({ label: u.name, value: u.rate ?? 0 })) })))
        : null,
      res.items.length
        ? sortTable({
            caption: t('collectiveTitle'),
            id: 'standings',
            rowAttrs: (u) => ({ 'data-unit': u.code }),
            columns: [
              { label: t('rank'), value: (u) => u.rank, numeric: true },
              { label: t('unitName'), value: (u) => u.name },
              { label: t('code'), value: (u) => u.code },
              { label: t('participants'), value: (u) => u.participants, cell: (u) => num(u.participants), numeric: true },
              { label: t('headcount'), value: (u) => u.headcount, cell: (u) => (u.headcount === null ? '' : num(u.headcount)), numeric: true },
              { label: t('rate'), value: (u) => u.rate, cell: (u) => (u.rate === null ? '' : pct(u.rate)), numeric: true },
              { label: t('winnersCount'), value: (u) => u.winners, numeric: true },
              { label: t('prizesWon'), value: (u) => Object.entries(u.prizes).sort((a, b) => viCompare(a[0], b[0])).map(([p, n]) => `${p}: ${n}`).join('; ') },
              { label: t('score'), value: (u) => u.score, cell: (u) => num(u.score, 2), numeric: true },
            ],
            rows: res.items,
          })
        : h('p', {}, t('noUnits')),
    );
    return res.scoring;
  };
  const scoring = await load();
  /** @type {ReportSettings} */
  const settings = await get(`${base}/report-settings`);
  add(
    ctx.main,
    contestNav(contestId, '/collective'),
    h('p', { class: 'hint' }, t('collectiveHint')),
    h('p', { class: 'row' }, download(`${base}/collective.csv`, t('collectiveCsv')), download(`${base}/collective.xlsx`, t('collectiveXlsx'))),
    ctx.role !== 'viewer' ? formulaForm(ctx, contestId, data, settings, scoring, load) : null,
    out,
  );
}

/** @param {Scoring} s */
function formulaParts(s) {
  const prizes = Object.entries(s.prize_points ?? {}).sort((a, b) => viCompare(a[0], b[0])).map(([p, n]) => `${p} ${num(n, 2)}`).join(', ');
  return { rate: num(s.rate_weight ?? 1, 2), people: num(s.participant_weight ?? 0, 2), prizes: prizes || '—' };
}

/**
 * The organiser's weighting: rate weight, per-participant weight and points per prize name
 * (every name the contest awards: the rounds' tiers and the overall ranking's).
 * @param {Ctx} ctx @param {number} contestId @param {AdminContest} data @param {ReportSettings} settings @param {Scoring} scoring @param {() => Promise<Scoring>} reload
 */
function formulaForm(ctx, contestId, data, settings, scoring, reload) {
  const weight = (/** @type {number} */ v) => input({ type: 'number', min: 0, max: 10000, step: 'any', value: String(v), inputmode: 'decimal' });
  const rate = weight(scoring.rate_weight ?? 1);
  const people = weight(scoring.participant_weight ?? 0);
  const names = [...new Set([...data.rounds.flatMap((r) => r.prizes), ...(settings.overall?.prizes ?? [])].map((p) => p.name))];
  const points = names.map((name) => /** @type {[string, HTMLInputElement]} */ ([name, weight(scoring.prize_points?.[name] ?? 0)]));
  const form = h(
    'form',
    { novalidate: true, class: 'box', id: 'formula-form' },
    h('h2', {}, t('formulaTitle')),
    h('p', { class: 'hint' }, t('formulaHint')),
    h('div', { class: 'row' },
      field(t('rateWeight'), rate, { name: 'collective.rate_weight' }),
      field(t('participantWeight'), people, { name: 'collective.participant_weight' })),
    names.length
      ? h('fieldset', {}, h('legend', {}, t('prizePoints')), h('div', { class: 'row' }, points.map(([name, el], i) => field(t('pointsFor', { prize: name }), el, { name: i === 0 ? 'collective.prize_points' : undefined }))))
      : h('p', {}, t('noPrizes')),
    h('button', { type: 'submit' }, t('saveFormula')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      /** @type {Record<string, number>} */
      const prize_points = {};
      for (const [name, el] of points) if (el.value !== '' && Number(el.value) !== 0) prize_points[name] = Number(el.value);
      await api('PUT', `/api/admin/contests/${contestId}/report-settings`, {
        collective: { rate_weight: Number(rate.value || 0), participant_weight: Number(people.value || 0), prize_points },
      });
      await reload();
      announce(t('formulaSaved'));
    });
  });
  return form;
}

/** @param {Ctx} ctx @param {number} contestId @param {number | null} roundId */
export async function surveyPage(ctx, contestId, roundId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  ctx.title(`${t('surveyTitle')} — ${data.contest.title}`);
  /** @type {SurveyReport} */
  const r = await get(`/api/admin/contests/${contestId}/survey${roundId ? `?round_id=${roundId}` : ''}`);
  const scope = roundId ? data.rounds.find((x) => x.id === roundId)?.title ?? '' : t('wholeContest');
  const target = pct(100 * r.target_rate, 0);
  add(
    ctx.main,
    contestNav(contestId, '/survey'),
    scopeNav(data.rounds, roundId, (x) => `#/contests/${contestId}/survey${x ? `/${x}` : ''}`),
    h('h2', {}, scope),
    h('ul', { class: 'tiles' },
      tile(t('responses'), 'responses', r.count),
      tile(t('satisfied'), 'satisfied', r.satisfied),
      tile(t('satisfactionRate'), 'rate', r.satisfaction_rate === null ? '—' : pct(100 * r.satisfaction_rate)),
      tile(t('averageScore'), 'average', r.average === null ? '—' : num(r.average, 2))),
    h('p', { id: 'target', class: r.meets_target === null ? 'hint' : r.meets_target ? 'ok' : 'bad' },
      r.meets_target === null ? t('noResponses') : r.meets_target ? t('meetsTarget', { target }) : t('belowTarget', { target })),
    h('p', { class: 'hint' }, t('surveyHint')),
    h('div', { class: 'charts' }, h('figure', { id: 'chart-survey' }, h('figcaption', {}, h('h2', {}, t('surveyDistribution'))),
      barChart({ label: t('surveyDistribution'), items: r.distribution.map((d) => ({ label: t('scoreN', { n: d.score }), value: d.count })) }))),
    r.comments.length
      ? sortTable({
          caption: t('comments'),
          id: 'comments',
          columns: [
            { label: t('day'), value: (c) => c.answered_on, cell: (c) => when(`${c.answered_on}T12:00:00+07:00`, 'date') },
            { label: t('surveyScore'), value: (c) => c.score, numeric: true },
            { label: t('comment'), value: (c) => c.comment },
          ],
          rows: r.comments,
        })
      : h('p', {}, t('noComments')),
  );
}
