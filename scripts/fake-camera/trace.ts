// Did the clip show what it was scripted to show? Per-action summaries of the eye-openness,
// mouth-opening and yaw traces that our own landmarker measured on the rendered frames.
import type { ActionName } from './actions';
import type { TraceRow } from './browser';

export interface ActionSummary {
  action: ActionName;
  fromMs: number;
  toMs: number;
  /** Frames with a face / frames in the segment. */
  seen: string;
  minEye: number;
  maxMouth: number;
  minYaw: number;
  maxYaw: number;
  minPitch: number;
  /** Did the measured signal move the way the action should, by the margin below? */
  visible: boolean;
  detail: string;
}

/** Margins: comfortably past the challenge detector's defaults (blink < 0.6× neutral eye,
 * mouth +0.25, turn 18°), so a clip that passes here passes the element too. */
export const VISIBLE = { blinkRatio: 0.55, mouthDelta: 0.28, turnDeg: 20, nodDeg: 13 } as const;

const fmt = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : '—');

export function summarise(
  rows: readonly TraceRow[],
  actions: readonly ActionName[],
): {
  summaries: ActionSummary[];
  neutral: { eye: number; mouth: number; yaw: number; pitch: number };
} {
  if (rows.length !== actions.length) throw new Error('one action label per trace row');
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.floor(s.length / 2)]! : NaN;
  };
  const neutralRows = rows.filter((r, i) => actions[i] === 'neutral' && r.eye !== null);
  const ref = neutralRows.length ? neutralRows : rows.filter((r) => r.eye !== null);
  const neutral = {
    eye: median(ref.map((r) => r.eye!)),
    mouth: median(ref.map((r) => r.mouth!)),
    yaw: median(ref.map((r) => r.yaw!)),
    pitch: median(ref.map((r) => r.pitch ?? 0)),
  };
  const summaries: ActionSummary[] = [];
  let i = 0;
  while (i < rows.length) {
    let j = i;
    while (j < rows.length && actions[j] === actions[i]) j++;
    const seg = rows.slice(i, j);
    const faced = seg.filter((r) => r.eye !== null);
    const eyes = faced.map((r) => r.eye!);
    const mouths = faced.map((r) => r.mouth!);
    const yaws = faced.map((r) => r.yaw!);
    const s = {
      minEye: Math.min(...eyes),
      maxMouth: Math.max(...mouths),
      minYaw: Math.min(...yaws),
      maxYaw: Math.max(...yaws),
      minPitch: Math.min(...faced.map((r) => r.pitch ?? 0)),
    };
    const action = actions[i]!;
    let visible: boolean;
    let detail: string;
    switch (action) {
      case 'neutral':
        visible = faced.length === seg.length;
        detail = `face in ${faced.length}/${seg.length} frames`;
        break;
      case 'blink':
        visible = s.minEye < neutral.eye * VISIBLE.blinkRatio;
        detail = `eye ${fmt(neutral.eye)} → ${fmt(s.minEye)} (${fmt(s.minEye / neutral.eye)}×)`;
        break;
      case 'open-mouth':
        visible = s.maxMouth - neutral.mouth > VISIBLE.mouthDelta;
        detail = `mouth ${fmt(neutral.mouth)} → ${fmt(s.maxMouth)}`;
        break;
      case 'turn-left':
        visible = s.maxYaw - neutral.yaw > VISIBLE.turnDeg;
        detail = `yaw ${fmt(neutral.yaw, 1)}° → ${fmt(s.maxYaw, 1)}°`;
        break;
      case 'turn-right':
        visible = neutral.yaw - s.minYaw > VISIBLE.turnDeg;
        detail = `yaw ${fmt(neutral.yaw, 1)}° → ${fmt(s.minYaw, 1)}°`;
        break;
      case 'nod':
        visible = neutral.pitch - s.minPitch > VISIBLE.nodDeg;
        detail = `pitch ${fmt(neutral.pitch, 1)}° → ${fmt(s.minPitch, 1)}°`;
        break;
    }
    summaries.push({
      action,
      fromMs: seg[0]!.t,
      toMs: seg.at(-1)!.t,
      seen: `${faced.length}/${seg.length}`,
      ...s,
      visible,
      detail,
    });
    i = j;
  }
  return { summaries, neutral };
}

/** A fixed-width table: one row every `every` frames, then the per-action verdicts. */
export function formatTrace(
  rows: readonly TraceRow[],
  actions: readonly ActionName[],
  every = 3,
): string {
  const lines = ['    t ms  action       faces   eye   mouth    yaw°   pitch°'];
  rows.forEach((r, i) => {
    if (i % every) return;
    lines.push(
      `${String(r.t).padStart(8)}  ${actions[i]!.padEnd(11)}  ${String(r.faces).padStart(5)}  ` +
        `${fmt(r.eye ?? NaN).padStart(5)}  ${fmt(r.mouth ?? NaN).padStart(6)}  ` +
        `${fmt(r.yaw ?? NaN, 1).padStart(6)}  ${fmt(r.pitch ?? NaN, 1).padStart(7)}`,
    );
  });
  const { summaries } = summarise(rows, actions);
  lines.push('', 'action       ms            seen    verdict  measured');
  for (const s of summaries) {
    lines.push(
      `${s.action.padEnd(11)}  ${`${s.fromMs}–${s.toMs}`.padEnd(12)}  ${s.seen.padEnd(6)}  ` +
        `${(s.visible ? 'VISIBLE' : 'MISSING').padEnd(7)}  ${s.detail}`,
    );
  }
  return lines.join('\n');
}
