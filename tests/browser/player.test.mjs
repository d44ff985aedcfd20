// The phone player page in a real Chromium against the real server (see lib/server.mjs).
// Waits on elements and states only; no fixed sleeps.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './lib/server.mjs';
import { launch } from './lib/phone.mjs';

const SLUG = 'pbgdpl-chuyen-doi-so';
const ATT_KEY = `thiluat:${SLUG}:att`;

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A cheap Android phone: 360 CSS pixels wide, touch, Vietnamese time zone. */
async function phone(locale = 'vi-VN') {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale,
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  /** @type {string[]} */
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return { context, page, pageErrors };
}

/** @param {import('playwright-core').Page} page */
async function noHorizontalScroll(page, where = '') {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `horizontal scroll ${where}: scrollWidth ${width} > 360`);
}

/** @param {import('playwright-core').Page} page @param {string} id @param {string} text */
async function waitText(page, id, text) {
  await page.waitForFunction(
    ([i, t]) => (document.getElementById(i)?.textContent || '').trim() === t,
    [id, text],
  );
}

/** @param {import('playwright-core').Page} page */
async function pendingCount(page) {
  return page.evaluate((k) => JSON.parse(localStorage.getItem(k) || '{"pending":[]}').pending.length, ATT_KEY);
}

