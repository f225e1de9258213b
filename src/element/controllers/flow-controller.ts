// Runs the flow machine for one element: holds the state, executes the effects of each step
// (camera, engine, endpoint) and reports transitions. Every run has its own AbortController;
// leaving the active steps aborts it, stops the camera and drops the engine's per-run state.

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { CameraError } from '../../capture/camera';
import {
  FlowEffectError,
  type ApiPort,
  type CaptureRequest,
  type Effects,
  type EngineInfo,
  type EngineOptions,
  type EnginePort,
  type SessionGrant,
} from '../../flow/effects';
import {
  blockingCodes,
  initialState,
  isActive,
  reduce,
  type FlowErrorCode,
  type FlowEvent,
  type FlowState,
  type Mode,
} from '../../flow/machine';
import { MAX_ENROLL_VECTORS, PROBE_FRAMES, type ChallengeSet } from '../../protocol/payload';
import type { CameraController } from './camera-controller';

/**
 * Vectors of the person's face a capture sends: the best frame's plus those of other good frames
 * of the session (different moments). Enrolment keeps several templates; verify and add-device
 * send a few probe frames whose centroid the endpoint compares. Identify sends one per face.
 */
export function framesFor(mode: Mode): number {
  if (mode === 'enroll') return MAX_ENROLL_VECTORS;
  return mode === 'identify' ? 1 : PROBE_FRAMES;
}

export interface FlowConfig {
  endpoint: string;
  mode: Mode;
  subject: string;
  assetBase: string;
  backend: EngineOptions['backend'];
  challengeTimeoutMs: number;
  challengeAttempts: number;
  challengeCount: number;
  /** Which actions the host asked for (the endpoint's grant decides; see CHALLENGE_SETS). */
  challengeSet: ChallengeSet;
  deviceBinding: boolean;
  /** M:N: several faces in view, each searched (identify only). */
  multiFace: boolean;
}

export interface FlowControllerOptions {
  effects: () => Effects;
  config: () => FlowConfig;
  camera: CameraController;
  onTransition: (previous: FlowState, next: FlowState) => void;
}

