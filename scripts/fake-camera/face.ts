// A face as our 478 MediaPipe landmarks, and how each scripted pose moves them.
import { delaunay, type Triangle } from './delaunay';

export const LANDMARK_COUNT = 478;

/** Per-frame pose. All zero is the photo as taken. */
export interface Pose {
  /** 0 open … 1 fully closed (both eyes). */
  eyeClosed: number;
  /** 0 closed … 1 wide open (jaw dropped by ~45 % of the mouth width). */
  mouthOpen: number;
  /** Degrees; > 0 when the person turns to their own left (image right, unmirrored). */
  yaw: number;
  /** Degrees; > 0 chin up. */
  pitch: number;
  /** Small whole-face translation in px (idle sway), x then y. */
  shiftX: number;
  shiftY: number;
}

export const NEUTRAL: Pose = { eyeClosed: 0, mouthOpen: 0, yaw: 0, pitch: 0, shiftX: 0, shiftY: 0 };

/**
 * Per eye (MediaPipe face-mesh indices): corners (outer, inner), the lid contours between them
 * (outer to inner, upper[i] above lower[i]), and skin points just above the upper lid, each with
 * the lid point it follows (a blink pulls them half way, so the lid stretches like skin; lids.ts
 * samples the lid's colour between them).
 */
export interface EyeIndices {
  corners: readonly [number, number];
  upper: readonly number[];
  lower: readonly number[];
  crease: readonly (readonly [number, number])[];
}

export const EYES: readonly [EyeIndices, EyeIndices] = [
  {
    corners: [33, 133],
    upper: [246, 161, 160, 159, 158, 157, 173],
    lower: [7, 163, 144, 145, 153, 154, 155],
    crease: [
      [247, 161],
      [30, 160],
      [29, 159],
      [27, 159],
      [28, 158],
      [56, 157],
      [190, 173],
    ],
  },
  {
    corners: [263, 362],
    upper: [466, 388, 387, 386, 385, 384, 398],
    lower: [249, 390, 373, 374, 380, 381, 382],
    crease: [
      [467, 388],
      [260, 387],
      [259, 386],
      [257, 386],
      [258, 385],
      [286, 384],
      [414, 398],
    ],
  },
];
// Eyelids as (upper, lower) pairs, corner to corner.
const LID_PAIRS = EYES.flatMap((e) => e.upper.map((u, i) => [u, e.lower[i]!] as const));
const LID_RING = EYES.flatMap((e) => e.crease);
const IRIS_RIGHT = [468, 469, 470, 471, 472];
const IRIS_LEFT = [473, 474, 475, 476, 477];
const EYE_RIGHT_LOWER = [7, 163, 144, 145, 153, 154, 155];
const EYE_LEFT_LOWER = [249, 390, 373, 374, 380, 381, 382];

const MOUTH_CORNERS = [61, 291, 78, 308];
const INNER_UPPER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308];
const INNER_LOWER = [308, 324, 318, 402, 317, 14, 87, 178, 88, 95, 78];
const OUTER_LOWER = [146, 91, 181, 84, 17, 314, 405, 321, 375];
const LOWER_LIP = new Set(
  [...INNER_LOWER, ...OUTER_LOWER].filter((i) => !MOUTH_CORNERS.includes(i)),
);
const EYE_POINTS = new Set([...LID_PAIRS.flat(), ...IRIS_LEFT, ...IRIS_RIGHT]);

export interface FaceModel {
  width: number;
  height: number;
  /** 478 × (x, y, z), x/y in frame pixels, z in pixels too (converted from MediaPipe's units). */
  landmarks: Float32Array;
  /** Landmarks followed by fixed anchors (frame border and a ring around the head), flat x,y. */
  points: Float32Array;
  triangles: Triangle[];
  center: readonly [number, number, number];
  faceWidth: number;
  /** Point index range [start, end) of the inner anchor ring. */
  innerRing: readonly [number, number];
}

/**
 * Builds the mesh for a frame: landmarks plus fixed anchors, Delaunay-triangulated once. The ring
 * keeps the background still while the face moves; hair between face and ring stretches.
 */
