// npm run bench:liveness -- [--data DIR] [--people a,b] [--sessions N] [--set standard|head]
// Liveness below the page: for every person (the dev photos of DIR, one per identity, plus the
// npm sample people), the QA kit renders each action and each attack look once, our real
// landmarker (VIDEO mode, headless Chromium) traces the frames and the real passive anti-spoof
// model scores some of them (both cached as numbers under .cache/bench-liveness). Sessions then
// replay those traces through the real ChallengeRunner (crypto-random pauses), the endpoint's
// checkLiveness and its anti-spoof threshold: genuine people who respond to the go signal,
// and attacks that cannot (static photo, 2-D shake, screen replay, a looping recording of every
// action at several speeds, and an adversarial loop with tuned gaps). Prints tables, then as the
// LAST line one JSON object. Never prints landmarks, frames or vectors.
import { mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ActionSpec } from '../scripts/fake-camera/actions';
import { openLandmarkSession, type LandmarkSession } from '../scripts/fake-camera/browser';
import { prepareFace, renderClip, type ClipKind } from '../scripts/fake-camera/clip';
import { ChallengeRunner, toWireEvidence, type RunnerState } from '../src/liveness/challenges';
import { CHALLENGE_SETS, type ChallengeKind, type ChallengeSet } from '../src/protocol/payload';
import { checkLiveness } from '../src/protocol/session';
import { defaultConfig } from '../src/server/config';
import { PERFORM, RECORDING } from '../src/testing/frames';
import { samplePeople, type SamplePersonName } from '../src/testing/photos';
import { elementAntispoofKey } from './lib/antispoof-models';
import { percentile } from './lib/stats';
import { round, table } from './lib/table';

// `npm run bench:liveness -- --antispoof`: the passive anti-spoof calibration instead.
if (process.argv.includes('--antispoof')) {
  await import('./liveness-antispoof');
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve('../shared/data/faces') },
    people: { type: 'string' },
    sessions: { type: 'string', default: '25' },
    set: { type: 'string', default: 'standard' },
    fps: { type: 'string', default: '15' },
  },
});
const FPS = Number(values.fps);
const N = Number(values.sessions);
const SET = values.set as ChallengeSet;
const CACHE = join(process.cwd(), '.cache', 'bench-liveness');
const VERSION = 1;
const ANTISPOOF_KEY = elementAntispoofKey();
const MIN_ANTISPOOF = defaultConfig({ modelIds: ['bench'] }).minAntiSpoof;

type Row = { eye: number; mouth: number; yaw: number; pitch: number; aspect: number } | null;
interface Traced {
  seqs: Record<string, Row[]>;
  /** Passive anti-spoof live probability of a few frames per look. */
  live: Record<string, number[]>;
}

/** What each person's frames show: [look, actions]. */
const SEQS: Record<string, [ClipKind, ActionSpec[]]> = {
  ...Object.fromEntries(Object.entries(PERFORM).map(([k, v]) => [k, ['live', v]])),
  recording: ['live', RECORDING],
  static: ['static', [{ action: 'neutral', ms: 70 }]],
  shake: ['shake', [{ action: 'neutral', ms: 4000 }]],
  screen: ['screen', RECORDING],
};
/** Frames scored by the anti-spoof model, per sequence. */
const LIVE_FRAMES: Record<string, number[]> = {
  neutral: [0, 12, 24],
  static: [0],
  shake: [0, 20, 40],
  screen: [5, 40, 80],
  recording: [5, 40, 80],
};

