// Model files: read the manifest, fetch the bytes, check SHA-256 before any session sees them.
import { InferenceError } from './errors';

export const EMBED_MODEL = 'fr_feature.onnx';
export const ANTISPOOF_MODEL = 'fr_liveness.onnx';

export interface ManifestEntry {
  file: string;
  /** Relative to the asset base. */
  path: string;
  sha256: string;
}

export interface ParsedManifest {
  modelId: string;
  entries: Map<string, ManifestEntry>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads the manifest of scripts/build-models.ts (`{ schema: 1, files: [{ name, path, id, sha256
 * }] }`, see src/models/manifest.ts) and tolerates `file` for `name` and an object keyed by name.
 * The embedding model's id defines template compatibility; without one it is derived from the
 * embedding model's hash.
 */
export function parseManifest(value: unknown): ParsedManifest {
  if (!isObject(value))
    throw new InferenceError('manifest-invalid', 'manifest is not a JSON object');
  const list = value['models'] ?? value['files'];
  const raw: Json[] = [];
  if (Array.isArray(list)) raw.push(...list.filter(isObject));
  else if (isObject(list)) {
    for (const [name, entry] of Object.entries(list))
      if (isObject(entry)) raw.push({ file: name, ...entry });
  }
  const entries = new Map<string, ManifestEntry>();
  for (const entry of raw) {
    const name = entry['name'] ?? entry['file'] ?? entry['path'];
    const sha = entry['sha256'];
    if (typeof name !== 'string' || typeof sha !== 'string' || !/^[0-9a-f]{64}$/i.test(sha))
      continue;
    const file = name.split('/').pop()!;
    const path = typeof entry['path'] === 'string' ? entry['path'] : `models/${file}`;
    entries.set(file, { file, path, sha256: sha.toLowerCase() });
  }
  for (const name of [EMBED_MODEL, ANTISPOOF_MODEL]) {
    if (!entries.has(name))
      throw new InferenceError('manifest-invalid', `manifest has no sha256 for ${name}`);
  }
  const declared = value['modelId'];
  const embedEntry = raw.find((e) => String(e['name'] ?? e['file'] ?? '').endsWith(EMBED_MODEL));
  const entryId = embedEntry?.['id'] ?? embedEntry?.['modelId'];
  const modelId =
    typeof declared === 'string' && declared
      ? declared
      : typeof entryId === 'string' && entryId
        ? entryId
        : `fr_feature-${entries.get(EMBED_MODEL)!.sha256.slice(0, 12)}`;
  return { modelId, entries };
}

async function fetchOk(url: string, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (error) {
    throw new InferenceError('model-missing', `${what} could not be fetched from ${url}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new InferenceError(
      'model-missing',
      `${what} not found at ${url} (HTTP ${response.status})`,
    );
  }
  return response;
}

export async function loadManifest(assetBase: string): Promise<ParsedManifest> {
  const response = await fetchOk(new URL('models/manifest.json', assetBase).href, 'model manifest');
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw new InferenceError('manifest-invalid', 'model manifest is not valid JSON', {
      cause: error,
    });
  }
  return parseManifest(json);
}

export function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The URL of a manifest file with its version (`?v=` + 16 hex of its SHA-256): the asset server
 * may let browsers keep such a URL for good (face-verify/vite does), since new bytes get a new URL.
 */
export function versionedUrl(assetBase: string, entry: ManifestEntry): string {
  const url = new URL(entry.path, assetBase);
  url.searchParams.set('v', entry.sha256.slice(0, 16));
  return url.href;
}

/** Fetches a model and returns its bytes only if they hash to the manifest's value. */
export async function loadModel(assetBase: string, entry: ManifestEntry): Promise<Uint8Array> {
  const response = await fetchOk(versionedUrl(assetBase, entry), entry.file);
  const bytes = await response.arrayBuffer();
  const digest = toHex(await crypto.subtle.digest('SHA-256', bytes));
  if (digest !== entry.sha256) {
    throw new InferenceError(
      'model-corrupt',
      `${entry.file} is corrupted: SHA-256 ${digest.slice(0, 16)}… does not match the manifest`,
    );
  }
  return new Uint8Array(bytes);
}
