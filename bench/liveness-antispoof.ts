// npm run bench:liveness -- --antispoof [--data DIR] [--model element|float|int8[:N]|PATH ...]
// (or: npx tsx bench/liveness-antispoof.ts …)
// Calibrates the passive anti-spoof threshold on labelled frames scored by the element's own
// model (fr_liveness in headless Chromium): GENUINE = each bench person's live camera frame
// (QA kit) and degraded copies a real webcam produces (blur, sensor noise, JPEG compression,
// a soft low-resolution sensor, dim light); ATTACK = the kit's screen-replay, 2-D shake and a
// printed-photo look. Prints APCER per attack look and BPCER per genuine condition over a
// threshold grid, the chosen operating point, then one JSON line. Never prints frames.
// Several `--model`s (e.g. `--model float --model int8`) score the same frames side by side:
// a table per model, the largest and mean score change against the first model (in Chromium,
// and on the same crops in onnxruntime-web under Node), and each condition at the threshold.
// Scores are cached under .cache/bench-liveness per face AND per model hash: a new model is
// scored afresh, never read from another model's numbers.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openLandmarkSession, type LandmarkSession } from '../scripts/fake-camera/browser';
import { prepareFace, renderClip, type ClipKind } from '../scripts/fake-camera/clip';
import {
  cloneImage,
  cropResize,
  decodeImage,
  encodeJpeg,
  type Image,
} from '../scripts/fake-camera/image';
import { antispoofInput, liveProbability } from '../src/inference/antispoof';
import { defaultConfig } from '../src/server/config';
import { samplePeople, type SamplePersonName } from '../src/testing/photos';
import { antispoofModel, type AntispoofModel } from './lib/antispoof-models';
import { round, table } from './lib/table';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve('../shared/data/faces') },
    model: { type: 'string', multiple: true },
    // Passed on by `npm run bench:liveness -- --antispoof` (bench/liveness.ts), which runs this.
    antispoof: { type: 'boolean' },
  },
});
const CACHE = join(process.cwd(), '.cache', 'bench-liveness');
const THRESHOLD = defaultConfig({ modelIds: ['bench'] }).minAntiSpoof;

/** Separable box blur approximating a Gaussian of `sigma` px (three passes). */
function blur(img: Image, sigma: number): Image {
  let out = cloneImage(img);
  const r = Math.max(1, Math.round(sigma * 0.9));
  for (let pass = 0; pass < 3; pass++) {
    for (const horizontal of [true, false]) {
      const src = out.data;
      const dst = new Uint8ClampedArray(src);
      const { width: w, height: h } = out;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < 3; c++) {
            let sum = 0;
            for (let k = -r; k <= r; k++) {
              const xx = horizontal ? Math.min(w - 1, Math.max(0, x + k)) : x;
              const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + k));
              sum += src[(yy * w + xx) * 4 + c]!;
            }
            dst[(y * w + x) * 4 + c] = sum / (2 * r + 1);
          }
        }
      }
      out = { ...out, data: dst };
    }
  }
  return out;
}

function noise(img: Image, sigma: number, seed = 1): Image {
  const out = cloneImage(img);
  let s = seed;
  const gauss = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const u = (s + 1) / 0x80000001;
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const v = s / 0x7fffffff;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  for (let i = 0; i < out.data.length; i += 4) {
    const n = sigma * gauss();
    for (let c = 0; c < 3; c++) out.data[i + c] = out.data[i + c]! + n;
  }
  return out;
}

const jpegAt = (img: Image, q: number): Image => decodeImage(encodeJpeg(img, q));
const soft = (img: Image, f: number): Image =>
  cropResize(
    cropResize(img, full(img), Math.round(img.width * f), Math.round(img.height * f)),
    { x: 0, y: 0, width: Math.round(img.width * f), height: Math.round(img.height * f) },
    img.width,
    img.height,
  );
const full = (img: Image) => ({ x: 0, y: 0, width: img.width, height: img.height });
function dim(img: Image, gain: number): Image {
  const out = cloneImage(img);
  for (let i = 0; i < out.data.length; i += 4) {
    for (let c = 0; c < 3; c++) out.data[i + c] = out.data[i + c]! * gain;
  }
  return noise(out, 3, 7);
}

/** A printed photo held up: paper white point and contrast, slight colour cast, halftone grain, soft focus. */
function print(img: Image): Image {
  const out = blur(img, 1);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const o = (y * out.width + x) * 4;
      const dot = 6 * Math.sin(x * 1.9) * Math.sin(y * 1.9);
      const cast = [1.02, 1.0, 0.94];
      for (let c = 0; c < 3; c++) out.data[o + c] = (30 + out.data[o + c]! * 0.78) * cast[c]! + dot;
    }
  }
  return out;
}

