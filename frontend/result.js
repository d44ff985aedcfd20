// @ts-check
// The result of an attempt: score, time, attempts left, my attempts, the review after the
// reveal (correct options, explanation, article of law), a share link with a referral code,
// and the optional satisfaction survey (once per attempt: POST/GET /api/me/survey).
import { $, inp, txt, dis, h, enc, mmss, fmt, slug, load, store, fill, dig, or } from './util.js';
import { t, lang } from './i18n.js';
import { S, hooks, view } from './state.js';
import { finished, askAttempts } from './attempt.js';

/** @type {Result | null} */ let last = null;
/** @type {number | undefined} */ let roundId;

/** @param {Result} r */
export function showResult(r) {
	if (S.att && r.attempt_id !== S.att.attempt_id) return;
	roundId = S.att ? S.att.round_id : S.round && S.round.id;
	finished();
	last = r;
	S.attemptsLeft = r.attempts_left;
	view('result');
	txt('r-correct', `${r.correct}/${r.total}`);
	txt('r-time', mmss(r.duration_ms));
	txt('r-left', r.attempts_left === null ? t('unlimited') : '' + r.attempts_left);
	$('r-auto').hidden = !r.auto;
	$('again').hidden = r.attempts_left === 0;
	$('review-box').hidden = true;
	share();
	mine();
	askAttempts();
	review(r.attempt_id);
	survey(r.attempt_id);
	$('r-h').focus();
}

const form = /** @type {HTMLFormElement} */ ($('survey'));
/** The attempt the survey form is about. */ let svAtt = '', svRound = 0, svBusy = false;
/** @param {string} k */
function svSay(k) {
	const m = $('sv-msg');
	k ? m.setAttribute('data-t', k) : m.removeAttribute('data-t'); // translated again on a language switch
	m.textContent = k ? t(/** @type {import('./i18n.js').Key} */ (k)) : '';
}
/** Offers the survey for a submitted attempt unless it was answered (the server knows) or skipped here. @param {string} attemptId */
async function survey(attemptId) {
	form.hidden = true;
	svSay('');
	svAtt = attemptId;
	if (!S.auth || roundId == null || load('sv-skip') === attemptId) return;
	svRound = roundId;
	const r = await hooks.api(`/api/me/survey?round_id=${roundId}&attempt_id=${enc(attemptId)}`, undefined, S.auth.token);
	if (svAtt !== attemptId || r.status !== 200 || dig(r.data, 'answered') !== false) return;
	form.reset();
	txt('e-sv', '');
	form.hidden = false;
}
form.onsubmit = async (/** @type {SubmitEvent} */ ev) => {
	ev.preventDefault();
	const picked = /** @type {HTMLInputElement | null} */ (form.querySelector('[name=sv]:checked'));
	txt('e-sv', picked ? '' : t('sv_pick'));
	if (!picked) return /** @type {HTMLInputElement} */ (form.querySelector('[name=sv]')).focus();
	if (!S.auth || svBusy) return;
	svBusy = true;
	dis('sv-go', true);
	const comment = inp('sv-c').value.trim(), att = svAtt;
	const r = await hooks.api('/api/me/survey', { round_id: svRound, attempt_id: att, score: +picked.value, ...(comment ? { comment } : {}) }, S.auth.token);
	svBusy = false;
	dis('sv-go', false);
	if (att !== svAtt) return;
	const err = dig(r.data, 'error');
	if (r.status === 201 || dig(err, 'code') === 'survey_already_answered') {
		form.hidden = true;
		svSay('sv_thanks');
		$('sv-msg').focus();
	} else txt('e-sv', dig(err, 'fields', 0, 'message') || dig(err, 'message') || t('offline'));
};
$('sv-skip').onclick = () => {
	store('sv-skip', svAtt);
	form.hidden = true;
	$('r-h').focus();
};

