// @ts-check
// The attempt over the websocket (docs/protocol.md): one question at a time, a grid to jump
// around, answers kept on the device until acknowledged, the server's countdown, resume after
// a reload or a dropped connection, submit with confirmation, auto-submit at the deadline.
import { $, inp, txt, dis, h, enc, pnow, store, load, mmss, fill, dig, or, uuid } from './util.js';
import { t, errMsg } from './i18n.js';
import { S, hooks, view, now, openRound } from './state.js';

const dialog = /** @type {HTMLDialogElement} */ ($('confirm'));
/** @type {Record<string, number[]>} */ let answers = {};
let cur = 0, deadline = 0, timeUp = false, submitting = false;
/** @type {Record<string, number>} */ const sentAt = {};
const told = new Set();
/** The prediction the server holds for this attempt (a `predict` confirmed, or the snapshot's). */
let savedPred = '', predTimer = 0;
const say = (/** @type {string} */ m) => txt('msg', m);
const saveAtt = () => store('att', S.att);
const startReq = () => /** @type {StartReq | null} */ (load('start'));

/** @type {WebSocket | null} */ let ws = null;
let backoff = 1000, retryTimer = 0, pollTimer = 0, lastRx = 0, fails = 0, ticks = 0;
const isOpen = () => !!ws && ws.readyState === 1;
/** @param {ClientMsg} msg */
const send = (msg) => (isOpen() ? (/** @type {WebSocket} */ (ws).send(JSON.stringify(msg)), true) : false);

export function connect() {
	clearTimeout(retryTimer);
	if (!S.auth || ws) return;
	if (!navigator.onLine) return retry();
	const s = (ws = new WebSocket(`${location.protocol.replace('http', 'ws')}//${location.host}/ws?token=${enc(S.auth.token)}`));
	let opened = false;
	s.onopen = () => {
		opened = true;
		fails = 0;
		backoff = 1000;
		lastRx = pnow();
		$('net').hidden = true;
		send({ type: 'ping' });
		sync();
	};
	s.onmessage = (e) => onMessage(JSON.parse(e.data));
	s.onclose = () => {
		if (ws !== s) return;
		ws = null;
		if (!opened && ++fails % 3 === 0) probe();
		lost();
	};
}
/** A dead socket can take minutes to close: abandon it. */
export function drop() {
	if (ws) (ws.onclose = ws.onmessage = null), ws.close();
	ws = null;
}
function lost() {
	for (const k in sentAt) delete sentAt[k]; // resent after the next snapshot
	if (!S.auth) return;
	$('net').hidden = false;
	updSaved();
	retry();
}
function retry() {
	clearTimeout(retryTimer);
	retryTimer = setTimeout(connect, backoff);
	backoff = Math.min(backoff * 2, 1e4);
}
/** Upgrades keep failing: 401 = credential expired, 410 = personal data erased. */
async function probe() {
	const r = S.auth && (await hooks.api(`/ws?token=${enc(S.auth.token)}`));
	if (r && (r.status === 401 || r.status === 410)) hooks.signOut(errMsg(r.data));
}
/** After (re)connecting: resume, else retry a start, else ask for attempts. */
export function sync() {
	const st = startReq(), att = S.att;
	if (att) send({ type: 'resume', round_id: att.round_id, attempt_id: att.attempt_id });
	else if (st) send({ type: 'start', ...st });
	else if (S.round) send({ type: 'attempts', round_id: S.round.id });
}

