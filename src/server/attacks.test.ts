// The trust boundary, attacked as a stranger with curl and our open-source client would (issue 8's
// table, one block per row). Each test asserts the specific refusal; every row failed on the
// endpoint before host grants existed.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdentifyResponse, SessionResponse, VerifyResponse } from '../protocol/api';
import { cosine } from '../protocol/match';
import { VECTOR_LENGTH } from '../protocol/payload';
import { createApp } from './app';
import { mintGrant } from './grants';
import {
  Device,
  GRANT_SECRET,
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
let alice: Device;
const aliceFace = unitVector(1);

beforeEach(async () => {
  h = await harness();
  alice = await Device.create();
  await enroll(h, alice, 'alice', aliceFace);
});
afterEach(() => h.close());

type Json = Record<string, unknown>;
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await h.app.request(path, jsonPost(body, headers));
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}
const code = (r: { body: Json }) => (r.body['error'] as { code?: string } | undefined)?.code;

async function submit(
  device: Device,
  session: SessionResponse,
  vectors: Float32Array[],
  route = `/v1/${session.purpose}`,
) {
  return post(route, await device.seal(session, device.payload(session, vectors, h.clock.now)));
}

const randomUnit = (rand: () => number): Float32Array => {
  const v = new Float32Array(VECTOR_LENGTH);
  let n = 0;
  for (let i = 0; i < v.length; i++) n += (v[i] = rand() - 0.5) ** 2;
  for (let i = 0; i < v.length; i++) v[i]! /= Math.sqrt(n);
  return v;
};
const oneHot = (i: number, sign = 1): Float32Array => {
  const v = new Float32Array(VECTOR_LENGTH);
  v[i % VECTOR_LENGTH] = sign;
  return v;
};
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('sessions come from the host', () => {
  it('no grant, a forged, foreign, expired, over-long or reused grant: refused', async () => {
    expect(code(await post('/v1/sessions', { purpose: 'verify', subjectId: 'alice' }))).toBe(
      'grant_required',
    );
    const good = grantFor(h.app, 'verify', 'alice');
    const [p, body, sig] = good.split('.') as [string, string, string];
    const forgedBody = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), sub: 'bob' }),
    ).toString('base64url');
    expect(code(await post('/v1/sessions', { grant: `${p}.${forgedBody}.${sig}` }))).toBe(
      'grant_invalid',
    );
    const otherSecret = mintGrant('another-host-secret-0123456789abcdef', {
      purpose: 'verify',
      subjectId: 'alice',
      audience: 'face-verify',
    });
    expect(code(await post('/v1/sessions', { grant: otherSecret }))).toBe('grant_invalid');
    const foreign = mintGrant(
      GRANT_SECRET,
      { purpose: 'verify', subjectId: 'alice', audience: 'https://other-endpoint.example' },
      h.clock.now,
    );
    expect(code(await post('/v1/sessions', { grant: foreign }))).toBe('grant_invalid');
    const old = mintGrant(
      GRANT_SECRET,
      { purpose: 'verify', subjectId: 'alice', audience: 'face-verify', ttlMs: 60_000 },
      h.clock.now - 61_000,
    );
    expect(code(await post('/v1/sessions', { grant: old }))).toBe('grant_expired');
    expect(() =>
      mintGrant(GRANT_SECRET, { purpose: 'identify', audience: 'x', ttlMs: 10 * 60_000 }),
    ).toThrow(/ttlMs/);
    // The grant decides purpose and subject: a body naming another one is refused.
    expect(code(await post('/v1/sessions', { grant: good, subjectId: 'bob' }))).toBe(
      'subject_mismatch',
    );
    expect((await post('/v1/sessions', { grant: good })).status).toBe(201);
    expect(code(await post('/v1/sessions', { grant: good }))).toBe('grant_used');
  });

  it('the operator key mints grants server to server; a stranger cannot', async () => {
    const req = { purpose: 'identify' };
    expect(code(await post('/v1/grants', req))).toBe('unauthorized');
    expect(code(await post('/v1/grants', { purpose: 'verify' }, operator))).toBe('bad_request');
    const r = await post('/v1/grants', req, operator);
    expect(r.status).toBe(201);
    expect((await post('/v1/sessions', { grant: r.body['grant'] })).status).toBe(201);
  });

  it('FV_OPEN_SESSIONS is an explicit development switch', async () => {
    const open = await harness({ openSessions: true });
    try {
      const r = await open.app.request('/v1/sessions', jsonPost({ purpose: 'identify' }));
      expect(r.status).toBe(201);
    } finally {
      await open.close();
    }
  });
});

