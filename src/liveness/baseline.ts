// The per-frame sample every challenge detector reads and the person's neutral values it is
// measured against: their input checks and the slow drift of the neutral while the person rests.
import type { SignalSample } from './signals';
import { LivenessInputError } from './types';

/** One frame's signals (see `sampleFace` in signals.ts). */
export type ChallengeSample = SignalSample;

/** The person's neutral values, against which every action is measured. */
export interface Baseline {
  eye: number;
  mouth: number;
  yaw: number;
  pitch: number;
  /** Neutral face aspect; with it, blinks are measured net of foreshortening. */
  aspect?: number;
}

export function checkSample(s: ChallengeSample): void {
  if (
    s == null ||
    ![s.t, s.eye, s.mouth, s.yaw, s.pitch].every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new LivenessInputError('bad-sample', 'sample needs finite t, eye, mouth, yaw, pitch');
  }
  if (s.eye < 0 || s.mouth < 0) {
    throw new LivenessInputError('bad-sample', 'eye and mouth openness cannot be negative');
  }
  if (s.aspect !== undefined && !(Number.isFinite(s.aspect) && s.aspect > 0)) {
    throw new LivenessInputError('bad-sample', 'aspect, when given, must be a finite number > 0');
  }
}

export function checkBaseline(b: Baseline): void {
  if (
    b == null ||
    ![b.eye, b.mouth, b.yaw, b.pitch].every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new LivenessInputError('bad-sample', 'baseline needs finite eye, mouth, yaw, pitch');
  }
  if (!(b.eye > 0)) throw new LivenessInputError('bad-sample', 'baseline eye openness must be > 0');
  if (b.aspect !== undefined && !(Number.isFinite(b.aspect) && b.aspect > 0)) {
    throw new LivenessInputError('bad-sample', 'baseline aspect, when given, must be > 0');
  }
}

/** Slow exponential drift of the neutral values towards a neutral sample. */
export function adaptBaseline(b: Baseline, s: ChallengeSample, rate: number): void {
  b.eye += rate * (s.eye - b.eye);
  b.mouth += rate * (s.mouth - b.mouth);
  b.yaw += rate * (s.yaw - b.yaw);
  b.pitch += rate * (s.pitch - b.pitch);
  if (b.aspect !== undefined && s.aspect !== undefined) b.aspect += rate * (s.aspect - b.aspect);
}
