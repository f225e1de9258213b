// Ports between the flow and the outside world. The element's flow controller drives these; the
// default wiring (src/pipeline/adapters.ts) binds them to the real engine, endpoint client and
// IndexedDB. Nothing crossing a port into an event or a log may contain a frame, landmarks or an
// embedding: `Extraction` is opaque to everything except `ApiPort.submit`.

import type { ChallengeKind } from '../protocol/payload';
import type {
  ChallengeStatus,
  ConsentGrant,
  FlowErrorCode,
  FlowResult,
  GuidanceCode,
  Mode,
  SessionInfo,
} from './machine';
import type { ChallengeSet } from '../protocol/payload';

/** What one analysed frame tells the flow; pixels and landmarks stay inside the engine. */
export interface FrameReport {
  codes: readonly GuidanceCode[];
  faces: number;
}

/** The challenge runner's view after the latest frame. */
export interface ChallengeReport {
  index: number;
  attempt: number;
  status: ChallengeStatus;
  /** Set once the whole sequence ended. */
  done: 'passed' | 'failed' | null;
  /** Why the sequence failed (e.g. 'timeout', 'wrong-action', 'attempts-exhausted'). */
  reason: string | null;
}

/** Opaque result of extraction; only `ApiPort.submit` looks inside. */
export interface Extraction {
  readonly kind: 'extraction';
}

export interface EngineInfo {
  backend: string;
  threads: number;
  modelId: string;
}

export interface EnginePort {
  readonly info: EngineInfo;
  /** Landmarks + quality on one frame; also feeds the challenge runner once started. */
  analyze(source: HTMLVideoElement, timestampMs: number): FrameReport;
  /** Begin the server-issued order: `timeoutMs` per prompt, `maxAttempts` per session. */
  startChallenges(order: readonly ChallengeKind[], options: ChallengeStartOptions): void;
  /** State of the challenge runner after the latest `analyze`, or null before start. */
  challenge(): ChallengeReport | null;
  /** Embedding + anti-spoof on the best frames kept during the challenges (with `multiFace`,
   *  of every face in the best frame, up to MAX_FACES; the anti-spoof score is the lowest). */
  extract(signal: AbortSignal): Promise<Extraction>;
  /** Forget per-run state (challenge runner, kept frames) before a new run. */
  reset(): void;
  dispose(): void;
}

export interface ChallengeStartOptions {
  /** Per prompt: the asked action must have completed by then. */
  timeoutMs: number;
  /** Per session: a missed prompt uses one; a wrong or early action fails the session. */
  maxAttempts: number;
  /** Vectors of the primary face to extract from different good frames (enrol: several). */
  templates?: number;
  /** M:N identify: other faces do not stop the run, and extraction embeds every face. */
  multiFace?: boolean;
}

export interface EngineOptions {
  assetBase: string;
  backend: 'auto' | 'webgpu' | 'wasm';
  signal: AbortSignal;
  onProgress: (value: number | null) => void;
}

export interface SessionGrant extends SessionInfo {
  modelIds: readonly string[];
}

export interface ConsentDecision extends ConsentGrant {
  /** The subject the consent covers ('' for identify, where the person is not known yet). */
  subject: string;
  mode: Mode;
  /** 'accepted' or 'declined' is recorded; nothing else about the person. */
  outcome: 'accepted' | 'declined';
  lang: string;
  /** The challenge set the host asked for (the consent's session is the capture's). */
  challengeSet?: ChallengeSet;
}

export interface CaptureRequest {
  mode: Mode;
  /** '' for identify. */
  subject: string;
  /** Liveness actions asked of the endpoint (it decides the order and the final count). */
  challengeCount: number;
  /** Which actions the host asked for; the endpoint's grant decides. */
  challengeSet?: ChallengeSet;
  /** Ask the endpoint to bind the subject to this device's key at enrolment. */
  deviceBinding: boolean;
}

export interface ApiPort {
  createSession(request: CaptureRequest, signal: AbortSignal): Promise<SessionGrant>;
  submit(
    session: SessionGrant,
    request: CaptureRequest,
    extraction: Extraction,
    signal: AbortSignal,
  ): Promise<FlowResult>;
  recordConsent(record: ConsentDecision, signal: AbortSignal): Promise<void>;
  /** Withdraw consent and delete the subject's server-side data. */
  withdraw(subject: string, signal: AbortSignal): Promise<void>;
}

export interface StoragePort {
  /** The stored, accepted consent for this policy version and subject, if any. */
  getConsent(policyVersion: string, subject: string): Promise<ConsentGrant | null>;
  putConsent(record: ConsentDecision): Promise<void>;
  getCamera(): Promise<string | null>;
  setCamera(deviceId: string): Promise<void>;
  /** Delete everything this widget stored on the device (consents, device key, camera). */
  clear(): Promise<void>;
}

export interface Effects {
  storage: StoragePort;
  api(endpoint: string): ApiPort;
  engine(options: EngineOptions): Promise<EnginePort>;
}

/** An error an effect raises with a flow error code attached. */
export class FlowEffectError extends Error {
  override readonly name = 'FlowEffectError';
  constructor(
    readonly code: FlowErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
