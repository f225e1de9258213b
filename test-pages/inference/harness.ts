// Browser-side harness for src/inference/*.pw.ts and bench/*.ts: loads real photos, finds
// 5 points with the MediaPipe landmarker, runs the inference worker. Scores and embeddings
// go back to the Node side only as numbers; nothing is logged.
import { fivePoints } from '../../src/liveness/fivepoints';
import { createLandmarker, type Landmarker } from '../../src/liveness/landmarker';
import {
  createInference,
  InferenceError,
  type BackendPreference,
  type Box,
  type Inference,
} from '../../src/inference/client';

export interface View {
  /** Crop of the source in source pixels, applied first. */
  crop?: [number, number, number, number];
  /** Output scale of the crop (default 1). */
  scale?: number;
  flip?: boolean;
  /** Multiplies RGB (1 = unchanged). */
  gain?: number;
  /** Longest side after scaling; larger images are shrunk (landmarker works on <= ~1280 px). */
  maxSide?: number;
}

export interface FaceResult {
  faces: number;
  points: number[];
  box: Box;
  embedding: number[];
  live: number;
  width: number;
  height: number;
  embedMs: number;
  landmarkMs: number;
}

let inference: Inference | null = null;
let landmarker: Landmarker | null = null;
const images = new Map<string, Promise<ImageBitmap>>();

const params = new URLSearchParams(location.search);
const defaultBase = params.get('assetBase') ?? '/';

async function image(url: string): Promise<ImageBitmap> {
  let p = images.get(url);
  if (!p) {
    p = fetch(url).then(async (r) => {
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
      return createImageBitmap(await r.blob());
    });
    images.set(url, p);
  }
  return p;
}

function render(source: ImageBitmap, view: View): OffscreenCanvas {
  const [cx, cy, cw, ch] = view.crop ?? [0, 0, source.width, source.height];
  let scale = view.scale ?? 1;
  if (view.maxSide) scale = Math.min(scale, view.maxSide / Math.max(cw, ch));
  const w = Math.max(1, Math.round(cw * scale));
  const h = Math.max(1, Math.round(ch * scale));
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d')!;
  if (view.flip) {
    ctx.translate(w, 0);
    ctx.scale(-1, 1);
  }
  if (view.gain && view.gain !== 1) ctx.filter = `brightness(${view.gain})`;
  ctx.drawImage(source, cx, cy, cw, ch, 0, 0, w, h);
  return canvas;
}

async function init(options: { backend?: BackendPreference; assetBase?: string } = {}) {
  inference?.dispose();
  inference = null;
  const assetBase = options.assetBase ?? defaultBase;
  const t0 = performance.now();
  inference = await createInference({ assetBase, backend: options.backend ?? 'auto' });
  const inferenceMs = performance.now() - t0;
  // Views set their own resolution, so the landmarker must not shrink them further.
  landmarker ??= await createLandmarker({ assetBase, numFaces: 8, maxSize: 4096 });
  return {
    backend: inference.backend,
    threads: inference.threads,
    modelId: inference.modelId,
    fallback: inference.fallback,
    crossOriginIsolated,
    initMs: performance.now() - t0,
    inferenceMs,
  };
}

export type Pick = 'largest' | 'centre';

/** Faces in a view as landmark-derived 5 points and boxes: largest first, or nearest the centre. */
async function detect(url: string, view: View = {}, pick: Pick = 'largest') {
  if (!landmarker) throw new Error('init first');
  const canvas = render(await image(url), view);
  const t0 = performance.now();
  const observations = await landmarker.detectImage(canvas);
  const landmarkMs = performance.now() - t0;
  const faces = observations.map((o) => ({ points: fivePoints(o.landmarks), box: o.box }));
  const area = (b: Box) => b.width * b.height;
  const offCentre = (b: Box) =>
    Math.hypot(b.x + b.width / 2 - canvas.width / 2, b.y + b.height / 2 - canvas.height / 2);
  faces.sort((a, b) =>
    pick === 'largest' ? area(b.box) - area(a.box) : offCentre(a.box) - offCentre(b.box),
  );
  return { canvas, faces, landmarkMs };
}

/** Face boxes of a view, in source-image pixels (views with `flip` are not mapped back). */
async function boxes(url: string, view: View = {}): Promise<Box[]> {
  const source = await image(url);
  const { canvas, faces } = await detect(url, view);
  const [cx, cy, cw] = view.crop ?? [0, 0, source.width, source.height];
  const k = cw / canvas.width;
  return faces.map(({ box }) => ({
    x: cx + box.x * k,
    y: cy + box.y * k,
    width: box.width * k,
    height: box.height * k,
  }));
}

