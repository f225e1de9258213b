// The one storage interface the endpoint codes against. SQLite (embedded default) and
// PostgreSQL (several instances) implement it identically; the shared contract suite in
// store.contract.test.ts is the definition of "identically".
//
// All times are epoch milliseconds supplied by the caller (injected clock), never Date.now()
// inside the store, so retention and expiry are testable.

import type { ConsentRecord, SubjectExport, VerificationRecord } from '../../protocol/api';

// The records a subject's export carries are wire types, declared once in protocol/api.ts.
export type { ConsentRecord, VerificationRecord };
import type { ChallengeKind } from '../../protocol/payload';

export type StoreErrorCode =
  | 'invalid_input' // shape/type/range of an argument is wrong; nothing was written
  | 'unknown_subject' // the referenced subject does not exist; nothing was written
  | 'conflict' // an id that must be unique already exists; nothing was written
  | 'key_unavailable' // a row was encrypted under a key id this process does not hold
  | 'corrupt' // a stored row failed authentication (tampered or wrong key)
  | 'device_mismatch'; // the subject is bound to other device keys; nothing was written

/** Every error the store raises on purpose. Anything else is a bug or an outage. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface NewSubject {
  subjectId: string;
  /**
   * Raw device public key (SEC1 P-256) to bind: registered when the subject has no device key
   * yet (first enrolment, also of a subject the operator pre-created); null binds nothing.
   */
  devicePublicKey: Uint8Array | null;
  createdAt: number;
}

export interface SubjectRecord {
  subjectId: string;
  createdAt: number;
  /** Face verification suspended for this subject until this time (operator/risk); null = not. */
  suspendedUntil: number | null;
  /** Number of registered device keys (listDeviceKeys has them). */
  deviceKeys: number;
}

/** One device key of a subject (a person may use several browsers / devices). */
export interface DeviceKeyRecord {
  /** Short stable id: base64url of the first 12 bytes of SHA-256(publicKey). */
  keyId: string;
  publicKey: Uint8Array;
  addedAt: number;
}

export interface NewTemplate {
  templateId: string;
  subjectId: string;
  modelId: string;
  /** 512 finite float32 values with a non-zero norm. Stored encrypted (AES-256-GCM). */
  vector: Float32Array;
  createdAt: number;
}

export type TemplateRecord = NewTemplate;

export interface EnrollResult {
  subjectCreated: boolean;
  /** The subject had no device key and the given one was registered in the same transaction. */
  keyBound: boolean;
  /** Previous templates deleted by `replace: true`. */
  templatesReplaced: number;
}

export interface IdentifyMatch {
  subjectId: string;
  templateId: string;
  /** Cosine similarity of the L2-normalised query and template, in [-1, 1]. */
  score: number;
}

export interface NewSession {
  sessionId: string;
  /** Hash of the nonce handed to the client (the raw nonce is never stored). */
  nonceHash: Uint8Array;
  purpose: string;
  subjectId: string | null;
  challenges: ChallengeKind[];
  origin: string;
  expiresAt: number;
  createdAt: number;
}

export interface SessionRecord extends NewSession {
  usedAt: number | null;
}

export type ConsumeStatus = 'ok' | 'unknown' | 'used' | 'expired' | 'mismatch';

/**
 * Result of consuming a session. Single use is enforced by one conditional UPDATE in the
 * database, so it holds across processes and instances. 'mismatch' (wrong nonce for this
 * session) and 'expired' do not consume the session.
 */
export type ConsumeResult =
  { status: 'ok'; session: SessionRecord } | { status: Exclude<ConsumeStatus, 'ok'> };

/** A consent to record; ConsentRecord (protocol/api.ts, as exported) adds `withdrawnAt`. */
export type NewConsent = Omit<ConsentRecord, 'withdrawnAt'>;

export interface WithdrawResult {
  /** Consent records newly marked withdrawn. */
  consentsWithdrawn: number;
  templatesDeleted: number;
}

export type VerificationKind = VerificationRecord['kind'];
export type VerificationDecision = VerificationRecord['decision'];

/** Troubleshooting call log: no face data, no personal data (clientHash is a keyed hash). */
export interface CallRecord {
  at: number;
  route: string;
  status: number;
  code: string | null;
  ms: number;
  clientHash: string;
}

export interface RetentionPolicy {
  /** Verification records. Default 3 days. */
  verificationMs: number;
  /** Consent records, counted from withdrawal (or grant). Default 183 days; minimum 183 days. */
  consentMs: number;
  /** Call log. Default 30 days. */
  callLogMs: number;
  /** Sessions, counted from expiry. Default 1 day. */
  sessionMs: number;
}

export interface PurgeCounts {
  verifications: number;
  consents: number;
  calls: number;
  sessions: number;
}

export interface DeleteSubjectResult {
  /** False when no such subject existed (nothing changed). */
  deleted: boolean;
  templatesDeleted: number;
  verificationsDeleted: number;
}