export class FlowController implements ReactiveController {
  state: FlowState = initialState();
  private abort: AbortController | null = null;
  private engine: Promise<EnginePort> | null = null;
  private engineKey = '';
  /** Engine loading outlives a cancelled run (Retry reuses it); only dispose() aborts it. */
  private engineAbort = new AbortController();
  /** What actually runs once the engine is loaded (backend, threads, model id), else null. */
  engineInfo: EngineInfo | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: FlowControllerOptions,
  ) {
    host.addController(this);
  }

  dispatch(event: FlowEvent): void {
    const previous = this.state;
    const next = reduce(previous, event);
    if (next === previous) return;
    this.state = next;
    if (isActive(previous.step) && !isActive(next.step)) this.stopRun();
    if (next.step === 'permission' && previous.step !== 'permission')
      void this.runCapture(next.run);
    this.options.onTransition(previous, next);
    this.host.requestUpdate();
  }

  /** Stops camera and in-flight work of the current run (the loaded engine is kept). */
  stopRun(): void {
    this.abort?.abort(new DOMException('flow left the active steps', 'AbortError'));
    this.abort = null;
    this.options.camera.stop();
  }

  /** Stops everything and unloads the engine (its worker is terminated). */
  async dispose(): Promise<void> {
    this.stopRun();
    const engine = this.engine;
    this.engine = null;
    this.engineInfo = null;
    this.engineKey = '';
    this.engineAbort.abort();
    this.engineAbort = new AbortController();
    if (engine) (await engine.catch(() => null))?.dispose();
  }

  hostDisconnected(): void {
    void this.dispose();
  }

  api(): ApiPort {
    return this.options.effects().api(this.options.config().endpoint);
  }

  private current(run: number): boolean {
    return this.state.run === run && isActive(this.state.step);
  }

  private loadEngine(): Promise<EnginePort> {
    const { assetBase, backend } = this.options.config();
    const key = `${assetBase}|${backend}`;
    if (!this.engine || this.engineKey !== key) {
      const old = this.engine;
      if (old)
        void old.then(
          (e) => e.dispose(),
          () => undefined,
        );
      this.engineKey = key;
      const loading = this.options.effects().engine({
        assetBase,
        backend,
        signal: this.engineAbort.signal,
        onProgress: (value) =>
          this.dispatch({ type: 'progress', progress: { phase: 'models', value } }),
      });
      // A failed load is not cached: Retry loads again.
      loading.then(
        (engine) => {
          if (this.engine === loading) this.engineInfo = engine.info;
        },
        () => {
          if (this.engine === loading) this.engine = null;
        },
      );
      this.engine = loading;
    }
    return this.engine;
  }

  private async runCapture(run: number): Promise<void> {
    const ac = new AbortController();
    this.abort?.abort();
    this.abort = ac;
    const { signal } = ac;
    const config = this.options.config();
    const camera = this.options.camera;
    try {
      if (!config.endpoint) throw new FlowEffectError('misconfigured', 'endpoint is not set');
      if (config.mode !== 'identify' && !config.subject) {
        throw new FlowEffectError('misconfigured', `subject is required for ${config.mode}`);
      }
      const api = this.api();
      const request: CaptureRequest = {
        mode: config.mode,
        subject: config.subject,
        challengeCount: config.challengeCount,
        challengeSet: config.challengeSet,
        deviceBinding: config.deviceBinding,
      };
      // Models load while the endpoint is asked for a session; the camera opens only once the
      // endpoint agreed (a locked, unknown or unreachable subject never turns the camera on).
      const engineLoad = this.loadEngine();
      engineLoad.catch(() => undefined);
      const session = await api.createSession(request, signal);
      if (!this.current(run)) return;
      await camera.open(signal);
      if (!this.current(run)) return;
      this.dispatch({ type: 'camera-opened' });
      if (!this.state.progress) {
        this.dispatch({ type: 'progress', progress: { phase: 'models', value: null } });
      }
      const [engine] = await Promise.all([engineLoad, camera.ready(signal)]);
      if (!this.current(run)) return;
      if (!session.modelIds.includes(engine.info.modelId)) {
        throw new FlowEffectError(
          'model-load-failed',
          `endpoint does not accept model ${engine.info.modelId}`,
        );
      }
      engine.reset();
      this.dispatch({ type: 'ready', session });
      await this.frameLoop(run, engine, session, signal);
      if (!this.current(run)) return;

      this.dispatch({ type: 'progress', progress: { phase: 'extract', value: null } });
      const extraction = await engine.extract(signal);
      // The picture is no longer needed: the camera goes off before anything is sent.
      camera.stop();
      if (!this.current(run)) return;
      this.dispatch({ type: 'extracted' });
      if (Date.now() > session.expiresAt) {
        throw new FlowEffectError('session-expired', 'session expired before submission');
      }
      this.dispatch({ type: 'progress', progress: { phase: 'submit', value: null } });
      const result = await api.submit(session, request, extraction, signal);
      if (!this.current(run)) return;
      this.dispatch({ type: 'submitted', result });
    } catch (error) {
      if (signal.aborted || !this.current(run)) return;
      const { code, message } = classify(error);
      this.dispatch({ type: 'fail', code, message });
    } finally {
      // This run's camera goes off when it ends, and also when it was cancelled and no newer run
      // has started: whatever an await above attached after the cancel must not stay live.
      if (this.abort === ac || (signal.aborted && this.abort === null)) camera.stop();
    }
  }

  /** Feeds camera frames to the engine while in guidance and challenges. */
  private async frameLoop(
    run: number,
    engine: EnginePort,
    session: SessionGrant,
    signal: AbortSignal,
  ): Promise<void> {
    const video = this.options.camera.video;
    const { challengeTimeoutMs, challengeAttempts, mode } = this.options.config();
    const multiFace = this.options.config().multiFace && mode === 'identify';
    let started = false;
    while (this.current(run)) {
      const now = await nextFrame(video, signal);
      if (!this.current(run)) return;
      if (Date.now() > session.expiresAt) {
        throw new FlowEffectError('session-expired', 'session expired during capture');
      }
      const step = this.state.step;
      if (step !== 'guidance' && step !== 'challenges') return;
      const report = engine.analyze(video, now);
      if (step === 'guidance') {
        this.dispatch({ type: 'quality', codes: blockingCodes(report.codes, multiFace) });
        continue;
      }
      if (!started) {
        engine.startChallenges(session.challenges, {
          timeoutMs: challengeTimeoutMs,
          maxAttempts: challengeAttempts,
          multiFace,
          templates: framesFor(mode),
        });
        started = true;
        continue;
      }
      const c = engine.challenge();
      if (!c) continue;
      this.dispatch({ type: 'challenge', index: c.index, attempt: c.attempt, status: c.status });
      if (c.done === 'passed') {
        this.dispatch({ type: 'challenges-passed' });
        return;
      }
      if (c.done === 'failed') {
        throw new FlowEffectError('liveness-failed', c.reason ?? 'challenge failed');
      }
    }
  }
}

/**
 * The next decoded video frame (rVFC), as a monotonic timestamp in ms. A timer backs it up:
 * rVFC does not fire for a hidden or stalled video, and the loop must still see expiry/abort.
 */
function nextFrame(video: HTMLVideoElement, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(performance.now());
    };
    const onAbort = () => {
      settled = true;
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(finish, 250);
    video.requestVideoFrameCallback(finish);
  });
}

function classify(error: unknown): { code: FlowErrorCode; message: string } {
  if (error instanceof CameraError || error instanceof FlowEffectError) {
    return { code: error.code, message: error.message };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { code: 'internal', message };
}
