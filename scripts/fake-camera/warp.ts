// Piecewise-affine warp: each destination triangle samples its source triangle.
import type { Triangle } from './delaunay';
import { cloneImage, sampleInto, type Image } from './image';

export interface WarpOptions {
  /** Painter's order (indices into triangles), far to near, so folded triangles overlap right. */
  order?: readonly number[];
  /**
   * Skip triangles whose three vertices moved less than this (px). The output starts as a copy
   * of `src`, so unmoved triangles are already correct; a blink only redraws the eyes.
   */
  stillEpsilon?: number;
}

/**
 * Warps `src` so that point i moves from `from[i]` to `to[i]` (flat x,y arrays, pixel units with
 * pixel centres at +0.5). Pixels outside every triangle keep the source value.
 */
export function warpTriangles(
  src: Image,
  from: ArrayLike<number>,
  to: ArrayLike<number>,
  triangles: readonly Triangle[],
  options: WarpOptions = {},
): Image {
  const out = cloneImage(src);
  const eps = options.stillEpsilon ?? 0.02;
  const order = options.order ?? triangles.map((_, i) => i);
  const { width, height } = src;
  for (const ti of order) {
    const [a, b, c] = triangles[ti]!;
    const ax = to[2 * a]!;
    const ay = to[2 * a + 1]!;
    const bx = to[2 * b]!;
    const by = to[2 * b + 1]!;
    const cx = to[2 * c]!;
    const cy = to[2 * c + 1]!;
    const sax = from[2 * a]!;
    const say = from[2 * a + 1]!;
    const sbx = from[2 * b]!;
    const sby = from[2 * b + 1]!;
    const scx = from[2 * c]!;
    const scy = from[2 * c + 1]!;
    if (
      Math.abs(ax - sax) + Math.abs(ay - say) < eps &&
      Math.abs(bx - sbx) + Math.abs(by - sby) < eps &&
      Math.abs(cx - scx) + Math.abs(cy - scy) < eps
    ) {
      continue;
    }
    const det = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    if (Math.abs(det) < 1e-6) continue; // collapsed (a closed eyelid): nothing to draw
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx, cx)));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy)));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by, cy)));
    // Small tolerance in barycentric space closes hairline seams between neighbours.
    const tol = -0.5 / Math.sqrt(Math.abs(det));
    for (let v = y0; v <= y1; v++) {
      const py = v + 0.5;
      for (let u = x0; u <= x1; u++) {
        const px = u + 0.5;
        const l1 = ((px - ax) * (cy - ay) - (py - ay) * (cx - ax)) / det;
        const l2 = ((bx - ax) * (py - ay) - (by - ay) * (px - ax)) / det;
        const l0 = 1 - l1 - l2;
        if (l0 < tol || l1 < tol || l2 < tol) continue;
        const sx = l0 * sax + l1 * sbx + l2 * scx - 0.5;
        const sy = l0 * say + l1 * sby + l2 * scy - 0.5;
        sampleInto(src, sx, sy, out.data, (v * width + u) * 4);
      }
    }
  }
  return out;
}

/** Fills a polygon (flat x,y) with `rgb` at `alpha`, edges 4× supersampled. */
export function fillPolygon(
  img: Image,
  poly: ArrayLike<number>,
  rgb: readonly [number, number, number],
  alpha = 1,
): void {
  const n = poly.length / 2;
  if (n < 3) return;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, poly[2 * i]!);
    maxX = Math.max(maxX, poly[2 * i]!);
    minY = Math.min(minY, poly[2 * i + 1]!);
    maxY = Math.max(maxY, poly[2 * i + 1]!);
  }
  const inside = (x: number, y: number): boolean => {
    let hit = false;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const xi = poly[2 * i]!;
      const yi = poly[2 * i + 1]!;
      const xj = poly[2 * j]!;
      const yj = poly[2 * j + 1]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  };
  const x0 = Math.max(0, Math.floor(minX));
  const x1 = Math.min(img.width - 1, Math.ceil(maxX));
  const y0 = Math.max(0, Math.floor(minY));
  const y1 = Math.min(img.height - 1, Math.ceil(maxY));
  for (let v = y0; v <= y1; v++) {
    for (let u = x0; u <= x1; u++) {
      let cover = 0;
      for (let s = 0; s < 4; s++) {
        if (inside(u + 0.25 + 0.5 * (s & 1), v + 0.25 + 0.5 * (s >> 1))) cover++;
      }
      if (cover === 0) continue;
      const a = (cover / 4) * alpha;
      const o = (v * img.width + u) * 4;
      for (let c = 0; c < 3; c++) img.data[o + c] = img.data[o + c]! * (1 - a) + rgb[c]! * a;
    }
  }
}
