import { describe, expect, it } from 'vitest';
import {
  ChallengeDetector,
  ChallengeRunner,
  toWireEvidence,
  type Baseline,
  type ChallengeSample,
  type DetectorState,
  type RunnerState,
} from './challenges';
import type { ChallengeKind } from '../protocol/payload';
import { DEFAULT_LIVENESS_POLICY, checkLiveness } from '../protocol/session';
import { sampleFace } from './signals';
import {
  plateau,
  pulse,
  scriptedSamples,
  syntheticFace,
  type Script,
  type SyntheticFaceParams,
} from './testing/synthetic-face';
import { LivenessInputError } from './types';

const neutral: Script = () => ({});
const blinkAt =
  (start: number, dur = 240, fn: Script = neutral): Script =>
  (t) => ({ ...fn(t), eye: 1 - pulse(t, start, dur) });
const turnAt =
  (start: number, deg: number, hold = 600): Script =>
  (t) => ({ yaw: deg * plateau(t, start, hold) });
const mouthAt =
  (start: number, hold = 600): Script =>
  (t) => ({ mouthGap: 1 + 24 * plateau(t, start, hold) });

function run(runner: ChallengeRunner, samples: ChallengeSample[]): RunnerState[] {
  return samples.map((s) => runner.push(s));
}

function detect(kind: ChallengeKind, samples: ChallengeSample[], timeoutMs = 4000): DetectorState {
  const s0 = samples[0]!;
  const base: Baseline = { eye: s0.eye, mouth: s0.mouth, yaw: 0, pitch: 0 };
  if (s0.aspect !== undefined) base.aspect = s0.aspect;
  const d = new ChallengeDetector(kind, base, samples[0]!.t, { timeoutMs });
  let st: DetectorState = d.state;
  for (const s of samples) st = d.push(s);
  return st;
}

describe('blink', () => {
  it('detects a normal blink', () => {
    const st = detect('blink', scriptedSamples(blinkAt(500), 1500));
    expect(st.status).toBe('passed');
    if (st.status !== 'passed') return;
    expect(st.event.kind).toBe('blink');
    expect(st.event.peak).toBeLessThan(0.1);
    expect(st.event.score).toBeGreaterThan(0.8);
    expect(st.event.completedAt - st.event.startedAt).toBeGreaterThan(100);
    expect(st.event.completedAt - st.event.startedAt).toBeLessThan(400);
  });

  it('rejects a too-short dip as noise', () => {
    // 500 Hz sampling so an 8 ms flicker is resolved: eyes "closed" for only ~6 ms.
    expect(detect('blink', scriptedSamples(blinkAt(500, 8), 1500, 500), 1400).status).toBe(
      'timeout',
    );
    // ...while a 60 ms blink at the same rate passes.
    expect(detect('blink', scriptedSamples(blinkAt(500, 60), 1500, 500)).status).toBe('passed');
  });

  it('accepts a slow 700 ms closure but not a 900 ms one', () => {
    const shut =
      (ms: number): Script =>
      (t) => ({ eye: 1 - plateau(t, 500, ms, 20) });
    expect(detect('blink', scriptedSamples(shut(680), 2500), 2400).status).toBe('passed');
    expect(detect('blink', scriptedSamples(shut(900), 2500), 2400).status).toBe('timeout');
  });

  it('rejects eyes held shut too long', () => {
    const closed: Script = (t) => ({ eye: 1 - plateau(t, 500, 1500, 60) });
    expect(detect('blink', scriptedSamples(closed, 3500), 3400).status).toBe('timeout');
  });

  it('ignores a shallow squint', () => {
    const squint: Script = (t) => ({ eye: 1 - 0.3 * pulse(t, 500, 300) });
    expect(detect('blink', scriptedSamples(squint, 1500), 1400).status).toBe('timeout');
  });

  it('does not mistake a tilted print (vertical foreshortening) for a blink', () => {
    const tilt: Script = (t) => ({ squashY: 1 - 0.6 * pulse(t, 500, 300) });
    const samples = scriptedSamples(tilt, 1500);
    expect(Math.min(...samples.map((s) => s.eye))).toBeLessThan(0.5 * samples[0]!.eye);
    expect(detect('blink', samples, 1400).status).toBe('timeout');
    // Without the aspect signal the same series would pass as a blink.
    const bare = samples.map(({ aspect: _a, ...rest }) => rest);
    expect(detect('blink', bare, 1400).status).toBe('passed');
  });

  it('adapts to a person with narrow eyes', () => {
    const narrow: Script = (t) => ({ eye: 0.45 * (1 - pulse(t, 700, 240)) });
    const r = new ChallengeRunner(['blink'], { random: () => 0 });
    let end: RunnerState = r.state;
    let prompted: number | null = null;
    for (let t = 1000; t < 5000 && end.phase !== 'passed'; t += 33) {
      if (prompted === null && r.state.phase === 'challenge') prompted = t;
      end = r.push(sampleFace(syntheticFace(prompted ? narrow(t - prompted) : { eye: 0.45 }), t));
    }
    expect(end.phase).toBe('passed');
  });
});

