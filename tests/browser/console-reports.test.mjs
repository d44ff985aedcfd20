// The console's report pages in a real Chromium against the real server, on data made the
// way it is made in production: an organiser sets a contest up through the API, citizens
// register and play over the real websocket and answer the survey, the round is closed and
// finalised. Then the organiser, in the browser, reads the participation statistics, sets
// the collective formula, reads the question statistics and the survey, works the abuse
// queue (a planted case, dismissed with a reason), downloads the Ministry report and the
// answers, and erases a participant's data and grants extra time. axe-core on every page;
// a 1280×800 screenshot of each in tests/browser/artifacts/console/.

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

const EMAIL = 'baocao@stp.example';
const PASSWORD = 'mật khẩu của phòng báo cáo';
const SLUG = 'tim-hieu-luat-du-lieu';
const TITLE = 'Tìm hiểu Luật Bảo vệ dữ liệu cá nhân';
const HEADER = 'code,topic,difficulty,question,option_a,option_b,option_c,option_d,option_e,option_f,correct,explanation,law,article\n';
// Names chosen so that only Vietnamese collation gives the right order: "Đ" sorts after "D"
// and before "E" (byte order puts it after "V"); "Â" is a letter after "A" (English
// collation treats "Ân" as "An" and puts it before "Ao").
const UNITS = 'code,name,parent_code,kind,headcount\n'
  + 'STP-1,"Phòng Phổ biến, giáo dục pháp luật",,department,4\n'
  + 'STP-2,Chi đoàn Ân Thi,,department,10\n'
  + 'STP-3,Chi đoàn Ao Sen,,department,5\n'
  + 'STP-4,Đoàn Thanh niên Sở,,department,8\n'
  + 'STP-5,Ban Giám đốc,,department,\n';
const UNIT_ORDER = ['Ban Giám đốc', 'Chi đoàn Ao Sen', 'Chi đoàn Ân Thi', 'Đoàn Thanh niên Sở', 'Phòng Phổ biến, giáo dục pháp luật'];

/** @type {import('./lib/console.mjs').Session} */
let admin;
/** @type {{contest: number, round: number, people: {id: number, token: string, name: string}[]}} */
let data;

/** The organiser API, as the admin unless `who` is given. @param {string} method @param {string} path @param {unknown} [body] */
const call = (method, path, body, who = admin) => api(who, method, path, body);

/** @param {{name: string, dob: string, sex: string, commune: string, unit: string}} p */
async function register(p) {
  const phone = `09${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const res = await fetch(`${server.base}/api/contests/${SLUG}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ full_name: p.name, dob: p.dob, sex: p.sex, phone, commune_code: p.commune, unit_code: p.unit, consent: { given: true, version: '1' } }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return { id: /** @type {number} */ (body.participant_id), token: /** @type {string} */ (body.token), name: p.name };
}

/**
 * One attempt over the real websocket (from a page of the server's origin): questions whose
 * number is in `right` are answered "Đúng" (the key), the others "Sai"; then submitted.
 * @param {string} token @param {number} round @param {number[]} right
 * @returns {Promise<{attempt: string, result: any}>}
 */
async function play(token, round, right) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.base}/healthz`);
    return await page.evaluate(async ([token, round, right]) => {
      const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws?token=${encodeURIComponent(String(token))}`);
      /** @type {((m: any) => void)[]} */
      const waiting = [];
      ws.onmessage = (e) => waiting.shift()?.(JSON.parse(e.data));
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('websocket error'));
      });
      const ask = (/** @type {any} */ m) => new Promise((r) => { waiting.push(r); ws.send(JSON.stringify(m)); });
      const snap = await ask({ type: 'start', round_id: round, request_id: crypto.randomUUID() });
      if (snap.type !== 'snapshot') throw new Error(JSON.stringify(snap));
      let seq = 0;
      for (const q of snap.questions) {
        const n = Number(/số (\d+)/.exec(q.text)?.[1]);
        const want = /** @type {number[]} */ (right).includes(n) ? 'Đúng' : 'Sai';
        const ack = await ask({ type: 'answer', round_id: round, attempt_id: snap.attempt_id, question_id: q.id, options: [q.options.find((/** @type {any} */ o) => o.text === want).id], seq: ++seq });
        if (ack.type === 'error') throw new Error(JSON.stringify(ack));
      }
      const result = await ask({ type: 'submit', round_id: round, attempt_id: snap.attempt_id });
      ws.close();
      return { attempt: snap.attempt_id, result };
    }, /** @type {[string, number, number[]]} */ ([token, round, right]));
  } finally {
    await context.close();
  }
}

