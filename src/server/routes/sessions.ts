// POST /sessions (mounted on /v1): a single-use nonce, a random challenge order and the current
// HPKE key.

import { Hono } from 'hono';
import { z } from 'zod';
import { toBase64Url } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import {
  CHALLENGE_SETS,
  NONCE_BYTES,
  PURPOSES,
  type ChallengeKind,
  type ChallengeSet,
  type Purpose,
} from '../../protocol/payload';
import type { SessionResponse } from '../../protocol/api';
import {
  isValidId,
  nonceHash,
  readJson,
  requireOrigin,
  type AppDeps,
  type AppEnv,
} from '../context';
import { MAX_GRANT_LENGTH, verifyGrant } from '../grants';

const body = z.strictObject({
  /** The host grant (required unless the endpoint runs with FV_OPEN_SESSIONS). */
  grant: z.string().max(MAX_GRANT_LENGTH).optional(),
  /** Optional with a grant (must then equal the grant's); required without one. */
  purpose: z.enum(PURPOSES).optional(),
  subjectId: z.string().refine(isValidId).optional(),
  /** Requested number of challenges; clamped to [FV_CHALLENGES, all kinds of the set] below. */
  challenges: z.number().int().min(0).max(100).optional(),
});

interface Authorised {
  purpose: Purpose;
  subjectId: string | null;
  challengeSet: ChallengeSet;
}

/**
 * Who may open a session: the bearer of a valid, unused host grant (purpose, subject and
 * challenge set come from the grant), or anyone when the development switch FV_OPEN_SESSIONS is
 * on. Everything is checked before the grant is spent, so a rejected request burns nothing.
 */
async function authorise(
  d: AppDeps,
  req: z.infer<typeof body>,
  now: number,
): Promise<Authorised & { spend: () => Promise<void> }> {
  if (req.grant === undefined) {
    if (!d.config.openSessions) throw new ProtocolError('grant_required');
    if (req.purpose === undefined) throw new ProtocolError('bad_request', 'purpose is required');
    const needsSubject = req.purpose !== 'identify';
    if (needsSubject !== (req.subjectId !== undefined)) {
      throw new ProtocolError(
        'bad_request',
        needsSubject ? 'subjectId is required' : 'identify takes no subjectId',
      );
    }
    return {
      purpose: req.purpose,
      subjectId: req.subjectId ?? null,
      challengeSet: 'standard',
      spend: async () => undefined,
    };
  }
  const g = verifyGrant(req.grant, d.config.grantSecrets, d.config.audience, now);
  if (req.purpose !== undefined && req.purpose !== g.pur)
    throw new ProtocolError('purpose_mismatch');
  if (req.subjectId !== undefined && req.subjectId !== g.sub) {
    throw new ProtocolError('subject_mismatch');
  }
  return {
    purpose: g.pur,
    subjectId: g.sub,
    challengeSet: g.cs,
    spend: async () => {
      if (!(await d.store.useGrant(g.jti, g.exp))) throw new ProtocolError('grant_used');
    },
  };
}

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

export function sessionRoutes(d: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/sessions', async (c) => {
    const origin = requireOrigin(c, d.config);
    const req = await readJson(c, body, d.config.maxJsonBytes);
    const now = d.now();
    const auth = await authorise(d, req, now);
    // No subject lookup here: the answer is the same for enrolled and unknown subjects.
    await auth.spend();
    const nonce = d.random(NONCE_BYTES);
    const sessionId = toBase64Url(d.random(16));
    const set = CHALLENGE_SETS[auth.challengeSet];
    const challenges =
      auth.purpose === 'rights'
        ? []
        : shuffledChallenges(
            challengeCountFor(req.challenges, d.config.challengeCount, set),
            d.random,
            set,
          );
    const expiresAt = now + d.config.sessionTtlMs;
    await d.store.createSession({
      sessionId,
      nonceHash: nonceHash(nonce),
      purpose: auth.purpose,
      subjectId: auth.subjectId,
      challenges,
      origin,
      expiresAt,
      createdAt: now,
    });
    const key = d.keys.current();
    const info: SessionResponse = {
      sessionId,
      nonce: toBase64Url(nonce),
      purpose: auth.purpose,
      subjectId: auth.subjectId,
      challenges,
      expiresAt,
      hpkePublicKey: toBase64Url(key.publicKeyRaw),
      keyId: key.keyId,
      modelIds: d.config.modelIds,
    };
    return c.json(info, 201);
  });
  return app;
}
