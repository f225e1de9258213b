// Endpoint throughput: loopback autocannon on POST /v1/verify with valid sealed payloads (one
// fresh session/nonce per request, generated up front), the raw ceiling (the verify route's own
// function, verifySubmission: HPKE open + signature verify + checks + match + receipt signature,
// over an in-memory store, in a tight loop, one process per core) and 1:N identify over 100 000 templates.
// Prints a table; the LAST line is one JSON object.
//
//   npm run bench:server            FV_BENCH_SECONDS (5), FV_BENCH_TEMPLATES (100000)
//
// Uses all cores: the endpoint runs as a node:cluster of one process per core sharing the SQLite
// file (WAL); ceiling workers are the same number of processes, run on their own.

import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { generateDeviceKeyPair } from '../src/crypto/keys';
import { fromBase64Url } from '../src/protocol/encoding';
import {
  PROTOCOL_VERSION,
  VECTOR_LENGTH,
  type ChallengeKind,
  type SealedEnvelope,
  type SubmissionPayload,
} from '../src/protocol/payload';
import type { SessionResponse } from '../src/protocol/api';
import { sealSubmission } from '../src/crypto/seal';
import { createApp } from '../src/server/app';
import { defaultConfig, type ServerConfig } from '../src/server/config';
import { mintGrant } from '../src/server/grants';
import { ServerKeys } from '../src/server/keys';
import { FailureBackoff } from '../src/server/rate-limit';
import { DataKeyring } from '../src/server/store/at-rest';
import { SqliteStore } from '../src/server/store/sqlite';
import type { SessionRecord } from '../src/server/store/types';
import {
  verifySubmission,
  type SubmissionDeps,
  type SubmissionStore,
} from '../src/server/submission';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const ORIGIN = 'http://bench.local';
const MODEL = 'fr_feature';
const SECONDS = Number(process.env['FV_BENCH_SECONDS'] ?? 5);
const TEMPLATES = Number(process.env['FV_BENCH_TEMPLATES'] ?? 100_000);
const CORES = availableParallelism();
/** Endpoint processes (default: one per core). */
const SERVERS = Number(process.env['FV_BENCH_SERVERS'] ?? CORES);
const VERIFY_SUBJECTS = 200;
const IDENTIFY_QUERIES = 200;
const CEILING_IN_FLIGHT = 4;

/** The consent every bench subject gives (through the route, and in the ceiling's store). */
const CONSENT = {
  policyVersion: 'bench',
  purposes: ['enroll', 'verify'],
  sensitive: true,
  guardian: false,
  accepted: true,
};

/** Sessions go through host grants, as in production (the host backend's secret). */
const GRANT_SECRET = 'bench-host-grant-secret-0123456789abcdef';
const grant = (purpose: 'enroll' | 'verify' | 'identify', subjectId?: string) =>
  mintGrant(GRANT_SECRET, {
    purpose,
    audience: 'face-verify',
    ...(subjectId ? { subjectId } : {}),
  });

function config(): ServerConfig {
  return defaultConfig({
    origins: [ORIGIN],
    modelIds: [MODEL],
    operatorKey: 'bench-operator-key-0123456789',
    grantSecrets: [GRANT_SECRET],
    rateLimit: { perSecond: 1e9, burst: 1e9 },
    lockout: { maxFailures: 1e9, windowMs: 60_000 },
  });
}

/** Deterministic unit vector per seed (xorshift). */
function unitVector(seed: number): Float32Array {
  const v = new Float32Array(VECTOR_LENGTH);
  let s = (seed * 2654435761) >>> 0 || 1;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const x = s / 2 ** 32 - 0.5;
    v[i] = x;
    n += x * x;
  }
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * inv;
  return v;
}

function payload(s: SessionResponse, v: Float32Array, now: number): SubmissionPayload {
  const n = s.challenges.length;
  return {
    version: PROTOCOL_VERSION,
    sessionId: s.sessionId,
    nonce: fromBase64Url(s.nonce),
    purpose: s.purpose,
    subject: s.subjectId ?? '',
    modelId: MODEL,
    vectors: [v],
    liveness: s.challenges.map((kind, i) => ({
      kind,
      promptedAt: now - (n - i) * 1500 - 600,
      startedAt: now - (n - i) * 1500,
      completedAt: now - (n - i) * 1500 + 900,
      score: 0.9,
    })),
    antiSpoof: 0.9,
    quality: { score: 0.9, brightness: 0.5, sharpness: 0.6, faceRatio: 0.3 },
    clientTime: now,
  };
}

