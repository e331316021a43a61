import { expect, Page, test } from './fixture';
import { hydrated, signIn, tableRows } from './helpers';

// Adam Admin administers both accounts; the switchers navigate between them within the
// same route, so Manage Users stays mounted and only its route parameter changes.
const PRODUCTION = 'Northwind Production';
const ON_PREMISES = 'Northwind On-Premises';
// Registered, of another organisation's domain, and in no account: added by full email.
const OSCAR = { name: 'Oscar Outsider', email: 'oscar.outsider@contractors.example' };

function heading(page: Page, name: string) {
  return page.getByRole('heading', { level: 1, name, exact: true });
}

function toast(page: Page, text: string) {
  return page.getByRole('status').filter({ hasText: text });
}

/** Marks the document, so that a later check tells a client-side navigation from a load. */
async function markDocument(page: Page) {
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
}

async function expectSameDocument(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
}

/** Switches with the header's "Switch account" menu. */
async function switchInHeader(page: Page, account: string) {
  const header = page.getByRole('banner');
  const menu = header.getByText('Switch account', { exact: true });
  const link = header.getByRole('link', { name: account, exact: true });
  if (!(await link.isVisible())) await menu.click();
  await link.click();
  await expect(heading(page, account)).toBeVisible();
  // The menu stays open after a navigation within the page: close it again.
  if (await link.isVisible()) await menu.click();
  await expect(link).toBeHidden();
}

/** Switches with the account picker beside the page's heading. */
async function switchInPicker(page: Page, account: string) {
  const picker = page.getByRole('combobox', { name: 'Account', exact: true });
  const value = await picker.getByRole('option', { name: new RegExp(` — ${account}$`) }).getAttribute('value');
  await picker.selectOption(value!);
  await expect(heading(page, account)).toBeVisible();
}

/** The names of the members of the account shown whose name or email contains `text`. */
async function search(page: Page, text: string): Promise<string[]> {
  const box = page.getByLabel('Search Text');
  const empty = page.getByText('No users match this view.');
  if ((await box.inputValue()) !== '') {
    // From the whole list, so that the answer below cannot be the previous search's.
    await box.fill('');
    await expect(page.getByRole('table', { name: 'Users', exact: true })).toBeVisible();
  }
  await box.fill(text);
  const table = page.getByRole('table', { name: `Users matching \u201c${text}\u201d`, exact: true });
  await expect(table.or(empty)).toBeVisible();
  return (await empty.isVisible()) ? [] : (await tableRows(page)).map((r) => r[0]);
}

test('after switching accounts, Add, Invite, Invite to Community and Update act on the account shown', async ({
  page,
}) => {
  const stamp = Date.now();
  const invitee = { name: `Ivy Switch${stamp}`, email: `ivy.switch${stamp}@northwind.example` };
  const contact = { first: 'Cora', last: `Switch${stamp}`, email: `cora.switch${stamp}@northwind.example` };
  const contactName = `${contact.first} ${contact.last}`;

  await signIn(page);
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('main').getByRole('link', { name: PRODUCTION, exact: true }).click();
  await expect(heading(page, PRODUCTION)).toBeVisible();
  await hydrated(page);
  await markDocument(page);

  // Switch with the header; the page is not reloaded.
  await switchInHeader(page, ON_PREMISES);
  await expectSameDocument(page);

  // "Add new user" adds Oscar here.
  await page.getByRole('button', { name: '+ Add new user' }).click();
  const add = page.getByRole('dialog', { name: 'Add new user' });
  await add.getByRole('combobox', { name: 'User' }).fill(OSCAR.email);
  await add.getByRole('button', { name: 'Add user' }).click();
  await expect(add).toHaveCount(0);
  await expect(toast(page, `Added ${OSCAR.email}`)).toBeVisible();
  expect(await search(page, OSCAR.email)).toEqual([OSCAR.name]);

  // A second action, from the row's ⋯ menu: Update gives Oscar an additional role here.
  expect((await tableRows(page))[0][2]).toBe('0');
  await page.getByRole('button', { name: `Actions for ${OSCAR.name}` }).click();
  await page.getByRole('menu', { name: `Actions for ${OSCAR.name}` }).getByRole('menuitem', { name: 'Update' }).click();
  const update = page.getByRole('dialog', { name: 'Update user' });
  await expect(update).toContainText(OSCAR.email);
  await update.getByLabel('Security Contact').check();
  await update.getByRole('button', { name: 'Save changes' }).click();
  await expect(update).toHaveCount(0);
  await expect(toast(page, 'Roles updated.')).toBeVisible();
  await expect.poll(async () => (await tableRows(page))[0][2]).toBe('1');

  // "+ Invite New Users" invites Ivy here.
  await page.getByRole('button', { name: '+ Invite New Users' }).click();
  const invite = page.getByRole('dialog', { name: 'Invite new users' });
  await expect(invite).toContainText(`join ${ON_PREMISES}`);
  await invite.getByLabel('Name').fill(invitee.name);
  await invite.getByLabel('Email').fill(invitee.email);
  await invite.getByRole('button', { name: 'Send invitation' }).click();
  await expect(invite).toHaveCount(0);
  await expect(toast(page, `Invitation sent to ${invitee.name}`)).toBeVisible();

  // "New Contact" saves Cora here, and "Invite to Community" in her row invites her.
  await page.getByRole('button', { name: 'New Contact' }).click();
  const newContact = page.getByRole('dialog', { name: 'New contact' });
  await newContact.getByLabel('First name').fill(contact.first);
  await newContact.getByLabel('Last name').fill(contact.last);
  await newContact.getByLabel('Primary email').fill(contact.email);
  await newContact.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(newContact).toHaveCount(0);
  await expect(toast(page, `Saved ${contactName}`)).toBeVisible();
  expect(await search(page, contact.email)).toEqual([contactName]);
  await page.getByRole('button', { name: `Invite to Community: ${contactName}` }).click();
  await expect(toast(page, 'Invitation to the Community sent')).toBeVisible();
  await expectSameDocument(page);

  // Back in Production (with the page's picker): none of it landed there.
  await switchInPicker(page, PRODUCTION);
  await expectSameDocument(page);
  expect(await search(page, OSCAR.email)).toEqual([]);
  expect(await search(page, contact.email)).toEqual([]);
  await page.getByRole('link', { name: 'Invitations', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Invitations' })).toBeVisible();
  await expect(page.getByRole('link', { name: `← ${PRODUCTION}` })).toBeVisible();
  await expect(page.getByRole('main')).not.toContainText(String(stamp));

  // On-Premises lists both invitations.
  await switchInHeader(page, ON_PREMISES);
  expect(await search(page, OSCAR.email)).toEqual([OSCAR.name]);
  await page.getByRole('link', { name: 'Invitations', exact: true }).click();
  await expect(page.getByRole('link', { name: `← ${ON_PREMISES}` })).toBeVisible();
  const invitations = page.getByRole('table', { name: 'Invitations, newest first' });
  await expect(invitations.getByRole('row', { name: new RegExp(invitee.name) })).toContainText(invitee.email);
  await expect(invitations.getByRole('row', { name: new RegExp(contactName) })).toContainText(contact.email);
});
