import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PASSWORD, USERS } from './tests/demo';

// Starts the real server binary on a free port with a fresh SQLite database (or the
// database in ROSTER_E2E_DATABASE_URL), waits until it is healthy, and returns the
// teardown that stops it.
export default async function globalSetup() {
  const root = resolve(__dirname, '..');
  const bin = process.env.ROSTER_SERVER_BIN ?? join(root, 'target', 'debug', 'server');
  const dir = mkdtempSync(join(tmpdir(), 'roster-e2e-'));
  const databaseUrl = process.env.ROSTER_E2E_DATABASE_URL ?? `sqlite://${join(dir, 'roster.db')}`;
  const server = spawn(bin, ['serve', '--bind', '127.0.0.1:0'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('server did not start within 120 s')), 120_000);
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      // The server logs (warnings and errors) to stdout: pass them on, so that a failing
      // run shows what the server said.
      if (out.includes('running at')) process.stderr.write(chunk);
      out += chunk.toString();
      const m = out.match(/running at (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${code} before it was ready:\n${out}`));
    });
  });
  let healthy = false;
  for (let i = 0; i < 100 && !healthy; i++) {
    const res = await fetch(`${url}/healthz`).catch(() => null);
    healthy = res?.ok ?? false;
    if (!healthy) await new Promise((r) => setTimeout(r, 100));
  }
  if (!healthy) {
    server.kill('SIGINT');
    throw new Error(`the server at ${url} did not answer /healthz within 10 s`);
  }
  process.env.ROSTER_URL = url;
  // Tests find the demo account by name, never by a database id.
  process.env.ROSTER_DEMO_ACCOUNT = String(await accountId(url, 'Northwind Production'));
  // Tests read the outbox of this database (tests/outbox.ts).
  process.env.ROSTER_E2E_DB_URL = databaseUrl;
  console.log(`Roster under test at ${url} (${databaseUrl})`);
  return async () => {
    server.kill('SIGINT');
  };
}

/** The id of the account named `name`, as the demo vendor operator lists them. */
async function accountId(url: string, name: string): Promise<number> {
  const origin = new URL(url).origin;
  const signIn = await fetch(`${url}/api/sign_in`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
    body: new URLSearchParams({ email: USERS.operator, password: PASSWORD, next: '/' }),
    redirect: 'manual',
  });
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
  if (!cookie) throw new Error(`signing in the demo operator answered ${signIn.status}`);
  // The operator's list is searched and paged: search for the name.
  const res = await fetch(`${url}/api/accounts`, {
    method: 'POST',
    headers: { Cookie: cookie, Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ search: name }),
  });
  const { accounts } = (await res.json()) as { accounts: { id: number; name: string }[] };
  const found = accounts.find((a) => a.name === name);
  if (!found) throw new Error(`no account named ${name} in ${JSON.stringify(accounts)}`);
  return found.id;
}
