// Per-frame capture quality → typed guidance codes, and a gate that waits for a good frame
// to hold steady. Pure: the element renders the codes, the flow waits on the gate.
import type { FrameStats } from './frame-stats';
import { checkLandmarks, headPose } from './signals';
import { LivenessInputError, type Box, type FaceObservation, type HeadPose } from './types';

/** Guidance codes, in priority order (most important first). */
export const GUIDANCE_CODES = [
  'no-face',
  'multiple-faces',
  'too-dark',
  'too-bright',
  'partly-outside',
  'too-close',
  'too-far',
  'off-centre',
  'not-frontal',
  'blurred',
] as const;
export type GuidanceCode = (typeof GUIDANCE_CODES)[number];

export interface QualityOptions {
  /** Too far below this face-box width / shorter frame side. Default 0.25. */
  minFaceSize: number;
  /** Too close above this face-box width / shorter frame side. Default 0.8. */
  maxFaceSize: number;
  /** Off-centre when the face centre is further than this from the frame centre, as a
   * fraction of the frame width (x) or height (y). Default 0.2. */
  maxCentreOffset: number;
  /** Not frontal beyond these absolute angles in degrees. Defaults 20 / 20 / 20. */
  maxYaw: number;
  maxPitch: number;
  maxRoll: number;
  /** Partly outside when the landmark box crosses a frame edge by more than this fraction
   * of the face-box width. Default 0.02. */
  outsideTolerance: number;
  /** Another face counts when its box width is at least this fraction of the main face's
   * (small faces far behind the person are ignored). Default 0.4. */
  secondaryFaceRatio: number;
  /** Too dark below this mean face luma (0–255). Default 60. */
  minLuminance: number;
  /** Too bright above this mean face luma. Default 210. */
  maxLuminance: number;
  /** Too bright when more than this fraction of the face is clipped white. Default 0.15. */
  maxBrightFraction: number;
  /** Too dark when more than this fraction of the face is crushed black. Default 0.3. */
  maxDarkFraction: number;
  /** Blurred below this Laplacian variance of the face crop (see frame-stats.ts). Default 25. */
  minSharpness: number;
}

export const DEFAULT_QUALITY_OPTIONS: Readonly<QualityOptions> = Object.freeze({
  minFaceSize: 0.25,
  maxFaceSize: 0.8,
  maxCentreOffset: 0.2,
  maxYaw: 20,
  maxPitch: 20,
  maxRoll: 20,
  outsideTolerance: 0.02,
  secondaryFaceRatio: 0.4,
  minLuminance: 60,
  maxLuminance: 210,
  maxBrightFraction: 0.15,
  maxDarkFraction: 0.3,
  minSharpness: 25,
});

export interface QualityResult {
  /** True when no code was raised. */
  ok: boolean;
  /** Raised codes, most important first; show `codes[0]` as the prompt. */
  codes: GuidanceCode[];
  /** The face the checks were made on (the largest), or null. */
  face: FaceObservation | null;
  /** Its head pose, or null without a face. */
  pose: HeadPose | null;
}

function checkBox(box: Box): void {
  const v = [box?.x, box?.y, box?.width, box?.height];
  if (
    !v.every((n) => typeof n === 'number' && Number.isFinite(n)) ||
    !(box.width > 0 && box.height > 0)
  ) {
    throw new LivenessInputError(
      'bad-landmarks',
      'face box must have finite x, y and positive size',
    );
  }
}

function resolveOptions(options: Partial<QualityOptions>): QualityOptions {
  const o = { ...DEFAULT_QUALITY_OPTIONS, ...options };
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new LivenessInputError(
        'bad-options',
        `quality option ${k} must be a finite number >= 0`,
      );
    }
  }
  return o;
}

/**
 * Checks one frame. `stats` are the pixel statistics of the main face's box (from
 * `measureFrame(frame, face.box)`); pass null to skip the light and blur checks (e.g. when
 * no face was found or pixels were not read this frame).
 */
