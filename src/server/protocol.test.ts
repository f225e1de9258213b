// The sealed-vector protocol against the real app and a real SQLite store (in-process requests).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign } from '../crypto/sign';
import { exportPublicKeyRaw } from '../crypto/keys';
import type { EnrollResponse, IdentifyResponse, VerifyResponse } from '../protocol/api';
import { fromBase64Url, toBase64Url } from '../protocol/encoding';
import { receiptClaimsOf, verifyReceipt } from '../protocol/receipt';
import {
  PROTOCOL_VERSION,
  encodePayload,
  envelopeSignedBytes,
  type SealedEnvelope,
} from '../protocol/payload';
import {
  Device,
  MODEL,
  ORIGIN,
  consent,
  enroll,
  grantFor,
  harness,
  jsonPost,
  newSession,
  operator,
  unitVector,
  type Harness,
} from './testing';

let h: Harness;
let device: Device;
const alice = unitVector(1);

beforeEach(async () => {
  h = await harness();
  device = await Device.create();
  await enroll(h, device, 'alice', alice);
});
afterEach(() => h.close());

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await h.app.request(path, jsonPost(body, headers));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function verifyEnvelope(vector = alice, d = device) {
  const s = await newSession(h.app, 'verify', 'alice');
  return { s, env: await d.seal(s, d.payload(s, [vector], h.clock.now)) };
}

/** Re-sign a modified envelope with the same device key, so only the targeted check can fail. */
async function resign(env: SealedEnvelope, d = device, origin = ORIGIN): Promise<SealedEnvelope> {
  const bytes = envelopeSignedBytes({
    v: env.v,
    keyId: env.keyId,
    sessionId: env.sessionId,
    purpose: env.purpose,
    origin,
    enc: fromBase64Url(env.enc),
    ct: fromBase64Url(env.ct),
    deviceKey: await exportPublicKeyRaw(d.keyPair.publicKey),
  });
  return { ...env, sig: toBase64Url(await sign(d.keyPair.privateKey, bytes)) };
}

const code = (r: { body: Record<string, unknown> }) =>
  (r.body['error'] as { code?: string } | undefined)?.code;

describe('round trip', () => {
  it('verifies the enrolled person and rejects another face', async () => {
    const ok = await verifyEnvelope();
    const r = await post('/v1/verify', ok.env);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      decision: 'match',
      subjectId: 'alice',
      sessionId: ok.s.sessionId,
    });
    expect(r.body['score']).toBeGreaterThan(0.99);
    expect(r.body['threshold']).toBe(h.config.threshold);

    // The host's backend checks the signed receipt with the published key; any change breaks it.
    const keys = (await (await h.app.request('/v1/keys')).json()) as {
      receipts: { keyId: string; publicKey: string };
    };
    const res = r.body as unknown as VerifyResponse;
    expect(res.receipt.keyId).toBe(keys.receipts.keyId);
    const claims = receiptClaimsOf({ purpose: 'verify', ...res });
    expect(await verifyReceipt(keys.receipts.publicKey, claims, res.receipt)).toBe(true);
    const forged = receiptClaimsOf({ purpose: 'verify', ...res, subjectId: 'mallory' });
    expect(await verifyReceipt(keys.receipts.publicKey, forged, res.receipt)).toBe(false);
    const lowered = receiptClaimsOf({ purpose: 'verify', ...res, decision: 'no-match' });
    expect(await verifyReceipt(keys.receipts.publicKey, lowered, res.receipt)).toBe(false);

    const other = await verifyEnvelope(unitVector(2));
    const r2 = await post('/v1/verify', other.env);
    expect(r2.body['decision']).toBe('no-match');
  });

  it('identifies 1:N and M:N with top-k', async () => {
    const bobDevice = await Device.create();
    await enroll(h, bobDevice, 'bob', unitVector(7));
    const s = await newSession(h.app, 'identify');
    const env = await device.seal(
      s,
      device.payload(s, [unitVector(7), alice, unitVector(99)], h.clock.now),
    );
    const r = await post('/v1/identify?k=2', env);
    expect(r.status).toBe(200);
    const results = r.body['results'] as {
      match: { subjectId: string } | null;
      candidates: unknown[];
    }[];
    expect(results.map((x) => x.match?.subjectId ?? null)).toEqual(['bob', 'alice', null]);
    // Only candidates at or above the threshold, never the sub-threshold runner-up.
    expect(results[0]!.candidates).toHaveLength(1);
    expect(results[2]!.candidates).toEqual([]);
    const keys = (await (await h.app.request('/v1/keys')).json()) as {
      receipts: { publicKey: string };
    };
    const res = r.body as unknown as IdentifyResponse;
    const claims = receiptClaimsOf({ purpose: 'identify', ...res });
    expect(await verifyReceipt(keys.receipts.publicKey, claims, res.receipt)).toBe(true);
  });

  it('issues >= 3 distinct challenges in a server-chosen order and a 32-byte nonce', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const s = await newSession(h.app, 'verify', 'alice');
      expect(new Set(s.challenges).size).toBe(s.challenges.length);
      expect(s.challenges.length).toBeGreaterThanOrEqual(3);
      expect(fromBase64Url(s.nonce)).toHaveLength(32);
      expect(s.expiresAt - h.clock.now).toBeLessThanOrEqual(120_000);
      orders.add(s.challenges.join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });
});

