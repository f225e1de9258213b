// Row <-> record mapping shared by both backends. PostgreSQL returns BIGINT as text and
// booleans as booleans, SQLite returns numbers and 0/1, so every field goes through num/flag.

import { timingSafeEqual } from 'node:crypto';
import { isChallengeKind, type ChallengeKind } from '../../protocol/payload';
import {
  StoreError,
  type CallRecord,
  type ConsentRecord,
  type ConsumeResult,
  type DeviceKeyRecord,
  type SessionRecord,
  type SubjectRecord,
  type VerificationRecord,
} from './types';

export type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const flag = (v: unknown): boolean => v === true || v === 1;
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Uint8Array);
const strs = (v: unknown): string[] => (typeof v === 'string' ? JSON.parse(v) : v) as string[];
const kinds = (v: unknown): ChallengeKind[] => {
  const ks = strs(v);
  // Only known kinds are ever written (validate.ts); anything else is a damaged row.
  if (!ks.every(isChallengeKind)) throw new StoreError('corrupt', 'session row: challenge kinds');
  return ks;
};

export function subjectFromRow(r: Row): SubjectRecord {
  return {
    subjectId: r.subject_id as string,
    createdAt: num(r.created_at),
    suspendedUntil: numOrNull(r.suspended_until),
    deviceKeys: num(r.device_keys ?? 0),
  };
}

export function deviceKeyFromRow(r: Row): DeviceKeyRecord {
  return { keyId: r.key_id as string, publicKey: bytes(r.public_key), addedAt: num(r.added_at) };
}

export function sessionFromRow(r: Row): SessionRecord {
  return {
    sessionId: r.session_id as string,
    nonceHash: bytes(r.nonce_hash),
    purpose: r.purpose as string,
    subjectId: (r.subject_id as string | null) ?? null,
    challenges: kinds(r.challenges),
    origin: r.origin as string,
    expiresAt: num(r.expires_at),
    createdAt: num(r.created_at),
    usedAt: numOrNull(r.used_at),
  };
}

export function consentFromRow(r: Row): ConsentRecord {
  return {
    consentId: r.consent_id as string,
    subjectId: r.subject_id as string,
    policyVersion: r.policy_version as string,
    purposes: strs(r.purposes),
    sensitive: flag(r.sensitive),
    guardian: flag(r.guardian),
    accepted: flag(r.accepted),
    at: num(r.at),
    withdrawnAt: numOrNull(r.withdrawn_at),
  };
}

export function verificationFromRow(r: Row): VerificationRecord {
  return {
    id: r.id as string,
    subjectId: (r.subject_id as string | null) ?? null,
    kind: r.kind as VerificationRecord['kind'],
    decision: r.decision as VerificationRecord['decision'],
    score: numOrNull(r.score),
    at: num(r.at),
    ...(r.device_id === null || r.device_id === undefined
      ? {}
      : { deviceId: r.device_id as string }),
  };
}

export function callFromRow(r: Row): CallRecord {
  return {
    at: num(r.at),
    route: r.route as string,
    status: num(r.status),
    code: (r.code as string | null) ?? null,
    ms: num(r.ms),
    clientHash: r.client_hash as string,
  };
}

/** Why a consume did not win, read after the conditional UPDATE matched nothing. */
export function classifyMiss(
  row: SessionRecord | undefined,
  hash: Uint8Array,
  now: number,
): Exclude<ConsumeResult['status'], 'ok'> {
  if (row === undefined) return 'unknown';
  const a = Buffer.from(row.nonceHash);
  const b = Buffer.from(hash);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return 'mismatch';
  if (row.usedAt !== null) return 'used';
  if (row.expiresAt <= now) return 'expired';
  return 'used'; // lost a race with a concurrent consumer
}

/** The consent retention rule; `cutoff` is the dialect placeholder. */
// The latest accepted, open consent of a subject that still exists is its legal basis for
// ongoing processing and is kept; every other record goes once it is older than the window,
// counted from withdrawal when there was one.
export const purgeConsentsSql = (cutoff: string): string => `
DELETE FROM consents
WHERE coalesce(withdrawn_at, at) < ${cutoff}
  AND NOT (
    withdrawn_at IS NULL AND accepted = TRUE
    AND EXISTS (SELECT 1 FROM subjects s WHERE s.subject_id = consents.subject_id)
    AND at = (SELECT max(c2.at) FROM consents c2 WHERE c2.subject_id = consents.subject_id)
  )`;
