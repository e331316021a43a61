import { expect, Page, test } from './fixture';
import { DEMO_ACCOUNT, expectNoAxeViolations, fromSite, hydrated, signIn, USERS } from './helpers';

const usersPage = `/accounts/${DEMO_ACCOUNT.id}/users`;

/** How far the page and the member table reach past their boxes, in CSS pixels. */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const wrap = document.querySelector('.member-list .table-wrap') as HTMLElement;
    return {
      page: document.documentElement.scrollWidth - window.innerWidth,
      table: wrap.scrollWidth - wrap.clientWidth,
    };
  });
}

test('Manage Users fits a laptop screen: every column, the actions menu included, from 1280 px', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page);
  await page.goto(usersPage);
  await hydrated(page);
  const table = page.getByRole('table');
  await expect(table).toBeVisible();
  expect(await overflow(page)).toEqual({ page: 0, table: 0 });
  for (const name of ['Name', 'Email', 'Additional roles', 'Active', 'Last sign-on', 'Cases owned', 'Active Login']) {
    const header = table.getByRole('columnheader', { name: new RegExp(`^${name}`) }).first();
    await expect(header).toBeInViewport({ ratio: 1 });
  }
  const actions = table.getByRole('button', { name: /^Actions for/ }).first();
  await expect(actions).toBeInViewport({ ratio: 1 });
  // Names stay on one line.
  const nameCell = table.locator('tbody th').first();
  const box = await nameCell.boundingBox();
  expect(box!.height).toBeLessThan(48);
});

test('on a phone the table scrolls in its own region and the names stay in view', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  await page.goto(usersPage);
  await hydrated(page);
  const region = page.getByRole('region', { name: /^Users/ });
  await expect(region).toBeVisible();
  expect((await overflow(page)).page).toBe(0);
  // Scrolled to its far end, each row's name is still on screen beside the Actions button.
  const firstName = region.locator('tbody th').first();
  await firstName.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await region.evaluate((el) => (el.scrollLeft = el.scrollWidth));
  expect(await region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(100);
  await expect(firstName).toBeInViewport({ ratio: 1 });
  await expect(region.getByRole('button', { name: /^Actions for/ }).first()).toBeInViewport();
  await expectNoAxeViolations(page);
});

test('a control that needs the app is clicked as soon as it shows, without waiting for the app', async ({ page }) => {
  await signIn(page);
  await page.goto(usersPage);
  // No wait for hydration: until the app is live the button takes no clicks, so the
  // click lands once it does, and is never lost.
  const actions = page.getByRole('button', { name: /^Actions for/ }).first();
  await actions.click();
  await expect(page.getByRole('menu')).toBeVisible();
  await expect(page.getByRole('menuitem', { name: 'Update' })).toBeVisible();
});

/** The header's links and controls whose words break across lines, by their text. */
async function brokenHeaderItems(page: Page) {
  return page.locator('header').evaluate((header) =>
    Array.from(header.querySelectorAll('nav a, .who a, summary, button'))
      .filter((el) => {
        const line = parseFloat(getComputedStyle(el).lineHeight);
        return el.getBoundingClientRect().height > line * 1.5;
      })
      .map((el) => (el.textContent ?? '').trim()),
  );
}

test('the header keeps each link on one line, for the persona with the most of them, from 1280 px to a phone', async ({ page }) => {
  await signIn(page, USERS.operator);
  for (const width of [1280, 1024, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/operator');
    await expect(page.getByRole('link', { name: 'Vendor console' })).toBeVisible();
    expect(await brokenHeaderItems(page), `at ${width} px`).toEqual([]);
    expect(await page.locator('header').evaluate((h) => h.scrollWidth - h.clientWidth), `at ${width} px`).toBe(0);
  }
});

test('dates in tables and form fields keep their shape on a wide screen', async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await signIn(page, USERS.approver);
  await page.goto('/approvals');
  // "2026-12-05", never "2026-12-" over "05".
  const asked = page.locator('td.date').first();
  await expect(asked).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
  const lines = await asked.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
  });
  expect(lines).toBe(1);
  await signIn(page, USERS.operator);
  await page.goto('/operator');
  // A text input without a type is a text field like the others, and not as wide as the page.
  const orgId = page.getByLabel('Org ID of the customer deployment');
  const box = (await orgId.boundingBox())!;
  expect(box.height).toBeGreaterThan(30);
  expect(box.width).toBeLessThan(600);
});

test('no page reaches past a phone screen sideways, whoever looks', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const wide = async (path: string) => {
    await page.goto(path);
    await hydrated(page);
    return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  };
  const pages: Record<string, string[]> = {
    [USERS.admin]: ['/', `/accounts/${DEMO_ACCOUNT.id}/cases`, `/accounts/${DEMO_ACCOUNT.id}/audit`, '/settings', '/notifications'],
    [USERS.operator]: ['/operator', '/mail'],
    [USERS.partner]: ['/deployments', '/access-requests'],
    [USERS.approver]: ['/approvals'],
  };
  // Sent mail with at least one message of its own (a long one-time link in it), whatever
  // ran before.
  const asked = await page.request.post('/api/password/forgot', {
    headers: fromSite(),
    form: { email: USERS.approver },
    maxRedirects: 0,
  });
  expect(asked.status()).toBeLessThan(400);
  const overflowing: string[] = [];
  for (const [who, paths] of Object.entries(pages)) {
    await signIn(page, who);
    for (const path of paths) if ((await wide(path)) > 0) overflowing.push(`${who} ${path}`);
  }
  // A case, with its people's emails.
  await signIn(page, USERS.admin);
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/cases`);
  const caseHref = await page.getByRole('link', { name: /^C-\d+$/ }).first().getAttribute('href');
  if ((await wide(caseHref!)) > 0) overflowing.push(caseHref!);
  expect(overflowing).toEqual([]);
});
