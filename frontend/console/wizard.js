// The contest wizard: contest → units → rounds → question bank → publish. Every step saves
// through the organiser API at once, so the wizard can be left and resumed at any step.

import { api, ApiError, get, post } from './api.js';
import { add, alertError, announce, clearFieldErrors, field, h, input, replace, select, table } from './dom.js';
import { renderMarkdown } from './markdown.js';
import { t, when } from './i18n.js';
import { PROVINCES } from './provinces.js';
import { scopeFields } from './scope.js';

/** @typedef {import('./i18n.js').Key} Key */

const STEPS = /** @type {const} */ ([
  ['', 'stepContest'],
  ['/units', 'stepUnits'],
  ['/rounds', 'stepRounds'],
  ['/questions', 'stepQuestions'],
  ['/publish', 'stepPublish'],
]);

/** The steps as links; the current one marked. @param {number | null} id @param {string} current */
function steps(id, current) {
  return h(
    'nav',
    { 'aria-label': t('wizard') },
    h(
      'ol',
      { class: 'steps' },
      STEPS.map(([suffix, key]) =>
        h(
          'li',
          {},
          id === null && suffix
            ? h('span', {}, t(key))
            : h('a', { href: `#/contests/${id ?? 'new'}${suffix}`, 'aria-current': suffix === current ? 'step' : null }, t(key)),
        ),
      ),
    ),
  );
}

/** A link to the next step. @param {number} id @param {string} suffix */
const nextLink = (id, suffix) => h('p', {}, h('a', { class: 'button secondary', href: `#/contests/${id}${suffix}` }, t('next')));

/** "2026-03-01T08:00" in Vietnam time (UTC+7, no daylight saving) for a datetime-local input. @param {string | null | undefined} iso */
export function toLocalInput(iso) {
  if (!iso) return '';
  return new Date(Date.parse(iso) + 7 * 3600_000).toISOString().slice(0, 16);
}

/** The RFC 3339 value of a datetime-local input read as Vietnam time. @param {string} v */
export function fromLocalInput(v) {
  return v ? `${v}:00+07:00` : null;
}

/** @param {HTMLInputElement} el */
const numberOrNull = (el) => (el.value.trim() === '' ? null : Number(el.value));

