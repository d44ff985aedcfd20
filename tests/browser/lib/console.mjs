// The organiser side of the console tests: a session over the API (cookie + CSRF header, as
// the console sends them) for setting data up and checking what the browser did, and a
// desktop browser context that records page errors.

import assert from 'node:assert/strict';

/** @typedef {{base: string, cookie: string, csrf: string, org: number}} Session */

/**
 * Signs an organiser in; the session belongs to the first organisation of the account.
 * @param {string} base @param {string} email @param {string} password @returns {Promise<Session>}
 */
export async function login(base, email, password) {
  const res = await fetch(`${base}/api/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  assert.equal(res.status, 200);
  const { csrf_token } = await res.json();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const me = await (await fetch(`${base}/api/admin/me`, { headers: { cookie } })).json();
  return { base, cookie, csrf: csrf_token, org: me.memberships[0].organisation_id };
}

/**
 * A new member's first login in the console, as the person does it (issue 16 item 3): the
 * one-time password an admin handed over, the change form
 * the console shows instead of anything else, then the contests list.
 * @param {import('playwright-core').Page} page @param {string} base @param {string} email @param {string} temporary @param {string} own
 */
export async function firstLoginInConsole(page, base, email, temporary, own) {
  await page.goto(`${base}/console/#/login`);
  await page.getByLabel('Thư điện tử').fill(email);
  await page.getByLabel('Mật khẩu').fill(temporary);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tài khoản' }).waitFor();
  await page.getByLabel('Mật khẩu hiện tại').fill(temporary);
  await page.getByLabel(/^Mật khẩu mới/).fill(own);
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cuộc thi' }).waitFor();
}

/**
 * Calls the organiser API with a session.
 * @param {Session} who @param {string} method @param {string} path @param {unknown} [body] JSON, or a string sent as a file
 * @returns {Promise<{status: number, body: any}>}
 */
export async function call(who, method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { cookie: who.cookie };
  if (method !== 'GET') headers['x-csrf-token'] = who.csrf;
  /** @type {string | undefined} */
  let payload;
  if (typeof body === 'string') {
    headers['content-type'] = 'application/octet-stream';
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${who.base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

/** The body of an answer that must have `status`. @param {{status: number, body: any}} r @param {number} [status] */
export function ok(r, status = 200) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  return r.body;
}

/**
 * A 1280×800 desktop in Vietnam; `problems` collects page errors and refused resources
 * (4xx answers the page handles itself are not problems).
 * @param {import('playwright-core').Browser} browser
 */
export async function desktop(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(m.text());
  });
  return { context, page, problems };
}
