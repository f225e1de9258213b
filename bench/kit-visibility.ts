// npx tsx bench/kit-visibility.ts [--data DIR] [--people a,b] [--actions LIST] [--save FILE]
// Does the QA kit's generator show every scripted action on every face? For each dev photo
// (DIR/identities.csv) and each sample person (src/testing/photos.ts), renders the clip that
// `make-fake-camera.ts --trace` renders (30 fps), runs our own landmarker over it and prints the
// per-action verdicts (trace.ts) with the measured eye ratio at the blink (closed ÷ neutral; the
// verdict needs < 0.55). A benchmark, not a test: it needs Chromium and ~30 s per face. The last
// line is JSON: {"people":N,"blink_visible":k,"all_visible":m,"ms_per_frame":…}.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ACTIONS, type ActionName, type ActionSpec } from '../scripts/fake-camera/actions';
import { openLandmarkSession, type LandmarkSession } from '../scripts/fake-camera/browser';
import { prepareFace, renderClip, type FaceSource } from '../scripts/fake-camera/clip';
import { summarise } from '../scripts/fake-camera/trace';
import { samplePeople, type SamplePersonName } from '../src/testing/photos';
import { round, table } from './lib/table';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve('../shared/data/faces') },
    people: { type: 'string' },
    actions: {
      type: 'string',
      default: 'neutral:1000,blink,neutral:500,open-mouth,turn-left,turn-right',
    },
    /** Write the per-face results as JSON (to compare a later run with). */
    save: { type: 'string' },
  },
});

function parseActions(list: string): ActionSpec[] {
  return list.split(',').map((item) => {
    const [action, ms] = item.trim().split(':');
    if (!ACTIONS.includes(action as ActionName)) throw new Error(`unknown action ${action}`);
    return ms ? { action: action as ActionName, ms: Number(ms) } : (action as ActionName);
  });
}

function faces(): { name: string; source: FaceSource }[] {
  const out: { name: string; source: FaceSource }[] = [];
  const csv = join(values.data, 'identities.csv');
  if (existsSync(csv)) {
    for (const line of readFileSync(csv, 'utf8').split(/\r?\n/).slice(1)) {
      const file = line.split(',')[0]?.trim();
      if (file) out.push({ name: file, source: { photo: join(values.data, file) } });
    }
  } else {
    console.error(`${csv} not found: sample people only`);
  }
  for (const name of Object.keys(samplePeople) as SamplePersonName[]) {
    out.push({ name, source: samplePeople[name]() });
  }
  const only = values.people?.split(',');
  return only ? out.filter((f) => only.some((o) => f.name.startsWith(o))) : out;
}

interface Result {
  name: string;
  missing: string[];
  /** Closed ÷ neutral eye openness at the blink (NaN: no blink scripted or no face). */
  blinkRatio: number;
  neutralEye: number;
  msPerFrame: number;
  error?: string;
}

const actions = parseActions(values.actions);
const held: { session: Promise<LandmarkSession> | null } = { session: null };
const session = (): Promise<LandmarkSession> => (held.session ??= openLandmarkSession());
const results: Result[] = [];
try {
  for (const { name, source } of faces()) {
    try {
      const face = await prepareFace(source, session);
      const started = performance.now();
      const frames = [...renderClip(face, actions, { fps: 30 })];
      const msPerFrame = (performance.now() - started) / frames.length;
      const rows = await (
        await session()
      ).trace(
        frames.map((f) => f.image),
        30,
      );
      const { summaries, neutral } = summarise(
        rows,
        frames.map((f) => f.action),
      );
      const blink = summaries.find((s) => s.action === 'blink');
      results.push({
        name,
        missing: summaries.filter((s) => !s.visible).map((s) => s.action),
        blinkRatio: blink ? blink.minEye / neutral.eye : NaN,
        neutralEye: neutral.eye,
        msPerFrame,
      });
    } catch (e) {
      results.push({
        name,
        missing: [],
        blinkRatio: NaN,
        neutralEye: NaN,
        msPerFrame: NaN,
        error: (e as Error).message,
      });
    }
    const r = results.at(-1)!;
    console.error(`${name}: ${r.error ?? (r.missing.join(', ') || 'all visible')}`);
  }
} finally {
  if (held.session) await (await held.session).close();
}

console.log(
  table(
    ['face', 'neutral eye', 'blink ratio', 'blink', 'not visible', 'ms/frame'],
    results.map((r) => [
      r.name,
      round(r.neutralEye, 3),
      round(r.blinkRatio, 3),
      r.error ? 'ERROR' : r.missing.includes('blink') ? 'MISSING' : 'VISIBLE',
      r.error ?? (r.missing.join(', ') || '—'),
      Math.round(r.msPerFrame),
    ]),
  ),
);
if (values.save) writeFileSync(values.save, JSON.stringify(results, null, 2));
const ok = results.filter((r) => !r.error);
const perFrame = ok.map((r) => r.msPerFrame).sort((a, b) => a - b);
console.log(
  JSON.stringify({
    people: results.length,
    prepared: ok.length,
    blink_visible: ok.filter((r) => !r.missing.includes('blink')).length,
    all_visible: ok.filter((r) => r.missing.length === 0).length,
    blink_ratio_max: round(Math.max(...ok.map((r) => r.blinkRatio)), 3),
    ms_per_frame: round(perFrame[Math.floor(perFrame.length / 2)] ?? NaN, 1),
  }),
);
