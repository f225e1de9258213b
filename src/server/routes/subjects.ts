// Face library management (operator key) and the person's data rights (operator key, or a proof
// signed by the device key registered at enrolment).

import type { Hono } from 'hono';
import { z } from 'zod';
import { importDevicePublicKey } from '../../crypto/keys';
import { verify } from '../../crypto/sign';
import type {
  DeregisterResponse,
  DeviceKeySummary,
  SubjectSummary,
  TemplateSummary,
  WithdrawResponse,
} from '../../protocol/api';
import { fromBase64Url } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import { rightsSignedBytes, type RightsAction } from '../../protocol/payload';
import {
  isValidId,
  nonceHash,
  param,
  readJson,
  requireOperator,
  requireOrigin,
  type AppDeps,
  type AppEnv,
  type Ctx,
} from '../context';
import { deviceKeyId } from '../store/common';
import type { SubjectRecord } from '../store/types';

const proofSchema = z.strictObject({
  sessionId: z.string().min(1).max(128),
  nonce: z.string().length(43),
  deviceKey: z.string().length(87),
  sig: z.string().length(86),
});

const createSchema = z.strictObject({ subjectId: z.string().refine(isValidId) });
const suspendSchema = z.strictObject({ until: z.number().int().nonnegative().nullable() });

const summary = (s: SubjectRecord): SubjectSummary => ({
  subjectId: s.subjectId,
  createdAt: s.createdAt,
  suspendedUntil: s.suspendedUntil,
  deviceBound: s.deviceKeys > 0,
  deviceKeys: s.deviceKeys,
});

function intQuery(c: Ctx, name: string, def: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined) return def;
  if (!/^\d{1,15}$/.test(raw)) throw new ProtocolError('bad_request', `invalid ${name}`);
  const v = Number(raw);
  if (v < min || v > max) throw new ProtocolError('bad_request', `invalid ${name}`);
  return v;
}

/**
 * Operator key, or a signed proof: a fresh 'rights' session for this subject, signed by the device
 * key the subject enrolled with. Side-effect free until the signature checks out.
 */
