import { describe, expect, it } from 'vitest';
import { greyCrop, laplacianVariance, measureFrame, type RgbaPixels } from './frame-stats';
import { LivenessInputError } from './types';

function image(width: number, height: number, grey: (x: number, y: number) => number): RgbaPixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = grey(x, y);
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

/** Box blur of radius r applied to a grey pattern (a defocused camera, roughly). */
function blurred(pattern: (x: number, y: number) => number, r: number) {
  return (x: number, y: number): number => {
    let s = 0;
    let n = 0;
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++, n++) s += pattern(x + dx, y + dy);
    return s / n;
  };
}

const checker = (x: number, y: number): number => (((x >> 2) + (y >> 2)) % 2 ? 200 : 60);

describe('measureFrame', () => {
  it('measures mean luma and clipped fractions', () => {
    const s = measureFrame(image(64, 48, () => 100));
    expect(s.luminance).toBeCloseTo(100, 3);
    expect(s.darkFraction).toBe(0);
    expect(s.brightFraction).toBe(0);
    expect(s.sharpness).toBeCloseTo(0, 6);
    const half = measureFrame(image(64, 48, (x) => (x < 32 ? 0 : 255)));
    expect(half.darkFraction).toBeCloseTo(0.5, 1);
    expect(half.brightFraction).toBeCloseTo(0.5, 1);
  });

  it('weights channels as Rec. 601 luma', () => {
    const data = new Uint8ClampedArray(4 * 4 * 4);
    for (let i = 0; i < 16; i++) data.set([255, 0, 0, 255], i * 4);
    expect(measureFrame({ data, width: 4, height: 4 }).luminance).toBeCloseTo(0.299 * 255, 1);
  });

  it('measures only the region, clamped to the frame', () => {
    const img = image(100, 100, (x) => (x < 50 ? 20 : 220));
    expect(measureFrame(img, { x: 60, y: 10, width: 30, height: 30 }).luminance).toBeCloseTo(
      220,
      3,
    );
    expect(measureFrame(img, { x: -20, y: -20, width: 60, height: 60 }).luminance).toBeCloseTo(
      20,
      3,
    );
  });

  it('a sharp texture scores far higher than the same texture defocused', () => {
    const sharp = measureFrame(image(200, 200, checker)).sharpness;
    const soft = measureFrame(image(200, 200, blurred(checker, 3))).sharpness;
    expect(sharp).toBeGreaterThan(10 * soft);
  });

  it('downscales to the crop size so the score hardly depends on face size', () => {
    const small = greyCrop(image(300, 200, checker), undefined, 96);
    expect(Math.max(small.width, small.height)).toBe(96);
    const tiny = greyCrop(image(40, 30, checker), undefined, 96);
    expect(tiny.width).toBe(40); // never upscaled
  });

  it('throws typed errors on bad frames and regions', () => {
    const bad = (fn: () => unknown) => expect(fn).toThrow(LivenessInputError);
    bad(() => measureFrame({ data: new Uint8ClampedArray(10), width: 4, height: 4 }));
    bad(() => measureFrame({ data: new Uint8ClampedArray(0), width: 0, height: 0 }));
    bad(() =>
      measureFrame(
        image(10, 10, () => 0),
        { x: 50, y: 50, width: 5, height: 5 },
      ),
    );
    bad(() =>
      measureFrame(
        image(10, 10, () => 0),
        { x: Number.NaN, y: 0, width: 5, height: 5 },
      ),
    );
    bad(() => laplacianVariance([1, 2], 1, 2));
  });
});
