// Pure pixel statistics of a camera frame (or of the face region in it) for quality
// guidance: brightness, clipping, sharpness. No DOM: callers pass RGBA bytes (ImageData-like).
import { LivenessInputError, type Box } from './types';

/** RGBA pixels, 4 bytes per pixel, row-major (what `ImageData` holds). */
export interface RgbaPixels {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

export interface FrameStats {
  /** Mean luma (Rec. 601), 0–255, over the measured region. */
  luminance: number;
  /** Fraction of the region's pixels at or below `darkLevel` (crushed blacks). */
  darkFraction: number;
  /** Fraction of the region's pixels at or above `brightLevel` (blown highlights). */
  brightFraction: number;
  /**
   * Variance of the 4-neighbour Laplacian of the grey region downscaled to at most
   * `sharpnessSize` px on its long side. Higher = sharper; scale-independent enough to
   * threshold for faces of different sizes.
   */
  sharpness: number;
}

export interface FrameStatsOptions {
  /** Long side of the grey crop used for every statistic (default 96). */
  sharpnessSize?: number;
  /** Luma at or below which a pixel counts as clipped dark (default 16). */
  darkLevel?: number;
  /** Luma at or above which a pixel counts as clipped bright (default 250). */
  brightLevel?: number;
}

function checkPixels(img: RgbaPixels): void {
  if (
    img == null ||
    !Number.isInteger(img.width) ||
    !Number.isInteger(img.height) ||
    img.width <= 0 ||
    img.height <= 0
  ) {
    throw new LivenessInputError('bad-frame', 'frame width and height must be positive integers');
  }
  if (img.data == null || img.data.length !== img.width * img.height * 4) {
    throw new LivenessInputError(
      'bad-frame',
      `frame data must hold width*height*4 = ${img.width * img.height * 4} bytes`,
    );
  }
}

/** Integer pixel rectangle of `region` clamped to the image. */
function clampRegion(img: RgbaPixels, region: Box | undefined) {
  if (region === undefined) return { x0: 0, y0: 0, x1: img.width, y1: img.height };
  const vals = [region.x, region.y, region.width, region.height];
  if (!vals.every(Number.isFinite)) {
    throw new LivenessInputError('bad-frame', 'region must have finite x, y, width, height');
  }
  const x0 = Math.max(0, Math.floor(region.x));
  const y0 = Math.max(0, Math.floor(region.y));
  const x1 = Math.min(img.width, Math.ceil(region.x + region.width));
  const y1 = Math.min(img.height, Math.ceil(region.y + region.height));
  if (x1 - x0 < 2 || y1 - y0 < 2) {
    throw new LivenessInputError('bad-frame', 'region lies outside the frame or is too small');
  }
  return { x0, y0, x1, y1 };
}

/**
 * Grey (luma) image of `region`, area-averaged down to at most `maxSide` px on its long side
 * (never upscaled). Returns the grey values and their size.
 */
export function greyCrop(
  img: RgbaPixels,
  region?: Box,
  maxSide = 96,
): { grey: Float32Array; width: number; height: number } {
  checkPixels(img);
  if (!(maxSide >= 3)) throw new LivenessInputError('bad-options', 'maxSide must be >= 3');
  const { x0, y0, x1, y1 } = clampRegion(img, region);
  const cw = x1 - x0;
  const ch = y1 - y0;
  const scale = Math.min(1, maxSide / Math.max(cw, ch));
  const w = Math.max(1, Math.round(cw * scale));
  const h = Math.max(1, Math.round(ch * scale));
  const sum = new Float32Array(w * h);
  const cnt = new Uint32Array(w * h);
  const d = img.data;
  for (let y = y0; y < y1; y++) {
    const oy = Math.min(h - 1, Math.floor(((y - y0) * h) / ch));
    let p = (y * img.width + x0) * 4;
    for (let x = x0; x < x1; x++, p += 4) {
      const o = oy * w + Math.min(w - 1, Math.floor(((x - x0) * w) / cw));
      sum[o]! += 0.299 * d[p]! + 0.587 * d[p + 1]! + 0.114 * d[p + 2]!;
      cnt[o]!++;
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / Math.max(1, cnt[i]!);
  return { grey: sum, width: w, height: h };
}

/** Variance of the 4-neighbour Laplacian over the interior of a grey image. */
export function laplacianVariance(grey: ArrayLike<number>, width: number, height: number): number {
  if (grey.length !== width * height || width < 3 || height < 3) {
    throw new LivenessInputError('bad-frame', 'grey image must be at least 3x3 and match its size');
  }
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const l = 4 * grey[i]! - grey[i - 1]! - grey[i + 1]! - grey[i - width]! - grey[i + width]!;
      s += l;
      s2 += l * l;
      n++;
    }
  }
  const mean = s / n;
  return Math.max(0, s2 / n - mean * mean);
}

/** Brightness, clipping and sharpness of `region` (default: the whole frame). */
export function measureFrame(
  img: RgbaPixels,
  region?: Box,
  options: FrameStatsOptions = {},
): FrameStats {
  const size = options.sharpnessSize ?? 96;
  const darkLevel = options.darkLevel ?? 16;
  const brightLevel = options.brightLevel ?? 250;
  const { grey, width, height } = greyCrop(img, region, size);
  let sum = 0;
  let dark = 0;
  let bright = 0;
  for (let i = 0; i < grey.length; i++) {
    const v = grey[i]!;
    sum += v;
    if (v <= darkLevel) dark++;
    if (v >= brightLevel) bright++;
  }
  const n = grey.length;
  return {
    luminance: sum / n,
    darkFraction: dark / n,
    brightFraction: bright / n,
    sharpness: width >= 3 && height >= 3 ? laplacianVariance(grey, width, height) : 0,
  };
}
