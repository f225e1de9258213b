// Face landmarks on the main thread with MediaPipe Tasks' FaceLandmarker (tasks-vision cannot run
// in a module worker). Everything is self-hosted: the wasm fileset comes from
// `${assetBase}runtime/mediapipe/` and the model from `${assetBase}models/face_landmarker.task`,
// whose SHA-256 is checked against the manifest before the runtime sees a byte of it.
import { FaceLandmarker, type FaceLandmarkerResult } from '@mediapipe/tasks-vision';
import { AssetError, assetUrl, fetchVerified, findEntry, loadManifest } from '../models/manifest';
import { iou } from './box';
import { LANDMARK_COUNT, type Box, type FaceObservation } from './types';

export { LANDMARK_COUNT, type Box, type FaceObservation };
export const LANDMARKER_MODEL = 'face_landmarker.task';
const RUNTIME_DIR = 'runtime/mediapipe';

/** tasks-vision's fileset shape (its typings do not export it). */
interface WasmFileset {
  wasmLoaderPath: string;
  wasmBinaryPath: string;
}

export type LandmarkerErrorCode =
  'model-missing' | 'model-corrupt' | 'runtime-missing' | 'no-webgl' | 'aborted' | 'bad-input';

export class LandmarkerError extends Error {
  override name = 'LandmarkerError';
  constructor(
    readonly code: LandmarkerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface LandmarkerOptions {
  /** Where `models/` and `runtime/` are served from. Default: the page origin's root. */
  assetBase?: string;
  signal?: AbortSignal;
  /** Most faces reported per video frame. Default 3 (several faces is a guidance code, not a
   *  crash). In VIDEO mode the detector keeps running until this many faces are tracked. */
  numFaces?: number;
  /** Most faces reported per still (`detectImage`, e.g. for M:N search). Default 10. */
  stillFaces?: number;
  /** With `numFaces` > 1, the VIDEO graph tracks one face (the detector then sleeps while it is
   *  tracked, ~10 ms instead of ~16 ms a frame) and an IMAGE pass looks for other faces this
   *  often. Faces after the first then come from the latest check (at most this old).
   *  0: the VIDEO graph tracks `numFaces` itself and runs its detector on every frame. Default
   *  500 ms. */
  multiFaceCheckMs?: number;
  /** Longest side frames are scaled down to before detection. Default 640. */
  maxSize?: number;
  /** Give up on runtime start-up after this long (a broken runtime must not hang). Default 30 s. */
  timeoutMs?: number;
}

export interface StillOptions {
  smallFaces?: boolean;
}

export interface Landmarker {
  /** VIDEO mode: tracks faces across frames; timestamps must increase (non-increasing ones are
   *  nudged forward by 1 ms). */
  detect(source: TexImageSource, timestampMs: number): FaceObservation[];
  /** IMAGE mode, for unrelated stills (no tracking between calls). `smallFaces` also searches
   *  overlapping tiles, for group photos whose faces are under ~15 % of the frame width
   *  (14 passes instead of 1). */
  detectImage(source: TexImageSource, options?: StillOptions): Promise<FaceObservation[]>;
  close(): void;
}

const fromAsset = (e: unknown): LandmarkerError => {
  if (e instanceof LandmarkerError) return e;
  if (e instanceof AssetError) {
    const code =
      e.code === 'aborted' ? 'aborted' : e.code === 'missing' ? 'model-missing' : 'model-corrupt';
    return new LandmarkerError(code, e.message, { cause: e });
  }
  return new LandmarkerError('model-corrupt', String((e as Error)?.message ?? e), { cause: e });
};

const aborted = (signal: AbortSignal | undefined): void => {
  if (signal?.aborted) throw new LandmarkerError('aborted', 'aborted', { cause: signal.reason });
};

/** tasks-vision needs WebGL2 even with the CPU delegate. */
function probeWebGl(): void {
  let gl: WebGL2RenderingContext | null = null;
  try {
    gl =
      typeof OffscreenCanvas !== 'undefined'
        ? new OffscreenCanvas(1, 1).getContext('webgl2')
        : document.createElement('canvas').getContext('webgl2');
  } catch {
    gl = null;
  }
  if (!gl) throw new LandmarkerError('no-webgl', 'WebGL2 is not available');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
}

async function simdSupported(): Promise<boolean> {
  // The smallest module using a v128 instruction; the same probe tasks-vision makes.
  const probe = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
    15, 253, 98, 11,
  ]);
  try {
    await WebAssembly.instantiate(probe);
    return true;
  } catch {
    return false;
  }
}

