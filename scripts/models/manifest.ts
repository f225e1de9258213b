// Builds and checks public/models/manifest.json. The committed manifest is the reference: a build
// whose bytes differ from it stops, so a changed or tampered source package is noticed.
import { createHash } from 'node:crypto';
import { isManifest, type ManifestEntry, type ModelManifest } from '../../src/models/manifest';
import { BuildModelsError } from './sources';

export type { ManifestEntry, ModelManifest };

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `name@label:sha256[0..12]`, e.g. `fr_feature@faceplugin-0.0.1:0123456789ab`. */
export function modelId(name: string, label: string, hash: string): string {
  return `${name.replace(/\.[^.]+$/, '')}@${label}:${hash.slice(0, 12)}`;
}

export function serialiseManifest(m: ModelManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

const COMPARED = ['path', 'kind', 'id', 'bytes', 'sha256', 'source', 'licence'] as const;

/** Differences between what was built and what the committed manifest records. */
export function diffManifest(expected: ModelManifest, built: ModelManifest): string[] {
  const problems: string[] = [];
  const byName = new Map(expected.files.map((f) => [f.name, f]));
  for (const file of built.files) {
    const want = byName.get(file.name);
    if (!want) {
      problems.push(`${file.name}: not in the committed manifest`);
      continue;
    }
    for (const key of COMPARED) {
      const a = JSON.stringify(want[key]);
      const b = JSON.stringify(file[key]);
      if (a !== b) {
        const what = key === 'sha256' ? 'SHA-256 mismatch' : `${key} differs`;
        problems.push(`${file.name}: ${what} (manifest ${a}, built ${b})`);
      }
    }
    byName.delete(file.name);
  }
  for (const name of byName.keys()) problems.push(`${name}: in the manifest but no longer built`);
  return problems;
}

export function parseManifest(text: string, path: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BuildModelsError(`${path} is not valid JSON`);
  }
  if (!isManifest(json)) throw new BuildModelsError(`${path} is not a schema-1 model manifest`);
  return json;
}
