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

/** Replaces an element's children (`replaceChildren` is Chromium 86, Safari 14). @param {Element} e @param {(Node | string)[]} kids */
export function fill(e, kids) {
	e.textContent = '';
	e.append(...kids);
}
/** `o?.[k0]?.[k1]…` for engines without optional chaining (Chromium 80, Safari 13.1). @param {any} o @param {...(string | number)} keys @returns {any} */
export function dig(o, ...keys) {
	for (const k of keys) o = o == null ? undefined : o[k];
	return o;
}
/** `a ?? b` (Chromium 80, Safari 13.1). @template T, U @param {T} a @param {U} b @returns {NonNullable<T> | U} */
export const or = (a, b) => (a == null ? b : /** @type {NonNullable<T>} */ (a));

/** A random version-4 UUID (`crypto.randomUUID` is Chromium 92, Safari 15.4). */
export function uuid() {
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 15) | 64;
	b[8] = (b[8] & 63) | 128;
	const x = Array.from(b, (v) => (v + 256).toString(16).slice(1)).join('');
	return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A random id kept in this browser (one per device, not per contest), sent at registration
 *  (stored only as a keyed HMAC). @returns {string | undefined} */
export function deviceId() {
	try {
		let id = localStorage.getItem('thiluat:device');
		if (!id) localStorage.setItem('thiluat:device', (id = uuid()));
		return id;
	} catch {
		return undefined; // storage blocked (private mode): registration works without it
	}
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
