// The old-engine checks of the player's shipped files (issue 15 item 3): the phone player must
// parse and run in Chromium 69 / Android System WebView 69 and Safari 12 (iOS 12).
// - JavaScript: eslint with eslint-plugin-es-x restricted to ES2018 (plus the few later
//   features those engines have, listed below), eslint-plugin-compat for web APIs against the
//   browserslist target, and a short list of DOM methods that no linter can see on an
//   untyped element.
// - CSS: doiuse (caniuse data) against the same target, ignoring only features whose absence
//   degrades the look, never the use (each listed with its reason). doiuse does not see
//   everything (not gap in a flex row, aspect-ratio, overflow-wrap:anywhere): style.css
//   uses none of them.

import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import esx from 'eslint-plugin-es-x';
import compat from 'eslint-plugin-compat';
import postcss from 'postcss';
import doiuse from 'doiuse';

export const FRONTEND = fileURLToPath(new URL('../../../frontend/', import.meta.url));
/** Chromium 69 (Android System WebView 69), Safari 12 on macOS and iOS. */
export const TARGETS = ['chrome >= 69', 'safari >= 12', 'ios_saf >= 12', 'android >= 69'];

/** The player's shipped scripts and styles (the organiser console, for desktops, is not checked). */
export async function shippedFiles() {
  const names = (await readdir(FRONTEND)).sort();
  return {
    js: names.filter((n) => n.endsWith('.js')),
    css: names.filter((n) => n.endsWith('.css')),
  };
}

/** Later than ES2018 but in every target engine, so allowed. */
const ALLOWED_LATER = {
  'es-x/no-dynamic-import': 'off', // Chromium 63, Safari 11.1
  'es-x/no-optional-catch-binding': 'off', // Chromium 66, Safari 11.1
  'es-x/no-array-prototype-flat': 'off', // flat and flatMap: Chromium 69, Safari 12
  'es-x/no-string-prototype-trimstart-trimend': 'off', // Chromium 66, Safari 12
};

/** Element methods newer than the target that eslint-plugin-compat cannot see (it does not
 *  know an expression's type): [name, the first Chromium, the first Safari]. */
const NEW_DOM_METHODS = [
  ['replaceChildren', 86, 14],
  ['replaceAll', 85, 13.1],
  ['at', 92, 15.4],
  ['requestSubmit', 76, 16],
  ['showPicker', 99, 16],
  ['checkVisibility', 105, 17.4],
  ['findLast', 97, 15.4],
  ['hasOwn', 93, 15.4],
  ['structuredClone', 98, 15.4],
];

let eslint;
function linter() {
  eslint ??= new ESLint({
    cwd: FRONTEND,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.js'],
        languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: { window: 'readonly', document: 'readonly', navigator: 'readonly' } },
        plugins: { 'es-x': esx, compat },
        settings: { browsers: TARGETS, lintAllEsApis: true },
        rules: {
          ...esx.configs['flat/restrict-to-es2018'].rules,
          ...ALLOWED_LATER,
          'compat/compat': 'error',
          'no-restricted-properties': ['error', ...NEW_DOM_METHODS.map(([property, c, s]) => ({ property, message: `${property}: Chromium ${c}, Safari ${s} — newer than the player's target` }))],
          'no-restricted-globals': ['error', ...NEW_DOM_METHODS.map(([name, c, s]) => ({ name, message: `${name}: Chromium ${c}, Safari ${s}` }))],
        },
      },
    ],
  });
  return eslint;
}

/** Problems in one script: "file:line:col rule message" lines. @param {string} code @param {string} name */
export async function lintJs(code, name) {
  const [res] = await linter().lintText(code, { filePath: `${FRONTEND}${name}` });
  return res.messages.map((m) => `${name}:${m.line}:${m.column} ${m.ruleId || 'parse'} ${m.message}`);
}

/** CSS features whose absence leaves the page usable: [caniuse feature, why it may be missing]. */
const CSS_DEGRADES = {
  'css-has': ':has only highlights the chosen option; the radio button shows the choice anyway',
  'css-focus-visible': ':focus-visible: a stronger outline on keyboard focus; without it the engine\'s own focus ring shows',
  'css-sticky': 'the bar with the timer scrolls away instead of staying on top (caniuse: partial, for tables)',
  'css3-cursors': 'phones have no mouse pointer',
  // caniuse's "partial" here is the two-value overflow shorthand and overflow:clip; a
  // single value (auto, hidden) works in every target.
  'css-overflow': 'single-value overflow only, which every target supports',
};

/** Problems in one style sheet. @param {string} css @param {string} name */
export async function lintCss(css, name) {
  /** @type {string[]} */
  const out = [];
  await postcss([
    doiuse({
      browsers: TARGETS,
      ignore: Object.keys(CSS_DEGRADES),
      onFeatureUsage: (/** @type {any} */ u) => out.push(`${name}:${u.usage.source.start.line} ${u.feature} ${u.message}`),
    }),
  ]).process(css, { from: name });
  return out;
}

export async function read(name) {
  return readFile(`${FRONTEND}${name}`, 'utf8');
}
