// npx tsx bench/liveness-templates.ts [--data DIR]
// Templates from several frames: genuine and impostor cosine scores of the live pipeline (QA-kit
// renders of each dev photo as a camera session, our landmarker + the element's embedding in
// headless Chromium) with ONE enrolment template (the best frame) against SEVERAL (the best frame
// of each moment of the session, as src/pipeline/engine.ts keeps them), beside the still photos
// scored directly (what bench:accuracy measures). Prints distributions and one JSON line. Never
// prints a vector.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeSteps, timeline, type ActionSpec } from '../scripts/fake-camera/actions';
import { openLandmarkSession, type LandmarkSession } from '../scripts/fake-camera/browser';
import { prepareFace, renderClip } from '../scripts/fake-camera/clip';
import { centroid, cosine, DEFAULT_THRESHOLD } from '../src/protocol/match';
import { PROBE_FRAMES } from '../src/protocol/payload';
import { percentile } from './lib/stats';
import { round, table } from './lib/table';

const { values } = parseArgs({
  options: { data: { type: 'string', default: resolve('../shared/data/faces') } },
});
const FPS = 15;
/** A session as the camera sees it: calibration, then three actions each back to neutral. */
const SESSION: ActionSpec[] = [
  { action: 'neutral', ms: 1000 },
  'blink',
  { action: 'neutral', ms: 700 },
  'turn-left',
  { action: 'neutral', ms: 700 },
  'open-mouth',
  { action: 'neutral', ms: 700 },
];
/** Moment of each scripted step: calibration, then one per action (with its return). */
const MOMENT = [-1, 0, 0, 1, 1, 2, 2];

interface Photo {
  identity: string;
  file: string;
  templates: Float32Array[];
  still: Float32Array;
}

const rows = existsSync(join(values.data!, 'identities.csv'))
  ? readFileSync(join(values.data!, 'identities.csv'), 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(','))
      .filter((r): r is [string, string] => r.length === 2 && r[0] !== '')
  : [];
if (!rows.length) {
  console.error(`no identities.csv in ${values.data}`);
  process.exit(2);
}

const held: { s: Promise<LandmarkSession> | null } = { s: null };
const open = () => (held.s ??= openLandmarkSession());
const photos: Photo[] = [];
try {
  for (const [file, identity] of rows) {
    try {
      const face = await prepareFace({ photo: join(values.data!, file) }, open);
      const s = await open();
      const poses = timeline(SESSION, FPS);
      // Step index of each frame, from the scripted timeline.
      let step = 0;
      let acc = 0;
      const durations = normalizeSteps(SESSION).map((x) => x.ms);
      const best = new Map<number, { score: number; i: number }>();
      poses.forEach((p, i) => {
        while (step < durations.length - 1 && p.t >= acc + durations[step]!)
          acc += durations[step++]!;
        if (Math.abs(p.yaw) > 20 || Math.abs(p.pitch) > 20) return; // the quality gate
        const score = 1 - Math.min(1, (Math.abs(p.yaw) + Math.abs(p.pitch)) / 40);
        const m = MOMENT[step]!;
        if ((best.get(m)?.score ?? -1) < score) best.set(m, { score, i });
      });
      const wanted = new Set([...best.values()].map((b) => b.i));
      const templates: Float32Array[] = [];
      let i = 0;
      for (const f of renderClip(face, SESSION, { fps: FPS })) {
        if (wanted.has(i++)) {
          const v = await s.embed(f.image);
          if (v) templates.push(v);
        }
      }
      const still = await s.embed(face.base);
      if (!still || templates.length === 0) throw new Error('no face in the rendered frames');
      photos.push({ identity, file, templates, still });
      console.error(`embedded ${file}: ${templates.length} templates`);
    } catch (e) {
      console.error(`skipped ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
} finally {
  if (held.s) await (await held.s).close();
}

type Scorer = (enrol: Photo, probe: Photo) => number;
const probeOf = (p: Photo) => p.templates[0]!;
const scorers: Record<string, Scorer> = {
  'still photos (bench:accuracy)': (a, b) => cosine(a.still, b.still),
  'live, 1 template (best frame)': (a, b) => cosine(a.templates[0]!, probeOf(b)),
  'live, templates: max': (a, b) => Math.max(...a.templates.map((t) => cosine(t, probeOf(b)))),
  'live, templates: mean': (a, b) =>
    a.templates.reduce((s, t) => s + cosine(t, probeOf(b)), 0) / a.templates.length,
  // What the endpoint computes: centroid of the templates against centroid of the probe frames.
  'live, centroid vs best frame': (a, b) => cosine(centroid(a.templates), probeOf(b)),
  [`live, centroid vs centroid of ${PROBE_FRAMES} probe frames`]: (a, b) =>
    cosine(centroid(a.templates), centroid(b.templates.slice(0, PROBE_FRAMES))),
};
const out: (string | number)[][] = [];
const summary: Record<string, unknown> = {};
for (const [name, score] of Object.entries(scorers)) {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (const a of photos) {
    for (const b of photos) {
      if (a === b) continue;
      (a.identity === b.identity ? genuine : impostor).push(score(a, b));
    }
  }
  const below = genuine.filter((g) => g < DEFAULT_THRESHOLD).length;
  const above = impostor.filter((g) => g >= DEFAULT_THRESHOLD).length;
  out.push([
    name,
    genuine.length,
    Math.min(...genuine),
    percentile(genuine, 10),
    percentile(genuine, 50),
    below,
    impostor.length,
    percentile(impostor, 50),
    Math.max(...impostor),
    above,
  ]);
  summary[name] = {
    genuine_min: round(Math.min(...genuine), 3),
    genuine_median: round(percentile(genuine, 50), 3),
    frr: round(below / genuine.length, 4),
    impostor_max: round(Math.max(...impostor), 3),
    far: round(above / impostor.length, 4),
  };
}
console.log(
  `${photos.length} photos, threshold ${DEFAULT_THRESHOLD}; probe = the best frame of the other photo's session`,
);
console.log(
  table(
    [
      'scores',
      'genuine n',
      'min',
      'p10',
      'median',
      `< ${DEFAULT_THRESHOLD}`,
      'impostor n',
      'median',
      'max',
      `≥ ${DEFAULT_THRESHOLD}`,
    ],
    out,
  ),
);
console.log(JSON.stringify({ photos: photos.length, threshold: DEFAULT_THRESHOLD, ...summary }));
