// A server-issued challenge sequence played as challenge-response: calibration, random pauses,
// prompts, the reaction window, attempts, and the evidence of the steps passed.
import { CHALLENGE_KINDS, type ChallengeKind } from '../protocol/payload';
import { REACTION_WINDOW_MS } from '../protocol/session';
import { ActionRecogniser, isWrongAction, type ActionEvent } from './actions';
import {
  adaptBaseline,
  checkBaseline,
  checkSample,
  type Baseline,
  type ChallengeSample,
} from './baseline';
import {
  BaselineCalibrator,
  DEFAULT_CALIBRATION_OPTIONS,
  type CalibrationOptions,
} from './calibration';
import {
  DEFAULT_CHALLENGE_OPTIONS,
  checkChallengeOptions,
  resolveOptions,
  type ChallengeOptions,
} from './challenge-options';
import type { ChallengeEvidence } from './evidence';
import { LivenessInputError } from './types';

export interface RunnerOptions extends ChallengeOptions, CalibrationOptions {
  /**
   * Attempts per session: a missed prompt (no response inside the reaction window, or the asked
   * action not completed within `timeoutMs`) uses one and the step is prompted again; the
   * session fails when none is left. Default 3 (two misses forgiven in the whole session).
   */
  maxAttempts: number;
  /** The asked action must start this long after its prompt at the earliest, ms. */
  minReactionMs: number;
  /** …and at the latest, ms. Defaults: the protocol's REACTION_WINDOW_MS. */
  maxReactionMs: number;
  /** Random pause before each prompt, ms: uniform in [promptDelayMinMs, promptDelayMaxMs]. */
  promptDelayMinMs: number;
  promptDelayMaxMs: number;
}

export const DEFAULT_RUNNER_OPTIONS: Readonly<RunnerOptions> = Object.freeze({
  ...DEFAULT_CHALLENGE_OPTIONS,
  ...DEFAULT_CALIBRATION_OPTIONS,
  maxAttempts: 3,
  minReactionMs: REACTION_WINDOW_MS.min,
  maxReactionMs: REACTION_WINDOW_MS.max,
  promptDelayMinMs: 300,
  promptDelayMaxMs: 2000,
});

/** Why the previous attempt of this step was missed, for the prompt. */
export type RetryReason = { reason: 'timeout' } | { reason: 'late' } | { reason: 'early' } | null;

/** Why the session failed: a miss with no attempts left, or at once on a deliberate action. */
export type FailReason = 'timeout' | 'wrong' | 'early' | 'calibration';

export type RunnerState =
  | { phase: 'calibrating' }
  | {
      /**
       * A random pause before the go signal. The UI may announce `kind` ("next: …") but must
       * not signal go: the go moment is what a recording cannot predict.
       */
      phase: 'waiting';
      index: number;
      kind: ChallengeKind;
      attempt: number;
      retry: RetryReason;
    }
  | {
      phase: 'challenge';
      /** 0-based position in the sequence. */
      index: number;
      kind: ChallengeKind;
      /** 1-based attempt of the session (a miss anywhere uses one). */
      attempt: number;
      retry: RetryReason;
      /** When this prompt was shown (the samples' clock). */
      promptedAt: number;
    }
  | { phase: 'passed'; evidence: ChallengeEvidence[] }
  | {
      phase: 'failed';
      reason: FailReason;
      index: number;
      kind: ChallengeKind | null;
      observed: ChallengeKind | null;
    };

/**
 * Runs a server-issued challenge sequence as challenge-response a recording cannot follow:
 * calibrates the person's neutral, then for each step waits a random pause, shows the prompt,
 * and accepts the asked action only if it STARTS inside the reaction window after the prompt.
 * Any deliberate action other than the asked one, or any deliberate action before its prompt,
 * fails the session at once (a recording performs its next action whatever is asked); a missed
 * prompt uses one of the session's attempts. The next pause starts as soon as an action is
 * confirmed, so a prompt person is never slowed down.
 *
 * Feed every analysed frame with `push` (a face) or `tick` (no usable face). Pass a `baseline`
 * to skip calibration, `random` (0..1) to make the pauses reproducible in tests.
 */
