// The player's budgets, each measured in a real Chromium against the real server:
// - landing + registration + attempt: at most 60 KB of HTML, CSS and JS on the wire for a
//   first visit (compressed; summed from the network events);
// - at 400 kbit/s and 400 ms latency (CDP network emulation), "start" → first question ≤ 3 s;
// - a time extension granted by an organiser is honoured by the countdown;
// - two citizens at once in two browser contexts.
// The contexts block service workers, as a webview would.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './lib/server.mjs';
import { SLUG, launch, phone, waitText, answerCurrent, randomPhone, registerByApi, signInDevice, noHorizontalScroll } from './lib/phone.mjs';

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

/** Registers through the form (the commune typed without marks). @param {import('playwright-core').Page} page @param {string} name */
async function registerByForm(page, name) {
  const reg = page.locator('#reg');
  await reg.getByLabel('Họ và tên').fill(name);
  await reg.getByLabel('Ngày sinh').fill('1993-07-27');
  await reg.getByLabel('Giới tính').selectOption({ label: 'Nam' });
  await reg.getByLabel('Số điện thoại').fill(randomPhone());
  const box = reg.getByLabel('Xã, phường, đặc khu');
  await box.fill('sa pa');
  await page.locator('#pick [role=option]', { hasText: 'Phường Sa Pa' }).waitFor(); // the list has arrived
  await box.press('Tab');
  await reg.getByLabel(/đồng ý với việc xử lý dữ liệu/).check();
  await reg.getByRole('button', { name: 'Đăng ký' }).tap();
  await page.getByRole('button', { name: 'Bắt đầu làm bài' }).waitFor();
}

test('first visit ≤ 60 KB of HTML+CSS+JS on the wire; start → first question ≤ 3 s at 400 kbit/s, 400 ms', { timeout: 90_000 }, async () => {
  const { context, page, pageErrors } = await phone(browser);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    // 400 kbit/s both ways, 400 ms round trip, from the first byte of the visit.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 });
    /** @type {Map<string, {url: string, type: string, encoding: string}>} */
    const responses = new Map();
    /** @type {Map<string, number>} */
    const wire = new Map();
    cdp.on('Network.responseReceived', (e) => {
      const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      responses.set(e.requestId, { url: e.response.url, type: e.type, encoding: headers['content-encoding'] || '' });
    });
    cdp.on('Network.loadingFinished', (e) => wire.set(e.requestId, e.encodedDataLength));

    await page.goto(`${server.base}/c/${SLUG}`);
    await page.locator('#reg').waitFor();
    await registerByForm(page, 'Hoàng Minh Tuấn');

    const t0 = Date.now();
    await page.getByRole('button', { name: 'Bắt đầu làm bài' }).tap();
    await waitText(page, 'q-h', 'Câu 1/20');
    await page.locator('#opts label.opt').first().waitFor();
    const elapsed = Date.now() - t0;
    assert.ok(elapsed <= 3000, `start → first question took ${elapsed} ms at 400 kbit/s, 400 ms`);

    const counted = [...responses].filter(([, r]) => ['Document', 'Script', 'Stylesheet'].includes(r.type));
    const kinds = new Set(counted.map(([, r]) => r.type));
    assert.deepEqual([...kinds].sort(), ['Document', 'Script', 'Stylesheet'], 'the page, its scripts and its style were seen');
    for (const [, r] of counted) assert.match(r.encoding, /^(br|gzip)$/, `${r.url} sent compressed`);
    const total = counted.reduce((sum, [id]) => sum + (wire.get(id) || 0), 0);
    const detail = counted.map(([id, r]) => `${r.url.replace(server.base, '')} ${wire.get(id)}`).join('\n');
    assert.ok(total <= 60 * 1024, `first visit: ${total} bytes of HTML+CSS+JS on the wire\n${detail}`);
    assert.ok(total > 2000, `measured something: ${total}\n${detail}`);
    console.log(`# first visit: ${total} bytes of HTML+CSS+JS on the wire; start → first question ${elapsed} ms`);
    await noHorizontalScroll(page, 'on a question under emulation');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('a time extension granted by an organiser shows in the countdown', { timeout: 60_000 }, async () => {
  const password = 'mật khẩu thử nghiệm dài';
  await server.cli(['admin', 'create', '--org-slug', 'stp-lc', '--org-name', 'Sở Tư pháp', '--email', 'ext@stp.example', '--name', 'Cán bộ', '--permanent'], { THILUAT_ADMIN_PASSWORD: password });
  await server.sql(`UPDATE contests SET organisation_id = (SELECT id FROM organisations WHERE slug = 'stp-lc') WHERE slug = '${SLUG}'`);
  const login = await fetch(`${server.base}/api/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ext@stp.example', password }) });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get('set-cookie') || '').split(';')[0];
  const { csrf_token: csrf } = await login.json();
  const auth = await registerByApi(server.base, 'Nông Thị Sáu');
  const grant = await fetch(`${server.base}/api/admin/participants/${auth.participant_id}/extension`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({ extra_minutes: 10, reason: 'Người khuyết tật thị giác' }),
  });
  assert.equal(grant.status, 200, await grant.clone().text());

  const { context, page, pageErrors } = await phone(browser);
  try {
    await signInDevice(page, server.base, auth);
    await page.getByRole('button', { name: 'Bắt đầu làm bài' }).tap();
    await waitText(page, 'q-h', 'Câu 1/20');
    await waitText(page, 'timer', /^\d\d:\d\d$/);
    const [m] = (await page.locator('#timer').innerText()).split(':').map(Number);
    assert.ok(m >= 24 && m <= 25, `15 minutes + 10 granted: the countdown shows ${m} minutes`);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('two citizens at once, in two browser contexts', { timeout: 90_000 }, async () => {
  const a = await phone(browser), b = await phone(browser);
  try {
    await Promise.all([a, b].map(async (x, i) => {
      await x.page.goto(`${server.base}/c/${SLUG}`);
      await registerByForm(x.page, i ? 'Bùi Văn Hải' : 'Lý Thị Thu');
      await x.page.getByRole('button', { name: 'Bắt đầu làm bài' }).tap();
      await waitText(x.page, 'q-h', 'Câu 1/20');
      for (let q = 0; q < 3; q++) {
        await answerCurrent(x.page, q + i);
        await x.page.getByRole('button', { name: 'Câu sau' }).tap();
      }
      await x.page.getByLabel(/Câu hỏi dự đoán/).fill(String(10 + i));
      await x.page.locator('#submit').tap();
      await x.page.locator('#confirm').getByRole('button', { name: 'Nộp bài' }).tap();
      await waitText(x.page, 'r-correct', /^\d+\/20$/);
    }));
    const ids = await Promise.all([a, b].map((x) => x.page.evaluate((k) => JSON.parse(localStorage.getItem(k) || 'null').participant_id, `thiluat:${SLUG}:auth`)));
    assert.notEqual(ids[0], ids[1]);
    const saved = await server.sql(`SELECT count(*) FROM participants WHERE id IN (${ids.map(Number).join(',')})`);
    assert.equal(saved, '2');
    assert.deepEqual([...a.pageErrors, ...b.pageErrors], []);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});
