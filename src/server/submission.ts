// A sealed, signed submission (enrol, verify, add-device, identify): opened and checked in an
// order that leaks nothing early, and the 1:1 verification. Every check before the nonce is
// consumed is free of side effects, so garbage cannot burn someone else's session. The routes
// (routes/submissions.ts) and the benchmark's ceiling (bench/server.ts) run these same functions,
// so the ceiling measures exactly the route's work minus HTTP and the database.

import { z } from 'zod';
import { openSubmission } from '../crypto/seal';
import type { Receipt, VerifyResponse } from '../protocol/api';
import { toBase64Url } from '../protocol/encoding';
import { ProtocolError } from '../protocol/errors';
import { centroid, cosine, decide } from '../protocol/match';
import {
  MAX_ENROLL_VECTORS,
  MAX_FACES,
  PURPOSES,
  type Purpose,
  type SubmissionPayload,
} from '../protocol/payload';
import { receiptClaimsOf, receiptSignedBytes } from '../protocol/receipt';
import { checkLiveness, checkVector } from '../protocol/session';
import { nonceHash, type AppDeps } from './context';
import { deviceKeyId } from './store/common';
import type { SessionRecord, Store, TemplateRecord } from './store/types';

const b64 = (max: number) => z.string().max(max);

export const envelopeSchema = z.strictObject({
  v: z.number().int(),
  keyId: z.string().min(1).max(64),
  sessionId: z.string().min(1).max(128),
  purpose: z.enum(PURPOSES),
  enc: b64(128),
  ct: b64(40_000),
  deviceKey: b64(128),
  sig: b64(128),
});

/** What a submission is checked against: the store calls a 1:1 verification makes. */
export type SubmissionStore = Pick<
  Store,
  | 'getSession'
  | 'consumeSession'
  | 'countFailures'
  | 'listDeviceKeys'
  | 'getSubject'
  | 'listConsents'
  | 'listTemplates'
  | 'addVerification'
>;

export type SubmissionDeps = Pick<AppDeps, 'keys' | 'config' | 'random' | 'backoff'> & {
  store: SubmissionStore;
};

/** A submission as the route received it: the envelope, its Origin and the caller's identity. */
export interface Submission {
  envelope: z.infer<typeof envelopeSchema>;
  origin: string;
  /** Address-like client identity (backoff). */
  client: string;
  now: number;
}

export interface Checked {
  payload: SubmissionPayload;
  deviceKey: Uint8Array;
  /** Short id of the submitting device key (lockout and key list). */
  deviceId: string;
  session: SessionRecord;
  now: number;
}

/** Purposes that compare a face with a subject's templates (and so count towards lockout). */
const isComparison = (p: Purpose): boolean => p === 'verify' || p === 'add-device';

