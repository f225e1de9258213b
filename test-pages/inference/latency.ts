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
  /** When each engine became ready, from the same start (they load in parallel). */
  inferenceReadyMs: number;
  landmarkerReadyMs: number;
  loadTimings: Record<string, number>;
  firstDetectMs: number;
  firstAnalyzeMs: number;
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
  if (!options.photo.endsWith('sample3.jpg')) throw new Error('the face region is set for sample3');
  const source = await createImageBitmap(await (await fetch(options.photo)).blob());
  const canvas = new OffscreenCanvas(WIDTH, HEIGHT);
  const ctx = canvas.getContext('2d')!;
  // One face of sample3.jpg (1920×1350), as the landmarker boxes it; fixed so that no IMAGE-mode
  // detection runs inside the cold-start measurement.
  const face = { x: 1072, y: 234, width: 236, height: 276 };

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
  let inferenceReadyMs = 0;
  let landmarkerReadyMs = 0;
  const [inference, landmarker] = await Promise.all([
    createInference({
      backend: options.backend,
      ...(options.maxThreads ? { maxThreads: options.maxThreads } : {}),
    }).then((i) => {
      inferenceReadyMs = performance.now() - t0;
      return i;
    }),
    createLandmarker({}).then((l) => {
      landmarkerReadyMs = performance.now() - t0;
      return l;
    }),
  ]);
  const coldFrame = frame(0);
  let t = performance.now();
  const [coldFace] = landmarker.detect(coldFrame, t);
  const firstDetectMs = performance.now() - t;
  t = performance.now();
  if (coldFace) await inference.analyze(coldFrame, fivePoints(coldFace.landmarks), coldFace.box);
  const firstAnalyzeMs = performance.now() - t;
  const coldStartMs = performance.now() - t0;

  const landmarksMs: number[] = [];
  const embedMs: number[] = [];
  const embedWorkerMs: number[] = [];
  const antispoofMs: number[] = [];
  let framesWithoutFace = 0;
  for (let i = 1; i <= options.frames; i++) {
    const bitmap = frame(i);
    t = performance.now();
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
    inferenceReadyMs,
    landmarkerReadyMs,
    loadTimings: { ...inference.loadTimings },
    firstDetectMs,
    firstAnalyzeMs,
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
