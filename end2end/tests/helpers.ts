import AxeBuilder from '@axe-core/playwright';
import { expect, Page } from '@playwright/test';
import { PASSWORD, USERS } from './demo';
import { linkFromOutbox } from './outbox';

export { PASSWORD, USERS };

/**
 * The Origin header a page of the site sends with a POST. Playwright's `page.request`
 * sends none, and the server refuses a POST that carries a session cookie without it.
 */
export function fromSite(): { Origin: string } {
  return { Origin: new URL(process.env.ROSTER_URL!).origin };
}

/** Signs in through the API; the page's browser context keeps the session cookie. */
export async function signIn(page: Page, email: string = USERS.admin) {
  const res = await page.request.post('/api/sign_in', {
    headers: fromSite(),
    form: { email, password: PASSWORD, next: '/' },
    maxRedirects: 0,
  });
  expect(res.status(), await res.text()).toBeLessThan(400);
}

/** The demo account; global-setup.ts looks its id up by name. */
export const DEMO_ACCOUNT = { id: Number(process.env.ROSTER_DEMO_ACCOUNT), name: 'Northwind Production' };
if (!Number.isInteger(DEMO_ACCOUNT.id)) throw new Error('ROSTER_DEMO_ACCOUNT is not set: run through global-setup.ts');

/**
 * Creates a contact of the demo account (New Contact's server function) with only the
 * default role, named `first last` with a unique email, so that a test has members of
 * its own whatever ran before it. Returns the email.
 */
export async function createContact(page: Page, first: string, last: string): Promise<string> {
  const email = `${first}.${last}.${Date.now()}${Math.floor(Math.random() * 1e6)}@northwind.example`.toLowerCase();
  const res = await page.request.post('/api/contacts/new', {
    headers: { ...fromSite(), 'Content-Type': 'application/json' },
    data: {
      account: DEMO_ACCOUNT.id,
      contact: { first_name: first, last_name: last, email },
      change: { roles: [], cloud: null },
    },
  });
  expect(res.status(), await res.text()).toBe(200);
  return email;
}

/**
 * Follows a link inside the single-page application, as a click on one of its links
 * would: the router handles it in the browser, and the page it leaves is torn down.
 */
export async function follow(page: Page, href: string) {
  await page.evaluate((href) => {
    const a = document.createElement('a');
    a.href = href;
    document.body.append(a);
    a.click();
    a.remove();
  }, href);
}

/** Waits until the WASM has hydrated the page (the app marks <body> when it has). */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 30_000 });
}

/** The member table's rows: [name, email, additional roles, active, last sign-on, cases, …]. */
export async function tableRows(page: Page): Promise<string[][]> {
  const table = page.getByRole('table');
  await expect(table).toBeVisible();
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.querySelectorAll('th, td:not(.select)')).map((c) => (c.textContent ?? '').trim())),
  );
}

export function columnHeader(page: Page, name: string) {
  // The Name and Email headers also hold their filter button.
  return page.getByRole('columnheader', { name: new RegExp(`^${name}( Filter ${name})?$`) });
}

/** Byte-wise order, as the database sorts its lower-cased keys. */
export function isSorted(values: string[], dir: 'asc' | 'desc' = 'asc') {
  const keys = values.map((v) => v.toLowerCase());
  const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (dir === 'desc') sorted.reverse();
  return JSON.stringify(keys) === JSON.stringify(sorted);
}

/** Runs axe on the page (or the part matching `include`) and expects no violations. */
export async function expectNoAxeViolations(page: Page, include?: string) {
  let builder = new AxeBuilder({ page });
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
}

/**
 * Registers `name` with `email` (and the demo password, unless given another) and proves
 * the email through the link in the outbox, in `page`'s browser context, which is then
 * signed in as them.
 */
export async function registerPerson(page: Page, name: string, email: string, password: string = PASSWORD) {
  const reg = await page.request.post('/api/register', {
    form: { name, email, password },
    maxRedirects: 0,
  });
  expect(reg.status(), await reg.text()).toBeLessThan(400);
  const proof = linkFromOutbox(email, '/verify-email/');
  const verified = await page.request.post('/api/registration/verify', {
    headers: fromSite(),
    form: { token: proof.slice(proof.indexOf('/verify-email/') + '/verify-email/'.length) },
    maxRedirects: 0,
  });
  expect(verified.status(), await verified.text()).toBeLessThan(400);
}
