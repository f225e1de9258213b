// The suite's web server (playwright.config.ts `webServer`): the host page and the demo through
// Vite (COOP/COEP from vite.config.ts) and the real endpoint on a temporary SQLite file.
//   FV_E2E_PAGE_PORT (5190), FV_E2E_API_PORT (5191)
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { startE2eEndpoint } from './endpoint';
import { API_PORT, PAGE_PORT, pageOrigin } from './ports';

const root = fileURLToPath(new URL('../../', import.meta.url));

const endpoint = await startE2eEndpoint({
  origins: [pageOrigin, `http://localhost:${PAGE_PORT}`],
  port: API_PORT,
});
const vite = await createServer({
  root,
  configFile: `${root}vite.config.ts`,
  logLevel: 'warn',
  // Own dependency cache: other Vite servers of this repo (browser tests) optimise different
  // entries, and a shared cache changes hashes under a running page.
  cacheDir: 'node_modules/.vite-e2e',
  clearScreen: false,
  // Scan the pages up front: a dependency discovered mid-test would make Vite reload the page.
  // ORT is not a dependency of the pages: the worker imports it from public/runtime/ort/.
  optimizeDeps: {
    entries: ['e2e/host/index.html', 'test-pages/fake-camera/index.html', 'demo/**/*.html'],
  },
  server: { host: '127.0.0.1', port: PAGE_PORT, strictPort: true, hmr: false },
});
await vite.listen();
console.log(`e2e page ${pageOrigin}/e2e/host/  endpoint ${endpoint.url}  db ${endpoint.dbPath}`);

const stop = (): void => {
  void Promise.allSettled([vite.close(), endpoint.close()]).then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
