// Recognising the actions (blink, turns, open mouth, nod) in the per-frame signal stream: one
// small state machine per action, fed the same samples, and which actions count as deliberate.
import type { ChallengeKind } from '../protocol/payload';
import type { Baseline, ChallengeSample } from './baseline';
import type { ChallengeOptions } from './challenge-options';

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

/** One action's state machine; it starts disarmed (see ActionRecogniser). */
abstract class Tracker {
  constructor(
    protected readonly b: Baseline,
    protected readonly o: ChallengeOptions,
  ) {}

  /** True while an action of this kind is in progress. */
  abstract get busy(): boolean;
  /** Forgets an action in progress and waits for the signal to be neutral again. */
  abstract disarm(): void;
  /** Feeds one sample; returns the action completed on it, if any. */
  abstract push(s: ChallengeSample): ActionEvent | null;
}

/** Blink: ratio of current to neutral openness, with hysteresis between close and open. */
class BlinkTracker extends Tracker {
  private armed = false;
  private lastOpenAt = 0;
  private closedAt: number | null = null;
  private eyeMin = Infinity;

  get busy(): boolean {
    return this.closedAt !== null;
  }

  /** When the blink now in progress began (the last open sample), else null. */
  startedAt(): number | null {
    return this.closedAt === null ? null : this.lastOpenAt;
  }

  disarm(): void {
    this.armed = false;
    this.closedAt = null;
  }

  push(s: ChallengeSample): ActionEvent | null {
    const { b, o } = this;
    const r = eyeRatio(s, b);
    if (this.closedAt === null) {
      if (r >= o.blinkOpenRatio) {
        this.armed = true;
        this.lastOpenAt = s.t;
      } else if (r < o.blinkCloseRatio && this.armed) {
        this.closedAt = s.t;
        this.eyeMin = s.eye;
      }
      return null;
    }
    this.eyeMin = Math.min(this.eyeMin, s.eye);
    if (r < o.blinkOpenRatio) return null;
    const dur = s.t - this.closedAt;
    this.closedAt = null;
    if (dur < o.blinkMinMs || dur > o.blinkMaxMs) return null;
    const depth = 1 - this.eyeMin / b.eye;
    return {
      kind: 'blink',
      startedAt: this.lastOpenAt,
      completedAt: s.t,
      peak: this.eyeMin,
      baseline: b.eye,
      score: scoreOf(depth, 1 - o.blinkCloseRatio, 0.8),
    };
  }
}

/** Turn: yaw excursion beyond turnDeg held for holdMs; re-armed back near neutral. */
class TurnTracker extends Tracker {
  private armed = false;
  /** Sign of the excursion being tracked (1 left, -1 right), 0 when neutral. */
  private dir = 0;
  private start = 0;
  private onsetAt = 0;
  private beyondAt: number | null = null;
  private peak = 0;

  get busy(): boolean {
    return this.dir !== 0;
  }

  /** When the turn towards `dir` now in progress began, else null. */
  startedAt(dir: 1 | -1): number | null {
    return this.armed && this.dir === dir ? onset(this.onsetAt, this.start) : null;
  }

  disarm(): void {
    this.armed = false;
    this.beyondAt = null;
    this.dir = 0;
  }

  push(s: ChallengeSample): ActionEvent | null {
    const { b, o } = this;
    const dy = s.yaw - b.yaw;
    if (Math.abs(dy) < o.turnReleaseDeg) {
      this.armed = true;
      this.start = s.t;
      if (Math.abs(dy) < ONSET * o.turnReleaseDeg) this.onsetAt = s.t;
      this.dir = 0;
      this.beyondAt = null;
      return null;
    }
    if (!this.armed) return null;
    const dir = Math.sign(dy);
    if (this.dir !== dir) {
      this.dir = dir;
      this.beyondAt = null;
      this.peak = s.yaw;
    }
    if (dir * (s.yaw - this.peak) > 0) this.peak = s.yaw;
    if (Math.abs(dy) <= o.turnDeg) {
      this.beyondAt = null;
      return null;
    }
    this.beyondAt ??= s.t;
    if (s.t - this.beyondAt < o.holdMs) return null;
    const event: ActionEvent = {
      kind: dir > 0 ? 'turn-left' : 'turn-right',
      startedAt: onset(this.onsetAt, this.start),
      completedAt: s.t,
      peak: this.peak,
      baseline: b.yaw,
      score: scoreOf(Math.abs(this.peak - b.yaw), o.turnDeg, 2 * o.turnDeg),
    };
    // One event per excursion: wait for the head to come back.
    this.armed = false;
    this.dir = 0;
    this.beyondAt = null;
    return event;
  }
}

/**
 * An excursion of one signal away from neutral (mouth opening, head going down): armed while
 * the signal rests near neutral, started at the onset before it left the band.
 */
abstract class ExcursionTracker extends Tracker {
  protected armed = false;
  private neutralAt = 0;
  private onsetAt = 0;
  protected start: number | null = null;
  protected peak = 0;

  get busy(): boolean {
    return this.start !== null;
  }

  /** When the excursion now in progress began, else null. */
  startedAt(): number | null {
    return this.start;
  }

  disarm(): void {
    this.armed = false;
    this.start = null;
  }