/** @param {ServerMsg} m */
function onMessage(m) {
	lastRx = pnow();
	if (m.type === 'snapshot') onSnapshot(m);
	else if (m.type === 'result') hooks.showResult(m);
	else if (m.type === 'pong') S.skew = m.server_ms - Date.now();
	else if ('challenge' in m) import('./pow.js').then((p) => p.restart(m, startReq, send));
	else if (m.type === 'error') onError(m.code, m.message, m.ref);
	else if (m.type === 'ack') unpend(m.seq);
	else if (m.type === 'prediction_saved') savedPred = dig(S.att, 'attempt_id') === m.attempt_id ? String(m.prediction) : savedPred;
	else if (m.type === 'attempts') {
		S.attemptsLeft = m.attempts_left;
		S.attempts = m.items;
		const open = m.items.find((x) => x.status === 'open' && x.deadline_ms > now());
		if (open && S.round && !S.att) { // from another device
			S.att = { round_id: S.round.id, attempt_id: open.attempt_id, last_seq: 0, pending: [], prediction: '' };
			sync();
		} else if (!$('lobby').hidden) hooks.lobby();
		hooks.onAttempts();
	}
}
/** Asks for this round's attempts (the result screen's list). */
export function askAttempts() {
	const r = S.round || openRound();
	if (r) send({ type: 'attempts', round_id: r.id });
}

/** @param {number} seq */
function unpend(seq) {
	if (!S.att) return;
	const done = S.att.pending.filter((x) => x.seq === seq);
	S.att.pending = S.att.pending.filter((x) => x.seq !== seq);
	delete sentAt[seq];
	saveAtt();
	updSaved();
	for (const x of done) remark(x.question_id);
}

/** @param {string} code @param {string} text @param {unknown} ref */
function onError(code, text, ref) {
	say(text || t('error'));
	if (code === 'participant_erased') return hooks.signOut(text || t('error'));
	const st = startReq(), att = S.att;
	if (code === 'unavailable') { // resync: resends pending answers and submit
		clearTimeout(pollTimer);
		pollTimer = setTimeout(sync, 2000);
	} else if (st && ref === st.request_id) {
		store('start', null);
		if (code === 'attempt_limit') S.attemptsLeft = 0;
		hooks.lobby();
	} else if (att) {
		if (typeof ref === 'number') unpend(ref); // refused for good
		if (/prediction/.test(code)) {
			submitting = false;
			txt('e-pred', text);
			inp('pred').focus();
		} else if (code === 'deadline_passed') expire();
		else if (code === 'already_submitted') sync();
		else if (code === 'not_found' && ref === att.attempt_id) {
			store('att', (S.att = S.snap = null));
			hooks.lobby();
		}
	}
}

/** @param {Snapshot} s */
function onSnapshot(s) {
	if (dig(startReq(), 'round_id') === s.round_id) store('start', null);
	say('');
	if (s.result) return hooks.showResult(s.result);
	const same = S.att && S.att.attempt_id === s.attempt_id ? S.att : null, fresh = dig(S.snap, 'attempt_id') !== s.attempt_id;
	const { round_id, attempt_id } = s;
	const att = { round_id, attempt_id, last_seq: Math.max((same && same.last_seq) || 0, s.last_seq), pending: (same && same.pending) || [], prediction: (same && same.prediction) || '' };
	store('att', (S.att = att));
	S.snap = s;
	answers = { ...s.answers };
	for (const x of att.pending) answers[x.question_id] = x.options;
	deadline = pnow() + s.remaining_ms; // never our clock
	if (fresh) {
		timeUp = false;
		told.clear();
		cur = Math.max(0, s.questions.findIndex((q) => !dig(answers, q.id, 'length')));
		savedPred = s.saved_prediction === null || s.saved_prediction === undefined ? '' : String(s.saved_prediction);
		if (!att.prediction) att.prediction = savedPred; // typed on another device
		inp('pred').value = att.prediction;
		$('pred-box').hidden = !s.prediction;
		txt('pred-q', s.prediction ? t('pred_q', s.prediction.question) : '');
	}
	const shown = !$('quiz').hidden;
	view('quiz');
	renderQ();
	if (!shown) $('q-h').focus(); // keyboard and screen-reader users start at the question
	for (const x of [...att.pending].sort((a, b) => a.seq - b.seq)) sendAnswer(x);
	sendPred();
	updSaved();
	tick();
	if (s.remaining_ms <= 0) expire();
	else if (submitting) doSubmit();
}

