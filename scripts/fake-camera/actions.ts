// Action scripts: a list of timed actions becomes one Pose per frame.
import { NEUTRAL, type Pose } from './face';

export const ACTIONS = [
  'neutral',
  'blink',
  'open-mouth',
  'turn-left',
  'turn-right',
  'nod',
] as const;
export type ActionName = (typeof ACTIONS)[number];

export interface ActionStep {
  action: ActionName;
  /** Duration in ms; each action has a natural default. */
  ms?: number;
}

/** An action name alone, or with a duration: `'blink'`, `{ action: 'neutral', ms: 2000 }`. */
export type ActionSpec = ActionName | ActionStep;

export const DEFAULT_MS: Readonly<Record<ActionName, number>> = {
  neutral: 1000,
  blink: 450,
  'open-mouth': 1300,
  'turn-left': 1700,
  'turn-right': 1700,
  nod: 1000,
};

/** Peak head turn in degrees: well past a typical 15–20° detector threshold. */
export const TURN_DEG = 33;
/** Peak chin-down of a nod in degrees: twice the 10° detector threshold. */
export const NOD_DEG = 20;

const smooth = (t: number): number => {
  const c = Math.min(1, Math.max(0, t));
  return c * c * (3 - 2 * c);
};

/** Attack-hold-release envelope over [0, 1] of an action's duration. */
function envelope(t: number, attack: number, release: number): number {
  if (t < attack) return smooth(t / attack);
  if (t > 1 - release) return smooth((1 - t) / release);
  return 1;
}

/** The pose at `t` (0..1) through one action. */
export function actionPose(action: ActionName, t: number, ms: number): Pose {
  switch (action) {
    case 'neutral':
      return NEUTRAL;
    case 'blink': {
      // Close in 90 ms, reopen in 140 ms; a longer slot keeps the eyes shut longer (at most
      // ~500 ms, well inside a 800 ms blink bound), so a slow frame sampler still sees it.
      const at = t * ms;
      const close = 90;
      const open = 140;
      const lead = 50;
      const shut = Math.min(500, Math.max(60, ms - close - open - 2 * lead));
      const u = at - lead;
      let c = 0;
      if (u >= 0 && u < close) c = smooth(u / close);
      else if (u >= close && u < close + shut) c = 1;
      else if (u >= close + shut && u < close + shut + open)
        c = smooth(1 - (u - close - shut) / open);
      return { ...NEUTRAL, eyeClosed: c };
    }
    case 'open-mouth':
      return { ...NEUTRAL, mouthOpen: envelope(t, 0.2, 0.2) };
    case 'turn-left':
      return { ...NEUTRAL, yaw: TURN_DEG * envelope(t, 0.28, 0.28) };
    case 'turn-right':
      return { ...NEUTRAL, yaw: -TURN_DEG * envelope(t, 0.28, 0.28) };
    case 'nod':
      // Down and straight back up (a nod completes on the way up), no hold at the bottom.
      return { ...NEUTRAL, pitch: -NOD_DEG * envelope(t, 0.45, 0.45) };
  }
}

export function normalizeSteps(specs: readonly ActionSpec[]): Required<ActionStep>[] {
  return specs.map((s) => {
    const step = typeof s === 'string' ? { action: s } : s;
    if (!ACTIONS.includes(step.action)) throw new Error(`unknown action: ${String(step.action)}`);
    const ms = step.ms ?? DEFAULT_MS[step.action];
    if (!(ms > 0)) throw new Error(`action ${step.action}: duration must be > 0`);
    return { action: step.action, ms };
  });
}

export interface TimedPose extends Pose {
  /** Frame time in ms from the clip start. */
  t: number;
  /** The action running at this frame. */
  action: ActionName;
}

/**
 * One pose per frame at `fps`. `sway` adds a slow sub-pixel drift like a hand-held head, so a
 * rendered "live" clip is never pixel-identical frame to frame.
 */
export function timeline(specs: readonly ActionSpec[], fps: number, sway = true): TimedPose[] {
  const steps = normalizeSteps(specs);
  const total = steps.reduce((s, x) => s + x.ms, 0);
  const frames = Math.max(1, Math.round((total / 1000) * fps));
  const out: TimedPose[] = [];
  let start = 0;
  let k = 0;
  for (let f = 0; f < frames; f++) {
    const t = (f * 1000) / fps;
    while (k < steps.length - 1 && t >= start + steps[k]!.ms) {
      start += steps[k]!.ms;
      k++;
    }
    const step = steps[k]!;
    const pose = actionPose(step.action, Math.min(1, (t - start) / step.ms), step.ms);
    out.push({
      ...pose,
      shiftX: sway ? 1.2 * Math.sin((2 * Math.PI * t) / 2300) : 0,
      shiftY: sway ? 0.8 * Math.sin((2 * Math.PI * t) / 3100 + 1) : 0,
      t,
      action: step.action,
    });
  }
  return out;
}
