// POST /enroll, /verify, /add-device, /identify (mounted on /v1): sealed, signed submissions from
// the browser. Opening and checking them, and the 1:1 verification, live in ../submission.ts
// (shared with the benchmark's ceiling); this file holds what each route does with the result.

import { Hono } from 'hono';
import type {
  AddDeviceResponse,
  EnrollResponse,
  IdentifyCandidate,
  IdentifyResponse,
} from '../../protocol/api';
import { ProtocolError } from '../../protocol/errors';
import { decide } from '../../protocol/match';
import type { Purpose } from '../../protocol/payload';
import { receiptClaimsOf } from '../../protocol/receipt';
import { readJson, requireOrigin, type AppDeps, type AppEnv, type Ctx } from '../context';
import { StoreError } from '../store/types';
import {
  checkConsent,
  compareWithSubject,
  envelopeSchema,
  newId,
  openChecked,
  signReceipt,
  verifySubmission,
  type Submission,
} from '../submission';

/** Most candidates identify lists per face. */
export const MAX_K = 5;

/** The request as a Submission: Origin first, then the size-capped, schema-checked envelope. */
async function received(c: Ctx, d: AppDeps): Promise<Submission> {
  const origin = requireOrigin(c, d.config);
  const envelope = await readJson(c, envelopeSchema, d.config.maxSubmissionBytes);
  return { envelope, origin, client: d.clientId(c), now: d.now() };
}

const open = async (c: Ctx, d: AppDeps, purpose: Purpose) =>
  openChecked(d, await received(c, d), purpose);

export function submissionRoutes(d: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/enroll', async (c) => {
    const { payload, deviceKey, now } = await open(c, d, 'enroll');
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
    const enroll = (key: Uint8Array | null) =>
      d.store.enroll({ subjectId, devicePublicKey: key, createdAt: now }, templates, {
        replace: true,
      });
    let enrolled;
    try {
      enrolled = await enroll(deviceKey);
    } catch (e) {
      if (!(e instanceof StoreError && e.code === 'device_mismatch')) throw e;
      if (d.config.deviceBinding) {
        d.backoff.fail(d.clientId(c), now);
        throw new ProtocolError(
          'device_key_mismatch',
          'this subject is enrolled from another device; re-enrol from it or add this device',
        );
      }
      enrolled = await enroll(null);
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
      receipt: await signReceipt(d, receiptClaimsOf({ purpose: 'enroll', ...body })),
    };
    return c.json(res, 201);
  });

  app.post('/verify', async (c) => c.json(await verifySubmission(d, await received(c, d))));

  // A person adds a second browser or device: the host grants 'add-device' for the subject, the
  // new device performs a live capture signed with its own key, and on a match that key joins
  // the subject's list.
  app.post('/add-device', async (c) => {
    const s = await received(c, d);
    const checked = await openChecked(d, s, 'add-device');
    const r = await compareWithSubject(d, checked, s.client);
    let deviceKeyId: string | null = null;
    if (r.decision === 'match') {
      deviceKeyId = (await d.store.addDeviceKey(r.subjectId, checked.deviceKey, checked.now)).keyId;
    }
    const body = { sessionId: checked.payload.sessionId, ...r, deviceKeyId, at: checked.now };
    const res: AddDeviceResponse = {
      ...body,
      receipt: await signReceipt(d, receiptClaimsOf({ purpose: 'add-device', ...body })),
    };
    return c.json(res);
  });

  app.post('/identify', async (c) => {
    const ks = c.req.queries('k') ?? [String(MAX_K)];
    // A repeated parameter is ambiguous; reject it rather than guess which one counts.
    const kRaw = ks.length === 1 ? (ks[0] as string) : '';
    const k = /^\d{1,3}$/.test(kRaw) ? Number(kRaw) : NaN;
    if (!(k >= 1 && k <= MAX_K)) throw new ProtocolError('bad_request', `k must be 1..${MAX_K}`);
    const { payload, now } = await open(c, d, 'identify');
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
      const candidates: IdentifyCandidate[] = [];
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
      receipt: await signReceipt(d, receiptClaimsOf({ purpose: 'identify', ...body })),
    };
    return c.json(res);
  });

  return app;
}
