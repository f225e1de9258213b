// PostgreSQL store for several endpoint instances sharing one database. Same contract as
// SQLite. 1:N is done in memory per instance (IndexCache), kept coherent by the
// per-model generation counter that every template write bumps in its transaction.
// Single use of sessions is one conditional UPDATE ... RETURNING, atomic across instances.

import pg from 'pg';
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

// Arbitrary constant: serialises concurrent migrate() calls from several instances.
const MIGRATE_LOCK = 0x66760001;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subjects (
  subject_id TEXT COLLATE "C" PRIMARY KEY, -- byte order, like SQLite: paging uses the index
  device_public_key BYTEA,
  created_at BIGINT NOT NULL,
  suspended_until BIGINT
);
CREATE TABLE IF NOT EXISTS templates (
  template_id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL REFERENCES subjects(subject_id) ON DELETE CASCADE,
  model_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  iv BYTEA NOT NULL,
  ct BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS templates_subject ON templates(subject_id);
CREATE INDEX IF NOT EXISTS templates_model ON templates(model_id);
CREATE TABLE IF NOT EXISTS template_generations (
  model_id TEXT PRIMARY KEY,
  gen BIGINT NOT NULL
);
-- Change log for other instances' identify caches: template ids only, no personal data.
CREATE TABLE IF NOT EXISTS template_changes (
  model_id TEXT NOT NULL,
  gen BIGINT NOT NULL,
  template_id TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('add', 'del')),
  PRIMARY KEY (model_id, gen, template_id)
);
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  nonce_hash BYTEA NOT NULL,
  purpose TEXT NOT NULL,
  subject_id TEXT,
  challenges JSONB NOT NULL,
  origin TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires_at);
