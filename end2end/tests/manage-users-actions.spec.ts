import ExcelJS from 'exceljs';
import { expect, Page, test } from './fixture';
import { createContact, DEMO_ACCOUNT, expectNoAxeViolations, hydrated, signIn, tableRows } from './helpers';

const usersPage = `/accounts/${DEMO_ACCOUNT.id}/users`;

async function open(page: Page, query = '') {
  await page.goto(`${usersPage}${query}`);
  await hydrated(page);
}


test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test('a role count in the overview filters the list to that role', async ({ page }) => {
  await open(page);
  const overview = page.getByRole('region', { name: 'Account overview' });
  const link = overview.getByRole('link', { name: /^Security Contact \d+$/ });
  const count = Number((await link.textContent())!.replace(/\D/g, ''));
  expect(count).toBeGreaterThan(0);
  await link.click();
  await expect(page).toHaveURL(/role=security_contact/);
  await expect(page.getByRole('table')).toHaveAccessibleName('Users with role Security Contact');
  expect(await tableRows(page)).toHaveLength(Math.min(count, 25));
  await expect(overview.getByRole('link', { name: /^Security Contact/ })).toHaveAttribute('aria-current', 'true');
  await expectNoAxeViolations(page);
});

test('a Name column filter combines with Search Text, and clears', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Filter Name' }).click();
  const popover = page.getByRole('dialog', { name: 'Filter by Name' });
  await popover.getByLabel('Search values').fill('adam admin');
  await popover.getByRole('checkbox', { name: 'Adam Admin' }).check();
  await expectNoAxeViolations(page, '.popover');
  await popover.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/name=Adam\+Admin/);
  await expect(page.getByRole('link', { name: 'Remove filter Name: Adam Admin' })).toBeVisible();
  await expect.poll(async () => (await tableRows(page)).map((r) => r[0])).toEqual(['Adam Admin']);

  await page.getByLabel('Search Text').fill('zzzz-nobody');
  await expect(page.getByText('No users match this view.')).toBeVisible();
  await page.getByLabel('Search Text').fill('');
  await expect.poll(async () => (await tableRows(page)).length).toBe(1);

  await page.getByRole('link', { name: 'Remove filter Name: Adam Admin' }).click();
  await expect.poll(async () => (await tableRows(page)).length).toBe(25);
  await expect(page).not.toHaveURL(/name=/);
});

test('the dialogs\' code is not part of the page: it is fetched once, when the pointer comes to their buttons', async ({ page }) => {
  const wasm: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) wasm.push(path);
  });
  await open(page);
  // The page is live with its own WASM only.
  expect(wasm).toHaveLength(1);
  const dialogs = page.waitForRequest((r) => /\/pkg\/split_dialog_view_[^/]+\.wasm$/.test(new URL(r.url()).pathname));
  const add = page.getByRole('button', { name: '+ Add new user' });
  await add.hover();
  await dialogs;
  await add.click();
  await expect(page.getByRole('dialog', { name: 'Add new user' })).toBeVisible();
  // The dialogs' file (with the column filters' and the bulk bar's, fetched with it, and
  // pieces they share with the other pages' file), not the other pages' file.
  const loaded = wasm.length;
  expect(wasm.slice(1).filter((p) => /split_page_view/.test(p))).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Add new user' })).toBeHidden();
  await page.getByRole('button', { name: '+ Invite New Users' }).click();
  await expect(page.getByRole('dialog', { name: 'Invite new users' })).toBeVisible();
  expect(wasm).toHaveLength(loaded);
});

test('Add new user: type-ahead, Cloud Specialist with a specific project', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: '+ Add new user' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add new user' });
  await dialog.getByRole('combobox', { name: 'User' }).pressSequentially('Nina', { delay: 30 });
  await dialog.getByRole('option', { name: /Nina Newcomer/ }).click();
  await expect(dialog.getByRole('checkbox', { name: 'General Support' })).toBeChecked();
  await expect(dialog.getByRole('checkbox', { name: 'General Support' })).toBeDisabled();
  await expect(dialog.getByRole('group', { name: 'Cloud affiliation' })).toHaveCount(0);
  await dialog.getByRole('checkbox', { name: 'Cloud Specialist' }).check();
  const cloud = dialog.getByRole('group', { name: 'Cloud affiliation' });
  await expect(cloud.getByRole('radio', { name: 'All projects' })).toBeChecked();
  await expect(cloud.getByLabel('Environment type')).toHaveValue('non-production');
  await cloud.getByRole('radio', { name: 'Specific projects' }).check();
  await cloud.getByRole('checkbox', { name: 'analytics' }).check();
  await cloud.getByLabel('Environment type').selectOption('production');
  await expectNoAxeViolations(page, 'dialog');
  await dialog.getByRole('button', { name: 'Add user' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'Added Nina Newcomer' })).toBeVisible();

  await page.getByLabel('Search Text').fill('nina.newcomer');
  await expect.poll(async () => (await tableRows(page)).map((r) => r[0])).toEqual(['Nina Newcomer']);
  expect((await tableRows(page))[0][2]).toBe('1');
  await page.getByRole('button', { name: 'Nina Newcomer', exact: true }).click();
  const details = page.getByRole('dialog', { name: 'User details' });
  await expect(details).toContainText('Cloud Specialist');
  await expect(details).toContainText('1 project(s); Production');
  await expect(details).toContainText('Added by');
  await expect(details).toContainText('Adam Admin');
  await expect(details.getByRole('table')).toContainText('Added to the account');
  await expectNoAxeViolations(page, 'dialog');
  await page.keyboard.press('Escape');
  await expect(details).toHaveCount(0);
});

