// POST /v1/enroll, /v1/verify, /v1/identify: sealed, signed submissions. Every check before the
// nonce is consumed is free of side effects, so garbage cannot burn someone else's session.

import type { Hono } from 'hono';
import { z } from 'zod';
import { openSubmission } from '../../crypto/seal';
import type {
  AddDeviceResponse,
  Candidate,
  EnrollResponse,
  IdentifyResponse,
  VerifyResponse,
} from '../../protocol/api';
import { toBase64Url } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import { cosine, decide } from '../../protocol/match';
import {
  MAX_ENROL_VECTORS,
  MAX_FACES,
  PURPOSES,
  VECTOR_LENGTH,
  type Purpose,
  type SubmissionPayload,
} from '../../protocol/payload';
import { receiptClaimsOf, receiptSignedBytes, type Receipt } from '../../protocol/receipt';
import { checkLiveness, checkVector } from '../../protocol/session';
import {
  nonceHash,
  readJson,
  requireOrigin,
  type AppDeps,
  type AppEnv,
  type Ctx,
} from '../context';
import { deviceKeyId } from '../store/common';
import { StoreError, type SessionRecord, type TemplateRecord } from '../store/types';
import { checkConsent } from './guards';

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

interface Checked {
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
async function openChecked(c: Ctx, d: AppDeps, purpose: Purpose): Promise<Checked> {
  const origin = requireOrigin(c, d.config);
  const env = await readJson(c, envelopeSchema, d.config.maxSubmissionBytes);
  if (env.purpose !== purpose) throw new ProtocolError('purpose_mismatch');
  const now = d.now();
  const client = d.clientId(c);
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
    checkCapture(d, purpose, payload, session);
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

async function recordFailure(d: AppDeps, subjectId: string, deviceId: string, now: number) {
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
  return MAX_ENROL_VECTORS; // several frames of one face (enrol templates, verify probes)
}

function checkCapture(
  d: AppDeps,
  purpose: Purpose,
  payload: SubmissionPayload,
  session: SessionRecord,
): void {
  if (!d.config.modelIds.includes(payload.modelId)) throw new ProtocolError('model_not_accepted');
  if (payload.vectors.length > maxVectors(purpose)) {
    throw new ProtocolError('malformed_payload', 'too many vectors for this purpose');
  }
  for (const v of payload.vectors) checkVector(v);
  if (purpose !== 'identify' && !sameFace(payload.vectors, d.config.threshold)) {
    throw new ProtocolError('bad_vector', 'the frames of one capture are not the same face');
  }
  checkRanges(payload, d.now());
  checkLiveness(
    session.challenges as SubmissionPayload['liveness'][number]['kind'][],
    payload.liveness,
    payload.clientTime,
    d.config.liveness,
  );
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

/** L2-normalised mean of unit vectors (the centroid template / probe). */
function centroid(vs: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(VECTOR_LENGTH);
  for (const v of vs) for (let i = 0; i < VECTOR_LENGTH; i++) out[i]! += v[i]!;
  let n = 0;
  for (let i = 0; i < VECTOR_LENGTH; i++) n += out[i]! * out[i]!;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < VECTOR_LENGTH; i++) out[i]! /= n;
  return out;
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

const newId = (d: AppDeps): string => toBase64Url(d.random(16));

async function sign(
  d: AppDeps,
  claims: Parameters<typeof receiptSignedBytes>[0],
): Promise<Receipt> {
  const sig = await d.keys.signReceipt(receiptSignedBytes(claims));
  return { keyId: d.keys.signingPublic().keyId, at: claims.at, sig: toBase64Url(sig) };
}

interface Comparison {
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
async function compareWithSubject(c: Ctx, d: AppDeps, k: Checked): Promise<Comparison> {
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
  if (!match) d.backoff.fail(d.clientId(c), k.now);
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

export function submissionRoutes(app: Hono<AppEnv>, d: AppDeps): void {
  app.post('/v1/enroll', async (c) => {
    const { payload, deviceKey, now } = await openChecked(c, d, 'enroll');
    const subjectId = payload.subject;
    await checkConsent(d, subjectId);
    const existing = await d.store.getSubject(subjectId);
    if (existing && existing.suspendedUntil !== null && existing.suspendedUntil > now) {
      throw new ProtocolError('subject_suspended');
    }
    const templates = payload.vectors.map((vector) => ({
      templateId: newId(d),
      subjectId,
      modelId: payload.modelId,
      vector,
      createdAt: now,
    }));
    // One transaction: subject (if new), device key binding (if the subject has none, pre-created
    // subjects included) and templates, replacing earlier ones (re-enrolment, correction, new
    // model). An enrolled subject's record is replaced only from one of its own device keys.
    const enrol = (key: Uint8Array | null) =>
      d.store.enrol({ subjectId, devicePublicKey: key, createdAt: now }, templates, {
        replace: true,
      });
    let enrolled;
    try {
      enrolled = await enrol(deviceKey);
    } catch (e) {
      if (!(e instanceof StoreError && e.code === 'device_mismatch')) throw e;
      if (d.config.deviceBinding) {
        d.backoff.fail(d.clientId(c), now);
        throw new ProtocolError(
          'device_key_mismatch',
          'this subject is enrolled from another device; re-enrol from it or add this device',
        );
      }
      enrolled = await enrol(null);
    }
    await d.store.addVerification({
      id: newId(d),
      subjectId,
      kind: 'enroll',
      decision: 'accept',
      score: null,
      at: now,
    });
    const body = {
      sessionId: payload.sessionId,
      subjectId,
      templateId: templates[0]!.templateId,
      modelId: payload.modelId,
      replaced: enrolled.templatesReplaced > 0,
      templates: templates.length,
      at: now,
    };
    const res: EnrollResponse = {
      ...body,
      receipt: await sign(d, receiptClaimsOf({ purpose: 'enroll', ...body })),
    };
    return c.json(res, 201);
  });

  app.post('/v1/verify', async (c) => {
    const checked = await openChecked(c, d, 'verify');
    const r = await compareWithSubject(c, d, checked);
    const body = { sessionId: checked.payload.sessionId, ...r, at: checked.now };
    const res: VerifyResponse = {
      ...body,
      receipt: await sign(d, receiptClaimsOf({ purpose: 'verify', ...body })),
    };
    return c.json(res);
  });

  // A person adds a second browser or device: the host grants 'add-device' for the subject, the
  // new device performs a live capture signed with its own key, and on a match that key joins
  // the subject's list.
  app.post('/v1/add-device', async (c) => {
    const checked = await openChecked(c, d, 'add-device');
    const r = await compareWithSubject(c, d, checked);
    let deviceKeyId: string | null = null;
    if (r.decision === 'match') {
      deviceKeyId = (await d.store.addDeviceKey(r.subjectId, checked.deviceKey, checked.now)).keyId;
    }
    const body = { sessionId: checked.payload.sessionId, ...r, deviceKeyId, at: checked.now };
    const res: AddDeviceResponse = {
      ...body,
      receipt: await sign(d, receiptClaimsOf({ purpose: 'add-device', ...body })),
    };
    return c.json(res);
  });

  app.post('/v1/identify', async (c) => {
    const ks = c.req.queries('k') ?? [String(MAX_K)];
    // A repeated parameter is ambiguous; reject it rather than guess which one counts.
    const kRaw = ks.length === 1 ? (ks[0] as string) : '';
    const k = /^\d{1,3}$/.test(kRaw) ? Number(kRaw) : NaN;
    if (!(k >= 1 && k <= MAX_K)) throw new ProtocolError('bad_request', `k must be 1..${MAX_K}`);
    const { payload, now } = await openChecked(c, d, 'identify');
    // Every probed face costs like a request of its own (M:N must not multiply probing).
    d.charge(c, payload.vectors.length - 1);
    const results: IdentifyResponse['results'] = [];
    for (let face = 0; face < payload.vectors.length; face++) {
      const hits = await d.store.identify(
        payload.vectors[face] as Float32Array,
        payload.modelId,
        k,
      );
      // Only candidates at or above the threshold: lower scores would let a caller climb towards
      // a template (or reconstruct it from one-hot probes).
      const candidates: Candidate[] = [];
      for (const hit of hits) {
        if (!decide(hit.score, d.config.threshold).match) continue;
        // Suspended subjects are not matched (operator risk control).
        const s = await d.store.getSubject(hit.subjectId);
        if (s && (s.suspendedUntil === null || s.suspendedUntil <= now)) {
          candidates.push({ subjectId: hit.subjectId, score: hit.score });
        }
      }
      const match = candidates[0] ?? null;
      results.push({ face, candidates, match });
      await d.store.addVerification({
        id: newId(d),
        subjectId: match?.subjectId ?? null,
        kind: 'identify',
        decision: match ? 'accept' : 'reject',
        score: match?.score ?? null,
        at: now,
      });
    }
    const body = { sessionId: payload.sessionId, threshold: d.config.threshold, results, at: now };
    const res: IdentifyResponse = {
      ...body,
      receipt: await sign(d, receiptClaimsOf({ purpose: 'identify', ...body })),
    };
    return c.json(res);
  });
}

/** Most candidates identify lists per face. */
export const MAX_K = 5;
