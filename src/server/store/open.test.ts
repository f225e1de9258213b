import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './open';
import type { SqliteStore } from './sqlite';
import { startPgServer } from './testing/pg-server';
import { vec } from './testing/fixtures';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fv-open-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const enrolment = [
  { subjectId: 's1', devicePublicKey: null, createdAt: 1 },
  { templateId: 't1', subjectId: 's1', modelId: 'm1', vector: vec(1), createdAt: 1 },
] as const;

describe('openStore', () => {
  it('creates the SQLite file and a key file on first start, and reads them back', async () => {
    const dataDir = join(dir, 'data');
    const url = `sqlite:${join(dataDir, 'face-verify.db')}`;
    const first = await openStore({ url, dataDir, env: {} });
    expect(first.kind).toBe('sqlite');
    await first.enroll(...enrolment);
    await first.close();
    expect(existsSync(join(dataDir, 'face-verify.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'data-key.json'))).toBe(true);
    const again = await openStore({ url, dataDir, env: {} });
    expect(Array.from((await again.listTemplates('s1'))[0]!.vector)).toEqual(Array.from(vec(1)));
    await again.close();
  });

  it('opens SQLite with synchronous=NORMAL unless FV_SQLITE_SYNCHRONOUS=full', async () => {
    const url = `sqlite:${join(dir, 'fv.db')}`;
    for (const [env, mode] of [
      [{}, 'normal'],
      [{ FV_SQLITE_SYNCHRONOUS: 'full' }, 'full'],
      [{ FV_SQLITE_SYNCHRONOUS: 'NORMAL' }, 'normal'],
    ] as const) {
      const store = (await openStore({ url, dataDir: dir, env })) as SqliteStore;
      expect(store.synchronousMode()).toBe(mode);
      await store.close();
    }
    await expect(
      openStore({ url, dataDir: dir, env: { FV_SQLITE_SYNCHRONOUS: 'off' } }),
    ).rejects.toThrow(/FV_SQLITE_SYNCHRONOUS/);
  });

  it('fails clearly on an unknown scheme or a PostgreSQL store without a shared key', async () => {
    await expect(openStore({ url: 'mysql://x', env: {} })).rejects.toThrow(/sqlite: or postgres/);
    await expect(openStore({ url: 'sqlite:', env: {} })).rejects.toThrow(/file path/);
    await expect(
      openStore({ url: 'postgres://nobody@127.0.0.1:1/x', dataDir: dir, env: {} }),
    ).rejects.toThrow(/FV_DATA_KEY/);
  });

  it('opens PostgreSQL from FV_STORE with FV_DATA_KEY', async () => {
    const server = await startPgServer();
    try {
      const url = await server.createDatabase('open_test');
      const env = { FV_STORE: url, FV_DATA_KEY: `k1:${Buffer.alloc(32, 3).toString('base64')}` };
      const store = await openStore({ env, dataDir: dir });
      expect(store.kind).toBe('postgres');
      await store.enroll(...enrolment);
      expect((await store.identify(vec(1), 'm1', 1))[0]?.subjectId).toBe('s1');
      await store.close();
    } finally {
      await server.stop();
    }
  });
});

describe('startPgServer', () => {
  it('fails loudly with the reason when the server cannot be started', async () => {
    // A PG_BIN with a postgres binary but no initdb: the error must say what broke.
    writeFileSync(join(dir, 'postgres'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const saved = process.env.PG_BIN;
    process.env.PG_BIN = dir;
    try {
      await expect(startPgServer()).rejects.toThrow(/initdb failed/);
    } finally {
      if (saved === undefined) delete process.env.PG_BIN;
      else process.env.PG_BIN = saved;
    }
  });
});
