// Face landmarks on the main thread with MediaPipe Tasks' FaceLandmarker (tasks-vision cannot run
// in a module worker). Everything is self-hosted: the wasm fileset comes from
// `${assetBase}runtime/mediapipe/` and the model from `${assetBase}models/face_landmarker.task`,
// whose SHA-256 is checked against the manifest before the runtime sees a byte of it. The parts
// live in landmarker/: errors, runtime start-up, downscaling, result mapping, small-face search.
import { FaceLandmarker } from '@mediapipe/tasks-vision';
import { fetchVerified, findEntry, loadManifest } from '../models/manifest';
import { iou } from './box';
import { Downscaler, sourceSize } from './landmarker/downscale';
import { aborted, classifyRuntimeError, fromAsset, LandmarkerError } from './landmarker/errors';
import { run, toObservations } from './landmarker/observations';
import { blankFrame, probeWebGl, resolveFileset, withDeadline } from './landmarker/runtime';
import { findSmallFaces } from './landmarker/small-faces';
import { LANDMARK_COUNT, type Box, type FaceObservation } from './types';

export { LANDMARK_COUNT, type Box, type FaceObservation };
export { LandmarkerError, type LandmarkerErrorCode } from './landmarker/errors';
export const LANDMARKER_MODEL = 'face_landmarker.task';

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
      return findSmallFaces(faces, pass, width, height).slice(0, stillFaces);
    },
    close() {
      if (closed) return;
      closed = true;
      video.close();
      void still?.then((s) => s.close()).catch(() => undefined);
    },
  };
}
