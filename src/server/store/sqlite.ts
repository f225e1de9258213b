// Embedded default store: one SQLite file (better-sqlite3, WAL). secure_delete overwrites
// freed content inside the file, and deletes end with a TRUNCATE checkpoint so old page
// images do not linger in the -wal file. Several processes may open the same file: single
// use of sessions is one conditional UPDATE, and the identify cache checks a generation
// counter before each search.

import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { dirname } from 'node:path';
import type { DataKeyring, SealedVector } from './at-rest';
import {
  CHANGE_LOG_KEEP,
  deviceKeyId,
  digestRows,
  pruneChangesSql,
  resolveRetention,
  TABLES,
  toBase64,
  vectorToBase64,
} from './common';
import { IndexCache, type IndexChange, type IndexRow } from './index-cache';
import {
  callFromRow,
  classifyMiss,
  consentFromRow,
  deviceKeyFromRow,
  purgeConsentsSql,
  sessionFromRow,
  subjectFromRow,
  verificationFromRow,
  type Row,
} from './rows';
import * as check from './validate';
import {
  StoreError,
  type CallRecord,
  type ConsentRecord,
  type ConsumeResult,
  type DeleteSubjectResult,
  type DeviceKeyRecord,
  type EnrolResult,
  type IdentifyMatch,
  type NewConsent,
  type NewSession,
  type NewSubject,
  type NewTemplate,
  type PurgeCounts,
  type RetentionPolicy,
  type SessionRecord,
  type Store,
  type StoreSnapshot,
  type SubjectExport,
  type SubjectRecord,
  type TemplateRecord,
  type VerificationRecord,
  type WithdrawResult,
} from './types';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS subjects (
  subject_id TEXT PRIMARY KEY,
  device_public_key BLOB,
  created_at INTEGER NOT NULL,
  suspended_until INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS templates (
  template_id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL REFERENCES subjects(subject_id) ON DELETE CASCADE,
  model_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  iv BLOB NOT NULL,
  ct BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS templates_subject ON templates(subject_id);
CREATE INDEX IF NOT EXISTS templates_model ON templates(model_id);
CREATE TABLE IF NOT EXISTS template_generations (
  model_id TEXT PRIMARY KEY,
  gen INTEGER NOT NULL
) STRICT;
-- Change log for other processes' identify caches: template ids only, no personal data.
CREATE TABLE IF NOT EXISTS template_changes (
  model_id TEXT NOT NULL,
  gen INTEGER NOT NULL,
  template_id TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('add', 'del')),
  PRIMARY KEY (model_id, gen, template_id)
) STRICT;
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  nonce_hash BLOB NOT NULL,
  purpose TEXT NOT NULL,
  subject_id TEXT,
  challenges TEXT NOT NULL,
  origin TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires_at);
