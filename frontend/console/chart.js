// Charts drawn as SVG: a line chart of values over time and a horizontal bar chart. Each is
// an image with a text alternative; the numbers are also in a table next to it.

import { s } from './dom.js';

const W = 560;
const H = 220;
const PAD = { l: 48, r: 12, t: 12, b: 28 };
/** Colours with at least 3:1 contrast against white (WCAG non-text contrast). */
const COLOURS = ['#1d4ed8', '#b45309', '#047857', '#7e22ce'];

/** A round number at or above v for the axis top. @param {number} v */
function niceMax(v) {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** @param {number} n */
const fmt = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/**
 * @param {{label: string, series: {name: string, points: [number, number][]}[], timeLabel: (ms: number) => string}} opts
 * points are [time ms, value]
 */
export function lineChart(opts) {
  const all = opts.series.flatMap((x) => x.points);
  const t0 = Math.min(...all.map((p) => p[0]), Date.now());
  const t1 = Math.max(...all.map((p) => p[0]), t0 + 1000);
  const top = niceMax(Math.max(0, ...all.map((p) => p[1])));
  const x = (/** @type {number} */ t) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (/** @type {number} */ v) => H - PAD.b - (v / top) * (H - PAD.t - PAD.b);
  const last = opts.series.map((sr) => `${sr.name}: ${fmt(sr.points.at(-1)?.[1] ?? 0)}`).join(', ');
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${opts.label}. ${last}`, class: 'chart' },
    [0, 0.5, 1].map((f) => [
      s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(top * f), y2: y(top * f), stroke: '#d1d5db' }),
      s('text', { x: PAD.l - 6, y: y(top * f) + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#374151' }, fmt(top * f)),
    ]),
    s('text', { x: PAD.l, y: H - 8, 'font-size': 12, fill: '#374151' }, opts.timeLabel(t0)),
    s('text', { x: W - PAD.r, y: H - 8, 'text-anchor': 'end', 'font-size': 12, fill: '#374151' }, opts.timeLabel(t1)),
    opts.series.map((sr, i) =>
      s('polyline', {
        points: sr.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
        fill: 'none',
        stroke: COLOURS[i % COLOURS.length],
        'stroke-width': 2.5,
        'stroke-dasharray': i ? '6 3' : null,
        'data-series': sr.name,
        'data-last': sr.points.at(-1)?.[1] ?? 0,
      }),
    ),
  );
  return svg;
}

/** @param {{label: string, items: {label: string, value: number}[], max?: number, unit?: string, format?: (n: number) => string}} opts */
export function barChart(opts) {
  const items = opts.items.slice(0, opts.max ?? 10);
  const unit = opts.unit ?? '';
  const show = opts.format ?? fmt;
  const rowH = 24;
  const height = Math.max(1, items.length) * rowH + 8;
  const labelW = 200;
  const top = niceMax(Math.max(0, ...items.map((i) => i.value)));
  const width = (/** @type {number} */ v) => (v / top) * (W - labelW - 60);
  return s(
    'svg',
    {
      viewBox: `0 0 ${W} ${height}`,
      role: 'img',
      'aria-label': `${opts.label}. ${items.map((i) => `${i.label}: ${show(i.value)}${unit}`).join(', ')}`,
      class: 'chart',
    },
    items.map((it, i) => [
      s('text', { x: labelW - 6, y: i * rowH + 20, 'text-anchor': 'end', 'font-size': 12, fill: '#111827' }, it.label.slice(0, 30)),
      s('rect', { x: labelW, y: i * rowH + 6, width: Math.max(1, width(it.value)), height: rowH - 8, fill: COLOURS[0], 'data-value': it.value, 'data-label': it.label }),
      s('text', { x: labelW + width(it.value) + 6, y: i * rowH + 20, 'font-size': 12, fill: '#111827' }, `${show(it.value)}${unit}`),
    ]),
  );
}

/**
 * A column chart of counts over ordered classes (a histogram: participants by number of
 * correct answers). Every class is drawn, empty ones too.
 * @param {{label: string, items: {label: string, value: number}[], xTitle: string}} opts
 */
export function columnChart(opts) {
  const n = Math.max(1, opts.items.length);
  const top = niceMax(Math.max(0, ...opts.items.map((i) => i.value)));
  const slot = (W - PAD.l - PAD.r) / n;
  const bottom = H - PAD.b - 14;
  const y = (/** @type {number} */ v) => bottom - (v / top) * (bottom - PAD.t - 14);
  return s(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-label': `${opts.label}. ${opts.items.map((i) => `${i.label}: ${fmt(i.value)}`).join(', ')}`,
      class: 'chart',
    },
    [0, 0.5, 1].map((f) => [
      s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(top * f), y2: y(top * f), stroke: '#d1d5db' }),
      s('text', { x: PAD.l - 6, y: y(top * f) + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#374151' }, fmt(top * f)),
    ]),
    opts.items.map((it, i) => {
      const x = PAD.l + i * slot;
      return [
        s('rect', { x: x + slot * 0.15, y: y(it.value), width: slot * 0.7, height: Math.max(0, bottom - y(it.value)), fill: COLOURS[0], 'data-label': it.label, 'data-value': it.value }),
        it.value > 0 && s('text', { x: x + slot / 2, y: y(it.value) - 4, 'text-anchor': 'middle', 'font-size': 12, fill: '#111827' }, fmt(it.value)),
        (n <= 25 || i % Math.ceil(n / 25) === 0) && s('text', { x: x + slot / 2, y: bottom + 16, 'text-anchor': 'middle', 'font-size': 12, fill: '#374151' }, it.label),
      ];
    }),
    s('text', { x: (W + PAD.l) / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 12, fill: '#374151' }, opts.xTitle),
  );
}
