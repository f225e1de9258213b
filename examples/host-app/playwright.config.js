import { defineConfig } from '@playwright/test';
import { chromiumPath, launchArgs } from 'face-verify/testing';

// The endpoint from `npx face-verify serve` (data in ./data) and our own backend serving the
// built page. The browser: FV_CHROMIUM, /usr/bin/chromium, a Playwright-installed one, or Chrome.
export default defineConfig({
  testDir: 'tests',
  timeout: 300_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:4187',
    launchOptions: { executablePath: chromiumPath(), args: launchArgs() },
  },
  webServer: [
    {
      command: 'npx face-verify serve --port 8797 --origins http://127.0.0.1:4187',
      url: 'http://127.0.0.1:8797/v1/health',
      reuseExistingServer: false,
      timeout: 120_000,
    },
    {
      command: 'node server.js',
      url: 'http://127.0.0.1:4187/',
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
