// Starts the real thiluat server for a browser test: a fresh database, the demo contest
// imported with its rounds moved to now, `thiluat serve` on a free port. stop() kills it
// and drops the database.
//
// Environment (set by scripts/test): THILUAT_BIN, THILUAT_PG_ADMIN_URL, REDIS_URL, THILUAT_SECRET.

import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** @param {string} name */
function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests through ./scripts/test`);
  return v;
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The admin URL with another database name. @param {string} admin @param {string} db */
function withDb(admin, db) {
  const u = new URL(admin);
  u.pathname = `/${db}`;
  return u.toString();
}

/** @param {string} admin @param {string} sql */
async function psql(admin, sql) {
  await run('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { timeout: 30_000 });
}

/**
 * @param {Record<string, string>} [extraEnv] more environment for `thiluat serve` (e.g. THILUAT_POW_*)
 * @returns {Promise<{base: string, stop: () => Promise<void>, log: () => string, sql: (q: string) => Promise<string>, cli: (args: string[], extraEnv?: Record<string, string>) => Promise<string>, env: NodeJS.ProcessEnv}>}
 */
export async function startServer(extraEnv = {}) {
  const bin = need('THILUAT_BIN');
  const admin = need('THILUAT_PG_ADMIN_URL');
  const id = randomBytes(5).toString('hex');
  const db = `thiluat_browser_${id}`;
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: withDb(admin, db),
    REDIS_URL: need('REDIS_URL'),
    THILUAT_SECRET: need('THILUAT_SECRET'),
    THILUAT_REDIS_KEY_PREFIX: `browser-${id}:`,
    THILUAT_HTTP_BIND: `127.0.0.1:${port}`,
    ...extraEnv,
  };
  await psql(admin, `CREATE DATABASE ${db}`);
  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  let output = '';
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await psql(admin, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch((e) => console.error(`dropping ${db}: ${e.message} ${e.stderr || ""}`));
  };
  try {
    await run(bin, ['contest', 'import', '--rebase-to-now', 'demo/contest.toml'], { cwd: ROOT, env, timeout: 60_000 });
    child = spawn(bin, ['serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (/** @type {Buffer} */ b) => {
      output = (output + b.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const base = `http://127.0.0.1:${port}`;
    const until = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`thiluat serve exited (${child.exitCode}):\n${output}`);
      const ok = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > until) throw new Error(`thiluat serve not ready after 30 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    /** Runs SQL against this server's database (test set-up only); returns psql's unaligned output. */
    const sql = async (/** @type {string} */ q) =>
      (await run('psql', [withDb(admin, db), '-v', 'ON_ERROR_STOP=1', '-Atqc', q], { timeout: 30_000 })).stdout.trim();
    /** Runs a `thiluat` command against this server's stores. */
    const cli = async (/** @type {string[]} */ args, extraEnv = {}) =>
      (await run(bin, args, { cwd: ROOT, env: { ...env, ...extraEnv }, timeout: 60_000 })).stdout;
    return { base, stop, log: () => output, sql, cli, env };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Makes an organisation and its first admin with `thiluat admin create` (the password on
 * standard input, as an operator would type it) against a started server's database. The
 * password is the admin's own (`--permanent`) unless `oneTime` (then it must be changed at
 * the first login).
 * @param {{env: NodeJS.ProcessEnv}} server
 * @param {{orgSlug: string, orgName: string, email: string, name: string, password: string, oneTime?: boolean}} a
 */
export async function createAdmin(server, a) {
  const bin = need('THILUAT_BIN');
  const args = ['admin', 'create', '--org-slug', a.orgSlug, '--org-name', a.orgName, '--email', a.email, '--name', a.name];
  if (!a.oneTime) args.push('--permanent');
  await new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: ROOT, env: server.env, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (b) => (err += b));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(null) : reject(new Error(`admin create exited ${code}: ${err}`))));
    child.stdin?.end(`${a.password}\n`);
  });
}
