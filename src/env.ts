// Capability probe: what this page and browser can do, without opening the camera or loading a
// model. Hosts use it to decide whether to offer face verification at all.

export interface Capabilities {
  /** https or localhost: the camera and WebCrypto require it. */
  secureContext: boolean;
  getUserMedia: boolean;
  webgl2: boolean;
  /** `navigator.gpu` exists (an adapter may still be refused). */
  webgpu: boolean;
  /** COOP/COEP in effect: ORT can use several WASM threads. */
  crossOriginIsolated: boolean;
  webCrypto: boolean;
  indexedDB: boolean;
  /** Everything face verification needs is present. */
  supported: boolean;
  /** Why not, when `supported` is false. */
  missing: string[];
}

export function probeCapabilities(): Capabilities {
  const g = globalThis as typeof globalThis & { crossOriginIsolated?: boolean };
  const secureContext = g.isSecureContext === true;
  const getUserMedia =
    typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
  const webgpu = typeof navigator !== 'undefined' && 'gpu' in navigator;
  const webCrypto = typeof crypto !== 'undefined' && typeof crypto.subtle?.digest === 'function';
  const indexedDB = typeof g.indexedDB !== 'undefined';
  const webgl2 = probeWebGl2();
  const missing: string[] = [];
  if (!secureContext) missing.push('secure-context');
  if (!getUserMedia) missing.push('getUserMedia');
  if (!webgl2) missing.push('webgl2');
  if (!webCrypto) missing.push('webcrypto');
  if (!indexedDB) missing.push('indexeddb');
  if (typeof WebAssembly === 'undefined') missing.push('webassembly');
  return {
    secureContext,
    getUserMedia,
    webgl2,
    webgpu,
    crossOriginIsolated: g.crossOriginIsolated === true,
    webCrypto,
    indexedDB,
    supported: missing.length === 0,
    missing,
  };
}

function probeWebGl2(): boolean {
  try {
    const canvas =
      typeof OffscreenCanvas !== 'undefined'
        ? new OffscreenCanvas(1, 1)
        : typeof document !== 'undefined'
          ? document.createElement('canvas')
          : null;
    const gl = canvas?.getContext('webgl2') as WebGL2RenderingContext | null | undefined;
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    return Boolean(gl);
  } catch {
    return false;
  }
}
