// PostgreSQL store for several endpoint instances sharing one database. Same contract as
// SQLite, same core (core.ts): this file runs SQL on a pool and in transactions. 1:N is done in
// memory per instance (IndexCache), kept coherent by the per-model generation counter that
// every template write bumps in its transaction. Single use of sessions is one conditional
// UPDATE … RETURNING, atomic across instances.

import pg from 'pg';
import type { DataKeyring } from './at-rest';
import { StoreCore } from './core';
import type { Row } from './rows';
import { DEVICE_FAILURES_INDEX, schemaSql } from './schema';
import type { SqlBackend, SqlRunner, TxMode } from './sql';
import { TABLES } from './common';

// Arbitrary constant: serialises concurrent migrate() calls from several instances.
const MIGRATE_LOCK = 0x66760001;

const SCHEMA = `${schemaSql({
  int: 'BIGINT',
  real: 'DOUBLE PRECISION',
  bytes: 'BYTEA',
  bool: 'BOOLEAN',
  json: 'JSONB',
  serial: 'BIGSERIAL PRIMARY KEY',
  subjectId: 'TEXT COLLATE "C"', // byte order, like SQLite: paging uses the index
  tableSuffix: '',
})}
ALTER TABLE verifications ADD COLUMN IF NOT EXISTS device_id TEXT;
${DEVICE_FAILURES_INDEX};
`;

export interface PostgresStoreOptions {
  connectionString: string;
  keyring: DataKeyring;
  /** Pool size per instance. */
  max?: number;
}

export class PostgresStore extends StoreCore {
  declare readonly kind: 'postgres';

  constructor(opts: PostgresStoreOptions) {
    const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.max ?? 10 });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    // No template cache: each instance would have to re-read generations from the shared
    // database for every verify anyway.
    super(new PostgresBackend(pool), { keyring: opts.keyring, templateCacheSize: 0 });
  }
}

// `?` -> `$1, $2, …` (the SQL texts contain no other question marks).
const numbered = new Map<string, string>();
function dollars(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
}

const runnerOf = (q: pg.Pool | pg.PoolClient): SqlRunner => ({
  all: async (sql, params = []) => (await q.query<Row>(dollars(sql), [...params])).rows,
  run: async (sql, params = []) => (await q.query(dollars(sql), [...params])).rowCount ?? 0,
});

const ISOLATION: Record<TxMode, string> = {
  write: 'READ COMMITTED',
  snapshot: 'REPEATABLE READ READ ONLY',
};

class PostgresBackend implements SqlBackend {
  readonly kind = 'postgres' as const;
  readonly all: SqlRunner['all'];
  readonly run: SqlRunner['run'];

  constructor(private readonly pool: pg.Pool) {
    ({ all: this.all, run: this.run } = runnerOf(pool));
  }

  lock(mode: 'update' | 'share'): string {
    return mode === 'update' ? ' FOR UPDATE' : ' FOR SHARE';
  }

  bytewise(expr: string): string {
    return `${expr} COLLATE "C"`;
  }

  isUniqueViolation(e: unknown): boolean {
    return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
  }

  async tx<T>(fn: (c: SqlRunner) => Promise<T>, mode: TxMode = 'write'): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query(`BEGIN ISOLATION LEVEL ${ISOLATION[mode]}`);
      const out = await fn(runnerOf(c));
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async migrate(upgrade: (c: SqlRunner) => Promise<void>): Promise<void> {
    await this.tx(async (c) => {
      await c.all('SELECT pg_advisory_xact_lock(?)', [MIGRATE_LOCK]);
      await c.run(SCHEMA);
      await upgrade(c);
    });
  }

  scrub(): void {
    // Nothing to do: PostgreSQL does not zero dead tuples (docs/endpoint.md, Operations).
  }

  async vacuum(): Promise<void> {
    // Removes dead tuples so their space is reused; PostgreSQL does not zero it (see docs).
    for (const table of TABLES) await this.pool.query(`VACUUM ${table}`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
