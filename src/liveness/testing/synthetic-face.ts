// Synthetic 478-point MediaPipe-like faces for unit tests: a rigid 3-D face with movable
// eyelids and jaw, rotated by a known head pose and projected orthographically into an
// UNMIRRORED 640x480 frame. Only the indices the liveness modules read are placed
// anatomically; the rest fill the face oval so boxes and bounds look real.
import {
  CHIN,
  FOREHEAD,
  LEFT_CHEEK_EDGE,
  LEFT_EYE,
  MID_EYES,
  MOUTH,
  NOSE_BOTTOM,
  NOSE_TIP,
  RIGHT_CHEEK_EDGE,
  RIGHT_EYE,
} from '../landmark-indices';
import type { ChallengeSample } from '../challenges';
import { sampleFace } from '../signals';
import type { FaceObservation } from '../types';

export interface SyntheticFaceParams {
  /** Eye openness 0 (shut) .. 1 (neutral open). Default 1. */
  eye?: number;
  /** Inner-lip gap in mm (mouth is 50 mm wide). Default 1. */
  mouthGap?: number;
  /** Degrees, in the liveness convention (yaw > 0: person's own left; pitch > 0: chin up;
   * roll > 0: person's left eye rises). Default 0. */
  yaw?: number;
  pitch?: number;
  roll?: number;
  /** Pixels per mm. Default 1.3 (face ≈ 180 px wide). */
  scale?: number;
  /** Where the face's pivot lands in the frame, px. Default frame centre. */
  cx?: number;
  cy?: number;
  width?: number;
  height?: number;
  /** Squash the projected face vertically about its pivot (a printed photo tilted away from
   * the camera: everything foreshortens, nothing moves in 3-D). Default 1. */
  squashY?: number;
  /** Include a transformation matrix (default true). */
  withMatrix?: boolean;
}

type V3 = [number, number, number];

/** Neutral face in mm: x towards the person's left (image right), y down, z away from camera. */
function neutralFace(eye: number, mouthGap: number): V3[] {
  const pts: V3[] = [];
  // Deterministic filler over the face oval, receding towards the edges.
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let i = 0; i < 478; i++) {
    const a = rnd() * 2 * Math.PI;
    const r = Math.sqrt(rnd()) * 0.95;
    const x = 68 * r * Math.cos(a);
    const y = 20 + 85 * r * Math.sin(a);
    pts.push([x, y, -20 + 50 * r * r]);
  }
  const set = (i: number, p: V3): void => {
    pts[i] = p;
  };
  const lid = [0.8, 1, 0.8];
  const half = 5 * Math.max(0, Math.min(1, eye));
  for (const [e, sign] of [
    [RIGHT_EYE, -1],
    [LEFT_EYE, 1],
  ] as const) {
    set(e.outer, [sign * 45, 0, 0]);
    set(e.inner, [sign * 15, 0, 0]);
    for (let k = 0; k < 3; k++) {
      const x = sign * (37.5 - 7.5 * k);
      set(e.upper[k]!, [x, -half * lid[k]!, -2]);
      set(e.lower[k]!, [x, half * lid[k]!, -2]);
    }
    set(e.iris, [sign * 30, 0, -3]);
    for (let k = 1; k <= 4; k++) {
      const a = (k * Math.PI) / 2;
      set(e.iris + k, [sign * 30 + 5 * Math.cos(a), Math.min(half, 5) * Math.sin(a), -3]);
    }
  }
  set(NOSE_TIP, [0, 35, -25]);
  set(NOSE_BOTTOM, [0, 42, -12]);
  set(MID_EYES, [0, 0, -8]);
  set(FOREHEAD, [0, -55, 2]);
  const jaw = mouthGap * 0.6;
  set(CHIN, [0, 105 + jaw, 2]);
  set(MOUTH.rightCorner, [-25, 62, -5]);
  set(MOUTH.leftCorner, [25, 62, -5]);
  set(MOUTH.upperInner, [0, 62 - mouthGap * 0.4, -8]);
  set(MOUTH.lowerInner, [0, 62 + mouthGap * 0.6, -8]);
  set(MOUTH.upperOuter, [0, 54 - mouthGap * 0.4, -10]);
  set(MOUTH.lowerOuter, [0, 70 + mouthGap * 0.6, -10]);
  set(RIGHT_CHEEK_EDGE, [-70, 20, 40]);
  set(LEFT_CHEEK_EDGE, [70, 20, 40]);
  return pts;
}

