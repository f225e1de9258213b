// Latency of the real pipeline on 640×480 frames: landmarks (VIDEO mode, tracking), embedding
// and anti-spoof round trips through the worker, and cold start (nothing loaded → first
// analysed frame). Frames are a sample photo panned slowly so the tracker has motion to follow.
import { createInference, type BackendPreference } from '../../src/inference/client';
import { fivePoints } from '../../src/liveness/fivepoints';
import { createLandmarker } from '../../src/liveness/landmarker';

export interface LatencyResult {
  backend: string;
  threads: number;
  fallback: string | null;
  coldStartMs: number;
  landmarksMs: number[];
  embedMs: number[];
  embedWorkerMs: number[];
  antispoofMs: number[];
  framesWithoutFace: number;
}

const WIDTH = 640;
const HEIGHT = 480;

async function run(options: {
  backend: BackendPreference;
  maxThreads?: number;
  frames: number;
  photo: string;
}): Promise<LatencyResult> {
  const source = await createImageBitmap(await (await fetch(options.photo)).blob());
  const canvas = new OffscreenCanvas(WIDTH, HEIGHT);
  const ctx = canvas.getContext('2d')!;
  // Face region of the photo, found once on a still (not timed).
  let face = { x: 0, y: 0, width: source.width, height: source.height };

  const frame = (i: number) => {
    // The face fills ~40 % of the frame width and drifts a few pixels per frame.
    const side = face.width / 0.4;
    const cx = face.x + face.width / 2 + Math.sin(i / 9) * face.width * 0.08;
    const cy = face.y + face.height / 2 + Math.cos(i / 13) * face.height * 0.05;
    ctx.drawImage(
      source,
      cx - side / 2,
      cy - (side * 0.75) / 2,
      side,
      side * 0.75,
      0,
      0,
      WIDTH,
      HEIGHT,
    );
    return canvas.transferToImageBitmap();
  };

  // Cold start: both engines loaded in parallel, then the first frame fully analysed.
  const t0 = performance.now();
  const [inference, landmarker] = await Promise.all([
    createInference({
      backend: options.backend,
      ...(options.maxThreads ? { maxThreads: options.maxThreads } : {}),
    }),
    createLandmarker({}),
  ]);
  const [first] = await landmarker.detectImage(source);
  if (!first) throw new Error('no face in the bench photo');
  face = first.box;
  const coldFrame = frame(0);
  const [coldFace] = landmarker.detect(coldFrame, performance.now());
  if (coldFace) await inference.analyze(coldFrame, fivePoints(coldFace.landmarks), coldFace.box);
  const coldStartMs = performance.now() - t0;

  const landmarksMs: number[] = [];
  const embedMs: number[] = [];
  const embedWorkerMs: number[] = [];
  const antispoofMs: number[] = [];
  let framesWithoutFace = 0;
  for (let i = 1; i <= options.frames; i++) {
    const bitmap = frame(i);
    let t = performance.now();
    const [obs] = landmarker.detect(bitmap, t);
    landmarksMs.push(performance.now() - t);
    if (!obs) {
      framesWithoutFace++;
      bitmap.close();
      continue;
    }
    t = performance.now();
    await inference.embed(bitmap, fivePoints(obs.landmarks), { transfer: false });
    embedMs.push(performance.now() - t);
    embedWorkerMs.push(inference.lastRunMs);
    t = performance.now();
    await inference.antispoof(bitmap, obs.box);
    antispoofMs.push(performance.now() - t);
  }
  const result = {
    backend: inference.backend,
    threads: inference.threads,
    fallback: inference.fallback,
    coldStartMs,
    landmarksMs,
    embedMs,
    embedWorkerMs,
    antispoofMs,
    framesWithoutFace,
  };
  inference.dispose();
  landmarker.close();
  return result;
}

const bench = { run };
declare global {
  interface Window {
    fvLatency: typeof bench;
  }
}
window.fvLatency = bench;
document.body.dataset['ready'] = 'true';
