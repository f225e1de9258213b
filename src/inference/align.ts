// 5-point similarity alignment onto the 112×112 ArcFace template. Pure: no DOM, no ORT.
import { resampleToTensor, type RgbaImage } from './image';

export const ALIGNED_SIZE = 112;

/** ArcFace reference points for a 112×112 crop: left eye, right eye, nose tip, mouth left, mouth right. */
export const ARCFACE_TEMPLATE: Float32Array = Float32Array.of(
  38.2946,
  51.6963,
  73.5318,
  51.5014,
  56.0252,
  71.7366,
  41.5493,
  92.3655,
  70.7299,
  92.2041,
);

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty (rotation + uniform scale + shift, no reflection). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * Least-squares similarity mapping `src` onto `dst` (Umeyama's solution restricted to 2-D
 * without reflection). Both hold n points as x0,y0,x1,y1,…. Throws RangeError on
 * malformed or degenerate input so callers can report a typed error.
 */
export function estimateSimilarity(
  src: ArrayLike<number>,
  dst: ArrayLike<number> = ARCFACE_TEMPLATE,
): Similarity {
  if (src.length !== dst.length || src.length < 4 || src.length % 2 !== 0) {
    throw new RangeError(
      `expected ${dst.length / 2} points (${dst.length} numbers), got ${src.length} numbers`,
    );
  }
  const n = src.length / 2;
  let sx = 0;
  let sy = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < n; i++) {
    const px = src[2 * i]!;
    const py = src[2 * i + 1]!;
    if (!Number.isFinite(px) || !Number.isFinite(py))
      throw new RangeError('points must be finite numbers');
    sx += px;
    sy += py;
    dx += dst[2 * i]!;
    dy += dst[2 * i + 1]!;
  }
  sx /= n;
  sy /= n;
  dx /= n;
  dy /= n;
  let norm = 0;
  let dot = 0;
  let cross = 0;
  for (let i = 0; i < n; i++) {
    const px = src[2 * i]! - sx;
    const py = src[2 * i + 1]! - sy;
    const qx = dst[2 * i]! - dx;
    const qy = dst[2 * i + 1]! - dy;
    norm += px * px + py * py;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
  }
  // Points closer together than a pixel cannot define a face.
  if (!(norm > 1e-6 * n)) throw new RangeError('points are degenerate (all at one spot)');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

export function applySimilarity(t: Similarity, x: number, y: number): [number, number] {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

export function invertSimilarity(t: Similarity): Similarity {
  const det = t.a * t.a + t.b * t.b;
  const a = t.a / det;
  const b = -t.b / det;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/**
 * Warps `image` so `points` (10 numbers, source pixels) land on the ArcFace template and returns
 * the 1×3×112×112 planar RGB tensor normalised as (x − 127) / 128, the embedding model's input.
 */
export function alignFace(
  image: RgbaImage,
  points: ArrayLike<number>,
  out?: Float32Array,
): Float32Array {
  const inverse = invertSimilarity(estimateSimilarity(points));
  const map = (u: number, v: number) => applySimilarity(inverse, u, v);
  return resampleToTensor(
    image,
    map,
    { size: ALIGNED_SIZE, mean: 127, scale: 128, clampEdges: false },
    out,
  );
}