before(async () => {
  server = await startServer();
  await createAdmin(server, { orgSlug: 'stp-bao-cao', orgName: 'Sở Tư pháp tỉnh Lào Cai', email: EMAIL, name: 'Phòng Báo cáo', password: PASSWORD });
  browser = await launch();
  admin = await login(server.base, EMAIL, PASSWORD);

  // The contest, its units, a round open now with two prizes, a bank of three questions.
  const contest = ok(await call('POST', `/api/admin/orgs/${admin.org}/contests`, {
    slug: SLUG, title: TITLE, organiser: 'Sở Tư pháp tỉnh Lào Cai', rules_md: 'Mỗi người thi một lượt.',
    cccd_required: false, consent_text: 'Tôi đồng ý cho Ban Tổ chức xử lý dữ liệu cá nhân của tôi.', consent_version: '1',
    scope: { provinces: ['15'] },
  }), 201).id;
  ok(await call('POST', `/api/admin/contests/${contest}/units`, UNITS));
  const now = Date.now();
  const round = ok(await call('POST', `/api/admin/contests/${contest}/rounds`, {
    title: 'Tuần thi thứ nhất', opens_at: new Date(now - 3600_000).toISOString(), closes_at: new Date(now + 86400_000).toISOString(),
    time_limit_minutes: 10, questions_per_attempt: 3, grace_seconds: 0, draw: [{ count: 3 }],
    prizes: [{ name: 'Giải Nhất', count: 1 }, { name: 'Giải Nhì', count: 1 }],
  }), 201).id;
  const question = (/** @type {number} */ i) => `PDP-${i},du-lieu-ca-nhan,easy,Câu hỏi số ${i} về bảo vệ dữ liệu cá nhân?,Đúng,Sai,,,,,A,Giải thích ${i}.,Luật Bảo vệ dữ liệu cá nhân 2025,Điều ${i}\n`;
  ok(await call('POST', `/api/admin/orgs/${admin.org}/questions/import`, HEADER + [1, 2, 3].map(question).join('')));
  ok(await call('POST', `/api/admin/contests/${contest}/publish`));

  // Four citizens; two share a name and a date of birth under different phones (a case for
  // the abuse queue); the fourth registers and never plays.
  const people = [];
  for (const p of [
    { name: 'Lò Thị Mai', dob: '1998-03-08', sex: 'female', commune: '02647', unit: 'STP-1' },
    { name: 'Nguyễn Văn Bình', dob: '1985-07-01', sex: 'male', commune: '02680', unit: 'STP-1' },
    { name: 'Lò Thị Mai', dob: '1998-03-08', sex: 'female', commune: '02683', unit: 'STP-2' },
    { name: 'Trần Văn Đức', dob: '2000-01-01', sex: 'male', commune: '02647', unit: 'STP-3' },
  ]) people.push(await register(p));
  const answers = [[1, 2, 3], [1, 2], [1]];
  const attempts = [];
  for (const [i, right] of answers.entries()) {
    const { attempt, result } = await play(people[i].token, round, right);
    assert.equal(result.type, 'result', JSON.stringify(result));
    assert.equal(result.correct, right.length);
    attempts.push(attempt);
  }
  // Two of them answer the satisfaction survey.
  for (const [i, score, comment] of /** @type {const} */ ([[0, 5, 'Câu hỏi bổ ích, dễ hiểu.'], [1, 3, 'Thời gian làm bài hơi ngắn.']])) {
    const res = await fetch(`${server.base}/api/me/survey`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${people[i].token}` },
      body: JSON.stringify({ round_id: round, attempt_id: attempts[i], score, comment }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  ok(await call('POST', `/api/admin/rounds/${round}/close`));
  // The persister writes the attempts to Postgres a moment after the submit.
  for (let i = 0; ; i++) {
    const r = await call('POST', `/api/admin/rounds/${round}/finalize`);
    if (r.status === 200 && r.body.ranked === 3) break;
    assert.ok(i < 40, `finalising keeps failing: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 250));
  }
  data = { contest, round, people };
});