/** The self-hosted fileset; both files are checked so a missing runtime is a typed error. */
async function resolveFileset(
  assetBase: string,
  signal: AbortSignal | undefined,
): Promise<WasmFileset> {
  const flavour = (await simdSupported()) ? 'vision_wasm_internal' : 'vision_wasm_nosimd_internal';
  const fileset = {
    wasmLoaderPath: assetUrl(assetBase, `${RUNTIME_DIR}/${flavour}.js`),
    wasmBinaryPath: assetUrl(assetBase, `${RUNTIME_DIR}/${flavour}.wasm`),
  };
  for (const url of [fileset.wasmLoaderPath, fileset.wasmBinaryPath]) {
    aborted(signal);
    let ok = false;
    try {
      const res = await fetch(url, signal ? { method: 'HEAD', signal } : { method: 'HEAD' });
      ok = res.ok;
    } catch (e) {
      aborted(signal);
      throw new LandmarkerError('runtime-missing', `cannot reach ${url}`, { cause: e });
    }
    if (!ok) throw new LandmarkerError('runtime-missing', `${url} is missing (run npm install)`);
  }
  return fileset;
}

function withDeadline<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  onLate: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) reject(new LandmarkerError('aborted', 'aborted', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      if (finish()) {
        reject(
          new LandmarkerError('model-corrupt', `landmarker did not start within ${timeoutMs} ms`),
        );
      }
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (finish() ? resolve(v) : onLate(v)),
      (e: unknown) => {
        if (finish()) reject(e);
      },
    );
  });
}

function classifyRuntimeError(e: unknown): LandmarkerError {
  if (e instanceof LandmarkerError) return e;
  const message = String((e as Error)?.message ?? e);
  if (/webgl|opengl|gl context|canvas/i.test(message)) {
    return new LandmarkerError('no-webgl', message, { cause: e });
  }
  if (
    /importScripts|script|wasm|WebAssembly|fetch/i.test(message) &&
    !/model|tflite|flatbuffer/i.test(message)
  ) {
    return new LandmarkerError('runtime-missing', message, { cause: e });
  }
  return new LandmarkerError('model-corrupt', message, { cause: e });
}

function sourceSize(source: TexImageSource): [number, number] {
  const s = source as Partial<
    HTMLVideoElement & HTMLImageElement & VideoFrame & { width: number; height: number }
  >;
  if (typeof s.videoWidth === 'number') return [s.videoWidth, s.videoHeight ?? 0];
  if (typeof s.naturalWidth === 'number') return [s.naturalWidth, s.naturalHeight ?? 0];
  if (typeof s.displayWidth === 'number') return [s.displayWidth, s.displayHeight ?? 0];
  if (typeof s.width === 'number') return [s.width, s.height ?? 0];
  return [0, 0];
}

function isImageSource(value: unknown): value is TexImageSource {
  const kinds = [
    globalThis.ImageBitmap,
    globalThis.ImageData,
    globalThis.HTMLImageElement,
    globalThis.HTMLCanvasElement,
    globalThis.HTMLVideoElement,
    globalThis.OffscreenCanvas,
    globalThis.VideoFrame,
  ];
  return kinds.some((k) => typeof k === 'function' && value instanceof k);
}

/** Draws frames no larger than `maxSize` on a reused canvas; small frames pass through. */
class Downscaler {
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;
  private staging: OffscreenCanvas | null = null;

  constructor(private readonly maxSize: number) {}

