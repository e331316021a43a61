import { execFileSync } from 'node:child_process';
import { expect } from '@playwright/test';

/**
 * The link to `path` (e.g. '/invitations/') in the newest email to `to`, read from the
 * outbox table of the database under test, as a mail relay would receive it. Sent mail
 * never shows a usable token, so tests read what is stored: with Debian's `sqlite3` or
 * `psql`, whichever fits the database global-setup started the server on.
 */
export function linkFromOutbox(to: string, path: string): string {
  const body = newestBody(to);
  const m = body.match(new RegExp(`https?://\\S+${path}\\S+`));
  expect(m, `no ${path} link in the newest email to ${to}:\n${body}`).not.toBeNull();
  return m![0];
}

/** The text body of the newest email to `to` ('' when there is none). */
export function newestBody(to: string): string {
  const url = process.env.ROSTER_E2E_DB_URL;
  if (!url) throw new Error('ROSTER_E2E_DB_URL is not set (global-setup sets it)');
  const quoted = `'%${to.toLowerCase().replace(/'/g, "''")}%'`;
  const sql = `SELECT body_text FROM outbox WHERE lower(recipient) LIKE ${quoted} ORDER BY id DESC LIMIT 1`;
  if (url.startsWith('sqlite://')) {
    return execFileSync('sqlite3', [url.slice('sqlite://'.length), sql], { encoding: 'utf8' });
  }
  return execFileSync('psql', [url, '-qtAc', sql], { encoding: 'utf8' });
}
