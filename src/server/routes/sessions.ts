// POST /v1/sessions: a single-use nonce, a random challenge order and the current HPKE key.

import type { Hono } from 'hono';
import { z } from 'zod';
import { toBase64Url } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import {
  CHALLENGE_SETS,
  NONCE_BYTES,
  PURPOSES,
  type ChallengeKind,
} from '../../protocol/payload';
import type { SessionInfo } from '../../protocol/session';
import {
  isValidId,
  nonceHash,
  readJson,
  requireOrigin,
  type AppDeps,
  type AppEnv,
} from '../context';
import { checkSubjectUsable } from './guards';

const body = z.strictObject({
  purpose: z.enum(PURPOSES),
  subjectId: z.string().refine(isValidId).optional(),
  /** Requested number of challenges; clamped to [FV_CHALLENGES, all kinds] below. */
  challenges: z.number().int().min(0).max(100).optional(),
});

/**
 * The number of challenges for a session: the request may ask for more than the server's
 * policy (config.challengeCount, itself >= 3), never for fewer, and at most every kind once.
 */
export function challengeCountFor(
  requested: number | undefined,
  configured: number,
  kinds: readonly ChallengeKind[] = CHALLENGE_SETS.standard,
): number {
  const min = Math.max(3, Math.min(configured, kinds.length));
  return Math.min(kinds.length, Math.max(min, requested ?? min));
}

/** Unbiased Fisher-Yates with rejection sampling over crypto random bytes. */
export function shuffledChallenges(
  count: number,
  random: (n: number) => Uint8Array,
  set: readonly ChallengeKind[] = CHALLENGE_SETS.standard,
): ChallengeKind[] {
  const kinds = [...set];
  for (let i = kinds.length - 1; i > 0; i--) {
    const bound = 256 - (256 % (i + 1));
    let r: number;
    do r = random(1)[0] as number;
    while (r >= bound);
    const j = r % (i + 1);
    [kinds[i], kinds[j]] = [kinds[j] as ChallengeKind, kinds[i] as ChallengeKind];
  }
  return kinds.slice(0, count);
}

export function sessionRoutes(app: Hono<AppEnv>, d: AppDeps): void {
  app.post('/v1/sessions', async (c) => {
    const origin = requireOrigin(c, d.config);
    const req = await readJson(c, body, d.config.maxJsonBytes);
    const needsSubject = req.purpose !== 'identify';
    if (needsSubject !== (req.subjectId !== undefined)) {
      throw new ProtocolError(
        'bad_request',
        needsSubject ? 'subjectId is required' : 'identify takes no subjectId',
      );
    }
    const now = d.now();
    // Fail before the person performs challenges when verification cannot succeed anyway.
    if (req.purpose === 'verify') await checkSubjectUsable(d, req.subjectId as string, now);
    const nonce = d.random(NONCE_BYTES);
    const sessionId = toBase64Url(d.random(16));
    const challenges =
      req.purpose === 'rights'
        ? []
        : shuffledChallenges(challengeCountFor(req.challenges, d.config.challengeCount), d.random);
    const expiresAt = now + d.config.sessionTtlMs;
    await d.store.createSession({
      sessionId,
      nonceHash: nonceHash(nonce),
      purpose: req.purpose,
      subjectId: req.subjectId ?? null,
      challenges,
      origin,
      expiresAt,
      createdAt: now,
    });
    const key = d.keys.current();
    const info: SessionInfo = {
      sessionId,
      nonce: toBase64Url(nonce),
      purpose: req.purpose,
      subjectId: req.subjectId ?? null,
      challenges,
      expiresAt,
      hpkePublicKey: toBase64Url(key.publicKeyRaw),
      keyId: key.keyId,
      modelIds: d.config.modelIds,
    };
    return c.json(info, 201);
  });
}
