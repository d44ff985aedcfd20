// @ts-check
// Small helpers shared by the player's modules. Untrusted text goes through textContent only.

export const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
export const inp = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id)); // or a <select>
export const txt = (/** @type {string} */ id, /** @type {string} */ t) => void ($(id).textContent = t);
export const dis = (/** @type {string} */ id, /** @type {boolean} */ on) => $(id).toggleAttribute('disabled', on);
export const enc = encodeURIComponent, pnow = () => performance.now();

/**
* @template {keyof HTMLElementTagNameMap} K
* @param {K} tag @param {Record<string, string>} attrs @param {(Node | string)[]} kids
* @returns {HTMLElementTagNameMap[K]}
*/
export function h(tag, attrs = {}, ...kids) {
	const e = document.createElement(tag);
	for (const k in attrs) e.setAttribute(k, attrs[k]);
	e.append(...kids);
	return e;
}

export const slug = decodeURIComponent((/^\/c\/([^/]+)\/?$/.exec(location.pathname) || ['', ''])[1]);
const KEY = `thiluat:${slug}:`;
/** @param {string} k */
export function load(k) {
	try { return JSON.parse(localStorage.getItem(KEY + k) || 'null'); } catch { return null; }
}
/** @param {string} k @param {unknown} v */
export function store(k, v) {
	try { v == null ? localStorage.removeItem(KEY + k) : localStorage.setItem(KEY + k, JSON.stringify(v)); } catch {} // private mode
}

const p2 = (/** @type {number | string} */ n) => String(n).padStart(2, '0');
/** The parts of an instant in Asia/Ho_Chi_Minh (UTC+7, no DST). @param {number} ms */
function vn(ms) {
	const d = new Date(ms + 252e5);
	return { d: `${p2(d.getUTCDate())}/${p2(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`, H: d.getUTCHours(), M: d.getUTCMinutes() };
}
/** "0h00 ngày 16/11/2026"; an end at midnight reads "24h00" of the day before. @param {number} ms @param {boolean} end @param {string} day */
export function when(ms, end, day) {
	const x = vn(ms);
	if (end && x.H === 0 && x.M === 0) return `24h00 ${day} ${vn(ms - 1).d}`;
	return `${x.H}h${p2(x.M)} ${day} ${x.d}`;
}
/** dd/mm/yyyy HH:mm @param {number} ms */
export function fmt(ms) {
	const x = vn(ms);
	return `${x.d} ${p2(x.H)}:${p2(x.M)}`;
}
/** @param {number} ms @param {boolean} [up] */
export function mmss(ms, up) {
	const s = Math.max(0, Math[up ? 'ceil' : 'floor'](ms / 1000));
	return `${p2(Math.floor(s / 60))}:${p2(s % 60)}`;
}
/** [days, "HH:MM:SS"] until an instant. @param {number} ms */
export function dhms(ms) {
	const s = Math.max(0, Math.floor(ms / 1000));
	return /** @type {[number, string]} */ ([Math.floor(s / 86400), `${p2(Math.floor(s / 3600) % 24)}:${p2(Math.floor(s / 60) % 60)}:${p2(s % 60)}`]);
}
/** For matching only: no marks, đ → d, lower case, single spaces. @param {string} s */
export const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
/** Exact (with marks) comparison form. @param {string} s */
export const norm = (s) => s.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
