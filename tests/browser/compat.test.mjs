// Old engines (issue 15 item 3): every script and style sheet the player ships passes the
// checks of lib/compat.mjs for Chromium 69 / Android WebView 69 and Safari 12, and each check
// is shown to fail on a construct newer than that target.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shippedFiles, lintJs, lintCss, read } from './lib/compat.mjs';

test('every shipped script of the player is ES2018 with web APIs of Chromium 69 and Safari 12', { timeout: 60_000 }, async () => {
  const { js } = await shippedFiles();
  assert.ok(js.includes('app.js') && js.includes('attempt.js') && js.includes('pow.js'), `${js}`);
  const problems = [];
  for (const name of js) problems.push(...(await lintJs(await read(name), name)));
  assert.deepEqual(problems, []);
});

test('every shipped style sheet of the player works in Chromium 69 and Safari 12', { timeout: 60_000 }, async () => {
  const { css } = await shippedFiles();
  assert.ok(css.includes('style.css'), `${css}`);
  const problems = [];
  for (const name of css) problems.push(...(await lintCss(await read(name), name)));
  assert.deepEqual(problems, []);
});

test('the script checks fail on syntax, built-ins and DOM methods newer than the target', { timeout: 60_000 }, async () => {
  const ok = `import { t } from './i18n.js';\nexport async function f(a) { const m = await import('./pow.js'); try { return { ...a, t, m }; } catch { return [a].flatMap((x) => x); } }\n`;
  assert.deepEqual(await lintJs(ok, 'ok.js'), [], 'ES2018 plus dynamic import, optional catch binding and flatMap pass');
  /** [code, the rule that must catch it] */
  const tooNew = [
    ['export const f = (a) => a?.b;', 'es-x/no-optional-chaining'],
    ['export const f = (a) => a ?? 1;', 'es-x/no-nullish-coalescing-operators'],
    ['export class A { #x = 1; }', 'es-x/no-class-instance-fields'],
    ['export const f = (s) => s.replaceAll("a", "b");', 'no-restricted-properties'],
    ['export const f = () => Object.fromEntries([]);', 'es-x/no-object-fromentries'],
    ['export const f = (e) => e.replaceChildren();', 'no-restricted-properties'],
    ['export const f = () => structuredClone({});', 'compat/compat'],
    ['export const f = () => new AbortController();', 'compat/compat'],
    ['export const f = () => crypto.randomUUID();', 'compat/compat'],
  ];
  for (const [code, rule] of tooNew) {
    const found = await lintJs(code, 'new.js');
    assert.ok(found.some((p) => p.includes(` ${rule} `)), `${code} must fail ${rule}: ${found.join('; ') || 'no problem found'}`);
  }
});

test('the CSS check fails on properties and selectors newer than the target', { timeout: 60_000 }, async () => {
  assert.deepEqual(await lintCss('a{display:flex;min-height:44px}\n.g{display:grid}\n', 'ok.css'), []);
  const tooNew = [
    ['.a{display:contents}', 'css-display-contents'],
    ['.a{width:min(10px,5vw)}', 'css-math-functions'],
    ['.a:is(.b,.c){color:red}', 'css-matches-pseudo'],
    ['.a{inset:0}', 'css-logical-props'],
  ];
  for (const [css, feature] of tooNew) {
    const found = await lintCss(css, 'new.css');
    assert.ok(found.some((p) => p.includes(` ${feature} `)), `${css} must fail ${feature}: ${found.join('; ') || 'no problem found'}`);
  }
});
