// `npm start`: the real endpoint (src/server/main.ts, data in ./data/) plus a Vite dev server for
// the demo with COOP/COEP. The demo talks to the endpoint same-origin through `/fv`; library
// management goes through `/fv-admin`, where this process adds the operator key so the key never
// reaches the browser (a local-demo convenience; production operators call the API server-side).
//
//   npm start                      # demo on http://127.0.0.1:5173/demo/
//   FV_DEMO_PORT=5180 FV_PORT=8790 npm start
//
// Ctrl-C stops both.

import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { manifestModelIds } from '../src/server/config';
import { startServer, type RunningServer } from '../src/server/main';

const root = fileURLToPath(new URL('../', import.meta.url));

export interface Demo {
  url: string;
  endpoint: RunningServer;
  vite: ViteDevServer;
  close(): Promise<void>;
}

/** The embedding model id the browser engine reports (the endpoint's default `modelIds`). */
export function embeddingModelId(): string | null {
  try {
    return manifestModelIds()[0] ?? null;
  } catch {
    return null;
  }
}

export async function startDemo(
  options: { demoPort?: number; endpointPort?: number; dataDir?: string; quiet?: boolean } = {},
): Promise<Demo> {
  const env = process.env;
  const demoPort = options.demoPort ?? Number(env['FV_DEMO_PORT'] ?? 5173);
  const origins = [`http://127.0.0.1:${demoPort}`, `http://localhost:${demoPort}`];
  const endpoint = await startServer({
    port: options.endpointPort ?? Number(env['FV_PORT'] ?? 8787),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    configOverrides: {
      origins: [...new Set([...(env['FV_ORIGINS']?.split(',') ?? []), ...origins])],
    },
    ...(options.quiet ? { logger: { log: () => undefined } } : {}),
  });
  const operatorKey =
    env['FV_OPERATOR_KEY'] ??
    (endpoint.operatorKeyFile ? readFileSync(endpoint.operatorKeyFile, 'utf8').trim() : '');
  let vite: ViteDevServer;
  try {
    vite = await createServer({
      root,
      configFile: `${root}vite.config.ts`,
      logLevel: options.quiet ? 'error' : 'info',
      server: {
        host: '127.0.0.1',
        port: demoPort,
        strictPort: true,
        proxy: {
          '^/fv-admin/': {
            target: endpoint.url,
            rewrite: (p) => p.replace(/^\/fv-admin/, ''),
            headers: { authorization: `Bearer ${operatorKey}` },
          },
          '^/fv/': { target: endpoint.url, rewrite: (p) => p.replace(/^\/fv/, '') },
        },
      },
    });
    await vite.listen();
  } catch (error) {
    await endpoint.close();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${demoPort}/demo/`,
    endpoint,
    vite,
    async close() {
      await vite.close();
      await endpoint.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const demo = await startDemo();
  console.log(`\n  face-verify demo:  ${demo.url}`);
  console.log(`  endpoint:          ${demo.endpoint.url} (proxied at /fv)`);
  console.log('  Ctrl-C stops both.\n');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
