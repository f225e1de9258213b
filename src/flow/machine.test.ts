import { describe, expect, it } from 'vitest';
import {
  blockingCodes,
  initialState,
  isActive,
  reduce,
  type ConsentGrant,
  type FlowEvent,
  type FlowResult,
  type FlowState,
  type GuidanceCode,
  type SessionInfo,
} from './machine';

const consent: ConsentGrant = {
  policyVersion: 'sha256:abc',
  purposes: ['verify'],
  sensitive: true,
  guardian: false,
  at: 1,
};
const session: SessionInfo = {
  sessionId: 's-1',
  challenges: ['blink', 'turn-left', 'open-mouth'],
  expiresAt: 9,
};
const match: FlowResult = {
  decision: 'match',
  score: 0.8,
  threshold: 0.5,
  sessionId: 's-1',
  subject: 'u-1',
  candidates: [],
  reason: null,
};
const opts = { steadyFrames: 3 };

function run(events: FlowEvent[], from: FlowState = initialState('verify')): FlowState {
  return events.reduce((s, e) => reduce(s, e, opts), from);
}

const good = { type: 'quality', codes: [] } as const;
const toGuidance: FlowEvent[] = [
  { type: 'start', mode: 'verify', consent: null },
  { type: 'consent-accepted', consent },
  { type: 'camera-opened' },
  { type: 'ready', session },
];
const toChallenges: FlowEvent[] = [...toGuidance, good, good, good];

