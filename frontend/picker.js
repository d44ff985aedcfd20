// @ts-check
// The commune picker: a combobox over the province's 2025 communes. Matching folds marks and
// đ → d ("cam giang" finds "Cẩm Giàng"), exact matches with marks come first; the choice is
// kept by code, the list shows the exact names.
import { $, inp, txt, h, fold, norm, fill } from './util.js';
import { t } from './i18n.js';

/** @type {Unit[]} */ let all = [];
/** @type {Unit[]} */ let shown = [];
let active = -1;
/** The chosen commune's code ('' until one is picked). */
export let communeCode = '';
/** @type {(c: Unit) => void} */ let onPick = () => {};
const box = () => inp('commune_code'), list = () => $('pick');

/** @param {Unit[]} communes @param {(c: Unit) => void} picked */
export function setCommunes(communes, picked) {
	all = communes.map((c) => ({ ...c, f: fold(c.name), n: norm(c.name) }));
	onPick = picked;
	// Typed before the list arrived (a slow link): the matches while still typing, else what
	// leaving the field would have done with the list there (a single or exact match is taken).
	if (box().value && !communeCode) document.activeElement === box() ? render() : settle();
}

/** Forgets the typed commune (another province was chosen). */
export function reset() {
	box().value = '';
	communeCode = '';
	close();
}

/** Best first: exact name, exact prefix, folded name, folded prefix, folded word start, folded anywhere. @param {string} q */
export function search(q) {
	const n = norm(q), f = fold(q);
	if (!f) return [];
	/** @param {any} c */
	const score = (c) => c.n === n ? 0 : c.n.endsWith(' ' + n) || c.n.includes(n) ? 1 : c.f === f || c.f.endsWith(' ' + f) ? 2 : c.f.includes(' ' + f) ? 3 : c.f.includes(f) ? 4 : 9;
	return all.map((c) => /** @type {[number, Unit]} */ ([score(c), c])).filter((x) => x[0] < 9).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
}

/** @param {Unit} c */
export function pick(c) {
	box().value = c.name;
	communeCode = c.code;
	close();
	onPick(c);
}
function close() {
	list().hidden = true;
	box().setAttribute('aria-expanded', 'false');
	box().removeAttribute('aria-activedescendant');
	active = -1;
}
function render() {
	const v = box().value;
	shown = search(v).slice(0, 8);
	const exact = shown.find((c) => norm(c.name) === norm(v));
	communeCode = exact ? exact.code : '';
	fill(list(), shown.map((c, i) => {
		const li = h('li', { role: 'option', id: 'pk' + i, 'aria-selected': String(i === active) }, c.name);
		li.onmousedown = (e) => e.preventDefault(); // keep focus in the input
		li.onclick = () => (pick(c), box().focus());
		return li;
	}));
	list().hidden = !shown.length;
	box().setAttribute('aria-expanded', String(!!shown.length));
	txt('pick-n', v && !shown.length ? t('no_match') : '');
	if (active >= 0) box().setAttribute('aria-activedescendant', 'pk' + active);
	else box().removeAttribute('aria-activedescendant');
}
/** On leaving the field, or submitting: a single or exact match is taken. */
export function settle() {
	if (communeCode) return close();
	const found = search(box().value), f = fold(box().value);
	const whole = found.filter((c) => fold(c.name) === f || fold(c.name).endsWith(' ' + f));
	if (found.length === 1 || whole.length === 1) pick(found.length === 1 ? found[0] : whole[0]);
	else close();
}

box().oninput = () => ((active = -1), render());
box().onkeydown = (e) => {
	if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
		e.preventDefault();
		if (list().hidden) render();
		if (!shown.length) return;
		active = (active + (e.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
		render();
	} else if (e.key === 'Enter' && active >= 0 && !list().hidden) {
		e.preventDefault();
		pick(shown[active]);
	} else if (e.key === 'Escape') close();
};
box().onblur = () => settle();
