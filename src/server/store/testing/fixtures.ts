// Test fixtures shared by the store suites: deterministic vectors and real backends
// (a SQLite file in a temp dir, a database on a throw-away PostgreSQL server).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataKeyring } from '../at-rest';
import { PostgresStore } from '../postgres';
import { SqliteStore } from '../sqlite';
import { VECTOR_LENGTH } from '../../../protocol/payload';
import type { Store } from '../types';
import { startPgServer, type PgServer } from './pg-server';

/** Deterministic pseudo-random unit-ish vector (mulberry32). */
export function vec(seed: number): Float32Array {
  let a = seed >>> 0 || 1;
  const v = new Float32Array(VECTOR_LENGTH);
  for (let i = 0; i < VECTOR_LENGTH; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    v[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  }
  return v;
}

/** A vector close to `base` (cosine ~0.99). */
export function near(base: Float32Array, seed: number): Float32Array {
  const noise = vec(seed);
  return base.map((x, i) => x + 0.05 * noise[i]!);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A fresh, migrated, empty store. */
  fresh(keyring?: DataKeyring): Promise<Store>;
  /** Another instance on the same database as the last fresh() (a second process/instance). */
  sibling(keyring?: DataKeyring): Promise<Store>;
}

export function sqliteBackend(): Backend {
  let dir = '';
  let n = 0;
  let last = '';
  let ring = DataKeyring.generate();
  const open = async (path: string, keyring: DataKeyring): Promise<Store> => {
    const s = new SqliteStore({ path, keyring });
    await s.migrate();
    return s;
  };
  return {
    name: 'sqlite',
    async setup() {
      dir = mkdtempSync(join(tmpdir(), 'fv-store-'));
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
    async fresh(keyring = DataKeyring.generate()) {
      ring = keyring;
      last = join(dir, `t${++n}.db`);
      return open(last, keyring);
    },
    sibling: (keyring) => open(last, keyring ?? ring),
  };
}

export function postgresBackend(): Backend {
  let server: PgServer | undefined;
  let n = 0;
  let last = '';
  let ring = DataKeyring.generate();
  const open = async (url: string, keyring: DataKeyring): Promise<Store> => {
    const s = new PostgresStore({ connectionString: url, keyring, max: 4 });
    await s.migrate();
    return s;
  };
  return {
    name: 'postgres',
    async setup() {
      // Throws with initdb/postgres output when the server cannot start: the PostgreSQL half
      // of the suite then fails loudly instead of being skipped.
      server = await startPgServer();
    },
    async teardown() {
      await server?.stop();
    },
    async fresh(keyring = DataKeyring.generate()) {
      if (server === undefined) throw new Error('PostgreSQL test server is not running');
      ring = keyring;
      last = await server.createDatabase(`t${++n}`);
      return open(last, keyring);
    },
    sibling: (keyring) => open(last, keyring ?? ring),
  };
}
