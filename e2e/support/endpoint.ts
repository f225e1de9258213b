// The real endpoint app over a real SQLite file in a temporary directory, on a loopback port.
// Test mode adds one thing: with `seed`, every session gets the same challenge order (the
// shuffle's single-byte draws come from a seeded stream reset per session; nonces and keys stay
// crypto-random), so a pre-recorded y4m/mjpeg clip can perform the challenges in order.
// Beside the endpoint, on the same port, `POST /host/grant` stands in for the integrator's
// backend: it mints the host grant every session needs (no bypass of the trust boundary).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/server/app';
import { defaultConfig, type ServerConfig } from '../../src/server/config';
import { grantAnything, grantHandler } from '../../src/server/grant-handler';
import { ServerKeys } from '../../src/server/keys';
import { shuffledChallenges } from '../../src/server/routes/sessions';
import { DataKeyring } from '../../src/server/store/at-rest';
import { SqliteStore } from '../../src/server/store/sqlite';
import type { ChallengeKind } from '../../src/protocol/payload';

export interface E2eEndpoint {
  url: string;
  dbPath: string;
  /** The host backend's secret (tests that mint grants themselves). */
  grantSecret: string;
  close(): Promise<void>;
}

export interface E2eEndpointOptions {
  origins: string[];
  port?: number;
  seed?: number;
  config?: Partial<ServerConfig>;
}

const GRANT_SECRET = 'e2e-host-grant-secret-0123456789abcdef';

/** xorshift32 byte stream. */
function seededBytes(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}

/** The order every session gets from an endpoint started with `seed`. */
export function seededOrder(seed: number, count = 3): ChallengeKind[] {
  return shuffledChallenges(count, seededBytes(seed));
}

export async function startE2eEndpoint(o: E2eEndpointOptions): Promise<E2eEndpoint> {
  const dir = mkdtempSync(join(tmpdir(), 'fv-e2e-'));
  const dbPath = join(dir, 'face-verify.db');
  const store = new SqliteStore({ path: dbPath, keyring: DataKeyring.generate() });
  await store.migrate();
  const keys = await ServerKeys.open(join(dir, 'server-keys.json'), Date.now());
  const config = defaultConfig({
    origins: o.origins,
    // One test machine is one client: keep per-client limits out of the way of the suite.
    rateLimit: { perSecond: 1000, burst: 1000 },
    clientBackoff: { free: 1e6, windowMs: 60_000, baseMs: 1, maxMs: 1 },
    operatorKey: 'e2e-operator-key-0123456789abcdef',
    grantSecrets: [GRANT_SECRET],
    ...o.config,
  });
  let seeded = o.seed === undefined ? null : seededBytes(o.seed);
  // Single-byte draws are the shuffle's; everything longer (nonces, ids) stays crypto-random.
  const random =
    o.seed === undefined
      ? undefined
      : (n: number): Uint8Array => (n === 1 && seeded ? seeded(1) : new Uint8Array(randomBytes(n)));
  const app = createApp({ store, keys, config, ...(random ? { random } : {}) });
  // The suite's host backend grants what its pages ask for (a real one checks the sign-in).
  const hostGrant = grantHandler({
    secret: GRANT_SECRET,
    audience: config.audience,
    authorize: grantAnything,
    origins: config.origins,
  });
  const server = serve({
    port: o.port ?? 0,
    hostname: '127.0.0.1',
    fetch: (req, env) => {
      if (
        o.seed !== undefined &&
        req.method === 'POST' &&
        new URL(req.url).pathname === '/v1/sessions'
      ) {
        seeded = seededBytes(o.seed);
      }
      if (new URL(req.url).pathname === '/host/grant') return hostGrant(req);
      return app.fetch(req, env);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dbPath,
    grantSecret: GRANT_SECRET,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
