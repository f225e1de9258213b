import { describe, expect, it } from 'vitest';
import { fivePoints } from './fivepoints';
import { syntheticFace } from './testing/synthetic-face';
import { LivenessInputError } from './types';

describe('fivePoints', () => {
  it('returns the ArcFace order in image terms: image-left eye first', () => {
    const p = fivePoints(syntheticFace().landmarks);
    expect(p).toHaveLength(10);
    const [lx, ly, rx, ry, nx, ny, mlx, mly, mrx, mry] = Array.from(p) as number[];
    expect(lx).toBeLessThan(rx!);
    expect(mlx).toBeLessThan(mrx!);
    expect(ly).toBeCloseTo(ry!, 3);
    expect(ny).toBeGreaterThan(ly!);
    expect(mly).toBeGreaterThan(ny!);
    expect(mry).toBeCloseTo(mly!, 3);
    expect(nx).toBeCloseTo((lx! + rx!) / 2, 3);
  });

  it('uses the iris centres when present, eye-corner means without them', () => {
    const f = syntheticFace();
    const lm = f.landmarks.slice();
    lm[468 * 3] += 3; // move the image-left iris centre
    expect(fivePoints(lm)[0]).toBeCloseTo(f.landmarks[468 * 3]! + 3, 3);
    const mesh = f.landmarks.slice(0, 468 * 3);
    const corners = (f.landmarks[33 * 3]! + f.landmarks[133 * 3]!) / 2;
    expect(fivePoints(mesh)[0]).toBeCloseTo(corners, 3);
  });

  it('throws a typed error on bad input', () => {
    expect(() => fivePoints(new Float32Array(10))).toThrow(LivenessInputError);
    const lm = syntheticFace().landmarks.slice();
    lm[1] = Number.NaN;
    expect(() => fivePoints(lm)).toThrow(LivenessInputError);
  });
});
