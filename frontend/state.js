// @ts-check
// What the player's modules share: the contest, the signed-in participant, the attempt in
// progress, and the few functions one module calls in another (set by app.js at boot).
import { load } from './util.js';

export const S = {
	/** @type {Contest} */ contest: /** @type {any} */ (null),
	/** @type {Auth | null} */ auth: load('auth'),
	/** @type {Att | null} */ att: load('att'),
	/** @type {Snapshot | null} */ snap: null,
	/** @type {Round | undefined} */ round: undefined,
	/** @type {number | null | undefined} */ attemptsLeft: undefined,
	/** @type {AttemptItem[]} */ attempts: [],
	/** server clock minus ours (ms) */ skew: 0,
};

export const hooks = {
	/** @type {(path: string, body?: unknown, token?: string) => Promise<{status: number, data: any}>} */
	api: async () => ({ status: 0, data: null }),
	lobby: () => {},
	/** @type {(why?: string) => void} */ signOut: () => {},
	/** @type {(r: Result) => void} */ showResult: () => {},
	/** @type {() => void} */ onAttempts: () => {},
};

export const now = () => Date.now() + S.skew;
export const openRound = () => S.contest.rounds.find((r) => r.opens_at_ms <= now() && now() < r.closes_at_ms);

/** @param {string} name */
export function view(name) {
	for (const id of ['auth', 'lobby', 'quiz', 'result']) /** @type {HTMLElement} */ (document.getElementById(id)).hidden = id !== name;
	document.body.className = name; // style.css shows #info, #clock per view
}