describe('rejections (each with a stable code, nothing changes)', () => {
  it('replay of a used submission: nonce_used', async () => {
    const { env } = await verifyEnvelope();
    expect((await post('/v1/verify', env)).status).toBe(200);
    const r = await post('/v1/verify', env);
    expect(code(r)).toBe('nonce_used');
  });

  it('expired nonce: session_expired', async () => {
    const { env } = await verifyEnvelope();
    h.clock.now += 121_000;
    expect(code(await post('/v1/verify', env))).toBe('session_expired');
  });

  it("another session's nonce: session_mismatch", async () => {
    const a = await newSession(h.app, 'verify', 'alice');
    const b = await newSession(h.app, 'verify', 'alice');
    const p = device.payload(a, [alice], h.clock.now);
    p.nonce = fromBase64Url(b.nonce);
    const r = await post('/v1/verify', await device.seal(a, p));
    expect(code(r)).toBe('session_mismatch');
    // Session a is still usable: a mismatch does not consume it.
    const ok = await device.seal(a, device.payload(a, [alice], h.clock.now));
    expect((await post('/v1/verify', ok)).status).toBe(200);
  });

  it('tampered ciphertext: bad_signature, and decrypt_failed once re-signed', async () => {
    const { env } = await verifyEnvelope();
    const ct = fromBase64Url(env.ct);
    ct[10]! ^= 1;
    const tampered = { ...env, ct: toBase64Url(ct) };
    expect(code(await post('/v1/verify', tampered))).toBe('bad_signature');
    expect(code(await post('/v1/verify', await resign(tampered)))).toBe('decrypt_failed');
    expect((await post('/v1/verify', env)).status).toBe(200);
  });

  it('tampered AAD (origin, purpose, session) fails HPKE open', async () => {
    // Sealed for another origin but signed for ours: the AAD differs, open() fails.
    const s = await newSession(h.app, 'verify', 'alice');
    const env = await device.seal(
      s,
      device.payload(s, [alice], h.clock.now),
      'https://evil.example',
    );
    expect(code(await post('/v1/verify', env))).toBe('bad_signature');
    expect(code(await post('/v1/verify', await resign(env)))).toBe('decrypt_failed');
    // Envelope moved to another session of the same subject.
    const other = await newSession(h.app, 'verify', 'alice');
    const moved = await resign({ ...env, sessionId: other.sessionId });
    expect(code(await post('/v1/verify', moved))).toBe('decrypt_failed');
  });

  it('tampered signature: bad_signature', async () => {
    const { env } = await verifyEnvelope();
    const sig = fromBase64Url(env.sig);
    sig[5]! ^= 0x40;
    expect(code(await post('/v1/verify', { ...env, sig: toBase64Url(sig) }))).toBe('bad_signature');
  });

  it('unknown and expired key ids: unknown_key_id', async () => {
    const { env } = await verifyEnvelope();
    expect(code(await post('/v1/verify', await resign({ ...env, keyId: 'hpke-nope' })))).toBe(
      'unknown_key_id',
    );
    // Rotation keeps the old id for the grace period, then it stops decrypting.
    await h.keys.rotate(h.clock.now, 60_000);
    expect((await post('/v1/verify', env)).status).toBe(200);
    const late = await verifyEnvelope();
    await h.keys.rotate(h.clock.now, 60_000);
    await h.keys.rotate(h.clock.now + 1, 60_000);
    h.clock.now += 61_000;
    expect(code(await post('/v1/verify', late.env))).toBe('unknown_key_id');
  });

  it('model id not accepted, and templates of another model need re-enrolment', async () => {
    const s = await newSession(h.app, 'verify', 'alice');
    const p = device.payload(s, [alice], h.clock.now);
    p.modelId = 'other_model';
    expect(code(await post('/v1/verify', await device.seal(s, p)))).toBe('model_not_accepted');
  });

  it('vector of wrong length, NaN or huge norm: bad_vector / malformed_payload', async () => {
    const cases: [Float32Array, string][] = [
      [
        (() => {
          const v = alice.slice();
          v[3] = Number.NaN;
          return v;
        })(),
        'bad_vector',
      ],
      [alice.map((x) => x * 1000), 'bad_vector'],
      [new Float32Array(512), 'bad_vector'],
    ];
    for (const [v, expected] of cases) {
      const { env } = await verifyEnvelope(v);
      expect(code(await post('/v1/verify', env))).toBe(expected);
    }
    // A 511-float vector cannot even be encoded, so splice a short one into the plaintext.
    const s = await newSession(h.app, 'verify', 'alice');
    const bytes = encodePayload(device.payload(s, [alice], h.clock.now));
    expect(bytes.length).toBeGreaterThan(2048);
    const short = new Uint8Array([...bytes.slice(0, 100), ...bytes.slice(104)]);
    const { hpkeSuite, importHpkePublicKey } = await import('../crypto/keys');
    const { buildAad, HPKE_INFO } = await import('../protocol/payload');
    const sealed = await hpkeSuite.seal(
      {
        recipientPublicKey: await importHpkePublicKey(fromBase64Url(s.hpkePublicKey)),
        info: HPKE_INFO,
      },
      short,
      buildAad({
        version: PROTOCOL_VERSION,
        sessionId: s.sessionId,
        purpose: 'verify',
        origin: ORIGIN,
      }),
    );
    const env = await resign({
      v: PROTOCOL_VERSION,
      keyId: s.keyId,
      sessionId: s.sessionId,
      purpose: 'verify',
      enc: toBase64Url(new Uint8Array(sealed.enc)),
      ct: toBase64Url(new Uint8Array(sealed.ct)),
      deviceKey: toBase64Url(await exportPublicKeyRaw(device.keyPair.publicKey)),
      sig: '',
    });
    expect(code(await post('/v1/verify', env))).toBe('malformed_payload');
  });

  it('device key mismatch when binding is on; allowed when off', async () => {
    const stranger = await Device.create();
    const { env } = await verifyEnvelope(alice, stranger);
    expect(code(await post('/v1/verify', env))).toBe('device_key_mismatch');
    const off = await harness({ deviceBinding: false });
    try {
      await enroll(off, device, 'alice', alice);
      const s = await newSession(off.app, 'verify', 'alice');
      const e = await stranger.seal(s, stranger.payload(s, [alice], off.clock.now));
      const res = await off.app.request('/v1/verify', jsonPost(e));
      expect(res.status).toBe(200);
    } finally {
      await off.close();
    }
  });

  it('challenges out of order or with implausible timing: liveness_order / liveness_timing', async () => {
    const s = await newSession(h.app, 'verify', 'alice');
    const p = device.payload(s, [alice], h.clock.now);
    p.liveness = [...p.liveness].reverse().map((e, i) => ({ ...p.liveness[i]!, kind: e.kind }));
    expect(code(await post('/v1/verify', await device.seal(s, p)))).toBe('liveness_order');
    const s2 = await newSession(h.app, 'verify', 'alice');
    const p2 = device.payload(s2, [alice], h.clock.now);
    p2.liveness[0] = { ...p2.liveness[0]!, completedAt: p2.liveness[0]!.startedAt + 1 };
    expect(code(await post('/v1/verify', await device.seal(s2, p2)))).toBe('liveness_timing');
    const s3 = await newSession(h.app, 'verify', 'alice');
    const p3 = device.payload(s3, [alice], h.clock.now);
    p3.antiSpoof = 0.05;
    expect(code(await post('/v1/verify', await device.seal(s3, p3)))).toBe('spoof_suspected');
  });

  it('purpose and subject bound to the session', async () => {
    const s = await newSession(h.app, 'verify', 'alice');
    const env = await device.seal(s, device.payload(s, [alice], h.clock.now));
    expect(code(await post('/v1/enroll', env))).toBe('purpose_mismatch');
    const p = device.payload(s, [alice], h.clock.now);
    p.subject = 'mallory';
    expect(code(await post('/v1/verify', await device.seal(s, p)))).toBe('subject_mismatch');
  });

  it('origin outside the allowlist: origin_not_allowed', async () => {
    const { env } = await verifyEnvelope();
    expect(code(await post('/v1/verify', env, { origin: 'https://evil.example' }))).toBe(
      'origin_not_allowed',
    );
  });
});

