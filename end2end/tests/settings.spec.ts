import { expect, test } from './fixture';
import { expectNoAxeViolations, hydrated, PASSWORD, registerPerson } from './helpers';
import { newestBody } from './outbox';

const NEW_PASSWORD = 'a much longer secret 2027';

/** A person of this test's own, registered and signed in on `page`. */
async function newPerson(page: import('@playwright/test').Page, who: string) {
  const email = `${who}.${Date.now()}${Math.floor(Math.random() * 1e6)}@example.org`;
  await registerPerson(page, `Settings ${who}`, email);
  return email;
}

/** The same person signed in in another browser. */
async function signedInElsewhere(browser: import('@playwright/test').Browser, email: string) {
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  const res = await other.request.post(new URL('/api/sign_in', process.env.ROSTER_URL).href, {
    headers: { Origin: new URL(process.env.ROSTER_URL!).origin },
    form: { email, password: PASSWORD, next: '/' },
    maxRedirects: 0,
  });
  expect(res.status()).toBeLessThan(400);
  return { elsewhere, other };
}

test('a person changes their password in Settings; their other sessions end, this one goes on', async ({ page, browser }) => {
  const email = await newPerson(page, 'changer');
  const { elsewhere, other } = await signedInElsewhere(browser, email);

  // Settings is in the header, beside the person's name.
  await page.goto('/');
  await page.getByRole('banner').getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await hydrated(page);
  const form = page.getByRole('form', { name: 'Password' });
  await expect(form).toBeVisible();
  await expectNoAxeViolations(page);

  // A wrong current password: said next to the form, nothing changes.
  await form.getByLabel('Current password').fill('not my password');
  await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await form.getByLabel('New password again').fill(NEW_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('alert')).toHaveText('Your current password is not right.');

  await form.getByLabel('Current password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your password is changed. Your other sessions are signed out.' })).toBeVisible();
  await expect(form.getByLabel('Current password')).toHaveValue('');
  await expect(newestBody(email)).toContain('The password of your Roster account was just changed');

  // This session goes on; the other one is signed out.
  await page.goto('/settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await other.goto('/settings');
  await expect(other.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  // The new password signs in; the old one does not.
  await other.getByLabel('Email').fill(email);
  await other.getByLabel('Password').fill(PASSWORD);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('alert').filter({ hasText: 'The email or password is not right.' })).toBeVisible();
  await other.getByLabel('Email').fill(email);
  await other.getByLabel('Password').fill(NEW_PASSWORD);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await elsewhere.close();
});

test('"Sign out everywhere else" ends the other sessions and keeps this one', async ({ page, browser }) => {
  const email = await newPerson(page, 'leaver');
  const { elsewhere, other } = await signedInElsewhere(browser, email);
  await page.goto('/settings');
  await hydrated(page);
  const form = page.getByRole('form', { name: 'Sessions' });
  await expect(form).toHaveAccessibleDescription(/signs out every session of yours but this one/);
  await form.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'You are signed out everywhere else.' })).toBeVisible();
  await page.goto('/settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await other.goto('/settings');
  await expect(other.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await elsewhere.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test("a form's error shows beside that form only", async ({ page }) => {
    await newPerson(page, 'nojs');
    await page.goto('/settings');
    const form = page.getByRole('form', { name: 'Password' });
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await form.getByLabel('New password again').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText(['Your current password is not right.']);
    await expect(form.getByRole('alert')).toHaveText('Your current password is not right.');
  });
});