export function renderQ() {
	const snap = S.snap;
	if (!snap) return;
	const q = snap.questions[cur], n = snap.questions.length, box = $('opts'), focused = (document.activeElement && document.activeElement.id) || '';
	const chosen = answers[q.id] || [];
	txt('q-h', t('q_h', cur + 1, n));
	txt('q-text', q.text);
	$('q-multi').hidden = !q.multi;
	box.setAttribute('role', q.multi ? 'group' : 'radiogroup');
	fill(box, q.options.map((o, i) => {
		const input = h('input', { type: q.multi ? 'checkbox' : 'radio', name: 'opt', id: 'o' + o.id, value: '' + o.id });
		input.checked = chosen.includes(o.id);
		input.disabled = timeUp;
		input.onchange = () => {
			const sel = [...box.querySelectorAll('input:checked')].map((x) => +(/** @type {HTMLInputElement} */ (x).value));
			if (sel.length) choose(q, sel);
		};
		return h('label', { class: 'opt' }, input, h('span', {}, `${'ABCDEFGH'[i]}. ${o.text}`));
	}));
	if (/^o\d+$/.test(focused) && $(focused)) $(focused).focus();
	dis('prev', cur === 0);
	dis('next', cur === n - 1);
	dis('submit', timeUp);
	dis('pred', timeUp);
	fill($('grid'), snap.questions.map((x, i) => {
		const b = h('button', i === cur ? { 'aria-current': 'step', type: 'button' } : { type: 'button' }, '' + (i + 1));
		mark(b, i, x.id);
		b.onclick = () => go(i);
		return h('li', {}, b);
	}));
}
/** A grid button: answered or not, and whether the answer still waits for the server. @param {Element} b @param {number} i @param {number} qid */
function mark(b, i, qid) {
	const done = !!dig(answers, qid, 'length'), wait = !!S.att && S.att.pending.some((p) => p.question_id === qid);
	b.className = done ? (wait ? 'done wait' : 'done') : '';
	b.setAttribute('aria-label', t(done ? 'grid_done' : 'grid_todo', i + 1) + (wait ? t('grid_wait') : ''));
}
/** Re-marks the grid button of a question (its answer was just saved). @param {number} qid */
function remark(qid) {
	const i = S.snap ? S.snap.questions.findIndex((q) => q.id === qid) : -1, b = dig($('grid').children[i], 'firstElementChild');
	if (b) mark(b, i, qid);
}
/** @param {number} i */
function go(i) {
	cur = i;
	renderQ();
	$('q-h').focus();
}

/** @param {Question} q @param {number[]} options */
function choose(q, options) {
	const att = S.att;
	if (!att || timeUp) return;
	answers[q.id] = options;
	const x = { seq: ++att.last_seq, question_id: q.id, options };
	att.pending = att.pending.filter((y) => y.question_id !== q.id).concat(x);
	saveAtt();
	sendAnswer(x);
	updSaved();
	remark(q.id);
}
/** @param {Pending} x */
function sendAnswer(x) {
	const att = S.att;
	if (att && send({ type: 'answer', round_id: att.round_id, attempt_id: att.attempt_id, ...x })) sentAt[x.seq] = pnow();
}
function updSaved() {
	if (timeUp) return;
	const n = S.att && S.snap ? S.att.pending.length : -1;
	txt('saved', n < 0 ? '' : n ? (isOpen() ? t('saving') : t('unsaved')) : t('saved'));
	$('saved').className = n ? 'wait' : 'ok';
}

