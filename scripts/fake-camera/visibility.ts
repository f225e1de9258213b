// Can this face perform every action? Renders a probe clip with each action once, runs our own
// landmarker over it (trace.ts verdicts) and caches the answer per face and renderer version, so a
// photo whose blink (or turn) cannot render visibly is named once, up front, instead of as a
// clip or puppet that silently fails its challenge.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionName, ActionSpec } from './actions';
import type { LandmarkSession } from './browser';
import { DEFAULT_CACHE_DIR, renderClip, type PreparedFace } from './clip';
import { RENDER_VERSION } from './render';
import { summarise, type ActionSummary } from './trace';

/** Every action once, from rest (what `make-fake-camera --trace` renders, plus a nod). */
export const PROBE: readonly ActionSpec[] = [
  { action: 'neutral', ms: 1000 },
  'blink',
  { action: 'neutral', ms: 500 },
  'open-mouth',
  'turn-left',
  'turn-right',
  'nod',
];

export interface ActionCheck {
  /** The face's cache key. */
  key: string;
  /** Actions our landmarker saw past the challenge detector's defaults with margin. */
  visible: ActionName[];
  missing: ActionName[];
  /** What was measured per action, e.g. blink: "eye 0.22 → 0.15 (0.71×)". */
  detail: Partial<Record<ActionName, string>>;
}

/** Renders `actions` for `face` at `fps`, traces them with our landmarker, one verdict per step. */
export async function traceActions(
  session: LandmarkSession,
  face: PreparedFace,
  actions: readonly ActionSpec[],
  fps: number,
): Promise<ActionSummary[]> {
  const frames = [...renderClip(face, actions, { fps })];
  const rows = await session.trace(
    frames.map((f) => f.image),
    fps,
  );
  return summarise(
    rows,
    frames.map((f) => f.action),
  ).summaries;
}

/**
 * Renders the probe for `face` and reports which actions are visible. Cached as JSON beside the
 * face's landmarks: later calls (and later runs) need no browser and cost nothing.
 */
export async function checkActions(
  face: PreparedFace,
  session: () => Promise<LandmarkSession>,
  cacheDir = DEFAULT_CACHE_DIR,
): Promise<ActionCheck> {
  const file = join(cacheDir, `${face.key}-actions-r${RENDER_VERSION}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ActionCheck;
  } catch {
    // not checked yet
  }
  const summaries = await traceActions(await session(), face, PROBE, 30);
  const check = fromSummaries(face.key, summaries);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(check));
  return check;
}

/** The verdicts of a trace (trace.ts) as an ActionCheck. */
export function fromSummaries(key: string, summaries: readonly ActionSummary[]): ActionCheck {
  const check: ActionCheck = { key, visible: [], missing: [], detail: {} };
  for (const s of summaries) {
    const seen = check.visible.includes(s.action) || check.missing.includes(s.action);
    if (!s.visible && !check.missing.includes(s.action)) check.missing.push(s.action);
    if (s.visible && !seen) check.visible.push(s.action);
    if (!s.visible || !seen) check.detail[s.action] = s.detail;
  }
  check.visible = check.visible.filter((a) => !check.missing.includes(a));
  return check;
}

/** Only head movements: what `challenge-set="head"` asks (src/protocol/payload.ts). */
const HEAD: readonly ActionName[] = ['turn-left', 'turn-right', 'nod'];

/**
 * One line naming the actions of `wanted` this face cannot show, or null when it shows them
 * all. Suggests the `head` challenge set when the head movements do render.
 */
export function invisibleActions(
  check: ActionCheck,
  wanted: readonly ActionName[] = [...check.visible, ...check.missing],
  who = 'this photo',
): string | null {
  // 'neutral' is not a challenge (a face lost for a frame at rest is the landmarker's business).
  const missing = wanted.filter((a) => a !== 'neutral' && check.missing.includes(a));
  if (!missing.length) return null;
  const what = missing.map((a) => `${a} (${check.detail[a] ?? 'not measured'})`).join(', ');
  const head = HEAD.every((a) => check.visible.includes(a));
  return (
    `face-verify/testing: the fake camera cannot show a visible ${what} for ${who}; a clip or ` +
    `puppet asked for ${missing.length > 1 ? 'them' : 'it'} will fail that challenge. ` +
    (head && missing.some((a) => !HEAD.includes(a))
      ? `Test this face with challenge-set="head" (turns and nod), or use a photo with open, unobstructed eyes and a frontal pose.`
      : `Use a photo with open, unobstructed eyes and a frontal pose.`)
  );
}
