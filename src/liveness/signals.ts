// Liveness signals from one face's landmarks: eye openness, mouth opening, head pose.
// Pure functions; every input is validated because a NaN here would silently pass or fail a
// challenge later.
import {
  CHIN,
  FOREHEAD,
  LEFT_EYE,
  MID_EYES,
  MOUTH,
  NOSE_BOTTOM,
  RIGHT_EYE,
} from './landmark-indices';
import { LivenessInputError, type FaceObservation, type HeadPose } from './types';

/** Landmark sets may come with (478) or without (468) the iris points. */
const MESH_POINTS = 468;
const FULL_POINTS = 478;

/** Checks shape and finiteness; returns the number of points. */
export function checkLandmarks(landmarks: ArrayLike<number>): number {
  if (landmarks == null || typeof landmarks.length !== 'number') {
    throw new LivenessInputError('bad-landmarks', 'landmarks must be an array of numbers');
  }
  const n = landmarks.length;
  if (n !== FULL_POINTS * 3 && n !== MESH_POINTS * 3) {
    throw new LivenessInputError(
      'bad-landmarks',
      `expected ${FULL_POINTS * 3} (or ${MESH_POINTS * 3}) values, got ${n}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(landmarks[i])) {
      throw new LivenessInputError('bad-landmarks', `landmark value ${i} is not a finite number`);
    }
  }
  return n / 3;
}

type Vec3 = [number, number, number];

function point(lm: ArrayLike<number>, i: number): Vec3 {
  return [lm[3 * i]!, lm[3 * i + 1]!, lm[3 * i + 2]!];
}

function dist2d(lm: ArrayLike<number>, a: number, b: number): number {
  return Math.hypot(lm[3 * a]! - lm[3 * b]!, lm[3 * a + 1]! - lm[3 * b + 1]!);
}

interface EyeIndices {
  outer: number;
  inner: number;
  upper: readonly number[];
  lower: readonly number[];
}

function eyeRatio(lm: ArrayLike<number>, eye: EyeIndices): number {
  const width = dist2d(lm, eye.outer, eye.inner);
  if (width < 1e-6) throw new LivenessInputError('bad-landmarks', 'degenerate eye (zero width)');
  let gap = 0;
  for (let k = 0; k < eye.upper.length; k++) gap += dist2d(lm, eye.upper[k]!, eye.lower[k]!);
  return gap / eye.upper.length / width;
}

export interface EyeOpenness {
  /** Person's own left eye (image right). */
  left: number;
  /** Person's own right eye (image left). */
  right: number;
  mean: number;
}

/**
 * Eye aspect ratio per eye: mean of three upper-to-lower eyelid distances divided by the
 * corner-to-corner width, in the image plane. Typically 0.25–0.35 open, < 0.12 closed.
 * Dimensionless, so it does not depend on the distance to the camera.
 */
export function eyeOpenness(landmarks: ArrayLike<number>): EyeOpenness {
  checkLandmarks(landmarks);
  const left = eyeRatio(landmarks, LEFT_EYE);
  const right = eyeRatio(landmarks, RIGHT_EYE);
  return { left, right, mean: (left + right) / 2 };
}

/** Inner-lip gap divided by mouth width (corner to corner). ≈ 0 closed, > 0.3 wide open. */
export function mouthOpening(landmarks: ArrayLike<number>): number {
  checkLandmarks(landmarks);
  const width = dist2d(landmarks, MOUTH.leftCorner, MOUTH.rightCorner);
  if (width < 1e-6) throw new LivenessInputError('bad-landmarks', 'degenerate mouth (zero width)');
  return dist2d(landmarks, MOUTH.upperInner, MOUTH.lowerInner) / width;
}

/**
 * Vertical-to-horizontal aspect of the face in the image: nasal bridge to under the nose,
 * over the outer-eye-corner distance. Eyelid gaps foreshorten exactly like it when the head
 * pitches or a printed photo is tilted, so dividing eye openness by it (relative to neutral)
 * tells a blink from a tilt. ≈ 0.45 frontal.
 */
export function faceAspect(landmarks: ArrayLike<number>): number {
  checkLandmarks(landmarks);
  const width = dist2d(landmarks, LEFT_EYE.outer, RIGHT_EYE.outer);
  if (width < 1e-6)
    throw new LivenessInputError('bad-landmarks', 'degenerate face (eyes coincide)');
  return dist2d(landmarks, MID_EYES, NOSE_BOTTOM) / width;
}

const DEG = 180 / Math.PI;

/**
 * Pose from the face's axes expressed in camera space with x to the image right, y UP and z
 * TOWARDS the camera (MediaPipe's metric space). `r` points to the person's own left, `f` is
 * where the face looks.
 */
function poseFromAxes(r: Vec3, f: Vec3): HeadPose {
  // Turning to their own left moves the nose towards the image right (+x) in an unmirrored
  // image; looking up moves it to +y.
  const yaw = Math.atan2(f[0], f[2]) * DEG;
  const pitch = Math.atan2(f[1], Math.hypot(f[0], f[2])) * DEG;
  const roll = Math.atan2(r[1], Math.hypot(r[0], r[2])) * DEG;
  return { yaw, pitch, roll };
}

function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  if (!(n > 1e-9)) throw new LivenessInputError('bad-landmarks', 'degenerate face geometry');
  return [v[0] / n, v[1] / n, v[2] / n];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/**
 * Head pose from MediaPipe's facial transformation matrix (canonical face → camera, metric
 * space: x right, y up, z towards the camera). MediaPipe packs it column-major, but either
 * order is accepted: the translation (the face sits tens of cm in front of the camera) shows
 * which one it is.
 */
export function headPoseFromMatrix(matrix: ArrayLike<number>): HeadPose {
  if (matrix == null || matrix.length !== 16) {
    throw new LivenessInputError('bad-matrix', 'transformation matrix must have 16 values');
  }
  for (let i = 0; i < 16; i++) {
    if (!Number.isFinite(matrix[i])) {
      throw new LivenessInputError('bad-matrix', `matrix value ${i} is not a finite number`);
    }
  }
  const colTrans = Math.abs(matrix[12]!) + Math.abs(matrix[13]!) + Math.abs(matrix[14]!);
  const rowTrans = Math.abs(matrix[3]!) + Math.abs(matrix[7]!) + Math.abs(matrix[11]!);
  const columnMajor = colTrans >= rowTrans;
  // m(r, c): element at row r, column c of the (column-vector) transform.
  const m = (r: number, c: number): number =>
    columnMajor ? matrix[c * 4 + r]! : matrix[r * 4 + c]!;
  const r = normalise([m(0, 0), m(1, 0), m(2, 0)]);
  const f = normalise([m(0, 2), m(1, 2), m(2, 2)]);
  return poseFromAxes(r, f);
}

/**
 * Head pose from landmark geometry alone (fallback when no matrix): the face's left-right
 * axis from the eye corners and mouth corners, its up axis from chin to forehead, in 3-D with
 * MediaPipe's relative depth. Less accurate than the matrix (a few degrees; pitch carries a
 * constant offset from face shape), but it has the same signs.
 */
export function headPoseFromLandmarks(landmarks: ArrayLike<number>): HeadPose {
  checkLandmarks(landmarks);
  // To camera space: image y grows downwards and MediaPipe z grows away from the camera.
  const p = (i: number): Vec3 => {
    const [x, y, z] = point(landmarks, i);
    return [x, -y, -z];
  };
  const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
  const right = normalise(
    add(sub(p(LEFT_EYE.outer), p(RIGHT_EYE.outer)), sub(p(MOUTH.leftCorner), p(MOUTH.rightCorner))),
  );
  const upRaw = add(sub(p(FOREHEAD), p(CHIN)), sub(p(MID_EYES), p(CHIN)));
  // Gram-Schmidt: make "up" orthogonal to the left-right axis.
  const d = upRaw[0] * right[0] + upRaw[1] * right[1] + upRaw[2] * right[2];
  const up = normalise([upRaw[0] - d * right[0], upRaw[1] - d * right[1], upRaw[2] - d * right[2]]);
  const forward = cross(right, up);
  const pose = poseFromAxes(right, forward);
  return { ...pose, pitch: pose.pitch - LANDMARK_PITCH_OFFSET };
}

/**
 * The chin-to-forehead line leans back relative to the face's viewing axis; this constant
 * (degrees) removes that lean so a frontal face reads pitch ≈ 0. Measured on the canonical
 * geometry; see docs/liveness.md.
 */
export const LANDMARK_PITCH_OFFSET = 0;

/** Head pose of one observation: the matrix when present, else landmark geometry. */
export function headPose(face: Pick<FaceObservation, 'landmarks' | 'matrix'>): HeadPose {
  if (face.matrix != null) return headPoseFromMatrix(face.matrix);
  return headPoseFromLandmarks(face.landmarks);
}

/** The per-frame sample the challenge detectors consume. */
export interface SignalSample {
  /** Timestamp in ms (monotonic, e.g. `performance.now()` or the video frame time). */
  t: number;
  /** Mean eye openness of both eyes. */
  eye: number;
  mouth: number;
  yaw: number;
  pitch: number;
  /** Face aspect (`faceAspect`); when present the blink detector discounts foreshortening. */
  aspect?: number;
}

/** All signals of one observation, ready for a challenge detector. */
export function sampleFace(
  face: Pick<FaceObservation, 'landmarks' | 'matrix'>,
  t: number,
): SignalSample {
  const pose = headPose(face);
  return {
    t,
    eye: eyeOpenness(face.landmarks).mean,
    mouth: mouthOpening(face.landmarks),
    yaw: pose.yaw,
    pitch: pose.pitch,
    aspect: faceAspect(face.landmarks),
  };
}
