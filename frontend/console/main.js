// The organiser console: session, layout, client-side routing (after `#`), login and the
// contests list. Each other page lives in its own module.

import { api, ApiError, get, post, setCsrf } from './api.js';
import { add, alertError, announce, clearFieldErrors, clearStaleAnnouncement, field, h, input, replace, select, showFieldErrors, table } from './dom.js';
import { lang, setLang, t } from './i18n.js';
import { contestPage, publishPage, questionsPage, roundsPage, unitsPage } from './wizard.js';
import { livePage } from './live.js';
import { resultsPage } from './results.js';
import { overallPage } from './overall.js';
import { accountPage, auditPage, membersPage } from './org.js';
import { collectivePage, statsPage, surveyPage } from './stats.js';
import { questionStatsPage } from './questionstats.js';
import { casesPage } from './cases.js';
import { privacyPage } from './privacy.js';
import { reportsPage } from './reports.js';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
/** @type {Me | null} */
let me = null;
const ORG_KEY = 'thiluat:console:org';
/** @type {(() => void)[]} */
let leaving = [];

/** @typedef {(ctx: Ctx, ...params: string[]) => Promise<void>} Page */

/** @type {[RegExp, Page][]} */
const ROUTES = [
  [/^$/, contestsPage],
  [/^contests\/new$/, (ctx) => contestPage(ctx, null)],
  [/^contests\/(\d+)$/, (ctx, id) => contestPage(ctx, Number(id))],
  [/^contests\/(\d+)\/units$/, (ctx, id) => unitsPage(ctx, Number(id))],
  [/^contests\/(\d+)\/rounds(?:\/(\d+))?$/, (ctx, id, round) => roundsPage(ctx, Number(id), round ? Number(round) : null)],
  [/^contests\/(\d+)\/questions$/, (ctx, id) => questionsPage(ctx, Number(id))],
  [/^contests\/(\d+)\/publish$/, (ctx, id) => publishPage(ctx, Number(id))],
  [/^contests\/(\d+)\/live(?:\/(\d+))?$/, (ctx, id, round) => livePage(ctx, Number(id), round ? Number(round) : null)],
  [/^contests\/(\d+)\/results$/, (ctx, id) => resultsPage(ctx, Number(id))],
  [/^contests\/(\d+)\/overall$/, (ctx, id) => overallPage(ctx, Number(id))],
  [/^contests\/(\d+)\/stats(?:\/(\d+))?$/, (ctx, id, round) => statsPage(ctx, Number(id), round ? Number(round) : null)],
  [/^contests\/(\d+)\/collective$/, (ctx, id) => collectivePage(ctx, Number(id))],
  [/^contests\/(\d+)\/question-stats(?:\/(\d+))?$/, (ctx, id, round) => questionStatsPage(ctx, Number(id), round ? Number(round) : null)],
  [/^contests\/(\d+)\/survey(?:\/(\d+))?$/, (ctx, id, round) => surveyPage(ctx, Number(id), round ? Number(round) : null)],
  [/^contests\/(\d+)\/cases$/, (ctx, id) => casesPage(ctx, Number(id))],
  [/^contests\/(\d+)\/reports$/, (ctx, id) => reportsPage(ctx, Number(id))],
  [/^contests\/(\d+)\/privacy$/, (ctx, id) => privacyPage(ctx, Number(id))],
  [/^audit$/, auditPage],
  [/^members$/, membersPage],
  [/^account$/, accountPage],
];

/** @param {string} hash */
const go = (hash) => {
  if (location.hash === hash) void route();
  else location.hash = hash;
};

/** @param {Membership} m */
const roleName = (m) => t(m.role === 'admin' ? 'roleAdmin' : m.role === 'organiser' ? 'roleOrganiser' : 'roleViewer');

/** @returns {Ctx} */
function context() {
  if (!me) throw new Error('not signed in');
  const stored = Number(localStorage.getItem(ORG_KEY));
  const membership = me.memberships.find((m) => m.organisation_id === stored) ?? me.memberships[0];
  return {
    me,
    org: membership?.organisation_id ?? 0,
    role: membership?.role ?? 'viewer',
    main,
    title(text) {
      const h1 = h('h1', { tabindex: '-1', id: 'page-title' }, text);
      main.prepend(h1);
      document.title = `${text} — ${t('app')}`;
      h1.focus();
    },
    go,
    run: (form, fn) => run(form, fn),
    onLeave: (fn) => void leaving.push(fn),
  };
}

/** @param {HTMLElement | null} form @param {() => Promise<void>} fn */
async function run(form, fn) {
  alertError('');
  // Errors of the last try go; this one's are shown if it fails too.
  if (form) clearFieldErrors(form);
  const buttons = form ? [...form.querySelectorAll('button')] : [];
  buttons.forEach((b) => (b.disabled = true));
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 401 && e.code === 'unauthorized') {
      me = null;
      go('#/login');
      return;
    }
    if (e.status === 403 && e.code === 'password_change_required') {
      if (me) me.password_change_required = true;
      go('#/account');
      return;
    }
    if (e.code === 'network') return alertError(t('network'));
    const rest = form && e.body.fields ? showFieldErrors(form, e.body.fields) : [];
    alertError([e.body.message, ...rest].join('\n'));
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

