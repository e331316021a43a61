import { readFile } from 'node:fs/promises';
import { expect, Page, test } from './fixture';
import { DEMO_ACCOUNT, expectNoAxeViolations, hydrated, signIn, tableRows } from './helpers';

const importPage = `/accounts/${DEMO_ACCOUNT.id}/import`;

async function open(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
}

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test('CSV import: dry run with a report, download it, apply with progress, see the members', async ({ page }) => {
  // Reached from Manage Users' toolbar.
  await open(page, `/accounts/${DEMO_ACCOUNT.id}/users`);
  await page.getByRole('link', { name: 'Import CSV' }).click();
  await expect(page).toHaveURL(new RegExp(`${importPage}$`));
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Import members from a CSV file');

  // Three new contacts and one row with an unknown role; semicolons and a BOM, as a
  // spreadsheet saves them.
  const tag = `Imp${Date.now()}`;
  const email = (n: number) => `${tag.toLowerCase()}.${n}@northwind.example`;
  const csv =
    '\ufeffEmail;First name;Last name;Roles\r\n' +
    `${email(1)};${tag};One;General Support\r\n` +
    `${email(2)};${tag};Two;"Security Contact; Billing contact"\r\n` +
    `${email(3)};${tag};Three;license_contact\r\n` +
    `${email(4)};${tag};Four;Astronaut\r\n`;
  await page.getByLabel('CSV file').setInputFiles({ name: 'team.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Check the file' }).click();
  await expect(page).toHaveURL(/import=\d+/);
  await hydrated(page);

  // The dry run: counts, and a report row per line.
  await expect(page.getByRole('status').filter({ hasText: 'Dry run of 4 rows' })).toHaveText(
    'Dry run of 4 rows: 3 will be created, 0 updated, 0 unchanged, 1 with errors. Nothing has changed yet.',
  );
  const report = page.getByRole('table', { name: /Report of team\.csv/ });
  await expect(report).toBeVisible();
  await expect(report.getByRole('row', { name: new RegExp(`^2 ${email(1)} Will create`) })).toBeVisible();
  await expect(report.getByRole('row', { name: new RegExp(`^5 ${email(4)} Error There is no role "Astronaut"`) })).toBeVisible();
  await expectNoAxeViolations(page);

  // The report as CSV.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download the report' }).click();
  const text = await readFile((await (await download).path())!, 'utf8');
  expect(text.split('\n')[0]).toBe('Line,Email,Outcome,Applied,Message');
  expect(text).toContain(`2,${email(1)},Will create,No,`);
  expect(text).toContain(`5,${email(4)},Error,No,"There is no role ""Astronaut""."`);

  // Apply: the progress bar reaches the end, and a summary says what was done.
  await page.getByRole('button', { name: 'Apply: create 3 and update 0 members' }).click();
  const progress = page.getByRole('progressbar', { name: 'Applying rows' });
  await expect(progress).toHaveAttribute('value', '4');
  await expect(progress).toHaveAttribute('max', '4');
  await expect(page.getByRole('status').filter({ hasText: 'Import finished' })).toHaveText(
    'Import finished: 3 created, 0 updated, 0 unchanged, 1 with errors.',
  );
  await expect(report.getByRole('row', { name: new RegExp(`^2 ${email(1)} Created`) })).toBeVisible();

  // The members are in Manage Users.
  await page.getByRole('link', { name: 'Go to Manage Users' }).click();
  await hydrated(page);
  await page.getByLabel('Search Text').fill(tag);
  await expect
    .poll(async () => (await tableRows(page)).map((r) => r[0]).sort())
    .toEqual([`${tag} One`, `${tag} Three`, `${tag} Two`]);
});

test('CSV import: a file without an Email column is refused with the reason', async ({ page }) => {
  await open(page, importPage);
  await page
    .getByLabel('CSV file')
    .setInputFiles({ name: 'names.csv', mimeType: 'text/csv', buffer: Buffer.from('Name,Roles\nNina,Primary\n') });
  await page.getByRole('button', { name: 'Check the file' }).click();
  await expect(page).toHaveURL(/import=\d+/);
  await expect(page.getByRole('alert')).toContainText('The file has no Email column.');
  await expect(page.getByRole('button', { name: /^Apply/ })).toHaveCount(0);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('CSV import: check, apply and finish with plain forms', async ({ page }) => {
    await page.goto(importPage);
    const tag = `Nojs${Date.now()}`;
    const csv = `Email,First name,Last name\n${tag.toLowerCase()}.1@northwind.example,${tag},One\n`;
    await page.getByLabel('CSV file').setInputFiles({ name: 'nojs.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Check the file' }).click();
    await expect(page).toHaveURL(/import=\d+/);
    // The page cannot step the dry run itself: the person goes on with a button.
    await page.getByRole('button', { name: 'Go on checking' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Dry run of 1 rows' })).toContainText('1 will be created');
    await page.getByRole('button', { name: 'Apply: create 1 and update 0 members' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Import finished' })).toHaveText(
      'Import finished: 1 created, 0 updated, 0 unchanged, 0 with errors.',
    );
    await page.goto(`/accounts/${DEMO_ACCOUNT.id}/users?q=${tag.toLowerCase()}`);
    expect(await tableRows(page)).toHaveLength(1);
  });
});
