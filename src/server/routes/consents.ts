// POST /v1/consents: the consent record the widget sends after the person accepts or declines.

import type { Hono } from 'hono';
import { z } from 'zod';
import type { ConsentResponse } from '../../protocol/api';
import { toBase64Url } from '../../protocol/encoding';
import { isValidId, readJson, requireOrigin, type AppDeps, type AppEnv } from '../context';

const body = z.strictObject({
  subjectId: z.string().refine(isValidId),
  policyVersion: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  purposes: z
    .array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/))
    .min(1)
    .max(8),
  sensitive: z.boolean(),
  guardian: z.boolean(),
  accepted: z.boolean(),
});

export function consentRoutes(app: Hono<AppEnv>, d: AppDeps): void {
  app.post('/v1/consents', async (c) => {
    requireOrigin(c, d.config);
    const req = await readJson(c, body, d.config.maxJsonBytes);
    const at = d.now();
    const consentId = toBase64Url(d.random(16));
    // The server clock, not the client's, dates the legal record.
    await d.store.addConsent({ consentId, ...req, at });
    const res: ConsentResponse = { consentId, at };
    return c.json(res, 201);
  });
}