CREATE INDEX IF NOT EXISTS sessions_subject ON sessions(subject_id);
CREATE TABLE IF NOT EXISTS consents (
  consent_id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  purposes TEXT NOT NULL,
  sensitive INTEGER NOT NULL,
  guardian INTEGER NOT NULL,
  accepted INTEGER NOT NULL,
  at INTEGER NOT NULL,
  withdrawn_at INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS consents_subject ON consents(subject_id, at);
CREATE TABLE IF NOT EXISTS verifications (
  id TEXT PRIMARY KEY,
  subject_id TEXT,
  kind TEXT NOT NULL,
  decision TEXT NOT NULL,
  score REAL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS verifications_subject ON verifications(subject_id, at);
CREATE INDEX IF NOT EXISTS verifications_at ON verifications(at);
-- Lockout counts (every verify) touch only the subject's failures, not all its records.
CREATE INDEX IF NOT EXISTS verifications_failures ON verifications(subject_id, at)
  WHERE kind = 'verify' AND decision = 'reject';
CREATE TABLE IF NOT EXISTS calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  code TEXT,
  ms REAL NOT NULL,
  client_hash TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS calls_at ON calls(at);
-- Device keys: a list per subject (schema 2; subjects.device_public_key is the schema-1 column,
-- moved here by migrate()).
CREATE TABLE IF NOT EXISTS device_keys (
  subject_id TEXT NOT NULL REFERENCES subjects(subject_id) ON DELETE CASCADE,
  key_id TEXT NOT NULL,
  public_key BLOB NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (subject_id, key_id)
) STRICT;
-- Single use of host grants (ids only; purge() drops them once expired).
CREATE TABLE IF NOT EXISTS grants_used (
  grant_id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) STRICT;
INSERT INTO meta(key, value) VALUES ('schema_version', '1') ON CONFLICT(key) DO NOTHING;
`;

/** Subject rows with their device key count. */
const SUBJECT_SELECT = `SELECT s.*, (SELECT count(*) FROM device_keys d WHERE d.subject_id = s.subject_id)
  AS device_keys FROM subjects s`;

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

const isConstraint = (e: unknown, kind: string): boolean =>
  typeof e === 'object' &&
  e !== null &&
  (e as { code?: unknown }).code === `SQLITE_CONSTRAINT_${kind}`;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly keyring: DataKeyring;
  private readonly cache: IndexCache;
  // Compiling a statement costs more than running it; every SQL text here is a constant.
  private readonly statements = new Map<string, Database.Statement>();
  // Decrypted templates per subject for verify (decryption and row decoding cost more than the
  // check). Valid while the sum of all template generations is unchanged: every template write
  // of any process bumps its model's generation in the same transaction, and generations only
  // grow, so one indexed read tells whether anything changed since the entries were read.
  private readonly templateCache = new Map<string, TemplateRecord[]>();
  private templateCacheGen = -1;
  private readonly templateCacheSize: number;
  private checkpointer: Worker | null = null;

  constructor(opts: SqliteStoreOptions) {
    if (opts.path !== ':memory:') {
      mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
      // Owner-only before SQLite opens it: the -wal and -shm files SQLite creates later copy the
      // database file's mode, so templates, consents and keys-at-rest are never world-readable.
      closeSync(openSync(opts.path, 'a', 0o600));
      chmodSync(opts.path, 0o600);
    }
    this.db = new Database(opts.path);
    this.keyring = opts.keyring;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.templateCacheSize = opts.templateCacheSize ?? 10_000;
    if (opts.backgroundCheckpoint === true && opts.path !== ':memory:') {
      this.db.pragma('wal_autocheckpoint = 16000'); // backstop only (~64 MB of WAL)
      this.checkpointer = startCheckpointer(opts.path);
    }
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('journal_size_limit = 0'); // truncate the WAL after checkpoints
    this.cache = new IndexCache({
      generation: async (modelId) => this.generation(modelId),
      load: async (modelId) => this.loadModel(modelId),
      changes: async (modelId, afterGen) => this.modelChanges(modelId, afterGen),
    });
  }

  async migrate(): Promise<void> {
    this.db.exec(SCHEMA);
    this.db.transaction(() => {
      const cols = this.db.pragma('table_info(verifications)') as { name: string }[];
      if (!cols.some((c) => c.name === 'device_id')) {
        this.db.exec('ALTER TABLE verifications ADD COLUMN device_id TEXT');
      }
      // Schema 1 kept one device key on the subject row: move it into the list.
      const legacy = this.db
        .prepare(
          'SELECT subject_id, device_public_key, created_at FROM subjects WHERE device_public_key IS NOT NULL',
        )
        .all() as Row[];
      const insert = this.db.prepare(
        'INSERT OR IGNORE INTO device_keys(subject_id, key_id, public_key, added_at) VALUES (?, ?, ?, ?)',
      );
      for (const r of legacy) {
        const key = new Uint8Array(r.device_public_key as Buffer);
        insert.run(r.subject_id, deviceKeyId(key), Buffer.from(key), r.created_at);
      }
      if (legacy.length > 0) {
        this.db.exec('UPDATE subjects SET device_public_key = NULL');
      }
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS verifications_device_failures ON verifications(subject_id, device_id, at)
           WHERE kind = 'verify' AND decision = 'reject'`,
      );
      this.db.exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    })();
    this.statements.clear();
  }

  async close(): Promise<void> {
    this.cache.clear();
    this.templateCache.clear();
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

  // ---- subjects ---------------------------------------------------------------------------

  async putSubject(subject: NewSubject): Promise<void> {
    const s = check.newSubject(subject);
    try {
      this.db.transaction(() => {
        this.q('INSERT INTO subjects(subject_id, created_at) VALUES (?, ?)').run(
          s.subjectId,
          s.createdAt,
        );
        if (s.devicePublicKey !== null)
          this.insertKeyTx(s.subjectId, s.devicePublicKey, s.createdAt);
      })();
    } catch (e) {
      if (isConstraint(e, 'PRIMARYKEY')) throw new StoreError('conflict', 'subject already exists');
      throw e;
    }
  }

  async getSubject(subjectId: string): Promise<SubjectRecord | null> {
    const row = this.q(`${SUBJECT_SELECT} WHERE s.subject_id = ?`).get(
      check.id('subjectId', subjectId),
    ) as Row | undefined;
    return row === undefined ? null : subjectFromRow(row);
  }

  async listSubjects(opts: { limit: number; after?: string }): Promise<SubjectRecord[]> {
    const limit = check.intRange('limit', opts.limit, 1, 1000);
    const after = opts.after === undefined ? '' : check.id('after', opts.after);
    const rows = this.q(
      `${SUBJECT_SELECT} WHERE s.subject_id > ? ORDER BY s.subject_id LIMIT ?`,
    ).all(after, limit) as Row[];
    return rows.map(subjectFromRow);
  }

  async deleteSubject(subjectId: string): Promise<DeleteSubjectResult> {
    const sid = check.id('subjectId', subjectId);
    const result = this.db.transaction((): DeleteSubjectResult & { bumps: [string, number][] } => {
      const bumps = this.removeTemplatesTx(sid);
      const templatesDeleted = bumps.reduce((n, [, , c]) => n + c, 0);
      const verificationsDeleted = this.q('DELETE FROM verifications WHERE subject_id = ?').run(
        sid,
      ).changes;
      this.q('DELETE FROM sessions WHERE subject_id = ?').run(sid);
      this.q('DELETE FROM device_keys WHERE subject_id = ?').run(sid);
      const deleted = this.q('DELETE FROM subjects WHERE subject_id = ?').run(sid).changes > 0;
      return {
        deleted,
        templatesDeleted,
        verificationsDeleted,
        bumps: bumps.map(([m, g]) => [m, g]),
      };
    })();
    for (const [modelId, gen] of result.bumps) {
      this.cache.applied(modelId, gen, (ix) => ix.removeSubject(sid));
    }
    this.scrubWal();
    return {
      deleted: result.deleted,
      templatesDeleted: result.templatesDeleted,
      verificationsDeleted: result.verificationsDeleted,
    };
  }

  async setSuspended(subjectId: string, until: number | null): Promise<boolean> {
    const sid = check.id('subjectId', subjectId);
    const u = check.timeOrNull('until', until);
    return (
      this.q('UPDATE subjects SET suspended_until = ? WHERE subject_id = ?').run(u, sid).changes > 0
    );
  }

  // ---- device keys ------------------------------------------------------------------------

  async listDeviceKeys(subjectId: string): Promise<DeviceKeyRecord[]> {
    const rows = this.q(
      'SELECT * FROM device_keys WHERE subject_id = ? ORDER BY added_at, key_id',
    ).all(check.id('subjectId', subjectId)) as Row[];
    return rows.map(deviceKeyFromRow);
  }

  async addDeviceKey(
    subjectId: string,
    publicKey: Uint8Array,
    at: number,
  ): Promise<DeviceKeyRecord> {
    const sid = check.id('subjectId', subjectId);
    const key = check.bytes('publicKey', publicKey, 1, 1024);
    const t = check.time('at', at);
    return this.db.transaction(() => {
      if (this.q('SELECT 1 FROM subjects WHERE subject_id = ?').get(sid) === undefined) {
        throw new StoreError('unknown_subject', 'subject does not exist');
      }
      this.insertKeyTx(sid, key, t);
      return deviceKeyFromRow(
        this.q('SELECT * FROM device_keys WHERE subject_id = ? AND key_id = ?').get(
          sid,
          deviceKeyId(key),
        ) as Row,
      );
    })();
  }

  async removeDeviceKey(subjectId: string, keyId: string): Promise<boolean> {
    return (
      this.q('DELETE FROM device_keys WHERE subject_id = ? AND key_id = ?').run(
        check.id('subjectId', subjectId),
        check.id('keyId', keyId),
      ).changes > 0
    );
  }

  private insertKeyTx(subjectId: string, key: Uint8Array, at: number): void {
    this.q(
      'INSERT OR IGNORE INTO device_keys(subject_id, key_id, public_key, added_at) VALUES (?, ?, ?, ?)',
    ).run(subjectId, deviceKeyId(key), Buffer.from(key), at);
  }

  /** Binds `key` when the subject has none; throws device_mismatch when it has others. */
  private bindKeyTx(subjectId: string, key: Uint8Array | null, at: number): boolean {
    if (key === null) return false;
    const keys = this.q('SELECT key_id FROM device_keys WHERE subject_id = ?').all(
      subjectId,
    ) as Row[];
    if (keys.length === 0) {
      this.insertKeyTx(subjectId, key, at);
      return true;
    }
    const id = deviceKeyId(key);
    if (!keys.some((k) => k.key_id === id)) {
      throw new StoreError('device_mismatch', 'the subject is bound to other device keys');
    }
    return false;
  }

  async useGrant(grantId: string, expiresAt: number): Promise<boolean> {
    return (
      this.q('INSERT OR IGNORE INTO grants_used(grant_id, expires_at) VALUES (?, ?)').run(
        check.id('grantId', grantId),
        check.time('expiresAt', expiresAt),
      ).changes > 0
    );
  }

  // ---- templates --------------------------------------------------------------------------

  async addTemplate(template: NewTemplate): Promise<void> {
    const t = check.newTemplate(template);
    const sealed = this.keyring.seal(t.vector, t);
    const gen = this.db.transaction(() => this.insertTemplateTx(t, sealed))();
    this.cache.applied(t.modelId, gen, (ix) => ix.add(t.templateId, t.subjectId, t.vector));
  }

  async enrol(
    subject: NewSubject,
    templates: NewTemplate | NewTemplate[],
    opts: { replace?: boolean } = {},
  ): Promise<EnrolResult> {
    const s = check.newSubject(subject);
    const ts = check.newTemplates(s.subjectId, templates);
    const sealed = ts.map((t) => this.keyring.seal(t.vector, t));
    const out = this.db.transaction(() => {
      const subjectCreated =
        this.q(
          `INSERT INTO subjects(subject_id, created_at) VALUES (?, ?)
             ON CONFLICT(subject_id) DO NOTHING`,
        ).run(s.subjectId, s.createdAt).changes > 0;
      const keyBound = this.bindKeyTx(s.subjectId, s.devicePublicKey, s.createdAt);
      const removed = opts.replace === true ? this.removeTemplatesTx(s.subjectId) : [];
      const gens = ts.map((t, i) => this.insertTemplateTx(t, sealed[i] as SealedVector));
      return { subjectCreated, keyBound, removed, gens };
    })();
    for (const [modelId, gen] of out.removed) {
      this.cache.applied(modelId, gen, (ix) => ix.removeSubject(s.subjectId));
    }
    if (out.removed.length > 0) this.scrubWal();
    ts.forEach((t, i) =>
      this.cache.applied(t.modelId, out.gens[i] as number, (ix) =>
        ix.add(t.templateId, t.subjectId, t.vector),
      ),
    );
    return {
      subjectCreated: out.subjectCreated,
      keyBound: out.keyBound,
      templatesReplaced: out.removed.reduce((n, [, , c]) => n + c, 0),
    };
  }

  async enrolMany(
    entries: { subject: NewSubject; template: NewTemplate }[],
  ): Promise<{ subjectsCreated: number; templatesAdded: number }> {
    const items = check.enrolments(entries).map((e) => ({
      ...e,
      sealed: this.keyring.seal(e.template.vector, e.template),
    }));
    // The generation moves by many steps: the cache reloads on the next identify.
    return this.db.transaction(() => {
      let subjectsCreated = 0;
      for (const { subject: s, template: t, sealed } of items) {
        const created = this.q(
          `INSERT INTO subjects(subject_id, created_at) VALUES (?, ?)
             ON CONFLICT(subject_id) DO NOTHING`,
        ).run(s.subjectId, s.createdAt).changes;
        subjectsCreated += created;
        if (created > 0 && s.devicePublicKey !== null) {
          this.insertKeyTx(s.subjectId, s.devicePublicKey, s.createdAt);
        }
        this.insertTemplateTx(t, sealed);
      }
      return { subjectsCreated, templatesAdded: items.length };
    })();
  }

  private insertTemplateTx(t: NewTemplate, sealed: SealedVector): number {
    const exists = this.q('SELECT 1 FROM subjects WHERE subject_id = ?').get(t.subjectId);
    if (exists === undefined) throw new StoreError('unknown_subject', 'subject does not exist');
    try {
      this.q(
        `INSERT INTO templates(template_id, subject_id, model_id, key_id, iv, ct, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        t.templateId,
        t.subjectId,
        t.modelId,
        sealed.keyId,
        Buffer.from(sealed.iv),
        Buffer.from(sealed.ct),
        t.createdAt,
      );
    } catch (e) {
      if (isConstraint(e, 'PRIMARYKEY'))
        throw new StoreError('conflict', 'template already exists');
      throw e;
    }
    const gen = this.bump(t.modelId);
    this.q(
      "INSERT INTO template_changes(model_id, gen, template_id, op) VALUES (?, ?, ?, 'add')",
    ).run(t.modelId, gen, t.templateId);
    return gen;
  }

  async listTemplates(subjectId: string): Promise<TemplateRecord[]> {
    const sid = check.id('subjectId', subjectId);
    // Generation first, rows after: rows are never older than the generation they are filed
    // under (a write in between only makes the next call drop the cache).
    const gen = (
      this.q('SELECT coalesce(sum(gen), 0) AS g FROM template_generations').get() as { g: number }
    ).g;
    if (gen !== this.templateCacheGen) {
      this.templateCache.clear();
      this.templateCacheGen = gen;
    }
    let records = this.templateCache.get(sid);
    if (records === undefined) {
      const rows = this.q(
        'SELECT * FROM templates WHERE subject_id = ? ORDER BY created_at, template_id',
      ).all(sid) as Row[];
      records = rows.map((r) => this.templateFromRow(r));
      if (this.templateCacheSize > 0) {
        // Oldest insertion first out: a bound, not a hit-rate optimisation.
        if (this.templateCache.size >= this.templateCacheSize) {
          this.templateCache.delete(this.templateCache.keys().next().value as string);
        }
        this.templateCache.set(sid, records);
      }
    }
    // Copies: callers may keep or change what they get without touching the cache.
    return records.map((t) => ({ ...t, vector: t.vector.slice() }));
  }

  async deleteTemplates(subjectId: string): Promise<number> {
    const sid = check.id('subjectId', subjectId);
    const bumps = this.db.transaction(() => this.removeTemplatesTx(sid))();
    for (const [modelId, gen] of bumps) {
      this.cache.applied(modelId, gen, (ix) => ix.removeSubject(sid));
    }
    this.scrubWal();
    return bumps.reduce((n, [, , c]) => n + c, 0);
  }

  async warmIdentify(modelId: string): Promise<void> {
    await this.cache.warm(check.id('modelId', modelId));
  }

  async identify(vector: Float32Array, modelId: string, k: number): Promise<IdentifyMatch[]> {
    const v = check.vector('vector', vector);
    const m = check.id('modelId', modelId);
    return this.cache.search(v, m, check.intRange('k', k, 1, 100));
  }

  // ---- sessions ---------------------------------------------------------------------------

  async createSession(session: NewSession): Promise<void> {
    const s = check.newSession(session);
    try {
      this.q(
        `INSERT INTO sessions(session_id, nonce_hash, purpose, subject_id, challenges, origin,
             expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        s.sessionId,
        Buffer.from(s.nonceHash),
        s.purpose,
        s.subjectId,
        JSON.stringify(s.challenges),
        s.origin,
        s.expiresAt,
        s.createdAt,
      );
    } catch (e) {
      if (isConstraint(e, 'PRIMARYKEY')) throw new StoreError('conflict', 'session already exists');
      throw e;
    }
  }

  async consumeSession(
    sessionId: string,
    nonceHash: Uint8Array,
    now: number,
  ): Promise<ConsumeResult> {
    const sid = check.id('sessionId', sessionId);
    const hash = Buffer.from(check.bytes('nonceHash', nonceHash, 1, 64));
    const t = check.time('now', now);
    // One statement: the database serialises writers, so exactly one caller wins.
    const won = this.q(
      `UPDATE sessions SET used_at = ?
         WHERE session_id = ? AND used_at IS NULL AND nonce_hash = ? AND expires_at > ?
         RETURNING *`,
    ).get(t, sid, hash, t) as Row | undefined;
    if (won !== undefined) return { status: 'ok', session: sessionFromRow(won) };
    const row = this.q('SELECT * FROM sessions WHERE session_id = ?').get(sid) as Row | undefined;
    return { status: classifyMiss(row === undefined ? undefined : sessionFromRow(row), hash, t) };
  }

  async getSession(sessionId: string): Promise<SessionRecord | null> {
    const row = this.q('SELECT * FROM sessions WHERE session_id = ?').get(
      check.id('sessionId', sessionId),
    ) as Row | undefined;
    return row === undefined ? null : sessionFromRow(row);
  }

  // ---- consent ----------------------------------------------------------------------------

  async addConsent(consent: NewConsent): Promise<void> {
    const c = check.newConsent(consent);
    try {
      this.q(
        `INSERT INTO consents(consent_id, subject_id, policy_version, purposes, sensitive,
             guardian, accepted, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        c.consentId,
        c.subjectId,
        c.policyVersion,
        JSON.stringify(c.purposes),
        c.sensitive ? 1 : 0,
        c.guardian ? 1 : 0,
        c.accepted ? 1 : 0,
        c.at,
      );
    } catch (e) {
      if (isConstraint(e, 'PRIMARYKEY')) throw new StoreError('conflict', 'consent already exists');
      throw e;
    }
  }

  async listConsents(subjectId: string): Promise<ConsentRecord[]> {
    const rows = this.q('SELECT * FROM consents WHERE subject_id = ? ORDER BY at, consent_id').all(
      check.id('subjectId', subjectId),
    ) as Row[];
    return rows.map(consentFromRow);
  }

  async withdrawConsent(subjectId: string, at: number): Promise<WithdrawResult> {
    const sid = check.id('subjectId', subjectId);
    const t = check.time('at', at);
    const out = this.db.transaction(() => {
      const consentsWithdrawn = this.q(
        'UPDATE consents SET withdrawn_at = ? WHERE subject_id = ? AND withdrawn_at IS NULL',
      ).run(t, sid).changes;
      const bumps = this.removeTemplatesTx(sid);
      return { consentsWithdrawn, bumps };
    })();
    for (const [modelId, gen] of out.bumps) {
      this.cache.applied(modelId, gen, (ix) => ix.removeSubject(sid));
    }
    this.scrubWal();
    return {
      consentsWithdrawn: out.consentsWithdrawn,
      templatesDeleted: out.bumps.reduce((n, [, , c]) => n + c, 0),
    };
  }

  // ---- verification records and call log ------------------------------------------------

  async addVerification(record: VerificationRecord): Promise<void> {
    const r = check.verification(record);
    try {
      this.q(
        'INSERT INTO verifications(id, subject_id, kind, decision, score, at, device_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(r.id, r.subjectId, r.kind, r.decision, r.score, r.at, r.deviceId ?? null);
    } catch (e) {
      if (isConstraint(e, 'PRIMARYKEY')) {
        throw new StoreError('conflict', 'verification record already exists');
      }
      throw e;
    }
  }

  async countFailures(subjectId: string, since: number, deviceId?: string): Promise<number> {
    const sid = check.id('subjectId', subjectId);
    const t = check.time('since', since);
    const row = (
      deviceId === undefined
        ? this.q(
            `SELECT count(*) AS n FROM verifications
               WHERE subject_id = ? AND kind = 'verify' AND decision = 'reject' AND at >= ?`,
          ).get(sid, t)
        : this.q(
            `SELECT count(*) AS n FROM verifications
               WHERE subject_id = ? AND device_id = ? AND kind = 'verify' AND decision = 'reject'
                 AND at >= ?`,
          ).get(sid, check.id('deviceId', deviceId), t)
    ) as { n: number };
    return row.n;
  }

  async addCall(call: CallRecord): Promise<void> {
    await this.addCalls([call]);
  }

  async addCalls(calls: CallRecord[]): Promise<void> {
    const cs = calls.map((c) => check.call(c));
    const insert = this.q(
      'INSERT INTO calls(at, route, status, code, ms, client_hash) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const c of cs) insert.run(c.at, c.route, c.status, c.code, c.ms, c.clientHash);
    })();
  }

  async listCalls(opts: { since: number; limit: number }): Promise<CallRecord[]> {
    const rows = this.q('SELECT * FROM calls WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?').all(
      check.time('since', opts.since),
      check.intRange('limit', opts.limit, 1, 10_000),
    ) as Row[];
    return rows.map(callFromRow);
  }

  // ---- retention and rights ----------------------------------------------------------------

  async purge(now: number, policy?: Partial<RetentionPolicy>): Promise<PurgeCounts> {
    const t = check.time('now', now);
    const p = resolveRetention(policy);
    const counts = this.db.transaction((): PurgeCounts => {
      const out = {
        verifications: this.q('DELETE FROM verifications WHERE at < ?').run(t - p.verificationMs)
          .changes,
        consents: this.q(PURGE_CONSENTS).run(t - p.consentMs).changes,
        calls: this.q('DELETE FROM calls WHERE at < ?').run(t - p.callLogMs).changes,
        sessions: this.q('DELETE FROM sessions WHERE expires_at < ?').run(t - p.sessionMs).changes,
      };
      this.q('DELETE FROM grants_used WHERE expires_at < ?').run(t);
      this.q(pruneChangesSql('?')).run(CHANGE_LOG_KEEP);
      return out;
    })();
    this.scrubWal();
    return counts;
  }

  async exportSubject(subjectId: string): Promise<SubjectExport> {
    const sid = check.id('subjectId', subjectId);
    const read = this.db.transaction(() => ({
      subject: this.q(`${SUBJECT_SELECT} WHERE s.subject_id = ?`).get(sid) as Row | undefined,
      keys: this.q('SELECT * FROM device_keys WHERE subject_id = ? ORDER BY added_at, key_id').all(
        sid,
      ) as Row[],
      templates: this.q(
        'SELECT * FROM templates WHERE subject_id = ? ORDER BY created_at, template_id',
      ).all(sid) as Row[],
      consents: this.q('SELECT * FROM consents WHERE subject_id = ? ORDER BY at, consent_id').all(
        sid,
      ) as Row[],
      verifications: this.q('SELECT * FROM verifications WHERE subject_id = ? ORDER BY at, id').all(
        sid,
      ) as Row[],
    }))();
    const s = read.subject === undefined ? null : subjectFromRow(read.subject);
    return {
      subject:
        s === null
          ? null
          : {
              subjectId: s.subjectId,
              createdAt: s.createdAt,
              suspendedUntil: s.suspendedUntil,
              deviceKeys: read.keys.map(deviceKeyFromRow).map((k) => ({
                keyId: k.keyId,
                publicKey: toBase64(k.publicKey),
                addedAt: k.addedAt,
              })),
            },
      templates: read.templates.map((r) => {
        const t = this.templateFromRow(r);
        return {
          templateId: t.templateId,
          modelId: t.modelId,
          createdAt: t.createdAt,
          vector: vectorToBase64(t.vector),
        };
      }),
      consents: read.consents.map(consentFromRow),
      verifications: read.verifications.map(verificationFromRow),
    };
  }

  async vacuum(): Promise<void> {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async snapshot(): Promise<StoreSnapshot> {
    return this.db.transaction((): StoreSnapshot => {
      const counts: Record<string, number> = {};
      let h: ReturnType<typeof digestRows> | undefined;
      for (const table of TABLES) {
        const rows = this.q(`SELECT * FROM ${table} ORDER BY 1`).all() as Row[];
        counts[table] = rows.length;
        h = digestRows(table, rows, h);
      }
      return { counts, digest: h!.digest('hex') };
    })();
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

  /** Full index loads vs. change-log replays so far (tests, metrics). */
  indexStats(): { loads: number; replays: number } {
    return { ...this.cache.stats };
  }

  // ---- internals --------------------------------------------------------------------------

  private q(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (st === undefined) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Deletes a subject's templates and bumps each affected model; returns [model, gen, count]. */
  private removeTemplatesTx(subjectId: string): [string, number, number][] {
    const doomed = this.q(
      'SELECT model_id, template_id FROM templates WHERE subject_id = ? ORDER BY model_id',
    ).all(subjectId) as { model_id: string; template_id: string }[];
    if (doomed.length === 0) return [];
    this.q('DELETE FROM templates WHERE subject_id = ?').run(subjectId);
    const perModel = new Map<string, string[]>();
    for (const d of doomed)
      perModel.set(d.model_id, [...(perModel.get(d.model_id) ?? []), d.template_id]);
    const log = this.q(
      "INSERT INTO template_changes(model_id, gen, template_id, op) VALUES (?, ?, ?, 'del')",
    );
    return [...perModel].map(([modelId, ids]) => {
      const gen = this.bump(modelId);
      for (const id of ids) log.run(modelId, gen, id);
      return [modelId, gen, ids.length];
    });
  }

  private bump(modelId: string): number {
    const row = this.q(
      `INSERT INTO template_generations(model_id, gen) VALUES (?, 1)
         ON CONFLICT(model_id) DO UPDATE SET gen = gen + 1 RETURNING gen`,
    ).get(modelId) as { gen: number };
    return row.gen;
  }

  private generation(modelId: string): number {
    const row = this.q('SELECT gen FROM template_generations WHERE model_id = ?').get(modelId) as
      { gen: number } | undefined;
    return row?.gen ?? 0;
  }

  private loadModel(modelId: string): { gen: number; rows: IndexRow[] } {
    return this.db.transaction(() => {
      const gen = this.generation(modelId);
      const rows = (this.q('SELECT * FROM templates WHERE model_id = ?').all(modelId) as Row[]).map(
        (r) => {
          const t = this.templateFromRow(r);
          return { templateId: t.templateId, subjectId: t.subjectId, vector: t.vector };
        },
      );
      return { gen, rows };
    })();
  }

  private modelChanges(
    modelId: string,
    afterGen: number,
  ): { gen: number; complete: boolean; changes: IndexChange[] } {
    return this.db.transaction(() => {
      const gen = this.generation(modelId);
      if (gen - afterGen > CHANGE_LOG_KEEP) return { gen, complete: false, changes: [] };
      const log = this.q(
        'SELECT gen, template_id, op FROM template_changes WHERE model_id = ? AND gen > ? AND gen <= ? ORDER BY gen, template_id',
      ).all(modelId, afterGen, gen) as { gen: number; template_id: string; op: 'add' | 'del' }[];
      const gens = new Set(log.map((l) => l.gen));
      if (gens.size !== gen - afterGen) return { gen, complete: false, changes: [] };
      const get = this.q('SELECT * FROM templates WHERE template_id = ? AND model_id = ?');
      const changes = log.map((l): IndexChange => {
        if (l.op === 'del') return { op: 'del', templateId: l.template_id };
        const r = get.get(l.template_id, modelId) as Row | undefined;
        if (r === undefined) return { op: 'add', templateId: l.template_id, row: null };
        const t = this.templateFromRow(r);
        return {
          op: 'add',
          templateId: t.templateId,
          row: { templateId: t.templateId, subjectId: t.subjectId, vector: t.vector },
        };
      });
      return { gen, complete: true, changes };
    })();
  }

  private templateFromRow(r: Row): TemplateRecord {
    const row = {
      templateId: r.template_id as string,
      subjectId: r.subject_id as string,
      modelId: r.model_id as string,
    };
    const vector = this.keyring.open(
      { keyId: r.key_id as string, iv: r.iv as Uint8Array, ct: r.ct as Uint8Array },
      row,
    );
    return { ...row, vector, createdAt: r.created_at as number };
  }

  /** Moves WAL content into the file (where secure_delete zeroed it) and truncates the WAL. */
  private scrubWal(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Busy readers elsewhere: the next checkpoint (or vacuum) finishes the job.
    }
  }
}

const PURGE_CONSENTS = purgeConsentsSql('?');

// A PASSIVE checkpoint every 200 ms: it never waits for, or blocks, the readers and writers of
// other connections, and is nearly free when the WAL has nothing new.
const CHECKPOINTER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {}
}, 200);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;

function startCheckpointer(path: string): Worker {
  const w = new Worker(CHECKPOINTER, {
    eval: true,
    workerData: { path, module: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  w.unref(); // never keeps the process alive
  w.on('error', () => {}); // the in-request auto-checkpoint backstop takes over
  return w;
}
