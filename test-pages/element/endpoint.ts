// Node-side support for the element's browser specs (src/element/*.pw.ts; not shipped, and
// outside src/element/ so the element folder has no path to the server): the real endpoint app
// over a real SQLite store in a temp dir, on a loopback port, allowing the test page's origin.

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/server/app';
import { defaultConfig, manifestModelIds, type ServerConfig } from '../../src/server/config';
import { grantAnything, grantHandler } from '../../src/server/grant-handler';
import { ServerKeys } from '../../src/server/keys';

import { DataKeyring } from '../../src/server/store/at-rest';
import { SqliteStore } from '../../src/server/store/sqlite';

const GRANT_SECRET = 'element-test-host-grant-secret-0123456789';

export interface TestEndpoint {
  url: string;
  store: SqliteStore;
  /** Requests seen (method, path, body size): lets tests assert what was and wasn't sent. */
  requests: { method: string; path: string; bytes: number }[];
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startEndpoint(
  origins: string[],
  overrides: Partial<ServerConfig> = {},
): Promise<TestEndpoint> {
  const dir = mkdtempSync(join(tmpdir(), 'fv-element-'));
  const store = new SqliteStore({
    path: join(dir, 'fv.db'),
    keyring: DataKeyring.generate(),
    synchronous: 'normal',
  });
  await store.migrate();
  const keys = await ServerKeys.open(null, Date.now());
  const config = defaultConfig({
    origins,
    rateLimit: { perSecond: 1e6, burst: 1e6 },
    clientBackoff: { free: 1e6, windowMs: 60_000, baseMs: 1, maxMs: 1 },
    grantSecrets: [GRANT_SECRET],
    ...overrides,
  });
  const app = createApp({ store, keys, config });
  // The test page's host backend (POST /host/grant beside the endpoint): grants what it is asked.
  const hostGrant = grantHandler({
    secret: GRANT_SECRET,
    audience: config.audience,
    authorize: grantAnything,
    origins,
  });
  const requests: TestEndpoint['requests'] = [];
  let down = false;
  const server = serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (req, env) => {
      const body = req.method === 'POST' ? await req.clone().arrayBuffer() : new ArrayBuffer(0);
      requests.push({
        method: req.method,
        path: new URL(req.url).pathname,
        bytes: body.byteLength,
      });
      if (down) return new Response('down', { status: 503 });
      if (new URL(req.url).pathname === '/host/grant') return hostGrant(req);
      return app.fetch(req, env);
    },
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    requests,
    setDown: (d) => {
      down = d;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The embedding model id the browser engine reports: the manifest's fr_feature entry. */
export function embeddingModelId(): string {
  return manifestModelIds()[0]!;
}