describe('turns and mouth', () => {
  it('tells turn-left from turn-right', () => {
    expect(detect('turn-left', scriptedSamples(turnAt(300, 30), 1500)).status).toBe('passed');
    expect(detect('turn-right', scriptedSamples(turnAt(300, -30), 1500)).status).toBe('passed');
    expect(detect('turn-left', scriptedSamples(turnAt(300, -30), 1500))).toMatchObject({
      status: 'wrong',
      observed: 'turn-right',
    });
    expect(detect('turn-right', scriptedSamples(turnAt(300, 30), 1500))).toMatchObject({
      status: 'wrong',
      observed: 'turn-left',
    });
  });

  it('needs the turn to be large enough and held', () => {
    expect(detect('turn-left', scriptedSamples(turnAt(300, 12), 1500), 1400).status).toBe(
      'timeout',
    );
    const flick: Script = (t) => ({ yaw: 30 * pulse(t, 300, 90) });
    expect(detect('turn-left', scriptedSamples(flick, 1500), 1400).status).toBe('timeout');
  });

  it('reports turn evidence with the signed peak', () => {
    const st = detect('turn-right', scriptedSamples(turnAt(300, -32), 1500));
    if (st.status !== 'passed') throw new Error(st.status);
    expect(st.event.peak).toBeLessThan(-18);
    expect(st.event.completedAt - st.event.startedAt).toBeGreaterThanOrEqual(120);
  });

  it('detects an open mouth, and a mouth opened when asked to blink is wrong', () => {
    expect(detect('open-mouth', scriptedSamples(mouthAt(300), 1500)).status).toBe('passed');
    expect(detect('blink', scriptedSamples(mouthAt(300), 1500))).toMatchObject({
      status: 'wrong',
      observed: 'open-mouth',
    });
  });

  it('a turn when asked to open the mouth is wrong, a spontaneous blink during a turn is not', () => {
    expect(detect('open-mouth', scriptedSamples(turnAt(300, 30), 1500))).toMatchObject({
      status: 'wrong',
      observed: 'turn-left',
    });
    const blinkWhileTurning = blinkAt(200, 240, turnAt(500, 30));
    expect(detect('turn-left', scriptedSamples(blinkWhileTurning, 1500)).status).toBe('passed');
  });
});

/** What a person (or a recording) shows at time `t` of an action begun at 0. */
const ACT: Record<ChallengeKind, Script> = {
  blink: (t) => ({ eye: 1 - pulse(t, 0, 240) }),
  'turn-left': (t) => ({ yaw: 30 * plateau(t, 0, 500) }),
  'turn-right': (t) => ({ yaw: -30 * plateau(t, 0, 500) }),
  'open-mouth': (t) => ({ mouthGap: 1 + 24 * plateau(t, 0, 500) }),
  nod: (t) => ({ pitch: -20 * pulse(t, 0, 700) }),
};
/** Long enough for every action above to finish and return to neutral. */
const ACT_MS = 800;