describe('consent, lockout, suspension, rights', () => {
  it('enrolment requires an accepted sensitive-data consent', async () => {
    const s = await newSession(h.app, 'enroll', 'carol');
    const env = await device.seal(s, device.payload(s, [unitVector(3)], h.clock.now));
    expect(code(await post('/v1/enroll', env))).toBe('consent_required');
    await consent(h.app, 'dave', false);
    const s2 = await newSession(h.app, 'enroll', 'dave');
    const env2 = await device.seal(s2, device.payload(s2, [unitVector(4)], h.clock.now));
    expect(code(await post('/v1/enroll', env2))).toBe('consent_required');
    expect(await h.store.getSubject('carol')).toBeNull();
  });

  it('re-enrolment replaces templates; another device cannot re-enrol when bound', async () => {
    const s = await newSession(h.app, 'enroll', 'alice');
    const env = await device.seal(s, device.payload(s, [unitVector(8)], h.clock.now));
    const r = await post('/v1/enroll', env);
    expect(r.status).toBe(201);
    expect(r.body['replaced']).toBe(true);
    const keys = (await (await h.app.request('/v1/keys')).json()) as {
      receipts: { publicKey: string };
    };
    const res = r.body as unknown as EnrollResponse;
    const claims = receiptClaimsOf({ purpose: 'enroll', ...res });
    expect(await verifyReceipt(keys.receipts.publicKey, claims, res.receipt)).toBe(true);
    const templates = await h.store.listTemplates('alice');
    expect(templates).toHaveLength(1);
    expect(templates[0]!.templateId).toBe(r.body['templateId']);
    const stranger = await Device.create();
    const s2 = await newSession(h.app, 'enroll', 'alice');
    const env2 = await stranger.seal(s2, stranger.payload(s2, [unitVector(9)], h.clock.now));
    expect(code(await post('/v1/enroll', env2))).toBe('device_key_mismatch');
    expect((await h.store.listTemplates('alice'))[0]!.templateId).toBe(r.body['templateId']);
  });

  it('locks a subject after N failed verifications in the window', async () => {
    for (let i = 0; i < h.config.lockout.maxFailures; i++) {
      const { env } = await verifyEnvelope(unitVector(100 + i));
      expect((await post('/v1/verify', env)).body['decision']).toBe('no-match');
    }
    expect(code(await post('/v1/verify', (await verifyEnvelope()).env))).toBe('subject_locked');
    h.clock.now += h.config.lockout.windowMs + 1;
    expect((await post('/v1/verify', (await verifyEnvelope()).env)).status).toBe(200);
  });

  it('failed liveness / anti-spoof attempts count towards the lockout', async () => {
    for (let i = 0; i < h.config.lockout.maxFailures; i++) {
      const s = await newSession(h.app, 'verify', 'alice');
      const p = device.payload(s, [alice], h.clock.now);
      p.antiSpoof = 0.05;
      expect(code(await post('/v1/verify', await device.seal(s, p)))).toBe('spoof_suspected');
    }
    expect(code(await post('/v1/verify', (await verifyEnvelope()).env))).toBe('subject_locked');
  });

  it('identify does not match a suspended subject', async () => {
    const until = h.clock.now + 60_000;
    expect(await h.store.setSuspended('alice', until)).toBe(true);
    const s = await newSession(h.app, 'identify');
    const r = await post(
      '/v1/identify',
      await device.seal(s, device.payload(s, [alice], h.clock.now)),
    );
    const results = r.body['results'] as { match: unknown; candidates: unknown[] }[];
    expect(results[0]!.match).toBeNull();
    expect(results[0]!.candidates).toEqual([]);
  });

  it('operator suspension blocks verification', async () => {
    const put = await h.app.request('/v1/subjects/alice/suspension', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...operator },
      body: JSON.stringify({ until: h.clock.now + 60_000 }),
    });
    expect(put.status).toBe(200);
    expect(code(await post('/v1/verify', (await verifyEnvelope()).env))).toBe('subject_suspended');
  });

  it('the person withdraws, exports and deletes with a device-signed proof', async () => {
    const { createApiClient } = await import('../api/client');
    const client = createApiClient({
      endpoint: 'http://fv.test',
      origin: ORIGIN,
      deviceKey: async () => device.keyPair,
      getGrant: async (r) => grantFor(h.app, r.purpose, r.subjectId || undefined),
      fetch: async (input, init) => h.app.request(String(input), init as RequestInit),
    });
    const exported = await client.exportSubject('alice');
    expect(exported.templates).toHaveLength(1);
    expect(exported.consents.length).toBeGreaterThan(0);
    const w = await client.withdrawConsent('alice');
    expect(w.templatesDeleted).toBe(1);
    expect(await h.store.listTemplates('alice')).toHaveLength(0);
    const del = await client.deleteSubject('alice');
    expect(del.deleted).toBe(true);
    expect(await h.store.getSubject('alice')).toBeNull();
    // Consent records stay as the legal record, withdrawn: re-enrolling needs a fresh consent.
    const consents = await h.store.listConsents('alice');
    expect(consents.length).toBeGreaterThan(0);
    expect(consents.every((x) => x.withdrawnAt !== null)).toBe(true);
  });

  it("a stranger's device cannot exercise alice's rights", async () => {
    const { createApiClient, ApiError } = await import('../api/client');
    const other = await Device.create();
    const client = createApiClient({
      endpoint: 'http://fv.test',
      origin: ORIGIN,
      deviceKey: async () => other.keyPair,
      getGrant: async (r) => grantFor(h.app, r.purpose, r.subjectId || undefined),
      fetch: async (input, init) => h.app.request(String(input), init as RequestInit),
    });
    const err = await client.deleteSubject('alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as InstanceType<typeof ApiError>).code).toBe('device_key_mismatch');
    expect(await h.store.getSubject('alice')).not.toBeNull();
  });
});