/** @param {Ctx} ctx @param {number | null} id */
export async function contestPage(ctx, id) {
  /** @type {AdminContest | null} */
  const data = id === null ? null : await get(`/api/admin/contests/${id}`);
  const c = data?.contest;
  ctx.title(c ? c.title : t('newContest'));
  const title = input({ type: 'text', required: true, value: c?.title ?? '' });
  const slug = input({ type: 'text', required: true, value: c?.slug ?? '', pattern: '[a-z0-9-]+' });
  const organiser = input({ type: 'text', required: true, value: c?.organiser ?? '' });
  const rules = h('textarea', { rows: 10 });
  rules.value = c?.rules_md ?? '';
  const preview = h('div', { class: 'preview', id: 'rules-preview', 'aria-live': 'polite' });
  const refresh = () => replace(preview, renderMarkdown(rules.value));
  rules.addEventListener('input', refresh);
  refresh();
  const minAge = input({ type: 'number', min: 0, max: 120, value: c?.min_age ?? '' });
  const elig = /** @type {{provinces?: string[], target_group?: string}} */ (c?.eligibility ?? {});
  const provinces = input({ type: 'text', value: (elig.provinces ?? []).join(', '), inputmode: 'numeric' });
  const target = input({ type: 'text', value: elig.target_group ?? '' });
  const cccd = input({ type: 'checkbox', checked: c?.cccd_required ?? false });
  const consentText = h('textarea', { rows: 4 });
  consentText.value = c?.consent_text ?? '';
  const consentVersion = input({ type: 'text', value: c?.consent_version ?? '' });
  const password = input({ type: 'password', autocomplete: 'new-password' });
  const opens = input({ type: 'datetime-local', value: toLocalInput(c?.registration_opens_at) });
  const closes = input({ type: 'datetime-local', value: toLocalInput(c?.registration_closes_at) });
  const logo = input({ type: 'url', value: c?.logo_url ?? '' });
  const onePrize = input({ type: 'checkbox', checked: c?.one_prize_per_person ?? false });
  const scope = scopeFields(c);
  const form = h(
    'form',
    { novalidate: true, id: 'contest-form' },
    field(t('contestTitle'), title, { name: 'title' }),
    field(t('slug'), slug, { name: 'slug', hint: t('slugHint') }),
    field(t('organiser'), organiser, { name: 'organiser' }),
    field(t('rules'), rules, { name: 'rules_md' }),
    h('h2', {}, t('preview')),
    preview,
    scope.el,
    h(
      'fieldset',
      {},
      h('legend', {}, t('eligibility')),
      field(t('minAge'), minAge, { name: 'min_age' }),
      field(t('provinces'), provinces, { name: 'eligibility' }),
      field(t('targetGroup'), target),
      field(t('cccdRequired'), cccd, { name: 'cccd_required' }),
    ),
    field(t('consentText'), consentText, { name: 'consent_text' }),
    field(t('consentVersion'), consentVersion, { name: 'consent_version' }),
    field(t('contestPassword'), password, {
      name: 'password',
      hint: c ? t('contestPasswordHint', { set: c.has_password ? t('yes') : t('no') }) : undefined,
    }),
    field(t('regOpens'), opens, { name: 'registration_opens_at' }),
    field(t('regCloses'), closes, { name: 'registration_closes_at' }),
    h('fieldset', {}, h('legend', {}, t('branding')), field(t('logoUrl'), logo, { name: 'logo_url' }), field(t('onePrize'), onePrize, { name: 'one_prize_per_person' })),
    h('button', { type: 'submit' }, c ? t('save') : t('create')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      clearFieldErrors(form);
      /** @type {Record<string, unknown>} */
      const eligibility = {};
      const codes = provinces.value.split(',').map((p) => p.trim()).filter(Boolean);
      if (codes.length) eligibility.provinces = codes;
      if (target.value.trim()) eligibility.target_group = target.value.trim();
      /** @type {Record<string, unknown>} */
      const body = {
        title: title.value,
        slug: slug.value.trim(),
        organiser: organiser.value,
        rules_md: rules.value,
        cccd_required: cccd.checked,
        consent_text: consentText.value,
        consent_version: consentVersion.value,
        eligibility,
        one_prize_per_person: onePrize.checked,
        ...scope.value(),
      };
      if (minAge.value !== '') body.min_age = Number(minAge.value);
      if (password.value) body.password = password.value;
      if (opens.value) body.registration_opens_at = fromLocalInput(opens.value);
      if (closes.value) body.registration_closes_at = fromLocalInput(closes.value);
      if (logo.value) body.logo_url = logo.value;
      if (c) {
        await api('PATCH', `/api/admin/contests/${c.id}`, body);
        announce(t('saved'));
      } else {
        const created = await post(`/api/admin/orgs/${ctx.org}/contests`, body);
        announce(t('created'));
        ctx.go(`#/contests/${created.id}/units`);
      }
    });
  });
  add(ctx.main, steps(id, ''), form, c ? nextLink(c.id, '/units') : null);
}