export class ChallengeRunner {
  private readonly o: RunnerOptions;
  private readonly calibrator: BaselineCalibrator;
  private readonly random: () => number;
  private readonly nodIsDeliberate: boolean;
  private baseline: Baseline | null = null;
  private recogniser: ActionRecogniser | null = null;
  private t0: number | null = null;
  private lastT: number | null = null;
  private promptAt = 0;
  private pauseStartedAt = 0;
  private readonly evidence: ChallengeEvidence[] = [];
  private current: RunnerState = { phase: 'calibrating' };

  constructor(
    readonly sequence: readonly ChallengeKind[],
    options: Partial<RunnerOptions> & { baseline?: Baseline; random?: () => number } = {},
  ) {
    if (!Array.isArray(sequence) || sequence.length === 0) {
      throw new LivenessInputError('bad-sequence', 'challenge sequence must be a non-empty array');
    }
    for (const k of sequence) {
      if (!(CHALLENGE_KINDS as readonly string[]).includes(k)) {
        throw new LivenessInputError('bad-sequence', `unknown challenge kind ${String(k)}`);
      }
    }
    const { baseline, random, ...rest } = options;
    this.o = resolveOptions(DEFAULT_RUNNER_OPTIONS, rest, 'runner');
    checkChallengeOptions(this.o);
    if (!Number.isInteger(this.o.maxAttempts) || this.o.maxAttempts < 1) {
      throw new LivenessInputError('bad-options', 'maxAttempts must be an integer >= 1');
    }
    if (
      !(this.o.minReactionMs < this.o.maxReactionMs) ||
      !(this.o.promptDelayMinMs <= this.o.promptDelayMaxMs)
    ) {
      throw new LivenessInputError('bad-options', 'inconsistent reaction window or prompt delay');
    }
    this.random = random ?? cryptoRandom;
    this.nodIsDeliberate = sequence.includes('nod');
    this.calibrator = new BaselineCalibrator(this.o);
    if (baseline !== undefined) {
      checkBaseline(baseline);
      this.baseline = { ...baseline };
    }
  }

  get state(): RunnerState {
    return this.current;
  }

  /** The neutral values in use (a copy), or null while calibrating. */
  get neutral(): Baseline | null {
    return this.baseline && { ...this.baseline };
  }

  /** A frame with a face. */
  push(s: ChallengeSample): RunnerState {
    checkSample(s);
    this.advance(s.t);
    if (this.done()) return this.current;
    if (this.baseline === null) {
      this.baseline = this.calibrator.push(s);
      if (this.baseline !== null) this.wait(0, 1, s.t, null);
      return this.current;
    }
    if (this.recogniser === null) this.wait(0, 1, s.t, null);
    const neutral = this.recogniser!.neutral(s);
    for (const ev of this.recogniser!.push(s)) {
      this.onAction(ev, s.t);
      if (this.done()) return this.current;
    }
    if (neutral) adaptBaseline(this.baseline, s, this.o.adaptRate);
    this.onTime(s.t);
    return this.current;
  }

  /** A frame without a usable face: only time advances. */
  tick(t: number): RunnerState {
    this.advance(t);
    if (!this.done() && this.recogniser !== null) this.onTime(t);
    return this.current;
  }

  private done(): boolean {
    return this.current.phase === 'passed' || this.current.phase === 'failed';
  }

  private advance(t: number): void {
    if (!Number.isFinite(t)) throw new LivenessInputError('bad-sample', 'timestamp must be finite');
    if (this.lastT !== null && t < this.lastT) {
      throw new LivenessInputError('non-monotonic-time', `timestamp ${t} < previous ${this.lastT}`);
    }
    this.lastT = t;
    this.t0 ??= t;
    if (this.current.phase === 'calibrating' && t - this.t0 > this.o.calibrationTimeoutMs) {
      this.fail('calibration', 0, null, null);
    }
  }