interface GcStats {
  count: number;
  ms: number;
  maxMs: number;
}
const gcSum = (xs: GcStats[]): GcStats => ({
  count: xs.reduce((a, g) => a + g.count, 0),
  ms: xs.reduce((a, g) => a + g.ms, 0),
  maxMs: Math.max(0, ...xs.map((g) => g.maxMs)),
});

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

// ---- worker roles ---------------------------------------------------------------------------

async function serverWorker(dir: string, dataKey: string): Promise<void> {
  const store = new SqliteStore({
    path: join(dir, 'fv.db'),
    keyring: DataKeyring.fromEnv(dataKey),
    synchronous: 'normal',
    backgroundCheckpoint: process.env['FV_BENCH_BG_CHECKPOINT'] !== '0', // as openStore does
  });
  const keys = await ServerKeys.open(join(dir, 'server-keys.json'), Date.now());
  await store.warmIdentify(MODEL); // as main.ts does at start-up
  const app = createApp({ store, keys, config: config() });
  const server = serve({
    fetch: app.fetch,
    port: Number(process.env['FV_BENCH_PORT']),
    hostname: '127.0.0.1',
  });
  server.once('listening', () => process.send?.({ type: 'ready' }));
  // FV_BENCH_PROFILE=<dir>: a V8 CPU profile of each endpoint process over the verify run.
  const profileDir = process.env['FV_BENCH_PROFILE'];
  const profiler = profileDir ? new Session() : null;
  let cpuCalls = 0;
  // GC pauses of this process (cumulative), to tell GC from other causes of latency tails.
  const gc = { count: 0, ms: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.ms += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  // CPU accounting for the table: all threads of this process (main + libuv pool).
  process.on('message', (m: { type: string }) => {
    if (m.type !== 'cpu') return;
    void (async () => {
      if (profiler && cpuCalls === 0) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      } else if (profiler && cpuCalls === 1) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(
          join(profileDir!, `server-${process.pid}.cpuprofile`),
          JSON.stringify(profile),
        );
      }
      cpuCalls++;
      process.send?.({ type: 'cpu', cpu: process.cpuUsage(), gc: { ...gc } });
      gc.maxMs = 0; // counts and totals are cumulative, the maximum is per phase
    })();
  });
}

/**
 * The verify route's own function over an in-memory stand-in for the store, so the ceiling is
 * exactly the route's work (open, checks, lockout and consent reads, match, receipt) minus HTTP
 * and the database, and cannot drift from it.
 */
function ceilingStore(template: Float32Array, challenges: ChallengeKind[]): SubmissionStore {
  const at = Date.now();
  const session = (sessionId: string, usedAt: number | null): SessionRecord => ({
    sessionId,
    nonceHash: new Uint8Array(32),
    purpose: 'verify',
    subjectId: 's',
    challenges,
    origin: ORIGIN,
    expiresAt: Number.MAX_SAFE_INTEGER,
    createdAt: at,
    usedAt,
  });
  return {
    getSession: async (sessionId) => session(sessionId, null),
    consumeSession: async (sessionId) => ({ status: 'ok', session: session(sessionId, at) }),
    countFailures: async () => 0,
    listDeviceKeys: async () => [],
    getSubject: async (subjectId) => ({
      subjectId,
      createdAt: at,
      suspendedUntil: null,
      deviceKeys: 0,
    }),
    listConsents: async (subjectId) => [
      { consentId: 'c', subjectId, ...CONSENT, at, withdrawnAt: null },
    ],
    listTemplates: async (subjectId) => [
      { templateId: 't', subjectId, modelId: MODEL, vector: template, createdAt: at },
    ],
    addVerification: async () => undefined,
  };
}

