import { describe, expect, it } from 'vitest';
import { chooseThreads, describeAdapter, pickBackend, probeWebGpu, NO_GPU } from './backends';
import { InferenceError } from './errors';

describe('chooseThreads', () => {
  it('uses one thread without cross-origin isolation', () => {
    expect(chooseThreads(false, 8)).toBe(1);
  });
  it('uses min(4, cores) when isolated', () => {
    expect(chooseThreads(true, 2)).toBe(2);
    expect(chooseThreads(true, 16)).toBe(4);
    expect(chooseThreads(true, 0)).toBe(1);
  });
});

describe('WebGPU adapter classification', () => {
  it('treats SwiftShader and fallback adapters as software', () => {
    expect(
      describeAdapter({ info: { architecture: 'swiftshader', vendor: 'google' } }).software,
    ).toBe(true);
    expect(describeAdapter({ info: { isFallbackAdapter: true } }).software).toBe(true);
    expect(describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper' } }).software).toBe(
      false,
    );
  });

  it('probes to "no GPU" when navigator.gpu is absent, null or throws, and on a stuck adapter', async () => {
    expect(await probeWebGpu(undefined)).toEqual(NO_GPU);
    expect((await probeWebGpu({ requestAdapter: async () => null })).adapter).toBe(false);
    const failing = { requestAdapter: () => Promise.reject(new Error('driver')) };
    expect((await probeWebGpu(failing)).adapter).toBe(false);
    const stuck = { requestAdapter: () => new Promise(() => {}) };
    expect((await probeWebGpu(stuck, 20)).adapter).toBe(false);
  });
});

describe('pickBackend', () => {
  const hw = { adapter: true, software: false, description: 'gpu' };
  const sw = { adapter: true, software: true, description: 'swiftshader' };
  it('auto takes WebGPU only on a hardware adapter', () => {
    expect(pickBackend('auto', hw)).toBe('webgpu');
    expect(pickBackend('auto', sw)).toBe('wasm');
    expect(pickBackend('auto', NO_GPU)).toBe('wasm');
  });
  it('forced webgpu accepts a software adapter but fails typed without one', () => {
    expect(pickBackend('webgpu', sw)).toBe('webgpu');
    expect(() => pickBackend('webgpu', NO_GPU)).toThrow(InferenceError);
    try {
      pickBackend('webgpu', NO_GPU);
    } catch (e) {
      expect((e as InferenceError).code).toBe('backend-unavailable');
    }
  });
  it('forced wasm ignores the GPU', () => {
    expect(pickBackend('wasm', hw)).toBe('wasm');
  });
});
