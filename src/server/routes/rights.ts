// The person's data rights (mounted on /v1): export, withdraw consent and delete, each with a
// proof signed by one of the subject's registered device keys, or by the operator on their
// behalf. Library management is in subjects.ts.

import { Hono } from 'hono';
import { z } from 'zod';
import { importDevicePublicKey } from '../../crypto/keys';
import { verify } from '../../crypto/sign';
import type { DeregisterResponse, WithdrawResponse } from '../../protocol/api';
import { fromBase64Url } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import { rightsSignedBytes, type RightsAction } from '../../protocol/payload';
import {
  isOperator,
  nonceHash,
  param,
  readJson,
  requireOrigin,
  type AppDeps,
  type AppEnv,
  type Ctx,
} from '../context';
import { deviceKeyId } from '../store/common';

const proofSchema = z.strictObject({
  sessionId: z.string().min(1).max(128),
  nonce: z.string().length(43),
  deviceKey: z.string().length(87),
  sig: z.string().length(86),
});

/**
 * Operator key, or a signed proof: a fresh 'rights' session for this subject, signed by the device
 * key the subject enrolled with. Side-effect free until the signature checks out.
 */
async function authoriseRight(c: Ctx, d: AppDeps, action: RightsAction, subjectId: string) {
  if (c.req.header('authorization') !== undefined) {
    if (!isOperator(c, d.config)) throw new ProtocolError('unauthorized');
    return;
  }
  const origin = requireOrigin(c, d.config);
  const proof = await readJson(c, proofSchema, d.config.maxJsonBytes);
  const now = d.now();
  const session = await d.store.getSession(proof.sessionId);
  if (!session) throw new ProtocolError('session_unknown');
  if (session.purpose !== 'rights') throw new ProtocolError('purpose_mismatch');
  if (session.subjectId !== subjectId) throw new ProtocolError('subject_mismatch');
  if (session.origin !== origin) throw new ProtocolError('origin_not_allowed');
  let nonce: Uint8Array, deviceKey: Uint8Array, sig: Uint8Array, key: CryptoKey;
  try {
    nonce = fromBase64Url(proof.nonce);
    deviceKey = fromBase64Url(proof.deviceKey);
    sig = fromBase64Url(proof.sig);
    key = await importDevicePublicKey(deviceKey);
  } catch {
    throw new ProtocolError('bad_request', 'invalid proof encoding');
  }
  const signed = rightsSignedBytes({
    action,
    subjectId,
    sessionId: session.sessionId,
    nonce,
    origin,
  });
  if (!(await verify(key, sig, signed))) throw new ProtocolError('bad_signature');
  const subject = await d.store.getSubject(subjectId);
  // Without a registered device key only the operator can act (export/delete); withdrawing a
  // consent that has no enrolled subject behind it is allowed.
  if (subject) {
    const id = deviceKeyId(deviceKey);
    const keys = await d.store.listDeviceKeys(subjectId);
    if (!keys.some((k) => k.keyId === id)) throw new ProtocolError('device_key_mismatch');
  } else if (action !== 'withdraw') {
    throw new ProtocolError('subject_not_found');
  }
  const consumed = await d.store.consumeSession(session.sessionId, nonceHash(nonce), now);
  if (consumed.status === 'used') throw new ProtocolError('nonce_used');
  if (consumed.status === 'expired') throw new ProtocolError('session_expired');
  if (consumed.status !== 'ok') throw new ProtocolError('session_mismatch');
}

/**
 * Erasure (the person's, or the operator's on a DELETE). It also withdraws open consents, so a
 * later enrolment under the same id needs a fresh consent; the records themselves stay as the
 * legal record until retention.
 */
export async function deregister(d: AppDeps, subjectId: string) {
  if (await d.store.getSubject(subjectId)) await d.store.withdrawConsent(subjectId, d.now());
  return d.store.deleteSubject(subjectId);
}

export function rightsRoutes(d: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/subjects/:id/export', async (c) => {
    const subjectId = param(c, 'id');
    await authoriseRight(c, d, 'export', subjectId);
    return c.json(await d.store.exportSubject(subjectId));
  });

  app.post('/subjects/:id/withdraw', async (c) => {
    const subjectId = param(c, 'id');
    await authoriseRight(c, d, 'withdraw', subjectId);
    const r = await d.store.withdrawConsent(subjectId, d.now());
    const res: WithdrawResponse = { subjectId, ...r };
    return c.json(res);
  });

  app.post('/subjects/:id/delete', async (c) => {
    const subjectId = param(c, 'id');
    await authoriseRight(c, d, 'delete', subjectId);
    const r = await deregister(d, subjectId);
    const res: DeregisterResponse = { subjectId, ...r };
    return c.json(res);
  });

  return app;
}
