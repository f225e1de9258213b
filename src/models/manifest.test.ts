// Hash-checked loading over real HTTP (a local server), as the browser does it.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AssetError,
  fetchVerified,
  findEntry,
  isManifest,
  loadManifest,
  type ModelManifest,
} from './manifest';

const model = new TextEncoder().encode('model bytes');
const sha = createHash('sha256').update(model).digest('hex');
const manifest: ModelManifest = {
  schema: 1,
  files: [
    {
      name: 'm.bin',
      path: 'models/m.bin',
      kind: 'model',
      bytes: model.length,
      sha256: sha,
      source: ['x@1'],
      licence: 'MIT',
    },
    {
      name: 'bad.bin',
      path: 'models/bad.bin',
      kind: 'model',
      bytes: model.length,
      sha256: sha,
      source: ['x@1'],
      licence: 'MIT',
    },
    {
      name: 'gone.bin',
      path: 'models/gone.bin',
      kind: 'model',
      bytes: 1,
      sha256: sha,
      source: ['x@1'],
      licence: 'MIT',
    },
  ],
};
const routes: Record<string, string | Uint8Array> = {
  '/ok/models/manifest.json': JSON.stringify(manifest),
  '/ok/models/m.bin': model,
  '/ok/models/bad.bin': new TextEncoder().encode('model bytez'),
  '/broken/models/manifest.json': '{ not json',
  '/odd/models/manifest.json': JSON.stringify({ schema: 2, files: [] }),
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const body = routes[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof AssetError ? e.code : `untyped: ${String(e)}`;
  }
};

describe('model manifest loading', () => {
  it('loads the manifest and returns bytes whose hash matches', async () => {
    const m = await loadManifest(`${base}/ok`);
    const bytes = await fetchVerified(`${base}/ok/`, findEntry(m, 'm.bin'));
    expect(bytes).toEqual(model);
  });

  it('rejects a file whose bytes differ from the manifest as corrupt', async () => {
    const m = await loadManifest(`${base}/ok`);
    expect(await codeOf(fetchVerified(`${base}/ok`, findEntry(m, 'bad.bin')))).toBe('corrupt');
  });

  it('reports missing files, entries and manifests as missing', async () => {
    const m = await loadManifest(`${base}/ok`);
    expect(await codeOf(fetchVerified(`${base}/ok`, findEntry(m, 'gone.bin')))).toBe('missing');
    expect(() => findEntry(m, 'nothing.bin')).toThrowError(AssetError);
    expect(await codeOf(loadManifest(`${base}/none`))).toBe('missing');
    expect(await codeOf(loadManifest('http://127.0.0.1:9/'))).toBe('missing');
  });

  it('reports an unreadable or unexpected manifest as corrupt', async () => {
    expect(await codeOf(loadManifest(`${base}/broken`))).toBe('corrupt');
    expect(await codeOf(loadManifest(`${base}/odd`))).toBe('corrupt');
    expect(
      isManifest({ schema: 1, files: [{ name: 'a', path: 'a', bytes: 1, sha256: 'x' }] }),
    ).toBe(false);
  });

  it('stops with aborted when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(loadManifest(`${base}/ok`, controller.signal))).toBe('aborted');
    const m = await loadManifest(`${base}/ok`);
    expect(
      await codeOf(fetchVerified(`${base}/ok`, findEntry(m, 'm.bin'), controller.signal)),
    ).toBe('aborted');
  });
});
