import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { syntheticFace } from '../../src/liveness/testing/synthetic-face';
import { samplePeople } from '../../src/testing/photos';
import { createFaceModel, EYES, NEUTRAL, type EyeLid } from './face';
import { cloneImage, createImage, decodeImage, type Image } from './image';
import { lidSkin, paintLid } from './lids';
import { frameFromRect, renderPose } from './render';
import { fillPolygon } from './warp';

// The painted lid must make an open eye look shut: the eye opening turns from dark iris and
// lashes into even, skin-coloured lid with one dark lash line. Measured on a real eye (ava's
// right and left eye in @vladmandic/face-api's MIT sample3.jpg, framed as the kit frames her;
// the lid landmarks below are our landmarker's, rounded) and through renderPose on a geometric
// face.

const AVA_RECT = { x: 777.866, y: 85.854, width: 815.339, height: 611.505 };
/** Landmark index → [x, y] in the 640×480 frame (eye contours and creases only). */
const AVA_EYES: Record<number, [number, number]> = {
  7: [255.6, 184.3],
  27: [266.3, 171],
  28: [273.8, 173.7],
  29: [259.3, 171],
  30: [254.7, 173.3],
  33: [254.4, 181.9],
  56: [279.6, 178.5],
  133: [282.1, 191.6],
  144: [260.1, 188.1],
  145: [265.3, 190],
  153: [271, 191],
  154: [276.6, 191.4],
  155: [280.2, 191.7],
  157: [278, 183.9],
  158: [272.9, 180],
  159: [267, 178.1],
  160: [261.2, 178.2],
  161: [257.6, 179.5],
  163: [257.2, 186.1],
  173: [280.9, 188.6],
  190: [283.5, 186.3],
  246: [255.7, 180.8],
  247: [252.1, 176.6],
  249: [354.8, 203.8],
  257: [345.9, 185.9],
  258: [337.5, 185.5],
  259: [353.9, 188.6],
  260: [359.2, 192.8],
  263: [358.7, 202.2],
  286: [330.3, 187.9],
  362: [324.4, 199.5],
  373: [346.2, 204.9],
  374: [340, 204.2],
  380: [334.6, 202.8],
  381: [329.6, 201.1],
  382: [326.1, 200.3],
  384: [331.9, 194.4],
  385: [338.3, 192.7],
  386: [344.3, 193.2],
  387: [350.4, 195.5],
  388: [354.2, 198.2],
  390: [351, 204.6],
  398: [326.7, 197.5],
  414: [323.5, 193.8],
  466: [356.6, 200.3],
  467: [362.8, 197.6],
};

function landmarksOf(points: Record<number, [number, number]>): Float32Array {
  const lm = new Float32Array(478 * 3);
  for (const [i, [x, y]] of Object.entries(points)) lm.set([x, y, 0], 3 * Number(i));
  return lm;
}

const contour = (lm: ArrayLike<number>, idx: readonly number[]): Float32Array =>
  Float32Array.from(idx.flatMap((i) => [lm[3 * i]!, lm[3 * i + 1]!]));

function lidOf(lm: ArrayLike<number>, eye: 0 | 1, closed: number): EyeLid {
  const e = EYES[eye];
  const [outer, inner] = e.corners;
  return {
    eye,
    upper: contour(lm, [outer, ...e.upper, inner]),
    lower: contour(lm, [outer, ...e.lower, inner]),
    crease: contour(lm, [outer, ...e.crease.map(([r]) => r), inner]),
    closed,
  };
}

/**
 * Luminance of the pixels inside the open eye, from the upper lid down to `depth` of the way
 * to the lower one (0.6: the part a shut lid covers evenly, above its lash line).
 */
function eyeStats(img: Image, lid: EyeLid, depth = 1): { mean: number; sd: number } {
  const n = lid.upper.length / 2;
  const poly = [...lid.upper];
  for (let i = n - 2; i >= 1; i--) {
    for (const k of [0, 1]) {
      const u = lid.upper[2 * i + k]!;
      poly.push(u + depth * (lid.lower[2 * i + k]! - u));
    }
  }
  // Rasterise the polygon into a mask by filling it white on black.
  const mask = createImage(img.width, img.height);
  fillPolygon(mask, poly, [255, 255, 255]);
  const ys: number[] = [];
  for (let p = 0; p < img.width * img.height; p++) {
    if (mask.data[4 * p]! < 250) continue;
    const o = 4 * p;
    ys.push(0.299 * img.data[o]! + 0.587 * img.data[o + 1]! + 0.114 * img.data[o + 2]!);
  }
  const mean = ys.reduce((a, v) => a + v, 0) / ys.length;
  const sd = Math.sqrt(ys.reduce((a, v) => a + (v - mean) ** 2, 0) / ys.length);
  return { mean, sd };
}

const luma = ([r, g, b]: readonly number[]): number => 0.299 * r! + 0.587 * g! + 0.114 * b!;

