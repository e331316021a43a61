import { expect, test } from './fixture';
import { expectNoAxeViolations, hydrated, registerPerson, signIn, USERS } from './helpers';

test('a partner member asks for access and an approver approves it from the decision page', async ({ page, browser }) => {
  // A new colleague at the partner: registered, in no deployment yet.
  const email = `rita.${Date.now()}@initech.example`;
  await registerPerson(page, 'Rita Requester', email);
  await page.goto('/deployments');
  await page.getByRole('link', { name: 'Request access to Contoso Research' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Access requests' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByLabel('Org IDs of the deployments (one per line)')).toHaveValue('CH-2002');
  await page.getByLabel('Support access level').selectOption({ label: 'Technical support: Cases and security notices.' });
  await page.getByLabel('Reason').fill('Covering the Contoso night shift.');
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Requested Technical support on CH-2002; its approver was emailed.' })).toBeVisible();
  const mine = page.getByRole('region', { name: 'My requests' });
  await expect(mine.getByRole('row', { name: /Contoso Research/ })).toContainText('Waiting for approval');
  await expectNoAxeViolations(page);

  // A bad Org ID is named; nothing is filed.
  await page.getByLabel('Org IDs of the deployments (one per line)').fill('ZZ-0000');
  await page.getByLabel('Reason').fill('Typo.');
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'ZZ-0000: not a deployment Initech Partners supports.' })).toBeVisible();

  // Alex approves for every deployment of the partner: the header counts what waits.
  const alexContext = await browser.newContext({ baseURL: process.env.ROSTER_URL });
  const alex = await alexContext.newPage();
  await signIn(alex, USERS.approver);
  await alex.goto('/');
  await alex.getByRole('banner').getByRole('link', { name: /^Approvals\s*,\s*\d+ waiting$/ }).click();
  await expect(alex.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible();
  const inbox = alex.getByRole('region', { name: 'Requests waiting for a decision' });
  await expect(inbox.getByRole('row', { name: /Rita Requester/ })).toContainText('Covering the Contoso night shift.');
  await expectNoAxeViolations(alex);

  // The email's link opens the decision page: opening it decides nothing.
  await inbox.getByRole('link', { name: 'Rita Requester' }).click();
  await expect(alex.getByRole('heading', { level: 1, name: 'Access request' })).toBeVisible();
  await hydrated(alex);
  await expect(alex.getByText('Waiting for approval')).toBeVisible();
  await expectNoAxeViolations(alex);
  await alex.getByRole('button', { name: 'Approve' }).click();
  await expect(alex.getByRole('status').filter({ hasText: 'Approved: Rita Requester now has Technical support on Contoso Research.' })).toBeVisible();
  await alex.reload();
  await expect(alex.getByText(/This request was already approved by Alex Approver at \d{4}-\d\d-\d\d \d\d:\d\d UTC\./)).toBeVisible();
  await expect(alex.getByRole('button', { name: 'Approve' })).toHaveCount(0);

  // Rita sees the decision, and the access.
  await page.reload();
  await expect(mine.getByRole('row', { name: /Contoso Research/ })).toContainText('Approved by Alex Approver');
  await page.goto('/deployments');
  await expect(page.getByRole('row', { name: /CH-2002/ })).toContainText('Technical support');
  await alexContext.close();
});

test('the decision page of a request someone may not decide says so', async ({ page }) => {
  await signIn(page, USERS.admin);
  await page.goto('/approvals');
  await expect(page.getByText('You do not have access to this feature.')).toBeVisible();
  await page.goto('/approvals/1');
  await expect(page.getByText('There is no such access request for you.')).toBeVisible();
});

test('a vendor operator designates an approver for one deployment and revokes them', async ({ page }) => {
  await signIn(page, USERS.operator);
  await page.goto('/operator');
  await hydrated(page);
  const section = page.getByRole('region', { name: 'Approvers of partners’ access requests' });
  await expect(section.getByRole('region', { name: 'Approvers of Initech Partners' })).toContainText('Alex Approver');
  await section.getByLabel('Partner', { exact: true }).selectOption({ label: 'Initech Partners' });
  await section.getByLabel('Email of the partner’s person').fill(USERS.partner);
  await section.getByLabel('Org ID of one deployment (empty: every deployment)').fill('GX-3002');
  await section.getByRole('button', { name: 'Designate approver' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Paula Partner now approves access requests for Globex Records.' })).toBeVisible();
  const revoke = section.getByRole('button', { name: 'Revoke Paula Partner for Globex Records (GX-3002)' });
  await expect(revoke).toBeVisible();
  await expectNoAxeViolations(page);

  // Someone who is not the partner's is refused, named.
  await section.getByLabel('Email of the partner’s person').fill(USERS.admin);
  await section.getByRole('button', { name: 'Designate approver' }).click();
  await expect(page.getByText(`${USERS.admin} is not a registered person of Initech Partners.`)).toBeVisible();

  await revoke.click();
  await expect(page.getByRole('status').filter({ hasText: 'Paula Partner no longer approves access requests for Globex Records.' })).toBeVisible();
  await expect(revoke).toHaveCount(0);
});

test('an approver declines from the inbox, an approver’s own request is approved at once, an expired one shows so', async ({ page, browser }) => {
  // A colleague asks; Alex declines from the inbox with one click.
  const email = `rex.${Date.now()}@initech.example`;
  await registerPerson(page, 'Rex Rejected', email);
  await page.goto('/access-requests?org=GX-3002');
  await hydrated(page);
  await page.getByLabel('Support access level').selectOption({ label: 'Full support: Cases, security notices, billing and licences.' });
  await page.getByLabel('Reason').fill('Curious.');
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Requested Full support on GX-3002; its approver was emailed.' })).toBeVisible();

  const alexContext = await browser.newContext({ baseURL: process.env.ROSTER_URL });
  const alex = await alexContext.newPage();
  await signIn(alex, USERS.approver);
  await alex.goto('/approvals');
  await hydrated(alex);
  await alex.getByRole('button', { name: 'Decline Rex Rejected' }).click();
  await expect(alex.getByRole('status').filter({ hasText: 'Declined: Rex Rejected does not get Full support on Globex Records.' })).toBeVisible();
  await expect(alex.getByRole('button', { name: 'Decline Rex Rejected' })).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('region', { name: 'My requests' }).getByRole('row', { name: /Globex Records/ })).toContainText('Declined by Alex Approver');

  // Alex's own request, on a deployment he approves for: approved at once.
  await alex.goto('/access-requests?org=CH-2002');
  await hydrated(alex);
  await alex.getByLabel('Support access level').selectOption({ label: 'Case handling: Open and follow support cases.' });
  await alex.getByLabel('Reason').fill('Escalations.');
  await alex.getByRole('button', { name: 'Send request' }).click();
  await expect(alex.getByRole('status').filter({ hasText: 'Alex Approver now has Case handling on CH-2002 (you approve requests there).' })).toBeVisible();
  await expect(alex.getByRole('region', { name: 'My requests' }).getByRole('row', { name: /Contoso Research/ })).toContainText('Approved by Alex Approver');
  await alexContext.close();

  // Paula's request of three weeks ago expired without a decision: her list says so.
  await signIn(page, USERS.partner);
  await page.goto('/access-requests');
  await expect(page.getByRole('region', { name: 'My requests' }).getByRole('row', { name: /Contoso Research/ })).toContainText(/Expired on \d{4}-\d\d-\d\d without a decision/);
});
