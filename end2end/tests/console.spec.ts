import { expect, test } from './fixture';
import { expectNoAxeViolations, hydrated, signIn, tableRows, USERS } from './helpers';
import { linkFromOutbox } from './outbox';

test('a vendor operator creates an organisation, an account and its administrator, who then manages users', async ({
  page,
  browser,
}) => {
  const stamp = Date.now();
  const org = `Umbrella ${stamp}`;
  const account = `Umbrella Cloud ${stamp}`;
  const adminEmail = `ursula.${stamp}@umbrella-${stamp}.example`;

  // The future administrator registers on their own first.
  const other = await browser.newContext({ baseURL: process.env.ROSTER_URL });
  const apage = await other.newPage();
  const reg = await apage.request.post('/api/register', {
    form: { name: 'Ursula Umbrella', email: adminEmail, password: 'a long enough password' },
    maxRedirects: 0,
  });
  expect(reg.status(), await reg.text()).toBeLessThan(400);
  await apage.goto(linkFromOutbox(adminEmail, '/verify-email/'));
  await apage.getByRole('button', { name: 'Confirm my email' }).click();
  await expect(apage).toHaveURL(/\/$/);

  await signIn(page, USERS.operator);
  await page.goto('/');
  await page.getByRole('banner').getByRole('link', { name: 'Vendor console' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Vendor console' })).toBeVisible();
  await hydrated(page);
  await expectNoAxeViolations(page);

  const newOrg = page.getByRole('region', { name: 'New organisation' });
  await newOrg.getByLabel('Name').fill(org);
  await newOrg.getByLabel('Kind').selectOption('customer');
  await newOrg.getByLabel('Email domains').fill(`umbrella-${stamp}.example, northwind.example`);
  await newOrg.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'already belongs to Northwind Traders' })).toBeVisible();
  await newOrg.getByLabel('Email domains').fill(`umbrella-${stamp}.example`);
  await newOrg.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Created the organisation ${org}.` })).toBeVisible();
  await expect(page.getByRole('heading', { level: 3, name: org })).toBeVisible();

  const newAccount = page.getByRole('region', { name: 'New account' });
  await newAccount.getByLabel('Organisation').selectOption({ label: org });
  await newAccount.getByLabel('Account name').fill(account);
  await newAccount.getByLabel('Org ID').fill(`UM-${stamp}`);
  await newAccount.getByLabel('Kind').selectOption('cloud');
  await newAccount.getByLabel('Projects').fill('analytics, payments');
  await newAccount.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Created the account ${account}.` })).toBeVisible();
  const row = page.getByRole('row', { name: new RegExp(account) });
  await expect(row).toContainText('analytics, payments');
  await expect(row).toContainText('None');

  const admins = page.getByRole('region', { name: 'Account administrators' });
  await admins.getByLabel('Account', { exact: true }).selectOption({ label: account });
  await admins.getByLabel('Email of a registered person').fill(adminEmail);
  await admins.getByRole('button', { name: 'Save administrator' }).click();
  await expect(page.getByRole('status').filter({ hasText: `${adminEmail} is now an Account Administrator.` })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(account) })).toContainText('Ursula Umbrella');

  // The new administrator manages the account's users.
  await apage.goto('/');
  await apage.getByRole('link', { name: account, exact: true }).click();
  await expect(apage.getByRole('heading', { level: 1, name: account })).toBeVisible();
  await hydrated(apage);
  expect((await tableRows(apage)).map((r) => r[0])).toEqual(['Ursula Umbrella']);
  await apage.getByRole('button', { name: '+ Add new user' }).click();
  const dialog = apage.getByRole('dialog', { name: 'Add new user' });
  await dialog.getByLabel('User').fill('nina.newcomer@northwind.example');
  await dialog.getByRole('button', { name: 'Add user' }).click();
  await expect(dialog).toHaveCount(0);
  await expect.poll(async () => (await tableRows(apage)).map((r) => r[0]).sort()).toEqual(['Nina Newcomer', 'Ursula Umbrella']);
  await other.close();
});

test('a vendor operator searches every account from the accounts list; others see their own', async ({ page }) => {
  await signIn(page, USERS.operator);
  await page.goto('/');
  await hydrated(page);
  const search = page.getByRole('search').getByLabel('Search accounts');
  await search.fill('globex');
  await search.press('Enter');
  await expect(page).toHaveURL(/\?q=globex$/);
  const names = page.getByRole('region', { name: 'Support accounts' }).locator('tbody th');
  await expect(names).toHaveText(['Globex GovCloud', 'Globex Records']);
  await expect(page.getByRole('search').getByLabel('Search accounts')).toHaveValue('globex');
  await expectNoAxeViolations(page);

  await page.getByRole('search').getByLabel('Search accounts').fill('nothing like this');
  await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'No account matches “nothing like this”.' })).toBeVisible();

  // An administrator's list is their own few accounts, with nothing to search.
  await signIn(page, USERS.admin);
  await page.goto('/');
  await expect(page.getByRole('region', { name: 'Support accounts' }).locator('tbody th')).toHaveText([
    'Northwind On-Premises',
    'Northwind Production',
  ]);
  await expect(page.getByRole('search')).toHaveCount(0);
});