/** @param {Ctx} ctx @param {number} id */
export async function unitsPage(ctx, id) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${id}`);
  ctx.title(`${t('unitsTitle')} — ${data.contest.title}`);
  const listing = h('div', { id: 'units' });
  const load = async () => {
    /** @type {{items: UnitRecord[]}} */
    const units = await get(`/api/admin/contests/${id}/units`);
    replace(
      listing,
      h('p', {}, t('unitsCount', { n: units.items.length })),
      units.items.length
        ? table(
            t('unitsShown'),
            [t('code'), t('name'), t('parent'), t('kind'), t('headcount')],
            units.items.slice(0, 50).map((u) => [u.code, u.name, u.parent_code ?? '', u.kind ?? '', u.headcount ?? '']),
          )
        : null,
    );
  };
  const file = input({ type: 'file', accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  const fileForm = h('form', { novalidate: true }, field(t('unitsFile'), file, { name: 'file' }), h('button', { type: 'submit' }, t('unitsImport')));
  const report = h('div', { id: 'units-report' });
  fileForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(fileForm, async () => {
      replace(report);
      const f = file.files?.[0];
      if (!f) throw noFile(file);
      await importFile(`/api/admin/contests/${id}/units`, await f.arrayBuffer(), report, (res) => t('imported', { n: res.imported }));
      await load();
    });
  });
  const scoped = data.contest.scope_provinces ?? [];
  const province = select(PROVINCES.map(([code, name]) => [code, `${name} (${code})`]), scoped[0] ?? '01');
  const provForm = h('form', { novalidate: true, class: 'row' }, field(t('province'), province), h('button', { type: 'submit' }, t('communesImport')));
  provForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(provForm, async () => {
      const res = await post(`/api/admin/contests/${id}/units?communes_of_province=${province.value}`);
      announce(t('imported', { n: res.imported }));
      await load();
    });
  });
  add(ctx.main, steps(id, '/units'), provForm, fileForm, report, listing, nextLink(id, '/rounds'));
  await load();
}

/** An error for a file input left empty, shown next to it. @param {HTMLInputElement} el */
function noFile(el) {
  el.setAttribute('aria-invalid', 'true');
  const err = document.getElementById(`${el.id}-err`);
  if (err) err.textContent = t('chooseFile');
  el.focus();
  return new (class extends Error {})(t('chooseFile'));
}

/**
 * Uploads a file; a file with bad rows gets the row-by-row report in `report`.
 * @param {string} path @param {ArrayBuffer} bytes @param {HTMLElement} report @param {(res: any) => string} done
 */
async function importFile(path, bytes, report, done) {
  try {
    const res = await post(path, bytes);
    announce(done(res));
    return res;
  } catch (e) {
    const rows = e instanceof ApiError ? e.body.details?.rows : undefined;
    if (!(e instanceof ApiError) || e.code !== 'import_failed' || !rows) throw e;
    const box = h(
      'div',
      { class: 'errors', id: 'import-errors', tabindex: '-1' },
      h('p', { class: 'bad' }, t('importFailed', { n: rows.length })),
      table(t('importErrors'), [t('row'), t('column'), t('problem')], rows.map((r) => [String(r.row), r.column ?? '', r.message])),
    );
    replace(report, box);
    announce('');
    // The alert region says it at once; focus goes to the report so the rows read next.
    alertError(t('importFailed', { n: rows.length }));
    box.focus();
    return null;
  }
}

const RANK_KEYS = /** @type {const} */ ([
  ['correct_desc', 'rankCorrect'],
  ['prediction_distance_asc', 'rankPrediction'],
  ['duration_asc', 'rankDuration'],
  ['submitted_asc', 'rankSubmitted'],
]);

/** @param {Ctx} ctx @param {number} id @param {number | null} [editing] the round being edited */
export async function roundsPage(ctx, id, editing = null) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${id}`);
  ctx.title(`${t('roundsTitle')} — ${data.contest.title}`);
  const existing = data.rounds.length
    ? table(
        t('roundsTitle'),
        [t('roundTitle'), t('window'), t('questionsPer'), t('timeLimit'), t('prizes'), t('actions')],
        data.rounds.map((r) => [
          r.title,
          `${when(r.opens_at)} – ${when(r.closes_at)}`,
          String(r.questions_per_attempt),
          String(r.time_limit_ms / 60000),
          r.prizes.map((p) => `${p.name} × ${p.count}`).join(', '),
          h('a', { href: `#/contests/${id}/rounds/${r.id}`, 'aria-label': `${t('edit')}: ${r.title}` }, t('edit')),
        ]),
      )
    : h('p', {}, t('noRounds'));
  const round = data.rounds.find((r) => r.id === editing) ?? null;
  add(ctx.main, steps(id, '/rounds'), existing, roundForm(ctx, id, round), nextLink(id, '/questions'));
}