describe('session challenge count', () => {
  const challenges = async (extra: Record<string, unknown>) =>
    (await post('/v1/sessions', { grant: grantFor(h.app, 'verify', 'alice'), ...extra })).body[
      'challenges'
    ] as string[];

  it('defaults to FV_CHALLENGES and honours a request for more, up to every kind once', async () => {
    expect(await challenges({})).toHaveLength(3);
    const four = await challenges({ challenges: 4 });
    expect(four).toHaveLength(4);
    expect(new Set(four).size).toBe(4);
    expect(await challenges({ challenges: 99 })).toHaveLength(4);
  });

  it('never goes below the configured policy', async () => {
    expect(await challenges({ challenges: 0 })).toHaveLength(3);
    expect(await challenges({ challenges: 1 })).toHaveLength(3);
    const strict = await harness({ challengeCount: 4 });
    try {
      const r = await strict.app.request(
        '/v1/sessions',
        jsonPost({ grant: grantFor(strict.app, 'identify'), challenges: 3 }),
      );
      expect(((await r.json()) as { challenges: string[] }).challenges).toHaveLength(4);
    } finally {
      await strict.close();
    }
  });

  it('rejects a non-integer or out-of-range count', async () => {
    for (const bad of [3.5, -1, '4', 101]) {
      const r = await post('/v1/sessions', {
        grant: grantFor(h.app, 'verify', 'alice'),
        challenges: bad,
      });
      expect(r.status).toBe(400);
      expect(code(r)).toBe('bad_request');
    }
  });

  it("a verify with four challenges round-trips (the liveness check uses the session's list)", async () => {
    const s = await newSession(h.app, 'verify', 'alice');
    expect(s.challenges).toHaveLength(3);
    const r = await post('/v1/sessions', {
      grant: grantFor(h.app, 'verify', 'alice'),
      challenges: 4,
    });
    const s4 = r.body as unknown as typeof s;
    const env = await device.seal(s4, device.payload(s4, [alice], h.clock.now));
    const v = await post('/v1/verify', env);
    expect(v.status).toBe(200);
    expect(v.body['decision']).toBe('match');
  });
});

