import { describe, expect, it } from 'vitest';
import { iou } from './box';

describe('iou', () => {
  const a = { x: 0, y: 0, width: 10, height: 10 };
  it('is 1 for the same box and 0 for disjoint or touching boxes', () => {
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x: 20, y: 0, width: 10, height: 10 })).toBe(0);
    expect(iou(a, { x: 10, y: 0, width: 10, height: 10 })).toBe(0);
  });
  it('is intersection over union for partial overlap, symmetric', () => {
    const b = { x: 5, y: 0, width: 10, height: 10 };
    expect(iou(a, b)).toBeCloseTo(50 / 150, 10);
    expect(iou(b, a)).toBeCloseTo(iou(a, b), 12);
  });
});
