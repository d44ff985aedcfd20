// @ts-check
// thiluat phone player (docs/protocol.md): the contest page, registration and sign-in, the
// lobby; the attempt is attempt.js, the result result.js, strings i18n.js, types types.d.ts.
import { $, inp, txt, dis, h, enc, slug, load, store, when, fmt, dhms, fill, dig, deviceId } from './util.js';
import { t, lang, setLang, applyDom, errMsg } from './i18n.js';
import { S, hooks, view, now, openRound } from './state.js';
import { connect, drop, start, tick, renderQ } from './attempt.js';
import { showResult, mine } from './result.js';
import { setCommunes, settle, communeCode, reset } from './picker.js';

const API = `/api/contests/${enc(slug)}`;
const LANG_KEY = 'thiluat:lang';
// A share link's referral code, kept until registration (the page may be reloaded meanwhile).
const ref = new URLSearchParams(location.search).get('ref');
if (ref) store('ref', ref);

/** @param {string} path @param {unknown} [body] @param {string} [token] @returns {Promise<{status: number, data: any}>} */
async function api(path, body, token) {
	try {
		/** @type {Record<string, string>} */
		const headers = { 'accept-language': lang, 'content-type': 'application/json' }; // the server's messages in our language
		if (token) headers.authorization = `Bearer ${token}`;
		const r = await fetch(path, body ? { method: 'POST', headers, body: JSON.stringify(body) } : { headers });
		const date = Date.parse(r.headers.get('date') || '');
		if (date && !S.skew) S.skew = date + 500 - Date.now(); // until the websocket's pong is more precise
		return { status: r.status, data: await r.json().catch(() => null) };
	} catch {
		return { status: 0, data: null };
	}
}

// --- the contest page
async function init() {
	try { if (localStorage.getItem(LANG_KEY) === 'en') await setLang('en'); else applyDom(); } catch { applyDom(); }
	$('lang').setAttribute('lang', lang === 'vi' ? 'en' : 'vi');
	if (!slug) return void (($('boot').hidden = true), ($('home').hidden = false));
	// The server puts the contest (GET /api/contests/{slug}) into its page: no round trip.
	const pre = document.getElementById('contest-data');
	const r = pre ? { status: 200, data: JSON.parse(pre.textContent || 'null') } : await api(API);
	if (r.status !== 200 || !r.data) return void (txt('boot', errMsg(r.data)), ($('boot').hidden = false));
	S.contest = r.data;
	$('boot').hidden = true;
	$('info').hidden = false;
	render();
	S.auth ? lobby() : view('auth');
	// The commune picker offers the communes of the contest's scope, never its units: one
	// province's at once, else those of the province chosen first.
	const provs = dig(S.contest, 'scope', 'provinces') || [];
	const only = provs.length === 1 ? provs[0].code : '';
	$('prov-box').hidden = !!only;
	inp('province').required = !only;
	fill($('province'), [h('option', { value: '' }, t('choose')), ...provs.map((/** @type {{code: string, name: string}} */ p) => h('option', { value: p.code }, p.name))]);
	inp('province').onchange = () => (reset(), communes(inp('province').value));
	onlyProvince = only;
	if (!S.auth) communes(only); // a signed-in participant needs no commune list (signOut loads it)
	const commune = S.contest.unit_mode === 'commune';
	$('unit-box').hidden = commune; // the unit is the commune itself
	inp('unit_code').required = !commune;
}
/** Loads a province's communes into the picker ('' empties it until a province is chosen). @param {string} code */
function communes(code) {
	onlyProvince = null;
	inp('commune_code').disabled = !code;
	communesReady = (code ? api(`/api/communes?province=${enc(code)}`) : Promise.resolve(null)).then((c) =>
		setCommunes(c && Array.isArray(c.data) ? c.data : [], (x) => {
			if (S.contest.units.some((u) => u.code === x.code)) inp('unit_code').value = x.code;
		}));
}
/** The commune list arrives after the page: registering waits for it (slow links). */
let communesReady = Promise.resolve();
/** The contest's one province ('' when several); `null` once its communes were asked for. @type {string | null} */
let onlyProvince = null;
/** Everything on the page that comes from the contest, in the current language. */
function render() {
	const c = S.contest;
	txt('title', (document.title = c.title));
	txt('org-name', c.organiser); // beside the logo the server may have put in #org
	const open = openRound();
	fill($('rounds'), c.rounds.map((x) =>
		h('li', {}, t('window', x.title, when(x.opens_at_ms, false, t('day')), when(x.closes_at_ms, true, t('day'))) + (x === open ? t('open_now') : ''))));
	if (c.rules_html != null) $('rules').innerHTML = c.rules_html; // rendered and sanitised by the server (already in its page)
	$('consent-text').innerHTML = c.consent_html || ''; // also the server's
	const prizes = c.rounds.flatMap((x) => (x.prizes || []).map((p) => t('prize_item', `${x.title} — ${p.name}`, p.count)));
	fill($('prizes'), prizes.map((p) => h('li', {}, p)));
	$('prizes-box').hidden = !prizes.length;
	$('results-link').setAttribute('href', `/c/${enc(c.slug)}/ket-qua`);
	inp('cccd').required = c.cccd_required;
	txt('cccd-opt', c.cccd_required ? '*' : t('cccd_opt'));
	const unit = inp('unit_code').value;
	fill($('unit_code'), [h('option', { value: '' }, t('choose')), ...c.units.map((u) => h('option', { value: u.code }, u.name))]);
	inp('unit_code').value = unit;
	const occ = inp('occupation').value, occs = c.occupations || [];
	fill($('occupation'), [h('option', { value: '' }, t('choose')), ...occs.map((o) => h('option', { value: o.code }, o.label))]);
	inp('occupation').value = occ;
	inp('occupation').required = !!c.occupation_required;
	txt('occ-label', t('f_occ') + (c.occupation_required ? ' *' : ` ${t('cccd_opt')}`));
	$('occ-box').hidden = !occs.length;
	countdown();
}
/** "Tuần 1 đang mở, còn 2 ngày 03:04:05" or "… mở sau …"; every second. */
function countdown() {
	if (!S.contest) return;
	const open = openRound(), next = S.contest.rounds.find((x) => x.opens_at_ms > now());
	txt('countdown', open ? t('cd_close', open.title, ...dhms(open.closes_at_ms - now()))
		: next ? t('cd_open', next.title, ...dhms(next.opens_at_ms - now())) : t('ended'));
}