export function createFaceModel(landmarks: Float32Array, width: number, height: number): FaceModel {
  if (landmarks.length !== LANDMARK_COUNT * 3) throw new Error('expected 478×3 landmarks');
  const lm = new Float32Array(landmarks);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  let zMax = 0;
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    minX = Math.min(minX, lm[3 * i]!);
    maxX = Math.max(maxX, lm[3 * i]!);
    minY = Math.min(minY, lm[3 * i + 1]!);
    maxY = Math.max(maxY, lm[3 * i + 1]!);
    zMax = Math.max(zMax, Math.abs(lm[3 * i + 2]!));
  }
  // MediaPipe reports z on the scale of normalised x; convert if it was not already in pixels.
  if (zMax < 3) for (let i = 0; i < LANDMARK_COUNT; i++) lm[3 * i + 2] = lm[3 * i + 2]! * width;
  const faceWidth = maxX - minX;
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const anchors: number[] = [];
  const step = 80;
  for (let x = 0; x <= width; x += step) anchors.push(x, 0, x, height);
  for (let y = step; y < height; y += step) anchors.push(0, y, width, y);
  // Two rings: the inner one follows the head part way, the outer one is fixed, so the stretch
  // of a head turn spreads over the hair and background instead of tearing at the cheek.
  const ring = (scale: number): void => {
    const rx = faceWidth * scale;
    const ry = (maxY - minY) * scale * 0.95;
    for (let k = 0; k < 24; k++) {
      const a = (k / 24) * Math.PI * 2;
      const x = cx + rx * Math.cos(a);
      const y = cy + ry * Math.sin(a);
      if (x > 1 && x < width - 1 && y > 1 && y < height - 1) anchors.push(x, y);
    }
  };
  const innerRingStart = LANDMARK_COUNT + anchors.length / 2;
  ring(0.8);
  const innerRingEnd = LANDMARK_COUNT + anchors.length / 2;
  ring(1.25);
  const points = new Float32Array(LANDMARK_COUNT * 2 + anchors.length);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    points[2 * i] = lm[3 * i]!;
    points[2 * i + 1] = lm[3 * i + 1]!;
  }
  points.set(anchors, LANDMARK_COUNT * 2);
  let cz = 0;
  for (let i = 0; i < LANDMARK_COUNT; i++) cz += lm[3 * i + 2]!;
  cz /= LANDMARK_COUNT;
  return {
    width,
    height,
    landmarks: lm,
    points,
    triangles: delaunay(points),
    // Rotation pivot sits behind the face surface, about where the neck axis is.
    center: [cx, cy, cz + faceWidth * 0.2],
    faceWidth,
    innerRing: [innerRingStart, innerRingEnd],
  };
}

/** One eye's lid for a pose, in frame pixels (the pose's rotation and sway applied). */
export interface EyeLid {
  /** 0: the person's right eye (image left), 1: their left. */
  eye: 0 | 1;
  /** The photo's open upper and lower lid contours, corner to corner, flat x,y. */
  upper: Float32Array;
  lower: Float32Array;
  /** The skin crease above the lid (where it is in this pose), corner to corner, flat x,y. */
  crease: Float32Array;
  /** 0 open … 1 closed. */
  closed: number;
}

export interface PosedFace {
  /** Destination points (same layout as FaceModel.points). */
  points: Float32Array;
  /** The posed landmarks, 478 × (x, y, z): what a perfect landmarker would report. */
  landmarks: Float32Array;
  /** Far-to-near triangle order for the painter. */
  order: number[];
  /** Inner-lip polygon (flat x,y) to paint as the mouth interior, empty when closed. */
  mouth: Float32Array;
  /** Upper teeth band under the upper lip, empty when closed. */
  teeth: Float32Array;
  /** The closing lids to paint over the eyes (lids.ts), empty when the eyes are open. */
  lids: EyeLid[];
}

