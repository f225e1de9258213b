// Embedded default store: one SQLite file (better-sqlite3, WAL). secure_delete overwrites
// freed content inside the file, and deletes end with a TRUNCATE checkpoint (scrub) so old page
// images do not linger in the -wal file. Several processes may open the same file: single
// use of sessions is one conditional UPDATE, and the identify cache checks a generation
// counter before each search. Everything but SQL execution lives in core.ts.

import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DataKeyring } from './at-rest';
import { StoreCore } from './core';
import type { Row } from './rows';
import { DEVICE_FAILURES_INDEX, schemaSql } from './schema';
import type { SqlBackend, SqlRunner, TxMode } from './sql';

const SCHEMA = schemaSql({
  int: 'INTEGER',
  real: 'REAL',
  bytes: 'BLOB',
  bool: 'INTEGER',
  json: 'TEXT',
  serial: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  subjectId: 'TEXT', // SQLite compares TEXT bytewise (BINARY) already
  tableSuffix: ' STRICT',
});

export interface SqliteStoreOptions {
  /** File path; parent directories are created. */
  path: string;
  keyring: DataKeyring;
  /**
   * NORMAL (default): in WAL mode a commit survives a crash of the process (kill -9), and the
   * file is never corrupted, but the last commits before a power loss / OS crash may be lost
   * (they are fsynced at the next checkpoint). FULL fsyncs every commit (survives power loss)
   * at ~5 ms per commit on slow disks. FV_SQLITE_SYNCHRONOUS=full selects it.
   */
  synchronous?: 'full' | 'normal';
  /** Subjects whose decrypted templates are kept for verify (0 disables the cache). */
  templateCacheSize?: number;
  /**
   * Checkpoint the WAL from a worker thread (its own connection) instead of inside whichever
   * request's commit crosses the auto-checkpoint size: a checkpoint copies pages and fsyncs the
   * database file, tens of ms on a slow disk, which then blocked the event loop. The in-request
   * auto-checkpoint stays as a backstop at a larger size. File databases only.
   */
  backgroundCheckpoint?: boolean;
}

export class SqliteStore extends StoreCore {
  declare readonly kind: 'sqlite';
  private readonly db: Database.Database;

  constructor(opts: SqliteStoreOptions) {
    const db = openDatabase(opts);
    super(new SqliteBackend(db, startCheckpointer(db, opts)), {
      keyring: opts.keyring,
      templateCacheSize: opts.templateCacheSize ?? 10_000,
    });
    this.db = db;
  }

