// Embedding pre/postprocessing for fr_feature.onnx (1×3×112×112 in, 512 floats out). Pure.
import { alignFace, ALIGNED_SIZE } from './align';
import type { RgbaImage } from './image';

export const EMBEDDING_SIZE = 512;
export const EMBED_INPUT_DIMS = [1, 3, ALIGNED_SIZE, ALIGNED_SIZE] as const;

export function embedInput(image: RgbaImage, points: ArrayLike<number>): Float32Array {
  return alignFace(image, points);
}

/** L2-normalised copy; a zero or non-finite output means the model misbehaved. */
export function l2normalize(values: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm))
    throw new RangeError('embedding has zero or non-finite norm');
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / norm;
  return out;
}
