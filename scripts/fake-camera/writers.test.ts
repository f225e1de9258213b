import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createImage, type Image } from './image';
import {
  createMjpegWriter,
  createY4mWriter,
  limitedYuvToRgb,
  rgbaToI420,
  toLimitedRangeRgb,
} from './writers';

const dir = mkdtempSync(join(tmpdir(), 'fv-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SWATCHES: [number, number, number][] = [
  [0, 0, 0],
  [255, 255, 255],
  [200, 40, 30],
  [30, 160, 60],
  [40, 70, 210],
  [224, 172, 140], // skin tone
];

/** 96×16 strip of 16×16 swatches. */
function chart(): Image {
  const img = createImage(16 * SWATCHES.length, 16);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < img.width; x++) {
      const c = SWATCHES[Math.floor(x / 16)]!;
      img.data.set([...c, 255], (y * img.width + x) * 4);
    }
  }
  return img;
}

describe('y4m writer', () => {
  it('writes the header, FRAME tags and limited-range I420 planes', () => {
    const path = join(dir, 'a.y4m');
    const w = createY4mWriter(path, { width: 96, height: 16, fps: 15 });
    w.write(chart());
    w.write(chart());
    w.close();
    const bytes = readFileSync(path);
    const header = 'YUV4MPEG2 W96 H16 F15:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n';
    expect(bytes.subarray(0, header.length).toString()).toBe(header);
    const frame = (96 * 16 * 3) / 2;
    expect(bytes.length).toBe(header.length + 2 * (6 + frame));
    expect(w.frames).toBe(2);
    const y = bytes.subarray(header.length + 6, header.length + 6 + 96 * 16);
    expect(y[0]).toBe(16); // black → Y 16, not 0
    expect(y[16]).toBe(235); // white → Y 235, not 255
  });

  it('round-trips colours within a few levels', () => {
    const yuv = rgbaToI420(chart());
    const w = 96;
    const uOff = w * 16;
    const vOff = uOff + (w * 16) / 4;
    SWATCHES.forEach((rgb, k) => {
      const x = k * 16 + 8;
      const back = limitedYuvToRgb(
        yuv[8 * w + x]!,
        yuv[uOff + 4 * 48 + x / 2]!,
        yuv[vOff + 4 * 48 + x / 2]!,
      );
      for (let c = 0; c < 3; c++) expect(Math.abs(back[c]! - rgb[c]!)).toBeLessThanOrEqual(3);
    });
  });

  it('rejects frames of the wrong size and odd dimensions', () => {
    const w = createY4mWriter(join(dir, 'b.y4m'), { width: 96, height: 16 });
    expect(() => w.write(createImage(10, 10))).toThrow(/clip is 96×16/);
    w.close();
    expect(() => rgbaToI420(createImage(3, 2))).toThrow(/even/);
  });
});

describe('mjpeg writer', () => {
  it('writes one complete JPEG per frame, back to back', () => {
    const path = join(dir, 'a.mjpeg');
    const w = createMjpegWriter(path, { width: 96, height: 16 });
    for (let i = 0; i < 3; i++) w.write(chart());
    w.close();
    const bytes = readFileSync(path);
    const soi: number[] = [];
    for (let i = 0; i + 1 < bytes.length; i++) {
      if (bytes[i] === 0xff && bytes[i + 1] === 0xd8) soi.push(i);
    }
    expect(soi).toHaveLength(3);
    expect(soi[0]).toBe(0);
    expect(bytes[bytes.length - 2]).toBe(0xff);
    expect(bytes[bytes.length - 1]).toBe(0xd9);
    expect(w.bytes).toBe(bytes.length);
  });

  it('encodes limited range: a limited-range decode gives the true colours back', () => {
    const path = join(dir, 'b.mjpeg');
    const w = createMjpegWriter(path, { width: 96, height: 16, quality: 95 });
    w.write(chart());
    w.close();
    // Decode the JPEG to its raw YCbCr (no colour transform), then read it as limited range.
    const raw = jpeg.decode(readFileSync(path), { useTArray: true, colorTransform: false });
    SWATCHES.forEach((rgb, k) => {
      const o = (8 * 96 + k * 16 + 8) * 4;
      const back = limitedYuvToRgb(raw.data[o]!, raw.data[o + 1]!, raw.data[o + 2]!);
      for (let c = 0; c < 3; c++) expect(Math.abs(back[c]! - rgb[c]!)).toBeLessThanOrEqual(6);
    });
    // And the full-range (JFIF) reading of the same file is visibly compressed towards grey.
    expect(raw.data[(8 * 96 + 8) * 4]).toBeGreaterThanOrEqual(14); // black stored as Y≈16
  });

  it('keeps luma ordering when pre-compressing to limited range', () => {
    const lim = toLimitedRangeRgb(chart());
    const at = (k: number): number => lim.data[(8 * 96 + k * 16 + 8) * 4 + 1]!;
    expect(at(0)).toBeGreaterThan(10); // black lifted to 16
    expect(at(1)).toBeLessThan(240); // white pulled to 235
  });
});
