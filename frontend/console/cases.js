// The abuse review queue of a contest: the cases the detection rules filed, what each rule
// saw, who is involved, and the organiser's decision (confirm or dismiss, always with a
// reason). Nothing here disqualifies anyone: that stays a separate step on the results page.

import { get, post } from './api.js';
import { add, announce, field, h, input, replace, select } from './dom.js';
import { contestNav } from './contestnav.js';
import { sortTable } from './sorttable.js';
import { num, t, when } from './i18n.js';

/** @type {Record<string, import('./i18n.js').Key>} */
const RULES = {
  registration_burst: 'ruleBurst',
  same_person: 'ruleSamePerson',
  identical_answers: 'ruleIdentical',
  too_fast: 'ruleTooFast',
};

/** @type {Record<string, import('./i18n.js').Key>} */
const STATUS = { open: 'caseOpen', confirmed: 'caseConfirmed', dismissed: 'caseDismissed' };

/** What the rule saw, in words. @param {AbuseCase} c */
function evidence(c) {
  const e = /** @type {Record<string, any>} */ (c.evidence);
  const secs = (/** @type {number} */ ms) => num(ms / 1000, 1);
  switch (c.rule) {
    case 'registration_burst':
      return t(e.key === 'device' ? 'evBurstDevice' : 'evBurstAddress', {
        n: num(e.count), from: when(e.first_at_ms), to: when(e.last_at_ms), threshold: num(e.threshold), minutes: num(e.window_ms / 60000),
      });
    case 'same_person':
      return t('evSamePerson', { n: num(e.count) });
    case 'identical_answers':
      return t('evIdentical', { n: num((e.attempt_ids ?? []).length), answers: num(e.answers), tolerance: secs(e.tolerance_ms) });
    case 'too_fast':
      return t('evTooFast', { answers: num(e.answers), used: secs(e.used_ms), reading: secs(e.reading_ms) });
    default:
      return JSON.stringify(e);
  }
}

/** @param {Ctx} ctx @param {number} contestId */
export async function casesPage(ctx, contestId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  ctx.title(`${t('casesTitle')} — ${data.contest.title}`);
  const rounds = new Map(data.rounds.map((r) => [r.id, r.title]));
  const filter = select(
    [['open', t('caseOpen')], ['confirmed', t('caseConfirmed')], ['dismissed', t('caseDismissed')], ['', t('allCases')]],
    'open',
    { id: 'case-filter' },
  );
  const list = h('div', { id: 'cases' });
  const count = h('p', { role: 'status', id: 'case-count' });
  const load = async () => {
    /** @type {{items: AbuseCase[]}} */
    const res = await get(`/api/admin/contests/${contestId}/cases${filter.value ? `?status=${filter.value}` : ''}`);
    count.textContent = t('casesShown', { n: res.items.length });
    replace(list, res.items.length ? res.items.map((c) => caseBox(ctx, c, rounds, load)) : h('p', {}, t('noCases')));
  };
  filter.addEventListener('change', () => void ctx.run(null, load));
  const scan = h('button', { type: 'button', class: 'secondary', id: 'scan' }, t('scanNow'));
  scan.addEventListener('click', () =>
    void ctx.run(scan.parentElement, async () => {
      /** @type {{new_cases: number}} */
      const r = await post(`/api/admin/contests/${contestId}/cases/scan`);
      announce(t('scanned', { n: r.new_cases }));
      await load();
    }),
  );
  add(
    ctx.main,
    contestNav(contestId, '/cases'),
    h('p', { class: 'hint' }, t('casesHint')),
    h('div', { class: 'row' }, field(t('caseStatus'), filter), ctx.role !== 'viewer' ? h('div', {}, scan) : null),
    count,
    list,
  );
  await load();
}

/** @param {Ctx} ctx @param {AbuseCase} c @param {Map<number, string>} rounds @param {() => Promise<void>} reload */
function caseBox(ctx, c, rounds, reload) {
  const heading = `${t('caseN', { id: c.id })}: ${t(RULES[c.rule] ?? 'ruleUnknown')}`;
  const box = h(
    'article',
    { class: 'box case', id: `case-${c.id}`, 'aria-labelledby': `case-${c.id}-h`, 'data-rule': c.rule, 'data-status': c.status },
    h('h2', { id: `case-${c.id}-h` }, heading),
    h('p', { class: 'case-status' }, h('strong', {}, `${t('caseStatus')}: `), t(STATUS[c.status] ?? 'caseOpen'),
      c.decided_at ? ` — ${when(c.decided_at)}` : null),
    c.reason ? h('p', { class: 'case-reason' }, h('strong', {}, `${t('reason')}: `), c.reason) : null,
    h('p', { class: 'evidence' }, evidence(c)),
    c.round_id !== null ? h('p', {}, `${t('round')}: ${rounds.get(c.round_id) ?? c.round_id}`) : null,
    h('p', { class: 'hint' }, t('caseFiled', { at: when(c.created_at), updated: when(c.updated_at) })),
    sortTable({
      caption: t('caseParticipants', { id: c.id }),
      columns: [
        { label: t('participantId'), value: (p) => p.id, numeric: true },
        { label: t('fullName'), value: (p) => p.full_name },
        { label: t('phone'), value: (p) => p.phone_masked },
        { label: t('registeredAt'), value: (p) => p.registered_at, cell: (p) => when(p.registered_at) },
        { label: t('disqualifiedCol'), value: (p) => (p.disqualified ? t('yes') : t('no')) },
      ],
      rows: c.participants,
    }),
  );
  if (c.status === 'open' && ctx.role !== 'viewer') {
    const reason = input({ type: 'text', required: true, maxlength: 1000, id: `case-${c.id}-reason` });
    const actions = h('form', { novalidate: true, class: 'row' });
    const decide = (/** @type {'confirm' | 'dismiss'} */ verdict) =>
      void ctx.run(actions, async () => {
        await post(`/api/admin/cases/${c.id}/${verdict}`, { reason: reason.value });
        announce(t(verdict === 'confirm' ? 'caseConfirmedMsg' : 'caseDismissedMsg', { id: c.id }));
        await reload();
      });
    add(
      actions,
      field(t('decisionReason', { id: c.id }), reason, { name: 'reason', hint: t('confirmHint') }),
      h('button', { type: 'button', class: 'danger', onclick: () => decide('confirm') }, t('confirmCase')),
      h('button', { type: 'button', class: 'secondary', onclick: () => decide('dismiss') }, t('dismissCase')),
    );
    actions.addEventListener('submit', (e) => e.preventDefault());
    box.append(actions);
  }
  return box;
}
