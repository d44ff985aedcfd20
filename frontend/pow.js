// @ts-check
// Proof-of-work for the server's `pow_required` answers (src/pow.rs, docs/security.md): find a
// counter such that SHA-256(challenge ":" counter) starts with `difficulty` zero bits, with
// SubtleCrypto. Loaded only when a challenge comes (app.js, attempt.js).

/** @typedef {{ challenge: string, difficulty: number, expires_at_s: number, reason: string }} PowChallenge */
/** @typedef {{ challenge: string, counter: number }} PowSolution */

/** Digests in flight at once: SubtleCrypto is asynchronous, one at a time wastes the CPU. */
const BATCH = 64;

/** @param {Uint8Array} digest @returns {number} leading zero bits */
export function zeroBits(digest) {
	let bits = 0;
	for (const byte of digest) {
		if (byte !== 0) return bits + Math.clz32(byte) - 24;
		bits += 8;
	}
	return bits;
}

/**
 * Solves a challenge; about 2^difficulty digests on average.
 * @param {PowChallenge} c
 * @returns {Promise<PowSolution>}
 */
export async function solve(c) {
	const enc = new TextEncoder();
	const prefix = `${c.challenge}:`;
	for (let base = 0; ; base += BATCH) {
		const counters = Array.from({ length: BATCH }, (_, i) => base + i);
		const digests = await Promise.all(counters.map((n) => crypto.subtle.digest('SHA-256', enc.encode(prefix + n))));
		const hit = digests.findIndex((d) => zeroBits(new Uint8Array(d)) >= c.difficulty);
		if (hit >= 0) return { challenge: c.challenge, counter: counters[hit] };
	}
}

/**
 * After `POST {base}/register` answered `428 pow_required` (`r`): solves the challenge and
 * registers again with the solution (a few times, if the server asks again).
 * @param {(path: string, body: unknown) => Promise<{ status: number, data: any }>} api
 * @param {string} base the contest's API path, `/api/contests/{slug}`
 * @param {Record<string, unknown>} body what was sent
 * @param {{ status: number, data: any }} r the server's answer
 */
export async function register(api, base, body, r) {
	for (let i = 0; i < 3 && r.data && r.data.error && r.data.error.code === 'pow_required'; i++) {
		r = await api(`${base}/register`, { ...body, pow: await solve(r.data.error.details.pow) });
	}
	return r;
}

/**
 * A websocket `pow_required` error: solves its challenge, then sends the pending start again
 * with the solution (the same request id, so a retry never makes a second attempt).
 * @param {{ challenge?: PowChallenge }} m
 * @param {() => { round_id: number, request_id: string } | null} pending
 * @param {(msg: any) => boolean} send
 */
export async function restart(m, pending, send) {
	if (!m.challenge) return;
	const pow = await solve(m.challenge);
	const st = pending();
	if (st) send({ type: 'start', ...st, pow });
}
