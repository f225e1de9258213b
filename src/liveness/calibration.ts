// The person's neutral values, measured from the first still samples of a session.
import { checkSample, type Baseline, type ChallengeSample } from './baseline';
import { resolveOptions } from './challenge-options';
import { LivenessInputError } from './types';

const median = (v: number[]): number => {
  const a = [...v].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
};

export interface CalibrationOptions {
  /** Window of neutral samples that defines the baseline, ms. Default 500. */
  calibrationMs: number;
  /** At least this many samples in the window. Default 5. */
  calibrationSamples: number;
  /** The window must be still: yaw and pitch ranges within this, degrees. Default 10. */
  calibrationMaxPoseRange: number;
  /** Give up calibrating after this long, ms. Default 5000. */
  calibrationTimeoutMs: number;
}

export const DEFAULT_CALIBRATION_OPTIONS: Readonly<CalibrationOptions> = Object.freeze({
  calibrationMs: 500,
  calibrationSamples: 5,
  calibrationMaxPoseRange: 10,
  calibrationTimeoutMs: 5000,
});

/**
 * Per-person neutral values from the first still samples: medians over a sliding window of
 * `calibrationMs`, accepted once the head holds still within it (a blink in the window does
 * not matter: the median ignores it).
 */
export class BaselineCalibrator {
  private readonly o: CalibrationOptions;
  private window: ChallengeSample[] = [];

  constructor(options: Partial<CalibrationOptions> = {}) {
    this.o = resolveOptions(DEFAULT_CALIBRATION_OPTIONS, options, 'calibration');
  }

  /** Feeds a sample; returns the baseline once calibrated, else null. */
  push(s: ChallengeSample): Baseline | null {
    checkSample(s);
    const last = this.window[this.window.length - 1];
    if (last !== undefined && s.t < last.t) {
      throw new LivenessInputError('non-monotonic-time', `timestamp ${s.t} < previous ${last.t}`);
    }
    this.window.push(s);
    while (this.window.length > 1 && s.t - this.window[0]!.t > this.o.calibrationMs)
      this.window.shift();
    const w = this.window;
    const span = s.t - w[0]!.t;
    if (w.length < this.o.calibrationSamples || span < this.o.calibrationMs * 0.8) return null;
    const range = (k: 'yaw' | 'pitch'): number =>
      Math.max(...w.map((x) => x[k])) - Math.min(...w.map((x) => x[k]));
    if (
      range('yaw') > this.o.calibrationMaxPoseRange ||
      range('pitch') > this.o.calibrationMaxPoseRange
    ) {
      return null;
    }
    const eye = median(w.map((x) => x.eye));
    if (!(eye > 0)) return null;
    const baseline: Baseline = {
      eye,
      mouth: median(w.map((x) => x.mouth)),
      yaw: median(w.map((x) => x.yaw)),
      pitch: median(w.map((x) => x.pitch)),
    };
    const aspects = w.map((x) => x.aspect).filter((a): a is number => a !== undefined);
    if (aspects.length === w.length) baseline.aspect = median(aspects);
    return baseline;
  }
}