// --- registration and sign-in
/** @param {Event} ev */
async function register(ev) {
	ev.preventDefault();
	for (const e of $('reg').querySelectorAll('.err')) e.textContent = '';
	for (const e of $('reg').querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
	dis('reg-go', true);
	await communesReady;
	settle();
	const v = (/** @type {string} */ id) => inp(id).value.trim();
	/** @type {Record<string, unknown>} */
	const body = {
		full_name: v('full_name'), dob: v('dob'), sex: v('sex'), phone: v('phone'),
		commune_code: communeCode || v('commune_code'),
		consent: { given: inp('consent').checked, version: S.contest.consent.version },
	};
	if (S.contest.unit_mode !== 'commune') body.unit_code = v('unit_code');
	if (v('cccd')) body.cccd = v('cccd');
	if (v('occupation')) body.occupation = v('occupation');
	const referral = load('ref');
	if (referral) body.referral = referral;
	body.device_id = deviceId();
	let r = await api(`${API}/register`, body);
	if (dig(r.data, 'error', 'code') === 'pow_required') r = await (await import('./pow.js')).register(api, API, body, r); // only then
	dis('reg-go', false);
	if (r.status === 201) return store('ref', null), signedIn(r.data);
	/** @type {ApiError | undefined} */
	const err = dig(r.data, 'error');
	/** @type {FieldErr[]} */
	const list = (err && err.fields) || (err && err.field ? [{ ...err, field: err.field }] : []); // 422; 409: phone/cccd
	let first = '';
	for (const f of list) {
		const e = $(`e-${f.field}`);
		if (!e) continue;
		e.textContent = f.message;
		$(f.field).setAttribute('aria-invalid', 'true');
		first = first || f.field;
	}
	txt('reg-msg', errMsg(r.data));
	if (first) $(first).focus();
}

/** @param {Event} ev */
async function login(ev) {
	ev.preventDefault();
	txt('login-msg', '');
	const r = await api(`${API}/login`, { phone: inp('l-phone').value.trim(), dob: inp('l-dob').value });
	r.status === 200 ? signedIn(r.data) : txt('login-msg', errMsg(r.data));
}

/** @param {Auth} a {token, participant_id, display_name, referral_code} */
function signedIn(a) {
	store('auth', (S.auth = a));
	lobby();
	$('lobby-h').focus();
}

/** @param {string} [why] */
function signOut(why) {
	if (!why && S.att && !confirm(t('confirm_logout'))) return;
	S.auth = S.att = S.snap = null;
	for (const k of ['auth', 'att', 'start']) store(k, null);
	drop();
	$('net').hidden = true;
	view('auth');
	if (onlyProvince !== null) communes(onlyProvince);
	if (why) txt('login-msg', why), (/** @type {HTMLDetailsElement} */ ($('login-box')).open = true);
}

function lobby() {
	view('lobby');
	txt('who', S.auth ? S.auth.display_name : '');
	const round = (S.round = openRound()), left = S.attemptsLeft;
	const next = S.contest.rounds.find((x) => x.opens_at_ms > now());
	txt('round-box', round
		? t('round_box', round.title, round.questions_per_attempt, round.time_limit_ms / 6e4) + (left == null ? '' : t('left_n', left))
		: next ? t('not_yet', next.title, fmt(next.opens_at_ms)) : t('ended'));
	$('start').hidden = !round;
	dis('start', left === 0);
	connect();
}

Object.assign(hooks, { api, lobby, signOut, showResult });
$('reg').onsubmit = register;
$('login').onsubmit = login;
$('logout').onclick = () => signOut();
$('mydata').addEventListener('toggle', () => void import('./mydata.js').then((m) => m.init()));
$('start').onclick = $('again').onclick = start;
$('join').onclick = (e) => {
	e.preventDefault();
	if (S.auth) return void $('lobby-h').focus();
	$('reg-h').focus();
};
$('lang').onclick = async () => {
	const next = lang === 'vi' ? 'en' : 'vi';
	try { localStorage.setItem(LANG_KEY, next); } catch {}
	await setLang(next);
	$('lang').setAttribute('lang', lang === 'vi' ? 'en' : 'vi');
	if (!S.contest) return;
	render();
	if (!$('lobby').hidden) lobby();
	if (!$('quiz').hidden) renderQ();
	if (!$('result').hidden) mine();
};
setInterval(() => (tick(), countdown()), 1000);
init();
