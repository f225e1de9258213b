import { describe, expect, it } from 'vitest';
import {
  alignFace,
  applySimilarity,
  ARCFACE_TEMPLATE,
  estimateSimilarity,
  invertSimilarity,
} from './align';

/** Template points moved by a known similarity: scale s, angle θ, shift (tx, ty). */
function transformed(s: number, theta: number, tx: number, ty: number): Float32Array {
  const out = new Float32Array(10);
  for (let i = 0; i < 5; i++) {
    const x = ARCFACE_TEMPLATE[2 * i]!;
    const y = ARCFACE_TEMPLATE[2 * i + 1]!;
    out[2 * i] = s * (Math.cos(theta) * x - Math.sin(theta) * y) + tx;
    out[2 * i + 1] = s * (Math.sin(theta) * x + Math.cos(theta) * y) + ty;
  }
  return out;
}

describe('estimateSimilarity', () => {
  it('is the identity for the template itself', () => {
    const t = estimateSimilarity(ARCFACE_TEMPLATE);
    expect(t.a).toBeCloseTo(1, 6);
    expect(t.b).toBeCloseTo(0, 6);
    expect(t.tx).toBeCloseTo(0, 4);
    expect(t.ty).toBeCloseTo(0, 4);
  });

  it('recovers a known scale, rotation and shift exactly', () => {
    const src = transformed(3.2, 0.4, 210, -35);
    const t = estimateSimilarity(src);
    for (let i = 0; i < 5; i++) {
      const [x, y] = applySimilarity(t, src[2 * i]!, src[2 * i + 1]!);
      expect(x).toBeCloseTo(ARCFACE_TEMPLATE[2 * i]!, 3);
      expect(y).toBeCloseTo(ARCFACE_TEMPLATE[2 * i + 1]!, 3);
    }
    // Scale of the map is 1 / 3.2, angle −0.4.
    expect(Math.hypot(t.a, t.b)).toBeCloseTo(1 / 3.2, 6);
    expect(Math.atan2(t.b, t.a)).toBeCloseTo(-0.4, 6);
  });

  it('is the least-squares fit under noise (residual below the noise level)', () => {
    const src = transformed(2, -0.2, 50, 80);
    const noise = [0.8, -0.5, -0.3, 0.9, 0.1, -0.7, 0.6, 0.2, -0.9, -0.4];
    noise.forEach((n, i) => (src[i] = src[i]! + n));
    const t = estimateSimilarity(src);
    let worst = 0;
    for (let i = 0; i < 5; i++) {
      const [x, y] = applySimilarity(t, src[2 * i]!, src[2 * i + 1]!);
      worst = Math.max(
        worst,
        Math.hypot(x - ARCFACE_TEMPLATE[2 * i]!, y - ARCFACE_TEMPLATE[2 * i + 1]!),
      );
    }
    expect(worst).toBeLessThan(1);
  });

  it('round-trips through its inverse', () => {
    const t = estimateSimilarity(transformed(0.5, 1.1, -3, 7));
    const [x, y] = applySimilarity(invertSimilarity(t), ...applySimilarity(t, 12.5, -4));
    expect(x).toBeCloseTo(12.5, 6);
    expect(y).toBeCloseTo(-4, 6);
  });

  it('rejects a wrong point count, non-finite and degenerate points', () => {
    expect(() => estimateSimilarity(new Float32Array(8))).toThrow(/expected 5 points/);
    expect(() => estimateSimilarity(new Float32Array(12))).toThrow(RangeError);
    expect(() => estimateSimilarity(Float32Array.of(1, 2, NaN, 4, 5, 6, 7, 8, 9, 10))).toThrow(
      /finite/,
    );
    expect(() => estimateSimilarity(new Float32Array(10).fill(5))).toThrow(/degenerate/);
  });
});

describe('alignFace', () => {
  it('warps marked pixels onto the template and normalises as (x − 127) / 128', () => {
    const width = 400;
    const height = 300;
    const data = new Uint8ClampedArray(width * height * 4).fill(127);
    const src = transformed(2.5, 0.3, 120, 20);
    // A bright 5×5 square around each source point.
    for (let i = 0; i < 5; i++) {
      const cx = Math.round(src[2 * i]!);
      const cy = Math.round(src[2 * i + 1]!);
      for (let y = cy - 2; y <= cy + 2; y++) {
        for (let x = cx - 2; x <= cx + 2; x++)
          data.fill(255, (y * width + x) * 4, (y * width + x) * 4 + 3);
      }
    }
    const tensor = alignFace({ data, width, height }, src);
    expect(tensor.length).toBe(3 * 112 * 112);
    for (let i = 0; i < 5; i++) {
      const u = Math.round(ARCFACE_TEMPLATE[2 * i]!);
      const v = Math.round(ARCFACE_TEMPLATE[2 * i + 1]!);
      expect(tensor[v * 112 + u]).toBeCloseTo(1, 1); // (255 − 127) / 128
    }
    expect(tensor[5 * 112 + 5]).toBeCloseTo(0, 5); // background 127 → 0
  });

  it('reads outside pixels as black (model sees −127/128 there)', () => {
    const width = 20;
    const height = 20;
    const data = new Uint8ClampedArray(width * height * 4).fill(200);
    const tensor = alignFace({ data, width, height }, transformed(1, 0, -30, -30));
    expect(tensor[0]).toBeCloseTo(-127 / 128, 5);
  });
});
