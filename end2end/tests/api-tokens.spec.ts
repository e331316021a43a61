import { expect, test } from './fixture';
import { createContact, DEMO_ACCOUNT, expectNoAxeViolations, hydrated, signIn } from './helpers';

test('an administrator makes an API token, a script uses it, and revoking it stops it', async ({ page, request }) => {
  await signIn(page);
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/users`);
  await hydrated(page);
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
  await hydrated(page);

  const name = `Nightly sync ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('radio', { name: /Read and write/ }).check();
  await page.getByLabel('Expires after').selectOption({ label: '7 days' });
  await page.getByRole('button', { name: 'Create token' }).click();

  // The secret is shown once, to copy.
  const secretBox = page.getByRole('textbox', { name: `Secret of "${name}"` });
  await expect(secretBox).toBeVisible();
  const secret = await secretBox.inputValue();
  expect(secret).toMatch(/^roster_/);
  const row = page.getByRole('table', { name: 'API tokens, newest first', exact: true }).getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText('Read and write');
  await expect(row).toContainText('Never');
  await expectNoAxeViolations(page);

  // A script (no session cookie) lists and changes members with it.
  const auth = { Authorization: `Bearer ${secret}` };
  const list = await request.get(`/api/v1/accounts/${DEMO_ACCOUNT.id}/members?page_size=10`, { headers: auth });
  expect(list.status(), await list.text()).toBe(200);
  expect((await list.json()).members.length).toBe(10);

  const email = await createContact(page, 'Tokena', 'Scripted');
  const found = await request.get(`/api/v1/accounts/${DEMO_ACCOUNT.id}/members?search=${encodeURIComponent(email)}`, { headers: auth });
  const member = (await found.json()).members[0];
  const off = await request.post(`/api/v1/accounts/${DEMO_ACCOUNT.id}/members/${member.id}/deactivate`, { headers: auth });
  expect(off.status(), await off.text()).toBe(200);
  expect((await off.json()).active_login).toBe(false);

  // The change is in the audit history under the token's name; the table shows its use.
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/audit`);
  await expect(page.getByText(`API token "${name}" of Adam Admin`).first()).toBeVisible();
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/api-tokens`);
  await hydrated(page);
  await expect(row).not.toContainText('Never');
  await expect(page.getByRole('textbox', { name: /^Secret of/ })).toHaveCount(0);
  // Every call is listed under the token's name, reads too, newest first.
  const calls = page.getByRole('table', { name: 'Calls made with API tokens, newest first' });
  const deactivation = calls.getByRole('row', {
    name: new RegExp(`${name} POST /api/v1/accounts/${DEMO_ACCOUNT.id}/members/${member.id}/deactivate 200`),
  });
  await expect(deactivation).toBeVisible();
  await expect(calls.getByRole('row', { name: new RegExp(`${name} GET /api/v1/accounts/${DEMO_ACCOUNT.id}/members\\?page_size=10 200`) })).toBeVisible();

  await row.getByRole('button', { name: `Revoke the token ${name}` }).click();
  await expect(row).toContainText('Revoked');
  await expect(row.getByRole('button', { name: /Revoke/ })).toHaveCount(0);

  const refused = await request.get(`/api/v1/accounts/${DEMO_ACCOUNT.id}/members`, { headers: auth });
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toMatchObject({ code: 'unauthenticated' });
});

test('a member who does not administer the account may not see its tokens', async ({ page }) => {
  await signIn(page, 'carla.contact@northwind.example');
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/api-tokens`);
  await expect(page.getByText('You do not have access to this feature.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create token' })).toHaveCount(0);
});