function layout() {
  document.documentElement.lang = lang();
  const skip = document.getElementById('skip');
  if (skip) skip.textContent = t('skip');
  replace(/** @type {HTMLElement} */ (document.getElementById('brand')), t('app'));
  const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
  nav.setAttribute('aria-label', t('nav'));
  const here = location.hash.replace(/^#\/?/, '').split('/')[0];
  const link = (/** @type {string} */ href, /** @type {string} */ text, /** @type {string} */ key) =>
    h('a', { href, 'aria-current': here === key ? 'page' : null }, text);
  const ctx = me ? context() : null;
  replace(
    nav,
    me && [
      link('#/', t('navContests'), ''),
      ctx && ctx.role !== 'viewer' && link('#/audit', t('navAudit'), 'audit'),
      ctx?.role === 'admin' && link('#/members', t('navMembers'), 'members'),
      link('#/account', t('navAccount'), 'account'),
    ],
  );
  const langSelect = select([['vi', 'Tiếng Việt'], ['en', 'English']], lang(), {
    id: 'lang',
    onchange: (/** @type {Event} */ e) => {
      setLang(/** @type {'vi' | 'en'} */ (/** @type {HTMLSelectElement} */ (e.target).value));
      void route();
    },
  });
  /** @type {HTMLSelectElement | null} */
  let orgSelect = null;
  if (me && me.memberships.length > 1 && ctx) {
    orgSelect = select(
      me.memberships.map((m) => [String(m.organisation_id), t('orgN', { name: m.organisation_name, role: roleName(m) })]),
      String(ctx.org),
      {
        id: 'org',
        onchange: (/** @type {Event} */ e) => {
          localStorage.setItem(ORG_KEY, /** @type {HTMLSelectElement} */ (e.target).value);
          go('#/');
        },
      },
    );
  }
  replace(
    /** @type {HTMLElement} */ (document.getElementById('tools')),
    orgSelect ? [h('label', { for: 'org' }, t('org')), orgSelect] : ctx && h('span', { id: 'org-name' }, me?.memberships.find((m) => m.organisation_id === ctx.org)?.organisation_name),
    h('label', { for: 'lang' }, t('language')),
    langSelect,
    me &&
      h('button', { type: 'button', class: 'secondary', onclick: () => void run(null, async () => {
        await post('/api/admin/logout');
        me = null;
        announce(t('loggedOut'));
        go('#/login');
      }) }, t('logout')),
  );
}

async function route() {
  for (const fn of leaving) fn();
  leaving = [];
  alertError('');
  clearStaleAnnouncement();
  const path = location.hash.replace(/^#\/?/, '');
  if (!me && path !== 'login') {
    try {
      me = await get('/api/admin/me');
      setCsrf(me?.csrf_token ?? '');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return go('#/login');
      if (e instanceof ApiError) return alertError(e.code === 'network' ? t('network') : e.message);
      throw e;
    }
  }
  layout();
  replace(main);
  if (path === 'login') return loginPage();
  // A one-time password (a new member's, a reset one) opens only the account page, where
  // the person chooses their own.
  if (me?.password_change_required && path !== 'account') return go('#/account');
  const ctx = context();
  for (const [re, page] of ROUTES) {
    const m = re.exec(path);
    if (m) return run(null, () => page(ctx, ...m.slice(1)));
  }
  ctx.title(t('notFound'));
}

function loginPage() {
  me = null;
  layout();
  const email = input({ type: 'email', autocomplete: 'username', required: true });
  const password = input({ type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { novalidate: true },
    field(t('email'), email, { name: 'email' }),
    field(t('password'), password, { name: 'password' }),
    h('button', { type: 'submit' }, t('loginButton')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(form, async () => {
      const res = await api('POST', '/api/admin/login', { email: email.value, password: password.value });
      setCsrf(res.csrf_token);
      me = await get('/api/admin/me');
      password.value = '';
      go('#/');
    });
  });
  replace(main, form);
  const h1 = h('h1', { tabindex: '-1' }, t('loginTitle'));
  main.prepend(h1);
  document.title = `${t('loginTitle')} — ${t('app')}`;
  email.focus();
}

/** @param {Ctx} ctx */
async function contestsPage(ctx) {
  ctx.title(t('contestsTitle'));
  /** @type {{items: {id: number, slug: string, title: string, status: string, scope_set: boolean}[]}} */
  const list = await get(`/api/admin/orgs/${ctx.org}/contests`);
  add(main, 
    ctx.role !== 'viewer' ? h('p', {}, h('a', { class: 'button', href: '#/contests/new' }, t('newContest'))) : null,
    list.items.length
      ? table(
          t('contestsTitle'),
          [t('title'), t('slug'), t('status'), t('actions')],
          list.items.map((c) => [
            c.title,
            c.slug,
            [c.status === 'published' ? t('statusPublished') : t('statusDraft'),
              c.scope_set ? null : [' — ', h('a', { href: `#/contests/${c.id}` }, t('scopeMissing'))]],
            h(
              'span',
              { class: 'row' },
              h('a', { href: `#/contests/${c.id}`, 'aria-label': `${t('edit')}: ${c.title}` }, t('edit')),
              h('a', { href: `#/contests/${c.id}/live`, 'aria-label': `${t('live')}: ${c.title}` }, t('live')),
              h('a', { href: `#/contests/${c.id}/results`, 'aria-label': `${t('results')}: ${c.title}` }, t('results')),
              h('a', { href: `#/contests/${c.id}/stats`, 'aria-label': `${t('reportsLink')}: ${c.title}` }, t('reportsLink')),
            ),
          ]),
        )
      : h('p', {}, t('noContests')),
  );
}

window.addEventListener('hashchange', () => void route());
void route();
