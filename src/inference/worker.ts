/// <reference lib="webworker" />
// Module worker running onnxruntime-web: the embedding and passive anti-spoof models.
// One init (one promise), requests served strictly one at a time in arrival order.
import type * as Ort from 'onnxruntime-web';
import { antispoofInput, liveProbability } from './antispoof';
import { pickBackend, probeWebGpu, type GpuProbe } from './backends';
import { EMBED_INPUT_DIMS, EMBEDDING_SIZE, embedInput, l2normalize } from './embed';
import { InferenceError, serializeError } from './errors';
import { checkImage, type RgbaImage } from './image';
import { ANTISPOOF_MODEL, EMBEDDING_MODEL } from '../models/manifest';
import { loadManifest, loadModel, versionedUrl, type ParsedManifest } from './models';
import { startupModel } from './startup-model';
import type {
  Backend,
  Box,
  FrameInput,
  InitRequest,
  ReadyReply,
  WorkerReply,
  WorkerRequest,
} from './protocol';

declare const self: DedicatedWorkerGlobalScope;

type OrtModule = typeof Ort;

/** The loaded runtime and its two sessions (not the element's capture engine). */
interface OrtSessions {
  ort: OrtModule;
  backend: Backend;
  embed: Ort.InferenceSession;
  antispoof: Ort.InferenceSession;
}

/** Milliseconds since the worker started, per load step (diagnostics for cold start). */
const timings: Record<string, number> = {};
const mark = (step: string) => (timings[step] = Math.round(performance.now()));

let loading: Promise<{ engine: OrtSessions; ready: ReadyReply }> | null = null;
let queue: Promise<unknown> = Promise.resolve();

