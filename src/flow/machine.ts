// The element's flow as a DOM-free, typed reducer. The element renders `FlowState`; effects
// (camera, landmarker, worker, endpoint) report back by dispatching `FlowEvent`s. Nothing here
// touches the DOM, the network or a frame, so every transition is unit-tested in Node.

import type { GuidanceCode } from '../liveness/quality';
import type { ChallengeKind } from '../protocol/payload';
import type { SignedResult } from '../protocol/receipt';

export type Mode = 'enroll' | 'verify' | 'identify' | 'add-device';

export type Step =
  | 'idle'
  | 'consent'
  | 'permission'
  | 'camera'
  | 'guidance'
  | 'challenges'
  | 'extracting'
  | 'submitting'
  | 'result'
  | 'declined'
  | 'withdrawn'
  | 'error'
  | 'cancelled';

/** Steps during which the camera may be open and work is in flight. */
export const ACTIVE_STEPS: readonly Step[] = [
  'permission',
  'camera',
  'guidance',
  'challenges',
  'extracting',
  'submitting',
];

/** Steps after which the person chooses what happens next (Retry, review consent…). */
export const FINAL_STEPS: readonly Step[] = [
  'result',
  'declined',
  'withdrawn',
  'error',
  'cancelled',
];

/** The quality gate's codes (liveness/quality.ts owns the list and its priority order). */
export type { GuidanceCode };

/** Stable error codes surfaced in `fv-error` and on the error screen. */
export type FlowErrorCode =
  | 'permission-denied'
  | 'no-camera'
  | 'camera-in-use'
  | 'insecure-context'
  | 'unsupported'
  | 'model-load-failed'
  | 'endpoint-unreachable'
  | 'session-expired'
  | 'liveness-failed'
  | 'spoof-suspected'
  | 'face-lost'
  | 'rejected'
  | 'locked'
  | 'not-enrolled'
  | 'device-not-registered'
  | 'not-authorised'
  | 'consent-required'
  | 'storage-failed'
  | 'misconfigured'
  | 'internal';

export interface FlowError {
  code: FlowErrorCode;
  /** Technical detail for the host page (never personal data); the UI shows a localised reason. */
  message: string;
  /** The step the error interrupted. */
  during: Step;
}

export interface ConsentGrant {
  policyVersion: string;
  purposes: readonly string[];
  sensitive: true;
  guardian: boolean;
  at: number;
}

export interface SessionInfo {
  sessionId: string;
  challenges: readonly ChallengeKind[];
  expiresAt: number;
}

/**
 * 'calibrating': measuring the person's neutral face before the first prompt is shown.
 * 'waiting': the random pause before a prompt (the action must not be shown yet).
 * 'pending': prompted; 'timeout' / 'late' / 'early': prompted again after a missed try.
 */
export type ChallengeStatus =
  'calibrating' | 'waiting' | 'pending' | 'passed' | 'wrong' | 'timeout' | 'late' | 'early';

export interface ChallengeState {
  index: number;
  kind: ChallengeKind;
  attempt: number;
  /** Outcome of the previous try of this step, so the UI can say "try again". */
  status: ChallengeStatus;
}

export interface Candidate {
  subject: string;
  score: number;
}

/** One searched face of an M:N identification (face 0 is the primary face). */
export interface FaceResult {
  /** The best candidate at or above the threshold, else null. */
  subject: string | null;
  score: number | null;
  candidates: readonly Candidate[];
}

export interface FlowResult {
  decision: 'match' | 'no-match' | 'enrolled';
  score: number | null;
  threshold: number | null;
  sessionId: string;
  subject: string | null;
  candidates: readonly Candidate[];
  /** Machine-readable reason for a no-match (e.g. 'below-threshold'). */
  reason: string | null;
  /** Identify: every submitted face in order (primary first); the fields above are face 0's. */
  faces?: readonly FaceResult[];
  /** The endpoint's signed claims for this result, for the host's backend (verifyReceipt). */
  signed?: SignedResult;
}

export type ProgressPhase = 'models' | 'session' | 'extract' | 'submit';

export interface FlowProgress {
  phase: ProgressPhase;
  /** 0..1, or null when indeterminate. */
  value: number | null;
}

export interface FlowState {
  step: Step;
  mode: Mode;
  consent: ConsentGrant | null;
  session: SessionInfo | null;
  guidance: readonly GuidanceCode[];
  /** Consecutive good frames in guidance; the element advances once it holds steady. */
  steady: number;
  challenge: ChallengeState | null;
  progress: FlowProgress | null;
  result: FlowResult | null;
  error: FlowError | null;
  /** Incremented on every new run so stale async effects can detect they are obsolete. */
  run: number;
}

export type FlowEvent =
  | { type: 'start'; mode: Mode; consent: ConsentGrant | null }
  | { type: 'consent-accepted'; consent: ConsentGrant }
  | { type: 'consent-declined' }
  | { type: 'camera-opened' }
  | { type: 'progress'; progress: FlowProgress }
  | { type: 'ready'; session: SessionInfo }
  | { type: 'quality'; codes: readonly GuidanceCode[] }
  | { type: 'challenge'; index: number; attempt: number; status: ChallengeStatus }
  | { type: 'challenges-passed' }
  | { type: 'extracted' }
  | { type: 'submitted'; result: FlowResult }
  | { type: 'fail'; code: FlowErrorCode; message: string }
  | { type: 'cancel' }
  | { type: 'retry' }
  | { type: 'review-consent' }
  | { type: 'withdrawn' }
  | { type: 'reset' };

