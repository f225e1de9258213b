// POST /grants (mounted on /v1; operator key, server to server): a host backend that holds only the operator
// key asks the endpoint to mint the grant instead of minting it with the shared grant secret.

import { Hono } from 'hono';
import { z } from 'zod';
import { ProtocolError } from '../../protocol/errors';
import { CHALLENGE_SET_NAMES, PURPOSES, type ChallengeSet } from '../../protocol/payload';
import { isValidId, readJson, type AppDeps, type AppEnv } from '../context';
import { DEFAULT_GRANT_TTL_MS, MAX_GRANT_TTL_MS, mintGrant } from '../grants';
import { operatorOnly } from './guards';

const body = z.strictObject({
  purpose: z.enum(PURPOSES),
  subjectId: z.string().refine(isValidId).optional(),
  ttlMs: z.number().int().min(1000).max(MAX_GRANT_TTL_MS).optional(),
  challengeSet: z.enum(CHALLENGE_SET_NAMES as [ChallengeSet, ...ChallengeSet[]]).optional(),
});

export function grantRoutes(d: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/grants', operatorOnly(d.config), async (c) => {
    const req = await readJson(c, body, d.config.maxJsonBytes);
    const secret = d.config.grantSecrets[0];
    if (secret === undefined) throw new ProtocolError('bad_request', 'no grant secret configured');
    const now = d.now();
    let grant: string;
    try {
      grant = mintGrant(
        secret,
        {
          purpose: req.purpose,
          audience: d.config.audience,
          ...(req.subjectId !== undefined ? { subjectId: req.subjectId } : {}),
          ...(req.ttlMs !== undefined ? { ttlMs: req.ttlMs } : {}),
          ...(req.challengeSet !== undefined ? { challengeSet: req.challengeSet } : {}),
        },
        now,
        d.random,
      );
    } catch (e) {
      // mintGrant owns the rules (e.g. a subject for every purpose but identify).
      throw new ProtocolError('bad_request', (e as Error).message);
    }
    return c.json({ grant, expiresAt: now + (req.ttlMs ?? DEFAULT_GRANT_TTL_MS) }, 201);
  });
  return app;
}
