// Headless Debian Chromium (never a downloaded browser) on a quiet Vite server.
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../e2e/support/chromium';
import { serve, type Served, type Middleware } from './serve';

export interface Session {
  browser: Browser;
  served: Served;
  open(path: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startSession(
  options: { extraArgs?: string[]; middleware?: Middleware } = {},
): Promise<Session> {
  const served = await serve(0, options.middleware);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumArgs, ...(options.extraArgs ?? [])],
  });
  return {
    browser,
    served,
    async open(path) {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await page.goto(served.url + path);
      await page.waitForFunction(() => document.body.dataset['ready'] === 'true', undefined, {
        timeout: 60_000,
      });
      return page;
    },
    async close() {
      await browser.close();
      await served.close();
    },
  };
}
