// The live dashboard of a round: counters polled every few seconds, drawn as charts that
// move on their own, and the actions that end a round (close, finalise, verify).

import { get, post } from './api.js';
import { add, announce, h, replace, table } from './dom.js';
import { barChart, lineChart } from './chart.js';
import { t, when } from './i18n.js';
import { contestNav } from './contestnav.js';

/** How often the counters are read. */
export const POLL_MS = 2000;
/** Points kept per series (10 minutes at the polling rate). */
const KEEP = 300;

/** @param {Ctx} ctx @param {number} contestId @param {number | null} roundId */
export async function livePage(ctx, contestId, roundId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  const now = Date.now();
  const round =
    data.rounds.find((r) => r.id === roundId) ??
    data.rounds.find((r) => Date.parse(r.opens_at) <= now && now < Date.parse(r.closes_at)) ??
    data.rounds[0];
  ctx.title(`${t('liveTitle')} — ${data.contest.title}`);
  add(ctx.main, contestNav(contestId, '/live'));
  if (!round) {
    add(ctx.main, h('p', {}, t('noRounds')));
    return;
  }
  /** @type {{items: UnitRecord[]}} */
  const units = await get(`/api/admin/contests/${contestId}/units`);
  const names = new Map(units.items.map((u) => [u.code, u.name]));
  const headcounts = new Map(units.items.map((u) => [u.code, u.headcount]));
  /** Participants as a share of the unit's headcount, when it is known. @param {GroupCount} g */
  const rate = (g) => {
    const n = headcounts.get(g.code);
    return n ? `${((100 * g.participants) / n).toFixed(1)} %` : '';
  };
  const picker = h(
    'nav',
    { 'aria-label': t('round') },
    h('ul', { class: 'legend' }, data.rounds.map((r) => h('li', {}, h('a', { href: `#/contests/${contestId}/live/${r.id}`, 'aria-current': r.id === round.id ? 'page' : null }, r.title)))),
  );
  const stamp = h('p', { class: 'hint', id: 'live-stamp' });
  const deadLetters = h('p', { class: 'bad', id: 'dead-letters', role: 'alert', hidden: true });
  const tiles = h('ul', { class: 'tiles', id: 'tiles' });
  const charts = h('div', { class: 'charts' });
  const numbers = h('details', {});
  /** @type {{t: number, registered: number, attempts: number, submitted: number, in_progress: number, aps: number}[]} */
  let history = [];
  // Kept for the browser tab, so a reload does not wipe the charts.
  const historyKey = `thiluat:console:live:${round.id}`;
  try {
    history = JSON.parse(sessionStorage.getItem(historyKey) || '[]').filter((/** @type {{t: number}} */ p) => p.t > Date.now() - KEEP * POLL_MS);
  } catch {
    history = [];
  }
  let paused = false;
  const pause = h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false' }, t('pause'));
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? t('resume') : t('pause');
  });

  /** @param {LiveStats} s */
  const draw = (s) => {
    history.push({ t: s.server_ms, registered: s.registered, attempts: s.attempts, submitted: s.submitted, in_progress: s.in_progress, aps: s.answers_per_second });
    if (history.length > KEEP) history.shift();
    sessionStorage.setItem(historyKey, JSON.stringify(history));
    stamp.textContent = t('updated', { time: when(s.server_ms) });
    deadLetters.hidden = !s.dead_letters;
    deadLetters.textContent = s.dead_letters ? t('deadLetters', { n: s.dead_letters }) : '';
    const counters = /** @type {const} */ ([
      ['registered', 'registered', s.registered],
      ['attempts', 'attempts', s.attempts],
      ['inProgress', 'in_progress', s.in_progress],
      ['submitted', 'submitted', s.submitted],
      ['aps', 'aps', s.answers_per_second],
    ]);
    replace(tiles, counters.map(([key, id, v]) => h('li', { id: `tile-${id}` }, t(key), h('b', {}, Number.isInteger(v) ? String(v) : v.toFixed(1)))));
    const time = (/** @type {number} */ ms) => new Date(ms).toLocaleTimeString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' });
    const group = (/** @type {GroupCount[]} */ g) => [...g].sort((a, b) => b.participants - a.participants).map((x) => ({ label: names.get(x.code) ?? x.code, value: x.participants }));
    replace(
      charts,
      h('figure', { id: 'chart-participants' }, h('figcaption', {}, h('h2', {}, t('chartParticipants'))),
        h('ul', { class: 'legend' }, h('li', { class: 'l0' }, t('registered')), h('li', { class: 'l1' }, t('attempts')), h('li', { class: 'l2' }, t('submitted'))),
        lineChart({
          label: t('chartParticipants'),
          timeLabel: time,
          series: [
            { name: t('registered'), points: history.map((p) => [p.t, p.registered]) },
            { name: t('attempts'), points: history.map((p) => [p.t, p.attempts]) },
            { name: t('submitted'), points: history.map((p) => [p.t, p.submitted]) },
          ],
        })),
      h('figure', { id: 'chart-aps' }, h('figcaption', {}, h('h2', {}, t('chartAps'))),
        lineChart({ label: t('chartAps'), timeLabel: time, series: [{ name: t('aps'), points: history.map((p) => [p.t, p.aps]) }] })),
      h('figure', { id: 'chart-commune' }, h('figcaption', {}, h('h2', {}, t('byCommune'))),
        s.by_commune.length ? barChart({ label: t('byCommune'), items: group(s.by_commune) }) : h('p', {}, t('noData'))),
      h('figure', { id: 'chart-unit' }, h('figcaption', {}, h('h2', {}, t('byUnit'))),
        s.by_unit.length ? barChart({ label: t('byUnit'), items: group(s.by_unit) }) : h('p', {}, t('noData'))),
    );
    replace(
      numbers,
      h('summary', {}, t('numbers')),
      table(t('byCommune'), [t('commune'), t('participants'), t('attempts')], s.by_commune.map((g) => [names.get(g.code) ?? g.code, String(g.participants), String(g.attempts)])),
      table(t('byUnit'), [t('name'), t('participants'), t('attempts'), t('headcount'), t('rate')], s.by_unit.map((g) => [names.get(g.code) ?? g.code, String(g.participants), String(g.attempts), String(headcounts.get(g.code) ?? ''), rate(g)])),
    );
  };

  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const poll = async () => {
    if (stopped) return;
    if (!paused) await ctx.run(null, async () => draw(await get(`/api/admin/rounds/${round.id}/live`)));
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  ctx.onLeave(() => {
    stopped = true;
    clearTimeout(timer);
  });

  const report = h('div', { id: 'round-report', 'aria-live': 'polite' });
  const actions = h('div', { class: 'row' });
  if (ctx.role !== 'viewer') {
    actions.append(
      h('button', { type: 'button', class: 'danger', onclick: () => void ctx.run(actions, async () => {
        if (!confirm(t('confirmClose', { title: round.title }))) return;
        const res = await post(`/api/admin/rounds/${round.id}/close`);
        replace(report, h('p', { class: 'ok' }, t('closed', { n: res.open_attempts_ended })));
      }) }, t('closeRound')),
      h('button', { type: 'button', onclick: () => void ctx.run(actions, async () => {
        const res = await post(`/api/admin/rounds/${round.id}/finalize`);
        replace(report, h('p', { class: 'ok' }, t('finalized', { ranked: res.ranked, auto: res.auto_submitted })));
        announce(t('finalized', { ranked: res.ranked, auto: res.auto_submitted }));
      }) }, t('finalize')),
    );
  }
  actions.append(
    h('button', { type: 'button', class: 'secondary', onclick: () => void ctx.run(actions, async () => {
      /** @type {{agree: boolean, differences: string[]}} */
      const v = await get(`/api/admin/rounds/${round.id}/verify`);
      replace(report, v.agree ? h('p', { class: 'ok', id: 'verify-ok' }, t('verifyOk')) : h('div', { id: 'verify-bad' }, h('p', { class: 'bad' }, t('verifyBad')), h('ul', {}, v.differences.map((d) => h('li', {}, d)))));
    }) }, t('verify')),
    h('a', { href: `#/contests/${contestId}/results` }, t('resultsTitle')),
  );
  add(ctx.main, picker, h('h2', {}, round.title), stamp, deadLetters, pause, tiles, charts, numbers, h('h2', {}, t('actions')), actions, report);
  await poll();
}
