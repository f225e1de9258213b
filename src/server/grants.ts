// Host grants: who may open a session. The integrator's backend (which knows who the person is)
// mints a short-lived, single-use token for one purpose and subject; the browser only carries it
// to POST /v1/sessions. Compact and dependency-free: `fvg1.<claims>.<HMAC-SHA256>` with a secret
// shared by the host backend and this endpoint (FV_GRANT_SECRET), like a JWT with HS256 but with
// one fixed algorithm, so there is no `alg` to downgrade.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ProtocolError } from '../protocol/errors';
import {
  CHALLENGE_SET_NAMES,
  PURPOSES,
  type ChallengeSet,
  type Purpose,
} from '../protocol/payload';

const PREFIX = 'fvg1';
/** Longest lifetime a grant may have (the endpoint refuses anything longer). */
export const MAX_GRANT_TTL_MS = 5 * 60_000;
export const DEFAULT_GRANT_TTL_MS = 2 * 60_000;
/** Accepted clock difference between the host backend and the endpoint. */
const CLOCK_SKEW_MS = 30_000;
export const MAX_GRANT_LENGTH = 1024;
/** Shortest secret accepted (32 bytes of entropy when written as 43+ base64url characters). */
export const MIN_GRANT_SECRET_LENGTH = 32;

export interface GrantRequest {
  purpose: Purpose;
  /** Required for every purpose but identify. */
  subjectId?: string;
  /** Who the grant is for: the endpoint's configured audience (FV_AUDIENCE). */
  audience: string;
  /** Lifetime, at most 5 minutes (default 2). */
  ttlMs?: number;
  /** Which actions the person may be asked for (default `standard`). */
  challengeSet?: ChallengeSet;
}

/** What a verified grant says. Short names keep the token small. */
export interface GrantClaims {
  v: 1;
  aud: string;
  pur: Purpose;
  sub: string | null;
  cs: ChallengeSet;
  iat: number;
  exp: number;
  /** Single-use id: the endpoint records it when the grant opens a session. */
  jti: string;
}

const claimsSchema = z.strictObject({
  v: z.literal(1),
  aud: z.string().min(1).max(256),
  pur: z.enum(PURPOSES),
  sub: z.string().min(1).max(128).nullable(),
  cs: z.enum(CHALLENGE_SET_NAMES as [ChallengeSet, ...ChallengeSet[]]),
  iat: z.number().int().nonnegative(),
  exp: z.number().int().nonnegative(),
  jti: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
});

const b64 = (b: Uint8Array | Buffer): string => Buffer.from(b).toString('base64url');
const mac = (secret: string, body: string): Buffer =>
  createHmac('sha256', secret).update(`${PREFIX}.${body}`).digest();

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_GRANT_SECRET_LENGTH) {
    throw new Error(`grant secret must be at least ${MIN_GRANT_SECRET_LENGTH} characters`);
  }
}

/**
 * For the host's backend: a grant for one session of `purpose` (for `subjectId`). Call it only
 * after your own authentication decided this person may do this, e.g. for the signed-in user's
 * own id; hand the string to the page (the element's `grant` attribute or `getGrant`).
 */
export function mintGrant(
  secret: string,
  req: GrantRequest,
  now: number = Date.now(),
  random: (n: number) => Uint8Array = (n) => randomBytes(n),
): string {
  checkSecret(secret);
  const ttl = req.ttlMs ?? DEFAULT_GRANT_TTL_MS;
  if (!Number.isInteger(ttl) || ttl < 1000 || ttl > MAX_GRANT_TTL_MS) {
    throw new Error(`ttlMs must be 1000..${MAX_GRANT_TTL_MS}`);
  }
  const needsSubject = req.purpose !== 'identify';
  if (needsSubject !== (req.subjectId !== undefined)) {
    throw new Error(needsSubject ? 'subjectId is required' : 'identify grants take no subjectId');
  }
  const claims: GrantClaims = {
    v: 1,
    aud: req.audience,
    pur: req.purpose,
    sub: req.subjectId ?? null,
    cs: req.challengeSet ?? 'standard',
    iat: now,
    exp: now + ttl,
    jti: b64(random(18)),
  };
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) throw new Error(`invalid grant: ${parsed.error.issues[0]?.path.join('.')}`);
  const body = b64(Buffer.from(JSON.stringify(claims)));
  return `${PREFIX}.${body}.${b64(mac(secret, body))}`;
}

/**
 * Checks signature (against every configured secret, for rotation), audience, lifetime and shape.
 * Side-effect free: single use is recorded by the caller once everything else passed.
 */
export function verifyGrant(
  token: string,
  secrets: readonly string[],
  audience: string,
  now: number,
): GrantClaims {
  if (typeof token !== 'string' || token.length > MAX_GRANT_LENGTH) {
    throw new ProtocolError('grant_invalid');
  }
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) throw new ProtocolError('grant_invalid');
  const [, body, sig] = parts as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  let ok = false;
  for (const s of secrets) {
    const want = mac(s, body);
    // Compare every secret (no early exit) so timing does not tell which one matched.
    ok = (given.length === want.length && timingSafeEqual(given, want)) || ok;
  }
  if (!ok) throw new ProtocolError('grant_invalid');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new ProtocolError('grant_invalid');
  }
  const parsed = claimsSchema.safeParse(json);
  if (!parsed.success) throw new ProtocolError('grant_invalid');
  const c = parsed.data;
  if (c.aud !== audience) throw new ProtocolError('grant_invalid', 'grant is for another endpoint');
  if (c.exp - c.iat > MAX_GRANT_TTL_MS || c.iat > now + CLOCK_SKEW_MS) {
    throw new ProtocolError('grant_invalid', 'grant lifetime is out of bounds');
  }
  if (c.exp <= now) throw new ProtocolError('grant_expired');
  if ((c.pur === 'identify') !== (c.sub === null)) throw new ProtocolError('grant_invalid');
  return c;
}
