// The store, written once over a per-dialect SqlBackend (sql.ts): argument checks, at-rest
// sealing, the identify and template caches, and the shaping of results live here; SQLite
// (sqlite.ts) and PostgreSQL (postgres.ts) only run SQL, transactions and their own upkeep.
// The contract suite (store.contract.test.ts) runs every method against both.
//
// Coherence across processes and instances: every template write bumps its model's generation
// and appends to the change log in the same transaction (index-cache.ts reads both).

import type { SubjectExport } from '../../protocol/api';
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
import type { SqlBackend, SqlRunner } from './sql';
import * as check from './validate';
import {
  StoreError,
  type CallRecord,
  type ConsentRecord,
  type ConsumeResult,
  type DeleteSubjectResult,
  type DeviceKeyRecord,
  type EnrollResult,
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
  type SubjectRecord,
  type TemplateRecord,
  type VerificationRecord,
  type WithdrawResult,
} from './types';

/** Subject rows with their device key count. */
const SUBJECT_SELECT = `SELECT s.*, (SELECT count(*) FROM device_keys d WHERE d.subject_id = s.subject_id)
  AS device_keys FROM subjects s`;

const INSERT_KEY = `INSERT INTO device_keys(subject_id, key_id, public_key, added_at)
  VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`;

const INSERT_SUBJECT_IF_NEW = `INSERT INTO subjects(subject_id, created_at) VALUES (?, ?)
  ON CONFLICT (subject_id) DO NOTHING`;

/** Rows a multi-row INSERT carries (well under both dialects' bound-parameter limits). */
const INSERT_CHUNK = 100;

/** [model id, new generation, templates removed] per model a removal touched. */
type Bump = [modelId: string, gen: number, count: number];

const removedCount = (bumps: Bump[]): number => bumps.reduce((n, [, , c]) => n + c, 0);

export interface StoreCoreOptions {
  keyring: DataKeyring;
  /** Subjects whose decrypted templates are kept for verify (0 disables the cache). */
  templateCacheSize?: number;
}

export class StoreCore implements Store {
  readonly kind: Store['kind'];
  private readonly keyring: DataKeyring;
  private readonly cache: IndexCache;
  // Decrypted templates per subject for verify (decryption and row decoding cost more than the
  // check). Valid while the sum of all template generations is unchanged: every template write
  // of any process bumps its model's generation in the same transaction, and generations only
  // grow, so one indexed read tells whether anything changed since the entries were read.
  private readonly templateCache = new Map<string, TemplateRecord[]>();
  private templateCacheGen = -1;
  private readonly templateCacheSize: number;

  constructor(
    protected readonly sql: SqlBackend,
    opts: StoreCoreOptions,
  ) {
    this.kind = sql.kind;
    this.keyring = opts.keyring;
    this.templateCacheSize = opts.templateCacheSize ?? 0;
    this.cache = new IndexCache({
      generation: (modelId) => this.generation(sql, modelId),
      load: (modelId) => this.loadModel(modelId),
      changes: (modelId, afterGen) => this.modelChanges(modelId, afterGen),
    });
  }

