// Bowyer–Watson Delaunay triangulation. O(n²) is fine for ~550 points, computed once per clip.

export type Triangle = readonly [number, number, number];

/**
 * Triangulates points given as a flat [x0, y0, x1, y1, …] array. Returns index triples in
 * counter-clockwise order (y down). Duplicate points are dropped from the result.
 */
export function delaunay(points: ArrayLike<number>): Triangle[] {
  const n = points.length / 2;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const span = Math.max(maxX - minX, maxY - minY, 1) * 1000;
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  // Super-triangle vertices are indices n, n+1, n+2.
  const px = new Float64Array(n + 3);
  const py = new Float64Array(n + 3);
  for (let i = 0; i < n; i++) {
    px[i] = points[2 * i]!;
    py[i] = points[2 * i + 1]!;
  }
  px[n] = cx - span;
  py[n] = cy - span;
  px[n + 1] = cx + span;
  py[n + 1] = cy - span;
  px[n + 2] = cx;
  py[n + 2] = cy + span;

  interface Tri {
    a: number;
    b: number;
    c: number;
    ccx: number;
    ccy: number;
    r2: number;
  }
  const make = (a: number, b: number, c: number): Tri => {
    const ax = px[a]!;
    const ay = py[a]!;
    const bx = px[b]!;
    const by = py[b]!;
    const qx = px[c]!;
    const qy = py[c]!;
    const d = 2 * (ax * (by - qy) + bx * (qy - ay) + qx * (ay - by));
    // Collinear: an infinite circle, so the next point always replaces it.
    if (Math.abs(d) < 1e-12) return { a, b, c, ccx: 0, ccy: 0, r2: Infinity };
    const a2 = ax * ax + ay * ay;
    const b2 = bx * bx + by * by;
    const c2 = qx * qx + qy * qy;
    const ccx = (a2 * (by - qy) + b2 * (qy - ay) + c2 * (ay - by)) / d;
    const ccy = (a2 * (qx - bx) + b2 * (ax - qx) + c2 * (bx - ax)) / d;
    return { a, b, c, ccx, ccy, r2: (ax - ccx) ** 2 + (ay - ccy) ** 2 };
  };

  let tris: Tri[] = [make(n, n + 1, n + 2)];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const x = px[i]!;
    const y = py[i]!;
    const key = `${x.toFixed(3)},${y.toFixed(3)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const bad: Tri[] = [];
    const keep: Tri[] = [];
    for (const t of tris) {
      const d2 = (x - t.ccx) ** 2 + (y - t.ccy) ** 2;
      (d2 < t.r2 * (1 + 1e-9) ? bad : keep).push(t);
    }
    // Boundary of the cavity: edges that belong to exactly one bad triangle.
    const edges = new Map<string, [number, number]>();
    for (const t of bad) {
      for (const [u, v] of [
        [t.a, t.b],
        [t.b, t.c],
        [t.c, t.a],
      ] as const) {
        const k = u < v ? `${u}:${v}` : `${v}:${u}`;
        if (edges.has(k)) edges.delete(k);
        else edges.set(k, [u, v]);
      }
    }
    for (const [u, v] of edges.values()) keep.push(make(u, v, i));
    tris = keep;
  }
  const out: Triangle[] = [];
  for (const t of tris) {
    if (t.a >= n || t.b >= n || t.c >= n) continue;
    const cross =
      (px[t.b]! - px[t.a]!) * (py[t.c]! - py[t.a]!) - (py[t.b]! - py[t.a]!) * (px[t.c]! - px[t.a]!);
    if (Math.abs(cross) < 1e-9) continue;
    out.push(cross > 0 ? [t.a, t.b, t.c] : [t.a, t.c, t.b]);
  }
  return out;
}