async function ceilingWorker(dir: string): Promise<void> {
  const keys = await ServerKeys.open(join(dir, 'server-keys.json'), Date.now());
  const device = await generateDeviceKeyPair();
  const key = keys.current();
  const challenges: ChallengeKind[] = ['blink', 'turn-left', 'open-mouth'];
  const deps: SubmissionDeps = {
    store: ceilingStore(unitVector(1), challenges),
    keys,
    config: config(),
    random: (n) => new Uint8Array(randomBytes(n)),
    backoff: new FailureBackoff(config().clientBackoff),
  };
  const envs: SealedEnvelope[] = [];
  for (let i = 0; i < 64; i++) {
    const s: SessionResponse = {
      sessionId: `c${i}`,
      nonce: 'A'.repeat(43),
      purpose: 'verify',
      subjectId: 's',
      challenges,
      expiresAt: 0,
      hpkePublicKey: Buffer.from(key.publicKeyRaw).toString('base64url'),
      keyId: key.keyId,
      modelIds: [MODEL],
    };
    envs.push(
      await sealSubmission({
        payload: payload(s, unitVector(1), Date.now()),
        keyId: key.keyId,
        recipientPublicKey: key.publicKeyRaw,
        origin: ORIGIN,
        deviceKey: device,
      }),
    );
  }
  process.send?.({ type: 'ready' });
  // Each 'go' runs one timed phase; several operations in flight, like the server under load
  // (WebCrypto work runs on the libuv pool, so one process keeps more than one core busy).
  process.on('message', (m: { seconds: number }) => {
    void (async () => {
      const end = performance.now() + m.seconds * 1000;
      let ops = 0;
      const loop = async () => {
        while (performance.now() < end) {
          const envelope = envs[ops % envs.length]!;
          const r = await verifySubmission(deps, {
            envelope,
            origin: ORIGIN,
            client: 'ceiling',
            now: Date.now(),
          });
          if (r.decision !== 'match') throw new Error('ceiling: no match');
          if (r.receipt.sig.length === 0) throw new Error('ceiling: no receipt signature');
          ops++;
        }
      };
      const cpu0 = process.cpuUsage();
      await Promise.all(Array.from({ length: CEILING_IN_FLIGHT }, loop));
      const cpu = process.cpuUsage(cpu0);
      process.send?.({ type: 'done', ops, cpuUs: cpu.user + cpu.system });
    })();
  });
}

// ---- primary -------------------------------------------------------------------------------

