// The pure plausibility checks the server runs on a decrypted payload (the session's JSON shapes
// are in api.ts).

import { ProtocolError } from './errors';
import { VECTOR_LENGTH, type ChallengeEvidenceWire, type ChallengeKind } from './payload';

/** A face vector must be 512 finite floats with an L2 norm near 1 (the embedder normalises). */
export function checkVector(v: Float32Array, normTolerance = 0.05): void {
  if (v.length !== VECTOR_LENGTH) throw new ProtocolError('bad_vector', 'vector length');
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (!Number.isFinite(x)) throw new ProtocolError('bad_vector', 'non-finite component');
    sum += x * x;
  }
  const norm = Math.sqrt(sum);
  if (!(Math.abs(norm - 1) <= normTolerance)) {
    throw new ProtocolError('bad_vector', 'vector is not unit length');
  }
}

export interface LivenessPolicy {
  /** Shortest plausible duration of one challenge, per kind (ms). */
  minDurationMs: Record<ChallengeKind, number>;
  /** Longest plausible duration of one challenge (the widget's per-step timeout). */
  maxDurationMs: number;
  /** Minimum detector score per challenge. */
  minScore: number;
  /** Evidence may not start earlier than this before `clientTime` (session lifetime + slack). */
  maxSpanMs: number;
  /** How far an action's start may precede the previous completion (detector sample jitter). */
  overlapToleranceMs: number;
  /**
   * Reaction window: an action must start at least `minReactionMs` and at most `maxReactionMs`
   * after its prompt was shown. Earlier is anticipation (a recording already moving, or a
   * person who guessed), later is not a response to this prompt. See docs/liveness.md.
   */
  minReactionMs: number;
  maxReactionMs: number;
}

/**
 * The reaction window the widget enforces and the endpoint checks (one owner: both import it).
 * The widget announces the next action during a random pause and gives the go signal at an
 * unpredictable moment, so this is a simple reaction to a go cue, not reading time. 150 ms:
 * nobody starts a movement sooner (simple visual reaction is 180–250 ms, and the measured start
 * lags the true start). 1200 ms: the measured puppet and clip reactions (≈ 0.7–0.9 s) and a slow
 * person's go reaction fit; a miss is asked again. Measured and argued in docs/liveness.md.
 */
export const REACTION_WINDOW_MS = Object.freeze({ min: 150, max: 1200 });

/**
 * Never stricter than the widget's own detector (src/liveness/challenges.ts: blinks from 10 ms,
 * turns and mouth held 120 ms, 8 s step timeout), or real people would be rejected.
 */
export const DEFAULT_LIVENESS_POLICY: LivenessPolicy = {
  minDurationMs: { blink: 10, 'turn-left': 120, 'turn-right': 120, 'open-mouth': 120, nod: 120 },
  maxDurationMs: 20_000,
  minScore: 0.5,
  maxSpanMs: 150_000,
  overlapToleranceMs: 500,
  minReactionMs: REACTION_WINDOW_MS.min,
  maxReactionMs: REACTION_WINDOW_MS.max,
};

/**
 * The evidence must list exactly the issued challenges in the issued order, each prompted only
 * after the previous one completed, started within the reaction window after its own prompt,
 * with a plausible duration and score, and all before the client's submission time.
 */
export function checkLiveness(
  issued: readonly ChallengeKind[],
  evidence: readonly ChallengeEvidenceWire[],
  clientTime: number,
  policy: LivenessPolicy = DEFAULT_LIVENESS_POLICY,
): void {
  if (evidence.length !== issued.length) {
    throw new ProtocolError('liveness_order', 'evidence does not cover the issued challenges');
  }
  // Compare the whole order before reporting, so the reply does not reveal which step differed.
  let orderOk = true;
  for (let i = 0; i < issued.length; i++) orderOk = evidence[i]?.kind === issued[i] && orderOk;
  if (!orderOk) throw new ProtocolError('liveness_order', 'challenges performed out of order');
  if (!Number.isFinite(clientTime)) throw new ProtocolError('liveness_timing', 'client time');
  let previousEnd = clientTime - policy.maxSpanMs + policy.overlapToleranceMs;
  for (const e of evidence) {
    if (![e.promptedAt, e.startedAt, e.completedAt].every(Number.isFinite)) {
      throw new ProtocolError('liveness_timing', 'non-finite time');
    }
    const d = e.completedAt - e.startedAt;
    if (d < policy.minDurationMs[e.kind] || d > policy.maxDurationMs) {
      throw new ProtocolError('liveness_timing', 'implausible challenge duration');
    }
    if (e.startedAt < previousEnd - policy.overlapToleranceMs) {
      throw new ProtocolError('liveness_timing', 'challenges overlap or precede the session');
    }
    // The next prompt is shown only once the previous action was confirmed.
    if (e.promptedAt < previousEnd) {
      throw new ProtocolError('liveness_timing', 'prompt before the previous completion');
    }
    const reaction = e.startedAt - e.promptedAt;
    if (!(reaction >= policy.minReactionMs && reaction <= policy.maxReactionMs)) {
      throw new ProtocolError('liveness_timing', 'action outside the reaction window');
    }
    previousEnd = e.completedAt;
    if (!(e.score >= policy.minScore && e.score <= 1)) {
      throw new ProtocolError('liveness_score', 'challenge score too low');
    }
  }
  if (previousEnd > clientTime) {
    throw new ProtocolError('liveness_timing', 'evidence after submission time');
  }
}
