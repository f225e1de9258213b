import { describe, expect, it } from 'vitest';
import {
  ChallengeDetector,
  ChallengeRunner,
  toWireEvidence,
  type Baseline,
  type ChallengeKind,
  type ChallengeSample,
  type DetectorState,
  type RunnerState,
} from './challenges';
import { checkLiveness } from '../protocol/session';
import { plateau, pulse, scriptedSamples, type Script } from './testing/synthetic-face';
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
    const narrow: Script = (t) => ({ eye: 0.45 * (1 - pulse(t, 1200, 240)) });
    const r = new ChallengeRunner(['blink']);
    const states = run(r, scriptedSamples(narrow, 2500));
    expect(states.at(-1)!.phase).toBe('passed');
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

describe('ChallengeRunner', () => {
  it('runs a sequence in order and emits evidence per challenge', () => {
    const script: Script = (t) => {
      if (t < 1500) return {};
      if (t < 2800) return turnAt(1500, 30)(t);
      if (t < 3800) return blinkAt(3000)(t);
      if (t < 5200) return mouthAt(4000)(t);
      return turnAt(5400, -30)(t);
    };
    const r = new ChallengeRunner(['turn-left', 'blink', 'open-mouth', 'turn-right']);
    const states = run(r, scriptedSamples(script, 7000));
    expect(states[0]!.phase).toBe('calibrating');
    const prompts = states
      .filter((s) => s.phase === 'challenge')
      .map((s) => (s.phase === 'challenge' ? s.kind : ''));
    expect([...new Set(prompts)]).toEqual(['turn-left', 'blink', 'open-mouth', 'turn-right']);
    const end = states.at(-1)!;
    if (end.phase !== 'passed') throw new Error(JSON.stringify(end));
    expect(end.evidence.map((e) => e.kind)).toEqual([
      'turn-left',
      'blink',
      'open-mouth',
      'turn-right',
    ]);
    let prev = 0;
    for (const e of end.evidence) {
      expect(e.promptedAt).toBeGreaterThanOrEqual(prev);
      expect(e.startedAt).toBeGreaterThanOrEqual(e.promptedAt);
      expect(e.completedAt).toBeGreaterThan(e.startedAt);
      expect(e.score).toBeGreaterThanOrEqual(0.5);
      expect(e.score).toBeLessThanOrEqual(1);
      expect(e.attempt).toBe(1);
      prev = e.completedAt;
    }
    const wire = toWireEvidence(end.evidence, 1_700_000_000_000);
    expect(wire[0]).toEqual({
      kind: 'turn-left',
      startedAt: 1_700_000_000_000 + end.evidence[0]!.startedAt,
      completedAt: 1_700_000_000_000 + end.evidence[0]!.completedAt,
      score: end.evidence[0]!.score,
    });
  });

  it('produces evidence the server-side liveness check accepts, at 30 and 15 fps', () => {
    const script: Script = (t) => {
      if (t < 1500) return {};
      if (t < 2800) return turnAt(1500, 30)(t);
      if (t < 3800) return blinkAt(3000, 300)(t);
      return mouthAt(4000)(t);
    };
    const issued = ['turn-left', 'blink', 'open-mouth'] as const;
    for (const fps of [30, 15]) {
      const end = run(new ChallengeRunner(issued), scriptedSamples(script, 5500, fps)).at(-1)!;
      if (end.phase !== 'passed') throw new Error(`${fps} fps: ${JSON.stringify(end)}`);
      const origin = 1_700_000_000_000;
      const wire = toWireEvidence(end.evidence, origin);
      expect(() => checkLiveness(issued, wire, origin + 6000)).not.toThrow();
    }
  });

  it('does not let a pose held over from the previous step pass the next one', () => {
    const held: Script = (t) => ({ yaw: t < 1000 ? 0 : 30 * Math.min(1, (t - 1000) / 150) });
    const r = new ChallengeRunner(['turn-left', 'turn-left'], { timeoutMs: 2000, maxAttempts: 1 });
    const end = run(r, scriptedSamples(held, 5000)).at(-1)!;
    expect(end).toMatchObject({ phase: 'failed', reason: 'timeout', index: 1 });
  });

  it('retries a step after a wrong action, then passes', () => {
    const script: Script = (t) => (t < 2000 ? turnAt(1000, -30, 500)(t) : turnAt(2500, 30)(t));
    const r = new ChallengeRunner(['turn-left']);
    const states = run(r, scriptedSamples(script, 4000));
    const retry = states.find((s) => s.phase === 'challenge' && s.attempt === 2);
    expect(retry).toMatchObject({ retry: { reason: 'wrong', observed: 'turn-right' } });
    const end = states.at(-1)!;
    expect(end.phase).toBe('passed');
    if (end.phase === 'passed') expect(end.evidence[0]!.attempt).toBe(2);
  });

  it('fails after the last attempt times out', () => {
    const r = new ChallengeRunner(['blink'], { timeoutMs: 1000, maxAttempts: 2 });
    const states = run(r, scriptedSamples(neutral, 4000));
    expect(states.some((s) => s.phase === 'challenge' && s.retry?.reason === 'timeout')).toBe(true);
    expect(states.at(-1)).toMatchObject({ phase: 'failed', reason: 'timeout', kind: 'blink' });
  });

  it('fails on the wrong action when no attempts remain', () => {
    const r = new ChallengeRunner(['blink'], { maxAttempts: 1 });
    const end = run(r, scriptedSamples(mouthAt(1200), 3000)).at(-1)!;
    expect(end).toMatchObject({ phase: 'failed', reason: 'wrong', observed: 'open-mouth' });
  });

  it('times out through tick() when the face is lost, and a gap cancels an action', () => {
    const r = new ChallengeRunner(['turn-left'], {
      baseline: { eye: 0.29, mouth: 0.02, yaw: 0, pitch: 0 },
      timeoutMs: 1000,
      maxAttempts: 1,
    });
    r.push({ t: 0, eye: 0.29, mouth: 0.02, yaw: 0, pitch: 0 });
    r.push({ t: 30, eye: 0.29, mouth: 0.02, yaw: 25, pitch: 0 });
    r.tick(600); // face lost for 570 ms in the middle of the turn
    expect(r.push({ t: 700, eye: 0.29, mouth: 0.02, yaw: 25, pitch: 0 }).phase).toBe('challenge');
    expect(r.tick(1100)).toMatchObject({ phase: 'failed', reason: 'timeout' });
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
    const r = new ChallengeRunner(['blink'], { timeoutMs: 500, maxAttempts: 1 });
    run(r, scriptedSamples(neutral, 2000));
    expect(r.push({ t: 5000, eye: 0.01, mouth: 0, yaw: 0, pitch: 0 }).phase).toBe('failed');
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