  /** Validates the source and returns what to feed MediaPipe: the source itself when small
   *  enough, else a scaled copy of it, or of `region` of it. */
  prepare(
    source: TexImageSource,
    region?: Box,
  ): { image: TexImageSource; width: number; height: number; region: Box } {
    if (!isImageSource(source)) throw new LandmarkerError('bad-input', 'not an image source');
    const [width, height] = sourceSize(source);
    if (!(width > 0 && height > 0)) {
      throw new LandmarkerError('bad-input', `frame has no pixels (${width}x${height})`);
    }
    const r = region ?? { x: 0, y: 0, width, height };
    const scale = Math.min(1, this.maxSize / Math.max(r.width, r.height));
    if (scale === 1 && !region && !(source instanceof ImageData)) {
      return { image: source, width, height, region: r };
    }
    const w = Math.max(1, Math.round(r.width * scale));
    const h = Math.max(1, Math.round(r.height * scale));
    if (!this.canvas || !this.ctx) {
      this.canvas = new OffscreenCanvas(w, h);
      this.ctx = this.canvas.getContext('2d', { willReadFrequently: false });
      if (!this.ctx) throw new LandmarkerError('no-webgl', '2D canvas is not available');
    }
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    let drawable: CanvasImageSource;
    if (source instanceof ImageData) {
      // ImageData cannot be drawn scaled directly: stage it at full size first.
      this.staging ??= new OffscreenCanvas(width, height);
      this.staging.width = width;
      this.staging.height = height;
      this.staging.getContext('2d')!.putImageData(source, 0, 0);
      drawable = this.staging;
    } else {
      drawable = source;
    }
    this.ctx.drawImage(drawable, r.x, r.y, r.width, r.height, 0, 0, w, h);
    return { image: this.canvas, width, height, region: r };
  }
}

/** Runs one inference; a runtime failure (e.g. a lost WebGL context) becomes a typed error. */
function run(infer: () => FaceLandmarkerResult): FaceLandmarkerResult {
  try {
    return infer();
  } catch (e) {
    throw classifyRuntimeError(e);
  }
}

function blankFrame(): OffscreenCanvas {
  const canvas = new OffscreenCanvas(64, 64);
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, 64, 64);
  }
  return canvas;
}

/** Maps MediaPipe's normalised landmarks of `region` back to pixels of the whole frame. */
function toObservations(
  result: FaceLandmarkerResult,
  region: Box,
  width: number,
  height: number,
): FaceObservation[] {
  const faces = result.faceLandmarks.map((points, i) => {
    const landmarks = new Float32Array(points.length * 3);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    points.forEach((p, j) => {
      const x = region.x + p.x * region.width;
      const y = region.y + p.y * region.height;
      landmarks[3 * j] = x;
      landmarks[3 * j + 1] = y;
      landmarks[3 * j + 2] = p.z * region.width;
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    });
    const m = result.facialTransformationMatrixes?.[i];
    return {
      landmarks,
      matrix: m ? Float32Array.from(m.data) : null,
      box: { x: minX, y: minY, width: maxX - minX, height: maxY - minY },
      width,
      height,
    };
  });
  return withoutDuplicates(faces);
}

/** The detector occasionally yields two overlapping meshes for one face (seen on group photos);
 *  a duplicate would read as "several faces", so later meshes overlapping an earlier one go. */
function withoutDuplicates(faces: FaceObservation[], threshold = 0.5): FaceObservation[] {
  const kept: FaceObservation[] = [];
  for (const f of faces) if (kept.every((k) => iou(k.box, f.box) < threshold)) kept.push(f);
  return kept;
}

/** Overlapping tiles (fractions of the frame) searched for small faces: a 2x2 grid of 60 %
 *  tiles, then a 3x3 grid of 40 % tiles. A face narrower than the overlap (20 %, 10 %) lies
 *  whole inside at least one tile of each grid, where it is 1.7-2.5x larger relative to the
 *  detector's input than in the whole frame. */
const TILES: Box[] = [2, 3].flatMap((n) => {
  const size = n === 2 ? 0.6 : 0.4;
  const step = (1 - size) / (n - 1);
  return Array.from({ length: n * n }, (_, i) => ({
    x: (i % n) * step,
    y: Math.floor(i / n) * step,
    width: size,
    height: size,
  }));
});

