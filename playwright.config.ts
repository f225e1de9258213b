import { defineConfig } from '@playwright/test';
import { apiOrigin, pageOrigin } from './e2e/support/ports';
import { chromiumPath, launchArgs } from './src/testing/launch';

// End-to-end suite: Debian's Chromium with fake media devices (the puppet camera replaces
// getUserMedia per test; clip tests launch their own browser with a y4m/mjpeg file), the host
// page through Vite and the real endpoint on a temporary SQLite file (e2e/support/serve.ts).
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // A flow is consent → models → guidance → 3 challenges → embedding → submit: ~20 s on an
  // idle 2-core machine, several times that when the machine is shared.
  timeout: 300_000,
  expect: { timeout: 30_000 },
  // Two shared cores: one browser at a time keeps frame timing realistic.
  workers: 1,
  retries: process.env['CI'] ? 1 : 0,
  // Own folders: other Playwright configs in this repo clean test-results/ when they start.
  outputDir: '.cache/e2e/results',
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report/e2e' }]],
  use: {
    baseURL: pageOrigin,
    launchOptions: { executablePath: chromiumPath(), args: launchArgs() },
    screenshot: 'only-on-failure',
    trace: 'on-first-retry',
  },
  metadata: { endpoint: apiOrigin },
  webServer: {
    command: 'npx tsx e2e/support/serve.ts',
    url: `${apiOrigin}/v1/health`,
    // Never reuse: a server left running by an earlier checkout would serve stale code.
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
  },
});
