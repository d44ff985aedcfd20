// The phone page's source: it type-checks (tsc, checkJs + strict) and stays small.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const frontend = fileURLToPath(new URL('../../frontend/', import.meta.url));

test('frontend/app.js type-checks with tsc (checkJs, strict)', { timeout: 90_000 }, async () => {
  const result = await run('npx', ['--no', '--', 'tsc', '-p', 'tsconfig.json'], { cwd: here }).then(
    () => null,
    (/** @type {any} */ e) => `${e.stdout || ''}${e.stderr || ''}` || String(e),
  );
  assert.equal(result, null, `tsc found errors:\n${result}`);
});

/** Files a first visit does not load: the poster's and the results page's styles, and the modules and catalogue fetched on demand. */
const ON_DEMAND = ['poster.css', 'public.css', 'pow.js', 'mydata.js', 'i18n-en.js'];

test('the player\'s first-visit files together stay under 64 KB uncompressed (the wire budgets are player-budgets.test.mjs and player-cold.test.mjs)', () => {
  const files = readdirSync(frontend).filter((f) => /\.(js|css|html)$/.test(f) && !ON_DEMAND.includes(f));
  assert.ok(files.includes('app.js') && files.includes('index.html') && files.includes('style.css'), files.join());
  const sizes = Object.fromEntries(files.map((f) => [f, statSync(frontend + f).size]));
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  // 60 KB until issue 15: code for Chromium 69 / Safari 12 (no ?. or ??) and the contest
  // page's text in index.html cost some 1.5 KB, 0.3 KB on the wire.
  assert.ok(total < 64_000, `frontend is ${total} bytes: ${JSON.stringify(sizes)}`);
});