/**
 * The form of a new round, or of `round` prefilled: saving it sends only what changed (a
 * started round accepts text and prize changes only).
 * @param {Ctx} ctx @param {number} contestId @param {AdminRound | null} round
 */
function roundForm(ctx, contestId, round) {
  const now = Date.now();
  const title = input({ type: 'text', required: true, value: round?.title ?? '' });
  const mode = select([['self_paced', t('modeSelf')], ['live', t('modeLive')]], round?.mode ?? 'self_paced');
  const opens = input({ type: 'datetime-local', required: true, value: toLocalInput(round?.opens_at ?? new Date(now).toISOString()) });
  const closes = input({ type: 'datetime-local', required: true, value: toLocalInput(round?.closes_at ?? new Date(now + 7 * 86400_000).toISOString()) });
  const perAttempt = input({ type: 'number', min: 1, required: true, value: round?.questions_per_attempt ?? 10 });
  const minutes = input({ type: 'number', min: 1, max: 1440, required: true, value: round ? round.time_limit_ms / 60000 : 15 });
  const attempts = input({ type: 'number', min: 1, value: round?.attempt_limit ?? '' });
  const grace = input({ type: 'number', min: 0, max: 60, value: round ? round.grace_ms / 1000 : 2 });
  const groups = h('div', { id: 'draw-groups' });
  const addGroup = (/** @type {DrawGroup} */ g) => {
    const n = groups.children.length + 1;
    const countEl = input({ type: 'number', min: 0, value: g.count, 'data-k': 'count' });
    const diff = select([['', t('anyDifficulty')], ['easy', t('easy')], ['medium', t('medium')], ['hard', t('hard')]], g.difficulty ?? '', { 'data-k': 'difficulty' });
    const topics = input({ type: 'text', 'data-k': 'topics', value: (g.topics ?? []).join(', ') });
    const row = h(
      'fieldset',
      { class: 'row' },
      h('legend', {}, t('groupN', { n })),
      field(t('drawCount'), countEl),
      field(t('drawDifficulty'), diff),
      field(t('drawTopics'), topics),
      h('button', { type: 'button', class: 'secondary', 'aria-label': t('removeGroup', { n }), onclick: () => row.remove() }, '×'),
    );
    groups.append(row);
  };
  for (const g of round?.draw_rule ?? [{ count: 10 }]) addGroup(g);
  const predTarget = select(
    [['', t('predictionNone')], ['participants', t('predictionParticipants')], ['attempts', t('predictionAttempts')], ['perfect_participants', t('predictionPerfect')]],
    round?.prediction_target ?? '',
  );
  const predQuestion = input({ type: 'text', value: round?.prediction_question ?? '' });
  const chain = round?.ranking_chain ?? RANK_KEYS.map(([k]) => k);
  const ranking = chain.map((key) => select(RANK_KEYS.map(([k, label]) => [k, t(label)]), key));
  const changeable = input({ type: 'checkbox', checked: round?.answers_changeable ?? true });
  const reveal = select([['after_close', t('revealAfterClose')], ['after_submit', t('revealAfterSubmit')], ['never', t('revealNever')]], round?.reveal ?? 'after_close');
  const prizes = h('div', { id: 'prizes' });
  const addPrize = (/** @type {Tier} */ tier) => {
    const n = prizes.children.length + 1;
    prizes.append(
      h('div', { class: 'row' }, field(`${t('prizeN', { n })}: ${t('prizeName')}`, input({ type: 'text', 'data-k': 'name', value: tier.name })), field(`${t('prizeN', { n })}: ${t('prizeCount')}`, input({ type: 'number', min: 1, value: tier.count, 'data-k': 'count' }))),
    );
  };
  for (const tier of round?.prizes.length ? round.prizes : [{ name: '', count: 1 }]) addPrize(tier);
  /** @param {Element} el @param {string} k */
  const val = (el, k) => /** @type {HTMLInputElement} */ (el.querySelector(`[data-k="${k}"]`)).value;
  /** The request body the form says now. @returns {Record<string, unknown>} */
  const read = () => {
    const draw = [...groups.children].map((g) => {
      /** @type {DrawGroup} */
      const group = { count: Number(val(g, 'count')) };
      if (val(g, 'difficulty')) group.difficulty = val(g, 'difficulty');
      const topics = val(g, 'topics').split(',').map((x) => x.trim()).filter(Boolean);
      if (topics.length) group.topics = topics;
      return group;
    });
    const tiers = [...prizes.children].map((p) => ({ name: val(p, 'name').trim(), count: Number(val(p, 'count')) })).filter((p) => p.name);
    /** @type {Record<string, unknown>} */
    const body = {
      title: title.value,
      mode: mode.value,
      opens_at: fromLocalInput(opens.value),
      closes_at: fromLocalInput(closes.value),
      questions_per_attempt: numberOrNull(perAttempt),
      time_limit_minutes: numberOrNull(minutes),
      grace_seconds: numberOrNull(grace),
      draw,
      ranking: ranking.map((r) => r.value),
      answers_changeable: changeable.checked,
      reveal: reveal.value,
      prizes: tiers,
    };
    if (attempts.value) body.attempt_limit = Number(attempts.value);
    if (predTarget.value) body.prediction = { target: predTarget.value, question: predQuestion.value };
    return body;
  };
  const initial = read();
  const form = h(
    'form',
    { novalidate: true, id: 'round-form' },
    h('h2', {}, round ? `${t('editRound')}: ${round.title}` : t('addRound')),
    field(t('roundTitle'), title, { name: 'title' }),
    field(t('mode'), mode, { name: 'mode' }),
    h('div', { class: 'row' }, field(t('opensAt'), opens, { name: 'opens_at' }), field(t('closesAt'), closes, { name: 'closes_at' })),
    h(
      'div',
      { class: 'row' },
      field(t('questionsPer'), perAttempt, { name: 'questions_per_attempt' }),
      field(t('timeLimit'), minutes, { name: 'time_limit_minutes' }),
      field(t('attemptLimit'), attempts, { name: 'attempt_limit' }),
      field(t('grace'), grace, { name: 'grace_seconds' }),
    ),
    h('fieldset', {}, h('legend', {}, t('draw')), groups, h('button', { type: 'button', class: 'secondary', onclick: () => addGroup({ count: 0 }) }, t('addGroup'))),
    h('fieldset', {}, h('legend', {}, t('prediction')), field(t('predictionTarget'), predTarget, { name: 'prediction' }), field(t('predictionQuestion'), predQuestion)),
    h('fieldset', {}, h('legend', {}, t('ranking')), h('div', { class: 'row' }, ranking.map((r, i) => field(t('rankN', { n: i + 1 }), r, { name: i ? '' : 'ranking' })))),
    field(t('answersChangeable'), changeable, { name: 'answers_changeable' }),
    field(t('reveal'), reveal, { name: 'reveal' }),
    h('fieldset', {}, h('legend', {}, t('prizes')), prizes, h('button', { type: 'button', class: 'secondary', onclick: () => addPrize({ name: '', count: 1 }) }, t('addPrize'))),
    h('button', { type: 'submit' }, round ? t('save') : t('addRound')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      clearFieldErrors(form);
      const body = read();
      if (round) {
        const changed = Object.fromEntries(Object.entries(body).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(initial[k])));
        await api('PATCH', `/api/admin/rounds/${round.id}`, changed);
        announce(t('saved'));
        ctx.go(`#/contests/${contestId}/rounds`);
        return;
      }
      await post(`/api/admin/contests/${contestId}/rounds`, body);
      announce(t('roundAdded'));
      ctx.go(`#/contests/${contestId}/rounds`);
    });
  });
  return form;
}