/** Every second: countdown, keep-alive ping, dead-socket watchdog. */
export function tick() {
	ticks++;
	const tn = pnow();
	if (isOpen()) {
		if (tn - lastRx > 45e3 || Object.values(sentAt).some((s) => tn - s > 1e4)) drop(), lost();
		else if (ticks % 20 === 0) send({ type: 'ping' });
	}
	if (!S.snap || timeUp || $('quiz').hidden) return;
	const left = deadline - tn;
	txt('timer', mmss(left, true));
	$('timer').className = left < 6e4 ? 'low' : '';
	for (const m of [5, 1]) if (left <= m * 6e4 && left > m * 6e4 - 5e3 && !told.has(m)) told.add(m), txt('tell', t('minutes_left', m));
	if (left <= 0) expire();
}

/** Time is up: lock, submit within the grace if possible, poll until submitted. */
function expire() {
	if (!S.att) return;
	if (!timeUp) {
		timeUp = true;
		txt('timer', t('timeup'));
		txt('tell', t('timeup_tell'));
		txt('saved', t('timeup_saved'));
		renderQ();
		if (!dig(S.snap, 'prediction') || predValue() !== null) doSubmit();
	}
	clearTimeout(pollTimer);
	pollTimer = setTimeout(sync, 3000);
}

/** Saves the typed prediction on the server like an answer, so a late submit or the server's
 * auto-submit keeps it. */
function sendPred() {
	clearTimeout(predTimer);
	const att = S.att, v = predValue();
	if (!att || !dig(S.snap, 'prediction') || v === null || String(v) === savedPred || timeUp) return;
	send({ type: 'predict', round_id: att.round_id, attempt_id: att.attempt_id, prediction: v });
}
function predValue() {
	const v = inp('pred').value.trim();
	return /^\d{1,10}$/.test(v) && +v <= 1e9 ? +v : null;
}
function askSubmit() {
	const snap = S.snap;
	if (!snap) return;
	const bad = !!snap.prediction && predValue() === null;
	txt('e-pred', bad ? t('pred_bad') : '');
	$('pred').toggleAttribute('aria-invalid', bad);
	if (bad) return inp('pred').focus();
	const missing = snap.questions.map((q, i) => (dig(answers, q.id, 'length') ? 0 : i + 1)).filter(Boolean);
	const text = (missing.length ? t('missing', missing.length, missing.join(', ')) : t('all_done')) + t('no_edit');
	txt('c-body', text);
	if (dialog.showModal) dialog.showModal();
	else if (confirm(text)) doSubmit();
}
function doSubmit() {
	const att = S.att;
	if (!att) return;
	submitting = true;
	if (send({ type: 'submit', round_id: att.round_id, attempt_id: att.attempt_id, prediction: or(predValue(), undefined) })) txt('saved', t('submitting'));
	else say(t('submit_later'));
}
/** The attempt ended (a result arrived): forget it on this device. */
export function finished() {
	clearTimeout(pollTimer);
	store('att', (S.att = S.snap = null));
	submitting = timeUp = false;
}

export function start() {
	S.round = openRound() || S.round;
	if (!S.round) return;
	let st = startReq();
	if (!st || st.round_id !== S.round.id) store('start', (st = { round_id: S.round.id, request_id: uuid() })); // before sending
	say(t('creating'));
	if (!send({ type: 'start', ...st })) connect();
}

$('prev').onclick = () => go(cur - 1);
$('next').onclick = () => go(cur + 1);
$('submit').onclick = askSubmit;
$('pred').oninput = () => {
	if (!S.att) return;
	S.att.prediction = inp('pred').value;
	saveAtt();
	clearTimeout(predTimer);
	predTimer = setTimeout(sendPred, 800);
};
$('pred').onchange = sendPred;
$('c-no').onclick = () => dialog.close();
$('c-yes').onclick = () => (dialog.close(), doSubmit());
addEventListener('offline', () => ws && (drop(), lost()));
addEventListener('online', () => ((backoff = 1000), connect()));
document.addEventListener('visibilitychange', () => !document.hidden && S.att && (isOpen() ? sync() : connect()));
