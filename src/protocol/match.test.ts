import { describe, expect, it } from 'vitest';
import { cosine, decide, DEFAULT_THRESHOLD, match } from './match';

const unit = (values: number[]) => {
  const n = Math.hypot(...values);
  return Float32Array.from(values, (v) => v / n);
};

describe('cosine', () => {
  it('is 1 for identical, -1 for opposite and 0 for orthogonal vectors', () => {
    expect(cosine(unit([1, 2, 3]), unit([1, 2, 3]))).toBeCloseTo(1, 6);
    expect(cosine(unit([1, 2, 3]), unit([-1, -2, -3]))).toBeCloseTo(-1, 6);
    expect(cosine([1, 0], [0, 1])).toBe(0);
  });

  it('ignores vector length', () => {
    expect(cosine([3, 4], [6, 8])).toBeCloseTo(1, 9);
  });

  it('rejects mismatched, empty, zero and non-finite vectors', () => {
    expect(() => cosine([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => cosine([], [])).toThrow(RangeError);
    expect(() => cosine([0, 0], [1, 0])).toThrow(RangeError);
    expect(() => cosine([NaN, 1], [1, 0])).toThrow(RangeError);
  });
});

describe('decide', () => {
  it('accepts at and above the threshold, rejects below', () => {
    expect(decide(0.5, 0.5).match).toBe(true);
    expect(decide(0.4999, 0.5).match).toBe(false);
    expect(decide(0.9).match).toBe(true);
    expect(decide(0.1)).toEqual({ match: false, score: 0.1, threshold: DEFAULT_THRESHOLD });
  });

  it('rejects non-finite scores and thresholds outside [-1, 1]', () => {
    expect(() => decide(NaN)).toThrow(RangeError);
    expect(() => decide(0.5, 2)).toThrow(RangeError);
  });

  it('has a default threshold between impostor (~0) and genuine (~0.7) scores', () => {
    expect(DEFAULT_THRESHOLD).toBeGreaterThan(0.2);
    expect(DEFAULT_THRESHOLD).toBeLessThan(0.6);
  });

  it('match combines cosine and decide', () => {
    expect(match([1, 0], [1, 0.1]).match).toBe(true);
    expect(match([1, 0], [0, 1]).match).toBe(false);
  });
});
