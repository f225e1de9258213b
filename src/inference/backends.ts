// Execution-provider choice. The decisions are pure so they can be unit-tested; the probe
// touches `navigator.gpu` (available on the main thread and in workers).
import { InferenceError } from './errors';
import type { Backend, BackendPreference } from './protocol';

/** ORT wasm threads: several only when SharedArrayBuffer works (cross-origin isolated). */
export function chooseThreads(crossOriginIsolated: boolean, hardwareConcurrency: number): number {
  if (!crossOriginIsolated) return 1;
  const cores =
    Number.isFinite(hardwareConcurrency) && hardwareConcurrency > 0 ? hardwareConcurrency : 1;
  return Math.max(1, Math.min(4, Math.floor(cores)));
}

export interface GpuProbe {
  /** An adapter was returned. */
  adapter: boolean;
  /** It is a software/fallback adapter (SwiftShader): correct but far slower than wasm. */
  software: boolean;
  /** Human-readable description for reports, never used for decisions beyond `software`. */
  description: string;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

export const NO_GPU: GpuProbe = { adapter: false, software: false, description: 'no WebGPU' };

/** Asks for an adapter with a time limit: a stuck driver must not hang model loading. */
export async function probeWebGpu(gpu: unknown, timeoutMs = 5000): Promise<GpuProbe> {
  if (!gpu || typeof (gpu as GpuLike).requestAdapter !== 'function') return NO_GPU;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    const adapter = await Promise.race([
      (gpu as GpuLike).requestAdapter({ powerPreference: 'high-performance' }),
      timeout,
    ]);
    if (!adapter) return { ...NO_GPU, description: 'no WebGPU adapter' };
    return describeAdapter(adapter);
  } catch (error) {
    return { ...NO_GPU, description: `WebGPU adapter request failed: ${String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

export function describeAdapter(adapter: AdapterLike): GpuProbe {
  const info = adapter.info ?? {};
  const text = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
  const software =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|software/i.test(text);
  return { adapter: true, software, description: text || 'unknown adapter' };
}

/**
 * The backend to try first. `auto` takes WebGPU only on a hardware adapter; forcing `webgpu`
 * accepts a software adapter (tests use that to prove the path) but not the absence of one.
 */
export function pickBackend(preference: BackendPreference, probe: GpuProbe): Backend {
  if (preference === 'wasm') return 'wasm';
  if (preference === 'webgpu') {
    if (!probe.adapter) {
      throw new InferenceError(
        'backend-unavailable',
        `WebGPU was requested but ${probe.description}`,
      );
    }
    return 'webgpu';
  }
  return probe.adapter && !probe.software ? 'webgpu' : 'wasm';
}