  /** The signal is within the release band at `t` (`near`: also within the onset band). */
  protected rest(t: number, near: boolean): void {
    this.armed = true;
    this.neutralAt = t;
    if (near) this.onsetAt = t;
    this.start = null;
  }

  /** The signal is beyond the release band: starts the excursion at its first sample. */
  protected begin(value: number): number {
    if (this.start === null) {
      this.start = onset(this.onsetAt, this.neutralAt);
      this.peak = value;
    }
    return this.start;
  }
}

/** Mouth: opening above neutral held for holdMs; re-armed when closed again. */
class MouthTracker extends ExcursionTracker {
  private beyondAt: number | null = null;

  override disarm(): void {
    super.disarm();
    this.beyondAt = null;
  }

  push(s: ChallengeSample): ActionEvent | null {
    const { b, o } = this;
    const dm = s.mouth - b.mouth;
    if (dm < o.mouthReleaseDelta) {
      this.rest(s.t, dm < ONSET * o.mouthReleaseDelta);
      this.beyondAt = null;
      return null;
    }
    if (!this.armed) return null;
    const start = this.begin(s.mouth);
    this.peak = Math.max(this.peak, s.mouth);
    if (dm <= o.mouthDelta) {
      this.beyondAt = null;
      return null;
    }
    this.beyondAt ??= s.t;
    if (s.t - this.beyondAt < o.holdMs) return null;
    const event: ActionEvent = {
      kind: 'open-mouth',
      startedAt: start,
      completedAt: s.t,
      peak: this.peak,
      baseline: b.mouth,
      score: scoreOf(this.peak - b.mouth, o.mouthDelta, 2 * o.mouthDelta),
    };
    this.disarm();
    return event;
  }
}

/**
 * Nod: pitch down past nodDeg, then back up near neutral, within nodMaxMs. Completing on the
 * way back up tells a nod from looking down (a posture change, or reading the screen).
 */
class NodTracker extends ExcursionTracker {
  private beyond = false;

  override disarm(): void {
    super.disarm();
    this.beyond = false;
  }

  push(s: ChallengeSample): ActionEvent | null {
    const { b, o } = this;
    const dp = s.pitch - b.pitch;
    if (dp > -o.nodReleaseDeg) {
      const event: ActionEvent | null =
        this.start !== null && this.beyond && s.t - this.start <= o.nodMaxMs
          ? {
              kind: 'nod',
              startedAt: this.start,
              completedAt: s.t,
              peak: this.peak,
              baseline: b.pitch,
              score: scoreOf(b.pitch - this.peak, o.nodDeg, 2 * o.nodDeg),
            }
          : null;
      this.rest(s.t, dp > -ONSET * o.nodReleaseDeg);
      this.beyond = false;
      return event;
    }
    if (!this.armed) return null;
    const start = this.begin(s.pitch);
    this.peak = Math.min(this.peak, s.pitch);
    if (dp < -o.nodDeg) this.beyond = true;
    // Held down: not a nod. Wait for the head to come back up before arming again.
    if (s.t - start > o.nodMaxMs) this.disarm();
    return null;
  }
}

/**
 * Recognises every action kind at once from samples. Each recogniser starts DISARMED and arms
 * only once its signal is seen neutral, so a pose held over from the previous step (still
 * turned, mouth still open) never counts in the next one.
 */
export class ActionRecogniser {
  private lastT: number | null = null;
  private readonly blink: BlinkTracker;
  private readonly turn: TurnTracker;
  private readonly mouth: MouthTracker;
  private readonly nod: NodTracker;
  /** In the order their events are reported for one sample. */
  private readonly trackers: readonly Tracker[];

  constructor(
    private readonly baseline: Baseline,
    private readonly o: ChallengeOptions,
  ) {
    this.blink = new BlinkTracker(baseline, o);
    this.turn = new TurnTracker(baseline, o);
    this.mouth = new MouthTracker(baseline, o);
    this.nod = new NodTracker(baseline, o);
    this.trackers = [this.blink, this.turn, this.mouth, this.nod];
  }

  /** True when no action is in progress and the sample sits in the neutral bands. */
  neutral(s: ChallengeSample): boolean {
    return (
      this.trackers.every((t) => !t.busy) &&
      eyeRatio(s, this.baseline) >= this.o.blinkOpenRatio &&
      Math.abs(s.yaw - this.baseline.yaw) < this.o.turnReleaseDeg &&
      s.mouth - this.baseline.mouth < this.o.mouthReleaseDelta
    );
  }

  /**
   * When an action of `kind` now in progress (not yet recognised) began, else null: lets a
   * runner wait for an action that started inside its reaction window to complete.
   */
  inProgress(kind: ChallengeKind): number | null {
    switch (kind) {
      case 'blink':
        return this.blink.startedAt();
      case 'turn-left':
      case 'turn-right':
        return this.turn.startedAt(kind === 'turn-left' ? 1 : -1);
      case 'open-mouth':
        return this.mouth.startedAt();
      case 'nod':
        return this.nod.startedAt();
    }
  }

  /** Feeds one sample; returns the actions completed on it. */
  push(s: ChallengeSample): ActionEvent[] {
    if (this.lastT !== null && s.t - this.lastT > this.o.maxGapMs) {
      for (const t of this.trackers) t.disarm();
    }
    this.lastT = s.t;
    const out: ActionEvent[] = [];
    for (const t of this.trackers) {
      const event = t.push(s);
      if (event) out.push(event);
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
