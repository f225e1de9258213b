import { describe, expect, it } from 'vitest';
import { InferenceError } from './errors';
import { parseManifest } from './models';

const sha = (c: string) => c.repeat(64);

describe('parseManifest', () => {
  it('reads the build-models manifest (schema 1) with per-file ids and paths', () => {
    const m = parseManifest({
      schema: 1,
      files: [
        {
          name: 'fr_feature.onnx',
          path: 'models/fr_feature.onnx',
          id: 'fr_feature@0.0.1:abc',
          sha256: sha('a'),
        },
        { name: 'fr_liveness.onnx', path: 'models/fr_liveness.onnx', sha256: sha('b') },
        { name: 'ort-wasm-simd-threaded.wasm', path: 'runtime/ort/x.wasm', sha256: sha('c') },
      ],
    });
    expect(m.modelId).toBe('fr_feature@0.0.1:abc');
    expect(m.entries.get('fr_feature.onnx')?.path).toBe('models/fr_feature.onnx');
  });

  it('reads an array of entries and the declared modelId', () => {
    const m = parseManifest({
      modelId: 'fr-1',
      models: [
        { file: 'fr_feature.onnx', sha256: sha('a') },
        { file: 'models/fr_liveness.onnx', sha256: sha('B') },
      ],
    });
    expect(m.modelId).toBe('fr-1');
    expect(m.entries.get('fr_liveness.onnx')?.sha256).toBe(sha('b'));
  });

  it('reads an object keyed by file name and derives a modelId from the embedding hash', () => {
    const m = parseManifest({
      files: { 'fr_feature.onnx': { sha256: sha('c') }, 'fr_liveness.onnx': { sha256: sha('d') } },
    });
    expect(m.modelId).toBe(`fr_feature-${'c'.repeat(12)}`);
  });

  it('fails typed on a missing entry or a non-object', () => {
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
    check({ models: [{ file: 'fr_feature.onnx', sha256: sha('a') }] });
    check({ models: [{ file: 'fr_feature.onnx', sha256: 'short' }] });
    check('nope');
  });
});
