import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './e2e/support/chromium';

// Browser tests of the engine and the element in real Chromium with real models.
// Test pages live in test-pages/ and are served by Vite with COOP/COEP.
const port = 5174;

export default defineConfig({
  testDir: 'src',
  testMatch: '**/*.pw.ts',
  timeout: 120_000,
  workers: 1,
  reporter: [['list']],
  outputDir: '.cache/browser/results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  webServer: {
    // Quiet Vite (no HMR, no file watching): edits elsewhere must not reload a page mid-test.
    command: `npx tsx bench/lib/serve.ts ${port}`,
    url: `http://127.0.0.1:${port}/test-pages/`,
    reuseExistingServer: !process.env['CI'],
    timeout: 120_000,
  },
});
