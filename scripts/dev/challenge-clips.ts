// DEV ONLY: renders fake-camera clips (scripts/fake-camera, issue 5) from the npm sample
// photos, measures them with our real landmarker in Chromium, and plays the measured signal
// series through ChallengeRunner, to check the detectors' defaults on real landmarker output.
//
//   npx tsx scripts/dev/challenge-clips.ts [--people ava,bea] [--fps 30]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openLandmarkSession, type LandmarkSession } from '../fake-camera/browser';
import type { ActionSpec } from '../fake-camera/actions';
import { prepareFace, renderClip, type ClipKind } from '../fake-camera/clip';
import { samplePeople, type SamplePersonName } from '../../src/testing/photos';
import { ChallengeRunner, type RunnerState } from '../../src/liveness/challenges';
import type { ChallengeKind } from '../../src/protocol/payload';

const { values } = parseArgs({
  options: {
    people: { type: 'string', default: 'ava,bea,dana' },
    fps: { type: 'string', default: '30' },
    /** Write the measured signal rows (no landmarks) of every case to this JSON file. */
    dump: { type: 'string' },
    /** Only cases whose name contains this. */
    only: { type: 'string', default: '' },
  },
});

interface Case {
  name: string;
  kind: ClipKind;
  actions: ActionSpec[];
  sequence: ChallengeKind[];
}

const n = (ms: number): ActionSpec => ({ action: 'neutral', ms });
const CASES: Case[] = [
  {
    name: 'all four, in order',
    kind: 'live',
    actions: [
      n(1200),
      'blink',
      n(600),
      'turn-left',
      n(600),
      'open-mouth',
      n(600),
      'turn-right',
      n(600),
    ],
    sequence: ['blink', 'turn-left', 'open-mouth', 'turn-right'],
  },
  {
    name: 'replayed order != issued',
    kind: 'live',
    actions: [n(1200), 'turn-right', n(600), 'turn-left', n(600), 'blink', n(600)],
    sequence: ['turn-left', 'blink'],
  },
  { name: 'static photo', kind: 'static', actions: [n(9000)], sequence: ['blink'] },
  { name: '2-D shake', kind: 'shake', actions: [n(9000)], sequence: ['turn-left'] },
];

const fmt = (s: RunnerState): string => {
  if (s.phase === 'passed') {
    return `PASSED ${s.evidence
      .map(
        (e) =>
          `${e.kind}(${Math.round(e.completedAt - e.startedAt)}ms, peak ${e.peak.toFixed(2)}, score ${e.score.toFixed(2)})`,
      )
      .join(' ')}`;
  }
  if (s.phase === 'failed')
    return `FAILED ${s.reason} at step ${s.index} (${s.kind}) observed=${s.observed}`;
  return s.phase;
};

const dumped: Record<string, unknown> = {};
let session: Promise<LandmarkSession> | null = null;
const getSession = (): Promise<LandmarkSession> => (session ??= openLandmarkSession());
try {
  const fps = Number(values.fps);
  for (const who of values.people!.split(',') as SamplePersonName[]) {
    const face = await prepareFace(samplePeople[who](), getSession);
    for (const c of CASES.filter((x) => x.name.includes(values.only!))) {
      const frames = [...renderClip(face, c.actions, { kind: c.kind, fps })];
      const rows = await (
        await getSession()
      ).trace(
        frames.map((f) => f.image),
        fps,
      );
      dumped[`${who}/${c.name}`] = {
        sequence: c.sequence,
        rows,
        labels: frames.map((f) => f.action),
      };
      const runner = new ChallengeRunner(c.sequence, { timeoutMs: 6000 });
      let st: RunnerState = runner.state;
      let missing = 0;
      for (const r of rows) {
        if (r.eye === null || r.mouth === null || r.yaw === null || r.pitch === null) {
          missing++;
          st = runner.tick(r.t);
        } else st = runner.push({ t: r.t, eye: r.eye, mouth: r.mouth, yaw: r.yaw, pitch: r.pitch });
      }
      const eyes = rows.filter((r) => r.eye !== null).map((r) => r.eye!);
      const yaws = rows.filter((r) => r.yaw !== null).map((r) => r.yaw!);
      const mouths = rows.filter((r) => r.mouth !== null).map((r) => r.mouth!);
      console.log(
        `${who.padEnd(5)} ${c.name.padEnd(26)} frames ${rows.length} no-face ${missing} ` +
          `eye ${Math.min(...eyes).toFixed(2)}..${Math.max(...eyes).toFixed(2)} ` +
          `mouth ${Math.min(...mouths).toFixed(2)}..${Math.max(...mouths).toFixed(2)} ` +
          `yaw ${Math.min(...yaws).toFixed(1)}..${Math.max(...yaws).toFixed(1)} -> ${fmt(st)}`,
      );
    }
  }
  if (values.dump) writeFileSync(values.dump, JSON.stringify(dumped));
} finally {
  if (session) await (await session).close();
}
