// A few tests over real HTTP: the `npm start` entry on an ephemeral port, the browser client
// with the real fetch, CORS, body limits, rate limiting, and logs free of personal data.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../api/client';
import { Device, MODEL, ORIGIN, OPERATOR_KEY, evidenceFor, unitVector } from './testing';
import { mintGrant } from './grants';
import { jsonLogger } from './logging';
import { startServer, type RunningServer } from './main';

let server: RunningServer;
let dir: string;
const lines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fv-http-'));
  server = await startServer({
    port: 0,
    dataDir: dir,
    env: {
      FV_ORIGINS: ORIGIN,
      FV_MODEL_IDS: MODEL,
      FV_RATE_PER_SECOND: '1000',
      FV_RATE_BURST: '1000',
    },
    logger: jsonLogger((l) => lines.push(l), 'debug'),
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('over HTTP', () => {
  it('keys and operator key are generated on first start with mode 0600', () => {
    const files = ['server-keys.json', 'operator-key', 'grant-secret', 'data-key.json'];
    for (const f of [...files, 'face-verify.db']) {
      expect(statSync(join(dir, f)).isFile()).toBe(true);
    }
    // Owner-only: keys, and the database with its WAL (templates, consents, device keys).
    for (const f of [...files, 'face-verify.db', 'face-verify.db-wal']) {
      expect(statSync(join(dir, f)).mode & 0o077, f).toBe(0);
    }
  });

  it('consent, enrol, verify, identify, export, withdraw, deregister with the browser client', async () => {
    const device = await Device.create();
    // The host backend's part: a grant per session, minted with the endpoint's grant secret.
    const client = createApiClient({
      endpoint: server.url,
      origin: ORIGIN,
      deviceKey: async () => device.keyPair,
      getGrant: async (r) =>
        mintGrant(server.grantSecret, {
          purpose: r.purpose,
          audience: server.config.audience,
          ...(r.subjectId ? { subjectId: r.subjectId } : {}),
        }),
    });
    const capture = (
      s: { challenges: string[] } & Parameters<typeof evidenceFor>[0],
      v: Float32Array,
    ) => ({
      modelId: MODEL,
      vectors: [v],
      liveness: evidenceFor(s, Date.now()),
      antiSpoof: 0.9,
      quality: { score: 0.9, brightness: 0.5, sharpness: 0.6, faceRatio: 0.3 },
    });
    const consentSession = await client.createSession('enroll', 'http-alice');
    await client.recordConsent({
      sessionId: consentSession.sessionId,
      subjectId: 'http-alice',
      policyVersion: 'sha256-abc',
      purposes: ['enroll', 'verify'],
      sensitive: true,
      guardian: false,
      accepted: true,
    });
    const v = unitVector(11);
    const se = await client.createSession('enroll', 'http-alice');
    const enrolled = await client.enroll(se, capture(se, v));
    expect(enrolled.subjectId).toBe('http-alice');
    const sv = await client.createSession('verify', 'http-alice');
    expect((await client.verify(sv, capture(sv, v))).decision).toBe('match');
    // Replay over the wire.
    const err = await client.verify(sv, capture(sv, v)).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('nonce_used');
    const si = await client.createSession('identify');
    const found = await client.identify(si, capture(si, v), 1);
    expect(found.results[0]?.match?.subjectId).toBe('http-alice');

    const list = await fetch(`${server.url}/v1/subjects`, {
      headers: {
        authorization: `Bearer ${readFileSync(join(dir, 'operator-key'), 'utf8').trim()}`,
      },
    });
    expect(
      ((await list.json()) as { subjects: { subjectId: string }[] }).subjects[0]?.subjectId,
    ).toBe('http-alice');

    const exported = await client.exportSubject('http-alice');
    expect(exported.templates).toHaveLength(1);
    expect((await client.withdrawConsent('http-alice')).templatesDeleted).toBe(1);
    expect((await client.deleteSubject('http-alice')).deleted).toBe(true);

    // Logs never carry subject ids, vectors or keys.
    const log = lines.join('\n');
    expect(log).not.toContain('http-alice');
    expect(log).not.toContain(enrolled.templateId);
    expect(log).not.toMatch(/vector|deviceKey|nonce/);
  });

  it('CORS: preflight answers allowed origins only', async () => {
    const pre = (origin: string) =>
      fetch(`${server.url}/v1/verify`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    expect((await pre(ORIGIN)).headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(
      (await pre('https://evil.example')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });

  it('body limit: an oversize submission is refused with body_too_large', async () => {
    const res = await fetch(`${server.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ ct: 'A'.repeat(200_000) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
  });

  it('body limit also holds for a chunked body without Content-Length', async () => {
    const chunk = new TextEncoder().encode('A'.repeat(16_384));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${server.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
  });

  it('wrong operator key: unauthorized', async () => {
    const res = await fetch(`${server.url}/v1/subjects`, {
      headers: { authorization: `Bearer ${OPERATOR_KEY}` },
    });
    expect(res.status).toBe(401);
  });
});

describe('rate limit over HTTP', () => {
  it('answers 429 rate_limited past the burst', async () => {
    const d = mkdtempSync(join(tmpdir(), 'fv-rl-'));
    const s = await startServer({
      port: 0,
      dataDir: d,
      env: {
        FV_ORIGINS: ORIGIN,
        FV_RATE_PER_SECOND: '1',
        FV_RATE_BURST: '3',
        FV_OPERATOR_KEY: OPERATOR_KEY,
      },
      logger: jsonLogger(() => {}),
      retention: false,
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push((await fetch(`${s.url}/v1/health`)).status);
      expect(codes.slice(0, 3)).toEqual([200, 200, 200]);
      expect(codes.at(-1)).toBe(429);
      // The operator's backend is not throttled; a wrong key still is.
      const asOperator = (key: string) =>
        fetch(`${s.url}/v1/subjects`, { headers: { authorization: `Bearer ${key}` } });
      expect((await asOperator(OPERATOR_KEY)).status).toBe(200);
      expect((await asOperator('wrong-key-0123456789')).status).toBe(429);
    } finally {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