const GENUINE: Record<string, (i: Image) => Image> = {
  'live (kit frame)': (i) => i,
  'blur σ1': (i) => blur(i, 1),
  'blur σ2': (i) => blur(i, 2),
  'noise σ6': (i) => noise(i, 6),
  'noise σ12': (i) => noise(i, 12),
  'jpeg q50': (i) => jpegAt(i, 50),
  'jpeg q25': (i) => jpegAt(i, 25),
  'soft 0.5× sensor': (i) => soft(i, 0.5),
  'dim 0.6× + noise': (i) => dim(i, 0.6),
};
const ATTACK: Record<string, [ClipKind, (i: Image) => Image]> = {
  screen: ['screen', (i) => i],
  shake: ['shake', (i) => i],
  print: ['live', print],
};

interface Scores {
  genuine: Record<string, number>;
  attack: Record<string, number[]>;
}

const models = (values.model?.length ? values.model : ['element']).map(antispoofModel);

const people: { name: string; source: Parameters<typeof prepareFace>[0] }[] = [];
if (existsSync(join(values.data!, 'identities.csv'))) {
  const seen = new Set<string>();
  for (const line of readFileSync(join(values.data!, 'identities.csv'), 'utf8').split('\n')) {
    const [file, id] = line.trim().split(',');
    if (!file || !id || id === 'identity' || seen.has(id)) continue;
    seen.add(id);
    people.push({ name: id, source: { photo: join(values.data!, file) } });
  }
}
for (const n of ['ava', 'bea', 'eve', 'fay'] as SamplePersonName[]) {
  people.push({ name: n, source: samplePeople[n]() });
}

/** The frames every model scores, rendered once per person: [group, condition, image]. */
function framesOf(face: Awaited<ReturnType<typeof prepareFace>>) {
  const out: ['genuine' | 'attack', string, Image][] = [];
  const live = [...renderClip(face, [{ action: 'neutral', ms: 70 }], { kind: 'live' })][0]!;
  for (const [k, f] of Object.entries(GENUINE)) out.push(['genuine', k, f(live.image)]);
  for (const [k, [kind, f]] of Object.entries(ATTACK)) {
    const frames = [...renderClip(face, [{ action: 'neutral', ms: 3000 }], { kind, fps: 2 })];
    for (const fr of frames.slice(0, 3)) out.push(['attack', k, f(fr.image)]);
  }
  return out;
}

// One Chromium per model (the page serves that model as fr_liveness.onnx); the first also finds
// the faces. With several models, onnxruntime-web (wasm) in Node scores the same crops too: the
// raw difference of the models, without the page's JPEG transport or landmarker in between.
const held: (Promise<LandmarkSession> | null)[] = models.map(() => null);
const open = (i: number) =>
  (held[i] ??= openLandmarkSession(models[i]!.element ? {} : { antispoofModel: models[i]!.bytes }));
type Ort = typeof import('onnxruntime-web');
let node: Promise<{ ort: Ort; sessions: import('onnxruntime-web').InferenceSession[] }> | null =
  null;
const nodeSessions = () =>
  (node ??= (async () => {
    const ort = (await import('onnxruntime-web/wasm')) as Ort;
    ort.env.wasm.numThreads = 1;
    const sessions = [];
    for (const m of models) sessions.push(await ort.InferenceSession.create(m.bytes));
    return { ort, sessions };
  })());
async function nodeScores(img: Image): Promise<number[] | null> {
  // The page sees the frame as JPEG q92 (scripts/fake-camera/browser.ts): so does Node.
  const seen = decodeImage(encodeJpeg(img, 92));
  const faces = await (await open(0)).detect(seen);
  const face = faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
  if (!face) return null;
  const { ort, sessions } = await nodeSessions();
  const input = new ort.Tensor('float32', antispoofInput(seen, face.box), [1, 3, 128, 128]);
  const out: number[] = [];
  for (const s of sessions) {
    const r = await s.run({ [s.inputNames[0]!]: input });
    out.push(liveProbability(r[s.outputNames[0]!]!.data as Float32Array));
  }
  return out;
}

