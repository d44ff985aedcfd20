// Accessibility and screenshots for browser tests: axe-core (the npm package) evaluated in
// the page, and full-page screenshots saved under tests/browser/artifacts/ (git-ignored).

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now and fails on any
 * violation, naming each rule and the elements it found.
 * @param {import('playwright-core').Page} page @param {string} where
 */
export async function assertAccessible(page, where) {
  // Evaluated through the debugging protocol, which the page's CSP does not govern, so the
  // page keeps its real Content-Security-Policy during the test.
  await page.evaluate(`if (!window.axe) { ${AXE_SOURCE}\n }`);
  const violations = await page.evaluate(async () => {
    // @ts-ignore axe is injected above
    const res = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return res.violations.map((/** @type {any} */ v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).map((/** @type {any} */ n) => n.target.join(' ')).join('\n    ')}`);
  });
  assert.deepEqual(violations, [], `axe-core violations on ${where}:\n${violations.join('\n')}`);
}

/** Saves a full-page screenshot as artifacts/{dir}/{name}.png. @param {import('playwright-core').Page} page @param {string} dir @param {string} name */
export async function screenshot(page, dir, name) {
  mkdirSync(`${ARTIFACTS}${dir}`, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${dir}/${name}.png`, fullPage: true });
}

/** Checks a console screen with axe-core, then saves its screenshot as artifacts/console/{name}.png. @param {import('playwright-core').Page} page @param {string} name */
export async function consoleScreen(page, name) {
  await assertAccessible(page, `console ${name}`);
  await screenshot(page, 'console', name);
}
