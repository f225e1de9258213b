// Test hooks for src/liveness/landmarker.pw.ts: the real landmarker on real images, nothing mocked.
import {
  LandmarkerError,
  createLandmarker,
  type FaceObservation,
  type Landmarker,
  type LandmarkerOptions,
} from '../../src/liveness/landmarker';

export interface FaceSummary {
  count: number;
  box: FaceObservation['box'];
  width: number;
  height: number;
  /** Landmarks whose x,y lie inside the box grown by 1 px (should be all of them). */
  insideBox: number;
  finite: boolean;
  hasMatrix: boolean;
}

const summarise = (faces: FaceObservation[]): FaceSummary[] =>
  faces.map((f) => {
    let inside = 0;
    let finite = true;
    for (let i = 0; i < f.landmarks.length; i += 3) {
      const [x, y, z] = [f.landmarks[i]!, f.landmarks[i + 1]!, f.landmarks[i + 2]!];
      finite &&= Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z);
      if (
        x >= f.box.x - 1 &&
        x <= f.box.x + f.box.width + 1 &&
        y >= f.box.y - 1 &&
        y <= f.box.y + f.box.height + 1
      )
        inside++;
    }
    return {
      count: f.landmarks.length / 3,
      box: f.box,
      width: f.width,
      height: f.height,
      insideBox: inside,
      finite,
      hasMatrix: f.matrix?.length === 16,
    };
  });

async function loadImage(url: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = url;
  await img.decode();
  return img;
}

/** The image, or a crop of it on a canvas of the crop's size. */
async function source(url: string, crop?: readonly number[]): Promise<TexImageSource> {
  const img = await loadImage(url);
  if (!crop) return img;
  const [x, y, w, h] = crop as [number, number, number, number];
  const canvas = new OffscreenCanvas(w, h);
  canvas.getContext('2d')!.drawImage(img, x, y, w, h, 0, 0, w, h);
  return canvas;
}

let current: Landmarker | null = null;

const api = {
  async open(options: Omit<LandmarkerOptions, 'signal'> & { abortAfterMs?: number } = {}) {
    current?.close();
    current = null;
    const controller = new AbortController();
    if (options.abortAfterMs !== undefined)
      setTimeout(() => controller.abort(), options.abortAfterMs);
    try {
      current = await createLandmarker({ ...options, signal: controller.signal });
      return { ok: true as const };
    } catch (e) {
      if (e instanceof LandmarkerError)
        return { ok: false as const, code: e.code, message: e.message };
      return { ok: false as const, code: 'untyped', message: String(e) };
    }
  },
  async detectImage(url: string, crop?: readonly number[], smallFaces = false) {
    if (!current) throw new Error('open() first');
    return summarise(await current.detectImage(await source(url, crop), { smallFaces }));
  },
  /** Raw landmarks of the first face (for geometry checks in tests). */
  async landmarks(url: string, crop?: readonly number[]): Promise<number[] | null> {
    if (!current) throw new Error('open() first');
    const faces = await current.detectImage(await source(url, crop));
    return faces[0] ? Array.from(faces[0].landmarks) : null;
  },
  /** VIDEO mode: `frames` 640x480 frames of a region of a still, drifting a few pixels per
   *  frame; returns per-frame milliseconds and face counts. */
  async video(url: string, frames: number, region?: readonly number[]) {
    if (!current) throw new Error('open() first');
    const img = await loadImage(url);
    const [rx, ry, rw, rh] = (region ?? [0, 0, img.naturalWidth, img.naturalHeight]) as number[];
    const canvas = new OffscreenCanvas(640, 480);
    const ctx = canvas.getContext('2d')!;
    const times: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < frames; i++) {
      const dx = ((i % 10) - 5) * 2;
      ctx.fillRect(0, 0, 640, 480);
      ctx.drawImage(img, rx! + dx, ry!, rw!, rh!, 0, 0, 640, 480);
      const t0 = performance.now();
      const faces = current.detect(canvas, t0);
      times.push(performance.now() - t0);
      counts.push(faces.length);
    }
    return { times, counts };
  },
  async badInput(kind: 'zero' | 'object') {
    if (!current) throw new Error('open() first');
    try {
      if (kind === 'zero') current.detect(new OffscreenCanvas(0, 0), performance.now());
      else current.detect({} as TexImageSource, performance.now());
      return { ok: true as const };
    } catch (e) {
      if (e instanceof LandmarkerError)
        return { ok: false as const, code: e.code, message: e.message };
      return { ok: false as const, code: 'untyped', message: String(e) };
    }
  },
  close() {
    current?.close();
    current = null;
  },
};

declare global {
  interface Window {
    landmarkerTest: typeof api;
  }
}
window.landmarkerTest = api;
document.getElementById('status')!.textContent = 'ready';
