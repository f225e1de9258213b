import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { startupModel } from './startup-model';

describe('startupModel', () => {
  it('is a model ORT accepts: one float in, the same float out', async () => {
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(startupModel());
    expect(session.inputNames).toEqual(['x']);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(2.5), [1]) });
    expect(Array.from(out['y']!.data as Float32Array)).toEqual([2.5]);
    await session.release();
  });
});
