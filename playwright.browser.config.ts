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
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  webServer: {
    command: `npx vite --port ${port} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${port}/test-pages/`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
  },
});