/** Row counts per table plus a digest of all rows, so tests can prove "no state change". */
export interface StoreSnapshot {
  counts: Record<string, number>;
  digest: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates/updates the schema. Idempotent; safe to call from several instances at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // Subjects (the face library).
  /** Throws conflict if the id exists. */
  putSubject(subject: NewSubject): Promise<void>;
  getSubject(subjectId: string): Promise<SubjectRecord | null>;
  /** Ordered by subjectId; `after` is the last id of the previous page. limit 1..1000. */
  listSubjects(opts: { limit: number; after?: string }): Promise<SubjectRecord[]>;
  /**
   * Irrecoverable: templates, verification records and device key go in one transaction,
   * and the freed pages are overwritten (SQLite secure_delete + WAL checkpoint). Consent
   * records are kept as the legal record until retention removes them.
   */
  deleteSubject(subjectId: string): Promise<DeleteSubjectResult>;
  /** Returns false for an unknown subject. */
  setSuspended(subjectId: string, until: number | null): Promise<boolean>;

  // Device keys (a list per subject; each removable).
  /** Ordered by addedAt then keyId; [] for an unknown subject. */
  listDeviceKeys(subjectId: string): Promise<DeviceKeyRecord[]>;
  /** Adds a key (idempotent: an existing key is returned as it is). Throws unknown_subject. */
  addDeviceKey(subjectId: string, publicKey: Uint8Array, at: number): Promise<DeviceKeyRecord>;
  /** Returns false when the subject has no such key. */
  removeDeviceKey(subjectId: string, keyId: string): Promise<boolean>;

  // Host grants.
  /** Records a grant id as used; false when it was already used (single use across instances). */
  useGrant(grantId: string, expiresAt: number): Promise<boolean>;

  // Templates.
  /** Throws unknown_subject / invalid_input / conflict; nothing is written on error. */
  addTemplate(template: NewTemplate): Promise<void>;
  /**
   * Enrolment in one transaction: creates the subject if it does not exist yet, binds
   * `subject.devicePublicKey` when the subject has no device key yet, and adds the templates
   * (one per captured frame), so a crash never leaves half of it. When the subject already has
   * device keys and `subject.devicePublicKey` is not one of them, throws device_mismatch and
   * writes nothing (the owner's record belongs to the owner's devices). `replace: true`
   * (re-enrolment, correction, new model) deletes the previous templates in the same transaction.
   */
  enroll(
    subject: NewSubject,
    templates: NewTemplate | NewTemplate[],
    opts?: { replace?: boolean },
  ): Promise<EnrollResult>;
  /**
   * Bulk import (library migration, benchmarks): like enroll() for each entry, all in one
   * transaction; all or nothing. 1..100 000 entries.
   */
  enrollMany(
    entries: { subject: NewSubject; template: NewTemplate }[],
  ): Promise<{ subjectsCreated: number; templatesAdded: number }>;
  /** Decrypted, ordered by createdAt then templateId. */
  listTemplates(subjectId: string): Promise<TemplateRecord[]>;
  /** Returns how many were deleted. */
  deleteTemplates(subjectId: string): Promise<number>;
  /** Top-k by cosine over templates of this model id (in-memory index, coherent across instances). k 1..100. */
  identify(vector: Float32Array, modelId: string, k: number): Promise<IdentifyMatch[]>;
  /** Loads the model's 1:N index now (at start-up) instead of on the first identify. */
  warmIdentify(modelId: string): Promise<void>;

  // Sessions and nonces.
  /** Throws conflict if the session id exists. */
  createSession(session: NewSession): Promise<void>;
  consumeSession(sessionId: string, nonceHash: Uint8Array, now: number): Promise<ConsumeResult>;
  getSession(sessionId: string): Promise<SessionRecord | null>;

  // Consent records (kept even after the subject is deleted; retention removes them).
  addConsent(consent: NewConsent): Promise<void>;
  /** Ordered by time. */
  listConsents(subjectId: string): Promise<ConsentRecord[]>;
  /** Marks every open consent of the subject withdrawn and deletes its templates, atomically. */
  withdrawConsent(subjectId: string, at: number): Promise<WithdrawResult>;

  // Verification records.
  addVerification(record: VerificationRecord): Promise<void>;
  /**
   * Rejected 'verify' attempts for the subject at or after `since`; with `deviceId`, only
   * those made with that device key (so a stranger's failures never lock the owner out).
   */
  countFailures(subjectId: string, since: number, deviceId?: string): Promise<number>;

  // Call log.
  addCall(call: CallRecord): Promise<void>;
  /** Several entries in one transaction (the app batches the call log); all or none. */
  addCalls(calls: CallRecord[]): Promise<void>;
  /** Newest first, at >= since. limit 1..10000. */
  listCalls(opts: { since: number; limit: number }): Promise<CallRecord[]>;

  // Retention and rights.
  /** Deletes what is past its retention; missing fields take the defaults. */
  purge(now: number, policy?: Partial<RetentionPolicy>): Promise<PurgeCounts>;
  exportSubject(subjectId: string): Promise<SubjectExport>;

  /** Reclaims and overwrites free space (SQLite: checkpoint + VACUUM; PostgreSQL: VACUUM). */
  vacuum(): Promise<void>;
  /** For tests: row counts and a digest of every row. */
  snapshot(): Promise<StoreSnapshot>;
}

const DAY = 86_400_000;

/** Defaults from REQUIREMENTS.md: verification data 3 days, consent records >= 6 months. */
export const DEFAULT_RETENTION: RetentionPolicy = {
  verificationMs: 3 * DAY,
  consentMs: 183 * DAY,
  callLogMs: 30 * DAY,
  sessionMs: DAY,
};

/** Consent records are an electronic record kept for at least 6 months (Baidu 3.1(5)). */
export const MIN_CONSENT_RETENTION_MS = 183 * DAY;