const all: { name: string; s: Scores[] }[] = [];
/** |score − first model's score| per further model, over the frames scored in this run (Node). */
const rawDelta: number[][] = models.slice(1).map(() => []);
try {
  for (const p of people) {
    try {
      const face = await prepareFace(p.source, () => open(0));
      const files = models.map((m) =>
        join(CACHE, `${face.key}-antispoof-v2-${m.sha256.slice(0, 12)}.json`),
      );
      const cached = files.map((f) =>
        existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Scores) : null,
      );
      if (cached.every((c) => c) && models.length === 1) {
        all.push({ name: p.name, s: cached as Scores[] });
        continue;
      }
      const scores: Scores[] = models.map(() => ({ genuine: {}, attack: {} }));
      for (const [group, k, image] of framesOf(face)) {
        for (let i = 0; i < models.length; i++) {
          const c = cached[i];
          const v = c
            ? group === 'genuine'
              ? c.genuine[k]!
              : c.attack[k]![(scores[i]!.attack[k] ?? []).length]!
            : ((await (await open(i)).live(image)) ?? 0);
          if (group === 'genuine') scores[i]!.genuine[k] = v;
          else (scores[i]!.attack[k] ??= []).push(v);
        }
        const raw = models.length > 1 ? await nodeScores(image) : null;
        raw?.slice(1).forEach((v, i) => rawDelta[i]!.push(Math.abs(v - raw[0]!)));
      }
      mkdirSync(CACHE, { recursive: true });
      files.forEach((f, i) => cached[i] || writeFileSync(f, JSON.stringify(scores[i])));
      all.push({ name: p.name, s: scores });
      console.error(`scored ${p.name}`);
    } catch (e) {
      console.error(`skipped ${p.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
} finally {
  for (const h of held) if (h) await (await h).close();
}

const genuineOf = (m: number, k: string) => all.map((p) => p.s[m]!.genuine[k]!);
const attackOf = (m: number, k: string) => all.flatMap((p) => p.s[m]!.attack[k]!);
const bpcer = (m: number, k: string, t: number) =>
  genuineOf(m, k).filter((v) => v < t).length / all.length;
const apcer = (m: number, k: string, t: number) =>
  attackOf(m, k).filter((v) => v >= t).length / attackOf(m, k).length;
const bpcerAll = (m: number, t: number) =>
  Object.keys(GENUINE).reduce((s, k) => s + bpcer(m, k, t), 0) / Object.keys(GENUINE).length;
const apcerMax = (m: number, t: number) =>
  Math.max(...Object.keys(ATTACK).map((k) => apcer(m, k, t)));
const grid = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
const name = (m: AntispoofModel) => `${m.label} (${m.sha256.slice(0, 12)}, ${m.bytes.length} B)`;

const summaries = models.map((model, m) => {
  console.log(
    `passive anti-spoof, model ${name(model)}, on ${all.length} people ` +
      `(endpoint threshold now ${THRESHOLD})`,
  );
  console.log(
    table(
      ['condition', ...grid.map((t) => `t=${t}`)],
      [
        ...Object.keys(GENUINE).map((k) => [
          `BPCER ${k}`,
          ...grid.map((t) => round(bpcer(m, k, t), 3)),
        ]),
        ...Object.keys(ATTACK).map((k) => [
          `APCER ${k}`,
          ...grid.map((t) => round(apcer(m, k, t), 3)),
        ]),
      ],
    ),
  );
  return {
    model: { label: model.label, sha256: model.sha256, bytes: model.bytes.length },
    threshold: THRESHOLD,
    bpcer: round(bpcerAll(m, THRESHOLD), 4),
    apcer_max: round(apcerMax(m, THRESHOLD), 4),
    bpcer_by_condition: Object.fromEntries(
      Object.keys(GENUINE).map((k) => [k, round(bpcer(m, k, THRESHOLD), 4)]),
    ),
    apcer: Object.fromEntries(
      Object.keys(ATTACK).map((k) => [k, round(apcer(m, k, THRESHOLD), 4)]),
    ),
    grid: Object.fromEntries(
      grid.map((t) => [
        t,
        { bpcer: round(bpcerAll(m, t), 4), apcer_max: round(apcerMax(m, t), 4) },
      ]),
    ),
    people: all.length,
  };
});

if (models.length === 1) {
  console.log(JSON.stringify(summaries[0]));
} else {
  // Side by side: score changes against the first model, and each condition at the threshold.
  const stats = (d: number[]) => ({
    n: d.length,
    max: round(d.length ? Math.max(...d) : 0, 5),
    mean: round(d.length ? d.reduce((a, b) => a + b, 0) / d.length : 0, 5),
  });
  const pageDelta = models.slice(1).map((_, i) =>
    all.flatMap((p) => {
      const [a, b] = [p.s[0]!, p.s[i + 1]!];
      return [
        ...Object.keys(GENUINE).map((k) => Math.abs(b.genuine[k]! - a.genuine[k]!)),
        ...Object.keys(ATTACK).flatMap((k) =>
          b.attack[k]!.map((v, j) => Math.abs(v - a.attack[k]![j]!)),
        ),
      ];
    }),
  );
  const delta = models.slice(1).map((m, i) => ({
    model: m.label,
    vs: models[0]!.label,
    chromium: stats(pageDelta[i]!),
    node: stats(rawDelta[i]!),
  }));
  console.log(`\n|Δ live score| against ${name(models[0]!)}, same frames`);
  console.log(
    table(
      ['model', 'Chromium max', 'mean', 'frames', 'Node (ORT wasm) max', 'mean', 'frames'],
      delta.map((d) => [
        d.model,
        d.chromium.max,
        d.chromium.mean,
        d.chromium.n,
        d.node.max,
        d.node.mean,
        d.node.n,
      ]),
    ),
  );
  console.log(`\nat the endpoint threshold ${THRESHOLD}`);
  console.log(
    table(
      ['condition', ...models.map((m) => m.label)],
      [
        ...Object.keys(GENUINE).map((k) => [
          `BPCER ${k}`,
          ...models.map((_, m) => round(bpcer(m, k, THRESHOLD), 3)),
        ]),
        ...Object.keys(ATTACK).map((k) => [
          `APCER ${k}`,
          ...models.map((_, m) => round(apcer(m, k, THRESHOLD), 3)),
        ]),
      ],
    ),
  );
  console.log(
    JSON.stringify({ threshold: THRESHOLD, models: summaries, delta, people: all.length }),
  );
}
