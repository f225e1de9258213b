import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantizeWeightsInt8 } from './quantize-onnx';

const pkg = dirname(
  createRequire(import.meta.url).resolve('faceplugin-face-recognition-js/package.json'),
);
const float = new Uint8Array(readFileSync(join(pkg, 'model', 'fr_feature.onnx')));

describe('quantizeWeightsInt8', () => {
  it('stores the large weights as int8 and gives the same bytes every time', () => {
    const a = quantizeWeightsInt8(float);
    const b = quantizeWeightsInt8(float);
    expect(a.tensors).toBe(43);
    expect(a.model.length).toBeLessThan(float.length / 3);
    expect(Buffer.compare(Buffer.from(a.model), Buffer.from(b.model))).toBe(0);
  });

  it('computes nearly the same embedding in onnxruntime-web', async () => {
    const ort = await import('onnxruntime-web/wasm');
    ort.env.wasm.numThreads = 1;
    const quantized = quantizeWeightsInt8(float).model;
    const [f, q] = await Promise.all([float, quantized].map((m) => ort.InferenceSession.create(m)));
    // A smooth synthetic image in the model's input range; cosine of the two 512-d outputs.
    const x = Float32Array.from({ length: 3 * 112 * 112 }, (_, i) => Math.sin(i * 0.0013) * 0.9);
    const out = async (s: typeof f) => {
      const r = await s!.run({
        [s!.inputNames[0]!]: new ort.Tensor('float32', x, [1, 3, 112, 112]),
      });
      return r[s!.outputNames[0]!]!.data as Float32Array;
    };
    const [a, b] = [await out(f), await out(q)];
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i]! * b[i]!;
      na += a[i]! ** 2;
      nb += b[i]! ** 2;
    }
    expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.99);
  }, 60_000);
});
