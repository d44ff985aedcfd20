// Helpers shared by the player's browser tests: Debian's Chromium, a cheap Android phone's
// context, registration through the API or the form, axe-core, screenshots.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const SLUG = 'pbgdpl-chuyen-doi-so';
const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
/** Screenshots land here (git-ignored; README "Screenshots"). */
export const SHOTS = fileURLToPath(new URL('../artifacts/screenshots/', import.meta.url));

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A cheap Android phone: 360 CSS pixels wide, touch, Vietnamese time zone, no service worker
 * (like an in-app webview). `bypassCSP` only so that the test can inject axe-core.
 * @param {import('playwright-core').Browser} browser
 * @param {{width?: number, height?: number, locale?: string, axe?: boolean}} [o]
 */
export async function phone(browser, o = {}) {
  const context = await browser.newContext({
    viewport: { width: o.width || 360, height: o.height || 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: o.locale || 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    serviceWorkers: 'block',
    bypassCSP: !!o.axe,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  /** @type {string[]} */
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return { context, page, pageErrors };
}

export function randomPhone() {
  return `09${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

/** A participant registered through the API: {token, participant_id, display_name, referral_code}. @param {string} base */
export async function registerByApi(base, name = 'Trần Văn Bình') {
  const [commune] = await (await fetch(`${base}/api/communes?province=15&q=sa%20pa`)).json();
  const contest = await (await fetch(`${base}/api/contests/${SLUG}`)).json();
  const res = await fetch(`${base}/api/contests/${SLUG}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      full_name: name, dob: '1990-01-15', sex: 'male', phone: randomPhone(), commune_code: commune.code,
      unit_code: commune.code, consent: { given: true, version: contest.consent.version },
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}

/** Puts a credential on the device as the app does after registering. @param {import('playwright-core').Page} page @param {string} base @param {any} auth */
export async function signInDevice(page, base, auth) {
  await page.goto(`${base}/c/${SLUG}`);
  await page.evaluate(([k, v]) => localStorage.setItem(k, v), [`thiluat:${SLUG}:auth`, JSON.stringify(auth)]);
  await page.reload();
}

/** axe-core, WCAG 2.1 A and AA: no violation. @param {import('playwright-core').Page} page @param {string} where */
export async function noAxeViolations(page, where) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    // @ts-ignore injected above
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((/** @type {any} */ v) => `${v.id}: ${v.help} — ${v.nodes.map((/** @type {any} */ n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
  });
  assert.deepEqual(violations, [], `axe-core on ${where}:\n${violations.join('\n')}`);
}

/** The whole page, or with `at` the 360×740 screen scrolled to that element. @param {import('playwright-core').Page} page @param {string} name @param {string} [at] */
export async function shot(page, name, at) {
  mkdirSync(SHOTS, { recursive: true });
  if (at) await page.locator(at).evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: !at });
}

/** @param {import('playwright-core').Page} page @param {string} where @param {number} [width] */
export async function noHorizontalScroll(page, where, width = 360) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= width, `horizontal scroll ${where}: scrollWidth ${w} > ${width}`);
}

/** @param {import('playwright-core').Page} page @param {string} id @param {string | RegExp} text */
export async function waitText(page, id, text) {
  await page.waitForFunction(
    ([i, t, re]) => {
      const v = (document.getElementById(i)?.textContent || '').trim();
      return re ? new RegExp(t).test(v) : v === t;
    },
    [id, typeof text === 'string' ? text : text.source, typeof text !== 'string'],
  );
}

/** Answers the current question with its first option and waits for "Đã lưu". @param {import('playwright-core').Page} page */
export async function answerCurrent(page, k = 0) {
  const labels = page.locator('#opts label.opt');
  await labels.nth(k % (await labels.count())).tap();
  await waitText(page, 'saved', 'Đã lưu');
}