  async migrate(): Promise<void> {
    await this.sql.migrate(async (c) => {
      // Schema 1 kept one device key on the subject row: move it into the list.
      const legacy = await c.all(
        'SELECT subject_id, device_public_key, created_at FROM subjects WHERE device_public_key IS NOT NULL',
      );
      for (const r of legacy) {
        const key = new Uint8Array(r.device_public_key as Uint8Array);
        await c.run(INSERT_KEY, [r.subject_id, deviceKeyId(key), key, r.created_at]);
      }
      if (legacy.length > 0) await c.run('UPDATE subjects SET device_public_key = NULL');
      await c.run("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    });
  }

  async close(): Promise<void> {
    this.cache.clear();
    this.templateCache.clear();
    await this.sql.close();
  }

  // ---- subjects ---------------------------------------------------------------------------

  async putSubject(subject: NewSubject): Promise<void> {
    const s = check.newSubject(subject);
    await this.unique(
      'subject',
      this.sql.tx(async (c) => {
        await c.run('INSERT INTO subjects(subject_id, created_at) VALUES (?, ?)', [
          s.subjectId,
          s.createdAt,
        ]);
        if (s.devicePublicKey !== null) {
          await c.run(INSERT_KEY, [
            s.subjectId,
            deviceKeyId(s.devicePublicKey),
            s.devicePublicKey,
            s.createdAt,
          ]);
        }
      }),
    );
  }

  async getSubject(subjectId: string): Promise<SubjectRecord | null> {
    const [row] = await this.sql.all(`${SUBJECT_SELECT} WHERE s.subject_id = ?`, [
      check.id('subjectId', subjectId),
    ]);
    return row === undefined ? null : subjectFromRow(row);
  }

  async listSubjects(opts: { limit: number; after?: string }): Promise<SubjectRecord[]> {
    const limit = check.intRange('limit', opts.limit, 1, 1000);
    const after = opts.after === undefined ? '' : check.id('after', opts.after);
    const id = this.sql.bytewise('s.subject_id');
    const rows = await this.sql.all(`${SUBJECT_SELECT} WHERE ${id} > ? ORDER BY ${id} LIMIT ?`, [
      after,
      limit,
    ]);
    return rows.map(subjectFromRow);
  }

  async deleteSubject(subjectId: string): Promise<DeleteSubjectResult> {
    const sid = check.id('subjectId', subjectId);
    const out = await this.sql.tx(async (c) => {
      // Lock the subject row first so a concurrent addTemplate cannot slip in between.
      await this.lockSubject(c, sid, 'update');
      const bumps = await this.removeTemplates(c, sid);
      const verificationsDeleted = await c.run('DELETE FROM verifications WHERE subject_id = ?', [
        sid,
      ]);
      await c.run('DELETE FROM sessions WHERE subject_id = ?', [sid]);
      await c.run('DELETE FROM device_keys WHERE subject_id = ?', [sid]);
      const deleted = (await c.run('DELETE FROM subjects WHERE subject_id = ?', [sid])) > 0;
      return { bumps, verificationsDeleted, deleted };
    });
    this.removedFromIndex(sid, out.bumps);
    this.sql.scrub();
    return {
      deleted: out.deleted,
      templatesDeleted: removedCount(out.bumps),
      verificationsDeleted: out.verificationsDeleted,
    };
  }

  async setSuspended(subjectId: string, until: number | null): Promise<boolean> {
    const sid = check.id('subjectId', subjectId);
    const u = check.timeOrNull('until', until);
    return this.changed('UPDATE subjects SET suspended_until = ? WHERE subject_id = ?', [u, sid]);
  }

  // ---- device keys ------------------------------------------------------------------------

  async listDeviceKeys(subjectId: string): Promise<DeviceKeyRecord[]> {
    const rows = await this.sql.all(
      `SELECT * FROM device_keys WHERE subject_id = ? ORDER BY added_at, ${this.sql.bytewise('key_id')}`,
      [check.id('subjectId', subjectId)],
    );
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
    const keyId = deviceKeyId(key);
    return this.sql.tx(async (c) => {
      await this.requireSubject(c, sid);
      await c.run(INSERT_KEY, [sid, keyId, key, t]);
      const [row] = await c.all('SELECT * FROM device_keys WHERE subject_id = ? AND key_id = ?', [
        sid,
        keyId,
      ]);
      return deviceKeyFromRow(row!);
    });
  }

  async removeDeviceKey(subjectId: string, keyId: string): Promise<boolean> {
    return this.changed('DELETE FROM device_keys WHERE subject_id = ? AND key_id = ?', [
      check.id('subjectId', subjectId),
      check.id('keyId', keyId),
    ]);
  }

  async useGrant(grantId: string, expiresAt: number): Promise<boolean> {
    return this.changed(
      'INSERT INTO grants_used(grant_id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
      [check.id('grantId', grantId), check.time('expiresAt', expiresAt)],
    );
  }

  // ---- templates --------------------------------------------------------------------------

  async addTemplate(template: NewTemplate): Promise<void> {
    const t = check.newTemplate(template);
    const sealed = this.keyring.seal(t.vector, t);
    const gen = await this.sql.tx((c) => this.insertTemplate(c, t, sealed));
    this.cache.applied(t.modelId, gen, (ix) => ix.add(t.templateId, t.subjectId, t.vector));
  }

  async enroll(
    subject: NewSubject,
    templates: NewTemplate | NewTemplate[],
    opts: { replace?: boolean } = {},
  ): Promise<EnrollResult> {
    const s = check.newSubject(subject);
    const ts = check.newTemplates(s.subjectId, templates);
    const sealed = ts.map((t) => this.keyring.seal(t.vector, t));
    const out = await this.sql.tx(async (c) => {
      const created = await c.run(INSERT_SUBJECT_IF_NEW, [s.subjectId, s.createdAt]);
      const keyBound = await this.bindKey(c, s.subjectId, s.devicePublicKey, s.createdAt);
      // insertTemplate locks the subject row FOR SHARE; removing first is safe because the
      // whole transaction rolls back if an insert fails.
      const removed = opts.replace === true ? await this.removeTemplates(c, s.subjectId) : [];
      const gens: number[] = [];
      for (let i = 0; i < ts.length; i++) {
        gens.push(await this.insertTemplate(c, ts[i]!, sealed[i]!));
      }
      return { subjectCreated: created > 0, keyBound, removed, gens };
    });
    this.removedFromIndex(s.subjectId, out.removed);
    if (out.removed.length > 0) this.sql.scrub();
    ts.forEach((t, i) =>
      this.cache.applied(t.modelId, out.gens[i]!, (ix) =>
        ix.add(t.templateId, t.subjectId, t.vector),
      ),
    );
    return {
      subjectCreated: out.subjectCreated,
      keyBound: out.keyBound,
      templatesReplaced: removedCount(out.removed),
    };
  }

  async enrollMany(
    entries: { subject: NewSubject; template: NewTemplate }[],
  ): Promise<{ subjectsCreated: number; templatesAdded: number }> {
    const items = check.enrollments(entries).map((e) => ({
      ...e,
      sealed: this.keyring.seal(e.template.vector, e.template),
    }));
    // The generation moves by many steps: the cache reloads on the next identify.
    return this.sql.tx(async (c) => {
      let subjectsCreated = 0;
      for (const { subject: s, template: t, sealed } of items) {
        const created = await c.run(INSERT_SUBJECT_IF_NEW, [s.subjectId, s.createdAt]);
        subjectsCreated += created;
        if (created > 0 && s.devicePublicKey !== null) {
          await c.run(INSERT_KEY, [
            s.subjectId,
            deviceKeyId(s.devicePublicKey),
            s.devicePublicKey,
            s.createdAt,
          ]);
        }
        await this.insertTemplate(c, t, sealed);
      }
      return { subjectsCreated, templatesAdded: items.length };
    });
  }

  async listTemplates(subjectId: string): Promise<TemplateRecord[]> {
    const sid = check.id('subjectId', subjectId);
    if (this.templateCacheSize === 0) return this.readTemplates(sid);
    // Generation first, rows after: rows are never older than the generation they are filed
    // under (a write in between only makes the next call drop the cache).
    const [g] = await this.sql.all('SELECT coalesce(sum(gen), 0) AS g FROM template_generations');
    const gen = Number(g!.g);
    if (gen !== this.templateCacheGen) {
      this.templateCache.clear();
      this.templateCacheGen = gen;
    }
    let records = this.templateCache.get(sid);
    if (records === undefined) {
      records = await this.readTemplates(sid);
      // Oldest insertion first out: a bound, not a hit-rate optimisation.
      if (this.templateCache.size >= this.templateCacheSize) {
        this.templateCache.delete(this.templateCache.keys().next().value as string);
      }
      this.templateCache.set(sid, records);
    }
    // Copies: callers may keep or change what they get without touching the cache.
    return records.map((t) => ({ ...t, vector: t.vector.slice() }));
  }

  async deleteTemplates(subjectId: string): Promise<number> {
    const sid = check.id('subjectId', subjectId);
    const bumps = await this.sql.tx((c) => this.removeTemplates(c, sid));
    this.removedFromIndex(sid, bumps);
    this.sql.scrub();
    return removedCount(bumps);
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
    await this.unique(
      'session',
      this.sql.run(
        `INSERT INTO sessions(session_id, nonce_hash, purpose, subject_id, challenges, origin,
           expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          s.sessionId,
          s.nonceHash,
          s.purpose,
          s.subjectId,
          JSON.stringify(s.challenges),
          s.origin,
          s.expiresAt,
          s.createdAt,
        ],
      ),
    );
  }

  async consumeSession(
    sessionId: string,
    nonceHash: Uint8Array,
    now: number,
  ): Promise<ConsumeResult> {
    const sid = check.id('sessionId', sessionId);
    const hash = check.bytes('nonceHash', nonceHash, 1, 64);
    const t = check.time('now', now);
    // One statement: the database serialises writers, so exactly one caller wins.
    const [won] = await this.sql.all(
      `UPDATE sessions SET used_at = ?
         WHERE session_id = ? AND used_at IS NULL AND nonce_hash = ? AND expires_at > ?
         RETURNING *`,
      [t, sid, hash, t],
    );
    if (won !== undefined) return { status: 'ok', session: sessionFromRow(won) };
    const [row] = await this.sql.all('SELECT * FROM sessions WHERE session_id = ?', [sid]);
    return { status: classifyMiss(row === undefined ? undefined : sessionFromRow(row), hash, t) };
  }

  async getSession(sessionId: string): Promise<SessionRecord | null> {
    const [row] = await this.sql.all('SELECT * FROM sessions WHERE session_id = ?', [
      check.id('sessionId', sessionId),
    ]);
    return row === undefined ? null : sessionFromRow(row);
  }

  // ---- consent ----------------------------------------------------------------------------

  async addConsent(consent: NewConsent): Promise<void> {
    const c = check.newConsent(consent);
    await this.unique(
      'consent',
      this.sql.run(
        `INSERT INTO consents(consent_id, subject_id, policy_version, purposes, sensitive,
           guardian, accepted, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
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
      ),
    );
  }

  async listConsents(subjectId: string): Promise<ConsentRecord[]> {
    const rows = await this.sql.all(this.bySubject('consents', 'at, consent_id'), [
      check.id('subjectId', subjectId),
    ]);
    return rows.map(consentFromRow);
  }

  async withdrawConsent(subjectId: string, at: number): Promise<WithdrawResult> {
    const sid = check.id('subjectId', subjectId);
    const t = check.time('at', at);
    const out = await this.sql.tx(async (c) => {
      await this.lockSubject(c, sid, 'update');
      const consentsWithdrawn = await c.run(
        'UPDATE consents SET withdrawn_at = ? WHERE subject_id = ? AND withdrawn_at IS NULL',
        [t, sid],
      );
      return { consentsWithdrawn, bumps: await this.removeTemplates(c, sid) };
    });
    this.removedFromIndex(sid, out.bumps);
    this.sql.scrub();
    return { consentsWithdrawn: out.consentsWithdrawn, templatesDeleted: removedCount(out.bumps) };
  }

  // ---- verification records and call log ------------------------------------------------

  async addVerification(record: VerificationRecord): Promise<void> {
    const r = check.verification(record);
    await this.unique(
      'verification record',
      this.sql.run(
        'INSERT INTO verifications(id, subject_id, kind, decision, score, at, device_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [r.id, r.subjectId, r.kind, r.decision, r.score, r.at, r.deviceId ?? null],
      ),
    );
  }

  async countFailures(subjectId: string, since: number, deviceId?: string): Promise<number> {
    const params: unknown[] = [check.id('subjectId', subjectId), check.time('since', since)];
    if (deviceId !== undefined) params.push(check.id('deviceId', deviceId));
    const [row] = await this.sql.all(
      `SELECT count(*) AS n FROM verifications
         WHERE subject_id = ? AND kind = 'verify' AND decision = 'reject' AND at >= ?
         ${deviceId === undefined ? '' : 'AND device_id = ?'}`,
      params,
    );
    return Number(row!.n);
  }

  async addCall(call: CallRecord): Promise<void> {
    await this.addCalls([call]);
  }

  async addCalls(calls: CallRecord[]): Promise<void> {
    const cs = calls.map((c) => check.call(c));
    if (cs.length === 0) return;
    await this.sql.tx((c) =>
      insertRows(
        c,
        'calls(at, route, status, code, ms, client_hash)',
        cs.map((x) => [x.at, x.route, x.status, x.code, x.ms, x.clientHash]),
      ),
    );
  }

  async listCalls(opts: { since: number; limit: number }): Promise<CallRecord[]> {
    const rows = await this.sql.all(
      'SELECT * FROM calls WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?',
      [check.time('since', opts.since), check.intRange('limit', opts.limit, 1, 10_000)],
    );
    return rows.map(callFromRow);
  }

  // ---- retention and rights ----------------------------------------------------------------

  async purge(now: number, policy?: Partial<RetentionPolicy>): Promise<PurgeCounts> {
    const t = check.time('now', now);
    const p = resolveRetention(policy);
    const counts = await this.sql.tx(async (c) => {
      const del = (sql: string, cutoff: number): Promise<number> => c.run(sql, [cutoff]);
      const out = {
        verifications: await del('DELETE FROM verifications WHERE at < ?', t - p.verificationMs),
        consents: await del(purgeConsentsSql('?'), t - p.consentMs),
        calls: await del('DELETE FROM calls WHERE at < ?', t - p.callLogMs),
        sessions: await del('DELETE FROM sessions WHERE expires_at < ?', t - p.sessionMs),
      };
      await del('DELETE FROM grants_used WHERE expires_at < ?', t);
      await del(pruneChangesSql('?'), CHANGE_LOG_KEEP);
      return out;
    });
    this.sql.scrub();
    return counts;
  }

  async exportSubject(subjectId: string): Promise<SubjectExport> {
    const sid = check.id('subjectId', subjectId);
    const read = await this.sql.tx(async (c) => {
      const q = (sql: string): Promise<Row[]> => c.all(sql, [sid]);
      return {
        subject: (await q(`${SUBJECT_SELECT} WHERE s.subject_id = ?`))[0],
        keys: await q(this.bySubject('device_keys', 'added_at, key_id')),
        templates: await q(this.bySubject('templates', 'created_at, template_id')),
        consents: await q(this.bySubject('consents', 'at, consent_id')),
        verifications: await q(this.bySubject('verifications', 'at, id')),
      };
    }, 'snapshot');
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

  vacuum(): Promise<void> {
    return this.sql.vacuum();
  }

  async snapshot(): Promise<StoreSnapshot> {
    return this.sql.tx(async (c) => {
      const counts: Record<string, number> = {};
      let h: ReturnType<typeof digestRows> | undefined;
      for (const table of TABLES) {
        const rows = await c.all(`SELECT * FROM ${table} ORDER BY 1`);
        counts[table] = rows.length;
        h = digestRows(table, rows, h);
      }
      return { counts, digest: h!.digest('hex') };
    }, 'snapshot');
  }

  /** Full index loads vs. change-log replays so far (tests, metrics). */
  indexStats(): { loads: number; replays: number } {
    return { ...this.cache.stats };
  }

  // ---- internals --------------------------------------------------------------------------

  /** `SELECT *` of one subject's rows of `table`, ordered by `columns` in byte order. */
  private bySubject(table: string, columns: string): string {
    const order = columns
      .split(', ')
      .map((col, i) => (i === 0 ? col : this.sql.bytewise(col)))
      .join(', ');
    return `SELECT * FROM ${table} WHERE subject_id = ? ORDER BY ${order}`;
  }

  /** Runs one write outside a transaction: whether it changed (or inserted) a row. */
  private async changed(sql: string, params: readonly unknown[]): Promise<boolean> {
    return (await this.sql.run(sql, params)) > 0;
  }

  /** Maps a primary key violation of `what` to StoreError('conflict'). */
  private async unique<T>(what: string, p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (this.sql.isUniqueViolation(e)) throw new StoreError('conflict', `${what} already exists`);
      throw e;
    }
  }

  private async lockSubject(c: SqlRunner, subjectId: string, mode: 'update' | 'share') {
    const lock = this.sql.lock(mode);
    if (lock !== '') await c.all(`SELECT 1 FROM subjects WHERE subject_id = ?${lock}`, [subjectId]);
  }

  /** Throws unknown_subject; the row stays locked FOR SHARE (cannot be deleted) until commit. */
  private async requireSubject(c: SqlRunner, subjectId: string): Promise<void> {
    const rows = await c.all(
      `SELECT 1 FROM subjects WHERE subject_id = ?${this.sql.lock('share')}`,
      [subjectId],
    );
    if (rows.length === 0) throw new StoreError('unknown_subject', 'subject does not exist');
  }

  /** Binds `key` when the subject has none; throws device_mismatch when it has others. */
  private async bindKey(
    c: SqlRunner,
    subjectId: string,
    key: Uint8Array | null,
    at: number,
  ): Promise<boolean> {
    if (key === null) return false;
    // The subject row lock serialises two first enrolments racing to bind different keys.
    await this.lockSubject(c, subjectId, 'update');
    const keys = await c.all('SELECT key_id FROM device_keys WHERE subject_id = ?', [subjectId]);
    const id = deviceKeyId(key);
    if (keys.length === 0) {
      await c.run(INSERT_KEY, [subjectId, id, key, at]);
      return true;
    }
    if (!keys.some((k) => k.key_id === id)) {
      throw new StoreError('device_mismatch', 'the subject is bound to other device keys');
    }
    return false;
  }

  private async insertTemplate(c: SqlRunner, t: NewTemplate, sealed: SealedVector) {
    await this.requireSubject(c, t.subjectId);
    await this.unique(
      'template',
      c.run(
        `INSERT INTO templates(template_id, subject_id, model_id, key_id, iv, ct, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [t.templateId, t.subjectId, t.modelId, sealed.keyId, sealed.iv, sealed.ct, t.createdAt],
      ),
    );
    const gen = await this.bump(c, t.modelId);
    await c.run(
      "INSERT INTO template_changes(model_id, gen, template_id, op) VALUES (?, ?, ?, 'add')",
      [t.modelId, gen, t.templateId],
    );
    return gen;
  }

  private async readTemplates(subjectId: string): Promise<TemplateRecord[]> {
    const rows = await this.sql.all(this.bySubject('templates', 'created_at, template_id'), [
      subjectId,
    ]);
    return rows.map((r) => this.templateFromRow(r));
  }

  /** Deletes a subject's templates and bumps each affected model. */
  private async removeTemplates(c: SqlRunner, subjectId: string): Promise<Bump[]> {
    const doomed = await c.all(
      'DELETE FROM templates WHERE subject_id = ? RETURNING model_id, template_id',
      [subjectId],
    );
    const perModel = new Map<string, string[]>();
    for (const d of doomed) {
      const modelId = d.model_id as string;
      perModel.set(modelId, [...(perModel.get(modelId) ?? []), d.template_id as string]);
    }
    const out: Bump[] = [];
    // Sorted so concurrent transactions lock generation rows in the same order.
    for (const [modelId, ids] of [...perModel].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const gen = await this.bump(c, modelId);
      await insertRows(
        c,
        'template_changes(model_id, gen, template_id, op)',
        ids.map((id) => [modelId, gen, id, 'del']),
      );
      out.push([modelId, gen, ids.length]);
    }
    return out;
  }

  /** Applies a committed removal to the in-memory 1:N indexes. */
  private removedFromIndex(subjectId: string, bumps: Bump[]): void {
    for (const [modelId, gen] of bumps) {
      this.cache.applied(modelId, gen, (ix) => ix.removeSubject(subjectId));
    }
  }

  private async bump(c: SqlRunner, modelId: string): Promise<number> {
    const [row] = await c.all(
      `INSERT INTO template_generations(model_id, gen) VALUES (?, 1)
         ON CONFLICT (model_id) DO UPDATE SET gen = template_generations.gen + 1 RETURNING gen`,
      [modelId],
    );
    return Number(row!.gen);
  }

  private async generation(c: SqlRunner, modelId: string): Promise<number> {
    const [row] = await c.all('SELECT gen FROM template_generations WHERE model_id = ?', [modelId]);
    return row === undefined ? 0 : Number(row.gen);
  }

  private loadModel(modelId: string): Promise<{ gen: number; rows: IndexRow[] }> {
    return this.sql.tx(async (c) => {
      const gen = await this.generation(c, modelId);
      const rows = await c.all('SELECT * FROM templates WHERE model_id = ?', [modelId]);
      return { gen, rows: rows.map((r) => indexRow(this.templateFromRow(r))) };
    }, 'snapshot');
  }

  private modelChanges(
    modelId: string,
    afterGen: number,
  ): Promise<{ gen: number; complete: boolean; changes: IndexChange[] }> {
    return this.sql.tx(async (c) => {
      const gen = await this.generation(c, modelId);
      if (gen - afterGen > CHANGE_LOG_KEEP) return { gen, complete: false, changes: [] };
      const log = await c.all(
        `SELECT gen, template_id, op FROM template_changes
           WHERE model_id = ? AND gen > ? AND gen <= ? ORDER BY gen, ${this.sql.bytewise('template_id')}`,
        [modelId, afterGen, gen],
      );
      const gens = new Set(log.map((l) => Number(l.gen)));
      if (gens.size !== gen - afterGen) return { gen, complete: false, changes: [] };
      const added = log.filter((l) => l.op === 'add').map((l) => l.template_id as string);
      const rows = new Map<string, IndexRow>();
      for (let i = 0; i < added.length; i += INSERT_CHUNK) {
        const ids = added.slice(i, i + INSERT_CHUNK);
        const found = await c.all(
          `SELECT * FROM templates WHERE model_id = ? AND template_id IN (${marks(ids.length)})`,
          [modelId, ...ids],
        );
        for (const r of found) {
          const row = indexRow(this.templateFromRow(r));
          rows.set(row.templateId, row);
        }
      }
      const changes = log.map((l): IndexChange => {
        const templateId = l.template_id as string;
        return l.op === 'del'
          ? { op: 'del', templateId }
          : { op: 'add', templateId, row: rows.get(templateId) ?? null };
      });
      return { gen, complete: true, changes };
    }, 'snapshot');
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

const indexRow = (t: TemplateRecord): IndexRow => ({
  templateId: t.templateId,
  subjectId: t.subjectId,
  vector: t.vector,
});

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** Multi-row INSERTs of `rows` into `target` ("table(col, …)"), INSERT_CHUNK rows a statement. */
async function insertRows(c: SqlRunner, target: string, rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    const values = chunk.map((r) => `(${marks(r.length)})`).join(', ');
    await c.run(`INSERT INTO ${target} VALUES ${values}`, chunk.flat());
  }
}