function scaleBox(fraction: Box, width: number, height: number): Box {
  return {
    x: Math.round(fraction.x * width),
    y: Math.round(fraction.y * height),
    width: Math.round(fraction.width * width),
    height: Math.round(fraction.height * height),
  };
}

/** A square `factor` times the box's longer side around its centre, clamped to the frame. */
function around(box: Box, factor: number, width: number, height: number): Box {
  const side = Math.max(box.width, box.height) * factor;
  const x = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
  const y = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
  return {
    x,
    y,
    width: Math.max(1, Math.min(width, Math.round(x + side)) - x),
    height: Math.max(1, Math.min(height, Math.round(y + side)) - y),
  };
}

/** True when the face box reaches within `margin` px of a tile edge that is not a frame edge:
 *  such a face is cut by the tile and is found whole in a neighbouring tile. */
function touchesInnerEdge(box: Box, tile: Box, width: number, height: number): boolean {
  const margin = 0.01 * Math.max(width, height);
  const left = tile.x > 0 && box.x < tile.x + margin;
  const top = tile.y > 0 && box.y < tile.y + margin;
  const right = tile.x + tile.width < width && box.x + box.width > tile.x + tile.width - margin;
  const bottom =
    tile.y + tile.height < height && box.y + box.height > tile.y + tile.height - margin;
  return left || top || right || bottom;
}