// --- people -------------------------------------------------------------------------------
interface Person {
  name: string;
  source: Parameters<typeof prepareFace>[0];
}
function people(): Person[] {
  const out: Person[] = [];
  const dir = values.data!;
  if (existsSync(join(dir, 'identities.csv'))) {
    const seen = new Set<string>();
    for (const line of readFileSync(join(dir, 'identities.csv'), 'utf8').split('\n').slice(1)) {
      const [file, id] = line.trim().split(',');
      if (!file || !id || seen.has(id)) continue;
      seen.add(id);
      out.push({ name: id, source: { photo: join(dir, file) } });
    }
  } else if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f))) {
      out.push({ name: f, source: { photo: join(dir, f) } });
    }
  }
  for (const n of ['ava', 'bea', 'eve', 'fay'] as SamplePersonName[]) {
    out.push({ name: n, source: samplePeople[n]() });
  }
  const only = values.people?.split(',');
  return only ? out.filter((p) => only.includes(p.name)) : out;
}

async function trace(p: Person, session: () => Promise<LandmarkSession>): Promise<Traced> {
  const face = await prepareFace(p.source, session);
  // The live scores come from the element's anti-spoof model: its hash is part of the key.
  const file = join(CACHE, `${face.key}-v${VERSION}-${FPS}-${ANTISPOOF_KEY}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Traced;
  const s = await session();
  const out: Traced = { seqs: {}, live: {} };
  for (const [name, [kind, actions]] of Object.entries(SEQS)) {
    const frames = [...renderClip(face, actions, { kind, fps: FPS })].map((f) => f.image);
    out.seqs[name] = (await s.trace(frames, FPS)).map((r) =>
      r.eye === null || r.mouth === null || r.yaw === null || r.pitch === null
        ? null
        : { eye: r.eye, mouth: r.mouth, yaw: r.yaw, pitch: r.pitch, aspect: r.aspect ?? 0 },
    );
    const scored = [];
    for (const i of LIVE_FRAMES[name] ?? []) {
      const f = frames[Math.min(i, frames.length - 1)];
      const v = f ? await s.live(f) : null;
      if (v !== null) scored.push(v);
    }
    if (scored.length) out.live[name] = scored;
  }
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(file, JSON.stringify(out));
  return out;
}

// --- sessions ------------------------------------------------------------------------------
/** The frame a camera shows at time t (ms since the session started) given the runner's state. */
type Camera = (t: number, state: RunnerState) => Row;

interface Outcome {
  passed: boolean;
  reason: string;
  /** Session start → liveness verdict, ms. */
  ms: number;
  reactions: number[];
}

function randomOrder(): ChallengeKind[] {
  const kinds: ChallengeKind[] = [...CHALLENGE_SETS[SET]];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds.slice(0, 3);
}

function session(camera: Camera, antiSpoof: number): Outcome {
  const order = randomOrder();
  const runner = new ChallengeRunner(order);
  const dt = 1000 / FPS;
  for (let t = 0; t < 60_000; t += dt) {
    const row = camera(t, runner.state);
    const st = row ? runner.push({ t, ...row }) : runner.tick(t);
    if (st.phase === 'failed') {
      const reason = st.kind ? `${st.reason}:${st.kind}` : st.reason;
      return { passed: false, reason, ms: t, reactions: [] };
    }
    if (st.phase === 'passed') {
      const origin = 1_700_000_000_000;
      try {
        checkLiveness(order, toWireEvidence(st.evidence, origin), origin + t + 500);
      } catch (e) {
        return { passed: false, reason: `endpoint: ${String(e)}`, ms: t, reactions: [] };
      }
      const reactions = st.evidence.map((e) => e.startedAt - e.promptedAt);
      if (!(antiSpoof >= MIN_ANTISPOOF))
        return { passed: false, reason: 'spoof', ms: t, reactions };
      return { passed: true, reason: 'passed', ms: t, reactions };
    }
  }
  return { passed: false, reason: 'no verdict', ms: 60_000, reactions: [] };
}

const at = (rows: Row[], ms: number): Row => rows[Math.floor((ms * FPS) / 1000)] ?? null;
/** Ping-pong through a sequence, as the puppet plays its neutral frames. */
const pingPong = (rows: Row[], ms: number): Row => {
  const n = rows.length;
  const period = Math.max(1, 2 * n - 2);
  const j = Math.floor((ms * FPS) / 1000) % period;
  return rows[j < n ? j : period - j] ?? null;
};
const loop = (rows: Row[], ms: number): Row => rows[Math.floor((ms * FPS) / 1000) % rows.length]!;

/** A person who watches the prompts: after each go signal, reacts after `reaction()` ms. */
function genuine(tr: Traced, reaction: () => number): Camera {
  let prompt: number | null = null;
  let action: { rows: Row[]; start: number } | null = null;
  return (t, st) => {
    if (st.phase === 'challenge' && st.promptedAt !== prompt) {
      prompt = st.promptedAt;
      action = { rows: tr.seqs[st.kind]!, start: t + reaction() };
    }
    if (action && t >= action.start) {
      const r = at(action.rows, t - action.start);
      if (t - action.start < (action.rows.length * 1000) / FPS) return r;
      action = null;
    }
    return pingPong(tr.seqs['neutral']!, t);
  };
}

/** The adversary's best loop: each action then a neutral gap tuned to the pause + window. */
function tunedLoop(tr: Traced, gapMs: number): Row[] {
  const neutral = tr.seqs['neutral']!;
  const gap = Array.from({ length: Math.round((gapMs * FPS) / 1000) }, (_, i) =>
    pingPong(neutral, (i * 1000) / FPS),
  );
  const kinds = CHALLENGE_SETS[SET];
  return kinds.flatMap((k) => [...tr.seqs[k]!, ...gap]);
}

const minLive = (tr: Traced, look: string): number => Math.min(...(tr.live[look] ?? [0]));
const uniform = (lo: number, hi: number) => () => lo + (hi - lo) * Math.random();

// --- main ----------------------------------------------------------------------------------
const held: { s: Promise<LandmarkSession> | null } = { s: null };
const open = () => (held.s ??= openLandmarkSession());
const traced: { name: string; tr: Traced }[] = [];
try {
  for (const p of people()) {
    const t0 = Date.now();
    try {
      traced.push({ name: p.name, tr: await trace(p, open) });
      console.error(`traced ${p.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      console.error(`skipped ${p.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
} finally {
  if (held.s) await (await held.s).close();
}

const looks: Record<string, (tr: Traced) => [Camera, number]> = {
  static: (tr) => [() => tr.seqs['static']![0]!, minLive(tr, 'static')],
  shake: (tr) => {
    const ph = Math.random() * 4000;
    return [(t) => loop(tr.seqs['shake']!, t + ph), minLive(tr, 'shake')];
  },
  screen: (tr) => {
    const ph = Math.random() * 6700;
    return [(t) => loop(tr.seqs['screen']!, t + ph), minLive(tr, 'screen')];
  },
};
for (const speed of [0.5, 0.75, 1, 1.5, 2]) {
  looks[`recording×${speed}`] = (tr) => {
    const ph = Math.random() * 6700;
    return [(t) => loop(tr.seqs['recording']!, t * speed + ph), minLive(tr, 'recording')];
  };
}
// The adversary's loop: each action followed by a neutral gap; the gap that passes most often
// is reported (tuned-loop), the others shown for reference.
for (const gap of [0, 300, 700]) {
  looks[`tuned-loop+${gap}ms`] = (tr) => {
    const rows = tunedLoop(tr, gap);
    const ph = Math.random() * rows.length * (1000 / FPS);
    return [(t) => loop(rows, t + ph), minLive(tr, 'recording')];
  };
}

const genuineModels: Record<string, () => number> = {
  'puppet (700 ms)': () => 700,
  'person (350–1000 ms)': uniform(350, 1000),
};

const rows: (string | number)[][] = [];
const gen: Outcome[] = [];
const failedBy: Record<string, string[]> = {};
const reactions: number[] = [];
for (const [label, reaction] of Object.entries(genuineModels)) {
  const out: Outcome[] = [];
  for (const { name, tr } of traced) {
    for (let i = 0; i < N; i++) {
      const o = session(genuine(tr, reaction), minLive(tr, 'neutral'));
      out.push(o);
      if (!o.passed) failedBy[name] = [...(failedBy[name] ?? []), o.reason];
    }
  }
  gen.push(...out);
  for (const o of out) reactions.push(...o.reactions);
  const rejected = out.filter((o) => !o.passed);
  const why = [...new Set(rejected.map((o) => o.reason.split(':')[0]))].join(' ');
  rows.push([
    `genuine: ${label}`,
    out.length,
    rejected.length,
    round(rejected.length / out.length, 3),
    percentile(
      out.filter((o) => o.passed).map((o) => o.ms / 1000),
      50,
    ),
    why,
  ]);
}
const apcer: Record<string, number> = {};
for (const [look, make] of Object.entries(looks)) {
  const out: Outcome[] = [];
  for (const { tr } of traced) {
    for (let i = 0; i < N; i++) out.push(session(...make(tr)));
  }
  const passed = out.filter((o) => o.passed).length;
  apcer[look] = passed / out.length;
  const reasons: Record<string, number> = {};
  for (const o of out) reasons[o.reason] = (reasons[o.reason] ?? 0) + 1;
  rows.push([
    `attack: ${look}`,
    out.length,
    passed,
    round(apcer[look], 3),
    percentile(
      out.map((o) => o.ms / 1000),
      50,
    ),
    Object.entries(reasons)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
  ]);
}
console.log(
  `liveness bench: ${traced.length} people, ${N} sessions per person per row, set ${SET}`,
);
console.log(table(['sessions', 'n', 'errors', 'rate', 'median verdict s', 'outcomes'], rows));
console.log(
  `\nmeasured reaction (start − go signal) of passed genuine steps: p5 ${percentile(reactions, 5).toFixed(0)} ms, ` +
    `median ${percentile(reactions, 50).toFixed(0)} ms, p95 ${percentile(reactions, 95).toFixed(0)} ms, max ${Math.max(...reactions).toFixed(0)} ms`,
);
for (const [name, reasons] of Object.entries(failedBy)) {
  const count: Record<string, number> = {};
  for (const r of reasons) count[r] = (count[r] ?? 0) + 1;
  console.log(`genuine failures of ${name}: ${JSON.stringify(count)}`);
}
const liveRows = traced.map(({ name, tr }) => [
  name,
  ...['neutral', 'recording', 'static', 'shake', 'screen'].map((k) => minLive(tr, k)),
]);
console.log(
  `\npassive anti-spoof (lowest of the scored frames; endpoint threshold ${MIN_ANTISPOOF})`,
);
console.log(
  table(['person', 'live', 'recording (live look)', 'static', 'shake', 'screen'], liveRows),
);

const replayLooks = Object.keys(apcer).filter((k) => k.startsWith('recording'));
const replayPasses = replayLooks.reduce((s, k) => s + apcer[k]! * traced.length * N, 0);
const standardLooks = Object.keys(apcer).filter((k) => !k.startsWith('tuned-loop'));
const tuned = Math.max(
  ...Object.keys(apcer)
    .filter((k) => k.startsWith('tuned-loop'))
    .map((k) => apcer[k]!),
);
console.log(
  JSON.stringify({
    apcer_max: round(Math.max(...standardLooks.map((k) => apcer[k]!)), 4),
    bpcer: round(gen.filter((o) => !o.passed).length / gen.length, 4),
    replay_pass_rate: round(replayPasses / (replayLooks.length * traced.length * N), 4),
    tuned_loop_pass_rate: round(tuned, 4),
    apcer: Object.fromEntries(Object.entries(apcer).map(([k, v]) => [k, round(v, 4)])),
    genuine_sessions: gen.length,
    attack_sessions_per_look: traced.length * N,
    median_liveness_s: round(
      percentile(
        gen.filter((o) => o.passed).map((o) => o.ms / 1000),
        50,
      ),
      2,
    ),
    people: traced.length,
    set: SET,
  }),
);
