import { expect, Page, test } from './fixture';
import { DEMO_ACCOUNT, hydrated, PASSWORD, signIn, USERS } from './helpers';

/**
 * Collects what the page's Content-Security-Policy refused, from the moment the page is
 * first loaded: the `securitypolicyviolation` events and Chromium's console reports.
 */
async function recordCspViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  await page.exposeFunction('__rosterCspViolation', (what: string) => seen.push(what));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __rosterCspViolation: (w: string) => void }).__rosterCspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  return seen;
}

test('pages hydrate under the Content-Security-Policy without a violation', async ({ page }) => {
  const violations = await recordCspViolations(page);
  await signIn(page, USERS.operator);
  for (const path of [
    '/',
    `/accounts/${DEMO_ACCOUNT.id}/users`,
    `/accounts/${DEMO_ACCOUNT.id}/invitations`,
    `/accounts/${DEMO_ACCOUNT.id}/audit`,
    `/accounts/${DEMO_ACCOUNT.id}/cases`,
    '/notifications',
    '/settings',
    '/operator',
    '/mail',
    '/no-such-page',
  ]) {
    const res = await page.goto(path);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp, path).toMatch(/script-src [^;]*'nonce-/);
    expect(csp, path).toContain("frame-ancestors 'none'");
    await hydrated(page);
    expect(violations, path).toEqual([]);
  }
  // A page the hydrated app reaches by client-side navigation, with its own data.
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('link', { name: DEMO_ACCOUNT.name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: DEMO_ACCOUNT.name })).toBeVisible();
  expect(violations).toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a failed sign-in comes back with its message, once; the URL cannot put words on the page', async ({
    page,
  }) => {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(USERS.admin);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await expect(page.getByRole('alert')).toHaveText('The email or password is not right.');
    // What was typed comes back, but for the password.
    await expect(page.getByLabel('Email')).toHaveValue(USERS.admin);
    await expect(page.getByLabel('Password')).toHaveValue('');
    // Shown for the page load after the post only.
    await page.reload();
    await expect(page.getByText('The email or password is not right.')).toHaveCount(0);
    await expect(page.getByLabel('Email')).toHaveValue('');

    const forged = 'Your account is locked. Call +1 555 0100 to unlock it.';
    await page.goto(`/sign-in?error=${encodeURIComponent(forged)}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expect(page.getByText(forged)).toHaveCount(0);

    await page.getByLabel('Email').fill(USERS.admin);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('banner')).toContainText('Signed in as Adam Admin');
  });
});
