// Typed events of <face-verify>. All bubble and cross the shadow boundary (composed). None carries
// a frame, a landmark set or an embedding: only decisions, scores, ids and codes.

import type {
  FaceResult,
  FlowErrorCode,
  FlowResult,
  Mode,
  ProgressPhase,
  Step,
} from '../flow/machine';
import type { ChallengeKind } from '../protocol/payload';
import type { SignedResult } from '../protocol/receipt';

const init = { bubbles: true, composed: true } as const;

export interface ConsentDetail {
  action: 'accepted' | 'declined' | 'withdrawn';
  policyVersion: string;
  mode: Mode;
  sensitive: boolean;
  guardian: boolean;
  /** For 'withdrawn': whether the endpoint confirmed server-side deletion. */
  serverDeleted?: boolean;
}

export class FvConsentEvent extends CustomEvent<ConsentDetail> {
  static readonly type = 'fv-consent';
  constructor(detail: ConsentDetail) {
    super(FvConsentEvent.type, { ...init, detail });
  }
}

export interface StepDetail {
  step: Step;
  previous: Step;
  /** The challenge being asked for in the 'challenges' step, otherwise null. */
  challenge: ChallengeKind | null;
  /** 0-based index of that challenge in the server-issued order. */
  challengeIndex: number | null;
  challengeCount: number | null;
}

export class FvStepEvent extends CustomEvent<StepDetail> {
  static readonly type = 'fv-step';
  constructor(detail: StepDetail) {
    super(FvStepEvent.type, { ...init, detail });
  }
}

export interface ProgressDetail {
  phase: ProgressPhase;
  /** 0..1, or null when indeterminate. */
  value: number | null;
}

export class FvProgressEvent extends CustomEvent<ProgressDetail> {
  static readonly type = 'fv-progress';
  constructor(detail: ProgressDetail) {
    super(FvProgressEvent.type, { ...init, detail });
  }
}

export interface ResultDetail {
  mode: Mode;
  decision: FlowResult['decision'];
  score: number | null;
  threshold: number | null;
  sessionId: string;
  subject: string | null;
  candidates: FlowResult['candidates'];
  reason: string | null;
  /**
   * Identify: every searched face, primary first (one entry without `multi-face`); the fields
   * above are the primary face's. Empty for enrol and verify.
   */
  faces: FaceResult[];
  /** Inference backend that actually ran ('webgpu' | 'wasm'), and its wasm thread count. */
  backend: string | null;
  threads: number | null;
  /**
   * The endpoint's signed claims and receipt: send it to your backend, which trusts the result
   * only when `verifySignedResult` (face-verify/server) accepts it. Never trust `decision` alone.
   */
  signed: SignedResult | null;
}

export class FvResultEvent extends CustomEvent<ResultDetail> {
  static readonly type = 'fv-result';
  constructor(detail: ResultDetail) {
    super(FvResultEvent.type, { ...init, detail });
  }
}

export interface ErrorDetail {
  code: FlowErrorCode;
  message: string;
  step: Step;
}

export class FvErrorEvent extends CustomEvent<ErrorDetail> {
  static readonly type = 'fv-error';
  constructor(detail: ErrorDetail) {
    super(FvErrorEvent.type, { ...init, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'fv-consent': FvConsentEvent;
    'fv-step': FvStepEvent;
    'fv-progress': FvProgressEvent;
    'fv-result': FvResultEvent;
    'fv-error': FvErrorEvent;
  }
}