async function authoriseRight(c: Ctx, d: AppDeps, action: RightsAction, subjectId: string) {
  if (c.req.header('authorization') !== undefined) {
    requireOperator(c, d.config);
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
 * Deregistration also withdraws open consents, so a later enrolment under the same id needs a
 * fresh consent; the records themselves stay as the legal record until retention.
 */
async function deregister(d: AppDeps, subjectId: string) {
  if (await d.store.getSubject(subjectId)) await d.store.withdrawConsent(subjectId, d.now());
  return d.store.deleteSubject(subjectId);
}

export function subjectRoutes(app: Hono<AppEnv>, d: AppDeps): void {
  // ---- operator: library management -----------------------------------------------------
  app.get('/v1/subjects', async (c) => {
    requireOperator(c, d.config);
    const limit = intQuery(c, 'limit', 100, 1, 1000);
    const after = c.req.query('after');
    if (after !== undefined && !isValidId(after))
      throw new ProtocolError('bad_request', 'invalid after');
    const rows = await d.store.listSubjects(after === undefined ? { limit } : { limit, after });
    return c.json({
      subjects: rows.map(summary),
      next: rows.length === limit ? rows.at(-1)!.subjectId : null,
    });
  });

  app.post('/v1/subjects', async (c) => {
    requireOperator(c, d.config);
    const { subjectId } = await readJson(c, createSchema, d.config.maxJsonBytes);
    await d.store.putSubject({ subjectId, devicePublicKey: null, createdAt: d.now() });
    return c.json({ subjectId }, 201);
  });

  app.get('/v1/subjects/:id', async (c) => {
    requireOperator(c, d.config);
    const s = await d.store.getSubject(param(c, 'id'));
    if (!s) throw new ProtocolError('subject_not_found');
    return c.json(summary(s));
  });

  app.delete('/v1/subjects/:id', async (c) => {
    requireOperator(c, d.config);
    const subjectId = param(c, 'id');
    const r = await deregister(d, subjectId);
    if (!r.deleted) throw new ProtocolError('subject_not_found');
    const res: DeregisterResponse = { subjectId, ...r };
    return c.json(res);
  });

  // A person's device keys (one per browser/device they enrolled or added from); removing one
  // (a lost phone) leaves the others working.
  app.get('/v1/subjects/:id/devices', async (c) => {
    requireOperator(c, d.config);
    const subjectId = param(c, 'id');
    if (!(await d.store.getSubject(subjectId))) throw new ProtocolError('subject_not_found');
    const keys = await d.store.listDeviceKeys(subjectId);
    const devices: DeviceKeySummary[] = keys.map((k) => ({ keyId: k.keyId, addedAt: k.addedAt }));
    return c.json({ devices });
  });

  app.delete('/v1/subjects/:id/devices/:keyId', async (c) => {
    requireOperator(c, d.config);
    const subjectId = param(c, 'id');
    if (!(await d.store.removeDeviceKey(subjectId, param(c, 'keyId')))) {
      throw new ProtocolError('not_found', 'no such device key');
    }
    return c.json({ subjectId, removed: true });
  });

  app.get('/v1/subjects/:id/templates', async (c) => {
    requireOperator(c, d.config);
    const subjectId = param(c, 'id');
    if (!(await d.store.getSubject(subjectId))) throw new ProtocolError('subject_not_found');
    const rows = await d.store.listTemplates(subjectId);
    // Metadata only: vectors never leave the store through the library API.
    const templates: TemplateSummary[] = rows.map((t) => ({
      templateId: t.templateId,
      modelId: t.modelId,
      createdAt: t.createdAt,
    }));
    return c.json({ templates });
  });

  app.delete('/v1/subjects/:id/templates', async (c) => {
    requireOperator(c, d.config);
    const subjectId = param(c, 'id');
    if (!(await d.store.getSubject(subjectId))) throw new ProtocolError('subject_not_found');
    return c.json({ templatesDeleted: await d.store.deleteTemplates(subjectId) });
  });

  app.put('/v1/subjects/:id/suspension', async (c) => {
    requireOperator(c, d.config);
    const subjectId = param(c, 'id');
    const { until } = await readJson(c, suspendSchema, d.config.maxJsonBytes);
    if (!(await d.store.setSuspended(subjectId, until)))
      throw new ProtocolError('subject_not_found');
    return c.json({ subjectId, suspendedUntil: until });
  });

  app.get('/v1/subjects/:id/consents', async (c) => {
    requireOperator(c, d.config);
    return c.json({ consents: await d.store.listConsents(param(c, 'id')) });
  });

  app.get('/v1/calls', async (c) => {
    requireOperator(c, d.config);
    const since = intQuery(c, 'since', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intQuery(c, 'limit', 100, 1, 10_000);
    return c.json({ calls: await d.store.listCalls({ since, limit }) });
  });

  app.post('/v1/keys/rotate', async (c) => {
    requireOperator(c, d.config);
    const keyId = await d.keys.rotate(d.now(), d.config.keyGraceMs);
    return c.json({ keyId });
  });

  // ---- the person's rights (or the operator on their behalf) ------------------------------
  app.post('/v1/subjects/:id/export', async (c) => {
    const subjectId = param(c, 'id');
    await authoriseRight(c, d, 'export', subjectId);
    return c.json(await d.store.exportSubject(subjectId));
  });

  app.post('/v1/subjects/:id/withdraw', async (c) => {
    const subjectId = param(c, 'id');
    await authoriseRight(c, d, 'withdraw', subjectId);
    const r = await d.store.withdrawConsent(subjectId, d.now());
    const res: WithdrawResponse = { subjectId, ...r };
    return c.json(res);
  });

  app.post('/v1/subjects/:id/delete', async (c) => {
    const subjectId = param(c, 'id');
    await authoriseRight(c, d, 'delete', subjectId);
    const r = await deregister(d, subjectId);
    const res: DeregisterResponse = { subjectId, ...r };
    return c.json(res);
  });

  // Operators reach the same export through a plain GET.
  app.get('/v1/subjects/:id/export', async (c) => {
    requireOperator(c, d.config);
    return c.json(await d.store.exportSubject(param(c, 'id')));
  });
}
