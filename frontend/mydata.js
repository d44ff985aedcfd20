// @ts-check
// "My personal data" (Law 91/2025/QH15), from the lobby: download everything stored about me
// (GET /api/me/data, a JSON file, also shown on the page for webviews that cannot save files)
// and erase it (POST /api/me/erase) after an explicit confirmation. Loaded when opened.
import { $, inp, txt, dis, dig, or } from './util.js';
import { t, errMsg } from './i18n.js';
import { S, hooks } from './state.js';

const say = (/** @type {string} */ m) => txt('md-msg', m);

export function init() {
	$('md-get').onclick = download;
	$('md-erase').onclick = erase;
	inp('md-ok').onchange = () => txt('e-md-ok', '');
}

async function download() {
	if (!S.auth) return;
	dis('md-get', true);
	say(t('md_loading'));
	const r = await hooks.api('/api/me/data', undefined, S.auth.token);
	dis('md-get', false);
	if (r.status === 410 || r.status === 401) return hooks.signOut(errMsg(r.data));
	if (r.status !== 200) return say(errMsg(r.data));
	const text = JSON.stringify(r.data, null, 2);
	const out = $('md-out');
	out.textContent = text;
	out.hidden = false;
	const a = document.createElement('a');
	a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
	a.download = `du-lieu-ca-nhan-${or(dig(r.data, 'participant', 'id'), 'thiluat')}.json`;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(a.href), 6e4);
	say(t('md_ready'));
}

async function erase() {
	if (!S.auth) return;
	if (!inp('md-ok').checked) {
		txt('e-md-ok', t('md_confirm_first'));
		inp('md-ok').setAttribute('aria-invalid', 'true');
		return inp('md-ok').focus();
	}
	dis('md-erase', true);
	say(t('md_erasing'));
	const r = await hooks.api('/api/me/erase', { confirm: true }, S.auth.token);
	dis('md-erase', false);
	if (r.status === 200 || r.status === 410) return hooks.signOut(t('md_erased'));
	say(errMsg(r.data));
}
