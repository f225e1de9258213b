// Thresholds of the action recognisers, their defaults and the checks every options object of
// the active-liveness modules goes through.
import { LivenessInputError } from './types';

export interface ChallengeOptions {
  /**
   * Blink: eyes count as closed below this fraction of the neutral openness. Default 0.68: the
   * landmarker reads a full blink behind glasses as only ≈ 0.65 of neutral (bench:liveness),
   * and frame-to-frame jitter is ±10 %.
   */
  blinkCloseRatio: number;
  /** Blink: eyes count as open again above this fraction (hysteresis). Default 0.85. */
  blinkOpenRatio: number;
  /** Blink: closed shorter than this is noise, ms. Default 10. */
  blinkMinMs: number;
  /** Blink: closed longer than this is not a blink (eyes shut), ms. Default 800. */
  blinkMaxMs: number;
  /** Turn: yaw change from neutral that counts as a turn, degrees. Default 15. */
  turnDeg: number;
  /** Turn: back within this many degrees of neutral re-arms the detector. Default 7. */
  turnReleaseDeg: number;
  /** Mouth: opening above neutral that counts as open. Default 0.25. */
  mouthDelta: number;
  /** Mouth: below this opening above neutral it counts as closed again. Default 0.12. */
  mouthReleaseDelta: number;
  /** Nod: the head must go down (chin down) this far below neutral pitch, degrees. Default 10. */
  nodDeg: number;
  /** Nod: back within this many degrees of neutral completes it. Default 5. */
  nodReleaseDeg: number;
  /** Nod: down and back up within this long, ms (longer is looking down). Default 1500. */
  nodMaxMs: number;
  /** Turn and mouth actions must hold beyond threshold this long, ms. Default 120. */
  holdMs: number;
  /** A gap between samples longer than this (face lost) cancels an action in progress, ms.
   * Default 500. */
  maxGapMs: number;
  /** Per-prompt timeout, ms: the asked action must have completed by then. Default 8000. */
  timeoutMs: number;
  /** Neutral-baseline drift rate per neutral sample (exponential average). Default 0.02. */
  adaptRate: number;
}

export const DEFAULT_CHALLENGE_OPTIONS: Readonly<ChallengeOptions> = Object.freeze({
  blinkCloseRatio: 0.68,
  blinkOpenRatio: 0.85,
  blinkMinMs: 10,
  blinkMaxMs: 800,
  turnDeg: 15,
  turnReleaseDeg: 7,
  mouthDelta: 0.25,
  mouthReleaseDelta: 0.12,
  nodDeg: 10,
  nodReleaseDeg: 5,
  nodMaxMs: 1500,
  holdMs: 120,
  maxGapMs: 500,
  timeoutMs: 8000,
  adaptRate: 0.02,
});

/** Defaults overlaid with `given`; every value must be a finite number >= 0. */
export function resolveOptions<T extends object>(
  defaults: Readonly<T>,
  given: Partial<T>,
  what: string,
): T {
  const o = { ...defaults, ...given } as T;
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new LivenessInputError(
        'bad-options',
        `${what} option ${k} must be a finite number >= 0`,
      );
    }
  }
  return o;
}

export function checkChallengeOptions(o: ChallengeOptions): void {
  if (!(o.blinkCloseRatio < o.blinkOpenRatio && o.blinkOpenRatio <= 1)) {
    throw new LivenessInputError('bad-options', 'need blinkCloseRatio < blinkOpenRatio <= 1');
  }
  if (
    !(o.turnReleaseDeg < o.turnDeg) ||
    !(o.mouthReleaseDelta < o.mouthDelta) ||
    !(o.nodReleaseDeg < o.nodDeg)
  ) {
    throw new LivenessInputError(
      'bad-options',
      'release thresholds must be below the action thresholds',
    );
  }
  if (!(o.blinkMinMs < o.blinkMaxMs) || o.timeoutMs <= 0 || o.adaptRate > 1) {
    throw new LivenessInputError('bad-options', 'inconsistent blink bounds, timeout or adaptRate');
  }
}
