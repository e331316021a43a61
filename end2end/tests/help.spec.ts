import { expect, test } from './fixture';
import { DEMO_ACCOUNT, expectNoAxeViolations, hydrated, signIn } from './helpers';

test('Manage Support Contacts explains the page, section by section, from the link on Manage Users', async ({ page }) => {
  await signIn(page);
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/users`);
  await hydrated(page);
  await page.getByRole('link', { name: 'Manage Support Contacts' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Manage Support Contacts' })).toBeVisible();
  const contents = page.getByRole('navigation', { name: 'On this page' });
  const sections = await contents.getByRole('link').allTextContents();
  expect(sections).toEqual([
    'The user list',
    'Adding people',
    'Changing, deactivating and removing',
    'Roles',
    'Cases',
    'Partners',
    'Your settings',
  ]);
  // Each entry leads to its section's heading.
  for (const name of sections) {
    await expect(page.getByRole('heading', { level: 2, name })).toHaveCount(1);
  }
  await contents.getByRole('link', { name: 'Roles' }).click();
  await expect(page).toHaveURL(/#roles$/);
  await expect(page.getByRole('heading', { level: 2, name: 'Roles' })).toBeInViewport();
  // "Active" and "Active Login" are told apart.
  await expect(page.getByText(/Active means the member signed in within the last six months/)).toContainText('Active Login');
  await expectNoAxeViolations(page);
});
