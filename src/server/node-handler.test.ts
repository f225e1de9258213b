// The endpoint mounted in a plain node:http server, as a host with its own server would do it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeHandler } from './node-handler';
import { harness, ORIGIN, type Harness } from './testing';

let h: Harness | null = null;
let server: Server | null = null;

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await h?.close();
  server = null;
  h = null;
});

describe('nodeHandler', () => {
  it('answers under its prefix, with the CORS of the configured origins', async () => {
    h = await harness();
    const base = await listen(nodeHandler(h.app, { prefix: '/fv/' }));
    const health = await fetch(`${base}/fv/v1/health`, { headers: { origin: ORIGIN } });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect(health.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const keys = (await (await fetch(`${base}/fv/v1/keys`)).json()) as { receipts: unknown };
    expect(keys.receipts).toMatchObject({ keyId: expect.any(String) });
  });

  it('leaves other paths to the host (next) or answers 404 without one', async () => {
    h = await harness();
    const handler = nodeHandler(h.app, { prefix: '/fv' });
    const base = await listen((req, res) =>
      handler(req, res, () => res.writeHead(200, { 'content-type': 'text/plain' }).end('host')),
    );
    expect(await (await fetch(`${base}/shop`)).text()).toBe('host');
    // A longer name that merely starts with the prefix is not under it.
    expect(await (await fetch(`${base}/fvx/v1/health`)).text()).toBe('host');
    await new Promise<void>((r) => server!.close(() => r()));
    const bare = await listen(nodeHandler(h.app, { prefix: '/fv' }));
    expect((await fetch(`${bare}/shop`)).status).toBe(404);
  });

  it('without a prefix routes the URL as it is (Express strips its mount path itself)', async () => {
    h = await harness();
    const base = await listen(nodeHandler(h.app));
    expect((await fetch(`${base}/v1/health`)).status).toBe(200);
  });
});
