import { describe, expect, it } from 'vitest';
import { createImage, decodeImage, type Image } from './image';
import { encodeJpegFast } from './jpeg';

/** A smooth gradient with a sharp-edged disc and some texture: what a face frame holds. */
function scene(width: number, height: number): Image {
  const img = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const inDisc = Math.hypot(x - width / 2, y - height / 2) < Math.min(width, height) / 4;
      img.data[o] = inDisc ? 224 : (255 * x) / width;
      img.data[o + 1] = inDisc ? 172 : (255 * y) / height;
      img.data[o + 2] = inDisc ? 140 : 128 + 60 * Math.sin(x / 5) * Math.sin(y / 7);
    }
  }
  return img;
}

function psnr(a: Image, b: Image): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      se += (a.data[i + c]! - b.data[i + c]!) ** 2;
      n++;
    }
  }
  return 10 * Math.log10((255 * 255) / (se / n));
}

describe('encodeJpegFast', () => {
  it('decodes (by an independent decoder) to the same picture, any size', () => {
    for (const [w, h] of [
      [640, 480],
      [37, 23],
      [8, 8],
      [1, 1],
    ] as const) {
      const src = scene(w, h);
      const back = decodeImage(encodeJpegFast(src, 90));
      expect([back.width, back.height]).toEqual([w, h]);
      // 4:2:0 chroma costs a little at colour edges (most in a tiny image); a broken coder is
      // far below 20 dB.
      expect(psnr(src, back), `${w}×${h}`).toBeGreaterThan(w > 8 ? 30 : 20);
    }
  });

  it('trades size for quality and survives 0xFF stuffing', () => {
    const src = scene(320, 240);
    const hi = encodeJpegFast(src, 95);
    const lo = encodeJpegFast(src, 30);
    expect(lo.length).toBeLessThan(hi.length);
    expect(psnr(src, decodeImage(lo))).toBeLessThan(psnr(src, decodeImage(hi)));
    // Noise produces many 0xFF bytes in the entropy-coded data.
    const noisy = createImage(64, 64);
    for (let i = 0; i < noisy.data.length; i++) if (i % 4 !== 3) noisy.data[i] = (i * 7919) % 256;
    expect(decodeImage(encodeJpegFast(noisy, 100)).width).toBe(64);
  });
});