after(async () => {
  await browser?.close();
  await server?.stop();
});


/** @param {import('playwright-core').Download} d */
const bytes = async (d) => readFile(/** @type {string} */ (await d.path()));

test('an organiser reads every report of a finished round and works the abuse queue', { timeout: 150_000 }, async () => {
  const { context, page, problems } = await desktop(browser);
  const [mai, binh, mai2, duc] = data.people;
  try {
    await page.goto(`${server.base}/console/#/login`);
    await page.getByLabel('Thư điện tử').fill(EMAIL);
    await page.getByLabel('Mật khẩu').fill(PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('link', { name: `Báo cáo: ${TITLE}` }).click();

    // Participation: four registered, three took part (the fourth never played).
    await page.getByRole('heading', { level: 1, name: `Thống kê tham gia — ${TITLE}` }).waitFor();
    assert.equal(await page.locator('#tile-registered b').textContent(), '4');
    assert.equal(await page.locator('#tile-participants b').textContent(), '3');
    assert.equal(await page.locator('#tile-attempts b').textContent(), '3');
    // Scores 3, 2 and 1 out of 3: one person each, nobody at 0.
    const bars = await page.locator('#chart-scores rect').evaluateAll((els) => els.map((e) => [e.getAttribute('data-label'), e.getAttribute('data-value')]));
    assert.deepEqual(bars, [['0', '0'], ['1', '1'], ['2', '1'], ['3', '1']]);
    const units = page.locator('#dim-unit table');
    await units.getByRole('row', { name: /Phòng Phổ biến, giáo dục pháp luật STP-1 2 66,7 % 2/ }).waitFor();
    await units.getByRole('row', { name: /Chi đoàn Ân Thi STP-2 1 33,3 % 1/ }).waitFor();
    await page.locator('#chart-units rect[data-label="Phòng Phổ biến, giáo dục pháp luật"][data-value="2"]').waitFor();
    const sex = page.locator('#dim-sex table');
    await sex.getByRole('row', { name: /^Nữ 2 66,7 % 2$/ }).waitFor();
    await sex.getByRole('row', { name: /^Nam 1 33,3 % 1$/ }).waitFor();
    // The API says the same.
    const stats = ok(await call('GET', `/api/admin/contests/${data.contest}/stats`));
    assert.deepEqual([stats.registered, stats.participants, stats.attempts], [4, 3, 3]);
    await consoleScreen(page, '18-stats');
    // The statistics file downloads, with the Vietnamese headings Excel shows.
    const [statsCsv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải thống kê (CSV)' }).click()]);
    const statsText = (await bytes(statsCsv)).toString('utf8');
    assert.ok(statsText.startsWith('\uFEFFĐợt thi,Nhóm,Mã,Tên,Số người dự thi,Số lượt thi'), statsText.slice(0, 80));
    assert.match(statsText, /Toàn cuộc thi,Tổng,,Tổng số,3,3/);

    // Collective ranking: the organiser's formula, then the ranking it gives.
    await page.locator('nav.sections').getByRole('link', { name: 'Xếp hạng tập thể' }).click();
    await page.getByRole('heading', { level: 1, name: /^Xếp hạng tập thể/ }).waitFor();
    const standings = page.locator('#standings');
    // Default formula: the participation rate alone (2 of 4 = 50 %, 1 of 10 = 10 %).
    await standings.locator('tr[data-unit="STP-1"] td:last-child', { hasText: /^50$/ }).waitFor();
    // Sorted by name, the Vietnamese way.
    await standings.getByRole('button', { name: 'Đơn vị', exact: true }).click();
    assert.equal(await standings.locator('th[aria-sort="ascending"]').textContent(), 'Đơn vị ▲');
    assert.deepEqual(await standings.locator('tbody tr td:nth-child(2)').allTextContents(), UNIT_ORDER);
    await standings.getByRole('button', { name: 'Đơn vị', exact: true }).click();
    assert.deepEqual(await standings.locator('tbody tr td:nth-child(2)').allTextContents(), [...UNIT_ORDER].reverse());
    const formula = page.locator('#formula-form');
    await formula.getByLabel('Hệ số của số người dự thi').fill('2');
    await formula.getByLabel('Điểm cho mỗi Giải Nhất').fill('10');
    await formula.getByLabel('Điểm cho mỗi Giải Nhì').fill('8');
    await formula.getByRole('button', { name: 'Lưu công thức' }).click();
    await page.getByRole('status').filter({ hasText: 'Đã lưu công thức' }).waitFor();
    // STP-1: 50 + 2 × 2 people + Giải Nhất 10 + Giải Nhì 8 = 72; STP-2: 10 + 2 = 12.
    await standings.locator('tr[data-unit="STP-1"] td:last-child', { hasText: /^72$/ }).waitFor();
    assert.match(await standings.locator('tr[data-unit="STP-1"]').innerText(), /^1\s/);
    assert.equal(await standings.locator('tr[data-unit="STP-2"] td:last-child').textContent(), '12');
    const collective = ok(await call('GET', `/api/admin/contests/${data.contest}/collective`));
    assert.deepEqual(collective.scoring.prize_points, { 'Giải Nhất': 10, 'Giải Nhì': 8 });
    assert.equal(collective.items[0].code, 'STP-1');
    assert.equal(collective.items[0].score, 72);
    await page.locator('#chart-rate rect[data-label="Phòng Phổ biến, giáo dục pháp luật"][data-value="50"]').waitFor();
    await consoleScreen(page, '19-collective');

    // Question statistics: facility 3/3, 2/3, 1/3; question 1 cannot discriminate.
    await page.locator('nav.sections').getByRole('link', { name: 'Thống kê câu hỏi' }).click();
    const qstats = page.locator('#qstats');
    await qstats.waitFor();
    const facility = await qstats.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-code'), r.children[3].textContent, r.children[4].textContent]));
    assert.deepEqual(facility.map((f) => f.slice(0, 2)), [['PDP-1', '100 %'], ['PDP-2', '66,7 %'], ['PDP-3', '33,3 %']]);
    assert.equal(facility[0][2], '—', 'a question everyone got right does not discriminate');
    assert.match(await qstats.locator('tr[data-code="PDP-2"]').innerText(), /A\. Đúng: 2 \(66,7 %\)\s*— đáp án đúng[\s\S]*B\. Sai: 1 \(33,3 %\)/);
    await page.getByText('Không có câu hỏi nào nghi lộ đáp án.').waitFor();
    // Sorting by facility puts the hardest question first.
    await qstats.getByRole('button', { name: 'Chỉ số dễ' }).click();
    assert.equal(await qstats.locator('tbody tr').first().getAttribute('data-code'), 'PDP-3');
    await consoleScreen(page, '20-question-stats');

    // The survey: two answers, one satisfied: 50 %, below the 90 % target.
    await page.locator('nav.sections').getByRole('link', { name: 'Khảo sát' }).click();
    await page.getByRole('heading', { level: 1, name: /^Khảo sát mức độ hài lòng/ }).waitFor();
    assert.equal(await page.locator('#tile-responses b').textContent(), '2');
    assert.equal(await page.locator('#tile-rate b').textContent(), '50 %');
    assert.equal(await page.locator('#tile-average b').textContent(), '4');
    assert.match(await page.locator('#target').innerText(), /Chưa đạt mục tiêu 90 %/);
    await page.locator('#comments').getByRole('cell', { name: 'Thời gian làm bài hơi ngắn.' }).waitFor();
    await page.locator('#chart-survey rect[data-label="5 điểm"][data-value="1"]').waitFor();
    await consoleScreen(page, '21-survey');

    // The abuse queue: a scan files the two "Lò Thị Mai" registrations as one case.
    await page.locator('nav.sections').getByRole('link', { name: 'Nghi vấn gian lận' }).click();
    await page.getByRole('heading', { level: 1, name: /^Nghi vấn gian lận/ }).waitFor();
    const planted = page.locator('article[data-rule="same_person"]');
    for (let i = 0; !(await planted.count()); i++) {
      // Another node's (or the background job's) scan may hold the lock: try again.
      assert.ok(i < 20, 'the same-person case never appears');
      await page.getByRole('button', { name: 'Quét ngay' }).click();
      await page.getByRole('status').filter({ hasText: /Đã quét xong/ }).or(page.getByRole('alert').filter({ hasText: /./ })).first().waitFor();
      await page.waitForTimeout(200); // only between retries of a refused scan
    }
    assert.match(await planted.innerText(), /Cùng họ tên và ngày sinh, khác số điện thoại/);
    assert.match(await planted.innerText(), /2 người đăng ký cùng họ tên và ngày sinh/);
    const ids = await planted.locator('tbody tr td:first-child').allTextContents();
    assert.deepEqual(ids.map(Number).sort((a, b) => a - b), [mai.id, mai2.id].sort((a, b) => a - b));
    await consoleScreen(page, '22-cases');
    const caseId = Number((await planted.getAttribute('id'))?.replace('case-', ''));
    // A decision needs a reason: refused without one, nothing changes.
    await planted.getByRole('button', { name: 'Bác bỏ' }).click();
    await planted.locator('[aria-invalid="true"]').waitFor();
    assert.equal(ok(await call('GET', `/api/admin/contests/${data.contest}/cases?status=open`)).items.some((/** @type {any} */ c) => c.id === caseId), true);
    await planted.getByLabel(`Lý do quyết định cho hồ sơ số ${caseId}`).fill('Hai người khác nhau trùng họ tên và ngày sinh; đã gọi điện xác minh.');
    await planted.getByRole('button', { name: 'Bác bỏ' }).click();
    await page.getByRole('status').filter({ hasText: `Đã bác bỏ hồ sơ số ${caseId}.` }).waitFor();
    await page.locator(`#case-${caseId}`).waitFor({ state: 'detached' });
    const dismissed = ok(await call('GET', `/api/admin/contests/${data.contest}/cases?status=dismissed`)).items.find((/** @type {any} */ c) => c.id === caseId);
    assert.equal(dismissed?.status, 'dismissed');
    assert.equal(dismissed?.reason, 'Hai người khác nhau trùng họ tên và ngày sinh; đã gọi điện xác minh.');
    // Nobody was disqualified by it.
    assert.equal(await server.sql(`SELECT count(*) FROM participants WHERE disqualified_at IS NOT NULL`), '0');
    await page.getByLabel('Trạng thái').selectOption('dismissed');
    await page.locator(`#case-${caseId} .case-reason`, { hasText: 'đã gọi điện xác minh' }).waitFor();
    await consoleScreen(page, '23-cases-dismissed');

    // Reports and files: the Ministry report is a PDF, the answers a CSV of every answer.
    await page.locator('nav.sections').getByRole('link', { name: 'Báo cáo, tệp xuất' }).click();
    await page.getByRole('heading', { level: 1, name: /^Báo cáo và tệp xuất/ }).waitFor();
    await consoleScreen(page, '24-reports');
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải báo cáo toàn cuộc thi (PDF)' }).click()]);
    const pdfBytes = await bytes(pdf);
    assert.equal(pdfBytes.subarray(0, 5).toString(), '%PDF-', 'a PDF file');
    assert.match(pdf.suggestedFilename(), /^bao-cao-cuoc-thi-\d+\.pdf$/);
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải báo cáo toàn cuộc thi (XLSX)' }).click()]);
    assert.equal((await bytes(xlsx)).subarray(0, 2).toString(), 'PK', 'an XLSX (zip) file');
    const [answers] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải câu trả lời Tuần thi thứ nhất (CSV)', exact: true }).click()]);
    const lines = (await bytes(answers)).toString('utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    assert.equal(lines.length, 1 + 9, 'three attempts of three answers');
    assert.equal(lines.filter((l) => /,Đúng,/.test(l)).length, 6, '3 + 2 + 1 right answers');
    assert.ok(!lines.some((l) => l.includes('Lò Thị Mai')), 'names masked in the plain export');
    // This admin may export personal data: the offer is there and the file names people.
    const [personal] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải câu trả lời Tuần thi thứ nhất kèm dữ liệu cá nhân (CSV)' }).click()]);
    assert.match((await bytes(personal)).toString('utf8'), /Lò Thị Mai/);
    const audit = ok(await call('GET', `/api/admin/orgs/${admin.org}/audit?limit=20`)).items.map((/** @type {any} */ e) => e.action);
    assert.ok(audit.includes('report.ministry') && audit.includes('export.answers.personal'), audit.join(' '));

    // Personal data: retention, an erasure on request, extra time.
    await page.locator('nav.sections').getByRole('link', { name: 'Dữ liệu cá nhân' }).click();
    await page.getByRole('heading', { level: 1, name: /^Dữ liệu cá nhân và gia hạn/ }).waitFor();
    const retention = page.locator('#retention-form');
    await retention.getByLabel('Số ngày lưu trữ (0 đến 3650)').fill('4000');
    await retention.getByRole('button', { name: 'Lưu' }).click();
    await retention.locator('[aria-invalid="true"]').waitFor();
    await retention.getByLabel('Số ngày lưu trữ (0 đến 3650)').fill('365');
    await retention.getByRole('button', { name: 'Lưu' }).click();
    await page.locator('#privacy-facts dd', { hasText: '365 ngày' }).waitFor();
    assert.equal(await retention.locator('[aria-invalid="true"]').count(), 0, 'the old error is gone');
    assert.equal(await retention.locator('.err').first().textContent(), '');
    const erase = page.locator('#erase-form');
    await erase.getByLabel('Mã thí sinh').fill(String(duc.id));
    await erase.getByLabel('Căn cứ yêu cầu xoá').fill('Đơn đề nghị xoá dữ liệu ngày 01/12/2026');
    page.once('dialog', (d) => void d.accept());
    await erase.getByRole('button', { name: 'Xoá dữ liệu cá nhân' }).click();
    await page.locator('#erase-out', { hasText: `Đã xoá dữ liệu cá nhân của thí sinh ${duc.id}.` }).waitFor();
    await page.locator('#erased-count', { hasText: /^1$/ }).waitFor();
    assert.equal(await server.sql(`SELECT count(*) FROM participants WHERE id = ${duc.id} AND full_name = '${duc.name}'`), '0', 'the name is gone');
    const ext = page.locator('#extension-form');
    await ext.getByLabel('Mã thí sinh').fill(String(binh.id));
    await ext.getByLabel('Số phút thêm (0 đến 600)').fill('15');
    await ext.getByLabel('Lý do gia hạn').fill('Người khiếm thị dùng trình đọc màn hình');
    await ext.getByRole('button', { name: 'Gia hạn' }).click();
    await page.locator('#extension-out', { hasText: `Đã gia hạn cho thí sinh ${binh.id}: thêm 15 phút` }).waitFor();
    assert.equal(await server.sql(`SELECT extra_minutes || ' ' || multiplier_pct FROM time_extensions WHERE participant_id = ${binh.id}`), '15 100');
    await consoleScreen(page, '25-privacy');

    // The round's ranking on the results page: masked names, the counted attempt.
    await page.locator('nav.sections').getByRole('link', { name: 'Kết quả', exact: true }).click();
    await page.getByText('Bảng xếp hạng Tuần thi thứ nhất').first().click();
    const ranked = page.locator(`#ranking-${data.round} tbody tr`);
    await ranked.nth(2).waitFor();
    const table = await ranked.evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    assert.deepEqual(table.map((r) => [r[0], r[1], r[5], r[10]]), [
      ['1', String(mai.id), '3', '1'], ['2', String(binh.id), '2', '1'], ['3', String(mai2.id), '1', '1'],
    ]);
    assert.ok(!table.flat().includes('Lò Thị Mai'), `names are masked: ${JSON.stringify(table[0])}`);
    await page.getByText('Đang hiện 3 trên 3 người.').waitFor();
    await consoleScreen(page, '27-results-ranking');

    // In English, the same page from the catalogue.
    await page.getByLabel('Ngôn ngữ').selectOption('en');
    await page.getByRole('heading', { level: 1, name: /^Results and prizes/ }).waitFor();
    await page.locator('nav.sections').getByRole('link', { name: 'Statistics', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /^Participation statistics/ }).waitFor();
    await page.locator('#dim-sex').getByRole('cell', { name: 'Female', exact: true }).waitFor();
    await consoleScreen(page, '26-stats-en');
    assert.deepEqual(problems, [], 'no page errors or refused resources');
  } finally {
    await context.close();
  }
});

test('a viewer is offered no personal-data file, and the server refuses one anyway', { timeout: 60_000 }, async () => {
  const added = ok(await call('POST', `/api/admin/orgs/${admin.org}/members`, { email: 'xem-bao-cao@stp.example', display_name: 'Người xem', role: 'viewer' }), 201);
  const own = 'người xem đọc báo cáo mỗi tuần';
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  try {
    // The viewer's first login, in the console: the one-time password, then their own.
    await firstLoginInConsole(page, server.base, 'xem-bao-cao@stp.example', added.temporary_password, own);
    // A file the page does not offer, asked for by address: the server refuses it.
    const viewer = await login(server.base, 'xem-bao-cao@stp.example', own);
    const refused = await call('GET', `/api/admin/rounds/${data.round}/answers.csv?personal=true`, undefined, viewer);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'personal_data_forbidden');
    await page.goto(`${server.base}/console/#/contests/${data.contest}/reports`);
    await page.getByRole('link', { name: 'Tải câu trả lời Tuần thi thứ nhất (CSV)', exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: /kèm dữ liệu cá nhân/ }).count(), 0);
    await page.goto(`${server.base}/console/#/contests/${data.contest}/cases`);
    await page.getByRole('heading', { level: 1, name: /^Nghi vấn gian lận/ }).waitFor();
    await page.locator('#case-count').filter({ hasText: /./ }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Quét ngay|Bác bỏ|Xác nhận/ }).count(), 0, 'viewers read the queue, they do not decide');
    await page.goto(`${server.base}/console/#/contests/${data.contest}/privacy`);
    await page.locator('#privacy-facts').waitFor();
    assert.equal(await page.locator('#erase-form').count(), 0);
    await assertAccessible(page, 'console privacy as a viewer');
  } finally {
    await context.close();
  }
});
