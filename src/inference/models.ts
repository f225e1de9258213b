// Model files for the worker: read the manifest (its shape and validation are
// models/manifest.ts's), fetch the bytes, check SHA-256 before any session sees them. Failures are
// the worker's typed InferenceErrors.
import {
  ANTISPOOF_MODEL,
  EMBEDDING_MODEL,
  embeddingModelId,
  isManifest,
  MANIFEST_PATH,
  sha256Hex,
  type ManifestEntry,
} from '../models/manifest';
import { InferenceError } from './errors';

export interface ParsedManifest {
  modelId: string;
  /** The manifest's entries by file name. */
  entries: Map<string, ManifestEntry>;
}

/**
 * Checks the manifest of scripts/build-models.ts and indexes it by file name. The embedding
 * model's id defines template compatibility; without one it is derived from the embedding
 * model's hash.
 */
export function parseManifest(value: unknown): ParsedManifest {
  if (!isManifest(value))
    throw new InferenceError('manifest-invalid', 'model manifest has an unexpected shape');
  const entries = new Map(value.files.map((f) => [f.name, f]));
  for (const name of [EMBEDDING_MODEL, ANTISPOOF_MODEL]) {
    if (!entries.has(name))
      throw new InferenceError('manifest-invalid', `manifest has no sha256 for ${name}`);
  }
  const modelId =
    embeddingModelId(value) || `fr_feature-${entries.get(EMBEDDING_MODEL)!.sha256.slice(0, 12)}`;
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
  const response = await fetchOk(new URL(MANIFEST_PATH, assetBase).href, 'model manifest');
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
  const response = await fetchOk(versionedUrl(assetBase, entry), entry.name);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const digest = await sha256Hex(bytes);
  if (digest !== entry.sha256) {
    throw new InferenceError(
      'model-corrupt',
      `${entry.name} is corrupted: SHA-256 ${digest.slice(0, 16)}… does not match the manifest`,
    );
  }
  return bytes;
}
