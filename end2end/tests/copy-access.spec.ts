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
