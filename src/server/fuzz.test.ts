// Generated fuzz run: >= 10 000 malformed requests across every route against the real app and a
// real SQLite file. No 5xx, every reply a JSON error with a stable code, and no state change: a
// digest of every table except the call log is identical before and after.

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode } from '../protocol/errors';
import { fromBase64Url, toBase64Url } from '../protocol/encoding';
import { PROTOCOL_VERSION, type SealedEnvelope } from '../protocol/payload';
import { digestRows, TABLES } from './store/common';
import {
  Device,
  OPERATOR_KEY,
  ORIGIN,
  consent,
  enroll,
  harness,
  jsonPost,
  newSession,
  unitVector,
  type Harness,
} from './testing';

const N = Number(process.env['FV_FUZZ_N'] ?? 10_000);
const SEED = Number(process.env['FV_FUZZ_SEED'] ?? 20261129);

/** xorshift32: reproducible from the seed printed on failure. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
  };
}

type R = ReturnType<typeof rng>;

function stateDigest(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    let h: ReturnType<typeof digestRows> | undefined;
    for (const table of TABLES) {
      if (table === 'calls') continue;
      h = digestRows(table, db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all() as never, h);
    }
    return h!.digest('hex');
  } finally {
    db.close();
  }
}

interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  ' ',
  'x'.repeat(300),
  '\u0000',
  '\ud800',
  '../../etc/passwd',
  '<script>',
  [],
  [1, 2],
  {},
  { $gt: '' },
  'AAAA',
  '====',
];

function mutateString(r: R, s: string): string {
  if (s.length === 0) return 'A';
  const i = r.int(s.length);
  switch (r.int(4)) {
    case 0: {
      // Flip to another base64url character (always changes the bytes).
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      let c = r.pick([...alphabet]);
      while (c === s[i]) c = r.pick([...alphabet]);
      return s.slice(0, i) + c + s.slice(i + 1);
    }
    case 1:
      return s.slice(0, i);
    case 2:
      return s + r.pick(['A', '=', '!', '\u00e9', 'AAAA']);
    default:
      return s.slice(0, i) + s.slice(i + 1);
  }
}

describe('fuzz: malformed requests across all routes', () => {
  let h: Harness;
  let envelopes: SealedEnvelope[];
  let usedEnvelope: SealedEnvelope;
  let sessionIds: string[];
  let dbPath: string;

  beforeAll(async () => {
    h = await harness();
    dbPath = (h.store as unknown as { db: { name: string } }).db.name;
    const device = await Device.create();
    await enroll(h, device, 'alice', unitVector(1));
    await enroll(h, device, 'bob', unitVector(2));
    await consent(h.app, 'carol');
    // Valid envelopes for open sessions: the fuzzer mutates them (so they must never succeed).
    envelopes = [];
    for (const [purpose, subject] of [
      ['verify', 'alice'],
      ['enroll', 'carol'],
      ['identify', undefined],
    ] as const) {
      const s = await newSession(h.app, purpose, subject);
      envelopes.push(await device.seal(s, device.payload(s, [unitVector(1)], h.clock.now)));
    }
    const s = await newSession(h.app, 'verify', 'alice');
    usedEnvelope = await device.seal(s, device.payload(s, [unitVector(1)], h.clock.now));
    const ok = await h.app.request('/v1/verify', jsonPost(usedEnvelope));
    expect(ok.status).toBe(200);
    sessionIds = envelopes.map((e) => e.sessionId);
  });

  afterAll(() => h?.close());

  function generate(r: R): Req {
    const json = { 'content-type': 'application/json', origin: ORIGIN };
    const op = { authorization: `Bearer ${OPERATOR_KEY}` };
    const badOp = r.pick([
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${OPERATOR_KEY}x` },
      { authorization: 'Basic abc' },
      { authorization: '' },
    ]);
    const env = r.pick(envelopes);
    // Mostly the route that matches the envelope, so mutations get past the purpose check.
    const submitPath =
      r.next() < 0.8
        ? `/v1/${env.purpose}`
        : r.pick(['/v1/enroll', '/v1/verify', '/v1/identify', '/v1/identify?k=3']);
    const field = r.pick([
      'v',
      'keyId',
      'sessionId',
      'purpose',
      'enc',
      'ct',
      'deviceKey',
      'sig',
    ] as const);
    const subjectPath = r.pick([
      'alice',
      'bob',
      'nobody',
      'a%00b',
      'x'.repeat(200),
      '%E0%A4%A',
      '..',
    ]);
    const kind = r.int(22);
    switch (kind) {
      case 0: // a signed byte flipped: signature or decryption must fail
        return {
          method: 'POST',
          path: submitPath,
          headers: json,
          body: JSON.stringify({
            ...env,
            [field === 'v' || field === 'purpose' || field === 'keyId' || field === 'sessionId'
              ? 'sig'
              : field]: mutateString(
              r,
              env[
                field === 'v' || field === 'purpose' || field === 'keyId' || field === 'sessionId'
                  ? 'sig'
                  : field
              ],
            ),
          }),
        };
      case 1: // a field replaced by a value of the wrong type or shape
        return {
          method: 'POST',
          path: submitPath,
          headers: json,
          body: JSON.stringify({ ...env, [field]: r.pick(WEIRD_VALUES) }),
        };
      case 2: {
        // a field missing
        const copy: Record<string, unknown> = { ...env };
        delete copy[field];
        return { method: 'POST', path: submitPath, headers: json, body: JSON.stringify(copy) };
      }
      case 3: // an unknown field (schemas are strict)
        return {
          method: 'POST',
          path: submitPath,
          headers: json,
          body: JSON.stringify({ ...env, extra: 1, __proto__x: 2 }),
        };
      case 4: {
        // truncated / corrupted JSON
        const text = JSON.stringify(env);
        return {
          method: 'POST',
          path: submitPath,
          headers: json,
          body: text.slice(0, r.int(text.length)),
        };
      }
      case 5: // wrong content type
        return {
          method: 'POST',
          path: r.pick([submitPath, '/v1/sessions', '/v1/consents', '/v1/subjects/alice/export']),
          headers: {
            'content-type': r.pick([
              'text/plain',
              'application/x-www-form-urlencoded',
              'multipart/form-data',
              '',
            ]),
            origin: ORIGIN,
          },
          body: JSON.stringify(env),
        };
      case 6: // origin not allowed or missing
        return {
          method: 'POST',
          path: r.pick([submitPath, '/v1/sessions', '/v1/consents']),
          headers: r.pick([
            { 'content-type': 'application/json' },
            { 'content-type': 'application/json', origin: 'https://evil.example' },
            { 'content-type': 'application/json', origin: 'null' },
          ]),
          body: JSON.stringify(r.next() < 0.5 ? env : { purpose: 'verify', subjectId: 'alice' }),
        };
      case 7: // purpose/route mismatch: a valid envelope on the wrong route
        return {
          method: 'POST',
          path: r.pick(['/v1/enroll', '/v1/identify']),
          headers: json,
          body: JSON.stringify(envelopes[0]),
        };
      case 8: // replay of a used envelope
        return {
          method: 'POST',
          path: '/v1/verify',
          headers: json,
          body: JSON.stringify(usedEnvelope),
        };
      case 9: // oversize body
        return {
          method: 'POST',
          path: r.pick([submitPath, '/v1/sessions', '/v1/consents']),
          headers: json,
          body: JSON.stringify({ ...env, ct: 'A'.repeat(70_000 + r.int(100_000)) }),
        };
      case 10: // malformed session requests
        return {
          method: 'POST',
          path: '/v1/sessions',
          headers: json,
          body: JSON.stringify(
            r.pick([
              {},
              { purpose: 'verify' },
              { purpose: 'identify', subjectId: 'alice' },
              { purpose: 'enrol', subjectId: 'alice' },
              { purpose: r.pick(WEIRD_VALUES), subjectId: 'alice' },
              { purpose: 'verify', subjectId: r.pick(WEIRD_VALUES) },
              { purpose: 'verify', subjectId: 'nobody' },
              { purpose: 'verify', subjectId: 'carol' },
              { purpose: 'rights', subjectId: 'alice', more: true },
            ]),
          ),
        };
      case 11: {
        // malformed consent records
        const good = {
          subjectId: 'alice',
          policyVersion: 'sha256-x',
          purposes: ['verify'],
          sensitive: true,
          guardian: false,
          accepted: true,
        };
        const k = r.pick(Object.keys(good) as (keyof typeof good)[]);
        const bad =
          r.next() < 0.5
            ? {
                ...good,
                [k]: r.pick(
                  WEIRD_VALUES.filter((v) => typeof v !== typeof good[k] || typeof v === 'string'),
                ),
              }
            : { ...good, purposes: r.pick([[], ['A B'], Array(9).fill('x'), [1]]) };
        if (
          typeof bad[k] === typeof good[k] &&
          k !== 'purposes' &&
          k !== 'subjectId' &&
          k !== 'policyVersion'
        )
          delete (bad as Record<string, unknown>)[k];
        if (k === 'subjectId' && typeof bad.subjectId === 'string')
          bad.subjectId = r.pick(['', '\u0000', 'x'.repeat(300)]);
        if (k === 'policyVersion' && typeof bad.policyVersion === 'string')
          bad.policyVersion = r.pick(['', ' ', 'x'.repeat(300), '<script>']);
        return { method: 'POST', path: '/v1/consents', headers: json, body: JSON.stringify(bad) };
      }
      case 12: {
        // operator routes without (or with a wrong) key
        const route = r.pick([
          ['GET', '/v1/subjects'],
          ['POST', '/v1/subjects'],
          ['GET', `/v1/subjects/${subjectPath}`],
          ['DELETE', '/v1/subjects/alice'],
          ['GET', '/v1/subjects/alice/templates'],
          ['DELETE', '/v1/subjects/bob/templates'],
          ['PUT', '/v1/subjects/alice/suspension'],
          ['GET', '/v1/subjects/alice/consents'],
          ['GET', '/v1/subjects/alice/export'],
          ['GET', '/v1/calls'],
          ['POST', '/v1/keys/rotate'],
        ] as const);
        return {
          method: route[0],
          path: route[1],
          headers: { ...json, ...badOp },
          body:
            route[0] === 'GET'
              ? (undefined as never)
              : JSON.stringify({ subjectId: 'zed', until: h.clock.now + 1e6 }),
        };
      }
      case 13: {
        // operator routes with the key but bad parameters
        const route = r.pick([
          ['GET', `/v1/subjects?limit=${r.pick(['0', '-1', '1001', 'abc', '1e3', ''])}`],
          ['GET', `/v1/subjects?after=%00`],
          ['GET', `/v1/calls?since=${r.pick(['-5', 'x', '1.5'])}`],
          ['GET', '/v1/subjects/nobody'],
          ['DELETE', '/v1/subjects/nobody'],
          ['DELETE', '/v1/subjects/%00'],
          ['GET', `/v1/subjects/${'y'.repeat(300)}/templates`],
          ['DELETE', '/v1/subjects/nobody/templates'],
          ['PUT', '/v1/subjects/nobody/suspension'],
          ['PUT', '/v1/subjects/alice/suspension'],
          ['POST', '/v1/subjects'],
        ] as const);
        const body =
          route[0] === 'PUT' && route[1].includes('alice')
            ? r.pick([{ until: -1 }, { until: 'soon' }, {}, { until: 1.5 }, { until: 1, x: 1 }])
            : route[0] === 'POST'
              ? r.pick([{ subjectId: 'alice' }, { subjectId: '' }, { subjectId: 5 }, {}])
              : { until: null };
        return {
          method: route[0],
          path: route[1],
          headers: { ...json, ...op },
          ...(route[0] === 'GET' || route[0] === 'DELETE' ? {} : { body: JSON.stringify(body) }),
        };
      }
      case 14: {
        // rights routes with broken proofs
        const action = r.pick(['export', 'withdraw', 'delete']);
        const proof = {
          sessionId: r.pick([...sessionIds, 'nope']),
          nonce: toBase64Url(new Uint8Array(32).fill(r.int(256))),
          deviceKey: env.deviceKey,
          sig: mutateString(r, env.sig),
        };
        const k = r.pick(Object.keys(proof) as (keyof typeof proof)[]);
        const bad = r.next() < 0.5 ? { ...proof, [k]: r.pick(WEIRD_VALUES) } : proof;
        return {
          method: 'POST',
          path: `/v1/subjects/${subjectPath}/${action}`,
          headers: { ...json, ...(r.next() < 0.2 ? badOp : {}) },
          body: JSON.stringify(bad),
        };
      }
      case 15: // unknown routes and methods
        return {
          method: r.pick(['GET', 'PATCH', 'DELETE', 'POST', 'PUT']),
          path: r.pick([
            '/',
            '/v2/verify',
            '/v1/verify/x',
            '/v1/session',
            '/v1//sessions',
            '/v1/subjects/alice/unknown',
          ]),
          headers: json,
          body: JSON.stringify(env),
        } as Req;
      case 16: // wrong method on known routes
        return {
          method: r.pick(['GET', 'PUT', 'DELETE']),
          path: r.pick(['/v1/verify', '/v1/enroll', '/v1/sessions', '/v1/consents']),
          headers: json,
        };
      case 17: {
        // random bytes as a body
        const n = r.int(3000);
        let s = '';
        for (let i = 0; i < n; i++) s += String.fromCharCode(r.int(256));
        return {
          method: 'POST',
          path: r.pick([submitPath, '/v1/sessions', '/v1/consents', '/v1/subjects/alice/withdraw']),
          headers: json,
          body: s,
        };
      }
      case 18: // deep nesting and non-object JSON
        return {
          method: 'POST',
          path: r.pick([submitPath, '/v1/sessions', '/v1/consents']),
          headers: json,
          body: r.pick([
            '[]',
            'null',
            '"x"',
            '1',
            '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
            '{"a":'.repeat(500),
          ]),
        };
      case 19: // identify with bad k
        return {
          method: 'POST',
          path: `/v1/identify?k=${r.pick(['0', '101', '-1', 'abc', '1e2', '5&k=6', ''])}`,
          headers: json,
          body: JSON.stringify(envelopes[2]),
        };
      case 20: // version or key id changed (signed fields: still rejected)
        return {
          method: 'POST',
          path: submitPath,
          headers: json,
          body: JSON.stringify({
            ...env,
            v: r.pick([0, PROTOCOL_VERSION + 1, 255, -1]),
            keyId: r.next() < 0.5 ? env.keyId : 'hpke-unknown',
          }),
        };
      default: {
        // sig from one envelope on another
        const other = r.pick(envelopes.filter((e) => e !== env));
        const swapped: SealedEnvelope = { ...env, sig: other.sig };
        void fromBase64Url;
        return { method: 'POST', path: submitPath, headers: json, body: JSON.stringify(swapped) };
      }
    }
  }

  it(`${N} requests: no 5xx, stable codes, no state change`, async () => {
    await new Promise((resolve) => setImmediate(resolve)); // setup's call-log writes
    const before = stateDigest(dbPath);
    const beforeCalls = (await h.store.snapshot()).counts['calls'] ?? 0;
    const r = rng(SEED);
    const seen = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const req = generate(r);
      const res = await h.app.request(req.path, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined && req.method !== 'GET' ? { body: req.body } : {}),
      });
      const text = await res.text();
      const context = `seed ${SEED} #${i} ${req.method} ${req.path.slice(0, 60)} -> ${res.status} ${text.slice(0, 120)}`;
      expect(res.status, context).toBeGreaterThanOrEqual(400);
      expect(res.status, context).toBeLessThan(500);
      const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
      expect(isErrorCode(code), context).toBe(true);
      seen.set(String(code), (seen.get(String(code)) ?? 0) + 1);
    }
    await new Promise((resolve) => setImmediate(resolve)); // let the last call-log write land
    expect(stateDigest(dbPath)).toBe(before);
    // Every request is in the call log, and nothing else changed.
    expect((await h.store.snapshot()).counts['calls']).toBe(beforeCalls + N);
    // The run reached deep into the protocol, not just the schema layer.
    for (const c of [
      'bad_signature',
      'nonce_used',
      'purpose_mismatch',
      'unauthorized',
      'not_found',
      'bad_request',
    ]) {
      expect(seen.get(c) ?? 0, `code ${c} never produced`).toBeGreaterThan(0);
    }
    console.log(JSON.stringify({ fuzz: N, seed: SEED, codes: Object.fromEntries(seen) }));
  }, 600_000);
});
