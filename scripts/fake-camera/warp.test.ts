import { describe, expect, it } from 'vitest';
import { normalizeSteps, timeline, TURN_DEG } from './actions';
import { delaunay } from './delaunay';
import { createImage, type Image } from './image';
import { fillPolygon, warpTriangles } from './warp';

function checker(w: number, h: number): Image {
  const img = createImage(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = ((x >> 3) + (y >> 3)) % 2 ? 230 : 20;
      img.data.set([v, x * 2, y * 2, 255], (y * w + x) * 4);
    }
  }
  return img;
}

const px = (img: Image, x: number, y: number): number[] =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));

describe('delaunay', () => {
  it('triangulates a (co-circular) grid into 2 triangles per cell, all counter-clockwise', () => {
    const pts: number[] = [];
    for (let y = 0; y <= 4; y++) for (let x = 0; x <= 4; x++) pts.push(x * 10, y * 10);
    const tris = delaunay(pts);
    expect(tris).toHaveLength(32);
    for (const [a, b, c] of tris) {
      const cross =
        (pts[2 * b]! - pts[2 * a]!) * (pts[2 * c + 1]! - pts[2 * a + 1]!) -
        (pts[2 * b + 1]! - pts[2 * a + 1]!) * (pts[2 * c]! - pts[2 * a]!);
      expect(cross).toBeGreaterThan(0);
    }
  });

  it('covers the convex hull exactly (areas add up) on random points', () => {
    let s = 7;
    const rnd = (): number => ((s = (s * 16807) % 2147483647) / 2147483647) * 100;
    const pts = [0, 0, 100, 0, 100, 100, 0, 100];
    for (let i = 0; i < 300; i++) pts.push(rnd(), rnd());
    const area = delaunay(pts).reduce((sum, [a, b, c]) => {
      const cross =
        (pts[2 * b]! - pts[2 * a]!) * (pts[2 * c + 1]! - pts[2 * a + 1]!) -
        (pts[2 * b + 1]! - pts[2 * a + 1]!) * (pts[2 * c]! - pts[2 * a]!);
      return sum + cross / 2;
    }, 0);
    expect(area).toBeCloseTo(10000, 3);
  });
});

describe('piecewise-affine warp', () => {
  const w = 64;
  const h = 48;
  const src = checker(w, h);
  const from = [0, 0, w, 0, w, h, 0, h, 32, 24];
  const tris = delaunay(from);

  it('is the identity when nothing moves', () => {
    const out = warpTriangles(src, from, from, tris);
    expect(out.data).toEqual(src.data);
  });

  it('moves the content with the control point', () => {
    const to = [...from];
    to[8] = 40; // centre point 8 px to the right
    const out = warpTriangles(src, from, to, tris, { stillEpsilon: 0 });
    // The source pixel at the centre is now found 8 px to the right.
    const a = px(src, 31, 24);
    const b = px(out, 39, 24);
    for (let c = 0; c < 3; c++) expect(Math.abs(a[c]! - b[c]!)).toBeLessThanOrEqual(40);
    // Corners are anchors: unchanged up to resampling rounding.
    for (const [x, y] of [
      [1, 1],
      [w - 2, h - 2],
    ] as const) {
      const d = px(out, x, y).map((v, c) => Math.abs(v - px(src, x, y)[c]!));
      expect(Math.max(...d)).toBeLessThanOrEqual(2);
    }
  });

  it('maps an affine motion of all points exactly (up to bilinear rounding)', () => {
    const to = from.map((v, i) => (i % 2 === 0 ? v * 0.5 + 10 : v * 0.5 + 5));
    const out = warpTriangles(src, from, to, tris, { stillEpsilon: 0 });
    // Destination (10 + x/2, 5 + y/2) samples source (x, y); check the green channel = 2x.
    const g = px(out, 30, 20)[1]!;
    expect(Math.abs(g - 2 * ((30.5 - 10) * 2 - 0.5))).toBeLessThanOrEqual(3);
  });

  it('fills polygons with coverage-weighted colour', () => {
    const img = createImage(20, 20, [255, 255, 255]);
    fillPolygon(img, [5, 5, 15, 5, 15, 15, 5, 15], [0, 0, 0]);
    expect(px(img, 10, 10)).toEqual([0, 0, 0]);
    expect(px(img, 2, 2)).toEqual([255, 255, 255]);
  });
});

describe('action scripts', () => {
  it('expands names with default durations and rejects unknown ones', () => {
    expect(normalizeSteps(['blink', { action: 'neutral', ms: 200 }])).toEqual([
      { action: 'blink', ms: 450 },
      { action: 'neutral', ms: 200 },
    ]);
    // @ts-expect-error unknown action
    expect(() => normalizeSteps(['wave'])).toThrow(/unknown action/);
  });

  it('produces each action at its peak within its slot', () => {
    const poses = timeline(
      [{ action: 'neutral', ms: 500 }, 'blink', 'open-mouth', 'turn-left', 'turn-right'],
      30,
      false,
    );
    const peak = (name: string, key: 'eyeClosed' | 'mouthOpen' | 'yaw'): number =>
      Math.max(...poses.filter((p) => p.action === name).map((p) => Math.abs(p[key])));
    expect(peak('neutral', 'eyeClosed')).toBe(0);
    expect(peak('blink', 'eyeClosed')).toBe(1);
    expect(peak('open-mouth', 'mouthOpen')).toBe(1);
    expect(peak('turn-left', 'yaw')).toBeCloseTo(TURN_DEG);
    expect(
      Math.max(...poses.filter((p) => p.action === 'turn-left').map((p) => p.yaw)),
    ).toBeGreaterThan(0);
    expect(
      Math.min(...poses.filter((p) => p.action === 'turn-right').map((p) => p.yaw)),
    ).toBeLessThan(0);
    // Actions return to neutral at their end, so the next one starts from rest.
    const lastLeft = poses.filter((p) => p.action === 'turn-left').at(-1)!;
    expect(Math.abs(lastLeft.yaw)).toBeLessThan(1);
    expect(poses).toHaveLength(Math.round(((500 + 450 + 1300 + 1700 + 1700) / 1000) * 30));
  });
});
