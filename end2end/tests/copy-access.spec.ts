import { expect, test } from './fixture';
import { expectNoAxeViolations, hydrated, signIn, USERS } from './helpers';

test('an approver previews copying support access to another deployment, then copies it', async ({ page }) => {
  await signIn(page, USERS.approver);
  await page.goto('/approvals');
  await page.getByRole('link', { name: 'Copy support access between deployments' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Copy support access' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Copy from (Org ID)').fill('GX-3001');
  await page.getByLabel('Copy to (Org IDs, one per line)').fill('GX-3002');
  await page.getByRole('button', { name: 'Preview' }).click();
  const target = page.getByRole('region', { name: 'Globex Records (GX-3002)' });
  await expect(target.getByRole('row').nth(1)).toBeVisible();
  const changes = await target.locator('tbody tr td:last-child').allTextContents();
  expect(changes.length).toBeGreaterThan(0);
  for (const c of changes) expect(c).toMatch(/^(added with|level changed from|removed \(had|unchanged \()/);
  await expectNoAxeViolations(page);

  await page.getByRole('button', { name: 'Copy access' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^Copied the support access of Globex GovCloud to Globex Records: \d+ added, \d+ changed, \d+ removed, \d+ unchanged\.$/ })).toBeVisible();

  // Copying again: everything is unchanged.
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(target.locator('tbody tr td:last-child').first()).toHaveText(/^unchanged/);
  const again = await target.locator('tbody tr td:last-child').allTextContents();
  for (const c of again) expect(c).toMatch(/^unchanged/);

  // A deployment he does not approve for, for someone who approves one only.
  await signIn(page, 'pete.approver@initech.example');
  await page.goto('/copy-access');
  await hydrated(page);
  await page.getByLabel('Copy from (Org ID)').fill('GX-3001');
  await page.getByLabel('Copy to (Org IDs, one per line)').fill('GX-3002');
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'you do not approve for GX-3002.' })).toBeVisible();
});

test('the page answers each persona as they may use it', async ({ page }) => {
  // An approver: the form, and a page that is not an error (it once answered 403,
  // having asked for the operators' list of partners).
  await signIn(page, USERS.approver);
  let res = await page.goto('/copy-access');
  expect(res?.status()).toBe(200);
  await expect(page.getByLabel('Copy from (Org ID)')).toBeVisible();
  await expect(page.getByLabel('Partner')).toHaveCount(0);

  // A vendor operator names the partner.
  await signIn(page, USERS.operator);
  res = await page.goto('/copy-access');
  expect(res?.status()).toBe(200);
  await expect(page.getByLabel('Partner')).toContainText('Initech Partners');

  // A customer's administrator is told no, with no form to fill in for nothing.
  await signIn(page, USERS.admin);
  res = await page.goto('/copy-access');
  expect(res?.status()).toBe(403);
  await expect(page.getByText('You do not have access to this feature.')).toBeVisible();
  await expect(page.getByLabel('Copy from (Org ID)')).toHaveCount(0);
  await hydrated(page);
  await expect(page.getByLabel('Copy from (Org ID)')).toHaveCount(0);
});
