// The contest's overall ranking (xếp hạng chung cuộc) over its finalised rounds: the
// settings (on or off, the overall prize tiers, whether registration asks for the
// occupation), the ranking a page at a time, and its exports. Viewers read, they do not edit.

import { api, get } from './api.js';
import { add, announce, field, h, input, replace } from './dom.js';
import { t } from './i18n.js';
import { contestNav, download } from './contestnav.js';
import { duration, pagedTable, personHead, personRow } from './paged.js';

/** @param {Ctx} ctx @param {number} contestId */
export async function overallPage(ctx, contestId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  ctx.title(`${t('overallTitle')} — ${data.contest.title}`);
  const base = `/api/admin/contests/${contestId}`;
  /** @type {ReportSettings} */
  const settings = await get(`${base}/report-settings`);
  const facts = h('dl', { id: 'overall-facts', class: 'facts' });
  const ranking = h('section', { class: 'box', id: 'overall-ranking', 'aria-labelledby': 'overall-ranking-h' });
  const show = async (/** @type {ReportSettings} */ s) => {
    const tiers = s.overall?.prizes ?? [];
    replace(facts,
      h('dt', {}, t('overallOn')), h('dd', {}, s.overall ? t('overallIsOn') : t('overallIsOff')),
      h('dt', {}, t('overallPrizes')), h('dd', {}, tiers.length ? tiers.map((p) => t('tierN', { name: p.name, count: p.count })).join('; ') : '—'),
      h('dt', {}, t('occupationRequired')), h('dd', {}, s.occupation_required ? t('occupationYes') : t('occupationNo')));
    await showRanking(ctx, data, s, ranking);
  };
  add(
    ctx.main,
    contestNav(contestId, '/overall'),
    h('p', { class: 'hint' }, t('overallHint')),
    facts,
    ctx.role !== 'viewer' ? settingsForm(ctx, data, settings, show) : null,
    ranking,
  );
  await show(settings);
}

/**
 * The ranking with its exports, or a note that it is off.
 * @param {Ctx} ctx @param {AdminContest} data @param {ReportSettings} s @param {HTMLElement} out
 */
async function showRanking(ctx, data, s, out) {
  const heading = h('h2', { id: 'overall-ranking-h' }, t('overallRanking'));
  if (!s.overall) return replace(out, heading, h('p', {}, t('overallOff')));
  const base = `/api/admin/contests/${data.contest.id}/results`;
  const personal = ctx.me.memberships.find((m) => m.organisation_id === ctx.org)?.personal_data_export ?? false;
  const rounds = data.rounds.filter((r) => r.finalized_at);
  /** @param {OverallResult} x */
  const row = (x) => {
    const correct = new Map(x.rounds.map((r) => [r.round_id, r.correct]));
    return personRow(x,
      [
        ...rounds.map((r) => String(correct.get(r.id) ?? '')),
        String(x.total_correct),
        duration(x.total_duration_ms),
        x.prize ?? '',
      ]);
  };
  const paged = pagedTable(ctx, {
    id: 'overall',
    caption: t('overallRanking'),
    head: [...personHead(), ...rounds.map((r) => t('correctIn', { round: r.title })), t('totalCorrect'), t('totalTime'), t('prize')],
    url: (page, perPage) => `${base}?page=${page}&per_page=${perPage}`,
    row,
  });
  replace(out,
    heading,
    h('p', { class: 'hint' }, t('overallRule')),
    h('p', { class: 'row' },
      download(`${base}.csv`, t('overallCsv')),
      download(`${base}.xlsx`, t('overallXlsx')),
      personal && download(`${base}.csv?personal=true`, t('overallPersonal'))),
    rounds.length ? paged.table : h('p', {}, t('noFinalizedRounds')),
    paged.count,
    paged.more);
  if (rounds.length) await paged.next();
}

/**
 * The settings form: the overall ranking on or off with its prize tiers (rows added and
 * removed), and whether occupation is required (fixed once the contest is published).
 * @param {Ctx} ctx @param {AdminContest} data @param {ReportSettings} settings @param {(s: ReportSettings) => Promise<void>} saved
 */
function settingsForm(ctx, data, settings, saved) {
  const published = data.contest.status === 'published';
  const on = input({ type: 'checkbox', checked: settings.overall !== null });
  const occupation = input({ type: 'checkbox', checked: settings.occupation_required, disabled: published });
  const rows = h('div', { id: 'tiers' });
  /** @type {{name: HTMLInputElement, count: HTMLInputElement}[]} */
  let tiers = [];
  const renumber = () => {
    replace(rows, tiers.map((tier, i) => {
      const n = i + 1;
      const remove = h('button', { type: 'button', class: 'secondary' }, t('removeTier', { n }));
      remove.addEventListener('click', () => {
        tiers.splice(i, 1);
        renumber();
      });
      return h('div', { class: 'row tier' }, field(t('tierName', { n }), tier.name), field(t('tierCount', { n }), tier.count), remove);
    }));
  };
  const addTier = (/** @type {Tier} */ p) => {
    tiers.push({
      name: input({ type: 'text', value: p.name, required: true }),
      count: input({ type: 'number', min: 1, max: 10000, step: 1, value: p.count ? String(p.count) : '', inputmode: 'numeric' }),
    });
    renumber();
  };
  for (const p of settings.overall?.prizes ?? []) addTier(p);
  const more = h('button', { type: 'button', class: 'secondary' }, t('addTier'));
  more.addEventListener('click', () => {
    addTier({ name: '', count: 1 });
    tiers[tiers.length - 1].name.focus();
  });
  const form = h('form', { novalidate: true, class: 'box', id: 'overall-form' },
    h('h2', {}, t('overallSettings')),
    field(t('overallSwitch'), on, { name: 'overall' }),
    h('fieldset', {}, h('legend', {}, t('overallPrizes')), h('p', { class: 'hint' }, t('overallPrizesHint')), rows, more),
    h('fieldset', {}, h('legend', {}, t('registrationRules')),
      field(t('occupationRequired'), occupation, { name: 'occupation_required', hint: published ? t('occupationFixed') : t('occupationHint') })),
    h('button', { type: 'submit' }, t('save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      // The server names the whole list; its error goes next to the first tier that looks wrong.
      const bad = (/** @type {{name: HTMLInputElement, count: HTMLInputElement}} */ x) => !x.name.value.trim() ? x.name : !(Number(x.count.value) >= 1 && Number(x.count.value) <= 10000) ? x.count : null;
      for (const x of tiers) x.name.name = x.count.name = '';
      const target = tiers.map(bad).find(Boolean) ?? tiers[0]?.count;
      if (target) target.name = 'overall.prizes';
      const count = (/** @type {HTMLInputElement} */ el) => {
        const n = Number(el.value);
        return el.value !== '' && Number.isInteger(n) && n >= 0 ? n : 0; // anything else is refused as 0 is
      };
      /** @type {Record<string, unknown>} */
      const body = { overall: on.checked ? { prizes: tiers.map((x) => ({ name: x.name.value.trim(), count: count(x.count) })) } : null };
      if (!published) body.occupation_required = occupation.checked;
      /** @type {ReportSettings} */
      const res = await api('PUT', `/api/admin/contests/${data.contest.id}/report-settings`, body);
      announce(t('overallSaved'));
      await saved(res);
    });
  });
  return form;
}
