import { describe, expect, it } from 'vitest';
import { InferenceError } from './errors';
import { parseManifest } from './models';

const sha = (c: string) => c.repeat(64);
const file = (name: string, path: string, hash: string, id?: string) => ({
  name,
  path,
  kind: path.startsWith('models/') ? 'model' : 'runtime',
  bytes: 1,
  sha256: hash,
  source: [],
  licence: 'MIT',
  ...(id ? { id } : {}),
});

describe('parseManifest', () => {
  it('reads the build-models manifest (schema 1) with per-file ids and paths', () => {
    const m = parseManifest({
      schema: 1,
      files: [
        file('fr_feature.onnx', 'models/fr_feature.onnx', sha('a'), 'fr_feature@0.0.1:abc'),
        file('fr_liveness.onnx', 'models/fr_liveness.onnx', sha('b')),
        file('ort-wasm-simd-threaded.wasm', 'runtime/ort/x.wasm', sha('c')),
      ],
    });
    expect(m.modelId).toBe('fr_feature@0.0.1:abc');
    expect(m.entries.get('fr_feature.onnx')?.path).toBe('models/fr_feature.onnx');
    expect(m.entries.get('ort-wasm-simd-threaded.wasm')?.path).toBe('runtime/ort/x.wasm');
  });

  it('derives a modelId from the embedding hash when the entry has no id', () => {
    const m = parseManifest({
      schema: 1,
      files: [
        file('fr_feature.onnx', 'models/fr_feature.onnx', sha('c')),
        file('fr_liveness.onnx', 'models/fr_liveness.onnx', sha('d')),
      ],
    });
    expect(m.modelId).toBe(`fr_feature-${'c'.repeat(12)}`);
  });

  it('fails typed on a missing entry, a bad hash or a non-manifest', () => {
    const check = (value: unknown) => {
      try {
        parseManifest(value);
      } catch (e) {
        expect(e).toBeInstanceOf(InferenceError);
        expect((e as InferenceError).code).toBe('manifest-invalid');
        return;
      }
      throw new Error('no error');
    };
    check({ schema: 1, files: [file('fr_feature.onnx', 'models/fr_feature.onnx', sha('a'))] });
    check({
      schema: 1,
      files: [
        file('fr_feature.onnx', 'models/fr_feature.onnx', 'short'),
        file('fr_liveness.onnx', 'models/fr_liveness.onnx', sha('d')),
      ],
    });
    check({ models: [{ file: 'fr_feature.onnx', sha256: sha('a') }] });
    check('nope');
  });
});
