import { Browser, expect, Page, test } from './fixture';
import { DEMO_ACCOUNT, expectNoAxeViolations, fromSite, hydrated, registerPerson, signIn, tableRows, USERS } from './helpers';
import { linkFromOutbox } from './outbox';

const usersPage = `/accounts/${DEMO_ACCOUNT.id}/users`;

/**
 * The link to `path` in the newest email to `to`, as its recipient gets it (read from the
 * outbox), once a vendor operator has been shown that email on Sent mail with the link's
 * token hidden: an operator must not be able to follow someone else's link.
 */
async function linkFromMail(browser: Browser, to: string, path: string): Promise<string> {
  const link = linkFromOutbox(to, path);
  const token = link.slice(link.indexOf(path) + path.length);
  expect(token.length).toBeGreaterThan(20);
  const context = await browser.newContext({ baseURL: process.env.ROSTER_URL });
  const page = await context.newPage();
  await signIn(page, USERS.operator);
  await page.goto(`/mail?to=${encodeURIComponent(to)}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Sent mail' })).toBeVisible();
  await expectNoAxeViolations(page);
  const email = page.getByRole('article').first();
  await expect(email).toContainText(to);
  await email.getByText('Show the message').click();
  await expect(email.locator('pre')).toContainText(`${path}…`);
  // Nowhere on the page, the data it hydrates from included.
  expect(await page.content()).not.toContain(token);
  await context.close();
  return link;
}

async function openUsers(page: Page) {
  await signIn(page);
  await page.goto(usersPage);
  await hydrated(page);
}

test('an administrator invites a new user, who accepts from the emailed link and becomes a member', async ({
  page,
  browser,
}) => {
  const stamp = Date.now();
  const name = `Ines Invitee ${stamp}`;
  const email = `ines.${stamp}@northwind.example`;
  await openUsers(page);
  await page.getByRole('button', { name: '+ Invite New Users' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite new users' });
  await expect(dialog).toBeVisible();
  await expectNoAxeViolations(page, 'dialog');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Email').fill('not an email');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  // The browser's own check stops a malformed address before it is sent.
  await expect(dialog.getByLabel('Email')).toHaveJSProperty('validity.valid', false);
  await dialog.getByLabel('Email').fill(email);
  await dialog.getByLabel('Security Contact').check();
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Invitation sent to ${name}` })).toBeVisible();
  await expect(dialog).toHaveCount(0);

  // Inviting the same address again is refused with the reason.
  await page.getByRole('button', { name: '+ Invite New Users' }).click();
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Email').fill(email);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByRole('alert')).toContainText('already has a pending invitation');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  const link = await linkFromMail(browser, email, '/invitations/');
  const invitee = await browser.newContext({ baseURL: process.env.ROSTER_URL });
  const ipage = await invitee.newPage();
  await ipage.goto(link);
  await expect(ipage.getByRole('heading', { level: 1, name: `Join ${DEMO_ACCOUNT.name}` })).toBeVisible();
  await expect(ipage.getByText('Roles: General Support, Security Contact.')).toBeVisible();
  await expectNoAxeViolations(ipage);
  await hydrated(ipage);
  await ipage.getByLabel('Choose a password').fill('a long enough password');
  await ipage.getByRole('button', { name: 'Accept and register' }).click();
  await expect(ipage).toHaveURL(/\/$/);
  await expect(ipage.getByRole('banner')).toContainText(`Signed in as ${name}`);
  await expect(ipage.getByRole('link', { name: DEMO_ACCOUNT.name, exact: true })).toBeVisible();
  // The link worked once.
  await ipage.goto(link);
  await expect(ipage.getByRole('alert')).toContainText('already been accepted');
  await invitee.close();

  // The administrator sees the new member and the accepted invitation.
  await page.getByLabel('Search Text').fill(`${stamp}`);
  await expect.poll(async () => (await tableRows(page)).map((r) => r[0])).toEqual([name]);
  await page.getByRole('link', { name: 'Invitations' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Invitations' })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText('Accepted');
  await expectNoAxeViolations(page);
});