/** Everything the protocol requires of a submission, in an order that leaks nothing early. */
export async function openChecked(
  d: SubmissionDeps,
  s: Submission,
  purpose: Purpose,
): Promise<Checked> {
  const { envelope: env, origin, client, now } = s;
  if (env.purpose !== purpose) throw new ProtocolError('purpose_mismatch');
  // A client that keeps failing waits, before anything is decrypted or consumed.
  if (d.backoff.blockedUntil(client, now) > 0) throw new ProtocolError('rate_limited');
  const session = await d.store.getSession(env.sessionId);
  if (!session) throw new ProtocolError('session_unknown');
  if (session.purpose !== purpose) throw new ProtocolError('purpose_mismatch');
  if (session.origin !== origin) throw new ProtocolError('origin_not_allowed');
  const { payload, deviceKey } = await openSubmission(env, {
    origin,
    recipientKey: (id) => d.keys.recipientKey(id, now),
  });
  // Single use is decided by the store atomically (one conditional UPDATE).
  const consumed = await d.store.consumeSession(env.sessionId, nonceHash(payload.nonce), now);
  switch (consumed.status) {
    case 'ok':
      break;
    case 'used':
      throw new ProtocolError('nonce_used');
    case 'expired':
      throw new ProtocolError('session_expired');
    case 'mismatch':
      throw new ProtocolError('session_mismatch', 'nonce does not belong to this session');
    case 'unknown':
      throw new ProtocolError('session_unknown');
  }
  if (payload.subject !== (session.subjectId ?? '')) throw new ProtocolError('subject_mismatch');
  const deviceId = deviceKeyId(deviceKey);
  if (isComparison(purpose)) {
    // Lockout is per (subject, device key): only attempts made with one of the owner's keys can
    // lock the owner's key, so a stranger's failures never lock the owner out.
    const since = now - d.config.lockout.windowMs;
    const failures = await d.store.countFailures(payload.subject, since, deviceId);
    if (failures >= d.config.lockout.maxFailures) throw new ProtocolError('subject_locked');
    if (purpose === 'verify' && d.config.deviceBinding) {
      const keys = await d.store.listDeviceKeys(payload.subject);
      if (keys.length > 0 && !keys.some((k) => k.keyId === deviceId)) {
        d.backoff.fail(client, now);
        throw new ProtocolError(
          'device_key_mismatch',
          'this device is not registered for this subject; add it with an add-device grant',
        );
      }
    }
  }
  try {
    checkCapture(d, purpose, payload, session, now);
  } catch (e) {
    // A fresh, signed attempt that fails liveness or anti-spoof is a failed verification: it
    // counts towards this device's lockout like a no-match does.
    if (isComparison(purpose) && e instanceof ProtocolError && LOCKOUT_CODES.has(e.code)) {
      d.backoff.fail(client, now);
      await recordFailure(d, payload.subject, deviceId, now);
    }
    throw e;
  }
  return { payload, deviceKey, deviceId, session, now };
}

const LOCKOUT_CODES = new Set<string>([
  'liveness_order',
  'liveness_timing',
  'liveness_score',
  'spoof_suspected',
]);

async function recordFailure(d: SubmissionDeps, subjectId: string, deviceId: string, now: number) {
  // Only subjects that exist get records (no rows about ids a caller made up).
  const known = (await d.store.getSubject(subjectId)) !== null;
  await d.store.addVerification({
    id: newId(d),
    subjectId: known ? subjectId : null,
    kind: 'verify',
    decision: 'reject',
    score: null,
    at: now,
    deviceId,
  });
}

function maxVectors(purpose: Purpose): number {
  if (purpose === 'identify') return MAX_FACES;
  return MAX_ENROLL_VECTORS; // several frames of one face (enrol templates, verify probes)
}

function checkCapture(
  d: SubmissionDeps,
  purpose: Purpose,
  payload: SubmissionPayload,
  session: SessionRecord,
  now: number,
): void {
  if (!d.config.modelIds.includes(payload.modelId)) throw new ProtocolError('model_not_accepted');
  if (payload.vectors.length > maxVectors(purpose)) {
    throw new ProtocolError('malformed_payload', 'too many vectors for this purpose');
  }
  for (const v of payload.vectors) checkVector(v);
  if (purpose !== 'identify' && !sameFace(payload.vectors, d.config.threshold)) {
    throw new ProtocolError('bad_vector', 'the frames of one capture are not the same face');
  }
  checkRanges(payload, now);
  checkLiveness(session.challenges, payload.liveness, payload.clientTime, d.config.liveness);
  if (!(payload.antiSpoof >= d.config.minAntiSpoof && payload.antiSpoof <= 1)) {
    throw new ProtocolError('spoof_suspected');
  }
}

/** Most a device clock may differ from the endpoint's (beyond this it is forged or broken). */
const MAX_CLOCK_SKEW_MS = 24 * 3_600_000;

/** Quality figures are fractions and the client clock is roughly now; else forged or broken. */
function checkRanges(p: SubmissionPayload, now: number): void {
  const q = p.quality;
  for (const x of [q.score, q.brightness, q.sharpness, q.faceRatio]) {
    if (!(x >= 0 && x <= 1)) throw new ProtocolError('malformed_payload', 'quality out of range');
  }
  if (!(Math.abs(p.clientTime - now) <= MAX_CLOCK_SKEW_MS)) {
    throw new ProtocolError('malformed_payload', 'client time out of range');
  }
}

