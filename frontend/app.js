// @ts-check
// thiluat phone player (docs/protocol.md); types in types.d.ts. Untrusted text goes through textContent only.

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const inp = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id)); // or a <select>
const txt = (/** @type {string} */ id, /** @type {string} */ t) => void ($(id).textContent = t);
const dis = (/** @type {string} */ id, /** @type {boolean} */ on) => $(id).toggleAttribute('disabled', on);
const enc = encodeURIComponent, pnow = () => performance.now();
const dialog = /** @type {HTMLDialogElement} */ ($('confirm'));
const OFFLINE = 'Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.';

/**
* @template {keyof HTMLElementTagNameMap} K
* @param {K} tag @param {Record<string, string>} attrs @param {(Node | string)[]} kids
* @returns {HTMLElementTagNameMap[K]}
*/
function h(tag, attrs = {}, ...kids) {
	const e = document.createElement(tag);
	for (const k in attrs) e.setAttribute(k, attrs[k]);
	e.append(...kids);
	return e;
}

const slug = decodeURIComponent((/^\/c\/([^/]+)\/?$/.exec(location.pathname) || ['', ''])[1]);
const KEY = `thiluat:${slug}:`, API = `/api/contests/${enc(slug)}`;
/** @param {string} k */
function load(k) {
	try { return JSON.parse(localStorage.getItem(KEY + k) || 'null'); } catch { return null; }
}
/** @param {string} k @param {unknown} v */
function store(k, v) {
	try { v == null ? localStorage.removeItem(KEY + k) : localStorage.setItem(KEY + k, JSON.stringify(v)); } catch {} // private mode
}

const p2 = (/** @type {number | string} */ n) => String(n).padStart(2, '0');
/** dd/mm/yyyy HH:mm in Asia/Ho_Chi_Minh (UTC+7, no DST). @param {number} ms */
function fmt(ms) {
	const d = new Date(ms + 252e5);
	return `${p2(d.getUTCDate())}/${p2(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`;
}
/** @param {number} ms @param {boolean} [up] */
function mmss(ms, up) {
	const s = Math.max(0, Math[up ? 'ceil' : 'floor'](ms / 1000));
	return `${p2(Math.floor(s / 60))}:${p2(s % 60)}`;
}
/** Safe Markdown subset: # headings, "- " lists, **bold**, paragraphs. @param {HTMLElement} box @param {string} text */
function md(box, text) {
	box.textContent = '';
	/** @type {HTMLElement | null} */
	let ul = null;
	/** @param {HTMLElement} e @param {string} s */
	const inline = (e, s) => (s.split('**').forEach((x, i) => e.append(i % 2 ? h('strong', {}, x) : x)), e);
	for (const raw of text.split('\n')) {
		const line = raw.trim(), hd = /^#+\s+(.*)/.exec(line), li = /^[-*]\s+(.*)/.exec(line);
		if (li) (ul = ul || box.appendChild(h('ul'))).append(inline(h('li'), li[1]));
		else {
			ul = null;
			if (line) box.append(hd ? inline(h('h3'), hd[1]) : inline(h('p'), line));
		}
	}
}

/** @type {Contest} */ let contest;
/** @type {Auth | null} */ let auth = load('auth');
/** @type {Att | null} */ let att = load('att');
/** @type {Snapshot | null} */ let snap = null;
/** @type {Record<string, number[]>} */ let answers = {};
/** @type {Round | undefined} */ let round;
/** @type {number | null | undefined} */ let attemptsLeft;
let cur = 0, deadline = 0, timeUp = false, submitting = false, skew = 0, communeCode = '';
/** @type {Unit[]} */ let communes = [];
/** @type {Record<string, number>} */ const sentAt = {};
const told = new Set();

const say = (/** @type {string} */ t) => txt('msg', t);
/** @param {string} name */
function view(name) {
	for (const id of ['auth', 'lobby', 'quiz', 'result']) $(id).hidden = id !== name;
	document.body.className = name; // style.css shows #info, #clock per view
}
const saveAtt = () => store('att', att);
const startReq = () => /** @type {StartReq | null} */ (load('start'));
const now = () => Date.now() + skew;
const openRound = () => contest.rounds.find((r) => r.opens_at_ms <= now() && now() < r.closes_at_ms);

/** @param {string} path @param {unknown} [body] @returns {Promise<{status: number, data: any}>} */
async function api(path, body) {
	try {
		const headers = { 'accept-language': 'vi', 'content-type': 'application/json' }; // the server's messages in Vietnamese
		const r = await fetch(path, body ? { method: 'POST', headers, body: JSON.stringify(body) } : { headers });
		return { status: r.status, data: await r.json().catch(() => null) };
	} catch {
		return { status: 0, data: null };
	}
}
const errMsg = (/** @type {any} */ d) => d?.error?.message || OFFLINE;

