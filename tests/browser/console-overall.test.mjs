// The "Chung cuộc" section of the console in a real Chromium against the real server: an
// organiser switches the overall ranking on with its prize tiers (a bad tier first: its
// error shows next to it and nothing changes), reads the ranking with a tie and the prizes,
// downloads it, sets a collective formula with points for the overall prizes and sees the
// units' scores change; a viewer reads the same page without a form. axe-core on every
// screen; 1280×800 screenshots in tests/browser/artifacts/console/.
//
// The attempts are planted in Postgres as the persister writes them (a tie needs equal
// times, which real play cannot give on purpose); the rounds are closed and finalised
// through the API, as in production.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { createAdmin, startServer } from './lib/server.mjs';
import { launch } from './lib/phone.mjs';
import { assertAccessible, consoleScreen } from './lib/axe.mjs';
import { call as api, desktop, firstLoginInConsole, login, ok } from './lib/console.mjs';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

const EMAIL = 'chungcuoc@stp.example';
const PASSWORD = 'mật khẩu của phòng chung cuộc';
const SLUG = 'tim-hieu-luat-chung-cuoc';
const TITLE = 'Tìm hiểu pháp luật qua các tuần thi';
const HEADER = 'code,topic,difficulty,question,option_a,option_b,option_c,option_d,option_e,option_f,correct,explanation,law,article\n';
const UNITS = 'code,name,parent_code,kind,headcount\nSTP-1,Phòng Phổ biến pháp luật,,department,4\nSTP-2,Chi đoàn Sở Tư pháp,,department,10\n';

/** @type {import('./lib/console.mjs').Session} */
let admin;
/** @type {{contest: number, rounds: number[], people: Record<string, number>}} */
let data;

/** The organiser API as the admin. @param {string} method @param {string} path @param {unknown} [body] */
const call = (method, path, body) => api(admin, method, path, body);

/** @param {string} name @param {string} unit @returns {Promise<number>} */
async function register(name, unit) {
  const phone = `09${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const res = await fetch(`${server.base}/api/contests/${SLUG}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ full_name: name, dob: '1995-04-30', sex: 'female', phone, commune_code: '02647', unit_code: unit, consent: { given: true, version: '1' } }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.participant_id;
}

