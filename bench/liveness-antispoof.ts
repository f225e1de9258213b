// npm run bench:liveness -- --antispoof   (or: npx tsx bench/liveness-antispoof.ts [--data DIR])
// Calibrates the passive anti-spoof threshold on labelled frames scored by the element's own
// model (fr_liveness in headless Chromium): GENUINE = each bench person's live camera frame
// (QA kit) and degraded copies a real webcam produces (blur, sensor noise, JPEG compression,
// a soft low-resolution sensor, dim light); ATTACK = the kit's screen-replay, 2-D shake and a
// printed-photo look. Prints APCER per attack look and BPCER per genuine condition over a
// threshold grid, the chosen operating point, then one JSON line. Never prints frames.
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
import { defaultConfig } from '../src/server/config';
import { samplePeople, type SamplePersonName } from '../src/testing/photos';
import { round, table } from './lib/table';

const { values } = parseArgs({
  options: { data: { type: 'string', default: resolve('../shared/data/faces') } },
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

const held: { s: Promise<LandmarkSession> | null } = { s: null };
const open = () => (held.s ??= openLandmarkSession());
const all: { name: string; s: Scores }[] = [];
try {
  for (const p of people) {
    try {
      const face = await prepareFace(p.source, open);
      const file = join(CACHE, `${face.key}-antispoof-v1.json`);
      if (existsSync(file)) {
        all.push({ name: p.name, s: JSON.parse(readFileSync(file, 'utf8')) as Scores });
        continue;
      }
      const s = await open();
      const live = [...renderClip(face, [{ action: 'neutral', ms: 70 }], { kind: 'live' })][0]!;
      const scores: Scores = { genuine: {}, attack: {} };
      for (const [k, f] of Object.entries(GENUINE))
        scores.genuine[k] = (await s.live(f(live.image))) ?? 0;
      for (const [k, [kind, f]] of Object.entries(ATTACK)) {
        const frames = [...renderClip(face, [{ action: 'neutral', ms: 3000 }], { kind, fps: 2 })];
        scores.attack[k] = [];
        for (const fr of frames.slice(0, 3))
          scores.attack[k].push((await s.live(f(fr.image))) ?? 0);
      }
      mkdirSync(CACHE, { recursive: true });
      writeFileSync(file, JSON.stringify(scores));
      all.push({ name: p.name, s: scores });
      console.error(`scored ${p.name}`);
    } catch (e) {
      console.error(`skipped ${p.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
} finally {
  if (held.s) await (await held.s).close();
}

const genuineOf = (k: string) => all.map((p) => p.s.genuine[k]!);
const attackOf = (k: string) => all.flatMap((p) => p.s.attack[k]!);
const bpcer = (k: string, t: number) => genuineOf(k).filter((v) => v < t).length / all.length;
const apcer = (k: string, t: number) =>
  attackOf(k).filter((v) => v >= t).length / attackOf(k).length;
const grid = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
console.log(`passive anti-spoof on ${all.length} people (endpoint threshold now ${THRESHOLD})`);
console.log(
  table(
    ['condition', ...grid.map((t) => `t=${t}`)],
    [
      ...Object.keys(GENUINE).map((k) => [`BPCER ${k}`, ...grid.map((t) => round(bpcer(k, t), 3))]),
      ...Object.keys(ATTACK).map((k) => [`APCER ${k}`, ...grid.map((t) => round(apcer(k, t), 3))]),
    ],
  ),
);
const bpcerAll = (t: number) =>
  Object.keys(GENUINE).reduce((s, k) => s + bpcer(k, t), 0) / Object.keys(GENUINE).length;
const apcerMax = (t: number) => Math.max(...Object.keys(ATTACK).map((k) => apcer(k, t)));
console.log(
  JSON.stringify({
    threshold: THRESHOLD,
    bpcer: round(bpcerAll(THRESHOLD), 4),
    apcer_max: round(apcerMax(THRESHOLD), 4),
    apcer: Object.fromEntries(Object.keys(ATTACK).map((k) => [k, round(apcer(k, THRESHOLD), 4)])),
    grid: Object.fromEntries(
      grid.map((t) => [t, { bpcer: round(bpcerAll(t), 4), apcer_max: round(apcerMax(t), 4) }]),
    ),
    people: all.length,
  }),
);
