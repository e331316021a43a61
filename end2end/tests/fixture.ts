import { Browser, BrowserContext, test as base, Page } from '@playwright/test';

export { expect } from '@playwright/test';
export type { Browser, BrowserContext, Page } from '@playwright/test';

/**
 * Playwright's `test`, failing any test during which a page's WASM panicked, a script
 * threw without being caught, or the server answered a page's request with a 5xx. A panic leaves the page's WASM dead, and a journey that
 * has already checked what it came for would otherwise pass over one unseen. Every page
 * is watched: the test's own, and those of the contexts and pages it opens itself.
 */
export const test = base.extend<{ scriptFailures: void }>({
  scriptFailures: [
    async ({ browser, context }, use, testInfo) => {
      const failures: string[] = [];
      const watch = (page: Page) => {
        page.on('console', (m) => {
          if (m.type() === 'error' && m.text().includes('panicked')) failures.push(`${page.url()}: ${m.text().slice(0, 400)}`);
        });
        page.on('pageerror', (e) => failures.push(`${page.url()}: uncaught ${e.name}: ${e.message.slice(0, 400)}`));
        // Refusals are 4xx; a 5xx is the server failing, whatever the page then shows.
        page.on('response', (r) => {
          if (r.status() >= 500) failures.push(`${page.url()}: ${r.request().method()} ${r.url()} answered ${r.status()}`);
        });
      };
      const watchContext = (c: BrowserContext) => {
        c.pages().forEach(watch);
        c.on('page', watch);
        return c;
      };
      watchContext(context);
      const b = browser as Browser;
      const newContext = b.newContext;
      const newPage = b.newPage;
      b.newContext = async (...args) => watchContext(await newContext.apply(b, args));
      b.newPage = async (...args) => {
        const page = await newPage.apply(b, args);
        watch(page);
        return page;
      };
      try {
        await use();
      } finally {
        b.newContext = newContext;
        b.newPage = newPage;
      }
      if (failures.length > 0) {
        testInfo.annotations.push({ type: 'script failures', description: failures.join('\n') });
        throw new Error(`a page's script failed during the test:\n${failures.join('\n')}`);
      }
    },
    { auto: true },
  ],
});
