// Typed errors of the inference engine. They cross the worker boundary as plain
// `{ code, message }` objects and are rebuilt as `InferenceError` by the client.

export type InferenceErrorCode =
  /** A model or the manifest could not be fetched (404, network). */
  | 'model-missing'
  /** A model's SHA-256 differs from the manifest, or the runtime rejected its bytes. */
  | 'model-corrupt'
  /** The manifest is absent, unparsable or lacks an entry. */
  | 'manifest-invalid'
  /** Frame of zero size, not an image, or points/box of the wrong shape or out of range. */
  | 'bad-input'
  /** `backend: 'webgpu'` was forced but no usable adapter/device exists. */
  | 'backend-unavailable'
  /** The runtime failed while running a model (includes a lost WebGPU device). */
  | 'runtime-failed'
  /** The request was dropped because another one was running (`dropIfBusy`). */
  | 'busy'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** `dispose()` was called, or the worker died. */
  | 'disposed';

export interface SerializedError {
  code: InferenceErrorCode;
  message: string;
}

export class InferenceError extends Error {
  override name = 'InferenceError';
  readonly code: InferenceErrorCode;

  constructor(code: InferenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message };
  }

  static from(error: SerializedError): InferenceError {
    return new InferenceError(error.code, error.message);
  }
}

export function isInferenceError(value: unknown): value is InferenceError {
  return value instanceof InferenceError;
}

/** Normalises anything thrown inside the worker into a serialisable error. */
export function serializeError(error: unknown, fallback: InferenceErrorCode): SerializedError {
  if (error instanceof InferenceError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: fallback, message };
}
