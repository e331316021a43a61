import { expect, test } from './fixture';
import { DEMO_ACCOUNT, expectNoAxeViolations, follow, fromSite, hydrated, registerPerson, signIn, USERS } from './helpers';

/**
 * The life of a case (SPEC F20, F11): a new member raises it, the administrator follows
 * it and asks for pulse emails, the member posts, the administrator is notified and
 * emailed; the administrator posts back, then removes the member, who loses the case,
 * its pulse feed and their notifications while the administrator becomes its primary
 * contact.
 */
test('raise, follow, post, be notified; removal takes the member off the case', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const stamp = `${Date.now()}`;
  const name = `Rita Raiser${stamp}`;
  const email = `rita.${stamp}@northwind.example`;
  const title = `Printer on fire ${stamp}`;

  // Rita registers; the administrator adds her to the demo account.
  const rita = await browser.newPage();
  await registerPerson(rita, name, email);
  await signIn(page);
  const added = await page.request.post('/api/members/add', {
    headers: { ...fromSite(), 'Content-Type': 'application/json' },
    data: { account: DEMO_ACCOUNT.id, person: { Email: email }, change: { roles: [], cloud: null } },
  });
  expect(added.status(), await added.text()).toBe(200);

  // Rita raises a case and lands on its page.
  await rita.goto('/');
  await rita.getByRole('link', { name: `Raise a case on ${DEMO_ACCOUNT.name}` }).click();
  await hydrated(rita);
  await rita.getByLabel('What is the problem?').fill(title);
  await rita.getByLabel('Details (optional)').fill('Smoke since this morning.');
  await rita.getByRole('button', { name: 'Raise case' }).click();
  await expect(rita.getByRole('heading', { level: 1, name: new RegExp(`C-\\d+: ${title}`) })).toBeVisible();
  await expect(rita.getByRole('status').filter({ hasText: /Case C-\d+ is open\. You are its primary contact\./ })).toBeVisible();
  const caseUrl = new URL(rita.url());
  caseUrl.search = '';
  const number = (await rita.getByRole('heading', { level: 1 }).textContent())!.split(':')[0];

  // The administrator finds it in the case list, follows it and asks for pulse emails.
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/cases`);
  await hydrated(page);
  // Two characters look through a stretch of cases per page, and say so.
  await page.getByLabel('Search Text').fill('zq');
  await expect(page.getByText('One or two characters look through 20,000 cases per page; type a third to search every case at once.')).toBeVisible();
  await page.getByLabel('Search Text').fill(stamp);
  await expect(page.getByText(/One or two characters look through/)).toHaveCount(0);
  const row = page.getByRole('row', { name: new RegExp(title) });
  await expect(row).toContainText('Open');
  await expect(row).toContainText(name);
  await expectNoAxeViolations(page);
  await row.getByRole('link', { name: number }).click();
  await expect(page.getByRole('heading', { level: 1, name: `${number}: ${title}` })).toBeVisible();
  await hydrated(page);
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Unfollow' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'People on this case' })).toContainText('Adam Admin');
  await expectNoAxeViolations(page);
  await page.goto('/settings');
  await hydrated(page);
  await page.getByLabel('Email me each pulse message on cases I am on or follow').check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'You will get an email' })).toBeVisible();

  // Rita posts; the administrator is notified and emailed, Rita is not.
  await rita.goto(caseUrl.href);
  await hydrated(rita);
  await rita.getByLabel('Write a message').fill(`Still on fire ${stamp}`);
  await rita.getByRole('button', { name: 'Post' }).click();
  await expect(rita.getByRole('list', { name: 'Messages, oldest first' })).toContainText(`Still on fire ${stamp}`);
  await expect(rita.getByRole('link', { name: /^Notifications\s*,\s*\d+ unread$/ })).toHaveCount(0);

  await page.goto('/notifications');
  await hydrated(page);
  await expect(page.getByRole('link', { name: /^Notifications\s*,\s*\d+ unread$/ })).toBeVisible();
  const note = page.getByRole('listitem').filter({ hasText: `Still on fire ${stamp}` });
  await expect(note).toContainText(name);
  await expectNoAxeViolations(page);
  await note.getByRole('link', { name: `${number} ${title}` }).click();
  await expect(page.getByRole('list', { name: 'Messages, oldest first' })).toContainText(`Still on fire ${stamp}`);

  const operator = await browser.newPage();
  await signIn(operator, USERS.operator);
  await operator.goto(`/mail?to=${encodeURIComponent(USERS.admin)}`);
  await expect(operator.getByRole('heading', { level: 2, name: `${name} posted on ${number}: ${title}` })).toBeVisible();

  // The administrator answers, which notifies Rita.
  await hydrated(page);
  await page.getByLabel('Write a message').fill(`On our way ${stamp}`);
  await page.getByRole('button', { name: 'Post' }).click();
  await expect(page.getByRole('list', { name: 'Messages, oldest first' })).toContainText(`On our way ${stamp}`);
  await rita.goto('/notifications');
  await expect(rita.getByRole('listitem').filter({ hasText: `On our way ${stamp}` })).toBeVisible();

  // The administrator removes Rita in Manage Users.
  await page.goto(`/accounts/${DEMO_ACCOUNT.id}/users?q=${encodeURIComponent(email)}`);
  await hydrated(page);
  const member = page.getByRole('row').filter({ hasText: email });
  await member.getByRole('button', { name: `Actions for ${name}` }).click();
  await member.getByRole('menuitem', { name: 'Remove' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove user' });
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Removed ${name}.` })).toBeVisible();

  // Rita lost the case, its pulse feed and her notifications.
  await rita.goto(caseUrl.href);
  await expect(rita.getByRole('alert')).toContainText('You are not a member of an Account');
  await expect(rita.getByText(`Still on fire ${stamp}`)).toHaveCount(0);
  await rita.goto('/notifications');
  await expect(rita.getByText(`On our way ${stamp}`)).toHaveCount(0);

  // The open case's primary contact is now the administrator.
  await page.goto(caseUrl.href);
  const people = page.getByRole('region', { name: 'People on this case' });
  await expect(people.getByRole('definition').first()).toContainText('Adam Admin');
  await expect(people).not.toContainText(name);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a member raises a case, posts on it and finds it in the case list', async ({ page }) => {
    const stamp = `${Date.now()}`;
    const title = `Scanner jams ${stamp}`;
    await signIn(page, USERS.contact);
    await page.goto(`/accounts/${DEMO_ACCOUNT.id}/cases/new`);
    await page.getByLabel('What is the problem?').fill(title);
    await page.getByRole('button', { name: 'Raise case' }).click();
    await expect(page.getByRole('heading', { level: 1, name: new RegExp(`C-\\d+: ${title}`) })).toBeVisible();

    await page.getByLabel('Write a message').fill(`Paper everywhere ${stamp}`);
    await page.getByRole('button', { name: 'Post' }).click();
    await expect(page.getByRole('list', { name: 'Messages, oldest first' })).toContainText(`Paper everywhere ${stamp}`);
    // A resolved case takes no posts until it is reopened.
    await page.getByRole('button', { name: 'Resolve case' }).click();
    await expect(page.getByRole('paragraph').filter({ hasText: 'This case is resolved. Reopen it to post.' })).toBeVisible();
    await page.getByRole('button', { name: 'Reopen case' }).click();
    await expect(page.getByLabel('Write a message')).toBeVisible();

    await page.goto(`/accounts/${DEMO_ACCOUNT.id}/cases`);
    await expect(page.getByRole('table')).toHaveAccessibleName('Cases you are on');
    await page.getByLabel('Search Text').fill(stamp);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(new RegExp(`q=${stamp}`));
    await expect(page.getByRole('row', { name: new RegExp(title) })).toBeVisible();
    await page.getByRole('link', { name: 'Title' }).click();
    await expect(page).toHaveURL(/sort=title/);
    await expect(page.getByRole('columnheader', { name: 'Title' })).toHaveAttribute('aria-sort', 'ascending');
    await expect(page.getByRole('row', { name: new RegExp(title) })).toBeVisible();
  });
});

test('the cases of an account one may not see: the refusal, once, and no search box', async ({ page }) => {
  await signIn(page, USERS.admin);
  for (const load of ['server', 'browser'] as const) {
    if (load === 'server') {
      await page.goto('/accounts/999999/cases');
    } else {
      // Followed inside the app: the browser loads the list itself.
      await page.goto(`/accounts/${DEMO_ACCOUNT.id}/cases`);
      await hydrated(page);
      await follow(page, '/accounts/999999/cases');
      await expect(page).toHaveURL('/accounts/999999/cases');
    }
    await expect(page.getByRole('alert')).toHaveCount(1);
    await expect(page.getByRole('alert')).toContainText('You are not a member of an Account');
    await expect(page.getByRole('search')).toHaveCount(0);
  }
});
