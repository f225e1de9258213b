// The closed eyelid, painted. face.ts closes the eye geometrically (upper lid landmarks onto the
// lower ones) and warp.ts squeezes the photo's texture to follow, but a small, dark or
// bespectacled eye squeezed is still a dark slit with lashes: our landmarker keeps reading it as
// open, and the blink never shows. So, like the mouth interior, the lid is painted: this
// person's own upper-lid skin over the eye opening, down to where the lid has come, blended by
// the closure, with feathered edges and a soft lash line along the lid's edge.
import { EYES, type EyeLid } from './face';
import type { Image } from './image';

type Rgb = readonly [number, number, number];

const skinCache = new WeakMap<Image, Map<string, Rgb>>();

/**
 * The skin colour of one upper lid in the neutral frame (the photo's landmarks, 478 × x,y,z): pixels on the band between the lid and
 * the crease, away from the lashes, ranked by luminance and averaged between the 60th and 92nd
 * percentile (lashes, liner, glasses frames and shadow below; glare and lens reflections
 * above). Cached per frame and eye: the same colour for every frame of a clip.
 */
export function lidSkin(base: Image, landmarks: ArrayLike<number>, eye: 0 | 1): Rgb {
  const key = `${eye}:${landmarks[0]}:${landmarks[1]}`;
  let byFace = skinCache.get(base);
  const hit = byFace?.get(key);
  if (hit) return hit;
  const lm = landmarks;
  const samples: [number, number, number, number][] = [];
  for (const [c, u] of EYES[eye].crease) {
    const ux = lm[3 * u]!;
    const uy = lm[3 * u + 1]!;
    const cx = lm[3 * c]!;
    const cy = lm[3 * c + 1]!;
    for (let f = 0.4; f <= 1.0001; f += 0.1) {
      const x0 = Math.round(ux + f * (cx - ux));
      const y0 = Math.round(uy + f * (cy - uy));
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = x0 + dx;
          const y = y0 + dy;
          if (x < 0 || y < 0 || x >= base.width || y >= base.height) continue;
          const o = (y * base.width + x) * 4;
          const r = base.data[o]!;
          const g = base.data[o + 1]!;
          const b = base.data[o + 2]!;
          samples.push([0.299 * r + 0.587 * g + 0.114 * b, r, g, b]);
        }
      }
    }
  }
  samples.sort((a, b) => a[0] - b[0]);
  const from = Math.floor(samples.length * 0.6);
  const to = Math.max(from + 1, Math.floor(samples.length * 0.92));
  const sum = [0, 0, 0];
  let n = 0;
  for (let i = from; i < Math.min(to, samples.length); i++) {
    for (let k = 0; k < 3; k++) sum[k]! += samples[i]![k + 1]!;
    n++;
  }
  const skin: Rgb = n ? [sum[0]! / n, sum[1]! / n, sum[2]! / n] : [170, 130, 110];
  if (!byFace) skinCache.set(base, (byFace = new Map()));
  byFace.set(key, skin);
  return skin;
}

const smoothstep = (e0: number, e1: number, x: number): number => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** Offset across the eye axis of a contour at position s along it (0 outside its span). */
function across(ss: Float32Array, ts: Float32Array, s: number): number {
  for (let i = 0; i + 1 < ss.length; i++) {
    const a = ss[i]!;
    const b = ss[i + 1]!;
    if ((s >= a && s <= b) || (s <= a && s >= b)) {
      return a === b ? ts[i]! : ts[i]! + ((s - a) / (b - a)) * (ts[i + 1]! - ts[i]!);
    }
  }
  return 0;
}

/**
 * Paints one closing lid in place. Works in the eye's own frame (s along the corner-to-corner
 * axis, t across it, lower lid positive), so a tilted head paints a tilted lid. The lid covers
 * the opening from a little above the open upper contour down to where the closure has brought
 * it (past the lower contour when shut, hiding the lower lashes' dark margin), with a dark,
 * soft lash line at its edge. Deterministic: the skin grain is a hash of the pixel position.
 */
