// The organiser API over fetch: the session cookie goes by itself (same origin), every
// write carries the CSRF token, and every error comes back as one ApiError.

import { lang } from './i18n.js';

let csrf = '';

/** @param {string} token */
export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  /** @param {number} status @param {ApiErrorBody} body */
  constructor(status, body) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.body = body;
  }
}

/**
 * Calls the API; resolves with the JSON reply (or null for an empty one).
 * @param {string} method @param {string} path
 * @param {unknown} [body] JSON, or an ArrayBuffer sent as a file
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { 'accept-language': lang() };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  /** @type {BodyInit | undefined} */
  let payload;
  if (body instanceof ArrayBuffer) {
    headers['content-type'] = 'application/octet-stream';
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, { code: 'network', message: '' });
  }
  const text = await res.text();
  /** @type {any} */
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json?.error ?? { code: 'http_' + res.status, message: text.slice(0, 200) });
  return json;
}

export const get = (/** @type {string} */ path) => api('GET', path);
/** @param {string} path @param {unknown} [body] */
export const post = (path, body) => api('POST', path, body);
