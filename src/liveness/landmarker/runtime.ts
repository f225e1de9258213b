// Starting tasks-vision from self-hosted files: WebGL2 and SIMD probes, the wasm fileset (both
// files checked), a deadline on start-up, and a blank frame that pays for the lazy set-up.
import { assetUrl } from '../../models/manifest';
import { aborted, LandmarkerError } from './errors';

const RUNTIME_DIR = 'runtime/mediapipe';

/** tasks-vision's fileset shape (its typings do not export it). */
export interface WasmFileset {
  wasmLoaderPath: string;
  wasmBinaryPath: string;
}

/** tasks-vision needs WebGL2 even with the CPU delegate. */
export function probeWebGl(): void {
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
export async function resolveFileset(
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

export function withDeadline<T>(
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

export function blankFrame(): OffscreenCanvas {
  const canvas = new OffscreenCanvas(64, 64);
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, 64, 64);
  }
  return canvas;
}