export function assessQuality(
  faces: readonly FaceObservation[],
  stats: FrameStats | null,
  options: Partial<QualityOptions> = {},
): QualityResult {
  if (!Array.isArray(faces))
    throw new LivenessInputError('bad-landmarks', 'faces must be an array');
  const o = resolveOptions(options);
  if (faces.length === 0) return { ok: false, codes: ['no-face'], face: null, pose: null };
  for (const f of faces) {
    checkBox(f.box);
    checkLandmarks(f.landmarks);
  }
  const face = faces.reduce((a, b) =>
    b.box.width * b.box.height > a.box.width * a.box.height ? b : a,
  );
  const { width: fw, height: fh } = face;
  if (!(fw > 0 && fh > 0 && Number.isFinite(fw) && Number.isFinite(fh))) {
    throw new LivenessInputError('bad-frame', 'face observation needs the frame width and height');
  }
  const pose = headPose(face);
  const raised = new Set<GuidanceCode>();

  const others = faces.filter(
    (f) => f !== face && f.box.width >= o.secondaryFaceRatio * face.box.width,
  );
  if (others.length > 0) raised.add('multiple-faces');

  if (stats !== null) {
    const s = [stats.luminance, stats.darkFraction, stats.brightFraction, stats.sharpness];
    if (!s.every(Number.isFinite))
      throw new LivenessInputError('bad-frame', 'frame stats must be finite');
    if (stats.luminance < o.minLuminance || stats.darkFraction > o.maxDarkFraction)
      raised.add('too-dark');
    else if (stats.luminance > o.maxLuminance || stats.brightFraction > o.maxBrightFraction)
      raised.add('too-bright');
    // Sharpness is meaningless on a black or blown-out crop: only judge it in good light.
    else if (stats.sharpness < o.minSharpness) raised.add('blurred');
  }

  const { x, y, width: bw, height: bh } = face.box;
  const tol = o.outsideTolerance * bw;
  if (x < -tol || y < -tol || x + bw > fw + tol || y + bh > fh + tol) raised.add('partly-outside');

  const size = bw / Math.min(fw, fh);
  if (size > o.maxFaceSize) raised.add('too-close');
  else if (size < o.minFaceSize) raised.add('too-far');

  const dx = Math.abs(x + bw / 2 - fw / 2) / fw;
  const dy = Math.abs(y + bh / 2 - fh / 2) / fh;
  if (dx > o.maxCentreOffset || dy > o.maxCentreOffset) raised.add('off-centre');

  if (
    Math.abs(pose.yaw) > o.maxYaw ||
    Math.abs(pose.pitch) > o.maxPitch ||
    Math.abs(pose.roll) > o.maxRoll
  )
    raised.add('not-frontal');

  const codes = GUIDANCE_CODES.filter((c) => raised.has(c));
  return { ok: codes.length === 0, codes, face, pose };
}

export interface StableFrameGateOptions {
  /** How long the frame must stay good and still, ms. Default 600. */
  holdMs: number;
  /** Largest allowed movement of the face-box centre between consecutive frames, as a
   * fraction of the face-box width. Default 0.06. */
  maxMotion: number;
  /** Largest allowed relative change of the face-box width between frames. Default 0.08. */
  maxScaleChange: number;
}

export interface GateState {
  /** True once a good frame has held steady for `holdMs`. */
  stable: boolean;
  /** How long the current good, steady run has lasted, ms. */
  heldMs: number;
}

/** Says when good frames have held steady long enough to start the challenges. */
export class StableFrameGate {
  private readonly opts: StableFrameGateOptions;
  private since: number | null = null;
  private lastT: number | null = null;
  private lastBox: Box | null = null;

  constructor(options: Partial<StableFrameGateOptions> = {}) {
    this.opts = { holdMs: 600, maxMotion: 0.06, maxScaleChange: 0.08, ...options };
    for (const [k, v] of Object.entries(this.opts)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new LivenessInputError(
          'bad-options',
          `gate option ${k} must be a finite number >= 0`,
        );
      }
    }
  }

  /** Feed one frame: its time (ms), whether quality was ok, and the main face's box. */
  update(t: number, ok: boolean, box: Box | null): GateState {
    if (!Number.isFinite(t)) throw new LivenessInputError('bad-sample', 'timestamp must be finite');
    if (this.lastT !== null && t < this.lastT) {
      throw new LivenessInputError('non-monotonic-time', `timestamp ${t} < previous ${this.lastT}`);
    }
    this.lastT = t;
    if (!ok || box === null) {
      this.since = null;
      this.lastBox = null;
      return { stable: false, heldMs: 0 };
    }
    checkBox(box);
    const prev = this.lastBox;
    this.lastBox = box;
    if (prev !== null) {
      const move = Math.hypot(
        box.x + box.width / 2 - (prev.x + prev.width / 2),
        box.y + box.height / 2 - (prev.y + prev.height / 2),
      );
      const scale = Math.abs(box.width - prev.width) / prev.width;
      if (move > this.opts.maxMotion * prev.width || scale > this.opts.maxScaleChange)
        this.since = null;
    }
    if (this.since === null) this.since = t;
    const heldMs = t - this.since;
    return { stable: heldMs >= this.opts.holdMs, heldMs };
  }

  reset(): void {
    this.since = null;
    this.lastT = null;
    this.lastBox = null;
  }
}
