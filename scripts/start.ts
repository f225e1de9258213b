// `npm start`: the real endpoint (src/server/main.ts, data in ./data/) plus a Vite dev server for
// the demo with COOP/COEP. The demo talks to the endpoint same-origin through `/fv`; library
// management goes through `/fv-admin`, where this process adds the operator key so the key never
// reaches the browser (a local-demo convenience; production operators call the API server-side).
// `POST /demo-host/grant` is the demo's stand-in for the integrator's backend: it mints the host
// grant each session needs. A real host checks who is signed in first and grants only that
// person's own subject id; this demo has no accounts, so it grants what the page asks for.
//
//   npm start                      # demo on http://127.0.0.1:5173/demo/
//   FV_DEMO_PORT=5180 FV_PORT=8790 npm start
//
// Ctrl-C stops both.

import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { getRequestListener } from '@hono/node-server';
import { grantAnything, grantHandler } from '../src/server/grant-handler';
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

/** The demo's host backend: one route that mints a grant with the endpoint's grant secret. */
function demoHost(endpoint: RunningServer): Plugin {
  return {
    name: 'face-verify-demo-host',
    configureServer(server) {
      // The same grant route an integrator mounts (face-verify/server grantHandler); this demo
      // has no sign-in, so it grants what the page asks for.
      server.middlewares.use(
        '/demo-host/grant',
        getRequestListener(
          grantHandler({
            secret: endpoint.grantSecret,
            audience: endpoint.config.audience,
            authorize: grantAnything,
          }),
        ),
      );
    },
  };
}

const COMPRESSIBLE = /^(text\/|application\/(javascript|json)|image\/svg)/;

/**
 * Brotli (else gzip) for the page's own code as Vite dev sends it (whole responses only; models
 * and runtimes come precompressed from the face-verify plugin). Vite dev compresses nothing, and
 * the demo's modules are ≈ 2 MB as sent.
 */
function compressResponses(): Plugin {
  return {
    name: 'face-verify-demo-compression',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const accept = String(req.headers['accept-encoding'] ?? '');
        const encoding = /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : null;
        if (!encoding || req.method === 'HEAD') return next();
        let streamed = false;
        const write = res.write.bind(res) as ServerResponse['write'];
        res.write = ((...args: Parameters<ServerResponse['write']>) => {
          streamed = true;
          return write(...args);
        }) as ServerResponse['write'];
        const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
        res.end = ((chunk?: unknown, ...rest: unknown[]) => {
          const type = String(res.getHeader('content-type') ?? '');
          const body =
            typeof chunk === 'string'
              ? Buffer.from(chunk)
              : chunk instanceof Uint8Array
                ? chunk
                : null;
          if (
            streamed ||
            res.headersSent ||
            !body ||
            body.length < 1024 ||
            res.statusCode !== 200 ||
            res.getHeader('content-encoding') ||
            !COMPRESSIBLE.test(type)
          ) {
            return end(chunk, ...rest);
          }
          const packed =
            encoding === 'br'
              ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
              : gzipSync(body, { level: 6 });
          res.setHeader('Content-Encoding', encoding);
          res.setHeader('Content-Length', String(packed.length));
          res.setHeader('Vary', 'Accept-Encoding');
          const cb = rest.find((r) => typeof r === 'function');
          return cb ? end(packed, cb) : end(packed);
        }) as ServerResponse['end'];
        next();
      });
    },
  };
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
      plugins: [compressResponses(), demoHost(endpoint)],
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