interface Person {
  /** Prompt → start of the movement, ms. */
  reactionMs: number | ((kind: ChallengeKind) => number | null);
  /** What the person does when asked (default: the asked action). */
  does?: (asked: ChallengeKind) => ChallengeKind;
  /** Extra behaviour at absolute time t (spontaneous actions), merged under the action. */
  idle?: Script;
}

/** A person who watches the prompts and responds: the runner's random pauses decide when. */
function respond(runner: ChallengeRunner, person: Person, fps = 30, maxMs = 30_000) {
  const states: RunnerState[] = [];
  let lastPrompt: number | null = null;
  let action: { kind: ChallengeKind; start: number } | null = null;
  for (let t = 1000; t <= 1000 + maxMs; t += 1000 / fps) {
    const cur = runner.state;
    if (cur.phase === 'challenge' && cur.promptedAt !== lastPrompt) {
      lastPrompt = cur.promptedAt;
      const r =
        typeof person.reactionMs === 'number' ? person.reactionMs : person.reactionMs(cur.kind);
      if (r !== null) action = { kind: person.does?.(cur.kind) ?? cur.kind, start: t + r };
    }
    const acting = action && t >= action.start && t < action.start + ACT_MS ? action : null;
    const params = { ...person.idle?.(t), ...(acting ? ACT[acting.kind](t - acting.start) : {}) };
    states.push(runner.push(sampleFace(syntheticFace(params), t)));
    if (states.at(-1)!.phase === 'passed' || states.at(-1)!.phase === 'failed') break;
  }
  return states;
}

/** A replayed recording: `script` over and over from `phaseMs`, at `speed`× real time. */
function replay(
  runner: ChallengeRunner,
  script: Script,
  periodMs: number,
  phaseMs: number,
  speed = 1,
) {
  let end: RunnerState = runner.state;
  for (let t = 1000; t <= 40_000; t += 1000 / 15) {
    const u = ((t - 1000) * speed + phaseMs) % periodMs;
    end = runner.push(sampleFace(syntheticFace(script(u)), t));
    if (end.phase === 'passed' || end.phase === 'failed') break;
  }
  return end;
}

