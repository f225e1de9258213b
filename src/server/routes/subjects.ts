// Face library management (mounted on /v1; operator key only): subjects, their device keys,
// templates (metadata), suspension and consent records. The person's own rights are in
// rights.ts.

import { Hono } from 'hono';
import { z } from 'zod';
import type {
  DeregisterResponse,
  DeviceKeySummary,
  SubjectSummary,
  TemplateSummary,
} from '../../protocol/api';
import { ProtocolError } from '../../protocol/errors';
import { intQuery, isValidId, param, readJson, type AppDeps, type AppEnv } from '../context';
import type { SubjectRecord } from '../store/types';
import { operatorOnly } from './guards';
import { deregister } from './rights';

const createSchema = z.strictObject({ subjectId: z.string().refine(isValidId) });
const suspendSchema = z.strictObject({ until: z.number().int().nonnegative().nullable() });

const summary = (s: SubjectRecord): SubjectSummary => ({
  subjectId: s.subjectId,
  createdAt: s.createdAt,
  suspendedUntil: s.suspendedUntil,
  deviceBound: s.deviceKeys > 0,
  deviceKeys: s.deviceKeys,
});

export function subjectRoutes(d: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const operator = operatorOnly(d.config);

  /** 404 unless the subject exists. */
  const existing = async (subjectId: string) => {
    if (!(await d.store.getSubject(subjectId))) throw new ProtocolError('subject_not_found');
    return subjectId;
  };

  app.get('/subjects', operator, async (c) => {
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

  app.post('/subjects', operator, async (c) => {
    const { subjectId } = await readJson(c, createSchema, d.config.maxJsonBytes);
    await d.store.putSubject({ subjectId, devicePublicKey: null, createdAt: d.now() });
    return c.json({ subjectId }, 201);
  });

  app.get('/subjects/:id', operator, async (c) => {
    const s = await d.store.getSubject(param(c, 'id'));
    if (!s) throw new ProtocolError('subject_not_found');
    return c.json(summary(s));
  });

  app.delete('/subjects/:id', operator, async (c) => {
    const subjectId = param(c, 'id');
    const r = await deregister(d, subjectId);
    if (!r.deleted) throw new ProtocolError('subject_not_found');
    const res: DeregisterResponse = { subjectId, ...r };
    return c.json(res);
  });

  // A person's device keys (one per browser/device they enrolled or added from); removing one
  // (a lost phone) leaves the others working.
  app.get('/subjects/:id/devices', operator, async (c) => {
    const keys = await d.store.listDeviceKeys(await existing(param(c, 'id')));
    const devices: DeviceKeySummary[] = keys.map((k) => ({ keyId: k.keyId, addedAt: k.addedAt }));
    return c.json({ devices });
  });

  app.delete('/subjects/:id/devices/:keyId', operator, async (c) => {
    const subjectId = param(c, 'id');
    if (!(await d.store.removeDeviceKey(subjectId, param(c, 'keyId')))) {
      throw new ProtocolError('not_found', 'no such device key');
    }
    return c.json({ subjectId, removed: true });
  });

  app.get('/subjects/:id/templates', operator, async (c) => {
    const rows = await d.store.listTemplates(await existing(param(c, 'id')));
    // Metadata only: vectors never leave the store through the library API.
    const templates: TemplateSummary[] = rows.map((t) => ({
      templateId: t.templateId,
      modelId: t.modelId,
      createdAt: t.createdAt,
    }));
    return c.json({ templates });
  });

  app.delete('/subjects/:id/templates', operator, async (c) => {
    const subjectId = await existing(param(c, 'id'));
    return c.json({ templatesDeleted: await d.store.deleteTemplates(subjectId) });
  });

  app.put('/subjects/:id/suspension', operator, async (c) => {
    const subjectId = param(c, 'id');
    const { until } = await readJson(c, suspendSchema, d.config.maxJsonBytes);
    if (!(await d.store.setSuspended(subjectId, until)))
      throw new ProtocolError('subject_not_found');
    return c.json({ subjectId, suspendedUntil: until });
  });

  app.get('/subjects/:id/consents', operator, async (c) => {
    return c.json({ consents: await d.store.listConsents(param(c, 'id')) });
  });

  // The operator's copy of a subject's data (the person's own is POST …/export in rights.ts).
  app.get('/subjects/:id/export', operator, async (c) => {
    return c.json(await d.store.exportSubject(param(c, 'id')));
  });

  return app;
}