export function paintLid(img: Image, lid: EyeLid, skin: Rgb): void {
  const c = Math.min(1, Math.max(0, lid.closed));
  const alpha = smoothstep(0.02, 0.5, c);
  if (alpha <= 0) return;
  const { upper, lower } = lid;
  const n = upper.length / 2;
  const ox = upper[0]!;
  const oy = upper[1]!;
  const ex = upper[2 * n - 2]! - ox;
  const ey = upper[2 * n - 1]! - oy;
  const len = Math.hypot(ex, ey);
  if (len < 2) return;
  const ux = ex / len;
  const uy = ey / len;
  const project = (poly: Float32Array): [Float32Array, Float32Array] => {
    const s = new Float32Array(poly.length / 2);
    const t = new Float32Array(poly.length / 2);
    for (let i = 0; i < s.length; i++) {
      const dx = poly[2 * i]! - ox;
      const dy = poly[2 * i + 1]! - oy;
      s[i] = dx * ux + dy * uy;
      t[i] = -dx * uy + dy * ux;
    }
    return [s, t];
  };
  const [sU, tU0] = project(upper);
  const [sL, tL0] = project(lower);
  const [sC, tC0] = project(lid.crease);
  // Lower lid on the positive side of the axis, whichever way the corners were listed.
  const sign = tL0.reduce((a, v) => a + v, 0) >= tU0.reduce((a, v) => a + v, 0) ? 1 : -1;
  const tU = tU0.map((v) => v * sign);
  const tL = tL0.map((v) => v * sign);
  const tC = tC0.map((v) => v * sign);
  const feather = Math.max(0.8, 0.05 * len);
  const lashSigma = Math.max(0.8, 0.055 * len);
  const lashCol: Rgb = [skin[0] * 0.35, skin[1] * 0.3, skin[2] * 0.3];

  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of [upper, lower, lid.crease]) {
    for (let i = 0; i < p.length; i += 2) {
      x0 = Math.min(x0, p[i]!);
      x1 = Math.max(x1, p[i]!);
      y0 = Math.min(y0, p[i + 1]!);
      y1 = Math.max(y1, p[i + 1]!);
    }
  }
  const pad = 0.3 * len;
  const bx0 = Math.max(0, Math.floor(x0 - pad));
  const bx1 = Math.min(img.width - 1, Math.ceil(x1 + pad));
  const by0 = Math.max(0, Math.floor(y0 - pad));
  const by1 = Math.min(img.height - 1, Math.ceil(y1 + pad));
  for (let y = by0; y <= by1; y++) {
    for (let x = bx0; x <= bx1; x++) {
      const dx = x + 0.5 - ox;
      const dy = y + 0.5 - oy;
      const s = dx * ux + dy * uy;
      if (s < -feather || s > len + feather) continue;
      const t = (-dx * uy + dy * ux) * sign;
      const up = across(sU, tU, Math.min(len, Math.max(0, s)));
      const low = across(sL, tL, Math.min(len, Math.max(0, s)));
      const h = Math.max(0, low - up);
      // Top: from the crease, fading in down to a little above the open lid line, so the lid is
      // one surface from the crease to the lashes (a dark fold left above a light patch reads
      // as the upper edge of an open eye).
      const top = up - 0.25 * h;
      const crease = Math.min(top - feather, across(sC, tC, Math.min(len, Math.max(0, s))));
      // Bottom: the lid's edge, from the open upper line down past the lower one when shut.
      const edge = up + c * 0.95 * h;
      const inTop = smoothstep(crease, top, t);
      const inBottom = 1 - smoothstep(edge - feather, edge + feather, t);
      const inSide =
        smoothstep(-feather, feather, s) * (1 - smoothstep(len - feather, len + feather, s));
      const a = alpha * inTop * inBottom * inSide;
      // Lash line along the lid's edge, fading towards the corners.
      const along = Math.min(1, Math.max(0, s / len));
      const taper = Math.sqrt(Math.sin(Math.PI * along));
      const dl = (t - (edge - 0.4 * feather)) / lashSigma;
      const lash = alpha * 0.95 * taper * Math.exp(-0.5 * dl * dl);
      if (a < 0.004 && lash < 0.004) continue;
      // Rounded lid over the eyeball: lighter mid-lid, darker into the lash line; fine grain so
      // it is not flat paint.
      const depth = Math.min(1, Math.max(0, (t - crease) / (edge - crease + 1e-6)));
      const shade = 1 + 0.06 * Math.sin(Math.PI * depth) - 0.12 * depth ** 4;
      const grain = ((((x * 73856093) ^ (y * 19349663)) >>> 0) % 13) - 6;
      const o = (y * img.width + x) * 4;
      for (let k = 0; k < 3; k++) {
        const lidK = skin[k]! * shade + grain * 0.5;
        let v = img.data[o + k]! * (1 - a) + lidK * a;
        v = v * (1 - lash) + lashCol[k]! * lash;
        img.data[o + k] = v;
      }
    }
  }
}
