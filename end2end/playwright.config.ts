import { defineConfig } from '@playwright/test';

// The server is started by global-setup.ts on a free port with a fresh database; it
// hands the URL over through ROSTER_URL.
export default defineConfig({
  testDir: './tests',
  timeout: 45_000,
  // A hang fails the run in bounded time instead of using up CI's.
  globalTimeout: 15 * 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  globalSetup: './global-setup.ts',
  use: {
    baseURL: process.env.ROSTER_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
