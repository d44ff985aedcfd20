// Every player screen in a real Chromium at 360 px: axe-core (WCAG 2.1 AA) reports nothing,
// no horizontal scrolling (also at 200% text size), a screenshot of each (artifacts/), the
// keyboard-only path, a returning participant, a share link's referral, the review.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startServer } from './lib/server.mjs';
import { SLUG, launch, phone, noAxeViolations, shot, noHorizontalScroll, waitText, answerCurrent, randomPhone, registerByApi, signInDevice } from './lib/phone.mjs';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
let reviewRoute = false;

before(async () => {
  server = await startServer();
  browser = await launch();
  // A prize list to show, and answers revealed once the one attempt allowed is submitted, so
  // that the review can be seen.
  await server.sql(`UPDATE rounds SET prizes = '[{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}]', reveal = 'after_submit', attempt_limit = 1`);
  const doc = await (await fetch(`${server.base}/api/openapi.json`)).json();
  reviewRoute = '/api/rounds/{round}/attempts/{attempt}/review' in doc.paths;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The 200% text setting of a phone: everything still fits 360 px. @param {import('playwright-core').Page} page @param {string} where */
async function fitsAtDoubleText(page, where) {
  await page.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
  await noHorizontalScroll(page, `${where} at 200% text`);
  const cut = await page.evaluate(() => [...document.querySelectorAll('main button, main label, main p, main h1, main h2, main li, main a')]
    .filter((e) => /** @type {HTMLElement} */ (e).offsetParent !== null && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'auto')
    .map((e) => e.id || e.textContent?.slice(0, 30)));
  assert.deepEqual(cut, [], `text cut off ${where} at 200%`);
  await page.evaluate(() => { document.documentElement.style.fontSize = ''; });
}

test('each player screen: axe-core clean, fits 360×640 and 200% text, screenshot at 360×740', { timeout: 120_000 }, async () => {
  const { context, page, pageErrors } = await phone(browser, { axe: true });
  try {
    await page.goto(`${server.base}/`);
    await page.locator('#home').waitFor();
    await noAxeViolations(page, 'the home page');
    await shot(page, '01-home');

    await page.goto(`${server.base}/c/${SLUG}`);
    await page.getByRole('heading', { level: 1, name: /chuyển đổi số/ }).waitFor();
    await page.getByText(/Giải Nhất: 1 giải/).first().waitFor();
    const window = await page.locator('#rounds li').first().innerText();
    assert.match(window, /^Tuần thi thứ nhất: từ 0h00 ngày \d\d\/\d\d\/\d{4} đến 24h00 ngày \d\d\/\d\d\/\d{4} \(đang mở\)$/);
    await waitText(page, 'countdown', /^Tuần thi thứ nhất đang mở, còn \d+ ngày \d\d:\d\d:\d\d\.$/);
    await page.setViewportSize({ width: 360, height: 640 });
    await noHorizontalScroll(page, 'on the contest page');
    await fitsAtDoubleText(page, 'on the contest page');
    await page.setViewportSize({ width: 360, height: 740 });
    await noAxeViolations(page, 'the contest page');
    await shot(page, '02-contest');
    await page.locator('summary', { hasText: 'Thể lệ' }).tap();
    await page.locator('#rules h1, #rules h2, #rules p').first().waitFor();

    // Registration errors, field by field.
    const reg = page.locator('#reg');
    await reg.getByRole('button', { name: 'Đăng ký' }).tap();
    await page.waitForFunction(() => (document.getElementById('e-consent')?.textContent || '') !== '');
    await noAxeViolations(page, 'the registration form with errors');
    await shot(page, '03-registration-errors');

    // The commune picker folds marks and đ: a name typed plainly finds the exact name first.
    const communes = await (await fetch(`${server.base}/api/communes?province=15`)).json();
    const marked = communes.find((/** @type {any} */ c) => /đ/i.test(c.name)) || communes[0];
    const plain = marked.name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
    const box = reg.getByRole('combobox', { name: 'Xã, phường, đặc khu' });
    await box.fill(plain);
    await page.locator('#pick [role=option]').first().waitFor();
    assert.equal(await page.locator('#pick [role=option]').first().innerText(), marked.name);
    await noAxeViolations(page, 'the commune picker');
    await shot(page, '04-commune-picker');
    await box.press('ArrowDown');
    await box.press('Enter');
    assert.equal(await box.inputValue(), marked.name);
    assert.equal(await reg.getByLabel('Đơn vị dự thi').inputValue(), marked.code, 'kept by code');

    await reg.getByLabel('Họ và tên').fill('Lê Thị Mai');
    await reg.getByLabel('Ngày sinh').fill('1988-03-08');
    await reg.getByLabel('Giới tính').selectOption({ label: 'Nữ' });
    const phoneNumber = randomPhone();
    await reg.getByLabel('Số điện thoại').fill(phoneNumber);
    await reg.getByLabel(/đồng ý với việc xử lý dữ liệu/).check();
    await reg.getByRole('button', { name: 'Đăng ký' }).tap();

    const start = page.getByRole('button', { name: 'Bắt đầu làm bài' });
    await start.waitFor();
    await noAxeViolations(page, 'the lobby');
    await shot(page, '05-lobby');
    await start.tap();
    await waitText(page, 'q-h', 'Câu 1/20');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'q-h', 'focus moves to the question');
    assert.equal(await page.locator('#saved').getAttribute('role'), 'status');
    assert.equal(await page.locator('#tell').getAttribute('aria-live'), 'assertive');
    assert.equal(await page.locator('#clock [role=timer]').count(), 1);
    await answerCurrent(page);
    await page.setViewportSize({ width: 360, height: 640 });
    await noHorizontalScroll(page, 'on a question');
    await fitsAtDoubleText(page, 'on a question');
    await page.setViewportSize({ width: 360, height: 740 });
    await noAxeViolations(page, 'a question');
    await shot(page, '06-question');

    await page.getByLabel(/Câu hỏi dự đoán/).fill('7');
    await page.locator('#submit').tap();
    const dialog = page.locator('#confirm');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Bạn còn 19 câu chưa trả lời: câu 2, 3, 4/);
    await noAxeViolations(page, 'the submit confirmation');
    await shot(page, '07-submit-confirmation');
    await dialog.getByRole('button', { name: 'Nộp bài' }).tap();

    await page.locator('#result').waitFor();
    await waitText(page, 'r-correct', /^\d+\/20$/);
    const share = await page.locator('#share-url').inputValue();
    assert.match(share, new RegExp(`/c/${SLUG}\\?ref=[A-Z2-9]{8}$`));
    // Share reports what truly happened: the share sheet, a copy, or neither.
    const shareSays = async (/** @type {'sheet' | 'clipboard' | 'none'} */ how) => {
      await page.evaluate((h) => {
        const fail = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
        Object.defineProperty(navigator, 'share', { configurable: true, value: h === 'sheet' ? () => Promise.resolve() : undefined });
        Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: h === 'clipboard' ? () => Promise.resolve() : fail } });
        document.execCommand = () => false;
      }, how);
      await page.locator('#share').tap();
      await page.waitForFunction(() => (document.getElementById('share-msg')?.textContent || '') !== '');
      return page.locator('#share-msg').innerText();
    };
    assert.equal(await shareSays('sheet'), 'Đã mở bảng chia sẻ.');
    assert.equal(await shareSays('clipboard'), 'Đã sao chép đường dẫn.');
    assert.match(await shareSays('none'), /^Không sao chép được/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'share-url', 'the link is selected to copy by hand');
    await page.locator('#mine li').first().waitFor();
    assert.match(await page.locator('#mine li').first().innerText(), /^Lượt 1 — bắt đầu .*đã nộp/);
    if (reviewRoute) {
      await page.locator('#review > li').first().waitFor();
      const first = await page.locator('#review > li').first().innerText();
      assert.match(first, /đáp án đúng/);
      assert.match(first, /Giải thích:/);
      assert.match(first, /Căn cứ:/);
    }
    await noHorizontalScroll(page, 'on the result');
    await noAxeViolations(page, 'the result');
    await shot(page, '08-result');

    // English on request; the choice is kept.
    await page.getByRole('button', { name: 'English' }).tap();
    await page.getByText('Correct answers').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await noAxeViolations(page, 'the result in English');
    await shot(page, '09-result-en');
    await page.getByRole('button', { name: 'Tiếng Việt' }).tap();
    await page.getByText('Số câu đúng').waitFor();

    // A returning participant, on another device: phone and date of birth, no second registration.
    const before = await server.sql('SELECT count(*) FROM participants');
    const other = await phone(browser);
    try {
      await other.page.goto(`${server.base}/c/${SLUG}`);
      await other.page.getByText('Đã đăng ký? Đăng nhập').tap();
      await other.page.locator('#l-phone').fill(phoneNumber);
      await other.page.locator('#l-dob').fill('1988-03-08');
      await other.page.locator('#login').getByRole('button', { name: 'Đăng nhập' }).tap();
      await other.page.getByRole('button', { name: 'Bắt đầu làm bài' }).waitFor();
      assert.equal((await other.page.locator('#who').innerText()).trim(), 'Lê Thị Mai');
      assert.equal(await server.sql('SELECT count(*) FROM participants'), before);
      assert.deepEqual(other.pageErrors, []);
    } finally {
      await other.context.close();
    }

    // The organiser's printable poster.
    await page.goto(`${server.base}/c/${SLUG}/poster`);
    await page.locator('.qr svg').waitFor();
    await noAxeViolations(page, 'the poster');
    await shot(page, '10-poster');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('keyboard only: register, start, answer, submit', { timeout: 90_000 }, async () => {
  const { context, page, pageErrors } = await phone(browser, { width: 800, height: 900 });
  try {
    await page.goto(`${server.base}/c/${SLUG}`);
    await page.locator('#reg').waitFor();
    const kb = page.keyboard;
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || '');
    /** Tab until the element with this id has focus (at most 80 presses). @param {string} id */
    const tabTo = async (id) => {
      for (let i = 0; i < 80 && (await focused()) !== id; i++) await kb.press('Tab');
      assert.equal(await focused(), id, `Tab reaches #${id}`);
    };
    await tabTo('full_name');
    await kb.type('Phạm Quốc Khánh');
    await kb.press('Tab');
    assert.equal(await focused(), 'dob');
    await kb.type('05051992'); // day = month: the same in dd/mm and mm/dd fields
    assert.equal(await page.locator('#dob').inputValue(), '1992-05-05', 'the date typed with the keyboard');
    await tabTo('sex');
    await kb.press('ArrowDown');
    assert.equal(await page.locator('#sex').inputValue(), 'male');
    await tabTo('phone');
    await kb.type(randomPhone());
    await tabTo('commune_code');
    await kb.type('sa pa');
    await page.locator('#pick [role=option]').first().waitFor();
    await kb.press('ArrowDown');
    assert.equal(await page.locator('#commune_code').getAttribute('aria-activedescendant'), 'pk0');
    await kb.press('Enter');
    assert.equal(await page.locator('#commune_code').inputValue(), 'Phường Sa Pa');
    await tabTo('consent');
    await kb.press('Space');
    await tabTo('reg-go');
    await kb.press('Enter');
    await page.locator('#lobby').waitFor();
    assert.equal(await focused(), 'lobby-h');
    await tabTo('start');
    await kb.press('Enter');
    await waitText(page, 'q-h', 'Câu 1/20');
    await kb.press('Tab');
    assert.match(await focused(), /^o\d+$/, 'Tab reaches the options');
    await kb.press('Space');
    await waitText(page, 'saved', 'Đã lưu');
    await tabTo('next');
    await kb.press('Enter');
    await waitText(page, 'q-h', 'Câu 2/20');
    await tabTo('pred');
    await kb.type('3');
    await tabTo('submit');
    await kb.press('Enter');
    await page.locator('#confirm').waitFor();
    await tabTo('c-yes');
    await kb.press('Enter');
    await page.locator('#result').waitFor();
    await waitText(page, 'r-correct', /^\d+\/20$/);
    assert.equal(await focused(), 'r-h');
    // The survey is optional: skipped with the keyboard, it goes away.
    await page.locator('#survey').waitFor();
    await tabTo('sv-skip');
    await kb.press('Enter');
    assert.equal(await page.locator('#survey').isHidden(), true);
    assert.equal(await focused(), 'r-h');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('after a submitted attempt, the optional survey: 1–5 with the keyboard and a comment, sent once, stored, not asked again', { timeout: 90_000 }, async () => {
  const auth = await registerByApi(server.base, 'Ngô Thị Thu');
  const { context, page, pageErrors } = await phone(browser, { axe: true });
  /** @type {any[]} */
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(JSON.parse(String(f.payload)))));
  let posts = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/me/survey')) posts++; });
  const comment = 'Câu hỏi dễ hiểu; nên kéo dài thời gian làm bài.';
  try {
    const stored = () => server.sql(`SELECT count(*) FROM survey_responses WHERE comment = '${comment}'`);
    assert.equal(await stored(), '0');
    await signInDevice(page, server.base, auth);
    await page.getByRole('button', { name: 'Bắt đầu làm bài' }).tap();
    await waitText(page, 'q-h', 'Câu 1/20');
    await answerCurrent(page);
    await page.getByLabel(/Câu hỏi dự đoán/).fill('12');
    await page.locator('#submit').tap();
    await page.locator('#confirm').getByRole('button', { name: 'Nộp bài' }).tap();
    await page.locator('#result').waitFor();
    const group = page.getByRole('radiogroup', { name: 'Bạn hài lòng với cuộc thi ở mức nào?' });
    await group.waitFor();
    assert.equal(await group.getByRole('radio').count(), 5);
    await noAxeViolations(page, 'the result with the survey');
    await shot(page, '11-survey', '#survey'); // the screen with the form (the full page is mostly the review)

    // Sending without a choice says what is missing, next to the choices, and sends nothing.
    await page.getByRole('button', { name: 'Gửi đánh giá' }).tap();
    await waitText(page, 'e-sv', 'Vui lòng chọn một mức từ 1 đến 5.');
    assert.equal(await page.evaluate(() => /** @type {HTMLInputElement} */ (document.activeElement).value), '1', 'focus on the first choice');
    assert.equal(posts, 0);
    await noAxeViolations(page, 'the survey with its error');
    // The keyboard moves through the radio group: 1 → 4.
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByLabel('4 — Hài lòng').isChecked(), true);
    await page.getByLabel('Ý kiến khác (không bắt buộc)').fill(comment);
    await page.getByRole('button', { name: 'Gửi đánh giá' }).tap();
    await waitText(page, 'sv-msg', 'Cảm ơn bạn đã góp ý!');
    assert.equal(await page.locator('#survey').isHidden(), true);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'sv-msg');
    assert.equal(posts, 1, 'sent once');
    assert.equal(await server.sql(`SELECT score FROM survey_responses WHERE comment = '${comment}'`), '4');
    await noAxeViolations(page, 'the thanks after the survey');
    await shot(page, '12-survey-thanks', '#sv-msg');

    // The same attempt's result again (a reload before the result arrived): not asked again.
    const submit = sent.find((m) => m.type === 'submit');
    const att = { round_id: submit.round_id, attempt_id: submit.attempt_id, last_seq: 0, pending: [], prediction: '' };
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [`thiluat:${SLUG}:att`, JSON.stringify(att)]);
    const asked = page.waitForResponse((r) => r.url().includes('/api/me/survey?'));
    await page.reload();
    assert.deepEqual(await (await asked).json(), { answered: true });
    await page.locator('#result').waitFor();
    await waitText(page, 'r-correct', /^\d+\/20$/);
    assert.equal(await page.locator('#survey').isHidden(), true, 'an answered attempt is not asked again');
    assert.equal(posts, 1);
    assert.equal(await stored(), '1');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('a share link brings a referral: the newcomer is stored as referred by its owner', { timeout: 60_000 }, async () => {
  const owner = await registerByApi(server.base, 'Đỗ Văn Lan');
  const { context, page, pageErrors } = await phone(browser);
  try {
    await page.goto(`${server.base}/c/${SLUG}?ref=${owner.referral_code}`);
    const reg = page.locator('#reg');
    await reg.getByLabel('Họ và tên').fill('Vũ Thị Hoa');
    await reg.getByLabel('Ngày sinh').fill('1999-12-01');
    await reg.getByLabel('Giới tính').selectOption({ label: 'Nữ' });
    await reg.getByLabel('Số điện thoại').fill(randomPhone());
    const box = reg.getByLabel('Xã, phường, đặc khu');
    await box.fill('sa pa');
    await box.press('Tab');
    await reg.getByLabel(/đồng ý với việc xử lý dữ liệu/).check();
    await reg.getByRole('button', { name: 'Đăng ký' }).tap();
    await page.getByRole('button', { name: 'Bắt đầu làm bài' }).waitFor();
    const auth = await page.evaluate((k) => JSON.parse(localStorage.getItem(k) || 'null'), `thiluat:${SLUG}:auth`);
    assert.equal(await server.sql(`SELECT referred_by FROM referrals WHERE participant_id = ${Number(auth.participant_id)}`), String(owner.participant_id));
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('a contest that requires an occupation asks for it, and the choice is stored', { timeout: 60_000 }, async () => {
  await server.sql(`UPDATE contests SET occupation_required = true WHERE slug = '${SLUG}'`);
  const { context, page, pageErrors } = await phone(browser);
  try {
    await page.goto(`${server.base}/c/${SLUG}`);
    const reg = page.locator('#reg');
    await reg.getByLabel('Họ và tên').fill('Lò Thị Mai');
    await reg.getByLabel('Ngày sinh').fill('2001-03-08');
    await reg.getByLabel('Giới tính').selectOption({ label: 'Nữ' });
    const phoneNo = randomPhone();
    await reg.getByLabel('Số điện thoại').fill(phoneNo);
    const box = reg.getByLabel('Xã, phường, đặc khu');
    await box.fill('sa pa');
    await box.press('Tab');
    await reg.getByLabel(/đồng ý với việc xử lý dữ liệu/).check();
    const occupation = reg.getByLabel(/Nghề nghiệp \*/);
    assert.equal(await occupation.evaluate((e) => /** @type {HTMLSelectElement} */ (e).required), true);
    // The browser's own check stops an empty required choice; the server refuses it too.
    await occupation.evaluate((e) => /** @type {HTMLSelectElement} */ (e).removeAttribute('required'));
    await reg.getByRole('button', { name: 'Đăng ký' }).tap();
    await waitText(page, 'e-occupation', /./); // the server's field error, next to the field
    await occupation.selectOption({ label: 'Nông dân' });
    await reg.getByRole('button', { name: 'Đăng ký' }).tap();
    await page.getByRole('button', { name: 'Bắt đầu làm bài' }).waitFor();
    const auth = await page.evaluate((k) => JSON.parse(localStorage.getItem(k) || 'null'), `thiluat:${SLUG}:auth`);
    assert.equal(await server.sql(`SELECT occupation FROM participants WHERE id = ${Number(auth.participant_id)}`), 'farmer');
    assert.deepEqual(pageErrors, []);
  } finally {
    await server.sql(`UPDATE contests SET occupation_required = false WHERE slug = '${SLUG}'`);
    await context.close();
  }
});

test('a participant signed in on the device goes straight to the lobby', { timeout: 30_000 }, async () => {
  const auth = await registerByApi(server.base);
  const { context, page } = await phone(browser);
  try {
    await signInDevice(page, server.base, auth);
    await page.getByRole('button', { name: 'Bắt đầu làm bài' }).waitFor();
    assert.equal((await page.locator('#who').innerText()).trim(), auth.display_name);
  } finally {
    await context.close();
  }
});

test('a participant downloads their data and erases it; their other device is signed out at once', { timeout: 90_000 }, async () => {
  const auth = await registerByApi(server.base, 'Đặng Thị Xuân');
  const id = Number(auth.participant_id);
  const { context, page, pageErrors } = await phone(browser, { axe: true });
  const other = await phone(browser);
  try {
    // A second device of the same person waits in the lobby, its socket open.
    const otherOpen = new Promise((resolve) => other.page.on('websocket', (ws) => ws.on('framereceived', resolve)));
    await signInDevice(other.page, server.base, auth);
    await other.page.getByRole('button', { name: 'Bắt đầu làm bài' }).waitFor();
    await otherOpen;
    await signInDevice(page, server.base, auth);
    await page.getByRole('button', { name: 'Bắt đầu làm bài' }).waitFor();
    await page.locator('#mydata > summary', { hasText: 'Dữ liệu cá nhân của tôi' }).tap();
    const get = page.getByRole('button', { name: 'Tải về dữ liệu của tôi' });
    await get.waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), get.tap()]);
    assert.equal(download.suggestedFilename(), `du-lieu-ca-nhan-${id}.json`);
    const path = await download.path();
    const data = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(data.participant.id, id);
    assert.equal(data.participant.full_name, 'Đặng Thị Xuân');
    assert.equal(data.participant.dob, '1990-01-15');
    assert.match(await page.locator('#md-out').innerText(), /Đặng Thị Xuân/, 'shown on the page too, for webviews that cannot save files');
    await noAxeViolations(page, 'my personal data');
    await noHorizontalScroll(page, 'my personal data');
    await shot(page, '13-my-data', '#mydata');

    // Erasing needs the confirmation ticked; without it nothing happens.
    const erase = page.getByRole('button', { name: 'Xóa dữ liệu cá nhân của tôi' });
    await erase.tap();
    await waitText(page, 'e-md-ok', 'Vui lòng đánh dấu xác nhận trước khi xóa.');
    assert.equal(await server.sql(`SELECT erased_at IS NULL FROM participants WHERE id = ${id}`), 't');
    await page.getByLabel('Tôi hiểu việc xóa là vĩnh viễn.').check();
    await erase.tap();
    await waitText(page, 'login-msg', 'Dữ liệu cá nhân của bạn đã được xóa.');
    assert.equal(await page.locator('#auth').isVisible(), true, 'back at sign-in');
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), `thiluat:${SLUG}:auth`), null, 'credential gone from the device');
    assert.equal(await server.sql(`SELECT full_name FROM participants WHERE id = ${id}`), '(Đã xóa dữ liệu cá nhân)');

    // The other device's open socket is closed by the server, and that page signs out too.
    await waitText(other.page, 'login-msg', 'Dữ liệu cá nhân của thí sinh này đã được xóa.');
    assert.equal(await other.page.evaluate((k) => localStorage.getItem(k), `thiluat:${SLUG}:auth`), null);
    assert.deepEqual([...pageErrors, ...other.pageErrors], []);
  } finally {
    await context.close();
    await other.context.close();
  }
});

test('the public results page: reached from the contest page, axe-core clean at 360 px, no script', { timeout: 60_000 }, async () => {
  const { context, page, pageErrors } = await phone(browser, { axe: true });
  try {
    await page.goto(`${server.base}/c/${SLUG}`);
    await page.getByRole('link', { name: 'Danh sách đoạt giải và thống kê' }).tap();
    await page.waitForURL(`${server.base}/c/${SLUG}/ket-qua`);
    await page.getByRole('heading', { level: 2, name: 'Danh sách đoạt giải' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Thống kê tham gia' }).waitFor();
    assert.equal(await page.locator('script').count(), 0, 'server-rendered, works with script off');
    await noAxeViolations(page, 'public results page');
    await noHorizontalScroll(page, 'public results page');
    await fitsAtDoubleText(page, 'public results page');
    await shot(page, '14-public-results');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