  /** The random pause before prompting step `index`. */
  private wait(index: number, attempt: number, t: number, retry: RetryReason): void {
    // One recogniser for the whole session: an action is seen whenever it happens, so one
    // performed during a pause is caught as "before the prompt".
    this.recogniser ??= new ActionRecogniser(this.baseline!, this.o);
    const { promptDelayMinMs: lo, promptDelayMaxMs: hi } = this.o;
    this.pauseStartedAt = t;
    this.promptAt = t + lo + (hi - lo) * this.random();
    this.current = { phase: 'waiting', index, kind: this.sequence[index]!, attempt, retry };
  }

  private onTime(t: number): void {
    const cur = this.current;
    if (cur.phase === 'waiting') {
      if (t >= this.promptAt) this.current = { ...cur, phase: 'challenge', promptedAt: t };
      return;
    }
    if (cur.phase !== 'challenge') return;
    const since = t - cur.promptedAt;
    const started = this.recogniser!.inProgress(cur.kind);
    const startedInTime = started !== null && started - cur.promptedAt <= this.o.maxReactionMs;
    if (since > this.o.timeoutMs || (since > this.o.maxReactionMs && !startedInTime)) {
      this.miss(cur, t, 'timeout');
    }
  }

  private onAction(ev: ActionEvent, t: number): void {
    const cur = this.current;
    if (cur.phase !== 'waiting' && cur.phase !== 'challenge') return;
    if (cur.phase === 'waiting') {
      // No go signal yet. Blinks are never deliberate, even when blink is next. The announced
      // action done too early is an eager person: a miss, asked again (a slow person's late
      // response to the previous, missed go signal is forgiven). Any other deliberate action is
      // a recording running ahead: the session fails.
      const deliberate = ev.kind !== 'blink' && (ev.kind !== 'nod' || this.nodIsDeliberate);
      if (!deliberate) return;
      if (ev.kind !== cur.kind) {
        this.fail('early', cur.index, cur.kind, ev.kind);
        return;
      }
      const slowBefore = cur.retry?.reason === 'timeout' || cur.retry?.reason === 'late';
      if (!(slowBefore && ev.startedAt < this.pauseStartedAt + this.o.maxReactionMs)) {
        this.miss(cur, t, 'early');
      }
      return;
    }
    if (ev.kind !== cur.kind) {
      if (isWrongAction(cur.kind, ev.kind, this.nodIsDeliberate)) {
        this.fail('wrong', cur.index, cur.kind, ev.kind);
      }
      return;
    }
    const reaction = ev.startedAt - cur.promptedAt;
    if (reaction < this.o.minReactionMs) {
      // Started before the go signal could have been seen: anticipation, a miss. A blink may be
      // spontaneous: ignore it.
      if (ev.kind !== 'blink') this.miss(cur, t, 'early');
      return;
    }
    if (reaction > this.o.maxReactionMs) {
      if (ev.kind !== 'blink') this.miss(cur, t, 'late');
      return;
    }
    this.evidence.push({
      kind: cur.kind,
      promptedAt: cur.promptedAt,
      startedAt: ev.startedAt,
      completedAt: ev.completedAt,
      peak: ev.peak,
      baseline: ev.baseline,
      score: ev.score,
      attempt: cur.attempt,
    });
    if (cur.index + 1 < this.sequence.length) this.wait(cur.index + 1, cur.attempt, t, null);
    else this.current = { phase: 'passed', evidence: this.evidence.map((x) => ({ ...x })) };
  }

  /** A missed try (too slow, too early): uses one of the session's attempts. */
  private miss(
    cur: Extract<RunnerState, { phase: 'challenge' | 'waiting' }>,
    t: number,
    reason: 'timeout' | 'late' | 'early',
  ): void {
    if (cur.attempt >= this.o.maxAttempts) {
      this.fail(reason === 'early' ? 'early' : 'timeout', cur.index, cur.kind, null);
    } else this.wait(cur.index, cur.attempt + 1, t, { reason });
  }

  private fail(
    reason: FailReason,
    index: number,
    kind: ChallengeKind | null,
    observed: ChallengeKind | null,
  ): void {
    this.current = { phase: 'failed', reason, index, kind, observed };
  }
}

/** Uniform 0..1 from the platform CSPRNG: pauses a recording cannot predict. */
function cryptoRandom(): number {
  const b = new Uint32Array(1);
  globalThis.crypto.getRandomValues(b);
  return b[0]! / 2 ** 32;
}
