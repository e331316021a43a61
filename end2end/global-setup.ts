import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${url}/healthz`).catch(() => null);
    if (res?.ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.env.ROSTER_URL = url;
  // Tests read the outbox of this database (tests/outbox.ts).
  process.env.ROSTER_E2E_DB_URL = databaseUrl;
  console.log(`Roster under test at ${url} (${databaseUrl})`);
  return async () => {
    server.kill('SIGINT');
  };
}
