import { expect, test } from './fixture';
import { DEMO_ACCOUNT, follow, hydrated, signIn, USERS } from './helpers';

const a = DEMO_ACCOUNT.id;
const PAGES = [
  `/accounts/${a}/users`,
  `/accounts/${a}/cases`,
  `/accounts/${a}/invitations`,
  `/accounts/${a}/audit`,
  `/accounts/${a}/api-tokens`,
  `/accounts/${a}/import`,
  `/accounts/${a}/cases/new`,
  '/notifications',
  '/settings',
  '/help/manage-support-contacts',
  '/',
];

test('moving between pages in the browser, waiting for each or not, leaves every page working', async ({ page }) => {
  // The pages torn down while they still load or wait (a search's timer, a dialog's
  // request) must not run against what is gone; the fixture fails the test on a panic.
  await signIn(page, USERS.admin);
  await page.goto('/');
  await hydrated(page);
  // Gone if a link loaded a whole new document instead.
  await page.evaluate(() => ((window as any).stayed = true));
  for (const href of PAGES) {
    await follow(page, href);
    await expect(page).toHaveURL(href);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  // Without waiting: each page is left while it is still loading.
  for (const href of PAGES) await follow(page, href);
  await expect(page).toHaveURL('/');
  for (let i = 0; i < 4; i++) await page.goBack();
  for (let i = 0; i < 2; i++) await page.goForward();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();

  // Typing, then leaving before the list has answered; a dialog left open.
  await follow(page, `/accounts/${a}/users`);
  await page.getByLabel('Search Text').pressSequentially('ad', { delay: 5 });
  await follow(page, `/accounts/${a}/cases`);
  await page.getByLabel('Search Text').pressSequentially('pr', { delay: 5 });
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: DEMO_ACCOUNT.name })).toBeVisible();
  await page.getByRole('button', { name: 'Actions for Adam Admin' }).click();
  await page.getByRole('menuitem', { name: 'Update' }).click();
  await expect(page.getByRole('dialog', { name: 'Update user' })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // After all that, the page still works: a search filters the list.
  await follow(page, `/accounts/${a}/users`);
  await page.getByLabel('Search Text').fill('adam');
  await expect(page.getByRole('table')).toHaveAccessibleName('Users matching “adam”');
  expect(await page.evaluate(() => (window as any).stayed)).toBe(true);
});

for (const [who, email, pages] of [
  ['a partner', USERS.partner, ['/deployments', '/access-requests', '/copy-access', '/notifications', '/']],
  ['an approver', USERS.approver, ['/approvals', '/deployments', '/notifications', '/']],
  ['a vendor operator', USERS.operator, ['/operator', '/mail', '/settings', '/']],
] as const) {
  test(`${who} moves between their pages in the browser`, async ({ page }) => {
    await signIn(page, email);
    await page.goto('/');
    await hydrated(page);
    for (const href of pages) {
      await follow(page, href);
      await expect(page).toHaveURL(href);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expect(page.getByRole('alert')).toHaveCount(0);
    }
    for (const href of pages) await follow(page, href);
    for (let i = 0; i < pages.length; i++) await page.goBack();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  });
}

test('the other pages\' code comes when one is first shown: Manage Users loads without it, a link fetches it once', async ({ page }) => {
  const wasm: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) wasm.push(path);
  });
  const pagesFile = (p: string) => /\/pkg\/split_page_view_[^/]+\.wasm$/.test(p);
  await signIn(page, USERS.admin);
  await page.goto(`/accounts/${a}/users`);
  await hydrated(page);
  expect(wasm.filter(pagesFile)).toHaveLength(0);

  // A link from Manage Users: the page is shown by the browser, with the file fetched then.
  await page.evaluate(() => ((window as any).stayed = true));
  await page.getByRole('banner').getByRole('link', { name: 'Help', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Manage Support Contacts' })).toBeVisible();
  expect(await page.evaluate(() => (window as any).stayed)).toBe(true);
  expect(wasm.filter(pagesFile)).toHaveLength(1);
  await page.getByRole('banner').getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page).toHaveURL('/settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  expect(wasm.filter(pagesFile)).toHaveLength(1);

  // Opened directly, such a page is hydrated, not drawn twice, and works.
  await page.goto(`/accounts/${a}/cases`);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
  await expect(page.getByRole('main')).toHaveCount(1);
  await page.getByLabel('Search Text').fill('zzzz-nothing');
  await expect(page.getByText('No cases match this view.')).toBeVisible();
});