CREATE INDEX IF NOT EXISTS sessions_subject ON sessions(subject_id);
CREATE TABLE IF NOT EXISTS consents (
  consent_id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  purposes JSONB NOT NULL,
  sensitive BOOLEAN NOT NULL,
  guardian BOOLEAN NOT NULL,
  accepted BOOLEAN NOT NULL,
  at BIGINT NOT NULL,
  withdrawn_at BIGINT
);
CREATE INDEX IF NOT EXISTS consents_subject ON consents(subject_id, at);
CREATE TABLE IF NOT EXISTS verifications (
  id TEXT PRIMARY KEY,
  subject_id TEXT,
  kind TEXT NOT NULL,
  decision TEXT NOT NULL,
  score DOUBLE PRECISION,
  at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS verifications_subject ON verifications(subject_id, at);
CREATE INDEX IF NOT EXISTS verifications_at ON verifications(at);
-- Lockout counts (every verify) touch only the subject's failures.
CREATE INDEX IF NOT EXISTS verifications_failures ON verifications(subject_id, at)
  WHERE kind = 'verify' AND decision = 'reject';
CREATE TABLE IF NOT EXISTS calls (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  code TEXT,
  ms DOUBLE PRECISION NOT NULL,
  client_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_at ON calls(at);
-- Device keys: a list per subject (schema 2; subjects.device_public_key is the schema-1 column,
-- moved here by migrate()).
CREATE TABLE IF NOT EXISTS device_keys (
  subject_id TEXT NOT NULL REFERENCES subjects(subject_id) ON DELETE CASCADE,
  key_id TEXT NOT NULL,
  public_key BYTEA NOT NULL,
  added_at BIGINT NOT NULL,
  PRIMARY KEY (subject_id, key_id)
);
-- Single use of host grants (ids only; purge() drops them once expired).
CREATE TABLE IF NOT EXISTS grants_used (
  grant_id TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
ALTER TABLE verifications ADD COLUMN IF NOT EXISTS device_id TEXT;
CREATE INDEX IF NOT EXISTS verifications_device_failures ON verifications(subject_id, device_id, at)
  WHERE kind = 'verify' AND decision = 'reject';
INSERT INTO meta(key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING;
`;

/** Subject rows with their device key count. */
const SUBJECT_SELECT = `SELECT s.*, (SELECT count(*) FROM device_keys d WHERE d.subject_id = s.subject_id)
  AS device_keys FROM subjects s`;

export interface PostgresStoreOptions {
  connectionString: string;
  keyring: DataKeyring;
  /** Pool size per instance. */
  max?: number;
}

type Client = pg.PoolClient;

const pgCode = (e: unknown): unknown =>
  typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;

function mapUnique(e: unknown, what: string): never {
  if (pgCode(e) === '23505') throw new StoreError('conflict', `${what} already exists`);
  throw e;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly keyring: DataKeyring;
  private readonly cache: IndexCache;

  constructor(opts: PostgresStoreOptions) {
    this.pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.max ?? 10 });
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
    this.keyring = opts.keyring;
    this.cache = new IndexCache({
      generation: (modelId) => this.generation(this.pool, modelId),
      load: (modelId) => this.loadModel(modelId),
      changes: (modelId, afterGen) => this.modelChanges(modelId, afterGen),
    });
  }

  async migrate(): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
      await c.query(SCHEMA);
      // Schema 1 kept one device key on the subject row: move it into the list.
      const legacy = await c.query<Row>(
        'SELECT subject_id, device_public_key, created_at FROM subjects WHERE device_public_key IS NOT NULL',
      );
      for (const r of legacy.rows) {
        const key = new Uint8Array(r.device_public_key as Buffer);
        await c.query(
          `INSERT INTO device_keys(subject_id, key_id, public_key, added_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [r.subject_id, deviceKeyId(key), Buffer.from(key), r.created_at],
        );
      }
      if (legacy.rows.length > 0) await c.query('UPDATE subjects SET device_public_key = NULL');
      await c.query("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    });
  }

  async close(): Promise<void> {
    this.cache.clear();
    await this.pool.end();
  }

  // ---- subjects ---------------------------------------------------------------------------

  async putSubject(subject: NewSubject): Promise<void> {
    const s = check.newSubject(subject);
    await this.tx(async (c) => {
      await c
        .query('INSERT INTO subjects(subject_id, created_at) VALUES ($1, $2)', [
          s.subjectId,
          s.createdAt,
        ])
        .catch((e: unknown) => mapUnique(e, 'subject'));
      if (s.devicePublicKey !== null) {
        await this.insertKeyTx(c, s.subjectId, s.devicePublicKey, s.createdAt);
      }
    });
  }

  async getSubject(subjectId: string): Promise<SubjectRecord | null> {
    const r = await this.pool.query<Row>(`${SUBJECT_SELECT} WHERE s.subject_id = $1`, [
      check.id('subjectId', subjectId),
    ]);
    return r.rows[0] === undefined ? null : subjectFromRow(r.rows[0]);
  }

  async listSubjects(opts: { limit: number; after?: string }): Promise<SubjectRecord[]> {
    const limit = check.intRange('limit', opts.limit, 1, 1000);
    const after = opts.after === undefined ? '' : check.id('after', opts.after);
    // COLLATE "C": byte order, the same order SQLite uses, whatever the database locale.
    const r = await this.pool.query<Row>(
      `${SUBJECT_SELECT} WHERE s.subject_id COLLATE "C" > $1 ORDER BY s.subject_id COLLATE "C" LIMIT $2`,
      [after, limit],
    );
    return r.rows.map(subjectFromRow);
  }

  async deleteSubject(subjectId: string): Promise<DeleteSubjectResult> {
    const sid = check.id('subjectId', subjectId);
    const out = await this.tx(async (c) => {
      // Lock the subject row first so a concurrent addTemplate cannot slip in between.
      await c.query('SELECT 1 FROM subjects WHERE subject_id = $1 FOR UPDATE', [sid]);
      const bumps = await this.removeTemplatesTx(c, sid);
      const v = await c.query('DELETE FROM verifications WHERE subject_id = $1', [sid]);
      await c.query('DELETE FROM sessions WHERE subject_id = $1', [sid]);
      await c.query('DELETE FROM device_keys WHERE subject_id = $1', [sid]);
      const s = await c.query('DELETE FROM subjects WHERE subject_id = $1', [sid]);
      return { bumps, verificationsDeleted: v.rowCount ?? 0, deleted: (s.rowCount ?? 0) > 0 };
    });
    for (const [modelId, gen] of out.bumps) {
      this.cache.applied(modelId, gen, (ix) => ix.removeSubject(sid));
    }
    return {
      deleted: out.deleted,
      templatesDeleted: out.bumps.reduce((n, [, , c]) => n + c, 0),
      verificationsDeleted: out.verificationsDeleted,
    };
  }

  async setSuspended(subjectId: string, until: number | null): Promise<boolean> {
    const r = await this.pool.query(
      'UPDATE subjects SET suspended_until = $1 WHERE subject_id = $2',
      [check.timeOrNull('until', until), check.id('subjectId', subjectId)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  // ---- device keys ------------------------------------------------------------------------

  async listDeviceKeys(subjectId: string): Promise<DeviceKeyRecord[]> {
    const r = await this.pool.query<Row>(
      'SELECT * FROM device_keys WHERE subject_id = $1 ORDER BY added_at, key_id COLLATE "C"',
      [check.id('subjectId', subjectId)],
    );
    return r.rows.map(deviceKeyFromRow);
  }

  async addDeviceKey(
    subjectId: string,
    publicKey: Uint8Array,
    at: number,
  ): Promise<DeviceKeyRecord> {
    const sid = check.id('subjectId', subjectId);
    const key = check.bytes('publicKey', publicKey, 1, 1024);
    const t = check.time('at', at);
    return this.tx(async (c) => {
      const s = await c.query('SELECT 1 FROM subjects WHERE subject_id = $1 FOR SHARE', [sid]);
      if (s.rowCount === 0) throw new StoreError('unknown_subject', 'subject does not exist');
      await this.insertKeyTx(c, sid, key, t);
      const r = await c.query<Row>(
        'SELECT * FROM device_keys WHERE subject_id = $1 AND key_id = $2',
        [sid, deviceKeyId(key)],
      );
      return deviceKeyFromRow(r.rows[0]!);
    });
  }

  async removeDeviceKey(subjectId: string, keyId: string): Promise<boolean> {
    const r = await this.pool.query(
      'DELETE FROM device_keys WHERE subject_id = $1 AND key_id = $2',
      [check.id('subjectId', subjectId), check.id('keyId', keyId)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  private async insertKeyTx(c: Client, subjectId: string, key: Uint8Array, at: number) {
    await c.query(
      `INSERT INTO device_keys(subject_id, key_id, public_key, added_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [subjectId, deviceKeyId(key), Buffer.from(key), at],
    );
  }

  /** Binds `key` when the subject has none; throws device_mismatch when it has others. */
  private async bindKeyTx(c: Client, subjectId: string, key: Uint8Array | null, at: number) {
    if (key === null) return false;
    // The subject row lock serialises two first enrolments racing to bind different keys.
    await c.query('SELECT 1 FROM subjects WHERE subject_id = $1 FOR UPDATE', [subjectId]);
    const keys = await c.query<Row>('SELECT key_id FROM device_keys WHERE subject_id = $1', [
      subjectId,
    ]);
    if (keys.rows.length === 0) {
      await this.insertKeyTx(c, subjectId, key, at);
      return true;
    }
    const id = deviceKeyId(key);
    if (!keys.rows.some((k) => k.key_id === id)) {
      throw new StoreError('device_mismatch', 'the subject is bound to other device keys');
    }
    return false;
  }

  async useGrant(grantId: string, expiresAt: number): Promise<boolean> {
    const r = await this.pool.query(
      'INSERT INTO grants_used(grant_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [check.id('grantId', grantId), check.time('expiresAt', expiresAt)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  // ---- templates --------------------------------------------------------------------------

  async addTemplate(template: NewTemplate): Promise<void> {
    const t = check.newTemplate(template);
    const sealed = this.keyring.seal(t.vector, t);
    const gen = await this.tx((c) => this.insertTemplateTx(c, t, sealed));
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
    const out = await this.tx(async (c) => {
      const ins = await c.query(
        `INSERT INTO subjects(subject_id, created_at) VALUES ($1, $2)
         ON CONFLICT (subject_id) DO NOTHING`,
        [s.subjectId, s.createdAt],
      );
      const keyBound = await this.bindKeyTx(c, s.subjectId, s.devicePublicKey, s.createdAt);
      // The subject row is locked FOR SHARE inside insertTemplateTx; removing first is safe
      // because the whole transaction rolls back if the insert fails.
      const removed = opts.replace === true ? await this.removeTemplatesTx(c, s.subjectId) : [];
      const gens: number[] = [];
      for (let i = 0; i < ts.length; i++) {
        gens.push(await this.insertTemplateTx(c, ts[i]!, sealed[i]!));
      }
      return { subjectCreated: (ins.rowCount ?? 0) > 0, keyBound, removed, gens };
    });
    for (const [modelId, gen] of out.removed) {
      this.cache.applied(modelId, gen, (ix) => ix.removeSubject(s.subjectId));
    }
    ts.forEach((t, i) =>
      this.cache.applied(t.modelId, out.gens[i]!, (ix) =>
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
    return this.tx(async (c) => {
      let subjectsCreated = 0;
      for (const { subject: s, template: t, sealed } of items) {
        const ins = await c.query(
          `INSERT INTO subjects(subject_id, created_at) VALUES ($1, $2)
           ON CONFLICT (subject_id) DO NOTHING`,
          [s.subjectId, s.createdAt],
        );
        subjectsCreated += ins.rowCount ?? 0;
        if ((ins.rowCount ?? 0) > 0 && s.devicePublicKey !== null) {
          await this.insertKeyTx(c, s.subjectId, s.devicePublicKey, s.createdAt);
        }
        await this.insertTemplateTx(c, t, sealed);
      }
      return { subjectsCreated, templatesAdded: items.length };
    });
  }

  private async insertTemplateTx(c: Client, t: NewTemplate, sealed: SealedVector): Promise<number> {
    // FOR SHARE: the subject cannot be deleted until this insert commits.
    const s = await c.query('SELECT 1 FROM subjects WHERE subject_id = $1 FOR SHARE', [
      t.subjectId,
    ]);
    if (s.rowCount === 0) throw new StoreError('unknown_subject', 'subject does not exist');
    await c
      .query(
        `INSERT INTO templates(template_id, subject_id, model_id, key_id, iv, ct, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          t.templateId,
          t.subjectId,
          t.modelId,
          sealed.keyId,
          Buffer.from(sealed.iv),
          Buffer.from(sealed.ct),
          t.createdAt,
        ],
      )
      .catch((e: unknown) => mapUnique(e, 'template'));
    const gen = await this.bump(c, t.modelId);
    await c.query(
      "INSERT INTO template_changes(model_id, gen, template_id, op) VALUES ($1, $2, $3, 'add')",
      [t.modelId, gen, t.templateId],
    );
    return gen;
  }

  async listTemplates(subjectId: string): Promise<TemplateRecord[]> {
    const r = await this.pool.query<Row>(
      'SELECT * FROM templates WHERE subject_id = $1 ORDER BY created_at, template_id COLLATE "C"',
      [check.id('subjectId', subjectId)],
    );
    return r.rows.map((row) => this.templateFromRow(row));
  }

  async deleteTemplates(subjectId: string): Promise<number> {
    const sid = check.id('subjectId', subjectId);
    const bumps = await this.tx((c) => this.removeTemplatesTx(c, sid));
    for (const [modelId, gen] of bumps) {
      this.cache.applied(modelId, gen, (ix) => ix.removeSubject(sid));
    }
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
    await this.pool
      .query(
        `INSERT INTO sessions(session_id, nonce_hash, purpose, subject_id, challenges, origin,
           expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          s.sessionId,
          Buffer.from(s.nonceHash),
          s.purpose,
          s.subjectId,
          JSON.stringify(s.challenges),
          s.origin,
          s.expiresAt,
          s.createdAt,
        ],
      )
      .catch((e: unknown) => mapUnique(e, 'session'));
  }

  async consumeSession(
    sessionId: string,
    nonceHash: Uint8Array,
    now: number,
  ): Promise<ConsumeResult> {
    const sid = check.id('sessionId', sessionId);
    const hash = Buffer.from(check.bytes('nonceHash', nonceHash, 1, 64));
    const t = check.time('now', now);
    const won = await this.pool.query<Row>(
      `UPDATE sessions SET used_at = $1
       WHERE session_id = $2 AND used_at IS NULL AND nonce_hash = $3 AND expires_at > $1
       RETURNING *`,
      [t, sid, hash],
    );
    if (won.rows[0] !== undefined) return { status: 'ok', session: sessionFromRow(won.rows[0]) };
    const r = await this.pool.query<Row>('SELECT * FROM sessions WHERE session_id = $1', [sid]);
    return {
      status: classifyMiss(
        r.rows[0] === undefined ? undefined : sessionFromRow(r.rows[0]),
        hash,
        t,
      ),
    };
  }

  async getSession(sessionId: string): Promise<SessionRecord | null> {
    const r = await this.pool.query<Row>('SELECT * FROM sessions WHERE session_id = $1', [
      check.id('sessionId', sessionId),
    ]);
    return r.rows[0] === undefined ? null : sessionFromRow(r.rows[0]);
  }

  // ---- consent ----------------------------------------------------------------------------

  async addConsent(consent: NewConsent): Promise<void> {
    const c = check.newConsent(consent);
    await this.pool
      .query(
        `INSERT INTO consents(consent_id, subject_id, policy_version, purposes, sensitive,
           guardian, accepted, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          c.consentId,
          c.subjectId,
          c.policyVersion,
          JSON.stringify(c.purposes),
          c.sensitive,
          c.guardian,
          c.accepted,
          c.at,
        ],
      )
      .catch((e: unknown) => mapUnique(e, 'consent'));
  }

  async listConsents(subjectId: string): Promise<ConsentRecord[]> {
    const r = await this.pool.query<Row>(
      'SELECT * FROM consents WHERE subject_id = $1 ORDER BY at, consent_id COLLATE "C"',
      [check.id('subjectId', subjectId)],
    );
    return r.rows.map(consentFromRow);
  }

  async withdrawConsent(subjectId: string, at: number): Promise<WithdrawResult> {
    const sid = check.id('subjectId', subjectId);
    const t = check.time('at', at);
    const out = await this.tx(async (c) => {
      await c.query('SELECT 1 FROM subjects WHERE subject_id = $1 FOR UPDATE', [sid]);
      const w = await c.query(
        'UPDATE consents SET withdrawn_at = $1 WHERE subject_id = $2 AND withdrawn_at IS NULL',
        [t, sid],
      );
      return { consentsWithdrawn: w.rowCount ?? 0, bumps: await this.removeTemplatesTx(c, sid) };
    });
    for (const [modelId, gen] of out.bumps) {
      this.cache.applied(modelId, gen, (ix) => ix.removeSubject(sid));
    }
    return {
      consentsWithdrawn: out.consentsWithdrawn,
      templatesDeleted: out.bumps.reduce((n, [, , c]) => n + c, 0),
    };
  }

  // ---- verification records and call log ------------------------------------------------

  async addVerification(record: VerificationRecord): Promise<void> {
    const r = check.verification(record);
    await this.pool
      .query(
        'INSERT INTO verifications(id, subject_id, kind, decision, score, at, device_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [r.id, r.subjectId, r.kind, r.decision, r.score, r.at, r.deviceId ?? null],
      )
      .catch((e: unknown) => mapUnique(e, 'verification record'));
  }

  async countFailures(subjectId: string, since: number, deviceId?: string): Promise<number> {
    const args: unknown[] = [check.id('subjectId', subjectId), check.time('since', since)];
    if (deviceId !== undefined) args.push(check.id('deviceId', deviceId));
    const r = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM verifications
       WHERE subject_id = $1 AND kind = 'verify' AND decision = 'reject' AND at >= $2
       ${deviceId === undefined ? '' : 'AND device_id = $3'}`,
      args,
    );
    return Number(r.rows[0]!.n);
  }

  async addCall(call: CallRecord): Promise<void> {
    await this.addCalls([call]);
  }

  async addCalls(calls: CallRecord[]): Promise<void> {
    const cs = calls.map((c) => check.call(c));
    if (cs.length === 0) return;
    // One multi-row INSERT: a single statement is atomic without an explicit transaction.
    const values = cs.map(
      (_, i) =>
        `($${i * 6 + 1}, $${i * 6 + 2}, $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`,
    );
    await this.pool.query(
      `INSERT INTO calls(at, route, status, code, ms, client_hash) VALUES ${values.join(', ')}`,
      cs.flatMap((c) => [c.at, c.route, c.status, c.code, c.ms, c.clientHash]),
    );
  }

  async listCalls(opts: { since: number; limit: number }): Promise<CallRecord[]> {
    const r = await this.pool.query<Row>(
      'SELECT * FROM calls WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT $2',
      [check.time('since', opts.since), check.intRange('limit', opts.limit, 1, 10_000)],
    );
    return r.rows.map(callFromRow);
  }

  // ---- retention and rights ----------------------------------------------------------------

  async purge(now: number, policy?: Partial<RetentionPolicy>): Promise<PurgeCounts> {
    const t = check.time('now', now);
    const p = resolveRetention(policy);
    return this.tx(async (c) => {
      const del = async (sql: string, cutoff: number): Promise<number> =>
        (await c.query(sql, [cutoff])).rowCount ?? 0;
      const out = {
        verifications: await del('DELETE FROM verifications WHERE at < $1', t - p.verificationMs),
        consents: await del(purgeConsentsSql('$1'), t - p.consentMs),
        calls: await del('DELETE FROM calls WHERE at < $1', t - p.callLogMs),
        sessions: await del('DELETE FROM sessions WHERE expires_at < $1', t - p.sessionMs),
      };
      await del('DELETE FROM grants_used WHERE expires_at < $1', t);
      await del(pruneChangesSql('$1'), CHANGE_LOG_KEEP);
      return out;
    });
  }

  async exportSubject(subjectId: string): Promise<SubjectExport> {
    const sid = check.id('subjectId', subjectId);
    const read = await this.tx(async (c) => {
      const q = async (sql: string): Promise<Row[]> => (await c.query<Row>(sql, [sid])).rows;
      return {
        subject: (await q(`${SUBJECT_SELECT} WHERE s.subject_id = $1`))[0],
        keys: await q(
          'SELECT * FROM device_keys WHERE subject_id = $1 ORDER BY added_at, key_id COLLATE "C"',
        ),
        templates: await q(
          'SELECT * FROM templates WHERE subject_id = $1 ORDER BY created_at, template_id COLLATE "C"',
        ),
        consents: await q(
          'SELECT * FROM consents WHERE subject_id = $1 ORDER BY at, consent_id COLLATE "C"',
        ),
        verifications: await q(
          'SELECT * FROM verifications WHERE subject_id = $1 ORDER BY at, id COLLATE "C"',
        ),
      };
    }, 'REPEATABLE READ READ ONLY');
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
    // Removes dead tuples so their space is reused; PostgreSQL does not zero it (see docs).
    for (const table of TABLES) await this.pool.query(`VACUUM ${table}`);
  }

  async snapshot(): Promise<StoreSnapshot> {
    return this.tx(async (c) => {
      const counts: Record<string, number> = {};
      let h: ReturnType<typeof digestRows> | undefined;
      for (const table of TABLES) {
        const rows = (await c.query<Row>(`SELECT * FROM ${table} ORDER BY 1`)).rows;
        counts[table] = rows.length;
        h = digestRows(table, rows, h);
      }
      return { counts, digest: h!.digest('hex') };
    }, 'REPEATABLE READ READ ONLY');
  }

  /** Full index loads vs. change-log replays so far (tests, metrics). */
  indexStats(): { loads: number; replays: number } {
    return { ...this.cache.stats };
  }

  // ---- internals --------------------------------------------------------------------------

  private async tx<T>(fn: (c: Client) => Promise<T>, mode = 'READ COMMITTED'): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query(`BEGIN ISOLATION LEVEL ${mode}`);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  private async removeTemplatesTx(
    c: Client,
    subjectId: string,
  ): Promise<[string, number, number][]> {
    const del = await c.query<{ model_id: string; template_id: string }>(
      'DELETE FROM templates WHERE subject_id = $1 RETURNING model_id, template_id',
      [subjectId],
    );
    const perModel = new Map<string, string[]>();
    for (const r of del.rows)
      perModel.set(r.model_id, [...(perModel.get(r.model_id) ?? []), r.template_id]);
    const out: [string, number, number][] = [];
    // Sorted so concurrent transactions lock generation rows in the same order.
    for (const [modelId, ids] of [...perModel].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const gen = await this.bump(c, modelId);
      await c.query(
        `INSERT INTO template_changes(model_id, gen, template_id, op)
         SELECT $1, $2, unnest($3::text[]), 'del'`,
        [modelId, gen, ids],
      );
      out.push([modelId, gen, ids.length]);
    }
    return out;
  }

  private async bump(c: Client, modelId: string): Promise<number> {
    const r = await c.query<{ gen: string }>(
      `INSERT INTO template_generations(model_id, gen) VALUES ($1, 1)
       ON CONFLICT (model_id) DO UPDATE SET gen = template_generations.gen + 1 RETURNING gen`,
      [modelId],
    );
    return Number(r.rows[0]!.gen);
  }

  private async generation(q: pg.Pool | Client, modelId: string): Promise<number> {
    const r = await q.query<{ gen: string }>(
      'SELECT gen FROM template_generations WHERE model_id = $1',
      [modelId],
    );
    return r.rows[0] === undefined ? 0 : Number(r.rows[0].gen);
  }

  private async loadModel(modelId: string): Promise<{ gen: number; rows: IndexRow[] }> {
    return this.tx(async (c) => {
      const gen = await this.generation(c, modelId);
      const r = await c.query<Row>('SELECT * FROM templates WHERE model_id = $1', [modelId]);
      const rows = r.rows.map((row) => {
        const t = this.templateFromRow(row);
        return { templateId: t.templateId, subjectId: t.subjectId, vector: t.vector };
      });
      return { gen, rows };
    }, 'REPEATABLE READ READ ONLY');
  }

  private async modelChanges(
    modelId: string,
    afterGen: number,
  ): Promise<{ gen: number; complete: boolean; changes: IndexChange[] }> {
    return this.tx(async (c) => {
      const gen = await this.generation(c, modelId);
      if (gen - afterGen > CHANGE_LOG_KEEP) return { gen, complete: false, changes: [] };
      const log = await c.query<{ gen: string; template_id: string; op: 'add' | 'del' }>(
        `SELECT gen, template_id, op FROM template_changes
           WHERE model_id = $1 AND gen > $2 AND gen <= $3 ORDER BY gen, template_id COLLATE "C"`,
        [modelId, afterGen, gen],
      );
      const gens = new Set(log.rows.map((l) => l.gen));
      if (gens.size !== gen - afterGen) return { gen, complete: false, changes: [] };
      const added = log.rows.filter((l) => l.op === 'add').map((l) => l.template_id);
      const rows = new Map<string, IndexRow>();
      if (added.length > 0) {
        const r = await c.query<Row>(
          'SELECT * FROM templates WHERE model_id = $1 AND template_id = ANY($2::text[])',
          [modelId, added],
        );
        for (const row of r.rows) {
          const t = this.templateFromRow(row);
          rows.set(t.templateId, {
            templateId: t.templateId,
            subjectId: t.subjectId,
            vector: t.vector,
          });
        }
      }
      const changes = log.rows.map((l): IndexChange =>
        l.op === 'del'
          ? { op: 'del', templateId: l.template_id }
          : { op: 'add', templateId: l.template_id, row: rows.get(l.template_id) ?? null },
      );
      return { gen, complete: true, changes };
    }, 'REPEATABLE READ READ ONLY');
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
    return { ...row, vector, createdAt: Number(r.created_at) };
  }
}