function reply(message: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

/**
 * ORT's entry modules, served from `<assetBase>runtime/ort/` next to the models (copied there by
 * scripts/build-models.ts) and imported at run time, so no bundler ever copies ORT or its wasm:
 * the WebGPU (asyncify) build for WebGPU — the default build's WebGPU EP is broken here — and the
 * plain wasm build otherwise. Loaded from there, ORT's own thread workers start from its
 * `ort-wasm-simd-threaded*.mjs`, not from this script.
 */
const ORT_ENTRY: Record<Backend, string> = {
  webgpu: 'ort.webgpu.min.mjs',
  wasm: 'ort.wasm.min.mjs',
};

/** ORT's own wasm build for each entry (the .mjs it starts and the .wasm that one loads). */
const ORT_BUILD: Record<Backend, string> = {
  webgpu: 'ort-wasm-simd-threaded.asyncify',
  wasm: 'ort-wasm-simd-threaded',
};

/** A runtime file's URL, versioned when the manifest lists it (cacheable for good). */
function ortUrl(assetBase: string, file: string, manifest: ParsedManifest | null): string {
  const entry = manifest?.entries.get(file);
  return entry ? versionedUrl(assetBase, entry) : new URL(`runtime/ort/${file}`, assetBase).href;
}

async function importOrt(
  assetBase: string,
  backend: Backend,
  manifest: ParsedManifest | null,
): Promise<OrtModule> {
  const url = ortUrl(assetBase, ORT_ENTRY[backend], manifest);
  try {
    return (await import(/* @vite-ignore */ url)) as OrtModule;
  } catch (error) {
    throw new InferenceError('runtime-failed', `ORT runtime not loadable from ${url}`, {
      cause: error,
    });
  }
}

/** Why the early runtime start failed; ORT's later errors only say that it did. */
let runtimeStartError: string | null = null;

/**
 * Starts ORT's wasm runtime (fetch + streaming compile of its .wasm, thread pool) before the models
 * are there, by opening a one-node session. A failure is reported by the real session creation,
 * with the model's name and the right code.
 */
async function startRuntime(ort: OrtModule): Promise<void> {
  try {
    const session = await ort.InferenceSession.create(startupModel(), {
      executionProviders: ['wasm'],
    });
    await session.release();
  } catch (error) {
    runtimeStartError = messageOf(error);
  }
}

async function createSession(ort: OrtModule, bytes: Uint8Array, backend: Backend, name: string) {
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
      // Idle ORT threads would otherwise spin between frames and steal the main thread's core
      // (landmarks) on small CPUs.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (error) {
    // The bytes passed the hash check: on wasm either the runtime itself could not start
    // (missing/blocked .wasm) or it rejects the file as a model.
    const startError = backend === 'wasm' ? runtimeStartError : null;
    const message = startError ? `${messageOf(error)} (${startError})` : messageOf(error);
    const runtimeDown = /backend|wasm|fetch|import|instantiate/i.test(message);
    const code = backend === 'wasm' && !runtimeDown ? 'model-corrupt' : 'runtime-failed';
    throw new InferenceError(code, `${backend} could not load ${name}: ${message}`, {
      cause: error,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runEmbed(e: OrtSessions, input: Float32Array): Promise<Float32Array> {
  const tensor = new e.ort.Tensor('float32', input, [...EMBED_INPUT_DIMS]);
  const out = await e.embed.run({ [e.embed.inputNames[0]!]: tensor });
  const result = out[e.embed.outputNames[0]!]!;
  const data = result.data as Float32Array;
  if (data.length !== EMBEDDING_SIZE) {
    throw new InferenceError(
      'model-corrupt',
      `embedding model gave ${data.length} values, expected 512`,
    );
  }
  const vector = l2normalize(data);
  result.dispose();
  return vector;
}

async function runAntispoof(e: OrtSessions, input: Float32Array): Promise<number> {
  const tensor = new e.ort.Tensor('float32', input, [1, 3, 128, 128]);
  const out = await e.antispoof.run({ [e.antispoof.inputNames[0]!]: tensor });
  const result = out[e.antispoof.outputNames[0]!]!;
  const live = liveProbability(result.data as Float32Array);
  result.dispose();
  if (!Number.isFinite(live))
    throw new InferenceError('runtime-failed', 'anti-spoof score is not finite');
  return live;
}

async function firstRuns(e: OrtSessions): Promise<void> {
  await runEmbed(e, new Float32Array(3 * 112 * 112));
  await runAntispoof(e, new Float32Array(3 * 128 * 128));
  mark(`${e.backend}-first-runs`);
}

/**
 * Sessions on one backend. WebGPU is proven by one run of each model before it is accepted
 * (shader compilation fails there, not at creation); wasm's slow first runs are left to
 * `warmUp` after the ready reply so they do not delay start-up.
 */
async function openEngine(
  ort: OrtModule,
  backend: Backend,
  models: { embed: Uint8Array; antispoof: Uint8Array },
): Promise<OrtSessions> {
  const embed = await createSession(ort, models.embed, backend, EMBEDDING_MODEL);
  mark(`${backend}-embed-session`);
  let antispoof: Ort.InferenceSession;
  try {
    antispoof = await createSession(ort, models.antispoof, backend, ANTISPOOF_MODEL);
  } catch (error) {
    await embed.release();
    throw error;
  }
  const e: OrtSessions = { ort, backend, embed, antispoof };
  mark(`${backend}-sessions`);
  if (backend === 'wasm') return e;
  try {
    await firstRuns(e);
  } catch (error) {
    await Promise.allSettled([embed.release(), antispoof.release()]);
    if (error instanceof InferenceError) throw error;
    throw new InferenceError('runtime-failed', `first ${backend} run failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return e;
}

/** Runs queued behind `init`: requests arriving meanwhile wait for it, as they would anyway. */
function warmUp(e: OrtSessions): void {
  if (e.backend !== 'wasm') return;
  queue = queue.then(() => firstRuns(e)).catch(() => undefined);
}

async function init(request: InitRequest): Promise<{ engine: OrtSessions; ready: ReadyReply }> {
  mark('init');
  // Model download + hashing and backend probe + runtime import overlap (cold start). The small
  // manifest comes first: it gives every file's versioned URL.
  const manifestReady = loadManifest(request.assetBase);
  const modelsReady = manifestReady.then(async (manifest) => {
    const [embed, antispoof] = await Promise.all([
      loadModel(request.assetBase, manifest.entries.get(EMBEDDING_MODEL)!),
      loadModel(request.assetBase, manifest.entries.get(ANTISPOOF_MODEL)!),
    ]);
    mark('models-verified');
    return { manifest, models: { embed, antispoof } };
  });
  const configure = (m: OrtModule, backend: Backend, manifest: ParsedManifest | null) => {
    // Self-hosted runtime, only the build this backend needs; never ORT's CDN default.
    const build = ORT_BUILD[backend];
    m.env.wasm.wasmPaths = {
      mjs: ortUrl(request.assetBase, `${build}.mjs`, manifest),
      wasm: ortUrl(request.assetBase, `${build}.wasm`, manifest),
    };
    m.env.wasm.numThreads = request.threads;
    m.env.wasm.proxy = false;
    m.env.logLevel = 'error';
    return m;
  };
  const runtimeReady = (async () => {
    const probe: GpuProbe =
      request.backend === 'wasm'
        ? { adapter: false, software: false, description: 'wasm forced' }
        : await probeWebGpu((self.navigator as { gpu?: unknown }).gpu);
    const first = pickBackend(request.backend, probe);
    // A missing manifest is reported by the model path; the runtime then loads unversioned.
    const manifest = await manifestReady.catch(() => null);
    // A WebGPU build that cannot load is a WebGPU failure (handled below by the fallback).
    const ort = importOrt(request.assetBase, first, manifest).then((m) => {
      mark('runtime-imported');
      return configure(m, first, manifest);
    });
    if (first === 'wasm') {
      // Start the wasm runtime now, in parallel with the model download and hashing.
      await startRuntime(await ort);
      mark('wasm-runtime');
    } else {
      await ort.catch(() => undefined);
    }
    return { probe, first, ort };
  })();
  // Settle both before reporting, so a model error wins over a backend error deterministically.
  const [loaded, runtime] = await Promise.allSettled([modelsReady, runtimeReady]);
  if (loaded.status === 'rejected') throw loaded.reason;
  if (runtime.status === 'rejected') throw runtime.reason;
  const { manifest, models } = loaded.value;
  const { probe, first, ort } = runtime.value;
  let fallback: string | null =
    request.backend === 'auto' && first === 'wasm' && probe.adapter
      ? `WebGPU adapter is software (${probe.description}); using wasm`
      : null;

  let e: OrtSessions;
  if (first === 'webgpu') {
    try {
      e = await openEngine(await ort, 'webgpu', models);
    } catch (error) {
      // The plain wasm build (its own, smaller binary) rather than the WebGPU build's wasm EP:
      // it also survives a WebGPU build whose runtime failed to start.
      fallback = `WebGPU failed (${messageOf(error)}); using wasm`;
      const m = await importOrt(request.assetBase, 'wasm', manifest);
      e = await openEngine(configure(m, 'wasm', manifest), 'wasm', models);
    }
  } else {
    e = await openEngine(await ort, 'wasm', models);
  }
  watchDevice(e);
  return {
    engine: e,
    ready: {
      status: 'ready',
      id: request.id,
      backend: e.backend,
      threads: request.threads,
      modelId: manifest.modelId,
      fallback,
      timings,
    },
  };
}

let deviceLost: string | null = null;

/** A lost GPU device turns later requests into typed errors rather than hangs. */
function watchDevice(e: OrtSessions): void {
  if (e.backend !== 'webgpu') return;
  try {
    const device = (e.ort.env.webgpu as { device?: unknown }).device;
    void Promise.resolve(device)
      .then((d) => (d as { lost?: Promise<{ message?: string }> } | undefined)?.lost)
      .then((info) => {
        if (info) deviceLost = `WebGPU device lost: ${info.message || 'unknown reason'}`;
      })
      .catch(() => undefined);
  } catch {
    // No device handle exposed: a loss then surfaces as a failed run instead.
  }
}

/** RGBA pixels of a frame; ImageBitmaps are drawn once on an OffscreenCanvas and closed. */
function pixelsOf(frame: FrameInput): RgbaImage {
  if (typeof ImageData !== 'undefined' && frame instanceof ImageData) {
    checkImage(frame);
    return frame;
  }
  if (typeof ImageBitmap !== 'undefined' && frame instanceof ImageBitmap) {
    const { width, height } = frame;
    if (width === 0 || height === 0) throw new RangeError('frame is empty or already closed');
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new InferenceError('runtime-failed', '2d canvas unavailable in worker');
    ctx.drawImage(frame, 0, 0);
    frame.close();
    return ctx.getImageData(0, 0, width, height);
  }
  throw new RangeError('frame must be an ImageBitmap or ImageData');
}

function badInput(error: unknown): never {
  if (error instanceof InferenceError) throw error;
  throw new InferenceError('bad-input', messageOf(error), { cause: error });
}

function prepare(frame: FrameInput, points?: Float32Array, box?: Box) {
  try {
    const image = pixelsOf(frame);
    return {
      embedInput: points ? embedInput(image, points) : null,
      antispoofInput: box ? antispoofInput(image, box) : null,
    };
  } catch (error) {
    badInput(error);
  }
}

async function handle(request: WorkerRequest): Promise<void> {
  if (request.type === 'init') {
    // One load per worker; a repeated init gets the same answer under its own id.
    const first = !loading;
    loading ??= init(request);
    const { engine: e, ready } = await loading;
    reply({ ...ready, id: request.id });
    if (first) warmUp(e);
    return;
  }
  if (!loading) throw new InferenceError('runtime-failed', 'worker used before init');
  const { engine: e } = await loading;
  if (deviceLost) throw new InferenceError('runtime-failed', deviceLost);
  const start = performance.now();
  const input = prepare(
    request.frame,
    request.type === 'antispoof' ? undefined : request.points,
    request.type === 'embed' ? undefined : request.box,
  );
  try {
    if (request.type === 'embed') {
      const vector = await runEmbed(e, input.embedInput!);
      reply({ status: 'embedding', id: request.id, vector, ms: performance.now() - start }, [
        vector.buffer,
      ]);
    } else if (request.type === 'antispoof') {
      const live = await runAntispoof(e, input.antispoofInput!);
      reply({ status: 'antispoof', id: request.id, live, ms: performance.now() - start });
    } else {
      const vector = await runEmbed(e, input.embedInput!);
      const live = await runAntispoof(e, input.antispoofInput!);
      reply({ status: 'analysis', id: request.id, vector, live, ms: performance.now() - start }, [
        vector.buffer,
      ]);
    }
  } catch (error) {
    if (error instanceof InferenceError) throw error;
    throw new InferenceError('runtime-failed', `${e.backend} run failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function onMessage(event: MessageEvent<WorkerRequest>): void {
  const request = event.data;
  queue = queue
    .then(() => handle(request))
    .catch((error: unknown) => {
      // A failed init is final: later requests must see the same error, not a second attempt.
      reply({ status: 'error', id: request.id, error: serializeError(error, 'runtime-failed') });
    });
}

// Guard kept for bundles that inline ORT (its thread helpers then start from this script with a
// name starting 'em-pthread'); they install their own handler and must not get ours.
if (!self.name?.startsWith('em-pthread')) self.onmessage = onMessage;