test('a new contact is saved, invited to the Community, and the invitation revoked', async ({ page }) => {
  const stamp = Date.now();
  await openUsers(page);
  await page.getByRole('button', { name: 'New Contact' }).click();
  const dialog = page.getByRole('dialog', { name: 'New contact' });
  await expect(dialog).toBeVisible();
  await expectNoAxeViolations(page, 'dialog');
  await dialog.getByLabel('First name').fill('Cora');
  await dialog.getByLabel('Last name').fill(`Contact${stamp}`);
  await dialog.getByLabel('Primary email').fill(`cora.${stamp}@northwind.example`);
  await dialog.getByRole('button', { name: 'Save & New' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Saved Cora Contact${stamp}` })).toBeVisible();
  // Save & New: the dialog stays, empty, for the next contact.
  await expect(dialog.getByLabel('First name')).toHaveValue('');
  await expect(dialog.getByLabel('First name')).toBeFocused();
  await dialog.getByLabel('First name').fill('Cora');
  await dialog.getByLabel('Last name').fill('Again');
  await dialog.getByLabel('Primary email').fill(`CORA.${stamp}@northwind.example`);
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText('already has a contact with the email');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await page.getByLabel('Search Text').fill(`contact${stamp}`);
  await expect.poll(async () => (await tableRows(page)).length).toBe(1);
  const row = page.getByRole('row', { name: new RegExp(`Contact${stamp}`) });
  await expect(row).toContainText('Not registered');
  await row.getByRole('button', { name: `Invite to Community: Cora Contact${stamp}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Invitation to the Community sent' })).toBeVisible();

  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/invitations`);
  await hydrated(page);
  const invitation = page.getByRole('row', { name: new RegExp(`Contact${stamp}`) });
  await expect(invitation).toContainText('Pending');
  await invitation.getByRole('button', { name: `Revoke the invitation of Cora Contact${stamp}` }).click();
  await expect(page.getByRole('row', { name: new RegExp(`Contact${stamp}`) })).toContainText('Revoked');
  await expect(page.getByRole('status').filter({ hasText: `Invitation of Cora Contact${stamp} revoked.` })).toBeVisible();
});

test('a forgotten password is replaced through an emailed one-time link', async ({ page, browser }) => {
  const email = `fay.${Date.now()}@example.org`;
  // Registered once the emailed link is confirmed, which signs Fay in.
  await registerPerson(page, 'Fay Forgetful', email, 'the first password');
  await page.request.post('/api/sign_out', { headers: fromSite(), maxRedirects: 0 });

  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Forgot your password?' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'a link to choose a new password is on its way' })).toBeVisible();

  const link = await linkFromMail(browser, email, '/reset-password/');
  await page.goto(link);
  await expectNoAxeViolations(page);
  await hydrated(page);
  await page.getByLabel('New password', { exact: true }).fill('the second password');
  await page.getByLabel('New password again').fill('not the same password');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page.getByRole('alert')).toContainText('The two passwords are not the same.');
  await page.getByLabel('New password again').fill('the second password');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('banner')).toContainText('Signed in as Fay Forgetful');

  // The old password no longer works; the new one does.
  await page.request.post('/api/sign_out', { headers: fromSite(), maxRedirects: 0 });
  const old = await page.request.post('/api/sign_in', { headers: fromSite(), form: { email, password: 'the first password' }, maxRedirects: 0 });
  expect(old.status()).toBe(400);
  const fresh = await page.request.post('/api/sign_in', { headers: fromSite(), form: { email, password: 'the second password' }, maxRedirects: 0 });
  expect(fresh.status()).toBeLessThan(400);
});

test('the header switches between the accounts of the signed-in person', async ({ page }) => {
  await signIn(page, USERS.operator);
  await page.goto('/');
  await hydrated(page);
  const header = page.getByRole('banner');
  await expect(header.getByRole('link', { name: 'Sent mail' })).toBeVisible();
  await header.getByText('Switch account').click();
  await header.getByRole('link', { name: 'Contoso Health Cloud' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Contoso Health Cloud' })).toBeVisible();
  await expectNoAxeViolations(page);
});