export async function createLandmarker(options: LandmarkerOptions = {}): Promise<Landmarker> {
  const {
    assetBase = '/',
    signal,
    numFaces = 3,
    stillFaces = 10,
    multiFaceCheckMs = 500,
    maxSize = 640,
    timeoutMs = 30_000,
  } = options;
  aborted(signal);
  if (!Number.isInteger(numFaces) || numFaces < 1 || numFaces > 10) {
    throw new LandmarkerError('bad-input', `numFaces must be an integer 1..10, got ${numFaces}`);
  }
  if (!Number.isInteger(stillFaces) || stillFaces < 1 || stillFaces > 20) {
    throw new LandmarkerError(
      'bad-input',
      `stillFaces must be an integer 1..20, got ${stillFaces}`,
    );
  }
  if (!(multiFaceCheckMs >= 0)) {
    throw new LandmarkerError('bad-input', `multiFaceCheckMs must be >= 0`);
  }
  if (!(maxSize >= 64)) throw new LandmarkerError('bad-input', `maxSize must be >= 64`);
  probeWebGl();

  // The runtime check's round trips overlap the model download; a model error still wins.
  const filesetReady = resolveFileset(assetBase, signal);
  filesetReady.catch(() => undefined);
  let model: Uint8Array;
  try {
    const manifest = await loadManifest(assetBase, signal);
    model = await fetchVerified(assetBase, findEntry(manifest, LANDMARKER_MODEL), signal);
  } catch (e) {
    throw fromAsset(e);
  }
  const fileset = await filesetReady;

  const census = numFaces > 1 && multiFaceCheckMs > 0;
  // The signal only guards loading: the IMAGE graph, started later on demand, ignores it.
  const start = (
    runningMode: 'VIDEO' | 'IMAGE',
    guard: AbortSignal | undefined,
  ): Promise<FaceLandmarker> =>
    withDeadline(
      FaceLandmarker.createFromOptions(fileset, {
        // tasks-vision may take ownership of the buffer: hand it a copy.
        baseOptions: { modelAssetBuffer: model.slice(), delegate: 'CPU' },
        runningMode,
        numFaces: runningMode === 'VIDEO' ? (census ? 1 : numFaces) : stillFaces,
        outputFaceBlendshapes: false,
        outputFacialTransformationMatrixes: true,
      }).catch((e: unknown) => {
        throw classifyRuntimeError(e);
      }),
      guard,
      timeoutMs,
      (late) => late.close(),
    );

  const video = await start('VIDEO', signal);
  // The first frame pays for the inference engines' lazy set-up (up to ~1 s on a busy 2-core
  // CPU); a blank frame now moves that cost out of the first camera frame.
  let lastTimestamp = 0;
  try {
    video.detectForVideo(blankFrame(), lastTimestamp);
  } catch (e) {
    video.close();
    throw classifyRuntimeError(e);
  }
  if (signal?.aborted) {
    video.close();
    aborted(signal);
  }
  let still: Promise<FaceLandmarker> | null = null;
  let stillReady: FaceLandmarker | null = null;
  let closed = false;
  const videoFrames = new Downscaler(maxSize);
  const stills = new Downscaler(maxSize);
  const stillRunner = (): Promise<FaceLandmarker> =>
    (still ??= start('IMAGE', undefined).then(
      (runner) => (stillReady = runner),
      (e: unknown) => {
        still = null; // let a later call try again
        throw e;
      },
    ));
  // The multi-face check's graph starts in the background: the first frames need not wait.
  if (census) void stillRunner().catch(() => undefined);
  let lastCheck = -Infinity;
  let others: FaceObservation[] = [];

  const ensureOpen = (): void => {
    if (closed) throw new LandmarkerError('aborted', 'landmarker is closed');
  };

  /** Tracked face first, then the other faces of the latest multi-face check. */
  const withOthers = (
    tracked: FaceObservation[],
    frame: TexImageSource,
    at: number,
    region: Box,
    width: number,
    height: number,
  ): FaceObservation[] => {
    if (!census || !stillReady) return tracked;
    if (at - lastCheck >= multiFaceCheckMs) {
      const runner = stillReady;
      lastCheck = at;
      others = toObservations(
        run(() => runner.detect(frame)),
        region,
        width,
        height,
      );
    }
    // Only ever adds to a tracked face: with nobody tracked, a stale check must not count.
    if (tracked.length === 0) return tracked;
    const extra = others.filter((o) => tracked.every((t) => iou(t.box, o.box) < 0.3));
    return [...tracked, ...extra].slice(0, numFaces);
  };

  return {
    detect(source, timestampMs) {
      ensureOpen();
      if (!Number.isFinite(timestampMs)) {
        throw new LandmarkerError('bad-input', `timestamp must be a finite number of ms`);
      }
      const { image, width, height, region } = videoFrames.prepare(source);
      const ts = timestampMs > lastTimestamp ? timestampMs : lastTimestamp + 1;
      lastTimestamp = ts;
      const tracked = toObservations(
        run(() => video.detectForVideo(image, ts)),
        region,
        width,
        height,
      );
      return withOthers(tracked, image, ts, region, width, height);
    },
    async detectImage(source, { smallFaces = false } = {}) {
      ensureOpen();
      const runner = await stillRunner();
      ensureOpen();
      // Each pass prepares after the await so concurrent calls cannot overwrite the canvas.
      const pass = (region?: Box): FaceObservation[] => {
        const p = stills.prepare(source, region);
        return toObservations(
          run(() => runner.detect(p.image)),
          p.region,
          p.width,
          p.height,
        );
      };
      const faces = pass();
      if (!smallFaces) return faces;
      const [width, height] = sourceSize(source);
      const wholeCount = faces.length;
      for (const t of TILES) {
        const tile = scaleBox(t, width, height);
        faces.push(...pass(tile).filter((f) => !touchesInnerEdge(f.box, tile, width, height)));
      }
      // Tiles see a face at several scales; a looser overlap test merges those sightings.
      const merged = withoutDuplicates(faces, 0.3);
      // A face seen only in a tile must be found again in a crop around it: small tiles make
      // the detector see faces in textures (curtains, hair) that a second look rejects.
      const confirmed = merged.filter(
        (f, i) =>
          i < wholeCount ||
          pass(around(f.box, 2.5, width, height)).some((g) => iou(g.box, f.box) > 0.3),
      );
      return confirmed.slice(0, stillFaces);
    },
    close() {
      if (closed) return;
      closed = true;
      video.close();
      void still?.then((s) => s.close()).catch(() => undefined);
    },
  };
}