export interface FlowOptions {
  /** Consecutive good frames needed before the challenges start. */
  steadyFrames: number;
}

export const DEFAULT_FLOW_OPTIONS: FlowOptions = { steadyFrames: 8 };

export function initialState(mode: Mode = 'verify'): FlowState {
  return {
    step: 'idle',
    mode,
    consent: null,
    session: null,
    guidance: [],
    steady: 0,
    challenge: null,
    progress: null,
    result: null,
    error: null,
    run: 0,
  };
}

/**
 * The guidance codes that hold the flow in guidance. With multi-face (M:N identify) other people
 * in view are expected, so 'multiple-faces' does not block; every other code is about the primary
 * (largest) face and still does.
 */
export function blockingCodes(
  codes: readonly GuidanceCode[],
  multiFace: boolean,
): readonly GuidanceCode[] {
  if (!multiFace || !codes.includes('multiple-faces')) return codes;
  return codes.filter((c) => c !== 'multiple-faces');
}

export function isActive(step: Step): boolean {
  return ACTIVE_STEPS.includes(step);
}

/** Clears everything a run produced; keeps the mode and (unless told) the consent. */
function freshRun(state: FlowState, step: Step, consent = state.consent): FlowState {
  return {
    ...initialState(state.mode),
    step,
    consent,
    run: state.run + 1,
  };
}

function sameCodes(a: readonly GuidanceCode[], b: readonly GuidanceCode[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

export function reduce(
  state: FlowState,
  event: FlowEvent,
  options: FlowOptions = DEFAULT_FLOW_OPTIONS,
): FlowState {
  switch (event.type) {
    case 'start':
      // start() while a run is active is a no-op; from anywhere else it begins a new run.
      if (isActive(state.step) || state.step === 'consent') return state;
      return freshRun(
        { ...state, mode: event.mode },
        event.consent ? 'permission' : 'consent',
        event.consent,
      );

    case 'consent-accepted':
      if (state.step !== 'consent') return state;
      return { ...state, step: 'permission', consent: event.consent };

    case 'consent-declined':
      if (state.step !== 'consent') return state;
      return freshRun(state, 'declined', null);

    case 'camera-opened':
      if (state.step !== 'permission') return state;
      return { ...state, step: 'camera' };

    case 'progress':
      if (!isActive(state.step)) return state;
      return { ...state, progress: event.progress };

    case 'ready':
      if (state.step !== 'camera') return state;
      return { ...state, step: 'guidance', session: event.session, progress: null, steady: 0 };

    case 'quality': {
      if (state.step !== 'guidance') return state;
      const ok = event.codes.length === 0;
      const steady = ok ? state.steady + 1 : 0;
      const guidance = sameCodes(state.guidance, event.codes) ? state.guidance : event.codes;
      if (ok && steady >= options.steadyFrames && state.session) {
        const kind = state.session.challenges[0];
        if (kind === undefined) return { ...state, step: 'extracting', guidance: [], steady };
        return {
          ...state,
          step: 'challenges',
          guidance: [],
          steady,
          challenge: { index: 0, kind, attempt: 1, status: 'calibrating' },
        };
      }
      if (guidance === state.guidance && steady === state.steady) return state;
      return { ...state, guidance, steady };
    }

    case 'challenge': {
      if (state.step !== 'challenges' || !state.session) return state;
      const kind = state.session.challenges[event.index];
      if (kind === undefined) return state;
      return {
        ...state,
        challenge: { index: event.index, kind, attempt: event.attempt, status: event.status },
      };
    }

    case 'challenges-passed':
      if (state.step !== 'challenges') return state;
      return { ...state, step: 'extracting', challenge: null, progress: null };

    case 'extracted':
      if (state.step !== 'extracting') return state;
      return { ...state, step: 'submitting', progress: null };

    case 'submitted':
      if (state.step !== 'submitting') return state;
      return { ...state, step: 'result', result: event.result, progress: null };

    case 'fail':
      // Errors from a finished or abandoned run are stale; ignore them.
      if (!isActive(state.step) && state.step !== 'consent') return state;
      return {
        ...state,
        step: 'error',
        progress: null,
        challenge: null,
        error: { code: event.code, message: event.message, during: state.step },
      };

    case 'cancel':
      if (!isActive(state.step) && state.step !== 'consent') return state;
      return { ...state, step: 'cancelled', progress: null, challenge: null };

    case 'retry':
      // Retry returns into the flow: straight to the camera when consent still holds.
      if (!FINAL_STEPS.includes(state.step)) return state;
      return freshRun(state, state.consent ? 'permission' : 'consent');

    case 'review-consent':
      if (!FINAL_STEPS.includes(state.step)) return state;
      return freshRun(state, 'consent', null);

    case 'withdrawn':
      return freshRun(state, 'withdrawn', null);

    case 'reset':
      return { ...initialState(state.mode), run: state.run + 1 };
  }
}
