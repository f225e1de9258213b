// Vite dev server for benchmarks (and local browser-test runs) with file watching and HMR off:
// other people's edits must not reload a page in the middle of a measurement.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type ViteDevServer } from 'vite';

/** Connect-style handler mounted before Vite's own (e.g. to serve a data set outside the repo). */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serve(port = 0, middleware?: Middleware): Promise<Served> {
  const server: ViteDevServer = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    server: { port, strictPort: port !== 0, host: '127.0.0.1', hmr: false, watch: null },
    plugins: middleware
      ? [{ name: 'bench-middleware', configureServer: (s) => void s.middlewares.use(middleware) }]
      : [],
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite did not bind a TCP port');
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

// `tsx bench/lib/serve.ts [port]` keeps a quiet server up, e.g. on 5174 for Playwright to reuse.
if (import.meta.url === `file://${process.argv[1]}`) {
  const served = await serve(Number(process.argv[2] ?? 5174));
  console.log(`serving ${served.url} (no HMR)`);
}