test('adding an unregistered email or an existing member is refused with a clear message', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: '+ Add new user' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add new user' });
  const user = dialog.getByRole('combobox', { name: 'User' });
  await user.fill('uma.unregistered@northwind.example');
  await dialog.getByRole('button', { name: 'Add user' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('This user must be registered in the Community');
  await user.fill('adam.admin@northwind.example');
  await dialog.getByRole('button', { name: 'Add user' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Adam Admin is already a member of this account.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
});

test('Update roles from the Actions menu, by keyboard', async ({ page }) => {
  await open(page, '?q=carla.contact');
  await expect.poll(async () => (await tableRows(page)).map((r) => r[0])).toEqual(['Carla Contact']);
  const before = Number((await tableRows(page))[0][2]);
  const menuButton = page.getByRole('button', { name: 'Actions for Carla Contact' });
  await menuButton.focus();
  await page.keyboard.press('Enter');
  const menu = page.getByRole('menu', { name: 'Actions for Carla Contact' });
  await expect(menu.getByRole('menuitem', { name: 'Update' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Deactivate login' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect(menuButton).toBeFocused();
  await page.keyboard.press('Enter');
  // The menu moves focus to its first item once open; a key pressed before that lands nowhere.
  await expect(menu.getByRole('menuitem', { name: 'Update' })).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Update user' });
  await dialog.getByRole('checkbox', { name: 'Billing contact' }).check();
  await expectNoAxeViolations(page, 'dialog');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'Roles updated.' })).toBeVisible();
  await expect.poll(async () => Number((await tableRows(page))[0][2])).toBe(before + 1);
});

test('the Actions menu wraps with the arrows, goes to its ends with Home and End, is open on one row at a time and closes on Tab', async ({ page }) => {
  await open(page);
  const rows = page.getByRole('table').getByRole('row');
  // A row below the first row's open menu, which covers the next few.
  await expect.poll(() => rows.count()).toBeGreaterThan(6);
  const [first, second] = [rows.nth(1), rows.last()];
  const firstMenu = first.getByRole('menu');
  await first.getByRole('button', { name: /^Actions for / }).focus();
  await page.keyboard.press('ArrowUp');
  await expect(firstMenu.getByRole('menuitem', { name: 'Remove' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(firstMenu.getByRole('menuitem', { name: 'Update' })).toBeFocused();
  await page.keyboard.press('End');
  await expect(firstMenu.getByRole('menuitem', { name: 'Remove' })).toBeFocused();
  await page.keyboard.press('Home');
  await expect(firstMenu.getByRole('menuitem', { name: 'Update' })).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(firstMenu.getByRole('menuitem', { name: 'Remove' })).toBeFocused();
  const secondButton = second.getByRole('button', { name: /^Actions for / });
  await secondButton.click();
  await expect(second.getByRole('menu')).toBeVisible();
  await expect(firstMenu).toHaveCount(0);
  await expect(secondButton).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByRole('menu')).toHaveCount(1);
  await page.getByRole('heading', { level: 1 }).click();
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect(secondButton).toHaveAttribute('aria-expanded', 'false');
  // Tab leaves an open menu, which closes.
  await secondButton.focus();
  await page.keyboard.press('Enter');
  await expect(second.getByRole('menuitem', { name: 'Update' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect(secondButton).toHaveAttribute('aria-expanded', 'false');
});

test('Remove asks with the exact confirmation, then the member is gone', async ({ page }) => {
  await open(page, '?sort=email&dir=desc');
  const [victim, email] = (await tableRows(page))[0];
  const row = page.getByRole('row').filter({ hasText: email });
  await row.getByRole('button', { name: `Actions for ${victim}` }).click();
  await row.getByRole('menuitem', { name: 'Remove' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove user' });
  await expect(dialog).toContainText(
    `Removing ${victim} will remove them as a contact or follower on all open and resolved cases for this account. Are you sure you want to continue?`,
  );
  await expectNoAxeViolations(page, 'dialog');
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Removed ${victim}.` })).toBeVisible();
  await expect.poll(async () => (await tableRows(page)).map((r) => r[1])).not.toContain(email);
});

test('Active Login: deactivate, find under Show inactive, reactivate', async ({ page }) => {
  await open(page, '?q=carla.contact');
  await expect.poll(async () => (await tableRows(page)).length).toBe(1);
  const toggle = page.getByRole('switch', { name: 'Active Login for Carla Contact' });
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await toggle.click();
  const dialog = page.getByRole('dialog', { name: 'Deactivate login' });
  await expect(dialog).toBeVisible();
  await expectNoAxeViolations(page, 'dialog');
  await dialog.getByRole('button', { name: 'Deactivate' }).click();
  await expect(page.getByText('No users match this view.')).toBeVisible();

  await page.getByRole('switch', { name: /Show inactive/ }).check();
  await expect(page).toHaveURL(/status=inactive/);
  await expect(page.getByRole('table')).toHaveAccessibleName(/Inactive users/);
  await expect.poll(async () => (await tableRows(page)).map((r) => r[0])).toEqual(['Carla Contact']);
  await page.getByRole('switch', { name: 'Active Login for Carla Contact' }).click();
  await page.getByRole('dialog', { name: 'Reactivate login' }).getByRole('button', { name: 'Reactivate' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reactivated Carla Contact.' })).toBeVisible();
  await page.getByRole('switch', { name: /Show inactive/ }).uncheck();
  await expect.poll(async () => (await tableRows(page)).map((r) => r[0])).toEqual(['Carla Contact']);
});

test('Export to Excel downloads a real spreadsheet of the current view', async ({ page }) => {
  await open(page, '?q=adam.admin');
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export to Excel' }).click();
  const file = await (await download).path();
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(file!);
  const sheet = book.worksheets[0];
  expect(sheet.getRow(1).getCell(1).value).toBe('Name');
  expect(sheet.getRow(2).getCell(1).value).toBe('Adam Admin');
  expect(sheet.getRow(2).getCell(2).value).toBe('adam.admin@northwind.example');
  expect(sheet.rowCount).toBe(2);
});

test('bulk: change roles of the selected rows, with one confirmation and a summary', async ({ page }) => {
  // Two members of this test's own, holding only the default role.
  const tag = `Bulk${Date.now()}`;
  await createContact(page, tag, 'One');
  await createContact(page, tag, 'Two');
  await open(page, `?q=${tag.toLowerCase()}`);
  await expect.poll(async () => (await tableRows(page)).map((r) => r[0])).toEqual([`${tag} One`, `${tag} Two`]);
  for (const name of [`${tag} One`, `${tag} Two`]) {
    await page.getByRole('checkbox', { name: `Select ${name}` }).check();
  }
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await expect(bar).toContainText('2 users selected.');
  await bar.getByRole('button', { name: 'Change roles' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change roles' });
  await dialog.getByRole('radio', { name: 'Add these roles' }).check();
  await dialog.getByRole('checkbox', { name: 'License contact' }).check();
  await expectNoAxeViolations(page, 'dialog');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(dialog.getByRole('status')).toHaveText('Changed 2 users.');
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  await expect(bar).toHaveCount(0);
  await expect.poll(async () => (await tableRows(page)).map((r) => r[2])).toEqual(['1', '1']);
});

test('the rows show the selection: the page box checks them all, and a chosen row stays chosen across pages', async ({ page }) => {
  await open(page, '?size=10');
  const rowBoxes = page.getByRole('table').locator('tbody').getByRole('checkbox');
  await expect(rowBoxes).toHaveCount(10);
  const first = rowBoxes.first();
  const firstName = (await first.getAttribute('aria-label'))!;
  await first.check();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await expect(bar).toContainText('1 user selected.');

  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page.getByRole('checkbox', { name: firstName })).toHaveCount(0);
  await page.getByRole('checkbox', { name: 'Select all users on this page' }).check();
  for (const box of await rowBoxes.all()) await expect(box).toBeChecked();
  await expect(bar).toContainText('11 users selected.');

  await page.goBack();
  await expect(page.getByRole('checkbox', { name: firstName })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Select all users on this page' })).not.toBeChecked();
  await page.getByRole('checkbox', { name: firstName }).uncheck();
  await expect(bar).toContainText('10 users selected.');
});

test('the audit history lists what was done', async ({ page }) => {
  const tag = `Audit${Date.now()}`;
  await createContact(page, tag, 'Probe');
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/audit`);
  const entry = page.getByRole('row').filter({ hasText: `${tag} Probe` });
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText('New contact created');
  await expect(entry).toContainText('Adam Admin');
  await expectNoAxeViolations(page);
});

test('a dialog chosen before the account overview has come still opens', async ({ page }) => {
  // A slow server: the overview the dialogs use arrives 1.5 s after the page is live.
  // A click in that time used to open nothing at all.
  await page.route('**/api/overview', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await open(page);
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: /^Actions for / }) }).first();
  await row.getByRole('button', { name: /^Actions for / }).click();
  await row.getByRole('menuitem', { name: 'Remove' }).click();
  const remove = page.getByRole('dialog', { name: 'Remove user' });
  await expect(remove).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(remove).toBeHidden();
  await row.getByRole('button', { name: /^Actions for / }).click();
  await row.getByRole('menuitem', { name: 'Update' }).click();
  await expect(page.getByRole('dialog', { name: 'Update user' })).toBeVisible();
});
