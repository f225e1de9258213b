// The model manifest written by scripts/build-models.ts (public/models/manifest.json): the one
// owner of its shape and its validation, and hash-checked loading of the files it lists. Browser
// and Node (WebCrypto + fetch only); Node code reads the committed file with
// assets/package-assets.ts `readPackageManifest`, the inference worker through inference/models.ts.

export const MANIFEST_PATH = 'models/manifest.json';

/** The embedding model: its manifest id is the `modelId` the browser reports and the server accepts. */
export const EMBEDDING_MODEL = 'fr_feature.onnx';
/** The passive anti-spoof model. */
export const ANTISPOOF_MODEL = 'fr_liveness.onnx';

export interface ManifestEntry {
  /** File name, e.g. `face_landmarker.task`. */
  name: string;
  /** Path relative to the asset base, e.g. `models/face_landmarker.task`. */
  path: string;
  kind: 'model' | 'runtime';
  /** Model id (`name@source-version:sha256[0..12]`), for models only. */
  id?: string;
  bytes: number;
  sha256: string;
  /** npm packages the file comes from, as `name@version`. */
  source: string[];
  licence: string;
  /** What the model expects as input (models only; free-form, documented in docs/models.md). */
  input?: Record<string, unknown>;
}

export interface ModelManifest {
  schema: 1;
  files: ManifestEntry[];
}

export type AssetErrorCode = 'missing' | 'corrupt' | 'aborted';

export class AssetError extends Error {
  override name = 'AssetError';
  constructor(
    readonly code: AssetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Resolves `path` against the asset base (a URL or a path; default: the page origin's root). */
export function assetUrl(assetBase: string, path: string): string {
  const base = assetBase.endsWith('/') ? assetBase : `${assetBase}/`;
  const origin = typeof location === 'undefined' ? 'http://localhost/' : location.href;
  return new URL(path, new URL(base, origin)).href;
}

/** Throws a typed `aborted` error when the signal has fired. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AssetError('aborted', 'aborted', { cause: signal.reason });
}

async function get(url: string, signal: AbortSignal | undefined): Promise<Response> {
  checkAborted(signal);
  let res: Response;
  try {
    res = await fetch(
      url,
      signal ? { signal, credentials: 'same-origin' } : { credentials: 'same-origin' },
    );
  } catch (e) {
    if (signal?.aborted) throw new AssetError('aborted', 'aborted', { cause: signal.reason });
    throw new AssetError('missing', `cannot fetch ${url}`, { cause: e });
  }
  if (!res.ok) throw new AssetError('missing', `${url}: HTTP ${res.status}`);
  return res;
}

export function isManifest(value: unknown): value is ModelManifest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { schema?: unknown; files?: unknown };
  return (
    m.schema === 1 &&
    Array.isArray(m.files) &&
    m.files.every(
      (f: Record<string, unknown>) =>
        typeof f?.name === 'string' &&
        typeof f.path === 'string' &&
        typeof f.bytes === 'number' &&
        typeof f.sha256 === 'string' &&
        /^[0-9a-f]{64}$/.test(f.sha256),
    )
  );
}

export async function loadManifest(
  assetBase: string,
  signal?: AbortSignal,
): Promise<ModelManifest> {
  const res = await get(assetUrl(assetBase, MANIFEST_PATH), signal);
  let json: unknown;
  try {
    json = await res.json();
  } catch (e) {
    if (signal?.aborted) throw new AssetError('aborted', 'aborted', { cause: signal.reason });
    throw new AssetError('corrupt', 'model manifest is not valid JSON', { cause: e });
  }
  if (!isManifest(json)) throw new AssetError('corrupt', 'model manifest has an unexpected shape');
  return json;
}

/** The embedding model's id (`fr_feature@…`), when the manifest records one. */
export function embeddingModelId(manifest: ModelManifest): string | undefined {
  return manifest.files.find((f) => f.name === EMBEDDING_MODEL)?.id;
}

export function findEntry(manifest: ModelManifest, name: string): ManifestEntry {
  const entry = manifest.files.find((f) => f.name === name);
  if (!entry) throw new AssetError('missing', `${name} is not listed in the model manifest`);
  return entry;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Fetches a manifest entry and checks its size and SHA-256 before anyone uses the bytes. */
export async function fetchVerified(
  assetBase: string,
  entry: ManifestEntry,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const res = await get(assetUrl(assetBase, entry.path), signal);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    if (signal?.aborted) throw new AssetError('aborted', 'aborted', { cause: signal.reason });
    throw new AssetError('missing', `${entry.name}: download failed`, { cause: e });
  }
  checkAborted(signal);
  if (bytes.length !== entry.bytes) {
    throw new AssetError(
      'corrupt',
      `${entry.name}: ${bytes.length} bytes, manifest says ${entry.bytes}`,
    );
  }
  const hash = await sha256Hex(bytes);
  if (hash !== entry.sha256) {
    throw new AssetError('corrupt', `${entry.name}: SHA-256 does not match the manifest`);
  }
  return bytes;
}