describe('flow machine', () => {
  it('starts at consent when no valid consent is stored', () => {
    const s = run([{ type: 'start', mode: 'enroll', consent: null }]);
    expect(s.step).toBe('consent');
    expect(s.mode).toBe('enroll');
  });

  it('skips consent when a consent for the current policy version is stored', () => {
    const s = run([{ type: 'start', mode: 'verify', consent }]);
    expect(s.step).toBe('permission');
    expect(s.consent).toEqual(consent);
  });

  it('decline ends the flow with nothing collected and no consent kept', () => {
    const s = run([{ type: 'start', mode: 'verify', consent: null }, { type: 'consent-declined' }]);
    expect(s.step).toBe('declined');
    expect(s.consent).toBeNull();
    expect(isActive(s.step)).toBe(false);
  });

  it('walks consent → permission → camera → guidance → challenges', () => {
    const steps = [];
    let s = initialState();
    for (const e of toChallenges) {
      s = reduce(s, e, opts);
      steps.push(s.step);
    }
    expect(steps).toEqual([
      'consent',
      'permission',
      'camera',
      'guidance',
      'guidance',
      'guidance',
      'challenges',
    ]);
    expect(s.challenge).toEqual({ index: 0, kind: 'blink', attempt: 1, status: 'calibrating' });
  });

  it('ignores ready before the camera is open (effects must sequence)', () => {
    const s = run([
      { type: 'start', mode: 'verify', consent },
      { type: 'ready', session },
    ]);
    expect(s.step).toBe('permission');
    expect(s.session).toBeNull();
  });

  it('guidance needs consecutive good frames; any problem resets the count', () => {
    let s = run([...toGuidance, good, good, { type: 'quality', codes: ['too-dark'] }]);
    expect(s.step).toBe('guidance');
    expect(s.guidance).toEqual(['too-dark']);
    expect(s.steady).toBe(0);
    s = run([good, good], s);
    expect(s.step).toBe('guidance');
    expect(s.guidance).toEqual([]);
    s = run([good], s);
    expect(s.step).toBe('challenges');
  });

  it('multi-face: other faces do not hold guidance, problems of the primary face still do', () => {
    const two = ['multiple-faces'] as const;
    const twoDark = ['multiple-faces', 'too-dark'] as const;
    expect(blockingCodes(two, false)).toEqual(['multiple-faces']);
    expect(blockingCodes(two, true)).toEqual([]);
    expect(blockingCodes(twoDark, true)).toEqual(['too-dark']);
    expect(blockingCodes(['off-centre'], true)).toEqual(['off-centre']);
    const q = (codes: readonly GuidanceCode[], multiFace: boolean): FlowEvent => ({
      type: 'quality',
      codes: blockingCodes(codes, multiFace),
    });
    // Without multi-face two people in view never start the challenges.
    let s = run([...toGuidance, q(two, false), q(two, false), q(two, false), q(two, false)]);
    expect(s.step).toBe('guidance');
    expect(s.guidance).toEqual(['multiple-faces']);
    // With it, a dark primary face still resets the count; good frames then start them.
    s = run([...toGuidance, q(two, true), q(two, true), q(twoDark, true)]);
    expect(s.step).toBe('guidance');
    expect(s.guidance).toEqual(['too-dark']);
    s = run([q(two, true), q(two, true), q(two, true)], s);
    expect(s.step).toBe('challenges');
  });

  it('returns the same object when a quality report changes nothing (no re-render)', () => {
    const s = run([...toGuidance, { type: 'quality', codes: ['no-face'] }]);
    expect(reduce(s, { type: 'quality', codes: ['no-face'] }, opts)).toBe(s);
  });

  it('tracks challenge index, attempt and status from the runner', () => {
    let s = run([...toChallenges, { type: 'challenge', index: 0, attempt: 2, status: 'wrong' }]);
    expect(s.challenge).toEqual({ index: 0, kind: 'blink', attempt: 2, status: 'wrong' });
    s = run([{ type: 'challenge', index: 1, attempt: 1, status: 'pending' }], s);
    expect(s.challenge?.kind).toBe('turn-left');
    // An index outside the issued order is ignored.
    expect(reduce(s, { type: 'challenge', index: 7, attempt: 1, status: 'pending' })).toBe(s);
  });

  it('goes challenges → extracting → submitting → result', () => {
    const s = run([
      ...toChallenges,
      { type: 'challenges-passed' },
      { type: 'extracted' },
      { type: 'submitted', result: match },
    ]);
    expect(s.step).toBe('result');
    expect(s.result).toEqual(match);
    expect(s.challenge).toBeNull();
  });

  it('an empty challenge order goes straight to extracting once steady', () => {
    const s = run([
      { type: 'start', mode: 'verify', consent },
      { type: 'camera-opened' },
      { type: 'ready', session: { ...session, challenges: [] } },
      good,
      good,
      good,
    ]);
    expect(s.step).toBe('extracting');
  });

  it('fail records the code and the interrupted step', () => {
    const s = run([
      { type: 'start', mode: 'verify', consent },
      { type: 'fail', code: 'permission-denied', message: 'NotAllowedError' },
    ]);
    expect(s.step).toBe('error');
    expect(s.error).toEqual({
      code: 'permission-denied',
      message: 'NotAllowedError',
      during: 'permission',
    });
  });

  it('ignores stale failures after the run ended', () => {
    const s = run([...toChallenges, { type: 'cancel' }]);
    expect(s.step).toBe('cancelled');
    expect(reduce(s, { type: 'fail', code: 'internal', message: 'late' })).toBe(s);
    expect(reduce(s, { type: 'submitted', result: match })).toBe(s);
  });

  it('retry from result, error or cancelled returns into the flow with a new run', () => {
    for (const end of [
      [{ type: 'challenges-passed' }, { type: 'extracted' }, { type: 'submitted', result: match }],
      [{ type: 'fail', code: 'liveness-failed', message: 'x' }],
      [{ type: 'cancel' }],
    ] as FlowEvent[][]) {
      const before = run([...toChallenges, ...end]);
      const after = reduce(before, { type: 'retry' });
      expect(after.step).toBe('permission');
      expect(after.run).toBe(before.run + 1);
      expect(after.result).toBeNull();
      expect(after.error).toBeNull();
      expect(after.session).toBeNull();
      expect(after.consent).toEqual(consent);
    }
  });

  it('retry after decline shows consent again', () => {
    const s = run([
      { type: 'start', mode: 'verify', consent: null },
      { type: 'consent-declined' },
      { type: 'retry' },
    ]);
    expect(s.step).toBe('consent');
  });

  it('retry is ignored while a run is active', () => {
    const s = run(toChallenges);
    expect(reduce(s, { type: 'retry' })).toBe(s);
  });

  it('start is ignored while a run is active', () => {
    const s = run(toChallenges);
    expect(reduce(s, { type: 'start', mode: 'enroll', consent })).toBe(s);
  });

  it('cancel during consent ends without consent; before anything ran', () => {
    const s = run([{ type: 'start', mode: 'verify', consent: null }, { type: 'cancel' }]);
    expect(s.step).toBe('cancelled');
    expect(s.consent).toBeNull();
  });

  it('withdrawn forgets consent from any step and bumps the run', () => {
    const before = run(toChallenges);
    const s = reduce(before, { type: 'withdrawn' });
    expect(s.step).toBe('withdrawn');
    expect(s.consent).toBeNull();
    expect(s.run).toBe(before.run + 1);
    expect(reduce(s, { type: 'retry' }).step).toBe('consent');
  });

  it('review-consent clears stored consent from a final step', () => {
    const s = run([...toChallenges, { type: 'cancel' }, { type: 'review-consent' }]);
    expect(s.step).toBe('consent');
    expect(s.consent).toBeNull();
  });

  it('progress is kept only while active', () => {
    const s = run([
      { type: 'start', mode: 'verify', consent },
      { type: 'camera-opened' },
      { type: 'progress', progress: { phase: 'models', value: 0.5 } },
    ]);
    expect(s.progress).toEqual({ phase: 'models', value: 0.5 });
    const ended = run(
      [{ type: 'cancel' }, { type: 'progress', progress: { phase: 'models', value: 1 } }],
      s,
    );
    expect(ended.progress).toBeNull();
  });

  it('reset returns to idle keeping the mode', () => {
    const s = run([...toChallenges, { type: 'reset' }]);
    expect(s.step).toBe('idle');
    expect(s.mode).toBe('verify');
    expect(s.consent).toBeNull();
  });
});