describe('painted eyelids on a real eye (sample photo)', () => {
  const base = frameFromRect(decodeImage(readFileSync(samplePeople.ava().photo)), AVA_RECT);
  const lm = landmarksOf(AVA_EYES);

  it("samples the lid colour from the person's own upper lid", () => {
    for (const eye of [0, 1] as const) {
      const skin = lidSkin(base, lm, eye);
      const open = eyeStats(base, lidOf(lm, eye, 0));
      // Skin, not the eye: brighter than the opening's iris and lashes, a warm colour.
      expect(luma(skin)).toBeGreaterThan(open.mean + 15);
      expect(skin[0]).toBeGreaterThan(skin[2]);
      expect(lidSkin(base, lm, eye)).toBe(skin); // cached per frame
    }
  });

  it('covers the open eye with even lid skin when shut, and leaves it alone when open', () => {
    for (const eye of [0, 1] as const) {
      const skin = lidSkin(base, lm, eye);
      const before = eyeStats(base, lidOf(lm, eye, 0));
      const untouched = cloneImage(base);
      paintLid(untouched, lidOf(lm, eye, 0), skin);
      expect(untouched.data).toEqual(base.data);

      const shut = cloneImage(base);
      paintLid(shut, lidOf(lm, eye, 1), skin);
      const after = eyeStats(shut, lidOf(lm, eye, 0), 0.6);
      const open = eyeStats(base, lidOf(lm, eye, 0), 0.6);
      // The dark opening becomes lid: much brighter, close to the sampled skin, and far more
      // even above the lash line (the iris/sclera/lash contrast is gone).
      expect(after.mean - open.mean).toBeGreaterThan(25);
      expect(Math.abs(after.mean - luma(skin))).toBeLessThan(20);
      expect(after.sd).toBeLessThan(open.sd * 0.6);
      // Lash line included, the whole opening is still brighter than the open eye.
      expect(eyeStats(shut, lidOf(lm, eye, 0)).mean).toBeGreaterThan(before.mean + 8);
      // Partly closed: part of the opening painted, less than when shut.
      const changed = (img: Image): number => {
        let k = 0;
        for (let i = 0; i < img.data.length; i += 4) if (img.data[i] !== base.data[i]) k++;
        return k;
      };
      const half = cloneImage(base);
      paintLid(half, lidOf(lm, eye, 0.4), skin);
      expect(changed(half)).toBeGreaterThan(0);
      expect(changed(half)).toBeLessThan(changed(shut) * 0.9);
    }
  });

  it('draws a dark lash line along the shut lid', () => {
    const skin = lidSkin(base, lm, 0);
    const shut = cloneImage(base);
    paintLid(shut, lidOf(lm, 0, 1), skin);
    // Down the middle of the eye (between landmarks 159 and 145): the darkest pixel of the
    // column lies in the lower part of the opening and is well below the lid's skin.
    const x = Math.round((lm[3 * 159]! + lm[3 * 145]!) / 2);
    const top = Math.round(lm[3 * 159 + 1]!);
    const bottom = Math.round(lm[3 * 145 + 1]!) + 2;
    let darkest = { y: 0, v: Infinity };
    for (let y = top; y <= bottom; y++) {
      const o = (y * shut.width + x) * 4;
      const v = luma([shut.data[o]!, shut.data[o + 1]!, shut.data[o + 2]!]);
      if (v < darkest.v) darkest = { y, v };
    }
    expect(darkest.y).toBeGreaterThan((top + bottom) / 2);
    expect(darkest.v).toBeLessThan(luma(skin) * 0.7);
  });
});

describe('renderPose paints the closing lids', () => {
  // A geometric face on a high-contrast texture, eyes painted dark: warping alone turns the
  // texture above the eye into a striped lid; the painted lid is even.
  // The synthetic face places only the liveness signals' eye points; give it whole lid
  // contours (an almond between its eye corners) and a crease above.
  const lm = new Float32Array(syntheticFace().landmarks);
  for (const e of EYES) {
    const [outer, inner] = e.corners;
    const [ox, oy, ix, iy] = [
      lm[3 * outer]!,
      lm[3 * outer + 1]!,
      lm[3 * inner]!,
      lm[3 * inner + 1]!,
    ];
    const h = 0.18 * Math.hypot(ix - ox, iy - oy);
    e.upper.forEach((u, k) => {
      const f = (k + 1) / (e.upper.length + 1);
      const x = ox + f * (ix - ox);
      const y = oy + f * (iy - oy);
      const bulge = Math.sin(Math.PI * f);
      lm.set([x, y - h * bulge], 3 * u);
      lm.set([x, y + h * bulge], 3 * e.lower[k]!);
    });
    e.crease.forEach(([r, u]) => lm.set([lm[3 * u]!, lm[3 * u + 1]! - 1.2 * h], 3 * r));
  }
  const model = createFaceModel(lm, 640, 480);
  const base = createImage(640, 480);
  for (let y = 0; y < 480; y++) {
    for (let x = 0; x < 640; x++) {
      const v = (x >> 1) % 2 ? 225 : 150;
      base.data.set([v, v * 0.8, v * 0.7], (y * 640 + x) * 4);
    }
  }
  for (const eye of [0, 1] as const) {
    const lid = lidOf(model.landmarks, eye, 0);
    const n = lid.upper.length / 2;
    const poly = [...lid.upper];
    for (let i = n - 2; i >= 1; i--) poly.push(lid.lower[2 * i]!, lid.lower[2 * i + 1]!);
    fillPolygon(base, poly, [30, 25, 25]);
  }

  it('leaves open eyes as they are and shuts them evenly', () => {
    const open = renderPose(base, model, { ...NEUTRAL });
    const shut = renderPose(base, model, { ...NEUTRAL, eyeClosed: 1 });
    for (const eye of [0, 1] as const) {
      const region = lidOf(model.landmarks, eye, 0);
      const o = eyeStats(open, region);
      const s = eyeStats(shut, region, 0.6);
      expect(o.mean).toBeLessThan(40);
      expect(s.mean).toBeGreaterThan(120);
      // Even skin: the 150/225 stripes of the texture do not come through the lid.
      expect(s.sd).toBeLessThan(25);
    }
  });

  it('is deterministic', () => {
    const a = renderPose(base, model, { ...NEUTRAL, eyeClosed: 0.7, shiftX: 1.5 });
    const b = renderPose(base, model, { ...NEUTRAL, eyeClosed: 0.7, shiftX: 1.5 });
    expect(a.data).toEqual(b.data);
  });
});