// --- contest page and registration
async function init() {
	if (!slug) return void (($('boot').hidden = true), ($('home').hidden = false));
	const r = await api(API);
	if (r.status !== 200) return txt('boot', errMsg(r.data));
	contest = r.data;
	$('boot').hidden = true;
	txt('title', (document.title = contest.title));
	txt('org', contest.organiser);
	$('rounds').replaceChildren(...contest.rounds.map((x) =>
		h('li', {}, h('strong', {}, x.title), `: ${fmt(x.opens_at_ms)} – ${fmt(x.closes_at_ms)}${x === openRound() ? ' (đang mở)' : ''}`)));
	md($('rules'), contest.rules_md || '');
	md($('consent-text'), contest.consent.text);
	inp('cccd').required = contest.cccd_required;
	txt('cccd-opt', contest.cccd_required ? '*' : '(không bắt buộc)');
	$('unit_code').append(...contest.units.map((u) => h('option', { value: u.code }, u.name)));
	auth ? lobby() : view('auth');
	const pr = province();
	const c = pr ? await api(`/api/communes?province=${pr}`) : null;
	communes = Array.isArray(c?.data) ? c.data : contest.units;
	$('communes').replaceChildren(...communes.map((x) => h('option', { value: x.name })));
}
const province = () => enc(contest.province_code || '');
const norm = (/** @type {string} */ s) => s.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');
/** @param {Unit} c */
function pickCommune(c) {
	inp('commune_code').value = c.name;
	communeCode = c.code;
	txt('pick', '');
	if (contest.units.some((u) => u.code === c.code)) inp('unit_code').value = c.code;
}
/** Exact name, else the server's accent-insensitive search: take a single hit, list several. */
async function findCommune() {
	const v = norm(inp('commune_code').value), exact = communes.find((c) => norm(c.name) === v);
	if (exact) return pickCommune(exact);
	communeCode = '';
	txt('pick', '');
	if (!v) return;
	const r = await api(`/api/communes?province=${province()}&q=${enc(v)}`);
	/** @type {Unit[]} */
	const found = Array.isArray(r.data) ? r.data.slice(0, 8) : [];
	if (norm(inp('commune_code').value) !== v) return;
	if (found.length === 1) return pickCommune(found[0]);
	if (found.length) $('pick').append(h('p', { class: 'hint' }, 'Chọn một trong các kết quả:'), h('ul', { class: 'pick' }, ...found.map((c) => {
		const b = h('button', { type: 'button' }, c.name);
		b.onclick = () => (pickCommune(c), inp('commune_code').focus());
		return h('li', {}, b);
	})));
}