before(async () => {
  server = await startServer();
  await createAdmin(server, { orgSlug: 'stp-chung-cuoc', orgName: 'Sở Tư pháp tỉnh Lào Cai', email: EMAIL, name: 'Phòng Chung cuộc', password: PASSWORD });
  browser = await launch();
  admin = await login(server.base, EMAIL, PASSWORD);

  const contest = ok(await call('POST', `/api/admin/orgs/${admin.org}/contests`, {
    slug: SLUG, title: TITLE, organiser: 'Sở Tư pháp tỉnh Lào Cai', rules_md: 'Mỗi tuần một đợt thi.',
    cccd_required: false, consent_text: 'Tôi đồng ý cho Ban Tổ chức xử lý dữ liệu cá nhân của tôi.', consent_version: '1',
    scope: { provinces: ['15'] },
  }), 201).id;
  ok(await call('POST', `/api/admin/contests/${contest}/units`, UNITS));
  const now = Date.now();
  const rounds = [];
  for (const title of ['Tuần thi thứ nhất', 'Tuần thi thứ hai']) {
    rounds.push(ok(await call('POST', `/api/admin/contests/${contest}/rounds`, {
      title, opens_at: new Date(now - 3600_000).toISOString(), closes_at: new Date(now + 86400_000).toISOString(),
      time_limit_minutes: 10, questions_per_attempt: 3, grace_seconds: 0, draw: [{ count: 3 }],
      prizes: [{ name: 'Giải Nhất', count: 1 }],
    }), 201).id);
  }
  const question = (/** @type {number} */ i) => `CC-${i},chung,easy,Câu hỏi số ${i}?,Đúng,Sai,,,,,A,Giải thích ${i}.,Luật Phổ biến giáo dục pháp luật 2012,Điều ${i}\n`;
  ok(await call('POST', `/api/admin/orgs/${admin.org}/questions/import`, HEADER + [1, 2, 3].map(question).join('')));
  ok(await call('POST', `/api/admin/contests/${contest}/publish`));
  /** @type {Record<string, number>} */
  const people = {};
  for (const [name, unit] of [['Lò Thị Mai', 'STP-1'], ['Nguyễn Thị Bình', 'STP-1'], ['Trần Thị Đào', 'STP-2'], ['Vũ Thị Lan', 'STP-2']]) {
    people[name] = await register(name, unit);
  }
  // Week 1: Mai 3, Bình 2, Đào 2, Lan 1; week 2: Mai 1, Bình 2, Đào 3, Lan does not play.
  // Overall: Đào 5 (2:00); Mai and Bình 4 in 2:00, last submitted at the same instant: tied.
  const at = now - 600_000;
  /** @type {[string, number, number, number, number][]} who, week, correct, duration, submitted */
  const plays = [
    ['Lò Thị Mai', 0, 3, 60_000, at], ['Nguyễn Thị Bình', 0, 2, 60_000, at], ['Trần Thị Đào', 0, 2, 90_000, at], ['Vũ Thị Lan', 0, 1, 30_000, at],
    ['Lò Thị Mai', 1, 1, 60_000, at + 1000], ['Nguyễn Thị Bình', 1, 2, 60_000, at + 1000], ['Trần Thị Đào', 1, 3, 30_000, at],
  ];
  for (const [who, week, correct, duration, submitted] of plays) {
    await server.sql(`INSERT INTO attempts (id, round_id, participant_id, number, started_at_ms, deadline_ms, question_ids, submitted_at_ms, duration_ms, correct)
      SELECT gen_random_uuid(), id, ${people[who]}, 1, ${submitted - duration}, ${submitted - duration + 600_000}, question_ids, ${submitted}, ${duration}, ${correct}
      FROM rounds WHERE id = ${rounds[week]}`);
  }
  for (const r of rounds) {
    ok(await call('POST', `/api/admin/rounds/${r}/close`));
    ok(await call('POST', `/api/admin/rounds/${r}/finalize`));
  }
  data = { contest, rounds, people };
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The rows of the overall table as [rank, id, total, time, prize]. @param {import('playwright-core').Page} page */
const overallRows = (page) =>
  page.locator('#overall-ranking tbody tr').evaluateAll((rows) => rows.map((r) => {
    const c = [...r.children].map((x) => x.textContent ?? '');
    return [c[0], c[1], c[5], c[6], c[7], c[8], c[9]];
  }));

test('an organiser switches the overall ranking on, reads it, and scores units with its prizes', { timeout: 120_000 }, async () => {
  const { context, page, problems } = await desktop(browser);
  const { contest, people } = data;
  const [mai, binh, dao, lan] = ['Lò Thị Mai', 'Nguyễn Thị Bình', 'Trần Thị Đào', 'Vũ Thị Lan'].map((n) => String(people[n]));
  try {
    await page.goto(`${server.base}/console/#/login`);
    await page.getByLabel('Thư điện tử').fill(EMAIL);
    await page.getByLabel('Mật khẩu').fill(PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('link', { name: `Kết quả: ${TITLE}` }).click();
    await page.locator('nav.sections').getByRole('link', { name: 'Chung cuộc' }).click();
    await page.getByRole('heading', { level: 1, name: `Xếp hạng chung cuộc — ${TITLE}` }).waitFor();
    await page.getByText('Cuộc thi chưa bật xếp hạng chung cuộc.').waitFor();
    // Published: the occupation rule is fixed, and says why.
    const form = page.locator('#overall-form');
    assert.equal(await form.getByLabel('Bắt buộc khai báo nghề nghiệp khi đăng ký').isDisabled(), true);
    await form.getByText('Cuộc thi đã công bố: quy định đăng ký không thể thay đổi nữa.').waitFor();

    // A bad tier (0 prizes): its error is next to it, and nothing changes.
    const before = ok(await call('GET', `/api/admin/contests/${contest}/report-settings`));
    await form.getByLabel('Bật xếp hạng chung cuộc qua các đợt thi').check();
    await form.getByRole('button', { name: 'Thêm giải' }).click();
    await form.getByLabel('Tên giải thứ 1').fill('Giải Nhất chung cuộc');
    await form.getByRole('button', { name: 'Thêm giải' }).click();
    await form.getByLabel('Tên giải thứ 2').fill('Giải Nhì chung cuộc');
    await form.getByLabel('Số giải thứ 2').fill('0');
    await form.getByRole('button', { name: 'Lưu', exact: true }).click();
    const badCount = form.getByLabel('Số giải thứ 2');
    await form.locator('input[aria-invalid="true"]').waitFor();
    assert.equal(await badCount.getAttribute('aria-invalid'), 'true');
    const errId = (await badCount.getAttribute('aria-describedby'))?.split(' ').find((x) => x.endsWith('-err'));
    assert.match(await page.locator(`#${errId}`).textContent() ?? '', /./, 'the message is next to the count');
    assert.equal(await form.getByLabel('Số giải thứ 1').getAttribute('aria-invalid'), null);
    assert.deepEqual(ok(await call('GET', `/api/admin/contests/${contest}/report-settings`)), before, 'nothing changed');
    await page.getByText('Cuộc thi chưa bật xếp hạng chung cuộc.').waitFor();
    await consoleScreen(page, '28-overall-error');

    // Corrected: saved, and the ranking appears with the tie and the prizes.
    await badCount.fill('2');
    await form.getByRole('button', { name: 'Lưu', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Đã lưu cài đặt xếp hạng chung cuộc.' }).waitFor();
    assert.equal(await form.locator('[aria-invalid="true"]').count(), 0, 'the old error is gone');
    const saved = ok(await call('GET', `/api/admin/contests/${contest}/report-settings`));
    assert.deepEqual(saved.overall, { prizes: [{ name: 'Giải Nhất chung cuộc', count: 1 }, { name: 'Giải Nhì chung cuộc', count: 2 }] });
    await page.locator('#overall-ranking tbody tr').nth(3).waitFor();
    const head = await page.locator('#overall-ranking thead th').allTextContents();
    assert.deepEqual(head.slice(5), ['Số câu đúng – Tuần thi thứ nhất', 'Số câu đúng – Tuần thi thứ hai', 'Tổng số câu đúng', 'Tổng thời gian làm bài', 'Giải']);
    // Mai and Bình share rank 2 (listed by id); Lan did not play week 2.
    const [first, second] = [mai, binh].sort((a, b) => Number(a) - Number(b));
    const week = (/** @type {string} */ id) => (id === mai ? ['3', '1'] : ['2', '2']);
    assert.deepEqual(await overallRows(page), [
      ['1', dao, '2', '3', '5', '2:00,0', 'Giải Nhất chung cuộc'],
      ['2 (đồng hạng)', first, ...week(first), '4', '2:00,0', 'Giải Nhì chung cuộc'],
      ['2 (đồng hạng)', second, ...week(second), '4', '2:00,0', 'Giải Nhì chung cuộc'],
      ['4', lan, '1', '', '1', '0:30,0', ''],
    ]);
    assert.ok(!(await page.locator('#overall-ranking').innerText()).includes('Lò Thị Mai'), 'names are masked');
    await page.getByText('Đang hiện 4 trên 4 người.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Xem thêm' }).isHidden(), true, 'everyone is shown');
    await page.locator('#overall-facts dd', { hasText: 'Giải Nhất chung cuộc: 1 giải; Giải Nhì chung cuộc: 2 giải' }).waitFor();
    await consoleScreen(page, '29-overall');

    // The files: the CSV in rank order, tied rows by given name (Bình before Mai).
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải xếp hạng chung cuộc (CSV)' }).click()]);
    const lines = (await readFile(/** @type {string} */ (await csv.path()))).toString('utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    assert.equal(lines.length, 5);
    assert.match(lines[0], /,Số câu đúng – Tuần thi thứ nhất,Số câu đúng – Tuần thi thứ hai,Tổng số câu đúng,Tổng thời gian làm bài,Giải$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[1]), ['Trần Thị Đ.', 'Nguyễn Thị B.', 'Lò Thị M.', 'Vũ Thị L.']);
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải xếp hạng chung cuộc (XLSX)' }).click()]);
    assert.equal((await readFile(/** @type {string} */ (await xlsx.path()))).subarray(0, 2).toString(), 'PK');
    const [personal] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải xếp hạng chung cuộc kèm dữ liệu cá nhân (CSV)' }).click()]);
    assert.match((await readFile(/** @type {string} */ (await personal.path()))).toString('utf8'), /Lò Thị Mai/);
    const audit = ok(await call('GET', `/api/admin/orgs/${admin.org}/audit?limit=10`)).items.map((/** @type {any} */ e) => e.action);
    assert.ok(audit.includes('export.overall') && audit.includes('export.overall.personal'), audit.join(' '));

    // The collective formula offers the overall prizes too; saving it re-scores the units.
    await page.locator('nav.sections').getByRole('link', { name: 'Xếp hạng tập thể' }).click();
    const standings = page.locator('#standings');
    // Rate only: STP-1 2 of 4 = 50, STP-2 2 of 10 = 20.
    await standings.locator('tr[data-unit="STP-1"] td:last-child', { hasText: /^50$/ }).waitFor();
    assert.equal(await standings.locator('tr[data-unit="STP-2"] td:last-child').textContent(), '20');
    const formula = page.locator('#formula-form');
    // A negative weight: refused beside its field, the scores stay.
    await formula.getByLabel('Hệ số của tỷ lệ tham gia (%)').fill('-1');
    await formula.getByRole('button', { name: 'Lưu công thức' }).click();
    await formula.locator('input[aria-invalid="true"]').waitFor();
    assert.equal(await formula.getByLabel('Hệ số của tỷ lệ tham gia (%)').getAttribute('aria-invalid'), 'true');
    assert.equal(ok(await call('GET', `/api/admin/contests/${contest}/collective`)).scoring.rate_weight, 1, 'nothing changed');
    await formula.getByLabel('Hệ số của tỷ lệ tham gia (%)').fill('1');
    await formula.getByLabel('Điểm cho mỗi Giải Nhất', { exact: true }).fill('10');
    await formula.getByLabel('Điểm cho mỗi Giải Nhất chung cuộc').fill('30');
    await formula.getByLabel('Điểm cho mỗi Giải Nhì chung cuộc').fill('5');
    await formula.getByRole('button', { name: 'Lưu công thức' }).click();
    await page.getByRole('status').filter({ hasText: 'Đã lưu công thức' }).waitFor();
    // STP-1: 50 + week 1's Nhất (Mai) 10 + two overall Nhì (Mai, Bình) 5 + 5 = 70;
    // STP-2: 20 + week 2's Nhất (Đào) 10 + the overall Nhất (Đào) 30 = 60.
    await standings.locator('tr[data-unit="STP-1"] td:last-child', { hasText: /^70$/ }).waitFor();
    assert.equal(await standings.locator('tr[data-unit="STP-2"] td:last-child').textContent(), '60');
    const scored = ok(await call('GET', `/api/admin/contests/${contest}/collective`));
    assert.deepEqual(scored.scoring.prize_points, { 'Giải Nhất': 10, 'Giải Nhất chung cuộc': 30, 'Giải Nhì chung cuộc': 5 });
    assert.deepEqual(scored.items.map((/** @type {any} */ u) => [u.code, u.rank, u.score]), [['STP-1', 1, 70], ['STP-2', 2, 60]]);
    await consoleScreen(page, '30-collective-overall-prizes');
    assert.deepEqual(problems, [], 'no page errors or refused resources');
  } finally {
    await context.close();
  }
});

test('a viewer reads the overall ranking without a settings form', { timeout: 60_000 }, async () => {
  const added = ok(await call('POST', `/api/admin/orgs/${admin.org}/members`, { email: 'xem-chung-cuoc@stp.example', display_name: 'Người xem', role: 'viewer' }), 201);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  try {
    await firstLoginInConsole(page, server.base, 'xem-chung-cuoc@stp.example', added.temporary_password, 'người xem đọc bảng chung cuộc');
    await page.goto(`${server.base}/console/#/contests/${data.contest}/overall`);
    await page.locator('#overall-ranking tbody tr').nth(3).waitFor();
    assert.equal(await page.locator('#overall-form').count(), 0, 'viewers do not edit');
    assert.equal(await page.getByRole('link', { name: /kèm dữ liệu cá nhân/ }).count(), 0);
    await page.locator('#overall-facts dd', { hasText: 'Giải Nhất chung cuộc: 1 giải' }).waitFor();
    await assertAccessible(page, 'console overall ranking as a viewer');
  } finally {
    await context.close();
  }
});

test('before publishing, the occupation can be made required from the same page', { timeout: 60_000 }, async () => {
  const draft = ok(await call('POST', `/api/admin/orgs/${admin.org}/contests`, {
    slug: 'chung-cuoc-ban-nhap', title: 'Cuộc thi bản nháp', organiser: 'Sở Tư pháp tỉnh Lào Cai', rules_md: 'Thể lệ.',
    cccd_required: false, consent_text: 'Tôi đồng ý cho Ban Tổ chức xử lý dữ liệu cá nhân của tôi.', consent_version: '1',
    scope: { provinces: ['15'] },
  }), 201).id;
  const { context, page, problems } = await desktop(browser);
  try {
    await page.goto(`${server.base}/console/#/login`);
    await page.getByLabel('Thư điện tử').fill(EMAIL);
    await page.getByLabel('Mật khẩu').fill(PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('heading', { level: 1, name: 'Cuộc thi' }).waitFor();
    await page.goto(`${server.base}/console/#/contests/${draft}/overall`);
    const form = page.locator('#overall-form');
    const occupation = form.getByLabel('Bắt buộc khai báo nghề nghiệp khi đăng ký');
    assert.equal(await occupation.isEnabled(), true);
    await occupation.check();
    await form.getByRole('button', { name: 'Lưu', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Đã lưu cài đặt xếp hạng chung cuộc.' }).waitFor();
    await page.locator('#overall-facts dd', { hasText: /^Bắt buộc$/ }).waitFor();
    const saved = ok(await call('GET', `/api/admin/contests/${draft}/report-settings`));
    assert.deepEqual([saved.occupation_required, saved.overall], [true, null]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
