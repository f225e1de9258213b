// `face-verify assets` on the real package files: copies verified, reruns idempotent, a damaged
// copy repaired, and a damaged source refused.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MANIFEST_PATH } from '../models/manifest';
import { listPackageAssets, PACKAGE_ROOT, readVerified, sha256Hex } from './package-assets';
import { writeAssets } from './write-assets';

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'fv-assets-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writeAssets', () => {
  it('writes every manifest file with its SHA-256, then leaves them alone', () => {
    const out = temp();
    const first = writeAssets(out, { compress: false });
    const assets = listPackageAssets();
    expect(first.written.sort()).toEqual(assets.map((a) => a.path).sort());
    for (const a of assets.filter((x) => x.entry)) {
      expect(sha256Hex(new Uint8Array(readFileSync(join(out, a.path))))).toBe(a.entry!.sha256);
    }
    expect(writeAssets(out, { compress: false }).written).toEqual([]);

    // A damaged copy in the output is replaced on the next run.
    const model = join(out, 'models', 'fr_liveness.onnx');
    writeFileSync(model, 'not a model');
    expect(writeAssets(out, { compress: false }).written).toEqual(['models/fr_liveness.onnx']);
  });

  it('refuses a package whose model does not match the manifest', () => {
    const root = temp();
    cpSync(join(PACKAGE_ROOT, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    cpSync(join(PACKAGE_ROOT, 'public', 'models'), join(root, 'public', 'models'), {
      recursive: true,
    });
    const model = join(root, 'public', 'models', 'fr_feature.onnx');
    const bytes = readFileSync(model);
    bytes[1000] = (bytes[1000]! + 1) % 256;
    writeFileSync(model, bytes);
    const damaged = listPackageAssets(root).find((a) => a.path === 'models/fr_feature.onnx')!;
    expect(() => readVerified(damaged)).toThrow(/does not match the manifest/);
    expect(() => writeAssets(temp(), { compress: false, root })).toThrow(/fr_feature\.onnx/);
  });

  it('lists the manifest itself and the runtimes from the installed dependencies', () => {
    const paths = listPackageAssets().map((a) => a.path);
    expect(paths[0]).toBe(MANIFEST_PATH);
    expect(paths).toContain('runtime/ort/ort-wasm-simd-threaded.wasm');
    expect(paths).toContain('runtime/mediapipe/vision_wasm_internal.wasm');
  });
});
