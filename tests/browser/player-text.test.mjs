// Readable at any size (issue 15 item 2, WCAG 1.4.4 and 1.4.10): a 320 CSS px phone whose
// text setting is 200% (the browser's default font size 32 px, as Android's font scale does
// in a webview): no horizontal scrolling, no word of the demo's questions and options split
// across two lines, every button and option at least 44×44 px; the attempt's accessibility
// tree names every control.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './lib/server.mjs';
import { launch, phone, registerByApi, signInDevice, waitText, noHorizontalScroll } from './lib/phone.mjs';

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

/** The words of the elements matched by `selector` that the layout put on two lines or more
 *  (each word's Range has client rects on more than one line). @param {import('playwright-core').Page} page @param {string} selector */
function splitWords(page, selector) {
  return page.evaluate((sel) => {
    /** @type {string[]} */
    const split = [];
    for (const root of document.querySelectorAll(sel)) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent || '';
        for (const m of text.matchAll(/\S+/g)) {
          const r = document.createRange();
          r.setStart(n, m.index || 0);
          r.setEnd(n, (m.index || 0) + m[0].length);
          const tops = new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
          if (tops.size > 1) split.push(m[0]);
        }
      }
    }
    return split;
  }, selector);
}

/** Visible controls smaller than 44×44 CSS px. @param {import('playwright-core').Page} page */
function smallTargets(page) {
  return page.evaluate(() => [...document.querySelectorAll('main button, main .opt, main select, main input:not([type=radio]):not([type=checkbox]), main summary, main .btn')]
    .filter((e) => /** @type {HTMLElement} */ (e).offsetParent !== null)
    .map((e) => ({ e, r: e.getBoundingClientRect() }))
    .filter(({ r }) => r.width < 44 || r.height < 44)
    .map(({ e, r }) => `${e.id || e.textContent?.trim().slice(0, 20)} ${Math.round(r.width)}×${Math.round(r.height)}`));
}

test('200% text on a 320 px phone: no horizontal scroll, no word split on any question of the demo, targets ≥ 44 px', { timeout: 120_000 }, async () => {
  const auth = await registerByApi(server.base);
  const { context, page, pageErrors } = await phone(browser, { width: 320, height: 640 });
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Page.enable');
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
    await signInDevice(page, server.base, auth);
    const start = page.getByRole('button', { name: 'Bắt đầu làm bài' });
    await start.waitFor();
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontSize), '32px', 'the 200% text setting is in force');
    await noHorizontalScroll(page, 'in the lobby', 320);
    assert.deepEqual(await splitWords(page, 'h1, #org, #rounds, #countdown, #round-box'), [], 'words split on the contest page');
    assert.deepEqual(await smallTargets(page), [], 'targets under 44 px in the lobby');

    await start.tap();
    await waitText(page, 'q-h', /^Câu 1\/\d+$/);
    const total = Number((/\/(\d+)$/.exec(await page.locator('#q-h').innerText()) || [])[1]);
    assert.ok(total >= 10, `questions: ${total}`);
    // What a screen reader is given on a question (the accessibility tree, as Playwright reads it).
    const tree = await page.locator('#quiz').ariaSnapshot();
    const question = (await page.locator('#q-text').innerText()).trim();
    for (const want of [
      `- region "Bài thi":`,
      `- heading "Câu 1/${total}" [level=2]`,
      `- radiogroup "Câu 1/${total} ${question}":`,
      `- radio "A. `,
      `- button "‹ Câu trước" [disabled]`,
      `- button "Câu sau ›"`,
      `- navigation "Danh sách câu hỏi":`,
      `- button "Câu 1, chưa trả lời": "1"`,
      `- button "Câu ${total}, chưa trả lời": "${total}"`,
      `- button "Nộp bài"`,
    ]) assert.ok(tree.includes(want), `the attempt's accessibility tree has ${want}:\n${tree}`);
    assert.doesNotMatch(tree, /- (button|radio|textbox|link)( \[|:|$)/m, `a control without a name:\n${tree}`);
    for (let i = 1; i <= total; i++) {
      await waitText(page, 'q-h', `Câu ${i}/${total}`);
      await noHorizontalScroll(page, `on question ${i}`, 320);
      assert.deepEqual(await splitWords(page, '#q-text, #opts'), [], `words split on question ${i}`);
      assert.deepEqual(await smallTargets(page), [], `targets under 44 px on question ${i}`);
      // The option text has most of the line: at least 60% of the viewport.
      const widths = await page.locator('#opts .opt span').evaluateAll((s) => s.map((e) => e.getBoundingClientRect().width));
      assert.ok(widths.length >= 2 && widths.every((w) => w >= 0.6 * 320), `option text widths on question ${i}: ${widths}`);
      if (i < total) await page.locator('#next').tap();
    }
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
