// Organisation pages: the audit log (filtered, paged, CSV), members (admins) and one's own
// account (password, log out everywhere).

import { api, get, post, setCsrf } from './api.js';
import { add, announce, field, h, input, replace, select } from './dom.js';
import { t, when } from './i18n.js';

/** @param {Ctx} ctx */
export async function auditPage(ctx) {
  ctx.title(t('auditTitle'));
  /** @type {AuditEntry[]} */
  const entries = [];
  const action = input({ type: 'search', id: 'filter-action' });
  const who = input({ type: 'search', id: 'filter-who' });
  const body = h('tbody', {});
  const count = h('p', { role: 'status', id: 'audit-count' });
  const more = h('button', { type: 'button', class: 'secondary' }, t('loadMore'));
  const show = () => {
    const a = action.value.trim().toLowerCase();
    const w = who.value.trim().toLowerCase();
    const rows = entries.filter((e) => e.action.toLowerCase().includes(a) && (e.account_email ?? '').toLowerCase().includes(w));
    replace(body, rows.map((e) => h('tr', {}, [when(e.at), e.account_email ?? '', e.action, `${e.object_type}${e.object_id ? ' ' + e.object_id : ''}`, e.address ?? ''].map((c) => h('td', {}, c)))));
    count.textContent = t('shown', { n: rows.length });
  };
  const load = async () => {
    const before = entries.length ? `&before=${entries[entries.length - 1].id}` : '';
    /** @type {{items: AuditEntry[]}} */
    const page = await get(`/api/admin/orgs/${ctx.org}/audit?limit=100${before}`);
    entries.push(...page.items);
    more.hidden = page.items.length < 100;
    show();
  };
  action.addEventListener('input', show);
  who.addEventListener('input', show);
  more.addEventListener('click', () => void ctx.run(null, load));
  add(ctx.main, 
    h('p', {}, h('a', { href: `/api/admin/orgs/${ctx.org}/audit.csv`, download: true }, t('auditCsv'))),
    h('div', { class: 'row' }, field(t('filterAction'), action), field(t('filterWho'), who)),
    count,
    h('table', { id: 'audit' }, h('caption', {}, t('auditTitle')), h('thead', {}, h('tr', {}, [t('at'), t('who'), t('action'), t('object'), t('address')].map((c) => h('th', { scope: 'col' }, c)))), body),
    more,
  );
  await load();
}

const ROLES = /** @type {const} */ ([['viewer', 'roleViewer'], ['organiser', 'roleOrganiser'], ['admin', 'roleAdmin']]);

/** @param {Ctx} ctx */
export async function membersPage(ctx) {
  ctx.title(t('membersTitle'));
  if (ctx.role !== 'admin') {
    add(ctx.main, h('p', {}, t('onlyAdmins')));
    return;
  }
  const out = h('div', { id: 'member-out', 'aria-live': 'polite' });
  const list = h('div', {});
  const roleOptions = ROLES.map(([v, k]) => /** @type {[string, string]} */ ([v, t(k)]));
  const load = async () => {
    /** @type {{items: Member[]}} */
    const members = await get(`/api/admin/orgs/${ctx.org}/members`);
    replace(
      list,
      h('table', {},
        h('caption', {}, t('membersTitle')),
        h('thead', {}, h('tr', {}, [t('email'), t('displayName'), t('role'), t('personalExport'), t('actions')].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, members.items.map((m) => {
          const role = select(roleOptions, m.role, { 'aria-label': t('roleFor', { email: m.email }) });
          role.addEventListener('change', () => void ctx.run(null, async () => {
            await api('PATCH', `/api/admin/orgs/${ctx.org}/members/${m.account_id}`, { role: role.value });
            announce(t('roleChanged'));
          }));
          const reset = h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('resetPassword')}: ${m.email}` }, t('resetPassword'));
          reset.addEventListener('click', () => void ctx.run(null, async () => {
            const res = await post(`/api/admin/orgs/${ctx.org}/members/${m.account_id}/reset-password`);
            replace(out, h('p', {}, t('resetDone', { email: m.email, password: '' }), h('span', { class: 'secret' }, res.temporary_password)));
          }));
          return h('tr', {}, h('td', {}, m.email), h('td', {}, m.display_name), h('td', {}, role), h('td', {}, m.personal_data_export ? t('yes') : t('no')), h('td', {}, m.account_id === ctx.me.account_id ? '' : reset));
        }))),
    );
  };
  const email = input({ type: 'email', required: true });
  const name = input({ type: 'text', required: true });
  const role = select(roleOptions, 'organiser');
  const personal = input({ type: 'checkbox' });
  const form = h('form', { novalidate: true },
    h('h2', {}, t('invite')),
    field(t('email'), email, { name: 'email' }),
    field(t('displayName'), name, { name: 'display_name' }),
    field(t('role'), role, { name: 'role' }),
    field(t('personalExport'), personal, { name: 'personal_data_export' }),
    h('button', { type: 'submit' }, t('invite')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      const res = await post(`/api/admin/orgs/${ctx.org}/members`, { email: email.value, display_name: name.value, role: role.value, personal_data_export: personal.checked });
      replace(out, h('p', {}, t('invited', { email: email.value, password: '' }), h('span', { class: 'secret' }, res.temporary_password)));
      form.reset();
      await load();
    });
  });
  add(ctx.main, list, form, out);
  await load();
}

/** @param {Ctx} ctx */
export async function accountPage(ctx) {
  ctx.title(t('accountTitle'));
  const current = input({ type: 'password', autocomplete: 'current-password', required: true });
  const next = input({ type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const oneTime = ctx.me.password_change_required;
  const form = h('form', { novalidate: true },
    h('h2', {}, t('changePassword')),
    field(t('currentPassword'), current, { name: 'current_password' }),
    field(t('newPassword'), next, { name: 'new_password' }),
    h('button', { type: 'submit' }, t('changePassword')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.run(form, async () => {
      const res = await post('/api/admin/password', { current_password: current.value, new_password: next.value });
      if (res?.csrf_token) setCsrf(res.csrf_token);
      form.reset();
      announce(t('passwordChanged'));
      if (oneTime) {
        ctx.me.password_change_required = false;
        ctx.go('#/');
      }
    });
  });
  const all = h('button', { type: 'button', class: 'danger' }, t('logoutAll'));
  all.addEventListener('click', () => void ctx.run(null, async () => {
    const res = await post('/api/admin/logout-all');
    announce(t('loggedOutAll', { n: res.sessions_ended }));
    ctx.go('#/login');
  }));
  add(ctx.main,
    oneTime ? h('p', { id: 'one-time' }, h('strong', {}, t('oneTimePassword'))) : null,
    h('p', {}, t('signedInAs', { name: ctx.me.display_name, email: ctx.me.email })), form, h('h2', {}, t('logoutAll')), all);
  if (oneTime) current.focus();
}