function fork(role: string, env: Record<string, string>) {
  const w = cluster.fork({ ...env, FV_BENCH_ROLE: role });
  const ready = new Promise<void>((resolve, reject) => {
    w.on('message', (m: { type: string }) => m.type === 'ready' && resolve());
    w.once('exit', (code) => reject(new Error(`${role} worker exited ${code}`)));
  });
  return { w, ready };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fv-bench-'));
  const dataKey = `bench:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`;
  const childEnv = { FV_BENCH_DIR: dir, FV_BENCH_DATA_KEY: dataKey };
  try {
    const t0 = performance.now();
    const store = new SqliteStore({
      path: join(dir, 'fv.db'),
      keyring: DataKeyring.fromEnv(dataKey),
      synchronous: 'normal',
    });
    await store.migrate();
    const keys = await ServerKeys.open(join(dir, 'server-keys.json'), Date.now());
    const app = createApp({ store, keys, config: config() });
    const device = await generateDeviceKeyPair();
    const post = async (path: string, body: unknown) => {
      const res = await app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<unknown>;
    };

    // Library: 100k identify templates + verify subjects enrolled through the real routes.
    const now0 = Date.now();
    // Bulk import (one transaction per chunk) through the store's enrollMany.
    for (let start = 0; start < TEMPLATES; start += 10_000) {
      const entries = [];
      for (let i = start; i < Math.min(TEMPLATES, start + 10_000); i++) {
        const subjectId = `lib-${String(i).padStart(6, '0')}`;
        entries.push({
          subject: { subjectId, devicePublicKey: null, createdAt: now0 },
          template: {
            templateId: `t-${i}`,
            subjectId,
            modelId: MODEL,
            vector: unitVector(1_000_000 + i),
            createdAt: now0,
          },
        });
      }
      await store.enrollMany(entries);
    }
    const seedMs = performance.now() - t0;
    for (let i = 0; i < VERIFY_SUBJECTS; i++) {
      const subjectId = `v-${i}`;
      const s = (await post('/v1/sessions', {
        grant: grant('enroll', subjectId),
      })) as SessionResponse;
      await post('/v1/consents', { sessionId: s.sessionId, subjectId, ...CONSENT });
      const env = await sealSubmission({
        payload: payload(s, unitVector(i + 1), Date.now()),
        keyId: s.keyId,
        recipientPublicKey: fromBase64Url(s.hpkePublicKey),
        origin: ORIGIN,
        deviceKey: device,
      });
      await post('/v1/enroll', env);
    }

    // Ceiling in two halves, before and after the HTTP run, so load drift on a shared machine
    // biases both sides alike. The first half also sizes how many fresh payloads are needed.
    const ceilings = Array.from({ length: CORES }, () => fork('ceiling', childEnv));
    await Promise.all(ceilings.map((c) => c.ready));
    const ceilingCpu = { ops: 0, us: 0 };
    const ceilingPhase = async (seconds: number): Promise<number> => {
      const counts = await Promise.all(
        ceilings.map(
          (c) =>
            new Promise<number>((resolve) => {
              const on = (m: { type: string; ops?: number; cpuUs?: number }) => {
                if (m.type !== 'done') return;
                c.w.off('message', on);
                ceilingCpu.ops += m.ops ?? 0;
                ceilingCpu.us += m.cpuUs ?? 0;
                resolve(m.ops ?? 0);
              };
              c.w.on('message', on);
              c.w.send({ seconds });
            }),
        ),
      );
      return counts.reduce((a, b) => a + b, 0) / seconds;
    };
    const ceilingBefore = await ceilingPhase(SECONDS / 2);

    // Fresh sessions and sealed payloads, one per request, generated before the clock starts.
    const needed = Math.ceil(ceilingBefore * SECONDS * 1.1) + 200;
    const bodies: string[] = [];
    const tGen = performance.now();
    for (let i = 0; i < needed; i++) {
      const k = i % VERIFY_SUBJECTS;
      const s = (await post('/v1/sessions', {
        grant: grant('verify', `v-${k}`),
      })) as SessionResponse;
      const env = await sealSubmission({
        payload: payload(s, unitVector(k + 1), Date.now()),
        keyId: s.keyId,
        recipientPublicKey: fromBase64Url(s.hpkePublicKey),
        origin: ORIGIN,
        deviceKey: device,
      });
      bodies.push(JSON.stringify(env));
    }
    const idBodies: string[] = [];
    for (let i = 0; i < IDENTIFY_QUERIES + 20; i++) {
      const s = (await post('/v1/sessions', { grant: grant('identify') })) as SessionResponse;
      const q = unitVector(1_000_000 + ((i * 7919) % TEMPLATES));
      const env = await sealSubmission({
        payload: payload(s, q, Date.now()),
        keyId: s.keyId,
        recipientPublicKey: fromBase64Url(s.hpkePublicKey),
        origin: ORIGIN,
        deviceKey: device,
      });
      idBodies.push(JSON.stringify(env));
    }
    const genMs = performance.now() - tGen;
    await store.close();

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const servers = Array.from({ length: SERVERS }, () =>
      fork('server', { ...childEnv, FV_BENCH_PORT: String(port) }),
    );
    await Promise.all(servers.map((s) => s.ready));
    const url = `http://127.0.0.1:${port}`;
    const headers = { 'content-type': 'application/json', origin: ORIGIN };

    // Identify 1:N over 100k (sequential, one connection; the first queries warm each index).
    const idLatencies: number[] = [];
    for (let i = 0; i < idBodies.length; i++) {
      const t = performance.now();
      const res = await fetch(`${url}/v1/identify?k=5`, {
        method: 'POST',
        headers,
        body: idBodies[i]!,
      });
      const json = (await res.json()) as { results?: { match: { subjectId: string } | null }[] };
      if (res.status !== 200 || !json.results?.[0]?.match)
        throw new Error(`identify failed: ${res.status}`);
      if (i >= 20) idLatencies.push(performance.now() - t);
    }

    const gcSeen: GcStats[] = [];
    const serverCpu = () =>
      Promise.all(
        servers.map(
          (sv) =>
            new Promise<number>((resolve) => {
              const on = (m: { type: string; cpu?: NodeJS.CpuUsage; gc?: GcStats }) => {
                if (m.type !== 'cpu') return;
                sv.w.off('message', on);
                if (m.gc) gcSeen.push(m.gc);
                resolve((m.cpu?.user ?? 0) + (m.cpu?.system ?? 0));
              };
              sv.w.on('message', on);
              sv.w.send({ type: 'cpu' });
            }),
        ),
      ).then((xs) => xs.reduce((a, b) => a + b, 0));

    // Verify under load: every body is a distinct fresh session; any non-2xx invalidates the run.
    let next = 0;
    const serverCpu0 = await serverCpu();
    const gcIdentify = gcSum(gcSeen.splice(0));
    const loadCpu0 = process.cpuUsage();
    const result = await autocannon({
      url,
      connections: 16,
      pipelining: 1,
      duration: SECONDS,
      amount: bodies.length,
      requests: [
        {
          method: 'POST',
          path: '/v1/verify',
          headers,
          setupRequest: (req: Record<string, unknown>) => ({
            ...req,
            body: bodies[next++ % bodies.length],
          }),
        },
      ],
    });
    const loadCpu = process.cpuUsage(loadCpu0);
    const serverCpuUs = (await serverCpu()) - serverCpu0;
    const gcAll = gcSum(gcSeen.splice(0));
    const gcVerify = {
      count: gcAll.count - gcIdentify.count,
      ms: gcAll.ms - gcIdentify.ms,
      maxMs: gcAll.maxMs,
    };
    for (const s of servers) s.w.kill();
    // Server-side time of each identify (the call log's handler duration): a tail here is the
    // handler; a tail only on the client side is scheduling, GC or the connection.
    const logStore = new SqliteStore({
      path: join(dir, 'fv.db'),
      keyring: DataKeyring.fromEnv(dataKey),
    });
    const idServerMs = (await logStore.listCalls({ since: 0, limit: 10_000 }))
      .filter((c) => c.route === 'POST /v1/identify')
      .reverse()
      .slice(20)
      .map((c) => c.ms);
    await logStore.close();
    const ceilingAfter = await ceilingPhase(SECONDS / 2);
    for (const c of ceilings) c.w.kill();
    const ceilingRps = (ceilingBefore + ceilingAfter) / 2;
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`verify run had ${result.non2xx} non-2xx and ${result.errors} errors`);
    }
    if (next > bodies.length) throw new Error('ran out of fresh payloads; increase the margin');
    const verifyRps = result.requests.total / result.duration;

    const out = {
      verify_rps: round(verifyRps, 1),
      p99_ms: result.latency.p99,
      ceiling_rps: round(ceilingRps, 1),
      ratio: round(verifyRps / ceilingRps, 3),
      identify_100k_p50_ms: round(percentile(idLatencies, 50)),
      identify_100k_p99_ms: round(percentile(idLatencies, 99)),
    };
    const rows: [string, string][] = [
      ['cores / server processes / ceiling processes', `${CORES} / ${SERVERS} / ${CORES}`],
      [
        'store',
        `SQLite WAL synchronous=NORMAL, ${TEMPLATES} templates + ${VERIFY_SUBJECTS} enrolled`,
      ],
      ['seed library (ms)', round(seedMs, 0).toString()],
      [
        'pre-generate payloads (ms)',
        `${round(genMs, 0)} (${bodies.length} verify, ${idBodies.length} identify)`,
      ],
      ['verify requests / duration (s)', `${result.requests.total} / ${result.duration}`],
      ['verify rps', String(out.verify_rps)],
      ['verify latency p50 / p99 (ms)', `${result.latency.p50} / ${result.latency.p99}`],
      [
        'ceiling rps (open + verify sig + match + receipt), before / after',
        `${out.ceiling_rps} (${round(ceilingBefore, 1)} / ${round(ceilingAfter, 1)})`,
      ],
      ['ratio verify / ceiling', String(out.ratio)],
      [
        'CPU ms per op: server / ceiling / autocannon',
        [
          serverCpuUs / 1000 / result.requests.total,
          ceilingCpu.us / 1000 / ceilingCpu.ops,
          (loadCpu.user + loadCpu.system) / 1000 / result.requests.total,
        ]
          .map((x) => round(x, 3))
          .join(' / '),
      ],
      [
        'identify server-side (call log) p50 / p99 / max (ms)',
        [50, 99, 100].map((q) => round(percentile(idServerMs, q))).join(' / '),
      ],
      [
        'server GC pauses identify / verify phase: n, total ms, max ms',
        `${gcIdentify.count}, ${round(gcIdentify.ms, 0)}, ${round(gcIdentify.maxMs, 1)} / ` +
          `${gcVerify.count}, ${round(gcVerify.ms, 0)}, ${round(gcVerify.maxMs, 1)}`,
      ],
      [
        'identify 1:N over 100k p50 / p99 (ms, HTTP, k=5)',
        `${out.identify_100k_p50_ms} / ${out.identify_100k_p99_ms}`,
      ],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
    console.log(JSON.stringify(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (cluster.isPrimary) {
  await main();
  process.exit(0);
} else {
  const dir = process.env['FV_BENCH_DIR'] as string;
  if (process.env['FV_BENCH_ROLE'] === 'server')
    await serverWorker(dir, process.env['FV_BENCH_DATA_KEY'] as string);
  else await ceilingWorker(dir);
}