/** Deterministic stand-in for the crypto pauses. */
function seeded(seed: number): () => number {
  let x = Math.imul(seed, 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const STANDARD = ['blink', 'turn-left', 'turn-right', 'open-mouth'] as const;

describe('ChallengeRunner: challenge-response', () => {
  it('a person who responds to each prompt passes, with evidence the endpoint accepts', () => {
    for (const fps of [30, 15]) {
      for (const seq of [STANDARD, ['turn-right', 'nod', 'turn-left']] as const) {
        const r = new ChallengeRunner(seq, { random: seeded(fps) });
        const states = respond(r, { reactionMs: 600 }, fps);
        const end = states.at(-1)!;
        if (end.phase !== 'passed') throw new Error(`${fps} fps: ${JSON.stringify(end)}`);
        expect(end.evidence.map((e) => e.kind)).toEqual(seq);
        let prev = 0;
        for (const e of end.evidence) {
          expect(e.promptedAt).toBeGreaterThanOrEqual(prev);
          expect(e.startedAt - e.promptedAt).toBeGreaterThanOrEqual(
            DEFAULT_LIVENESS_POLICY.minReactionMs,
          );
          expect(e.startedAt - e.promptedAt).toBeLessThanOrEqual(800);
          expect(e.score).toBeGreaterThanOrEqual(0.5);
          expect(e.attempt).toBe(1);
          prev = e.completedAt;
        }
        const origin = 1_700_000_000_000;
        const wire = toWireEvidence(end.evidence, origin);
        expect(wire[0]).toEqual({
          kind: seq[0],
          promptedAt: origin + end.evidence[0]!.promptedAt,
          startedAt: origin + end.evidence[0]!.startedAt,
          completedAt: origin + end.evidence[0]!.completedAt,
          score: end.evidence[0]!.score,
        });
        expect(() => checkLiveness(seq, wire, origin + 40_000)).not.toThrow();
      }
    }
  });

  it('shows no prompt during the random pause, and the pauses are unpredictable', () => {
    const pauses: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const r = new ChallengeRunner(['turn-left'], { random: seeded(seed) });
      const states = respond(r, { reactionMs: 400 });
      const firstWait = states.findIndex((s) => s.phase === 'waiting');
      const firstPrompt = states.findIndex((s) => s.phase === 'challenge');
      expect(firstWait).toBeGreaterThan(0);
      expect(firstPrompt).toBeGreaterThan(firstWait);
      pauses.push(((firstPrompt - firstWait) * 1000) / 30);
      expect(states.at(-1)!.phase).toBe('passed');
    }
    expect(Math.min(...pauses)).toBeGreaterThanOrEqual(300 - 34);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(2000 + 34);
    expect(Math.max(...pauses) - Math.min(...pauses)).toBeGreaterThan(1000);
  });

  it('a different action during the pause before a go signal fails the session at once', () => {
    // Opens the mouth 300 ms after calibration, while turn-left is announced but not yet asked.
    const r = new ChallengeRunner(['turn-left', 'blink', 'open-mouth'], {
      random: () => 0.99,
      maxAttempts: 3,
    });
    let calibratedAt: number | null = null;
    let end: RunnerState = r.state;
    for (let t = 1000; t < 6000; t += 33) {
      if (calibratedAt === null && r.state.phase === 'waiting') calibratedAt = t;
      const p = calibratedAt === null ? {} : ACT['open-mouth'](t - calibratedAt - 300);
      end = r.push(sampleFace(syntheticFace(p), t));
      if (end.phase === 'failed' || end.phase === 'passed') break;
    }
    expect(end).toMatchObject({ phase: 'failed', reason: 'early', observed: 'open-mouth' });
  });

  it('the announced action started before "Now" is a miss: asked again, the last one fails', () => {
    // An eager person: anticipates the first go signal, then waits for it.
    let n = 0;
    const eagerOnce = () => (n++ === 0 ? 40 : 500);
    const r = new ChallengeRunner(['open-mouth', 'turn-left'], { random: seeded(3) });
    const states = respond(r, { reactionMs: eagerOnce });
    expect(states.some((s) => s.phase === 'waiting' && s.retry?.reason === 'early')).toBe(true);
    expect(states.at(-1)!.phase).toBe('passed');
    // Always anticipating uses up the session's attempts.
    const r2 = new ChallengeRunner(['open-mouth', 'turn-left'], { random: seeded(3) });
    expect(respond(r2, { reactionMs: 40 }).at(-1)).toMatchObject({
      phase: 'failed',
      reason: 'early',
      index: 0,
    });
  });

  it('a different deliberate action fails the session, even with attempts left', () => {
    const r = new ChallengeRunner(['turn-left', 'open-mouth'], {
      random: seeded(4),
      maxAttempts: 5,
    });
    const end = respond(r, {
      reactionMs: 500,
      does: (k) => (k === 'open-mouth' ? 'turn-right' : k),
    }).at(-1)!;
    expect(end).toMatchObject({
      phase: 'failed',
      reason: 'wrong',
      index: 1,
      kind: 'open-mouth',
      observed: 'turn-right',
    });
  });

  it('spontaneous blinks never fail a session, nor pass a blink step outside the window', () => {
    // Blinks every 1.7 s, whatever is asked, and responds to the turns.
    const idle: Script = (t) => ({ eye: 1 - pulse(t % 1700, 1400, 200) });
    const r = new ChallengeRunner(['turn-left', 'turn-right'], { random: seeded(5) });
    expect(respond(r, { reactionMs: 500, idle }).at(-1)!.phase).toBe('passed');
    // Asked to blink, only blinking spontaneously well after the window: never a pass.
    const r2 = new ChallengeRunner(['blink'], {
      random: seeded(6),
      maxAttempts: 1,
      maxReactionMs: 1000,
    });
    const end = respond(r2, { reactionMs: 1400 }).at(-1)!;
    expect(end).toMatchObject({ phase: 'failed', reason: 'timeout' });
  });

  it('attempts are counted per session: a missed prompt is asked again, the last miss fails', () => {
    let asked = 0;
    const once = (k: ChallengeKind) => (asked++ === 0 && k === 'turn-left' ? null : 500);
    const r = new ChallengeRunner(['turn-left', 'open-mouth'], {
      random: seeded(7),
      maxAttempts: 2,
    });
    const states = respond(r, { reactionMs: once });
    const retry = states.find((s) => s.phase === 'challenge' && s.attempt === 2);
    expect(retry).toMatchObject({ index: 0, retry: { reason: 'timeout' } });
    const end = states.at(-1)!;
    if (end.phase !== 'passed') throw new Error(JSON.stringify(end));
    expect(end.evidence.map((e) => e.attempt)).toEqual([2, 2]);
    // Two misses in two different steps use up two attempts of the same session.
    let n = 0;
    const missEach = () => (n++ % 2 === 0 ? null : 500);
    const r2 = new ChallengeRunner(['turn-left', 'open-mouth'], {
      random: seeded(8),
      maxAttempts: 2,
    });
    expect(respond(r2, { reactionMs: missEach }).at(-1)).toMatchObject({
      phase: 'failed',
      reason: 'timeout',
      index: 1,
    });
  });

  it('a response that starts after the reaction window is a miss, and is asked again', () => {
    let n = 0;
    const slowFirst = () => (n++ === 0 ? 1200 : 500);
    const r = new ChallengeRunner(['open-mouth'], { random: seeded(9), maxReactionMs: 1000 });
    const states = respond(r, { reactionMs: slowFirst });
    expect(states.some((s) => s.phase === 'challenge' && s.retry?.reason === 'timeout')).toBe(true);
    expect(states.at(-1)!.phase).toBe('passed');
  });

  it('a nod is a deliberate action only in sessions that ask for nods', () => {
    const nodThenTurn = (k: ChallengeKind): ChallengeKind => (k === 'turn-left' ? 'nod' : k);
    const standard = new ChallengeRunner(['turn-left'], { random: seeded(10), maxAttempts: 1 });
    expect(respond(standard, { reactionMs: 500, does: nodThenTurn }).at(-1)).toMatchObject({
      phase: 'failed',
      reason: 'timeout',
    });
    const head = new ChallengeRunner(['turn-left', 'nod'], { random: seeded(10) });
    expect(respond(head, { reactionMs: 500, does: nodThenTurn }).at(-1)).toMatchObject({
      phase: 'failed',
      reason: 'wrong',
      observed: 'nod',
    });
  });

  it('looking down and staying down is not a nod', () => {
    const r = new ChallengeRunner(['nod'], { random: seeded(11), maxAttempts: 1 });
    let prompted: number | null = null;
    let end: RunnerState = r.state;
    for (let t = 1000; t < 12_000; t += 33) {
      if (prompted === null && r.state.phase === 'challenge') prompted = t;
      const p = prompted === null ? {} : { pitch: -20 * plateau(t - prompted, 500, 3000) };
      end = r.push(sampleFace(syntheticFace(p), t));
      if (end.phase === 'failed' || end.phase === 'passed') break;
    }
    expect(end).toMatchObject({ phase: 'failed', reason: 'timeout' });
  });

  it('a looping recording of every action fails at any phase and speed', () => {
    // A genuine session recorded and replayed: neutral, blink, turn left, open mouth, turn
    // right, with neutral gaps, looped; tried at 48 phases × 3 speeds against random orders.
    const seg = (t: number): SyntheticFaceParams => {
      if (t < 800) return {};
      if (t < 1300) return ACT.blink(t - 800);
      if (t < 1800) return {};
      if (t < 2600) return ACT['turn-left'](t - 1800);
      if (t < 3400) return ACT['open-mouth'](t - 2600);
      if (t < 4200) return ACT['turn-right'](t - 3400);
      return {};
    };
    const rnd = seeded(12);
    let passed = 0;
    for (let i = 0; i < 48; i++) {
      for (const speed of [0.8, 1, 1.25]) {
        const order = [...STANDARD].sort(() => rnd() - 0.5).slice(0, 3);
        const r = new ChallengeRunner(order, { random: rnd });
        if (replay(r, seg, 4600, (i * 4600) / 48, speed).phase === 'passed') passed++;
      }
    }
    expect(passed).toBe(0);
  });

  it('times out through tick() when the face is lost', () => {
    const r = new ChallengeRunner(['turn-left'], {
      baseline: { eye: 0.29, mouth: 0.02, yaw: 0, pitch: 0 },
      maxAttempts: 1,
      random: () => 0,
    });
    r.push({ t: 0, eye: 0.29, mouth: 0.02, yaw: 0, pitch: 0 });
    expect(r.push({ t: 300, eye: 0.29, mouth: 0.02, yaw: 0, pitch: 0 }).phase).toBe('challenge');
    expect(r.tick(1300).phase).toBe('challenge');
    expect(r.tick(1600)).toMatchObject({ phase: 'failed', reason: 'timeout' });
  });

  it('fails calibration when the head never holds still', () => {
    const r = new ChallengeRunner(['blink'], { calibrationTimeoutMs: 2000 });
    const wobble: Script = (t) => ({ yaw: 15 * Math.sin(t / 80) });
    expect(run(r, scriptedSamples(wobble, 2500)).at(-1)).toMatchObject({
      phase: 'failed',
      reason: 'calibration',
    });
  });

  it('stays finished once done', () => {
    const r = new ChallengeRunner(['blink'], { maxAttempts: 1, random: () => 0 });
    run(r, scriptedSamples(neutral, 6000));
    expect(r.state.phase).toBe('failed');
    expect(r.push({ t: 9000, eye: 0.01, mouth: 0, yaw: 0, pitch: 0 }).phase).toBe('failed');
  });
});

describe('bad input', () => {
  const ok = { t: 0, eye: 0.3, mouth: 0.02, yaw: 0, pitch: 0 };
  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      if (e instanceof LivenessInputError) return e.code;
      throw e;
    }
    return undefined;
  };

  it('rejects malformed samples', () => {
    const r = new ChallengeRunner(['blink']);
    expect(codeOf(() => r.push({ ...ok, eye: Number.NaN }))).toBe('bad-sample');
    expect(codeOf(() => r.push({ ...ok, mouth: -1 }))).toBe('bad-sample');
    expect(codeOf(() => r.push(null as never))).toBe('bad-sample');
    expect(codeOf(() => r.tick(Number.POSITIVE_INFINITY))).toBe('bad-sample');
  });

  it('rejects timestamps that go backwards', () => {
    const r = new ChallengeRunner(['blink']);
    r.push({ ...ok, t: 100 });
    expect(codeOf(() => r.push({ ...ok, t: 50 }))).toBe('non-monotonic-time');
    expect(codeOf(() => r.tick(10))).toBe('non-monotonic-time');
  });

  it('rejects empty or unknown sequences and bad options', () => {
    expect(codeOf(() => new ChallengeRunner([]))).toBe('bad-sequence');
    expect(codeOf(() => new ChallengeRunner(['wink' as ChallengeKind]))).toBe('bad-sequence');
    expect(codeOf(() => new ChallengeRunner(['blink'], { timeoutMs: Number.NaN }))).toBe(
      'bad-options',
    );
    expect(codeOf(() => new ChallengeRunner(['blink'], { blinkCloseRatio: 0.9 }))).toBe(
      'bad-options',
    );
    expect(codeOf(() => new ChallengeRunner(['blink'], { maxAttempts: 0 }))).toBe('bad-options');
    expect(
      codeOf(
        () => new ChallengeRunner(['blink'], { baseline: { eye: 0, mouth: 0, yaw: 0, pitch: 0 } }),
      ),
    ).toBe('bad-sample');
    expect(codeOf(() => toWireEvidence([], Number.NaN))).toBe('bad-options');
  });
});