/** Several frames of one capture must all be the person of their centroid. */
function sameFace(vs: readonly Float32Array[], threshold: number): boolean {
  if (vs.length < 2) return true;
  const c = centroid(vs);
  return vs.every((v) => cosine(v, c) >= threshold);
}

/**
 * The probe (centroid of its frames) against the centroid of the subject's templates of this
 * model: averaging several frames on both sides cancels per-frame pose and blur noise, which a
 * single-frame template cannot.
 */
function compare(probe: readonly Float32Array[], templates: readonly TemplateRecord[]): number {
  return cosine(centroid(probe), centroid(templates.map((t) => t.vector)));
}

/** The subject's latest consent must be an accepted, unwithdrawn sensitive-data consent. */
export async function checkConsent(
  d: { config: AppDeps['config']; store: Pick<Store, 'listConsents'> },
  subjectId: string,
): Promise<void> {
  if (!d.config.requireConsent) return;
  const consents = await d.store.listConsents(subjectId);
  const latest = consents.at(-1);
  if (!latest || !latest.accepted || !latest.sensitive || latest.withdrawnAt !== null) {
    throw new ProtocolError('consent_required');
  }
}

export const newId = (d: Pick<AppDeps, 'random'>): string => toBase64Url(d.random(16));

/** Signs the claims of a result (the host's backend checks it with verifyReceipt). */
export async function signReceipt(
  d: Pick<AppDeps, 'keys'>,
  claims: Parameters<typeof receiptSignedBytes>[0],
): Promise<Receipt> {
  const sig = await d.keys.signReceipt(receiptSignedBytes(claims));
  return { keyId: d.keys.signingPublic().keyId, at: claims.at, sig: toBase64Url(sig) };
}

export interface Comparison {
  subjectId: string;
  decision: 'match' | 'no-match';
  /** Only on a match. */
  score: number | null;
  threshold: number;
}

/**
 * 1:1 comparison for verify and add-device. Unknown subjects, subjects without templates and
 * a face that does not match answer the same no-match, so the answer is no existence oracle.
 */
export async function compareWithSubject(
  d: SubmissionDeps,
  k: Checked,
  client: string,
): Promise<Comparison> {
  const subjectId = k.payload.subject;
  const subject = await d.store.getSubject(subjectId);
  let best: number | null = null;
  if (subject) {
    if (subject.suspendedUntil !== null && subject.suspendedUntil > k.now) {
      throw new ProtocolError('subject_suspended');
    }
    await checkConsent(d, subjectId);
    const templates = await d.store.listTemplates(subjectId);
    const usable = templates.filter((t) => t.modelId === k.payload.modelId);
    if (templates.length > 0 && usable.length === 0) {
      throw new ProtocolError('model_mismatch', 're-enrolment required');
    }
    if (usable.length > 0) best = compare(k.payload.vectors, usable);
  }
  const match = best !== null && decide(best, d.config.threshold).match;
  if (!match) d.backoff.fail(client, k.now);
  await d.store.addVerification({
    id: newId(d),
    subjectId: subject ? subjectId : null,
    kind: 'verify',
    decision: match ? 'accept' : 'reject',
    score: best,
    at: k.now,
    deviceId: k.deviceId,
  });
  return {
    subjectId,
    decision: match ? 'match' : 'no-match',
    score: match ? best : null,
    threshold: d.config.threshold,
  };
}

/** POST /v1/verify: open, check, compare with the subject's templates, sign the answer. */
export async function verifySubmission(d: SubmissionDeps, s: Submission): Promise<VerifyResponse> {
  const checked = await openChecked(d, s, 'verify');
  const r = await compareWithSubject(d, checked, s.client);
  const body = { sessionId: checked.payload.sessionId, ...r, at: checked.now };
  return {
    ...body,
    receipt: await signReceipt(d, receiptClaimsOf({ purpose: 'verify', ...body })),
  };
}
