// What a passed challenge proves, as the browser keeps it and as the sealed payload carries it.
import type { ChallengeEvidenceWire, ChallengeKind } from '../protocol/payload';
import { LivenessInputError } from './types';

/**
 * What the browser reports for one passed challenge. Times are on the samples' clock (ms; e.g.
 * `performance.now()`); `toWireEvidence` moves them to epoch ms for the sealed payload.
 */
export interface ChallengeEvidence {
  kind: ChallengeKind;
  /** When the prompt for the attempt that passed was shown. */
  promptedAt: number;
  /** When the action began: the last neutral sample before it (eyes open / head within
   * `turnReleaseDeg` of neutral / lips closed). */
  startedAt: number;
  /** When the action was recognised. */
  completedAt: number;
  /** Extreme value of the signal: blink → lowest eye openness; turns → yaw at its extreme
   * (degrees, signed: > 0 is the person's left); open-mouth → largest mouth opening; nod →
   * lowest pitch (degrees). */
  peak: number;
  /** The person's neutral value of the same signal. */
  baseline: number;
  /** 0..1: 0.5 at the detection threshold, 1 for a clear action. */
  score: number;
  /** 1-based attempt number that passed. */
  attempt: number;
}

/**
 * Evidence as the sealed payload carries it (`src/protocol/payload.ts`): epoch ms. Pass the
 * epoch time of the samples' clock origin, e.g. `performance.timeOrigin` when samples are
 * stamped with `performance.now()`.
 */
export function toWireEvidence(
  evidence: readonly ChallengeEvidence[],
  clockOriginEpochMs: number,
): ChallengeEvidenceWire[] {
  if (!Number.isFinite(clockOriginEpochMs)) {
    throw new LivenessInputError('bad-options', 'clock origin must be a finite epoch time');
  }
  return evidence.map((e) => ({
    kind: e.kind,
    promptedAt: clockOriginEpochMs + e.promptedAt,
    startedAt: clockOriginEpochMs + e.startedAt,
    completedAt: clockOriginEpochMs + e.completedAt,
    score: e.score,
  }));
}
