// Endpoint configuration: defaults, then environment overrides (FV_*). Validated once at start.

import { z } from 'zod';
import { readPackageManifest } from '../assets/package-assets';
import { EMBEDDING_MODEL, embeddingModelId, type ModelManifest } from '../models/manifest';
import { DEFAULT_THRESHOLD } from '../protocol/match';
import { DEFAULT_LIVENESS_POLICY, type LivenessPolicy } from '../protocol/session';

export interface ServerConfig {
  /** Origins allowed to call the browser routes (CORS and the origin bound into each session). */
  origins: string[];
  /** Model ids accepted for new submissions; templates of other models need re-enrolment. */
  modelIds: string[];
  threshold: number;
  /** Session (nonce) lifetime; the protocol caps it at 120 s. */
  sessionTtlMs: number;
  /** Number of random challenges per session (>= 3, at most the number of kinds). */
  challengeCount: number;
  liveness: LivenessPolicy;
  /** Minimum passive anti-spoof live probability. */
  minAntiSpoof: number;
  /** When true, verify requires the device key registered at enrolment. */
  deviceBinding: boolean;
  /** Require an accepted, unwithdrawn sensitive-data consent before enroll/verify. */
  requireConsent: boolean;
  lockout: { maxFailures: number; windowMs: number };
  rateLimit: { perSecond: number; burst: number };
  /**
   * Failed verifications per client: after `free` in `windowMs` the client waits `baseMs`,
   * doubling with each further failure up to `maxMs` (src/server/rate-limit.ts).
   */
  clientBackoff: { free: number; windowMs: number; baseMs: number; maxMs: number };
  /** Body limits in bytes. */
  maxSubmissionBytes: number;
  maxJsonBytes: number;
  /** Operator API key for library management (compared as SHA-256 digests). */
  operatorKey: string;
  /** Old HPKE keys stay valid for decryption this long after rotation. */
  keyGraceMs: number;
  /**
   * Proxies in front of this endpoint that append to X-Forwarded-For: the client address is the
   * N-th entry from the right (0: ignore the header; what a client writes there is never trusted).
   */
  trustProxy: number;
  /**
   * Secrets shared with the host backend for host grants (FV_GRANT_SECRET, comma separated for
   * rotation: the first one mints, all verify). Without one, only the operator can mint grants.
   */
  grantSecrets: string[];
  /** This endpoint's name in grants (`aud`), e.g. its public URL. */
  audience: string;
  /**
   * Development switch: sessions without a host grant (any caller may open one). Never the
   * default; logged loudly at start.
   */
  openSessions: boolean;
}

export const MAX_SESSION_TTL_MS = 120_000;

let manifestIds: string[] | undefined;

/**
 * The embedding model id from the committed public/models/manifest.json (what the browser
 * reports, e.g. `fr_feature@faceplugin-0.0.1:87aacdfe5751`). Read once; throws when the
 * manifest is missing so a deployment without it must set FV_MODEL_IDS explicitly.
 */
export function manifestModelIds(): string[] {
  if (manifestIds === undefined) {
    let manifest: ModelManifest;
    try {
      ({ manifest } = readPackageManifest());
    } catch (e) {
      throw new Error(`cannot read the model manifest; set FV_MODEL_IDS`, { cause: e });
    }
    const id = embeddingModelId(manifest);
    if (!id) throw new Error(`no ${EMBEDDING_MODEL} id in the model manifest`);
    manifestIds = [id];
  }
  return [...manifestIds];
}

export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    origins: ['http://localhost:5173', 'http://127.0.0.1:5173'],
    // Only read the manifest when the caller does not choose the ids itself.
    modelIds: overrides.modelIds ?? manifestModelIds(),
    threshold: DEFAULT_THRESHOLD,
    sessionTtlMs: MAX_SESSION_TTL_MS,
    challengeCount: 3,
    liveness: DEFAULT_LIVENESS_POLICY,
    // docs/liveness.md (bench/liveness-antispoof.ts): per frame, 0.5 refuses some soft or dim
    // webcam images, but per session (the best frames of a live capture) BPCER stays 0.2 %, and it
    // is the only check that refuses a screen which performs the asked actions in real time
    // (e2e/attacks.spec.ts). 0.1 would let that attacker enrol.
    minAntiSpoof: 0.5,
    deviceBinding: true,
    requireConsent: true,
    lockout: { maxFailures: 5, windowMs: 15 * 60_000 },
    rateLimit: { perSecond: 10, burst: 30 },
    clientBackoff: { free: 10, windowMs: 15 * 60_000, baseMs: 2_000, maxMs: 3_600_000 },
    maxSubmissionBytes: 64 * 1024,
    maxJsonBytes: 16 * 1024,
    operatorKey: '',
    keyGraceMs: 24 * 3_600_000,
    trustProxy: 0,
    grantSecrets: [],
    audience: 'face-verify',
    openSessions: false,
    ...overrides,
  };
}

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const int = z.coerce.number().int().nonnegative();
const bool = z.enum(['0', '1', 'true', 'false']).transform((s) => s === '1' || s === 'true');

