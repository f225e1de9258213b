// Shared types of the liveness engine. Pure data: no DOM, no MediaPipe import, so the
// signal/quality/challenge modules stay testable in Node.

/** Axis-aligned rectangle in source-frame pixels (origin top-left, y down). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Number of MediaPipe FaceLandmarker points (468 mesh + 10 iris). */
export const LANDMARK_COUNT = 478;

/**
 * One face as seen in one frame, produced by `landmarker.ts`.
 *
 * - `landmarks`: 478 × (x, y, z), x/y in source-frame pixels; z is MediaPipe's relative depth
 *   multiplied by the source width so that it has the same scale as x (smaller = nearer the
 *   camera). The frame is the camera image as captured, NOT mirrored.
 * - `matrix`: the 4×4 facial transformation matrix exactly as MediaPipe returns it
 *   (`Matrix.data`, 16 numbers), or null when the graph did not produce one. `signals.ts`
 *   accepts either storage order (it finds the translation column).
 * - `box`: bounding box of the landmarks, in pixels.
 * - `width`, `height`: size of the frame the pixels refer to.
 */
export interface FaceObservation {
  landmarks: Float32Array;
  matrix: Float32Array | null;
  box: Box;
  width: number;
  height: number;
}

/** Head pose in degrees. yaw > 0: the person turns to their own left; pitch > 0: chin up;
 * roll > 0: the head tilts towards the person's own right shoulder (their left eye rises). */
export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

/** A 2-D point in pixels. */
export interface Point {
  x: number;
  y: number;
}

/** Error codes raised by the pure liveness modules on bad input. */
export type LivenessErrorCode =
  | 'bad-landmarks'
  | 'bad-matrix'
  | 'bad-frame'
  | 'bad-sample'
  | 'non-monotonic-time'
  | 'bad-options'
  | 'bad-sequence'
  | 'finished';

/** Typed error for invalid input to the liveness modules. */
export class LivenessInputError extends Error {
  override readonly name = 'LivenessInputError';
  constructor(
    readonly code: LivenessErrorCode,
    message: string,
  ) {
    super(message);
  }
}
