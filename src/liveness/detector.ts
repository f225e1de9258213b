// One challenge step on its own: the asked action, a different deliberate one, or a timeout.
import { CHALLENGE_KINDS, type ChallengeKind } from '../protocol/payload';
import { ActionRecogniser, isWrongAction, type ActionEvent } from './actions';
import {
  adaptBaseline,
  checkBaseline,
  checkSample,
  type Baseline,
  type ChallengeSample,
} from './baseline';
import {
  DEFAULT_CHALLENGE_OPTIONS,
  checkChallengeOptions,
  resolveOptions,
  type ChallengeOptions,
} from './challenge-options';
import { LivenessInputError } from './types';

export type DetectorState =
  | { status: 'pending' }
  | { status: 'passed'; event: ActionEvent }
  | { status: 'wrong'; observed: ChallengeKind; at: number }
  | { status: 'timeout'; at: number };

/**
 * Detector for one challenge step: fed samples from the moment its prompt is shown, it
 * reports pending until the asked action (passed), a different deliberate action (wrong), or
 * `timeoutMs` without either (timeout). The outcome is final.
 */
export class ChallengeDetector {
  private readonly o: ChallengeOptions;
  private readonly recogniser: ActionRecogniser;
  private lastT: number | null = null;
  private outcome: DetectorState = { status: 'pending' };

  constructor(
    readonly kind: ChallengeKind,
    /** Neutral values; updated in place while the person is neutral (adaptive baseline). */
    readonly baseline: Baseline,
    /** Time the prompt was shown, ms (same clock as the samples). */
    readonly promptedAt: number,
    options: Partial<ChallengeOptions> = {},
  ) {
    if (!(CHALLENGE_KINDS as readonly string[]).includes(kind)) {
      throw new LivenessInputError('bad-sequence', `unknown challenge kind ${String(kind)}`);
    }
    if (!Number.isFinite(promptedAt))
      throw new LivenessInputError('bad-sample', 'promptedAt must be finite');
    checkBaseline(baseline);
    this.o = resolveOptions(DEFAULT_CHALLENGE_OPTIONS, options, 'challenge');
    checkChallengeOptions(this.o);
    this.recogniser = new ActionRecogniser(baseline, this.o);
  }

  get state(): DetectorState {
    return this.outcome;
  }

  /** Advances time without a usable face (timeouts still apply). */
  tick(t: number): DetectorState {
    this.checkTime(t);
    if (this.outcome.status === 'pending' && t - this.promptedAt > this.o.timeoutMs) {
      this.outcome = { status: 'timeout', at: t };
    }
    return this.outcome;
  }

  push(s: ChallengeSample): DetectorState {
    checkSample(s);
    this.tick(s.t);
    if (this.outcome.status !== 'pending') return this.outcome;
    const neutral = this.recogniser.neutral(s);
    for (const ev of this.recogniser.push(s)) {
      if (ev.kind === this.kind) {
        this.outcome = { status: 'passed', event: ev };
        return this.outcome;
      }
      if (isWrongAction(this.kind, ev.kind)) {
        this.outcome = { status: 'wrong', observed: ev.kind, at: s.t };
        return this.outcome;
      }
    }
    if (neutral) adaptBaseline(this.baseline, s, this.o.adaptRate);
    return this.outcome;
  }

  private checkTime(t: number): void {
    if (!Number.isFinite(t)) throw new LivenessInputError('bad-sample', 'timestamp must be finite');
    if (this.lastT !== null && t < this.lastT) {
      throw new LivenessInputError('non-monotonic-time', `timestamp ${t} < previous ${this.lastT}`);
    }
    this.lastT = t;
  }
}