  /** For tests and tooling: PRAGMA integrity_check and foreign_key_check results. */
  integrity(): { integrity: string; foreignKeyViolations: number } {
    const integrity = (this.db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
    const fk = this.db.pragma('foreign_key_check') as unknown[];
    return { integrity, foreignKeyViolations: fk.length };
  }

  /** The synchronous mode SQLite actually runs with (tests, start-up log). */
  synchronousMode(): 'full' | 'normal' | 'other' {
    const v = this.db.pragma('synchronous', { simple: true }) as number;
    return v === 2 ? 'full' : v === 1 ? 'normal' : 'other';
  }
}

function openDatabase(opts: SqliteStoreOptions): Database.Database {
  if (opts.path !== ':memory:') {
    mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
    // Owner-only before SQLite opens it: the -wal and -shm files SQLite creates later copy the
    // database file's mode, so templates, consents and keys-at-rest are never world-readable.
    closeSync(openSync(opts.path, 'a', 0o600));
    chmodSync(opts.path, 0o600);
  }
  const db = new Database(opts.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  if (opts.backgroundCheckpoint === true && opts.path !== ':memory:') {
    db.pragma('wal_autocheckpoint = 16000'); // backstop only (~64 MB of WAL)
  }
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_size_limit = 0'); // truncate the WAL after checkpoints
  return db;
}

/** better-sqlite3 binds no booleans and wants Buffers for blobs. */
const bind = (params: readonly unknown[]): unknown[] =>
  params.map((p) =>
    typeof p === 'boolean'
      ? p
        ? 1
        : 0
      : p instanceof Uint8Array && !Buffer.isBuffer(p)
        ? Buffer.from(p.buffer, p.byteOffset, p.byteLength)
        : p,
  );

class SqliteBackend implements SqlBackend {
  readonly kind = 'sqlite' as const;
  // Compiling a statement costs more than running it; the SQL texts are a small fixed set.
  private readonly statements = new Map<string, Database.Statement>();
  /** Runs at once, on the connection: inside the open transaction, if there is one. */
  private readonly direct: SqlRunner;
  // better-sqlite3 runs one connection synchronously, but the core's transactions await between
  // statements: while one is open, every other call waits for it, so nothing of another request
  // lands in (or is rolled back with) someone else's transaction.
  private busy: Promise<void> | null = null;

  constructor(
    private readonly db: Database.Database,
    private checkpointer: Worker | null,
  ) {
    this.direct = {
      all: async (sql, params = []) => this.statement(sql).all(...bind(params)) as Row[],
      run: async (sql, params = []) => this.statement(sql).run(...bind(params)).changes,
    };
  }

  lock(): string {
    return ''; // a write transaction holds the whole database
  }

  bytewise(expr: string): string {
    return expr;
  }

  isUniqueViolation(e: unknown): boolean {
    return (
      typeof e === 'object' &&
      e !== null &&
      (e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    );
  }

  async all(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    while (this.busy !== null) await this.busy;
    return this.direct.all(sql, params);
  }

  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    while (this.busy !== null) await this.busy;
    return this.direct.run(sql, params);
  }

  async tx<T>(fn: (c: SqlRunner) => Promise<T>, _mode?: TxMode): Promise<T> {
    while (this.busy !== null) await this.busy;
    let done = (): void => {};
    this.busy = new Promise((resolve) => (done = resolve));
    try {
      // Deferred BEGIN for both modes: a reader gets one snapshot; a writer takes the write
      // lock at its first write (busy_timeout waits for other processes).
      this.db.exec('BEGIN');
      const out = await fn(this.direct);
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.busy = null;
      done();
    }
  }

  async migrate(upgrade: (c: SqlRunner) => Promise<void>): Promise<void> {
    this.db.exec(SCHEMA);
    await this.tx(async (c) => {
      const cols = this.db.pragma('table_info(verifications)') as { name: string }[];
      if (!cols.some((col) => col.name === 'device_id')) {
        this.db.exec('ALTER TABLE verifications ADD COLUMN device_id TEXT');
      }
      this.db.exec(DEVICE_FAILURES_INDEX);
      await upgrade(c);
    });
    this.statements.clear();
  }

  /** Moves WAL content into the file (where secure_delete zeroed it) and truncates the WAL. */
  scrub(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Busy readers elsewhere: the next checkpoint (or vacuum) finishes the job.
    }
  }

  async vacuum(): Promise<void> {
    while (this.busy !== null) await this.busy;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    if (this.checkpointer !== null) {
      const w = this.checkpointer;
      this.checkpointer = null;
      await new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.ref(); // keep the process alive until the worker has closed its connection
        w.postMessage('close');
      });
    }
    if (this.db.open) this.db.close();
  }

  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (st === undefined) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }
}

/** The WAL checkpointer thread (checkpointer-worker.js), when the options ask for one. */
function startCheckpointer(db: Database.Database, opts: SqliteStoreOptions): Worker | null {
  if (opts.backgroundCheckpoint !== true || db.memory) return null;
  // A plain .js module beside this one, so the same URL works from the sources (tsx, vitest)
  // and from the bundle (the node build emits it next to the chunk).
  const w = new Worker(new URL('./checkpointer-worker.js', import.meta.url), {
    workerData: { path: db.name },
  });
  w.unref(); // never keeps the process alive
  w.on('error', () => {}); // the in-request auto-checkpoint backstop takes over
  return w;
}
