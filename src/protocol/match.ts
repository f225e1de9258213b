// 1:1 matching maths shared by the browser and the server. Pure.

import { VECTOR_LENGTH } from './payload';

/**
 * Cosine threshold for "same person" on fr_feature (512-d, 5-point ArcFace alignment), from
 * `npm run bench:accuracy` (docs/inference.md). Dev set, 105 pairs: genuine mean 0.70 (min
 * 0.54), impostor mean 0.00 (max 0.15); at 0.40 FAR 0/91 (< 3.3 % at 95 % confidence: too few
 * impostors to measure lower) and FRR 0/14. A 1,830-pair run (MODELS.md) put the best threshold
 * at 0.39–0.44, TAR 99.3 % at FAR 0.06 %.
 */
export const DEFAULT_THRESHOLD = 0.4;

/** Cosine similarity in [-1, 1]; vectors must have equal, non-zero length. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`vectors differ in length (${a.length} vs ${b.length}) or are empty`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (!(na > 0 && nb > 0) || !Number.isFinite(dot))
    throw new RangeError('vector has zero or non-finite norm');
  // Normalising here keeps the score correct even if a caller passes un-normalised vectors.
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}

/** L2-normalised mean of unit vectors (the centroid template / probe). */
export function centroid(vs: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(VECTOR_LENGTH);
  for (const v of vs) for (let i = 0; i < VECTOR_LENGTH; i++) out[i]! += v[i]!;
  let n = 0;
  for (let i = 0; i < VECTOR_LENGTH; i++) n += out[i]! * out[i]!;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < VECTOR_LENGTH; i++) out[i]! /= n;
  return out;
}

export interface Decision {
  match: boolean;
  score: number;
  threshold: number;
}

/** Same person when the score reaches the threshold. */
export function decide(score: number, threshold: number = DEFAULT_THRESHOLD): Decision {
  if (!Number.isFinite(score)) throw new RangeError('score must be a finite number');
  if (!Number.isFinite(threshold) || threshold < -1 || threshold > 1) {
    throw new RangeError('threshold must be within [-1, 1]');
  }
  return { match: score >= threshold, score, threshold };
}

/** Score and decision in one step. */
export function match(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  threshold = DEFAULT_THRESHOLD,
): Decision {
  return decide(cosine(a, b), threshold);
}
