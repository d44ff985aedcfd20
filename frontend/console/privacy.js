// Personal data and participants' requests: the contest's retention, erasing a participant
// on a request received outside the app (results kept, anonymised), and granting a time
// extension (extra minutes or a multiple of the time limit) to a participant who needs it.

import { api, get, post } from './api.js';
import { add, announce, field, h, input, replace, showFieldErrors } from './dom.js';
import { contestNav } from './contestnav.js';
import { num, t, when } from './i18n.js';

/** @param {Ctx} ctx @param {number} contestId */
export async function privacyPage(ctx, contestId) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${contestId}`);
  ctx.title(`${t('privacyTitle')} — ${data.contest.title}`);
  const facts = h('dl', { id: 'privacy-facts', class: 'facts' });
  /** @param {PrivacySettings} p */
  const show = (p) =>
    replace(
      facts,
      h('dt', {}, t('retentionDays')), h('dd', {}, t('daysN', { n: num(p.retention_days) })),
      h('dt', {}, t('lastClose')), h('dd', {}, p.last_round_closes_at ? when(p.last_round_closes_at) : '—'),
      h('dt', {}, t('retentionEnds')), h('dd', {}, p.retention_ends_at ? when(p.retention_ends_at) : '—'),
      h('dt', {}, t('anonymisedAt')), h('dd', {}, p.anonymised_at ? when(p.anonymised_at) : t('notYet')),
      h('dt', {}, t('erasedCount')), h('dd', { id: 'erased-count' }, num(p.erased_participants)),
      h('dt', {}, t('reentry')), h('dd', {}, p.reentry_after_erasure ? t('yes') : t('no')),
    );
  /** @type {PrivacySettings} */
  const settings = await get(`/api/admin/contests/${contestId}/privacy`);
  show(settings);
  add(ctx.main, contestNav(contestId, '/privacy'), h('p', { class: 'hint' }, t('privacyHint')), h('h2', {}, t('retentionTitle')), facts);
  if (ctx.role === 'viewer') return;
  add(ctx.main, retentionForm(ctx, contestId, settings, show), eraseForm(ctx, contestId, show), extensionForm(ctx));
}

/** @param {Ctx} ctx @param {number} contestId @param {PrivacySettings} p @param {(p: PrivacySettings) => void} show */
function retentionForm(ctx, contestId, p, show) {
  const days = input({ type: 'number', min: 0, max: 3650, required: true, value: String(p.retention_days) });
  const reentry = input({ type: 'checkbox', checked: p.reentry_after_erasure });
  const form = h('form', { novalidate: true, class: 'box', id: 'retention-form' },
    h('h2', {}, t('retentionChange')),
    field(t('retentionDaysField'), days, { name: 'retention_days', hint: t('retentionHint') }),
    field(t('reentry'), reentry, { name: 'reentry_after_erasure' }),
    h('button', { type: 'submit' }, t('save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      show(await api('PUT', `/api/admin/contests/${contestId}/privacy`, { retention_days: Number(days.value), reentry_after_erasure: reentry.checked }));
      announce(t('saved'));
    });
  });
  return form;
}

/** @param {Ctx} ctx @param {number} contestId @param {(p: PrivacySettings) => void} show */
function eraseForm(ctx, contestId, show) {
  const id = input({ type: 'number', min: 1, required: true });
  const reason = input({ type: 'text', required: true, maxlength: 1000 });
  const out = h('div', { id: 'erase-out' });
  const form = h('form', { novalidate: true, class: 'box', id: 'erase-form' },
    h('h2', {}, t('eraseTitle')),
    h('p', { class: 'hint' }, t('eraseHint')),
    h('div', { class: 'row' }, field(t('participantId'), id, { name: 'participant_id' }), field(t('eraseReason'), reason, { name: 'reason' })),
    h('button', { type: 'submit', class: 'danger' }, t('eraseButton')),
    out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      if (!(Number(id.value) >= 1)) return void showFieldErrors(form, [{ field: 'participant_id', message: t('participantIdRequired') }]);
      if (!confirm(t('eraseConfirm', { id: id.value }))) return;
      await post(`/api/admin/participants/${Number(id.value)}/erase`, { reason: reason.value });
      const msg = t('erased', { id: id.value });
      show(await get(`/api/admin/contests/${contestId}/privacy`));
      replace(out, h('p', { class: 'ok' }, msg));
      announce(msg);
      form.reset();
    });
  });
  return form;
}

/** @param {Ctx} ctx */
function extensionForm(ctx) {
  const id = input({ type: 'number', min: 1, required: true });
  const extra = input({ type: 'number', min: 0, max: 600, value: '0', required: true });
  const multiplier = input({ type: 'number', min: 100, max: 300, value: '100', required: true });
  const reason = input({ type: 'text', required: true, maxlength: 1000 });
  const out = h('div', { id: 'extension-out' });
  const form = h('form', { novalidate: true, class: 'box', id: 'extension-form' },
    h('h2', {}, t('extensionTitle')),
    h('p', { class: 'hint' }, t('extensionHint')),
    h('div', { class: 'row' },
      field(t('participantId'), id, { name: 'participant_id' }),
      field(t('extraMinutes'), extra, { name: 'extra_minutes' }),
      field(t('multiplierPct'), multiplier, { name: 'multiplier_pct' })),
    field(t('extensionReason'), reason, { name: 'reason' }),
    h('button', { type: 'submit' }, t('grantExtension')),
    out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      if (!(Number(id.value) >= 1)) return void showFieldErrors(form, [{ field: 'participant_id', message: t('participantIdRequired') }]);
      /** @type {{participant_id: number, extra_minutes: number, multiplier_pct: number}} */
      const r = await api('PUT', `/api/admin/participants/${Number(id.value)}/extension`, {
        extra_minutes: Number(extra.value || 0), multiplier_pct: Number(multiplier.value || 100), reason: reason.value,
      });
      const msg = t('extensionGranted', { id: r.participant_id, minutes: r.extra_minutes, pct: r.multiplier_pct });
      replace(out, h('p', { class: 'ok' }, msg));
      announce(msg);
    });
  });
  return form;
}