describe('answers teach a stranger nothing', () => {
  it('identify with k > 5 is refused; a random vector sees no sub-threshold scores', async () => {
    const s = await newSession(h.app, 'identify');
    const probe = randomUnit(seeded(1));
    expect(code(await submit(alice, s, [probe], '/v1/identify?k=100'))).toBe('bad_request');
    const s2 = await newSession(h.app, 'identify');
    const r = await submit(alice, s2, [probe], '/v1/identify?k=5');
    expect(r.status).toBe(200);
    expect((r.body as unknown as IdentifyResponse).results[0]).toMatchObject({
      candidates: [],
      match: null,
    });
  });

  it('500 probes (one-hot, 10 faces a request, and hill climbing) reconstruct nothing', async () => {
    for (let i = 2; i < 6; i++) await enroll(h, await Device.create(), `p${i}`, unitVector(i));
    const templates = [aliceFace, ...[2, 3, 4, 5].map(unitVector)];
    const revealed: { probe: Float32Array; score: number }[] = [];
    let probes = 0;
    const identify = async (vectors: Float32Array[]) => {
      const s = await newSession(h.app, 'identify');
      const r = await submit(alice, s, vectors, '/v1/identify?k=5');
      expect(r.status).toBe(200);
      const res = r.body as unknown as IdentifyResponse;
      probes += vectors.length;
      for (const x of res.results) {
        for (const c of x.candidates) revealed.push({ probe: vectors[x.face]!, score: c.score });
        expect(x.candidates.every((c) => c.score >= res.threshold)).toBe(true);
      }
      return res;
    };
    // One-hot probes, both signs, 10 faces per request (the published attack: 52 requests).
    for (let i = 0; i < 300; i += 10) {
      await identify(Array.from({ length: 10 }, (_, j) => oneHot(i + j, j % 2 ? -1 : 1)));
    }
    // Hill climbing from a random vector: keep a step when the answer improves.
    const rand = seeded(7);
    let current = randomUnit(rand);
    let best = -Infinity;
    while (probes < 500) {
      const step = randomUnit(rand);
      const next = new Float32Array(VECTOR_LENGTH);
      let n = 0;
      for (let i = 0; i < VECTOR_LENGTH; i++) n += (next[i] = current[i]! + 0.3 * step[i]!) ** 2;
      for (let i = 0; i < VECTOR_LENGTH; i++) next[i]! /= Math.sqrt(n);
      const score = (await identify([next])).results[0]!.candidates[0]?.score ?? -Infinity;
      if (score > best) [best, current] = [score, next];
    }
    expect(probes).toBeGreaterThanOrEqual(500);
    // Nothing came back, so nothing the answers revealed reconstructs any template.
    expect(revealed).toEqual([]);
    for (const t of templates) expect(cosine(current, t)).toBeLessThan(h.config.threshold);
  });

  it('each probed face counts against the caller quota', async () => {
    const q = await harness({ rateLimit: { perSecond: 0.001, burst: 25 } });
    try {
      const d = await Device.create();
      const faces = Array.from({ length: 10 }, (_, i) => unitVector(50 + i));
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = await newSession(q.app, 'identify'); // 1 token
        const env = await d.seal(s, d.payload(s, faces, q.clock.now));
        statuses.push((await q.app.request('/v1/identify', jsonPost(env))).status); // 1 + 9 tokens
      }
      // 11 tokens per round: the third round finds the bucket (25) empty.
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(statuses[2]).toBe(429);
    } finally {
      await q.close();
    }
  });

  it('verify and session creation answer the same shape for unknown and known subjects', async () => {
    const stranger = await Device.create();
    const known = await newSession(h.app, 'verify', 'alice');
    const unknown = await newSession(h.app, 'verify', 'nobody');
    expect(Object.keys(known).sort()).toEqual(Object.keys(unknown).sort());
    const rUnknown = await submit(stranger, unknown, [unitVector(9)]);
    expect(rUnknown.status).toBe(200);
    expect(rUnknown.body).toMatchObject({ decision: 'no-match', score: null });
    // A known subject answers a non-matching face from its own device the same way.
    const rKnown = await submit(alice, known, [unitVector(9)]);
    expect(rKnown.status).toBe(200);
    expect(rKnown.body).toMatchObject({ decision: 'no-match', score: null });
    expect(Object.keys(rKnown.body).sort()).toEqual(Object.keys(rUnknown.body).sort());
    // No verification record about an id the caller made up.
    expect((await h.store.exportSubject('nobody')).verifications).toEqual([]);
  });
});

