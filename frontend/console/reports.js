// Reports and files of a contest in one place: the report for the Ministry of Justice
// (PDF to print and sign, XLSX with its charts), for the contest and for each round; every
// answer of every attempt per round; the statistics and collective rankings. Files with
// personal data are offered only to members allowed to export them (the server refuses the
// others anyway, and audits every download).

import { get } from './api.js';
import { add, h } from './dom.js';
import { contestNav, download } from './contestnav.js';
import { sortTable } from './sorttable.js';
import { num, t } from './i18n.js';

/** @param {Ctx} ctx @param {number} contestId */
export async function reportsPage(ctx, contestId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  ctx.title(`${t('reportsTitle')} — ${data.contest.title}`);
  const personal = ctx.me.memberships.find((m) => m.organisation_id === ctx.org)?.personal_data_export ?? false;
  const base = `/api/admin/contests/${contestId}`;
  /** @type {{items: {participant_id: number, full_name: string, code: string, referred: number}[]}} */
  const referrals = await get(`${base}/referrals`);
  add(
    ctx.main,
    contestNav(contestId, '/reports'),
    h('section', { class: 'box', 'aria-labelledby': 'ministry-h', id: 'ministry' },
      h('h2', { id: 'ministry-h' }, t('ministryTitle')),
      h('p', { class: 'hint' }, t('ministryHint')),
      h('p', { class: 'row' }, download(`${base}/report.pdf`, t('ministryPdf')), download(`${base}/report.xlsx`, t('ministryXlsx'))),
      data.rounds.map((r) =>
        h('p', { class: 'row' },
          download(`${base}/report.pdf?round_id=${r.id}`, t('ministryRoundPdf', { round: r.title })),
          download(`${base}/report.xlsx?round_id=${r.id}`, t('ministryRoundXlsx', { round: r.title }))))),
    h('section', { class: 'box', 'aria-labelledby': 'answers-h', id: 'answers' },
      h('h2', { id: 'answers-h' }, t('answersTitle')),
      h('p', { class: 'hint' }, personal ? t('answersHintPersonal') : t('answersHintMasked')),
      data.rounds.map((r) => {
        const a = `/api/admin/rounds/${r.id}`;
        return h('div', { class: 'round-files' },
          h('h3', {}, r.title),
          h('p', { class: 'row' },
            download(`${a}/answers.csv`, t('answersCsv', { round: r.title })),
            download(`${a}/answers.xlsx`, t('answersXlsx', { round: r.title })),
            personal && download(`${a}/answers.csv?personal=true`, t('answersPersonalCsv', { round: r.title })),
            personal && download(`${a}/answers.xlsx?personal=true`, t('answersPersonalXlsx', { round: r.title }))));
      })),
    h('section', { class: 'box', 'aria-labelledby': 'tables-h' },
      h('h2', { id: 'tables-h' }, t('tablesTitle')),
      h('p', { class: 'row' },
        download(`${base}/stats.csv`, t('statsCsv')), download(`${base}/stats.xlsx`, t('statsXlsx')),
        download(`${base}/collective.csv`, t('collectiveCsv')), download(`${base}/collective.xlsx`, t('collectiveXlsx')))),
    h('section', { 'aria-labelledby': 'referrals-h', id: 'referrals' },
      h('h2', { id: 'referrals-h' }, t('referralsTitle')),
      h('p', { class: 'hint' }, t('referralsHint')),
      referrals.items.length
        ? sortTable({
            caption: t('referralsTitle'),
            columns: [
              { label: t('participantId'), value: (x) => x.participant_id, numeric: true },
              { label: t('fullName'), value: (x) => x.full_name },
              { label: t('referralCode'), value: (x) => x.code },
              { label: t('referred'), value: (x) => x.referred, cell: (x) => num(x.referred), numeric: true },
            ],
            rows: referrals.items,
          })
        : h('p', {}, t('noReferrals'))),
  );
}
