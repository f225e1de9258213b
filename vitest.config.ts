import { defineConfig } from 'vitest/config';

// Node-side unit and server tests. Browser tests (`*.pw.ts`) run under Playwright in real Chromium.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
