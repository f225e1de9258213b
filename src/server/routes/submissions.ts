// POST /v1/enroll, /v1/verify, /v1/identify: sealed, signed submissions. Every check before the
// nonce is consumed is free of side effects, so garbage cannot burn someone else's session.

import type { Hono } from 'hono';
import { z } from 'zod';
import { openSubmission } from '../../crypto/seal';
import type {
  Candidate,
  EnrollResponse,
  IdentifyResponse,
  VerifyResponse,
} from '../../protocol/api';
import { constantTimeEqual, toBase64Url } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import { cosine, decide } from '../../protocol/match';
import { MAX_FACES, PURPOSES, type Purpose, type SubmissionPayload } from '../../protocol/payload';
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
import type { SessionRecord } from '../store/types';
import { checkConsent, checkSubjectUsable } from './guards';

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
  session: SessionRecord;
  now: number;
}

/** Everything the protocol requires of a submission, in an order that leaks nothing early. */
async function openChecked(c: Ctx, d: AppDeps, purpose: Purpose): Promise<Checked> {
  const origin = requireOrigin(c, d.config);
  const env = await readJson(c, envelopeSchema, d.config.maxSubmissionBytes);
  if (env.purpose !== purpose) throw new ProtocolError('purpose_mismatch');
  const now = d.now();
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
  try {
    checkCapture(d, purpose, payload, session);
  } catch (e) {
    // A fresh, signed attempt that fails liveness or anti-spoof is a failed verification: it
    // counts towards the subject's lockout like a no-match does.
    if (purpose === 'verify' && e instanceof ProtocolError && LOCKOUT_CODES.has(e.code)) {
      await d.store.addVerification({
        id: newId(d),
        subjectId: payload.subject,
        kind: 'verify',
        decision: 'reject',
        score: null,
        at: now,
      });
    }
    throw e;
  }
  return { payload, deviceKey, session, now };
}

const LOCKOUT_CODES = new Set<string>([
  'liveness_order',
  'liveness_timing',
  'liveness_score',
  'spoof_suspected',
]);

