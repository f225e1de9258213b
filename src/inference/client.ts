// Main-thread handle on the inference worker. See docs/inference.md and docs/architecture.md.
import { chooseThreads } from './backends';
import { InferenceError } from './errors';
import type {
  Backend,
  BackendPreference,
  Box,
  FrameInput,
  WorkerReply,
  WorkerRequest,
} from './protocol';

export type { Backend, BackendPreference, Box };
export { InferenceError, isInferenceError, type InferenceErrorCode } from './errors';

export interface InferenceOptions {
  /** URL (absolute or page-relative) holding models/ and runtime/ort/. Default: '/'. */
  assetBase?: string;
  backend?: BackendPreference;
  signal?: AbortSignal;
  /** Limit for loading + first runs; WebGPU on a software adapter needs ~15 s. Default 60 s. */
  initTimeoutMs?: number;
  /** Cap on ORT wasm threads (benchmarks, busy pages). Never more than the automatic choice. */
  maxThreads?: number;
  /** Limit per request; past it the worker is considered stuck and is terminated. Default 30 s. */
  requestTimeoutMs?: number;
}

export interface RunOptions {
  /** Reject at once with code 'busy' when another request is running (frame loops). */
  dropIfBusy?: boolean;
  /**
   * Transfer the frame to the worker instead of copying it (default true): the caller's
   * ImageBitmap is closed / ImageData buffer detached afterwards. Pass false to reuse a frame.
   */
  transfer?: boolean;
}

export interface Analysis {
  embedding: Float32Array;
  live: number;
}

export interface Inference {
  /** The backend that actually runs the models. */
  readonly backend: Backend;
  /** ORT wasm threads (1 unless cross-origin isolated). */
  readonly threads: number;
  /** Id of the embedding model; templates are comparable only under the same id. */
  readonly modelId: string;
  /** Why WebGPU is not in use when it was preferred or offered; null otherwise. */
  readonly fallback: string | null;
  /** Worker-clock ms at which each load step finished (`init`, `models-verified`,
   *  `runtime-imported`, `<backend>-sessions`, `<backend>-first-runs`…): cold-start diagnostics. */
  readonly loadTimings: Readonly<Record<string, number>>;
  /** Milliseconds the worker spent on the last completed request (decode, preprocess, run). */
  readonly lastRunMs: number;
  /** 512-d L2-normalised embedding of the face whose 5 ArcFace points (10 numbers) are given. */
  embed(
    frame: ImageBitmap | ImageData,
    points: Float32Array,
    options?: RunOptions,
  ): Promise<Float32Array>;
  /** Live probability 0..1 of the face in `box` (frame pixels). */
  antispoof(frame: ImageBitmap | ImageData, box: Box, options?: RunOptions): Promise<number>;
  /** Both in one round trip (one frame transfer). */
  analyze(
    frame: ImageBitmap | ImageData,
    points: Float32Array,
    box: Box,
    options?: RunOptions,
  ): Promise<Analysis>;
  dispose(): void;
}

/** A request before the client numbers it (Omit distributed over the union). */
type RequestBody = WorkerRequest extends infer R
  ? R extends WorkerRequest
    ? Omit<R, 'id'>
    : never
  : never;

type Pending = {
  resolve: (reply: WorkerReply) => void;
  reject: (error: InferenceError) => void;
  timer: ReturnType<typeof setTimeout>;
};

function checkFrame(frame: unknown): FrameInput {
  const isBitmap = typeof ImageBitmap !== 'undefined' && frame instanceof ImageBitmap;
  const isData = typeof ImageData !== 'undefined' && frame instanceof ImageData;
  if (!isBitmap && !isData) {
    throw new InferenceError('bad-input', 'frame must be an ImageBitmap or ImageData');
  }
  const { width, height } = frame as FrameInput;
  if (!(width > 0 && height > 0)) {
    throw new InferenceError('bad-input', `frame has zero size (${width}x${height}) or is closed`);
  }
  return frame as FrameInput;
}

function checkPoints(points: unknown, frame: FrameInput): Float32Array {
  if (!(points instanceof Float32Array) || points.length !== 10) {
    const n = (points as { length?: number } | null)?.length;
    throw new InferenceError(
      'bad-input',
      `points must be a Float32Array of 10 numbers, got ${n ?? typeof points}`,
    );
  }
  if (!points.every(Number.isFinite))
    throw new InferenceError('bad-input', 'points must be finite');
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < 5; i++) {
    cx += points[2 * i]! / 5;
    cy += points[2 * i + 1]! / 5;
  }
  if (cx < 0 || cy < 0 || cx >= frame.width || cy >= frame.height) {
    throw new InferenceError('bad-input', 'points lie outside the frame');
  }
  return Float32Array.from(points);
}

function checkBox(box: unknown): Box {
  const b = box as Box | null;
  if (
    !b ||
    ![b.x, b.y, b.width, b.height].every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new InferenceError('bad-input', 'box must be { x, y, width, height } in frame pixels');
  }
  if (!(b.width > 0 && b.height > 0)) throw new InferenceError('bad-input', 'box has zero size');
  return { x: b.x, y: b.y, width: b.width, height: b.height };
}

function transferList(frame: FrameInput, transfer: boolean): Transferable[] {
  if (!transfer) return [];
  return [frame instanceof ImageData ? frame.data.buffer : frame];
}