/** @param {Ctx} ctx @param {number} id */
export async function questionsPage(ctx, id) {
  ctx.title(t('questionsTitle'));
  const summary = h('div', { id: 'bank' });
  const load = async () => {
    /** @type {{items: BankQuestion[]}} */
    const bank = await get(`/api/admin/orgs/${ctx.org}/questions`);
    /** @type {Map<string, number>} */
    const counts = new Map();
    for (const q of bank.items) counts.set(`${q.topic}\u0000${q.difficulty}`, (counts.get(`${q.topic}\u0000${q.difficulty}`) ?? 0) + 1);
    const diffName = (/** @type {string} */ d) => (d === 'easy' || d === 'medium' || d === 'hard' ? t(d) : d);
    replace(
      summary,
      h('p', { id: 'bank-count' }, t('bankCount', { n: bank.items.length })),
      counts.size
        ? table(t('bankByTopic'), [t('topic'), t('difficulty'), t('count')], [...counts].sort().map(([k, n]) => {
            const [topic, d] = k.split('\u0000');
            return [topic, diffName(d), String(n)];
          }))
        : null,
      bank.items.length
        ? h('details', {}, h('summary', {}, t('bankList')),
            table(t('bankList'), [t('code'), t('topic'), t('difficulty'), t('question'), t('version')],
              bank.items.slice(0, 200).map((q) => [q.code, q.topic, diffName(q.difficulty), q.text, String(q.version)])))
        : null,
    );
  };
  const file = input({ type: 'file', accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  const report = h('div', { id: 'import-report' });
  const form = h('form', { novalidate: true }, field(t('bankFile'), file, { name: 'file' }), h('button', { type: 'submit' }, t('bankImport')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      clearFieldErrors(form);
      replace(report);
      const f = file.files?.[0];
      if (!f) throw noFile(file);
      const res = await importFile(`/api/admin/orgs/${ctx.org}/questions/import`, await f.arrayBuffer(), report, (r) => t('importDone', r));
      if (res) replace(report, h('p', { class: 'ok' }, t('importDone', res)));
      await load();
    });
  });
  add(ctx.main, 
    steps(id, '/questions'),
    form,
    report,
    summary,
    h('p', {}, h('a', { href: `/api/admin/orgs/${ctx.org}/questions/export.xlsx`, download: true }, t('bankExport'))),
    nextLink(id, '/publish'),
  );
  await load();
}

