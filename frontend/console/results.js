// Results of a contest: per round the exports (CSV/XLSX, with personal data when allowed),
// then the winners to verify or reject with a reason, and publishing the list.

import { get, post } from './api.js';
import { add, announce, field, h, input, replace } from './dom.js';
import { t, when } from './i18n.js';
import { contestNav } from './contestnav.js';
import { duration, pagedTable, personHead, personRow } from './paged.js';

/** @param {Ctx} ctx @param {number} contestId */
export async function resultsPage(ctx, contestId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  ctx.title(`${t('resultsTitle')} — ${data.contest.title}`);
  const membership = ctx.me.memberships.find((m) => m.organisation_id === ctx.org);
  /** @type {(() => Promise<void>)[]} reloads of the rankings shown (after a disqualification) */
  const rankings = [];
  add(ctx.main, contestNav(contestId, '/results'));
  for (const r of data.rounds) {
    const base = `/api/admin/rounds/${r.id}`;
    add(ctx.main, 
      h(
        'section',
        { class: 'box', 'aria-labelledby': `round-${r.id}` },
        h('h2', { id: `round-${r.id}` }, r.title),
        h('p', {}, r.finalized_at ? t('finalizedAt', { time: when(r.finalized_at) }) : t('notFinalized')),
        r.finalized_at &&
          h(
            'p',
            { class: 'row' },
            h('a', { class: 'button secondary', href: `${base}/results.csv`, download: true }, t('exportCsv')),
            h('a', { class: 'button secondary', href: `${base}/results.xlsx`, download: true }, t('exportXlsx')),
            membership?.personal_data_export && h('a', { class: 'button secondary', href: `${base}/results.csv?personal=true`, download: true }, t('exportPersonal')),
          ),
        h('p', {}, h('a', { href: `#/contests/${contestId}/live/${r.id}` }, t('liveTitle'))),
        r.finalized_at && ranking(ctx, r, rankings),
      ),
    );
  }
  const winners = h('section', { id: 'winners', 'aria-labelledby': 'winners-h' });
  add(ctx.main, winners, ctx.role !== 'viewer' && disqualifyForm(ctx, async () => {
    await load();
    for (const reload of rankings) await reload();
  }));
  /** The public results page to share (Zalo, the portal): winners masked, statistics. */
  const publicLink = () => h('p', {}, h('a', { href: `/c/${encodeURIComponent(data.contest.slug)}/ket-qua`, target: '_blank', rel: 'noopener' }, t('publicResultsPage')));
  const load = async () => {
    /** @type {{items: Winner[]}} */
    const list = await get(`/api/admin/contests/${contestId}/winners`);
    const status = (/** @type {Winner['verification']} */ v) => t(v === 'verified' ? 'vVerified' : v === 'rejected' ? 'vRejected' : 'vPending');
    const rows = list.items.map((w) => {
      const reason = input({ type: 'text', id: `reason-${w.round_id}-${w.participant_id}` });
      const cell = h('div', { class: 'row' });
      const check = (/** @type {'verified' | 'rejected'} */ verdict) =>
        void ctx.run(cell, async () => {
          if (!reason.value.trim()) {
            reason.setAttribute('aria-invalid', 'true');
            const err = document.getElementById(`${reason.id}-err`);
            if (err) err.textContent = t('reasonRequired');
            reason.focus();
            return;
          }
          await post(`/api/admin/contests/${contestId}/winners/check`, { round_id: w.round_id, participant_id: w.participant_id, status: verdict, reason: reason.value });
          announce(t('checked'));
          await load();
        });
      if (ctx.role !== 'viewer') {
        cell.append(
          field(t('reasonFor', { name: w.full_name }), reason),
          h('button', { type: 'button', onclick: () => check('verified') }, t('verifyWinner')),
          h('button', { type: 'button', class: 'danger', onclick: () => check('rejected') }, t('rejectWinner')),
        );
      }
      return h('tr', { 'data-participant': w.participant_id },
        [w.round_title ?? t('overallTitle'), String(w.rank), w.prize, String(w.participant_id), w.full_name, w.phone, w.commune ?? ''].map((c) => h('td', {}, c)),
        h('td', { class: 'verification' }, status(w.verification)),
        h('td', {}, cell));
    });
    const publish = h('button', { type: 'button' }, t('publishWinners'));
    publish.addEventListener('click', () =>
      void ctx.run(publish.parentElement, async () => {
        await post(`/api/admin/contests/${contestId}/winners/publish`);
        announce(t('winnersPublished'));
        replace(out, h('p', { class: 'ok' }, t('winnersPublished')), publicLink());
      }),
    );
    const out = h('div', { id: 'winners-out' });
    replace(
      winners,
      h('h2', { id: 'winners-h' }, t('winners')),
      data.contest.winners_published_at ? h('p', {}, t('winnersPublished')) : null,
      data.contest.winners_published_at ? publicLink() : null,
      list.items.length
        ? h('table', {},
            h('caption', {}, t('winners')),
            h('thead', {}, h('tr', {}, [t('round'), t('rank'), t('prize'), t('participantId'), t('fullName'), t('phone'), t('commune'), t('verification'), t('actions')].map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', {}, rows))
        : h('p', {}, t('noWinners')),
      ctx.role !== 'viewer' && list.items.length ? h('div', {}, publish) : null,
      out,
    );
  };
  await load();
}

/**
 * A finalised round's ranking, a page at a time: ties shown as ties, the counted attempt and
 * how many attempts each person made; names and phones masked (any member may read it).
 * @param {Ctx} ctx @param {AdminRound} round @param {(() => Promise<void>)[]} reloads
 */
function ranking(ctx, round, reloads) {
  /** @param {RankedResult} x */
  const row = (x) => {
    const c = x.counted;
    return personRow(x,
      [
        String(c.correct),
        c.prediction === null ? '' : String(c.prediction),
        c.distance === null ? '' : String(c.distance),
        duration(c.duration_ms),
        when(c.submitted_at_ms),
        String(x.attempts.length),
      ]);
  };
  const paged = pagedTable(ctx, {
    id: `ranking-${round.id}`,
    caption: t('rankingOf', { round: round.title }),
    head: [...personHead(), t('correctAnswers'), t('predictionCol'), t('distance'), t('timeUsed'), t('submittedAt'), t('attemptsCol')],
    url: (page, perPage) => `/api/admin/rounds/${round.id}/results?page=${page}&per_page=${perPage}`,
    row,
  });
  reloads.push(async () => {
    if (opened) await paged.reload();
  });
  const section = h('details', { class: 'ranking', id: `ranking-${round.id}` },
    h('summary', {}, t('rankingOf', { round: round.title })),
    paged.table,
    paged.count,
    paged.more);
  let opened = false;
  section.addEventListener('toggle', () => {
    if (section.open && !opened) {
      opened = true;
      void ctx.run(null, paged.next);
    }
  });
  return section;
}

/** Disqualify a participant (or undo it), or mark them as staff, with a reason; results are recomputed by the server. @param {Ctx} ctx @param {() => Promise<void>} reload */
function disqualifyForm(ctx, reload) {
  const id = input({ type: 'number', min: 1, required: true });
  const reason = input({ type: 'text', required: true });
  const form = h('form', { novalidate: true, class: 'box', id: 'disqualify' },
    h('h2', {}, t('disqualifyTitle')),
    h('div', { class: 'row' }, field(t('participantId'), id), field(t('reason'), reason, { name: 'reason' })),
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'danger', value: 'disqualify' }, t('disqualify')),
      h('button', { type: 'submit', class: 'secondary', value: 'requalify' }, t('requalify')),
      h('button', { type: 'submit', class: 'secondary', value: 'staff' }, t('markStaff')),
      h('button', { type: 'submit', class: 'secondary', value: 'unstaff' }, t('unmarkStaff'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const action = /** @type {HTMLButtonElement | null} */ (/** @type {SubmitEvent} */ (e).submitter)?.value ?? 'disqualify';
    void ctx.run(form, async () => {
      const who = `/api/admin/participants/${Number(id.value)}`;
      if (action === 'staff' || action === 'unstaff') {
        // Staff may play but may not win.
        await post(`${who}/staff`, { staff: action === 'staff', reason: reason.value });
        announce(t(action === 'staff' ? 'staffMarked' : 'staffUnmarked', { id: id.value }));
      } else {
        await post(`${who}/${action === 'requalify' ? 'requalify' : 'disqualify'}`, { reason: reason.value });
        announce(t(action === 'requalify' ? 'requalified' : 'disqualified', { id: id.value }));
      }
      await reload();
    });
  });
  return form;
}
