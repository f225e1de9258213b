// The landmarker's typed errors, and how asset and runtime failures map onto them.
import { AssetError } from '../../models/manifest';

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

export const fromAsset = (e: unknown): LandmarkerError => {
  if (e instanceof LandmarkerError) return e;
  if (e instanceof AssetError) {
    const code =
      e.code === 'aborted' ? 'aborted' : e.code === 'missing' ? 'model-missing' : 'model-corrupt';
    return new LandmarkerError(code, e.message, { cause: e });
  }
  return new LandmarkerError('model-corrupt', String((e as Error)?.message ?? e), { cause: e });
};

export const aborted = (signal: AbortSignal | undefined): void => {
  if (signal?.aborted) throw new LandmarkerError('aborted', 'aborted', { cause: signal.reason });
};

export function classifyRuntimeError(e: unknown): LandmarkerError {
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