describe('round trip through the browser client', () => {
  it('createSession + verify via createApiClient', async () => {
    const { createApiClient } = await import('../api/client');
    const client = createApiClient({
      endpoint: 'http://fv.test/',
      origin: ORIGIN,
      deviceKey: async () => device.keyPair,
      getGrant: async (r) => grantFor(h.app, r.purpose, r.subjectId || undefined),
      fetch: async (input, init) => h.app.request(String(input), init as RequestInit),
      now: () => h.clock.now,
    });
    const s = await client.createSession('verify', 'alice', undefined, { challenges: 4 });
    expect(s.challenges).toHaveLength(4);
    const p = device.payload(s, [alice], h.clock.now);
    const r = await client.verify(s, {
      modelId: MODEL,
      vectors: p.vectors,
      liveness: p.liveness,
      antiSpoof: p.antiSpoof,
      quality: p.quality,
    });
    expect(r.decision).toBe('match');
  });

  it('network failure is a typed network error', async () => {
    const { createApiClient, ApiError } = await import('../api/client');
    const client = createApiClient({
      endpoint: 'http://127.0.0.1:9',
      origin: ORIGIN,
      deviceKey: async () => device.keyPair,
    });
    const err = await client.createSession('identify').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as InstanceType<typeof ApiError>).code).toBe('network');
  });
});