/**
 * Starts the worker, verifies the models against the manifest, creates the sessions on the
 * chosen backend and runs each model once. Rejects with an InferenceError (never hangs).
 */
export function createInference(options: InferenceOptions = {}): Promise<Inference> {
  const {
    backend: preference = 'auto',
    signal,
    initTimeoutMs = 60_000,
    requestTimeoutMs = 30_000,
  } = options;
  if (signal?.aborted) return Promise.reject(new InferenceError('aborted', 'aborted before start'));
  const assetBase = new URL(options.assetBase ?? '/', document.baseURI).href.replace(/\/?$/, '/');
  const auto = chooseThreads(
    globalThis.crossOriginIsolated === true,
    navigator.hardwareConcurrency,
  );
  const cap = options.maxThreads;
  const threads = cap && Number.isFinite(cap) ? Math.max(1, Math.min(auto, Math.floor(cap))) : auto;

  const worker = new Worker(new URL('./worker.ts', import.meta.url), {
    type: 'module',
    name: 'face-verify-inference',
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let disposed: InferenceError | null = null;

  const shutdown = (reason: InferenceError) => {
    if (disposed) return;
    disposed = reason;
    worker.terminate();
    signal?.removeEventListener('abort', onAbort);
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    pending.clear();
  };
  const onAbort = () => shutdown(new InferenceError('aborted', 'inference aborted by signal'));
  signal?.addEventListener('abort', onAbort, { once: true });

  worker.onmessage = (event: MessageEvent<WorkerReply>) => {
    const message = event.data;
    const p = pending.get(message.id);
    if (!p) return;
    pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.status === 'error') p.reject(InferenceError.from(message.error));
    else p.resolve(message);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    shutdown(
      new InferenceError('disposed', `inference worker failed: ${event.message || 'load error'}`),
    );
  };
  worker.onmessageerror = () => {
    shutdown(new InferenceError('disposed', 'inference worker sent an unreadable message'));
  };

  const send = (request: RequestBody, transfer: Transferable[], timeoutMs: number) =>
    new Promise<WorkerReply>((resolve, reject) => {
      if (disposed) {
        reject(disposed);
        return;
      }
      const id = nextId++;
      const timer = setTimeout(() => {
        // A worker that does not answer is stuck (e.g. a hung GPU driver): stop it.
        shutdown(
          new InferenceError(
            'runtime-failed',
            `inference worker did not answer "${request.type}" in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      worker.postMessage({ ...request, id } as WorkerRequest, transfer);
    });

  let busy = false;
  let lastRunMs = 0;
  const run = async <T>(
    frame: unknown,
    options: RunOptions | undefined,
    build: (f: FrameInput) => RequestBody,
    pick: (reply: WorkerReply) => T,
  ): Promise<T> => {
    if (disposed) throw disposed;
    const f = checkFrame(frame);
    const transfer = options?.transfer ?? true;
    if (busy && options?.dropIfBusy) {
      // We own a transferred frame: release it now rather than leak GPU memory.
      if (transfer && f instanceof ImageBitmap) f.close();
      throw new InferenceError('busy', 'dropped: another request is running');
    }
    const request = build(f);
    busy = true;
    try {
      const reply = await send(request, transferList(f, transfer), requestTimeoutMs);
      if ('ms' in reply) lastRunMs = reply.ms;
      return pick(reply);
    } finally {
      busy = pending.size > 0;
    }
  };

  const expect = <S extends WorkerReply['status']>(reply: WorkerReply, status: S) => {
    if (reply.status !== status)
      throw new InferenceError('runtime-failed', `unexpected reply ${reply.status}`);
    return reply as Extract<WorkerReply, { status: S }>;
  };

  return send({ type: 'init', assetBase, backend: preference, threads }, [], initTimeoutMs).then(
    (reply) => {
      const ready = expect(reply, 'ready');
      const inference: Inference = {
        backend: ready.backend,
        threads: ready.threads,
        modelId: ready.modelId,
        fallback: ready.fallback,
        loadTimings: ready.timings,
        get lastRunMs() {
          return lastRunMs;
        },
        embed: (frame, points, opts) =>
          run(
            frame,
            opts,
            (f) => ({ type: 'embed', frame: f, points: checkPoints(points, f) }),
            (r) => expect(r, 'embedding').vector,
          ),
        antispoof: (frame, box, opts) =>
          run(
            frame,
            opts,
            (f) => ({ type: 'antispoof', frame: f, box: checkBox(box) }),
            (r) => expect(r, 'antispoof').live,
          ),
        analyze: (frame, points, box, opts) =>
          run(
            frame,
            opts,
            (f) => ({
              type: 'analyze',
              frame: f,
              points: checkPoints(points, f),
              box: checkBox(box),
            }),
            (r) => {
              const a = expect(r, 'analysis');
              return { embedding: a.vector, live: a.live };
            },
          ),
        dispose: () => shutdown(new InferenceError('disposed', 'inference disposed')),
      };
      return inference;
    },
    (error: unknown) => {
      const e =
        error instanceof InferenceError
          ? error
          : new InferenceError('runtime-failed', String(error));
      shutdown(e);
      throw e;
    },
  );
}