describe('the owner owns the record', () => {
  it('a pre-created subject is bound to the first enrolling device, in the same transaction', async () => {
    expect((await post('/v1/subjects', { subjectId: 'carol' }, operator)).status).toBe(201);
    const carol = await Device.create();
    await enroll(h, carol, 'carol', unitVector(3));
    expect((await h.store.listDeviceKeys('carol')).length).toBe(1);
    // A photo embedding of carol, sealed by a stranger's device, does not verify as carol.
    const thief = await Device.create();
    const v = await submit(thief, await newSession(h.app, 'verify', 'carol'), [unitVector(3)]);
    expect(code(v)).toBe('device_key_mismatch');
    // Nor can the stranger re-enrol their own face over carol.
    const e = await submit(thief, await newSession(h.app, 'enroll', 'carol'), [unitVector(4)]);
    expect(code(e)).toBe('device_key_mismatch');
    expect((await h.store.listTemplates('carol'))[0]!.vector).toEqual(unitVector(3));
    // Carol's own data rights work with her device key.
    const { createApiClient } = await import('../api/client');
    const client = createApiClient({
      endpoint: 'http://fv.test',
      origin: ORIGIN,
      deviceKey: async () => carol.keyPair,
      getGrant: async (r) => grantFor(h.app, r.purpose, r.subjectId || undefined),
      fetch: async (input, init) => h.app.request(String(input), init as RequestInit),
    });
    expect((await client.exportSubject('carol')).templates).toHaveLength(1);
  });

  it('consent cannot be recorded or withdrawn by a stranger, nor a guardian consent planted', async () => {
    const before = await h.store.listConsents('alice');
    const forged = {
      subjectId: 'alice',
      policyVersion: 'sha256-x',
      purposes: ['verify'],
      sensitive: true,
      guardian: true,
      accepted: false,
    };
    expect(code(await post('/v1/consents', forged))).toBe('grant_required');
    // A session granted for another subject does not authorise alice's record.
    const mine = await newSession(h.app, 'enroll', 'mallory');
    expect(code(await post('/v1/consents', { ...forged, sessionId: mine.sessionId }))).toBe(
      'subject_mismatch',
    );
    expect(await h.store.listConsents('alice')).toEqual(before);
    const v = await submit(alice, await newSession(h.app, 'verify', 'alice'), [aliceFace]);
    expect(v.body['decision']).toBe('match');
  });

  it("a stranger's failing verifies never lock the owner out", async () => {
    const attacker = await Device.create();
    for (let i = 0; i < h.config.lockout.maxFailures + 2; i++) {
      const s = await newSession(h.app, 'verify', 'alice');
      expect(code(await submit(attacker, s, [unitVector(200 + i)]))).toBe('device_key_mismatch');
    }
    const v = await submit(alice, await newSession(h.app, 'verify', 'alice'), [aliceFace]);
    expect(v.body['decision']).toBe('match');
  });

  it('the owner locks only their own key, and the client backs off', async () => {
    for (let i = 0; i < h.config.lockout.maxFailures; i++) {
      const s = await newSession(h.app, 'verify', 'alice');
      expect((await submit(alice, s, [unitVector(300 + i)])).body['decision']).toBe('no-match');
    }
    const s = await newSession(h.app, 'verify', 'alice');
    expect(code(await submit(alice, s, [aliceFace]))).toBe('subject_locked');
  });

  it('a client that keeps failing waits, doubling each time; the owner elsewhere is not held', async () => {
    const b = await harness({
      clientBackoff: { free: 2, windowMs: 60_000, baseMs: 1_000, maxMs: 60_000 },
    });
    try {
      const owner = await Device.create();
      await enroll(b, owner, 'olga', unitVector(5));
      const stranger = await Device.create();
      const attempt = async (d: Device, client: string) => {
        const s = await newSession(b.app, 'verify', 'olga');
        const env = await d.seal(s, d.payload(s, [unitVector(5)], b.clock.now));
        const res = await b.app.request('/v1/verify', jsonPost(env, { 'x-test-client': client }), {
          incoming: { socket: { remoteAddress: client } },
        });
        return ((await res.json()) as { error?: { code: string } }).error?.code ?? 'ok';
      };
      expect(await attempt(stranger, '198.51.100.9')).toBe('device_key_mismatch');
      expect(await attempt(stranger, '198.51.100.9')).toBe('device_key_mismatch');
      expect(await attempt(stranger, '198.51.100.9')).toBe('rate_limited');
      b.clock.now += 1_001;
      expect(await attempt(stranger, '198.51.100.9')).toBe('device_key_mismatch');
      expect(await attempt(stranger, '198.51.100.9')).toBe('rate_limited'); // now 2 s
      b.clock.now += 1_500;
      expect(await attempt(stranger, '198.51.100.9')).toBe('rate_limited');
      // The owner, from their own address, is not held back by the stranger.
      expect(await attempt(owner, '203.0.113.20')).toBe('ok');
    } finally {
      await b.close();
    }
  });

  it('a person adds a second device with an add-device grant; a never-added one gets a reason', async () => {
    const laptop = await Device.create();
    const before = await submit(laptop, await newSession(h.app, 'verify', 'alice'), [aliceFace]);
    expect(code(before)).toBe('device_key_mismatch');
    expect((before.body['error'] as { message: string }).message).toMatch(/not registered/);
    // Another face cannot add a device.
    const wrong = await submit(laptop, await newSession(h.app, 'add-device', 'alice'), [
      unitVector(77),
    ]);
    expect(wrong.body).toMatchObject({ decision: 'no-match', deviceKeyId: null, score: null });
    expect((await h.store.listDeviceKeys('alice')).length).toBe(1);
    const added = await submit(laptop, await newSession(h.app, 'add-device', 'alice'), [aliceFace]);
    expect(added.body['decision']).toBe('match');
    expect(typeof added.body['deviceKeyId']).toBe('string');
    const v = await submit(laptop, await newSession(h.app, 'verify', 'alice'), [aliceFace]);
    expect((v.body as unknown as VerifyResponse).decision).toBe('match');
    // The operator lists and removes keys (a lost device); the other keeps working.
    const list = await h.app.request('/v1/subjects/alice/devices', { headers: operator });
    const { devices } = (await list.json()) as { devices: { keyId: string }[] };
    expect(devices).toHaveLength(2);
    const del = await h.app.request(
      `/v1/subjects/alice/devices/${added.body['deviceKeyId'] as string}`,
      { method: 'DELETE', headers: operator },
    );
    expect(del.status).toBe(200);
    const gone = await submit(laptop, await newSession(h.app, 'verify', 'alice'), [aliceFace]);
    expect(code(gone)).toBe('device_key_mismatch');
    const still = await submit(alice, await newSession(h.app, 'verify', 'alice'), [aliceFace]);
    expect(still.body['decision']).toBe('match');
  });
});