function checkCapture(
  d: AppDeps,
  purpose: Purpose,
  payload: SubmissionPayload,
  session: SessionRecord,
): void {
  if (!d.config.modelIds.includes(payload.modelId)) throw new ProtocolError('model_not_accepted');
  const maxFaces = purpose === 'identify' ? MAX_FACES : 1;
  if (payload.vectors.length > maxFaces) {
    throw new ProtocolError('malformed_payload', 'too many faces for this purpose');
  }
  for (const v of payload.vectors) checkVector(v);
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

const newId = (d: AppDeps): string => toBase64Url(d.random(16));

async function sign(
  d: AppDeps,
  claims: Parameters<typeof receiptSignedBytes>[0],
): Promise<Receipt> {
  const sig = await d.keys.signReceipt(receiptSignedBytes(claims));
  return { keyId: d.keys.signingPublic().keyId, at: claims.at, sig: toBase64Url(sig) };
}

export function submissionRoutes(app: Hono<AppEnv>, d: AppDeps): void {
  app.post('/v1/enroll', async (c) => {
    const { payload, deviceKey, now } = await openChecked(c, d, 'enroll');
    const subjectId = payload.subject;
    await checkConsent(d, subjectId);
    const existing = await d.store.getSubject(subjectId);
    if (existing) {
      if (existing.suspendedUntil !== null && existing.suspendedUntil > now) {
        throw new ProtocolError('subject_suspended');
      }
      if (
        d.config.deviceBinding &&
        existing.devicePublicKey !== null &&
        !constantTimeEqual(existing.devicePublicKey, deviceKey)
      ) {
        throw new ProtocolError('device_key_mismatch');
      }
    }
    const templateId = newId(d);
    const vector = payload.vectors[0] as Float32Array;
    // One transaction: subject (if new) + template, replacing earlier templates (re-enrolment,
    // correction, new model), so a crash never leaves half an enrolment.
    const enrolled = await d.store.enrol(
      { subjectId, devicePublicKey: deviceKey, createdAt: now },
      { templateId, subjectId, modelId: payload.modelId, vector, createdAt: now },
      { replace: true },
    );
    const replaced = enrolled.templatesReplaced > 0;
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
      templateId,
      modelId: payload.modelId,
      replaced,
      at: now,
    };
    const res: EnrollResponse = {
      ...body,
      receipt: await sign(d, receiptClaimsOf({ purpose: 'enroll', ...body })),
    };
    return c.json(res, 201);
  });

  app.post('/v1/verify', async (c) => {
    const { payload, deviceKey, now } = await openChecked(c, d, 'verify');
    const subjectId = payload.subject;
    const subject = await checkSubjectUsable(d, subjectId, now);
    await checkConsent(d, subjectId);
    const reject = () =>
      d.store.addVerification({
        id: newId(d),
        subjectId,
        kind: 'verify',
        decision: 'reject',
        score: null,
        at: now,
      });
    if (
      d.config.deviceBinding &&
      subject.devicePublicKey !== null &&
      !constantTimeEqual(subject.devicePublicKey, deviceKey)
    ) {
      await reject();
      throw new ProtocolError('device_key_mismatch');
    }
    const templates = await d.store.listTemplates(subjectId);
    if (templates.length === 0)
      throw new ProtocolError('subject_not_found', 'subject has no templates');
    const usable = templates.filter((t) => t.modelId === payload.modelId);
    if (usable.length === 0) throw new ProtocolError('model_mismatch', 're-enrolment required');
    const vector = payload.vectors[0] as Float32Array;
    let best = -1;
    for (const t of usable) best = Math.max(best, cosine(vector, t.vector));
    const decision = decide(best, d.config.threshold);
    await d.store.addVerification({
      id: newId(d),
      subjectId,
      kind: 'verify',
      decision: decision.match ? 'accept' : 'reject',
      score: best,
      at: now,
    });
    const body = {
      sessionId: payload.sessionId,
      subjectId,
      decision: decision.match ? ('match' as const) : ('no-match' as const),
      score: best,
      threshold: decision.threshold,
      at: now,
    };
    const res: VerifyResponse = {
      ...body,
      receipt: await sign(d, receiptClaimsOf({ purpose: 'verify', ...body })),
    };
    return c.json(res);
  });

  app.post('/v1/identify', async (c) => {
    const ks = c.req.queries('k') ?? ['5'];
    // A repeated parameter is ambiguous; reject it rather than guess which one counts.
    const kRaw = ks.length === 1 ? (ks[0] as string) : '';
    const k = /^\d{1,3}$/.test(kRaw) ? Number(kRaw) : NaN;
    if (!(k >= 1 && k <= 100)) throw new ProtocolError('bad_request', 'k must be 1..100');
    const { payload, now } = await openChecked(c, d, 'identify');
    const results: IdentifyResponse['results'] = [];
    for (let face = 0; face < payload.vectors.length; face++) {
      const hits = await d.store.identify(
        payload.vectors[face] as Float32Array,
        payload.modelId,
        k,
      );
      const candidates: Candidate[] = [];
      for (const hit of hits) {
        // Suspended subjects are not matched (operator risk control).
        const s = await d.store.getSubject(hit.subjectId);
        if (s && (s.suspendedUntil === null || s.suspendedUntil <= now)) {
          candidates.push({ subjectId: hit.subjectId, score: hit.score });
        }
      }
      const top = candidates[0];
      const match = top && decide(top.score, d.config.threshold).match ? top : null;
      results.push({ face, candidates, match });
      await d.store.addVerification({
        id: newId(d),
        subjectId: match?.subjectId ?? null,
        kind: 'identify',
        decision: match ? 'accept' : 'reject',
        score: top?.score ?? null,
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
