// POST /consents (mounted on /v1): the consent record the widget sends after the person accepts or declines.
// Who may record it: the bearer of a live session opened with the host's grant for that very
// subject (the host vouches for who is at the camera), from the session's origin. A stranger can
// neither withdraw someone's consent nor plant a fabricated (guardian) consent as the legal record.

import { Hono } from 'hono';
import { z } from 'zod';
import type { ConsentResponse } from '../../protocol/api';
import { toBase64Url } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import { isValidId, readJson, requireOrigin, type AppDeps, type AppEnv } from '../context';

const body = z.strictObject({
  /** The session the host's grant opened (optional only with FV_OPEN_SESSIONS). */
  sessionId: z.string().min(1).max(128).optional(),
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

export function consentRoutes(d: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/consents', async (c) => {
    const origin = requireOrigin(c, d.config);
    const { sessionId, ...req } = await readJson(c, body, d.config.maxJsonBytes);
    const at = d.now();
    if (sessionId === undefined) {
      if (!d.config.openSessions) throw new ProtocolError('grant_required');
    } else {
      const session = await d.store.getSession(sessionId);
      if (!session) throw new ProtocolError('session_unknown');
      if (session.origin !== origin) throw new ProtocolError('origin_not_allowed');
      if (session.usedAt !== null) throw new ProtocolError('nonce_used');
      if (session.expiresAt <= at) throw new ProtocolError('session_expired');
      if (session.subjectId !== req.subjectId) throw new ProtocolError('subject_mismatch');
    }
    const consentId = toBase64Url(d.random(16));
    // The server clock, not the client's, dates the legal record.
    await d.store.addConsent({ consentId, ...req, at });
    const res: ConsentResponse = { consentId, at };
    return c.json(res, 201);
  });
  return app;
}