const dist = (lm: Float32Array, a: number, b: number): number =>
  Math.hypot(lm[3 * a]! - lm[3 * b]!, lm[3 * a + 1]! - lm[3 * b + 1]!);

/** Moves the landmarks for a pose: lids and jaw in the face's own frame first, then rotation. */
export function poseFace(face: FaceModel, pose: Pose): PosedFace {
  const lm = new Float32Array(face.landmarks);
  const x = (i: number): number => lm[3 * i]!;
  const y = (i: number): number => lm[3 * i + 1]!;
  const base = face.landmarks;

  const c = Math.min(1, Math.max(0, pose.eyeClosed));
  if (c > 0) {
    for (const [u, l] of LID_PAIRS) {
      const ux = base[3 * u]!;
      const uy = base[3 * u + 1]!;
      const lx = base[3 * l]!;
      const ly = base[3 * l + 1]!;
      // Upper lid comes down onto the lower one; the lower lid rises a little.
      lm[3 * u] = ux + c * (lx - ux) * 0.9;
      lm[3 * u + 1] = uy + c * (ly - uy) * 0.9;
      lm[3 * l + 1] = ly - c * (ly - uy) * 0.08;
    }
    for (const [r, u] of LID_RING) {
      const dy = lm[3 * u + 1]! - base[3 * u + 1]!;
      lm[3 * r + 1] = base[3 * r + 1]! + dy * 0.45;
    }
    for (const [iris, lower] of [
      [IRIS_RIGHT, EYE_RIGHT_LOWER],
      [IRIS_LEFT, EYE_LEFT_LOWER],
    ] as const) {
      let line = 0;
      for (const i of lower) line += lm[3 * i + 1]!;
      line /= lower.length;
      for (const i of iris) lm[3 * i + 1] = base[3 * i + 1]! + c * (line - base[3 * i + 1]!);
    }
  }

  const m = Math.min(1, Math.max(0, pose.mouthOpen));
  let mouth: Float32Array = new Float32Array(0);
  let teeth: Float32Array = new Float32Array(0);
  if (m > 0) {
    const mouthW = dist(base, 61, 291);
    const drop = m * 0.45 * mouthW;
    const mcx = (base[3 * 61]! + base[3 * 291]!) / 2;
    const cornerY = (base[3 * 61 + 1]! + base[3 * 291 + 1]!) / 2;
    const lipBottom = base[3 * 17 + 1]!;
    const half = face.faceWidth / 2;
    for (let i = 0; i < LANDMARK_COUNT; i++) {
      if (EYE_POINTS.has(i)) continue;
      const px = base[3 * i]!;
      const py = base[3 * i + 1]!;
      if (LOWER_LIP.has(i)) {
        const t = Math.min(1, Math.abs(px - mcx) / (mouthW / 2));
        lm[3 * i + 1] = py + drop * (1 - 0.75 * t * t);
        continue;
      }
      if (MOUTH_CORNERS.includes(i)) {
        lm[3 * i] = px + (mcx - px) * 0.08 * m;
        lm[3 * i + 1] = py + drop * 0.2;
        continue;
      }
      const ramp = Math.min(1, Math.max(0, (py - cornerY) / Math.max(1, lipBottom - cornerY)));
      const lateral = Math.max(0, 1 - ((px - mcx) / half) ** 2);
      lm[3 * i + 1] = py + drop * ramp * lateral;
    }
    for (const i of INNER_UPPER) {
      if (!MOUTH_CORNERS.includes(i)) lm[3 * i + 1] = base[3 * i + 1]! - drop * 0.05;
    }
    mouth = new Float32Array([...INNER_UPPER, ...INNER_LOWER].flatMap((i) => [x(i), y(i)]));
    const tooth = Math.min(drop * 0.3, mouthW * 0.09);
    const upper = INNER_UPPER.slice(2, -2);
    teeth = new Float32Array([
      ...upper.flatMap((i) => [x(i), y(i)]),
      ...upper.toReversed().flatMap((i) => [x(i), y(i) + tooth]),
    ]);
  }

  const [cx, cy, cz] = face.center;
  const yaw = (pose.yaw * Math.PI) / 180;
  const pitch = (pose.pitch * Math.PI) / 180;
  const cyw = Math.cos(yaw);
  const syw = Math.sin(yaw);
  const cp = Math.cos(pitch);
  const sp = Math.sin(pitch);
  const n = LANDMARK_COUNT;
  const points = new Float32Array(face.points);
  const depth = new Float32Array(face.points.length / 2).fill(1e9);
  const rotate = (px: number, py: number, pz: number): [number, number, number] => {
    // Yaw about the vertical axis (nose towards image right for yaw > 0), then pitch.
    const dx = px - cx;
    const dz = pz - cz;
    const x1 = dx * cyw - dz * syw;
    const z1 = dx * syw + dz * cyw;
    const dy = py - cy;
    const y2 = dy * cp + z1 * sp;
    const z2 = -dy * sp + z1 * cp;
    return [cx + x1 + pose.shiftX, cy + y2 + pose.shiftY, cz + z2];
  };
  for (let i = 0; i < n; i++) {
    const [rx, ry, rz] = rotate(lm[3 * i]!, lm[3 * i + 1]!, lm[3 * i + 2]!);
    points[2 * i] = rx;
    points[2 * i + 1] = ry;
    depth[i] = rz;
  }
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += points[2 * i]! - lm[3 * i]!;
    my += points[2 * i + 1]! - lm[3 * i + 1]!;
  }
  for (let i = face.innerRing[0]; i < face.innerRing[1]; i++) {
    points[2 * i] = points[2 * i]! + (0.6 * mx) / n;
    points[2 * i + 1] = points[2 * i + 1]! + (0.6 * my) / n;
  }
  const rot = (poly: Float32Array, zOf: number): Float32Array => {
    const out = new Float32Array(poly.length);
    for (let k = 0; k < poly.length; k += 2) {
      const [rx, ry] = rotate(poly[k]!, poly[k + 1]!, zOf);
      out[k] = rx;
      out[k + 1] = ry;
    }
    return out;
  };
  const lipZ = base[3 * 13 + 2]!;
  mouth = rot(mouth, lipZ);
  teeth = rot(teeth, lipZ);
  const lids: EyeLid[] = [];
  if (c > 0) {
    // The photo's open contours, moved with the head: the lid is painted over that opening.
    const contour = (idx: readonly number[]): Float32Array => {
      const out = new Float32Array(idx.length * 2);
      idx.forEach((i, k) => {
        const [rx, ry] = rotate(base[3 * i]!, base[3 * i + 1]!, base[3 * i + 2]!);
        out[2 * k] = rx;
        out[2 * k + 1] = ry;
      });
      return out;
    };
    EYES.forEach((e, eye) => {
      const [outer, inner] = e.corners;
      const crease = new Float32Array(
        [outer, ...e.crease.map(([r]) => r), inner].flatMap((i) => [
          points[2 * i]!,
          points[2 * i + 1]!,
        ]),
      );
      lids.push({
        eye: eye as 0 | 1,
        upper: contour([outer, ...e.upper, inner]),
        lower: contour([outer, ...e.lower, inner]),
        crease,
        closed: c,
      });
    });
  }
  const tri = face.triangles;
  const order = tri.map((_, i) => i);
  if (pose.yaw !== 0 || pose.pitch !== 0) {
    const tz = tri.map(([a, b, c3]) => {
      const za = depth[a]!;
      const zb = depth[b]!;
      const zc = depth[c3]!;
      // Anchors sit at 1e9 (background), so triangles touching them are drawn first.
      return Math.max(za, zb, zc) >= 1e9 ? 1e9 : (za + zb + zc) / 3;
    });
    order.sort((p, q) => tz[q]! - tz[p]!);
  }
  const posed = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    posed[3 * i] = points[2 * i]!;
    posed[3 * i + 1] = points[2 * i + 1]!;
    posed[3 * i + 2] = depth[i]!;
  }
  return { points, landmarks: posed, order, mouth, teeth, lids };
}