/** Rotation in camera space (x right, y up, z towards the camera), column-vector form. */
export function poseRotation(yawDeg: number, pitchDeg: number, rollDeg: number): number[][] {
  const r = Math.PI / 180;
  const [cy, sy] = [Math.cos(yawDeg * r), Math.sin(yawDeg * r)];
  // Chin up = forward vector gains +y = rotation about x by -pitch.
  const [cp, sp] = [Math.cos(-pitchDeg * r), Math.sin(-pitchDeg * r)];
  const [cr, sr] = [Math.cos(rollDeg * r), Math.sin(rollDeg * r)];
  const Ry = [
    [cy, 0, sy],
    [0, 1, 0],
    [-sy, 0, cy],
  ];
  const Rx = [
    [1, 0, 0],
    [0, cp, -sp],
    [0, sp, cp],
  ];
  const Rz = [
    [cr, -sr, 0],
    [sr, cr, 0],
    [0, 0, 1],
  ];
  const mul = (a: number[][], b: number[][]): number[][] =>
    a.map((row) =>
      [0, 1, 2].map((j) => row[0]! * b[0]![j]! + row[1]! * b[1]![j]! + row[2]! * b[2]![j]!),
    );
  return mul(Ry, mul(Rx, Rz));
}

/** A synthetic observation with known signals and pose. */
export function syntheticFace(p: SyntheticFaceParams = {}): FaceObservation {
  const width = p.width ?? 640;
  const height = p.height ?? 480;
  const scale = p.scale ?? 1.3;
  const cx = p.cx ?? width / 2;
  const cy = p.cy ?? height / 2;
  const R = poseRotation(p.yaw ?? 0, p.pitch ?? 0, p.roll ?? 0);
  const pivot: V3 = [0, 20, 80]; // head centre behind the face, mm
  const pts = neutralFace(p.eye ?? 1, p.mouthGap ?? 1);
  const landmarks = new Float32Array(478 * 3);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  pts.forEach(([x, y, z], i) => {
    // To camera space relative to the pivot, rotate, back to image axes.
    const v: V3 = [x - pivot[0], -(y - pivot[1]), -(z - pivot[2])];
    const w = R.map((row) => row[0]! * v[0] + row[1]! * v[1] + row[2]! * v[2]) as V3;
    const px = cx + scale * w[0];
    const py = cy - scale * w[1] * (p.squashY ?? 1);
    landmarks[3 * i] = px;
    landmarks[3 * i + 1] = py;
    landmarks[3 * i + 2] = -scale * w[2];
    minX = Math.min(minX, px);
    maxX = Math.max(maxX, px);
    minY = Math.min(minY, py);
    maxY = Math.max(maxY, py);
  });
  let matrix: Float32Array | null = null;
  if (p.withMatrix ?? true) {
    // Column-major like MediaPipe, with the face 50 cm in front of the camera.
    matrix = new Float32Array(16);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) matrix[c * 4 + r] = R[r]![c]!;
    matrix[12] = 0;
    matrix[13] = 0;
    matrix[14] = -50;
    matrix[15] = 1;
  }
  return {
    landmarks,
    matrix,
    box: { x: minX, y: minY, width: maxX - minX, height: maxY - minY },
    width,
    height,
  };
}

/** Signal values over time, for challenge series. */
export type Script = (t: number) => SyntheticFaceParams;

/** Samples of a scripted face at `fps` from `t0` for `durationMs`, through the real signal code. */
export function scriptedSamples(
  script: Script,
  durationMs: number,
  fps = 30,
  t0 = 1000,
): ChallengeSample[] {
  const out: ChallengeSample[] = [];
  for (let t = 0; t <= durationMs; t += 1000 / fps) {
    out.push(sampleFace(syntheticFace(script(t)), t0 + t));
  }
  return out;
}

/** Triangle pulse: 0 outside [start, start+dur], peaking at 1 in the middle. */
export function pulse(t: number, start: number, dur: number): number {
  if (t < start || t > start + dur) return 0;
  return 1 - Math.abs((t - start) / dur - 0.5) * 2;
}

/** Plateau: ramps up over `ramp` ms from `start`, holds until start+dur, ramps down. */
export function plateau(t: number, start: number, dur: number, ramp = 150): number {
  if (t < start || t > start + dur + ramp) return 0;
  if (t < start + ramp) return (t - start) / ramp;
  if (t <= start + dur) return 1;
  return 1 - (t - start - dur) / ramp;
}
