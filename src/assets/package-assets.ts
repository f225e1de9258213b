// The files the browser loads (models/ and runtime/), found in the installed package: the models
// ship in the package (public/models/), the runtimes come from the package's own dependencies
// (@mediapipe/tasks-vision, onnxruntime-web) so they are not in the tarball twice. Every file is
// checked against public/models/manifest.json before anyone serves or writes it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isManifest,
  MANIFEST_PATH,
  type ManifestEntry,
  type ModelManifest,
} from '../models/manifest';

/** The package root: src/assets/ in this repository, dist/node/ in the installed package. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where each runtime folder comes from inside its npm package. */
const RUNTIME_SOURCES: Record<string, { pkg: string; dir: string }> = {
  'runtime/mediapipe/': { pkg: '@mediapipe/tasks-vision', dir: 'wasm' },
  'runtime/ort/': { pkg: 'onnxruntime-web', dir: 'dist' },
};

export class PackageAssetError extends Error {
  override name = 'PackageAssetError';
}

export interface PackageAsset {
  /** Path under the asset base, e.g. `models/fr_feature.onnx`. */
  path: string;
  /** Where the file is on this machine. */
  file: string;
  entry: ManifestEntry | null;
}

export function readPackageManifest(root = PACKAGE_ROOT): {
  manifest: ModelManifest;
  text: string;
} {
  const file = join(root, 'public', MANIFEST_PATH);
  const text = readFileSync(file, 'utf8');
  const json: unknown = JSON.parse(text);
  if (!isManifest(json)) throw new PackageAssetError(`${file} is not a model manifest`);
  return { manifest: json, text };
}

/** Node's lookup (node_modules folders upwards), without `exports` maps in the way. */
function packageDir(from: string, name: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new PackageAssetError(`${name} is not installed (needed for the browser runtime)`);
}

function sourceFile(root: string, entry: ManifestEntry): string {
  if (entry.kind === 'model') return join(root, 'public', entry.path);
  const prefix = Object.keys(RUNTIME_SOURCES).find((p) => entry.path.startsWith(p));
  if (!prefix) throw new PackageAssetError(`no source known for ${entry.path}`);
  const { pkg, dir } = RUNTIME_SOURCES[prefix]!;
  const pkgDir = packageDir(root, pkg);
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const wanted = entry.source.find((s) => s.startsWith(`${pkg}@`));
  if (wanted && wanted !== `${pkg}@${version}`) {
    throw new PackageAssetError(`${entry.path} needs ${wanted}, found ${pkg}@${version}`);
  }
  return join(pkgDir, dir, entry.name);
}

export const sha256Hex = (data: Uint8Array): string =>
  createHash('sha256').update(data).digest('hex');

/** Every file the browser loads, plus the manifest itself, located but not yet read. */
export function listPackageAssets(root = PACKAGE_ROOT): PackageAsset[] {
  const { manifest } = readPackageManifest(root);
  return [
    { path: MANIFEST_PATH, file: join(root, 'public', MANIFEST_PATH), entry: null },
    ...manifest.files.map((entry) => ({ path: entry.path, file: sourceFile(root, entry), entry })),
  ];
}

/** The file's bytes, after checking size and SHA-256 against the manifest. */
export function readVerified(asset: PackageAsset): Uint8Array {
  if (!existsSync(asset.file))
    throw new PackageAssetError(`${asset.path}: ${asset.file} is missing`);
  const data = new Uint8Array(readFileSync(asset.file));
  const e = asset.entry;
  if (e && (data.length !== e.bytes || sha256Hex(data) !== e.sha256)) {
    throw new PackageAssetError(`${asset.path}: ${asset.file} does not match the manifest SHA-256`);
  }
  return data;
}