describe('transport hygiene', () => {
  it('FV_TRUST_PROXY=1 takes the proxy-appended address: a forged X-Forwarded-For does not reset the limit', async () => {
    const config = { ...h.config, trustProxy: 1, rateLimit: { perSecond: 0.001, burst: 5 } };
    const app = createApp({ store: h.store, keys: h.keys, config, now: () => h.clock.now });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await app.request(
        '/v1/sessions',
        // The client writes a random address; the proxy appends the one it saw.
        jsonPost({ purpose: 'identify' }, { 'x-forwarded-for': `10.9.${i}.1, 203.0.113.7` }),
      );
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBe(15);
  });

  it('every answer is no-store, nosniff and no-referrer', async () => {
    for (const res of [
      await h.app.request('/v1/health'),
      await h.app.request('/v1/sessions', jsonPost({})),
      await h.app.request('/v1/nothing'),
    ]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('client time and quality out of range are refused before anything is stored', async () => {
    const s = await newSession(h.app, 'verify', 'alice');
    const p = alice.payload(s, [aliceFace], h.clock.now + 3 * 86_400_000);
    expect(code(await post('/v1/verify', await alice.seal(s, p)))).toBe('malformed_payload');
    const s2 = await newSession(h.app, 'verify', 'alice');
    const q = alice.payload(s2, [aliceFace], h.clock.now);
    q.quality = { ...q.quality, sharpness: 7 };
    expect(code(await post('/v1/verify', await alice.seal(s2, q)))).toBe('malformed_payload');
    await consent(h.app, 'alice');
  });
});
