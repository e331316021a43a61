import { expect, test } from './fixture';
import { DEMO_ACCOUNT, expectNoAxeViolations, fromSite, PASSWORD, signIn, USERS } from './helpers';
import { linkFromOutbox } from './outbox';

const usersPage = `/accounts/${DEMO_ACCOUNT.id}/users`;

test('anonymous visitors are asked to sign in, and land where they were going', async ({ page }) => {
  // The first page of someone not signed in is the sign-in form, with a way to register.
  await page.goto(`${usersPage}?sort=email`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Register' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByLabel('Email').fill(USERS.admin);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is not right.');
  await page.getByLabel('Email').fill(USERS.admin);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${usersPage}\\?sort=email$`));
  await expect(page.getByRole('heading', { level: 1, name: DEMO_ACCOUNT.name })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText('Signed in as Adam Admin');
});

test('sign out ends the session', async ({ page }) => {
  await signIn(page);
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto(usersPage);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});

test('a new registration proves its email, then sees no account and cannot reach Manage Users', async ({ page }) => {
  const email = `rita.${Date.now()}@example.org`;
  await page.goto('/register');
  await expectNoAxeViolations(page);
  await page.getByLabel('Name').fill('Rita Registrant');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByLabel('Password')).toHaveJSProperty('validity.valid', false);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();
  await expectNoAxeViolations(page);

  // Not registered until the emailed link is followed: signing in says so.
  const early = await page.request.post('/api/sign_in', {
    headers: fromSite(),
    form: { email, password: 'a long enough password', next: '/' },
    maxRedirects: 0,
  });
  expect(early.status()).toBe(403);
  expect(await early.text()).toContain(`Confirm your email first: follow the link we sent to ${email}`);

  await page.goto(linkFromOutbox(email, '/verify-email/'));
  await expect(page.getByRole('heading', { level: 1, name: 'Confirm your email' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Confirm my email' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('banner')).toContainText('Signed in as Rita Registrant');
  await expect(page.getByText('You are not a member of any account yet.')).toBeVisible();
  const res = await page.goto(usersPage);
  expect(res?.status()).toBe(403);
  await expect(page.getByRole('alert')).toContainText('You do not have access to this feature.');
});

test('a plain member cannot manage users, and the server refuses their writes', async ({ page }) => {
  await signIn(page, USERS.contact);
  const res = await page.goto(usersPage);
  expect(res?.status()).toBe(403);
  await expect(page.getByRole('alert')).toContainText('You do not have access to this feature.');
  const write = await page.request.post('/api/members/active', {
    headers: fromSite(),
    form: { account: String(DEMO_ACCOUNT.id), membership: '1', active: 'false' },
  });
  expect(write.status()).toBe(403);
  expect(await write.text()).toContain('You do not have access to this feature.');
});

test('a deactivated member does not see the account', async ({ page }) => {
  await signIn(page, USERS.inactive);
  await page.goto('/');
  await expect(page.getByRole('link', { name: DEMO_ACCOUNT.name, exact: true })).toHaveCount(0);
});

test('a vendor operator sees every account', async ({ page }) => {
  await signIn(page, USERS.operator);
  await page.goto('/');
  for (const name of ['Northwind Production', 'Contoso Health Cloud', 'Globex GovCloud']) {
    await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  }
});

test('a request from another site is refused', async ({ page }) => {
  await signIn(page);
  const res = await page.request.post('/api/members/active', {
    headers: { Origin: 'https://evil.example' },
    form: { account: String(DEMO_ACCOUNT.id), membership: '1', active: 'false' },
  });
  expect(res.status()).toBe(403);
});

test('raising a case: a member can, a deactivated member is told they are not a member', async ({ page }) => {
  await signIn(page, USERS.contact);
  await page.goto('/');
  await page.getByRole('link', { name: `Raise a case on ${DEMO_ACCOUNT.name}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Raise a support case' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByLabel('What is the problem?').fill('The export button does nothing');
  await page.getByRole('button', { name: 'Raise case' }).click();
  await expect(page.getByRole('status').filter({ hasText: /Case C-\d+ is open/ })).toBeVisible();

  await page.request.post('/api/sign_out', { headers: fromSite(), maxRedirects: 0 });
  await signIn(page, USERS.inactive);
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/cases/new`);
  await page.getByLabel('What is the problem?').fill('Please help');
  await page.getByRole('button', { name: 'Raise case' }).click();
  await expect(page.getByRole('alert')).toHaveText('You are not a member of an Account');
});
