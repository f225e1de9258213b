// Active liveness: detectors for server-issued challenges over per-frame signal samples, and a
// runner that plays a sequence one step at a time. Pure and DOM-free; time comes from the
// samples, never from a clock.
import {
  CHALLENGE_KINDS,
  type ChallengeEvidenceWire,
  type ChallengeKind,
} from '../protocol/payload';
import { REACTION_WINDOW_MS } from '../protocol/session';
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

function resolve<T extends object>(defaults: Readonly<T>, given: Partial<T>, what: string): T {
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

function checkChallengeOptions(o: ChallengeOptions): void {
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

/**
 * Eye openness relative to neutral. Divided by the relative face aspect when both are known:
 * a nod or a tilted print shortens eyelid gaps and the face's vertical extent alike, a blink
 * only the eyelids.
 */
function eyeRatio(s: ChallengeSample, b: Baseline): number {
  const r = s.eye / b.eye;
  if (s.aspect === undefined || b.aspect === undefined || !(b.aspect > 0)) return r;
  return r / (s.aspect / b.aspect);
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
/** 0.5 at the threshold, rising linearly to 1 at `strong`. */
const scoreOf = (value: number, threshold: number, strong: number): number =>
  0.5 + 0.5 * clamp01((value - threshold) / Math.max(1e-9, strong - threshold));

/**
 * Where a movement starts: the last sample within ONSET × the release band of neutral, not the
 * last one inside the band (a slow turn takes ~200 ms to leave a 7° band, which would eat into
 * the reaction window), but never more than ONSET_MAX_MS before leaving the band (a head that
 * rests a little off its neutral must not look as if it had moved long before).
 */
const ONSET = 0.5;
const ONSET_MAX_MS = 300;
const onset = (nearAt: number, bandAt: number): number => Math.max(nearAt, bandAt - ONSET_MAX_MS);

/** An action recognised in the signal stream. */
export interface ActionEvent {
  kind: ChallengeKind;
  startedAt: number;
  completedAt: number;
  peak: number;
  baseline: number;
  score: number;
}

/**
 * Recognises every action kind at once from samples. Each recogniser starts DISARMED and arms
 * only once its signal is seen neutral, so a pose held over from the previous step (still
 * turned, mouth still open) never counts in the next one.
 */
export class ActionRecogniser {
  private lastT: number | null = null;
  // blink
  private blinkArmed = false;
  private lastOpenAt = 0;
  private closedAt: number | null = null;
  private eyeMin = Infinity;
  // turn: sign of the excursion being tracked (1 left, -1 right), 0 when neutral
  private turnArmed = false;
  private turnDir = 0;
  private turnStart = 0;
  private turnOnsetAt = 0;
  private turnBeyondAt: number | null = null;
  private turnPeak = 0;
  // mouth
  private mouthArmed = false;
  private mouthNeutralAt = 0;
  private mouthOnsetAt = 0;
  private mouthStart: number | null = null;
  private mouthBeyondAt: number | null = null;
  private mouthPeak = 0;
  // nod: down past nodDeg and back up
  private nodArmed = false;
  private nodNeutralAt = 0;
  private nodOnsetAt = 0;
  private nodStart: number | null = null;
  private nodBeyond = false;
  private nodPeak = 0;

  constructor(
    private readonly baseline: Baseline,
    private readonly o: ChallengeOptions,
  ) {}

  /** True when no action is in progress and the sample sits in the neutral bands. */
  neutral(s: ChallengeSample): boolean {
    return (
      this.closedAt === null &&
      this.turnDir === 0 &&
      this.mouthStart === null &&
      this.nodStart === null &&
      eyeRatio(s, this.baseline) >= this.o.blinkOpenRatio &&
      Math.abs(s.yaw - this.baseline.yaw) < this.o.turnReleaseDeg &&
      s.mouth - this.baseline.mouth < this.o.mouthReleaseDelta
    );
  }

  private disarm(): void {
    this.blinkArmed = this.turnArmed = this.mouthArmed = this.nodArmed = false;
    this.closedAt = this.mouthStart = this.mouthBeyondAt = this.turnBeyondAt = null;
    this.nodStart = null;
    this.nodBeyond = false;
    this.turnDir = 0;
  }

  /**
   * When an action of `kind` now in progress (not yet recognised) began, else null: lets a
   * runner wait for an action that started inside its reaction window to complete.
   */
  inProgress(kind: ChallengeKind): number | null {
    switch (kind) {
      case 'blink':
        return this.closedAt === null ? null : this.lastOpenAt;
      case 'turn-left':
      case 'turn-right':
        return this.turnArmed && this.turnDir === (kind === 'turn-left' ? 1 : -1)
          ? onset(this.turnOnsetAt, this.turnStart)
          : null;
      case 'open-mouth':
        return this.mouthStart;
      case 'nod':
        return this.nodStart;
    }
  }

  /** Feeds one sample; returns the actions completed on it. */
  push(s: ChallengeSample): ActionEvent[] {
    const out: ActionEvent[] = [];
    if (this.lastT !== null && s.t - this.lastT > this.o.maxGapMs) this.disarm();
    this.lastT = s.t;
    const b = this.baseline;
    const o = this.o;

    // Blink: ratio of current to neutral openness, with hysteresis between close and open.
    const r = eyeRatio(s, b);
    if (this.closedAt === null) {
      if (r >= o.blinkOpenRatio) {
        this.blinkArmed = true;
        this.lastOpenAt = s.t;
      } else if (r < o.blinkCloseRatio && this.blinkArmed) {
        this.closedAt = s.t;
        this.eyeMin = s.eye;
      }
    } else {
      this.eyeMin = Math.min(this.eyeMin, s.eye);
      if (r >= o.blinkOpenRatio) {
        const dur = s.t - this.closedAt;
        if (dur >= o.blinkMinMs && dur <= o.blinkMaxMs) {
          const depth = 1 - this.eyeMin / b.eye;
          out.push({
            kind: 'blink',
            startedAt: this.lastOpenAt,
            completedAt: s.t,
            peak: this.eyeMin,
            baseline: b.eye,
            score: scoreOf(depth, 1 - o.blinkCloseRatio, 0.8),
          });
        }
        this.closedAt = null;
      }
    }

    // Turn: yaw excursion beyond turnDeg held for holdMs; re-armed back near neutral.
    const dy = s.yaw - b.yaw;
    if (Math.abs(dy) < o.turnReleaseDeg) {
      this.turnArmed = true;
      this.turnStart = s.t;
      if (Math.abs(dy) < ONSET * o.turnReleaseDeg) this.turnOnsetAt = s.t;
      this.turnDir = 0;
      this.turnBeyondAt = null;
    } else if (this.turnArmed) {
      const dir = Math.sign(dy);
      if (this.turnDir !== dir) {
        this.turnDir = dir;
        this.turnBeyondAt = null;
        this.turnPeak = s.yaw;
      }
      if (dir * (s.yaw - this.turnPeak) > 0) this.turnPeak = s.yaw;
      if (Math.abs(dy) > o.turnDeg) {
        this.turnBeyondAt ??= s.t;
        if (s.t - this.turnBeyondAt >= o.holdMs) {
          out.push({
            kind: dir > 0 ? 'turn-left' : 'turn-right',
            startedAt: onset(this.turnOnsetAt, this.turnStart),
            completedAt: s.t,
            peak: this.turnPeak,
            baseline: b.yaw,
            score: scoreOf(Math.abs(this.turnPeak - b.yaw), o.turnDeg, 2 * o.turnDeg),
          });
          // One event per excursion: wait for the head to come back.
          this.turnArmed = false;
          this.turnDir = 0;
          this.turnBeyondAt = null;
        }
      } else {
        this.turnBeyondAt = null;
      }
    }

    // Mouth: opening above neutral held for holdMs; re-armed when closed again.
    const dm = s.mouth - b.mouth;
    if (dm < o.mouthReleaseDelta) {
      this.mouthArmed = true;
      this.mouthNeutralAt = s.t;
      if (dm < ONSET * o.mouthReleaseDelta) this.mouthOnsetAt = s.t;
      this.mouthStart = null;
      this.mouthBeyondAt = null;
    } else if (this.mouthArmed) {
      if (this.mouthStart === null) {
        this.mouthStart = onset(this.mouthOnsetAt, this.mouthNeutralAt);
        this.mouthPeak = s.mouth;
      }
      this.mouthPeak = Math.max(this.mouthPeak, s.mouth);
      if (dm > o.mouthDelta) {
        this.mouthBeyondAt ??= s.t;
        if (s.t - this.mouthBeyondAt >= o.holdMs) {
          out.push({
            kind: 'open-mouth',
            startedAt: this.mouthStart,
            completedAt: s.t,
            peak: this.mouthPeak,
            baseline: b.mouth,
            score: scoreOf(this.mouthPeak - b.mouth, o.mouthDelta, 2 * o.mouthDelta),
          });
          this.mouthArmed = false;
          this.mouthStart = null;
          this.mouthBeyondAt = null;
        }
      } else {
        this.mouthBeyondAt = null;
      }
    }

    // Nod: pitch down past nodDeg, then back up near neutral, within nodMaxMs. Completing on
    // the way back up tells a nod from looking down (a posture change, or reading the screen).
    const dp = s.pitch - b.pitch;
    if (dp > -o.nodReleaseDeg) {
      if (this.nodStart !== null && this.nodBeyond && s.t - this.nodStart <= o.nodMaxMs) {
        out.push({
          kind: 'nod',
          startedAt: this.nodStart,
          completedAt: s.t,
          peak: this.nodPeak,
          baseline: b.pitch,
          score: scoreOf(b.pitch - this.nodPeak, o.nodDeg, 2 * o.nodDeg),
        });
      }
      this.nodArmed = true;
      this.nodNeutralAt = s.t;
      if (dp > -ONSET * o.nodReleaseDeg) this.nodOnsetAt = s.t;
      this.nodStart = null;
      this.nodBeyond = false;
    } else if (this.nodArmed) {
      if (this.nodStart === null) {
        this.nodStart = onset(this.nodOnsetAt, this.nodNeutralAt);
        this.nodPeak = s.pitch;
      }
      this.nodPeak = Math.min(this.nodPeak, s.pitch);
      if (dp < -o.nodDeg) this.nodBeyond = true;
      if (s.t - this.nodStart > o.nodMaxMs) {
        // Held down: not a nod. Wait for the head to come back up before arming again.
        this.nodArmed = false;
        this.nodStart = null;
        this.nodBeyond = false;
      }
    }
    return out;
  }
}

/**
 * Which observed actions count as a deliberate action other than the asked one. Blinks never do:
 * people blink spontaneously every few seconds, often while turning the head. A nod counts only
 * in sessions that ask for nods (`nodIsDeliberate`); elsewhere a glance down is not evidence.
 */
export function isWrongAction(
  asked: ChallengeKind,
  observed: ChallengeKind,
  nodIsDeliberate = asked === 'nod',
): boolean {
  if (observed === asked || observed === 'blink') return false;
  return observed !== 'nod' || nodIsDeliberate;
}

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
    this.o = resolve(DEFAULT_CHALLENGE_OPTIONS, options, 'challenge');
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

function checkBaseline(b: Baseline): void {
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
function adaptBaseline(b: Baseline, s: ChallengeSample, rate: number): void {
  b.eye += rate * (s.eye - b.eye);
  b.mouth += rate * (s.mouth - b.mouth);
  b.yaw += rate * (s.yaw - b.yaw);
  b.pitch += rate * (s.pitch - b.pitch);
  if (b.aspect !== undefined && s.aspect !== undefined) b.aspect += rate * (s.aspect - b.aspect);
}

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
    this.o = resolve(DEFAULT_CALIBRATION_OPTIONS, options, 'calibration');
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
    this.o = resolve(DEFAULT_RUNNER_OPTIONS, rest, 'runner');
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
