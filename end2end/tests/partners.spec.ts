import { expect, test } from './fixture';
import { expectNoAxeViolations, hydrated, signIn, tableRows, USERS } from './helpers';

/** The deployments table's rows: [customer, deployment, Org ID, kind, your access]. */
async function deployments(page: import('@playwright/test').Page): Promise<string[][]> {
  return tableRows(page);
}

test('a partner member sees the deployments their partner supports, searches and sorts them', async ({ page }) => {
  await signIn(page, USERS.partner);
  await page.goto('/');
  await page.getByRole('banner').getByRole('link', { name: 'My deployments' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My deployments' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByText('Initech Partners supports 4 customer deployments.')).toBeVisible();
  const rows = await deployments(page);
  // A deployment without access offers to request it.
  expect(rows.map((r) => [r[0], r[2], r[4].split(' · ')[0]])).toEqual([
    ['Contoso Health', 'CH-2002', 'Case handling'],
    ['Globex Public Sector', 'GX-3001', 'No access'],
    ['Globex Public Sector', 'GX-3002', 'No access'],
    ['Northwind Traders', 'NW-1003', 'Technical support'],
  ]);
  await expectNoAxeViolations(page);

  // Search Text narrows the table, and the view is in the URL.
  await page.getByRole('searchbox', { name: 'Search Text' }).fill('globex');
  await page.getByRole('searchbox', { name: 'Search Text' }).press('Enter');
  await expect(page).toHaveURL(/q=globex/);
  await expect(page.getByRole('table', { name: 'Deployments matching “globex”' })).toBeVisible();
  expect((await deployments(page)).map((r) => r[1])).toEqual(['Globex GovCloud', 'Globex Records']);

  // Sorting by the deployment name, then the other way round.
  await page.goto('/deployments');
  await page.getByRole('link', { name: /^Deployment/ }).click();
  await expect(page).toHaveURL(/sort=name/);
  const sorted = (await deployments(page)).map((r) => r[1]);
  expect(sorted).toEqual([...sorted].sort());

  // A deployment's page: the partner's contacts there with their levels, and its
  // approvers; where she has access, its cases open from it.
  await page.goto('/deployments');
  await page.getByRole('link', { name: 'Northwind Field Sites' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Northwind Field Sites' })).toBeVisible();
  const contacts = page.getByRole('region', { name: 'Contacts and their support access' });
  await expect(contacts.getByRole('row', { name: /Paula Partner/ })).toContainText('Technical support');
  await expect(page.getByRole('region', { name: 'Approvers' })).toContainText('Alex Approver <alex.approver@initech.example> (every deployment)');
  await expectNoAxeViolations(page);
  await page.getByRole('link', { name: 'Open its cases' }).click();
  await expect(page).toHaveURL(/\/accounts\/\d+\/cases$/);
});

test('someone who is not of a partner is told so', async ({ page }) => {
  await signIn(page, USERS.admin);
  await page.goto('/deployments');
  await expect(page.getByText('You do not have access to this feature.')).toBeVisible();
  await expect(page.getByRole('banner').getByRole('link', { name: 'My deployments' })).toHaveCount(0);
});

test('a vendor operator ends a partner’s support of a deployment and records it again', async ({ page, browser }) => {
  await signIn(page, USERS.operator);
  await page.goto('/operator');
  await hydrated(page);
  const partners = page.getByRole('region', { name: 'Partners and the deployments they support' });
  await expect(partners.getByRole('heading', { name: 'Initech Partners' })).toBeVisible();
  await partners.getByRole('button', { name: 'End support: Globex Records' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Initech Partners no longer supports Globex Records' })).toBeVisible();
  await expect(partners.getByRole('button', { name: 'End support: Globex Records' })).toHaveCount(0);

  const other = await browser.newContext({ baseURL: process.env.ROSTER_URL });
  const ppage = await other.newPage();
  await signIn(ppage, USERS.partner);
  await ppage.goto('/deployments');
  await expect(ppage.getByText('Initech Partners supports 3 customer deployments.')).toBeVisible();

  await partners.getByLabel('Partner', { exact: true }).selectOption({ label: 'Initech Partners' });
  await partners.getByLabel('Org ID of the customer deployment').fill('GX-3002');
  await partners.getByRole('button', { name: 'Add supported deployment' }).click();
  // Globex's own people on it keep their roles, without access, while Initech supports it.
  await expect(page.getByRole('status').filter({ hasText: /^Initech Partners now supports Globex Records; its \d+ members of the customer's own keep their roles but have no portal access while Initech Partners supports it\.$/ })).toBeVisible();
  await ppage.reload();
  await expect(ppage.getByText('Initech Partners supports 4 customer deployments.')).toBeVisible();

  // An Org ID that names nothing is refused, naming it.
  await partners.getByLabel('Org ID of the customer deployment').fill('ZZ-0000');
  await partners.getByRole('button', { name: 'Add supported deployment' }).click();
  await expect(page.getByText('No deployment has the Org ID "ZZ-0000".')).toBeVisible();
  await other.close();
});

test('a customer’s own administrator of a deployment a partner supports is told why he has no access', async ({ page }) => {
  // The operator sees the deployment's Manage Users, with who has access there.
  await signIn(page, USERS.operator);
  await page.goto('/');
  await page.getByRole('link', { name: 'Northwind Field Sites', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Northwind Field Sites' })).toBeVisible();
  await expect(page.getByText("Initech Partners supports this deployment: only its people have portal access here. Members of Northwind Traders's own keep their roles, without access, until the support ends.")).toBeVisible();
  const url = page.url();

  // Adam Admin administers it on paper: it is not among his accounts, and its pages say why.
  await signIn(page, USERS.admin);
  await page.goto('/');
  await expect(page.getByRole('link', { name: 'Northwind Production', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Northwind Field Sites', exact: true })).toHaveCount(0);
  await page.goto(url);
  await expect(page.getByText('Northwind Field Sites is supported by Initech Partners: while they support it, its contacts come from Initech Partners and your membership gives no access.')).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);
});
