// npm run bench:accuracy -- --data DIR [--backend wasm|auto|webgpu] [--max-side 1280]
//   [--peer-backend cpu|webgl] [--peer-detector tiny|ssd]
// Scores every pair of DIR with the real browser pipeline (landmarker -> 5 points -> worker
// embedding) in headless Chromium, and with face-api.js on the same pairs in the same run.
// Prints a table, then as the LAST line one JSON object. Never prints vectors or images.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { cosine, decide, DEFAULT_THRESHOLD } from '../src/protocol/match';
import type { BackendPreference } from '../src/inference/protocol';
import { startSession } from './lib/browser';
import { loadPairs } from './lib/dataset';
import type { Middleware } from './lib/serve';
import { roc } from './lib/stats';
import { round, table } from './lib/table';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    'max-side': { type: 'string', default: '1280' },
    'peer-backend': { type: 'string', default: 'cpu' },
    'peer-detector': { type: 'string', default: 'tiny' },
  },
});
if (!values.data) {
  console.error(
    'usage: npm run bench:accuracy -- --data DIR (DIR holds identities.csv or pairs.csv)',
  );
  process.exit(2);
}
const dir = resolve(values.data);
const backend = values.backend as BackendPreference;
const maxSide = Number(values['max-side']);
const set = (() => {
  try {
    return loadPairs(dir);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
})();

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
};
const PREFIX = '/__bench-data/';
// Serves only the files the CSV names, from DIR, same-origin (so COEP allows them).
const dataMiddleware: Middleware = (req, res, next) => {
  if (!req.url?.startsWith(PREFIX)) return next();
  const name = decodeURIComponent(req.url.slice(PREFIX.length).split('?')[0]!);
  const path = join(dir, name);
  if (!set.files.includes(name) || !existsSync(path) || !statSync(path).isFile()) {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.setHeader('Content-Type', TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  createReadStream(path).pipe(res);
};

const started = performance.now();
const progress = (what: string) =>
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${what}\n`);

const session = await startSession({ middleware: dataMiddleware });
try {
  const url = (file: string) => PREFIX + encodeURIComponent(file);

  // Ours: the same harness the browser tests use.
  let t0 = performance.now();
  const ours = await session.open('/test-pages/inference/');
  progress('harness open');
  const info = await ours.evaluate((b) => window.fvHarness.init({ backend: b }), backend);
  progress('engine ready');
  const embeddings = new Map<string, number[]>();
  for (const file of set.files) {
    const face = await ours.evaluate(([u, m]) => window.fvHarness.face(u, { maxSide: m }), [
      url(file),
      maxSide,
    ] as const);
    if (face) embeddings.set(file, face.embedding);
    progress(`ours ${file}`);
  }

  const oursSeconds = (performance.now() - t0) / 1000;

  // Peer: face-api.js with its own detector.
  t0 = performance.now();
  const peerPage = await session.open('/test-pages/inference/peer.html');
  const peerInfo = await peerPage.evaluate(
    ([b, d]) => window.fvPeer.init(b, d === 'ssd' ? 'ssd' : 'tiny'),
    [values['peer-backend'], values['peer-detector']] as const,
  );
  progress('peer ready');
  const descriptors = new Map<string, number[]>();
  for (const file of set.files) {
    const d = await peerPage.evaluate(([u, m]) => window.fvPeer.describe(u, m), [
      url(file),
      maxSide,
    ] as const);
    if (d) descriptors.set(file, d);
    progress(`peer ${file}`);
  }

  const peerSeconds = (performance.now() - t0) / 1000;

  const score = (m: Map<string, number[]>, f: (a: number[], b: number[]) => number) => {
    const genuine: number[] = [];
    const impostor: number[] = [];
    let skipped = 0;
    for (const p of set.pairs) {
      const a = m.get(p.a);
      const b = m.get(p.b);
      if (!a || !b) {
        skipped++;
        continue;
      }
      (p.same ? genuine : impostor).push(f(a, b));
    }
    return { genuine, impostor, skipped };
  };
  // face-api.js compares by Euclidean distance; negate so higher means more similar.
  const euclid = (a: number[], b: number[]) => -Math.hypot(...a.map((v, i) => v - b[i]!));
  const our = score(embeddings, cosine);
  const peer = score(descriptors, euclid);
  const ourRoc = roc(our.genuine, our.impostor);
  const peerRoc = roc(peer.genuine, peer.impostor);
  const atDefault = ourRoc.ratesAt(DEFAULT_THRESHOLD);
  const falseAccepts = our.impostor.filter((s) => decide(s).match).length;
  const falseRejects = our.genuine.filter((s) => !decide(s).match).length;

  const genuineAll = set.pairs.filter((p) => p.same).length;
  console.log(
    `data: ${dir} (${set.source}), ${set.files.length} images, ${set.pairs.length} pairs, ${genuineAll} genuine`,
  );
  console.log(
    `ours: ${info.backend}, ${info.threads} threads, model ${info.modelId}; peer: face-api.js (${peerInfo.detector} detector) on tfjs-${peerInfo.backend}\n`,
  );
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)}\n`);
  const min = (v: number[]) => Math.min(...v);
  const max = (v: number[]) => Math.max(...v);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  console.log(
    table(
      [
        'pipeline',
        'detect fail',
        'pairs',
        'genuine',
        'AUC',
        'EER',
        'TAR@1e-2',
        'TAR@1e-3',
        'EER thr',
        'genuine mean/min',
        'impostor mean/max',
        'time s',
      ],
      [
        [
          'fr_feature 5-pt (ours)',
          set.files.length - embeddings.size,
          our.genuine.length + our.impostor.length,
          our.genuine.length,
          ourRoc.auc,
          ourRoc.eer,
          ourRoc.tarAtFar(1e-2),
          ourRoc.tarAtFar(1e-3),
          ourRoc.eerThreshold,
          `${mean(our.genuine).toFixed(3)}/${min(our.genuine).toFixed(3)}`,
          `${mean(our.impostor).toFixed(3)}/${max(our.impostor).toFixed(3)}`,
          oursSeconds,
        ],
        [
          'face-api.js 128-d',
          set.files.length - descriptors.size,
          peer.genuine.length + peer.impostor.length,
          peer.genuine.length,
          peerRoc.auc,
          peerRoc.eer,
          peerRoc.tarAtFar(1e-2),
          peerRoc.tarAtFar(1e-3),
          -peerRoc.eerThreshold,
          `${(-mean(peer.genuine)).toFixed(3)}/${(-min(peer.genuine)).toFixed(3)} (dist)`,
          `${(-mean(peer.impostor)).toFixed(3)}/${(-max(peer.impostor)).toFixed(3)} (dist)`,
          peerSeconds,
        ],
      ],
    ),
  );
  console.log(
    `\nat DEFAULT_THRESHOLD ${DEFAULT_THRESHOLD}: FAR ${atDefault.far} (${falseAccepts}/${our.impostor.length}), FRR ${atDefault.frr} (${falseRejects}/${our.genuine.length})`,
  );
  if (our.impostor.length < 1000) {
    console.log(
      `note: ${our.impostor.length} impostor pairs cannot resolve FAR 1e-3; TAR@1e-3 there equals TAR at FAR 0.`,
    );
  }
  console.log(
    JSON.stringify({
      pairs: our.genuine.length + our.impostor.length,
      genuine: our.genuine.length,
      auc: round(ourRoc.auc, 6),
      eer: round(ourRoc.eer, 6),
      'tar_at_far_1e-2': round(ourRoc.tarAtFar(1e-2), 6),
      'tar_at_far_1e-3': round(ourRoc.tarAtFar(1e-3), 6),
      threshold: round(ourRoc.eerThreshold, 4),
      detect_failures: set.files.length - embeddings.size,
      peer: { name: 'face-api.js', auc: round(peerRoc.auc, 6), eer: round(peerRoc.eer, 6) },
    }),
  );
} finally {
  await session.close();
}
