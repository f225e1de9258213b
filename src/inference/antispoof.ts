// Passive anti-spoof preprocessing/postprocessing for fr_liveness.onnx. Pure: no DOM, no ORT.
// Mirrors faceplugin-face-recognition-js lib/fr_liveness.js: the face box is enlarged ×2.7
// around its centre, shifted back inside the image (the package's crop can leave the image
// near edges and throw; ours is clamped), resized to 128×128, raw 0–255 RGB planar input.
import type { Box } from '../liveness/types';
import { resampleToTensor, type RgbaImage } from './image';

export const ANTISPOOF_SIZE = 128;
export const ANTISPOOF_BOX_SCALE = 2.7;

/** Face box in source pixels: the landmarker's Box (liveness/types.ts owns it). */
export type { Box };

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The integer crop the model sees: box × scale, same centre, moved and clipped into the image. */
export function antispoofCrop(
  box: Box,
  imageWidth: number,
  imageHeight: number,
  boxScale = ANTISPOOF_BOX_SCALE,
): Rect {
  const values = [box.x, box.y, box.width, box.height];
  if (!values.every(Number.isFinite) || box.width <= 0 || box.height <= 0) {
    throw new RangeError('box must have finite coordinates and positive size');
  }
  // The box must overlap the image, otherwise the crop shows no face at all.
  if (
    box.x >= imageWidth ||
    box.y >= imageHeight ||
    box.x + box.width <= 0 ||
    box.y + box.height <= 0
  ) {
    throw new RangeError('box lies outside the image');
  }
  const scale = Math.min((imageHeight - 1) / box.height, (imageWidth - 1) / box.width, boxScale);
  const w = box.width * scale;
  const h = box.height * scale;
  let left = box.x + box.width / 2 - w / 2;
  let top = box.y + box.height / 2 - h / 2;
  left = Math.min(Math.max(left, 0), imageWidth - w);
  top = Math.min(Math.max(top, 0), imageHeight - h);
  const x = Math.max(0, Math.floor(left));
  const y = Math.max(0, Math.floor(top));
  return {
    x,
    y,
    width: Math.max(1, Math.min(Math.floor(w), imageWidth - x)),
    height: Math.max(1, Math.min(Math.floor(h), imageHeight - y)),
  };
}

/** 1×3×128×128 raw RGB tensor of the crop (bilinear, half-pixel centres like cv.resize). */
export function antispoofInput(image: RgbaImage, box: Box, out?: Float32Array): Float32Array {
  const rect = antispoofCrop(box, image.width, image.height);
  const sx = rect.width / ANTISPOOF_SIZE;
  const sy = rect.height / ANTISPOOF_SIZE;
  const map = (u: number, v: number) =>
    [rect.x + (u + 0.5) * sx - 0.5, rect.y + (v + 0.5) * sy - 0.5] as const;
  // Clamp to the crop's own edges as cv.resize on an ROI would (it reads the replicated border).
  const cropMap = (u: number, v: number) => {
    const [x, y] = map(u, v);
    return [
      Math.min(Math.max(x, rect.x), rect.x + rect.width - 1),
      Math.min(Math.max(y, rect.y), rect.y + rect.height - 1),
    ] as const;
  };
  return resampleToTensor(
    image,
    cropMap,
    { size: ANTISPOOF_SIZE, mean: 0, scale: 1, clampEdges: true },
    out,
  );
}

/** Probability of "live" from the model's 3 logits (softmax, index 0 = live). */
export function liveProbability(logits: ArrayLike<number>): number {
  if (logits.length < 2) throw new RangeError('anti-spoof output has fewer than 2 classes');
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return Math.exp(logits[0]! - max) / sum;
}
