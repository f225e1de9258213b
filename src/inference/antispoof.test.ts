import { describe, expect, it } from 'vitest';
import { antispoofCrop, antispoofInput, liveProbability } from './antispoof';

describe('antispoofCrop', () => {
  it('enlarges the box 2.7× around its centre when it fits', () => {
    const rect = antispoofCrop({ x: 300, y: 200, width: 40, height: 50 }, 640, 480);
    expect(rect).toEqual({ x: 266, y: 157, width: 108, height: 135 });
  });

  it('shifts the crop back inside the image near an edge instead of leaving it', () => {
    const rect = antispoofCrop({ x: 2, y: 2, width: 60, height: 60 }, 640, 480);
    expect(rect.x).toBe(0);
    expect(rect.y).toBe(0);
    expect(rect.width).toBe(162);
  });

  it('limits the scale so a large face still fits the image', () => {
    const rect = antispoofCrop({ x: 100, y: 50, width: 400, height: 400 }, 640, 480);
    expect(rect.x).toBeGreaterThanOrEqual(0);
    expect(rect.y).toBeGreaterThanOrEqual(0);
    expect(rect.x + rect.width).toBeLessThanOrEqual(640);
    expect(rect.y + rect.height).toBeLessThanOrEqual(480);
  });

  it('rejects empty, non-finite and outside boxes', () => {
    expect(() => antispoofCrop({ x: 0, y: 0, width: 0, height: 10 }, 100, 100)).toThrow(RangeError);
    expect(() => antispoofCrop({ x: NaN, y: 0, width: 5, height: 10 }, 100, 100)).toThrow(
      RangeError,
    );
    expect(() => antispoofCrop({ x: 200, y: 0, width: 5, height: 10 }, 100, 100)).toThrow(
      /outside/,
    );
  });
});

describe('antispoofInput', () => {
  it('gives a 3×128×128 raw-RGB planar tensor', () => {
    const width = 64;
    const height = 64;
    const data = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([10, 20, 30, 255], i * 4);
    const t = antispoofInput({ data, width, height }, { x: 20, y: 20, width: 20, height: 20 });
    expect(t.length).toBe(3 * 128 * 128);
    expect(t[0]).toBeCloseTo(10, 4);
    expect(t[128 * 128]).toBeCloseTo(20, 4);
    expect(t[2 * 128 * 128 + 500]).toBeCloseTo(30, 4);
  });
});

describe('liveProbability', () => {
  it('is the softmax of class 0', () => {
    expect(liveProbability([0, 0, 0])).toBeCloseTo(1 / 3, 6);
    expect(liveProbability([10, 0, 0])).toBeGreaterThan(0.99);
    expect(liveProbability([1000, 0, 0])).toBeCloseTo(1, 6); // no overflow
    expect(() => liveProbability([1])).toThrow(RangeError);
  });
});