/** Embedding + anti-spoof of the largest (or most central) face of a view. */
async function face(
  url: string,
  view: View = {},
  pick: Pick = 'largest',
): Promise<FaceResult | null> {
  if (!inference) throw new Error('init first');
  const { canvas, faces, landmarkMs } = await detect(url, view, pick);
  const f = faces[0];
  if (!f) return null;
  const t0 = performance.now();
  const { embedding, live } = await inference.analyze(
    canvas.transferToImageBitmap(),
    f.points,
    f.box,
  );
  return {
    faces: faces.length,
    points: Array.from(f.points),
    box: f.box,
    embedding: Array.from(embedding),
    live,
    width: canvas.width,
    height: canvas.height,
    embedMs: performance.now() - t0,
    landmarkMs,
  };
}

/** Runs `fn` and returns the typed error code it fails with, or 'ok'. */
async function errorCode(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (error) {
    return error instanceof InferenceError ? error.code : `untyped: ${String(error)}`;
  }
}

async function badInputs(): Promise<Record<string, string>> {
  const inf = inference!;
  const points = Float32Array.of(38, 52, 74, 52, 56, 72, 42, 92, 71, 92);
  const box = { x: 20, y: 20, width: 70, height: 80 };
  const bitmap = () => createImageBitmap(new ImageData(112, 112));
  const closed = await bitmap();
  closed.close();
  const any = inf as unknown as {
    embed(f: unknown, p: unknown): Promise<unknown>;
    antispoof(f: unknown, b: unknown): Promise<unknown>;
  };
  return {
    closedBitmap: await errorCode(() => inf.embed(closed, points)),
    notAnImage: await errorCode(() => any.embed('not an image', points)),
    blob: await errorCode(async () => any.embed(new Blob(['x']), points)),
    nullFrame: await errorCode(() => any.embed(null, points)),
    wrongPointCount: await errorCode(async () => inf.embed(await bitmap(), new Float32Array(8))),
    pointsAsArray: await errorCode(async () => any.embed(await bitmap(), [1, 2, 3])),
    nanPoints: await errorCode(async () =>
      inf.embed(await bitmap(), new Float32Array(10).fill(NaN)),
    ),
    degeneratePoints: await errorCode(async () =>
      inf.embed(await bitmap(), new Float32Array(10).fill(50)),
    ),
    pointsOutside: await errorCode(async () =>
      inf.embed(
        await bitmap(),
        points.map((v) => v + 1000),
      ),
    ),
    zeroBox: await errorCode(async () => inf.antispoof(await bitmap(), { ...box, width: 0 })),
    boxOutside: await errorCode(async () => inf.antispoof(await bitmap(), { ...box, x: 500 })),
    noBox: await errorCode(async () => any.antispoof(await bitmap(), undefined)),
    // The worker still answers after bad input.
    afterwards: await errorCode(async () => inf.embed(await bitmap(), points)),
  };
}

/** Two requests at once with dropIfBusy: the second is dropped with 'busy'. */
async function dropWhileBusy() {
  const inf = inference!;
  const points = Float32Array.of(38, 52, 74, 52, 56, 72, 42, 92, 71, 92);
  const first = inf.embed(await createImageBitmap(new ImageData(112, 112)), points);
  const second = errorCode(async () =>
    inf.embed(await createImageBitmap(new ImageData(112, 112)), points, { dropIfBusy: true }),
  );
  return { first: await errorCode(() => first), second: await second };
}

async function initError(options: { backend?: BackendPreference; assetBase?: string } = {}) {
  return errorCode(() => init(options));
}

/** Abort before start and during loading: both must reject with 'aborted', promptly. */
async function aborts() {
  const assetBase = defaultBase;
  const before = new AbortController();
  before.abort();
  const during = new AbortController();
  const pending = createInference({ assetBase, backend: 'wasm', signal: during.signal });
  setTimeout(() => during.abort(), 50);
  return {
    before: await errorCode(() => createInference({ assetBase, signal: before.signal })),
    during: await errorCode(() => pending),
  };
}

function dispose() {
  inference?.dispose();
  inference = null;
}

const harness = { init, initError, boxes, face, badInputs, dropWhileBusy, aborts, dispose };
declare global {
  interface Window {
    fvHarness: typeof harness;
  }
}
window.fvHarness = harness;
document.body.dataset['ready'] = 'true';