/** "My attempts": each with its start time and state; submitted ones open their review. */
export function mine() {
	fill($('mine'), S.attempts.map((a) => {
		const li = h('li', {}, t('attempt_item', a.number, fmt(a.started_ms), t(a.status === 'open' ? 'st_open' : 'st_submitted')));
		if (a.status === 'submitted') {
			const b = h('button', { type: 'button', class: 'link' }, t('review_btn', a.number));
			b.onclick = () => review(a.attempt_id, true);
			li.append(' ', b);
		}
		return li;
	}));
}

/** @param {string} attemptId @param {boolean} [focus] */
async function review(attemptId, focus) {
	const round = roundId != null ? roundId : S.round && S.round.id;
	if (!S.auth || round == null) return;
	const q = lang === 'vi' ? '' : `?lang=${lang}`; // translated questions where the bank has them
	const r = await hooks.api(`/api/rounds/${round}/attempts/${enc(attemptId)}/review${q}`, undefined, S.auth.token);
	if (r.status === 404 || r.status === 0) return; // no review endpoint or offline: nothing to show
	$('review-box').hidden = false;
	/** @type {Review | null} */
	const data = r.status === 200 ? r.data : null;
	const code = dig(r.data, 'error', 'code') || dig(r.data, 'code'), at = or(dig(r.data, 'error', 'reveal_at'), dig(r.data, 'reveal_at'));
	txt('review-msg', data ? '' : code === 'not_revealed' ? (at ? t('not_revealed_at', fmt(at)) : t('not_revealed')) : dig(r.data, 'error', 'message') || t('error'));
	fill($('review'), ((data && data.questions) || []).map((q, i) => h('li', {},
		h('p', { class: 'q' }, t('rv_q', i + 1, q.text)),
		h('ul', {}, ...q.options.map((o) => {
			const right = q.correct_options.includes(o.id), chosen = q.chosen.includes(o.id);
			return h('li', { class: right ? 'right' : chosen ? 'wrong' : '' }, o.text, right ? t('rv_right') : '', chosen ? t('rv_chosen') : '');
		})),
		h('p', { class: q.is_correct ? 'ok' : 'low' }, t(q.is_correct ? 'rv_ok' : 'rv_wrong')),
		h('p', {}, h('strong', {}, t('rv_expl')), q.explanation),
		h('p', { class: 'hint' }, t('rv_law', q.law, q.article)),
	)));
	if (focus) $('review-h').focus();
}

function share() {
	const code = S.auth && S.auth.referral_code;
	$('share-box').hidden = !code;
	if (!code) return;
	/** @type {HTMLInputElement} */ ($('share-url')).value = `${location.origin}/c/${enc(slug)}?ref=${enc(code)}`;
}
$('share').onclick = async () => {
	const url = /** @type {HTMLInputElement} */ ($('share-url')).value;
	txt('share-msg', '');
	txt('share-msg', t(await shareLink(url)));
};
/** The phone's share sheet where there is one, else a copy; says which truly happened.
 *  @param {string} url @returns {Promise<'share_done' | 'share_copied' | 'share_failed'>} */
async function shareLink(url) {
	const nav = /** @type {any} */ (navigator); // share: Chrome for Android 61, Safari 12.1; clipboard: Chromium 66, Safari 13.1
	if (typeof nav.share === 'function') {
		try {
			await nav.share({ title: S.contest.title, url });
			return 'share_done';
		} catch (e) {
			if (e && /** @type {{name?: string}} */ (e).name === 'AbortError') return 'share_done'; // the person closed the sheet
		}
	}
	if (nav.clipboard && typeof nav.clipboard.writeText === 'function') {
		try {
			await nav.clipboard.writeText(url);
			return 'share_copied';
		} catch (e) {} // refused (no permission, no focus): try the old way
	}
	const box = /** @type {HTMLInputElement} */ ($('share-url'));
	box.focus();
	box.select();
	try {
		if (document.execCommand('copy')) return 'share_copied';
	} catch (e) {}
	return 'share_failed';
}
hooks.onAttempts = () => !$('result').hidden && mine();
export const lastResult = () => last;