test('a citizen registers, answers through a dropped connection and a reload, and submits', { timeout: 110_000 }, async () => {
  const { context, page, pageErrors } = await phone();
  try {
    /** @type {{dir: string, msg: any}[]} websocket frames, across reloads */
    const frames = [];
    page.on('websocket', (ws) => {
      ws.on('framesent', (f) => frames.push({ dir: 'out', msg: JSON.parse(String(f.payload)) }));
      ws.on('framereceived', (f) => frames.push({ dir: 'in', msg: JSON.parse(String(f.payload)) }));
    });
    await page.goto(`${server.base}/c/${SLUG}`);
    await page.getByRole('heading', { level: 1, name: /chuyển đổi số/ }).waitFor();
    await page.getByText('Tuần thi thứ nhất').first().waitFor();

    // Registration: a commune typed without diacritics resolves to the list's entry.
    const reg = page.locator('#reg');
    const phoneNumber = `09${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    await reg.getByLabel('Họ và tên').fill('Nguyễn Thị Hồng Nhung');
    await reg.getByLabel('Ngày sinh').fill('1995-05-20');
    await reg.getByLabel('Giới tính').selectOption({ label: 'Nữ' });
    await reg.getByLabel('Số điện thoại').fill(phoneNumber);
    const [sapa] = await (await fetch(`${server.base}/api/communes?province=15&q=sa%20pa`)).json();
    assert.equal(sapa.name, 'Phường Sa Pa');
    const commune = reg.getByLabel('Xã, phường, đặc khu');
    await commune.fill('sa pa');
    await commune.press('Tab');
    await page.waitForFunction(() => /** @type {HTMLInputElement} */ (document.getElementById('commune_code')).value === 'Phường Sa Pa');
    assert.equal(await reg.getByLabel('Đơn vị dự thi').inputValue(), sapa.code, 'the unit follows the commune');
    const consent = reg.getByLabel(/đồng ý với việc xử lý dữ liệu/);
    assert.equal(await consent.isChecked(), false, 'consent is never pre-ticked');
    await consent.check();
    await noHorizontalScroll(page, 'on the registration form');
    await reg.getByRole('button', { name: 'Đăng ký' }).tap();

    const startButton = page.getByRole('button', { name: 'Bắt đầu làm bài' });
    await startButton.waitFor();
    const auth = await page.evaluate((k) => JSON.parse(localStorage.getItem(k) || 'null'), `thiluat:${SLUG}:auth`);
    assert.ok(auth && auth.token && auth.participant_id > 0 && auth.display_name, 'credential kept on the device');
    await startButton.tap();
    await waitText(page, 'q-h', 'Câu 1/20');
    const startFrame = frames.find((f) => f.dir === 'out' && f.msg.type === 'start');
    assert.ok(startFrame, 'start sent');
    assert.match(startFrame.msg.request_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await noHorizontalScroll(page, 'on a question');

    /** @type {Map<number, string>} option chosen per question index */
    const chosen = new Map();
    /** @param {number} i */
    const answer = async (i) => {
      await waitText(page, 'q-h', `Câu ${i + 1}/20`);
      const labels = page.locator('#opts label.opt');
      const k = i % (await labels.count());
      await labels.nth(k).tap();
      const value = await labels.nth(k).locator('input').getAttribute('value');
      assert.ok(value);
      chosen.set(i, value);
      assert.equal(await labels.nth(k).locator('input').isChecked(), true);
    };
    const next = page.getByRole('button', { name: 'Câu sau' });

    for (let i = 0; i < 5; i++) {
      await answer(i);
      await waitText(page, 'saved', 'Đã lưu');
      await next.tap();
    }
    assert.equal(await pendingCount(page), 0);

    // The network drops: the answer waits on the device.
    await context.setOffline(true);
    await page.locator('#net').waitFor({ state: 'visible' });
    await answer(5);
    await waitText(page, 'saved', 'Chưa lưu — chờ kết nối');
    assert.equal(await pendingCount(page), 1, 'the unacknowledged answer is kept in localStorage');
    assert.equal(await page.locator('#grid button').nth(5).getAttribute('aria-label'), 'Câu 6, đã trả lời, chưa lưu', 'per answer: not saved yet');
    assert.equal(await page.locator('#grid button').nth(4).getAttribute('aria-label'), 'Câu 5, đã trả lời', 'per answer: saved');
    const [pending] = await page.evaluate((k) => JSON.parse(localStorage.getItem(k) || '{}').pending, ATT_KEY);
    assert.equal(pending.seq, 6, 'seq counts every answer');
    assert.ok(!frames.some((f) => f.dir === 'out' && f.msg.type === 'answer' && f.msg.seq === 6), 'not sent while offline');

    // Back online, reload: the page resumes and resends the pending answer with its seq.
    await context.setOffline(false);
    await page.reload();
    await page.locator('#quiz').waitFor();
    await waitText(page, 'saved', 'Đã lưu');
    await page.waitForFunction((k) => JSON.parse(localStorage.getItem(k) || '{}').pending?.length === 0, ATT_KEY);
    const resent = frames.filter((f) => f.dir === 'out' && f.msg.type === 'answer' && f.msg.seq === 6);
    assert.ok(resent.length >= 1, 'the pending answer is resent');
    for (const f of resent) assert.deepEqual([f.msg.question_id, f.msg.options], [pending.question_id, pending.options]);
    assert.ok(frames.some((f) => f.dir === 'out' && f.msg.type === 'resume'), 'resume sent after reconnecting');
    assert.ok(frames.some((f) => f.dir === 'in' && f.msg.type === 'ack' && f.msg.seq === 6 && /saved|duplicate/.test(f.msg.status)));

    // Reload once more with nothing pending: what shows now comes from the server alone.
    await page.reload();
    await page.locator('#quiz').waitFor();
    for (let i = 0; i < 6; i++) {
      await page.locator('#grid button').nth(i).tap();
      await waitText(page, 'q-h', `Câu ${i + 1}/20`);
      assert.equal(await page.locator(`#o${chosen.get(i)}`).isChecked(), true, `answer to question ${i + 1} kept`);
      assert.match((await page.locator('#grid button').nth(i).getAttribute('aria-label')) || '', /đã trả lời/);
    }
    assert.match(await page.locator('#timer').innerText(), /^\d\d:\d\d$/);

    // The rest, the prediction, submit.
    await page.locator('#grid button').nth(6).tap();
    for (let i = 6; i < 20; i++) {
      await answer(i);
      if (i < 19) await next.tap();
    }
    await waitText(page, 'saved', 'Đã lưu');
    const prediction = page.getByLabel(/Câu hỏi dự đoán/);
    await prediction.fill('120');
    // Saved on the server as it is typed: another device (here: this one with the typed value
    // forgotten) shows it, and a submit that comes too late would keep it.
    for (let i = 0; !frames.some((f) => f.dir === 'in' && f.msg.type === 'prediction_saved' && f.msg.prediction === 120); i++) {
      assert.ok(i < 100, 'the typed prediction is saved on the server within 10 s');
      await page.waitForTimeout(100);
    }
    await page.evaluate((k) => {
      const att = JSON.parse(localStorage.getItem(k) || '{}');
      localStorage.setItem(k, JSON.stringify({ ...att, prediction: '' }));
    }, ATT_KEY);
    await page.reload();
    await page.locator('#quiz').waitFor();
    assert.equal(await page.getByLabel(/Câu hỏi dự đoán/).inputValue(), '120', 'the prediction comes back from the server');
    await page.locator('#submit').tap();
    const dialog = page.locator('#confirm');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /đã trả lời tất cả/);
    await dialog.getByRole('button', { name: 'Nộp bài' }).tap();

    await page.locator('#result').waitFor();
    await page.getByText('Số câu đúng').waitFor();
    const score = await page.locator('#r-correct').innerText();
    const m = /^(\d+)\/(\d+)$/.exec(score.trim());
    assert.ok(m, `score shown as correct/total: ${score}`);
    assert.equal(Number(m[2]), 20);
    assert.ok(Number(m[1]) >= 0 && Number(m[1]) <= 20);
    assert.match(await page.locator('#r-time').innerText(), /^\d\d:\d\d$/);
    assert.equal((await page.locator('#r-left').innerText()).trim(), '1');
    await page.getByRole('button', { name: 'Làm lượt mới' }).waitFor();
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), ATT_KEY), null, 'attempt state cleared');
    await noHorizontalScroll(page, 'on the result');
    await page.screenshot({ path: '/tmp/thiluat-result.png', fullPage: true });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('the registration form shows the Vietnamese phone error next to the phone field', { timeout: 60_000 }, async () => {
  // An English browser: the page still asks the server for Vietnamese messages.
  const { context, page, pageErrors } = await phone('en-US');
  try {
    await page.goto(`${server.base}/c/${SLUG}`);
    const reg = page.locator('#reg');
    await reg.getByLabel('Số điện thoại').fill('12345');
    await reg.getByRole('button', { name: 'Đăng ký' }).tap();
    const err = page.locator('#e-phone');
    await page.waitForFunction(() => (document.getElementById('e-phone')?.textContent || '') !== '');
    assert.match(await err.innerText(), /^Số điện thoại không hợp lệ/);
    const phoneInput = reg.getByLabel('Số điện thoại');
    assert.equal(await phoneInput.getAttribute('aria-invalid'), 'true');
    assert.match((await phoneInput.getAttribute('aria-describedby')) || '', /\be-phone\b/);
    // Next to it: the error is the element right after the input, inside the same field.
    assert.equal(await phoneInput.evaluate((e) => e.nextElementSibling?.id), 'e-phone');
    assert.ok(await err.isVisible());
    // The other missing fields say so too; consent was not given.
    await page.waitForFunction(() => (document.getElementById('e-consent')?.textContent || '') !== '');
    assert.notEqual(await page.locator('#e-full_name').innerText(), '');
    await noHorizontalScroll(page, 'with field errors');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('a commune typed before the commune list arrives (slow link) is taken when the list comes', { timeout: 60_000 }, async () => {
  const { context, page, pageErrors } = await phone();
  /** @type {() => void} */
  let release = () => {};
  const held = new Promise((r) => (release = () => r(undefined)));
  // The real server's answer, held back until the citizen has typed and left the field.
  await page.route('**/api/communes?*', async (route) => {
    await held;
    await route.continue();
  });
  try {
    await page.goto(`${server.base}/c/${SLUG}`);
    const reg = page.locator('#reg');
    const box = reg.getByLabel('Xã, phường, đặc khu');
    await box.fill('sa pa');
    await box.press('Tab');
    assert.equal(await box.inputValue(), 'sa pa', 'nothing to match against yet');
    const arrived = page.waitForResponse((r) => r.url().includes('/api/communes?'));
    release();
    await arrived;
    await page.waitForFunction(() => /** @type {HTMLInputElement} */ (document.getElementById('commune_code')).value === 'Phường Sa Pa');
    const unit = await reg.getByLabel('Đơn vị dự thi').inputValue();
    assert.notEqual(unit, '', 'the unit of that commune is chosen too');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
