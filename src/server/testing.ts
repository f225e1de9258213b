// Test support (not shipped): a real app over a real SQLite store in a temp dir, a settable
// clock, and a "device" that produces valid sealed submissions.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { generateDeviceKeyPair } from '../crypto/keys';
import { sealSubmission } from '../crypto/seal';
import { fromBase64Url } from '../protocol/encoding';
import {
  PROTOCOL_VERSION,
  VECTOR_LENGTH,
  type ChallengeEvidenceWire,
  type SealedEnvelope,
  type SubmissionPayload,
} from '../protocol/payload';
import type { SessionResponse } from '../protocol/api';
import { createApp } from './app';
import { defaultConfig, type ServerConfig } from './config';
import type { AppEnv } from './context';
import { mintGrant, type GrantRequest } from './grants';
import { ServerKeys } from './keys';
import { DataKeyring } from './store/at-rest';
import { SqliteStore } from './store/sqlite';

export const ORIGIN = 'https://app.example';
export const OPERATOR_KEY = 'operator-key-for-tests-0123456789';
export const MODEL = 'fr_feature';
/** The host backend's grant secret in tests (sessions are opened with grants, no bypass). */
export const GRANT_SECRET = 'grant-secret-for-tests-0123456789abcdef';

export interface Harness {
  app: Hono<AppEnv>;
  store: SqliteStore;
  keys: ServerKeys;
  config: ServerConfig;
  clock: { now: number };
  close(): Promise<void>;
}

export async function harness(overrides: Partial<ServerConfig> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'fv-server-'));
  const store = new SqliteStore({
    path: join(dir, 'fv.db'),
    keyring: DataKeyring.generate(),
    synchronous: 'normal',
  });
  await store.migrate();
  const clock = { now: 1_800_000_000_000 };
  const keys = await ServerKeys.open(null, clock.now);
  const config = defaultConfig({
    origins: [ORIGIN],
    modelIds: [MODEL],
    operatorKey: OPERATOR_KEY,
    grantSecrets: [GRANT_SECRET],
    rateLimit: { perSecond: 1e6, burst: 1e6 },
    ...overrides,
  });
  // Call log on the next tick, so tests can wait for it with one setImmediate.
  const app = createApp({ store, keys, config, now: () => clock.now, callLogBatchMs: 0 });
  clocks.set(app, { clock, config });
  return {
    app,
    store,
    keys,
    config,
    clock,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A unit vector, deterministic per seed; nearby seeds give unrelated vectors. */
export function unitVector(seed: number): Float32Array {
  const v = new Float32Array(VECTOR_LENGTH);
  let s = seed * 2654435761 + 1;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const x = s / 2 ** 32 - 0.5;
    v[i] = x;
    n += x * x;
  }
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * inv;
  return v;
}

/** Evidence for the issued order with plausible timings ending just before `clientTime`. */
export function evidenceFor(session: SessionResponse, clientTime: number): ChallengeEvidenceWire[] {
  const n = session.challenges.length;
  return session.challenges.map((kind, i) => ({
    kind,
    promptedAt: clientTime - (n - i) * 1500 - 600,
    startedAt: clientTime - (n - i) * 1500,
    completedAt: clientTime - (n - i) * 1500 + 900,
    score: 0.9,
  }));
}

export function jsonPost(body: unknown, extra: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...extra },
    body: JSON.stringify(body),
  };
}

export const operator = { authorization: `Bearer ${OPERATOR_KEY}` };

export class Device {
  private constructor(readonly keyPair: CryptoKeyPair) {}

  static async create(): Promise<Device> {
    return new Device(await generateDeviceKeyPair());
  }

  payload(
    session: SessionResponse,
    vectors: Float32Array[],
    clientTime: number,
  ): SubmissionPayload {
    return {
      version: PROTOCOL_VERSION,
      sessionId: session.sessionId,
      nonce: fromBase64Url(session.nonce),
      purpose: session.purpose,
      subject: session.subjectId ?? '',
      modelId: MODEL,
      vectors,
      liveness: evidenceFor(session, clientTime),
      antiSpoof: 0.95,
      quality: { score: 0.9, brightness: 0.5, sharpness: 0.7, faceRatio: 0.35 },
      clientTime,
    };
  }

  seal(
    session: SessionResponse,
    payload: SubmissionPayload,
    origin = ORIGIN,
  ): Promise<SealedEnvelope> {
    return sealSubmission({
      payload,
      keyId: session.keyId,
      recipientPublicKey: fromBase64Url(session.hpkePublicKey),
      origin,
      deviceKey: this.keyPair,
    });
  }
}

// The harness clock and config of each app, so helpers mint grants the app accepts.
const clocks = new WeakMap<Hono<AppEnv>, { clock: { now: number }; config: ServerConfig }>();

/** What the host backend does: a grant for one session (the harness clock and audience). */
export function grantFor(
  app: Hono<AppEnv>,
  purpose: SessionResponse['purpose'],
  subjectId?: string,
  extra: Partial<GrantRequest> = {},
): string {
  const h = clocks.get(app);
  return mintGrant(
    h?.config.grantSecrets[0] ?? GRANT_SECRET,
    {
      purpose,
      audience: h?.config.audience ?? 'face-verify',
      ...(subjectId !== undefined ? { subjectId } : {}),
      ...extra,
    },
    h?.clock.now ?? Date.now(),
  );
}

export async function newSession(
  app: Hono<AppEnv>,
  purpose: SessionResponse['purpose'],
  subjectId?: string,
  extra: Partial<GrantRequest> = {},
): Promise<SessionResponse> {
  const res = await app.request(
    '/v1/sessions',
    jsonPost({ grant: grantFor(app, purpose, subjectId, extra) }),
  );
  if (res.status !== 201) throw new Error(`session: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionResponse;
}

/** Records a consent the way the element does: inside a session the host granted. */
export async function consent(app: Hono<AppEnv>, subjectId: string, accepted = true) {
  const session = await newSession(app, 'enroll', subjectId);
  const res = await app.request(
    '/v1/consents',
    jsonPost({
      sessionId: session.sessionId,
      subjectId,
      policyVersion: 'sha256-policy-v1',
      purposes: ['enroll', 'verify'],
      sensitive: true,
      guardian: false,
      accepted,
    }),
  );
  if (res.status !== 201) throw new Error(`consent: ${res.status}`);
}

/** Consent + enrol `subjectId` with `vector` from `device`. */
export async function enroll(
  h: Harness,
  device: Device,
  subjectId: string,
  vector: Float32Array,
): Promise<void> {
  await consent(h.app, subjectId);
  const s = await newSession(h.app, 'enroll', subjectId);
  const env = await device.seal(s, device.payload(s, [vector], h.clock.now));
  const res = await h.app.request('/v1/enroll', jsonPost(env));
  if (res.status !== 201) throw new Error(`enrol: ${res.status} ${await res.text()}`);
}
