// The narrow seam between the store core (core.ts) and a database dialect. A backend runs SQL
// and transactions and says how its dialect differs; everything else (validation, sealing,
// caches, result shaping) is written once in the core. SQL uses `?` placeholders everywhere;
// the PostgreSQL backend numbers them.

import type { Row } from './rows';

export interface SqlRunner {
  /** Rows of a SELECT, or of an INSERT/UPDATE/DELETE … RETURNING. */
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Number of rows an INSERT/UPDATE/DELETE changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** 'write': a read-write transaction; 'snapshot': a read-only, consistent view. */
export type TxMode = 'write' | 'snapshot';

export interface SqlBackend extends SqlRunner {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Row lock appended to `SELECT … FROM subjects …`: PostgreSQL locks rows, so concurrent
   * writers on one subject must; a SQLite write transaction holds the whole database ('').
   */
  lock(mode: 'update' | 'share'): string;
  /** An ORDER BY / comparison term in byte order, whatever the database locale. */
  bytewise(expr: string): string;
  /** The error of a primary key or unique violation (mapped to StoreError 'conflict'). */
  isUniqueViolation(e: unknown): boolean;
  /** Runs `fn` in one transaction; it commits when `fn` resolves, rolls back when it throws. */
  tx<T>(fn: (c: SqlRunner) => Promise<T>, mode?: TxMode): Promise<T>;
  /**
   * Creates or upgrades the schema (idempotent, also from several instances at once), then
   * runs `upgrade` (the dialect-free data moves) in the same transaction.
   */
  migrate(upgrade: (c: SqlRunner) => Promise<void>): Promise<void>;
  /** After personal data was deleted: overwrite what the dialect leaves behind (SQLite: WAL). */
  scrub(): void;
  /** Reclaims free space (Store.vacuum). */
  vacuum(): Promise<void>;
  close(): Promise<void>;
}