/** @param {Ctx} ctx @param {number} id */
export async function publishPage(ctx, id) {
  /** @type {AdminContest} */
  const data = await get(`/api/admin/contests/${id}`);
  ctx.title(`${t('publishTitle')} — ${data.contest.title}`);
  const out = h('div', { id: 'publish-result' });
  const playerLink = () => h('p', {}, h('a', { href: `/c/${data.contest.slug}` }, `${t('playerLink')}: /c/${data.contest.slug}`));
  const button = h('button', { type: 'button' }, t('publishButton'));
  const wrap = h('div', {}, h('p', {}, t('publishIntro')), button);
  button.addEventListener('click', () =>
    void ctx.run(wrap, async () => {
          try {
        const res = await post(`/api/admin/contests/${id}/publish`);
        replace(out, h('p', { class: 'ok' }, t('published', { n: res.questions })), playerLink(), h('p', {}, h('a', { href: `#/contests/${id}/live` }, t('liveTitle'))));
        announce(t('published', { n: res.questions }));
      } catch (e) {
        const problems = e instanceof ApiError && e.code === 'publish_blocked' ? e.body.details?.problems : undefined;
        if (!problems) throw e;
        const box = h('div', { class: 'errors', tabindex: '-1', id: 'problems' }, h('h2', {}, t('problems')), h('ul', {}, problems.map((p) => h('li', { 'data-code': p.code }, p.message))));
        replace(out, h('p', { class: 'bad' }, t('publishBlocked', { n: problems.length })), box);
            alertError(t('publishBlocked', { n: problems.length }));
        box.focus();
      }
    }),
  );
  add(ctx.main, steps(id, '/publish'), data.contest.status === 'published' ? h('p', { class: 'ok' }, t('alreadyPublished')) : null, wrap, out, data.contest.status === 'published' ? playerLink() : null);
}