const envSchema = z.object({
  FV_ORIGINS: list.optional(),
  FV_MODEL_IDS: list.optional(),
  FV_THRESHOLD: z.coerce.number().min(-1).max(1).optional(),
  FV_SESSION_TTL_MS: int.max(MAX_SESSION_TTL_MS).min(10_000).optional(),
  FV_CHALLENGES: int.min(3).max(4).optional(),
  FV_MIN_ANTISPOOF: z.coerce.number().min(0).max(1).optional(),
  FV_DEVICE_BINDING: bool.optional(),
  FV_REQUIRE_CONSENT: bool.optional(),
  FV_LOCKOUT_MAX: int.min(1).optional(),
  FV_LOCKOUT_WINDOW_MS: int.min(1000).optional(),
  FV_RATE_PER_SECOND: z.coerce.number().positive().optional(),
  FV_RATE_BURST: int.min(1).optional(),
  FV_OPERATOR_KEY: z.string().min(16).optional(),
  FV_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2})$/, 'must be a hop count (0..99)')
    .transform((s) => (s === 'true' ? 1 : s === 'false' ? 0 : Number(s)))
    .optional(),
  FV_GRANT_SECRET: list
    .refine((l) => l.every((x) => x.length >= 32), 'each secret needs at least 32 characters')
    .optional(),
  FV_AUDIENCE: z.string().min(1).max(256).optional(),
  FV_OPEN_SESSIONS: bool.optional(),
});

/** Reads FV_* variables over the defaults; throws a readable error naming the bad variable. */
export function configFromEnv(
  env: Record<string, string | undefined>,
  base: ServerConfig = defaultConfig(),
): ServerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid configuration: ${String(issue?.path[0])} ${issue?.message ?? ''}`);
  }
  const e = parsed.data;
  return {
    ...base,
    ...(e.FV_ORIGINS ? { origins: e.FV_ORIGINS } : {}),
    ...(e.FV_MODEL_IDS ? { modelIds: e.FV_MODEL_IDS } : {}),
    ...(e.FV_THRESHOLD !== undefined ? { threshold: e.FV_THRESHOLD } : {}),
    ...(e.FV_SESSION_TTL_MS !== undefined ? { sessionTtlMs: e.FV_SESSION_TTL_MS } : {}),
    ...(e.FV_CHALLENGES !== undefined ? { challengeCount: e.FV_CHALLENGES } : {}),
    ...(e.FV_MIN_ANTISPOOF !== undefined ? { minAntiSpoof: e.FV_MIN_ANTISPOOF } : {}),
    ...(e.FV_DEVICE_BINDING !== undefined ? { deviceBinding: e.FV_DEVICE_BINDING } : {}),
    ...(e.FV_REQUIRE_CONSENT !== undefined ? { requireConsent: e.FV_REQUIRE_CONSENT } : {}),
    lockout: {
      maxFailures: e.FV_LOCKOUT_MAX ?? base.lockout.maxFailures,
      windowMs: e.FV_LOCKOUT_WINDOW_MS ?? base.lockout.windowMs,
    },
    rateLimit: {
      perSecond: e.FV_RATE_PER_SECOND ?? base.rateLimit.perSecond,
      burst: e.FV_RATE_BURST ?? base.rateLimit.burst,
    },
    ...(e.FV_OPERATOR_KEY ? { operatorKey: e.FV_OPERATOR_KEY } : {}),
    ...(e.FV_TRUST_PROXY !== undefined ? { trustProxy: e.FV_TRUST_PROXY } : {}),
    ...(e.FV_GRANT_SECRET ? { grantSecrets: e.FV_GRANT_SECRET } : {}),
    ...(e.FV_AUDIENCE ? { audience: e.FV_AUDIENCE } : {}),
    ...(e.FV_OPEN_SESSIONS !== undefined ? { openSessions: e.FV_OPEN_SESSIONS } : {}),
  };
}