/** @param {Event} ev */
async function register(ev) {
	ev.preventDefault();
	for (const e of $('reg').querySelectorAll('.err')) e.textContent = '';
	for (const e of $('reg').querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
	if (!communeCode) await findCommune();
	const v = (/** @type {string} */ id) => inp(id).value.trim();
	/** @type {Record<string, unknown>} */
	const body = {
		full_name: v('full_name'), dob: v('dob'), sex: v('sex'), phone: v('phone'),
		commune_code: communeCode || v('commune_code'), unit_code: v('unit_code'),
		consent: { given: inp('consent').checked, version: contest.consent.version },
	};
	if (v('cccd')) body.cccd = v('cccd');
	dis('reg-go', true);
	const r = await (await import('./pow.js')).register(api, API, body);
	dis('reg-go', false);
	if (r.status === 201) return signedIn(r.data);
	/** @type {ApiError | undefined} */
	const err = r.data?.error;
	/** @type {FieldErr[]} */
	const list = err?.fields || (err?.field ? [{ ...err, field: err.field }] : []); // 422; 409: phone/cccd
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

/** @param {Auth} a {token, participant_id, display_name} */
function signedIn(a) {
	store('auth', (auth = a));
	lobby();
	$('lobby-h').focus();
}

/** @param {string} [why] */
function signOut(why) {
	if (!why && att && !confirm('Bạn đang làm bài dở. Vẫn đăng xuất khỏi thiết bị này?')) return;
	auth = att = snap = null;
	for (const k of ['auth', 'att', 'start']) store(k, null);
	drop();
	$('net').hidden = true;
	view('auth');
	if (why) txt('login-msg', why), (/** @type {HTMLDetailsElement} */ ($('login-box')).open = true);
}

function lobby() {
	view('lobby');
	txt('who', auth ? auth.display_name : '');
	round = openRound();
	const next = contest.rounds.find((x) => x.opens_at_ms > now());
	txt('round-box', round
		? `${round.title}: ${round.questions_per_attempt} câu hỏi, ${round.time_limit_ms / 6e4} phút mỗi lượt.${attemptsLeft == null ? '' : ` Bạn còn ${attemptsLeft} lượt.`}`
		: next ? `Chưa đến giờ thi. ${next.title} mở lúc ${fmt(next.opens_at_ms)}.` : 'Cuộc thi đã kết thúc.');
	$('start').hidden = !round;
	dis('start', attemptsLeft === 0);
	connect();
}

// --- websocket
/** @type {WebSocket | null} */ let ws = null;
let backoff = 1000, retryTimer = 0, pollTimer = 0, lastRx = 0, fails = 0, ticks = 0;
const isOpen = () => ws?.readyState === 1;
/** @param {ClientMsg} msg */
const send = (msg) => (isOpen() ? (ws?.send(JSON.stringify(msg)), true) : false);

function connect() {
	clearTimeout(retryTimer);
	if (!auth || ws) return;
	if (!navigator.onLine) return retry();
	const s = (ws = new WebSocket(`${location.protocol.replace('http', 'ws')}//${location.host}/ws?token=${enc(auth.token)}`));
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
function drop() {
	if (ws) (ws.onclose = ws.onmessage = null), ws.close();
	ws = null;
}
function lost() {
	for (const k in sentAt) delete sentAt[k]; // resent after the next snapshot
	if (!auth) return;
	$('net').hidden = false;
	updSaved();
	retry();
}
function retry() {
	clearTimeout(retryTimer);
	retryTimer = setTimeout(connect, backoff);
	backoff = Math.min(backoff * 2, 1e4);
}
/** Upgrades keep failing: 401 = credential expired. */
async function probe() {
	const r = auth && (await api(`/ws?token=${enc(auth.token)}`));
	if (r && r.status === 401) signOut(errMsg(r.data));
}
/** After (re)connecting: resume, else retry a start, else ask for attempts. */
function sync() {
	const st = startReq();
	if (att) send({ type: 'resume', round_id: att.round_id, attempt_id: att.attempt_id });
	else if (st) send({ type: 'start', ...st });
	else if (round) send({ type: 'attempts', round_id: round.id });
}

/** @param {ServerMsg} m */
function onMessage(m) {
	lastRx = pnow();
	if (m.type === 'snapshot') onSnapshot(m);
	else if (m.type === 'result') showResult(m);
	else if (m.type === 'pong') skew = m.server_ms - Date.now();
	else if ('challenge' in m) import('./pow.js').then((p) => p.restart(m, startReq, send));
	else if (m.type === 'error') onError(m.code, m.message, m.ref);
	else if (m.type === 'ack') unpend(m.seq);
	else if (m.type === 'attempts') {
		attemptsLeft = m.attempts_left;
		const open = m.items.find((x) => x.status === 'open' && x.deadline_ms > now());
		if (open && round && !att) { // from another device
			att = { round_id: round.id, attempt_id: open.attempt_id, last_seq: 0, pending: [], prediction: '' };
			sync();
		} else if (!$('lobby').hidden) lobby();
	}
}

/** @param {number} seq */
function unpend(seq) {
	if (!att) return;
	att.pending = att.pending.filter((x) => x.seq !== seq);
	delete sentAt[seq];
	saveAtt();
	updSaved();
}

/** @param {string} code @param {string} text @param {unknown} ref */
function onError(code, text, ref) {
	say(text || 'Đã có lỗi xảy ra. Vui lòng thử lại.');
	const st = startReq();
	if (code === 'unavailable') { // resync: resends pending answers and submit
		clearTimeout(pollTimer);
		pollTimer = setTimeout(sync, 2000);
	} else if (st && ref === st.request_id) {
		store('start', null);
		if (code === 'attempt_limit') attemptsLeft = 0;
		lobby();
	} else if (att) {
		if (typeof ref === 'number') unpend(ref); // refused for good
		if (/prediction/.test(code)) {
			submitting = false;
			txt('e-pred', text);
			inp('pred').focus();
		} else if (code === 'deadline_passed') expire();
		else if (code === 'already_submitted') sync();
		else if (code === 'not_found' && ref === att.attempt_id) {
			store('att', (att = snap = null));
			lobby();
		}
	}
}

/** @param {Snapshot} s */
function onSnapshot(s) {
	if (startReq()?.round_id === s.round_id) store('start', null);
	say('');
	if (s.result) return showResult(s.result);
	const same = att?.attempt_id === s.attempt_id ? att : null, fresh = snap?.attempt_id !== s.attempt_id;
	const { round_id, attempt_id } = s;
	store('att', (att = { round_id, attempt_id, last_seq: Math.max(same?.last_seq || 0, s.last_seq), pending: same?.pending || [], prediction: same?.prediction || '' }));
	snap = s;
	answers = { ...s.answers };
	for (const x of att.pending) answers[x.question_id] = x.options;
	deadline = pnow() + s.remaining_ms; // never our clock
	if (fresh) {
		timeUp = false;
		told.clear();
		cur = Math.max(0, s.questions.findIndex((q) => !answers[q.id]?.length));
		inp('pred').value = att.prediction;
		$('pred-box').hidden = !s.prediction;
		txt('pred-q', s.prediction ? `Câu hỏi dự đoán: ${s.prediction.question}` : '');
	}
	view('quiz');
	renderQ();
	for (const x of [...att.pending].sort((a, b) => a.seq - b.seq)) sendAnswer(x);
	updSaved();
	tick();
	if (s.remaining_ms <= 0) expire();
	else if (submitting) doSubmit();
}

// --- the attempt
function renderQ() {
	if (!snap) return;
	const q = snap.questions[cur], n = snap.questions.length, box = $('opts'), focused = document.activeElement?.id || '';
	const chosen = answers[q.id] || [];
	txt('q-h', `Câu ${cur + 1}/${n}`);
	txt('q-text', q.text);
	$('q-multi').hidden = !q.multi;
	box.setAttribute('role', q.multi ? 'group' : 'radiogroup');
	box.replaceChildren(...q.options.map((o, i) => {
		const input = h('input', { type: q.multi ? 'checkbox' : 'radio', name: 'opt', id: 'o' + o.id, value: '' + o.id });
		input.checked = chosen.includes(o.id);
		input.disabled = timeUp;
		input.onchange = () => {
			const sel = [...box.querySelectorAll('input:checked')].map((x) => +(/** @type {HTMLInputElement} */ (x).value));
			if (sel.length) choose(q, sel);
		};
		return h('label', { class: 'opt' }, input, h('span', {}, `${'ABCDEFGH'[i]}. ${o.text}`));
	}));
	if (/^o\d+$/.test(focused)) $(focused)?.focus();
	dis('prev', cur === 0);
	dis('next', cur === n - 1);
	dis('submit', timeUp);
	dis('pred', timeUp);
	$('grid').replaceChildren(...snap.questions.map((x, i) => {
		const b = h('button', i === cur ? { 'aria-current': 'step' } : {}, '' + (i + 1));
		mark(b, i, !!answers[x.id]?.length);
		b.onclick = () => go(i);
		return h('li', {}, b);
	}));
}
/** @param {Element} b @param {number} i @param {boolean} done */
function mark(b, i, done) {
	b.className = done ? 'done' : '';
	b.setAttribute('aria-label', `Câu ${i + 1}, ${done ? 'đã' : 'chưa'} trả lời`);
}
/** @param {number} i */
function go(i) {
	cur = i;
	renderQ();
	$('q-h').focus();
}

/** @param {Question} q @param {number[]} options */
function choose(q, options) {
	if (!att || timeUp) return;
	answers[q.id] = options;
	const x = { seq: ++att.last_seq, question_id: q.id, options };
	att.pending = att.pending.filter((y) => y.question_id !== q.id).concat(x);
	saveAtt();
	sendAnswer(x);
	updSaved();
	const b = $('grid').children[cur]?.firstElementChild;
	if (b) mark(b, cur, true);
}
/** @param {Pending} x */
function sendAnswer(x) {
	if (att && send({ type: 'answer', round_id: att.round_id, attempt_id: att.attempt_id, ...x })) sentAt[x.seq] = pnow();
}
function updSaved() {
	if (timeUp) return;
	const n = att && snap ? att.pending.length : -1;
	txt('saved', n < 0 ? '' : n ? (isOpen() ? 'Đang lưu…' : 'Chưa lưu — chờ kết nối') : 'Đã lưu');
	$('saved').className = n ? 'wait' : 'ok';
}

/** Every second: countdown, keep-alive ping, dead-socket watchdog. */
function tick() {
	ticks++;
	const t = pnow();
	if (isOpen()) {
		if (t - lastRx > 45e3 || Object.values(sentAt).some((s) => t - s > 1e4)) drop(), lost();
		else if (ticks % 20 === 0) send({ type: 'ping' });
	}
	if (!snap || timeUp || $('quiz').hidden) return;
	const left = deadline - t;
	txt('timer', mmss(left, true));
	$('timer').className = left < 6e4 ? 'low' : '';
	for (const m of [5, 1]) if (left <= m * 6e4 && left > m * 6e4 - 5e3 && !told.has(m)) told.add(m), txt('tell', `Còn ${m} phút.`);
	if (left <= 0) expire();
}

/** Time is up: lock, submit within the grace if possible, poll until submitted. */
function expire() {
	if (!att) return;
	if (!timeUp) {
		timeUp = true;
		txt('timer', 'Hết giờ');
		txt('tell', 'Hết giờ làm bài.');
		txt('saved', 'Hết giờ — đang lấy kết quả…');
		renderQ();
		if (!snap?.prediction || predValue() !== null) doSubmit();
	}
	clearTimeout(pollTimer);
	pollTimer = setTimeout(sync, 3000);
}

function predValue() {
	const v = inp('pred').value.trim();
	return /^\d{1,10}$/.test(v) && +v <= 1e9 ? +v : null;
}
function askSubmit() {
	if (!snap) return;
	const bad = !!snap.prediction && predValue() === null;
	txt('e-pred', bad ? 'Vui lòng nhập số dự đoán là số nguyên từ 0 đến 1.000.000.000.' : '');
	$('pred').toggleAttribute('aria-invalid', bad);
	if (bad) return inp('pred').focus();
	const missing = snap.questions.map((q, i) => (answers[q.id]?.length ? 0 : i + 1)).filter(Boolean);
	const text = `${missing.length ? `Bạn còn ${missing.length} câu chưa trả lời: câu ${missing.join(', ')}.` : 'Bạn đã trả lời tất cả các câu.'} Sau khi nộp sẽ không sửa được.`;
	txt('c-body', text);
	if (dialog.showModal) dialog.showModal();
	else if (confirm(text)) doSubmit();
}
function doSubmit() {
	if (!att) return;
	submitting = true;
	if (send({ type: 'submit', round_id: att.round_id, attempt_id: att.attempt_id, prediction: predValue() ?? undefined })) txt('saved', 'Đang nộp bài…');
	else say('Chưa có kết nối: bài sẽ được nộp ngay khi kết nối lại.');
}

/** @param {Result} r */
function showResult(r) {
	if (att && r.attempt_id !== att.attempt_id) return;
	clearTimeout(pollTimer);
	store('att', (att = snap = null));
	submitting = timeUp = false;
	attemptsLeft = r.attempts_left;
	view('result');
	txt('r-correct', `${r.correct}/${r.total}`);
	txt('r-time', mmss(r.duration_ms));
	txt('r-left', r.attempts_left === null ? 'Không giới hạn' : '' + r.attempts_left);
	$('r-auto').hidden = !r.auto;
	$('again').hidden = r.attempts_left === 0;
	$('r-h').focus();
}

const uuid = () =>
	crypto.randomUUID?.() || '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ ((Math.random() * 16) >> (+c / 4))).toString(16));
function start() {
	round = openRound() || round;
	if (!round) return;
	let st = startReq();
	if (st?.round_id !== round.id) store('start', (st = { round_id: round.id, request_id: uuid() })); // before sending
	say('Đang tạo bài thi…');
	if (!send({ type: 'start', ...st })) connect();
}

// --- wiring
$('reg').onsubmit = register;
$('login').onsubmit = login;
$('commune_code').oninput = () => {
	const exact = communes.find((c) => norm(c.name) === norm(inp('commune_code').value));
	exact ? pickCommune(exact) : (communeCode = '');
};
$('commune_code').onchange = findCommune;
$('logout').onclick = () => signOut();
$('start').onclick = $('again').onclick = start;
$('prev').onclick = () => go(cur - 1);
$('next').onclick = () => go(cur + 1);
$('submit').onclick = askSubmit;
$('pred').oninput = () => att && ((att.prediction = inp('pred').value), saveAtt());
$('c-no').onclick = () => dialog.close();
$('c-yes').onclick = () => (dialog.close(), doSubmit());
addEventListener('offline', () => ws && (drop(), lost()));
addEventListener('online', () => ((backoff = 1000), connect()));
document.addEventListener('visibilitychange', () => !document.hidden && att && (isOpen() ? sync() : connect()));
setInterval(tick, 1000);
init();
