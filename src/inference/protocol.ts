// Messages between the client (main thread) and the inference worker.
// Requests carry `type`, replies carry `status`; every request has an `id` echoed by its reply.
import type { Box } from './antispoof';
import type { SerializedError } from './errors';

export type { Box };
export type Backend = 'webgpu' | 'wasm';
export type BackendPreference = 'auto' | Backend;

/** A frame as it crosses the boundary. `ImageData` arrives as a structured clone. */
export type FrameInput = ImageBitmap | ImageData;

export interface InitRequest {
  type: 'init';
  id: number;
  /** Absolute URL ending in '/', holding models/ and runtime/ort/. */
  assetBase: string;
  backend: BackendPreference;
  threads: number;
}

export interface EmbedRequest {
  type: 'embed';
  id: number;
  frame: FrameInput;
  /** 10 numbers: x,y of left eye, right eye, nose tip, mouth left, mouth right (frame pixels). */
  points: Float32Array;
}

export interface AntispoofRequest {
  type: 'antispoof';
  id: number;
  frame: FrameInput;
  box: Box;
}

export interface AnalyzeRequest {
  type: 'analyze';
  id: number;
  frame: FrameInput;
  points: Float32Array;
  box: Box;
}

export type WorkerRequest = InitRequest | EmbedRequest | AntispoofRequest | AnalyzeRequest;

export interface ReadyReply {
  status: 'ready';
  id: number;
  backend: Backend;
  threads: number;
  modelId: string;
  /** Why WebGPU was not used although it was preferred or available; null when not relevant. */
  fallback: string | null;
  /** Worker-clock milliseconds at which each load step finished (diagnostics). */
  timings: Record<string, number>;
}

export interface EmbeddingReply {
  status: 'embedding';
  id: number;
  /** 512 floats, L2-normalised. Its buffer is transferred. */
  vector: Float32Array;
  ms: number;
}

export interface AntispoofReply {
  status: 'antispoof';
  id: number;
  /** Probability that the face is live, 0..1. */
  live: number;
  ms: number;
}

export interface AnalysisReply {
  status: 'analysis';
  id: number;
  vector: Float32Array;
  live: number;
  ms: number;
}

export interface ErrorReply {
  status: 'error';
  id: number;
  error: SerializedError;
}

export type WorkerReply = ReadyReply | EmbeddingReply | AntispoofReply | AnalysisReply | ErrorReply;
